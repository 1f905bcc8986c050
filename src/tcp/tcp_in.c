/*
 * tcp_in.c - segment arrival. ts_tcp_input() finds the socket (connection
 * table, then listener, else the RST of RFC 9293 §3.10.7.1) and hands the
 * segment to the processing for its state:
 *
 *   listen_input       LISTEN                 (RFC 9293 §3.10.7.2)
 *   request_input      passive SYN_RECEIVED   (Linux tcp_check_req)
 *   synsent_input      SYN_SENT               (RFC 9293 §3.10.7.3)
 *   timewait_input     TIME_WAIT              (tcp_timewait_state_process)
 *   sync_input         the other states       (RFC 9293 §3.10.7.4)
 *
 * sync_input follows the RFC's steps, one function each, each returning a
 * verdict: check_seq, check_rst, check_syn, check_ack, then data and FIN.
 */
#include <stdlib.h>

#include "engine/engine.h"
#include "tcp/tcp.h"

typedef enum verdict { GO_ON, DROP } verdict;

static ts_time invalid_ratelimit(const ts_sock *sk)
{
	return TS_MS(sk->host->knob[TS_KNOB_TCP_INVALID_RATELIMIT]);
}

/* Linux __tcp_oow_rate_limited(): one per tcp_invalid_ratelimit. */
static int rate_limited(ts_sim *sim, ts_sock *sk)
{
	if (sk->last_oow && sim->now - sk->last_oow < invalid_ratelimit(sk))
		return 1;
	sk->last_oow = sim->now ? sim->now : 1;
	return 0;
}

/* Linux tcp_send_challenge_ack(): a per-host budget of
 * tcp_challenge_ack_limit challenge ACKs a second (Linux randomizes it
 * within [limit/2, 1.5 limit); tcpsim keeps it exact, so runs repeat). */
static int challenge_budget_spent(ts_sim *sim, ts_sock *sk)
{
	ts_host *h = sk->host;
	int64_t limit = h->knob[TS_KNOB_TCP_CHALLENGE_ACK_LIMIT];
	if (limit >= INT32_MAX)
		return 0; /* the default: no global limit */
	int64_t second = sim->now / TS_SEC(1);
	if (second != h->challenge_second) {
		h->challenge_second = second;
		h->challenge_left = limit;
	}
	if (h->challenge_left <= 0)
		return 1;
	h->challenge_left--;
	return 0;
}

/* Linux tcp_oow_rate_limited(): ACKs answering out-of-window segments and
 * challenge ACKs go out at most once per tcp_invalid_ratelimit per socket;
 * segments carrying data are always answered. */
static int oow_rate_limited(ts_sim *sim, ts_sock *sk, const ts_seg *seg)
{
	if (ts_seg_seqlen(seg) && !(seg->flags & TS_SYN))
		return 0;
	return rate_limited(sim, sk);
}

/* The DROP event: SK (NULL: no socket, PORT) dropped segment SEGNO for
 * WHY and answered with ANSWER (someone takes it). */
__attribute__((noinline)) static void
drop_event(ts_sim *sim, int host, const ts_sock *sk, uint16_t port,
	   tcpsim_drop_reason why, tcpsim_drop_answer answer, uint32_t segno)
{
	tcpsim_event ev;
	ts_ev_begin(sim, &ev, TCPSIM_EV_DROP, host);
	if (sk)
		ts_tcp_describe(sim, sk, &ev.u.drop.sock);
	else
		ev.u.drop.sock.lport = port;
	ev.u.drop.reason = why;
	ev.u.drop.answer = answer;
	ev.u.drop.segno = segno;
	ts_ev_emit(sim, &ev);
}

/* SK dropped the segment of CAUSE for WHY, answering with ANSWER. */
static void note_drop(ts_sim *sim, ts_sock *sk, tcpsim_drop_reason why,
		      tcpsim_drop_answer answer, ts_cause cause)
{
	if (ts_ev_on(sim, TCPSIM_EV_DROP))
		drop_event(sim, sk->host->index, sk, 0, why, answer,
			   ts_cause_segno(cause));
}

/* A listener's drop, with its queues' numbers. */
__attribute__((noinline)) static void listen_drop_event(ts_sim *sim, ts_sock *l,
							tcpsim_drop_reason why,
							ts_cause cause)
{
	const ts_sock_ext *x = ts_tcp_ext_ro(l);
	tcpsim_event ev;
	ts_ev_begin(sim, &ev, TCPSIM_EV_DROP, l->host->index);
	ts_tcp_describe(sim, l, &ev.u.drop.sock);
	ev.u.drop.reason = why;
	ev.u.drop.segno = ts_cause_segno(cause);
	ev.u.drop.pending = x->nchildren - x->aq_len;
	ev.u.drop.queued = x->aq_len;
	ev.u.drop.backlog = x->backlog;
	ev.u.drop.syncookies = (int)l->host->knob[TS_KNOB_TCP_SYNCOOKIES];
	ts_ev_emit(sim, &ev);
}

/* RFC 5961 challenge ACK (Linux tcp_send_challenge_ack): an ordinary ACK,
 * rate limited per socket. */
static void challenge_ack(ts_sim *sim, ts_sock *sk, tcpsim_drop_reason why,
			  ts_cause cause)
{
	tcpsim_drop_answer limit = TCPSIM_ANSWER_CHALLENGE_ACK;
	if (rate_limited(sim, sk))
		limit = TCPSIM_ANSWER_CHALLENGE_ACK_RATE_LIMITED;
	else if (challenge_budget_spent(sim, sk))
		limit = TCPSIM_ANSWER_CHALLENGE_ACK_BUDGET;
	note_drop(sim, sk, why, limit, cause);
	if (limit == TCPSIM_ANSWER_CHALLENGE_ACK)
		ts_tcp_send_ack(sim, sk, cause);
}

static void dsack_set(ts_sock *sk, uint32_t seq, uint32_t end);
static void dsack_extend(ts_sock *sk, uint32_t seq, uint32_t end);

static void dup_ack(ts_sim *sim, ts_sock *sk, const ts_seg *seg,
		    tcpsim_drop_reason why, ts_cause cause)
{
	/* Linux tcp_send_dupack(): data below RCV.NXT was had before. */
	uint32_t end = seg->seq + ts_seg_seqlen(seg);
	if (end != seg->seq && ts_seq_lt(seg->seq, sk->rcv_nxt))
		dsack_set(sk, seg->seq,
			  ts_seq_gt(end, sk->rcv_nxt) ? sk->rcv_nxt : end);
	if (oow_rate_limited(sim, sk, seg)) {
		note_drop(sim, sk, why, TCPSIM_ANSWER_DUP_ACK_RATE_LIMITED,
			  cause);
		return;
	}
	note_drop(sim, sk, why, TCPSIM_ANSWER_DUP_ACK, cause);
	ts_tcp_send_ack(sim, sk, cause);
}

/* Segment size from the peer's MSS option (RFC 9293 §3.7.1: 536 without
 * one), less the 12 bytes of the timestamps option on every segment when
 * both SYNs carried it, as Linux's mss_cache is (tcp_sync_mss). */
static uint16_t send_mss(const ts_seg *syn, int ts)
{
	uint32_t mss = syn->mss ? syn->mss : TS_TCP_DEFAULT_MSS;
	if (mss > TS_TCP_MSS)
		mss = TS_TCP_MSS;
	if (ts)
		mss -= TS_TCP_TSOPT_LEN;
	return (uint16_t)mss;
}

/* The options of the peer's SYN or SYN-ACK, as far as ours agree (Linux
 * tcp_parse_options takes each only when its knob allows it; RFC 7323
 * §2.3, §3.2; RFC 2018 §2): timestamps, SACK, window scale (at most 14,
 * RFC 7323 §2.3), and the MSS that follows. A SYN's window is never
 * scaled (RFC 7323 §2.2). */
static void take_syn_options(ts_sim *sim, ts_sock *sk, const ts_seg *syn)
{
	const int64_t *knob = sk->host->knob;
	sk->ts_ok = syn->ts && knob[TS_KNOB_TCP_TIMESTAMPS];
	sk->sack_ok = syn->sack_ok && knob[TS_KNOB_TCP_SACK];
	sk->wscale_ok = syn->wscale_ok && knob[TS_KNOB_TCP_WINDOW_SCALING] != 0;
	sk->snd_wscale = 0;
	if (sk->wscale_ok)
		sk->snd_wscale = syn->wscale > 14 ? 14 : syn->wscale;
	if (sk->ts_ok) {
		sk->ts_recent = syn->tsval;
		sk->ts_recent_stamp = sim->now;
	}
	sk->mss = send_mss(syn, sk->ts_ok);
	/* TCP_MAXSEG caps it too (mss_clamp = user_mss) */
	if (sk->user_mss &&
	    sk->user_mss - (sk->ts_ok ? TS_TCP_TSOPT_LEN : 0) < sk->mss)
		sk->mss = (uint16_t)(sk->user_mss -
				     (sk->ts_ok ? TS_TCP_TSOPT_LEN : 0));
	sk->snd_wnd = syn->win;
	sk->max_window = syn->win;
}

/* RFC 7323 §4.3 as Linux does it (tcp_replace_ts_recent, called for an
 * ACK that is not old): TS.Recent takes a TSval no older than it from a
 * segment that starts at or before the last window edge we sent. */
static void replace_ts_recent(ts_sim *sim, ts_sock *sk, const ts_seg *seg)
{
	if (sk->ts_ok && seg->ts && ts_seq_le(seg->seq, sk->rcv_wup) &&
	    (int32_t)(sk->ts_recent - seg->tsval) <= 0) {
		sk->ts_recent = seg->tsval;
		sk->ts_recent_stamp = sim->now;
	}
}

/* The peer's window field, in bytes (RFC 7323 §2.3). */
static uint32_t seg_window(const ts_sock *sk, const ts_seg *seg)
{
	if (seg->flags & TS_SYN)
		return seg->win; /* never scaled (RFC 7323 §2.2) */
	return (uint32_t)seg->win << sk->snd_wscale;
}

/* ---------------- LISTEN ---------------- */

static void sync_input(ts_sim *sim, ts_sock *sk, const ts_seg *seg,
		       ts_cause cause);

static void send_cookie(ts_sim *sim, ts_sock *l, const ts_seg *syn,
			ts_cause cause);
static void complete_child(ts_sim *sim, ts_sock *sk, ts_sock *l,
			   const ts_seg *seg, ts_cause cause);
