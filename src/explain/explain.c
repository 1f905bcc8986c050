/*
 * explain.c - tcpsim explain (doc/explain.md): each connection of a
 * capture, the states its segments imply for both endpoints, and for every
 * RST the rules that can have sent it, ranked, with their evidence and the
 * errno each side's next call gets.
 *
 * One vantage point: a segment seen here left its sender, but reached its
 * receiver later or never. The states are those the segments imply if each
 * arrived; an RST whose receiver went on as before did not arrive.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/hmap.h"
#include "explain/explain.h"
#include "tcpsim.h"

/* A connection is written this long (capture time) after it ended, so
 * that the segments still on their way after an RST or a close stay
 * with it. */
#define LINGER_US (10 * 1000000ll)
/* Linux's default tcp_fin_timeout (60 s): how long an orphan waits in
 * FIN_WAIT_2 (tcp_fin_time). */
#define FIN_TIMEOUT_US (60 * 1000000ll)
/* A connection not ended and silent this long (capture time) is written
 * as it stands: if it speaks again, the rest is a connection seen from
 * the middle. Longer than the RTO's 120 s ceiling and a TIME_WAIT. */
#define IDLE_US (600 * 1000000ll)

static const char *const state_names[] = {
    "unknown",     "LISTEN",     "SYN_SENT",   "SYN_RECEIVED",
    "ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2", "CLOSE_WAIT",
    "CLOSING",     "LAST_ACK",   "TIME_WAIT",  "CLOSED"};

const char *ts_xp_state_name(ts_xp_state s)
{
	return state_names[s];
}

/* What the capture says of an address and port. */
typedef struct port_info {
	uint64_t listen_frame; /* a SYN|ACK from it, or a segment it
				* ignored as only a listener does */
	int64_t abort_t;       /* its latest abort RST */
	uint32_t aborts_at_t;  /* aborts at that time (±1 ms) */
} port_info;

/* The ids in the order the summary counts them. */
static const char *const ids[] = {
    "no-listener",       "no-connection",     "bad-ack",     "syn-in-window",
    "close-unread-data", "linger-abort",      "orphan-data", "accept-overflow",
    "listener-closed",   "keepalive-timeout", "disconnect",  "unexplained"};
#define NIDS (sizeof ids / sizeof ids[0])

struct ts_xp {
	FILE *out;
	int json;
	ts_xp_conn_fn fn;
	void *ctx;
	ts_hmap conns; /* key -> the newest connection of a 4-tuple */
	ts_hmap ports; /* addr << 16 | port -> port_info */
	ts_xp_conn *ended_head, *ended_tail; /* ended, oldest first */
	ts_xp_conn *open_head, *open_tail;   /* not ended, the latest
					      * active first */
	uint32_t next_id;
	int64_t now;
	ts_xp_totals tot;
	/* --trace: the lines of the trace pcap2trace made, by frame */
	const ts_xp_lines *lines;
	size_t nlines;
};

void ts_xp_set_lines(ts_xp *x, const ts_xp_lines *v, size_t n)
{
	x->lines = v;
	x->nlines = n;
}

static int by_frame(const void *a, const void *b)
{
	const ts_xp_lines *x = a, *y = b;
	if (x->frame != y->frame)
		return x->frame < y->frame ? -1 : 1;
	return (x->line > y->line) - (x->line < y->line);
}

ts_xp_lines *ts_xp_read_lines(const char *text, size_t len, size_t *n)
{
	ts_xp_lines *v = NULL;
	size_t nv = 0, cap = 0;
	int line = 1;
	*n = 0;
	for (size_t i = 0; i < len; line++) {
		size_t e = i;
		while (e < len && text[e] != '\n')
			e++;
		/* a line made from a frame ends "# #N" */
		size_t k = e;
		while (k > i && text[k - 1] >= '0' && text[k - 1] <= '9')
			k--;
		if (k < e && e - k < 20 && k >= i + 3 && text[k - 1] == '#' &&
		    text[k - 2] == ' ' && text[k - 3] == '#') {
			uint64_t f = 0;
			for (size_t d = k; d < e; d++)
				f = f * 10 + (uint64_t)(text[d] - '0');
			if (nv == cap) {
				size_t nc = cap ? 2 * cap : 64;
				ts_xp_lines *nn = realloc(v, nc * sizeof *v);
				if (!nn) {
					free(v);
					return NULL;
				}
				v = nn;
				cap = nc;
			}
			v[nv].frame = f;
			v[nv].line = line;
			nv++;
		}
		i = e + 1;
	}
	if (nv)
		qsort(v, nv, sizeof *v, by_frame);
	*n = nv;
	return v;
}

/* The trace's lines that stand for frame F: the first's index, and *N of
 * them (0: none). */
static size_t lines_of(const ts_xp *x, uint64_t f, size_t *n)
{
	size_t lo = 0, hi = x->nlines;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (x->lines[mid].frame < f)
			lo = mid + 1;
		else
			hi = mid;
	}
	size_t e = lo;
	while (e < x->nlines && x->lines[e].frame == f)
		e++;
	*n = e - lo;
	return lo;
}

/* " (line 7)", " (lines 7, 9)": the lines of frame F, nothing when none. */
static void put_lines(FILE *f, const ts_xp *x, uint64_t frame)
{
	size_t n, i = lines_of(x, frame, &n);
	for (size_t k = 0; k < n; k++)
		fprintf(f, "%s%d",
			k       ? ", "
			: n > 1 ? " (lines "
				: " (line ",
			x->lines[i + k].line);
	if (n)
		fputc(')', f);
}

/* [7,9] for the lines of frame F, null when none. */
static void put_json_lines(FILE *f, const ts_xp *x, uint64_t frame)
{
	size_t n, i = lines_of(x, frame, &n);
	if (!n) {
		fputs("null", f);
		return;
	}
	for (size_t k = 0; k < n; k++)
		fprintf(f, "%c%d", k ? ',' : '[', x->lines[i + k].line);
	fputc(']', f);
}

/* Per connection, beside its public part: the last segment of each
 * side (an RST answers the one just before it). */
typedef struct conn_priv {
	ts_xp_conn c;
	ts_cap_seg last[2];
	int has_last[2];
	int last_dir; /* the side that sent the latest segment, -1 */
	int list;     /* 0 open, 1 ended */
} conn_priv;

static int seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static int seq_geq(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) >= 0;
}

static uint64_t tuple_key(uint32_t a1, uint16_t p1, uint32_t a2, uint16_t p2)
{
	uint64_t x = (uint64_t)a1 << 16 | p1, y = (uint64_t)a2 << 16 | p2;
	if (x > y) {
		uint64_t t = x;
		x = y;
		y = t;
	}
	/* a 64-bit mix of both ends; equal keys are checked (same_tuple) */
	uint64_t h = x * 0x9e3779b97f4a7c15ull;
	h ^= (y + 0x632be59bd9b4e019ull) * 0xbf58476d1ce4e5b9ull;
	h ^= h >> 31;
	return h ? h : 1;
}

static int side_of(const ts_xp_conn *c, const ts_cap_seg *s)
{
	if (c->s[0].addr == s->saddr && c->s[0].port == s->sport &&
	    c->s[1].addr == s->daddr && c->s[1].port == s->dport)
		return 0;
	if (c->s[1].addr == s->saddr && c->s[1].port == s->sport &&
	    c->s[0].addr == s->daddr && c->s[0].port == s->dport)
		return 1;
	return -1;
}

static port_info *port_get(ts_xp *x, uint32_t addr, uint16_t port, int make)
{
	uint64_t k = ((uint64_t)addr << 16 | port) + 1;
	port_info *p = ts_hmap_get(&x->ports, k);
	if (!p && make) {
		p = calloc(1, sizeof *p);
		if (!p || ts_hmap_put(&x->ports, k, p) < 0) {
			free(p);
			return NULL;
		}
	}
	return p;
}

ts_xp *ts_xp_new(FILE *out, int json, ts_xp_conn_fn fn, void *ctx)
{
	ts_xp *x = calloc(1, sizeof *x);
	if (!x)
		return NULL;
	x->out = out;
	x->json = json;
	x->fn = fn;
	x->ctx = ctx;
	ts_hmap_init(&x->conns);
	ts_hmap_init(&x->ports);
	x->now = INT64_MIN;
	return x;
}

const ts_xp_totals *ts_xp_totals_of(const ts_xp *x)
{
	return &x->tot;
}

