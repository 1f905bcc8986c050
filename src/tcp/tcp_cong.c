/*
 * tcp_cong.c - congestion control: how many segments a sender may have in
 * flight (the congestion window, in segments, as Linux counts it), how it
 * grows (slow start, congestion avoidance by Reno or CUBIC, the host's
 * tcp_congestion_control), and how a loss shrinks it (fast recovery with
 * PRR, a retransmission timeout). tcp_out.c asks it before each segment
 * (ts_cong_may_send) and tells it what left; tcp_in.c hands it every ACK
 * and duplicate ACK; tcp_timer.c every retransmission timeout.
 *
 * Linux: tcp_cong.c (tcp_slow_start, tcp_cong_avoid_ai, Reno), tcp_cubic.c,
 * tcp_input.c (tcp_fastretrans_alert for a connection without SACK, that
 * is NewReno, tcp_enter_recovery, tcp_cwnd_reduction, tcp_enter_loss,
 * tcp_cong_control), tcp_output.c (tcp_cwnd_test, tcp_cwnd_validate,
 * tcp_cwnd_restart, tcp_event_data_sent). Linux's clock for CUBIC is the
 * jiffy (HZ = 250); tcpsim's jiffies count 4 ms from the start of the run.
 */
#include <stddef.h>
#include <string.h>

#include "engine/engine.h"
#include "tcp/tcp.h"

/* CUBIC's constants (Linux tcp_cubic.c: beta 717, bic_scale 41, and the
 * factors cubictcp_register derives from them for an SRTT of 100 ms). */
#define CUBIC_BETA       717u        /* RFC 9438 §4.6: beta_cubic 0.7 */
#define CUBIC_BETA_SCALE 1024u       /* BICTCP_BETA_SCALE */
#define CUBIC_HZ_SHIFT   10          /* BICTCP_HZ: time in 1/1024 s */
#define CUBIC_RTT_SCALE  (41u * 10u) /* cube_rtt_scale: bic_scale * 10 */
/* beta_scale = 8 * (1024 + beta) / 3 / (1024 - beta): 15 */
#define CUBIC_TCP_SCALE                                                        \
	(8u * (CUBIC_BETA_SCALE + CUBIC_BETA) / 3u /                           \
	 (CUBIC_BETA_SCALE - CUBIC_BETA))
/* cube_factor = 2^40 / (bic_scale * 10) */
#define CUBIC_CUBE_FACTOR ((1ull << (10 + 3 * CUBIC_HZ_SHIFT)) / (41u * 10u))

/* The host's ticks (the hz knob, ts_tcp_jiffy). */
#define HZ(sk) ((uint32_t)(sk)->host->knob[TS_KNOB_HZ])

static uint32_t jiffies(const ts_sim *sim, const ts_sock *sk)
{
	return (uint32_t)(sim->now / ts_tcp_jiffy(sk->host));
}

/* Linux usecs_to_jiffies(): rounded up. */
static uint32_t us_to_jiffies(const ts_sock *sk, ts_time us)
{
	ts_time j = ts_tcp_jiffy(sk->host);
	return (uint32_t)((us + j - 1) / j);
}

static int cubic(const ts_sock *sk)
{
	return sk->host->knob[TS_KNOB_TCP_CONGESTION_CONTROL] == TS_CC_CUBIC;
}

/* Segments of BYTES of sequence space, each at most an MSS. */
static uint32_t segs(const ts_sock *sk, uint32_t bytes)
{
	return (bytes + sk->mss - 1) / sk->mss;
}

static int fin_in_flight(const ts_sock *sk)
{
	return sk->fin_queued && sk->snd_nxt == sk->write_seq + 1 &&
	       sk->snd_una != sk->snd_nxt;
}

/* Linux counts skbs: the segments as sent, a FIN riding on the last one,
 * a FIN alone one more. tcpsim counts the bytes in flight in whole
 * segments, which is the same as long as at most one segment of them is
 * short (Nagle's rule sees to that). */
