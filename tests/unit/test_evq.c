/*
 * test_evq.c - the engine's event queue (src/engine/evq.c): order by time,
 * ties broken by scheduling order, reschedule, cancel anywhere, and the heap
 * against a reference model under many seeded random operations. Also the
 * object pool and the hash map (src/base) that the engine's hot paths use.
 *
 * Pipeline: every timer and segment in flight of a run goes through this
 * queue, so its order is the order of the report.
 */
#include "base/hmap.h"
#include "base/pool.h"
#include "base/portmap.h"
#include "engine/evq.h"

#include <check.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NEV 8

/* Events of a test, each with a name to tell them apart. */
typedef struct tev {
	ts_event ev; /* first member: the queue hands back &ev */
	int id;
} tev;

static void init_events(tev *e, int n)
{
	memset(e, 0, (size_t)n * sizeof *e);
	for (int i = 0; i < n; i++) {
		e[i].ev.kind = TS_EV_SOCK_TIMER;
		e[i].id = i;
	}
}

/* A queue Q with events E[0..N-1] (made here) at times 10, 20, 30 ... */
static void queue_tens(ts_evq *q, tev *e, int n)
{
	ts_evq_init(q);
	init_events(e, n);
	for (int i = 0; i < n; i++)
		ts_evq_schedule(q, &e[i].ev, 10 * (i + 1));
}

static int pop_id(ts_evq *q)
{
	ts_event *ev = ts_evq_pop(q);
	return ev ? ((tev *)ev)->id : -1;
}

static int ent_before(const ts_evq_ent *a, const ts_evq_ent *b)
{
	return a->when < b->when || (a->when == b->when && a->seq < b->seq);
}

/* The heap property on the entries' keys, no entry after its event (a lazy
 * move leaves it earlier), the slot back-pointers, the idle count; checked
 * whole. In the loop, plain comparisons and ck_abort_msg: in fork mode
 * every passing ck_assert sends a message to the parent, too slow for the
 * model test. */
static void check_heap_fast(const ts_evq *q, int op)
{
	uint32_t idle = 0;
	for (uint32_t i = 0; i < q->n; i++) {
		const ts_evq_ent *x = &q->heap[i];
		const ts_event *e = x->ev;
		ts_evq_ent own = {e->when, e->seq, NULL};
		idle += e->idle;
		if (!e->idle && ent_before(&own, x))
			ck_abort_msg("op %d: heap entry %u after its event", op,
				     i);
		if (e->slot != i + 1)
			ck_abort_msg("op %d: heap slot %u holds slot %u", op, i,
				     e->slot - 1);
		if (i > 0 && ent_before(x, &q->heap[(i - 1) / 2]))
			ck_abort_msg("op %d: heap order broken at %u", op, i);
	}
	if (idle != q->nidle)
		ck_abort_msg("op %d: %u idle entries, the count says %u", op,
			     idle, q->nidle);
}

static void check_heap(const ts_evq *q)
{
	check_heap_fast(q, -1);
}

/* Pop everything; the ids must come out as WANT (-1 terminated). */
static void ck_pops(ts_evq *q, const int *want)
{
	for (int i = 0; want[i] >= 0; i++) {
		int got = pop_id(q);
		ck_assert_msg(got == want[i],
			      "pop %d: expected event %d, got %d", i, want[i],
			      got);
		check_heap(q);
	}
	ck_assert_ptr_null(ts_evq_peek(q));
}

/* ---------------------------------------------------------------------- */
/* An empty queue */

START_TEST(empty_pop_peek)
{
	ts_evq q;
	ts_evq_init(&q);
	ck_assert_ptr_null(ts_evq_peek(&q));
	ck_assert_ptr_null(ts_evq_pop(&q));
	ck_assert_uint_eq(ts_evq_len(&q), 0);
	ts_evq_free(&q);
}
END_TEST

START_TEST(empty_after_last_pop)
{
	ts_evq q;
	tev e[1];
	ts_evq_init(&q);
	init_events(e, 1);
	ck_assert_int_eq(ts_evq_schedule(&q, &e[0].ev, 5), 0);
	ck_assert_ptr_eq(ts_evq_pop(&q), &e[0].ev);
	ck_assert_ptr_null(ts_evq_pop(&q));
	ck_assert_ptr_null(ts_evq_peek(&q));
	ck_assert(!ts_event_queued(&e[0].ev));
	ts_evq_free(&q);
}
END_TEST

