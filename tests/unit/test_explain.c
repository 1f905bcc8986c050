/*
 * test_explain.c - tcpsim explain on small hand-made captures: the frame
 * decoder (src/capture) on each link type and each malformed frame, and
 * the explainer (src/explain) rule by rule: each RST rule id from the
 * segments that make it, the ranking where a capture allows several, the
 * errno of the next calls, give-ups and captures that start late.
 */
#include "capture/capture.h"
#include "explain/explain.h"
#include "tcpsim.h"

#include <check.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- The explainer, fed segment by segment ---- */

#define MAXC 8
typedef struct got {
	ts_xp_conn c[MAXC];
	ts_xp_rst r[MAXC][TS_XP_MAXRST];
	int n;
} got;

/* A copy of each connection explained, its RSTs with it. */
static void keep(void *ctx, const ts_xp_conn *c)
{
	got *g = ctx;
	if (g->n < MAXC) {
		g->c[g->n] = *c;
		if (c->nrst)
			memcpy(g->r[g->n], c->rst,
			       (size_t)c->nrst * sizeof *c->rst);
		g->c[g->n].rst = g->r[g->n];
		g->n++;
	}
}

enum { A = 0, B = 1 };
#define AADDR 0x0a000001u /* 10.0.0.1 */
#define BADDR 0x0a000002u /* 10.0.0.2 */

typedef struct feed {
	ts_xp *x;
	got g;
	uint64_t frame;
	int64_t t;
	uint16_t aport, bport;
} feed;

static void feed_init(feed *f)
{
	memset(f, 0, sizeof *f);
	f->x = ts_xp_new(NULL, 0, keep, &f->g);
	ck_assert_ptr_nonnull(f->x);
	f->aport = 40000;
	f->bport = 80;
}

/* One segment from side DIR, DT µs after the one before. */
/* The window the next segment offers, when not -1 (then back to -1). */
static int next_win = -1;

static uint64_t seg(feed *f, int dir, int flags, uint32_t seq, uint32_t ack,
		    uint32_t len, int64_t dt)
{
	ts_cap_seg s;
	memset(&s, 0, sizeof s);
	f->t += dt;
	s.frame = ++f->frame;
	s.t_us = f->t;
	s.saddr = dir ? BADDR : AADDR;
	s.daddr = dir ? AADDR : BADDR;
	s.sport = dir ? f->bport : f->aport;
	s.dport = dir ? f->aport : f->bport;
	s.seq = seq;
	s.ack = ack;
	s.flags = (uint8_t)flags;
	s.len = len;
	s.mss = s.wscale = -1;
	/* Linux's replies carry window 0, everything else a window */
	s.win = (flags & TS_CAP_RST) && !(flags & TS_CAP_ACK) ? 0
		: (flags & TS_CAP_RST) && seq == 0            ? 0
							      : 64;
	if (next_win >= 0)
		s.win = (uint16_t)next_win;
	next_win = -1;
	ts_xp_segment(f->x, &s);
	return s.frame;
}

static void finish(feed *f)
{
	ts_xp_finish(f->x, NULL, NULL);
}

static void feed_free(feed *f)
{
	ts_xp_free(f->x);
}

/* The handshake: A (ISN 1000) connects to B (ISN 5000). */
#define S_ TS_CAP_SYN
#define A_ TS_CAP_ACK
#define F_ TS_CAP_FIN
#define R_ TS_CAP_RST
#define P_ TS_CAP_PSH
static void handshake(feed *f)
{
	seg(f, A, S_, 1000, 0, 0, 0);
	seg(f, B, S_ | A_, 5000, 1001, 0, 100);
	seg(f, A, A_, 1001, 5001, 0, 100);
}

static const ts_xp_rst *only_rst(feed *f)
{
	ck_assert_int_eq(f->g.n, 1);
	ck_assert_int_eq(f->g.c[0].nrst, 1);
	return &f->g.c[0].rst[0];
}

static int has_cand(const ts_xp_rst *r, const char *id)
{
	for (int i = 0; i < r->ncand; i++)
		if (!strcmp(r->cand[i].id, id))
			return 1;
	return 0;
}

START_TEST(rule_no_listener)
{
	feed f;
	feed_init(&f);
	uint64_t syn = seg(&f, A, S_, 1000, 0, 0, 0);
	uint64_t rst = seg(&f, B, R_ | A_, 0, 1001, 0, 50);
	finish(&f);
	const ts_xp_rst *r = only_rst(&f);
	ck_assert_str_eq(r->cand[0].id, "no-listener");
	ck_assert_int_eq(r->cand[0].reason, TCPSIM_RST_NO_SOCKET);
	ck_assert_uint_eq(r->answers, syn);
	ck_assert_uint_eq(r->frame, rst);
	ck_assert_int_eq(r->from, B);
	ck_assert_ptr_nonnull(strstr(r->errno_peer, "ECONNREFUSED"));
	feed_free(&f);
}
END_TEST

