/*
 * tcp_timer.c - per-socket timers: an array of absolute deadlines and one
 * queue event at the earliest (BSD t_timers[]). Handlers: retransmission
 * (Linux tcp_retransmit_timer, tcp_write_timeout; request sockets:
 * reqsk_timer_handler) and the close timer (TIME_WAIT expiry, orphaned
 * FIN_WAIT_2 timeout).
 */
#include "engine/engine.h"
#include "tcp/tcp.h"

/* The TIMER event of SK (someone takes it): what the timer did, with its
 * numbers (their meaning per WHAT: include/tcpsim.h). */
__attribute__((noinline)) static void
timer_event(ts_sim *sim, const ts_sock *sk, tcpsim_timer_event what,
	    uint32_t count, int64_t limit, const char *knob, ts_time rto,
	    ts_time next)
{
	tcpsim_event ev;
	ts_ev_begin(sim, &ev, TCPSIM_EV_TIMER, sk->host->index);
	ts_tcp_describe(sim, sk, &ev.u.timer.sock);
	ev.u.timer.what = what;
	ev.u.timer.count = count;
	ev.u.timer.limit = limit;
	ev.u.timer.knob = knob;
	ev.u.timer.rto_us = rto;
	ev.u.timer.next_us = next;
	ts_ev_emit(sim, &ev);
}

#define TIMER_EVENT(sim, sk, ...)                                              \
	do {                                                                   \
		if (ts_ev_on(sim, TCPSIM_EV_TIMER))                            \
			timer_event(sim, sk, __VA_ARGS__);                     \
	} while (0)

/* Sockets waiting on nothing but keepalive: they alone do not keep a run
 * going once the trace's lines are done (sim->socks.ka_only counts them). */
__attribute__((noinline)) static void ka_only_update(ts_sim *sim, ts_sock *sk)
{
	int only = sk->tdl[TS_TIMER_KEEPALIVE] != TS_TIME_NEVER;
	for (int t = 0; only && t < TS_NTIMERS; t++)
		if (t != TS_TIMER_KEEPALIVE && sk->tdl[t] != TS_TIME_NEVER)
			only = 0;
	if (only != sk->ka_only) {
		sk->ka_only = (uint8_t)only;
		if (only)
			sim->socks.ka_only++;
		else
			sim->socks.ka_only--;
	}
}

static void resched(ts_sim *sim, ts_sock *sk)
{
	ts_time first = TS_TIME_NEVER;
	for (int t = 0; t < TS_NTIMERS; t++)
		if (sk->tdl[t] < first)
			first = sk->tdl[t];
	if (first == TS_TIME_NEVER)
		ts_evq_idle(&sim->q, &sk->tev);
	else if (!ts_event_queued(&sk->tev) || sk->tev.when != first)
		ts_evq_schedule(&sim->q, &sk->tev, first);
	/* Without a keepalive timer, a socket is not waiting on it alone. */
	if (sk->ka_only || sk->tdl[TS_TIMER_KEEPALIVE] != TS_TIME_NEVER)
		ka_only_update(sim, sk);
}

/* Setting a timer to what it is changes nothing: the queue already holds
 * the earliest (inside ts_tcp_timer_fire, its last resched does). A
 * third of the calls in a short connection are such. */
void ts_tcp_timer_set(ts_sim *sim, ts_sock *sk, ts_timer t, ts_time when)
{
	if (sk->tdl[t] == when)
		return;
	sk->tdl[t] = when;
	resched(sim, sk);
}

void ts_tcp_timer_clear(ts_sim *sim, ts_sock *sk, ts_timer t)
{
	if (sk->tdl[t] == TS_TIME_NEVER)
		return;
	sk->tdl[t] = TS_TIME_NEVER;
	resched(sim, sk);
}

void ts_tcp_timer_clear_all(ts_sim *sim, ts_sock *sk)
{
	for (int t = 0; t < TS_NTIMERS; t++)
		sk->tdl[t] = TS_TIME_NEVER;
	ts_evq_cancel(&sim->q, &sk->tev);
	if (sk->ka_only) {
		sk->ka_only = 0;
		sim->socks.ka_only--;
	}
}

