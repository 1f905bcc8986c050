/*
 * net.c - links, segment numbering and the trace's network faults.
 *
 * A fault rule applies to the next COUNT segments of one direction (of one
 * KIND when given), in the order the rules were written; "drop ... all"
 * lasts until "heal". A dropped segment is reported where it was sent; a
 * duplicate arrives twice; a delayed one arrives late (and so may overtake
 * nothing but be overtaken: reordering).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "net/net.h"
#include "tcp/tcp.h"

#define PKT_CHUNK 256

int ts_seg_is_kind(const ts_seg *s, ts_seg_kind k)
{
	switch (k) {
	case TCPSIM_SEG_ANY:
		return 1;
	case TCPSIM_SEG_SYN:
		return !!(s->flags & TS_SYN);
	case TCPSIM_SEG_FIN:
		return !!(s->flags & TS_FIN);
	case TCPSIM_SEG_RST:
		return !!(s->flags & TS_RST);
	case TCPSIM_SEG_ACK:
		return !s->len && !(s->flags & (TS_SYN | TS_FIN | TS_RST));
	case TCPSIM_SEG_DATA:
		return s->len > 0;
	}
	return 0;
}

int tcpsim_seg_matches(const tcpsim_seg_match *m, const tcpsim_segment *s)
{
	const tcpsim_segment *w = &m->seg;
	uint32_t k = m->mask;
	if (((k & TCPSIM_MATCH_SEQ) && s->seq != w->seq) ||
	    ((k & TCPSIM_MATCH_ACK) && s->ack != w->ack) ||
	    ((k & TCPSIM_MATCH_WIN) && s->win != w->win) ||
	    ((k & TCPSIM_MATCH_LEN) && s->len != w->len) ||
	    ((k & TCPSIM_MATCH_MSS) && s->mss != w->mss) ||
	    ((k & TCPSIM_MATCH_WSCALE) &&
	     (!s->wscale_ok || s->wscale != w->wscale)) ||
	    ((k & TCPSIM_MATCH_SACK_OK) && !s->sack_ok) ||
	    ((k & TCPSIM_MATCH_TS) && !s->ts) ||
	    ((k & TCPSIM_MATCH_TSVAL) && s->tsval != w->tsval) ||
	    ((k & TCPSIM_MATCH_TSECR) && s->tsecr != w->tsecr))
		return 0;
	if (k & TCPSIM_MATCH_SACK) {
		if (s->nsack != w->nsack)
			return 0;
		for (int i = 0; i < w->nsack && i < TCPSIM_MAX_SACK; i++)
			if (s->sack[i][0] != w->sack[i][0] ||
			    s->sack[i][1] != w->sack[i][1])
				return 0;
	}
	return 1;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

int ts_net_init(ts_network *n, const ts_trace *t)
{
	memset(n, 0, sizeof *n);
	n->nhosts = t->nhosts;
	size_t nn = (size_t)t->nhosts * (size_t)t->nhosts;
	n->delay = calloc(nn ? nn : 1, sizeof *n->delay);
	n->dirs = calloc(nn ? nn : 1, sizeof *n->dirs);
	if (!n->delay || !n->dirs)
		return -1;
	for (int a = 0; a < t->nhosts; a++)
		for (int b = 0; b < t->nhosts; b++)
			n->delay[a * t->nhosts + b] =
			    a == b ? 0 : ts_trace_link_delay(t, a, b);
	n->nextnum = 1;
	n->wlog_on = t->nfield_expects > 0;
	ts_pool_init(&n->pkts, sizeof(ts_pkt), offsetof(ts_pkt, next),
		     PKT_CHUNK);
	/* Keep a copy of exactly the segments that replay lines name (the
	 * parser counted them: no pass over every statement here). */
	int nrep = t->nreplay;
	if (nrep) {
		uint32_t *nums = malloc((size_t)nrep * sizeof *nums);
		n->kept = calloc((size_t)nrep, sizeof *n->kept);
		n->kept_cap = nrep;
		if (!nums || !n->kept) {
			free(nums);
			return -1;
		}
		int k = 0;
		for (int i = 0; i < t->nstmts; i++)
			if (t->stmts[i].kind == TS_STMT_NET &&
			    t->stmts[i].u.net.op == TS_NET_REPLAY)
				nums[k++] = t->stmts[i].u.net.segno;
		qsort(nums, (size_t)nrep, sizeof *nums, cmp_u32);
		for (int i = 0; i < nrep; i++)
			if (!n->nkept || n->kept[n->nkept - 1].num != nums[i])
				n->kept[n->nkept++].num = nums[i];
		free(nums);
	}
	return 0;
}

