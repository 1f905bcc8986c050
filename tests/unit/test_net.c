/*
 * test_net.c - the network between hosts (src/net/net.c): link delays,
 * segment numbering, and every fault of the trace language (drop, dup,
 * delay, replay, inject, heal), segments to a crashed host, and what
 * "expect A>B KIND" counts.
 *
 * Pipeline: a stack's segment -> ts_net_send() (numbered, faults applied,
 * arrival scheduled) -> ts_net_deliver() -> the destination's TCP. Unit
 * tests hand segments to ts_net_send() directly and look at what waits in
 * the event queue; whole-trace tests run a trace and check its
 * expectations and the captured segments.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define A  TH_ADDR(10, 0, 0, 1)
#define B  TH_ADDR(10, 0, 0, 2)
#define C  TH_ADDR(10, 0, 0, 3)
#define HA 0
#define HB 1
#define HC 2

/* Three hosts; a-b has its own delay, the other pairs the default. */
static const char NET_TEXT[] = "host a 10.0.0.1\n"
			       "host b 10.0.0.2\n"
			       "host c 10.0.0.3\n"
			       "link a b delay 30ms\n";

/* Segments of each kind. Nobody listens on the hosts: an RST is ignored
 * by its receiver, anything else gets an RST back (in the other
 * direction, which the tests below tell apart by number). */
static ts_seg seg_rst(uint32_t from, uint32_t to)
{
	return th_seg(from, 1000, to, 2000, TS_RST | TS_ACK, 1, 1, 0, 0);
}
static ts_seg seg_ack(uint32_t from, uint32_t to)
{
	return th_seg(from, 1000, to, 2000, TS_ACK, 1, 1, 0, 1000);
}
static ts_seg seg_data(uint32_t from, uint32_t to)
{
	return th_seg(from, 1000, to, 2000, TS_ACK | TS_PSH, 1, 1, 100, 1000);
}
static ts_seg seg_syn(uint32_t from, uint32_t to)
{
	return th_seg(from, 1000, to, 2000, TS_SYN, 7, 0, 0, 1000);
}

/* Segment NUM waits in the queue exactly once, arriving at AT. */
#define ck_queued_once(t, num, at)                                             \
	do {                                                                   \
		const ts_pkt *q_[4];                                           \
		int n_ = th_queued((t), (num), q_, 4);                         \
		ck_assert_msg(n_ == 1,                                         \
			      "segment #%u: expected 1 delivery "              \
			      "queued, got %d",                                \
			      (unsigned)(num), n_);                            \
		ck_assert_msg(q_[0]->ev.when == (at),                          \
			      "segment #%u: expected arrival at %lldus, got "  \
			      "%lldus",                                        \
			      (unsigned)(num), (long long)(at),                \
			      (long long)q_[0]->ev.when);                      \
	} while (0)
#define ck_not_queued(t, num)                                                  \
	do {                                                                   \
		const ts_pkt *q_[4];                                           \
		int n_ = th_queued((t), (num), q_, 4);                         \
		ck_assert_msg(n_ == 0,                                         \
			      "segment #%u: expected no delivery, "            \
			      "got %d queued",                                 \
			      (unsigned)(num), n_);                            \
	} while (0)

/* Run a whole trace; its status must be WANT (0: every expectation held). */
static th *run(const char *text, int want)
{
	th *t = th_new(text, 0);
	int st = th_run(t);
	if (st != want) {
		const char *f = strstr(th_report(t), "FAIL    ");
		ck_abort_msg("expected status %d, got %d (%s%s)", want, st,
			     f ? f : "no failure line; ",
			     t->sim->run.aborted ? t->sim->run.err.msg : "");
	}
	return t;
}

/* A connection client:40000 <-> server:80, used by whole-trace tests. */
#define CONN_TEXT                                                              \
	"host client 10.0.0.1\n"                                               \
	"host server 10.0.0.2\n"                                               \
	"0 server: s = socket()\n"                                             \
	"+0 server: bind(s, 80) = 0\n"                                         \
	"+0 server: listen(s, 8) = 0\n"                                        \
	"+0 client: c = socket()\n"                                            \
	"+0 client: connect(c, server:80) = 0\n"                               \
	"+0 server: a = accept(s)\n"

/* ---------------------------------------------------------------------- */
/* Numbering and links */

START_TEST(numbers_in_send_order)
{
	th *t = th_new(NET_TEXT, 0);
	ts_seg s = seg_rst(A, B);
	ck_assert_uint_eq(th_net_send(t, HA, HB, &s), 1);
	s = seg_rst(B, A);
	ck_assert_uint_eq(th_net_send(t, HB, HA, &s), 2);
	s = seg_rst(A, C);
	ck_assert_uint_eq(th_net_send(t, HA, HC, &s), 3);
	/* The tap saw them, numbered, in that order. */
	ck_assert_int_eq(th_pending(t), 3);
	for (uint32_t n = 1; n <= 3; n++) {
		const th_cap *c = th_take(t);
		ck_assert_ptr_nonnull(c);
		ck_assert_uint_eq(c->num, n);
		ck_assert_int_eq(c->injected, 0);
	}
	ck_assert(th_report_has(t, "send    #1   a:1000 > b:2000  RST|ACK"));
	ck_assert(th_report_has(t, "send    #3   a:1000 > c:2000  RST|ACK"));
}
END_TEST