uint32_t ts_cong_packets_out(const ts_sock *sk)
{
	uint32_t out = sk->snd_nxt - sk->snd_una;
	uint32_t fin = 0;
	if (fin_in_flight(sk)) {
		out--;
		fin = sk->fin_alone || !out ? 1u : 0u;
	}
	/* most flights are one segment: no division */
	return (out <= sk->mss ? (out ? 1u : 0u) : segs(sk, out)) + fin;
}

static const ts_cong *cong_ro(const ts_sock *sk)
{
	return &ts_tcp_ext_ro(sk)->cong;
}

/* Linux lost_out: NewReno marks the head lost in Recovery until it is
 * sent again (tcp_newreno_mark_lost); a timeout marks everything up to
 * high_seq (tcp_timeout_mark_lost). */
static uint32_t lost_out(const ts_sock *sk)
{
	const ts_cong *c = cong_ro(sk);
	switch ((ts_ca_state)sk->ca_state) {
	case TS_CA_RECOVERY:
		return ts_seq_le(c->rtx_nxt, sk->snd_una) ? 1 : 0;
	case TS_CA_LOSS: {
		uint32_t from = sk->snd_una;
		if (ts_seq_gt(c->rtx_nxt, from))
			from = c->rtx_nxt;
		return ts_seq_gt(sk->recover, from)
			   ? segs(sk, sk->recover - from)
			   : 0;
	}
	case TS_CA_OPEN:
	case TS_CA_DISORDER:
	case TS_CA_CWR:
		break;
	}
	return 0;
}

/* Linux tcp_packets_in_flight(): packets_out - (sacked_out + lost_out) +
 * retrans_out. A lost segment sent again is counted once, as in flight. */
uint32_t ts_cong_in_flight(const ts_sock *sk)
{
	uint32_t out = ts_cong_packets_out(sk);
	uint32_t left = sk->dupacks;
	if (sk->ca_state >= TS_CA_RECOVERY)
		left += lost_out(sk);
	return out > left ? out - left : 0;
}

/* ---------------- the algorithms ---------------- */

/* Linux tcp_slow_start(): one segment per segment ACKed, up to ssthresh;
 * returns what is left for congestion avoidance. */
static uint32_t slow_start(ts_sock *sk, uint32_t acked)
{
	uint32_t cwnd = sk->snd_cwnd + acked;
	if (cwnd > sk->snd_ssthresh)
		cwnd = sk->snd_ssthresh;
	acked -= cwnd - sk->snd_cwnd;
	sk->snd_cwnd = cwnd;
	return acked;
}

/* Linux tcp_cong_avoid_ai(): one segment per W segments ACKed. */
static void cong_avoid_ai(ts_sock *sk, uint32_t w, uint32_t acked)
{
	if (sk->snd_cwnd_cnt >= w) {
		sk->snd_cwnd_cnt = 0;
		sk->snd_cwnd++;
	}
	sk->snd_cwnd_cnt += acked;
	if (sk->snd_cwnd_cnt >= w) {
		uint32_t delta = sk->snd_cwnd_cnt / w;
		sk->snd_cwnd_cnt -= delta * w;
		sk->snd_cwnd += delta;
	}
}

/* Linux cubic_root(): a table of cube roots of the top six bits, then one
 * Newton-Raphson step (average error 0.195%). The table is Linux's, hand
 * refined, which a formula does not give back: K must come out as Linux's
 * does. A is CUBIC_CUBE_FACTOR times W_max - cwnd (at least 1), so it has
 * more than 31 bits: Linux's shortcut for A below 64 (the table alone)
 * would never run. */
static uint32_t cubic_root(uint64_t a)
{
	static const uint8_t v[64] = {
	    0,   54,  54,  54,  118, 118, 118, 118, 123, 129, 134, 138, 143,
	    147, 151, 156, 157, 161, 164, 168, 170, 173, 176, 179, 181, 185,
	    187, 190, 192, 194, 197, 199, 200, 202, 204, 206, 209, 211, 213,
	    215, 217, 219, 221, 222, 224, 225, 227, 229, 231, 232, 234, 236,
	    237, 239, 240, 242, 244, 245, 246, 248, 250, 251, 252, 254};
	uint32_t bits = 64u - (uint32_t)__builtin_clzll(a); /* fls64, a > 0 */
	uint32_t b = ((bits * 84) >> 8) - 1;
	uint32_t shift = (uint32_t)(a >> (b * 3));
	uint32_t x = ((uint32_t)(((uint32_t)v[shift] + 10) << b)) >> 6;
	x = 2 * x + (uint32_t)(a / ((uint64_t)x * (uint64_t)(x - 1)));
	return (x * 341) >> 10; /* / 3 */
}

