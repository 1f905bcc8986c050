/*
 * harness.c - see harness.h. Builds simulations from trace text, runs single
 * lines and crafted segments through them, captures what the stacks send,
 * and puts connections into any state (the chained fixtures).
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/report.h"
#include "sock/sock.h"

/* Harnesses still alive, for th_teardown(). Test-only state: each check
 * test runs in its own process, and two harnesses can still live side by
 * side in one test. */
static th *live;

/* ---- report and tap ---- */

static void sink(void *ctx, const char *data, size_t len)
{
	th *t = ctx;
	if (t->echo)
		fwrite(data, 1, len, stderr);
	if (t->replen + len + 1 > t->repcap) {
		size_t cap = t->repcap ? t->repcap : 4096;
		while (t->replen + len + 1 > cap)
			cap *= 2;
		char *r = realloc(t->rep, cap);
		ck_assert_msg(r != NULL, "out of memory");
		t->rep = r;
		t->repcap = cap;
	}
	memcpy(t->rep + t->replen, data, len);
	t->replen += len;
	t->rep[t->replen] = '\0';
}

static void tap(void *ctx, const ts_pkt *p)
{
	th *t = ctx;
	if (t->ncaps == t->capcap) {
		int cap = t->capcap ? t->capcap * 2 : 64;
		th_cap *c = realloc(t->caps, (size_t)cap * sizeof *c);
		ck_assert_msg(c != NULL, "out of memory");
		t->caps = c;
		t->capcap = cap;
	}
	th_cap *c = &t->caps[t->ncaps++];
	c->seg = p->seg;
	c->num = p->num;
	c->from = p->from;
	c->to = p->to;
	c->injected = p->injected;
	c->at = t->sim->now;
}

/* ---- building and freeing ---- */

static ts_trace *parse(const char *text, const char *what)
{
	ts_error err;
	ts_trace *tr = ts_trace_parse("test.trace", text, strlen(text), &err);
	ck_assert_msg(tr != NULL, "%s: test.trace:%d:%d: %s\n  %s", what,
		      err.line, err.col, err.msg, err.source);
	return tr;
}

th *th_new(const char *text, int swallow)
{
	th *t = calloc(1, sizeof *t);
	ck_assert_msg(t != NULL, "out of memory");
	size_t n = strlen(text);
	t->base = malloc(n + 2);
	ck_assert_msg(t->base != NULL, "out of memory");
	memcpy(t->base, text, n + 1);
	if (n && text[n - 1] != '\n') {
		t->base[n] = '\n';
		t->base[n + 1] = '\0';
	}
	for (const char *p = t->base; *p; p++)
		if (*p == '\n')
			t->base_lines++;
	t->trace = parse(t->base, "the base text");
	t->echo = getenv("TH_VERBOSE") != NULL;
	ts_sim_opts o = {
	    .seed = 0, .max_time = TS_TIME_MAX, .max_events = UINT64_MAX};
	t->sim = ts_sim_new(t->trace, &o);
	ck_assert_msg(t->sim != NULL, "ts_sim_new failed");
	/* The report, rendered from the events as the library does. */
	t->report = ts_report_new(t->trace, 0, 0, sink, t);
	ck_assert_msg(t->report != NULL, "out of memory");
	ts_stream_add(&t->sim->out, ts_report_event, t->report, 0);
	t->sim->chk.on = 1; /* invariants after every event, in every test */
	t->sim->test.tap = tap;
	t->sim->test.tap_ctx = t;
	t->sim->test.tap_swallow = swallow;
	t->next_live = live;
	live = t;
	return t;
}

ts_sim *th_sim_report(const ts_trace *tr, tcpsim_write_fn write, void *ctx)
{
	ts_sim_opts o = {
	    .seed = 0, .max_time = TS_TIME_MAX, .max_events = UINT64_MAX};
	ts_sim *sim = ts_sim_new(tr, &o);
	ck_assert_msg(sim != NULL, "ts_sim_new failed");
	ts_report *r = ts_report_new(tr, 0, 0, write, ctx);
	ck_assert_msg(r != NULL, "out of memory");
	ts_stream_add(&sim->out, ts_report_event, r, 0);
	return sim;
}

