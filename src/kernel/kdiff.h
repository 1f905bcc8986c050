/*
 * kdiff.h - the model's run of a trace against the kernel's (diff.c).
 */
#ifndef TS_KDIFF_H
#define TS_KDIFF_H

#include <stdio.h>

#include "tcpsim.h"
#include "trace/trace.h"

/* The events of one run, in order. */
typedef struct kd_events {
	tcpsim_event *ev;
	size_t n, cap;
	int64_t end; /* the time of the last */
	int oom;
} kd_events;

/* Where the kernel's run K of trace T differs from the model's run M: a
 * call's result, errno or SIGPIPE, an expect line's verdict, a segment
 * one sent and the other did not (times within TOL_US, or a tenth of the
 * time, apart), a segment's flags or fields, a variable's final state.
 * Each difference one line on OUT, then a summary line. Returns how many
 * there are. */
int kd_compare(const ts_trace *t, const kd_events *m, const kd_events *k,
	       int64_t tol_us, FILE *out);

#endif
