/*
 * test_events.c - the typed event stream, through <tcpsim.h>: the reason
 * tables are complete, the events carry the numbers they promise (a
 * state change its cause and segment, an RST its reason, a drop its
 * reason and answer, a timer its counts, the final state and the tally),
 * the event mask holds back what nobody asked for, and every JSON line of
 * the catalogue is valid JSON with the fields doc/json.md lists (read
 * back with jansson).
 */
#include <check.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sink.h"
#include "tcpsim.h"

/* ---- the reason tables ---- */

START_TEST(rst_reasons_complete)
{
	for (int r = 0; r < TCPSIM_NRST; r++) {
		const char *w = tcpsim_reason_text(TCPSIM_EV_RESET, r);
		const char *rule = tcpsim_reason_rule(TCPSIM_EV_RESET, r);
		const char *lx = tcpsim_reason_linux(TCPSIM_EV_RESET, r);
		ck_assert_msg(w && *w, "RST reason %d has no words", r);
		/* Every RST rule cites the Linux function behind it. */
		ck_assert_msg(rule && strstr(rule, "Linux "),
			      "RST reason %d (%s) cites no Linux function", r,
			      w);
		ck_assert_msg(lx && *lx, "RST reason %d has no sk_rst_reason",
			      r);
		for (int q = 0; q < r; q++)
			ck_assert_msg(
			    strcmp(w, tcpsim_reason_text(TCPSIM_EV_RESET, q)) ||
				strcmp(rule,
				       tcpsim_reason_rule(TCPSIM_EV_RESET, q)),
			    "RST reasons %d and %d read the same", q, r);
	}
	ck_assert_ptr_null(tcpsim_reason_text(TCPSIM_EV_RESET, TCPSIM_NRST));
	ck_assert_ptr_null(tcpsim_reason_rule(TCPSIM_EV_RESET, -1));
	ck_assert_ptr_null(tcpsim_reason_linux(TCPSIM_EV_RESET, TCPSIM_NRST));
	ck_assert_str_eq(
	    tcpsim_reason_linux(TCPSIM_EV_RESET, TCPSIM_RST_NO_SOCKET),
	    "NO_SOCKET");
}
END_TEST

START_TEST(drop_reasons_complete)
{
	for (int r = 0; r < TCPSIM_NDROP; r++) {
		const char *w = tcpsim_reason_text(TCPSIM_EV_DROP, r);
		const char *rule = tcpsim_reason_rule(TCPSIM_EV_DROP, r);
		ck_assert_msg(w && *w, "drop reason %d has no words", r);
		ck_assert_msg(
		    rule && (strstr(rule, "Linux ") || strstr(rule, "RFC ")),
		    "drop reason %d (%s) cites no rule", r, w);
		const char *lx = tcpsim_reason_linux(TCPSIM_EV_DROP, r);
		ck_assert(lx == NULL || *lx);
	}
	ck_assert_ptr_null(tcpsim_reason_text(TCPSIM_EV_DROP, TCPSIM_NDROP));
	ck_assert_str_eq(
	    tcpsim_reason_linux(TCPSIM_EV_DROP, TCPSIM_DROP_LISTEN_RST),
	    "TCP_RESET");
	/* A SYN the listener drops is freed without a drop reason. */
	ck_assert_ptr_null(tcpsim_reason_linux(
	    TCPSIM_EV_DROP, TCPSIM_DROP_SYN_ACCEPT_QUEUE_FULL));
	ck_assert_ptr_null(tcpsim_drop_answer_name(TCPSIM_ANSWER_NONE));
	ck_assert_ptr_null(tcpsim_drop_answer_name(TCPSIM_NANSWER));
	for (int a = 1; a < TCPSIM_NANSWER; a++)
		ck_assert_ptr_nonnull(tcpsim_drop_answer_name(a));
	ck_assert_str_eq(tcpsim_drop_answer_name(TCPSIM_ANSWER_CHALLENGE_ACK),
			 "CHALLENGE_ACK");
}
END_TEST

