/*
 * diff.c - where the kernel's run of a trace differs from the model's.
 *
 * Both runs are event streams of the same kinds (the kernel's made from
 * what was observed, with its initial sequence numbers, timestamp offsets
 * and ephemeral ports mapped to the model's), so they compare field by
 * field: each call line's result, each expect line's verdict, the
 * segments of each direction, each variable's final state. Time is real
 * on the kernel: segments pair up when their times are within the
 * tolerance, and times are never compared otherwise; nor are timestamp
 * values, which follow the times. Each difference is one line without a
 * kernel time in it, so that a known difference reads the same on every
 * run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/kdiff.h"

typedef struct call_out {
	int found;
	int ret;  /* returned (CALL or RETURN) */
	int stop; /* else: FAIL's reason */
	tcpsim_call_result res;
} call_out;

static void call_of(const kd_events *e, int line, call_out *o)
{
	memset(o, 0, sizeof *o);
	for (size_t i = 0; i < e->n; i++) {
		const tcpsim_event *ev = &e->ev[i];
		if (ev->line != line)
			continue;
		if (ev->kind == TCPSIM_EV_CALL ||
		    ev->kind == TCPSIM_EV_RETURN) {
			o->found = o->ret = 1;
			o->res = ev->u.call;
			return;
		}
		if (ev->kind == TCPSIM_EV_FAIL &&
		    ev->u.fail.reason != TCPSIM_FAIL_RESULT &&
		    ev->u.fail.reason != TCPSIM_FAIL_EXPECT) {
			o->found = 1;
			o->stop = (int)ev->u.fail.reason;
		}
	}
}

static void result_text(char *b, size_t cap, const call_out *o)
{
	static const char *const stops[] = {
	    [TCPSIM_FAIL_NO_RETURN] = "never returned",
	    [TCPSIM_FAIL_NOT_RUN] = "not run (its process blocked)",
	    [TCPSIM_FAIL_SKIPPED] = "not run (host down or process gone)",
	    [TCPSIM_FAIL_UNBOUND] = "not run (its variable names no socket)"};
	if (!o->found) {
		snprintf(b, cap, "no result");
		return;
	}
	if (!o->ret) {
		const char *s = o->stop >= 0 && o->stop <= TCPSIM_FAIL_UNBOUND
				    ? stops[o->stop]
				    : NULL;
		snprintf(b, cap, "%s", s ? s : "not run");
		return;
	}
	const tcpsim_call_result *r = &o->res;
	if (r->value < 0)
		snprintf(b, cap, "-1 %s%s", r->errno_name ? r->errno_name : "?",
			 r->sigpipe ? " +SIGPIPE" : "");
	else if (r->has_addr)
		snprintf(b, cap, "%u.%u.%u.%u:%u", r->addr >> 24,
			 r->addr >> 16 & 255, r->addr >> 8 & 255, r->addr & 255,
			 r->port);
	else
		snprintf(b, cap, "%lld%s", (long long)r->value,
			 r->sigpipe ? " +SIGPIPE" : "");
}

static int same_result(const call_out *a, const call_out *b)
{
	if (a->found != b->found || a->ret != b->ret)
		return 0;
	if (!a->ret)
		return a->stop == b->stop;
	const tcpsim_call_result *x = &a->res, *y = &b->res;
	if (x->value != y->value || x->sigpipe != y->sigpipe)
		return 0;
	if (x->value < 0 && x->err != y->err)
		return 0;
	if (x->has_addr != y->has_addr ||
	    (x->has_addr && (x->addr != y->addr || x->port != y->port)))
		return 0;
	return 1;
}

static const tcpsim_event *expect_of(const kd_events *e, int line)
{
	for (size_t i = 0; i < e->n; i++)
		if (e->ev[i].kind == TCPSIM_EV_EXPECT && e->ev[i].line == line)
			return &e->ev[i];
	return NULL;
}

static void flags_text(char *b, size_t cap, int f)
{
	static const struct {
		int bit;
		const char *name;
	} fl[] = {{TCPSIM_SYN, "SYN"},
		  {TCPSIM_FIN, "FIN"},
		  {TCPSIM_RST, "RST"},
		  {TCPSIM_PSH, "PSH"},
		  {TCPSIM_ACK, "ACK"}};
	b[0] = 0;
	for (size_t i = 0; i < sizeof fl / sizeof *fl; i++)
		if (f & fl[i].bit) {
			if (b[0])
				strncat(b, "|", cap - strlen(b) - 1);
			strncat(b, fl[i].name, cap - strlen(b) - 1);
		}
	if (!b[0])
		snprintf(b, cap, "none");
}

static void seg_text(char *b, size_t cap, const tcpsim_event *ev)
{
	char fl[32];
	const tcpsim_segment *s = &ev->u.seg.seg;
	flags_text(fl, sizeof fl, s->flags);
	snprintf(b, cap, "%s>%s %s seq=%u ack=%u len=%u", ev->u.seg.from_name,
		 ev->u.seg.to_name, fl, s->seq, s->ack, s->len);
}

