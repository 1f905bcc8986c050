/*
 * test_tcp.c - the TCP endpoint (src/tcp) and the socket calls on top of it
 * (src/sock), state by state, against Linux's behaviour (the notes on Linux
 * TCP teardown: which call gets which errno, with the kernel function behind
 * each) and RFC 9293.
 *
 * Pipeline: the test plays the remote peer. It puts a connection of host a
 * into a state with a chained fixture (harness.h), hands it crafted
 * segments (IN, INPUT) and socket calls (th_do), moves the virtual clock,
 * and compares every segment host a sends, whole, with the expected one
 * (OUT, ck_send). A few whole-trace tests at the end run two real hosts.
 *
 * Numbers: host a's ISS is LOCAL_ISS (1000), the peer's REMOTE_ISS (5000);
 * IN/OUT sequence numbers are offsets from them (1 = the first byte after
 * the SYN). The passive fixtures measure one 20 ms RTT, so the RTO of an
 * established connection is 220 ms; the connection is established at
 * 20 ms.
 */
#include <check.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/gen.h"
#include "harness.h"
#include "sink.h"

#define T_EST TS_MS(20)  /* when the fixtures' connection is established */
#define RTO   TS_MS(220) /* its RTO: 20 ms + max(4 * 10 ms, 200 ms) */

static void set_knob(th_conn *c, ts_knob k, int64_t v)
{
	c->t->sim->hosts[c->host].knob[k] = v;
}

/* Take every segment sent so far; the last one, or NULL. */
static const th_cap *last_sent(th *t)
{
	const th_cap *last = NULL;
	for (const th_cap *c; (c = th_take(t));)
		last = c;
	return last;
}

/* The socket of host a on (port, peer port), or NULL. */
static ts_sock *lookup(th *t, uint16_t lport, uint16_t rport)
{
	return ts_tcp_lookup(t->sim, &t->sim->hosts[0], lport, REMOTE_ADDR,
			     rport);
}

/* Take every segment sent so far: each must be WANT; their times into AT
 * (up to MAX); returns how many. */
static int take_copies(th *t, const ts_seg *want, ts_time *at, int max)
{
	int n = 0;
	for (const th_cap *k; (k = th_take(t));) {
		char m[600];
		ck_assert_msg(th_seg_eq(&k->seg, want, m, sizeof m),
			      "copy %d: %s", n, m);
		if (n < max)
			at[n] = k->at;
		n++;
	}
	return n;
}

/* The last three gaps between the times in AT[0..n) each double the one
 * before: the RTO backs off exponentially (RFC 6298 §5.5). */
static void ck_backoff(const ts_time *at, int n)
{
	ck_assert_int_ge(n, 4);
	ts_time g1 = at[n - 3] - at[n - 4], g2 = at[n - 2] - at[n - 3],
		g3 = at[n - 1] - at[n - 2];
	ck_assert_msg(g2 == 2 * g1 && g3 == 2 * g2,
		      "expected doubling gaps, got %lld, %lld, %lld us",
		      (long long)g1, (long long)g2, (long long)g3);
}

/* ====================================================================== */
/* LISTEN                                                                 */
/* ====================================================================== */

START_TEST(listen_syn)
{
	th_conn c = listening();
	INPUT(c, .flags = TS_SYN, .seq = 0);
	/* RFC 9293 §3.10.7.2: <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>, with our
	 * MSS option. */
	ck_send(c.t, OUT(c, .flags = TS_SYN | TS_ACK, .seq = 0, .ack = 1));
	ck_no_send(c.t);
	ck_state(c, TS_LISTEN);
	ts_sock *child = lookup(c.t, LOCAL_PORT, REMOTE_PORT);
	ck_assert_ptr_nonnull(child);
	ck_assert_int_eq(child->state, TS_SYN_RECEIVED);
	ck_assert_uint_eq(child->irs, REMOTE_ISS);
	ck_assert_uint_eq(child->iss, LOCAL_ISS);
}
END_TEST

START_TEST(listen_syn_with_data_ignored)
{
	/* Data in a SYN is not kept (no TCP Fast Open): the SYN-ACK
	 * acknowledges the SYN alone. */
	th_conn c = listening();
	INPUT(c, .flags = TS_SYN, .seq = 0, .len = 10);
	ck_send(c.t, OUT(c, .flags = TS_SYN | TS_ACK, .seq = 0, .ack = 1));
	ck_no_send(c.t);
}
END_TEST

START_TEST(listen_ack_gets_rst)
{
	/* RFC 9293 §3.10.7.2, Linux R2: <SEQ=SEG.ACK><CTL=RST>. */
	th_conn c = listening();
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 77);
	ck_send(c.t, OUT(c, .flags = TS_RST, .seq = 77, .win = TH_WIN_ZERO));
	ck_no_send(c.t);
	ck_state(c, TS_LISTEN);
	ck_assert_ptr_null(lookup(c.t, LOCAL_PORT, REMOTE_PORT));
	ck_report(c.t, "an ACK reached a listening socket with no handshake "
		       "in progress [RFC 9293 §3.10.7.2");
}
END_TEST

START_TEST(listen_syn_ack_gets_rst)
{
	/* The ACK is looked at first (Linux tcp_rcv_state_process). */
	th_conn c = listening();
	INPUT(c, .flags = TS_SYN | TS_ACK, .seq = 0, .ack = 9);
	ck_send(c.t, OUT(c, .flags = TS_RST, .seq = 9, .win = TH_WIN_ZERO));
	ck_no_send(c.t);
	ck_assert_ptr_null(lookup(c.t, LOCAL_PORT, REMOTE_PORT));
}
END_TEST

START_TEST(listen_rst_ignored)
{
	th_conn c = listening();
	INPUT(c, .flags = TS_RST, .seq = 0);
	INPUT(c, .flags = TS_RST | TS_ACK, .seq = 0, .ack = 1);
	ck_no_send(c.t);
	ck_state(c, TS_LISTEN);
}
END_TEST

START_TEST(listen_no_syn_no_ack_ignored)
{
	th_conn c = listening();
	INPUT(c, .flags = TS_FIN, .seq = 0);
	INPUT(c, .flags = TS_PSH, .seq = 0, .len = 10);
	ck_no_send(c.t);
	ck_state(c, TS_LISTEN);
	ck_assert_ptr_null(lookup(c.t, LOCAL_PORT, REMOTE_PORT));
}
END_TEST

START_TEST(listen_syn_accept_queue_full)
{
	/* Linux tcp_conn_request (N7): a SYN while the accept queue is full
	 * is dropped, nothing sent. backlog 0 holds one connection. */
	th_conn c = listening();
	ck_ret(th_do(c.t, "a: listen(s, 0)"), 0);
	INPUT(c, .flags = TS_SYN, .seq = 0);
	ck_send(c.t, OUT(c, .flags = TS_SYN | TS_ACK, .seq = 0, .ack = 1));
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 1);
	ck_no_send(c.t);
	th_conn d = c;
	d.rport = REMOTE_PORT + 1;
	INPUT(d, .flags = TS_SYN, .seq = 0);
	ck_no_send(c.t);
	ck_assert_ptr_null(lookup(c.t, LOCAL_PORT, REMOTE_PORT + 1));
	/* Once accepted, there is room again. */
	ck_ret(th_do(c.t, "a: x = accept(s)"), 4);
	INPUT(d, .flags = TS_SYN, .seq = 0);
	d.iss = LOCAL_ISS + 64000; /* the host's next ISN */
	ck_send(c.t, OUT(d, .flags = TS_SYN | TS_ACK, .seq = 0, .ack = 1));
}
END_TEST

START_TEST(listen_close_resets_unaccepted_child)
{
	/* Linux inet_csk_listen_stop -> tcp_disconnect (R12): an established
	 * child nobody accepted gets RST|ACK <SEQ=SND.NXT><ACK=RCV.NXT>. */
	th_conn c = syn_received();
	th_advance(c.t, FX_RTT);
	INPUT(c, .flags = TS_ACK | TS_PSH, .seq = 1, .ack = 1, .len = 10);
	ck_send(c.t, OUT(c, .flags = TS_ACK, .seq = 1, .ack = 11));
	ck_state(c, TS_ESTABLISHED);
	ck_ret(th_do(c.t, "a: close(s)"), 0);
	ck_send(c.t, OUT(c, .flags = TS_RST | TS_ACK, .seq = 1, .ack = 11));
	ck_no_send(c.t);
	ck_state(c, TS_CLOSED);
	ck_report(c.t, "the listener was closed before this connection was "
		       "accepted [Linux inet_csk_listen_stop");
	/* The peer's next segment meets no socket (R1). */
	INPUT(c, .flags = TS_ACK, .seq = 11, .ack = 1);
	ck_send(c.t, OUT(c, .flags = TS_RST, .seq = 1, .win = TH_WIN_ZERO));
}
END_TEST

START_TEST(listen_close_drops_request_silently)
{
	/* Unfinished requests are dropped without RST; a later ACK meets no
	 * socket and gets one (R1). */
	th_conn c = syn_received();
	ck_ret(th_do(c.t, "a: close(s)"), 0);
	ck_no_send(c.t);
	ck_state(c, TS_CLOSED);
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 1);
	ck_send(c.t, OUT(c, .flags = TS_RST, .seq = 1, .win = TH_WIN_ZERO));
	ck_report(c.t, "no socket matches this segment");
}
END_TEST

START_TEST(listen_accept_nonblocking_empty)
{
	th_conn c = listening();
	ck_ret(th_do(c.t, "a: fcntl(s, O_NONBLOCK)"), 0);
	ck_errno(th_do(c.t, "a: accept(s)"), TS_EAGAIN, 0);
}
END_TEST

/* ====================================================================== */
/* SYN_RECEIVED (passive: Linux's request socket)                        */
/* ====================================================================== */

START_TEST(syn_received_ack)
{
	th_conn c = syn_received();
	th_advance(c.t, FX_RTT);
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 1);
	ck_no_send(c.t);
	ck_state(c, TS_ESTABLISHED);
	ck_ret(th_do(c.t, "a: x = accept(s)"), 4);
	ck_ret(th_do(c.t, "a: getpeername(x)"), 0);
	ck_assert_uint_eq(c.t->sim->exp.last.addr, REMOTE_ADDR);
	ck_assert_uint_eq(c.t->sim->exp.last.port, REMOTE_PORT);
	/* The handshake gave one RTT sample: 20 ms + max(4 x 10 ms, 200). */
	ck_assert_int_eq(th_sk(&c)->rto, RTO);
}
END_TEST

START_TEST(syn_received_accept_blocks_until_ack)
{
	th_conn c = syn_received();
	th_res r = th_do(c.t, "a: x = accept(s)");
	ck_blocked(r);
	th_advance(c.t, FX_RTT);
	ck_blocked(th_result(c.t, r));
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 1);
	ck_ret(th_result(c.t, r), 4);
}
END_TEST

START_TEST(syn_received_syn_retransmitted)
{
	/* The peer's SYN again (our SYN-ACK was lost): the same SYN-ACK. */
	th_conn c = syn_received();
	th_advance(c.t, TS_MS(500));
	INPUT(c, .flags = TS_SYN, .seq = 0);
	ck_send(c.t, OUT(c, .flags = TS_SYN | TS_ACK, .seq = 0, .ack = 1));
	ck_no_send(c.t);
	ck_state(c, TS_SYN_RECEIVED);
}
END_TEST

START_TEST(syn_received_bad_ack_gets_rst)
{
	/* Linux R3: SEG.ACK != ISS + 1 -> RST <SEQ=SEG.ACK>; the request
	 * survives and the right ACK still completes it. */
	th_conn c = syn_received();
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 5);
	ck_send(c.t, OUT(c, .flags = TS_RST, .seq = 5, .win = TH_WIN_ZERO));
	ck_no_send(c.t);
	ck_state(c, TS_SYN_RECEIVED);
	ck_report(c.t, "SYN_RECEIVED got an unacceptable ACK");
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 1);
	ck_state(c, TS_ESTABLISHED);
	ck_no_send(c.t);
}
END_TEST

START_TEST(syn_received_rst_removes_request)
{
	/* Linux tcp_check_req: an in-window RST deletes the request
	 * silently; the peer's ACK then reaches the listener (R2). */
	th_conn c = syn_received();
	INPUT(c, .flags = TS_RST, .seq = 1);
	ck_no_send(c.t);
	ck_state(c, TS_CLOSED);
	ck_assert_ptr_null(lookup(c.t, LOCAL_PORT, REMOTE_PORT));
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 1);
	ck_send(c.t, OUT(c, .flags = TS_RST, .seq = 1, .win = TH_WIN_ZERO));
}
END_TEST

START_TEST(syn_received_new_syn_in_window_gets_rst)
{
	/* Linux R4 (tcp_check_req, embryonic_reset): a SYN in the window that
	 * is not the original: reply RST to a segment without ACK,
	 * <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>; the request goes. */
	th_conn c = syn_received();
	INPUT(c, .flags = TS_SYN, .seq = 10);
	ck_send(c.t, OUT(c, .flags = TS_RST | TS_ACK, .abs = 1, .seq = 0,
			 .ack = REMOTE_ISS + 11, .win = TH_WIN_ZERO));
	ck_no_send(c.t);
	ck_state(c, TS_CLOSED);
	ck_report(c.t, "a new SYN in the window of a connection in "
		       "SYN_RECEIVED");
}
END_TEST

START_TEST(syn_received_ack_with_data)
{
	/* The final ACK may carry data: the child is established and the
	 * data queued and acknowledged (Linux tcp_child_process). */
	th_conn c = syn_received();
	th_advance(c.t, FX_RTT);
	INPUT(c, .flags = TS_ACK | TS_PSH, .seq = 1, .ack = 1, .len = 100);
	ck_send(c.t, OUT(c, .flags = TS_ACK, .seq = 1, .ack = 101));
	ck_state(c, TS_ESTABLISHED);
	ck_ret(th_do(c.t, "a: x = accept(s)"), 4);
	ck_ret(th_do(c.t, "a: read(x, 1000)"), 100);
}
END_TEST

START_TEST(syn_received_synack_timeouts)
{
	/* Linux reqsk_timer_handler: SYN-ACK again at 1, 3, 7 ... s (RTO
	 * 1 s doubling); after tcp_synack_retries the request is dropped
	 * silently (N5). */
	th_conn c = syn_received();
	set_knob(&c, TS_KNOB_TCP_SYNACK_RETRIES, 2);
	ts_seg synack = OUT(c, .flags = TS_SYN | TS_ACK, .seq = 0, .ack = 1);
	th_advance_to(c.t, TS_SEC(1) - 1);
	ck_no_send(c.t);
	th_advance_to(c.t, TS_SEC(10));
	ck_send_at(c.t, TS_SEC(1), synack);
	ck_send_at(c.t, TS_SEC(3), synack);
	ck_no_send(c.t);
	ck_state(c, TS_CLOSED);
	ck_report(c.t, "7.000000  a       timer   [80<b:50000] SYN-ACK "
		       "retransmitted 2 times (tcp_synack_retries 2): "
		       "connection request dropped, no RST");
	/* The peer's late ACK reaches the listener: RST (R2). */
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 1);
	ck_send(c.t, OUT(c, .flags = TS_RST, .seq = 1, .win = TH_WIN_ZERO));
}
END_TEST

START_TEST(syn_received_synack_timeouts_default)
{
	/* tcp_synack_retries 5: SYN-ACKs at 0, 1, 3, 7, 15, 31 s, the request
	 * dropped at 63 s. */
	th_conn c = syn_received();
	ts_seg synack = OUT(c, .flags = TS_SYN | TS_ACK, .seq = 0, .ack = 1);
	th_advance_to(c.t, TS_SEC(62));
	static const int at[] = {1, 3, 7, 15, 31};
	for (int i = 0; i < 5; i++)
		ck_send_at(c.t, TS_SEC(at[i]), synack);
	ck_no_send(c.t);
	ck_state(c, TS_SYN_RECEIVED);
	th_advance_to(c.t, TS_SEC(63));
	ck_no_send(c.t);
	ck_state(c, TS_CLOSED);
}
END_TEST

START_TEST(syn_received_final_ack_on_full_queue_dropped)
{
	/* Linux tcp_check_req, tcp_abort_on_overflow 0 (N6): the final ACK is
	 * dropped while the accept queue is full; the SYN-ACK timer goes on,
	 * and a later ACK completes the connection. listen(s, 1) holds two
	 * connections; e fills one place, c the other, then d's ACK comes. */
	th_conn c = listening();
	ck_ret(th_do(c.t, "a: listen(s, 1)"), 0);
	th_conn e = c, d = c;
	e.rport = REMOTE_PORT + 2;
	c.iss = LOCAL_ISS + 64000;
	d.rport = REMOTE_PORT + 1;
	d.iss = LOCAL_ISS + 128000;
	INPUT(e, .flags = TS_SYN, .seq = 0);
	INPUT(e, .flags = TS_ACK, .seq = 1, .ack = 1);
	INPUT(c, .flags = TS_SYN, .seq = 0);
	INPUT(d, .flags = TS_SYN, .seq = 0);
	th_drop_captures(c.t);
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 1);
	INPUT(d, .flags = TS_ACK, .seq = 1, .ack = 1);
	ck_no_send(c.t);
	d.ref.sk = lookup(c.t, LOCAL_PORT, REMOTE_PORT + 1);
	ck_assert_ptr_nonnull(d.ref.sk);
	d.ref.gen = d.ref.sk->gen;
	ck_state(d, TS_SYN_RECEIVED);
	ck_report(c.t, "final ACK dropped: accept queue full");
	th_advance_to(c.t, TS_SEC(1));
	ck_send_at(c.t, TS_SEC(1),
		   OUT(d, .flags = TS_SYN | TS_ACK, .seq = 0, .ack = 1));
	ck_ret(th_do(c.t, "a: x = accept(s)"), 4);
	INPUT(d, .flags = TS_ACK, .seq = 1, .ack = 1);
	ck_state(d, TS_ESTABLISHED);
	ck_ret(th_do(c.t, "a: y = accept(s)"), 5);
}
END_TEST

START_TEST(syn_received_two_pending_with_backlog_0_gets_cookie)
{
	/* listen(s, 0): a second pending handshake is one more than the
	 * backlog (inet_csk_reqsk_queue_is_full), so that SYN gets a SYN
	 * cookie: no request socket, no SYN-ACK retransmission; its ACK, with
	 * the accept queue full, is dropped without RST even under
	 * tcp_abort_on_overflow 1 (tcp_get_cookie_sock). */
	th_conn c = listening();
	ck_ret(th_do(c.t, "a: listen(s, 0)"), 0);
	set_knob(&c, TS_KNOB_TCP_ABORT_ON_OVERFLOW, 1);
	th_conn d = c;
	d.rport = REMOTE_PORT + 1;
	d.iss = LOCAL_ISS + 64000;
	INPUT(c, .flags = TS_SYN, .seq = 0);
	INPUT(d, .flags = TS_SYN, .seq = 0);
	ck_send(c.t, OUT(c, .flags = TS_SYN | TS_ACK, .seq = 0, .ack = 1));
	ck_send(c.t, OUT(d, .flags = TS_SYN | TS_ACK, .seq = 0, .ack = 1));
	ck_report(c.t, "answered with a SYN cookie");
	ck_assert_ptr_null(lookup(c.t, LOCAL_PORT, REMOTE_PORT + 1));
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 1);
	INPUT(d, .flags = TS_ACK, .seq = 1, .ack = 1);
	ck_no_send(c.t);
	ck_report(c.t, "SYN-cookie ACK #");
	ck_assert_ptr_null(lookup(c.t, LOCAL_PORT, REMOTE_PORT + 1));
	/* Room again: the same ACK (its data, say) completes it. */
	ck_ret(th_do(c.t, "a: x = accept(s)"), 4);
	INPUT(d, .flags = TS_ACK | TS_PSH, .seq = 1, .ack = 1, .len = 5);
	ck_assert_ptr_nonnull(lookup(c.t, LOCAL_PORT, REMOTE_PORT + 1));
	ck_ret(th_do(c.t, "a: y = accept(s)"), 5);
}
END_TEST

START_TEST(syn_cookie_keeps_mss_from_table)
{
	/* A SYN cookie keeps the peer's MSS as the largest of 536, 1300,
	 * 1440, 1460 not above it (Linux msstab, __cookie_v4_init_sequence):
	 * the connection its ACK makes sends segments of 1300 bytes to a
	 * peer that announced 1400. */
	th_conn c = listening();
	ck_ret(th_do(c.t, "a: listen(s, 0)"), 0);
	th_conn d = c;
	d.rport = REMOTE_PORT + 1;
	d.iss = LOCAL_ISS + 64000;
	INPUT(c, .flags = TS_SYN, .seq = 0);
	INPUT(d, .flags = TS_SYN, .seq = 0, .mss = 1400);
	ck_send(c.t, OUT(c, .flags = TS_SYN | TS_ACK, .seq = 0, .ack = 1));
	ck_send(c.t, OUT(d, .flags = TS_SYN | TS_ACK, .seq = 0, .ack = 1));
	ck_report(c.t, "answered with a SYN cookie");
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 1);
	ck_ret(th_do(c.t, "a: x = accept(s)"), 4);
	INPUT(d, .flags = TS_ACK, .seq = 1, .ack = 1);
	ck_ret(th_do(c.t, "a: y = accept(s)"), 5);
	ck_ret(th_do(c.t, "a: write(y, 3000)"), 3000);
	ck_send(c.t, OUT(d, .flags = TS_ACK, .seq = 1, .ack = 1, .len = 1300));
	ck_send(c.t,
		OUT(d, .flags = TS_ACK, .seq = 1301, .ack = 1, .len = 1300));
	ck_send(c.t, OUT(d, .flags = TS_ACK | TS_PSH, .seq = 2601, .ack = 1,
			 .len = 400));
	ck_no_send(c.t);
}
END_TEST

START_TEST(syn_cookies_of_two_listeners_kept_apart)
{
	/* tcp_syncookies 2: every SYN is answered with a cookie, which stands
	 * for its own connection (Linux cookie_v4_check checks the 4-tuple
	 * the ACK comes on). Two peers whose addresses and ports differ only
	 * where a badly packed key would let them meet (192.0.0.1 to port 80,
	 * 64.0.0.1 to port 81, the same source port) both complete. */
	th *t = th_new("host a 10.0.0.1\nhost b 192.0.0.1\nhost c 64.0.0.1\n"
		       "set a tcp_syncookies 2\n"
		       "0 a: s = socket()\n0 a: u = socket()\n"
		       "0 a: x = accept(s)\n0 a: y = accept(u)\n",
		       1);
	ck_ret(th_do(t, "a: s = socket()"), 3);
	ck_ret(th_do(t, "a: bind(s, 80)"), 0);
	ck_ret(th_do(t, "a: listen(s, 8)"), 0);
	ck_ret(th_do(t, "a: u = socket()"), 4);
	ck_ret(th_do(t, "a: bind(u, 81)"), 0);
	ck_ret(th_do(t, "a: listen(u, 8)"), 0);
	ck_ret(th_do(t, "a: fcntl(s, O_NONBLOCK)"), 0);
	ck_ret(th_do(t, "a: fcntl(u, O_NONBLOCK)"), 0);
	const uint32_t p1 = TH_ADDR(192, 0, 0, 1), p2 = TH_ADDR(64, 0, 0, 1);
	ts_seg syn1 =
	    th_seg(p1, 5000, LOCAL_ADDR, 80, TS_SYN, 100, 0, 0, 65535);
	ts_seg syn2 =
	    th_seg(p2, 5000, LOCAL_ADDR, 81, TS_SYN, 900, 0, 0, 65535);
	syn1.mss = syn2.mss = 1460;
	th_input_host(t, 0, &syn1);
	const th_cap *k = th_take(t);
	ck_assert_ptr_nonnull(k);
	uint32_t iss1 = k->seg.seq;
	th_input_host(t, 0, &syn2);
	k = th_take(t);
	ck_assert_ptr_nonnull(k);
	uint32_t iss2 = k->seg.seq;
	ck_assert(th_report_has(t, "answered with a SYN cookie"));
	ts_seg ack1 =
	    th_seg(p1, 5000, LOCAL_ADDR, 80, TS_ACK, 101, iss1 + 1, 0, 65535);
	ts_seg ack2 =
	    th_seg(p2, 5000, LOCAL_ADDR, 81, TS_ACK, 901, iss2 + 1, 0, 65535);
	th_input_host(t, 0, &ack1);
	th_input_host(t, 0, &ack2);
	ck_ret(th_do(t, "a: x = accept(s)"), 5);
	ck_ret(th_do(t, "a: y = accept(u)"), 6);
	ck_no_send(t);
}
END_TEST

