/*
 * report.c - the text report. Lines are built in a fixed buffer and handed
 * to the caller's sink; nothing here depends on the locale (integers only,
 * no floating point).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "render/report.h"
#include "sock/sock.h"

#define LINE_MAX_LEN 1024

void ts_rep_init(ts_sim *sim, ts_report_sink sink, void *ctx)
{
	sim->rep.sink = sink;
	sim->rep.ctx = ctx;
	int w = 6; /* "server" */
	for (int i = 0; i < sim->nhosts; i++) {
		int l = (int)strlen(sim->hosts[i].decl->name);
		if (l > w)
			w = l;
	}
	sim->rep.hostw = w;
}

/* An event held back with its line (see ts_rep_hold): a deep copy. */
struct ts_held_ev {
	tcpsim_event ev;
	tcpsim_segment seg;
	char *str[4]; /* detail, socket, cause, call */
};

static const struct {
	const char *name;
	tcpsim_event_kind kind;
} kinds[] = {
    {"call", TCPSIM_EV_CALL},     {"return", TCPSIM_EV_RETURN},
    {"state", TCPSIM_EV_STATE},   {"send", TCPSIM_EV_SEND},
    {"inject", TCPSIM_EV_INJECT}, {"replay", TCPSIM_EV_REPLAY},
    {"recv", TCPSIM_EV_RECV},     {"lost", TCPSIM_EV_LOST},
    {"reset", TCPSIM_EV_RESET},   {"drop", TCPSIM_EV_DROP},
    {"timer", TCPSIM_EV_TIMER},   {"rexmit", TCPSIM_EV_REXMIT},
    {"signal", TCPSIM_EV_SIGNAL}, {"proc", TCPSIM_EV_PROC},
    {"host", TCPSIM_EV_HOST},     {"skip", TCPSIM_EV_SKIP},
    {"expect", TCPSIM_EV_EXPECT}, {"FAIL", TCPSIM_EV_FAIL},
    {"end", TCPSIM_EV_END},       {"why", TCPSIM_EV_WHY},
};

static tcpsim_event_kind kind_of(const char *what)
{
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (!strcmp(kinds[i].name, what))
			return kinds[i].kind;
	return TCPSIM_EV_PROC;
}