static int same_core(const tcpsim_segment *a, const tcpsim_segment *b)
{
	return a->flags == b->flags && a->seq == b->seq &&
	       (!(a->flags & TCPSIM_ACK) || a->ack == b->ack) &&
	       a->len == b->len;
}

static int64_t absd(int64_t x)
{
	return x < 0 ? -x : x;
}

static int close_in_time(const tcpsim_event *a, const tcpsim_event *b,
			 int64_t tol)
{
	int64_t t = a->time_us > tol * 5 ? a->time_us / 5 : tol;
	return absd(a->time_us - b->time_us) <= t;
}

/* The fields of two segments that pair up but differ, into B. */
static int fields_differ(char *b, size_t cap, const tcpsim_segment *m,
			 const tcpsim_segment *k)
{
	b[0] = 0;
	size_t n = 0;
#define DIFF(cond, ...)                                                        \
	do {                                                                   \
		if ((cond) && n < cap)                                         \
			n += (size_t)snprintf(b + n, cap - n, __VA_ARGS__);    \
	} while (0)
	if (m->flags != k->flags && n < cap) {
		char a[32], c[32];
		flags_text(a, sizeof a, m->flags);
		flags_text(c, sizeof c, k->flags);
		n += (size_t)snprintf(b + n, cap - n, " flags %s/%s", a, c);
	}
	DIFF(m->seq != k->seq, " seq %u/%u", m->seq, k->seq);
	DIFF((m->flags & TCPSIM_ACK) && m->ack != k->ack, " ack %u/%u", m->ack,
	     k->ack);
	DIFF(m->len != k->len, " len %u/%u", m->len, k->len);
	DIFF(m->win != k->win, " win %u/%u", m->win, k->win);
	DIFF(m->mss != k->mss, " mss %u/%u", m->mss, k->mss);
	DIFF(m->wscale_ok != k->wscale_ok ||
		 (m->wscale_ok && m->wscale != k->wscale),
	     " wscale %d/%d", m->wscale_ok ? m->wscale : -1,
	     k->wscale_ok ? k->wscale : -1);
	DIFF(m->sack_ok != k->sack_ok, " sackOK %d/%d", m->sack_ok, k->sack_ok);
	DIFF(m->ts != k->ts, " ts %d/%d", m->ts, k->ts);
	int sack_same = m->nsack == k->nsack;
	for (int i = 0; sack_same && i < m->nsack; i++)
		sack_same = m->sack[i][0] == k->sack[i][0] &&
			    m->sack[i][1] == k->sack[i][1];
	DIFF(!sack_same, " sack blocks %d/%d", m->nsack, k->nsack);
	DIFF(m->fo != k->fo || m->fo_len != k->fo_len, " fastopen");
#undef DIFF
	return b[0] != 0;
}

/* The SEND events of E from A to B. */
static const tcpsim_event **sends(const kd_events *e, int a, int b, size_t *n)
{
	const tcpsim_event **v = malloc((e->n + 1) * sizeof *v);
	*n = 0;
	if (!v)
		return NULL;
	for (size_t i = 0; i < e->n; i++)
		if (e->ev[i].kind == TCPSIM_EV_SEND &&
		    e->ev[i].u.seg.from == a && e->ev[i].u.seg.to == b)
			v[(*n)++] = &e->ev[i];
	return v;
}

static int compare_segments(const ts_trace *t, const kd_events *m,
			    const kd_events *k, int64_t tol, FILE *out)
{
	int nd = 0;
	for (int a = 0; a < t->nhosts; a++)
		for (int b = 0; b < t->nhosts; b++) {
			if (a == b)
				continue;
			size_t nm, nk;
			const tcpsim_event **ms = sends(m, a, b, &nm),
					   **ks = sends(k, a, b, &nk);
			char *mk = calloc(nm + 1, 1), *kk = calloc(nk + 1, 1);
			if (!ms || !ks || !mk || !kk) {
				fprintf(out, "%s: out of memory\n",
					t->filename);
				nd++;
				goto next;
			}
			/* pass 1: the same segment, near the same time */
			for (size_t i = 0; i < nm; i++)
				for (size_t j = 0; j < nk; j++) {
					if (kk[j] ||
					    !same_core(&ms[i]->u.seg.seg,
						       &ks[j]->u.seg.seg) ||
					    !close_in_time(ms[i], ks[j], tol))
						continue;
					mk[i] = kk[j] = 1;
					char f[256], s[160];
					if (fields_differ(f, sizeof f,
							  &ms[i]->u.seg.seg,
							  &ks[j]->u.seg.seg)) {
						seg_text(s, sizeof s, ms[i]);
						fprintf(out,
							"%s: segment %s: "
							"fields differ "
							"(model/kernel):%s\n",
							t->filename, s, f);
						nd++;
					}
					break;
				}
			/* pass 2: one of each side near the same time, with
			 * the same sequence number and either the same flags
			 * or the same length (flags or fields differ) */
			for (size_t i = 0; i < nm; i++) {
				if (mk[i])
					continue;
				for (size_t j = 0; j < nk; j++) {
					const tcpsim_segment
					    *x = &ms[i]->u.seg.seg,
					    *y = &ks[j]->u.seg.seg;
					if (kk[j] || x->seq != y->seq ||
					    (x->flags != y->flags &&
					     x->len != y->len) ||
					    !close_in_time(ms[i], ks[j], tol))
						continue;
					mk[i] = kk[j] = 1;
					char f[256], s[160];
					fields_differ(f, sizeof f,
						      &ms[i]->u.seg.seg,
						      &ks[j]->u.seg.seg);
					seg_text(s, sizeof s, ms[i]);
					fprintf(out,
						"%s: segment %s: fields differ "
						"(model/kernel):%s\n",
						t->filename, s, f);
					nd++;
					break;
				}
			}
			for (size_t i = 0; i < nm; i++)
				if (!mk[i]) {
					char s[160];
					seg_text(s, sizeof s, ms[i]);
					fprintf(out,
						"%s: segment %s (model at "
						"%lld.%06lld): sent by the "
						"model only\n",
						t->filename, s,
						(long long)(ms[i]->time_us /
							    1000000),
						(long long)(ms[i]->time_us %
							    1000000));
					nd++;
				}
			for (size_t j = 0; j < nk; j++)
				if (!kk[j]) {
					char s[160];
					seg_text(s, sizeof s, ks[j]);
					fprintf(out,
						"%s: segment %s: sent by the "
						"kernel only\n",
						t->filename, s);
					nd++;
				}
		next:
			free(ms);
			free(ks);
			free(mk);
			free(kk);
		}
	return nd;
}

