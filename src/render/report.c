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
	/* The columns before DETAIL, made once: each host's name padded to
	 * the column and the gap ("-" for none), each kind's; and the time
	 * of the last line (events come many at a time). */
	char *hostcol; /* nhosts + 1 columns of hostw + 2 bytes */
	char kindcol[TCPSIM_NEV][8];
	int64_t last_time;
	char timecol[32];
	size_t timelen;
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
	size_t w = r->hostw + 2;
	r->hostcol = malloc((size_t)(t->nhosts + 1) * w);
	if (!r->hostcol) {
		free(r);
		return NULL;
	}
	for (int i = 0; i <= t->nhosts; i++) {
		const char *name = i < t->nhosts ? t->hosts[i].name : "-";
		char *c = r->hostcol + (size_t)i * w;
		size_t l = strlen(name);
		memcpy(c, name, l);
		memset(c + l, ' ', w - l);
	}
	for (int k = 0; k < TCPSIM_NEV; k++) {
		const char *name = ts_text_kind((tcpsim_event_kind)k);
		size_t l = strlen(name);
		memset(r->kindcol[k], ' ', 8);
		memcpy(r->kindcol[k], name, l < 6 ? l : 6);
	}
	r->last_time = -1;
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
	free(r->hostcol);
	free(r);
}

void ts_report_begin(ts_report *r)
{
	const ts_trace *t = r->trace;
	ts_sb *sb = &r->out;
	ts_sb_puts(sb, "# tcpsim " PACKAGE_VERSION ": ");
	ts_sb_puts(sb, t->filename);
	TS_SB_LIT(sb, " (profile ");
	ts_sb_puts(sb, t->profile);
	if (r->seed) {
		TS_SB_LIT(sb, ", seed ");
		ts_sb_u64(sb, r->seed);
	}
	TS_SB_LIT(sb, ")\n# hosts:");
	for (int i = 0; i < t->nhosts; i++) {
		ts_sb_puts(sb, i ? ", " : " ");
		ts_sb_puts(sb, t->hosts[i].name);
		ts_sb_putc(sb, ' ');
		ts_sb_ipv4(sb, t->hosts[i].addr);
	}
	TS_SB_LIT(sb, "\n# links:");
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
		TS_SB_LIT(sb, " none");
	ts_sb_putc(sb, '\n');
	ts_sb_pad(sb, 7);
	TS_SB_LIT(sb, "TIME  ");
	ts_sb_puts_left(sb, "HOST", r->hostw);
	TS_SB_LIT(sb, "  EVENT   DETAIL\n");
}

/* The lines after the run: the final state, then the count. */
static void final_line(ts_report *r, const tcpsim_event *ev)
{
	ts_sb *sb = &r->out;
	if (!r->final_started) {
		TS_SB_LIT(sb, "# final state at ");
		ts_sb_time(sb, ev->time_us, 0);
		ts_sb_putc(sb, '\n');
		r->final_started = 1;
	}
	if (ev->kind == TCPSIM_EV_DONE) {
		ts_sb_putn(sb, "# ", 2);
		ts_sb_i64(sb, ev->u.done.checked);
		TS_SB_LIT(sb, " expectations checked, ");
		ts_sb_i64(sb, ev->u.done.failed);
		TS_SB_LIT(sb, " failed\n");
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
	ts_sigpipe_fmt(sb, c->sigpipe);
	if (ev->kind == TCPSIM_EV_RETURN) {
		TS_SB_LIT(sb, "  (blocked since ");
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
		if (ev->time_us != r->last_time) {
			ts_sb t;
			ts_sb_init(&t, r->timecol, sizeof r->timecol);
			ts_sb_time(&t, ev->time_us, 11); /* at most 25 bytes */
			ts_sb_putn(&t, "  ", 2);
			r->timelen = t.len;
			r->last_time = ev->time_us;
		}
		ts_sb_putn(sb, r->timecol, r->timelen);
		int h = ev->host >= 0 && ev->host < r->trace->nhosts
			    ? ev->host
			    : r->trace->nhosts;
		ts_sb_putn(sb, r->hostcol + (size_t)h * (r->hostw + 2),
			   r->hostw + 2);
		ts_sb_putn(sb, r->kindcol[ev->kind], 8);
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
