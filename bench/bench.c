/*
 * bench.c - tcpsim-bench: the performance workloads of doc/performance.md,
 * defined as the ns-3 programs in the peers' w1_short.cc, w2_bulk.cc and
 * w4_timeout.cc define them, run on the engine with the report off.
 *
 * A workload is a small trace (printed by --template) whose per-connection
 * lines the driver hands to the hosts' processes one after another through
 * the engine's line feed (ts_sim.feed), so that a million connections need
 * no million-line trace: the processes behave exactly as if the lines were
 * in the file (--trace prints that file for a small N). Every call line
 * carries its expected result, so a run that went wrong reports failures.
 *
 * Output: key=value lines, as the ns-3 programs print them. Wall time is
 * read here, around the run; the library itself never reads a clock.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "engine/engine.h"
#include "render/report.h"
#include "tcpsim.h"

#define MAX_CLIENTS      64
#define CONNS_PER_CLIENT 60000 /* ephemeral ports 1024-65535 leave room */

static double wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Resident set size now, in bytes (Linux /proc/self/statm). */
static uint64_t rss_now(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	unsigned long long size = 0, res = 0;
	if (f) {
		if (fscanf(f, "%llu %llu", &size, &res) != 2)
			res = 0;
		fclose(f);
	}
	return (uint64_t)res * 4096u;
}

static uint64_t rss_peak(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (uint64_t)ru.ru_maxrss * 1024u;
}

static void to_stderr(void *ctx, const char *data, size_t len)
{
	(void)ctx;
	fwrite(data, 1, len, stderr);
}

static void die(const char *what, const char *arg)
{
	fprintf(stderr, "tcpsim-bench: %s%s\n", what, arg);
	exit(2);
}

/* ---- parameters ---- */

typedef struct params {
	const char *workload; /* w1 w2 w4 w5 */
	uint64_t n;           /* w1: connections */
	ts_time interval;     /* w1: between connection starts */
	ts_time hold;         /* w1: how long a connection stays idle once
				 open, before it is used and closed */
	ts_time delay;        /* one-way link delay */
	double loss;          /* w1: per-segment loss, both directions */
	uint64_t seed;        /* loss: the random series */
	uint64_t mb;          /* w2: megabytes (10^6 bytes) */
	int retries;          /* w4: tcp_retries2 */
	int clients;          /* w1: client hosts (0: as N needs) */
	int print_trace;      /* w1: print the equivalent trace */
	int print_template;
	int report;       /* print the report (slow: for looking, not timing) */
	const char *pcap; /* w1: every segment sent into this pcap file, for
			   * tcpsim explain's benchmark */
	const char *dir;  /* w5 */
} params;

static ts_time parse_dur(const char *s)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s || v < 0)
		die("bad duration: ", s);
	if (v == 0 && !*end)
		return 0;
	if (!strcmp(end, "s"))
		return (ts_time)(v * 1e6 + 0.5);
	if (!strcmp(end, "ms"))
		return (ts_time)(v * 1e3 + 0.5);
	if (!strcmp(end, "us"))
		return (ts_time)(v + 0.5);
	die("a duration needs s, ms or us: ", s);
	return 0;
}

static uint64_t parse_u(const char *s)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (end == s || *end || errno)
		die("bad number: ", s);
	return v;
}

/* The report of --report, on stderr. */
static ts_report *report;

/* --pcap: each segment sent, as tcpsim --pcap writes it. */
static pcap_t *pcap_dead;
static pcap_dumper_t *pcap_out;

static void pcap_event(void *ctx, const tcpsim_event *ev)
{
	static unsigned char pkt[70000];
	(void)ctx;
	size_t n = tcpsim_event_packet(ev, pkt, sizeof pkt);
	if (!n)
		return;
	struct pcap_pkthdr h;
	memset(&h, 0, sizeof h);
	h.ts.tv_sec = (time_t)(ev->time_us / 1000000);
	h.ts.tv_usec = (suseconds_t)(ev->time_us % 1000000);
	h.caplen = h.len = (bpf_u_int32)n;
	pcap_dump((u_char *)pcap_out, &h, pkt);
}

/* A simulation of T without limits, its lines coming from FEED, its
 * report (header first) on stderr with --report. */
static ts_sim *
feed_sim(const ts_trace *t, const params *p,
	 const ts_stmt *(*feed)(void *ctx, ts_sim *sim, int host), void *ctx)
{
	ts_sim_opts so = {
	    .seed = 0, .max_time = TS_TIME_MAX, .max_events = UINT64_MAX};
	ts_sim *sim = ts_sim_new(t, &so);
	if (!sim)
		die("", "out of memory");
	sim->run.feed = feed;
	sim->run.feed_ctx = ctx;
	if (p->report) {
		report = ts_report_new(t, 0, 0, to_stderr, NULL);
		if (!report)
			die("", "out of memory");
		ts_stream_add(&sim->out, ts_report_event, report, 0);
		ts_report_begin(report);
	}
	if (p->pcap) {
		pcap_dead = pcap_open_dead(DLT_RAW, 65535);
		pcap_out =
		    pcap_dead ? pcap_dump_open(pcap_dead, p->pcap) : NULL;
		if (!pcap_out)
			die("cannot write ", p->pcap);
		ts_stream_add(&sim->out, pcap_event, NULL,
			      TCPSIM_EV_BIT(TCPSIM_EV_SEND));
	}
	return sim;
}

