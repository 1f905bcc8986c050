/*
 * test_pkt.c - packetdrill scripts: the parser (src/pkt/parse.c), every
 * construct and every error as FILE:LINE:COL, and the runner's verdicts
 * (src/pkt/run.c): a script that passes, and scripts with a planted wrong
 * field, result, errno or time, each failing with packetdrill's words.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkt/pkt.h"

static ts_pkt_script *parse_ok(const char *text)
{
	tcpsim_error err;
	ts_pkt_script *s =
	    ts_pkt_parse("t.pkt", text, strlen(text), NULL, &err);
	ck_assert_msg(s != NULL, "parse failed: %d:%d: %s", err.line, err.col,
		      err.message);
	return s;
}

static void parse_fails(const char *text, int line, int col, const char *msg)
{
	tcpsim_error err;
	ts_pkt_script *s =
	    ts_pkt_parse("t.pkt", text, strlen(text), NULL, &err);
	ck_assert_msg(s == NULL, "'%s' parsed", text);
	ck_assert_str_eq(err.file, "t.pkt");
	ck_assert_str_eq(err.message, msg);
	ck_assert_int_eq(err.line, line);
	ck_assert_int_eq(err.col, col);
}

/* ---------------------------------------------------------------------- */
/* The parser */

START_TEST(parse_times)
{
	ts_pkt_script *s =
	    parse_ok("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
		     "+.1 close(3) = 0\n"
		     "1.5 > S 0:0(0) <...>\n"
		     "* > . 1:1(0) ack 1\n"
		     "2~2.25 > . 1:1(0) ack 1\n"
		     "+0.3~+0.400 > F. 1:1(0) ack 1\n"
		     "+.1...0.200 accept(3, ..., ...) = 4\n");
	ck_assert_int_eq(s->nevents, 7);
	ck_assert_int_eq(s->events[0].when, TS_PKT_ABS);
	ck_assert_int_eq(s->events[1].when, TS_PKT_REL);
	ck_assert_int_eq(s->events[1].t_us, 100000);
	ck_assert_int_eq(s->events[2].t_us, 1500000);
	ck_assert_int_eq(s->events[3].when, TS_PKT_ANY);
	ck_assert_int_eq(s->events[4].when, TS_PKT_ABS_RANGE);
	ck_assert_int_eq(s->events[4].t_end_us, 2250000);
	ck_assert_int_eq(s->events[5].when, TS_PKT_REL_RANGE);
	ck_assert_int_eq(s->events[5].t_us, 300000);
	ck_assert_int_eq(s->events[5].t_end_us, 400000);
	ck_assert_int_eq(s->events[6].u.call.blocking, 1);
	ck_assert_int_eq(s->events[6].u.call.end_us, 200000);
	ck_assert_int_eq(s->events[6].line, 7);
	ts_pkt_script_free(s);
}
END_TEST

