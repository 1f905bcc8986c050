/*
 * parse.c - the trace language's lexer and recursive-descent parser.
 *
 * Pipeline: trace text -> parser (this file) -> ts_trace -> engine.
 *
 * The language is line oriented, so the lexer is too: each line is scanned
 * one token at a time, the next one as soon as the parser takes a token
 * (struct parser.tok), and the parser can go on from any position of the
 * line (seek()). That lets it step over raw text where the language has
 * some (the "(Broken pipe)" after a call result).
 *
 * The file is read in three passes, and the first error stops everything:
 *   1. bytes: file size, line length, UTF-8 (no NUL), line count;
 *   2. "host" declarations, so that hosts are global: a host may be used
 *      above the line that declares it;
 *   3. every other line in file order: "link", "profile", "set" (global
 *      too, but they name hosts), and the timed lines, whose names
 *      (variables, errnos, states) are resolved here and whose times are
 *      made absolute.
 *
 * No file-scope mutable state: everything lives in a struct parser that
 * each ts_trace_parse() call allocates, so parses can run side by side.
 */
#include "trace/trace.h"

#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/sb.h"

/* Limits: any input beyond them is an error, never a crash or a huge
 * allocation. */
#define TS_PARSE_MAX_LINE  4096    /* bytes per line, without "\n"/"\r\n" */
#define TS_PARSE_MAX_STMTS 1000000 /* timed lines */
#define TS_PARSE_MAX_HOSTS TS_MAX_HOSTS
#define TS_PARSE_MAX_VARS  4096              /* variables per host */
#define TS_PARSE_MAX_NAME  (TS_NAME_MAX - 1) /* host and variable names */
/* bytes: keeps line numbers within an int */
#define TS_PARSE_MAX_FILE ((size_t)1 << 30)

/* Longest token quoted in an error message. */
#define QUOTE_MAX 40

/* Slots of the table of calls by name (struct ts_syms): a power of two,
 * more than twice TCPSIM_NCALLS. */
#define CALL_SLOTS 64
_Static_assert(TCPSIM_NCALLS * 2 < CALL_SLOTS,
	       "the table of calls keeps empty slots: a lookup ends at one");

/* Integers beyond this saturate while parsing: every range is smaller. */
#define INT_SATURATE ((int64_t)1000000000000000000)

enum tok_kind {
	TK_END,   /* end of line, or a '#' comment */
	TK_WORD,  /* [A-Za-z_][A-Za-z0-9_-]* */
	TK_NUM,   /* [+-]?[0-9][0-9A-Za-z_.]* : times, integers, addresses */
	TK_PUNCT, /* any other single character */
};

/* 12 bytes, so that it is passed and returned in two registers. */
struct tok {
	enum tok_kind kind;
	unsigned pos, len; /* in the current line (at most TS_PARSE_MAX_LINE) */
};

/* A name table entry: a host (owner -1) or a variable of host OWNER. */
struct name_ent {
	int owner, idx; /* idx -1: empty slot */
	uint32_t hash;  /* name_hash() of the owner and name */
	unsigned len;   /* the name's */
};

struct parser {
	ts_trace *t;
	ts_error *err;
	const char *src;
	size_t len;
	size_t body; /* offset of line 1: after a UTF-8 byte order mark */

	/* The current line. The byte after it, line[llen], is '\n', '\r'
	 * or a '\0' after the text: never a blank nor in a word or number,
	 * so the lexer's loops stop there without testing the length. */
	size_t next_off; /* offset of the next line in src */
	const char *line;
	size_t llen;
	int lineno;
	/* The next token, scanned as soon as the one before is taken
	 * (seek()): the parser often looks at a token before taking it. */
	struct tok tok;
	size_t last_end; /* end of the last token taken */

	/* Pass 1 notes where the lines that may declare hosts are: the
	 * first one's offset and the line number before it, and the offset
	 * after the last one (0: none). */
	size_t host_from, host_to;
	int host_lineno;

	ts_time prev; /* scheduled time of the previous timed line */
	/* errno_lookup()'s last name (errno_len bytes, no NUL; 0: none)
	 * and its value */
	char errno_name[24];
	size_t errno_len;
	int errno_value;
	size_t stmt_cap, host_cap, link_cap;
	unsigned char linked[TS_PARSE_MAX_HOSTS * TS_PARSE_MAX_HOSTS / 8];
	char *textp;       /* where the next statement text goes */
	struct memo *memo; /* ts_trace_parse: bodies parsed (MEMO_SLOTS) */

	struct ts_syms *syms; /* the trace's: names outlive the parse */
};

/* A block of names: a name, once kept, never moves. */
struct name_block {
	struct name_block *next;
	size_t used, cap;
	char data[];
};

/* The names of a trace, kept with it so that a line can be parsed later
 * (ts_trace_parse_line). */
struct ts_syms {
	struct name_ent *names; /* open addressing, size a power of two */
	size_t names_cap, names_used;
	int var_cap[TS_PARSE_MAX_HOSTS];
	struct name_block *blocks;
	/* The calls by name: ts_calls[] indices by call_hash(), open
	 * addressing, -1 where empty. Nearly every line names a call. */
	signed char calls[CALL_SLOTS];
	unsigned char call_len[TCPSIM_NCALLS]; /* strlen(ts_calls[id].name) */
};

/* ---------------------------------------------------------------------- */
/* Errors */

/* Copy a line for ts_error.source: cut at a character boundary, tabs shown
 * as one space and other control or invalid bytes as '?', so that the caret
 * printed under byte column COL lines up. */
static void copy_source(char *dst, size_t cap, const char *s, size_t n);
static size_t utf8_len(const char *s, size_t n);

__attribute__((cold, format(printf, 3, 4))) static int
fail(struct parser *p, size_t pos, const char *fmt, ...)
{
	ts_error *e = p->err;
	va_list ap;

	e->line = p->lineno;
	e->col = p->lineno > 0 ? (int)pos + 1 : 0;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	if (p->lineno > 0)
		copy_source(e->source, sizeof e->source, p->line, p->llen);
	else
		e->source[0] = '\0';
	return -1;
}

__attribute__((cold)) static int oom(struct parser *p)
{
	return fail(p, 0, "out of memory");
}

/* ---------------------------------------------------------------------- */
/* Characters */

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* The lexer's character classes, one table lookup per byte: scanning a
 * token is most of the parser's work. */
enum {
	CC_BLANK = 0x01, /* ' ', '\t': between tokens */
	CC_START = 0x02, /* starts a word: [A-Za-z_] */
	CC_WORD = 0x04,  /* in a word: [A-Za-z0-9_-] */
	CC_NUM = 0x08,   /* in a number: [A-Za-z0-9_.] */
	CC_DIGIT = 0x10, /* [0-9] */
	CC_SIGN = 0x20   /* '+', '-': start a number before a digit */
};

#define CC_LETTER (CC_START | CC_WORD | CC_NUM)

static const unsigned char cclass[256] = {
    ['\t'] = CC_BLANK,
    [' '] = CC_BLANK,
    ['A' ... 'Z'] = CC_LETTER,
    ['a' ... 'z'] = CC_LETTER,
    ['_'] = CC_LETTER,
    ['0' ... '9'] = CC_DIGIT | CC_WORD | CC_NUM,
    ['-'] = CC_WORD | CC_SIGN,
    ['+'] = CC_SIGN,
    ['.'] = CC_NUM,
};

static int cc(char c, int cls)
{
	return cclass[(unsigned char)c] & cls;
}

/* Length of the valid UTF-8 sequence at S (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF), or 0 when invalid. */
static size_t utf8_len(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned char lo = 0x80, hi = 0xbf;
	size_t k;

	if (n == 0)
		return 0;
	if (u[0] < 0x80)
		return 1;
	if (u[0] >= 0xc2 && u[0] <= 0xdf)
		k = 2;
	else if (u[0] >= 0xe0 && u[0] <= 0xef)
		k = 3;
	else if (u[0] >= 0xf0 && u[0] <= 0xf4)
		k = 4;
	else
		return 0;
	if (u[0] == 0xe0)
		lo = 0xa0;
	else if (u[0] == 0xed)
		hi = 0x9f;
	else if (u[0] == 0xf0)
		lo = 0x90;
	else if (u[0] == 0xf4)
		hi = 0x8f;
	if (n < k || u[1] < lo || u[1] > hi)
		return 0;
	for (size_t i = 2; i < k; i++)
		if (u[i] < 0x80 || u[i] > 0xbf)
			return 0;
	return k;
}

static void copy_source(char *dst, size_t cap, const char *s, size_t n)
{
	size_t o = 0, i = 0;

	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		size_t k = utf8_len(s + i, n - i);

		if (k <= 1 || c < 0x20 || c == 0x7f) {
			if (o + 1 >= cap)
				break;
			if (c == '\t')
				dst[o++] = ' ';
			else if (k == 0 || c < 0x20 || c == 0x7f)
				dst[o++] = '?';
			else
				dst[o++] = (char)c;
			i++;
			continue;
		}
		if (o + k >= cap)
			break;
		memcpy(dst + o, s + i, k);
		o += k;
		i += k;
	}
	dst[o] = '\0';
}

/* ---------------------------------------------------------------------- */
/* Lines */

static void lines_rewind(struct parser *p)
{
	p->next_off = p->body;
	p->lineno = 0;
}

/* Make LINE (N bytes) the current line; seek(p, 0) scans its first
 * token. */
static void line_start(struct parser *p, const char *line, size_t n)
{
	p->line = line;
	p->llen = n;
	p->last_end = 0;
}

static inline int line_next(struct parser *p)
{
	const char *s, *nl;
	size_t rest, n;

	if (p->next_off >= p->len)
		return 0;
	s = p->src + p->next_off;
	rest = p->len - p->next_off;
	nl = memchr(s, '\n', rest);
	n = nl ? (size_t)(nl - s) : rest;
	p->next_off += n + (nl ? 1 : 0);
	if (n > 0 && s[n - 1] == '\r')
		n--;
	line_start(p, s, n);
	p->lineno++;
	return 1;
}

/* ---------------------------------------------------------------------- */
/* Lexer */

/* The token at byte I of the line. Inlined, as are seek() and next(): a
 * line takes a dozen tokens, and a call costs as much as the scan of a
 * short token. */
static inline __attribute__((always_inline)) struct tok
peek_at(const struct parser *p, size_t i)
{
	const char *l = p->line;
	size_t j;
	struct tok t;

	while (cc(l[i], CC_BLANK))
		i++;
	t.pos = (unsigned)i;
	j = i + 1;
	/* words and numbers first: the byte after the line starts neither */
	if (cc(l[i], CC_START)) {
		t.kind = TK_WORD;
		while (cc(l[j], CC_WORD))
			j++;
	} else if (cc(l[i], CC_DIGIT) ||
		   (cc(l[i], CC_SIGN) && cc(l[j], CC_DIGIT))) {
		t.kind = TK_NUM;
		while (cc(l[j], CC_NUM))
			j++;
	} else if (i >= p->llen || l[i] == '#') {
		t.kind = TK_END;
		j = i;
	} else {
		t.kind = TK_PUNCT;
		if ((unsigned char)l[i] >= 0x80) {
			size_t k = utf8_len(l + i, p->llen - i);

			j = i + (k ? k : 1); /* an invalid byte: alone */
		}
	}
	t.len = (unsigned)(j - i);
	return t;
}

/* Go on reading the line at byte POS: the token there is next. */
static inline __attribute__((always_inline)) void seek(struct parser *p,
						       size_t pos)
{
	p->tok = peek_at(p, pos);
}

/* The next token, left for next(). */
static inline struct tok peek(const struct parser *p)
{
	return p->tok;
}

/* Take the next token: the one after it is next. */
static inline __attribute__((always_inline)) struct tok next(struct parser *p)
{
	struct tok t = p->tok;

	if (t.kind != TK_END) {
		p->last_end = t.pos + t.len;
		seek(p, p->last_end);
	}
	return t;
}

/* Whether the N bytes at S spell the word W. Byte by byte: W is short, and
 * S holds no NUL (a line has none, nor has a name), so a difference ends
 * the loop at W's NUL at the latest. */
static int spells(const char *s, size_t n, const char *w)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != w[i])
			return 0;
	return w[n] == '\0';
}

/* Whether the N bytes at A and at B are the same, N known to fit both: a
 * few word compares, overlapping, for the names a line looks up once
 * their lengths agree. */
static inline int same_bytes(const char *a, const char *b, size_t n)
{
	uint64_t x, y;
	uint32_t u, v;

	if (n >= 8) {
		for (size_t i = 0; i + 8 < n; i += 8) {
			memcpy(&x, a + i, 8);
			memcpy(&y, b + i, 8);
			if (x != y)
				return 0;
		}
		memcpy(&x, a + n - 8, 8);
		memcpy(&y, b + n - 8, 8);
		return x == y;
	}
	if (n >= 4) {
		memcpy(&u, a, 4);
		memcpy(&v, b, 4);
		if (u != v)
			return 0;
		memcpy(&u, a + n - 4, 4);
		memcpy(&v, b + n - 4, 4);
		return u == v;
	}
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return 0;
	return 1;
}