/* The end of a simulation of feed_sim(). */
static void feed_sim_free(ts_sim *sim)
{
	ts_sim_free(sim);
	ts_report_free(report);
	report = NULL;
	if (pcap_out) {
		pcap_dump_close(pcap_out);
		pcap_close(pcap_dead);
		pcap_out = NULL;
		pcap_dead = NULL;
	}
}

/* ---- the many-connections workloads (W1, W3) ----
 *
 * Connection i starts at 1 ms + i * interval on client host i mod K.
 * Client, per connection: c = socket(); fcntl(c, O_NONBLOCK) = 0;
 * connect(c, server:5000) = -1 EINPROGRESS (phase A), then
 * poll(c, POLLOUT, -1) = POLLOUT; write(c, 1000) = 1000; close(c) = 0
 * (phase B: ns-3's connect callback). Server: s = accept(l) (A), then
 * read(s, 1000) = 1000; read(s, 1000) = 0; close(s) = 0 (B: ns-3's close
 * callback, on the peer's FIN). A host runs the A lines of a connection
 * before the B lines of any connection that starts later or at the same
 * time, so with interval 0 every connection is opened before any is used.
 * With --hold, phase B comes that much later: every connection opened
 * within the hold is open and idle at once.
 */

enum { CL_A = 3, CL_B = 3, SV_A = 1, SV_B = 3 };

typedef struct hostcur {
	uint64_t n;    /* connections on this host */
	uint64_t a, b; /* next connection of phase A and of phase B */
	int astep, bstep;
	uint64_t nvars;  /* distinct connection variables */
	int var0;        /* the first of them */
	ts_stmt slot[4]; /* lines handed out, valid until they return */
	int si;
	int ph;     /* next_of(), kept up to date: the next phase */
	ts_time at; /* and when */
	/* with one variable, the host's lines are always the same ones:
	 * phase A's, then phase B's, made once */
	ts_stmt fixed[CL_A + CL_B];
} hostcur;

typedef struct w1 {
	const params *p;
	int k; /* client hosts; the server is host k */
	const ts_stmt *tmpl_a[2], *tmpl_b[2]; /* [0] client, [1] server */
	hostcur cur[MAX_CLIENTS + 1];
	uint64_t lines;
} w1;

static ts_time conn_time(const w1 *w, int host, uint64_t j)
{
	uint64_t i = host == w->k ? j : j * (uint64_t)w->k + (uint64_t)host;
	return TS_MS(1) + (ts_time)i * w->p->interval;
}

/* Which phase host H runs next (0 A, 1 B, -1 none), and when. */
static int next_of(const w1 *w, int h, ts_time *at)
{
	const hostcur *c = &w->cur[h];
	int a_ok = c->a < c->n, b_ok = c->b < c->a;
	if (!a_ok && !b_ok)
		return -1;
	ts_time ta = a_ok ? conn_time(w, h, c->a) : TS_TIME_NEVER;
	ts_time tb = b_ok ? conn_time(w, h, c->b) + w->p->hold : TS_TIME_NEVER;
	if (a_ok && (!b_ok || ta <= tb)) {
		*at = ta;
		return 0;
	}
	*at = tb;
	return 1;
}

static int patch_var(int v, int tvar, int base)
{
	return v == tvar ? base : v;
}

/* Host H's line STEP of phase PH for its connection J. */
static ts_stmt *make_line(w1 *w, hostcur *c, int h, int ph, int step,
			  uint64_t j)
{
	int srv = h == w->k;
	const ts_stmt *t = (ph ? w->tmpl_b : w->tmpl_a)[srv] + step;
	ts_stmt *st = &c->slot[c->si++ & 3];
	*st = *t;
	st->host = h;
	int var = c->var0 + (int)(j % c->nvars);
	int tvar = srv ? 1 : 0; /* "s" on the server ("l" is 0), "c" */
	st->u.call.bind_var = patch_var(st->u.call.bind_var, tvar, var);
	st->u.call.fd_var = patch_var(st->u.call.fd_var, tvar, var);
	return st;
}

