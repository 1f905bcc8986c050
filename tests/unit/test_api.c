/*
 * test_api.c - the public interface, through <tcpsim.h> alone: load, run,
 * query, errors, and that the library writes only through its sink; every
 * function given NULL or called out of turn; and the step-by-step API
 * (tcpsim_new, tcpsim_declare, tcpsim_do, tcpsim_advance).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "sink.h"
#include "tcpsim.h"
static const char broken_pipe[] =
    "host client 10.0.0.1\n"
    "host server 10.0.0.2\n"
    "0      server: s = socket()\n"
    "+0     server: bind(s, 80) = 0\n"
    "+0     server: listen(s, 8) = 0\n"
    "+0     client: c = socket()\n"
    "+0     client: connect(c, server:80) = 0\n"
    "+0     server: a = accept(s)\n"
    "+0     client: signal(SIGPIPE, SIG_IGN) = 0\n"
    "+0.1   server: close(a) = 0\n"
    "+0.1   client: write(c, 100) = 100\n"
    "+0.1   client: write(c, 100) = -1 EPIPE (Broken pipe)\n"
    "expect server>client RST\n";

START_TEST(api_run_passing_trace)
{
	tcpsim_options o;
	tcpsim_error e;
	struct buf b = {0};
	tcpsim_options_init(&o);
	o.check = 1;
	o.write = sink;
	o.write_ctx = &b;
	tcpsim_sim *s = tcpsim_load("bp.trace", broken_pipe,
				    sizeof broken_pipe - 1, &o, &e);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(tcpsim_run(s, &e), TCPSIM_OK);
	ck_assert_int_eq(tcpsim_failures(s), 0);
	ck_assert_str_eq(tcpsim_state_name(tcpsim_var_state(s, "client", "c")),
			 "CLOSED");
	ck_assert_str_eq(tcpsim_state_name(tcpsim_var_state(s, "server", "s")),
			 "LISTEN");
	ck_assert_int_eq(tcpsim_var_state(s, "client", "nope"), -1);
	ck_assert_int_eq(tcpsim_var_state(s, "nohost", "c"), -1);
	ck_assert_ptr_nonnull(strstr(b.data, "EPIPE (Broken pipe)"));
	ck_assert_ptr_nonnull(strstr(b.data, "sends RST"));
	/* A simulation runs once. */
	ck_assert_int_eq(tcpsim_run(s, &e), TCPSIM_ERROR);
	tcpsim_free(s);
	free(b.data);
}
END_TEST

/* tcpsim_var_info: Linux's TCP_INFO numbers, readable between lines. A
 * write of 20 segments before any ACK: 10 out (IW10, RFC 6928), cwnd 10,
 * no ssthresh yet; the peer's ACKs make it 20 (slow start). */
