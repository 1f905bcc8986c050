/*
 * parse.c - the packetdrill script language, read into timed events
 * (pkt.h). First stage of the packetdrill pipeline: script text -> events
 * -> the runner (run.c).
 *
 * A script is: option lines ("--tolerance_usecs=10000"), an optional
 * backquoted command (the preamble: defaults.sh, sysctls), the events,
 * each a time and an action (a packet "<" or ">", a system call, a
 * backquoted command, a %{ }% code block), and an optional backquoted
 * command at the end (the clean-up). Tokens run across lines, as
 * packetdrill's lexer reads them: a call's arguments may span several.
 *
 * What the language says and tcpsim cannot run (IPv6, UDP, ICMP, ECN
 * flags, encapsulation, Fast Open options, shell commands) is not an
 * error: the event becomes TS_PKT_UNSUPPORTED_EV, naming it, and the
 * parser goes on at the next line that starts an event. Malformed text
 * is an error: FILE:LINE:COL: message.
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkt/pkt.h"

typedef enum tk {
	TK_EOF,
	TK_NUM,    /* 12, 0.200, .1, 0x1f */
	TK_WORD,   /* [A-Za-z_][A-Za-z0-9_]* */
	TK_ELLIP,  /* ... */
	TK_PUNCT,  /* any other character */
	TK_BQ,     /* `command` */
	TK_CODE,   /* %{ code }% */
	TK_STRING, /* "text" */
	TK_OPTION  /* --name[=value], alone on its line */
} tk;

typedef struct tok {
	tk kind;
	size_t pos, len; /* the token's bytes (BQ, CODE, STRING: inside) */
	int line, col;
	int bol; /* first token of its line */
} tok;

typedef struct parser {
	const char *src;
	size_t len, off;
	int line;
	size_t line_start;
	tok cur; /* the next token */
	ts_pkt_script *s;
	tcpsim_error *err;
	int failed;
	int nevents_cap;
} parser;

/* ---- errors ---- */

static void source_line(const parser *p, int line, char *buf, size_t cap)
{
	size_t o = 0;
	int l = 1;
	while (o < p->len && l < line)
		if (p->src[o++] == '\n')
			l++;
	size_t e = o;
	while (e < p->len && p->src[e] != '\n' && p->src[e] != '\r')
		e++;
	size_t n = e - o < cap - 1 ? e - o : cap - 1;
	memcpy(buf, p->src + o, n);
	buf[n] = '\0';
}

__attribute__((format(printf, 4, 5))) static int
fail_at(parser *p, int line, int col, const char *fmt, ...)
{
	if (p->failed)
		return -1;
	p->failed = 1;
	tcpsim_error *e = p->err;
	memset(e, 0, sizeof *e);
	snprintf(e->file, sizeof e->file, "%s", p->s->filename);
	e->line = line;
	e->col = col;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof e->message, fmt, ap);
	va_end(ap);
	source_line(p, line, e->source, sizeof e->source);
	return -1;
}

/* "'word'", or "the end of the script", for messages. */
static const char *tok_desc(const parser *p, tok t, char *buf, size_t cap)
{
	switch (t.kind) {
	case TK_EOF:
		return "the end of the script";
	case TK_BQ:
		return "a backquoted command";
	case TK_CODE:
		return "a %{ }% code block";
	case TK_STRING:
		return "a string";
	case TK_OPTION:
		return "an option line";
	case TK_NUM:
	case TK_WORD:
	case TK_ELLIP:
	case TK_PUNCT:
		break;
	}
	int n = t.len > 40 ? 40 : (int)t.len;
	snprintf(buf, cap, "'%.*s'", n, p->src + t.pos);
	return buf;
}

static int fail_tok(parser *p, tok t, const char *what)
{
	char b[64];
	return fail_at(p, t.line, t.col, "expected %s, found %s", what,
		       tok_desc(p, t, b, sizeof b));
}

/* ---- the lexer ---- */

static int at(const parser *p, size_t o)
{
	return o < p->len ? (unsigned char)p->src[o] : 0;
}

static void newline(parser *p, size_t o)
{
	p->line++;
	p->line_start = o + 1;
}