static const ts_stmt *w1_feed(void *ctx, ts_sim *sim, int h)
{
	w1 *w = ctx;
	hostcur *c = &w->cur[h];
	ts_time at = c->at;
	int ph = c->ph;
	if (ph < 0 || at > sim->now)
		return NULL;
	int srv = h == w->k;
	uint64_t j = ph ? c->b : c->a;
	int step = ph ? c->bstep : c->astep;
	int nsteps = ph ? (srv ? SV_B : CL_B) : (srv ? SV_A : CL_A);
	const ts_stmt *st;
	if (c->nvars == 1)
		st = &c->fixed[(ph ? (srv ? SV_A : CL_A) : 0) + step];
	else
		st = make_line(w, c, h, ph, step, j);
	/* Within a phase the next line is the same phase's, at the same
	 * time (next_of depends on a and b only); after its last line,
	 * which phase is next. */
	if (ph) {
		if (++c->bstep == nsteps) {
			c->bstep = 0;
			c->b++;
			c->ph = next_of(w, h, &c->at);
		}
	} else if (++c->astep == nsteps) {
		c->astep = 0;
		c->a++;
		c->ph = next_of(w, h, &c->at);
	}
	w->lines++;
	return st;
}

static const char w1_decls[] = "host server 10.0.0.250\n"
			       "set server ip_local_port_range 1024 65535\n";

static const char w1_lines[] =
    "0 server: l = socket()\n"
    "0 server: bind(l, 5000) = 0\n"
    "0 server: listen(l, 4096) = 0\n"
    "1ms client0: c = socket()\n"
    "+0 client0: fcntl(c, O_NONBLOCK) = 0\n"
    "+0 client0: connect(c, server:5000) = -1 EINPROGRESS\n"
    "+0 client0: poll(c, POLLOUT, -1) = POLLOUT\n"
    "+0 client0: write(c, 1000) = 1000\n"
    "+0 client0: close(c) = 0\n"
    "+0 server: s = accept(l)\n"
    "+0 server: read(s, 1000) = 1000\n"
    "+0 server: read(s, 1000) = 0\n"
    "+0 server: close(s) = 0\n";

/* The declarations of a W1 run with K client hosts. */
static char *w1_text(const params *p, int k, int with_lines)
{
	size_t cap = 4096 + (size_t)k * 160;
	char *s = malloc(cap);
	if (!s)
		die("", "out of memory");
	size_t n = 0;
	n += (size_t)snprintf(s + n, cap - n,
			      "# tcpsim-bench W1: %" PRIu64
			      " connections, one every %" PRId64 " us\n",
			      p->n, (int64_t)p->interval);
	for (int i = 0; i < k; i++)
		n += (size_t)snprintf(
		    s + n, cap - n,
		    "host client%d 10.0.%d.%d\n"
		    "set client%d ip_local_port_range 1024 65535\n"
		    "link client%d server delay %" PRId64 "us\n",
		    i, i / 200, 1 + i % 200, i, i, (int64_t)p->delay);
	n += (size_t)snprintf(s + n, cap - n, "%s", w1_decls);
	if (with_lines)
		snprintf(s + n, cap - n, "%s", w1_lines);
	return s;
}

/* Give host H's process NV connection variables named PREFIX0 ... after
 * the template's own. */
/* Give host H's process NV connection variables from number BASE on: the
 * template's own (its name kept) or PREFIX, then PREFIX1, PREFIX2 ... */
static void add_vars(ts_trace *t, int h, int base, uint64_t nv,
		     const char *prefix)
{
	if ((uint64_t)base + nv > INT32_MAX)
		die("", "too many connections");
	for (uint64_t i = 0; i < nv; i++) {
		char name[TS_NAME_MAX];
		if (base + (int)i < t->hosts[h].nvars)
			continue; /* the template's own */
		if (i == 0)       /* as in the equivalent trace (--trace) */
			snprintf(name, sizeof name, "%s", prefix);
		else
			snprintf(name, sizeof name, "%s%" PRIu64, prefix, i);
		if (ts_trace_add_var(t, h, name, NULL) != base + (int)i)
			die("", "cannot add a variable");
	}
}

static ts_time next_line_time(w1 *w, ts_sim *sim)
{
	ts_time best = TS_TIME_NEVER;
	for (int h = 0; h <= w->k; h++) {
		const ts_proc *pr = &sim->hosts[h].proc;
		if (pr->call.st || pr->qhead != pr->qtail)
			continue;
		if (w->cur[h].ph >= 0 && w->cur[h].at < best)
			best = w->cur[h].at;
	}
	return best;
}

/* Drop segments at random (seeded): the ns-3 programs' RateErrorModel. */
static uint64_t rng_state;
static double loss_rate;
static int lossy(void *ctx, const ts_pkt *pkt)
{
	(void)ctx;
	(void)pkt;
	/* splitmix64 */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	return (double)(z >> 11) * (1.0 / 9007199254740992.0) < loss_rate;
}