START_TEST(syn_received_final_ack_on_full_queue_abort)
{
	/* tcp_abort_on_overflow 1 (R5): RST <SEQ=SEG.ACK>, request gone. */
	th_conn c = listening();
	ck_ret(th_do(c.t, "a: listen(s, 1)"), 0);
	set_knob(&c, TS_KNOB_TCP_ABORT_ON_OVERFLOW, 1);
	th_conn e = c, d = c;
	e.rport = REMOTE_PORT + 2;
	c.iss = LOCAL_ISS + 64000;
	d.rport = REMOTE_PORT + 1;
	d.iss = LOCAL_ISS + 128000;
	INPUT(e, .flags = TS_SYN, .seq = 0);
	INPUT(e, .flags = TS_ACK, .seq = 1, .ack = 1);
	INPUT(c, .flags = TS_SYN, .seq = 0);
	INPUT(d, .flags = TS_SYN, .seq = 0);
	th_drop_captures(c.t);
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 1);
	INPUT(d, .flags = TS_ACK, .seq = 1, .ack = 1);
	ck_send(c.t, OUT(d, .flags = TS_RST, .seq = 1, .win = TH_WIN_ZERO));
	ck_no_send(c.t);
	ck_assert_ptr_null(lookup(c.t, LOCAL_PORT, REMOTE_PORT + 1));
	ck_report(c.t, "accept queue full and tcp_abort_on_overflow is 1");
}
END_TEST

/* ====================================================================== */
/* SYN_SENT                                                               */
/* ====================================================================== */

START_TEST(syn_sent_syn_ack)
{
	th_conn c = syn_sent();
	th_advance(c.t, FX_RTT);
	INPUT(c, .flags = TS_SYN | TS_ACK, .seq = 0, .ack = 1);
	/* RFC 9293 §3.10.7.3: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>. */
	ck_send(c.t, OUT(c, .flags = TS_ACK, .seq = 1, .ack = 1));
	ck_no_send(c.t);
	ck_state(c, TS_ESTABLISHED);
	ck_ret(th_result(c.t, c.call), 0);
	ck_assert_int_eq(th_sk(&c)->rto, RTO);
}
END_TEST

START_TEST(syn_sent_synack_is_window_update_reference)
{
	/* RFC 9293 §3.10.7.3, Linux tcp_init_wl: SND.WL1 = SEG.SEQ of the
	 * SYN-ACK, so the peer's next ACK, offering more window, is a window
	 * update (§3.10.7.4) wherever its ISS lies (here past 2^31, where a
	 * reference left at 0 would be "later" than every segment). */
	th_conn c = syn_sent();
	c.irs = 0x90000000u;
	th_advance(c.t, FX_RTT);
	INPUT(c, .flags = TS_SYN | TS_ACK, .seq = 0, .ack = 1, .win = 1000);
	ck_send(c.t, OUT(c, .flags = TS_ACK, .seq = 1, .ack = 1));
	ck_ret(th_result(c.t, c.call), 0);
	ck_assert_uint_eq(th_sk(&c)->snd_wnd, 1000);
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 1, .win = 20000);
	ck_assert_uint_eq(th_sk(&c)->snd_wnd, 20000);
}
END_TEST

/* Host a's c connects, its SYN sent again N times, the SYN-ACK comes; a
 * write of 5000 bytes then sends what the window lets go: returns how
 * many segments left. */
static int segments_after_syn_retransmitted(int n)
{
	th_conn c = syn_sent();
	for (int i = 0; i < n; i++) {
		th_advance(c.t, TS_SEC(1)); /* tcp_syn_linear_timeouts */
		ck_assert_ptr_nonnull(th_take(c.t)); /* the SYN again */
	}
	th_advance(c.t, FX_RTT);
	INPUT(c, .flags = TS_SYN | TS_ACK, .seq = 0, .ack = 1);
	ck_send(c.t, OUT(c, .flags = TS_ACK, .seq = 1, .ack = 1));
	ck_ret(th_result(c.t, c.call), 0);
	ck_ret(th_do(c.t, "a: write(c, 5000)"), 5000);
	int segs = 0;
	while (th_take(c.t))
		segs++;
	return segs;
}

START_TEST(syn_sent_cwnd_after_syn_retransmissions)
{
	/* Linux tcp_init_transfer: a SYN retransmitted more than once (the
	 * timer entered Loss: total_retrans > 1, undo_marker) leaves the loss
	 * window, one segment (RFC 5681 §3.1); once, the initial window of
	 * ten (RFC 6928) as without any: 5000 bytes go at once. */
	ck_assert_int_eq(segments_after_syn_retransmitted(0), 4);
	ck_assert_int_eq(segments_after_syn_retransmitted(1), 4);
	ck_assert_int_eq(segments_after_syn_retransmitted(2), 1);
}
END_TEST

START_TEST(syn_sent_rst_ack_refused)
{
	/* Linux tcp_reset in SYN_SENT: ECONNREFUSED; nothing answers the
	 * RST (N9). */
	th_conn c = syn_sent();
	th_advance(c.t, FX_RTT);
	INPUT(c, .flags = TS_RST | TS_ACK, .abs = 1, .seq = 0,
	      .ack = LOCAL_ISS + 1);
	ck_no_send(c.t);
	ck_state(c, TS_CLOSED);
	ck_errno(th_result(c.t, c.call), TS_ECONNREFUSED, 0);
	/* The error was handed out once (Linux sock_error). */
	ck_ret(th_do(c.t, "a: getsockopt(c, SO_ERROR)"), 0);
}
END_TEST

START_TEST(syn_sent_rst_without_ack_ignored)
{
	/* RFC 9293 §3.10.7.3: an RST is acceptable only with an acceptable
	 * ACK; otherwise it is dropped. */
	th_conn c = syn_sent();
	INPUT(c, .flags = TS_RST, .seq = 0);
	ck_no_send(c.t);
	ck_state(c, TS_SYN_SENT);
	ck_blocked(th_result(c.t, c.call));
}
END_TEST

START_TEST(syn_sent_bad_ack_gets_rst)
{
	/* SEG.ACK =< ISS or > SND.NXT: <SEQ=SEG.ACK><CTL=RST>, stay (R7). */
	th_conn c = syn_sent();
	INPUT(c, .flags = TS_SYN | TS_ACK, .seq = 0, .ack = 0);
	ck_send(c.t, OUT(c, .flags = TS_RST, .seq = 0, .win = TH_WIN_ZERO));
	INPUT(c, .flags = TS_ACK, .seq = 0, .ack = 2);
	ck_send(c.t, OUT(c, .flags = TS_RST, .seq = 2, .win = TH_WIN_ZERO));
	ck_no_send(c.t);
	ck_state(c, TS_SYN_SENT);
	ck_blocked(th_result(c.t, c.call));
	ck_report(c.t, "SYN_SENT got an ACK for a sequence number never sent");
}
END_TEST

START_TEST(syn_sent_bad_ack_resends_syn_soon)
{
	/* Linux tcp_rcv_synsent_state_process (R7): "Previous FIN/ACK or
	 * RST/ACK might be ignored": with no retransmission yet, the SYN
	 * timer is re-armed to TCP_TIMEOUT_MIN (2 jiffies, 8 ms at HZ 250),
	 * so a fresh SYN follows the RST almost at once. */
	th_conn c = syn_sent();
	th_advance(c.t, FX_RTT);
	INPUT(c, .flags = TS_ACK, .seq = 0, .ack = 7);
	ck_send(c.t, OUT(c, .flags = TS_RST, .seq = 7, .win = TH_WIN_ZERO));
	th_advance(c.t, TS_MS(8));
	ck_send_at(c.t, FX_RTT + TS_MS(8), OUT(c, .flags = TS_SYN, .seq = 0));
}
END_TEST

START_TEST(syn_sent_bad_ack_with_rst_dropped)
{
	th_conn c = syn_sent();
	INPUT(c, .flags = TS_RST | TS_ACK, .seq = 0, .ack = 7);
	ck_no_send(c.t);
	ck_state(c, TS_SYN_SENT);
	ck_blocked(th_result(c.t, c.call));
}
END_TEST

START_TEST(syn_sent_ack_without_syn_dropped)
{
	/* An acceptable ACK without SYN: nothing to do. */
	th_conn c = syn_sent();
	INPUT(c, .flags = TS_ACK, .seq = 0, .ack = 1);
	ck_no_send(c.t);
	ck_state(c, TS_SYN_SENT);
}
END_TEST

START_TEST(syn_sent_simultaneous_open)
{
	/* RFC 9293 §3.10.7.3 fourth: a SYN without ACK -> SYN_RECEIVED and
	 * <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>; the ACK of our SYN then
	 * establishes the connection and connect() returns 0. */
	th_conn c = syn_sent();
	th_advance(c.t, TS_MS(10));
	INPUT(c, .flags = TS_SYN, .seq = 0);
	ck_send(c.t, OUT(c, .flags = TS_SYN | TS_ACK, .seq = 0, .ack = 1,
			 .ts = TH_TS_ON)); /* its SYN again (tcp_syn_options) */
	ck_no_send(c.t);
	ck_state(c, TS_SYN_RECEIVED);
	ck_blocked(th_result(c.t, c.call));
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 1);
	ck_no_send(c.t);
	ck_state(c, TS_ESTABLISHED);
	ck_ret(th_result(c.t, c.call), 0);
}
END_TEST

START_TEST(syn_sent_simultaneous_open_rst_is_reset)
{
	/* RST in SYN_RECEIVED of an active open: ECONNRESET (only SYN_SENT
	 * maps to ECONNREFUSED; Linux tcp_reset). */
	th_conn c = syn_sent();
	INPUT(c, .flags = TS_SYN, .seq = 0);
	ck_send(c.t, OUT(c, .flags = TS_SYN | TS_ACK, .seq = 0, .ack = 1,
			 .ts = TH_TS_ON));
	INPUT(c, .flags = TS_RST, .seq = 1);
	ck_no_send(c.t);
	ck_state(c, TS_CLOSED);
	ck_errno(th_result(c.t, c.call), TS_ECONNRESET, 0);
}
END_TEST

START_TEST(syn_sent_timeout_syn_retries_2)
{
	/* tcp_syn_retries 2 with tcp_syn_linear_timeouts 4 (Linux
	 * tcp_write_timeout, retransmits_timed_out): SYNs at 0, 1, 2, 3, 4,
	 * 5 s, connect() fails with ETIMEDOUT at 7 s, no RST. */
	th_conn c = syn_sent();
	set_knob(&c, TS_KNOB_TCP_SYN_RETRIES, 2);
	ts_seg syn = OUT(c, .flags = TS_SYN, .seq = 0);
	th_advance_to(c.t, TS_SEC(7) - 1);
	for (int s = 1; s <= 5; s++)
		ck_send_at(c.t, TS_SEC(s), syn);
	ck_no_send(c.t);
	ck_blocked(th_result(c.t, c.call));
	ck_state(c, TS_SYN_SENT);
	th_advance_to(c.t, TS_SEC(7));
	ck_no_send(c.t);
	ck_state(c, TS_CLOSED);
	ck_errno(th_result(c.t, c.call), TS_ETIMEDOUT, 0);
	th_advance_to(c.t, TS_SEC(1000));
	ck_no_send(c.t);
}
END_TEST

START_TEST(syn_sent_timeout_default)
{
	/* tcp_syn_retries 6, linear timeouts 4: ten retransmissions at 1, 2,
	 * 3, 4, 5, 7, 11, 19, 35, 67 s, ETIMEDOUT at 131 s. */
	th_conn c = syn_sent();
	ts_seg syn = OUT(c, .flags = TS_SYN, .seq = 0);
	th_advance_to(c.t, TS_SEC(131) - 1);
	static const int at[] = {1, 2, 3, 4, 5, 7, 11, 19, 35, 67};
	for (int i = 0; i < 10; i++)
		ck_send_at(c.t, TS_SEC(at[i]), syn);
	ck_no_send(c.t);
	ck_blocked(th_result(c.t, c.call));
	th_advance_to(c.t, TS_SEC(131));
	ck_no_send(c.t);
	ck_errno(th_result(c.t, c.call), TS_ETIMEDOUT, 0);
}
END_TEST

START_TEST(syn_sent_timeout_exponential)
{
	/* Without linear timeouts (older kernels): SYNs at 0, 1, 3, 7, 15,
	 * 31, 63 s, ETIMEDOUT at 127 s. */
	th_conn c = syn_sent();
	set_knob(&c, TS_KNOB_TCP_SYN_LINEAR_TIMEOUTS, 0);
	ts_seg syn = OUT(c, .flags = TS_SYN, .seq = 0);
	th_advance_to(c.t, TS_SEC(127) - 1);
	static const int at[] = {1, 3, 7, 15, 31, 63};
	for (int i = 0; i < 6; i++)
		ck_send_at(c.t, TS_SEC(at[i]), syn);
	ck_no_send(c.t);
	ck_blocked(th_result(c.t, c.call));
	th_advance_to(c.t, TS_SEC(127));
	ck_errno(th_result(c.t, c.call), TS_ETIMEDOUT, 0);
}
END_TEST

START_TEST(syn_sent_retransmitted_syn_rto_fallback)
{
	/* RFC 6298 §5.7 (Linux TCP_TIMEOUT_FALLBACK): after a retransmitted
	 * SYN, no RTT sample (Karn): the data RTO is 3 s. */
	th_conn c = syn_sent();
	th_advance_to(c.t, TS_SEC(1));
	ck_send_at(c.t, TS_SEC(1), OUT(c, .flags = TS_SYN, .seq = 0));
	th_advance(c.t, FX_RTT);
	INPUT(c, .flags = TS_SYN | TS_ACK, .seq = 0, .ack = 1);
	ck_send(c.t, OUT(c, .flags = TS_ACK, .seq = 1, .ack = 1));
	ck_ret(th_result(c.t, c.call), 0);
	ck_ret(th_do(c.t, "a: write(c, 10)"), 10);
	ts_seg data =
	    OUT(c, .flags = TS_ACK | TS_PSH, .seq = 1, .ack = 1, .len = 10);
	ck_send(c.t, data);
	th_advance(c.t, TS_SEC(3) - 1);
	ck_no_send(c.t);
	th_advance(c.t, 1);
	ck_send_at(c.t, TS_SEC(1) + FX_RTT + TS_SEC(3), data);
}
END_TEST

START_TEST(syn_sent_close_silent_then_rst)
{
	/* close() in SYN_SENT sends nothing (Linux new_state[SYN_SENT] =
	 * CLOSE); the SYN-ACK that comes later meets no socket (R1). */
	th_conn c = syn_sent_nonblock();
	ck_ret(th_do(c.t, "a: close(c)"), 0);
	ck_no_send(c.t);
	ck_state(c, TS_CLOSED);
	th_advance(c.t, TS_SEC(5));
	ck_no_send(c.t); /* no retransmission either */
	INPUT(c, .flags = TS_SYN | TS_ACK, .seq = 0, .ack = 1);
	ck_send(c.t, OUT(c, .flags = TS_RST, .seq = 1, .win = TH_WIN_ZERO));
}
END_TEST

START_TEST(syn_sent_linger_zero_close_silent)
{
	/* SO_LINGER {1, 0} in SYN_SENT: aborted without RST (Linux
	 * tcp_need_reset is false for SYN_SENT). */
	th_conn c = syn_sent_nonblock();
	ck_ret(th_do(c.t, "a: setsockopt(c, SO_LINGER, 1, 0)"), 0);
	ck_ret(th_do(c.t, "a: close(c)"), 0);
	ck_no_send(c.t);
	ck_state(c, TS_CLOSED);
}
END_TEST

START_TEST(syn_sent_nonblocking_calls)
{
	/* While connecting: write EAGAIN, a second connect EALREADY, poll
	 * nothing; once established, connect() reports 0 (Linux
	 * __inet_stream_connect), then EISCONN. */
	th_conn c = syn_sent_nonblock();
	ck_errno(th_do(c.t, "a: write(c, 10)"), TS_EAGAIN, 0);
	ck_errno(th_do(c.t, "a: connect(c, b:80)"), TS_EALREADY, 0);
	ck_ret(th_do(c.t, "a: poll(c, POLLOUT, 0)"), 0);
	th_advance(c.t, FX_RTT);
	INPUT(c, .flags = TS_SYN | TS_ACK, .seq = 0, .ack = 1);
	ck_send(c.t, OUT(c, .flags = TS_ACK, .seq = 1, .ack = 1));
	ck_ret(th_do(c.t, "a: poll(c, POLLOUT, 0)"), TS_POLLOUT);
	ck_ret(th_do(c.t, "a: connect(c, b:80)"), 0);
	ck_errno(th_do(c.t, "a: connect(c, b:80)"), TS_EISCONN, 0);
}
END_TEST

START_TEST(syn_sent_nonblocking_refused_poll_so_error)
{
	/* A refused non-blocking connect (Linux tcp_poll, sock_error):
	 * POLLIN|POLLOUT|POLLERR|POLLHUP|POLLRDHUP; SO_ERROR hands out
	 * ECONNREFUSED once, and POLLERR goes with it. */
	th_conn c = syn_sent_nonblock();
	ck_ret(th_do(c.t, "a: poll(c, POLLIN|POLLOUT, 0)"), 0);
	INPUT(c, .flags = TS_RST | TS_ACK, .abs = 1, .seq = 0,
	      .ack = LOCAL_ISS + 1);
	ck_no_send(c.t);
	ck_ret(th_do(c.t, "a: poll(c, POLLIN|POLLOUT|POLLRDHUP, 0)"),
	       TS_POLLIN | TS_POLLOUT | TS_POLLERR | TS_POLLHUP | TS_POLLRDHUP);
	ck_ret(th_do(c.t, "a: getsockopt(c, SO_ERROR)"), TS_ECONNREFUSED);
	ck_ret(th_do(c.t, "a: getsockopt(c, SO_ERROR)"), 0);
	ck_ret(th_do(c.t, "a: poll(c, POLLIN|POLLOUT|POLLRDHUP, 0)"),
	       TS_POLLIN | TS_POLLOUT | TS_POLLHUP | TS_POLLRDHUP);
}
END_TEST

START_TEST(syn_sent_shutdown_disconnects_silently)
{
	/* shutdown() in SYN_SENT (Linux inet_shutdown -> tcp_disconnect,
	 * N15): no RST, the connection is dropped, ECONNRESET pending. */
	th_conn c = syn_sent_nonblock();
	ck_ret(th_do(c.t, "a: shutdown(c, SHUT_WR)"), 0);
	ck_no_send(c.t);
	ck_state(c, TS_CLOSED);
	ck_ret(th_do(c.t, "a: getsockopt(c, SO_ERROR)"), TS_ECONNRESET);
	th_advance(c.t, TS_SEC(5));
	ck_no_send(c.t);
}
END_TEST

/* ====================================================================== */
/* ESTABLISHED                                                            */
/* ====================================================================== */

START_TEST(established_data_in)
{
	th_conn c = established();
	INPUT(c, .flags = TS_ACK | TS_PSH, .seq = 1, .ack = 1, .len = 100);
	/* The first segments are acknowledged at once (quick-ACK mode). */
	ck_send(c.t, OUT(c, .flags = TS_ACK, .seq = 1, .ack = 101));
	ck_ret(th_do(c.t, "a: read(x, 1000)"), 100);
	ck_no_send(c.t);
	/* Nothing more to read: a blocking read waits. */
	th_res r = th_do(c.t, "a: read(x, 1000)");
	ck_blocked(r);
	INPUT(c, .flags = TS_ACK | TS_PSH, .seq = 101, .ack = 1, .len = 7);
	ck_ret(th_result(c.t, r), 7);
}
END_TEST

START_TEST(established_write_mss_segmentation)
{
	/* A 4000-byte write with MSS 1460: 1460 + 1460 + 1080, PSH on the
	 * last (Linux tcp_mark_push). */
	th_conn c = established();
	ck_ret(th_do(c.t, "a: write(x, 4000)"), 4000);
	ck_send(c.t, OUT(c, .flags = TS_ACK, .seq = 1, .ack = 1, .len = 1460));
	ck_send(c.t,
		OUT(c, .flags = TS_ACK, .seq = 1461, .ack = 1, .len = 1460));
	ck_send(c.t, OUT(c, .flags = TS_ACK | TS_PSH, .seq = 2921, .ack = 1,
			 .len = 1080));
	ck_no_send(c.t);
}
END_TEST

/* A connection whose SYNs agreed on timestamps, the peer's clock at 100. */
static th_conn established_ts(void)
{
	th_conn c = listening();
	INPUT(c, .flags = TS_SYN, .seq = 0, .ts = TH_TS_ON, .tsval = 100);
	th_take(c.t);
	th_advance(c.t, FX_RTT);
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 1, .ts = TH_TS_ON,
	      .tsval = 110);
	ck_ret(th_do(c.t, "a: x = accept(s)"), 4);
	INPUT(c, .flags = TS_ACK | TS_PSH, .seq = 1, .ack = 1, .len = 10,
	      .ts = TH_TS_ON, .tsval = 120);
	th_take(c.t);
	ck_no_send(c.t);
	return c;
}

/* PAWS (RFC 7323 §5.3; Linux tcp_validate_incoming): TS.Recent is 120.
 * Data with an older TSval is dropped and answered with a duplicate ACK
 * (a D-SACK when it was had before); an old pure ACK is dropped silently
 * (tcp_disordered_ack_check); TSvals one behind pass (TCP_PAWS_WINDOW);
 * an RST is not subject to PAWS. */
START_TEST(established_paws)
{
	th_conn c = established_ts();
	INPUT(c, .flags = TS_ACK | TS_PSH, .seq = 11, .ack = 1, .len = 10,
	      .ts = TH_TS_ON, .tsval = 50);
	ck_report(c.t, "timestamp older than TS.Recent (PAWS): dropped, "
		       "duplicate ACK sent");
	const th_cap *a = th_take(c.t);
	ck_assert_ptr_nonnull(a);
	ck_assert_uint_eq(a->seg.ack, c.irs + 11); /* not taken */
	ck_assert_uint_eq(a->seg.tsecr, 120);
	ck_no_send(c.t);
	/* the same bytes again, old: another duplicate ACK (this SYN did
	 * not permit SACK: no D-SACK block) */
	INPUT(c, .flags = TS_ACK | TS_PSH, .seq = 1, .ack = 1, .len = 10,
	      .ts = TH_TS_ON, .tsval = 50);
	a = th_take(c.t);
	ck_assert_ptr_nonnull(a);
	ck_assert_uint_eq(a->seg.ack, c.irs + 11);
	ck_assert_int_eq(a->seg.nsack, 0);
	/* an old ACK that moves nothing forward: silent */
	th_advance(c.t, TS_SEC(1));
	INPUT(c, .flags = TS_ACK, .seq = 11, .ack = 1, .win = 1000,
	      .ts = TH_TS_ON, .tsval = 50);
	ck_report(c.t, "old ACK: timestamp older than TS.Recent (PAWS)");
	ck_no_send(c.t);
	/* one behind is within TCP_PAWS_WINDOW: taken */
	INPUT(c, .flags = TS_ACK | TS_PSH, .seq = 11, .ack = 1, .len = 5,
	      .ts = TH_TS_ON, .tsval = 119);
	th_advance(c.t, TS_MS(500));
	a = th_take(c.t); /* its (delayed) ACK */
	ck_assert_ptr_nonnull(a);
	ck_assert_uint_eq(a->seg.ack, c.irs + 16);
	/* an RST at RCV.NXT with an old TSval still resets */
	INPUT(c, .flags = TS_RST, .seq = 16, .ts = TH_TS_ON, .tsval = 1);
	ck_report(c.t, "ESTABLISHED -> CLOSED");
}
END_TEST

START_TEST(time_wait_paws_rejects_old_rst)
{
	/* In TIME_WAIT an RST is subject to PAWS for TCP_PAWS_MSL (60 s)
	 * after TS.Recent was taken (Linux tcp_timewait_state_process ->
	 * tcp_paws_reject(rst)): one with an older TSval, a second after the
	 * peer's FIN, is ignored, and TIME_WAIT goes on. */
	th_conn c = established_ts();
	ts_sock *x = th_var_sock(c.t, 0, "x");
	c.ref = (ts_sockref){.sk = x, .gen = x->gen};
	c.id = x->id;
	ck_ret(th_do(c.t, "a: read(x, 100)"), 10);
	ck_ret(th_do(c.t, "a: close(x)"), 0);
	th_advance(c.t, FX_RTT);
	INPUT(c, .flags = TS_ACK | TS_FIN, .seq = 11, .ack = 2, .ts = TH_TS_ON,
	      .tsval = 130);
	ck_state(c, TS_TIME_WAIT);
	th_drop_captures(c.t);
	th_advance(c.t, TS_SEC(1));
	INPUT(c, .flags = TS_RST, .seq = 12, .ts = TH_TS_ON, .tsval = 1);
	ck_state(c, TS_TIME_WAIT);
	ck_no_send(c.t);
}
END_TEST

/* Windows without the scale (the peer's SYN offered none), as Linux's
 * tcp_select_window computes them: the SYN-ACK offers 44 whole segments
 * of the 64 KiB the buffer stands for (64240); the clamp then holds one
 * segment back (tcp_init_buffer_space: 64076). After 100 bytes the new
 * window (64076 rounded down to whole 536-byte segments, the peer's
 * estimated size) would move the right edge back: the edge stays (64140).
 * After 1000 more, segments are estimated at 1000 bytes: 64000, which
 * moves the edge forward, is offered. */
