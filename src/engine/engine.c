/*
 * engine.c - the run loop. Timed lines and queued events are taken in time
 * order; every line scheduled at T runs, in file order, before any event
 * at T (the trace contract). Calls go to the host's process, which runs one
 * call at a time: a call that blocks holds the lines after it until it
 * returns. After each step, processes whose sockets changed re-try their
 * blocked call.
 *
 * What happens is told as typed events (src/event/stream.h): calls and
 * their results, host events, expectations, failures, the final state.
 * Nothing here formats text but the errors that stop a run.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "sock/sock.h"

int ts_sim_host_by_addr(const ts_sim *sim, uint32_t addr)
{
	for (int i = 0; i < sim->nhosts; i++)
		if (sim->hosts[i].addr == addr)
			return i;
	return -1;
}

const char *ts_sim_host_name_of(const ts_sim *sim, uint32_t addr, int hint)
{
	if (hint >= 0 && hint < sim->nhosts && sim->hosts[hint].addr == addr)
		return sim->hosts[hint].decl->name;
	int h = ts_sim_host_by_addr(sim, addr);
	return h >= 0 ? sim->hosts[h].decl->name : NULL;
}

void ts_sim_abort(ts_sim *sim, int line, const char *fmt, ...)
{
	if (sim->run.aborted)
		return;
	sim->run.aborted = 1;
	ts_error *e = &sim->run.err;
	memset(e, 0, sizeof *e);
	snprintf(e->file, sizeof e->file, "%s", sim->trace->filename);
	e->line = line;
	e->col = line ? 1 : 0;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	if (line > 0) {
		/* The offending line, for the message. */
		const char *p = sim->trace->text,
			   *end = p + sim->trace->textlen;
		for (int l = 1; l < line && p < end; l++) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			p = nl ? nl + 1 : end;
		}
		size_t n = 0;
		while (p + n < end && p[n] != '\n' && p[n] != '\r' &&
		       n < sizeof e->source - 1)
			n++;
		memcpy(e->source, p, n);
		e->source[n] = 0;
	}
}

static void host_reset_proc(ts_host *h)
{
	ts_proc *p = &h->proc;
	free(p->fds);
	p->fds = NULL;
	p->nfds = 0;
	p->fdlow = 0;
	memset(p->vars, 0, (size_t)h->decl->nvars * sizeof *p->vars);
	for (int v = 0; v < h->decl->nvars; v++)
		p->vars[v].fd = -1;
	p->alive = 1;
	p->terminated = 0;
	p->sigpipe_ignored = 0;
	p->call.st = NULL;
	p->wake = 0;
	p->qhead = p->qtail = 0;
}

ts_sim *ts_sim_new(const ts_trace *t, const ts_sim_opts *o)
{
	ts_sim *sim = calloc(1, sizeof *sim);
	if (!sim)
		return NULL;
	sim->trace = t;
	sim->opts = *o;
	ts_evq_init(&sim->q);
	ts_stream_init(&sim->out);
	ts_pool_init(&sim->socks.pool, sizeof(ts_sock),
		     offsetof(ts_sock, next_free), TS_SOCK_CHUNK);
	ts_pool_init(&sim->tw.pool, sizeof(ts_tw), offsetof(ts_tw, ev.when),
		     TS_TW_CHUNK);
	sim->nhosts = t->nhosts;
	sim->hosts =
	    calloc((size_t)(t->nhosts ? t->nhosts : 1), sizeof *sim->hosts);
	size_t ndirs = (size_t)t->nhosts * (size_t)t->nhosts * TS_NSEGKINDS + 1;
	sim->exp.span_base = calloc(ndirs, sizeof *sim->exp.span_base);
	sim->exp.span_mark = calloc(ndirs, sizeof *sim->exp.span_mark);
	if (!sim->hosts || !sim->exp.span_base || !sim->exp.span_mark ||
	    ts_net_init(&sim->net, t) < 0) {
		ts_sim_free(sim);
		return NULL;
	}
	for (int i = 0; i < t->nhosts; i++) {
		ts_host *h = &sim->hosts[i];
		h->index = i;
		h->decl = &t->hosts[i];
		h->addr = t->hosts[i].addr;
		memcpy(h->knob, t->hosts[i].knobs, sizeof h->knob);
		h->up = 1;
		h->next_port = (uint16_t)h->knob[TS_KNOB_IP_LOCAL_PORT_LOW];
		h->challenge_second = -1;
		ts_hmap_init(&h->conns);
		ts_hmap_init(&h->listeners);
		ts_hmap_init(&h->cookies);
		ts_hmap_init(&h->tfo_cache);
		h->proc.nvars_cap = h->decl->nvars + 1;
		h->proc.vars =
		    calloc((size_t)h->proc.nvars_cap, sizeof *h->proc.vars);
		if (!h->proc.vars) {
			ts_sim_free(sim);
			return NULL;
		}
		h->proc.tev.kind = TS_EV_PROC_TIMER;
		host_reset_proc(h);
	}
	return sim;
}

int ts_sim_vars_grow(ts_sim *sim)
{
	for (int i = 0; i < sim->nhosts; i++) {
		ts_proc *p = &sim->hosts[i].proc;
		int now = sim->hosts[i].decl->nvars;
		if (now < p->nvars_cap)
			continue;
		int cap =
		    p->nvars_cap * 2 > now + 1 ? p->nvars_cap * 2 : now + 1;
		ts_var *v = realloc(p->vars, (size_t)cap * sizeof *v);
		if (!v)
			return -1;
		for (int k = p->nvars_cap; k < cap; k++) {
			memset(&v[k], 0, sizeof v[k]);
			v[k].fd = -1;
		}
		p->vars = v;
		p->nvars_cap = cap;
	}
	return 0;
}

