/*
 * cause.h - what makes something happen in the model: a trace line runs,
 * a segment arrives, a timer fires. The engine makes the cause where each
 * step begins, and passes it down, as a parameter, with every action that
 * can send a segment or change a state; the network records it with each
 * segment sent, and --why walks those records back. Eight bytes, passed
 * in one register.
 */
#ifndef TS_CAUSE_H
#define TS_CAUSE_H

#include <stdint.h>

#include "tcpsim.h"
#include "trace/trace.h"

typedef struct ts_cause {
	uint8_t kind;   /* tcpsim_cause_kind */
	uint8_t timer;  /* TIMER: a tcpsim_timer */
	uint8_t forged; /* SEGMENT: a forged one arrived (net: inject) */
	uint32_t val;   /* LINE, FORGED: the line; SEGMENT: its number */
} ts_cause;

/* Nothing in particular: the start of the run. */
static inline ts_cause ts_cause_none(void)
{
	ts_cause c = {TCPSIM_CAUSE_NONE, 0, 0, 0};
	return c;
}

static inline ts_cause ts_cause_line(const ts_stmt *st)
{
	ts_cause c = {TCPSIM_CAUSE_LINE, 0, 0, (uint32_t)st->line};
	return c;
}

/* A segment the line ST forges (net: inject). */
static inline ts_cause ts_cause_forged(const ts_stmt *st)
{
	ts_cause c = {TCPSIM_CAUSE_FORGED, 0, 0, (uint32_t)st->line};
	return c;
}

static inline ts_cause ts_cause_seg(uint32_t num, int forged)
{
	ts_cause c = {TCPSIM_CAUSE_SEGMENT, 0, (uint8_t)forged, num};
	return c;
}

static inline ts_cause ts_cause_timer(int timer)
{
	ts_cause c = {TCPSIM_CAUSE_TIMER, (uint8_t)timer, 0, 0};
	return c;
}

/* The segment number a cause names, 0 when it is not a segment. */
static inline uint32_t ts_cause_segno(ts_cause c)
{
	return c.kind == TCPSIM_CAUSE_SEGMENT ? c.val : 0;
}

#endif