START_TEST(established_windows_unscaled)
{
	th_conn c = listening();
	INPUT(c, .flags = TS_SYN, .seq = 0);
	ck_send(c.t, OUT(c, .flags = TS_SYN | TS_ACK, .seq = 0, .ack = 1,
			 .win = 64240));
	th_advance(c.t, FX_RTT);
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 1);
	ck_ret(th_do(c.t, "a: x = accept(s)"), 4);
	INPUT(c, .flags = TS_ACK | TS_PSH, .seq = 1, .ack = 1, .len = 100);
	th_advance(c.t, TS_MS(500));
	ck_send(c.t, OUT(c, .flags = TS_ACK, .seq = 1, .ack = 101,
			 .win = 64240 - 100));
	INPUT(c, .flags = TS_ACK | TS_PSH, .seq = 101, .ack = 1, .len = 1000);
	th_advance(c.t, TS_MS(500));
	ck_send(c.t,
		OUT(c, .flags = TS_ACK, .seq = 1, .ack = 1101, .win = 64000));
	ck_no_send(c.t);
}
END_TEST

/* Socket options (Linux sk_setsockopt, do_tcp_setsockopt): SO_RCVBUF and
 * SO_SNDBUF are doubled, at least 4608, at most rmem_max/wmem_max; a
 * small SO_RCVBUF before listen() clamps the window the SYN-ACK offers
 * (tcp_openreq_init_rwin) and leaves no room for a window scale
 * (tcp_select_initial_window); TCP_MAXSEG lowers the MSS offered and
 * the segments sent; getsockopt reads them back. */
START_TEST(socket_options_buffers_and_mss)
{
	th_conn c = listening();
	ck_ret(th_do(c.t, "a: setsockopt(s, SO_RCVBUF, 10000)"), 0);
	ck_ret(th_do(c.t, "a: getsockopt(s, SO_RCVBUF)"), 20000);
	ck_ret(th_do(c.t, "a: setsockopt(s, SO_SNDBUF, 1)"), 0);
	ck_ret(th_do(c.t, "a: getsockopt(s, SO_SNDBUF)"), 4608);
	ck_ret(th_do(c.t, "a: setsockopt(s, SO_SNDBUF, -1)"), 0);
	ck_ret(th_do(c.t, "a: getsockopt(s, SO_SNDBUF)"), 2 * 4194304);
	ck_ret(th_do(c.t, "a: setsockopt(s, TCP_MAXSEG, 1000)"), 0);
	ck_ret(th_do(c.t, "a: getsockopt(s, TCP_MAXSEG)"), 1000);
	ck_errno(th_do(c.t, "a: setsockopt(s, TCP_MAXSEG, 87)"), TS_EINVAL, 0);
	ck_ret(th_do(c.t, "a: setsockopt(s, TCP_NODELAY, 1)"), 0);
	ck_ret(th_do(c.t, "a: getsockopt(s, TCP_NODELAY)"), 1);
	INPUT(c, .flags = TS_SYN, .seq = 0);
	/* the window: 10000 bytes (half the buffer) in whole segments of
	 * the MSS TCP_MAXSEG leaves, 1000 (tcp_openreq_init_rwin:
	 * tcp_mss_clamp; Linux 6.18 offered 10000 here); the MSS offered:
	 * TCP_MAXSEG's */
	ck_send(c.t, OUT(c, .flags = TS_SYN | TS_ACK, .seq = 0, .ack = 1,
			 .win = 10000, .mss = 1000));
	th_advance(c.t, FX_RTT);
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 1);
	ck_ret(th_do(c.t, "a: x = accept(s)"), 4);
	/* the child has the listener's options; segments of at most 1000 */
	ck_ret(th_do(c.t, "a: getsockopt(x, SO_RCVBUF)"), 20000);
	ck_ret(th_do(c.t, "a: getsockopt(x, TCP_MAXSEG)"), 1000);
	ck_ret(th_do(c.t, "a: write(x, 1500)"), 1500);
	ck_send(c.t, OUT(c, .flags = TS_ACK, .seq = 1, .ack = 1, .len = 1000));
	/* no Nagle: the small rest goes at once, unacknowledged data or not */
	ck_send(c.t, OUT(c, .flags = TS_ACK | TS_PSH, .seq = 1001, .ack = 1,
			 .len = 500));
	ck_no_send(c.t);
}
END_TEST

START_TEST(established_write_segmentation_with_timestamps)
{
	/* The peer's SYN offers timestamps: the SYN-ACK accepts them, and
	 * every segment carries the 12-byte option, so a segment holds
	 * 1460 - 12 = 1448 bytes (Linux tcp_current_mss). */
	th_conn c = listening();
	INPUT(c, .flags = TS_SYN, .seq = 0, .ts = TH_TS_ON);
	/* The SYN-ACK offers whole segments of 1448 bytes: 45 of them,
	 * 65160 (Linux tcp_openreq_init_rwin, seen on Linux 6.18). */
	ck_send(c.t, OUT(c, .flags = TS_SYN | TS_ACK, .seq = 0, .ack = 1,
			 .ts = TH_TS_ON, .win = 65160));
	th_advance(c.t, FX_RTT);
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 1);
	ck_ret(th_do(c.t, "a: x = accept(s)"), 4);
	ck_ret(th_do(c.t, "a: write(x, 4000)"), 4000);
	/* every segment carries the option (RFC 7323 §3.2); the window
	 * stays the SYN-ACK's */
	ck_send(c.t, OUT(c, .flags = TS_ACK, .seq = 1, .ack = 1, .len = 1448,
			 .ts = TH_TS_ON, .win = 65160));
	ck_send(c.t, OUT(c, .flags = TS_ACK, .seq = 1449, .ack = 1, .len = 1448,
			 .ts = TH_TS_ON, .win = 65160));
	ck_send(c.t, OUT(c, .flags = TS_ACK | TS_PSH, .seq = 2897, .ack = 1,
			 .ts = TH_TS_ON, .win = 65160, .len = 1104));
	ck_no_send(c.t);
}
END_TEST

START_TEST(established_write_peer_without_mss)
{
	/* A SYN without the MSS option means 536 (RFC 9293 §3.7.1). */
	th_conn c = listening();
	ts_seg syn = IN(c, .flags = TS_SYN, .seq = 0);
	syn.mss = 0; /* IN() puts 1460 on a SYN */
	th_input(&c, &syn);
	ck_send(c.t, OUT(c, .flags = TS_SYN | TS_ACK, .seq = 0, .ack = 1));
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 1);
	ck_ret(th_do(c.t, "a: x = accept(s)"), 4);
	ck_ret(th_do(c.t, "a: write(x, 1000)"), 1000);
	ck_send(c.t, OUT(c, .flags = TS_ACK, .seq = 1, .ack = 1, .len = 536));
	ck_send(c.t, OUT(c, .flags = TS_ACK | TS_PSH, .seq = 537, .ack = 1,
			 .len = 464));
	ck_no_send(c.t);
}
END_TEST

START_TEST(established_write_zero_window_waits)
{
	/* The peer's window is 0: nothing is sent until it opens. */
	th_conn c = established();
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 1, .win = TH_WIN_ZERO);
	ck_ret(th_do(c.t, "a: write(x, 100)"), 100);
	ck_no_send(c.t);
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 1, .win = 1000);
	ck_send(c.t, OUT(c, .flags = TS_ACK | TS_PSH, .seq = 1, .ack = 1,
			 .len = 100));
	ck_no_send(c.t);
}
END_TEST

START_TEST(established_zero_window_probe_after_rto)
{
	/* Data waits for a zero window with nothing in flight: the probe
	 * timer is armed at once, max(RTO, TCP_RTO_MIN) away (Linux
	 * tcp_check_probe_timer, tcp_probe0_base), and a zero-window probe
	 * goes when it fires: a bare ACK one below SND.UNA
	 * (tcp_xmit_probe_skb), the next twice as far (RFC 1122
	 * 4.2.2.17; tcp_probe_timer, tcp_probe0_when). */
	th_conn c = established();
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 1, .win = TH_WIN_ZERO);
	ts_time t0 = c.t->sim->now;
	ck_ret(th_do(c.t, "a: write(x, 100)"), 100);
	ck_no_send(c.t);
	th_advance(c.t, RTO + 3 * RTO);
	ck_send_at(c.t, t0 + RTO, OUT(c, .flags = TS_ACK, .seq = 0, .ack = 1));
	ck_send_at(c.t, t0 + 3 * RTO,
		   OUT(c, .flags = TS_ACK, .seq = 0, .ack = 1));
	ck_no_send(c.t);
	/* The window opens: the data goes at once, the probe timer stops
	 * and its backoff is forgotten (tcp_ack_probe: icsk_backoff = 0,
	 * the timer cleared). */
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 1, .win = 1000);
	ck_send(c.t, OUT(c, .flags = TS_ACK | TS_PSH, .seq = 1, .ack = 1,
			 .len = 100));
	ck_assert_uint_eq(th_sk(&c)->probes_out, 0); /* TCP_INFO's probes */
	th_advance(c.t, FX_RTT);
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 101, .win = TH_WIN_ZERO);
	ck_no_send(c.t);
	/* A zero window again, before the first episode's next probe was
	 * due (7 RTOs after the write): the first probe an RTO after this
	 * write, the next two RTOs later (the backoff of one probe, not of
	 * three), then four. */
	ts_time t1 = c.t->sim->now;
	ck_ret(th_do(c.t, "a: write(x, 100)"), 100);
	th_advance(c.t, 7 * RTO);
	ck_send_at(c.t, t1 + RTO,
		   OUT(c, .flags = TS_ACK, .seq = 100, .ack = 1));
	ck_send_at(c.t, t1 + 3 * RTO,
		   OUT(c, .flags = TS_ACK, .seq = 100, .ack = 1));
	ck_send_at(c.t, t1 + 7 * RTO,
		   OUT(c, .flags = TS_ACK, .seq = 100, .ack = 1));
	ck_no_send(c.t);
}
END_TEST

START_TEST(established_sender_sws_window_probe_sends_data)
{
	/* Sender SWS avoidance (RFC 9293 §3.8.6.2.1): a segment goes only
	 * when the peer's window takes it whole (Linux tcp_snd_wnd_test),
	 * so 1000 bytes wait for a window of 500, and with nothing in
	 * flight the probe timer is armed (tcp_check_probe_timer). When it
	 * fires, what the window takes goes, with PSH (tcp_write_wakeup),
	 * as new data under the RTO; the rest goes when the window takes
	 * it whole. */
	th_conn c = established();
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 1, .win = 500);
	ts_time t0 = c.t->sim->now;
	ck_ret(th_do(c.t, "a: write(x, 1000)"), 1000);
	ck_no_send(c.t);
	th_advance(c.t, RTO);
	ck_send_at(
	    c.t, t0 + RTO,
	    OUT(c, .flags = TS_ACK | TS_PSH, .seq = 1, .ack = 1, .len = 500));
	ck_no_send(c.t);
	ck_report(c.t, "window probe: data into the peer's window of 500 "
		       "bytes");
	/* data in flight: no probe counted, no user timeout running
	 * (tcp_send_probe0: icsk_probes_out = 0, icsk_probes_tstamp = 0) */
	ck_assert_uint_eq(th_sk(&c)->probes_out, 0);
	ck_assert_int_eq(th_sk(&c)->probe_start, 0);
	th_advance(c.t, FX_RTT);
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 501, .win = 500);
	ck_send(c.t, OUT(c, .flags = TS_ACK | TS_PSH, .seq = 501, .ack = 1,
			 .len = 500));
	th_advance(c.t, FX_RTT);
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 1001, .win = 500);
	th_advance(c.t, TS_SEC(10));
	ck_no_send(c.t);
}
END_TEST

START_TEST(established_zero_window_probe_backoff_capped_at_retries2)
{
	/* Answered zero-window probes go on for ever (RFC 1122 4.2.2.17),
	 * their backoff growing up to tcp_retries2 doublings and no further
	 * (Linux tcp_send_probe0): with 2, RTO, 2 RTO, 4 RTO, 4 RTO. */
	th_conn c = established();
	set_knob(&c, TS_KNOB_TCP_RETRIES2, 2);
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 1, .win = TH_WIN_ZERO);
	ts_time t = c.t->sim->now;
	ck_ret(th_do(c.t, "a: write(x, 100)"), 100);
	static const int gap[] = {1, 2, 4, 4, 4};
	for (int i = 0; i < 5; i++) {
		t += gap[i] * RTO;
		th_advance(c.t, t - c.t->sim->now);
		ck_send_at(c.t, t, OUT(c, .flags = TS_ACK, .seq = 0, .ack = 1));
		INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 1,
		      .win = TH_WIN_ZERO);
	}
	ck_no_send(c.t);
	ck_state(c, TS_ESTABLISHED);
}
END_TEST

START_TEST(established_zero_window_probes_unanswered_give_up)
{
	/* tcp_retries2 unanswered zero-window probes end the connection:
	 * the next firing finds icsk_probes_out >= tcp_retries2 and calls
	 * tcp_write_err (Linux tcp_probe_timer): ETIMEDOUT, no RST. With 3:
	 * probes an RTO, 3 and 7 RTOs after the write, the end at 15. */
	th_conn c = established();
	set_knob(&c, TS_KNOB_TCP_RETRIES2, 3);
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 1, .win = TH_WIN_ZERO);
	ts_time t0 = c.t->sim->now;
	ck_ret(th_do(c.t, "a: write(x, 100)"), 100);
	th_advance(c.t, 16 * RTO);
	static const int at[] = {1, 3, 7};
	for (int i = 0; i < 3; i++)
		ck_send_at(c.t, t0 + at[i] * RTO,
			   OUT(c, .flags = TS_ACK, .seq = 0, .ack = 1));
	ck_no_send(c.t);
	ck_assert_int_eq(
	    th_report_time(c.t, "zero-window probes: 3 unanswered"),
	    t0 + 15 * RTO);
	ck_state(c, TS_CLOSED);
	ck_errno(th_do(c.t, "a: read(x, 10)"), TS_ETIMEDOUT, 0);
}
END_TEST

START_TEST(established_zero_window_user_timeout_counts_answered_probes)
{
	/* TCP_USER_TIMEOUT counts from the probe timer's first firing, and
	 * answered probes do not restart it (Linux tcp_probe_timer:
	 * icsk_probes_tstamp, reset only when the window opens or data is
	 * in flight); each wait is clamped to what is left of it
	 * (tcp_clamp_probe0_to_user_timeout). With 1000 ms: probes at 220
	 * and 660 ms, answered; the next firing, 1000 ms after the first,
	 * gives up. */
	th_conn c = established();
	ck_ret(th_do(c.t, "a: setsockopt(x, TCP_USER_TIMEOUT, 1000)"), 0);
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 1, .win = TH_WIN_ZERO);
	ts_time t0 = c.t->sim->now;
	ck_ret(th_do(c.t, "a: write(x, 100)"), 100);
	static const int at[] = {1, 3};
	for (int i = 0; i < 2; i++) {
		th_advance(c.t, t0 + at[i] * RTO - c.t->sim->now);
		ck_send_at(c.t, t0 + at[i] * RTO,
			   OUT(c, .flags = TS_ACK, .seq = 0, .ack = 1));
		INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 1,
		      .win = TH_WIN_ZERO);
	}
	th_advance(c.t, TS_SEC(2));
	ck_no_send(c.t);
	ck_assert_int_eq(th_report_time(c.t, "zero-window probes:"),
			 t0 + RTO + TS_MS(1000));
	ck_state(c, TS_CLOSED);
	ck_errno(th_do(c.t, "a: read(x, 10)"), TS_ETIMEDOUT, 0);
}
END_TEST

START_TEST(established_zero_window_user_timeout_restarts_after_window_opens)
{
	/* The user timeout's count of a zero window ends when the window
	 * opens (tcp_ack_probe: icsk_probes_tstamp = 0): a later zero
	 * window, long after, counts from its own first probe. */
	th_conn c = established();
	ck_ret(th_do(c.t, "a: setsockopt(x, TCP_USER_TIMEOUT, 1000)"), 0);
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 1, .win = TH_WIN_ZERO);
	ts_time t0 = c.t->sim->now;
	ck_ret(th_do(c.t, "a: write(x, 100)"), 100);
	th_advance(c.t, RTO);
	ck_send_at(c.t, t0 + RTO, OUT(c, .flags = TS_ACK, .seq = 0, .ack = 1));
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 1, .win = 1000);
	ck_send(c.t, OUT(c, .flags = TS_ACK | TS_PSH, .seq = 1, .ack = 1,
			 .len = 100));
	th_advance(c.t, FX_RTT);
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 101, .win = TH_WIN_ZERO);
	th_advance(c.t, TS_SEC(2));
	ts_time t1 = c.t->sim->now;
	ck_ret(th_do(c.t, "a: write(x, 100)"), 100);
	th_advance(c.t, RTO);
	ck_send_at(c.t, t1 + RTO,
		   OUT(c, .flags = TS_ACK, .seq = 100, .ack = 1));
	ck_state(c, TS_ESTABLISHED);
}
END_TEST

START_TEST(established_window_probe_data_resets_probe_backoff)
{
	/* Two zero-window probes double the wait twice; the second's answer
	 * opens the window to 500 bytes, too few for the 1000 waiting, so
	 * the timer fires as due (4 RTOs on) and sends 500 (tcp_write_wakeup).
	 * Data in flight ends the probing (tcp_send_probe0: icsk_backoff =
	 * 0): when the window closes again, the probes start over from one
	 * RTO, then two. */
	th_conn c = established();
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 1, .win = TH_WIN_ZERO);
	ts_time t0 = c.t->sim->now;
	ck_ret(th_do(c.t, "a: write(x, 1000)"), 1000);
	th_advance(c.t, RTO);
	ck_send_at(c.t, t0 + RTO, OUT(c, .flags = TS_ACK, .seq = 0, .ack = 1));
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 1, .win = TH_WIN_ZERO);
	th_advance(c.t, 2 * RTO);
	ck_send_at(c.t, t0 + 3 * RTO,
		   OUT(c, .flags = TS_ACK, .seq = 0, .ack = 1));
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 1, .win = 500);
	ck_no_send(c.t);
	th_advance(c.t, 4 * RTO);
	ck_send_at(
	    c.t, t0 + 7 * RTO,
	    OUT(c, .flags = TS_ACK | TS_PSH, .seq = 1, .ack = 1, .len = 500));
	th_advance(c.t, FX_RTT);
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 501, .win = TH_WIN_ZERO);
	ts_time t1 = c.t->sim->now;
	th_advance(c.t, 3 * RTO);
	ck_send_at(c.t, t1 + RTO,
		   OUT(c, .flags = TS_ACK, .seq = 500, .ack = 1));
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 501, .win = TH_WIN_ZERO);
	ck_send_at(c.t, t1 + 3 * RTO,
		   OUT(c, .flags = TS_ACK, .seq = 500, .ack = 1));
	ck_no_send(c.t);
}
END_TEST

START_TEST(established_zero_window_probe_interval_capped_at_rto_max)
{
	/* With tcp_retries2 at its default (15) the answered probes' waits
	 * double from the RTO until they reach TCP_RTO_MAX, 120 s
	 * (tcp_probe0_when): 1, 2, 4, ... 512 RTOs (112.64 s), then 120 s. */
	th_conn c = established();
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 1, .win = TH_WIN_ZERO);
	ts_time t = c.t->sim->now;
	ck_ret(th_do(c.t, "a: write(x, 100)"), 100);
	for (int i = 0; i < 12; i++) {
		t += i < 10 ? (RTO << i) : TS_SEC(120);
		th_advance(c.t, t - c.t->sim->now);
		ck_send_at(c.t, t, OUT(c, .flags = TS_ACK, .seq = 0, .ack = 1));
		INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 1,
		      .win = TH_WIN_ZERO);
	}
	ck_state(c, TS_ESTABLISHED);
}
END_TEST

START_TEST(established_zero_window_user_timeout_wait_floor)
{
	/* The wait before the next probe is cut to what is left of the user
	 * timeout, but never below TCP_TIMEOUT_MIN, 2 jiffies (8 ms at HZ
	 * 250; tcp_clamp_probe0_to_user_timeout). Probes at 220 and 660 ms;
	 * 445 ms of user timeout leaves 5 ms at the second (elapsed 440), so
	 * the end comes 8 ms on, at 668; 450 leaves 10 ms: at 670. */
	static const struct {
		int timeout_ms, end_ms;
	} cases[] = {{445, 668}, {450, 670}};
	for (int k = 0; k < 2; k++) {
		th_conn c = established();
		char call[64];
		snprintf(call, sizeof call,
			 "a: setsockopt(x, TCP_USER_TIMEOUT, %d)",
			 cases[k].timeout_ms);
		ck_ret(th_do(c.t, call), 0);
		INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 1,
		      .win = TH_WIN_ZERO);
		ts_time t0 = c.t->sim->now;
		ck_ret(th_do(c.t, "a: write(x, 100)"), 100);
		th_advance(c.t, TS_SEC(2));
		ck_send_at(c.t, t0 + RTO,
			   OUT(c, .flags = TS_ACK, .seq = 0, .ack = 1));
		ck_send_at(c.t, t0 + 3 * RTO,
			   OUT(c, .flags = TS_ACK, .seq = 0, .ack = 1));
		ck_no_send(c.t);
		ck_assert_int_eq(th_report_time(c.t, "zero-window probes:"),
				 t0 + TS_MS(cases[k].end_ms));
		th_free(c.t);
	}
}
END_TEST

START_TEST(established_ack_stops_retransmission)
{
	th_conn c = established();
	ck_ret(th_do(c.t, "a: write(x, 100)"), 100);
	ck_send(c.t, OUT(c, .flags = TS_ACK | TS_PSH, .seq = 1, .ack = 1,
			 .len = 100));
	th_advance(c.t, FX_RTT);
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 101);
	ck_no_send(c.t);
	th_advance(c.t, TS_SEC(100));
	ck_no_send(c.t);
	ck_assert_uint_eq(th_sk(&c)->snd_una, LOCAL_ISS + 101);
}
END_TEST

START_TEST(established_rto_exponential_backoff)
{
	/* The lost segment is sent again first after one RTO (220 ms: a
	 * tail loss probe is capped at the RTO, tcp_schedule_loss_probe),
	 * then on each expiry with the RTO doubled (RFC 6298 §5.5, Linux
	 * tcp_retransmit_timer). Nothing else is sent. */
	th_conn c = established();
	ck_ret(th_do(c.t, "a: write(x, 100)"), 100);
	ts_seg data =
	    OUT(c, .flags = TS_ACK | TS_PSH, .seq = 1, .ack = 1, .len = 100);
	ck_send_at(c.t, T_EST, data);
	th_advance_to(c.t, T_EST + TS_SEC(8));
	ts_time at[16];
	int n = take_copies(c.t, &data, at, 16);
	ck_assert_int_le(n, 16);
	ck_assert_int_eq(at[0], T_EST + RTO);
	ck_backoff(at, n);
	ck_assert_int_eq(at[n - 1] - at[n - 2], th_sk(&c)->rto / 2);
	ck_state(c, TS_ESTABLISHED);
}
END_TEST

START_TEST(established_retries2_gives_up)
{
	/* tcp_retries2 3: the budget is the model time of 3 doubling RTOs
	 * from 200 ms, (2^4 - 1) x 200 ms = 3 s (Linux tcp_model_timeout),
	 * checked when the timer fires (retransmits_timed_out): the last
	 * copy goes before 3 s have passed, the connection is given up one
	 * doubled RTO later, at or after 3 s. No RST (RFC 9293 §3.10.8,
	 * Linux tcp_write_err, N1); ETIMEDOUT once, then EPIPE + SIGPIPE. */
	th_conn c = established();
	set_knob(&c, TS_KNOB_TCP_RETRIES2, 3);
	ck_ret(th_do(c.t, "a: signal(SIGPIPE, SIG_IGN)"), 0);
	ck_ret(th_do(c.t, "a: write(x, 100)"), 100);
	ts_seg data =
	    OUT(c, .flags = TS_ACK | TS_PSH, .seq = 1, .ack = 1, .len = 100);
	th_advance_to(c.t, T_EST + TS_SEC(20));
	ts_time at[16];
	int n = take_copies(c.t, &data, at, 16);
	ck_assert_int_ge(n, 4); /* the original and at least 3 more */
	ck_assert_int_le(n, 16);
	ts_time gave_up = th_report_time(c.t, "retransmissions timed out");
	ck_assert_int_ge(gave_up, 0);
	ck_assert_int_lt(at[n - 1], T_EST + TS_SEC(3));
	ck_assert_int_ge(gave_up, T_EST + TS_SEC(3));
	ck_assert_int_eq(gave_up - at[n - 1], 2 * (at[n - 1] - at[n - 2]));
	ck_state(c, TS_CLOSED);
	ck_errno(th_do(c.t, "a: write(x, 10)"), TS_ETIMEDOUT, 0);
	ck_errno(th_do(c.t, "a: write(x, 10)"), TS_EPIPE, 1);
	ck_no_send(c.t);
}
END_TEST

START_TEST(established_rto_capped_at_120s)
{
	th_conn c = established();
	ck_ret(th_do(c.t, "a: write(x, 100)"), 100);
	th_drop_captures(c.t);
	th_quiet(c.t);
	/* 220 ms doubled 10 times would be 225 s: capped at 120 s. */
	th_advance(c.t, TS_SEC(500));
	ts_time prev = T_EST, gap = 0;
	for (const th_cap *k; (k = th_take(c.t));) {
		gap = k->at - prev;
		prev = k->at;
		ck_assert_int_le(gap, TS_SEC(120));
	}
	ck_assert_int_eq(gap, TS_SEC(120));
	ck_assert_int_eq(th_sk(&c)->rto, TS_SEC(120));
}
END_TEST

