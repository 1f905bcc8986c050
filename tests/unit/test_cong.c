/*
 * test_cong.c - congestion control (src/tcp/tcp_cong.c), the test playing
 * the peer through harness.c. Each test states the rule it checks, with its
 * RFC section or Linux function. The connection is the fixtures' (MSS 1460,
 * no timestamps, RTT 20 ms, RTO 220 ms); the peer's window (65535) holds
 * 44 segments, more than any window here needs.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"

#define MSS 1460

static void set_knob(th_conn *c, ts_knob k, int64_t v)
{
	c->t->sim->hosts[c->host].knob[k] = v;
}

/* Take every data segment sent so far: how many, each a whole MSS (but
 * the last of the write), and where the last ends (relative to ISS). */
static int take_data(th *t, uint32_t iss, uint32_t *end)
{
	int n = 0;
	for (const th_cap *k; (k = th_take(t));) {
		if (!k->seg.len)
			continue;
		n++;
		*end = k->seg.seq + k->seg.len - iss;
	}
	return n;
}

/* The peer ACKs, one ACK per segment, the N segments from FROM (relative
 * sequence numbers). */
static void ack_each(th_conn *c, uint32_t from, int n)
{
	for (int i = 1; i <= n; i++)
		INPUT(*c, .flags = TS_ACK, .seq = 1,
		      .ack = from + (uint32_t)i * MSS);
}

/* An established connection whose application keeps the send buffer full
 * (non-blocking writes refill it). */
static th_conn bulk(void)
{
	th_conn c = established();
	ck_assert_int_eq(th_do(c.t, "a: fcntl(x, O_NONBLOCK)").ret, 0);
	/* a buffer the congestion window never outgrows: the sender is
	 * limited by the window alone */
	ck_assert_int_eq(th_do(c.t, "a: setsockopt(x, SO_SNDBUF, 4194304)").ret,
			 0);
	return c;
}

static void refill(th_conn *c)
{
	th_do(c->t, "a: write(x, 65536)");
}

/* ---- the initial window ---- */

START_TEST(established_iw10_lets_ten_segments_out)
{
	/* RFC 6928 §2, Linux tcp_init_transfer (TCP_INIT_CWND 10): with 20
	 * segments to send and the peer's window open, 10 leave before an
	 * ACK, and no ssthresh is set yet (TCP_INFINITE_SSTHRESH). */
	th_conn c = established();
	ck_ret(th_do(c.t, "a: write(x, 29200)"), 29200);
	uint32_t end = 0;
	ck_assert_int_eq(take_data(c.t, c.iss, &end), 10);
	ck_assert_uint_eq(end, 1 + 10 * MSS);
	ck_assert_uint_eq(th_sk(&c)->snd_cwnd, 10);
	ck_assert_uint_eq(th_sk(&c)->snd_ssthresh, TS_TCP_INFINITE_SSTHRESH);
	ck_assert_int_eq(th_sk(&c)->ca_state, TS_CA_OPEN);
}
END_TEST

START_TEST(established_peer_window_below_cwnd_limits)
{
	/* RFC 5681 §3.1 / Linux tcp_snd_wnd_test and tcp_cwnd_test: what
	 * may be in flight is the smaller of cwnd and the peer's window. A
	 * window of 3 MSS lets 3 of the 10 segments cwnd allows out. */
	th_conn c = established();
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 1, .win = 3 * MSS);
	ck_ret(th_do(c.t, "a: write(x, 29200)"), 29200);
	uint32_t end = 0;
	ck_assert_int_eq(take_data(c.t, c.iss, &end), 3);
	/* the window opens wide: now cwnd (10) limits */
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 1, .win = 60000);
	ck_assert_int_eq(take_data(c.t, c.iss, &end), 7);
	ck_assert_uint_eq(end, 1 + 10 * MSS);
}
END_TEST

