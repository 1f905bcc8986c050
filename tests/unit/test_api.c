/*
 * test_api.c - the public interface, through <tcpsim.h> alone: load, run,
 * query, errors, and that the library writes only through its sink.
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

int main(void)
{
	Suite *s = suite_create("api");
	TCase *tc = tcase_create("public");
	tcase_add_test(tc, api_run_passing_trace);
	tcase_add_test(tc, api_failed_expectation);
	tcase_add_test(tc, api_parse_error);
	tcase_add_test(tc, api_limits);
	tcase_add_test(tc, api_deterministic);
	tcase_add_test(tc, api_names_and_version);
	tcase_add_test(tc, api_lines_behind_a_crash_are_not_run);
	tcase_add_test(tc, api_blocked_at_the_end);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