START_TEST(timer_and_state_tables_complete)
{
	for (int t = 0; t < TCPSIM_NT; t++) {
		ck_assert_ptr_nonnull(tcpsim_reason_text(TCPSIM_EV_TIMER, t));
		const char *rule = tcpsim_reason_rule(TCPSIM_EV_TIMER, t);
		ck_assert_msg(rule && strstr(rule, "Linux "),
			      "timer event %d cites no Linux function", t);
	}
	ck_assert_ptr_null(tcpsim_reason_text(TCPSIM_EV_TIMER, TCPSIM_NT));
	for (int c = 0; c < TCPSIM_NBY; c++) {
		const char *w = tcpsim_reason_text(TCPSIM_EV_STATE, c);
		ck_assert_msg(w && *w, "state cause %d has no words", c);
	}
	ck_assert_ptr_null(tcpsim_reason_text(TCPSIM_EV_STATE, TCPSIM_NBY));
	ck_assert_ptr_null(tcpsim_reason_text(TCPSIM_EV_CALL, 0));
	for (int k = 0; k < TCPSIM_NEV; k++)
		ck_assert_ptr_nonnull(tcpsim_event_kind_name(k));
	ck_assert_ptr_null(tcpsim_event_kind_name(TCPSIM_NEV));
}
END_TEST

/* ---- events of a run ---- */

/* What a test keeps of an event: the strings it names are gone after
 * the callback, so only the numbers, and the text of the detail. */
struct rec {
	tcpsim_event ev;
	char detail[256];
};

struct log {
	struct rec *v;
	int n, cap;
};

static void on_event(void *ctx, const tcpsim_event *ev)
{
	struct log *l = ctx;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = realloc(l->v, (size_t)l->cap * sizeof *l->v);
		ck_assert_ptr_nonnull(l->v);
	}
	struct rec *r = &l->v[l->n++];
	r->ev = *ev;
	tcpsim_event_text(ev, r->detail, sizeof r->detail);
}

/* Run the trace at PATH with MASK, its events in *L; returns the run's
 * status. */
static int run_path(const char *path, uint32_t mask, struct log *l)
{
	size_t len;
	char *text = read_file(path, &len);
	tcpsim_options o;
	tcpsim_options_init(&o);
	o.event = on_event;
	o.event_ctx = l;
	o.event_mask = mask;
	tcpsim_error e;
	int rc = tcpsim_run_trace(path, text, len, &o, &e);
	ck_assert_msg(rc != TCPSIM_ERROR, "%s: %s", path, e.message);
	free(text);
	return rc;
}

/* The same for the catalogue's trace NAME (under traces/). */
static int run_logged(const char *name, uint32_t mask, struct log *l)
{
	const char *top = getenv("TOP_SRCDIR");
	char path[4096];
	snprintf(path, sizeof path, "%s/traces/%s", top ? top : ".", name);
	return run_path(path, mask, l);
}

/* The index of the first event of KIND whose detail contains TEXT. */
static int find(const struct log *l, tcpsim_event_kind kind, const char *text)
{
	for (int i = 0; i < l->n; i++)
		if (l->v[i].ev.kind == kind && strstr(l->v[i].detail, text))
			return i;
	ck_abort_msg("no %s event with \"%s\"", tcpsim_event_kind_name(kind),
		     text);
	return -1;
}

