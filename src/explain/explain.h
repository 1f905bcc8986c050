/*
 * explain.h - tcpsim explain: what a capture shows about each TCP
 * connection, and, for every RST, the rules of a stack that can have sent
 * it, ranked, with the segments that support each (doc/explain.md).
 *
 * It works from decoded segments alone (src/capture), streaming: a
 * connection is kept while it is open and for a while after it ended, then
 * written and freed, so memory follows the connections open at once. The
 * rules and their ids are those of <tcpsim.h> (TCPSIM_RST_IDS).
 */
#ifndef TS_EXPLAIN_H
#define TS_EXPLAIN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "capture/capture.h"

#define TS_XP_MAXCAND 4  /* candidate rules an RST lists */
#define TS_XP_MAXEV   6  /* evidence segments a candidate lists */
#define TS_XP_MAXRST  8  /* RSTs a connection explains in full */
#define TS_XP_HEAD    24 /* ladder lines kept from a connection's start */
#define TS_XP_TAIL    16 /* and from its end */

/* An endpoint's state as the capture implies it. */
typedef enum ts_xp_state {
	TS_XP_UNKNOWN,
	TS_XP_LISTEN,
	TS_XP_SYN_SENT,
	TS_XP_SYN_RECEIVED,
	TS_XP_ESTABLISHED,
	TS_XP_FIN_WAIT_1,
	TS_XP_FIN_WAIT_2,
	TS_XP_CLOSE_WAIT,
	TS_XP_CLOSING,
	TS_XP_LAST_ACK,
	TS_XP_TIME_WAIT,
	TS_XP_CLOSED
} ts_xp_state;

const char *ts_xp_state_name(ts_xp_state s);

/* What one endpoint sent, as seen at the capture point. */
typedef struct ts_xp_side {
	uint32_t addr;
	uint16_t port;
	int started;        /* sent something with a sequence number */
	int syn;            /* sent a SYN (SYN|ACK: passive too) */
	int passive;        /* sent SYN|ACK */
	uint64_t syn_frame; /* its (first) SYN */
	uint32_t isn;       /* its SYN's sequence number, or the first seen */
	uint32_t nxt;       /* the highest sequence number sent, + 1 */
	int ack_seen;
	uint32_t acked; /* the highest ACK it sent */
	uint64_t ack_frame;
	int64_t ack_t;
	int fin;
	uint32_t fin_seq;
	uint64_t fin_frame;
	uint64_t fin_acked_frame; /* the peer's ACK of its FIN */
	int64_t fin_acked_t;
	uint64_t bytes; /* payload bytes, new */
	uint32_t data_segs, rexmits, probes;
	uint64_t first_data, last_data; /* frames */
	uint64_t first_probe, last_probe;
	/* zero-window probes (the peer's window was 0): the same segment as
	 * a keepalive probe, sent because the peer's window is closed */
	uint32_t wprobes;
	int win_known;             /* a window heard from it (its last ACK) */
	uint32_t win;              /* that window, as sent (not scaled) */
	uint64_t abort_frame;      /* its first RST that answered nothing */
	uint64_t rexmit_run_first; /* the first of a run of retransmissions
				    * of the same segment, unanswered */
	uint32_t rexmit_run;
	int last_rexmit;    /* its latest segment was a retransmission */
	int gave_up;        /* then it answered with an RST: its socket had
			     * gone, the retransmissions used up */
	uint64_t rst_frame; /* its first RST */
	uint32_t gaps;      /* segments it sent that the capture lacks: data
			     * starting past what it had sent, or the peer
			     * acknowledging more than was seen */
	uint64_t gap_frame; /* the first segment after such a gap */
	int beyond;         /* the peer acknowledged past nxt: up to */
	uint32_t beyond_ack;
	uint32_t zl_run; /* zero-length segments in a row at one SEQ */
	uint32_t zl_seq;
	uint64_t zl_first;
	uint32_t segs;
	uint64_t last_frame;
	int64_t last_t;
	ts_xp_state state;
} ts_xp_side;

/* One candidate rule for an RST. */
typedef struct ts_xp_cand {
	int reason;      /* a tcpsim_rst_reason; -1: none of the rules */
	const char *id;  /* its id (tcpsim_rst_id) */
	int rank;        /* 1 = most likely */
	const char *how; /* "likely", "possible", "unlikely" */
	char why[320];   /* the evidence, in words */
	char app[200];   /* what the application must have done */
	uint64_t ev[TS_XP_MAXEV];
	int nev;
} ts_xp_cand;

