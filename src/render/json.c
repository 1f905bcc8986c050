/*
 * json.c - one event as one JSON object (JSON Lines; doc/json.md, "v" is
 * the schema version). Times are integers (microseconds), so the output is
 * the same everywhere.
 *
 * The objects are written straight into a string builder, not built as a
 * tree first: a run writes one object per event, and a JSON library's
 * allocations per field made --json five times slower than the text
 * report (doc/performance.md). The writing follows RFC 8259: strings
 * escaped, non-ASCII as \uXXXX (UTF-16 surrogate pairs above U+FFFF).
 */
#include "render/json.h"

#include <stdlib.h>

#include "render/text.h"
#include "trace/trace.h"

#define SCHEMA_VERSION 1

static const char hex[] = "0123456789ABCDEF";

static void u_escape(ts_sb *sb, unsigned v)
{
	char e[6] = {'\\',
		     'u',
		     hex[v >> 12 & 15],
		     hex[v >> 8 & 15],
		     hex[v >> 4 & 15],
		     hex[v & 15]};
	ts_sb_putn(sb, e, 6);
}

/* The bytes a JSON string cannot hold as they are: control characters,
 * '"', '\\', and (ASCII output) all of UTF-8's. */
static int needs_escape(unsigned char c)
{
	return c < 0x20 || c >= 0x80 || c == '"' || c == '\\';
}

/* Whether any of the 8 bytes of W needs escaping (needs_escape), tested
 * at once: a byte below 0x20, from 0x80 up, '"' or '\\'. */
static int word_needs_escape(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ull, high = ones * 0x80;
	uint64_t quote = w ^ (ones * '"'), slash = w ^ (ones * '\\');
	return (((w - ones * 0x20) | (quote - ones) | (slash - ones) | w) &
		high) != 0;
}

/* The first of N bytes at S that needs escaping: N when none does. */
static size_t escape_at(const char *s, size_t n)
{
	size_t i = 0;
	for (; n - i >= 8; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		if (word_needs_escape(w))
			break;
	}
	while (i < n && !needs_escape((unsigned char)s[i]))
		i++;
	return i;
}

/* S (UTF-8) inside a JSON string, without the quotes: escapes, and ASCII
 * only. */
static void json_body(ts_sb *sb, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	while (p < end) {
		const unsigned char *run = p;
		/* Most text needs no escape: eight bytes a step. */
		p += escape_at((const char *)p, (size_t)(end - p));
		if (p > run)
			ts_sb_putn(sb, (const char *)run, (size_t)(p - run));
		if (p == end)
			break;
		unsigned c = *p;
		switch (c) {
		case '"':
			ts_sb_putn(sb, "\\\"", 2);
			p++;
			continue;
		case '\\':
			ts_sb_putn(sb, "\\\\", 2);
			p++;
			continue;
		case '\b':
			ts_sb_putn(sb, "\\b", 2);
			p++;
			continue;
		case '\f':
			ts_sb_putn(sb, "\\f", 2);
			p++;
			continue;
		case '\n':
			ts_sb_putn(sb, "\\n", 2);
			p++;
			continue;
		case '\r':
			ts_sb_putn(sb, "\\r", 2);
			p++;
			continue;
		case '\t':
			ts_sb_putn(sb, "\\t", 2);
			p++;
			continue;
		default:
			break;
		}
		if (c < 0x80) { /* another control character */
			u_escape(sb, c);
			p++;
			continue;
		}
		/* A UTF-8 sequence (the text is valid UTF-8: the trace was
		 * checked); a broken one becomes U+FFFD. */
		unsigned cp, k;
		if (c >= 0xf0)
			cp = c & 7, k = 3;
		else if (c >= 0xe0)
			cp = c & 15, k = 2;
		else if (c >= 0xc0)
			cp = c & 31, k = 1;
		else
			cp = 0xfffd, k = 0;
		p++;
		for (unsigned i = 0; i < k; i++) {
			if (p == end || (*p & 0xc0) != 0x80) {
				cp = 0xfffd;
				break;
			}
			cp = cp << 6 | (*p++ & 0x3f);
		}
		if (cp > 0xffff) {
			cp -= 0x10000;
			u_escape(sb, 0xd800 | cp >> 10);
			u_escape(sb, 0xdc00 | (cp & 0x3ff));
		} else {
			u_escape(sb, cp);
		}
	}
}