/* Linux bictcp_update(): the ACKed segments per +1 of cwnd (ca->cnt) that
 * follow W(t) = C (t - K)^3 + W_max (RFC 9438 §4.2), at t + the smallest
 * RTT, at most once a jiffy; and the Reno-friendly estimate (§4.3). */
static void cubic_update(ts_sim *sim, ts_sock *sk, ts_cong *c, uint32_t acked)
{
	uint32_t cwnd = sk->snd_cwnd, now = jiffies(sim, sk);
	c->ack_cnt += acked;
	if (c->last_cwnd == cwnd &&
	    (int32_t)(now - c->last_time) <= (int32_t)(HZ(sk) / 32))
		return;
	if (!(c->epoch_start && now == c->last_time)) {
		c->last_cwnd = cwnd;
		c->last_time = now;
		if (!c->epoch_start) {
			c->epoch_start = now; /* a new epoch (§4.2) */
			c->ack_cnt = acked;
			c->tcp_cwnd = cwnd;
			if (c->last_max_cwnd <= cwnd) {
				c->K = 0;
				c->origin_point = cwnd;
			} else {
				/* K = cbrt((W_max - cwnd) / C), in 1/1024 s */
				c->K = cubic_root(CUBIC_CUBE_FACTOR *
						  (c->last_max_cwnd - cwnd));
				c->origin_point = c->last_max_cwnd;
			}
		}
		uint64_t t = (uint32_t)(now - c->epoch_start);
		t += us_to_jiffies(sk, sk->delay_min);
		t = (t << CUBIC_HZ_SHIFT) / HZ(sk);
		uint64_t offs = t < c->K ? c->K - t : t - c->K;
		uint32_t delta =
		    (uint32_t)((CUBIC_RTT_SCALE * offs * offs * offs) >>
			       (10 + 3 * CUBIC_HZ_SHIFT));
		uint32_t target = t < c->K ? c->origin_point - delta
					   : c->origin_point + delta;
		if (target > cwnd)
			c->cnt = cwnd / (target - cwnd);
		else
			c->cnt = 100 * cwnd; /* very slowly */
		/* No loss yet: at least 5% per RTT (Linux) */
		if (c->last_max_cwnd == 0 && c->cnt > 20)
			c->cnt = 20;
	}
	/* RFC 9438 §4.3: not slower than Reno would be with beta 0.7 */
	uint32_t per = (cwnd * CUBIC_TCP_SCALE) >> 3;
	while (per && c->ack_cnt > per) {
		c->ack_cnt -= per;
		c->tcp_cwnd++;
	}
	if (c->tcp_cwnd > cwnd) {
		uint32_t max_cnt = cwnd / (c->tcp_cwnd - cwnd);
		if (c->cnt > max_cnt)
			c->cnt = max_cnt;
	}
	/* At most +1 per 2 segments ACKed: 1.5 times per RTT. */
	if (c->cnt < 2)
		c->cnt = 2;
}

#define cwnd_limited ts_cong_limited

/* Linux tcp_reno_cong_avoid() and cubictcp_cong_avoid(). */
static void cong_avoid(ts_sim *sim, ts_sock *sk, uint32_t acked)
{
	if (!cwnd_limited(sk))
		return;
	if (sk->snd_cwnd < sk->snd_ssthresh) { /* tcp_in_slow_start */
		acked = slow_start(sk, acked);
		if (!acked)
			return;
	}
	if (!cubic(sk)) {
		cong_avoid_ai(sk, sk->snd_cwnd, acked); /* RFC 5681 §3.1 */
		return;
	}
	ts_cong *c = &ts_tcp_ext(sim, sk)->cong;
	cubic_update(sim, sk, c, acked);
	cong_avoid_ai(sk, c->cnt, acked);
}

