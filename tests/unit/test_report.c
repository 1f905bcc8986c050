/*
 * test_report.c - how events are written: the report's lines (its header
 * and columns, failed expectations and failed lines as it words them), the
 * --why chains behind a failed call and an RST, and each event as JSON and
 * as a packet.
 *
 * Everything goes through <tcpsim.h> alone: a trace text in, the report
 * text, the events and the status out.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sink.h"
#include "tcpsim.h"

/* ---------------------------------------------------------------------- */
/* Failed expectations and failed lines, as the report words them */

START_TEST(fail_expect_lines)
{
	static const char text[] = BASE "+0.1   expect client c state CLOSED\n"
					"expect client terminated\n"
					"expect no client>server ACK\n"
					"expect server>client RST\n";
	struct buf b = {0};
	tcpsim_error e;
	ck_assert_int_eq(run(text, &b, &e), TCPSIM_FAILED);
	HAS(&b, "expect  client c state CLOSED: FAILED\n");
	HAS(&b, "FAIL    t.trace:7: expected client c state CLOSED, got "
		"ESTABLISHED\n");
	HAS(&b, "FAIL    t.trace:8: expected client terminated, got a running "
		"process\n");
	/* The handshake's third segment is the client's one ACK. */
	HAS(&b, "expect  no client>server ACK: FAILED (1 sent)\n");
	HAS(&b, "FAIL    t.trace:9: expected no client>server ACK, got 1\n");
	HAS(&b, "FAIL    t.trace:10: expected server>client RST, got none\n");
	HAS(&b, "# 10 expectations checked, 4 failed\n");
	free(b.data);
}
END_TEST

/* An expect line without a time is checked at the time of the line before,
 * even while that line's call is blocked: the failure says so and names
 * the call. With a time, or when no call is blocked, it does not. */
START_TEST(fail_expect_while_blocked)
{
	static const char text[] = BASE "+0.1   client: read(c, 10) = 0\n"
					"expect server>client FIN\n"
					"expect client c state CLOSE_WAIT\n"
					"+0.2   server: close(a) = 0\n"
					"+0.1   expect server>client RST\n";
	struct buf b = {0};
	tcpsim_error e;
	ck_assert_int_eq(run(text, &b, &e), TCPSIM_FAILED);
	HAS(&b, "FAIL    t.trace:8: expected server>client FIN, got none "
		"(checked while line 7, client: read(c, 10), was still "
		"blocked: a line without a time is checked at the time of the "
		"line before and waits for no call; give it a time to check it "
		"later)\n");
	HAS(&b, "FAIL    t.trace:9: expected client c state CLOSE_WAIT, got "
		"ESTABLISHED (checked while line 7, client: read(c, 10), was "
		"still blocked");
	/* with a time: checked when it says, no word of the blocked call */
	HAS(&b, "FAIL    t.trace:11: expected server>client RST, got none\n");
	free(b.data);
}
END_TEST

START_TEST(fail_host_events)
{
	/* kill with no process, crash of a host that is down, reboot of a
	 * host that is up, a call on a host that is down, and a call on a
	 * variable of the process before the reboot. */
	static const char text[] = BASE "+0.1   server: kill\n"
					"+0     server: kill\n"
					"+0     client: crash\n"
					"+0     client: crash\n"
					"+0     server: reboot\n"
					"+0     client: x = socket()\n"
					"+1     client: reboot\n"
					"+0     client: close(c)\n"
					"expect client terminated\n";
	struct buf b = {0};
	tcpsim_error e;
	ck_assert_int_eq(run(text, &b, &e), TCPSIM_FAILED);
	HAS(&b, "server  skip    kill not run: no process\n");
	HAS(&b, "FAIL    t.trace:8: expected a process to kill, got none\n");
	HAS(&b, "FAIL    t.trace:10: expected client to be up, got down\n");
	HAS(&b, "FAIL    t.trace:11: expected server to be down for reboot, "
		"got up\n");
	HAS(&b, "client  skip    x = socket() not run: host is down\n");
	HAS(&b, "FAIL    t.trace:12: expected x = socket() to run, got: host "
		"is down\n");
	HAS(&b, "client  skip    close(c) not run: variable c is not bound\n");
	HAS(&b, "FAIL    t.trace:14: expected variable c to name a socket, "
		"got none (its binding call failed, or its process was "
		"restarted)\n");
	/* The rebooted host runs a fresh process. */
	HAS(&b, "FAIL    t.trace:15: expected client terminated, got a running "
		"process\n");
	free(b.data);

	/* A crashed host is not "terminated" either. */
	b = (struct buf){0};
	ck_assert_int_eq(
	    run("0 client: crash\nexpect client terminated\n", &b, &e),
	    TCPSIM_FAILED);
	HAS(&b, "expected client terminated, got a crashed host\n");
	free(b.data);
}
END_TEST