/* ---- The lists ---- */

static void list_del(ts_xp *x, conn_priv *p)
{
	ts_xp_conn *c = &p->c;
	if (c->prev)
		c->prev->next = c->next;
	else if (p->list)
		x->ended_head = c->next;
	else
		x->open_head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else if (p->list)
		x->ended_tail = c->prev;
	else
		x->open_tail = c->prev;
	c->prev = c->next = NULL;
}

static void list_open(ts_xp *x, conn_priv *p)
{
	p->list = 0;
	p->c.prev = NULL;
	p->c.next = x->open_head;
	if (x->open_head)
		x->open_head->prev = &p->c;
	else
		x->open_tail = &p->c;
	x->open_head = &p->c;
}

static void list_ended(ts_xp *x, conn_priv *p)
{
	p->list = 1;
	p->c.next = NULL;
	p->c.prev = x->ended_tail;
	if (x->ended_tail)
		x->ended_tail->next = &p->c;
	else
		x->ended_head = &p->c;
	x->ended_tail = &p->c;
}

/* ---- Classification ---- */

static void cand_add_ev(ts_xp_cand *k, uint64_t f)
{
	if (!f || k->nev >= TS_XP_MAXEV)
		return;
	for (int i = 0; i < k->nev; i++)
		if (k->ev[i] == f)
			return;
	k->ev[k->nev++] = f;
}

static ts_xp_cand *cand(ts_xp_rst *r, int reason, int trig_flags,
			const char *how)
{
	if (r->ncand >= TS_XP_MAXCAND)
		return NULL;
	ts_xp_cand *k = &r->cand[r->ncand++];
	memset(k, 0, sizeof *k);
	k->reason = reason;
	k->id = reason < 0 ? "unexplained" : tcpsim_rst_id(reason, trig_flags);
	k->rank = r->ncand;
	k->how = how;
	return k;
}

#define WHY(k, ...)                                                            \
	do {                                                                   \
		if (k)                                                         \
			snprintf((k)->why, sizeof(k)->why, __VA_ARGS__);       \
	} while (0)
#define APP(k, ...)                                                            \
	do {                                                                   \
		if (k)                                                         \
			snprintf((k)->app, sizeof(k)->app, __VA_ARGS__);       \
	} while (0)
#define EV(k, f)                                                               \
	do {                                                                   \
		if (k)                                                         \
			cand_add_ev(k, f);                                     \
	} while (0)

static const char *side_name(int i)
{
	return i ? "B" : "A";
}

/* An RST that answers a segment T (RFC 9293 §3.10.7.1, Linux
 * tcp_v4_send_reset): <SEQ=T.ACK><CTL=RST> if T had ACK, else <SEQ=0>
 * <ACK=T.SEQ+T.LEN><CTL=RST,ACK>. */
static int answers(const ts_cap_seg *r, const ts_cap_seg *t)
{
	uint32_t tlen =
	    t->len + !!(t->flags & TS_CAP_SYN) + !!(t->flags & TS_CAP_FIN);
	if (t->flags & TS_CAP_RST)
		return 0; /* an RST is never answered */
	/* Linux's replies carry window 0 (tcp_v4_send_reset leaves it
	 * unset): an RST with a window is not one */
	if (r->win != 0)
		return 0;
	if (t->flags & TS_CAP_ACK)
		return !(r->flags & TS_CAP_ACK) && r->seq == t->ack;
	return (r->flags & TS_CAP_ACK) && r->seq == 0 &&
	       r->ack == t->seq + tlen;
}

