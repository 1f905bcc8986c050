/*
 * tcp.h - the TCP endpoint: one ts_sock per socket, holding both the
 * sockets-layer fields (as Linux's struct sock does) and the TCP control
 * block.
 *
 * Call order through this folder:
 *   tcp_in.c    ts_tcp_input(): a segment arrives; lookup, then RFC 9293
 *               §3.10.7 step by step (one function per step).
 *   tcp_out.c   everything that leaves: data, SYN, FIN, ACK, the two RST
 *               builders (reply RST from a segment, active RST from a socket).
 *   tcp_cong.c  congestion control: how many segments may be in flight,
 *               asked by tcp_out.c, told of ACKs by tcp_in.c and of
 *               timeouts by tcp_timer.c.
 *   tcp_timer.c the per-socket timers: retransmission, TIME_WAIT, FIN_WAIT_2.
 *   tcp_conn.c  socket life cycle: allocation, lookup tables, ISNs, the one
 *               function that changes state (ts_tcp_set_state), tcp_done,
 *               tcp_reset.
 * The sockets layer (src/sock) calls in through the ts_tcp_* functions.
 */
#ifndef TS_TCP_H
#define TS_TCP_H

#include <stdint.h>

#include "base/errno_tab.h"
#include "engine/cause.h"
#include "engine/evq.h"
#include "net/net.h"
#include "trace/trace.h"

struct ts_sim;
struct ts_host;

/* Linux constants (include/net/tcp.h). */
#define TS_TCP_RTO_INIT         TS_SEC(1) /* TCP_TIMEOUT_INIT, RFC 6298 §2.1 */
#define TS_TCP_RTO_MIN          TS_MS(200)  /* TCP_RTO_MIN */
#define TS_TCP_RTO_MAX          TS_SEC(120) /* TCP_RTO_MAX */
#define TS_TCP_TIMEOUT_FALLBACK TS_SEC(3)   /* RFC 6298 §5.7 */
#define TS_TCP_TIMEWAIT_LEN     TS_SEC(60)  /* TCP_TIMEWAIT_LEN, fixed */
#define TS_TCP_MSS              1460        /* Ethernet MTU 1500 - 40 */
#define TS_TCP_DEFAULT_MSS      536        /* RFC 9293 §3.7.1: no MSS option */
#define TS_TCP_TSOPT_LEN        12         /* TCPOLEN_TSTAMP_ALIGNED */
#define TS_TCP_ATO_MIN          TS_MS(40)  /* TCP_ATO_MIN, TCP_DELACK_MIN */
#define TS_TCP_DELACK_MAX       TS_MS(200) /* TCP_DELACK_MAX */
#define TS_TCP_MAX_QUICKACKS    16         /* TCP_MAX_QUICKACKS */

#define TS_SOCK_CHUNK  256 /* sockets per pool chunk */
#define TS_TW_CHUNK    256 /* time-wait records per pool chunk */
#define TS_TCP_MAX_OFO 4   /* out-of-order intervals kept */

/* ts_sock.tfo: a socket's Fast Open (RFC 7413) state, as Linux keeps it
 * in tcp_sock and inet_sock; 0 on every socket that does not use it. */
enum {
	/* a passive child made at SYN time, still holding its request
	 * (Linux tp->fastopen_rsk): SYN_RECEIVED, yet accept()able */
	TS_TFO_F_CHILD = 0x01,
	TS_TFO_F_CONNECT = 0x02,  /* TCP_FASTOPEN_CONNECT (fastopen_connect) */
	TS_TFO_F_DEFER = 0x04,    /* connect() deferred (inet defer_connect) */
	TS_TFO_F_REQ = 0x08,      /* the first SYN is to carry the option
				   * (a tp->fastopen_req with a cookie) */
	TS_TFO_F_SYN_FO = 0x10,   /* our SYN carried it (syn_fastopen) */
	TS_TFO_F_SYN_EXP = 0x20,  /* ... as kind 254 (syn_fastopen_exp) */
	TS_TFO_F_SYN_DATA = 0x40, /* our SYN carried data (syn_data) */
	/* data in the SYN was acknowledged by the SYN-ACK, or taken in
	 * by a child at SYN time (syn_data_acked: TCPI_OPT_SYN_DATA) */
	TS_TFO_F_DATA_ACKED = 0x80
};

/* A Fast Open option's content (Linux tcp_fastopen_cookie): LEN -1 none,
 * 0 a request, else a cookie; EXP the experimental kind. */
typedef struct ts_tfo_cookie {
	int8_t len;
	uint8_t exp;
	uint8_t val[TCPSIM_FO_COOKIE_MAX];
} ts_tfo_cookie;

/* Socket states of the sockets layer (Linux socket.state); DISCONNECTING:
 * shutdown() of a socket still connecting left it so (inet_shutdown). */
enum {
	TS_SS_UNCONNECTED,
	TS_SS_CONNECTING,
	TS_SS_CONNECTED,
	TS_SS_DISCONNECTING
};

/* sk_shutdown bits (Linux include/net/sock.h) */
enum { TS_RCV_SHUTDOWN = 1, TS_SEND_SHUTDOWN = 2, TS_SHUTDOWN_MASK = 3 };

/* Per-socket timers: each an absolute deadline, TS_TIME_NEVER when off (BSD
 * t_timers[]); one queue event per socket sits at the earliest deadline.
 * The public tcpsim_timer names them, in this order. */