START_TEST(established_final_fin_passes_full_window)
{
	/* Linux tcp_cwnd_test: "Don't be strict about the congestion window
	 * for the final FIN": a segment of at most an MSS that carries the
	 * FIN goes out with the window full. 10 segments fill IW10; the FIN
	 * alone after them, or an 11th segment carrying the FIN, still go
	 * (a segment without it waits: established_iw10_...). */
	th_conn c = established();
	ck_ret(th_do(c.t, "a: write(x, 14600)"), 14600);
	uint32_t end = 0;
	ck_assert_int_eq(take_data(c.t, c.iss, &end), 10);
	ck_ret(th_do(c.t, "a: shutdown(x, SHUT_WR)"), 0);
	ck_send(c.t, OUT(c, .flags = TS_ACK | TS_FIN, .seq = 1 + 10 * MSS,
			 .ack = 1));
	ck_no_send(c.t);

	th_conn d = established();
	ck_ret(th_do(d.t, "a: write(x, 16060)"), 16060);
	ck_assert_int_eq(take_data(d.t, d.iss, &end), 10);
	ck_ret(th_do(d.t, "a: close(x)"), 0);
	ck_send(d.t, OUT(d, .flags = TS_ACK | TS_PSH | TS_FIN,
			 .seq = 1 + 10 * MSS, .ack = 1, .len = MSS));
	ck_no_send(d.t);
}
END_TEST

/* ---- slow start ---- */

START_TEST(established_slow_start_doubles_per_rtt)
{
	/* RFC 5681 §3.1, Linux tcp_slow_start: +1 per segment ACKed, so a
	 * window of ACKs doubles it: 10, 20, 40 segments per round trip. */
	th_conn c = bulk();
	refill(&c);
	uint32_t end = 0, acked = 1;
	int want[] = {10, 20, 40};
	for (int r = 0; r < 3; r++) {
		int n = take_data(c.t, c.iss, &end);
		ck_assert_msg(n == want[r], "round %d: %d segments, want %d", r,
			      n, want[r]);
		th_advance(c.t, FX_RTT);
		/* the ACKs of one round let 2n out before the refill, as far
		 * as the buffer has data; send what the buffer allows */
		ack_each(&c, acked, n);
		acked = end;
		refill(&c);
		ck_assert_uint_eq(th_sk(&c)->snd_cwnd, (uint32_t)(2 * n));
	}
}
END_TEST

START_TEST(established_slow_start_stops_at_ssthresh)
{
	/* RFC 5681 §3.1, Linux tcp_slow_start(): slow start takes cwnd up
	 * to ssthresh and no further; what the ACK covers beyond that is
	 * congestion avoidance's (one segment per cwnd ACKed). cwnd 10,
	 * ssthresh 12: an ACK of four segments makes it 12, not 14. */
	th_conn c = bulk();
	ts_sock *sk = th_sk(&c);
	sk->snd_ssthresh = 12;
	refill(&c);
	uint32_t end = 0;
	ck_assert_int_eq(take_data(c.t, c.iss, &end), 10);
	th_advance(c.t, TS_MS(20));
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 1 + 4 * MSS);
	ck_assert_uint_eq(sk->snd_cwnd, 12);
}
END_TEST

START_TEST(established_slow_start_stops_growing_when_not_cwnd_limited)
{
	/* Linux tcp_is_cwnd_limited: in slow start cwnd grows only while it
	 * is under twice the segments that were in flight. Three segments
	 * ACKed one by one, with nothing more to send, leave cwnd at 10:
	 * never more than 3 were out, and 10 >= 2 * 3. */
	th_conn c = established();
	ck_ret(th_do(c.t, "a: write(x, 4380)"), 4380);
	uint32_t end = 0;
	ck_assert_int_eq(take_data(c.t, c.iss, &end), 3);
	th_advance(c.t, FX_RTT);
	ack_each(&c, 1, 3);
	ck_assert_uint_eq(th_sk(&c)->snd_cwnd, 10);
}
END_TEST

/* ---- congestion avoidance ---- */