/* Reply RSTs: the rule by what the sender S had of the connection. */
static void classify_reply(ts_xp *x, ts_xp_conn *c, ts_xp_rst *r)
{
	(void)c;
	int si = r->from, pi = !si;
	const ts_xp_side *S = &r->snap[si], *P = &r->snap[pi];
	const ts_cap_seg *t = &r->trig;
	int tf = t->flags;
	ts_xp_cand *k;
	port_info *pt = port_get(x, S->addr, S->port, 0);
	uint64_t listen = pt ? pt->listen_frame : 0;

	if ((tf & (TS_CAP_SYN | TS_CAP_ACK)) == TS_CAP_SYN) {
		/* RFC 9293 §3.10.7.1; Linux tcp_v4_rcv (no_tcp_socket) */
		k = cand(r, TCPSIM_RST_NO_SOCKET, tf, "likely");
		WHY(k,
		    "the RST answers the SYN #%" PRIu64
		    " (ACK = its SEQ + 1): no socket listened on port %u",
		    r->answers, S->port);
		APP(k,
		    "nothing listened on port %u of %s (never listened, "
		    "or the listener was closed or its process exited)",
		    S->port, side_name(si));
		EV(k, r->answers);
		EV(k, r->frame);
		return;
	}
	if ((tf & (TS_CAP_SYN | TS_CAP_ACK)) == (TS_CAP_SYN | TS_CAP_ACK)) {
		if (S->syn && !S->passive && t->ack != S->isn + 1) {
			/* RFC 9293 §3.10.7.3; tcp_rcv_synsent_state_process */
			k = cand(r, TCPSIM_RST_SYNSENT_BAD_ACK, tf, "likely");
			WHY(k,
			    "the SYN|ACK #%" PRIu64
			    " acknowledges a sequence number the SYN #%" PRIu64
			    " did not send",
			    r->answers, S->syn_frame);
			APP(k, "%s called connect()", side_name(si));
			EV(k, S->syn_frame);
			EV(k, r->answers);
			return;
		}
		k = cand(r, TCPSIM_RST_NO_SOCKET, tf,
			 S->syn ? "likely" : "possible");
		WHY(k, "%s has no connection for the SYN|ACK #%" PRIu64 "%s",
		    side_name(si), r->answers,
		    S->syn ? ": its connect() had ended (given up, or closed)"
			   : " (it sent no SYN in this capture)");
		APP(k, "%s",
		    S->syn ? "the connecting socket was closed"
			   : "a stray or forged SYN|ACK");
		EV(k, r->answers);
		if (!S->syn) {
			k = cand(r, TCPSIM_RST_LISTEN_ACK, tf, "possible");
			WHY(k,
			    "if port %u listens, a listener answers any ACK "
			    "with an RST (RFC 9293 §3.10.7.2)",
			    S->port);
			APP(k, "%s listened on port %u", side_name(si),
			    S->port);
			EV(k, r->answers);
		}
		return;
	}
	if (!(tf & TS_CAP_ACK)) {
		/* FIN or data without ACK: a listener drops it, only a port
		 * without a socket answers (Linux tcp_v4_rcv no_tcp_socket) */
		k = cand(r, TCPSIM_RST_NO_SOCKET, tf, "likely");
		WHY(k,
		    "the RST answers #%" PRIu64
		    ", a segment without ACK: no socket had this connection "
		    "(a listener would have ignored it)",
		    r->answers);
		APP(k,
		    "%s had no such connection (never had it, or lost it: "
		    "closed, crashed and rebooted)",
		    side_name(si));
		EV(k, r->answers);
		return;
	}
	/* T has ACK */
	if (S->passive && S->nxt == S->isn + 1 && !S->abort_frame &&
	    P->started && P->segs <= 2 + P->rexmits) {
		if (t->ack != S->isn + 1) {
			/* RFC 9293 §3.10.7.4; Linux tcp_check_req */
			k = cand(r, TCPSIM_RST_SYNRECV_BAD_ACK, tf, "likely");
			WHY(k,
			    "#%" PRIu64 " acknowledges %" PRIu32
			    " bytes beyond the SYN|ACK #%" PRIu64,
			    r->answers, (uint32_t)(t->ack - S->isn - 1),
			    S->syn_frame);
			EV(k, S->syn_frame);
			EV(k, r->answers);
			return;
		}
		/* Linux tcp_check_req (listen_overflow) with
		 * tcp_abort_on_overflow 1 */
		k = cand(r, TCPSIM_RST_LISTEN_OVERFLOW, tf, "likely");
		WHY(k,
		    "the handshake's last ACK #%" PRIu64
		    " met a request socket (SYN|ACK #%" PRIu64
		    ") whose listener's accept queue was full",
		    r->answers, S->syn_frame);
		APP(k,
		    "%s's application did not accept() fast enough, "
		    "with tcp_abort_on_overflow = 1",
		    side_name(si));
		EV(k, S->syn_frame);
		EV(k, r->answers);
		k = cand(r, TCPSIM_RST_NO_SOCKET, tf, "possible");
		WHY(k,
		    "the request socket was gone (the listener closed) "
		    "when #%" PRIu64 " arrived",
		    r->answers);
		EV(k, r->answers);
		return;
	}
	if (S->fin && S->fin_acked_frame && t->len > 0 && !S->rst_frame) {
		int64_t gap = t->t_us - S->fin_acked_t;
		const char *h1 = gap < FIN_TIMEOUT_US ? "likely" : "possible";
		const char *h2 = gap < FIN_TIMEOUT_US ? "possible" : "likely";
		ts_xp_cand *a, *b;
		if (gap < FIN_TIMEOUT_US) {
			a = cand(r, TCPSIM_RST_FIN_WAIT_2_DATA, tf, h1);
			b = cand(r, TCPSIM_RST_NO_SOCKET, tf, h2);
		} else {
			b = cand(r, TCPSIM_RST_NO_SOCKET, tf, h2);
			a = cand(r, TCPSIM_RST_FIN_WAIT_2_DATA, tf, h1);
		}
		/* RFC 1122 §4.2.2.13; Linux tcp_timewait_state_process */
		WHY(a,
		    "%s closed (FIN #%" PRIu64 ", ACKed by #%" PRIu64
		    "), then %s's data #%" PRIu64 " reached its orphaned "
		    "FIN_WAIT_2, which can take no data",
		    side_name(si), S->fin_frame, S->fin_acked_frame,
		    side_name(pi), r->answers);
		APP(a,
		    "%s's application closed the socket (close() or "
		    "exit), not shutdown(SHUT_WR)",
		    side_name(si));
		EV(a, S->fin_frame);
		EV(a, S->fin_acked_frame);
		EV(a, r->answers);
		WHY(b,
		    "the orphan in FIN_WAIT_2 had expired (tcp_fin_timeout, "
		    "60 s by default; %" PRId64 " ms passed since #%" PRIu64
		    "), so #%" PRIu64 " met no socket",
		    gap / 1000, S->fin_acked_frame, r->answers);
		APP(b, "%s's application closed the socket", side_name(si));
		EV(b, S->fin_acked_frame);
		EV(b, r->answers);
		return;
	}
	if (S->fin && !S->fin_acked_frame && t->len > 0 && !S->rst_frame) {
		/* RFC 1122 §4.2.2.13; Linux tcp_rcv_state_process */
		k = cand(r, TCPSIM_RST_DATA_AFTER_CLOSE, tf, "likely");
		WHY(k,
		    "%s had closed (FIN #%" PRIu64 ") and data #%" PRIu64
		    " arrived for it",
		    side_name(si), S->fin_frame, r->answers);
		APP(k, "%s's application closed the socket", side_name(si));
		EV(k, S->fin_frame);
		EV(k, r->answers);
		return;
	}
	if (S->abort_frame && S->started) {
		k = cand(r, TCPSIM_RST_NO_SOCKET, tf, "likely");
		WHY(k,
		    "%s had already reset the connection (#%" PRIu64
		    "), so #%" PRIu64 " met no socket",
		    side_name(si), S->abort_frame, r->answers);
		APP(k, "as for the RST #%" PRIu64, S->abort_frame);
		EV(k, S->abort_frame);
		EV(k, r->answers);
		if (S->passive) {
			k = cand(r, TCPSIM_RST_LISTEN_ACK, tf, "possible");
			WHY(k,
			    "if port %u still listens, the listener answers "
			    "#%" PRIu64 " (an ACK for no handshake) the same "
			    "way",
			    S->port, r->answers);
			EV(k, r->answers);
		}
		return;
	}
	if (S->started && S->gave_up) {
		/* Linux tcp_write_timeout -> tcp_write_err: no RST */
		k = cand(r, TCPSIM_RST_NO_SOCKET, tf, "likely");
		WHY(k,
		    "%s retransmitted from #%" PRIu64 " %" PRIu32
		    " times unanswered and gave up (ETIMEDOUT, no RST sent), "
		    "so #%" PRIu64 " met no socket",
		    side_name(si), S->rexmit_run_first, S->rexmit_run,
		    r->answers);
		APP(k, "%s's next call after giving up got ETIMEDOUT",
		    side_name(si));
		EV(k, S->rexmit_run_first);
		EV(k, r->answers);
		return;
	}
	if (S->started) {
		/* the connection vanished without a FIN or an RST: if its
		 * port listens (the side was passive), the listener answers
		 * (RFC 9293 §3.10.7.2), else no socket does (§3.10.7.1) */
		if (S->passive) {
			k = cand(r, TCPSIM_RST_LISTEN_ACK, tf, "likely");
			WHY(k,
			    "%s accepted the connection on port %u (SYN|ACK "
			    "#%" PRIu64 ") but no longer had it when #%" PRIu64
			    " arrived; the listener answered that ACK",
			    side_name(si), S->port, S->syn_frame, r->answers);
			APP(k,
			    "%s's socket was closed or lost (a crash and "
			    "reboot, an abort not captured) while the "
			    "listener stayed",
			    side_name(si));
			EV(k, S->syn_frame);
			EV(k, r->answers);
		}
		k = cand(r, TCPSIM_RST_NO_SOCKET, tf,
			 S->passive ? "possible" : "likely");
		WHY(k,
		    "%s had the connection (its last segment #%" PRIu64
		    ") but no socket for it when #%" PRIu64
		    " arrived, and sent no FIN or RST in between",
		    side_name(si), S->last_frame, r->answers);
		APP(k,
		    "%s's host crashed and rebooted, or its socket went "
		    "away without a word (a segment lost, or not captured)",
		    side_name(si));
		EV(k, S->last_frame);
		EV(k, r->answers);
		return;
	}
	/* The sender had nothing of this connection in the capture. */
	if (listen) {
		k = cand(r, TCPSIM_RST_LISTEN_ACK, tf, "likely");
		WHY(k,
		    "port %u listens (#%" PRIu64
		    " was a SYN|ACK from it, or a segment without ACK it "
		    "ignored as only a listener does), and a listener "
		    "answers an ACK without a handshake with an RST",
		    S->port, listen);
		APP(k, "%s listened on port %u", side_name(si), S->port);
		EV(k, listen);
		EV(k, r->answers);
		k = cand(r, TCPSIM_RST_NO_SOCKET, tf, "possible");
		WHY(k, "nothing had the connection");
		EV(k, r->answers);
	} else {
		k = cand(r, TCPSIM_RST_NO_SOCKET, tf, "likely");
		WHY(k,
		    "no socket of %s had the connection of #%" PRIu64
		    " (the capture starts after its handshake, or %s lost it: "
		    "a crash and reboot)",
		    side_name(si), r->answers, side_name(si));
		EV(k, r->answers);
		k = cand(r, TCPSIM_RST_LISTEN_ACK, tf, "possible");
		WHY(k,
		    "if port %u listens, a listener answers an ACK "
		    "without a handshake the same way",
		    S->port);
		EV(k, r->answers);
	}
}

/* Abort RSTs: the sender's own socket, at SND.NXT (Linux
 * tcp_send_active_reset). */
