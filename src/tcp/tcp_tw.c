/*
 * tcp_tw.c - time-wait records: a connection in TIME_WAIT that no
 * application holds any more keeps only what TIME_WAIT needs, as Linux
 * keeps an inet_timewait_sock instead of the socket (tcp_time_wait).
 *
 * The rest of tcpsim sees only sockets: a record is turned back into a
 * socket (ts_tw_inflate) whenever something needs one (a segment for it,
 * its timer, connect() recycling it), and a socket in TIME_WAIT becomes a
 * record (ts_tw_compact) once the event that brought it there is over.
 * Both ways are exact for every field TIME_WAIT reads; a socket is left
 * whole when it holds anything a record does not keep (tw_compactable).
 * The record takes over the socket's place in its timer queue, so the
 * order of events is unchanged.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "tcp/tcp.h"

/* A thousand records in 32 pages. */
_Static_assert(sizeof(ts_tw) <= 128, "a time-wait record takes 128 bytes");
/* A record's host and peer are 16-bit host indexes. */
_Static_assert(TS_MAX_HOSTS <= INT16_MAX, "host indexes fit in 16 bits");

static uint64_t conn_key(uint16_t lport, uint32_t raddr, uint16_t rport)
{
	return ((uint64_t)lport << 48) | ((uint64_t)raddr << 16) | rport;
}

static ts_tw *tw_alloc(ts_sim *sim)
{
	ts_tw *tw = ts_pool_get(&sim->tw.pool);
	if (!tw)
		return NULL;
	uint32_t gen = tw->gen;
	memset(tw, 0, sizeof *tw);
	tw->gen = gen;
	tw->in_use = 1;
	tw->ev.kind = TS_EV_TW;
	sim->tw.live++;
	sim->tw.made++;
	return tw;
}

static void tw_release(ts_sim *sim, ts_tw *tw)
{
	tw->in_use = 0;
	tw->gen++;
	ts_pool_put(&sim->tw.pool, tw);
	sim->tw.live--;
}

/* Whether SK holds nothing but what a record keeps: an orphan in
 * TIME_WAIT, fully acknowledged, with no queue, no other timer, no
 * listener, and not asked about by --why. */
static int tw_compactable(const ts_sim *sim, const ts_sock *sk)
{
	if (!sk->in_use || sk->state != TS_TIME_WAIT || !sk->orphan ||
	    sk->has_fd || sk->fd >= 0 || sim->why.on || sim->tw.off ||
	    !sk->hashed)
		return 0;
	if (sk->parent || sk->listening || sk->acked_overflow)
		return 0;
	if ((sk->app_written | sk->rcv_total | sk->app_read | sk->discarded) >>
	    32)
		return 0; /* counts a record's 32 bits do not hold */
	if (sk->shutdown != TS_SHUTDOWN_MASK || sk->rcvq || sk->nofo ||
	    sk->ack_pending || sk->ka_only || sk->err ||
	    sk->rcvbuf != (uint32_t)sk->host->knob[TS_KNOB_TCP_RMEM_DEF] ||
	    sk->laddr != sk->host->addr ||
	    sk->ts_off != ts_tcp_ts_off(sim, sk->host) || sk->connecting ||
	    sk->snd_una != sk->snd_nxt)
		return 0;
	for (int t = 0; t < TS_NTIMERS; t++)
		if (t != TS_TIMER_CLOSE && sk->tdl[t] != TS_TIME_NEVER)
			return 0;
	if (sk->tdl[TS_TIMER_CLOSE] == TS_TIME_NEVER ||
	    !ts_event_queued(&sk->tev) ||
	    sk->tev.when != sk->tdl[TS_TIMER_CLOSE])
		return 0;
	return 1;
}

static ts_var *var_of(ts_sock *sk)
{
	if (sk->var < 0)
		return NULL;
	return &sk->host->proc.vars[sk->var];
}

void ts_tw_note(ts_sim *sim, ts_sock *sk)
{
	if (sim->tw.npending == sim->tw.pending_cap) {
		uint32_t nc =
		    sim->tw.pending_cap ? sim->tw.pending_cap * 2 : 64;
		ts_sockref *p = realloc(sim->tw.pending, nc * sizeof *p);
		if (!p)
			return; /* stays a whole socket: correct, only bigger */
		sim->tw.pending = p;
		sim->tw.pending_cap = nc;
	}
	sim->tw.pending[sim->tw.npending].sk = sk;
	sim->tw.pending[sim->tw.npending].gen = sk->gen;
	sim->tw.npending++;
}