START_TEST(rule_no_connection_after_reboot)
{
	feed f;
	feed_init(&f);
	handshake(&f);
	seg(&f, A, A_ | P_, 1001, 5001, 100, 1000);
	seg(&f, B, A_, 5001, 1101, 0, 100);
	/* B, the connecting side here, loses the connection silently */
	f.aport = 40000;
	seg(&f, A, A_ | P_, 1101, 5001, 100, 1000000);
	seg(&f, B, R_, 5001, 0, 0, 50);
	finish(&f);
	const ts_xp_rst *r = only_rst(&f);
	/* B was passive: its listener answers (bad-ack) or nothing does */
	ck_assert_str_eq(r->cand[0].id, "bad-ack");
	ck_assert(has_cand(r, "no-connection"));
	ck_assert_ptr_nonnull(strstr(r->errno_peer, "ECONNRESET"));
	feed_free(&f);
}
END_TEST

START_TEST(rule_no_connection_active_side)
{
	feed f;
	feed_init(&f);
	handshake(&f);
	/* A, the connecting side, has lost it: B's data meets no socket */
	seg(&f, B, A_ | P_, 5001, 1001, 10, 1000000);
	seg(&f, A, R_, 1001, 0, 0, 50);
	finish(&f);
	const ts_xp_rst *r = only_rst(&f);
	ck_assert_str_eq(r->cand[0].id, "no-connection");
	feed_free(&f);
}
END_TEST

START_TEST(rule_no_connection_without_ack)
{
	feed f;
	feed_init(&f);
	uint64_t fin = seg(&f, A, F_, 4000, 0, 0, 0);
	seg(&f, B, R_ | A_, 0, 4001, 0, 50);
	finish(&f);
	const ts_xp_rst *r = only_rst(&f);
	ck_assert_str_eq(r->cand[0].id, "no-connection");
	ck_assert_uint_eq(r->answers, fin);
	ck_assert_int_eq(f.g.c[0].mid, 1);
	feed_free(&f);
}
END_TEST

START_TEST(rule_bad_ack_listener)
{
	feed f;
	feed_init(&f);
	/* a bare ACK, answered; then a FIN without ACK, ignored: only a
	 * listener ignores it (tcp_rcv_state_process, LISTEN) */
	seg(&f, A, A_, 8000, 9000, 0, 0);
	seg(&f, B, R_, 9000, 0, 0, 50);
	seg(&f, A, F_, 4000, 0, 0, 1000);
	seg(&f, A, A_, 8000, 9000, 5, 1000);
	seg(&f, B, R_, 9000, 0, 0, 50);
	finish(&f);
	ck_assert_int_eq(f.g.n, 1);
	ck_assert_int_eq(f.g.c[0].nrst, 2);
	ck_assert_str_eq(f.g.c[0].rst[0].cand[0].id, "bad-ack");
	ck_assert_int_eq(f.g.c[0].rst[0].cand[0].reason, TCPSIM_RST_LISTEN_ACK);
	ck_assert_str_eq(f.g.c[0].rst[1].cand[0].id, "bad-ack");
	feed_free(&f);
}
END_TEST

START_TEST(rule_bad_ack_syn_sent)
{
	feed f;
	feed_init(&f);
	seg(&f, A, S_, 1000, 0, 0, 0);
	seg(&f, B, S_ | A_, 5000, 7777, 0, 100);
	seg(&f, A, R_, 7777, 0, 0, 50);
	finish(&f);
	const ts_xp_rst *r = only_rst(&f);
	ck_assert_str_eq(r->cand[0].id, "bad-ack");
	ck_assert_int_eq(r->cand[0].reason, TCPSIM_RST_SYNSENT_BAD_ACK);
	feed_free(&f);
}
END_TEST

START_TEST(rule_bad_ack_syn_received)
{
	feed f;
	feed_init(&f);
	seg(&f, A, S_, 1000, 0, 0, 0);
	seg(&f, B, S_ | A_, 5000, 1001, 0, 100);
	seg(&f, A, A_, 1001, 5100, 0, 100);
	seg(&f, B, R_, 5100, 0, 0, 50);
	finish(&f);
	const ts_xp_rst *r = only_rst(&f);
	ck_assert_str_eq(r->cand[0].id, "bad-ack");
	ck_assert_int_eq(r->cand[0].reason, TCPSIM_RST_SYNRECV_BAD_ACK);
	feed_free(&f);
}
END_TEST

START_TEST(rule_accept_overflow)
{
	feed f;
	feed_init(&f);
	handshake(&f);
	seg(&f, B, R_, 5001, 0, 0, 50);
	finish(&f);
	const ts_xp_rst *r = only_rst(&f);
	ck_assert_str_eq(r->cand[0].id, "accept-overflow");
	ck_assert_int_eq(r->cand[0].reason, TCPSIM_RST_LISTEN_OVERFLOW);
	feed_free(&f);
}
END_TEST

