/*
 * stream.h - the event stream: the seam between the model and its views.
 *
 * The model (src/engine, src/sock, src/tcp, src/net) tells everything that
 * can be observed as a typed tcpsim_event (include/tcpsim.h) through
 * ts_stream_emit(), and formats no text. The sinks take the events in
 * order: the text report (src/render/report.c) and the embedder's observer,
 * each asking only for the kinds it reads (a mask). A kind that no sink
 * takes is never built: the model tests ts_stream_wants() first.
 *
 * While a call runs, its events are held back, so that the call comes
 * before what it caused (the call's own event is only known once it
 * returns or blocks): ts_stream_hold(), then ts_stream_release() after the
 * call's event. An event holds no pointer to anything that a held time can
 * end: names and lines live as long as the simulation.
 */
#ifndef TS_STREAM_H
#define TS_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "tcpsim.h"

#define TS_STREAM_SINKS 2

typedef struct ts_stream_sink {
	tcpsim_event_fn fn;
	void *ctx;
	uint32_t mask; /* the kinds it takes */
} ts_stream_sink;

typedef struct ts_stream {
	uint32_t mask; /* the kinds some sink takes */
	ts_stream_sink sink[TS_STREAM_SINKS];
	int nsinks;
	/* Events held back while a call runs. */
	int holding;
	tcpsim_event *held;
	size_t nheld, cap;
} ts_stream;

void ts_stream_init(ts_stream *s);
/* Add a sink taking the kinds in MASK (TCPSIM_EV_BIT(kind) | ...; 0:
 * every kind). -1 when there is no room for another. */
int ts_stream_add(ts_stream *s, tcpsim_event_fn fn, void *ctx, uint32_t mask);
void ts_stream_free(ts_stream *s);

/* Whether some sink takes events of KIND: build one only then. */
static inline int ts_stream_wants(const ts_stream *s, tcpsim_event_kind k)
{
	return (int)(s->mask >> k & 1u);
}

/* Send EV to the sinks that take its kind, or hold a copy of it. */
void ts_stream_emit(ts_stream *s, const tcpsim_event *ev);
/* Hold the events emitted from now on, until ts_stream_release(). */
static inline void ts_stream_hold(ts_stream *s)
{
	s->holding = 1;
}
/* Stop holding, without sending what is held yet (the call's own event
 * goes out first). */
static inline void ts_stream_unhold(ts_stream *s)
{
	s->holding = 0;
}
/* Stop holding and send what was held, in order. */
void ts_stream_release_held(ts_stream *s);
static inline void ts_stream_release(ts_stream *s)
{
	if (s->nheld)
		ts_stream_release_held(s);
	else
		s->holding = 0; /* the common case: nothing was held */
}

#endif
