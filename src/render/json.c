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

/* S (UTF-8) as a JSON string: escapes, and ASCII only. */
static void json_str_n(ts_sb *sb, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	ts_sb_putc(sb, '"');
	while (p < end) {
		const unsigned char *run = p;
		while (p < end && *p >= 0x20 && *p < 0x80 && *p != '"' &&
		       *p != '\\')
			p++;
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
	ts_sb_putc(sb, '"');
}

static void json_str(ts_sb *sb, const char *s)
{
	json_str_n(sb, s, strlen(s));
}

/* ,"KEY": */
static void key(ts_sb *sb, const char *k)
{
	ts_sb_putn(sb, ",\"", 2);
	ts_sb_puts(sb, k);
	ts_sb_putn(sb, "\":", 2);
}

static void field_str(ts_sb *sb, const char *k, const char *v)
{
	if (!v)
		return;
	key(sb, k);
	json_str(sb, v);
}

static void field_int(ts_sb *sb, const char *k, int64_t v)
{
	key(sb, k);
	ts_sb_i64(sb, v);
}

static void field_bool(ts_sb *sb, const char *k, int v)
{
	key(sb, k);
	if (v)
		ts_sb_putn(sb, "true", 4);
	else
		ts_sb_putn(sb, "false", 5);
}

/* A field made by the text renderer: "KEY":"text". */
static void field_sock(ts_sb *sb, const char *k, const tcpsim_sock *s)
{
	char b[96];
	ts_sb t;
	ts_sb_init(&t, b, sizeof b);
	ts_sb_sock(&t, s);
	key(sb, k);
	json_str_n(sb, t.buf, t.len);
	ts_sb_free(&t);
}

static void field_addr(ts_sb *sb, const char *k, uint32_t a, uint16_t port)
{
	key(sb, k);
	ts_sb_putc(sb, '"');
	ts_sb_ipv4_port(sb, a, port);
	ts_sb_putc(sb, '"');
}

static void segment(ts_sb *sb, const tcpsim_segment *s)
{
	key(sb, "segment");
	ts_sb_putc(sb, '{');
	ts_sb_puts(sb, "\"src\":\"");
	ts_sb_ipv4_port(sb, s->saddr, s->sport);
	ts_sb_puts(sb, "\",\"dst\":\"");
	ts_sb_ipv4_port(sb, s->daddr, s->dport);
	ts_sb_puts(sb, "\",\"flags\":[");
	int any = 0;
	for (size_t i = 0; i < sizeof ts_tcp_flags / sizeof ts_tcp_flags[0];
	     i++)
		if (s->flags & ts_tcp_flags[i].value) {
			if (any)
				ts_sb_putc(sb, ',');
			json_str(sb, ts_tcp_flags[i].name);
			any = 1;
		}
	ts_sb_putc(sb, ']');
	field_int(sb, "seq", s->seq);
	field_int(sb, "ack", s->ack);
	field_int(sb, "len", s->len);
	field_int(sb, "win", s->win);
	if (s->mss)
		field_int(sb, "mss", s->mss);
	if (s->flags & TCPSIM_SYN) {
		field_bool(sb, "sack_ok", s->sack_ok);
		field_bool(sb, "ts", s->ts);
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
	key(sb, "call");
	json_str_n(sb, t.buf, t.len);
	ts_sb_free(&t);
	if (!result)
		return;
	field_int(sb, "result", r->value);
	key(sb, "errno");
	if (r->errno_name)
		json_str(sb, r->errno_name);
	else
		ts_sb_putn(sb, "null", 4);
	field_bool(sb, "sigpipe", r->sigpipe);
}

void ts_json_event(ts_sb *sb, const tcpsim_event *ev, unsigned long long seq)
{
	char b[512];
	ts_sb detail;
	ts_sb_puts(sb, "{\"v\":");
	ts_sb_u64(sb, SCHEMA_VERSION);
	field_int(sb, "seq", (int64_t)seq);
	field_int(sb, "time_us", ev->time_us);
	key(sb, "kind");
	json_str(sb, ev->kind == TCPSIM_EV_BLOCK ? "block"
						 : ts_text_kind(ev->kind));
	key(sb, "host");
	if (ev->host_name)
		json_str(sb, ev->host_name);
	else
		ts_sb_putn(sb, "null", 4);
	ts_sb_init(&detail, b, sizeof b);
	ts_text_detail(&detail, ev);
	key(sb, "detail");
	json_str_n(sb, detail.buf, detail.len);
	ts_sb_free(&detail);
	if (ev->line)
		field_int(sb, "line", ev->line);
	switch (ev->kind) {
	case TCPSIM_EV_STATE: {
		char cb[160];
		ts_sb ct;
		field_sock(sb, "socket", &ev->u.state.sock);
		field_str(sb, "old_state", state_name(ev->u.state.old_state));
		field_str(sb, "new_state", state_name(ev->u.state.new_state));
		ts_sb_init(&ct, cb, sizeof cb);
		ts_text_state_cause(&ct, ev);
		key(sb, "cause");
		json_str_n(sb, ct.buf, ct.len);
		ts_sb_free(&ct);
		break;
	}
	case TCPSIM_EV_SEND:
	case TCPSIM_EV_INJECT:
	case TCPSIM_EV_REPLAY:
	case TCPSIM_EV_RECV:
	case TCPSIM_EV_LOST:
		field_int(sb, "segno", ev->u.seg.segno);
		field_str(sb, "from", ev->u.seg.from_name);
		field_str(sb, "to", ev->u.seg.to_name);
		segment(sb, &ev->u.seg.seg);
		if (ev->kind == TCPSIM_EV_SEND ||
		    ev->kind == TCPSIM_EV_INJECT) {
			field_bool(sb, "dropped", ev->u.seg.dropped);
			field_bool(sb, "duplicated", ev->u.seg.duplicated);
			field_int(sb, "delay_us", ev->u.seg.delay_us);
		}
		if (ev->kind == TCPSIM_EV_RECV)
			field_bool(sb, "duplicate", ev->u.seg.duplicated);
		if (ev->kind == TCPSIM_EV_REPLAY)
			field_int(sb, "replay_of", ev->u.seg.replay_of);
		break;
	case TCPSIM_EV_CALL:
	case TCPSIM_EV_RETURN:
		call_fields(sb, &ev->u.call, 1);
		if (ev->kind == TCPSIM_EV_RETURN)
			field_int(sb, "began_us", ev->u.call.began_us);
		break;
	case TCPSIM_EV_BLOCK:
		call_fields(sb, &ev->u.call, 0);
		break;
	case TCPSIM_EV_RESET:
		field_sock(sb, "socket", &ev->u.reset.sock);
		field_str(
		    sb, "reason",
		    tcpsim_reason_text(TCPSIM_EV_RESET, ev->u.reset.reason));
		field_str(
		    sb, "rule",
		    tcpsim_reason_rule(TCPSIM_EV_RESET, ev->u.reset.reason));
		break;
	case TCPSIM_EV_EXPECT:
		field_bool(sb, "ok", ev->u.expect.ok);
		break;
	case TCPSIM_EV_DROP:
		field_sock(sb, "socket", &ev->u.drop.sock);
		break;
	case TCPSIM_EV_TIMER:
		field_sock(sb, "socket", &ev->u.timer.sock);
		break;
	case TCPSIM_EV_REXMIT:
		field_sock(sb, "socket", &ev->u.rexmit.sock);
		break;
	case TCPSIM_EV_FINAL: {
		const tcpsim_sock *s = &ev->u.final.sock;
		if (ev->u.final.reason == TCPSIM_FINAL_SOCKET ||
		    ev->u.final.reason == TCPSIM_FINAL_CLOSED)
			field_sock(sb, "socket", s);
		if (ev->u.final.reason == TCPSIM_FINAL_SOCKET) {
			field_str(sb, "state", state_name(ev->u.final.state));
			field_addr(sb, "local", s->laddr, s->lport);
			if (s->raddr)
				field_addr(sb, "remote", s->raddr, s->rport);
			field_bool(sb, "orphan", ev->u.final.orphan);
		} else if (ev->u.final.reason == TCPSIM_FINAL_CLOSED) {
			field_str(sb, "state", "CLOSED");
		}
		break;
	}
	case TCPSIM_EV_DONE:
		field_int(sb, "checked", ev->u.done.checked);
		field_int(sb, "failed", ev->u.done.failed);
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
	ts_json_event(&sb, ev, seq);
	ts_sb_putc(&sb, '\0');
	if (sb.failed) {
		ts_sb_free(&sb);
		return NULL;
	}
	return sb.heap; /* the caller frees it */
}
