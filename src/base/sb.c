/*
 * sb.c - the string builder's slow paths (sb.h): growing, times,
 * durations, addresses. Integer arithmetic only.
 */
#include "base/sb.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void ts_sb_free(ts_sb *sb)
{
	free(sb->heap);
	sb->heap = NULL;
	sb->buf = NULL;
	sb->len = sb->cap = 0;
}

int ts_sb_grow(ts_sb *sb, size_t n)
{
	if (sb->failed)
		return -1;
	size_t cap = sb->cap ? sb->cap : 256;
	while (cap - sb->len < n) {
		if (cap > SIZE_MAX / 2) {
			sb->failed = 1;
			return -1;
		}
		cap *= 2;
	}
	char *nb = sb->heap ? realloc(sb->heap, cap) : malloc(cap);
	if (!nb) {
		sb->failed = 1;
		return -1;
	}
	if (!sb->heap && sb->len)
		memcpy(nb, sb->buf, sb->len);
	sb->heap = sb->buf = nb;
	sb->cap = cap;
	return 0;
}

void ts_sb_time(ts_sb *sb, int64_t t, size_t width)
{
	char s[40];
	size_t n = 0;
	uint64_t u = t < 0 ? (uint64_t)0 - (uint64_t)t : (uint64_t)t;
	char d[20], *p = ts_sb_digits(u / 1000000, d);
	if (t < 0)
		s[n++] = '-';
	memcpy(s + n, p, (size_t)(d + 20 - p));
	n += (size_t)(d + 20 - p);
	s[n++] = '.';
	uint64_t f = u % 1000000;
	for (int i = 5; i >= 0; i--) {
		s[n + (size_t)i] = (char)('0' + f % 10);
		f /= 10;
	}
	n += 6;
	if (n < width)
		ts_sb_pad(sb, width - n);
	ts_sb_putn(sb, s, n);
}

void ts_sb_dur(ts_sb *sb, int64_t t)
{
	if (t % 1000000 == 0) {
		ts_sb_i64(sb, t / 1000000);
		ts_sb_putc(sb, 's');
	} else if (t % 1000 == 0) {
		ts_sb_i64(sb, t / 1000);
		ts_sb_putn(sb, "ms", 2);
	} else {
		ts_sb_i64(sb, t);
		ts_sb_putn(sb, "us", 2);
	}
}

void ts_sb_ipv4(ts_sb *sb, uint32_t a)
{
	ts_sb_u64(sb, a >> 24);
	ts_sb_putc(sb, '.');
	ts_sb_u64(sb, a >> 16 & 255);
	ts_sb_putc(sb, '.');
	ts_sb_u64(sb, a >> 8 & 255);
	ts_sb_putc(sb, '.');
	ts_sb_u64(sb, a & 255);
}

void ts_sb_ipv4_port(ts_sb *sb, uint32_t a, uint16_t port)
{
	ts_sb_ipv4(sb, a);
	ts_sb_putc(sb, ':');
	ts_sb_u64(sb, port);
}

void ts_sb_sock(ts_sb *sb, const tcpsim_sock *s)
{
	if (s->var) {
		ts_sb_puts(sb, s->var);
		return;
	}
	if (!s->id) {
		ts_sb_putn(sb, "port ", 5);
		ts_sb_u64(sb, s->lport);
		return;
	}
	if (!s->raddr) {
		ts_sb_putn(sb, "[sock ", 6);
		ts_sb_u64(sb, s->id);
		ts_sb_putc(sb, ']');
		return;
	}
	ts_sb_putc(sb, '[');
	ts_sb_u64(sb, s->lport);
	ts_sb_putc(sb, '<');
	if (s->peer)
		ts_sb_puts(sb, s->peer);
	else
		ts_sb_ipv4(sb, s->raddr);
	ts_sb_putc(sb, ':');
	ts_sb_u64(sb, s->rport);
	ts_sb_putc(sb, ']');
}

void ts_sb_printf(ts_sb *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || ts_sb_room(sb, (size_t)n + 1) < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

size_t ts_sb_copy_out(const ts_sb *sb, char *buf, size_t cap)
{
	if (cap) {
		size_t n = sb->len < cap - 1 ? sb->len : cap - 1;
		if (n)
			memcpy(buf, sb->buf, n);
		buf[n] = 0;
	}
	return sb->len;
}

char *ts_ipv4_fmt(uint32_t addr, char buf[16])
{
	ts_sb sb;
	ts_sb_init(&sb, buf, 16);
	ts_sb_ipv4(&sb, addr); /* at most 15 bytes: never grows */
	buf[sb.len] = 0;
	return buf;
}
