/*
 * test_fastopen.c - TCP Fast Open (RFC 7413) as Linux 6.18 does it
 * (net/ipv4/tcp_fastopen.c and its callers): the server's cookie and the
 * child it makes at SYN time, the client's SYN with data and the cookie
 * it caches, and the errno of every call on the way. Grouped by state,
 * on the chained fixtures of harness.h; the test plays the peer.
 *
 * Numbers as in test_tcp.c: host a (10.0.0.1) is the stack under test,
 * its ISS LOCAL_ISS; the peer b (10.0.0.2) starts at REMOTE_ISS; IN/OUT
 * sequence numbers are offsets from them.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

/* tcp_fastopen bits (Linux include/net/tcp.h TFO_*) */
#define CLIENT      0x1
#define SERVER      0x2
#define NO_COOKIE   0x200 /* TFO_SERVER_COOKIE_NOT_REQD */
#define WO_SOCKOPT1 0x400

static void set_tfo(th *t, int host, int64_t v)
{
	t->sim->hosts[host].knob[TS_KNOB_TCP_FASTOPEN] = v;
}

/* The cookie host a gives b's SYNs (Linux __tcp_fastopen_cookie_gen). */
static ts_tfo_cookie a_cookie(th *t)
{
	ts_tfo_cookie c;
	ts_tfo_cookie_gen(&t->sim->hosts[0], REMOTE_ADDR, LOCAL_ADDR, &c);
	return c;
}

/* SEG with the Fast Open option of kind KIND and cookie C (len 0: a
 * request). */
static ts_seg with_fo(ts_seg seg, uint8_t kind, const ts_tfo_cookie *c)
{
	seg.fo = kind;
	seg.fo_len = c ? (uint8_t)c->len : 0;
	if (c)
		memcpy(seg.fo_cookie, c->val, (size_t)c->len);
	return seg;
}

/* The next segment sent is WANT (its window aside), its Fast Open option
 * too. */
static void ck_send_fo(th *t, ts_seg want)
{
	const th_cap *k = th_take(t);
	char m[600];
	ck_assert_msg(k != NULL, "expected a segment, none was sent");
	ck_assert_msg(th_seg_eq_nowin(&k->seg, &want, m, sizeof m), "%s", m);
	ck_assert_uint_eq(k->seg.fo, want.fo);
	ck_assert_uint_eq(k->seg.fo_len, want.fo_len);
	ck_assert(!memcmp(k->seg.fo_cookie, want.fo_cookie, want.fo_len));
}

/* ====================================================================== */
/* The cookie                                                             */
/* ====================================================================== */

START_TEST(cookie_is_linux_siphash_of_addresses)
{
	/* SipHash-2-4 of saddr, daddr under the key: with packetdrill's
	 * defaults (tcp_fastopen_key a1a1a1a1-b2b2b2b2-c3c3c3c3-d4d4d4d4)
	 * Linux gives 192.0.2.1 -> 192.168.0.1 the cookie 3021b9d889017eeb
	 * (the TFO_COOKIE google's runner defines). */
	th *t = th_new("host a 192.168.0.1\nhost b 192.0.2.1\n"
		       "set a tcp_fastopen_key 2711724449 2998055602 "
		       "3284386755 3570717908\n",
		       1);
	ts_tfo_cookie c;
	ts_tfo_cookie_gen(&t->sim->hosts[0], TH_ADDR(192, 0, 2, 1),
			  TH_ADDR(192, 168, 0, 1), &c);
	static const uint8_t want[8] = {0x30, 0x21, 0xb9, 0xd8,
					0x89, 0x01, 0x7e, 0xeb};
	ck_assert_int_eq(c.len, 8);
	ck_assert(!memcmp(c.val, want, 8));
	/* the other way round, another cookie */
	ts_tfo_cookie_gen(&t->sim->hosts[0], TH_ADDR(192, 168, 0, 1),
			  TH_ADDR(192, 0, 2, 1), &c);
	ck_assert(memcmp(c.val, want, 8) != 0);
}
END_TEST

START_TEST(cookie_takes_every_byte_of_key_and_addresses)
{
	/* SipHash-2-4's own test vector (Aumasson and Bernstein, the
	 * reference implementation's vectors[8]): key 00 01 .. 0f, message
	 * 00 01 .. 07, hash 62 24 93 9a 79 f5 f5 93. As Linux reads them, the
	 * key words 0x03020100 0x07060504 0x0b0a0908 0x0f0e0d0c and the
	 * addresses 0.1.2.3 -> 4.5.6.7 are exactly those bytes. */
	th *t = th_new("host a 10.0.0.1\nhost b 10.0.0.2\n"
		       "set a tcp_fastopen_key 50462976 117835012 "
		       "185207048 252579084\n",
		       1);
	ts_tfo_cookie c;
	memset(&c, 0xff, sizeof c); /* every field is written */
	ts_tfo_cookie_gen(&t->sim->hosts[0], TH_ADDR(0, 1, 2, 3),
			  TH_ADDR(4, 5, 6, 7), &c);
	const ts_tfo_cookie vec = {
	    .len = 8, .val = {0x62, 0x24, 0x93, 0x9a, 0x79, 0xf5, 0xf5, 0x93}};
	ck_assert_int_eq(c.len, 8);
	ck_assert_int_eq(c.exp, 0);
	ck_assert(!memcmp(c.val, vec.val, sizeof c.val));
	/* Addresses whose every byte is distinct and not zero, under
	 * packetdrill's key: 10.1.2.3 -> 172.16.5.6 gives dd759df328e4737e
	 * (the same SipHash, which reproduces the vector above and the
	 * packetdrill cookie of cookie_is_linux_siphash_of_addresses). */
	t->sim->hosts[0].knob[TS_KNOB_TCP_FASTOPEN_KEY] = 2711724449;
	t->sim->hosts[0].knob[TS_KNOB_TCP_FASTOPEN_KEY1] = 2998055602;
	t->sim->hosts[0].knob[TS_KNOB_TCP_FASTOPEN_KEY2] = 3284386755;
	t->sim->hosts[0].knob[TS_KNOB_TCP_FASTOPEN_KEY3] = 3570717908;
	ts_tfo_cookie_gen(&t->sim->hosts[0], TH_ADDR(10, 1, 2, 3),
			  TH_ADDR(172, 16, 5, 6), &c);
	static const uint8_t want[8] = {0xdd, 0x75, 0x9d, 0xf3,
					0x28, 0xe4, 0x73, 0x7e};
	ck_assert(!memcmp(c.val, want, 8));
}
END_TEST

