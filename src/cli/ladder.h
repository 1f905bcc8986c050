/*
 * ladder.h - sequence (ladder) diagrams of a run, drawn from its events:
 * one column per host, time flowing down, each segment an arrow, each
 * host's calls, results and state changes beside its line. For the
 * terminal (Unicode or ASCII, optional colour) and as SVG.
 */
#ifndef TS_LADDER_H
#define TS_LADDER_H

#include <stdio.h>

#include "tcpsim.h"

typedef struct ts_ladder ts_ladder;

ts_ladder *ts_ladder_new(const char *title, int ascii, int color);
/* Give the hosts their columns, left to right (before the events). */
void ts_ladder_host(ts_ladder *l, const char *name);
/* Record one event of the run (copies what it needs). */
void ts_ladder_event(ts_ladder *l, const tcpsim_event *ev);
/* The diagram for the terminal (100 columns for two hosts). */
void ts_ladder_print(ts_ladder *l, FILE *f);
/* The diagram as a standalone SVG document; -1 on a write error. */
int ts_ladder_svg(ts_ladder *l, FILE *f);
void ts_ladder_free(ts_ladder *l);

#endif