START_TEST(parse_packets)
{
	ts_pkt_script *s = parse_ok(
	    "0 < S 0:0(0) win 32792 <mss 1000,sackOK,nop,nop,nop,wscale 7>\n"
	    "+0 > S. 0:0(0) ack 1 <mss 1460,nop,nop,sackOK,nop,wscale 8>\n"
	    "+0 < P. 1:1001(1000) ack 1 win 257 <nop,nop,TS val 200 ecr 100>\n"
	    "+0 > . 1:1(0) ack 1 win 5000 <nop,nop,sack 1001:2001 4001:5001>\n"
	    "+0 > FP. 1:2(1) ack 1\n"
	    "+0 > R 2:2(0)\n"
	    "+0 < - 1:1(0) win 0 <eol>\n");
	const ts_pkt_packet *p = &s->events[0].u.pkt;
	ck_assert_int_eq(p->inbound, 1);
	ck_assert_int_eq(p->flags, TCPSIM_SYN);
	ck_assert_int_eq(p->win, 32792);
	ck_assert_int_eq(p->nopts, 6);
	ck_assert_int_eq(p->opts[0].kind, TS_PKT_OPT_MSS);
	ck_assert_int_eq(p->opts[0].a, 1000);
	ck_assert_int_eq(p->opts[1].kind, TS_PKT_OPT_SACKOK);
	ck_assert_int_eq(p->opts[2].kind, TS_PKT_OPT_NOP);
	ck_assert_int_eq(p->opts[5].kind, TS_PKT_OPT_WSCALE);
	ck_assert_int_eq(p->opts[5].a, 7);
	p = &s->events[1].u.pkt;
	ck_assert_int_eq(p->inbound, 0);
	ck_assert_int_eq(p->flags, TCPSIM_SYN | TCPSIM_ACK);
	ck_assert_int_eq(p->has_ack, 1);
	ck_assert_int_eq(p->ack, 1);
	ck_assert_int_eq(p->win, -1);
	p = &s->events[2].u.pkt;
	ck_assert_int_eq(p->flags, TCPSIM_PSH | TCPSIM_ACK);
	ck_assert_int_eq(p->seq, 1);
	ck_assert_int_eq(p->len, 1000);
	ck_assert_int_eq(p->opts[2].kind, TS_PKT_OPT_TS);
	ck_assert_int_eq(p->opts[2].a, 200);
	ck_assert_int_eq(p->opts[2].b, 100);
	p = &s->events[3].u.pkt;
	ck_assert_int_eq(p->opts[2].kind, TS_PKT_OPT_SACK);
	ck_assert_int_eq(p->opts[2].nsack, 2);
	ck_assert_int_eq(p->opts[2].sack[1][0], 4001);
	ck_assert_int_eq(p->opts[2].sack[1][1], 5001);
	ck_assert_int_eq(s->events[4].u.pkt.flags,
			 TCPSIM_FIN | TCPSIM_PSH | TCPSIM_ACK);
	ck_assert_int_eq(s->events[5].u.pkt.flags, TCPSIM_RST);
	ck_assert_int_eq(s->events[5].u.pkt.has_ack, 0);
	ck_assert_int_eq(s->events[6].u.pkt.flags, 0);
	ck_assert_int_eq(s->events[6].u.pkt.opts[0].kind, TS_PKT_OPT_EOL);
	ts_pkt_script_free(s);
}
END_TEST

START_TEST(parse_calls)
{
	ts_pkt_script *s = parse_ok(
	    "0 socket(..., SOCK_STREAM|SOCK_NONBLOCK, IPPROTO_TCP) = 3\n"
	    "+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0\n"
	    "+0 write(4, NULL, 1000) = -1 EFAULT (Bad address)\n"
	    "+0 recvmsg(4, {msg_name(...)=...,\n"
	    "               msg_flags=0}, MSG_ERRQUEUE) = -1 EAGAIN\n"
	    "+0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0 // a comment\n"
	    "/* a comment\n over lines */ +0 close(-1) = -1 EBADF\n");
	const ts_pkt_call *c = &s->events[0].u.call;
	ck_assert_str_eq(c->name, "socket");
	ck_assert_int_eq(c->nargs, 3);
	ck_assert_int_eq(c->args[0].kind, TS_PKT_ARG_ELLIPSIS);
	ck_assert_int_eq(c->args[1].kind, TS_PKT_ARG_NAMES);
	ck_assert_int_eq(c->args[1].nnames, 2);
	ck_assert_str_eq(c->args[1].names[1], "SOCK_NONBLOCK");
	ck_assert_int_eq(c->result, 3);
	ck_assert_int_eq(c->blocking, 0);
	c = &s->events[1].u.call;
	ck_assert_int_eq(c->args[3].kind, TS_PKT_ARG_LIST);
	ck_assert_int_eq(c->args[3].value, 1);
	c = &s->events[2].u.call;
	ck_assert_int_eq(c->args[1].kind, TS_PKT_ARG_NULL);
	ck_assert_int_eq(c->result, -1);
	ck_assert_str_eq(c->err, "EFAULT");
	c = &s->events[3].u.call;
	ck_assert_str_eq(c->name, "recvmsg");
	ck_assert_int_eq(c->args[1].kind, TS_PKT_ARG_OTHER);
	ck_assert_str_eq(c->err, "EAGAIN");
	ck_assert_int_eq(s->events[4].line, 6);
	ck_assert_int_eq(s->events[5].line, 8);
	ck_assert_int_eq(s->events[5].u.call.args[0].value, -1);
	ts_pkt_script_free(s);
}
END_TEST

