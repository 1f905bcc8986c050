/*
 * api.c - the public interface (include/tcpsim.h) over the parser and the
 * engine.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "tcpsim.h"

struct tcpsim_sim {
	ts_trace *trace; /* the newest parse */
	ts_sim *sim;
	int ran;
	/* Built step by step (tcpsim_new): the declarations, the lines run so
	 * far with their absolute times, and the earlier parses, which the
	 * engine may still point into (a blocked call's line). */
	int building;
	tcpsim_options opts;
	char *decls, *lines;
	size_t dlen, llen;
	ts_trace **old;
	int nold;
};

#define API_FILE "<api>"

static int append(char **buf, size_t *len, const char *text)
{
	size_t n = strlen(text);
	char *b = realloc(*buf, *len + n + 2);
	if (!b)
		return -1;
	memcpy(b + *len, text, n);
	b[*len + n] = '\n';
	b[*len + n + 1] = 0;
	*buf = b;
	*len += n + 1;
	return 0;
}

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

tcpsim_sim *tcpsim_load(const char *filename, const char *text, size_t len,
			const tcpsim_options *opts, tcpsim_error *err)
{
	tcpsim_options def;
	if (!opts) {
		tcpsim_options_init(&def);
		opts = &def;
	}
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
	ts_sim_opts so = {
	    .seed = opts->seed,
	    .max_time = opts->max_time_us > 0 ? opts->max_time_us : TS_TIME_MAX,
	    .max_events = opts->max_events ? opts->max_events : UINT64_MAX};
	if (s)
		s->sim = ts_sim_new(t, &so, opts->write, opts->write_ctx);
	if (s && s->sim) {
		s->sim->rep.observer = opts->event;
		s->sim->rep.observer_ctx = opts->event_ctx;
		s->sim->why = opts->why;
		s->sim->check = opts->check;
	}
	if (!s || !s->sim) {
		free(s);
		ts_trace_free(t);
		set_err(err, filename, "out of memory");
		return NULL;
	}
	s->trace = t;
	return s;
}

static int start(tcpsim_sim *s, tcpsim_error *err);

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
		while ((ev = ts_evq_peek(&sim->q)) && !sim->aborted) {
			if (ts_evq_len(&sim->q) == sim->ka_only &&
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
	} else {
		rc = ts_sim_run(s->sim);
	}
	if (rc == 2) {
		copy_err(err, &s->sim->abort_err);
		return TCPSIM_ERROR;
	}
	return rc ? TCPSIM_FAILED : TCPSIM_OK;
}

int tcpsim_failures(const tcpsim_sim *s)
{
	return s ? s->sim->nfailed : 0;
}

int tcpsim_host_count(const tcpsim_sim *s)
{
	return s ? s->trace->nhosts : 0;
}

const char *tcpsim_host_name(const tcpsim_sim *s, int i)
{
	if (!s || i < 0 || i >= s->trace->nhosts)
		return NULL;
	return s->trace->hosts[i].name;
}

int tcpsim_checked(const tcpsim_sim *s)
{
	return s ? s->sim->nchecked : 0;
}

