/*
 * sink.c - the report collected in memory, and the helpers around it
 * (sink.h).
 */
#include "sink.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sink(void *ctx, const char *data, size_t len)
{
	struct buf *b = ctx;
	b->data = realloc(b->data, b->len + len + 1);
	ck_assert_ptr_nonnull(b->data);
	memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = 0;
}

int run_why(const char *text, struct buf *out, tcpsim_error *e, int why)
{
	tcpsim_options o;
	tcpsim_options_init(&o);
	o.write = sink;
	o.write_ctx = out;
	o.why = why;
	return tcpsim_run_trace("t.trace", text, strlen(text), &o, e);
}

int run(const char *text, struct buf *out, tcpsim_error *e)
{
	return run_why(text, out, e, 0);
}

void addf(char *buf, size_t cap, const char *fmt, ...)
{
	size_t n = strlen(buf);
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(buf + n, cap - n, fmt, ap);
	va_end(ap);
	ck_assert_msg(m >= 0 && (size_t)m < cap - n, "trace text too long");
}
