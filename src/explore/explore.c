/*
 * explore.c - "tcpsim explore": a trace under every schedule of up to K
 * faults, and the distinct outcomes they lead to (doc/explore.md).
 *
 * A schedule is a list of faults, each taken from the run of the schedule
 * before it: a segment that run sent (dropped, duplicated, or delayed past
 * the next segment of its direction) or an instant at which something
 * happened in it (a host crashed, or its process killed). A schedule is
 * the trace with its fault lines added: "net: drop A>B seg N" lines at
 * time 0, host lines at their instant, after the trace's lines of that
 * time. Schedules are made level by level (all those of one fault, then of
 * two), each fault later in its run than the one before, so that each
 * list is made once; they are numbered in that order.
 *
 * An outcome is what a user compares between runs, from the typed events:
 * each call's result, errno and SIGPIPE (or that it blocked for good, was
 * not run, was skipped), the hosts that sent an RST, each socket's final
 * state, the expectations held or failed. Outcomes are grouped; each keeps
 * its count of schedules and its smallest schedule (fewest faults, then
 * the lowest number).
 */
#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/errno_tab.h"
#include "engine/engine.h"
#include "explore/explore.h"
#include "net/net.h"
#include "tcpsim.h"
#include "trace/trace.h"

enum { F_DROP, F_DUP, F_DELAY, F_CRASH, F_KILL, F_NOPS };
static const char *const fop_names[F_NOPS] = {"drop", "dup", "delay", "crash",
					      "kill"};

#define MAX_DEPTH     6
#define FAULT_LINE0   1000000000 /* the line numbers of added lines */
#define DEF_MAX_SCHED 1000000

/* Where a fault's line goes in the trace: at the top (time 0), after the
 * trace's lines of time AT or before, or right before the line LINE. */
enum { P_TOP, P_AT, P_LINE };
static const char *const place_names[] = {"top", "at", "line"};
typedef struct place {
	int how;
	ts_time at;
	int line;
	int host; /* a host line: after the net lines of the same place */
} place;

/* One fault of a schedule. */
typedef struct fault {
	int op;
	uint32_t segno; /* drop, dup, delay: the segment's number */
	int from, to;   /* its direction; crash, kill: FROM is the host */
	ts_time at;     /* when the segment was sent; crash, kill: the
			 * instant */
	ts_time delay;  /* delay: the extra delay */
	/* drop, dup, delay: the segment named by a KIND and a place where
	 * it is the next of that kind (kind >= 0), or by its number ("seg
	 * N", kind -1, at the top) */
	int kind;
	place pl;
} fault;

typedef struct sched {
	int n;
	fault f[MAX_DEPTH];
	uint64_t seq; /* its number, in the order schedules are made */
} sched;

/* A fault as it is written out: its line and the time it is placed at. */
typedef struct wfault {
	place pl;
	char text[96];
} wfault;

typedef struct wsched {
	int n;
	wfault f[MAX_DEPTH];
	uint64_t seq;
} wsched;

/* A segment of a run, a fault point. */
typedef struct segpt {
	uint32_t segno;
	int from, to;
	ts_time at;
	ts_time next_at; /* the next segment of its direction, or -1 */
	int lost;        /* it arrived at a host that was down */
	uint8_t flags;   /* TCPSIM_SYN ... */
	uint8_t dropped, dup, delayed; /* by a rule */
	uint32_t len;
	/* sent while the engine ran a line (the TAKEN-th of the run's lines,
	 * the fault lines included), else while it ran an event */
	uint8_t line_step;
	int taken;
	int injected; /* forged by the trace: no fault point */
} segpt;

/* A run of one schedule: its fault points and its outcome. */
typedef struct runrec {
	segpt *segs;
	int nsegs, segcap;
	ts_time *inst; /* the instants at which events happened, ascending */
	int ninst, instcap;
	int invalid; /* an added line failed (crash of a host that is down,
		      * kill with no process): not a schedule */
	char *key;   /* the outcome, one fact a line */
} runrec;

/* A schedule whose run is kept for the next level. */
typedef struct node {
	sched s;
	runrec r;
	int pruned_as; /* -1, else the node whose run it shares */
} node;

typedef struct outcome {
	char *key;
	uint64_t count;
	sched min;
} outcome;

/* The growing text of an outcome. */
typedef struct buf {
	char *p;
	size_t n, cap;
} buf;

static int buf_put(buf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		size_t c = b->cap ? b->cap : 256;
		while (c < b->n + n + 1)
			c *= 2;
		char *q = realloc(b->p, c);
		if (!q)
			return -1;
		b->p = q;
		b->cap = c;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = 0;
	return 0;
}

static int buf_puts(buf *b, const char *s)
{
	return buf_put(b, s, strlen(s));
}

static int buf_printf(buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int buf_printf(buf *b, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if ((size_t)n >= sizeof tmp)
		n = (int)sizeof tmp - 1;
	return buf_put(b, tmp, (size_t)n);
}

static void die_oom(void)
{
	fputs("tcpsim explore: out of memory\n", stderr);
	exit(2);
}

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		die_oom();
	return q;
}

/* ---- The explorer's state ---- */

typedef struct explorer {
	const char *path;
	char *text;
	size_t len;
	ts_trace *trace;
	int maxline;     /* the trace's last line */
	int *call_index; /* line -> index among the call lines, -1 */
	int ncalls;
	/* options */
	int depth;
	unsigned ops; /* 1 << F_* */
	int prune;
	uint64_t max_sched;
	int shard, nshards; /* 1-based I of N */
	ts_sim_opts so;
	/* the run in progress */
	runrec *cur;
	const struct sched *sched;
	const ts_sim *sim;
	int misplaced; /* a fault's line took another segment (a bug) */
	/* each call line's result in this run, and "call HOST TEXT" */
	struct cres {
		int st;   /* C_* */
		int poll; /* a poll(): its value is a mask */
		int sigpipe, has_addr;
		int64_t value;
		const char *errno_name;
		uint32_t addr;
		uint16_t port;
	} * res;
	char **ctext;
	ts_time *next_dir; /* nhosts x nhosts: the next segment's time */
	uint64_t rst_hosts[4];
	buf finals, fails;
	int checked, failed;
	/* the results */
	outcome *outs;
	int nouts, outcap;
	int *slots; /* hash table of outcome indices + 1 */
	size_t nslots;
	uint64_t nsched, nrun, npruned, ninvalid;
	/* the stmts of a run: the trace's and the faults' */
	ts_stmt *stmts;
	int stmtcap;
	char ftext[MAX_DEPTH][96];
} explorer;

static const char *host_name(const explorer *x, int h)
{
	return x->trace->hosts[h].name;
}

/* ---- One run ---- */

static void add_instant(runrec *r, ts_time t)
{
	if (r->ninst && r->inst[r->ninst - 1] == t)
		return;
	if (r->ninst == r->instcap) {
		r->instcap = r->instcap ? r->instcap * 2 : 32;
		r->inst =
		    xrealloc(r->inst, (size_t)r->instcap * sizeof *r->inst);
	}
	r->inst[r->ninst++] = t;
}

enum { C_NOT_RUN, C_RETURNED, C_BLOCKED, C_SKIPPED };

static void call_result(struct cres *out, const tcpsim_event *ev)
{
	const tcpsim_call_result *c = &ev->u.call;
	out->st = C_RETURNED;
	out->poll = c->call->id == TCPSIM_CALL_POLL;
	out->value = c->value;
	out->errno_name = c->errno_name;
	out->sigpipe = c->sigpipe;
	out->has_addr = c->has_addr;
	out->addr = c->addr;
	out->port = c->port;
}