static int cookie_check(ts_sim *sim, ts_sock *l, const ts_seg *seg,
			ts_cause cause);

static int aq_full(const ts_sock *l)
{
	/* Linux sk_acceptq_is_full(): backlog + 1 connections fit. */
	const ts_sock_ext *x = ts_tcp_ext_ro(l);
	return x->aq_len > x->backlog;
}

/* A child socket for a SYN that reached listener L (Linux
 * tcp_create_openreq_child): it inherits the listener's options. NULL (and
 * the run aborted) when out of memory. */
static ts_sock *make_child(ts_sim *sim, ts_sock *l, const ts_seg *seg,
			   uint32_t isn)
{
	ts_host *h = l->host;
	ts_sock *c = ts_tcp_alloc(sim, h);
	if (!c) {
		ts_sim_abort(sim, 0, "out of memory");
		return NULL;
	}
	c->parent = l;
	ts_tcp_ext(sim, l)->nchildren++;
	c->state = TS_LISTEN;
	c->lport = l->lport;
	c->laddr = h->addr;
	c->raddr = seg->saddr;
	c->rport = seg->sport;
	c->peer = ts_sim_host_by_addr(sim, seg->saddr);
	c->bound = 0; /* shares the listener's port */
	c->irs = seg->seq;
	c->rcv_nxt = seg->seq + 1;
	c->iss = isn ? isn : ts_tcp_next_isn(sim, h);
	c->reuseaddr = l->reuseaddr; /* sk_clone_lock copies sk_reuse */
	/* ... the buffers and their locks, Nagle, TCP_MAXSEG */
	c->rcvbuf = l->rcvbuf;
	c->rcvbuf_lock = l->rcvbuf_lock;
	c->sndbuf = l->sndbuf;
	c->sndbuf_lock = l->sndbuf_lock;
	c->nodelay = l->nodelay;
	c->user_mss = l->user_mss;
	c->keepalive = l->keepalive;
	c->linger_on = l->linger_on; /* sk_clone_lock copies sk_lingertime */
	c->linger_s = l->linger_s;
	c->keepidle = l->keepidle;
	c->keepintvl = l->keepintvl;
	c->keepcnt = l->keepcnt;
	c->user_timeout_ms = l->user_timeout_ms;
	c->last_rcv = sim->now;
	c->snd_una = c->snd_nxt = c->write_seq = c->iss;
	c->snd_wl1 = seg->seq;
	c->snd_wl2 = 0;
	take_syn_options(sim, c, seg);
	c->nonblock = 0;
	if (ts_tcp_hash(sim, c) < 0) {
		ts_tcp_free(sim, c);
		ts_sim_abort(sim, 0, "out of memory");
		return NULL;
	}
	return c;
}

/* Linux tcp_fastopen_create_child() and the end of tcp_conn_request():
 * a child made at SYN time (RFC 7413 §4.2.2) is a full socket in
 * SYN_RECEIVED with the SYN's data queued (tcp_fastopen_add_skb), goes
 * into the accept queue at once (inet_csk_reqsk_queue_add), and answers
 * with a SYN-ACK that acknowledges the data. */
static void fastopen_child(ts_sim *sim, ts_sock *c, ts_sock *l,
			   const ts_seg *seg, ts_cause cause)
{
	ts_sock_ext *lx = ts_tcp_ext(sim, l);
	c->tfo = TS_TFO_F_CHILD;
	lx->fo_qlen++;
	/* tcp_fastopen_create_child -> tcp_init_transfer */
	ts_cong_init_transfer(sim, c, 0);
	if (seg->len) {
		c->tfo |= TS_TFO_F_DATA_ACKED;
		c->rcv_nxt += seg->len;
		c->rcvq += seg->len;
		c->rcv_total += seg->len;
		if (cause.forged)
			c->tainted = 1;
	}
	ts_tcp_send_synack(sim, c, cause);
	/* Linux tcp_create_openreq_child: snd_sml = snd_una, so the SYN-ACK
	 * is no small segment in flight to hold the first write back
	 * (tcp_minshall_check) */
	c->snd_sml = c->iss;
	c->aq_next = NULL;
	if (lx->aq_tail)
		lx->aq_tail->aq_next = c;
	else
		lx->aq_head = c;
	lx->aq_tail = c;
	lx->aq_len++;
	ts_tcp_wake(sim, l);
}

/* A SYN with the Fast Open option or data reached listener L (Linux
 * tcp_conn_request -> tcp_try_fastopen): the child at once, or a request
 * whose SYN-ACK may carry a cookie. */
__attribute__((noinline)) static void fastopen_syn(ts_sim *sim, ts_sock *l,
						   const ts_seg *seg,
						   uint32_t isn, ts_cause cause)
{
	ts_tfo_cookie fo;
	int fastopen = ts_tfo_try(l, seg, &fo);
	ts_sock *c = make_child(sim, l, seg, isn);
	if (!c)
		return;
	ts_tcp_set_state(sim, c, TS_SYN_RECEIVED, TCPSIM_BY_SYN_TO_LISTENER,
			 cause);
	if (fastopen)
		fastopen_child(sim, c, l, seg, cause);
	else if (fo.len >= 0)
		ts_tcp_send_synack_fo(sim, c, &fo, cause);
	else
		ts_tcp_send_synack(sim, c, cause);
}

/* A Fast Open child in SYN_RECEIVED (Linux tcp_rcv_state_process with
 * tp->fastopen_rsk, tcp_check_req(fastopen)): the peer's SYN again makes
 * the SYN-ACK go again; the rest is a full socket's processing. */
static void fastopen_child_input(ts_sim *sim, ts_sock *sk, const ts_seg *seg,
				 ts_cause cause)
{
	if (seg->flags == TS_SYN && seg->seq == sk->irs) {
		if (!rate_limited(sim, sk))
			ts_tcp_send_synack(sim, sk, cause);
		return;
	}
	sync_input(sim, sk, seg, cause);
}

static void listen_input(ts_sim *sim, ts_sock *l, const ts_seg *seg,
			 ts_cause cause, uint32_t isn)
{
	ts_host *h = l->host;
	/* Linux tcp_v4_do_rcv: an ACK may complete a SYN-cookie handshake
	 * (tcp_v4_cookie_check); then tcp_rcv_state_process (LISTEN): ACK
	 * first, then RST, SYN. */
	if ((seg->flags & TS_ACK) && !(seg->flags & (TS_RST | TS_SYN)) &&
	    cookie_check(sim, l, seg, cause))
		return;
	if (seg->flags & TS_ACK) {
		ts_tcp_send_reply_reset(sim, h, l, seg, TCPSIM_RST_LISTEN_ACK,
					cause);
		return;
	}
	if (seg->flags & TS_RST) {
		note_drop(sim, l, TCPSIM_DROP_LISTEN_RST, TCPSIM_ANSWER_NONE,
			  cause);
		return;
	}
	if (!(seg->flags & TS_SYN)) {
		note_drop(sim, l, TCPSIM_DROP_LISTEN_NO_SYN, TCPSIM_ANSWER_NONE,
			  cause);
		return;
	}
	/* Linux tcp_rcv_state_process (LISTEN): a SYN with FIN is dropped
	 * (TCP_FLAGS), nothing sent, no request made. */
	if (seg->flags & TS_FIN)
		return;
	/* Linux tcp_conn_request(): with more handshakes pending than the
	 * backlog (inet_csk_reqsk_queue_is_full, '>' since 6.x), a SYN is
	 * answered with a
	 * SYN cookie and no state is kept (tcp_syncookies 1), or dropped
	 * (tcp_syncookies 0); tcp_syncookies 2 always uses cookies. */
	int64_t cookies = h->knob[TS_KNOB_TCP_SYNCOOKIES];
	const ts_sock_ext *lx = ts_tcp_ext_ro(l);
	int want_cookie = 0;
	if (!isn &&
	    (cookies == 2 || lx->nchildren - lx->aq_len > lx->backlog)) {
		if (!cookies) {
			if (ts_ev_on(sim, TCPSIM_EV_DROP))
				listen_drop_event(
				    sim, l, TCPSIM_DROP_SYN_NO_COOKIES, cause);
			return;
		}
		want_cookie = 1;
	}
	if (aq_full(l)) {
		/* Linux tcp_conn_request(): SYN dropped, nothing sent. */
		if (ts_ev_on(sim, TCPSIM_EV_DROP))
			listen_drop_event(
			    sim, l, TCPSIM_DROP_SYN_ACCEPT_QUEUE_FULL, cause);
		return;
	}
	if (want_cookie) {
		send_cookie(sim, l, seg, cause);
		return;
	}
	/* Linux tcp_try_fastopen(), for a SYN with the option or data. */
	if (seg->fo || seg->len) {
		fastopen_syn(sim, l, seg, isn, cause);
		return;
	}
	ts_sock *c = make_child(sim, l, seg, isn);
	if (!c)
		return;
	ts_tcp_set_state(sim, c, TS_SYN_RECEIVED, TCPSIM_BY_SYN_TO_LISTENER,
			 cause);
	ts_tcp_send_synack(sim, c, cause);
}

/* ---------------- shared steps ---------------- */

/* Linux tcp_in_window() (tcp_minisocks.c). */
static int in_window(uint32_t seq, uint32_t end_seq, uint32_t s_win,
		     uint32_t e_win)
{
	if (seq == s_win)
		return 1;
	if (ts_seq_gt(end_seq, s_win) && ts_seq_lt(seq, e_win))
		return 1;
	return seq == e_win && seq == end_seq;
}