static void classify_abort(ts_xp *x, ts_xp_conn *c, ts_xp_rst *r)
{
	int si = r->from, pi = !si;
	const ts_xp_side *S = &r->snap[si], *P = &r->snap[pi];
	ts_xp_cand *k;
	(void)c;
	port_info *pt = port_get(x, S->addr, S->port, 0);
	int many = pt && pt->aborts_at_t >= 2 && S->passive &&
		   r->t_us - pt->abort_t <= 1000 &&
		   pt->abort_t - r->t_us <= 1000;

	/* keepalive probes unanswered: Linux tcp_keepalive_timer */
	if (S->probes && S->last_probe && S->last_probe == S->last_frame) {
		int answered = P->last_frame > S->first_probe;
		k = cand(r, TCPSIM_RST_KEEPALIVE, -1, "likely");
		WHY(k,
		    "%s sent %" PRIu32 " keepalive probe(s) from #%" PRIu64
		    " and gave up right after the last (#%" PRIu64 ")%s",
		    side_name(si), S->probes, S->first_probe, S->last_probe,
		    answered ? "; the answers seen here never reached it"
			     : ", unanswered");
		APP(k,
		    "%s's application set SO_KEEPALIVE; %s was gone "
		    "(crashed, or unreachable)",
		    side_name(si), side_name(pi));
		EV(k, S->first_probe);
		EV(k, r->frame);
		return;
	}
	if (many && !S->bytes && !S->fin) {
		k = cand(r, TCPSIM_RST_LISTENER_CLOSED, -1, "likely");
		WHY(k,
		    "%" PRIu32 " connections of port %u were reset at once, "
		    "none of them used: the listener closed with them in its "
		    "accept queue",
		    pt->aborts_at_t, S->port);
		APP(k,
		    "%s's application closed its listening socket (or "
		    "exited) without accept()ing this connection",
		    side_name(si));
		EV(k, S->syn_frame);
		EV(k, r->frame);
	}
	/* the data the sender had received in order: an abort's ACK is its
	 * RCV.NXT (Linux tcp_send_active_reset); out-of-order data is not
	 * counted as unread (__tcp_close looks at sk_receive_queue only) */
	uint64_t got = P->bytes;
	if (r->seg.flags & TS_CAP_ACK) {
		int32_t in = (int32_t)(r->seg.ack - (P->isn + !!P->syn));
		got = in <= 0 ? 0 : (uint64_t)in < got ? (uint64_t)in : got;
	}
	if (got) {
		/* RFC 2525 §2.17; Linux __tcp_close */
		k = cand(r, TCPSIM_RST_CLOSE_UNREAD, -1, "likely");
		WHY(k,
		    "%s had received %" PRIu64 " bytes (#%" PRIu64 "..#%" PRIu64
		    ") it may not have read; closing a socket "
		    "with unread data sends RST instead of FIN",
		    side_name(si), got, P->first_data, P->last_data);
		APP(k,
		    "%s's application closed the socket, or exited or was "
		    "killed, with data unread",
		    side_name(si));
		EV(k, P->first_data);
		EV(k, P->last_data);
		EV(k, r->frame);
	}
	/* RFC 9293 §3.10.5; Linux __tcp_close -> tcp_disconnect */
	k = cand(r, TCPSIM_RST_LINGER_ZERO, -1, got ? "possible" : "likely");
	WHY(k,
	    "%s aborted from %s with no FIN before%s: SO_LINGER {1, 0} then "
	    "close() sends RST whatever was read",
	    side_name(si),
	    r->state == TS_XP_UNKNOWN ? "a state the capture does not show"
				      : ts_xp_state_name(r->state),
	    got ? ""
	    : P->bytes
		? ", and had received none of the data sent to it (its ACK "
		  "says so): none to leave unread"
		: ", and had no data to leave unread");
	APP(k,
	    "%s's application set SO_LINGER {1, 0} and closed (or "
	    "exited)",
	    side_name(si));
	EV(k, r->frame);
	if (!many && S->passive && !S->bytes && !S->fin) {
		k = cand(r, TCPSIM_RST_LISTENER_CLOSED, -1, "possible");
		WHY(k,
		    "the listener of port %u may have closed before "
		    "accept()ing this connection",
		    S->port);
		EV(k, S->syn_frame);
		EV(k, r->frame);
	}
	if (!S->passive && S->syn) {
		k = cand(r, TCPSIM_RST_DISCONNECT, -1, "unlikely");
		WHY(k, "connect() with AF_UNSPEC aborts the same way");
		EV(k, r->frame);
	}
}

/* The errno each side's next call gets (tcp_reset: ECONNREFUSED in
 * SYN_SENT, EPIPE in CLOSE_WAIT, ECONNRESET otherwise; doc/rules.md
 * 2.1). */
static void errnos(ts_xp_rst *r)
{
	int si = r->from, pi = !si;
	ts_xp_state ps = r->snap[pi].state;
	const char *p = side_name(pi);
	if (r->arrived == 0) {
		snprintf(r->errno_peer, sizeof r->errno_peer,
			 "the RST never reached %s: it went on sending "
			 "(#%" PRIu64 "), its calls were not affected",
			 p, r->after);
	} else if (ps == TS_XP_SYN_SENT) {
		snprintf(r->errno_peer, sizeof r->errno_peer,
			 "%s's connect() fails with ECONNREFUSED", p);
	} else if (ps == TS_XP_SYN_RECEIVED) {
		snprintf(r->errno_peer, sizeof r->errno_peer,
			 "%s's half-open connection is dropped silently: "
			 "accept() never returns it",
			 p);
	} else if (ps == TS_XP_CLOSE_WAIT || ps == TS_XP_LAST_ACK) {
		snprintf(r->errno_peer, sizeof r->errno_peer,
			 "%s (it had the FIN): read() returns 0 (end of "
			 "stream), write() fails with EPIPE and SIGPIPE",
			 p);
	} else if (ps == TS_XP_FIN_WAIT_1 || ps == TS_XP_FIN_WAIT_2 ||
		   ps == TS_XP_CLOSING || ps == TS_XP_TIME_WAIT) {
		snprintf(r->errno_peer, sizeof r->errno_peer,
			 "%s had closed or shut down its side: if the socket "
			 "is still open, its next read() gets ECONNRESET",
			 p);
	} else {
		snprintf(r->errno_peer, sizeof r->errno_peer,
			 "%s's next read() or write() fails with ECONNRESET "
			 "(data already received is read first); after it, "
			 "read() returns 0 and write() fails with EPIPE and "
			 "SIGPIPE",
			 p);
	}
	const ts_xp_cand *k = r->ncand ? &r->cand[0] : NULL;
	if (k && k->reason == TCPSIM_RST_KEEPALIVE)
		snprintf(r->errno_self, sizeof r->errno_self,
			 "%s's next call fails with ETIMEDOUT (tcp_write_err)",
			 side_name(si));
	else if (r->answers)
		snprintf(r->errno_self, sizeof r->errno_self,
			 "%s has no socket for it: no call sees this RST",
			 side_name(si));
	else
		snprintf(r->errno_self, sizeof r->errno_self,
			 "%s's application had closed the socket: none",
			 side_name(si));
}

static void classify(ts_xp *x, ts_xp_conn *c, ts_xp_rst *r)
{
	r->ncand = 0;
	if (r->has_trig && answers(&r->seg, &r->trig)) {
		r->reply = 1;
		r->answers = r->trig.frame;
		classify_reply(x, c, r);
	} else if ((r->seg.flags & TS_CAP_ACK) &&
		   (!r->snap[r->from].started ||
		    r->seg.seq == r->snap[r->from].nxt)) {
		classify_abort(x, c, r);
	} else {
		ts_xp_cand *k = cand(r, -1, -1, "likely");
		WHY(k,
		    "it answers no segment of the capture and is not at the "
		    "sender's next sequence number: forged, from a middlebox, "
		    "or the answer to a segment not captured");
		EV(k, r->frame);
	}
	errnos(r);
}

/* ---- Segments ---- */

static void ladder_push(ts_xp_conn *c, const ts_cap_seg *s, int dir, int mark)
{
	ts_xp_line l = {.frame = s->frame,
			.t_us = s->t_us,
			.dir = (uint8_t)dir,
			.flags = s->flags,
			.st0 = (uint8_t)c->s[0].state,
			.st1 = (uint8_t)c->s[1].state,
			.seq = s->seq - c->s[dir].isn,
			.ack = s->ack - c->s[!dir].isn,
			.len = s->len,
			.mark = (uint8_t)mark};
	if (c->nhead < TS_XP_HEAD)
		c->head[c->nhead++] = l;
	else
		c->tail[c->ntail_total++ % TS_XP_TAIL] = l;
}

static conn_priv *conn_new(ts_xp *x, const ts_cap_seg *s, uint64_t key)
{
	conn_priv *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	ts_xp_conn *c = &p->c;
	c->id = ++x->next_id;
	c->key = key;
	c->s[0].addr = s->saddr;
	c->s[0].port = s->sport;
	c->s[1].addr = s->daddr;
	c->s[1].port = s->dport;
	c->t0 = s->t_us;
	c->first_frame = s->frame;
	c->rtt_us = -1;
	c->timeout_side = -1;
	c->mid = (s->flags & (TS_CAP_SYN | TS_CAP_ACK)) != TS_CAP_SYN;
	p->last_dir = -1;
	ts_xp_conn *old = ts_hmap_get(&x->conns, key);
	c->hnext = old;
	if (ts_hmap_put(&x->conns, key, c) < 0) {
		free(p);
		return NULL;
	}
	list_open(x, p);
	x->tot.conns++;
	if (c->mid)
		x->tot.mid++;
	return p;
}