/* ====================================================================== */
/* LISTEN with a Fast Open queue                                          */
/* ====================================================================== */

/* Host a's s listens on port 80 with Fast Open (the server bit, and
 * TCP_FASTOPEN 8). */
static th_conn listening_fo(void)
{
	th_conn c = listening();
	set_tfo(c.t, 0, CLIENT | SERVER);
	ck_ret(th_do(c.t, "a: setsockopt(s, TCP_FASTOPEN, 8)"), 0);
	return c;
}

START_TEST(listen_syn_data_valid_cookie_makes_child)
{
	/* RFC 7413 §4.2.2, Linux tcp_try_fastopen: a SYN with a valid cookie
	 * makes the child at once, SYN_RECEIVED, the data queued, in the
	 * accept queue; the SYN-ACK acknowledges the data, no cookie. */
	th_conn c = listening_fo();
	ts_tfo_cookie k = a_cookie(c.t);
	ts_seg syn =
	    with_fo(IN(c, .flags = TS_SYN, .seq = 0, .len = 10), TCPSIM_FO, &k);
	th_input(&c, &syn);
	ck_send_fo(c.t, OUT(c, .flags = TS_SYN | TS_ACK, .seq = 0, .ack = 11));
	ck_no_send(c.t);
	ck_ret(th_do(c.t, "a: x = accept(s)"), 4);
	ts_sock *x = th_var_sock(c.t, 0, "x");
	ck_assert_int_eq(x->state, TS_SYN_RECEIVED);
	ck_assert(x->tfo & TS_TFO_F_CHILD);
	/* Linux tcp_poll: readable and writable already (POLLIN|POLLOUT) */
	ck_ret(th_do(c.t, "a: poll(x, POLLIN|POLLOUT, 0)"), 0x005);
	ck_ret(th_do(c.t, "a: read(x, 100)"), 10);
	/* the final ACK completes it; the listener's queue is free again */
	INPUT(c, .flags = TS_ACK, .seq = 11, .ack = 1);
	ck_assert_int_eq(x->state, TS_ESTABLISHED);
	ck_assert(!(x->tfo & TS_TFO_F_CHILD));
	ck_assert_int_eq(th_sk(&c)->x->fo_qlen, 0);
}
END_TEST

START_TEST(listen_cookie_request_gets_cookie)
{
	/* RFC 7413 §4.1.2: a request (the option, no cookie) is answered
	 * with the cookie in the SYN-ACK; the handshake is an ordinary one:
	 * nothing to accept before the final ACK. */
	th_conn c = listening_fo();
	ts_tfo_cookie k = a_cookie(c.t);
	ts_seg syn = with_fo(IN(c, .flags = TS_SYN, .seq = 0), TCPSIM_FO, NULL);
	th_input(&c, &syn);
	ck_send_fo(c.t,
		   with_fo(OUT(c, .flags = TS_SYN | TS_ACK, .seq = 0, .ack = 1),
			   TCPSIM_FO, &k));
	ck_assert_int_eq(th_sk(&c)->x->aq_len, 0);
}
END_TEST

START_TEST(listen_wrong_cookie_data_dropped_valid_cookie_sent)
{
	/* Linux tcp_fastopen_cookie_gen_check fails: the data is not taken
	 * (the SYN-ACK acknowledges the SYN alone) and the valid cookie goes
	 * back, in the kind the SYN used (254 here). */
	th_conn c = listening_fo();
	ts_tfo_cookie bad = {.len = 8, .val = {0xaa, 0xaa, 0xaa, 0xaa}};
	ts_tfo_cookie k = a_cookie(c.t);
	ts_seg syn = with_fo(IN(c, .flags = TS_SYN, .seq = 0, .len = 10),
			     TCPSIM_FO_EXP, &bad);
	th_input(&c, &syn);
	ck_send_fo(c.t,
		   with_fo(OUT(c, .flags = TS_SYN | TS_ACK, .seq = 0, .ack = 1),
			   TCPSIM_FO_EXP, &k));
}
END_TEST

START_TEST(listen_fo_plain_syn_gets_no_cookie)
{
	/* A SYN without the option and without data is no request (Linux
	 * tcp_try_fastopen: neither foc->len >= 0 nor syn_data): the SYN-ACK
	 * carries no cookie, and the handshake is an ordinary one. */
	th_conn c = listening_fo();
	INPUT(c, .flags = TS_SYN, .seq = 0);
	ck_send_fo(c.t, OUT(c, .flags = TS_SYN | TS_ACK, .seq = 0, .ack = 1));
	ck_assert_int_eq(th_sk(&c)->x->fo_qlen, 0);
}
END_TEST

START_TEST(listen_fo_short_or_odd_cookie_is_no_option)
{
	/* Linux tcp_parse_fastopen_option: a cookie of 2 bytes (below
	 * TCP_FASTOPEN_COOKIE_MIN) counts as none, one of odd length is
	 * ignored: the data is not taken and, not being a request either,
	 * the SYN gets no cookie back. A 4-byte one is a (wrong) cookie:
	 * the valid one goes back. */
	static const uint8_t lens[] = {1, 2, 3, 4};
	for (size_t i = 0; i < sizeof lens; i++) {
		th_conn c = listening_fo();
		ts_tfo_cookie k = {.len = (int8_t)lens[i],
				   .val = {0xaa, 0xbb, 0xcc, 0xdd}};
		ts_seg syn = with_fo(
		    IN(c, .flags = TS_SYN, .seq = 0, .len = 10), TCPSIM_FO, &k);
		th_input(&c, &syn);
		ts_tfo_cookie valid = a_cookie(c.t);
		ts_seg want =
		    OUT(c, .flags = TS_SYN | TS_ACK, .seq = 0, .ack = 1);
		ck_send_fo(c.t, lens[i] == 4 ? with_fo(want, TCPSIM_FO, &valid)
					     : want);
		th_free(c.t);
	}
}
END_TEST