void ts_sim_free(ts_sim *sim)
{
	if (!sim)
		return;
	ts_evq_free(&sim->q);
	for (int i = 0; sim->hosts && i < sim->nhosts; i++) {
		ts_host *h = &sim->hosts[i];
		ts_hmap_free(&h->conns);
		ts_hmap_free(&h->listeners);
		ts_portmap_free(&h->ports);
		ts_tcp_cookies_free(h);
		free(h->proc.fds);
		free(h->proc.vars);
		free(h->proc.queue);
	}
	free(sim->hosts);
	ts_net_free(&sim->net);
	ts_stream_free(&sim->out);
	for (int i = 0; i < sim->socks.pool.nchunks; i++)
		for (int k = 0; k < ts_pool_used(&sim->socks.pool, i); k++)
			if (ts_sim_sock(sim, i, k)->in_use) {
				free(ts_sim_sock(sim, i, k)->x);
				ts_tcp_skb_purge(ts_sim_sock(sim, i, k));
			}
	ts_pool_free(&sim->socks.pool);
	ts_tw_free_all(sim);
	free(sim->exp.span_base);
	free(sim->exp.span_mark);
	free(sim->why.origins);
	free(sim->why.lines);
	ts_hmap_free(&sim->chk.ledger);
	free(sim);
}

/* ---- events ---- */

void ts_ev_begin(const ts_sim *sim, tcpsim_event *ev, tcpsim_event_kind kind,
		 int host)
{
	memset(ev, 0, sizeof *ev);
	ev->kind = kind;
	ev->time_us = sim->now;
	ev->host = host;
	ev->host_name = host >= 0 ? sim->hosts[host].decl->name : NULL;
}

const char *ts_stmt_text(const ts_stmt *st)
{
	return st->text; /* "client: write(c, 100) = 100": no time */
}

/* The statement of line LINE: the trace's, or one given on its own
 * (kept with --why); NULL when none is known. */
