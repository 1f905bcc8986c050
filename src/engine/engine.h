/*
 * engine.h - the simulation: virtual clock, hosts and their processes, and
 * the loop that runs a parsed trace.
 *
 * Pipeline: ts_trace (parser) -> ts_sim_run(): timed lines and queued events
 * in time order -> hosts (src/sock -> src/tcp) <-> network (src/net) ->
 * typed events (src/event/stream.h) -> renderers (src/render). Everything
 * hangs off ts_sim: two simulations can run side by side in one process.
 */
#ifndef TS_ENGINE_H
#define TS_ENGINE_H

#include <stdint.h>

#include "base/hmap.h"
#include "base/portmap.h"
#include "engine/cause.h"
#include "engine/evq.h"
#include "event/stream.h"
#include "net/net.h"
#include "tcp/tcp.h"
#include "trace/trace.h"

/* --why: where a failed call's errno came from, as the event tells it. */
typedef struct ts_why {
	tcpsim_why_source source;
	ts_cause cause;     /* PENDING_ERROR, CLOSED */
	ts_tcp_state state; /* the state it was set in, closed from, is in */
	int send_shut;      /* STATE: the sending side is shut */
} ts_why;

typedef struct ts_result {
	int64_t ret; /* the return value; -1 with err on failure */
	ts_errno err;
	int sigpipe;  /* the call raised SIGPIPE */
	int block;    /* the call cannot complete yet: the process waits */
	int has_addr; /* getpeername/getsockname: addr and port */
	uint32_t addr;
	uint16_t port;
	ts_sock *sk; /* socket()/accept(): the new socket */
	int has_why; /* a failure explained (--why): why */
	ts_why why;
} ts_result;

