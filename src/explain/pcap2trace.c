/*
 * pcap2trace.c - tcpsim pcap2trace (doc/explain.md): a trace that
 * reproduces one connection of a capture. The explainer (explain.c) says
 * what each side's stack did and why; this file turns that into the calls
 * each application must have made, the faults of the network (segments
 * that never arrived) and the knobs the timing shows, at the times the
 * capture implies. What it cannot know it assumes, and says so at the top
 * of the trace.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/capture.h"
#include "explain/explain.h"
#include "tcpsim.h"
#include "trace/trace.h"

/* The connection chosen, as the explainer saw it. */
typedef struct pick {
	uint32_t want;
	int found;
	ts_xp_conn c;
	ts_xp_rst rst[TS_XP_MAXRST];
} pick;

static void keep(void *ctx, const ts_xp_conn *c)
{
	pick *p = ctx;
	if (c->id == p->want) {
		p->c = *c;
		if (c->nrst)
			memcpy(p->rst, c->rst,
			       (size_t)c->nrst * sizeof *c->rst);
		p->c.rst = p->rst;
		p->found = 1;
	}
}

/* One line of the trace, at a time in µs. */
typedef struct line {
	int64_t t;
	int order; /* at one time, in the order made */
	char text[224];
} line;

typedef struct out {
	line *v;
	size_t n, cap;
	uint64_t frame; /* the frame the lines being made stand for */
} out;

static void add(out *o, int64_t t, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#include <stdarg.h>
static void add(out *o, int64_t t, const char *fmt, ...)
{
	if (o->n == o->cap) {
		size_t nc = o->cap ? o->cap * 2 : 64;
		line *nv = realloc(o->v, nc * sizeof *nv);
		if (!nv)
			return;
		o->v = nv;
		o->cap = nc;
	}
	line *l = &o->v[o->n];
	l->t = t < 0 ? 0 : t;
	l->order = (int)o->n;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(l->text, sizeof l->text, fmt, ap);
	va_end(ap);
	/* the frame it stands for, so that explain's evidence (#N) leads
	 * to the line */
	if (o->frame && n > 0 && (size_t)n < sizeof l->text)
		snprintf(l->text + n, sizeof l->text - (size_t)n,
			 " # #%" PRIu64, o->frame);
	o->n++;
}

static int by_time(const void *a, const void *b)
{
	const line *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->order - y->order;
}

static void put_addr(FILE *f, uint32_t a)
{
	fprintf(f, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255,
		a & 255);
}

static const char *first_id(const ts_xp_rst *r)
{
	return r->ncand ? r->cand[0].id : "unexplained";
}

/* The segments of the connection, in capture order. */
typedef struct segs {
	ts_cap_seg *v;
	size_t n, cap;
} segs;

static int seg_push(segs *s, const ts_cap_seg *x)
{
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 64;
		ts_cap_seg *nv = realloc(s->v, nc * sizeof *nv);
		if (!nv)
			return -1;
		s->v = nv;
		s->cap = nc;
	}
	s->v[s->n++] = *x;
	return 0;
}

static int dir_of(const ts_xp_conn *c, const ts_cap_seg *s)
{
	return !(s->saddr == c->s[0].addr && s->sport == c->s[0].port);
}

/* Print the segments of connection C, one a line: "A>B FLAGS LEN". */
static void list_segments(FILE *f, const ts_xp_conn *c, const segs *sg)
{
	for (size_t i = 0; i < sg->n; i++) {
		const ts_cap_seg *s = &sg->v[i];
		int d = dir_of(c, s);
		fprintf(f, "%s ", d ? "B>A" : "A>B");
		static const char *const n[] = {"FIN", "SYN", "RST",
						"PSH", "ACK", "URG"};
		static const int order[] = {1, 2, 0, 3, 4, 5};
		int first = 1;
		for (int k = 0; k < 6; k++)
			if (s->flags & (1 << order[k])) {
				fprintf(f, "%s%s", first ? "" : "|",
					n[order[k]]);
				first = 0;
			}
		fprintf(f, " %" PRIu32 "\n", s->len);
	}
}

static void us(char *b, size_t n, int64_t t)
{
	snprintf(b, n, "%" PRId64 "us", t < 0 ? 0 : t);
}

/* Whether segment I of SG (data, or a FIN alone) was sent again later by
 * its sender; if so, *ACKED is the first segment of the peer's that
 * acknowledged it before that copy (NULL: none, so this copy was lost;
 * else that ACK was). */
static int sent_again(const ts_xp_conn *c, const segs *sg, size_t i,
		      const ts_cap_seg **acked)
{
	const ts_cap_seg *s = &sg->v[i];
	int x = dir_of(c, s);
	uint32_t end = s->seq + (s->len ? s->len : 1);
	*acked = NULL;
	for (size_t k = i + 1; k < sg->n; k++) {
		const ts_cap_seg *q = &sg->v[k];
		int qd = dir_of(c, q);
		if (qd != x && !*acked && (q->flags & TS_CAP_ACK) &&
		    (int32_t)(q->ack - end) >= 0)
			*acked = q;
		if (qd == x && q->seq == s->seq && q->len == s->len &&
		    (s->len || (q->flags & TS_CAP_FIN)))
			return 1;
	}
	return 0;
}

/* Whether data segment I of SG (from X), which would have reached Y at
 * ARRIVE (trace time), never did: the first segment Y sent after that
 * (its departure: capture time less BASE) acknowledges less than its end
 * and is no duplicate ACK, which out-of-order data draws at once (Linux
 * tcp_data_queue: an out-of-order segment is ACKed now): an RST, a FIN
 * or data. *EVER: whether Y acknowledged its end at any time later (a
 * copy of it arrived). */
static int unheard(const ts_xp_conn *c, const segs *sg, size_t i,
		   int64_t arrive, int64_t base, int *ever)
{
	const ts_cap_seg *s = &sg->v[i];
	int x = dir_of(c, s), first = 1, lost = 0;
	uint32_t end = s->seq + s->len;
	*ever = 0;
	for (size_t k = i + 1; k < sg->n; k++) {
		const ts_cap_seg *q = &sg->v[k];
		if (dir_of(c, q) == x || !(q->flags & TS_CAP_ACK))
			continue;
		if ((int32_t)(q->ack - end) >= 0)
			*ever = 1;
		if (!first || q->t_us - base <= arrive)
			continue;
		first = 0;
		lost = (int32_t)(q->ack - end) < 0 &&
		       (q->len || (q->flags & (TS_CAP_RST | TS_CAP_FIN)));
	}
	return lost;
}

/* Whether data segment I of SG (from X), which would have reached Y at
 * ARRIVE (trace time), was held back by the network: never sent again,
 * the first segment Y sent after that (its departure: capture time less
 * BASE) acknowledges up to its start but not its end (so nothing before
 * it was missing), and a later one acknowledges its end: it came late.
 * Returns how late (the departure of that later ACK, which it drew at
 * once, less ARRIVE), 0 when it was not. */
static int64_t held_back(const ts_xp_conn *c, const segs *sg, size_t i,
			 int64_t arrive, int64_t base)
{
	const ts_cap_seg *s = &sg->v[i];
	int x = dir_of(c, s), first = 1;
	uint32_t end = s->seq + s->len;
	const ts_cap_seg *unused;
	if (sent_again(c, sg, i, &unused))
		return 0;
	for (size_t k = i + 1; k < sg->n; k++) {
		const ts_cap_seg *q = &sg->v[k];
		if (dir_of(c, q) == x || !(q->flags & TS_CAP_ACK) ||
		    q->t_us - base < arrive)
			continue;
		if (first) {
			first = 0;
			if ((int32_t)(q->ack - s->seq) < 0 ||
			    (int32_t)(q->ack - end) >= 0)
				return 0;
			continue;
		}
		if ((int32_t)(q->ack - end) >= 0)
			return q->t_us - base - arrive;
	}
	return 0;
}

/* Whether a data segment of the same sender left at the same time as
 * segment I of SG, before it: no line between them can tell them apart. */
static int sent_with(const ts_xp_conn *c, const segs *sg, size_t i)
{
	const ts_cap_seg *s = &sg->v[i];
	for (size_t k = i; k-- > 0;) {
		const ts_cap_seg *q = &sg->v[k];
		if (q->t_us != s->t_us)
			return 0;
		if (dir_of(c, q) == dir_of(c, s) && q->len)
			return 1;
	}
	return 0;
}

/* Whether segment I of SG, a SYN, was sent again by its sender. */
static int sent_syn_again(const ts_xp_conn *c, const segs *sg, size_t i)
{
	const ts_cap_seg *s = &sg->v[i];
	for (size_t k = i + 1; k < sg->n; k++)
		if (dir_of(c, &sg->v[k]) == dir_of(c, s) &&
		    sg->v[k].flags == s->flags && sg->v[k].seq == s->seq)
			return 1;
	return 0;
}

/* Whether FRAME is one of SG's segments that FORGED marks. */
static int forged_frame(const segs *sg, const unsigned char *forged,
			uint64_t frame)
{
	for (size_t k = 0; k < sg->n; k++)
		if (sg->v[k].frame == frame)
			return forged[k];
	return 0;
}

/* HOST's socket VAR at 0, with the options its SYN showed (0: not set),
 * bound to PORT. */
static void put_socket(out *o, const char *host, const char *var, int maxseg,
		       int rcvbuf, int nodelay, unsigned port)
{
	add(o, 0, "%s: %s = socket()", host, var);
	if (maxseg)
		add(o, 0, "%s: setsockopt(%s, TCP_MAXSEG, %d)", host, var,
		    maxseg);
	if (rcvbuf)
		add(o, 0, "%s: setsockopt(%s, SO_RCVBUF, %d)", host, var,
		    rcvbuf);
	if (nodelay)
		add(o, 0, "%s: setsockopt(%s, TCP_NODELAY, 1)", host, var);
	add(o, 0, "%s: bind(%s, %u)", host, var, port);
}

/* A side's writes: the line of its last one and its byte count. */
typedef struct writer {
	int line; /* index in the output, -1: none yet */
	uint64_t len;
	int carry; /* what it sends next was written before (its peer's
		    * window closed with data waiting) */
} writer;

/* A write of N bytes by HOST at T; with W->carry, the bytes join the
 * last write instead (its line keeps its time and frame). */