START_TEST(events_of_broken_pipe)
{
	struct log l = {0};
	ck_assert_int_eq(run_logged("close/broken-pipe.trace", 0, &l),
			 TCPSIM_OK);
	/* The client's FIN #4 arrives: a state change caused by it. */
	const tcpsim_event *st =
	    &l.v[find(&l, TCPSIM_EV_STATE, "ESTABLISHED -> CLOSE_WAIT")].ev;
	ck_assert_int_eq(st->u.state.old_state, TCPSIM_ESTABLISHED);
	ck_assert_int_eq(st->u.state.new_state, TCPSIM_CLOSE_WAIT);
	ck_assert_int_eq(st->u.state.cause, TCPSIM_BY_FIN_RECEIVED);
	ck_assert_uint_eq(st->u.state.segno, 4);
	/* The listener's child: its cause names the listener. */
	st = &l.v[find(&l, TCPSIM_EV_STATE, "LISTEN -> SYN_RECEIVED")].ev;
	ck_assert_int_eq(st->u.state.cause, TCPSIM_BY_SYN_TO_LISTENER);
	ck_assert_uint_eq(st->u.state.listener.lport, 80);
	/* The RST: its reason, then the segment, which carries it. */
	int r = find(&l, TCPSIM_EV_RESET, "sends RST");
	ck_assert_int_eq(l.v[r].ev.u.reset.reason, TCPSIM_RST_FIN_WAIT_2_DATA);
	ck_assert_uint_eq(l.v[r].ev.u.reset.sock.lport, 80);
	const tcpsim_event *snd = &l.v[r + 1].ev;
	ck_assert_int_eq(snd->kind, TCPSIM_EV_SEND);
	ck_assert_uint_eq(snd->u.seg.seg.flags, TCPSIM_RST);
	ck_assert_int_eq(snd->u.seg.rst, TCPSIM_RST_FIN_WAIT_2_DATA);
	ck_assert_uint_eq(snd->u.seg.segno, 7);
	ck_assert_int_eq(snd->u.seg.cause.kind, TCPSIM_CAUSE_SEGMENT);
	ck_assert_uint_eq(snd->u.seg.cause.value, 6);
	/* The failed write: its errno and SIGPIPE, as numbers too. */
	const tcpsim_event *w = &l.v[find(&l, TCPSIM_EV_CALL, "EPIPE")].ev;
	ck_assert_int_eq(w->u.call.value, -1);
	ck_assert_str_eq(l.v[find(&l, TCPSIM_EV_CALL, "EPIPE")].detail,
			 "write(c, 100) = -1 EPIPE (Broken pipe) +SIGPIPE");
	ck_assert_int_eq(w->u.call.sigpipe, 1);
	ck_assert_int_eq(w->line, 21);
	/* After the run: every socket's final state, then the tally. */
	int nfinal = 0;
	for (int i = 0; i < l.n; i++)
		if (l.v[i].ev.kind == TCPSIM_EV_FINAL)
			nfinal++;
	ck_assert_int_eq(nfinal, 3);
	const tcpsim_event *f = &l.v[find(&l, TCPSIM_EV_FINAL, "s LISTEN")].ev;
	ck_assert_int_eq(f->u.final.reason, TCPSIM_FINAL_SOCKET);
	ck_assert_int_eq(f->u.final.state, TCPSIM_LISTEN);
	ck_assert_int_eq(f->u.final.orphan, 0);
	f = &l.v[find(&l, TCPSIM_EV_FINAL, "a CLOSED")].ev;
	ck_assert_int_eq(f->u.final.reason, TCPSIM_FINAL_CLOSED);
	const tcpsim_event *d = &l.v[l.n - 1].ev;
	ck_assert_int_eq(d->kind, TCPSIM_EV_DONE);
	ck_assert_int_eq(d->u.done.checked, 12);
	ck_assert_int_eq(d->u.done.failed, 0);
	free(l.v);
}
END_TEST

START_TEST(events_of_drops)
{
	struct log l = {0};
	run_logged("duplicate/s08c-syn-in-established-challenge-ack.trace", 0,
		   &l);
	int i = find(&l, TCPSIM_EV_DROP, "challenge ACK (RFC 5961)");
	ck_assert_int_eq(l.v[i].ev.u.drop.reason,
			 TCPSIM_DROP_SYN_OUT_OF_WINDOW);
	ck_assert_int_eq(l.v[i].ev.u.drop.answer, TCPSIM_ANSWER_CHALLENGE_ACK);
	/* The segment dropped is the one that just arrived. */
	ck_assert_int_eq(l.v[i - 1].ev.kind, TCPSIM_EV_RECV);
	ck_assert_uint_eq(l.v[i].ev.u.drop.segno, l.v[i - 1].ev.u.seg.segno);
	i = find(&l, TCPSIM_EV_DROP, "rate limit");
	ck_assert_int_eq(l.v[i].ev.u.drop.answer,
			 TCPSIM_ANSWER_CHALLENGE_ACK_RATE_LIMITED);
	free(l.v);
	memset(&l, 0, sizeof l);
	run_logged("setup/s13d-accept-queue-overflow.trace", 0, &l);
	i = find(&l, TCPSIM_EV_DROP, "accept queue full");
	ck_assert_int_eq(l.v[i].ev.u.drop.reason,
			 TCPSIM_DROP_SYN_ACCEPT_QUEUE_FULL);
	ck_assert_int_eq(l.v[i].ev.u.drop.queued, 2);
	ck_assert_int_eq(l.v[i].ev.u.drop.backlog, 1);
	free(l.v);
}
END_TEST