START_TEST(link_delay_per_pair)
{
	th *t = th_new(NET_TEXT, 0);
	th_advance(t, TS_MS(5));
	ts_seg s = seg_rst(A, B);
	uint32_t ab = th_net_send(t, HA, HB, &s);
	s = seg_rst(B, A);
	uint32_t ba = th_net_send(t, HB, HA, &s);
	s = seg_rst(A, C);
	uint32_t ac = th_net_send(t, HA, HC, &s);
	s = seg_rst(C, B);
	uint32_t cb = th_net_send(t, HC, HB, &s);
	/* "link a b delay 30ms" holds both ways; other pairs: 10ms. */
	ck_queued_once(t, ab, TS_MS(35));
	ck_queued_once(t, ba, TS_MS(35));
	ck_queued_once(t, ac, TS_MS(15));
	ck_queued_once(t, cb, TS_MS(15));
}
END_TEST

START_TEST(link_delivery_reaches_host)
{
	th *t = th_new(NET_TEXT, 0);
	ts_seg s = seg_syn(A, B);
	th_net_send(t, HA, HB, &s);
	th_advance(t, TS_MS(29));
	ck_assert(!th_report_has(t, "recv    #1 "));
	th_advance(t, TS_MS(1));
	ck_assert(th_report_has(t, "0.030000  b       recv    #1   SYN"));
	/* b has no socket: its answer is RST|ACK, ack = SEG.SEQ + 1. */
	th_take(t);
	ck_send(t, th_seg(B, 2000, A, 1000, TS_RST | TS_ACK, 0, 8, 0, 0));
	ck_queued_once(t, 2, TS_MS(60));
}
END_TEST

START_TEST(nostack_host_answers_nothing)
{
	/* b has no stack: the SYN reaches it, is reported, and nothing
	 * answers it (a host with a stack would send RST|ACK). */
	th *t = th_new("host a 10.0.0.1\nhost b 10.0.0.2 nostack\n", 0);
	ts_seg s = seg_syn(A, B);
	th_net_send(t, HA, HB, &s);
	th_take(t);
	th_advance(t, TS_MS(20));
	ck_assert(th_report_has(t, "0.010000  b       recv    #1   SYN"));
	ck_assert_int_eq(th_pending(t), 0);
	ck_assert(!th_report_has(t, "RST"));
}
END_TEST