START_TEST(fail_result_forms)
{
	/* Each form of RESULT, failed: an address, a poll set, a count, a
	 * SIGPIPE that did not come, and a binding call that failed
	 * (accept() on a connected socket: EINVAL, Linux inet_accept). */
	static const char text[] =
	    BASE "+0.1   client: getsockname(c) = 10.0.0.1:1\n"
		 "+0     client: poll(c, POLLIN, 0) = POLLIN\n"
		 "+0     client: write(c, 10) = 5\n"
		 "+0     client: write(c, 10) = 10 +SIGPIPE\n"
		 "+0     server: b = accept(a)\n"
		 "+0     client: getpeername(c) = -1 ENOTCONN\n";
	struct buf b = {0};
	tcpsim_error e;
	ck_assert_int_eq(run(text, &b, &e), TCPSIM_FAILED);
	HAS(&b, "t.trace:7: expected getsockname(c) = 10.0.0.1:1, got "
		"10.0.0.1:40000\n");
	HAS(&b, "t.trace:8: expected poll(c, POLLIN, 0) = POLLIN, got 0\n");
	HAS(&b, "t.trace:9: expected write(c, 10) = 5, got 10\n");
	HAS(&b, "t.trace:10: expected write(c, 10) = 10 +SIGPIPE, got 10\n");
	HAS(&b, "t.trace:11: expected b = accept(a) = success, got -1 EINVAL "
		"(Invalid argument)\n");
	HAS(&b, "t.trace:12: expected getpeername(c) = -1 ENOTCONN, got "
		"10.0.0.2:80\n");
	HAS(&b, "# 12 expectations checked, 6 failed\n");
	free(b.data);
}
END_TEST

START_TEST(fail_blocked_calls)
{
	/* A call blocked when its process is killed never returns; one
	 * blocked at the end of the run is still blocked, and the lines
	 * queued behind it never run. */
	static const char killed[] = BASE "+0.1   server: x = accept(s)\n"
					  "+1     server: kill\n";
	struct buf b = {0};
	tcpsim_error e;
	ck_assert_int_eq(run(killed, &b, &e), TCPSIM_FAILED);
	HAS(&b, "   1.100000  server  proc    x = accept(s) never returns: "
		"killed\n");
	HAS(&b, "FAIL    t.trace:7: expected the call to return, got: "
		"killed\n");
	/* The kernel closes a as close() would: no unread data, so a FIN
	 * (Linux __tcp_close). */
	HAS(&b, "server  state   a ESTABLISHED -> FIN_WAIT_1 (process exit)");
	free(b.data);

	static const char stuck[] = BASE "+0.1   server: x = accept(s)\n"
					 "+0     server: close(a) = 0\n"
					 "+0     server: y = socket()\n"
					 "+0     client: read(c, 1)\n";
	b = (struct buf){0};
	ck_assert_int_eq(run(stuck, &b, &e), TCPSIM_FAILED);
	HAS(&b, "server  proc    x = accept(s) still blocked: nothing left to "
		"happen\n");
	HAS(&b, "t.trace:7: expected the call to return, got: still blocked "
		"at the end of the run\n");
	HAS(&b, "t.trace:8: expected the line to run, got: its process stayed "
		"blocked\n");
	HAS(&b, "t.trace:9: expected the line to run, got: its process stayed "
		"blocked\n");
	HAS(&b, "client  proc    read(c, 1) still blocked");
	free(b.data);
}
END_TEST