static void json_str_n(ts_sb *sb, const char *s, size_t n)
{
	ts_sb_putc(sb, '"');
	json_body(sb, s, n);
	ts_sb_putc(sb, '"');
}

static void json_str(ts_sb *sb, const char *s)
{
	json_str_n(sb, s, strlen(s));
}

/* ,"K": (K a literal) */
#define KEY(sb, k) TS_SB_LIT(sb, ",\"" k "\":")

/* A name of the trace language (hosts are [a-z][a-z0-9_-]*, variables
 * [A-Za-z_][A-Za-z0-9_-]*) or of tcpsim's tables: nothing to escape. */
static void json_name(ts_sb *sb, const char *s)
{
	ts_sb_putc(sb, '"');
	ts_sb_puts(sb, s);
	ts_sb_putc(sb, '"');
}

static void bool_value(ts_sb *sb, int v)
{
	if (v)
		TS_SB_LIT(sb, "true");
	else
		TS_SB_LIT(sb, "false");
}

/* "K":V, for a literal K. */
#define FIELD_INT(sb, k, v)                                                    \
	do {                                                                   \
		KEY(sb, k);                                                    \
		ts_sb_i64(sb, (int64_t)(v));                                   \
	} while (0)
#define FIELD_BOOL(sb, k, v)                                                   \
	do {                                                                   \
		KEY(sb, k);                                                    \
		bool_value(sb, (v));                                           \
	} while (0)
/* A name (json_name), when there is one. */
#define FIELD_NAME(sb, k, v)                                                   \
	do {                                                                   \
		const char *v_ = (v);                                          \
		if (v_) {                                                      \
			KEY(sb, k);                                            \
			json_name(sb, v_);                                     \
		}                                                              \
	} while (0)
/* Any text, escaped, when there is one. */
#define FIELD_STR(sb, k, v)                                                    \
	do {                                                                   \
		const char *v_ = (v);                                          \
		if (v_) {                                                      \
			KEY(sb, k);                                            \
			json_str(sb, v_);                                      \
		}                                                              \
	} while (0)

/* "detail": the report's text, written in place: most of it needs no
 * escape, and then it is not copied. */
static void field_detail(ts_sb *sb, const tcpsim_event *ev)
{
	KEY(sb, "detail");
	ts_sb_putc(sb, '"');
	size_t at = sb->len;
	ts_text_detail(sb, ev);
	size_t n = sb->len - at, k = escape_at(sb->buf + at, n);
	if (k < n) {
		/* Escape the rest from a copy of it. */
		char b[512];
		ts_sb tail;
		ts_sb_init(&tail, b, sizeof b);
		ts_sb_putn(&tail, sb->buf + at + k, n - k);
		sb->len = at + k;
		json_body(sb, tail.buf, tail.len);
		ts_sb_free(&tail);
	}
	ts_sb_putc(sb, '"');
}

/* "socket": the socket's name (a variable, ports and host names,
 * "port N": nothing to escape). */
static void field_sock(ts_sb *sb, const tcpsim_sock *s)
{
	KEY(sb, "socket");
	ts_sb_putc(sb, '"');
	ts_sb_sock(sb, s);
	ts_sb_putc(sb, '"');
}

/* A dropped segment: its number, the reason with its rule and Linux's
 * name for it, what was sent back, and the numbers of the SYN reasons. */
/* A timer's event: which (LOSS_PROBE ...) and its rule, and the numbers
 * it has. */
static void timer_fields(ts_sb *sb, const tcpsim_event *ev)
{
	field_sock(sb, &ev->u.timer.sock);
	FIELD_NAME(sb, "timer",
		   tcpsim_reason_text(TCPSIM_EV_TIMER, ev->u.timer.what));
	FIELD_STR(sb, "rule",
		  tcpsim_reason_rule(TCPSIM_EV_TIMER, ev->u.timer.what));
	if (ev->u.timer.count)
		FIELD_INT(sb, "count", ev->u.timer.count);
	if (ev->u.timer.knob) {
		FIELD_NAME(sb, "knob", ev->u.timer.knob);
		FIELD_INT(sb, "limit", ev->u.timer.limit);
	}
	if (ev->u.timer.rto_us)
		FIELD_INT(sb, "rto_us", ev->u.timer.rto_us);
	if (ev->u.timer.next_us)
		FIELD_INT(sb, "next_us", ev->u.timer.next_us);
}

