/*
 * api.c - the public interface (include/tcpsim.h): the parser, the engine
 * and the renderers put together. A simulation's events go to the text
 * report when the options have a write function, and to the embedder's
 * observer when they have an event function; with neither, the model
 * builds no event at all.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "engine/engine.h"
#include "render/report.h"
#include "sock/sock.h"
#include "tcp/tcp.h"
#include "tcpsim.h"

struct tcpsim_sim {
	ts_trace *trace;
	ts_sim *sim;
	ts_report *report; /* the text report, when opts.write */
	tcpsim_options opts;
	int ran;
	/* Built step by step (tcpsim_new): the declarations' text until the
	 * first line; then the lines given, each parsed on its own and
	 * freed once the engine is done with it (or, with opts.why, kept:
	 * the causes name them). */
	int building;
	char *decls;
	size_t dlen;
	int nlines;        /* lines so far, declarations included */
	ts_stmt **pending; /* lines the engine still uses (a call waits) */
	int npending, pending_cap;
	ts_stmt **kept; /* opts.why: every line */
	int nkept, kept_cap;
};

#define API_FILE "<api>"

const char *tcpsim_version(void)
{
	return PACKAGE_VERSION;
}

void tcpsim_options_init(tcpsim_options *o)
{
	memset(o, 0, sizeof *o);
	o->max_time_us = TS_SEC(10000000);
	o->max_events = 100000000;
}

static void copy_err(tcpsim_error *dst, const ts_error *src)
{
	if (!dst)
		return;
	memset(dst, 0, sizeof *dst);
	memcpy(dst->file, src->file, sizeof dst->file);
	dst->line = src->line;
	dst->col = src->col;
	memcpy(dst->message, src->msg, sizeof dst->message);
	memcpy(dst->source, src->source, sizeof dst->source);
}

static void set_err(tcpsim_error *e, const char *file, const char *msg)
{
	if (!e)
		return;
	memset(e, 0, sizeof *e);
	strncpy(e->file, file ? file : "", sizeof e->file - 1);
	strncpy(e->message, msg, sizeof e->message - 1);
}

static ts_sim_opts sim_opts(const tcpsim_options *o)
{
	ts_sim_opts so = {
	    .seed = o->seed,
	    .max_time = o->max_time_us > 0 ? o->max_time_us : TS_TIME_MAX,
	    .max_events = o->max_events ? o->max_events : UINT64_MAX};
	return so;
}

/* The engine for trace T, its events wired to the report and to the
 * observer of the options. -1 when out of memory. */
static int make_sim(tcpsim_sim *s, ts_trace *t)
{
	ts_sim_opts so = sim_opts(&s->opts);
	s->sim = ts_sim_new(t, &so);
	if (!s->sim)
		return -1;
	s->sim->why.on = s->opts.why;
	s->sim->chk.on = s->opts.check;
	if (s->opts.write) {
		s->report = ts_report_new(t, s->opts.seed, s->opts.color,
					  s->opts.write, s->opts.write_ctx);
		if (!s->report)
			return -1;
		ts_stream_add(&s->sim->out, ts_report_event, s->report, 0);
	}
	if (s->opts.event)
		ts_stream_add(&s->sim->out, s->opts.event, s->opts.event_ctx,
			      s->opts.event_mask);
	return 0;
}

tcpsim_sim *tcpsim_load(const char *filename, const char *text, size_t len,
			const tcpsim_options *opts, tcpsim_error *err)
{
	if (!filename)
		filename = "-";
	if (!text && len) {
		set_err(err, filename, "no trace text");
		return NULL;
	}
	ts_error e;
	ts_trace *t = ts_trace_parse(filename, text ? text : "", len, &e);
	if (!t) {
		copy_err(err, &e);
		return NULL;
	}
	tcpsim_sim *s = calloc(1, sizeof *s);
	if (!s) {
		ts_trace_free(t);
		set_err(err, filename, "out of memory");
		return NULL;
	}
	if (opts)
		s->opts = *opts;
	else
		tcpsim_options_init(&s->opts);
	s->trace = t;
	if (make_sim(s, t) < 0) {
		tcpsim_free(s);
		set_err(err, filename, "out of memory");
		return NULL;
	}
	return s;
}