START_TEST(parse_preamble)
{
	ts_pkt_script *s = parse_ok(
	    "// a script\n"
	    "--tolerance_usecs=10000\n"
	    "--mss=1000\n"
	    "--tcp_ts_tick_usecs=1000\n"
	    "`./defaults.sh\n"
	    " ./set_sysctls.py /proc/sys/net/ipv4/tcp_syn_retries=1 \\\n"
	    "   /proc/sys/net/ipv4/tcp_keepalive_time=9`\n"
	    "0 `nstat -n`\n"
	    "+0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
	    "`/tmp/sysctl_restore_${PPID}.sh`\n");
	ck_assert_int_eq(s->cfg.tolerance_us, 10000);
	ck_assert_int_eq(s->cfg.mss, 1000);
	ck_assert_int_eq(s->cfg.ts_tick_us, 1000);
	ck_assert_int_eq(s->defaults, 2); /* the kernel selftests' */
	ck_assert_int_eq(s->nsysctls, 2);
	ck_assert_str_eq(s->sysctls[0].name, "tcp_syn_retries");
	ck_assert_str_eq(s->sysctls[0].value, "1");
	ck_assert_str_eq(s->sysctls[1].name, "tcp_keepalive_time");
	ck_assert_str_eq(s->sysctls[1].value, "9");
	ck_assert_ptr_null(s->unsupported);
	ck_assert_int_eq(s->nevents, 2);
	ck_assert_int_eq(s->events[0].kind, TS_PKT_COMMAND);
	ts_pkt_script_free(s);
}
END_TEST

/* What tcpsim cannot run is not an error: an event that says what. */
START_TEST(parse_unsupported)
{
	ts_pkt_script *s =
	    parse_ok("0 < S 0:10(10) win 1 <mss 1460,md5 abcd,nop>\n"
		     "+0 > encap psp spi 23 F. 501:501(0) ack 501\n"
		     "+0 %{ assert tcpi_sacked == 0 }%\n"
		     "+0 `tc qdisc add dev tun0 root pfifo limit 0`\n"
		     "+0 > SEW 0:0(0) <...>\n"
		     "+0 close(3) = 0\n");
	ck_assert_int_eq(s->nevents, 6);
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(s->events[i].kind, TS_PKT_UNSUPPORTED_EV);
	ck_assert_str_eq(s->events[0].text, "the TCP option 'md5'");
	ck_assert_str_eq(s->events[1].text, "'encap' packets");
	ck_assert_str_eq(s->events[2].text,
			 "a Python %{ }% block naming tcpi_sacked (unknown to "
			 "tcpsim)");
	ck_assert_str_eq(s->events[3].text,
			 "the shell command 'tc qdisc add dev tun0 root pfifo "
			 "limit 0'");
	ck_assert_str_eq(s->events[4].text,
			 "the TCP flag E (URG, ECN and AccECN flags)");
	ck_assert_int_eq(s->events[5].kind, TS_PKT_CALL);
	ts_pkt_script_free(s);
	s = parse_ok("--psp_udp_port=1000\n0 close(3) = 0\n");
	ck_assert_str_eq(s->unsupported, "the option --psp_udp_port");
	ck_assert_int_eq(s->unsup_line, 1);
	ts_pkt_script_free(s);
}
END_TEST