static void compact(ts_sim *sim, ts_sock *sk)
{
	ts_tw *tw = tw_alloc(sim);
	if (!tw)
		return;
	ts_host *h = sk->host;
	tw->host = (uint16_t)h->index;
	tw->id = sk->id;
	tw->var = sk->var;
	tw->peer = (int16_t)sk->peer;
	tw->ts_recent = sk->ts_recent;
	tw->ts_recent_set = sk->ts_recent_stamp != TS_TIME_NEVER;
	tw->wscale_ok = sk->wscale_ok;
	tw->rcv_wscale = sk->rcv_wscale & 15;
	tw->snd_wscale = sk->snd_wscale & 15;
	tw->raddr = sk->raddr;
	tw->lport = sk->lport;
	tw->rport = sk->rport;
	tw->iss = sk->iss;
	tw->irs = sk->irs;
	tw->snd_nxt = sk->snd_nxt;
	tw->write_seq = sk->write_seq;
	tw->snd_wnd = sk->snd_wnd;
	tw->rcv_nxt = sk->rcv_nxt;
	tw->rcv_wnd = sk->rcv_wnd;
	tw->rcv_wup = sk->rcv_wup;
	tw->last_oow = sk->last_oow;
	tw->last_rcv = sk->last_rcv;
	tw->app_written = (uint32_t)sk->app_written; /* fit: tw_compactable */
	tw->rcv_total = (uint32_t)sk->rcv_total;
	tw->app_read = (uint32_t)sk->app_read;
	tw->discarded = (uint32_t)sk->discarded;
	tw->chk_rcv_nxt = sk->chk_rcv_nxt;
	tw->mss = sk->mss;
	tw->bound = sk->bound;
	tw->bind_lock = sk->bind_lock;
	tw->reuseaddr = sk->reuseaddr;
	tw->done = sk->done;
	tw->fin_queued = sk->fin_queued;
	tw->chk_synced = sk->chk_synced;
	tw->tainted = sk->tainted;
	tw->ts_ok = sk->ts_ok;
	tw->sack_ok = sk->sack_ok;
	tw->ss = sk->ss;
	/* The record takes the socket's place in the queue: same time, same
	 * order among equal times. */
	ts_time when = sk->tev.when;
	uint64_t seq = sk->tev.seq;
	ts_evq_cancel(&sim->q, &sk->tev);
	if (ts_evq_schedule_seq(&sim->q, &tw->ev, when, seq) < 0) {
		ts_evq_schedule_seq(&sim->q, &sk->tev, when, seq);
		tw_release(sim, tw);
		return;
	}
	ts_hmap_put(&h->conns, conn_key(sk->lport, sk->raddr, sk->rport),
		    (void *)((uintptr_t)tw | 1));
	ts_var *v = var_of(sk);
	if (v && ts_var_sock(v) == sk) {
		v->is_tw = 1;
		v->tw = tw;
		v->twgen = tw->gen;
	}
	/* The socket goes back to the pool: its port, table entry and
	 * place in the queue now belong to the record. */
	sk->hashed = 0;
	sk->bound = 0;
	for (int t = 0; t < TS_NTIMERS; t++)
		sk->tdl[t] = TS_TIME_NEVER;
	ts_tcp_release(sim, sk);
}

void ts_tw_compact(ts_sim *sim)
{
	for (uint32_t i = 0; i < sim->tw.npending; i++) {
		ts_sock *sk = ts_sockref_get(sim->tw.pending[i]);
		if (sk && tw_compactable(sim, sk))
			compact(sim, sk);
	}
	sim->tw.npending = 0;
}