static int start(tcpsim_sim *s, tcpsim_error *err);
static void forget_lines(tcpsim_sim *s);

int tcpsim_run(tcpsim_sim *s, tcpsim_error *err)
{
	if (!s || s->ran) {
		set_err(err, s && s->trace ? s->trace->filename : API_FILE,
			"a simulation runs only once");
		return TCPSIM_ERROR;
	}
	if (s->building && !s->sim && start(s, err) < 0)
		return TCPSIM_ERROR;
	s->ran = 1;
	int rc;
	if (s->building) {
		/* Whatever is still to happen, then the end of the run. */
		ts_sim *sim = s->sim;
		ts_event *ev;
		while ((ev = ts_evq_peek(&sim->q)) && !sim->run.aborted) {
			if (ts_evq_len(&sim->q) == sim->socks.ka_only &&
			    !ts_sim_blocked(sim)) {
				ts_sim_end_keepalive(sim); /* as ts_sim_run */
				break;
			}
			if (ev->when > sim->opts.max_time) {
				ts_sim_abort(sim, 0,
					     "virtual time limit exceeded "
					     "(max_time_us)");
				break;
			}
			ts_sim_advance(sim, ev->when);
		}
		rc = ts_sim_finish(sim);
		forget_lines(s);
	} else {
		if (s->report)
			ts_report_begin(s->report);
		rc = ts_sim_run(s->sim);
	}
	if (s->report)
		ts_report_flush(s->report);
	if (rc == 2) {
		copy_err(err, &s->sim->run.err);
		return TCPSIM_ERROR;
	}
	return rc ? TCPSIM_FAILED : TCPSIM_OK;
}

int tcpsim_failures(const tcpsim_sim *s)
{
	return s && s->sim ? s->sim->exp.nfailed : 0;
}

int tcpsim_host_count(const tcpsim_sim *s)
{
	return s && s->trace ? s->trace->nhosts : 0;
}

const char *tcpsim_host_name(const tcpsim_sim *s, int i)
{
	if (!s || !s->trace || i < 0 || i >= s->trace->nhosts)
		return NULL;
	return s->trace->hosts[i].name;
}

int tcpsim_checked(const tcpsim_sim *s)
{
	return s && s->sim ? s->sim->exp.nchecked : 0;
}

int tcpsim_var_state(const tcpsim_sim *s, const char *host, const char *var)
{
	if (!s || !s->sim || !host || !var)
		return -1;
	const ts_trace *t = s->trace;
	for (int h = 0; h < t->nhosts; h++) {
		if (strcmp(t->hosts[h].name, host) != 0)
			continue;
		for (int v = 0; v < t->hosts[h].nvars; v++)
			if (strcmp(t->hosts[h].vars[v], var) == 0)
				return (int)ts_sim_var_state(s->sim, h, v);
		return -1;
	}
	return -1;
}

const char *tcpsim_state_name(int state)
{
	if (state < 0 || state >= TS_TCP_NSTATES)
		return NULL;
	return ts_state_name((ts_tcp_state)state);
}

void tcpsim_free(tcpsim_sim *s)
{
	if (!s)
		return;
	ts_report_free(s->report);
	ts_sim_free(s->sim);
	for (int i = 0; i < s->npending; i++)
		free(s->pending[i]);
	free(s->pending);
	for (int i = 0; i < s->nkept; i++)
		free(s->kept[i]);
	free(s->kept);
	ts_trace_free(s->trace);
	free(s->decls);
	free(s);
}

/* ---- step by step ---- */

tcpsim_sim *tcpsim_new(const tcpsim_options *opts)
{
	tcpsim_sim *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	if (opts)
		s->opts = *opts;
	else
		tcpsim_options_init(&s->opts);
	s->building = 1;
	return s;
}

