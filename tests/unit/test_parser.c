/*
 * test_parser.c - the trace parser: every statement form it accepts, and
 * every error it reports, with the exact message, line and column; the
 * last group through the public interface (tcpsim_load(), the error as
 * <tcpsim.h> gives it).
 *
 * Pipeline: trace text -> parser (under test) -> ts_trace -> engine.
 */
#include "trace/trace.h"

#include <check.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/gen.h"
#include "sink.h"

/* ---------------------------------------------------------------------- */
/* Helpers */

static ts_trace *parse_ok(const char *src)
{
	ts_error err;
	ts_trace *t = ts_trace_parse("t.trace", src, strlen(src), &err);

	ck_assert_msg(t != NULL, "unexpected error %s:%d:%d: %s", err.file,
		      err.line, err.col, err.msg);
	return t;
}

static void check_error_n(const char *src, size_t len, int line, int col,
			  const char *msg)
{
	ts_error err;
	ts_trace *t = ts_trace_parse("t.trace", src, len, &err);

	if (t)
		ts_trace_free(t);
	ck_assert_msg(t == NULL, "parsed, expected \"%s\"", msg);
	ck_assert_str_eq(err.msg, msg);
	ck_assert_int_eq(err.line, line);
	ck_assert_int_eq(err.col, col);
	ck_assert_str_eq(err.file, "t.trace");
}

static void check_error(const char *src, int line, int col, const char *msg)
{
	check_error_n(src, strlen(src), line, col, msg);
}

/* The last statement of a trace that must parse. */
static const ts_stmt *last(ts_trace *t)
{
	ck_assert_int_gt(t->nstmts, 0);
	return &t->stmts[t->nstmts - 1];
}

/* Two sockets bound to variables, so that line 3 can use them. */
#define PRE "0 client: c = socket()\n0 server: s = socket()\n"

/* Parse PRE + LINE and return a copy of the call on line 3. */
static ts_call call3(const char *line)
{
	char buf[512];
	ts_trace *t;
	ts_call c;

	snprintf(buf, sizeof buf, PRE "%s\n", line);
	t = parse_ok(buf);
	ck_assert_int_eq(t->nstmts, 3);
	ck_assert_int_eq(last(t)->kind, TS_STMT_CALL);
	ck_assert_int_eq(last(t)->line, 3);
	c = last(t)->u.call;
	ts_trace_free(t);
	return c;
}

/* Parse LINE (after the default hosts) and return its net event. */
static ts_net net1(const char *line)
{
	ts_trace *t = parse_ok(line);
	ts_net n;

	ck_assert_int_eq(t->nstmts, 1);
	ck_assert_int_eq(t->stmts[0].kind, TS_STMT_NET);
	ck_assert_int_eq(t->stmts[0].host, -1);
	n = t->stmts[0].u.net;
	ts_trace_free(t);
	return n;
}

static ts_expect expect3(const char *line)
{
	char buf[512];
	ts_trace *t;
	ts_expect e;

	snprintf(buf, sizeof buf, PRE "%s\n", line);
	t = parse_ok(buf);
	ck_assert_int_eq(t->nstmts, 3);
	ck_assert_int_eq(last(t)->kind, TS_STMT_EXPECT);
	ck_assert_int_eq(last(t)->host, -1);
	e = last(t)->u.expect;
	ts_trace_free(t);
	return e;
}

/* The time given to a single "TIME client: kill" line after PREV. */
static ts_time time_of(const char *prev, const char *time)
{
	char buf[256];
	ts_trace *t;
	ts_time at;

	snprintf(buf, sizeof buf, "%s%s client: kill\n", prev, time);
	t = parse_ok(buf);
	at = last(t)->at;
	ts_trace_free(t);
	return at;
}

/* ---------------------------------------------------------------------- */
/* Files, lines, comments */

START_TEST(parse_empty)
{
	ts_trace *t = parse_ok("");

	ck_assert_int_eq(t->nstmts, 0);
	ck_assert_int_eq(t->nlinks, 0);
	ck_assert_str_eq(t->profile, "linux");
	ck_assert_str_eq(t->filename, "t.trace");
	ck_assert_uint_eq(t->textlen, 0);
	ck_assert_str_eq(t->text, "");
	ts_trace_free(t);

	t = ts_trace_parse("x", NULL, 0, NULL);
	ck_assert_ptr_nonnull(t);
	ts_trace_free(t);
	ts_trace_free(NULL);
}
END_TEST

START_TEST(parse_comments_and_blank_lines)
{
	ts_trace *t = parse_ok("# a comment\n\n   \t\n  # indented comment\n"
			       "0 client: kill # after a statement\n"
			       "# héllo, wörld: any UTF-8 in a comment\n");

	ck_assert_int_eq(t->nstmts, 1);
	ck_assert_int_eq(t->stmts[0].line, 5);
	ck_assert_str_eq(t->stmts[0].text, "client: kill");
	ts_trace_free(t);
}
END_TEST

START_TEST(parse_crlf)
{
	const char *src = "host a 10.0.0.1\r\nhost b 10.0.0.2\r\n\r\n"
			  "0 a: x = socket()\r\n+1 b: kill # c\r\n"
			  "expect a x state CLOSED\r\n";
	ts_trace *t = parse_ok(src);

	ck_assert_int_eq(t->nhosts, 2);
	ck_assert_int_eq(t->nstmts, 3);
	ck_assert_str_eq(t->stmts[0].text, "a: x = socket()");
	ck_assert_str_eq(t->stmts[1].text, "b: kill");
	ck_assert_int_eq(t->stmts[1].line, 5);
	ck_assert_int_eq(t->stmts[2].at, TS_SEC(1));
	/* the source is kept as it was */
	ck_assert_uint_eq(t->textlen, strlen(src));
	ck_assert_str_eq(t->text, src);
	ts_trace_free(t);

	/* a last line without a newline, and a lone CR at the end */
	t = parse_ok("0 client: kill\r");
	ck_assert_int_eq(t->nstmts, 1);
	ts_trace_free(t);
}
END_TEST

START_TEST(parse_bom)
{
	ts_trace *t = parse_ok("\xef\xbb\xbf"
			       "0 client: kill\n");

	ck_assert_int_eq(t->nstmts, 1);
	ck_assert_str_eq(t->stmts[0].text, "client: kill");
	ts_trace_free(t);
	/* columns count from after the mark */
	check_error("\xef\xbb\xbf"
		    "0 srv: kill\n",
		    1, 3, "unknown host 'srv'");
}
END_TEST

START_TEST(parse_stmt_text)
{
	ts_trace *t = parse_ok(
	    "  \t0 client: c = socket()   # make one\n"
	    "+0 client: write(c, 1) = -1 EPIPE +SIGPIPE (Broken # pipe) "
	    "  # why\n"
	    "\texpect client>server SYN\t\n");

	ck_assert_str_eq(t->stmts[0].text, "client: c = socket()");
	ck_assert_str_eq(t->stmts[1].text,
			 "client: write(c, 1) = -1 EPIPE +SIGPIPE (Broken # "
			 "pipe)");
	ck_assert_str_eq(t->stmts[2].text, "expect client>server SYN");
	ts_trace_free(t);
	/* A body written again is the same text, kept once. */
	t = parse_ok("0 client: c = socket()\n"
		     "+1.5 client: c = socket()\n");
	ck_assert_str_eq(t->stmts[1].text, "client: c = socket()");
	ck_assert_ptr_eq(t->stmts[0].text, t->stmts[1].text);
	ck_assert_int_eq(t->stmts[1].at, 1500000);
	ck_assert_int_eq(t->stmts[1].line, 2);
	ts_trace_free(t);
}
END_TEST