static void print_w1_trace(const params *p, int k)
{
	char *d = w1_text(p, k, 0);
	fputs(d, stdout);
	free(d);
	puts("0 server: l = socket()\n0 server: bind(l, 5000) = 0\n"
	     "0 server: listen(l, 4096) = 0");
	/* The lines in the order the hosts' processes take them. */
	for (uint64_t i = 0; i < p->n; i++) {
		double t = 0.001 + (double)i * (double)p->interval / 1e6;
		int h = (int)(i % (uint64_t)k);
		printf("%.6fs client%d: c = socket()\n"
		       "%.6fs client%d: fcntl(c, O_NONBLOCK) = 0\n"
		       "%.6fs client%d: connect(c, server:5000) = -1 "
		       "EINPROGRESS\n"
		       "%.6fs client%d: poll(c, POLLOUT, -1) = POLLOUT\n"
		       "%.6fs client%d: write(c, 1000) = 1000\n"
		       "%.6fs client%d: close(c) = 0\n"
		       "%.6fs server: s = accept(l)\n"
		       "%.6fs server: read(s, 1000) = 1000\n"
		       "%.6fs server: read(s, 1000) = 0\n"
		       "%.6fs server: close(s) = 0\n",
		       t, h, t, h, t, h, t, h, t, h, t, h, t, t, t, t);
	}
}

/* The timed part of W1 (callgrind counts the bench_timed_* functions). */
__attribute__((noinline)) static int
bench_timed_w1(w1 *w, ts_sim *sim, int setup, uint64_t *rss_all)
{
	const ts_trace *t = sim->trace;
	for (int i = 0; i < setup; i++)
		ts_sim_exec(sim, &t->stmts[i]);
	for (;;) {
		ts_event *ev = ts_evq_peek(&sim->q);
		ts_time tl = next_line_time(w, sim);
		if (tl != TS_TIME_NEVER && (!ev || tl <= ev->when)) {
			if (tl > sim->now)
				sim->now = tl;
			for (int h = 0; h <= w->k; h++)
				if (w->cur[h].ph >= 0 &&
				    w->cur[h].at <= sim->now)
					ts_sim_feed(sim, h);
			continue;
		}
		if (!ev || sim->run.aborted)
			break;
		ts_sim_advance(sim, ev->when);
		if (!*rss_all && (w->p->interval == 0 || w->p->hold) &&
		    w->cur[w->k].a == w->p->n) {
			/* Every connection accepted: with interval 0, or
			 * held, all of them open at once. (Only then: reading
			 * /proc costs tens of microseconds.) */
			*rss_all = rss_now();
		}
	}
	return ts_sim_finish(sim);
}

static int run_w1(const params *p)
{
	if (p->interval == 0 && p->loss > 0)
		die("", "loss needs an interval above 0");
	int k = p->clients;
	if (!k) {
		/* Enough client hosts for the connections open at once: all
		 * of them with interval 0, else those a TIME_WAIT (60 s) and
		 * a few seconds of teardown overlap. */
		uint64_t open = p->n;
		if (p->interval > 0 &&
		    (uint64_t)((TS_SEC(70) + p->hold) / p->interval + 1) < open)
			open = (uint64_t)((TS_SEC(70) + p->hold) / p->interval +
					  1);
		k = (int)((open + CONNS_PER_CLIENT - 1) / CONNS_PER_CLIENT);
	}
	if (k < 1)
		k = 1;
	if (k > MAX_CLIENTS)
		die("", "too many client hosts");
	if ((p->interval == 0 || p->hold) &&
	    p->n / (uint64_t)k > CONNS_PER_CLIENT)
		die("", "more concurrent connections than ports per client");
	if (p->print_trace) {
		if (p->interval == 0 || p->hold || p->n > 100000)
			die("", "--trace: only interval > 0, no hold and N "
				"<= 100000");
		print_w1_trace(p, k);
		return 0;
	}
	char *text = w1_text(p, k, 1);
	if (p->print_template) {
		fputs(text, stdout);
		free(text);
		return 0;
	}
	ts_error e;
	ts_trace *t = ts_trace_parse("w1", text, strlen(text), &e);
	free(text);
	if (!t)
		die("template: ", e.msg);
	/* Lines 0-2 set up the listener; then the templates. */
	w1 w;
	memset(&w, 0, sizeof w);
	w.p = p;
	w.k = k;
	w.tmpl_a[0] = &t->stmts[3];
	w.tmpl_b[0] = &t->stmts[6];
	w.tmpl_a[1] = &t->stmts[9];
	w.tmpl_b[1] = &t->stmts[10];
	int setup = 3;
	t->nstmts = setup; /* the templates run only through the feed */
	for (int h = 0; h <= k; h++) {
		hostcur *c = &w.cur[h];
		c->n = h == k ? p->n
			      : p->n / (uint64_t)k +
				    ((uint64_t)h < p->n % (uint64_t)k);
		/* One variable per connection open at once. */
		c->nvars = 1;
		if (p->interval == 0)
			c->nvars = c->n;
		else if (p->hold)
			c->nvars = (uint64_t)(p->hold / p->interval) + 2;
		if (c->nvars > c->n)
			c->nvars = c->n ? c->n : 1;
		c->var0 = h == k ? 1 : 0;
		add_vars(t, h, c->var0, c->nvars, h == k ? "s" : "c");
		c->ph = next_of(&w, h, &c->at);
		int na = h == k ? SV_A : CL_A, nb = h == k ? SV_B : CL_B;
		for (int i = 0; c->nvars == 1 && i < na + nb; i++) {
			c->fixed[i] = *make_line(&w, c, h, i >= na,
						 i >= na ? i - na : i, 0);
		}
	}
	uint64_t rss0 = rss_now();
	double t0 = wall();
	ts_sim *sim = feed_sim(t, p, w1_feed, &w);
	if (p->loss > 0) {
		rng_state = p->seed;
		loss_rate = p->loss;
		sim->net.loss = lossy;
	}
	uint64_t rss_est = 0;
	int rc = bench_timed_w1(&w, sim, setup, &rss_est);
	double t1 = wall();
	uint64_t segs = sim->net.nextnum - 1;
	uint64_t events = sim->nevents + w.lines + (uint64_t)setup;
	double run = t1 - t0;
	printf("workload=w1 n=%" PRIu64 " interval_us=%" PRId64
	       " hold_us=%" PRId64 " delay_us=%" PRId64 " loss=%g clients=%d\n",
	       p->n, (int64_t)p->interval, (int64_t)p->hold, (int64_t)p->delay,
	       p->loss, k);
	printf("checked=%d failed=%d result=%d\n", sim->exp.nchecked,
	       sim->exp.nfailed, rc);
	printf("segments=%" PRIu64 " per_conn=%.2f lost=%" PRIu64
	       " sim_end_s=%.3f\n",
	       segs, p->n ? (double)segs / (double)p->n : 0.0, sim->net.nlost,
	       (double)sim->now / 1e6);
	printf("events=%" PRIu64 " events_per_conn=%.1f\n", events,
	       p->n ? (double)events / (double)p->n : 0.0);
	printf("wall_run_s=%.6f us_per_conn_run=%.3f events_per_s_run=%.0f "
	       "segments_per_s_run=%.0f\n",
	       run, p->n ? run * 1e6 / (double)p->n : 0.0,
	       run > 0 ? (double)events / run : 0.0,
	       run > 0 ? (double)segs / run : 0.0);
	uint64_t peak = rss_peak();
	printf("rss_start=%" PRIu64 " rss_all_accepted=%" PRIu64
	       " rss_peak=%" PRIu64 " bytes_per_conn=%.0f\n",
	       rss0, rss_est, peak,
	       p->n ? (double)(peak - rss0) / (double)p->n : 0.0);
	feed_sim_free(sim);
	ts_trace_free(t);
	return rc ? 1 : 0;
}