/* Out-of-order queue: intervals kept sorted, merged when they touch. */
static void ofo_add(ts_sim *sim, ts_sock *sk, uint32_t seq, uint32_t end,
		    int fin, ts_cause cause)
{
	ts_sock_ext *x = ts_tcp_ext(sim, sk);
	if (x != sk->x)
		return; /* out of memory: the run stops, nothing is queued */
	int n = sk->nofo;
	if (fin)
		x->ofo_fin_num = cause.val;
	for (int i = 0; i < n; i++) {
		if (ts_seq_le(seq, x->ofo_end[i]) &&
		    ts_seq_ge(end, x->ofo_seq[i])) {
			if (ts_seq_lt(seq, x->ofo_seq[i]))
				x->ofo_seq[i] = seq;
			if (ts_seq_gt(end, x->ofo_end[i]))
				x->ofo_end[i] = end;
			x->ofo_fin[i] |= (uint8_t)fin;
			x->ofo_stamp[i] = ++x->ofo_clock;
			return;
		}
	}
	if (n == TS_TCP_MAX_OFO)
		return; /* full: the sender will retransmit */
	int i = n;
	while (i > 0 && ts_seq_gt(x->ofo_seq[i - 1], seq)) {
		x->ofo_seq[i] = x->ofo_seq[i - 1];
		x->ofo_end[i] = x->ofo_end[i - 1];
		x->ofo_fin[i] = x->ofo_fin[i - 1];
		x->ofo_stamp[i] = x->ofo_stamp[i - 1];
		i--;
	}
	x->ofo_seq[i] = seq;
	x->ofo_end[i] = end;
	x->ofo_fin[i] = (uint8_t)fin;
	x->ofo_stamp[i] = ++x->ofo_clock;
	sk->nofo++;
}

/* How an arriving segment is to be acknowledged. */
typedef enum ack_mode { ACK_NONE, ACK_NORMAL, ACK_NOW } ack_mode;

static ack_mode tcp_fin(ts_sim *sim, ts_sock *sk, ts_cause cause);

/* Linux tcp_incr_quickack(). */
static void incr_quickack(ts_sock *sk)
{
	uint32_t q = sk->rcv_wnd / (2 * sk->rcv_mss);
	if (!q)
		q = 2;
	if (q > TS_TCP_MAX_QUICKACKS)
		q = TS_TCP_MAX_QUICKACKS;
	if (q > sk->quick)
		sk->quick = (uint8_t)q;
}

/* Linux tcp_enter_quickack_mode(): old data, or data outside the window
 * (tcp_data_queue's out_of_window). */
static void enter_quickack(ts_sock *sk)
{
	incr_quickack(sk);
	sk->pingpong = 0;
	sk->ato = TS_TCP_ATO_MIN;
}

/* Linux tcp_event_data_recv() and tcp_measure_rcv_mss(): new in-order
 * data adapts the delayed-ACK timeout to the arrival pattern. */
static void event_data_recv(ts_sim *sim, ts_sock *sk, uint32_t len)
{
	if (len > sk->rcv_mss)
		sk->rcv_mss = len < TS_TCP_MSS ? len : TS_TCP_MSS;
	if (!sk->ato) {
		incr_quickack(sk);
		sk->ato = TS_TCP_ATO_MIN;
	} else {
		ts_time m = sim->now - sk->lrcvtime;
		if (m <= TS_TCP_ATO_MIN / 2) {
			sk->ato = sk->ato / 2 + TS_TCP_ATO_MIN / 2;
		} else if (m < sk->ato) {
			sk->ato = sk->ato / 2 + m;
			if (sk->ato > sk->rto)
				sk->ato = sk->rto;
		} else if (m > sk->rto) {
			incr_quickack(sk);
		}
	}
	sk->lrcvtime = sim->now;
}

/* Linux tcp_send_delayed_ack(). */
static void send_delayed_ack(ts_sim *sim, ts_sock *sk, ts_cause cause)
{
	ts_time ato = sk->ato;
	if (ato > TS_TCP_ATO_MIN) {
		ts_time max_ato = sk->pingpong ? TS_TCP_DELACK_MAX : TS_MS(500);
		if (sk->srtt) {
			ts_time rtt = sk->srtt > TS_TCP_ATO_MIN
					  ? sk->srtt
					  : TS_TCP_ATO_MIN;
			if (rtt < max_ato)
				max_ato = rtt;
		}
		if (ato > max_ato)
			ato = max_ato;
	}
	if (ato < ts_tcp_jiffy(sk->host))
		ato = ts_tcp_jiffy(sk->host); /* the next timer tick */
	ts_time when = sim->now + ato;
	if (sk->ack_pending) {
		ts_time due = sk->tdl[TS_TIMER_DELACK];
		if (due <= sim->now + ato / 4) {
			ts_tcp_send_ack(sim, sk, cause);
			return;
		}
		if (due < when)
			when = due;
	}
	sk->ack_pending = 1;
	ts_tcp_timer_set(sim, sk, TS_TIMER_DELACK, when);
}

void ts_tcp_ack_snd_check(ts_sim *sim, ts_sock *sk, int now, ts_cause cause)
{
	/* More than one full segment unacknowledged, quick-ACK mode, or a
	 * reason to answer at once: ACK now; otherwise later. */
	if (now || sk->rcv_nxt - sk->rcv_wup > sk->rcv_mss ||
	    (sk->quick && !sk->pingpong)) {
		ts_tcp_send_ack(sim, sk, cause);
		return;
	}
	send_delayed_ack(sim, sk, cause);
}

/* Move what the out-of-order queue now continues into the receive queue. */
static void ofo_drain(ts_sim *sim, ts_sock *sk, ts_cause cause)
{
	ts_sock_ext *x = sk->x;
	uint32_t high = sk->rcv_nxt;
	while (sk->nofo && ts_seq_le(x->ofo_seq[0], sk->rcv_nxt)) {
		if (ts_seq_lt(x->ofo_seq[0], high)) {
			/* Held data the segment just taken covered again: a
			 * D-SACK for it (Linux tcp_ofo_queue, tcp_dsack_extend)
			 */
			uint32_t e = ts_seq_lt(x->ofo_end[0], high)
					 ? x->ofo_end[0]
					 : high;
			dsack_extend(sk, x->ofo_seq[0], e);
			high = e;
		}
		if (ts_seq_gt(x->ofo_end[0], sk->rcv_nxt)) {
			sk->rcvq += x->ofo_end[0] - sk->rcv_nxt;
			sk->rcv_total += x->ofo_end[0] - sk->rcv_nxt;
			sk->rcv_nxt = x->ofo_end[0];
		}
		/* The FIN is next in sequence, after data or alone. */
		int fin = x->ofo_fin[0] && x->ofo_end[0] == sk->rcv_nxt;
		for (int i = 1; i < sk->nofo; i++) {
			x->ofo_seq[i - 1] = x->ofo_seq[i];
			x->ofo_end[i - 1] = x->ofo_end[i];
			x->ofo_fin[i - 1] = x->ofo_fin[i];
			x->ofo_stamp[i - 1] = x->ofo_stamp[i];
		}
		sk->nofo--;
		if (fin) /* its cause: the segment that brought it */
			tcp_fin(sim, sk,
				ts_cause_seg(x->ofo_fin_num, cause.forged));
	}
}

/* Linux tcp_fin(): an in-sequence FIN. */
static ack_mode tcp_fin(ts_sim *sim, ts_sock *sk, ts_cause cause)
{
	sk->rcv_nxt++;
	/* Linux tcp_fin(): whatever is held out of order after the FIN is
	 * dropped, and no SACK or D-SACK block is reported any more
	 * (tcp_sack_reset). */
	sk->nofo = 0;
	sk->dsack = 0;
	sk->shutdown |= TS_RCV_SHUTDOWN;
	sk->done = 1;
	ts_tcp_wake(sim, sk);
	switch (sk->state) {
	case TS_SYN_RECEIVED:
	case TS_ESTABLISHED:
		ts_tcp_set_state(sim, sk, TS_CLOSE_WAIT, TCPSIM_BY_FIN_RECEIVED,
				 cause);
		sk->pingpong = 1; /* the ACK may ride on our reply */
		return ACK_NORMAL;
	case TS_FIN_WAIT_1:
		/* Simultaneous close: our FIN is not yet acknowledged. */
		ts_tcp_set_state(sim, sk, TS_CLOSING, TCPSIM_BY_FIN_RECEIVED,
				 cause);
		return ACK_NOW;
	case TS_FIN_WAIT_2:
		ts_tcp_time_wait(sim, sk, TCPSIM_BY_FIN_RECEIVED, cause);
		return ACK_NOW;
	case TS_CLOSE_WAIT:
	case TS_CLOSING:
	case TS_LAST_ACK:
	case TS_TIME_WAIT:
	case TS_CLOSED:
	case TS_LISTEN:
	case TS_SYN_SENT:
		break;
	}
	return ACK_NORMAL;
}

/* LEN new bytes at RCV.NXT into the receive queue. */
/* Linux tcp_grow_window(): in-order data of at least 128 bytes lets the
 * window offered grow towards the clamp, by two segments (a queued byte
 * takes as much buffer as window here, so Linux's first case holds), and
 * asks for a quick ACK. */
static void grow_window(ts_sock *sk, uint32_t len)
{
	uint32_t space = ts_tcp_full_space(sk);
	space = space > sk->rcvq ? space - sk->rcvq : 0;
	uint32_t top = sk->window_clamp < space ? sk->window_clamp : space;
	if (len < 128 || top <= sk->rcv_ssthresh)
		return;
	uint32_t incr = 2 * TS_TCP_MSS;
	if (incr < 2 * len)
		incr = 2 * len;
	uint32_t room = top - sk->rcv_ssthresh;
	sk->rcv_ssthresh += incr < room ? incr : room;
	sk->quick |= 1;
}

/* RFC 2883 §4 as Linux does it (tcp_dsack_set): the next ACK reports
 * [SEQ, END), data that arrived twice, when SACK was agreed and
 * tcp_dsack allows. */
static void dsack_set(ts_sock *sk, uint32_t seq, uint32_t end)
{
	if (!sk->sack_ok || !sk->host->knob[TS_KNOB_TCP_DSACK])
		return;
	sk->dsack = 1;
	sk->dsack_seq = seq;
	sk->dsack_end = end;
}

/* Linux tcp_dsack_extend(): a first D-SACK block, or the one waiting made
 * larger by [SEQ, END) when they touch (tcp_sack_extend). */
static void dsack_extend(ts_sock *sk, uint32_t seq, uint32_t end)
{
	if (!sk->dsack) {
		dsack_set(sk, seq, end);
		return;
	}
	if (ts_seq_le(seq, sk->dsack_end) && ts_seq_ge(end, sk->dsack_seq)) {
		if (ts_seq_lt(seq, sk->dsack_seq))
			sk->dsack_seq = seq;
		if (ts_seq_gt(end, sk->dsack_end))
			sk->dsack_end = end;
	}
}

static void take_text(ts_sim *sim, ts_sock *sk, uint32_t len, ts_cause cause)
{
	event_data_recv(sim, sk, len);
	sk->rcvq += len;
	grow_window(sk, len);
	sk->rcv_total += len;
	if (cause.forged)
		sk->tainted = 1;
	sk->rcv_nxt += len;
	ts_tcp_wake(sim, sk);
}