START_TEST(rule_close_unread_data)
{
	feed f;
	feed_init(&f);
	handshake(&f);
	uint64_t d = seg(&f, A, A_ | P_, 1001, 5001, 100, 1000);
	seg(&f, B, A_, 5001, 1101, 0, 100);
	seg(&f, B, R_ | A_, 5001, 1101, 0, 1000);
	finish(&f);
	const ts_xp_rst *r = only_rst(&f);
	ck_assert_str_eq(r->cand[0].id, "close-unread-data");
	ck_assert_str_eq(r->cand[1].id, "linger-abort");
	ck_assert_uint_eq(r->answers, 0);
	ck_assert_uint_eq(r->cand[0].ev[0], d);
	ck_assert_ptr_nonnull(strstr(r->errno_peer, "ECONNRESET"));
	feed_free(&f);
}
END_TEST

/* An abort whose ACK (its sender's RCV.NXT) shows that none of the data
 * sent to it arrived: nothing could be left unread (Linux __tcp_close
 * counts sk_receive_queue only), so SO_LINGER {1, 0} comes first. */
START_TEST(abort_with_nothing_received)
{
	feed f;
	feed_init(&f);
	handshake(&f);
	seg(&f, A, A_, 1001, 5001, 1448, 1000);
	seg(&f, A, A_, 2449, 5001, 1448, 1000);
	seg(&f, A, A_, 1001, 5001, 1448, 220000);
	seg(&f, B, R_ | A_, 5001, 1001, 0, 500000);
	finish(&f);
	const ts_xp_rst *r = only_rst(&f);
	ck_assert_str_eq(r->cand[0].id, "linger-abort");
	ck_assert_str_eq(r->cand[0].how, "likely");
	ck_assert(!has_cand(r, "close-unread-data"));
	feed_free(&f);
}
END_TEST

START_TEST(rule_linger_abort)
{
	feed f;
	feed_init(&f);
	handshake(&f);
	seg(&f, B, A_ | P_, 5001, 1001, 100, 1000);
	seg(&f, A, A_, 1001, 5101, 0, 100);
	seg(&f, B, R_ | A_, 5101, 1001, 0, 1000);
	finish(&f);
	const ts_xp_rst *r = only_rst(&f);
	ck_assert_str_eq(r->cand[0].id, "linger-abort");
	ck_assert_int_eq(r->cand[0].reason, TCPSIM_RST_LINGER_ZERO);
	ck_assert(!has_cand(r, "close-unread-data"));
	feed_free(&f);
}
END_TEST

START_TEST(rule_orphan_data_fin_wait_2)
{
	feed f;
	feed_init(&f);
	handshake(&f);
	uint64_t fin = seg(&f, B, F_ | A_, 5001, 1001, 0, 1000);
	seg(&f, A, A_, 1001, 5002, 0, 100);
	uint64_t d = seg(&f, A, A_ | P_, 1001, 5002, 100, 1000);
	seg(&f, B, R_, 5002, 0, 0, 50);
	finish(&f);
	const ts_xp_rst *r = only_rst(&f);
	ck_assert_str_eq(r->cand[0].id, "orphan-data");
	ck_assert_int_eq(r->cand[0].reason, TCPSIM_RST_FIN_WAIT_2_DATA);
	ck_assert_str_eq(r->cand[1].id, "no-connection");
	ck_assert_uint_eq(r->cand[0].ev[0], fin);
	ck_assert_uint_eq(r->answers, d);
	/* A had B's FIN: CLOSE_WAIT, so EPIPE, not ECONNRESET */
	ck_assert_int_eq(r->snap[A].state, TS_XP_CLOSE_WAIT);
	ck_assert_ptr_nonnull(strstr(r->errno_peer, "EPIPE"));
	feed_free(&f);
}
END_TEST

START_TEST(rule_orphan_expired_ranks_no_connection)
{
	feed f;
	feed_init(&f);
	handshake(&f);
	seg(&f, B, F_ | A_, 5001, 1001, 0, 1000);
	seg(&f, A, A_, 1001, 5002, 0, 100);
	/* past Linux's default tcp_fin_timeout, 60 s */
	seg(&f, A, A_ | P_, 1001, 5002, 100, 61000000);
	seg(&f, B, R_, 5002, 0, 0, 50);
	finish(&f);
	ck_assert_int_eq(f.g.n, 1);
	const ts_xp_rst *r = &f.g.c[0].rst[0];
	ck_assert_str_eq(r->cand[0].id, "no-connection");
	ck_assert_str_eq(r->cand[1].id, "orphan-data");
	feed_free(&f);
}
END_TEST