static void drop_fields(ts_sb *sb, const tcpsim_event *ev)
{
	tcpsim_drop_reason r = ev->u.drop.reason;
	field_sock(sb, &ev->u.drop.sock);
	if (ev->u.drop.segno)
		FIELD_INT(sb, "segment", ev->u.drop.segno);
	FIELD_STR(sb, "reason", tcpsim_reason_text(TCPSIM_EV_DROP, r));
	FIELD_STR(sb, "rule", tcpsim_reason_rule(TCPSIM_EV_DROP, r));
	FIELD_NAME(sb, "linux_reason", tcpsim_reason_linux(TCPSIM_EV_DROP, r));
	FIELD_NAME(sb, "answer", tcpsim_drop_answer_name(ev->u.drop.answer));
	if (r == TCPSIM_DROP_SYN_NO_COOKIES ||
	    r == TCPSIM_DROP_SYN_ACCEPT_QUEUE_FULL ||
	    r == TCPSIM_DROP_SYN_COOKIE) {
		FIELD_INT(sb, "pending", ev->u.drop.pending);
		FIELD_INT(sb, "queued", ev->u.drop.queued);
		FIELD_INT(sb, "backlog", ev->u.drop.backlog);
	}
	if (r == TCPSIM_DROP_SYN_COOKIE)
		FIELD_INT(sb, "syncookies", ev->u.drop.syncookies);
}

static void addr_value(ts_sb *sb, uint32_t a, uint16_t port)
{
	ts_sb_putc(sb, '"');
	ts_sb_ipv4_port(sb, a, port);
	ts_sb_putc(sb, '"');
}

static void segment(ts_sb *sb, const tcpsim_segment *s)
{
	KEY(sb, "segment");
	ts_sb_putc(sb, '{');
	TS_SB_LIT(sb, "\"src\":\"");
	ts_sb_ipv4_port(sb, s->saddr, s->sport);
	TS_SB_LIT(sb, "\",\"dst\":\"");
	ts_sb_ipv4_port(sb, s->daddr, s->dport);
	TS_SB_LIT(sb, "\",\"flags\":[");
	int any = 0;
	for (size_t i = 0; i < sizeof ts_tcp_flags / sizeof ts_tcp_flags[0];
	     i++)
		if (s->flags & ts_tcp_flags[i].value) {
			if (any)
				ts_sb_putc(sb, ',');
			json_name(sb, ts_tcp_flags[i].name);
			any = 1;
		}
	ts_sb_putc(sb, ']');
	FIELD_INT(sb, "seq", s->seq);
	FIELD_INT(sb, "ack", s->ack);
	FIELD_INT(sb, "len", s->len);
	FIELD_INT(sb, "win", s->win);
	if (s->mss)
		FIELD_INT(sb, "mss", s->mss);
	if (s->flags & TCPSIM_SYN) {
		FIELD_BOOL(sb, "sack_ok", s->sack_ok);
		FIELD_BOOL(sb, "ts", s->ts);
	}
	if (s->ts) {
		FIELD_INT(sb, "tsval", s->tsval);
		FIELD_INT(sb, "tsecr", s->tsecr);
	}
	if (s->wscale_ok)
		FIELD_INT(sb, "wscale", s->wscale);
	if (s->fo) {
		/* the Fast Open cookie in hexadecimal, as the report writes
		 * it; "" for a request */
		static const char lhex[] = "0123456789abcdef";
		ts_sb_puts(sb, s->fo == TCPSIM_FO_EXP ? ",\"fo_exp\":\""
						      : ",\"fo\":\"");
		for (int i = 0; i < s->fo_len && i < TCPSIM_FO_COOKIE_MAX;
		     i++) {
			ts_sb_putc(sb, lhex[s->fo_cookie[i] >> 4]);
			ts_sb_putc(sb, lhex[s->fo_cookie[i] & 15]);
		}
		ts_sb_putc(sb, '"');
	}
	if (s->nsack) {
		ts_sb_puts(sb, ",\"sack\":[");
		for (int i = 0; i < s->nsack && i < TCPSIM_MAX_SACK; i++) {
			if (i)
				ts_sb_putc(sb, ',');
			ts_sb_putc(sb, '[');
			ts_sb_u64(sb, s->sack[i][0]);
			ts_sb_putc(sb, ',');
			ts_sb_u64(sb, s->sack[i][1]);
			ts_sb_putc(sb, ']');
		}
		ts_sb_putc(sb, ']');
	}
	ts_sb_putc(sb, '}');
}

