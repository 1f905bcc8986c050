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
/* The terminal's width in columns (80 unless told; the diagram takes
 * more when its hosts need it). */
void ts_ladder_width(ts_ladder *l, int columns);
/* How many rows the events so far made (an event makes one at most). */
int ts_ladder_rows(const ts_ladder *l);
/* Give the hosts their columns, left to right (before the events). */
void ts_ladder_host(ts_ladder *l, const char *name);
/* Record one event of the run (copies what it needs). */
void ts_ladder_event(ts_ladder *l, const tcpsim_event *ev);
/* The diagram for the terminal: no line wider than the width (hosts
 * allowing); text too long for its place continues on the next lines. */
void ts_ladder_print(ts_ladder *l, FILE *f);
/* The diagram as a standalone SVG document, rows by event or (TIME_AXIS)
 * spaced by time, long idle stretches drawn shorter; -1 on an error. */
int ts_ladder_svg(ts_ladder *l, FILE *f, int time_axis);
void ts_ladder_free(ts_ladder *l);

#endif