START_TEST(parse_errors)
{
	parse_fails("1 close(3) = 0\n", 1, 1,
		    "first event should be at time 0");
	parse_fails("0 close(3) = 0\n0.5 close(3) = 0\n0.2 close(3) = 0\n", 3,
		    1,
		    "time goes backward in script from 500000 usec to "
		    "200000 usec");
	parse_fails("0 close(3) = 0\n* close(3) = 0\n", 2, 1,
		    "event time <star> can only be used with outbound "
		    "packets");
	parse_fails("0 close(3) = 0\n+0~+1 < S 0:0(0) win 1\n", 2, 1,
		    "event time range can only be used with outbound "
		    "packets");
	parse_fails("0 close(3) = 0\n+1~+0.5 > S 0:0(0)\n", 2, 5,
		    "time range is backwards");
	parse_fails("0 < S 0:0(0) <mss 1000>\n", 1, 3,
		    "window must be specified for inbound packets");
	parse_fails("0 < S 0:0(0) win 9 <...>\n", 1, 21,
		    "<...> for TCP options can only be used with outbound "
		    "packets");
	parse_fails("0 > . 1:10(5)\n", 1, 9,
		    "inconsistent TCP sequence numbers and payload size");
	parse_fails("0 > . 1 1(0)\n", 1, 9, "expected ':', found '1'");
	parse_fails("0 > Q 1:1(0)\n", 1, 5, "unknown TCP flag 'Q'");
	parse_fails("0 > . 1:1(0) <mss 99999>\n", 1, 19,
		    "mss '99999' is out of range (0..65535)");
	parse_fails("0 > . 1:1(0) <TS 5 ecr 1>\n", 1, 18,
		    "expected 'val', found '5'");
	parse_fails("0 > . 1:1(0) <nop nop>\n", 1, 19,
		    "expected ',' or '>', found 'nop'");
	parse_fails("0 close(3 = 0\n", 1, 11, "expected ',' or ')', found '='");
	parse_fails("0 close(3)\n", 2, 1,
		    "expected '=', found the end of the script");
	parse_fails("0 close(3) = 0\n/* no end\n", 2, 1,
		    "unterminated comment");
	parse_fails("0 `nstat\n", 1, 3, "unterminated backquoted command");
	parse_fails("0 %{ x\n", 1, 3, "unterminated %{ code block");
	parse_fails("0 close(3) = 0\n--mss=5\n", 2, 1,
		    "option lines come before the events");
	parse_fails("--mss=big\n0 close(3) = 0\n", 1, 7,
		    "bad value 'big' for --mss");
	parse_fails("0.0000001 close(3) = 0\n", 1, 1,
		    "time '0.0000001' is finer than a microsecond");
	parse_fails("// nothing\n", 2, 0, "no events in the script");
	parse_fails("0 close(3) = 0\n+0 ! x\n", 2, 4,
		    "expected a packet, a system call or a command, found "
		    "'!'");
	tcpsim_error err;
	ck_assert_ptr_null(ts_pkt_parse("t.pkt", "0 cl\0se", 7, NULL, &err));
	ck_assert_str_eq(err.message, "a NUL byte in the script");
	ck_assert_int_eq(err.col, 5);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* The runner */

static int run_text(const char *text, char *msg, size_t cap)
{
	tcpsim_error err;
	ts_pkt_script *s =
	    ts_pkt_parse("t.pkt", text, strlen(text), NULL, &err);
	ck_assert_msg(s != NULL, "parse failed: %d:%d: %s", err.line, err.col,
		      err.message);
	int rc = ts_pkt_run(s, NULL, msg, cap, &err);
	ts_pkt_script_free(s);
	ck_assert_msg(rc != TCPSIM_ERROR, "model error: %s", err.message);
	return rc;
}

/* A passive open, data both ways, the peer's FIN and ours. */
#define SERVER                                                                 \
	"0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"                        \
	"+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0\n"             \
	"+0 bind(3, ..., ...) = 0\n"                                           \
	"+0 listen(3, 1) = 0\n"                                                \
	"+0 < S 0:0(0) win 32792 <mss 1000,sackOK,nop,nop>\n"                  \
	"+0 > S. 0:0(0) ack 1 <...>\n"                                         \
	"+.1 < . 1:1(0) ack 1 win 32792\n"                                     \
	"+0 accept(3, ..., ...) = 4\n"

START_TEST(run_passes)
{
	char msg[2048];
	int rc = run_text(SERVER "+0 write(4, ..., 1000) = 1000\n"
				 "+0 > P. 1:1001(1000) ack 1\n"
				 "+.01 < . 1:1(0) ack 1001 win 32792\n"
				 "+0 < P. 1:11(10) ack 1001 win 32792\n"
				 "+0~+.05 > . 1001:1001(0) ack 11\n"
				 "+0 read(4, ..., 100) = 10\n"
				 "+0 < F. 11:11(0) ack 1001 win 32792\n"
				 "* > . 1001:1001(0) ack 12\n"
				 "+0 close(4) = 0\n"
				 "+0 > F. 1001:1001(0) ack 12\n"
				 "+0 < . 12:12(0) ack 1002 win 32792\n"
				 "+0 write(4, ..., 10) = -1 EBADF (Bad file)\n",
			  msg, sizeof msg);
	ck_assert_msg(rc == TCPSIM_OK, "%s", msg);
	ck_assert_str_eq(msg, "");
}
END_TEST

START_TEST(run_wrong_field)
{
	char msg[2048];
	int rc = run_text(SERVER "+0 write(4, ..., 1000) = 1000\n"
				 "+0 > P. 1:1001(1000) ack 2\n",
			  msg, sizeof msg);
	ck_assert_int_eq(rc, TCPSIM_FAILED);
	static const char want[] =
	    "t.pkt:10: error handling packet: live packet field tcp_ack_seq: "
	    "expected: 2 (0x2) vs actual: 1 (0x1)\nscript packet:  0.100000 "
	    "P. 1:1001(1000) ack 2\nactual packet:  0.100000 P. 1:1001(1000) "
	    "ack 1 win ";
	ck_assert_msg(!strncmp(msg, want, sizeof want - 1), "%s", msg);
	rc = run_text(SERVER "+0 close(4) = 0\n+0 > R. 1:1(0) ack 1\n", msg,
		      sizeof msg);
	ck_assert_int_eq(rc, TCPSIM_FAILED);
	ck_assert_msg(strstr(msg, "t.pkt:10: error handling packet: live "
				  "packet field tcp_fin: expected: 0 (0x0) "
				  "vs actual: 1 (0x1)\n"),
		      "%s", msg);
	/* Options listed must be those sent, in order. */
	rc = run_text(SERVER "+0 close(4) = 0\n+0 > F. 1:1(0) ack 1 <nop,"
			     "nop,sack 1:2>\n",
		      msg, sizeof msg);
	ck_assert_int_eq(rc, TCPSIM_FAILED);
	ck_assert_msg(strstr(msg, "t.pkt:10: error handling packet: live "
				  "packet field ipv4_total_length: expected: "
				  "52 (0x34) vs actual: 40 (0x28)\n"),
		      "%s", msg);
}
END_TEST

/* %{ }% blocks: Python's asserts over TCP_INFO, evaluated (code.c). */
START_TEST(code_asserts)
{
	tcpsim_tcp_info ti;
	char why[256];
	memset(&ti, 0, sizeof ti);
	ti.state = TCPSIM_ESTABLISHED;
	ti.options = TCPSIM_TCPI_OPT_TIMESTAMPS | TCPSIM_TCPI_OPT_SACK;
	ti.probes = 2;
	ti.bytes_received = 20000;
#define EVAL(src) ts_pkt_code_eval(src, strlen(src), &ti, why, sizeof why)
	ck_assert_int_eq(EVAL("%{ assert tcpi_state == TCP_ESTABLISHED, "
			      "tcpi_state }%"),
			 0);
	ck_assert_int_eq(EVAL("assert (tcpi_options & TCPI_OPT_SYN_DATA) == 0,"
			      " tcpi_options"),
			 0);
	ck_assert_int_eq(EVAL("assert tcpi_probes == 2, tcpi_probes; \\\n"
			      "   assert tcpi_bytes_received == 20000"),
			 0);
	/* chained comparisons, and/or/not, Python's floor division */
	ck_assert_int_eq(EVAL("assert 1 < tcpi_probes <= 2 and not "
			      "tcpi_state == TCP_CLOSE or 0"),
			 0);
	ck_assert_int_eq(EVAL("assert -7 // 2 == -4 and -7 % 2 == 1"), 0);
	ck_assert_int_eq(EVAL("assert tcpi_probes == 6, tcpi_probes"),
			 TS_PKT_CODE_FAILED);
	ck_assert_str_eq(why, "assertion failed: tcpi_probes == 6 "
			      "(tcpi_probes is 2)");
	ck_assert_int_eq(EVAL("assert tcpi_state == TCP_CLOSE"),
			 TS_PKT_CODE_FAILED);
	ck_assert_str_eq(why, "assertion failed: tcpi_state == TCP_CLOSE");
	/* what tcpsim cannot answer is unsupported, named */
	ck_assert_int_eq(EVAL("assert tcpi_delivered == 2"),
			 TS_PKT_CODE_UNSUPPORTED);
	ck_assert_int_eq(EVAL("assert tcpi_sacked == 0"),
			 TS_PKT_CODE_UNSUPPORTED);
	ck_assert_str_eq(why, "a Python %{ }% block naming tcpi_sacked "
			      "(unknown to tcpsim)");
	ck_assert_int_eq(EVAL("print(tcpi_state)"), TS_PKT_CODE_UNSUPPORTED);
	ck_assert_int_eq(EVAL("assert tcpi_state == ["),
			 TS_PKT_CODE_UNSUPPORTED);
#undef EVAL
}
END_TEST

/* A block in a script reads the socket under test, at its time. */
START_TEST(run_code_block)
{
	char msg[2048];
	int rc =
	    run_text(SERVER "+0 %{ assert tcpi_state == TCP_ESTABLISHED "
			    "}%\n"
			    "+0 < P. 1:1001(1000) ack 1 win 32792\n"
			    "+0 %{ assert tcpi_bytes_received == 1000, "
			    "tcpi_bytes_received }%\n"
			    "+0 < F. 1001:1001(0) ack 1 win 32792\n"
			    "+0 %{ assert tcpi_state == TCP_CLOSE_WAIT }%\n",
		     msg, sizeof msg);
	ck_assert_msg(rc == TCPSIM_OK, "%s", msg);
	rc = run_text(SERVER "+0 %{ assert tcpi_state == TCP_CLOSE, "
			     "tcpi_state }%\n",
		      msg, sizeof msg);
	ck_assert_int_eq(rc, TCPSIM_FAILED);
	ck_assert_str_eq(msg, "t.pkt:9: assertion failed: tcpi_state == "
			      "TCP_CLOSE (tcpi_state is 4)");
}
END_TEST

START_TEST(run_wrong_result)
{
	char msg[2048];
	int rc = run_text(SERVER "+0 close(4) = -1 EBADF (Bad file)\n", msg,
			  sizeof msg);
	ck_assert_int_eq(rc, TCPSIM_FAILED);
	ck_assert_str_eq(msg, "t.pkt:9: runtime error in close call: "
			      "Expected result -1 but got 0");
	rc = run_text(SERVER "+0 close(4) = 0\n"
			     "+0 read(4, ..., 10) = -1 ENOTCONN\n",
		      msg, sizeof msg);
	ck_assert_int_eq(rc, TCPSIM_FAILED);
	ck_assert_str_eq(msg, "t.pkt:10: runtime error in read call: "
			      "Expected errno 107 (Transport endpoint is not "
			      "connected) but got 9 (Bad file descriptor)");
	/* The protocol is checked as Linux's inet_create() does. */
	rc = run_text("0 socket(..., SOCK_STREAM, IPPROTO_UDP) = 3\n", msg,
		      sizeof msg);
	ck_assert_int_eq(rc, TCPSIM_FAILED);
	ck_assert_str_eq(msg, "t.pkt:1: runtime error in socket call: "
			      "Expected non-negative result but got -1 with "
			      "errno 93 (Protocol not supported)");
	/* A NULL buffer where bytes would be copied: EFAULT. */
	rc = run_text(SERVER "+0 write(4, NULL, 10) = -1 EFAULT (Bad)\n"
			     "+0 read(4, NULL, 10) = -1 EAGAIN\n",
		      msg, sizeof msg);
	ck_assert_int_eq(rc, TCPSIM_FAILED);
	ck_assert_str_eq(msg, "t.pkt:10: runtime error in read call: the "
			      "call blocked, and the script does not expect "
			      "it to (a blocking call is written "
			      "START...END)");
}
END_TEST

START_TEST(run_wrong_time)
{
	char msg[2048];
	int rc = run_text(SERVER "+0 write(4, ..., 1000) = 1000\n"
				 "+.5 > P. 1:1001(1000) ack 1\n",
			  msg, sizeof msg);
	ck_assert_int_eq(rc, TCPSIM_FAILED);
	static const char late[] =
	    "t.pkt:10: timing error: expected outbound packet at 0.600000 sec "
	    "but happened at 0.100000 sec; tolerance 0.062500 sec\n";
	ck_assert_msg(!strncmp(msg, late, sizeof late - 1), "%s", msg);
	rc = run_text(SERVER "+0 write(4, ..., 1000) = 1000\n"
			     "+.3~+.4 > P. 1:1001(1000) ack 1\n",
		      msg, sizeof msg);
	ck_assert_int_eq(rc, TCPSIM_FAILED);
	ck_assert_msg(strstr(msg, "t.pkt:10: timing error: expected outbound "
				  "packet in relative time range "
				  "+0.300000~+0.400000 sec but happened at "
				  "+0.000000 sec\n"),
		      "%s", msg);
	/* Nothing is sent: packetdrill gives up two seconds after. */
	rc = run_text(SERVER "+0 > . 1:1(0) ack 1\n", msg, sizeof msg);
	ck_assert_int_eq(rc, TCPSIM_FAILED);
	ck_assert_str_eq(msg, "t.pkt:9: error handling packet: Timed out "
			      "waiting for packet");
	/* A blocking call returns when the script says, or fails. */
	rc = run_text("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
		      "+0 bind(3, ..., ...) = 0\n"
		      "+0 listen(3, 1) = 0\n"
		      "+0...0.100 accept(3, ..., ...) = 4\n"
		      "+0 < S 0:0(0) win 32792 <mss 1000>\n"
		      "+0 > S. 0:0(0) ack 1 <...>\n"
		      "+.2 < . 1:1(0) ack 1 win 32792\n",
		      msg, sizeof msg);
	ck_assert_int_eq(rc, TCPSIM_FAILED);
	ck_assert_str_eq(msg, "t.pkt:4: timing error: expected system call "
			      "return at 0.100000 sec but happened at "
			      "0.200000 sec; tolerance 0.012500 sec");
	rc = run_text("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
		      "+0 bind(3, ..., ...) = 0\n"
		      "+0 listen(3, 1) = 0\n"
		      "+0...0.200 accept(3, ..., ...) = 4\n"
		      "+0 < S 0:0(0) win 32792 <mss 1000>\n"
		      "+0 > S. 0:0(0) ack 1 <...>\n"
		      "+.2 < . 1:1(0) ack 1 win 32792\n",
		      msg, sizeof msg);
	ck_assert_msg(rc == TCPSIM_OK, "%s", msg);
}
END_TEST

START_TEST(run_unsupported)
{
	char msg[2048];
	int rc =
	    run_text(SERVER "+0 ioctl(4, SIOCINQ, [0]) = 0\n", msg, sizeof msg);
	ck_assert_int_eq(rc, TS_PKT_UNSUPPORTED);
	ck_assert_str_eq(msg, "t.pkt:9: unsupported: the system call ioctl()");
	rc = run_text("`set_sysctls.py /proc/sys/net/ipv4/tcp_no_such=1`\n"
		      "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n",
		      msg, sizeof msg);
	ck_assert_int_eq(rc, TS_PKT_UNSUPPORTED);
	ck_assert_str_eq(msg, "t.pkt:1: unsupported: the sysctl "
			      "net.ipv4.tcp_no_such (no such setting in the "
			      "model)");
	/* A failure before it is the verdict. */
	rc = run_text(SERVER "+0 close(4) = 1\n+0 ioctl(4, SIOCINQ, [0]) = 0\n",
		      msg, sizeof msg);
	ck_assert_int_eq(rc, TCPSIM_FAILED);
}
END_TEST

/* Fast Open options (RFC 7413 §2): FO and FOEXP, a request, a cookie in
 * hexadecimal that may start as a number, a symbol given with -D; an
 * undefined symbol or an odd cookie is an error. */
START_TEST(parse_fastopen_options)
{
	ts_pkt_config cfg;
	char m[160];
	tcpsim_error err;
	ts_pkt_config_init(&cfg);
	ck_assert_int_eq(ts_pkt_config_define(
			     &cfg, "TFO_COOKIE=3021b9d889017eeb", m, sizeof m),
			 0);
	ck_assert_int_eq(ts_pkt_config_define(&cfg, "NOEQUALS", m, sizeof m),
			 -1);
	static const char text[] =
	    "0 < S 0:10(10) win 1 <mss 1460,FO,nop,nop>\n"
	    "+0 < S 0:10(10) win 1 <FO 3021b9d889017eeb,nop,nop>\n"
	    "+0 < S 0:10(10) win 1 <FOEXP TFO_COOKIE>\n"
	    "+0 < S 0:10(10) win 1 <FO abcd1234,nop,nop>\n";
	ts_pkt_script *s =
	    ts_pkt_parse("t.pkt", text, strlen(text), &cfg, &err);
	ck_assert_msg(s != NULL, "%s", err.message);
	const ts_pkt_packet *p = &s->events[0].u.pkt;
	ck_assert_int_eq(p->opts[1].kind, TS_PKT_OPT_FO);
	ck_assert_int_eq(p->opts[1].a, 0);
	p = &s->events[1].u.pkt;
	ck_assert_int_eq(p->opts[0].kind, TS_PKT_OPT_FO);
	ck_assert_int_eq(p->opts[0].a, 8);
	ck_assert_int_eq(p->opts[0].cookie[0], 0x30);
	ck_assert_int_eq(p->opts[0].cookie[7], 0xeb);
	ck_assert_int_eq(p->nopts, 3);
	p = &s->events[2].u.pkt;
	ck_assert_int_eq(p->opts[0].kind, TS_PKT_OPT_FOEXP);
	ck_assert_int_eq(p->opts[0].a, 8);
	ck_assert_int_eq(p->opts[0].cookie[1], 0x21);
	p = &s->events[3].u.pkt;
	ck_assert_int_eq(p->opts[0].a, 4);
	ck_assert_int_eq(p->opts[0].cookie[0], 0xab);
	ts_pkt_script_free(s);
	parse_fails("0 < S 0:10(10) win 1 <FOEXP TFO_COOKIE>\n", 1, 29,
		    "undefined symbol 'TFO_COOKIE' as a Fast Open cookie "
		    "(define it: -D TFO_COOKIE=HEX)");
	parse_fails("0 < S 0:10(10) win 1 <FO abc>\n", 1, 26,
		    "a Fast Open cookie takes 1 to 16 bytes in hexadecimal "
		    "digits, two a byte");
}
END_TEST

/* A SYN with a cookie reaches a listener with Fast Open: the SYN-ACK
 * acknowledges its data, a request gets the cookie, checked byte by
 * byte (a wrong one fails on the option). */
START_TEST(run_fastopen_server)
{
	char msg[2048];
	static const char pre[] =
	    "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
	    "+0 `sysctl -q net.ipv4.tcp_fastopen=0x602 "
	    "net.ipv4.tcp_timestamps=0`\n"
	    "+0 bind(3, ..., ...) = 0\n"
	    "+0 listen(3, 1) = 0\n";
	char text[1024];
	snprintf(text, sizeof text,
		 "%s+0 < S 0:10(10) win 32792 <mss 1460,nop,nop,sackOK>\n"
		 "+0 > S. 0:0(0) ack 11 <mss 1460,nop,nop,sackOK>\n"
		 "+0 accept(3, ..., ...) = 4\n"
		 "+0 %%{ assert tcpi_state == TCP_SYN_RECV }%%\n"
		 "+0 %%{ assert (tcpi_options & TCPI_OPT_SYN_DATA) != 0 }%%\n"
		 "+0 read(4, ..., 100) = 10\n",
		 pre);
	int rc = run_text(text, msg, sizeof msg);
	ck_assert_msg(rc == TCPSIM_OK, "%s", msg);
	/* the option checked: a request answered, the cookie compared */
	snprintf(
	    text, sizeof text,
	    "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
	    "+0 `sysctl -q net.ipv4.tcp_fastopen=3`\n"
	    "+0 setsockopt(3, SOL_TCP, TCP_FASTOPEN, [1], 4) = 0\n"
	    "+0 bind(3, ..., ...) = 0\n"
	    "+0 listen(3, 1) = 0\n"
	    "+0 < S 0:0(0) win 32792 <mss 1460,nop,nop,sackOK,FO,nop,nop>\n"
	    "+0 > S. 0:0(0) ack 1 <mss 1460,nop,nop,sackOK,FO "
	    "0011223344556677,nop,nop>\n");
	rc = run_text(text, msg, sizeof msg);
	ck_assert_int_eq(rc, TCPSIM_FAILED);
	ck_assert_msg(strstr(msg, "bad value in outbound TCP option "
				  "(kind=34)") != NULL,
		      "%s", msg);
}
END_TEST

static Suite *pkt_suite(void)
{
	Suite *s = suite_create("pkt");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, parse_times);
	tcase_add_test(tc, parse_packets);
	tcase_add_test(tc, parse_calls);
	tcase_add_test(tc, parse_preamble);
	tcase_add_test(tc, parse_unsupported);
	tcase_add_test(tc, parse_errors);
	tcase_add_test(tc, code_asserts);
	tcase_add_test(tc, parse_fastopen_options);
	suite_add_tcase(s, tc);
	tc = tcase_create("run");
	tcase_add_test(tc, run_passes);
	tcase_add_test(tc, run_wrong_field);
	tcase_add_test(tc, run_wrong_result);
	tcase_add_test(tc, run_wrong_time);
	tcase_add_test(tc, run_unsupported);
	tcase_add_test(tc, run_code_block);
	tcase_add_test(tc, run_fastopen_server);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(pkt_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