/* ---- W2: bulk transfer ----
 * The client writes the whole amount in one blocking write, then closes;
 * the server reads until EOF (read returns 0), then closes. */

typedef struct w2 {
	const ts_stmt *cl, *sv; /* the client's 4 lines; the server's 6 */
	int ci, si;             /* next line of each */
	uint64_t lines, reads;
} w2;

static const ts_stmt *w2_feed(void *ctx, ts_sim *sim, int h)
{
	w2 *w = ctx;
	const ts_stmt *t;
	if (h == 0) { /* client */
		if (w->ci == 4)
			return NULL;
		t = &w->cl[w->ci++];
	} else {
		/* socket, bind, listen, accept; then read until it returns
		 * 0 (EOF), then close */
		if (w->si == 6)
			return NULL;
		if (w->si == 4 && w->reads && sim->exp.last.ret == 0)
			w->si = 5;
		t = &w->sv[w->si];
		if (w->si == 4)
			w->reads++;
		else
			w->si++;
	}
	if (t->at > sim->now)
		return NULL; /* not due (the feed is asked again then) */
	/* The template's own line: the engine only reads it, and it lasts
	 * the run (W1's lines are copies: each names its variable). */
	w->lines++;
	return t;
}

__attribute__((noinline)) static int bench_timed_w2(ts_sim *sim)
{
	ts_sim_feed(sim, 1);
	sim->now = TS_MS(1);
	ts_sim_feed(sim, 0);
	ts_event *ev;
	while ((ev = ts_evq_peek(&sim->q)) && !sim->run.aborted)
		ts_sim_advance(sim, ev->when);
	return ts_sim_finish(sim);
}