/* What the next attempt of a blocking call needs to know. */
typedef struct ts_callctx {
	const ts_stmt *st; /* the line; NULL when no call is in progress */
	int waiting;       /* 0 on the first attempt, 1 when re-tried */
	/* write/send: a Fast Open send, 1 waiting for its connect, 2 past
	 * it (in the padding after waiting) */
	uint8_t fastopen;
	int64_t done;  /* write/send: bytes copied so far */
	int timed_out; /* the proc timer fired */
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
	int nvars_cap;   /* room in vars (lines given one by one add some) */
	ts_callctx call; /* the blocked call, if any */
	ts_event tev;    /* TS_EV_PROC_TIMER for the blocked call */
	int wake;        /* something it may wait on changed */
	int draining;    /* running its queued lines */
	/* lines due but waiting for the process */
	const ts_stmt **queue;
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
	ts_hmap tfo_cache;        /* Fast Open cookies cached: daddr */
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

/* Where a segment came from, for --why. */
typedef struct ts_origin {
	int16_t from; /* sending host */
	uint8_t flags;
	int8_t rst; /* tcpsim_rst_reason, -1 */
	ts_cause cause;
} ts_origin;

typedef struct ts_sim {
	/* the trace and the options */
	const ts_trace *trace;
	ts_sim_opts opts;
	/* virtual time, and the queue of what is due */
	ts_time now;
	ts_evq q;
	uint64_t nevents;
	/* the hosts, and the network between them */
	int nhosts;
	ts_host *hosts;
	ts_network net;
	/* the run */
	struct {
		int next_stmt;      /* next timed line of the trace to run */
		uint64_t line_step; /* the step (nevents) that took the last
				     * line: tcpsim explore tells a line's
				     * segments from an event's by it */
		int nwake;          /* processes woken since wake_all() last
				     * looked (at least: a process reset may
				     * clear its flag) */
		int aborted;        /* the run cannot go on (limits, a bad
				     * runtime reference): err says why */
		ts_error err;
		/* A source of lines besides the trace (the benchmark's
		 * workloads): asked for host HOST's next line whenever its
		 * process is idle and nothing is queued; returns one that is
		 * due now, or NULL. The line must stay valid until its call
		 * returns. */
		const ts_stmt *(*feed)(void *ctx, struct ts_sim *sim, int host);
		void *feed_ctx;
	} run;
	/* expectations, and the result of the last call */
	struct {
		int nfailed;  /* failed expectations and failed lines */
		int nchecked; /* expectations checked */
		/* wire expect spans: sent counts at the start of the
		 * current span and at the last check */
		uint64_t *span_base, *span_mark;
		uint64_t wlog_base, wlog_mark; /* the span in the wire log */
		ts_time span_at;
		int span_started;
		ts_result last; /* the call that returned last */
		int last_line;  /* its line */
	} exp;
	/* the event stream: everything observable goes out through it */
	ts_stream out;
	/* sockets */
	struct {
		ts_pool pool;     /* of ts_sock, TS_SOCK_CHUNK a chunk */
		uint64_t live;    /* in use */
		uint64_t ka_only; /* with only a keepalive timer queued */
		/* What ts_tcp_ext() hands out when memory runs out (the
		 * run is aborted meanwhile). */
		ts_sock_ext scratch;
	} socks;
	/* time-wait records (tcp_tw.c): their pool, and the sockets to look
	 * at after the current event */
	struct {
		ts_pool pool; /* of ts_tw, TS_TW_CHUNK a chunk */
		uint64_t live;
		uint64_t made;
		int off; /* no socket is made a record (the tests compare) */
		ts_sockref *pending;
		uint32_t npending, pending_cap;
	} tw;
	/* --why: what caused each segment (indexed by its number), and the
	 * lines run that are not the trace's (given one by one), by line,
	 * for the causes' texts */
	struct {
		int on;
		ts_origin *origins;
		uint32_t norigins;
		const ts_stmt **lines;
		int nlines, lines_cap;
	} why;
	/* checking mode: invariants after every event */
	struct {
		int on;
		ts_hmap ledger; /* bytes written per connection */
	} chk;
	/* for tests and embedders */
	struct {
		/* every segment sent; with swallow, they are not delivered */
		void (*tap)(void *ctx, const ts_pkt *p);
		void *tap_ctx;
		int tap_swallow;
		int full_input; /* TCP input never takes its fast path (the
				 * tests compare the two) */
		uint64_t nfast; /* segments the fast path took */
	} test;
} ts_sim;

ts_sim *ts_sim_new(const ts_trace *t, const ts_sim_opts *o);
void ts_sim_free(ts_sim *sim);
/* Run to the end. Returns 0 (all held), 1 (an expectation failed) or 2
 * (the run was aborted: sim->run.err). */
int ts_sim_run(ts_sim *sim);
/* Checking mode (check.c): after an event; at the end; after a write. */
int ts_check(ts_sim *sim);
int ts_check_end(ts_sim *sim);
void ts_check_written(ts_sim *sim, ts_sock *sk);

/* 1 when some process waits in a call. */
int ts_sim_blocked(const ts_sim *sim);
/* Whether the engine still needs line ST (a call waiting, or a line
 * queued behind one): a line given one by one is kept until it does not. */
int ts_sim_uses(const ts_sim *sim, const ts_stmt *st);
/* The end of a run: calls still blocked, the final state, the summary.
 * Returns as ts_sim_run does. */
int ts_sim_finish(ts_sim *sim);
/* Run statement ST now, as if it came due (tests, embedders). */
void ts_sim_exec(ts_sim *sim, const ts_stmt *st);
/* Socket I of chunk C of the pool (in use or not: see in_use). */
static inline ts_sock *ts_sim_sock(const ts_sim *sim, int c, unsigned i)
{
	return ts_pool_at(&sim->socks.pool, c, i);
}
/* Time-wait record I of chunk C. */
static inline ts_tw *ts_sim_tw(const ts_sim *sim, int c, unsigned i)
{
	return ts_pool_at(&sim->tw.pool, c, i);
}

/* Something process P may wait on changed: wake_all() lets it try again. */
static inline void ts_proc_wake(ts_sim *sim, ts_proc *p)
{
	if (!p->wake) {
		p->wake = 1;
		sim->run.nwake++;
	}
}

/* After an event: the sockets it left in TIME_WAIT become records. */
static inline void ts_sim_compact(ts_sim *sim)
{
	if (sim->tw.npending)
		ts_tw_compact(sim);
}
/* Let host HOST's idle process run what sim->run.feed has due for it. */
void ts_sim_feed(ts_sim *sim, int host);
/* Process every event up to time UNTIL, then set the clock to UNTIL. */
void ts_sim_advance(ts_sim *sim, ts_time until);
/* Process every event before time UNTIL, then set the clock to UNTIL:
 * lines run at UNTIL come before the events due then, as in a trace. */
void ts_sim_advance_before(ts_sim *sim, ts_time until);
/* Abort the run with an error tied to trace line LINE. */
void ts_sim_abort(ts_sim *sim, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The end of a run with only keepalive timers left. */
void ts_sim_end_keepalive(ts_sim *sim);

/* ---- events ---- */

/* Whether someone takes events of KIND: build one only then. */
static inline int ts_ev_on(const ts_sim *sim, tcpsim_event_kind kind)
{
	return ts_stream_wants(&sim->out, kind);
}
/* A new event of KIND at host HOST (-1: none) now, every field else 0. */
void ts_ev_begin(const ts_sim *sim, tcpsim_event *ev, tcpsim_event_kind kind,
		 int host);
static inline void ts_ev_emit(ts_sim *sim, const tcpsim_event *ev)
{
	ts_stream_emit(&sim->out, ev);
}
/* CAUSE as an event tells it (the flags of a segment come from --why's
 * records); TEXT: with the text of a line (--why's events). */
tcpsim_cause ts_sim_cause_of(const ts_sim *sim, ts_cause cause, int text);
/* The text of line ST without its time: "client: write(c, 100) = 100". */
const char *ts_stmt_text(const ts_stmt *st);

/* ---- --why ---- */

/* Record the origin of segment NUM: sent by FROM because of CAUSE, an
 * RST for reason RST (-1 when not). */
void ts_sim_origin(ts_sim *sim, uint32_t num, int from, uint8_t flags,
		   ts_cause cause, int rst);
/* The chain of segments behind segment NUM, into a WHY event. */
void ts_sim_why_chain(const ts_sim *sim, uint32_t num, tcpsim_event *ev);

/* State of a host's variable's connection, as "expect ... state" sees it. */
ts_tcp_state ts_sim_var_state(ts_sim *sim, int host, int var);
/* The socket a host's variable names, NULL when none (or only a
 * time-wait record is left of it). */
const ts_sock *ts_sim_var_sock(ts_sim *sim, int host, int var);
/* Host index for an address, or -1. */
int ts_sim_host_by_addr(const ts_sim *sim, uint32_t addr);
/* The name of the host with address ADDR, NULL when none has it. */
const char *ts_sim_host_name_of(const ts_sim *sim, uint32_t addr, int hint);
/* Make room in every process for the variables its host declares now
 * (lines given one by one bind new ones); -1 when out of memory. */
int ts_sim_vars_grow(ts_sim *sim);

#endif