static int wlog_add(ts_network *n, int from, int to, const ts_seg *seg)
{
	size_t slot;
	if (n->keep_recent) {
		if (!n->wlog) {
			n->wlog = calloc(TS_NET_RECENT, sizeof *n->wlog);
			if (!n->wlog)
				return -1;
			n->wlog_cap = TS_NET_RECENT;
		}
		slot = (size_t)(n->wlog_n % TS_NET_RECENT);
	} else {
		slot = (size_t)(n->wlog_n - n->wlog_start);
		if (slot == n->wlog_cap) {
			size_t cap = n->wlog_cap ? 2 * n->wlog_cap : 64;
			ts_wire_rec *w = realloc(n->wlog, cap * sizeof *w);
			if (!w)
				return -1;
			n->wlog = w;
			n->wlog_cap = cap;
		}
	}
	n->wlog[slot].from = (int16_t)from;
	n->wlog[slot].to = (int16_t)to;
	n->wlog[slot].seg = *seg;
	n->wlog_n++;
	return 0;
}

const ts_wire_rec *ts_net_wlog_at(const ts_network *n, uint64_t i)
{
	if (i >= n->wlog_n || !n->wlog)
		return NULL;
	if (n->keep_recent)
		return n->wlog_n - i <= TS_NET_RECENT
			   ? &n->wlog[i % TS_NET_RECENT]
			   : NULL;
	return i >= n->wlog_start ? &n->wlog[i - n->wlog_start] : NULL;
}

void ts_net_wlog_trim(ts_network *n, uint64_t i)
{
	if (n->keep_recent || i <= n->wlog_start || i > n->wlog_n)
		return;
	size_t drop = (size_t)(i - n->wlog_start);
	size_t keep = (size_t)(n->wlog_n - i);
	memmove(n->wlog, n->wlog + drop, keep * sizeof *n->wlog);
	n->wlog_start = i;
}

void ts_net_free(ts_network *n)
{
	if (n->dirs)
		for (int i = 0; i < n->nhosts * n->nhosts; i++)
			free(n->dirs[i].faults);
	free(n->dirs);
	free(n->delay);
	ts_pool_free(&n->pkts);
	free(n->kept);
	free(n->wlog);
	memset(n, 0, sizeof *n);
}

static ts_pkt *pkt_get(ts_network *n)
{
	ts_pkt *p = ts_pool_get(&n->pkts);
	if (!p)
		return NULL;
	/* the segment and what ts_net_send sets are written there: the
	 * rest only (a segment is the packet's larger part) */
	memset(&p->ev, 0, sizeof p->ev);
	p->ev.kind = TS_EV_DELIVER;
	p->in_lane = 0;
	p->next = NULL;
	return p;
}

static void pkt_put(ts_network *n, ts_pkt *p)
{
	ts_pool_put(&n->pkts, p);
}

static ts_kept *kept_find(ts_network *n, uint32_t num)
{
	if (n->keep_recent) {
		ts_kept *k = n->kept ? &n->kept[num % TS_NET_RECENT] : NULL;
		return k && k->num == num ? k : NULL;
	}
	int lo = 0, hi = n->nkept - 1;
	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		if (n->kept[mid].num == num)
			return &n->kept[mid];
		if (n->kept[mid].num < num)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}