/* The algorithm's ssthresh after a loss: Linux tcp_reno_ssthresh (half,
 * RFC 5681 §3.1 with segments) or cubictcp_recalc_ssthresh (beta 0.7,
 * fast convergence, RFC 9438 §4.6-4.7). */
static uint32_t algo_ssthresh(ts_sim *sim, ts_sock *sk)
{
	uint32_t cwnd = sk->snd_cwnd;
	if (!cubic(sk))
		return cwnd >> 1 > 2 ? cwnd >> 1 : 2;
	ts_cong *c = &ts_tcp_ext(sim, sk)->cong;
	c->epoch_start = 0;
	if (cwnd < c->last_max_cwnd)
		c->last_max_cwnd = (uint32_t)((uint64_t)cwnd *
					      (CUBIC_BETA_SCALE + CUBIC_BETA) /
					      (2 * CUBIC_BETA_SCALE));
	else
		c->last_max_cwnd = cwnd;
	uint32_t s = (uint32_t)((uint64_t)cwnd * CUBIC_BETA / CUBIC_BETA_SCALE);
	return s > 2 ? s : 2;
}

/* Linux cubictcp_init() / cubictcp_state(TCP_CA_Loss): bictcp_reset, the
 * smallest RTT included. */
static void cubic_reset(ts_sock *sk)
{
	sk->delay_min = 0;
	if (sk->x)
		memset(&sk->x->cong.cnt, 0,
		       sizeof(ts_cong) - offsetof(ts_cong, cnt));
}

/* ---------------- the socket's life ---------------- */

void ts_cong_init_sock(ts_sock *sk)
{
	sk->snd_cwnd = TS_TCP_INIT_CWND;             /* Linux tcp_init_sock */
	sk->snd_ssthresh = TS_TCP_INFINITE_SSTHRESH; /* CUBIC: hystart on */
	sk->ca_state = TS_CA_OPEN;
}

void ts_cong_init_transfer(ts_sim *sim, ts_sock *sk, uint32_t syn_rtx)
{
	/* Linux tcp_init_transfer(): RFC 5681 §3.1's loss window when the
	 * SYN was sent again more than once (the first retransmission may
	 * be the 1 s initial RTO's, RFC 6298); else IW10 (RFC 6928). */
	sk->snd_cwnd = syn_rtx > 1 ? 1 : TS_TCP_INIT_CWND;
	sk->snd_cwnd_cnt = 0;
	sk->lsndtime = jiffies(sim, sk); /* no cwnd restart on the first data */
	sk->ca_state = TS_CA_OPEN;
	sk->dupacks = 0;
	cubic_reset(sk);
}

/* Linux tcp_cwnd_restart() (RFC 2861 §3): after an idle period longer
 * than the RTO, the window halves for every RTO of it, down to the
 * initial window. */
static void cwnd_restart(ts_sock *sk, int32_t delta)
{
	uint32_t restart = TS_TCP_INIT_CWND, cwnd = sk->snd_cwnd;
	int32_t rto = (int32_t)us_to_jiffies(sk, sk->rto);
	/* tcp_current_ssthresh(): three quarters of cwnd at least */
	uint32_t cur = (cwnd >> 1) + (cwnd >> 2);
	if (!ts_cong_in_reduction(sk) && cur > sk->snd_ssthresh)
		sk->snd_ssthresh = cur;
	if (restart > cwnd)
		restart = cwnd;
	while ((delta -= rto) > 0 && cwnd > restart)
		cwnd >>= 1;
	sk->snd_cwnd = cwnd > restart ? cwnd : restart;
}

void ts_cong_write(ts_sim *sim, ts_sock *sk)
{
	/* Linux tcp_slow_start_after_idle_check() */
	if (!sk->host->knob[TS_KNOB_TCP_SLOW_START_AFTER_IDLE] ||
	    sk->snd_una != sk->snd_nxt)
		return;
	int32_t delta = (int32_t)(jiffies(sim, sk) - sk->lsndtime);
	if (delta > (int32_t)us_to_jiffies(sk, sk->rto))
		cwnd_restart(sk, delta);
}

