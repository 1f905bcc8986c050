/*
 * tcp_out.c - everything a TCP endpoint sends: SYN, SYN-ACK, ACK, data and
 * FIN (with MSS segmentation, the peer's window and Nagle's rule), and the
 * two RST builders Linux has: the reply RST built from an offending segment
 * (tcp_v4_send_reset) and the active RST built from a socket's own state
 * (tcp_send_active_reset). Each segment leaves through ts_net_send().
 */
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "tcp/tcp.h"

/* Linux tcp_full_space(): the window the whole receive buffer stands
 * for, tcp_win_from_space() with the default scaling ratio (half: the
 * other half is the buffers' overhead, TCP_DEFAULT_SCALING_RATIO). */
uint32_t ts_tcp_full_space(const ts_sock *sk)
{
	return sk->rcvbuf / 2;
}

/* Linux tcp_space(): what of it is free. A byte queued takes a byte of
 * window (its buffer's overhead is the other half, as above). */
static uint32_t tcp_space(const ts_sock *sk)
{
	uint32_t full = ts_tcp_full_space(sk);
	return full > sk->rcvq ? full - sk->rcvq : 0;
}

static uint32_t align_up(uint32_t v, uint32_t to)
{
	return (v + to - 1) & ~(to - 1);
}

uint32_t ts_tcp_advmss(const ts_sock *sk)
{
	return sk->user_mss && sk->user_mss < TS_TCP_MSS ? sk->user_mss
							 : TS_TCP_MSS;
}

/* Linux tcp_select_initial_window() (tcp_output.c), for a SYN or SYN-ACK
 * whose segments will carry MSS bytes: the window to offer, its clamp
 * and our scale. */
void ts_tcp_initial_window(ts_sock *sk, uint32_t mss, int wscale_ok)
{
	const int64_t *knob = sk->host->knob;
	uint32_t clamp = 65535u << 14; /* no clamp: the largest window */
	uint32_t space = ts_tcp_full_space(sk);
	/* SO_RCVBUF set: the window never offers more than that buffer
	 * (tcp_connect_init, tcp_openreq_init_rwin) */
	if (sk->rcvbuf_lock)
		clamp = space;
	if (space > clamp)
		space = clamp;
	if (space > mss)
		space -= space % mss; /* a whole number of segments */
	sk->rcv_wnd = space;
	sk->rcv_wup = sk->rcv_nxt;
	sk->rcv_wscale = 0;
	if (wscale_ok) {
		/* scale for the largest window the buffer may grow to */
		uint32_t most = space;
		if ((uint64_t)knob[TS_KNOB_TCP_RMEM_MAX] > most)
			most = (uint32_t)knob[TS_KNOB_TCP_RMEM_MAX];
		if ((uint64_t)knob[TS_KNOB_RMEM_MAX] > most)
			most = (uint32_t)knob[TS_KNOB_RMEM_MAX];
		if (most > clamp)
			most = clamp;
		int lg = 31 - __builtin_clz(most | 1);
		sk->rcv_wscale =
		    (uint8_t)(lg > 15 ? (lg - 15 > 14 ? 14 : lg - 15) : 0);
	}
	sk->window_clamp = 65535u << sk->rcv_wscale;
	sk->rcv_ssthresh = sk->rcv_wnd;
}

/* Linux tcp_init_buffer_space() (tcp_input.c), when a connection is
 * established, actively or passively: the clamp leaves one segment of
 * the buffer unoffered (tcp_app_win 31), and the window grows from at
 * most that. (The first windows still say what the SYN or SYN-ACK
 * offered: the right edge never moves back.) */
void ts_tcp_init_buffer_space(ts_sock *sk)
{
	uint32_t maxwin = ts_tcp_full_space(sk);
	uint32_t advmss = TS_TCP_MSS;
	if (sk->window_clamp >= maxwin)
		sk->window_clamp = maxwin;
	if (sk->window_clamp > 2 * advmss && sk->window_clamp + advmss > maxwin)
		sk->window_clamp =
		    maxwin - advmss > 2 * advmss ? maxwin - advmss : 2 * advmss;
	if (sk->rcv_ssthresh > sk->window_clamp)
		sk->rcv_ssthresh = sk->window_clamp;
	ts_tcp_sndbuf_expand(sk); /* unless SO_SNDBUF locked it */
}

/* Linux __tcp_select_window(): the window to offer now, in bytes, before
 * the scale; no state changes. */
uint32_t ts_tcp_new_window(const ts_sock *sk)
{
	uint32_t mss = sk->rcv_mss;
	uint32_t free = tcp_space(sk);
	uint32_t full = ts_tcp_full_space(sk);
	uint32_t wscale = sk->rcv_wscale;
	if (full > sk->window_clamp)
		full = sk->window_clamp;
	if (mss > full)
		mss = full;
	if (free < full / 2) {
		if (free < mss)
			return 0;
		/* never grown by the scale's rounding below */
		free &= ~((1u << wscale) - 1);
	}
	if (free > sk->rcv_ssthresh)
		free = sk->rcv_ssthresh;
	if (wscale)
		/* enough that the scale does not round it away */
		return align_up(free, 1u << wscale);
	/* Without a scale: a whole number of segments, the window kept
	 * while it is within one segment of the free space (receiver SWS
	 * avoidance, RFC 9293 §3.8.6.2.2). */
	uint32_t win = sk->rcv_wnd;
	if (!mss)
		return 0;
	if (win + mss <= free || win > free)
		win = free - free % mss;
	else if (mss == full && free > win + full / 2)
		win = free;
	return win;
}

/* Linux tcp_select_window(): the window field of a segment we send, never
 * moving the window's right edge back (RFC 9293 §3.8.6). */