START_TEST(inject_carries_options)
{
	/* The options of an inject line reach the stack as written. */
	th *t = th_new("host a 10.0.0.1\nhost b 10.0.0.2 nostack\n"
		       "link a b delay 0\n"
		       "0 a: s = socket()\n+0 a: bind(s, 80) = 0\n"
		       "+0 a: listen(s, 1) = 0\n"
		       "+0 net: inject b:5000>a:80 SYN seq 0 ack 0 win 100 "
		       "mss 1000 sackOK wscale 7 ts 9 0\n",
		       0);
	th_run(t);
	const th_cap *c = th_take(t);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(c->injected, 1);
	ck_assert_int_eq(c->seg.mss, 1000);
	ck_assert_int_eq(c->seg.sack_ok, 1);
	ck_assert_int_eq(c->seg.wscale_ok, 1);
	ck_assert_int_eq(c->seg.wscale, 7);
	ck_assert_int_eq(c->seg.ts, 1);
	ck_assert_uint_eq(c->seg.tsval, 9);
	ck_assert_uint_eq(c->seg.tsecr, 0);
	/* a's SYN-ACK answers it, again and again; b answers nothing. */
	int n = 0;
	while ((c = th_take(t)) != NULL) {
		ck_assert_int_eq(c->from, HA);
		ck_assert_int_eq(c->seg.flags, TS_SYN | TS_ACK);
		n++;
	}
	ck_assert_int_gt(n, 1);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* drop */

START_TEST(drop_default_one)
{
	th *t = th_new(NET_TEXT, 0);
	th_do(t, "net: drop a>c");
	ts_seg s = seg_rst(A, C);
	uint32_t n1 = th_net_send(t, HA, HC, &s);
	uint32_t n2 = th_net_send(t, HA, HC, &s);
	ck_not_queued(t, n1);
	ck_queued_once(t, n2, TS_MS(10));
	/* Reported where it was sent, with the line that dropped it. */
	ck_assert(th_report_has(t, "#1   a:1000 > c:2000  RST|ACK seq=1 ack=1 "
				   "len=0 win=0  DROPPED by the network "
				   "(line 5)"));
}
END_TEST

START_TEST(drop_count)
{
	th *t = th_new(NET_TEXT, 0);
	th_do(t, "net: drop a>b 2");
	ts_seg s = seg_rst(A, B);
	uint32_t n1 = th_net_send(t, HA, HB, &s);
	uint32_t n2 = th_net_send(t, HA, HB, &s);
	uint32_t n3 = th_net_send(t, HA, HB, &s);
	ck_not_queued(t, n1);
	ck_not_queued(t, n2);
	ck_queued_once(t, n3, TS_MS(30));
	/* Dropped segments still get their number and reach the tap. */
	ck_assert_uint_eq(n3, 3);
	ck_assert_int_eq(th_pending(t), 3);
}
END_TEST

START_TEST(drop_one_direction_only)
{
	th *t = th_new(NET_TEXT, 0);
	th_do(t, "net: drop a>b 1");
	ts_seg s = seg_rst(B, A);
	uint32_t back = th_net_send(t, HB, HA, &s);
	s = seg_rst(A, C);
	uint32_t other = th_net_send(t, HA, HC, &s);
	s = seg_rst(A, B);
	uint32_t fwd = th_net_send(t, HA, HB, &s);
	ck_queued_once(t, back, TS_MS(30));
	ck_queued_once(t, other, TS_MS(10));
	ck_not_queued(t, fwd);
}
END_TEST

START_TEST(drop_kind_counts_only_that_kind)
{
	th *t = th_new(NET_TEXT, 0);
	th_do(t, "net: drop a>b 2 DATA");
	ts_seg ack = seg_ack(A, B), data = seg_data(A, B), syn = seg_syn(A, B);
	uint32_t n1 = th_net_send(t, HA, HB, &ack);
	uint32_t n2 = th_net_send(t, HA, HB, &data);
	uint32_t n3 = th_net_send(t, HA, HB, &syn);
	uint32_t n4 = th_net_send(t, HA, HB, &data);
	uint32_t n5 = th_net_send(t, HA, HB, &data);
	ck_queued_once(t, n1, TS_MS(30));
	ck_not_queued(t, n2);
	ck_queued_once(t, n3, TS_MS(30));
	ck_not_queued(t, n4);
	ck_queued_once(t, n5, TS_MS(30)); /* the count is used up */
}
END_TEST

START_TEST(drop_kind_ack_is_bare_ack)
{
	/* ACK means no payload and none of SYN, FIN, RST. */
	th *t = th_new(NET_TEXT, 0);
	th_do(t, "net: drop a>b 1 ACK");
	ts_seg data = seg_data(A, B), rst = seg_rst(A, B), ack = seg_ack(A, B);
	ts_seg fin = seg_ack(A, B);
	fin.flags |= TS_FIN;
	uint32_t n1 = th_net_send(t, HA, HB, &data);
	uint32_t n2 = th_net_send(t, HA, HB, &rst);
	uint32_t n3 = th_net_send(t, HA, HB, &fin);
	uint32_t n4 = th_net_send(t, HA, HB, &ack);
	ck_queued_once(t, n1, TS_MS(30));
	ck_queued_once(t, n2, TS_MS(30));
	ck_queued_once(t, n3, TS_MS(30));
	ck_not_queued(t, n4);
}
END_TEST

START_TEST(drop_all_until_heal)
{
	th *t = th_new(NET_TEXT, 0);
	th_do(t, "net: drop a>b all");
	ts_seg s = seg_rst(A, B);
	for (int i = 0; i < 20; i++)
		ck_not_queued(t, th_net_send(t, HA, HB, &s));
	th_advance(t, TS_SEC(100));
	ck_not_queued(t, th_net_send(t, HA, HB, &s));
	th_do(t, "net: heal");
	uint32_t n = th_net_send(t, HA, HB, &s);
	ck_queued_once(t, n, TS_SEC(100) + TS_MS(30));
}
END_TEST

START_TEST(drop_all_kind)
{
	th *t = th_new(NET_TEXT, 0);
	th_do(t, "net: drop a>b all SYN");
	ts_seg syn = seg_syn(A, B), rst = seg_rst(A, B);
	ck_not_queued(t, th_net_send(t, HA, HB, &syn));
	ck_queued_once(t, th_net_send(t, HA, HB, &rst), TS_MS(30));
	ck_not_queued(t, th_net_send(t, HA, HB, &syn));
	ck_not_queued(t, th_net_send(t, HA, HB, &syn));
}
END_TEST

START_TEST(heal_named_pair_only)
{
	th *t = th_new(NET_TEXT, 0);
	th_do(t, "net: drop a>b all");
	th_do(t, "net: drop b>a all");
	th_do(t, "net: drop a>c all");
	th_do(t, "net: heal a b");
	ts_seg s = seg_rst(A, B);
	ck_queued_once(t, th_net_send(t, HA, HB, &s), TS_MS(30));
	s = seg_rst(B, A);
	ck_queued_once(t, th_net_send(t, HB, HA, &s), TS_MS(30));
	s = seg_rst(A, C);
	ck_not_queued(t, th_net_send(t, HA, HC, &s));
	th_do(t, "net: heal c a"); /* either order names the pair */
	ck_queued_once(t, th_net_send(t, HA, HC, &s), TS_MS(10));
}
END_TEST

START_TEST(heal_leaves_counted_drops)
{
	/* heal ends "drop ... all" rules; a counted drop still applies. */
	th *t = th_new(NET_TEXT, 0);
	th_do(t, "net: drop a>b 1");
	th_do(t, "net: heal");
	ts_seg s = seg_rst(A, B);
	ck_not_queued(t, th_net_send(t, HA, HB, &s));
	ck_queued_once(t, th_net_send(t, HA, HB, &s), TS_MS(30));
}
END_TEST

/* ---------------------------------------------------------------------- */
/* dup */

START_TEST(dup_delivered_twice_same_number)
{
	th *t = th_new(NET_TEXT, 0);
	th_do(t, "net: dup a>b");
	ts_seg s = seg_rst(A, B);
	uint32_t n = th_net_send(t, HA, HB, &s);
	const ts_pkt *q[4];
	ck_assert_int_eq(th_queued(t, n, q, 4), 2);
	ck_assert_int_eq(q[0]->ev.when, TS_MS(30));
	ck_assert_int_eq(q[1]->ev.when, TS_MS(30));
	ck_assert_int_eq(q[0]->copy, 0);
	ck_assert_int_eq(q[1]->copy, 1);
	/* The next segment gets the next number, once. */
	uint32_t n2 = th_net_send(t, HA, HB, &s);
	ck_assert_uint_eq(n2, n + 1);
	ck_queued_once(t, n2, TS_MS(30));
	th_advance(t, TS_MS(30));
	ck_assert_int_eq(th_report_count(t, "recv    #1 "), 2);
	ck_assert(th_report_has(t, "recv    #1   RST|ACK seq=1 ack=1 len=0 "
				   "win=0 (the duplicate)"));
	ck_assert_int_eq(th_report_count(t, "recv    #2 "), 1);
}
END_TEST

START_TEST(dup_count_kind)
{
	th *t = th_new(NET_TEXT, 0);
	th_do(t, "net: dup a>b 2 RST");
	ts_seg rst = seg_rst(A, B), syn = seg_syn(A, B);
	const ts_pkt *q[4];
	ck_assert_int_eq(th_queued(t, th_net_send(t, HA, HB, &syn), q, 4), 1);
	ck_assert_int_eq(th_queued(t, th_net_send(t, HA, HB, &rst), q, 4), 2);
	ck_assert_int_eq(th_queued(t, th_net_send(t, HA, HB, &rst), q, 4), 2);
	ck_assert_int_eq(th_queued(t, th_net_send(t, HA, HB, &rst), q, 4), 1);
}
END_TEST

START_TEST(dup_not_used_up_by_a_drop)
{
	/* A dropped segment is not delivered, so it does not count for a
	 * "dup" rule written after the drop. */
	th *t = th_new(NET_TEXT, 0);
	th_do(t, "net: drop a>b 1 RST");
	th_do(t, "net: dup a>b 1 RST");
	ts_seg rst = seg_rst(A, B);
	const ts_pkt *q[4];
	ck_assert_int_eq(th_queued(t, th_net_send(t, HA, HB, &rst), q, 4), 0);
	ck_assert_int_eq(th_queued(t, th_net_send(t, HA, HB, &rst), q, 4), 2);
	ck_assert_int_eq(th_queued(t, th_net_send(t, HA, HB, &rst), q, 4), 1);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* seg N: the segment numbered N alone */

START_TEST(drop_seg_n_only_that_number)
{
	th *t = th_new(NET_TEXT, 0);
	th_do(t, "net: drop a>b seg 3");
	ts_seg s = seg_rst(A, B);
	uint32_t n1 = th_net_send(t, HA, HB, &s);
	uint32_t n2 = th_net_send(t, HA, HB, &s);
	uint32_t n3 = th_net_send(t, HA, HB, &s);
	uint32_t n4 = th_net_send(t, HA, HB, &s);
	ck_assert_uint_eq(n3, 3);
	ck_queued_once(t, n1, TS_MS(30));
	ck_queued_once(t, n2, TS_MS(30));
	ck_not_queued(t, n3);
	ck_queued_once(t, n4, TS_MS(30));
	/* used up: the direction has no rule left */
	ck_assert_int_eq(ts_net_dir(&t->sim->net, HA, HB)->nfaults, 0);
}
END_TEST

START_TEST(seg_n_of_another_direction_never_matches)
{
	/* Segment 2 goes from b to a: the rule for a>b takes nothing, and
	 * goes once a later number has passed its direction. */
	th *t = th_new(NET_TEXT, 0);
	th_do(t, "net: dup a>b seg 2");
	ts_seg ab = seg_rst(A, B), ba = seg_rst(B, A);
	const ts_pkt *q[4];
	ck_assert_int_eq(th_queued(t, th_net_send(t, HA, HB, &ab), q, 4), 1);
	ck_assert_int_eq(th_queued(t, th_net_send(t, HB, HA, &ba), q, 4), 1);
	ck_assert_int_eq(th_queued(t, th_net_send(t, HA, HB, &ab), q, 4), 1);
	ck_assert_int_eq(ts_net_dir(&t->sim->net, HA, HB)->nfaults, 0);
}
END_TEST

START_TEST(delay_seg_n)
{
	th *t = th_new(NET_TEXT, 0);
	th_do(t, "net: delay a>b 50ms seg 2");
	ts_seg s = seg_rst(A, B);
	uint32_t n1 = th_net_send(t, HA, HB, &s);
	uint32_t n2 = th_net_send(t, HA, HB, &s);
	uint32_t n3 = th_net_send(t, HA, HB, &s);
	ck_queued_once(t, n1, TS_MS(30));
	ck_queued_once(t, n2, TS_MS(80));
	ck_queued_once(t, n3, TS_MS(30));
	ck_assert(th_report_has(t, "delayed +50ms (line 5)"));
}
END_TEST

/* ---------------------------------------------------------------------- */
/* delay */

START_TEST(delay_arrives_late)
{
	/* The segments behind the delayed one arrive first: each is queued
	 * on its own, as it cannot join the lane the delayed one heads. */
	th *t = th_new(NET_TEXT, 0);
	th_do(t, "net: delay a>b 50ms");
	ts_seg s = seg_rst(A, B);
	ck_queued_once(t, th_net_send(t, HA, HB, &s), TS_MS(80));
	ck_queued_once(t, th_net_send(t, HA, HB, &s), TS_MS(30));
	ck_assert(th_report_has(t, "delayed +50ms (line 5)"));
	ck_queued_once(t, th_net_send(t, HA, HB, &s), TS_MS(30));
	th_advance(t, TS_MS(30));
	ck_assert(th_report_has(t, "0.030000  b       recv    #2 "));
	ck_assert(th_report_has(t, "0.030000  b       recv    #3 "));
	ck_queued_once(t, th_net_send(t, HA, HB, &s), TS_MS(60));
	th_advance(t, TS_MS(100));
	const char *r = th_report(t);
	ck_assert_ptr_nonnull(strstr(r, "0.060000  b       recv    #4 "));
	ck_assert_ptr_nonnull(strstr(r, "0.080000  b       recv    #1 "));
	ck_assert_uint_eq(t->sim->net.in_flight, 0);
}
END_TEST

START_TEST(delay_reorders)
{
	th *t = th_new(NET_TEXT, 0);
	th_do(t, "net: delay a>c 50ms");
	ts_seg s = seg_rst(A, C);
	uint32_t first = th_net_send(t, HA, HC, &s);
	th_advance(t, TS_MS(1));
	uint32_t second = th_net_send(t, HA, HC, &s);
	th_advance(t, TS_SEC(1));
	const char *r = th_report(t);
	const char *p2 = strstr(r, "recv    #2 ");
	const char *p1 = strstr(r, "recv    #1 ");
	ck_assert_uint_eq(first, 1);
	ck_assert_uint_eq(second, 2);
	ck_assert_ptr_nonnull(p1);
	ck_assert_ptr_nonnull(p2);
	ck_assert_msg(p2 < p1, "expected #2 to arrive before #1");
	ck_assert(th_report_has(t, "0.011000  c       recv    #2 "));
	ck_assert(th_report_has(t, "0.060000  c       recv    #1 "));
}
END_TEST

START_TEST(lane_one_event_per_direction)
{
	/* Segments of one direction wait in its lane: one queued event per
	 * busy direction, and they arrive in the order they were sent. */
	th *t = th_new(NET_TEXT, 0);
	ts_seg ab = seg_rst(A, B), ba = seg_rst(B, A);
	for (int i = 0; i < 3; i++)
		ck_queued_once(t, th_net_send(t, HA, HB, &ab), TS_MS(30));
	for (int i = 0; i < 2; i++)
		ck_queued_once(t, th_net_send(t, HB, HA, &ba), TS_MS(30));
	ck_assert_uint_eq(ts_evq_len(&t->sim->q), 2);
	ck_assert_uint_eq(t->sim->net.in_flight, 5);
	th_advance(t, TS_MS(30));
	const char *r = th_report(t);
	const char *at[6];
	for (int i = 1; i <= 5; i++) {
		char k[32];
		snprintf(k, sizeof k, "recv    #%d ", i);
		at[i] = strstr(r, k);
		ck_assert_ptr_nonnull(at[i]);
		if (i > 1)
			ck_assert_msg(at[i - 1] < at[i], "#%d before #%d",
				      i - 1, i);
	}
	ck_assert_uint_eq(ts_evq_len(&t->sim->q), 0);
	ck_assert_ptr_null(ts_net_dir(&t->sim->net, HA, HB)->lane_head);
}
END_TEST

START_TEST(delay_count_kind)
{
	th *t = th_new(NET_TEXT, 0);
	th_do(t, "net: delay a>b 1s 1 SYN");
	ts_seg rst = seg_rst(A, B), syn = seg_syn(A, B);
	ck_queued_once(t, th_net_send(t, HA, HB, &rst), TS_MS(30));
	ck_queued_once(t, th_net_send(t, HA, HB, &syn), TS_MS(1030));
	ck_queued_once(t, th_net_send(t, HA, HB, &syn), TS_MS(30));
}
END_TEST

/* ---------------------------------------------------------------------- */
/* replay */

START_TEST(replay_copy_now_with_new_number)
{
	/* The replay line must be in the base text: the network keeps a
	 * copy of exactly the segments replay lines name. */
	th *t = th_new("host a 10.0.0.1\n"
		       "host b 10.0.0.2\n"
		       "1 net: replay 1\n",
		       0);
	ts_seg s = seg_rst(A, B);
	s.seq = 777;
	th_net_send(t, HA, HB, &s);
	th_net_send(t, HA, HB, &s); /* #2 */
	th_advance(t, TS_MS(500));
	ck_assert_int_eq(th_report_count(t, "recv    #1 "), 1);
	th_line(t, 3);
	const ts_pkt *q[4];
	ck_assert_int_eq(th_queued(t, 1, q, 4), 0);
	ck_assert_int_eq(th_queued(t, 3, q, 4), 1);
	ck_assert_int_eq(q[0]->ev.when, TS_MS(500)); /* now, no link delay */
	ck_assert_int_eq(q[0]->replayed, 1);
	ck_assert_int_eq(q[0]->from, HA);
	ck_assert_int_eq(q[0]->to, HB);
	char m[600];
	ck_assert_msg(th_seg_eq(&q[0]->seg, &s, m, sizeof m), "%s", m);
	ck_assert(th_report_has(t, "replay  #3   copy of #1 RST|ACK seq=777"));
	th_advance(t, 0);
	ck_assert(th_report_has(t, "recv    #3   RST|ACK seq=777 ack=1 len=0 "
				   "win=0 (replayed copy)"));
	/* The next segment is #4. */
	ck_assert_uint_eq(th_net_send(t, HA, HB, &s), 4);
}
END_TEST

START_TEST(replay_of_dropped_segment)
{
	/* A dropped segment was still sent: it can be replayed. */
	th *t = th_new("host a 10.0.0.1\n"
		       "host b 10.0.0.2\n"
		       "0 net: drop a>b\n"
		       "1 net: replay 1\n",
		       0);
	th_line(t, 3);
	ts_seg s = seg_rst(A, B);
	ck_not_queued(t, th_net_send(t, HA, HB, &s));
	th_line(t, 4);
	const ts_pkt *q[2];
	ck_assert_int_eq(th_queued(t, 2, q, 2), 1);
	ck_assert_int_eq(q[0]->replayed, 1);
}
END_TEST

START_TEST(replay_unsent_is_an_error)
{
	th *t = run(CONN_TEXT "+0.5 net: replay 99\n", 2);
	ck_assert_str_eq(t->sim->run.err.msg,
			 "segment #99 has not been sent yet");
	ck_assert_int_eq(t->sim->run.err.line, 9);
}
END_TEST

START_TEST(replay_in_a_run_reaches_tcp)
{
	/* An old duplicate of the client's SYN reaches the established
	 * server connection: a challenge ACK answers it (RFC 5961 §4.2). */
	th *t = run(CONN_TEXT "+1 net: replay 1\n"
			      "+0.1 expect server>client ACK\n"
			      "expect server a state ESTABLISHED\n",
		    0);
	char line[300];
	th_report_line(t, "recv    #4 ", line, sizeof line);
	ck_assert_msg(strstr(line, "SYN     seq=1000 ack=0 len=0 win=64240") &&
			  strstr(line, "(replayed copy)"),
		      "the replayed SYN's line: %s", line);
	ck_assert(th_report_has(t, "challenge ACK"));
}
END_TEST

/* ---------------------------------------------------------------------- */
/* inject */

START_TEST(inject_explicit_ports)
{
	th *t = run("host client 10.0.0.1\n"
		    "host server 10.0.0.2\n"
		    "0 server: s = socket()\n"
		    "+0 server: bind(s, 80) = 0\n"
		    "+0 server: listen(s, 8) = 0\n"
		    "+0.5 net: inject client:1234>server:80 SYN seq 100 ack 0\n"
		    "expect no client>server SYN\n"
		    "+1 expect server>client SYN\n",
		    0);
	const th_cap *c = th_take(t);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(c->injected, 1);
	ck_assert_uint_eq(c->num, 1);
	ck_assert_int_eq(c->at, TS_MS(500));
	char m[600];
	/* win: 65535 when not given */
	ts_seg want = th_seg(A, 1234, B, 80, TS_SYN, 100, 0, 0, 65535);
	want.mss = 0;
	ck_assert_msg(th_seg_eq(&c->seg, &want, m, sizeof m), "%s", m);
	/* It travelled the link (10ms) and the listener answered it. */
	ck_assert(th_report_has(t, "0.500000  client  inject  #1   "
				   "client:1234 > server:80  SYN"));
	ck_assert(th_report_has(t, "0.510000  server  recv    #1 "));
	ck_send(t,
		th_seg(B, 80, A, 1234, TS_SYN | TS_ACK, 2000, 101, 0, 64240));
}
END_TEST

START_TEST(inject_only_connection)
{
	th *t = run(CONN_TEXT "+0.5 net: inject server>client ACK seq 5 ack 6 "
			      "len 10 win 100\n",
		    0);
	const th_cap *c = NULL;
	for (const th_cap *k; (k = th_take(t));)
		if (k->injected)
			c = k;
	ck_assert_ptr_nonnull(c);
	char m[600];
	ts_seg want = th_seg(B, 80, A, 40000, TS_ACK, 5, 6, 10, 100);
	ck_assert_msg(th_seg_eq(&c->seg, &want, m, sizeof m), "%s", m);
	ck_assert_int_eq(c->from, HB);
	ck_assert_int_eq(c->to, HA);
}
END_TEST

START_TEST(inject_one_port_picks_the_connection)
{
	/* With two connections, a port given on one side chooses between
	 * them; the other side's port comes from that connection. */
	th *t = run(CONN_TEXT "+0 client: d = socket()\n"
			      "+0 client: bind(d, 40007) = 0\n"
			      "+0 client: connect(d, server:80) = 0\n"
			      "+0 server: b = accept(s)\n"
			      "+0.5 net: inject client:40007>server ACK seq 5 "
			      "ack 6\n",
		    0);
	const th_cap *c = NULL;
	for (const th_cap *k; (k = th_take(t));)
		if (k->injected)
			c = k;
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(c->seg.sport, 40007);
	ck_assert_int_eq(c->seg.dport, 80);
}
END_TEST

START_TEST(inject_ambiguous_is_an_error)
{
	th *t =
	    run(CONN_TEXT "+0 client: d = socket()\n"
			  "+0 client: connect(d, server:80) = 0\n"
			  "+0 server: b = accept(s)\n"
			  "+0.5 net: inject server>client RST seq 1 ack 0\n",
		2);
	ck_assert_str_eq(t->sim->run.err.msg,
			 "inject needs ports: there is not exactly one "
			 "connection between server and client");
	ck_assert_int_eq(t->sim->run.err.line, 12);
}
END_TEST

START_TEST(inject_without_connection_is_an_error)
{
	th *t = run("host client 10.0.0.1\n"
		    "host server 10.0.0.2\n"
		    "0 net: inject client>server SYN seq 1 ack 0\n",
		    2);
	ck_assert_str_eq(t->sim->run.err.msg,
			 "inject needs ports: there is not exactly one "
			 "connection between client and server");
}
END_TEST

START_TEST(inject_faults_apply)
{
	/* An injected segment travels the link like any other: a drop rule
	 * takes it. */
	th *t = run("host client 10.0.0.1\n"
		    "host server 10.0.0.2\n"
		    "0 net: drop client>server\n"
		    "+0 net: inject client:1>server:2 SYN seq 1 ack 0\n",
		    0);
	ck_assert(th_report_has(t, "inject  #1   client:1 > server:2  SYN     "
				   "seq=1 ack=0 len=0 win=65535  DROPPED by "
				   "the network (line 3)"));
	ck_assert(!th_report_has(t, "recv"));
}
END_TEST

/* ---------------------------------------------------------------------- */
/* crash */

START_TEST(crash_segments_to_down_host_lost)
{
	th *t = th_new(NET_TEXT, 0);
	ts_seg s = seg_syn(A, C);
	th_net_send(t, HA, HC, &s); /* #1, in flight when c crashes */
	th_do(t, "c: crash");
	th_advance(t, TS_MS(10));
	th_net_send(t, HA, HC, &s); /* #2, sent to a host already down */
	th_advance(t, TS_SEC(1));
	ck_assert(
	    th_report_has(t, "0.010000  c       lost    #1   SYN: c is down"));
	ck_assert(
	    th_report_has(t, "0.020000  c       lost    #2   SYN: c is down"));
	/* A live host would have answered the SYN with RST: c sent nothing. */
	th_take(t);
	th_take(t);
	ck_no_send(t);
	ck_assert(!th_report_has(t, "recv"));
}
END_TEST

START_TEST(crash_run_nothing_answers)
{
	th *t = run(CONN_TEXT "+1 server: crash\n"
			      "+0 client: write(c, 100) = 100\n"
			      "+0.5 expect no server>client RST\n"
			      "expect no server>client ACK\n",
		    0);
	ck_assert(th_report_has(t, "server  lost    #4   PSH|ACK: server is "
				   "down"));
}
END_TEST

/* ---------------------------------------------------------------------- */
/* What "expect A>B KIND" counts */

START_TEST(expect_counts_kinds)
{
	th *t = th_new(NET_TEXT, 0);
	ts_seg synack = seg_syn(A, B), datafin = seg_data(A, B);
	synack.flags |= TS_ACK;
	datafin.flags |= TS_FIN;
	ts_seg ack = seg_ack(A, B), rst = seg_rst(A, B);
	th_net_send(t, HA, HB, &synack);
	th_net_send(t, HA, HB, &datafin);
	th_net_send(t, HA, HB, &ack);
	th_net_send(t, HA, HB, &rst);
	const ts_dir *d = ts_net_dir(&t->sim->net, HA, HB);
	ck_assert_uint_eq(d->sent[TCPSIM_SEG_ANY], 4);
	ck_assert_uint_eq(d->sent[TCPSIM_SEG_SYN], 1);
	ck_assert_uint_eq(d->sent[TCPSIM_SEG_FIN], 1);
	ck_assert_uint_eq(d->sent[TCPSIM_SEG_DATA], 1);
	ck_assert_uint_eq(d->sent[TCPSIM_SEG_ACK], 1); /* only the bare one */
	ck_assert_uint_eq(d->sent[TCPSIM_SEG_RST], 1);
	ck_assert_uint_eq(ts_net_dir(&t->sim->net, HB, HA)->sent[0], 0);
}
END_TEST

START_TEST(expect_ignores_injected)
{
	/* The injected RST is on the wire, but the stacks sent none. */
	th *t = run(CONN_TEXT "+0.5 net: inject client>server RST seq 1 ack 0\n"
			      "expect no client>server RST\n",
		    0);
	ck_assert(
	    th_report_has(t, "expect  no client>server RST: ok (0 sent)"));
	const ts_dir *d = ts_net_dir(&t->sim->net, HA, HB);
	ck_assert_uint_eq(d->sent[TCPSIM_SEG_RST], 0);
}
END_TEST

START_TEST(expect_injected_alone_fails)
{
	th *t = run(CONN_TEXT "+0.5 net: inject client>server RST seq 1 ack 0\n"
			      "expect client>server RST\n",
		    1);
	ck_assert_int_eq(t->sim->exp.nfailed, 1);
	ck_assert(th_report_has(t, "expected client>server RST, got none"));
}
END_TEST

START_TEST(expect_counts_dropped_segments)
{
	/* A dropped segment was still sent by the stack. */
	th *t = run("host client 10.0.0.1\n"
		    "host server 10.0.0.2\n"
		    "0 net: drop client>server all\n"
		    "+0 client: c = socket()\n"
		    "+0 client: connect(c, server:80)\n"
		    "+0 expect client>server SYN\n"
		    "+3.5 expect client>server SYN\n",
		    0);
	ck_assert(th_report_has(t, "expect  client>server SYN: ok (1 sent)"));
	ck_assert(th_report_has(t, "expect  client>server SYN: ok (3 sent)"));
}
END_TEST

static Suite *net_suite(void)
{
	Suite *s = suite_create("net");
	TCase *tc = tcase_create("links");
	tcase_add_checked_fixture(tc, NULL, th_teardown);
	tcase_add_test(tc, numbers_in_send_order);
	tcase_add_test(tc, link_delay_per_pair);
	tcase_add_test(tc, link_delivery_reaches_host);
	tcase_add_test(tc, nostack_host_answers_nothing);
	tcase_add_test(tc, inject_carries_options);
	suite_add_tcase(s, tc);

	tc = tcase_create("drop");
	tcase_add_checked_fixture(tc, NULL, th_teardown);
	tcase_add_test(tc, drop_default_one);
	tcase_add_test(tc, drop_count);
	tcase_add_test(tc, drop_one_direction_only);
	tcase_add_test(tc, drop_kind_counts_only_that_kind);
	tcase_add_test(tc, drop_kind_ack_is_bare_ack);
	tcase_add_test(tc, drop_all_until_heal);
	tcase_add_test(tc, drop_all_kind);
	tcase_add_test(tc, heal_named_pair_only);
	tcase_add_test(tc, heal_leaves_counted_drops);
	suite_add_tcase(s, tc);

	tc = tcase_create("dup_delay");
	tcase_add_checked_fixture(tc, NULL, th_teardown);
	tcase_add_test(tc, dup_delivered_twice_same_number);
	tcase_add_test(tc, dup_count_kind);
	tcase_add_test(tc, dup_not_used_up_by_a_drop);
	tcase_add_test(tc, drop_seg_n_only_that_number);
	tcase_add_test(tc, seg_n_of_another_direction_never_matches);
	tcase_add_test(tc, delay_seg_n);
	tcase_add_test(tc, delay_arrives_late);
	tcase_add_test(tc, delay_reorders);
	tcase_add_test(tc, lane_one_event_per_direction);
	tcase_add_test(tc, delay_count_kind);
	suite_add_tcase(s, tc);

	tc = tcase_create("replay");
	tcase_add_checked_fixture(tc, NULL, th_teardown);
	tcase_add_test(tc, replay_copy_now_with_new_number);
	tcase_add_test(tc, replay_of_dropped_segment);
	tcase_add_test(tc, replay_unsent_is_an_error);
	tcase_add_test(tc, replay_in_a_run_reaches_tcp);
	suite_add_tcase(s, tc);

	tc = tcase_create("inject");
	tcase_add_checked_fixture(tc, NULL, th_teardown);
	tcase_add_test(tc, inject_explicit_ports);
	tcase_add_test(tc, inject_only_connection);
	tcase_add_test(tc, inject_one_port_picks_the_connection);
	tcase_add_test(tc, inject_ambiguous_is_an_error);
	tcase_add_test(tc, inject_without_connection_is_an_error);
	tcase_add_test(tc, inject_faults_apply);
	suite_add_tcase(s, tc);

	tc = tcase_create("crash");
	tcase_add_checked_fixture(tc, NULL, th_teardown);
	tcase_add_test(tc, crash_segments_to_down_host_lost);
	tcase_add_test(tc, crash_run_nothing_answers);
	suite_add_tcase(s, tc);

	tc = tcase_create("expect");
	tcase_add_checked_fixture(tc, NULL, th_teardown);
	tcase_add_test(tc, expect_counts_kinds);
	tcase_add_test(tc, expect_ignores_injected);
	tcase_add_test(tc, expect_injected_alone_fails);
	tcase_add_test(tc, expect_counts_dropped_segments);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(net_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
