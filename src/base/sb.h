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
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
}

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

/* Decimal digits of V into the end of D[20]; returns where they start. */
static inline char *ts_sb_digits(uint64_t v, char d[20])
{
	char *p = d + 20;
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return p;
}

static inline void ts_sb_u64(ts_sb *sb, uint64_t v)
{
	char d[20], *p = ts_sb_digits(v, d);
	ts_sb_putn(sb, p, (size_t)(d + 20 - p));
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