START_TEST(listen_fo_queue_capped_at_somaxconn)
{
	/* Linux fastopen_queue_tune: max_qlen = min(backlog, somaxconn),
	 * somaxconn 4096. */
	th_conn c = listening();
	set_tfo(c.t, 0, CLIENT | SERVER);
	ck_ret(th_do(c.t, "a: setsockopt(s, TCP_FASTOPEN, 4097)"), 0);
	ck_assert_int_eq(th_sk(&c)->x->fo_max_qlen, 4096);
	ck_ret(th_do(c.t, "a: setsockopt(s, TCP_FASTOPEN, 4096)"), 0);
	ck_assert_int_eq(th_sk(&c)->x->fo_max_qlen, 4096);
	ck_ret(th_do(c.t, "a: setsockopt(s, TCP_FASTOPEN, 4095)"), 0);
	ck_assert_int_eq(th_sk(&c)->x->fo_max_qlen, 4095);
}
END_TEST

START_TEST(listen_fo_no_cookie_mode_needs_data)
{
	/* TFO_SERVER_COOKIE_NOT_REQD (Linux tcp_try_fastopen): a SYN is
	 * taken at once only with data or the option; a plain SYN makes an
	 * ordinary handshake (no child before the final ACK), one byte of
	 * data is enough for a child. */
	th_conn c = listening_fo();
	set_tfo(c.t, 0, CLIENT | SERVER | NO_COOKIE);
	INPUT(c, .flags = TS_SYN, .seq = 0);
	ck_send_fo(c.t, OUT(c, .flags = TS_SYN | TS_ACK, .seq = 0, .ack = 1));
	ck_assert_int_eq(th_sk(&c)->x->aq_len, 0);
	ck_assert_int_eq(th_sk(&c)->x->fo_qlen, 0);
	c.rport++; /* another connection, one byte of data */
	INPUT(c, .flags = TS_SYN, .seq = 0, .len = 1);
	const th_cap *k = th_take(c.t); /* its own ISS: check what matters */
	ck_assert_ptr_nonnull(k);
	ck_assert_uint_eq(k->seg.flags, TS_SYN | TS_ACK);
	ck_assert_uint_eq(k->seg.ack, c.irs + 2);
	ck_assert_uint_eq(k->seg.fo, 0);
	ck_assert_int_eq(th_sk(&c)->x->aq_len, 1);
	ck_assert_int_eq(th_sk(&c)->x->fo_qlen, 1);
	/* the option with a cookie too short to count, no data: neither
	 * (tcp_parse_fastopen_option gave foc->len -1) */
	c.rport++;
	ts_tfo_cookie two = {.len = 2, .val = {1, 2}};
	ts_seg syn = with_fo(IN(c, .flags = TS_SYN, .seq = 0), TCPSIM_FO, &two);
	th_input(&c, &syn);
	k = th_take(c.t);
	ck_assert_ptr_nonnull(k);
	ck_assert_uint_eq(k->seg.ack, c.irs + 1);
	ck_assert_int_eq(th_sk(&c)->x->aq_len, 1);
}
END_TEST

START_TEST(listen_without_queue_ignores_option)
{
	/* No TCP_FASTOPEN, tcp_fastopen 1 (the client only): a plain
	 * handshake, no option back, the data dropped. */
	th_conn c = listening();
	ts_tfo_cookie k = a_cookie(c.t);
	ts_seg syn =
	    with_fo(IN(c, .flags = TS_SYN, .seq = 0, .len = 10), TCPSIM_FO, &k);
	th_input(&c, &syn);
	ck_send_fo(c.t, OUT(c, .flags = TS_SYN | TS_ACK, .seq = 0, .ack = 1));
}
END_TEST

START_TEST(listen_queue_from_backlog_without_sockopt)
{
	/* TFO_SERVER_WO_SOCKOPT1 (Linux inet_listen): every listener takes
	 * Fast Open, its backlog as the queue; with TFO_SERVER_COOKIE_NOT_REQD
	 * a SYN's data is taken without any option. */
	th *t = th_new("host a 10.0.0.1\nhost b 10.0.0.2\nset a isn 1000\n"
		       "set a tcp_fastopen 1538\n" /* 0x602 */
		       "0 a: s = socket()\n",
		       1);
	ck_ret(th_do(t, "a: s = socket()"), 3);
	ck_ret(th_do(t, "a: bind(s, 80)"), 0);
	ck_ret(th_do(t, "a: listen(s, 1)"), 0);
	ts_sock *l = th_var_sock(t, 0, "s");
	ck_assert_int_eq(l->x->fo_max_qlen, 1);
	ts_seg syn = th_seg(REMOTE_ADDR, REMOTE_PORT, LOCAL_ADDR, LOCAL_PORT,
			    TS_SYN, REMOTE_ISS, 0, 10, 65535);
	syn.mss = 1460;
	th_input_host(t, 0, &syn);
	const th_cap *k = th_take(t);
	ck_assert_ptr_nonnull(k);
	ck_assert_uint_eq(k->seg.ack, REMOTE_ISS + 11);
	ck_assert_uint_eq(k->seg.fo, 0);
	/* the queue of one is full: the next SYN's data is not taken */
	syn.sport++;
	th_input_host(t, 0, &syn);
	k = th_take(t);
	ck_assert_ptr_nonnull(k);
	ck_assert_uint_eq(k->seg.ack, REMOTE_ISS + 1);
}
END_TEST

START_TEST(listen_setsockopt_fastopen_errnos)
{
	/* Linux do_tcp_setsockopt(TCP_FASTOPEN): a negative queue, or a
	 * socket neither CLOSE nor LISTEN, is EINVAL. */
	th_conn c = listening_fo();
	ck_errno(th_do(c.t, "a: setsockopt(s, TCP_FASTOPEN, -1)"), TS_EINVAL,
		 0);
	ck_ret(th_do(c.t, "a: c = socket()"), 4);
	ck_ret(th_do(c.t, "a: setsockopt(c, TCP_FASTOPEN, 5)"), 0);
	th_conn e = established();
	ck_errno(th_do(e.t, "a: setsockopt(x, TCP_FASTOPEN, 5)"), TS_EINVAL, 0);
}
END_TEST

/* ====================================================================== */
/* SYN_RECEIVED: the child made at SYN time                               */
/* ====================================================================== */

