/*
 * run.c - a trace on the kernel: the schedule of its lines in real time,
 * the relay that is its network, and what is observed, as events.
 *
 * The relay reads every packet a host's stack sends from that host's TUN
 * device and writes it to the TUN device of the host with its destination
 * address after the link's delay, applying the trace's net: rules as the
 * model's network does (net.c): the first drop rule of the direction that
 * matches wins, dup and delay rules combine; replay and inject send a
 * copy or a forged packet outside (replay) or through (inject) the rules.
 * A packet for an address no host has is dropped: nothing leaves.
 *
 * What the report shows comes from what is observed: the calls' results
 * and errnos from the host's process, segments from the relay, states from
 * sock_diag (every TCP socket of the namespace, with or without a
 * descriptor), polled after every call and every delivery and every 10 ms.
 * Why an RST was sent, timers and drops inside a stack are not observable
 * and are not reported. Sequence numbers, timestamps and ephemeral ports
 * are shown as the model would number them: the kernel's random initial
 * sequence numbers, timestamp offsets and ports are mapped to the trace's
 * isn, the model's timestamp clock and the model's port series.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kernel/krun.h"

#define PKT_MAX      2048
#define POLL_US      50000 /* sock_diag of every host every 50 ms */
#define DIAG_COST_US 2000  /* a dump walks the machine's whole TCP hash */
#define BLOCK_US     1000  /* a call that took longer blocked */
#define MAX_WAIT_US  50000 /* at most this for a call to answer or block */
#define END_GRACE_US 300000

/* ---- packets ---- */