START_TEST(established_retries2_default_past_rto_max)
{
	/* tcp_retries2 15, the default: the model time doubles from 200 ms
	 * up to TCP_RTO_MAX (120 s) at the 9th timeout (linear_backoff_thresh
	 * = ilog2(120 s / 200 ms)), then adds 120 s a timeout: (2^10 - 1) x
	 * 200 ms + (15 - 9) x 120 s = 924.6 s (Linux tcp_model_timeout). The
	 * RTO from 220 ms doubles up to 120 s: the timer fires at 825.06 s,
	 * under it, then at 945.06 s, where the connection is given up. */
	th_conn c = established();
	ck_ret(th_do(c.t, "a: write(x, 100)"), 100);
	th_advance_to(c.t, T_EST + TS_MS(945060) - 1);
	ck_state(c, TS_ESTABLISHED);
	th_advance_to(c.t, T_EST + TS_MS(945060));
	ck_state(c, TS_CLOSED);
	ck_report(c.t, "retransmissions timed out");
}
END_TEST

START_TEST(established_retries2_read_timedout_then_eof)
{
	/* Linux tcp_recvmsg: the pending ETIMEDOUT once, then 0. */
	th_conn c = established();
	set_knob(&c, TS_KNOB_TCP_RETRIES2, 1);
	ck_ret(th_do(c.t, "a: write(x, 100)"), 100);
	th_advance(c.t, TS_SEC(10));
	ck_state(c, TS_CLOSED);
	ck_errno(th_do(c.t, "a: read(x, 10)"), TS_ETIMEDOUT, 0);
	ck_ret(th_do(c.t, "a: read(x, 10)"), 0);
}
END_TEST

START_TEST(established_fin)
{
	/* The peer closes: CLOSE_WAIT, the ACK delayed (interactive mode),
	 * read() returns 0 at the end of the stream. */
	th_conn c = established();
	INPUT(c, .flags = TS_FIN | TS_ACK, .seq = 1, .ack = 1);
	ck_state(c, TS_CLOSE_WAIT);
	ck_no_send(c.t);
	th_advance(c.t, TS_MS(10));
	ck_send_at(c.t, T_EST + FX_DELACK_TICK,
		   OUT(c, .flags = TS_ACK, .seq = 1, .ack = 2));
	ck_ret(th_do(c.t, "a: read(x, 10)"), 0);
	ck_ret(th_do(c.t, "a: read(x, 10)"), 0);
}
END_TEST

START_TEST(established_data_then_fin_readable_then_eof)
{
	th_conn c = established();
	INPUT(c, .flags = TS_ACK | TS_PSH | TS_FIN, .seq = 1, .ack = 1,
	      .len = 50);
	ck_state(c, TS_CLOSE_WAIT);
	ck_ret(th_do(c.t, "a: read(x, 10)"), 10);
	ck_ret(th_do(c.t, "a: read(x, 100)"), 40);
	ck_ret(th_do(c.t, "a: read(x, 100)"), 0);
}
END_TEST

START_TEST(established_rst_at_rcv_nxt)
{
	/* RFC 5961 §3.2: an RST exactly at RCV.NXT resets. Linux: the first
	 * call gets ECONNRESET (no SIGPIPE), later writes EPIPE + SIGPIPE. */
	th_conn c = established();
	ck_ret(th_do(c.t, "a: signal(SIGPIPE, SIG_IGN)"), 0);
	INPUT(c, .flags = TS_RST, .seq = 1);
	ck_no_send(c.t);
	ck_state(c, TS_CLOSED);
	ck_errno(th_do(c.t, "a: write(x, 10)"), TS_ECONNRESET, 0);
	ck_errno(th_do(c.t, "a: write(x, 10)"), TS_EPIPE, 1);
	ck_errno(th_do(c.t, "a: send(x, 10, MSG_NOSIGNAL)"), TS_EPIPE, 0);
	ck_ret(th_do(c.t, "a: read(x, 10)"), 0);
	ck_no_send(c.t);
}
END_TEST

START_TEST(established_rst_poll)
{
	/* After an RST (Linux tcp_poll): POLLIN POLLOUT POLLERR POLLHUP
	 * POLLRDHUP. */
	th_conn c = established();
	ck_ret(th_do(c.t, "a: poll(x, POLLIN|POLLOUT|POLLRDHUP, 0)"),
	       TS_POLLOUT);
	INPUT(c, .flags = TS_RST, .seq = 1);
	ck_ret(th_do(c.t, "a: poll(x, POLLIN|POLLOUT|POLLRDHUP, 0)"),
	       TS_POLLIN | TS_POLLOUT | TS_POLLERR | TS_POLLHUP | TS_POLLRDHUP);
}
END_TEST

START_TEST(established_rst_read_reset_then_eof)
{
	/* Queued data first, then ECONNRESET once, then 0 (Linux
	 * tcp_recvmsg_locked). */
	th_conn c = established();
	INPUT(c, .flags = TS_ACK | TS_PSH, .seq = 1, .ack = 1, .len = 100);
	ck_send(c.t, OUT(c, .flags = TS_ACK, .seq = 1, .ack = 101));
	INPUT(c, .flags = TS_RST | TS_ACK, .seq = 101, .ack = 1);
	ck_no_send(c.t);
	ck_state(c, TS_CLOSED);
	ck_ret(th_do(c.t, "a: read(x, 1000)"), 100);
	ck_errno(th_do(c.t, "a: read(x, 1000)"), TS_ECONNRESET, 0);
	ck_ret(th_do(c.t, "a: read(x, 1000)"), 0);
	ck_ret(th_do(c.t, "a: getsockopt(x, SO_ERROR)"), 0);
}
END_TEST

START_TEST(established_rst_sigpipe_terminates)
{
	/* With SIGPIPE's default action the EPIPE write ends the process. */
	th_conn c = established();
	INPUT(c, .flags = TS_RST, .seq = 1);
	ck_errno(th_do(c.t, "a: write(x, 10)"), TS_ECONNRESET, 0);
	ck_assert(!c.t->sim->hosts[0].proc.terminated);
	ck_errno(th_do(c.t, "a: write(x, 10)"), TS_EPIPE, 1);
	ck_assert(c.t->sim->hosts[0].proc.terminated);
	ck_report(c.t, "SIGPIPE: default action terminates the process");
}
END_TEST

START_TEST(established_rst_in_window_challenge_ack)
{
	/* RFC 5961 §3.2: an RST in the window but not at RCV.NXT gets a
	 * challenge ACK <SEQ=SND.NXT><ACK=RCV.NXT>, and nothing changes. */
	th_conn c = established();
	INPUT(c, .flags = TS_RST, .seq = 1 + 1000);
	ck_send(c.t, OUT(c, .flags = TS_ACK, .seq = 1, .ack = 1));
	ck_no_send(c.t);
	ck_state(c, TS_ESTABLISHED);
	ck_report(c.t, "RST in the window but not at RCV.NXT: challenge ACK "
		       "(RFC 5961)");
	ck_ret(th_do(c.t, "a: write(x, 10)"), 10);
}
END_TEST

START_TEST(established_rst_challenge_ack_rate_limited)
{
	/* One challenge ACK per tcp_invalid_ratelimit (500 ms) per socket
	 * (Linux tcp_send_challenge_ack, __tcp_oow_rate_limited). */
	th_conn c = established();
	ts_seg ack = OUT(c, .flags = TS_ACK, .seq = 1, .ack = 1);
	INPUT(c, .flags = TS_RST, .seq = 1 + 1000);
	ck_send(c.t, ack);
	th_advance(c.t, TS_MS(499));
	INPUT(c, .flags = TS_RST, .seq = 1 + 2000);
	ck_no_send(c.t);
	ck_report(c.t, "challenge ACK suppressed by the socket's rate limit "
		       "(tcp_invalid_ratelimit)");
	th_advance(c.t, TS_MS(1));
	INPUT(c, .flags = TS_RST, .seq = 1 + 3000);
	ck_send(c.t, ack);
	ck_state(c, TS_ESTABLISHED);
}
END_TEST

START_TEST(established_rst_out_of_window_ignored)
{
	th_conn c = established();
	INPUT(c, .flags = TS_RST, .seq = 1 + 100000);
	INPUT(c, .flags = TS_RST, .seq = 0); /* RCV.NXT - 1 */
	ck_no_send(c.t);
	ck_state(c, TS_ESTABLISHED);
}
END_TEST

START_TEST(established_challenge_ack_host_budget)
{
	/* Past the socket's limit, a host-wide budget of
	 * tcp_challenge_ack_limit a second (Linux tcp_send_challenge_ack);
	 * the report names the limit that held the ACK back. */
	th_conn c = established();
	c.t->sim->hosts[0].knob[TS_KNOB_TCP_INVALID_RATELIMIT] = 0;
	c.t->sim->hosts[0].knob[TS_KNOB_TCP_CHALLENGE_ACK_LIMIT] = 1;
	ts_seg ack = OUT(c, .flags = TS_ACK, .seq = 1, .ack = 1);
	INPUT(c, .flags = TS_RST, .seq = 1 + 1000);
	ck_send(c.t, ack);
	th_advance(c.t, TS_MS(1));
	INPUT(c, .flags = TS_RST, .seq = 1 + 2000);
	ck_no_send(c.t);
	ck_report(c.t, "challenge ACK suppressed by the host's budget "
		       "(tcp_challenge_ack_limit)");
	th_advance(c.t, TS_SEC(1));
	INPUT(c, .flags = TS_RST, .seq = 1 + 3000);
	ck_send(c.t, ack);
	ck_state(c, TS_ESTABLISHED);
}
END_TEST

START_TEST(established_syn_challenge_ack)
{
	/* RFC 5961 §4.2 (Linux tcp_validate_incoming): a SYN on a
	 * synchronized connection, in the window or not, gets a challenge
	 * ACK, never an RST, and the connection stays. */
	th_conn c = established();
	ts_seg ack = OUT(c, .flags = TS_ACK, .seq = 1, .ack = 1);
	INPUT(c, .flags = TS_SYN, .seq = 1 + 500);
	ck_send(c.t, ack);
	ck_no_send(c.t);
	ck_state(c, TS_ESTABLISHED);
	ck_report(c.t, "SYN on a synchronized connection: challenge ACK");
	th_advance(c.t, TS_SEC(1));
	INPUT(c, .flags = TS_SYN, .seq = 0xF0000000u);
	ck_send(c.t, ack);
	ck_no_send(c.t);
	ck_state(c, TS_ESTABLISHED);
}
END_TEST

START_TEST(established_ack_of_unsent_data_dropped)
{
	/* SEG.ACK > SND.NXT in ESTABLISHED: dropped, and answered with a
	 * challenge ACK (RFC 9293 §3.10.7.4, RFC 5961 §5.2; Linux 6.18
	 * tcp_ack, seen on the kernel); SND.UNA does not move. */
	th_conn c = established();
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 500);
	ck_send(c.t, OUT(c, .flags = TS_ACK, .seq = 1, .ack = 1));
	ck_report(c.t, "ACK of unsent data: challenge ACK");
	ck_no_send(c.t);
	ck_state(c, TS_ESTABLISHED);
	ck_ret(th_do(c.t, "a: write(x, 10)"), 10);
	ck_send(c.t, OUT(c, .flags = TS_ACK | TS_PSH, .seq = 1, .ack = 1,
			 .len = 10));
}
END_TEST

START_TEST(established_data_outside_window_dup_ack)
{
	/* RFC 9293 §3.10.7.4 first: an unacceptable segment gets
	 * <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> and is dropped. */
	th_conn c = established();
	INPUT(c, .flags = TS_ACK | TS_PSH, .seq = 1 + 70000, .ack = 1,
	      .len = 100);
	ck_send(c.t, OUT(c, .flags = TS_ACK, .seq = 1, .ack = 1));
	ck_no_send(c.t);
	ck_assert_uint_eq(th_sk(&c)->rcvq, 0);
}
END_TEST

START_TEST(established_duplicate_data_acked_at_once)
{
	th_conn c = established();
	INPUT(c, .flags = TS_ACK | TS_PSH, .seq = 1, .ack = 1, .len = 100);
	ck_send(c.t, OUT(c, .flags = TS_ACK, .seq = 1, .ack = 101));
	INPUT(c, .flags = TS_ACK | TS_PSH, .seq = 1, .ack = 1, .len = 100);
	ck_send(c.t, OUT(c, .flags = TS_ACK, .seq = 1, .ack = 101));
	ck_no_send(c.t);
	ck_ret(th_do(c.t, "a: read(x, 1000)"), 100);
}
END_TEST

START_TEST(established_out_of_window_ack_rate_limited)
{
	/* An unacceptable segment is answered with an ACK (RFC 9293
	 * §3.10.7.4), but for a segment without data at most one per
	 * tcp_invalid_ratelimit (500 ms): Linux tcp_validate_incoming ->
	 * tcp_oow_rate_limited. The second is dropped, its ACK suppressed,
	 * and the report says so. */
	th_conn c = established();
	INPUT(c, .flags = TS_ACK, .seq = 1 + 200000, .ack = 1);
	ck_send(c.t, OUT(c, .flags = TS_ACK, .seq = 1, .ack = 1));
	th_advance(c.t, TS_MS(100));
	INPUT(c, .flags = TS_ACK, .seq = 1 + 200000, .ack = 1);
	ck_no_send(c.t);
	ck_report(c.t, ": dropped, ACK suppressed by the rate limit");
	th_advance(c.t, TS_MS(400));
	INPUT(c, .flags = TS_ACK, .seq = 1 + 200000, .ack = 1);
	ck_send(c.t, OUT(c, .flags = TS_ACK, .seq = 1, .ack = 1));
}
END_TEST

START_TEST(established_out_of_order_then_gap_filled)
{
	/* Out-of-order data: a duplicate ACK at once (RFC 5681 §4.2); the
	 * segment filling the gap is acknowledged at once, covering both. */
	th_conn c = established();
	INPUT(c, .flags = TS_ACK | TS_PSH, .seq = 101, .ack = 1, .len = 100);
	ck_send(c.t, OUT(c, .flags = TS_ACK, .seq = 1, .ack = 1));
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 1, .len = 100);
	ck_send(c.t, OUT(c, .flags = TS_ACK, .seq = 1, .ack = 201));
	ck_no_send(c.t);
	ck_ret(th_do(c.t, "a: read(x, 1000)"), 200);
}
END_TEST

START_TEST(established_receive_window_closes_and_reopens)
{
	/* The receive buffer (65535) fills with unread data: the window
	 * shrinks without moving its right edge back, reaches 0, and a read
	 * that frees the buffer sends a window update. */
	th_conn c = established();
	for (uint32_t i = 0; i < 44; i++)
		INPUT(c, .flags = TS_ACK, .seq = 1 + i * 1460, .ack = 1,
		      .len = 1460);
	th_advance(c.t, TS_MS(500)); /* let any delayed ACK go */
	const th_cap *k = last_sent(c.t);
	ck_assert_ptr_nonnull(k);
	char m[600];
	ts_seg want = OUT(c, .flags = TS_ACK, .seq = 1, .ack = 1 + 64240,
			  .win = TH_WIN_ZERO);
	ck_assert_msg(th_seg_eq(&k->seg, &want, m, sizeof m), "%s", m);
	ck_ret(th_do(c.t, "a: read(x, 65535)"), 64240);
	ck_send(c.t, OUT(c, .flags = TS_ACK, .seq = 1, .ack = 1 + 64240));
	ck_no_send(c.t);
}
END_TEST

START_TEST(established_close)
{
	/* close(): FIN_WAIT_1 and <SEQ=SND.NXT><ACK=RCV.NXT><CTL=FIN,ACK>;
	 * the descriptor is gone (EBADF). */
	th_conn c = established();
	ck_ret(th_do(c.t, "a: close(x)"), 0);
	ck_send(c.t, OUT(c, .flags = TS_FIN | TS_ACK, .seq = 1, .ack = 1));
	ck_no_send(c.t);
	ck_state(c, TS_FIN_WAIT_1);
	ck_errno(th_do(c.t, "a: write(x, 1)"), TS_EBADF, 0);
}
END_TEST

START_TEST(established_close_after_write_fin_follows_data)
{
	th_conn c = established();
	ck_ret(th_do(c.t, "a: write(x, 100)"), 100);
	ck_send(c.t, OUT(c, .flags = TS_ACK | TS_PSH, .seq = 1, .ack = 1,
			 .len = 100));
	ck_ret(th_do(c.t, "a: close(x)"), 0);
	ck_send(c.t, OUT(c, .flags = TS_FIN | TS_ACK, .seq = 101, .ack = 1));
	ck_no_send(c.t);
}
END_TEST

START_TEST(established_close_with_unread_data_rst)
{
	/* RFC 2525 §2.17, Linux __tcp_close (R9): unread data -> RST|ACK
	 * <SEQ=SND.NXT><ACK=RCV.NXT>, CLOSED, no FIN. */
	th_conn c = established();
	INPUT(c, .flags = TS_ACK | TS_PSH, .seq = 1, .ack = 1, .len = 100);
	ck_send(c.t, OUT(c, .flags = TS_ACK, .seq = 1, .ack = 101));
	ck_ret(th_do(c.t, "a: close(x)"), 0);
	ck_send(c.t, OUT(c, .flags = TS_RST | TS_ACK, .seq = 1, .ack = 101));
	ck_no_send(c.t);
	ck_state(c, TS_CLOSED);
	ck_report(c.t, "x sends RST (close-unread-data): close() with unread "
		       "data in the receive "
		       "queue [RFC 2525 §2.17, RFC 1122 §4.2.2.13; Linux "
		       "__tcp_close]");
	/* The peer's next segment meets no connection: the listener on the
	 * port answers its ACK with an RST (R2). */
	INPUT(c, .flags = TS_ACK, .seq = 101, .ack = 1);
	ck_send(c.t, OUT(c, .flags = TS_RST, .seq = 1, .win = TH_WIN_ZERO));
}
END_TEST

START_TEST(established_close_linger_zero_rst)
{
	/* SO_LINGER {1, 0} (R10, RFC 9293 §3.10.5 ABORT): RST|ACK
	 * <SEQ=SND.NXT><ACK=RCV.NXT>. */
	th_conn c = established();
	ck_ret(th_do(c.t, "a: setsockopt(x, SO_LINGER, 1, 0)"), 0);
	ck_ret(th_do(c.t, "a: close(x)"), 0);
	ck_send(c.t, OUT(c, .flags = TS_RST | TS_ACK, .seq = 1, .ack = 1));
	ck_no_send(c.t);
	ck_state(c, TS_CLOSED);
	ck_report(c.t, "x sends RST (linger-abort): close() with SO_LINGER {1, "
		       "0} aborts the "
		       "connection [RFC 9293 §3.10.5 (ABORT)");
}
END_TEST

START_TEST(established_close_linger_waits_for_ack)
{
	/* SO_LINGER {1, t}: close() blocks until our FIN is acknowledged,
	 * then returns 0 (Linux sk_stream_wait_close). */
	th_conn c = established();
	ck_ret(th_do(c.t, "a: setsockopt(x, SO_LINGER, 1, 5)"), 0);
	th_res r = th_do(c.t, "a: close(x)");
	ck_blocked(r);
	ck_send(c.t, OUT(c, .flags = TS_FIN | TS_ACK, .seq = 1, .ack = 1));
	th_advance(c.t, FX_RTT);
	ck_blocked(th_result(c.t, r));
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 2);
	ck_ret(th_result(c.t, r), 0);
	ck_state(c, TS_FIN_WAIT_2);
}
END_TEST

START_TEST(accepted_child_inherits_linger_time)
{
	/* The listener's SO_LINGER {1, 5} passes to the connection accept()
	 * returns, seconds and all (Linux sk_clone_lock copies the whole
	 * sock, sk_lingertime with it): close() waits for its FIN's ACK
	 * instead of aborting as {1, 0} would. */
	th_conn c = listening();
	ck_ret(th_do(c.t, "a: setsockopt(s, SO_LINGER, 1, 5)"), 0);
	INPUT(c, .flags = TS_SYN, .seq = 0);
	ck_send(c.t, OUT(c, .flags = TS_SYN | TS_ACK, .seq = 0, .ack = 1));
	th_advance(c.t, FX_RTT);
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 1);
	ck_ret(th_do(c.t, "a: x = accept(s)"), 4);
	ts_sock *x = th_var_sock(c.t, 0, "x");
	c.ref = (ts_sockref){.sk = x, .gen = x->gen};
	c.id = x->id;
	th_res r = th_do(c.t, "a: close(x)");
	ck_blocked(r);
	ck_send(c.t, OUT(c, .flags = TS_FIN | TS_ACK, .seq = 1, .ack = 1));
	ck_no_send(c.t);
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 2);
	ck_ret(th_result(c.t, r), 0);
	ck_state(c, TS_FIN_WAIT_2);
}
END_TEST

START_TEST(established_disconnect_discards_unread_data)
{
	/* connect(AF_UNSPEC) with unread data: Linux tcp_disconnect sends
	 * RST (tcp_need_reset) and purges the receive queue; the bytes are
	 * counted as discarded, so the checking mode's account of every
	 * byte received (read + queued + discarded) still holds, and the
	 * socket can connect again. */
	th_conn c = established();
	INPUT(c, .flags = TS_ACK | TS_PSH, .seq = 1, .ack = 1, .len = 100);
	ck_send(c.t, OUT(c, .flags = TS_ACK, .seq = 1, .ack = 101));
	ck_ret(th_do(c.t, "a: connect(x, AF_UNSPEC)"), 0);
	ck_send(c.t, OUT(c, .flags = TS_RST | TS_ACK, .seq = 1, .ack = 101));
	ts_sock *sk = th_sk(&c);
	ck_assert_int_eq(sk->state, TS_CLOSED);
	ck_assert_uint_eq(sk->rcvq, 0);
	ck_assert_uint_eq(sk->discarded, 100);
	ck_assert_int_eq(ts_check(c.t->sim), 0);
	ck_assert_int_eq(c.t->sim->run.aborted, 0);
}
END_TEST

START_TEST(accepted_child_inherits_keepalive_times)
{
	/* SO_KEEPALIVE, TCP_KEEPIDLE and TCP_KEEPINTVL set on the listener
	 * hold for the connections it accepts (Linux sk_clone_lock copies
	 * the whole tcp_sock): with the peer silent, probes at 10 s of
	 * idleness, then every 3 s, not tcp_keepalive_intvl's 75 s. */
	th_conn c = listening();
	ck_ret(th_do(c.t, "a: setsockopt(s, SO_KEEPALIVE, 1)"), 0);
	ck_ret(th_do(c.t, "a: setsockopt(s, TCP_KEEPIDLE, 10)"), 0);
	ck_ret(th_do(c.t, "a: setsockopt(s, TCP_KEEPINTVL, 3)"), 0);
	INPUT(c, .flags = TS_SYN, .seq = 0);
	ck_send(c.t, OUT(c, .flags = TS_SYN | TS_ACK, .seq = 0, .ack = 1));
	th_advance(c.t, FX_RTT);
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 1);
	ck_ret(th_do(c.t, "a: x = accept(s)"), 4);
	ts_time t0 = c.t->sim->now;
	th_advance_to(c.t, t0 + TS_SEC(17));
	static const int at_s[] = {10, 13, 16};
	for (int i = 0; i < 3; i++) {
		const th_cap *k = th_take(c.t);
		ck_assert_ptr_nonnull(k);
		ck_assert_msg(k->at == t0 + TS_SEC(at_s[i]),
			      "probe %d at %lld us", i, (long long)k->at);
		ck_assert_uint_eq(k->seg.len, 0);
		ck_assert_uint_eq(k->seg.seq, c.iss);
	}
}
END_TEST

START_TEST(fin_wait_2_close_orphan_expires)
{
	/* close() in FIN_WAIT_2 (after shutdown(SHUT_WR) and the ACK of the
	 * FIN) orphans the connection, which waits tcp_fin_time() = max(
	 * tcp_fin_timeout, 3.5 RTO) = 60 s for the peer's FIN, then is gone
	 * without a word (Linux __tcp_close -> tcp_time_wait(TCP_FIN_WAIT2,
	 * tmo)). */
	th_conn c = fin_wait_2_shut();
	ck_ret(th_do(c.t, "a: close(x)"), 0);
	ts_time t0 = c.t->sim->now;
	th_advance_to(c.t, t0 + TS_SEC(60) - 1);
	ck_state(c, TS_FIN_WAIT_2);
	th_advance_to(c.t, t0 + TS_SEC(60));
	ck_state(c, TS_CLOSED);
	ck_no_send(c.t);
}
END_TEST

START_TEST(established_disconnect_clears_shutdown)
{
	/* connect(AF_UNSPEC) forgets an earlier shutdown (Linux
	 * tcp_disconnect: sk_shutdown = 0): once the pending ECONNRESET is
	 * out, read() finds a socket that is not connected, ENOTCONN, not
	 * the end of a stream shut for reading (tcp_recvmsg looks at
	 * RCV_SHUTDOWN before TCP_CLOSE). */
	th_conn c = established();
	ck_ret(th_do(c.t, "a: shutdown(x, SHUT_RD)"), 0);
	ck_ret(th_do(c.t, "a: connect(x, AF_UNSPEC)"), 0);
	ck_send(c.t, OUT(c, .flags = TS_RST | TS_ACK, .seq = 1, .ack = 1));
	ck_errno(th_do(c.t, "a: read(x, 10)"), TS_ECONNRESET, 0);
	ck_errno(th_do(c.t, "a: read(x, 10)"), TS_ENOTCONN, 0);
}
END_TEST

