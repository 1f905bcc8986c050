/*
 * sock.c - socket calls with Linux's semantics. Each call is one function
 * returning through the ts_result it fills; errno rules cite the Linux
 * function they come from (net/ipv4/af_inet.c, tcp.c, net/core/stream.c).
 *
 * The pending error (sk->err, Linux sk_err) is handed out once, by
 * take_error() (Linux sock_error()), to whichever call reaches it first.
 */
#include <stdlib.h>
#include <string.h>

#include "sock/sock.h"
#include "tcp/tcp.h"

#define SOMAXCONN 4096 /* Linux net.core.somaxconn default */

static void fail(ts_result *r, ts_errno e)
{
	r->ret = -1;
	r->err = e;
}

static void ok(ts_result *r, int64_t v)
{
	r->ret = v;
	r->err = TS_OK;
}

/* Linux sock_error(): take the pending error, once. */
static ts_errno take_error(ts_sock *sk)
{
	ts_errno e = sk->err;
	sk->err = TS_OK;
	if (e)
		sk->taken = 1;
	return e;
}

/* --why: where the failure of the call in R came from. */
static void explain(ts_sock *sk, ts_result *r)
{
	ts_why *w = &r->why;
	memset(w, 0, sizeof *w);
	r->has_why = 1;
	if (!sk) {
		w->source = TCPSIM_WHY_NO_SOCKET;
		return;
	}
	const ts_sock_ext *x = ts_tcp_ext_ro(sk);
	if (sk->taken) {
		w->source = TCPSIM_WHY_PENDING_ERROR;
		w->cause = x->err.c;
		w->state = (ts_tcp_state)x->err.state;
		return;
	}
	ts_tcp_state st = ts_sock_app_state(sk);
	if (st == TS_CLOSED && x->close.set &&
	    x->close.c.kind != TCPSIM_CAUSE_NONE) {
		w->source = TCPSIM_WHY_CLOSED;
		w->cause = x->close.c;
		w->state = (ts_tcp_state)x->close.state;
		return;
	}
	w->source = TCPSIM_WHY_STATE;
	w->state = st;
	w->send_shut = !!(sk->shutdown & TS_SEND_SHUTDOWN);
}

ts_tcp_state ts_sock_app_state(const ts_sock *sk)
{
	if (sk->state == TS_TIME_WAIT)
		return TS_CLOSED;
	return sk->state;
}

/* -1: out of memory (the model has no descriptor limit). */
static int fd_alloc(ts_proc *p, ts_sock *sk)
{
	/* The lowest free fd, as POSIX requires; 0, 1 and 2 are the
	 * standard streams. */
	int fd = p->fdlow > 3 ? p->fdlow : 3;
	while (fd < p->nfds && p->fds[fd])
		fd++;
	if (fd >= p->nfds) {
		int n = p->nfds ? p->nfds * 2 : 16;
		while (n <= fd)
			n *= 2;
		ts_sock **f = realloc(p->fds, (size_t)n * sizeof *f);
		if (!f)
			return -1;
		for (int i = p->nfds; i < n; i++)
			f[i] = NULL;
		p->fds = f;
		p->nfds = n;
	}
	p->fds[fd] = sk;
	p->fdlow = fd + 1;
	sk->fd = fd;
	sk->has_fd = 1;
	return fd;
}

static int get_port(ts_sim *sim, ts_host *h, ts_sock *sk, uint16_t port)
{
	if (!port) {
		/* Deterministic ephemeral ports: the next free one of
		 * ip_local_port_range, from its low end (doc/model.md). */
		int lo = (int)h->knob[TS_KNOB_IP_LOCAL_PORT_LOW];
		int hi = (int)h->knob[TS_KNOB_IP_LOCAL_PORT_HIGH];
		for (int i = 0; i <= hi - lo; i++) {
			int p = h->next_port;
			if (p < lo || p > hi)
				p = lo;
			h->next_port = (uint16_t)(p >= hi ? lo : p + 1);
			if (!ts_portmap_get(&h->ports, (uint16_t)p)) {
				port = (uint16_t)p;
				break;
			}
		}
		if (!port)
			return -1;
	} else if (ts_tcp_port_in_use(sim, h, port, sk)) {
		return -1;
	}
	if (ts_portmap_take(&h->ports, port) < 0) {
		ts_sim_abort(sim, 0, "out of memory");
		return -1;
	}
	sk->lport = port;
	sk->bound = 1;
	return 0;
}

/* ---- socket(), bind(), listen() ---- */

/* The simulation itself ran out of memory: the run stops. (A modelled
 * ENOBUFS instead would make the result depend on the machine.) */
static void no_memory(ts_sim *sim, ts_result *r)
{
	ts_sim_abort(sim, 0, "out of memory");
	fail(r, TS_ENOBUFS);
}

static void do_socket(ts_sim *sim, ts_host *h, ts_result *r)
{
	ts_sock *sk = ts_tcp_alloc(sim, h);
	if (!sk) {
		no_memory(sim, r);
		return;
	}
	int fd = fd_alloc(&h->proc, sk);
	if (fd < 0) {
		ts_tcp_free(sim, sk);
		no_memory(sim, r);
		return;
	}
	r->sk = sk;
	ok(r, fd);
}

/* Linux inet_bind -> __inet_bind, inet_csk_get_port. */
static void do_bind(ts_sim *sim, ts_host *h, ts_sock *sk, int64_t port,
		    ts_result *r)
{
	if (sk->bound || ts_sock_app_state(sk) != TS_CLOSED) {
		fail(r, TS_EINVAL); /* __inet_bind: already bound */
		return;
	}
	if (get_port(sim, h, sk, (uint16_t)port) < 0) {
		/* inet_csk_get_port: the port is taken (also by TIME_WAIT) */
		fail(r, port ? TS_EADDRINUSE : TS_EADDRNOTAVAIL);
		return;
	}
	sk->bind_lock = 1;
	ok(r, 0);
}

/* Linux inet_listen -> inet_csk_listen_start. */
static void do_listen(ts_sim *sim, ts_host *h, ts_sock *sk, int64_t backlog,
		      ts_cause cause, ts_result *r)
{
	if (sk->ss != TS_SS_UNCONNECTED ||
	    (sk->state != TS_CLOSED && sk->state != TS_LISTEN)) {
		fail(r, TS_EINVAL); /* inet_listen: not unconnected */
		return;
	}
	/* BACKLOG is 0-2147483647 (the parser's range) */
	if (backlog > SOMAXCONN)
		backlog = SOMAXCONN;
	ts_tcp_ext(sim, sk)->backlog = (int32_t)backlog;
	if (sk->state == TS_LISTEN) {
		ok(r, 0); /* only the backlog changes */
		return;
	}
	/* Linux inet_listen(): with TFO_SERVER_WO_SOCKOPT1 every listener
	 * takes Fast Open, its backlog as the queue (RFC 7413 §4.2). */
	int64_t tfo = h->knob[TS_KNOB_TCP_FASTOPEN];
	if ((tfo & TS_TFO_SERVER_WO_SOCKOPT1) && (tfo & TS_TFO_SERVER_ENABLE) &&
	    !ts_tcp_ext_ro(sk)->fo_max_qlen)
		ts_tfo_queue_tune(sim, sk, backlog);
	if (!sk->bound && get_port(sim, h, sk, 0) < 0) {
		fail(r, TS_EADDRINUSE);
		return;
	}
	/* Linux inet_csk_listen_start -> inet_csk_get_port: a bound port is
	 * checked again for conflicts, e.g. with connections a former
	 * listen() on it accepted. */
	if (sk->bound && ts_tcp_port_in_use(sim, h, sk->lport, sk)) {
		fail(r, TS_EADDRINUSE);
		return;
	}
	ts_sock *other = ts_tcp_lookup_listener(h, sk->lport);
	if (other) {
		fail(r, TS_EADDRINUSE); /* inet_csk_get_port at listen */
		return;
	}
	if (ts_hmap_put(&h->listeners, sk->lport, sk) < 0) {
		no_memory(sim, r);
		return;
	}
	sk->listening = 1;
	ts_tcp_set_state(sim, sk, TS_LISTEN, TCPSIM_BY_LISTEN, cause);
	ok(r, 0);
}