START_TEST(api_var_info_congestion_window)
{
	tcpsim_options o;
	tcpsim_error e;
	tcpsim_result r;
	tcpsim_tcp_info info;
	tcpsim_options_init(&o);
	tcpsim_sim *s = tcpsim_new(&o);
	ck_assert_ptr_nonnull(s);
	const char *lines[] = {
	    "server: s = socket()",          "server: bind(s, 80)",
	    "server: listen(s, 8)",          "client: c = socket()",
	    "client: connect(c, server:80)", "server: a = accept(s)"};
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
		ck_assert_int_ne(tcpsim_do(s, lines[i], &r, &e), TCPSIM_ERROR);
	ck_assert_int_eq(tcpsim_advance(s, 100000, &e), TCPSIM_OK);
	ck_assert_int_ne(tcpsim_do(s, "client: write(c, 28960)", &r, &e),
			 TCPSIM_ERROR);
	ck_assert_int_eq(tcpsim_var_info(s, "client", "c", &info), 0);
	ck_assert_str_eq(tcpsim_state_name(info.state), "ESTABLISHED");
	ck_assert_str_eq(tcpsim_ca_state_name(info.ca_state), "Open");
	ck_assert_uint_eq(info.snd_mss, 1448);
	ck_assert_uint_eq(info.snd_cwnd, 10);
	ck_assert_uint_eq(info.snd_ssthresh, 2147483647u);
	ck_assert_uint_eq(info.unacked, 10);
	ck_assert_int_eq(tcpsim_advance(s, 25000, &e), TCPSIM_OK);
	ck_assert_int_eq(tcpsim_var_info(s, "client", "c", &info), 0);
	ck_assert_uint_eq(info.snd_cwnd, 20);
	ck_assert_int_eq(tcpsim_var_info(s, "client", "nope", &info), -1);
	/* a socket closed and gone: its state alone */
	ck_assert_int_ne(tcpsim_do(s, "client: d = socket()", &r, &e),
			 TCPSIM_ERROR);
	ck_assert_int_ne(tcpsim_do(s, "client: close(d)", &r, &e),
			 TCPSIM_ERROR);
	ck_assert_int_eq(tcpsim_var_info(s, "client", "d", &info), 1);
	ck_assert_str_eq(tcpsim_state_name(info.state), "CLOSED");
	ck_assert_int_eq(tcpsim_var_info(s, "nohost", "c", &info), -1);
	ck_assert_ptr_null(tcpsim_ca_state_name(5));
	ck_assert_str_eq(tcpsim_ca_state_name(TCPSIM_CA_LOSS), "Loss");
	tcpsim_free(s);
}
END_TEST

START_TEST(api_failed_expectation)
{
	char text[sizeof broken_pipe + 16];
	strcpy(text, broken_pipe);
	/* The second write fails with EPIPE, not ECONNRESET. */
	char *p = strstr(text, "-1 EPIPE (Broken pipe)");
	memcpy(p, "-1 ECONNRESET        ", 22);
	struct buf b = {0};
	tcpsim_options o;
	tcpsim_error e;
	tcpsim_options_init(&o);
	o.check = 1;
	o.write = sink;
	o.write_ctx = &b;
	ck_assert_int_eq(
	    tcpsim_run_trace("bp.trace", text, strlen(text), &o, &e),
	    TCPSIM_FAILED);
	ck_assert_ptr_nonnull(strstr(
	    b.data, "bp.trace:12: expected write(c, 100) = -1 ECONNRESET, "
		    "got -1 EPIPE (Broken pipe) +SIGPIPE"));
	free(b.data);
}
END_TEST

START_TEST(api_parse_error)
{
	static const char bad[] =
	    "host client 10.0.0.1\n0 clinet: c = socket()\n";
	tcpsim_error e;
	tcpsim_sim *s = tcpsim_load("bad.trace", bad, sizeof bad - 1, NULL, &e);
	ck_assert_ptr_null(s);
	ck_assert_str_eq(e.file, "bad.trace");
	ck_assert_int_eq(e.line, 2);
	ck_assert_int_gt(e.col, 0);
	ck_assert_str_eq(e.source, "0 clinet: c = socket()");
	ck_assert_int_eq(
	    tcpsim_run_trace("bad.trace", bad, sizeof bad - 1, NULL, &e),
	    TCPSIM_ERROR);
}
END_TEST

START_TEST(api_limits)
{
	tcpsim_options o;
	tcpsim_error e;
	tcpsim_options_init(&o);
	o.check = 1;
	o.max_events = 3;
	ck_assert_int_eq(tcpsim_run_trace("bp.trace", broken_pipe,
					  sizeof broken_pipe - 1, &o, &e),
			 TCPSIM_ERROR);
	ck_assert_ptr_nonnull(strstr(e.message, "event limit of 3 exceeded"));
	tcpsim_options_init(&o);
	o.check = 1;
	o.max_time_us = 50000;
	ck_assert_int_eq(tcpsim_run_trace("bp.trace", broken_pipe,
					  sizeof broken_pipe - 1, &o, &e),
			 TCPSIM_ERROR);
	ck_assert_ptr_nonnull(strstr(e.message, "virtual time limit"));
}
END_TEST