int th_sim_run(ts_sim *sim)
{
	ts_report *r = sim->out.sink[0].ctx;
	ts_report_begin(r);
	int status = ts_sim_run(sim);
	ts_report_flush(r);
	return status;
}

void th_sim_free(ts_sim *sim)
{
	ts_report *r = sim->out.nsinks ? sim->out.sink[0].ctx : NULL;
	ts_sim_free(sim);
	ts_report_free(r);
}

void th_free(th *t)
{
	if (!t)
		return;
	for (th **pp = &live; *pp; pp = &(*pp)->next_live)
		if (*pp == t) {
			*pp = t->next_live;
			break;
		}
	ts_report_free(t->report);
	ts_sim_free(t->sim);
	ts_trace_free(t->trace);
	for (int i = 0; i < t->nextra; i++)
		ts_trace_free(t->extra[i]);
	free(t->extra);
	free(t->caps);
	free(t->rep);
	free(t->base);
	free(t);
}

void th_teardown(void)
{
	while (live)
		th_free(live);
}

/* ---- running lines ---- */

/* Blocked calls are re-tried after each step of the engine; a step of a
 * test (a crafted segment) ends the same way, through ts_sim_exec() of a
 * statement that does nothing: "heal" of the pair (a, a), which has no
 * fault to end. */
static void wake(th *t)
{
	static const ts_stmt nop = {
	    .kind = TS_STMT_NET,
	    .line = 0,
	    .host = -1,
	    .u.net = {.op = TS_NET_HEAL, .from = 0, .to = 0}};
	ts_sim_exec(t->sim, &nop);
}

static th_res result_of(th *t, const ts_stmt *st)
{
	th_res r = {0};
	if (st->kind != TS_STMT_CALL)
		return r;
	const ts_proc *p = &t->sim->hosts[st->host].proc;
	r.host = st->host;
	r.line = st->line;
	if (p->call.st && p->call.st->line == st->line) {
		r.blocked = 1;
		return r;
	}
	if (t->sim->exp.last_line != st->line) {
		/* Not run (process terminated, host down): no result. */
		r.ret = -2;
		return r;
	}
	r.ret = t->sim->exp.last.ret;
	r.err = t->sim->exp.last.err;
	r.sigpipe = t->sim->exp.last.sigpipe;
	return r;
}

static void no_new_failure(th *t, int before, const char *line)
{
	if (t->sim->exp.nfailed == before)
		return;
	ts_report_flush(t->report);
	const char *f = t->rep ? strstr(t->rep, "FAIL    ") : NULL;
	ck_abort_msg("line \"%s\": the engine reported a failed expectation: "
		     "%.200s",
		     line, f ? f : "(no report)");
}

th_res th_do(th *t, const char *line)
{
	/* The line goes after the base text, on a line of its own number
	 * (blank lines before it), so that its result can be told apart. */
	int k = t->nextra + 1;
	size_t bl = strlen(t->base), ll = strlen(line);
	char *text = malloc(bl + (size_t)k + ll + 8);
	ck_assert_msg(text != NULL, "out of memory");
	memcpy(text, t->base, bl);
	memset(text + bl, '\n', (size_t)k - 1);
	snprintf(text + bl + k - 1, ll + 8, "+0 %s\n", line);
	ts_trace *x = parse(text, line);
	free(text);
	if (t->nextra == t->extracap) {
		int cap = t->extracap ? t->extracap * 2 : 16;
		ts_trace **e = realloc(t->extra, (size_t)cap * sizeof *e);
		ck_assert_msg(e != NULL, "out of memory");
		t->extra = e;
		t->extracap = cap;
	}
	t->extra[t->nextra++] = x;
	const ts_stmt *st = &x->stmts[x->nstmts - 1];
	if (st->kind == TS_STMT_CALL) {
		const ts_proc *p = &t->sim->hosts[st->host].proc;
		ck_assert_msg(!p->call.st,
			      "\"%s\": the process of host %d is blocked in "
			      "line %d",
			      line, st->host,
			      p->call.st ? p->call.st->line : 0);
	}
	int before = t->sim->exp.nfailed;
	ts_sim_exec(t->sim, st);
	no_new_failure(t, before, line);
	return result_of(t, st);
}