/* listening_fo() + a SYN with 10 bytes and a valid cookie, our SYN-ACK. */
static th_conn fo_child(void)
{
	th_conn c = listening_fo();
	ts_tfo_cookie k = a_cookie(c.t);
	ts_seg syn =
	    with_fo(IN(c, .flags = TS_SYN, .seq = 0, .len = 10), TCPSIM_FO, &k);
	th_input(&c, &syn);
	ck_send_fo(c.t, OUT(c, .flags = TS_SYN | TS_ACK, .seq = 0, .ack = 11));
	return c;
}

START_TEST(syn_received_fo_write_sends_before_handshake)
{
	/* RFC 7413 §4.2.2, Linux tcp_sendmsg_locked (tcp_passive_fastopen):
	 * the child answers in the first round trip, before the final ACK;
	 * that ACK, acknowledging the answer too, completes it. */
	th_conn c = fo_child();
	ck_ret(th_do(c.t, "a: x = accept(s)"), 4);
	ck_ret(th_do(c.t, "a: write(x, 100)"), 100);
	ck_send(c.t, OUT(c, .flags = TS_ACK | TS_PSH, .seq = 1, .ack = 11,
			 .len = 100));
	ck_assert_int_eq(th_var_sock(c.t, 0, "x")->state, TS_SYN_RECEIVED);
	th_advance(c.t, FX_RTT);
	INPUT(c, .flags = TS_ACK, .seq = 11, .ack = 101);
	ck_assert_int_eq(th_var_sock(c.t, 0, "x")->state, TS_ESTABLISHED);
	ck_no_send(c.t);
}
END_TEST

START_TEST(syn_received_fo_rst_before_accept_keeps_data)
{
	/* Linux tcp_check_req(fastopen) -> tcp_reset -> tcp_done: the
	 * child stays in the accept queue, CLOSED, its data readable, then
	 * ECONNRESET. */
	th_conn c = fo_child();
	INPUT(c, .flags = TS_RST | TS_ACK, .seq = 11, .ack = 1);
	ck_no_send(c.t);
	ck_ret(th_do(c.t, "a: x = accept(s)"), 4);
	ck_assert_int_eq(th_var_sock(c.t, 0, "x")->state, TS_CLOSED);
	ck_ret(th_do(c.t, "a: read(x, 512)"), 10);
	ck_errno(th_do(c.t, "a: read(x, 512)"), TS_ECONNRESET, 0);
	ck_ret(th_do(c.t, "a: close(x)"), 0);
	ck_no_send(c.t);
}
END_TEST

START_TEST(syn_received_fo_listener_close_resets_child)
{
	/* Linux inet_csk_listen_stop -> tcp_disconnect: RST|ACK from the
	 * child, <SEQ=SND.NXT><ACK=RCV.NXT> (after the data). */
	th_conn c = fo_child();
	ck_ret(th_do(c.t, "a: close(s)"), 0);
	ck_send(c.t, OUT(c, .flags = TS_RST | TS_ACK, .seq = 1, .ack = 11));
	ck_no_send(c.t);
}
END_TEST

START_TEST(syn_received_fo_close_unread_resets)
{
	/* Linux __tcp_close: the SYN's data unread -> RST (RFC 2525 §2.17). */
	th_conn c = fo_child();
	ck_ret(th_do(c.t, "a: x = accept(s)"), 4);
	ck_ret(th_do(c.t, "a: close(x)"), 0);
	ck_send(c.t, OUT(c, .flags = TS_RST | TS_ACK, .seq = 1, .ack = 11));
}
END_TEST

START_TEST(syn_received_fo_syn_again_resends_synack)
{
	/* Linux tcp_check_req: the peer's SYN again, the SYN-ACK again. */
	th_conn c = fo_child();
	ts_tfo_cookie k = a_cookie(c.t);
	ts_seg syn =
	    with_fo(IN(c, .flags = TS_SYN, .seq = 0, .len = 10), TCPSIM_FO, &k);
	th_input(&c, &syn);
	ck_send_fo(c.t, OUT(c, .flags = TS_SYN | TS_ACK, .seq = 0, .ack = 11));
}
END_TEST

START_TEST(syn_received_fo_synack_retries_then_etimedout)
{
	/* Linux tcp_fastopen_synack_timer: tcp_synack_retries + 1 SYN-ACKs
	 * again (1, 2, 4 ... s apart), then tcp_write_err: ETIMEDOUT. */
	th_conn c = fo_child();
	c.t->sim->hosts[0].knob[TS_KNOB_TCP_SYNACK_RETRIES] = 1;
	ck_ret(th_do(c.t, "a: x = accept(s)"), 4);
	th_advance(c.t, TS_SEC(1));
	ck_send_fo(c.t, OUT(c, .flags = TS_SYN | TS_ACK, .seq = 0, .ack = 11));
	th_advance(c.t, TS_SEC(2));
	ck_send_fo(c.t, OUT(c, .flags = TS_SYN | TS_ACK, .seq = 0, .ack = 11));
	th_advance(c.t, TS_SEC(4));
	ck_no_send(c.t);
	ck_ret(th_do(c.t, "a: read(x, 100)"), 10);
	ck_errno(th_do(c.t, "a: read(x, 100)"), TS_ETIMEDOUT, 0);
}
END_TEST

START_TEST(syn_received_fo_disconnect_sends_rst)
{
	/* connect(AF_UNSPEC): Linux __inet_stream_connect -> tcp_disconnect,
	 * RST in SYN_RECV (tcp_need_reset), 0; the request is gone. */
	th_conn c = fo_child();
	ck_ret(th_do(c.t, "a: x = accept(s)"), 4);
	ck_ret(th_do(c.t, "a: connect(x, AF_UNSPEC)"), 0);
	ck_send(c.t, OUT(c, .flags = TS_RST | TS_ACK, .seq = 1, .ack = 11));
	ts_sock *x = th_var_sock(c.t, 0, "x");
	ck_assert_int_eq(x->state, TS_CLOSED);
	ck_assert_int_eq(x->tfo, 0);
	ck_assert_int_eq(th_sk(&c)->x->fo_qlen, 0);
}
END_TEST

/* ====================================================================== */
/* SYN_SENT: the client                                                   */
/* ====================================================================== */

