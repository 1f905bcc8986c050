/*
 * packet.c - a segment as the bytes of an IPv4 packet (RFC 791) carrying a
 * TCP header (RFC 9293 §3.1), for pcap files. Options are those tcpsim
 * models: MSS, SACK-permitted and timestamps on SYNs (TSval = virtual time
 * in ms, TSecr = 0). The payload, which tcpsim never stores, is
 * regenerated from the sequence numbers: byte = low 8 bits of its SEQ.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tcpsim.h"

static void put16(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

static void put32(unsigned char *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

/* RFC 1071 ones' complement sum, folded. */
static uint32_t sum16(uint32_t acc, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		acc += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		acc += (uint32_t)p[n - 1] << 8;
	return acc;
}

static uint16_t fold(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)~acc;
}

/* Whether events of KIND carry a segment. */
static int has_segment(tcpsim_event_kind kind)
{
	switch (kind) {
	case TCPSIM_EV_SEND:
	case TCPSIM_EV_INJECT:
	case TCPSIM_EV_REPLAY:
	case TCPSIM_EV_RECV:
	case TCPSIM_EV_LOST:
		return 1;
	case TCPSIM_EV_CALL:
	case TCPSIM_EV_BLOCK:
	case TCPSIM_EV_RETURN:
	case TCPSIM_EV_STATE:
	case TCPSIM_EV_RESET:
	case TCPSIM_EV_DROP:
	case TCPSIM_EV_TIMER:
	case TCPSIM_EV_REXMIT:
	case TCPSIM_EV_SIGNAL:
	case TCPSIM_EV_PROC:
	case TCPSIM_EV_HOST:
	case TCPSIM_EV_SKIP:
	case TCPSIM_EV_EXPECT:
	case TCPSIM_EV_FAIL:
	case TCPSIM_EV_END:
	case TCPSIM_EV_WHY:
	case TCPSIM_EV_FINAL:
	case TCPSIM_EV_DONE:
		return 0;
	}
	return 0;
}

size_t tcpsim_event_packet(const tcpsim_event *ev, unsigned char *buf,
			   size_t cap)
{
	if (!has_segment(ev->kind))
		return 0;
	const tcpsim_segment *s = &ev->u.seg.seg;
	unsigned char opt[40];
	size_t olen = 0;
	/* Linux tcp_options_write()'s layout (the report's <...> too) */
	if (s->mss) {
		opt[olen++] = 2; /* MSS */
		opt[olen++] = 4;
		put16(opt + olen, s->mss);
		olen += 2;
	}
	if (s->ts) {
		if (s->sack_ok) {
			opt[olen++] = 4; /* SACK permitted */
			opt[olen++] = 2;
		} else {
			opt[olen++] = 1; /* NOP, NOP: align TS */
			opt[olen++] = 1;
		}
		opt[olen++] = 8; /* timestamps */
		opt[olen++] = 10;
		put32(opt + olen, s->tsval);
		put32(opt + olen + 4, s->tsecr);
		olen += 8;
	} else if (s->sack_ok) {
		opt[olen++] = 1;
		opt[olen++] = 1;
		opt[olen++] = 4;
		opt[olen++] = 2;
	}
	if (s->wscale_ok) {
		opt[olen++] = 1; /* NOP */
		opt[olen++] = 3; /* window scale */
		opt[olen++] = 3;
		opt[olen++] = s->wscale;
	}
	if (s->nsack) {
		int n = s->nsack;
		int room = (int)(40 - olen - 4) / 8; /* what is left */
		if (n > room)
			n = room;
		if (n > 0) {
			opt[olen++] = 1;
			opt[olen++] = 1;
			opt[olen++] = 5; /* SACK */
			opt[olen++] = (unsigned char)(2 + 8 * n);
			for (int i = 0; i < n; i++) {
				put32(opt + olen, s->sack[i][0]);
				put32(opt + olen + 4, s->sack[i][1]);
				olen += 8;
			}
		}
	}
	while (olen % 4)
		opt[olen++] = 1; /* NOP */
	size_t thl = 20 + olen;
	size_t total = 20 + thl + s->len;
	if (total > cap || total > 65535)
		return 0;
	unsigned char *ip = buf, *tcp = buf + 20;
	memset(buf, 0, 20 + thl);
	ip[0] = 0x45;
	put16(ip + 2, (uint32_t)total);
	put16(ip + 4, ev->u.seg.segno & 0xffff); /* identification */
	put16(ip + 6, 0x4000);                   /* don't fragment */
	ip[8] = 64;                              /* TTL */
	ip[9] = 6;                               /* TCP */
	put32(ip + 12, s->saddr);
	put32(ip + 16, s->daddr);
	put16(ip + 10, fold(sum16(0, ip, 20)));
	put16(tcp, s->sport);
	put16(tcp + 2, s->dport);
	put32(tcp + 4, s->seq);
	put32(tcp + 8, (s->flags & TCPSIM_ACK) ? s->ack : 0);
	tcp[12] = (unsigned char)((thl / 4) << 4);
	tcp[13] = s->flags;
	put16(tcp + 14, s->win);
	memcpy(tcp + 20, opt, olen);
	uint32_t first = s->seq + ((s->flags & TCPSIM_SYN) ? 1 : 0);
	for (uint32_t i = 0; i < s->len; i++)
		tcp[thl + i] = (unsigned char)(first + i);
	/* TCP checksum over the pseudo-header and the segment. */
	unsigned char pseudo[12];
	memcpy(pseudo, ip + 12, 8);
	pseudo[8] = 0;
	pseudo[9] = 6;
	put16(pseudo + 10, (uint32_t)(thl + s->len));
	uint32_t acc = sum16(0, pseudo, sizeof pseudo);
	acc = sum16(acc, tcp, thl + s->len);
	put16(tcp + 16, fold(acc));
	return total;
}