static const ts_stmt *stmt_at(const ts_sim *sim, uint32_t line)
{
	const ts_stmt *v = sim->trace->stmts;
	int lo = 0, hi = sim->trace->nstmts - 1;
	while (lo <= hi) { /* the trace's lines are in file order */
		int mid = lo + (hi - lo) / 2;
		if ((uint32_t)v[mid].line == line)
			return &v[mid];
		if ((uint32_t)v[mid].line < line)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	const ts_stmt **w = sim->why.lines;
	lo = 0;
	hi = sim->why.nlines - 1;
	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;
		if ((uint32_t)w[mid]->line == line)
			return w[mid];
		if ((uint32_t)w[mid]->line < line)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}

tcpsim_cause ts_sim_cause_of(const ts_sim *sim, ts_cause c, int text)
{
	tcpsim_cause o;
	memset(&o, 0, sizeof o);
	o.kind = (tcpsim_cause_kind)c.kind;
	o.value = c.val;
	o.timer = (tcpsim_timer)c.timer;
	o.flags = -1;
	switch ((tcpsim_cause_kind)c.kind) {
	case TCPSIM_CAUSE_SEGMENT:
		if (c.val < sim->why.norigins)
			o.flags = sim->why.origins[c.val].flags;
		break;
	case TCPSIM_CAUSE_LINE:
	case TCPSIM_CAUSE_FORGED:
		if (text) {
			const ts_stmt *st = stmt_at(sim, c.val);
			o.text = st ? ts_stmt_text(st) : "";
		}
		break;
	case TCPSIM_CAUSE_NONE:
	case TCPSIM_CAUSE_TIMER:
		break;
	}
	return o;
}

/* A call's result, for an event (R NULL: it has none yet). */
static void call_result(tcpsim_call_result *cr, const ts_stmt *st,
			const ts_result *r, ts_time began)
{
	cr->call = &st->u.call;
	cr->began_us = began;
	if (!r)
		return;
	cr->value = r->ret;
	cr->err = r->ret < 0 ? (int)r->err : 0;
	cr->errno_name = r->ret < 0 ? ts_errno_name(r->err) : NULL;
	cr->sigpipe = r->sigpipe;
	cr->has_addr = r->has_addr;
	cr->addr = r->addr;
	cr->port = r->port;
}

/* One more failed expectation or line: 1 when someone takes its FAIL
 * event, which EV then begins. */
static int failed(ts_sim *sim, tcpsim_event *ev, int line,
		  tcpsim_fail_reason reason)
{
	sim->exp.nfailed++;
	if (!ts_ev_on(sim, TCPSIM_EV_FAIL))
		return 0;
	ts_ev_begin(sim, ev, TCPSIM_EV_FAIL, -1);
	ev->line = line;
	ev->u.fail.reason = reason;
	ev->u.fail.file = sim->trace->filename;
	return 1;
}

/* The FAIL of a call line ST that never returned or could not run. */
static void call_failed(ts_sim *sim, const ts_stmt *st,
			tcpsim_fail_reason reason, tcpsim_stop stop)
{
	tcpsim_event ev;
	if (!failed(sim, &ev, st->line, reason))
		return;
	call_result(&ev.u.fail.call, st, NULL, 0);
	ev.u.fail.stop = stop;
	ts_ev_emit(sim, &ev);
}

static int result_matches(const ts_call *c, const ts_result *r)
{
	if (c->sigpipe && !r->sigpipe)
		return 0;
	switch (c->expect) {
	case TCPSIM_EXPECT_NONE:
		return c->bind_var < 0 || r->ret >= 0;
	case TCPSIM_EXPECT_INT:
		return r->ret >= 0 && r->ret == c->value;
	case TCPSIM_EXPECT_ERRNO:
		return r->ret < 0 && (int)r->err == c->err;
	case TCPSIM_EXPECT_ADDR:
		return r->ret >= 0 && r->has_addr && r->addr == c->addr &&
		       r->port == c->port;
	case TCPSIM_EXPECT_POLL:
		return r->ret >= 0 && r->ret == c->value;
	}
	return 0;
}

/* ---- processes ---- */

static void run_stmt(ts_sim *sim, const ts_stmt *st);
static void attempt(ts_sim *sim, ts_host *h);
static void drain(ts_sim *sim, ts_host *h);

/* The process of H ends (killed, or SIGPIPE: STOP); CAUSE is what the
 * segments its sockets then send are sent for. */
static void terminate(ts_sim *sim, ts_host *h, tcpsim_stop stop, ts_cause cause)
{
	ts_proc *p = &h->proc;
	if (p->call.st) {
		const ts_stmt *st = p->call.st;
		if (ts_ev_on(sim, TCPSIM_EV_PROC)) {
			tcpsim_event ev;
			ts_ev_begin(sim, &ev, TCPSIM_EV_PROC, h->index);
			ev.u.proc.reason = TCPSIM_PROC_NEVER_RETURNS;
			ev.u.proc.call = &st->u.call;
			ev.u.proc.stop = stop;
			ts_ev_emit(sim, &ev);
		}
		call_failed(sim, st, TCPSIM_FAIL_NO_RETURN, stop);
		ts_sock_close_abandon(sim, h, &p->call);
		p->call.st = NULL;
		ts_evq_cancel(&sim->q, &p->tev);
	}
	p->alive = 0;
	p->terminated = 1;
	ts_sock_exit(sim, h, cause);
	drain(sim, h); /* lines waiting for the process: not run */
}

static void drain(ts_sim *sim, ts_host *h)
{
	ts_proc *p = &h->proc;
	if (p->draining)
		return; /* the loop below, further up the stack, goes on */
	p->draining = 1;
	while (!p->call.st && !sim->run.aborted) {
		if (p->qhead != p->qtail) {
			const ts_stmt *st = p->queue[p->qhead++];
			if (p->qhead == p->qtail)
				p->qhead = p->qtail = 0;
			run_stmt(sim, st);
			continue;
		}
		const ts_stmt *st =
		    sim->run.feed && p->alive && h->up
			? sim->run.feed(sim->run.feed_ctx, sim, h->index)
			: NULL;
		if (!st)
			break;
		run_stmt(sim, st);
	}
	p->draining = 0;
}

/* The events of the result R of host H's call: its own (CALL, or RETURN
 * when it had blocked), then what it caused, held back until now, then
 * --why's account of a failure. */
__attribute__((noinline)) static void report_result(ts_sim *sim, ts_host *h,
						    const ts_result *r)
{
	ts_callctx *ctx = &h->proc.call;
	tcpsim_event_kind kind =
	    ctx->waiting ? TCPSIM_EV_RETURN : TCPSIM_EV_CALL;
	if (!ctx->waiting)
		ts_stream_unhold(&sim->out);
	if (ts_ev_on(sim, kind)) {
		tcpsim_event ev;
		ts_ev_begin(sim, &ev, kind, h->index);
		ev.line = ctx->st->line;
		call_result(&ev.u.call, ctx->st, r, ctx->began);
		ts_ev_emit(sim, &ev);
	}
	if (!ctx->waiting)
		ts_stream_release(&sim->out);
	if (r->ret < 0 && r->has_why && ts_ev_on(sim, TCPSIM_EV_WHY)) {
		tcpsim_event ev;
		ts_ev_begin(sim, &ev, TCPSIM_EV_WHY, h->index);
		ev.u.why.source = r->why.source;
		ev.u.why.call = &ctx->st->u.call;
		ev.u.why.errno_name = ts_errno_name(r->err);
		ev.u.why.cause = ts_sim_cause_of(sim, r->why.cause, 1);
		ev.u.why.state = (tcpsim_state)r->why.state;
		ev.u.why.send_shut = r->why.send_shut;
		if (r->why.cause.kind == TCPSIM_CAUSE_SEGMENT &&
		    (r->why.source == TCPSIM_WHY_PENDING_ERROR ||
		     r->why.source == TCPSIM_WHY_CLOSED))
			ts_sim_why_chain(sim, r->why.cause.val, &ev);
		ts_ev_emit(sim, &ev);
	}
}

/* The call's line expected something else than R: a failure. */
static void result_failure(ts_sim *sim, const ts_stmt *st, const ts_result *r,
			   ts_time began)
{
	tcpsim_event ev;
	if (!failed(sim, &ev, st->line, TCPSIM_FAIL_RESULT))
		return;
	call_result(&ev.u.fail.call, st, r, began);
	ts_ev_emit(sim, &ev);
}

static void signal_event(ts_sim *sim, ts_host *h, tcpsim_signal_reason why)
{
	if (!ts_ev_on(sim, TCPSIM_EV_SIGNAL))
		return;
	tcpsim_event ev;
	ts_ev_begin(sim, &ev, TCPSIM_EV_SIGNAL, h->index);
	ev.u.signal = why;
	ts_ev_emit(sim, &ev);
}

static void finish_call(ts_sim *sim, ts_host *h, const ts_result *r)
{
	ts_proc *p = &h->proc;
	ts_callctx *ctx = &p->call;
	const ts_stmt *st = ctx->st;
	const ts_call *c = &st->u.call;
	if (p->tev.slot)
		ts_evq_cancel(&sim->q, &p->tev);
	/* The result without --why's account (events take that). */
	sim->exp.last.ret = r->ret;
	sim->exp.last.err = r->err;
	sim->exp.last.sigpipe = r->sigpipe;
	sim->exp.last.has_addr = r->has_addr;
	sim->exp.last.addr = r->addr;
	sim->exp.last.port = r->port;
	sim->exp.last_line = st->line;
	if (r->ret >= 0 && r->sk && c->bind_var >= 0) {
		ts_var *v = &p->vars[c->bind_var];
		v->bound = 1;
		v->fd = (int)r->ret;
		v->is_tw = 0;
		v->ref.sk = r->sk;
		v->ref.gen = r->sk->gen;
		r->sk->var = c->bind_var;
	}
	if (c->id == TCPSIM_CALL_CLOSE && r->ret == 0 && c->fd_var >= 0)
		p->vars[c->fd_var].fd = -1;
	if (sim->out.mask)
		report_result(sim, h, r);
	else
		ts_stream_release(&sim->out); /* nothing held: holding ends */
	if (c->expect != TCPSIM_EXPECT_NONE || c->bind_var >= 0 || c->sigpipe) {
		sim->exp.nchecked++;
		if (!result_matches(c, r))
			result_failure(sim, st, r, ctx->began);
	}
	ctx->st = NULL;
	if (r->sigpipe) {
		if (p->sigpipe_ignored) {
			signal_event(sim, h, TCPSIM_SIGPIPE_IGNORED);
		} else {
			signal_event(sim, h, TCPSIM_SIGPIPE_TERMINATES);
			terminate(sim, h, TCPSIM_STOP_SIGPIPE,
				  ts_cause_line(st));
		}
	}
	drain(sim, h);
}

static void attempt(ts_sim *sim, ts_host *h)
{
	ts_proc *p = &h->proc;
	ts_callctx *ctx = &p->call;
	ts_result r;
	if (!ctx->waiting)
		ts_stream_hold(&sim->out);
	ts_sock_call(sim, h, ctx, ctx->arg, &r);
	if (!r.block) {
		finish_call(sim, h, &r);
		return;
	}
	if (ctx->waiting)
		return;
	ctx->waiting = 1;
	ts_stream_unhold(&sim->out);
	if (ts_ev_on(sim, TCPSIM_EV_BLOCK)) {
		tcpsim_event ev;
		ts_ev_begin(sim, &ev, TCPSIM_EV_BLOCK, h->index);
		ev.line = ctx->st->line;
		call_result(&ev.u.call, ctx->st, NULL, ctx->began);
		ts_ev_emit(sim, &ev);
	}
	ts_stream_release(&sim->out);
	const ts_call *c = &ctx->st->u.call;
	ts_time deadline = TS_TIME_NEVER;
	if (c->id == TCPSIM_CALL_POLL && c->a > 0)
		deadline = ctx->began + TS_MS(c->a);
	else if (c->id == TCPSIM_CALL_CLOSE && ctx->sk)
		deadline = ctx->began + TS_SEC(ctx->sk->linger_s);
	if (deadline != TS_TIME_NEVER)
		ts_evq_schedule(&sim->q, &p->tev, deadline);
}

/* Host H's line ST is not run: its host is down or its process gone, or
 * (UNBOUND) its socket variable names no socket. */
__attribute__((noinline)) static void skip_call(ts_sim *sim, ts_host *h,
						const ts_stmt *st, int unbound)
{
	tcpsim_stop stop =
	    !h->up ? TCPSIM_STOP_HOST_DOWN : TCPSIM_STOP_PROCESS_TERMINATED;
	if (ts_ev_on(sim, TCPSIM_EV_SKIP)) {
		tcpsim_event ev;
		ts_ev_begin(sim, &ev, TCPSIM_EV_SKIP, h->index);
		ev.u.skip.reason =
		    unbound ? TCPSIM_SKIP_UNBOUND : TCPSIM_SKIP_CALL;
		ev.u.skip.call = &st->u.call;
		ev.u.skip.stop = stop;
		ts_ev_emit(sim, &ev);
	}
	call_failed(sim, st,
		    unbound ? TCPSIM_FAIL_UNBOUND : TCPSIM_FAIL_SKIPPED, stop);
}

static void run_call(ts_sim *sim, ts_host *h, const ts_stmt *st)
{
	ts_proc *p = &h->proc;
	const ts_call *c = &st->u.call;
	if (!h->up || !p->alive) {
		skip_call(sim, h, st, 0);
		return;
	}
	ts_callctx *ctx = &p->call;
	memset(ctx, 0, sizeof *ctx);
	ctx->st = st;
	ctx->began = sim->now;
	if (c->fd_var >= 0) {
		ts_var *v = &p->vars[c->fd_var];
		if (!v->bound) {
			skip_call(sim, h, st, 1);
			ctx->st = NULL;
			return;
		}
		if (v->fd < 0) {
			/* A closed descriptor (Linux: EBADF). */
			ts_result r;
			memset(&r, 0, sizeof r);
			r.ret = -1;
			r.err = TS_EBADF;
			finish_call(sim, h, &r);
			return;
		}
		ctx->arg = p->fds[v->fd];
	}
	attempt(sim, h);
}

static void crash_host(ts_sim *sim, ts_host *h)
{
	ts_proc *p = &h->proc;
	if (p->call.st) {
		call_failed(sim, p->call.st, TCPSIM_FAIL_NO_RETURN,
			    TCPSIM_STOP_HOST_CRASHED);
		p->call.st = NULL;
	}
	ts_evq_cancel(&sim->q, &p->tev);
	for (int ci = 0; ci < sim->socks.pool.nchunks; ci++)
		for (int k = 0; k < ts_pool_used(&sim->socks.pool, ci); k++) {
			ts_sock *sk = ts_sim_sock(sim, ci, k);
			if (sk->in_use && sk->host == h)
				ts_tcp_free(sim, sk);
		}
	ts_tw_drop_host(sim, h);
	ts_tcp_cookies_free(h);
	h->up = 0;
	p->alive = 0;
}

static void host_event(ts_sim *sim, ts_host *h, tcpsim_event_kind kind,
		       int reason)
{
	if (!ts_ev_on(sim, kind))
		return;
	tcpsim_event ev;
	ts_ev_begin(sim, &ev, kind, h->index);
	if (kind == TCPSIM_EV_PROC)
		ev.u.proc.reason = (tcpsim_proc_reason)reason;
	else if (kind == TCPSIM_EV_SKIP)
		ev.u.skip.reason = (tcpsim_skip_reason)reason;
	else
		ev.u.host = (tcpsim_host_reason)reason;
	ts_ev_emit(sim, &ev);
}

/* A host line's FAIL: kill, crash or reboot could not be done. */
static void host_failed(ts_sim *sim, ts_host *h, const ts_stmt *st,
			tcpsim_fail_reason reason)
{
	tcpsim_event ev;
	if (!failed(sim, &ev, st->line, reason))
		return;
	ev.u.fail.host = h->decl->name;
	ts_ev_emit(sim, &ev);
}

static void run_host_event(ts_sim *sim, ts_host *h, const ts_stmt *st)
{
	switch (st->u.host_op) {
	case TS_HOST_KILL:
		if (!h->up || !h->proc.alive) {
			host_event(sim, h, TCPSIM_EV_SKIP, TCPSIM_SKIP_KILL);
			host_failed(sim, h, st, TCPSIM_FAIL_KILL_NOTHING);
			return;
		}
		host_event(sim, h, TCPSIM_EV_PROC, TCPSIM_PROC_KILLED);
		terminate(sim, h, TCPSIM_STOP_KILLED, ts_cause_line(st));
		return;
	case TS_HOST_CRASH:
		if (!h->up) {
			host_failed(sim, h, st, TCPSIM_FAIL_CRASH_DOWN);
			return;
		}
		host_event(sim, h, TCPSIM_EV_HOST, TCPSIM_HOST_CRASHES);
		crash_host(sim, h);
		drain(sim, h); /* lines waiting for the process: not run */
		return;
	case TS_HOST_REBOOT:
		if (h->up) {
			host_failed(sim, h, st, TCPSIM_FAIL_REBOOT_UP);
			return;
		}
		h->boot++;
		h->nconn = 0;
		h->next_port = (uint16_t)h->knob[TS_KNOB_IP_LOCAL_PORT_LOW];
		h->up = 1;
		host_reset_proc(h);
		host_event(sim, h, TCPSIM_EV_HOST, TCPSIM_HOST_REBOOTS);
		return;
	}
}

/* ---- expectations ---- */

/* An expect line's result X: its EXPECT event, and a FAIL when it did not
 * hold. */
static void expect_done(ts_sim *sim, const ts_stmt *st,
			const tcpsim_expect_result *x)
{
	sim->exp.nchecked++;
	if (ts_ev_on(sim, TCPSIM_EV_EXPECT)) {
		tcpsim_event ev;
		ts_ev_begin(sim, &ev, TCPSIM_EV_EXPECT, -1);
		ev.line = st->line;
		ev.u.expect = *x;
		ts_ev_emit(sim, &ev);
	}
	tcpsim_event ev;
	if (!x->ok && failed(sim, &ev, st->line, TCPSIM_FAIL_EXPECT)) {
		ev.u.fail.expect = *x;
		/* An expect without a time is checked at the time of the line
		 * before, even while a call is blocked (it waits for no host):
		 * the failure names the earliest such call, which is often
		 * what the line meant to wait for. */
		for (int h = 0; st->u.expect.untimed && h < sim->nhosts; h++) {
			const ts_stmt *b = sim->hosts[h].proc.call.st;
			if (b && b->line < st->line &&
			    (!ev.u.fail.expect.blocked_call ||
			     b->line < ev.u.fail.expect.blocked_line)) {
				ev.u.fail.expect.blocked_call = &b->u.call;
				ev.u.fail.expect.blocked_line = b->line;
				ev.u.fail.expect.blocked_host =
				    sim->hosts[h].decl->name;
			}
		}
		ts_ev_emit(sim, &ev);
	}
}

static void check_wire(ts_sim *sim, const ts_stmt *st)
{
	const ts_expect *e = &st->u.expect;
	int nd = sim->nhosts * sim->nhosts * TS_NSEGKINDS;
	if (!sim->exp.span_started || sim->exp.span_at != sim->now) {
		/* A new span: it starts where the last checked one ended. */
		memcpy(sim->exp.span_base, sim->exp.span_mark,
		       (size_t)nd * sizeof *sim->exp.span_base);
		sim->exp.wlog_base = sim->exp.wlog_mark;
		ts_net_wlog_trim(&sim->net, sim->exp.wlog_base);
		sim->exp.span_at = sim->now;
		sim->exp.span_started = 1;
	}
	sim->exp.wlog_mark = sim->net.wlog_n;
	for (int a = 0; a < sim->nhosts; a++)
		for (int b = 0; b < sim->nhosts; b++)
			memcpy(&sim->exp.span_mark[(a * sim->nhosts + b) *
						   TS_NSEGKINDS],
			       ts_net_dir(&sim->net, a, b)->sent,
			       TS_NSEGKINDS * sizeof(uint64_t));
	int i = (e->from * sim->nhosts + e->to) * TS_NSEGKINDS + (int)e->kind;
	uint64_t n = sim->exp.span_mark[i] - sim->exp.span_base[i];
	tcpsim_expect_result x;
	memset(&x, 0, sizeof x);
	x.op = TCPSIM_EXPECT_WIRE;
	x.negate = e->negate;
	x.from = sim->hosts[e->from].decl->name;
	x.to = sim->hosts[e->to].decl->name;
	x.seg_kind = e->kind;
	x.count = n;
	if (e->match.mask) {
		/* the segments of that kind that have the fields named */
		x.match = e->match;
		x.count = 0;
		for (uint64_t j = sim->exp.wlog_base; j < sim->exp.wlog_mark;
		     j++) {
			const ts_wire_rec *w = ts_net_wlog_at(&sim->net, j);
			if (!w || w->from != e->from || w->to != e->to ||
			    !ts_seg_is_kind(&w->seg, e->kind))
				continue;
			if (tcpsim_seg_matches(&e->match, &w->seg)) {
				x.count++;
			} else {
				x.have_nearest = 1;
				x.nearest = w->seg;
			}
		}
		if (x.count)
			x.have_nearest = 0;
		n = x.count;
	}
	x.ok = e->negate ? n == 0 : n > 0;
	expect_done(sim, st, &x);
}

ts_tcp_state ts_sim_var_state(ts_sim *sim, int host, int var)
{
	ts_host *h = &sim->hosts[host];
	if (var < 0 || var >= h->decl->nvars || !h->proc.vars[var].bound)
		return TS_CLOSED;
	const ts_var *v = &h->proc.vars[var];
	ts_sock *sk = ts_var_sock(v);
	if (ts_var_tw(v))
		return TS_TIME_WAIT; /* a time-wait record */
	return sk ? sk->state : TS_CLOSED;
}

const ts_sock *ts_sim_var_sock(ts_sim *sim, int host, int var)
{
	ts_host *h = &sim->hosts[host];
	if (var < 0 || var >= h->decl->nvars || !h->proc.vars[var].bound)
		return NULL;
	const ts_var *v = &h->proc.vars[var];
	if (ts_var_tw(v))
		return NULL;
	ts_sock *sk = ts_var_sock(v);
	return sk && sk->in_use ? sk : NULL;
}

static void run_expect(ts_sim *sim, const ts_stmt *st)
{
	const ts_expect *e = &st->u.expect;
	tcpsim_expect_result x;
	memset(&x, 0, sizeof x);
	x.op = e->op;
	switch (e->op) {
	case TCPSIM_EXPECT_WIRE:
		check_wire(sim, st);
		return;
	case TCPSIM_EXPECT_STATE: {
		ts_tcp_state s = ts_sim_var_state(sim, e->host, e->var);
		x.host = sim->hosts[e->host].decl->name;
		x.var = e->var >= 0 && e->var < sim->hosts[e->host].decl->nvars
			    ? sim->hosts[e->host].decl->vars[e->var]
			    : "?";
		x.want = (tcpsim_state)e->state;
		x.got = (tcpsim_state)s;
		x.ok = s == e->state;
		expect_done(sim, st, &x);
		return;
	}
	case TCPSIM_EXPECT_TERMINATED: {
		ts_host *h = &sim->hosts[e->host];
		x.host = h->decl->name;
		x.host_up = h->up;
		x.ok = h->proc.terminated;
		expect_done(sim, st, &x);
		return;
	}
	}
}

/* ---- the loop ---- */

static int enqueue(ts_proc *p, const ts_stmt *st)
{
	if (p->qtail == p->qcap) {
		if (p->qhead > 0) {
			memmove(p->queue, p->queue + p->qhead,
				(size_t)(p->qtail - p->qhead) *
				    sizeof *p->queue);
			p->qtail -= p->qhead;
			p->qhead = 0;
		} else {
			int nc = p->qcap ? p->qcap * 2 : 16;
			const ts_stmt **q =
			    realloc(p->queue, (size_t)nc * sizeof *q);
			if (!q)
				return -1;
			p->queue = q;
			p->qcap = nc;
		}
	}
	p->queue[p->qtail++] = st;
	return 0;
}

static void run_stmt(ts_sim *sim, const ts_stmt *st)
{
	switch (st->kind) {
	case TS_STMT_CALL:
		run_call(sim, &sim->hosts[st->host], st);
		return;
	case TS_STMT_HOST:
		run_host_event(sim, &sim->hosts[st->host], st);
		return;
	case TS_STMT_NET: {
		char msg[200];
		if (ts_net_apply(sim, st, msg, sizeof msg) < 0)
			ts_sim_abort(sim, st->line, "%s", msg);
		return;
	}
	case TS_STMT_EXPECT:
		run_expect(sim, st);
		return;
	}
}

/* A line comes due: to its host's process, or straight away. */
static void line_due(ts_sim *sim, const ts_stmt *st)
{
	if (st->kind == TS_STMT_CALL) {
		ts_proc *p = &sim->hosts[st->host].proc;
		if (p->call.st || p->qhead != p->qtail) {
			if (enqueue(p, st) < 0)
				ts_sim_abort(sim, st->line, "out of memory");
			return;
		}
	}
	run_stmt(sim, st);
}

/* Every woken process with a call in progress tries it again, in host
 * order, pass after pass while an attempt wakes another. */
static void wake_all(ts_sim *sim)
{
	ts_host *hosts = sim->hosts, *end = hosts + sim->nhosts;
	for (int pass = 0; pass < 64 && sim->run.nwake; pass++) {
		sim->run.nwake = 0;
		for (ts_host *h = hosts; h < end && !sim->run.aborted; h++) {
			ts_proc *p = &h->proc;
			if (!p->wake)
				continue;
			p->wake = 0;
			if (p->call.st)
				attempt(sim, h);
		}
	}
}

static void dispatch(ts_sim *sim, ts_event *ev)
{
	switch ((ts_ev_kind)ev->kind) {
	case TS_EV_DELIVER:
		ts_net_deliver(sim, (ts_pkt *)ev);
		return;
	case TS_EV_SOCK_TIMER:
		ts_tcp_timer_fire(sim, ev);
		return;
	case TS_EV_TW:
		ts_tw_fire(sim, ev);
		return;
	case TS_EV_PROC_TIMER: {
		ts_proc *p = (ts_proc *)((char *)ev - offsetof(ts_proc, tev));
		ts_host *h = (ts_host *)((char *)p - offsetof(ts_host, proc));
		if (p->call.st) {
			p->call.timed_out = 1;
			attempt(sim, h);
		}
		return;
	}
	}
}

/* The earliest event out of the queue; a segment's successor in its lane
 * takes its place there. */
static ts_event *take_next(ts_sim *sim)
{
	ts_event *ev = ts_evq_peek(&sim->q);
	ts_event *next = ev && ev->kind == TS_EV_DELIVER
			     ? ts_net_lane_pass(&sim->net, (ts_pkt *)ev)
			     : NULL;
	return ts_evq_pop_replace(&sim->q, next);
}

void ts_sim_exec(ts_sim *sim, const ts_stmt *st)
{
	if (sim->why.on && (st < sim->trace->stmts ||
			    st >= sim->trace->stmts + sim->trace->nstmts)) {
		/* a line given on its own: --why's causes may name it */
		if (sim->why.nlines == sim->why.lines_cap) {
			int nc =
			    sim->why.lines_cap ? sim->why.lines_cap * 2 : 64;
			const ts_stmt **v =
			    realloc(sim->why.lines, (size_t)nc * sizeof *v);
			if (!v) {
				ts_sim_abort(sim, st->line, "out of memory");
				return;
			}
			sim->why.lines = v;
			sim->why.lines_cap = nc;
		}
		sim->why.lines[sim->why.nlines++] = st;
	}
	line_due(sim, st);
	wake_all(sim);
	ts_sim_compact(sim);
}

int ts_sim_uses(const ts_sim *sim, const ts_stmt *st)
{
	for (int i = 0; i < sim->nhosts; i++) {
		const ts_proc *p = &sim->hosts[i].proc;
		if (p->call.st == st)
			return 1;
		for (int q = p->qhead; q < p->qtail; q++)
			if (p->queue[q] == st)
				return 1;
	}
	return 0;
}

void ts_sim_feed(ts_sim *sim, int host)
{
	drain(sim, &sim->hosts[host]);
	wake_all(sim);
	ts_sim_compact(sim);
}

/* Events up to UNTIL (STRICT: before it), then the clock at UNTIL. */
static inline __attribute__((always_inline)) void
advance(ts_sim *sim, ts_time until, int strict)
{
	for (;;) {
		ts_event *ev = ts_evq_peek(&sim->q);
		if (!ev || ev->when > until || (strict && ev->when == until) ||
		    sim->run.aborted)
			break;
		sim->nevents++;
		sim->now = ev->when;
		dispatch(sim, take_next(sim));
		wake_all(sim);
		ts_sim_compact(sim);
		ts_check(sim);
	}
	if (until > sim->now)
		sim->now = until;
}

void ts_sim_advance(ts_sim *sim, ts_time until)
{
	advance(sim, until, 0);
}

void ts_sim_advance_before(ts_sim *sim, ts_time until)
{
	advance(sim, until, 1);
}

int ts_sim_blocked(const ts_sim *sim)
{
	for (int i = 0; i < sim->nhosts; i++)
		if (sim->hosts[i].proc.call.st)
			return 1;
	return 0;
}

int ts_sim_run(ts_sim *sim)
{
	const ts_trace *t = sim->trace;
	char d[32];
	while (!sim->run.aborted) {
		ts_event *ev = ts_evq_peek(&sim->q);
		int have_line = sim->run.next_stmt < t->nstmts;
		ts_time next;
		if (!have_line && ev &&
		    ts_evq_len(&sim->q) == sim->socks.ka_only &&
		    !ts_sim_blocked(sim)) {
			ts_sim_end_keepalive(sim);
			break;
		}
		if (have_line &&
		    (!ev || t->stmts[sim->run.next_stmt].at <= ev->when))
			next = t->stmts[sim->run.next_stmt].at;
		else if (ev)
			next = ev->when;
		else
			break;
		if (next > sim->opts.max_time) {
			ts_sim_abort(
			    sim, 0,
			    "virtual time limit of %s exceeded "
			    "(--max-time)",
			    ts_dur_fmt(sim->opts.max_time, d, sizeof d));
			break;
		}
		if (++sim->nevents > sim->opts.max_events) {
			ts_sim_abort(sim, 0,
				     "event limit of %llu exceeded "
				     "(--max-events)",
				     (unsigned long long)sim->opts.max_events);
			break;
		}
		sim->now = next;
		if (have_line &&
		    (!ev || t->stmts[sim->run.next_stmt].at <= ev->when)) {
			sim->run.line_step = sim->nevents;
			line_due(sim, &t->stmts[sim->run.next_stmt++]);
		} else
			dispatch(sim, take_next(sim));
		wake_all(sim);
		ts_sim_compact(sim);
		ts_check(sim);
	}
	return ts_sim_finish(sim);
}

/* Keepalive would probe a live peer forever: after the last line it keeps
 * nothing going (doc/trace-format.md), and the run says so. */
void ts_sim_end_keepalive(ts_sim *sim)
{
	if (ts_ev_on(sim, TCPSIM_EV_END)) {
		tcpsim_event ev;
		ts_ev_begin(sim, &ev, TCPSIM_EV_END, -1);
		ts_ev_emit(sim, &ev);
	}
}

/* ---- the final state ---- */

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
 * socket ids); u->failed when memory runs out. */