typedef enum ts_timer {
	/* SYN, SYN-ACK, data or FIN again */
	TS_TIMER_RTX = TCPSIM_TIMER_RETRANSMISSION,
	/* TIME_WAIT expiry, or an orphaned FIN_WAIT_2's timeout */
	TS_TIMER_CLOSE = TCPSIM_TIMER_CLOSE,
	/* SO_KEEPALIVE probes */
	TS_TIMER_KEEPALIVE = TCPSIM_TIMER_KEEPALIVE,
	TS_TIMER_PERSIST = TCPSIM_TIMER_ZERO_WINDOW_PROBE,
	TS_TIMER_DELACK = TCPSIM_TIMER_DELAYED_ACK,
	TS_NTIMERS = TCPSIM_NTIMERS
} ts_timer;

/* Why an RST is sent: the public tcpsim_rst_reason, each with its rule
 * (TCPSIM_RST_REASONS in tcpsim.h). */
typedef tcpsim_rst_reason ts_rst_reason;

typedef struct ts_sock {
	struct ts_host *host;
	uint32_t id;  /* per host, 1-based, for the report */
	uint32_t gen; /* bumped when freed: stale handles read CLOSED */
	ts_tcp_state state;

	/* ---- one-byte fields, together (no padding between them) ---- */
	/* sockets layer */
	uint8_t in_use;
	uint8_t has_fd;     /* an fd of the process refers to it */
	uint8_t orphan;     /* closed by the application (Linux SOCK_DEAD) */
	uint8_t shutdown;   /* TS_RCV_SHUTDOWN | TS_SEND_SHUTDOWN */
	uint8_t done;       /* in-sequence FIN received (Linux SOCK_DONE) */
	uint8_t connecting; /* connect() started, result not yet reported */
	uint8_t nonblock;
	uint8_t reuseaddr;
	uint8_t linger_on;
	uint8_t bound;     /* has a local port */
	uint8_t bind_lock; /* bound by bind(): kept when CLOSED (Linux
			      SOCK_BINDPORT_LOCK) */
	uint8_t ss;        /* socket state (Linux SS_*), see TS_SS_* */
	uint8_t keepalive;
	uint8_t hashed;         /* in the host's connection table */
	uint8_t listening;      /* in the host's listener table */
	uint8_t ka_only;        /* counted in sim->ka_only (see resched) */
	uint8_t taken;          /* the running call took the pending error */
	uint8_t chk_synced;     /* chk_rcv_nxt is set (checking mode) */
	uint8_t tainted;        /* took forged bytes: no integrity check */
	uint8_t acked_overflow; /* final ACK dropped on overflow (N6) */
	/* TCP */
	uint8_t dupacks;    /* duplicate ACKs counted as segments that left the
			       network (Linux sacked_out, tcp_add_reno_sack) */
	uint8_t probes_out; /* keepalive or zero-window probes unanswered */
	uint8_t probe_backoff;
	uint8_t quick;       /* quick ACKs left (Linux icsk_ack.quick) */
	uint8_t pingpong;    /* interactive mode: ACKs wait for data */
	uint8_t ack_pending; /* a delayed ACK is scheduled */
	uint8_t rtx_tlp;     /* the RTX timer is a tail loss probe */
	uint8_t ts_ok;       /* the peer's SYN offered timestamps */
	uint8_t sack_ok;     /* both SYNs permitted SACK */
	uint8_t fin_queued;  /* FIN to send after the queued data */
	uint8_t fin_alone;   /* our FIN went out in a segment of its own */
	uint8_t ca_state;    /* congestion state, ts_ca_state (tcp_cong.c) */
	uint8_t nofo;        /* out-of-order intervals held (in x) */
	uint8_t wscale_ok;   /* both SYNs carried window scale (RFC 7323 §2) */
	uint8_t snd_wscale;  /* the peer's shift: its windows are << this */
	uint8_t rcv_wscale;  /* ours: the windows we send are >> this */
	uint8_t dsack;       /* a D-SACK block waits for the next segment */
	uint8_t rcvbuf_lock; /* SO_RCVBUF set (Linux SOCK_RCVBUF_LOCK) */
	uint8_t nodelay;     /* TCP_NODELAY: no Nagle */
	uint8_t sndbuf_lock; /* SO_SNDBUF set (Linux SOCK_SNDBUF_LOCK) */
	uint8_t nospace;     /* a write found no memory (SOCK_NOSPACE) */
	uint8_t q_shrunk;    /* an ACK freed skbs (SOCK_QUEUE_SHRUNK) */
	uint16_t user_mss;   /* TCP_MAXSEG, 0 when not set */
	uint16_t mss;        /* the peer's MSS, our segment size */

	/* ---- sockets layer ---- */
	ts_errno err; /* pending error (Linux sk_err), handed out once */
	uint32_t chk_rcv_nxt;  /* RCV.NXT at the last check */
	struct ts_sock_ext *x; /* what few sockets need, or NULL (below) */
	/* Byte accounting, for the checking mode: bytes the application
	 * wrote, bytes put in the receive queue, read, and thrown away. */
	uint64_t app_written, rcv_total, app_read, discarded;
	uint32_t linger_s;
	uint32_t keepidle, keepintvl, keepcnt; /* 0: the host's knobs */
	uint32_t user_timeout_ms;
	int32_t fd;  /* -1 when none */
	int32_t var; /* variable naming it, -1 when none */

	uint16_t lport, rport;
	uint32_t laddr; /* 0 until connected (INADDR_ANY) */
	uint32_t raddr;
	int32_t peer;      /* host index of the peer, -1 */
	uint32_t tlp_high; /* SND.NXT when a loss probe went out, or 0 */

	/* a passive child: its listener, and its place in the accept queue
	 * (the queue itself is the listener's x) */
	struct ts_sock *parent;
	union {
		struct ts_sock *aq_next;   /* in its listener's queue */
		struct ts_sock *next_free; /* in the pool, when not in use */
	};

	/* ---- send sequence space (RFC 9293 §3.3.1) ---- */
	uint32_t iss;
	uint32_t snd_una, snd_nxt;
	uint32_t snd_wnd, snd_wl1, snd_wl2;
	uint32_t write_seq; /* end of the data queued by the application */
	uint32_t snd_sml;   /* end of the last small segment sent (Minshall) */
	uint32_t last_seq;  /* where the last new segment sent began */
	uint32_t recover;   /* snd_nxt when loss recovery began */
	uint32_t max_window;
	uint32_t next_isn;    /* ISN for the next connect() (tcp_disconnect) */
	uint64_t bytes_acked; /* Linux tp->bytes_acked (RFC 4898) */
	uint32_t pushed_seq;  /* end of the data last marked PSH */
	/* The send and retransmit queues as Linux's skbs (ts_skbq below):
	 * where each ends in sequence space, and whether it carries PSH. */
	uint32_t skb_unsent; /* the last skb_unsent skbs are not sent */
	struct ts_skbq *skbq;

	/* ---- receive sequence space ---- */
	uint32_t irs;
	uint32_t rcv_nxt, rcv_wnd, rcv_wup;
	uint32_t rcvq;    /* in-order bytes not yet read */
	uint32_t rcvbuf;  /* bytes of buffer (Linux sk_rcvbuf) */
	uint32_t sndbuf;  /* bytes of buffer (Linux sk_sndbuf) */
	uint32_t rcv_mss; /* estimate of the peer's segment size */
	/* Linux tp->rcv_ssthresh and window_clamp: the window offered grows
	 * towards the clamp as data arrives (tcp_grow_window). */
	uint32_t rcv_ssthresh, window_clamp;
	uint32_t dsack_seq, dsack_end; /* the D-SACK block (RFC 2883) */

	/* ---- timestamps (RFC 7323 §4, §5) ---- */
	uint32_t ts_off;         /* our clock's offset (Linux tsoffset) */
	uint32_t ts_recent;      /* the peer's TSval to echo (TS.Recent) */
	ts_time ts_recent_stamp; /* when TS.Recent was set; NEVER: not yet */

	/* ---- retransmission (RFC 6298, Linux tcp_retransmit_timer) ---- */
	uint32_t rtt_seq;
	/* two bytes in what was padding (the socket keeps its size) */
	uint8_t syn_retries; /* TCP_SYNCNT, 0: tcp_syn_retries */
	uint8_t tfo;         /* Fast Open: TS_TFO_F_* bits, 0 when unused */
	ts_time last_oow;    /* last rate-limited ACK (tcp_invalid_ratelimit) */
	ts_time rto, srtt, rttvar;
	ts_time rtt_time;      /* when rtt_seq was sent, TS_TIME_NEVER: none */
	ts_time retrans_stamp; /* the SYN, or the first retransmission */
	ts_time first_tx;      /* when the oldest unacked segment was sent */
	ts_time last_rcv;      /* when a segment last arrived (keepalive) */
	ts_time probe_start;   /* the probe timer's first firing, 0: none */
	ts_time ato;           /* delayed-ACK timeout (Linux icsk_ack.ato) */
	ts_time lrcvtime;      /* when data last arrived */
	uint32_t retransmits;  /* icsk_retransmits */
	uint32_t
	    total_retrans;  /* every segment sent again (tcpi_total_retrans) */
	uint32_t total_rto; /* RTO expiries of this episode */

	/* ---- congestion control (tcp_cong.c; the rest in ts_cong) ---- */
	uint32_t snd_cwnd;       /* segments (Linux tp->snd_cwnd) */
	uint32_t snd_ssthresh;   /* segments, TS_TCP_INFINITE_SSTHRESH */
	uint32_t snd_cwnd_cnt;   /* ACKed segments towards the next +1 */
	uint32_t cwnd_usage_seq; /* tcp_cwnd_validate: end of the window */
	uint32_t delay_min;      /* CUBIC: smallest RTT sample, us */
	uint32_t lsndtime;       /* jiffy of the last data sent */
	uint16_t max_packets_out;
	uint8_t is_cwnd_limited;

	/* ---- timers ---- */
	ts_time tdl[TS_NTIMERS];
	ts_event tev; /* TS_EV_SOCK_TIMER at min(tdl) */
} ts_sock;