/* Scan the token at p->off into p->cur. */
static void scan(parser *p)
{
	int bol;
	for (;;) {
		int c = at(p, p->off);
		if (c == '\n') {
			newline(p, p->off);
			p->off++;
		} else if (c == ' ' || c == '\t' || c == '\r' || c == '\f') {
			p->off++;
		} else if (c == '/' && at(p, p->off + 1) == '/') {
			while (p->off < p->len && p->src[p->off] != '\n')
				p->off++;
		} else if (c == '/' && at(p, p->off + 1) == '*') {
			int l = p->line,
			    col = (int)(p->off - p->line_start) + 1;
			p->off += 2;
			while (p->off < p->len && !(p->src[p->off] == '*' &&
						    at(p, p->off + 1) == '/')) {
				if (p->src[p->off] == '\n')
					newline(p, p->off);
				p->off++;
			}
			if (p->off >= p->len) {
				fail_at(p, l, col, "unterminated comment");
				p->cur.kind = TK_EOF;
				return;
			}
			p->off += 2;
		} else {
			break;
		}
	}
	/* A token is first on its line when nothing but blanks came
	 * before it on that line. */
	{
		size_t o = p->line_start;
		bol = 1;
		while (o < p->off) {
			int c = at(p, o);
			if (c != ' ' && c != '\t' && c != '\r' && c != '\f') {
				bol = 0;
				break;
			}
			o++;
		}
	}
	tok t = {.pos = p->off,
		 .line = p->line,
		 .col = (int)(p->off - p->line_start) + 1,
		 .bol = bol};
	int c = at(p, p->off);
	size_t o = p->off;
	if (o >= p->len) {
		t.kind = TK_EOF;
	} else if (bol && c == '-' && at(p, o + 1) == '-') {
		t.kind = TK_OPTION;
		while (o < p->len && p->src[o] != '\n' && p->src[o] != '\r')
			o++;
		while (o > t.pos &&
		       (p->src[o - 1] == ' ' || p->src[o - 1] == '\t'))
			o--;
		t.len = o - t.pos;
		o = t.pos + t.len;
	} else if (isdigit(c) || (c == '.' && isdigit(at(p, o + 1)))) {
		t.kind = TK_NUM;
		if (c == '0' && (at(p, o + 1) == 'x' || at(p, o + 1) == 'X')) {
			o += 2;
			while (isxdigit(at(p, o)))
				o++;
		} else {
			while (isdigit(at(p, o)))
				o++;
			if (at(p, o) == '.' && isdigit(at(p, o + 1))) {
				o++;
				while (isdigit(at(p, o)))
					o++;
			}
		}
		t.len = o - t.pos;
	} else if (isalpha(c) || c == '_') {
		t.kind = TK_WORD;
		while (isalnum(at(p, o)) || at(p, o) == '_')
			o++;
		t.len = o - t.pos;
	} else if (c == '.' && at(p, o + 1) == '.' && at(p, o + 2) == '.') {
		t.kind = TK_ELLIP;
		t.len = 3;
		o += 3;
	} else if (c == '`' || c == '"' || (c == '%' && at(p, o + 1) == '{')) {
		int code = c == '%';
		t.kind = code ? TK_CODE : c == '`' ? TK_BQ : TK_STRING;
		o += code ? 2 : 1;
		t.pos = o;
		for (;;) {
			if (o >= p->len) {
				fail_at(p, t.line, t.col, "unterminated %s",
					code       ? "%{ code block"
					: c == '`' ? "backquoted command"
						   : "string");
				p->cur.kind = TK_EOF;
				p->off = p->len;
				return;
			}
			if (code ? (p->src[o] == '}' && at(p, o + 1) == '%')
				 : p->src[o] == c)
				break;
			if (p->src[o] == '\n')
				newline(p, o);
			o++;
		}
		t.len = o - t.pos;
		o += code ? 2 : 1;
	} else {
		t.kind = TK_PUNCT;
		t.len = 1;
		o++;
	}
	p->off = o;
	p->cur = t;
}

static tok peek(const parser *p)
{
	return p->cur;
}

static tok next(parser *p)
{
	tok t = p->cur;
	if (t.kind != TK_EOF)
		scan(p);
	return t;
}

static int is_punct(const parser *p, tok t, char c)
{
	return t.kind == TK_PUNCT && p->src[t.pos] == c;
}

static int is_word(const parser *p, tok t, const char *w)
{
	return t.kind == TK_WORD && strlen(w) == t.len &&
	       memcmp(p->src + t.pos, w, t.len) == 0;
}

static int take_punct(parser *p, char c)
{
	tok t = next(p);
	if (is_punct(p, t, c))
		return 0;
	char what[8];
	snprintf(what, sizeof what, "'%c'", c);
	return fail_tok(p, t, what);
}

/* An unsigned integer token up to MAX: 0, or -1 after an error. */
static int num_value(parser *p, tok t, const char *what, uint64_t max,
		     uint64_t *out)
{
	if (t.kind != TK_NUM)
		return fail_tok(p, t, what);
	const char *s = p->src + t.pos;
	uint64_t v = 0;
	size_t i = 0;
	int hex = t.len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	if (hex)
		i = 2;
	for (; i < t.len; i++) {
		int d;
		if (s[i] == '.')
			return fail_at(p, t.line, t.col,
				       "%s: expected an integer, found '%.*s'",
				       what, (int)t.len, s);
		d = isdigit((unsigned char)s[i]) ? s[i] - '0'
						 : (tolower(s[i]) - 'a' + 10);
		v = v * (hex ? 16 : 10) + (uint64_t)d;
		if (v > max)
			return fail_at(p, t.line, t.col,
				       "%s '%.*s' is out of range (0..%llu)",
				       what, (int)t.len, s,
				       (unsigned long long)max);
	}
	*out = v;
	return 0;
}

static int read_num(parser *p, const char *what, uint64_t max, uint64_t *out)
{
	return num_value(p, next(p), what, max, out);
}

/* Seconds as written ("0.200", ".1", "3") in microseconds. */
static int time_value(parser *p, tok t, int64_t *us)
{
	if (t.kind != TK_NUM)
		return fail_tok(p, t, "a time");
	const char *s = p->src + t.pos;
	int64_t whole = 0, frac = 0;
	size_t i = 0;
	int fd = 0;
	for (; i < t.len && s[i] != '.'; i++) {
		if (!isdigit((unsigned char)s[i]))
			return fail_tok(p, t, "a time");
		whole = whole * 10 + (s[i] - '0');
		if (whole > 1000000000)
			return fail_at(p, t.line, t.col,
				       "time '%.*s' is out of range "
				       "(at most 1000000000 s)",
				       (int)t.len, s);
	}
	if (i < t.len)
		for (i++; i < t.len; i++) {
			if (fd == 6) {
				if (s[i] != '0')
					return fail_at(
					    p, t.line, t.col,
					    "time '%.*s' is finer than a "
					    "microsecond",
					    (int)t.len, s);
				continue;
			}
			frac = frac * 10 + (s[i] - '0');
			fd++;
		}
	for (; fd < 6; fd++)
		frac *= 10;
	*us = whole * 1000000 + frac;
	return 0;
}

/* ---- recovery ---- */

/* Skip to the next token that starts a line and may start an event (a
 * time, '*', '+', a backquoted command), outside any brackets. */
static void skip_event(parser *p)
{
	int depth = 0;
	next(p);
	for (;;) {
		tok t = peek(p);
		if (t.kind == TK_EOF || p->failed)
			return;
		if (depth <= 0 && t.bol &&
		    (t.kind == TK_NUM || t.kind == TK_BQ ||
		     is_punct(p, t, '+') || is_punct(p, t, '*')))
			return;
		if (is_punct(p, t, '(') || is_punct(p, t, '[') ||
		    is_punct(p, t, '{'))
			depth++;
		else if (is_punct(p, t, ')') || is_punct(p, t, ']') ||
			 is_punct(p, t, '}'))
			depth--;
		next(p);
	}
}

