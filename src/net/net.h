/*
 * net.h - the network between hosts: links with a one-way delay, segment
 * numbering, and the faults a trace asks for (drop, dup, delay, replay,
 * inject, heal).
 *
 * Pipeline: a host's TCP hands a segment to ts_net_send(); the network gives
 * it a number, decides its fate from the active fault rules, and schedules
 * its arrival on the engine's queue; at arrival the engine hands it to the
 * destination host's TCP (or loses it if that host is down).
 */
#ifndef TS_NET_H
#define TS_NET_H

#include <stdint.h>

#include "base/pool.h"
#include "engine/cause.h"
#include "engine/evq.h"
#include "trace/trace.h"

struct ts_sim;

/* A TCP segment, header fields only (the public tcpsim_segment): payload
 * bytes are never stored (a connection's bytes follow a pattern that can
 * regenerate them). */
typedef tcpsim_segment ts_seg;

/* Sequence space taken by a segment: payload plus SYN and FIN. */
static inline uint32_t ts_seg_seqlen(const ts_seg *s)
{
	return s->len + !!(s->flags & TS_SYN) + !!(s->flags & TS_FIN);
}

int ts_seg_is_kind(const ts_seg *s, ts_seg_kind k);

/* A segment in flight. */
typedef struct ts_pkt {
	ts_event ev; /* TS_EV_DELIVER; first member */
	ts_seg seg;
	uint32_t num;     /* its number in the report */
	int16_t from, to; /* host indices */
	uint8_t injected; /* forged by "net: inject" */
	uint8_t copy;     /* 0 original, 1 the network's duplicate */
	uint8_t replayed; /* a "net: replay" copy */
	uint8_t in_lane;  /* in its direction's lane (ts_dir) */
	/* In flight: the next in its lane. Free: the pool's free list. */
	struct ts_pkt *next;
} ts_pkt;

/* An active fault rule for one direction. */
typedef struct ts_fault {
	ts_net_op op; /* TS_NET_DROP, TS_NET_DUP or TS_NET_DELAY */
	ts_seg_kind kind;
	int all;        /* drop ... all: until heal */
	uint32_t left;  /* segments still to affect */
	uint32_t segno; /* "seg N": the segment numbered N alone; 0: any */
	ts_time delay;
	int line; /* the trace line that set it */
} ts_fault;

typedef struct ts_dir {
	ts_fault *faults;
	int nfaults, cap;
	/* Segments the hosts' stacks sent, by kind (ts_seg_kind index):
	 * what "expect A>B KIND" counts. */
	uint64_t sent[TS_NSEGKINDS];
	/* The lane: segments in flight in the order they arrive, only the
	 * first of them in the event queue. With one delay per link,
	 * arrivals keep the sending order, so the queue holds one event per
	 * busy direction instead of one per segment. A segment that would
	 * arrive before the last of the lane (a delay rule ended) is queued
	 * on its own. */
	ts_pkt *lane_head, *lane_tail;
} ts_dir;

/* A segment kept for "net: replay N". */
typedef struct ts_kept {
	uint32_t num;
	int from, to;
	ts_seg seg;
	int have;
} ts_kept;

/* Lines given one by one (keep_recent) may replay any segment not too
 * old: the network keeps the last TS_NET_RECENT. */
#define TS_NET_RECENT 4096

/* A segment a stack sent, for expect lines that name fields. */
typedef struct ts_wire_rec {
	int16_t from, to;
	ts_seg seg;
} ts_wire_rec;

typedef struct ts_network {
	int nhosts;
	ts_time *delay; /* nhosts x nhosts one-way delays */
	ts_dir *dirs;   /* nhosts x nhosts directions */
	uint32_t nextnum;
	ts_pool pkts;  /* the segments in flight */
	ts_kept *kept; /* numbers named by replay lines, sorted; or, with
			* keep_recent, a ring of the last TS_NET_RECENT */
	int nkept;
	int keep_recent; /* lines come one by one: keep the recent ones */
	int kept_cap;
	uint64_t in_flight;
	/* Random loss (the benchmark's lossy workload): asked about each
	 * segment a stack sends; 1 drops it. NULL: none. */
	int (*loss)(void *ctx, const ts_pkt *p);
	void *loss_ctx;
	uint64_t nlost; /* segments the loss function dropped */
	/* The wire log: the segments the stacks sent, numbered from 0 in
	 * the order sent (wlog_n so far), kept only when an expect line
	 * names fields: entries from wlog_start on, or with keep_recent the
	 * last TS_NET_RECENT in a ring. */
	int wlog_on;
	ts_wire_rec *wlog;
	uint64_t wlog_start, wlog_n;
	size_t wlog_cap;
} ts_network;

/* Entry I of the wire log, or NULL when it is not kept. */
const ts_wire_rec *ts_net_wlog_at(const ts_network *n, uint64_t i);
/* Forget the wire log's entries before I (linear log only). */
void ts_net_wlog_trim(ts_network *n, uint64_t i);

int ts_net_init(ts_network *n, const ts_trace *t);
void ts_net_free(ts_network *n);

/* Send a segment from host FROM: a stack's own, or forged (CAUSE of kind
 * TCPSIM_CAUSE_FORGED). CAUSE is what made the host send it, RST the
 * reason of an RST (-1 otherwise), both for --why. Returns its number. */
uint32_t ts_net_send(struct ts_sim *sim, int from, int to, const ts_seg *seg,
		     ts_cause cause, int rst);
/* Apply a "net:" line. Returns 0, or -1 with a message in MSG (an error
 * of the run, not the report). */
int ts_net_apply(struct ts_sim *sim, const ts_stmt *st, char *msg,
		 size_t msglen);
/* P, the head of its lane if it is in one, is taken out of the queue: the
 * next of the lane, to be queued in its place (ts_evq_pop_replace), or
 * NULL. */
ts_event *ts_net_lane_pass(ts_network *n, ts_pkt *p);
/* Handle a TS_EV_DELIVER event: the segment arrives (or is lost). */
void ts_net_deliver(struct ts_sim *sim, ts_pkt *p);
/* The direction record FROM>TO. */
static inline ts_dir *ts_net_dir(ts_network *n, int from, int to)
{
	return &n->dirs[from * n->nhosts + to];
}
#endif