/* Host a's c as the test sees it once it connects to b:80. */
static th_conn client(th *t)
{
	th_conn c;
	memset(&c, 0, sizeof c);
	c.t = t;
	c.peer = 1;
	c.laddr = LOCAL_ADDR;
	c.raddr = REMOTE_ADDR;
	c.lport = 40000; /* the first ephemeral port */
	c.rport = 80;
	c.iss = LOCAL_ISS;
	c.irs = REMOTE_ISS;
	return c;
}

START_TEST(syn_sent_sendto_without_cookie_requests_one)
{
	/* Linux tcp_send_syn_data, no cookie cached: the SYN asks for one
	 * (the option, empty) and carries no data; a non-blocking call
	 * returns EINPROGRESS. */
	th *t = th_new("host a 10.0.0.1\nhost b 10.0.0.2\nset a isn 1000\n"
		       "0 a: c = socket()\n",
		       1);
	th_conn c = client(t);
	ck_ret(th_do(t, "a: c = socket()"), 3);
	ck_ret(th_do(t, "a: fcntl(c, O_NONBLOCK)"), 0);
	ck_errno(th_do(t, "a: sendto(c, 1000, MSG_FASTOPEN, b:80)"),
		 TS_EINPROGRESS, 0);
	ck_send_fo(t,
		   with_fo(OUT(c, .flags = TS_SYN, .seq = 0), TCPSIM_FO, NULL));
	/* EALREADY on a second one (__inet_stream_connect, SS_CONNECTING),
	 * EAGAIN on a write (sk_stream_wait_connect) */
	ck_errno(th_do(t, "a: sendto(c, 1000, MSG_FASTOPEN, b:80)"),
		 TS_EALREADY, 0);
	ck_errno(th_do(t, "a: write(c, 1000)"), TS_EAGAIN, 0);
	/* the SYN-ACK's cookie is cached for b, with its MSS */
	ts_tfo_cookie k = {.len = 4, .val = {0xab, 0xcd, 0x12, 0x34}};
	th_advance(t, TS_MS(10));
	ts_seg sa = with_fo(
	    IN(c, .flags = TS_SYN | TS_ACK, .seq = 0, .ack = 1, .mss = 1240),
	    TCPSIM_FO, &k);
	th_input(&c, &sa);
	ck_send(t, OUT(c, .flags = TS_ACK, .seq = 1, .ack = 1));
	uint16_t mss = 0;
	ts_tfo_cookie got;
	ts_tfo_cache_get(&t->sim->hosts[0], REMOTE_ADDR, &mss, &got);
	ck_assert_int_eq(got.len, 4);
	ck_assert(!memcmp(got.val, k.val, 4));
	ck_assert_uint_eq(mss, 1240);
}
END_TEST

/* A client whose cache holds the cookie K for b (MSS 1460). */
static th *client_with_cookie(const ts_tfo_cookie *k)
{
	th *t = th_new("host a 10.0.0.1\nhost b 10.0.0.2\nset a isn 1000\n"
		       "0 a: c = socket()\n",
		       1);
	ts_tfo_cache_set(t->sim, &t->sim->hosts[0], REMOTE_ADDR, 1460, k, 0);
	return t;
}

static const ts_tfo_cookie K8 = {.len = 8, .val = {1, 2, 3, 4, 5, 6, 7, 8}};

START_TEST(syn_sent_sendto_with_cookie_carries_data)
{
	/* RFC 7413 §4.1.3: with a cookie cached, the SYN carries the cookie
	 * and data, up to MSS - 40 bytes (tcp_send_syn_data: the whole
	 * option space reserved); the call returns the count. */
	th *t = client_with_cookie(&K8);
	th_conn c = client(t);
	ck_ret(th_do(t, "a: c = socket()"), 3);
	ck_ret(th_do(t, "a: fcntl(c, O_NONBLOCK)"), 0);
	ck_ret(th_do(t, "a: sendto(c, 2000, MSG_FASTOPEN, b:80)"), 1420);
	ck_send_fo(t, with_fo(OUT(c, .flags = TS_SYN, .seq = 0, .len = 1420),
			      TCPSIM_FO, &K8));
	/* a SYN-ACK of the SYN and the data: an ACK, the data delivered */
	th_advance(t, TS_MS(10));
	INPUT(c, .flags = TS_SYN | TS_ACK, .seq = 0, .ack = 1421);
	ck_send(t, OUT(c, .flags = TS_ACK, .seq = 1421, .ack = 1));
	ck_assert(th_var_sock(t, 0, "c")->tfo & TS_TFO_F_DATA_ACKED);
}
END_TEST

START_TEST(syn_sent_syn_retransmission_has_no_data_nor_option)
{
	/* Linux tcp_send_syn_data ("Exclude Fast Open option for SYN
	 * retries"): the SYN again is a plain one; a SYN-ACK that then
	 * acknowledges only the SYN makes the data go at once
	 * (tcp_rcv_fastopen_synack), with no ACK of its own. */
	th *t = client_with_cookie(&K8);
	th_conn c = client(t);
	ck_ret(th_do(t, "a: c = socket()"), 3);
	ck_ret(th_do(t, "a: fcntl(c, O_NONBLOCK)"), 0);
	ck_ret(th_do(t, "a: sendto(c, 1000, MSG_FASTOPEN, b:80)"), 1000);
	ck_send_fo(t, with_fo(OUT(c, .flags = TS_SYN, .seq = 0, .len = 1000),
			      TCPSIM_FO, &K8));
	th_advance(t, TS_SEC(1));
	ck_send_fo(t, OUT(c, .flags = TS_SYN, .seq = 0));
	th_advance(t, TS_MS(20));
	INPUT(c, .flags = TS_SYN | TS_ACK, .seq = 0, .ack = 1);
	ck_send(t, OUT(c, .flags = TS_ACK | TS_PSH, .seq = 1, .ack = 1,
		       .len = 1000));
	ck_no_send(t);
	ck_assert(!(th_var_sock(t, 0, "c")->tfo & TS_TFO_F_DATA_ACKED));
}
END_TEST