START_TEST(events_of_timers)
{
	struct log l = {0};
	run_logged("loss/data-retries.trace", 0, &l);
	uint32_t count = 0;
	int64_t rto = 0;
	for (int i = 0; i < l.n; i++) {
		const tcpsim_event *ev = &l.v[i].ev;
		if (ev->kind != TCPSIM_EV_TIMER ||
		    ev->u.timer.what != TCPSIM_T_RETRANSMIT)
			continue;
		/* Each retransmission timeout counts one more, and its RTO
		 * is the one the last announced (doubling, RFC 6298 §5.5). */
		ck_assert_uint_eq(ev->u.timer.count, count + 1);
		if (rto)
			ck_assert_int_eq(ev->u.timer.rto_us, rto);
		ck_assert_int_ge(ev->u.timer.next_us, ev->u.timer.rto_us);
		count = ev->u.timer.count;
		rto = ev->u.timer.next_us;
	}
	ck_assert_uint_ge(count, 3);
	int i = find(&l, TCPSIM_EV_TIMER, "");
	ck_assert_int_eq(l.v[i].ev.u.timer.what, TCPSIM_T_LOSS_PROBE);
	/* A loss probe is no retransmission timeout: it counts nothing and
	 * names no knob, limit or RTO (RFC 8985 §7.3, doc/json.md). */
	ck_assert_uint_eq(l.v[i].ev.u.timer.count, 0);
	ck_assert_int_eq(l.v[i].ev.u.timer.limit, 0);
	ck_assert_ptr_null(l.v[i].ev.u.timer.knob);
	ck_assert_int_eq(l.v[i].ev.u.timer.rto_us, 0);
	ck_assert_int_eq(l.v[i].ev.u.timer.next_us, 0);
	free(l.v);
}
END_TEST

START_TEST(events_of_zero_window_timers)
{
	/* A zero-window probe counts the probes unanswered so far and
	 * announces the next timeout; giving up (TCP_USER_TIMEOUT here)
	 * counts them and names no limit, RTO or next timeout (doc/json.md:
	 * where they apply). */
	struct log l = {0};
	run_logged("loss/zero-window-user-timeout.trace", 0, &l);
	int i = find(&l, TCPSIM_EV_TIMER, "zero-window probe 1");
	const tcpsim_event *ev = &l.v[i].ev;
	ck_assert_int_eq(ev->u.timer.what, TCPSIM_T_ZERO_WINDOW_PROBE);
	ck_assert_uint_eq(ev->u.timer.count, 1);
	ck_assert_int_eq(ev->u.timer.limit, 0);
	ck_assert_int_eq(ev->u.timer.rto_us, 0);
	ck_assert_int_eq(ev->u.timer.next_us, 440000);
	i = find(&l, TCPSIM_EV_TIMER, "giving up");
	ev = &l.v[i].ev;
	ck_assert_int_eq(ev->u.timer.what, TCPSIM_T_ZERO_WINDOW_GIVE_UP);
	ck_assert_uint_eq(ev->u.timer.count, 1);
	ck_assert_int_eq(ev->u.timer.limit, 0);
	ck_assert_ptr_null(ev->u.timer.knob);
	ck_assert_int_eq(ev->u.timer.rto_us, 0);
	ck_assert_int_eq(ev->u.timer.next_us, 0);
	free(l.v);
}
END_TEST

START_TEST(events_of_time_wait_over)
{
	/* TIME_WAIT's end (RFC 9293 §3.10.8, Linux tcp_time_wait): a timer
	 * with nothing to count, no limit and nothing next. */
	struct log l = {0};
	ck_assert_int_eq(run_logged("close/orderly.trace", 0, &l), TCPSIM_OK);
	int i = find(&l, TCPSIM_EV_TIMER, "TIME_WAIT over");
	const tcpsim_event *ev = &l.v[i].ev;
	ck_assert_int_eq(ev->u.timer.what, TCPSIM_T_TIME_WAIT_OVER);
	ck_assert_uint_eq(ev->u.timer.count, 0);
	ck_assert_int_eq(ev->u.timer.limit, 0);
	ck_assert_ptr_null(ev->u.timer.knob);
	ck_assert_int_eq(ev->u.timer.rto_us, 0);
	ck_assert_int_eq(ev->u.timer.next_us, 0);
	free(l.v);
}
END_TEST

