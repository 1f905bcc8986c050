/*
 * engine.c - the run loop. Timed lines and queued events are taken in time
 * order; every line scheduled at T runs, in file order, before any event
 * at T (the trace contract). Calls go to the host's process, which runs one
 * call at a time: a call that blocks holds the lines after it until it
 * returns. After each step, processes whose sockets changed re-try their
 * blocked call.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "render/report.h"
#include "sock/sock.h"

int ts_sim_host_by_addr(const ts_sim *sim, uint32_t addr)
{
	for (int i = 0; i < sim->nhosts; i++)
		if (sim->hosts[i].addr == addr)
			return i;
	return -1;
}

void ts_sim_abort(ts_sim *sim, int line, const char *fmt, ...)
{
	if (sim->aborted)
		return;
	sim->aborted = 1;
	ts_error *e = &sim->abort_err;
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

ts_sim *ts_sim_new(const ts_trace *t, const ts_sim_opts *o, ts_report_sink sink,
		   void *sink_ctx)
{
	ts_sim *sim = calloc(1, sizeof *sim);
	if (!sim)
		return NULL;
	sim->trace = t;
	sim->opts = *o;
	sim->cur_rst = -1;
	ts_evq_init(&sim->q);
	ts_pool_init(&sim->socks, sizeof(ts_sock), offsetof(ts_sock, next_free),
		     TS_SOCK_CHUNK);
	ts_pool_init(&sim->tws, sizeof(ts_tw), offsetof(ts_tw, ev.when),
		     TS_TW_CHUNK);
	sim->nhosts = t->nhosts;
	sim->hosts =
	    calloc((size_t)(t->nhosts ? t->nhosts : 1), sizeof *sim->hosts);
	size_t ndirs = (size_t)t->nhosts * (size_t)t->nhosts * 6 + 1;
	sim->span_base = calloc(ndirs, sizeof *sim->span_base);
	sim->span_mark = calloc(ndirs, sizeof *sim->span_mark);
	if (!sim->hosts || !sim->span_base || !sim->span_mark ||
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
		h->proc.vars =
		    calloc((size_t)(h->decl->nvars + 1), sizeof *h->proc.vars);
		if (!h->proc.vars) {
			ts_sim_free(sim);
			return NULL;
		}
		h->proc.tev.kind = TS_EV_PROC_TIMER;
		host_reset_proc(h);
	}
	ts_rep_init(sim, sink, sink_ctx);
	return sim;
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
	ts_rep_free(sim);
	for (int i = 0; i < sim->socks.nchunks; i++)
		for (int k = 0; k < ts_pool_used(&sim->socks, i); k++)
			if (ts_sim_sock(sim, i, k)->in_use)
				free(ts_sim_sock(sim, i, k)->x);
	ts_pool_free(&sim->socks);
	ts_tw_free_all(sim);
	free(sim->span_base);
	free(sim->span_mark);
	free(sim->origins);
	ts_hmap_free(&sim->ledger);
	free(sim);
}

/* ---- formatting calls and results ---- */

static const char *var_name(const ts_sim *sim, int host, int var)
{
	const ts_host_decl *d = sim->hosts[host].decl;
	return var >= 0 && var < d->nvars ? d->vars[var] : "?";
}

static char *poll_fmt(int64_t m, char *buf, size_t n)
{
	static const ts_bitname bits[] = {{TS_POLLIN, "POLLIN"},
					  {TS_POLLOUT, "POLLOUT"},
					  {TS_POLLRDHUP, "POLLRDHUP"},
					  {TS_POLLERR, "POLLERR"},
					  {TS_POLLHUP, "POLLHUP"}};
	return ts_rep_bits((uint32_t)m, bits, sizeof bits / sizeof bits[0], "0",
			   buf, n);
}

static char *flags_fmt(int f, char *buf, size_t n)
{
	static const ts_bitname bits[] = {{TS_MSG_NOSIGNAL, "MSG_NOSIGNAL"},
					  {TS_MSG_DONTWAIT, "MSG_DONTWAIT"},
					  {TS_MSG_PEEK, "MSG_PEEK"}};
	return ts_rep_bits((uint32_t)f, bits, sizeof bits / sizeof bits[0], "0",
			   buf, n);
}