START_TEST(rule_orphan_data_fin_wait_1)
{
	feed f;
	feed_init(&f);
	handshake(&f);
	seg(&f, B, F_ | A_, 5001, 1001, 0, 1000);
	/* A's data crosses B's FIN: it does not ACK it; B, closed, answers
	 * with an RST at the data's ACK (tcp_rcv_state_process returns 1,
	 * tcp_v4_send_reset) */
	seg(&f, A, A_ | P_, 1001, 5001, 100, 10);
	seg(&f, B, R_, 5001, 0, 0, 50);
	finish(&f);
	const ts_xp_rst *r = only_rst(&f);
	ck_assert_str_eq(r->cand[0].id, "orphan-data");
	ck_assert_int_eq(r->cand[0].reason, TCPSIM_RST_DATA_AFTER_CLOSE);
	feed_free(&f);
}
END_TEST

START_TEST(rule_listener_closed)
{
	feed f;
	feed_init(&f);
	handshake(&f);
	f.aport = 40001;
	seg(&f, A, S_, 2000, 0, 0, 100);
	seg(&f, B, S_ | A_, 6000, 2001, 0, 100);
	seg(&f, A, A_, 2001, 6001, 0, 100);
	/* both reset at once */
	f.aport = 40000;
	seg(&f, B, R_ | A_, 5001, 1001, 0, 1000000);
	f.aport = 40001;
	seg(&f, B, R_ | A_, 6001, 2001, 0, 10);
	finish(&f);
	ck_assert_int_eq(f.g.n, 2);
	for (int i = 0; i < 2; i++) {
		const ts_xp_conn *c = &f.g.c[i];
		ck_assert_int_eq(c->nrst, 1);
		/* the first learns of the second only when explained: both
		 * are explained at the end */
		ck_assert(has_cand(&c->rst[0], "listener-closed"));
	}
	ck_assert_str_eq(f.g.c[1].rst[0].cand[0].id, "listener-closed");
	feed_free(&f);
}
END_TEST

/* The same segment as a keepalive probe (SEQ one below the highest sent,
 * no data) is a zero-window probe while the peer's window is 0 (Linux
 * tcp_send_probe0): counted apart, and no keepalive. */
START_TEST(zero_window_probes)
{
	feed f;
	feed_init(&f);
	handshake(&f);
	seg(&f, A, A_ | P_, 1001, 5001, 1000, 1000);
	next_win = 0;
	seg(&f, B, A_, 5001, 2001, 0, 10000);
	seg(&f, A, A_, 2000, 5001, 0, 200000);
	next_win = 0;
	seg(&f, B, A_, 5001, 2001, 0, 10000);
	seg(&f, A, A_, 2000, 5001, 0, 400000);
	/* the window opens: an idle probe after it is keepalive's */
	seg(&f, B, A_, 5001, 2001, 0, 10000);
	seg(&f, A, A_, 2000, 5001, 0, 7200000);
	finish(&f);
	const ts_xp_side *a = &f.g.c[0].s[A];
	ck_assert_uint_eq(a->wprobes, 2);
	ck_assert_uint_eq(a->probes, 1);
	feed_free(&f);
}
END_TEST

/* explain --trace: the lines of a trace made by pcap2trace that stand for
 * frames (ending "# #N"), by frame then line; other lines are not. */
START_TEST(trace_lines)
{
	static const char text[] =
	    "# Made by tcpsim pcap2trace (frames #1..#9).\n"
	    "0us a: connect(c, b:80) # #5\n"
	    "1us b: close(s) # #3\n"
	    "2us a: read(c, 1) #7\n"
	    "3us a: write(c, 1) # #\n"
	    "4us b: reboot # #5";
	size_t n;
	ts_xp_lines *v = ts_xp_read_lines(text, sizeof text - 1, &n);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(v[0].frame, 3);
	ck_assert_int_eq(v[0].line, 3);
	ck_assert_uint_eq(v[1].frame, 5);
	ck_assert_int_eq(v[1].line, 2);
	ck_assert_uint_eq(v[2].frame, 5);
	ck_assert_int_eq(v[2].line, 6);
	free(v);
	v = ts_xp_read_lines("no frames here\n", 15, &n);
	ck_assert_uint_eq(n, 0);
	free(v);
}
END_TEST

START_TEST(rule_keepalive_timeout)
{
	feed f;
	feed_init(&f);
	handshake(&f);
	uint64_t p1 = seg(&f, A, A_, 1000, 5001, 0, 2000000);
	seg(&f, A, A_, 1000, 5001, 0, 1000000);
	seg(&f, A, R_ | A_, 1001, 5001, 0, 1000000);
	finish(&f);
	const ts_xp_rst *r = only_rst(&f);
	ck_assert_str_eq(r->cand[0].id, "keepalive-timeout");
	ck_assert_int_eq(r->cand[0].reason, TCPSIM_RST_KEEPALIVE);
	ck_assert_uint_eq(r->cand[0].ev[0], p1);
	ck_assert_ptr_nonnull(strstr(r->errno_self, "ETIMEDOUT"));
	ck_assert_uint_eq(f.g.c[0].s[A].probes, 2);
	feed_free(&f);
}
END_TEST