th_res th_line(th *t, int line)
{
	for (int i = 0; i < t->trace->nstmts; i++) {
		const ts_stmt *st = &t->trace->stmts[i];
		if (st->line != line)
			continue;
		ts_sim_exec(t->sim, st);
		return result_of(t, st);
	}
	ck_abort_msg("no statement on line %d of the base text", line);
	return (th_res){0};
}

th_res th_result(th *t, th_res r)
{
	if (!r.blocked)
		return r;
	const ts_proc *p = &t->sim->hosts[r.host].proc;
	if (p->call.st && p->call.st->line == r.line)
		return r;
	ck_assert_msg(t->sim->exp.last_line == r.line,
		      "the call of line %d returned, but another call "
		      "returned after it",
		      r.line);
	r.blocked = 0;
	r.ret = t->sim->exp.last.ret;
	r.err = t->sim->exp.last.err;
	r.sigpipe = t->sim->exp.last.sigpipe;
	return r;
}

void th_advance(th *t, ts_time dt)
{
	ts_sim_advance(t->sim, t->sim->now + dt);
}

void th_advance_to(th *t, ts_time at)
{
	ck_assert_msg(at >= t->sim->now, "time cannot go back");
	ts_sim_advance(t->sim, at);
}

int th_run(th *t)
{
	return ts_sim_run(t->sim);
}

void th_input_host(th *t, int host, const ts_seg *seg)
{
	ts_sim *sim = t->sim;
	ts_host *h = &sim->hosts[host];
	uint32_t num = sim->net.nextnum++;
	if (ts_ev_on(sim, TCPSIM_EV_RECV)) {
		/* its arrival, as if from the network */
		tcpsim_event ev;
		ts_ev_begin(sim, &ev, TCPSIM_EV_RECV, host);
		ev.u.seg.segno = num;
		ev.u.seg.from = ev.u.seg.to = host;
		ev.u.seg.seg = *seg;
		ev.u.seg.rst = -1;
		ts_ev_emit(sim, &ev);
	}
	if (h->up)
		ts_tcp_input(sim, h, seg, ts_cause_seg(num, 0));
	wake(t);
	ts_tw_compact(sim); /* after an event, as the engine does */
}

uint32_t th_net_send(th *t, int from, int to, const ts_seg *seg)
{
	return ts_net_send(t->sim, from, to, seg, ts_cause_none(), -1);
}

/* ---- captures ---- */

int th_pending(const th *t)
{
	return t->ncaps - t->next;
}

const th_cap *th_take(th *t)
{
	if (t->next >= t->ncaps)
		return NULL;
	return &t->caps[t->next++];
}

void th_drop_captures(th *t)
{
	t->next = t->ncaps;
}

void th_quiet(th *t)
{
	/* No sink: the model builds no event at all. */
	t->sim->out.nsinks = 0;
	t->sim->out.mask = 0;
}

const char *th_report(const th *t)
{
	ts_report_flush(t->report);
	return t->rep ? t->rep : "";
}

int th_report_has(const th *t, const char *needle)
{
	return strstr(th_report(t), needle) != NULL;
}

int th_report_count(const th *t, const char *needle)
{
	int n = 0;
	size_t l = strlen(needle);
	for (const char *p = th_report(t); l && (p = strstr(p, needle)); p += l)
		n++;
	return n;
}

ts_time th_report_time(const th *t, const char *needle)
{
	char line[400];
	th_report_line(t, needle, line, sizeof line);
	if (!line[0])
		return -1;
	/* "   3.540000  a  ..." : seconds and six decimals */
	long long sec = 0, us = 0;
	if (sscanf(line, " %lld.%6lld", &sec, &us) != 2)
		return -1;
	return TS_SEC(sec) + us;
}

const char *th_report_line(const th *t, const char *needle, char *buf, size_t n)
{
	const char *r = th_report(t), *p = strstr(r, needle);
	buf[0] = '\0';
	if (!p || !n)
		return buf;
	while (p > r && p[-1] != '\n')
		p--;
	size_t l = strcspn(p, "\n");
	if (l >= n)
		l = n - 1;
	memcpy(buf, p, l);
	buf[l] = '\0';
	return buf;
}

