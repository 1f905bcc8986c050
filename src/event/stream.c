/*
 * stream.c - the event stream (stream.h): holding back a call's events,
 * and handing each event to the sinks that take its kind.
 */
#include "event/stream.h"

#include <stdlib.h>
#include <string.h>

void ts_stream_init(ts_stream *s)
{
	memset(s, 0, sizeof *s);
}

int ts_stream_add(ts_stream *s, tcpsim_event_fn fn, void *ctx, uint32_t mask)
{
	if (s->nsinks == TS_STREAM_SINKS)
		return -1;
	if (!mask)
		mask = (1u << TCPSIM_NEV) - 1;
	s->sink[s->nsinks++] = (ts_stream_sink){fn, ctx, mask};
	s->mask |= mask;
	return 0;
}

void ts_stream_free(ts_stream *s)
{
	ts_stream_release_held(s);
	free(s->held);
	s->held = NULL;
	s->cap = 0;
}

static void send_one(ts_stream *s, const tcpsim_event *ev)
{
	for (int i = 0; i < s->nsinks; i++)
		if (s->sink[i].mask >> ev->kind & 1u)
			s->sink[i].fn(s->sink[i].ctx, ev);
}

void ts_stream_emit(ts_stream *s, const tcpsim_event *ev)
{
	if (!s->holding) {
		send_one(s, ev);
		return;
	}
	if (s->nheld == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 16;
		tcpsim_event *h = realloc(s->held, nc * sizeof *h);
		if (!h) {
			/* No room to hold: keep the order that can be kept. */
			ts_stream_release_held(s);
			send_one(s, ev);
			return;
		}
		s->held = h;
		s->cap = nc;
	}
	s->held[s->nheld++] = *ev;
}

void ts_stream_release_held(ts_stream *s)
{
	s->holding = 0;
	/* A sink may not emit: the held array stays as it is meanwhile. */
	for (size_t i = 0; i < s->nheld; i++)
		send_one(s, &s->held[i]);
	s->nheld = 0;
}