void ts_cong_data_sent(ts_sim *sim, ts_sock *sk)
{
	uint32_t now = jiffies(sim, sk);
	if (sk->snd_una == sk->snd_nxt && sk->x && cubic(sk)) {
		/* CA_EVENT_TX_START (cubictcp_cwnd_event): idle time does not
		 * count in CUBIC's epoch. */
		ts_cong *c = &sk->x->cong;
		int32_t delta = (int32_t)(now - sk->lsndtime);
		if (c->epoch_start && delta > 0) {
			c->epoch_start += (uint32_t)delta;
			if ((int32_t)(c->epoch_start - now) > 0)
				c->epoch_start = now;
		}
	}
	sk->lsndtime = now;
}

void ts_cong_sent(ts_sim *sim, ts_sock *sk, uint32_t sent, uint32_t in_flight)
{
	int limited = in_flight >= sk->snd_cwnd;
	if (!sent && !limited)
		return;
	uint32_t out = ts_cong_packets_out(sk); /* tp->packets_out */
	if (ts_cong_in_reduction(sk))
		ts_tcp_ext(sim, sk)->cong.prr_out += sent;
	/* Linux tcp_cwnd_validate(): remember, for the window in flight,
	 * whether it was full, or else how much of it was used. */
	if (!ts_seq_lt(sk->snd_una, sk->cwnd_usage_seq) || limited ||
	    (!sk->is_cwnd_limited && out > sk->max_packets_out)) {
		sk->is_cwnd_limited = (uint8_t)limited;
		sk->max_packets_out = (uint16_t)(out < 0xffff ? out : 0xffff);
		sk->cwnd_usage_seq = sk->snd_nxt;
	}
}

void ts_cong_rtt_sample(ts_sim *sim, ts_sock *sk, ts_time rtt)
{
	/* Linux cubictcp_acked(): the smallest RTT, but none in the first
	 * second of an epoch (right after a recovery). */
	if (!cubic(sk))
		return;
	const ts_cong *c = cong_ro(sk);
	if (c->epoch_start &&
	    (int32_t)(jiffies(sim, sk) - c->epoch_start) < (int32_t)HZ(sk))
		return;
	uint32_t d = rtt > 0 && rtt < UINT32_MAX ? (uint32_t)rtt : 1;
	if (!sk->delay_min || sk->delay_min > d)
		sk->delay_min = d;
}

/* ---------------- loss ---------------- */

/* Linux tcp_limit_reno_sacked(): duplicate ACKs count at most the
 * segments out but the holes. */
static void limit_sacked(ts_sock *sk)
{
	uint32_t out = ts_cong_packets_out(sk);
	uint32_t holes = lost_out(sk);
	if (holes < 1)
		holes = 1;
	if (holes > out)
		holes = out;
	if (sk->dupacks + holes > out)
		sk->dupacks = (uint8_t)(out - holes);
}

/* Linux tcp_add_reno_sack(): a duplicate ACK; the segments it delivered. */
static uint32_t add_sack(ts_sock *sk)
{
	uint32_t prior = sk->dupacks;
	if (sk->dupacks < 255)
		sk->dupacks++;
	limit_sacked(sk);
	return sk->dupacks > prior ? sk->dupacks - prior : 0;
}

/* Linux tcp_cwnd_reduction() (RFC 6937 PRR-SSRB): during Recovery, send
 * in proportion to what is delivered, down to ssthresh. */
static void cwnd_reduction(ts_sock *sk, ts_cong *c, uint32_t delivered,
			   int newly_lost, int advanced)
{
	if (!delivered || !c->prior_cwnd)
		return;
	c->prr_delivered += delivered;
	int64_t in_flight = ts_cong_in_flight(sk);
	int64_t delta = (int64_t)sk->snd_ssthresh - in_flight;
	int64_t sndcnt;
	if (delta < 0) {
		uint64_t div = (uint64_t)sk->snd_ssthresh * c->prr_delivered +
			       c->prior_cwnd - 1;
		sndcnt = (int64_t)(div / c->prior_cwnd) - c->prr_out;
	} else {
		sndcnt = (int64_t)c->prr_delivered - c->prr_out;
		if (sndcnt < (int64_t)delivered)
			sndcnt = delivered;
		if (advanced && !newly_lost)
			sndcnt++;
		if (sndcnt > delta)
			sndcnt = delta;
	}
	/* the fast retransmit goes out whatever PRR says */
	if (sndcnt < (c->prr_out ? 0 : 1))
		sndcnt = c->prr_out ? 0 : 1;
	sk->snd_cwnd = (uint32_t)(in_flight + sndcnt);
}