void ts_tcp_rearm_rtx(ts_sim *sim, ts_sock *sk)
{
	sk->rtx_tlp = 0;
	if (sk->snd_una != sk->snd_nxt)
		ts_tcp_timer_set(sim, sk, TS_TIMER_RTX, sim->now + sk->rto);
	else
		ts_tcp_timer_clear(sim, sk, TS_TIMER_RTX);
}

int ts_tcp_schedule_tlp(ts_sim *sim, ts_sock *sk, int advancing)
{
	if (!ts_tcp_may_send(sk->state))
		return 0; /* Linux: only with tcp_early_retrans 3 or 4, on
			   * SACK connections, outside loss recovery, one probe
			   * at a time. */
	int64_t er = sk->host->knob[TS_KNOB_TCP_EARLY_RETRANS];
	if ((er != 3 && er != 4) || !sk->sack_ok ||
	    sk->snd_una == sk->snd_nxt || sk->retransmits ||
	    (sk->ca_state != TS_CA_OPEN && sk->ca_state != TS_CA_CWR) ||
	    sk->tlp_high)
		return 0;
	/* PTO = 2 SRTT, plus TCP_RTO_MIN when one packet is in flight (to
	 * cover a delayed ACK), plus two ticks otherwise (Linux
	 * tcp_schedule_loss_probe: tp->packets_out == 1; data and a FIN
	 * sent on its own are two packets). */
	ts_time pto = TS_TCP_RTO_INIT;
	if (sk->srtt)
		pto = 2 * sk->srtt + (ts_cong_packets_out(sk) == 1
					  ? TS_TCP_RTO_MIN
					  : 2 * ts_tcp_jiffy(sk->host));
	/* If the RTO would come first, probe then. */
	ts_time rto_left =
	    advancing ? sk->rto : sk->first_tx + sk->rto - sim->now;
	if (rto_left > 0 && rto_left < pto)
		pto = rto_left;
	ts_tcp_timer_set(sim, sk, TS_TIMER_RTX, sim->now + pto);
	sk->rtx_tlp = 1;
	return 1;
}

/* Linux tcp_send_loss_probe(): send new data if the window allows, else
 * the last segment again; then the RTO. */
static void tlp_timer(ts_sim *sim, ts_sock *sk, ts_cause cause)
{
	sk->rtx_tlp = 0;
	TIMER_EVENT(sim, sk, TCPSIM_T_LOSS_PROBE, 0, 0, NULL, 0, 0);
	if (!ts_tcp_probe_new_data(sim, sk, cause))
		ts_tcp_retransmit_tail(sim, sk, cause);
	sk->tlp_high = sk->snd_nxt ? sk->snd_nxt : 1;
	sk->rtt_time = TS_TIME_NEVER;
	ts_tcp_rearm_rtx(sim, sk);
}

/* RFC 6298 §2.2-2.3 with Linux's floor (tcp_rtt_estimator, __tcp_set_rto):
 * RTO = SRTT + max(4 * RTTVAR, TCP_RTO_MIN), at most TCP_RTO_MAX. */
void ts_tcp_rtt_sample(ts_sock *sk, ts_time r)
{
	if (r < 1)
		r = 1;
	if (!sk->srtt) {
		sk->srtt = r;
		sk->rttvar = r / 2;
	} else {
		ts_time d = sk->srtt > r ? sk->srtt - r : r - sk->srtt;
		sk->rttvar = (3 * sk->rttvar + d) / 4;
		sk->srtt = (7 * sk->srtt + r) / 8;
	}
	ts_tcp_set_rto(sk);
}

void ts_tcp_set_rto(ts_sock *sk)
{
	if (!sk->srtt)
		return;
	ts_time var = 4 * sk->rttvar;
	if (var < TS_TCP_RTO_MIN)
		var = TS_TCP_RTO_MIN;
	sk->rto = sk->srtt + var;
	if (sk->rto > TS_TCP_RTO_MAX)
		sk->rto = TS_TCP_RTO_MAX;
}

/* Linux tcp_model_timeout(): how long BOUNDARY retransmissions take when
 * the RTO starts at RTO_BASE and doubles up to TCP_RTO_MAX. */