static int tok_eq(const struct parser *p, struct tok t, const char *s)
{
	return t.kind != TK_END && spells(p->line + t.pos, t.len, s);
}

static int is_word(const struct parser *p, struct tok t, const char *s)
{
	return t.kind == TK_WORD && spells(p->line + t.pos, t.len, s);
}

static int is_punct(const struct parser *p, struct tok t, char c)
{
	return t.kind == TK_PUNCT && t.len == 1 && p->line[t.pos] == c;
}

static const char *tok_text(const struct parser *p, struct tok t)
{
	return p->line + t.pos;
}

/* A token for an error message: 'text' (cut, control bytes escaped), or
 * "the end of the line". */
struct quoted {
	char s[QUOTE_MAX * 4 + 16];
};

__attribute__((cold)) static struct quoted quote(const struct parser *p,
						 struct tok t)
{
	struct quoted q;
	size_t o = 0, n = t.len;
	const char *s = tok_text(p, t);

	if (t.kind == TK_END) {
		snprintf(q.s, sizeof q.s, "the end of the line");
		return q;
	}
	if (n > QUOTE_MAX)
		n = QUOTE_MAX; /* only words and numbers are long: ASCII */
	q.s[o++] = '\'';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			o += (size_t)snprintf(q.s + o, sizeof q.s - o,
					      "\\x%02x", c);
		else
			q.s[o++] = (char)c;
	}
	if (n < t.len) {
		memcpy(q.s + o, "...", 3);
		o += 3;
	}
	q.s[o++] = '\'';
	q.s[o] = '\0';
	return q;
}

/* "Did you mean": the candidate nearest to a misspelt word, by the number
 * of single-character edits (insert, delete, replace, swap two neighbours;
 * case ignored) that turn one into the other. A candidate is offered when
 * it is at most a third of the word's length away (at least one edit). */
struct near {
	const char *word;
	size_t n;
	const char *best;
	int dist;
};

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

__attribute__((cold)) static void
near_init(struct near *s, const struct parser *p, struct tok t)
{
	s->word = tok_text(p, t);
	s->n = t.len < QUOTE_MAX ? t.len : QUOTE_MAX;
	s->best = NULL;
	s->dist = (int)(s->n / 3) > 1 ? (int)(s->n / 3) : 1;
	s->dist++; /* what a candidate must beat */
}

/* Consider candidate C. */
__attribute__((cold)) static void near_try(struct near *s, const char *c)
{
	enum { W = QUOTE_MAX + 2 };
	int d0[W], d1[W], d2[W];
	size_t m = strlen(c);

	if (m >= W - 1 || (m > s->n ? m - s->n : s->n - m) >= (size_t)s->dist)
		return;
	/* optimal string alignment distance, three rows */
	int *pp = d0, *pr = d1, *cur = d2;
	for (size_t j = 0; j <= m; j++)
		pr[j] = (int)j;
	for (size_t i = 1; i <= s->n; i++) {
		cur[0] = (int)i;
		for (size_t j = 1; j <= m; j++) {
			int cost = lower(s->word[i - 1]) != lower(c[j - 1]);
			int v = pr[j] + 1;
			if (cur[j - 1] + 1 < v)
				v = cur[j - 1] + 1;
			if (pr[j - 1] + cost < v)
				v = pr[j - 1] + cost;
			if (i > 1 && j > 1 &&
			    lower(s->word[i - 1]) == lower(c[j - 2]) &&
			    lower(s->word[i - 2]) == lower(c[j - 1]) &&
			    pp[j - 2] + 1 < v)
				v = pp[j - 2] + 1;
			cur[j] = v;
		}
		int *t = pp;
		pp = pr;
		pr = cur;
		cur = t;
	}
	/* nothing in common is not near: 'b' is not offered for 'a' */
	if (pr[m] < s->dist && pr[m] < (int)(m > s->n ? m : s->n)) {
		s->dist = pr[m];
		s->best = c;
	}
}

struct hint {
	char s[QUOTE_MAX + 32];
};

/* " (did you mean 'X'?)", or "" when nothing is near. */
__attribute__((cold)) static struct hint near_hint(const struct near *s)
{
	struct hint h;

	h.s[0] = '\0';
	if (s->best)
		snprintf(h.s, sizeof h.s, " (did you mean '%s'?)", s->best);
	return h;
}

/* The declared host nearest to T. */
__attribute__((cold)) static struct hint near_host(const struct parser *p,
						   struct tok t)
{
	struct near s;

	near_init(&s, p, t);
	for (int i = 0; i < p->t->nhosts; i++)
		near_try(&s, p->t->hosts[i].name);
	return near_hint(&s);
}

/* Where the word that starts at POS ends as written: at a blank or a
 * comment, whatever the tokens inside it. */
__attribute__((cold)) static size_t word_extent(const struct parser *p,
						size_t pos)
{
	while (pos < p->llen && p->line[pos] != ' ' && p->line[pos] != '\t' &&
	       p->line[pos] != '#')
		pos++;
	return pos;
}

static int expect_end(struct parser *p)
{
	struct tok t = peek(p);

	if (t.kind == TK_END)
		return 0;
	return fail(p, t.pos, "unexpected %s at the end of the statement",
		    quote(p, t).s);
}

/* "CTX: expected WHAT, found TOKEN" */
__attribute__((cold)) static int expected(struct parser *p, struct tok t,
					  const char *ctx, const char *what)
{
	return fail(p, t.pos, "%s: expected %s, found %s", ctx, what,
		    quote(p, t).s);
}

/* ---------------------------------------------------------------------- */
/* Numbers, times, addresses */

/* A decimal integer token, [-]digits; saturates at +-INT_SATURATE.
 * Returns -1 when the token is not one. */
static inline int tok_int(const struct parser *p, struct tok t, int64_t *v)
{
	const char *s = tok_text(p, t);
	size_t i = 0;
	int64_t x = 0;
	int neg = 0;

	if (t.kind != TK_NUM)
		return -1;
	if (s[0] == '-') {
		neg = 1;
		i = 1;
	}
	if (i >= t.len)
		return -1;
	for (; i < t.len; i++) {
		if (!is_digit(s[i]))
			return -1;
		if (x <= (INT_SATURATE - 9) / 10)
			x = x * 10 + (s[i] - '0');
		else
			x = INT_SATURATE;
	}
	*v = neg ? -x : x;
	return 0;
}

/*
 * Read an integer in [MIN, MAX]. Errors:
 *   CTX: expected WHAT, found TOKEN
 *   invalid number 'TOKEN'
 *   CTX: NAME TOKEN is out of range (MIN..MAX)
 */
static int read_int(struct parser *p, const char *ctx, const char *what,
		    const char *name, int64_t min, int64_t max, int64_t *out)
{
	struct tok t = next(p);
	int64_t v;

	if (t.kind != TK_NUM)
		return expected(p, t, ctx, what);
	if (tok_int(p, t, &v) < 0)
		return fail(p, t.pos, "invalid number %s", quote(p, t).s);
	if (v < min || v > max)
		return fail(p, t.pos,
			    "%s: %s %s is out of range (%" PRId64 "..%" PRId64
			    ")",
			    ctx, name, quote(p, t).s, min, max);
	*out = v;
	return 0;
}

/*
 * Read a knob's value given by name (ts_knob_info.names): its index.
 * Errors:
 *   set: expected a value for KNOB, found TOKEN
 *   set: unknown value 'TOKEN' for KNOB (NAME, NAME ...)
 */
static int read_knob_name(struct parser *p, const ts_knob_info *k,
			  const char *what, int64_t *out)
{
	struct tok t = next(p);
	char names[128];
	size_t len = 0;

	if (t.kind != TK_WORD)
		return expected(p, t, "set", what);
	for (int64_t i = 0; k->names[i]; i++)
		if (tok_eq(p, t, k->names[i])) {
			*out = i;
			return 0;
		}
	names[0] = '\0';
	for (int i = 0; k->names[i] && len < sizeof names; i++)
		len += (size_t)snprintf(names + len, sizeof names - len, "%s%s",
					i ? ", " : "", k->names[i]);
	return fail(p, t.pos, "set: unknown value %s for %s (%s)",
		    quote(p, t).s, k->name, names);
}

/* What time_value() found wrong with a time, in the order it checks. */
enum time_err {
	TIME_OK,
	TIME_INVALID,  /* not [+-]DIGITS[.DIGITS][us|ms|s] */
	TIME_NEGATIVE, /* '-' */
	TIME_FINER,    /* a non-zero digit past the microseconds */
	TIME_LARGE     /* beyond TS_TIME_MAX */
};

/*
 * The value of the time or duration S (N bytes, a number token: the byte
 * after it is neither a digit nor '.'): [+]DIGITS[.DIGITS][us|ms|s], a
 * bare number being seconds, exact in microseconds and at most
 * TS_TIME_MAX. Only ALLOW_REL takes '+', which sets *REL. Messages are
 * left to time_fail(): this is on every timed line.
 */
static enum time_err time_value(const char *s, size_t n, int allow_rel,
				ts_time *out, int *rel)
{
	size_t i = 0, rest;
	int64_t ip = 0, frac = 0, mult, lim;
	int neg = 0, big = 0, places, digits = 0;

	*rel = 0;
	if (s[0] == '+' && allow_rel) {
		*rel = 1;
		i = 1;
	} else if (s[0] == '-') {
		neg = 1;
		i = 1;
	}
	if (!is_digit(s[i]))
		return TIME_INVALID;
	for (; is_digit(s[i]); i++) {
		if (ip > TS_TIME_MAX)
			big = 1;
		else
			ip = ip * 10 + (s[i] - '0');
	}
	/* The fraction, in one loop: its first six digits as millionths
	 * (FRAC), and how many digits it has up to its last non-zero one
	 * (DIGITS), which the unit's places must hold. */
	if (s[i] == '.') {
		static const int64_t weight[6] = {100000, 10000, 1000,
						  100,    10,    1};
		size_t f0 = ++i;

		for (; is_digit(s[i]); i++) {
			if (s[i] == '0')
				continue;
			if (i - f0 < 6)
				frac += (s[i] - '0') * weight[i - f0];
			digits = (int)(i - f0) + 1;
		}
		if (i == f0)
			return TIME_INVALID;
	}
	rest = n - i;
	/* the unit: microseconds in one (MULT), the most of it (LIM) */
	if (rest == 0 || (rest == 1 && s[i] == 's')) {
		places = 6;
		mult = 1000000;
		lim = TS_TIME_MAX / 1000000;
	} else if (rest == 2 && s[i] == 'm' && s[i + 1] == 's') {
		places = 3;
		mult = 1000;
		lim = TS_TIME_MAX / 1000;
		frac /= 1000; /* in the unit; exact when DIGITS fit */
	} else if (rest == 2 && s[i] == 'u' && s[i + 1] == 's') {
		places = 0;
		mult = 1;
		lim = TS_TIME_MAX;
	} else {
		return TIME_INVALID;
	}
	if (neg)
		return TIME_NEGATIVE;
	if (digits > places)
		return TIME_FINER;
	if (big || ip > lim || ip * mult + frac > TS_TIME_MAX)
		return TIME_LARGE;
	*out = ip * mult + frac;
	return TIME_OK;
}

/* The message for what time_value() found wrong with token T. */
__attribute__((cold)) static int time_fail(struct parser *p, struct tok t,
					   const char *noun, enum time_err e)
{
	char buf[32];

	switch (e) {
	case TIME_OK:
	case TIME_INVALID:
		break;
	case TIME_NEGATIVE:
		return fail(p, t.pos, "%s %s is negative", noun, quote(p, t).s);
	case TIME_FINER:
		return fail(p, t.pos, "%s %s is finer than a microsecond", noun,
			    quote(p, t).s);
	case TIME_LARGE:
		return fail(p, t.pos, "%s %s is too large (the largest is %s)",
			    noun, quote(p, t).s,
			    ts_dur_fmt(TS_TIME_MAX, buf, sizeof buf));
	}
	return fail(p, t.pos, "invalid %s %s", noun, quote(p, t).s);
}

/* Time token T (NOUN: "time" or "duration"), as time_value() reads it. */
static int tok_time(struct parser *p, struct tok t, const char *noun,
		    int allow_rel, ts_time *out, int *rel)
{
	enum time_err e =
	    time_value(tok_text(p, t), t.len, allow_rel, out, rel);

	return e == TIME_OK ? 0 : time_fail(p, t, noun, e);
}

/* A duration (link delay, net delay): "CTX: expected DUR, found ..." when
 * the next token is not a number. */
static int read_dur(struct parser *p, const char *ctx, ts_time *out)
{
	struct tok t = next(p);
	int rel;

	if (t.kind != TK_NUM)
		return expected(p, t, ctx, "DUR");
	return tok_time(p, t, "duration", 0, out, &rel);
}