/* One skb of the send or retransmit queue: its end in sequence space
 * (it begins where the one before it ends, the first at SND.UNA) and
 * its PSH mark. */
typedef struct ts_skb {
	uint32_t end;
	uint32_t psh;
} ts_skb;

/* The skbs of a socket's send and retransmit queues, in order: a ring of
 * CAP entries from HEAD, N of them (tcp_out.c). */
typedef struct ts_skbq {
	uint32_t head, n, cap;
	ts_skb e[];
} ts_skbq;

/* Linux's memory per skb besides its payload (x86-64 Linux 6.18): the
 * truesize of an empty TCP skb, SKB_TRUESIZE() of the head that
 * tcp_stream_alloc_skb() allocates (alloc_skb_fclone(MAX_TCP_HEADER)),
 * as sk_wmem_queued counts it: a one-byte write queues 833. */
#define TS_TCP_SKB_OVERHEAD 832
#define TS_TCP_MAX_HEADER   256   /* MAX_TCP_HEADER */
#define TS_TCP_GSO_MAX_SIZE 65536 /* a device's gso_max_size */

/* --why: what happened to a socket, and the state it was in. */
typedef struct ts_sock_cause {
	ts_cause c;
	uint8_t state;
	uint8_t set; /* recorded */
} ts_sock_cause;

