/*
 * test_oom.c - every allocation of a run failing in turn. The model must
 * then stop the run with "out of memory" (ts_sim_run returns 2), or carry
 * on exactly as if nothing had failed; never crash, never go on with a
 * state half made. Each trace of the catalogue is run once to count its
 * allocations, then once for each of them with that one failing.
 *
 * The test is linked with --wrap for malloc, calloc, realloc and free
 * (Makefile.am): the model's calls come here, and fail when asked to;
 * and every block a run allocated must be freed by ts_sim_free(), on
 * the failure paths too (a count of blocks: leak checkers say more).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "sink.h"
#include "trace/trace.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t k, size_t n);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t k, size_t n);
void *__wrap_realloc(void *p, size_t n);
void __wrap_free(void *p);

/* Counting is on only while a simulation is made, run and ended: the
 * parser and the test framework allocate as usual. Volatile: the
 * compiler takes malloc for the C library's, which touches none of
 * them (with link-time optimization it would keep them in registers
 * across the calls that --wrap sends here). */
static volatile int armed;
static volatile long nallocs; /* allocations counted since armed */
static volatile long fail_at; /* the one that fails, from 1; 0: none */
static volatile long nfailed; /* failures handed out */
static volatile long live;    /* blocks allocated and not freed */

static int fails(void)
{
	if (!armed)
		return 0;
	if (++nallocs != fail_at)
		return 0;
	nfailed++;
	return 1;
}

void *__wrap_malloc(size_t n)
{
	if (fails())
		return NULL;
	void *p = __real_malloc(n);
	live += armed && p;
	return p;
}

void *__wrap_calloc(size_t k, size_t n)
{
	if (fails())
		return NULL;
	void *p = __real_calloc(k, n);
	live += armed && p;
	return p;
}

void *__wrap_realloc(void *p, size_t n)
{
	if (fails())
		return NULL;
	void *q = __real_realloc(p, n);
	live += armed && !p && q; /* a new block */
	return q;
}

void __wrap_free(void *p)
{
	live -= armed && p;
	__real_free(p);
}

/* What a run ended with. */
typedef struct outcome {
	int made; /* ts_sim_new gave a simulation */
	int rc;
	ts_time now;
	uint64_t nevents;
	int line;    /* the error's line, 0 when none */
	long leaked; /* blocks the run allocated and did not free */
	char msg[256];
} outcome;

/* Run T with allocation FAIL failing (0: none); returns how many
 * allocations the run made (all of them when FAIL is 0). */
static long run_failing(const ts_trace *t, long fail, outcome *o)
{
	ts_sim_opts so = {
	    .seed = 1, .max_time = TS_SEC(10000000), .max_events = 100000000};
	memset(o, 0, sizeof *o);
	nallocs = 0;
	nfailed = 0;
	live = 0;
	fail_at = fail;
	armed = 1;
	ts_sim *sim = ts_sim_new(t, &so);
	if (sim) {
		sim->why.on = 1; /* --why's records of every segment, too */
		o->made = 1;
		o->rc = ts_sim_run(sim);
		o->now = sim->now;
		o->nevents = sim->nevents;
		if (o->rc == 2) {
			o->line = sim->run.err.line;
			snprintf(o->msg, sizeof o->msg, "%s", sim->run.err.msg);
		}
		ts_sim_free(sim);
	}
	armed = 0;
	o->leaked = live;
	return nallocs;
}

/* Every allocation of the run of trace T (from NAME) failing in turn;
 * returns how many runs stopped. LINE0: a stop names no line. */
static int sweep_trace(const char *name, const ts_trace *t, int line0)
{
	outcome base, o;
	int stopped = 0;
	long n = run_failing(t, 0, &base);
	ck_assert_msg(base.made, "%s: no simulation without a failure", name);
	ck_assert_msg(base.leaked == 0, "%s: %ld blocks not freed", name,
		      base.leaked);
	for (long k = 1; k <= n; k++) {
		run_failing(t, k, &o);
		ck_assert_msg(nfailed == 1, "%s: allocation %ld never made",
			      name, k);
		ck_assert_msg(o.leaked == 0,
			      "%s: allocation %ld failed: %ld blocks not freed",
			      name, k, o.leaked);
		if (!o.made)
			continue; /* ts_sim_new said so: NULL */
		if (o.rc == 2 && strstr(o.msg, "out of memory")) {
			ck_assert_msg(!line0 || o.line == 0,
				      "%s: allocation %ld: a stop at line %d",
				      name, k, o.line);
			stopped++;
			continue;
		}
		/* Not stopped: the failure was one the model can do without,
		 * and the run is the same. */
		ck_assert_msg(o.rc == base.rc && o.now == base.now &&
				  o.nevents == base.nevents,
			      "%s: allocation %ld of %ld failed and the run "
			      "went on differently (status %d, '%s'; without "
			      "the failure %d)",
			      name, k, n, o.rc, o.msg, base.rc);
	}
	return stopped;
}