static ts_time model_timeout(int64_t boundary, ts_time rto_base)
{
	int64_t thresh = 0;
	while ((rto_base << (thresh + 1)) <= TS_TCP_RTO_MAX)
		thresh++; /* ilog2(TCP_RTO_MAX / rto_base) */
	if (boundary <= thresh)
		return ((2LL << boundary) - 1) * rto_base;
	return ((2LL << thresh) - 1) * rto_base +
	       (boundary - thresh) * TS_TCP_RTO_MAX;
}

/* Linux retransmits_timed_out(): checked only when the timer fires. */
static int timed_out(ts_sim *sim, ts_sock *sk, int64_t boundary,
		     ts_time rto_base)
{
	if (!sk->retransmits)
		return 0;
	ts_time limit = sk->user_timeout_ms ? TS_MS(sk->user_timeout_ms)
					    : model_timeout(boundary, rto_base);
	return sim->now - sk->retrans_stamp >= limit;
}

/* Linux tcp_orphan_retries(): 0 means 8 while the RTO is below its max. */
static int64_t orphan_retries(ts_sock *sk)
{
	int64_t r = sk->host->knob[TS_KNOB_TCP_ORPHAN_RETRIES];
	if (r == 0 && sk->rto < TS_TCP_RTO_MAX)
		r = 8;
	return r;
}

/* Linux tcp_write_err(): give up. The pending error is ETIMEDOUT and no
 * RST is sent (RFC 9293 §3.10.8; Linux tcp_write_timeout). */
static void write_err(ts_sim *sim, ts_sock *sk, tcpsim_state_cause by,
		      ts_cause cause)
{
	ts_tcp_note_cause(sim, sk, 0, cause);
	sk->err = TS_ETIMEDOUT; /* Linux tcp_write_err */
	ts_tcp_done(sim, sk, by, cause);
}

/* Request socket (passive SYN_RECEIVED): Linux reqsk_timer_handler. */
static void synack_timer(ts_sim *sim, ts_sock *sk, ts_cause cause)
{
	int64_t max = sk->host->knob[TS_KNOB_TCP_SYNACK_RETRIES];
	if ((int64_t)sk->retransmits >= max) {
		TIMER_EVENT(sim, sk, TCPSIM_T_SYN_ACK_GIVE_UP, sk->retransmits,
			    max, NULL, 0, 0);
		ts_tcp_done(sim, sk, TCPSIM_BY_SYN_ACK_RETRIES, cause);
		return;
	}
	sk->retransmits++;
	ts_time next = TS_TCP_RTO_INIT << sk->retransmits;
	if (next > TS_TCP_RTO_MAX)
		next = TS_TCP_RTO_MAX;
	TIMER_EVENT(sim, sk, TCPSIM_T_SYN_ACK_AGAIN, sk->retransmits, max, NULL,
		    0, next);
	ts_tcp_send_synack(sim, sk, cause);
	ts_tcp_timer_set(sim, sk, TS_TIMER_RTX, sim->now + next);
}

/* A Fast Open child's SYN-ACK (Linux tcp_fastopen_synack_timer): one
 * retry more than tcp_synack_retries, then tcp_write_err (ETIMEDOUT). */
static void fastopen_synack_timer(ts_sim *sim, ts_sock *sk, ts_cause cause)
{
	int64_t max = sk->host->knob[TS_KNOB_TCP_SYNACK_RETRIES] + 1;
	if ((int64_t)sk->retransmits >= max) {
		TIMER_EVENT(sim, sk, TCPSIM_T_SYN_ACK_GIVE_UP, sk->retransmits,
			    max, NULL, 0, 0);
		write_err(sim, sk, TCPSIM_BY_SYN_ACK_RETRIES, cause);
		return;
	}
	sk->retransmits++;
	ts_time next = TS_TCP_RTO_INIT << sk->retransmits;
	if (next > TS_TCP_RTO_MAX)
		next = TS_TCP_RTO_MAX;
	TIMER_EVENT(sim, sk, TCPSIM_T_SYN_ACK_AGAIN, sk->retransmits, max, NULL,
		    0, next);
	sk->rtt_time = TS_TIME_NEVER; /* Karn */
	ts_tcp_send_synack(sim, sk, cause);
	ts_tcp_timer_set(sim, sk, TS_TIMER_RTX, sim->now + next);
}