static char *dup_str(const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

/* Send the prepared event to the observer, or hold a copy of it. */
static void observe(ts_sim *sim, const tcpsim_event *ev)
{
	ts_report *r = &sim->rep;
	if (!r->observer)
		return;
	if (!r->holding) {
		r->observer(r->observer_ctx, ev);
		return;
	}
	if (r->nheld_ev == r->held_ev_cap) {
		size_t nc = r->held_ev_cap ? r->held_ev_cap * 2 : 16;
		struct ts_held_ev *h = realloc(r->held_ev, nc * sizeof *h);
		if (!h) {
			r->observer(r->observer_ctx, ev);
			return;
		}
		r->held_ev = h;
		r->held_ev_cap = nc;
	}
	struct ts_held_ev *h = &r->held_ev[r->nheld_ev++];
	h->ev = *ev;
	if (ev->segment) {
		h->seg = *ev->segment;
		h->ev.segment = &h->seg;
	}
	h->ev.detail = h->str[0] = dup_str(ev->detail);
	h->ev.socket = h->str[1] = dup_str(ev->socket);
	h->ev.cause = h->str[2] = dup_str(ev->cause);
	h->ev.call = h->str[3] = dup_str(ev->call);
}

static void release_events(ts_sim *sim)
{
	ts_report *r = &sim->rep;
	for (size_t i = 0; i < r->nheld_ev; i++) {
		struct ts_held_ev *h = &r->held_ev[i];
		/* The array may have moved since (realloc): the segment is
		 * pointed at where it is now. */
		if (h->ev.segment)
			h->ev.segment = &h->seg;
		if (r->observer)
			r->observer(r->observer_ctx, &h->ev);
		for (int k = 0; k < 4; k++)
			free(h->str[k]);
	}
	r->nheld_ev = 0;
}

void ts_rep_ev_seg(ts_sim *sim, const ts_seg *s, uint32_t num, int from, int to)
{
	ts_report *r = &sim->rep;
	r->seg.saddr = s->saddr;
	r->seg.daddr = s->daddr;
	r->seg.sport = s->sport;
	r->seg.dport = s->dport;
	r->seg.seq = s->seq;
	r->seg.ack = s->ack;
	r->seg.len = s->len;
	r->seg.win = s->win;
	r->seg.mss = s->mss;
	r->seg.flags = s->flags;
	r->seg.sack_ok = s->sack;
	r->seg.ts = s->ts;
	r->ev.segment = &r->seg;
	r->ev.segno = num;
	r->ev.from_host = from >= 0 ? sim->hosts[from].decl->name : NULL;
	r->ev.to_host = to >= 0 ? sim->hosts[to].decl->name : NULL;
}

void ts_rep_ev_socket(ts_sim *sim, const char *label)
{
	sim->rep.ev.socket = label;
}

static void emit(ts_sim *sim, const char *s, size_t n)
{
	ts_report *r = &sim->rep;
	if (!r->sink)
		return;
	if (r->holding) {
		if (r->held_len + n > r->held_cap) {
			size_t nc = r->held_cap ? r->held_cap : 4096;
			while (nc < r->held_len + n)
				nc *= 2;
			char *nb = realloc(r->held, nc);
			if (!nb) {
				/* No room to hold: keep the order we can. */
				ts_rep_release(sim);
				r->sink(r->ctx, s, n);
				return;
			}
			r->held = nb;
			r->held_cap = nc;
		}
		memcpy(r->held + r->held_len, s, n);
		r->held_len += n;
		return;
	}
	r->sink(r->ctx, s, n);
}

void ts_rep_hold(ts_sim *sim)
{
	sim->rep.holding = 1;
}

void ts_rep_release_held(ts_sim *sim)
{
	ts_report *r = &sim->rep;
	r->holding = 0;
	release_events(sim);
	if (r->held_len && r->sink)
		r->sink(r->ctx, r->held, r->held_len);
	r->held_len = 0;
}

void ts_rep_free(ts_sim *sim)
{
	release_events(sim);
	free(sim->rep.held_ev);
	sim->rep.held_ev = NULL;
	sim->rep.held_ev_cap = 0;
	free(sim->rep.held);
	sim->rep.held = NULL;
	sim->rep.held_len = sim->rep.held_cap = 0;
}

void ts_rep_raw(ts_sim *sim, const char *fmt, ...)
{
	char buf[LINE_MAX_LEN];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof buf)
		n = (int)sizeof buf - 1;
	emit(sim, buf, (size_t)n);
}