START_TEST(events_of_a_duplicate)
{
	/* net: dup: the second copy arrives as the duplicate, not as a
	 * replayed copy (net: replay's), and names the segment it copies. */
	struct log l = {0};
	ck_assert_int_eq(run_logged("duplicate/dup-data.trace", 0, &l),
			 TCPSIM_OK);
	int i = find(&l, TCPSIM_EV_RECV, "(the duplicate)");
	const tcpsim_event *ev = &l.v[i].ev;
	ck_assert(ev->u.seg.duplicated);
	ck_assert(!ev->u.seg.replayed);
	ck_assert_uint_eq(ev->u.seg.segno, 4);
	free(l.v);
}
END_TEST

START_TEST(events_of_syn_ack_and_keepalive_timers)
{
	/* A SYN-ACK sent again counts its retry, the limit
	 * (tcp_synack_retries) and the next timeout; a keepalive probe its
	 * count and the limit (tcp_keepalive_probes). Neither names an RTO
	 * that expired (doc/json.md: rto_us, where it applies). */
	struct log l = {0};
	run_logged("loss/s07a-handshake-ack-lost-silent-client.trace", 0, &l);
	int i = find(&l, TCPSIM_EV_TIMER, "SYN-ACK again");
	const tcpsim_event *ev = &l.v[i].ev;
	ck_assert_int_eq(ev->u.timer.what, TCPSIM_T_SYN_ACK_AGAIN);
	ck_assert_uint_eq(ev->u.timer.count, 1);
	ck_assert_int_eq(ev->u.timer.limit, 2);
	ck_assert_int_eq(ev->u.timer.rto_us, 0);
	ck_assert_int_eq(ev->u.timer.next_us, 2000000);
	free(l.v);
	memset(&l, 0, sizeof l);
	/* giving the request up: retries and limit, nothing further */
	run_logged("setup/s13e-accept-queue-full-at-final-ack.trace", 0, &l);
	i = find(&l, TCPSIM_EV_TIMER, "connection request dropped");
	ev = &l.v[i].ev;
	ck_assert_int_eq(ev->u.timer.what, TCPSIM_T_SYN_ACK_GIVE_UP);
	ck_assert_uint_eq(ev->u.timer.count, ev->u.timer.limit);
	ck_assert_int_eq(ev->u.timer.rto_us, 0);
	ck_assert_int_eq(ev->u.timer.next_us, 0);
	free(l.v);
	memset(&l, 0, sizeof l);
	run_logged("keepalive/s18a-keepalive-peer-gone.trace", 0, &l);
	for (i = 0; i < l.n; i++)
		if (l.v[i].ev.kind == TCPSIM_EV_TIMER &&
		    l.v[i].ev.u.timer.what == TCPSIM_T_KEEPALIVE_PROBE)
			break;
	ck_assert_int_lt(i, l.n);
	ev = &l.v[i].ev;
	ck_assert_uint_eq(ev->u.timer.count, 1);
	ck_assert_int_gt(ev->u.timer.limit, 0);
	ck_assert_int_eq(ev->u.timer.rto_us, 0);
	ck_assert_int_eq(ev->u.timer.next_us, 0);
	free(l.v);
}
END_TEST

/* A state change caused by a segment names a segment its host received:
 * the last one, or one that waited out of order for it (a FIN after a
 * hole), in every trace of the catalogue. */
static void state_segments_in(const char *path, int *checked, int *later)
{
	struct log l = {0};
	run_path(path, 0, &l);
	uint32_t last_recv[64] = {0};
	for (int i = 0; i < l.n; i++) {
		const tcpsim_event *ev = &l.v[i].ev;
		if (ev->host < 0 || ev->host >= 64)
			continue;
		if (ev->kind == TCPSIM_EV_RECV)
			last_recv[ev->host] = ev->u.seg.segno;
		if (ev->kind != TCPSIM_EV_STATE || !ev->u.state.segno)
			continue;
		int found = 0;
		for (int j = i - 1; j >= 0 && !found; j--)
			found = l.v[j].ev.kind == TCPSIM_EV_RECV &&
				l.v[j].ev.host == ev->host &&
				l.v[j].ev.u.seg.segno == ev->u.state.segno;
		ck_assert_msg(found,
			      "%s: \"%s\" names #%u, which its host never "
			      "received",
			      path, l.v[i].detail, ev->u.state.segno);
		(*checked)++;
		*later += ev->u.state.segno != last_recv[ev->host];
	}
	free(l.v);
}