static void call_fmt(const ts_sim *sim, const ts_stmt *st, char *buf, size_t n)
{
	const ts_call *c = &st->u.call;
	char fb[64];
	const char *fd = var_name(sim, st->host, c->fd_var);
	const char *name = ts_call_name(c->id);
	size_t l = 0;
	if (c->bind_var >= 0)
		l = (size_t)snprintf(
		    buf, n, "%s = ", var_name(sim, st->host, c->bind_var));
	char *p = buf + l;
	size_t m = n - l;
	switch (c->id) {
	case TS_CALL_SOCKET:
		snprintf(p, m, "socket()");
		break;
	case TS_CALL_ACCEPT:
	case TS_CALL_CLOSE:
	case TS_CALL_GETPEERNAME:
	case TS_CALL_GETSOCKNAME:
		snprintf(p, m, "%s(%s)", name, fd);
		break;
	case TS_CALL_BIND:
	case TS_CALL_LISTEN:
	case TS_CALL_WRITE:
	case TS_CALL_READ:
		snprintf(p, m, "%s(%s, %lld)", name, fd, (long long)c->a);
		break;
	case TS_CALL_SEND:
	case TS_CALL_RECV:
		snprintf(p, m, "%s(%s, %lld, %s)", name, fd, (long long)c->a,
			 flags_fmt(c->flags, fb, sizeof fb));
		break;
	case TS_CALL_CONNECT:
		snprintf(p, m, "connect(%s, %s:%lld)", fd,
			 sim->hosts[c->peer_host].decl->name, (long long)c->a);
		break;
	case TS_CALL_SHUTDOWN:
		snprintf(p, m, "shutdown(%s, %s)", fd,
			 c->opt == TS_SHUT_RD   ? "SHUT_RD"
			 : c->opt == TS_SHUT_WR ? "SHUT_WR"
						: "SHUT_RDWR");
		break;
	case TS_CALL_SETSOCKOPT:
		if (c->opt == TS_OPT_SO_LINGER)
			snprintf(p, m, "setsockopt(%s, SO_LINGER, %lld, %lld)",
				 fd, (long long)c->a, (long long)c->b);
		else
			snprintf(p, m, "setsockopt(%s, %s, %lld)", fd,
				 ts_sockopt_name((ts_sockopt)c->opt),
				 (long long)c->a);
		break;
	case TS_CALL_GETSOCKOPT:
		snprintf(p, m, "getsockopt(%s, SO_ERROR)", fd);
		break;
	case TS_CALL_FCNTL:
		snprintf(p, m, "fcntl(%s, O_NONBLOCK)", fd);
		break;
	case TS_CALL_POLL:
		snprintf(p, m, "poll(%s, %s, %lld)", fd,
			 poll_fmt(c->flags, fb, sizeof fb), (long long)c->a);
		break;
	case TS_CALL_SIGNAL:
		snprintf(p, m, "signal(SIGPIPE, %s)",
			 c->a ? "SIG_IGN" : "SIG_DFL");
		break;
	}
}

static void addr_fmt(uint32_t a, uint16_t port, char *buf, size_t n)
{
	snprintf(buf, n, "%u.%u.%u.%u:%u", a >> 24, (a >> 16) & 255,
		 (a >> 8) & 255, a & 255, port);
}

static void result_fmt(const ts_call *c, const ts_result *r, char *buf,
		       size_t n)
{
	char b[64];
	if (r->ret < 0) {
		snprintf(buf, n, "-1 %s (%s)%s", ts_errno_name(r->err),
			 ts_errno_msg(r->err), r->sigpipe ? " +SIGPIPE" : "");
		return;
	}
	switch (c->id) {
	case TS_CALL_POLL:
		snprintf(buf, n, "%s", poll_fmt(r->ret, b, sizeof b));
		return;
	case TS_CALL_GETPEERNAME:
	case TS_CALL_GETSOCKNAME:
		addr_fmt(r->addr, r->port, buf, n);
		return;
	case TS_CALL_GETSOCKOPT:
		if (r->ret)
			snprintf(buf, n, "%lld (%s)", (long long)r->ret,
				 ts_errno_name((ts_errno)r->ret));
		else
			snprintf(buf, n, "0");
		return;
	case TS_CALL_SOCKET:
	case TS_CALL_BIND:
	case TS_CALL_LISTEN:
	case TS_CALL_CONNECT:
	case TS_CALL_ACCEPT:
	case TS_CALL_WRITE:
	case TS_CALL_SEND:
	case TS_CALL_READ:
	case TS_CALL_RECV:
	case TS_CALL_SHUTDOWN:
	case TS_CALL_CLOSE:
	case TS_CALL_SETSOCKOPT:
	case TS_CALL_FCNTL:
	case TS_CALL_SIGNAL:
		break;
	}
	snprintf(buf, n, "%lld%s", (long long)r->ret,
		 r->sigpipe ? " +SIGPIPE" : "");
}