START_TEST(established_reno_adds_one_mss_per_rtt)
{
	/* RFC 5681 §3.1, Linux tcp_reno_cong_avoid -> tcp_cong_avoid_ai:
	 * past ssthresh, +1 segment per cwnd segments ACKed, one MSS per
	 * round trip: 10, 11, 12, 13. */
	th_conn c = bulk();
	set_knob(&c, TS_KNOB_TCP_CONGESTION_CONTROL, TS_CC_RENO);
	th_sk(&c)->snd_ssthresh = 10;
	refill(&c);
	uint32_t end = 0, acked = 1;
	for (uint32_t w = 10; w < 14; w++) {
		int n = take_data(c.t, c.iss, &end);
		ck_assert_int_eq(n, (int)w);
		th_advance(c.t, FX_RTT);
		ack_each(&c, acked, n);
		acked = end;
		ck_assert_uint_eq(th_sk(&c)->snd_cwnd, w + 1);
		refill(&c);
	}
}
END_TEST

/* ---- loss ---- */

START_TEST(established_rto_cwnd_1_ssthresh_cubic)
{
	/* Linux tcp_enter_loss: after a timeout everything in flight counts
	 * as lost, cwnd is 1 (RFC 5681 §3.1's loss window) and ssthresh the
	 * algorithm's: CUBIC's 0.7 of the window (RFC 9438 §4.6,
	 * cubictcp_recalc_ssthresh: 10 * 717 / 1024 = 7). Only the head goes
	 * out again; its ACK doubles cwnd to 2, and the next two lost
	 * segments go (tcp_xmit_retransmit_queue, slow start). */
	th_conn c = established();
	ck_ret(th_do(c.t, "a: write(x, 14600)"), 14600);
	uint32_t end = 0;
	ck_assert_int_eq(take_data(c.t, c.iss, &end), 10);
	th_advance(c.t, TS_MS(220)); /* the RTO: tail loss probe first? */
	th_drop_captures(c.t);
	ts_sock *sk = th_sk(&c);
	ck_assert_int_eq(sk->ca_state, TS_CA_LOSS);
	ck_assert_uint_eq(sk->snd_cwnd, 1);
	ck_assert_uint_eq(sk->snd_ssthresh, 7);
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 1 + MSS);
	ck_assert_uint_eq(sk->snd_cwnd, 2);
	ck_send(c.t,
		OUT(c, .flags = TS_ACK, .seq = 1 + MSS, .ack = 1, .len = MSS));
	ck_send(c.t, OUT(c, .flags = TS_ACK, .seq = 1 + 2 * MSS, .ack = 1,
			 .len = MSS));
	ck_no_send(c.t);
}
END_TEST

START_TEST(established_rto_cwnd_1_ssthresh_reno)
{
	/* Linux tcp_reno_ssthresh: half the window, at least 2 (RFC 5681
	 * §3.1 with segments). */
	th_conn c = established();
	set_knob(&c, TS_KNOB_TCP_CONGESTION_CONTROL, TS_CC_RENO);
	ck_ret(th_do(c.t, "a: write(x, 14600)"), 14600);
	th_drop_captures(c.t);
	th_advance(c.t, TS_MS(220));
	ck_assert_uint_eq(th_sk(&c)->snd_cwnd, 1);
	ck_assert_uint_eq(th_sk(&c)->snd_ssthresh, 5);
}
END_TEST

START_TEST(established_third_dupack_recovery_prr)
{
	/* RFC 5681 §3.2 with RFC 6937 (Linux tcp_enter_recovery,
	 * tcp_cwnd_reduction): the third duplicate ACK retransmits the head
	 * and sets ssthresh (CUBIC: 7); PRR then lets new data out in
	 * proportion, and the end of recovery leaves cwnd at ssthresh. */
	th_conn c = bulk();
	refill(&c);
	uint32_t end = 0;
	ck_assert_int_eq(take_data(c.t, c.iss, &end), 10);
	th_advance(c.t, FX_RTT);
	for (int i = 0; i < 2; i++)
		INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 1);
	ck_assert_int_eq(th_sk(&c)->ca_state, TS_CA_DISORDER);
	/* Disorder: each duplicate ACK is a segment that left, and lets a
	 * new one out (in flight = out - duplicate ACKs) */
	ck_assert_int_eq(take_data(c.t, c.iss, &end), 2);
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 1);
	ts_sock *sk = th_sk(&c);
	ck_assert_int_eq(sk->ca_state, TS_CA_RECOVERY);
	ck_assert_uint_eq(sk->snd_ssthresh, 7);
	ck_send(c.t, OUT(c, .flags = TS_ACK, .seq = 1, .ack = 1, .len = MSS));
	ck_no_send(c.t);
	/* The retransmission fills the hole: everything up to high_seq is
	 * ACKed. Without SACK, Recovery holds until something above it is
	 * (RFC 6582 §3.2 step 3, Linux tcp_is_non_sack_preventing_reopen);
	 * PRR lets new data out meanwhile, up to ssthresh. */
	uint32_t high = end;
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = high);
	ck_assert_int_eq(sk->ca_state, TS_CA_RECOVERY);
	int more = take_data(c.t, c.iss, &end);
	ck_assert_int_gt(more, 0);
	ck_assert_int_le(more, 7);
	/* above high_seq: Open, cwnd = ssthresh (tcp_end_cwnd_reduction),
	 * then congestion avoidance from there */
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = high + MSS);
	ck_assert_int_eq(sk->ca_state, TS_CA_OPEN);
	ck_assert_uint_ge(sk->snd_cwnd, 7);
	ck_assert_uint_le(sk->snd_cwnd, 8);
}
END_TEST