uint32_t ts_tcp_select_window(ts_sock *sk)
{
	uint32_t cur = ts_tcp_receive_window(sk);
	uint32_t shift = sk->rcv_wscale;
	uint32_t win = ts_tcp_new_window(sk);
	if (win < cur)
		win = align_up(cur, 1u << shift);
	/* the most a window field can say (Linux stores the window before
	 * this cut; the model keeps what it offered) */
	if (win > 65535u << shift)
		win = 65535u << shift;
	sk->rcv_wnd = win;
	sk->rcv_wup = sk->rcv_nxt;
	return win >> shift;
}

/* ---- the send queue as Linux's skbs ----
 * Linux keeps what the application wrote in skbs: tcp_sendmsg_locked()
 * fills each up to a size goal, tcp_write_xmit() cuts them where a burst
 * stops (tso_fragment), a retransmission where it ends (tcp_fragment).
 * Their memory is what the send buffer limits, and a segment carries PSH
 * when it ends an skb marked so. The model keeps where each ends. */

static inline ts_skb *skb_at(ts_skbq *q, uint32_t i)
{
	return &q->e[(q->head + i) & (q->cap - 1)];
}

/* Room for one more skb; NULL when there is no memory (the run is
 * aborted then). */
static ts_skbq *skbq_room(ts_sim *sim, ts_sock *sk)
{
	ts_skbq *q = sk->skbq;
	if (q && q->n < q->cap)
		return q;
	uint32_t cap = q ? 2 * q->cap : 4;
	ts_skbq *nq = malloc(sizeof *nq + cap * sizeof nq->e[0]);
	if (!nq) {
		ts_sim_abort(sim, 0, "out of memory");
		return NULL;
	}
	nq->head = 0;
	nq->n = q ? q->n : 0;
	nq->cap = cap;
	for (uint32_t i = 0; i < nq->n; i++)
		nq->e[i] = *skb_at(q, i);
	free(q);
	sk->skbq = nq;
	return nq;
}

void ts_tcp_skb_purge(ts_sock *sk)
{
	free(sk->skbq);
	sk->skbq = NULL;
	sk->skb_unsent = 0;
}

/* A new skb ending at END, without PSH, before skb I: the first part of
 * an skb cut at END (Linux tso_fragment, tcp_fragment: only the second
 * part keeps PSH), or at the tail (I == n). */
static void skb_insert(ts_sim *sim, ts_sock *sk, uint32_t i, uint32_t end)
{
	ts_skbq *q = skbq_room(sim, sk);
	if (!q)
		return;
	for (uint32_t j = q->n; j > i; j--)
		*skb_at(q, j) = *skb_at(q, j - 1);
	q->n++;
	skb_at(q, i)->end = end;
	skb_at(q, i)->psh = 0;
}

/* Cut the skb that SEQ falls strictly inside at SEQ (Linux tcp_fragment,
 * tso_fragment): one more skb's memory. */
static void skb_split(ts_sim *sim, ts_sock *sk, uint32_t seq)
{
	ts_skbq *q = sk->skbq;
	if (!q)
		return;
	uint32_t start = sk->snd_una;
	for (uint32_t i = 0; i < q->n; i++) {
		uint32_t end = skb_at(q, i)->end;
		if (ts_seq_gt(end, seq)) {
			/* (the first part is sent: the unsent count
			 * stays) */
			if (ts_seq_lt(start, seq))
				skb_insert(sim, sk, i, seq);
			return;
		}
		start = end;
	}
}

/* Cut the first unsent skb at SEQ, where what was sent of it ends. */
static void split_head(ts_sim *sim, ts_sock *sk, uint32_t seq)
{
	const ts_skbq *q = sk->skbq;
	if (q && sk->skb_unsent &&
	    ts_seq_lt(seq, skb_at(sk->skbq, q->n - sk->skb_unsent)->end))
		skb_insert(sim, sk, q->n - sk->skb_unsent, seq);
}

/* Whether the segment of data ending at END carries PSH: it ends an skb
 * marked so (Linux's segmentation leaves PSH on an skb's last segment,
 * tcp_gso_segment). */
static int skb_psh(const ts_sock *sk, uint32_t end)
{
	const ts_skbq *q = sk->skbq;
	if (!q)
		return end == sk->write_seq;
	for (uint32_t i = q->n; i-- > 0;) {
		const ts_skb *e = &q->e[(q->head + i) & (q->cap - 1)];
		if (e->end == end)
			return e->psh != 0;
		if (ts_seq_lt(e->end, end))
			return 0;
	}
	return 0;
}

void ts_tcp_skb_clean(ts_sock *sk)
{
	ts_skbq *q = sk->skbq;
	if (!q)
		return;
	uint32_t sent = q->n - sk->skb_unsent;
	while (sent && ts_seq_le(q->e[q->head].end, sk->snd_una)) {
		q->head = (q->head + 1) & (q->cap - 1);
		q->n--;
		sent--;
		sk->q_shrunk = 1;
	}
}

/* Linux tcp_mark_push(). */
static void mark_push(ts_sock *sk, ts_skb *skb)
{
	skb->psh = 1;
	sk->pushed_seq = sk->write_seq;
}

/* Linux forced_push(): half the largest window written since the last
 * PSH. */
static int forced_push(const ts_sock *sk)
{
	return ts_seq_gt(sk->write_seq, sk->pushed_seq + (sk->max_window >> 1));
}

/* Linux tcp_xmit_size_goal(): an skb holds as many whole segments as a
 * GSO packet takes (gso_max_size less MAX_TCP_HEADER), at most half the
 * largest window the peer offered (tcp_bound_to_half_wnd). */
static uint32_t size_goal(const ts_sock *sk)
{
	uint32_t mss = sk->mss;
	uint32_t goal = TS_TCP_GSO_MAX_SIZE - 1 - TS_TCP_MAX_HEADER;
	uint32_t cutoff = sk->max_window > TS_TCP_DEFAULT_MSS
			      ? sk->max_window >> 1
			      : sk->max_window;
	if (cutoff && goal > cutoff)
		goal = cutoff > 68 - 20 ? cutoff : 68 - 20;
	goal -= goal % mss;
	return goal > mss ? goal : mss;
}