/* The final state of host H's variable VAR in E: 1 with *STATE, 0 when
 * the variable names nothing any more, -1 when not listed. */
static int final_of(const kd_events *e, const char *host, const char *var,
		    int *state)
{
	for (size_t i = 0; i < e->n; i++) {
		const tcpsim_event *ev = &e->ev[i];
		if (ev->kind != TCPSIM_EV_FINAL || !ev->host_name ||
		    strcmp(ev->host_name, host) || !ev->u.final.sock.var ||
		    strcmp(ev->u.final.sock.var, var))
			continue;
		if (ev->u.final.reason == TCPSIM_FINAL_SOCKET) {
			*state = (int)ev->u.final.state;
			return 1;
		}
		*state = TCPSIM_CLOSED;
		return 0;
	}
	return -1;
}

int kd_compare(const ts_trace *t, const kd_events *m, const kd_events *k,
	       int64_t tol_us, FILE *out)
{
	int nd = 0;
	for (int i = 0; i < t->nstmts; i++) {
		const ts_stmt *st = &t->stmts[i];
		if (st->kind == TS_STMT_CALL) {
			call_out a, b;
			call_of(m, st->line, &a);
			call_of(k, st->line, &b);
			if (same_result(&a, &b))
				continue;
			char ra[96], rb[96], ct[160];
			result_text(ra, sizeof ra, &a);
			result_text(rb, sizeof rb, &b);
			tcpsim_call_text(&st->u.call, ct, sizeof ct);
			fprintf(out,
				"%s:%d: %s: %s: %s on the model, %s on "
				"the kernel\n",
				t->filename, st->line, t->hosts[st->host].name,
				ct, ra, rb);
			nd++;
		} else if (st->kind == TS_STMT_EXPECT) {
			const tcpsim_event *a = expect_of(m, st->line),
					   *b = expect_of(k, st->line);
			int oa = a && a->u.expect.ok, ob = b && b->u.expect.ok;
			if (oa == ob)
				continue;
			char ta[160], tb[160];
			if (a)
				tcpsim_event_text(a, ta, sizeof ta);
			else
				snprintf(ta, sizeof ta, "not checked");
			if (b)
				tcpsim_event_text(b, tb, sizeof tb);
			else
				snprintf(tb, sizeof tb, "not checked");
			fprintf(out,
				"%s:%d: expect: model \"%s\", kernel \"%s\"\n",
				t->filename, st->line, ta, tb);
			nd++;
		}
	}
	nd += compare_segments(t, m, k, tol_us, out);
	for (int h = 0; h < t->nhosts; h++)
		for (int v = 0; v < t->hosts[h].nvars; v++) {
			const char *hn = t->hosts[h].name,
				   *vn = t->hosts[h].vars[v];
			int sa = TCPSIM_CLOSED, sb = TCPSIM_CLOSED;
			int fa = final_of(m, hn, vn, &sa),
			    fb = final_of(k, hn, vn, &sb);
			if (fa < 0 && fb < 0)
				continue;
			if (sa == sb)
				continue;
			fprintf(out,
				"%s: final state of %s %s: %s on the model, %s "
				"on the kernel\n",
				t->filename, hn, vn, tcpsim_state_name(sa),
				tcpsim_state_name(sb));
			nd++;
		}
	if (nd)
		fprintf(out, "%s: %d difference%s\n", t->filename, nd,
			nd == 1 ? "" : "s");
	else
		fprintf(out, "%s: the model and the kernel agree\n",
			t->filename);
	return nd;
}