/* Linux tcp_end_cwnd_reduction(): Recovery over, cwnd = ssthresh. */
static void end_reduction(ts_sock *sk)
{
	if (sk->snd_ssthresh < TS_TCP_INFINITE_SSTHRESH)
		sk->snd_cwnd = sk->snd_ssthresh;
}

/* Linux tcp_try_to_open(): Disorder while duplicate ACKs are counted. */
static void try_to_open(ts_sock *sk)
{
	sk->ca_state = sk->dupacks ? TS_CA_DISORDER : TS_CA_OPEN;
}

/* Linux tcp_enter_recovery() -> tcp_init_cwnd_reduction(). */
static void enter_recovery(ts_sim *sim, ts_sock *sk)
{
	ts_cong *c = &ts_tcp_ext(sim, sk)->cong;
	if (!ts_cong_in_reduction(sk)) {
		sk->recover = sk->snd_nxt; /* high_seq */
		sk->snd_cwnd_cnt = 0;
		c->prior_cwnd = sk->snd_cwnd;
		c->prr_delivered = 0;
		c->prr_out = 0;
		sk->snd_ssthresh = algo_ssthresh(sim, sk);
	}
	c->rtx_nxt = sk->snd_una; /* the head is lost, not yet sent again */
	sk->ca_state = TS_CA_RECOVERY;
}

int ts_cong_dupack(ts_sim *sim, ts_sock *sk)
{
	uint32_t delivered = 0;
	int newly_lost = 0;
	switch ((ts_ca_state)sk->ca_state) {
	case TS_CA_RECOVERY:
		delivered = add_sack(sk);
		break;
	case TS_CA_LOSS:
		/* tcp_process_loss(): counted once new data went out */
		if (ts_seq_gt(sk->snd_nxt, sk->recover))
			delivered = add_sack(sk);
		break;
	case TS_CA_OPEN:
	case TS_CA_DISORDER:
	case TS_CA_CWR:
		delivered = add_sack(sk);
		/* RFC 5681 §3.2: the third duplicate ACK (tcp_reordering 3,
		 * tcp_time_to_recover) */
		if (sk->dupacks + 1u <= 3u) {
			try_to_open(sk);
			return 0;
		}
		enter_recovery(sim, sk);
		newly_lost = 1;
		break;
	}
	if (ts_cong_in_reduction(sk))
		cwnd_reduction(sk, &sk->x->cong, delivered, newly_lost, 0);
	return sk->ca_state == TS_CA_RECOVERY || sk->ca_state == TS_CA_LOSS;
}

void ts_cong_ack(ts_sim *sim, ts_sock *sk, uint32_t prior_una,
		 uint32_t prior_out)
{
	(void)prior_una;
	uint32_t out = ts_cong_packets_out(sk);
	uint32_t acked = prior_out > out ? prior_out - out : 0;
	uint32_t delivered = 0;
	int newly_lost = 0;
	if (acked) {
		/* tcp_remove_reno_sacks(): one ACKed segment filled the hole,
		 * the rest had been counted by duplicate ACKs. */
		delivered = acked > sk->dupacks ? acked - sk->dupacks : 1;
		if (acked - 1 >= sk->dupacks)
			sk->dupacks = 0;
		else
			sk->dupacks = (uint8_t)(sk->dupacks - (acked - 1));
	}
	/* tcp_fastretrans_alert() for an ACK that moved SND.UNA */
	int above = ts_seq_ge(sk->snd_una, sk->recover);
	switch ((ts_ca_state)sk->ca_state) {
	case TS_CA_OPEN:
	case TS_CA_CWR: /* never entered: no ECN, no local congestion */
		break;
	case TS_CA_RECOVERY:
		if (above) {
			sk->dupacks = 0;
			/* Without SACK the state holds until something above
			 * high_seq is ACKed (RFC 6582 §3.2 step 3;
			 * tcp_is_non_sack_preventing_reopen). */
			if (sk->snd_una == sk->recover)
				break;
			sk->ca_state = TS_CA_OPEN;
			end_reduction(sk);
			break;
		}
		/* A partial ACK: the new head is lost (RFC 6582 §3.2
		 * step 4, tcp_newreno_mark_lost). */
		newly_lost = 1;
		break;
	case TS_CA_LOSS:
		if (above) {
			if (sk->snd_una != sk->recover)
				sk->ca_state = TS_CA_OPEN;
			sk->dupacks = 0;
			break;
		}
		sk->dupacks = 0;
		break;
	case TS_CA_DISORDER:
		sk->dupacks = 0;
		try_to_open(sk);
		break;
	}
	/* Linux tcp_cong_control() */
	if (ts_cong_in_reduction(sk))
		cwnd_reduction(sk, &ts_tcp_ext(sim, sk)->cong, delivered,
			       newly_lost, 1);
	else if (acked) /* tcp_may_raise_cwnd: data ACKed */
		cong_avoid(sim, sk, delivered);
}

