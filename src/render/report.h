/*
 * report.h - the text report, a renderer of the event stream: a header
 * made from the trace, then one aligned line per event, time first,
 *
 *            TIME  HOST    EVENT   DETAIL
 *        0.010000  server  recv    #1   SYN     seq=1000 ...
 *
 * then the final state and the count of expectations. It reads events
 * and the trace's declarations, nothing of the model; the library wires it
 * to the stream when the options have a write function.
 */
#ifndef TS_REPORT_H
#define TS_REPORT_H

#include <stdint.h>

#include "tcpsim.h"
#include "trace/trace.h"

typedef struct ts_report ts_report;

/* A report of the run of trace T (its hosts, links, profile and name;
 * SEED, when not 0, is named in the header), written to WRITE; COLOR:
 * failures and errnos in red (ANSI). NULL when out of memory. */
ts_report *ts_report_new(const ts_trace *t, uint64_t seed, int color,
			 tcpsim_write_fn write, void *ctx);
/* The header: version, trace, hosts, links, the columns. */
void ts_report_begin(ts_report *r);
/* One event (a sink of the stream: CTX is the report). */
void ts_report_event(void *ctx, const tcpsim_event *ev);
/* Write out what is buffered. */
void ts_report_flush(ts_report *r);
/* Flush, and free. */
void ts_report_free(ts_report *r);

#endif