/* ---- connect() (Linux __inet_stream_connect) ---- */

static void connect_result(ts_sim *sim, ts_sock *sk, ts_result *r)
{
	switch (ts_sock_app_state(sk)) {
	case TS_SYN_SENT:
	case TS_SYN_RECEIVED:
		r->block = 1;
		return;
	case TS_CLOSED: {
		/* sock_error: the pending error, else ECONNABORTED; then
		 * tcp_disconnect, so the socket can connect again. */
		ts_errno e = take_error(sk);
		sk->ss = TS_SS_UNCONNECTED;
		/* tcp_disconnect(): write_seq += max_window + 2 */
		sk->next_isn = sk->snd_nxt + sk->max_window + 2;
		if (!sk->next_isn)
			sk->next_isn = 1;
		ts_tcp_unhash(sk);
		sk->shutdown = 0;
		sk->done = 0;
		sk->discarded += sk->rcvq;
		sk->rcvq = 0;
		fail(r, e ? e : TS_ECONNABORTED);
		(void)sim;
		return;
	}
	case TS_LISTEN:
	case TS_ESTABLISHED:
	case TS_FIN_WAIT_1:
	case TS_FIN_WAIT_2:
	case TS_CLOSE_WAIT:
	case TS_CLOSING:
	case TS_LAST_ACK:
	case TS_TIME_WAIT:
		sk->ss = TS_SS_CONNECTED;
		ok(r, 0);
		return;
	}
}

static int is_loopback(uint32_t a)
{
	return (a >> 24) == 127;
}

/* No ephemeral port is free: Linux __inet_hash_connect may still take one
 * whose only user is a TIME_WAIT of the same destination, if tcp_tw_reuse
 * allows (2: loopback only) and the TIME_WAIT is older than
 * tcp_tw_reuse_delay (tcp_twsk_unique). Returns 1 when one was recycled. */
static int recycle_time_wait(ts_sim *sim, ts_host *h, uint32_t raddr,
			     uint16_t rport, ts_cause cause)
{
	int64_t reuse = h->knob[TS_KNOB_TCP_TW_REUSE];
	int64_t lo = h->knob[TS_KNOB_IP_LOCAL_PORT_LOW];
	int64_t hi = h->knob[TS_KNOB_IP_LOCAL_PORT_HIGH];
	ts_time delay = TS_MS(h->knob[TS_KNOB_TCP_TW_REUSE_DELAY]);
	if (reuse == 2 && !is_loopback(raddr) && !is_loopback(h->addr))
		reuse = 0;
	if (!reuse)
		return 0;
	for (int ci = 0; ci < sim->socks.pool.nchunks; ci++)
		for (int i = 0; i < ts_pool_used(&sim->socks.pool, ci); i++) {
			ts_sock *tw = ts_sim_sock(sim, ci, i);
			/* tcp_twsk_unique: only one that used timestamps */
			if (!tw->in_use || tw->host != h ||
			    tw->state != TS_TIME_WAIT || tw->raddr != raddr ||
			    tw->rport != rport || tw->lport < lo ||
			    tw->lport > hi ||
			    sim->now - tw->last_rcv <= delay || !tw->ts_ok ||
			    tw->ts_recent_stamp == TS_TIME_NEVER)
				continue;
			h->next_port = tw->lport;
			ts_tcp_done(sim, tw, TCPSIM_BY_TIME_WAIT_REUSED, cause);
			return 1;
		}
	for (int ci = 0; ci < sim->tw.pool.nchunks; ci++)
		for (int i = 0; i < ts_pool_used(&sim->tw.pool, ci); i++) {
			ts_tw *tw = ts_sim_tw(sim, ci, i);
			if (!tw->in_use || tw->host != h->index ||
			    tw->raddr != raddr || tw->rport != rport ||
			    tw->lport < lo || tw->lport > hi ||
			    sim->now - tw->last_rcv <= delay || !tw->ts_ok ||
			    !tw->ts_recent_set)
				continue;
			ts_sock *sk = ts_tw_inflate(sim, tw);
			if (!sk)
				return 0;
			h->next_port = sk->lport;
			ts_tcp_done(sim, sk, TCPSIM_BY_TIME_WAIT_REUSED, cause);
			return 1;
		}
	return 0;
}

static void disconnect(ts_sim *sim, ts_sock *sk, ts_rst_reason why,
		       tcpsim_state_cause by, ts_cause cause);

/* Linux tcp_v4_connect() up to the SYN: a port, the 4-tuple, the ISN,
 * SYN_SENT. 0, or -1 with R failed. Inlined: connect() costs what it did
 * before Fast Open shared it. */
static inline __attribute__((always_inline)) int
v4_connect(ts_sim *sim, ts_host *h, ts_sock *sk, int peer_host, uint16_t port,
	   ts_cause cause, ts_result *r)
{
	ts_host *peer = &sim->hosts[peer_host];
	if (!sk->bound && get_port(sim, h, sk, 0) < 0 &&
	    (!recycle_time_wait(sim, h, peer->addr, port, cause) ||
	     get_port(sim, h, sk, 0) < 0)) {
		fail(r, TS_EADDRNOTAVAIL); /* __inet_hash_connect: no port */
		return -1;
	}
	sk->laddr = h->addr;
	sk->raddr = peer->addr;
	sk->rport = port;
	sk->peer = peer->index;
	/* After a failed attempt, Linux tcp_disconnect() left write_seq for
	 * the next one (tcp_v4_connect keeps a non-zero write_seq). */
	uint32_t isn = sk->next_isn ? sk->next_isn : ts_tcp_next_isn(sim, h);
	sk->next_isn = 0;
	ts_sock *old = ts_tcp_lookup(sim, h, sk->lport, sk->raddr, sk->rport);
	if (old && old->state == TS_TIME_WAIT && old->ts_ok &&
	    old->ts_recent_stamp != TS_TIME_NEVER) {
		/* Linux tcp_twsk_unique(): a TIME_WAIT of the same 4-tuple
		 * that used timestamps is recycled (RFC 6191); the new ISN
		 * continues past the old connection's, and TS.Recent carries
		 * over (the SYN echoes it). */
		isn = old->snd_nxt + 65535 + 2;
		sk->ts_recent = old->ts_recent;
		sk->ts_recent_stamp = old->ts_recent_stamp;
		ts_tcp_done(sim, old, TCPSIM_BY_TIME_WAIT_RECYCLED, cause);
	} else if (old) {
		fail(r, TS_EADDRNOTAVAIL); /* the 4-tuple is taken */
		return -1;
	}
	sk->iss = isn;
	sk->snd_una = sk->snd_nxt = sk->write_seq = sk->iss;
	sk->snd_sml = sk->iss;
	sk->fin_queued = 0;
	sk->err = TS_OK;
	sk->shutdown = 0;
	sk->done = 0;
	sk->rto = TS_TCP_RTO_INIT;
	sk->srtt = sk->rttvar = 0;
	sk->retransmits = sk->total_rto = 0;
	if (ts_tcp_hash(sim, sk) < 0) {
		no_memory(sim, r);
		return -1;
	}
	ts_tcp_set_state(sim, sk, TS_SYN_SENT, TCPSIM_BY_CONNECT, cause);
	return 0;
}