START_TEST(established_ato_follows_data_arrivals)
{
	/* Linux tcp_event_data_recv(), for a gap m between in-order
	 * segments: m <= TCP_ATO_MIN / 2 gives ato = ato / 2 + TCP_ATO_MIN /
	 * 2; m < ato gives ato = ato / 2 + m (at most the RTO); m from ato
	 * up to the RTO leaves ato alone. */
	th_conn c = established();
	ts_sock *sk = th_sk(&c);
	uint32_t seq = 1;
	INPUT(c, .flags = TS_ACK | TS_PSH, .seq = seq, .ack = 1, .len = 10);
	seq += 10;
	ck_assert_int_eq(sk->ato, TS_TCP_ATO_MIN);
	th_advance(c.t, TS_TCP_ATO_MIN); /* m == ato: unchanged */
	INPUT(c, .flags = TS_ACK | TS_PSH, .seq = seq, .ack = 1, .len = 10);
	seq += 10;
	ck_assert_int_eq(sk->ato, TS_TCP_ATO_MIN);
	th_advance(c.t, TS_MS(30)); /* m < ato: 40 / 2 + 30 */
	INPUT(c, .flags = TS_ACK | TS_PSH, .seq = seq, .ack = 1, .len = 10);
	seq += 10;
	ck_assert_int_eq(sk->ato, TS_MS(50));
	th_advance(c.t, TS_MS(10)); /* m <= TCP_ATO_MIN / 2: 50 / 2 + 20 */
	INPUT(c, .flags = TS_ACK | TS_PSH, .seq = seq, .ack = 1, .len = 10);
	ck_assert_int_eq(sk->ato, TS_MS(45));
}
END_TEST

START_TEST(established_loss_probe_from_snd_una)
{
	/* A tail loss probe sends the last segment again (Linux
	 * tcp_send_loss_probe), from SND.UNA when its head was acknowledged
	 * meanwhile: __tcp_retransmit_skb trims what SND.UNA covers
	 * (tcp_trim_head), so no acknowledged byte is sent again. SACK is
	 * agreed, as a probe needs (tcp_schedule_loss_probe). */
	th_conn c = listening();
	ts_seg syn = IN(c, .flags = TS_SYN, .seq = 0);
	syn.sack_ok = 1;
	th_input(&c, &syn);
	const th_cap *cap = th_take(c.t);
	ck_assert_ptr_nonnull(cap);
	ck_assert_uint_eq(cap->seg.flags, TS_SYN | TS_ACK);
	ck_assert_uint_eq(cap->seg.sack_ok, 1);
	ts_sock *child = lookup(c.t, LOCAL_PORT, REMOTE_PORT);
	c.ref = (ts_sockref){.sk = child, .gen = child->gen};
	c.id = child->id;
	th_advance(c.t, FX_RTT);
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 1);
	ck_ret(th_do(c.t, "a: x = accept(s)"), 4);
	ck_ret(th_do(c.t, "a: write(x, 1000)"), 1000);
	ck_send(c.t, OUT(c, .flags = TS_ACK | TS_PSH, .seq = 1, .ack = 1,
			 .len = 1000));
	th_advance(c.t, FX_RTT);
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 501);
	ck_no_send(c.t);
	th_advance(c.t, TS_MS(300));
	ck_assert_int_eq(th_pending(c.t), 1);
	cap = th_take(c.t);
	ck_assert_ptr_nonnull(cap);
	ck_assert_uint_eq(cap->seg.seq, c.iss + 501);
	ck_assert_uint_eq(cap->seg.len, 500);
	ck_report(c.t, "tail loss probe");
	/* Karn's rule (RFC 6298 §3): the probe is a retransmission, so the
	 * ACK of its data gives no RTT sample (without timestamps Linux has
	 * none: tcp_clean_rtx_queue skips TCPCB_RETRANS); the 20 ms sample of
	 * the handshake stands, and so does the RTO. */
	ts_sock *sk = th_sk(&c);
	ts_time srtt = sk->srtt;
	th_advance(c.t, FX_RTT);
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 1001);
	ck_assert_int_eq(sk->srtt, srtt);
	ck_assert_int_eq(sk->rto, RTO);
}
END_TEST

START_TEST(established_old_data_enters_quickack)
{
	/* Linux tcp_data_queue(): data already received (a retransmission)
	 * is dropped and acknowledged at once, and enters quick-ACK mode
	 * (out_of_window: tcp_enter_quickack_mode), so the next segments are
	 * acknowledged at once too, where they would wait for the delayed
	 * ACK. */
	th_conn c = established();
	ts_sock *sk = th_sk(&c);
	sk->ato = TS_TCP_ATO_MIN; /* the start's quick ACKs used up */
	sk->quick = 0;
	INPUT(c, .flags = TS_ACK | TS_PSH, .seq = 1, .ack = 1, .len = 10);
	ck_no_send(c.t);
	th_advance(c.t, TS_MS(300));
	const th_cap *k = th_take(c.t); /* the delayed ACK */
	ck_assert_ptr_nonnull(k);
	ck_assert_uint_eq(k->seg.ack, c.irs + 11);
	INPUT(c, .flags = TS_ACK | TS_PSH, .seq = 1, .ack = 1, .len = 10);
	k = th_take(c.t); /* the duplicate, ACKed at once */
	ck_assert_ptr_nonnull(k);
	ck_assert_uint_eq(k->seg.ack, c.irs + 11);
	ck_assert_int_gt(sk->quick, 0);
	INPUT(c, .flags = TS_ACK | TS_PSH, .seq = 11, .ack = 1, .len = 10);
	k = th_take(c.t); /* new data: a quick ACK, not a delayed one */
	ck_assert_ptr_nonnull(k);
	ck_assert_uint_eq(k->seg.ack, c.irs + 21);
}
END_TEST

START_TEST(established_delayed_ack_due_soon_goes_now)
{
	/* Linux tcp_send_delayed_ack(): data that finds a delayed ACK
	 * pending whose timer fires within a quarter of the ATO is
	 * acknowledged at once, not at the timer. */
	th_conn c = established();
	ts_sock *sk = th_sk(&c);
	/* the quick ACKs of the start given and used up
	 * (tcp_event_data_recv gives them with the first data) */
	sk->ato = TS_TCP_ATO_MIN;
	sk->quick = 0;
	INPUT(c, .flags = TS_ACK | TS_PSH, .seq = 1, .ack = 1, .len = 10);
	ck_no_send(c.t);
	ck_assert_int_eq(sk->ack_pending, 1);
	ts_time due = sk->tdl[TS_TIMER_DELACK];
	th_advance_to(c.t, due - TS_MS(1));
	ck_no_send(c.t);
	INPUT(c, .flags = TS_ACK | TS_PSH, .seq = 11, .ack = 1, .len = 10);
	ck_send(c.t, OUT(c, .flags = TS_ACK, .seq = 1, .ack = 21));
}
END_TEST

START_TEST(established_user_timeout_from_first_rto)
{
	/* TCP_USER_TIMEOUT counts from the first retransmission by the RTO
	 * (Linux retrans_stamp: tcp_retransmit_skb stamps it once the segment
	 * went out again; a tail loss probe, __tcp_retransmit_skb alone, does
	 * not), and the RTO is clamped to what is left of it
	 * (tcp_clamp_rto_to_user_timeout), so the connection gives up exactly
	 * that long after it. Linux 6.x, 1000 ms, the peer host gone: the
	 * write failed 1.44 s later, not 1 s. */
	th_conn c = established();
	ck_ret(th_do(c.t, "a: setsockopt(x, TCP_USER_TIMEOUT, 1000)"), 0);
	ck_ret(th_do(c.t, "a: write(x, 100)"), 100);
	ck_send(c.t, OUT(c, .flags = TS_ACK | TS_PSH, .seq = 1, .ack = 1,
			 .len = 100));
	th_advance(c.t, RTO); /* no SACK agreed here: no loss probe */
	const th_cap *rto = th_take(c.t);
	ck_assert_ptr_nonnull(rto);
	ck_assert_uint_eq(rto->seg.seq, c.iss + 1);
	ts_time stamp = rto->at;
	ck_assert_int_eq(stamp, T_EST + RTO);
	th_advance_to(c.t, stamp + TS_MS(999));
	ck_state(c, TS_ESTABLISHED);
	th_advance_to(c.t, stamp + TS_MS(1000));
	ck_state(c, TS_CLOSED);
	ck_errno(th_do(c.t, "a: read(x, 10)"), TS_ETIMEDOUT, 0);
}
END_TEST

START_TEST(established_older_segment_leaves_window)
{
	/* The send window is taken only from a segment no older than the
	 * last one that set it (RFC 9293 §3.10.7.4: SND.WL1 < SEG.SEQ, or
	 * SND.WL1 = SEG.SEQ and SND.WL2 =< SEG.ACK; Linux
	 * tcp_may_update_window agrees here, the ACK not moving SND.UNA).
	 * A retransmission overlapping new data, older than the segment
	 * that set SND.WL1, brings a window of 1000 that is ignored. */
	th_conn c = established();
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 1, .len = 100);
	INPUT(c, .flags = TS_ACK, .seq = 101, .ack = 1, .len = 100);
	th_drop_captures(c.t);
	INPUT(c, .flags = TS_ACK, .seq = 51, .ack = 1, .len = 200, .win = 1000);
	ck_send(c.t, OUT(c, .flags = TS_ACK, .seq = 1, .ack = 251));
	ck_ret(th_do(c.t, "a: write(x, 2000)"), 2000);
	ck_send(c.t,
		OUT(c, .flags = TS_ACK, .seq = 1, .ack = 251, .len = 1460));
	ck_send(c.t, OUT(c, .flags = TS_ACK | TS_PSH, .seq = 1461, .ack = 251,
			 .len = 540));
}
END_TEST

START_TEST(established_blocked_write_wakes_at_a_third_free)
{
	/* The send buffer counts memory, as Linux's sk_wmem_queued: each
	 * skb's payload and TS_TCP_SKB_OVERHEAD (tcp_sendmsg_locked). After
	 * the handshake it is 2 * 10 * 2304 = 46080 (tcp_sndbuf_expand:
	 * 1460 + MAX_TCP_HEADER + skb_shared_info rounded up to 2048, and
	 * struct sk_buff). A skb holds half the peer's window, 22 segments
	 * (tcp_xmit_size_goal); the first goes, 10 segments of it, and the
	 * rest fills again to 22 segments before memory runs out: 32
	 * segments queued. */
	th_conn c = established();
	th_res r = th_do(c.t, "a: write(x, 100000)");
	ck_blocked(r);
	ts_sock *sk = th_sk(&c);
	ck_assert_uint_eq(sk->sndbuf, 46080);
	ck_assert_uint_eq(sk->write_seq - c.iss - 1, 32 * 1460);
	ck_assert(!ts_tcp_memory_free(sk));
	th_drop_captures(c.t);
	/* Each ACK frees the skbs it covers whole; the writer wakes only
	 * when a third of the buffer is free: free memory at least half
	 * of what is queued (tcp_check_space -> sk_stream_write_space,
	 * __sk_stream_is_writeable). */
	int woke = 0;
	for (uint32_t acked = 1; acked <= 32 && !woke; acked++) {
		uint32_t una = c.iss + 1 + acked * 1460;
		uint32_t n = sk->skbq->n, freed = 0;
		for (uint32_t i = 0; i < n - sk->skb_unsent; i++)
			if (ts_seq_le(sk->skbq
					  ->e[(sk->skbq->head + i) &
					      (sk->skbq->cap - 1)]
					  .end,
				      una))
				freed++;
		uint32_t q =
		    (n - freed) * TS_TCP_SKB_OVERHEAD + (sk->write_seq - una);
		uint32_t before = sk->write_seq;
		INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 1 + acked * 1460);
		/* (the buffer as the ACK left it: tcp_new_space grows it
		 * with the window before it looks) */
		int writeable = q < sk->sndbuf && sk->sndbuf - q >= q / 2;
		woke = sk->write_seq != before;
		ck_assert_int_eq(woke, writeable && freed > 0);
	}
	ck_assert(woke);
	/* the window grew, and the buffer with it (cwnd 22 at 12 acked) */
	ck_assert_uint_eq(sk->sndbuf, 2 * sk->snd_cwnd * 2304);
	/* All acked, again and again: the rest fits, the write returns. */
	for (int i = 0; i < 8 && th_result(c.t, r).blocked; i++)
		INPUT(c, .flags = TS_ACK, .seq = 1, .ack = sk->snd_nxt - c.iss);
	ck_ret(th_result(c.t, r), 100000);
}
END_TEST

START_TEST(established_send_buffer_from_tcp_wmem)
{
	/* Linux tcp_init_sock: the buffer is tcp_wmem's DEFAULT (16384)
	 * before a connection; tcp_init_buffer_space -> tcp_sndbuf_expand
	 * grows it to 2 * 10 * 2304 at the handshake, at most tcp_wmem's
	 * MAX; SO_SNDBUF (doubled) locks it (SOCK_SNDBUF_LOCK). */
	th_conn c = established();
	ck_assert_uint_eq(th_sk(&c)->sndbuf, 46080);
	ck_ret(th_do(c.t, "a: c = socket()"), 5);
	ck_ret(th_do(c.t, "a: getsockopt(c, SO_SNDBUF)"), 16384);
	ck_ret(th_do(c.t, "a: setsockopt(x, SO_SNDBUF, 3000)"), 0);
	ck_ret(th_do(c.t, "a: getsockopt(x, SO_SNDBUF)"), 6000);
	/* locked: the window's growth no longer grows it */
	ck_assert(th_sk(&c)->sndbuf_lock);
	ts_tcp_sndbuf_expand(th_sk(&c));
	ck_assert_uint_eq(th_sk(&c)->sndbuf, 6000);
}
END_TEST

START_TEST(established_nonblocking_write_takes_what_memory_allows)
{
	/* Linux tcp_sendmsg_locked: a new skb only while sk_wmem_queued is
	 * below the buffer (sk_stream_memory_free); a non-blocking write
	 * returns what it queued, then EAGAIN (sk_stream_wait_memory with
	 * no time-out); poll() has no POLLOUT until a third is free. Only a
	 * new skb needs free memory: a 6000-byte buffer takes a first skb
	 * of 22 segments (half the peer's window), 10 go, and the unsent
	 * rest is filled to 22 segments again: 32 in all, then no more. */
	th_conn c = established();
	ck_ret(th_do(c.t, "a: setsockopt(x, SO_SNDBUF, 3000)"), 0);
	ck_ret(th_do(c.t, "a: fcntl(x, O_NONBLOCK)"), 0);
	ck_ret(th_do(c.t, "a: write(x, 100000)"), 32 * 1460);
	ts_sock *sk = th_sk(&c);
	ck_assert_uint_eq(ts_tcp_wmem_queued(sk) >= sk->sndbuf, 1);
	ck_errno(th_do(c.t, "a: write(x, 1)"), TS_EAGAIN, 0);
	ck_ret(th_do(c.t, "a: poll(x, POLLOUT, 0)"), 0);
}
END_TEST

START_TEST(established_poll_marks_nospace_and_the_buffer_grows)
{
	/* Linux tcp_poll(): no POLLOUT, and the socket is marked
	 * SOCK_NOSPACE; the ACKs that then free memory grow the buffer
	 * with the window (tcp_check_space -> tcp_new_space ->
	 * tcp_sndbuf_expand, while packets in flight are fewer than cwnd).
	 * Without the mark (no writer or poller ran out of room), it stays
	 * as it was. */
	for (int polled = 0; polled <= 1; polled++) {
		th_conn c = established();
		ts_sock *sk = th_sk(&c);
		ck_ret(th_do(c.t, "a: fcntl(x, O_NONBLOCK)"), 0);
		/* 40000 bytes fit (only a new skb needs free memory), but
		 * leave less than a third free */
		ck_ret(th_do(c.t, "a: write(x, 40000)"), 40000);
		ck_assert(!sk->nospace);
		if (polled) {
			ck_ret(th_do(c.t, "a: poll(x, POLLOUT, 0)"), 0);
			ck_assert(sk->nospace);
		}
		INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 1 + 10 * 1460);
		ck_assert_uint_eq(sk->snd_cwnd, 20);
		ck_assert_uint_eq(sk->sndbuf, polled ? 2 * 20 * 2304 : 46080);
		th_free(c.t);
	}
}
END_TEST

START_TEST(established_long_write_psh_every_half_window)
{
	/* Linux forced_push(): a full skb is marked PSH (tcp_mark_push) once
	 * more than half the largest window was written since the last
	 * mark, and the write's last skb at its end (tcp_push). The peer's
	 * window here is 64240: skbs of 22 segments (32120 bytes). The
	 * first goes, 10 segments of it, and the unsent rest is filled
	 * to 22 segments again, to 46720: more than 32120 written since
	 * the last mark, PSH there; then at the end. */
	th_conn c = established();
	ck_ret(th_do(c.t, "a: setsockopt(x, SO_SNDBUF, 1000000)"), 0);
	ck_ret(th_do(c.t, "a: write(x, 60000)"), 60000);
	ts_sock *sk = th_sk(&c);
	/* everything acked as it goes: each segment's PSH seen */
	uint32_t psh_end[4], npsh = 0;
	for (int round = 0; round < 8; round++) {
		for (const th_cap *k; (k = th_take(c.t));)
			if (k->seg.len && (k->seg.flags & TS_PSH) && npsh < 4)
				psh_end[npsh++] =
				    k->seg.seq + k->seg.len - c.iss - 1;
		INPUT(c, .flags = TS_ACK, .seq = 1, .ack = sk->snd_nxt - c.iss);
	}
	ck_assert_uint_eq(npsh, 2);
	ck_assert_uint_eq(psh_end[0], 32 * 1460);
	ck_assert_uint_eq(psh_end[1], 60000);
}
END_TEST

START_TEST(established_shutdown_wr_then_write_epipe)
{
	/* After shutdown(SHUT_WR): EPIPE, with SIGPIPE unless
	 * MSG_NOSIGNAL (Linux tcp_sendmsg_locked, sk_stream_error). */
	th_conn c = fin_wait_1_shut();
	ck_ret(th_do(c.t, "a: signal(SIGPIPE, SIG_IGN)"), 0);
	ck_errno(th_do(c.t, "a: write(x, 10)"), TS_EPIPE, 1);
	ck_errno(th_do(c.t, "a: send(x, 10, MSG_NOSIGNAL)"), TS_EPIPE, 0);
	ck_no_send(c.t);
}
END_TEST

START_TEST(established_kill_closes_as_close)
{
	/* kill: the kernel closes the descriptor as close() would. */
	th_conn c = established();
	th_do(c.t, "a: kill");
	ck_send(c.t, OUT(c, .flags = TS_FIN | TS_ACK, .seq = 1, .ack = 1));
	ck_state(c, TS_FIN_WAIT_1);
	ck_assert(c.t->sim->hosts[0].proc.terminated);
}
END_TEST

START_TEST(established_rst_before_accept)
{
	/* A queued connection reset before accept(): accept() still returns
	 * it; the first read gives ECONNRESET (Linux __inet_accept). */
	th_conn c = syn_received();
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 1);
	INPUT(c, .flags = TS_RST, .seq = 1);
	ck_no_send(c.t);
	ck_ret(th_do(c.t, "a: x = accept(s)"), 4);
	ck_errno(th_do(c.t, "a: read(x, 10)"), TS_ECONNRESET, 0);
	ck_ret(th_do(c.t, "a: read(x, 10)"), 0);
}
END_TEST

START_TEST(established_shut_rd_data_still_accepted)
{
	/* SHUT_RD in ESTABLISHED sets RCV_SHUTDOWN but Linux still queues
	 * and acknowledges data (no R13 outside FIN_WAIT_1/2). */
	th_conn c = established();
	ck_ret(th_do(c.t, "a: shutdown(x, SHUT_RD)"), 0);
	ck_no_send(c.t);
	INPUT(c, .flags = TS_ACK | TS_PSH, .seq = 1, .ack = 1, .len = 100);
	ck_send(c.t, OUT(c, .flags = TS_ACK, .seq = 1, .ack = 101));
	ck_state(c, TS_ESTABLISHED);
	ck_ret(th_do(c.t, "a: read(x, 1000)"), 100);
	ck_ret(th_do(c.t, "a: read(x, 1000)"), 0);
}
END_TEST

/* ====================================================================== */
/* FIN_WAIT_1                                                             */
/* ====================================================================== */

START_TEST(fin_wait_1_ack)
{
	th_conn c = fin_wait_1();
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 2);
	ck_no_send(c.t);
	ck_state(c, TS_FIN_WAIT_2);
}
END_TEST

START_TEST(fin_wait_1_ack_of_part_stays)
{
	/* An ACK that does not cover the FIN leaves us in FIN_WAIT_1. */
	th_conn c = established();
	ck_ret(th_do(c.t, "a: write(x, 100)"), 100);
	ck_ret(th_do(c.t, "a: close(x)"), 0);
	th_drop_captures(c.t);
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 101);
	ck_no_send(c.t);
	ck_state(c, TS_FIN_WAIT_1);
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 102);
	ck_state(c, TS_FIN_WAIT_2);
}
END_TEST

START_TEST(fin_wait_1_fin_simultaneous_close)
{
	/* The peer's FIN before the ACK of ours: CLOSING, and ACK at once
	 * (Linux tcp_fin: FIN_WAIT1 -> tcp_send_ack, CLOSING). */
	th_conn c = fin_wait_1();
	INPUT(c, .flags = TS_FIN | TS_ACK, .seq = 1, .ack = 1);
	ck_send(c.t, OUT(c, .flags = TS_ACK, .seq = 2, .ack = 2));
	ck_no_send(c.t);
	ck_state(c, TS_CLOSING);
}
END_TEST

START_TEST(fin_wait_1_fin_ack)
{
	/* FIN acknowledging ours: TIME_WAIT at once, ACK sent. */
	th_conn c = fin_wait_1();
	INPUT(c, .flags = TS_FIN | TS_ACK, .seq = 1, .ack = 2);
	/* the FIN took one byte of the window, whose right edge stays
	 * (Linux tcp_select_window never moves it back) */
	ck_send(c.t, OUT(c, .flags = TS_ACK, .seq = 2, .ack = 2,
			 .win = WIN_OUT - 1));
	ck_no_send(c.t);
	ck_state(c, TS_TIME_WAIT);
}
END_TEST

START_TEST(fin_wait_1_data_after_close_rst)
{
	/* The application closed (RCV_SHUTDOWN): new data is answered with
	 * an RST (RFC 1122 §4.2.2.13, Linux R13): a reply to a segment with
	 * ACK, <SEQ=SEG.ACK><CTL=RST>; the connection is reset. */
	th_conn c = fin_wait_1();
	INPUT(c, .flags = TS_ACK | TS_PSH, .seq = 1, .ack = 1, .len = 100);
	ck_send(c.t, OUT(c, .flags = TS_RST, .seq = 1, .win = TH_WIN_ZERO));
	ck_no_send(c.t);
	ck_state(c, TS_CLOSED);
	ck_report(c.t, "x sends RST (orphan-data): data arrived after the "
		       "application closed "
		       "its receive side [RFC 1122 §4.2.2.13");
}
END_TEST

START_TEST(fin_wait_1_shut_data_accepted)
{
	/* After shutdown(SHUT_WR) the receive side is open: data is queued,
	 * acknowledged, readable. */
	th_conn c = fin_wait_1_shut();
	INPUT(c, .flags = TS_ACK | TS_PSH, .seq = 1, .ack = 1, .len = 100);
	ck_send(c.t, OUT(c, .flags = TS_ACK, .seq = 2, .ack = 101));
	ck_no_send(c.t);
	ck_state(c, TS_FIN_WAIT_1);
	ck_ret(th_do(c.t, "a: read(x, 1000)"), 100);
}
END_TEST

START_TEST(fin_wait_1_fin_retransmitted)
{
	/* The FIN is sent again after one RTO, then with the RTO doubling. */
	th_conn c = fin_wait_1();
	ts_seg fin = OUT(c, .flags = TS_FIN | TS_ACK, .seq = 1, .ack = 1);
	th_advance_to(c.t, T_EST + TS_SEC(8));
	ts_time at[16];
	int n = take_copies(c.t, &fin, at, 16);
	ck_assert_int_le(n, 16);
	ck_assert_int_eq(at[0], T_EST + RTO);
	ck_backoff(at, n);
	ck_state(c, TS_FIN_WAIT_1);
}
END_TEST

START_TEST(fin_wait_1_rst)
{
	th_conn c = fin_wait_1();
	INPUT(c, .flags = TS_RST, .seq = 1);
	ck_no_send(c.t);
	ck_state(c, TS_CLOSED);
	th_advance(c.t, TS_SEC(10));
	ck_no_send(c.t); /* no FIN retransmission */
}
END_TEST

