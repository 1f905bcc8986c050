/*
 * run.c - plays a parsed packetdrill script (parse.c) against the model.
 * Second stage of the packetdrill pipeline.
 *
 * The model runs step by step (tcpsim_new, tcpsim_do): host "local" is the
 * stack under test, host "remote" the script, a host without a stack. The
 * runner walks the script's events in order, as packetdrill does:
 *
 *   - an inbound packet ("<") waits for its time and is injected, its
 *     relative sequence numbers mapped to the model's ("net: inject");
 *   - an outbound packet (">") takes the next segment the model sent to
 *     the peer (running the model's timers and deliveries until one comes
 *     or the wait times out), joins the segments of one TSO burst when the
 *     script expects more payload, maps it back to the script's numbers,
 *     and checks it field by field, then its options, then its time;
 *   - a system call waits for its time and runs as a line of the trace
 *     language; a call written START...END may block, and its return is
 *     checked when it comes, value, errno and time.
 *
 * The rules (relative sequence numbers, TS ecr mapping, tolerances, the
 * order of the checks and their words) are packetdrill's; the first
 * failure ends the run, as it ends packetdrill.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "base/errno_tab.h"
#include "pkt/pkt.h"

#define LOCAL  0 /* host indices */
#define REMOTE 1

/* Linux's poll bits, as the trace language's poll() returns them. */
#define POLL_OUT 0x004
#define POLL_ERR 0x008
#define POLL_HUP 0x010

/* A TCP option as the model's segment carries it on the wire. */
typedef struct wire_opt {
	uint8_t kind, len;
	uint8_t data[38];
} wire_opt;

/* A segment the model sent to the peer. */
typedef struct cap {
	tcpsim_segment seg;
	int64_t t;
	int doff; /* header length in 32-bit words */
	int nopt;
	wire_opt opt[40];
	uint32_t tsval; /* from the wire, when it has the option */
} sent;

typedef struct run {
	const ts_pkt_script *s;
	const ts_pkt_config *cfg;
	tcpsim_sim *sim;
	tcpsim_options user; /* the caller's report and observer */
	tcpsim_error *err;
	char *msg;
	size_t msglen;
	int verdict;
	int api_error; /* the model stopped: *err */

	/* Segments the model sent to the peer, not yet checked. */
	sent *caps;
	int ncaps, capcap, head;

	/* The connection under test: ports and initial sequence numbers
	 * (packetdrill's struct socket). */
	int lport, rport;
	int next_rport;
	int local_isn_known;
	uint32_t local_live_isn, local_script_isn;
	uint32_t remote_isn;
	/* Outbound TS val: script value -> live value, and the first
	 * pair, the base of the live -> script mapping. */
	int ts_first;
	uint32_t ts_first_script, ts_first_live;
	int nts, tscap;
	uint32_t (*tsmap)[2];

	/* The previous event and its time in the script's clock. */
	const ts_pkt_event *last;
	int64_t last_time;

	/* A call written START...END that blocks. */
	const ts_pkt_event *blk;
	int blk_line;
	int64_t blk_start, blk_end;
	int blk_done;
	int64_t blk_value;
	int blk_err;
	int64_t blk_ret;

	/* Script descriptors that name a socket of the model, and those
	 * that started a connection (connect, or a Fast Open sendto). */
	unsigned char fds[1024];
	unsigned char started[1024];
	/* The socket a %{ }% block reads: the last one made or accepted
	 * (packetdrill's socket under test); -1 none. */
	int under_test;
} run;

/* ---- messages ---- */

static void secs(char *buf, size_t cap, int64_t us)
{
	const char *sign = us < 0 ? "-" : "";
	if (us < 0)
		us = -us;
	snprintf(buf, cap, "%s%lld.%06lld", sign, (long long)(us / 1000000),
		 (long long)(us % 1000000));
}