/* Linux tcp_fastopen_defer_connect(): with TCP_FASTOPEN_CONNECT and a
 * cookie cached (or none needed, TFO_CLIENT_NO_COOKIE), connect() sends
 * nothing and returns 0; the first write sends the SYN with its data.
 * Without a cookie, the SYN asks for one. 1: deferred. */
static int fastopen_defer_connect(ts_sock *sk)
{
	if (!(sk->tfo & TS_TFO_F_CONNECT) || (sk->tfo & TS_TFO_F_REQ))
		return 0;
	uint16_t mss = TS_TCP_MSS;
	ts_tfo_cookie c;
	ts_tfo_cache_get(sk->host, sk->raddr, &mss, &c);
	if (c.len > 0 ||
	    (sk->host->knob[TS_KNOB_TCP_FASTOPEN] & TS_TFO_CLIENT_NO_COOKIE)) {
		sk->tfo |= TS_TFO_F_DEFER;
		return 1;
	}
	sk->tfo |= TS_TFO_F_REQ;
	return 0;
}

/* Linux tcp_connect(): the SYN, a Fast Open one when asked for. */
static void send_first_syn(ts_sim *sim, ts_sock *sk, ts_cause cause)
{
	if (sk->tfo & TS_TFO_F_REQ)
		(void)ts_tcp_send_syn_data(sim, sk, 0, cause);
	else
		ts_tcp_send_syn(sim, sk, cause);
}

static void do_connect(ts_sim *sim, ts_host *h, ts_callctx *ctx, ts_sock *sk,
		       ts_cause cause, ts_result *r)
{
	if (ctx->waiting) {
		connect_result(sim, sk, r);
		return;
	}
	const ts_call *c = &ctx->st->u.call;
	if (c->peer_host < 0) {
		/* connect(AF_UNSPEC) (R11): Linux __inet_stream_connect ->
		 * tcp_disconnect, the socket unconnected, 0. */
		ts_tcp_state st = sk->state;
		if (st != TS_CLOSED && st != TS_LISTEN && st != TS_TIME_WAIT)
			disconnect(sim, sk, TCPSIM_RST_DISCONNECT,
				   TCPSIM_BY_DISCONNECT, cause);
		/* tcp_disconnect(): write_seq += max_window + 2 */
		sk->next_isn = sk->snd_nxt + sk->max_window + 2;
		if (!sk->next_isn)
			sk->next_isn = 1;
		sk->shutdown = 0;
		sk->done = 0;
		sk->ss = TS_SS_UNCONNECTED;
		ok(r, 0);
		return;
	}
	switch (sk->ss) {
	case TS_SS_DISCONNECTING:
		/* Linux __inet_stream_connect: a state it does not expect
		 * (what shutdown() of a connecting socket left) is EINVAL */
		fail(r, TS_EINVAL);
		return;
	case TS_SS_CONNECTED:
		fail(r, TS_EISCONN);
		return;
	case TS_SS_CONNECTING:
		/* Linux __inet_stream_connect: a deferred Fast Open connect
		 * is connected as far as connect() goes (EISCONN). */
		if (sk->tfo & TS_TFO_F_DEFER) {
			fail(r, TS_EISCONN);
			return;
		}
		/* A second connect() while the first is in progress:
		 * EALREADY when non-blocking, else wait again; once done, 0. */
		if (ts_sock_app_state(sk) == TS_SYN_SENT ||
		    ts_sock_app_state(sk) == TS_SYN_RECEIVED) {
			if (sk->nonblock)
				fail(r, TS_EALREADY);
			else
				r->block = 1;
			return;
		}
		connect_result(sim, sk, r);
		return;
	default:
		break;
	}
	if (sk->state != TS_CLOSED) {
		fail(r, TS_EISCONN); /* SS_UNCONNECTED but not CLOSE: LISTEN */
		return;
	}
	if (v4_connect(sim, h, sk, c->peer_host, (uint16_t)c->a, cause, r) < 0)
		return;
	sk->ss = TS_SS_CONNECTING;
	if (sk->tfo && fastopen_defer_connect(sk)) {
		ok(r, 0);
		return;
	}
	send_first_syn(sim, sk, cause);
	if (sk->nonblock) {
		fail(r, TS_EINPROGRESS);
		return;
	}
	r->block = 1;
}

/* Linux tcp_sendmsg_fastopen() and __inet_stream_connect(is_sendmsg):
 * a send with MSG_FASTOPEN, or any send on a deferred connect. The SYN
 * goes with as much of the N bytes as it can carry (copied into
 * ctx->done); then the call returns as connect() would, EINPROGRESS
 * becoming the count when bytes went. 1: the call is over (R); 0: it is
 * connected, and the send goes on. */