START_TEST(api_deterministic)
{
	struct buf a = {0}, b = {0};
	tcpsim_options o;
	tcpsim_options_init(&o);
	o.check = 1;
	o.write = sink;
	o.write_ctx = &a;
	tcpsim_run_trace("bp.trace", broken_pipe, sizeof broken_pipe - 1, &o,
			 NULL);
	o.write_ctx = &b;
	tcpsim_run_trace("bp.trace", broken_pipe, sizeof broken_pipe - 1, &o,
			 NULL);
	ck_assert_uint_eq(a.len, b.len);
	ck_assert_int_eq(memcmp(a.data, b.data, a.len), 0);
	free(a.data);
	free(b.data);
}
END_TEST

START_TEST(api_lines_behind_a_crash_are_not_run)
{
	/* accept() blocks; the host crashes; the line waiting behind it is
	 * reported as not run at the crash, not forgotten. */
	static const char text[] = "0 server: s = socket()\n"
				   "+0 server: bind(s, 80) = 0\n"
				   "+0 server: listen(s, 8) = 0\n"
				   "+0 server: a = accept(s)\n"
				   "+0 server: close(s) = 0\n"
				   "+1 server: crash\n";
	struct buf b = {0};
	tcpsim_options o;
	tcpsim_error e;
	tcpsim_options_init(&o);
	o.check = 1;
	o.write = sink;
	o.write_ctx = &b;
	ck_assert_int_eq(
	    tcpsim_run_trace("c.trace", text, sizeof text - 1, &o, &e),
	    TCPSIM_FAILED);
	ck_assert_ptr_nonnull(strstr(b.data, "   1.000000  server  skip    "
					     "close(s) not run: host is down"));
	free(b.data);
}
END_TEST

START_TEST(api_blocked_at_the_end)
{
	/* accept() blocks to the end of the run: it, and the line behind it,
	 * each fail an expectation that counts among those checked. */
	static const char text[] = "0 server: s = socket()\n"
				   "+0 server: bind(s, 80) = 0\n"
				   "+0 server: listen(s, 8) = 0\n"
				   "+0 server: a = accept(s)\n"
				   "+0 server: close(s)\n";
	struct buf b = {0};
	tcpsim_options o;
	tcpsim_error e;
	tcpsim_options_init(&o);
	o.check = 1;
	o.write = sink;
	o.write_ctx = &b;
	tcpsim_sim *s = tcpsim_load("b.trace", text, sizeof text - 1, &o, &e);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(tcpsim_run(s, &e), TCPSIM_FAILED);
	ck_assert_int_eq(tcpsim_failures(s), 2);
	ck_assert_int_eq(tcpsim_checked(s), 5);
	ck_assert_ptr_nonnull(strstr(b.data, "# 5 expectations checked, "
					     "2 failed\n"));
	tcpsim_free(s);
	free(b.data);
}
END_TEST