typedef struct queued_ctx {
	uint32_t num;
	const ts_pkt **out;
	int max, n;
} queued_ctx;

static void queued_one(void *ctx, const ts_event *ev)
{
	queued_ctx *c = ctx;
	if (ev->kind != TS_EV_DELIVER)
		return;
	const ts_pkt *p = (const ts_pkt *)ev;
	if (p->num != c->num)
		return;
	if (c->n < c->max) {
		/* keep OUT in arrival order */
		int j = c->n;
		while (j > 0 && (c->out[j - 1]->ev.when > ev->when ||
				 (c->out[j - 1]->ev.when == ev->when &&
				  c->out[j - 1]->ev.seq > ev->seq))) {
			c->out[j] = c->out[j - 1];
			j--;
		}
		c->out[j] = p;
	}
	c->n++;
}

int th_queued(const th *t, uint32_t num, const ts_pkt **out, int max)
{
	queued_ctx c = {num, out, max, 0};
	ts_evq_each(&t->sim->q, queued_one, &c);
	/* Behind the head of each lane, segments wait out of the queue. */
	const ts_network *n = &t->sim->net;
	for (int d = 0; d < n->nhosts * n->nhosts; d++)
		for (const ts_pkt *p = n->dirs[d].lane_head; p && p->next;
		     p = p->next)
			queued_one(&c, &p->next->ev);
	return c.n;
}

ts_sock *th_var_sock(const th *t, int host, const char *var)
{
	const ts_host *h = &t->sim->hosts[host];
	for (int v = 0; v < h->decl->nvars; v++)
		if (strcmp(h->decl->vars[v], var) == 0)
			return h->proc.vars[v].bound
				   ? ts_var_sock(&h->proc.vars[v])
				   : NULL;
	ck_abort_msg("host %s has no variable %s", h->decl->name, var);
	return NULL;
}

/* ---- segments ---- */

char *th_seg_str(const ts_seg *s, char *buf, size_t n)
{
	char fb[40], sa[20], da[20];
	ts_sb sb;
	ts_sb_init(&sb, fb, sizeof fb);
	ts_names_bits(&sb, s->flags, ts_tcp_flags, 5, "none");
	ts_sb_putc(&sb, '\0');
	char wb[16];
	if (s->wscale == TH_WIN_UNCHECKED)
		snprintf(wb, sizeof wb, "*");
	else
		snprintf(wb, sizeof wb, "%u", s->win);
	int l = snprintf(buf, n, "%s %s:%u>%s:%u seq=%u ack=%u len=%u win=%s",
			 fb, ts_ipv4_fmt(s->saddr, sa), s->sport,
			 ts_ipv4_fmt(s->daddr, da), s->dport, s->seq, s->ack,
			 s->len, wb);
	if (s->mss && l > 0 && (size_t)l < n)
		l += snprintf(buf + l, n - (size_t)l, " mss=%u", s->mss);
	if (s->ts && l > 0 && (size_t)l < n)
		snprintf(buf + l, n - (size_t)l, " ts");
	return buf;
}