START_TEST(syn_sent_blocking_sendto_waits_for_room_after_connect)
{
	/* Linux tcp_sendmsg: tcp_sendmsg_fastopen connects once; a blocking
	 * sendto(MSG_FASTOPEN) larger than the buffers then waits for room
	 * as any write does (sk_stream_wait_memory), and returns the whole
	 * count: waking up again does not connect again. Both hosts are
	 * models here, the server reading as data comes. */
	th *t = th_new("host a 10.0.0.1\nhost b 10.0.0.2\nlink a b delay 5ms\n"
		       "0 a: c = socket()\n0 b: s = socket()\n"
		       "0 b: x = accept(s)\n",
		       0);
	set_tfo(t, 0, CLIENT | SERVER);
	set_tfo(t, 1, CLIENT | SERVER);
	ck_ret(th_do(t, "b: s = socket()"), 3);
	ck_ret(th_do(t, "b: bind(s, 80)"), 0);
	ck_ret(th_do(t, "b: listen(s, 8)"), 0);
	ck_ret(th_do(t, "b: setsockopt(s, TCP_FASTOPEN, 8)"), 0);
	ck_ret(th_do(t, "a: c = socket()"), 3);
	ck_blocked(th_do(t, "a: sendto(c, 1000000, MSG_FASTOPEN, b:80)"));
	th_advance(t, TS_MS(100));
	ck_ret(th_do(t, "b: x = accept(s)"), 4);
	ck_ret(th_do(t, "b: fcntl(x, O_NONBLOCK)"), 0);
	int64_t got = 0;
	for (int i = 0; i < 200 && got < 1000000; i++) {
		th_res rd = th_do(t, "b: read(x, 1000000)");
		if (rd.ret > 0)
			got += rd.ret;
		else
			th_advance(t, TS_MS(20));
	}
	ck_assert_int_eq(got, 1000000);
	ck_assert(th_report_has(t, "return  sendto(c, 1000000, MSG_FASTOPEN, "
				   "b:80) = 1000000"));
}
END_TEST

START_TEST(syn_sent_rst_gives_econnrefused)
{
	/* Linux tcp_reset in SYN_SENT: ECONNREFUSED, for the write after. */
	th *t = client_with_cookie(&K8);
	th_conn c = client(t);
	ck_ret(th_do(t, "a: c = socket()"), 3);
	ck_ret(th_do(t, "a: fcntl(c, O_NONBLOCK)"), 0);
	ck_ret(th_do(t, "a: sendto(c, 2000, MSG_FASTOPEN, b:80)"), 1420);
	INPUT(c, .flags = TS_RST | TS_ACK, .seq = 0, .ack = 1, .abs = 0);
	ck_errno(th_do(t, "a: write(c, 2000)"), TS_ECONNREFUSED, 0);
}
END_TEST

START_TEST(syn_sent_blocking_sendto_waits_for_connect)
{
	/* A blocking sendto(MSG_FASTOPEN) waits as connect() does
	 * (inet_wait_for_connect), then sends the rest: the whole count. */
	th *t = client_with_cookie(&K8);
	th_conn c = client(t);
	ck_ret(th_do(t, "a: c = socket()"), 3);
	th_res r = th_do(t, "a: sendto(c, 2000, MSG_FASTOPEN, b:80)");
	ck_blocked(r);
	ck_send_fo(t, with_fo(OUT(c, .flags = TS_SYN, .seq = 0, .len = 1420),
			      TCPSIM_FO, &K8));
	th_advance(t, TS_MS(10));
	INPUT(c, .flags = TS_SYN | TS_ACK, .seq = 0, .ack = 1421);
	ck_ret(th_result(t, r), 2000);
}
END_TEST

START_TEST(syn_sent_fastopen_connect_defers_until_write)
{
	/* Linux tcp_fastopen_defer_connect: TCP_FASTOPEN_CONNECT with a
	 * cookie cached, connect() returns 0 and sends nothing; connect()
	 * again is EISCONN; the first write sends SYN, cookie and data. */
	th *t = client_with_cookie(&K8);
	th_conn c = client(t);
	ck_ret(th_do(t, "a: c = socket()"), 3);
	ck_ret(th_do(t, "a: fcntl(c, O_NONBLOCK)"), 0);
	ck_ret(th_do(t, "a: setsockopt(c, TCP_FASTOPEN_CONNECT, 1)"), 0);
	ck_ret(th_do(t, "a: connect(c, b:80)"), 0);
	ck_no_send(t);
	/* Linux tcp_poll: writable, so that the application writes */
	ck_ret(th_do(t, "a: poll(c, POLLIN|POLLOUT, 0)"), 0x004);
	ck_errno(th_do(t, "a: connect(c, b:80)"), TS_EISCONN, 0);
	ck_ret(th_do(t, "a: write(c, 100)"), 100);
	ck_send_fo(t, with_fo(OUT(c, .flags = TS_SYN, .seq = 0, .len = 100),
			      TCPSIM_FO, &K8));
	/* then, as a connect in progress: EALREADY, EAGAIN */
	ck_errno(th_do(t, "a: sendto(c, 10, MSG_FASTOPEN, b:80)"), TS_EALREADY,
		 0);
	ck_errno(th_do(t, "a: write(c, 10)"), TS_EAGAIN, 0);
}
END_TEST

START_TEST(syn_sent_fastopen_connect_without_cookie_requests)
{
	/* Without a cookie TCP_FASTOPEN_CONNECT connects at once, asking
	 * for one: EINPROGRESS. */
	th *t = th_new("host a 10.0.0.1\nhost b 10.0.0.2\nset a isn 1000\n"
		       "0 a: c = socket()\n",
		       1);
	th_conn c = client(t);
	ck_ret(th_do(t, "a: c = socket()"), 3);
	ck_ret(th_do(t, "a: fcntl(c, O_NONBLOCK)"), 0);
	ck_ret(th_do(t, "a: setsockopt(c, TCP_FASTOPEN_CONNECT, 1)"), 0);
	ck_errno(th_do(t, "a: connect(c, b:80)"), TS_EINPROGRESS, 0);
	ck_send_fo(t,
		   with_fo(OUT(c, .flags = TS_SYN, .seq = 0), TCPSIM_FO, NULL));
}
END_TEST

/* Socket VAR of host a asks b:80 for a cookie with a non-blocking
 * sendto(MSG_FASTOPEN); returns the connection as its SYN names it, after
 * checking that the SYN asked in option kind KIND with no data. */