/* ---- CUBIC's window after a loss ---- */

START_TEST(established_cubic_follows_cubic_function)
{
	/* RFC 9438 §4.2: after a loss at W_max, W(t) = C (t - K)^3 + W_max,
	 * K = cbrt(W_max (1 - beta) / C), in Linux's fixed point
	 * (bictcp_update: C = 410/1024, t in 1/1024 s, plus the smallest
	 * RTT). A loss at 40 segments: ssthresh 28 (0.7), K = cbrt(12 / C)
	 * = 3.106 s; cwnd then climbs back to 40 at K, concave below it.
	 * The path is long (200 ms: its SRTT and smallest RTT set so), or
	 * the Reno-friendly estimate (§4.3) would be ahead all along. */
	const ts_time rtt = TS_MS(200);
	th_conn c = bulk();
	ts_sock *sk = th_sk(&c);
	sk->srtt = rtt;
	sk->rttvar = rtt / 2;
	ts_tcp_set_rto(sk);
	sk->delay_min = (uint32_t)rtt;
	sk->snd_cwnd = 40;
	refill(&c);
	uint32_t end = 0, acked = 1;
	int n = take_data(c.t, c.iss, &end);
	th_advance(c.t, rtt);
	/* three duplicate ACKs: a loss at cwnd 40 */
	for (int i = 0; i < 3; i++)
		INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 1);
	ck_assert_uint_eq(sk->snd_ssthresh, 28);
	ck_assert_uint_eq(sk->x->cong.last_max_cwnd, 40);
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = end);
	acked = end;
	ck_assert_uint_eq(sk->snd_cwnd, 28);
	ts_time t0 = c.t->sim->now;
	double C = 410.0 / 1024.0, K = cbrt(12.0 / C);
	int checked = 0;
	refill(&c);
	while (c.t->sim->now - t0 < TS_MS(4000)) {
		n = take_data(c.t, c.iss, &end);
		th_advance(c.t, rtt);
		/* one ACK per two segments, as a receiver sends them */
		for (int i = 2; i <= n; i += 2)
			INPUT(c, .flags = TS_ACK, .seq = 1,
			      .ack = acked + (uint32_t)i * MSS);
		INPUT(c, .flags = TS_ACK, .seq = 1, .ack = end);
		acked = end;
		refill(&c);
		if (sk->x->cong.epoch_start == 0)
			continue;
		/* the epoch starts with the first ACK past recovery; W(t) is
		 * taken one RTT ahead (the smallest RTT, as Linux does), and
		 * never below the Reno-friendly estimate (RFC 9438 §4.3:
		 * W_est = 28 + alpha t / RTT, alpha = 3 (1 - beta) / (1 +
		 * beta), in Linux 8 / 15 a round trip) */
		double te = (double)(c.t->sim->now - t0) / 1e6;
		double t = te + 0.200;
		double w = C * pow(t - K, 3) + 40.0;
		double est = 28.0 + (8.0 / 15.0) * te / 0.200;
		if (w < est)
			w = est;
		/* Linux's cwnd moves by whole segments, once cnt segments
		 * are ACKed, and credit counted at one cnt is spent at the
		 * next (tcp_cong_avoid_ai): within 2 of the curve */
		ck_assert_msg((double)sk->snd_cwnd <= w + 2.0 &&
				  (double)sk->snd_cwnd >= w - 2.0,
			      "at %.3f s: cwnd %u, W(t) %.2f", t, sk->snd_cwnd,
			      w);
		checked++;
	}
	ck_assert_int_gt(checked, 15);
	/* K in Linux's units: 1024 cbrt(12 / C), to its cube root's error */
	ck_assert_int_le(abs((int)sk->x->cong.K - (int)(K * 1024)), 8);
}
END_TEST

