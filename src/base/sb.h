/*
 * sb.h - a string builder for the renderers: appends text and integers to
 * a buffer that grows, with integer arithmetic only (no locale, no
 * floating point), so that what it writes is the same everywhere. The
 * report formats every line of a run with it: the appends are inline and
 * cost a few instructions each, unlike printf's format parsing.
 *
 * A builder starts on a buffer of the caller's (often on the stack) and
 * moves to the heap when that is full. When memory runs out it stops
 * growing and drops what does not fit: sb->failed says so.
 */
#ifndef TS_SB_H
#define TS_SB_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tcpsim.h"

typedef struct ts_sb {
	char *buf;
	size_t len, cap;
	char *heap; /* buf, when it is the builder's own */
	int failed; /* memory ran out: something was dropped */
} ts_sb;

/* Start on BUF of CAP bytes (CAP may be 0 with BUF NULL). */
static inline void ts_sb_init(ts_sb *sb, char *buf, size_t cap)
{
	sb->buf = buf;
	sb->len = 0;
	sb->cap = cap;
	sb->heap = NULL;
	sb->failed = 0;
}

void ts_sb_free(ts_sb *sb);
/* Room for N more bytes; 0, or -1 when memory ran out. */
int ts_sb_grow(ts_sb *sb, size_t n);

static inline int ts_sb_room(ts_sb *sb, size_t n)
{
	return sb->cap - sb->len >= n ? 0 : ts_sb_grow(sb, n);
}

static inline void ts_sb_putn(ts_sb *sb, const char *s, size_t n)
{
	if (ts_sb_room(sb, n) < 0)
		return;
	/* N is mostly a constant here: the copy becomes a few moves */
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
}

/* A string literal. */
#define TS_SB_LIT(sb, lit) ts_sb_putn((sb), (lit), sizeof(lit) - 1)

/* S, up to its NUL. */
static inline void ts_sb_puts(ts_sb *sb, const char *s)
{
	ts_sb_putn(sb, s, strlen(s));
}

static inline void ts_sb_putc(ts_sb *sb, char c)
{
	if (ts_sb_room(sb, 1) < 0)
		return;
	sb->buf[sb->len++] = c;
}

/* N spaces. */
static inline void ts_sb_pad(ts_sb *sb, size_t n)
{
	if (ts_sb_room(sb, n) < 0)
		return;
	memset(sb->buf + sb->len, ' ', n);
	sb->len += n;
}

/* S, then spaces up to WIDTH columns (printf's "%-*s"; S is ASCII). */
static inline void ts_sb_puts_left(ts_sb *sb, const char *s, size_t width)
{
	size_t n = strlen(s);
	ts_sb_putn(sb, s, n);
	if (n < width)
		ts_sb_pad(sb, width - n);
}

/* Decimal digits of V, two at a time, ending just before END; returns
 * where they start. */
static inline char *ts_sb_digits_to(uint64_t v, char *end)
{
	static const char pairs[201] = "00010203040506070809"
				       "10111213141516171819"
				       "20212223242526272829"
				       "30313233343536373839"
				       "40414243444546474849"
				       "50515253545556575859"
				       "60616263646566676869"
				       "70717273747576777879"
				       "80818283848586878889"
				       "90919293949596979899";
	char *p = end;
	while (v > UINT32_MAX) {
		unsigned r = (unsigned)(v % 100);
		v /= 100;
		*--p = pairs[2 * r + 1];
		*--p = pairs[2 * r];
	}
	uint32_t x = (uint32_t)v; /* most numbers: cheaper divisions */
	while (x >= 100) {
		unsigned r = x % 100;
		x /= 100;
		*--p = pairs[2 * r + 1];
		*--p = pairs[2 * r];
	}
	if (x >= 10) {
		*--p = pairs[2 * x + 1];
		*--p = pairs[2 * x];
	} else {
		*--p = (char)('0' + x);
	}
	return p;
}

/* Decimal digits of V into the end of D[20]; returns where they start. */
static inline char *ts_sb_digits(uint64_t v, char d[20])
{
	return ts_sb_digits_to(v, d + 20);
}

/* How many decimal digits V has: a guess from its bit length, corrected
 * by one comparison. */
