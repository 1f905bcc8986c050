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
#include "render/report.h"
#include "tcp/tcp.h"

const ts_rst_info ts_rst_reasons[TS_NRST] = {
    [TS_RST_NO_SOCKET] = {"no socket matches this segment",
			  "RFC 9293 §3.10.7.1; Linux tcp_v4_rcv "
			  "(no_tcp_socket)"},
    [TS_RST_LISTEN_ACK] = {"an ACK reached a listening socket with no "
			   "handshake in progress",
			   "RFC 9293 §3.10.7.2; Linux "
			   "tcp_rcv_state_process (LISTEN)"},
    [TS_RST_SYNSENT_BAD_ACK] = {"SYN_SENT got an ACK for a sequence number "
				"never sent",
				"RFC 9293 §3.10.7.3; Linux "
				"tcp_rcv_synsent_state_process"},
    [TS_RST_SYNRECV_BAD_ACK] = {"SYN_RECEIVED got an unacceptable ACK",
				"RFC 9293 §3.10.7.4; Linux tcp_check_req"},
    [TS_RST_SYNRECV_SYN] = {"a new SYN in the window of a connection in "
			    "SYN_RECEIVED",
			    "RFC 9293 §3.10.7.4; Linux tcp_check_req "
			    "(embryonic_reset)"},
    [TS_RST_CLOSE_UNREAD] = {"close() with unread data in the receive "
			     "queue",
			     "RFC 2525 §2.17, RFC 1122 §4.2.2.13; Linux "
			     "__tcp_close"},
    [TS_RST_LINGER_ZERO] = {"close() with SO_LINGER {1, 0} aborts the "
			    "connection",
			    "RFC 9293 §3.10.5 (ABORT); Linux __tcp_close "
			    "-> tcp_disconnect"},
    [TS_RST_DATA_AFTER_CLOSE] = {"data arrived after the application "
				 "closed its receive side",
				 "RFC 1122 §4.2.2.13; Linux "
				 "tcp_rcv_state_process"},
    [TS_RST_FIN_WAIT_2_DATA] = {"new data arrived for an orphaned "
				"connection in FIN_WAIT_2",
				"RFC 1122 §4.2.2.13; Linux "
				"tcp_timewait_state_process"},
    [TS_RST_LISTEN_OVERFLOW] = {"accept queue full and "
				"tcp_abort_on_overflow is 1",
				"Linux tcp_check_req (listen_overflow)"},
    [TS_RST_LISTENER_CLOSED] = {"the listener was closed before this "
				"connection was accepted",
				"Linux inet_csk_listen_stop -> "
				"tcp_disconnect"},
    [TS_RST_KEEPALIVE] =
	{"keepalive probes went unanswered",
	 "Linux tcp_keepalive_timer (RST, then tcp_write_err)"},
};

static uint64_t conn_key(uint16_t lport, uint32_t raddr, uint16_t rport)
{
	return ((uint64_t)lport << 48) | ((uint64_t)raddr << 16) | rport;
}