START_TEST(established_cubic_keeps_smallest_rtt)
{
	/* Linux cubictcp_acked(): CUBIC keeps the smallest RTT sample of
	 * the data ACKed (delay_min, the RTT bictcp_update adds to t), and
	 * takes none in the first second of an epoch. */
	th_conn c = established();
	ts_sock *sk = th_sk(&c);
	static const int rtt_ms[] = {30, 50, 25};
	static const int want_ms[] = {30, 30, 25};
	uint32_t una = 1;
	for (int i = 0; i < 3; i++) {
		ck_ret(th_do(c.t, "a: write(x, 100)"), 100);
		th_drop_captures(c.t);
		th_advance(c.t, TS_MS(rtt_ms[i]));
		una += 100;
		INPUT(c, .flags = TS_ACK, .seq = 1, .ack = una);
		ck_assert_uint_eq(sk->delay_min, (uint32_t)TS_MS(want_ms[i]));
	}
	/* An epoch began 100 ms ago: a 10 ms sample is not taken. */
	ts_time jiffy = ts_tcp_jiffy(sk->host);
	ts_tcp_ext(c.t->sim, sk)->cong.epoch_start =
	    (uint32_t)((c.t->sim->now - TS_MS(100)) / jiffy);
	ck_ret(th_do(c.t, "a: write(x, 100)"), 100);
	th_advance(c.t, TS_MS(10));
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = una + 100);
	ck_assert_uint_eq(sk->delay_min, (uint32_t)TS_MS(25));
}
END_TEST

START_TEST(established_cubic_zero_rtt_counts_one_us)
{
	/* Linux cubictcp_acked(): a sample of 0 counts as 1 us ("if (delay
	 * == 0) delay = 1"), so that delay_min, once set, is never 0. */
	th_conn c = established();
	ts_sock *sk = th_sk(&c);
	ck_ret(th_do(c.t, "a: write(x, 100)"), 100);
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 101);
	ck_assert_uint_eq(sk->delay_min, 1);
}
END_TEST

/* ---- idle ---- */

START_TEST(established_idle_restarts_window)
{
	/* RFC 2861 §3, Linux tcp_slow_start_after_idle_check ->
	 * tcp_cwnd_restart: after more than an RTO without sending, cwnd
	 * halves per RTO idle, down to the initial window; with
	 * tcp_slow_start_after_idle 0 it is kept. */
	for (int knob = 1; knob >= 0; knob--) {
		th_conn c = bulk();
		set_knob(&c, TS_KNOB_TCP_SLOW_START_AFTER_IDLE, knob);
		th_sk(&c)->snd_cwnd = 40;
		ck_ret(th_do(c.t, "a: write(x, 2920)"), 2920);
		th_drop_captures(c.t);
		th_advance(c.t, FX_RTT);
		INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 1 + 2 * MSS);
		th_advance(c.t, TS_SEC(2));
		refill(&c);
		ck_assert_uint_eq(th_sk(&c)->snd_cwnd, knob ? 10 : 40);
		th_free(c.t);
	}
}
END_TEST

START_TEST(established_idle_restart_once_per_write)
{
	/* tcp_cwnd_restart runs when a write queues a new segment
	 * (tcp_skb_entail); a write of 0 bytes queues none. Idle 300 ms,
	 * one RTO (220 ms) and a part: cwnd 40 halves once, to 20, whether
	 * or not an empty write came first. */
	th_conn c = bulk();
	th_sk(&c)->snd_cwnd = 40;
	ck_ret(th_do(c.t, "a: write(x, 2920)"), 2920);
	th_drop_captures(c.t);
	th_advance(c.t, FX_RTT);
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 1 + 2 * MSS);
	th_advance(c.t, TS_MS(300));
	ck_ret(th_do(c.t, "a: write(x, 0)"), 0);
	refill(&c);
	ck_assert_uint_eq(th_sk(&c)->snd_cwnd, 20);
}
END_TEST

