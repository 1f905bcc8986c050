/*
 * evq.c - the event queue: an indexed binary heap ordered by (when, seq) for
 * what is near, and a ring of unsorted one-slice buckets for what is far
 * (see evq.h).
 */
#include "engine/evq.h"

#include <stdlib.h>

static int before(const ts_evq_ent *a, const ts_evq_ent *b)
{
	if (a->when != b->when)
		return a->when < b->when;
	return a->seq < b->seq;
}

static void place(ts_evq *q, uint32_t i, ts_evq_ent e)
{
	q->heap[i] = e;
	e.ev->slot = i + 1;
}

static void sift_up(ts_evq *q, uint32_t i)
{
	ts_evq_ent e = q->heap[i];
	while (i > 0) {
		uint32_t parent = (i - 1) / 2;
		if (!before(&e, &q->heap[parent]))
			break;
		place(q, i, q->heap[parent]);
		i = parent;
	}
	place(q, i, e);
}

static void sift_down(ts_evq *q, uint32_t i)
{
	ts_evq_ent e = q->heap[i];
	for (;;) {
		uint32_t c = 2 * i + 1;
		if (c >= q->n)
			break;
		if (c + 1 < q->n && before(&q->heap[c + 1], &q->heap[c]))
			c++;
		if (!before(&q->heap[c], &e))
			break;
		place(q, i, q->heap[c]);
		i = c;
	}
	place(q, i, e);
}

void ts_evq_init(ts_evq *q)
{
	q->heap = NULL;
	q->n = q->cap = 0;
	q->seq = 0;
	q->horizon = 0;
	for (int i = 0; i < TS_EVQ_NBUCKETS / TS_EVQ_PAGE; i++)
		q->far[i] = NULL;
	q->nfar = 0;
	q->nidle = 0;
	q->top_ok = 0;
}

void ts_evq_free(ts_evq *q)
{
	for (uint32_t i = 0; i < q->n; i++) {
		q->heap[i].ev->slot = 0;
		q->heap[i].ev->idle = 0;
	}
	for (int pg = 0; pg < TS_EVQ_NBUCKETS / TS_EVQ_PAGE; pg++) {
		ts_evq_bucket *page = q->far[pg];
		for (uint32_t b = 0; page && b < TS_EVQ_PAGE; b++) {
			for (uint32_t i = 0; i < page[b].n; i++)
				page[b].ev[i]->slot = 0;
			free(page[b].ev);
		}
		free(page);
	}
	free(q->heap);
	ts_evq_init(q);
}

static void remove_at(ts_evq *q, uint32_t i)
{
	ts_event *gone = q->heap[i].ev;
	q->top_ok = 0;
	q->n--;
	if (i != q->n) {
		ts_evq_ent last = q->heap[q->n];
		place(q, i, last);
		if (i > 0 && before(&last, &q->heap[(i - 1) / 2]))
			sift_up(q, i);
		else
			sift_down(q, i);
	}
	gone->slot = 0;
}

/* Room for N events in the heap. */
static int reserve(ts_evq *q, uint64_t n)
{
	if (n <= q->cap)
		return 0;
	if (n > UINT32_MAX / 2)
		return -1;
	uint32_t ncap = q->cap ? q->cap : 64;
	while (ncap < n)
		ncap *= 2;
	ts_evq_ent *h = realloc(q->heap, ncap * sizeof *h);
	if (!h)
		return -1;
	q->heap = h;
	q->cap = ncap;
	return 0;
}

static int heap_push(ts_evq *q, ts_event *ev)
{
	if (reserve(q, (uint64_t)q->n + 1) < 0)
		return -1;
	q->top_ok = 0;
	place(q, q->n, (ts_evq_ent){ev->when, ev->seq, ev});
	q->n++;
	sift_up(q, q->n - 1);
	return 0;
}

#define SLICE ((ts_time)1 << TS_EVQ_SLICE_BITS)
#define SPAN  (SLICE * TS_EVQ_NBUCKETS)