/* Linux tcp_tso_segs() -> tcp_tso_autosize(): the most segments one
 * burst of an skb takes: a millisecond at the pacing rate
 * (tcp_update_pacing_rate: 200% of cwnd * mss / srtt in slow start,
 * 120% after it; sk_pacing_shift 10), more below 16 ms of RTT, at least
 * tcp_min_tso_segs. */
static uint32_t tso_segs(const ts_sock *sk)
{
	uint64_t mss = sk->mss, bytes = TS_TCP_GSO_MAX_SIZE;
	uint32_t out = ts_cong_packets_out(sk);
	uint32_t cwnd = sk->snd_cwnd > out ? sk->snd_cwnd : out;
	if (sk->srtt > 0) {
		uint64_t ratio =
		    sk->snd_cwnd < sk->snd_ssthresh / 2 ? 200 : 120;
		uint64_t rate = mss * 10000 * ratio * cwnd / (uint64_t)sk->srtt;
		bytes = rate >> 10;
		uint32_t r = sk->delay_min ? sk->delay_min >> 9 : 32;
		if (r < 32)
			bytes += TS_TCP_GSO_MAX_SIZE >> r;
		if (bytes > TS_TCP_GSO_MAX_SIZE)
			bytes = TS_TCP_GSO_MAX_SIZE;
	}
	uint64_t segs = bytes / mss;
	uint64_t min = (uint64_t)sk->host->knob[TS_KNOB_TCP_MIN_TSO_SEGS];
	return (uint32_t)(segs > min ? segs : min);
}

void ts_tcp_sndbuf_expand(ts_sock *sk)
{
	if (sk->sndbuf_lock)
		return;
	/* per_mss: the worst case of an skb a segment, its head kmalloc'ed
	 * in a power of two: the MSS, MAX_TCP_HEADER and skb_shared_info
	 * (320), rounded up, and struct sk_buff (256) */
	uint32_t mss = sk->mss + (sk->ts_ok ? TS_TCP_TSOPT_LEN : 0u);
	uint32_t need = mss + TS_TCP_MAX_HEADER + 320;
	uint32_t per_mss = (1u << (32 - __builtin_clz(need - 1))) + 256;
	/* max(TCP_INIT_CWND, cwnd, reordering + 1), twice for Fast
	 * Recovery (neither CUBIC nor Reno has sndbuf_expand) */
	uint32_t segs =
	    sk->snd_cwnd > TS_TCP_INIT_CWND ? sk->snd_cwnd : TS_TCP_INIT_CWND;
	uint64_t mem = 2 * (uint64_t)segs * per_mss;
	uint64_t max = (uint64_t)sk->host->knob[TS_KNOB_TCP_WMEM_MAX];
	if (sk->sndbuf < mem)
		sk->sndbuf = (uint32_t)(mem < max ? mem : max);
}

void ts_tcp_check_space(ts_sim *sim, ts_sock *sk)
{
	sk->q_shrunk = 0;
	/* Linux tcp_new_space(): only when a writer ran out of memory
	 * (SOCK_NOSPACE); the buffer grows while the window has room
	 * (tcp_should_expand_sndbuf) */
	if (sk->nospace && ts_cong_in_flight(sk) < sk->snd_cwnd) {
		ts_tcp_sndbuf_expand(sk);
	}
	/* sk_stream_write_space(): the writer wakes once writeable */
	if (ts_tcp_writeable(sk)) {
		sk->nospace = 0;
		ts_tcp_wake(sim, sk);
	}
}

uint64_t ts_tcp_sendmsg(ts_sim *sim, ts_sock *sk, uint64_t want,
			uint64_t before, ts_cause cause)
{
	uint32_t goal = size_goal(sk);
	uint64_t copied = 0;
	ts_skb *skb = NULL;
	while (copied < want) {
		uint32_t copy = 0;
		ts_skbq *q = sk->skbq;
		/* the tail skb, while it is not sent (tcp_write_queue_tail) */
		skb = NULL;
		if (q && sk->skb_unsent) {
			skb = skb_at(q, q->n - 1);
			uint32_t start =
			    q->n > 1 ? skb_at(q, q->n - 2)->end : sk->snd_una;
			uint32_t len = skb->end - start;
			copy = len < goal ? goal - len : 0;
		}
		if (!copy) {
			/* new_segment: only while memory is free
			 * (sk_stream_memory_free), else wait_for_space */
			if (!ts_tcp_memory_free(sk)) {
				sk->nospace = 1;
				skb = NULL;
				break;
			}
			ts_cong_write(sim, sk); /* tcp_skb_entail */
			skb_insert(sim, sk, q ? q->n : 0, sk->write_seq);
			if (!sk->skbq)
				break; /* no memory: the run is aborted */
			q = sk->skbq;
			sk->skb_unsent++;
			skb = skb_at(q, q->n - 1);
			copy = goal;
		}
		if (copy > want - copied)
			copy = (uint32_t)(want - copied);
		/* the first bytes of a write clear a PSH the tail had */
		if (!copied && !before)
			skb->psh = 0;
		sk->write_seq += copy;
		skb->end = sk->write_seq;
		copied += copy;
		sk->app_written += copy;
		ts_check_written(sim, sk); /* before anything is sent */
		if (copied == want)
			break;
		uint32_t start =
		    q->n > 1 ? skb_at(q, q->n - 2)->end : sk->snd_una;
		if (skb->end - start < goal)
			continue;
		/* a full skb: pushed (tcp_push_one, or with PSH every half
		 * window, __tcp_push_pending_frames) */
		if (forced_push(sk))
			mark_push(sk, skb);
		ts_tcp_push(sim, sk, cause);
	}
	if (copied || before) {
		/* Linux tcp_push(): PSH on the tail, then send */
		ts_skbq *q = sk->skbq;
		if (q && sk->skb_unsent)
			mark_push(sk, skb_at(q, q->n - 1));
		ts_tcp_push(sim, sk, cause);
	}
	return copied;
}