/* RFC 9293 §3.10.7.4 "sixth" and "eighth": queue the text, process FIN
 * (Linux tcp_data_queue). Returns how to acknowledge it. */
static ack_mode data_queue(ts_sim *sim, ts_sock *sk, const ts_seg *seg,
			   ts_cause cause)
{
	uint32_t seq = seg->seq + !!(seg->flags & TS_SYN);
	uint32_t end = seq + seg->len;
	int fin = !!(seg->flags & TS_FIN);
	if (!seg->len && !fin)
		return ACK_NONE;
	if (ts_seq_le(end, sk->rcv_nxt) && !(fin && end == sk->rcv_nxt)) {
		/* Old duplicate: nothing new, ACK at once (Linux
		 * tcp_data_queue: out_of_window, quick-ACK mode, D-SACK). */
		dsack_set(sk, seq, end + (uint32_t)fin);
		note_drop(sim, sk, TCPSIM_DROP_DUPLICATE_DATA,
			  TCPSIM_ANSWER_NONE, cause);
		enter_quickack(sk);
		return ACK_NOW;
	}
	uint32_t right = sk->rcv_wup + sk->rcv_wnd;
	if (ts_seq_gt(seq, sk->rcv_nxt)) {
		/* Out of order: keep it, ACK what we have (RFC 9293
		 * §3.10.7.4 sixth; RFC 5681 §4.2 immediate duplicate ACK). */
		uint32_t e = ts_seq_gt(end, right) ? right : end;
		/* A FIN without data is queued too (Linux
		 * tcp_data_queue_ofo takes any in-window skb). */
		if (ts_seq_gt(e, seq) || (fin && e == end))
			ofo_add(sim, sk, seq, e, fin && e == end, cause);
		if (cause.forged)
			sk->tainted = 1;
		note_drop(sim, sk, TCPSIM_DROP_OUT_OF_ORDER, TCPSIM_ANSWER_NONE,
			  cause);
		/* ACKed at once because the out-of-order queue is not empty
		 * (__tcp_ack_snd_check); no quick-ACK mode (6.x
		 * tcp_data_queue_ofo enters none: only old data and data
		 * outside the window do, tcp_data_queue's out_of_window) */
		return ACK_NOW;
	}
	/* In order (perhaps overlapping what we have): the new part, whole
	 * (Linux trims nothing to the window: tcp_sequence let it in). */
	ack_mode mode = ACK_NORMAL;
	uint32_t take_end = end;
	if (seg->len && seq == sk->rcv_nxt && !ts_seq_gt(right, sk->rcv_nxt)) {
		/* Linux tcp_data_queue: no room at all (TCPZeroWindowDrop):
		 * dropped, and the ACK repeating the zero window goes at once.
		 */
		note_drop(sim, sk, TCPSIM_DROP_ZERO_WINDOW, TCPSIM_ANSWER_NONE,
			  cause);
		enter_quickack(sk);
		return ACK_NOW;
	}
	if (ts_seq_lt(seq, sk->rcv_nxt))
		dsack_set(sk, seq,
			  sk->rcv_nxt); /* partly old (tcp_data_queue) */
	if (ts_seq_gt(take_end, sk->rcv_nxt))
		take_text(sim, sk, take_end - sk->rcv_nxt, cause);
	if (fin && take_end == end)
		mode = tcp_fin(sim, sk, cause);
	int had_ofo = sk->nofo;
	ofo_drain(sim, sk, cause);
	if (had_ofo && !sk->nofo)
		mode = ACK_NOW; /* the gap is filled (Linux ICSK_ACK_NOW) */
	/* Taken beyond what the buffer holds (a queued byte takes two of it,
	 * ts_tcp_full_space): Linux tcp_try_rmem_schedule failed, took it
	 * anyway (sk_forced_mem_schedule) and asks for an ACK at once
	 * (ICSK_ACK_NOMEM | ICSK_ACK_NOW). */
	if (2 * (uint64_t)sk->rcvq > sk->rcvbuf)
		mode = ACK_NOW;
	return mode;
}

/* ---------------- SYN_SENT (RFC 9293 §3.10.7.3) ---------------- */

/* Linux tcp_rcv_fastopen_synack(), for a SYN of ours that carried the
 * Fast Open option or data: the cookie (and the peer's MSS) cached for
 * the destination, an unsolicited one ignored (RFC 7413 §4.1.2); data
 * the SYN-ACK did not acknowledge goes again at once, and then no ACK of
 * its own (1). SYN_REXMIT: our SYN timed out (tp->total_retrans). */
static int fastopen_synack(ts_sim *sim, ts_sock *sk, const ts_seg *seg,
			   int syn_rexmit, ts_cause cause)
{
	ts_tfo_cookie c;
	int try_exp = 0;
	ts_tfo_from_seg(seg, &c);
	if (!(sk->tfo & TS_TFO_F_SYN_FO))
		c.len = -1; /* "Ignore an unsolicited cookie" */
	else if (!syn_rexmit && c.len < 0 && !(sk->tfo & TS_TFO_F_SYN_DATA))
		/* asked, not answered: the other kind next time (1: 254,
		 * 2: back to 34) */
		try_exp = (sk->tfo & TS_TFO_F_SYN_EXP) ? 2 : 1;
	ts_tfo_cache_set(sim, sk->host, sk->raddr,
			 seg->mss ? seg->mss : TS_TCP_DEFAULT_MSS, &c, try_exp);
	if ((sk->tfo & TS_TFO_F_SYN_DATA) &&
	    ts_seq_lt(sk->snd_una, sk->snd_nxt)) {
		/* tcp_mark_skb_lost(), tcp_non_congestion_loss_retransmit():
		 * the data again, at once (RFC 7413 §4.1.3) */
		sk->snd_nxt = sk->snd_una;
		ts_tcp_push(sim, sk, cause);
		return 1;
	}
	if (sk->tfo & TS_TFO_F_SYN_DATA)
		sk->tfo |= TS_TFO_F_DATA_ACKED; /* syn_data_acked */
	return 0;
}

static void synsent_input(ts_sim *sim, ts_sock *sk, const ts_seg *seg,
			  ts_cause cause)
{
	if (seg->flags & TS_ACK) {
		if (ts_seq_le(seg->ack, sk->iss) ||
		    ts_seq_gt(seg->ack, sk->snd_nxt)) {
			/* Unacceptable ACK: RST unless it is one (Linux
			 * tcp_rcv_synsent_state_process, reset_and_undo). */
			if (seg->flags & TS_RST)
				return;
			ts_tcp_send_reply_reset(sim, sk->host, sk, seg,
						TCPSIM_RST_SYNSENT_BAD_ACK,
						cause);
			/* Linux reset_and_undo: if no SYN was retransmitted
			 * yet, the next one goes two ticks later. */
			if (!sk->retransmits)
				ts_tcp_timer_set(
				    sim, sk, TS_TIMER_RTX,
				    sim->now + 2 * ts_tcp_jiffy(sk->host));
			return;
		}
	}
	if (seg->flags & TS_RST) {
		if (!(seg->flags & TS_ACK)) {
			note_drop(sim, sk, TCPSIM_DROP_SYNSENT_RST_NO_ACK,
				  TCPSIM_ANSWER_NONE, cause);
			return;
		}
		/* Linux tcp_reset() in SYN_SENT: ECONNREFUSED. */
		ts_tcp_reset(sim, sk, TCPSIM_BY_RST_REFUSED, cause);
		return;
	}
	if (!(seg->flags & TS_SYN))
		return;
	sk->irs = seg->seq;
	sk->rcv_nxt = seg->seq + 1;
	sk->rcv_wup = sk->rcv_nxt;
	sk->last_rcv = sim->now;
	take_syn_options(sim, sk, seg);
	if (!sk->wscale_ok && (seg->flags & TS_ACK)) {
		/* Linux tcp_rcv_synsent_state_process, on a SYN-ACK: no
		 * scale either way (a crossed SYN leaves ours as it was) */
		sk->rcv_wscale = 0;
		if (sk->window_clamp > 65535)
			sk->window_clamp = 65535;
	}
	sk->snd_wl1 = seg->seq;
	sk->snd_wl2 = seg->ack;
	if (seg->flags & TS_ACK) {
		int syn_rexmit = sk->total_rto != 0;
		ts_cong_init_transfer(sim, sk, sk->retransmits);
		sk->bytes_acked += (uint32_t)(seg->ack - sk->snd_una);
		sk->snd_una = seg->ack;
		if (!sk->retransmits && sk->rtt_time != TS_TIME_NEVER)
			ts_tcp_rtt_sample(sk, sim->now - sk->rtt_time);
		else if (!sk->srtt)
			sk->rto = TS_TCP_TIMEOUT_FALLBACK; /* RFC 6298 §5.7 */
		sk->rtt_time = TS_TIME_NEVER;
		sk->retransmits = 0;
		sk->total_rto = 0;
		ts_tcp_timer_clear(sim, sk, TS_TIMER_RTX);
		ts_tcp_init_buffer_space(sk);
		ts_tcp_set_state(sim, sk, TS_ESTABLISHED,
				 TCPSIM_BY_SYN_ACK_RECEIVED, cause);
		if ((sk->tfo & (TS_TFO_F_SYN_FO | TS_TFO_F_SYN_DATA)) &&
		    fastopen_synack(sim, sk, seg, syn_rexmit, cause))
			return;
		ts_tcp_send_ack(sim, sk, cause);
		ts_tcp_push(sim, sk, cause);
		return;
	}
	/* Simultaneous open (RFC 9293 §3.10.7.3 fourth): SYN_RECEIVED and a
	 * SYN-ACK with our original ISS. */
	ts_tcp_set_state(sim, sk, TS_SYN_RECEIVED,
			 TCPSIM_BY_SYN_RECEIVED_SIMULTANEOUS, cause);
	ts_tcp_send_synack(sim, sk, cause);
}

/* ---------------- TIME_WAIT (Linux tcp_timewait_state_process) -------- */

