/*
 * evq.h - the engine's single event queue.
 *
 * An indexed binary min-heap of intrusive events: each event lives inside the
 * object it belongs to (a socket's timer, a segment in flight, a blocked
 * process's timeout), so scheduling never allocates per event, and an event
 * can be moved or cancelled in O(log n). Ties on time are broken by the order
 * in which events were scheduled, which makes every run deterministic.
 */
#ifndef TS_EVQ_H
#define TS_EVQ_H

#include <stdint.h>

#include "base/time.h"

typedef enum ts_ev_kind {
	TS_EV_DELIVER,    /* a segment reaches its destination host */
	TS_EV_SOCK_TIMER, /* one of a socket's timers (ts_event.sub says which)
			   */
	TS_EV_PROC_TIMER  /* a blocked call's timeout (poll, linger) */
} ts_ev_kind;

typedef struct ts_event {
	ts_time when;
	uint64_t seq;  /* scheduling order: the tie-break */
	uint32_t slot; /* position in the heap + 1; 0 when not queued */
	uint8_t kind;  /* ts_ev_kind */
	uint8_t sub;   /* kind-specific (which timer) */
} ts_event;

typedef struct ts_evq {
	ts_event **heap;
	uint32_t n, cap;
	uint64_t seq;
} ts_evq;

void ts_evq_init(ts_evq *q);
void ts_evq_free(ts_evq *q);
/* Schedule EV at WHEN (re-scheduling it if already queued). -1: no memory. */
int ts_evq_schedule(ts_evq *q, ts_event *ev, ts_time when);
/* Remove EV if it is queued. */
void ts_evq_cancel(ts_evq *q, ts_event *ev);
/* The earliest event, or NULL. */
ts_event *ts_evq_peek(const ts_evq *q);
/* Remove and return the earliest event, or NULL. */
ts_event *ts_evq_pop(ts_evq *q);

static inline int ts_event_queued(const ts_event *ev)
{
	return ev->slot != 0;
}

#endif
