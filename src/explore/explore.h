/*
 * explore.h - "tcpsim explore": a trace run under every schedule of up to
 * K faults (a segment dropped, duplicated or delayed past the next one of
 * its direction, a host crashed or its process killed at an instant), and
 * the distinct outcomes those schedules lead to (doc/explore.md).
 */
#ifndef TS_EXPLORE_H
#define TS_EXPLORE_H

/* The command: ARGV[0] is "explore". Returns the exit status: 0, 1 (no
 * outcome matches --where), 2 (bad input, a limit). */
int ts_explore_main(int argc, char **argv);

#endif