static void timewait_input(ts_sim *sim, ts_sock *sk, const ts_seg *seg,
			   ts_cause cause)
{
	ts_host *h = sk->host;
	uint32_t end = seg->seq + ts_seg_seqlen(seg);
	/* Linux tcp_paws_reject(): an older TSval than TS.Recent, within
	 * TCP_PAWS_MSL (60 s) of it; an RST is not rejected after that. */
	int ts_seen =
	    sk->ts_ok && seg->ts && sk->ts_recent_stamp != TS_TIME_NEVER;
	int paws_reject = ts_seen &&
			  (int32_t)(sk->ts_recent - seg->tsval) > 1 &&
			  (sim->now - sk->ts_recent_stamp < TS_SEC(60) ||
			   !(seg->flags & TS_RST));
	if (!paws_reject && seg->seq == sk->rcv_nxt &&
	    (seg->seq == end || (seg->flags & TS_RST))) {
		if (seg->flags & TS_RST) {
			if (!h->knob[TS_KNOB_TCP_RFC1337]) {
				/* RFC 9293 §3.10.7.4: RST closes TIME_WAIT
				 * (TIME-WAIT assassination, RFC 1337). */
				ts_tcp_done(sim, sk, TCPSIM_BY_RST_IN_TIME_WAIT,
					    cause);
			} else {
				note_drop(sim, sk,
					  TCPSIM_DROP_TIME_WAIT_RST_RFC1337,
					  TCPSIM_ANSWER_NONE, cause);
			}
			return;
		}
		/* A bare ACK restarts the 60 s. */
		ts_tcp_timer_set(sim, sk, TS_TIMER_CLOSE,
				 sim->now + TS_TCP_TIMEWAIT_LEN);
		return;
	}
	/* A new SYN: above RCV.NXT, or with timestamps newer than TS.Recent
	 * (RFC 6191; Linux TCP_TW_SYN). */
	if ((seg->flags & TS_SYN) && !(seg->flags & (TS_RST | TS_ACK)) &&
	    !paws_reject &&
	    (ts_seq_gt(seg->seq, sk->rcv_nxt) ||
	     (ts_seen && (int32_t)(sk->ts_recent - seg->tsval) < 0))) {
		ts_sock *l = ts_tcp_lookup_listener(h, seg->dport);
		if (l) {
			/* Linux TCP_TW_SYN: the new SYN reopens the
			 * connection through the listener (RFC 1122
			 * §4.2.2.13). */
			/* Linux: ISN = the old SND.NXT + 65535 + 2. */
			uint32_t isn = sk->snd_nxt + 65535 + 2;
			ts_tcp_done(sim, sk, TCPSIM_BY_SYN_REUSES_TIME_WAIT,
				    cause);
			listen_input(sim, l, seg, cause, isn ? isn : 1);
			return;
		}
		/* Linux tcp_v4_rcv, TCP_TW_SYN without a listener: on to
		 * TCP_TW_ACK, an ACK that no rate limit holds back (and the
		 * 60 s go on: it has no ACK flag). */
		ts_tcp_send_ack(sim, sk, cause);
		return;
	}
	if (paws_reject)
		note_drop(sim, sk, TCPSIM_DROP_PAWS, TCPSIM_ANSWER_NONE, cause);
	if (seg->flags & TS_RST)
		return; /* any other RST: ignored */
	if ((seg->flags & TS_ACK) || paws_reject)
		ts_tcp_timer_set(sim, sk, TS_TIMER_CLOSE,
				 sim->now + TS_TCP_TIMEWAIT_LEN);
	if (oow_rate_limited(sim, sk, seg))
		return;
	/* Linux TCP_TW_ACK: everything else is answered with an ACK. */
	ts_tcp_send_ack(sim, sk, cause);
}

/* An orphan in FIN_WAIT_2 is a time-wait record in Linux, substate
 * FIN_WAIT2 (tcp_time_wait from tcp_rcv_state_process), and segments get
 * tcp_timewait_state_process's rules. */
static void fin_wait_2_tw_input(ts_sim *sim, ts_sock *sk, const ts_seg *seg,
				ts_cause cause)
{
	uint32_t end = seg->seq + ts_seg_seqlen(seg);
	if (!in_window(seg->seq, end, sk->rcv_nxt, sk->rcv_nxt + sk->rcv_wnd)) {
		/* Out of window: an ACK, rate limited. */
		if (!(seg->flags & TS_RST) && !oow_rate_limited(sim, sk, seg))
			ts_tcp_send_ack(sim, sk, cause);
		return;
	}
	if (seg->flags & TS_RST) {
		/* killed silently */
		ts_tcp_done(sim, sk, TCPSIM_BY_RST_IN_FIN_WAIT_2, cause);
		return;
	}
	int rst = 0;
	if ((seg->flags & TS_SYN) && ts_seq_ge(seg->seq, sk->rcv_nxt))
		rst = 1; /* TCP_TW_RST */
	else if (!(seg->flags & TS_ACK) || !ts_seq_gt(end, sk->rcv_nxt) ||
		 end == seg->seq)
		return; /* a duplicate or pure ACK: ignored */
	else if (!(seg->flags & TS_FIN) || end != sk->rcv_nxt + 1)
		rst = 1; /* new data after a half-duplex close: TCP_TW_RST */
	if (rst) {
		ts_tcp_send_reply_reset(sim, sk->host, sk, seg,
					TCPSIM_RST_FIN_WAIT_2_DATA, cause);
		ts_tcp_done(sim, sk, TCPSIM_BY_SEGMENT_AFTER_CLOSE, cause);
		return;
	}
	/* The FIN at RCV.NXT: TIME_WAIT, and its ACK. */
	sk->last_rcv = sim->now;
	sk->rcv_nxt = end;
	sk->done = 1;
	ts_tcp_time_wait(sim, sk, TCPSIM_BY_FIN_RECEIVED, cause);
	ts_tcp_send_ack(sim, sk, cause);
}

/* ---------------- SYN cookies (Linux syncookies.c) ---------------- */

/* What a SYN cookie lets the listener rebuild when the final ACK comes:
 * tcpsim keeps it in a table instead of encoding it in the ISN, with the
 * same effect (no request socket, no SYN-ACK retransmission). */
typedef struct ts_cookie {
	uint32_t iss, irs;
	uint16_t mss, win;
	uint8_t ts, sack, wscale_ok, wscale;
	uint32_t tsval; /* the SYN's, to echo */
	ts_time at;
} ts_cookie;

#define TS_COOKIE_AGE TS_SEC(120) /* MAX_SYNCOOKIE_AGE: about 2 minutes */

static uint64_t cookie_key(uint16_t lport, uint32_t raddr, uint16_t rport)
{
	return ((uint64_t)lport << 48) | ((uint64_t)raddr << 16) | rport;
}

void ts_tcp_cookies_free(ts_host *h)
{
	ts_tfo_cache_free(h); /* Fast Open's cookies go with the host too */
	for (size_t i = 0; h->cookies.slots && i <= h->cookies.mask; i++)
		free(h->cookies.slots[i].val);
	ts_hmap_free(&h->cookies);
}

static void send_cookie(ts_sim *sim, ts_sock *l, const ts_seg *syn,
			ts_cause cause)
{
	ts_host *h = l->host;
	uint64_t key = cookie_key(l->lport, syn->saddr, syn->sport);
	ts_cookie *ck = ts_hmap_get(&h->cookies, key);
	if (!ck) {
		ck = calloc(1, sizeof *ck);
		if (!ck || ts_hmap_put(&h->cookies, key, ck) < 0) {
			free(ck);
			ts_sim_abort(sim, 0, "out of memory");
			return;
		}
	}
	ck->iss = ts_tcp_next_isn(sim, h);
	ck->irs = syn->seq;
	/* The cookie encodes the largest of 536, 1300, 1440, 1460 that does
	 * not exceed the peer's MSS (msstab). */
	static const uint16_t msstab[] = {536, 1300, 1440, 1460};
	uint16_t peer = syn->mss ? syn->mss : TS_TCP_DEFAULT_MSS;
	ck->mss = msstab[0];
	for (size_t i = 0; i < sizeof msstab / sizeof msstab[0]; i++)
		if (msstab[i] <= peer)
			ck->mss = msstab[i];
	ck->win = syn->win;
	ck->ts = syn->ts && h->knob[TS_KNOB_TCP_TIMESTAMPS];
	ck->sack = syn->sack_ok;
	ck->tsval = syn->tsval;
	/* Without timestamps a cookie keeps no window scale (Linux
	 * cookie_timestamp_decode). */
	ck->wscale_ok =
	    syn->wscale_ok && ck->ts && h->knob[TS_KNOB_TCP_WINDOW_SCALING];
	ck->wscale = syn->wscale;
	ck->at = sim->now;
	if (ts_ev_on(sim, TCPSIM_EV_DROP))
		listen_drop_event(sim, l, TCPSIM_DROP_SYN_COOKIE, cause);
	ts_seg s = {0};
	s.saddr = h->addr;
	s.daddr = syn->saddr;
	s.sport = l->lport;
	s.dport = syn->sport;
	s.seq = ck->iss;
	s.ack = syn->seq + 1;
	s.flags = TS_SYN | TS_ACK;
	/* the window a request's SYN-ACK offers (tcp_openreq_init_rwin) */
	ts_sock tmp = *l;
	ts_tcp_initial_window(
	    &tmp, ts_tcp_advmss(l) - (ck->ts ? TS_TCP_TSOPT_LEN : 0),
	    ck->wscale_ok);
	s.win = (uint16_t)(tmp.rcv_wnd > 65535 ? 65535 : tmp.rcv_wnd);
	s.mss = (uint16_t)ts_tcp_advmss(l); /* tcp_mss_clamp */
	/* with timestamps the options survive in TSval (Linux
	 * cookie_init_timestamp; here the clock's value, doc/model.md) */
	s.ts = ck->ts;
	s.tsval = (uint32_t)(sim->now / 1000) + ts_tcp_ts_off(sim, h);
	s.tsecr = syn->tsval;
	s.sack_ok = syn->sack_ok && ck->ts && h->knob[TS_KNOB_TCP_SACK];
	if (ck->wscale_ok) {
		/* the listener's scale, as tcp_select_initial_window chose */
		s.wscale_ok = 1;
		s.wscale = tmp.rcv_wscale;
	}
	int to = ts_sim_host_by_addr(sim, syn->saddr);
	if (to >= 0)
		ts_net_send(sim, h->index, to, &s, cause, -1);
}

/* Linux cookie_v4_check(): 1 when the ACK was a cookie's (handled: a child
 * made, or dropped because the accept queue is full), 0 to go on (RST). */