static int id_index(const char *id)
{
	for (size_t i = 0; i < NIDS; i++)
		if (!strcmp(ids[i], id))
			return (int)i;
	return (int)NIDS - 1;
}

static void write_conn(ts_xp *x, ts_xp_conn *c);

/* Timeouts: a side whose last segments are retransmissions of one
 * segment, never answered to the end of the capture (Linux
 * tcp_write_timeout: no RST on giving up). */
static void find_timeout(ts_xp_conn *c)
{
	for (int i = 0; i < 2; i++) {
		const ts_xp_side *a = &c->s[i], *b = &c->s[!i];
		if (a->gave_up ||
		    (a->rexmit_run >= 2 && a->rexmit_run_first &&
		     b->last_frame < a->rexmit_run_first && !a->rst_frame)) {
			c->timeout_side = i;
			return;
		}
	}
}

static void conn_done(ts_xp *x, conn_priv *p)
{
	ts_xp_conn *c = &p->c;
	for (int i = 0; i < c->nrst; i++) {
		classify(x, c, &c->rst[i]);
		if (c->rst[i].ncand)
			x->tot.by_id[id_index(c->rst[i].cand[0].id)]++;
	}
	find_timeout(c);
	if (c->timeout_side >= 0)
		x->tot.timeouts++;
	if (x->fn)
		x->fn(x->ctx, c);
	else
		write_conn(x, c);
	/* out of the map: unlink from the chain of its key */
	ts_xp_conn *h = ts_hmap_get(&x->conns, c->key);
	if (h == c) {
		if (c->hnext)
			ts_hmap_put(&x->conns, c->key, c->hnext);
		else
			ts_hmap_del(&x->conns, c->key);
	} else {
		while (h && h->hnext != c)
			h = h->hnext;
		if (h)
			h->hnext = c->hnext;
	}
	list_del(x, p);
	free(c->rst);
	free(p);
}

static void flush_ended(ts_xp *x, int64_t now)
{
	while (x->ended_head && now - x->ended_head->end_t > LINGER_US)
		conn_done(x, (conn_priv *)x->ended_head);
	/* silent for IDLE_US: written as it stands (a SYN never answered,
	 * a flow that stopped), so that memory follows the connections
	 * that are live */
	while (x->open_tail && now - x->open_tail->t1 > IDLE_US)
		conn_done(x, (conn_priv *)x->open_tail);
}

static void mark_ended(ts_xp *x, conn_priv *p, int64_t t)
{
	if (p->c.ended)
		return;
	p->c.ended = 1;
	p->c.end_t = t;
	list_del(x, p);
	list_ended(x, p);
}

/* State changes on the arrival of S from side D (assumed to arrive). */
static void states(ts_xp_conn *c, int d, const ts_cap_seg *s)
{
	ts_xp_side *a = &c->s[d], *b = &c->s[!d];
	int f = s->flags;
	if (f & TS_CAP_RST) {
		a->state = TS_XP_CLOSED;
		b->state = TS_XP_CLOSED;
		return;
	}
	if (f & TS_CAP_SYN) {
		if (f & TS_CAP_ACK) {
			a->state = TS_XP_SYN_RECEIVED;
			if (b->state == TS_XP_SYN_SENT)
				b->state = TS_XP_ESTABLISHED;
		} else {
			a->state = TS_XP_SYN_SENT;
		}
		return;
	}
	if (a->state == TS_XP_UNKNOWN || a->state == TS_XP_SYN_SENT ||
	    a->state == TS_XP_LISTEN)
		a->state = TS_XP_ESTABLISHED;
	if (f & TS_CAP_ACK) {
		if (b->state == TS_XP_SYN_RECEIVED && s->ack == b->isn + 1)
			b->state = TS_XP_ESTABLISHED;
		if (b->fin && seq_geq(s->ack, b->fin_seq + 1)) {
			if (b->state == TS_XP_FIN_WAIT_1)
				b->state = TS_XP_FIN_WAIT_2;
			else if (b->state == TS_XP_CLOSING)
				b->state = TS_XP_TIME_WAIT;
			else if (b->state == TS_XP_LAST_ACK)
				b->state = TS_XP_CLOSED;
		}
	}
	if (f & TS_CAP_FIN) {
		if (a->state == TS_XP_CLOSE_WAIT)
			a->state = TS_XP_LAST_ACK;
		else if (a->state == TS_XP_ESTABLISHED ||
			 a->state == TS_XP_SYN_RECEIVED)
			a->state = TS_XP_FIN_WAIT_1;
		if (b->state == TS_XP_ESTABLISHED || b->state == TS_XP_UNKNOWN)
			b->state = TS_XP_CLOSE_WAIT;
		else if (b->state == TS_XP_FIN_WAIT_1)
			b->state = TS_XP_CLOSING;
		else if (b->state == TS_XP_FIN_WAIT_2)
			b->state = TS_XP_TIME_WAIT;
	}
	if (b->state == TS_XP_UNKNOWN && b->started)
		b->state = TS_XP_ESTABLISHED;
}