/* Congestion-control state that only a connection past slow start or
 * after a loss needs (tcp_cong.c): PRR (RFC 6937) and CUBIC (Linux
 * struct bictcp), in the socket's ext. Times are jiffies. */
typedef struct ts_cong {
	uint32_t prior_cwnd, prr_delivered, prr_out;
	uint32_t rtx_nxt; /* Recovery, Loss: retransmitted up to here */
	uint32_t cnt;     /* CUBIC: ACKed segments per +1 of cwnd */
	uint32_t last_max_cwnd, last_cwnd, last_time;
	uint32_t origin_point, K, epoch_start, ack_cnt, tcp_cwnd;
} ts_cong;

/* What most sockets never need, allocated the first time one does
 * (ts_tcp_ext) and freed with the socket: a listener's accept queue,
 * out-of-order data, and the causes --why reports. */
typedef struct ts_sock_ext {
	/* listener: accept queue of established children */
	struct ts_sock *aq_head, *aq_tail;
	int32_t backlog;
	int32_t aq_len;
	int32_t nchildren; /* children not yet accepted (in any state) */
	/* Fast Open (Linux fastopenq): the most children made at SYN time
	 * that may be in SYN_RECEIVED at once (0: Fast Open off), and how
	 * many are */
	int32_t fo_max_qlen, fo_qlen;
	/* out-of-order data, reassembled when the gap fills */
	uint32_t ofo_seq[TS_TCP_MAX_OFO], ofo_end[TS_TCP_MAX_OFO];
	uint8_t ofo_fin[TS_TCP_MAX_OFO];
	/* when each interval last grew: SACK blocks go most recent first
	 * (Linux tcp_sack_new_ofo_skb) */
	uint32_t ofo_stamp[TS_TCP_MAX_OFO], ofo_clock;
	uint32_t ofo_fin_num; /* the queued FIN's segment number */
	/* --why: what set the pending error, what closed the socket */
	ts_sock_cause err, close;
	ts_cong cong;
} ts_sock_ext;

/* A time-wait record (tcp_tw.c): what a connection in TIME_WAIT keeps once
 * no application holds it (Linux inet_timewait_sock), in 128 bytes: a
 * free record's pool link is its event's time; the host is its index;
 * byte counts take 32 bits (a socket whose counts do not fit stays
 * whole); flags take a bit. */
typedef struct ts_tw {
	ts_event ev; /* TS_EV_TW: the end of TIME_WAIT; first member */
	ts_time last_oow, last_rcv;
	uint32_t id, gen;
	uint32_t iss, irs, snd_nxt, write_seq, snd_wnd;
	uint32_t rcv_nxt, rcv_wnd, rcv_wup, chk_rcv_nxt;
	uint32_t ts_recent; /* the local address is the host's */
	uint32_t raddr;
	int32_t var;
	uint32_t app_written, rcv_total, app_read, discarded;
	uint16_t host; /* index in sim->hosts */
	int16_t peer;
	uint16_t lport, rport;
	uint16_t mss;
	uint8_t ss;
	unsigned in_use : 1, bound : 1, bind_lock : 1, reuseaddr : 1, done : 1,
	    fin_queued : 1, chk_synced : 1, tainted : 1, ts_ok : 1, sack_ok : 1,
	    ts_recent_set : 1, wscale_ok : 1, rcv_wscale : 4, snd_wscale : 4;
} ts_tw;

/* Socket handle that survives the socket: reads CLOSED once it is gone. */
typedef struct ts_sockref {
	ts_sock *sk;
	uint32_t gen;
} ts_sockref;

static inline ts_sock *ts_sockref_get(ts_sockref r)
{
	return (r.sk && r.sk->in_use && r.sk->gen == r.gen) ? r.sk : NULL;
}

/* ---- tcp_conn.c ---- */
ts_sock *ts_tcp_alloc(struct ts_sim *sim, struct ts_host *h);
void ts_tcp_free(struct ts_sim *sim, ts_sock *sk);
/* A socket from the pool with every field at its default, no id given;
 * and a socket back to the pool as it is (tcp_tw.c). */
ts_sock *ts_tcp_take(struct ts_sim *sim, struct ts_host *h);
void ts_tcp_release(struct ts_sim *sim, ts_sock *sk);
/* One user fewer of a local port. */
void ts_tcp_port_put(struct ts_host *h, uint16_t port);
/* SK's ext, made when it has none; on no memory the run is aborted and a
 * scratch one comes back. */
ts_sock_ext *ts_tcp_ext(struct ts_sim *sim, ts_sock *sk);
/* SK's ext to read: all zero when it has none. */
const ts_sock_ext *ts_tcp_ext_ro(const ts_sock *sk);
/* --why: CAUSE set SK's pending error (CLOSE 0) or closed it (1). */
void ts_tcp_note_cause(struct ts_sim *sim, ts_sock *sk, int close,
		       ts_cause cause);