static int run_w2(const params *p)
{
	char text[1024];
	uint64_t bytes = p->mb * 1000000u;
	if (bytes > INT32_MAX * 8ull)
		die("", "--mb: at most 17179");
	snprintf(text, sizeof text,
		 "host client 10.0.0.1\n"
		 "host server 10.0.0.2\n"
		 "link client server delay %" PRId64 "us\n"
		 "0 server: l = socket()\n"
		 "+0 server: bind(l, 5000) = 0\n"
		 "+0 server: listen(l, 1) = 0\n"
		 "+0 server: s = accept(l)\n"
		 "+0 server: read(s, 1048576)\n"
		 "+0 server: close(s) = 0\n"
		 "1ms client: c = socket()\n"
		 "+0 client: connect(c, server:5000) = 0\n"
		 "+0 client: write(c, %" PRIu64 ") = %" PRIu64 "\n"
		 "+0 client: close(c) = 0\n",
		 (int64_t)p->delay, bytes, bytes);
	if (p->print_template) {
		fputs(text, stdout);
		return 0;
	}
	ts_error e;
	ts_trace *t = ts_trace_parse("w2", text, strlen(text), &e);
	if (!t)
		die("template: ", e.msg);
	w2 w;
	memset(&w, 0, sizeof w);
	w.sv = &t->stmts[0];
	w.cl = &t->stmts[6];
	/* The client's lines are due at 1 ms; the server's at 0. */
	t->nstmts = 0;
	uint64_t rss0 = rss_now();
	double t0 = wall();
	ts_sim *sim = feed_sim(t, p, w2_feed, &w);
	int rc = bench_timed_w2(sim);
	double run = wall() - t0;
	uint64_t segs = sim->net.nextnum - 1;
	uint64_t events = sim->nevents + w.lines;
	printf("workload=w2 mb=%" PRIu64 " delay_us=%" PRId64 "\n", p->mb,
	       (int64_t)p->delay);
	printf("checked=%d failed=%d result=%d reads=%" PRIu64 "\n",
	       sim->exp.nchecked, sim->exp.nfailed, rc, w.reads);
	printf("segments=%" PRIu64 " sim_end_s=%.3f\n", segs,
	       (double)sim->now / 1e6);
	printf("events=%" PRIu64 "\n", events);
	printf(
	    "wall_run_s=%.6f segments_per_s_run=%.0f events_per_s_run=%.0f\n",
	    run, run > 0 ? (double)segs / run : 0.0,
	    run > 0 ? (double)events / run : 0.0);
	printf("rss_start=%" PRIu64 " rss_peak=%" PRIu64 "\n", rss0,
	       rss_peak());
	feed_sim_free(sim);
	ts_trace_free(t);
	return rc ? 1 : 0;
}

/* ---- whole traces: W4 and W5 ---- */

typedef struct tally {
	uint64_t traces, segs, events, failed;
	ts_time end; /* virtual time at the end of the last run */
} tally;

__attribute__((noinline)) static int
bench_timed_text(const char *name, const char *text, size_t len, tally *ty)
{
	ts_error e;
	ts_trace *t = ts_trace_parse(name, text, len, &e);
	if (!t) {
		fprintf(stderr, "%s:%d:%d: %s\n", e.file, e.line, e.col, e.msg);
		return 2;
	}
	ts_sim_opts so = {
	    .seed = 0, .max_time = TS_SEC(10000000), .max_events = 100000000};
	ts_sim *sim = ts_sim_new(t, &so);
	if (!sim)
		die("", "out of memory");
	int rc = ts_sim_run(sim);
	ty->traces++;
	ty->segs += sim->net.nextnum - 1;
	ty->events += sim->nevents;
	ty->failed += rc != 0;
	ty->end = sim->now;
	ts_sim_free(sim);
	ts_trace_free(t);
	return rc;
}

static int run_w4(const params *p)
{
	char text[1024];
	snprintf(text, sizeof text,
		 "host client 10.0.0.1\n"
		 "host server 10.0.0.2\n"
		 "link client server delay %" PRId64 "us\n"
		 "set client tcp_retries2 %d\n"
		 "0 server: l = socket()\n"
		 "0 server: bind(l, 5000) = 0\n"
		 "0 server: listen(l, 1) = 0\n"
		 "1ms client: c = socket()\n"
		 "+0 client: connect(c, server:5000) = 0\n"
		 "+0 server: s = accept(l)\n"
		 "+10ms net: drop client>server all\n"
		 "+0 net: drop server>client all\n"
		 "+0 client: write(c, 1000) = 1000\n"
		 "+0 client: read(c, 10) = -1 ETIMEDOUT\n",
		 (int64_t)p->delay, p->retries);
	if (p->print_template) {
		fputs(text, stdout);
		return 0;
	}
	tally ty = {0};
	uint64_t rss0 = rss_now();
	double t0 = wall();
	int rc = bench_timed_text("w4", text, strlen(text), &ty);
	double run = wall() - t0;
	printf("workload=w4 retries2=%d delay_us=%" PRId64 "\n", p->retries,
	       (int64_t)p->delay);
	printf("result=%d segments=%" PRIu64 " events=%" PRIu64
	       " sim_end_s=%.3f\n",
	       rc, ty.segs, ty.events, (double)ty.end / 1e6);
	printf("wall_run_s=%.6f wall_run_ms=%.3f\n", run, run * 1e3);
	printf("rss_start=%" PRIu64 " rss_peak=%" PRIu64 "\n", rss0,
	       rss_peak());
	return rc ? 1 : 0;
}