START_TEST(fin_wait_1_shut_rst_read_reset)
{
	/* Not an orphan: the RST leaves ECONNRESET for the next call. */
	th_conn c = fin_wait_1_shut();
	INPUT(c, .flags = TS_RST, .seq = 1);
	ck_no_send(c.t);
	ck_state(c, TS_CLOSED);
	ck_errno(th_do(c.t, "a: read(x, 10)"), TS_ECONNRESET, 0);
	ck_ret(th_do(c.t, "a: read(x, 10)"), 0);
}
END_TEST

/* ====================================================================== */
/* FIN_WAIT_2                                                             */
/* ====================================================================== */

START_TEST(fin_wait_2_fin)
{
	/* RFC 9293 §3.10.7.4 eighth: ACK the FIN, TIME_WAIT (Linux tcp_fin:
	 * tcp_send_ack, tcp_time_wait). */
	th_conn c = fin_wait_2();
	INPUT(c, .flags = TS_FIN | TS_ACK, .seq = 1, .ack = 2);
	/* the FIN took one byte of the window, whose right edge stays
	 * (Linux tcp_select_window never moves it back) */
	ck_send(c.t, OUT(c, .flags = TS_ACK, .seq = 2, .ack = 2,
			 .win = WIN_OUT - 1));
	ck_no_send(c.t);
	ck_state(c, TS_TIME_WAIT);
}
END_TEST

START_TEST(fin_wait_2_orphan_timeout)
{
	/* An orphaned FIN_WAIT_2 lasts tcp_fin_timeout (60 s) from the ACK
	 * of our FIN, then goes silently (Linux N8). */
	th_conn c = fin_wait_2();
	ts_time acked = T_EST + FX_RTT;
	th_advance_to(c.t, acked + TS_SEC(60) - 1);
	ck_state(c, TS_FIN_WAIT_2);
	th_advance_to(c.t, acked + TS_SEC(60));
	ck_state(c, TS_CLOSED);
	ck_no_send(c.t);
	ck_report(c.t, "orphaned FIN_WAIT_2 timed out");
	/* Gone: the peer's FIN now meets the listener: RST (R2). */
	INPUT(c, .flags = TS_FIN | TS_ACK, .seq = 1, .ack = 2);
	ck_send(c.t, OUT(c, .flags = TS_RST, .seq = 2, .win = TH_WIN_ZERO));
}
END_TEST

START_TEST(fin_wait_2_orphan_timeout_knob)
{
	th_conn c = fin_wait_1();
	set_knob(&c, TS_KNOB_TCP_FIN_TIMEOUT, 5);
	th_advance(c.t, FX_RTT);
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 2);
	ts_time acked = T_EST + FX_RTT;
	th_advance_to(c.t, acked + TS_SEC(5) - 1);
	ck_state(c, TS_FIN_WAIT_2);
	th_advance_to(c.t, acked + TS_SEC(5));
	ck_state(c, TS_CLOSED);
	ck_no_send(c.t);
}
END_TEST

START_TEST(fin_wait_2_orphan_data_rst)
{
	/* Linux R15b: the orphan's time-wait record answers new data with
	 * an RST <SEQ=SEG.ACK> and goes. */
	th_conn c = fin_wait_2();
	INPUT(c, .flags = TS_ACK | TS_PSH, .seq = 1, .ack = 2, .len = 100);
	ck_send(c.t, OUT(c, .flags = TS_RST, .seq = 2, .win = TH_WIN_ZERO));
	ck_no_send(c.t);
	ck_state(c, TS_CLOSED);
	ck_report(c.t, "new data arrived for an orphaned connection in "
		       "FIN_WAIT_2");
}
END_TEST

START_TEST(fin_wait_2_orphan_syn_gets_rst)
{
	/* Linux tcp_timewait_state_process, FIN_WAIT2 substate (R15b): a SYN
	 * at or above RCV.NXT -> TCP_TW_RST, a reply RST to a segment without
	 * ACK, and the connection is gone. */
	th_conn c = fin_wait_2();
	INPUT(c, .flags = TS_SYN, .seq = 1 + 100);
	ck_send(c.t, OUT(c, .flags = TS_RST | TS_ACK, .abs = 1, .seq = 0,
			 .ack = REMOTE_ISS + 1 + 100 + 1, .win = TH_WIN_ZERO));
	ck_no_send(c.t);
	ck_state(c, TS_CLOSED);
}
END_TEST

START_TEST(fin_wait_2_orphan_rst_in_window_kills)
{
	/* Linux tcp_timewait_state_process, FIN_WAIT2 substate: any RST in
	 * the window kills the connection silently (no RFC 5961 check, no
	 * challenge ACK; reference table 1.3). */
	th_conn c = fin_wait_2();
	INPUT(c, .flags = TS_RST, .seq = 1 + 100);
	ck_no_send(c.t);
	ck_state(c, TS_CLOSED);
}
END_TEST

START_TEST(fin_wait_2_orphan_ack_ignored)
{
	/* Linux tcp_timewait_state_process, FIN_WAIT2 substate: a segment
	 * with no new data ("Dup ACK?") is ignored, whatever its ACK field
	 * says; no challenge ACK. */
	th_conn c = fin_wait_2();
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 2);
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 500);
	ck_no_send(c.t);
	ck_state(c, TS_FIN_WAIT_2);
}
END_TEST

START_TEST(fin_wait_2_ack_of_unsent_challenge_ack)
{
	/* SEG.ACK > SND.NXT in a closing state of a full socket: challenge
	 * ACK (Linux tcp_rcv_state_process). */
	th_conn c = fin_wait_2_shut();
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 500);
	ck_send(c.t, OUT(c, .flags = TS_ACK, .seq = 2, .ack = 1));
	ck_no_send(c.t);
	ck_state(c, TS_FIN_WAIT_2);
}
END_TEST

START_TEST(fin_wait_2_shut_waits_forever)
{
	/* Not an orphan (shutdown, not close): no FIN_WAIT_2 timeout. */
	th_conn c = fin_wait_2_shut();
	th_advance(c.t, TS_SEC(100000));
	ck_state(c, TS_FIN_WAIT_2);
	ck_no_send(c.t);
}
END_TEST

START_TEST(fin_wait_2_shut_data_readable)
{
	th_conn c = fin_wait_2_shut();
	INPUT(c, .flags = TS_ACK | TS_PSH, .seq = 1, .ack = 2, .len = 30);
	ck_send(c.t, OUT(c, .flags = TS_ACK, .seq = 2, .ack = 31));
	ck_ret(th_do(c.t, "a: read(x, 100)"), 30);
	INPUT(c, .flags = TS_FIN | TS_ACK, .seq = 31, .ack = 2);
	/* the 30 bytes and the FIN took 31 bytes of the window, whose right
	 * edge stays (Linux tcp_select_window) */
	ck_send(c.t, OUT(c, .flags = TS_ACK, .seq = 2, .ack = 32,
			 .win = WIN_OUT - 31));
	ck_state(c, TS_TIME_WAIT);
	ck_ret(th_do(c.t, "a: read(x, 100)"), 0);
}
END_TEST

START_TEST(fin_wait_2_shut_peer_fin_poll_hup)
{
	/* Our SHUT_WR done and the peer's FIN received: both directions
	 * shut, so POLLHUP joins POLLIN|POLLOUT|POLLRDHUP (Linux tcp_poll). */
	th_conn c = fin_wait_2_shut();
	ck_ret(th_do(c.t, "a: poll(x, POLLIN|POLLOUT|POLLRDHUP, 0)"),
	       TS_POLLOUT);
	INPUT(c, .flags = TS_FIN | TS_ACK, .seq = 1, .ack = 2);
	/* the FIN took one byte of the window, whose right edge stays
	 * (Linux tcp_select_window never moves it back) */
	ck_send(c.t, OUT(c, .flags = TS_ACK, .seq = 2, .ack = 2,
			 .win = WIN_OUT - 1));
	ck_ret(th_do(c.t, "a: poll(x, POLLIN|POLLOUT|POLLRDHUP, 0)"),
	       TS_POLLIN | TS_POLLOUT | TS_POLLHUP | TS_POLLRDHUP);
}
END_TEST

/* ====================================================================== */
/* CLOSE_WAIT                                                             */
/* ====================================================================== */

START_TEST(close_wait_read_eof)
{
	th_conn c = close_wait();
	ck_ret(th_do(c.t, "a: read(x, 10)"), 0);
	ck_ret(th_do(c.t, "a: recv(x, 10, 0)"), 0);
	ck_ret(th_do(c.t, "a: poll(x, POLLIN|POLLOUT|POLLRDHUP, 0)"),
	       TS_POLLIN | TS_POLLOUT | TS_POLLRDHUP);
}
END_TEST

START_TEST(close_wait_write)
{
	/* Our side is still open: data flows. */
	th_conn c = close_wait();
	ck_ret(th_do(c.t, "a: write(x, 100)"), 100);
	ck_send(c.t, OUT(c, .flags = TS_ACK | TS_PSH, .seq = 1, .ack = 2,
			 .len = 100));
	ck_no_send(c.t);
}
END_TEST

START_TEST(close_wait_close)
{
	th_conn c = close_wait();
	ck_ret(th_do(c.t, "a: close(x)"), 0);
	ck_send(c.t, OUT(c, .flags = TS_FIN | TS_ACK, .seq = 1, .ack = 2));
	ck_no_send(c.t);
	ck_state(c, TS_LAST_ACK);
}
END_TEST

START_TEST(close_wait_shutdown_wr)
{
	th_conn c = close_wait();
	ck_ret(th_do(c.t, "a: shutdown(x, SHUT_WR)"), 0);
	ck_send(c.t, OUT(c, .flags = TS_FIN | TS_ACK, .seq = 1, .ack = 2));
	ck_state(c, TS_LAST_ACK);
}
END_TEST

START_TEST(close_wait_rst_epipe)
{
	/* Linux tcp_reset in CLOSE_WAIT: the pending error is EPIPE, so the
	 * first write already fails with EPIPE + SIGPIPE; read still sees
	 * the end of the stream (0). */
	th_conn c = close_wait();
	ck_ret(th_do(c.t, "a: signal(SIGPIPE, SIG_IGN)"), 0);
	INPUT(c, .flags = TS_RST, .seq = 2);
	ck_no_send(c.t);
	ck_state(c, TS_CLOSED);
	ck_ret(th_do(c.t, "a: read(x, 10)"), 0);
	ck_errno(th_do(c.t, "a: write(x, 10)"), TS_EPIPE, 1);
	ck_errno(th_do(c.t, "a: write(x, 10)"), TS_EPIPE, 1);
}
END_TEST

START_TEST(close_wait_rst_at_rcv_nxt_minus_1)
{
	/* Linux tcp_reset_check: after the peer's FIN, an RST at RCV.NXT - 1
	 * resets too. */
	th_conn c = close_wait();
	INPUT(c, .flags = TS_RST, .seq = 1);
	ck_no_send(c.t);
	ck_state(c, TS_CLOSED);
}
END_TEST

START_TEST(close_wait_write_to_closed_peer)
{
	/* The peer closed and then answers our data with RST: the next
	 * write fails with EPIPE (the classic broken pipe). */
	th_conn c = close_wait();
	ck_ret(th_do(c.t, "a: signal(SIGPIPE, SIG_IGN)"), 0);
	ck_ret(th_do(c.t, "a: write(x, 100)"), 100);
	ck_send(c.t, OUT(c, .flags = TS_ACK | TS_PSH, .seq = 1, .ack = 2,
			 .len = 100));
	th_advance(c.t, FX_RTT);
	INPUT(c, .flags = TS_RST, .seq = 2);
	ck_errno(th_do(c.t, "a: write(x, 100)"), TS_EPIPE, 1);
}
END_TEST

START_TEST(close_wait_close_with_unread_data_rst)
{
	/* R9 applies in CLOSE_WAIT too: the data before the FIN was never
	 * read -> RST|ACK <SEQ=SND.NXT><ACK=RCV.NXT> (the FIN counted). */
	th_conn c = established();
	INPUT(c, .flags = TS_ACK | TS_PSH | TS_FIN, .seq = 1, .ack = 1,
	      .len = 20);
	ck_state(c, TS_CLOSE_WAIT);
	th_drop_captures(c.t);
	ck_ret(th_do(c.t, "a: close(x)"), 0);
	ck_send(c.t, OUT(c, .flags = TS_RST | TS_ACK, .seq = 1, .ack = 22));
	ck_no_send(c.t);
	ck_state(c, TS_CLOSED);
}
END_TEST

/* ====================================================================== */
/* CLOSING                                                                */
/* ====================================================================== */

START_TEST(closing_ack)
{
	th_conn c = closing();
	INPUT(c, .flags = TS_ACK, .seq = 2, .ack = 2);
	ck_no_send(c.t);
	ck_state(c, TS_TIME_WAIT);
}
END_TEST

START_TEST(closing_fin_retransmitted)
{
	th_conn c = closing();
	th_advance_to(c.t, T_EST + RTO);
	ck_send_at(c.t, T_EST + RTO,
		   OUT(c, .flags = TS_FIN | TS_ACK, .seq = 1, .ack = 2));
	ck_no_send(c.t);
	ck_state(c, TS_CLOSING);
}
END_TEST

START_TEST(closing_rst)
{
	th_conn c = closing();
	INPUT(c, .flags = TS_RST, .seq = 2);
	ck_no_send(c.t);
	ck_state(c, TS_CLOSED);
}
END_TEST

/* ====================================================================== */
/* LAST_ACK                                                               */
/* ====================================================================== */

START_TEST(last_ack_ack)
{
	/* RFC 9293 §3.10.7.4 fifth, LAST-ACK: our FIN acknowledged, the
	 * connection is deleted. */
	th_conn c = last_ack();
	INPUT(c, .flags = TS_ACK, .seq = 2, .ack = 2);
	ck_no_send(c.t);
	ck_state(c, TS_CLOSED);
	ck_assert_ptr_null(th_sk(&c));
	ck_assert_ptr_null(lookup(c.t, LOCAL_PORT, REMOTE_PORT));
}
END_TEST

START_TEST(last_ack_fin_retransmitted)
{
	th_conn c = last_ack();
	ts_time closed = T_EST + FX_DELACK_TICK;
	th_advance_to(c.t, closed + RTO);
	ck_send_at(c.t, closed + RTO,
		   OUT(c, .flags = TS_FIN | TS_ACK, .seq = 1, .ack = 2));
	ck_no_send(c.t);
	ck_state(c, TS_LAST_ACK);
}
END_TEST

START_TEST(last_ack_rst)
{
	th_conn c = last_ack();
	INPUT(c, .flags = TS_RST, .seq = 2);
	ck_no_send(c.t);
	ck_state(c, TS_CLOSED);
}
END_TEST

START_TEST(last_ack_gone_then_segment_gets_rst)
{
	th_conn c = last_ack();
	INPUT(c, .flags = TS_ACK, .seq = 2, .ack = 2);
	/* The peer's FIN again: no connection; the listener resets it. */
	INPUT(c, .flags = TS_FIN | TS_ACK, .seq = 1, .ack = 2);
	ck_send(c.t, OUT(c, .flags = TS_RST, .seq = 2, .win = TH_WIN_ZERO));
}
END_TEST

/* ====================================================================== */
/* TIME_WAIT                                                              */
/* ====================================================================== */

START_TEST(time_wait_timeout)
{
	/* TIME_WAIT lasts 60 s (TCP_TIMEWAIT_LEN), whatever tcp_fin_timeout
	 * says, then the connection goes silently. */
	th_conn c = time_wait();
	set_knob(&c, TS_KNOB_TCP_FIN_TIMEOUT, 5);
	ts_time entered = T_EST + FX_RTT;
	th_advance_to(c.t, entered + TS_SEC(60) - 1);
	ck_state(c, TS_TIME_WAIT);
	th_advance_to(c.t, entered + TS_SEC(60));
	ck_state(c, TS_CLOSED);
	ck_no_send(c.t);
	ck_report(c.t, "TIME_WAIT over (60s)");
}
END_TEST

START_TEST(time_wait_fin_retransmitted_acked_and_restarts)
{
	/* Linux tcp_timewait_state_process: a retransmitted FIN is ACKed and
	 * restarts the 60 s. */
	th_conn c = time_wait();
	th_advance_to(c.t, TS_SEC(1));
	INPUT(c, .flags = TS_FIN | TS_ACK, .seq = 1, .ack = 2);
	/* the FIN took one byte of the window, whose right edge stays
	 * (Linux tcp_select_window never moves it back) */
	ck_send(c.t, OUT(c, .flags = TS_ACK, .seq = 2, .ack = 2,
			 .win = WIN_OUT - 1));
	ck_no_send(c.t);
	th_advance_to(c.t, TS_SEC(61) - 1);
	ck_state(c, TS_TIME_WAIT);
	th_advance_to(c.t, TS_SEC(61));
	ck_state(c, TS_CLOSED);
}
END_TEST

START_TEST(time_wait_fins_not_rate_limited)
{
	/* A FIN occupies sequence space: Linux tcp_oow_rate_limited never
	 * limits the ACK of a segment with END_SEQ != SEQ. */
	th_conn c = time_wait();
	ts_seg ack =
	    OUT(c, .flags = TS_ACK, .seq = 2, .ack = 2, .win = WIN_OUT - 1);
	INPUT(c, .flags = TS_FIN | TS_ACK, .seq = 1, .ack = 2);
	ck_send(c.t, ack);
	th_advance(c.t, TS_MS(100));
	INPUT(c, .flags = TS_FIN | TS_ACK, .seq = 1, .ack = 2);
	ck_send(c.t, ack);
	ck_no_send(c.t);
}
END_TEST

START_TEST(time_wait_rst_closes)
{
	/* tcp_rfc1337 0 (Linux default): an RST at RCV.NXT kills TIME_WAIT
	 * (RFC 9293 §3.10.7.4). */
	th_conn c = time_wait();
	INPUT(c, .flags = TS_RST, .seq = 2);
	ck_no_send(c.t);
	ck_state(c, TS_CLOSED);
}
END_TEST

START_TEST(time_wait_rst_ignored_rfc1337)
{
	th_conn c = time_wait();
	set_knob(&c, TS_KNOB_TCP_RFC1337, 1);
	INPUT(c, .flags = TS_RST, .seq = 2);
	ck_no_send(c.t);
	ck_state(c, TS_TIME_WAIT);
}
END_TEST

START_TEST(time_wait_syn_reopens)
{
	/* Linux TCP_TW_SYN: a SYN above RCV.NXT with a listener on the port
	 * ends TIME_WAIT and opens a new connection, ISN = old SND.NXT +
	 * 65537. */
	th_conn c = time_wait();
	uint32_t syn_seq = REMOTE_ISS + 100000;
	INPUT(c, .flags = TS_SYN, .abs = 1, .seq = syn_seq);
	ck_send(c.t, OUT(c, .flags = TS_SYN | TS_ACK, .abs = 1,
			 .seq = LOCAL_ISS + 2 + 65537, .ack = syn_seq + 1));
	ck_no_send(c.t);
	ck_state(c, TS_CLOSED); /* the old one */
	ts_sock *n = lookup(c.t, LOCAL_PORT, REMOTE_PORT);
	ck_assert_ptr_nonnull(n);
	ck_assert_int_eq(n->state, TS_SYN_RECEIVED);
}
END_TEST

START_TEST(time_wait_old_syn_acked)
{
	/* A SYN at or below RCV.NXT: TIME_WAIT answers with an ACK, never
	 * an RST. */
	th_conn c = time_wait();
	INPUT(c, .flags = TS_SYN, .seq = 0);
	ck_send(c.t, OUT(c, .flags = TS_ACK, .seq = 2, .ack = 2,
			 .win = WIN_OUT - 1));
	ck_no_send(c.t);
	ck_state(c, TS_TIME_WAIT);
}
END_TEST

START_TEST(time_wait_syn_without_listener_acked)
{
	/* No listener: the new SYN is answered with an ACK, not an RST. */
	th_conn c = time_wait();
	ck_ret(th_do(c.t, "a: close(s)"), 0);
	INPUT(c, .flags = TS_SYN, .seq = 100000);
	ck_send(c.t, OUT(c, .flags = TS_ACK, .seq = 2, .ack = 2,
			 .win = WIN_OUT - 1));
	ck_no_send(c.t);
	ck_state(c, TS_TIME_WAIT);
}
END_TEST

START_TEST(time_wait_data_acked)
{
	th_conn c = time_wait();
	INPUT(c, .flags = TS_ACK | TS_PSH, .seq = 2, .ack = 2, .len = 10);
	ck_send(c.t, OUT(c, .flags = TS_ACK, .seq = 2, .ack = 2,
			 .win = WIN_OUT - 1));
	ck_no_send(c.t);
	ck_state(c, TS_TIME_WAIT);
}
END_TEST

/* The variable index of NAME on host 0. */
static int var_index(const th_conn *c, const char *name)
{
	const ts_host_decl *d = c->t->sim->hosts[0].decl;
	for (int v = 0; v < d->nvars; v++)
		if (!strcmp(d->vars[v], name))
			return v;
	ck_abort_msg("no variable %s", name);
	return -1;
}

START_TEST(time_wait_record_keeps_the_connection)
{
	/* Once the event that brought it to TIME_WAIT is over, a closed
	 * connection keeps only a time-wait record (Linux tcp_time_wait:
	 * inet_timewait_sock). Its variable still reads TIME_WAIT; a
	 * retransmitted FIN is answered as before and restarts the 60 s;
	 * then it is a record again, until the end of TIME_WAIT. */
	th_conn c = time_wait();
	ts_sim *sim = c.t->sim;
	int x = var_index(&c, "x");
	ck_assert_uint_eq(sim->tw.live, 1);
	ck_assert_ptr_null(ts_sockref_get(c.ref));
	ck_assert_int_eq(ts_sim_var_state(sim, 0, x), TS_TIME_WAIT);
	uint64_t socks = sim->socks.live;
	th_advance_to(c.t, TS_SEC(1));
	INPUT(c, .flags = TS_FIN | TS_ACK, .seq = 1, .ack = 2);
	/* the FIN took one byte of the window, whose right edge stays
	 * (Linux tcp_select_window never moves it back) */
	ck_send(c.t, OUT(c, .flags = TS_ACK, .seq = 2, .ack = 2,
			 .win = WIN_OUT - 1));
	ck_assert_uint_eq(sim->tw.live, 1);
	ck_assert_uint_eq(sim->socks.live, socks);
	th_advance_to(c.t, TS_SEC(61) - 1);
	ck_assert_int_eq(ts_sim_var_state(sim, 0, x), TS_TIME_WAIT);
	ck_assert_uint_eq(sim->tw.live, 1);
	th_advance_to(c.t, TS_SEC(61));
	ck_assert_uint_eq(sim->tw.live, 0);
	ck_assert_int_eq(ts_sim_var_state(sim, 0, x), TS_CLOSED);
	ck_assert_ptr_null(lookup(c.t, LOCAL_PORT, REMOTE_PORT));
	ck_assert(th_report_has(c.t, "x TIME_WAIT over (60s)"));
}
END_TEST

START_TEST(time_wait_record_round_trip)
{
	/* Socket -> record -> socket gives back every field the record
	 * keeps, at the edges of the widths it keeps them in (32-bit counts
	 * near their top, every flag set). */
	th_conn c = time_wait();
	ts_sim *sim = c.t->sim;
	ck_assert_uint_eq(sim->tw.live, 1);
	ts_sock *sk = lookup(c.t, LOCAL_PORT, REMOTE_PORT); /* a socket */
	ck_assert_ptr_nonnull(sk);
	ck_assert_uint_eq(sim->tw.live, 0);
	sk->app_written = UINT32_MAX;
	sk->rcv_total = UINT32_MAX - 1;
	sk->app_read = UINT32_MAX - 3;
	sk->discarded = 2;
	sk->last_oow = TS_SEC(12345) + 7;
	sk->last_rcv = TS_SEC(3) + 1;
	sk->chk_rcv_nxt = 0xfedcba98u;
	sk->rcv_wup = sk->rcv_nxt - 1;
	sk->bind_lock = sk->reuseaddr = sk->fin_queued = 1;
	sk->chk_synced = sk->tainted = sk->ts_ok = sk->sack_ok = 1;
	sk->ss = TS_SS_CONNECTED;
	sk->mss = 65535;
	ts_sock was = *sk;
	ts_tw_compact(sim); /* a record again, as after the event */
	ck_assert_uint_eq(sim->tw.live, 1);
	ts_sock *now = lookup(c.t, LOCAL_PORT, REMOTE_PORT);
	ck_assert_ptr_nonnull(now);
#define SAME(f) ck_assert_msg(now->f == was.f, "%s changed", #f)
	SAME(id);
	SAME(var);
	SAME(peer);
	SAME(host);
	SAME(laddr);
	SAME(raddr);
	SAME(lport);
	SAME(rport);
	SAME(iss);
	SAME(irs);
	SAME(snd_una);
	SAME(snd_nxt);
	SAME(write_seq);
	SAME(snd_wnd);
	SAME(rcv_nxt);
	SAME(rcv_wnd);
	SAME(rcv_wup);
	SAME(last_oow);
	SAME(last_rcv);
	SAME(app_written);
	SAME(rcv_total);
	SAME(app_read);
	SAME(discarded);
	SAME(chk_rcv_nxt);
	SAME(mss);
	SAME(bound);
	SAME(bind_lock);
	SAME(reuseaddr);
	SAME(done);
	SAME(fin_queued);
	SAME(chk_synced);
	SAME(tainted);
	SAME(ts_ok);
	SAME(sack_ok);
	SAME(ss);
	SAME(state);
	SAME(orphan);
	SAME(shutdown);
	SAME(hashed);
	SAME(tdl[TS_TIMER_CLOSE]);
	SAME(tev.when);
	SAME(tev.seq);
#undef SAME
}
END_TEST

