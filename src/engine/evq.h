/*
 * evq.h - the engine's single event queue.
 *
 * Intrusive events: each event lives inside the object it belongs to (a
 * socket's timer, a segment in flight, a blocked process's timeout), so
 * scheduling never allocates per event. Ties on time are broken by the order
 * in which events were scheduled, which makes every run deterministic.
 *
 * Two tiers. Events due before the horizon sit in an indexed binary min-heap
 * (O(log n) to add, move or cancel); events further ahead go unsorted into
 * the bucket of their 2^16 us (about 65 ms) slice, in a ring of 4096
 * slices (O(1) to add or cancel). When the heap's earliest event reaches
 * the horizon, the next slice's bucket is poured into the heap. So the
 * heap holds only the next tens of milliseconds of events, however many
 * timers wait further out (a million TIME_WAIT sockets, say); events
 * beyond the ring's ~4.5 minutes (keepalive's two hours) go straight into
 * the heap.
 *
 * Lazy moves. A socket's retransmission timer moves later on every ACK,
 * and its delayed-ACK timer is cleared and set again every other segment.
 * So an event in the heap that moves later keeps its entry, with the old
 * (earlier) key: only the event's own when and seq change. An event
 * made idle (ts_evq_idle) keeps its entry too, marked idle. An entry's
 * key is never after its event's, so the heap's top is found by putting
 * right the top entry until it is neither stale nor idle: each moved
 * event is sifted once when its old time comes, not once per move (or,
 * moved past the horizon, goes to its far bucket then). The order in
 * which events come out is the order of their own (when, seq), exactly
 * as if every move had been made at once.
 */
#ifndef TS_EVQ_H
#define TS_EVQ_H

#include <stdint.h>

#include "base/time.h"

typedef enum ts_ev_kind {
	TS_EV_DELIVER,    /* a segment reaches its destination host */
	TS_EV_SOCK_TIMER, /* one of a socket's timers (ts_event.sub says which)
			   */
	TS_EV_PROC_TIMER, /* a blocked call's timeout (poll, linger) */
	TS_EV_TW          /* the end of a time-wait record's TIME_WAIT */
} ts_ev_kind;

typedef struct ts_event {
	ts_time when;
	uint64_t seq;  /* scheduling order: the tie-break */
	uint32_t slot; /* position + 1 in the heap, or in its far bucket with
			* TS_EVQ_FAR set; 0 when not queued */
	uint8_t kind;  /* ts_ev_kind */
	uint8_t sub;   /* kind-specific (which timer) */
	uint8_t idle;  /* made idle: its heap entry waits to be dropped */
} ts_event;

/* A heap entry: the key is kept beside the pointer, so that ordering the
 * heap reads only the array. */
typedef struct ts_evq_ent {
	ts_time when;
	uint64_t seq;
	ts_event *ev;
} ts_evq_ent;

#define TS_EVQ_SLICE_BITS 16 /* a far bucket spans 2^16 us */
#define TS_EVQ_FAR        0x80000000u
#define TS_EVQ_NBUCKETS   4096
#define TS_EVQ_PAGE       256 /* buckets per page of the ring (4 KiB) */

typedef struct ts_evq_bucket {
	ts_event **ev;
	uint32_t n, cap;
} ts_evq_bucket;

typedef struct ts_evq {
	ts_evq_ent *heap;
	uint32_t n, cap; /* events in the heap */
	uint64_t seq;
	ts_time horizon; /* start of the first far slice */
	/* The ring, TS_EVQ_NBUCKETS buckets in pages allocated on first use:
	 * a run touches only the pages of the slices it uses. */
	ts_evq_bucket *far[TS_EVQ_NBUCKETS / TS_EVQ_PAGE];
	uint64_t nfar;  /* events in far buckets */
	uint32_t nidle; /* heap entries of idle events */
	int top_ok;     /* the top entry is the earliest event (as
			 * ts_evq_peek leaves it) and nothing moved it */
} ts_evq;

void ts_evq_init(ts_evq *q);
void ts_evq_free(ts_evq *q);
/* Schedule EV at WHEN (re-scheduling it if already queued). -1: no memory. */
int ts_evq_schedule(ts_evq *q, ts_event *ev, ts_time when);
/* Schedule EV at WHEN with the tie-break SEQ it had before (an event that
 * moves from one object to another keeps its place). -1: no memory. */
int ts_evq_schedule_seq(ts_evq *q, ts_event *ev, ts_time when, uint64_t seq);
/* Remove EV if it is queued (or idle): afterwards the queue holds no
 * pointer to it, and it may be freed. */
void ts_evq_cancel(ts_evq *q, ts_event *ev);
/* Take EV off the queue as ts_evq_cancel does, except that its heap entry
 * may stay until its time comes or EV is scheduled again: EV must stay
 * alive until then or until ts_evq_cancel. */
void ts_evq_idle(ts_evq *q, ts_event *ev);
/* The earliest event, or NULL. */
ts_event *ts_evq_top(ts_evq *q);
static inline ts_event *ts_evq_peek(ts_evq *q)
{
	return q->top_ok ? q->heap[0].ev : ts_evq_top(q);
}
/* Remove and return the earliest event, or NULL. */
ts_event *ts_evq_pop(ts_evq *q);
/* The same, and NEXT (NULL, or an event without an entry, not even an
 * idle one) is scheduled at its own when and seq in the place the
 * earliest leaves: one sift instead of two (the next segment of a lane).
 */
ts_event *ts_evq_pop_replace(ts_evq *q, ts_event *next);
/* How many events are queued. */
uint64_t ts_evq_len(const ts_evq *q);
/* Call FN on every queued event, in no particular order. */
void ts_evq_each(const ts_evq *q, void (*fn)(void *ctx, const ts_event *ev),
		 void *ctx);

static inline int ts_event_queued(const ts_event *ev)
{
	return ev->slot != 0 && !ev->idle;
}

#endif