__attribute__((noinline)) static int
sendmsg_fastopen(ts_sim *sim, ts_host *h, ts_callctx *ctx, ts_sock *sk,
		 int64_t n, int flags, ts_cause cause, ts_result *r)
{
	int waiting = ctx->fastopen == 1;
	ctx->fastopen = 1;
	const ts_call *c = &ctx->st->u.call;
	int nonblock = sk->nonblock || (flags & TS_MSG_DONTWAIT);
	ts_errno err;
	if (waiting) {
		/* inet_wait_for_connect() is over: connected, or the error
		 * (sock_error, and tcp_disconnect). */
		connect_result(sim, sk, r);
		return r->block || r->ret < 0;
	}
	if (!(h->knob[TS_KNOB_TCP_FASTOPEN] & TS_TFO_CLIENT_ENABLE)) {
		fail(r, TS_EOPNOTSUPP); /* tcp_sendmsg_fastopen */
		return 1;
	}
	uint32_t copied = 0;
	if (sk->tfo & TS_TFO_F_DEFER) {
		/* tcp_connect() now, the data in the SYN */
		copied = ts_tcp_send_syn_data(sim, sk, (uint32_t)n, cause);
	}
	switch (sk->ss) {
	case TS_SS_DISCONNECTING:
		fail(r, TS_EINVAL); /* __inet_stream_connect, as connect() */
		return 1;
	case TS_SS_CONNECTED:
		fail(r, TS_EISCONN);
		return 1;
	case TS_SS_CONNECTING:
		err = (sk->tfo & TS_TFO_F_DEFER) ? TS_EINPROGRESS : TS_EALREADY;
		break;
	default:
		if (sk->state != TS_CLOSED) {
			fail(r, TS_EISCONN);
			return 1;
		}
		if (c->id != TCPSIM_CALL_SENDTO) {
			/* tcp_v4_connect() without an address */
			fail(r, TS_EINVAL);
			return 1;
		}
		if (v4_connect(sim, h, sk, c->peer_host, (uint16_t)c->b, cause,
			       r) < 0)
			return 1;
		sk->ss = TS_SS_CONNECTING;
		copied = ts_tcp_send_syn_data(sim, sk, (uint32_t)n, cause);
		err = TS_EINPROGRESS;
		break;
	}
	sk->tfo &= (uint8_t)~TS_TFO_F_DEFER;
	if (copied) {
		sk->app_written += copied;
		ts_check_written(sim, sk);
		ctx->done = copied;
	}
	ts_tcp_state st = ts_sock_app_state(sk);
	if (st == TS_SYN_SENT || st == TS_SYN_RECEIVED) {
		if (nonblock) {
			/* tcp_sendmsg_locked: EINPROGRESS with bytes in the
			 * SYN is their count */
			if (err == TS_EINPROGRESS && copied)
				ok(r, copied);
			else
				fail(r, err);
			return 1;
		}
		r->block = 1;
		return 1;
	}
	connect_result(sim, sk, r);
	return r->block || r->ret < 0;
}

/* ---- accept() (Linux inet_csk_accept) ---- */

static void do_accept(ts_sim *sim, ts_host *h, ts_sock *sk, ts_result *r)
{
	(void)sim;
	if (sk->state != TS_LISTEN) {
		fail(r, TS_EINVAL);
		return;
	}
	ts_sock_ext *lx = ts_tcp_ext(sim, sk);
	ts_sock *c = lx->aq_head;
	if (!c) {
		if (sk->nonblock)
			fail(r, TS_EAGAIN);
		else
			r->block = 1;
		return;
	}
	int fd = fd_alloc(&h->proc, c);
	if (fd < 0) {
		no_memory(sim, r);
		return;
	}
	lx->aq_head = c->aq_next;
	if (!lx->aq_head)
		lx->aq_tail = NULL;
	lx->aq_len--;
	c->aq_next = NULL;
	c->parent = NULL;
	lx->nchildren--;
	c->ss = TS_SS_CONNECTED;
	/* The child owns a reference to the port from now on (its page is
	 * there: the listener holds the port). */
	ts_portmap_take(&h->ports, c->lport);
	c->bound = 1;
	c->bind_lock = sk->bind_lock;
	r->sk = c;
	ok(r, fd);
}

/* ---- write()/send() (Linux tcp_sendmsg_locked, sk_stream_*) ---- */

/* Linux sk_stream_error(): an EPIPE gives way to a pending error, and
 * raises SIGPIPE unless MSG_NOSIGNAL. */
static void stream_error(ts_sock *sk, ts_errno e, int flags, ts_result *r)
{
	if (e == TS_EPIPE) {
		ts_errno p = take_error(sk);
		if (p)
			e = p;
	}
	if (e == TS_EPIPE && !(flags & TS_MSG_NOSIGNAL))
		r->sigpipe = 1;
	fail(r, e);
}

static void do_send(ts_sim *sim, ts_callctx *ctx, ts_sock *sk, int64_t n,
		    int flags, ts_cause cause, ts_result *r)
{
	int nonblock = sk->nonblock || (flags & TS_MSG_DONTWAIT);
	/* Linux tcp_sendmsg_locked: MSG_FASTOPEN, or a deferred connect,
	 * connects first; ctx->fastopen: 1 while it waits, 2 past it. */
	if ((flags & TS_MSG_FASTOPEN) | (sk->tfo & TS_TFO_F_DEFER) |
	    ctx->fastopen) {
		if (ctx->fastopen != 2 &&
		    sendmsg_fastopen(sim, sk->host, ctx, sk, n, flags, cause,
				     r))
			return;
		ctx->fastopen = 2;
		r->ret = 0;
		r->err = TS_OK;
	}
	ts_tcp_state st = ts_sock_app_state(sk);
	/* Linux tcp_sendmsg_locked: a passive Fast Open child may send
	 * before its handshake is done (tcp_passive_fastopen). */
	if (st != TS_ESTABLISHED && st != TS_CLOSE_WAIT &&
	    !(sk->tfo & TS_TFO_F_CHILD)) {
		/* A write that blocked after queueing bytes returns their
		 * count; a pending error waits for the next call (Linux
		 * tcp_sendmsg_locked, do_error: "if (copied) goto out"). */
		if (ctx->done) {
			ok(r, ctx->done);
			return;
		}
		/* Linux sk_stream_wait_connect() */
		if (sk->err) {
			stream_error(sk, take_error(sk), flags, r);
			return;
		}
		if (st != TS_SYN_SENT && st != TS_SYN_RECEIVED) {
			stream_error(sk, TS_EPIPE, flags, r);
			return;
		}
		if (nonblock) {
			fail(r, TS_EAGAIN);
			return;
		}
		r->block = 1;
		return;
	}
	/* Linux tcp_sendmsg_locked: an error or SEND_SHUTDOWN is EPIPE.
	 * (Its "if (copied) goto out" is the branch above here: every error
	 * and SEND_SHUTDOWN comes with a change of state, so a write that
	 * copied bytes and waited finds the socket no longer ESTABLISHED or
	 * CLOSE_WAIT.) */
	if (sk->err || (sk->shutdown & TS_SEND_SHUTDOWN)) {
		stream_error(sk, TS_EPIPE, flags, r);
		return;
	}
	uint64_t copy = ts_tcp_sendmsg(sim, sk, (uint64_t)(n - ctx->done),
				       (uint64_t)ctx->done, cause);
	ctx->done += (int64_t)copy;
	if (ctx->done == n) {
		ok(r, n);
		return;
	}
	if (nonblock) {
		if (ctx->done)
			ok(r, ctx->done);
		else
			fail(r, TS_EAGAIN);
		return;
	}
	r->block = 1; /* sk_stream_wait_memory */
}

/* ---- read()/recv() (Linux tcp_recvmsg_locked) ---- */

static void cleanup_rbuf(ts_sim *sim, ts_sock *sk, ts_cause cause)
{
	/* Linux tcp_cleanup_rbuf(): after a read, announce a window that
	 * at least doubled. */
	if (sk->shutdown & TS_RCV_SHUTDOWN)
		return;
	ts_tcp_state st = sk->state;
	if (st != TS_ESTABLISHED && st != TS_FIN_WAIT_1 && st != TS_FIN_WAIT_2)
		return;
	uint32_t now = ts_tcp_receive_window(sk);
	if (2 * now > sk->window_clamp)
		return;
	uint32_t nw = ts_tcp_new_window(sk);
	if (nw && nw >= 2 * now)
		ts_tcp_send_ack(sim, sk, cause);
}

