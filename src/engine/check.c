/*
 * check.c - the checking mode (--check, tcpsim_options.check): after every
 * event, the TCP invariants of every socket, and end-to-end byte integrity:
 * what a receiver takes into its queue never exceeds what the peer's
 * application wrote (no byte delivered twice or invented), in order. A
 * violation stops the run with status 2 and says what broke.
 */
#include <inttypes.h>
#include <stdio.h>

#include "base/sb.h"
#include "engine/engine.h"
#include "sock/sock.h"

/* SK's name, as the report gives it, into BUF (for the messages). */
static const char *label(const ts_sim *sim, const ts_sock *sk, char buf[64])
{
	tcpsim_sock d;
	char tmp[64];
	ts_sb sb;
	ts_tcp_describe(sim, sk, &d);
	ts_sb_init(&sb, tmp, sizeof tmp);
	ts_sb_sock(&sb, &d);
	ts_sb_copy_out(&sb, buf, 64);
	ts_sb_free(&sb);
	return buf;
}

static uint64_t conn_id(uint32_t saddr, uint16_t sport, uint32_t daddr,
			uint16_t dport, uint32_t isn)
{
	uint64_t k = ((uint64_t)saddr << 32 | daddr) ^
		     ((uint64_t)sport << 48 | (uint64_t)dport << 32 | isn);
	k ^= k >> 29;
	k *= 0xbf58476d1ce4e5b9ULL;
	k ^= k >> 32;
	return k ? k : 1;
}

void ts_check_written(ts_sim *sim, ts_sock *sk)
{
	if (!sim->chk.on)
		return;
	uint64_t id =
	    conn_id(sk->host->addr, sk->lport, sk->raddr, sk->rport, sk->iss);
	/* Stored + 1 so that 0 written is not an empty slot. */
	ts_hmap_put(&sim->chk.ledger, id,
		    (void *)(uintptr_t)(sk->app_written + 1));
}

static int synced(ts_tcp_state st)
{
	switch (st) {
	case TS_ESTABLISHED:
	case TS_FIN_WAIT_1:
	case TS_FIN_WAIT_2:
	case TS_CLOSE_WAIT:
	case TS_CLOSING:
	case TS_LAST_ACK:
	case TS_TIME_WAIT:
		return 1;
	case TS_CLOSED:
	case TS_LISTEN:
	case TS_SYN_SENT:
	case TS_SYN_RECEIVED:
		return 0;
	}
	return 0;
}

#define FAILED(...)                                                            \
	do {                                                                   \
		snprintf(msg, n, __VA_ARGS__);                                 \
		return -1;                                                     \
	} while (0)