static void put_write(out *o, writer *w, int64_t t, const char *host,
		      const char *fd, uint64_t n)
{
	if (w->carry && w->line >= 0 && (size_t)w->line < o->n) {
		line *l = &o->v[w->line];
		/* what follows the count: ")" and the frame comment,
		 * " # #N" (a frame number has at most 20 digits) */
		const char *rest = strchr(l->text, ')');
		char tail[32];
		snprintf(tail, sizeof tail, "%.30s", rest ? rest : ")");
		w->len += n;
		snprintf(l->text, sizeof l->text, "%s: write(%s, %" PRIu64 "%s",
			 host, fd, w->len, tail);
		return;
	}
	w->line = (int)o->n;
	w->len = n;
	add(o, t, "%s: write(%s, %" PRIu64 ")", host, fd, n);
}

/* Whether capture segment Q is of net: rule KIND (as the network
 * matches them, ts_seg_is_kind). */
static int seg_of_kind(const ts_cap_seg *q, const char *kind)
{
	if (!strcmp(kind, "SYN"))
		return !!(q->flags & TS_CAP_SYN);
	if (!strcmp(kind, "FIN"))
		return !!(q->flags & TS_CAP_FIN);
	if (!strcmp(kind, "RST"))
		return !!(q->flags & TS_CAP_RST);
	if (!strcmp(kind, "DATA"))
		return q->len > 0;
	if (!strcmp(kind, "ACK"))
		return !q->len &&
		       !(q->flags & (TS_CAP_SYN | TS_CAP_FIN | TS_CAP_RST));
	return 0;
}

/* The kind a net: drop line names segment Q by. */
static const char *drop_kind(const ts_cap_seg *q)
{
	return (q->flags & TS_CAP_SYN)   ? "SYN"
	       : q->len                  ? "DATA"
	       : (q->flags & TS_CAP_FIN) ? "FIN"
					 : "ACK";
}

/* The net: drop line for capture segment Q, from X to Y, whose sender's
 * clock is the capture's less BASE: as early as is sure to come before Q
 * in any run (a run's timers and delays may be some microseconds off the
 * capture's), after FROM and after X's segment of that kind before it,
 * forged ones included (a rule takes the next segment of its kind). */
static void drop_one(out *o, const ts_xp_conn *c, const segs *sg,
		     const ts_cap_seg *q, int64_t from, int64_t base,
		     const char *x, const char *y)
{
	int64_t when = from;
	int qd = dir_of(c, q);
	for (size_t k = 0; k < sg->n && &sg->v[k] != q; k++) {
		const ts_cap_seg *p = &sg->v[k];
		if (dir_of(c, p) == qd && !strcmp(drop_kind(p), drop_kind(q)) &&
		    p->t_us - base + 1 > when)
			when = p->t_us - base + 1;
	}
	if (when >= q->t_us - base)
		when = q->t_us - base - 1;
	uint64_t frame = o->frame;
	o->frame = q->frame;
	add(o, when, "net: drop %s>%s 1 %s", x, y, drop_kind(q));
	o->frame = frame;
}

/* The net: drop line for segment S, which its sender (X) sent again:
 * for S itself, at AT, when nothing acknowledged it; else for ACKED, the
 * answer from Y that never arrived, once the segment it answers left
 * (drop_one; BASE makes a capture time Y's clock). */
static void drop_lost(out *o, const ts_xp_conn *c, const segs *sg,
		      const ts_cap_seg *s, const ts_cap_seg *acked, int64_t at,
		      int64_t base, const char *x, const char *y)
{
	if (!acked) {
		add(o, at, "net: drop %s>%s 1 %s", x, y, drop_kind(s));
		return;
	}
	drop_one(o, c, sg, acked, at, base, y, x);
}

/* The MSS of a 1500-byte MTU, the MTU of tcpsim's links. */
#define ETH_MSS 1460

/* The shortest time in SG from a segment that takes sequence space to
 * the first segment of the other side that acknowledges its end (0 when
 * none is seen): one way, when each segment is stamped as it left its
 * host. */
static int64_t shortest_answer(const ts_xp_conn *c, const segs *sg)
{
	int64_t best = -1;
	for (size_t i = 0; i < sg->n; i++) {
		const ts_cap_seg *s = &sg->v[i];
		uint32_t end =
		    s->seq + s->len + !!(s->flags & (TS_CAP_SYN | TS_CAP_FIN));
		if (end == s->seq || (s->flags & TS_CAP_RST))
			continue;
		for (size_t k = i + 1; k < sg->n; k++) {
			const ts_cap_seg *q = &sg->v[k];
			/* (a SYN|ACK's answer is an ACK: a SYN|ACK
			 * crossing it answers the SYN) */
			if (dir_of(c, q) == dir_of(c, s) ||
			    !(q->flags & TS_CAP_ACK) ||
			    (int32_t)(q->ack - end) < 0 ||
			    ((s->flags & q->flags & TS_CAP_SYN) &&
			     (s->flags & TS_CAP_ACK)))
				continue;
			if (q->t_us >= s->t_us &&
			    (best < 0 || q->t_us - s->t_us < best))
				best = q->t_us - s->t_us;
			break;
		}
	}
	return best < 0 ? 0 : best;
}

/* Linux tcp_model_timeout() with rto_base TCP_RTO_MIN (200 ms), in us:
 * the time tcp_retries2 = N retransmissions take, the RTO doubling up to
 * TCP_RTO_MAX (120 s) */
static int64_t model_timeout_us(uint32_t n)
{
	const int64_t base = 200000, max = 120000000;
	uint32_t thresh = 9; /* ilog2(TCP_RTO_MAX / TCP_RTO_MIN) */
	if (n <= thresh)
		return ((2LL << n) - 1) * base;
	return ((2LL << thresh) - 1) * base + (int64_t)(n - thresh) * max;
}

/* A side's timestamp clock: VAL, a TSval the capture shows, is RUN on
 * the run's clock of its host. */
typedef struct ts_basis {
	int known;
	uint32_t val, run;
} ts_basis;

/* Timestamp V of the capture's clock B on the run's: a forged segment
 * carries the sender's clock as the run has it, else the receiver's PAWS
 * (RFC 7323 §5) would judge every later segment by another clock's
 * value. Unchanged when the side sent no timestamp of its own. */
static uint32_t ts_clock(const ts_basis *b, uint32_t v)
{
	return b->known ? v - b->val + b->run : v;
}

/* Whether capture segment S can be written as a net: inject line: its
 * flags are among those the line takes (SYN, ACK, FIN, RST, PSH; at least
 * one), its payload within the line's bound, and its bytes were all
 * captured. */
static int forgeable(const ts_cap_seg *s)
{
	const uint8_t ok =
	    TS_CAP_SYN | TS_CAP_ACK | TS_CAP_FIN | TS_CAP_RST | TS_CAP_PSH;
	return s->flags && !(s->flags & ~ok) && s->len <= 1048576 && !s->cut;
}

/* The net: inject line that forges segment S from X's address and port
 * to Y's: its header fields and options as captured, but for the
 * timestamps, TSVAL and TSECR. */
static void put_inject(out *o, int64_t t, const ts_cap_seg *s, uint32_t tsval,
		       uint32_t tsecr, const char *x, const char *y)
{
	char flags[32] = "", opt[96] = "";
	size_t n = 0;
	/* (the trace language's flag names, ts_tcp_flags: the capture's
	 * bits are the wire's, as TS_SYN and the others are) */
	for (size_t k = 0; k < sizeof ts_tcp_flags / sizeof ts_tcp_flags[0];
	     k++)
		if (s->flags & ts_tcp_flags[k].value)
			n += (size_t)snprintf(flags + n, sizeof flags - n,
					      "%s%s", n ? "|" : "",
					      ts_tcp_flags[k].name);
	n = 0;
	if (s->mss >= 0)
		n += (size_t)snprintf(opt + n, sizeof opt - n, " mss %d",
				      s->mss);
	if (s->sackok)
		n += (size_t)snprintf(opt + n, sizeof opt - n, " sackOK");
	if (s->wscale >= 0)
		n += (size_t)snprintf(opt + n, sizeof opt - n, " wscale %d",
				      s->wscale > 14 ? 14 : s->wscale);
	if (s->has_ts)
		snprintf(opt + n, sizeof opt - n, " ts %" PRIu32 " %" PRIu32,
			 tsval, tsecr);
	add(o, t,
	    "net: inject %s:%u>%s:%u %s seq %" PRIu32 " ack %" PRIu32
	    " len %" PRIu32 " win %u%s",
	    x, s->sport, y, s->dport, flags, s->seq, s->ack, s->len, s->win,
	    opt);
}

/* What the trace takes as not sent by a stack. */
typedef struct guess {
	unsigned char *forged; /* per segment: written as forged (net:
				* inject) instead of as what a stack sent */
	int nostack; /* -1; 0 or 1: that side has no stack (every segment
		      * it sent is forged) */
} guess;

