/*
 * capture.c - IPv4 TCP segments out of pcap and pcapng files, read with
 * libpcap (which knows both formats and both byte orders). Link layers:
 * Ethernet (with 802.1Q tags), Linux cooked SLL and SLL2, raw IP, BSD
 * loopback (NULL, LOOP) and Linux NFLOG; IPv4 (RFC 791) carrying TCP
 * (RFC 9293 §3.1). Everything else is counted and skipped.
 */
#define _GNU_SOURCE /* fmemopen */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/capture.h"

struct ts_cap {
	pcap_t *p;
	int linktype;
	ts_cap_stats st;
	int64_t last_us;
	uint64_t last_hash; /* the frame before: its bytes and time */
	size_t last_len;
};

static uint32_t be16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t be32(const uint8_t *p)
{
	return be16(p) << 16 | be16(p + 2);
}

int ts_cap_linktype_ok(int lt)
{
	switch (lt) {
	case DLT_NULL:
	case DLT_EN10MB:
	case DLT_RAW:
	case DLT_LOOP:
	case DLT_LINUX_SLL:
	case DLT_IPV4:
	case DLT_NFLOG:
	case DLT_LINUX_SLL2:
		return 1;
	default:
		return 0;
	}
}

const char *ts_cap_linktype_name(int lt)
{
	const char *n = pcap_datalink_val_to_name(lt);
	return n ? n : "unknown";
}

/* The TCP options of a header (RFC 9293 §3.2): MSS, window scale
 * (RFC 7323 §2.2), SACK-permitted (RFC 2018), timestamps (RFC 7323 §3.2).
 * A malformed list ends the walk; what was read stays. */
static void tcp_options(const uint8_t *o, size_t n, ts_cap_seg *s)
{
	size_t i = 0;
	while (i < n) {
		uint8_t kind = o[i];
		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		if (i + 1 >= n || o[i + 1] < 2 || i + o[i + 1] > n)
			break;
		uint8_t len = o[i + 1];
		if (kind == 2 && len == 4)
			s->mss = (int)be16(o + i + 2);
		else if (kind == 3 && len == 3)
			s->wscale = o[i + 2];
		else if (kind == 4 && len == 2)
			s->sackok = 1;
		else if (kind == 8 && len == 10) {
			s->has_ts = 1;
			s->tsval = be32(o + i + 2);
			s->tsecr = be32(o + i + 6);
		}
		i += len;
	}
}

/* An IPv4 packet of CAPLEN captured bytes at P. */
static ts_cap_kind ipv4(const uint8_t *p, size_t caplen, ts_cap_seg *s)
{
	if (caplen < 20)
		return TS_CAP_TRUNCATED;
	if (p[0] >> 4 == 6)
		return TS_CAP_IPV6;
	if (p[0] >> 4 != 4)
		return TS_CAP_MALFORMED;
	size_t ihl = (size_t)(p[0] & 15) * 4;
	size_t tot = be16(p + 2);
	if (ihl < 20 || tot < ihl)
		return TS_CAP_MALFORMED;
	if (be16(p + 6) & 0x3fff) /* MF, or a fragment offset */
		return TS_CAP_FRAGMENT;
	if (p[9] != 6)
		return TS_CAP_NOT_TCP;
	if (caplen < ihl + 20)
		return TS_CAP_TRUNCATED;
	const uint8_t *t = p + ihl;
	size_t doff = (size_t)(t[12] >> 4) * 4;
	if (doff < 20 || ihl + doff > tot)
		return TS_CAP_MALFORMED;
	if (caplen < ihl + doff)
		return TS_CAP_TRUNCATED;
	s->saddr = be32(p + 12);
	s->daddr = be32(p + 16);
	s->sport = (uint16_t)be16(t);
	s->dport = (uint16_t)be16(t + 2);
	s->seq = be32(t + 4);
	s->ack = be32(t + 8);
	s->flags = t[13] & 0x3f;
	s->win = (uint16_t)be16(t + 14);
	s->len = (uint32_t)(tot - ihl - doff);
	s->mss = -1;
	s->wscale = -1;
	s->sackok = 0;
	s->has_ts = 0;
	s->tsval = s->tsecr = 0;
	s->cut = caplen < tot;
	tcp_options(t + 20, doff - 20, s);
	return TS_CAP_TCP;
}

