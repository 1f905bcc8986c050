/*
 * api.c - the public interface (include/tcpsim.h) over the parser and the
 * engine.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "tcpsim.h"

struct tcpsim_sim {
	ts_trace *trace;
	ts_sim *sim;
	int ran;
};

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

int tcpsim_run(tcpsim_sim *s, tcpsim_error *err)
{
	if (!s || s->ran) {
		set_err(err, s ? s->trace->filename : "",
			"a simulation runs only once");
		return TCPSIM_ERROR;
	}
	s->ran = 1;
	int rc = ts_sim_run(s->sim);
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
	free(s);
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