START_TEST(api_names_and_version)
{
	ck_assert_str_eq(tcpsim_state_name(TCPSIM_TIME_WAIT), "TIME_WAIT");
	ck_assert_ptr_null(tcpsim_state_name(99));
	ck_assert_ptr_null(tcpsim_state_name(-1));
	ck_assert_ptr_nonnull(strchr(tcpsim_version(), '.'));
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Errors and misuse, and the step-by-step API */

START_TEST(api_null_arguments)
{
	tcpsim_error e;
	/* Text NULL with a length: an error naming the file. */
	ck_assert_ptr_null(tcpsim_load("x.trace", NULL, 5, NULL, &e));
	ck_assert_str_eq(e.file, "x.trace");
	ck_assert_str_eq(e.message, "no trace text");
	ck_assert_int_eq(e.line, 0);
	/* An empty trace with no name: "-". */
	tcpsim_sim *s = tcpsim_load(NULL, NULL, 0, NULL, &e);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(tcpsim_host_count(s), 2);
	ck_assert_str_eq(tcpsim_host_name(s, 0), "client");
	ck_assert_str_eq(tcpsim_host_name(s, 1), "server");
	ck_assert_ptr_null(tcpsim_host_name(s, 2));
	ck_assert_ptr_null(tcpsim_host_name(s, -1));
	ck_assert_int_eq(tcpsim_var_state(s, NULL, "c"), -1);
	ck_assert_int_eq(tcpsim_var_state(s, "client", NULL), -1);
	ck_assert_int_eq(tcpsim_run(s, NULL), TCPSIM_OK);
	ck_assert_int_eq(tcpsim_run(s, &e), TCPSIM_ERROR);
	ck_assert_str_eq(e.file, "-");
	ck_assert_str_eq(e.message, "a simulation runs only once");
	tcpsim_free(s);
	/* Queries on no simulation. */
	ck_assert_int_eq(tcpsim_run(NULL, &e), TCPSIM_ERROR);
	ck_assert_str_eq(e.file, "<api>");
	ck_assert_int_eq(tcpsim_failures(NULL), 0);
	ck_assert_int_eq(tcpsim_checked(NULL), 0);
	ck_assert_int_eq(tcpsim_host_count(NULL), 0);
	ck_assert_ptr_null(tcpsim_host_name(NULL, 0));
	ck_assert_int_eq(tcpsim_var_state(NULL, "client", "c"), -1);
	ck_assert_int_eq(tcpsim_now(NULL), 0);
	tcpsim_free(NULL);
	/* NULL error pointers are allowed everywhere. */
	ck_assert_ptr_null(
	    tcpsim_load("x", "0 nohost: kill\n", 15, NULL, NULL));
	ck_assert_int_eq(tcpsim_run(NULL, NULL), TCPSIM_ERROR);
}
END_TEST

START_TEST(api_var_state_of_a_variable_never_bound)
{
	/* "c" is a variable of the client (line 2 names it), but the line
	 * that binds it never runs: its state reads CLOSED, as "expect"
	 * reads it. */
	static const char text[] = "0 client: crash\n"
				   "+0 client: c = socket()\n";
	tcpsim_sim *s = tcpsim_load("t", text, sizeof text - 1, NULL, NULL);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(tcpsim_run(s, NULL), TCPSIM_FAILED);
	ck_assert_int_eq(tcpsim_var_state(s, "client", "c"), TCPSIM_CLOSED);
	ck_assert_int_eq(tcpsim_failures(s), 1);
	tcpsim_free(s);
}
END_TEST

static tcpsim_sim *step_new(struct buf *b)
{
	tcpsim_options o;
	tcpsim_options_init(&o);
	o.write = sink;
	o.write_ctx = b;
	return tcpsim_new(&o);
}

START_TEST(api_step_declarations)
{
	tcpsim_error e;
	tcpsim_sim *s = tcpsim_new(NULL);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(tcpsim_declare(NULL, "host a 10.0.0.1", &e),
			 TCPSIM_ERROR);
	ck_assert_int_eq(tcpsim_declare(s, NULL, &e), TCPSIM_ERROR);
	ck_assert_str_eq(e.message, "declarations come before the first line");
	ck_assert_int_eq(tcpsim_declare(s, "host a 10.0.0.1", &e), TCPSIM_OK);
	/* A bad declaration is refused and forgotten: the next one still
	 * goes in. */
	ck_assert_int_eq(tcpsim_declare(s, "host b 10.0.0.1", &e),
			 TCPSIM_ERROR);
	ck_assert_str_eq(e.file, "<api>");
	ck_assert_int_eq(e.line, 2);
	ck_assert_str_eq(e.message,
			 "address 10.0.0.1 is already used by host 'a'");
	ck_assert_int_eq(tcpsim_declare(s, "0 a: x = socket()", &e),
			 TCPSIM_ERROR);
	ck_assert_str_eq(e.message, "not a declaration");
	ck_assert_int_eq(tcpsim_declare(s, "host b 10.0.0.2", &e), TCPSIM_OK);
	ck_assert_int_eq(tcpsim_declare(s, "link a b delay 1ms", &e),
			 TCPSIM_OK);
	tcpsim_result r;
	ck_assert_int_eq(tcpsim_do(s, "a: x = socket()", &r, &e), TCPSIM_OK);
	ck_assert_int_eq(r.value, 3);
	/* After the first line, no more declarations. */
	ck_assert_int_eq(tcpsim_declare(s, "host c 10.0.0.3", &e),
			 TCPSIM_ERROR);
	ck_assert_str_eq(e.message, "declarations come before the first line");
	ck_assert_int_eq(tcpsim_host_count(s), 2);
	ck_assert_str_eq(tcpsim_host_name(s, 1), "b");
	tcpsim_free(s);
}
END_TEST

START_TEST(api_step_misuse)
{
	tcpsim_error e;
	tcpsim_result r;
	/* A loaded trace is not built step by step. */
	tcpsim_sim *l = tcpsim_load("t", "", 0, NULL, &e);
	ck_assert_int_eq(tcpsim_do(l, "client: c = socket()", &r, &e),
			 TCPSIM_ERROR);
	ck_assert_str_eq(e.message,
			 "tcpsim_do: not a simulation built with tcpsim_new()");
	ck_assert_int_eq(tcpsim_advance(l, 5, &e), TCPSIM_ERROR);
	ck_assert_str_eq(
	    e.message,
	    "tcpsim_advance: not a simulation built with tcpsim_new()");
	ck_assert_int_eq(tcpsim_do(NULL, "x", NULL, &e), TCPSIM_ERROR);
	tcpsim_free(l);

	struct buf b = {0};
	tcpsim_sim *s = step_new(&b);
	ck_assert_int_eq(tcpsim_do(s, NULL, &r, &e), TCPSIM_ERROR);
	ck_assert_str_eq(e.message, "tcpsim_do: no line");
	ck_assert_int_eq(tcpsim_advance(s, -1, &e), TCPSIM_ERROR);
	ck_assert_str_eq(e.message, "tcpsim_advance: time only goes forward, "
				    "not by -1 us");
	ck_assert_int_eq(tcpsim_last_result(s, &r), -1); /* nothing yet */
	ck_assert_int_eq(tcpsim_last_result(s, NULL), -1);
	ck_assert_int_eq(tcpsim_last_result(NULL, &r), -1);
	/* Lines are one line each, without a time, and parse. */
	ck_assert_int_eq(tcpsim_do(s,
				   "client: c = socket()\n"
				   "0 client: d = socket()",
				   &r, &e),
			 TCPSIM_ERROR);
	ck_assert_str_eq(e.message, "one line, without a line end or NUL");
	/* A time prefix: lines given one by one run now. */
	ck_assert_int_eq(tcpsim_do(s, "+0.1 client: d = socket()", &r, &e),
			 TCPSIM_ERROR);
	ck_assert_str_eq(e.message,
			 "a line given on its own runs now and takes no "
			 "time: found '+0.1' (tcpsim_advance() lets time "
			 "pass)");
	ck_assert_int_eq(e.col, 1);
	ck_assert_int_eq(tcpsim_do(s, "host x 10.0.0.9", &r, &e), TCPSIM_ERROR);
	ck_assert_str_eq(e.message, "'host' is a declaration: declarations "
				    "come before the first line");
	ck_assert_int_eq(tcpsim_do(s, "", &r, &e), TCPSIM_ERROR);
	ck_assert_str_eq(e.message, "expected a line: a call, a host or net "
				    "event, or expect");
	ck_assert_int_eq(tcpsim_do(s, "client: c = sock()", &r, &e),
			 TCPSIM_ERROR);
	ck_assert_str_eq(e.message, "unknown call 'sock'");
	ck_assert_str_eq(e.file, "<api>");
	/* The failed lines left nothing behind: this is line 1's socket. */
	ck_assert_int_eq(tcpsim_do(s, "client: c = socket()", &r, &e),
			 TCPSIM_OK);
	ck_assert_int_eq(r.done, 1);
	ck_assert_int_eq(r.value, 3);
	ck_assert_int_eq(tcpsim_run(s, &e), TCPSIM_OK);
	/* After the run, nothing more. */
	ck_assert_int_eq(tcpsim_do(s, "client: close(c)", &r, &e),
			 TCPSIM_ERROR);
	ck_assert_str_eq(e.message, "tcpsim_do: the simulation has run; "
				    "tcpsim_run() ends it");
	ck_assert_int_eq(tcpsim_advance(s, 1, &e), TCPSIM_ERROR);
	ck_assert_str_eq(e.message, "tcpsim_advance: the simulation has run; "
				    "tcpsim_run() ends it");
	ck_assert_int_eq(tcpsim_run(s, &e), TCPSIM_ERROR);
	tcpsim_free(s);
	free(b.data);
}
END_TEST

START_TEST(api_step_blocking_call_returns_later)
{
	/* accept() blocks; the client's connect() completes the handshake
	 * one round trip (and one more delay for the ACK) later. */
	struct buf b = {0};
	tcpsim_error e;
	tcpsim_result r;
	tcpsim_sim *s = step_new(&b);
	ck_assert_int_eq(tcpsim_now(s), 0);
	ck_assert_int_eq(tcpsim_do(s, "server: s = socket()", &r, &e),
			 TCPSIM_OK);
	ck_assert_int_eq(tcpsim_do(s, "server: bind(s, 80) = 0", &r, &e),
			 TCPSIM_OK);
	ck_assert_int_eq(tcpsim_do(s, "server: listen(s, 1) = 0", &r, &e),
			 TCPSIM_OK);
	ck_assert_int_eq(tcpsim_do(s, "server: a = accept(s)", &r, &e),
			 TCPSIM_OK);
	ck_assert_int_eq(r.done, 0);
	ck_assert_int_eq(r.line, 4);
	ck_assert_int_eq(tcpsim_last_result(s, &r), 0);
	ck_assert_int_eq(r.line, 3); /* listen() returned last */
	/* The client's connect() blocks too. */
	ck_assert_int_eq(tcpsim_do(s, "client: c = socket()", &r, &e),
			 TCPSIM_OK);
	ck_assert_int_eq(
	    tcpsim_do(s, "client: connect(c, server:80) = 0", &r, &e),
	    TCPSIM_OK);
	ck_assert_int_eq(r.done, 0);
	ck_assert_int_eq(tcpsim_advance(s, 20000, &e), TCPSIM_OK);
	ck_assert_int_eq(tcpsim_now(s), 20000);
	/* The SYN-ACK arrives at 20 ms: a line given now would come before
	 * it, as every line at T comes before the events at T in a trace. */
	ck_assert_int_eq(tcpsim_last_result(s, &r), 0);
	ck_assert_int_eq(r.line, 5); /* socket() returned last */
	ck_assert_int_eq(tcpsim_advance(s, 1, &e), TCPSIM_OK);
	ck_assert_int_eq(tcpsim_last_result(s, &r), 0);
	ck_assert_int_eq(r.line, 6); /* connect() returned at 20 ms */
	ck_assert_int_eq(r.value, 0);
	ck_assert_int_eq(tcpsim_advance(s, 10000, &e), TCPSIM_OK);
	ck_assert_int_eq(tcpsim_last_result(s, &r), 0);
	ck_assert_int_eq(r.line, 4); /* accept() at 30 ms */
	ck_assert_int_eq(r.value, 4);
	ck_assert_ptr_null(r.errno_name);
	ck_assert_int_eq(tcpsim_var_state(s, "server", "a"),
			 TCPSIM_ESTABLISHED);
	/* A variable first named after the first line. */
	ck_assert_int_eq(tcpsim_do(s, "client: d = socket()", &r, &e),
			 TCPSIM_OK);
	ck_assert_int_eq(r.value, 4);
	/* A failing call: its errno, and TCPSIM_FAILED for the
	 * expectation it breaks. */
	ck_assert_int_eq(
	    tcpsim_do(s, "client: connect(c, server:80) = 0", &r, &e),
	    TCPSIM_FAILED);
	ck_assert_int_eq(r.done, 1);
	ck_assert_int_eq(r.value, -1);
	ck_assert_str_eq(r.errno_name, "EISCONN");
	ck_assert_int_eq(tcpsim_failures(s), 1);
	ck_assert_int_eq(tcpsim_run(s, &e), TCPSIM_FAILED);
	HAS(&b, "   0.030000  server  return  a = accept(s) = 4  (blocked "
		"since 0.000000)");
	HAS(&b, "<api>:8: expected connect(c, server:80) = 0, got -1 EISCONN");
	free(b.data);
	tcpsim_free(s);
}
END_TEST

START_TEST(api_step_run_stops_at_keepalive)
{
	/* tcpsim_run() after steps runs what is left; keepalive probes to a
	 * live peer would go on forever, so they do not keep it going. */
	struct buf b = {0};
	tcpsim_error e;
	tcpsim_sim *s = step_new(&b);
	static const char *const lines[] = {
	    "server: s = socket()",
	    "server: bind(s, 80) = 0",
	    "server: listen(s, 1) = 0",
	    "client: c = socket()",
	    "client: setsockopt(c, SO_KEEPALIVE, 1) = 0",
	    "client: setsockopt(c, TCP_KEEPIDLE, 10) = 0",
	    "client: connect(c, server:80) = 0",
	    "server: a = accept(s)"};
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
		ck_assert_int_eq(tcpsim_do(s, lines[i], NULL, &e), TCPSIM_OK);
	ck_assert_int_eq(tcpsim_run(s, &e), TCPSIM_OK);
	/* The run ends with the handshake, not 10 s later at the first
	 * probe. */
	HAS(&b, "# final state at 0.030000\n");
	HAS(&b, "only keepalive timers are left: the run ends");
	HASNT(&b, "keepalive probe");
	free(b.data);
	tcpsim_free(s);
}
END_TEST

START_TEST(api_step_time_limit)
{
	/* A connect() to a host that never answers: SYN retransmissions
	 * outlast a 2 s limit. */
	tcpsim_options o;
	tcpsim_error e;
	tcpsim_options_init(&o);
	o.max_time_us = 2000000;
	tcpsim_sim *s = tcpsim_new(&o);
	ck_assert_int_eq(tcpsim_do(s, "server: crash", NULL, &e), TCPSIM_OK);
	ck_assert_int_eq(tcpsim_do(s, "client: c = socket()", NULL, &e),
			 TCPSIM_OK);
	ck_assert_int_eq(
	    tcpsim_do(s, "client: connect(c, server:80)", NULL, &e), TCPSIM_OK);
	ck_assert_int_eq(tcpsim_run(s, &e), TCPSIM_ERROR);
	ck_assert_str_eq(e.message,
			 "virtual time limit exceeded (max_time_us)");
	tcpsim_free(s);
}
END_TEST

START_TEST(api_step_advance_past_the_limit)
{
	/* tcpsim_advance() past the virtual-time limit is refused, and the
	 * simulation stays where it was: a smaller step still goes. */
	tcpsim_options o;
	tcpsim_error e;
	tcpsim_options_init(&o);
	o.max_time_us = 1000000;
	tcpsim_sim *s = tcpsim_new(&o);
	ck_assert_int_eq(tcpsim_do(s, "client: c = socket()", NULL, &e),
			 TCPSIM_OK);
	ck_assert_int_eq(tcpsim_advance(s, 2000000, &e), TCPSIM_ERROR);
	ck_assert_str_eq(e.message, "tcpsim_advance: past the virtual time "
				    "limit (max_time_us)");
	ck_assert_int_eq(tcpsim_advance(s, 500000, &e), TCPSIM_OK);
	tcpsim_free(s);
}
END_TEST

START_TEST(api_step_abort_is_sticky)
{
	/* A replay of a segment not yet sent stops the run (status 2), and
	 * every later step reports that error. */
	tcpsim_error e;
	tcpsim_sim *s = tcpsim_new(NULL);
	ck_assert_int_eq(tcpsim_do(s, "net: replay 5", NULL, &e), TCPSIM_ERROR);
	ck_assert_int_eq(e.line, 1);
	char first[256];
	memcpy(first, e.message, sizeof first);
	ck_assert_ptr_nonnull(strstr(first, "#5"));
	ck_assert_int_eq(tcpsim_do(s, "client: c = socket()", NULL, &e),
			 TCPSIM_ERROR);
	ck_assert_str_eq(e.message, first);
	ck_assert_int_eq(tcpsim_run(s, &e), TCPSIM_ERROR);
	ck_assert_str_eq(e.message, first);
	tcpsim_free(s);
}
END_TEST

START_TEST(api_step_advance_before_any_line)
{
	tcpsim_error e;
	tcpsim_sim *s = tcpsim_new(NULL);
	ck_assert_int_eq(tcpsim_advance(s, 1500, &e), TCPSIM_OK);
	ck_assert_int_eq(tcpsim_now(s), 1500);
	/* The next line runs at the time reached. */
	ck_assert_int_eq(tcpsim_do(s, "client: c = socket()", NULL, &e),
			 TCPSIM_OK);
	ck_assert_int_eq(tcpsim_now(s), 1500);
	ck_assert_int_eq(tcpsim_run(s, &e), TCPSIM_OK);
	tcpsim_free(s);

	/* A run with no line at all: the declarations, then the end. */
	struct buf b = {0};
	s = step_new(&b);
	ck_assert_int_eq(tcpsim_declare(s, "host solo 10.1.2.3", &e),
			 TCPSIM_OK);
	ck_assert_int_eq(tcpsim_run(s, &e), TCPSIM_OK);
	HAS(&b, "# hosts: solo 10.1.2.3\n");
	HAS(&b, "# 0 expectations checked, 0 failed\n");
	free(b.data);
	tcpsim_free(s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("api");
	TCase *tc = tcase_create("public");
	tcase_add_test(tc, api_run_passing_trace);
	tcase_add_test(tc, api_failed_expectation);
	tcase_add_test(tc, api_var_info_congestion_window);
	tcase_add_test(tc, api_parse_error);
	tcase_add_test(tc, api_limits);
	tcase_add_test(tc, api_deterministic);
	tcase_add_test(tc, api_names_and_version);
	tcase_add_test(tc, api_lines_behind_a_crash_are_not_run);
	tcase_add_test(tc, api_blocked_at_the_end);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors_and_steps");
	tcase_add_test(tc, api_null_arguments);
	tcase_add_test(tc, api_var_state_of_a_variable_never_bound);
	tcase_add_test(tc, api_step_declarations);
	tcase_add_test(tc, api_step_misuse);
	tcase_add_test(tc, api_step_blocking_call_returns_later);
	tcase_add_test(tc, api_step_run_stops_at_keepalive);
	tcase_add_test(tc, api_step_time_limit);
	tcase_add_test(tc, api_step_advance_past_the_limit);
	tcase_add_test(tc, api_step_abort_is_sticky);
	tcase_add_test(tc, api_step_advance_before_any_line);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
