/*
 * tcp_conn.c - socket life cycle: allocation from the simulation's pool,
 * the per-host lookup tables, initial sequence numbers, and the state
 * changes every other file goes through (ts_tcp_set_state, ts_tcp_done,
 * ts_tcp_reset).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "tcp/tcp.h"

static uint64_t conn_key(uint16_t lport, uint32_t raddr, uint16_t rport)
{
	return ((uint64_t)lport << 48) | ((uint64_t)raddr << 16) | rport;
}

ts_sock *ts_tcp_take(ts_sim *sim, ts_host *h)
{
	ts_sock *sk = ts_pool_get(&sim->socks.pool);
	if (!sk)
		return NULL;
	uint32_t gen = sk->gen;
	memset(sk, 0, sizeof *sk);
	sk->gen = gen;
	sk->in_use = 1;
	sk->host = h;
	sk->state = TS_CLOSED;
	sk->fd = -1;
	sk->var = -1;
	sk->peer = -1;
	sk->rcvbuf = (uint32_t)h->knob[TS_KNOB_TCP_RMEM_DEF];
	sk->sndbuf =
	    (uint32_t)h->knob[TS_KNOB_TCP_WMEM_DEF]; /* tcp_init_sock */
	sk->ts_recent_stamp = TS_TIME_NEVER;
	sk->mss = TS_TCP_DEFAULT_MSS;
	sk->rto = TS_TCP_RTO_INIT;
	sk->rtt_time = TS_TIME_NEVER;
	sk->rcv_mss = TS_TCP_DEFAULT_MSS; /* tcp_initialize_rcv_mss */
	ts_cong_init_sock(sk);
	for (int t = 0; t < TS_NTIMERS; t++)
		sk->tdl[t] = TS_TIME_NEVER;
	sk->tev.kind = TS_EV_SOCK_TIMER;
	sim->socks.live++;
	return sk;
}

ts_sock *ts_tcp_alloc(ts_sim *sim, ts_host *h)
{
	ts_sock *sk = ts_tcp_take(sim, h);
	if (sk)
		sk->id = ++h->next_sock_id;
	return sk;
}

void ts_tcp_release(ts_sim *sim, ts_sock *sk)
{
	free(sk->x);
	sk->x = NULL;
	ts_tcp_skb_purge(sk);
	sk->in_use = 0;
	sk->gen++;
	ts_pool_put(&sim->socks.pool, sk);
	sim->socks.live--;
}

void ts_tcp_port_put(ts_host *h, uint16_t port)
{
	ts_portmap_put(&h->ports, port);
}

void ts_tcp_free(ts_sim *sim, ts_sock *sk)
{
	if (!sk->in_use)
		return;
	ts_tcp_timer_clear_all(sim, sk);
	ts_tcp_unhash(sk);
	if (sk->listening) {
		ts_hmap_del(&sk->host->listeners, sk->lport);
		sk->listening = 0;
	}
	if (sk->bound) {
		ts_tcp_port_put(sk->host, sk->lport);
		sk->bound = 0;
	}
	if (sk->parent) {
		/* (a listener freed first, by a crash, counts nothing) */
		if (sk->parent->x)
			sk->parent->x->nchildren--;
		sk->parent = NULL;
	}
	ts_tcp_release(sim, sk);
}

int ts_tcp_hash(ts_sim *sim, ts_sock *sk)
{
	(void)sim;
	if (sk->hashed)
		return 0;
	if (ts_hmap_put(&sk->host->conns,
			conn_key(sk->lport, sk->raddr, sk->rport), sk) < 0)
		return -1;
	sk->hashed = 1;
	return 0;
}

void ts_tcp_unhash(ts_sock *sk)
{
	if (!sk->hashed)
		return;
	ts_hmap_del(&sk->host->conns,
		    conn_key(sk->lport, sk->raddr, sk->rport));
	sk->hashed = 0;
}

ts_sock *ts_tcp_lookup(ts_sim *sim, ts_host *h, uint16_t lport, uint32_t raddr,
		       uint16_t rport)
{
	void *v = ts_hmap_get(&h->conns, conn_key(lport, raddr, rport));
	if ((uintptr_t)v & 1) /* a time-wait record (tcp_tw.c) */
		return ts_tw_inflate(sim, (ts_tw *)((uintptr_t)v - 1));
	return v;
}