static void do_recv(ts_sim *sim, ts_sock *sk, int64_t n, int flags,
		    ts_cause cause, ts_result *r)
{
	int nonblock = sk->nonblock || (flags & TS_MSG_DONTWAIT);
	ts_tcp_state st = ts_sock_app_state(sk);
	if (st == TS_LISTEN) {
		fail(r, TS_ENOTCONN);
		return;
	}
	/* A recv() of 0 bytes goes the whole way, as Linux tcp_recvmsg_locked
	 * does (its target is at least one byte): 0 once data is queued or
	 * the stream has ended, else the pending error, ENOTCONN, EAGAIN, or
	 * it blocks until data comes. (A read() of 0 never gets here.) */
	if (sk->rcvq) {
		/* Queued data first, also after FIN, RST or timeout. */
		uint32_t got = sk->rcvq < n ? sk->rcvq : (uint32_t)n;
		if (!(flags & TS_MSG_PEEK) && got) {
			sk->rcvq -= got;
			sk->app_read += got;
			cleanup_rbuf(sim, sk, cause);
		}
		ok(r, got);
		return;
	}
	if (sk->done) {
		ok(r, 0); /* SOCK_DONE: end of stream */
		return;
	}
	if (sk->err) {
		fail(r, take_error(sk));
		return;
	}
	if (sk->shutdown & TS_RCV_SHUTDOWN) {
		ok(r, 0);
		return;
	}
	if (st == TS_CLOSED) {
		fail(r, TS_ENOTCONN);
		return;
	}
	if (nonblock) {
		fail(r, TS_EAGAIN);
		return;
	}
	r->block = 1;
}

/* ---- shutdown() (Linux inet_shutdown, tcp_shutdown) ---- */

static void stop_listening(ts_sim *sim, ts_host *h, ts_sock *sk,
			   ts_cause cause);

/* Linux tcp_need_reset(): the states in which an abort sends RST. */
static int need_reset(ts_tcp_state s)
{
	switch (s) {
	case TS_ESTABLISHED:
	case TS_CLOSE_WAIT:
	case TS_FIN_WAIT_1:
	case TS_FIN_WAIT_2:
	case TS_SYN_RECEIVED:
		return 1;
	case TS_CLOSED:
	case TS_LISTEN:
	case TS_SYN_SENT:
	case TS_CLOSING:
	case TS_LAST_ACK:
	case TS_TIME_WAIT:
		return 0;
	}
	return 0;
}

/* Linux tcp_disconnect(): abort, RST when tcp_need_reset() says so (or
 * CLOSING/LAST_ACK with unsent data). */
static void disconnect(ts_sim *sim, ts_sock *sk, ts_rst_reason why,
		       tcpsim_state_cause by, ts_cause cause)
{
	ts_tcp_state old = sk->state;
	int unsent = ts_seq_lt(sk->snd_nxt, sk->write_seq);
	ts_tcp_set_state(sim, sk, TS_CLOSED, by, cause);
	if (need_reset(old) ||
	    ((old == TS_CLOSING || old == TS_LAST_ACK) && unsent)) {
		ts_tcp_send_active_reset(sim, sk, why, cause);
		sk->err = TS_ECONNRESET; /* tcp_disconnect */
	} else if (old == TS_SYN_SENT) {
		sk->err = TS_ECONNRESET; /* tcp_disconnect */
	}
	ts_tcp_timer_clear_all(sim, sk);
	sk->discarded += sk->rcvq;
	sk->rcvq = 0;
	sk->nofo = 0;
	sk->write_seq = sk->snd_nxt;
	ts_tcp_skb_purge(sk); /* tcp_write_queue_purge */
	sk->fin_queued = 0;
	/* tcp_disconnect(): "Clean up fastopen related fields", the
	 * request a child held (reqsk_fastopen_remove) and a deferred
	 * connect; TCP_FASTOPEN_CONNECT stays. */
	if (sk->tfo & TS_TFO_F_CHILD)
		ts_tfo_child_done(sk);
	sk->tfo &= TS_TFO_F_CONNECT;
}

/* Linux tcp_close_state(): the state close() or shutdown(SHUT_WR) moves
 * to; 1 when a FIN must be sent. */
static int close_state(ts_sim *sim, ts_sock *sk, tcpsim_state_cause by,
		       ts_cause cause)
{
	switch (sk->state) {
	case TS_ESTABLISHED:
	case TS_SYN_RECEIVED:
		ts_tcp_set_state(sim, sk, TS_FIN_WAIT_1, by, cause);
		return 1;
	case TS_CLOSE_WAIT:
		ts_tcp_set_state(sim, sk, TS_LAST_ACK, by, cause);
		return 1;
	case TS_SYN_SENT:
		ts_tcp_set_state(sim, sk, TS_CLOSED, by, cause);
		ts_tcp_timer_clear_all(sim, sk);
		return 0;
	case TS_CLOSED:
	case TS_LISTEN:
	case TS_FIN_WAIT_1:
	case TS_FIN_WAIT_2:
	case TS_CLOSING:
	case TS_LAST_ACK:
	case TS_TIME_WAIT:
		return 0;
	}
	return 0;
}

static void do_shutdown(ts_sim *sim, ts_host *h, ts_sock *sk, int how,
			ts_cause cause, ts_result *r)
{
	int bits = how + 1; /* SHUT_RD -> RCV_SHUTDOWN ... (inet_shutdown) */
	if (sk->ss == TS_SS_CONNECTING) {
		/* inet_shutdown: SS_DISCONNECTING (SYN_SENT's disconnect
		 * below makes it SS_UNCONNECTED), else SS_CONNECTED */
		ts_tcp_state s = sk->state;
		sk->ss =
		    (s == TS_SYN_SENT || s == TS_SYN_RECEIVED || s == TS_CLOSED)
			? TS_SS_DISCONNECTING
			: TS_SS_CONNECTED;
	}
	switch (ts_sock_app_state(sk)) {
	case TS_CLOSED:
		/* inet_shutdown: ENOTCONN, yet the bits are set. */
		sk->shutdown |= (uint8_t)bits;
		fail(r, TS_ENOTCONN);
		return;
	case TS_LISTEN:
		if (bits & TS_RCV_SHUTDOWN)
			stop_listening(sim, h, sk, cause);
		ok(r, 0);
		return;
	case TS_SYN_SENT:
		/* inet_shutdown -> tcp_disconnect: no RST, ECONNRESET
		 * pending. */
		disconnect(sim, sk, TCPSIM_RST_LINGER_ZERO,
			   TCPSIM_BY_SHUTDOWN_SYN_SENT, cause);
		sk->ss = TS_SS_UNCONNECTED;
		ok(r, 0);
		return;
	case TS_SYN_RECEIVED:
	case TS_ESTABLISHED:
	case TS_FIN_WAIT_1:
	case TS_FIN_WAIT_2:
	case TS_CLOSE_WAIT:
	case TS_CLOSING:
	case TS_LAST_ACK:
	case TS_TIME_WAIT:
		break;
	}
	sk->shutdown |= (uint8_t)bits;
	ts_tcp_wake(sim, sk);
	if ((bits & TS_SEND_SHUTDOWN) &&
	    (sk->state == TS_ESTABLISHED || sk->state == TS_SYN_RECEIVED ||
	     sk->state == TS_CLOSE_WAIT)) {
		if (close_state(sim, sk, TCPSIM_BY_SHUTDOWN_WR, cause))
			ts_tcp_queue_fin(sim, sk, cause);
	}
	ok(r, 0);
}