START_TEST(rule_forged_is_unexplained)
{
	feed f;
	feed_init(&f);
	handshake(&f);
	/* in the window, but at no SEQ a stack would use */
	seg(&f, B, R_, 5500, 0, 0, 1000);
	finish(&f);
	const ts_xp_rst *r = only_rst(&f);
	ck_assert_str_eq(r->cand[0].id, "unexplained");
	ck_assert_int_eq(r->cand[0].reason, -1);
	feed_free(&f);
}
END_TEST

START_TEST(rst_that_never_arrived)
{
	feed f;
	feed_init(&f);
	handshake(&f);
	seg(&f, B, R_ | A_, 5001, 1001, 0, 1000);
	uint64_t d = seg(&f, A, A_ | P_, 1001, 5001, 100, 100);
	seg(&f, A, A_ | P_, 1001, 5001, 100, 200000);
	seg(&f, A, A_ | P_, 1001, 5001, 100, 400000);
	finish(&f);
	ck_assert_int_eq(f.g.n, 1);
	const ts_xp_conn *c = &f.g.c[0];
	ck_assert_int_eq(c->rst[0].arrived, 0);
	ck_assert_uint_eq(c->rst[0].after, d);
	ck_assert_ptr_nonnull(strstr(c->rst[0].errno_peer, "never reached"));
	/* and A retransmitted to the end: a give-up (ETIMEDOUT) */
	ck_assert_int_eq(c->timeout_side, A);
	ck_assert_uint_eq(c->s[A].rexmits, 2);
	feed_free(&f);
}
END_TEST

START_TEST(syn_timeout)
{
	feed f;
	feed_init(&f);
	seg(&f, A, S_, 1000, 0, 0, 0);
	uint64_t r1 = seg(&f, A, S_, 1000, 0, 0, 1000000);
	seg(&f, A, S_, 1000, 0, 0, 2000000);
	finish(&f);
	ck_assert_int_eq(f.g.n, 1);
	ck_assert_int_eq(f.g.c[0].timeout_side, A);
	ck_assert_uint_eq(f.g.c[0].s[A].rexmit_run_first, r1);
	feed_free(&f);
}
END_TEST

START_TEST(answered_retransmission_is_no_timeout)
{
	feed f;
	feed_init(&f);
	handshake(&f);
	seg(&f, A, A_ | P_, 1001, 5001, 100, 1000);
	seg(&f, A, A_ | P_, 1001, 5001, 100, 200000);
	seg(&f, A, A_ | P_, 1001, 5001, 100, 400000);
	seg(&f, B, A_, 5001, 1101, 0, 100);
	finish(&f);
	ck_assert_int_eq(f.g.c[0].timeout_side, -1);
	feed_free(&f);
}
END_TEST

START_TEST(segments_missing_from_the_capture)
{
	feed f;
	feed_init(&f);
	handshake(&f);
	seg(&f, A, A_ | P_, 1001, 5001, 100, 1000);
	/* 1101..1201 is not in the capture */
	uint64_t after = seg(&f, A, A_ | P_, 1201, 5001, 100, 1000);
	/* B acknowledges data of its own the capture never showed */
	seg(&f, A, A_, 1301, 5101, 0, 1000);
	finish(&f);
	ck_assert_int_eq(f.g.n, 1);
	const ts_xp_conn *c = &f.g.c[0];
	ck_assert_uint_eq(c->s[A].gaps, 1);
	ck_assert_uint_eq(c->s[A].gap_frame, after);
	ck_assert_uint_eq(c->s[B].gaps, 1);
	ck_assert_uint_eq(c->s[A].rexmits, 0);
	feed_free(&f);
}
END_TEST

START_TEST(silent_connections_are_written)
{
	/* memory follows live connections: one silent for 600 s of
	 * capture time is written before the capture ends */
	feed f;
	feed_init(&f);
	seg(&f, A, S_, 1000, 0, 0, 0);
	f.aport = 40001;
	seg(&f, A, S_, 3000, 0, 0, 599000000);
	ck_assert_int_eq(f.g.n, 0);
	f.aport = 40002;
	seg(&f, A, S_, 5000, 0, 0, 2000000);
	ck_assert_int_eq(f.g.n, 1);
	ck_assert_uint_eq(f.g.c[0].id, 1);
	finish(&f);
	ck_assert_int_eq(f.g.n, 3);
	feed_free(&f);
}
END_TEST

START_TEST(states_of_a_normal_close)
{
	feed f;
	feed_init(&f);
	handshake(&f);
	seg(&f, A, F_ | A_, 1001, 5001, 0, 1000);
	seg(&f, B, A_, 5001, 1002, 0, 100);
	seg(&f, B, F_ | A_, 5001, 1002, 0, 1000);
	seg(&f, A, A_, 1002, 5002, 0, 100);
	finish(&f);
	ck_assert_int_eq(f.g.n, 1);
	const ts_xp_conn *c = &f.g.c[0];
	ck_assert_int_eq(c->nrst, 0);
	ck_assert_int_eq(c->s[A].state, TS_XP_TIME_WAIT);
	ck_assert_int_eq(c->s[B].state, TS_XP_CLOSED);
	ck_assert_int_eq(c->ended, 1);
	ck_assert_int_eq(c->mid, 0);
	ck_assert_int_eq(c->rtt_us, 200);
	feed_free(&f);
}
END_TEST