static uint16_t get16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}
static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}
static void put16(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}
static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* An IPv4 packet carrying TCP into SEG (the kernel's numbers); 0, or -1
 * when it is not one. */
int kr_parse(const unsigned char *p, size_t n, tcpsim_segment *s)
{
	memset(s, 0, sizeof *s);
	if (n < 20 || (p[0] >> 4) != 4 || p[9] != IPPROTO_TCP)
		return -1;
	size_t ihl = (size_t)(p[0] & 15) * 4, tot = get16(p + 2);
	if (ihl < 20 || tot > n || tot < ihl + 20)
		return -1;
	s->saddr = get32(p + 12);
	s->daddr = get32(p + 16);
	const unsigned char *t = p + ihl;
	size_t doff = (size_t)(t[12] >> 4) * 4;
	if (doff < 20 || ihl + doff > tot)
		return -1;
	s->sport = get16(t);
	s->dport = get16(t + 2);
	s->seq = get32(t + 4);
	s->ack = get32(t + 8);
	s->flags = t[13] & 0x1f;
	s->win = get16(t + 14);
	s->len = (uint32_t)(tot - ihl - doff);
	for (size_t i = 20; i < doff;) {
		unsigned kind = t[i];
		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		if (i + 1 >= doff || t[i + 1] < 2 || i + t[i + 1] > doff)
			break;
		unsigned len = t[i + 1];
		const unsigned char *o = t + i + 2;
		switch (kind) {
		case 2:
			if (len == 4)
				s->mss = get16(o);
			break;
		case 3:
			if (len == 3) {
				s->wscale_ok = 1;
				s->wscale = o[0];
			}
			break;
		case 4:
			s->sack_ok = 1;
			break;
		case 5:
			for (unsigned k = 0;
			     k + 8 <= len - 2 && s->nsack < TCPSIM_MAX_SACK;
			     k += 8) {
				s->sack[s->nsack][0] = get32(o + k);
				s->sack[s->nsack][1] = get32(o + k + 4);
				s->nsack++;
			}
			break;
		case 8:
			if (len == 10) {
				s->ts = 1;
				s->tsval = get32(o);
				s->tsecr = get32(o + 4);
			}
			break;
		case TCPSIM_FO:
		case TCPSIM_FO_EXP: {
			const unsigned char *ck = o;
			unsigned cl = len - 2;
			if (kind == TCPSIM_FO_EXP) {
				if (cl < 2 || get16(o) != 0xF989)
					break;
				ck += 2;
				cl -= 2;
			}
			if (cl > TCPSIM_FO_COOKIE_MAX)
				break;
			s->fo = (uint8_t)kind;
			s->fo_len = (uint8_t)cl;
			memcpy(s->fo_cookie, ck, cl);
			break;
		}
		default:
			break;
		}
		i += len;
	}
	return 0;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}
static uint32_t csum_add(uint32_t sum, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += get16(p + i);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

/* SEG (the kernel's numbers) as an IPv4 packet into BUF, with its
 * options and checksums: its length. */
size_t kr_build(const tcpsim_segment *s, unsigned char *buf, size_t cap)
{
	unsigned char opt[60];
	size_t ol = 0;
	if (s->mss) {
		opt[ol++] = 2;
		opt[ol++] = 4;
		put16(opt + ol, s->mss);
		ol += 2;
	}
	if (s->sack_ok && s->ts) {
		opt[ol++] = 4;
		opt[ol++] = 2;
	} else if (s->sack_ok) {
		opt[ol++] = 1;
		opt[ol++] = 1;
		opt[ol++] = 4;
		opt[ol++] = 2;
	} else if (s->ts) {
		opt[ol++] = 1;
		opt[ol++] = 1;
	}
	if (s->ts) {
		opt[ol++] = 8;
		opt[ol++] = 10;
		put32(opt + ol, s->tsval);
		put32(opt + ol + 4, s->tsecr);
		ol += 8;
	}
	if (s->wscale_ok) {
		opt[ol++] = 1;
		opt[ol++] = 3;
		opt[ol++] = 3;
		opt[ol++] = s->wscale;
	}
	if (s->nsack) {
		opt[ol++] = 1;
		opt[ol++] = 1;
		opt[ol++] = 5;
		opt[ol++] = (unsigned char)(2 + 8 * s->nsack);
		for (int i = 0; i < s->nsack; i++) {
			put32(opt + ol, s->sack[i][0]);
			put32(opt + ol + 4, s->sack[i][1]);
			ol += 8;
		}
	}
	if (s->fo && ol + 4 + s->fo_len <= 40) {
		size_t at = ol;
		opt[ol++] = s->fo;
		opt[ol++] = 0;
		if (s->fo == TCPSIM_FO_EXP) {
			put16(opt + ol, 0xF989);
			ol += 2;
		}
		memcpy(opt + ol, s->fo_cookie, s->fo_len);
		ol += s->fo_len;
		opt[at + 1] = (unsigned char)(ol - at);
	}
	while (ol % 4)
		opt[ol++] = 1;
	size_t tot = 20 + 20 + ol + s->len;
	if (tot > cap || ol > 40)
		return 0;
	memset(buf, 0, tot);
	buf[0] = 0x45;
	put16(buf + 2, (uint32_t)tot);
	buf[6] = 0x40; /* DF */
	buf[8] = 64;
	buf[9] = IPPROTO_TCP;
	put32(buf + 12, s->saddr);
	put32(buf + 16, s->daddr);
	put16(buf + 10, csum_fold(csum_add(0, buf, 20)));
	unsigned char *t = buf + 20;
	put16(t, s->sport);
	put16(t + 2, s->dport);
	put32(t + 4, s->seq);
	put32(t + 8, s->ack);
	t[12] = (unsigned char)(((20 + ol) / 4) << 4);
	t[13] = s->flags;
	put16(t + 14, s->win);
	memcpy(t + 20, opt, ol);
	memset(t + 20 + ol, 'x', s->len);
	size_t tl = 20 + ol + s->len;
	uint32_t sum = csum_add(0, buf + 12, 8);
	sum += IPPROTO_TCP + (uint32_t)tl;
	put16(t + 16, csum_fold(csum_add(sum, t, tl)));
	return tot;
}

/* ---- the events observed ---- */

void kr_emit(kr_run *r, const tcpsim_event *ev)
{
	if (r->nev == r->cap_ev) {
		size_t nc = r->cap_ev ? r->cap_ev * 2 : 256;
		kr_event *e = realloc(r->ev, nc * sizeof *e);
		if (!e) {
			r->oom = 1;
			return;
		}
		r->ev = e;
		r->cap_ev = nc;
	}
	r->ev[r->nev].ev = *ev;
	r->ev[r->nev].order = r->nev;
	r->nev++;
}

static void begin(kr_run *r, tcpsim_event *ev, tcpsim_event_kind kind, int host,
		  int64_t at)
{
	memset(ev, 0, sizeof *ev);
	ev->kind = kind;
	ev->time_us = at < 0 ? 0 : at;
	ev->host = host;
	ev->host_name = host >= 0 ? r->t->hosts[host].name : NULL;
}

static int64_t rel(const kr_run *r, int64_t mono)
{
	return mono - r->t0;
}

static int fail_event(kr_run *r, tcpsim_event *ev, int line,
		      tcpsim_fail_reason reason, int64_t at)
{
	r->nfailed++;
	begin(r, ev, TCPSIM_EV_FAIL, -1, at);
	ev->line = line;
	ev->u.fail.reason = reason;
	ev->u.fail.file = r->t->filename;
	return 1;
}

/* ---- sequence numbers, timestamps and ports, as the model's ---- */

/* The model's initial sequence number of host H's next connection
 * (ts_tcp_next_isn in the model): the isn knob or (index + 1) * 1000,
 * 2^29 per reboot, 64000 per connection. */
static uint32_t model_isn(kr_run *r, int h)
{
	const ts_host_decl *d = &r->t->hosts[h];
	uint32_t base = d->knobs[TS_KNOB_ISN] >= 0
			    ? (uint32_t)d->knobs[TS_KNOB_ISN]
			    : (uint32_t)(h + 1) * 1000u;
	return base + (uint32_t)r->h[h].boot * 0x20000000u +
	       (uint32_t)r->h[h].nconn++ * 64000u;
}

/* The model's timestamp offset (ts_tcp_ts_off in the model). */
static uint32_t model_tsoff(const kr_run *r, int h)
{
	if (r->t->hosts[h].knobs[TS_KNOB_TCP_TIMESTAMPS] == 2)
		return 0;
	return (uint32_t)(h + 1) * 1000000u +
	       (uint32_t)r->h[h].boot * 0x20000000u;
}

static int explicit_port(const kr_run *r, int h, uint16_t port)
{
	for (int i = 0; i < r->t->nstmts; i++) {
		const ts_stmt *st = &r->t->stmts[i];
		if (st->kind == TS_STMT_CALL && st->host == h &&
		    st->u.call.id == TCPSIM_CALL_BIND && st->u.call.a == port)
			return 1;
	}
	return 0;
}

/* Host H's port KPORT as the model numbers it: an ephemeral port (in the
 * host's range, bound by no line) becomes the next of the model's series
 * (the range's low end, then one more each). */
uint16_t kr_port(kr_run *r, int h, uint16_t kport)
{
	if (h < 0 || !kport)
		return kport;
	kr_host *x = &r->h[h];
	const ts_host_decl *d = &r->t->hosts[h];
	int64_t lo = d->knobs[TS_KNOB_IP_LOCAL_PORT_LOW],
		hi = d->knobs[TS_KNOB_IP_LOCAL_PORT_HIGH];
	if (kport < lo || kport > hi || explicit_port(r, h, kport))
		return kport;
	for (int i = 0; i < x->nports; i++)
		if (x->ports[i][0] == kport)
			return x->ports[i][1];
	if (x->nports == KR_MAX_PORTS)
		return kport;
	uint16_t m = (uint16_t)(lo + x->nextport++);
	x->ports[x->nports][0] = kport;
	x->ports[x->nports][1] = m;
	x->nports++;
	return m;
}

/* The kernel's port of host H for the model's MPORT. */
static uint16_t kr_kport(const kr_run *r, int h, uint16_t mport)
{
	const kr_host *x = &r->h[h];
	for (int i = 0; i < x->nports; i++)
		if (x->ports[i][1] == mport)
			return x->ports[i][0];
	return mport;
}

int kr_host_of(const kr_run *r, uint32_t addr)
{
	for (int i = 0; i < r->t->nhosts; i++)
		if (r->t->hosts[i].addr == addr)
			return i;
	return -1;
}

/* The connection of segment S (the kernel's numbers) and which of its
 * ends sent it (*SIDE); made when MAKE. NULL when none. */
static kr_conn *conn_of(kr_run *r, const tcpsim_segment *s, int *side, int make)
{
	kr_conn *older = NULL;
	int older_side = 0;
	for (int i = r->nconns - 1; i >= 0; i--) {
		kr_conn *c = &r->conns[i];
		for (int e = 0; e < 2; e++) {
			if (c->addr[e] != s->saddr || c->port[e] != s->sport ||
			    c->addr[!e] != s->daddr || c->port[!e] != s->dport)
				continue;
			if (c->host[e] < 0 ||
			    c->gen[e] == r->h[c->host[e]].boot) {
				/* a SYN with another initial sequence number
				 * on the same four numbers: a new connection
				 * (a second connect(), TIME_WAIT reused) */
				if (make && (s->flags & TS_SYN) &&
				    c->have_isn[e] && c->kisn[e] != s->seq) {
					older = c;
					older_side = e;
					goto fresh;
				}
				*side = e;
				return c;
			}
			if (!older) {
				older = c;
				older_side = e;
			}
		}
	}
	/* A host that rebooted answers a segment of its former life (an RST
	 * whose numbers are those of the old connection): that connection,
	 * unless it opens a new one. */
	if (older && !(s->flags & TS_SYN)) {
		*side = older_side;
		return older;
	}
	if (!make)
		return NULL;
fresh:;
	int prev = older ? (int)(older - r->conns) : -1;
	if (r->nconns == r->cap_conns) {
		int nc = r->cap_conns ? r->cap_conns * 2 : 16;
		kr_conn *n = realloc(r->conns, (size_t)nc * sizeof *n);
		if (!n)
			return NULL;
		r->conns = n;
		r->cap_conns = nc;
	}
	kr_conn *c = &r->conns[r->nconns++];
	memset(c, 0, sizeof *c);
	c->prev = prev;
	c->prev_side = older_side;
	c->addr[0] = s->saddr;
	c->port[0] = s->sport;
	c->addr[1] = s->daddr;
	c->port[1] = s->dport;
	for (int e = 0; e < 2; e++) {
		c->host[e] = kr_host_of(r, c->addr[e]);
		c->gen[e] = c->host[e] >= 0 ? r->h[c->host[e]].boot : 0;
	}
	*side = 0;
	return c;
}

/* The initial sequence numbers (the kernel's, the model's) of end E of
 * connection C, or of the same end of the connection before it on the
 * same four numbers (a TIME_WAIT answering a SYN that opens a new one):
 * 1, or 0 when none is known. */
static int isn_of(const kr_run *r, const kr_conn *c, int e, uint32_t *k,
		  uint32_t *m)
{
	uint32_t addr = c->addr[e];
	for (int n = 0; c && n < 16; n++) {
		int s = c->addr[0] == addr ? 0 : 1;
		if (c->have_isn[s]) {
			*k = c->kisn[s];
			*m = c->misn[s];
			return 1;
		}
		c = c->prev >= 0 ? &r->conns[c->prev] : NULL;
	}
	return 0;
}

/* Segment K (the kernel's numbers, sent by its stack when SENT) as the
 * model would number it, into M; learns the kernel's initial sequence
 * numbers and timestamp offsets from SYNs and first timestamps. */
void kr_map(kr_run *r, const tcpsim_segment *k, tcpsim_segment *m, int sent,
	    int64_t at)
{
	*m = *k;
	int side;
	kr_conn *c = conn_of(r, k, &side, sent);
	if (!c)
		return;
	int o = !side, h = c->host[side];
	if (sent && (k->flags & TS_SYN) && !c->have_isn[side] && h >= 0) {
		c->have_isn[side] = 1;
		c->kisn[side] = k->seq;
		/* An initial sequence number Linux derives from the former
		 * connection of the same four numbers (tcp_disconnect: its
		 * snd_nxt + max_window + 2; a TIME_WAIT reused:
		 * tw_snd_nxt + 65535 + 2), as the model derives it, is
		 * mapped as that connection's numbers; a fresh one is the
		 * model's next. */
		/* A SYN-ACK's can only come from a TIME_WAIT of the same
		 * four numbers (tcp_timewait_state_process: tcp_tw_isn); a
		 * SYN's from that or from a disconnect() of the same socket,
		 * whose port may be new. Otherwise the kernel's numbers are
		 * random (secure_tcp_seq), and one may fall near another by
		 * chance. */
		int synack = (k->flags & TS_ACK) != 0;
		const kr_conn *p = NULL;
		int ps = 0;
		for (int i = r->nconns - 1; i >= 0 && !p; i--) {
			const kr_conn *q = &r->conns[i];
			for (int e = 0; e < 2 && !p; e++)
				if (q != c && q->host[e] == h &&
				    q->gen[e] == c->gen[side] &&
				    q->have_isn[e] &&
				    k->seq - q->kisn[e] < (1u << 20) &&
				    (!synack || (q->addr[e] == c->addr[side] &&
						 q->port[e] == c->port[side] &&
						 q->addr[!e] == c->addr[o] &&
						 q->port[!e] == c->port[o]))) {
					p = q;
					ps = e;
				}
		}
		if (p)
			c->misn[side] = k->seq - p->kisn[ps] + p->misn[ps];
		else
			c->misn[side] = model_isn(r, h);
	}
	if (sent && k->ts && !c->have_ts[side] && h >= 0) {
		c->have_ts[side] = 1;
		c->tsoff[side] =
		    k->tsval - ((uint32_t)(at / 1000) + model_tsoff(r, h));
	}
	uint32_t ks, ms, ko, mo;
	int hs = isn_of(r, c, side, &ks, &ms), ho = isn_of(r, c, o, &ko, &mo);
	if (hs)
		m->seq = k->seq - ks + ms;
	if ((k->flags & TS_ACK) && ho)
		m->ack = k->ack - ko + mo;
	for (int i = 0; i < k->nsack && ho; i++)
		for (int j = 0; j < 2; j++)
			m->sack[i][j] = k->sack[i][j] - ko + mo;
	if (k->ts && c->have_ts[side])
		m->tsval = k->tsval - c->tsoff[side];
	if (k->ts && k->tsecr && c->have_ts[o])
		m->tsecr = k->tsecr - c->tsoff[o];
	m->sport = kr_port(r, kr_host_of(r, k->saddr), k->sport);
	m->dport = kr_port(r, kr_host_of(r, k->daddr), k->dport);
}

/* The other way, for net: inject: segment M written in the model's
 * numbers into the kernel's, K. */
static void kr_unmap(kr_run *r, int from, int to, const tcpsim_segment *m,
		     tcpsim_segment *k)
{
	*k = *m;
	k->sport = kr_kport(r, from, m->sport);
	k->dport = kr_kport(r, to, m->dport);
	int side;
	kr_conn *c = conn_of(r, k, &side, 0);
	if (!c)
		return;
	int o = !side;
	if (c->have_isn[side])
		k->seq = m->seq - c->misn[side] + c->kisn[side];
	if (c->have_isn[o] && (m->flags & TS_ACK))
		k->ack = m->ack - c->misn[o] + c->kisn[o];
	for (int i = 0; i < m->nsack && c->have_isn[o]; i++)
		for (int j = 0; j < 2; j++)
			k->sack[i][j] = m->sack[i][j] - c->misn[o] + c->kisn[o];
	if (m->ts && c->have_ts[side])
		k->tsval = m->tsval + c->tsoff[side];
	if (m->ts && m->tsecr && c->have_ts[o])
		k->tsecr = m->tsecr + c->tsoff[o];
}

/* ---- the network's rules (as the model's net.c applies them) ---- */

static int seg_is_kind(const tcpsim_segment *s, ts_seg_kind k)
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

typedef struct fate {
	int dropped, drop_line, dup, dup_line, delay_line;
	int64_t delay;
} fate;

static void remove_rule(kr_run *r, int i)
{
	memmove(&r->rules[i], &r->rules[i + 1],
		(size_t)(r->nrules - i - 1) * sizeof *r->rules);
	r->nrules--;
}

/* The first drop rule that matches wins; dup and delay rules combine and
 * count only the segments not dropped. */
static void apply_rules(kr_run *r, int from, int to, const tcpsim_segment *s,
			fate *f)
{
	memset(f, 0, sizeof *f);
	for (int i = 0; i < r->nrules && !f->dropped; i++) {
		kr_rule *x = &r->rules[i];
		if (x->from != from || x->to != to || x->op != TS_NET_DROP ||
		    !seg_is_kind(s, x->kind))
			continue;
		f->dropped = 1;
		f->drop_line = x->line;
		if (!x->all && --x->left == 0)
			remove_rule(r, i);
	}
	for (int i = 0; i < r->nrules && !f->dropped; i++) {
		kr_rule *x = &r->rules[i];
		if (x->from != from || x->to != to || x->op == TS_NET_DROP ||
		    !seg_is_kind(s, x->kind))
			continue;
		if (x->op == TS_NET_DUP) {
			if (f->dup)
				continue;
			f->dup = 1;
			f->dup_line = x->line;
		} else {
			if (f->delay)
				continue;
			f->delay = x->delay;
			f->delay_line = x->line;
		}
		if (!x->all && --x->left == 0)
			remove_rule(r, i--);
	}
}

static int64_t link_delay(const kr_run *r, int a, int b)
{
	return ts_trace_link_delay(r->t, a, b);
}

static void seg_event(kr_run *r, tcpsim_event *ev, tcpsim_event_kind kind,
		      int host, int64_t at, uint32_t num, int from, int to,
		      const tcpsim_segment *s)
{
	begin(r, ev, kind, host, at);
	ev->u.seg.segno = num;
	ev->u.seg.from = from;
	ev->u.seg.to = to;
	ev->u.seg.from_name = r->t->hosts[from].name;
	ev->u.seg.to_name = r->t->hosts[to].name;
	int sh = kr_host_of(r, s->saddr), dh = kr_host_of(r, s->daddr);
	ev->u.seg.src_name = sh >= 0 ? r->t->hosts[sh].name : NULL;
	ev->u.seg.dst_name = dh >= 0 ? r->t->hosts[dh].name : NULL;
	ev->u.seg.seg = *s;
	ev->u.seg.rst = -1;
}

static int queue_pkt(kr_run *r, int64_t due, int from, int to, uint32_t num,
		     const tcpsim_segment *s, const unsigned char *data,
		     size_t len, int dup, int replayed)
{
	if (r->npkts == r->cap_pkts) {
		int nc = r->cap_pkts ? r->cap_pkts * 2 : 64;
		kr_pkt *n = realloc(r->pkts, (size_t)nc * sizeof *n);
		if (!n)
			return -1;
		r->pkts = n;
		r->cap_pkts = nc;
	}
	kr_pkt *p = &r->pkts[r->npkts];
	p->data = malloc(len);
	if (!p->data)
		return -1;
	memcpy(p->data, data, len);
	p->len = len;
	p->due = due;
	p->from = from;
	p->to = to;
	p->num = num;
	p->dup = dup;
	p->replayed = replayed;
	p->seg = *s;
	r->npkts++;
	return 0;
}

static int log_wire(kr_run *r, int64_t at, int from, int to, uint32_t num,
		    int forged, const tcpsim_segment *s,
		    const unsigned char *data, size_t len)
{
	if (r->nwire == r->cap_wire) {
		size_t nc = r->cap_wire ? r->cap_wire * 2 : 256;
		kr_wire *n = realloc(r->wire, nc * sizeof *n);
		if (!n)
			return -1;
		r->wire = n;
		r->cap_wire = nc;
	}
	kr_wire *w = &r->wire[r->nwire];
	w->data = malloc(len);
	if (!w->data)
		return -1;
	memcpy(w->data, data, len);
	w->len = len;
	w->at = at;
	w->from = from;
	w->to = to;
	w->num = num;
	w->forged = forged;
	w->seg = *s;
	r->nwire++;
	return 0;
}

/* Segment DATA (the kernel's numbers) from host FROM to TO, sent by its
 * stack, or forged (net: inject) when FORGED: numbered, logged, through
 * the rules, on its way. */
/* A forged segment K (the kernel's numbers) written as M (the model's)
 * that opens a connection (a SYN): its numbers, so that the answers to
 * it read in the model's. */
static void learn(kr_run *r, const tcpsim_segment *k, const tcpsim_segment *m)
{
	if (!(k->flags & TS_SYN))
		return;
	int side;
	kr_conn *c = conn_of(r, k, &side, 1);
	if (!c)
		return;
	if (!c->have_isn[side]) {
		c->have_isn[side] = 1;
		c->kisn[side] = k->seq;
		c->misn[side] = m->seq;
	}
	if (k->ts && !c->have_ts[side]) {
		c->have_ts[side] = 1;
		c->tsoff[side] = k->tsval - m->tsval;
	}
}

static void send_pkt(kr_run *r, int from, int to, const unsigned char *data,
		     size_t len, const tcpsim_segment *k, int forged,
		     const tcpsim_segment *fm)
{
	int64_t now = kh_now(), at = rel(r, now);
	tcpsim_segment m;
	if (forged) {
		m = *fm; /* the model's numbers, as the line wrote them */
		learn(r, k, fm);
	} else
		kr_map(r, k, &m, 1, at);
	uint32_t num = ++r->nextnum;
	if (log_wire(r, at, from, to, num, forged, &m, data, len) < 0)
		r->oom = 1;
	fate f;
	apply_rules(r, from, to, &m, &f);
	tcpsim_event ev;
	seg_event(r, &ev, forged ? TCPSIM_EV_INJECT : TCPSIM_EV_SEND,
		  forged ? -1 : from, at, num, from, to, &m);
	ev.u.seg.dropped = f.dropped;
	ev.u.seg.drop_line = f.drop_line;
	ev.u.seg.duplicated = f.dup;
	ev.u.seg.dup_line = f.dup_line;
	ev.u.seg.delay_us = f.delay;
	ev.u.seg.delay_line = f.delay_line;
	kr_emit(r, &ev);
	if (f.dropped)
		return;
	int64_t due = now + link_delay(r, from, to) + f.delay;
	if (queue_pkt(r, due, from, to, num, &m, data, len, 0, 0) < 0 ||
	    (f.dup &&
	     queue_pkt(r, due, from, to, num, &m, data, len, 1, 0) < 0))
		r->oom = 1;
}

/* ---- states, from sock_diag ---- */

static ts_tcp_state state_of(int linux_state)
{
	/* include/net/tcp_states.h */
	switch (linux_state) {
	case 1:
		return TS_ESTABLISHED;
	case 2:
		return TS_SYN_SENT;
	case 3:
	case 12: /* TCP_NEW_SYN_RECV: a request socket */
		return TS_SYN_RECEIVED;
	case 4:
		return TS_FIN_WAIT_1;
	case 5:
		return TS_FIN_WAIT_2;
	case 6:
		return TS_TIME_WAIT;
	case 8:
		return TS_CLOSE_WAIT;
	case 9:
		return TS_LAST_ACK;
	case 10:
		return TS_LISTEN;
	case 11:
		return TS_CLOSING;
	default:
		return TS_CLOSED;
	}
}

static void sock_label(kr_run *r, int h, const kr_sock *s, tcpsim_sock *o)
{
	memset(o, 0, sizeof *o);
	o->id = s->id;
	o->var = s->var >= 0 ? r->t->hosts[h].vars[s->var] : NULL;
	o->laddr = s->laddr;
	o->raddr = s->raddr;
	o->lport = kr_port(r, h, s->lport);
	int p = s->raddr ? kr_host_of(r, s->raddr) : -1;
	o->rport = kr_port(r, p, s->rport);
	o->peer = p >= 0 ? r->t->hosts[p].name : NULL;
}

static void state_event(kr_run *r, int h, kr_sock *s, int old, int now_state,
			int64_t at)
{
	tcpsim_event ev;
	begin(r, &ev, TCPSIM_EV_STATE, h, at);
	sock_label(r, h, s, &ev.u.state.sock);
	ev.u.state.old_state = (tcpsim_state)old;
	ev.u.state.new_state = (tcpsim_state)now_state;
	ev.u.state.cause = TCPSIM_BY_OBSERVED;
	kr_emit(r, &ev);
}

static kr_sock *find_sock(kr_host *x, uint32_t la, uint16_t lp, uint32_t ra,
			  uint16_t rp)
{
	for (int i = 0; i < x->nsocks; i++) {
		kr_sock *s = &x->socks[i];
		if (!s->gone && s->laddr == la && s->lport == lp &&
		    s->raddr == ra && s->rport == rp)
			return s;
	}
	return NULL;
}

/* Every TCP socket of host H's namespace (inet_diag, all states), and a
 * STATE event for each that changed since the last look. */
static void poll_states(kr_run *r, int h)
{
	kr_host *x = &r->h[h];
	/* read now, or never while the host is down: either way nothing
	 * is left to read (a host left marked would keep the loop spinning
	 * until the run ends) */
	x->dirty = 0;
	if (!x->up || x->k.diag < 0)
		return;
	struct {
		struct nlmsghdr nh;
		struct inet_diag_req_v2 req;
	} q;
	memset(&q, 0, sizeof q);
	q.nh.nlmsg_len = sizeof q;
	q.nh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	q.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	q.req.sdiag_family = AF_INET;
	q.req.sdiag_protocol = IPPROTO_TCP;
	q.req.idiag_states = ~0u;
	if (send(x->k.diag, &q, sizeof q, 0) < 0)
		return;
	int64_t at = rel(r, kh_now());
	for (int i = 0; i < x->nsocks; i++)
		x->socks[i].seen = 0;
	static char buf[32768];
	int done = 0;
	while (!done) {
		ssize_t n = recv(x->k.diag, buf, sizeof buf, 0);
		if (n <= 0)
			break;
		for (struct nlmsghdr *nh = (struct nlmsghdr *)buf;
		     NLMSG_OK(nh, (size_t)n); nh = NLMSG_NEXT(nh, n)) {
			if (nh->nlmsg_type == NLMSG_DONE ||
			    nh->nlmsg_type == NLMSG_ERROR) {
				done = 1;
				break;
			}
			const struct inet_diag_msg *m = NLMSG_DATA(nh);
			uint32_t la = ntohl(m->id.idiag_src[0]),
				 ra = ntohl(m->id.idiag_dst[0]);
			uint16_t lp = ntohs(m->id.idiag_sport),
				 rp = ntohs(m->id.idiag_dport);
			int st = state_of(m->idiag_state);
			/* a socket bound and closed (TCP_CLOSE, or
			 * TCP_BOUND_INACTIVE from the bind table): no
			 * connection */
			if (st == TS_CLOSED)
				continue;
			kr_sock *s = find_sock(x, la, lp, ra, rp);
			if (s &&
			    ((s->state == TS_TIME_WAIT && st != TS_TIME_WAIT) ||
			     (m->idiag_inode && s->ino &&
			      m->idiag_inode != s->ino))) {
				/* another socket on the same four numbers
				 * (a TIME_WAIT taken over by a new SYN): the
				 * former one is gone */
				state_event(r, h, s, s->state, TS_CLOSED, at);
				s->state = TS_CLOSED;
				s->gone = 1;
				s = NULL;
			}
			if (!s) {
				if (x->nsocks == KR_MAX_SOCKS)
					continue;
				s = &x->socks[x->nsocks++];
				memset(s, 0, sizeof *s);
				s->id = ++x->nextid;
				s->laddr = la;
				s->lport = lp;
				s->raddr = ra;
				s->rport = rp;
				s->var = -1;
				s->state = TS_CLOSED;
				if (st == TS_SYN_RECEIVED &&
				    find_sock(x, 0, lp, 0, 0))
					s->state = TS_LISTEN;
			}
			s->seen = 1;
			if (m->idiag_inode) {
				s->ino = m->idiag_inode;
				for (int v = 0; v < r->t->hosts[h].nvars; v++)
					if (x->vars[v].bound &&
					    x->vars[v].ino == s->ino) {
						s->var = v;
						x->vars[v].sock =
						    (int)(s - x->socks);
					}
			}
			if (st != s->state) {
				state_event(r, h, s, s->state, st, at);
				s->state = st;
			}
		}
	}
	for (int i = 0; i < x->nsocks; i++) {
		kr_sock *s = &x->socks[i];
		if (!s->seen && !s->gone) {
			if (s->state != TS_CLOSED)
				state_event(r, h, s, s->state, TS_CLOSED, at);
			s->state = TS_CLOSED;
			s->gone = 1;
		}
	}
}

static void poll_all(kr_run *r)
{
	for (int i = 0; i < r->t->nhosts; i++)
		poll_states(r, i);
	r->last_poll = kh_now();
}

/* The state of host H's variable V now, as "expect ... state" reads it. */
static ts_tcp_state var_state(kr_run *r, int h, int v)
{
	kr_host *x = &r->h[h];
	if (v < 0 || !x->vars[v].bound || x->vars[v].sock < 0)
		return TS_CLOSED;
	return (ts_tcp_state)x->socks[x->vars[v].sock].state;
}

/* ---- the hosts' processes ---- */

static int result_matches(const ts_call *c, const tcpsim_call_result *res)
{
	if (c->sigpipe && !res->sigpipe)
		return 0;
	switch (c->expect) {
	case TCPSIM_EXPECT_NONE:
		return c->bind_var < 0 || res->value >= 0;
	case TCPSIM_EXPECT_INT:
	case TCPSIM_EXPECT_POLL:
		return res->value >= 0 && res->value == c->value;
	case TCPSIM_EXPECT_ERRNO:
		return res->value < 0 && res->err == c->err;
	case TCPSIM_EXPECT_ADDR:
		return res->value >= 0 && res->has_addr &&
		       res->addr == c->addr && res->port == c->port;
	}
	return 0;
}

static void call_fail(kr_run *r, const ts_stmt *st, tcpsim_fail_reason why,
		      tcpsim_stop stop, int64_t at)
{
	tcpsim_event ev;
	fail_event(r, &ev, st->line, why, at);
	ev.u.fail.call.call = &st->u.call;
	ev.u.fail.stop = stop;
	kr_emit(r, &ev);
}

static void skip_call(kr_run *r, const ts_stmt *st, tcpsim_skip_reason why,
		      tcpsim_stop stop, int64_t at)
{
	tcpsim_event ev;
	begin(r, &ev, TCPSIM_EV_SKIP, st->host, at);
	ev.u.skip.reason = why;
	ev.u.skip.call = &st->u.call;
	ev.u.skip.stop = stop;
	kr_emit(r, &ev);
	call_fail(r, st,
		  why == TCPSIM_SKIP_UNBOUND ? TCPSIM_FAIL_UNBOUND
					     : TCPSIM_FAIL_SKIPPED,
		  stop, at);
}

static void pop_out(kr_host *x)
{
	memmove(x->out, x->out + 1, (size_t)(x->nout - 1) * sizeof *x->out);
	x->nout--;
	x->blocked = 0;
	x->sent_at = kh_now();
}

/* The process of host H is gone (STOP): its blocked call never returns,
 * the lines waiting behind it are not run. */
static void proc_gone(kr_run *r, int h, tcpsim_stop stop, int64_t at)
{
	kr_host *x = &r->h[h];
	for (int i = 0; i < x->nout; i++) {
		const ts_stmt *st = &r->t->stmts[x->out[i]];
		if (i == 0) {
			tcpsim_event ev;
			begin(r, &ev, TCPSIM_EV_BLOCK, h, rel(r, x->sent_at));
			ev.line = st->line;
			ev.u.call.call = &st->u.call;
			ev.u.call.value = -1;
			kr_emit(r, &ev);
			begin(r, &ev, TCPSIM_EV_PROC, h, at);
			ev.u.proc.reason = TCPSIM_PROC_NEVER_RETURNS;
			ev.u.proc.call = &st->u.call;
			ev.u.proc.stop = stop;
			kr_emit(r, &ev);
			r->nchecked++;
			call_fail(r, st, TCPSIM_FAIL_NO_RETURN, stop, at);
		} else
			skip_call(r, st, TCPSIM_SKIP_CALL,
				  stop == TCPSIM_STOP_HOST_CRASHED
				      ? TCPSIM_STOP_HOST_DOWN
				      : TCPSIM_STOP_PROCESS_TERMINATED,
				  at);
	}
	x->nout = 0;
	x->alive = 0;
	for (int v = 0; v < r->t->hosts[h].nvars; v++)
		x->vars[v].fd_open = 0;
}

static void on_reply(kr_run *r, int h, const kh_rep *rep)
{
	kr_host *x = &r->h[h];
	if (!x->nout || x->out[0] != rep->stmt)
		return;
	const ts_stmt *st = &r->t->stmts[rep->stmt];
	const ts_call *c = &st->u.call;
	int blocked = x->blocked || rep->ended - rep->began > BLOCK_US;
	pop_out(x);
	tcpsim_call_result res;
	memset(&res, 0, sizeof res);
	res.call = c;
	res.value = rep->value;
	res.err = rep->err;
	res.errno_name = rep->err ? ts_errno_name((ts_errno)rep->err) : NULL;
	res.sigpipe = rep->sigpipe;
	res.has_addr = rep->has_addr;
	res.addr = rep->addr;
	res.port = rep->port;
	if (rep->has_addr)
		res.port = kr_port(r,
				   c->id == TCPSIM_CALL_GETSOCKNAME
				       ? h
				       : kr_host_of(r, rep->addr),
				   rep->port);
	res.began_us = rel(r, rep->began);
	tcpsim_event ev;
	if (blocked) {
		begin(r, &ev, TCPSIM_EV_BLOCK, h, rel(r, rep->began));
		ev.line = st->line;
		ev.u.call.call = c;
		ev.u.call.value = -1;
		kr_emit(r, &ev);
	}
	int64_t at = rel(r, blocked ? rep->ended : rep->began);
	begin(r, &ev, blocked ? TCPSIM_EV_RETURN : TCPSIM_EV_CALL, h, at);
	ev.line = st->line;
	ev.u.call = res;
	kr_emit(r, &ev);
	if (rep->value >= 0 && c->bind_var >= 0) {
		kr_var *v = &x->vars[c->bind_var];
		v->bound = 1;
		v->fd_open = 1;
		v->ino = rep->ino;
		v->sock = -1;
	}
	if (c->id == TCPSIM_CALL_CLOSE && rep->value == 0 && c->fd_var >= 0)
		x->vars[c->fd_var].fd_open = 0;
	if (c->expect != TCPSIM_EXPECT_NONE || c->bind_var >= 0 || c->sigpipe) {
		r->nchecked++;
		if (!result_matches(c, &res)) {
			fail_event(r, &ev, st->line, TCPSIM_FAIL_RESULT, at);
			ev.u.fail.call = res;
			kr_emit(r, &ev);
		}
	}
	if (rep->sigpipe) {
		begin(r, &ev, TCPSIM_EV_SIGNAL, h, at);
		ev.u.signal = rep->term_sig ? TCPSIM_SIGPIPE_TERMINATES
					    : TCPSIM_SIGPIPE_IGNORED;
		kr_emit(r, &ev);
	}
	if (rep->term_sig) {
		x->terminated = 1;
		proc_gone(r, h, TCPSIM_STOP_SIGPIPE, at);
	}
	x->dirty = 1;
}

/* Whether host H's process sleeps in a call of the trace (not in its
 * wait for the next request on descriptor 100): /proc/PID/stat says it
 * sleeps, /proc/PID/syscall in which call. */
static int proc_blocked(const kr_host *x)
{
	char path[64], buf[256];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)x->k.pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	if (!p || (p[2] != 'S' && p[2] != 'D'))
		return 0;
	snprintf(path, sizeof path, "/proc/%d/syscall", (int)x->k.pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	long nr = -1;
	unsigned long a0 = 0;
	if (sscanf(buf, "%ld 0x%lx", &nr, &a0) < 1)
		return 0;
	return !(nr == SYS_recvfrom && a0 == 100);
}

static void reap_later(kr_run *r, pid_t pid)
{
	if (r->nreap < KR_MAX_REAP)
		r->reap[r->nreap++] = pid;
	else
		waitpid(pid, NULL, 0);
}

/* ---- the loop ---- */

static void read_tun(kr_run *r, int h);

static void deliver(kr_run *r, int i)
{
	kr_pkt p = r->pkts[i];
	r->pkts[i] = r->pkts[--r->npkts];
	int64_t at = rel(r, kh_now());
	tcpsim_event ev;
	kr_host *x = &r->h[p.to];
	if (!x->up) {
		seg_event(r, &ev, TCPSIM_EV_LOST, p.to, at, p.num, p.from, p.to,
			  &p.seg);
		kr_emit(r, &ev);
	} else {
		seg_event(r, &ev, TCPSIM_EV_RECV, p.to, at, p.num, p.from, p.to,
			  &p.seg);
		ev.u.seg.duplicated = p.dup;
		ev.u.seg.replayed = p.replayed;
		kr_emit(r, &ev);
		(void)write(x->k.tun, p.data, p.len);
		x->dirty = 1;
		/* the stack answers within the write: read it now, so that
		 * its time is its own */
		read_tun(r, p.to);
	}
	free(p.data);
}

static void read_tun(kr_run *r, int h)
{
	unsigned char buf[PKT_MAX];
	for (;;) {
		kr_host *x = &r->h[h];
		if (x->k.tun < 0)
			return;
		ssize_t n = read(x->k.tun, buf, sizeof buf);
		if (n <= 0)
			return;
		tcpsim_segment s;
		if (kr_parse(buf, (size_t)n, &s) < 0)
			continue;
		int to = kr_host_of(r, s.daddr);
		if (to < 0 || to == h || s.saddr != r->t->hosts[h].addr)
			continue; /* for no host of the trace: never leaves */
		send_pkt(r, h, to, buf, (size_t)n, &s, 0, NULL);
	}
}

static void read_ctl(kr_run *r, int h)
{
	kr_host *x = &r->h[h];
	kh_rep rep;
	ssize_t n = recv(x->k.ctl, &rep, sizeof rep, MSG_DONTWAIT);
	if (n == (ssize_t)sizeof rep) {
		on_reply(r, h, &rep);
		return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	/* its process ended without a word: killed from outside */
	int64_t at = rel(r, kh_now());
	if (x->alive) {
		x->terminated = 1;
		tcpsim_event ev;
		begin(r, &ev, TCPSIM_EV_PROC, h, at);
		ev.u.proc.reason = TCPSIM_PROC_KILLED;
		kr_emit(r, &ev);
		proc_gone(r, h, TCPSIM_STOP_KILLED, at);
	}
	close(x->k.ctl);
	x->k.ctl = -1;
	if (x->k.pid > 0)
		reap_later(r, x->k.pid);
	x->k.pid = 0;
}

typedef int (*until_fn)(kr_run *r, const void *arg);

/* Carry packets, answers and states until UNTIL (CLOCK_MONOTONIC) or
 * until DONE says so. */
static void pump(kr_run *r, int64_t until, until_fn done, const void *arg)
{
	int nh = r->t->nhosts;
	struct pollfd *pf = calloc((size_t)nh * 2, sizeof *pf);
	if (!pf) {
		r->oom = 1;
		return;
	}
	for (;;) {
		int64_t now = kh_now();
		/* in the order they are due, and sent: a link keeps the
		 * order of what it carries */
		for (;;) {
			int first = -1;
			for (int i = 0; i < r->npkts; i++)
				if (r->pkts[i].due <= now &&
				    (first < 0 ||
				     r->pkts[i].due < r->pkts[first].due ||
				     (r->pkts[i].due == r->pkts[first].due &&
				      r->pkts[i].num < r->pkts[first].num)))
					first = i;
			if (first < 0)
				break;
			deliver(r, first);
		}
		/* the last pass still reads what is there, without
		 * waiting: what a line's expect must see */
		int last = (done && done(r, arg)) || now >= until;
		int64_t next = last ? now : until;
		for (int i = 0; i < r->npkts; i++)
			if (r->pkts[i].due < next)
				next = r->pkts[i].due;
		/* States are read when there is time for it (a dump walks
		 * the machine's whole TCP hash): not while a line waits for
		 * its answer, nor when a packet is due sooner; the hosts a
		 * packet or an answer reached, and all of them now and then
		 * (for what timers change). */
		if (!last && !done && next - now > DIAG_COST_US) {
			if (now - r->last_poll >= POLL_US)
				poll_all(r);
			else
				for (int i = 0; i < nh; i++)
					if (r->h[i].dirty)
						poll_states(r, i);
			/* what the stacks sent meanwhile, timed now */
			for (int i = 0; i < nh; i++)
				if (r->h[i].up)
					read_tun(r, i);
			now = kh_now();
		}
		if (!done && r->last_poll + POLL_US < next)
			next = r->last_poll + POLL_US;
		for (int i = 0; i < nh && !done; i++)
			if (r->h[i].dirty && next > now + DIAG_COST_US)
				next = now; /* read them on the next pass */
		if (done && next > now + 1000)
			next = now + 1000; /* look at the process again */
		int n = 0;
		for (int i = 0; i < nh; i++) {
			pf[n].fd = r->h[i].up ? r->h[i].k.tun : -1;
			pf[n++].events = POLLIN;
			pf[n].fd = r->h[i].k.ctl;
			pf[n++].events = POLLIN;
		}
		int64_t wait = next > now ? next - now : 0;
		struct timespec ts = {(time_t)(wait / 1000000),
				      (long)(wait % 1000000) * 1000};
		if (ppoll(pf, (nfds_t)n, &ts, NULL) > 0)
			for (int i = 0; i < nh; i++) {
				if (pf[2 * i].fd >= 0 &&
				    (pf[2 * i].revents & POLLIN))
					read_tun(r, i);
				if (pf[2 * i + 1].fd >= 0 &&
				    pf[2 * i + 1].revents)
					read_ctl(r, i);
			}
		if (last)
			break;
	}
	free(pf);
}

static void drain_now(kr_run *r)
{
	pump(r, kh_now(), NULL, NULL);
	poll_all(r);
}

typedef struct wait_arg {
	int h, stmt;
} wait_arg;

/* A call answered, or its process asleep in it. */
static int call_settled(kr_run *r, const void *arg)
{
	const wait_arg *w = arg;
	kr_host *x = &r->h[w->h];
	if (!x->alive || !x->nout || x->out[0] != w->stmt)
		return 1;
	if (proc_blocked(x)) {
		x->blocked = 1;
		return 1;
	}
	return 0;
}

static void run_call(kr_run *r, int idx)
{
	const ts_stmt *st = &r->t->stmts[idx];
	const ts_call *c = &st->u.call;
	kr_host *x = &r->h[st->host];
	int64_t at = rel(r, kh_now());
	if (!x->up || !x->alive) {
		skip_call(r, st, TCPSIM_SKIP_CALL,
			  !x->up ? TCPSIM_STOP_HOST_DOWN
				 : TCPSIM_STOP_PROCESS_TERMINATED,
			  at);
		return;
	}
	if (c->fd_var >= 0 && !x->vars[c->fd_var].bound && !x->nout) {
		skip_call(r, st, TCPSIM_SKIP_UNBOUND,
			  TCPSIM_STOP_PROCESS_TERMINATED, at);
		return;
	}
	if (x->nout == x->capout) {
		int nc = x->capout ? x->capout * 2 : 8;
		int *o = realloc(x->out, (size_t)nc * sizeof *o);
		if (!o) {
			r->oom = 1;
			return;
		}
		x->out = o;
		x->capout = nc;
	}
	x->out[x->nout++] = idx;
	kh_req q = {idx};
	if (x->nout == 1) {
		x->sent_at = kh_now();
		x->blocked = 0;
	}
	if (send(x->k.ctl, &q, sizeof q, MSG_NOSIGNAL) != (ssize_t)sizeof q)
		return; /* its process is gone: read_ctl says so */
	if (x->nout == 1) {
		wait_arg w = {st->host, idx};
		pump(r, kh_now() + MAX_WAIT_US, call_settled, &w);
	}
}

static int add_rule(kr_run *r, const ts_stmt *st)
{
	const ts_net *n = &st->u.net;
	if (r->nrules == r->cap_rules) {
		int nc = r->cap_rules ? r->cap_rules * 2 : 8;
		kr_rule *x = realloc(r->rules, (size_t)nc * sizeof *x);
		if (!x)
			return -1;
		r->rules = x;
		r->cap_rules = nc;
	}
	kr_rule *x = &r->rules[r->nrules++];
	x->op = n->op;
	x->from = n->from;
	x->to = n->to;
	x->all = n->all;
	x->left = n->count ? n->count : 1;
	x->kind = n->kind;
	x->delay = n->delay;
	x->line = st->line;
	return 0;
}

static int run_error(kr_run *r, const ts_stmt *st, const char *msg)
{
	snprintf(r->msg, sizeof r->msg, "%s", msg);
	r->errline = st->line;
	r->error = 1;
	return -1;
}

static int run_net(kr_run *r, const ts_stmt *st)
{
	const ts_net *n = &st->u.net;
	switch (n->op) {
	case TS_NET_DROP:
	case TS_NET_DUP:
	case TS_NET_DELAY:
		return add_rule(r, st);
	case TS_NET_HEAL:
		for (int i = 0; i < r->nrules; i++) {
			kr_rule *x = &r->rules[i];
			if (x->op != TS_NET_DROP || !x->all)
				continue;
			if (n->from >= 0 &&
			    !((x->from == n->from && x->to == n->to) ||
			      (x->from == n->to && x->to == n->from)))
				continue;
			remove_rule(r, i--);
		}
		return 0;
	case TS_NET_REPLAY: {
		drain_now(r);
		const kr_wire *w = NULL;
		for (size_t i = 0; i < r->nwire; i++)
			if (r->wire[i].num == n->segno)
				w = &r->wire[i];
		if (!w) {
			char m[96];
			snprintf(m, sizeof m,
				 "segment #%u has not been sent yet", n->segno);
			return run_error(r, st, m);
		}
		int64_t now = kh_now();
		uint32_t num = ++r->nextnum;
		tcpsim_event ev;
		seg_event(r, &ev, TCPSIM_EV_REPLAY, -1, rel(r, now), num,
			  w->from, w->to, &w->seg);
		ev.u.seg.replay_of = w->num;
		kr_emit(r, &ev);
		kr_wire c = *w;
		if (queue_pkt(r, now + link_delay(r, c.from, c.to), c.from,
			      c.to, num, &c.seg, c.data, c.len, 0, 1) < 0)
			r->oom = 1;
		return 0;
	}
	case TS_NET_INJECT: {
		drain_now(r);
		tcpsim_segment m, k;
		memset(&m, 0, sizeof m);
		m.saddr = r->t->hosts[n->from].addr;
		m.daddr = r->t->hosts[n->to].addr;
		if (n->from_port >= 0 && n->to_port >= 0) {
			m.sport = (uint16_t)n->from_port;
			m.dport = (uint16_t)n->to_port;
		} else {
			/* the only connection between the two hosts */
			int found = 0;
			for (int i = 0; i < r->nconns; i++) {
				const kr_conn *c = &r->conns[i];
				for (int e = 0; e < 2; e++)
					if (c->host[e] == n->from &&
					    c->host[!e] == n->to &&
					    c->gen[e] == r->h[n->from].boot &&
					    c->gen[!e] == r->h[n->to].boot) {
						m.sport = kr_port(r, n->from,
								  c->port[e]);
						m.dport = kr_port(r, n->to,
								  c->port[!e]);
						found++;
					}
			}
			if (found != 1)
				return run_error(
				    r, st,
				    found ? "inject: more than one connection "
					    "between these hosts: give the "
					    "ports"
					  : "inject: no connection between "
					    "these hosts: give the ports");
		}
		m.flags = n->tcp_flags;
		m.seq = n->seq;
		m.ack = n->ack;
		m.len = n->len;
		m.win = (uint16_t)n->win;
		m.mss = n->mss;
		m.sack_ok = n->sack_ok;
		m.wscale_ok = n->wscale_ok;
		m.wscale = n->wscale;
		m.ts = n->ts;
		m.tsval = n->tsval;
		m.tsecr = n->tsecr;
		m.nsack = n->nsack;
		memcpy(m.sack, n->sack, sizeof m.sack);
		m.fo = n->fo;
		m.fo_len = n->fo_len;
		memcpy(m.fo_cookie, n->fo_cookie, sizeof m.fo_cookie);
		kr_unmap(r, n->from, n->to, &m, &k);
		unsigned char buf[PKT_MAX];
		size_t len = kr_build(&k, buf, sizeof buf);
		if (!len)
			return run_error(r, st,
					 "inject: the segment does not "
					 "fit in a packet");
		send_pkt(r, n->from, n->to, buf, len, &k, 1, &m);
		return 0;
	}
	}
	return 0;
}

static void host_ev(kr_run *r, tcpsim_event_kind kind, int h, int reason,
		    int64_t at)
{
	tcpsim_event ev;
	begin(r, &ev, kind, h, at);
	if (kind == TCPSIM_EV_HOST)
		ev.u.host = (tcpsim_host_reason)reason;
	else if (kind == TCPSIM_EV_PROC)
		ev.u.proc.reason = (tcpsim_proc_reason)reason;
	else
		ev.u.skip.reason = (tcpsim_skip_reason)reason;
	kr_emit(r, &ev);
}

static void host_fail(kr_run *r, const ts_stmt *st, tcpsim_fail_reason why,
		      int64_t at)
{
	tcpsim_event ev;
	fail_event(r, &ev, st->line, why, at);
	ev.u.fail.host = r->t->hosts[st->host].name;
	kr_emit(r, &ev);
}

static void reset_host(kr_run *r, int h)
{
	kr_host *x = &r->h[h];
	x->nsocks = 0;
	x->nports = 0;
	x->nextport = 0;
	x->nconn = 0;
	for (int v = 0; v < r->t->hosts[h].nvars; v++) {
		memset(&x->vars[v], 0, sizeof x->vars[v]);
		x->vars[v].sock = -1;
	}
}

static int run_host(kr_run *r, const ts_stmt *st)
{
	int h = st->host;
	kr_host *x = &r->h[h];
	int64_t at = rel(r, kh_now());
	switch (st->u.host_op) {
	case TS_HOST_KILL:
		if (!x->up || !x->alive) {
			host_ev(r, TCPSIM_EV_SKIP, h, TCPSIM_SKIP_KILL, at);
			host_fail(r, st, TCPSIM_FAIL_KILL_NOTHING, at);
			return 0;
		}
		poll_states(r, h);
		host_ev(r, TCPSIM_EV_PROC, h, TCPSIM_PROC_KILLED, at);
		x->terminated = 1;
		proc_gone(r, h, TCPSIM_STOP_KILLED, at);
		kill(x->k.pid, SIGKILL);
		reap_later(r, x->k.pid);
		x->k.pid = 0;
		close(x->k.ctl);
		x->k.ctl = -1;
		return 0;
	case TS_HOST_CRASH:
		if (!x->up) {
			host_fail(r, st, TCPSIM_FAIL_CRASH_DOWN, at);
			return 0;
		}
		/* gone at once and without a word: nothing it sends from
		 * now on is read, its namespace goes with its devices */
		host_ev(r, TCPSIM_EV_HOST, h, TCPSIM_HOST_CRASHES, at);
		x->up = 0;
		proc_gone(r, h, TCPSIM_STOP_HOST_CRASHED, at);
		/* killed now, reaped at the end: exiting takes the process
		 * milliseconds the next lines do not wait for */
		if (x->k.pid > 0) {
			kill(x->k.pid, SIGKILL);
			reap_later(r, x->k.pid);
		}
		x->k.pid = 0;
		/* its devices are closed at the end: removing a TUN device
		 * takes the kernel milliseconds the next lines do not wait
		 * for; nothing reads it meanwhile */
		if (r->ndead < KR_MAX_REAP)
			r->dead[r->ndead++] = x->k;
		else
			kh_drop(&x->k);
		x->k.ctl = x->k.tun = x->k.diag = -1;
		/* every socket gone with it, silently */
		x->nsocks = 0;
		for (int v = 0; v < r->t->hosts[h].nvars; v++)
			x->vars[v].sock = -1;
		return 0;
	case TS_HOST_REBOOT: {
		if (x->up) {
			host_fail(r, st, TCPSIM_FAIL_REBOOT_UP, at);
			return 0;
		}
		x->boot++;
		reset_host(r, h);
		char msg[200];
		int bad;
		if (kh_start(&x->k, r->t, h, msg, sizeof msg, &bad) < 0)
			return run_error(r, st, msg);
		x->up = 1;
		x->alive = 1;
		x->terminated = 0;
		host_ev(r, TCPSIM_EV_HOST, h, TCPSIM_HOST_REBOOTS, at);
		return 0;
	}
	}
	return 0;
}

static void run_expect(kr_run *r, const ts_stmt *st)
{
	const ts_expect *e = &st->u.expect;
	drain_now(r);
	int64_t at = rel(r, kh_now());
	tcpsim_expect_result x;
	memset(&x, 0, sizeof x);
	x.op = e->op;
	switch (e->op) {
	case TCPSIM_EXPECT_WIRE: {
		if (!r->span_started || r->span_at != st->at) {
			r->span_base = r->span_mark;
			r->span_at = st->at;
			r->span_started = 1;
		}
		r->span_mark = r->nwire;
		x.negate = e->negate;
		x.from = r->t->hosts[e->from].name;
		x.to = r->t->hosts[e->to].name;
		x.seg_kind = e->kind;
		x.match = e->match;
		for (size_t i = r->span_base; i < r->nwire; i++) {
			const kr_wire *w = &r->wire[i];
			if (w->forged || w->from != e->from || w->to != e->to ||
			    !seg_is_kind(&w->seg, e->kind))
				continue;
			if (e->match.mask) {
				x.have_nearest = 1;
				x.nearest = w->seg;
				if (!tcpsim_seg_matches(&e->match, &w->seg))
					continue;
			}
			x.count++;
		}
		x.ok = e->negate ? x.count == 0 : x.count > 0;
		break;
	}
	case TCPSIM_EXPECT_STATE:
		x.host = r->t->hosts[e->host].name;
		x.var = e->var >= 0 ? r->t->hosts[e->host].vars[e->var] : NULL;
		x.want = (tcpsim_state)e->state;
		x.got = (tcpsim_state)var_state(r, e->host, e->var);
		x.ok = x.got == x.want;
		break;
	case TCPSIM_EXPECT_TERMINATED:
		x.host = r->t->hosts[e->host].name;
		x.host_up = r->h[e->host].up;
		x.ok = r->h[e->host].terminated;
		break;
	}
	r->nchecked++;
	tcpsim_event ev;
	begin(r, &ev, TCPSIM_EV_EXPECT, -1, at);
	ev.line = st->line;
	ev.u.expect = x;
	kr_emit(r, &ev);
	if (!x.ok) {
		fail_event(r, &ev, st->line, TCPSIM_FAIL_EXPECT, at);
		ev.u.fail.expect = x;
		kr_emit(r, &ev);
	}
}

/* ---- the end ---- */

static void final_ev(kr_run *r, int h, tcpsim_final_reason why, int64_t at,
		     const kr_sock *s, int var, int orphan)
{
	tcpsim_event ev;
	begin(r, &ev, TCPSIM_EV_FINAL, h, at);
	ev.u.final.reason = why;
	if (s) {
		sock_label(r, h, s, &ev.u.final.sock);
		ev.u.final.state = (tcpsim_state)s->state;
	}
	ev.u.final.sock.var = var >= 0 ? r->t->hosts[h].vars[var] : NULL;
	ev.u.final.orphan = orphan;
	kr_emit(r, &ev);
}

static void finish(kr_run *r)
{
	int64_t at = rel(r, kh_now());
	poll_all(r);
	for (int h = 0; h < r->t->nhosts; h++) {
		kr_host *x = &r->h[h];
		for (int i = 0; i < x->nout; i++) {
			const ts_stmt *st = &r->t->stmts[x->out[i]];
			tcpsim_event ev;
			r->nchecked++;
			if (i == 0) {
				begin(r, &ev, TCPSIM_EV_BLOCK, h,
				      rel(r, x->sent_at));
				ev.line = st->line;
				ev.u.call.call = &st->u.call;
				ev.u.call.value = -1;
				kr_emit(r, &ev);
				begin(r, &ev, TCPSIM_EV_PROC, h, at);
				ev.u.proc.reason = TCPSIM_PROC_STILL_BLOCKED;
				ev.u.proc.call = &st->u.call;
				kr_emit(r, &ev);
				call_fail(r, st, TCPSIM_FAIL_NO_RETURN,
					  TCPSIM_STOP_END_OF_RUN, at);
			} else {
				fail_event(r, &ev, st->line,
					   TCPSIM_FAIL_NOT_RUN, at);
				kr_emit(r, &ev);
			}
		}
	}
	for (int h = 0; h < r->t->nhosts; h++) {
		kr_host *x = &r->h[h];
		const ts_host_decl *d = &r->t->hosts[h];
		if (x->terminated)
			final_ev(r, h, TCPSIM_FINAL_PROCESS_TERMINATED, at,
				 NULL, -1, 0);
		if (!x->up)
			final_ev(r, h, TCPSIM_FINAL_HOST_DOWN, at, NULL, -1, 0);
		for (int v = 0; v < d->nvars; v++) {
			kr_var *var = &x->vars[v];
			if (!var->bound)
				continue;
			kr_sock *s =
			    var->sock >= 0 ? &x->socks[var->sock] : NULL;
			if (s && s->gone && !var->fd_open)
				s = NULL;
			kr_sock none;
			if (!s && var->fd_open) {
				memset(&none, 0, sizeof none);
				none.state = TS_CLOSED;
				s = &none;
			}
			final_ev(r, h,
				 s ? TCPSIM_FINAL_SOCKET : TCPSIM_FINAL_CLOSED,
				 at, s, v, s && !var->fd_open);
		}
		for (int i = 0; i < x->nsocks; i++) {
			const kr_sock *s = &x->socks[i];
			int named = 0;
			for (int v = 0; v < d->nvars; v++)
				if (x->vars[v].bound && x->vars[v].sock == i)
					named = 1;
			if (!named && !s->gone)
				final_ev(r, h, TCPSIM_FINAL_SOCKET, at, s, -1,
					 1);
		}
	}
	tcpsim_event ev;
	begin(r, &ev, TCPSIM_EV_DONE, -1, at);
	ev.u.done.checked = r->nchecked;
	ev.u.done.failed = r->nfailed;
	kr_emit(r, &ev);
}

/* ---- cleanup on signals ---- */

#define KR_MAX_PIDS 1024
static volatile pid_t live_pids[KR_MAX_PIDS];

static void track(pid_t pid, int on)
{
	for (int i = 0; i < KR_MAX_PIDS; i++)
		if (on ? live_pids[i] == 0 : live_pids[i] == pid) {
			live_pids[i] = on ? pid : 0;
			return;
		}
}

static void on_fatal(int sig)
{
	for (int i = 0; i < KR_MAX_PIDS; i++)
		if (live_pids[i] > 0)
			kill(live_pids[i], SIGKILL);
	/* reaped before tcpsim goes, so that nothing of the run outlives
	 * it (waitpid is async-signal-safe) */
	for (int i = 0; i < KR_MAX_PIDS; i++)
		if (live_pids[i] > 0)
			waitpid(live_pids[i], NULL, 0);
	signal(sig, SIG_DFL);
	raise(sig);
}

void kr_install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_fatal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int by_time(const void *a, const void *b)
{
	const kr_event *x = a, *y = b;
	if (x->ev.time_us != y->ev.time_us)
		return x->ev.time_us < y->ev.time_us ? -1 : 1;
	if ((x->ev.kind == TCPSIM_EV_FINAL || x->ev.kind == TCPSIM_EV_DONE) !=
	    (y->ev.kind == TCPSIM_EV_FINAL || y->ev.kind == TCPSIM_EV_DONE))
		return x->ev.kind == TCPSIM_EV_FINAL ||
			       x->ev.kind == TCPSIM_EV_DONE
			   ? 1
			   : -1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Every variable in the state WANT (host by host, variable by variable;
 * -1: any) says it ends in. */
static int finals_reached(kr_run *r, const void *arg)
{
	const int *want = arg;
	int k = 0;
	for (int h = 0; h < r->t->nhosts; h++)
		for (int v = 0; v < r->t->hosts[h].nvars; v++, k++)
			if (want[k] >= 0 && r->h[h].up &&
			    (int)var_state(r, h, v) != want[k])
				return 0;
	return 1;
}

int kr_run_trace(kr_run *r, const ts_trace *t, int64_t model_end,
		 const int *want)
{
	memset(r, 0, sizeof *r);
	r->t = t;
	r->h = calloc((size_t)t->nhosts, sizeof *r->h);
	if (!r->h) {
		snprintf(r->msg, sizeof r->msg, "out of memory");
		return -1;
	}
	int rc = 0;
	for (int i = 0; i < t->nhosts; i++) {
		kr_host *x = &r->h[i];
		x->k.pid = 0;
		x->k.ctl = x->k.tun = x->k.diag = -1;
		x->vars =
		    calloc((size_t)t->hosts[i].nvars + 1, sizeof *x->vars);
		if (!x->vars) {
			snprintf(r->msg, sizeof r->msg, "out of memory");
			rc = -1;
			goto out;
		}
		reset_host(r, i);
	}
	for (int i = 0; i < t->nhosts; i++) {
		kr_host *x = &r->h[i];
		int bad;
		if (kh_start(&x->k, t, i, r->msg, sizeof r->msg, &bad) < 0) {
			/* a sysctl the namespace refuses: its set line */
			int line = bad >= 0 ? ts_kernel_set_line(t, i, bad) : 0;
			if (line > 0) {
				snprintf(r->msg, sizeof r->msg,
					 "unsupported on the kernel: the "
					 "namespace refuses %s",
					 ts_knobs[bad].name);
				r->errline = line;
			}
			rc = -1;
			goto out;
		}
		track(x->k.pid, 1);
		x->up = x->alive = 1;
	}
	r->t0 = kh_now();
	r->last_poll = r->t0;
	int64_t last = 0;
	for (int i = 0; i < t->nstmts && !r->error && !r->oom; i++) {
		const ts_stmt *st = &t->stmts[i];
		pump(r, r->t0 + st->at, NULL, NULL);
		last = st->at;
		switch (st->kind) {
		case TS_STMT_CALL:
			run_call(r, i);
			break;
		case TS_STMT_NET:
			if (run_net(r, st) < 0 && !r->error)
				r->oom = 1;
			break;
		case TS_STMT_HOST: {
			pid_t old = r->h[st->host].k.pid;
			(void)run_host(r, st);
			/* a killed process stays tracked until reaped */
			if (r->h[st->host].k.pid != old &&
			    r->h[st->host].k.pid > 0)
				track(r->h[st->host].k.pid, 1);
			break;
		}
		case TS_STMT_EXPECT:
			run_expect(r, st);
			break;
		}
	}
	if (r->error) {
		rc = -1;
		goto out;
	}
	r->end = (model_end > last ? model_end : last) + END_GRACE_US;
	pump(r, r->t0 + r->end, NULL, NULL);
	if (want) {
		/* A kernel timer of seconds fires late by up to an eighth of
		 * its time (the timer wheel's granularity): the run goes on
		 * that much longer while a variable's state is not yet the
		 * one the model ends with. */
		int64_t cap = r->end + model_end / 8 + END_GRACE_US;
		pump(r, r->t0 + cap, finals_reached, want);
	}
	finish(r);
	if (r->oom) {
		snprintf(r->msg, sizeof r->msg, "out of memory");
		rc = -1;
	}
	qsort(r->ev, r->nev, sizeof *r->ev, by_time);
out:
	for (int i = 0; i < t->nhosts; i++) {
		pid_t pid = r->h[i].k.pid;
		kh_stop(&r->h[i].k);
		track(pid, 0);
	}
	for (int i = 0; i < r->nreap; i++) {
		waitpid(r->reap[i], NULL, 0);
		track(r->reap[i], 0);
	}
	r->nreap = 0;
	for (int i = 0; i < r->ndead; i++)
		kh_drop(&r->dead[i]);
	r->ndead = 0;
	return rc;
}

void kr_free(kr_run *r)
{
	if (r->h)
		for (int i = 0; i < r->t->nhosts; i++) {
			free(r->h[i].out);
			free(r->h[i].vars);
		}
	free(r->h);
	free(r->conns);
	for (int i = 0; i < r->npkts; i++)
		free(r->pkts[i].data);
	free(r->pkts);
	for (size_t i = 0; i < r->nwire; i++)
		free(r->wire[i].data);
	free(r->wire);
	free(r->rules);
	free(r->ev);
	memset(r, 0, sizeof *r);
}