static void expected_fmt(const ts_call *c, char *buf, size_t n)
{
	char b[64];
	const char *sig = c->sigpipe ? " +SIGPIPE" : "";
	switch (c->expect) {
	case TS_EXPECT_NONE:
		snprintf(buf, n, "success");
		return;
	case TS_EXPECT_INT:
		snprintf(buf, n, "%lld%s", (long long)c->value, sig);
		return;
	case TS_EXPECT_ERRNO:
		snprintf(buf, n, "-1 %s%s", ts_errno_name(c->err), sig);
		return;
	case TS_EXPECT_ADDR:
		addr_fmt(c->addr, c->port, buf, n);
		return;
	case TS_EXPECT_POLL:
		snprintf(buf, n, "%s", poll_fmt(c->value, b, sizeof b));
		return;
	}
}

static int result_matches(const ts_call *c, const ts_result *r)
{
	if (c->sigpipe && !r->sigpipe)
		return 0;
	switch (c->expect) {
	case TS_EXPECT_NONE:
		return c->bind_var < 0 || r->ret >= 0;
	case TS_EXPECT_INT:
		return r->ret >= 0 && r->ret == c->value;
	case TS_EXPECT_ERRNO:
		return r->ret < 0 && r->err == c->err;
	case TS_EXPECT_ADDR:
		return r->ret >= 0 && r->has_addr && r->addr == c->addr &&
		       r->port == c->port;
	case TS_EXPECT_POLL:
		return r->ret >= 0 && r->ret == c->value;
	}
	return 0;
}