START_TEST(new_syn_starts_a_new_connection)
{
	feed f;
	feed_init(&f);
	seg(&f, A, S_, 1000, 0, 0, 0);
	seg(&f, B, R_ | A_, 0, 1001, 0, 50);
	seg(&f, A, S_, 3000, 0, 0, 1000);
	seg(&f, B, R_ | A_, 0, 3001, 0, 50);
	finish(&f);
	ck_assert_int_eq(f.g.n, 2);
	ck_assert_uint_eq(f.g.c[0].id, 1);
	ck_assert_uint_eq(f.g.c[1].id, 2);
	ck_assert_str_eq(ts_xp_totals_of(f.x)->conns == 2 ? "2" : "?", "2");
	feed_free(&f);
}
END_TEST

START_TEST(ids_are_the_headers)
{
	/* every reason has an id, and the summary knows every id */
	for (int r = 0; r < TCPSIM_NRST; r++)
		ck_assert_ptr_nonnull(tcpsim_rst_id(r, -1));
	ck_assert_str_eq(tcpsim_rst_id(TCPSIM_RST_NO_SOCKET, TCPSIM_SYN),
			 "no-listener");
	ck_assert_str_eq(
	    tcpsim_rst_id(TCPSIM_RST_NO_SOCKET, TCPSIM_SYN | TCPSIM_ACK),
	    "no-connection");
	ck_assert_str_eq(tcpsim_rst_id(TCPSIM_RST_LINGER_ZERO, -1),
			 "linger-abort");
	ck_assert_ptr_null(tcpsim_rst_id(TCPSIM_NRST, -1));
}
END_TEST

/* ---- The decoder ---- */

