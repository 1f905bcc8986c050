/*
 * json.h - one event as one JSON object (doc/json.md), for JSON Lines.
 */
#ifndef TS_JSON_H
#define TS_JSON_H

#include "base/sb.h"
#include "tcpsim.h"

/* What a run's JSON keeps from one event to the next (host names made
 * once); a writer may do without (NULL). */
typedef struct ts_json ts_json;
ts_json *ts_json_new(void);
void ts_json_free(ts_json *j);

/* EV as one JSON object (no line end) appended to SB; SEQ is the event's
 * index in its run. */
void ts_json_event(ts_json *j, ts_sb *sb, const tcpsim_event *ev,
		   unsigned long long seq);

#endif