void ts_tcp_seqvars(const ts_host *h, uint16_t lport, uint32_t raddr,
		    uint16_t rport, tcpsim_seqvars *o)
{
	memset(o, 0, sizeof *o);
	for (int t = 0; t < TCPSIM_NTIMERS; t++)
		o->timer_us[t] = -1;
	void *v = ts_hmap_get(&h->conns, conn_key(lport, raddr, rport));
	if (!v)
		return;
	o->valid = 1;
	if ((uintptr_t)v & 1) { /* a time-wait record: its timer ends it */
		const ts_tw *tw = (const ts_tw *)((uintptr_t)v - 1);
		o->state = TCPSIM_TIME_WAIT;
		o->snd_una = o->snd_nxt = tw->snd_nxt;
		o->snd_wnd = tw->snd_wnd;
		o->rcv_nxt = tw->rcv_nxt;
		o->rcv_wnd = tw->rcv_wnd;
		if (tw->ev.slot)
			o->timer_us[TCPSIM_TIMER_CLOSE] = tw->ev.when;
		return;
	}
	const ts_sock *sk = v;
	o->state = (tcpsim_state)sk->state;
	o->snd_una = sk->snd_una;
	o->snd_nxt = sk->snd_nxt;
	o->snd_wnd = sk->snd_wnd;
	o->rcv_nxt = sk->rcv_nxt;
	o->rcv_wnd = sk->rcv_wnd;
	o->snd_cwnd = sk->snd_cwnd;
	for (int t = 0; t < TCPSIM_NTIMERS && t < TS_NTIMERS; t++)
		if (sk->tdl[t] != TS_TIME_NEVER)
			o->timer_us[t] = sk->tdl[t];
}

ts_sock *ts_tcp_lookup_listener(ts_host *h, uint16_t lport)
{
	return ts_hmap_get(&h->listeners, lport);
}

int ts_tcp_port_in_use(ts_sim *sim, ts_host *h, uint16_t port,
		       const ts_sock *sk)
{
	if (!ts_portmap_get(&h->ports, port))
		return 0;
	/* Linux inet_csk_bind_conflict(): a port is shared only when both
	 * sockets set SO_REUSEADDR and the other one is not listening; a
	 * TIME_WAIT keeps the flag of the socket it came from. */
	for (int ci = 0; ci < sim->socks.pool.nchunks; ci++)
		for (int i = 0; i < ts_pool_used(&sim->socks.pool, ci); i++) {
			const ts_sock *o = ts_sim_sock(sim, ci, i);
			if (!o->in_use || o == sk || o->host != h ||
			    !o->bound || o->lport != port)
				continue;
			if (!sk->reuseaddr || !o->reuseaddr ||
			    o->state == TS_LISTEN)
				return 1;
		}
	/* time-wait records: never listening */
	for (int ci = 0; ci < sim->tw.pool.nchunks; ci++)
		for (int i = 0; i < ts_pool_used(&sim->tw.pool, ci); i++) {
			const ts_tw *o = ts_sim_tw(sim, ci, i);
			if (o->in_use && o->host == h->index && o->bound &&
			    o->lport == port &&
			    (!sk->reuseaddr || !o->reuseaddr))
				return 1;
		}
	return 0;
}

static uint32_t mix32(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return (uint32_t)x;
}

/*
 * Initial sequence numbers, deterministic (doc/model.md): a host's series
 * starts at its `isn` knob, or (index + 1) * 1000 (plus a hash of --seed
 * when one is given); each reboot moves the series by 2^29; each new
 * connection of the same boot adds 64000.
 */
uint32_t ts_tcp_next_isn(ts_sim *sim, ts_host *h)
{
	uint32_t base;
	if (h->knob[TS_KNOB_ISN] >= 0)
		base = (uint32_t)h->knob[TS_KNOB_ISN];
	else {
		base = (uint32_t)(h->index + 1) * 1000u;
		if (sim->opts.seed)
			base +=
			    mix32(sim->opts.seed * 131u + (uint64_t)h->index);
	}
	base += h->boot * 0x20000000u;
	return base + h->nconn++ * 64000u;
}

/*
 * The timestamp clock's offset (Linux secure_tcp_ts_off(), random per
 * address pair; deterministic here, doc/model.md): (index + 1) * 10^6 for
 * host index, plus 2^29 per reboot, so that the last digits of a TSval
 * are the virtual time's milliseconds; 0 with tcp_timestamps 2.
 */
uint32_t ts_tcp_ts_off(const ts_sim *sim, const ts_host *h)
{
	(void)sim;
	if (h->knob[TS_KNOB_TCP_TIMESTAMPS] == 2)
		return 0;
	return (uint32_t)(h->index + 1) * 1000000u + h->boot * 0x20000000u;
}

