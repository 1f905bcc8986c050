/*
 * time.h - virtual time. One type, microseconds since the start of the run.
 * Nothing in tcpsim reads a real clock: time only moves when the engine
 * takes the next event off its queue.
 */
#ifndef TS_TIME_H
#define TS_TIME_H

#include <stddef.h>
#include <stdint.h>

typedef int64_t ts_time; /* microseconds */

#define TS_US(x)      ((ts_time)(x))
#define TS_MS(x)      ((ts_time)(x)*1000)
#define TS_SEC(x)     ((ts_time)(x)*1000000)
#define TS_TIME_NEVER INT64_MAX

/* Longest time a trace may name: about 31 years, far below overflow. */
#define TS_TIME_MAX TS_SEC(1000000000)

/* "12.345678" (seconds, six decimals) into buf; returns buf. */
char *ts_time_fmt(ts_time t, char *buf, size_t n);
/* "10ms", "1.5s", "250us": the shortest exact form, for durations. */
char *ts_dur_fmt(ts_time t, char *buf, size_t n);

#endif