/* Our timestamp clock (RFC 7323 §5.4): milliseconds, with the
 * connection's offset. */
uint32_t ts_tcp_tsval(const ts_sim *sim, const ts_sock *sk)
{
	return (uint32_t)(sim->now / 1000) + sk->ts_off;
}

/* The SACK blocks of an ACK (RFC 2018 §4, Linux tcp_established_options):
 * a D-SACK first (RFC 2883), then the out-of-order intervals, the most
 * recently grown first; as many as the option space holds. */
static void sack_blocks(ts_sock *sk, ts_seg *s)
{
	int room = s->ts ? 3 : 4;
	if (sk->dsack) {
		s->sack[0][0] = sk->dsack_seq;
		s->sack[0][1] = sk->dsack_end;
		s->nsack = 1;
		sk->dsack = 0; /* sent once (tcp_options_write) */
	}
	if (!sk->nofo)
		return;
	const ts_sock_ext *x = sk->x;
	uint8_t used[TS_TCP_MAX_OFO] = {0};
	/* An interval ends after its FIN, which takes a sequence number: a
	 * FIN alone out of order is SACKed too (tcp_data_queue_ofo ->
	 * tcp_sack_new_ofo_skb with the skb's end_seq). */
	while (s->nsack < room) {
		int best = -1;
		for (int i = 0; i < sk->nofo; i++)
			if (!used[i] &&
			    ts_seq_gt(x->ofo_end[i] + x->ofo_fin[i],
				      x->ofo_seq[i]) &&
			    (best < 0 || x->ofo_stamp[i] > x->ofo_stamp[best]))
				best = i;
		if (best < 0)
			break;
		used[best] = 1;
		s->sack[s->nsack][0] = x->ofo_seq[best];
		s->sack[s->nsack][1] = x->ofo_end[best] + x->ofo_fin[best];
		s->nsack++;
	}
}

static void fill(ts_sim *sim, ts_sock *sk, ts_seg *s, uint8_t flags,
		 uint32_t seq, uint32_t len)
{
	const int64_t *knob = sk->host->knob;
	s->saddr = sk->host->addr;
	s->daddr = sk->raddr;
	s->sport = sk->lport;
	s->dport = sk->rport;
	s->seq = seq;
	s->flags = flags;
	s->ack = (flags & TS_ACK) ? sk->rcv_nxt : 0;
	s->len = len;
	s->nsack = 0;
	s->fo = 0;
	s->fo_len = 0;
	if (flags & TS_SYN) {
		/* Linux tcp_syn_options(): MSS and what the knobs allow; a
		 * listener's child answers with tcp_synack_options(): what
		 * the SYN offered too. (A simultaneous open's SYN-ACK is the
		 * socket's SYN again, with its options.) A Fast Open child
		 * keeps its request after accept() took it from its
		 * listener (tcp_rtx_synack). */
		int answer = (flags & TS_ACK) &&
			     (sk->parent || (sk->tfo & TS_TFO_F_CHILD));
		/* TCP_MAXSEG lowers the MSS offered (tcp_advertise_mss) */
		s->mss = (uint16_t)ts_tcp_advmss(sk);
		s->sack_ok = answer ? sk->sack_ok : knob[TS_KNOB_TCP_SACK] != 0;
		s->ts = answer ? sk->ts_ok : knob[TS_KNOB_TCP_TIMESTAMPS] != 0;
		s->wscale_ok = answer ? sk->wscale_ok
				      : knob[TS_KNOB_TCP_WINDOW_SCALING] != 0;
		s->wscale = s->wscale_ok ? sk->rcv_wscale : 0;
		s->tsval = s->ts ? ts_tcp_tsval(sim, sk) : 0;
		/* TS.Recent: the peer's SYN's, or a recycled TIME_WAIT's */
		s->tsecr = s->ts ? sk->ts_recent : 0;
		/* RFC 7323 §2.2: a SYN's window is never scaled */
		s->win = (uint16_t)(sk->rcv_wnd > 65535 ? 65535 : sk->rcv_wnd);
		return;
	}
	s->mss = 0;
	s->sack_ok = 0;
	s->wscale_ok = 0;
	s->wscale = 0;
	/* RFC 7323 §3.2: once both SYNs carried it, every segment but an
	 * RST carries the timestamps option, echoing TS.Recent. */
	s->ts = sk->ts_ok;
	s->tsval = s->ts ? ts_tcp_tsval(sim, sk) : 0;
	s->tsecr = s->ts ? sk->ts_recent : 0;
	if (sk->sack_ok && (flags & TS_ACK))
		sack_blocks(sk, s);
	if (sk->state == TS_TIME_WAIT) {
		/* Linux tcp_v4_timewait_ack(): the window the connection
		 * had when it entered TIME_WAIT (tw_rcv_wnd), which nothing
		 * moves any more. */
		uint32_t shift = sk->rcv_wscale;
		uint32_t cur = align_up(ts_tcp_receive_window(sk), 1u << shift);
		if (cur > 65535u << shift)
			cur = 65535u << shift;
		s->win = (uint16_t)(cur >> shift);
		return;
	}
	s->win = (uint16_t)ts_tcp_select_window(sk);
}