static int check_sock(ts_sim *sim, ts_sock *sk, char *msg, size_t n)
{
	char lb[64];
	const char *who = label(sim, sk, lb);
	const char *h = sk->host->decl->name;
	if (synced(sk->state)) {
		if (ts_seq_gt(sk->snd_una, sk->snd_nxt))
			FAILED("%s %s: SND.UNA %u beyond SND.NXT %u", h, who,
			       sk->snd_una, sk->snd_nxt);
		if (ts_seq_gt(sk->snd_nxt, sk->write_seq + sk->fin_queued))
			FAILED("%s %s: SND.NXT %u beyond the data queued (%u)",
			       h, who, sk->snd_nxt, sk->write_seq);
		if (sk->chk_synced && ts_seq_lt(sk->rcv_nxt, sk->chk_rcv_nxt))
			FAILED("%s %s: RCV.NXT moved back from %u to %u", h,
			       who, sk->chk_rcv_nxt, sk->rcv_nxt);
		sk->chk_rcv_nxt = sk->rcv_nxt;
		sk->chk_synced = 1;
		/* Every in-order byte went to the queue exactly once. */
		uint64_t in_seq =
		    (uint32_t)(sk->rcv_nxt - sk->irs - 1) - sk->done;
		if ((uint32_t)sk->rcv_total != (uint32_t)in_seq)
			FAILED("%s %s: %" PRIu64 " bytes queued for %u in "
			       "sequence",
			       h, who, sk->rcv_total, (uint32_t)in_seq);
	}
	if (sk->rcv_total != sk->app_read + sk->rcvq + sk->discarded)
		FAILED("%s %s: bytes received %" PRIu64 " != read %" PRIu64
		       " + queued %u + discarded %" PRIu64,
		       h, who, sk->rcv_total, sk->app_read, sk->rcvq,
		       sk->discarded);
	/* nothing taken beyond the right edge offered (a FIN may sit on
	 * it: RFC 9293 §3.10.7.4, Linux accepts one in a zero window) */
	if (sk->state != TS_LISTEN && sk->state != TS_SYN_SENT &&
	    sk->state != TS_CLOSED &&
	    ts_seq_gt(sk->rcv_nxt, sk->rcv_wup + sk->rcv_wnd + 1))
		FAILED("%s %s: RCV.NXT %u beyond the window offered (%u + %u)",
		       h, who, sk->rcv_nxt, sk->rcv_wup, sk->rcv_wnd);
	/* RFC 7323 §2.3: a window field of 16 bits, shifted by the scale */
	if (sk->rcv_wnd > 65535u << sk->rcv_wscale ||
	    sk->snd_wnd > 65535u << sk->snd_wscale)
		FAILED("%s %s: window out of bounds (receive %u, send %u)", h,
		       who, sk->rcv_wnd, sk->snd_wnd);
	for (int t = 0; t < TS_NTIMERS; t++)
		if (sk->tdl[t] != TS_TIME_NEVER && sk->tdl[t] < sim->now)
			FAILED("%s %s: timer %d due at %" PRId64
			       " us, in the past",
			       h, who, t, sk->tdl[t]);
	switch (sk->state) {
	case TS_CLOSED:
	case TS_LISTEN:
		for (int t = 0; t < TS_NTIMERS; t++)
			if (sk->tdl[t] != TS_TIME_NEVER)
				FAILED("%s %s: a timer runs in %s", h, who,
				       ts_state_name(sk->state));
		break;
	case TS_TIME_WAIT:
		if (sk->tdl[TS_TIMER_CLOSE] == TS_TIME_NEVER)
			FAILED("%s %s: TIME_WAIT without its timer", h, who);
		if (sk->tdl[TS_TIMER_RTX] != TS_TIME_NEVER)
			FAILED("%s %s: retransmission timer in TIME_WAIT", h,
			       who);
		break;
	case TS_SYN_SENT:
	case TS_SYN_RECEIVED:
	case TS_ESTABLISHED:
	case TS_FIN_WAIT_1:
	case TS_FIN_WAIT_2:
	case TS_CLOSE_WAIT:
	case TS_CLOSING:
	case TS_LAST_ACK:
		if (sk->tdl[TS_TIMER_RTX] != TS_TIME_NEVER &&
		    sk->snd_una == sk->snd_nxt)
			FAILED("%s %s: retransmission timer with nothing to "
			       "retransmit",
			       h, who);
		break;
	}
	if (sk->keepalive == 0 && sk->tdl[TS_TIMER_KEEPALIVE] != TS_TIME_NEVER)
		FAILED("%s %s: keepalive timer without SO_KEEPALIVE", h, who);
	/* Never more bytes than the peer's application wrote. */
	if (synced(sk->state) && !sk->tainted) {
		uint64_t id = conn_id(sk->raddr, sk->rport, sk->host->addr,
				      sk->lport, sk->irs);
		uintptr_t w = (uintptr_t)ts_hmap_get(&sim->chk.ledger, id);
		if (w && sk->rcv_total > w - 1)
			FAILED("%s %s: %" PRIu64
			       " bytes received, but the peer "
			       "wrote %" PRIu64,
			       h, who, sk->rcv_total, (uint64_t)(w - 1));
	}
	return 0;
}

int ts_check(ts_sim *sim)
{
	char msg[300];
	if (!sim->chk.on || sim->run.aborted)
		return 0;
	const ts_event *ev = ts_evq_peek(&sim->q);
	if (ev && ev->when < sim->now) {
		ts_sim_abort(sim, 0,
			     "invariant: an event is scheduled in the "
			     "past");
		return -1;
	}
	for (int ci = 0; ci < sim->socks.pool.nchunks; ci++)
		for (int i = 0; i < ts_pool_used(&sim->socks.pool, ci); i++) {
			ts_sock *sk = ts_sim_sock(sim, ci, i);
			if (!sk->in_use)
				continue;
			if (check_sock(sim, sk, msg, sizeof msg) < 0) {
				ts_sim_abort(sim, 0, "invariant: %s", msg);
				return -1;
			}
		}
	return 0;
}

int ts_check_end(ts_sim *sim)
{
	char lb[64];
	if (!sim->chk.on || sim->run.aborted)
		return 0;
	/* A socket nobody holds, no queue holds, and that waits for nothing
	 * should have been freed. */
	for (int ci = 0; ci < sim->socks.pool.nchunks; ci++)
		for (int i = 0; i < ts_pool_used(&sim->socks.pool, ci); i++) {
			ts_sock *sk = ts_sim_sock(sim, ci, i);
			if (!sk->in_use || sk->has_fd || sk->parent)
				continue;
			int timers = 0;
			for (int t = 0; t < TS_NTIMERS; t++)
				timers |= sk->tdl[t] != TS_TIME_NEVER;
			if (sk->state == TS_CLOSED || !timers) {
				if (!sk->host->up)
					continue;
				ts_sim_abort(
				    sim, 0,
				    "invariant: socket %s on %s leaked "
				    "(%s, no descriptor)",
				    label(sim, sk, lb), sk->host->decl->name,
				    ts_state_name(sk->state));
				return -1;
			}
		}
	return 0;
}