static void sweep(const char *path)
{
	size_t len;
	char *text = read_file(path, &len);
	ts_error e;
	ts_trace *t = ts_trace_parse(path, text, len, &e);
	ck_assert_msg(t != NULL, "%s: %s", path, e.msg); /* all parse */
	(void)sweep_trace(path, t, 0);
	ts_trace_free(t);
	free(text);
}

START_TEST(every_allocation_failing_stops_the_run_cleanly)
{
	int n;
	char **v = catalogue(&n);
	ck_assert_int_gt(n, 50);
	for (int i = 0; i < n; i++)
		sweep(v[i]);
	free_catalogue(v, n);
}
END_TEST

START_TEST(fastopen_cache_failure_stops_the_run)
{
	/* The client's cookie cache (ts_tfo_cache_set) allocates on the
	 * first SYN-ACK to a Fast Open SYN, and the second connection's SYN
	 * carries data only with the cookie cached: a failure there that did
	 * not stop the run would change it. Every stop here comes from an
	 * event, not a line (no line waits behind a blocked call): it names
	 * no line. */
	const char *text =
	    "host client 10.0.0.1\nhost server 10.0.0.2\n"
	    "link client server delay 10ms\n"
	    "set client tcp_fastopen 1\nset server tcp_fastopen 3\n"
	    "0 server: l = socket()\n+0 server: bind(l, 80) = 0\n"
	    "+0 server: listen(l, 8) = 0\n"
	    "+0 server: setsockopt(l, TCP_FASTOPEN, 8) = 0\n"
	    "+0 client: c = socket()\n"
	    "+0 client: sendto(c, 100, MSG_FASTOPEN, server:80) = 100\n"
	    "1 client: d = socket()\n"
	    "+0 client: sendto(d, 100, MSG_FASTOPEN, server:80) = 100\n"
	    "+0.1 expect client>server SYN len 100\n";
	ts_error e;
	ts_trace *t = ts_trace_parse("fo.trace", text, strlen(text), &e);
	ck_assert_msg(t != NULL, "%s", e.msg);
	outcome base;
	run_failing(t, 0, &base);
	ck_assert_msg(base.rc == 0, "status %d: %s", base.rc, base.msg);
	ck_assert_int_gt(sweep_trace("fo.trace", t, 1), 0);
	ts_trace_free(t);
}
END_TEST

START_TEST(fastopen_cache_freed_from_first_and_last_slot)
{
	/* The client's cookie cache is a hash map of 16 slots keyed by the
	 * server's address: 10.0.0.11 lands in the first slot, 10.0.0.6 in
	 * the last (hmap.c's Fibonacci hashing). Both entries are freed with
	 * the host. */
	const char *text =
	    "host client 10.0.0.1\nhost first 10.0.0.11\nhost last 10.0.0.6\n"
	    "set client tcp_fastopen 1\nset first tcp_fastopen 3\n"
	    "set last tcp_fastopen 3\n"
	    "0 first: l = socket()\n+0 first: bind(l, 80) = 0\n"
	    "+0 first: listen(l, 8) = 0\n"
	    "+0 first: setsockopt(l, TCP_FASTOPEN, 8) = 0\n"
	    "+0 last: l = socket()\n+0 last: bind(l, 80) = 0\n"
	    "+0 last: listen(l, 8) = 0\n"
	    "+0 last: setsockopt(l, TCP_FASTOPEN, 8) = 0\n"
	    "+0 client: c = socket()\n"
	    "+0 client: sendto(c, 100, MSG_FASTOPEN, first:80) = 100\n"
	    "+0 client: d = socket()\n"
	    "+0 client: sendto(d, 100, MSG_FASTOPEN, last:80) = 100\n";
	ts_error e;
	ts_trace *t = ts_trace_parse("slots.trace", text, strlen(text), &e);
	ck_assert_msg(t != NULL, "%s", e.msg);
	outcome base;
	run_failing(t, 0, &base);
	ck_assert_msg(base.rc == 0, "status %d: %s", base.rc, base.msg);
	ck_assert_int_eq(base.leaked, 0);
	ts_trace_free(t);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("oom");
	TCase *tc = tcase_create("sweep");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, every_allocation_failing_stops_the_run_cleanly);
	tcase_add_test(tc, fastopen_cache_failure_stops_the_run);
	tcase_add_test(tc, fastopen_cache_freed_from_first_and_last_slot);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	int nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf ? EXIT_FAILURE : EXIT_SUCCESS;
}