void ts_tcp_info(const ts_sim *sim, const ts_sock *sk, tcpsim_tcp_info *o)
{
	(void)sim;
	memset(o, 0, sizeof *o);
	o->state = (tcpsim_state)sk->state;
	o->ca_state = (tcpsim_ca_state)sk->ca_state;
	o->retransmits = (int)sk->retransmits;
	o->backoff = (int)sk->retransmits;
	o->probes = sk->probes_out;
	o->options =
	    (sk->ts_ok ? TCPSIM_TCPI_OPT_TIMESTAMPS : 0) |
	    (sk->sack_ok ? TCPSIM_TCPI_OPT_SACK : 0) |
	    (sk->wscale_ok ? TCPSIM_TCPI_OPT_WSCALE : 0) |
	    /* syn_data_acked (Fast Open) */
	    (sk->tfo & TS_TFO_F_DATA_ACKED ? TCPSIM_TCPI_OPT_SYN_DATA : 0);
	if (sk->wscale_ok) {
		o->snd_wscale = sk->snd_wscale;
		o->rcv_wscale = sk->rcv_wscale;
	}
	o->rto_us = (uint32_t)sk->rto;
	o->ato_us = (uint32_t)sk->ato;
	o->snd_mss = sk->mss;
	o->rcv_mss = sk->rcv_mss;
	o->advmss = TS_TCP_MSS - (sk->ts_ok ? TS_TCP_TSOPT_LEN : 0);
	o->unacked = ts_cong_packets_out(sk);
	/* tcpi_rtt: srtt as Linux keeps it, the RTT in microseconds */
	o->rtt_us = (uint32_t)sk->srtt;
	o->rttvar_us = (uint32_t)sk->rttvar;
	o->snd_ssthresh = sk->snd_ssthresh;
	o->snd_cwnd = sk->snd_cwnd;
	o->rcv_ssthresh = sk->rcv_ssthresh;
	o->total_retrans = sk->total_retrans;
	o->bytes_acked = sk->bytes_acked;
	o->bytes_received = sk->rcv_total;
}

ts_time ts_tcp_jiffy(const ts_host *h)
{
	return TS_SEC(1) / h->knob[TS_KNOB_HZ];
}

void ts_tcp_wake(ts_sim *sim, ts_sock *sk)
{
	ts_proc_wake(sim, &sk->host->proc);
	if (sk->parent)
		ts_proc_wake(sim, &sk->parent->host->proc);
}

void ts_tcp_describe(const ts_sim *sim, const ts_sock *sk, tcpsim_sock *o)
{
	const ts_host *h = sk->host;
	o->id = sk->id;
	o->var = sk->var >= 0 && sk->var < h->decl->nvars
		     ? h->decl->vars[sk->var]
		     : NULL;
	o->laddr = sk->laddr;
	o->raddr = sk->raddr;
	o->lport = sk->lport;
	o->rport = sk->rport;
	o->peer =
	    sk->raddr ? ts_sim_host_name_of(sim, sk->raddr, sk->peer) : NULL;
}

void ts_tw_describe(const ts_sim *sim, const ts_tw *tw, tcpsim_sock *o)
{
	const ts_host_decl *d = sim->hosts[tw->host].decl;
	o->id = tw->id;
	o->var = tw->var >= 0 && tw->var < d->nvars ? d->vars[tw->var] : NULL;
	o->laddr = sim->hosts[tw->host].addr;
	o->raddr = tw->raddr;
	o->lport = tw->lport;
	o->rport = tw->rport;
	o->peer = ts_sim_host_name_of(sim, tw->raddr, tw->peer);
}

ts_sock_ext *ts_tcp_ext(ts_sim *sim, ts_sock *sk)
{
	if (!sk->x) {
		sk->x = calloc(1, sizeof *sk->x);
		if (!sk->x) {
			/* The run ends; until it does, writes go to the
			 * simulation's scratch copy. */
			ts_sim_abort(sim, 0, "out of memory");
			memset(&sim->socks.scratch, 0,
			       sizeof sim->socks.scratch);
			return &sim->socks.scratch;
		}
	}
	return sk->x;
}

const ts_sock_ext *ts_tcp_ext_ro(const ts_sock *sk)
{
	static const ts_sock_ext none;
	return sk->x ? sk->x : &none;
}

void ts_tcp_note_cause(ts_sim *sim, ts_sock *sk, int close, ts_cause cause)
{
	if (!sim->why.on)
		return;
	ts_sock_cause *c =
	    close ? &ts_tcp_ext(sim, sk)->close : &ts_tcp_ext(sim, sk)->err;
	c->c = cause;
	c->state = (uint8_t)sk->state;
	c->set = 1;
}

/* The event of SK going to ST (someone takes it). Out of line, as
 * everything that only the views need. */
