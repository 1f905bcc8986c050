/*
 * report.c - the text report (report.h). Lines are built with the string
 * builder into one buffer and handed to the write function in large
 * pieces; nothing here depends on the locale (integers only).
 */
#include "config.h"

#include "render/report.h"

#include <stdlib.h>
#include <string.h>

#include "base/errno_tab.h"
#include "base/sb.h"
#include "render/text.h"
#include "trace/trace.h"

/* Hand the buffer to the write function once it holds this much. */
#define FLUSH_AT (64 * 1024)

struct ts_report {
	tcpsim_write_fn write;
	void *ctx;
	const ts_trace *trace;
	uint64_t seed;
	size_t hostw;      /* width of the host column */
	int color;         /* failures and errnos in red */
	int final_started; /* "# final state at ..." written */
	ts_sb out;
};

ts_report *ts_report_new(const ts_trace *t, uint64_t seed, int color,
			 tcpsim_write_fn write, void *ctx)
{
	ts_report *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->color = color;
	r->write = write;
	r->ctx = ctx;
	r->trace = t;
	r->seed = seed;
	r->hostw = 6; /* "server" */
	for (int i = 0; i < t->nhosts; i++) {
		size_t l = strlen(t->hosts[i].name);
		if (l > r->hostw)
			r->hostw = l;
	}
	ts_sb_init(&r->out, NULL, 0);
	return r;
}

void ts_report_flush(ts_report *r)
{
	if (r->out.len && r->write)
		r->write(r->ctx, r->out.buf, r->out.len);
	r->out.len = 0;
}

void ts_report_free(ts_report *r)
{
	if (!r)
		return;
	ts_report_flush(r);
	ts_sb_free(&r->out);
	free(r);
}

void ts_report_begin(ts_report *r)
{
	const ts_trace *t = r->trace;
	ts_sb *sb = &r->out;
	ts_sb_puts(sb, "# tcpsim " PACKAGE_VERSION ": ");
	ts_sb_puts(sb, t->filename);
	ts_sb_puts(sb, " (profile ");
	ts_sb_puts(sb, t->profile);
	if (r->seed) {
		ts_sb_puts(sb, ", seed ");
		ts_sb_u64(sb, r->seed);
	}
	ts_sb_puts(sb, ")\n# hosts:");
	for (int i = 0; i < t->nhosts; i++) {
		ts_sb_puts(sb, i ? ", " : " ");
		ts_sb_puts(sb, t->hosts[i].name);
		ts_sb_putc(sb, ' ');
		ts_sb_ipv4(sb, t->hosts[i].addr);
	}
	ts_sb_puts(sb, "\n# links:");
	int any = 0;
	for (int a = 0; a < t->nhosts; a++)
		for (int b = a + 1; b < t->nhosts; b++) {
			ts_sb_puts(sb, any ? ", " : " ");
			ts_sb_puts(sb, t->hosts[a].name);
			ts_sb_putc(sb, '-');
			ts_sb_puts(sb, t->hosts[b].name);
			ts_sb_putc(sb, ' ');
			ts_sb_dur(sb, ts_trace_link_delay(t, a, b));
			any = 1;
		}
	if (!any)
		ts_sb_puts(sb, " none");
	ts_sb_putc(sb, '\n');
	ts_sb_pad(sb, 7);
	ts_sb_puts(sb, "TIME  ");
	ts_sb_puts_left(sb, "HOST", r->hostw);
	ts_sb_puts(sb, "  EVENT   DETAIL\n");
}

/* The lines after the run: the final state, then the count. */
static void final_line(ts_report *r, const tcpsim_event *ev)
{
	ts_sb *sb = &r->out;
	if (!r->final_started) {
		ts_sb_puts(sb, "# final state at ");
		ts_sb_time(sb, ev->time_us, 0);
		ts_sb_putc(sb, '\n');
		r->final_started = 1;
	}
	if (ev->kind == TCPSIM_EV_DONE) {
		ts_sb_putn(sb, "# ", 2);
		ts_sb_i64(sb, ev->u.done.checked);
		ts_sb_puts(sb, " expectations checked, ");
		ts_sb_i64(sb, ev->u.done.failed);
		ts_sb_puts(sb, " failed\n");
		return;
	}
	if (ev->u.final.reason == TCPSIM_FINAL_UNLISTED) {
		ts_sb_puts(sb, "# (out of memory: unnamed connections not "
			       "listed)\n");
		return;
	}
	ts_sb_putn(sb, "  ", 2);
	ts_sb_puts_left(sb, ev->host_name ? ev->host_name : "-", r->hostw);
	ts_sb_putn(sb, "  ", 2);
	ts_text_final(sb, ev, 1);
	ts_sb_putc(sb, '\n');
}

#define RED "\033[31m"
#define OFF "\033[0m"

/* A call that failed, its errno in red: "write(c, 100) = -1 EPIPE (Broken
 * pipe) +SIGPIPE", as ts_text_detail writes it uncoloured. */
static void failed_call_in_color(ts_sb *sb, const tcpsim_event *ev)
{
	const tcpsim_call_result *c = &ev->u.call;
	const char *name = ts_errno_name((ts_errno)c->err);
	const char *msg = ts_errno_msg((ts_errno)c->err);
	ts_call_fmt(sb, c->call);
	ts_sb_puts(sb, " = -1 " RED);
	ts_sb_puts(sb, name ? name : "?");
	ts_sb_putn(sb, " (", 2);
	ts_sb_puts(sb, msg ? msg : "?");
	ts_sb_puts(sb, ")" OFF);
	if (c->sigpipe)
		ts_sb_puts(sb, " +SIGPIPE");
	if (ev->kind == TCPSIM_EV_RETURN) {
		ts_sb_puts(sb, "  (blocked since ");
		ts_sb_time(sb, c->began_us, 0);
		ts_sb_putc(sb, ')');
	}
}

void ts_report_event(void *ctx, const tcpsim_event *ev)
{
	ts_report *r = ctx;
	ts_sb *sb = &r->out;
	if (ev->kind == TCPSIM_EV_FINAL || ev->kind == TCPSIM_EV_DONE) {
		final_line(r, ev);
	} else {
		int red = r->color && ev->kind == TCPSIM_EV_FAIL;
		if (red)
			ts_sb_puts(sb, RED);
		ts_sb_time(sb, ev->time_us, 11);
		ts_sb_putn(sb, "  ", 2);
		ts_sb_puts_left(sb, ev->host_name ? ev->host_name : "-",
				r->hostw);
		ts_sb_putn(sb, "  ", 2);
		ts_sb_puts_left(sb, ts_text_kind(ev->kind), 6);
		ts_sb_putn(sb, "  ", 2);
		if (r->color &&
		    (ev->kind == TCPSIM_EV_CALL ||
		     ev->kind == TCPSIM_EV_RETURN) &&
		    ev->u.call.errno_name)
			failed_call_in_color(sb, ev);
		else
			ts_text_detail(sb, ev);
		while (sb->len && sb->buf[sb->len - 1] == ' ')
			sb->len--;
		if (red)
			ts_sb_puts(sb, OFF);
		ts_sb_putc(sb, '\n');
	}
	if (sb->len >= FLUSH_AT)
		ts_report_flush(r);
}