static ts_pkt_event *new_event(parser *p)
{
	ts_pkt_script *s = p->s;
	if (s->nevents == p->nevents_cap) {
		int nc = p->nevents_cap ? p->nevents_cap * 2 : 32;
		ts_pkt_event *v = realloc(s->events, (size_t)nc * sizeof *v);
		if (!v) {
			fail_at(p, p->cur.line, 0, "out of memory");
			return NULL;
		}
		s->events = v;
		p->nevents_cap = nc;
	}
	ts_pkt_event *e = &s->events[s->nevents++];
	memset(e, 0, sizeof *e);
	return e;
}

static char *dup_text(const char *s, size_t n)
{
	char *r = malloc(n + 1);
	if (r) {
		memcpy(r, s, n);
		r[n] = '\0';
	}
	return r;
}

__attribute__((format(printf, 3, 4))) static int
unsupported(parser *p, ts_pkt_event *e, const char *fmt, ...)
{
	char b[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(b, sizeof b, fmt, ap);
	va_end(ap);
	free(e->text);
	e->kind = TS_PKT_UNSUPPORTED_EV;
	e->text = dup_text(b, strlen(b));
	if (!e->text)
		return fail_at(p, e->line, 0, "out of memory");
	skip_event(p);
	return 0;
}

/* ---- packets ---- */

/* A Fast Open cookie after FO or FOEXP: hexadecimal digits, a symbol
 * given with -D (TFO_COOKIE), or nothing (a cookie request). The digits
 * are read from the text, as they may start as a number and go on as a
 * word (3021b9d8...). */
static int read_cookie(parser *p, ts_pkt_opt *o)
{
	tok c = peek(p);
	const char *hexs = NULL;
	size_t n = 0;
	if (c.kind != TK_NUM && c.kind != TK_WORD)
		return 0; /* a request */
	size_t e = c.pos;
	while (e < p->len && isxdigit((unsigned char)p->src[e]))
		e++;
	if (e < p->len &&
	    (isalnum((unsigned char)p->src[e]) || p->src[e] == '_')) {
		/* a symbol */
		while (e < p->len &&
		       (isalnum((unsigned char)p->src[e]) || p->src[e] == '_'))
			e++;
		const ts_pkt_config *cfg = &p->s->cfg;
		for (int i = 0; i < cfg->ndefines && !hexs; i++)
			if (strlen(cfg->define_name[i]) == e - c.pos &&
			    !memcmp(cfg->define_name[i], p->src + c.pos,
				    e - c.pos))
				hexs = cfg->define_value[i];
		if (!hexs)
			return fail_at(p, c.line, c.col,
				       "undefined symbol '%.*s' as a Fast Open "
				       "cookie (define it: -D %.*s=HEX)",
				       (int)(e - c.pos), p->src + c.pos,
				       (int)(e - c.pos), p->src + c.pos);
		n = strlen(hexs);
	} else {
		hexs = p->src + c.pos;
		n = e - c.pos;
	}
	if (n % 2 || n / 2 > TCPSIM_FO_COOKIE_MAX || n < 2)
		return fail_at(p, c.line, c.col,
			       "a Fast Open cookie takes 1 to %d bytes in "
			       "hexadecimal digits, two a byte",
			       TCPSIM_FO_COOKIE_MAX);
	for (size_t i = 0; i < n; i++) {
		int d = (unsigned char)hexs[i];
		if (!isxdigit(d))
			return fail_at(p, c.line, c.col,
				       "a Fast Open cookie takes hexadecimal "
				       "digits");
		d = isdigit(d) ? d - '0' : (tolower(d) - 'a' + 10);
		o->cookie[i / 2] =
		    (uint8_t)(i % 2 ? o->cookie[i / 2] | d : d << 4);
	}
	o->a = (uint32_t)(n / 2);
	/* take the cookie's text, then the token after it */
	p->off = e;
	scan(p);
	return 0;
}

static int parse_options(parser *p, ts_pkt_event *e, ts_pkt_packet *pk)
{
	next(p); /* '<' */
	if (peek(p).kind == TK_ELLIP) {
		tok t = next(p);
		if (pk->inbound)
			return fail_at(p, t.line, t.col,
				       "<...> for TCP options can only be "
				       "used with outbound packets");
		pk->opts_any = 1;
		return take_punct(p, '>');
	}
	for (;;) {
		tok t = next(p);
		uint64_t v, w;
		if (pk->nopts == TS_PKT_MAX_OPTS)
			return fail_at(p, t.line, t.col,
				       "TCP option list too long");
		ts_pkt_opt *o = &pk->opts[pk->nopts];
		memset(o, 0, sizeof *o);
		if (is_word(p, t, "nop")) {
			o->kind = TS_PKT_OPT_NOP;
		} else if (is_word(p, t, "eol")) {
			o->kind = TS_PKT_OPT_EOL;
		} else if (is_word(p, t, "sackOK")) {
			o->kind = TS_PKT_OPT_SACKOK;
		} else if (is_word(p, t, "mss") || is_word(p, t, "wscale")) {
			int mss = is_word(p, t, "mss");
			tok vt = peek(p);
			if (vt.kind == TK_WORD)
				return unsupported(
				    p, e,
				    "a symbol as a TCP option value "
				    "('%.*s')",
				    (int)vt.len, p->src + vt.pos);
			if (read_num(p, mss ? "mss" : "wscale",
				     mss ? 65535 : 255, &v) < 0)
				return -1;
			o->kind = mss ? TS_PKT_OPT_MSS : TS_PKT_OPT_WSCALE;
			o->a = (uint32_t)v;
		} else if (is_word(p, t, "TS")) {
			tok k = next(p);
			if (!is_word(p, k, "val"))
				return fail_tok(p, k, "'val'");
			if (read_num(p, "TS val", UINT32_MAX, &v) < 0)
				return -1;
			k = next(p);
			if (!is_word(p, k, "ecr"))
				return fail_tok(p, k, "'ecr'");
			if (read_num(p, "TS ecr", UINT32_MAX, &w) < 0)
				return -1;
			o->kind = TS_PKT_OPT_TS;
			o->a = (uint32_t)v;
			o->b = (uint32_t)w;
		} else if (is_word(p, t, "sack")) {
			o->kind = TS_PKT_OPT_SACK;
			while (peek(p).kind == TK_NUM) {
				if (o->nsack == TCPSIM_MAX_SACK)
					return fail_at(p, peek(p).line,
						       peek(p).col,
						       "too many SACK blocks "
						       "(at most %d)",
						       TCPSIM_MAX_SACK);
				if (read_num(p, "SACK left edge", UINT32_MAX,
					     &v) < 0 ||
				    take_punct(p, ':') < 0 ||
				    read_num(p, "SACK right edge", UINT32_MAX,
					     &w) < 0)
					return -1;
				o->sack[o->nsack][0] = (uint32_t)v;
				o->sack[o->nsack][1] = (uint32_t)w;
				o->nsack++;
			}
			if (!o->nsack)
				return fail_tok(p, peek(p), "a SACK block");
		} else if (is_word(p, t, "FO") || is_word(p, t, "FOEXP")) {
			o->kind = t.len == 2 ? TS_PKT_OPT_FO : TS_PKT_OPT_FOEXP;
			if (read_cookie(p, o) < 0)
				return -1;
		} else if (t.kind == TK_WORD) {
			return unsupported(p, e, "the TCP option '%.*s'",
					   (int)t.len, p->src + t.pos);
		} else {
			return fail_tok(p, t, "a TCP option");
		}
		pk->nopts++;
		t = next(p);
		if (is_punct(p, t, '>'))
			return 0;
		if (!is_punct(p, t, ','))
			return fail_tok(p, t, "',' or '>'");
	}
}

static int parse_packet(parser *p, ts_pkt_event *e)
{
	ts_pkt_packet *pk = &e->u.pkt;
	tok d = next(p);
	uint64_t a, b, n;
	e->kind = TS_PKT_PACKET;
	pk->inbound = is_punct(p, d, '<');
	pk->win = -1;
	tok t = next(p);
	if (is_punct(p, t, '.')) {
		pk->flags = TCPSIM_ACK;
	} else if (is_punct(p, t, '-')) {
		pk->flags = 0;
	} else if (t.kind == TK_WORD) {
		const char *s = p->src + t.pos;
		if (is_word(p, t, "encap") || is_word(p, t, "udp") ||
		    is_word(p, t, "icmp") || is_word(p, t, "ipv4") ||
		    is_word(p, t, "ipv6") || is_word(p, t, "gre") ||
		    is_word(p, t, "mpls"))
			return unsupported(p, e, "'%.*s' packets", (int)t.len,
					   s);
		for (size_t i = 0; i < t.len; i++) {
			switch (s[i]) {
			case 'F':
				pk->flags |= TCPSIM_FIN;
				break;
			case 'S':
				pk->flags |= TCPSIM_SYN;
				break;
			case 'R':
				pk->flags |= TCPSIM_RST;
				break;
			case 'P':
				pk->flags |= TCPSIM_PSH;
				break;
			case 'U':
			case 'E':
			case 'W':
			case 'A':
				return unsupported(p, e,
						   "the TCP flag %c (URG, ECN "
						   "and AccECN flags)",
						   s[i]);
			default:
				return fail_at(p, t.line, t.col + (int)i,
					       "unknown TCP flag '%c'", s[i]);
			}
		}
		if (is_punct(p, peek(p), '.')) {
			next(p);
			pk->flags |= TCPSIM_ACK;
		}
	} else if (is_punct(p, t, '[')) {
		return unsupported(p, e, "IP header fields ([...])");
	} else {
		return fail_tok(p, t, "TCP flags");
	}
	if (read_num(p, "TCP start sequence number", UINT32_MAX, &a) < 0 ||
	    take_punct(p, ':') < 0)
		return -1;
	tok et = peek(p);
	if (read_num(p, "TCP end sequence number", UINT32_MAX, &b) < 0 ||
	    take_punct(p, '(') < 0 ||
	    read_num(p, "TCP payload size", 65535, &n) < 0 ||
	    take_punct(p, ')') < 0)
		return -1;
	if ((uint32_t)(a + n) != b)
		return fail_at(p, et.line, et.col,
			       "inconsistent TCP sequence numbers and "
			       "payload size");
	pk->seq = (uint32_t)a;
	pk->len = (uint32_t)n;
	for (;;) {
		t = peek(p);
		if (is_word(p, t, "ack") && !pk->has_ack) {
			next(p);
			if (read_num(p, "TCP ack sequence number", UINT32_MAX,
				     &a) < 0)
				return -1;
			pk->has_ack = 1;
			pk->ack = (uint32_t)a;
		} else if (is_word(p, t, "win") && pk->win < 0) {
			next(p);
			if (read_num(p, "TCP window value", 65535, &a) < 0)
				return -1;
			pk->win = (int32_t)a;
		} else if (is_word(p, t, "urg")) {
			return unsupported(p, e, "the urgent pointer (urg)");
		} else {
			break;
		}
	}
	if (pk->inbound && pk->win < 0)
		return fail_at(p, d.line, d.col,
			       "window must be specified for inbound "
			       "packets");
	if (is_punct(p, peek(p), '<'))
		return parse_options(p, e, pk);
	return 0;
}

/* ---- system calls ---- */

/* Skip one argument of a kind the runner reads as text only: up to the
 * ',' or ')' that ends it, brackets balanced. */
static int skip_arg(parser *p)
{
	int depth = 0;
	for (;;) {
		tok t = peek(p);
		if (t.kind == TK_EOF)
			return fail_tok(p, t, "')'");
		if (depth == 0 && (is_punct(p, t, ',') || is_punct(p, t, ')')))
			return 0;
		if (is_punct(p, t, '(') || is_punct(p, t, '[') ||
		    is_punct(p, t, '{'))
			depth++;
		else if (is_punct(p, t, ')') || is_punct(p, t, ']') ||
			 is_punct(p, t, '}'))
			depth--;
		next(p);
	}
}

static int parse_arg(parser *p, ts_pkt_arg *a)
{
	tok t = peek(p);
	uint64_t v;
	memset(a, 0, sizeof *a);
	a->col = t.col;
	if (t.kind == TK_ELLIP) {
		next(p);
		a->kind = TS_PKT_ARG_ELLIPSIS;
	} else if (is_word(p, t, "NULL")) {
		next(p);
		a->kind = TS_PKT_ARG_NULL;
	} else if (t.kind == TK_NUM) {
		if (num_value(p, next(p), "an integer", INT64_MAX, &v) < 0)
			return -1;
		a->kind = TS_PKT_ARG_INT;
		a->value = (int64_t)v;
	} else if (is_punct(p, t, '-')) {
		next(p);
		if (read_num(p, "an integer", INT64_MAX, &v) < 0)
			return -1;
		a->kind = TS_PKT_ARG_INT;
		a->value = -(int64_t)v;
	} else if (t.kind == TK_WORD) {
		a->kind = TS_PKT_ARG_NAMES;
		for (;;) {
			tok w = next(p);
			if (w.kind != TK_WORD)
				return fail_tok(p, w, "a name");
			if (a->nnames < TS_PKT_MAX_NAMES &&
			    w.len < sizeof a->names[0]) {
				memcpy(a->names[a->nnames], p->src + w.pos,
				       w.len);
				a->names[a->nnames][w.len] = '\0';
				a->nnames++;
			} else {
				a->kind = TS_PKT_ARG_OTHER;
			}
			if (!is_punct(p, peek(p), '|'))
				break;
			next(p);
		}
		if (!is_punct(p, peek(p), ',') && !is_punct(p, peek(p), ')')) {
			a->kind = TS_PKT_ARG_OTHER;
			return skip_arg(p);
		}
	} else if (is_punct(p, t, '[')) {
		next(p);
		tok n = peek(p);
		if (n.kind == TK_NUM) {
			if (num_value(p, next(p), "an integer", INT64_MAX, &v) <
			    0)
				return -1;
			if (is_punct(p, peek(p), ']')) {
				next(p);
				a->kind = TS_PKT_ARG_LIST;
				a->value = (int64_t)v;
				return 0;
			}
		}
		a->kind = TS_PKT_ARG_OTHER;
		return skip_arg(p);
	} else {
		a->kind = TS_PKT_ARG_OTHER;
		return skip_arg(p);
	}
	return 0;
}

static int parse_call(parser *p, ts_pkt_event *e, int blocking, int64_t end_us)
{
	ts_pkt_call *c = &e->u.call;
	tok name = next(p);
	e->kind = TS_PKT_CALL;
	c->blocking = blocking;
	c->end_us = end_us;
	if (name.kind != TK_WORD)
		return fail_tok(p, name,
				"a system call, a packet or a "
				"command");
	if (name.len >= sizeof c->name)
		return fail_at(p, name.line, name.col,
			       "system call name too long");
	memcpy(c->name, p->src + name.pos, name.len);
	if (take_punct(p, '(') < 0)
		return -1;
	if (!is_punct(p, peek(p), ')'))
		for (;;) {
			ts_pkt_arg scratch;
			ts_pkt_arg *a = c->nargs < TS_PKT_MAX_ARGS
					    ? &c->args[c->nargs]
					    : &scratch;
			if (parse_arg(p, a) < 0)
				return -1;
			c->nargs++;
			tok t = peek(p);
			if (is_punct(p, t, ')'))
				break;
			if (!is_punct(p, t, ','))
				return fail_tok(p, t, "',' or ')'");
			next(p);
		}
	next(p); /* ')' */
	if (take_punct(p, '=') < 0)
		return -1;
	int neg = 0;
	uint64_t v;
	if (is_punct(p, peek(p), '-')) {
		next(p);
		neg = 1;
	}
	tok r = peek(p);
	if (r.kind != TK_NUM) {
		if (!neg && (r.kind == TK_WORD || is_punct(p, r, '[') ||
			     is_punct(p, r, '{')))
			return unsupported(p, e, "a symbolic result of %s()",
					   c->name);
		return fail_tok(p, r, "a result");
	}
	if (num_value(p, next(p), "a result", INT32_MAX, &v) < 0)
		return -1;
	c->result = neg ? -(int64_t)v : (int64_t)v;
	tok en = peek(p);
	if (en.kind == TK_WORD && !en.bol) {
		next(p);
		if (en.len >= sizeof c->err)
			return fail_at(p, en.line, en.col, "unknown errno");
		memcpy(c->err, p->src + en.pos, en.len);
		c->err_col = en.col;
	}
	/* The note, "(Broken pipe)": words the runner does not read. */
	if (is_punct(p, peek(p), '(') && !peek(p).bol) {
		tok o = next(p);
		int depth = 1;
		while (depth) {
			tok t = next(p);
			if (t.kind == TK_EOF)
				return fail_at(p, o.line, o.col,
					       "unterminated note: '(' "
					       "without ')'");
			if (is_punct(p, t, '('))
				depth++;
			else if (is_punct(p, t, ')'))
				depth--;
		}
	}
	return 0;
}

/* ---- commands ---- */

/* A word of a command line: bytes up to a blank. */
static size_t word_end(const char *s, size_t i, size_t n)
{
	while (i < n && s[i] != ' ' && s[i] != '\t' && s[i] != '\n' &&
	       s[i] != '\r' && s[i] != '\\')
		i++;
	return i;
}

static int contains(const char *s, size_t n, const char *w)
{
	size_t k = strlen(w);
	for (size_t i = 0; i + k <= n; i++)
		if (!memcmp(s + i, w, k))
			return 1;
	return 0;
}

static int ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);
	return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