START_TEST(empty_cancel_unqueued_is_noop)
{
	ts_evq q;
	tev e[2];
	ts_evq_init(&q);
	init_events(e, 2);
	ts_evq_cancel(&q, &e[0].ev); /* never queued */
	ck_assert_int_eq(ts_evq_schedule(&q, &e[1].ev, 1), 0);
	ts_evq_cancel(&q, &e[0].ev);
	ck_assert_uint_eq(ts_evq_len(&q), 1);
	ck_assert_ptr_eq(ts_evq_peek(&q), &e[1].ev);
	ts_evq_free(&q);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Order */

START_TEST(order_by_time)
{
	ts_evq q;
	tev e[NEV];
	static const ts_time when[NEV] = {70, 10, 50, 30, 80, 20, 60, 40};
	ts_evq_init(&q);
	init_events(e, NEV);
	for (int i = 0; i < NEV; i++) {
		ck_assert_int_eq(ts_evq_schedule(&q, &e[i].ev, when[i]), 0);
		check_heap(&q);
	}
	ck_assert_ptr_eq(ts_evq_peek(&q), &e[1].ev);
	static const int want[] = {1, 5, 3, 7, 2, 6, 0, 4, -1};
	ck_pops(&q, want);
	ts_evq_free(&q);
}
END_TEST

START_TEST(order_equal_times_fifo)
{
	ts_evq q;
	tev e[NEV];
	ts_evq_init(&q);
	init_events(e, NEV);
	for (int i = 0; i < NEV; i++)
		ck_assert_int_eq(ts_evq_schedule(&q, &e[i].ev, 100), 0);
	static const int want[] = {0, 1, 2, 3, 4, 5, 6, 7, -1};
	ck_pops(&q, want);
	ts_evq_free(&q);
}
END_TEST

START_TEST(order_equal_times_interleaved)
{
	/* Ties keep scheduling order even when earlier and later events are
	 * scheduled in between. */
	ts_evq q;
	tev e[6];
	ts_evq_init(&q);
	init_events(e, 6);
	ts_evq_schedule(&q, &e[0].ev, 20);
	ts_evq_schedule(&q, &e[1].ev, 10);
	ts_evq_schedule(&q, &e[2].ev, 20);
	ts_evq_schedule(&q, &e[3].ev, 30);
	ts_evq_schedule(&q, &e[4].ev, 20);
	ts_evq_schedule(&q, &e[5].ev, 10);
	static const int want[] = {1, 5, 0, 2, 4, 3, -1};
	ck_pops(&q, want);
	ts_evq_free(&q);
}
END_TEST

START_TEST(order_pop_returns_the_event_itself)
{
	ts_evq q;
	tev e[2];
	ts_evq_init(&q);
	init_events(e, 2);
	ts_evq_schedule(&q, &e[1].ev, 3);
	ts_evq_schedule(&q, &e[0].ev, 4);
	ts_event *ev = ts_evq_pop(&q);
	ck_assert_ptr_eq(ev, &e[1].ev);
	ck_assert_int_eq(ev->when, 3);
	ck_assert_uint_eq(ev->slot, 0);
	ck_assert(ts_event_queued(&e[0].ev));
	ts_evq_free(&q);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Reschedule */

START_TEST(reschedule_earlier)
{
	ts_evq q;
	tev e[4];
	queue_tens(&q, e, 4);
	ck_assert_int_eq(ts_evq_schedule(&q, &e[3].ev, 5), 0);
	check_heap(&q);
	ck_assert_uint_eq(ts_evq_len(&q), 4); /* moved, not added twice */
	static const int want[] = {3, 0, 1, 2, -1};
	ck_pops(&q, want);
	ts_evq_free(&q);
}
END_TEST

START_TEST(reschedule_later)
{
	ts_evq q;
	tev e[4];
	queue_tens(&q, e, 4);
	ck_assert_int_eq(ts_evq_schedule(&q, &e[0].ev, 35), 0);
	check_heap(&q);
	ck_assert_uint_eq(ts_evq_len(&q), 4);
	ck_assert_int_eq(e[0].ev.when, 35);
	static const int want[] = {1, 2, 0, 3, -1};
	ck_pops(&q, want);
	ts_evq_free(&q);
}
END_TEST

/* A move later leaves the entry where it was, with its old key; the entry
 * takes the event's key only when it reaches the top. */
START_TEST(reschedule_later_is_lazy)
{
	ts_evq q;
	tev e[4];
	queue_tens(&q, e, 4);
	ck_assert_int_eq(ts_evq_schedule(&q, &e[0].ev, 35), 0);
	ck_assert_int_eq(ts_evq_schedule(&q, &e[0].ev, 45), 0);
	ck_assert_uint_eq(e[0].ev.slot, 1); /* still the top entry */
	ck_assert_int_eq(q.heap[0].when, 10);
	ck_assert_int_eq(e[0].ev.when, 45);
	check_heap(&q);
	ck_assert_ptr_eq(ts_evq_peek(&q), &e[1].ev);
	ck_assert_int_eq(q.heap[0].when, 20); /* e0's entry has its key */
	check_heap(&q);
	/* Moved back earlier than its entry: moved in place at once. */
	ck_assert_int_eq(ts_evq_schedule(&q, &e[2].ev, 31), 0);
	ck_assert_int_eq(ts_evq_schedule(&q, &e[3].ev, 15), 0);
	ck_assert_uint_eq(e[3].ev.slot, 1);
	static const int want[] = {3, 1, 2, 0, -1};
	ck_pops(&q, want);
	ts_evq_free(&q);
}
END_TEST

/* An event moved lazily past the horizon goes to the far tier when its
 * entry reaches the top, as if scheduled then: the heap keeps only what
 * is near. */
START_TEST(reschedule_later_past_the_horizon)
{
	ts_evq q;
	tev e[3];
	queue_tens(&q, e, 2);
	init_events(e + 2, 1);
	e[2].id = 2;
	ts_evq_schedule(&q, &e[2].ev, TS_SEC(1)); /* far: sets a horizon */
	ck_assert(e[2].ev.slot & TS_EVQ_FAR);
	ck_assert_int_eq(ts_evq_schedule(&q, &e[0].ev, TS_SEC(2)), 0);
	ck_assert(!(e[0].ev.slot & TS_EVQ_FAR)); /* lazy: still in the heap */
	ck_assert_ptr_eq(ts_evq_peek(&q), &e[1].ev);
	ck_assert(e[0].ev.slot & TS_EVQ_FAR); /* moved out at the top */
	ck_assert_uint_eq(ts_evq_len(&q), 3);
	check_heap(&q);
	static const int want[] = {1, 2, 0, -1};
	ck_pops(&q, want);
	ts_evq_free(&q);
}
END_TEST

/* An idle event is not queued; its entry goes when its time comes, or
 * serves again when the event is scheduled again. */
START_TEST(idle_dropped_or_revived)
{
	ts_evq q;
	tev e[4];
	queue_tens(&q, e, 4);
	ts_evq_idle(&q, &e[0].ev);
	ts_evq_idle(&q, &e[0].ev); /* twice: counted once */
	ts_evq_idle(&q, &e[2].ev);
	ck_assert(!ts_event_queued(&e[0].ev));
	ck_assert(!ts_event_queued(&e[2].ev));
	ck_assert_uint_eq(ts_evq_len(&q), 2);
	ck_assert_uint_eq(q.nidle, 2);
	check_heap(&q);
	/* e2 again, later: the same entry, no longer idle. */
	uint32_t slot = e[2].ev.slot;
	ck_assert_int_eq(ts_evq_schedule(&q, &e[2].ev, 50), 0);
	ck_assert_uint_eq(e[2].ev.slot, slot);
	ck_assert(ts_event_queued(&e[2].ev));
	ck_assert_uint_eq(ts_evq_len(&q), 3);
	check_heap(&q);
	/* e0's entry is dropped on the way to e1. */
	ck_assert_ptr_eq(ts_evq_pop(&q), &e[1].ev);
	ck_assert_uint_eq(e[0].ev.slot, 0);
	ck_assert_uint_eq(q.nidle, 0);
	static const int want[] = {3, 2, -1};
	ck_pops(&q, want);
	ts_evq_free(&q);
}
END_TEST

/* Cancel takes an idle event's entry out at once: its object may then be
 * freed. */
START_TEST(cancel_idle_removes_its_entry)
{
	ts_evq q;
	tev e[3];
	queue_tens(&q, e, 3);
	ts_evq_idle(&q, &e[1].ev);
	ts_evq_cancel(&q, &e[1].ev);
	ck_assert_uint_eq(e[1].ev.slot, 0);
	ck_assert_uint_eq(e[1].ev.idle, 0);
	ck_assert_uint_eq(q.n, 2);
	ck_assert_uint_eq(q.nidle, 0);
	check_heap(&q);
	static const int want[] = {0, 2, -1};
	ck_pops(&q, want);
	ts_evq_free(&q);
}
END_TEST

START_TEST(reschedule_same_time_goes_last)
{
	/* Rescheduling is scheduling anew: among equal times it now comes
	 * after those scheduled before it. */
	ts_evq q;
	tev e[3];
	ts_evq_init(&q);
	init_events(e, 3);
	for (int i = 0; i < 3; i++)
		ts_evq_schedule(&q, &e[i].ev, 10);
	ts_evq_schedule(&q, &e[0].ev, 10);
	static const int want[] = {1, 2, 0, -1};
	ck_pops(&q, want);
	ts_evq_free(&q);
}
END_TEST

START_TEST(reschedule_after_pop)
{
	ts_evq q;
	tev e[2];
	ts_evq_init(&q);
	init_events(e, 2);
	ts_evq_schedule(&q, &e[0].ev, 1);
	ts_evq_schedule(&q, &e[1].ev, 2);
	ck_assert_int_eq(pop_id(&q), 0);
	ts_evq_schedule(&q, &e[0].ev, 3);
	static const int want[] = {1, 0, -1};
	ck_pops(&q, want);
	ts_evq_free(&q);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Cancel */

static void seven(ts_evq *q, tev *e)
{
	ts_evq_init(q);
	init_events(e, 7);
	/* times 10..70: e[0] is the head, e[6] the last */
	static const int order[] = {3, 1, 5, 0, 2, 4, 6};
	for (int i = 0; i < 7; i++)
		ts_evq_schedule(q, &e[order[i]].ev, 10 * (order[i] + 1));
	check_heap(q);
}

START_TEST(cancel_head)
{
	ts_evq q;
	tev e[7];
	seven(&q, e);
	ck_assert_ptr_eq(ts_evq_peek(&q), &e[0].ev);
	ts_evq_cancel(&q, &e[0].ev);
	ck_assert(!ts_event_queued(&e[0].ev));
	check_heap(&q);
	static const int want[] = {1, 2, 3, 4, 5, 6, -1};
	ck_pops(&q, want);
	ts_evq_free(&q);
}
END_TEST

START_TEST(cancel_middle)
{
	ts_evq q;
	tev e[7];
	seven(&q, e);
	ts_evq_cancel(&q, &e[3].ev);
	ts_evq_cancel(&q, &e[4].ev);
	ck_assert_uint_eq(ts_evq_len(&q), 5);
	check_heap(&q);
	static const int want[] = {0, 1, 2, 5, 6, -1};
	ck_pops(&q, want);
	ts_evq_free(&q);
}
END_TEST

START_TEST(cancel_last_slot)
{
	/* The event in the last array slot: removing it moves nothing. */
	ts_evq q;
	tev e[7];
	seven(&q, e);
	ts_event *last = q.heap[q.n - 1].ev;
	int id = ((tev *)last)->id;
	ts_evq_cancel(&q, last);
	ck_assert_uint_eq(ts_evq_len(&q), 6);
	check_heap(&q);
	int want[7], k = 0;
	for (int i = 0; i < 7; i++)
		if (i != id)
			want[k++] = i;
	want[k] = -1;
	ck_pops(&q, want);
	ts_evq_free(&q);
}
END_TEST

START_TEST(cancel_latest)
{
	ts_evq q;
	tev e[7];
	seven(&q, e);
	ts_evq_cancel(&q, &e[6].ev);
	static const int want[] = {0, 1, 2, 3, 4, 5, -1};
	ck_pops(&q, want);
	ts_evq_free(&q);
}
END_TEST

START_TEST(cancel_twice)
{
	ts_evq q;
	tev e[7];
	seven(&q, e);
	ts_evq_cancel(&q, &e[2].ev);
	ts_evq_cancel(&q, &e[2].ev);
	ck_assert_uint_eq(ts_evq_len(&q), 6);
	static const int want[] = {0, 1, 3, 4, 5, 6, -1};
	ck_pops(&q, want);
	ts_evq_free(&q);
}
END_TEST

START_TEST(cancel_moved_up_replacement)
{
	/* Removing an event from a deep slot whose replacement (the last
	 * event) is earlier than the removed one's parent: it must sift up.
	 *   heap: 0:[1] 1:[50] 2:[2] 3:[60] 4:[70] 5:[3] 6:[4]
	 * cancelling 60 (slot 3) moves 4 into slot 3, below 50. */
	ts_evq q;
	tev e[7];
	static const ts_time when[7] = {1, 50, 2, 60, 70, 3, 4};
	ts_evq_init(&q);
	init_events(e, 7);
	for (int i = 0; i < 7; i++)
		ts_evq_schedule(&q, &e[i].ev, when[i]);
	check_heap(&q);
	ts_evq_cancel(&q, &e[3].ev);
	check_heap(&q);
	static const int want[] = {0, 2, 5, 6, 1, 4, -1};
	ck_pops(&q, want);
	ts_evq_free(&q);
}
END_TEST

START_TEST(free_unqueues_everything)
{
	ts_evq q;
	tev e[7];
	seven(&q, e);
	ts_evq_free(&q);
	for (int i = 0; i < 7; i++)
		ck_assert(!ts_event_queued(&e[i].ev));
	ck_assert_uint_eq(ts_evq_len(&q), 0);
	ck_assert_ptr_null(ts_evq_peek(&q));
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Against a reference model */

#define MODEL_N   300
#define MODEL_OPS 40000

static uint64_t rng_next(uint64_t *s)
{
	/* xorshift64*, seeded: the same sequence on every run */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

typedef struct model {
	int queued[MODEL_N];
	ts_time when[MODEL_N];
	uint64_t order[MODEL_N];
	uint64_t next_order;
	int n;
} model;

static int model_min(const model *m)
{
	int best = -1;
	for (int i = 0; i < MODEL_N; i++) {
		if (!m->queued[i])
			continue;
		if (best < 0 || m->when[i] < m->when[best] ||
		    (m->when[i] == m->when[best] &&
		     m->order[i] < m->order[best]))
			best = i;
	}
	return best;
}

/* Random operations checked against a model. CLOCKED: times are a delay
 * after the last event popped, as in a simulation; otherwise anywhere in
 * [0, SPAN). */
static void run_model_at(uint64_t seed, ts_time span, int clocked)
{
	ts_time now = 0;
	ts_evq q;
	tev e[MODEL_N];
	model m;
	memset(&m, 0, sizeof m);
	ts_evq_init(&q);
	init_events(e, MODEL_N);
	uint64_t s = seed;
	int pops = 0, cancels = 0, rescheds = 0, idles = 0, laters = 0;
	int replaces = 0;
	for (int op = 0; op < MODEL_OPS; op++) {
		uint64_t r = rng_next(&s);
		int i = (int)(r % MODEL_N);
		ts_time when = (ts_time)((r >> 20) % (uint64_t)span);
		if (clocked)
			when += now;
		int want;
		ts_event *got;
		switch ((r >> 8) % 8) {
		case 0:
		case 1:
		case 2: /* schedule or reschedule */
			if (m.queued[i])
				rescheds++;
			else
				m.n++;
			if (m.queued[i] && when > m.when[i])
				laters++;
			if (ts_evq_schedule(&q, &e[i].ev, when) < 0)
				ck_abort_msg("op %d: schedule failed", op);
			m.queued[i] = 1;
			m.when[i] = when;
			m.order[i] = m.next_order++;
			break;
		case 3: /* cancel or make idle, queued or not */
			if (m.queued[i]) {
				m.queued[i] = 0;
				m.n--;
				cancels++;
			}
			if ((r >> 11) & 1) {
				ts_evq_idle(&q, &e[i].ev);
				idles++;
			} else {
				ts_evq_cancel(&q, &e[i].ev);
			}
			break;
		case 4:
		case 5: /* pop; or pop and queue event I in its place, as the
			 * next segment of a lane is (with its own seq) */
			want = model_min(&m);
			int repl = (r >> 8) % 8 == 5 && want >= 0 &&
				   i != want && !e[i].ev.slot;
			if (repl) {
				e[i].ev.when = when;
				e[i].ev.seq = q.seq++;
				got = ts_evq_pop_replace(&q, &e[i].ev);
			} else {
				got = ts_evq_pop(&q);
			}
			if (got != (want < 0 ? NULL : &e[want].ev))
				ck_abort_msg("op %d: pop: expected event %d, "
					     "got %d",
					     op, want,
					     got ? ((tev *)got)->id : -1);
			if (want >= 0) {
				m.queued[want] = 0;
				m.n--;
				pops++;
				now = m.when[want];
			}
			if (repl) {
				m.queued[i] = 1;
				m.n++;
				m.when[i] = when;
				m.order[i] = m.next_order++;
				replaces++;
			}
			break;
		default: /* peek */
			want = model_min(&m);
			got = ts_evq_peek(&q);
			if (got != (want < 0 ? NULL : &e[want].ev))
				ck_abort_msg("op %d: peek: expected event %d, "
					     "got %d",
					     op, want,
					     got ? ((tev *)got)->id : -1);
			break;
		}
		if (ts_evq_len(&q) != (uint64_t)m.n)
			ck_abort_msg("op %d: %llu queued, the model has %d", op,
				     (unsigned long long)ts_evq_len(&q), m.n);
		for (int k = 0; k < MODEL_N; k++)
			if (ts_event_queued(&e[k].ev) != m.queued[k])
				ck_abort_msg("op %d: event %d queued: %d, the "
					     "model: %d",
					     op, k, ts_event_queued(&e[k].ev),
					     m.queued[k]);
		check_heap_fast(&q, op);
	}
	/* Every kind of operation really happened. */
	ck_assert_int_gt(pops, 1000);
	ck_assert_int_gt(cancels, 1000);
	ck_assert_int_gt(rescheds, 1000);
	ck_assert_int_gt(idles, 500);
	ck_assert_int_gt(laters, 300);
	ck_assert_int_gt(replaces, 300);
	/* Drain: the rest comes out in model order. */
	for (int want; (want = model_min(&m)) >= 0;) {
		if (ts_evq_pop(&q) != &e[want].ev)
			ck_abort_msg("drain: expected event %d", want);
		m.queued[want] = 0;
	}
	ck_assert_ptr_null(ts_evq_pop(&q));
	ts_evq_free(&q);
}

static void run_model(uint64_t seed, ts_time span)
{
	run_model_at(seed, span, 0);
}

START_TEST(model_random_ops)
{
	run_model(0x9e3779b97f4a7c15ULL, 1000000);
}
END_TEST

START_TEST(model_random_ops_many_ties)
{
	/* Eight distinct times only: most comparisons are tie-breaks. */
	run_model(42, 8);
}
END_TEST

START_TEST(model_random_ops_far)
{
	/* Up to 3000 s ahead: most events wait in the far buckets, and are
	 * poured into the heap as the horizon moves. */
	run_model(7, TS_SEC(3000));
	run_model_at(7, TS_SEC(3000), 1);
	run_model_at(8, TS_SEC(100), 1);
}
END_TEST

START_TEST(model_random_ops_beyond_ring)
{
	/* Up to 20000 s: some events lie beyond the ring of buckets (about
	 * 4295 s) and go straight into the heap. */
	run_model(11, TS_SEC(20000));
	run_model_at(11, TS_SEC(20000), 1);
}
END_TEST

START_TEST(far_events_in_order)
{
	/* A million microseconds apart and more: each in its own slice,
	 * scheduled in reverse, popped in order; ties in one slice keep the
	 * scheduling order. */
	ts_evq q;
	tev e[6];
	ts_evq_init(&q);
	init_events(e, 6);
	ts_evq_schedule(&q, &e[0].ev, TS_MS(1)); /* near */
	ts_evq_schedule(&q, &e[5].ev, TS_SEC(60) + 7);
	ts_evq_schedule(&q, &e[4].ev, TS_SEC(60) + 7);
	ts_evq_schedule(&q, &e[3].ev, TS_SEC(60));
	ts_evq_schedule(&q, &e[2].ev, TS_SEC(5));
	ts_evq_schedule(&q, &e[1].ev, TS_SEC(2));
	ck_assert_uint_eq(ts_evq_len(&q), 6);
	ck_assert(ts_event_queued(&e[3].ev));
	static const int want[] = {0, 1, 2, 3, 5, 4, -1};
	ck_pops(&q, want);
	ts_evq_free(&q);
}
END_TEST

START_TEST(far_cancel_and_free)
{
	ts_evq q;
	tev e[4];
	ts_evq_init(&q);
	init_events(e, 4);
	ts_evq_schedule(&q, &e[0].ev, TS_MS(1));
	ts_evq_schedule(&q, &e[1].ev, TS_SEC(60));
	ts_evq_schedule(&q, &e[2].ev, TS_SEC(60));
	ts_evq_schedule(&q, &e[3].ev, TS_SEC(61));
	ts_evq_cancel(&q, &e[1].ev); /* the first of its bucket */
	ck_assert(!ts_event_queued(&e[1].ev));
	ck_assert_uint_eq(ts_evq_len(&q), 3);
	ts_evq_free(&q);
	for (int i = 0; i < 4; i++)
		ck_assert(!ts_event_queued(&e[i].ev));
}
END_TEST

/* ---- the object pool (base/pool.c), on which the queue's users live ---- */

typedef struct pobj {
	uint64_t a;
	struct pobj *link; /* the free-list pointer */
	uint32_t b;
} pobj;

START_TEST(pool_in_order_and_reused)
{
	/* A new chunk is handed out first object first, zeroed; a put object
	 * comes back first (LIFO); chunks never move. */
	ts_pool p;
	ts_pool_init(&p, sizeof(pobj), offsetof(pobj, link), 4);
	pobj *o[6];
	for (int i = 0; i < 6; i++) {
		o[i] = ts_pool_get(&p);
		ck_assert_ptr_nonnull(o[i]);
		ck_assert(o[i]->a == 0 && o[i]->b == 0);
		o[i]->a = (uint64_t)i + 1;
	}
	ck_assert_int_eq(p.nchunks, 2);
	ck_assert_int_eq(ts_pool_used(&p, 0), 4);
	ck_assert_int_eq(ts_pool_used(&p, 1), 2); /* the rest never handed */
	for (int i = 0; i < 4; i++)
		ck_assert_ptr_eq(o[i], ts_pool_at(&p, 0, (unsigned)i));
	ck_assert_ptr_eq(o[4], ts_pool_at(&p, 1, 0));
	ts_pool_put(&p, o[2]);
	ts_pool_put(&p, o[0]);
	ck_assert_ptr_eq(ts_pool_get(&p), o[0]);
	ck_assert_ptr_eq(ts_pool_get(&p), o[2]);
	ck_assert(o[2]->a == 3); /* as put back: the caller resets it */
	pobj *n = ts_pool_get(&p);
	ck_assert_ptr_eq(n, ts_pool_at(&p, 1, 2));
	ck_assert(n->a == 0 && n->b == 0); /* zeroed as it is handed out */
	ck_assert_int_eq(ts_pool_used(&p, 1), 3);
	ts_pool_free(&p);
	ck_assert_int_eq(p.nchunks, 0);
	ck_assert_ptr_null(p.free);
}
END_TEST

/* ---- the hash map (base/hmap.c): sockets by connection, ports ---- */

/* A connection's key as tcp_conn.c makes it: local port, remote address,
 * remote port. */
static uint64_t ckey(uint16_t lport, uint32_t raddr, uint16_t rport)
{
	return ((uint64_t)lport << 48) | ((uint64_t)raddr << 16) | rport;
}

/* The farthest any key sits from its home slot. */
static size_t worst_probe(const ts_hmap *m)
{
	size_t worst = 0;
	for (size_t i = 0; i <= m->mask; i++) {
		if (!m->slots[i].val)
			continue;
		size_t home =
		    (size_t)((m->slots[i].key * 0x9e3779b97f4a7c15ULL) >>
			     m->shift);
		size_t d = (i - home) & m->mask;
		if (d > worst)
			worst = d;
	}
	return worst;
}

/* Key I of SHAPE: differing only in the local port (a client's
 * connections), only in the remote port (a server's), or in both. */
static uint64_t shaped_key(int shape, uint32_t i)
{
	uint16_t a = (uint16_t)(1024 + i);
	if (shape == 0)
		return ckey(a, 0x0a000002, 5000);
	if (shape == 1)
		return ckey(5000, 0x0a000001, a);
	return ckey(a, 0x0a000001, a);
}

/* Each key finds its value, the deleted ones are gone, and no key sits
 * far from home. Plain comparisons in the loops (see check_heap_fast). */
START_TEST(hmap_connection_keys)
{
	enum { N = 60000 };
	for (int shape = 0; shape < 3; shape++) {
		ts_hmap m;
		ts_hmap_init(&m);
		for (uint32_t i = 0; i < N; i++)
			if (ts_hmap_put(&m, shaped_key(shape, i),
					(void *)(uintptr_t)(i + 1)) < 0)
				ck_abort_msg("shape %d: put %u failed", shape,
					     i);
		ck_assert_uint_eq(m.n, N);
		ck_assert_uint_le(worst_probe(&m), 64);
		for (uint32_t i = 0; i < N; i += 2)
			if (ts_hmap_del(&m, shaped_key(shape, i)) !=
			    (void *)(uintptr_t)(i + 1))
				ck_abort_msg("shape %d: del %u", shape, i);
		for (uint32_t i = 0; i < N; i++) {
			void *want = i % 2 ? (void *)(uintptr_t)(i + 1) : NULL;
			if (ts_hmap_get(&m, shaped_key(shape, i)) != want)
				ck_abort_msg("shape %d: get %u", shape, i);
		}
		ck_assert_uint_eq(m.n, N / 2);
		ts_hmap_free(&m);
	}
}
END_TEST

/* Small keys (ports): put replaces, del of an absent key is NULL. */
START_TEST(hmap_ports)
{
	ts_hmap m;
	ts_hmap_init(&m);
	ck_assert_ptr_null(ts_hmap_get(&m, 80));
	ck_assert_ptr_null(ts_hmap_del(&m, 80));
	for (uintptr_t p = 1; p <= 100; p++)
		ck_assert_int_eq(ts_hmap_put(&m, p, (void *)p), 0);
	ck_assert_int_eq(ts_hmap_put(&m, 7, (void *)(uintptr_t)70), 0);
	ck_assert_uint_eq(m.n, 100);
	ck_assert_ptr_eq(ts_hmap_get(&m, 7), (void *)(uintptr_t)70);
	ck_assert_ptr_eq(ts_hmap_get(&m, 100), (void *)(uintptr_t)100);
	ck_assert_ptr_null(ts_hmap_get(&m, 101));
	ck_assert_ptr_null(ts_hmap_del(&m, 101));
	ck_assert_uint_le(worst_probe(&m), 16);
	ts_hmap_free(&m);
}
END_TEST

/* ---- bound-port counters (base/portmap.c) ---- */

/* Counts go up and down per port, ports apart do not mix (the ends of the
 * range and the edges of a page included), and a page is made only for a
 * port bound in it. */
START_TEST(portmap_counts)
{
	ts_portmap m = {0};
	static const uint16_t ports[] = {0,     1,     255,   256,
					 32768, 65279, 65280, 65535};
	size_t n = sizeof ports / sizeof ports[0];
	for (size_t i = 0; i < n; i++)
		ck_assert_uint_eq(ts_portmap_get(&m, ports[i]), 0);
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k <= i; k++)
			ck_assert_int_eq(ts_portmap_take(&m, ports[i]), 0);
	for (size_t i = 0; i < n; i++)
		ck_assert_uint_eq(ts_portmap_get(&m, ports[i]), i + 1);
	ck_assert_uint_eq(ts_portmap_get(&m, 2), 0);
	ck_assert_uint_eq(ts_portmap_get(&m, 32769), 0);
	ck_assert_uint_eq(ts_portmap_get(&m, 65534), 0);
	ck_assert_ptr_null(m.page[2]); /* ports 512-767: none bound */
	ck_assert_ptr_nonnull(m.page[32768 / TS_PORTMAP_PAGE]);
	for (size_t i = 0; i < n; i++) {
		ts_portmap_put(&m, ports[i]);
		ck_assert_uint_eq(ts_portmap_get(&m, ports[i]), i);
	}
	ts_portmap_put(&m, 0); /* the last user of port 0 */
	ts_portmap_put(&m, 0); /* none left: stays at zero */
	ts_portmap_put(&m, 9); /* on a page never made */
	ck_assert_uint_eq(ts_portmap_get(&m, 0), 0);
	ck_assert_uint_eq(ts_portmap_get(&m, 9), 0);
	ck_assert_uint_eq(ts_portmap_get(&m, 65535), n - 1);
	ts_portmap_free(&m);
	ck_assert_uint_eq(ts_portmap_get(&m, 65535), 0);
	ck_assert_ptr_null(m.page[65535 / TS_PORTMAP_PAGE]);
}
END_TEST

static Suite *evq_suite(void)
{
	Suite *s = suite_create("evq");
	TCase *tc = tcase_create("empty");
	tcase_add_test(tc, empty_pop_peek);
	tcase_add_test(tc, empty_after_last_pop);
	tcase_add_test(tc, empty_cancel_unqueued_is_noop);
	suite_add_tcase(s, tc);

	tc = tcase_create("order");
	tcase_add_test(tc, order_by_time);
	tcase_add_test(tc, order_equal_times_fifo);
	tcase_add_test(tc, order_equal_times_interleaved);
	tcase_add_test(tc, order_pop_returns_the_event_itself);
	suite_add_tcase(s, tc);

	tc = tcase_create("reschedule");
	tcase_add_test(tc, reschedule_earlier);
	tcase_add_test(tc, reschedule_later);
	tcase_add_test(tc, reschedule_later_is_lazy);
	tcase_add_test(tc, reschedule_later_past_the_horizon);
	tcase_add_test(tc, idle_dropped_or_revived);
	tcase_add_test(tc, cancel_idle_removes_its_entry);
	tcase_add_test(tc, reschedule_same_time_goes_last);
	tcase_add_test(tc, reschedule_after_pop);
	suite_add_tcase(s, tc);

	tc = tcase_create("cancel");
	tcase_add_test(tc, cancel_head);
	tcase_add_test(tc, cancel_middle);
	tcase_add_test(tc, cancel_last_slot);
	tcase_add_test(tc, cancel_latest);
	tcase_add_test(tc, cancel_twice);
	tcase_add_test(tc, cancel_moved_up_replacement);
	tcase_add_test(tc, free_unqueues_everything);
	suite_add_tcase(s, tc);

	/* Many seeded random operations against the reference model: the
	 * heaviest tests here. Their timeout is far above what they take even
	 * under a sanitizer on a loaded machine, so that only a hang fails
	 * them. */
	tc = tcase_create("model");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, model_random_ops);
	tcase_add_test(tc, model_random_ops_many_ties);
	tcase_add_test(tc, model_random_ops_far);
	tcase_add_test(tc, model_random_ops_beyond_ring);
	tcase_add_test(tc, far_events_in_order);
	tcase_add_test(tc, far_cancel_and_free);
	suite_add_tcase(s, tc);

	tc = tcase_create("pool");
	tcase_add_test(tc, pool_in_order_and_reused);
	suite_add_tcase(s, tc);

	tc = tcase_create("hmap");
	tcase_add_test(tc, hmap_connection_keys);
	tcase_add_test(tc, hmap_ports);
	suite_add_tcase(s, tc);

	tc = tcase_create("portmap");
	tcase_add_test(tc, portmap_counts);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(evq_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