static int cookie_check(ts_sim *sim, ts_sock *l, const ts_seg *seg,
			ts_cause cause)
{
	ts_host *h = l->host;
	uint64_t key = cookie_key(l->lport, seg->saddr, seg->sport);
	ts_cookie *ck = ts_hmap_get(&h->cookies, key);
	if (!ck || seg->ack != ck->iss + 1 || seg->seq != ck->irs + 1)
		return 0;
	if (sim->now - ck->at > TS_COOKIE_AGE) {
		free(ts_hmap_del(&h->cookies, key));
		return 0;
	}
	if (aq_full(l)) {
		/* tcp_get_cookie_sock: no child, the ACK is dropped, no RST. */
		if (ts_ev_on(sim, TCPSIM_EV_DROP))
			listen_drop_event(
			    sim, l, TCPSIM_DROP_COOKIE_ACK_QUEUE_FULL, cause);
		return 1;
	}
	ts_seg syn = {0};
	syn.saddr = seg->saddr;
	syn.sport = seg->sport;
	syn.seq = ck->irs;
	syn.win = ck->win;
	syn.mss = ck->mss;
	syn.ts = ck->ts;
	syn.tsval = ck->tsval;
	syn.sack_ok = ck->sack && ck->ts;
	syn.wscale_ok = ck->wscale_ok;
	syn.wscale = ck->wscale;
	uint32_t iss = ck->iss;
	free(ts_hmap_del(&h->cookies, key));
	ts_sock *c = make_child(sim, l, &syn, iss);
	if (!c)
		return 1;
	c->snd_nxt = c->write_seq = c->snd_sml = iss + 1;
	c->rtt_time = TS_TIME_NEVER;
	/* The receive window is the one the SYN-ACK advertised (Linux
	 * tcp_create_openreq_child: rcv_wnd = req->rsk_rcv_wnd, rcv_wup =
	 * rcv_nxt): data right behind the ACK is in the window. */
	c->rcv_wup = c->rcv_nxt;
	/* cookie_v4_check: the window from the cookie's MSS, whole */
	ts_tcp_initial_window(c, TS_TCP_MSS, c->wscale_ok);
	c->ts_off = ts_tcp_ts_off(sim, h);
	ts_tcp_set_state(sim, c, TS_SYN_RECEIVED, TCPSIM_BY_COOKIE_ACK, cause);
	complete_child(sim, c, l, seg, cause);
	return 1;
}

/* ---------------- passive SYN_RECEIVED (Linux tcp_check_req) ---------- */

static void sync_input(ts_sim *sim, ts_sock *sk, const ts_seg *seg,
		       ts_cause cause);

/* The final ACK of a handshake: the child is ESTABLISHED and joins its
 * listener's accept queue (Linux tcp_check_req -> syn_recv_sock,
 * inet_csk_complete_hashdance; data riding on the ACK: tcp_child_process). */
static void complete_child(ts_sim *sim, ts_sock *sk, ts_sock *l,
			   const ts_seg *seg, ts_cause cause)
{
	sk->snd_una = seg->ack;
	sk->last_rcv = sim->now;
	if (!sk->retransmits && sk->rtt_time != TS_TIME_NEVER)
		ts_tcp_rtt_sample(sk, sim->now - sk->rtt_time);
	else if (!sk->srtt)
		sk->rto = TS_TCP_TIMEOUT_FALLBACK; /* RFC 6298 §5.7 */
	sk->rtt_time = TS_TIME_NEVER;
	sk->retransmits = 0;
	sk->total_rto = 0;
	sk->snd_wnd = seg_window(sk, seg);
	sk->snd_wl1 = seg->seq;
	sk->snd_wl2 = seg->ack;
	/* A child has no SYN-ACK retransmissions against it (Linux
	 * tcp_init_transfer: no undo_marker): IW10. */
	ts_cong_init_transfer(sim, sk, 0);
	replace_ts_recent(sim, sk, seg);
	ts_tcp_timer_clear(sim, sk, TS_TIMER_RTX);
	ts_tcp_init_buffer_space(sk);
	ts_tcp_set_state(sim, sk, TS_ESTABLISHED, TCPSIM_BY_HANDSHAKE_ACK,
			 cause);
	sk->aq_next = NULL;
	ts_sock_ext *lx = ts_tcp_ext(sim, l);
	if (lx->aq_tail)
		lx->aq_tail->aq_next = sk;
	else
		lx->aq_head = sk;
	lx->aq_tail = sk;
	lx->aq_len++;
	ts_tcp_wake(sim, l);
	if (seg->len || (seg->flags & TS_FIN))
		sync_input(sim, sk, seg, cause);
}

static void request_input(ts_sim *sim, ts_sock *sk, const ts_seg *seg,
			  ts_cause cause)
{
	ts_host *h = sk->host;
	ts_sock *l = sk->parent;
	uint32_t end = seg->seq + ts_seg_seqlen(seg);
	if (seg->flags == TS_SYN && seg->seq == sk->irs) {
		/* The peer's SYN again: our SYN-ACK was lost. Answered at most
		 * once per tcp_invalid_ratelimit, and the SYN-ACK timer starts
		 * over (mod_timer_pending, "Reset timer after retransmitting
		 * SYNACK"). */
		if (!rate_limited(sim, sk)) {
			ts_tcp_send_synack(sim, sk, cause);
			ts_time t = TS_TCP_RTO_INIT << sk->retransmits;
			if (t > TS_TCP_RTO_MAX)
				t = TS_TCP_RTO_MAX;
			ts_tcp_timer_set(sim, sk, TS_TIMER_RTX, sim->now + t);
		}
		return;
	}
	if ((seg->flags & TS_ACK) && seg->ack != sk->iss + 1) {
		/* Linux tcp_check_req checks the ACK first: a wrong one is
		 * handed back to the listener, which resets (R3). */
		ts_tcp_send_reply_reset(sim, h, sk, seg,
					TCPSIM_RST_SYNRECV_BAD_ACK, cause);
		return;
	}
	/* the window the SYN-ACK offered, unscaled (tcp_synack_window) */
	uint32_t synack_win = sk->rcv_wnd < 65535 ? sk->rcv_wnd : 65535;
	if (!in_window(seg->seq, end, sk->rcv_nxt, sk->rcv_nxt + synack_win)) {
		if (!(seg->flags & TS_RST) && !oow_rate_limited(sim, sk, seg))
			ts_tcp_send_ack(sim, sk, cause);
		return;
	}
	if (seg->flags & TS_RST) {
		/* Linux tcp_check_req: an in-window RST removes the request
		 * silently. */
		ts_tcp_done(sim, sk, TCPSIM_BY_RST_TO_REQUEST, cause);
		return;
	}
	if (seg->flags & TS_SYN) {
		ts_tcp_send_reply_reset(sim, h, sk, seg, TCPSIM_RST_SYNRECV_SYN,
					cause);
		ts_tcp_done(sim, sk, TCPSIM_BY_SYN_TO_REQUEST, cause);
		return;
	}
	if (!(seg->flags & TS_ACK))
		return;
	if (!l || aq_full(l)) {
		if (l && h->knob[TS_KNOB_TCP_ABORT_ON_OVERFLOW]) {
			ts_tcp_send_reply_reset(
			    sim, h, sk, seg, TCPSIM_RST_LISTEN_OVERFLOW, cause);
			ts_tcp_done(sim, sk, TCPSIM_BY_ACCEPT_QUEUE_OVERFLOW,
				    cause);
			return;
		}
		/* Linux tcp_check_req (listen_overflow), abort_on_overflow
		 * 0: the ACK is dropped; the SYN-ACK timer keeps going. */
		sk->acked_overflow = 1;
		note_drop(sim, sk, TCPSIM_DROP_FINAL_ACK_OVERFLOW,
			  TCPSIM_ANSWER_NONE, cause);
		return;
	}
	complete_child(sim, sk, l, seg, cause);
}

/* ---------------- synchronized states (RFC 9293 §3.10.7.4) ------------ */

/* Linux tcp_reset_check(): after the peer's FIN (CLOSE_WAIT, LAST_ACK,
 * CLOSING), an RST at RCV.NXT - 1, the FIN's own number, resets too. */
static int reset_check(const ts_sock *sk, const ts_seg *seg)
{
	return seg->seq == sk->rcv_nxt - 1 &&
	       (sk->state == TS_CLOSE_WAIT || sk->state == TS_LAST_ACK ||
		sk->state == TS_CLOSING);
}

/* First: sequence number (Linux tcp_sequence, tcp_validate_incoming). */
/* First of all, PAWS (RFC 7323 §5.3, Linux tcp_validate_incoming): a
 * segment whose TSval is older than TS.Recent (by more than one: Linux's
 * TCP_PAWS_WINDOW) is a duplicate from an earlier wrap, unless it is a
 * pure duplicate ACK within the RTO's span (tcp_disordered_ack_check). An
 * RST goes on; a SYN gets a challenge ACK; an old pure ACK is dropped
 * silently; anything else gets a duplicate ACK (tcp_send_dupack). */
static verdict check_paws(ts_sim *sim, ts_sock *sk, const ts_seg *seg,
			  ts_cause cause)
{
	if (!sk->ts_ok || !seg->ts || sk->ts_recent_stamp == TS_TIME_NEVER ||
	    (int32_t)(sk->ts_recent - seg->tsval) <= 1 || !sk->ts_recent ||
	    sim->now - sk->ts_recent_stamp >= TS_SEC(24 * 24 * 3600))
		return GO_ON; /* tcp_paws_check holds */
	uint32_t end = seg->seq + ts_seg_seqlen(seg);
	int pure_ack = (seg->flags & TS_ACK) && end == seg->seq &&
		       !(seg->flags & (TS_SYN | TS_FIN | TS_RST));
	if (pure_ack && seg->seq == sk->rcv_nxt && seg->ack == sk->snd_una &&
	    seg_window(sk, seg) == sk->snd_wnd &&
	    (int32_t)(sk->ts_recent - seg->tsval) <= (int32_t)(sk->rto / 1000))
		return GO_ON; /* a disordered ACK: tcp_disordered_ack_check */
	if (seg->flags & TS_RST)
		return GO_ON;
	if (seg->flags & TS_SYN) {
		challenge_ack(sim, sk, TCPSIM_DROP_PAWS, cause);
		return DROP;
	}
	if (pure_ack) {
		note_drop(sim, sk, TCPSIM_DROP_PAWS_ACK, TCPSIM_ANSWER_NOTHING,
			  cause);
		return DROP;
	}
	dup_ack(sim, sk, seg, TCPSIM_DROP_PAWS, cause);
	return DROP;
}