/* A failed expectation or line: FILE:LINE: expected ..., got ... */
static void failure(ts_sim *sim, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void failure(ts_sim *sim, int line, const char *fmt, ...)
{
	char msg[512];
	sim->nfailed++;
	if (!ts_rep_on(sim))
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	sim->rep.ev.line = line;
	ts_rep_event(sim, -1, "FAIL", "%s:%d: %s", sim->trace->filename, line,
		     msg);
}

/* ---- processes ---- */

static void run_stmt(ts_sim *sim, int i);
static void run_stmt_ptr(ts_sim *sim, const ts_stmt *st);
static void attempt(ts_sim *sim, ts_host *h);

static void drain(ts_sim *sim, ts_host *h);

static void terminate(ts_sim *sim, ts_host *h, const char *why)
{
	ts_proc *p = &h->proc;
	if (p->call.st) {
		char cb[160];
		call_fmt(sim, p->call.st, cb, sizeof cb);
		ts_rep_event(sim, h->index, "proc", "%s never returns: %s", cb,
			     why);
		failure(sim, p->call.st->line,
			"expected the call to return, got: %s", why);
		ts_sock_close_abandon(sim, h, &p->call);
		p->call.st = NULL;
		ts_evq_cancel(&sim->q, &p->tev);
	}
	p->alive = 0;
	p->terminated = 1;
	ts_sock_exit(sim, h);
	drain(sim, h); /* lines waiting for the process: not run */
}

static void drain(ts_sim *sim, ts_host *h)
{
	ts_proc *p = &h->proc;
	if (p->draining)
		return; /* the loop below, further up the stack, goes on */
	p->draining = 1;
	while (!p->call.st && !sim->aborted) {
		if (p->qhead != p->qtail) {
			int i = p->queue[p->qhead++];
			if (p->qhead == p->qtail)
				p->qhead = p->qtail = 0;
			run_stmt(sim, i);
			continue;
		}
		const ts_stmt *st =
		    sim->feed && p->alive && h->up
			? sim->feed(sim->feed_ctx, sim, h->index)
			: NULL;
		if (!st)
			break;
		run_stmt_ptr(sim, st);
	}
	p->draining = 0;
}

/* The structured side of a call's line (R NULL: the call blocks). */
static void call_event(ts_sim *sim, const ts_stmt *st, const char *text,
		       const ts_result *r, ts_time began)
{
	tcpsim_event *ev = &sim->rep.ev;
	ev->line = st->line;
	ev->call = text;
	ev->began_us = began;
	if (r) {
		ev->result = r->ret;
		ev->errno_name = r->ret < 0 ? ts_errno_name(r->err) : NULL;
		ev->sigpipe = r->sigpipe;
	}
}

/* The report's lines for the result R of host H's call (the report is
 * on). Out of line, as everything that formats text on a hot path. */
__attribute__((noinline)) static void report_result(ts_sim *sim, ts_host *h,
						    const ts_result *r)
{
	ts_callctx *ctx = &h->proc.call;
	const ts_stmt *st = ctx->st;
	char cb[160], rb[96], tb[32];
	call_fmt(sim, st, cb, sizeof cb);
	result_fmt(&st->u.call, r, rb, sizeof rb);
	call_event(sim, st, cb, r, ctx->began);
	if (ctx->waiting) {
		ts_rep_event(sim, h->index, "return",
			     "%s = %s  (blocked since %s)", cb, rb,
			     ts_time_fmt(ctx->began, tb, sizeof tb));
	} else {
		/* The call first, then what it caused (held back). */
		sim->rep.holding = 0;
		ts_rep_event(sim, h->index, "call", "%s = %s", cb, rb);
		ts_rep_release(sim);
	}
	if (sim->why && r->ret < 0 && r->why[0])
		ts_rep_event(sim, h->index, "why", "%s = -1 %s \u2190 %s", cb,
			     ts_errno_name(r->err), r->why);
}

/* The call's line expected something else than R: a failure. */
__attribute__((noinline)) static void
result_failure(ts_sim *sim, const ts_stmt *st, const ts_result *r)
{
	char cb[160], rb[96], eb[96];
	call_fmt(sim, st, cb, sizeof cb);
	result_fmt(&st->u.call, r, rb, sizeof rb);
	expected_fmt(&st->u.call, eb, sizeof eb);
	failure(sim, st->line, "expected %s = %s, got %s", cb, eb, rb);
}

static void finish_call(ts_sim *sim, ts_host *h, const ts_result *r)
{
	ts_proc *p = &h->proc;
	ts_callctx *ctx = &p->call;
	const ts_stmt *st = ctx->st;
	const ts_call *c = &st->u.call;
	if (p->tev.slot)
		ts_evq_cancel(&sim->q, &p->tev);
	/* The result without its --why text (which is reported above). */
	memcpy(&sim->last, r, offsetof(ts_result, why));
	sim->last.why[0] = 0;
	sim->last_line = st->line;
	if (r->ret >= 0 && r->sk && c->bind_var >= 0) {
		ts_var *v = &p->vars[c->bind_var];
		v->bound = 1;
		v->fd = (int)r->ret;
		v->is_tw = 0;
		v->ref.sk = r->sk;
		v->ref.gen = r->sk->gen;
		r->sk->var = c->bind_var;
	}
	if (c->id == TS_CALL_CLOSE && r->ret == 0 && c->fd_var >= 0)
		p->vars[c->fd_var].fd = -1;
	if (ts_rep_on(sim))
		report_result(sim, h, r);
	else if (!ctx->waiting)
		ts_rep_release(sim); /* nothing is held: holding ends */
	if (c->expect != TS_EXPECT_NONE || c->bind_var >= 0 || c->sigpipe) {
		sim->nchecked++;
		if (!result_matches(c, r))
			result_failure(sim, st, r);
	}
	ctx->st = NULL;
	if (r->sigpipe) {
		if (p->sigpipe_ignored) {
			ts_rep_event(sim, h->index, "signal",
				     "SIGPIPE ignored (SIG_IGN)");
		} else {
			ts_rep_event(sim, h->index, "signal",
				     "SIGPIPE: default action terminates the "
				     "process; the kernel closes its sockets");
			terminate(sim, h, "terminated by SIGPIPE");
		}
	}
	drain(sim, h);
}

/* The report's line for host H's call that blocks (the report is on). */
__attribute__((noinline)) static void report_blocks(ts_sim *sim, ts_host *h)
{
	ts_callctx *ctx = &h->proc.call;
	char cb[160];
	call_fmt(sim, ctx->st, cb, sizeof cb);
	call_event(sim, ctx->st, cb, NULL, ctx->began);
	ts_rep_event(sim, h->index, "call", "%s ... blocks", cb);
}

static void attempt(ts_sim *sim, ts_host *h)
{
	ts_proc *p = &h->proc;
	ts_callctx *ctx = &p->call;
	ts_result r;
	if (!ctx->waiting)
		ts_rep_hold(sim);
	int saved = sim->cur_line;
	sim->cur_line = ctx->st->line;
	ts_sock_call(sim, h, ctx, ctx->arg, &r);
	sim->cur_line = saved;
	if (!r.block) {
		finish_call(sim, h, &r);
		return;
	}
	if (ctx->waiting)
		return;
	ctx->waiting = 1;
	sim->rep.holding = 0;
	if (ts_rep_on(sim))
		report_blocks(sim, h);
	ts_rep_release(sim);
	const ts_call *c = &ctx->st->u.call;
	ts_time deadline = TS_TIME_NEVER;
	if (c->id == TS_CALL_POLL && c->a > 0)
		deadline = ctx->began + TS_MS(c->a);
	else if (c->id == TS_CALL_CLOSE && ctx->sk)
		deadline = ctx->began + TS_SEC(ctx->sk->linger_s);
	if (deadline != TS_TIME_NEVER)
		ts_evq_schedule(&sim->q, &p->tev, deadline);
}

/* Host H's line ST is not run: its host is down or its process gone, or
 * (UNBOUND) its socket variable names no socket. */
__attribute__((noinline)) static void skip_call(ts_sim *sim, ts_host *h,
						const ts_stmt *st, int unbound)
{
	char cb[160];
	call_fmt(sim, st, cb, sizeof cb);
	if (unbound) {
		int var = st->u.call.fd_var;
		ts_rep_event(sim, h->index, "skip",
			     "%s not run: variable %s is not bound", cb,
			     var_name(sim, h->index, var));
		failure(sim, st->line,
			"expected variable %s to name a socket, got "
			"none (its binding call failed, or its "
			"process was restarted)",
			var_name(sim, h->index, var));
		return;
	}
	const char *why = !h->up ? "host is down" : "process terminated";
	ts_rep_event(sim, h->index, "skip", "%s not run: %s", cb, why);
	failure(sim, st->line, "expected %s to run, got: %s", cb, why);
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
			ts_result r = {.ret = -1, .err = TS_EBADF};
			finish_call(sim, h, &r);
			return;
		}
		ctx->arg = p->fds[v->fd];
	}
	attempt(sim, h);
}