static const char *state_name(tcpsim_state st)
{
	const char *n = tcpsim_state_name((int)st);
	return n ? n : "?";
}

static void call_fields(ts_sb *sb, const tcpsim_call_result *r, int result)
{
	char b[256];
	ts_sb t;
	ts_sb_init(&t, b, sizeof b);
	ts_call_fmt(&t, r->call);
	KEY(sb, "call");
	json_str_n(sb, t.buf, t.len);
	ts_sb_free(&t);
	if (!result)
		return;
	FIELD_INT(sb, "result", r->value);
	KEY(sb, "errno");
	if (r->errno_name)
		json_name(sb, r->errno_name);
	else
		ts_sb_putn(sb, "null", 4);
	FIELD_BOOL(sb, "sigpipe", r->sigpipe);
}

/* The names of hosts as JSON strings, made once per host (index). */
struct ts_json {
	struct quoted {
		const char *name; /* the name it was made from */
		char *s;
		size_t n;
	} * host;
	int nhost;
};

ts_json *ts_json_new(void)
{
	return calloc(1, sizeof(ts_json));
}

void ts_json_free(ts_json *j)
{
	if (!j)
		return;
	for (int i = 0; i < j->nhost; i++)
		free(j->host[i].s);
	free(j->host);
	free(j);
}

/* Host INDEX's NAME as a JSON string: from J's cache when there is one. */
static void host_name(ts_json *j, ts_sb *sb, int index, const char *name)
{
	if (!j || index < 0) {
		json_name(sb, name);
		return;
	}
	if (index >= j->nhost) {
		int n = index + 1;
		struct quoted *h = realloc(j->host, (size_t)n * sizeof *h);
		if (!h) {
			json_name(sb, name);
			return;
		}
		memset(h + j->nhost, 0, (size_t)(n - j->nhost) * sizeof *h);
		j->host = h;
		j->nhost = n;
	}
	struct quoted *q = &j->host[index];
	if (q->name != name) {
		ts_sb t;
		ts_sb_init(&t, NULL, 0);
		json_name(&t, name);
		if (t.failed) {
			ts_sb_free(&t);
			json_name(sb, name);
			return;
		}
		free(q->s);
		q->s = t.heap;
		q->n = t.len;
		q->name = name;
	}
	ts_sb_putn(sb, q->s, q->n);
}