/* By EtherType (IEEE 802.3): IPv4, IPv6 or something else. */
static ts_cap_kind by_ethertype(uint32_t type, const uint8_t *p, size_t n,
				ts_cap_seg *s)
{
	if (type == 0x0800)
		return ipv4(p, n, s);
	if (type == 0x86dd)
		return TS_CAP_IPV6;
	return TS_CAP_NOT_IP;
}

/* NFLOG (Linux nfnetlink_log): a 4-byte header, then type-length-value
 * attributes in the host's byte order (libpcap makes them this host's),
 * each padded to 4 bytes; NFULA_PAYLOAD (9) holds the IP packet. */
static ts_cap_kind nflog(const uint8_t *p, size_t n, ts_cap_seg *s)
{
	if (n < 4)
		return TS_CAP_TRUNCATED;
	uint8_t family = p[0];
	size_t i = 4;
	while (i + 4 <= n) {
		uint16_t len, type;
		memcpy(&len, p + i, 2);
		memcpy(&type, p + i + 2, 2);
		if (len < 4 || len > n - i)
			return TS_CAP_MALFORMED;
		if ((type & 0x7fff) == 9) {
			if (family == 10)
				return TS_CAP_IPV6;
			if (family != 2)
				return TS_CAP_NOT_IP;
			return ipv4(p + i + 4, (size_t)len - 4, s);
		}
		i += ((size_t)len + 3) & ~(size_t)3;
	}
	return TS_CAP_TRUNCATED;
}