/* Write the trace of connection C (segments SG) to F with the guess G. */
static void write_trace(FILE *f, const char *path, const ts_xp_conn *c,
			const segs *sg, const guess *g)
{
	const unsigned char *forged = g->forged;
	int nostack = g->nostack;
	out o = {0};
	const ts_xp_side *A = &c->s[0], *B = &c->s[1];
	uint32_t baddr = B->addr;
	int same_addr = A->addr == B->addr;
	if (same_addr)
		baddr = A->addr + 1;
	/* a simultaneous open (RFC 9293 §3.5, figure 8): b sent a SYN of
	 * its own, without ACK: b connected to a, from its port, as a did
	 * to b; nothing listened */
	int simul = 0;
	for (size_t i = 0; i < sg->n && !simul; i++)
		simul = dir_of(c, &sg->v[i]) == 1 &&
			(sg->v[i].flags & (TS_CAP_SYN | TS_CAP_ACK)) ==
			    TS_CAP_SYN &&
			!forged[i];
	/* the link delay: half the handshake's round trip (SYN to the ACK
	 * of the SYN|ACK) at the capture point; in a simultaneous open, whose
	 * SYNs cross, each segment taken as stamped when it left its host
	 * (where, below), the shortest time from a segment to the first
	 * acknowledgment of its end */
	int64_t d = c->rtt_us > 0 ? c->rtt_us / 2 : 0;
	if (simul)
		d = shortest_answer(c, sg);
	/* where the capture was taken: next to the client if the SYN|ACK
	 * took longer to come than the ACK that answered it */
	int64_t t_syn = -1, t_sa = -1, t_ack = -1;
	for (size_t i = 0; i < sg->n; i++) {
		const ts_cap_seg *s = &sg->v[i];
		if (s->frame == c->hs[0])
			t_syn = s->t_us;
		if (s->frame == c->hs[1])
			t_sa = s->t_us;
		if (s->frame == c->hs[2])
			t_ack = s->t_us;
	}
	/* at a, the SYN|ACK comes a round trip after the SYN and the ACK
	 * leaves at once; at b the other way round; equal gaps mean each
	 * segment was stamped as it left its host (captures of both ends
	 * merged, or tcpsim --pcap) */
	int64_t g1 = t_sa - t_syn, g2 = t_ack - t_sa;
	int where = 0; /* 1 at a, 2 at b, 0 each at its sender */
	if (t_syn >= 0 && t_sa >= 0 && t_ack >= 0 && !simul) {
		if (g1 > 4 * g2)
			where = 1;
		else if (g2 > 4 * g1)
			where = 2;
	}
	int64_t off[2] = {where == 2 ? d : 0, where == 1 ? d : 0};
	int64_t t0 = c->t0;
	/* what each RST was */
	const ts_xp_rst *abort_of[2] = {NULL, NULL};
	const ts_xp_rst *no_listener = NULL;
	for (int i = 0; i < c->nrst; i++) {
		const ts_xp_rst *r = &c->rst[i];
		const char *id = first_id(r);
		if (!strcmp(id, "no-listener"))
			no_listener = r;
		if (!r->answers && !abort_of[r->from] && r->ncand &&
		    r->cand[0].reason >= 0)
			abort_of[r->from] = r;
	}
	int unread[2] = {0, 0};
	for (int x = 0; x < 2; x++)
		if (abort_of[x] &&
		    !strcmp(first_id(abort_of[x]), "close-unread-data"))
			unread[x] = 1;
	int listener_closed =
	    abort_of[1] && !strcmp(first_id(abort_of[1]), "listener-closed");
	int keepalive[2] = {0, 0};
	for (int x = 0; x < 2; x++)
		keepalive[x] = c->s[x].probes ||
			       (abort_of[x] && !strcmp(first_id(abort_of[x]),
						       "keepalive-timeout"));
	/* a side that gave up: nothing it sent arrived from the first copy
	 * of the oldest byte it retransmitted in vain (the run may resend
	 * data and FIN together, Linux tcp_retrans_try_collapse) to the
	 * last segment it sent before it gave up */
	uint64_t drop_from[2] = {0, 0}, last_run[2] = {0, 0};
	for (int x = 0; x < 2; x++) {
		if (c->timeout_side != x || !c->s[x].rexmit_run_first)
			continue;
		uint32_t low = 0;
		int have = 0;
		for (size_t i = 0; i < sg->n; i++) {
			const ts_cap_seg *q = &sg->v[i];
			/* (an RST after it gave up is no part of it) */
			if (dir_of(c, q) != x || (q->flags & TS_CAP_RST))
				continue;
			last_run[x] = q->frame;
			if (q->frame >= c->s[x].rexmit_run_first &&
			    (!have || (int32_t)(q->seq - low) < 0)) {
				low = q->seq;
				have = 1;
			}
		}
		for (size_t i = 0; i < sg->n && !drop_from[x]; i++) {
			const ts_cap_seg *q = &sg->v[i];
			if (dir_of(c, q) == x && q->seq == low &&
			    (q->len || (q->flags & (TS_CAP_SYN | TS_CAP_FIN))))
				drop_from[x] = q->frame;
		}
	}
	/* the MSS each side's SYN offered: below an Ethernet MTU's 1460,
	 * TCP_MAXSEG set before connect() or listen() (Linux tcp_mss_clamp:
	 * the SYN and the SYN|ACK offer min(user_mss, the route's advmss));
	 * above it, a link tcpsim does not have (loopback, jumbo frames) */
	int mss[2] = {-1, -1};
	for (size_t i = 0; i < sg->n; i++) {
		const ts_cap_seg *s = &sg->v[i];
		int x = dir_of(c, s);
		if ((s->flags & TS_CAP_SYN) && mss[x] < 0 &&
		    (x == 0) == !(s->flags & TS_CAP_ACK))
			mss[x] = s->mss;
	}
	int maxseg[2] = {0, 0}, big_mss = 0;
	for (int x = 0; x < 2; x++) {
		if (mss[x] >= 88 && mss[x] < ETH_MSS)
			maxseg[x] = mss[x];
		else if (mss[x] > ETH_MSS && mss[x] > big_mss)
			big_mss = mss[x];
	}
	/* SO_RCVBUF set before connect() or listen(): the side's SYN
	 * offers a smaller window scale than Linux's defaults give (10:
	 * tcp_select_initial_window scales for tcp_rmem[2], but for the
	 * buffer's own size once SO_RCVBUF locked it), and a window of half
	 * the buffer in whole segments (tcp_full_space). The value written
	 * is the least that offers that window and scale. */
	int rcvbuf[2] = {0, 0}, syn_win[2] = {0, 0}, syn_ws[2] = {-1, -1};
	for (size_t i = 0; i < sg->n; i++) {
		const ts_cap_seg *s = &sg->v[i];
		int x = dir_of(c, s);
		if ((s->flags & TS_CAP_SYN) && syn_ws[x] < 0 &&
		    s->wscale >= 0 && (x == 0) == !(s->flags & TS_CAP_ACK)) {
			syn_ws[x] = s->wscale;
			syn_win[x] = s->win;
		}
	}
	for (int x = 0; x < 2; x++)
		if (syn_ws[x] >= 0 && syn_ws[x] < 10)
			rcvbuf[x] =
			    syn_ws[x] ? 1 << (15 + syn_ws[x]) : syn_win[x];
	/* TCP Fast Open: data in a's SYN, sent without a cookie (the
	 * client's 0x4 of tcp_fastopen: the trace has no earlier connection
	 * to get one from); b took it when its SYN|ACK acknowledges it
	 * (0x2 | 0x200 | 0x400: a server taking data without a cookie on
	 * any listener) */
	uint32_t tfo_len = 0;
	int tfo_taken = 0;
	for (size_t i = 0; i < sg->n; i++) {
		const ts_cap_seg *s = &sg->v[i];
		if (!(s->flags & TS_CAP_SYN))
			continue;
		if (dir_of(c, s) == 0 && !(s->flags & TS_CAP_ACK) && !tfo_len)
			tfo_len = s->len;
		if (dir_of(c, s) == 1 && (s->flags & TS_CAP_ACK) && tfo_len &&
		    (int32_t)(s->ack - (A->isn + 1)) > 0)
			tfo_taken = 1;
	}
	/* a side whose window closed (an ACK offering 0) did not read as
	 * data came: it reads when its window opens again (an ACK of
	 * nothing new offering more: Linux tcp_cleanup_rbuf sends one when
	 * a read frees enough), as much as it opened */
	int stalled[2] = {0, 0};
	int wshift[2] = {0, 0};
	for (int x = 0; x < 2; x++)
		if (syn_ws[0] >= 0 && syn_ws[1] >= 0)
			/* (RFC 7323 §2.3: a shift above 14 is taken as 14) */
			wshift[x] = syn_ws[x] > 14 ? 14 : syn_ws[x];
	for (size_t i = 0; i < sg->n; i++) {
		const ts_cap_seg *s = &sg->v[i];
		if ((s->flags & TS_CAP_ACK) && !s->win &&
		    !(s->flags & (TS_CAP_SYN | TS_CAP_RST)))
			stalled[dir_of(c, s)] = 1;
	}
	/* TCP_NODELAY: a segment shorter than a full one left while an
	 * earlier short one of its side was unacknowledged, which Nagle's
	 * algorithm never lets go (RFC 1122 §4.2.3.4; Linux tcp_nagle_check,
	 * Minshall's variant: tcp_minshall_check); a FIN goes regardless */
	int nodelay[2] = {0, 0};
	int syn_ts[2] = {0, 0};
	for (size_t i = 0; i < sg->n; i++)
		if (sg->v[i].flags & TS_CAP_SYN)
			syn_ts[dir_of(c, &sg->v[i])] |= sg->v[i].has_ts;
	int ts_both = syn_ts[0] && syn_ts[1];
	for (int x = 0; x < 2; x++) {
		int y = !x;
		int64_t full =
		    (mss[y] > 0 && mss[y] < ETH_MSS ? mss[y] : ETH_MSS) -
		    (ts_both ? 12 : 0);
		uint32_t hi = 0, sml_end = 0;
		int seen = 0, sml = 0;
		for (size_t i = 0; i < sg->n && !nodelay[x]; i++) {
			const ts_cap_seg *s = &sg->v[i];
			if (dir_of(c, s) != x || (s->flags & TS_CAP_SYN) ||
			    !s->len || forged[i])
				continue;
			uint32_t end = s->seq + s->len;
			if (seen && (int32_t)(end - hi) <= 0)
				continue; /* sent again */
			hi = end;
			seen = 1;
			if ((int64_t)s->len >= full)
				continue;
			/* what x had heard acknowledged when it left: y's
			 * segments that reached it by then */
			int64_t t = s->t_us - t0 - off[x];
			uint32_t acked = s->seq;
			int known = 0;
			for (size_t k = 0; k < sg->n; k++) {
				const ts_cap_seg *q = &sg->v[k];
				if (dir_of(c, q) != y ||
				    !(q->flags & TS_CAP_ACK) ||
				    q->t_us - t0 - off[y] + d > t)
					continue;
				if (!known || (int32_t)(q->ack - acked) > 0)
					acked = q->ack;
				known = 1;
			}
			if (sml && !(s->flags & TS_CAP_FIN) &&
			    (int32_t)(sml_end - acked) > 0)
				nodelay[x] = 1;
			sml = 1;
			sml_end = end;
		}
	}
	const char *fd[2] = {"c", "s"};
	const char *host[2] = {"a", "b"};
	char tb[32];

	if (simul) {
		put_socket(&o, host[1], "s", maxseg[1], rcvbuf[1], nodelay[1],
			   B->port);
	} else if (!no_listener) {
		/* B: a listener unless the SYN met none (the accepted
		 * socket inherits its options) */
		put_socket(&o, host[1], "l", maxseg[1], rcvbuf[1], nodelay[1],
			   B->port);
		add(&o, 0, "b: listen(l, 128)");
		if (!listener_closed)
			add(&o, 0, "b: s = accept(l)");
	}
	put_socket(&o, host[0], "c", maxseg[0], rcvbuf[0], nodelay[0], A->port);
	add(&o, 0, "a: signal(SIGPIPE, SIG_IGN)");
	if (simul || (!no_listener && !listener_closed))
		add(&o, 0, "b: signal(SIGPIPE, SIG_IGN)");
	/* (the line stands for the first probe) */
	int ka_line = -1; /* a's SO_KEEPALIVE line */
	for (int x = 0; x < 2; x++)
		if (keepalive[x]) {
			o.frame = c->s[x].first_probe;
			if (x == 0)
				ka_line = (int)o.n;
			add(&o, x == 0 ? 0 : 1,
			    "%s: setsockopt(%s, SO_KEEPALIVE, 1)", host[x],
			    x == 0 ? "c" : "l");
			o.frame = 0;
		}

	/* each side's timestamp clock in the capture, against the run's:
	 * its first timestamp (not forged) and when it left */
	ts_basis tsc[2] = {{0, 0, 0}, {0, 0, 0}};
	for (size_t i = 0; i < sg->n; i++) {
		const ts_cap_seg *s = &sg->v[i];
		int x = dir_of(c, s);
		if (s->has_ts && !tsc[x].known && !forged[i]) {
			tsc[x].known = 1;
			tsc[x].val = s->tsval;
			/* the run's clock for host x (doc/model.md): the
			 * virtual time in ms plus (index + 1) * 10^6 */
			int64_t t = s->t_us - t0 - off[x];
			tsc[x].run = (uint32_t)((x + 1) * 1000000 +
						(t < 0 ? 0 : t / 1000));
		}
	}

	/* walk the segments */
	int syn_seen = 0, fin_done[2] = {0, 0}, rst_done[2] = {0, 0};
	uint32_t nxt[2] = {0, 0};
	int started[2] = {0, 0};
	int64_t last_t[2] = {0, 0};
	int64_t first_probe_t[2] = {-1, -1}, last_probe_t[2] = {-1, -1};
	/* when the prober last heard from its peer before its first probe:
	 * the idle time counts from there (Linux keepalive_time_elapsed) */
	int64_t heard_t[2] = {0, 0};
	int nprobes[2] = {0, 0};
	int syn_rexmit = 0;
	uint64_t pend[2] = {0, 0};
	int64_t pend_t[2] = {0, 0};
	int dropping[2] = {0, 0};
	int closed[2] = {0, 0}; /* its FIN was a close(): an orphan after */
	int win_known[2] = {0, 0};
	uint32_t last_win[2] = {0, 0}, last_ack[2] = {0, 0};
	writer wr[2] = {{-1, 0, 0}, {-1, 0, 0}};
	/* zero-window probes: when the window closed, the first run's times */
	int64_t zw_at[2] = {-1, -1}, zw_t[2][64];
	int nzw[2] = {0, 0}, zw_done[2] = {0, 0};
	/* the latest run of zero-window probes: its first and last */
	int64_t zw_first[2] = {-1, -1}, zw_last[2] = {-1, -1};
	size_t zw_last_i[2] = {0, 0};
	/* each side's first FIN: when it reached the peer, and its end */
	int64_t fin_at[2] = {-1, -1}, fin_sent_t[2] = {-1, -1};
	size_t first_probe_i[2] = {0, 0};
	int peer_gone[2] = {0, 0};
	uint32_t fin_end[2] = {0, 0};
	int more_written[2] = {0, 0};
	for (size_t i = 0; i < sg->n; i++) {
		const ts_cap_seg *s = &sg->v[i];
		int x = dir_of(c, s), y = !x;
		int64_t t = s->t_us - t0 - off[x];
		o.frame = s->frame;
		if (forged[i]) {
			/* (no stack sent it: nothing is inferred from it) */
			put_inject(&o, t, s, ts_clock(&tsc[x], s->tsval),
				   s->tsecr ? ts_clock(&tsc[y], s->tsecr) : 0,
				   host[x], host[y]);
			continue;
		}
		if ((s->flags & TS_CAP_ACK) &&
		    !(s->flags & (TS_CAP_SYN | TS_CAP_RST))) {
			/* a stalled reader's window opening: it read */
			if (stalled[x] && win_known[x] &&
			    s->ack == last_ack[x] && s->win > last_win[x])
				add(&o, t, "%s: read(%s, %" PRIu32 ")", host[x],
				    fd[x], (s->win - last_win[x]) << wshift[x]);
			win_known[x] = 1;
			last_win[x] = s->win;
			last_ack[x] = s->ack;
		}
		/* it reached y a link delay after it left x, unless the
		 * capture was taken at y */
		int64_t arrive = s->t_us - t0 + (where == y + 1 ? 0 : d);
		/* when y first heard x's window close */
		if ((s->flags & TS_CAP_ACK) && !s->win &&
		    !(s->flags & (TS_CAP_SYN | TS_CAP_RST)) && zw_at[y] < 0)
			zw_at[y] = arrive;
		uint32_t seqlen = s->len + !!(s->flags & TS_CAP_SYN) +
				  !!(s->flags & TS_CAP_FIN);
		/* the side gave up: from its first unanswered segment on,
		 * nothing it sent arrived */
		if (dropping[x] == 2 &&
		    !(s->frame >= drop_from[x] && s->frame <= last_run[x])) {
			/* it gave up; what it sends after arrives */
			add(&o, t - 1, "net: heal %s %s", host[x], host[y]);
			dropping[x] = 3;
		}
		if (drop_from[x] && s->frame == drop_from[x] && !dropping[x]) {
			add(&o, t - 1, "net: drop %s>%s all", host[x], host[y]);
			dropping[x] = 2;
		}
		if (s->flags & TS_CAP_RST) {
			const ts_xp_rst *r = NULL;
			for (int k = 0; k < c->nrst; k++)
				if (c->rst[k].frame == s->frame)
					r = &c->rst[k];
			if (!r || rst_done[x])
				continue;
			rst_done[x] = 1;
			us(tb, sizeof tb, t);
			if (r->arrived == 0)
				add(&o, t, "net: drop %s>%s 1 RST", host[x],
				    host[y]);
			const char *id = first_id(r);
			/* (the stack's answer to a forged segment: nothing
			 * happened to its application) */
			if (r->answers && forged_frame(sg, forged, r->answers))
				continue;
			if (r->answers) {
				int relisten =
				    !strcmp(id, "bad-ack") && c->s[x].passive;
				if ((!strcmp(id, "no-connection") ||
				     relisten) &&
				    started[x] && !c->s[x].abort_frame &&
				    !c->s[x].gave_up && !fin_done[x]) {
					/* the host lost the connection: a
					 * crash, and a reboot before the
					 * segment came */
					add(&o, last_t[x] + 1, "%s: crash",
					    host[x]);
					int64_t rb = last_t[x] + 2;
					for (size_t k = i; k-- > 0;)
						if (dir_of(c, &sg->v[k]) == y) {
							/* the segment it
							 * answers reached it
							 * just after */
							int64_t a2 =
							    sg->v[k].t_us - t0 +
							    (where == x + 1
								 ? 0
								 : d);
							if (a2 - 1 > rb)
								rb = a2 - 1;
							break;
						}
					add(&o, rb, "%s: reboot", host[x]);
					if (relisten) {
						add(&o, rb, "b: l = socket()");
						add(&o, rb, "b: bind(l, %u)",
						    B->port);
						add(&o, rb,
						    "b: listen(l, 128)");
					}
				}
				continue;
			}
			if (!strcmp(id, "linger-abort")) {
				add(&o, t,
				    "%s: setsockopt(%s, SO_LINGER, 1, 0)",
				    host[x], fd[x]);
				add(&o, t, "%s: close(%s)", host[x], fd[x]);
			} else if (!strcmp(id, "close-unread-data")) {
				add(&o, t, "%s: close(%s)", host[x], fd[x]);
			} else if (!strcmp(id, "listener-closed")) {
				add(&o, t, "b: close(l)");
			}
			continue;
		}
		if ((s->flags & TS_CAP_SYN) && !dropping[x]) {
			/* a SYN or SYN|ACK sent again before an answer (a
			 * forged copy included): this copy was lost, or the
			 * ACK that answered it (a forged segment answers
			 * nothing) */
			int heard = 0;
			for (size_t k = i + 1; k < sg->n; k++) {
				const ts_cap_seg *q = &sg->v[k];
				int qd = dir_of(c, q);
				if (forged[k] && qd == y)
					continue;
				if (qd == y && (q->flags & TS_CAP_ACK) &&
				    q->ack == s->seq + 1)
					heard = 1;
				if (qd == x && q->flags == s->flags &&
				    q->seq == s->seq) {
					drop_one(&o, c, sg, s, 0, t0 + off[x],
						 host[x], host[y]);
					break;
				}
				/* (a SYN|ACK's answer is an ACK: in a
				 * simultaneous open the peer's SYN|ACK
				 * answers the SYN) */
				if (qd == y && (q->flags & TS_CAP_ACK) &&
				    q->ack == s->seq + 1 &&
				    !((s->flags & TS_CAP_ACK) &&
				      (q->flags & TS_CAP_SYN))) {
					/* answered: was the answer lost? */
					for (size_t m = k + 1; m < sg->n; m++) {
						const ts_cap_seg *w = &sg->v[m];
						if (dir_of(c, w) == y)
							break;
						if (w->flags == s->flags &&
						    w->seq == s->seq) {
							drop_one(&o, c, sg, q,
								 t, t0 + off[y],
								 host[y],
								 host[x]);
							break;
						}
					}
					break;
				}
			}
			/* a simultaneous open's SYN that the peer, itself
			 * connecting, never acknowledged (no SYN|ACK, no
			 * RST), nor sent again: it never arrived */
			if (simul && !heard && !(s->flags & TS_CAP_ACK) &&
			    !sent_syn_again(c, sg, i))
				drop_one(&o, c, sg, s, 0, t0 + off[x], host[x],
					 host[y]);
		}
		if (s->flags & TS_CAP_SYN) {
			if (x == 0 && !(s->flags & TS_CAP_ACK)) {
				if (syn_seen)
					syn_rexmit++;
				else if (s->len) {
					/* data in the SYN: TCP Fast Open
					 * (RFC 7413; Linux
					 * tcp_sendmsg_fastopen) */
					add(&o, t,
					    "a: sendto(c, %" PRIu32
					    ", MSG_FASTOPEN, b:%u)",
					    s->len, B->port);
					if (tfo_taken && !unread[1] &&
					    !stalled[1])
						add(&o, arrive,
						    "b: read(s, %" PRIu32 ")",
						    s->len);
				} else
					add(&o, t, "a: connect(c, b:%u)",
					    B->port);
				syn_seen = 1;
			}
			if (x == 1 && !(s->flags & TS_CAP_ACK) && simul &&
			    !started[1])
				add(&o, t, "b: connect(s, a:%u)", A->port);
			if (!started[x]) {
				started[x] = 1;
				nxt[x] = s->seq + seqlen;
			}
			last_t[x] = t;
			continue;
		}
		if (!started[x]) {
			started[x] = 1;
			nxt[x] = s->seq;
		}
		int newdata = (int32_t)(s->seq + seqlen - nxt[x]) > 0;
		if (s->len == 0 && !(s->flags & TS_CAP_FIN) &&
		    s->seq == nxt[x] - 1 && win_known[y] && !last_win[y]) {
			/* a zero-window probe: data was waiting (Linux arms
			 * the probe timer only then, tcp_check_probe_timer),
			 * so what x sends once the window opens was written
			 * before: it joins the last write, which had a
			 * byte more than left at least */
			if (!wr[x].carry && !pend[x]) {
				wr[x].carry = 1;
				put_write(&o, &wr[x], t, host[x], fd[x], 1);
				more_written[x] = 1;
			}
			/* the first run of probes, until data goes */
			if (!zw_done[x] && nzw[x] < 64)
				zw_t[x][nzw[x]++] = t;
			if (zw_first[x] < 0)
				zw_first[x] = t;
			zw_last[x] = t;
			zw_last_i[x] = i;
		} else if (s->len == 0 && !(s->flags & TS_CAP_FIN) &&
			   s->seq == nxt[x] - 1) {
			/* a keepalive probe */
			if (first_probe_t[x] < 0) {
				first_probe_t[x] = t;
				first_probe_i[x] = i;
				heard_t[x] = last_t[y] + d;
			}
			last_probe_t[x] = t;
			nprobes[x]++;
		}
		if (newdata && s->len) {
			if (nzw[x])
				zw_done[x] = 1;
			zw_first[x] = -1;
			/* a write; the peer reads it on arrival unless it
			 * leaves it unread */
			/* retransmitted later: this copy was lost, or the ACK
			 * that answered it */
			const ts_cap_seg *acked;
			int ever;
			int gone =
			    unheard(c, sg, i, arrive, t0 + off[y], &ever);
			int64_t late = dropping[x] ? 0
						   : held_back(c, sg, i, arrive,
							       t0 + off[y]);
			if (!dropping[x] && c->s[x].rexmits &&
			    sent_again(c, sg, i, &acked))
				drop_lost(&o, c, sg, s, acked, t, t0 + off[y],
					  host[x], host[y]);
			else if (!dropping[x] && gone)
				add(&o, t, "net: drop %s>%s 1 DATA", host[x],
				    host[y]);
			else if (late > 0 && !sent_with(c, sg, i))
				/* (the line takes the next data segment x
				 * sends: none other leaves with it) */
				add(&o, t - 1,
				    "net: delay %s>%s %" PRId64 "us 1 DATA",
				    host[x], host[y], late);
			/* a write's segments: the last has PSH (Linux
			 * tcp_push at the end of sendmsg) */
			if (!pend[x])
				pend_t[x] = t;
			pend[x] += s->len;
			if (s->flags & (TS_CAP_PSH | TS_CAP_FIN)) {
				put_write(&o, &wr[x], pend_t[x], host[x], fd[x],
					  pend[x]);
				pend[x] = 0;
			}
			/* (none when no copy of it ever arrived: the read
			 * would wait for ever) */
			if (!unread[y] && !stalled[y] && !dropping[x] &&
			    (!gone || ever))
				add(&o, arrive, "%s: read(%s, %" PRIu32 ")",
				    host[y], fd[y], s->len);
		}
		/* a retransmission sent again, and a FIN sent again:
		 * likewise (every answer lost until the sender gave up); a
		 * retransmission never heard of */
		const ts_cap_seg *acked;
		int ever;
		if (((s->len && !newdata) ||
		     ((s->flags & TS_CAP_FIN) && !s->len)) &&
		    !dropping[x] && sent_again(c, sg, i, &acked))
			drop_lost(&o, c, sg, s, acked, t - 1, t0 + off[y],
				  host[x], host[y]);
		else if (s->len && !newdata && !dropping[x] &&
			 unheard(c, sg, i, arrive, t0 + off[y], &ever))
			add(&o, t - 1, "net: drop %s>%s 1 DATA", host[x],
			    host[y]);
		if ((s->flags & TS_CAP_FIN) && !fin_done[x]) {
			fin_done[x] = 1;
			fin_at[x] = arrive;
			fin_sent_t[x] = t;
			fin_end[x] = s->seq + s->len + 1;
			if (pend[x]) {
				put_write(&o, &wr[x], pend_t[x], host[x], fd[x],
					  pend[x]);
				pend[x] = 0;
			}
			/* shutdown when it goes on: data sent after, or
			 * data received and ACKed without an RST */
			int more = 0;
			for (size_t k = i + 1; k < sg->n; k++) {
				const ts_cap_seg *q = &sg->v[k];
				if (dir_of(c, q) == x && q->len &&
				    (int32_t)(q->seq - s->seq) > 0)
					more = 1;
			}
			int orphan_rst = 0;
			for (int k = 0; k < c->nrst; k++)
				if (c->rst[k].from == x && c->rst[k].answers &&
				    (!strcmp(first_id(&c->rst[k]),
					     "orphan-data") ||
				     !strcmp(first_id(&c->rst[k]),
					     "no-connection")))
					orphan_rst = 1;
			for (size_t k = i + 1; k < sg->n && !more; k++) {
				const ts_cap_seg *q = &sg->v[k];
				if (dir_of(c, q) == y && q->len)
					more = 1;
			}
			/* sent the moment the peer's FIN arrived, and ACKing
			 * it: the application closed on reading the end of
			 * the stream (a read waiting for it, then the close:
			 * one FIN|ACK, no ACK of its own before) */
			if (fin_done[y] && fin_at[y] == t && !unread[x] &&
			    !stalled[x] && (s->flags & TS_CAP_ACK) &&
			    s->ack == fin_end[y])
				add(&o, t, "%s: read(%s, 1)", host[x], fd[x]);
			/* its FIN answered the peer's, and the peer's ACK of
			 * it met no connection (the listener's RST,
			 * bad-ack): the socket was aborted in LAST_ACK, which
			 * sends nothing (SO_LINGER {1, 0} and close() after
			 * shutdown(); Linux tcp_disconnect: no RST from
			 * LAST_ACK, tcp_need_reset) */
			uint64_t gone_in_last_ack = 0;
			uint32_t end = s->seq + s->len + 1;
			for (int k = 0; k < c->nrst && fin_done[y]; k++) {
				const ts_xp_rst *r = &c->rst[k];
				if (r->from == x && r->has_trig &&
				    r->trig.ack == end &&
				    !strcmp(first_id(r), "bad-ack"))
					gone_in_last_ack = r->frame;
			}
			if (gone_in_last_ack) {
				add(&o, t,
				    "%s: setsockopt(%s, SO_LINGER, 1, 0)",
				    host[x], fd[x]);
				add(&o, t, "%s: shutdown(%s, SHUT_WR)", host[x],
				    fd[x]);
				/* (the close stands for the listener's RST it
				 * leads to) */
				o.frame = gone_in_last_ack;
				add(&o, t, "%s: close(%s)", host[x], fd[x]);
			} else if (more && !orphan_rst) {
				add(&o, t, "%s: shutdown(%s, SHUT_WR)", host[x],
				    fd[x]);
			} else {
				add(&o, t, "%s: close(%s)", host[x], fd[x]);
				closed[x] = 1;
			}
		}
		if (newdata)
			nxt[x] = s->seq + seqlen;
		last_t[x] = t;
	}

	/* the last data a side sent had no PSH: its write went on beyond
	 * what left (Linux tcp_push marks a write's last skb; the rest
	 * waited in the send buffer): a byte more than left */
	o.frame = 0;
	for (int x = 0; x < 2; x++)
		if (pend[x]) {
			put_write(&o, &wr[x], pend_t[x], host[x], fd[x],
				  pend[x] + !wr[x].carry);
			more_written[x] = 1;
		}
	/* keepalive probes that nothing answered, to the prober's RST: the
	 * peer was gone (explain's keepalive-timeout); the trace crashes it
	 * just before the first probe (a peer cut off by the network sends
	 * the same: nothing) */
	for (int x = 0; x < 2; x++) {
		if (!keepalive[x] || first_probe_t[x] < 0 || !abort_of[x] ||
		    strcmp(first_id(abort_of[x]), "keepalive-timeout"))
			continue;
		int answered = 0;
		for (size_t k = first_probe_i[x]; k < sg->n; k++)
			if (dir_of(c, &sg->v[k]) != x)
				answered = 1;
		if (!answered) {
			o.frame = sg->v[first_probe_i[x]].frame;
			add(&o, first_probe_t[x] - 1, "%s: crash", host[!x]);
			o.frame = 0;
			peer_gone[x] = 1;
		}
	}
	/* zero-window probes that stop, the window still closed, with
	 * nothing sent after them: the prober gave up silently, which
	 * answered probes never make it do but TCP_USER_TIMEOUT (Linux
	 * tcp_probe_timer: past it, counted from the first probe,
	 * tcp_write_err, no RST), or the capture stops there. The timeout
	 * written is the least that stops the next probe, set just before
	 * the first. */
	int user_timeout[2] = {0, 0};
	for (int x = 0; x < 2; x++) {
		int after = 0;
		for (size_t k = zw_last_i[x] + 1; k < sg->n; k++)
			if (dir_of(c, &sg->v[k]) == x ||
			    (sg->v[k].flags & (TS_CAP_RST | TS_CAP_FIN)) ||
			    sg->v[k].win)
				after = 1;
		if (zw_first[x] < 0 || after || fin_done[x] || rst_done[x] ||
		    c->timeout_side == x || forged[zw_last_i[x]])
			continue;
		user_timeout[x] = (int)((zw_last[x] - zw_first[x]) / 1000 + 1);
		o.frame = sg->v[zw_last_i[x]].frame;
		add(&o, zw_first[x] - 1,
		    "%s: setsockopt(%s, TCP_USER_TIMEOUT, %d)", host[x], fd[x],
		    user_timeout[x]);
		o.frame = 0;
	}
	/* a's keepalive timer started tcp_keepalive_time (whole seconds)
	 * before its first probe: when that is after the handshake, the
	 * application set SO_KEEPALIVE then (Linux sock_setsockopt ->
	 * tcp_set_keepalive arms the timer from that moment) */
	if (ka_line >= 0 && first_probe_t[0] >= 0) {
		int64_t idle =
		    (first_probe_t[0] - heard_t[0] + 500000) / 1000000;
		int64_t at = first_probe_t[0] - (idle < 1 ? 1 : idle) * 1000000;
		/* (not when the last segment heard explains the time, nor
		 * after a's FIN: its close) */
		if (at > heard_t[0] + 1000 &&
		    (!fin_done[0] || at < fin_sent_t[0]) &&
		    (size_t)ka_line < o.n)
			o.v[ka_line].t = at;
	}
	/* the run goes on to the last segment: a run with only keepalive
	 * timers left ends at its last line */
	if (sg->n && !dropping[0] && !dropping[1])
		add(&o, sg->v[sg->n - 1].t_us - t0 + d + 1, "net: heal");
	qsort(o.v, o.n, sizeof *o.v, by_time);
	/* Consecutive drops of one kind in one direction, with no segment
	 * of that kind leaving between them but the ones dropped, become
	 * one line that drops them all: the next ones to leave, whenever
	 * they do (a timer of the model a few milliseconds off Linux's,
	 * such as a SYN|ACK's retransmission, then still finds its
	 * segment dropped). */
	for (size_t i = 0; i < o.n; i++) {
		char xs[8], ys[8], kind[8];
		int cnt;
		if (sscanf(o.v[i].text, "net: drop %7[ab]>%7[ab] %d %7s", xs,
			   ys, &cnt, kind) != 4)
			continue;
		int x = xs[0] == 'b';
		for (size_t j = i + 1; j < o.n; j++) {
			char xs2[8], ys2[8], kind2[8];
			int cnt2;
			if (sscanf(o.v[j].text,
				   "net: drop %7[ab]>%7[ab] %d %7s", xs2, ys2,
				   &cnt2, kind2) != 4 ||
			    strcmp(xs, xs2) || strcmp(ys, ys2) ||
			    strcmp(kind, kind2))
				continue;
			/* the segments of that kind leaving x between */
			int between = 0;
			for (size_t k = 0; k < sg->n; k++) {
				const ts_cap_seg *q = &sg->v[k];
				int64_t tq = q->t_us - t0 - off[dir_of(c, q)];
				if (dir_of(c, q) == x && seg_of_kind(q, kind) &&
				    tq >= o.v[i].t && tq < o.v[j].t)
					between++;
			}
			if (between != cnt)
				break;
			cnt += cnt2;
			/* the line keeps its frame comment, if any */
			/* (" # #N": a frame number has at most 20 digits) */
			const char *rest = strchr(o.v[i].text, '#');
			char tail[32];
			snprintf(tail, sizeof tail, "%s%.29s", rest ? " " : "",
				 rest ? rest : "");
			snprintf(o.v[i].text, sizeof o.v[i].text,
				 "net: drop %s>%s %d %s%s", xs, ys, cnt, kind,
				 tail);
			memmove(&o.v[j], &o.v[j + 1],
				(o.n - j - 1) * sizeof *o.v);
			o.n--;
			j--;
		}
	}

	/* the header: what was inferred, what assumed */
	fprintf(f,
		"# Made by tcpsim pcap2trace from %s, connection %" PRIu32
		" (frames #%" PRIu64 "..#%" PRIu64 ").\n",
		path, c->id, c->first_frame, c->last_frame);
	fputs("# Inferred: the hosts, their addresses and ports; the link "
	      "delay (half\n# the handshake's round trip);",
	      f);
	fputs(" the calls, at the times their segments\n# left", f);
	fprintf(f, " (%s); each RST's rule",
		where == 1   ? "the capture was taken next to a"
		: where == 2 ? "the capture was taken next to b"
			     : "each segment stamped as it left its host");
	fputs(" (tcpsim explain);\n# segments that never arrived "
	      "(net: drop); knobs the timing shows; an MSS\n# below 1460 "
	      "offered in a SYN (TCP_MAXSEG).\n",
	      f);
	fputs("# Assumed: each side reads data as it arrives, unless it "
	      "reset the\n# connection with data unread; SIGPIPE ignored; "
	      "Linux defaults elsewhere\n# (buffers, timers)",
	      f);
	if (big_mss)
		fprintf(f,
			";\n# an MSS of 1460 (tcpsim's links have a 1500-byte "
			"MTU) where a SYN\n# offered %d (a loopback or "
			"jumbo-frame link)",
			big_mss);
	if (tfo_len)
		fprintf(f,
			";\n# a's SYN carried %" PRIu32
			" bytes: TCP Fast Open, "
			"sent without a cookie\n# (a capture shows no earlier "
			"connection's)%s",
			tfo_len,
			tfo_taken ? ", taken by b without one"
				  : ", which b "
				    "did not "
				    "take");
	/* what was inferred of each side's application and buffers */
	for (int x = 0; x < 2; x++) {
		if (peer_gone[x])
			fprintf(
			    f,
			    ";\n# %s's keepalive probes went unanswered: %s "
			    "crashed before the first\n# (or the network "
			    "cut it off: the capture shows the same)",
			    host[x], host[!x]);
		if (user_timeout[x])
			fprintf(
			    f,
			    ";\n# %s's zero-window probes stop, the window "
			    "still closed: it gave\n# up by TCP_USER_TIMEOUT "
			    "(%d ms, the least that stops the next probe),\n# "
			    "or the capture stops there",
			    host[x], user_timeout[x]);
		if (nodelay[x])
			fprintf(f,
				";\n# %s set TCP_NODELAY: a short segment left "
				"while an earlier short\n# one was "
				"unacknowledged, which Nagle's algorithm holds "
				"back",
				host[x]);
		if (rcvbuf[x])
			fprintf(f,
				";\n# %s set SO_RCVBUF %d: its SYN offered a "
				"window of %d with scale\n# %d (Linux's "
				"defaults give 10); the least buffer that does",
				host[x], rcvbuf[x], syn_win[x], syn_ws[x]);
		if (stalled[x])
			fprintf(f,
				";\n# %s's window closed: it read only when "
				"its window opened again, as\n# much as it "
				"opened",
				host[x]);
		if (more_written[x])
			fprintf(f,
				";\n# %s wrote a byte more than it sent (its "
				"last data has no PSH: the\n# rest never left "
				"the send buffer)",
				host[x]);
	}
	if (same_addr)
		fputs(";\n# b's address is a's + 1 (both ends had the same "
		      "address in the\n# capture)",
		      f);
	if (c->mid)
		fputs(";\n# the capture starts in the middle of the "
		      "connection: the trace opens it\n# with a handshake "
		      "the capture does not show",
		      f);
	/* the segments the fit (fit_forged) found no stack to send */
	int col = 0;
	for (size_t i = 0; i < sg->n; i++) {
		if (!forged[i])
			continue;
		if (!col) {
			fputs(";\n# segments that neither stack sends in a run "
			      "of this trace, written as\n# forged (net: "
			      "inject):",
			      f);
			col = 23;
		} else if (col > 64) {
			fputs(",\n#", f);
			col = 1;
		}
		col += fprintf(f, "%s #%" PRIu64, col > 23 ? "," : "",
			       sg->v[i].frame);
	}
	if (col && nostack >= 0)
		fprintf(f,
			"\n# (all that %s sent: %s has no stack here; a test "
			"tool such as\n# packetdrill sends so)",
			host[nostack], host[nostack]);
	else if (col)
		fputs("\n# (a capture cannot tell a forged segment from a "
		      "copy the network made\n# or one sent by what it did "
		      "not see)",
		      f);
	fputs(".\n# A line's \"# #N\" is the frame of the capture it stands "
	      "for.\n",
	      f);
	for (int i = 0; i < c->nrst; i++)
		fprintf(f, "# RST #%" PRIu64 " from %s: %s\n", c->rst[i].frame,
			host[c->rst[i].from], first_id(&c->rst[i]));
	fputs("host a ", f);
	put_addr(f, A->addr);
	fputs(nostack == 0 ? " nostack\nhost b " : "\nhost b ", f);
	put_addr(f, baddr);
	fprintf(f, "%s\nlink a b delay %" PRId64 "us\n",
		nostack == 1 ? " nostack" : "", d);
	if (nostack != 0)
		fprintf(f, "set a isn %" PRIu32 "\n", A->isn);
	if (B->started && nostack != 1)
		fprintf(f, "set b isn %" PRIu32 "\n", B->isn);
	if (tfo_len && nostack != 0)
		fputs("set a tcp_fastopen 5\n", f);
	if (tfo_taken && nostack != 1)
		fputs("set b tcp_fastopen 1538\n", f);
	if (syn_rexmit && c->timeout_side == 0 && !c->s[1].started &&
	    nostack != 0) {
		/* connect() gave up. Linux tcp_write_timeout: when the time
		 * since the first SYN passes tcp_model_timeout(n, 1 s), the
		 * RTOs doubling from 1 s; the first tcp_syn_linear_timeouts
		 * RTOs do not double (tcp_retransmit_timer). The gaps give
		 * both: n is the least whose time is past the last SYN. */
		int64_t ts[64];
		int nts = 0;
		for (size_t i = 0; i < sg->n && nts < 64; i++)
			if (dir_of(c, &sg->v[i]) == 0 &&
			    (sg->v[i].flags & TS_CAP_SYN))
				ts[nts++] = sg->v[i].t_us;
		int r = nts - 1, lin = 0;
		int64_t g0 = r ? ts[1] - ts[0] : 1000000;
		while (lin + 1 < r && ts[lin + 2] - ts[lin + 1] <= g0 + g0 / 10)
			lin++;
		int64_t e = ts[nts - 1] - ts[0];
		int n = 1;
		while (n < 127 && ((int64_t)1000000 << (n + 1)) - 1000000 <= e)
			n++;
		fprintf(f, "set a tcp_syn_retries %d\n", n);
		if (lin != 4)
			fprintf(f, "set a tcp_syn_linear_timeouts %d\n", lin);
	}
	for (int x = 0; x < 2; x++) {
		if (x == nostack)
			continue;
		/* Linux tcp_send_probe0: the probe timer's backoff grows up
		 * to tcp_retries2 doublings of the RTO (the first probe
		 * comes an RTO after the window closed); the gaps show it
		 * when they stop doubling short of TCP_RTO_MAX */
		int64_t prev =
		    nzw[x] && zw_at[x] >= 0 ? zw_t[x][0] - zw_at[x] : -1;
		for (int k = 1; prev > 0 && k < nzw[x] && c->timeout_side != x;
		     k++) {
			int64_t gap = zw_t[x][k] - zw_t[x][k - 1];
			if (2 * gap < 3 * prev && prev < 100000000) {
				fprintf(f, "set %s tcp_retries2 %d\n", host[x],
					k - 1);
				break;
			}
			prev = gap;
		}
		if (c->timeout_side == x && c->s[x].rexmits &&
		    !(x == 0 && !c->s[1].started)) {
			/* the retransmissions of the run (a segment whose end
			 * x had sent before); the first is a tail loss probe
			 * (RFC 8985 §7) when it resends the tail, not the
			 * oldest byte, or when the gap before it is not half
			 * the next (an RTO doubles, Linux
			 * tcp_retransmit_timer) */
			int64_t orig = -1, rt[2] = {-1, -1}, last = -1;
			int nr = 0, head0 = 0;
			uint32_t hi = 0, low = 0;
			int seen = 0;
			for (size_t i = 0; i < sg->n; i++) {
				const ts_cap_seg *q = &sg->v[i];
				if (dir_of(c, q) != x)
					continue;
				uint32_t end =
				    q->seq + q->len +
				    !!(q->flags & (TS_CAP_SYN | TS_CAP_FIN));
				int again = seen && end != q->seq &&
					    (int32_t)(end - hi) <= 0;
				if (!seen || (int32_t)(end - hi) > 0)
					hi = end;
				seen = 1;
				if (q->frame < drop_from[x] ||
				    q->frame > last_run[x])
					continue;
				if (orig < 0) {
					orig = q->t_us;
					low = q->seq;
				}
				if (!again)
					continue;
				if (nr < 2) {
					if (!nr)
						head0 = q->seq == low;
					rt[nr] = q->t_us;
				}
				nr++;
				last = q->t_us;
			}
			int64_t first = nr ? rt[0] : last;
			if (nr > 1 && (!head0 || 2 * (rt[0] - orig) >
						     (rt[1] - rt[0]) * 3 / 2))
				first = rt[1];
			/* Linux retransmits_timed_out(): the budget is the time
			 * tcp_model_timeout() gives, counted from the first
			 * retransmission by the RTO (retrans_stamp); the
			 * smallest tcp_retries2 whose budget the last
			 * retransmission was still inside */
			uint32_t n = 0;
			while (n < 255 && model_timeout_us(n) <= last - first)
				n++;
			/* a side that had closed: an orphan, whose budget is
			 * tcp_orphan_retries (Linux tcp_write_timeout,
			 * SOCK_DEAD; n is at least 1: 0 would mean 8,
			 * tcp_orphan_retries) */
			fprintf(f, "set %s %s %" PRIu32 "\n", host[x],
				closed[x] ? "tcp_orphan_retries"
					  : "tcp_retries2",
				n);
		}
		if (keepalive[x] && first_probe_t[x] >= 0) {
			/* whole seconds, the knobs' unit, to the nearest */
			int64_t idle =
			    (first_probe_t[x] - heard_t[x] + 500000) / 1000000;
			int64_t intvl =
			    nprobes[x] > 1
				? ((last_probe_t[x] - first_probe_t[x]) /
				       (nprobes[x] - 1) +
				   500000) /
				      1000000
				: 1;
			fprintf(f, "set %s tcp_keepalive_time %" PRId64 "\n",
				host[x], idle < 1 ? 1 : idle);
			fprintf(f, "set %s tcp_keepalive_intvl %" PRId64 "\n",
				host[x], intvl < 1 ? 1 : intvl);
			fprintf(f, "set %s tcp_keepalive_probes %d\n", host[x],
				nprobes[x] ? nprobes[x] : 1);
		}
	}
	fputc('\n', f);
	for (size_t i = 0; i < o.n; i++) {
		/* (a side without a stack makes no call, the network does
		 * nothing to what is forged for it, and what reaches it
		 * changes nothing) */
		const char *l = o.v[i].text;
		if (nostack >= 0 &&
		    ((l[0] == host[nostack][0] && l[1] == ':') ||
		     (!strncmp(l, "net: drop ", 10) &&
		      (l[10] == host[nostack][0] ||
		       l[12] == host[nostack][0])) ||
		     (!strncmp(l, "net: heal ", 10) &&
		      l[10] == host[nostack][0])))
			continue;
		us(tb, sizeof tb, o.v[i].t);
		fprintf(f, "%-12s %s\n", tb, o.v[i].text);
	}
	free(o.v);
}