/* Inlined: once per segment sent, the one path every segment takes. */
static inline __attribute__((always_inline)) int
schedule(ts_sim *sim, int from, int to, const ts_seg *seg, uint32_t num,
	 ts_time at, uint8_t injected, uint8_t copy, uint8_t replayed)
{
	ts_pkt *p = pkt_get(&sim->net);
	if (!p) {
		ts_sim_abort(sim, 0, "out of memory");
		return -1;
	}
	ts_dir *d = ts_net_dir(&sim->net, from, to);
	/* Its place in the order of events, whether queued now or when it
	 * comes to the head of its lane. */
	uint64_t seq = sim->q.seq++;
	if (d->lane_tail && at >= d->lane_tail->ev.when) {
		p->ev.when = at; /* behind the lane's last: waits */
		p->ev.seq = seq;
		p->in_lane = 1;
		d->lane_tail->next = p;
		d->lane_tail = p;
	} else if (ts_evq_schedule_seq(&sim->q, &p->ev, at, seq) < 0) {
		pkt_put(&sim->net, p);
		ts_sim_abort(sim, 0, "out of memory");
		return -1;
	} else if (!d->lane_tail) {
		p->in_lane = 1; /* queued, and the head of a new lane */
		d->lane_head = d->lane_tail = p;
	}
	p->seg = *seg;
	p->num = num;
	p->from = (int16_t)from;
	p->to = (int16_t)to;
	p->injected = injected;
	p->copy = copy;
	p->replayed = replayed;
	sim->net.in_flight++;
	return 0;
}

static void remove_fault(ts_dir *d, int i)
{
	memmove(&d->faults[i], &d->faults[i + 1],
		(size_t)(d->nfaults - i - 1) * sizeof *d->faults);
	d->nfaults--;
}

/* What the network did to a segment as it was sent, and the lines that
 * made it so. */
typedef struct seg_fate {
	int dropped; /* 1 by a line, 2 by random loss */
	int drop_line;
	int duplicated, dup_line;
	ts_time delay; /* extra delay, when not dropped */
	int delay_line;
} seg_fate;

/* The SEND or INJECT event of segment NUM, with its fate (someone takes
 * it). */
__attribute__((noinline)) static void send_event(ts_sim *sim, int from, int to,
						 const ts_seg *seg,
						 uint32_t num, ts_cause cause,
						 int rst, const seg_fate *fate)
{
	tcpsim_event ev;
	ts_ev_begin(sim, &ev,
		    cause.kind == TCPSIM_CAUSE_FORGED ? TCPSIM_EV_INJECT
						      : TCPSIM_EV_SEND,
		    from);
	ev.u.seg.segno = num;
	ev.u.seg.from = from;
	ev.u.seg.to = to;
	ev.u.seg.from_name = sim->hosts[from].decl->name;
	ev.u.seg.to_name = sim->hosts[to].decl->name;
	ev.u.seg.src_name = ts_sim_host_name_of(sim, seg->saddr, from);
	ev.u.seg.dst_name = ts_sim_host_name_of(sim, seg->daddr, to);
	ev.u.seg.seg = *seg;
	ev.u.seg.dropped = fate->dropped;
	ev.u.seg.drop_line = fate->drop_line;
	ev.u.seg.duplicated = fate->duplicated;
	ev.u.seg.dup_line = fate->dup_line;
	ev.u.seg.delay_us = fate->dropped ? 0 : fate->delay;
	ev.u.seg.delay_line = fate->delay_line;
	ev.u.seg.cause = ts_sim_cause_of(sim, cause, 0);
	ev.u.seg.rst = rst;
	if (cause.kind != TCPSIM_CAUSE_FORGED)
		ts_tcp_seqvars(&sim->hosts[from], seg->sport, seg->daddr,
			       seg->dport, &ev.u.seg.vars);
	ts_ev_emit(sim, &ev);
}