/* The one place a state changes; BY and CAUSE go to the event. */
void ts_tcp_set_state(struct ts_sim *sim, ts_sock *sk, ts_tcp_state st,
		      tcpsim_state_cause by, ts_cause cause);
/* Linux tcp_done(): CLOSED, both directions shut, timers stopped; an
 * orphan is freed. */
void ts_tcp_done(struct ts_sim *sim, ts_sock *sk, tcpsim_state_cause by,
		 ts_cause cause);
/* Linux tcp_reset(): an accepted RST. */
void ts_tcp_reset(struct ts_sim *sim, ts_sock *sk, tcpsim_state_cause by,
		  ts_cause cause);
int ts_tcp_hash(struct ts_sim *sim, ts_sock *sk);
void ts_tcp_unhash(ts_sock *sk);
/* The connection (lport, raddr, rport) of host H, as a socket (a time-wait
 * record is made a socket again). */
ts_sock *ts_tcp_lookup(struct ts_sim *sim, struct ts_host *h, uint16_t lport,
		       uint32_t raddr, uint16_t rport);
ts_sock *ts_tcp_lookup_listener(struct ts_host *h, uint16_t lport);
/* The sequence variables and timers of that connection, for an event;
 * looks without changing anything (a time-wait record stays one). */
void ts_tcp_seqvars(const struct ts_host *h, uint16_t lport, uint32_t raddr,
		    uint16_t rport, tcpsim_seqvars *o);
/* Linux inet_csk_bind_conflict(): may SK bind PORT? */
int ts_tcp_port_in_use(struct ts_sim *sim, struct ts_host *h, uint16_t port,
		       const ts_sock *sk);
uint32_t ts_tcp_next_isn(struct ts_sim *sim, struct ts_host *h);
/* Mark the socket's process as worth waking (state, data, error changed). */
void ts_tcp_wake(struct ts_sim *sim, ts_sock *sk);
/* ---- receive windows and timestamps (tcp_out.c) ---- */
/* Linux tcp_full_space(): the window the receive buffer stands for. */
uint32_t ts_tcp_full_space(const ts_sock *sk);
/* Linux tcp_select_initial_window(): the window, clamp and scale to offer
 * in a SYN or SYN-ACK whose peer's segments carry MSS bytes. */
void ts_tcp_initial_window(ts_sock *sk, uint32_t mss, int wscale_ok);
/* Linux tcp_mss_clamp(tp, advmss): the MSS we offer, lowered by
 * TCP_MAXSEG. */
uint32_t ts_tcp_advmss(const ts_sock *sk);
/* Linux tcp_init_buffer_space(): the clamp once a connection is up. */
void ts_tcp_init_buffer_space(ts_sock *sk);
/* Linux __tcp_select_window(): the window to offer now, unscaled. */
uint32_t ts_tcp_new_window(const ts_sock *sk);
/* Linux tcp_select_window(): a segment's window field; moves RCV.WUP. */
uint32_t ts_tcp_select_window(ts_sock *sk);
/* Our TSval now (RFC 7323 §5.4). */
uint32_t ts_tcp_tsval(const struct ts_sim *sim, const ts_sock *sk);
/* The offset of host H's timestamp clock (doc/model.md). */
uint32_t ts_tcp_ts_off(const struct ts_sim *sim, const struct ts_host *h);
/* Linux tcp_get_info(): SK's TCP_INFO. */
void ts_tcp_info(const struct ts_sim *sim, const ts_sock *sk,
		 tcpsim_tcp_info *out);
/* SK as an event names it. */
void ts_tcp_describe(const struct ts_sim *sim, const ts_sock *sk,
		     tcpsim_sock *out);
/* A time-wait record as an event names its connection. */
void ts_tw_describe(const struct ts_sim *sim, const ts_tw *tw,
		    tcpsim_sock *out);

/* ---- tcp_out.c ---- (CAUSE: what makes the host send, for --why) */
void ts_tcp_send_syn(struct ts_sim *sim, ts_sock *sk, ts_cause cause);
void ts_tcp_send_synack(struct ts_sim *sim, ts_sock *sk, ts_cause cause);
/* A first SYN-ACK with the Fast Open option FO (Linux tcp_synack_options). */
void ts_tcp_send_synack_fo(struct ts_sim *sim, ts_sock *sk,
			   const ts_tfo_cookie *fo, ts_cause cause);
/* Linux tcp_connect() with a fastopen_req (tcp_send_syn_data): the first
 * SYN of a Fast Open connect, with the option and up to SIZE bytes of
 * data when a cookie is cached; returns the bytes it carries. */
uint32_t ts_tcp_send_syn_data(struct ts_sim *sim, ts_sock *sk, uint32_t size,
			      ts_cause cause);
void ts_tcp_send_ack(struct ts_sim *sim, ts_sock *sk, ts_cause cause);
/* States in which queued data or our FIN may still be (re)sent. */
int ts_tcp_may_send(ts_tcp_state st);
/* Send what the window and Nagle allow of the queued data and FIN. */
void ts_tcp_push(struct ts_sim *sim, ts_sock *sk, ts_cause cause);
/* A tail loss probe of new data, past the congestion window (Linux
 * tcp_send_loss_probe); 0 when none could go. */
int ts_tcp_probe_new_data(struct ts_sim *sim, ts_sock *sk, ts_cause cause);
/* Send the newest segment again (a tail loss probe). */
void ts_tcp_retransmit_tail(struct ts_sim *sim, ts_sock *sk, ts_cause cause);
/* Retransmit the oldest unacknowledged segment; the sequence space it
 * covers (0 for a SYN or SYN-ACK, or nothing sent). */
