/*
 * evq.c - indexed binary heap ordered by (when, seq).
 */
#include "engine/evq.h"

#include <stdlib.h>

static int before(const ts_event *a, const ts_event *b)
{
	if (a->when != b->when)
		return a->when < b->when;
	return a->seq < b->seq;
}

static void place(ts_evq *q, uint32_t i, ts_event *ev)
{
	q->heap[i] = ev;
	ev->slot = i + 1;
}

static void sift_up(ts_evq *q, uint32_t i)
{
	ts_event *ev = q->heap[i];
	while (i > 0) {
		uint32_t parent = (i - 1) / 2;
		if (!before(ev, q->heap[parent]))
			break;
		place(q, i, q->heap[parent]);
		i = parent;
	}
	place(q, i, ev);
}

static void sift_down(ts_evq *q, uint32_t i)
{
	ts_event *ev = q->heap[i];
	for (;;) {
		uint32_t c = 2 * i + 1;
		if (c >= q->n)
			break;
		if (c + 1 < q->n && before(q->heap[c + 1], q->heap[c]))
			c++;
		if (!before(q->heap[c], ev))
			break;
		place(q, i, q->heap[c]);
		i = c;
	}
	place(q, i, ev);
}

void ts_evq_init(ts_evq *q)
{
	q->heap = NULL;
	q->n = q->cap = 0;
	q->seq = 0;
}

void ts_evq_free(ts_evq *q)
{
	for (uint32_t i = 0; i < q->n; i++)
		q->heap[i]->slot = 0;
	free(q->heap);
	ts_evq_init(q);
}

static void remove_at(ts_evq *q, uint32_t i)
{
	ts_event *gone = q->heap[i];
	q->n--;
	if (i != q->n) {
		ts_event *last = q->heap[q->n];
		place(q, i, last);
		if (i > 0 && before(last, q->heap[(i - 1) / 2]))
			sift_up(q, i);
		else
			sift_down(q, i);
	}
	gone->slot = 0;
}

int ts_evq_schedule(ts_evq *q, ts_event *ev, ts_time when)
{
	if (ev->slot)
		remove_at(q, ev->slot - 1);
	if (q->n == q->cap) {
		uint32_t ncap = q->cap ? q->cap * 2 : 64;
		ts_event **h = realloc(q->heap, ncap * sizeof *h);
		if (!h)
			return -1;
		q->heap = h;
		q->cap = ncap;
	}
	ev->when = when;
	ev->seq = q->seq++;
	place(q, q->n, ev);
	q->n++;
	sift_up(q, q->n - 1);
	return 0;
}

void ts_evq_cancel(ts_evq *q, ts_event *ev)
{
	if (ev->slot)
		remove_at(q, ev->slot - 1);
}

ts_event *ts_evq_peek(const ts_evq *q)
{
	return q->n ? q->heap[0] : NULL;
}

ts_event *ts_evq_pop(ts_evq *q)
{
	if (!q->n)
		return NULL;
	ts_event *ev = q->heap[0];
	remove_at(q, 0);
	return ev;
}