static void unnamed_all(ts_sim *sim, unnamed_list *u)
{
	for (int ci = 0; ci < sim->socks.pool.nchunks; ci++)
		for (int k = 0; k < ts_pool_used(&sim->socks.pool, ci); k++) {
			const ts_sock *sk = ts_sim_sock(sim, ci, k);
			if (sk->in_use && sk->host && sk->var < 0)
				unnamed_add(u, (int)(sk->host - sim->hosts),
					    sk->id, sk, NULL);
		}
	ts_tw_each(sim, unnamed_tw, u);
	if (!u->failed && u->n)
		qsort(u->v, u->n, sizeof *u->v, unnamed_cmp);
}

static void final_event(ts_sim *sim, int host, tcpsim_final_reason reason,
			const ts_sock *sk, const ts_tw *tw, const char *var)
{
	tcpsim_event ev;
	ts_ev_begin(sim, &ev, TCPSIM_EV_FINAL, host);
	ev.u.final.reason = reason;
	if (sk) {
		ts_tcp_describe(sim, sk, &ev.u.final.sock);
		ev.u.final.state = (tcpsim_state)sk->state;
		ev.u.final.orphan = sk->orphan;
	} else if (tw) {
		/* as its socket was */
		ts_tw_describe(sim, tw, &ev.u.final.sock);
		ev.u.final.state = TCPSIM_TIME_WAIT;
		ev.u.final.orphan = 1;
	}
	if (var)
		ev.u.final.sock.var = var;
	ts_ev_emit(sim, &ev);
}