/* ---- close() (Linux inet_release -> __tcp_close) ---- */

/* States in which a lingering close() still waits for its FIN's ACK. */
static int lingering(const ts_sock *sk)
{
	return sk->state == TS_FIN_WAIT_1 || sk->state == TS_CLOSING ||
	       sk->state == TS_LAST_ACK;
}

/* Linux inet_csk_listen_stop(): children not yet accepted are aborted
 * (RST from the established ones), requests dropped. */
static void stop_listening(ts_sim *sim, ts_host *h, ts_sock *sk, ts_cause cause)
{
	ts_sock_ext *lx = sk->x;
	if (!lx)
		return; /* it never listened */
	while (lx->aq_head) {
		ts_sock *c = lx->aq_head;
		lx->aq_head = c->aq_next;
		c->aq_next = NULL;
		lx->aq_len--;
		disconnect(sim, c, TCPSIM_RST_LISTENER_CLOSED,
			   TCPSIM_BY_LISTENER_CLOSED, cause);
		ts_tcp_free(sim, c);
	}
	lx->aq_tail = NULL;
	/* Requests (SYN_RECEIVED children) are dropped silently; the peer's
	 * next segment meets no socket. */
	if (lx->nchildren) {
		for (int ci = 0; ci < sim->socks.pool.nchunks; ci++)
			for (int i = 0; i < ts_pool_used(&sim->socks.pool, ci);
			     i++) {
				ts_sock *c = ts_sim_sock(sim, ci, i);
				if (c->in_use && c->parent == sk) {
					ts_tcp_set_state(
					    sim, c, TS_CLOSED,
					    TCPSIM_BY_LISTENER_CLOSED, cause);
					ts_tcp_free(sim, c);
				}
			}
	}
	if (sk->listening) {
		ts_hmap_del(&h->listeners, sk->lport);
		sk->listening = 0;
	}
	ts_tcp_set_state(sim, sk, TS_CLOSED, TCPSIM_BY_LISTENER_CLOSED, cause);
}

/* The end of __tcp_close, after any lingering: the socket is orphaned
 * (Linux sock_orphan) and goes on alone. */
static void orphan(ts_sim *sim, ts_host *h, ts_sock *sk)
{
	sk->orphan = 1;
	switch (sk->state) {
	case TS_CLOSED:
		ts_tcp_free(sim, sk);
		return;
	case TS_FIN_WAIT_2: {
		/* Orphaned FIN_WAIT_2: Linux moves it to a time-wait record
		 * for tcp_fin_time() = max(tcp_fin_timeout, 3.5 RTO). */
		ts_time t = TS_SEC(h->knob[TS_KNOB_TCP_FIN_TIMEOUT]);
		if (t < sk->rto * 7 / 2)
			t = sk->rto * 7 / 2;
		ts_tcp_timer_set(sim, sk, TS_TIMER_CLOSE, sim->now + t);
		return;
	}
	case TS_LISTEN:
	case TS_SYN_SENT:
	case TS_SYN_RECEIVED:
	case TS_ESTABLISHED:
	case TS_FIN_WAIT_1:
	case TS_CLOSE_WAIT:
	case TS_CLOSING:
	case TS_LAST_ACK:
	case TS_TIME_WAIT:
		return;
	}
}

/* Linux __tcp_close(). Returns 1 when close() must linger (SO_LINGER with
 * a time, our FIN not yet acknowledged): orphan() comes after the wait. */
static int release(ts_sim *sim, ts_host *h, ts_sock *sk, int exiting,
		   ts_cause cause)
{
	ts_proc *p = &h->proc;
	if (sk->fd >= 0 && sk->fd < p->nfds) {
		p->fds[sk->fd] = NULL;
		if (sk->fd < p->fdlow)
			p->fdlow = sk->fd;
	}
	sk->fd = -1;
	sk->has_fd = 0;
	sk->shutdown = TS_SHUTDOWN_MASK;
	if (sk->state == TS_LISTEN) {
		stop_listening(sim, h, sk, cause);
		ts_tcp_free(sim, sk);
		return 0;
	}
	uint32_t unread = sk->rcvq;
	sk->discarded += sk->rcvq;
	sk->rcvq = 0;
	sk->nofo = 0;
	if (ts_sock_app_state(sk) == TS_CLOSED) {
		orphan(sim, h, sk); /* a TIME_WAIT goes on by itself */
		return 0;
	}
	if (unread) {
		/* Linux __tcp_close: unread data -> CLOSE, then RST
		 * (RFC 2525 §2.17). */
		ts_tcp_set_state(sim, sk, TS_CLOSED, TCPSIM_BY_CLOSE_UNREAD,
				 cause);
		ts_tcp_send_active_reset(sim, sk, TCPSIM_RST_CLOSE_UNREAD,
					 cause);
		ts_tcp_free(sim, sk);
		return 0;
	}
	if (sk->linger_on && sk->linger_s == 0) {
		/* Linux __tcp_close -> tcp_disconnect (SO_LINGER {1, 0}). */
		disconnect(sim, sk, TCPSIM_RST_LINGER_ZERO,
			   TCPSIM_BY_CLOSE_LINGER_ZERO, cause);
		ts_tcp_free(sim, sk);
		return 0;
	}
	if (close_state(sim, sk,
			exiting ? TCPSIM_BY_PROCESS_EXIT : TCPSIM_BY_CLOSE,
			cause))
		ts_tcp_queue_fin(sim, sk, cause);
	if (!sk->in_use)
		return 0;
	/* sk_stream_wait_close(): never when the process is exiting. */
	if (!exiting && sk->linger_on && lingering(sk))
		return 1;
	orphan(sim, h, sk);
	return 0;
}

static void do_close(ts_sim *sim, ts_host *h, ts_callctx *ctx, ts_sock *sk,
		     ts_cause cause, ts_result *r)
{
	if (!ctx->waiting) {
		ctx->sk = release(sim, h, sk, 0, cause) ? sk : NULL;
		if (!ctx->sk) {
			ok(r, 0);
			return;
		}
	}
	/* SO_LINGER {1, t}: wait until our FIN is acknowledged or t runs
	 * out (Linux sk_stream_wait_close); close() returns 0 either way. */
	ts_sock *w = ctx->sk;
	if (!ctx->timed_out && lingering(w)) {
		r->block = 1;
		return;
	}
	ctx->sk = NULL;
	orphan(sim, h, w);
	ok(r, 0);
}