/* --why's WHY event after an RST: the chain of segments behind it. */
__attribute__((noinline)) static void rst_why_event(ts_sim *sim, int from,
						    uint32_t num)
{
	tcpsim_event ev;
	ts_ev_begin(sim, &ev, TCPSIM_EV_WHY, from);
	ev.u.why.source = TCPSIM_WHY_RST;
	ts_sim_why_chain(sim, num, &ev);
	ts_ev_emit(sim, &ev);
}

/* Keep segment NUM for a later "net: replay". */
static void keep(ts_network *n, uint32_t num, int from, int to,
		 const ts_seg *seg)
{
	ts_kept *k;
	if (n->keep_recent) {
		if (!n->kept) {
			n->kept = calloc(TS_NET_RECENT, sizeof *n->kept);
			if (!n->kept)
				return; /* nothing to replay: an error then */
			n->kept_cap = TS_NET_RECENT;
		}
		k = &n->kept[num % TS_NET_RECENT];
		k->num = num;
	} else {
		k = kept_find(n, num);
		if (!k)
			return;
	}
	k->from = from;
	k->to = to;
	k->seg = *seg;
	k->have = 1;
}

/* What happens to segment NUM on its way, when a rule, random loss, an
 * event, --why, a tap or a kept copy has a say: sets *DUP and *EXTRA;
 * returns nonzero if it does not go on. Kept out of line, so that a
 * segment that goes straight on does not pay for its stack frame. */
__attribute__((noinline)) static int
send_watched(ts_sim *sim, int from, int to, const ts_seg *seg, ts_cause cause,
	     int rst, uint32_t num, int *dup_out, ts_time *extra_out)
{
	ts_network *n = &sim->net;
	ts_dir *d = ts_net_dir(n, from, to);
	int injected = cause.kind == TCPSIM_CAUSE_FORGED;
	if (n->nkept || n->keep_recent)
		keep(n, num, from, to, seg);
	/* Which rules apply: the first drop rule that matches wins; dup and
	 * delay rules combine. */
	int dropped = 0, dup = 0;
	ts_time extra = 0;
	int drop_line = 0, dup_line = 0, delay_line = 0;
	/* A dropped segment is not delivered: drop rules are looked at
	 * first, and dup or delay rules only count delivered segments. */
	for (int i = 0; i < d->nfaults && !dropped; i++) {
		ts_fault *f = &d->faults[i];
		if (f->segno && f->segno < num) {
			remove_fault(d, i--); /* its segment went by */
			continue;
		}
		if (f->op != TS_NET_DROP || !ts_seg_is_kind(seg, f->kind) ||
		    (f->segno && f->segno != num))
			continue;
		dropped = 1;
		drop_line = f->line;
		if (!f->all && --f->left == 0)
			remove_fault(d, i);
	}
	for (int i = 0; i < d->nfaults && !dropped; i++) {
		ts_fault *f = &d->faults[i];
		if (!ts_seg_is_kind(seg, f->kind) ||
		    (f->segno && f->segno != num))
			continue;
		switch (f->op) {
		case TS_NET_DROP:
			continue;
		case TS_NET_DUP:
			if (dup)
				continue;
			dup = 1;
			dup_line = f->line;
			break;
		case TS_NET_DELAY:
			if (extra)
				continue;
			extra = f->delay;
			delay_line = f->line;
			break;
		case TS_NET_REPLAY:
		case TS_NET_INJECT:
		case TS_NET_HEAL:
			continue;
		}
		if (!f->all && --f->left == 0) {
			remove_fault(d, i);
			i--;
		}
	}
	int lost = 0;
	if (!dropped && !injected && n->loss) {
		ts_pkt lp = {.seg = *seg, .num = num};
		lp.from = (int16_t)from;
		lp.to = (int16_t)to;
		lost = dropped = n->loss(n->loss_ctx, &lp);
		n->nlost += (uint64_t)lost;
	}
	if (ts_ev_on(sim, injected ? TCPSIM_EV_INJECT : TCPSIM_EV_SEND)) {
		seg_fate fate = {.dropped = lost ? 2 : dropped,
				 .drop_line = drop_line,
				 .duplicated = dup,
				 .dup_line = dup_line,
				 .delay = extra,
				 .delay_line = delay_line};
		send_event(sim, from, to, seg, num, cause, rst, &fate);
	}
	ts_sim_origin(sim, num, from, seg->flags, cause, rst);
	if (sim->why.on && (seg->flags & TS_RST) &&
	    ts_ev_on(sim, TCPSIM_EV_WHY))
		rst_why_event(sim, from, num);
	if (sim->test.tap) {
		ts_pkt tp = {.seg = *seg, .num = num};
		tp.from = (int16_t)from;
		tp.to = (int16_t)to;
		tp.injected = (uint8_t)injected;
		sim->test.tap(sim->test.tap_ctx, &tp);
		if (sim->test.tap_swallow)
			return 1;
	}
	*dup_out = dup;
	*extra_out = extra;
	return dropped;
}