/* The trace of connection C when it is a socket's connection to itself
 * (its two ends are one address and port): one host whose socket, bound
 * to the port, connects to it (RFC 9293 §3.5: a simultaneous open with
 * itself; Linux tcp_v4_connect allows it), a write up to each PSH and a
 * read of each segment's data as it arrives, which is at once, and a
 * close() at the FIN. */
static void write_self_trace(FILE *f, const char *path, const ts_xp_conn *c,
			     const segs *sg)
{
	out o = {0};
	const ts_xp_side *A = &c->s[0];
	int64_t t0 = c->t0;
	int mss = -1, syn = 0, fin = 0, started = 0;
	uint32_t nxt = 0;
	uint64_t pend = 0;
	int64_t pend_t = 0;
	size_t first = 0;
	add(&o, 0, "a: c = socket()");
	for (size_t i = 0; i < sg->n; i++)
		if ((sg->v[i].flags & TS_CAP_SYN) && mss < 0)
			mss = sg->v[i].mss;
	if (mss >= 88 && mss < ETH_MSS)
		add(&o, 0, "a: setsockopt(c, TCP_MAXSEG, %d)", mss);
	add(&o, 0, "a: bind(c, %u)", A->port);
	add(&o, 0, "a: signal(SIGPIPE, SIG_IGN)");
	for (size_t i = 0; i < sg->n; i++) {
		const ts_cap_seg *s = &sg->v[i];
		int64_t t = s->t_us - t0;
		o.frame = s->frame;
		if ((s->flags & TS_CAP_SYN) && !(s->flags & TS_CAP_ACK) &&
		    !syn) {
			syn = 1;
			add(&o, t, "a: connect(c, a:%u)", A->port);
		}
		if (s->flags & TS_CAP_SYN) {
			if (!started)
				nxt = s->seq + 1;
			started = 1;
			continue;
		}
		if (!started) {
			nxt = s->seq;
			started = 1;
		}
		if (s->len && (int32_t)(s->seq + s->len - nxt) > 0) {
			if (!pend) {
				pend_t = t;
				first = i;
			}
			pend += s->len;
			nxt = s->seq + s->len;
			if (!(s->flags & (TS_CAP_PSH | TS_CAP_FIN)))
				continue;
			/* the write, then a read of each of its segments
			 * (which arrive as they leave) */
			o.frame = sg->v[first].frame;
			add(&o, pend_t, "a: write(c, %" PRIu64 ")", pend);
			pend = 0;
			for (size_t k = first; k <= i; k++)
				if (sg->v[k].len) {
					o.frame = sg->v[k].frame;
					add(&o, sg->v[k].t_us - t0,
					    "a: read(c, %" PRIu32 ")",
					    sg->v[k].len);
				}
			o.frame = s->frame;
		}
		if ((s->flags & TS_CAP_FIN) && !fin) {
			fin = 1;
			add(&o, t, "a: close(c)");
		}
	}
	o.frame = 0;
	if (pend)
		add(&o, pend_t, "a: write(c, %" PRIu64 ")", pend + 1);
	qsort(o.v, o.n, sizeof *o.v, by_time);
	fprintf(f,
		"# Made by tcpsim pcap2trace from %s, connection %" PRIu32
		" (frames #%" PRIu64 "..#%" PRIu64 ").\n",
		path, c->id, c->first_frame, c->last_frame);
	fputs("# Inferred: a socket's connection to itself (both ends are "
	      "one address\n# and port): the host, its address and port; "
	      "the calls, at the times\n# their segments left.\n"
	      "# Assumed: the socket reads data as it arrives; SIGPIPE "
	      "ignored; Linux\n# defaults elsewhere (buffers, timers)",
	      f);
	if (mss > ETH_MSS)
		fprintf(f,
			";\n# an MSS of 1460 (tcpsim's links have a 1500-byte "
			"MTU) where the SYN\n# offered %d (a loopback or "
			"jumbo-frame link)",
			mss);
	fputs(".\n# A line's \"# #N\" is the frame of the capture it stands "
	      "for.\nhost a ",
	      f);
	put_addr(f, A->addr);
	fprintf(f, "\nset a isn %" PRIu32 "\n\n", A->isn);
	char tb[32];
	for (size_t i = 0; i < o.n; i++) {
		us(tb, sizeof tb, o.v[i].t);
		fprintf(f, "%-12s %s\n", tb, o.v[i].text);
	}
	free(o.v);
}