/* An IPv4/TCP packet of PAYLOAD bytes into P (40 + options bytes). */
static size_t ip_tcp(uint8_t *p, uint32_t payload, int opts)
{
	size_t th = 20 + (opts ? 12 : 0);
	size_t tot = 20 + th + payload;
	memset(p, 0, tot);
	p[0] = 0x45;
	p[2] = (uint8_t)(tot >> 8);
	p[3] = (uint8_t)tot;
	p[8] = 64;
	p[9] = 6;
	memcpy(p + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
	uint8_t *t = p + 20;
	t[0] = 0x9c; /* 40000 */
	t[1] = 0x40;
	t[3] = 80;
	t[7] = 100; /* seq 100 */
	t[11] = 7;  /* ack 7 */
	t[12] = (uint8_t)((th / 4) << 4);
	t[13] = TS_CAP_ACK | TS_CAP_PSH;
	t[15] = 64;
	if (opts) {
		/* MSS 1460, window scale 7, SACK-permitted, NOP NOP, EOL */
		memcpy(t + 20,
		       "\x02\x04\x05\xb4\x03\x03\x07\x04\x02\x01\x01\x00", 12);
	}
	return tot;
}

static void check_decoded(const ts_cap_seg *s, uint32_t len)
{
	ck_assert_uint_eq(s->saddr, AADDR);
	ck_assert_uint_eq(s->daddr, BADDR);
	ck_assert_uint_eq(s->sport, 40000);
	ck_assert_uint_eq(s->dport, 80);
	ck_assert_uint_eq(s->seq, 100);
	ck_assert_uint_eq(s->ack, 7);
	ck_assert_uint_eq(s->len, len);
	ck_assert_uint_eq(s->flags, TS_CAP_ACK | TS_CAP_PSH);
}

START_TEST(decode_link_types)
{
	uint8_t f[200];
	ts_cap_seg s;
	size_t n;
	/* Ethernet, with an 802.1Q tag */
	memset(f, 0, 18);
	f[12] = 0x81;
	f[16] = 0x08;
	n = ip_tcp(f + 18, 10, 1);
	ck_assert_int_eq(ts_cap_decode(DLT_EN10MB, f, n + 18, &s), TS_CAP_TCP);
	check_decoded(&s, 10);
	ck_assert_int_eq(s.mss, 1460);
	ck_assert_int_eq(s.wscale, 7);
	ck_assert_int_eq(s.sackok, 1);
	/* Linux SLL: protocol in its last two bytes */
	memset(f, 0, 16);
	f[14] = 0x08;
	n = ip_tcp(f + 16, 5, 0);
	ck_assert_int_eq(ts_cap_decode(DLT_LINUX_SLL, f, n + 16, &s),
			 TS_CAP_TCP);
	check_decoded(&s, 5);
	ck_assert_int_eq(s.mss, -1);
	/* SLL2: protocol first */
	memset(f, 0, 20);
	f[0] = 0x08;
	n = ip_tcp(f + 20, 0, 0);
	ck_assert_int_eq(ts_cap_decode(DLT_LINUX_SLL2, f, n + 20, &s),
			 TS_CAP_TCP);
	check_decoded(&s, 0);
	/* raw IPv4 */
	n = ip_tcp(f, 3, 0);
	ck_assert_int_eq(ts_cap_decode(DLT_RAW, f, n, &s), TS_CAP_TCP);
	check_decoded(&s, 3);
	/* BSD loopback: AF_INET in the writer's byte order, either */
	memset(f, 0, 4);
	f[0] = 2;
	n = ip_tcp(f + 4, 1, 0);
	ck_assert_int_eq(ts_cap_decode(DLT_NULL, f, n + 4, &s), TS_CAP_TCP);
	memset(f, 0, 4);
	f[3] = 2;
	ck_assert_int_eq(ts_cap_decode(DLT_NULL, f, n + 4, &s), TS_CAP_TCP);
	ck_assert_int_eq(ts_cap_decode(DLT_LOOP, f, n + 4, &s), TS_CAP_TCP);
	f[3] = 30; /* AF_INET6 on BSD */
	ck_assert_int_eq(ts_cap_decode(DLT_LOOP, f, n + 4, &s), TS_CAP_IPV6);
}
END_TEST

START_TEST(decode_what_is_skipped)
{
	uint8_t f[200];
	ts_cap_seg s;
	size_t n = ip_tcp(f + 14, 10, 0);
	memset(f, 0, 14);
	/* ARP */
	f[12] = 0x08;
	f[13] = 0x06;
	ck_assert_int_eq(ts_cap_decode(DLT_EN10MB, f, n + 14, &s),
			 TS_CAP_NOT_IP);
	/* IPv6 */
	f[12] = 0x86;
	f[13] = 0xdd;
	ck_assert_int_eq(ts_cap_decode(DLT_EN10MB, f, n + 14, &s), TS_CAP_IPV6);
	f[12] = 0x08;
	f[13] = 0x00;
	/* UDP */
	f[14 + 9] = 17;
	ck_assert_int_eq(ts_cap_decode(DLT_EN10MB, f, n + 14, &s),
			 TS_CAP_NOT_TCP);
	f[14 + 9] = 6;
	/* a fragment */
	f[14 + 6] = 0x20;
	ck_assert_int_eq(ts_cap_decode(DLT_EN10MB, f, n + 14, &s),
			 TS_CAP_FRAGMENT);
	f[14 + 6] = 0;
	/* cut in the TCP header, cut in the payload */
	ck_assert_int_eq(ts_cap_decode(DLT_EN10MB, f, 14 + 30, &s),
			 TS_CAP_TRUNCATED);
	ck_assert_int_eq(ts_cap_decode(DLT_EN10MB, f, 14 + 45, &s), TS_CAP_TCP);
	ck_assert_int_eq(s.cut, 1);
	ck_assert_uint_eq(s.len, 10);
	ck_assert_int_eq(ts_cap_decode(DLT_EN10MB, f, 5, &s), TS_CAP_TRUNCATED);
	/* a header length past the total length */
	f[14 + 3] = 30;
	ck_assert_int_eq(ts_cap_decode(DLT_EN10MB, f, n + 14, &s),
			 TS_CAP_MALFORMED);
	f[14 + 3] = (uint8_t)n;
	/* IHL below 5 */
	f[14] = 0x44;
	ck_assert_int_eq(ts_cap_decode(DLT_EN10MB, f, n + 14, &s),
			 TS_CAP_MALFORMED);
	f[14] = 0x45;
	/* a TCP data offset below 5 */
	f[14 + 20 + 12] = 0x40;
	ck_assert_int_eq(ts_cap_decode(DLT_EN10MB, f, n + 14, &s),
			 TS_CAP_MALFORMED);
}
END_TEST

START_TEST(decode_options_malformed)
{
	uint8_t f[200];
	ts_cap_seg s;
	size_t n = ip_tcp(f, 0, 1);
	/* an option whose length runs past the header: the walk stops */
	f[20 + 20 + 4] = 3;
	f[20 + 20 + 5] = 40;
	ck_assert_int_eq(ts_cap_decode(DLT_RAW, f, n, &s), TS_CAP_TCP);
	ck_assert_int_eq(s.mss, 1460);
	ck_assert_int_eq(s.wscale, -1);
	ck_assert_int_eq(s.sackok, 0);
}
END_TEST

START_TEST(decode_nflog)
{
	uint8_t f[200];
	ts_cap_seg s;
	memset(f, 0, sizeof f);
	f[0] = 2; /* AF_INET */
	/* a prefix attribute (type 10, 5 bytes, padded to 8), then the
	 * payload (type 9) */
	uint16_t len = 5, type = 10;
	memcpy(f + 4, &len, 2);
	memcpy(f + 6, &type, 2);
	size_t n = ip_tcp(f + 16, 7, 0);
	len = (uint16_t)(n + 4);
	type = 9;
	memcpy(f + 12, &len, 2);
	memcpy(f + 14, &type, 2);
	ck_assert_int_eq(ts_cap_decode(DLT_NFLOG, f, 16 + n, &s), TS_CAP_TCP);
	check_decoded(&s, 7);
	/* an attribute longer than the frame */
	len = 200;
	memcpy(f + 4, &len, 2);
	ck_assert_int_eq(ts_cap_decode(DLT_NFLOG, f, 16 + n, &s),
			 TS_CAP_MALFORMED);
}
END_TEST

START_TEST(reader_from_memory)
{
	/* a pcap of two raw frames, the second a copy of the first at the
	 * same time (a duplicate), then a truncated record */
	uint8_t file[400];
	uint8_t pkt[100];
	size_t n = ip_tcp(pkt, 4, 0);
	uint32_t hdr[6] = {0xa1b2c3d4, 0x00040002, 0, 0, 65535, DLT_RAW};
	size_t o = 0;
	memcpy(file, hdr, 24);
	o = 24;
	for (int i = 0; i < 2; i++) {
		uint32_t rec[4] = {1, 5, (uint32_t)n, (uint32_t)n};
		memcpy(file + o, rec, 16);
		memcpy(file + o + 16, pkt, n);
		o += 16 + n;
	}
	uint32_t rec[4] = {2, 0, 60, 60};
	memcpy(file + o, rec, 16);
	o += 16 + 10;
	char err[256];
	ts_cap *c = ts_cap_open_mem(file, o, err, sizeof err);
	ck_assert_ptr_nonnull(c);
	ts_cap_seg s;
	ck_assert_int_eq(ts_cap_next(c, &s, err, sizeof err), 1);
	ck_assert_uint_eq(s.frame, 1);
	ck_assert_int_eq(s.t_us, 1000005);
	check_decoded(&s, 4);
	ck_assert_int_eq(ts_cap_next(c, &s, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "frame 3"));
	ck_assert_uint_eq(ts_cap_stats_of(c)->duplicates, 1);
	ts_cap_close(c);
	/* not a capture */
	ck_assert_ptr_null(
	    ts_cap_open_mem((const uint8_t *)"hello", 5, err, sizeof err));
	ck_assert_ptr_nonnull(strstr(err, "not a capture"));
	/* a link type not read */
	hdr[5] = 105; /* 802.11 */
	memcpy(file, hdr, 24);
	ck_assert_ptr_null(ts_cap_open_mem(file, 24, err, sizeof err));
	ck_assert_ptr_nonnull(strstr(err, "link type 105"));
}
END_TEST

static Suite *explain_suite(void)
{
	Suite *s = suite_create("explain");
	TCase *tc = tcase_create("rules");
	tcase_add_test(tc, rule_no_listener);
	tcase_add_test(tc, rule_no_connection_after_reboot);
	tcase_add_test(tc, rule_no_connection_active_side);
	tcase_add_test(tc, rule_no_connection_without_ack);
	tcase_add_test(tc, rule_bad_ack_listener);
	tcase_add_test(tc, rule_bad_ack_syn_sent);
	tcase_add_test(tc, rule_bad_ack_syn_received);
	tcase_add_test(tc, rule_accept_overflow);
	tcase_add_test(tc, rule_close_unread_data);
	tcase_add_test(tc, rule_linger_abort);
	tcase_add_test(tc, abort_with_nothing_received);
	tcase_add_test(tc, rule_orphan_data_fin_wait_2);
	tcase_add_test(tc, rule_orphan_expired_ranks_no_connection);
	tcase_add_test(tc, rule_orphan_data_fin_wait_1);
	tcase_add_test(tc, rule_listener_closed);
	tcase_add_test(tc, rule_keepalive_timeout);
	tcase_add_test(tc, zero_window_probes);
	tcase_add_test(tc, trace_lines);
	tcase_add_test(tc, rule_forged_is_unexplained);
	tcase_add_test(tc, ids_are_the_headers);
	suite_add_tcase(s, tc);

	tc = tcase_create("connections");
	tcase_add_test(tc, rst_that_never_arrived);
	tcase_add_test(tc, syn_timeout);
	tcase_add_test(tc, answered_retransmission_is_no_timeout);
	tcase_add_test(tc, segments_missing_from_the_capture);
	tcase_add_test(tc, silent_connections_are_written);
	tcase_add_test(tc, states_of_a_normal_close);
	tcase_add_test(tc, new_syn_starts_a_new_connection);
	suite_add_tcase(s, tc);

	tc = tcase_create("decode");
	tcase_add_test(tc, decode_link_types);
	tcase_add_test(tc, decode_what_is_skipped);
	tcase_add_test(tc, decode_options_malformed);
	tcase_add_test(tc, decode_nflog);
	tcase_add_test(tc, reader_from_memory);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(explain_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