static th_conn request_cookie(th *t, const char *var, uint8_t kind)
{
	char line[80];
	snprintf(line, sizeof line, "a: %s = socket()", var);
	ck_assert_int_ge(th_do(t, line).ret, 3);
	snprintf(line, sizeof line, "a: fcntl(%s, O_NONBLOCK)", var);
	ck_ret(th_do(t, line), 0);
	snprintf(line, sizeof line, "a: sendto(%s, 100, MSG_FASTOPEN, b:80)",
		 var);
	ck_errno(th_do(t, line), TS_EINPROGRESS, 0);
	const th_cap *k = th_take(t);
	ck_assert_ptr_nonnull(k);
	ck_assert_uint_eq(k->seg.flags, TS_SYN);
	ck_assert_uint_eq(k->seg.len, 0);
	ck_assert_uint_eq(k->seg.fo, kind);
	ck_assert_uint_eq(k->seg.fo_len, 0);
	th_conn c = client(t);
	c.lport = k->seg.sport;
	c.iss = k->seg.seq;
	return c;
}

START_TEST(syn_sent_unanswered_request_alternates_option_kind)
{
	/* Linux tcp_rcv_fastopen_synack: a request the SYN-ACK leaves
	 * unanswered makes the next one use the other kind (try_exp 1: the
	 * experimental 254; after an unanswered 254, try_exp 2: back to 34,
	 * tcp_fastopen_cache_set keeps the larger), tcp_fastopen_cache_get
	 * setting cookie->exp while no cookie is cached and try_exp is 1. */
	th *t = th_new("host a 10.0.0.1\nhost b 10.0.0.2\nset a isn 1000\n"
		       "0 a: c = socket()\n0 a: d = socket()\n"
		       "0 a: e = socket()\n0 a: f = socket()\n",
		       1);
	th_conn c = request_cookie(t, "c", TCPSIM_FO);
	INPUT(c, .flags = TS_SYN | TS_ACK, .seq = 0, .ack = 1);
	ck_send(t, OUT(c, .flags = TS_ACK, .seq = 1, .ack = 1));
	th_conn d = request_cookie(t, "d", TCPSIM_FO_EXP);
	INPUT(d, .flags = TS_SYN | TS_ACK, .seq = 0, .ack = 1);
	ck_send(t, OUT(d, .flags = TS_ACK, .seq = 1, .ack = 1));
	th_conn e = request_cookie(t, "e", TCPSIM_FO);
	/* answered now: the cookie is cached and the next SYN carries it
	 * with data, in the kind it came in */
	ts_seg sa = with_fo(IN(e, .flags = TS_SYN | TS_ACK, .seq = 0, .ack = 1),
			    TCPSIM_FO, &K8);
	th_input(&e, &sa);
	ck_send(t, OUT(e, .flags = TS_ACK, .seq = 1, .ack = 1));
	ck_ret(th_do(t, "a: f = socket()"), 6);
	ck_ret(th_do(t, "a: fcntl(f, O_NONBLOCK)"), 0);
	ck_ret(th_do(t, "a: sendto(f, 100, MSG_FASTOPEN, b:80)"), 100);
	const th_cap *k = th_take(t);
	ck_assert_ptr_nonnull(k);
	ck_assert_uint_eq(k->seg.len, 100);
	ck_assert_uint_eq(k->seg.fo, TCPSIM_FO);
	ck_assert_uint_eq(k->seg.fo_len, 8);
	ck_assert(!memcmp(k->seg.fo_cookie, K8.val, 8));
}
END_TEST

START_TEST(syn_sent_unanswered_requests_stay_with_kind_34)
{
	/* Once 254 went unanswered too (try_exp 2), tcp_fastopen_cache_set
	 * keeps the larger value: every request after it is kind 34. */
	th *t = th_new("host a 10.0.0.1\nhost b 10.0.0.2\nset a isn 1000\n"
		       "0 a: c = socket()\n0 a: d = socket()\n"
		       "0 a: e = socket()\n0 a: f = socket()\n",
		       1);
	static const char *const vars[] = {"c", "d", "e", "f"};
	static const uint8_t kinds[] = {TCPSIM_FO, TCPSIM_FO_EXP, TCPSIM_FO,
					TCPSIM_FO};
	for (int i = 0; i < 4; i++) {
		th_conn c = request_cookie(t, vars[i], kinds[i]);
		INPUT(c, .flags = TS_SYN | TS_ACK, .seq = 0, .ack = 1);
		ck_send(t, OUT(c, .flags = TS_ACK, .seq = 1, .ack = 1));
	}
}
END_TEST

START_TEST(syn_sent_empty_cookie_is_not_cached)
{
	/* A SYN-ACK whose option (kind 254) holds no cookie: nothing is
	 * cached (tcp_fastopen_cache_set takes a cookie of len > 0) and, the
	 * request having been answered with an option, try_exp stays 0: the
	 * next request is kind 34 again. */
	th *t = th_new("host a 10.0.0.1\nhost b 10.0.0.2\nset a isn 1000\n"
		       "0 a: c = socket()\n0 a: d = socket()\n",
		       1);
	th_conn c = request_cookie(t, "c", TCPSIM_FO);
	ts_seg sa = with_fo(IN(c, .flags = TS_SYN | TS_ACK, .seq = 0, .ack = 1),
			    TCPSIM_FO_EXP, NULL);
	th_input(&c, &sa);
	ck_send(t, OUT(c, .flags = TS_ACK, .seq = 1, .ack = 1));
	(void)request_cookie(t, "d", TCPSIM_FO);
}
END_TEST

START_TEST(syn_sent_unanswered_request_after_syn_timeout_keeps_kind)
{
	/* tcp_rcv_fastopen_synack: when the SYN timed out (total_retrans),
	 * the SYN-ACK's missing cookie says nothing about the option (the
	 * request may not have arrived): the next request is kind 34
	 * again. */
	th *t = th_new("host a 10.0.0.1\nhost b 10.0.0.2\nset a isn 1000\n"
		       "0 a: c = socket()\n0 a: d = socket()\n",
		       1);
	th_conn c = request_cookie(t, "c", TCPSIM_FO);
	th_advance(t, TS_SEC(1));
	ck_send_fo(t, OUT(c, .flags = TS_SYN, .seq = 0));
	INPUT(c, .flags = TS_SYN | TS_ACK, .seq = 0, .ack = 1);
	ck_send(t, OUT(c, .flags = TS_ACK, .seq = 1, .ack = 1));
	(void)request_cookie(t, "d", TCPSIM_FO);
}
END_TEST