void ts_json_event(ts_json *j, ts_sb *sb, const tcpsim_event *ev,
		   unsigned long long seq)
{
	TS_SB_LIT(sb, "{\"v\":");
	ts_sb_u64(sb, SCHEMA_VERSION);
	FIELD_INT(sb, "seq", (int64_t)seq);
	FIELD_INT(sb, "time_us", ev->time_us);
	KEY(sb, "kind");
	json_name(sb, ev->kind == TCPSIM_EV_BLOCK ? "block"
						  : ts_text_kind(ev->kind));
	KEY(sb, "host");
	if (ev->host_name)
		host_name(j, sb, ev->host, ev->host_name);
	else
		ts_sb_putn(sb, "null", 4);
	field_detail(sb, ev);
	if (ev->line)
		FIELD_INT(sb, "line", ev->line);
	switch (ev->kind) {
	case TCPSIM_EV_STATE: {
		char cb[160];
		ts_sb ct;
		field_sock(sb, &ev->u.state.sock);
		FIELD_NAME(sb, "old_state", state_name(ev->u.state.old_state));
		FIELD_NAME(sb, "new_state", state_name(ev->u.state.new_state));
		ts_sb_init(&ct, cb, sizeof cb);
		ts_text_state_cause(&ct, ev);
		KEY(sb, "cause");
		json_str_n(sb, ct.buf, ct.len);
		ts_sb_free(&ct);
		break;
	}
	case TCPSIM_EV_SEND:
	case TCPSIM_EV_INJECT:
	case TCPSIM_EV_REPLAY:
	case TCPSIM_EV_RECV:
	case TCPSIM_EV_LOST:
		FIELD_INT(sb, "segno", ev->u.seg.segno);
		if (ev->u.seg.from_name) {
			KEY(sb, "from");
			host_name(j, sb, ev->u.seg.from, ev->u.seg.from_name);
		}
		if (ev->u.seg.to_name) {
			KEY(sb, "to");
			host_name(j, sb, ev->u.seg.to, ev->u.seg.to_name);
		}
		segment(sb, &ev->u.seg.seg);
		if (ev->kind == TCPSIM_EV_SEND ||
		    ev->kind == TCPSIM_EV_INJECT) {
			FIELD_BOOL(sb, "dropped", ev->u.seg.dropped);
			FIELD_BOOL(sb, "duplicated", ev->u.seg.duplicated);
			FIELD_INT(sb, "delay_us", ev->u.seg.delay_us);
		}
		if (ev->kind == TCPSIM_EV_RECV)
			FIELD_BOOL(sb, "duplicate", ev->u.seg.duplicated);
		if (ev->kind == TCPSIM_EV_REPLAY)
			FIELD_INT(sb, "replay_of", ev->u.seg.replay_of);
		break;
	case TCPSIM_EV_CALL:
	case TCPSIM_EV_RETURN:
		call_fields(sb, &ev->u.call, 1);
		if (ev->kind == TCPSIM_EV_RETURN)
			FIELD_INT(sb, "began_us", ev->u.call.began_us);
		break;
	case TCPSIM_EV_BLOCK:
		call_fields(sb, &ev->u.call, 0);
		break;
	case TCPSIM_EV_RESET:
		field_sock(sb, &ev->u.reset.sock);
		FIELD_STR(
		    sb, "reason",
		    tcpsim_reason_text(TCPSIM_EV_RESET, ev->u.reset.reason));
		FIELD_STR(
		    sb, "rule",
		    tcpsim_reason_rule(TCPSIM_EV_RESET, ev->u.reset.reason));
		FIELD_NAME(
		    sb, "linux_reason",
		    tcpsim_reason_linux(TCPSIM_EV_RESET, ev->u.reset.reason));
		FIELD_NAME(sb, "rule_id",
			   tcpsim_rst_id((int)ev->u.reset.reason,
					 ev->u.reset.trigger));
		break;
	case TCPSIM_EV_EXPECT:
		FIELD_BOOL(sb, "ok", ev->u.expect.ok);
		break;
	case TCPSIM_EV_DROP:
		drop_fields(sb, ev);
		break;
	case TCPSIM_EV_TIMER:
		timer_fields(sb, ev);
		break;
	case TCPSIM_EV_REXMIT:
		field_sock(sb, &ev->u.rexmit.sock);
		break;
	case TCPSIM_EV_FINAL: {
		const tcpsim_sock *s = &ev->u.final.sock;
		if (ev->u.final.reason == TCPSIM_FINAL_SOCKET ||
		    ev->u.final.reason == TCPSIM_FINAL_CLOSED)
			field_sock(sb, s);
		if (ev->u.final.reason == TCPSIM_FINAL_SOCKET) {
			FIELD_NAME(sb, "state", state_name(ev->u.final.state));
			KEY(sb, "local");
			addr_value(sb, s->laddr, s->lport);
			if (s->raddr) {
				KEY(sb, "remote");
				addr_value(sb, s->raddr, s->rport);
			}
			FIELD_BOOL(sb, "orphan", ev->u.final.orphan);
		} else if (ev->u.final.reason == TCPSIM_FINAL_CLOSED) {
			FIELD_NAME(sb, "state", "CLOSED");
		}
		break;
	}
	case TCPSIM_EV_DONE:
		FIELD_INT(sb, "checked", ev->u.done.checked);
		FIELD_INT(sb, "failed", ev->u.done.failed);
		break;
	case TCPSIM_EV_SIGNAL:
	case TCPSIM_EV_PROC:
	case TCPSIM_EV_HOST:
	case TCPSIM_EV_SKIP:
	case TCPSIM_EV_FAIL:
	case TCPSIM_EV_END:
	case TCPSIM_EV_WHY:
		break;
	}
	ts_sb_putc(sb, '}');
}

char *tcpsim_event_json(const tcpsim_event *ev, unsigned long long seq)
{
	ts_sb sb;
	ts_sb_init(&sb, NULL, 0);
	ts_json_event(NULL, &sb, ev, seq);
	ts_sb_putc(&sb, '\0');
	if (sb.failed) {
		ts_sb_free(&sb);
		return NULL;
	}
	return sb.heap; /* the caller frees it */
}