static void run_host_event_now(ts_sim *sim, ts_host *h, const ts_stmt *st);

static void crash_host(ts_sim *sim, ts_host *h)
{
	ts_proc *p = &h->proc;
	if (p->call.st) {
		failure(sim, p->call.st->line,
			"expected the call to return, got: host crashed");
		p->call.st = NULL;
	}
	ts_evq_cancel(&sim->q, &p->tev);
	for (int ci = 0; ci < sim->socks.nchunks; ci++)
		for (int k = 0; k < ts_pool_used(&sim->socks, ci); k++) {
			ts_sock *sk = ts_sim_sock(sim, ci, k);
			if (sk->in_use && sk->host == h)
				ts_tcp_free(sim, sk);
		}
	ts_tw_drop_host(sim, h);
	ts_tcp_cookies_free(h);
	h->up = 0;
	p->alive = 0;
}

static void run_host_event(ts_sim *sim, ts_host *h, const ts_stmt *st)
{
	sim->cur_line = st->line;
	run_host_event_now(sim, h, st);
	sim->cur_line = 0;
}

static void run_host_event_now(ts_sim *sim, ts_host *h, const ts_stmt *st)
{
	switch (st->u.host_op) {
	case TS_HOST_KILL:
		if (!h->up || !h->proc.alive) {
			ts_rep_event(sim, h->index, "skip",
				     "kill not run: no process");
			failure(sim, st->line,
				"expected a process to kill, got "
				"none");
			return;
		}
		ts_rep_event(sim, h->index, "proc",
			     "killed (SIGKILL): the kernel closes its sockets "
			     "as close() would");
		terminate(sim, h, "killed");
		return;
	case TS_HOST_CRASH:
		if (!h->up) {
			failure(sim, st->line, "expected %s to be up, got down",
				h->decl->name);
			return;
		}
		ts_rep_event(sim, h->index, "host",
			     "crashes: the process and every connection "
			     "vanish, nothing is sent");
		crash_host(sim, h);
		drain(sim, h); /* lines waiting for the process: not run */
		return;
	case TS_HOST_REBOOT:
		if (h->up) {
			failure(sim, st->line,
				"expected %s to be down for reboot, got up",
				h->decl->name);
			return;
		}
		h->boot++;
		h->nconn = 0;
		h->next_port = (uint16_t)h->knob[TS_KNOB_IP_LOCAL_PORT_LOW];
		h->up = 1;
		host_reset_proc(h);
		ts_rep_event(sim, h->index, "host",
			     "reboots: empty stack, new ISN series, new "
			     "process");
		return;
	}
}