static void xmit(ts_sim *sim, ts_sock *sk, const ts_seg *s, ts_cause cause,
		 int rst)
{
	if (s->flags & TS_ACK) {
		/* Linux tcp_event_ack_sent(): this ACK is the one that was
		 * due; a quick ACK is used up. */
		if (sk->ack_pending) {
			sk->ack_pending = 0;
			ts_tcp_timer_clear(sim, sk, TS_TIMER_DELACK);
		}
		if (sk->quick)
			sk->quick--;
	}
	if (s->len && sim->now - sk->lrcvtime < sk->ato)
		sk->pingpong = 1; /* Linux tcp_event_data_sent: a reply */
	/* The peer's host index is kept with its address (sk->peer); the
	 * search over the hosts is for a socket without one. */
	int to = sk->peer;
	if (to < 0 || sim->hosts[to].addr != s->daddr)
		to = ts_sim_host_by_addr(sim, s->daddr);
	if (to >= 0)
		ts_net_send(sim, sk->host->index, to, s, cause, rst);
}

/* SYN or SYN-ACK: ISS, and SND.NXT = ISS + 1 the first time; with the
 * Fast Open option FO (NULL: none) and LEN bytes of data (a Fast Open
 * SYN's, sent the first time only). Inlined: a SYN without Fast Open
 * costs what it did before. */
static inline __attribute__((always_inline)) void
syn_flags(ts_sim *sim, ts_sock *sk, uint8_t flags, const ts_tfo_cookie *fo,
	  uint32_t len, ts_cause cause)
{
	ts_seg s;
	if (sk->snd_nxt == sk->iss) {
		/* The first transmission: the window to offer (Linux
		 * tcp_connect_init, tcp_openreq_init_rwin), sized for segments
		 * that will carry the timestamps option when a SYN-ACK
		 * answers one; and our timestamp clock. */
		int synack = (flags & TS_ACK) != 0;
		uint32_t mss = ts_tcp_advmss(sk); /* tp->advmss */
		if (synack ? sk->ts_ok
			   : sk->ts_recent_stamp != TS_TIME_NEVER &&
				 sk->host->knob[TS_KNOB_TCP_TIMESTAMPS])
			mss -=
			    TS_TCP_TSOPT_LEN; /* TS.Recent from a TIME_WAIT */
		ts_tcp_initial_window(
		    sk, mss,
		    synack ? sk->wscale_ok
			   : sk->host->knob[TS_KNOB_TCP_WINDOW_SCALING] != 0);
		sk->ts_off = ts_tcp_ts_off(sim, sk->host);
	}
	fill(sim, sk, &s, flags, sk->iss, 0);
	if (fo && fo->len >= 0) {
		s.fo = fo->exp ? TCPSIM_FO_EXP : TCPSIM_FO;
		s.fo_len = (uint8_t)fo->len;
		memcpy(s.fo_cookie, fo->val, (size_t)fo->len);
	}
	if (sk->snd_nxt == sk->iss) {
		sk->snd_nxt = sk->iss + 1 + len;
		sk->write_seq = sk->snd_nxt;
		sk->pushed_seq = sk->write_seq; /* tcp_connect */
		sk->snd_sml = sk->iss + 1;
		sk->first_tx = sim->now;
		sk->rtt_seq = sk->snd_nxt;
		sk->rtt_time = sim->now;
		s.len = len;
	}
	xmit(sim, sk, &s, cause, -1);
	if (sk->tdl[TS_TIMER_RTX] == TS_TIME_NEVER)
		ts_tcp_rearm_rtx(sim, sk);
}

static void send_syn_flags(ts_sim *sim, ts_sock *sk, uint8_t flags,
			   ts_cause cause)
{
	syn_flags(sim, sk, flags, NULL, 0, cause);
}

/* A Fast Open SYN or SYN-ACK, out of the common path. */
__attribute__((noinline)) static void send_syn_fo(ts_sim *sim, ts_sock *sk,
						  uint8_t flags,
						  const ts_tfo_cookie *fo,
						  uint32_t len, ts_cause cause)
{
	syn_flags(sim, sk, flags, fo, len, cause);
}

void ts_tcp_send_syn(ts_sim *sim, ts_sock *sk, ts_cause cause)
{
	send_syn_flags(sim, sk, TS_SYN, cause);
}

void ts_tcp_send_synack(ts_sim *sim, ts_sock *sk, ts_cause cause)
{
	send_syn_flags(sim, sk, TS_SYN | TS_ACK, cause);
}

void ts_tcp_send_synack_fo(ts_sim *sim, ts_sock *sk, const ts_tfo_cookie *fo,
			   ts_cause cause)
{
	send_syn_fo(sim, sk, TS_SYN | TS_ACK, fo, 0, cause);
}

uint32_t ts_tcp_send_syn_data(ts_sim *sim, ts_sock *sk, uint32_t size,
			      ts_cause cause)
{
	const int64_t knob = sk->host->knob[TS_KNOB_TCP_FASTOPEN];
	uint16_t mss = TS_TCP_MSS;
	ts_tfo_cookie c;
	uint32_t space = 0;
	/* Linux tcp_send_syn_data() -> tcp_fastopen_cookie_check(): data
	 * goes with a cached cookie, or with none at all in the no-cookie
	 * mode (TFO_CLIENT_NO_COOKIE: no option then). */
	ts_tfo_cache_get(sk->host, sk->raddr, &mss, &c);
	if (knob & TS_TFO_CLIENT_NO_COOKIE)
		c.len = -1;
	if (sk->user_mss && sk->user_mss < mss)
		mss = sk->user_mss; /* tcp_mss_clamp: TCP_MAXSEG */
	if (c.len > 0 || (knob & TS_TFO_CLIENT_NO_COOKIE)) {
		/* The MSS cached with the cookie (else ours), less the
		 * whole option space, MAX_TCP_OPTION_SPACE (40). */
		space = (mss < TS_TCP_MSS ? mss : TS_TCP_MSS) - 40u;
		if (space > size)
			space = size;
	} else {
		c.len = 0; /* fallback: a SYN with a cookie request */
	}
	if (c.len >= 0) {
		sk->tfo |= TS_TFO_F_SYN_FO;
		if (c.exp)
			sk->tfo |= TS_TFO_F_SYN_EXP;
	}
	if (space)
		sk->tfo |= TS_TFO_F_SYN_DATA;
	/* "Exclude Fast Open option for SYN retries" (cookie.len = -1) */
	sk->tfo &= (uint8_t)~TS_TFO_F_REQ;
	send_syn_fo(sim, sk, TS_SYN, &c, space, cause);
	return space;
}