START_TEST(established_cubic_epoch_shifts_over_idle_time)
{
	/* Linux cubictcp_cwnd_event(CA_EVENT_TX_START): when sending starts
	 * again after everything was acknowledged, the idle time is added
	 * to the epoch's start ("shift epoch_start to keep cwnd growth to
	 * cubic curve"), never past now. */
	th_conn c = bulk();
	ts_sock *sk = th_sk(&c);
	ts_time jiffy = ts_tcp_jiffy(sk->host);
	th_advance(c.t, TS_SEC(1));
	ck_ret(th_do(c.t, "a: write(x, 100)"), 100);
	th_drop_captures(c.t);
	th_advance(c.t, FX_RTT);
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 101);
	/* an epoch began 200 ms before; then 100 ms idle */
	uint32_t start = (uint32_t)((c.t->sim->now - TS_MS(200)) / jiffy);
	ts_tcp_ext(c.t->sim, sk)->cong.epoch_start = start;
	uint32_t last = sk->lsndtime;
	th_advance(c.t, TS_MS(100));
	ck_ret(th_do(c.t, "a: write(x, 100)"), 100);
	uint32_t now = (uint32_t)(c.t->sim->now / jiffy);
	ck_assert_uint_eq(sk->x->cong.epoch_start, start + (now - last));
	/* an epoch that would start after now starts now */
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 201);
	ts_tcp_ext(c.t->sim, sk)->cong.epoch_start = now;
	th_advance(c.t, TS_MS(100));
	ck_ret(th_do(c.t, "a: write(x, 100)"), 100);
	ck_assert_uint_eq(sk->x->cong.epoch_start,
			  (uint32_t)(c.t->sim->now / jiffy));
}
END_TEST

/* ---- counting segments ---- */

START_TEST(established_packets_out_counts_segments)
{
	/* Linux tp->packets_out and tcp_packets_in_flight(): the segments
	 * sent and not ACKed, each whole. */
	th_conn c = established();
	ck_ret(th_do(c.t, "a: write(x, 29200)"), 29200);
	ck_assert_uint_eq(ts_cong_packets_out(th_sk(&c)), 10);
	ck_assert_uint_eq(ts_cong_in_flight(th_sk(&c)), 10);
}
END_TEST

static Suite *cong_suite(void)
{
	Suite *s = suite_create("cong");
	TCase *tc = tcase_create("established");
	tcase_add_checked_fixture(tc, NULL, th_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, established_iw10_lets_ten_segments_out);
	tcase_add_test(tc, established_peer_window_below_cwnd_limits);
	tcase_add_test(tc, established_final_fin_passes_full_window);
	tcase_add_test(tc, established_slow_start_doubles_per_rtt);
	tcase_add_test(
	    tc, established_slow_start_stops_growing_when_not_cwnd_limited);
	tcase_add_test(tc, established_reno_adds_one_mss_per_rtt);
	tcase_add_test(tc, established_rto_cwnd_1_ssthresh_cubic);
	tcase_add_test(tc, established_rto_cwnd_1_ssthresh_reno);
	tcase_add_test(tc, established_third_dupack_recovery_prr);
	tcase_add_test(tc, established_cubic_follows_cubic_function);
	tcase_add_test(tc, established_cubic_keeps_smallest_rtt);
	tcase_add_test(tc, established_idle_restart_once_per_write);
	tcase_add_test(tc, established_cubic_epoch_shifts_over_idle_time);
	tcase_add_test(tc, established_cubic_zero_rtt_counts_one_us);
	tcase_add_test(tc, established_slow_start_stops_at_ssthresh);
	tcase_add_test(tc, established_idle_restarts_window);
	tcase_add_test(tc, established_packets_out_counts_segments);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(cong_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
