/*
 * html.h - the interactive page of a run (--html FILE): the SVG ladder,
 * stepping through the events, each segment's endpoints' sequence
 * variables and timers, each failed call's and RST's chain of causes; one
 * file with nothing to fetch. Drawn from the events alone.
 */
#ifndef TS_HTML_H
#define TS_HTML_H

#include <stdio.h>

#include "tcpsim.h"

typedef struct ts_html ts_html;

ts_html *ts_html_new(const char *title);
/* The hosts, left to right, before the events. */
void ts_html_host(ts_html *h, const char *name);
/* One event of a run made with the --why causes (opts.why). */
void ts_html_event(ts_html *h, const tcpsim_event *ev);
/* The page; -1 on an error. */
int ts_html_write(ts_html *h, FILE *f);
void ts_html_free(ts_html *h);

#endif