static int add_sysctl(parser *p, const char *kv, size_t n, int line, int event)
{
	ts_pkt_script *s = p->s;
	const char *eq = memchr(kv, '=', n);
	if (!eq)
		return 1;
	size_t kn = (size_t)(eq - kv), vn = n - kn - 1;
	static const char *const prefixes[] = {"/proc/sys/net/ipv4/",
					       "net.ipv4.", "net/ipv4/"};
	int known = 0;
	for (size_t i = 0; i < 3; i++) {
		size_t pl = strlen(prefixes[i]);
		if (kn > pl && memcmp(kv, prefixes[i], pl) == 0) {
			kv += pl;
			kn -= pl;
			known = 1;
			break;
		}
	}
	if (!known || kn >= sizeof s->sysctls[0].name ||
	    vn >= sizeof s->sysctls[0].value)
		return 1;
	ts_pkt_sysctl *v =
	    realloc(s->sysctls, (size_t)(s->nsysctls + 1) * sizeof *v);
	if (!v)
		return fail_at(p, line, 0, "out of memory");
	s->sysctls = v;
	ts_pkt_sysctl *x = &v[s->nsysctls++];
	memset(x, 0, sizeof *x);
	memcpy(x->name, kv, kn);
	memcpy(x->value, eq + 1, vn);
	x->event = event;
	/* "/proc/sys/.../x" names use '/', sysctl names '.' */
	for (char *c = x->name; *c; c++)
		if (*c == '/')
			*c = '.';
	x->line = line;
	return 0;
}

