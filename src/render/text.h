/*
 * text.h - the words of the events: what the report's DETAIL column says
 * for each kind, made from the event's typed fields and the tables of
 * include/tcpsim.h and src/trace/names.c. The report, JSON, the ladder and
 * --quiet all take their text from here; none reads it back.
 */
#ifndef TS_TEXT_H
#define TS_TEXT_H

#include "base/sb.h"
#include "tcpsim.h"

/* The DETAIL column of EV. */
void ts_text_detail(ts_sb *sb, const tcpsim_event *ev);
/* The EVENT column: "call", "state" ... ("call" for BLOCK). */
const char *ts_text_kind(tcpsim_event_kind kind);
/* Segment flags, "SYN|ACK" ("none" when there is none). */
void ts_text_flags(ts_sb *sb, unsigned flags);
/* A call's result as the report writes it ("= " not included). */
void ts_text_result(ts_sb *sb, const tcpsim_call_result *r);
/* A STATE event's cause: "FIN #7 received". */
void ts_text_state_cause(ts_sb *sb, const tcpsim_event *ev);
/* A final state's words after the host: in the report's COLUMNS
 * ("c           ESTABLISHED  10.0.0.1:40000 > ..."), or one space apart. */
void ts_text_final(ts_sb *sb, const tcpsim_event *ev, int columns);

#endif