uint32_t ts_net_send(ts_sim *sim, int from, int to, const ts_seg *seg,
		     ts_cause cause, int rst)
{
	ts_network *n = &sim->net;
	uint32_t num = n->nextnum++;
	ts_dir *d = ts_net_dir(n, from, to);
	int injected = cause.kind == TCPSIM_CAUSE_FORGED;
	if (!injected) {
		/* by kind, as ts_seg_is_kind() defines them */
		d->sent[TCPSIM_SEG_ANY]++;
		if (seg->len)
			d->sent[TCPSIM_SEG_DATA]++;
		if (seg->flags & (TS_SYN | TS_FIN | TS_RST)) {
			d->sent[TCPSIM_SEG_SYN] += !!(seg->flags & TS_SYN);
			d->sent[TCPSIM_SEG_FIN] += !!(seg->flags & TS_FIN);
			d->sent[TCPSIM_SEG_RST] += !!(seg->flags & TS_RST);
		} else if (!seg->len) {
			d->sent[TCPSIM_SEG_ACK]++;
		}
		if (n->wlog_on && wlog_add(n, from, to, seg) < 0)
			ts_sim_abort(sim, 0, "out of memory");
	}
	int dup = 0;
	ts_time extra = 0;
	/* Without rules on this direction, loss, kept copies, an event,
	 * --why or a tap, a segment goes straight on. */
	if ((d->nfaults || n->loss || n->nkept || n->keep_recent ||
	     (sim->out.mask & (TCPSIM_EV_BIT(TCPSIM_EV_SEND) |
			       TCPSIM_EV_BIT(TCPSIM_EV_INJECT))) ||
	     sim->why.on || sim->test.tap) &&
	    send_watched(sim, from, to, seg, cause, rst, num, &dup, &extra))
		return num;
	ts_time at = sim->now + n->delay[from * n->nhosts + to] + extra;
	if (schedule(sim, from, to, seg, num, at, (uint8_t)injected, 0, 0) < 0)
		return num;
	if (dup)
		schedule(sim, from, to, seg, num, at, (uint8_t)injected, 1, 0);
	return num;
}

ts_event *ts_net_lane_pass(ts_network *n, ts_pkt *p)
{
	if (!p->in_lane)
		return NULL;
	ts_dir *d = ts_net_dir(n, p->from, p->to);
	d->lane_head = p->next;
	if (!d->lane_head) {
		d->lane_tail = NULL;
		return NULL;
	}
	return &d->lane_head->ev;
}

/* The event of P's arrival at H, or of its loss when H is down (someone
 * takes it). Out of line, as send_watched(). */
