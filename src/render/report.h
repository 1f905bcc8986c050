/*
 * report.h - the text report: one event per line, time first, aligned
 * columns:
 *
 *     TIME        HOST    WHAT    DETAIL
 *     0.010000    server  recv    #1 SYN ...
 *
 * The library never prints: every line goes to the sink the caller gave.
 */
#ifndef TS_REPORT_H
#define TS_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "net/net.h"
#include "tcpsim.h"
struct ts_sim;
struct ts_sock;

typedef void (*ts_report_sink)(void *ctx, const char *data, size_t len);

typedef struct ts_report {
	ts_report_sink sink;
	void *ctx;
	int hostw; /* width of the host column */
	/* Lines held back while a call runs, so that the call's own line
	 * comes before what the call caused. */
	int holding;
	char *held;
	size_t held_len, held_cap;
	/* The structured side of the next event: set by the caller with the
	 * ts_rep_ev_* helpers, sent with the line, then cleared. */
	tcpsim_event_fn observer;
	void *observer_ctx;
	tcpsim_event ev;
	tcpsim_segment seg;
	struct ts_held_ev *held_ev; /* events held back with the lines */
	size_t nheld_ev, held_ev_cap;
} ts_report;

void ts_rep_init(struct ts_sim *sim, ts_report_sink sink, void *ctx);
/* Typed fields of the next ts_rep_event(). */
void ts_rep_ev_seg(struct ts_sim *sim, const ts_seg *s, uint32_t num, int from,
		   int to);
void ts_rep_ev_socket(struct ts_sim *sim, const char *label);
/* Raw text. */
void ts_rep_raw(struct ts_sim *sim, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Whether anyone takes the report: the text or the events. When no one
 * does, nothing is formatted (callers test it before building text). */
#define ts_rep_on(sim) ((sim)->rep.sink || (sim)->rep.observer)
/* One event line at sim->now. HOST -1 prints "net" / "-". The arguments
 * are evaluated only when the report is on. */
void ts_rep_event_line(struct ts_sim *sim, int host, const char *what,
		       const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
#define ts_rep_event(sim, ...)                                                 \
	do {                                                                   \
		if (ts_rep_on(sim))                                            \
			ts_rep_event_line((sim), __VA_ARGS__);                 \
	} while (0)
/* A bit set as "A|B|C" (NONE when empty), in the table's order. */
typedef struct ts_bitname {
	uint32_t bit;
	const char *name;
} ts_bitname;
char *ts_rep_bits(uint32_t v, const ts_bitname *names, size_t count,
		  const char *none, char *buf, size_t n);
/* "SYN|ACK" style flags into buf. */
char *ts_rep_flags(uint8_t flags, char *buf, size_t n);
/* "10.0.0.1:40000" or "client:40000" */
char *ts_rep_endpoint(struct ts_sim *sim, uint32_t addr, uint16_t port,
		      char *buf, size_t n);
/* The header fields of a segment: "SYN|ACK seq=... ack=... len=0 win=..." */
char *ts_rep_seg(struct ts_sim *sim, const ts_seg *s, char *buf, size_t n);
void ts_rep_header(struct ts_sim *sim);
/* Start holding lines back; ts_rep_release() writes them out. */
void ts_rep_hold(struct ts_sim *sim);
void ts_rep_release_held(struct ts_sim *sim);
/* (A macro, as ts_rep_on: struct ts_sim is not complete here.) Nothing
 * held is the common case. */
#define ts_rep_release(sim)                                                    \
	do {                                                                   \
		if ((sim)->rep.held_len || (sim)->rep.nheld_ev)                \
			ts_rep_release_held(sim);                              \
		else                                                           \
			(sim)->rep.holding = 0;                                \
	} while (0)
void ts_rep_free(struct ts_sim *sim);
void ts_rep_final(struct ts_sim *sim);

#endif