static void rtx_timer(ts_sim *sim, ts_sock *sk, ts_cause cause)
{
	if (sk->state == TS_SYN_RECEIVED && (sk->tfo & TS_TFO_F_CHILD)) {
		fastopen_synack_timer(sim, sk, cause);
		return;
	}
	if (sk->state == TS_SYN_RECEIVED && sk->parent && !sk->has_fd) {
		synack_timer(sim, sk, cause);
		return;
	}
	if (sk->snd_una == sk->snd_nxt)
		return;
	if (sk->rtx_tlp) {
		tlp_timer(sim, sk, cause);
		return;
	}
	sk->tlp_high = 0;
	/* Linux tcp_write_timeout() */
	int syn = sk->state == TS_SYN_SENT || sk->state == TS_SYN_RECEIVED;
	int expired;
	ts_knob knob;
	int64_t limit;
	if (syn) {
		/* TCP_SYNCNT, else the knob (Linux tcp_write_timeout) */
		knob = TS_KNOB_TCP_SYN_RETRIES;
		limit =
		    sk->syn_retries ? sk->syn_retries : sk->host->knob[knob];
		expired = timed_out(sim, sk, limit, TS_TCP_RTO_INIT);
	} else if (sk->orphan) {
		knob = TS_KNOB_TCP_ORPHAN_RETRIES;
		limit = orphan_retries(sk);
		expired = timed_out(sim, sk, limit, TS_TCP_RTO_MIN);
	} else {
		knob = TS_KNOB_TCP_RETRIES2;
		limit = sk->host->knob[knob];
		expired = timed_out(sim, sk, limit, TS_TCP_RTO_MIN);
	}
	if (expired) {
		if (sk->user_timeout_ms)
			TIMER_EVENT(sim, sk, TCPSIM_T_USER_TIMEOUT, 0,
				    sk->user_timeout_ms, NULL, 0, 0);
		else
			TIMER_EVENT(sim, sk, TCPSIM_T_RETRIES_USED_UP,
				    sk->retransmits, limit, ts_knobs[knob].name,
				    0, 0);
		write_err(sim, sk, TCPSIM_BY_RETRANSMISSIONS_TIMED_OUT, cause);
		return;
	}
	/* Linux tcp_retransmit_timer -> tcp_enter_loss, before the count */
	ts_cong_enter_loss(sim, sk);
	/* Linux retrans_stamp: tcp_connect() stamps the SYN; otherwise
	 * tcp_retransmit_skb() stamps the first retransmission, after it went
	 * out (a loss probe does not count), and retransmits_timed_out()
	 * measures from there. */
	if (!sk->retransmits)
		sk->retrans_stamp = syn ? sk->first_tx : sim->now;
	sk->retransmits++;
	sk->total_rto++;
	/* Linux tcp_retransmit_timer(): exponential backoff, except the first
	 * tcp_syn_linear_timeouts RTOs of an active open. */
	ts_time old = sk->rto;
	if (sk->state != TS_SYN_SENT ||
	    sk->total_rto >
		(uint32_t)sk->host->knob[TS_KNOB_TCP_SYN_LINEAR_TIMEOUTS]) {
		sk->rto *= 2;
		if (sk->rto > TS_TCP_RTO_MAX)
			sk->rto = TS_TCP_RTO_MAX;
	}
	TIMER_EVENT(sim, sk, TCPSIM_T_RETRANSMIT, sk->retransmits, 0, NULL, old,
		    sk->rto);
	/* Karn: no sample from a retransmission */
	sk->rtt_time = TS_TIME_NEVER;
	uint32_t len = ts_tcp_retransmit_head(sim, sk, cause);
	if (len)
		ts_cong_retransmitted(sim, sk, sk->snd_una, len);
	ts_time next = sk->rto;
	if (sk->user_timeout_ms) {
		/* Linux tcp_clamp_rto_to_user_timeout() */
		ts_time left =
		    sk->retrans_stamp + TS_MS(sk->user_timeout_ms) - sim->now;
		if (left < 1)
			left = 1;
		if (left < next)
			next = left;
	}
	ts_tcp_timer_set(sim, sk, TS_TIMER_RTX, sim->now + next);
}