static int seg_cmp(const ts_seg *got, const ts_seg *want, int win, char *msg,
		   size_t n)
{
	char diff[120] = "";
	size_t l = 0;
#define FIELD(f)                                                               \
	if (got->f != want->f)                                                 \
	l += (size_t)snprintf(diff + l, sizeof diff - l, "%s%s",               \
			      l ? ", " : "", #f)
	FIELD(flags);
	FIELD(saddr);
	FIELD(daddr);
	FIELD(sport);
	FIELD(dport);
	FIELD(seq);
	FIELD(ack);
	FIELD(len);
	FIELD(mss);
	FIELD(ts);
	if (win && want->wscale != TH_WIN_UNCHECKED)
		FIELD(win);
#undef FIELD
	if (!l)
		return 1;
	char gb[200], wb[200];
	snprintf(msg, n, "segments differ in %s:\n  expected %s\n  got      %s",
		 diff, th_seg_str(want, wb, sizeof wb),
		 th_seg_str(got, gb, sizeof gb));
	return 0;
}

int th_seg_eq(const ts_seg *got, const ts_seg *want, char *msg, size_t n)
{
	return seg_cmp(got, want, 1, msg, n);
}

int th_seg_eq_nowin(const ts_seg *got, const ts_seg *want, char *msg, size_t n)
{
	return seg_cmp(got, want, 0, msg, n);
}

ts_seg th_seg(uint32_t saddr, uint16_t sport, uint32_t daddr, uint16_t dport,
	      uint8_t flags, uint32_t seq, uint32_t ack, uint32_t len,
	      uint16_t win)
{
	ts_seg s;
	memset(&s, 0, sizeof s);
	s.saddr = saddr;
	s.daddr = daddr;
	s.sport = sport;
	s.dport = dport;
	s.flags = flags;
	s.seq = seq;
	s.ack = ack;
	s.len = len;
	s.win = win;
	s.mss = (flags & TS_SYN) ? TS_TCP_MSS : 0;
	return s;
}

static uint16_t win_of(int32_t w, uint16_t def)
{
	if (w == TH_WIN_ZERO)
		return 0;
	return w ? (uint16_t)w : def;
}

ts_seg th_in(const th_conn *c, th_rel r)
{
	ts_seg s = th_seg(c->raddr, c->rport, c->laddr, c->lport, r.flags,
			  r.abs ? r.seq : c->irs + r.seq, r.ack, r.len,
			  win_of(r.win, WIN_IN));
	if ((r.flags & TS_ACK) && !r.abs)
		s.ack = c->iss + r.ack;
	if (r.mss)
		s.mss = r.mss;
	s.ts = r.ts == TH_TS_ON;
	s.tsval = r.tsval;
	s.tsecr = r.tsecr;
	return s;
}

ts_seg th_out(const th_conn *c, th_rel r)
{
	ts_seg s = th_seg(c->laddr, c->lport, c->raddr, c->rport, r.flags,
			  r.abs ? r.seq : c->iss + r.seq, r.ack, r.len,
			  win_of(r.win, WIN_OUT));
	/* A window not named is not checked (after the SYN's, windows are
	 * Linux's tcp_select_window: the window tests check them). */
	if (!r.win && !(r.flags & TS_SYN))
		s.wscale = TH_WIN_UNCHECKED;
	if ((r.flags & TS_ACK) && !r.abs)
		s.ack = c->irs + r.ack;
	if (r.mss)
		s.mss = r.mss;
	/* Linux offers timestamps in its SYN (tcp_timestamps 1); a SYN-ACK
	 * carries them only when the peer's SYN did. */
	if (r.ts)
		s.ts = r.ts == TH_TS_ON;
	else
		s.ts = (r.flags & TS_SYN) && !(r.flags & TS_ACK);
	return s;
}

char *th_res_str(const th_res *r, char *buf, size_t n)
{
	if (r->blocked)
		snprintf(buf, n, "a call still blocked");
	else if (r->ret == -2)
		snprintf(buf, n, "a call that did not run");
	else if (r->ret < 0)
		snprintf(buf, n, "= -1 %s%s", ts_errno_name(r->err),
			 r->sigpipe ? " +SIGPIPE" : "");
	else
		snprintf(buf, n, "= %lld%s%s", (long long)r->ret,
			 r->err ? " with an errno" : "",
			 r->sigpipe ? " +SIGPIPE" : "");
	return buf;
}

/* ---- connections ---- */

void th_input(const th_conn *c, const ts_seg *seg)
{
	th_input_host(c->t, c->host, seg);
}

/* The connection under test: its socket, or (*TW) its time-wait record
 * (tcp_tw.c). After a record, or a record made a socket again, it is the
 * one with the same id in the table (whose key is tcp_conn.c's). */
static ts_sock *th_find(const th_conn *c, ts_tw **tw)
{
	*tw = NULL;
	ts_sock *sk = ts_sockref_get(c->ref);
	if (sk)
		return sk;
	ts_host *h = &c->t->sim->hosts[c->host];
	uintptr_t v = (uintptr_t)ts_hmap_get(
	    &h->conns,
	    ((uint64_t)c->lport << 48) | ((uint64_t)c->raddr << 16) | c->rport);
	if (v & 1) {
		ts_tw *r = (ts_tw *)(v - 1);
		*tw = r->id == c->id ? r : NULL;
		return NULL;
	}
	sk = (ts_sock *)v;
	return sk && sk->id == c->id ? sk : NULL;
}

ts_sock *th_sk(const th_conn *c)
{
	ts_tw *tw;
	ts_sock *sk = th_find(c, &tw);
	return tw ? ts_tw_inflate(c->t->sim, tw) : sk;
}

ts_tcp_state th_state(const th_conn *c)
{
	ts_tw *tw;
	ts_sock *sk = th_find(c, &tw);
	if (tw)
		return TS_TIME_WAIT;
	return sk ? sk->state : TS_CLOSED;
}

static ts_sockref ref_of(ts_sock *sk)
{
	ck_assert_msg(sk != NULL, "no socket");
	return (ts_sockref){.sk = sk, .gen = sk->gen};
}

/* ---- fixtures ---- */

/* Host a is the stack under test, b the peer the test plays. Every
 * variable a fixture or a test uses is bound here (the lines are never
 * run: they declare the variables th_do() lines refer to). */
static const char FX_TEXT[] = "host a 10.0.0.1\n"
			      "host b 10.0.0.2\n"
			      "set a isn 1000\n"
			      "0 a: s = socket()\n"
			      "0 a: c = socket()\n"
			      "0 a: x = accept(s)\n"
			      "0 a: y = accept(s)\n";

static th_conn conn_new(th *t)
{
	th_conn c;
	memset(&c, 0, sizeof c);
	c.t = t;
	c.host = 0;
	c.peer = 1;
	c.laddr = LOCAL_ADDR;
	c.raddr = REMOTE_ADDR;
	c.lport = LOCAL_PORT;
	c.rport = REMOTE_PORT;
	c.iss = LOCAL_ISS;
	c.irs = REMOTE_ISS;
	return c;
}

th_conn listening(void)
{
	th *t = th_new(FX_TEXT, 1);
	th_conn c = conn_new(t);
	ck_ret(th_do(t, "a: s = socket()"), 3);
	ck_ret(th_do(t, "a: bind(s, 80)"), 0);
	ck_ret(th_do(t, "a: listen(s, 8)"), 0);
	c.ref = ref_of(th_var_sock(t, 0, "s"));
	c.id = c.ref.sk->id;
	ck_state(c, TS_LISTEN);
	ck_no_send(t);
	return c;
}

th_conn syn_received(void)
{
	th_conn c = listening();
	INPUT(c, .flags = TS_SYN, .seq = 0);
	ck_send(c.t, OUT(c, .flags = TS_SYN | TS_ACK, .seq = 0, .ack = 1));
	c.ref = ref_of(ts_tcp_lookup(c.t->sim, &c.t->sim->hosts[0], LOCAL_PORT,
				     REMOTE_ADDR, REMOTE_PORT));
	c.id = c.ref.sk->id;
	ck_state(c, TS_SYN_RECEIVED);
	return c;
}

th_conn established(void)
{
	th_conn c = syn_received();
	th_advance(c.t, FX_RTT);
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 1);
	ck_no_send(c.t);
	ck_state(c, TS_ESTABLISHED);
	ck_ret(th_do(c.t, "a: x = accept(s)"), 4);
	ck_assert_ptr_eq(th_var_sock(c.t, 0, "x"), th_sk(&c));
	return c;
}

