/*
 * test_step.c - a simulation built line by line (tcpsim_new, tcpsim_declare,
 * tcpsim_do, tcpsim_advance) is the simulation of the same lines given as
 * a file: for every trace of the catalogue, both give the same report,
 * byte for byte, and the same events, with and without --why and --check.
 *
 * A trace becomes both forms here: its declarations first, then its timed
 * lines one per line at their absolute times (the file), or each line run
 * by tcpsim_do() after tcpsim_advance() brought the clock to its time (the
 * steps). The file is named "<api>", as the step functions name theirs.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sink.h"
#include "tcpsim.h"

/* The loop tests cover this many traces; the catalogue may not grow past
 * it unnoticed. */
#define MAX_TRACES 200

/* One line of a trace: a declaration, or a line at time AT (µs). */
struct line {
	int decl;
	int64_t at;
	char *text; /* without the time, comment or line end */
	int timed;  /* it had a time (an expect line may not) */
};

struct trace {
	struct line *v;
	int n;
};

static int is_decl(const char *s)
{
	static const char *const kw[] = {"host", "link", "profile", "set"};
	for (size_t i = 0; i < sizeof kw / sizeof kw[0]; i++) {
		size_t n = strlen(kw[i]);
		if (!strncmp(s, kw[i], n) && (s[n] == ' ' || s[n] == '\t'))
			return 1;
	}
	return 0;
}

/* A time token at *P ([+]DIGITS[.DIGITS][us|ms|s]) in µs; *P moves past
 * it and the blanks after it. */
static int64_t read_time(const char **p, int *relative)
{
	const char *s = *p;
	*relative = *s == '+';
	s += *relative;
	int64_t whole = 0, frac = 0, scale = 1;
	while (*s >= '0' && *s <= '9')
		whole = whole * 10 + (*s++ - '0');
	if (*s == '.') {
		s++;
		while (*s >= '0' && *s <= '9') {
			frac = frac * 10 + (*s++ - '0');
			scale *= 10;
		}
	}
	int64_t unit = 1000000;
	if (!strncmp(s, "us", 2)) {
		unit = 1;
		s += 2;
	} else if (!strncmp(s, "ms", 2)) {
		unit = 1000;
		s += 2;
	} else if (*s == 's') {
		s++;
	}
	while (*s == ' ' || *s == '\t')
		s++;
	*p = s;
	return whole * unit + frac * unit / scale;
}

static struct trace split(const char *text)
{
	struct trace t = {0};
	int64_t prev = 0;
	const char *s = text;
	while (*s) {
		const char *e = strchr(s, '\n');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		char *l = strndup(s, n);
		s += n + (e != NULL);
		char *hash = strchr(l, '#');
		if (hash)
			*hash = 0;
		size_t k = strlen(l);
		while (k && strchr(" \t\r", l[k - 1]))
			l[--k] = 0;
		const char *p = l;
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p) {
			free(l);
			continue;
		}
		struct line x = {0};
		if (is_decl(p)) {
			x.decl = 1;
		} else if (*p == '+' || (*p >= '0' && *p <= '9')) {
			int rel;
			int64_t at = read_time(&p, &rel);
			prev = rel ? prev + at : at;
			x.timed = 1;
		}
		x.at = prev;
		x.text = strdup(p);
		free(l);
		t.v = realloc(t.v, (size_t)(t.n + 1) * sizeof *t.v);
		ck_assert_ptr_nonnull(t.v);
		t.v[t.n++] = x;
	}
	return t;
}

static void trace_free(struct trace *t)
{
	for (int i = 0; i < t->n; i++)
		free(t->v[i].text);
	free(t->v);
}

/* The file form: declarations, then each line at its absolute time. */
static char *file_form(const struct trace *t)
{
	struct buf b = {0};
	char pre[32];
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < t->n; i++) {
			const struct line *x = &t->v[i];
			if (x->decl != !pass)
				continue;
			if (x->timed) {
				snprintf(pre, sizeof pre, "%lldus ",
					 (long long)x->at);
				sink(&b, pre, strlen(pre));
			}
			sink(&b, x->text, strlen(x->text));
			sink(&b, "\n", 1);
		}
	return b.data;
}

struct out {
	struct buf report;
	struct json_lines events;
};

static void options(tcpsim_options *o, struct out *out, int why, int check)
{
	tcpsim_options_init(o);
	o->write = sink;
	o->write_ctx = &out->report;
	o->event = sink_json;
	o->event_ctx = &out->events;
	o->why = why;
	o->check = check;
}

static int run_file(const char *text, struct out *out, int why, int check,
		    tcpsim_error *err)
{
	tcpsim_options o;
	options(&o, out, why, check);
	return tcpsim_run_trace("<api>", text, strlen(text), &o, err);
}