ts_sock *ts_tw_inflate(ts_sim *sim, ts_tw *tw)
{
	ts_host *h = &sim->hosts[tw->host];
	ts_sock *sk = ts_tcp_take(sim, h);
	if (!sk) {
		ts_sim_abort(sim, 0, "out of memory");
		return NULL;
	}
	sk->id = tw->id;
	sk->var = tw->var;
	sk->peer = tw->peer;
	sk->laddr = h->addr;
	sk->ts_off = ts_tcp_ts_off(sim, h);
	sk->ts_recent = tw->ts_recent;
	/* when TS.Recent was set matters no more: only that it was */
	sk->ts_recent_stamp = tw->ts_recent_set ? tw->last_rcv : TS_TIME_NEVER;
	sk->wscale_ok = tw->wscale_ok;
	sk->rcv_wscale = tw->rcv_wscale;
	sk->snd_wscale = tw->snd_wscale;
	/* a socket in TIME_WAIT offers the window it had (tcp_time_wait) */
	sk->window_clamp = 65535u << sk->rcv_wscale;
	sk->rcv_ssthresh = tw->rcv_wnd;
	sk->raddr = tw->raddr;
	sk->lport = tw->lport;
	sk->rport = tw->rport;
	sk->iss = tw->iss;
	sk->irs = tw->irs;
	sk->snd_una = sk->snd_nxt = tw->snd_nxt;
	sk->write_seq = tw->write_seq;
	sk->snd_wnd = tw->snd_wnd;
	sk->rcv_nxt = tw->rcv_nxt;
	sk->rcv_wnd = tw->rcv_wnd;
	sk->rcv_wup = tw->rcv_wup;
	sk->last_oow = tw->last_oow;
	sk->last_rcv = tw->last_rcv;
	sk->app_written = tw->app_written;
	sk->rcv_total = tw->rcv_total;
	sk->app_read = tw->app_read;
	sk->discarded = tw->discarded;
	sk->chk_rcv_nxt = tw->chk_rcv_nxt;
	sk->mss = tw->mss;
	sk->bound = tw->bound;
	sk->bind_lock = tw->bind_lock;
	sk->reuseaddr = tw->reuseaddr;
	sk->done = tw->done;
	sk->fin_queued = tw->fin_queued;
	sk->chk_synced = tw->chk_synced;
	sk->tainted = tw->tainted;
	sk->ts_ok = tw->ts_ok;
	sk->sack_ok = tw->sack_ok;
	sk->ss = tw->ss;
	sk->state = TS_TIME_WAIT;
	sk->orphan = 1;
	sk->shutdown = TS_SHUTDOWN_MASK;
	sk->hashed = 1;
	ts_time when = tw->ev.when;
	uint64_t seq = tw->ev.seq;
	ts_evq_cancel(&sim->q, &tw->ev);
	sk->tdl[TS_TIMER_CLOSE] = when;
	ts_evq_schedule_seq(&sim->q, &sk->tev, when, seq);
	ts_hmap_put(&h->conns, conn_key(sk->lport, sk->raddr, sk->rport), sk);
	ts_var *v = var_of(sk);
	if (v && ts_var_tw(v) == tw) {
		v->is_tw = 0;
		v->ref.sk = sk;
		v->ref.gen = sk->gen;
	}
	tw_release(sim, tw);
	ts_tw_note(sim, sk);
	return sk;
}

void ts_tw_fire(ts_sim *sim, ts_event *ev)
{
	ts_tw *tw = (ts_tw *)((char *)ev - offsetof(ts_tw, ev));
	if (!ts_ev_on(sim, TCPSIM_EV_TIMER) &&
	    !ts_ev_on(sim, TCPSIM_EV_STATE) && !sim->chk.on) {
		/* Nobody watches: what ts_tcp_done does for the socket,
		 * without making one (TIME_WAIT -> CLOSED, its port back,
		 * its process told, gone). */
		ts_host *h = &sim->hosts[tw->host];
		ts_hmap_del(&h->conns,
			    conn_key(tw->lport, tw->raddr, tw->rport));
		if (tw->bound)
			ts_tcp_port_put(h, tw->lport);
		ts_proc_wake(sim, &h->proc);
		tw_release(sim, tw);
		return;
	}
	/* The record's time is up: as a socket, its timer fires now. */
	ts_sock *sk = ts_tw_inflate(sim, tw);
	if (!sk)
		return;
	ts_evq_cancel(&sim->q, &sk->tev);
	ts_tcp_timer_fire(sim, &sk->tev);
}

void ts_tw_each(ts_sim *sim, void (*fn)(void *ctx, ts_tw *tw), void *ctx)
{
	for (int ci = 0; ci < sim->tw.pool.nchunks; ci++)
		for (int k = 0; k < ts_pool_used(&sim->tw.pool, ci); k++)
			if (ts_sim_tw(sim, ci, k)->in_use)
				fn(ctx, ts_sim_tw(sim, ci, k));
}

void ts_tw_drop_host(ts_sim *sim, ts_host *h)
{
	for (int ci = 0; ci < sim->tw.pool.nchunks; ci++)
		for (int k = 0; k < ts_pool_used(&sim->tw.pool, ci); k++) {
			ts_tw *tw = ts_sim_tw(sim, ci, k);
			if (!tw->in_use || tw->host != h->index)
				continue;
			/* as ts_tcp_free does for a socket */
			ts_evq_cancel(&sim->q, &tw->ev);
			ts_hmap_del(&h->conns,
				    conn_key(tw->lport, tw->raddr, tw->rport));
			if (tw->bound)
				ts_tcp_port_put(h, tw->lport);
			tw_release(sim, tw);
		}
}

void ts_tw_free_all(ts_sim *sim)
{
	ts_pool_free(&sim->tw.pool);
	free(sim->tw.pending);
	sim->tw.pending = NULL;
	sim->tw.npending = sim->tw.pending_cap = 0;
}