static void close_timer(ts_sim *sim, ts_sock *sk, ts_cause cause)
{
	if (sk->state == TS_TIME_WAIT) {
		TIMER_EVENT(sim, sk, TCPSIM_T_TIME_WAIT_OVER, 0, 0, NULL, 0, 0);
		ts_tcp_done(sim, sk, TCPSIM_BY_TIME_WAIT_EXPIRED, cause);
	} else if (sk->state == TS_FIN_WAIT_2) {
		/* Linux: orphaned FIN_WAIT_2 ends silently (tcp_fin_timeout).
		 */
		TIMER_EVENT(sim, sk, TCPSIM_T_FIN_WAIT_2_OVER, 0,
			    sk->host->knob[TS_KNOB_TCP_FIN_TIMEOUT], NULL, 0,
			    0);
		ts_tcp_done(sim, sk, TCPSIM_BY_FIN_WAIT_2_EXPIRED, cause);
	}
}

static ts_time keepalive_time(const ts_sock *sk)
{
	return TS_SEC(sk->keepidle
			  ? sk->keepidle
			  : sk->host->knob[TS_KNOB_TCP_KEEPALIVE_TIME]);
}

static ts_time keepalive_intvl(const ts_sock *sk)
{
	return TS_SEC(sk->keepintvl
			  ? sk->keepintvl
			  : sk->host->knob[TS_KNOB_TCP_KEEPALIVE_INTVL]);
}

static uint32_t keepalive_probes(const ts_sock *sk)
{
	return sk->keepcnt
		   ? sk->keepcnt
		   : (uint32_t)sk->host->knob[TS_KNOB_TCP_KEEPALIVE_PROBES];
}

static int keepalive_state(ts_tcp_state st)
{
	switch (st) {
	case TS_SYN_RECEIVED:
	case TS_ESTABLISHED:
	case TS_FIN_WAIT_1:
	case TS_FIN_WAIT_2:
	case TS_CLOSE_WAIT:
	case TS_CLOSING:
	case TS_LAST_ACK:
		return 1;
	case TS_CLOSED:
	case TS_LISTEN:
	case TS_SYN_SENT:
	case TS_TIME_WAIT:
		return 0;
	}
	return 0;
}

void ts_tcp_keepalive_arm(ts_sim *sim, ts_sock *sk)
{
	if (!sk->keepalive || !keepalive_state(sk->state)) {
		if (sk->tdl[TS_TIMER_KEEPALIVE] != TS_TIME_NEVER)
			ts_tcp_timer_clear(sim, sk, TS_TIMER_KEEPALIVE);
		return;
	}
	/* Linux keepalive_time_elapsed(): idle since the last segment. */
	ts_time last = sk->last_rcv;
	ts_time when = last + keepalive_time(sk);
	if (when < sim->now)
		when = sim->now;
	if (sk->probes_out == 0 || sk->tdl[TS_TIMER_KEEPALIVE] == TS_TIME_NEVER)
		ts_tcp_timer_set(sim, sk, TS_TIMER_KEEPALIVE, when);
}

/* Linux tcp_set_keepalive(sk, 1) on a socket without SOCK_KEEPOPEN: the
 * timer is set keepalive_time from now, however long the connection has
 * been idle (only TCP_KEEPIDLE counts from the last segment). */
void ts_tcp_keepalive_on(ts_sim *sim, ts_sock *sk)
{
	if (!keepalive_state(sk->state))
		return;
	ts_tcp_timer_set(sim, sk, TS_TIMER_KEEPALIVE,
			 sim->now + keepalive_time(sk));
}