void ts_tcp_send_ack(ts_sim *sim, ts_sock *sk, ts_cause cause)
{
	ts_seg s;
	fill(sim, sk, &s, TS_ACK, sk->snd_nxt, 0);
	xmit(sim, sk, &s, cause, -1);
}

void ts_tcp_send_probe(ts_sim *sim, ts_sock *sk, ts_cause cause)
{
	ts_seg s;
	fill(sim, sk, &s, TS_ACK, sk->snd_una - 1, 0);
	xmit(sim, sk, &s, cause, -1);
}

static int fin_sent(const ts_sock *sk)
{
	return sk->fin_queued && sk->snd_nxt == sk->write_seq + 1;
}

void ts_tcp_queue_fin(ts_sim *sim, ts_sock *sk, ts_cause cause)
{
	sk->fin_queued = 1;
	ts_tcp_push(sim, sk, cause);
}

/* Send one segment of [seq, seq+len), with FIN when it ends the stream;
 * PSH: whether it carries PSH, -1 to look it up (a retransmission). */
static void send_data(ts_sim *sim, ts_sock *sk, uint32_t seq, uint32_t len,
		      int fin, int psh, ts_cause cause)
{
	ts_seg s;
	uint8_t flags = TS_ACK;
	/* PSH on the last segment of an skb marked so (tcp_mark_push) */
	if (psh < 0)
		psh = len && skb_psh(sk, seq + len);
	if (psh)
		flags |= TS_PSH;
	if (fin)
		flags |= TS_FIN;
	fill(sim, sk, &s, flags, seq, len);
	xmit(sim, sk, &s, cause, -1);
}

/* States in which queued data or our FIN may still be (re)sent. */
int ts_tcp_may_send(ts_tcp_state st)
{
	switch (st) {
	case TS_ESTABLISHED:
	case TS_CLOSE_WAIT:
	case TS_FIN_WAIT_1:
	case TS_CLOSING:
	case TS_LAST_ACK:
		return 1;
	case TS_CLOSED:
	case TS_LISTEN:
	case TS_SYN_SENT:
	case TS_SYN_RECEIVED:
	case TS_FIN_WAIT_2:
	case TS_TIME_WAIT:
		return 0;
	}
	return 0;
}

/* What write_xmit() sends: the segments the windows and Nagle let go
 * (Linux tcp_write_xmit); a loss probe's one new segment, which neither
 * the congestion window nor Nagle holds back (push_one 2); or the one
 * segment of a window probe (tcp_write_wakeup). */
enum { XMIT_PUSH, XMIT_TLP, XMIT_WAKEUP };

