/*
 * engine.h - the simulation: virtual clock, hosts and their processes, and
 * the loop that runs a parsed trace.
 *
 * Pipeline: ts_trace (parser) -> ts_sim_run(): timed lines and queued events
 * in time order -> hosts (src/sock -> src/tcp) <-> network (src/net) ->
 * report (src/render). Everything hangs off ts_sim: two simulations can run
 * side by side in one process.
 */
#ifndef TS_ENGINE_H
#define TS_ENGINE_H

#include <stdint.h>

#include "base/hmap.h"
#include "base/portmap.h"
#include "engine/evq.h"
#include "net/net.h"
#include "render/report.h"
#include "tcp/tcp.h"
#include "trace/trace.h"

typedef struct ts_result {
	int64_t ret; /* the return value; -1 with err on failure */
	ts_errno err;
	int sigpipe;  /* the call raised SIGPIPE */
	int block;    /* the call cannot complete yet: the process waits */
	int has_addr; /* getpeername/getsockname: addr and port */
	uint32_t addr;
	uint16_t port;
	ts_sock *sk;   /* socket()/accept(): the new socket */
	char why[768]; /* a failure: where its errno came from (--why) */
} ts_result;

/* What the next attempt of a blocking call needs to know. */
typedef struct ts_callctx {
	const ts_stmt *st; /* the line; NULL when no call is in progress */
	int waiting;       /* 0 on the first attempt, 1 when re-tried */
	int64_t done;      /* write/send: bytes copied so far */
	int timed_out;     /* the proc timer fired */
	ts_time began;
	ts_sock *arg; /* the socket of the fd argument */
	ts_sock *sk;  /* close(): the lingering socket */
} ts_callctx;

/* A variable of a process: names a descriptor, and keeps naming its
 * connection after close(). */
typedef struct ts_var {
	int32_t fd;    /* -1 after close() */
	uint8_t bound; /* 1 once a binding line succeeded */
	uint8_t is_tw; /* its connection is now a time-wait record */
	union {
		ts_sockref ref; /* !is_tw */
		struct {        /* is_tw (tcp_tw.c) */
			ts_tw *tw;
			uint32_t twgen;
		};
	};
} ts_var;

/* A variable's connection: its socket, or (ts_var_tw) its record; NULL
 * once gone. */
static inline ts_sock *ts_var_sock(const ts_var *v)
{
	return v->is_tw ? NULL : ts_sockref_get(v->ref);
}
static inline ts_tw *ts_var_tw(const ts_var *v)
{
	return v->is_tw && v->tw->in_use && v->tw->gen == v->twgen ? v->tw
								   : NULL;
}

typedef struct ts_proc {
	int alive;      /* 0 once terminated or its host crashed */
	int terminated; /* killed or ended by a signal */
	int sigpipe_ignored;
	ts_sock **fds; /* fd table: fds[fd] or NULL */
	int nfds;
	int fdlow;       /* no free fd below it */
	ts_var *vars;    /* per the host's declared variables */
	ts_callctx call; /* the blocked call, if any */
	ts_event tev;    /* TS_EV_PROC_TIMER for the blocked call */
	int wake;        /* something it may wait on changed */
	int draining;    /* running its queued lines */
	int *queue;      /* statements due but waiting for the process */
	int qhead, qtail, qcap;
} ts_proc;

typedef struct ts_host {
	int index;
	const ts_host_decl *decl;
	uint32_t addr;
	int64_t knob[TS_NKNOBS];
	int up;         /* 0 while crashed */
	uint32_t boot;  /* reboots so far */
	uint32_t nconn; /* connections started this boot (ISN series) */
	uint32_t next_sock_id;
	uint16_t next_port;
	ts_hmap conns;            /* (lport, raddr, rport) -> ts_sock */
	ts_hmap cookies;          /* SYN cookies sent: (lport, raddr, rport) */
	ts_hmap listeners;        /* lport -> listening ts_sock */
	ts_portmap ports;         /* sockets bound to each local port */
	int64_t challenge_second; /* tcp_challenge_ack_limit accounting */
	int64_t challenge_left;
	ts_proc proc;
} ts_host;

typedef struct ts_sim_opts {
	uint64_t seed;
	ts_time max_time;
	uint64_t max_events;
} ts_sim_opts;