int tcpsim_declare(tcpsim_sim *s, const char *decl, tcpsim_error *err)
{
	if (!s || !decl || !s->building || s->sim) {
		set_err(err, API_FILE,
			"declarations come before the first line");
		return TCPSIM_ERROR;
	}
	size_t n = strlen(decl);
	char *b = realloc(s->decls, s->dlen + n + 2);
	if (!b) {
		set_err(err, API_FILE, "out of memory");
		return TCPSIM_ERROR;
	}
	s->decls = b;
	memcpy(b + s->dlen, decl, n);
	b[s->dlen + n] = '\n';
	b[s->dlen + n + 1] = 0;
	ts_error e;
	ts_trace *t = ts_trace_parse(API_FILE, b, s->dlen + n + 1, &e);
	if (!t || t->nstmts) {
		if (t)
			set_err(err, API_FILE, "not a declaration");
		else
			copy_err(err, &e);
		ts_trace_free(t);
		b[s->dlen] = 0;
		return TCPSIM_ERROR;
	}
	ts_trace_free(t);
	s->dlen += n + 1;
	return TCPSIM_OK;
}

static int start(tcpsim_sim *s, tcpsim_error *err)
{
	ts_error e;
	ts_trace *t =
	    ts_trace_parse(API_FILE, s->decls ? s->decls : "", s->dlen, &e);
	if (!t) {
		copy_err(err, &e);
		return -1;
	}
	s->trace = t;
	for (size_t i = 0; i < s->dlen; i++)
		s->nlines += s->decls[i] == '\n';
	if (make_sim(s, t) < 0) {
		set_err(err, API_FILE, "out of memory");
		return -1;
	}
	/* A line may replay any recent segment. */
	s->sim->net.keep_recent = 1;
	/* lines come one by one: any may name fields (a ring, bounded) */
	s->sim->net.wlog_on = 1;
	if (s->report)
		ts_report_begin(s->report);
	return 0;
}

static int push(ts_stmt ***v, int *n, int *cap, ts_stmt *st)
{
	if (*n == *cap) {
		int nc = *cap ? *cap * 2 : 16;
		ts_stmt **nv = realloc(*v, (size_t)nc * sizeof *nv);
		if (!nv)
			return -1;
		*v = nv;
		*cap = nc;
	}
	(*v)[(*n)++] = st;
	return 0;
}

/* A line the engine no longer uses: freed, or kept for --why's causes. */
static void done_with(tcpsim_sim *s, ts_stmt *st)
{
	if (s->opts.why && push(&s->kept, &s->nkept, &s->kept_cap, st) == 0)
		return;
	if (s->opts.why) {
		/* No room to keep it: the causes may name it. */
		ts_sim_abort(s->sim, 0, "out of memory");
		push(&s->pending, &s->npending, &s->pending_cap, st);
		return;
	}
	free(st);
}

/* The lines waiting for a call that has since returned are done. */
static void settle(tcpsim_sim *s)
{
	int k = 0;
	for (int i = 0; i < s->npending; i++) {
		if (ts_sim_uses(s->sim, s->pending[i]))
			s->pending[k++] = s->pending[i];
		else
			done_with(s, s->pending[i]);
	}
	s->npending = k;
}

/* At the end of the run, every line is done. */
static void forget_lines(tcpsim_sim *s)
{
	for (int i = 0; i < s->npending; i++)
		done_with(s, s->pending[i]);
	s->npending = 0;
}

/* The step functions on S: 0, or -1 with *ERR (not built step by step,
 * already run, the run aborted). */
static int usable(tcpsim_sim *s, const char *fn, tcpsim_error *err)
{
	char msg[160];
	if (!s || !s->building) {
		snprintf(msg, sizeof msg,
			 "%s: not a simulation built with tcpsim_new()", fn);
		set_err(err, API_FILE, msg);
		return -1;
	}
	if (s->ran) {
		snprintf(msg, sizeof msg,
			 "%s: the simulation has run; tcpsim_run() ends it",
			 fn);
		set_err(err, API_FILE, msg);
		return -1;
	}
	if (!s->sim && start(s, err) < 0)
		return -1;
	if (s->sim->run.aborted) {
		copy_err(err, &s->sim->run.err);
		return -1;
	}
	return 0;
}