ts_sock *ts_tcp_take(ts_sim *sim, ts_host *h)
{
	ts_sock *sk = ts_pool_get(&sim->socks);
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
	sk->rcvbuf = TS_TCP_RCVBUF;
	sk->mss = TS_TCP_DEFAULT_MSS;
	sk->rto = TS_TCP_RTO_INIT;
	sk->rtt_time = TS_TIME_NEVER;
	sk->rcv_mss = TS_TCP_DEFAULT_MSS; /* tcp_initialize_rcv_mss */
	for (int t = 0; t < TS_NTIMERS; t++)
		sk->tdl[t] = TS_TIME_NEVER;
	sk->tev.kind = TS_EV_SOCK_TIMER;
	sim->live_socks++;
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
	sk->in_use = 0;
	sk->gen++;
	ts_pool_put(&sim->socks, sk);
	sim->live_socks--;
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
	for (int ci = 0; ci < sim->socks.nchunks; ci++)
		for (int i = 0; i < ts_pool_used(&sim->socks, ci); i++) {
			const ts_sock *o = ts_sim_sock(sim, ci, i);
			if (!o->in_use || o == sk || o->host != h ||
			    !o->bound || o->lport != port)
				continue;
			if (!sk->reuseaddr || !o->reuseaddr ||
			    o->state == TS_LISTEN)
				return 1;
		}
	/* time-wait records: never listening */
	for (int ci = 0; ci < sim->tws.nchunks; ci++)
		for (int i = 0; i < ts_pool_used(&sim->tws, ci); i++) {
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

void ts_tcp_wake(ts_sim *sim, ts_sock *sk)
{
	ts_proc_wake(sim, &sk->host->proc);
	if (sk->parent)
		ts_proc_wake(sim, &sk->parent->host->proc);
}

const char *ts_tcp_label(ts_sim *sim, const ts_sock *sk, char *buf, size_t n)
{
	const ts_host *h = sk->host;
	if (!ts_rep_on(sim) && !sim->check) {
		buf[0] = 0; /* nobody reads it */
		return buf;
	}
	if (sk->var >= 0 && sk->var < h->decl->nvars) {
		snprintf(buf, n, "%s", h->decl->vars[sk->var]);
		return buf;
	}
	if (!sk->raddr) {
		snprintf(buf, n, "[sock %u]", sk->id);
		return buf;
	}
	return ts_tcp_label_ports(sim, sk->lport, sk->raddr, sk->rport, buf, n);
}

const char *ts_tcp_label_ports(ts_sim *sim, uint16_t lport, uint32_t raddr,
			       uint16_t rport, char *buf, size_t n)
{
	int peer = ts_sim_host_by_addr(sim, raddr);
	if (peer >= 0)
		snprintf(buf, n, "[%u<%s:%u]", lport,
			 sim->hosts[peer].decl->name, rport);
	else
		snprintf(buf, n, "[%u<%u.%u.%u.%u:%u]", lport, raddr >> 24,
			 (raddr >> 16) & 255, (raddr >> 8) & 255, raddr & 255,
			 rport);
	return buf;
}

ts_sock_ext *ts_tcp_ext(ts_sim *sim, ts_sock *sk)
{
	static ts_sock_ext scratch;
	if (!sk->x) {
		sk->x = calloc(1, sizeof *sk->x);
		if (!sk->x) {
			ts_sim_abort(sim, 0, "out of memory");
			memset(&scratch, 0, sizeof scratch);
			return &scratch;
		}
	}
	return sk->x;
}

const ts_sock_ext *ts_tcp_ext_ro(const ts_sock *sk)
{
	static const ts_sock_ext none;
	return sk->x ? sk->x : &none;
}

void ts_tcp_note_cause(ts_sim *sim, ts_sock *sk, int close)
{
	if (!sim->why)
		return;
	ts_cause *c =
	    close ? &ts_tcp_ext(sim, sk)->close : &ts_tcp_ext(sim, sk)->err;
	c->state = (uint8_t)sk->state;
	c->timer = NULL;
	c->val = 0;
	if (sim->cur_in) {
		c->kind = TS_ORIG_INPUT;
		c->val = sim->cur_in;
	} else if (sim->cur_timer) {
		c->kind = TS_ORIG_TIMER;
		c->timer = sim->cur_timer;
	} else if (sim->cur_line) {
		c->kind = TS_ORIG_CALL;
		c->val = (uint32_t)sim->cur_line;
	} else {
		c->kind = TS_ORIG_NONE;
	}
}

/* The report's line for SK going to ST (the report is on). Out of line, as
 * everything that formats text on a hot path. */
__attribute__((noinline)) static void
report_state(ts_sim *sim, ts_sock *sk, ts_tcp_state st, const char *cause)
{
	char lb[64];
	ts_rep_ev_socket(sim, ts_tcp_label(sim, sk, lb, sizeof lb));
	sim->rep.ev.old_state = (int)sk->state;
	sim->rep.ev.new_state = (int)st;
	sim->rep.ev.cause = cause;
	ts_rep_event(sim, sk->host->index, "state", "%s %s -> %s (%s)", lb,
		     ts_state_name(sk->state), ts_state_name(st), cause);
}

void ts_tcp_set_state(ts_sim *sim, ts_sock *sk, ts_tcp_state st,
		      const char *cause)
{
	if (sk->state == st)
		return;
	if (ts_rep_on(sim))
		report_state(sim, sk, st, cause);
	if (st == TS_CLOSED)
		ts_tcp_note_cause(sim, sk, 1);
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
	ts_tcp_keepalive_arm(sim, sk);
	ts_tcp_wake(sim, sk);
}

/* Remove a child from its listener's accept queue, if it is there. */
static void aq_remove(ts_sock *sk)
{
	ts_sock *l = sk->parent;
	if (!l)
		return;
	ts_sock_ext *x = l->x;
	if (!x)
		return;
	ts_sock **pp = &x->aq_head, *prev = NULL;
	while (*pp && *pp != sk) {
		prev = *pp;
		pp = &(*pp)->aq_next;
	}
	if (!*pp)
		return;
	*pp = sk->aq_next;
	if (x->aq_tail == sk)
		x->aq_tail = prev;
	x->aq_len--;
	sk->aq_next = NULL;
}

/* Linux tcp_done() (tcp.c). */
void ts_tcp_done(ts_sim *sim, ts_sock *sk, const char *cause)
{
	int was_request = sk->state == TS_SYN_RECEIVED && sk->parent &&
			  !sk->has_fd && !sk->orphan;
	ts_tcp_set_state(sim, sk, TS_CLOSED, cause);
	ts_tcp_timer_clear_all(sim, sk);
	sk->shutdown = TS_SHUTDOWN_MASK;
	sk->fin_queued = 0;
	sk->write_seq = sk->snd_nxt;
	ts_tcp_wake(sim, sk);
	/* A request socket, or an orphan, has nobody left to tell. */
	if (was_request || sk->orphan) {
		aq_remove(sk);
		ts_tcp_free(sim, sk);
	}
}

/* Linux tcp_reset() (tcp_input.c): the pending error depends on the state
 * the RST found. */
void ts_tcp_reset(ts_sim *sim, ts_sock *sk, const char *cause)
{
	ts_tcp_note_cause(sim, sk, 0);
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
	ts_tcp_done(sim, sk, cause);
}