typedef struct ts_sim {
	const ts_trace *trace;
	ts_sim_opts opts;
	ts_time now;
	ts_evq q;
	ts_network net;
	int nhosts;
	int nwake; /* processes woken since wake_all() last looked (at
		    * least: a process reset may clear its flag) */
	ts_host *hosts;
	ts_report rep;
	uint64_t nevents;
	int next_stmt; /* next timed line to run */
	int nfailed;   /* failed expectations and failed lines */
	int nchecked;  /* expectations checked */
	/* wire expect spans */
	uint64_t *span_base; /* sent counts at the start of the current span */
	uint64_t *span_mark; /* sent counts at the last check */
	ts_time span_at;
	int span_started;
	/* a run that cannot go on (limits, bad runtime reference) */
	int aborted;
	ts_error abort_err;
	/* --why: what caused each segment (indexed by its number), and what
	 * is running now */
	int why;
	int check;        /* checking mode: invariants after every event */
	int full_input;   /* TCP input never takes its fast path (the tests
			   * compare the two) */
	uint64_t nfast;   /* segments the fast path took */
	ts_hmap ledger;   /* bytes written per connection (checking mode) */
	int cur_injected; /* the segment being processed was forged */
	struct ts_origin *origins;
	uint32_t norigins;
	uint32_t cur_in;       /* the segment being processed, 0: none */
	int cur_line;          /* the trace line being run, 0: none */
	const char *cur_timer; /* the timer firing, NULL: none */
	int cur_rst;           /* the reason of the RST being sent, -1 */
	/* for tests and embedders: every segment sent, and the last result */
	void (*tap)(void *ctx, const ts_pkt *p);
	void *tap_ctx;
	int tap_swallow; /* 1: tapped segments are not delivered */
	ts_result last;
	int last_line; /* the line whose call returned last */
	/* socket pool */
	ts_pool socks; /* of ts_sock, TS_SOCK_CHUNK a chunk */
	uint64_t live_socks;
	uint64_t ka_only; /* sockets with only a keepalive timer queued */
	/* time-wait records (tcp_tw.c): their pool, and the sockets to look
	 * at after the current event */
	ts_pool tws; /* of ts_tw, TS_TW_CHUNK a chunk */
	uint64_t live_tw;
	uint64_t ntw; /* records made */
	int no_tw;    /* no socket is made a record (the tests compare) */
	ts_sockref *pending_tw;
	uint32_t npending_tw, pending_tw_cap;
	/* A source of lines besides the trace (the benchmark's workloads):
	 * asked for host HOST's next line whenever its process is idle and
	 * nothing is queued; returns one that is due now, or NULL. The line
	 * must stay valid until its call returns. */
	const ts_stmt *(*feed)(void *ctx, struct ts_sim *sim, int host);
	void *feed_ctx;
} ts_sim;

ts_sim *ts_sim_new(const ts_trace *t, const ts_sim_opts *o, ts_report_sink sink,
		   void *sink_ctx);
void ts_sim_free(ts_sim *sim);
/* Run to the end. Returns 0 (all held), 1 (an expectation failed) or 2
 * (the run was aborted: sim->abort_err). */
int ts_sim_run(ts_sim *sim);
/* Checking mode (check.c): after an event; at the end; after a write. */
int ts_check(ts_sim *sim);
int ts_check_end(ts_sim *sim);
void ts_check_written(ts_sim *sim, ts_sock *sk);

/* 1 when some process waits in a call. */
int ts_sim_blocked(const ts_sim *sim);
/* The end of a run: calls still blocked, the final state, the summary.
 * Returns as ts_sim_run does. */
int ts_sim_finish(ts_sim *sim);
/* Run statement ST now, as if it came due (tests, embedders). */
void ts_sim_exec(ts_sim *sim, const ts_stmt *st);
/* Socket I of chunk C of the pool (in use or not: see in_use). */
static inline ts_sock *ts_sim_sock(const ts_sim *sim, int c, unsigned i)
{
	return ts_pool_at(&sim->socks, c, i);
}
/* Time-wait record I of chunk C. */
static inline ts_tw *ts_sim_tw(const ts_sim *sim, int c, unsigned i)
{
	return ts_pool_at(&sim->tws, c, i);
}

/* After an event: the sockets it left in TIME_WAIT become records. */
/* Something process P may wait on changed: wake_all() lets it try again. */
static inline void ts_proc_wake(ts_sim *sim, ts_proc *p)
{
	if (!p->wake) {
		p->wake = 1;
		sim->nwake++;
	}
}

static inline void ts_sim_compact(ts_sim *sim)
{
	if (sim->npending_tw)
		ts_tw_compact(sim);
}
/* Let host HOST's idle process run what sim->feed has due for it now. */
void ts_sim_feed(ts_sim *sim, int host);
/* Process every event up to time UNTIL, then set the clock to UNTIL. */
void ts_sim_advance(ts_sim *sim, ts_time until);
/* Abort the run with an error tied to trace line LINE. */
void ts_sim_abort(ts_sim *sim, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Where a segment came from, for --why. */
typedef struct ts_origin {
	int16_t from; /* sending host */
	uint8_t flags;
	int8_t rst;   /* ts_rst_reason, -1 */
	uint8_t kind; /* TS_ORIG_* */
	uint32_t val; /* line or segment number */
	const char *timer;
} ts_origin;
enum {
	TS_ORIG_NONE,
	TS_ORIG_CALL,
	TS_ORIG_INPUT,
	TS_ORIG_TIMER,
	TS_ORIG_INJECT
};

/* Record the origin of segment NUM (--why). */
void ts_sim_origin(ts_sim *sim, uint32_t num, int from, uint8_t flags,
		   int injected);
/* "#7 sent by server: ... <- in reply to #6 ..." into BUF. */
char *ts_sim_seg_chain(ts_sim *sim, uint32_t num, char *buf, size_t n);
/* What a cause (TS_ORIG_* with its value) was, for --why. */
void ts_sim_end_keepalive(ts_sim *sim);
char *ts_sim_cause(ts_sim *sim, int kind, uint32_t val, const char *timer,
		   char *buf, size_t n);

/* State of a host's variable's connection, as "expect ... state" sees it. */
ts_tcp_state ts_sim_var_state(ts_sim *sim, int host, int var);
/* Host index for an address, or -1. */
int ts_sim_host_by_addr(const ts_sim *sim, uint32_t addr);

#endif