static int run_steps(const struct trace *t, struct out *out, int why, int check,
		     tcpsim_error *err)
{
	tcpsim_options o;
	options(&o, out, why, check);
	tcpsim_sim *s = tcpsim_new(&o);
	ck_assert_ptr_nonnull(s);
	int rc = TCPSIM_OK;
	for (int i = 0; i < t->n && rc != TCPSIM_ERROR; i++)
		if (t->v[i].decl)
			rc = tcpsim_declare(s, t->v[i].text, err);
	for (int i = 0; i < t->n && rc != TCPSIM_ERROR; i++) {
		const struct line *x = &t->v[i];
		if (x->decl)
			continue;
		if (x->at > tcpsim_now(s) &&
		    tcpsim_advance(s, x->at - tcpsim_now(s), err) ==
			TCPSIM_ERROR) {
			rc = TCPSIM_ERROR;
			break;
		}
		if (tcpsim_do(s, x->text, NULL, err) == TCPSIM_ERROR)
			rc = TCPSIM_ERROR;
	}
	if (rc != TCPSIM_ERROR)
		rc = tcpsim_run(s, err);
	tcpsim_free(s);
	return rc;
}

static char **traces;
static int ntraces;

static void find_traces(void)
{
	if (!traces)
		traces = catalogue(&ntraces);
}

/* Whether A and B hold the same bytes; if not, WHERE says at which line
 * and what each has there. */
static int same(const struct buf *a, const struct buf *b, char *where,
		size_t cap)
{
	const char *x = a->data ? a->data : "", *y = b->data ? b->data : "";
	size_t k = 0, line = 1, start = 0;
	while (x[k] && x[k] == y[k]) {
		if (x[k] == '\n') {
			line++;
			start = k + 1;
		}
		k++;
	}
	if (!x[k] && !y[k])
		return 1;
	int lx = (int)strcspn(x + start, "\n");
	int ly = (int)strcspn(y + start, "\n");
	snprintf(where, cap, "line %zu:\n  file:  %.*s\n  steps: %.*s", line,
		 lx < 150 ? lx : 150, x + start, ly < 150 ? ly : 150,
		 y + start);
	return 0;
}

/* Trace I of the catalogue, both ways, with the options of MODE (0 plain,
 * 1 why, 2 check). */
static void same_both_ways(int i, int mode)
{
	find_traces();
	ck_assert_int_ge(ntraces, 80);
	ck_assert_int_le(ntraces, MAX_TRACES);
	if (i >= ntraces)
		return;
	char *text = read_file(traces[i], NULL);
	struct trace t = split(text);
	char *file = file_form(&t);
	struct out a = {0}, b = {0};
	tcpsim_error ea, eb;
	memset(&ea, 0, sizeof ea);
	memset(&eb, 0, sizeof eb);
	int ra = run_file(file, &a, mode == 1, mode == 2, &ea);
	int rb = run_steps(&t, &b, mode == 1, mode == 2, &eb);
	ck_assert_msg(ra != TCPSIM_ERROR, "%s as a file: %s:%d: %s", traces[i],
		      ea.file, ea.line, ea.message);
	ck_assert_msg(ra == rb, "%s: status %d as a file, %d in steps (%s)",
		      traces[i], ra, rb, eb.message);
	ck_assert_msg(a.report.len > 0, "%s: no report", traces[i]);
	char where[400];
	ck_assert_msg(same(&a.report, &b.report, where, sizeof where),
		      "%s (mode %d): the reports differ at %s", traces[i], mode,
		      where);
	ck_assert_msg(same(&a.events.b, &b.events.b, where, sizeof where),
		      "%s (mode %d): the events differ at %s", traces[i], mode,
		      where);
	free(a.report.data);
	free(a.events.b.data);
	free(b.report.data);
	free(b.events.b.data);
	free(file);
	trace_free(&t);
	free(text);
}

START_TEST(step_same_as_file)
{
	same_both_ways(_i, 0);
}
END_TEST

START_TEST(step_same_as_file_why)
{
	same_both_ways(_i, 1);
}
END_TEST

START_TEST(step_same_as_file_check)
{
	same_both_ways(_i, 2);
}
END_TEST

/* The conversion itself: times absolute, offsets summed, expect lines
 * without a time at the time of the line before, declarations first. */
START_TEST(step_file_form)
{
	struct trace t = split("# a comment\n"
			       "host a 10.0.0.1\n"
			       "0 a: s = socket()  # note\n"
			       "+1.5ms a: close(s) = 0\n"
			       "expect a s state CLOSED\n"
			       "host b 10.0.0.2\n"
			       "+2s\ta: x = socket()\r\n"
			       "3 expect no a>b RST\n");
	char *f = file_form(&t);
	ck_assert_str_eq(f, "host a 10.0.0.1\n"
			    "host b 10.0.0.2\n"
			    "0us a: s = socket()\n"
			    "1500us a: close(s) = 0\n"
			    "expect a s state CLOSED\n"
			    "2001500us a: x = socket()\n"
			    "3000000us expect no a>b RST\n");
	free(f);
	trace_free(&t);
}
END_TEST

static Suite *step_suite(void)
{
	Suite *s = suite_create("step");
	TCase *tc = tcase_create("catalogue");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, step_file_form);
	tcase_add_loop_test(tc, step_same_as_file, 0, MAX_TRACES);
	tcase_add_loop_test(tc, step_same_as_file_why, 0, MAX_TRACES);
	tcase_add_loop_test(tc, step_same_as_file_check, 0, MAX_TRACES);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *r = srunner_create(step_suite());
	srunner_run_all(r, CK_NORMAL);
	int failed = srunner_ntests_failed(r);
	srunner_free(r);
	free_catalogue(traces, ntraces);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