/* Whether connection C is a socket's connection to itself. */
static int self_connect(const ts_xp_conn *c)
{
	return c->s[0].addr == c->s[1].addr && c->s[0].port == c->s[1].port;
}

/* A run of a trace against the capture: how many of the connection's
 * segments, in order, the run sent alike (direction, flags, payload
 * length), and whether it sent others. */
typedef struct match {
	const ts_xp_conn *c;
	const segs *sg;
	uint32_t baddr;
	size_t same;
	int differs; /* the run sent another segment where the capture
		      * has its segment SAME (or has no more) */
	int other;   /* that segment's direction */
} match;

static void match_event(void *ctx, const tcpsim_event *ev)
{
	match *m = ctx;
	const tcpsim_segment *g = &ev->u.seg.seg;
	const ts_xp_side *A = &m->c->s[0], *B = &m->c->s[1];
	int dir;
	if (g->saddr == A->addr && g->sport == A->port &&
	    g->daddr == m->baddr && g->dport == B->port)
		dir = 0;
	else if (g->saddr == m->baddr && g->sport == B->port &&
		 g->daddr == A->addr && g->dport == A->port)
		dir = 1;
	else
		return;
	if (m->differs)
		return;
	const ts_cap_seg *q = m->same < m->sg->n ? &m->sg->v[m->same] : NULL;
	if (q && dir_of(m->c, q) == dir && q->len == g->len &&
	    (q->flags & 0x3f) == (g->flags & 0x3f)) {
		m->same++;
	} else {
		m->differs = 1;
		m->other = dir;
	}
}