static void put_u64(buf *b, uint64_t v)
{
	char d[24];
	int n = 0;
	do
		d[sizeof d - 1 - n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	if (buf_put(b, d + sizeof d - n, (size_t)n) < 0)
		die_oom();
}

/* "call HOST TEXT = RESULT" */
static void put_call(buf *b, const char *ctext, const struct cres *c)
{
	buf_puts(b, ctext);
	switch (c->st) {
	case C_NOT_RUN:
		buf_puts(b, " not run\n");
		return;
	case C_BLOCKED:
		buf_puts(b, " blocks for good\n");
		return;
	case C_SKIPPED:
		buf_puts(b, " skipped\n");
		return;
	default:
		break;
	}
	if (c->errno_name) {
		buf_puts(b, " = -1 ");
		buf_puts(b, c->errno_name);
	} else if (c->has_addr) {
		buf_puts(b, " = ");
		for (int i = 3; i >= 0; i--) {
			put_u64(b, c->addr >> (8 * i) & 255);
			buf_puts(b, i ? "." : ":");
		}
		put_u64(b, c->port);
	} else if (c->poll && c->value > 0) {
		/* the mask as the trace writes it: POLLIN|POLLHUP */
		const char *sep = " = ";
		uint64_t v = (uint64_t)c->value;
		for (size_t i = 0;
		     i < sizeof ts_poll_bits / sizeof *ts_poll_bits; i++)
			if (v & ts_poll_bits[i].value) {
				buf_puts(b, sep);
				buf_puts(b, ts_poll_bits[i].name);
				v &= ~(uint64_t)ts_poll_bits[i].value;
				sep = "|";
			}
		if (v) {
			buf_puts(b, sep);
			put_u64(b, v);
		}
	} else {
		buf_puts(b, c->value < 0 ? " = -" : " = ");
		put_u64(b, c->value < 0 ? (uint64_t)0 - (uint64_t)c->value
					: (uint64_t)c->value);
	}
	buf_puts(b, c->sigpipe ? " +SIGPIPE\n" : "\n");
}

static void on_event(void *ctx, const tcpsim_event *ev)
{
	explorer *x = ctx;
	runrec *r = x->cur;
	int ci = ev->line > 0 && ev->line <= x->maxline
		     ? x->call_index[ev->line]
		     : -1;
	/* instants: when something happened at a host that is up (a segment
	 * lost at a host that is down is not one) */
	if (ev->kind < TCPSIM_EV_FINAL && ev->kind != TCPSIM_EV_LOST)
		add_instant(r, ev->time_us);
	switch (ev->kind) {
	case TCPSIM_EV_CALL:
	case TCPSIM_EV_RETURN:
		if (ci >= 0)
			call_result(&x->res[ci], ev);
		break;
	case TCPSIM_EV_BLOCK:
		if (ci >= 0)
			x->res[ci].st = C_BLOCKED;
		break;
	case TCPSIM_EV_SKIP:
		if (ci >= 0 && ev->u.skip.call)
			x->res[ci].st = C_SKIPPED;
		break;
	case TCPSIM_EV_SEND:
	case TCPSIM_EV_INJECT:
		if (r->nsegs == r->segcap) {
			r->segcap = r->segcap ? r->segcap * 2 : 32;
			r->segs = xrealloc(r->segs,
					   (size_t)r->segcap * sizeof *r->segs);
		}
		r->segs[r->nsegs++] = (segpt){
		    .segno = ev->u.seg.segno,
		    .from = ev->u.seg.from,
		    .to = ev->u.seg.to,
		    .at = ev->time_us,
		    .next_at = -1,
		    .flags = ev->u.seg.seg.flags,
		    .dropped = ev->u.seg.dropped != 0,
		    .dup = ev->u.seg.duplicated != 0,
		    .delayed = ev->u.seg.delay_us != 0,
		    .len = ev->u.seg.seg.len,
		    .line_step = x->sim->nevents == x->sim->run.line_step,
		    .taken = x->sim->run.next_stmt,
		    .injected = ev->kind == TCPSIM_EV_INJECT};
		/* each fault's line takes the segment it names */
		for (int i = 0; i < 3; i++) {
			int l = i == 0   ? ev->u.seg.drop_line
				: i == 1 ? ev->u.seg.dup_line
					 : ev->u.seg.delay_line;
			if (l >= FAULT_LINE0 && x->sched &&
			    x->sched->f[l - FAULT_LINE0].segno !=
				ev->u.seg.segno)
				x->misplaced = 1;
		}
		if (ev->kind == TCPSIM_EV_SEND &&
		    (ev->u.seg.seg.flags & TCPSIM_RST))
			x->rst_hosts[ev->u.seg.from / 64 % 4] |=
			    1ull << (ev->u.seg.from % 64);
		break;
	case TCPSIM_EV_LOST:
		/* the segments are in order of their numbers */
		for (int lo = 0, hi = r->nsegs; lo < hi;) {
			int mid = (lo + hi) / 2;
			if (r->segs[mid].segno == ev->u.seg.segno) {
				r->segs[mid].lost = 1;
				break;
			}
			if (r->segs[mid].segno < ev->u.seg.segno)
				lo = mid + 1;
			else
				hi = mid;
		}
		break;
	case TCPSIM_EV_FAIL:
		if (ev->line > x->maxline) {
			r->invalid = 1; /* an added line could not run */
			break;
		}
		if (ev->line > 0 && ev->u.fail.reason != TCPSIM_FAIL_RESULT) {
			/* the line's text, found by its number */
			const ts_trace *t = x->trace;
			for (int i = 0; i < t->nstmts; i++)
				if (t->stmts[i].line == ev->line) {
					buf_printf(&x->fails, "failed %s\n",
						   ts_stmt_text(&t->stmts[i]));
					break;
				}
		}
		break;
	case TCPSIM_EV_FINAL: {
		char t[256];
		tcpsim_event_text(ev, t, sizeof t);
		buf_printf(&x->finals, "final %s %s\n",
			   ev->host >= 0 ? host_name(x, ev->host) : "-", t);
		break;
	}
	case TCPSIM_EV_DONE:
		x->checked = ev->u.done.checked;
		x->failed = ev->u.done.failed;
		break;
	case TCPSIM_EV_STATE:
	case TCPSIM_EV_REPLAY:
	case TCPSIM_EV_RECV:
	case TCPSIM_EV_RESET:
	case TCPSIM_EV_DROP:
	case TCPSIM_EV_TIMER:
	case TCPSIM_EV_REXMIT:
	case TCPSIM_EV_SIGNAL:
	case TCPSIM_EV_PROC:
	case TCPSIM_EV_HOST:
	case TCPSIM_EV_EXPECT:
	case TCPSIM_EV_END:
	case TCPSIM_EV_WHY:
		break; /* instants only */
	}
}

static void format_fault(const explorer *x, const fault *f, char *out,
			 size_t cap)
{
	char what[32], dur[32] = "";
	if (f->kind >= 0)
		snprintf(what, sizeof what, "%s",
			 ts_segkind_name((ts_seg_kind)f->kind));
	else
		snprintf(what, sizeof what, "seg %" PRIu32, f->segno);
	if (f->op == F_DELAY)
		snprintf(dur, sizeof dur, " %" PRId64 "us", f->delay);
	switch (f->op) {
	case F_DROP:
	case F_DUP:
	case F_DELAY:
		snprintf(out, cap, "net: %s %s>%s%s %s", fop_names[f->op],
			 host_name(x, f->from), host_name(x, f->to), dur, what);
		break;
	default:
		snprintf(out, cap, "%s: %s", host_name(x, f->from),
			 fop_names[f->op]);
		break;
	}
}

/* How many of the trace's timed lines run at or before T. */
static int lines_upto(const ts_trace *t, ts_time at)
{
	int lo = 0, hi = t->nstmts;
	while (lo < hi) {
		int mid = (lo + hi) / 2;
		if (t->stmts[mid].at <= at)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The index of the trace's timed line on line LINE (or the first after
 * it). */
static int stmt_of_line(const ts_trace *t, int line)
{
	int lo = 0, hi = t->nstmts;
	while (lo < hi) {
		int mid = (lo + hi) / 2;
		if (t->stmts[mid].line < line)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Where a line placed at P goes: before the trace's timed line K (K =
 * nstmts: at the end), and its rank among the lines added there. */
static int place_index(const ts_trace *t, const place *p, int *rank)
{
	switch (p->how) {
	case P_TOP:
		*rank = 0;
		return 0;
	case P_AT:
		*rank = p->host ? 2 : 1;
		return lines_upto(t, p->at);
	default:
		*rank = 3;
		return stmt_of_line(t, p->line);
	}
}

static ts_time place_time(const ts_trace *t, const place *p)
{
	if (p->how == P_TOP)
		return 0;
	if (p->how == P_AT)
		return p->at;
	int k = stmt_of_line(t, p->line);
	return k < t->nstmts ? t->stmts[k].at : 0;
}

/* The order in which the N lines placed at PL[] go in: ORD[] gets their
 * indices, and KS[] where each goes. */
static void place_order(const ts_trace *t, const place *pl, int n, int *ord,
			int *ks)
{
	int rank[MAX_DEPTH];
	ts_time at[MAX_DEPTH];
	for (int i = 0; i < n; i++) {
		ks[i] = place_index(t, &pl[i], &rank[i]);
		at[i] = place_time(t, &pl[i]);
		ord[i] = i;
	}
	/* by place, then time, then rank (net lines before host lines) */
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0; j--) {
			int a = ord[j - 1], b = ord[j];
			if (ks[a] != ks[b]   ? ks[a] < ks[b]
			    : at[a] != at[b] ? at[a] < at[b]
					     : rank[a] <= rank[b])
				break;
			ord[j - 1] = b;
			ord[j] = a;
		}
}

static void to_wsched(const explorer *x, const sched *s, wsched *w);
static void write_schedule(FILE *o, const char *text, size_t len,
			   const ts_trace *t, const wsched *w);

/* Run schedule S; fills R. Returns 0, -1 on an engine error (message on
 * stderr). */
static int run_sched(explorer *x, const sched *s, runrec *r)
{
	const ts_trace *t = x->trace;
	int n = t->nstmts + s->n;
	if (n > x->stmtcap) {
		x->stmtcap = n;
		x->stmts = xrealloc(x->stmts, (size_t)n * sizeof *x->stmts);
	}
	/* the trace's lines, and each fault's line at its place */
	place pl[MAX_DEPTH];
	int ord[MAX_DEPTH], ks[MAX_DEPTH];
	for (int i = 0; i < s->n; i++)
		pl[i] = s->f[i].pl;
	place_order(t, pl, s->n, ord, ks);
	int k = 0, oi = 0;
	for (int ti = 0; ti <= t->nstmts; ti++) {
		for (; oi < s->n && ks[ord[oi]] == ti; oi++) {
			int i = ord[oi];
			const fault *f = &s->f[i];
			ts_stmt *st = &x->stmts[k++];
			memset(st, 0, sizeof *st);
			st->at = place_time(t, &f->pl);
			st->line = FAULT_LINE0 + i;
			format_fault(x, f, x->ftext[i], sizeof x->ftext[i]);
			st->text = x->ftext[i];
			if (f->op >= F_CRASH) {
				st->kind = TS_STMT_HOST;
				st->host = f->from;
				st->u.host_op = f->op == F_CRASH ? TS_HOST_CRASH
								 : TS_HOST_KILL;
				continue;
			}
			st->kind = TS_STMT_NET;
			st->host = -1;
			st->u.net.op = f->op == F_DROP  ? TS_NET_DROP
				       : f->op == F_DUP ? TS_NET_DUP
							: TS_NET_DELAY;
			st->u.net.from = f->from;
			st->u.net.to = f->to;
			st->u.net.count = 1;
			st->u.net.kind = f->kind >= 0 ? (ts_seg_kind)f->kind
						      : TCPSIM_SEG_ANY;
			st->u.net.delay = f->delay;
			st->u.net.segno = f->kind >= 0 ? 0 : f->segno;
			st->u.net.from_port = st->u.net.to_port = -1;
		}
		if (ti < t->nstmts)
			x->stmts[k++] = t->stmts[ti];
	}

	x->sched = s;
	x->misplaced = 0;
	ts_trace tc = *t;
	tc.stmts = x->stmts;
	tc.nstmts = k;
	memset(r, 0, sizeof *r);
	x->cur = r;
	memset(x->res, 0, (size_t)(x->ncalls + 1) * sizeof *x->res);
	memset(x->rst_hosts, 0, sizeof x->rst_hosts);
	x->finals.n = x->fails.n = 0;
	x->checked = x->failed = 0;
	ts_sim *sim = ts_sim_new(&tc, &x->so);
	if (!sim)
		die_oom();
	uint32_t mask =
	    ~(TCPSIM_EV_BIT(TCPSIM_EV_WHY) | TCPSIM_EV_BIT(TCPSIM_EV_DROP) |
	      TCPSIM_EV_BIT(TCPSIM_EV_REXMIT));
	if (ts_stream_add(&sim->out, on_event, x, mask) < 0)
		die_oom();
	x->sim = sim;
	int rc = ts_sim_run(sim);
	if (x->misplaced) {
		fprintf(stderr,
			"tcpsim explore: %s: internal error: a fault's line "
			"took another segment than the one it names (%s%s%s)\n",
			x->path, x->ftext[0], s->n > 1 ? ", " : "",
			s->n > 1 ? x->ftext[1] : "");
		if (getenv("EXPLORE_DEBUG")) {
			wsched w;
			to_wsched(x, s, &w);
			write_schedule(stderr, x->text, x->len, t, &w);
		}
		exit(2);
	}
	buf key = {0};
	for (int c = 0; c < x->ncalls; c++)
		put_call(&key, x->ctext[c], &x->res[c]);
	for (int h = 0; h < t->nhosts && h < 256; h++)
		if (x->rst_hosts[h / 64] >> (h % 64) & 1)
			buf_printf(&key, "rst %s\n", host_name(x, h));
	if (x->finals.n)
		buf_puts(&key, x->finals.p);
	if (rc == 2)
		buf_printf(&key, "stopped %s\n", sim->run.err.msg);
	buf_printf(&key, "expectations %d checked, %d failed\n", x->checked,
		   x->failed);
	if (x->fails.n)
		buf_puts(&key, x->fails.p);
	if (!key.p)
		die_oom();
	r->key = key.p;
	ts_sim_free(sim);
	x->cur = NULL;
	/* fault points: each segment's next of its direction (the segments
	 * came in the order of their numbers) */
	int nh = t->nhosts;
	for (int i = 0; i < nh * nh; i++)
		x->next_dir[i] = -1;
	for (int i = r->nsegs - 1; i >= 0; i--) {
		segpt *g = &r->segs[i];
		ts_time *nd = &x->next_dir[g->from * nh + g->to];
		g->next_at = *nd;
		*nd = g->at;
	}
	x->nrun++;
	return 0;
}

static void runrec_free(runrec *r)
{
	free(r->segs);
	free(r->inst);
	free(r->key);
	memset(r, 0, sizeof *r);
}

/* ---- Outcomes ---- */

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static int sched_less(const sched *a, const sched *b)
{
	return a->n != b->n ? a->n < b->n : a->seq < b->seq;
}

/* Count schedule S for outcome KEY (not kept). */
static void tally(explorer *x, const char *key, const sched *s, uint64_t cnt)
{
	if ((size_t)(x->nouts + 1) * 2 > x->nslots) {
		size_t ns = x->nslots ? x->nslots * 2 : 64;
		int *sl = calloc(ns, sizeof *sl);
		if (!sl)
			die_oom();
		for (int i = 0; i < x->nouts; i++) {
			size_t j = hash_str(x->outs[i].key) & (ns - 1);
			while (sl[j])
				j = (j + 1) & (ns - 1);
			sl[j] = i + 1;
		}
		free(x->slots);
		x->slots = sl;
		x->nslots = ns;
	}
	size_t j = hash_str(key) & (x->nslots - 1);
	while (x->slots[j]) {
		outcome *o = &x->outs[x->slots[j] - 1];
		if (!strcmp(o->key, key)) {
			o->count += cnt;
			if (sched_less(s, &o->min))
				o->min = *s;
			return;
		}
		j = (j + 1) & (x->nslots - 1);
	}
	if (x->nouts == x->outcap) {
		x->outcap = x->outcap ? x->outcap * 2 : 16;
		x->outs =
		    xrealloc(x->outs, (size_t)x->outcap * sizeof *x->outs);
	}
	outcome *o = &x->outs[x->nouts++];
	o->key = strdup(key);
	if (!o->key)
		die_oom();
	o->count = cnt;
	o->min = *s;
	x->slots[j] = x->nouts;
}

/* ---- Schedules, level by level ---- */

/* Whether fault point (AT, SEG) comes after fault F: instants come before
 * the segments sent at the same time, segments in their order. */
static int after(const fault *f, ts_time at, int is_seg, uint32_t segno)
{
	int fseg = f->op < F_CRASH;
	if (at != f->at)
		return at > f->at;
	if (is_seg != fseg)
		return is_seg;
	return is_seg && segno > f->segno;
}

/* The kind that names segment G with the fewest others (a data segment
 * with FIN is named FIN). */
static int kind_of(const segpt *g)
{
	if (g->flags & TCPSIM_SYN)
		return TCPSIM_SEG_SYN;
	if (g->flags & TCPSIM_RST)
		return TCPSIM_SEG_RST;
	if (g->flags & TCPSIM_FIN)
		return TCPSIM_SEG_FIN;
	return g->len ? TCPSIM_SEG_DATA : TCPSIM_SEG_ACK;
}

/* ts_seg_is_kind, for a segment of a run */
static int is_kind(const segpt *h, int k)
{
	switch (k) {
	case TCPSIM_SEG_SYN:
		return !!(h->flags & TCPSIM_SYN);
	case TCPSIM_SEG_FIN:
		return !!(h->flags & TCPSIM_FIN);
	case TCPSIM_SEG_RST:
		return !!(h->flags & TCPSIM_RST);
	case TCPSIM_SEG_ACK:
		return !h->len &&
		       !(h->flags & (TCPSIM_SYN | TCPSIM_FIN | TCPSIM_RST));
	case TCPSIM_SEG_DATA:
		return h->len > 0;
	default:
		return 1;
	}
}

/* The instant halfway between the last instant of run R before T and T;
 * -1 when there is none or nothing fits between (1 us apart). */
static ts_time mid_before(const runrec *r, ts_time t)
{
	int lo = 0, hi = r->ninst;
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		if (r->inst[mid] < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return -1;
	ts_time prev = r->inst[lo - 1];
	ts_time m = prev + (t - prev) / 2;
	return m > prev ? m : -1;
}

/* Whether segment H of a run was sent after a line that is the Q-th of
 * that run's lines, at time PAT: a segment a line sent, when the line
 * came after it; one an event sent, when it came at PAT or later (lines
 * run before the events of their time). */
static int sent_after(const segpt *h, int q, ts_time pat)
{
	return h->line_step ? h->taken > q : h->at >= pat;
}

/* Name segment SEGS[GI] of the run of schedule PS for fault F (its op
 * set) in the language as it was: "OP A>B KIND" placed right before the
 * line that sent it, or after the lines of the time an event sent it, if
 * there it is the next segment of its direction and kind the rule would
 * take; else "OP A>B seg N" at the top. */
static void name_segment(const explorer *x, const sched *ps, const runrec *r,
			 int gi, fault *f)
{
	const segpt *g = &r->segs[gi];
	const ts_trace *t = x->trace;
	place pl[MAX_DEPTH + 1];
	int ord[MAX_DEPTH + 1], ks[MAX_DEPTH + 1];
	int n = ps->n;
	for (int i = 0; i < n; i++)
		pl[i] = ps->f[i].pl;
	place p = {.how = P_AT, .at = g->at};
	if (g->line_step) {
		/* the run's line TAKEN - 1: the trace's or a fault's */
		place_order(t, pl, n, ord, ks);
		int want = g->taken - 1, idx = 0, oi = 0, found = 0;
		for (int ti = 0; ti <= t->nstmts && !found; ti++) {
			for (; oi < n && ks[ord[oi]] == ti && !found; oi++)
				if (idx++ == want) {
					p = (place){
					    .how = P_AT,
					    .at = place_time(t, &pl[ord[oi]])};
					found = 1;
				}
			if (!found && ti < t->nstmts && idx++ == want) {
				p = (place){.how = P_LINE,
					    .line = t->stmts[ti].line};
				found = 1;
			}
		}
	}
	/* where the rule goes among the run's lines */
	pl[n] = p;
	place_order(t, pl, n + 1, ord, ks);
	int q = ks[n];
	for (int i = 0; ord[i] != n; i++)
		q++;
	ts_time pat = place_time(t, &p);
	int kind = kind_of(g);
	int exact = sent_after(g, q, pat);
	for (int i = gi - 1; i >= 0 && exact; i--) {
		const segpt *h = &r->segs[i];
		if (h->at < pat)
			break;
		if (h->from != g->from || h->to != g->to || !is_kind(h, kind) ||
		    !sent_after(h, q, pat))
			continue;
		/* a dropped segment counts for no dup or delay rule */
		if (f->op != F_DROP && h->dropped)
			continue;
		exact = 0;
	}
	if (exact && !g->line_step) {
		/* an event sent it: the rule goes halfway between the run's
		 * instant before and the segment's, as an instant fault does,
		 * where it takes the same segment (no line of the segment's
		 * time sent one of its kind first), so that on a real kernel
		 * the rule is not armed at the instant of the segment it takes,
		 * a tie that real time breaks either way */
		ts_time m = mid_before(r, g->at);
		for (int i = gi - 1; i >= 0 && m >= 0; i--) {
			const segpt *h = &r->segs[i];
			if (h->at < m)
				break;
			if (h->from == g->from && h->to == g->to &&
			    is_kind(h, kind) &&
			    (f->op == F_DROP || !h->dropped))
				m = -1;
		}
		if (m >= 0)
			p = (place){.how = P_AT, .at = m};
	}
	if (exact) {
		f->kind = kind;
		f->pl = p;
	} else {
		f->kind = -1;
		f->pl = (place){.how = P_TOP};
	}
}

/* The children of node P: call FN for each schedule of one more fault. */
typedef void (*child_fn)(explorer *x, const node *p, const sched *s,
			 int lost_drop, void *ctx);

static uint64_t children(explorer *x, const node *p, child_fn fn, void *ctx)
{
	const runrec *r = &p->r;
	const fault *last = p->s.n ? &p->s.f[p->s.n - 1] : NULL;
	uint64_t cnt = 0;
	sched s = p->s;
	s.n = p->s.n + 1;
	fault *f = &s.f[p->s.n];
	/* instants and segments merged in the order of after(). An instant
	 * fault goes halfway between two times at which something happened:
	 * between the events of one and the lines of the next, and far from
	 * both, so that it is no race on a real kernel either */
	int ii = 1, si = 0;
	while (ii < r->ninst || si < r->nsegs) {
		ts_time mid =
		    ii < r->ninst
			? r->inst[ii - 1] + (r->inst[ii] - r->inst[ii - 1]) / 2
			: 0;
		int take_inst =
		    ii < r->ninst && (si == r->nsegs || mid <= r->segs[si].at);
		if (take_inst) {
			ts_time at = mid;
			ii++;
			if (at == r->inst[ii - 2])
				continue; /* 1 us apart: nothing between */
			if (last && !after(last, at, 0, 0))
				continue;
			for (int h = 0; h < x->trace->nhosts; h++) {
				if (x->trace->hosts[h].nostack)
					continue;
				for (int op = F_CRASH; op <= F_KILL; op++) {
					if (!(x->ops & 1u << op))
						continue;
					memset(f, 0, sizeof *f);
					f->op = op;
					f->from = h;
					f->at = at;
					f->pl = (place){
					    .how = P_AT, .at = at, .host = 1};
					cnt++;
					if (fn)
						fn(x, p, &s, 0, ctx);
				}
			}
		} else {
			const segpt *g = &r->segs[si++];
			if (last && !after(last, g->at, 1, g->segno))
				continue;
			/* net: lines name two hosts: a host's segments to
			 * itself cannot be written as a fault; a forged one
			 * is the trace's, not the run's */
			if (g->from == g->to || g->injected)
				continue;
			for (int op = F_DROP; op <= F_DELAY; op++) {
				if (!(x->ops & 1u << op))
					continue;
				if (op == F_DELAY && g->next_at < 0)
					continue; /* nothing to overtake it */
				/* a fault is on a segment the network
				 * delivers (once, on time) */
				if (g->dropped || (op == F_DUP && g->dup) ||
				    (op == F_DELAY && g->delayed))
					continue;
				memset(f, 0, sizeof *f);
				f->op = op;
				f->segno = g->segno;
				f->from = g->from;
				f->to = g->to;
				f->at = g->at;
				if (op == F_DELAY)
					f->delay =
					    g->next_at - g->at + TS_MS(1);
				cnt++;
				if (!fn)
					continue;
				name_segment(x, &p->s, r, si - 1, f);
				fn(x, p, &s, op == F_DROP && g->lost, ctx);
			}
		}
	}
	return cnt;
}

typedef struct level {
	node *v;
	int n, cap;
	int keep; /* the next level needs these runs */
} level;

static void visit(explorer *x, const node *p, const sched *s0, int lost_drop,
		  void *ctx)
{
	level *next = ctx;
	sched s = *s0;
	s.seq = x->nsched++;
	int mine = x->nshards <= 1 ||
		   (int)(s.seq % (uint64_t)x->nshards) == x->shard - 1;
	/* Pruned without loss: dropping a segment that would arrive at a host
	 * that is down changes nothing (its arrival is only lost); the run
	 * is the parent's. */
	if (x->prune && lost_drop) {
		if (mine) {
			x->npruned++;
			tally(x, p->r.key, &s, 1);
		}
		if (next->keep) {
			if (next->n == next->cap) {
				next->cap = next->cap ? next->cap * 2 : 64;
				next->v =
				    xrealloc(next->v, (size_t)next->cap *
							  sizeof *next->v);
			}
			node *c = &next->v[next->n++];
			c->s = s;
			c->pruned_as = 1;
			/* a copy of the parent's fault points */
			runrec *r = &c->r;
			memset(r, 0, sizeof *r);
			r->nsegs = r->segcap = p->r.nsegs;
			r->segs =
			    xrealloc(NULL, (size_t)r->nsegs * sizeof *r->segs);
			memcpy(r->segs, p->r.segs,
			       (size_t)r->nsegs * sizeof *r->segs);
			r->ninst = r->instcap = p->r.ninst;
			r->inst =
			    xrealloc(NULL, (size_t)r->ninst * sizeof *r->inst);
			memcpy(r->inst, p->r.inst,
			       (size_t)r->ninst * sizeof *r->inst);
			r->key = strdup(p->r.key);
			if (!r->key)
				die_oom();
			/* as the run with the fault would have them: the
			 * segment dropped, not lost; the lines after the
			 * fault's one more */
			place pl[MAX_DEPTH];
			int ord[MAX_DEPTH], ks[MAX_DEPTH], q = 0;
			for (int i = 0; i < s.n; i++)
				pl[i] = s.f[i].pl;
			place_order(x->trace, pl, s.n, ord, ks);
			for (q = ks[s.n - 1]; ord[q - ks[s.n - 1]] != s.n - 1;)
				q++;
			for (int i = 0; i < r->nsegs; i++) {
				segpt *h = &r->segs[i];
				if (h->segno == s.f[s.n - 1].segno) {
					h->dropped = 1;
					h->lost = 0;
				}
				if (h->line_step && h->taken > q)
					h->taken++;
			}
		}
		return;
	}
	if (!mine && !next->keep)
		return;
	runrec r;
	run_sched(x, &s, &r);
	if (r.invalid) {
		x->ninvalid += mine;
		runrec_free(&r);
		return;
	}
	if (mine)
		tally(x, r.key, &s, 1);
	if (next->keep) {
		if (next->n == next->cap) {
			next->cap = next->cap ? next->cap * 2 : 64;
			next->v = xrealloc(next->v,
					   (size_t)next->cap * sizeof *next->v);
		}
		node *c = &next->v[next->n++];
		c->s = s;
		c->r = r;
		c->pruned_as = -1;
	} else {
		runrec_free(&r);
	}
}

static void level_free(level *l)
{
	for (int i = 0; i < l->n; i++)
		runrec_free(&l->v[i].r);
	free(l->v);
	memset(l, 0, sizeof *l);
}

/* Run every schedule. 0, or 2 with a message (a limit). */
static int explore(explorer *x)
{
	level cur = {0}, next = {0};
	cur.v = xrealloc(NULL, sizeof *cur.v);
	cur.n = cur.cap = 1;
	node *root = &cur.v[0];
	memset(root, 0, sizeof *root);
	root->s.seq = x->nsched++;
	root->pruned_as = -1;
	run_sched(x, &root->s, &root->r);
	if (x->nshards <= 1 || x->shard == 1)
		tally(x, root->r.key, &root->s, 1);
	for (int d = 1; d <= x->depth; d++) {
		uint64_t cnt = 0;
		for (int i = 0; i < cur.n; i++)
			cnt += children(x, &cur.v[i], NULL, NULL);
		if (x->nsched + cnt > x->max_sched) {
			fprintf(
			    stderr,
			    "tcpsim explore: %s: depth %d has %" PRIu64
			    " schedules of %d faults (%" PRIu64
			    " in all), more than --max-schedules %" PRIu64 "\n",
			    x->path, d, cnt, d, x->nsched + cnt, x->max_sched);
			level_free(&cur);
			return 2;
		}
		next.keep = d < x->depth;
		for (int i = 0; i < cur.n; i++)
			children(x, &cur.v[i], visit, &next);
		level_free(&cur);
		cur = next;
		memset(&next, 0, sizeof next);
	}
	level_free(&cur);
	return 0;
}

/* ---- Output ---- */

static int cmp_out(const void *a, const void *b)
{
	const outcome *p = a, *q = b;
	return sched_less(&p->min, &q->min) ? -1 : sched_less(&q->min, &p->min);
}

static void to_wsched(const explorer *x, const sched *s, wsched *w)
{
	memset(w, 0, sizeof *w);
	w->n = s->n;
	w->seq = s->seq;
	for (int i = 0; i < s->n; i++) {
		w->f[i].pl = s->f[i].pl;
		format_fault(x, &s->f[i], w->f[i].text, sizeof w->f[i].text);
	}
}

static void put_time(FILE *o, ts_time t)
{
	fprintf(o, "%" PRId64 ".%06" PRId64, t / 1000000, t % 1000000);
}

/* The trace TEXT of T with schedule W's lines added at their places; the
 * line after them, when its time is relative, is written with its
 * absolute time, so that it keeps its meaning. */
static void write_schedule(FILE *o, const char *text, size_t len,
			   const ts_trace *t, const wsched *w)
{
	place pl[MAX_DEPTH];
	int ord[MAX_DEPTH], ks[MAX_DEPTH];
	for (int i = 0; i < w->n; i++)
		pl[i] = w->f[i].pl;
	place_order(t, pl, w->n, ord, ks);
	int lineno = 1, oi = 0, ti = 0;
	size_t pos = 0;
	while (pos < len) {
		size_t end = pos;
		while (end < len && text[end] != '\n')
			end++;
		if (end < len)
			end++;
		int added = 0;
		if (ti < t->nstmts && t->stmts[ti].line == lineno) {
			for (; oi < w->n && ks[ord[oi]] == ti; oi++) {
				const wfault *f = &w->f[ord[oi]];
				put_time(o, place_time(t, &f->pl));
				fprintf(o, " %s\n", f->text);
				added = 1;
			}
			ti++;
		}
		size_t s = pos;
		while (s < end && (text[s] == ' ' || text[s] == '\t'))
			s++;
		if (added && s < end && text[s] == '+') {
			/* the time token, written as the absolute time */
			size_t e = s;
			while (e < end && text[e] != ' ' && text[e] != '\t')
				e++;
			put_time(o, t->stmts[ti - 1].at);
			fwrite(text + e, 1, end - e, o);
		} else {
			fwrite(text + pos, 1, end - pos, o);
		}
		if (end == len && text[end - 1] != '\n')
			fputc('\n', o);
		pos = end;
		lineno++;
	}
	for (; oi < w->n; oi++) {
		const wfault *f = &w->f[ord[oi]];
		put_time(o, place_time(t, &f->pl));
		fprintf(o, " %s\n", f->text);
	}
}

static void json_str(FILE *o, const char *s, size_t n)
{
	fputc('"', o);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			fprintf(o, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", o);
		else if (c == '\t')
			fputs("\\t", o);
		else if (c < 0x20)
			fprintf(o, "\\u%04x", c);
		else
			fputc(c, o);
	}
	fputc('"', o);
}

/* ---- The report, from the outcomes (a run's, or merged shards') ---- */

typedef struct result {
	char *trace_path;
	int depth;
	char faults[64];
	uint64_t nsched, nrun, npruned, ninvalid;
	int nouts;
	struct rout {
		char *key;
		uint64_t count;
		wsched min;
	} * outs;
} result;

/* --where: every term must hold. A term is [HOST:]errno=ENAME,
 * [HOST:]sigpipe, [HOST:]blocked, [HOST:]rst, [HOST:]state=STATE, held or
 * failed (the expectations), and ! before a term negates it. */
static int line_host_is(const char *l, const char *host)
{
	size_t n = strlen(host);
	return !host[0] || (!strncmp(l, host, n) && l[n] == ' ');
}

static int term_holds(const char *key, const char *term)
{
	char host[64] = "";
	const char *c = strchr(term, ':');
	if (c && (size_t)(c - term) < sizeof host) {
		memcpy(host, term, (size_t)(c - term));
		host[c - term] = 0;
		term = c + 1;
	}
	if (!strcmp(term, "held") || !strcmp(term, "failed")) {
		const char *e = strstr(key, "\nexpectations ");
		int failed = e && !strstr(e, " 0 failed\n");
		return failed == !strcmp(term, "failed");
	}
	for (const char *l = key; *l;) {
		const char *nl = strchr(l, '\n');
		size_t n = nl ? (size_t)(nl - l) : strlen(l);
		char line[512];
		if (n >= sizeof line)
			n = sizeof line - 1;
		memcpy(line, l, n);
		line[n] = 0;
		l += n + (nl != NULL);
		const char *rest;
		if (!strncmp(line, "call ", 5) &&
		    line_host_is(line + 5, host)) {
			rest = line + 5;
			if (!strncmp(term, "errno=", 6)) {
				char pat[64];
				snprintf(pat, sizeof pat, "= -1 %s", term + 6);
				const char *m = strstr(rest, pat);
				if (m && (m[strlen(pat)] == 0 ||
					  m[strlen(pat)] == ' '))
					return 1;
			} else if (!strcmp(term, "sigpipe")) {
				if (strstr(rest, " +SIGPIPE"))
					return 1;
			} else if (!strcmp(term, "blocked")) {
				if (strstr(rest, " blocks for good"))
					return 1;
			}
		} else if (!strncmp(line, "rst ", 4) && !strcmp(term, "rst") &&
			   line_host_is(line + 4, host)) {
			return 1;
		} else if (!strncmp(line, "final ", 6) &&
			   !strncmp(term, "state=", 6) &&
			   line_host_is(line + 6, host)) {
			char pat[64];
			snprintf(pat, sizeof pat, " %s", term + 6);
			const char *m = strstr(line + 6, pat);
			if (m && (m[strlen(pat)] == 0 || m[strlen(pat)] == ' '))
				return 1;
		}
	}
	return 0;
}

static int known_term(const char *term)
{
	if (*term == '!')
		term++;
	const char *c = strchr(term, ':');
	if (c)
		term = c + 1;
	return !strncmp(term, "errno=", 6) || !strcmp(term, "sigpipe") ||
	       !strcmp(term, "blocked") || !strcmp(term, "rst") ||
	       !strncmp(term, "state=", 6) || !strcmp(term, "held") ||
	       !strcmp(term, "failed");
}

static int where_holds(const char *key, const char *expr)
{
	char e[512];
	snprintf(e, sizeof e, "%s", expr);
	for (char *sv, *tok = strtok_r(e, " ,", &sv); tok;
	     tok = strtok_r(NULL, " ,", &sv)) {
		int neg = *tok == '!';
		if (term_holds(key, tok + neg) == neg)
			return 0;
	}
	return 1;
}

static int where_check(const char *expr)
{
	char e[512];
	snprintf(e, sizeof e, "%s", expr);
	for (char *sv, *tok = strtok_r(e, " ,", &sv); tok;
	     tok = strtok_r(NULL, " ,", &sv))
		if (!known_term(tok)) {
			fprintf(
			    stderr,
			    "tcpsim explore: --where: unknown term '%s' "
			    "(expected [HOST:]errno=ENAME, [HOST:]sigpipe, "
			    "[HOST:]blocked, [HOST:]rst, "
			    "[HOST:]state=STATE, held, failed; ! negates)\n",
			    tok);
			return -1;
		}
	return 0;
}

static void write_json(FILE *o, const result *res, const char *shard,
		       const char *where)
{
	fputs("{\"trace\":", o);
	json_str(o, res->trace_path, strlen(res->trace_path));
	fprintf(o, ",\"depth\":%d,\"faults\":\"%s\",\"shard\":\"%s\"",
		res->depth, res->faults, shard);
	fprintf(o,
		",\"schedules\":%" PRIu64 ",\"run\":%" PRIu64
		",\"pruned\":%" PRIu64 ",\"not_applicable\":%" PRIu64
		",\"outcomes\":[",
		res->nsched, res->nrun, res->npruned, res->ninvalid);
	int first = 1;
	for (int i = 0; i < res->nouts; i++) {
		const struct rout *r = &res->outs[i];
		if (where && !where_holds(r->key, where))
			continue;
		fprintf(o,
			"%s\n{\"outcome\":%d,\"count\":%" PRIu64
			",\"schedule\":{\"seq\":%" PRIu64 ",\"faults\":[",
			first ? "" : ",", i + 1, r->count, r->min.seq);
		first = 0;
		for (int j = 0; j < r->min.n; j++) {
			const place *pl = &r->min.f[j].pl;
			fprintf(o,
				"%s{\"place\":\"%s\",\"at_us\":%" PRId64
				",\"src_line\":%d,\"line\":",
				j ? "," : "", place_names[pl->how], pl->at,
				pl->line);
			json_str(o, r->min.f[j].text, strlen(r->min.f[j].text));
			fputc('}', o);
		}
		fputs("]},\"facts\":[", o);
		const char *l = r->key;
		int fj = 0;
		while (*l) {
			const char *nl = strchr(l, '\n');
			size_t n = nl ? (size_t)(nl - l) : strlen(l);
			fputs(fj++ ? "," : "", o);
			json_str(o, l, n);
			l += n + (nl != NULL);
		}
		fputs("]}", o);
	}
	fputs("\n]}\n", o);
}

static void write_text(FILE *o, const result *res, const char *text, size_t len,
		       const ts_trace *t, const char *where, int brief)
{
	fprintf(o, "# tcpsim explore: %s, depth %d, faults %s\n",
		res->trace_path, res->depth, res->faults);
	/* how many runs it took is in the JSON only: shards run the
	 * schedules that lead to theirs again */
	fprintf(o,
		"# %" PRIu64 " schedules (%" PRIu64 " pruned, %" PRIu64
		" not applicable), %d outcomes\n",
		res->nsched, res->npruned, res->ninvalid, res->nouts);
	for (int i = 0; i < res->nouts; i++) {
		const struct rout *r = &res->outs[i];
		if (where && !where_holds(r->key, where))
			continue;
		fprintf(o, "\noutcome %d: %" PRIu64 " schedule%s\n", i + 1,
			r->count, r->count == 1 ? "" : "s");
		const char *l = r->key;
		while (*l) {
			const char *nl = strchr(l, '\n');
			size_t n = nl ? (size_t)(nl - l) : strlen(l);
			fprintf(o, "  %.*s\n", (int)n, l);
			l += n + (nl != NULL);
		}
		if (!r->min.n) {
			fputs("  smallest schedule: the trace as written\n", o);
			continue;
		}
		fprintf(o, "  smallest schedule (%d fault%s):\n", r->min.n,
			r->min.n == 1 ? "" : "s");
		for (int j = 0; j < r->min.n; j++) {
			fputs("    ", o);
			put_time(o, place_time(t, &r->min.f[j].pl));
			fprintf(o, " %s\n", r->min.f[j].text);
		}
		if (brief)
			continue;
		fprintf(o, "  --- the trace of this schedule ---\n");
		write_schedule(o, text, len, t, &r->min);
		fprintf(o, "  ---\n");
	}
}

/* ---- Reading shards back (--merge): the JSON write_json makes ---- */

typedef struct jp {
	const char *s, *end;
	const char *file;
	int err;
} jp;

static void jws(jp *p)
{
	while (p->s < p->end && (*p->s == ' ' || *p->s == '\n' ||
				 *p->s == '\t' || *p->s == '\r'))
		p->s++;
}

static int jfail(jp *p, const char *what)
{
	if (!p->err)
		fprintf(stderr,
			"%s: not a shard of tcpsim explore --json: %s\n",
			p->file, what);
	p->err = 1;
	return -1;
}

static int jlit(jp *p, char c)
{
	jws(p);
	if (p->s < p->end && *p->s == c) {
		p->s++;
		return 0;
	}
	char m[32];
	snprintf(m, sizeof m, "expected '%c'", c);
	return jfail(p, m);
}

static int jpeek(jp *p, char c)
{
	jws(p);
	return p->s < p->end && *p->s == c;
}

static char *jstr(jp *p)
{
	if (jlit(p, '"') < 0)
		return NULL;
	buf b = {0};
	while (p->s < p->end && *p->s != '"') {
		char c = *p->s++;
		if (c == '\\' && p->s < p->end) {
			char e = *p->s++;
			if (e == 'n')
				c = '\n';
			else if (e == 't')
				c = '\t';
			else if (e == 'u' && p->end - p->s >= 4) {
				char h[5] = {0};
				memcpy(h, p->s, 4);
				c = (char)strtol(h, NULL, 16);
				p->s += 4;
			} else
				c = e;
		}
		if (buf_put(&b, &c, 1) < 0)
			die_oom();
	}
	if (p->s >= p->end) {
		free(b.p);
		jfail(p, "unterminated string");
		return NULL;
	}
	p->s++;
	if (!b.p)
		b.p = strdup("");
	return b.p;
}

static int jint(jp *p, int64_t *v)
{
	jws(p);
	char *e;
	long long x = strtoll(p->s, &e, 10);
	if (e == p->s || e > p->end)
		return jfail(p, "expected a number");
	p->s = e;
	*v = x;
	return 0;
}

/* "NAME": */
static int jkey(jp *p, const char *name)
{
	char *k = jstr(p);
	if (!k)
		return -1;
	int ok = !strcmp(k, name);
	free(k);
	if (!ok) {
		char m[64];
		snprintf(m, sizeof m, "expected \"%s\"", name);
		return jfail(p, m);
	}
	return jlit(p, ':');
}

static int jkey_int(jp *p, const char *name, int64_t *v)
{
	return jkey(p, name) < 0 ? -1 : jint(p, v);
}

/* One shard's file into RES; its outcomes added to the table of X. */
static int read_shard(explorer *x, const char *file, result *res, int first,
		      char *shard_out, size_t shard_cap)
{
	FILE *f = fopen(file, "rb");
	if (!f) {
		fprintf(stderr, "tcpsim explore: %s: cannot open\n", file);
		return -1;
	}
	buf b = {0};
	char tmp[65536];
	size_t n;
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		if (buf_put(&b, tmp, n) < 0)
			die_oom();
	fclose(f);
	jp p = {.s = b.p ? b.p : "", .end = b.p ? b.p + b.n : "", .file = file};
	int64_t v, depth, nsched, nrun, npruned, ninv;
	char *trace = NULL, *faults = NULL, *shard = NULL;
	if (jlit(&p, '{') < 0 || jkey(&p, "trace") < 0 || !(trace = jstr(&p)) ||
	    jlit(&p, ',') < 0 || jkey_int(&p, "depth", &depth) < 0 ||
	    jlit(&p, ',') < 0 || jkey(&p, "faults") < 0 ||
	    !(faults = jstr(&p)) || jlit(&p, ',') < 0 ||
	    jkey(&p, "shard") < 0 || !(shard = jstr(&p)) || jlit(&p, ',') < 0 ||
	    jkey_int(&p, "schedules", &nsched) < 0 || jlit(&p, ',') < 0 ||
	    jkey_int(&p, "run", &nrun) < 0 || jlit(&p, ',') < 0 ||
	    jkey_int(&p, "pruned", &npruned) < 0 || jlit(&p, ',') < 0 ||
	    jkey_int(&p, "not_applicable", &ninv) < 0 || jlit(&p, ',') < 0 ||
	    jkey(&p, "outcomes") < 0 || jlit(&p, '[') < 0)
		goto bad;
	if (first) {
		res->trace_path = trace;
		trace = NULL;
		res->depth = (int)depth;
		snprintf(res->faults, sizeof res->faults, "%s", faults);
		res->nsched = (uint64_t)nsched;
		snprintf(shard_out, shard_cap, "%s", shard);
	} else if (strcmp(res->trace_path, trace) || res->depth != depth ||
		   strcmp(res->faults, faults) ||
		   res->nsched != (uint64_t)nsched) {
		fprintf(stderr,
			"tcpsim explore: %s: a shard of another exploration "
			"(trace, depth, faults or schedules differ)\n",
			file);
		goto bad;
	}
	res->nrun += (uint64_t)nrun;
	res->npruned += (uint64_t)npruned;
	res->ninvalid += (uint64_t)ninv;
	while (!jpeek(&p, ']')) {
		if (jpeek(&p, ','))
			p.s++;
		int64_t count, seq;
		if (jlit(&p, '{') < 0 || jkey_int(&p, "outcome", &v) < 0 ||
		    jlit(&p, ',') < 0 || jkey_int(&p, "count", &count) < 0 ||
		    jlit(&p, ',') < 0 || jkey(&p, "schedule") < 0 ||
		    jlit(&p, '{') < 0 || jkey_int(&p, "seq", &seq) < 0 ||
		    jlit(&p, ',') < 0 || jkey(&p, "faults") < 0 ||
		    jlit(&p, '[') < 0)
			goto bad;
		wsched w;
		memset(&w, 0, sizeof w);
		w.seq = (uint64_t)seq;
		while (!jpeek(&p, ']')) {
			if (jpeek(&p, ','))
				p.s++;
			int64_t at, sl;
			char *line, *how;
			if (w.n == MAX_DEPTH || jlit(&p, '{') < 0 ||
			    jkey(&p, "place") < 0 || !(how = jstr(&p)))
				goto bad;
			int hw = -1;
			for (int k = 0; k < 3; k++)
				if (!strcmp(how, place_names[k]))
					hw = k;
			free(how);
			if (hw < 0 || jlit(&p, ',') < 0 ||
			    jkey_int(&p, "at_us", &at) < 0 ||
			    jlit(&p, ',') < 0 ||
			    jkey_int(&p, "src_line", &sl) < 0 ||
			    jlit(&p, ',') < 0 || jkey(&p, "line") < 0 ||
			    !(line = jstr(&p)))
				goto bad;
			w.f[w.n].pl =
			    (place){.how = hw,
				    .at = at,
				    .line = (int)sl,
				    .host = strncmp(line, "net:", 4) != 0};
			snprintf(w.f[w.n].text, sizeof w.f[w.n].text, "%s",
				 line);
			w.n++;
			free(line);
			if (jlit(&p, '}') < 0)
				goto bad;
		}
		p.s++;
		if (jlit(&p, '}') < 0 || jlit(&p, ',') < 0 ||
		    jkey(&p, "facts") < 0 || jlit(&p, '[') < 0)
			goto bad;
		buf key = {0};
		while (!jpeek(&p, ']')) {
			if (jpeek(&p, ','))
				p.s++;
			char *fact = jstr(&p);
			if (!fact) {
				free(key.p);
				goto bad;
			}
			buf_puts(&key, fact);
			buf_puts(&key, "\n");
			free(fact);
		}
		p.s++;
		if (jlit(&p, '}') < 0) {
			free(key.p);
			goto bad;
		}
		/* into the table: the schedules are compared as written */
		int found = -1;
		for (int i = 0; i < res->nouts; i++)
			if (!strcmp(res->outs[i].key, key.p ? key.p : "")) {
				found = i;
				break;
			}
		if (found < 0) {
			res->outs =
			    xrealloc(res->outs, (size_t)(res->nouts + 1) *
						    sizeof *res->outs);
			found = res->nouts++;
			res->outs[found].key = key.p ? key.p : strdup("");
			res->outs[found].count = 0;
			res->outs[found].min = w;
		} else {
			free(key.p);
			const wsched *m = &res->outs[found].min;
			if (w.n < m->n || (w.n == m->n && w.seq < m->seq))
				res->outs[found].min = w;
		}
		res->outs[found].count += (uint64_t)count;
	}
	(void)x;
	free(trace);
	free(faults);
	free(shard);
	free(b.p);
	return 0;
bad:
	jfail(&p, "unexpected content");
	free(trace);
	free(faults);
	free(shard);
	free(b.p);
	return -1;
}

static int cmp_rout(const void *a, const void *b)
{
	const struct rout *p = a, *q = b;
	if (p->min.n != q->min.n)
		return p->min.n < q->min.n ? -1 : 1;
	return p->min.seq < q->min.seq ? -1 : p->min.seq > q->min.seq;
}

/* ---- The command ---- */

/* The call lines of X's trace, by line. */
static void setup_calls(explorer *x)
{
	const ts_trace *t = x->trace;
	for (int i = 0; i < t->nstmts; i++)
		if (t->stmts[i].line > x->maxline)
			x->maxline = t->stmts[i].line;
	x->call_index =
	    xrealloc(NULL, (size_t)(x->maxline + 1) * sizeof *x->call_index);
	for (int i = 0; i <= x->maxline; i++)
		x->call_index[i] = -1;
	for (int i = 0; i < t->nstmts; i++)
		if (t->stmts[i].kind == TS_STMT_CALL)
			x->call_index[t->stmts[i].line] = x->ncalls++;
	x->res = xrealloc(NULL, (size_t)(x->ncalls + 1) * sizeof *x->res);
	x->ctext = xrealloc(NULL, (size_t)(x->ncalls + 1) * sizeof *x->ctext);
	for (int i = 0, c = 0; i < t->nstmts; i++)
		if (t->stmts[i].kind == TS_STMT_CALL) {
			char ct[128], line[192];
			tcpsim_call_text(&t->stmts[i].u.call, ct, sizeof ct);
			snprintf(line, sizeof line, "call %s %s",
				 host_name(x, t->stmts[i].host), ct);
			x->ctext[c] = strdup(line);
			if (!x->ctext[c++])
				die_oom();
		}
	x->next_dir = xrealloc(NULL, (size_t)t->nhosts * (size_t)t->nhosts *
					 sizeof *x->next_dir);
}

static void explorer_free(explorer *x)
{
	for (int i = 0; i < x->nouts; i++)
		free(x->outs[i].key);
	free(x->outs);
	free(x->slots);
	free(x->stmts);
	free(x->call_index);
	free(x->res);
	for (int i = 0; i < x->ncalls; i++)
		free(x->ctext[i]);
	free(x->ctext);
	free(x->next_dir);
	free(x->finals.p);
	free(x->fails.p);
	if (x->trace)
		ts_trace_free(x->trace);
	free(x->text);
}

/* --verify: the smallest schedule of each outcome, written as a trace,
 * read back and run, gives that outcome. 0, or -1 with the first that
 * does not on stderr. */
static int verify_schedules(explorer *x)
{
	for (int i = 0; i < x->nouts; i++) {
		wsched w;
		to_wsched(x, &x->outs[i].min, &w);
		char *text = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&text, &len);
		if (!m)
			die_oom();
		write_schedule(m, x->text, x->len, x->trace, &w);
		if (fclose(m) != 0)
			die_oom();
		explorer y;
		memset(&y, 0, sizeof y);
		y.path = x->path;
		y.so = x->so;
		y.text = text;
		y.len = len;
		ts_error e;
		y.trace = ts_trace_parse(x->path, text, len, &e);
		if (!y.trace) {
			fprintf(stderr,
				"tcpsim explore: %s: --verify: the schedule of "
				"outcome %d does not read: %d:%d: %s\n",
				x->path, i + 1, e.line, e.col, e.msg);
			free(text);
			return -1;
		}
		setup_calls(&y);
		sched none;
		memset(&none, 0, sizeof none);
		runrec r;
		run_sched(&y, &none, &r);
		int same = !strcmp(r.key, x->outs[i].key);
		if (!same)
			fprintf(stderr,
				"tcpsim explore: %s: --verify: the schedule of "
				"outcome %d gives another outcome:\n%s",
				x->path, i + 1, r.key);
		runrec_free(&r);
		explorer_free(&y);
		if (!same)
			return -1;
	}
	return 0;
}

static void usage(FILE *o)
{
	fputs("usage: tcpsim explore TRACE [--depth K] [--faults LIST] "
	      "[--json] [--where EXPR]\n"
	      "                      [--no-prune] [--max-schedules N] "
	      "[--shard I/N] [--schedule N]\n"
	      "                      [--brief] [--verify] [--max-time DUR] "
	      "[--max-events N]\n"
	      "       tcpsim explore --merge [--json] [--where EXPR] "
	      "FILE...\n"
	      "Runs TRACE under every schedule of up to K faults (default "
	      "1) and reports\n"
	      "the distinct outcomes: how many schedules lead to each, and "
	      "the smallest\n"
	      "one, as a trace. LIST: drop,dup,delay,crash,kill (default "
	      "all).\n"
	      "--schedule N writes the smallest schedule of outcome N as a "
	      "trace.\n"
	      "See doc/explore.md.\n",
	      o);
}

static int parse_u64(const char *s, uint64_t *out)
{
	if (!*s)
		return -1;
	uint64_t v = 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

/* "90", "90s", "1500ms", "250us": microseconds. */
static int parse_dur(const char *s, int64_t *out)
{
	size_t n = strspn(s, "0123456789");
	if (!n || n > 12)
		return -1;
	char num[16];
	memcpy(num, s, n);
	num[n] = 0;
	uint64_t v;
	if (parse_u64(num, &v) < 0)
		return -1;
	const char *u = s + n;
	if (!*u || !strcmp(u, "s"))
		v *= 1000000;
	else if (!strcmp(u, "ms"))
		v *= 1000;
	else if (strcmp(u, "us"))
		return -1;
	*out = (int64_t)v;
	return 0;
}

static int read_file(const char *path, char **text, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "tcpsim explore: %s: cannot open\n", path);
		return -1;
	}
	buf b = {0};
	char tmp[65536];
	size_t n;
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		if (buf_put(&b, tmp, n) < 0)
			die_oom();
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		fprintf(stderr, "tcpsim explore: %s: cannot read\n", path);
		free(b.p);
		return -1;
	}
	*text = b.p ? b.p : strdup("");
	*len = b.n;
	return *text ? 0 : -1;
}