static verdict check_seq(ts_sim *sim, ts_sock *sk, const ts_seg *seg,
			 ts_cause cause)
{
	uint32_t end = seg->seq + ts_seg_seqlen(seg);
	uint32_t right = sk->rcv_wup + sk->rcv_wnd;
	if (ts_seq_ge(end, sk->rcv_wup) && ts_seq_le(seg->seq, right)) {
		/* Linux 6.x tcp_sequence: a segment that ends beyond the
		 * window is taken only while nothing waits to be read; a FIN
		 * just past it is let through (some stacks send one into a
		 * zero window) */
		uint32_t fin = !!(seg->flags & TS_FIN);
		if (ts_seq_gt(end - fin, right) && sk->rcvq &&
		    !(seg->flags & (TS_RST | TS_SYN))) {
			dup_ack(sim, sk, seg, TCPSIM_DROP_END_OUT_OF_WINDOW,
				cause);
			return DROP;
		}
		return GO_ON;
	}
	if (seg->flags & TS_RST) {
		if (reset_check(sk, seg)) {
			ts_tcp_reset(sim, sk, TCPSIM_BY_RST_AT_RCV_NXT_1,
				     cause);
			return DROP;
		}
		note_drop(sim, sk, TCPSIM_DROP_RST_OUT_OF_WINDOW,
			  TCPSIM_ANSWER_NONE, cause);
		return DROP;
	}
	if (seg->flags & TS_SYN) {
		challenge_ack(sim, sk, TCPSIM_DROP_SYN_OUT_OF_WINDOW, cause);
		return DROP;
	}
	dup_ack(sim, sk, seg, TCPSIM_DROP_OUT_OF_WINDOW, cause);
	return DROP;
}

/* Second: RST (RFC 5961 §3.2 as Linux applies it). */
static verdict check_rst(ts_sim *sim, ts_sock *sk, const ts_seg *seg,
			 ts_cause cause)
{
	if (!(seg->flags & TS_RST))
		return GO_ON;
	if (seg->seq == sk->rcv_nxt) {
		ts_tcp_reset(sim, sk, TCPSIM_BY_RST_RECEIVED, cause);
		return DROP;
	}
	/* Linux tcp_validate_incoming() step 2 accepts tcp_reset_check()'s
	 * RCV.NXT - 1 in the window too: the FIN's ACK not sent yet leaves
	 * RCV.WUP below it. */
	if (reset_check(sk, seg)) {
		ts_tcp_reset(sim, sk, TCPSIM_BY_RST_AT_RCV_NXT_1, cause);
		return DROP;
	}
	challenge_ack(sim, sk, TCPSIM_DROP_RST_NOT_AT_RCV_NXT, cause);
	return DROP;
}

/* Fourth: SYN in a synchronized state (RFC 5961 §4.2). */
static verdict check_syn(ts_sim *sim, ts_sock *sk, const ts_seg *seg,
			 ts_cause cause)
{
	if (!(seg->flags & TS_SYN))
		return GO_ON;
	/* Linux tcp_validate_incoming(): in a simultaneous open the peer's
	 * SYN-ACK is expected in SYN_RECEIVED. */
	if (sk->state == TS_SYN_RECEIVED && (seg->flags & TS_ACK) &&
	    seg->seq + 1 == sk->rcv_nxt && seg->ack == sk->snd_nxt)
		return GO_ON;
	challenge_ack(sim, sk, TCPSIM_DROP_SYN_SYNCHRONIZED, cause);
	return DROP;
}

static int our_fin_acked(const ts_sock *sk)
{
	return sk->fin_queued && sk->snd_una == sk->write_seq + 1;
}

static void ack_update(ts_sim *sim, ts_sock *sk, const ts_seg *seg,
		       ts_cause cause);

/* Fifth: the ACK field (Linux tcp_ack and the state switch of
 * tcp_rcv_state_process). */
static verdict check_ack(ts_sim *sim, ts_sock *sk, const ts_seg *seg,
			 ts_cause cause)
{
	if (!(seg->flags & TS_ACK))
		return DROP; /* RFC 9293 §3.10.7.4 fifth: no ACK, drop */
	if (sk->state == TS_SYN_RECEIVED) {
		/* A full socket in SYN_RECEIVED: simultaneous open. Linux
		 * tcp_ack accepts SND.UNA <= SEG.ACK <= SND.NXT, so an ACK
		 * of ISS too (RFC 9293 §3.10.7.4 wants SND.UNA < SEG.ACK);
		 * anything else makes tcp_rcv_state_process reset (R8),
		 * with tcp_ack's reason: an ACK of data never sent, or one
		 * below SND.UNA (TCP_TOO_OLD_ACK: no bytes are acknowledged
		 * yet, so the old-ACK window of RFC 5961 §5.2 is empty). */
		int unsent = ts_seq_gt(seg->ack, sk->snd_nxt);
		if (unsent || ts_seq_lt(seg->ack, sk->snd_una)) {
			ts_tcp_send_reply_reset(
			    sim, sk->host, sk, seg,
			    unsent ? TCPSIM_RST_SYNRECV_ACK_UNSENT
				   : TCPSIM_RST_SYNRECV_OLD_ACK,
			    cause);
			return DROP;
		}
		/* A Fast Open child leaves its request behind (Linux
		 * tcp_rcv_synrecv_state_fastopen); its transfer began when
		 * it was made (tcp_fastopen_create_child). */
		if (sk->tfo & TS_TFO_F_CHILD)
			ts_tfo_child_done(sk);
		else
			ts_cong_init_transfer(sim, sk, sk->retransmits);
		ts_tcp_set_state(sim, sk, TS_ESTABLISHED, TCPSIM_BY_ACK_OF_SYN,
				 cause);
		/* A simultaneous open's SYN-ACK carries the peer's SYN
		 * again: answered with an ACK (Linux: duplicate, D-SACK). */
		if (seg->flags & TS_SYN)
			ts_tcp_send_ack(sim, sk, cause);
	}
	if (ts_seq_gt(seg->ack, sk->snd_nxt)) {
		/* Acknowledges something never sent: dropped, and answered
		 * with a challenge ACK in every state (RFC 9293 §3.10.7.4,
		 * RFC 5961 §5.2; Linux 6.18 tcp_ack in ESTABLISHED, its
		 * caller tcp_rcv_state_process in the others). */
		challenge_ack(sim, sk, TCPSIM_DROP_ACK_UNSENT_DATA, cause);
		return DROP;
	}
	/* RFC 5961 §5.2, Linux tcp_ack: older than SND.UNA minus the
	 * smaller of MAX.SND.WND and the bytes acknowledged so far. */
	uint32_t old_win = sk->bytes_acked < sk->max_window
			       ? (uint32_t)sk->bytes_acked
			       : sk->max_window;
	if (ts_seq_lt(seg->ack, sk->snd_una - old_win)) {
		challenge_ack(sim, sk, TCPSIM_DROP_ACK_TOO_OLD, cause);
		return DROP;
	}
	ack_update(sim, sk, seg, cause);
	if (!our_fin_acked(sk))
		return GO_ON;
	switch (sk->state) {
	case TS_FIN_WAIT_1:
		ts_tcp_set_state(sim, sk, TS_FIN_WAIT_2, TCPSIM_BY_ACK_OF_FIN,
				 cause);
		ts_tcp_timer_clear(sim, sk, TS_TIMER_RTX);
		if (sk->orphan) {
			/* Linux: an orphaned FIN_WAIT_2 waits tcp_fin_time()
			 * = max(tcp_fin_timeout, 3.5 RTO), then goes. */
			ts_time t =
			    TS_SEC(sk->host->knob[TS_KNOB_TCP_FIN_TIMEOUT]);
			ts_time min = sk->rto * 7 / 2;
			if (t < min)
				t = min;
			ts_tcp_timer_set(sim, sk, TS_TIMER_CLOSE, sim->now + t);
		}
		break;
	case TS_CLOSING:
		ts_tcp_time_wait(sim, sk, TCPSIM_BY_ACK_OF_FIN, cause);
		return DROP;
	case TS_LAST_ACK:
		ts_tcp_done(sim, sk, TCPSIM_BY_ACK_OF_FIN, cause);
		return DROP;
	case TS_CLOSED:
	case TS_LISTEN:
	case TS_SYN_SENT:
	case TS_SYN_RECEIVED:
	case TS_ESTABLISHED:
	case TS_FIN_WAIT_2:
	case TS_CLOSE_WAIT:
	case TS_TIME_WAIT:
		break;
	}
	return GO_ON;
}

/* The REXMIT event: SK retransmits fast (someone takes it). */
__attribute__((noinline)) static void rexmit_event(ts_sim *sim, ts_sock *sk)
{
	tcpsim_event ev;
	ts_ev_begin(sim, &ev, TCPSIM_EV_REXMIT, sk->host->index);
	ts_tcp_describe(sim, sk, &ev.u.rexmit.sock);
	ts_ev_emit(sim, &ev);
}

/* An acceptable ACK field (SND.UNA - window <= SEG.ACK <= SND.NXT): the
 * window, duplicate ACKs, and what it newly acknowledges (Linux tcp_ack). */