/* ---- expectations ---- */

static void check_wire(ts_sim *sim, const ts_stmt *st)
{
	const ts_expect *x = &st->u.expect;
	int nd = sim->nhosts * sim->nhosts * 6;
	if (!sim->span_started || sim->span_at != sim->now) {
		/* A new span: it starts where the last checked one ended. */
		memcpy(sim->span_base, sim->span_mark,
		       (size_t)nd * sizeof *sim->span_base);
		sim->span_at = sim->now;
		sim->span_started = 1;
	}
	for (int a = 0; a < sim->nhosts; a++)
		for (int b = 0; b < sim->nhosts; b++)
			memcpy(&sim->span_mark[(a * sim->nhosts + b) * 6],
			       ts_net_dir(&sim->net, a, b)->sent,
			       6 * sizeof(uint64_t));
	int i = (x->from * sim->nhosts + x->to) * 6 + (int)x->kind;
	uint64_t n = sim->span_mark[i] - sim->span_base[i];
	const char *from = sim->hosts[x->from].decl->name;
	const char *to = sim->hosts[x->to].decl->name;
	const char *k = ts_segkind_name(x->kind);
	int ok = x->negate ? n == 0 : n > 0;
	sim->nchecked++;
	sim->rep.ev.line = st->line;
	sim->rep.ev.ok = ok;
	ts_rep_event(sim, -1, "expect", "%s%s>%s %s: %s (%llu sent)",
		     x->negate ? "no " : "", from, to, k, ok ? "ok" : "FAILED",
		     (unsigned long long)n);
	if (!ok) {
		if (x->negate)
			failure(sim, st->line, "expected no %s>%s %s, got %llu",
				from, to, k, (unsigned long long)n);
		else
			failure(sim, st->line, "expected %s>%s %s, got none",
				from, to, k);
	}
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

static void run_expect(ts_sim *sim, const ts_stmt *st)
{
	const ts_expect *x = &st->u.expect;
	switch (x->op) {
	case TS_EXP_WIRE:
		check_wire(sim, st);
		return;
	case TS_EXP_STATE: {
		ts_tcp_state s = ts_sim_var_state(sim, x->host, x->var);
		const char *hn = sim->hosts[x->host].decl->name;
		const char *vn = var_name(sim, x->host, x->var);
		sim->nchecked++;
		sim->rep.ev.line = st->line;
		sim->rep.ev.ok = s == x->state;
		ts_rep_event(sim, -1, "expect", "%s %s state %s: %s", hn, vn,
			     ts_state_name(x->state),
			     s == x->state ? "ok" : "FAILED");
		if (s != x->state)
			failure(sim, st->line,
				"expected %s %s state %s, got %s", hn, vn,
				ts_state_name(x->state), ts_state_name(s));
		return;
	}
	case TS_EXP_TERMINATED: {
		ts_host *h = &sim->hosts[x->host];
		sim->nchecked++;
		sim->rep.ev.line = st->line;
		sim->rep.ev.ok = h->proc.terminated;
		ts_rep_event(sim, -1, "expect", "%s terminated: %s",
			     h->decl->name,
			     h->proc.terminated ? "ok" : "FAILED");
		if (!h->proc.terminated)
			failure(sim, st->line, "expected %s terminated, got %s",
				h->decl->name,
				h->up ? "a running process" : "a crashed host");
		return;
	}
	}
}

/* ---- the loop ---- */

static int enqueue(ts_proc *p, int i)
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
			int *q = realloc(p->queue, (size_t)nc * sizeof *q);
			if (!q)
				return -1;
			p->queue = q;
			p->qcap = nc;
		}
	}
	p->queue[p->qtail++] = i;
	return 0;
}