START_TEST(state_causes_name_the_segment)
{
	int n, checked = 0, later = 0;
	char **v = catalogue(&n);
	ck_assert_int_ge(n, 80);
	for (int i = 0; i < n; i++)
		state_segments_in(v[i], &checked, &later);
	free_catalogue(v, n);
	ck_assert_int_ge(checked, 400);
	/* Nearly always the segment just received. */
	ck_assert_int_le(later * 50, checked);
}
END_TEST

START_TEST(event_mask_holds_back)
{
	struct log all = {0}, some = {0};
	run_logged("close/broken-pipe.trace", 0, &all);
	run_logged("close/broken-pipe.trace",
		   TCPSIM_EV_BIT(TCPSIM_EV_STATE) |
		       TCPSIM_EV_BIT(TCPSIM_EV_DONE),
		   &some);
	int want = 0;
	for (int i = 0; i < all.n; i++)
		if (all.v[i].ev.kind == TCPSIM_EV_STATE ||
		    all.v[i].ev.kind == TCPSIM_EV_DONE) {
			ck_assert_int_lt(want, some.n);
			ck_assert_int_eq(some.v[want].ev.kind,
					 all.v[i].ev.kind);
			ck_assert_str_eq(some.v[want].detail, all.v[i].detail);
			want++;
		}
	ck_assert_int_eq(some.n, want);
	ck_assert_int_ge(want, 10);
	free(all.v);
	free(some.v);
}
END_TEST

/* ---- JSON, read back ---- */

struct jctx {
	const char *trace;
	unsigned long long seq;
	int bad;
};

static int has(json_t *o, const char *k, json_type t)
{
	json_t *v = json_object_get(o, k);
	return v && json_typeof(v) == t;
}