START_TEST(parse_spacing)
{
	ts_trace *t = parse_ok("0 client:c=socket()\n"
			       "0   client  :  write ( c , 5 )  =  5\n"
			       "0 client:connect(c,server:80)=0\n"
			       "0 net: drop client > server 2 SYN\n"
			       "0 net: drop client>server\n"
			       "expect client > server SYN\n"
			       "expect no client>server FIN\n");

	ck_assert_int_eq(t->nstmts, 7);
	ck_assert_int_eq(t->stmts[1].u.call.a, 5);
	ck_assert_int_eq(t->stmts[1].u.call.value, 5);
	ck_assert_int_eq(t->stmts[2].u.call.peer_host, 1);
	ck_assert_int_eq(t->stmts[3].u.net.count, 2);
	ck_assert_int_eq(t->stmts[4].u.net.to, 1);
	ck_assert_int_eq(t->stmts[5].u.expect.to, 1);
	ts_trace_free(t);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Declarations */

START_TEST(parse_default_hosts)
{
	ts_trace *t = parse_ok("0 client: kill\n");

	ck_assert_int_eq(t->nhosts, 2);
	ck_assert_str_eq(t->hosts[0].name, "client");
	ck_assert_uint_eq(t->hosts[0].addr, 0x0a000001);
	ck_assert_str_eq(t->hosts[1].name, "server");
	ck_assert_uint_eq(t->hosts[1].addr, 0x0a000002);
	ck_assert_int_eq(t->hosts[0].nvars, 0);
	ck_assert_ptr_null(t->hosts[0].vars);
	ck_assert_int_eq(t->stmts[0].host, 0);
	ts_trace_free(t);
}
END_TEST

START_TEST(parse_host_decl)
{
	ts_trace *t = parse_ok("host a 192.168.0.1\nhost b-2_x 0.0.0.255\n"
			       "host z9 255.255.255.254\n");

	ck_assert_int_eq(t->nhosts, 3);
	ck_assert_str_eq(t->hosts[0].name, "a");
	ck_assert_uint_eq(t->hosts[0].addr, 0xc0a80001);
	ck_assert_str_eq(t->hosts[1].name, "b-2_x");
	ck_assert_uint_eq(t->hosts[1].addr, 0x000000ff);
	ck_assert_uint_eq(t->hosts[2].addr, 0xfffffffe);
	ts_trace_free(t);
}
END_TEST

START_TEST(parse_host_declared_later)
{
	/* declarations are global: hosts, links and knobs may come last */
	ts_trace *t = parse_ok("0 web: s = socket()\n"
			       "+1 db: kill\n"
			       "link web db delay 5ms\n"
			       "set db tcp_retries2 3\n"
			       "host web 10.1.0.1\nhost db 10.1.0.2\n");

	ck_assert_int_eq(t->nhosts, 2);
	ck_assert_int_eq(t->stmts[0].host, 0);
	ck_assert_int_eq(t->stmts[1].host, 1);
	ck_assert_int_eq(ts_trace_link_delay(t, 1, 0), TS_MS(5));
	ck_assert_int_eq(t->hosts[1].knobs[TS_KNOB_TCP_RETRIES2], 3);
	ts_trace_free(t);
}
END_TEST

START_TEST(parse_host_named_like_keywords)
{
	/* "expect", "no", "host", "kill": names like any other */
	ts_trace *t = parse_ok("host expect 10.0.0.1\nhost no 10.0.0.2\n"
			       "host host 10.0.0.3\nhost kill 10.0.0.4\n"
			       "0 expect: x = socket()\n"
			       "0 no: y = socket()\n"
			       "0 host: kill\n"
			       "0 kill: kill\n"
			       "expect expect x state CLOSED\n"
			       "expect no y state CLOSED\n"
			       "expect no terminated\n"
			       "expect no>host RST\n"
			       "expect no no>host RST\n"
			       "expect no expect>host RST\n");

	ck_assert_int_eq(t->nstmts, 10);
	ck_assert_int_eq(t->stmts[0].host, 0);
	ck_assert_int_eq(t->stmts[2].host, 2);
	ck_assert_int_eq(t->stmts[2].kind, TS_STMT_HOST);
	ck_assert_int_eq(t->stmts[3].host, 3);
	ck_assert_int_eq(t->stmts[4].u.expect.op, TCPSIM_EXPECT_STATE);
	ck_assert_int_eq(t->stmts[4].u.expect.host, 0);
	ck_assert_int_eq(t->stmts[5].u.expect.host, 1);
	ck_assert_int_eq(t->stmts[5].u.expect.negate, 0);
	ck_assert_int_eq(t->stmts[6].u.expect.op, TCPSIM_EXPECT_TERMINATED);
	ck_assert_int_eq(t->stmts[6].u.expect.host, 1);
	ck_assert_int_eq(t->stmts[7].u.expect.negate, 0);
	ck_assert_int_eq(t->stmts[7].u.expect.from, 1);
	ck_assert_int_eq(t->stmts[8].u.expect.negate, 1);
	ck_assert_int_eq(t->stmts[8].u.expect.from, 1);
	ck_assert_int_eq(t->stmts[9].u.expect.negate, 1);
	ck_assert_int_eq(t->stmts[9].u.expect.from, 0);
	ts_trace_free(t);
}
END_TEST

START_TEST(parse_link)
{
	ts_trace *t = parse_ok("host a 10.0.0.1\nhost b 10.0.0.2\n"
			       "host c 10.0.0.3\n"
			       "link b a delay 25ms\nlink a c delay 1.5\n");

	ck_assert_int_eq(t->nlinks, 2);
	ck_assert_int_eq(t->links[0].a, 0);
	ck_assert_int_eq(t->links[0].b, 1);
	ck_assert_int_eq(t->links[0].delay, TS_MS(25));
	ck_assert_int_eq(t->links[1].b, 2);
	ck_assert_int_eq(ts_trace_link_delay(t, 0, 1), TS_MS(25));
	ck_assert_int_eq(ts_trace_link_delay(t, 1, 0), TS_MS(25));
	ck_assert_int_eq(ts_trace_link_delay(t, 2, 0), TS_MS(1500));
	ck_assert_int_eq(ts_trace_link_delay(t, 1, 2), TS_MS(10));
	ts_trace_free(t);

	t = parse_ok("link client server delay 0\n");
	ck_assert_int_eq(ts_trace_link_delay(t, 0, 1), 0);
	ts_trace_free(t);
}
END_TEST

START_TEST(parse_profile)
{
	ts_trace *t = parse_ok("profile linux\nprofile linux # again\n");

	ck_assert_str_eq(t->profile, "linux");
	ts_trace_free(t);
}
END_TEST

START_TEST(parse_knob_table)
{
	static const struct {
		ts_knob k;
		const char *name;
		int64_t def, min, max;
	} want[] = {
	    {TS_KNOB_TCP_RETRIES2, "tcp_retries2", 15, 0, 255},
	    {TS_KNOB_TCP_SYN_RETRIES, "tcp_syn_retries", 6, 1, 127},
	    {TS_KNOB_TCP_SYNACK_RETRIES, "tcp_synack_retries", 5, 0, 255},
	    {TS_KNOB_TCP_FIN_TIMEOUT, "tcp_fin_timeout", 60, 0, 2147483},
	    {TS_KNOB_TCP_ORPHAN_RETRIES, "tcp_orphan_retries", 0, 0, 255},
	    {TS_KNOB_TCP_KEEPALIVE_TIME, "tcp_keepalive_time", 7200, 1, 32767},
	    {TS_KNOB_TCP_KEEPALIVE_INTVL, "tcp_keepalive_intvl", 75, 1, 32767},
	    {TS_KNOB_TCP_KEEPALIVE_PROBES, "tcp_keepalive_probes", 9, 1, 127},
	    {TS_KNOB_TCP_ABORT_ON_OVERFLOW, "tcp_abort_on_overflow", 0, 0, 1},
	    {TS_KNOB_TCP_RFC1337, "tcp_rfc1337", 0, 0, 1},
	    {TS_KNOB_TCP_TW_REUSE, "tcp_tw_reuse", 2, 0, 2},
	    {TS_KNOB_TCP_SYN_LINEAR_TIMEOUTS, "tcp_syn_linear_timeouts", 4, 0,
	     16},
	    {TS_KNOB_TCP_INVALID_RATELIMIT, "tcp_invalid_ratelimit", 500, 0,
	     2147483647},
	    {TS_KNOB_TCP_CHALLENGE_ACK_LIMIT, "tcp_challenge_ack_limit",
	     2147483647, 0, 2147483647},
	    {TS_KNOB_ISN, "isn", -1, 0, 4294967295},
	    {TS_KNOB_TCP_TW_REUSE_DELAY, "tcp_tw_reuse_delay", 1000, 1,
	     2147483647},
	    {TS_KNOB_IP_LOCAL_PORT_LOW, "ip_local_port_range", 40000, 1, 65535},
	    {TS_KNOB_TCP_SYNCOOKIES, "tcp_syncookies", 1, 0, 2},
	    {TS_KNOB_IP_LOCAL_PORT_HIGH, "ip_local_port_range.high", 60999, 1,
	     65535},
	    {TS_KNOB_TCP_TIMESTAMPS, "tcp_timestamps", 1, 0, 2},
	    {TS_KNOB_TCP_WINDOW_SCALING, "tcp_window_scaling", 1, 0, 1},
	    {TS_KNOB_TCP_SACK, "tcp_sack", 1, 0, 1},
	    {TS_KNOB_TCP_DSACK, "tcp_dsack", 1, 0, 1},
	    {TS_KNOB_TCP_RMEM_MIN, "tcp_rmem", 4096, 1, 2147483647},
	    {TS_KNOB_TCP_RMEM_DEF, "tcp_rmem.default", 131072, 1, 2147483647},
	    {TS_KNOB_TCP_RMEM_MAX, "tcp_rmem.max", 33554432, 1, 2147483647},
	    {TS_KNOB_RMEM_MAX, "rmem_max", 4194304, 1, 2147483647},
	    /* by name: reno 0, cubic 1, Linux's default */
	    {TS_KNOB_TCP_CONGESTION_CONTROL, "tcp_congestion_control", 1, 0, 1},
	    {TS_KNOB_TCP_SLOW_START_AFTER_IDLE, "tcp_slow_start_after_idle", 1,
	     0, 1},
	    {TS_KNOB_WMEM_MAX, "wmem_max", 4194304, 1, 2147483647},
	    {TS_KNOB_TCP_FASTOPEN, "tcp_fastopen", 1, 0, 2147483647},
	    {TS_KNOB_TCP_FASTOPEN_KEY, "tcp_fastopen_key", 0, 0, 4294967295},
	    {TS_KNOB_TCP_FASTOPEN_KEY1, "tcp_fastopen_key.1", 0, 0, 4294967295},
	    {TS_KNOB_TCP_FASTOPEN_KEY2, "tcp_fastopen_key.2", 0, 0, 4294967295},
	    {TS_KNOB_TCP_FASTOPEN_KEY3, "tcp_fastopen_key.3", 0, 0, 4294967295},
	    {TS_KNOB_TCP_FASTOPEN_BLACKHOLE_TIMEOUT_SEC,
	     "tcp_fastopen_blackhole_timeout_sec", 0, 0, 2147483647},
	    {TS_KNOB_HZ, "hz", 250, 100, 1000},
	    {TS_KNOB_TCP_EARLY_RETRANS, "tcp_early_retrans", 3, 0, 4},
	    {TS_KNOB_TCP_WMEM_MIN, "tcp_wmem", 4096, 1, 2147483647},
	    {TS_KNOB_TCP_WMEM_DEF, "tcp_wmem.default", 16384, 1, 2147483647},
	    {TS_KNOB_TCP_WMEM_MAX, "tcp_wmem.max", 4194304, 1, 2147483647},
	    {TS_KNOB_TCP_MIN_TSO_SEGS, "tcp_min_tso_segs", 2, 1, 255},
	};

	ck_assert_int_eq(sizeof want / sizeof want[0], TS_NKNOBS);
	for (size_t i = 0; i < TS_NKNOBS; i++) {
		const ts_knob_info *k = &ts_knobs[want[i].k];

		ck_assert_str_eq(k->name, want[i].name);
		ck_assert_int_eq(k->def, want[i].def);
		ck_assert_int_eq(k->min, want[i].min);
		ck_assert_int_eq(k->max, want[i].max);
	}
}
END_TEST

/* The congestion control is set by name (Linux's sysctl takes the
 * algorithm's name); the value kept is the name's index. */
START_TEST(parse_set_congestion_control)
{
	ts_trace *t =
	    parse_ok("set client tcp_congestion_control reno\n"
		     "set server net.ipv4.tcp_congestion_control cubic\n"
		     "set server tcp_slow_start_after_idle 0\n");

	ck_assert_int_eq(t->hosts[0].knobs[TS_KNOB_TCP_CONGESTION_CONTROL],
			 TS_CC_RENO);
	ck_assert_int_eq(t->hosts[1].knobs[TS_KNOB_TCP_CONGESTION_CONTROL],
			 TS_CC_CUBIC);
	ck_assert_int_eq(t->hosts[0].knobs[TS_KNOB_TCP_SLOW_START_AFTER_IDLE],
			 1);
	ck_assert_int_eq(t->hosts[1].knobs[TS_KNOB_TCP_SLOW_START_AFTER_IDLE],
			 0);
	ts_trace_free(t);
}
END_TEST

START_TEST(parse_set_port_range)
{
	ts_trace *t = parse_ok("set client ip_local_port_range 40000 40010\n");

	ck_assert_int_eq(t->hosts[0].knobs[TS_KNOB_IP_LOCAL_PORT_LOW], 40000);
	ck_assert_int_eq(t->hosts[0].knobs[TS_KNOB_IP_LOCAL_PORT_HIGH], 40010);
	ck_assert_int_eq(t->hosts[1].knobs[TS_KNOB_IP_LOCAL_PORT_LOW], 40000);
	ck_assert_int_eq(t->hosts[1].knobs[TS_KNOB_IP_LOCAL_PORT_HIGH], 60999);
	ts_trace_free(t);
}
END_TEST

/* tcp_rmem takes its three values, as the sysctl; net.core.rmem_max is
 * written with its own prefix. */
START_TEST(parse_set_rmem)
{
	ts_trace *t = parse_ok("set client net.ipv4.tcp_rmem 4096 540000 "
			       "15728640\n"
			       "set server net.core.rmem_max 8388608\n");

	ck_assert_int_eq(t->hosts[0].knobs[TS_KNOB_TCP_RMEM_MIN], 4096);
	ck_assert_int_eq(t->hosts[0].knobs[TS_KNOB_TCP_RMEM_DEF], 540000);
	ck_assert_int_eq(t->hosts[0].knobs[TS_KNOB_TCP_RMEM_MAX], 15728640);
	ck_assert_int_eq(t->hosts[1].knobs[TS_KNOB_TCP_RMEM_DEF], 131072);
	ck_assert_int_eq(t->hosts[1].knobs[TS_KNOB_RMEM_MAX], 8388608);
	ts_trace_free(t);
	check_error("set client tcp_rmem 4096 131072\n", 1, 32,
		    "set: expected value 3 of tcp_rmem, found the end of the "
		    "line");
	check_error("set client tcp_rmem 4096 0 1\n", 1, 26,
		    "set: tcp_rmem '0' is out of range (1..2147483647)");
}
END_TEST

START_TEST(parse_set_wmem)
{
	ts_trace *t = parse_ok("set client net.ipv4.tcp_wmem 4096 262144 "
			       "4194304\n"
			       "set server tcp_min_tso_segs 10\n");

	ck_assert_int_eq(t->hosts[0].knobs[TS_KNOB_TCP_WMEM_MIN], 4096);
	ck_assert_int_eq(t->hosts[0].knobs[TS_KNOB_TCP_WMEM_DEF], 262144);
	ck_assert_int_eq(t->hosts[0].knobs[TS_KNOB_TCP_WMEM_MAX], 4194304);
	ck_assert_int_eq(t->hosts[1].knobs[TS_KNOB_TCP_WMEM_DEF], 16384);
	ck_assert_int_eq(t->hosts[1].knobs[TS_KNOB_TCP_MIN_TSO_SEGS], 10);
	ts_trace_free(t);
	check_error("set client tcp_wmem 4096 16384\n", 1, 31,
		    "set: expected value 3 of tcp_wmem, found the end of the "
		    "line");
	check_error("set client tcp_min_tso_segs 0\n", 1, 29,
		    "set: tcp_min_tso_segs '0' is out of range (1..255)");
}
END_TEST

START_TEST(parse_set)
{
	ts_trace *t =
	    parse_ok("set server tcp_retries2 3\n"
		     "set server net.ipv4.tcp_fin_timeout 2147483\n"
		     "set client isn 4294967295\n"
		     "set client tcp_syn_retries 1\n"
		     "set client tcp_syn_retries 2 # last one wins\n");

	for (int k = 0; k < TS_NKNOBS; k++) {
		int srv =
		    k == TS_KNOB_TCP_RETRIES2 || k == TS_KNOB_TCP_FIN_TIMEOUT;
		int cli = k == TS_KNOB_ISN || k == TS_KNOB_TCP_SYN_RETRIES;

		ck_assert_int_eq(t->hosts[1].knob_set[k], srv);
		ck_assert_int_eq(t->hosts[0].knob_set[k], cli);
		if (!srv)
			ck_assert_int_eq(t->hosts[1].knobs[k], ts_knobs[k].def);
		if (!cli)
			ck_assert_int_eq(t->hosts[0].knobs[k], ts_knobs[k].def);
	}
	ck_assert_int_eq(t->hosts[1].knobs[TS_KNOB_TCP_RETRIES2], 3);
	ck_assert_int_eq(t->hosts[1].knobs[TS_KNOB_TCP_FIN_TIMEOUT], 2147483);
	ck_assert_int_eq(t->hosts[0].knobs[TS_KNOB_ISN], 4294967295);
	ck_assert_int_eq(t->hosts[0].knobs[TS_KNOB_TCP_SYN_RETRIES], 2);
	ck_assert_int_eq(t->hosts[0].knobs[TS_KNOB_TCP_RETRIES2], 15);
	ts_trace_free(
	    t); /* every knob, at both ends of its range (ip_local_port_range
		 * takes two values, tcp_rmem three; the values after the
		 * first have no name of their own) */
	for (int k = 0; k < TS_NKNOBS; k++) {
		char buf[200];
		const char *two =
		    k == TS_KNOB_IP_LOCAL_PORT_LOW  ? " 65535"
		    : k == TS_KNOB_TCP_RMEM_MIN     ? " 131072 33554432"
		    : k == TS_KNOB_TCP_WMEM_MIN     ? " 16384 4194304"
		    : k == TS_KNOB_TCP_FASTOPEN_KEY ? " 0 0 4294967295"
						    : "";

		if (k == TS_KNOB_IP_LOCAL_PORT_HIGH ||
		    k == TS_KNOB_TCP_RMEM_DEF || k == TS_KNOB_TCP_RMEM_MAX ||
		    k == TS_KNOB_TCP_WMEM_DEF || k == TS_KNOB_TCP_WMEM_MAX ||
		    k == TS_KNOB_TCP_FASTOPEN_KEY1 ||
		    k == TS_KNOB_TCP_FASTOPEN_KEY2 ||
		    k == TS_KNOB_TCP_FASTOPEN_KEY3)
			continue;
		if (ts_knobs[k].names) /* by name: its first and last */
			snprintf(buf, sizeof buf,
				 "set client %s %s\nset server %s %s\n",
				 ts_knobs[k].name, ts_knobs[k].names[0],
				 ts_knobs[k].name,
				 ts_knobs[k].names[ts_knobs[k].max]);
		else
			snprintf(buf, sizeof buf,
				 "set client %s %lld%s\nset server %s %lld%s\n",
				 ts_knobs[k].name, (long long)ts_knobs[k].min,
				 two, ts_knobs[k].name,
				 (long long)ts_knobs[k].max, two);
		t = parse_ok(buf);
		ck_assert_int_eq(t->hosts[0].knobs[k], ts_knobs[k].min);
		ck_assert_int_eq(t->hosts[1].knobs[k], ts_knobs[k].max);
		ts_trace_free(t);
	}
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Time */

START_TEST(parse_time_units)
{
	ck_assert_int_eq(time_of("", "12"), TS_SEC(12));
	ck_assert_int_eq(time_of("", "0.25"), TS_MS(250));
	ck_assert_int_eq(time_of("", "+0.1"), TS_MS(100));
	ck_assert_int_eq(time_of("", "250ms"), TS_MS(250));
	ck_assert_int_eq(time_of("", "2s"), TS_SEC(2));
	ck_assert_int_eq(time_of("", "100us"), TS_US(100));
	ck_assert_int_eq(time_of("", "+0"), 0);
	ck_assert_int_eq(time_of("", "1.5ms"), TS_US(1500));
	ck_assert_int_eq(time_of("", "0.000001"), TS_US(1));
	ck_assert_int_eq(time_of("", "2.5s"), TS_MS(2500));
	ck_assert_int_eq(time_of("", "0.001ms"), TS_US(1));
	/* extra digits are fine when they are zeros */
	ck_assert_int_eq(time_of("", "1.000000000"), TS_SEC(1));
	ck_assert_int_eq(time_of("", "7.0us"), TS_US(7));
	ck_assert_int_eq(time_of("", "007"), TS_SEC(7));
	/* the largest time */
	ck_assert_int_eq(time_of("", "1000000000"), TS_TIME_MAX);
	ck_assert_int_eq(time_of("", "1000000000000ms"), TS_TIME_MAX);
	ck_assert_int_eq(time_of("", "1000000000000000us"), TS_TIME_MAX);
	ck_assert_int_eq(time_of("999999999.5 client: kill\n", "+0.5"),
			 TS_TIME_MAX);
}
END_TEST

START_TEST(parse_time_relative)
{
	ts_trace *t = parse_ok("1 client: kill\n+0.5 client: kill\n"
			       "+250ms client: kill\n2 client: kill\n"
			       "2 client: kill\n+0 client: kill\n"
			       "+100us client: kill\n");
	static const ts_time want[] = {TS_SEC(1),     TS_MS(1500), TS_MS(1750),
				       TS_SEC(2),     TS_SEC(2),   TS_SEC(2),
				       TS_US(2000100)};

	ck_assert_int_eq(t->nstmts, 7);
	for (int i = 0; i < 7; i++) {
		ck_assert_int_eq(t->stmts[i].at, want[i]);
		ck_assert_int_eq(t->stmts[i].line, i + 1);
	}
	ts_trace_free(t);
}
END_TEST

START_TEST(parse_expect_time)
{
	/* without a time: the previous timed line's; with one: its own, and
	 * "+" counts from it */
	ts_trace *t = parse_ok("expect client terminated\n"
			       "1.5 client: kill\n"
			       "expect client terminated\n"
			       "+1 expect client terminated\n"
			       "expect client terminated\n"
			       "+1 client: kill\n"
			       "# a comment does not move time\n"
			       "expect client terminated\n");

	ck_assert_int_eq(t->nstmts, 7);
	ck_assert_int_eq(t->stmts[0].at, 0);
	ck_assert_int_eq(t->stmts[1].at, TS_MS(1500));
	ck_assert_int_eq(t->stmts[2].at, TS_MS(1500));
	ck_assert_int_eq(t->stmts[3].at, TS_MS(2500));
	ck_assert_int_eq(t->stmts[4].at, TS_MS(2500));
	ck_assert_int_eq(t->stmts[5].at, TS_MS(3500));
	ck_assert_int_eq(t->stmts[6].at, TS_MS(3500));
	ck_assert_int_eq(t->stmts[6].line, 8);
	ts_trace_free(t);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Calls */

START_TEST(parse_call_socket_accept)
{
	ts_trace *t = parse_ok("0 server: s = socket()\n"
			       "0 server: a = accept(s)\n"
			       "0 server: socket()\n"
			       "0 server: b = socket() = 7\n"
			       "0 server: accept(s) = -1 EAGAIN\n"
			       "0 server: s = accept(s)\n");
	const ts_call *c;

	c = &t->stmts[0].u.call;
	ck_assert_int_eq(t->stmts[0].kind, TS_STMT_CALL);
	ck_assert_int_eq(t->stmts[0].host, 1);
	ck_assert_int_eq(c->id, TCPSIM_CALL_SOCKET);
	ck_assert_int_eq(c->bind_var, 0);
	ck_assert_int_eq(c->fd_var, -1);
	ck_assert_int_eq(c->peer_host, -1);
	ck_assert_int_eq(c->expect, TCPSIM_EXPECT_NONE);
	c = &t->stmts[1].u.call;
	ck_assert_int_eq(c->id, TCPSIM_CALL_ACCEPT);
	ck_assert_int_eq(c->fd_var, 0);
	ck_assert_int_eq(c->bind_var, 1);
	c = &t->stmts[2].u.call;
	ck_assert_int_eq(c->bind_var, -1);
	c = &t->stmts[3].u.call;
	ck_assert_int_eq(c->bind_var, 2);
	ck_assert_int_eq(c->expect, TCPSIM_EXPECT_INT);
	ck_assert_int_eq(c->value, 7);
	c = &t->stmts[4].u.call;
	ck_assert_int_eq(c->expect, TCPSIM_EXPECT_ERRNO);
	ck_assert_int_eq(c->err, TS_EAGAIN);
	/* "s = accept(s)": the argument is the old s, and the name keeps its
	 * index */
	c = &t->stmts[5].u.call;
	ck_assert_int_eq(c->fd_var, 0);
	ck_assert_int_eq(c->bind_var, 0);
	ck_assert_int_eq(t->hosts[1].nvars, 3);
	ck_assert_str_eq(t->hosts[1].vars[0], "s");
	ck_assert_str_eq(t->hosts[1].vars[1], "a");
	ck_assert_str_eq(t->hosts[1].vars[2], "b");
	ts_trace_free(t);
}
END_TEST

START_TEST(parse_vars_per_host)
{
	ts_trace *t = parse_ok("0 client: x = socket()\n"
			       "0 server: y = socket()\n"
			       "0 server: x = socket()\n"
			       "0 client: close(x)\n"
			       "0 server: close(x)\n"
			       "0 server: reboot\n"
			       "0 server: y = socket() # same index after "
			       "reboot\n"
			       "0 client: Var_2-b = socket()\n");

	ck_assert_int_eq(t->hosts[0].nvars, 2);
	ck_assert_int_eq(t->hosts[1].nvars, 2);
	ck_assert_int_eq(t->stmts[2].u.call.bind_var, 1);
	ck_assert_int_eq(t->stmts[3].u.call.fd_var, 0);
	ck_assert_int_eq(t->stmts[4].u.call.fd_var, 1);
	ck_assert_int_eq(t->stmts[6].u.call.bind_var, 0);
	ck_assert_str_eq(t->hosts[0].vars[1], "Var_2-b");
	ts_trace_free(t);
}
END_TEST

START_TEST(parse_call_bind_listen)
{
	ts_call c = call3("0 server: bind(s, 80) = 0");

	ck_assert_int_eq(c.id, TCPSIM_CALL_BIND);
	ck_assert_int_eq(c.fd_var, 0);
	ck_assert_int_eq(c.a, 80);
	ck_assert_int_eq(c.expect, TCPSIM_EXPECT_INT);
	ck_assert_int_eq(c.value, 0);
	ck_assert_int_eq(call3("0 server: bind(s, 0)").a, 0);
	ck_assert_int_eq(call3("0 server: bind(s, 65535)").a, 65535);
	c = call3("0 server: listen(s, 8)");
	ck_assert_int_eq(c.id, TCPSIM_CALL_LISTEN);
	ck_assert_int_eq(c.a, 8);
	ck_assert_int_eq(c.expect, TCPSIM_EXPECT_NONE);
	ck_assert_int_eq(call3("0 server: listen(s, 0)").a, 0);
	ck_assert_int_eq(call3("0 server: listen(s, 2147483647)").a,
			 2147483647);
}
END_TEST

START_TEST(parse_call_connect)
{
	ts_call c = call3("0 client: connect(c, server:80) = 0");

	ck_assert_int_eq(c.id, TCPSIM_CALL_CONNECT);
	ck_assert_int_eq(c.fd_var, 0);
	ck_assert_int_eq(c.peer_host, 1);
	ck_assert_int_eq(c.a, 80);
	c = call3("0 client: connect(c, 10.0.0.2:65535)");
	ck_assert_int_eq(c.peer_host, 1);
	ck_assert_int_eq(c.a, 65535);
	c = call3("0 client: connect(c, client:1) = -1 ECONNREFUSED");
	ck_assert_int_eq(c.peer_host, 0);
	ck_assert_int_eq(c.a, 1);
	ck_assert_int_eq(c.err, TS_ECONNREFUSED);
}
END_TEST

START_TEST(parse_call_write_read)
{
	ts_call c = call3("0 client: write(c, 100) = 100");

	ck_assert_int_eq(c.id, TCPSIM_CALL_WRITE);
	ck_assert_int_eq(c.a, 100);
	ck_assert_int_eq(c.value, 100);
	ck_assert_int_eq(call3("0 client: write(c, 0)").a, 0);
	ck_assert_int_eq(call3("0 client: write(c, 2147483647)").a, 2147483647);
	c = call3("0 client: read(c, 4096) = 0");
	ck_assert_int_eq(c.id, TCPSIM_CALL_READ);
	ck_assert_int_eq(c.a, 4096);
	ck_assert_int_eq(c.expect, TCPSIM_EXPECT_INT);
}
END_TEST

START_TEST(parse_call_send_recv)
{
	ts_call c = call3("0 client: send(c, 10, 0) = 10");

	ck_assert_int_eq(c.id, TCPSIM_CALL_SEND);
	ck_assert_int_eq(c.a, 10);
	ck_assert_int_eq(c.flags, 0);
	ck_assert_int_eq(call3("0 client: send(c, 1, MSG_NOSIGNAL)").flags,
			 TS_MSG_NOSIGNAL);
	ck_assert_int_eq(call3("0 client: send(c, 1, MSG_DONTWAIT)").flags,
			 TS_MSG_DONTWAIT);
	ck_assert_int_eq(
	    call3("0 client: send(c, 1, MSG_DONTWAIT | MSG_NOSIGNAL)").flags,
	    TS_MSG_DONTWAIT | TS_MSG_NOSIGNAL);
	c = call3("0 client: recv(c, 5, 0) = 5");
	ck_assert_int_eq(c.id, TCPSIM_CALL_RECV);
	ck_assert_int_eq(c.a, 5);
	ck_assert_int_eq(c.flags, 0);
	ck_assert_int_eq(call3("0 client: recv(c, 1, MSG_NOSIGNAL)").flags,
			 TS_MSG_NOSIGNAL);
	ck_assert_int_eq(call3("0 client: recv(c, 1, MSG_DONTWAIT)").flags,
			 TS_MSG_DONTWAIT);
	ck_assert_int_eq(call3("0 client: recv(c, 1, MSG_PEEK)").flags,
			 TS_MSG_PEEK);
	ck_assert_int_eq(
	    call3("0 client: recv(c, 1, MSG_PEEK|MSG_DONTWAIT)").flags,
	    TS_MSG_PEEK | TS_MSG_DONTWAIT);
}
END_TEST

START_TEST(parse_call_shutdown_close)
{
	ts_call c = call3("0 client: shutdown(c, SHUT_RD)");

	ck_assert_int_eq(c.id, TCPSIM_CALL_SHUTDOWN);
	ck_assert_int_eq(c.opt, TS_SHUT_RD);
	ck_assert_int_eq(call3("0 client: shutdown(c, SHUT_WR)").opt,
			 TS_SHUT_WR);
	ck_assert_int_eq(call3("0 client: shutdown(c, SHUT_RDWR) = 0").opt,
			 TS_SHUT_RDWR);
	c = call3("0 client: close(c) = 0");
	ck_assert_int_eq(c.id, TCPSIM_CALL_CLOSE);
	ck_assert_int_eq(c.fd_var, 0);
	ck_assert_int_eq(call3("0 client: close(c) = -1 EBADF").err, TS_EBADF);
}
END_TEST

START_TEST(parse_call_setsockopt)
{
	ts_call c = call3("0 client: setsockopt(c, SO_LINGER, 1, 0) = 0");

	ck_assert_int_eq(c.id, TCPSIM_CALL_SETSOCKOPT);
	ck_assert_int_eq(c.opt, TS_OPT_SO_LINGER);
	ck_assert_int_eq(c.a, 1);
	ck_assert_int_eq(c.b, 0);
	c = call3("0 client: setsockopt(c, SO_LINGER, 0, 2147483647)");
	ck_assert_int_eq(c.a, 0);
	ck_assert_int_eq(c.b, 2147483647);
	c = call3("0 client: setsockopt(c, SO_KEEPALIVE, 1)");
	ck_assert_int_eq(c.opt, TS_OPT_SO_KEEPALIVE);
	ck_assert_int_eq(c.a, 1);
	c = call3("0 client: setsockopt(c, SO_REUSEADDR, 0)");
	ck_assert_int_eq(c.opt, TS_OPT_SO_REUSEADDR);
	ck_assert_int_eq(c.a, 0);
	c = call3("0 client: setsockopt(c, TCP_KEEPIDLE, 10)");
	ck_assert_int_eq(c.opt, TS_OPT_TCP_KEEPIDLE);
	ck_assert_int_eq(c.a, 10);
	c = call3("0 client: setsockopt(c, TCP_KEEPINTVL, 5)");
	ck_assert_int_eq(c.opt, TS_OPT_TCP_KEEPINTVL);
	ck_assert_int_eq(c.a, 5);
	c = call3("0 client: setsockopt(c, TCP_KEEPCNT, 3)");
	ck_assert_int_eq(c.opt, TS_OPT_TCP_KEEPCNT);
	ck_assert_int_eq(c.a, 3);
	c = call3("0 client: setsockopt(c, TCP_USER_TIMEOUT, 30000)");
	ck_assert_int_eq(c.opt, TS_OPT_TCP_USER_TIMEOUT);
	ck_assert_int_eq(c.a, 30000);
	/* values Linux refuses with EINVAL are the engine's to refuse */
	c = call3("0 client: setsockopt(c, TCP_KEEPIDLE, 0) = -1 EINVAL");
	ck_assert_int_eq(c.a, 0);
	ck_assert_int_eq(c.err, TS_EINVAL);
	c = call3("0 client: setsockopt(c, TCP_USER_TIMEOUT, -2147483648)");
	ck_assert_int_eq(c.a, INT32_MIN);
}
END_TEST

START_TEST(parse_call_misc)
{
	ts_call c = call3("0 client: getsockopt(c, SO_ERROR) = 104");

	ck_assert_int_eq(c.id, TCPSIM_CALL_GETSOCKOPT);
	ck_assert_int_eq(c.opt, TS_OPT_SO_ERROR);
	ck_assert_int_eq(c.value, 104);
	c = call3("0 client: fcntl(c, O_NONBLOCK) = 0");
	ck_assert_int_eq(c.id, TCPSIM_CALL_FCNTL);
	ck_assert_int_eq(c.fd_var, 0);
	c = call3("0 client: signal(SIGPIPE, SIG_IGN) = 0");
	ck_assert_int_eq(c.id, TCPSIM_CALL_SIGNAL);
	ck_assert_int_eq(c.fd_var, -1);
	ck_assert_int_eq(c.a, 1);
	ck_assert_int_eq(call3("0 client: signal(SIGPIPE, SIG_DFL)").a, 0);
}
END_TEST

START_TEST(parse_call_names)
{
	ts_call c = call3("0 client: getpeername(c) = 10.0.0.2:80");

	ck_assert_int_eq(c.id, TCPSIM_CALL_GETPEERNAME);
	ck_assert_int_eq(c.expect, TCPSIM_EXPECT_ADDR);
	ck_assert_uint_eq(c.addr, 0x0a000002);
	ck_assert_uint_eq(c.port, 80);
	c = call3("0 client: getsockname(c) = 0.0.0.0:0");
	ck_assert_int_eq(c.id, TCPSIM_CALL_GETSOCKNAME);
	ck_assert_int_eq(c.expect, TCPSIM_EXPECT_ADDR);
	ck_assert_uint_eq(c.addr, 0);
	ck_assert_uint_eq(c.port, 0);
	c = call3("0 client: getsockname(c) = 192.168.1.9:65535 (any text)");
	ck_assert_uint_eq(c.addr, 0xc0a80109);
	ck_assert_uint_eq(c.port, 65535);
	c = call3("0 client: getpeername(c) = -1 ENOTCONN");
	ck_assert_int_eq(c.expect, TCPSIM_EXPECT_ERRNO);
	ck_assert_int_eq(c.err, TS_ENOTCONN);
	c = call3("0 client: getpeername(c)");
	ck_assert_int_eq(c.expect, TCPSIM_EXPECT_NONE);
}
END_TEST

START_TEST(parse_call_poll)
{
	ts_call c = call3("0 client: poll(c, POLLIN, 1000)");

	ck_assert_int_eq(c.id, TCPSIM_CALL_POLL);
	ck_assert_int_eq(c.flags, TS_POLLIN);
	ck_assert_int_eq(c.a, 1000);
	ck_assert_int_eq(c.expect, TCPSIM_EXPECT_NONE);
	c = call3("0 client: poll(c, POLLIN|POLLOUT | POLLRDHUP, -1)");
	ck_assert_int_eq(c.flags, TS_POLLIN | TS_POLLOUT | TS_POLLRDHUP);
	ck_assert_int_eq(c.a, -1);
	c = call3("0 client: poll(c, 0, 0) = 0");
	ck_assert_int_eq(c.flags, 0);
	ck_assert_int_eq(c.a, 0);
	ck_assert_int_eq(c.expect, TCPSIM_EXPECT_POLL);
	ck_assert_int_eq(c.value, 0);
	c = call3("0 client: poll(c, POLLIN, 0) = POLLRDHUP|POLLIN");
	ck_assert_int_eq(c.expect, TCPSIM_EXPECT_POLL);
	ck_assert_int_eq(c.value, TS_POLLIN | TS_POLLRDHUP);
	c = call3("0 client: poll(c, POLLOUT, 0) = POLLOUT | POLLERR|POLLHUP "
		  "(reset)");
	ck_assert_int_eq(c.value, TS_POLLOUT | TS_POLLERR | TS_POLLHUP);
	c = call3("0 client: poll(c, POLLOUT, 2147483647) = -1 EINTR");
	ck_assert_int_eq(c.expect, TCPSIM_EXPECT_ERRNO);
	ck_assert_int_eq(c.err, TS_EINTR);
}
END_TEST

START_TEST(parse_result_report_order)
{
	/* The report's own order: the message, then +SIGPIPE. */
	ts_trace *t = parse_ok("0 client: c = socket()\n"
			       "0 client: write(c, 1) = -1 EPIPE (Broken pipe) "
			       "+SIGPIPE\n");
	ck_assert_int_eq(t->stmts[1].u.call.expect, TCPSIM_EXPECT_ERRNO);
	ck_assert_int_eq(t->stmts[1].u.call.err, TS_EPIPE);
	ck_assert_int_eq(t->stmts[1].u.call.sigpipe, 1);
	ts_trace_free(t);
}
END_TEST

START_TEST(parse_results)
{
	ts_call c = call3("0 client: write(c, 1) = -1 EPIPE");

	ck_assert_int_eq(c.expect, TCPSIM_EXPECT_ERRNO);
	ck_assert_int_eq(c.err, TS_EPIPE);
	ck_assert_int_eq(c.sigpipe, 0);
	c = call3("0 client: write(c, 1) = -1 EPIPE +SIGPIPE");
	ck_assert_int_eq(c.sigpipe, 1);
	c = call3("0 client: write(c, 1) = -1 EPIPE+SIGPIPE (Broken pipe)");
	ck_assert_int_eq(c.sigpipe, 1);
	ck_assert_int_eq(c.err, TS_EPIPE);
	c = call3("0 client: write(c, 1) = 1 +SIGPIPE");
	ck_assert_int_eq(c.expect, TCPSIM_EXPECT_INT);
	ck_assert_int_eq(c.value, 1);
	ck_assert_int_eq(c.sigpipe, 1);
	c = call3("0 client: write(c, 1) = -1 EWOULDBLOCK");
	ck_assert_int_eq(c.err, TS_EAGAIN);
	c = call3("0 client: read(c, 1) = 2147483647");
	ck_assert_int_eq(c.value, 2147483647);
	/* the text in parentheses is raw: '#', ')' nested, anything */
	c = call3("0 client: read(c, 1) = -1 ECONNRESET (Connection reset "
		  "by peer) # comment");
	ck_assert_int_eq(c.err, TS_ECONNRESET);
	c = call3("0 client: read(c, 1) = 0 (eof # not a comment (nested) "
		  "= -1 \x01 é)");
	ck_assert_int_eq(c.value, 0);
	c = call3("0 client: read(c, 1) = 0 ()");
	ck_assert_int_eq(c.value, 0);
}
END_TEST

START_TEST(parse_every_errno)
{
	static const ts_errno all[] = {
	    TS_EINTR,      TS_EBADF,         TS_EAGAIN,       TS_ENOMEM,
	    TS_EFAULT,     TS_EINVAL,        TS_EMFILE,       TS_EPIPE,
	    TS_ENOTSOCK,   TS_ENOPROTOOPT,   TS_EOPNOTSUPP,   TS_EAFNOSUPPORT,
	    TS_EADDRINUSE, TS_EADDRNOTAVAIL, TS_ENETUNREACH,  TS_ECONNABORTED,
	    TS_ECONNRESET, TS_ENOBUFS,       TS_EISCONN,      TS_ENOTCONN,
	    TS_ETIMEDOUT,  TS_ECONNREFUSED,  TS_EHOSTUNREACH, TS_EALREADY,
	    TS_EINPROGRESS};

	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
		char line[128];

		snprintf(line, sizeof line, "0 client: close(c) = -1 %s",
			 ts_errno_name(all[i]));
		ck_assert_int_eq(call3(line).err, all[i]);
	}
}
END_TEST

START_TEST(parse_host_events)
{
	ts_trace *t = parse_ok("0 client: kill\n1 server: crash\n"
			       "2 server: reboot\n");

	ck_assert_int_eq(t->nstmts, 3);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(t->stmts[i].kind, TS_STMT_HOST);
	ck_assert_int_eq(t->stmts[0].u.host_op, TS_HOST_KILL);
	ck_assert_int_eq(t->stmts[0].host, 0);
	ck_assert_int_eq(t->stmts[1].u.host_op, TS_HOST_CRASH);
	ck_assert_int_eq(t->stmts[1].host, 1);
	ck_assert_int_eq(t->stmts[2].u.host_op, TS_HOST_REBOOT);
	ck_assert_int_eq(t->stmts[2].at, TS_SEC(2));
	ts_trace_free(t);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Network events */

START_TEST(parse_net_drop)
{
	ts_net n = net1("0 net: drop client>server");

	ck_assert_int_eq(n.op, TS_NET_DROP);
	ck_assert_int_eq(n.from, 0);
	ck_assert_int_eq(n.to, 1);
	ck_assert_int_eq(n.count, 1);
	ck_assert_int_eq(n.all, 0);
	ck_assert_int_eq(n.kind, TCPSIM_SEG_ANY);
	n = net1("0 net: drop server>client 3");
	ck_assert_int_eq(n.from, 1);
	ck_assert_int_eq(n.to, 0);
	ck_assert_int_eq(n.count, 3);
	n = net1("0 net: drop client>server 2 DATA");
	ck_assert_int_eq(n.count, 2);
	ck_assert_int_eq(n.kind, TCPSIM_SEG_DATA);
	n = net1("0 net: drop client>server SYN");
	ck_assert_int_eq(n.count, 1);
	ck_assert_int_eq(n.kind, TCPSIM_SEG_SYN);
	n = net1("0 net: drop client>server all");
	ck_assert_int_eq(n.all, 1);
	ck_assert_int_eq(n.kind, TCPSIM_SEG_ANY);
	n = net1("0 net: drop client>server all RST");
	ck_assert_int_eq(n.all, 1);
	ck_assert_int_eq(n.kind, TCPSIM_SEG_RST);
	n = net1("0 net: drop client>server 4294967295 FIN");
	ck_assert_uint_eq(n.count, 4294967295u);
	ck_assert_int_eq(n.kind, TCPSIM_SEG_FIN);
	n = net1("0 net: drop client>server ACK");
	ck_assert_int_eq(n.kind, TCPSIM_SEG_ACK);
}
END_TEST

START_TEST(parse_net_dup_delay)
{
	ts_net n = net1("0 net: dup client>server");

	ck_assert_int_eq(n.op, TS_NET_DUP);
	ck_assert_int_eq(n.count, 1);
	n = net1("0 net: dup server>client 2 ACK");
	ck_assert_int_eq(n.from, 1);
	ck_assert_int_eq(n.count, 2);
	ck_assert_int_eq(n.kind, TCPSIM_SEG_ACK);
	n = net1("0 net: delay client>server 50ms");
	ck_assert_int_eq(n.op, TS_NET_DELAY);
	ck_assert_int_eq(n.delay, TS_MS(50));
	ck_assert_int_eq(n.count, 1);
	ck_assert_int_eq(n.kind, TCPSIM_SEG_ANY);
	n = net1("0 net: delay client>server 1 3 DATA");
	ck_assert_int_eq(n.delay, TS_SEC(1));
	ck_assert_int_eq(n.count, 3);
	ck_assert_int_eq(n.kind, TCPSIM_SEG_DATA);
	n = net1("0 net: delay client>server 0.5 SYN");
	ck_assert_int_eq(n.delay, TS_MS(500));
	ck_assert_int_eq(n.kind, TCPSIM_SEG_SYN);
}
END_TEST

START_TEST(parse_net_replay_heal)
{
	ts_net n = net1("0 net: replay 7");

	ck_assert_int_eq(n.op, TS_NET_REPLAY);
	ck_assert_uint_eq(n.segno, 7);
	ck_assert_int_eq(n.from, -1);
	n = net1("0 net: replay 4294967295");
	ck_assert_uint_eq(n.segno, 4294967295u);
	n = net1("0 net: heal");
	ck_assert_int_eq(n.op, TS_NET_HEAL);
	ck_assert_int_eq(n.from, -1);
	ck_assert_int_eq(n.to, -1);
	n = net1("0 net: heal server client");
	ck_assert_int_eq(n.from, 1);
	ck_assert_int_eq(n.to, 0);
}
END_TEST

START_TEST(parse_net_inject)
{
	ts_net n = net1("0 net: inject client>server RST seq 100 ack 0");

	ck_assert_int_eq(n.op, TS_NET_INJECT);
	ck_assert_int_eq(n.from, 0);
	ck_assert_int_eq(n.to, 1);
	ck_assert_int_eq(n.from_port, -1);
	ck_assert_int_eq(n.to_port, -1);
	ck_assert_int_eq(n.tcp_flags, TS_RST);
	ck_assert_uint_eq(n.seq, 100);
	ck_assert_uint_eq(n.ack, 0);
	ck_assert_uint_eq(n.len, 0);
	ck_assert_uint_eq(n.win, 65535);
	ck_assert_int_eq(n.has_win, 0);
	n = net1("0 net: inject client:4000>server:80 "
		 "SYN|ACK|FIN|RST|PSH seq 4294967295 ack 4294967295 "
		 "win 0 len 1048576");
	ck_assert_int_eq(n.from_port, 4000);
	ck_assert_int_eq(n.to_port, 80);
	ck_assert_int_eq(n.tcp_flags,
			 TS_SYN | TS_ACK | TS_FIN | TS_RST | TS_PSH);
	ck_assert_uint_eq(n.seq, 4294967295u);
	ck_assert_uint_eq(n.ack, 4294967295u);
	ck_assert_uint_eq(n.len, 1048576);
	ck_assert_uint_eq(n.win, 0);
	ck_assert_int_eq(n.has_win, 1);
	n = net1("0 net: inject server:1>client ACK | PSH seq 1 ack 2 len 10 "
		 "win 65535");
	ck_assert_int_eq(n.from_port, 1);
	ck_assert_int_eq(n.to_port, -1);
	ck_assert_int_eq(n.tcp_flags, TS_ACK | TS_PSH);
	ck_assert_uint_eq(n.len, 10);
	ck_assert_uint_eq(n.win, 65535);
	ck_assert_int_eq(n.has_win, 1);
	ck_assert_int_eq(n.mss, 0);
	ck_assert_int_eq(n.sack_ok | n.wscale_ok | n.ts | n.nsack, 0);
}
END_TEST

START_TEST(parse_net_inject_options)
{
	ts_net n = net1("0 net: inject client>server SYN seq 0 ack 0 win 5 "
			"mss 1000 sackOK wscale 14 ts 4294967295 7");

	ck_assert_uint_eq(n.win, 5);
	ck_assert_int_eq(n.mss, 1000);
	ck_assert_int_eq(n.sack_ok, 1);
	ck_assert_int_eq(n.wscale_ok, 1);
	ck_assert_int_eq(n.wscale, 14);
	ck_assert_int_eq(n.ts, 1);
	ck_assert_uint_eq(n.tsval, 4294967295u);
	ck_assert_uint_eq(n.tsecr, 7);
	ck_assert_int_eq(n.nsack, 0);
	/* any order; SACK blocks as written, up to four */
	n = net1("0 net: inject client>server ACK seq 1 ack 1 sack 5:10 "
		 "4294967290:3 1:2 7:8 ts 1 2 wscale 0");
	ck_assert_int_eq(n.nsack, 4);
	ck_assert_uint_eq(n.sack[0][0], 5);
	ck_assert_uint_eq(n.sack[0][1], 10);
	ck_assert_uint_eq(n.sack[1][0], 4294967290u);
	ck_assert_uint_eq(n.sack[1][1], 3);
	ck_assert_uint_eq(n.sack[3][0], 7);
	ck_assert_uint_eq(n.sack[3][1], 8);
	ck_assert_int_eq(n.ts, 1);
	ck_assert_int_eq(n.wscale_ok, 1);
	ck_assert_int_eq(n.wscale, 0);
	ck_assert_int_eq(n.mss, 0);
	ck_assert_int_eq(n.sack_ok, 0);
}
END_TEST

START_TEST(parse_host_nostack)
{
	ts_trace *t = parse_ok("host a 10.0.0.1\nhost b 10.0.0.2 nostack\n"
			       "0 a: s = socket()\n");

	ck_assert_int_eq(t->hosts[0].nostack, 0);
	ck_assert_int_eq(t->hosts[1].nostack, 1);
	ts_trace_free(t);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Expectations */

START_TEST(parse_expect_wire)
{
	static const char *const kinds[] = {"SYN", "FIN", "RST", "ACK", "DATA"};
	ts_expect e = expect3("expect server>client RST");

	ck_assert_int_eq(e.op, TCPSIM_EXPECT_WIRE);
	ck_assert_int_eq(e.negate, 0);
	ck_assert_int_eq(e.from, 1);
	ck_assert_int_eq(e.to, 0);
	ck_assert_int_eq(e.kind, TCPSIM_SEG_RST);
	ck_assert_int_eq(e.host, -1);
	ck_assert_int_eq(e.var, -1);
	e = expect3("expect no client>server FIN");
	ck_assert_int_eq(e.negate, 1);
	ck_assert_int_eq(e.from, 0);
	ck_assert_int_eq(e.kind, TCPSIM_SEG_FIN);
	for (int k = 0; k < 5; k++) {
		char line[64];

		snprintf(line, sizeof line, "+1 expect client>server %s",
			 kinds[k]);
		e = expect3(line);
		ck_assert_int_eq(e.kind, TCPSIM_SEG_SYN + k);
		ck_assert_str_eq(ts_segkind_name(e.kind), kinds[k]);
	}
}
END_TEST

/* Segment fields after the kind: each named one is in the mask with its
 * value; the others match anything. */
START_TEST(parse_expect_fields)
{
	ts_expect e = expect3("expect server>client RST seq 2002 ack 0 win 0");
	ck_assert_uint_eq(e.match.mask, TCPSIM_MATCH_SEQ | TCPSIM_MATCH_ACK |
					    TCPSIM_MATCH_WIN);
	ck_assert_uint_eq(e.match.seg.seq, 2002);
	ck_assert_uint_eq(e.match.seg.ack, 0);
	ck_assert_uint_eq(e.match.seg.win, 0);
	e = expect3("expect client>server SYN mss 1460 sackOK wscale 10 "
		    "ts val 5 ecr 0 len 0");
	ck_assert_uint_eq(e.match.mask,
			  TCPSIM_MATCH_MSS | TCPSIM_MATCH_SACK_OK |
			      TCPSIM_MATCH_WSCALE | TCPSIM_MATCH_TS |
			      TCPSIM_MATCH_TSVAL | TCPSIM_MATCH_TSECR |
			      TCPSIM_MATCH_LEN);
	ck_assert_uint_eq(e.match.seg.mss, 1460);
	ck_assert_uint_eq(e.match.seg.wscale, 10);
	ck_assert_uint_eq(e.match.seg.tsval, 5);
	ck_assert_uint_eq(e.match.seg.tsecr, 0);
	e = expect3("expect no client>server ACK ts sack 1:2 30:40");
	ck_assert_uint_eq(e.match.mask, TCPSIM_MATCH_TS | TCPSIM_MATCH_SACK);
	ck_assert_int_eq(e.match.seg.nsack, 2);
	ck_assert_uint_eq(e.match.seg.sack[1][0], 30);
	ck_assert_uint_eq(e.match.seg.sack[1][1], 40);
	e = expect3("expect client>server FIN");
	ck_assert_uint_eq(e.match.mask, 0);
	check_error("host a 10.0.0.1\nhost b 10.0.0.2\n0 expect a>b RST seq 1 "
		    "seq 2\n",
		    3, 24, "expect: 'seq' named twice");
	check_error("host a 10.0.0.1\nhost b 10.0.0.2\n0 expect a>b RST "
		    "color 2\n",
		    3, 18,
		    "expect: expected a segment field (seq, ack, win, len, "
		    "mss, wscale, sackOK, ts, sack) or the end of the line, "
		    "found 'color'");
	check_error("host a 10.0.0.1\nhost b 10.0.0.2\n0 expect a>b ACK win "
		    "65536\n",
		    3, 22, "expect: win '65536' is out of range (0..65535)");
	check_error(
	    "host a 10.0.0.1\nhost b 10.0.0.2\n0 expect a>b ACK sack "
	    "1 2\n",
	    3, 25,
	    "expect: expected ':' between a SACK block's edges, found '2'");
}
END_TEST

START_TEST(parse_expect_state)
{
	for (int s = 0; s < TS_TCP_NSTATES; s++) {
		char line[64];
		ts_expect e;

		snprintf(line, sizeof line, "expect server s state %s",
			 ts_state_name((ts_tcp_state)s));
		e = expect3(line);
		ck_assert_int_eq(e.op, TCPSIM_EXPECT_STATE);
		ck_assert_int_eq(e.host, 1);
		ck_assert_int_eq(e.var, 0);
		ck_assert_int_eq(e.state, s);
		ck_assert_int_eq(e.from, -1);
	}
}
END_TEST

START_TEST(parse_expect_terminated)
{
	ts_expect e = expect3("expect client terminated");

	ck_assert_int_eq(e.op, TCPSIM_EXPECT_TERMINATED);
	ck_assert_int_eq(e.host, 0);
	ck_assert_int_eq(e.var, -1);
	/* a variable named "terminated" */
	{
		ts_trace *t = parse_ok("0 client: terminated = socket()\n"
				       "expect client terminated state "
				       "SYN_SENT\n");

		ck_assert_int_eq(t->stmts[1].u.expect.op, TCPSIM_EXPECT_STATE);
		ck_assert_int_eq(t->stmts[1].u.expect.state, TS_SYN_SENT);
		ts_trace_free(t);
	}
}
END_TEST

START_TEST(parse_spec_example)
{
	ts_trace *t =
	    parse_ok("# broken-pipe.trace: writing to a peer that has already "
		     "closed\n"
		     "host client 10.0.0.1\n"
		     "host server 10.0.0.2\n"
		     "link client server delay 10ms\n"
		     "\n"
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
		     "expect server>client RST\n");

	ck_assert_int_eq(t->nstmts, 11);
	ck_assert_int_eq(t->stmts[9].at, TS_MS(300));
	ck_assert_int_eq(t->stmts[9].u.call.err, TS_EPIPE);
	ck_assert_int_eq(t->stmts[10].at, TS_MS(300));
	ck_assert_int_eq(t->stmts[10].line, 16);
	ck_assert_int_eq(ts_trace_link_delay(t, 0, 1), TS_MS(10));
	ts_trace_free(t);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Names */

START_TEST(parse_names)
{
	static const char *const states[] = {
	    "CLOSED",      "LISTEN",     "SYN_SENT",   "SYN_RECEIVED",
	    "ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2", "CLOSE_WAIT",
	    "CLOSING",     "LAST_ACK",   "TIME_WAIT"};
	static const char *const calls[] = {
	    "socket",      "bind",       "listen",     "connect", "accept",
	    "write",       "send",       "read",       "recv",    "shutdown",
	    "close",       "setsockopt", "getsockopt", "fcntl",   "getpeername",
	    "getsockname", "poll",       "signal",     "sendto"};
	static const char *const kinds[] = {"ANY", "SYN", "FIN",
					    "RST", "ACK", "DATA"};
	static const char *const opts[] = {
	    "SO_LINGER",     "SO_KEEPALIVE", "SO_REUSEADDR",     "TCP_KEEPIDLE",
	    "TCP_KEEPINTVL", "TCP_KEEPCNT",  "TCP_USER_TIMEOUT", "SO_ERROR"};

	for (int i = 0; i < TS_TCP_NSTATES; i++)
		ck_assert_str_eq(ts_state_name((ts_tcp_state)i), states[i]);
	for (int i = 0; i < TCPSIM_NCALLS; i++)
		ck_assert_str_eq(ts_call_name((ts_call_id)i), calls[i]);
	for (int i = 0; i < 6; i++)
		ck_assert_str_eq(ts_segkind_name((ts_seg_kind)i), kinds[i]);
	for (int i = 0; i < 8; i++)
		ck_assert_str_eq(ts_sockopt_name((ts_sockopt)i), opts[i]);
	ck_assert_int_eq(ts_trace_link_delay(NULL, 0, 1), TS_MS(10));
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Limits: right at each limit parses, one past it is an error */

/* A buffer that grows, for the big inputs. */
struct sbuf {
	char *s;
	size_t n, cap;
};

static void sb_add(struct sbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void sb_add(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (!b->s) {
		b->cap = 4096;
		b->s = malloc(b->cap);
		ck_assert_ptr_nonnull(b->s);
	}
	for (;;) {
		va_start(ap, fmt);
		k = vsnprintf(b->s + b->n, b->cap - b->n, fmt, ap);
		va_end(ap);
		ck_assert_int_ge(k, 0);
		if (b->n + (size_t)k < b->cap)
			break;
		b->cap *= 2;
		while (b->cap <= b->n + (size_t)k)
			b->cap *= 2;
		b->s = realloc(b->s, b->cap);
		ck_assert_ptr_nonnull(b->s);
	}
	b->n += (size_t)k;
}

START_TEST(parse_limit_hosts)
{
	struct sbuf b = {0};
	ts_trace *t;

	for (int i = 0; i < 256; i++)
		sb_add(&b, "host h%d 10.0.%d.%d\n", i, i / 250, i % 250 + 1);
	sb_add(&b, "0 h255: kill\n");
	t = parse_ok(b.s);
	ck_assert_int_eq(t->nhosts, 256);
	ck_assert_int_eq(t->stmts[0].host, 255);
	ts_trace_free(t);
	sb_add(&b, "host h256 10.1.0.1\n");
	check_error(b.s, 258, 1, "too many hosts (limit 256)");
	free(b.s);
}
END_TEST

START_TEST(parse_limit_vars)
{
	struct sbuf b = {0};
	ts_trace *t;

	for (int i = 0; i < 4096; i++)
		sb_add(&b, "0 client: v%d = socket()\n", i);
	sb_add(&b, "0 client: v0 = socket()\n"); /* a rebinding is fine */
	sb_add(&b, "0 server: v0 = socket()\n"); /* another host's */
	sb_add(&b, "expect client v4095 state CLOSED\n");
	t = parse_ok(b.s);
	ck_assert_int_eq(t->hosts[0].nvars, 4096);
	ck_assert_int_eq(t->hosts[1].nvars, 1);
	ck_assert_str_eq(t->hosts[0].vars[4095], "v4095");
	ck_assert_int_eq(last(t)->u.expect.var, 4095);
	ts_trace_free(t);
	sb_add(&b, "0 client: v4096 = socket()\n");
	check_error(b.s, 4100, 11,
		    "too many variables on host 'client' "
		    "(limit 4096)");
	free(b.s);
}
END_TEST

START_TEST(parse_limit_names)
{
	ts_trace *t = parse_ok("host abcdefghijklmnopqrstuvwxyz01234 10.0.0.1\n"
			       "0 abcdefghijklmnopqrstuvwxyz01234: "
			       "ABCDEFGHIJKLMNOPQRSTUVWXYZ01234 = socket()\n");

	ck_assert_str_eq(t->hosts[0].name, "abcdefghijklmnopqrstuvwxyz01234");
	ck_assert_str_eq(t->hosts[0].vars[0],
			 "ABCDEFGHIJKLMNOPQRSTUVWXYZ01234");
	ts_trace_free(t);
	check_error("host abcdefghijklmnopqrstuvwxyz012345 10.0.0.1\n", 1, 6,
		    "name longer than 31 characters");
	check_error("0 client: ABCDEFGHIJKLMNOPQRSTUVWXYZ012345 = socket()\n",
		    1, 11, "name longer than 31 characters");
	/* a long name that is not declared is simply unknown */
	check_error("0 client: close(ABCDEFGHIJKLMNOPQRSTUVWXYZ012345)\n", 1,
		    17,
		    "unknown variable 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345' on "
		    "host 'client'");
}
END_TEST

START_TEST(parse_limit_line)
{
	char line[4200];
	ts_trace *t;

	memset(line, 'x', sizeof line);
	line[0] = '#';
	line[4096] = '\n';
	line[4097] = '\0';
	t = parse_ok(line);
	ts_trace_free(t);
	/* CRLF: the CR does not count */
	line[4096] = '\r';
	line[4097] = '\n';
	line[4098] = '\0';
	t = parse_ok(line);
	ts_trace_free(t);
	line[4096] = 'x';
	line[4097] = '\n';
	line[4098] = '\0';
	check_error(line, 1, 4097, "line longer than 4096 bytes");
}
END_TEST

START_TEST(parse_limit_statements)
{
	const size_t n = 1000001;
	const char *one = "0 net: heal\n";
	size_t k = strlen(one);
	char *src = malloc(n * k + 1);
	ts_trace *t;

	ck_assert_ptr_nonnull(src);
	for (size_t i = 0; i < n; i++)
		memcpy(src + i * k, one, k);
	src[n * k] = '\0';
	t = ts_trace_parse("t.trace", src, (n - 1) * k, NULL);
	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(t->nstmts, 1000000);
	ts_trace_free(t);
	check_error_n(src, n * k, 1000001, 1,
		      "too many statements (limit "
		      "1000000)");
	free(src);
}
END_TEST

START_TEST(parse_limit_file)
{
	/* the size is checked before any byte is read */
	check_error_n("", ((size_t)1 << 30) + 1, 0, 0,
		      "file larger than 1073741824 bytes");
}
END_TEST

/* ---------------------------------------------------------------------- */
/* No input crashes the parser: every prefix and every one-byte change of a
 * trace that uses every form (run under ASan/UBSan). */

static const char fuzz_sample[] =
    "\xef\xbb\xbf# sample\n"
    "host client 10.0.0.1\r\n"
    "host server 10.0.0.2\n"
    "link client server delay 10ms\n"
    "profile linux\n"
    "set client net.ipv4.tcp_retries2 3\n"
    "set server isn 1000\n"
    "0 server: s = socket()\n"
    "+0 server: bind(s, 80) = 0\n"
    "+0 server: listen(s, 8) = 0\n"
    "+0 client: c = socket() = 3\n"
    "+0 client: connect(c, 10.0.0.2:80) = -1 EINPROGRESS\n"
    "+0 server: a = accept(s)\n"
    "+0 client: setsockopt(c, SO_LINGER, 1, 0) = 0\n"
    "+0 client: setsockopt(c, TCP_KEEPIDLE, 5)\n"
    "+0 client: send(c, 10, MSG_NOSIGNAL|MSG_DONTWAIT) = 10\n"
    "+0 server: recv(a, 10, MSG_PEEK) = 10\n"
    "+0 server: poll(a, POLLIN|POLLRDHUP, -1) = POLLIN (x)\n"
    "+0 client: getpeername(c) = 10.0.0.2:80\n"
    "+0 client: getsockopt(c, SO_ERROR) = 0\n"
    "+0 client: fcntl(c, O_NONBLOCK)\n"
    "+0 client: shutdown(c, SHUT_WR)\n"
    "+0 client: signal(SIGPIPE, SIG_DFL)\n"
    "250ms net: drop client>server 2 DATA\n"
    "+1s net: delay server>client 5ms 1 ACK\n"
    "+100us net: inject client:1>server:80 SYN|ACK seq 1 ack 2 len 3 "
    "win 4\n"
    "+0 net: replay 3\n"
    "+0 net: heal client server\n"
    "+0.5 client: write(c, 100) = -1 EPIPE +SIGPIPE (Broken pipe) # c\n"
    "expect no server>client FIN\n"
    "+1 expect server a state CLOSE_WAIT\n"
    "expect client terminated\n"
    "9 server: crash\n";

static void fuzz_one(const char *s, size_t n)
{
	ts_error err;
	ts_trace *t = ts_trace_parse("f.trace", s, n, &err);

	if (t) {
		/* a trace that parses is whole */
		ck_assert_int_ge(t->nhosts, 1);
		for (int i = 0; i < t->nstmts; i++)
			ck_assert_ptr_nonnull(t->stmts[i].text);
		ts_trace_free(t);
	} else {
		ck_assert_int_ge(err.line, 1);
		ck_assert_int_ge(err.col, 1);
		ck_assert_int_le(err.col, 4097);
		ck_assert_uint_gt(strlen(err.msg), 0);
		ck_assert_uint_lt(strlen(err.source), sizeof err.source);
	}
}

START_TEST(parse_fuzz)
{
	static const unsigned char bytes[] = {
	    0,   '\n', '\r', ' ',  '\t', '#',  '(',  ')', ',',
	    ':', '=',  '>',  '|',  '+',  '-',  '.',  '0', '9',
	    'a', 'Z',  '_',  0x80, 0xc3, 0xe2, 0xf0, 0xff};
	size_t n = sizeof fuzz_sample - 1;
	char *buf = malloc(n);
	ts_trace *t = parse_ok(fuzz_sample);

	ck_assert_int_eq(t->nstmts, 26);
	ts_trace_free(t);
	ck_assert_ptr_nonnull(buf);
	for (size_t len = 0; len < n; len++) {
		/* an exact-size copy, so that ASan sees any overread */
		char *pre = malloc(len ? len : 1);

		ck_assert_ptr_nonnull(pre);
		memcpy(pre, fuzz_sample, len);
		fuzz_one(pre, len);
		free(pre);
	}
	for (size_t i = 0; i < n; i++) {
		for (size_t b = 0; b < sizeof bytes; b++) {
			memcpy(buf, fuzz_sample, n);
			buf[i] = (char)bytes[b];
			fuzz_one(buf, n);
		}
		/* and with the byte deleted */
		memcpy(buf, fuzz_sample, i);
		memcpy(buf + i, fuzz_sample + i + 1, n - i - 1);
		fuzz_one(buf, n - 1);
	}
	free(buf);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Errors: every message the parser produces, with its line and column.
 * X(test name, input, line, column, message) */

/* clang-format off */
#define ERROR_CASES(X) \
	/* bytes */ \
	X(error_nul, "0 client: kill\n0 cl\0ient: kill\n", 2, 5, "NUL byte in the file") \
	X(error_utf8_bad_byte, "# ok é\n0 client: k\xffill\n", 2, 12, "invalid UTF-8") \
	X(error_utf8_truncated, "0 client: kill # \xe2\x82", 1, 18, "invalid UTF-8") \
	X(error_utf8_overlong, "# \xc0\xaf\n", 1, 3, "invalid UTF-8") \
	X(error_utf8_overlong3, "# \xe0\x80\x80\n", 1, 3, "invalid UTF-8") \
	X(error_utf8_surrogate, "# \xed\xa0\x80\n", 1, 3, "invalid UTF-8") \
	X(error_utf8_too_big, "# \xf4\x90\x80\x80\n", 1, 3, "invalid UTF-8") \
	/* line starts */ \
	X(error_line_start_punct, "(foo)\n", 1, 1, "expected a time, a declaration or 'expect', found '('") \
	X(error_line_start_word, "\n  client kill\n", 2, 3, "expected a time, a declaration or 'expect', found 'client'") \
	X(error_line_start_utf8, "é\n", 1, 1, "expected a time, a declaration or 'expect', found 'é'") \
	X(error_line_start_control, "\x01\n", 1, 1, "expected a time, a declaration or 'expect', found '\\x01'") \
	X(error_missing_time, "client: kill\n", 1, 1, "expected a time before 'client'") \
	X(error_decl_with_time, "0 link client server delay 1ms\n", 1, 3, "'link' is a declaration and takes no time") \
	X(error_host_decl_with_time, "1 host x 10.0.0.9\n", 1, 3, "'host' is a declaration and takes no time") \
	X(error_after_time, "0 client kill\n", 1, 3, "expected HOST:, net: or expect after the time, found 'client'") \
	X(error_after_time_end, "1.5\n", 1, 4, "expected HOST:, net: or expect after the time, found the end of the line") \
	/* times */ \
	X(error_time_invalid, "1x client: kill\n", 1, 1, "invalid time '1x'") \
	X(error_time_invalid_dot, "1. client: kill\n", 1, 1, "invalid time '1.'") \
	X(error_time_invalid_unit, "5min client: kill\n", 1, 1, "invalid time '5min'") \
	X(error_time_invalid_addr, "10.0.0.1 client: kill\n", 1, 1, "invalid time '10.0.0.1'") \
	X(error_time_negative, "-1 client: kill\n", 1, 1, "time '-1' is negative") \
	X(error_time_finer, "0.0000005 client: kill\n", 1, 1, "time '0.0000005' is finer than a microsecond") \
	X(error_time_finer_ms, "1.0001ms client: kill\n", 1, 1, "time '1.0001ms' is finer than a microsecond") \
	X(error_time_finer_us, "1.5us client: kill\n", 1, 1, "time '1.5us' is finer than a microsecond") \
	X(error_time_too_large, "1000000000.000001 client: kill\n", 1, 1, "time '1000000000.000001' is too large (the largest is 1000000000s)") \
	X(error_time_too_large_huge, "99999999999999999999999999 client: kill\n", 1, 1, "time '99999999999999999999999999' is too large (the largest is 1000000000s)") \
	X(error_time_too_large_rel, "999999999 client: kill\n+2 client: kill\n", 2, 1, "time '+2' is too large (the largest is 1000000000s)") \
	X(error_time_earlier, "1 client: kill\n0.5 client: kill\n", 2, 1, "time 0.5 is earlier than the previous line's 1.000000") \
	X(error_time_earlier_expect, "2 client: kill\n1 expect client terminated\n", 2, 1, "time 1 is earlier than the previous line's 2.000000") \
	/* host declarations */ \
	X(error_host_name_missing, "host 10.0.0.1\n", 1, 6, "host: expected a host name, found '10.0.0.1'") \
	X(error_host_name_invalid, "host Client 10.0.0.1\n", 1, 6, "invalid host name 'Client' (a host name is [a-z][a-z0-9_-]*)") \
	X(error_host_name_underscore, "host _x 10.0.0.1\n", 1, 6, "invalid host name '_x' (a host name is [a-z][a-z0-9_-]*)") \
	X(error_host_net, "host net 10.0.0.1\n", 1, 6, "the host name 'net' is reserved") \
	X(error_host_duplicate, "host a 10.0.0.1\nhost a 10.0.0.2\n", 2, 6, "duplicate host name 'a'") \
	X(error_host_addr_missing, "host a\n", 1, 7, "host: expected an IPv4 address, found the end of the line") \
	X(error_host_addr_invalid, "host a 10.0.0.256\n", 1, 8, "invalid IPv4 address '10.0.0.256'") \
	X(error_host_addr_short, "host a 10.0.1\n", 1, 8, "invalid IPv4 address '10.0.1'") \
	X(error_host_addr_zero, "host a 10.0.01.1\n", 1, 8, "invalid IPv4 address '10.0.01.1'") \
	X(error_host_addr_duplicate, "host a 10.0.0.1\nhost b 10.0.0.1\n", 2, 8, "address 10.0.0.1 is already used by host 'a'") \
	X(error_host_trailing, "host a 10.0.0.1 x\n", 1, 17, "unexpected 'x' at the end of the statement") \
	X(error_host_passes_first, "0 nobody: kill\nhost a b\n", 2, 8, "host: expected an IPv4 address, found 'b'") \
	/* link */ \
	X(error_link_host_missing, "link\n", 1, 5, "link: expected a host name, found the end of the line") \
	X(error_link_unknown, "link client srv delay 1ms\n", 1, 13, "unknown host 'srv'") \
	X(error_link_self, "link client client delay 1ms\n", 1, 13, "link: the two hosts must differ") \
	X(error_link_duplicate, "link client server delay 1ms\nlink server client delay 2ms\n", 2, 13, "duplicate link between 'client' and 'server'") \
	X(error_link_no_delay, "link client server 1ms\n", 1, 20, "link: expected 'delay', found '1ms'") \
	X(error_link_dur_missing, "link client server delay\n", 1, 25, "link: expected DUR, found the end of the line") \
	X(error_link_dur_invalid, "link client server delay 1h\n", 1, 26, "invalid duration '1h'") \
	X(error_link_dur_plus, "link client server delay +1ms\n", 1, 26, "invalid duration '+1ms'") \
	X(error_link_dur_negative, "link client server delay -1ms\n", 1, 26, "duration '-1ms' is negative") \
	X(error_link_dur_finer, "link client server delay 0.5us\n", 1, 26, "duration '0.5us' is finer than a microsecond") \
	X(error_link_dur_too_large, "link client server delay 1000000001s\n", 1, 26, "duration '1000000001s' is too large (the largest is 1000000000s)") \
	/* profile */ \
	X(error_profile_missing, "profile\n", 1, 8, "profile: expected a profile name, found the end of the line") \
	X(error_profile_unknown, "profile bsd\n", 1, 9, "unknown profile 'bsd' (only 'linux' exists)") \
	X(error_profile_trailing, "profile linux 6\n", 1, 15, "unexpected '6' at the end of the statement") \
	/* set */ \
	X(error_set_host_unknown, "set srv tcp_retries2 1\n", 1, 5, "unknown host 'srv'") \
	X(error_set_knob_missing, "set client\n", 1, 11, "set: expected a knob name, found the end of the line") \
	X(error_set_knob_unknown, "set client tcp_foo 1\n", 1, 12, "unknown knob 'tcp_foo'") \
	X(error_set_knob_unknown_prefix, "set client net.ipv4.tcp_foo 1\n", 1, 12, "unknown knob 'net.ipv4.tcp_foo'") \
	X(error_set_knob_prefix_only, "set client net.ipv4. 1\n", 1, 12, "unknown knob 'net'") \
	X(error_set_value_missing, "set client tcp_retries2\n", 1, 24, "set: expected a value for tcp_retries2, found the end of the line") \
	X(error_set_value_invalid, "set client tcp_retries2 3x\n", 1, 25, "invalid number '3x'") \
	X(error_set_value_range, "set client tcp_retries2 256\n", 1, 25, "set: tcp_retries2 '256' is out of range (0..255)") \
	X(error_set_cc_unknown, "set client tcp_congestion_control bbr\n", 1, 35, "set: unknown value 'bbr' for tcp_congestion_control (reno, cubic)") \
	X(error_set_cc_number, "set client tcp_congestion_control 1\n", 1, 35, "set: expected a value for tcp_congestion_control, found '1'") \
	X(error_set_port_range_order, "set client ip_local_port_range 5 4\n", 1, 34, "set: ip_local_port_range '4' is out of range (5..65535)") \
	X(error_set_port_range_one, "set client ip_local_port_range 5\n", 1, 33, "set: expected the high end of ip_local_port_range, found the end of the line") \
	X(error_set_value_negative, "set client tcp_syn_retries -1\n", 1, 28, "set: tcp_syn_retries '-1' is out of range (1..127)") \
	X(error_set_isn_range, "set client isn 4294967296\n", 1, 16, "set: isn '4294967296' is out of range (0..4294967295)") \
	/* host lines */ \
	X(error_unknown_host, "0 srv: kill\n", 1, 3, "unknown host 'srv'") \
	X(error_host_stmt_empty, "0 client:\n", 1, 10, "expected a call, kill, crash or reboot after 'client:', found the end of the line") \
	X(error_host_stmt_word, "0 client: halt\n", 1, 11, "expected a call, kill, crash or reboot after 'client:', found 'halt'") \
	X(error_host_event_trailing, "0 client: kill 9\n", 1, 16, "unexpected '9' at the end of the statement") \
	X(error_unknown_call, "0 client: sendmsg(c, 1)\n", 1, 11, "unknown call 'sendmsg'") \
	X(error_unknown_call_bound, "0 client: x = sock()\n", 1, 15, "unknown call 'sock'") \
	X(error_call_no_paren, "0 client: close c\n", 1, 17, "expected '(' after 'close', found 'c'") \
	X(error_bind_var_missing_call, "0 client: x = 5\n", 1, 15, "expected a call after '=', found '5'") \
	X(error_bind_var_not_socket, PRE "0 client: x = close(c)\n", 3, 11, "only socket() and accept() can bind a variable, not close()") \
	X(error_unknown_variable, PRE "0 client: close(s)\n", 3, 17, "unknown variable 's' on host 'client'") \
	X(error_variable_before_binding, "0 client: close(c)\n0 client: c = socket()\n", 1, 17, "unknown variable 'c' on host 'client'") \
	X(error_fd_not_variable, "0 client: close(3)\n", 1, 17, "close(): the fd argument must be a variable, found '3'") \
	/* argument lists */ \
	X(error_args_too_few_empty, PRE "0 client: bind()\n", 3, 16, "too few arguments to bind(): expected bind(fd, PORT)") \
	X(error_args_too_few, PRE "0 client: bind(c)\n", 3, 17, "too few arguments to bind(): expected bind(fd, PORT)") \
	X(error_args_too_many, PRE "0 client: bind(c, 80, 1)\n", 3, 21, "too many arguments to bind(): expected bind(fd, PORT)") \
	X(error_args_too_many_socket, "0 client: c = socket(AF_INET)\n", 1, 22, "too many arguments to socket(): expected socket()") \
	X(error_args_comma, PRE "0 client: bind(c 80)\n", 3, 18, "expected ',' after the fd argument of bind()") \
	X(error_args_close, PRE "0 client: bind(c, 80 x)\n", 3, 22, "expected ')' after the port argument of bind()") \
	X(error_args_unclosed, PRE "0 client: close(c\n", 3, 18, "expected ')' after the fd argument of close()") \
	X(error_args_too_few_signal, "0 client: signal()\n", 1, 18, "too few arguments to signal(): expected signal(SIGPIPE, SIG_IGN|SIG_DFL)") \
	X(error_args_too_few_send, PRE "0 client: send(c, 1)\n", 3, 20, "too few arguments to send(): expected send(fd, NBYTES, FLAGS)") \
	X(error_args_too_few_poll, PRE "0 client: poll(c, POLLIN)\n", 3, 25, "too few arguments to poll(): expected poll(fd, EVENTS, TIMEOUT_MS)") \
	X(error_args_too_many_accept, PRE "0 client: accept(c, 1)\n", 3, 19, "too many arguments to accept(): expected accept(fd)") \
	X(error_args_too_few_setsockopt, PRE "0 client: setsockopt(c)\n", 3, 23, "too few arguments to setsockopt(): expected setsockopt(fd, OPTION, VALUE...)") \
	/* numbers in arguments */ \
	X(error_bind_port_missing, PRE "0 client: bind(c, x)\n", 3, 19, "bind(): expected PORT, found 'x'") \
	X(error_bind_port_invalid, PRE "0 client: bind(c, 0x50)\n", 3, 19, "invalid number '0x50'") \
	X(error_bind_port_plus, PRE "0 client: bind(c, +80)\n", 3, 19, "invalid number '+80'") \
	X(error_bind_port_range, PRE "0 client: bind(c, 65536)\n", 3, 19, "bind(): PORT '65536' is out of range (0..65535)") \
	X(error_bind_port_negative, PRE "0 client: bind(c, -1)\n", 3, 19, "bind(): PORT '-1' is out of range (0..65535)") \
	X(error_listen_backlog_range, PRE "0 server: listen(s, 2147483648)\n", 3, 21, "listen(): BACKLOG '2147483648' is out of range (0..2147483647)") \
	X(error_write_nbytes_range, PRE "0 client: write(c, 99999999999999999999999)\n", 3, 20, "write(): NBYTES '99999999999999999999999' is out of range (0..2147483647)") \
	X(error_read_nbytes_missing, PRE "0 client: read(c, ALL)\n", 3, 19, "read(): expected NBYTES, found 'ALL'") \
	X(error_poll_timeout_range, PRE "0 client: poll(c, POLLIN, -2)\n", 3, 27, "poll(): TIMEOUT_MS '-2' is out of range (-1..2147483647)") \
	/* connect */ \
	X(error_connect_unknown_host, PRE "0 client: connect(c, srv:80)\n", 3, 22, "unknown host 'srv'") \
	X(error_connect_bad_addr, PRE "0 client: connect(c, 10.0.0:80)\n", 3, 22, "invalid IPv4 address '10.0.0'") \
	X(error_connect_no_such_addr, PRE "0 client: connect(c, 10.0.0.9:80)\n", 3, 22, "no host has the address 10.0.0.9") \
	X(error_connect_not_hostport, PRE "0 client: connect(c, :80)\n", 3, 22, "connect(): expected HOST:PORT, found ':'") \
	X(error_connect_no_port, PRE "0 client: connect(c, server)\n", 3, 28, "connect(): expected ':' and a port after 'server', found ')'") \
	X(error_connect_port_zero, PRE "0 client: connect(c, server:0)\n", 3, 29, "connect(): PORT '0' is out of range (1..65535)") \
	/* symbolic arguments */ \
	X(error_send_flags, PRE "0 client: send(c, 1, MSG_PEEK)\n", 3, 22, "send(): expected FLAGS (0, MSG_NOSIGNAL, MSG_DONTWAIT, MSG_FASTOPEN, joined by '|'), found 'MSG_PEEK'") \
	X(error_send_flags_number, PRE "0 client: send(c, 1, 4)\n", 3, 22, "send(): expected FLAGS (0, MSG_NOSIGNAL, MSG_DONTWAIT, MSG_FASTOPEN, joined by '|'), found '4'") \
	X(error_recv_flags, PRE "0 client: recv(c, 1, MSG_NOSIGNAL|MSG_OOB)\n", 3, 35, "recv(): expected FLAGS (0, MSG_NOSIGNAL, MSG_DONTWAIT, MSG_PEEK, joined by '|'), found 'MSG_OOB'") \
	X(error_shutdown_how, PRE "0 client: shutdown(c, SHUT_BOTH)\n", 3, 23, "shutdown(): expected SHUT_RD, SHUT_WR or SHUT_RDWR, found 'SHUT_BOTH'") \
	X(error_getsockopt_opt, PRE "0 client: getsockopt(c, SO_LINGER)\n", 3, 25, "getsockopt(): expected SO_ERROR, SO_SNDBUF, SO_RCVBUF, TCP_NODELAY or TCP_MAXSEG, found 'SO_LINGER'") \
	X(error_fcntl_cmd, PRE "0 client: fcntl(c, F_GETFL)\n", 3, 20, "fcntl(): expected O_NONBLOCK, found 'F_GETFL'") \
	X(error_poll_events, PRE "0 client: poll(c, POLLERR, 0)\n", 3, 19, "poll(): expected EVENTS (POLLIN, POLLOUT, POLLRDHUP, joined by '|', or 0), found 'POLLERR'") \
	X(error_poll_events_zero_in_list, PRE "0 client: poll(c, POLLIN|0, 0)\n", 3, 26, "poll(): expected EVENTS (POLLIN, POLLOUT, POLLRDHUP, joined by '|', or 0), found '0'") \
	X(error_signal_signo, "0 client: signal(SIGINT, SIG_IGN)\n", 1, 18, "signal(): expected SIGPIPE, found 'SIGINT'") \
	X(error_signal_handler, "0 client: signal(SIGPIPE, 1)\n", 1, 27, "signal(): expected SIG_IGN or SIG_DFL, found '1'") \
	/* setsockopt */ \
	X(error_setsockopt_option, PRE "0 client: setsockopt(c, SO_ERROR, 1)\n", 3, 25, "setsockopt(): expected SO_LINGER, SO_KEEPALIVE, SO_REUSEADDR, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT, TCP_USER_TIMEOUT, SO_SNDBUF, SO_RCVBUF, TCP_NODELAY, TCP_MAXSEG, TCP_FASTOPEN, TCP_FASTOPEN_CONNECT or TCP_SYNCNT, found 'SO_ERROR'") \
	X(error_setsockopt_linger_count, PRE "0 client: setsockopt(c, SO_LINGER, 1)\n", 3, 25, "setsockopt(): SO_LINGER takes ONOFF and SECONDS") \
	X(error_setsockopt_linger_count_many, PRE "0 client: setsockopt(c, SO_LINGER, 1, 2, 3)\n", 3, 25, "setsockopt(): SO_LINGER takes ONOFF and SECONDS") \
	X(error_setsockopt_keepalive_count, PRE "0 client: setsockopt(c, SO_KEEPALIVE)\n", 3, 25, "setsockopt(): SO_KEEPALIVE takes one value, 0 or 1") \
	X(error_setsockopt_reuseaddr_count, PRE "0 client: setsockopt(c, SO_REUSEADDR, 1, 1)\n", 3, 25, "setsockopt(): SO_REUSEADDR takes one value, 0 or 1") \
	X(error_setsockopt_keepidle_count, PRE "0 client: setsockopt(c, TCP_KEEPIDLE)\n", 3, 25, "setsockopt(): TCP_KEEPIDLE takes one value, SECONDS") \
	X(error_setsockopt_keepcnt_count, PRE "0 client: setsockopt(c, TCP_KEEPCNT, 1, 1)\n", 3, 25, "setsockopt(): TCP_KEEPCNT takes one value, COUNT") \
	X(error_setsockopt_user_timeout_count, PRE "0 client: setsockopt(c, TCP_USER_TIMEOUT)\n", 3, 25, "setsockopt(): TCP_USER_TIMEOUT takes one value, MS") \
	X(error_setsockopt_onoff_range, PRE "0 client: setsockopt(c, SO_LINGER, 2, 0)\n", 3, 36, "setsockopt(): ONOFF '2' is out of range (0..1)") \
	X(error_setsockopt_seconds_range, PRE "0 client: setsockopt(c, SO_LINGER, 1, -1)\n", 3, 39, "setsockopt(): SECONDS '-1' is out of range (0..2147483647)") \
	X(error_setsockopt_value_range, PRE "0 client: setsockopt(c, SO_KEEPALIVE, 2)\n", 3, 39, "setsockopt(): VALUE '2' is out of range (0..1)") \
	X(error_setsockopt_int_range, PRE "0 client: setsockopt(c, TCP_KEEPINTVL, 2147483648)\n", 3, 40, "setsockopt(): SECONDS '2147483648' is out of range (-2147483648..2147483647)") \
	X(error_setsockopt_value_word, PRE "0 client: setsockopt(c, TCP_KEEPCNT, x)\n", 3, 38, "setsockopt(): expected COUNT, found 'x'") \
	X(error_setsockopt_comma, PRE "0 client: setsockopt(c, SO_LINGER 1, 0)\n", 3, 35, "expected ',' after the option argument of setsockopt()") \
	X(error_setsockopt_close, PRE "0 client: setsockopt(c, TCP_USER_TIMEOUT, 5 6)\n", 3, 45, "expected ')' after the value argument of setsockopt()") \
	/* results */ \
	X(error_result_missing, PRE "0 client: close(c) =\n", 3, 21, "expected an integer, or -1 and an errno name, after '=', found the end of the line") \
	X(error_result_word, PRE "0 client: close(c) = EBADF\n", 3, 22, "expected an integer, or -1 and an errno name, after '=', found 'EBADF'") \
	X(error_result_invalid_number, PRE "0 client: close(c) = 0x0\n", 3, 22, "invalid number '0x0'") \
	X(error_result_range, PRE "0 client: read(c, 1) = 2147483648\n", 3, 24, "result '2147483648' is out of range (0..2147483647)") \
	X(error_result_negative, PRE "0 client: close(c) = -2\n", 3, 22, "invalid result '-2' (a failing call is written -1 and an errno name)") \
	X(error_errno_missing, PRE "0 client: close(c) = -1\n", 3, 24, "expected an errno name after '-1', found the end of the line") \
	X(error_errno_unknown, PRE "0 client: close(c) = -1 EFOO\n", 3, 25, "unknown errno name 'EFOO'") \
	X(error_sigpipe, PRE "0 client: write(c, 1) = -1 EPIPE +SIGINT\n", 3, 35, "expected SIGPIPE after '+', found 'SIGINT'") \
	X(error_sigpipe_after_addr, PRE "0 client: getsockname(c) = 10.0.0.1:5 +SIGPIPE\n", 3, 39, "unexpected '+' at the end of the statement") \
	X(error_unterminated_paren, PRE "0 client: write(c, 1) = -1 EPIPE (Broken (pipe)\n", 3, 34, "unterminated '('") \
	X(error_result_trailing, PRE "0 client: close(c) = 0 x\n", 3, 24, "unexpected 'x' at the end of the statement") \
	X(error_paren_trailing, PRE "0 client: close(c) = 0 (ok) (again)\n", 3, 29, "unexpected '(' at the end of the statement") \
	X(error_paren_without_result, PRE "0 client: close(c) (ok)\n", 3, 20, "unexpected '(' at the end of the statement") \
	X(error_addr_result_int, PRE "0 client: getpeername(c) = 0\n", 3, 28, "getpeername(): expected ADDR:PORT, or -1 and an errno name, found '0'") \
	X(error_addr_result_bad, PRE "0 client: getsockname(c) = 10.0.0.300:1\n", 3, 28, "invalid IPv4 address '10.0.0.300'") \
	X(error_addr_result_no_port, PRE "0 client: getsockname(c) = 10.0.0.1\n", 3, 36, "getsockname(): expected ':' and a port after '10.0.0.1', found the end of the line") \
	X(error_addr_result_port_range, PRE "0 client: getsockname(c) = 10.0.0.1:65536\n", 3, 37, "getsockname(): PORT '65536' is out of range (0..65535)") \
	X(error_poll_result, PRE "0 client: poll(c, POLLIN, 0) = POLLNVAL\n", 3, 32, "poll(): expected POLLIN, POLLOUT, POLLRDHUP, POLLERR, POLLHUP joined by '|', or 0, found 'POLLNVAL'") \
	X(error_poll_result_count, PRE "0 client: poll(c, POLLIN, 0) = 1\n", 3, 32, "poll(): expected POLLIN, POLLOUT, POLLRDHUP, POLLERR, POLLHUP joined by '|', or 0, found '1'") \
	X(error_poll_result_dangling, PRE "0 client: poll(c, POLLIN, 0) = POLLIN|\n", 3, 39, "poll(): expected POLLIN, POLLOUT, POLLRDHUP, POLLERR, POLLHUP joined by '|', or 0, found the end of the line") \
	/* net */ \
	X(error_net_op, "0 net: cut client>server\n", 1, 8, "net: expected drop, dup, delay, replay, inject or heal, found 'cut'") \
	X(error_net_op_missing, "0 net:\n", 1, 7, "net: expected drop, dup, delay, replay, inject or heal, found the end of the line") \
	X(error_net_pair_host, "0 net: drop >server\n", 1, 13, "drop: expected a host name, found '>'") \
	X(error_net_pair_unknown, "0 net: drop client>srv\n", 1, 20, "unknown host 'srv'") \
	X(error_net_pair_gt, "0 net: dup client server\n", 1, 19, "dup: expected '>' after 'client', found 'server'") \
	X(error_net_pair_port, "0 net: drop client:80>server\n", 1, 19, "drop: expected '>' after 'client', found ':'") \
	X(error_net_pair_same, "0 net: drop client>client\n", 1, 20, "drop: the two hosts must differ") \
	X(error_net_count_zero, "0 net: drop client>server 0\n", 1, 27, "drop: COUNT '0' is out of range (1..4294967295)") \
	X(error_net_count_range, "0 net: dup client>server 4294967296\n", 1, 26, "dup: COUNT '4294967296' is out of range (1..4294967295)") \
	X(error_net_kind, "0 net: drop client>server 2 PSH\n", 1, 29, "drop: unknown segment kind 'PSH' (expected SYN, FIN, RST, ACK or DATA)") \
	X(error_net_all_dup, "0 net: dup client>server all\n", 1, 26, "dup: unknown segment kind 'all' (expected SYN, FIN, RST, ACK or DATA)") \
	X(error_net_all_count, "0 net: drop client>server all 2\n", 1, 31, "unexpected '2' at the end of the statement") \
	X(error_net_trailing, "0 net: drop client>server 2 SYN FIN\n", 1, 33, "unexpected 'FIN' at the end of the statement") \
	X(error_net_delay_dur_missing, "0 net: delay client>server SYN\n", 1, 28, "delay: expected DUR, found 'SYN'") \
	X(error_net_delay_dur_invalid, "0 net: delay client>server 5m\n", 1, 28, "invalid duration '5m'") \
	X(error_net_replay_missing, "0 net: replay\n", 1, 14, "replay: expected N, found the end of the line") \
	X(error_net_replay_zero, "0 net: replay 0\n", 1, 15, "replay: N '0' is out of range (1..4294967295)") \
	X(error_net_heal_one, "0 net: heal client\n", 1, 19, "heal: expected a host name, found the end of the line") \
	X(error_net_heal_same, "0 net: heal server server\n", 1, 20, "heal: the two hosts must differ") \
	X(error_net_heal_pair, "0 net: heal client>server\n", 1, 19, "heal: expected a host name, found '>'") \
	X(error_inject_flags, "0 net: inject client>server URG seq 1 ack 1\n", 1, 29, "inject: expected FLAGS (SYN, FIN, RST, PSH, ACK, joined by '|'), found 'URG'") \
	X(error_inject_flags_missing, "0 net: inject client>server seq 1 ack 1\n", 1, 29, "inject: expected FLAGS (SYN, FIN, RST, PSH, ACK, joined by '|'), found 'seq'") \
	X(error_inject_port_range, "0 net: inject client:0>server ACK seq 1 ack 1\n", 1, 22, "inject: PORT '0' is out of range (1..65535)") \
	X(error_inject_port_word, "0 net: inject client>server:http ACK seq 1 ack 1\n", 1, 29, "inject: expected PORT, found 'http'") \
	X(error_inject_seq_missing, "0 net: inject client>server ACK ack 1\n", 1, 33, "inject: expected 'seq', found 'ack'") \
	X(error_inject_seq_value, "0 net: inject client>server ACK seq x ack 1\n", 1, 37, "inject: expected a sequence number, found 'x'") \
	X(error_inject_seq_range, "0 net: inject client>server ACK seq 4294967296 ack 1\n", 1, 37, "inject: seq '4294967296' is out of range (0..4294967295)") \
	X(error_inject_ack_missing, "0 net: inject client>server ACK seq 1\n", 1, 38, "inject: expected 'ack', found the end of the line") \
	X(error_inject_ack_value, "0 net: inject client>server ACK seq 1 ack\n", 1, 42, "inject: expected an acknowledgment number, found the end of the line") \
	X(error_inject_ack_range, "0 net: inject client>server ACK seq 1 ack -1\n", 1, 43, "inject: ack '-1' is out of range (0..4294967295)") \
	X(error_inject_len_value, "0 net: inject client>server ACK seq 1 ack 1 len\n", 1, 48, "inject: expected a length, found the end of the line") \
	X(error_inject_len_range, "0 net: inject client>server ACK seq 1 ack 1 len 1048577\n", 1, 49, "inject: len '1048577' is out of range (0..1048576)") \
	X(error_inject_win_value, "0 net: inject client>server ACK seq 1 ack 1 win big\n", 1, 49, "inject: expected a window, found 'big'") \
	X(error_inject_win_range, "0 net: inject client>server ACK seq 1 ack 1 win 65536\n", 1, 49, "inject: win '65536' is out of range (0..65535)") \
	X(error_inject_twice, "0 net: inject client>server ACK seq 1 ack 1 len 1 len 2\n", 1, 51, "inject: 'len' given twice") \
	X(error_inject_trailing, "0 net: inject client>server ACK seq 1 ack 1 ttl 2\n", 1, 45, "inject: expected an option (mss, sackOK, wscale, ts, sack, fo, foexp) or the end of the line, found 'ttl'") \
	X(error_inject_mss_range, "0 net: inject client>server SYN seq 1 ack 0 mss 0\n", 1, 49, "inject: mss '0' is out of range (1..65535)") \
	X(error_inject_wscale_range, "0 net: inject client>server SYN seq 1 ack 0 wscale 15\n", 1, 52, "inject: wscale '15' is out of range (0..14)") \
	X(error_inject_ts_ecr, "0 net: inject client>server ACK seq 1 ack 0 ts 5\n", 1, 49, "inject: expected a timestamp echo reply, found the end of the line") \
	X(error_inject_sack_colon, "0 net: inject client>server ACK seq 1 ack 0 sack 5 9\n", 1, 52, "inject: expected ':' between a SACK block's edges, found '9'") \
	X(error_inject_sack_many, "0 net: inject client>server ACK seq 1 ack 0 sack 1:2 3:4 5:6 7:8 9:10\n", 1, 66, "inject: at most 4 SACK blocks") \
	X(error_inject_option_twice, "0 net: inject client>server SYN seq 1 ack 0 sackOK sackOK\n", 1, 52, "inject: 'sackOK' given twice") \
	X(error_inject_win_after_options, "0 net: inject client>server SYN seq 1 ack 0 mss 5 win 9\n", 1, 51, "inject: expected an option (mss, sackOK, wscale, ts, sack, fo, foexp) or the end of the line, found 'win'") \
	X(error_host_nostack_word, "host a 1.2.3.4 stackless\n", 1, 16, "unexpected 'stackless' at the end of the statement") \
	X(error_host_nostack_call, "host a 1.2.3.4 nostack\nhost b 1.2.3.5\n0 a: s = socket()\n", 3, 6, "host 'a' has no stack (nostack): it makes no calls and has no process; net: inject sends its segments") \
	/* expect */ \
	X(error_expect_empty, "expect\n", 1, 7, "expect: expected a host name, found the end of the line") \
	X(error_expect_unknown_host, "expect srv>client RST\n", 1, 8, "unknown host 'srv'") \
	X(error_expect_what, "expect client\n", 1, 14, "expect: expected '>', a variable or 'terminated' after 'client', found the end of the line") \
	X(error_expect_what_punct, "expect client=server\n", 1, 14, "expect: expected '>', a variable or 'terminated' after 'client', found '='") \
	X(error_expect_wire_same, "expect client>client RST\n", 1, 15, "expect: the two hosts must differ") \
	X(error_expect_wire_kind, "expect client>server\n", 1, 21, "expect: expected a segment kind (SYN, FIN, RST, ACK or DATA), found the end of the line") \
	X(error_expect_wire_kind_any, "expect client>server ANY\n", 1, 22, "expect: expected a segment kind (SYN, FIN, RST, ACK or DATA), found 'ANY'") \
	X(error_expect_no_gt, "expect no client RST\n", 1, 18, "expect: expected '>' after 'client', found 'RST'") \
	X(error_expect_no_state, PRE "expect no client c state CLOSED\n", 3, 18, "expect: expected '>' after 'client', found 'c'") \
	X(error_expect_unknown_var, PRE "expect client s state CLOSED\n", 3, 15, "unknown variable 's' on host 'client'") \
	X(error_expect_state_keyword, PRE "expect client c CLOSED\n", 3, 17, "expect: expected 'state' after 'c', found 'CLOSED'") \
	X(error_expect_state_unknown, PRE "expect client c state ESTAB\n", 3, 23, "expect: expected a state (CLOSED, LISTEN, SYN_SENT, SYN_RECEIVED, ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2, CLOSE_WAIT, CLOSING, LAST_ACK, TIME_WAIT), found 'ESTAB'") \
	X(error_expect_terminated_trailing, "expect client terminated now\n", 1, 15, "unknown variable 'terminated' on host 'client'") \
	X(error_expect_trailing, "expect client>server RST RST\n", 1, 26, "expect: expected a segment field (seq, ack, win, len, mss, wscale, sackOK, ts, sack) or the end of the line, found 'RST'") \
	/* errors that say what to write instead */ \
	X(error_near_host, "0 sever: kill\n", 1, 3, "unknown host 'sever' (did you mean 'server'?)") \
	X(error_near_host_expect, "expect clinet>server RST\n", 1, 8, "unknown host 'clinet' (did you mean 'client'?)") \
	X(error_near_host_nothing_shared, "host a 10.0.0.9\n0 b: kill\n", 2, 3, "unknown host 'b'") \
	X(error_near_var, PRE "0 client: close(cc)\n", 3, 17, "unknown variable 'cc' on host 'client' (did you mean 'c'?)") \
	X(error_near_call, PRE "0 client: conect(c, server:80)\n", 3, 11, "unknown call 'conect' (did you mean 'connect'?)") \
	X(error_near_call_swap, PRE "0 client: lsiten(c, 1)\n", 3, 11, "unknown call 'lsiten' (did you mean 'listen'?)") \
	X(error_near_errno, PRE "0 client: close(c) = -1 EBADFF\n", 3, 25, "unknown errno name 'EBADFF' (did you mean 'EBADF'?)") \
	X(error_near_errno_case, PRE "0 client: close(c) = -1 econnrefused\n", 3, 25, "unknown errno name 'econnrefused' (did you mean 'ECONNREFUSED'?)") \
	X(error_near_knob, "set client tcp_retries3 3\n", 1, 12, "unknown knob 'tcp_retries3' (did you mean 'tcp_retries2'?)") \
	X(error_near_knob_sysctl, "set client net.ipv4.tcp_fin_timeot 3\n", 1, 12, "unknown knob 'net.ipv4.tcp_fin_timeot' (did you mean 'tcp_fin_timeout'?)") \
	X(error_near_state, PRE "expect client c state ESTABLISHD\n", 3, 23, "expect: expected a state (CLOSED, LISTEN, SYN_SENT, SYN_RECEIVED, ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2, CLOSE_WAIT, CLOSING, LAST_ACK, TIME_WAIT), found 'ESTABLISHD' (did you mean 'ESTABLISHED'?)") \
	X(error_set_without_host, "set tcp_retries2 3\n", 1, 5, "set: a knob is set on one host: write 'set HOST tcp_retries2 VALUE'") \
	X(error_set_without_host_sysctl, "set net.ipv4.tcp_retries2 3\n", 1, 5, "set: a knob is set on one host: write 'set HOST net.ipv4.tcp_retries2 VALUE'") \
	X(error_net_arrow, "0 net: drop client->server 1\n", 1, 19, "drop: a direction is written 'client>HOST', with '>' alone, not '->'") \
	X(error_expect_arrow, "expect server->client RST\n", 1, 14, "expect: a direction is written 'server>HOST', with '>' alone, not '->'") \
	X(error_args_order, PRE "0 client: connect(server:80, c)\n", 3, 19, "'server' is a host, not a variable: the socket comes first, as in connect(c, server:PORT)") \
	X(error_packetdrill_packet, "+0 > S 0:0(0) win 1000\n", 1, 4, "this is a packetdrill line: in a trace a segment is sent by a host's calls, forged with 'net: inject A>B ...' and checked with 'expect A>B KIND'; a packetdrill script runs as FILE.pkt") \
	X(error_packetdrill_inbound, "0.1 < . 1:1(0) ack 1 win 257\n", 1, 5, "this is a packetdrill line: in a trace a segment is sent by a host's calls, forged with 'net: inject A>B ...' and checked with 'expect A>B KIND'; a packetdrill script runs as FILE.pkt") \
	X(error_packetdrill_command, "+0 `sysctl -q net.ipv4.tcp_sack=0`\n", 1, 4, "this is a packetdrill line: in a trace a segment is sent by a host's calls, forged with 'net: inject A>B ...' and checked with 'expect A>B KIND'; a packetdrill script runs as FILE.pkt") \
	X(error_call_without_host, "+0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n", 1, 4, "a call needs the host that makes it: write 'HOST: socket(...)'") \
	X(error_bind_without_host, "0 c = socket()\n", 1, 3, "a call needs the host that makes it: write 'HOST: c = socket(...)'") \
	X(error_profile_version, "profile linux-5.4\n", 1, 9, "unknown profile 'linux-5.4' (only 'linux' exists)") \
	/* quoting in messages */ \
	X(error_quote_long, "0 client: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", 1, 11, "expected a call, kill, crash or reboot after 'client:', found 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...'") \
	X(error_quote_cr, "0 client: kill\r\r\n", 1, 15, "unexpected '\\x0d' at the end of the statement")
/* clang-format on */

#define DEFINE_ERROR_TEST(name, src, line, col, msg)                           \
	START_TEST(name)                                                       \
	{                                                                      \
		check_error_n(src, sizeof(src) - 1, line, col, msg);           \
	}                                                                      \
	END_TEST

ERROR_CASES(DEFINE_ERROR_TEST)

START_TEST(error_source_line)
{
	ts_error err;
	char big[600];
	ts_trace *t;

	/* the offending line, without its newline, tabs shown as spaces */
	t = ts_trace_parse("x/y.trace", "# one\n\t0 srv: kill\r\n# three\n", 27,
			   &err);
	ck_assert_ptr_null(t);
	ck_assert_str_eq(err.file, "x/y.trace");
	ck_assert_int_eq(err.line, 2);
	ck_assert_int_eq(err.col, 4);
	ck_assert_str_eq(err.source, " 0 srv: kill");
	/* invalid bytes shown as '?' */
	t = ts_trace_parse("f", "# a\xff\n", 5, &err);
	ck_assert_ptr_null(t);
	ck_assert_str_eq(err.source, "# a?");
	/* cut to 255 bytes, at a character boundary */
	memset(big, 'x', sizeof big);
	memcpy(big, "0 srv: kill # ", 14);
	memcpy(big + 254, "é", 2);
	big[sizeof big - 1] = '\0';
	t = ts_trace_parse("f", big, strlen(big), &err);
	ck_assert_ptr_null(t);
	ck_assert_uint_eq(strlen(err.source), 254);
	ck_assert_int_eq(memcmp(err.source, big, 254), 0);
	/* no error: NULL err is allowed */
	ck_assert_ptr_null(ts_trace_parse("f", "x\n", 2, NULL));
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Through the public interface: the errors tcpsim_load() reports that the
 * cases above leave out, and a trace with more hosts and links than the
 * parser's first tables hold */

/* A trace that tcpsim_load() must refuse: its error. */
static tcpsim_error load_error(const char *text)
{
	tcpsim_error e;
	tcpsim_sim *s = tcpsim_load("t.trace", text, strlen(text), NULL, &e);
	if (s)
		tcpsim_free(s);
	ck_assert_msg(s == NULL, "loaded, expected an error:\n%s", text);
	ck_assert_str_eq(e.file, "t.trace");
	return e;
}

/* TEXT must not load, with MSG at LINE:COL. */
static void load_failed(const char *text, int line, int col, const char *msg)
{
	tcpsim_error e = load_error(text);
	ck_assert_str_eq(e.message, msg);
	ck_assert_int_eq(e.line, line);
	ck_assert_int_eq(e.col, col);
}

START_TEST(parse_time_earlier_long_token_is_cut)
{
	/* The token is quoted at most QUOTE_MAX (40) characters long. */
	load_failed("10 client: c = socket()\n"
		    "5.0000000000000000000000000000000000000000000000000 "
		    "client: close(c)\n",
		    2, 1,
		    "time 5.00000000000000000000000000000000000000 is earlier "
		    "than the previous line's 10.000000");
}
END_TEST

START_TEST(parse_declaration_with_a_time)
{
	load_failed("0 link client server delay 1ms\n", 1, 3,
		    "'link' is a declaration and takes no time");
	load_failed("0 profile linux\n", 1, 3,
		    "'profile' is a declaration and takes no time");
	load_failed("0 set client isn 5\n", 1, 3,
		    "'set' is a declaration and takes no time");
}
END_TEST

START_TEST(parse_inject_win_twice)
{
	load_failed("0 net: inject client:1>server:2 ACK seq 1 ack 1 win 5 "
		    "win 6\n",
		    1, 55, "inject: 'win' given twice");
}
END_TEST

START_TEST(parse_sigpipe_after_parenthesis)
{
	/* The report's order, "(Broken pipe) +SIGPIPE", is accepted; what
	 * follows the '+' must then be SIGPIPE. */
	load_failed("0 client: c = socket()\n"
		    "+0 client: write(c, 1) = -1 EPIPE (Broken pipe) +FOO\n",
		    2, 50, "expected SIGPIPE after '+', found 'FOO'");
}
END_TEST

START_TEST(parse_del_character_is_escaped)
{
	/* DEL is shown as \x7f in the message and '?' in the source line. */
	tcpsim_error e = load_error("0 client: c = socket()\x7f\n");
	ck_assert_str_eq(e.message,
			 "unexpected '\\x7f' at the end of the statement");
	ck_assert_str_eq(e.source, "0 client: c = socket()?");
	ck_assert_int_eq(e.col, 23);
}
END_TEST

START_TEST(parse_knob_name_not_a_word)
{
	load_failed("set client 5 1\n", 1, 12,
		    "set: expected a knob name, found '5'");
}
END_TEST

START_TEST(parse_multibyte_punctuation)
{
	/* A multi-byte character where one-byte punctuation is expected. */
	load_failed("0 client: c = socket()\n"
		    "+0 client: connect(c, server\xe2\x86\x92"
		    "80)\n",
		    2, 29,
		    "connect(): expected ':' and a port after 'server', found "
		    "'\xe2\x86\x92'");
}
END_TEST

START_TEST(parse_many_links_and_hosts)
{
	/* More hosts and links than the parser's first tables hold: five
	 * hosts, all ten links, each with its own delay. */
	static const char text[] = "host h1 10.0.0.1\n"
				   "host h2 10.0.0.2\n"
				   "host h3 10.0.0.3\n"
				   "host h4 10.0.0.4\n"
				   "host h5 10.0.0.5\n"
				   "link h1 h2 delay 1ms\n"
				   "link h1 h3 delay 2ms\n"
				   "link h1 h4 delay 3ms\n"
				   "link h1 h5 delay 4ms\n"
				   "link h2 h3 delay 5ms\n"
				   "link h2 h4 delay 6ms\n"
				   "link h2 h5 delay 7ms\n"
				   "link h3 h4 delay 8ms\n"
				   "link h3 h5 delay 9ms\n"
				   "link h4 h5 delay 10ms\n"
				   "0 h5: l = socket()\n"
				   "+0 h5: bind(l, 7) = 0\n"
				   "+0 h5: listen(l, 1) = 0\n"
				   "+0 h4: c = socket()\n"
				   "+0 h4: connect(c, h5:7) = 0\n"
				   "+0 h5: a = accept(l)\n"
				   "+1 expect h4 c state ESTABLISHED\n";
	struct buf b = {0};
	tcpsim_error e;
	ck_assert_int_eq(run(text, &b, &e), TCPSIM_OK);
	HAS(&b, "# links: h1-h2 1ms, h1-h3 2ms, h1-h4 3ms, h1-h5 4ms, "
		"h2-h3 5ms, h2-h4 6ms, h2-h5 7ms, h3-h4 8ms, h3-h5 9ms, "
		"h4-h5 10ms");
	/* The handshake takes one round trip of the 10 ms link, and its
	 * third segment one more delay: 30 ms. */
	HAS(&b, "   0.030000  h5      return  a = accept(l) = 4");
	free(b.data);
}
END_TEST

/* ---------------------------------------------------------------------- */

/* ---- bodies parsed once ---- */

/* TEXT with " #N" after every line: no two lines have the same bytes,
 * so none is taken from an earlier line's parse. */
static char *unique_lines(const char *text)
{
	struct buf b = {0};
	int n = 0;
	for (const char *s = text; *s;) {
		const char *e = strchr(s, '\n');
		size_t len = e ? (size_t)(e - s) : strlen(s);
		char tag[24];
		sink(&b, s, len);
		snprintf(tag, sizeof tag, " #%d\n", ++n);
		sink(&b, tag, strlen(tag));
		s += len + (e != NULL);
	}
	if (!b.data)
		sink(&b, "", 0);
	return b.data;
}

static int same_name(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* The statements of A and B are the same, field by field. */
static void same_stmts(const char *what, const ts_trace *a, const ts_trace *b)
{
	ck_assert_int_eq(a->nstmts, b->nstmts);
	for (int i = 0; i < a->nstmts; i++) {
		ts_stmt x = a->stmts[i], y = b->stmts[i];
		ck_assert_msg(
		    x.kind == y.kind && x.at == y.at && x.line == y.line &&
			x.host == y.host && !strcmp(x.text, y.text),
		    "%s: statement %d (line %d) differs", what, i, x.line);
		if (x.kind == TS_STMT_CALL) {
			ck_assert(
			    same_name(x.u.call.bind_name, y.u.call.bind_name));
			ck_assert(
			    same_name(x.u.call.fd_name, y.u.call.fd_name));
			ck_assert(
			    same_name(x.u.call.peer_name, y.u.call.peer_name));
			x.u.call.bind_name = y.u.call.bind_name = NULL;
			x.u.call.fd_name = y.u.call.fd_name = NULL;
			x.u.call.peer_name = y.u.call.peer_name = NULL;
		}
		x.text = y.text = NULL;
		ck_assert_msg(!memcmp(&x, &y, sizeof x),
			      "%s: statement %d (line %d) differs", what, i,
			      x.line);
	}
}

static void memo_case(const char *what, const char *text)
{
	ts_error e1, e2;
	char *u = unique_lines(text);
	ts_trace *a = ts_trace_parse("t", text, strlen(text), &e1);
	ts_trace *b = ts_trace_parse("t", u, strlen(u), &e2);
	ck_assert_msg((a == NULL) == (b == NULL), "%s: %s / %s", what,
		      a ? "" : e1.msg, b ? "" : e2.msg);
	if (a) {
		same_stmts(what, a, b);
		for (int h = 0; h < a->nhosts; h++)
			ck_assert_int_eq(a->hosts[h].nvars, b->hosts[h].nvars);
	} else {
		ck_assert_int_eq(e1.line, e2.line);
		ck_assert_int_eq(e1.col, e2.col);
		ck_assert_str_eq(e1.msg, e2.msg);
	}
	ts_trace_free(a);
	ts_trace_free(b);
	free(u);
}

/* A line whose body (after its time) repeats an earlier one is the same
 * statement as if it had been parsed afresh: its own time, line and text;
 * a variable bound again keeps its number; a use of a name that only a
 * later line binds is still an error. */
START_TEST(parse_repeated_bodies)
{
	memo_case("repeats", "host a 10.0.0.1\nhost b 10.0.0.2\n"
			     "0 a: c = socket()\n"
			     "+1 a: c = socket()\n"
			     "+0.5 a: connect(c, b:80) = -1 ECONNREFUSED\n"
			     "2 a: connect(c, b:80) = -1 ECONNREFUSED\n"
			     "+0 a: connect(c, b:80) = -1 ECONNREFUSED # x\n"
			     "+0 net: drop a>b 1 SYN\n"
			     "+1ms net: drop a>b 1 SYN\n"
			     "expect a c state CLOSED\n"
			     "+0 expect a c state CLOSED\n"
			     "+0 expect a c state CLOSED\n"
			     "+0 b: close(d) = 0\n");
	memo_case("binds later", "host a 10.0.0.1\n"
				 "0 a: c = socket()\n"
				 "+0 a: close(c) = 0\n"
				 "+0 a: close(d) = 0\n"
				 "+0 a: d = socket()\n"
				 "+0 a: close(d) = 0\n");
	memo_case("binds then uses", "host a 10.0.0.1\n"
				     "0 a: d = socket()\n"
				     "+0 a: close(d) = 0\n"
				     "+0 a: close(d) = 0\n");
	int n;
	char **v = catalogue(&n);
	ck_assert_int_ge(n, 80);
	for (int i = 0; i < n; i++) {
		char *text = read_file(v[i], NULL);
		memo_case(v[i], text);
		free(text);
	}
	free_catalogue(v, n);
	for (uint64_t seed = 1; seed <= 200; seed++) {
		char *text = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);
		ck_assert_ptr_nonnull(f);
		ts_gen_trace(f, seed);
		fclose(f);
		char what[32];
		snprintf(what, sizeof what, "gen %llu",
			 (unsigned long long)seed);
		memo_case(what, text);
		free(text);
	}
}
END_TEST

static Suite *parser_suite(void)
{
	Suite *s = suite_create("parser");
	TCase *tc;

	tc = tcase_create("file");
	tcase_add_test(tc, parse_empty);
	tcase_add_test(tc, parse_comments_and_blank_lines);
	tcase_add_test(tc, parse_crlf);
	tcase_add_test(tc, parse_bom);
	tcase_add_test(tc, parse_stmt_text);
	tcase_add_test(tc, parse_spacing);
	tcase_add_test(tc, parse_spec_example);
	tcase_add_test(tc, parse_repeated_bodies);
	suite_add_tcase(s, tc);

	tc = tcase_create("declarations");
	tcase_add_test(tc, parse_default_hosts);
	tcase_add_test(tc, parse_host_decl);
	tcase_add_test(tc, parse_host_declared_later);
	tcase_add_test(tc, parse_host_named_like_keywords);
	tcase_add_test(tc, parse_link);
	tcase_add_test(tc, parse_profile);
	tcase_add_test(tc, parse_knob_table);
	tcase_add_test(tc, parse_set);
	tcase_add_test(tc, parse_set_port_range);
	tcase_add_test(tc, parse_set_rmem);
	tcase_add_test(tc, parse_set_wmem);
	tcase_add_test(tc, parse_set_congestion_control);
	tcase_add_test(tc, parse_result_report_order);
	suite_add_tcase(s, tc);

	tc = tcase_create("time");
	tcase_add_test(tc, parse_time_units);
	tcase_add_test(tc, parse_time_relative);
	tcase_add_test(tc, parse_expect_time);
	suite_add_tcase(s, tc);

	tc = tcase_create("calls");
	tcase_add_test(tc, parse_call_socket_accept);
	tcase_add_test(tc, parse_vars_per_host);
	tcase_add_test(tc, parse_call_bind_listen);
	tcase_add_test(tc, parse_call_connect);
	tcase_add_test(tc, parse_call_write_read);
	tcase_add_test(tc, parse_call_send_recv);
	tcase_add_test(tc, parse_call_shutdown_close);
	tcase_add_test(tc, parse_call_setsockopt);
	tcase_add_test(tc, parse_call_misc);
	tcase_add_test(tc, parse_call_names);
	tcase_add_test(tc, parse_call_poll);
	tcase_add_test(tc, parse_results);
	tcase_add_test(tc, parse_every_errno);
	tcase_add_test(tc, parse_host_events);
	suite_add_tcase(s, tc);

	tc = tcase_create("net");
	tcase_add_test(tc, parse_net_drop);
	tcase_add_test(tc, parse_net_dup_delay);
	tcase_add_test(tc, parse_net_replay_heal);
	tcase_add_test(tc, parse_net_inject);
	tcase_add_test(tc, parse_net_inject_options);
	tcase_add_test(tc, parse_host_nostack);
	suite_add_tcase(s, tc);

	tc = tcase_create("expect");
	tcase_add_test(tc, parse_expect_wire);
	tcase_add_test(tc, parse_expect_fields);
	tcase_add_test(tc, parse_expect_state);
	tcase_add_test(tc, parse_expect_terminated);
	suite_add_tcase(s, tc);

	tc = tcase_create("names");
	tcase_add_test(tc, parse_names);
	suite_add_tcase(s, tc);

	/* Traces at the parser's limits (a million statements among them)
	 * and the fuzz loop: the heaviest tests of this suite. Their timeout
	 * is far above what they take even under a sanitizer on a loaded
	 * machine, so that only a hang fails them. */
	tc = tcase_create("limits");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, parse_limit_hosts);
	tcase_add_test(tc, parse_limit_vars);
	tcase_add_test(tc, parse_limit_names);
	tcase_add_test(tc, parse_limit_line);
	tcase_add_test(tc, parse_limit_statements);
	tcase_add_test(tc, parse_limit_file);
	tcase_add_test(tc, parse_fuzz);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
#define ADD_ERROR_TEST(name, src, line, col, msg) tcase_add_test(tc, name);
	ERROR_CASES(ADD_ERROR_TEST)
	tcase_add_test(tc, error_source_line);
	suite_add_tcase(s, tc);

	tc = tcase_create("load");
	tcase_add_test(tc, parse_time_earlier_long_token_is_cut);
	tcase_add_test(tc, parse_declaration_with_a_time);
	tcase_add_test(tc, parse_inject_win_twice);
	tcase_add_test(tc, parse_sigpipe_after_parenthesis);
	tcase_add_test(tc, parse_del_character_is_escaped);
	tcase_add_test(tc, parse_knob_name_not_a_word);
	tcase_add_test(tc, parse_multibyte_punctuation);
	tcase_add_test(tc, parse_many_links_and_hosts);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(parser_suite());
	int failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