START_TEST(closed_fastopen_errnos)
{
	/* tcp_fastopen without the client bit: EOPNOTSUPP for both ways
	 * (Linux tcp_sendmsg_fastopen, do_tcp_setsockopt); a value other
	 * than 0 or 1 is EINVAL; send(MSG_FASTOPEN) without an address on
	 * an unconnected socket is tcp_v4_connect's EINVAL; on a connected
	 * socket sendto(MSG_FASTOPEN) is EISCONN. */
	th *t = th_new("host a 10.0.0.1\nhost b 10.0.0.2\nset a isn 1000\n"
		       "set a tcp_fastopen 0\n0 a: c = socket()\n",
		       1);
	ck_ret(th_do(t, "a: c = socket()"), 3);
	ck_errno(th_do(t, "a: sendto(c, 10, MSG_FASTOPEN, b:80)"),
		 TS_EOPNOTSUPP, 0);
	ck_errno(th_do(t, "a: setsockopt(c, TCP_FASTOPEN_CONNECT, 1)"),
		 TS_EOPNOTSUPP, 0);
	set_tfo(t, 0, CLIENT);
	ck_errno(th_do(t, "a: setsockopt(c, TCP_FASTOPEN_CONNECT, 2)"),
		 TS_EINVAL, 0);
	ck_errno(th_do(t, "a: send(c, 10, MSG_FASTOPEN)"), TS_EINVAL, 0);
	th_conn e = established_active();
	set_tfo(e.t, 0, CLIENT);
	ck_errno(th_do(e.t, "a: sendto(c, 10, MSG_FASTOPEN, b:80)"), TS_EISCONN,
		 0);
	/* without MSG_FASTOPEN the address is ignored (tcp_sendmsg) */
	ck_ret(th_do(e.t, "a: sendto(c, 10, 0, b:80)"), 10);
}
END_TEST

/* ====================================================================== */
/* The report, JSON and pcap                                              */
/* ====================================================================== */

START_TEST(report_shows_option_as_packetdrill_writes_it)
{
	/* "FO" for a request, "FO <cookie in hex>", each with the two NOPs
	 * of its padding (Linux tcp_options_write), as packetdrill and
	 * tcpdump write them. */
	th_conn c = listening_fo();
	ts_seg syn = with_fo(IN(c, .flags = TS_SYN, .seq = 0), TCPSIM_FO, NULL);
	th_input(&c, &syn);
	ts_tfo_cookie k = a_cookie(c.t);
	char want[64];
	int n = snprintf(want, sizeof want, "<mss 1460,FO ");
	for (int i = 0; i < 8; i++)
		n += snprintf(want + n, sizeof want - (size_t)n, "%02x",
			      k.val[i]);
	snprintf(want + n, sizeof want - (size_t)n, ",nop,nop>");
	ck_report(c.t, want);
	/* a request: the option alone, padded */
	ck_report(c.t, "<mss 1460,FO,nop,nop>");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("fastopen");
	TCase *tc;
#define GROUP(name)                                                            \
	tc = tcase_create(name);                                               \
	tcase_add_checked_fixture(tc, NULL, th_teardown);                      \
	suite_add_tcase(s, tc)
	GROUP("cookie");
	tcase_add_test(tc, cookie_is_linux_siphash_of_addresses);
	tcase_add_test(tc, cookie_takes_every_byte_of_key_and_addresses);
	GROUP("listen");
	tcase_add_test(tc, listen_syn_data_valid_cookie_makes_child);
	tcase_add_test(tc, listen_cookie_request_gets_cookie);
	tcase_add_test(tc, listen_wrong_cookie_data_dropped_valid_cookie_sent);
	tcase_add_test(tc, listen_fo_plain_syn_gets_no_cookie);
	tcase_add_test(tc, listen_fo_short_or_odd_cookie_is_no_option);
	tcase_add_test(tc, listen_fo_queue_capped_at_somaxconn);
	tcase_add_test(tc, listen_fo_no_cookie_mode_needs_data);
	tcase_add_test(tc, listen_without_queue_ignores_option);
	tcase_add_test(tc, listen_queue_from_backlog_without_sockopt);
	tcase_add_test(tc, listen_setsockopt_fastopen_errnos);
	GROUP("syn_received");
	tcase_add_test(tc, syn_received_fo_write_sends_before_handshake);
	tcase_add_test(tc, syn_received_fo_rst_before_accept_keeps_data);
	tcase_add_test(tc, syn_received_fo_listener_close_resets_child);
	tcase_add_test(tc, syn_received_fo_close_unread_resets);
	tcase_add_test(tc, syn_received_fo_syn_again_resends_synack);
	tcase_add_test(tc, syn_received_fo_synack_retries_then_etimedout);
	tcase_add_test(tc, syn_received_fo_disconnect_sends_rst);
	GROUP("syn_sent");
	tcase_add_test(tc, syn_sent_sendto_without_cookie_requests_one);
	tcase_add_test(tc, syn_sent_sendto_with_cookie_carries_data);
	tcase_add_test(tc, syn_sent_syn_retransmission_has_no_data_nor_option);
	tcase_add_test(tc, syn_sent_rst_gives_econnrefused);
	tcase_add_test(tc, syn_sent_blocking_sendto_waits_for_connect);
	tcase_add_test(tc,
		       syn_sent_blocking_sendto_waits_for_room_after_connect);
	tcase_add_test(tc, syn_sent_fastopen_connect_defers_until_write);
	tcase_add_test(tc, syn_sent_fastopen_connect_without_cookie_requests);
	tcase_add_test(tc, syn_sent_unanswered_request_alternates_option_kind);
	tcase_add_test(
	    tc, syn_sent_unanswered_request_after_syn_timeout_keeps_kind);
	tcase_add_test(tc, syn_sent_unanswered_requests_stay_with_kind_34);
	tcase_add_test(tc, syn_sent_empty_cookie_is_not_cached);
	GROUP("closed");
	tcase_add_test(tc, closed_fastopen_errnos);
	GROUP("report");
	tcase_add_test(tc, report_shows_option_as_packetdrill_writes_it);
#undef GROUP
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