int tcpsim_var_state(const tcpsim_sim *s, const char *host, const char *var)
{
	if (!s || !host || !var)
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
	ts_sim_free(s->sim);
	ts_trace_free(s->trace);
	for (int i = 0; i < s->nold; i++)
		ts_trace_free(s->old[i]);
	free(s->old);
	free(s->decls);
	free(s->lines);
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

static ts_trace *parse_text(const char *text, size_t len, tcpsim_error *err)
{
	ts_error e;
	ts_trace *t = ts_trace_parse(API_FILE, text, len, &e);
	if (!t)
		copy_err(err, &e);
	return t;
}

int tcpsim_declare(tcpsim_sim *s, const char *decl, tcpsim_error *err)
{
	if (!s || !decl || !s->building || s->sim) {
		set_err(err, API_FILE,
			"declarations come before the first line");
		return TCPSIM_ERROR;
	}
	size_t old = s->dlen;
	if (append(&s->decls, &s->dlen, decl) < 0) {
		set_err(err, API_FILE, "out of memory");
		return TCPSIM_ERROR;
	}
	ts_trace *t = parse_text(s->decls, s->dlen, err);
	if (!t || t->nstmts) {
		if (t) {
			set_err(err, API_FILE, "not a declaration");
			ts_trace_free(t);
		}
		s->dlen = old;
		s->decls[old] = 0;
		return TCPSIM_ERROR;
	}
	ts_trace_free(t);
	return TCPSIM_OK;
}

static int start(tcpsim_sim *s, tcpsim_error *err)
{
	ts_trace *t = parse_text(s->decls ? s->decls : "", s->dlen, err);
	if (!t)
		return -1;
	ts_sim_opts so = {
	    .seed = s->opts.seed,
	    .max_time =
		s->opts.max_time_us > 0 ? s->opts.max_time_us : TS_TIME_MAX,
	    .max_events = s->opts.max_events ? s->opts.max_events : UINT64_MAX};
	s->sim = ts_sim_new(t, &so, s->opts.write, s->opts.write_ctx);
	if (!s->sim) {
		ts_trace_free(t);
		set_err(err, API_FILE, "out of memory");
		return -1;
	}
	s->trace = t;
	s->sim->rep.observer = s->opts.event;
	s->sim->rep.observer_ctx = s->opts.event_ctx;
	s->sim->why = s->opts.why;
	s->sim->check = s->opts.check;
	s->sim->net.keep_all = 1;
	ts_rep_header(s->sim);
	return 0;
}

/* The engine moves to the newest parse: same hosts, perhaps more
 * variables. */
static int adopt(tcpsim_sim *s, ts_trace *t)
{
	ts_trace **o = realloc(s->old, (size_t)(s->nold + 1) * sizeof *o);
	if (!o)
		return -1;
	s->old = o;
	for (int i = 0; i < t->nhosts; i++) {
		ts_host *h = &s->sim->hosts[i];
		int was = h->decl->nvars, now = t->hosts[i].nvars;
		if (now > was) {
			ts_var *v = realloc(h->proc.vars,
					    (size_t)(now + 1) * sizeof *v);
			if (!v)
				return -1;
			for (int k = was; k <= now; k++) {
				memset(&v[k], 0, sizeof v[k]);
				v[k].fd = -1;
			}
			h->proc.vars = v;
		}
		h->decl = &t->hosts[i];
	}
	s->old[s->nold++] = s->trace;
	s->trace = t;
	s->sim->trace = t;
	return 0;
}

int tcpsim_do(tcpsim_sim *s, const char *line, tcpsim_result *res,
	      tcpsim_error *err)
{
	if (res)
		memset(res, 0, sizeof *res);
	if (!s || !line || !s->building || s->ran) {
		set_err(err, API_FILE,
			"not a simulation built with tcpsim_new");
		return TCPSIM_ERROR;
	}
	if (!s->sim && start(s, err) < 0)
		return TCPSIM_ERROR;
	if (s->sim->aborted) {
		copy_err(err, &s->sim->abort_err);
		return TCPSIM_ERROR;
	}
	/* The whole text again, this line at the current virtual time, so
	 * that it sees every host and variable. */
	char stamp[40];
	snprintf(stamp, sizeof stamp, "%lldus ", (long long)s->sim->now);
	size_t total = s->dlen + s->llen + strlen(stamp) + strlen(line) + 2;
	char *text = malloc(total);
	if (!text) {
		set_err(err, API_FILE, "out of memory");
		return TCPSIM_ERROR;
	}
	size_t n = 0;
	if (s->dlen)
		memcpy(text, s->decls, s->dlen);
	n += s->dlen;
	if (s->llen)
		memcpy(text + n, s->lines, s->llen);
	n += s->llen;
	int len = snprintf(text + n, total - n, "%s%s\n", stamp, line);
	n += (size_t)len;
	ts_trace *t = parse_text(text, n, err);
	free(text);
	if (!t)
		return TCPSIM_ERROR;
	if (t->nstmts != s->trace->nstmts + 1 ||
	    t->nhosts != s->trace->nhosts) {
		ts_trace_free(t);
		set_err(err, API_FILE,
			"expected one line: a call, a host or net event, or "
			"expect");
		return TCPSIM_ERROR;
	}
	if (adopt(s, t) < 0 || append(&s->lines, &s->llen, "") < 0) {
		set_err(err, API_FILE, "out of memory");
		return TCPSIM_ERROR;
	}
	s->llen--; /* append() added an empty line: replace it */
	char *nl = malloc(strlen(stamp) + strlen(line) + 1);
	if (!nl) {
		set_err(err, API_FILE, "out of memory");
		return TCPSIM_ERROR;
	}
	sprintf(nl, "%s%s", stamp, line);
	int rc = append(&s->lines, &s->llen, nl);
	free(nl);
	if (rc < 0) {
		set_err(err, API_FILE, "out of memory");
		return TCPSIM_ERROR;
	}
	const ts_stmt *st = &t->stmts[t->nstmts - 1];
	int failed = s->sim->nfailed;
	ts_sim_exec(s->sim, st);
	if (s->sim->aborted) {
		copy_err(err, &s->sim->abort_err);
		return TCPSIM_ERROR;
	}
	if (res && st->kind == TS_STMT_CALL) {
		const ts_proc *p = &s->sim->hosts[st->host].proc;
		res->line = st->line;
		res->done = !(p->call.st == st);
		if (res->done && s->sim->last_line == st->line) {
			res->value = s->sim->last.ret;
			res->errno_name = s->sim->last.ret < 0
					      ? ts_errno_name(s->sim->last.err)
					      : NULL;
			res->sigpipe = s->sim->last.sigpipe;
		}
	}
	return s->sim->nfailed > failed ? TCPSIM_FAILED : TCPSIM_OK;
}

int tcpsim_advance(tcpsim_sim *s, int64_t us, tcpsim_error *err)
{
	if (!s || !s->building || s->ran || us < 0) {
		set_err(err, API_FILE,
			"not a simulation built with tcpsim_new");
		return TCPSIM_ERROR;
	}
	if (!s->sim && start(s, err) < 0)
		return TCPSIM_ERROR;
	ts_sim_advance(s->sim, s->sim->now + us);
	if (s->sim->aborted) {
		copy_err(err, &s->sim->abort_err);
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
	if (!s || !s->sim || !s->sim->last_line)
		return -1;
	res->done = 1;
	res->line = s->sim->last_line;
	res->value = s->sim->last.ret;
	res->errno_name =
	    s->sim->last.ret < 0 ? ts_errno_name(s->sim->last.err) : NULL;
	res->sigpipe = s->sim->last.sigpipe;
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