void ts_cong_enter_loss(ts_sim *sim, ts_sock *sk)
{
	/* Linux tcp_enter_loss(): ssthresh once per window of data. */
	ts_ca_state st = (ts_ca_state)sk->ca_state;
	if (st <= TS_CA_DISORDER || !ts_seq_gt(sk->recover, sk->snd_una) ||
	    (st == TS_CA_LOSS && !sk->retransmits)) {
		ts_tcp_ext(sim, sk)->cong.prior_cwnd = sk->snd_cwnd;
		sk->snd_ssthresh = algo_ssthresh(sim, sk);
	}
	/* Everything is lost: nothing in flight, cwnd 1 (RFC 5681 §3.1). */
	sk->dupacks = 0;
	sk->snd_cwnd = 1;
	sk->snd_cwnd_cnt = 0;
	sk->ca_state = TS_CA_LOSS;
	if (cubic(sk))
		cubic_reset(sk); /* cubictcp_state(TCP_CA_Loss) */
	sk->recover = sk->snd_nxt;
	ts_tcp_ext(sim, sk)->cong.rtx_nxt = sk->snd_una;
}

int ts_cong_next_lost(ts_sim *sim, ts_sock *sk, uint32_t *seq, uint32_t *len)
{
	(void)sim;
	/* In Recovery or Loss only: tcp_in.c calls it then, and only then
	 * (after ts_cong_dupack returned 1, or with ca_state >= RECOVERY). */
	const ts_cong *c = cong_ro(sk);
	uint32_t from = sk->snd_una, end = sk->snd_una;
	if (sk->ca_state == TS_CA_RECOVERY) {
		if (ts_seq_gt(c->rtx_nxt, sk->snd_una))
			return 0; /* the head went out again */
		end = sk->snd_nxt;
	} else {
		if (ts_seq_gt(c->rtx_nxt, from))
			from = c->rtx_nxt;
		end = sk->recover;
	}
	if (!ts_seq_lt(from, end) || !ts_cong_may_send(sk))
		return 0;
	/* tcp_xmit_retransmit_queue(): the lost segments in order, while
	 * the window has room. */
	uint32_t n = end - from;
	if (fin_in_flight(sk) && end == sk->snd_nxt) {
		uint32_t data = sk->snd_nxt - 1 - from;
		n = data > sk->mss ? sk->mss : data + 1; /* with the FIN */
	} else if (n > sk->mss) {
		n = sk->mss;
	}
	*seq = from;
	*len = n;
	return 1;
}

void ts_cong_retransmitted(ts_sim *sim, ts_sock *sk, uint32_t seq, uint32_t len)
{
	ts_cong *c = &ts_tcp_ext(sim, sk)->cong;
	if (ts_seq_gt(seq + len, c->rtx_nxt) ||
	    ts_seq_le(c->rtx_nxt, sk->snd_una))
		c->rtx_nxt = seq + len;
	if (ts_cong_in_reduction(sk))
		c->prr_out++;
}