static void run_stmt_ptr(ts_sim *sim, const ts_stmt *st)
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
		sim->cur_line = st->line;
		int rc = ts_net_apply(sim, st, msg, sizeof msg);
		sim->cur_line = 0;
		if (rc < 0)
			ts_sim_abort(sim, st->line, "%s", msg);
		return;
	}
	case TS_STMT_EXPECT:
		run_expect(sim, st);
		return;
	}
}

static void run_stmt(ts_sim *sim, int i)
{
	run_stmt_ptr(sim, &sim->trace->stmts[i]);
}

/* A line comes due: to its host's process, or straight away. */
static void line_due(ts_sim *sim, int i)
{
	const ts_stmt *st = &sim->trace->stmts[i];
	if (st->kind == TS_STMT_CALL) {
		ts_proc *p = &sim->hosts[st->host].proc;
		if (p->call.st || p->qhead != p->qtail) {
			if (enqueue(p, i) < 0)
				ts_sim_abort(sim, st->line, "out of memory");
			return;
		}
	}
	run_stmt(sim, i);
}

/* Every woken process with a call in progress tries it again, in host
 * order, pass after pass while an attempt wakes another. */
static void wake_all(ts_sim *sim)
{
	ts_host *hosts = sim->hosts, *end = hosts + sim->nhosts;
	for (int pass = 0; pass < 64 && sim->nwake; pass++) {
		sim->nwake = 0;
		for (ts_host *h = hosts; h < end && !sim->aborted; h++) {
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
	int i = (int)(st - sim->trace->stmts);
	if (i >= 0 && i < sim->trace->nstmts) {
		line_due(sim, i);
	} else {
		run_stmt_ptr(sim, st);
	}
	wake_all(sim);
	ts_sim_compact(sim);
}

void ts_sim_feed(ts_sim *sim, int host)
{
	drain(sim, &sim->hosts[host]);
	wake_all(sim);
	ts_sim_compact(sim);
}

void ts_sim_advance(ts_sim *sim, ts_time until)
{
	for (;;) {
		ts_event *ev = ts_evq_peek(&sim->q);
		if (!ev || ev->when > until || sim->aborted)
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
	ts_rep_header(sim);
	while (!sim->aborted) {
		ts_event *ev = ts_evq_peek(&sim->q);
		int have_line = sim->next_stmt < t->nstmts;
		ts_time next;
		if (!have_line && ev && ts_evq_len(&sim->q) == sim->ka_only &&
		    !ts_sim_blocked(sim)) {
			ts_sim_end_keepalive(sim);
			break;
		}
		if (have_line &&
		    (!ev || t->stmts[sim->next_stmt].at <= ev->when))
			next = t->stmts[sim->next_stmt].at;
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
		    (!ev || t->stmts[sim->next_stmt].at <= ev->when))
			line_due(sim, sim->next_stmt++);
		else
			dispatch(sim, take_next(sim));
		wake_all(sim);
		ts_sim_compact(sim);
		ts_check(sim);
	}
	return ts_sim_finish(sim);
}

/* Keepalive would probe a live peer forever: after the last line it keeps
 * nothing going (doc/trace-format.md), and the report says so. */
void ts_sim_end_keepalive(ts_sim *sim)
{
	ts_rep_event(sim, -1, "end",
		     "only keepalive timers are left: the run ends");
}

int ts_sim_finish(ts_sim *sim)
{
	const ts_trace *t = sim->trace;
	if (!sim->aborted && !ts_sim_blocked(sim))
		ts_check_end(sim);
	if (sim->aborted)
		return 2;
	/* Calls still blocked, and lines that never got to run: each was
	 * expected to, and counts as an expectation that failed. */
	for (int i = 0; i < sim->nhosts; i++) {
		ts_proc *p = &sim->hosts[i].proc;
		if (p->call.st) {
			char cb[160];
			call_fmt(sim, p->call.st, cb, sizeof cb);
			ts_rep_event(sim, i, "proc",
				     "%s still blocked: nothing left to happen",
				     cb);
			sim->nchecked++;
			failure(sim, p->call.st->line,
				"expected the call to return, got: still "
				"blocked at the end of the run");
		}
		for (int q = p->qhead; q < p->qtail; q++) {
			sim->nchecked++;
			failure(sim, t->stmts[p->queue[q]].line,
				"expected the line to run, got: its process "
				"stayed blocked");
		}
	}
	ts_rep_final(sim);
	ts_rep_raw(sim, "# %d expectations checked, %d failed\n", sim->nchecked,
		   sim->nfailed);
	return sim->nfailed ? 1 : 0;
}

/* ---- --why: causes ---- */

void ts_sim_origin(ts_sim *sim, uint32_t num, int from, uint8_t flags,
		   int injected)
{
	if (!sim->why)
		return;
	if (num >= sim->norigins) {
		uint32_t n = sim->norigins ? sim->norigins : 256;
		while (n <= num)
			n *= 2;
		ts_origin *o = realloc(sim->origins, n * sizeof *o);
		if (!o)
			return;
		memset(o + sim->norigins, 0, (n - sim->norigins) * sizeof *o);
		sim->origins = o;
		sim->norigins = n;
	}
	ts_origin *o = &sim->origins[num];
	o->from = (int16_t)from;
	o->flags = flags;
	o->rst = (int8_t)sim->cur_rst;
	o->timer = NULL;
	if (injected) {
		o->kind = TS_ORIG_INJECT;
		o->val = (uint32_t)sim->cur_line;
	} else if (sim->cur_in) {
		o->kind = TS_ORIG_INPUT;
		o->val = sim->cur_in;
	} else if (sim->cur_timer) {
		o->kind = TS_ORIG_TIMER;
		o->timer = sim->cur_timer;
	} else if (sim->cur_line) {
		o->kind = TS_ORIG_CALL;
		o->val = (uint32_t)sim->cur_line;
	} else {
		o->kind = TS_ORIG_NONE;
	}
}

static const char *line_text(ts_sim *sim, int line)
{
	for (int i = 0; i < sim->trace->nstmts; i++) {
		const char *t = sim->trace->stmts[i].text;
		if (sim->trace->stmts[i].line != line)
			continue;
		/* Without its time: "client: write(c, 100) = 100". */
		if (*t == '+' || (*t >= '0' && *t <= '9')) {
			while (*t && *t != ' ' && *t != '\t')
				t++;
			while (*t == ' ' || *t == '\t')
				t++;
		}
		return t;
	}
	return "";
}

char *ts_sim_cause(ts_sim *sim, int kind, uint32_t val, const char *timer,
		   char *buf, size_t n)
{
	switch (kind) {
	case TS_ORIG_CALL:
		snprintf(buf, n, "line %u (%s) ran", val,
			 line_text(sim, (int)val));
		break;
	case TS_ORIG_INJECT:
		snprintf(buf, n, "line %u (%s) forged it", val,
			 line_text(sim, (int)val));
		break;
	case TS_ORIG_TIMER:
		snprintf(buf, n, "the %s timer fired", timer ? timer : "");
		break;
	case TS_ORIG_INPUT: {
		char fb[32];
		const ts_origin *o =
		    val < sim->norigins ? &sim->origins[val] : NULL;
		snprintf(buf, n, "segment #%u (%s) arrived", val,
			 o ? ts_rep_flags(o->flags, fb, sizeof fb) : "?");
		break;
	}
	default:
		snprintf(buf, n, "the run started");
		break;
	}
	return buf;
}

char *ts_sim_seg_chain(ts_sim *sim, uint32_t num, char *buf, size_t n)
{
	size_t l = 0;
	buf[0] = 0;
	for (int depth = 0; depth < 4 && num && num < sim->norigins; depth++) {
		const ts_origin *o = &sim->origins[num];
		char fb[32], cb[200];
		const char *who =
		    o->from >= 0 ? sim->hosts[o->from].decl->name : "?";
		l += (size_t)snprintf(
		    buf + l, n > l ? n - l : 0, "%s#%u (%s) sent by %s",
		    depth ? " \u2190 in reply to " : "", num,
		    ts_rep_flags(o->flags, fb, sizeof fb), who);
		if (o->rst >= 0 && o->rst < TS_NRST)
			l += (size_t)snprintf(buf + l, n > l ? n - l : 0,
					      ": %s [%s]",
					      ts_rst_reasons[o->rst].why,
					      ts_rst_reasons[o->rst].rule);
		if (o->kind == TS_ORIG_INPUT) {
			num = o->val;
			continue;
		}
		if (o->kind != TS_ORIG_NONE)
			l += (size_t)snprintf(
			    buf + l, n > l ? n - l : 0, " when %s",
			    ts_sim_cause(sim, o->kind, o->val, o->timer, cb,
					 sizeof cb));
		break;
	}
	return buf;
}