START_TEST(fail_many_lines_behind_a_blocked_call)
{
	/* Forty lines queue behind a blocked read(): the queue grows, then
	 * is compacted as the lines run; they run in file order once the
	 * data arrives. */
	char text[8192] = BASE "+0.1   server: read(a, 10) = 10\n";
	for (int i = 0; i < 40; i++)
		addf(text, sizeof text,
		     "+0     server: getsockopt(a, SO_ERROR) = 0\n");
	addf(text, sizeof text,
	     "+1     client: write(c, 10) = 10\n"
	     "+0.1   server: read(a, 10) = 10\n");
	for (int i = 0; i < 20; i++)
		addf(text, sizeof text,
		     "+0     server: getsockname(a) = 10.0.0.2:80\n");
	addf(text, sizeof text, "+1     client: write(c, 10) = 10\n");
	struct buf b = {0};
	tcpsim_error e;
	ck_assert_int_eq(run(text, &b, &e), TCPSIM_OK);
	HAS(&b, "   1.110000  server  return  read(a, 10) = 10  (blocked "
		"since 0.100000)\n");
	HAS(&b, "   2.210000  server  return  read(a, 10) = 10  (blocked "
		"since 1.200000)\n");
	HAS(&b, "# 70 expectations checked, 0 failed\n");
	free(b.data);
}
END_TEST

START_TEST(fail_kill_during_lingering_close)
{
	/* close() with SO_LINGER {1, 10} waits for the ACK of its FIN, which
	 * the network drops. SIGKILL ends the wait: the call never returns,
	 * and the connection goes on as an orphan (Linux __tcp_close: after
	 * sk_stream_wait_close the socket is orphaned either way), its FIN
	 * retransmitted until the ACK gets through. */
	static const char text[] =
	    BASE "+0.1   net: drop server>client all\n"
		 "+0     client: setsockopt(c, SO_LINGER, 1, 10) = 0\n"
		 "+0     client: close(c)\n"
		 "+1     client: kill\n"
		 "+0     expect client c state FIN_WAIT_1\n"
		 "+0     net: heal\n"
		 "+2     expect client c state FIN_WAIT_2\n"
		 "expect client terminated\n";
	struct buf b = {0};
	tcpsim_error e;
	ck_assert_int_eq(run(text, &b, &e), TCPSIM_FAILED);
	HAS(&b,
	    "   1.100000  client  proc    close(c) never returns: killed\n");
	HAS(&b, "t.trace:9: expected the call to return, got: killed\n");
	HAS(&b, "client  state   c FIN_WAIT_1 -> FIN_WAIT_2 (ACK #13 of our "
		"FIN)\n");
	HAS(&b, "client  timer   c orphaned FIN_WAIT_2 timed out");
	HAS(&b, "# 10 expectations checked, 1 failed\n");
	free(b.data);
}
END_TEST