int tcpsim_do(tcpsim_sim *s, const char *line, tcpsim_result *res,
	      tcpsim_error *err)
{
	if (res)
		memset(res, 0, sizeof *res);
	if (usable(s, "tcpsim_do", err) < 0)
		return TCPSIM_ERROR;
	if (!line) {
		set_err(err, API_FILE, "tcpsim_do: no line");
		return TCPSIM_ERROR;
	}
	ts_error e;
	ts_sim *sim = s->sim;
	int lineno = s->nlines + 1;
	ts_stmt *st = ts_trace_parse_line(s->trace, line, strlen(line),
					  sim->now, lineno, &e);
	if (!st) {
		copy_err(err, &e);
		return TCPSIM_ERROR;
	}
	s->nlines = lineno;
	if (ts_sim_vars_grow(sim) < 0) {
		free(st);
		set_err(err, API_FILE, "out of memory");
		return TCPSIM_ERROR;
	}
	int failed = sim->exp.nfailed;
	ts_sim_exec(sim, st);
	int rc = sim->exp.nfailed > failed ? TCPSIM_FAILED : TCPSIM_OK;
	if (res && st->kind == TS_STMT_CALL) {
		res->line = st->line;
		res->done = !ts_sim_uses(sim, st);
		if (res->done && sim->exp.last_line == st->line) {
			res->value = sim->exp.last.ret;
			res->errno_name = sim->exp.last.ret < 0
					      ? ts_errno_name(sim->exp.last.err)
					      : NULL;
			res->sigpipe = sim->exp.last.sigpipe;
		}
	}
	if (sim->run.aborted) {
		copy_err(err, &sim->run.err);
		if (err && err->line == st->line)
			snprintf(err->source, sizeof err->source, "%s",
				 st->text);
		rc = TCPSIM_ERROR;
	}
	if (ts_sim_uses(sim, st)) {
		if (push(&s->pending, &s->npending, &s->pending_cap, st) < 0) {
			ts_sim_abort(sim, 0, "out of memory");
			copy_err(err, &sim->run.err);
			rc = TCPSIM_ERROR;
		}
	} else {
		done_with(s, st);
	}
	settle(s);
	if (s->report)
		ts_report_flush(s->report);
	return rc;
}

int tcpsim_advance(tcpsim_sim *s, int64_t us, tcpsim_error *err)
{
	if (usable(s, "tcpsim_advance", err) < 0)
		return TCPSIM_ERROR;
	ts_sim *sim = s->sim;
	if (us < 0) {
		char msg[120];
		snprintf(msg, sizeof msg,
			 "tcpsim_advance: time only goes forward, not by "
			 "%lld us",
			 (long long)us);
		set_err(err, API_FILE, msg);
		return TCPSIM_ERROR;
	}
	if (us > TS_TIME_MAX - sim->now || sim->now + us > sim->opts.max_time) {
		set_err(err, API_FILE,
			"tcpsim_advance: past the virtual time limit "
			"(max_time_us)");
		return TCPSIM_ERROR;
	}
	ts_sim_advance_before(sim, sim->now + us);
	settle(s);
	if (s->report)
		ts_report_flush(s->report);
	if (sim->run.aborted) {
		copy_err(err, &sim->run.err);
		return TCPSIM_ERROR;
	}
	return TCPSIM_OK;
}

int64_t ts_api_next_event(tcpsim_sim *s)
{
	if (!s || !s->sim)
		return -1;
	ts_event *ev = ts_evq_peek(&s->sim->q);
	return ev ? ev->when : -1;
}