/* Every *.trace under DIR, in name order. */
static void walk(const char *dir, char ***files, size_t *n, size_t *cap)
{
	struct dirent **ents;
	int k = scandir(dir, &ents, NULL, alphasort);
	if (k < 0)
		die("cannot read ", dir);
	for (int i = 0; i < k; i++) {
		const char *nm = ents[i]->d_name;
		if (nm[0] == '.') {
			free(ents[i]);
			continue;
		}
		size_t len = strlen(dir) + strlen(nm) + 2;
		char *path = malloc(len);
		if (!path)
			die("", "out of memory");
		snprintf(path, len, "%s/%s", dir, nm);
		struct stat sb;
		if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
			walk(path, files, n, cap);
			free(path);
		} else if (len > 7 && !strcmp(path + len - 7, ".trace")) {
			if (*n == *cap) {
				*cap = *cap ? *cap * 2 : 64;
				*files = realloc(*files, *cap * sizeof **files);
				if (!*files)
					die("", "out of memory");
			}
			(*files)[(*n)++] = path;
		} else {
			free(path);
		}
		free(ents[i]);
	}
	free(ents);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		die("cannot open ", path);
	size_t cap = 65536, n = 0;
	char *b = malloc(cap);
	size_t r;
	while (b && (r = fread(b + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap)
			b = realloc(b, cap *= 2);
	}
	fclose(f);
	if (!b)
		die("", "out of memory");
	*len = n;
	return b;
}

static int run_w5(const params *p)
{
	char **files = NULL;
	size_t n = 0, cap = 0;
	walk(p->dir, &files, &n, &cap);
	if (!n)
		die("no traces under ", p->dir);
	/* Read first: the timing covers parsing and running. */
	char **texts = calloc(n, sizeof *texts);
	size_t *lens = calloc(n, sizeof *lens);
	if (!texts || !lens)
		die("", "out of memory");
	for (size_t i = 0; i < n; i++)
		texts[i] = slurp(files[i], &lens[i]);
	tally ty = {0};
	double t0 = wall();
	for (size_t i = 0; i < n; i++)
		bench_timed_text(files[i], texts[i], lens[i], &ty);
	double run = wall() - t0;
	printf("workload=w5 dir=%s\n", p->dir);
	printf("traces=%" PRIu64 " failed=%" PRIu64 " segments=%" PRIu64
	       " events=%" PRIu64 "\n",
	       ty.traces, ty.failed, ty.segs, ty.events);
	printf("wall_run_s=%.6f ms_per_trace=%.3f\n", run,
	       run * 1e3 / (double)n);
	printf("rss_peak=%" PRIu64 "\n", rss_peak());
	for (size_t i = 0; i < n; i++) {
		free(files[i]);
		free(texts[i]);
	}
	free(files);
	free(texts);
	free(lens);
	return 0;
}

/* ---- step: the step API, line after line ----
 * A W1 connection every 20 ms, its lines given one by one to tcpsim_do()
 * (tcpsim_advance() between connections), through the public interface
 * only, until N lines have run; then tcpsim_run(). The variables are
 * reused, so the trace's names do not grow: what may grow is only what
 * the simulation keeps of the lines before. RSS is read at a few points
 * on the way, to see that it stays flat. */

static const char *const step_decls[] = {
    "host client 10.0.0.1", "host server 10.0.0.2",
    "link client server delay 1ms",
    "set client ip_local_port_range 1024 65535"};

static const char *const step_setup[] = {"server: l = socket()",
					 "server: bind(l, 5000) = 0",
					 "server: listen(l, 4096) = 0"};

static const char *const step_conn[] = {
    "client: c = socket()",
    "client: fcntl(c, O_NONBLOCK) = 0",
    "client: connect(c, server:5000) = -1 EINPROGRESS",
    "client: poll(c, POLLOUT, -1) = POLLOUT",
    "client: write(c, 1000) = 1000",
    "client: close(c) = 0",
    "server: s = accept(l)",
    "server: read(s, 1000) = 1000",
    "server: read(s, 1000) = 0",
    "server: close(s) = 0"};

#define STEP_MARKS 5

static void discard(void *ctx, const char *data, size_t len)
{
	(void)ctx;
	(void)data;
	(void)len;
}

/* The timed part of the step workload: N lines. RSS[i] is read after
 * (i + 1) / STEP_MARKS of them. */
__attribute__((noinline)) static int bench_timed_step(tcpsim_sim *s, uint64_t n,
						      uint64_t rss[STEP_MARKS],
						      double *lines_s)
{
	tcpsim_error e;
	const size_t per = sizeof step_conn / sizeof step_conn[0];
	uint64_t done = 0;
	int mark = 0, failed = 0;
	for (size_t i = 0; i < sizeof step_setup / sizeof step_setup[0]; i++) {
		if (tcpsim_do(s, step_setup[i], NULL, &e) != TCPSIM_OK)
			die("step: ", e.message);
		done++;
	}
	double t0 = wall();
	for (size_t j = 0; done < n; j = (j + 1) % per) {
		int rc = tcpsim_do(s, step_conn[j], NULL, &e);
		if (rc == TCPSIM_ERROR)
			die("step: ", e.message);
		failed += rc == TCPSIM_FAILED;
		done++;
		if (j == per - 1 &&
		    tcpsim_advance(s, TS_MS(20), &e) != TCPSIM_OK)
			die("step: ", e.message);
		while (mark < STEP_MARKS &&
		       done >= n * (uint64_t)(mark + 1) / STEP_MARKS)
			rss[mark++] = rss_now();
	}
	*lines_s = wall() - t0;
	int rc = tcpsim_run(s, &e);
	if (rc == TCPSIM_ERROR)
		die("step: ", e.message);
	return failed || rc != TCPSIM_OK;
}