static void write_xmit(ts_sim *sim, ts_sock *sk, ts_cause cause, int mode)
{
	int probe = mode != XMIT_PUSH;
	uint32_t sent = 0;
	/* Linux tcp_cwnd_test: at most snd_cwnd segments in flight (RFC
	 * 5681 §3.1: the lesser of cwnd and rwnd). */
	uint32_t in_flight = ts_cong_in_flight(sk);
	/* the skb the next segment comes from (Linux tcp_send_head), and
	 * the segments a burst took of it (tcp_tso_segs) */
	/* (max_segs is worked out once a burst is as long as the least it
	 * can be) */
	uint32_t burst = 0, max_segs = 0;
	uint32_t min_segs = (uint32_t)sk->host->knob[TS_KNOB_TCP_MIN_TSO_SEGS];
	while (ts_seq_lt(sk->snd_nxt, sk->write_seq)) {
		if (probe && sent)
			break;
		ts_skbq *q = sk->skbq; /* (a cut may move it) */
		ts_skb *head = q && sk->skb_unsent
				   ? skb_at(q, q->n - sk->skb_unsent)
				   : NULL;
		uint32_t avail = head ? head->end - sk->snd_nxt
				      : sk->write_seq - sk->snd_nxt;
		uint32_t wnd_end = sk->snd_una + sk->snd_wnd;
		uint32_t room =
		    ts_seq_gt(wnd_end, sk->snd_nxt) ? wnd_end - sk->snd_nxt : 0;
		uint32_t len = avail;
		if (len > sk->mss)
			len = sk->mss;
		/* Sender SWS avoidance (RFC 9293 §3.8.6.2.1; Linux
		 * tcp_snd_wnd_test): a segment goes when the peer's window
		 * takes it whole. A window probe alone sends what fits
		 * (tcp_write_wakeup: "the window size is != 0, must have been
		 * a result SWS avoidance"). */
		if (len > room) {
			if (mode != XMIT_WAKEUP)
				break;
			len = room;
		}
		if (!len)
			break; /* window closed */
		/* Linux tcp_cwnd_test: "Don't be strict about the congestion
		 * window for the final FIN": the segment that ends with it
		 * goes whatever cwnd says (a probe too: push_one 2). */
		if (in_flight >= sk->snd_cwnd && !probe &&
		    !(sk->fin_queued && sk->write_seq - sk->snd_nxt <= sk->mss))
			break;
		/* Nagle with Minshall's change (Linux tcp_nagle_check): hold a
		 * partial segment while an earlier small one is unacked. */
		if (len < sk->mss && !sk->nodelay &&
		    ts_seq_gt(sk->snd_sml, sk->snd_una) &&
		    ts_seq_le(sk->snd_sml, sk->snd_nxt) && !probe)
			break;
		if (sk->snd_una == sk->snd_nxt)
			sk->first_tx = sim->now;
		uint32_t seq = sk->snd_nxt;
		int fin = sk->fin_queued && seq + len == sk->write_seq &&
			  ts_seq_ge(wnd_end, seq + len);
		int psh = 0;
		if (head && mode == XMIT_WAKEUP) {
			/* the skb cut where the window ends (tcp_fragment),
			 * and marked PSH */
			if (seq + len == head->end)
				sk->skb_unsent--;
			else
				split_head(sim, sk, seq + len);
			skb_at(q, q->n - sk->skb_unsent - 1)->psh = 1;
			psh = 1;
		} else if (head) {
			/* the skb sent whole, or cut where a burst of
			 * max_segs ends (tso_fragment) */
			if (seq + len == head->end) {
				psh = head->psh != 0;
				sk->skb_unsent--;
				burst = 0;
			} else if (++burst >= min_segs) {
				if (!max_segs)
					max_segs = tso_segs(sk);
				if (burst == max_segs) {
					split_head(sim, sk, seq + len);
					burst = 0;
				}
			}
		} else {
			psh = mode == XMIT_WAKEUP || seq + len == sk->write_seq;
		}
		/* Linux tcp_event_data_sent(), from tcp_transmit_skb: before
		 * the segment counts as in flight (CA_EVENT_TX_START when
		 * nothing was) */
		ts_cong_data_sent(sim, sk);
		sk->snd_nxt = seq + len + (fin ? 1 : 0);
		if (len < sk->mss)
			sk->snd_sml = sk->snd_nxt;
		if (sk->rtt_time == TS_TIME_NEVER) {
			sk->rtt_seq = sk->snd_nxt;
			sk->rtt_time = sim->now;
		}
		sk->last_seq = seq;
		sk->fin_alone = 0;
		send_data(sim, sk, seq, len, fin, psh, cause);
		sent++;
		in_flight++;
	}
	/* a burst that stopped inside an skb cut it there (tso_fragment) */
	if (burst)
		split_head(sim, sk, sk->snd_nxt);
	if (sk->fin_queued && sk->snd_nxt == sk->write_seq && !fin_sent(sk) &&
	    !probe) {
		/* A FIN alone (Linux tcp_send_fin): it needs no window. */
		if (sk->snd_una == sk->snd_nxt)
			sk->first_tx = sim->now;
		uint32_t seq = sk->snd_nxt;
		sk->snd_nxt = seq + 1;
		if (sk->rtt_time == TS_TIME_NEVER) {
			sk->rtt_seq = sk->snd_nxt;
			sk->rtt_time = sim->now;
		}
		sk->last_seq = seq;
		sk->fin_alone = 1;
		send_data(sim, sk, seq, 0, 1, 0, cause);
		sent++;
		in_flight++;
	}
	ts_cong_sent(sim, sk, sent, in_flight);
	if (probe)
		return; /* the probe's caller arms the timer */
	if (sent) {
		/* Linux tcp_event_new_data_sent() arms the RTO, then
		 * tcp_schedule_loss_probe() at the end of tcp_write_xmit
		 * replaces it with a loss probe when it may: the probe first,
		 * so that the timer is set once (neither depends on what the
		 * other sets). */
		if (!ts_tcp_schedule_tlp(sim, sk, 0) &&
		    (sk->tdl[TS_TIMER_RTX] == TS_TIME_NEVER || sk->rtx_tlp))
			ts_tcp_rearm_rtx(sim, sk);
	}
	ts_tcp_check_probe_timer(sim, sk);
}

void ts_tcp_push(ts_sim *sim, ts_sock *sk, ts_cause cause)
{
	if (!ts_tcp_push_pending(sk))
		return;
	/* A Fast Open child sends before its handshake completes (RFC 7413
	 * §4.2.2; Linux tcp_sendmsg_locked, tcp_passive_fastopen). */
	if (!ts_tcp_may_send(sk->state) &&
	    !(sk->state == TS_SYN_RECEIVED && (sk->tfo & TS_TFO_F_CHILD)))
		return;
	write_xmit(sim, sk, cause, XMIT_PUSH);
}

void ts_tcp_write_wakeup(ts_sim *sim, ts_sock *sk, ts_cause cause)
{
	/* Linux tcp_write_wakeup() when the peer's window takes some data:
	 * it goes as new data (tcp_event_new_data_sent arms the RTO) */
	write_xmit(sim, sk, cause, XMIT_WAKEUP);
	if (sk->tdl[TS_TIMER_RTX] == TS_TIME_NEVER)
		ts_tcp_rearm_rtx(sim, sk);
}

int ts_tcp_probe_new_data(ts_sim *sim, ts_sock *sk, ts_cause cause)
{
	/* Linux tcp_send_loss_probe(): new data when the peer's window
	 * takes a whole segment of it (tcp_snd_wnd_test). */
	if (!ts_seq_lt(sk->snd_nxt, sk->write_seq))
		return 0;
	uint32_t len = sk->write_seq - sk->snd_nxt;
	if (len > sk->mss)
		len = sk->mss;
	if (ts_seq_gt(sk->snd_nxt + len, sk->snd_una + sk->snd_wnd))
		return 0;
	uint32_t before = sk->snd_nxt;
	write_xmit(sim, sk, cause, XMIT_TLP);
	return sk->snd_nxt != before;
}

/* Linux tcp_send_loss_probe(): the last segment sent again, as it was
 * sent: the tail of the last skb of the retransmit queue (split at an MSS
 * boundary), which is a FIN alone when the FIN went out on its own. */
void ts_tcp_retransmit_tail(ts_sim *sim, ts_sock *sk, ts_cause cause)
{
	sk->total_retrans++;
	if (fin_sent(sk) && sk->fin_alone) {
		send_data(sim, sk, sk->snd_nxt - 1, 0, 1, 0, cause);
		return;
	}
	uint32_t data_end = fin_sent(sk) ? sk->snd_nxt - 1 : sk->snd_nxt;
	uint32_t start = sk->last_seq;
	if (ts_seq_lt(start, sk->snd_una))
		start = sk->snd_una;
	if (ts_seq_gt(data_end, start) && data_end - start > sk->mss)
		start = data_end - sk->mss;
	uint32_t len = ts_seq_gt(data_end, start) ? data_end - start : 0;
	if (!len && !fin_sent(sk))
		return;
	/* the last segment its own skb (tcp_send_loss_probe: tcp_fragment) */
	skb_split(sim, sk, start);
	send_data(sim, sk, start, len, fin_sent(sk), -1, cause);
}