/* The backquoted command T: defaults.sh, set_sysctls.py, sysctl, the
 * restore script and "nstat -n" are understood; anything else is
 * unsupported (1, with WHY). PREAMBLE: before the first event, where
 * settings may be made; EVENT: the command is that event (-1: not an
 * event), and a sysctl there is made when it runs. 0, 1 or -1 after an
 * error. */
static int read_command(parser *p, tok t, int preamble, int event, char *why,
			size_t whylen)
{
	const char *s = p->src + t.pos;
	size_t n = t.len, i = 0;
	int line = t.line;
	while (i < n) {
		while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' ||
				 s[i] == '\r' || s[i] == ';' || s[i] == '\\')) {
			if (s[i] == '\n')
				line++;
			i++;
		}
		if (i >= n)
			break;
		size_t e = i;
		while (e < n && s[e] != ';' &&
		       !(s[e] == '\n' && !(e > i && s[e - 1] == '\\')))
			e++;
		size_t w = word_end(s, i, e);
		const char *cmd = s + i;
		size_t cl = w - i;
		if (ends_with(cmd, cl, "defaults.sh") && w == e) {
			if (!preamble)
				goto unsup;
			/* google's (in a folder common), or the kernel's */
			p->s->defaults = contains(cmd, cl, "common/") ? 1 : 2;
		} else if (ends_with(cmd, cl, "set_sysctls.py") ||
			   (cl == 6 && !memcmp(cmd, "sysctl", 6))) {
			/* in the preamble; or "sysctl" as an event, set
			 * when it runs */
			if (!preamble && (cl != 6 || event < 0))
				goto unsup;
			size_t a = w;
			while (a < e) {
				while (a < e && (s[a] == ' ' || s[a] == '\t' ||
						 s[a] == '\\' || s[a] == '\n' ||
						 s[a] == '\r')) {
					if (s[a] == '\n')
						line++;
					a++;
				}
				size_t b = word_end(s, a, e);
				if (b == a)
					break;
				if (s[a] != '-') {
					int r = add_sysctl(p, s + a, b - a,
							   line, event);
					if (r < 0)
						return -1;
					if (r > 0) {
						snprintf(why, whylen,
							 "the setting '%.*s'",
							 (int)(b - a), s + a);
						return 1;
					}
				}
				a = b;
			}
		} else if (ends_with(cmd, cl, ".sh") &&
			   contains(cmd, cl, "sysctl_restore") && w == e) {
			/* Restores what set_sysctls.py changed: each run
			 * starts from its own settings. */
		} else if (cl == 5 && !memcmp(cmd, "nstat", 5) && e - w >= 3 &&
			   !memcmp(s + w, " -n", 3) &&
			   word_end(s, w + 1, e) == e) {
			/* Resets the counters' history: the model keeps no
			 * counters, and this shows nothing. */
		} else {
			goto unsup;
		}
		i = e;
		continue;
	unsup:
		snprintf(why, whylen, "the shell command '%.*s'",
			 (int)(e - i > 60 ? 60 : e - i), s + i);
		return 1;
	}
	return 0;
}