/* Linux tcp_keepalive_timer(). */
static void keepalive_timer(ts_sim *sim, ts_sock *sk, ts_cause cause)
{
	if (!sk->keepalive || !keepalive_state(sk->state))
		return;
	/* Linux: packets_out || !tcp_write_queue_empty(sk). A FIN counts
	 * in sequence space but not in write_seq: in FIN_WAIT_2 everything,
	 * FIN included, is acknowledged and the probes go out. */
	uint32_t end = sk->write_seq + (sk->fin_queued ? 1u : 0u);
	if (sk->snd_una != sk->snd_nxt || sk->snd_nxt != end) {
		/* Alive without keepalive: data is in flight or queued. */
		ts_tcp_timer_set(sim, sk, TS_TIMER_KEEPALIVE,
				 sim->now + keepalive_time(sk));
		return;
	}
	ts_time last = sk->last_rcv;
	ts_time elapsed = sim->now - last;
	if (elapsed < keepalive_time(sk)) {
		ts_tcp_timer_set(sim, sk, TS_TIMER_KEEPALIVE,
				 last + keepalive_time(sk));
		return;
	}
	if ((sk->user_timeout_ms && elapsed >= TS_MS(sk->user_timeout_ms) &&
	     sk->probes_out > 0) ||
	    (!sk->user_timeout_ms && sk->probes_out >= keepalive_probes(sk))) {
		TIMER_EVENT(sim, sk, TCPSIM_T_KEEPALIVE_GIVE_UP, sk->probes_out,
			    0, NULL, 0, 0);
		ts_tcp_send_active_reset(sim, sk, TCPSIM_RST_KEEPALIVE, cause);
		write_err(sim, sk, TCPSIM_BY_KEEPALIVE_TIMED_OUT, cause);
		return;
	}
	sk->probes_out++;
	TIMER_EVENT(sim, sk, TCPSIM_T_KEEPALIVE_PROBE, sk->probes_out,
		    keepalive_probes(sk), NULL, 0, 0);
	ts_tcp_send_probe(sim, sk, cause);
	ts_tcp_timer_set(sim, sk, TS_TIMER_KEEPALIVE,
			 sim->now + keepalive_intvl(sk));
}

void ts_tcp_check_probe_timer(ts_sim *sim, ts_sock *sk)
{
	/* Linux tcp_check_probe_timer() after tcp_write_xmit() left data
	 * unsent: nothing in flight to bring an ACK, so the probe timer
	 * (the peer's window is zero, or too small for the next segment) */
	if (sk->snd_una == sk->snd_nxt &&
	    ts_seq_lt(sk->snd_nxt, sk->write_seq)) {
		if (sk->tdl[TS_TIMER_PERSIST] == TS_TIME_NEVER) {
			ts_time base =
			    sk->rto > TS_TCP_RTO_MIN ? sk->rto : TS_TCP_RTO_MIN;
			ts_tcp_timer_set(sim, sk, TS_TIMER_PERSIST,
					 sim->now + base);
		}
	} else if (sk->tdl[TS_TIMER_PERSIST] != TS_TIME_NEVER) {
		sk->probes_out = 0;
		sk->probe_backoff = 0;
		sk->probe_start = 0;
		ts_tcp_timer_clear(sim, sk, TS_TIMER_PERSIST);
	}
}

/* Linux tcp_probe_timer(): zero-window probes go on while answered
 * (RFC 1122 §4.2.2.17); tcp_retries2 unanswered ones give up, and so
 * does TCP_USER_TIMEOUT past the timer's first firing, answered or not. */
static void persist_timer(ts_sim *sim, ts_sock *sk, ts_cause cause)
{
	/* (Linux's first test, data in flight or none waiting, never holds
	 * here: every path that puts data in flight or sends the last of it
	 * ends in ts_tcp_check_probe_timer, which stops the timer.) */
	/* icsk_probes_tstamp: set at the first firing, kept by the ACKs
	 * that answer the probes (0: none; the timer never fires at 0) */
	int user_timed_out = 0;
	if (!sk->probe_start)
		sk->probe_start = sim->now;
	else if (sk->user_timeout_ms &&
		 sim->now - sk->probe_start >= TS_MS(sk->user_timeout_ms))
		user_timed_out = 1;
	int64_t max = sk->orphan ? orphan_retries(sk)
				 : sk->host->knob[TS_KNOB_TCP_RETRIES2];
	if (user_timed_out || (int64_t)sk->probes_out >= max) {
		TIMER_EVENT(sim, sk, TCPSIM_T_ZERO_WINDOW_GIVE_UP,
			    sk->probes_out, 0, NULL, 0, 0);
		write_err(sim, sk, TCPSIM_BY_ZERO_WINDOW_TIMED_OUT, cause);
		return;
	}
	/* Linux tcp_send_probe0(): when the peer's window takes some of the
	 * data, it goes, and the RTO takes over from the probes */
	if (ts_seq_lt(sk->snd_nxt, sk->snd_una + sk->snd_wnd)) {
		TIMER_EVENT(sim, sk, TCPSIM_T_WINDOW_PROBE, sk->probes_out,
			    sk->snd_wnd, NULL, 0, 0);
		ts_tcp_write_wakeup(sim, sk, cause);
		sk->probes_out = 0;
		sk->probe_backoff = 0;
		sk->probe_start = 0;
		return;
	}
	/* the backoff stops growing at tcp_retries2 (tcp_send_probe0; past
	 * 20 doublings the probes are TCP_RTO_MAX apart anyway) */
	sk->probes_out++;
	if (sk->probe_backoff < 20 &&
	    sk->probe_backoff < sk->host->knob[TS_KNOB_TCP_RETRIES2])
		sk->probe_backoff++;
	ts_time base = sk->rto > TS_TCP_RTO_MIN ? sk->rto : TS_TCP_RTO_MIN;
	ts_time next = base << sk->probe_backoff;
	if (next > TS_TCP_RTO_MAX)
		next = TS_TCP_RTO_MAX;
	if (sk->user_timeout_ms) {
		/* Linux tcp_clamp_probe0_to_user_timeout(): not past the
		 * user timeout, nor sooner than TCP_TIMEOUT_MIN (2 jiffies) */
		ts_time left =
		    sk->probe_start + TS_MS(sk->user_timeout_ms) - sim->now;
		if (left < 2 * ts_tcp_jiffy(sk->host))
			left = 2 * ts_tcp_jiffy(sk->host);
		if (left < next)
			next = left;
	}
	TIMER_EVENT(sim, sk, TCPSIM_T_ZERO_WINDOW_PROBE, sk->probes_out, 0,
		    NULL, 0, next);
	ts_tcp_send_probe(sim, sk, cause);
	ts_tcp_timer_set(sim, sk, TS_TIMER_PERSIST, sim->now + next);
}