uint32_t ts_tcp_retransmit_head(ts_sim *sim, ts_sock *sk, ts_cause cause)
{
	sk->total_retrans++;
	switch (sk->state) {
	case TS_SYN_SENT:
		ts_tcp_send_syn(sim, sk, cause);
		return 0;
	case TS_SYN_RECEIVED:
		ts_tcp_send_synack(sim, sk, cause);
		return 0;
	case TS_ESTABLISHED:
	case TS_CLOSE_WAIT:
	case TS_FIN_WAIT_1:
	case TS_CLOSING:
	case TS_LAST_ACK:
		break;
	case TS_CLOSED:
	case TS_LISTEN:
	case TS_FIN_WAIT_2:
	case TS_TIME_WAIT:
		return 0;
	}
	if (sk->snd_una == sk->iss) {
		/* Our SYN is still unacknowledged: a simultaneous open that
		 * took an ACK of ISS (Linux tcp_ack accepts SEG.ACK ==
		 * SND.UNA) keeps its SYN-ACK in the retransmit queue. */
		ts_tcp_send_synack(sim, sk, cause);
		return 0;
	}
	uint32_t data_end = fin_sent(sk) ? sk->snd_nxt - 1 : sk->snd_nxt;
	uint32_t len =
	    ts_seq_gt(data_end, sk->snd_una) ? data_end - sk->snd_una : 0;
	if (len > sk->mss)
		len = sk->mss;
	int fin = fin_sent(sk) && sk->snd_una + len == data_end;
	if (!len && !fin)
		return 0;
	/* what goes again is its own skb (tcp_retransmit_skb: tcp_fragment) */
	skb_split(sim, sk, sk->snd_una + len);
	send_data(sim, sk, sk->snd_una, len, fin, -1, cause);
	return len + (fin ? 1u : 0u);
}

void ts_tcp_xmit_recovery(ts_sim *sim, ts_sock *sk, ts_cause cause)
{
	uint32_t seq, len;
	if (!ts_tcp_may_send(sk->state) || sk->snd_una == sk->iss)
		return;
	while (ts_cong_next_lost(sim, sk, &seq, &len)) {
		/* [seq, seq + len) of sequence space: data, and the FIN when
		 * it reaches it */
		uint32_t data_end =
		    fin_sent(sk) ? sk->snd_nxt - 1 : sk->snd_nxt;
		uint32_t dlen = ts_seq_lt(seq, data_end) ? data_end - seq : 0;
		if (dlen > len)
			dlen = len;
		int fin = fin_sent(sk) && seq + len == sk->snd_nxt;
		skb_split(sim, sk, seq + dlen); /* tcp_retransmit_skb */
		send_data(sim, sk, seq, dlen, fin, -1, cause);
		ts_cong_retransmitted(sim, sk, seq, len);
	}
}

/* The RESET event: host HOST's socket SK (NULL: none, an RST for PORT)
 * sends an RST for reason WHY. */
__attribute__((noinline)) static void rst_event(ts_sim *sim, int host,
						const ts_sock *sk,
						uint16_t port,
						ts_rst_reason why, int trigger)
{
	tcpsim_event ev;
	ts_ev_begin(sim, &ev, TCPSIM_EV_RESET, host);
	if (sk)
		ts_tcp_describe(sim, sk, &ev.u.reset.sock);
	else
		ev.u.reset.sock.lport = port;
	ev.u.reset.reason = why;
	ev.u.reset.trigger = trigger;
	ts_ev_emit(sim, &ev);
}

/* Linux tcp_send_active_reset() (tcp_output.c): RST|ACK, SEQ = SND.NXT,
 * ACK = RCV.NXT, never retransmitted. */
void ts_tcp_send_active_reset(ts_sim *sim, ts_sock *sk, ts_rst_reason why,
			      ts_cause cause)
{
	if (ts_ev_on(sim, TCPSIM_EV_RESET))
		rst_event(sim, sk->host->index, sk, 0, why, -1);
	/* Through __tcp_transmit_skb, so it carries the current window. */
	ts_seg s;
	fill(sim, sk, &s, TS_RST | TS_ACK, sk->snd_nxt, 0);
	xmit(sim, sk, &s, cause, (int)why);
}

/* Linux tcp_v4_send_reset() (tcp_ipv4.c), RFC 9293 §3.10.7.1: never in
 * reply to an RST; if the segment had ACK: <SEQ=SEG.ACK><CTL=RST>, else
 * <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>; window 0. */
void ts_tcp_send_reply_reset(ts_sim *sim, ts_host *h, const ts_sock *sk,
			     const ts_seg *in, ts_rst_reason why,
			     ts_cause cause)
{
	if (in->flags & TS_RST)
		return;
	if (ts_ev_on(sim, TCPSIM_EV_RESET))
		rst_event(sim, h->index, sk, in->dport, why, in->flags);
	ts_seg s = {0};
	s.saddr = h->addr;
	s.daddr = in->saddr;
	s.sport = in->dport;
	s.dport = in->sport;
	if (in->flags & TS_ACK) {
		s.seq = in->ack;
		s.flags = TS_RST;
	} else {
		s.seq = 0;
		s.ack = in->seq + ts_seg_seqlen(in);
		s.flags = TS_RST | TS_ACK;
	}
	int to = ts_sim_host_by_addr(sim, in->saddr);
	if (to < 0)
		return; /* Linux: no RST to a destination that is not local */
	ts_net_send(sim, h->index, to, &s, cause, (int)why);
}