void ts_xp_segment(ts_xp *x, const ts_cap_seg *s)
{
	x->now = s->t_us > x->now ? s->t_us : x->now;
	flush_ended(x, x->now);
	uint64_t key = tuple_key(s->saddr, s->sport, s->daddr, s->dport);
	ts_xp_conn *c = ts_hmap_get(&x->conns, key);
	while (c && side_of(c, s) < 0)
		c = c->hnext;
	int f = s->flags;
	int syn_only = (f & (TS_CAP_SYN | TS_CAP_ACK)) == TS_CAP_SYN;
	if (c && c->ended && syn_only) {
		int d = side_of(c, s);
		/* a new SYN: a new connection, unless it is the SYN seen */
		if (!(c->s[d].syn && c->s[d].isn == s->seq)) {
			conn_done(x, (conn_priv *)c);
			c = NULL;
		}
	}
	conn_priv *p = (conn_priv *)c;
	if (!p) {
		p = conn_new(x, s, key);
		if (!p)
			return;
		c = &p->c;
	}
	if (!c->ended && x->open_head != c) {
		/* the open list stays in order of the latest segment */
		list_del(x, p);
		list_open(x, p);
	}
	int d = side_of(c, s);
	ts_xp_side *a = &c->s[d], *b = &c->s[!d];
	uint32_t seqlen = s->len + !!(f & TS_CAP_SYN) + !!(f & TS_CAP_FIN);
	int mark = 0;
	c->nseg++;
	c->t1 = s->t_us;
	c->last_frame = s->frame;

	/* a segment without ACK the other side ignored, as only a
	 * listener does (tcp_rcv_state_process, LISTEN) */
	if (p->last_dir == d && p->has_last[d] &&
	    !(p->last[d].flags & (TS_CAP_ACK | TS_CAP_SYN | TS_CAP_RST)) &&
	    !b->started) {
		port_info *pt = port_get(x, b->addr, b->port, 1);
		if (pt && !pt->listen_frame)
			pt->listen_frame = p->last[d].frame;
	}
	/* an RST: kept with what both sides had before it */
	if (f & TS_CAP_RST) {
		x->tot.rsts++;
		ts_xp_rst *nr = c->nrst < TS_XP_MAXRST
				    ? realloc(c->rst, (size_t)(c->nrst + 1) *
							  sizeof *c->rst)
				    : NULL;
		if (nr) {
			c->rst = nr;
			ts_xp_rst *r = &c->rst[c->nrst++];
			memset(r, 0, sizeof *r);
			r->frame = s->frame;
			r->t_us = s->t_us;
			r->from = d;
			r->state = a->state;
			r->arrived = -1;
			r->snap[0] = c->s[0];
			r->snap[1] = c->s[1];
			r->seg = *s;
			if (p->has_last[!d]) {
				r->trig = p->last[!d];
				r->has_trig = 1;
			}
			if (a->started && !a->syn && !a->probes && a->zl_run &&
			    s->seq == a->nxt + 1) {
				/* seen from the middle: the zero-length
				 * segments at one SEQ before an abort at SEQ +
				 * 1 were keepalive probes (SEQ = SND.UNA - 1)
				 */
				r->snap[d].probes = a->zl_run;
				r->snap[d].first_probe = a->zl_first;
				r->snap[d].last_probe = a->last_frame;
				r->snap[d].nxt = s->seq;
				a->nxt = s->seq;
			}
			if (!a->started && (f & TS_CAP_ACK) && s->seq != 0) {
				/* an abort seen first: its SEQ is SND.NXT */
				a->isn = s->seq - 1;
				a->nxt = s->seq;
				a->started = 1;
			}
		} else {
			c->rst_more++;
		}
		/* listener-closed: aborts of one port at one time */
		if ((f & TS_CAP_ACK) &&
		    !(p->has_last[!d] && answers(s, &p->last[!d]))) {
			port_info *pt = port_get(x, s->saddr, s->sport, 1);
			if (pt) {
				int64_t dt = s->t_us - pt->abort_t;
				if (pt->aborts_at_t && dt >= -1000 &&
				    dt <= 1000)
					pt->aborts_at_t++;
				else {
					pt->abort_t = s->t_us;
					pt->aborts_at_t = 1;
				}
			}
		}
		if (a->rexmit_run >= 2 && a->last_rexmit && !(f & TS_CAP_ACK))
			a->gave_up = 1; /* an RST answering, after retrying */
		if (!a->rst_frame)
			a->rst_frame = s->frame;
		if (!a->abort_frame && (f & TS_CAP_ACK) &&
		    !(p->has_last[!d] && answers(s, &p->last[!d])))
			a->abort_frame = s->frame;
		states(c, d, s);
		a->segs++;
		a->last_frame = s->frame;
		a->last_t = s->t_us;
		ladder_push(c, s, d, 0);
		p->last[d] = *s;
		p->has_last[d] = 1;
		p->last_dir = d;
		mark_ended(x, p, s->t_us);
		return;
	}
	/* a segment after the peer's RST: that RST never reached it */
	for (int i = c->nrst - 1; i >= 0; i--) {
		ts_xp_rst *r = &c->rst[i];
		if (r->from != d && r->arrived == -1 && !syn_only) {
			r->arrived = 0;
			r->after = s->frame;
			/* it never left the state the RST would have ended */
			if (a->state == TS_XP_CLOSED)
				a->state = r->snap[d].state;
		}
	}
	if (f & TS_CAP_SYN) {
		if (!a->syn || a->isn != s->seq) {
			a->syn = 1;
			a->syn_frame = s->frame;
			a->isn = s->seq;
			a->nxt = s->seq;
			a->started = 1;
		}
		if (!(f & TS_CAP_ACK) && !c->hs[1] && d == 0) {
			/* the round trip counts from the SYN answered */
			c->hs[0] = s->frame;
			c->hs0_t = s->t_us;
		}
		if (f & TS_CAP_ACK) {
			a->passive = 1;
			if (!c->hs[1])
				c->hs[1] = s->frame;
			port_info *pt = port_get(x, s->saddr, s->sport, 1);
			if (pt && !pt->listen_frame)
				pt->listen_frame = s->frame;
		}
	} else if (!a->started) {
		a->started = 1;
		a->isn = s->seq - 1;
		a->nxt = s->seq;
	}
	/* handshake round trip at the capture point: SYN to the ACK of the
	 * SYN|ACK */
	if (!(f & TS_CAP_SYN) && (f & TS_CAP_ACK) && c->hs[0] && c->hs[1] &&
	    !c->hs[2] && d == 0 && s->ack == c->s[1].isn + 1) {
		c->hs[2] = s->frame;
	}
	/* a segment missing from the capture: this one starts past what
	 * its side had sent, or acknowledges what the other never sent
	 * here (a capture that dropped frames, or asymmetric routing) */
	if (a->started && !(f & TS_CAP_SYN) && seq_lt(a->nxt, s->seq)) {
		if (!a->gaps)
			a->gap_frame = s->frame;
		a->gaps++;
	}
	if ((f & TS_CAP_ACK) && b->started && !(f & TS_CAP_SYN) &&
	    seq_lt(b->nxt, s->ack) &&
	    (!b->beyond || seq_lt(b->beyond_ack, s->ack))) {
		/* counted once per new ACK; nxt stays what was seen: an ACK
		 * of data never sent is also what bad-ack answers */
		if (!b->gaps)
			b->gap_frame = s->frame;
		b->gaps++;
		b->beyond = 1;
		b->beyond_ack = s->ack;
	}
	if (seqlen) {
		uint32_t end = s->seq + seqlen;
		if (seq_lt(s->seq, a->nxt)) {
			mark = 1;
			a->rexmits++;
			if (a->rexmit_run && p->has_last[d] &&
			    a->rexmit_run_first &&
			    b->last_frame < a->rexmit_run_first)
				a->rexmit_run++;
			else {
				a->rexmit_run = 1;
				a->rexmit_run_first = s->frame;
			}
		} else {
			a->rexmit_run = 0;
			a->rexmit_run_first = 0;
			if (s->len) {
				a->bytes += s->len;
				a->data_segs++;
				if (!a->first_data)
					a->first_data = s->frame;
				a->last_data = s->frame;
			}
		}
		if (seq_lt(a->nxt, end))
			a->nxt = end;
		if (s->len && mark)
			a->last_data = s->frame;
	} else if ((f & TS_CAP_ACK) && a->started && s->seq == a->nxt - 1 &&
		   b->win_known && !b->win) {
		/* a zero-window probe: the same segment, sent because the
		 * peer's window is closed (Linux tcp_probe_timer ->
		 * tcp_send_probe0 -> tcp_write_wakeup) */
		mark = 3;
		a->wprobes++;
	} else if ((f & TS_CAP_ACK) && a->started && s->seq == a->nxt - 1) {
		/* a keepalive probe: SEQ = SND.UNA - 1, no data (Linux
		 * tcp_write_wakeup -> tcp_xmit_probe_skb) */
		mark = 2;
		if (!a->probes || b->last_frame > a->first_probe)
			a->first_probe = s->frame;
		a->last_probe = s->frame;
		a->probes++;
		if (a->rexmit_run && b->last_frame < a->rexmit_run_first)
			a->rexmit_run++;
		else {
			a->rexmit_run = 1;
			a->rexmit_run_first = s->frame;
		}
	}
	if (!seqlen && !mark) {
		if (a->zl_run && s->seq == a->zl_seq)
			a->zl_run++;
		else {
			a->zl_run = 1;
			a->zl_seq = s->seq;
			a->zl_first = s->frame;
		}
	} else if (seqlen)
		a->zl_run = 0;
	if (f & TS_CAP_ACK) {
		if (!a->ack_seen || seq_lt(a->acked, s->ack)) {
			a->acked = s->ack;
			a->ack_frame = s->frame;
			a->ack_t = s->t_us;
		}
		a->ack_seen = 1;
		if (b->fin && !b->fin_acked_frame &&
		    seq_geq(s->ack, b->fin_seq + 1)) {
			b->fin_acked_frame = s->frame;
			b->fin_acked_t = s->t_us;
		}
	}
	if ((f & TS_CAP_FIN) && !a->fin) {
		a->fin = 1;
		a->fin_seq = s->seq + s->len;
		a->fin_frame = s->frame;
	}
	a->last_rexmit = mark != 0;
	if (f & TS_CAP_ACK) {
		a->win_known = 1;
		a->win = s->win;
	}
	states(c, d, s);
	if (c->hs[2] && c->rtt_us < 0) {
		/* frames stand in order; times may not */
		c->rtt_us = s->t_us - c->hs0_t >= 0 ? s->t_us - c->hs0_t : 0;
	}
	a->segs++;
	a->last_frame = s->frame;
	a->last_t = s->t_us;
	ladder_push(c, s, d, mark);
	p->last[d] = *s;
	p->has_last[d] = 1;
	p->last_dir = d;
	/* both FINs acknowledged: the connection is over */
	if (a->fin_acked_frame && b->fin_acked_frame)
		mark_ended(x, p, s->t_us);
}

/* ---- Output ---- */

static void put_addr(FILE *f, uint32_t a, uint16_t port)
{
	fprintf(f, "%u.%u.%u.%u:%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255,
		a & 255, port);
}

static void put_time(FILE *f, int64_t us)
{
	if (us < 0) {
		fputc('-', f);
		us = -us;
	}
	fprintf(f, "%" PRId64 ".%06" PRId64, us / 1000000, us % 1000000);
}

static void put_flags(FILE *f, int fl)
{
	static const char *const n[] = {"FIN", "SYN", "RST",
					"PSH", "ACK", "URG"};
	static const int order[] = {1, 2, 0, 3, 4, 5};
	int first = 1;
	for (int i = 0; i < 6; i++) {
		int b = order[i];
		if (fl & (1 << b)) {
			fprintf(f, "%s%s", first ? "" : "|", n[b]);
			first = 0;
		}
	}
	if (first)
		fputs("none", f);
}