/* Linux tcp_delack_timer_handler(). */
static void delack_timer(ts_sim *sim, ts_sock *sk, ts_cause cause)
{
	if (!sk->ack_pending)
		return;
	if (!sk->pingpong) {
		/* Delayed ACK missed: inflate the ATO. */
		sk->ato *= 2;
		if (sk->ato > sk->rto)
			sk->ato = sk->rto;
		if (sk->ato < TS_TCP_ATO_MIN)
			sk->ato = TS_TCP_ATO_MIN;
	} else {
		sk->pingpong = 0;
		sk->ato = TS_TCP_ATO_MIN;
	}
	TIMER_EVENT(sim, sk, TCPSIM_T_DELAYED_ACK, 0, 0, NULL, 0, sk->ato);
	ts_tcp_send_ack(sim, sk, cause);
}

void ts_tcp_timer_fire(ts_sim *sim, ts_event *ev)
{
	ts_sock *sk = (ts_sock *)((char *)ev - offsetof(ts_sock, tev));
	for (int t = 0; t < TS_NTIMERS && sk->in_use; t++) {
		if (sk->tdl[t] > sim->now)
			continue;
		sk->tdl[t] = TS_TIME_NEVER;
		ts_cause cause = ts_cause_timer(t);
		switch ((ts_timer)t) {
		case TS_TIMER_RTX:
			rtx_timer(sim, sk, cause);
			break;
		case TS_TIMER_CLOSE:
			close_timer(sim, sk, cause);
			break;
		case TS_TIMER_KEEPALIVE:
			keepalive_timer(sim, sk, cause);
			break;
		case TS_TIMER_PERSIST:
			persist_timer(sim, sk, cause);
			break;
		case TS_TIMER_DELACK:
			delack_timer(sim, sk, cause);
			break;
		case TS_NTIMERS:
			break;
		}
	}
	if (sk->in_use)
		resched(sim, sk);
}

/* Linux tcp_time_wait(): TIME_WAIT lasts TCP_TIMEWAIT_LEN, 60 s, whatever
 * tcp_fin_timeout says. */
void ts_tcp_time_wait(ts_sim *sim, ts_sock *sk, tcpsim_state_cause by,
		      ts_cause cause)
{
	ts_tcp_set_state(sim, sk, TS_TIME_WAIT, by, cause);
	sk->tdl[TS_TIMER_RTX] = TS_TIME_NEVER;
	sk->shutdown = TS_SHUTDOWN_MASK;
	ts_tcp_timer_set(sim, sk, TS_TIMER_CLOSE,
			 sim->now + TS_TCP_TIMEWAIT_LEN);
	ts_tw_note(sim, sk); /* may become a time-wait record */
}