uint32_t ts_tcp_retransmit_head(struct ts_sim *sim, ts_sock *sk,
				ts_cause cause);
/* Send again what Recovery or Loss marked lost, while the congestion
 * window has room (Linux tcp_xmit_retransmit_queue). */
void ts_tcp_xmit_recovery(struct ts_sim *sim, ts_sock *sk, ts_cause cause);
/* Linux tcp_send_active_reset(): RST|ACK from the socket's own state. */
void ts_tcp_send_active_reset(struct ts_sim *sim, ts_sock *sk,
			      ts_rst_reason why, ts_cause cause);
/* Linux tcp_v4_send_reset(): RST in reply to segment IN, received by H
 * (for socket SK, or NULL when none matched). */
void ts_tcp_send_reply_reset(struct ts_sim *sim, struct ts_host *h,
			     const ts_sock *sk, const ts_seg *in,
			     ts_rst_reason why, ts_cause cause);
/* Linux tcp_xmit_probe_skb(): an ACK with SEQ = SND.UNA - 1, which the
 * peer must answer (keepalive and zero-window probes). */
void ts_tcp_send_probe(struct ts_sim *sim, ts_sock *sk, ts_cause cause);
/* Linux tcp_write_wakeup() for the probe timer, when the peer's window
 * takes some of the data waiting (less than a segment, held back by
 * sender SWS avoidance): that much, with PSH. */
void ts_tcp_write_wakeup(struct ts_sim *sim, ts_sock *sk, ts_cause cause);
/* Queue a FIN after the data (Linux tcp_send_fin). */
void ts_tcp_queue_fin(struct ts_sim *sim, ts_sock *sk, ts_cause cause);

/* ---- tcp_in.c ---- */
/* Segment SEG arrives at host H; CAUSE names it (its number, forged). */
void ts_tcp_input(struct ts_sim *sim, struct ts_host *h, const ts_seg *seg,
		  ts_cause cause);
/* Forget every SYN cookie a host sent and every Fast Open cookie it
 * cached (crash, end of run). */
void ts_tcp_cookies_free(struct ts_host *h);
/* After data or a FIN arrived: ACK now or schedule a delayed ACK (Linux
 * __tcp_ack_snd_check); NOW forces an immediate one. */
void ts_tcp_ack_snd_check(struct ts_sim *sim, ts_sock *sk, int now,
			  ts_cause cause);

/* ---- tcp_fastopen.c (RFC 7413, Linux tcp_fastopen.c) ---- */
/* Linux __tcp_fastopen_cookie_gen_cipher(): the 8-byte cookie host H
 * gives the SYN from SADDR to DADDR, SipHash-2-4 of both addresses under
 * its tcp_fastopen_key. */
void ts_tfo_cookie_gen(const struct ts_host *h, uint32_t saddr, uint32_t daddr,
		       ts_tfo_cookie *out);
/* Linux tcp_fastopen_cache_get(): what host H has cached for DADDR (the
 * peer's MSS, its cookie; len 0 and none cached). */
void ts_tfo_cache_get(const struct ts_host *h, uint32_t daddr, uint16_t *mss,
		      ts_tfo_cookie *c);
/* Linux tcp_fastopen_cache_set(). */
void ts_tfo_cache_set(struct ts_sim *sim, struct ts_host *h, uint32_t daddr,
		      uint16_t mss, const ts_tfo_cookie *c, int try_exp);
void ts_tfo_cache_free(struct ts_host *h);
/* The Fast Open option of SEG (len -1: none). */
void ts_tfo_from_seg(const ts_seg *seg, ts_tfo_cookie *c);
/* Linux fastopen_queue_tune(): listener L takes up to QLEN children at
 * SYN time (at most somaxconn). */
void ts_tfo_queue_tune(struct ts_sim *sim, ts_sock *l, int64_t qlen);
/* Linux reqsk_fastopen_remove(): the Fast Open child SK no longer holds
 * its request (handshake done, or closed); its listener's queue has room
 * again. */
void ts_tfo_child_done(ts_sock *sk);
/* Linux tcp_try_fastopen(): 1 when listener L makes the child of SYN at
 * once; *ANSWER is the option of its SYN-ACK (len -1: none). */
int ts_tfo_try(const ts_sock *l, const ts_seg *syn, ts_tfo_cookie *answer);

/* ---- tcp_tw.c ---- */
/* SK entered TIME_WAIT, or was made a socket again: ts_tw_compact() will
 * look at it. */
void ts_tw_note(struct ts_sim *sim, ts_sock *sk);
/* Make records of the noted sockets that may be (after each event). */
void ts_tw_compact(struct ts_sim *sim);
/* The record TW as a socket again, in its place. */
ts_sock *ts_tw_inflate(struct ts_sim *sim, ts_tw *tw);
/* TS_EV_TW: the record's TIME_WAIT is over. */
void ts_tw_fire(struct ts_sim *sim, ts_event *ev);
/* Every record, in pool order. */
void ts_tw_each(struct ts_sim *sim, void (*fn)(void *ctx, ts_tw *tw),
		void *ctx);
/* A host crashed: its records are gone, silently. */
void ts_tw_drop_host(struct ts_sim *sim, struct ts_host *h);
void ts_tw_free_all(struct ts_sim *sim);

/* ---- tcp_timer.c ---- */
void ts_tcp_timer_set(struct ts_sim *sim, ts_sock *sk, ts_timer t,
		      ts_time when);