th_conn fin_wait_1(void)
{
	th_conn c = established();
	ck_ret(th_do(c.t, "a: close(x)"), 0);
	ck_send(c.t, OUT(c, .flags = TS_FIN | TS_ACK, .seq = 1, .ack = 1));
	ck_state(c, TS_FIN_WAIT_1);
	return c;
}

th_conn fin_wait_1_shut(void)
{
	th_conn c = established();
	ck_ret(th_do(c.t, "a: shutdown(x, SHUT_WR)"), 0);
	ck_send(c.t, OUT(c, .flags = TS_FIN | TS_ACK, .seq = 1, .ack = 1));
	ck_state(c, TS_FIN_WAIT_1);
	return c;
}

static th_conn fin_acked(th_conn c)
{
	th_advance(c.t, FX_RTT);
	INPUT(c, .flags = TS_ACK, .seq = 1, .ack = 2);
	ck_no_send(c.t);
	ck_state(c, TS_FIN_WAIT_2);
	return c;
}

th_conn fin_wait_2(void)
{
	return fin_acked(fin_wait_1());
}

th_conn fin_wait_2_shut(void)
{
	return fin_acked(fin_wait_1_shut());
}

th_conn time_wait(void)
{
	th_conn c = fin_wait_2();
	INPUT(c, .flags = TS_FIN | TS_ACK, .seq = 1, .ack = 2);
	/* the FIN took a byte of the window; its right edge stays (Linux
	 * tcp_select_window) */
	ck_send(c.t, OUT(c, .flags = TS_ACK, .seq = 2, .ack = 2,
			 .win = WIN_OUT - 1));
	ck_state(c, TS_TIME_WAIT);
	return c;
}