__attribute__((noinline)) static void
deliver_event(ts_sim *sim, const ts_pkt *p, const ts_host *h)
{
	tcpsim_event ev;
	ts_ev_begin(sim, &ev, h->up ? TCPSIM_EV_RECV : TCPSIM_EV_LOST, p->to);
	ev.u.seg.segno = p->num;
	ev.u.seg.from = p->from;
	ev.u.seg.to = p->to;
	ev.u.seg.from_name = sim->hosts[p->from].decl->name;
	ev.u.seg.to_name = h->decl->name;
	ev.u.seg.src_name = ts_sim_host_name_of(sim, p->seg.saddr, p->from);
	ev.u.seg.dst_name = ts_sim_host_name_of(sim, p->seg.daddr, p->to);
	ev.u.seg.seg = p->seg;
	ev.u.seg.duplicated = p->copy;
	ev.u.seg.replayed = p->replayed;
	ev.u.seg.rst = -1;
	if (h->up)
		ts_tcp_seqvars(h, p->seg.dport, p->seg.saddr, p->seg.sport,
			       &ev.u.seg.vars);
	ts_ev_emit(sim, &ev);
}

void ts_net_deliver(ts_sim *sim, ts_pkt *p)
{
	ts_network *n = &sim->net;
	ts_host *h = &sim->hosts[p->to];
	n->in_flight--;
	if (ts_ev_on(sim, h->up ? TCPSIM_EV_RECV : TCPSIM_EV_LOST))
		deliver_event(sim, p, h);
	if (h->up && !h->decl->nostack) {
		ts_seg seg = p->seg;
		ts_cause cause = ts_cause_seg(p->num, p->injected);
		pkt_put(n, p);
		ts_tcp_input(sim, h, &seg, cause);
		return;
	}
	pkt_put(n, p);
}

/* The only connection between FROM and TO whose ports match the ones
 * given (-1: any); 0 and the ports, or -1 when none or several. */
static int find_ports(ts_sim *sim, int from, int to, int *fport, int *tport)
{
	int found = 0;
	int want_f = *fport, want_t = *tport;
	ts_host *a = &sim->hosts[from], *b = &sim->hosts[to];
	for (int ci = 0; ci < sim->socks.pool.nchunks; ci++)
		for (int i = 0; i < ts_pool_used(&sim->socks.pool, ci); i++) {
			ts_sock *sk = ts_sim_sock(sim, ci, i);
			if (!sk->in_use || sk->state == TS_LISTEN ||
			    sk->state == TS_CLOSED)
				continue;
			int fp, tp;
			if (sk->host == a && sk->raddr == b->addr) {
				fp = sk->lport;
				tp = sk->rport;
			} else if (sk->host == b && sk->raddr == a->addr) {
				fp = sk->rport;
				tp = sk->lport;
			} else {
				continue;
			}
			if ((want_f >= 0 && fp != want_f) ||
			    (want_t >= 0 && tp != want_t))
				continue;
			if (found && (fp != *fport || tp != *tport))
				return -1; /* more than one */
			*fport = fp;
			*tport = tp;
			found = 1;
		}
	return found ? 0 : -1;
}