static int run_step(const params *p)
{
	tcpsim_options o;
	tcpsim_options_init(&o);
	if (p->report)
		o.write = discard;
	tcpsim_sim *s = tcpsim_new(&o);
	if (!s)
		die("", "out of memory");
	tcpsim_error e;
	for (size_t i = 0; i < sizeof step_decls / sizeof step_decls[0]; i++)
		if (tcpsim_declare(s, step_decls[i], &e) != TCPSIM_OK)
			die("step: ", e.message);
	uint64_t rss[STEP_MARKS] = {0};
	uint64_t rss0 = rss_now();
	double lines_s = 0, t0 = wall();
	int bad = bench_timed_step(s, p->n, rss, &lines_s);
	double run = wall() - t0;
	printf("workload=step n=%" PRIu64 " report=%d\n", p->n, p->report);
	printf("checked=%d failed=%d\n", tcpsim_checked(s), tcpsim_failures(s));
	printf("wall_lines_s=%.6f us_per_line=%.3f wall_run_s=%.6f\n", lines_s,
	       p->n ? lines_s * 1e6 / (double)p->n : 0.0, run);
	printf("rss_start=%" PRIu64, rss0);
	for (int i = 0; i < STEP_MARKS; i++)
		printf(" rss_%d=%" PRIu64, (i + 1) * 100 / STEP_MARKS, rss[i]);
	printf(" rss_peak=%" PRIu64 "\n", rss_peak());
	tcpsim_free(s);
	return bad;
}

static void usage(void)
{
	fputs("usage: tcpsim-bench w1 [--n N] [--interval DUR] [--hold DUR]\n"
	      "                       [--delay DUR]\n"
	      "                       [--loss P] [--seed S] [--clients K]\n"
	      "                       [--trace | --template | --report]\n"
	      "                       [--pcap FILE]\n"
	      "       tcpsim-bench w2 [--mb M] [--delay DUR] [--template]\n"
	      "       tcpsim-bench w4 [--retries R] [--delay DUR] "
	      "[--template]\n"
	      "       tcpsim-bench w5 DIR\n"
	      "       tcpsim-bench step [--n LINES] [--report]\n",
	      stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	params p = {.n = 1000,
		    .interval = TS_MS(20),
		    .delay = TS_MS(1),
		    .seed = 1,
		    .mb = 100,
		    .retries = 15};
	if (argc < 2)
		usage();
	p.workload = argv[1];
	if (!strcmp(p.workload, "w2"))
		p.delay = TS_MS(10);
	int i = 2;
	if (!strcmp(p.workload, "w5")) {
		if (argc != 3)
			usage();
		p.dir = argv[2];
		i = 3;
	}
	for (; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--trace")) {
			p.print_trace = 1;
			continue;
		}
		if (!strcmp(a, "--template")) {
			p.print_template = 1;
			continue;
		}
		if (!strcmp(a, "--report")) {
			p.report = 1;
			continue;
		}
		if (!v)
			usage();
		i++;
		if (!strcmp(a, "--n"))
			p.n = parse_u(v);
		else if (!strcmp(a, "--interval"))
			p.interval = parse_dur(v);
		else if (!strcmp(a, "--hold"))
			p.hold = parse_dur(v);
		else if (!strcmp(a, "--delay"))
			p.delay = parse_dur(v);
		else if (!strcmp(a, "--loss"))
			p.loss = strtod(v, NULL);
		else if (!strcmp(a, "--seed"))
			p.seed = parse_u(v);
		else if (!strcmp(a, "--mb"))
			p.mb = parse_u(v);
		else if (!strcmp(a, "--retries"))
			p.retries = (int)parse_u(v);
		else if (!strcmp(a, "--clients"))
			p.clients = (int)parse_u(v);
		else if (!strcmp(a, "--pcap"))
			p.pcap = v;
		else
			usage();
	}
	if (!strcmp(p.workload, "w1"))
		return run_w1(&p);
	if (!strcmp(p.workload, "w2"))
		return run_w2(&p);
	if (!strcmp(p.workload, "w4"))
		return run_w4(&p);
	if (!strcmp(p.workload, "w5"))
		return run_w5(&p);
	if (!strcmp(p.workload, "step"))
		return run_step(&p);
	usage();
	return 2;
}