void ts_tcp_timer_clear(struct ts_sim *sim, ts_sock *sk, ts_timer t);
void ts_tcp_timer_clear_all(struct ts_sim *sim, ts_sock *sk);
/* (Re)arm the retransmission timer for the current RTO, if anything is
 * outstanding; stop it otherwise. */
void ts_tcp_rearm_rtx(struct ts_sim *sim, ts_sock *sk);
/* Linux tcp_schedule_loss_probe() (RFC 8985 §7): arm a tail loss probe
 * instead of the RTO when allowed; 0 when not. ADVANCING: an ACK just moved
 * SND.UNA (the RTO would restart). */
int ts_tcp_schedule_tlp(struct ts_sim *sim, ts_sock *sk, int advancing);
void ts_tcp_timer_fire(struct ts_sim *sim, ts_event *ev);
/* RFC 6298 §2 with Linux's floor: a new RTT sample. */
void ts_tcp_rtt_sample(ts_sock *sk, ts_time rtt);
/* RTO from SRTT and RTTVAR, dropping any backoff. */
void ts_tcp_set_rto(ts_sock *sk);
/* (Re)arm or stop the keepalive timer after SO_KEEPALIVE, TCP_KEEPIDLE or
 * a state change (Linux tcp_set_keepalive, inet_csk_reset_keepalive_timer). */
void ts_tcp_keepalive_arm(struct ts_sim *sim, ts_sock *sk);
/* SO_KEEPALIVE switched on: the timer runs from now (Linux
 * tcp_set_keepalive). */
void ts_tcp_keepalive_on(struct ts_sim *sim, ts_sock *sk);
/* Start zero-window probing when the window is shut and nothing is in
 * flight (Linux tcp_check_probe_timer). */
void ts_tcp_check_probe_timer(struct ts_sim *sim, ts_sock *sk);
/* Enter TIME_WAIT (Linux tcp_time_wait) for 60 s. */
void ts_tcp_time_wait(struct ts_sim *sim, ts_sock *sk, tcpsim_state_cause by,
		      ts_cause cause);

/* ---- tcp_cong.c ---- congestion control (RFC 5681, RFC 6937, RFC
 * 9438), as Linux's tcp_cong.c, tcp_cubic.c and the congestion parts of
 * tcp_input.c and tcp_output.c do it. */
#define TS_TCP_INIT_CWND         10         /* TCP_INIT_CWND, RFC 6928 */
#define TS_TCP_INFINITE_SSTHRESH 0x7fffffff /* TCP_INFINITE_SSTHRESH */
/* Linux icsk_ca_state, the public tcpsim_ca_state. */
typedef enum ts_ca_state {
	TS_CA_OPEN = TCPSIM_CA_OPEN,
	TS_CA_DISORDER = TCPSIM_CA_DISORDER,
	TS_CA_CWR = TCPSIM_CA_CWR,
	TS_CA_RECOVERY = TCPSIM_CA_RECOVERY,
	TS_CA_LOSS = TCPSIM_CA_LOSS
} ts_ca_state;

/* A new socket (Linux tcp_init_sock): IW10, no ssthresh. */
void ts_cong_init_sock(ts_sock *sk);
/* The connection is established (Linux tcp_init_transfer): IW10, or 1
 * after more than one SYN or SYN-ACK retransmission; the algorithm's
 * init. SYN_RTX: how many times the SYN was sent again. */
void ts_cong_init_transfer(struct ts_sim *sim, ts_sock *sk, uint32_t syn_rtx);
/* Segments sent and not yet acknowledged (Linux tp->packets_out). */
uint32_t ts_cong_packets_out(const ts_sock *sk);
/* Linux tcp_packets_in_flight(). */
uint32_t ts_cong_in_flight(const ts_sock *sk);
/* After a write queued data (Linux tcp_skb_entail ->
 * tcp_slow_start_after_idle_check). */
void ts_cong_write(struct ts_sim *sim, ts_sock *sk);
/* A data segment or FIN is about to leave for the first time (Linux
 * tcp_event_data_sent: CA_EVENT_TX_START, lsndtime). */
void ts_cong_data_sent(struct ts_sim *sim, ts_sock *sk);
/* The end of a round of sending (Linux tcp_write_xmit ->
 * tcp_cwnd_validate); SENT: segments sent in it, IN_FLIGHT: what is in
 * flight now. */
void ts_cong_sent(struct ts_sim *sim, ts_sock *sk, uint32_t sent,
		  uint32_t in_flight);
/* An RTT sample (Linux cubictcp_acked: delay_min). */
void ts_cong_rtt_sample(struct ts_sim *sim, ts_sock *sk, ts_time rtt);
/* A duplicate ACK (Linux tcp_fastretrans_alert with num_dupack 1); 1 when
 * it starts fast recovery and the head must be sent again. */
int ts_cong_dupack(struct ts_sim *sim, ts_sock *sk);
/* An ACK that moved SND.UNA from PRIOR_UNA (Linux tcp_ack from
 * tcp_clean_rtx_queue on): the state machine, then the window. */
void ts_cong_ack(struct ts_sim *sim, ts_sock *sk, uint32_t prior_una,
		 uint32_t prior_out);
/* The retransmission timer fired (Linux tcp_enter_loss). */
void ts_cong_enter_loss(struct ts_sim *sim, ts_sock *sk);
/* Whether the head must be (re)sent now in Recovery or Loss, and the next
 * lost segment to send (Linux tcp_xmit_retransmit_queue); 0 when none or
 * the window is full. Called in Recovery or Loss only. */
