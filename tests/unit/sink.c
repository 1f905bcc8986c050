/*
 * sink.c - the report collected in memory, and the helpers around it
 * (sink.h).
 */
#include "sink.h"

#include <check.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void sink(void *ctx, const char *data, size_t len)
{
	struct buf *b = ctx;
	if (!b->data || b->len + len + 1 > b->cap) {
		/* doubling: a report of megabytes is not copied again at
		 * every line */
		size_t cap = b->cap > 64 ? 2 * b->cap : 64;
		while (cap < b->len + len + 1)
			cap *= 2;
		b->data = realloc(b->data, cap);
		ck_assert_ptr_nonnull(b->data);
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = 0;
}

void sink_json(void *ctx, const tcpsim_event *ev)
{
	struct json_lines *o = ctx;
	char *j = tcpsim_event_json(ev, o->seq++);
	ck_assert_ptr_nonnull(j);
	sink(&o->b, j, strlen(j));
	sink(&o->b, "\n", 1);
	free(j);
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

char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	struct buf b = {0};
	char chunk[8192];
	size_t got;
	while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
		sink(&b, chunk, got);
	fclose(f);
	if (!b.data)
		sink(&b, "", 0);
	if (len)
		*len = b.len;
	return b.data;
}

/* Every *.trace under DIR, sorted, appended to *V. */
static void collect(const char *dir, char ***v, int *n)
{
	struct dirent **ents;
	int k = scandir(dir, &ents, NULL, alphasort);
	ck_assert_msg(k >= 0, "cannot read %s", dir);
	for (int i = 0; i < k; i++) {
		const char *name = ents[i]->d_name;
		char path[4096];
		struct stat st;
		size_t len = strlen(name);
		snprintf(path, sizeof path, "%s/%s", dir, name);
		if (name[0] != '.' && stat(path, &st) == 0) {
			if (S_ISDIR(st.st_mode)) {
				collect(path, v, n);
			} else if (len > 6 &&
				   !strcmp(name + len - 6, ".trace")) {
				*v = realloc(*v, (size_t)(*n + 1) * sizeof **v);
				ck_assert_ptr_nonnull(*v);
				(*v)[(*n)++] = strdup(path);
			}
		}
		free(ents[i]);
	}
	free(ents);
}

char **catalogue(int *n)
{
	const char *top = getenv("TOP_SRCDIR");
	char dir[4096];
	char **v = NULL;
	snprintf(dir, sizeof dir, "%s/traces", top ? top : ".");
	*n = 0;
	collect(dir, &v, n);
	return v;
}

void free_catalogue(char **v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i]);
	free(v);
}