/* FINAL events: for each host, its process or its being down, then each
 * variable's connection, then the connections no variable names. */
static void final_state(ts_sim *sim)
{
	unnamed_list u = {0};
	unnamed_all(sim, &u);
	if (u.failed) {
		final_event(sim, -1, TCPSIM_FINAL_UNLISTED, NULL, NULL, NULL);
		u.n = 0;
	}
	size_t j = 0;
	for (int i = 0; i < sim->nhosts; i++) {
		ts_host *h = &sim->hosts[i];
		const ts_host_decl *d = h->decl;
		if (h->proc.terminated)
			final_event(sim, i, TCPSIM_FINAL_PROCESS_TERMINATED,
				    NULL, NULL, NULL);
		if (!h->up)
			final_event(sim, i, TCPSIM_FINAL_HOST_DOWN, NULL, NULL,
				    NULL);
		for (int v = 0; v < d->nvars; v++) {
			ts_var *var = &h->proc.vars[v];
			if (!var->bound)
				continue;
			const ts_tw *tw = ts_var_tw(var);
			const ts_sock *sk = tw ? NULL : ts_var_sock(var);
			final_event(sim, i,
				    sk || tw ? TCPSIM_FINAL_SOCKET
					     : TCPSIM_FINAL_CLOSED,
				    sk, tw, d->vars[v]);
		}
		for (; j < u.n && u.v[j].host == i; j++)
			final_event(sim, i, TCPSIM_FINAL_SOCKET, u.v[j].sk,
				    u.v[j].tw, NULL);
	}
	free(u.v);
}