__attribute__((format(printf, 3, 4))) static int fail(run *r, int line,
						      const char *fmt, ...)
{
	if (r->verdict != TCPSIM_OK)
		return -1;
	r->verdict = TCPSIM_FAILED;
	int n = snprintf(r->msg, r->msglen, "%s:%d: ", r->s->filename, line);
	if (n < 0 || (size_t)n >= r->msglen)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->msg + n, r->msglen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static int unsupported(run *r, int line, const char *what)
{
	if (r->verdict != TCPSIM_OK)
		return -1;
	r->verdict = TS_PKT_UNSUPPORTED;
	snprintf(r->msg, r->msglen, "%s:%d: unsupported: %s", r->s->filename,
		 line, what);
	return -1;
}

/* A %{ }% block: its asserts against the TCP_INFO of the socket under
 * test, now. */
static void run_code(run *r, const ts_pkt_event *e)
{
	tcpsim_tcp_info ti;
	char var[16], why[256];
	snprintf(var, sizeof var, "fd%d", r->under_test);
	/* a connection gone reads its state alone (TCP_CLOSE) */
	if (r->under_test < 0 ||
	    tcpsim_var_info(r->sim, "local", var, &ti) < 0) {
		fail(r, e->line,
		     "runtime error in python code: no socket to read "
		     "TCP_INFO from");
		return;
	}
	int v =
	    ts_pkt_code_eval(e->text, strlen(e->text), &ti, why, sizeof why);
	if (v == TS_PKT_CODE_FAILED)
		fail(r, e->line, "%s", why);
	else if (v == TS_PKT_CODE_UNSUPPORTED)
		unsupported(r, e->line, why);
}

/* The model could not run a line: the run stops with its error. */
static int model_error(run *r)
{
	if (r->verdict == TCPSIM_OK) {
		r->verdict = TCPSIM_ERROR;
		r->api_error = 1;
	}
	return -1;
}

static const char *errno_text(int e)
{
	const char *m = e ? ts_errno_msg((ts_errno)e) : "Success";
	return m ? m : "Unknown error";
}

/* ---- capture ---- */

/* The options of EV's segment as its packet carries them. */
static void wire_options(const tcpsim_event *ev, sent *c)
{
	unsigned char b[128];
	tcpsim_event copy = *ev;
	copy.u.seg.seg.len = 0; /* the header is enough */
	size_t n = tcpsim_event_packet(&copy, b, sizeof b);
	c->doff = 5;
	c->nopt = 0;
	if (n < 40)
		return;
	int thl = (b[32] >> 4) * 4;
	c->doff = thl / 4;
	for (int i = 40; i < 20 + thl && c->nopt < 40;) {
		wire_opt *o = &c->opt[c->nopt++];
		o->kind = b[i];
		if (b[i] == 0 || b[i] == 1) {
			o->len = 1;
			i++;
			continue;
		}
		o->len = i + 1 < 20 + thl ? b[i + 1] : 2;
		if (o->len < 2)
			o->len = 2;
		for (int k = 2; k < o->len && i + k < 20 + thl; k++)
			o->data[k - 2] = b[i + k];
		if (o->kind == 8 && o->len == 10)
			c->tsval = (uint32_t)o->data[0] << 24 |
				   (uint32_t)o->data[1] << 16 |
				   (uint32_t)o->data[2] << 8 | o->data[3];
		i += o->len;
	}
}

static void on_event(void *ctx, const tcpsim_event *ev)
{
	run *r = ctx;
	if (ev->kind == TCPSIM_EV_SEND && ev->u.seg.from == LOCAL &&
	    ev->u.seg.to == REMOTE) {
		if (r->ncaps == r->capcap) {
			int nc = r->capcap ? r->capcap * 2 : 16;
			sent *v = realloc(r->caps, (size_t)nc * sizeof *v);
			if (v) {
				r->caps = v;
				r->capcap = nc;
			}
		}
		if (r->ncaps < r->capcap) {
			sent *c = &r->caps[r->ncaps++];
			memset(c, 0, sizeof *c);
			c->seg = ev->u.seg.seg;
			c->t = ev->time_us;
			wire_options(ev, c);
		}
	}
	if (ev->kind == TCPSIM_EV_RETURN && r->blk && !r->blk_done &&
	    ev->line == r->blk_line) {
		r->blk_done = 1;
		r->blk_value = ev->u.call.value;
		r->blk_err = ev->u.call.err;
		r->blk_ret = ev->time_us;
	}
	if (r->user.event && (!r->user.event_mask ||
			      (r->user.event_mask & TCPSIM_EV_BIT(ev->kind))))
		r->user.event(r->user.event_ctx, ev);
}

/* ---- time ---- */

static int64_t now(const run *r)
{
	return tcpsim_now(r->sim);
}

/* packetdrill's tolerance: --tolerance_usecs, or a percentage of the time
 * since the event before, when that is larger. */
static int64_t tolerance(const run *r, int64_t t, int64_t last)
{
	int64_t tol = r->cfg->tolerance_us;
	if (last >= 0) {
		int64_t d = (t - last) * r->cfg->tolerance_percent_x10 / 1000;
		if (d > tol)
			tol = d;
	}
	return tol;
}

static int inbound(const ts_pkt_event *e)
{
	return e && e->kind == TS_PKT_PACKET && e->u.pkt.inbound;
}

/* When E is due: relative times count from the previous event's time
 * when both are inbound packets, else from now (packetdrill's
 * adjust_relative_event_times). */
static int64_t offset_of(const run *r, const ts_pkt_event *e)
{
	if (e->when == TS_PKT_ABS || e->when == TS_PKT_ABS_RANGE)
		return 0;
	if (inbound(r->last) && inbound(e))
		return r->last_time;
	return now(r);
}

/* Whether ACTUAL is in [T - tol, T_END + tol]: 0, or -1 after the
 * failure, worded as packetdrill's verify_time(). */
static int verify_time(run *r, const ts_pkt_event *e, int64_t t, int64_t t_end,
		       int64_t actual, int64_t last, const char *what)
{
	char a[32], b[32], c[32];
	if (e->when == TS_PKT_ANY)
		return 0;
	int64_t tol = tolerance(r, t, last);
	int range = e->when == TS_PKT_ABS_RANGE || e->when == TS_PKT_REL_RANGE;
	if (actual >= t - tol && actual <= (range ? t_end : t) + tol)
		return 0;
	secs(c, sizeof c, actual);
	if (range) {
		int64_t off = e->when == TS_PKT_REL_RANGE ? t - e->t_us : 0;
		secs(a, sizeof a, t - off);
		secs(b, sizeof b, t_end - off);
		if (e->when == TS_PKT_REL_RANGE) {
			secs(c, sizeof c, actual - off);
			return fail(r, e->line,
				    "timing error: expected %s in relative "
				    "time range +%s~+%s sec but happened at "
				    "%s%s sec",
				    what, a, b, actual >= off ? "+" : "", c);
		}
		return fail(r, e->line,
			    "timing error: expected %s in time range %s~%s "
			    "sec but happened at %s sec",
			    what, a, b, c);
	}
	secs(a, sizeof a, t);
	secs(b, sizeof b, tol);
	return fail(r, e->line,
		    "timing error: expected %s at %s sec but happened at %s "
		    "sec; tolerance %s sec",
		    what, a, c, b);
}

/* The blocked call returned: check it as packetdrill's syscall thread
 * does, result first, then the time. */
static int check_result(run *r, const ts_pkt_event *e, int64_t value, int err);

static int check_blocked(run *r)
{
	if (!r->blk || !r->blk_done)
		return 0;
	const ts_pkt_event *e = r->blk;
	r->blk = NULL;
	if (check_result(r, e, r->blk_value, r->blk_err) < 0)
		return -1;
	return verify_time(r, e, r->blk_end, r->blk_end, r->blk_ret,
			   r->blk_start, "system call return");
}

/* Let the model run until T; the lines at T come next. */
static int wait_until(run *r, int64_t t)
{
	int64_t n = now(r);
	if (t > n && tcpsim_advance(r->sim, t - n, r->err) != TCPSIM_OK)
		return model_error(r);
	return check_blocked(r);
}

/* An event due at T that comes when the model's clock is past it: late,
 * as packetdrill's wait_for_event() finds it after oversleeping. */
static int check_late(run *r, const ts_pkt_event *e, int64_t t,
		      const char *what)
{
	if (now(r) > t + tolerance(r, t, r->last ? r->last_time : -1))
		return verify_time(r, e, t, t, now(r),
				   r->last ? r->last_time : -1, what);
	return 0;
}

/* The next segment the model sends to the peer, running its events until
 * one comes: 1 and *OUT, or 0 when none comes by DEADLINE (-1: none). */
static int next_capture(run *r, int64_t deadline, sent *out)
{
	for (;;) {
		if (r->head < r->ncaps) {
			*out = r->caps[r->head++];
			if (r->head == r->ncaps)
				r->head = r->ncaps = 0;
			/* packetdrill sniffs the socket under test only
			 * (find_socket_for_live_packet), or a SYN of the
			 * connect() it awaits: a FIN of a socket closed
			 * before is not the script's to see. */
			const tcpsim_segment *g = &out->seg;
			if (r->lport
				? g->sport != r->lport || g->dport != r->rport
				: (g->flags & (TCPSIM_SYN | TCPSIM_ACK)) !=
				      TCPSIM_SYN)
				continue;
			return 1;
		}
		int64_t t = ts_api_next_event(r->sim);
		if (t < 0 || (deadline >= 0 && t > deadline))
			return 0;
		if (ts_api_run_to(r->sim, t, r->err) != TCPSIM_OK)
			return model_error(r);
		if (check_blocked(r) < 0)
			return -1;
	}
}

/* ---- sequence numbers and timestamps ---- */

static void ts_map_set(run *r, uint32_t script, uint32_t live)
{
	for (int i = 0; i < r->nts; i++)
		if (r->tsmap[i][0] == script) {
			r->tsmap[i][1] = live;
			return;
		}
	if (r->nts == r->tscap) {
		int nc = r->tscap ? r->tscap * 2 : 16;
		uint32_t(*v)[2] = realloc(r->tsmap, (size_t)nc * sizeof *v);
		if (!v)
			return;
		r->tsmap = v;
		r->tscap = nc;
	}
	r->tsmap[r->nts][0] = script;
	r->tsmap[r->nts][1] = live;
	r->nts++;
}

static int ts_map_get(const run *r, uint32_t script, uint32_t *live)
{
	for (int i = 0; i < r->nts; i++)
		if (r->tsmap[i][0] == script) {
			*live = r->tsmap[i][1];
			return 0;
		}
	return -1;
}

/* A new connection under test: ports and sequence numbers are learnt
 * again (packetdrill's socket_under_test). */
static void new_flow(run *r, int lport, int rport)
{
	r->lport = lport;
	r->rport = rport;
	r->local_isn_known = 0;
	r->remote_isn = 0;
	r->ts_first = 0;
	r->nts = 0;
}

/* ---- inbound packets ---- */

static void put(char *buf, size_t cap, size_t *n, const char *fmt, ...)
{
	if (*n >= cap)
		return;
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(buf + *n, cap - *n, fmt, ap);
	va_end(ap);
	if (k > 0)
		*n += (size_t)k;
}

static int do_inbound(run *r, const ts_pkt_event *e)
{
	const ts_pkt_packet *pk = &e->u.pkt;
	int syn = pk->flags & TCPSIM_SYN;
	if (!pk->flags)
		return unsupported(r, e->line,
				   "a segment without flags ('-'): the trace "
				   "language injects segments with flags");
	if (syn && !(pk->flags & TCPSIM_ACK)) {
		if (!r->rport)
			new_flow(r, r->cfg->bind_port, r->next_rport++);
		r->remote_isn = pk->seq;
	} else if (syn) {
		r->remote_isn = pk->seq;
	}
	if (!r->lport || !r->rport)
		return fail(r, e->line,
			    "error handling packet: no matching socket for "
			    "script packet");
	uint32_t seq = syn ? pk->seq : pk->seq + r->remote_isn;
	uint32_t ack_off = 0;
	if (r->local_isn_known)
		ack_off = syn ? r->local_live_isn - r->local_script_isn
			      : r->local_live_isn;
	uint32_t ack = pk->has_ack ? pk->ack : 0;
	if (pk->flags & TCPSIM_ACK)
		ack += ack_off;
	char line[512];
	size_t n = 0;
	put(line, sizeof line, &n, "net: inject remote:%d>local:%d ", r->rport,
	    r->lport);
	static const struct {
		uint8_t bit;
		const char *name;
	} names[] = {{TCPSIM_SYN, "SYN"},
		     {TCPSIM_FIN, "FIN"},
		     {TCPSIM_RST, "RST"},
		     {TCPSIM_PSH, "PSH"},
		     {TCPSIM_ACK, "ACK"}};
	const char *sep = "";
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (pk->flags & names[i].bit) {
			put(line, sizeof line, &n, "%s%s", sep, names[i].name);
			sep = "|";
		}
	put(line, sizeof line, &n, " seq %u ack %u len %u win %d", seq, ack,
	    pk->len, pk->win);
	int have[TS_PKT_OPT_FOEXP + 1] = {0};
	for (int i = 0; i < pk->nopts; i++) {
		const ts_pkt_opt *o = &pk->opts[i];
		if (o->kind != TS_PKT_OPT_NOP && o->kind != TS_PKT_OPT_EOL &&
		    have[o->kind]++)
			return unsupported(r, e->line,
					   "an option listed twice in one "
					   "segment");
		switch (o->kind) {
		case TS_PKT_OPT_NOP:
		case TS_PKT_OPT_EOL:
			/* Padding: where it goes on the wire follows from
			 * the options present. */
			break;
		case TS_PKT_OPT_MSS:
			if (!o->a)
				return unsupported(r, e->line, "mss 0");
			put(line, sizeof line, &n, " mss %u", o->a);
			break;
		case TS_PKT_OPT_SACKOK:
			put(line, sizeof line, &n, " sackOK");
			break;
		case TS_PKT_OPT_WSCALE:
			if (o->a > 14)
				return unsupported(r, e->line,
						   "a window scale above 14");
			put(line, sizeof line, &n, " wscale %u", o->a);
			break;
		case TS_PKT_OPT_TS: {
			uint32_t ecr = o->b;
			if (pk->flags & TCPSIM_ACK) {
				/* The echo names an outbound TS val: the
				 * live value sent for it. */
				if (ts_map_get(r, o->b, &ecr) < 0)
					return fail(
					    r, e->line,
					    "error handling packet: unable "
					    "to infer live TS ecr for script "
					    "TS ecr %u;  no matching or "
					    "preceding outbound TS val",
					    o->b);
			}
			put(line, sizeof line, &n, " ts %u %u", o->a, ecr);
			break;
		}
		case TS_PKT_OPT_SACK:
			put(line, sizeof line, &n, " sack");
			for (int k = 0; k < o->nsack; k++)
				put(line, sizeof line, &n, " %u:%u",
				    o->sack[k][0] + ack_off,
				    o->sack[k][1] + ack_off);
			break;
		case TS_PKT_OPT_FO:
		case TS_PKT_OPT_FOEXP:
			if (have[TS_PKT_OPT_FO] + have[TS_PKT_OPT_FOEXP] > 1)
				return unsupported(r, e->line,
						   "an option listed twice in "
						   "one segment");
			put(line, sizeof line, &n, " %s",
			    o->kind == TS_PKT_OPT_FO ? "fo" : "foexp");
			if (o->a)
				put(line, sizeof line, &n, " ");
			for (uint32_t k = 0; k < o->a; k++)
				put(line, sizeof line, &n, "%02x",
				    o->cookie[k]);
			break;
		}
	}
	if (tcpsim_do(r->sim, line, NULL, r->err) == TCPSIM_ERROR)
		return model_error(r);
	/* The segment arrives at once (the link has no delay) and is
	 * taken before the script's next event, as a tun device hands an
	 * injected packet to the stack before the write returns. */
	if (ts_api_run_to(r->sim, now(r), r->err) != TCPSIM_OK)
		return model_error(r);
	return check_blocked(r);
}

/* ---- outbound packets ---- */

static size_t fmt_flags(char *b, size_t cap, uint8_t f)
{
	size_t n = 0;
	if (f & TCPSIM_FIN)
		put(b, cap, &n, "F");
	if (f & TCPSIM_SYN)
		put(b, cap, &n, "S");
	if (f & TCPSIM_RST)
		put(b, cap, &n, "R");
	if (f & TCPSIM_PSH)
		put(b, cap, &n, "P");
	if (f & TCPSIM_ACK)
		put(b, cap, &n, ".");
	if (!f)
		put(b, cap, &n, "-");
	return n;
}

/* The script's packet, as packetdrill prints one. */
static void fmt_script(char *b, size_t cap, const ts_pkt_packet *pk)
{
	size_t n = fmt_flags(b, cap, pk->flags);
	put(b, cap, &n, " %u:%u(%u)", pk->seq, pk->seq + pk->len, pk->len);
	if (pk->flags & TCPSIM_ACK)
		put(b, cap, &n, " ack %u", pk->ack);
	if (pk->win >= 0)
		put(b, cap, &n, " win %d", pk->win);
	if (pk->opts_any) {
		put(b, cap, &n, " <...>");
		return;
	}
	for (int i = 0; i < pk->nopts; i++) {
		const ts_pkt_opt *o = &pk->opts[i];
		put(b, cap, &n, i ? "," : " <");
		switch (o->kind) {
		case TS_PKT_OPT_NOP:
			put(b, cap, &n, "nop");
			break;
		case TS_PKT_OPT_EOL:
			put(b, cap, &n, "eol");
			break;
		case TS_PKT_OPT_MSS:
			put(b, cap, &n, "mss %u", o->a);
			break;
		case TS_PKT_OPT_SACKOK:
			put(b, cap, &n, "sackOK");
			break;
		case TS_PKT_OPT_WSCALE:
			put(b, cap, &n, "wscale %u", o->a);
			break;
		case TS_PKT_OPT_TS:
			put(b, cap, &n, "TS val %u ecr %u", o->a, o->b);
			break;
		case TS_PKT_OPT_SACK:
			put(b, cap, &n, "sack");
			for (int k = 0; k < o->nsack; k++)
				put(b, cap, &n, " %u:%u", o->sack[k][0],
				    o->sack[k][1]);
			break;
		case TS_PKT_OPT_FO:
		case TS_PKT_OPT_FOEXP:
			put(b, cap, &n,
			    o->kind == TS_PKT_OPT_FO ? "FO" : "FOEXP");
			if (o->a)
				put(b, cap, &n, " ");
			for (uint32_t k = 0; k < o->a; k++)
				put(b, cap, &n, "%02x", o->cookie[k]);
			break;
		}
	}
	if (pk->nopts)
		put(b, cap, &n, ">");
}

static uint32_t get32(const uint8_t *d)
{
	return (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 |
	       (uint32_t)d[2] << 8 | d[3];
}

/* The model's packet, mapped into the script's numbers. */
static void fmt_actual(char *b, size_t cap, const sent *c, uint32_t seq,
		       uint32_t ack, uint32_t sack_off, uint32_t tsval)
{
	size_t n = fmt_flags(b, cap, c->seg.flags);
	put(b, cap, &n, " %u:%u(%u)", seq, seq + c->seg.len, c->seg.len);
	if (c->seg.flags & TCPSIM_ACK)
		put(b, cap, &n, " ack %u", ack);
	put(b, cap, &n, " win %u", c->seg.win);
	for (int i = 0; i < c->nopt; i++) {
		const wire_opt *o = &c->opt[i];
		put(b, cap, &n, i ? "," : " <");
		switch (o->kind) {
		case 0:
			put(b, cap, &n, "eol");
			break;
		case 1:
			put(b, cap, &n, "nop");
			break;
		case 2:
			put(b, cap, &n, "mss %u", o->data[0] << 8 | o->data[1]);
			break;
		case 3:
			put(b, cap, &n, "wscale %u", o->data[0]);
			break;
		case 4:
			put(b, cap, &n, "sackOK");
			break;
		case 5:
			put(b, cap, &n, "sack");
			for (int k = 0; k + 8 <= o->len - 2; k += 8)
				put(b, cap, &n, " %u:%u",
				    get32(o->data + k) - sack_off,
				    get32(o->data + k + 4) - sack_off);
			break;
		case 8:
			put(b, cap, &n, "TS val %u ecr %u", tsval,
			    get32(o->data + 4));
			break;
		case TCPSIM_FO:
		case TCPSIM_FO_EXP: {
			int skip = o->kind == TCPSIM_FO_EXP ? 2 : 0;
			put(b, cap, &n, o->kind == TCPSIM_FO ? "FO" : "FOEXP");
			if (o->len > 2 + skip)
				put(b, cap, &n, " ");
			for (int k = skip; k < o->len - 2; k++)
				put(b, cap, &n, "%02x", o->data[k]);
			break;
		}
		default:
			put(b, cap, &n, "kind %u", o->kind);
			break;
		}
	}
	if (c->nopt)
		put(b, cap, &n, ">");
}

static int check_field(run *r, const ts_pkt_event *e, const char *name,
		       uint32_t want, uint32_t got)
{
	if (want == got)
		return 0;
	return fail(r, e->line,
		    "error handling packet: live packet field %s: expected: "
		    "%u (0x%x) vs actual: %u (0x%x)",
		    name, want, want, got, got);
}

/* The script's options' length on the wire. */
static int script_opts_len(const ts_pkt_packet *pk)
{
	int n = 0;
	for (int i = 0; i < pk->nopts; i++)
		switch (pk->opts[i].kind) {
		case TS_PKT_OPT_NOP:
		case TS_PKT_OPT_EOL:
			n += 1;
			break;
		case TS_PKT_OPT_MSS:
			n += 4;
			break;
		case TS_PKT_OPT_SACKOK:
			n += 2;
			break;
		case TS_PKT_OPT_WSCALE:
			n += 3;
			break;
		case TS_PKT_OPT_TS:
			n += 10;
			break;
		case TS_PKT_OPT_SACK:
			n += 2 + 8 * pk->opts[i].nsack;
			break;
		case TS_PKT_OPT_FO:
			n += 2 + (int)pk->opts[i].a;
			break;
		case TS_PKT_OPT_FOEXP:
			n += 4 + (int)pk->opts[i].a;
			break;
		}
	return n;
}

static const uint8_t optkind[] = {[TS_PKT_OPT_NOP] = 1,
				  [TS_PKT_OPT_EOL] = 0,
				  [TS_PKT_OPT_MSS] = 2,
				  [TS_PKT_OPT_SACKOK] = 4,
				  [TS_PKT_OPT_WSCALE] = 3,
				  [TS_PKT_OPT_TS] = 8,
				  [TS_PKT_OPT_SACK] = 5,
				  [TS_PKT_OPT_FO] = TCPSIM_FO,
				  [TS_PKT_OPT_FOEXP] = TCPSIM_FO_EXP};

/* The options, kind by kind in order (packetdrill's
 * verify_outbound_live_tcp_options). */
static int check_options(run *r, const ts_pkt_event *e, const sent *c,
			 uint32_t sack_off, uint32_t tsval, int64_t t)
{
	const ts_pkt_packet *pk = &e->u.pkt;
	if (pk->opts_any)
		return 0;
	if (pk->nopts != c->nopt)
		return fail(r, e->line,
			    "error handling packet: bad outbound TCP options");
	for (int i = 0; i < pk->nopts; i++) {
		const ts_pkt_opt *so = &pk->opts[i];
		const wire_opt *ao = &c->opt[i];
		if (optkind[so->kind] != ao->kind)
			return fail(r, e->line,
				    "error handling packet: bad "
				    "outbound TCP options");
		uint32_t want = 0, got = 0;
		int bad = 0, badlen = 0;
		switch (so->kind) {
		case TS_PKT_OPT_NOP:
		case TS_PKT_OPT_EOL:
			break;
		case TS_PKT_OPT_TS: {
			/* TS val is checked only against a clock tick
			 * (--tcp_ts_tick_usecs); TS ecr never. */
			int64_t tol = r->cfg->tolerance_us;
			int64_t dyn = t * r->cfg->tolerance_percent_x10 / 1000;
			if (dyn > tol)
				tol = dyn;
			int32_t d = (int32_t)(tsval - so->a);
			if (d < 0)
				d = -d;
			if (r->cfg->ts_tick_us &&
			    (int64_t)d * r->cfg->ts_tick_us > tol)
				return fail(r, e->line,
					    "error handling packet: bad "
					    "outbound TCP timestamp value, "
					    "tolerance %lld",
					    (long long)tol);
			break;
		}
		case TS_PKT_OPT_MSS:
			want = so->a;
			got = (uint32_t)(ao->data[0] << 8 | ao->data[1]);
			badlen = ao->len != 4;
			bad = badlen || want != got;
			break;
		case TS_PKT_OPT_WSCALE:
			want = so->a;
			got = ao->data[0];
			badlen = ao->len != 3;
			bad = badlen || want != got;
			break;
		case TS_PKT_OPT_SACKOK:
			bad = badlen = ao->len != 2;
			break;
		case TS_PKT_OPT_FO:
		case TS_PKT_OPT_FOEXP: {
			/* the length, the magic of kind 254, the cookie */
			int skip = so->kind == TS_PKT_OPT_FOEXP ? 2 : 0;
			bad = badlen = ao->len != 2 + skip + (int)so->a;
			if (!bad && skip)
				bad =
				    ao->data[0] != 0xF9 || ao->data[1] != 0x89;
			if (!bad)
				bad =
				    memcmp(ao->data + skip, so->cookie, so->a);
			break;
		}
		case TS_PKT_OPT_SACK:
			bad = badlen = ao->len != 2 + 8 * so->nsack;
			for (int k = 0; !bad && k < so->nsack; k++)
				bad = get32(ao->data + 8 * k) - sack_off !=
					  so->sack[k][0] ||
				      get32(ao->data + 8 * k + 4) - sack_off !=
					  so->sack[k][1];
			break;
		}
		if (bad) {
			char sb[400], ab[400];
			fmt_script(sb, sizeof sb, pk);
			fmt_actual(ab, sizeof ab, c, 0, 0, sack_off, tsval);
			return fail(r, e->line,
				    "error handling packet: bad %s in "
				    "outbound TCP option (kind=%u): "
				    "expected: %s actual: %s",
				    badlen ? "length" : "value",
				    optkind[so->kind], sb, ab);
		}
	}
	return 0;
}

static int do_outbound(run *r, const ts_pkt_event *e, int64_t t, int64_t t_end)
{
	const ts_pkt_packet *pk = &e->u.pkt;
	/* Wait as packetdrill sniffs: until the expected time and two
	 * seconds more (whole seconds), or for ever for '*'. */
	int64_t deadline = -1;
	if (e->when != TS_PKT_ANY) {
		int64_t off = (t_end > t ? t_end : t) - now(r);
		if (off < 0)
			off = 0;
		deadline = now(r) + (off / 1000000 + 2) * 1000000;
	}
	sent c;
	int got = next_capture(r, deadline, &c);
	if (got < 0)
		return -1;
	if (!got)
		return fail(r, e->line,
			    "error handling packet: Timed out "
			    "waiting for packet");
	/* A TSO burst: the segments sent one after the other, joined
	 * until they carry the payload the script expects. */
	uint32_t total = c.seg.len;
	while (total < pk->len) {
		sent n;
		got = next_capture(r, deadline, &n);
		if (got < 0)
			return -1;
		if (!got)
			break;
		if (n.seg.seq != c.seg.seq + total ||
		    (n.seg.flags & ~(TCPSIM_PSH | TCPSIM_FIN)) !=
			(c.seg.flags & ~(TCPSIM_PSH | TCPSIM_FIN)) ||
		    n.seg.ack != c.seg.ack || (c.seg.flags & TCPSIM_FIN)) {
			char ab[200];
			size_t k = fmt_flags(ab, sizeof ab, n.seg.flags);
			snprintf(ab + k, sizeof ab - k, " seq %u len %u",
				 n.seg.seq, n.seg.len);
			return fail(r, e->line,
				    "error handling packet: live packet "
				    "payload: expected %u bytes vs actual %u "
				    "bytes (the next segment, %s, does not "
				    "continue them)",
				    pk->len, total, ab);
		}
		total += n.seg.len;
		c.seg.flags |= n.seg.flags & (TCPSIM_PSH | TCPSIM_FIN);
		c.seg.win = n.seg.win;
	}
	if (total != pk->len)
		return fail(r, e->line,
			    "error handling packet: live packet payload: "
			    "expected %u bytes vs actual %u bytes",
			    pk->len, total);
	c.seg.len = total;

	/* Into the script's numbers. */
	int syn = c.seg.flags & TCPSIM_SYN;
	if (syn && !r->local_isn_known) {
		r->local_isn_known = 1;
		r->local_live_isn = c.seg.seq;
		r->local_script_isn = pk->seq;
		if (!r->lport || (syn && !(c.seg.flags & TCPSIM_ACK))) {
			r->lport = c.seg.sport;
			r->rport = c.seg.dport;
		}
	}
	uint32_t seq = c.seg.seq, ack = c.seg.ack;
	if (r->local_isn_known)
		seq -= syn ? r->local_live_isn - r->local_script_isn
			   : r->local_live_isn;
	uint32_t sack_off = syn ? 0 : r->remote_isn;
	if (c.seg.flags & TCPSIM_ACK)
		ack -= sack_off;
	uint32_t tsval = c.tsval;
	int has_ts = 0;
	for (int i = 0; i < c.nopt; i++)
		has_ts |= c.opt[i].kind == 8;
	int64_t script_t = e->when == TS_PKT_ANY ? now(r) : t;
	for (int i = 0; has_ts && i < pk->nopts; i++)
		if (pk->opts[i].kind == TS_PKT_OPT_TS) {
			ts_map_set(r, pk->opts[i].a, c.tsval);
			if (!r->ts_first) {
				r->ts_first = 1;
				r->ts_first_script = pk->opts[i].a;
				r->ts_first_live = c.tsval;
			}
		}
	if (r->ts_first)
		tsval = r->ts_first_script + (c.tsval - r->ts_first_live);

	/* The header, as packetdrill's verify_tcp() orders its checks. */
	int sdoff =
	    5 + (pk->opts_any ? c.doff - 5 : (script_opts_len(pk) + 3) / 4);
	if (check_field(r, e, "ipv4_total_length",
			(uint32_t)(20 + sdoff * 4) + pk->len,
			(uint32_t)(20 + c.doff * 4) + c.seg.len) < 0 ||
	    check_field(r, e, "tcp_data_offset", (uint32_t)sdoff,
			(uint32_t)c.doff) < 0 ||
	    check_field(r, e, "tcp_fin", !!(pk->flags & TCPSIM_FIN),
			!!(c.seg.flags & TCPSIM_FIN)) < 0 ||
	    check_field(r, e, "tcp_syn", !!(pk->flags & TCPSIM_SYN),
			!!(c.seg.flags & TCPSIM_SYN)) < 0 ||
	    check_field(r, e, "tcp_rst", !!(pk->flags & TCPSIM_RST),
			!!(c.seg.flags & TCPSIM_RST)) < 0 ||
	    check_field(r, e, "tcp_psh", !!(pk->flags & TCPSIM_PSH),
			!!(c.seg.flags & TCPSIM_PSH)) < 0 ||
	    check_field(r, e, "tcp_ack", !!(pk->flags & TCPSIM_ACK),
			!!(c.seg.flags & TCPSIM_ACK)) < 0 ||
	    check_field(r, e, "tcp_seq", pk->seq, seq) < 0 ||
	    check_field(r, e, "tcp_ack_seq", pk->has_ack ? pk->ack : 0,
			(c.seg.flags & TCPSIM_ACK) ? ack : 0) < 0 ||
	    (pk->win >= 0 && check_field(r, e, "tcp_window", (uint32_t)pk->win,
					 c.seg.win) < 0) ||
	    check_options(r, e, &c, sack_off, tsval, script_t) < 0 ||
	    verify_time(r, e, t, t_end, c.t, r->last ? r->last_time : -1,
			"outbound packet") < 0) {
		char sb[400], ab[400], st[32], at[32];
		fmt_script(sb, sizeof sb, pk);
		fmt_actual(ab, sizeof ab, &c, seq, ack, sack_off, tsval);
		secs(st, sizeof st, script_t);
		secs(at, sizeof at, c.t);
		size_t n = strlen(r->msg);
		snprintf(r->msg + n, r->msglen - n,
			 "\nscript packet: %9s %s\nactual packet: %9s %s", st,
			 sb, at, ab);
		return -1;
	}
	return 0;
}

/* ---- system calls ---- */

static int check_result(run *r, const ts_pkt_event *e, int64_t value, int err)
{
	const ts_pkt_call *c = &e->u.call;
	int check_fd = !strcmp(c->name, "socket") || !strcmp(c->name, "accept");
	if (check_fd && c->result >= 0) {
		if (value < 0)
			return fail(r, e->line,
				    "runtime error in %s call: Expected "
				    "non-negative result but got %lld with "
				    "errno %d (%s)",
				    c->name, (long long)value, err,
				    errno_text(err));
	} else if (value != c->result) {
		if (value < 0)
			return fail(r, e->line,
				    "runtime error in %s call: Expected "
				    "result %lld but got %lld with errno %d "
				    "(%s)",
				    c->name, (long long)c->result,
				    (long long)value, err, errno_text(err));
		return fail(r, e->line,
			    "runtime error in %s call: Expected result %lld "
			    "but got %lld",
			    c->name, (long long)c->result, (long long)value);
	}
	if (c->err[0]) {
		int want = ts_errno_lookup(c->err, (int)strlen(c->err));
		if (want != err)
			return fail(r, e->line,
				    "runtime error in %s call: Expected errno "
				    "%d (%s) but got %d (%s)",
				    c->name, want, errno_text(want), err,
				    errno_text(err));
	}
	return 0;
}

static int has_name(const ts_pkt_arg *a, const char *n)
{
	for (int i = 0; a->kind == TS_PKT_ARG_NAMES && i < a->nnames; i++)
		if (!strcmp(a->names[i], n))
			return 1;
	return 0;
}

/* Script descriptor argument I of call C: 0 and *FD, or -1 after the
 * failure. */
static int fd_arg(run *r, const ts_pkt_event *e, int i, int *fd)
{
	const ts_pkt_call *c = &e->u.call;
	if (i >= c->nargs || c->args[i].kind != TS_PKT_ARG_INT)
		return unsupported(r, e->line,
				   "a descriptor that is not a number");
	int64_t v = c->args[i].value;
	if (v < 0 || v >= (int64_t)sizeof r->fds || !r->fds[v])
		return fail(r, e->line,
			    "runtime error in %s call: bad script fd %lld",
			    c->name, (long long)v);
	*fd = (int)v;
	return 0;
}

static int int_arg(run *r, const ts_pkt_event *e, int i, int64_t *v)
{
	const ts_pkt_call *c = &e->u.call;
	if (i < c->nargs && (c->args[i].kind == TS_PKT_ARG_INT ||
			     c->args[i].kind == TS_PKT_ARG_LIST)) {
		*v = c->args[i].value;
		return 0;
	}
	char b[96];
	snprintf(b, sizeof b, "argument %d of %s() in this form", i + 1,
		 c->name);
	return unsupported(r, e->line, b);
}

/* MSG_* flags of send/recv as the trace language writes them: 0, or 1
 * with the flag that has no counterpart in WHY. */
static int msg_flags(const ts_pkt_arg *a, char *out, size_t cap, char *why,
		     size_t whylen)
{
	size_t n = 0;
	out[0] = '\0';
	if (a->kind == TS_PKT_ARG_INT && a->value == 0) {
		put(out, cap, &n, "0");
		return 0;
	}
	if (a->kind != TS_PKT_ARG_NAMES) {
		snprintf(why, whylen, "send/recv flags in this form");
		return 1;
	}
	for (int i = 0; i < a->nnames; i++) {
		if (strcmp(a->names[i], "MSG_NOSIGNAL") &&
		    strcmp(a->names[i], "MSG_DONTWAIT") &&
		    strcmp(a->names[i], "MSG_PEEK") &&
		    strcmp(a->names[i], "MSG_FASTOPEN")) {
			snprintf(why, whylen, "the flag %s", a->names[i]);
			return 1;
		}
		put(out, cap, &n, "%s%s", i ? "|" : "", a->names[i]);
	}
	return 0;
}

/* Run LINE on the model now: 0 with *RES, or -1. */
static int model_call(run *r, const char *line, tcpsim_result *res)
{
	if (tcpsim_do(r->sim, line, res, r->err) == TCPSIM_ERROR)
		return model_error(r);
	return 0;
}

/* A call whose buffer is NULL fails with EFAULT where Linux copies bytes
 * (tcp_sendmsg_locked, tcp_recvmsg_locked): when the socket has room to
 * write, or bytes to read. The runner asks the model (poll, a peek), and
 * answers EFAULT itself then: 1. Else the call runs as any other: 0. */
static int null_buffer(run *r, int fd, int reading, int *efault)
{
	char line[96];
	tcpsim_result res;
	*efault = 0;
	if (reading)
		snprintf(line, sizeof line,
			 "local: recv(fd%d, 1, MSG_PEEK|MSG_DONTWAIT)", fd);
	else
		snprintf(line, sizeof line, "local: poll(fd%d, POLLOUT, 0)",
			 fd);
	if (model_call(r, line, &res) < 0)
		return -1;
	if (reading)
		*efault = res.value > 0;
	else
		*efault = (res.value & POLL_OUT) &&
			  !(res.value & (POLL_ERR | POLL_HUP));
	return 0;
}

static int do_call(run *r, const ts_pkt_event *e, int64_t t)
{
	const ts_pkt_call *c = &e->u.call;
	const char *name = c->name;
	char line[256], why[160], flags[96];
	int fd = -1;
	int64_t v;
	line[0] = '\0';
	/* The calls answered by the runner: value and errno. */
	int answered = 0;
	int64_t value = 0;
	int err = 0;
	int binds = -1; /* the script descriptor the call makes */

	if (!strcmp(name, "socket")) {
		if (c->nargs != 3 || c->args[1].kind != TS_PKT_ARG_NAMES ||
		    !has_name(&c->args[1], "SOCK_STREAM"))
			return unsupported(r, e->line,
					   "sockets other than SOCK_STREAM");
		for (int i = 0; i < c->args[1].nnames; i++)
			if (strcmp(c->args[1].names[i], "SOCK_STREAM") &&
			    strcmp(c->args[1].names[i], "SOCK_NONBLOCK")) {
				snprintf(why, sizeof why, "the socket type %s",
					 c->args[1].names[i]);
				return unsupported(r, e->line, why);
			}
		const ts_pkt_arg *pr = &c->args[2];
		int tcp = (pr->kind == TS_PKT_ARG_INT && pr->value == 0) ||
			  has_name(pr, "IPPROTO_TCP");
		if (!tcp) {
			/* Linux inet_create(): no SOCK_STREAM protocol
			 * but TCP. */
			answered = 1;
			value = -1;
			err = TS_EPROTONOSUPPORT;
		} else {
			binds = c->result >= 0 ? (int)c->result : 1023;
			snprintf(line, sizeof line, "local: fd%d = socket()",
				 binds);
		}
	} else if (!strcmp(name, "bind")) {
		if (fd_arg(r, e, 0, &fd) < 0)
			return -1;
		snprintf(line, sizeof line, "local: bind(fd%d, %d)", fd,
			 r->cfg->bind_port);
	} else if (!strcmp(name, "listen")) {
		if (fd_arg(r, e, 0, &fd) < 0 || int_arg(r, e, 1, &v) < 0)
			return -1;
		new_flow(r, 0, 0);
		snprintf(line, sizeof line, "local: listen(fd%d, %lld)", fd,
			 (long long)v);
	} else if (!strcmp(name, "accept")) {
		if (fd_arg(r, e, 0, &fd) < 0)
			return -1;
		binds = c->result >= 0 ? (int)c->result : 1023;
		snprintf(line, sizeof line, "local: fd%d = accept(fd%d)", binds,
			 fd);
	} else if (!strcmp(name, "connect")) {
		if (fd_arg(r, e, 0, &fd) < 0)
			return -1;
		if (c->nargs > 1 && has_name(&c->args[1], "AF_UNSPEC")) {
			/* a disconnect: what follows is on the same flow,
			 * until the socket connects again */
			snprintf(line, sizeof line,
				 "local: connect(fd%d, AF_UNSPEC)", fd);
			r->started[fd] = 0;
		} else {
			if (!r->started[fd])
				new_flow(r, 0, 0);
			r->started[fd] = 1;
			snprintf(line, sizeof line,
				 "local: connect(fd%d, remote:%d)", fd,
				 r->cfg->connect_port);
		}
	} else if (!strcmp(name, "write") || !strcmp(name, "send") ||
		   !strcmp(name, "sendto") || !strcmp(name, "read") ||
		   !strcmp(name, "recv") || !strcmp(name, "recvfrom")) {
		int reading = name[0] == 'r';
		int plain = !strcmp(name, "write") || !strcmp(name, "read");
		if (fd_arg(r, e, 0, &fd) < 0 || int_arg(r, e, 2, &v) < 0)
			return -1;
		if (!plain) {
			if (c->nargs < 4 ||
			    msg_flags(&c->args[3], flags, sizeof flags, why,
				      sizeof why)) {
				if (c->nargs < 4)
					snprintf(why, sizeof why,
						 "%s() without flags", name);
				return unsupported(r, e->line, why);
			}
		}
		if (c->nargs > 1 && c->args[1].kind == TS_PKT_ARG_NULL && v) {
			int efault;
			if (null_buffer(r, fd, reading, &efault) < 0)
				return -1;
			if (efault) {
				answered = 1;
				value = -1;
				err = TS_EFAULT;
			}
		} else if (c->nargs > 1 &&
			   c->args[1].kind != TS_PKT_ARG_ELLIPSIS &&
			   c->args[1].kind != TS_PKT_ARG_NULL) {
			return unsupported(r, e->line,
					   "a buffer given as a value "
					   "(payload bytes are not modelled)");
		}
		if (plain) {
			snprintf(line, sizeof line, "local: %s(fd%d, %lld)",
				 reading ? "read" : "write", fd, (long long)v);
		} else if (!strcmp(name, "sendto")) {
			/* The address matters only to Fast Open (a
			 * connected socket ignores it): a new flow when
			 * it connects. */
			if (strstr(flags, "MSG_FASTOPEN") && !r->started[fd]) {
				new_flow(r, 0, 0);
				r->started[fd] = 1;
			}
			snprintf(line, sizeof line,
				 "local: sendto(fd%d, %lld, %s, remote:%d)", fd,
				 (long long)v, flags, r->cfg->connect_port);
		} else {
			snprintf(line, sizeof line, "local: %s(fd%d, %lld, %s)",
				 reading ? "recv" : "send", fd, (long long)v,
				 flags);
		}
	} else if (!strcmp(name, "shutdown")) {
		if (fd_arg(r, e, 0, &fd) < 0)
			return -1;
		if (c->nargs != 2 || c->args[1].kind != TS_PKT_ARG_NAMES ||
		    c->args[1].nnames != 1)
			return unsupported(r, e->line,
					   "shutdown() in this form");
		snprintf(line, sizeof line, "local: shutdown(fd%d, %s)", fd,
			 c->args[1].names[0]);
	} else if (!strcmp(name, "close")) {
		if (fd_arg(r, e, 0, &fd) < 0)
			return -1;
		snprintf(line, sizeof line, "local: close(fd%d)", fd);
	} else if (!strcmp(name, "fcntl")) {
		if (fd_arg(r, e, 0, &fd) < 0)
			return -1;
		if (c->nargs != 3 || !has_name(&c->args[1], "F_SETFL") ||
		    !has_name(&c->args[2], "O_NONBLOCK"))
			return unsupported(r, e->line,
					   "fcntl() other than F_SETFL with "
					   "O_NONBLOCK");
		snprintf(line, sizeof line, "local: fcntl(fd%d, O_NONBLOCK)",
			 fd);
	} else if (!strcmp(name, "setsockopt") || !strcmp(name, "getsockopt")) {
		int get = name[0] == 'g';
		if (fd_arg(r, e, 0, &fd) < 0)
			return -1;
		if (c->nargs != 5 || c->args[2].kind != TS_PKT_ARG_NAMES ||
		    c->args[2].nnames != 1)
			return unsupported(r, e->line,
					   "a socket option in this form");
		const char *opt = c->args[2].names[0];
		static const char *const sopts[] = {
		    "SO_REUSEADDR",  "SO_KEEPALIVE", "TCP_KEEPIDLE",
		    "TCP_KEEPINTVL", "TCP_KEEPCNT",  "TCP_USER_TIMEOUT",
		    "SO_SNDBUF",     "SO_RCVBUF",    "TCP_NODELAY",
		    "TCP_MAXSEG",    "TCP_FASTOPEN", "TCP_FASTOPEN_CONNECT",
		    "TCP_SYNCNT"};
		static const char *const gopts[] = {"SO_ERROR", "SO_SNDBUF",
						    "SO_RCVBUF", "TCP_NODELAY",
						    "TCP_MAXSEG"};
		int known = 0;
		if (get)
			for (size_t i = 0; i < sizeof gopts / sizeof gopts[0];
			     i++)
				known |= !strcmp(opt, gopts[i]);
		else
			for (size_t i = 0; i < sizeof sopts / sizeof sopts[0];
			     i++)
				known |= !strcmp(opt, sopts[i]);
		if (!known) {
			snprintf(why, sizeof why, "the socket option %s", opt);
			return unsupported(r, e->line, why);
		}
		if (int_arg(r, e, 3, &v) < 0)
			return -1;
		if (get)
			snprintf(line, sizeof line,
				 "local: getsockopt(fd%d, %s)", fd, opt);
		else
			snprintf(line, sizeof line,
				 "local: setsockopt(fd%d, %s, %lld)", fd, opt,
				 (long long)v);
	} else {
		snprintf(why, sizeof why, "the system call %s()", name);
		return unsupported(r, e->line, why);
	}

	if (answered) {
		if (check_result(r, e, value, err) < 0)
			return -1;
		return c->blocking
			   ? verify_time(r, e, r->blk_end, r->blk_end, now(r),
					 t, "system call return")
			   : 0;
	}
	tcpsim_result res;
	if (model_call(r, line, &res) < 0)
		return -1;
	if (binds >= 0) {
		r->fds[binds] = 1;
		r->started[binds] = 0;
		r->under_test = binds;
	}
	if (!res.done) {
		if (!c->blocking)
			return fail(r, e->line,
				    "runtime error in %s call: the call "
				    "blocked, and the script does not expect "
				    "it to (a blocking call is written "
				    "START...END)",
				    name);
		r->blk = e;
		r->blk_line = res.line;
		r->blk_done = 0;
		return 0;
	}
	value = res.value;
	err = res.errno_name
		  ? ts_errno_lookup(res.errno_name, (int)strlen(res.errno_name))
		  : 0;
	if (!strcmp(name, "getsockopt") && value >= 0) {
		/* The option's value comes back as the result; the call
		 * returns 0 and fills optval. */
		int64_t want = c->args[3].value;
		if (value != want)
			return fail(r, e->line,
				    "runtime error in getsockopt call: Bad "
				    "getsockopt optval: expected: %lld "
				    "actual: %lld",
				    (long long)want, (long long)value);
		value = 0;
	}
	if (check_result(r, e, value, err) < 0)
		return -1;
	if (c->blocking)
		return verify_time(r, e, r->blk_end, r->blk_end, now(r), t,
				   "system call return");
	return 0;
}

/* ---- the model ---- */

/* Settings of defaults.sh that tcpsim's knobs do not cover are Linux's
 * defaults or name what the model does not have (TSO, pacing, ECN,
 * RACK, CUBIC's choice): they are applied when the model has the knob. */
static const char *const defaults[][2] = {
    {"tcp_rmem", "4096 540000 15728640"},
    {"tcp_wmem", "4096 262144 4194304"},
    {"tcp_timestamps", "1"},
    {"tcp_sack", "1"},
    {"tcp_dsack", "1"},
    {"tcp_syn_retries", "5"},
    {"tcp_synack_retries", "5"},
    {"tcp_early_retrans", "4"},
    {"tcp_slow_start_after_idle", "0"},
    {"tcp_syncookies", "1"},
    {"tcp_frto", "2"},
    {"tcp_fack", "0"},
    {"tcp_reordering", "3"},
    {"tcp_recovery", "1"},
    {"tcp_tso_win_divisor", "3"},
    {"tcp_ecn", "0"},
    {"tcp_pacing_ss_ratio", "200"},
    {"tcp_pacing_ca_ratio", "120"},
    {"tcp_notsent_lowat", "4294967295"},
};

/* "set local NAME VALUE": 0 applied, 1 the model has no such knob, -1. */
static int set_knob(run *r, const char *name, const char *value)
{
	char decl[160], v[64];
	size_t n = 0;
	/* Hexadecimal values (0x602) in decimal, as the language reads
	 * them. */
	if (value[0] == '0' && (value[1] == 'x' || value[1] == 'X')) {
		snprintf(v, sizeof v, "%llu", strtoull(value, NULL, 16));
	} else if (!strcmp(name, "tcp_fastopen_key")) {
		/* Linux's a1a1a1a1-b2b2b2b2-c3c3c3c3-d4d4d4d4: four words
		 * in hexadecimal, the knob's four values in decimal */
		unsigned long w[4];
		char tail;
		if (sscanf(value, "%8lx-%8lx-%8lx-%8lx%c", &w[0], &w[1], &w[2],
			   &w[3], &tail) != 4)
			return 1;
		snprintf(v, sizeof v, "%lu %lu %lu %lu", w[0], w[1], w[2],
			 w[3]);
	} else {
		snprintf(v, sizeof v, "%s", value);
	}
	put(decl, sizeof decl, &n, "set local %s %s", name, v);
	tcpsim_error e;
	if (tcpsim_declare(r->sim, decl, &e) == TCPSIM_OK)
		return 0;
	if (!strncmp(e.message, "unknown knob", 12))
		return 1;
	*r->err = e;
	return model_error(r);
}

static int setup(run *r)
{
	char decl[96], a[16], b[16];
	const ts_pkt_config *cfg = r->cfg;
	snprintf(a, sizeof a, "%u.%u.%u.%u", cfg->local_ip >> 24,
		 cfg->local_ip >> 16 & 255, cfg->local_ip >> 8 & 255,
		 cfg->local_ip & 255);
	snprintf(b, sizeof b, "%u.%u.%u.%u", cfg->remote_ip >> 24,
		 cfg->remote_ip >> 16 & 255, cfg->remote_ip >> 8 & 255,
		 cfg->remote_ip & 255);
	const char *decls[3] = {decl, NULL, "link local remote delay 0"};
	char d2[96];
	snprintf(decl, sizeof decl, "host local %s", a);
	snprintf(d2, sizeof d2, "host remote %s nostack", b);
	decls[1] = d2;
	for (int i = 0; i < 3; i++)
		if (tcpsim_declare(r->sim, decls[i], r->err) != TCPSIM_OK)
			return model_error(r);
	if (r->s->defaults) {
		for (size_t i = 0; i < sizeof defaults / sizeof defaults[0];
		     i++)
			if (set_knob(r, defaults[i][0], defaults[i][1]) < 0)
				return -1;
		/* Fast Open: google's defaults.sh turns on the client, the
		 * server and every listener (0x70403), the kernel's the
		 * client and the server (0x3); both set the key. */
		if (set_knob(r, "tcp_fastopen",
			     r->s->defaults == 1 ? "0x70403" : "0x3") < 0 ||
		    set_knob(r, "tcp_fastopen_key",
			     "a1a1a1a1-b2b2b2b2-c3c3c3c3-d4d4d4d4") < 0)
			return -1;
	}
	for (int i = 0; i < r->s->nsysctls; i++) {
		const ts_pkt_sysctl *x = &r->s->sysctls[i];
		if (x->event >= 0)
			continue; /* set when its event runs */
		int k = set_knob(r, x->name, x->value);
		if (k < 0)
			return -1;
		if (k > 0) {
			char why[128];
			snprintf(why, sizeof why,
				 "the sysctl net.ipv4.%s (no such setting in "
				 "the model)",
				 x->name);
			return unsupported(r, x->line, why);
		}
	}
	/* packetdrill ignores SIGPIPE: a write that fails with EPIPE is
	 * only a result to check. */
	if (tcpsim_do(r->sim, "local: signal(SIGPIPE, SIG_IGN)", NULL,
		      r->err) != TCPSIM_OK)
		return model_error(r);
	return 0;
}

/* The sysctls of command event I, made now (a running kernel's). */
static int set_sysctls(run *r, int i)
{
	for (int k = 0; k < r->s->nsysctls; k++) {
		const ts_pkt_sysctl *x = &r->s->sysctls[k];
		if (x->event != i)
			continue;
		int64_t v[4];
		int n = 0;
		char msg[128];
		if (!strcmp(x->name, "tcp_fastopen_key")) {
			unsigned long w[4];
			char tail;
			if (sscanf(x->value, "%8lx-%8lx-%8lx-%8lx%c", &w[0],
				   &w[1], &w[2], &w[3], &tail) == 4)
				for (n = 0; n < 4; n++)
					v[n] = (int64_t)w[n];
		} else {
			char *end;
			v[0] = (int64_t)strtoll(x->value, &end, 0);
			n = *end || end == x->value ? 0 : 1;
		}
		int rc = n ? ts_api_set_knob(r->sim, LOCAL, x->name, v, n, msg,
					     sizeof msg)
			   : 1;
		if (rc) {
			char why[400];
			snprintf(why, sizeof why,
				 "the sysctl net.ipv4.%s=%s (%s)", x->name,
				 x->value,
				 rc > 0 ? "no such setting in the model" : msg);
			return unsupported(r, x->line, why);
		}
	}
	return 0;
}

int ts_pkt_run(const ts_pkt_script *s, const tcpsim_options *opts, char *msg,
	       size_t msglen, tcpsim_error *err)
{
	run r;
	memset(&r, 0, sizeof r);
	r.under_test = -1;
	r.s = s;
	r.cfg = &s->cfg;
	r.msg = msg;
	r.msglen = msglen;
	r.err = err;
	r.next_rport = 40000;
	msg[0] = '\0';
	memset(err, 0, sizeof *err);
	if (s->unsupported) {
		snprintf(msg, msglen, "%s:%d: unsupported: %s", s->filename,
			 s->unsup_line, s->unsupported);
		return TS_PKT_UNSUPPORTED;
	}
	tcpsim_options o;
	tcpsim_options_init(&o);
	if (opts) {
		o = *opts;
		r.user = *opts;
	}
	o.event = on_event;
	o.event_ctx = &r;
	o.event_mask = 0;
	r.sim = tcpsim_new(&o);
	if (!r.sim) {
		snprintf(err->message, sizeof err->message, "out of memory");
		return TCPSIM_ERROR;
	}
	if (setup(&r) == 0) {
		for (int i = 0; i < s->nevents && r.verdict == TCPSIM_OK; i++) {
			const ts_pkt_event *e = &s->events[i];
			int64_t off = offset_of(&r, e);
			int64_t t = off + e->t_us;
			int64_t t_end =
			    off + (e->when == TS_PKT_ABS_RANGE ||
					   e->when == TS_PKT_REL_RANGE
				       ? e->t_end_us
				       : e->t_us);
			switch (e->kind) {
			case TS_PKT_UNSUPPORTED_EV:
				unsupported(&r, e->line, e->text);
				break;
			case TS_PKT_COMMAND:
				/* Understood (parse.c makes any other an
				 * UNSUPPORTED_EV): a sysctl, set now, or
				 * without effect. */
				if (wait_until(&r, t) == 0 &&
				    check_late(&r, e, t, "command") == 0)
					set_sysctls(&r, i);
				break;
			case TS_PKT_CODE:
				if (wait_until(&r, t) == 0 &&
				    check_late(&r, e, t, "command") == 0)
					run_code(&r, e);
				break;
			case TS_PKT_PACKET:
				if (!e->u.pkt.inbound) {
					do_outbound(&r, e, t, t_end);
					break;
				}
				if (wait_until(&r, t) == 0 &&
				    check_late(&r, e, t, "inbound packet") == 0)
					do_inbound(&r, e);
				break;
			case TS_PKT_CALL:
				if (r.blk) {
					/* packetdrill waits up to a second
					 * for the blocked call. */
					int64_t lim = now(&r) + 1000000;
					while (r.blk &&
					       r.verdict == TCPSIM_OK) {
						int64_t nt =
						    ts_api_next_event(r.sim);
						if (nt < 0 || nt > lim)
							break;
						if (ts_api_run_to(r.sim, nt,
								  err) !=
						    TCPSIM_OK) {
							model_error(&r);
							break;
						}
						check_blocked(&r);
					}
					if (r.blk && e->u.call.blocking)
						fail(&r, e->line,
						     "runtime error in %s "
						     "call: blocking system "
						     "call while another "
						     "blocking system call is "
						     "already in progress",
						     e->u.call.name);
					if (r.verdict != TCPSIM_OK)
						break;
				}
				if (wait_until(&r, t) < 0 ||
				    check_late(&r, e, t, "system call start") <
					0)
					break;
				r.blk_start = t;
				r.blk_end = (e->when == TS_PKT_REL ? off : 0) +
					    e->u.call.end_us;
				do_call(&r, e, t);
				break;
			}
			r.last = e;
			r.last_time = e->when == TS_PKT_ANY ? now(&r) : t;
		}
		/* A call still blocked: packetdrill waits a second for it,
		 * then gives up. */
		if (r.verdict == TCPSIM_OK && r.blk) {
			int64_t lim = now(&r) + 1000000;
			while (r.blk && r.verdict == TCPSIM_OK) {
				int64_t nt = ts_api_next_event(r.sim);
				if (nt < 0 || nt > lim)
					break;
				if (ts_api_run_to(r.sim, nt, err) !=
				    TCPSIM_OK) {
					model_error(&r);
					break;
				}
				check_blocked(&r);
			}
			if (r.blk)
				fail(&r, r.blk->line,
				     "runtime error: exiting while a blocking "
				     "system call is in progress");
		}
	}
	/* What is still to happen happens, for the report's sake. */
	tcpsim_error e2;
	if (r.verdict == TCPSIM_OK || r.verdict == TCPSIM_FAILED ||
	    r.verdict == TS_PKT_UNSUPPORTED)
		tcpsim_run(r.sim, &e2);
	tcpsim_free(r.sim);
	free(r.caps);
	free(r.tsmap);
	return r.verdict;
}