ts_cap_kind ts_cap_decode(int lt, const uint8_t *p, size_t n, ts_cap_seg *s)
{
	switch (lt) {
	case DLT_EN10MB: {
		if (n < 14)
			return TS_CAP_TRUNCATED;
		size_t off = 12;
		uint32_t type = be16(p + off);
		/* 802.1Q and 802.1ad tags, at most two */
		for (int k = 0; k < 2 && (type == 0x8100 || type == 0x88a8);
		     k++) {
			off += 4;
			if (n < off + 2)
				return TS_CAP_TRUNCATED;
			type = be16(p + off);
		}
		return by_ethertype(type, p + off + 2, n - off - 2, s);
	}
	case DLT_LINUX_SLL: /* 16 bytes, protocol last */
		if (n < 16)
			return TS_CAP_TRUNCATED;
		return by_ethertype(be16(p + 14), p + 16, n - 16, s);
	case DLT_LINUX_SLL2: /* 20 bytes, protocol first */
		if (n < 20)
			return TS_CAP_TRUNCATED;
		return by_ethertype(be16(p), p + 20, n - 20, s);
	case DLT_RAW:
	case DLT_IPV4:
		if (n >= 1 && p[0] >> 4 == 6)
			return TS_CAP_IPV6;
		return ipv4(p, n, s);
	case DLT_NULL:
	case DLT_LOOP: {
		/* the address family: NULL in the writer's byte order, LOOP
		 * in network order; AF_INET is 2 everywhere */
		if (n < 4)
			return TS_CAP_TRUNCATED;
		uint32_t be = be32(p);
		uint32_t le = (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
			      (uint32_t)p[1] << 8 | p[0];
		uint32_t af = lt == DLT_LOOP ? be : (be < 256 ? be : le);
		if (af == 2)
			return ipv4(p + 4, n - 4, s);
		if (af == 10 || af == 24 || af == 28 || af == 30)
			return TS_CAP_IPV6;
		return TS_CAP_NOT_IP;
	}
	case DLT_NFLOG:
		return nflog(p, n, s);
	default:
		return TS_CAP_NOT_IP;
	}
}

static ts_cap *finish_open(pcap_t *p, char *err, size_t errlen)
{
	int lt = pcap_datalink(p);
	if (!ts_cap_linktype_ok(lt)) {
		snprintf(err, errlen,
			 "link type %d (%s) is not one tcpsim reads (Ethernet, "
			 "Linux SLL and SLL2, raw IPv4, BSD loopback, NFLOG)",
			 lt, ts_cap_linktype_name(lt));
		pcap_close(p);
		return NULL;
	}
	ts_cap *c = calloc(1, sizeof *c);
	if (!c) {
		snprintf(err, errlen, "out of memory");
		pcap_close(p);
		return NULL;
	}
	c->p = p;
	c->linktype = lt;
	c->last_us = INT64_MIN;
	return c;
}

/* libpcap's message for a file that is no capture at all says "unknown
 * file format"; the message keeps libpcap's words. */
ts_cap *ts_cap_open(const char *path, char *err, size_t errlen)
{
	char eb[PCAP_ERRBUF_SIZE] = "";
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f) {
		snprintf(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	/* pcap_close closes F, standard input too */
	pcap_t *p = pcap_fopen_offline_with_tstamp_precision(
	    f, PCAP_TSTAMP_PRECISION_MICRO, eb);
	if (!p) {
		if (f != stdin)
			fclose(f);
		snprintf(err, errlen, "not a capture tcpsim can read: %s",
			 eb[0] ? eb : "unknown format");
		return NULL;
	}
	return finish_open(p, err, errlen);
}

ts_cap *ts_cap_open_mem(const uint8_t *data, size_t len, char *err,
			size_t errlen)
{
	char eb[PCAP_ERRBUF_SIZE] = "";
	if (len == 0) {
		snprintf(err, errlen, "empty file");
		return NULL;
	}
	FILE *f = fmemopen((void *)(uintptr_t)data, len, "rb");
	if (!f) {
		snprintf(err, errlen, "cannot open");
		return NULL;
	}
	pcap_t *p = pcap_fopen_offline_with_tstamp_precision(
	    f, PCAP_TSTAMP_PRECISION_MICRO, eb);
	if (!p) {
		fclose(f);
		snprintf(err, errlen, "not a capture tcpsim can read: %s",
			 eb[0] ? eb : "unknown format");
		return NULL;
	}
	/* pcap_close closes F */
	return finish_open(p, err, errlen);
}

/* FNV-1a over a frame's bytes and time. */
static uint64_t frame_hash(const uint8_t *p, size_t n, int64_t t)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return (h ^ (uint64_t)t) * 1099511628211ull;
}

int ts_cap_next(ts_cap *c, ts_cap_seg *out, char *err, size_t errlen)
{
	for (;;) {
		struct pcap_pkthdr *h;
		const u_char *data;
		int r = pcap_next_ex(c->p, &h, &data);
		if (r == PCAP_ERROR_BREAK)
			return 0;
		if (r != 1) {
			snprintf(err, errlen, "frame %llu: %s",
				 (unsigned long long)c->st.frames + 1,
				 pcap_geterr(c->p));
			return -1;
		}
		c->st.frames++;
		int64_t t = (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec;
		size_t n = h->caplen;
		uint64_t hash = frame_hash(data, n, t);
		if (c->st.frames > 1 && t < c->last_us)
			c->st.backwards++;
		int dup = c->st.frames > 1 && hash == c->last_hash &&
			  n == c->last_len;
		c->last_us = t;
		c->last_hash = hash;
		c->last_len = n;
		if (dup) {
			/* the same bytes at the same time: a capture
			 * artefact (two interfaces, a merge), not a
			 * retransmission */
			c->st.duplicates++;
			continue;
		}
		ts_cap_kind k = ts_cap_decode(c->linktype, data, n, out);
		c->st.kind[k]++;
		if (k != TS_CAP_TCP)
			continue;
		if (out->cut)
			c->st.cut++;
		out->frame = c->st.frames;
		out->t_us = t;
		return 1;
	}
}

const ts_cap_stats *ts_cap_stats_of(const ts_cap *c)
{
	return &c->st;
}

int ts_cap_linktype(const ts_cap *c)
{
	return c->linktype;
}

void ts_cap_close(ts_cap *c)
{
	if (!c)
		return;
	pcap_close(c->p);
	free(c);
}