static void ack_update(ts_sim *sim, ts_sock *sk, const ts_seg *seg,
		       ts_cause cause)
{
	if (ts_seq_ge(seg->ack, sk->snd_una))
		replace_ts_recent(sim, sk, seg);
	/* Window update (RFC 9293 §3.10.7.4, SND.WL1/SND.WL2). An ACK that
	 * moves the window is no duplicate (Linux FLAG_WIN_UPDATE is
	 * FLAG_NOT_DUP), unless its SACK blocks tell of a segment that left
	 * the network (tcp_sacktag_write_queue: sacked_out grows). */
	uint32_t prior_wnd = sk->snd_wnd;
	if (ts_seq_lt(sk->snd_wl1, seg->seq) ||
	    (sk->snd_wl1 == seg->seq && ts_seq_le(sk->snd_wl2, seg->ack))) {
		sk->snd_wnd = seg_window(sk, seg);
		sk->snd_wl1 = seg->seq;
		sk->snd_wl2 = seg->ack;
		if (sk->snd_wnd > sk->max_window)
			sk->max_window = sk->snd_wnd;
	}
	sk->probes_out = 0; /* Linux tcp_ack: the peer is alive */
	if (seg->ack == sk->snd_una && !seg->len &&
	    !(seg->flags & (TS_SYN | TS_FIN)) && sk->snd_una != sk->snd_nxt &&
	    (seg_window(sk, seg) == prior_wnd || seg->nsack)) {
		/* RFC 5681 §3.2: the third duplicate ACK triggers a fast
		 * retransmit (Linux tcp_fastretrans_alert, NewReno). */
		int was = sk->ca_state;
		if (ts_cong_dupack(sim, sk)) {
			if (was < TS_CA_RECOVERY &&
			    sk->ca_state == TS_CA_RECOVERY) {
				if (ts_ev_on(sim, TCPSIM_EV_REXMIT))
					rexmit_event(sim, sk);
				sk->rtt_time = TS_TIME_NEVER;
			}
			ts_tcp_xmit_recovery(sim, sk, cause);
		}
	}
	if (ts_seq_gt(seg->ack, sk->snd_una)) {
		uint32_t prior_una = sk->snd_una;
		int cc = ts_cong_ack_matters(sk);
		uint32_t prior_out = cc ? ts_cong_packets_out(sk) : 0;
		sk->bytes_acked += (uint32_t)(seg->ack - sk->snd_una);
		sk->snd_una = seg->ack;
		if (sk->rtt_time != TS_TIME_NEVER &&
		    ts_seq_ge(seg->ack, sk->rtt_seq)) {
			ts_tcp_rtt_sample(sk, sim->now - sk->rtt_time);
			ts_cong_rtt_sample(sim, sk, sim->now - sk->rtt_time);
			sk->rtt_time = TS_TIME_NEVER;
		}
		/* Linux tcp_ack: the congestion state and window */
		if (cc)
			ts_cong_ack(sim, sk, prior_una, prior_out);
		sk->retransmits = 0;
		sk->total_rto = 0;
		ts_tcp_set_rto(sk); /* new data acked: undo the backoff */
		if (sk->snd_una != sk->snd_nxt)
			sk->first_tx = sim->now;
		if (sk->tlp_high && ts_seq_ge(seg->ack, sk->tlp_high))
			sk->tlp_high = 0; /* the probe's episode is over */
		/* Linux tcp_set_xmit_timer(): a loss probe, else the RTO. */
		if (!ts_tcp_schedule_tlp(sim, sk, 1))
			ts_tcp_rearm_rtx(sim, sk);
		/* Linux tcp_clean_rtx_queue(): the skbs acknowledged whole
		 * are freed (SOCK_QUEUE_SHRUNK); tcp_check_space() looks at
		 * the space once what may go went (tcp_data_snd_check). */
		ts_tcp_skb_clean(sk);
		/* Linux tcp_xmit_recovery(): what is lost, before new data */
		if (sk->ca_state >= TS_CA_RECOVERY)
			ts_tcp_xmit_recovery(sim, sk, cause);
	}
}

/* Seventh: the text (Linux tcp_rcv_state_process, step 7). */
static verdict check_text(ts_sim *sim, ts_sock *sk, const ts_seg *seg,
			  ts_cause cause)
{
	uint32_t end = seg->seq + ts_seg_seqlen(seg);
	switch (sk->state) {
	case TS_CLOSE_WAIT:
	case TS_CLOSING:
	case TS_LAST_ACK:
		/* The peer's FIN came already: nothing after it counts. */
		if (ts_seq_ge(seg->seq, sk->rcv_nxt))
			return GO_ON;
		/* fall through: it starts before RCV.NXT */
		/* FALLTHRU */
	case TS_FIN_WAIT_1:
	case TS_FIN_WAIT_2:
		/* RFC 1122 §4.2.2.13: new data for a receive side the
		 * application has shut is answered with RST (Linux: only
		 * when RCV_SHUTDOWN is set, TCPAbortOnData). */
		if ((sk->shutdown & TS_RCV_SHUTDOWN) && end != seg->seq &&
		    ts_seq_gt(end - !!(seg->flags & TS_FIN), sk->rcv_nxt)) {
			ts_tcp_send_reply_reset(sim, sk->host, sk, seg,
						TCPSIM_RST_DATA_AFTER_CLOSE,
						cause);
			ts_tcp_reset(sim, sk, TCPSIM_BY_DATA_AFTER_CLOSE,
				     cause);
			return DROP;
		}
		break;
	case TS_ESTABLISHED:
	case TS_SYN_RECEIVED:
		break;
	case TS_CLOSED:
	case TS_LISTEN:
	case TS_SYN_SENT:
	case TS_TIME_WAIT:
		return DROP;
	}
	ack_mode mode = data_queue(sim, sk, seg, cause);
	if (mode != ACK_NONE && sk->in_use)
		ts_tcp_ack_snd_check(sim, sk, mode == ACK_NOW, cause);
	return GO_ON;
}

/* Linux tcp_rcv_established()'s fast path (header prediction): in
 * ESTABLISHED, a segment with ACK set and no SYN, FIN or RST, at RCV.NXT and
 * inside the window, acknowledging nothing unsent (SND.UNA <= SEG.ACK <=
 * SND.NXT), with nothing queued out of order. Every check of the full path
 * below passes for it, and what is left of it is the ACK's update and the
 * in-order text: the same functions, called in the same order. */
static int predicted(const ts_sock *sk, const ts_seg *seg)
{
	return sk->state == TS_ESTABLISHED &&
	       (seg->flags & (TS_SYN | TS_FIN | TS_RST | TS_ACK)) == TS_ACK &&
	       seg->seq == sk->rcv_nxt && !sk->nofo &&
	       ts_seq_le(sk->snd_una, seg->ack) &&
	       ts_seq_le(seg->ack, sk->snd_nxt) &&
	       ts_seq_le(sk->rcv_wup, seg->seq) &&
	       ts_seq_le(seg->seq + seg->len, sk->rcv_wup + sk->rcv_wnd) &&
	       /* an older TSval takes the slow path, where PAWS is
		* (Linux tcp_rcv_established) */
	       !(sk->ts_ok && seg->ts &&
		 (int32_t)(seg->tsval - sk->ts_recent) < 0);
}

static void sync_input(ts_sim *sim, ts_sock *sk, const ts_seg *seg,
		       ts_cause cause)
{
	if (predicted(sk, seg) && !sim->test.full_input) {
		sim->test.nfast++;
		sk->last_rcv = sim->now;
		ack_update(sim, sk, seg, cause);
		/* A retransmission ack_update() sent may have moved the
		 * window's right edge, never back: the text still fits. */
		if (seg->len) {
			take_text(sim, sk, seg->len, cause);
			/* beyond the buffer: at once (see data_queue) */
			ts_tcp_ack_snd_check(
			    sim, sk, 2 * (uint64_t)sk->rcvq > sk->rcvbuf,
			    cause);
		}
		if (ts_tcp_push_pending(sk))
			ts_tcp_push(sim, sk, cause);
		if (sk->q_shrunk)
			ts_tcp_check_space(sim, sk);
		return;
	}
	/* Linux tcp_rcv_established (slow path) and tcp_rcv_state_process:
	 * a segment with none of ACK, RST and SYN is dropped before any
	 * check, so even outside the window it gets no ACK (TCP_FLAGS). */
	if (!(seg->flags & (TS_ACK | TS_RST | TS_SYN)))
		return;
	if (check_paws(sim, sk, seg, cause) == DROP ||
	    check_seq(sim, sk, seg, cause) == DROP)
		return;
	sk->last_rcv = sim->now;
	if (check_rst(sim, sk, seg, cause) == DROP)
		return;
	if (check_syn(sim, sk, seg, cause) == DROP)
		return;
	if (check_ack(sim, sk, seg, cause) == DROP || !sk->in_use)
		return;
	if (check_text(sim, sk, seg, cause) == DROP || !sk->in_use)
		return;
	/* Linux tcp_data_snd_check(); most segments a receiver gets leave
	 * nothing to push, and cost no call. Then tcp_check_space(). */
	if (ts_tcp_push_pending(sk))
		ts_tcp_push(sim, sk, cause);
	if (sk->q_shrunk && sk->in_use)
		ts_tcp_check_space(sim, sk);
}

void ts_tcp_input(ts_sim *sim, ts_host *h, const ts_seg *seg, ts_cause cause)
{
	ts_sock *sk = ts_tcp_lookup(sim, h, seg->dport, seg->saddr, seg->sport);
	if (sk) {
		switch (sk->state) {
		case TS_TIME_WAIT:
			timewait_input(sim, sk, seg, cause);
			return;
		case TS_FIN_WAIT_2:
			if (sk->orphan) {
				fin_wait_2_tw_input(sim, sk, seg, cause);
				return;
			}
			sync_input(sim, sk, seg, cause);
			return;
		case TS_SYN_SENT:
			synsent_input(sim, sk, seg, cause);
			return;
		case TS_SYN_RECEIVED:
			if (sk->tfo & TS_TFO_F_CHILD) {
				fastopen_child_input(sim, sk, seg, cause);
				return;
			}
			if (sk->parent && !sk->has_fd && !sk->orphan) {
				request_input(sim, sk, seg, cause);
				return;
			}
			sync_input(sim, sk, seg, cause);
			return;
		case TS_ESTABLISHED:
		case TS_FIN_WAIT_1:
		case TS_CLOSE_WAIT:
		case TS_CLOSING:
		case TS_LAST_ACK:
			sync_input(sim, sk, seg, cause);
			return;
		case TS_CLOSED:
		case TS_LISTEN:
			break; /* not in the connection table */
		}
	}
	ts_sock *l = ts_tcp_lookup_listener(h, seg->dport);
	if (l) {
		listen_input(sim, l, seg, cause, 0);
		return;
	}
	/* RFC 9293 §3.10.7.1, Linux tcp_v4_rcv no_tcp_socket. */
	if (seg->flags & TS_RST) {
		if (ts_ev_on(sim, TCPSIM_EV_DROP))
			drop_event(sim, h->index, NULL, seg->dport,
				   TCPSIM_DROP_NO_SOCKET_RST,
				   TCPSIM_ANSWER_NONE, ts_cause_segno(cause));
		return;
	}
	ts_tcp_send_reply_reset(sim, h, NULL, seg, TCPSIM_RST_NO_SOCKET, cause);
}