th_conn closing(void)
{
	th_conn c = fin_wait_1();
	INPUT(c, .flags = TS_FIN | TS_ACK, .seq = 1, .ack = 1);
	ck_send(c.t, OUT(c, .flags = TS_ACK, .seq = 2, .ack = 2));
	ck_state(c, TS_CLOSING);
	return c;
}

th_conn close_wait(void)
{
	th_conn c = established();
	INPUT(c, .flags = TS_FIN | TS_ACK, .seq = 1, .ack = 1);
	/* A FIN in ESTABLISHED enters interactive mode: its ACK is delayed,
	 * here (no data yet, no ATO) to the next timer tick (Linux tcp_fin,
	 * __tcp_ack_snd_check, tcp_send_delayed_ack). */
	ck_no_send(c.t);
	th_advance(c.t, FX_DELACK_TICK);
	ck_send(c.t, OUT(c, .flags = TS_ACK, .seq = 1, .ack = 2));
	ck_state(c, TS_CLOSE_WAIT);
	return c;
}

th_conn last_ack(void)
{
	th_conn c = close_wait();
	ck_ret(th_do(c.t, "a: close(x)"), 0);
	ck_send(c.t, OUT(c, .flags = TS_FIN | TS_ACK, .seq = 1, .ack = 2));
	ck_state(c, TS_LAST_ACK);
	return c;
}

th_conn syn_sent(void)
{
	th *t = th_new(FX_TEXT, 1);
	th_conn c = conn_new(t);
	ck_ret(th_do(t, "a: c = socket()"), 3);
	c.call = th_do(t, "a: connect(c, b:80)");
	ck_blocked(c.call);
	c.ref = ref_of(th_var_sock(t, 0, "c"));
	c.id = c.ref.sk->id;
	/* Deterministic ephemeral ports start at 40000. */
	c.lport = 40000;
	c.rport = 80;
	ck_send(t, OUT(c, .flags = TS_SYN, .seq = 0));
	ck_state(c, TS_SYN_SENT);
	return c;
}

th_conn syn_sent_nonblock(void)
{
	th *t = th_new(FX_TEXT, 1);
	th_conn c = conn_new(t);
	ck_ret(th_do(t, "a: c = socket()"), 3);
	ck_ret(th_do(t, "a: fcntl(c, O_NONBLOCK)"), 0);
	ck_errno(th_do(t, "a: connect(c, b:80)"), TS_EINPROGRESS, 0);
	c.ref = ref_of(th_var_sock(t, 0, "c"));
	c.id = c.ref.sk->id;
	c.lport = 40000;
	c.rport = 80;
	ck_send(t, OUT(c, .flags = TS_SYN, .seq = 0));
	ck_state(c, TS_SYN_SENT);
	return c;
}

th_conn established_active(void)
{
	th_conn c = syn_sent();
	th_advance(c.t, FX_RTT);
	INPUT(c, .flags = TS_SYN | TS_ACK, .seq = 0, .ack = 1);
	ck_send(c.t, OUT(c, .flags = TS_ACK, .seq = 1, .ack = 1));
	ck_state(c, TS_ESTABLISHED);
	ck_ret(th_result(c.t, c.call), 0);
	c.call = (th_res){0};
	return c;
}