/* Dotted-quad IPv4, each part 0..255 in decimal without leading zeros. */
static int tok_ipv4(const struct parser *p, struct tok t, uint32_t *out)
{
	const char *s = tok_text(p, t);
	size_t i = 0;
	uint32_t a = 0;

	if (t.kind != TK_NUM)
		return -1;
	for (int part = 0; part < 4; part++) {
		size_t d0 = i;
		unsigned v = 0;

		if (part > 0) {
			if (i >= t.len || s[i] != '.')
				return -1;
			d0 = ++i;
		}
		while (i < t.len && is_digit(s[i]) && i - d0 < 3)
			v = v * 10 + (unsigned)(s[i++] - '0');
		if (i == d0 || v > 255 || (s[d0] == '0' && i - d0 > 1))
			return -1;
		a = a << 8 | v;
	}
	if (i != t.len)
		return -1;
	*out = a;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Names: hosts and per-host variables, in one hash table */

static const char *ent_name(const struct parser *p, struct name_ent e)
{
	if (e.owner < 0)
		return p->t->hosts[e.idx].name;
	return p->t->hosts[e.owner].vars[e.idx];
}

/* N bytes of NAME kept for good, terminated; NULL when out of memory. */
static char *keep_name(struct ts_syms *y, const char *name, size_t n)
{
	struct name_block *b = y->blocks;
	if (!b || b->cap - b->used < n + 1) {
		size_t cap = n + 1 > 4000 ? n + 1 : 4000;
		b = malloc(sizeof *b + cap);
		if (!b)
			return NULL;
		b->next = y->blocks;
		b->used = 0;
		b->cap = cap;
		y->blocks = b;
	}
	char *d = b->data + b->used;
	memcpy(d, name, n);
	d[n] = '\0';
	b->used += n + 1;
	return d;
}

static uint32_t name_hash(int owner, const char *s, size_t n)
{
	uint32_t h = 2166136261u ^ (uint32_t)owner;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

/* Index of the host (OWNER -1) or variable named S (N bytes, no NUL), or
 * -1. */
static int name_find(const struct parser *p, int owner, const char *s, size_t n)
{
	size_t mask;
	uint32_t h;

	if (p->syms->names_cap == 0 || n > TS_PARSE_MAX_NAME)
		return -1;
	mask = p->syms->names_cap - 1;
	h = name_hash(owner, s, n);
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		struct name_ent e = p->syms->names[i];

		if (e.idx < 0)
			return -1;
		/* the hash first: most other names differ there */
		if (e.hash == h && e.len == n && e.owner == owner &&
		    same_bytes(s, ent_name(p, e), n))
			return e.idx;
	}
}

static void name_put(struct name_ent *tab, size_t cap, struct name_ent e)
{
	size_t i = e.hash & (cap - 1);

	while (tab[i].idx >= 0)
		i = (i + 1) & (cap - 1);
	tab[i] = e;
}

/* Enter an already stored name. */
static int name_add(struct parser *p, int owner, int idx)
{
	struct ts_syms *y = p->syms;
	struct name_ent e = {owner, idx, 0, 0};
	const char *s = ent_name(p, e);

	if ((y->names_used + 1) * 2 > y->names_cap) {
		size_t cap = y->names_cap ? y->names_cap * 2 : 64;
		struct name_ent *tab = malloc(cap * sizeof *tab);

		if (!tab)
			return oom(p);
		for (size_t i = 0; i < cap; i++)
			tab[i].idx = -1;
		for (size_t i = 0; i < y->names_cap; i++)
			if (y->names[i].idx >= 0)
				name_put(tab, cap, y->names[i]);
		free(y->names);
		y->names = tab;
		y->names_cap = cap;
	}
	e.len = (unsigned)strlen(s);
	e.hash = name_hash(owner, s, e.len);
	name_put(y->names, y->names_cap, e);
	y->names_used++;
	return 0;
}

static int add_host(struct parser *p, const char *name, size_t n, uint32_t addr)
{
	ts_trace *t = p->t;
	ts_host_decl *h;

	if ((size_t)t->nhosts == p->host_cap) {
		size_t cap = p->host_cap ? p->host_cap * 2 : 4;
		ts_host_decl *nh = realloc(t->hosts, cap * sizeof *nh);

		if (!nh)
			return oom(p);
		t->hosts = nh;
		p->host_cap = cap;
	}
	h = &t->hosts[t->nhosts];
	memset(h, 0, sizeof *h);
	memcpy(h->name, name, n);
	h->name[n] = '\0';
	h->addr = addr;
	for (int k = 0; k < TS_NKNOBS; k++)
		h->knobs[k] = ts_knobs[k].def;
	t->nhosts++;
	return name_add(p, -1, t->nhosts - 1);
}

static int host_by_addr(const struct parser *p, uint32_t addr)
{
	for (int i = 0; i < p->t->nhosts; i++)
		if (p->t->hosts[i].addr == addr)
			return i;
	return -1;
}

/* The next token names a declared host. */
static int read_host(struct parser *p, const char *ctx, int *out)
{
	struct tok t = next(p);

	if (t.kind != TK_WORD)
		return expected(p, t, ctx, "a host name");
	*out = name_find(p, -1, tok_text(p, t), t.len);
	if (*out >= 0)
		return 0;
	/* "a->b": the '-' is part of the word, the name before it a host */
	if (t.len > 1 && tok_text(p, t)[t.len - 1] == '-' &&
	    t.pos + t.len < p->llen && p->line[t.pos + t.len] == '>' &&
	    name_find(p, -1, tok_text(p, t), t.len - 1) >= 0)
		return fail(p, t.pos + t.len - 1,
			    "%s: a direction is written '%.*s>HOST', with '>' "
			    "alone, not '->'",
			    ctx, (int)t.len - 1, tok_text(p, t));
	return fail(p, t.pos, "unknown host %s%s", quote(p, t).s,
		    near_host(p, t).s);
}

/* The variable named by token T on HOST, bound by an earlier line. */
static inline int resolve_var(struct parser *p, int host, struct tok t,
			      int *out)
{
	*out = name_find(p, host, tok_text(p, t), t.len);
	if (*out >= 0)
		return 0;
	/* "connect(server:80, c)": a host where a variable goes */
	if (name_find(p, -1, tok_text(p, t), t.len) >= 0 &&
	    t.pos + t.len < p->llen && p->line[t.pos + t.len] == ':')
		return fail(p, t.pos,
			    "%s is a host, not a variable: the socket comes "
			    "first, as in connect(c, %.*s:PORT)",
			    quote(p, t).s, (int)t.len, tok_text(p, t));
	struct near s;
	const ts_host_decl *h = &p->t->hosts[host];
	near_init(&s, p, t);
	for (int i = 0; i < h->nvars; i++)
		near_try(&s, h->vars[i]);
	return fail(p, t.pos, "unknown variable %s on host '%s'%s",
		    quote(p, t).s, h->name, near_hint(&s).s);
}

/* A new variable NAME (N bytes) of HOST's process: its number in *OUT. */
static int add_var(struct parser *p, int host, const char *name, size_t n,
		   int *out)
{
	ts_host_decl *h = &p->t->hosts[host];
	int *cap = &p->syms->var_cap[host];

	if (h->nvars == *cap) {
		int nc = *cap ? *cap * 2 : 8;
		char **nv = realloc(h->vars, (size_t)nc * sizeof *nv);

		if (!nv)
			return oom(p);
		h->vars = nv;
		*cap = nc;
	}
	h->vars[h->nvars] = keep_name(p->syms, name, n);
	if (!h->vars[h->nvars])
		return oom(p);
	*out = h->nvars++;
	return name_add(p, host, *out);
}

/* Bind the variable named by T on HOST: a new one, or the same index as
 * the earlier binding of that name (after a reboot, say). */
static int bind_var(struct parser *p, int host, struct tok t, int *out)
{
	ts_host_decl *h = &p->t->hosts[host];

	*out = name_find(p, host, tok_text(p, t), t.len);
	if (*out >= 0)
		return 0;
	if (h->nvars >= TS_PARSE_MAX_VARS)
		return fail(p, t.pos,
			    "too many variables on host '%s' (limit %d)",
			    h->name, TS_PARSE_MAX_VARS);
	return add_var(p, host, tok_text(p, t), t.len, out);
}

static int check_name_len(struct parser *p, struct tok t)
{
	if (t.len > TS_PARSE_MAX_NAME)
		return fail(p, t.pos, "name longer than %d characters",
			    TS_PARSE_MAX_NAME);
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Declarations */

static int is_host_name(const char *s, size_t n)
{
	if (n == 0 || s[0] < 'a' || s[0] > 'z')
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || is_digit(s[i]) ||
		      s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

/* host NAME ADDR */
static int parse_host_decl(struct parser *p)
{
	struct tok kw = next(p), nt, at;
	char buf[16];
	uint32_t addr;
	int other;

	if (p->t->nhosts >= TS_PARSE_MAX_HOSTS)
		return fail(p, kw.pos, "too many hosts (limit %d)",
			    TS_PARSE_MAX_HOSTS);
	nt = next(p);
	if (nt.kind != TK_WORD)
		return expected(p, nt, "host", "a host name");
	if (check_name_len(p, nt) < 0)
		return -1;
	if (!is_host_name(tok_text(p, nt), nt.len))
		return fail(p, nt.pos,
			    "invalid host name %s (a host name is "
			    "[a-z][a-z0-9_-]*)",
			    quote(p, nt).s);
	if (is_word(p, nt, "net"))
		return fail(p, nt.pos, "the host name 'net' is reserved");
	if (name_find(p, -1, tok_text(p, nt), nt.len) >= 0)
		return fail(p, nt.pos, "duplicate host name %s",
			    quote(p, nt).s);
	at = next(p);
	if (at.kind != TK_NUM)
		return expected(p, at, "host", "an IPv4 address");
	if (tok_ipv4(p, at, &addr) < 0)
		return fail(p, at.pos, "invalid IPv4 address %s",
			    quote(p, at).s);
	other = host_by_addr(p, addr);
	if (other >= 0) {
		ts_ipv4_fmt(addr, buf);
		return fail(p, at.pos,
			    "address %s is already used by host '%s'", buf,
			    p->t->hosts[other].name);
	}
	struct tok ns = peek(p);
	int nostack = is_word(p, ns, "nostack");
	if (nostack)
		next(p);
	if (expect_end(p) < 0 || add_host(p, tok_text(p, nt), nt.len, addr) < 0)
		return -1;
	p->t->hosts[p->t->nhosts - 1].nostack = nostack;
	return 0;
}

/* link A B delay DUR */
static int parse_link(struct parser *p)
{
	ts_trace *t = p->t;
	struct tok bt, kw;
	int a, b;
	size_t bit;
	ts_time d;

	next(p);
	if (read_host(p, "link", &a) < 0)
		return -1;
	bt = peek(p);
	if (read_host(p, "link", &b) < 0)
		return -1;
	if (a == b)
		return fail(p, bt.pos, "link: the two hosts must differ");
	if (a > b) {
		int x = a;
		a = b;
		b = x;
	}
	bit = (size_t)a * TS_PARSE_MAX_HOSTS + (size_t)b;
	if (p->linked[bit / 8] & (1u << (bit % 8)))
		return fail(p, bt.pos, "duplicate link between '%s' and '%s'",
			    t->hosts[a].name, t->hosts[b].name);
	kw = next(p);
	if (!is_word(p, kw, "delay"))
		return expected(p, kw, "link", "'delay'");
	if (read_dur(p, "link", &d) < 0 || expect_end(p) < 0)
		return -1;
	if ((size_t)t->nlinks == p->link_cap) {
		size_t cap = p->link_cap ? p->link_cap * 2 : 8;
		ts_link_decl *nl = realloc(t->links, cap * sizeof *nl);

		if (!nl)
			return oom(p);
		t->links = nl;
		p->link_cap = cap;
	}
	t->links[t->nlinks].a = a;
	t->links[t->nlinks].b = b;
	t->links[t->nlinks].delay = d;
	t->nlinks++;
	p->linked[bit / 8] |= (unsigned char)(1u << (bit % 8));
	return 0;
}

/* profile NAME */
static int parse_profile(struct parser *p)
{
	struct tok t;

	next(p);
	t = next(p);
	if (t.kind != TK_WORD)
		return expected(p, t, "profile", "a profile name");
	if (!is_word(p, t, "linux")) {
		/* the whole word as written: "linux-5.4" is read as the
		 * name "linux-5" and the number ".4" */
		t.len = word_extent(p, t.pos) - t.pos;
		return fail(p, t.pos,
			    "unknown profile %s (only 'linux' exists)",
			    quote(p, t).s);
	}
	return expect_end(p);
}

/* set HOST KNOB VALUE, KNOB optionally written net.ipv4.KNOB */
static int parse_set(struct parser *p)
{
	/* the sysctl's own name: net.ipv4.tcp_rmem, net.core.rmem_max */
	static const char *const prefixes[] = {"net.ipv4.", "net.core."};
	struct tok kt, name;
	char what[64];
	int host, k;
	int64_t v;

	next(p);
	kt = peek(p);
	if (kt.kind == TK_WORD &&
	    name_find(p, -1, tok_text(p, kt), kt.len) < 0) {
		/* "set tcp_retries2 3": the knob where the host goes */
		kt.len = word_extent(p, kt.pos) - kt.pos;
		for (k = 0; k < TS_NKNOBS; k++) {
			size_t kl = strlen(ts_knobs[k].name);
			if (kt.len >= kl &&
			    same_bytes(tok_text(p, kt) + kt.len - kl,
				       ts_knobs[k].name, kl) &&
			    (kt.len == kl ||
			     tok_text(p, kt)[kt.len - kl - 1] == '.'))
				return fail(p, kt.pos,
					    "set: a knob is set on one host: "
					    "write 'set HOST %.*s VALUE'",
					    (int)kt.len, tok_text(p, kt));
		}
	}
	if (read_host(p, "set", &host) < 0)
		return -1;
	kt = peek(p);
	name = kt;
	for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
		size_t plen = strlen(prefixes[i]);
		if (kt.kind == TK_WORD && p->llen - kt.pos > plen &&
		    memcmp(tok_text(p, kt), prefixes[i], plen) == 0) {
			name = peek_at(p, kt.pos + plen);
			if (name.pos != kt.pos + plen || name.kind != TK_WORD)
				name = kt; /* "net.ipv4. x": unknown */
			break;
		}
	}
	p->last_end = name.pos + name.len;
	seek(p, p->last_end);
	if (kt.kind != TK_WORD)
		return expected(p, kt, "set", "a knob name");
	kt.len = name.pos + name.len - kt.pos;
	for (k = 0; k < TS_NKNOBS; k++)
		if (name.kind == TK_WORD && tok_eq(p, name, ts_knobs[k].name))
			break;
	if (k == TS_NKNOBS) {
		struct near s;
		near_init(&s, p, name);
		for (int i = 0; i < TS_NKNOBS; i++)
			near_try(&s, ts_knobs[i].name);
		return fail(p, kt.pos, "unknown knob %s%s", quote(p, kt).s,
			    name.kind == TK_WORD ? near_hint(&s).s : "");
	}
	snprintf(what, sizeof what, "a value for %s", ts_knobs[k].name);
	if (ts_knobs[k].names
		? read_knob_name(p, &ts_knobs[k], what, &v) < 0
		: read_int(p, "set", what, ts_knobs[k].name, ts_knobs[k].min,
			   ts_knobs[k].max, &v) < 0)
		return -1;
	/* Knobs of several values, as their sysctls: ip_local_port_range
	 * LOW HIGH (LOW <= HIGH), tcp_rmem MIN DEFAULT MAX. */
	for (int i = 1; i < ts_knobs[k].nvals; i++) {
		const ts_knob_info *e = &ts_knobs[k + i];
		int64_t min = k == TS_KNOB_IP_LOCAL_PORT_LOW ? v : e->min;
		int64_t ev;
		if (k == TS_KNOB_IP_LOCAL_PORT_LOW)
			snprintf(what, sizeof what,
				 "the high end of ip_local_port_range");
		else
			snprintf(what, sizeof what, "value %d of %s", i + 1,
				 ts_knobs[k].name);
		if (read_int(p, "set", what, ts_knobs[k].name, min, e->max,
			     &ev) < 0)
			return -1;
		p->t->hosts[host].knobs[k + i] = ev;
		p->t->hosts[host].knob_set[k + i] = 1;
	}
	if (expect_end(p) < 0)
		return -1;
	p->t->hosts[host].knobs[k] = v;
	p->t->hosts[host].knob_set[k] = 1;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Statements */

/* Add statement ST, which begins at byte AT of the line and whose text
 * runs from byte START to the last token taken; with SHARED, ST's text is
 * already kept (a body parsed before) and is not copied again. */
static inline int push_stmt_text(struct parser *p, const ts_stmt *st, size_t at,
				 size_t start, int shared)
{
	ts_trace *t = p->t;
	size_t n = p->last_end - start;

	if (t->nstmts >= TS_PARSE_MAX_STMTS)
		return fail(p, at, "too many statements (limit %d)",
			    TS_PARSE_MAX_STMTS);
	if ((size_t)t->nstmts == p->stmt_cap) {
		size_t cap = p->stmt_cap ? p->stmt_cap * 2 : 64;
		ts_stmt *ns;

		if (cap > TS_PARSE_MAX_STMTS)
			cap = TS_PARSE_MAX_STMTS;
		ns = realloc(t->stmts, cap * sizeof *ns);
		if (!ns)
			return oom(p);
		t->stmts = ns;
		p->stmt_cap = cap;
	}
	t->nreplay += st->kind == TS_STMT_NET && st->u.net.op == TS_NET_REPLAY;
	t->nfield_expects += st->kind == TS_STMT_EXPECT &&
			     st->u.expect.op == TCPSIM_EXPECT_WIRE &&
			     st->u.expect.match.mask;
	t->stmts[t->nstmts] = *st;
	if (!shared) {
		/* The text area holds len + nlines + 1 bytes: each
		 * statement's text is part of one line, plus its NUL. */
		memcpy(p->textp, p->line + start, n);
		p->textp[n] = '\0';
		t->stmts[t->nstmts].text = p->textp;
		p->textp += n + 1;
	}
	t->nstmts++;
	return 0;
}

static inline int push_stmt(struct parser *p, const ts_stmt *st, size_t start)
{
	return push_stmt_text(p, st, start, start, 0);
}

static int seg_kind(const struct parser *p, struct tok t, ts_seg_kind *out)
{
	for (int k = TCPSIM_SEG_SYN; k <= TCPSIM_SEG_DATA; k++)
		if (is_word(p, t, ts_segkind_name((ts_seg_kind)k))) {
			*out = (ts_seg_kind)k;
			return 0;
		}
	return -1;
}

/* "SYN, FIN, RST, ACK or DATA" into BUF. */
static const char *segkinds(char buf[64])
{
	ts_sb sb;
	ts_sb_init(&sb, buf, 64);
	for (int k = TCPSIM_SEG_SYN; k <= TCPSIM_SEG_DATA; k++) {
		if (k > TCPSIM_SEG_SYN)
			ts_sb_puts(&sb, k == TCPSIM_SEG_DATA ? " or " : ", ");
		ts_sb_puts(&sb, ts_segkind_name((ts_seg_kind)k));
	}
	sb.buf[sb.len] = '\0'; /* 27 bytes: never grows */
	return buf;
}

/* A>B, or with ports A:PORT>B:PORT (ports only when PORTS is given). */
static int read_pair(struct parser *p, const char *ctx, int *from, int *to,
		     int *from_port, int *to_port)
{
	struct tok a, gt, bt;
	int64_t v;

	a = peek(p);
	if (read_host(p, ctx, from) < 0)
		return -1;
	if (from_port && is_punct(p, peek(p), ':')) {
		next(p);
		if (read_int(p, ctx, "PORT", "PORT", 1, 65535, &v) < 0)
			return -1;
		*from_port = (int)v;
	}
	gt = next(p);
	if (!is_punct(p, gt, '>'))
		return fail(p, gt.pos, "%s: expected '>' after %s, found %s",
			    ctx, quote(p, a).s, quote(p, gt).s);
	bt = peek(p);
	if (read_host(p, ctx, to) < 0)
		return -1;
	if (to_port && is_punct(p, peek(p), ':')) {
		next(p);
		if (read_int(p, ctx, "PORT", "PORT", 1, 65535, &v) < 0)
			return -1;
		*to_port = (int)v;
	}
	if (*from == *to)
		return fail(p, bt.pos, "%s: the two hosts must differ", ctx);
	return 0;
}

/* [COUNT] [KIND] after drop, dup, delay; only [KIND] after "drop A>B all" */
static int read_count_kind(struct parser *p, const char *ctx, ts_net *n)
{
	struct tok t = peek(p);
	int64_t v;

	if (t.kind == TK_NUM && !n->all) {
		if (read_int(p, ctx, "COUNT", "COUNT", 1, UINT32_MAX, &v) < 0)
			return -1;
		n->count = (uint32_t)v;
		t = peek(p);
	}
	if (t.kind == TK_WORD) {
		next(p);
		char kinds[64];
		if (seg_kind(p, t, &n->kind) < 0)
			return fail(p, t.pos,
				    "%s: unknown segment kind %s (expected %s)",
				    ctx, quote(p, t).s, segkinds(kinds));
	}
	return 0;
}

/* "seg N" after drop, dup and delay: the rule takes the segment numbered
 * N in the report alone, instead of a COUNT of segments; else COUNT and
 * KIND. */
static int read_seg_count_kind(struct parser *p, const char *ctx, ts_net *n)
{
	if (!n->all && is_word(p, peek(p), "seg")) {
		int64_t v;
		next(p);
		if (read_int(p, ctx, "N", "N", 1, UINT32_MAX, &v) < 0)
			return -1;
		n->segno = (uint32_t)v;
		return 0;
	}
	return read_count_kind(p, ctx, n);
}

static int read_tcp_flags(struct parser *p, uint8_t *out)
{
	const size_t n = sizeof ts_tcp_flags / sizeof ts_tcp_flags[0];

	*out = 0;
	for (;;) {
		struct tok t = next(p);
		size_t i;

		for (i = 0; i < n; i++)
			if (is_word(p, t, ts_tcp_flags[i].name))
				break;
		if (i == n) {
			char what[80];
			ts_sb sb;
			ts_sb_init(&sb, what, sizeof what);
			ts_sb_puts(&sb, "FLAGS (");
			ts_names_list(&sb, ts_tcp_flags, n, ~0u, ", ");
			ts_sb_puts(&sb, ", joined by '|')");
			ts_sb_putc(&sb, '\0');
			int r = expected(p, t, "inject", sb.buf);
			ts_sb_free(&sb);
			return r;
		}
		*out |= (uint8_t)ts_tcp_flags[i].value;
		if (!is_punct(p, peek(p), '|'))
			return 0;
		next(p);
	}
}

/* The cookie after "fo" or "foexp": hexadecimal digits, two a byte, 1 to
 * TCPSIM_FO_COOKIE_MAX bytes (3021b9d889017eeb); none is a request. The
 * digits are read as text: they may start as a number and go on as a
 * word. */
static int is_hex(int c)
{
	return is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

static int is_wordc(int c)
{
	return is_hex(c) || c == '_' ||
	       ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

static int parse_inject_cookie(struct parser *p, ts_net *n)
{
	struct tok t = peek(p);
	if (t.kind == TK_END || (t.kind != TK_NUM && t.kind != TK_WORD))
		return 0;
	size_t e = t.pos, i;
	while (e < p->llen && is_hex((unsigned char)p->line[e]))
		e++;
	/* a word that is not hexadecimal: the next option, or a mistake */
	if (e < p->llen && is_wordc((unsigned char)p->line[e]))
		return t.kind == TK_WORD
			   ? 0
			   : fail(p, t.pos,
				  "inject: a Fast Open cookie is hexadecimal "
				  "digits, found %s",
				  quote(p, t).s);
	size_t len = e - t.pos;
	if (t.kind == TK_WORD && (len % 2 || len / 2 > TCPSIM_FO_COOKIE_MAX))
		return 0; /* not a cookie: the next option */
	if (len % 2 || len / 2 > TCPSIM_FO_COOKIE_MAX)
		return fail(p, t.pos,
			    "inject: a Fast Open cookie takes 1 to %d bytes, "
			    "two hexadecimal digits a byte",
			    TCPSIM_FO_COOKIE_MAX);
	for (i = 0; i < len; i++) {
		int d = (unsigned char)p->line[t.pos + i];
		d = d <= '9' ? d - '0' : (d | 0x20) - 'a' + 10;
		n->fo_cookie[i / 2] =
		    (uint8_t)(i % 2 ? n->fo_cookie[i / 2] | d : d << 4);
	}
	n->fo_len = (uint8_t)(len / 2);
	p->last_end = e;
	seek(p, e);
	return 0;
}

/* SACK blocks, L:R [L:R ...], into SACK and *NSACK (at most
 * TCPSIM_MAX_SACK in all): for inject and expect lines (CTX). */
static int read_sack_blocks(struct parser *p, const char *ctx,
			    uint32_t sack[][2], uint8_t *nsack)
{
	do {
		int64_t l, r;
		struct tok t;
		if (*nsack == TCPSIM_MAX_SACK)
			return fail(p, peek(p).pos,
				    "%s: at most %d SACK blocks", ctx,
				    TCPSIM_MAX_SACK);
		if (read_int(p, ctx, "a SACK block's left edge", "sack", 0,
			     UINT32_MAX, &l) < 0)
			return -1;
		t = next(p);
		if (!is_punct(p, t, ':'))
			return expected(p, t, ctx,
					"':' between a SACK block's edges");
		if (read_int(p, ctx, "a SACK block's right edge", "sack", 0,
			     UINT32_MAX, &r) < 0)
			return -1;
		sack[*nsack][0] = (uint32_t)l;
		sack[*nsack][1] = (uint32_t)r;
		(*nsack)++;
	} while (peek(p).kind == TK_NUM);
	return 0;
}

/* The options of an injected segment, after its header fields, each at
 * most once, in any order: mss M, sackOK, wscale N, ts VAL ECR,
 * sack L:R [L:R ...] (at most TCPSIM_MAX_SACK blocks). Their layout on
 * the wire follows from which are present, as for every segment. */
static int parse_inject_options(struct parser *p, ts_net *n)
{
	int64_t v, w;
	unsigned seen = 0;
	static const char *const names[] = {"mss",  "sackOK", "wscale", "ts",
					    "sack", "fo",     "foexp"};

	for (;;) {
		struct tok t = next(p);
		unsigned k;

		if (t.kind == TK_END)
			return 0;
		for (k = 0; k < 7; k++)
			if (is_word(p, t, names[k]))
				break;
		if (k == 7)
			return expected(p, t, "inject",
					"an option (mss, sackOK, wscale, ts, "
					"sack, fo, foexp) or the end of the "
					"line");
		if (k >= 5) {
			/* Fast Open (RFC 7413 §2): fo (a request) or fo
			 * HEX (a cookie); foexp, the experimental kind */
			if (seen & (3u << 5))
				return fail(p, t.pos,
					    "inject: the Fast Open option "
					    "given twice");
			seen |= 1u << k;
			if (parse_inject_cookie(p, n) < 0)
				return -1;
			n->fo = k == 5 ? TCPSIM_FO : TCPSIM_FO_EXP;
			continue;
		}
		if (seen & (1u << k))
			return fail(p, t.pos, "inject: %s given twice",
				    quote(p, t).s);
		seen |= 1u << k;
		switch (k) {
		case 0:
			if (read_int(p, "inject", "an MSS", "mss", 1, 65535,
				     &v) < 0)
				return -1;
			n->mss = (uint16_t)v;
			break;
		case 1:
			n->sack_ok = 1;
			break;
		case 2:
			if (read_int(p, "inject", "a window scale", "wscale", 0,
				     14, &v) < 0)
				return -1;
			n->wscale_ok = 1;
			n->wscale = (uint8_t)v;
			break;
		case 3:
			if (read_int(p, "inject", "a timestamp value", "ts", 0,
				     UINT32_MAX, &v) < 0 ||
			    read_int(p, "inject", "a timestamp echo reply",
				     "ts", 0, UINT32_MAX, &w) < 0)
				return -1;
			n->ts = 1;
			n->tsval = (uint32_t)v;
			n->tsecr = (uint32_t)w;
			break;
		default:
			if (read_sack_blocks(p, "inject", n->sack, &n->nsack) <
			    0)
				return -1;
			break;
		}
	}
}

/* inject A>B FLAGS seq S ack K [len L] [win W] [options] */
static int parse_inject(struct parser *p, ts_net *n)
{
	int64_t v;
	int had_len = 0, had_win = 0;
	struct tok t;

	if (read_pair(p, "inject", &n->from, &n->to, &n->from_port,
		      &n->to_port) < 0 ||
	    read_tcp_flags(p, &n->tcp_flags) < 0)
		return -1;
	t = next(p);
	if (!is_word(p, t, "seq"))
		return expected(p, t, "inject", "'seq'");
	if (read_int(p, "inject", "a sequence number", "seq", 0, UINT32_MAX,
		     &v) < 0)
		return -1;
	n->seq = (uint32_t)v;
	t = next(p);
	if (!is_word(p, t, "ack"))
		return expected(p, t, "inject", "'ack'");
	if (read_int(p, "inject", "an acknowledgment number", "ack", 0,
		     UINT32_MAX, &v) < 0)
		return -1;
	n->ack = (uint32_t)v;
	for (;;) {
		t = peek(p);
		if (t.kind == TK_END)
			return 0;
		if (!is_word(p, t, "len") && !is_word(p, t, "win"))
			return parse_inject_options(p, n);
		next(p);
		if (is_word(p, t, "len") && !had_len) {
			if (read_int(p, "inject", "a length", "len", 0, 1048576,
				     &v) < 0)
				return -1;
			n->len = (uint32_t)v;
			had_len = 1;
		} else if (is_word(p, t, "win") && !had_win) {
			if (read_int(p, "inject", "a window", "win", 0, 65535,
				     &v) < 0)
				return -1;
			n->win = (uint32_t)v;
			n->has_win = 1;
			had_win = 1;
		} else {
			return fail(p, t.pos, "inject: %s given twice",
				    quote(p, t).s);
		}
	}
}

/* net: drop|dup|delay|replay|inject|heal ... */
static int parse_net(struct parser *p, ts_stmt *st)
{
	ts_net *n = &st->u.net;
	struct tok op = next(p), t;
	int64_t v;

	st->kind = TS_STMT_NET;
	n->from = n->to = -1;
	n->count = 1;
	n->kind = TCPSIM_SEG_ANY;
	n->from_port = n->to_port = -1;
	n->win = 65535;
	if (is_word(p, op, "drop")) {
		n->op = TS_NET_DROP;
		if (read_pair(p, "drop", &n->from, &n->to, NULL, NULL) < 0)
			return -1;
		if (is_word(p, peek(p), "all")) {
			next(p);
			n->all = 1; /* count stays 1, unused */
		}
		if (read_seg_count_kind(p, "drop", n) < 0)
			return -1;
	} else if (is_word(p, op, "dup")) {
		n->op = TS_NET_DUP;
		if (read_pair(p, "dup", &n->from, &n->to, NULL, NULL) < 0 ||
		    read_seg_count_kind(p, "dup", n) < 0)
			return -1;
	} else if (is_word(p, op, "delay")) {
		n->op = TS_NET_DELAY;
		if (read_pair(p, "delay", &n->from, &n->to, NULL, NULL) < 0 ||
		    read_dur(p, "delay", &n->delay) < 0 ||
		    read_seg_count_kind(p, "delay", n) < 0)
			return -1;
	} else if (is_word(p, op, "replay")) {
		n->op = TS_NET_REPLAY;
		if (read_int(p, "replay", "N", "N", 1, UINT32_MAX, &v) < 0)
			return -1;
		n->segno = (uint32_t)v;
	} else if (is_word(p, op, "inject")) {
		n->op = TS_NET_INJECT;
		if (parse_inject(p, n) < 0)
			return -1;
	} else if (is_word(p, op, "heal")) {
		n->op = TS_NET_HEAL;
		if (peek(p).kind != TK_END) {
			if (read_host(p, "heal", &n->from) < 0)
				return -1;
			t = peek(p);
			if (read_host(p, "heal", &n->to) < 0)
				return -1;
			if (n->from == n->to)
				return fail(p, t.pos,
					    "heal: the two hosts must differ");
		}
	} else {
		return expected(p, op, "net",
				"drop, dup, delay, replay, inject or heal");
	}
	return expect_end(p);
}

/* expect [no] A>B KIND | expect HOST VAR state STATE | expect HOST
 * terminated */
/* The segment fields an expect line may name after its KIND, each at most
 * once: seq N, ack N, win N, len N, mss N, wscale N, sackOK, ts [val N]
 * [ecr N], sack L:R [L:R ...]. */
static int parse_seg_fields(struct parser *p, tcpsim_seg_match *m)
{
	static const struct {
		const char *name;
		uint32_t bit;
		int64_t max;
	} num[] = {
	    {"seq", TCPSIM_MATCH_SEQ, 4294967295},
	    {"ack", TCPSIM_MATCH_ACK, 4294967295},
	    {"win", TCPSIM_MATCH_WIN, 65535},
	    {"len", TCPSIM_MATCH_LEN, 4294967295},
	    {"mss", TCPSIM_MATCH_MSS, 65535},
	    {"wscale", TCPSIM_MATCH_WSCALE, 14},
	};
	for (;;) {
		struct tok t = peek(p);
		if (t.kind == TK_END)
			return 0;
		uint32_t bit = 0;
		size_t i;
		int64_t v;
		for (i = 0; i < sizeof num / sizeof num[0]; i++)
			if (is_word(p, t, num[i].name))
				bit = num[i].bit;
		if (!bit && is_word(p, t, "sackOK"))
			bit = TCPSIM_MATCH_SACK_OK;
		if (!bit && (is_word(p, t, "ts") || is_word(p, t, "TS")))
			bit = TCPSIM_MATCH_TS;
		if (!bit && is_word(p, t, "sack"))
			bit = TCPSIM_MATCH_SACK;
		if (!bit)
			return expected(p, t, "expect",
					"a segment field (seq, ack, win, len, "
					"mss, wscale, sackOK, ts, sack) or the "
					"end of the line");
		if (m->mask & bit)
			return fail(p, t.pos, "expect: %s named twice",
				    quote(p, t).s);
		next(p);
		m->mask |= bit;
		tcpsim_segment *s = &m->seg;
		switch (bit) {
		case TCPSIM_MATCH_SACK_OK:
			s->sack_ok = 1;
			break;
		case TCPSIM_MATCH_TS:
			s->ts = 1;
			if (is_word(p, peek(p), "val")) {
				next(p);
				if (read_int(p, "expect", "a TSval", "ts val",
					     0, 4294967295, &v) < 0)
					return -1;
				s->tsval = (uint32_t)v;
				m->mask |= TCPSIM_MATCH_TSVAL;
			}
			if (is_word(p, peek(p), "ecr")) {
				next(p);
				if (read_int(p, "expect", "a TSecr", "ts ecr",
					     0, 4294967295, &v) < 0)
					return -1;
				s->tsecr = (uint32_t)v;
				m->mask |= TCPSIM_MATCH_TSECR;
			}
			break;
		case TCPSIM_MATCH_SACK:
			if (read_sack_blocks(p, "expect", s->sack, &s->nsack) <
			    0)
				return -1;
			break;
		default:
			for (i = 0; i < sizeof num / sizeof num[0]; i++)
				if (num[i].bit == bit)
					break;
			char what[32];
			snprintf(what, sizeof what, "a value for %s",
				 num[i].name);
			if (read_int(p, "expect", what, num[i].name, 0,
				     num[i].max, &v) < 0)
				return -1;
			if (bit == TCPSIM_MATCH_SEQ)
				s->seq = (uint32_t)v;
			else if (bit == TCPSIM_MATCH_ACK)
				s->ack = (uint32_t)v;
			else if (bit == TCPSIM_MATCH_WIN)
				s->win = (uint16_t)v;
			else if (bit == TCPSIM_MATCH_LEN)
				s->len = (uint32_t)v;
			else if (bit == TCPSIM_MATCH_MSS)
				s->mss = (uint16_t)v;
			else {
				s->wscale_ok = 1;
				s->wscale = (uint8_t)v;
			}
			break;
		}
	}
}

static int parse_expect(struct parser *p, ts_stmt *st)
{
	ts_expect *e = &st->u.expect;
	struct tok t, ht, a;
	int host;

	st->kind = TS_STMT_EXPECT;
	e->from = e->to = e->host = e->var = -1;
	next(p); /* "expect" */
	t = peek(p);
	if (is_word(p, t, "no")) {
		/* "no" is a negation unless it is a host's name used as one */
		struct tok w = peek_at(p, t.pos + t.len);

		if (name_find(p, -1, "no", 2) < 0 ||
		    (w.kind == TK_WORD &&
		     is_punct(p, peek_at(p, w.pos + w.len), '>'))) {
			e->negate = 1;
			next(p);
		}
	}
	ht = peek(p);
	if (read_host(p, "expect", &host) < 0)
		return -1;
	a = next(p);
	if (is_punct(p, a, '>')) {
		struct tok bt = peek(p), k;

		e->op = TCPSIM_EXPECT_WIRE;
		e->from = host;
		if (read_host(p, "expect", &e->to) < 0)
			return -1;
		if (e->from == e->to)
			return fail(p, bt.pos,
				    "expect: the two hosts must differ");
		char what[80], kinds[64];
		k = next(p);
		snprintf(what, sizeof what, "a segment kind (%s)",
			 segkinds(kinds));
		if (seg_kind(p, k, &e->kind) < 0)
			return expected(p, k, "expect", what);
		if (parse_seg_fields(p, &e->match) < 0)
			return -1;
	} else if (e->negate) {
		return fail(p, a.pos, "expect: expected '>' after %s, found %s",
			    quote(p, ht).s, quote(p, a).s);
	} else if (is_word(p, a, "terminated") && peek(p).kind == TK_END) {
		e->op = TCPSIM_EXPECT_TERMINATED;
		e->host = host;
	} else if (a.kind == TK_WORD) {
		struct tok s, k;
		int i;

		e->op = TCPSIM_EXPECT_STATE;
		e->host = host;
		if (resolve_var(p, host, a, &e->var) < 0)
			return -1;
		s = next(p);
		if (!is_word(p, s, "state"))
			return fail(p, s.pos,
				    "expect: expected 'state' after %s, found "
				    "%s",
				    quote(p, a).s, quote(p, s).s);
		k = next(p);
		for (i = 0; i < TS_TCP_NSTATES; i++)
			if (is_word(p, k, ts_state_name((ts_tcp_state)i)))
				break;
		if (i == TS_TCP_NSTATES) {
			char what[200];
			ts_sb sb;
			ts_sb_init(&sb, what, sizeof what);
			ts_sb_puts(&sb, "a state (");
			for (int j = 0; j < TS_TCP_NSTATES; j++) {
				if (j)
					ts_sb_puts(&sb, ", ");
				ts_sb_puts(&sb, ts_state_name((ts_tcp_state)j));
			}
			ts_sb_puts(&sb, ")");
			ts_sb_putc(&sb, '\0');
			struct near ns;
			near_init(&ns, p, k);
			for (int j = 0; k.kind == TK_WORD && j < TS_TCP_NSTATES;
			     j++)
				near_try(&ns, ts_state_name((ts_tcp_state)j));
			int r =
			    fail(p, k.pos, "expect: expected %s, found %s%s",
				 sb.buf, quote(p, k).s, near_hint(&ns).s);
			ts_sb_free(&sb);
			return r;
		}
		e->state = (ts_tcp_state)i;
	} else {
		return fail(p, a.pos,
			    "expect: expected '>', a variable or 'terminated' "
			    "after %s, found %s",
			    quote(p, ht).s, quote(p, a).s);
	}
	return expect_end(p);
}

/* ---------------------------------------------------------------------- */
/* Calls */

/* Each call as messages name it, "bind()", from the calls' one list. */
static const char *const call_ctx[TCPSIM_NCALLS] = {
#define CALL_CTX(n, s) [TCPSIM_CALL_##n] = s "()",
    TCPSIM_CALLS(CALL_CTX)
#undef CALL_CTX
};

/* Where we are in an argument list, for the messages. */
struct args {
	const char *call; /* "bind" */
	const char *sig;  /* "bind(fd, PORT)" */
	const char *ctx;  /* "bind()" */
	int i;            /* arguments read so far */
	const char *prev; /* name of the last one, "fd" */
};

/* Before argument number a->i: a ',' after the previous one. */
static int arg_next(struct parser *p, struct args *a, const char *name)
{
	struct tok t = peek(p);

	if (a->i > 0) {
		next(p);
		if (is_punct(p, t, ')'))
			return fail(p, t.pos,
				    "too few arguments to %s(): expected %s",
				    a->call, a->sig);
		if (!is_punct(p, t, ','))
			return fail(p, t.pos,
				    "expected ',' after the %s argument of "
				    "%s()",
				    a->prev, a->call);
	} else if (is_punct(p, t, ')')) {
		return fail(p, t.pos, "too few arguments to %s(): expected %s",
			    a->call, a->sig);
	}
	a->i++;
	a->prev = name;
	return 0;
}

/* The ')' after the last argument. */
static int arg_close(struct parser *p, struct args *a)
{
	struct tok t = next(p);

	if (is_punct(p, t, ')'))
		return 0;
	if (is_punct(p, t, ',') || a->i == 0)
		return fail(p, t.pos, "too many arguments to %s(): expected %s",
			    a->call, a->sig);
	return fail(p, t.pos, "expected ')' after the %s argument of %s()",
		    a->prev, a->call);
}

static int arg_fd(struct parser *p, struct args *a, int host, int *var)
{
	struct tok t;

	if (arg_next(p, a, "fd") < 0)
		return -1;
	t = next(p);
	if (t.kind != TK_WORD)
		return fail(p, t.pos,
			    "%s: the fd argument must be a variable, found %s",
			    a->ctx, quote(p, t).s);
	return resolve_var(p, host, t, var);
}

static int arg_int(struct parser *p, struct args *a, const char *argname,
		   const char *name, int64_t min, int64_t max, int64_t *out)
{
	if (arg_next(p, a, argname) < 0)
		return -1;
	return read_int(p, a->ctx, name, name, min, max, out);
}

/* One name of the argument's table (the entries in its mask): its value
 * in *OUT. */
static int arg_word(struct parser *p, struct args *a, const ts_arg *g,
		    uint32_t *out)
{
	struct tok t;

	if (arg_next(p, a, g->name) < 0)
		return -1;
	t = next(p);
	for (size_t i = 0; i < g->ntable; i++)
		if ((g->mask >> i & 1) && is_word(p, t, g->table[i].name)) {
			*out = g->table[i].value;
			return 0;
		}
	char what[200];
	ts_sb sb;
	ts_sb_init(&sb, what, sizeof what);
	ts_names_list(&sb, g->table, g->ntable, g->mask, " or ");
	ts_sb_putc(&sb, '\0');
	int r = expected(p, t, a->ctx, sb.buf);
	ts_sb_free(&sb);
	return r;
}

/* A '|' list of the argument's flag names (and 0), ORed into *OUT. Poll's
 * EVENTS take 0 only as the whole list. */
static int arg_flags(struct parser *p, struct args *a, const ts_arg *g,
		     int *out)
{
	int zero_alone = g->kind == TS_ARG_EVENTS;

	if (arg_next(p, a, g->name) < 0)
		return -1;
	*out = 0;
	if (zero_alone && tok_eq(p, peek(p), "0")) {
		next(p);
		return 0;
	}
	for (;;) {
		struct tok t = next(p);
		size_t i;

		for (i = 0; i < g->ntable; i++)
			if ((g->table[i].value & g->mask) &&
			    is_word(p, t, g->table[i].name))
				break;
		if (i < g->ntable) {
			*out |= (int)g->table[i].value;
		} else if (zero_alone ||
			   !(t.kind == TK_NUM && tok_eq(p, t, "0"))) {
			char what[200];
			ts_sb sb;
			ts_sb_init(&sb, what, sizeof what);
			ts_sb_puts(&sb, zero_alone ? "EVENTS (" : "FLAGS (0, ");
			ts_names_list(
			    &sb, g->table, g->ntable,
			    ts_names_of_bits(g->table, g->ntable, g->mask),
			    ", ");
			ts_sb_puts(&sb, zero_alone ? ", joined by '|', or 0)"
						   : ", joined by '|')");
			ts_sb_putc(&sb, '\0');
			int r = expected(p, t, a->ctx, sb.buf);
			ts_sb_free(&sb);
			return r;
		}
		if (!is_punct(p, peek(p), '|'))
			return 0;
		next(p);
	}
}

/* connect()'s HOST:PORT, HOST a name or the address of a declared host. */
static int arg_hostport(struct parser *p, struct args *a, ts_call *c)
{
	struct tok t, colon;
	uint32_t addr;
	int64_t v;

	if (arg_next(p, a, "address") < 0)
		return -1;
	t = peek(p);
	if (c->id == TCPSIM_CALL_CONNECT && t.kind == TK_WORD &&
	    tok_eq(p, t, "AF_UNSPEC")) {
		/* connect(fd, AF_UNSPEC): a disconnect (Linux
		 * __inet_stream_connect) */
		next(p);
		c->peer_host = -1;
		return 0;
	}
	if (t.kind == TK_WORD) {
		if (read_host(p, a->ctx, &c->peer_host) < 0)
			return -1;
	} else if (t.kind == TK_NUM) {
		char buf[16];

		next(p);
		if (tok_ipv4(p, t, &addr) < 0)
			return fail(p, t.pos, "invalid IPv4 address %s",
				    quote(p, t).s);
		c->peer_host = host_by_addr(p, addr);
		if (c->peer_host < 0) {
			ts_ipv4_fmt(addr, buf);
			return fail(p, t.pos, "no host has the address %s",
				    buf);
		}
	} else {
		next(p);
		return expected(p, t, a->ctx, "HOST:PORT");
	}
	colon = next(p);
	if (!is_punct(p, colon, ':'))
		return fail(p, colon.pos,
			    "%s: expected ':' and a port after %s, found %s",
			    a->ctx, quote(p, t).s, quote(p, colon).s);
	if (read_int(p, a->ctx, "PORT", "PORT", 1, 65535, &v) < 0)
		return -1;
	if (c->id == TCPSIM_CALL_SENDTO)
		c->b = v; /* a holds NBYTES */
	else
		c->a = v;
	return 0;
}

/* setsockopt(fd, OPTION, VALUE...): the values depend on the option
 * (ts_sockopt_values_of). Reads the closing ')'. */
static int args_setsockopt(struct parser *p, struct args *a, const ts_arg *g,
			   ts_call *c)
{
	struct tok ot, t;
	size_t o;
	int n = 0;

	if (arg_next(p, a, g->name) < 0)
		return -1;
	ot = next(p);
	for (o = 0; o < g->ntable; o++)
		if ((g->mask >> o & 1) && is_word(p, ot, g->table[o].name))
			break;
	if (o == g->ntable) {
		char what[200];
		ts_sb sb;
		ts_sb_init(&sb, what, sizeof what);
		ts_names_list(&sb, g->table, g->ntable, g->mask, " or ");
		ts_sb_putc(&sb, '\0');
		int r = expected(p, ot, a->ctx, sb.buf);
		ts_sb_free(&sb);
		return r;
	}
	c->opt = (int)g->table[o].value;
	const ts_sockopt_values *vs = &ts_sockopt_values_of[c->opt];
	const char *oname = g->table[o].name;
	for (;;) {
		int64_t v;

		t = next(p);
		if (is_punct(p, t, ')'))
			break;
		if (!is_punct(p, t, ','))
			return fail(p, t.pos,
				    "expected '%c' after the %s argument of "
				    "%s()",
				    n < vs->n ? ',' : ')', a->prev, a->call);
		if (n >= vs->n)
			return fail(p, ot.pos, "%s: %s takes %s", a->ctx, oname,
				    vs->takes);
		if (read_int(p, a->ctx, vs->name[n], vs->name[n], vs->min[n],
			     vs->max[n], &v) < 0)
			return -1;
		if (n == 0)
			c->a = v;
		else
			c->b = v;
		a->prev = "value";
		n++;
	}
	if (n != vs->n)
		return fail(p, ot.pos, "%s: %s takes %s", a->ctx, oname,
			    vs->takes);
	return 0;
}

/* The arguments of call C->id, as its entry of ts_calls[] lists them. */
static int call_args(struct parser *p, struct args *a, int host, ts_call *c)
{
	const ts_call_info *ci = &ts_calls[c->id];
	uint32_t w = 0;

	for (int i = 0; i < ci->nargs; i++) {
		const ts_arg *g = &ci->arg[i];

		switch (g->kind) {
		case TS_ARG_FD:
			if (arg_fd(p, a, host, &c->fd_var) < 0)
				return -1;
			break;
		case TS_ARG_INT:
			if (arg_int(p, a, g->name, g->what, g->min, g->max,
				    &c->a) < 0)
				return -1;
			break;
		case TS_ARG_HOSTPORT:
			if (arg_hostport(p, a, c) < 0)
				return -1;
			break;
		case TS_ARG_FLAGS:
		case TS_ARG_EVENTS:
			if (arg_flags(p, a, g, &c->flags) < 0)
				return -1;
			break;
		case TS_ARG_CHOICE:
			if (arg_word(p, a, g, &w) < 0)
				return -1;
			if (g->into_a)
				c->a = w;
			else
				c->opt = (int)w;
			break;
		case TS_ARG_SOCKOPT:
			return args_setsockopt(p, a, g, c); /* read its ')' */
		}
	}
	return arg_close(p, a);
}

/* Where the call named S (N > 0 bytes) is looked for in ts_syms.calls. */
static size_t call_hash(const char *s, size_t n)
{
	size_t h =
	    ((unsigned char)s[0] * 31u + n) * 31u + (unsigned char)s[n - 1];

	return h & (CALL_SLOTS - 1);
}

static void calls_index(struct ts_syms *y)
{
	memset(y->calls, -1, sizeof y->calls);
	for (int id = 0; id < TCPSIM_NCALLS; id++) {
		const char *name = ts_calls[id].name;
		size_t i = call_hash(name, strlen(name));

		y->call_len[id] = (unsigned char)strlen(name);
		while (y->calls[i] >= 0)
			i = (i + 1) & (CALL_SLOTS - 1);
		y->calls[i] = (signed char)id;
	}
}

static inline int find_call(const struct parser *p, struct tok t)
{
	const char *s = tok_text(p, t);

	if (t.kind != TK_WORD)
		return -1;
	for (size_t i = call_hash(s, t.len);; i = (i + 1) & (CALL_SLOTS - 1)) {
		int id = p->syms->calls[i];

		if (id < 0)
			return -1;
		if (p->syms->call_len[id] == t.len &&
		    same_bytes(s, ts_calls[id].name, t.len))
			return id;
	}
}

/* Skip "(any text)" after a result; parentheses nest. */
static int skip_paren_text(struct parser *p, struct tok open)
{
	int depth = 0;

	for (size_t i = open.pos; i < p->llen; i++) {
		if (p->line[i] == '(')
			depth++;
		else if (p->line[i] == ')' && --depth == 0) {
			p->last_end = i + 1;
			seek(p, i + 1);
			return 0;
		}
	}
	return fail(p, open.pos, "unterminated '('");
}

/* The RESULT after '=': what the line asserts. */
/* An optional "+SIGPIPE" after an integer or errno result. */
static int parse_sigpipe(struct parser *p, ts_call *c)
{
	struct tok s;

	if ((c->expect != TCPSIM_EXPECT_INT &&
	     c->expect != TCPSIM_EXPECT_ERRNO) ||
	    !is_punct(p, peek(p), '+'))
		return 0;
	next(p);
	s = next(p);
	if (!is_word(p, s, ts_signals[0].name))
		return fail(p, s.pos, "expected %s after '+', found %s",
			    ts_signals[0].name, quote(p, s).s);
	c->sigpipe = 1;
	return 0;
}

/* ts_errno_lookup() of token T, which goes through a table: the name
 * looked up last is kept, as a trace repeats a few. */
static int errno_lookup(struct parser *p, struct tok t)
{
	const char *s = tok_text(p, t);
	int err;

	if (t.len == p->errno_len && same_bytes(s, p->errno_name, t.len))
		return p->errno_value;
	err = ts_errno_lookup(s, (int)t.len);
	if (err >= 0 && t.len <= sizeof p->errno_name) {
		memcpy(p->errno_name, s, t.len);
		p->errno_len = t.len;
		p->errno_value = err;
	}
	return err;
}

static int parse_result(struct parser *p, ts_call *c, const char *ctx)
{
	struct tok t = next(p);
	int64_t v;

	if (tok_eq(p, t, "-1") && t.kind == TK_NUM) {
		struct tok e = next(p);
		int err;

		if (e.kind != TK_WORD)
			return fail(p, e.pos,
				    "expected an errno name after '-1', found "
				    "%s",
				    quote(p, e).s);
		err = errno_lookup(p, e);
		if (err < 0) {
			struct near s;
			near_init(&s, p, e);
			for (int n = 1; n < 200; n++)
				if (ts_errno_name((ts_errno)n))
					near_try(&s,
						 ts_errno_name((ts_errno)n));
			return fail(p, e.pos, "unknown errno name %s%s",
				    quote(p, e).s, near_hint(&s).s);
		}
		c->expect = TCPSIM_EXPECT_ERRNO;
		c->err = (ts_errno)err;
		c->value = -1;
	} else if (t.kind == TK_NUM && tok_text(p, t)[0] == '-' &&
		   tok_int(p, t, &v) == 0) {
		return fail(p, t.pos,
			    "invalid result %s (a failing call is written -1 "
			    "and an errno name)",
			    quote(p, t).s);
	} else if (ts_calls[c->id].result == TS_RESULT_ADDR) {
		struct tok colon;

		if (t.kind != TK_NUM || !memchr(tok_text(p, t), '.', t.len))
			return expected(p, t, ctx,
					"ADDR:PORT, or -1 and an errno name");
		if (tok_ipv4(p, t, &c->addr) < 0)
			return fail(p, t.pos, "invalid IPv4 address %s",
				    quote(p, t).s);
		colon = next(p);
		if (!is_punct(p, colon, ':'))
			return fail(p, colon.pos,
				    "%s: expected ':' and a port after %s, "
				    "found %s",
				    ctx, quote(p, t).s, quote(p, colon).s);
		if (read_int(p, ctx, "PORT", "PORT", 0, 65535, &v) < 0)
			return -1;
		c->port = (uint16_t)v;
		c->expect = TCPSIM_EXPECT_ADDR;
	} else if (ts_calls[c->id].result == TS_RESULT_POLL) {
		const size_t nev = sizeof ts_poll_bits / sizeof ts_poll_bits[0];

		c->expect = TCPSIM_EXPECT_POLL;
		c->value = 0;
		if (!(t.kind == TK_NUM && tok_eq(p, t, "0"))) {
			for (;;) {
				size_t i;

				for (i = 0; i < nev; i++)
					if (is_word(p, t, ts_poll_bits[i].name))
						break;
				if (i == nev) {
					char what[200];
					ts_sb sb;
					ts_sb_init(&sb, what, sizeof what);
					ts_names_list(&sb, ts_poll_bits, nev,
						      ~0u, ", ");
					ts_sb_puts(&sb, " joined by '|', or 0");
					ts_sb_putc(&sb, '\0');
					int r = expected(p, t, ctx, sb.buf);
					ts_sb_free(&sb);
					return r;
				}
				c->value |= ts_poll_bits[i].value;
				if (!is_punct(p, peek(p), '|'))
					break;
				next(p);
				t = next(p);
			}
		}
	} else {
		if (t.kind != TK_NUM)
			return fail(p, t.pos,
				    "expected an integer, or -1 and an errno "
				    "name, after '=', found %s",
				    quote(p, t).s);
		if (tok_int(p, t, &v) < 0)
			return fail(p, t.pos, "invalid number %s",
				    quote(p, t).s);
		if (v > INT32_MAX)
			return fail(p, t.pos,
				    "result %s is out of range (0..2147483647)",
				    quote(p, t).s);
		c->expect = TCPSIM_EXPECT_INT;
		c->value = v;
	}
	if (parse_sigpipe(p, c) < 0)
		return -1;
	t = peek(p);
	if (is_punct(p, t, '(')) {
		/* The report's order, "-1 EPIPE (Broken pipe) +SIGPIPE", is
		 * accepted too, so a result can be copied from it. */
		if (skip_paren_text(p, t) < 0)
			return -1;
		if (!c->sigpipe && parse_sigpipe(p, c) < 0)
			return -1;
	}
	return 0;
}

/* [VAR =] CALL(ARGS) [= RESULT]; VAR is NULL when absent. ID is
 * find_call(NAME). */
static int parse_call(struct parser *p, ts_stmt *st, int host,
		      const struct tok *var, struct tok name, int id)
{
	ts_call *c = &st->u.call;
	struct args a;
	struct tok t;

	st->kind = TS_STMT_CALL;
	c->bind_var = c->fd_var = c->peer_host = -1;
	c->expect = TCPSIM_EXPECT_NONE;
	if (id < 0) {
		struct near s;
		near_init(&s, p, name);
		for (int i = 0; i < TCPSIM_NCALLS; i++)
			near_try(&s, ts_calls[i].name);
		return fail(p, name.pos, "unknown call %s%s", quote(p, name).s,
			    near_hint(&s).s);
	}
	c->id = (ts_call_id)id;
	memset(&a, 0, sizeof a);
	a.call = ts_calls[id].name;
	a.sig = ts_calls[id].usage;
	a.ctx = call_ctx[id];
	if (var && !ts_calls[id].binds)
		return fail(p, var->pos,
			    "only socket() and accept() can bind a variable, "
			    "not %s",
			    a.ctx);
	t = next(p);
	if (!is_punct(p, t, '('))
		return fail(p, t.pos, "expected '(' after '%s', found %s",
			    a.call, quote(p, t).s);
	if (call_args(p, &a, host, c) < 0)
		return -1;
	t = peek(p);
	if (is_punct(p, t, '=')) {
		next(p);
		if (parse_result(p, c, a.ctx) < 0)
			return -1;
	}
	if (expect_end(p) < 0)
		return -1;
	/* bound after the arguments: "s = accept(s)" uses the old s */
	if (var && bind_var(p, host, *var, &c->bind_var) < 0)
		return -1;
	/* The names, for the report (they never move). */
	ts_host_decl *h = &p->t->hosts[host];
	c->bind_name = c->bind_var >= 0 ? h->vars[c->bind_var] : NULL;
	c->fd_name = c->fd_var >= 0 ? h->vars[c->fd_var] : NULL;
	c->peer_name =
	    c->peer_host >= 0 ? p->t->hosts[c->peer_host].name : NULL;
	return 0;
}

/* HOST: kill|crash|reboot, or HOST: [VAR =] CALL(...) */
static int parse_host_stmt(struct parser *p, ts_stmt *st, int host)
{
	struct tok w = next(p), a = peek(p);

	st->host = host;
	if (p->t->hosts[host].nostack)
		return fail(p, w.pos,
			    "host '%s' has no stack (nostack): it makes no "
			    "calls and has no process; net: inject sends "
			    "its segments",
			    p->t->hosts[host].name);
	if (w.kind == TK_WORD && is_punct(p, a, '=')) {
		struct tok name;

		if (check_name_len(p, w) < 0)
			return -1;
		next(p);
		name = next(p);
		if (name.kind != TK_WORD)
			return fail(p, name.pos,
				    "expected a call after '=', found %s",
				    quote(p, name).s);
		return parse_call(p, st, host, &w, name, find_call(p, name));
	}
	if (is_word(p, w, "kill") || is_word(p, w, "crash") ||
	    is_word(p, w, "reboot")) {
		st->kind = TS_STMT_HOST;
		st->u.host_op = is_word(p, w, "kill")    ? TS_HOST_KILL
				: is_word(p, w, "crash") ? TS_HOST_CRASH
							 : TS_HOST_REBOOT;
		return expect_end(p);
	}
	int id = find_call(p, w);
	if (w.kind == TK_WORD && (id >= 0 || is_punct(p, a, '(')))
		return parse_call(p, st, host, NULL, w, id);
	return fail(p, w.pos,
		    "expected a call, kill, crash or reboot after '%s:', found "
		    "%s",
		    p->t->hosts[host].name, quote(p, w).s);
}

static int is_decl_word(const struct parser *p, struct tok t)
{
	return is_word(p, t, "host") || is_word(p, t, "link") ||
	       is_word(p, t, "profile") || is_word(p, t, "set");
}

/* What follows a line's time: HOST: ..., net: ... or expect ... (WHERE
 * says what came before, for the message). */
static int parse_body(struct parser *p, ts_stmt *st, const char *where)
{
	struct tok w = next(p), a = peek(p);
	int host;

	if (w.kind == TK_WORD && is_punct(p, a, ':')) {
		next(p);
		if (is_word(p, w, "net"))
			return parse_net(p, st);
		host = name_find(p, -1, tok_text(p, w), w.len);
		if (host < 0)
			return fail(p, w.pos, "unknown host %s%s",
				    quote(p, w).s, near_host(p, w).s);
		return parse_host_stmt(p, st, host);
	}
	if (is_word(p, w, "expect")) {
		seek(p, w.pos); /* parse_expect reads "expect" again */
		return parse_expect(p, st);
	}
	if (is_decl_word(p, w))
		return fail(p, w.pos, "%s is a declaration and takes no time",
			    quote(p, w).s);
	/* packetdrill's forms: "+0 > S 0:0(0) ...", "+0 socket(...)",
	 * "+0 `command`" */
	if (is_punct(p, w, '<') || is_punct(p, w, '>') ||
	    (w.kind != TK_END && p->line[w.pos] == '`'))
		return fail(p, w.pos,
			    "this is a packetdrill line: in a trace a segment "
			    "is sent by a host's calls, forged with 'net: "
			    "inject A>B ...' and checked with 'expect A>B "
			    "KIND'; a packetdrill script runs as FILE.pkt");
	if (find_call(p, w) >= 0 && is_punct(p, a, '('))
		return fail(p, w.pos,
			    "a call needs the host that makes it: write "
			    "'HOST: %s(...)'",
			    ts_calls[find_call(p, w)].name);
	if (w.kind == TK_WORD && is_punct(p, a, '=') &&
	    find_call(p, peek_at(p, a.pos + a.len)) >= 0)
		return fail(
		    p, w.pos,
		    "a call needs the host that makes it: write "
		    "'HOST: %.*s = %s(...)'",
		    (int)w.len, tok_text(p, w),
		    ts_calls[find_call(p, peek_at(p, a.pos + a.len))].name);
	return fail(p, w.pos, "expected HOST:, net: or expect %s, found %s",
		    where, quote(p, w).s);
}

/* Bodies parsed before. A timed line's body (what follows its time) is
 * parsed from its bytes and the names known so far, which only grow: the
 * same bytes again give the same statement. Traces repeat their lines (a
 * connection's lines, connection after connection), so a body seen
 * before is copied from its statement, not parsed again. A direct-mapped
 * table by a hash of the bytes, which are compared in full. */
#define MEMO_SLOTS 256
struct memo {
	const char *body; /* in the trace's copy of the source: it stays */
	uint32_t len;
	uint32_t end; /* the last token's end, from the body's start */
	int stmt;     /* the statement it gave */
};

static inline uint64_t body_hash(const char *s, size_t n)
{
	uint64_t h = n * 0x9e3779b97f4a7c15u;

	for (; n >= 8; s += 8, n -= 8) {
		uint64_t w;

		memcpy(&w, s, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdu;
	}
	for (; n; s++, n--)
		h = (h ^ (unsigned char)*s) * 0x100000001b3u;
	return h ^ h >> 29;
}

/* TIME, then HOST: ..., net: ... or expect ... */
static int parse_timed(struct parser *p, size_t start)
{
	struct tok tt = next(p);
	ts_stmt st;
	ts_time v;
	int rel;
	char b1[32];

	if (tok_time(p, tt, "time", 1, &v, &rel) < 0)
		return -1;
	if (rel) {
		v += p->prev; /* both <= TS_TIME_MAX: no overflow */
		if (v > TS_TIME_MAX)
			return fail(p, tt.pos,
				    "time %s is too large (the largest is %s)",
				    quote(p, tt).s,
				    ts_dur_fmt(TS_TIME_MAX, b1, sizeof b1));
	} else if (v < p->prev) {
		return fail(p, tt.pos,
			    "time %.*s is earlier than the previous line's %s",
			    (int)(tt.len < QUOTE_MAX ? tt.len : QUOTE_MAX),
			    tok_text(p, tt),
			    ts_time_fmt(p->prev, b1, sizeof b1));
	}
	p->prev = v;
	struct memo *m = NULL;
	size_t body = peek(p).pos, blen = p->llen - body;
	if (p->memo) {
		m = &p->memo[body_hash(p->line + body, blen) % MEMO_SLOTS];
		if (m->body && m->len == blen &&
		    memcmp(m->body, p->line + body, blen) == 0) {
			st = p->t->stmts[m->stmt]; /* its text too */
			st.at = v;
			st.line = p->lineno;
			p->last_end = body + m->end;
			return push_stmt_text(p, &st, start, body, 1);
		}
	}
	memset(&st, 0, sizeof st);
	st.at = v;
	st.line = p->lineno;
	st.host = -1;
	if (parse_body(p, &st, "after the time") < 0)
		return -1;
	if (m && blen <= UINT32_MAX) {
		m->body = p->line + body;
		m->len = (uint32_t)blen;
		m->end = (uint32_t)(p->last_end - body);
		m->stmt = p->t->nstmts;
	}
	return push_stmt_text(p, &st, start, body, 0);
}

/* One line of pass 3. */
static int parse_line(struct parser *p)
{
	struct tok t = peek(p), a;
	ts_stmt st;

	if (t.kind == TK_END)
		return 0;
	if (t.kind == TK_NUM)
		return parse_timed(p, t.pos);
	if (t.kind != TK_WORD)
		return fail(p, t.pos,
			    "expected a time, a declaration or 'expect', found "
			    "%s",
			    quote(p, t).s);
	a = peek_at(p, t.pos + t.len);
	if (is_punct(p, a, ':'))
		return fail(p, t.pos, "expected a time before %s",
			    quote(p, t).s);
	if (is_word(p, t, "host"))
		return 0; /* pass 2 read it */
	if (is_word(p, t, "link"))
		return parse_link(p);
	if (is_word(p, t, "profile"))
		return parse_profile(p);
	if (is_word(p, t, "set"))
		return parse_set(p);
	if (is_word(p, t, "expect")) {
		/* checked at the previous timed line's time */
		memset(&st, 0, sizeof st);
		st.at = p->prev;
		st.line = p->lineno;
		st.host = -1;
		if (parse_expect(p, &st) < 0)
			return -1;
		st.u.expect.untimed = 1;
		return push_stmt(p, &st, t.pos);
	}
	return fail(p, t.pos,
		    "expected a time, a declaration or 'expect', found %s",
		    quote(p, t).s);
}

/* ---------------------------------------------------------------------- */
/* Passes */

/* The bytes of W that are NUL or above 0x7f have their high bit set in
 * the result; no other byte has, unless W holds a 0 (then a byte above
 * it may too: no matter). */
static uint64_t odd_bytes(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101u;
	const uint64_t highs = 0x8080808080808080u;

	return (w | ((w - ones) & ~w)) & highs;
}

/* How many of the N bytes at S come before the first NUL or byte above
 * 0x7f: 32 at a time, as nearly every byte of a trace is plain ASCII. */
static size_t plain_bytes(const char *s, size_t n)
{
	size_t i = 0;

	for (; i + 32 <= n; i += 32) {
		uint64_t w[4];

		memcpy(w, s + i, sizeof w);
		if (odd_bytes(w[0]) | odd_bytes(w[1]) | odd_bytes(w[2]) |
		    odd_bytes(w[3]))
			break;
	}
	while (i < n && s[i] && (unsigned char)s[i] < 0x80)
		i++;
	return i;
}

/* Pass 1: the bytes. Returns the number of lines, or -1. Only the lines
 * with a NUL or a byte above 0x7f are looked at byte by byte: PLAIN is
 * where the next such byte is. Notes the lines that may declare a host
 * for pass 2: from the first line whose first character (after blanks)
 * is 'h' to the last one. */
static long check_bytes(struct parser *p)
{
	size_t plain =
	    p->body + plain_bytes(p->src + p->body, p->len - p->body);
	long n = 0;

	lines_rewind(p);
	p->host_from = p->host_to = 0;
	while (line_next(p)) {
		size_t b = 0, end = (size_t)(p->line - p->src) + p->llen;

		n++;
		if (p->llen > TS_PARSE_MAX_LINE)
			return fail(p, TS_PARSE_MAX_LINE,
				    "line longer than %d bytes",
				    TS_PARSE_MAX_LINE);
		while (b < p->llen && cc(p->line[b], CC_BLANK))
			b++;
		if (b < p->llen && p->line[b] == 'h') {
			if (p->host_to == 0) {
				p->host_from = (size_t)(p->line - p->src);
				p->host_lineno = p->lineno - 1;
			}
			p->host_to = p->next_off;
		}
		if (end <= plain)
			continue;
		for (size_t i = 0; i < p->llen;) {
			unsigned char c = (unsigned char)p->line[i];

			if (c && c < 0x80) {
				i++;
				continue;
			}
			size_t k = utf8_len(p->line + i, p->llen - i);

			if (c == '\0')
				return fail(p, i, "NUL byte in the file");
			if (k == 0)
				return fail(p, i, "invalid UTF-8");
			i += k;
		}
		plain = end + plain_bytes(p->src + end, p->len - end);
	}
	return n;
}

static int is_host_decl(struct parser *p)
{
	struct tok t = peek(p);

	return is_word(p, t, "host") &&
	       !is_punct(p, peek_at(p, t.pos + t.len), ':');
}

/* Pass 2: host declarations, then the default pair when there is none.
 * Only the lines pass 1 noted can declare one. */
static int read_hosts(struct parser *p)
{
	p->next_off = p->host_from;
	p->lineno = p->host_lineno;
	while (p->next_off < p->host_to && line_next(p)) {
		seek(p, 0);
		if (is_host_decl(p) && parse_host_decl(p) < 0)
			return -1;
	}
	p->lineno = 0;
	if (p->t->nhosts == 0 && (add_host(p, "client", 6, 0x0a000001) < 0 ||
				  add_host(p, "server", 6, 0x0a000002) < 0))
		return -1;
	return 0;
}

static void syms_free(struct ts_syms *y)
{
	if (!y)
		return;
	while (y->blocks) {
		struct name_block *b = y->blocks;
		y->blocks = b->next;
		free(b);
	}
	free(y->names);
	free(y);
}

void ts_trace_free(ts_trace *t)
{
	if (!t)
		return;
	for (int i = 0; i < t->nhosts; i++)
		free(t->hosts[i].vars);
	free(t->hosts);
	free(t->links);
	free(t->stmts);
	free(t->text);
	free(t->profile);
	free(t->filename);
	syms_free(t->syms);
	free(t);
}

static char *dup_str(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);

	if (d)
		memcpy(d, s, n);
	return d;
}

ts_trace *ts_trace_parse(const char *filename, const char *text, size_t len,
			 ts_error *err)
{
	struct parser *p;
	ts_error dummy;
	ts_trace *t = NULL;
	long nlines;
	int r = -1;

	if (!err)
		err = &dummy;
	memset(err, 0, sizeof *err);
	if (!filename)
		filename = "";
	snprintf(err->file, sizeof err->file, "%s", filename);
	if (!text)
		len = 0;
	/* struct parser is 9 KiB: keep it off small stacks */
	p = calloc(1, sizeof *p);
	if (!p) {
		snprintf(err->msg, sizeof err->msg, "out of memory");
		return NULL;
	}
	p->err = err;
	p->src = text;
	p->len = len;
	if (len > TS_PARSE_MAX_FILE) {
		fail(p, 0, "file larger than %zu bytes", TS_PARSE_MAX_FILE);
		goto out;
	}
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		p->body = 3;
	nlines = check_bytes(p);
	if (nlines < 0)
		goto out;
	p->lineno = 0;
	t = calloc(1, sizeof *t);
	if (!t) {
		oom(p);
		goto out;
	}
	p->t = t;
	t->filename = dup_str(filename);
	t->profile = dup_str("linux");
	t->syms = p->syms = calloc(1, sizeof *t->syms);
	/* the source, then room for every statement's text */
	t->text = malloc(len + 1 + len + (size_t)nlines + 1);
	if (!t->filename || !t->profile || !t->text || !t->syms) {
		oom(p);
		goto out;
	}
	calls_index(t->syms);
	if (len)
		memcpy(t->text, text, len);
	t->text[len] = '\0';
	t->textlen = len;
	p->textp = t->text + len + 1;
	p->src = t->text; /* the lexer needs the NUL after the last line */
	p->memo = calloc(MEMO_SLOTS, sizeof *p->memo);
	if (!p->memo) {
		oom(p);
		goto out;
	}
	if (read_hosts(p) < 0)
		goto out;
	lines_rewind(p);
	while (line_next(p)) {
		seek(p, 0);
		if (parse_line(p) < 0)
			goto out;
	}
	r = 0;
out:
	if (p)
		free(p->memo);
	free(p);
	if (r < 0) {
		ts_trace_free(t);
		return NULL;
	}
	return t;
}

int ts_trace_add_var(ts_trace *t, int host, const char *name, ts_error *err)
{
	struct parser p;
	int v;

	memset(&p, 0, sizeof p);
	p.t = t;
	p.syms = t->syms;
	p.err = err;
	size_t n = strlen(name);
	v = name_find(&p, host, name, n);
	if (v >= 0)
		return v;
	if (n > TS_PARSE_MAX_NAME || add_var(&p, host, name, n, &v) < 0) {
		if (err)
			snprintf(err->msg, sizeof err->msg,
				 "cannot add variable '%.40s'", name);
		return -1;
	}
	return v;
}

ts_stmt *ts_trace_parse_line(ts_trace *t, const char *line, size_t len,
			     ts_time at, int lineno, ts_error *err)
{
	struct parser p;
	ts_error dummy;
	ts_stmt st;
	struct tok first;
	char copy[TS_PARSE_MAX_LINE + 1]; /* the line and a NUL, to lex */

	if (!err)
		err = &dummy;
	memset(err, 0, sizeof *err);
	snprintf(err->file, sizeof err->file, "%s", t->filename);
	memset(&p, 0, sizeof p);
	p.t = t;
	p.syms = t->syms;
	p.err = err;
	line_start(&p, line, len);
	p.lineno = lineno;
	if (len > TS_PARSE_MAX_LINE) {
		fail(&p, TS_PARSE_MAX_LINE, "line longer than %d bytes",
		     TS_PARSE_MAX_LINE);
		return NULL;
	}
	for (size_t i = 0; i < len;) {
		size_t k = utf8_len(line + i, len - i);

		if (line[i] == '\0' || line[i] == '\n' || line[i] == '\r') {
			fail(&p, i, "one line, without a line end or NUL");
			return NULL;
		}
		if (k == 0) {
			fail(&p, i, "invalid UTF-8");
			return NULL;
		}
		i += k;
	}
	memcpy(copy, line, len);
	copy[len] = '\0';
	line_start(&p, copy, len);
	seek(&p, 0);
	first = peek(&p);
	if (first.kind == TK_END) {
		fail(&p, first.pos,
		     "expected a line: a call, a host or net event, or "
		     "expect");
		return NULL;
	}
	if (first.kind == TK_NUM) {
		fail(&p, first.pos,
		     "a line given on its own runs now and takes no time: "
		     "found %s (tcpsim_advance() lets time pass)",
		     quote(&p, first).s);
		return NULL;
	}
	if (is_decl_word(&p, first) &&
	    !is_punct(&p, peek_at(&p, first.pos + first.len), ':')) {
		fail(&p, first.pos,
		     "%s is a declaration: declarations come before the "
		     "first line",
		     quote(&p, first).s);
		return NULL;
	}
	memset(&st, 0, sizeof st);
	st.at = at;
	st.line = lineno;
	st.host = -1;
	if (parse_body(&p, &st, "at the start of the line") < 0)
		return NULL;
	/* The statement and its text in one block. */
	size_t n = p.last_end - first.pos;
	ts_stmt *out = malloc(sizeof *out + n + 1);
	if (!out) {
		oom(&p);
		return NULL;
	}
	*out = st;
	char *text = (char *)(out + 1);
	memcpy(text, copy + first.pos, n);
	text[n] = '\0';
	out->text = text;
	return out;
}