static void put_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static void ladder_line(FILE *f, const ts_xp_conn *c, const ts_xp_line *l)
{
	fprintf(f, "    #%-6" PRIu64 " ", l->frame);
	put_time(f, l->t_us - c->t0);
	fprintf(f, "  %s  ", l->dir ? "A <- B" : "A -> B");
	put_flags(f, l->flags);
	fprintf(f, " seq=%" PRIu32, l->seq);
	if (l->flags & TS_CAP_ACK)
		fprintf(f, " ack=%" PRIu32, l->ack);
	fprintf(f, " len=%" PRIu32 "%s   A %s, B %s\n", l->len,
		l->mark == 1   ? " (retransmission)"
		: l->mark == 2 ? " (keepalive probe)"
		: l->mark == 3 ? " (zero-window probe)"
			       : "",
		ts_xp_state_name(l->st0), ts_xp_state_name(l->st1));
}

static void write_text(ts_xp *x, const ts_xp_conn *c)
{
	FILE *f = x->out;
	fprintf(f, "connection %" PRIu32 ": A ", c->id);
	put_addr(f, c->s[0].addr, c->s[0].port);
	fputs(", B ", f);
	put_addr(f, c->s[1].addr, c->s[1].port);
	fprintf(f,
		"; frames #%" PRIu64 "..#%" PRIu64 ", %" PRIu32 " segments, ",
		c->first_frame, c->last_frame, c->nseg);
	put_time(f, c->t1 - c->t0);
	fputs(" s\n", f);
	if (c->mid)
		fprintf(f,
			"  the capture starts in the middle of it (#%" PRIu64
			" is no SYN): what came before is inferred from "
			"the sequence numbers\n",
			c->first_frame);
	if (c->hs[2])
		fprintf(f,
			"  handshake: SYN #%" PRIu64 ", SYN|ACK #%" PRIu64
			", ACK #%" PRIu64 "; round trip at the capture point "
			"%" PRId64 " us\n",
			c->hs[0], c->hs[1], c->hs[2], c->rtt_us);
	for (int i = 0; i < 2; i++) {
		const ts_xp_side *a = &c->s[i];
		fprintf(f,
			"  %s sent %" PRIu32 " segments: %" PRIu64
			" bytes of data, %" PRIu32 " retransmissions",
			side_name(i), a->segs, a->bytes, a->rexmits);
		if (a->probes)
			fprintf(f, ", %" PRIu32 " keepalive probes", a->probes);
		if (a->wprobes)
			fprintf(f, ", %" PRIu32 " zero-window probes",
				a->wprobes);
		if (a->fin)
			fprintf(f, ", FIN #%" PRIu64, a->fin_frame);
		if (a->rst_frame)
			fprintf(f, ", RST #%" PRIu64, a->rst_frame);
		fprintf(f, "; last state %s\n", ts_xp_state_name(a->state));
		if (a->gaps)
			fprintf(f,
				"  %s's sequence numbers jump %" PRIu32
				" time%s, the first before #%" PRIu64
				": segments the capture lacks (or forged "
				"ones)\n",
				side_name(i), a->gaps, a->gaps == 1 ? "" : "s",
				a->gap_frame);
	}
	fputs("  end: ", f);
	if (c->nrst)
		fprintf(f, "reset (#%" PRIu64 ")\n", c->rst[0].frame);
	else if (c->s[0].fin_acked_frame && c->s[1].fin_acked_frame)
		fputs("closed (both FINs acknowledged)\n", f);
	else if (c->timeout_side >= 0)
		fprintf(f, "%s retried unanswered to the end of the capture\n",
			side_name(c->timeout_side));
	else
		fputs("still open when the capture ends\n", f);
	fputs("  ladder (A's state, B's state after each segment arrives):\n",
	      f);
	for (uint32_t i = 0; i < c->nhead; i++)
		ladder_line(f, c, &c->head[i]);
	uint32_t nt = c->ntail_total < TS_XP_TAIL ? c->ntail_total : TS_XP_TAIL;
	if (c->ntail_total > TS_XP_TAIL)
		fprintf(f, "    ... %" PRIu32 " segments not shown ...\n",
			c->ntail_total - TS_XP_TAIL);
	for (uint32_t i = 0; i < nt; i++) {
		uint32_t k = c->ntail_total > TS_XP_TAIL
				 ? (c->ntail_total + i) % TS_XP_TAIL
				 : i;
		ladder_line(f, c, &c->tail[k]);
	}
	for (int i = 0; i < c->nrst; i++) {
		const ts_xp_rst *r = &c->rst[i];
		fprintf(f, "  RST #%" PRIu64, r->frame);
		put_lines(f, x, r->frame);
		fprintf(f, " from %s in %s", side_name(r->from),
			ts_xp_state_name(r->state));
		if (r->answers)
			fprintf(f, ", answering #%" PRIu64, r->answers);
		else if (r->ncand && r->cand[0].reason >= 0)
			fputs(", an abort (SEQ = its SND.NXT)", f);
		else
			fputs(", answering no segment captured", f);
		fputs(":\n", f);
		for (int j = 0; j < r->ncand; j++) {
			const ts_xp_cand *k = &r->cand[j];
			fprintf(f, "    %d. %s (%s): %s\n", k->rank, k->id,
				k->how, k->why);
			if (k->reason >= 0)
				fprintf(f, "       rule: %s [%s]\n",
					tcpsim_reason_text(TCPSIM_EV_RESET,
							   k->reason),
					tcpsim_reason_rule(TCPSIM_EV_RESET,
							   k->reason));
			if (k->app[0])
				fprintf(f, "       application: %s\n", k->app);
			fputs("       evidence:", f);
			for (int e = 0; e < k->nev; e++) {
				fprintf(f, " #%" PRIu64, k->ev[e]);
				put_lines(f, x, k->ev[e]);
			}
			fputc('\n', f);
		}
		fprintf(f, "    next calls: %s; %s\n", r->errno_peer,
			r->errno_self);
	}
	if (c->rst_more)
		fprintf(f, "  %d more RSTs not explained\n", c->rst_more);
	if (c->timeout_side >= 0) {
		const ts_xp_side *a = &c->s[c->timeout_side];
		int syn = a->rexmit_run_first == a->syn_frame ||
			  (a->syn && !c->s[!c->timeout_side].started);
		if (!syn && a->fin_frame)
			/* Linux tcp_write_timeout: a closed socket (SOCK_DEAD)
			 * retries tcp_orphan_retries times, then tcp_done()
			 * with no call left to fail */
			fprintf(
			    f,
			    "  %s retransmitted from #%" PRIu64 " %" PRIu32
			    " times without an answer to the end of the "
			    "capture; it had sent its FIN (#%" PRIu64
			    "): if its application closed the socket, the "
			    "orphan gives up after tcp_orphan_retries and "
			    "is destroyed, no call left to fail; if it only "
			    "shut down writing, it gives up after "
			    "tcp_retries2 and its next call fails with "
			    "ETIMEDOUT; no RST is sent either way (Linux "
			    "tcp_write_timeout)\n",
			    side_name(c->timeout_side), a->rexmit_run_first,
			    a->rexmit_run, a->fin_frame);
		else
			fprintf(f,
				"  %s retransmitted from #%" PRIu64 " %" PRIu32
				" times without an answer to the end of the "
				"capture: if it gave up (%s), its %s "
				"ETIMEDOUT; no RST is sent then (Linux "
				"tcp_write_timeout)\n",
				side_name(c->timeout_side), a->rexmit_run_first,
				a->rexmit_run,
				syn ? "tcp_syn_retries" : "tcp_retries2",
				syn ? "connect() fails with"
				    : "next call fails with");
	}
	fputc('\n', f);
}