static inline size_t ts_sb_ndigits(uint64_t v)
{
	static const uint64_t pow10[20] = {1u,
					   10u,
					   100u,
					   1000u,
					   10000u,
					   100000u,
					   1000000u,
					   10000000u,
					   100000000u,
					   1000000000u,
					   10000000000u,
					   100000000000u,
					   1000000000000u,
					   10000000000000u,
					   100000000000000u,
					   1000000000000000u,
					   10000000000000000u,
					   100000000000000000u,
					   1000000000000000000u,
					   10000000000000000000u};
	uint64_t x = v | 1; /* 0 has one digit, as 1 has */
	unsigned bits = 64u - (unsigned)__builtin_clzll(x);
	size_t n = (bits * 1233u) >> 12; /* bits * log10(2), at most 19 */
	return n + (x >= pow10[n]);
}

/* ---- Writing into room made first ----
 * Where a line is built from many small pieces, one check of room for all
 * of them: p = ts_sb_at(sb, N) is where N bytes may go (NULL when memory
 * ran out), the ts_put functions write there and return the end, and
 * ts_sb_set_end(sb, p) keeps what they wrote. */

static inline char *ts_sb_at(ts_sb *sb, size_t n)
{
	return ts_sb_room(sb, n) < 0 ? NULL : sb->buf + sb->len;
}

static inline void ts_sb_set_end(ts_sb *sb, char *end)
{
	sb->len = (size_t)(end - sb->buf);
}

static inline char *ts_put(char *p, const char *s, size_t n)
{
	memcpy(p, s, n);
	return p + n;
}

#define TS_PUT_LIT(p, lit) ts_put((p), (lit), sizeof(lit) - 1)

/* V in decimal: at most 20 bytes. */
static inline char *ts_put_u64(char *p, uint64_t v)
{
	size_t n = ts_sb_ndigits(v);
	ts_sb_digits_to(v, p + n);
	return p + n;
}

/* V in decimal, written in place (no copy). */
static inline void ts_sb_u64(ts_sb *sb, uint64_t v)
{
	size_t n = ts_sb_ndigits(v);
	if (ts_sb_room(sb, n) < 0)
		return;
	ts_sb_digits_to(v, sb->buf + sb->len + n);
	sb->len += n;
}

static inline void ts_sb_i64(ts_sb *sb, int64_t v)
{
	if (v < 0) {
		ts_sb_putc(sb, '-');
		ts_sb_u64(sb, (uint64_t)0 - (uint64_t)v);
		return;
	}
	ts_sb_u64(sb, (uint64_t)v);
}

/* V, then spaces up to WIDTH columns ("%-3u"). */
static inline void ts_sb_u64_left(ts_sb *sb, uint64_t v, size_t width)
{
	char d[20], *p = ts_sb_digits(v, d);
	size_t n = (size_t)(d + 20 - p);
	ts_sb_putn(sb, p, n);
	if (n < width)
		ts_sb_pad(sb, width - n);
}

/* Virtual time T (microseconds) as seconds with six decimals, "12.345678",
 * right-aligned in WIDTH columns ("%11s" of ts_time_fmt). */
void ts_sb_time(ts_sb *sb, int64_t t, size_t width);
/* A duration, the shortest exact form: "10ms", "1s", "250us". */
void ts_sb_dur(ts_sb *sb, int64_t t);
/* A dotted-quad IPv4 address (host order), and ":PORT". */
void ts_sb_ipv4(ts_sb *sb, uint32_t addr);
void ts_sb_ipv4_port(ts_sb *sb, uint32_t addr, uint16_t port);
/* A socket as the report names it: its variable; "[LPORT<HOST:RPORT]"
 * when no variable does (the peer's address when no host has it);
 * "[sock ID]" before it has a peer; "port N" when it is none (id 0). */
void ts_sb_sock(ts_sb *sb, const tcpsim_sock *s);
/* printf, for what is not on a hot path. */
void ts_sb_printf(ts_sb *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Copy what SB holds into BUF (CAP bytes, terminated when CAP > 0), as
 * snprintf would: returns the whole length. */
size_t ts_sb_copy_out(const ts_sb *sb, char *buf, size_t cap);

/* The one IPv4 formatter: "10.0.0.1" into BUF (16 bytes at least). */
char *ts_ipv4_fmt(uint32_t addr, char buf[16]);

#endif