int ts_net_apply(ts_sim *sim, const ts_stmt *st, char *msg, size_t msglen)
{
	ts_network *n = &sim->net;
	const ts_net *x = &st->u.net;
	switch (x->op) {
	case TS_NET_DROP:
	case TS_NET_DUP:
	case TS_NET_DELAY: {
		ts_dir *d = ts_net_dir(n, x->from, x->to);
		if (d->nfaults == d->cap) {
			int nc = d->cap ? d->cap * 2 : 4;
			ts_fault *f =
			    realloc(d->faults, (size_t)nc * sizeof *f);
			if (!f) {
				snprintf(msg, msglen, "out of memory");
				return -1;
			}
			d->faults = f;
			d->cap = nc;
		}
		ts_fault *f = &d->faults[d->nfaults++];
		f->op = x->op;
		f->kind = x->kind;
		f->all = x->all;
		f->left = x->count ? x->count : 1;
		f->delay = x->delay;
		f->segno = x->segno;
		f->line = st->line;
		return 0;
	}
	case TS_NET_HEAL:
		for (int a = 0; a < n->nhosts; a++)
			for (int b = 0; b < n->nhosts; b++) {
				if (x->from >= 0 &&
				    !((a == x->from && b == x->to) ||
				      (a == x->to && b == x->from)))
					continue;
				ts_dir *d = ts_net_dir(n, a, b);
				for (int i = 0; i < d->nfaults; i++)
					if (d->faults[i].op == TS_NET_DROP &&
					    d->faults[i].all)
						remove_fault(d, i--);
			}
		return 0;
	case TS_NET_REPLAY: {
		ts_kept *k = kept_find(n, x->segno);
		if (!k || !k->have) {
			if (n->keep_recent && x->segno < n->nextnum &&
			    n->nextnum - x->segno > TS_NET_RECENT)
				snprintf(msg, msglen,
					 "segment #%u is too old to replay (a "
					 "simulation built line by line keeps "
					 "the last %d)",
					 x->segno, TS_NET_RECENT);
			else
				snprintf(msg, msglen,
					 "segment #%u has not been sent yet",
					 x->segno);
			return -1;
		}
		uint32_t num = n->nextnum++;
		if (ts_ev_on(sim, TCPSIM_EV_REPLAY)) {
			tcpsim_event ev;
			ts_ev_begin(sim, &ev, TCPSIM_EV_REPLAY, -1);
			ev.u.seg.segno = num;
			ev.u.seg.replay_of = k->num;
			ev.u.seg.from = k->from;
			ev.u.seg.to = k->to;
			ev.u.seg.from_name = sim->hosts[k->from].decl->name;
			ev.u.seg.to_name = sim->hosts[k->to].decl->name;
			ev.u.seg.src_name =
			    ts_sim_host_name_of(sim, k->seg.saddr, k->from);
			ev.u.seg.dst_name =
			    ts_sim_host_name_of(sim, k->seg.daddr, k->to);
			ev.u.seg.seg = k->seg;
			ev.u.seg.rst = -1;
			ts_ev_emit(sim, &ev);
		}
		return schedule(sim, k->from, k->to, &k->seg, num, sim->now, 0,
				0, 1);
	}
	case TS_NET_INJECT: {
		int fp = x->from_port, tp = x->to_port;
		if (fp < 0 || tp < 0) {
			if (find_ports(sim, x->from, x->to, &fp, &tp) < 0) {
				snprintf(msg, msglen,
					 "inject needs ports: there is not "
					 "exactly one connection between %s "
					 "and %s",
					 sim->hosts[x->from].decl->name,
					 sim->hosts[x->to].decl->name);
				return -1;
			}
		}
		ts_seg s = {0};
		s.saddr = sim->hosts[x->from].addr;
		s.daddr = sim->hosts[x->to].addr;
		s.sport = (uint16_t)fp;
		s.dport = (uint16_t)tp;
		s.seq = x->seq;
		s.ack = x->ack;
		s.len = x->len;
		s.win = (uint16_t)x->win;
		s.flags = x->tcp_flags;
		s.mss = x->mss;
		s.sack_ok = x->sack_ok;
		s.wscale_ok = x->wscale_ok;
		s.wscale = x->wscale;
		s.ts = x->ts;
		s.tsval = x->tsval;
		s.tsecr = x->tsecr;
		s.nsack = x->nsack;
		memcpy(s.sack, x->sack, sizeof s.sack);
		s.fo = x->fo;
		s.fo_len = x->fo_len;
		memcpy(s.fo_cookie, x->fo_cookie, sizeof s.fo_cookie);
		ts_net_send(sim, x->from, x->to, &s, ts_cause_forged(st), -1);
		return 0;
	}
	}
	return 0;
}