static void write_json(ts_xp *x, const ts_xp_conn *c)
{
	FILE *f = x->out;
	fprintf(f, "{\"type\":\"connection\",\"conn\":%" PRIu32 ",\"a\":\"",
		c->id);
	put_addr(f, c->s[0].addr, c->s[0].port);
	fputs("\",\"b\":\"", f);
	put_addr(f, c->s[1].addr, c->s[1].port);
	fprintf(f,
		"\",\"first_frame\":%" PRIu64 ",\"last_frame\":%" PRIu64
		",\"segments\":%" PRIu32 ",\"mid\":%s,\"rtt_us\":%" PRId64,
		c->first_frame, c->last_frame, c->nseg,
		c->mid ? "true" : "false", c->rtt_us);
	for (int i = 0; i < 2; i++) {
		const ts_xp_side *a = &c->s[i];
		fprintf(f,
			",\"%s\":{\"segments\":%" PRIu32 ",\"bytes\":%" PRIu64
			",\"retransmissions\":%" PRIu32 ",\"probes\":%" PRIu32
			",\"window_probes\":%" PRIu32 ",\"fin\":%" PRIu64
			",\"rst\":%" PRIu64 ",\"missing\":%" PRIu32
			",\"state\":\"%s\"}",
			i ? "b_sent" : "a_sent", a->segs, a->bytes, a->rexmits,
			a->probes, a->wprobes, a->fin ? a->fin_frame : 0,
			a->rst_frame, a->gaps, ts_xp_state_name(a->state));
	}
	fprintf(f, ",\"rsts\":%d,\"end\":\"%s\"", c->nrst + c->rst_more,
		c->nrst                                              ? "reset"
		: c->s[0].fin_acked_frame && c->s[1].fin_acked_frame ? "closed"
		: c->timeout_side >= 0                               ? "timeout"
								     : "open");
	if (c->timeout_side >= 0)
		fprintf(f,
			",\"timeout\":{\"side\":\"%s\",\"from\":%" PRIu64
			",\"retransmissions\":%" PRIu32 ",\"errno\":"
			"\"ETIMEDOUT\"}",
			side_name(c->timeout_side),
			c->s[c->timeout_side].rexmit_run_first,
			c->s[c->timeout_side].rexmit_run);
	fputs("}\n", f);
	for (int i = 0; i < c->nrst; i++) {
		const ts_xp_rst *r = &c->rst[i];
		fprintf(f,
			"{\"type\":\"rst\",\"conn\":%" PRIu32
			",\"frame\":%" PRIu64 ",\"from\":\"%s\",\"state\":"
			"\"%s\",\"answers\":%" PRIu64 ",\"arrived\":%s,"
			"\"rule_id\":",
			c->id, r->frame, side_name(r->from),
			ts_xp_state_name(r->state), r->answers,
			r->arrived == 0 ? "false" : "null");
		put_json_str(f, r->ncand ? r->cand[0].id : "unexplained");
		if (x->lines) {
			/* the trace's lines made from the RST's frame */
			fputs(",\"lines\":", f);
			put_json_lines(f, x, r->frame);
		}
		fputs(",\"candidates\":[", f);
		for (int j = 0; j < r->ncand; j++) {
			const ts_xp_cand *k = &r->cand[j];
			fprintf(f, "%s{\"rank\":%d,\"id\":", j ? "," : "",
				k->rank);
			put_json_str(f, k->id);
			fputs(",\"likelihood\":", f);
			put_json_str(f, k->how);
			if (k->reason >= 0) {
				fputs(",\"rule\":", f);
				put_json_str(f,
					     tcpsim_reason_rule(TCPSIM_EV_RESET,
								k->reason));
			}
			fputs(",\"why\":", f);
			put_json_str(f, k->why);
			fputs(",\"application\":", f);
			put_json_str(f, k->app);
			fputs(",\"evidence\":[", f);
			for (int e = 0; e < k->nev; e++)
				fprintf(f, "%s%" PRIu64, e ? "," : "",
					k->ev[e]);
			fputc(']', f);
			if (x->lines) {
				/* the trace's lines of each frame, null when
				 * none */
				fputs(",\"evidence_lines\":[", f);
				for (int e = 0; e < k->nev; e++) {
					fputs(e ? "," : "", f);
					put_json_lines(f, x, k->ev[e]);
				}
				fputc(']', f);
			}
			fputc('}', f);
		}
		fputs("],\"next_calls\":{\"peer\":", f);
		put_json_str(f, r->errno_peer);
		fputs(",\"sender\":", f);
		put_json_str(f, r->errno_self);
		fputs("}}\n", f);
	}
}

static void write_conn(ts_xp *x, ts_xp_conn *c)
{
	if (x->json)
		write_json(x, c);
	else
		write_text(x, c);
}

void ts_xp_finish(ts_xp *x, const ts_cap_stats *st, const char *err)
{
	while (x->ended_head)
		conn_done(x, (conn_priv *)x->ended_head);
	/* the open ones, the longest silent first */
	while (x->open_tail)
		conn_done(x, (conn_priv *)x->open_tail);
	if (!x->out)
		return;
	FILE *f = x->out;
	uint64_t other = 0;
	if (st)
		for (int k = 0; k < TS_CAP_NKINDS; k++)
			if (k != TS_CAP_TCP)
				other += st->kind[k];
	if (x->json) {
		fprintf(f,
			"{\"type\":\"summary\",\"connections\":%" PRIu64
			",\"rsts\":%" PRIu64 ",\"timeouts\":%" PRIu64
			",\"mid\":%" PRIu64,
			x->tot.conns, x->tot.rsts, x->tot.timeouts, x->tot.mid);
		fputs(",\"by_rule\":{", f);
		int first = 1;
		for (size_t i = 0; i < NIDS; i++)
			if (x->tot.by_id[i]) {
				fprintf(f, "%s\"%s\":%" PRIu64,
					first ? "" : ",", ids[i],
					x->tot.by_id[i]);
				first = 0;
			}
		fputc('}', f);
		if (st)
			fprintf(f,
				",\"frames\":%" PRIu64 ",\"tcp\":%" PRIu64
				",\"skipped\":%" PRIu64 ",\"ipv6\":%" PRIu64
				",\"truncated\":%" PRIu64 ",\"cut\":%" PRIu64
				",\"duplicates\":%" PRIu64
				",\"backwards\":%" PRIu64,
				st->frames, st->kind[TS_CAP_TCP], other,
				st->kind[TS_CAP_IPV6],
				st->kind[TS_CAP_TRUNCATED], st->cut,
				st->duplicates, st->backwards);
		if (err) {
			fputs(",\"error\":", f);
			put_json_str(f, err);
		}
		fputs("}\n", f);
		return;
	}
	fprintf(f, "summary: %" PRIu64 " connection%s, %" PRIu64 " RST%s",
		x->tot.conns, x->tot.conns == 1 ? "" : "s", x->tot.rsts,
		x->tot.rsts == 1 ? "" : "s");
	int first = 1;
	for (size_t i = 0; i < NIDS; i++)
		if (x->tot.by_id[i]) {
			fprintf(f, "%s%s %" PRIu64, first ? " (" : ", ", ids[i],
				x->tot.by_id[i]);
			first = 0;
		}
	if (!first)
		fputc(')', f);
	fprintf(f, ", %" PRIu64 " timeout%s", x->tot.timeouts,
		x->tot.timeouts == 1 ? "" : "s");
	if (x->tot.mid)
		fprintf(f, ", %" PRIu64 " seen from the middle", x->tot.mid);
	if (st) {
		fprintf(f, "; %" PRIu64 " frames, %" PRIu64 " TCP", st->frames,
			st->kind[TS_CAP_TCP]);
		if (other)
			fprintf(f,
				", %" PRIu64 " others skipped (%" PRIu64
				" IPv6, %" PRIu64 " truncated)",
				other, st->kind[TS_CAP_IPV6],
				st->kind[TS_CAP_TRUNCATED]);
		if (st->cut)
			fprintf(f, ", %" PRIu64 " cut by the snap length",
				st->cut);
		if (st->duplicates)
			fprintf(f, ", %" PRIu64 " duplicate frames skipped",
				st->duplicates);
		if (st->backwards)
			fprintf(f,
				", %" PRIu64 " stamped before the frame "
				"before",
				st->backwards);
	}
	fputc('\n', f);
}

void ts_xp_free(ts_xp *x)
{
	if (!x)
		return;
	while (x->ended_head) {
		conn_priv *p = (conn_priv *)x->ended_head;
		list_del(x, p);
		free(p->c.rst);
		free(p);
	}
	while (x->open_head) {
		conn_priv *p = (conn_priv *)x->open_head;
		list_del(x, p);
		free(p->c.rst);
		free(p);
	}
	for (size_t i = 0; i <= x->ports.mask && x->ports.slots; i++)
		free(x->ports.slots[i].val);
	ts_hmap_free(&x->ports);
	ts_hmap_free(&x->conns);
	free(x);
}