int ts_cong_next_lost(struct ts_sim *sim, ts_sock *sk, uint32_t *seq,
		      uint32_t *len);
/* A retransmission of [SEQ, SEQ+LEN) went out. */
void ts_cong_retransmitted(struct ts_sim *sim, ts_sock *sk, uint32_t seq,
			   uint32_t len);

/* Linux tcp_is_cwnd_limited(): the window was full, or, in slow start,
 * less than twice what was in flight. */
static inline int ts_cong_limited(const ts_sock *sk)
{
	if (sk->is_cwnd_limited)
		return 1;
	return sk->snd_cwnd < sk->snd_ssthresh &&
	       sk->snd_cwnd < 2u * sk->max_packets_out;
}

/* Whether an ACK of new data can change anything of the congestion
 * control: not in Open without duplicate ACKs when the window may not
 * grow (ts_cong_ack would do nothing then). */
static inline int ts_cong_ack_matters(const ts_sock *sk)
{
	return sk->ca_state != TS_CA_OPEN || sk->dupacks || ts_cong_limited(sk);
}

/* Linux tcp_in_cwnd_reduction(). */
static inline int ts_cong_in_reduction(const ts_sock *sk)
{
	return sk->ca_state == TS_CA_CWR || sk->ca_state == TS_CA_RECOVERY;
}

/* Linux tcp_cwnd_test() without its split into GSO units: may one more
 * segment leave now? */
static inline int ts_cong_may_send(const ts_sock *sk)
{
	return ts_cong_in_flight(sk) < sk->snd_cwnd;
}

/* One tick of host H's kernel (a jiffy: 1 s / the hz knob, 4 ms at 250),
 * by which Linux rounds the timers it counts in jiffies. */
ts_time ts_tcp_jiffy(const struct ts_host *h);

/* Wraparound-safe sequence comparison (RFC 9293 §3.4). */
static inline int ts_seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}
static inline int ts_seq_le(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}
static inline int ts_seq_gt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}
static inline int ts_seq_ge(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) >= 0;
}

/* Linux tcp_receive_window(): what is left of the window last offered,
 * from RCV.NXT to its right edge (0 when data went past it). */
static inline uint32_t ts_tcp_receive_window(const ts_sock *sk)
{
	uint32_t right = sk->rcv_wup + sk->rcv_wnd;
	return ts_seq_gt(right, sk->rcv_nxt) ? right - sk->rcv_nxt : 0;
}

/* Whether ts_tcp_push() has anything to do: data not yet sent, a FIN, or
 * a zero-window probe armed (which it may clear). */
static inline int ts_tcp_push_pending(const ts_sock *sk)
{
	return ts_seq_lt(sk->snd_nxt, sk->write_seq) || sk->fin_queued ||
	       sk->tdl[TS_TIMER_PERSIST] != TS_TIME_NEVER;
}

/* Linux sk_wmem_queued: the memory of the skbs queued to send or
 * acknowledged not yet, each its payload and TS_TCP_SKB_OVERHEAD. */
static inline uint32_t ts_tcp_wmem_queued(const ts_sock *sk)
{
	uint32_t n = sk->skbq ? sk->skbq->n : 0;
	uint32_t bytes = ts_seq_gt(sk->write_seq, sk->snd_una)
			     ? sk->write_seq - sk->snd_una
			     : 0;
	return n * TS_TCP_SKB_OVERHEAD + bytes;
}

/* Linux sk_stream_memory_free(): another skb may be queued. */
static inline int ts_tcp_memory_free(const ts_sock *sk)
{
	return ts_tcp_wmem_queued(sk) < sk->sndbuf;
}

/* Linux __sk_stream_is_writeable(sk, 1): the free memory,
 * sk_stream_wspace(), at least sk_stream_min_wspace(), half of what is
 * queued (so a third of the buffer), and memory free. poll() reports
 * POLLOUT then, and only then does an ACK that frees skbs wake a writer
 * waiting for memory (tcp_check_space, sk_stream_write_space). */
static inline int ts_tcp_writeable(const ts_sock *sk)
{
	uint32_t q = ts_tcp_wmem_queued(sk);
	return q < sk->sndbuf && sk->sndbuf - q >= q / 2;
}

/* Linux tcp_sendmsg_locked(): queue up to WANT bytes a write() gives,
 * as skbs while memory is free, and send what may go; the bytes
 * queued (fewer than WANT: the rest waits for memory). BEFORE: what the
 * same write queued before it waited. */
uint64_t ts_tcp_sendmsg(struct ts_sim *sim, ts_sock *sk, uint64_t want,
			uint64_t before, ts_cause cause);
/* Linux tcp_sndbuf_expand(): a send buffer not locked by SO_SNDBUF is
 * grown to twice the memory of the congestion window's segments. */
void ts_tcp_sndbuf_expand(ts_sock *sk);
/* An ACK moved SND.UNA: the skbs it acknowledged whole are freed (Linux
 * tcp_clean_rtx_queue). */
void ts_tcp_skb_clean(ts_sock *sk);
/* Linux tcp_check_space() after an ACK freed skbs: tcp_new_space(). */
void ts_tcp_check_space(struct ts_sim *sim, ts_sock *sk);
/* Forget every queued skb (the connection aborted or is freed). */
void ts_tcp_skb_purge(ts_sock *sk);

#endif