START_TEST(time_wait_record_not_made_for_counts_over_32_bits)
{
	/* A record keeps byte counts in 32 bits: a connection that read
	 * 4 GiB or more stays a whole socket in TIME_WAIT, and its
	 * TIME_WAIT runs as a record's would. */
	th_conn c = established_active();
	ts_sock *sk = ts_sockref_get(c.ref);
	ck_assert_ptr_nonnull(sk);
	sk->rcv_total += UINT64_C(1) << 32; /* as if 4 GiB were read */
	sk->app_read += UINT64_C(1) << 32;
	ck_ret(th_do(c.t, "a: close(c)"), 0);
	ck_send(c.t, OUT(c, .flags = TS_FIN | TS_ACK, .seq = 1, .ack = 1));
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 2);
	INPUT(c, .flags = TS_FIN | TS_ACK, .seq = 1, .ack = 2);
	/* the FIN took one byte of the window, whose right edge stays
	 * (Linux tcp_select_window never moves it back) */
	ck_send(c.t, OUT(c, .flags = TS_ACK, .seq = 2, .ack = 2,
			 .win = WIN_OUT - 1));
	ts_sim *sim = c.t->sim;
	ck_assert_uint_eq(sim->tw.live, 0);
	ck_assert_uint_eq(sim->tw.made, 0);
	ck_assert_ptr_eq(lookup(c.t, c.lport, c.rport), sk);
	ck_assert_int_eq(sk->state, TS_TIME_WAIT);
	ck_assert_uint_eq(sk->app_read, UINT64_C(1) << 32);
	th_advance_to(c.t, TS_SEC(70));
	ck_assert_ptr_null(lookup(c.t, c.lport, c.rport));
}
END_TEST

START_TEST(time_wait_record_holds_its_port)
{
	/* A record keeps its local port bound, as the TIME_WAIT socket did
	 * (Linux inet_twsk_bind_unhash at its end): bind() to it fails until
	 * the record goes. An active open's port here. */
	th_conn c = established_active();
	ck_ret(th_do(c.t, "a: close(c)"), 0);
	ck_send(c.t, OUT(c, .flags = TS_FIN | TS_ACK, .seq = 1, .ack = 1));
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 2);
	INPUT(c, .flags = TS_FIN | TS_ACK, .seq = 1, .ack = 2);
	/* the FIN took one byte of the window, whose right edge stays
	 * (Linux tcp_select_window never moves it back) */
	ck_send(c.t, OUT(c, .flags = TS_ACK, .seq = 2, .ack = 2,
			 .win = WIN_OUT - 1));
	ts_sim *sim = c.t->sim;
	ck_assert_uint_eq(sim->tw.live, 1);
	ts_host *h = &sim->hosts[0];
	ck_assert_uint_eq(ts_portmap_get(&h->ports, c.lport), 1);
	ck_ret(th_do(c.t, "a: y = socket()"), 3);
	char line[64];
	snprintf(line, sizeof line, "a: bind(y, %u)", c.lport);
	ck_errno(th_do(c.t, line), TS_EADDRINUSE, 0);
	th_advance_to(c.t, TS_SEC(70));
	ck_assert_uint_eq(sim->tw.live, 0);
	ck_assert_uint_eq(ts_portmap_get(&h->ports, c.lport), 0);
	ck_ret(th_do(c.t, line), 0);
}
END_TEST

START_TEST(crash_frees_listener_then_child)
{
	/* A crash frees the listener before its child still in SYN_RECEIVED
	 * (pool order): the child, freed next, must not give the freed
	 * listener a new extension (found leaking by fuzz_run). */
	th_conn c = syn_received();
	ts_sock *l = th_var_sock(c.t, 0, "s");
	ck_assert_ptr_nonnull(l->x);
	th_do(c.t, "a: crash");
	ck_assert(!l->in_use);
	ck_assert_ptr_null(l->x);
	ck_assert_uint_eq(c.t->sim->socks.live, 0);
}
END_TEST

START_TEST(time_wait_record_dies_with_its_host)
{
	/* A crash takes the records with it, silently. */
	th_conn c = time_wait();
	ts_sim *sim = c.t->sim;
	ck_assert_uint_eq(sim->tw.live, 1);
	th_do(c.t, "a: crash");
	ck_assert_uint_eq(sim->tw.live, 0);
	ck_assert_ptr_null(lookup(c.t, LOCAL_PORT, REMOTE_PORT));
	th_advance_to(c.t, TS_SEC(70));
	ck_assert(!th_report_has(c.t, "TIME_WAIT over"));
}
END_TEST

START_TEST(time_wait_bare_ack_silent)
{
	/* A bare ACK at RCV.NXT restarts the timer, no reply. */
	th_conn c = time_wait();
	th_advance_to(c.t, TS_SEC(30));
	INPUT(c, .flags = TS_ACK, .seq = 2, .ack = 2);
	ck_no_send(c.t);
	th_advance_to(c.t, TS_SEC(90) - 1);
	ck_state(c, TS_TIME_WAIT);
	th_advance_to(c.t, TS_SEC(90));
	ck_state(c, TS_CLOSED);
}
END_TEST

/* ====================================================================== */
/* CLOSED: no socket for the segment                                      */
/* ====================================================================== */

/* Host a listens on 80; port 81 has no socket. */
#define NOSOCK_PORT 81

static ts_seg to_port81(uint8_t flags, uint32_t seq, uint32_t ack, uint32_t len)
{
	ts_seg s = th_seg(REMOTE_ADDR, REMOTE_PORT, LOCAL_ADDR, NOSOCK_PORT,
			  flags, seq, ack, len, 65535);
	return s;
}

static ts_seg rst_from_port81(uint8_t flags, uint32_t seq, uint32_t ack)
{
	return th_seg(LOCAL_ADDR, NOSOCK_PORT, REMOTE_ADDR, REMOTE_PORT, flags,
		      seq, ack, 0, 0);
}

START_TEST(closed_syn_gets_rst_ack)
{
	/* RFC 9293 §3.10.7.1, Linux R1: no ACK in the segment ->
	 * <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> (the SYN counts). */
	th_conn c = listening();
	ts_seg s = to_port81(TS_SYN, 7000, 0, 0);
	th_input(&c, &s);
	ck_send(c.t, rst_from_port81(TS_RST | TS_ACK, 0, 7001));
	ck_no_send(c.t);
	ck_report(
	    c.t,
	    "port 81 sends RST (no-listener): no socket matches this segment "
	    "[RFC 9293 §3.10.7.1; Linux tcp_v4_rcv (no_tcp_socket)]");
}
END_TEST

START_TEST(closed_ack_gets_rst_seq_ack)
{
	/* The segment had ACK: <SEQ=SEG.ACK><CTL=RST>. */
	th_conn c = listening();
	ts_seg s = to_port81(TS_ACK, 7000, 4242, 0);
	th_input(&c, &s);
	ck_send(c.t, rst_from_port81(TS_RST, 4242, 0));
	ck_no_send(c.t);
}
END_TEST

START_TEST(closed_data_without_ack_gets_rst_ack)
{
	th_conn c = listening();
	ts_seg s = to_port81(TS_PSH, 7000, 0, 100);
	th_input(&c, &s);
	ck_send(c.t, rst_from_port81(TS_RST | TS_ACK, 0, 7100));
	s = to_port81(TS_FIN, 7000, 0, 10); /* the FIN counts too */
	th_input(&c, &s);
	ck_send(c.t, rst_from_port81(TS_RST | TS_ACK, 0, 7011));
	ck_no_send(c.t);
}
END_TEST

START_TEST(closed_data_with_ack_gets_rst)
{
	th_conn c = listening();
	ts_seg s = to_port81(TS_ACK | TS_PSH | TS_FIN, 7000, 99, 100);
	th_input(&c, &s);
	ck_send(c.t, rst_from_port81(TS_RST, 99, 0));
	ck_no_send(c.t);
}
END_TEST

START_TEST(closed_rst_not_answered)
{
	/* Never answer an RST (RFC 9293 §3.10.7.1, Linux N9). */
	th_conn c = listening();
	ts_seg s = to_port81(TS_RST, 7000, 0, 0);
	th_input(&c, &s);
	s = to_port81(TS_RST | TS_ACK, 7000, 5, 0);
	th_input(&c, &s);
	ck_no_send(c.t);
}
END_TEST

START_TEST(closed_bound_not_listening)
{
	/* A socket bound to the port but not listening matches nothing. */
	th_conn c = listening();
	ck_ret(th_do(c.t, "a: c = socket()"), 4);
	ck_ret(th_do(c.t, "a: bind(c, 81)"), 0);
	ts_seg s = to_port81(TS_SYN, 7000, 0, 0);
	th_input(&c, &s);
	ck_send(c.t, rst_from_port81(TS_RST | TS_ACK, 0, 7001));
}
END_TEST

START_TEST(closed_connect_refused_errno)
{
	/* The whole story on the socket: RST|ACK to our SYN ->
	 * ECONNREFUSED; the socket can connect again afterwards (Linux
	 * __inet_stream_connect runs tcp_disconnect). */
	th_conn c = syn_sent();
	INPUT(c, .flags = TS_RST | TS_ACK, .abs = 1, .seq = 0,
	      .ack = LOCAL_ISS + 1);
	ck_errno(th_result(c.t, c.call), TS_ECONNREFUSED, 0);
	ck_errno(th_do(c.t, "a: getpeername(c)"), TS_ENOTCONN, 0);
	th_res r = th_do(c.t, "a: connect(c, b:80)");
	ck_blocked(r);
	/* A new ephemeral port (the first went back at CLOSE, Linux
	 * tcp_set_state -> inet_put_port; ports are handed out in turn from
	 * 40000), and the ISN the failed attempt's tcp_disconnect() left:
	 * write_seq + max_window + 2 = (ISS + 1) + 0 + 2. */
	c.iss = LOCAL_ISS + 3;
	c.lport = 40001;
	ck_send(c.t, OUT(c, .flags = TS_SYN, .seq = 0));
}
END_TEST

START_TEST(closed_calls_on_unconnected_socket)
{
	/* Linux errno results on a socket that never connected: write EPIPE
	 * + SIGPIPE (not ENOTCONN), read ENOTCONN, shutdown ENOTCONN,
	 * getpeername ENOTCONN; accept on it EINVAL; connect on a listener
	 * EISCONN; read on a listener ENOTCONN. */
	th_conn c = listening();
	ck_ret(th_do(c.t, "a: signal(SIGPIPE, SIG_IGN)"), 0);
	ck_ret(th_do(c.t, "a: c = socket()"), 4);
	ck_errno(th_do(c.t, "a: write(c, 10)"), TS_EPIPE, 1);
	ck_errno(th_do(c.t, "a: read(c, 10)"), TS_ENOTCONN, 0);
	ck_errno(th_do(c.t, "a: shutdown(c, SHUT_WR)"), TS_ENOTCONN, 0);
	ck_errno(th_do(c.t, "a: getpeername(c)"), TS_ENOTCONN, 0);
	ck_errno(th_do(c.t, "a: accept(c)"), TS_EINVAL, 0);
	ck_errno(th_do(c.t, "a: connect(s, b:80)"), TS_EISCONN, 0);
	ck_errno(th_do(c.t, "a: read(s, 10)"), TS_ENOTCONN, 0);
	ck_errno(th_do(c.t, "a: write(s, 10)"), TS_EPIPE, 1);
	ck_no_send(c.t);
}
END_TEST

/* ====================================================================== */
/* Whole traces: two simulated hosts                                      */
/* ====================================================================== */

static th *run_trace(const char *text)
{
	th *t = th_new(text, 0);
	int st = th_run(t);
	if (st != 0) {
		const char *f = strstr(th_report(t), "FAIL    ");
		ck_abort_msg(
		    "trace status %d: %s", st,
		    f ? f : (t->sim->run.aborted ? t->sim->run.err.msg : "?"));
	}
	return t;
}

START_TEST(trace_handshake_data_orderly_close)
{
	th *t = run_trace("host client 10.0.0.1\n"
			  "host server 10.0.0.2\n"
			  "0 server: s = socket()\n"
			  "+0 server: bind(s, 80) = 0\n"
			  "+0 server: listen(s, 8) = 0\n"
			  "+0 client: c = socket()\n"
			  "+0 client: connect(c, server:80) = 0\n"
			  "+0 server: a = accept(s) = 4\n"
			  "+0.1 expect client c state ESTABLISHED\n"
			  "expect server a state ESTABLISHED\n"
			  "+0 client: write(c, 3000) = 3000\n"
			  "+0.1 server: read(a, 5000) = 3000\n"
			  "+0 client: close(c) = 0\n"
			  "+0.1 expect client c state FIN_WAIT_2\n"
			  "expect server a state CLOSE_WAIT\n"
			  "+0 server: read(a, 10) = 0\n"
			  "+0 server: close(a) = 0\n"
			  "+0.1 expect client c state TIME_WAIT\n"
			  "expect server a state CLOSED\n"
			  "+59 expect client c state TIME_WAIT\n"
			  "+1 expect client c state CLOSED\n"
			  "expect no client>server RST\n"
			  "expect no server>client RST\n");
	/* The handshake, whole. */
	const uint32_t C = TH_ADDR(10, 0, 0, 1), S = TH_ADDR(10, 0, 0, 2);
	/* Linux offers timestamps and the other Linux accepts them. */
	ts_seg syn = th_seg(C, 40000, S, 80, TS_SYN, 1000, 0, 0, WIN_OUT);
	/* The SYN-ACK's window is 45 segments of 1448 bytes; the ACK's,
	 * 64512 >> 10 (Linux 6.18 sends these three windows). */
	ts_seg synack =
	    th_seg(S, 80, C, 40000, TS_SYN | TS_ACK, 2000, 1001, 0, 65160);
	syn.ts = synack.ts = 1;
	ck_send(t, syn);
	ck_send(t, synack);
	ts_seg ack = th_seg(C, 40000, S, 80, TS_ACK, 1001, 2001, 0, 63);
	ack.ts = 1; /* on every segment once both SYNs carried it */
	ck_send(t, ack);
}
END_TEST

/* Linux tcp_select_initial_window(): the scale is that of the largest
 * window the buffer may grow to, the largest of the buffer's space,
 * tcp_rmem[2] and net.core.rmem_max: ilog2 of it less 15 (at most 14).
 * 6.18's defaults (tcp_rmem[2] 32 MiB) give 10; rmem_max 256 MiB gives
 * 13; tcp_rmem[2] 64 MiB gives 11. */
START_TEST(trace_window_scale_from_buffer_limits)
{
	th *t = run_trace("host client 10.0.0.1\n"
			  "host server 10.0.0.2\n"
			  "host other 10.0.0.3\n"
			  "set client rmem_max 268435456\n"
			  "set server tcp_rmem 4096 131072 67108864\n"
			  "0 server: s = socket()\n"
			  "+0 server: bind(s, 80) = 0\n"
			  "+0 server: listen(s, 8) = 0\n"
			  "+0 client: c = socket()\n"
			  "+0 client: connect(c, server:80) = 0\n"
			  "+0 other: o = socket()\n"
			  "+0 other: connect(o, server:80) = 0\n"
			  "+0.1 expect client>server SYN wscale 13\n"
			  "expect server>client SYN wscale 11\n"
			  "expect other>server SYN wscale 10\n");
	th_free(t);
}
END_TEST

START_TEST(trace_simultaneous_open)
{
	/* Both ends connect to each other at once: the SYNs cross, both go
	 * through SYN_RECEIVED to ESTABLISHED, both connects return 0. */
	th *t = run_trace("host a 10.0.0.1\n"
			  "host b 10.0.0.2\n"
			  "0 a: x = socket()\n"
			  "+0 a: bind(x, 1000) = 0\n"
			  "+0 b: y = socket()\n"
			  "+0 b: bind(y, 2000) = 0\n"
			  "+0 a: connect(x, b:2000) = 0\n"
			  "+0 b: connect(y, a:1000) = 0\n"
			  "+1 expect a x state ESTABLISHED\n"
			  "expect b y state ESTABLISHED\n"
			  "expect no a>b RST\n"
			  "expect no b>a RST\n");
	ck_report(t, "SYN #2 received: simultaneous open");
	ck_report(t, "SYN #1 received: simultaneous open");
}
END_TEST

START_TEST(trace_connect_refused)
{
	th *t = run_trace("host client 10.0.0.1\n"
			  "host server 10.0.0.2\n"
			  "0 client: c = socket()\n"
			  "+0 client: connect(c, server:80) = -1 ECONNREFUSED\n"
			  "+0.1 expect server>client RST\n");
	ck_report(t, "0.020000  client  return  connect(c, server:80) = -1 "
		     "ECONNREFUSED (Connection refused)");
}
END_TEST

START_TEST(trace_tail_loss_probe_then_rto_backoff)
{
	/* Two Linux hosts negotiate SACK by default, so a lost tail gets a
	 * loss probe (RFC 8985 §7, Linux tcp_schedule_loss_probe): PTO =
	 * 2 SRTT + 200 ms (one segment in flight) capped at the RTO left
	 * (220 ms), then the RTO from the probe, doubling on each expiry.
	 * The data written at 1 s is lost every time. */
	th *t = run_trace("host client 10.0.0.1\n"
			  "host server 10.0.0.2\n"
			  "0 server: s = socket()\n"
			  "+0 server: bind(s, 80) = 0\n"
			  "+0 server: listen(s, 8) = 0\n"
			  "+0 client: c = socket()\n"
			  "+0 client: connect(c, server:80) = 0\n"
			  "+0 server: a = accept(s)\n"
			  "1 net: drop client>server all DATA\n"
			  "+0 client: write(c, 100) = 100\n"
			  "+10 expect no client>server RST\n");
	static const int at_ms[] = {1000, 1220, 1440, 1880, 2760, 4520};
	int k = 0;
	for (const th_cap *c; (c = th_take(t)) && k < 6;) {
		if (c->from != 0 || !c->seg.len)
			continue;
		ck_assert_msg(c->at == TS_MS(at_ms[k]),
			      "copy %d: expected at %d ms, sent at %lld us", k,
			      at_ms[k], (long long)c->at);
		ck_assert_uint_eq(c->seg.seq, 1001);
		k++;
	}
	ck_assert_int_eq(k, 6);
	ck_report(t, "tail loss probe");
}
END_TEST

START_TEST(syn_received_syn_retransmitted_rate_limited)
{
	/* Linux tcp_check_req: the retransmitted SYN is answered through
	 * tcp_oow_rate_limited(), one SYN-ACK per tcp_invalid_ratelimit. */
	th_conn c = syn_received();
	ts_seg synack = OUT(c, .flags = TS_SYN | TS_ACK, .seq = 0, .ack = 1);
	th_advance(c.t, TS_MS(300));
	INPUT(c, .flags = TS_SYN, .seq = 0);
	ck_send(c.t, synack);
	th_advance(c.t, TS_MS(100));
	INPUT(c, .flags = TS_SYN, .seq = 0);
	ck_no_send(c.t);
}
END_TEST

START_TEST(syn_received_syn_retransmitted_restarts_timer)
{
	/* Linux tcp_check_req: mod_timer_pending() after the SYN-ACK. */
	th_conn c = syn_received();
	ts_seg synack = OUT(c, .flags = TS_SYN | TS_ACK, .seq = 0, .ack = 1);
	th_advance_to(c.t, TS_MS(500));
	INPUT(c, .flags = TS_SYN, .seq = 0);
	ck_send_at(c.t, TS_MS(500), synack);
	th_advance_to(c.t, TS_MS(1499));
	ck_no_send(c.t);
	th_advance_to(c.t, TS_MS(1500));
	ck_send_at(c.t, TS_MS(1500), synack);
}
END_TEST

START_TEST(syn_received_ack_at_right_edge_completes)
{
	/* Linux tcp_check_req -> tcp_in_window(): a segment without data
	 * whose sequence number is the right edge of the window offered in
	 * the SYN-ACK is in the window (seq == e_win && seq == end_seq), so
	 * its valid ACK completes the handshake. */
	th_conn c = syn_received();
	uint32_t wnd = th_sk(&c)->rcv_wnd;
	ck_assert_uint_gt(wnd, 0);
	th_advance(c.t, FX_RTT);
	/* one beyond the edge: out of the window, the request stays */
	INPUT(c, .flags = TS_ACK, .seq = 2 + wnd, .ack = 1);
	ck_state(c, TS_SYN_RECEIVED);
	INPUT(c, .flags = TS_ACK, .seq = 1 + wnd, .ack = 1);
	ck_state(c, TS_ESTABLISHED);
}
END_TEST

START_TEST(syn_received_syn_again_timer_capped)
{
	/* The peer's SYN again restarts the SYN-ACK timer at 1 s doubled per
	 * retry so far, at most TCP_RTO_MAX (Linux tcp_check_req:
	 * reqsk_timeout(req, TCP_RTO_MAX)). After 7 retries (1, 3, 7, 15,
	 * 31, 63, 127 s) a SYN at 130 s sets it 120 s ahead, not 128 s. */
	th_conn c = syn_received();
	set_knob(&c, TS_KNOB_TCP_SYNACK_RETRIES, 10);
	ts_seg synack = OUT(c, .flags = TS_SYN | TS_ACK, .seq = 0, .ack = 1);
	static const int at_s[] = {1, 3, 7, 15, 31, 63, 127};
	th_advance_to(c.t, TS_SEC(129));
	for (int i = 0; i < 7; i++)
		ck_send_at(c.t, TS_SEC(at_s[i]), synack);
	ck_no_send(c.t);
	th_advance_to(c.t, TS_SEC(130));
	INPUT(c, .flags = TS_SYN, .seq = 0);
	ck_send_at(c.t, TS_SEC(130), synack);
	th_advance_to(c.t, TS_SEC(250) - 1);
	ck_no_send(c.t);
	th_advance_to(c.t, TS_SEC(250));
	ck_send_at(c.t, TS_SEC(250), synack);
}
END_TEST

START_TEST(syn_received_bad_ack_out_of_window_gets_rst)
{
	/* Linux tcp_check_req checks the ACK before the window (R3). */
	th_conn c = syn_received();
	INPUT(c, .flags = TS_ACK, .seq = 1 + 100000, .ack = 5);
	ck_send(c.t, OUT(c, .flags = TS_RST, .seq = 5, .win = TH_WIN_ZERO));
	ck_no_send(c.t);
	ck_state(c, TS_SYN_RECEIVED);
}
END_TEST

START_TEST(established_rto_no_tlp_without_sack)
{
	/* Linux tcp_schedule_loss_probe: no probe unless SACK was agreed. */
	th_conn c = established();
	ck_ret(th_do(c.t, "a: write(x, 100)"), 100);
	ts_seg data =
	    OUT(c, .flags = TS_ACK | TS_PSH, .seq = 1, .ack = 1, .len = 100);
	ck_send_at(c.t, T_EST, data);
	th_advance_to(c.t, T_EST + TS_MS(6820));
	static const int at_ms[] = {220, 660, 1540, 3300, 6820};
	for (int i = 0; i < 5; i++)
		ck_send_at(c.t, T_EST + TS_MS(at_ms[i]), data);
	ck_no_send(c.t);
	ck_assert_int_eq(th_sk(&c)->rto, 32 * RTO);
}
END_TEST

START_TEST(established_retries2_no_tlp_without_sack)
{
	th_conn c = established();
	set_knob(&c, TS_KNOB_TCP_RETRIES2, 3);
	ck_ret(th_do(c.t, "a: signal(SIGPIPE, SIG_IGN)"), 0);
	ck_ret(th_do(c.t, "a: write(x, 100)"), 100);
	ts_seg data =
	    OUT(c, .flags = TS_ACK | TS_PSH, .seq = 1, .ack = 1, .len = 100);
	ck_send(c.t, data);
	th_advance_to(c.t, T_EST + TS_MS(3300) - 1);
	ck_send_at(c.t, T_EST + TS_MS(220), data);
	ck_send_at(c.t, T_EST + TS_MS(660), data);
	ck_send_at(c.t, T_EST + TS_MS(1540), data);
	ck_no_send(c.t);
	ck_state(c, TS_ESTABLISHED);
	th_advance_to(c.t, T_EST + TS_MS(3300));
	ck_no_send(c.t);
	ck_state(c, TS_CLOSED);
	ck_errno(th_do(c.t, "a: write(x, 10)"), TS_ETIMEDOUT, 0);
	ck_errno(th_do(c.t, "a: write(x, 10)"), TS_EPIPE, 1);
}
END_TEST