/* Write the trace with the guess G and run it: the segments it sends alike,
 * SG->n + 1 when it sends exactly the capture's. *OTHER: the direction of
 * the segment the run sent where the capture has another, -1 when the run
 * sent none there, -2 when the run failed (a limit, a line it could not
 * carry out), -3 when the trace is not one (a call on a socket its
 * inference never made). */
static size_t run_alike(const char *path, const ts_xp_conn *c, const segs *sg,
			const guess *g, int *other)
{
	*other = -1;
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	if (!m)
		return 0;
	write_trace(m, path, c, sg, g);
	if (fclose(m) != 0) {
		free(text);
		return 0;
	}
	match mt = {
	    c,
	    sg,
	    c->s[0].addr == c->s[1].addr ? c->s[0].addr + 1 : c->s[1].addr,
	    0,
	    0,
	    -1};
	tcpsim_options o;
	tcpsim_options_init(&o);
	/* (a run that needs more says the trace is not the capture's: a
	 * hostile capture costs two runs at most) */
	o.max_events = 1000000 + 64 * (uint64_t)sg->n;
	o.event = match_event;
	o.event_ctx = &mt;
	o.event_mask = TCPSIM_EV_BIT(TCPSIM_EV_SEND) |
		       TCPSIM_EV_BIT(TCPSIM_EV_INJECT) |
		       TCPSIM_EV_BIT(TCPSIM_EV_REPLAY);
	tcpsim_error err;
	tcpsim_sim *sim = tcpsim_load("pcap2trace", text, len, &o, &err);
	free(text);
	if (!sim) {
		*other = -3;
		return 0;
	}
	int st = tcpsim_run(sim, &err);
	tcpsim_free(sim);
	if (st == TCPSIM_ERROR) {
		*other = -2;
		return 0;
	}
	if (mt.differs)
		*other = mt.other;
	return !mt.differs && mt.same == sg->n ? sg->n + 1 : mt.same;
}