/* Where WHEN's slice is in the ring. */
static uint32_t ring_index(ts_time when)
{
	return (uint32_t)((uint64_t)(when >> TS_EVQ_SLICE_BITS) &
			  (TS_EVQ_NBUCKETS - 1));
}

/* The bucket of WHEN's slice; NULL while its page was never needed. */
static ts_evq_bucket *bucket_of(ts_evq *q, ts_time when)
{
	uint32_t b = ring_index(when);
	ts_evq_bucket *page = q->far[b / TS_EVQ_PAGE];
	return page ? &page[b % TS_EVQ_PAGE] : NULL;
}

static void far_remove(ts_evq *q, ts_event *ev)
{
	/* Its page is there: the event is in it. */
	uint32_t r = ring_index(ev->when);
	ts_evq_bucket *b = &q->far[r / TS_EVQ_PAGE][r % TS_EVQ_PAGE];
	uint32_t i = (ev->slot & ~TS_EVQ_FAR) - 1;
	ts_event *last = b->ev[--b->n];
	b->ev[i] = last;
	last->slot = (i + 1) | TS_EVQ_FAR;
	ev->slot = 0;
	q->nfar--;
}

/* The heap's earliest event must come before every far one: pour the far
 * slices into the heap until it does. */
static int pour(ts_evq *q)
{
	while (q->nfar && (!q->n || q->heap[0].when >= q->horizon)) {
		ts_evq_bucket *b = bucket_of(q, q->horizon);
		if (b && reserve(q, (uint64_t)q->n + b->n) < 0)
			return -1; /* nothing moved: the order still holds */
		q->horizon += SLICE;
		while (b && b->n) {
			ts_event *ev = b->ev[--b->n];
			ev->slot = 0;
			q->nfar--;
			heap_push(q, ev);
		}
	}
	return 0;
}

/* The same, with the test that most calls stop at inline. */
static inline int settle(ts_evq *q)
{
	if (q->nfar && (!q->n || q->heap[0].when >= q->horizon))
		return pour(q);
	return 0;
}

int ts_evq_schedule(ts_evq *q, ts_event *ev, ts_time when)
{
	return ts_evq_schedule_seq(q, ev, when, q->seq++);
}

static int place_new(ts_evq *q, ts_event *ev);

int ts_evq_schedule_seq(ts_evq *q, ts_event *ev, ts_time when, uint64_t seq)
{
	if (!ev->slot && when < q->horizon) {
		/* The common case (a segment sent): new, and near. */
		ev->when = when;
		ev->seq = seq;
		return heap_push(q, ev);
	}
	if (ev->slot && !(ev->slot & TS_EVQ_FAR)) {
		/* In the heap, it stays there. Later than its entry: the
		 * entry waits (a lazy move, see evq.h). Earlier: moved in
		 * place. */
		uint32_t i = ev->slot - 1;
		ts_evq_ent e = {when, seq, ev};
		if (ev->idle) {
			ev->idle = 0;
			q->nidle--;
		}
		ev->when = when;
		ev->seq = seq;
		q->top_ok = 0;
		if (!before(&e, &q->heap[i]))
			return 0;
		q->heap[i] = e;
		sift_up(q, i);
		return 0;
	}
	ts_evq_cancel(q, ev);
	ev->when = when;
	ev->seq = seq;
	return place_new(q, ev);
}

/* EV, in no tier, at its when and seq: in its slice's bucket when that is
 * in the ring, else in the heap. */