void ts_rep_event_line(ts_sim *sim, int host, const char *what, const char *fmt,
		       ...)
{
	char buf[LINE_MAX_LEN], tb[32];
	const char *hn = host >= 0 ? sim->hosts[host].decl->name : "-";
	int n = snprintf(buf, sizeof buf, "%11s  %-*s  %-6s  ",
			 ts_time_fmt(sim->now, tb, sizeof tb), sim->rep.hostw,
			 hn, what);
	if (n < 0 || (size_t)n >= sizeof buf)
		return;
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(buf + n, sizeof buf - (size_t)n, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	size_t len = (size_t)n + (size_t)m;
	if (len > sizeof buf - 2)
		len = sizeof buf - 2;
	while (len && buf[len - 1] == ' ')
		len--;
	buf[len] = 0;
	tcpsim_event *ev = &sim->rep.ev;
	ev->kind = kind_of(what);
	if (ev->kind == TCPSIM_EV_CALL && len >= 10 &&
	    !strcmp(buf + len - 10, "... blocks"))
		ev->kind = TCPSIM_EV_BLOCK;
	ev->kind_name = what;
	ev->time_us = sim->now;
	ev->host = host >= 0 ? sim->hosts[host].decl->name : NULL;
	ev->detail = buf + n;
	observe(sim, ev);
	memset(ev, 0, sizeof *ev);
	buf[len++] = '\n';
	emit(sim, buf, len);
}

char *ts_rep_bits(uint32_t v, const ts_bitname *names, size_t count,
		  const char *none, char *buf, size_t n)
{
	size_t l = 0;
	buf[0] = 0;
	for (size_t i = 0; i < count; i++)
		if (v & names[i].bit)
			l +=
			    (size_t)snprintf(buf + l, n > l ? n - l : 0, "%s%s",
					     l ? "|" : "", names[i].name);
	if (!l)
		snprintf(buf, n, "%s", none);
	return buf;
}

char *ts_rep_flags(uint8_t f, char *buf, size_t n)
{
	static const ts_bitname names[] = {{TS_SYN, "SYN"},
					   {TS_FIN, "FIN"},
					   {TS_RST, "RST"},
					   {TS_PSH, "PSH"},
					   {TS_ACK, "ACK"}};
	return ts_rep_bits(f, names, sizeof names / sizeof names[0], "none",
			   buf, n);
}

char *ts_rep_endpoint(ts_sim *sim, uint32_t addr, uint16_t port, char *buf,
		      size_t n)
{
	int h = ts_sim_host_by_addr(sim, addr);
	if (h >= 0)
		snprintf(buf, n, "%s:%u", sim->hosts[h].decl->name, port);
	else
		snprintf(buf, n, "%u.%u.%u.%u:%u", addr >> 24,
			 (addr >> 16) & 255, (addr >> 8) & 255, addr & 255,
			 port);
	return buf;
}

char *ts_rep_seg(ts_sim *sim, const ts_seg *s, char *buf, size_t n)
{
	(void)sim;
	char fb[32];
	int l = snprintf(buf, n, "%-7s seq=%u ack=%u len=%u win=%u",
			 ts_rep_flags(s->flags, fb, sizeof fb), s->seq, s->ack,
			 s->len, s->win);
	if (s->mss && l > 0 && (size_t)l < n)
		l += snprintf(buf + l, n - (size_t)l, " mss=%u", s->mss);
	if (s->sack && l > 0 && (size_t)l < n)
		l += snprintf(buf + l, n - (size_t)l, " sack");
	if (s->ts && l > 0 && (size_t)l < n)
		snprintf(buf + l, n - (size_t)l, " ts");
	return buf;
}

void ts_rep_header(ts_sim *sim)
{
	const ts_trace *t = sim->trace;
	ts_rep_raw(sim, "# tcpsim %s: %s (profile %s", PACKAGE_VERSION,
		   t->filename, t->profile);
	if (sim->opts.seed)
		ts_rep_raw(sim, ", seed %llu",
			   (unsigned long long)sim->opts.seed);
	ts_rep_raw(sim, ")\n# hosts:");
	for (int i = 0; i < sim->nhosts; i++) {
		uint32_t a = sim->hosts[i].addr;
		ts_rep_raw(sim, "%s %s %u.%u.%u.%u", i ? "," : "",
			   sim->hosts[i].decl->name, a >> 24, (a >> 16) & 255,
			   (a >> 8) & 255, a & 255);
	}
	ts_rep_raw(sim, "\n# links:");
	int any = 0;
	for (int a = 0; a < sim->nhosts; a++)
		for (int b = a + 1; b < sim->nhosts; b++) {
			char d[32];
			ts_rep_raw(sim, "%s %s-%s %s", any ? "," : "",
				   sim->hosts[a].decl->name,
				   sim->hosts[b].decl->name,
				   ts_dur_fmt(ts_trace_link_delay(t, a, b), d,
					      sizeof d));
			any = 1;
		}
	if (!any)
		ts_rep_raw(sim, " none");
	ts_rep_raw(sim, "\n%11s  %-*s  %-6s  %s\n", "TIME", sim->rep.hostw,
		   "HOST", "EVENT", "DETAIL");
}

static void final_line(ts_sim *sim, const ts_host *h, const char *name,
		       ts_tcp_state state, uint32_t laddr, uint16_t lport,
		       uint32_t raddr, uint16_t rport, int orphan)
{
	char l[48], r[48];
	snprintf(l, sizeof l, "%u.%u.%u.%u:%u", laddr >> 24,
		 (laddr >> 16) & 255, (laddr >> 8) & 255, laddr & 255, lport);
	if (raddr)
		snprintf(r, sizeof r, " > %u.%u.%u.%u:%u", raddr >> 24,
			 (raddr >> 16) & 255, (raddr >> 8) & 255, raddr & 255,
			 rport);
	else
		r[0] = 0;
	ts_rep_raw(sim, "  %-*s  %-10s  %-12s %s%s%s\n", sim->rep.hostw,
		   h->decl->name, name, ts_state_name(state), l, r,
		   orphan ? "  (closed by the application)" : "");
}

static void final_sock(ts_sim *sim, const ts_host *h, const char *name,
		       const ts_sock *sk)
{
	if (!sk) {
		ts_rep_raw(sim, "  %-*s  %-10s  %s\n", sim->rep.hostw,
			   h->decl->name, name, "CLOSED");
		return;
	}
	final_line(sim, h, name, sk->state, sk->laddr, sk->lport, sk->raddr,
		   sk->rport, sk->orphan);
}

/* A time-wait record's line: as its socket's was. */
static void final_tw(ts_sim *sim, const ts_host *h, const char *name,
		     const ts_tw *tw)
{
	final_line(sim, h, name, TS_TIME_WAIT, tw->laddr, tw->lport, tw->raddr,
		   tw->rport, 1);
}

/* A connection no variable names (a child not yet accepted, an orphan):
 * a socket or a time-wait record. */
typedef struct unnamed {
	int host;
	uint32_t id;
	const ts_sock *sk;
	const ts_tw *tw;
} unnamed;

typedef struct unnamed_list {
	unnamed *v;
	size_t n, cap;
	int failed;
} unnamed_list;

static void unnamed_add(unnamed_list *u, int host, uint32_t id,
			const ts_sock *sk, const ts_tw *tw)
{
	if (u->n == u->cap) {
		size_t nc = u->cap ? u->cap * 2 : 64;
		unnamed *v = realloc(u->v, nc * sizeof *v);
		if (!v) {
			u->failed = 1;
			return;
		}
		u->v = v;
		u->cap = nc;
	}
	u->v[u->n++] = (unnamed){host, id, sk, tw};
}

static void unnamed_tw(void *ctx, ts_tw *tw)
{
	unnamed_list *u = ctx;
	if (tw->var < 0)
		unnamed_add(u, tw->host, tw->id, NULL, tw);
}

static int unnamed_cmp(const void *a, const void *b)
{
	const unnamed *x = a, *y = b;
	if (x->host != y->host)
		return x->host < y->host ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Every unnamed connection, by host, in the order they were made (their
 * socket ids); NULL with u->failed when memory runs out. */
static void unnamed_all(ts_sim *sim, unnamed_list *u)
{
	for (int ci = 0; ci < sim->socks.nchunks; ci++)
		for (int k = 0; k < ts_pool_used(&sim->socks, ci); k++) {
			const ts_sock *sk = ts_sim_sock(sim, ci, k);
			if (sk->in_use && sk->host && sk->var < 0)
				unnamed_add(u, (int)(sk->host - sim->hosts),
					    sk->id, sk, NULL);
		}
	ts_tw_each(sim, unnamed_tw, u);
	if (!u->failed && u->n)
		qsort(u->v, u->n, sizeof *u->v, unnamed_cmp);
}

void ts_rep_final(ts_sim *sim)
{
	char tb[32], lb[64];
	if (!sim->rep.sink)
		return; /* lines only: nobody reads them */
	ts_rep_raw(sim, "# final state at %s\n",
		   ts_time_fmt(sim->now, tb, sizeof tb));
	unnamed_list u = {0};
	unnamed_all(sim, &u);
	if (u.failed) {
		ts_rep_raw(sim, "# (out of memory: unnamed connections not "
				"listed)\n");
		u.n = 0;
	}
	size_t j = 0;
	for (int i = 0; i < sim->nhosts; i++) {
		ts_host *h = &sim->hosts[i];
		const ts_host_decl *d = h->decl;
		if (h->proc.terminated)
			ts_rep_raw(sim, "  %-*s  process terminated\n",
				   sim->rep.hostw, d->name);
		if (!h->up)
			ts_rep_raw(sim, "  %-*s  host down\n", sim->rep.hostw,
				   d->name);
		for (int v = 0; v < d->nvars; v++) {
			ts_var *var = &h->proc.vars[v];
			if (!var->bound)
				continue;
			if (ts_var_tw(var))
				final_tw(sim, h, d->vars[v], var->tw);
			else
				final_sock(sim, h, d->vars[v],
					   ts_var_sock(var));
		}
		for (; j < u.n && u.v[j].host == i; j++) {
			const unnamed *e = &u.v[j];
			if (e->sk) {
				final_sock(
				    sim, h,
				    ts_tcp_label(sim, e->sk, lb, sizeof lb),
				    e->sk);
			} else {
				/* the label its socket had: its ports */
				final_tw(sim, h,
					 ts_tcp_label_ports(
					     sim, e->tw->lport, e->tw->raddr,
					     e->tw->rport, lb, sizeof lb),
					 e->tw);
			}
		}
	}
	free(u.v);
}