int ts_api_run_to(tcpsim_sim *s, int64_t t, tcpsim_error *err)
{
	if (usable(s, "ts_api_run_to", err) < 0)
		return TCPSIM_ERROR;
	ts_sim *sim = s->sim;
	if (t < sim->now || t > sim->opts.max_time) {
		set_err(err, API_FILE,
			"ts_api_run_to: time only goes forward, up to the "
			"virtual time limit");
		return TCPSIM_ERROR;
	}
	ts_sim_advance(sim, t);
	settle(s);
	if (s->report)
		ts_report_flush(s->report);
	if (sim->run.aborted) {
		copy_err(err, &sim->run.err);
		return TCPSIM_ERROR;
	}
	return TCPSIM_OK;
}

int64_t tcpsim_now(const tcpsim_sim *s)
{
	return s && s->sim ? s->sim->now : 0;
}

int tcpsim_last_result(const tcpsim_sim *s, tcpsim_result *res)
{
	if (!res)
		return -1;
	memset(res, 0, sizeof *res);
	if (!s || !s->sim || !s->sim->exp.last_line)
		return -1;
	res->done = 1;
	res->line = s->sim->exp.last_line;
	res->value = s->sim->exp.last.ret;
	res->errno_name = s->sim->exp.last.ret < 0
			      ? ts_errno_name(s->sim->exp.last.err)
			      : NULL;
	res->sigpipe = s->sim->exp.last.sigpipe;
	return 0;
}

int tcpsim_run_trace(const char *filename, const char *text, size_t len,
		     const tcpsim_options *opts, tcpsim_error *err)
{
	tcpsim_sim *s = tcpsim_load(filename, text, len, opts, err);
	if (!s)
		return TCPSIM_ERROR;
	int rc = tcpsim_run(s, err);
	tcpsim_free(s);
	return rc;
}

int tcpsim_var_info(const tcpsim_sim *s, const char *host, const char *var,
		    tcpsim_tcp_info *info)
{
	if (!s || !s->sim || !host || !var || !info)
		return -1;
	memset(info, 0, sizeof *info);
	const ts_trace *t = s->trace;
	for (int h = 0; h < t->nhosts; h++) {
		if (strcmp(t->hosts[h].name, host) != 0)
			continue;
		for (int v = 0; v < t->hosts[h].nvars; v++) {
			if (strcmp(t->hosts[h].vars[v], var) != 0)
				continue;
			const ts_sock *sk = ts_sim_var_sock(s->sim, h, v);
			if (!sk) {
				info->state = (tcpsim_state)ts_sim_var_state(
				    s->sim, h, v);
				return 1;
			}
			ts_tcp_info(s->sim, sk, info); /* tcp_get_info */
			return 0;
		}
		return -1;
	}
	return -1;
}

int ts_api_set_knob(tcpsim_sim *s, int host, const char *name,
		    const int64_t *vals, int n, char *msg, size_t msglen)
{
	if (!s || !s->sim || host < 0 || host >= s->sim->nhosts)
		return -1;
	int k = 0;
	while (k < TS_NKNOBS && strcmp(ts_knobs[k].name, name))
		k++;
	if (k == TS_NKNOBS)
		return 1;
	int want = ts_knobs[k].nvals ? ts_knobs[k].nvals : 1;
	if (n != want) {
		snprintf(msg, msglen, "%s takes %d value%s", name, want,
			 want > 1 ? "s" : "");
		return -1;
	}
	for (int i = 0; i < n; i++)
		if (vals[i] < ts_knobs[k + i].min ||
		    vals[i] > ts_knobs[k + i].max) {
			snprintf(msg, msglen, "%s: %lld is out of range", name,
				 (long long)vals[i]);
			return -1;
		}
	for (int i = 0; i < n; i++)
		s->sim->hosts[host].knob[k + i] = vals[i];
	return 0;
}

const char *tcpsim_ca_state_name(int ca_state)
{
	/* Linux's words for icsk_ca_state (tcp_input.c) */
	static const char *const names[] = {"Open", "Disorder", "CWR",
					    "Recovery", "Loss"};
	if (ca_state < 0 || ca_state > TCPSIM_CA_LOSS)
		return NULL;
	return names[ca_state];
}