static int place_new(ts_evq *q, ts_event *ev)
{
	ts_time when = ev->when;
	if (!q->nfar && when > q->horizon)
		q->horizon = when & ~(SLICE - 1);
	if (when >= q->horizon && when - q->horizon < SPAN) {
		ts_evq_bucket *b = bucket_of(q, when);
		if (!b) {
			uint32_t pg = ring_index(when) / TS_EVQ_PAGE;
			q->far[pg] = calloc(TS_EVQ_PAGE, sizeof *q->far[pg]);
			if (!q->far[pg])
				return heap_push(q, ev);
			b = bucket_of(q, when);
		}
		if (b->n == b->cap) {
			uint32_t nc = b->cap ? b->cap * 2 : 4;
			ts_event **nb = realloc(b->ev, nc * sizeof *nb);
			if (!nb)
				return heap_push(q, ev);
			b->ev = nb;
			b->cap = nc;
		}
		if (b->n >= ~TS_EVQ_FAR)
			return heap_push(q, ev);
		b->ev[b->n++] = ev;
		ev->slot = b->n | TS_EVQ_FAR;
		q->nfar++;
		return settle(q);
	}
	return heap_push(q, ev);
}

void ts_evq_cancel(ts_evq *q, ts_event *ev)
{
	if (ev->slot & TS_EVQ_FAR) {
		far_remove(q, ev);
	} else if (ev->slot) {
		if (ev->idle) {
			ev->idle = 0;
			q->nidle--;
		}
		remove_at(q, ev->slot - 1);
		settle(q);
	}
}

void ts_evq_idle(ts_evq *q, ts_event *ev)
{
	if (ev->slot & TS_EVQ_FAR) {
		far_remove(q, ev);
	} else if (ev->slot && !ev->idle) {
		ev->idle = 1;
		q->nidle++;
		q->top_ok = 0;
	}
}

/* Put the top right (see evq.h): drop an idle event's entry, give a moved
 * event's entry its event's key, pour the far slices in when the top
 * reaches the horizon; until the top is the earliest event. */
ts_event *ts_evq_top(ts_evq *q)
{
	for (;;) {
		if (!q->n) {
			if (!q->nfar || pour(q) < 0)
				return NULL;
			continue;
		}
		ts_evq_ent *top = &q->heap[0];
		ts_event *ev = top->ev;
		if (ev->idle) {
			ev->idle = 0;
			q->nidle--;
			remove_at(q, 0);
		} else if (top->when != ev->when || top->seq != ev->seq) {
			if (ev->when >= q->horizon) {
				/* Moved out to the far tier's time: there it
				 * goes, as if scheduled now. */
				remove_at(q, 0);
				place_new(q, ev);
			} else {
				top->when = ev->when;
				top->seq = ev->seq;
				sift_down(q, 0);
			}
		} else if (q->nfar && top->when >= q->horizon) {
			if (pour(q) < 0)
				return ev; /* out of memory: the best it has */
		} else {
			q->top_ok = 1;
			return ev;
		}
	}
}

ts_event *ts_evq_pop(ts_evq *q)
{
	ts_event *ev = ts_evq_peek(q);
	if (ev)
		remove_at(q, 0);
	return ev;
}

ts_event *ts_evq_pop_replace(ts_evq *q, ts_event *next)
{
	ts_event *ev = ts_evq_peek(q);
	if (!ev || !next) {
		if (ev)
			remove_at(q, 0);
		return ev;
	}
	ev->slot = 0;
	place(q, 0, (ts_evq_ent){next->when, next->seq, next});
	sift_down(q, 0);
	/* NEXT's entry is its own key, never idle: if it stayed on top, the
	 * top is right unless a far slice is due. */
	q->top_ok =
	    q->heap[0].ev == next && !(q->nfar && next->when >= q->horizon);
	return ev;
}

uint64_t ts_evq_len(const ts_evq *q)
{
	return q->n + q->nfar - q->nidle;
}

void ts_evq_each(const ts_evq *q, void (*fn)(void *ctx, const ts_event *ev),
		 void *ctx)
{
	for (uint32_t i = 0; i < q->n; i++)
		if (!q->heap[i].ev->idle)
			fn(ctx, q->heap[i].ev);
	for (int pg = 0; pg < TS_EVQ_NBUCKETS / TS_EVQ_PAGE; pg++)
		for (uint32_t b = 0; q->far[pg] && b < TS_EVQ_PAGE; b++)
			for (uint32_t i = 0; i < q->far[pg][b].n; i++)
				fn(ctx, q->far[pg][b].ev[i]);
}
