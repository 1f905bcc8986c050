/*
 * api.h - what drivers inside the library (the packetdrill runner,
 * src/pkt) need of a step-by-step simulation beyond tcpsim.h: to run it
 * one instant at a time, as a test tool waits for the next packet.
 */
#ifndef TS_API_H
#define TS_API_H

#include <stdint.h>

#include "tcpsim.h"

/* The time of the next queued event (a delivery, a timer), -1 when
 * nothing is left to happen. */
int64_t ts_api_next_event(tcpsim_sim *s);

/* Run every event due at or before T (the clock then reads T): unlike
 * tcpsim_advance(), which leaves those due at the new time for the lines
 * given then. TCPSIM_OK, or TCPSIM_ERROR with *ERR. */
int ts_api_run_to(tcpsim_sim *s, int64_t t, tcpsim_error *err);

/* Set knob NAME of host HOST to VALS (N values, as a "set" line gives
 * them), now, as a sysctl changes a running kernel: 0; 1 no such knob;
 * -1 a value out of range or a wrong count (MSG says which). */
int ts_api_set_knob(tcpsim_sim *s, int host, const char *name,
		    const int64_t *vals, int n, char *msg, size_t msglen);

#endif