void ts_sock_close_abandon(ts_sim *sim, ts_host *h, ts_callctx *ctx)
{
	if (ctx->st && ctx->st->u.call.id == TCPSIM_CALL_CLOSE && ctx->sk) {
		orphan(sim, h, ctx->sk);
		ctx->sk = NULL;
	}
}

/* ---- options and the rest ---- */

static void do_setsockopt(ts_sim *sim, ts_sock *sk, const ts_call *c,
			  ts_result *r)
{
	switch ((ts_sockopt)c->opt) {
	case TS_OPT_SO_LINGER:
		sk->linger_on = c->a != 0;
		sk->linger_s = (uint32_t)c->b;
		break;
	case TS_OPT_SO_KEEPALIVE: {
		/* Linux sk_setsockopt -> tcp_set_keepalive: switched on, the
		 * timer starts now; on again, it is left alone; off, gone. */
		int was = sk->keepalive;
		sk->keepalive = c->a != 0;
		if (sk->keepalive && !was)
			ts_tcp_keepalive_on(sim, sk);
		else if (!sk->keepalive)
			ts_tcp_keepalive_arm(sim, sk);
		break;
	}
	case TS_OPT_SO_REUSEADDR:
		sk->reuseaddr = c->a != 0;
		break;
	case TS_OPT_TCP_KEEPIDLE:
	case TS_OPT_TCP_KEEPINTVL:
		/* Linux do_tcp_setsockopt: 1..MAX_TCP_KEEPIDLE (32767) */
		if (c->a < 1 || c->a > 32767) {
			fail(r, TS_EINVAL);
			return;
		}
		if (c->opt == TS_OPT_TCP_KEEPIDLE) {
			sk->keepidle = (uint32_t)c->a;
			ts_tcp_keepalive_arm(sim, sk);
		} else {
			sk->keepintvl = (uint32_t)c->a;
		}
		break;
	case TS_OPT_TCP_KEEPCNT:
		if (c->a < 1 || c->a > 127) { /* MAX_TCP_KEEPCNT */
			fail(r, TS_EINVAL);
			return;
		}
		sk->keepcnt = (uint32_t)c->a;
		break;
	case TS_OPT_TCP_USER_TIMEOUT:
		if (c->a < 0 || c->a > 2147483647) {
			fail(r, TS_EINVAL);
			return;
		}
		sk->user_timeout_ms = (uint32_t)c->a;
		break;
	case TS_OPT_SO_ERROR:
		fail(r, TS_ENOPROTOOPT); /* SO_ERROR is read-only */
		return;
	case TS_OPT_SO_SNDBUF:
	case TS_OPT_SO_RCVBUF: {
		/* Linux sk_setsockopt: at most wmem_max / rmem_max (a
		 * negative value reads as a huge one), doubled for the
		 * overhead, at least SOCK_MIN_SNDBUF / SOCK_MIN_RCVBUF; the
		 * size is then locked against autotuning. */
		int snd = c->opt == TS_OPT_SO_SNDBUF;
		uint64_t v = (uint32_t)c->a;
		uint64_t max =
		    (uint64_t)sk->host
			->knob[snd ? TS_KNOB_WMEM_MAX : TS_KNOB_RMEM_MAX];
		if (v > max)
			v = max;
		v *= 2;
		if (v < 4608) /* 2 * TCP_SKB_MIN_TRUESIZE */
			v = 4608;
		if (v > INT32_MAX)
			v = INT32_MAX;
		if (snd) {
			sk->sndbuf = (uint32_t)v;
			sk->sndbuf_lock = 1;
			/* sk->sk_write_space(): a writer may wake */
			if (ts_tcp_writeable(sk))
				ts_tcp_wake(sim, sk);
		} else {
			sk->rcvbuf = (uint32_t)v;
			sk->rcvbuf_lock = 1;
		}
		break;
	}
	case TS_OPT_TCP_NODELAY:
		/* Linux __tcp_sock_set_nodelay: on, what waits goes now */
		sk->nodelay = c->a != 0;
		if (sk->nodelay && ts_tcp_push_pending(sk))
			ts_tcp_push(sim, sk, ts_cause_none());
		break;
	case TS_OPT_TCP_MAXSEG:
		/* Linux do_tcp_setsockopt: 0, or TCP_MIN_MSS (88) to
		 * MAX_TCP_WINDOW */
		if (c->a && (c->a < 88 || c->a > 32767)) {
			fail(r, TS_EINVAL);
			return;
		}
		sk->user_mss = (uint16_t)c->a;
		break;
	case TS_OPT_TCP_FASTOPEN:
		/* Linux do_tcp_setsockopt: the queue of a listener's Fast
		 * Open children (fastopen_queue_tune), set in CLOSE or
		 * LISTEN; EINVAL otherwise. */
		if (c->a < 0 ||
		    (sk->state != TS_CLOSED && sk->state != TS_LISTEN)) {
			fail(r, TS_EINVAL);
			return;
		}
		ts_tfo_queue_tune(sim, sk, c->a);
		break;
	case TS_OPT_TCP_FASTOPEN_CONNECT:
		/* Linux do_tcp_setsockopt: 0 or 1 (EINVAL), the client side
		 * on (EOPNOTSUPP), in CLOSE (EINVAL). */
		if (c->a < 0 || c->a > 1) {
			fail(r, TS_EINVAL);
			return;
		}
		if (!(sk->host->knob[TS_KNOB_TCP_FASTOPEN] &
		      TS_TFO_CLIENT_ENABLE)) {
			fail(r, TS_EOPNOTSUPP);
			return;
		}
		if (sk->state != TS_CLOSED) {
			fail(r, TS_EINVAL);
			return;
		}
		if (c->a)
			sk->tfo |= TS_TFO_F_CONNECT;
		else
			sk->tfo &= (uint8_t)~TS_TFO_F_CONNECT;
		break;
	case TS_OPT_TCP_SYNCNT:
		/* Linux tcp_sock_set_syncnt: 1..MAX_TCP_SYNCNT (127) */
		if (c->a < 1 || c->a > 127) {
			fail(r, TS_EINVAL);
			return;
		}
		sk->syn_retries = (uint8_t)c->a;
		break;
	}
	ok(r, 0);
}

/* Linux sk_getsockopt / do_tcp_getsockopt. */
static void do_getsockopt(ts_sock *sk, const ts_call *c, ts_result *r)
{
	switch ((ts_sockopt)c->opt) {
	case TS_OPT_SO_SNDBUF:
		ok(r, sk->sndbuf);
		return;
	case TS_OPT_SO_RCVBUF:
		ok(r, sk->rcvbuf);
		return;
	case TS_OPT_TCP_NODELAY:
		ok(r, sk->nodelay);
		return;
	case TS_OPT_TCP_MAXSEG:
		/* the segment size, or TCP_MAXSEG's before a connection */
		if (sk->user_mss &&
		    (sk->state == TS_CLOSED || sk->state == TS_LISTEN))
			ok(r, sk->user_mss);
		else
			ok(r, sk->mss);
		return;
	case TS_OPT_SO_ERROR:
	case TS_OPT_SO_LINGER:
	case TS_OPT_SO_KEEPALIVE:
	case TS_OPT_SO_REUSEADDR:
	case TS_OPT_TCP_KEEPIDLE:
	case TS_OPT_TCP_KEEPINTVL:
	case TS_OPT_TCP_KEEPCNT:
	case TS_OPT_TCP_USER_TIMEOUT:
	case TS_OPT_TCP_FASTOPEN:
	case TS_OPT_TCP_FASTOPEN_CONNECT:
	case TS_OPT_TCP_SYNCNT:
		break;
	}
	/* net/core/sock.c SO_ERROR: the pending error, cleared. */
	ok(r, take_error(sk));
}