/* ---- code ---- */

/* Whether tcpsim can run a %{ }% block (code.c): 0, or 1 with WHY. */
static int code_field(const char *s, size_t n, char *why, size_t whylen)
{
	return ts_pkt_code_eval(s, n, NULL, why, whylen) ==
	       TS_PKT_CODE_UNSUPPORTED;
}

/* ---- events ---- */

static int parse_event(parser *p, int64_t *last_abs, int first)
{
	tok t = peek(p);
	ts_pkt_event *e = new_event(p);
	if (!e)
		return -1;
	e->line = t.line;
	e->col = t.col;
	if (is_punct(p, t, '*')) {
		next(p);
		e->when = TS_PKT_ANY;
	} else {
		int rel = is_punct(p, t, '+');
		if (rel)
			next(p);
		if (time_value(p, next(p), &e->t_us) < 0)
			return -1;
		e->when = rel ? TS_PKT_REL : TS_PKT_ABS;
		if (is_punct(p, peek(p), '~')) {
			next(p);
			if (rel && take_punct(p, '+') < 0)
				return -1;
			tok et = peek(p);
			if (time_value(p, next(p), &e->t_end_us) < 0)
				return -1;
			if (e->t_end_us < e->t_us)
				return fail_at(p, et.line, et.col,
					       "time range is backwards");
			e->when = rel ? TS_PKT_REL_RANGE : TS_PKT_ABS_RANGE;
		}
	}
	if (first && e->t_us != 0)
		return fail_at(p, t.line, t.col,
			       "first event should be at time 0");
	if (e->when == TS_PKT_ABS || e->when == TS_PKT_ABS_RANGE) {
		if (e->t_us < *last_abs)
			return fail_at(p, t.line, t.col,
				       "time goes backward in script from "
				       "%lld usec to %lld usec",
				       (long long)*last_abs,
				       (long long)e->t_us);
		*last_abs = e->when == TS_PKT_ABS_RANGE ? e->t_end_us : e->t_us;
	}
	tok a = peek(p);
	int blocking = 0;
	int64_t end_us = 0;
	if (a.kind == TK_ELLIP) {
		next(p);
		tok et = peek(p);
		if (time_value(p, next(p), &end_us) < 0)
			return -1;
		if (end_us < e->t_us)
			return fail_at(p, et.line, et.col,
				       "time range is backwards");
		blocking = 1;
		a = peek(p);
		if (a.kind != TK_WORD)
			return fail_tok(p, a, "a system call after '...'");
	}
	int outbound = is_punct(p, a, '>');
	if ((e->when == TS_PKT_ANY) && !outbound)
		return fail_at(p, t.line, t.col,
			       "event time <star> can only be used with "
			       "outbound packets");
	if ((e->when == TS_PKT_ABS_RANGE || e->when == TS_PKT_REL_RANGE) &&
	    !outbound)
		return fail_at(p, t.line, t.col,
			       "event time range can only be used with "
			       "outbound packets");
	if (is_punct(p, a, '<') || outbound)
		return parse_packet(p, e);
	if (a.kind == TK_WORD)
		return parse_call(p, e, blocking, end_us);
	if (a.kind == TK_BQ || a.kind == TK_CODE) {
		char why[160];
		next(p);
		e->kind = a.kind == TK_BQ ? TS_PKT_COMMAND : TS_PKT_CODE;
		e->text = dup_text(p->src + a.pos, a.len);
		if (!e->text)
			return fail_at(p, a.line, 0, "out of memory");
		int r = 1;
		if (a.kind == TK_BQ)
			r = read_command(p, a, 0, p->s->nevents - 1, why,
					 sizeof why);
		else
			r = code_field(p->src + a.pos, a.len, why, sizeof why);
		if (r < 0)
			return -1;
		if (r > 0) {
			free(e->text);
			e->kind = TS_PKT_UNSUPPORTED_EV;
			e->text = dup_text(why, strlen(why));
			if (!e->text)
				return fail_at(p, a.line, 0, "out of memory");
		}
		return 0;
	}
	return fail_tok(p, a, "a packet, a system call or a command");
}