/* At most this many segments are tried as forged. */
#define MAX_FORGED 64

/* A segment neither stack sends (RFC 9293 §3.10.7 has every stack answer
 * what it receives; a forged RST, a replayed old segment, a copy the
 * network made come from none of them) is found by running the trace:
 * where the run first differs from the capture, the capture's segment
 * is taken as forged if the run then goes further alike. When that does
 * not give the capture because the run has one side's stack send, amid
 * the capture's segments, what the capture shows it never sent (no stack
 * would keep quiet there), that side may have had no stack at all (a test
 * tool sent its segments): all it sent is forged. G keeps the guess that
 * makes the run send exactly the capture's segments; otherwise none: a
 * guess that does not reproduce the capture is not written. */
static void fit_forged(const char *path, const ts_xp_conn *c, const segs *sg,
		       guess *g)
{
	int other, last = -1;
	size_t at = run_alike(path, c, sg, g, &other);
	if (at > sg->n || other == -2)
		return;
	/* (a trace that is not one: either side may have had no stack) */
	int invalid = other == -3;
	for (int k = 0; k < MAX_FORGED && at < sg->n; k++) {
		last = other;
		if (g->forged[at] || !forgeable(&sg->v[at]))
			break;
		g->forged[at] = 1;
		size_t next = run_alike(path, c, sg, g, &other);
		if (next > sg->n)
			return;
		if (next <= at)
			break;
		at = next;
		last = other;
	}
	for (int x = 0; x < 2 && at < sg->n; x++) {
		if (x != last && !invalid)
			continue;
		int all = 1, some = 0;
		for (size_t i = 0; i < sg->n; i++) {
			int mine = dir_of(c, &sg->v[i]) == x;
			g->forged[i] = (unsigned char)mine;
			some |= mine;
			if (mine && !forgeable(&sg->v[i]))
				all = 0;
		}
		g->nostack = x;
		if (all && some && run_alike(path, c, sg, g, &other) > sg->n)
			return;
	}
	memset(g->forged, 0, sg->n);
	g->nostack = -1;
}