int ts_sim_finish(ts_sim *sim)
{
	if (!sim->run.aborted && !ts_sim_blocked(sim))
		ts_check_end(sim);
	if (sim->run.aborted)
		return 2;
	/* Calls still blocked, and lines that never got to run: each was
	 * expected to, and counts as an expectation that failed. */
	for (int i = 0; i < sim->nhosts; i++) {
		ts_proc *p = &sim->hosts[i].proc;
		if (p->call.st) {
			if (ts_ev_on(sim, TCPSIM_EV_PROC)) {
				tcpsim_event ev;
				ts_ev_begin(sim, &ev, TCPSIM_EV_PROC, i);
				ev.u.proc.reason = TCPSIM_PROC_STILL_BLOCKED;
				ev.u.proc.call = &p->call.st->u.call;
				ts_ev_emit(sim, &ev);
			}
			sim->exp.nchecked++;
			call_failed(sim, p->call.st, TCPSIM_FAIL_NO_RETURN,
				    TCPSIM_STOP_END_OF_RUN);
		}
		for (int q = p->qhead; q < p->qtail; q++) {
			tcpsim_event ev;
			sim->exp.nchecked++;
			if (failed(sim, &ev, p->queue[q]->line,
				   TCPSIM_FAIL_NOT_RUN))
				ts_ev_emit(sim, &ev);
		}
	}
	if (ts_ev_on(sim, TCPSIM_EV_FINAL))
		final_state(sim);
	if (ts_ev_on(sim, TCPSIM_EV_DONE)) {
		tcpsim_event ev;
		ts_ev_begin(sim, &ev, TCPSIM_EV_DONE, -1);
		ev.u.done.checked = sim->exp.nchecked;
		ev.u.done.failed = sim->exp.nfailed;
		ts_ev_emit(sim, &ev);
	}
	return sim->exp.nfailed ? 1 : 0;
}