static void preamble_unsupported(parser *p, tok t, const char *why)
{
	ts_pkt_script *s = p->s;
	if (s->unsupported)
		return;
	s->unsupported = dup_text(why, strlen(why));
	s->unsup_line = t.line;
	s->unsup_col = t.col;
	if (!s->unsupported)
		fail_at(p, t.line, 0, "out of memory");
}

static int parse_option_line(parser *p, tok t)
{
	char name[64], value[64], msg[160];
	const char *s = p->src + t.pos + 2;
	size_t n = t.len - 2, k = 0;
	while (k < n && s[k] != '=' && s[k] != ' ' && s[k] != '\t')
		k++;
	if (k == 0 || k >= sizeof name)
		return fail_at(p, t.line, t.col, "bad option line");
	memcpy(name, s, k);
	name[k] = '\0';
	size_t v = k;
	while (v < n && (s[v] == '=' || s[v] == ' ' || s[v] == '\t'))
		v++;
	if (n - v >= sizeof value)
		return fail_at(p, t.line, t.col, "option value too long");
	memcpy(value, s + v, n - v);
	value[n - v] = '\0';
	int r = ts_pkt_config_set(&p->s->cfg, name, value, msg, sizeof msg);
	if (r < 0)
		return fail_at(p, t.line, t.col + (int)v + 2, "%s", msg);
	if (r > 0) {
		snprintf(msg, sizeof msg, "the option --%s", name);
		preamble_unsupported(p, t, msg);
	}
	return 0;
}

ts_pkt_script *ts_pkt_parse(const char *filename, const char *text, size_t len,
			    const ts_pkt_config *cfg, tcpsim_error *err)
{
	ts_pkt_script *s = calloc(1, sizeof *s);
	if (!s || !(s->filename = strdup(filename ? filename : "-"))) {
		free(s);
		memset(err, 0, sizeof *err);
		snprintf(err->file, sizeof err->file, "%s",
			 filename ? filename : "-");
		snprintf(err->message, sizeof err->message, "out of memory");
		return NULL;
	}
	if (cfg)
		s->cfg = *cfg;
	else
		ts_pkt_config_init(&s->cfg);
	parser p = {.src = text ? text : "",
		    .len = text ? len : 0,
		    .line = 1,
		    .s = s,
		    .err = err};
	if (memchr(p.src, '\0', p.len)) {
		size_t o =
		    (size_t)((const char *)memchr(p.src, 0, p.len) - p.src);
		int l = 1;
		size_t ls = 0;
		for (size_t i = 0; i < o; i++)
			if (p.src[i] == '\n') {
				l++;
				ls = i + 1;
			}
		fail_at(&p, l, (int)(o - ls) + 1, "a NUL byte in the script");
		ts_pkt_script_free(s);
		return NULL;
	}
	scan(&p);
	while (!p.failed && peek(&p).kind == TK_OPTION)
		parse_option_line(&p, next(&p));
	if (!p.failed && peek(&p).kind == TK_BQ) {
		char why[160];
		tok t = next(&p);
		int r = read_command(&p, t, 1, -1, why, sizeof why);
		if (r > 0)
			preamble_unsupported(&p, t, why);
	}
	int64_t last_abs = 0;
	while (!p.failed) {
		tok t = peek(&p);
		if (t.kind == TK_EOF)
			break;
		if (t.kind == TK_BQ) {
			/* The clean-up command, last in the script. */
			next(&p);
			if (peek(&p).kind != TK_EOF) {
				fail_tok(&p, peek(&p),
					 "the end of the script "
					 "after the clean-up "
					 "command");
				break;
			}
			char why[160];
			if (read_command(&p, t, 0, -1, why, sizeof why) > 0)
				preamble_unsupported(&p, t, why);
			break;
		}
		if (t.kind == TK_OPTION) {
			fail_at(&p, t.line, t.col,
				"option lines come before the events");
			break;
		}
		if (parse_event(&p, &last_abs, s->nevents == 0) < 0)
			break;
	}
	if (!p.failed && s->nevents == 0)
		fail_at(&p, p.line, 0, "no events in the script");
	if (p.failed) {
		ts_pkt_script_free(s);
		return NULL;
	}
	return s;
}