__attribute__((noinline)) static void state_event(ts_sim *sim, ts_sock *sk,
						  ts_tcp_state st,
						  tcpsim_state_cause by,
						  ts_cause cause)
{
	tcpsim_event ev;
	ts_ev_begin(sim, &ev, TCPSIM_EV_STATE, sk->host->index);
	ts_tcp_describe(sim, sk, &ev.u.state.sock);
	ev.u.state.old_state = (tcpsim_state)sk->state;
	ev.u.state.new_state = (tcpsim_state)st;
	ev.u.state.cause = by;
	ev.u.state.segno = ts_cause_segno(cause);
	if (by == TCPSIM_BY_SYN_TO_LISTENER && sk->parent)
		ts_tcp_describe(sim, sk->parent, &ev.u.state.listener);
	ts_ev_emit(sim, &ev);
}

/* A state change that someone watches, or to CLOSED: out of line, so
 * that the common change costs its caller little. */
__attribute__((noinline)) static void set_state_slow(ts_sim *sim, ts_sock *sk,
						     ts_tcp_state st,
						     tcpsim_state_cause by,
						     ts_cause cause)
{
	if (ts_ev_on(sim, TCPSIM_EV_STATE))
		state_event(sim, sk, st, by, cause);
	if (st == TS_CLOSED)
		ts_tcp_note_cause(sim, sk, 1, cause);
	sk->state = st;
	if (st == TS_CLOSED) {
		ts_tcp_unhash(sk);
		/* Linux tcp_set_state(CLOSE): a port the socket did not bind
		 * itself goes back (inet_put_port). */
		if (sk->bound && !sk->bind_lock) {
			ts_tcp_port_put(sk->host, sk->lport);
			sk->bound = 0;
		}
	}
}

void ts_tcp_set_state(ts_sim *sim, ts_sock *sk, ts_tcp_state st,
		      tcpsim_state_cause by, ts_cause cause)
{
	if (sk->state == st)
		return;
	if (st == TS_CLOSED || ts_ev_on(sim, TCPSIM_EV_STATE))
		set_state_slow(sim, sk, st, by, cause);
	else
		sk->state = st;
	ts_tcp_keepalive_arm(sim, sk);
	ts_tcp_wake(sim, sk);
}

/* Linux tcp_done() (tcp.c). */
void ts_tcp_done(ts_sim *sim, ts_sock *sk, tcpsim_state_cause by,
		 ts_cause cause)
{
	int was_request = sk->state == TS_SYN_RECEIVED && sk->parent &&
			  !sk->has_fd && !sk->orphan && !sk->tfo;
	/* Linux tcp_done(): reqsk_fastopen_remove(); a Fast Open child not
	 * yet accepted stays in the accept queue, its data readable. */
	if (sk->tfo & TS_TFO_F_CHILD)
		ts_tfo_child_done(sk);
	/* Never called on a closed socket: the change of state wakes whoever
	 * waits on it (ts_tcp_set_state). */
	ts_tcp_set_state(sim, sk, TS_CLOSED, by, cause);
	ts_tcp_timer_clear_all(sim, sk);
	sk->shutdown = TS_SHUTDOWN_MASK;
	sk->fin_queued = 0;
	sk->write_seq = sk->snd_nxt;
	/* A request socket, or an orphan, has nobody left to tell. Neither
	 * is in an accept queue, which holds children that completed the
	 * handshake (and Fast Open children) until accept() or the
	 * listener's close() takes them out. */
	if (was_request || sk->orphan)
		ts_tcp_free(sim, sk);
}

/* Linux tcp_reset() (tcp_input.c): the pending error depends on the state
 * the RST found. */
void ts_tcp_reset(ts_sim *sim, ts_sock *sk, tcpsim_state_cause by,
		  ts_cause cause)
{
	ts_tcp_note_cause(sim, sk, 0, cause);
	switch (sk->state) {
	case TS_SYN_SENT:
		sk->err = TS_ECONNREFUSED; /* Linux tcp_reset: SYN_SENT */
		break;
	case TS_CLOSE_WAIT:
		sk->err = TS_EPIPE; /* Linux tcp_reset: CLOSE_WAIT */
		break;
	case TS_CLOSED:
		return; /* Linux tcp_reset: already closed, ignored */
	case TS_TIME_WAIT:
		/* The application's socket left this connection at the
		 * TIME_WAIT hand-off (Linux tcp_time_wait): nobody to tell. */
		break;
	case TS_LISTEN:
	case TS_SYN_RECEIVED:
	case TS_ESTABLISHED:
	case TS_FIN_WAIT_1:
	case TS_FIN_WAIT_2:
	case TS_CLOSING:
	case TS_LAST_ACK:
		sk->err = TS_ECONNRESET; /* Linux tcp_reset: other states */
		break;
	}
	ts_tcp_done(sim, sk, by, cause);
}