static void usage(FILE *f)
{
	fputs("usage: tcpsim pcap2trace [--conn N] [--segments] FILE\n"
	      "Write a trace that reproduces connection N (default 1) of a\n"
	      "capture: hosts, link delay, calls, faults and knobs, with what\n"
	      "was inferred and what assumed in a comment at its top.\n"
	      "FILE '-' is standard input.\n"
	      "\n"
	      "  --conn N     the connection, numbered as tcpsim explain does\n"
	      "  --segments   list the connection's segments instead, one a\n"
	      "               line: A>B FLAGS LEN\n",
	      f);
}

/* The whole file in memory: the capture is read twice. */
static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	uint8_t *b = malloc(cap);
	while (b) {
		if (n == cap) {
			uint8_t *nb = cap < ((size_t)1 << 40)
					  ? realloc(b, cap * 2)
					  : NULL;
			if (!nb) {
				free(b);
				b = NULL;
				break;
			}
			b = nb;
			cap *= 2;
		}
		size_t r = fread(b + n, 1, cap - n, f);
		if (r == 0)
			break;
		n += r;
	}
	if (f != stdin)
		fclose(f);
	*len = n;
	return b;
}

int ts_pcap2trace(const uint8_t *data, size_t len, const char *name,
		  uint32_t want, int list, FILE *f, char *err, size_t errlen)
{
	ts_cap *cap = ts_cap_open_mem(data, len, err, errlen);
	if (!cap)
		return -2;
	pick *p = calloc(1, sizeof *p);
	if (!p) {
		ts_cap_close(cap);
		snprintf(err, errlen, "out of memory");
		return -2;
	}
	p->want = want;
	ts_xp *x = ts_xp_new(NULL, 0, keep, p);
	ts_cap_seg s;
	int r = 0;
	while (x && (r = ts_cap_next(cap, &s, err, errlen)) == 1)
		ts_xp_segment(x, &s);
	if (x)
		ts_xp_finish(x, NULL, NULL);
	ts_xp_free(x);
	ts_cap_close(cap);
	if (!p->found) {
		free(p);
		return r < 0 ? -1 : 1;
	}
	/* again, for the connection's segments */
	segs sg = {0};
	cap = ts_cap_open_mem(data, len, err, errlen);
	while (cap && ts_cap_next(cap, &s, err, errlen) == 1) {
		if (s.frame < p->c.first_frame || s.frame > p->c.last_frame)
			continue;
		int a = s.saddr == p->c.s[0].addr &&
			s.sport == p->c.s[0].port &&
			s.daddr == p->c.s[1].addr && s.dport == p->c.s[1].port;
		int b = s.saddr == p->c.s[1].addr &&
			s.sport == p->c.s[1].port &&
			s.daddr == p->c.s[0].addr && s.dport == p->c.s[0].port;
		if ((a || b) && seg_push(&sg, &s) < 0)
			break;
	}
	ts_cap_close(cap);
	guess g = {NULL, -1};
	if (list)
		list_segments(f, &p->c, &sg);
	else if (self_connect(&p->c))
		write_self_trace(f, name, &p->c, &sg);
	else if (!(g.forged = calloc(sg.n + 1, 1))) {
		snprintf(err, errlen, "out of memory");
		r = -2;
	} else {
		fit_forged(name, &p->c, &sg, &g);
		write_trace(f, name, &p->c, &sg, &g);
	}
	free(g.forged);
	free(sg.v);
	free(p);
	return r == -2 ? -2 : r < 0 ? -1 : 0;
}

int ts_pcap2trace_main(int argc, char **argv)
{
	uint32_t want = 1;
	int list = 0;
	const char *path = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--conn") && i + 1 < argc) {
			char *end;
			unsigned long v = strtoul(argv[++i], &end, 10);
			if (*end || v < 1 || v > 0xffffffffu) {
				fprintf(stderr,
					"tcpsim pcap2trace: --conn takes "
					"a connection number from 1\n");
				return 2;
			}
			want = (uint32_t)v;
		} else if (!strcmp(argv[i], "--segments"))
			list = 1;
		else if (!strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr,
				"tcpsim pcap2trace: unknown option %s\n",
				argv[i]);
			usage(stderr);
			return 2;
		} else if (path) {
			fprintf(stderr, "tcpsim pcap2trace: one capture\n");
			return 2;
		} else
			path = argv[i];
	}
	if (!path) {
		usage(stderr);
		return 2;
	}
	size_t len = 0;
	uint8_t *data = slurp(path, &len);
	if (!data) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return 2;
	}
	char err[512];
	int st =
	    ts_pcap2trace(data, len, path, want, list, stdout, err, sizeof err);
	free(data);
	if (st == 1)
		fprintf(stderr, "%s: no connection %" PRIu32 "\n", path, want);
	else if (st < 0)
		fprintf(stderr, "%s: %s%s\n", path, err,
			st == -1 ? " (the trace above is made from the frames "
				   "before it)"
				 : "");
	if (fflush(stdout) != 0)
		return 2;
	return st ? 2 : 0;
}