void ts_pkt_script_free(ts_pkt_script *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->nevents; i++)
		free(s->events[i].text);
	free(s->events);
	free(s->sysctls);
	free(s->unsupported);
	free(s->filename);
	free(s);
}

/* ---- options ---- */

void ts_pkt_config_init(ts_pkt_config *c)
{
	memset(c, 0, sizeof *c);
	c->tolerance_us = 4000;
	c->tolerance_percent_x10 = 125;
	c->local_ip = 0xc0a80001;  /* 192.168.0.1 */
	c->remote_ip = 0xc0000201; /* 192.0.2.1 */
	c->bind_port = 8080;
	c->connect_port = 8080;
}

static int parse_u(const char *v, uint64_t max, uint64_t *out)
{
	uint64_t x = 0;
	if (!*v)
		return -1;
	for (; *v; v++) {
		if (!isdigit((unsigned char)*v))
			return -1;
		x = x * 10 + (uint64_t)(*v - '0');
		if (x > max)
			return -1;
	}
	*out = x;
	return 0;
}

static int parse_ip(const char *v, uint32_t *out)
{
	unsigned a[4];
	char tail;
	if (sscanf(v, "%u.%u.%u.%u%c", &a[0], &a[1], &a[2], &a[3], &tail) !=
		4 ||
	    a[0] > 255 || a[1] > 255 || a[2] > 255 || a[3] > 255)
		return -1;
	*out = a[0] << 24 | a[1] << 16 | a[2] << 8 | a[3];
	return 0;
}

int ts_pkt_config_define(ts_pkt_config *c, const char *def, char *msg,
			 size_t msglen)
{
	const char *eq = strchr(def, '=');
	size_t kn = eq ? (size_t)(eq - def) : 0;
	if (!eq || !kn || kn >= sizeof c->define_name[0] ||
	    strlen(eq + 1) >= sizeof c->define_value[0]) {
		snprintf(msg, msglen, "bad -D '%s' (NAME=VALUE)", def);
		return -1;
	}
	int i = 0;
	while (i < c->ndefines && (strlen(c->define_name[i]) != kn ||
				   memcmp(c->define_name[i], def, kn)))
		i++;
	if (i == TS_PKT_MAX_DEFINES) {
		snprintf(msg, msglen, "too many -D (at most %d)",
			 TS_PKT_MAX_DEFINES);
		return -1;
	}
	if (i == c->ndefines)
		c->ndefines++;
	memcpy(c->define_name[i], def, kn);
	c->define_name[i][kn] = '\0';
	snprintf(c->define_value[i], sizeof c->define_value[i], "%s", eq + 1);
	return 0;
}

int ts_pkt_config_set(ts_pkt_config *c, const char *name, const char *value,
		      char *msg, size_t msglen)
{
	uint64_t v;
	if (!strcmp(name, "tolerance_usecs")) {
		if (parse_u(value, 1000000000, &v) < 0)
			goto bad;
		c->tolerance_us = (int64_t)v;
	} else if (!strcmp(name, "tolerance_percent")) {
		/* 12.5: tenths of a percent */
		char w[16];
		const char *dot = strchr(value, '.');
		size_t k = dot ? (size_t)(dot - value) : strlen(value);
		if (k == 0 || k > 3 ||
		    (dot &&
		     (strlen(dot) != 2 || !isdigit((unsigned char)dot[1]))))
			goto bad;
		memcpy(w, value, k);
		w[k] = '\0';
		if (parse_u(w, 100, &v) < 0)
			goto bad;
		c->tolerance_percent_x10 =
		    (int)v * 10 + (dot ? dot[1] - '0' : 0);
	} else if (!strcmp(name, "tcp_ts_tick_usecs")) {
		if (parse_u(value, 1000000, &v) < 0)
			goto bad;
		c->ts_tick_us = (int)v;
	} else if (!strcmp(name, "mss")) {
		if (parse_u(value, 65535, &v) < 0 || v == 0)
			goto bad;
		c->mss = (int)v;
	} else if (!strcmp(name, "local_ip")) {
		if (parse_ip(value, &c->local_ip) < 0)
			goto bad;
	} else if (!strcmp(name, "remote_ip")) {
		if (parse_ip(value, &c->remote_ip) < 0)
			goto bad;
	} else if (!strcmp(name, "bind_port") ||
		   !strcmp(name, "connect_port")) {
		if (parse_u(value, 65535, &v) < 0 || v == 0)
			goto bad;
		*(name[0] == 'b' ? &c->bind_port : &c->connect_port) = (int)v;
	} else if (!strcmp(name, "ip_version")) {
		if (strcmp(value, "ipv4"))
			return 1;
	} else if (!strcmp(name, "gateway_ip") || !strcmp(name, "netmask_ip")) {
		uint32_t ip;
		if (parse_ip(value, &ip) < 0)
			goto bad;
	} else {
		return 1;
	}
	return 0;
bad:
	snprintf(msg, msglen, "bad value '%s' for --%s", value, name);
	return -1;
}