static void check_json(void *ctx, const tcpsim_event *ev)
{
	struct jctx *c = ctx;
	char *line = tcpsim_event_json(ev, c->seq);
	ck_assert_ptr_nonnull(line);
	json_error_t err;
	json_t *o = json_loads(line, JSON_REJECT_DUPLICATES, &err);
	ck_assert_msg(o != NULL, "%s: event %llu is not JSON (%s): %s",
		      c->trace, c->seq, err.text, line);
	ck_assert(json_is_object(o));
	ck_assert_int_eq(json_integer_value(json_object_get(o, "v")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "seq")),
			 (json_int_t)c->seq);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "time_us")),
			 ev->time_us);
	const char *kind = json_string_value(json_object_get(o, "kind"));
	ck_assert_ptr_nonnull(kind);
	ck_assert_str_eq(kind, ev->kind == TCPSIM_EV_BLOCK
				   ? "block"
				   : tcpsim_event_kind_name(ev->kind));
	json_t *host = json_object_get(o, "host");
	ck_assert(ev->host < 0 ? json_is_null(host) : json_is_string(host));
	char detail[4096];
	tcpsim_event_text(ev, detail, sizeof detail);
	ck_assert_str_eq(json_string_value(json_object_get(o, "detail")),
			 detail);
	int ok = 1;
	switch (ev->kind) {
	case TCPSIM_EV_CALL:
	case TCPSIM_EV_RETURN:
		ok = has(o, "call", JSON_STRING) &&
		     has(o, "result", JSON_INTEGER) &&
		     json_object_get(o, "errno") &&
		     json_is_boolean(json_object_get(o, "sigpipe"));
		break;
	case TCPSIM_EV_STATE:
		ok = has(o, "socket", JSON_STRING) &&
		     has(o, "old_state", JSON_STRING) &&
		     has(o, "new_state", JSON_STRING) &&
		     has(o, "cause", JSON_STRING);
		break;
	case TCPSIM_EV_SEND:
	case TCPSIM_EV_INJECT:
	case TCPSIM_EV_RECV: {
		json_t *s = json_object_get(o, "segment");
		ok = has(o, "segno", JSON_INTEGER) && json_is_object(s) &&
		     has(s, "flags", JSON_ARRAY) && has(s, "seq", JSON_INTEGER);
		if (ok)
			ok = json_integer_value(json_object_get(s, "seq")) ==
			     (json_int_t)ev->u.seg.seg.seq;
		break;
	}
	case TCPSIM_EV_RESET:
		ok = has(o, "reason", JSON_STRING) &&
		     has(o, "rule", JSON_STRING) &&
		     has(o, "linux_reason", JSON_STRING);
		break;
	case TCPSIM_EV_DROP:
		ok = has(o, "socket", JSON_STRING) &&
		     has(o, "reason", JSON_STRING) &&
		     has(o, "rule", JSON_STRING);
		break;
	case TCPSIM_EV_TIMER:
		ok =
		    has(o, "timer", JSON_STRING) && has(o, "rule", JSON_STRING);
		break;
	case TCPSIM_EV_DONE:
		ok = has(o, "checked", JSON_INTEGER) &&
		     has(o, "failed", JSON_INTEGER);
		break;
	case TCPSIM_EV_EXPECT:
		ok = json_is_boolean(json_object_get(o, "ok"));
		break;
	case TCPSIM_EV_FINAL:
		ok = ev->u.final.reason != TCPSIM_FINAL_SOCKET ||
		     (has(o, "socket", JSON_STRING) &&
		      has(o, "state", JSON_STRING));
		break;
	case TCPSIM_EV_REXMIT:
		ok = has(o, "socket", JSON_STRING);
		break;
	case TCPSIM_EV_REPLAY:
		ok = has(o, "replay_of", JSON_INTEGER);
		break;
	case TCPSIM_EV_BLOCK:
		ok = has(o, "call", JSON_STRING);
		break;
	case TCPSIM_EV_LOST:
	case TCPSIM_EV_SIGNAL:
	case TCPSIM_EV_PROC:
	case TCPSIM_EV_HOST:
	case TCPSIM_EV_SKIP:
	case TCPSIM_EV_FAIL:
	case TCPSIM_EV_END:
	case TCPSIM_EV_WHY:
		break; /* the common fields only */
	}
	ck_assert_msg(ok, "%s: a field is missing: %s", c->trace, line);
	json_decref(o);
	free(line);
	c->seq++;
}

START_TEST(json_lines_read_back)
{
	int n;
	char **v = catalogue(&n);
	for (int i = 0; i < n; i++) {
		size_t len;
		char *text = read_file(v[i], &len);
		struct jctx c = {.trace = v[i]};
		tcpsim_options o;
		tcpsim_options_init(&o);
		o.event = check_json;
		o.event_ctx = &c;
		o.why = 1;
		tcpsim_error e;
		ck_assert_int_ne(tcpsim_run_trace(v[i], text, len, &o, &e),
				 TCPSIM_ERROR);
		ck_assert_uint_gt(c.seq, 10);
		free(text);
	}
	free_catalogue(v, n);
}
END_TEST

static Suite *events_suite(void)
{
	Suite *s = suite_create("events");
	TCase *tc = tcase_create("tables");
	tcase_add_test(tc, rst_reasons_complete);
	tcase_add_test(tc, drop_reasons_complete);
	tcase_add_test(tc, timer_and_state_tables_complete);
	suite_add_tcase(s, tc);
	tc = tcase_create("runs");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, events_of_broken_pipe);
	tcase_add_test(tc, events_of_drops);
	tcase_add_test(tc, events_of_timers);
	tcase_add_test(tc, events_of_zero_window_timers);
	tcase_add_test(tc, events_of_syn_ack_and_keepalive_timers);
	tcase_add_test(tc, events_of_time_wait_over);
	tcase_add_test(tc, events_of_a_duplicate);
	tcase_add_test(tc, state_causes_name_the_segment);
	tcase_add_test(tc, event_mask_holds_back);
	tcase_add_test(tc, json_lines_read_back);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *r = srunner_create(events_suite());
	srunner_run_all(r, CK_NORMAL);
	int failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