START_TEST(established_data_into_zero_window_acked_at_once)
{
	/* Linux tcp_data_queue: TCPZeroWindowDrop -> out_of_window, quick
	 * ACK. */
	th_conn c = established();
	for (uint32_t i = 0; i < 44; i++)
		INPUT(c, .flags = TS_ACK, .seq = 1 + i * 1460, .ack = 1,
		      .len = 1460);
	th_advance(c.t, TS_MS(500));
	th_drop_captures(c.t);
	INPUT(c, .flags = TS_ACK | TS_PSH, .seq = 1 + 64240, .ack = 1,
	      .len = 100);
	ck_send(c.t, OUT(c, .flags = TS_ACK, .seq = 1, .ack = 1 + 64240,
			 .win = TH_WIN_ZERO));
	ck_no_send(c.t);
}
END_TEST

START_TEST(established_close_with_unread_data_rst_window)
{
	/* Linux tcp_send_active_reset goes through __tcp_transmit_skb, which
	 * sets the current window. */
	th_conn c = established();
	INPUT(c, .flags = TS_ACK | TS_PSH, .seq = 1, .ack = 1, .len = 100);
	ck_send(c.t, OUT(c, .flags = TS_ACK, .seq = 1, .ack = 101));
	ck_ret(th_do(c.t, "a: close(x)"), 0);
	ck_send(c.t, OUT(c, .flags = TS_RST | TS_ACK, .seq = 1, .ack = 101));
}
END_TEST

START_TEST(fin_wait_1_fin_no_tlp_without_sack)
{
	th_conn c = fin_wait_1();
	ts_seg fin = OUT(c, .flags = TS_FIN | TS_ACK, .seq = 1, .ack = 1);
	th_advance_to(c.t, T_EST + 3 * RTO);
	ck_send_at(c.t, T_EST + RTO, fin);
	ck_send_at(c.t, T_EST + 3 * RTO, fin);
	ck_no_send(c.t);
}
END_TEST

/* ---- the fast path decides nothing ----
 *
 * The input fast path (tcp_in.c predicted(), Linux header prediction)
 * only skips checks that pass: every trace of the catalogue and a few
 * hundred generated ones (random drops, duplicates, delays and cuts: out
 * of order data, duplicate ACKs, retransmissions) give the same report,
 * byte for byte, and the same status, with it and without it; in the
 * checking mode, with and without --why. */

/* How a test runs a trace: without the fast path (FULL), with --why, with
 * no time-wait record (NO_TW). */
struct run_mode {
	int full, why, no_tw;
};

/* TEXT's report, run as M says. */
static uint64_t nfast; /* segments the fast path took, over the runs */
static uint64_t ntw;   /* time-wait records made, over the runs */

static struct buf run_report(const char *name, const char *text,
			     struct run_mode m, int *status)
{
	ts_error err;
	ts_trace *tr = ts_trace_parse(name, text, strlen(text), &err);
	ck_assert_msg(tr != NULL, "%s:%d:%d: %s", name, err.line, err.col,
		      err.msg);
	struct buf b = {NULL, 0, 0};
	ts_sim *sim = th_sim_report(tr, sink, &b);
	sim->chk.on = 1;
	sim->why.on = m.why;
	sim->test.full_input = m.full;
	sim->tw.off = m.no_tw;
	*status = th_sim_run(sim);
	ck_assert(!m.full || sim->test.nfast == 0);
	ck_assert(!m.no_tw || sim->tw.made == 0);
	nfast += sim->test.nfast;
	ntw += sim->tw.made;
	th_sim_free(sim);
	ts_trace_free(tr);
	if (!b.data)
		sink(&b, "", 0);
	return b;
}

/* The first line where A and B differ, for the failure message. */
static int first_diff_line(const char *a, const char *b)
{
	int line = 1;
	for (; *a && *a == *b; a++, b++)
		if (*a == '\n')
			line++;
	return line;
}

static void same_both_ways(const char *name, const char *text)
{
	for (int why = 0; why <= 1; why++) {
		int s_fast, s_full;
		struct buf fast = run_report(
		    name, text, (struct run_mode){0, why, 0}, &s_fast);
		struct buf full = run_report(
		    name, text, (struct run_mode){1, why, 0}, &s_full);
		ck_assert_msg(s_fast == s_full && !strcmp(fast.data, full.data),
			      "%s (why %d): the fast path changes the report "
			      "(status %d vs %d), first at line %d",
			      name, why, s_fast, s_full,
			      first_diff_line(fast.data, full.data));
		free(fast.data);
		free(full.data);
	}
}

/* FN on every trace of the catalogue. */
static void each_catalogue_trace(void (*fn)(const char *name, const char *text))
{
	int n;
	char **v = catalogue(&n);
	ck_assert_int_ge(n, 50); /* the whole catalogue */
	for (int i = 0; i < n; i++) {
		char *text = read_file(v[i], NULL);
		fn(v[i], text);
		free(text);
	}
	free_catalogue(v, n);
}

/* FN on the traces `tcpsim gen` makes from seeds 1 to 300. */
static void each_generated_trace(void (*fn)(const char *name, const char *text))
{
	for (uint64_t seed = 1; seed <= 300; seed++) {
		char *text = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);
		ck_assert_ptr_nonnull(f);
		ts_gen_trace(f, seed);
		fclose(f);
		char name[32];
		snprintf(name, sizeof name, "gen-%" PRIu64 ".trace", seed);
		fn(name, text);
		free(text);
	}
}

START_TEST(fast_path_same_report_catalogue)
{
	nfast = 0;
	each_catalogue_trace(same_both_ways);
	ck_assert_uint_gt(nfast, 0); /* it was put to the test */
}
END_TEST

START_TEST(fast_path_same_report_generated)
{
	nfast = 0;
	each_generated_trace(same_both_ways);
	ck_assert_uint_gt(nfast, 0);
}
END_TEST

/* Bulk data in one direction (a window full, read, then the rest): the
 * data segments and their ACKs take the fast path. */
START_TEST(fast_path_taken_for_bulk_data)
{
	static const char text[] = "host a 10.0.0.1\n"
				   "host b 10.0.0.2\n"
				   "link a b delay 10ms\n"
				   "0 b: l = socket()\n"
				   "+0 b: bind(l, 80) = 0\n"
				   "+0 b: listen(l, 1) = 0\n"
				   "+0 b: s = accept(l)\n"
				   "+0 a: c = socket()\n"
				   "+0 a: connect(c, b:80) = 0\n"
				   "+0 a: write(c, 100000) = 100000\n"
				   "+1s b: read(s, 200000)\n"
				   "+1s b: read(s, 200000)\n";
	int s_fast, s_full;
	nfast = 0;
	struct buf fast =
	    run_report("bulk.trace", text, (struct run_mode){0, 0, 0}, &s_fast);
	uint64_t taken = nfast;
	struct buf full =
	    run_report("bulk.trace", text, (struct run_mode){1, 0, 0}, &s_full);
	ck_assert_int_eq(s_fast, 0);
	ck_assert_msg(!strcmp(fast.data, full.data),
		      "the fast path changes the report, first at line %d",
		      first_diff_line(fast.data, full.data));
	free(fast.data);
	free(full.data);
	/* 100000 bytes: 70 segments of 1448 and their ACKs, one per two */
	ck_assert_uint_ge(taken, 100);
}
END_TEST

/* The hz knob: a tail loss probe with more than one segment in flight
 * waits 2 SRTT plus two ticks (Linux tcp_schedule_loss_probe,
 * TCP_TIMEOUT_MIN): 8 ms at 250 ticks a second, 2 ms at 1000. */
START_TEST(hz_sets_the_tick)
{
	static const char fmt[] = "host a 10.0.0.1\n"
				  "host b 10.0.0.2\n"
				  "set a hz %d\n"
				  "link a b delay 10ms\n"
				  "0 b: l = socket()\n"
				  "+0 b: bind(l, 80) = 0\n"
				  "+0 b: listen(l, 1) = 0\n"
				  "+0 a: c = socket()\n"
				  "+0 a: connect(c, b:80) = 0\n"
				  "+0 b: s = accept(l)\n"
				  "+0.1 net: drop a>b all\n"
				  "+0 a: write(c, 3000) = 3000\n";
	static const int hz[] = {250, 1000};
	static const char *const when[] = {"0.148000  a       timer   c tail",
					   "0.142000  a       timer   c tail"};
	for (int i = 0; i < 2; i++) {
		char text[600];
		int st;
		snprintf(text, sizeof text, fmt, hz[i]);
		struct buf b = run_report("hz.trace", text,
					  (struct run_mode){0, 0, 0}, &st);
		ck_assert_int_eq(st, 0);
		ck_assert_msg(strstr(b.data, when[i]) != NULL,
			      "hz %d: no loss probe at %.8s", hz[i], when[i]);
		free(b.data);
	}
}
END_TEST

/* tcp_early_retrans: a tail loss probe only with 3 (the default) or 4
 * (Linux tcp_schedule_loss_probe); with 0 the lost tail waits for the
 * retransmission timer. */
START_TEST(early_retrans_zero_no_loss_probe)
{
	static const char text[] = "host a 10.0.0.1\n"
				   "host b 10.0.0.2\n"
				   "set a tcp_early_retrans 0\n"
				   "link a b delay 10ms\n"
				   "0 b: l = socket()\n"
				   "+0 b: bind(l, 80) = 0\n"
				   "+0 b: listen(l, 1) = 0\n"
				   "+0 a: c = socket()\n"
				   "+0 a: connect(c, b:80) = 0\n"
				   "+0 b: s = accept(l)\n"
				   "+0.1 net: drop a>b all\n"
				   "+0 a: write(c, 3000) = 3000\n";
	int st;
	struct buf b =
	    run_report("er.trace", text, (struct run_mode){0, 0, 0}, &st);
	ck_assert_int_eq(st, 0);
	ck_assert_ptr_null(strstr(b.data, "tail loss probe"));
	ck_assert_ptr_nonnull(
	    strstr(b.data, "timer   c retransmission timeout"));
	free(b.data);
}
END_TEST

/* ---- time-wait records decide nothing ----
 *
 * A connection in TIME_WAIT that no application holds becomes a record
 * (tcp_tw.c) and a socket again whenever something needs one: every trace
 * of the catalogue and the generated ones give the same report, byte for
 * byte, and the same status, with records and without them (in the
 * checking mode; --why keeps sockets whole). */

static void same_with_records(const char *name, const char *text)
{
	int s_rec, s_none;
	struct buf rec =
	    run_report(name, text, (struct run_mode){0, 0, 0}, &s_rec);
	struct buf none =
	    run_report(name, text, (struct run_mode){0, 0, 1}, &s_none);
	ck_assert_msg(s_rec == s_none && !strcmp(rec.data, none.data),
		      "%s: time-wait records change the report (status %d vs "
		      "%d), first at line %d",
		      name, s_rec, s_none,
		      first_diff_line(rec.data, none.data));
	free(rec.data);
	free(none.data);
}

START_TEST(time_wait_records_same_report_catalogue)
{
	ntw = 0;
	each_catalogue_trace(same_with_records);
	ck_assert_uint_ge(ntw, 10); /* records were put to the test */
}
END_TEST

START_TEST(time_wait_records_same_report_generated)
{
	ntw = 0;
	each_generated_trace(same_with_records);
	ck_assert_uint_gt(ntw, 0);
}
END_TEST

static Suite *tcp_suite(void)
{
	Suite *s = suite_create("tcp");
	TCase *tc;

#define GROUP(name)                                                            \
	tc = tcase_create(name);                                               \
	tcase_add_checked_fixture(tc, NULL, th_teardown);                      \
	suite_add_tcase(s, tc)

	GROUP("LISTEN");
	tcase_add_test(tc, listen_syn);
	tcase_add_test(tc, listen_syn_with_data_ignored);
	tcase_add_test(tc, listen_ack_gets_rst);
	tcase_add_test(tc, listen_syn_ack_gets_rst);
	tcase_add_test(tc, listen_rst_ignored);
	tcase_add_test(tc, listen_no_syn_no_ack_ignored);
	tcase_add_test(tc, listen_syn_accept_queue_full);
	tcase_add_test(tc, listen_close_resets_unaccepted_child);
	tcase_add_test(tc, listen_close_drops_request_silently);
	tcase_add_test(tc, listen_accept_nonblocking_empty);

	GROUP("SYN_RECEIVED");
	tcase_add_test(tc, syn_received_ack);
	tcase_add_test(tc, syn_received_accept_blocks_until_ack);
	tcase_add_test(tc, syn_received_syn_retransmitted);
	tcase_add_test(tc, syn_received_syn_retransmitted_rate_limited);
	tcase_add_test(tc, syn_received_ack_at_right_edge_completes);
	tcase_add_test(tc, syn_received_syn_again_timer_capped);
	tcase_add_test(tc, syn_received_syn_retransmitted_restarts_timer);
	tcase_add_test(tc, syn_received_bad_ack_out_of_window_gets_rst);
	tcase_add_test(tc, syn_received_bad_ack_gets_rst);
	tcase_add_test(tc, syn_received_rst_removes_request);
	tcase_add_test(tc, syn_received_new_syn_in_window_gets_rst);
	tcase_add_test(tc, syn_received_ack_with_data);
	tcase_add_test(tc, syn_received_synack_timeouts);
	tcase_add_test(tc, syn_received_synack_timeouts_default);
	tcase_add_test(tc, syn_received_final_ack_on_full_queue_dropped);
	tcase_add_test(tc, syn_received_two_pending_with_backlog_0_gets_cookie);
	tcase_add_test(tc, syn_cookie_keeps_mss_from_table);
	tcase_add_test(tc, syn_cookies_of_two_listeners_kept_apart);
	tcase_add_test(tc, syn_received_final_ack_on_full_queue_abort);

	GROUP("SYN_SENT");
	tcase_add_test(tc, syn_sent_syn_ack);
	tcase_add_test(tc, syn_sent_synack_is_window_update_reference);
	tcase_add_test(tc, syn_sent_cwnd_after_syn_retransmissions);
	tcase_add_test(tc, syn_sent_rst_ack_refused);
	tcase_add_test(tc, syn_sent_rst_without_ack_ignored);
	tcase_add_test(tc, syn_sent_bad_ack_gets_rst);
	tcase_add_test(tc, syn_sent_bad_ack_resends_syn_soon);
	tcase_add_test(tc, syn_sent_bad_ack_with_rst_dropped);
	tcase_add_test(tc, syn_sent_ack_without_syn_dropped);
	tcase_add_test(tc, syn_sent_simultaneous_open);
	tcase_add_test(tc, syn_sent_simultaneous_open_rst_is_reset);
	tcase_add_test(tc, syn_sent_timeout_syn_retries_2);
	tcase_add_test(tc, syn_sent_timeout_default);
	tcase_add_test(tc, syn_sent_timeout_exponential);
	tcase_add_test(tc, syn_sent_retransmitted_syn_rto_fallback);
	tcase_add_test(tc, syn_sent_close_silent_then_rst);
	tcase_add_test(tc, syn_sent_linger_zero_close_silent);
	tcase_add_test(tc, syn_sent_nonblocking_calls);
	tcase_add_test(tc, syn_sent_nonblocking_refused_poll_so_error);
	tcase_add_test(tc, syn_sent_shutdown_disconnects_silently);

	GROUP("ESTABLISHED");
	tcase_add_test(tc, established_data_in);
	tcase_add_test(tc, established_write_mss_segmentation);
	tcase_add_test(tc, established_write_segmentation_with_timestamps);
	tcase_add_test(tc, established_paws);
	tcase_add_test(tc, established_windows_unscaled);
	tcase_add_test(tc, socket_options_buffers_and_mss);
	tcase_add_test(tc, hz_sets_the_tick);
	tcase_add_test(tc, early_retrans_zero_no_loss_probe);
	tcase_add_test(tc, established_write_peer_without_mss);
	tcase_add_test(tc, established_write_zero_window_waits);
	tcase_add_test(tc, established_zero_window_probe_after_rto);
	tcase_add_test(tc, established_sender_sws_window_probe_sends_data);
	tcase_add_test(
	    tc, established_zero_window_probe_backoff_capped_at_retries2);
	tcase_add_test(tc, established_zero_window_probes_unanswered_give_up);
	tcase_add_test(
	    tc, established_zero_window_user_timeout_counts_answered_probes);
	tcase_add_test(
	    tc,
	    established_zero_window_user_timeout_restarts_after_window_opens);
	tcase_add_test(tc, established_window_probe_data_resets_probe_backoff);
	tcase_add_test(
	    tc, established_zero_window_probe_interval_capped_at_rto_max);
	tcase_add_test(tc, established_zero_window_user_timeout_wait_floor);
	tcase_add_test(tc, established_ack_stops_retransmission);
	tcase_add_test(tc, established_rto_exponential_backoff);
	tcase_add_test(tc, established_rto_no_tlp_without_sack);
	tcase_add_test(tc, established_retries2_no_tlp_without_sack);
	tcase_add_test(tc, established_data_into_zero_window_acked_at_once);
	tcase_add_test(tc, established_rto_capped_at_120s);
	tcase_add_test(tc, established_retries2_gives_up);
	tcase_add_test(tc, established_retries2_default_past_rto_max);
	tcase_add_test(tc, established_retries2_read_timedout_then_eof);
	tcase_add_test(tc, established_fin);
	tcase_add_test(tc, established_data_then_fin_readable_then_eof);
	tcase_add_test(tc, established_rst_at_rcv_nxt);
	tcase_add_test(tc, established_rst_poll);
	tcase_add_test(tc, established_rst_read_reset_then_eof);
	tcase_add_test(tc, established_rst_sigpipe_terminates);
	tcase_add_test(tc, established_rst_in_window_challenge_ack);
	tcase_add_test(tc, established_rst_challenge_ack_rate_limited);
	tcase_add_test(tc, established_rst_out_of_window_ignored);
	tcase_add_test(tc, established_syn_challenge_ack);
	tcase_add_test(tc, established_challenge_ack_host_budget);
	tcase_add_test(tc, established_ack_of_unsent_data_dropped);
	tcase_add_test(tc, established_data_outside_window_dup_ack);
	tcase_add_test(tc, established_duplicate_data_acked_at_once);
	tcase_add_test(tc, established_out_of_order_then_gap_filled);
	tcase_add_test(tc, established_receive_window_closes_and_reopens);
	tcase_add_test(tc, established_close);
	tcase_add_test(tc, established_close_after_write_fin_follows_data);
	tcase_add_test(tc, established_close_with_unread_data_rst);
	tcase_add_test(tc, established_close_with_unread_data_rst_window);
	tcase_add_test(tc, established_close_linger_zero_rst);
	tcase_add_test(tc, established_close_linger_waits_for_ack);
	tcase_add_test(tc, accepted_child_inherits_linger_time);
	tcase_add_test(tc, established_disconnect_clears_shutdown);
	tcase_add_test(tc, fin_wait_2_close_orphan_expires);
	tcase_add_test(tc, accepted_child_inherits_keepalive_times);
	tcase_add_test(tc, established_loss_probe_from_snd_una);
	tcase_add_test(tc, established_older_segment_leaves_window);
	tcase_add_test(tc, established_out_of_window_ack_rate_limited);
	tcase_add_test(tc, established_old_data_enters_quickack);
	tcase_add_test(tc, established_delayed_ack_due_soon_goes_now);
	tcase_add_test(tc, established_user_timeout_from_first_rto);
	tcase_add_test(tc, established_ato_follows_data_arrivals);
	tcase_add_test(tc, established_disconnect_discards_unread_data);
	tcase_add_test(tc, established_blocked_write_wakes_at_a_third_free);
	tcase_add_test(tc, established_send_buffer_from_tcp_wmem);
	tcase_add_test(tc,
		       established_nonblocking_write_takes_what_memory_allows);
	tcase_add_test(tc, established_long_write_psh_every_half_window);
	tcase_add_test(tc, established_poll_marks_nospace_and_the_buffer_grows);
	tcase_add_test(tc, established_shutdown_wr_then_write_epipe);
	tcase_add_test(tc, established_kill_closes_as_close);
	tcase_add_test(tc, established_rst_before_accept);
	tcase_add_test(tc, established_shut_rd_data_still_accepted);

	GROUP("FIN_WAIT_1");
	tcase_add_test(tc, fin_wait_1_ack);
	tcase_add_test(tc, fin_wait_1_ack_of_part_stays);
	tcase_add_test(tc, fin_wait_1_fin_simultaneous_close);
	tcase_add_test(tc, fin_wait_1_fin_ack);
	tcase_add_test(tc, fin_wait_1_data_after_close_rst);
	tcase_add_test(tc, fin_wait_1_shut_data_accepted);
	tcase_add_test(tc, fin_wait_1_fin_retransmitted);
	tcase_add_test(tc, fin_wait_1_fin_no_tlp_without_sack);
	tcase_add_test(tc, fin_wait_1_rst);
	tcase_add_test(tc, fin_wait_1_shut_rst_read_reset);

	GROUP("FIN_WAIT_2");
	tcase_add_test(tc, fin_wait_2_fin);
	tcase_add_test(tc, fin_wait_2_orphan_timeout);
	tcase_add_test(tc, fin_wait_2_orphan_timeout_knob);
	tcase_add_test(tc, fin_wait_2_orphan_data_rst);
	tcase_add_test(tc, fin_wait_2_orphan_syn_gets_rst);
	tcase_add_test(tc, fin_wait_2_orphan_rst_in_window_kills);
	tcase_add_test(tc, fin_wait_2_orphan_ack_ignored);
	tcase_add_test(tc, fin_wait_2_ack_of_unsent_challenge_ack);
	tcase_add_test(tc, fin_wait_2_shut_waits_forever);
	tcase_add_test(tc, fin_wait_2_shut_data_readable);
	tcase_add_test(tc, fin_wait_2_shut_peer_fin_poll_hup);

	GROUP("CLOSE_WAIT");
	tcase_add_test(tc, close_wait_read_eof);
	tcase_add_test(tc, close_wait_write);
	tcase_add_test(tc, close_wait_close);
	tcase_add_test(tc, close_wait_shutdown_wr);
	tcase_add_test(tc, close_wait_rst_epipe);
	tcase_add_test(tc, close_wait_rst_at_rcv_nxt_minus_1);
	tcase_add_test(tc, close_wait_write_to_closed_peer);
	tcase_add_test(tc, close_wait_close_with_unread_data_rst);

	GROUP("CLOSING");
	tcase_add_test(tc, closing_ack);
	tcase_add_test(tc, closing_fin_retransmitted);
	tcase_add_test(tc, closing_rst);

	GROUP("LAST_ACK");
	tcase_add_test(tc, last_ack_ack);
	tcase_add_test(tc, last_ack_fin_retransmitted);
	tcase_add_test(tc, last_ack_rst);
	tcase_add_test(tc, last_ack_gone_then_segment_gets_rst);

	GROUP("TIME_WAIT");
	tcase_add_test(tc, time_wait_timeout);
	tcase_add_test(tc, time_wait_fin_retransmitted_acked_and_restarts);
	tcase_add_test(tc, time_wait_fins_not_rate_limited);
	tcase_add_test(tc, time_wait_paws_rejects_old_rst);
	tcase_add_test(tc, time_wait_rst_closes);
	tcase_add_test(tc, time_wait_rst_ignored_rfc1337);
	tcase_add_test(tc, time_wait_syn_reopens);
	tcase_add_test(tc, time_wait_old_syn_acked);
	tcase_add_test(tc, time_wait_syn_without_listener_acked);
	tcase_add_test(tc, time_wait_data_acked);
	tcase_add_test(tc, time_wait_bare_ack_silent);
	tcase_add_test(tc, time_wait_record_keeps_the_connection);
	tcase_add_test(tc, time_wait_record_holds_its_port);
	tcase_add_test(tc, time_wait_record_not_made_for_counts_over_32_bits);
	tcase_add_test(tc, time_wait_record_round_trip);
	tcase_add_test(tc, time_wait_record_dies_with_its_host);
	tcase_add_test(tc, crash_frees_listener_then_child);

	GROUP("CLOSED");
	tcase_add_test(tc, closed_syn_gets_rst_ack);
	tcase_add_test(tc, closed_ack_gets_rst_seq_ack);
	tcase_add_test(tc, closed_data_without_ack_gets_rst_ack);
	tcase_add_test(tc, closed_data_with_ack_gets_rst);
	tcase_add_test(tc, closed_rst_not_answered);
	tcase_add_test(tc, closed_bound_not_listening);
	tcase_add_test(tc, closed_connect_refused_errno);
	tcase_add_test(tc, closed_calls_on_unconnected_socket);

	GROUP("traces");
	tcase_add_test(tc, trace_handshake_data_orderly_close);
	tcase_add_test(tc, trace_window_scale_from_buffer_limits);
	tcase_add_test(tc, trace_simultaneous_open);
	tcase_add_test(tc, trace_connect_refused);
	tcase_add_test(tc, trace_tail_loss_probe_then_rto_backoff);

	/* The two groups below run the whole catalogue and 300 generated
	 * traces, each trace two or four times: a fraction of a second on an
	 * idle machine, several times that under a sanitizer or on a loaded
	 * one, where check's default of 4 s per test has been exceeded. Their
	 * timeout is set far above any such run: they test what the fast path
	 * and the time-wait records do, not how fast the machine is. */
	GROUP("time-wait records");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, time_wait_records_same_report_catalogue);
	tcase_add_test(tc, time_wait_records_same_report_generated);

	GROUP("fast path");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, fast_path_same_report_catalogue);
	tcase_add_test(tc, fast_path_same_report_generated);
	tcase_add_test(tc, fast_path_taken_for_bulk_data);
#undef GROUP
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(tcp_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