/* Linux tcp_poll(). */
uint32_t ts_sock_poll_mask(const ts_sock *sk)
{
	ts_tcp_state st = ts_sock_app_state(sk);
	uint32_t mask = 0;
	if (st == TS_LISTEN)
		return ts_tcp_ext_ro(sk)->aq_head ? TS_POLLIN : 0;
	if (sk->shutdown == TS_SHUTDOWN_MASK || st == TS_CLOSED)
		mask |= TS_POLLHUP;
	if (sk->shutdown & TS_RCV_SHUTDOWN)
		mask |= TS_POLLIN | TS_POLLRDHUP;
	/* Linux tcp_poll: a Fast Open child in SYN_RECV reads and writes as
	 * a connected socket; a deferred Fast Open connect is writable, so
	 * that the application writes and the SYN goes. */
	if ((st != TS_SYN_SENT && st != TS_SYN_RECEIVED) ||
	    (sk->tfo & TS_TFO_F_CHILD)) {
		if (sk->rcvq)
			mask |= TS_POLLIN;
		if (!(sk->shutdown & TS_SEND_SHUTDOWN)) {
			if (ts_tcp_writeable(sk))
				mask |= TS_POLLOUT;
		} else {
			mask |= TS_POLLOUT;
		}
	} else if (sk->tfo & TS_TFO_F_DEFER) {
		mask |= TS_POLLOUT;
	}
	if (sk->err)
		mask |= TS_POLLERR;
	return mask;
}

static void do_poll(ts_callctx *ctx, ts_sock *sk, const ts_call *c,
		    ts_result *r)
{
	uint32_t want = (uint32_t)c->flags | TS_POLLERR | TS_POLLHUP;
	uint32_t mask = ts_sock_poll_mask(sk);
	uint32_t got = mask & want;
	/* Linux tcp_poll(): a connection not writeable is marked
	 * SOCK_NOSPACE, so that the ACKs that free its memory grow the
	 * buffer and wake it (tcp_check_space -> tcp_new_space) */
	if (!(mask & TS_POLLOUT) && !(sk->shutdown & TS_SEND_SHUTDOWN) &&
	    ts_tcp_may_send(sk->state))
		sk->nospace = 1;
	if (got || c->a == 0 || ctx->timed_out) {
		ok(r, got);
		return;
	}
	r->block = 1;
}

static void dispatch(ts_sim *sim, ts_host *h, ts_callctx *ctx, ts_sock *sk,
		     ts_result *r);

void ts_sock_call(ts_sim *sim, ts_host *h, ts_callctx *ctx, ts_sock *sk,
		  ts_result *r)
{
	r->ret = 0;
	r->err = TS_OK;
	r->block = 0;
	r->sigpipe = 0;
	r->has_addr = 0;
	r->sk = NULL;
	r->has_why = 0;
	if (sk)
		sk->taken = 0;
	dispatch(sim, h, ctx, sk, r);
	if (r->ret < 0 && sim->why.on && r->err != TS_EINPROGRESS)
		explain(sk, r);
}

static void dispatch(ts_sim *sim, ts_host *h, ts_callctx *ctx, ts_sock *sk,
		     ts_result *r)
{
	const ts_call *c = &ctx->st->u.call;
	/* What the call sends or changes, it does because its line ran. */
	ts_cause cause = ts_cause_line(ctx->st);
	switch (c->id) {
	case TCPSIM_CALL_SOCKET:
		do_socket(sim, h, r);
		return;
	case TCPSIM_CALL_BIND:
		do_bind(sim, h, sk, c->a, r);
		return;
	case TCPSIM_CALL_LISTEN:
		do_listen(sim, h, sk, c->a, cause, r);
		return;
	case TCPSIM_CALL_CONNECT:
		do_connect(sim, h, ctx, sk, cause, r);
		return;
	case TCPSIM_CALL_ACCEPT:
		do_accept(sim, h, sk, r);
		return;
	case TCPSIM_CALL_WRITE:
		do_send(sim, ctx, sk, c->a, 0, cause, r);
		return;
	case TCPSIM_CALL_SEND:
	case TCPSIM_CALL_SENDTO:
		/* A TCP socket ignores sendto()'s address, but for Fast Open
		 * (Linux tcp_sendmsg_locked). */
		do_send(sim, ctx, sk, c->a, c->flags, cause, r);
		return;
	case TCPSIM_CALL_READ:
		/* Linux sock_read_iter(): a read of 0 bytes returns 0 before
		 * the protocol sees it, whatever the socket's state. */
		if (c->a == 0) {
			ok(r, 0);
			return;
		}
		do_recv(sim, sk, c->a, 0, cause, r);
		return;
	case TCPSIM_CALL_RECV:
		do_recv(sim, sk, c->a, c->flags, cause, r);
		return;
	case TCPSIM_CALL_SHUTDOWN:
		do_shutdown(sim, h, sk, c->opt, cause, r);
		return;
	case TCPSIM_CALL_CLOSE:
		do_close(sim, h, ctx, sk, cause, r);
		return;
	case TCPSIM_CALL_SETSOCKOPT:
		do_setsockopt(sim, sk, c, r);
		return;
	case TCPSIM_CALL_GETSOCKOPT:
		do_getsockopt(sk, c, r);
		return;
	case TCPSIM_CALL_FCNTL:
		sk->nonblock = 1;
		ok(r, 0);
		return;
	case TCPSIM_CALL_GETPEERNAME: {
		/* Linux inet_getname(peer): ENOTCONN in CLOSE and SYN_SENT */
		ts_tcp_state st = ts_sock_app_state(sk);
		if (!sk->rport || st == TS_CLOSED || st == TS_SYN_SENT) {
			fail(r, TS_ENOTCONN);
			return;
		}
		r->has_addr = 1;
		r->addr = sk->raddr;
		r->port = sk->rport;
		ok(r, 0);
		return;
	}
	case TCPSIM_CALL_GETSOCKNAME:
		r->has_addr = 1;
		r->addr = sk->laddr;
		r->port = sk->lport;
		ok(r, 0);
		return;
	case TCPSIM_CALL_POLL:
		do_poll(ctx, sk, c, r);
		return;
	case TCPSIM_CALL_SIGNAL:
		h->proc.sigpipe_ignored = c->a != 0;
		ok(r, 0);
		return;
	}
}

void ts_sock_exit(ts_sim *sim, ts_host *h, ts_cause cause)
{
	ts_proc *p = &h->proc;
	for (int fd = 0; fd < p->nfds; fd++)
		if (p->fds[fd])
			(void)release(sim, h, p->fds[fd], 1, cause);
}