static ts_trace *load_trace(const char *path, char **text, size_t *len)
{
	if (read_file(path, text, len) < 0)
		return NULL;
	ts_error e;
	ts_trace *t = ts_trace_parse(path, *text, *len, &e);
	if (!t) {
		fprintf(stderr, "%s:%d:%d: %s\n", e.file, e.line, e.col, e.msg);
		free(*text);
		*text = NULL; /* the caller's explorer_free() frees it too */
		return NULL;
	}
	return t;
}

int ts_explore_main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"depth", required_argument, NULL, 'd'},
	    {"faults", required_argument, NULL, 'f'},
	    {"json", no_argument, NULL, 'j'},
	    {"where", required_argument, NULL, 'w'},
	    {"no-prune", no_argument, NULL, 'P'},
	    {"max-schedules", required_argument, NULL, 'm'},
	    {"shard", required_argument, NULL, 's'},
	    {"merge", no_argument, NULL, 'M'},
	    {"schedule", required_argument, NULL, 'S'},
	    {"max-time", required_argument, NULL, 't'},
	    {"max-events", required_argument, NULL, 'e'},
	    {"verify", no_argument, NULL, 'V'},
	    {"brief", no_argument, NULL, 'b'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	explorer x;
	memset(&x, 0, sizeof x);
	x.depth = 1;
	x.ops = (1u << F_NOPS) - 1;
	x.prune = 1;
	x.max_sched = DEF_MAX_SCHED;
	x.shard = x.nshards = 1;
	x.so.max_time = TS_SEC(10000000);
	x.so.max_events = 100000000;
	int json = 0, merge = 0, verify = 0, brief = 0;
	uint64_t want_sched = 0;
	const char *where = NULL;
	char shard[32] = "1/1";
	char faults[64] = "drop,dup,delay,crash,kill";
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		uint64_t v;
		switch (opt) {
		case 'd':
			if (parse_u64(optarg, &v) < 0 || v > MAX_DEPTH) {
				fprintf(stderr,
					"tcpsim explore: --depth: expected 0 "
					"to %d, got '%s'\n",
					MAX_DEPTH, optarg);
				return 2;
			}
			x.depth = (int)v;
			break;
		case 'f': {
			char l[128];
			snprintf(l, sizeof l, "%s", optarg);
			x.ops = 0;
			for (char *sv, *tok = strtok_r(l, ",", &sv); tok;
			     tok = strtok_r(NULL, ",", &sv)) {
				int k;
				for (k = 0; k < F_NOPS; k++)
					if (!strcmp(tok, fop_names[k]))
						break;
				if (k == F_NOPS) {
					fprintf(stderr,
						"tcpsim explore: --faults: "
						"unknown fault '%s' (expected "
						"drop, dup, delay, crash, "
						"kill)\n",
						tok);
					return 2;
				}
				x.ops |= 1u << k;
			}
			if (!x.ops) {
				fputs("tcpsim explore: --faults: empty\n",
				      stderr);
				return 2;
			}
			/* written in one order, whatever the order given */
			faults[0] = 0;
			for (int k = 0; k < F_NOPS; k++)
				if (x.ops & 1u << k) {
					if (faults[0])
						strcat(faults, ",");
					strcat(faults, fop_names[k]);
				}
			break;
		}
		case 'j':
			json = 1;
			break;
		case 'w':
			where = optarg;
			if (where_check(where) < 0)
				return 2;
			break;
		case 'P':
			x.prune = 0;
			break;
		case 'm':
			if (parse_u64(optarg, &x.max_sched) < 0 ||
			    !x.max_sched) {
				fprintf(stderr,
					"tcpsim explore: --max-schedules: not "
					"a positive number: '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 's': {
			unsigned i, n;
			char c;
			if (sscanf(optarg, "%u/%u%c", &i, &n, &c) != 2 || !n ||
			    !i || i > n || n > 1000000) {
				fprintf(stderr,
					"tcpsim explore: --shard: expected "
					"I/N with 1 <= I <= N, got '%s'\n",
					optarg);
				return 2;
			}
			x.shard = (int)i;
			x.nshards = (int)n;
			snprintf(shard, sizeof shard, "%u/%u", i, n);
			break;
		}
		case 'M':
			merge = 1;
			break;
		case 'S':
			if (parse_u64(optarg, &want_sched) < 0 || !want_sched) {
				fprintf(stderr,
					"tcpsim explore: --schedule: expected "
					"an outcome's number, got '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 't':
			if (parse_dur(optarg, &x.so.max_time) < 0 ||
			    x.so.max_time <= 0) {
				fprintf(stderr,
					"tcpsim explore: --max-time: not a "
					"duration: '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'e':
			if (parse_u64(optarg, &x.so.max_events) < 0 ||
			    !x.so.max_events) {
				fprintf(stderr,
					"tcpsim explore: --max-events: not a "
					"positive number: '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'V':
			verify = 1;
			break;
		case 'b':
			brief = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	result res;
	memset(&res, 0, sizeof res);
	int status = 0;
	if (x.nshards > 1 && !json && !merge) {
		fputs("tcpsim explore: --shard: with --json (the shards are "
		      "merged with --merge)\n",
		      stderr);
		goto fail;
	}
	if (merge) {
		if (optind >= argc) {
			fputs("tcpsim explore: --merge: no shard file\n",
			      stderr);
			goto fail;
		}
		for (int i = optind; i < argc; i++)
			if (read_shard(&x, argv[i], &res, i == optind, shard,
				       sizeof shard) < 0)
				goto fail;
		qsort(res.outs, (size_t)res.nouts, sizeof *res.outs, cmp_rout);
		snprintf(shard, sizeof shard, "all");
		x.trace = load_trace(res.trace_path, &x.text, &x.len);
		if (!x.trace)
			goto fail;
	} else {
		if (optind + 1 != argc) {
			usage(stderr);
			goto fail;
		}
		x.path = argv[optind];
		x.trace = load_trace(x.path, &x.text, &x.len);
		if (!x.trace)
			goto fail;
		setup_calls(&x);
		if (explore(&x))
			goto fail;
		if (verify && verify_schedules(&x) < 0)
			goto fail;
		qsort(x.outs, (size_t)x.nouts, sizeof *x.outs, cmp_out);
		res.trace_path = strdup(x.path);
		res.depth = x.depth;
		snprintf(res.faults, sizeof res.faults, "%s", faults);
		res.nsched = x.nsched;
		res.nrun = x.nrun;
		res.npruned = x.npruned;
		res.ninvalid = x.ninvalid;
		res.nouts = x.nouts;
		res.outs =
		    xrealloc(NULL, (size_t)(x.nouts + 1) * sizeof *res.outs);
		for (int i = 0; i < x.nouts; i++) {
			res.outs[i].key = x.outs[i].key;
			res.outs[i].count = x.outs[i].count;
			to_wsched(&x, &x.outs[i].min, &res.outs[i].min);
		}
	}
	if (want_sched) {
		if (want_sched > (uint64_t)res.nouts) {
			fprintf(stderr,
				"tcpsim explore: --schedule %" PRIu64
				": there are %d outcomes\n",
				want_sched, res.nouts);
			goto fail;
		}
		write_schedule(stdout, x.text, x.len, x.trace,
			       &res.outs[want_sched - 1].min);
	} else if (json) {
		write_json(stdout, &res, shard, where);
	} else {
		write_text(stdout, &res, x.text, x.len, x.trace, where, brief);
	}
	if (where) {
		int any = 0;
		for (int i = 0; i < res.nouts; i++)
			any |= where_holds(res.outs[i].key, where);
		status = any ? 0 : 1;
	}
	if (fflush(stdout) != 0)
		status = 2;
	goto out;
fail:
	status = 2;
out:
	/* the keys are the explorer's, or (merged) the result's own */
	for (int i = 0; merge && i < res.nouts; i++)
		free(res.outs[i].key);
	free(res.outs);
	free(res.trace_path);
	explorer_free(&x);
	return status;
}
