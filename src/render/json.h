/*
 * json.h - one event as one JSON object (doc/json.md), for JSON Lines.
 */
#ifndef TS_JSON_H
#define TS_JSON_H

#include "base/sb.h"
#include "tcpsim.h"

/* EV as one JSON object (no line end) appended to SB; SEQ is the event's
 * index in its run. */
void ts_json_event(ts_sb *sb, const tcpsim_event *ev, unsigned long long seq);

#endif