/* ---- --why: causes ---- */

void ts_sim_origin(ts_sim *sim, uint32_t num, int from, uint8_t flags,
		   ts_cause cause, int rst)
{
	if (!sim->why.on)
		return;
	if (num >= sim->why.norigins) {
		uint32_t n = sim->why.norigins ? sim->why.norigins : 256;
		while (n <= num)
			n *= 2;
		ts_origin *o = realloc(sim->why.origins, n * sizeof *o);
		if (!o)
			return;
		memset(o + sim->why.norigins, 0,
		       (n - sim->why.norigins) * sizeof *o);
		sim->why.origins = o;
		sim->why.norigins = n;
	}
	ts_origin *o = &sim->why.origins[num];
	o->from = (int16_t)from;
	o->flags = flags;
	o->rst = (int8_t)rst;
	o->cause = cause;
}

void ts_sim_why_chain(const ts_sim *sim, uint32_t num, tcpsim_event *ev)
{
	int n = 0;
	ev->u.why.origin.flags = -1;
	for (int depth = 0;
	     depth < TCPSIM_WHY_MAX && num && num < sim->why.norigins;
	     depth++) {
		const ts_origin *o = &sim->why.origins[num];
		tcpsim_why_link *l = &ev->u.why.link[n++];
		l->segno = num;
		l->flags = o->flags;
		l->from = o->from >= 0 && o->from < sim->nhosts
			      ? sim->hosts[o->from].decl->name
			      : NULL;
		l->rst = o->rst;
		if (o->cause.kind == TCPSIM_CAUSE_SEGMENT) {
			num = o->cause.val;
			continue;
		}
		ev->u.why.origin = ts_sim_cause_of(sim, o->cause, 1);
		break;
	}
	ev->u.why.nlinks = n;
}
