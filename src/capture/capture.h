/*
 * capture.h - reading IPv4 TCP segments out of a capture file (pcap or
 * pcapng, through libpcap), one at a time, for tcpsim explain and
 * pcap2trace. The reader keeps nothing but libpcap's handle and counters:
 * memory does not grow with the file.
 */
#ifndef TS_CAPTURE_H
#define TS_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

/* TCP flags, as on the wire (RFC 9293 §3.1). */
#define TS_CAP_FIN 0x01
#define TS_CAP_SYN 0x02
#define TS_CAP_RST 0x04
#define TS_CAP_PSH 0x08
#define TS_CAP_ACK 0x10
#define TS_CAP_URG 0x20

/* One TCP segment as the capture shows it: header fields, and the payload
 * length from the IP header (the payload itself is not kept). */
typedef struct ts_cap_seg {
	uint64_t frame;        /* its frame in the file, from 1 */
	int64_t t_us;          /* capture timestamp, µs */
	uint32_t saddr, daddr; /* host order */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win; /* as sent (not scaled) */
	uint32_t len; /* payload bytes (from the IP total length) */
	int mss;      /* the MSS option, -1 when absent */
	int wscale;   /* the window scale option, -1 when absent */
	int sackok;   /* SACK-permitted */
	int has_ts;   /* the timestamps option */
	uint32_t tsval, tsecr;
	int cut; /* the frame was cut by the snap length: payload
		  * bytes missing (the header is whole) */
} ts_cap_seg;

/* What a frame turned out to be. */
typedef enum ts_cap_kind {
	TS_CAP_TCP,       /* an IPv4 TCP segment: decoded */
	TS_CAP_NOT_IP,    /* ARP and the like */
	TS_CAP_IPV6,      /* IPv6: not read */
	TS_CAP_NOT_TCP,   /* IPv4, another protocol */
	TS_CAP_FRAGMENT,  /* an IPv4 fragment */
	TS_CAP_TRUNCATED, /* cut before the end of the TCP header */
	TS_CAP_MALFORMED  /* lengths or header fields that cannot be */
} ts_cap_kind;
#define TS_CAP_NKINDS (TS_CAP_MALFORMED + 1)

/* The counts of frames by kind, and of what looked odd. */
typedef struct ts_cap_stats {
	uint64_t frames;
	uint64_t kind[TS_CAP_NKINDS];
	uint64_t cut;        /* TCP segments with payload bytes cut */
	uint64_t backwards;  /* frames stamped before the one before */
	uint64_t duplicates; /* frames equal to the one before */
} ts_cap_stats;

/* Decode one frame of link type LINKTYPE (a DLT_ value: EN10MB, LINUX_SLL,
 * LINUX_SLL2, RAW, IPV4, NULL, LOOP, NFLOG), CAPLEN bytes at P, into *OUT
 * (header fields only; frame and t_us are left alone). No allocation. */
ts_cap_kind ts_cap_decode(int linktype, const uint8_t *p, size_t caplen,
			  ts_cap_seg *out);

/* Whether the reader takes link type LINKTYPE. */
int ts_cap_linktype_ok(int linktype);

/* The link type's name ("EN10MB"). */
const char *ts_cap_linktype_name(int linktype);

typedef struct ts_cap ts_cap;

/* Open PATH ("-": standard input). NULL on error, with a message in
 * ERR (at least 256 bytes). */
ts_cap *ts_cap_open(const char *path, char *err, size_t errlen);
/* Open a capture held in memory (the fuzz target). */
ts_cap *ts_cap_open_mem(const uint8_t *data, size_t len, char *err,
			size_t errlen);

/* The next TCP segment into *OUT: 1; end of file: 0; -1: the file cannot
 * be read further (a truncated record, garbage), message in ERR. Other
 * frames are counted and skipped. */
int ts_cap_next(ts_cap *c, ts_cap_seg *out, char *err, size_t errlen);

const ts_cap_stats *ts_cap_stats_of(const ts_cap *c);
int ts_cap_linktype(const ts_cap *c);
void ts_cap_close(ts_cap *c);

#endif