/* One RST and its explanation. */
typedef struct ts_xp_rst {
	uint64_t frame;
	int64_t t_us;
	int from;          /* 0 or 1: the side that sent it */
	ts_xp_state state; /* its sender's state when it left */
	uint64_t answers;  /* the frame it answers; 0: an abort */
	int reply;         /* the form of a reply (RFC 9293 §3.10.7.1) */
	int arrived;       /* 1 yes, 0 no (the peer went on), -1 unknown */
	uint64_t after;    /* arrived 0: the peer's segment that shows it */
	ts_xp_cand cand[TS_XP_MAXCAND];
	int ncand;
	char errno_peer[200]; /* the receiver's next calls */
	char errno_self[200]; /* the sender's */
	/* what classification needs, kept when it arrived */
	ts_xp_side snap[2];
	ts_cap_seg seg, trig;
	int has_trig;
} ts_xp_rst;

/* A line of the ladder. */
typedef struct ts_xp_line {
	uint64_t frame;
	int64_t t_us;
	uint8_t dir, flags, st0, st1;
	uint32_t seq, ack, len;
	uint8_t mark; /* 1 retransmission, 2 keepalive probe, 3 zero-window
		       * probe */
} ts_xp_line;

typedef struct ts_xp_conn {
	uint32_t id;     /* from 1, in the order connections first appear */
	ts_xp_side s[2]; /* s[0]: the side that sent the first segment */
	int mid;         /* the capture starts after its SYN */
	int64_t t0, t1;
	uint64_t first_frame, last_frame;
	uint32_t nseg;
	int64_t rtt_us; /* SYN to SYN|ACK to ACK at the capture point, -1 */
	uint64_t hs[3]; /* the handshake's frames (the SYN that was answered) */
	int64_t hs0_t;  /* that SYN's time */
	ts_xp_rst *rst; /* nrst of them, made as they come (at most
			 * TS_XP_MAXRST): most connections have none */
	int nrst, rst_more;
	int ended; /* both closed, or an RST */
	int64_t end_t;
	/* a side gave up: retransmissions unanswered to the end */
	int timeout_side; /* -1 none */
	/* the ladder: the first lines, and a ring of the last */
	ts_xp_line head[TS_XP_HEAD], tail[TS_XP_TAIL];
	uint32_t nhead, ntail_total;
	/* the map's chain, and the list of open connections */
	struct ts_xp_conn *hnext, *prev, *next;
	uint64_t key;
} ts_xp_conn;

typedef struct ts_xp ts_xp;

/* Called for each connection once it is explained, before it is freed;
 * NULL: write it (text, or JSON with JSON set). */
typedef void (*ts_xp_conn_fn)(void *ctx, const ts_xp_conn *c);

ts_xp *ts_xp_new(FILE *out, int json, ts_xp_conn_fn fn, void *ctx);
/* Segments in capture order. */
void ts_xp_segment(ts_xp *x, const ts_cap_seg *s);
/* The end of the capture: every connection left is explained; the summary
 * line with STATS (NULL: none) and ERR (the reader's error, or NULL). */
void ts_xp_finish(ts_xp *x, const ts_cap_stats *st, const char *err);
void ts_xp_free(ts_xp *x);

/* The lines of a trace that stand for frames of the capture (made by
 * tcpsim pcap2trace, whose lines end "# #N"): one entry per line, sorted
 * by frame, then line. The explainer keeps the pointer. */
typedef struct ts_xp_lines {
	uint64_t frame;
	int line;
} ts_xp_lines;
void ts_xp_set_lines(ts_xp *x, const ts_xp_lines *v, size_t n);
/* Read them from TEXT (LEN bytes); *N of them, malloc()ed (NULL with *N 0
 * when none or out of memory). */
ts_xp_lines *ts_xp_read_lines(const char *text, size_t len, size_t *n);

/* Counts, for the summary and tests. */
typedef struct ts_xp_totals {
	uint64_t conns, rsts, timeouts, mid;
	uint64_t by_id[16]; /* per id in ts_xp_ids order */
} ts_xp_totals;
const ts_xp_totals *ts_xp_totals_of(const ts_xp *x);

/* The commands: tcpsim explain [--json] FILE, tcpsim pcap2trace
 * [--conn N] [--segments] FILE. Exit status. */
int ts_explain_main(int argc, char **argv);
int ts_pcap2trace_main(int argc, char **argv);
/* pcap2trace on a capture of LEN bytes at DATA named NAME: connection WANT
 * as a trace, or with LIST its segments, on OUT. 0; 1 no such connection;
 * -1 the capture could not be read to its end (what was read is used);
 * -2 not a capture. The message in ERR. */
int ts_pcap2trace(const uint8_t *data, size_t len, const char *name,
		  uint32_t want, int list, FILE *f, char *err, size_t errlen);

#endif