START_TEST(fail_queue_compacted_while_blocked)
{
	/* Sixteen lines wait behind a blocked read(); when it returns, the
	 * next read() blocks again with fifteen still queued, and more lines
	 * queue behind them: the queue is compacted, not grown, and every
	 * line still runs in file order. */
	char text[8192] = BASE "+0.1   server: read(a, 10) = 10\n"
			       "+0     server: read(a, 10) = 10\n";
	for (int i = 0; i < 15; i++)
		addf(text, sizeof text,
		     "+0     server: getsockopt(a, SO_ERROR) = 0\n");
	addf(text, sizeof text, "+1     client: write(c, 10) = 10\n");
	for (int i = 0; i < 5; i++)
		addf(text, sizeof text,
		     "+0     server: getsockname(a) = 10.0.0.2:80\n");
	addf(text, sizeof text,
	     "+0     server: close(a) = 0\n"
	     "+1     client: write(c, 10) = 10\n");
	struct buf b = {0};
	tcpsim_error e;
	ck_assert_int_eq(run(text, &b, &e), TCPSIM_OK);
	HAS(&b, "   2.110000  server  return  read(a, 10) = 10  (blocked "
		"since 1.110000)\n");
	HAS(&b, "   2.110000  server  call    close(a) = 0\n");
	free(b.data);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* --why: the causes behind a failed call and an RST */

START_TEST(why_forged_rst)
{
	/* A forged RST at RCV.NXT resets the client (RFC 5961 §3.2); the
	 * read reports the pending error once (Linux sock_error), the write
	 * after it finds a closed socket: EPIPE. */
	static const char text[] = BASE
	    "+0.1   net: inject server:80>client:40000 RST seq 2001 ack 0\n"
	    "+0.1   client: signal(SIGPIPE, SIG_IGN) = 0\n"
	    "+0     client: read(c, 10) = -1 ECONNRESET\n"
	    "+0     client: write(c, 10) = -1 EPIPE\n"
	    "+0     server: shutdown(a, SHUT_WR) = 0\n"
	    "+0     server: signal(SIGPIPE, SIG_IGN) = 0\n"
	    "+0     server: write(a, 10) = -1 EPIPE\n";
	struct buf b = {0};
	tcpsim_error e;
	ck_assert_int_eq(run_why(text, &b, &e, 1), TCPSIM_OK);
	HAS(&b, "client  why     read(c, 10) = -1 ECONNRESET \xe2\x86\x90 "
		"pending error set when segment #4 (RST) arrived in "
		"ESTABLISHED");
	HAS(&b, "#4 (RST) sent by server when line 7 (net: inject "
		"server:80>client:40000 RST seq 2001 ack 0) forged it");
	HAS(&b, "client  why     write(c, 10) = -1 EPIPE \xe2\x86\x90 the "
		"connection closed (from ESTABLISHED) when segment #4 (RST) "
		"arrived");
	HAS(&b, "server  why     write(a, 10) = -1 EPIPE \xe2\x86\x90 the "
		"socket is FIN_WAIT_1, its sending side shut\n");
	free(b.data);
}
END_TEST

START_TEST(why_rst_in_reply_to_an_ack)
{
	/* The server reboots with data in flight; the client's ACK of it
	 * meets no socket and is answered with an RST (no-connection). The
	 * chain names the ACK as a plain segment: no RST reason of its
	 * own. */
	static const char text[] =
	    "host client 10.0.0.1\nhost server 10.0.0.2\n"
	    "link client server delay 10ms\n" BASE
	    "+0.1   server: write(a, 100) = 100\n"
	    "+0.005 server: crash\n"
	    "+0     server: reboot\n"
	    "+1     client: read(c, 200) = 100\n"
	    "+0     client: read(c, 200) = -1 ECONNRESET\n";
	struct buf b = {0};
	tcpsim_error e;
	ck_assert_int_eq(run_why(text, &b, &e, 1), TCPSIM_OK);
	HAS(&b, "(no_tcp_socket)] \xe2\x86\x90 in reply to #5 (ACK) sent by "
		"client \xe2\x86\x90 in reply to #4 (PSH|ACK) sent by server "
		"when line 10 (server: write(a, 100) = 100) ran");
	free(b.data);
}
END_TEST

START_TEST(why_timer_and_many_segments)
{
	/* More than 512 segments (the table of causes grows), then a
	 * retransmission timeout that ends the connection: the error
	 * comes from the timer (RFC 9293 §3.10.8: no RST). */
	char text[16384] = "set client tcp_retries2 2\n" BASE;
	for (int i = 0; i < 300; i++)
		addf(text, sizeof text, "+0.1 client: write(c, 1) = 1\n");
	addf(text, sizeof text,
	     "+0.1   server: crash\n"
	     "+0     client: write(c, 1) = 1\n"
	     "+10    client: read(c, 1) = -1 ETIMEDOUT\n");
	struct buf b = {0};
	tcpsim_error e;
	ck_assert_int_eq(run_why(text, &b, &e, 1), TCPSIM_OK);
	HAS(&b, "read(c, 1) = -1 ETIMEDOUT \xe2\x86\x90 pending error set "
		"when the retransmission timer fired in ESTABLISHED");
	HASNT(&b, "sends RST");
	free(b.data);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* The report: header, widths, addresses */

START_TEST(wire_expect_compares_every_sack_block)
{
	/* "sack L:R ..." names exactly the blocks, in order (doc/
	 * trace-format.md): a segment with block 2449:3897 matches that and
	 * not 1:3897, whose first edge differs. */
	static const char text[] =
	    "host client 10.0.0.1\nhost server 10.0.0.2\n" BASE
	    "+0.1   net: delay client>server 30ms 1 DATA\n"
	    "+0     client: write(c, 2896) = 2896\n"
	    "+0.1   expect server>client ACK sack 2449:3897\n"
	    "expect no server>client ACK sack 1:3897\n"
	    "expect no server>client ACK sack 2449:3898\n";
	struct buf b = {0};
	tcpsim_error e;
	ck_assert_int_eq(run(text, &b, &e), TCPSIM_OK);
	free(b.data);
}
END_TEST

START_TEST(report_seed_and_long_host_names)
{
	/* The header names a seed when one is given; the HOST column is as
	 * wide as the longest host name. */
	static const char text[] = "host frontend-proxy 10.0.0.1\n"
				   "host db 10.0.0.2\n"
				   "0 frontend-proxy: c = socket()\n";
	struct buf b = {0};
	tcpsim_options o;
	tcpsim_options_init(&o);
	o.write = sink;
	o.write_ctx = &b;
	o.seed = 42;
	ck_assert_int_eq(
	    tcpsim_run_trace("t.trace", text, sizeof text - 1, &o, NULL),
	    TCPSIM_OK);
	HAS(&b, "# tcpsim ");
	HAS(&b, ": t.trace (profile linux, seed 42)\n");
	HAS(&b, "       TIME  HOST            EVENT   DETAIL\n");
	HAS(&b, "   0.000000  frontend-proxy  call    c = socket() = 3\n");
	free(b.data);
}
END_TEST

START_TEST(report_seed_changes_isn)
{
	/* --seed moves the initial sequence numbers off the documented
	 * series, deterministically. */
	static const char text[] = BASE;
	struct buf a = {0}, b = {0}, c = {0};
	tcpsim_options o;
	tcpsim_options_init(&o);
	o.write = sink;
	o.write_ctx = &a;
	tcpsim_run_trace("t", text, sizeof text - 1, &o, NULL);
	o.seed = 7;
	o.write_ctx = &b;
	tcpsim_run_trace("t", text, sizeof text - 1, &o, NULL);
	o.write_ctx = &c;
	tcpsim_run_trace("t", text, sizeof text - 1, &o, NULL);
	HAS(&a, "SYN     seq=1000 ack=0");
	HASNT(&b, "SYN     seq=1000 ack=0");
	ck_assert_str_eq(b.data, c.data);
	free(a.data);
	free(b.data);
	free(c.data);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Events: JSON and packets */

struct evlog {
	int n, replays;
	char json[4096];
	unsigned char pkt[2048];
	size_t pktlen;
};

static void collect_replay(void *ctx, const tcpsim_event *ev)
{
	struct evlog *l = ctx;
	l->n++;
	if (ev->kind == TCPSIM_EV_REPLAY) {
		char *j = tcpsim_event_json(ev, (unsigned long long)l->n);
		ck_assert_ptr_nonnull(j);
		snprintf(l->json, sizeof l->json, "%s", j);
		free(j);
		l->pktlen = tcpsim_event_packet(ev, l->pkt, sizeof l->pkt);
		l->replays++;
	}
}

START_TEST(event_replay_json)
{
	static const char text[] = BASE "+0.1   net: replay 1\n";
	struct evlog l;
	memset(&l, 0, sizeof l);
	tcpsim_options o;
	tcpsim_options_init(&o);
	o.event = collect_replay;
	o.event_ctx = &l;
	ck_assert_int_eq(tcpsim_run_trace("t", text, sizeof text - 1, &o, NULL),
			 TCPSIM_OK);
	ck_assert_int_eq(l.replays, 1);
	ck_assert_ptr_nonnull(strstr(l.json, "\"replay_of\":1"));
	/* The copy of the SYN: MSS, SACK-permitted, timestamps, NOP and
	 * window scale. */
	ck_assert_uint_eq(l.pktlen, 20 + 20 + 4 + 2 + 10 + 4);
}
END_TEST

/* SEND and RECV carry the connection's sequence variables and timers: the
 * sender's as the segment left it, the receiver's as it arrived. */
struct varlog {
	tcpsim_seqvars syn_sent, syn_at_server, synack_at_client, data_sent;
};

static void collect_vars(void *ctx, const tcpsim_event *ev)
{
	struct varlog *l = ctx;
	if (ev->kind == TCPSIM_EV_SEND && ev->u.seg.segno == 1)
		l->syn_sent = ev->u.seg.vars;
	if (ev->kind == TCPSIM_EV_RECV && ev->u.seg.segno == 1)
		l->syn_at_server = ev->u.seg.vars;
	if (ev->kind == TCPSIM_EV_RECV && ev->u.seg.segno == 2)
		l->synack_at_client = ev->u.seg.vars;
	if (ev->kind == TCPSIM_EV_SEND && ev->u.seg.seg.len == 100)
		l->data_sent = ev->u.seg.vars;
}

START_TEST(event_seqvars)
{
	static const char text[] = BASE "+0.1   client: write(c, 100) = 100\n";
	struct varlog l;
	memset(&l, 0, sizeof l);
	tcpsim_options o;
	tcpsim_options_init(&o);
	o.event = collect_vars;
	o.event_ctx = &l;
	ck_assert_int_eq(tcpsim_run_trace("t", text, sizeof text - 1, &o, NULL),
			 TCPSIM_OK);
	/* the SYN (ISN 1000) as it left: SND.NXT past it, nothing received */
	ck_assert_int_eq(l.syn_sent.valid, 1);
	ck_assert_int_eq(l.syn_sent.state, TCPSIM_SYN_SENT);
	ck_assert_uint_eq(l.syn_sent.snd_una, 1000);
	ck_assert_uint_eq(l.syn_sent.snd_nxt, 1001);
	/* a listener has no connection for it */
	ck_assert_int_eq(l.syn_at_server.valid, 0);
	/* the SYN-ACK arriving: the SYN's retransmission timer (1 s) on */
	ck_assert_int_eq(l.synack_at_client.state, TCPSIM_SYN_SENT);
	ck_assert_int_eq(
	    l.synack_at_client.timer_us[TCPSIM_TIMER_RETRANSMISSION], 1000000);
	ck_assert_int_eq(l.synack_at_client.timer_us[TCPSIM_TIMER_KEEPALIVE],
			 -1);
	/* the data: 100 bytes past SND.UNA, RCV.NXT past the SYN-ACK */
	ck_assert_int_eq(l.data_sent.state, TCPSIM_ESTABLISHED);
	ck_assert_uint_eq(l.data_sent.snd_una, 1001);
	ck_assert_uint_eq(l.data_sent.snd_nxt, 1101);
	ck_assert_uint_eq(l.data_sent.rcv_nxt, 2001);
	ck_assert_uint_eq(l.data_sent.snd_cwnd, 10);
	ck_assert_uint_gt(l.data_sent.snd_wnd, 0);
}
END_TEST

/* The TCP checksum of a packet from tcpsim_event_packet, over the
 * pseudo-header: 0 when right. */
static unsigned tcp_sum(const unsigned char *p, size_t n)
{
	uint32_t acc = 0;
	const unsigned char *tcp = p + 20;
	size_t tl = n - 20;
	for (int i = 12; i < 20; i += 2)
		acc += (uint32_t)(p[i] << 8 | p[i + 1]);
	acc += 6 + (uint32_t)tl;
	for (size_t i = 0; i + 1 < tl; i += 2)
		acc += (uint32_t)(tcp[i] << 8 | tcp[i + 1]);
	if (tl & 1)
		acc += (uint32_t)tcp[tl - 1] << 8;
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (~acc) & 0xffff;
}

START_TEST(event_packet_options_and_checksum)
{
	tcpsim_event ev;
	memset(&ev, 0, sizeof ev);
	ev.kind = TCPSIM_EV_STATE;
	ev.time_us = 1234567;
	unsigned char p[256];

	/* An event of a kind without a segment: nothing. */
	ck_assert_uint_eq(tcpsim_event_packet(&ev, p, sizeof p), 0);
	ev.kind = TCPSIM_EV_INJECT;
	tcpsim_segment *sp = &ev.u.seg.seg;
#define s (*sp)
	s.saddr = 0x0a000001;
	s.daddr = 0x0a000002;
	s.sport = 40000;
	s.dport = 80;
	s.seq = 1000;
	s.win = 65535;

	/* SYN with timestamps but no SACK-permitted: NOP, NOP before the
	 * timestamps option, aligning it (RFC 7323 Appendix A). */
	s.flags = TCPSIM_SYN;
	s.mss = 1460;
	s.ts = 1;
	s.tsval = 1234;
	size_t n = tcpsim_event_packet(&ev, p, sizeof p);
	ck_assert_uint_eq(n, 20 + 20 + 4 + 12);
	ck_assert_int_eq(p[20 + 12] >> 4, 9); /* data offset: 36 bytes */
	static const unsigned char opts[] = {2, 4, 0x05, 0xb4, 1, 1, 8, 10};
	ck_assert_int_eq(memcmp(p + 40, opts, sizeof opts), 0);
	/* TSval, and TSecr 0 after it. */
	ck_assert_int_eq(p[48] << 24 | p[49] << 16 | p[50] << 8 | p[51], 1234);
	ck_assert_uint_eq(tcp_sum(p, n), 0);

	/* SYN with SACK-permitted alone: after two NOPs, as Linux writes
	 * it (tcp_options_write). */
	s.mss = 0;
	s.ts = 0;
	s.sack_ok = 1;
	n = tcpsim_event_packet(&ev, p, sizeof p);
	ck_assert_uint_eq(n, 20 + 20 + 4);
	static const unsigned char sack[] = {1, 1, 4, 2};
	ck_assert_int_eq(memcmp(p + 40, sack, sizeof sack), 0);
	ck_assert_uint_eq(tcp_sum(p, n), 0);

	/* An ACK with timestamps and two SACK blocks: NOP, NOP, TS, then
	 * NOP, NOP, SACK (RFC 2018 §3); and a SYN's window scale. */
	s.flags = TCPSIM_ACK;
	s.sack_ok = 0;
	s.ts = 1;
	s.tsval = 7;
	s.tsecr = 9;
	s.nsack = 2;
	s.sack[0][0] = 100;
	s.sack[0][1] = 200;
	s.sack[1][0] = 300;
	s.sack[1][1] = 400;
	n = tcpsim_event_packet(&ev, p, sizeof p);
	ck_assert_uint_eq(n, 20 + 20 + 12 + 4 + 16);
	static const unsigned char ts_sack[] = {
	    1, 1, 8, 10, 0, 0, 0, 7, 0, 0, 0, 9, 1, 1, 5, 18, 0, 0, 0, 100};
	ck_assert_int_eq(memcmp(p + 40, ts_sack, sizeof ts_sack), 0);
	ck_assert_uint_eq(tcp_sum(p, n), 0);
	s.nsack = 0;
	s.ts = 0;
	s.flags = TCPSIM_SYN;
	s.wscale_ok = 1;
	s.wscale = 10;
	n = tcpsim_event_packet(&ev, p, sizeof p);
	static const unsigned char ws[] = {1, 3, 3, 10};
	ck_assert_uint_eq(n, 20 + 20 + 4);
	ck_assert_int_eq(memcmp(p + 40, ws, sizeof ws), 0);
	s.wscale_ok = 0;

	/* Data of odd length: the checksum pads the last byte. */
	s.flags = TCPSIM_ACK | TCPSIM_PSH;
	s.sack_ok = 0;
	s.len = 7;
	n = tcpsim_event_packet(&ev, p, sizeof p);
	ck_assert_uint_eq(n, 20 + 20 + 7);
	ck_assert_uint_eq(tcp_sum(p, n), 0);

	/* Too small a buffer, or more than an IPv4 packet holds: 0. */
	ck_assert_uint_eq(tcpsim_event_packet(&ev, p, 46), 0);
	s.len = 65535;
	ck_assert_uint_eq(tcpsim_event_packet(&ev, p, sizeof p), 0);
#undef s
}
END_TEST

int main(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("failures");
	tcase_add_test(tc, wire_expect_compares_every_sack_block);
	tcase_add_test(tc, fail_expect_lines);
	tcase_add_test(tc, fail_expect_while_blocked);
	tcase_add_test(tc, event_seqvars);
	tcase_add_test(tc, fail_host_events);
	tcase_add_test(tc, fail_result_forms);
	tcase_add_test(tc, fail_blocked_calls);
	tcase_add_test(tc, fail_many_lines_behind_a_blocked_call);
	tcase_add_test(tc, fail_kill_during_lingering_close);
	tcase_add_test(tc, fail_queue_compacted_while_blocked);
	suite_add_tcase(s, tc);

	tc = tcase_create("why");
	tcase_add_test(tc, why_forged_rst);
	tcase_add_test(tc, why_rst_in_reply_to_an_ack);
	tcase_add_test(tc, why_timer_and_many_segments);
	suite_add_tcase(s, tc);

	tc = tcase_create("report");
	tcase_add_test(tc, report_seed_and_long_host_names);
	tcase_add_test(tc, report_seed_changes_isn);
	suite_add_tcase(s, tc);

	tc = tcase_create("events");
	tcase_add_test(tc, event_replay_json);
	tcase_add_test(tc, event_packet_options_and_checksum);
	suite_add_tcase(s, tc);

	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
