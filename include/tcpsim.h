/*
 * tcpsim.h - the public interface of libtcpsim, a deterministic simulator
 * of TCP endpoints and the sockets layer.
 *
 * A simulation is built from a trace (see doc/trace-format.md), run in
 * virtual time, and then queried. While it runs, the model emits one typed
 * event for everything that can be observed (tcpsim_event, below): a call
 * and its result, a state change and its cause, a segment and what the
 * network did to it, a timer, an RST and the rule that sent it, a segment
 * a stack dropped and why, an expectation checked, the final state. The
 * text report is one rendering of those events (the write function of the
 * options); JSON, pcap packets and ladders are others.
 *
 * The library never prints, never exits the process and never reads a
 * clock: output goes to the functions given in the options, and errors come
 * back in a tcpsim_error.
 *
 * Every handle is opaque; every name starts with tcpsim_ / TCPSIM_.
 */
#ifndef TCPSIM_H
#define TCPSIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Results of a run, also the exit statuses of the tcpsim command. */
#define TCPSIM_OK     0 /* the trace ran and every expectation held */
#define TCPSIM_FAILED 1 /* the trace ran; an expectation failed */
#define TCPSIM_ERROR  2 /* the trace could not be run */

/* Where a trace could not be read, parsed or run. */
typedef struct tcpsim_error {
	char file[256];
	int line; /* 1-based; 0 when not tied to a line */
	int col;  /* 1-based byte column; 0 when unknown */
	char message[256];
	char source[256]; /* the offending line, "" when none */
} tcpsim_error;

/* Receives the report in order, in pieces: a line may come in several,
 * and a finished report ends with a line end. */
typedef void (*tcpsim_write_fn)(void *ctx, const char *data, size_t len);

/* TCP states, as the trace language names them. */
typedef enum tcpsim_state {
	TCPSIM_CLOSED,
	TCPSIM_LISTEN,
	TCPSIM_SYN_SENT,
	TCPSIM_SYN_RECEIVED,
	TCPSIM_ESTABLISHED,
	TCPSIM_FIN_WAIT_1,
	TCPSIM_FIN_WAIT_2,
	TCPSIM_CLOSE_WAIT,
	TCPSIM_CLOSING,
	TCPSIM_LAST_ACK,
	TCPSIM_TIME_WAIT
} tcpsim_state;

/* Congestion-control states (Linux icsk_ca_state, tcpi_ca_state). */
typedef enum tcpsim_ca_state {
	TCPSIM_CA_OPEN,     /* nothing amiss */
	TCPSIM_CA_DISORDER, /* duplicate ACKs, not yet a loss */
	TCPSIM_CA_CWR,      /* the window reduced without a loss */
	TCPSIM_CA_RECOVERY, /* fast retransmit and recovery */
	TCPSIM_CA_LOSS      /* after a retransmission timeout */
} tcpsim_ca_state;

typedef struct tcpsim_sim tcpsim_sim;

/* TCP flag bits of tcpsim_segment.flags, as on the wire. */
#define TCPSIM_FIN 0x01
#define TCPSIM_SYN 0x02
#define TCPSIM_RST 0x04
#define TCPSIM_PSH 0x08
#define TCPSIM_ACK 0x10

/* Most SACK blocks one segment carries (Linux TCP_NUM_SACKS). */
#define TCPSIM_MAX_SACK 4

/* The Fast Open option (RFC 7413 §2) of tcpsim_segment.fo: its kind, 34,
 * or the experimental kind 254 with magic 0xF989 that Linux still speaks
 * (TCPOPT_FASTOPEN, TCPOPT_EXP); its cookie of 0 bytes (a request) to
 * 16 (Linux TCP_FASTOPEN_COOKIE_MAX). */
#define TCPSIM_FO            34
#define TCPSIM_FO_EXP        254
#define TCPSIM_FO_COOKIE_MAX 16

/* A TCP segment's header as tcpsim models it (addresses in host order),
 * with its options. The options' layout on the wire (where the NOPs go)
 * follows from which are present, as Linux's tcp_options_write() lays
 * them out. */
typedef struct tcpsim_segment {
	uint32_t saddr, daddr;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint32_t len;      /* payload bytes */
	uint16_t win;      /* the header's window field, as sent (scaled) */
	uint16_t mss;      /* MSS option (SYN segments), 0 when absent */
	uint8_t flags;     /* TCPSIM_SYN ... */
	uint8_t sack_ok;   /* SACK-permitted option (SYN segments) */
	uint8_t ts;        /* timestamps option: tsval, tsecr */
	uint8_t wscale_ok; /* window scale option (SYN segments): wscale */
	uint8_t wscale;    /* its shift count, 0-14 */
	uint8_t nsack;     /* SACK blocks in sack[] (D-SACK first) */
	/* Fast Open option (SYN segments): 0 when absent, else its kind
	 * (TCPSIM_FO, TCPSIM_FO_EXP) and cookie (FO_LEN 0: a request) */
	uint8_t fo, fo_len;
	uint32_t tsval, tsecr;
	uint32_t sack[TCPSIM_MAX_SACK][2]; /* left and right edges */
	uint8_t fo_cookie[TCPSIM_FO_COOKIE_MAX];
} tcpsim_segment;

/* ---- The calls of the trace language ----
 *
 * X(NAME, name): tcpsim_call_info() gives each one's signature and the
 * kinds of its arguments. */
#define TCPSIM_CALLS(X)                                                        \
	X(SOCKET, "socket")                                                    \
	X(BIND, "bind")                                                        \
	X(LISTEN, "listen")                                                    \
	X(CONNECT, "connect")                                                  \
	X(ACCEPT, "accept")                                                    \
	X(WRITE, "write")                                                      \
	X(SEND, "send")                                                        \
	X(READ, "read")                                                        \
	X(RECV, "recv")                                                        \
	X(SHUTDOWN, "shutdown")                                                \
	X(CLOSE, "close")                                                      \
	X(SETSOCKOPT, "setsockopt")                                            \
	X(GETSOCKOPT, "getsockopt")                                            \
	X(FCNTL, "fcntl")                                                      \
	X(GETPEERNAME, "getpeername")                                          \
	X(GETSOCKNAME, "getsockname")                                          \
	X(POLL, "poll")                                                        \
	X(SIGNAL, "signal")                                                    \
	X(SENDTO, "sendto")

typedef enum tcpsim_call_id {
#define TCPSIM_X_(n, s) TCPSIM_CALL_##n,
	TCPSIM_CALLS(TCPSIM_X_)
#undef TCPSIM_X_
} tcpsim_call_id;
#define TCPSIM_X_(n, s) +1
enum { TCPSIM_NCALLS = 0 TCPSIM_CALLS(TCPSIM_X_) };
#undef TCPSIM_X_

/* What a call line asserts about its result. */
typedef enum tcpsim_expect_kind {
	TCPSIM_EXPECT_NONE,  /* nothing asserted (but see bind_var) */
	TCPSIM_EXPECT_INT,   /* = N           (value) */
	TCPSIM_EXPECT_ERRNO, /* = -1 ENAME    (err) */
	TCPSIM_EXPECT_ADDR,  /* = A.B.C.D:P   (addr, port) */
	TCPSIM_EXPECT_POLL   /* = POLLIN|...  or = 0 (value: the mask) */
} tcpsim_expect_kind;

/* A call line as the trace wrote it, names resolved. The integer
 * arguments: a = port (bind, connect), backlog, nbytes, timeout (poll,
 * ms), the first option value, 1 for SIG_IGN; b = SO_LINGER's seconds;
 * opt = shutdown's how (SHUT_RD 0, SHUT_WR 1, SHUT_RDWR 2) or the socket
 * option (doc/trace-format.md order); flags = MSG_* (send, recv) or POLL*
 * (poll) bits, Linux values. */
typedef struct tcpsim_call {
	tcpsim_call_id id;
	int bind_var, fd_var; /* the host's variable numbers, -1 when none */
	int peer_host; /* connect(), sendto(): the host, else -1 (connect:
			* AF_UNSPEC) */
	const char *bind_name, *fd_name, *peer_name; /* their names, or NULL */
	int64_t a, b;
	int opt;
	int flags;
	/* The result the line expects. */
	tcpsim_expect_kind expect;
	int64_t value; /* TCPSIM_EXPECT_INT, TCPSIM_EXPECT_POLL */
	int err;       /* TCPSIM_EXPECT_ERRNO: Linux's errno value */
	uint32_t addr; /* TCPSIM_EXPECT_ADDR */
	uint16_t port;
	int sigpipe; /* "+SIGPIPE" was written */
} tcpsim_call;

/* "write(c, 100)", or "c = socket()": CALL as the report writes it, in
 * at most CAP bytes of BUF (always terminated when CAP > 0). Returns the
 * length of the whole text, as snprintf() does. */
size_t tcpsim_call_text(const tcpsim_call *call, char *buf, size_t cap);
/* "bind(fd, PORT)": the signature of call ID; NULL when out of range. */
const char *tcpsim_call_usage(int id);

/* ---- Reasons ----
 *
 * Each table is an X-macro: X(NAME, ...) with the words the report uses
 * and the rule behind it (RFC section, Linux function). Programs may build
 * their own tables from them; tcpsim_reason() gives the library's. */

/* Why a stack sends an RST. X(NAME, words, Linux sk_rst_reason, rule) */
#define TCPSIM_RST_REASONS(X)                                                  \
	X(NO_SOCKET, "no socket matches this segment", "NO_SOCKET",            \
	  "RFC 9293 §3.10.7.1; Linux tcp_v4_rcv (no_tcp_socket)")              \
	X(LISTEN_ACK,                                                          \
	  "an ACK reached a listening socket with no handshake in progress",   \
	  "TCP_FLAGS",                                                         \
	  "RFC 9293 §3.10.7.2; Linux tcp_rcv_state_process (LISTEN)")          \
	X(SYNSENT_BAD_ACK,                                                     \
	  "SYN_SENT got an ACK for a sequence number never sent",              \
	  "TCP_INVALID_ACK_SEQUENCE",                                          \
	  "RFC 9293 §3.10.7.3; Linux tcp_rcv_synsent_state_process")           \
	X(SYNRECV_BAD_ACK, "SYN_RECEIVED got an unacceptable ACK",             \
	  "TCP_FLAGS", "RFC 9293 §3.10.7.4; Linux tcp_check_req")              \
	X(SYNRECV_ACK_UNSENT, "SYN_RECEIVED got an ACK of data never sent",    \
	  "TCP_ACK_UNSENT_DATA",                                               \
	  "RFC 9293 §3.10.7.4; Linux tcp_rcv_state_process (SYN_RECV)")        \
	X(SYNRECV_OLD_ACK, "SYN_RECEIVED got an ACK older than SND.UNA",       \
	  "TCP_TOO_OLD_ACK",                                                   \
	  "RFC 9293 §3.10.7.4; Linux tcp_rcv_state_process (SYN_RECV)")        \
	X(SYNRECV_SYN,                                                         \
	  "a new SYN in the window of a connection in SYN_RECEIVED",           \
	  "INVALID_SYN",                                                       \
	  "RFC 9293 §3.10.7.4; Linux tcp_check_req (embryonic_reset)")         \
	X(CLOSE_UNREAD, "close() with unread data in the receive queue",       \
	  "TCP_ABORT_ON_CLOSE",                                                \
	  "RFC 2525 §2.17, RFC 1122 §4.2.2.13; Linux __tcp_close")             \
	X(LINGER_ZERO, "close() with SO_LINGER {1, 0} aborts the connection",  \
	  "TCP_ABORT_ON_LINGER",                                               \
	  "RFC 9293 §3.10.5 (ABORT); Linux __tcp_close -> tcp_disconnect")     \
	X(DATA_AFTER_CLOSE,                                                    \
	  "data arrived after the application closed its receive side",        \
	  "TCP_ABORT_ON_DATA",                                                 \
	  "RFC 1122 §4.2.2.13; Linux tcp_rcv_state_process")                   \
	X(FIN_WAIT_2_DATA,                                                     \
	  "new data arrived for an orphaned connection in FIN_WAIT_2",         \
	  "TCP_TIMEWAIT_SOCKET",                                               \
	  "RFC 1122 §4.2.2.13; Linux tcp_timewait_state_process")              \
	X(LISTEN_OVERFLOW, "accept queue full and tcp_abort_on_overflow is 1", \
	  "NOT_SPECIFIED", "Linux tcp_check_req (listen_overflow)")            \
	X(LISTENER_CLOSED,                                                     \
	  "the listener was closed before this connection was accepted",       \
	  "TCP_STATE", "Linux inet_csk_listen_stop -> tcp_disconnect")         \
	X(KEEPALIVE, "keepalive probes went unanswered",                       \
	  "TCP_KEEPALIVE_TIMEOUT",                                             \
	  "Linux tcp_keepalive_timer (RST, then tcp_write_err)")               \
	X(DISCONNECT, "connect(AF_UNSPEC) aborts the connection", "TCP_STATE", \
	  "Linux __inet_stream_connect -> tcp_disconnect")

/* The stable id of each RST rule (doc/rules.md), as tcpsim explain names
 * the rule behind an RST of a capture. X(NAME, id). NO_SOCKET has two:
 * "no-listener" when the segment it answers is a SYN, "no-connection"
 * otherwise (tcpsim_rst_id). */
#define TCPSIM_RST_IDS(X)                                                      \
	X(NO_SOCKET, "no-connection")                                          \
	X(LISTEN_ACK, "bad-ack")                                               \
	X(SYNSENT_BAD_ACK, "bad-ack")                                          \
	X(SYNRECV_BAD_ACK, "bad-ack")                                          \
	X(SYNRECV_ACK_UNSENT, "bad-ack")                                       \
	X(SYNRECV_OLD_ACK, "bad-ack")                                          \
	X(SYNRECV_SYN, "syn-in-window")                                        \
	X(CLOSE_UNREAD, "close-unread-data")                                   \
	X(LINGER_ZERO, "linger-abort")                                         \
	X(DATA_AFTER_CLOSE, "orphan-data")                                     \
	X(FIN_WAIT_2_DATA, "orphan-data")                                      \
	X(LISTEN_OVERFLOW, "accept-overflow")                                  \
	X(LISTENER_CLOSED, "listener-closed")                                  \
	X(KEEPALIVE, "keepalive-timeout")                                      \
	X(DISCONNECT, "disconnect")

/* Why a stack drops a segment, or takes it without the usual processing.
 * X(NAME, words, Linux skb_drop_reason, rule); the Linux name is "" where
 * Linux frees the segment without one (consume_skb: a SYN the listener
 * ignores, a SYN answered with a cookie) or keeps it.
 * The words are the report's; those of a reason with numbers (SYN_*,
 * COOKIE_ACK_QUEUE_FULL) are a summary, the report adds the numbers. */
#define TCPSIM_DROP_REASONS(X)                                                 \
	X(LISTEN_RST,                                                          \
	  "RST on a listening socket: ignored (RFC 9293 §3.10.7.2)",           \
	  "TCP_RESET", "RFC 9293 §3.10.7.2; Linux tcp_rcv_state_process")      \
	X(LISTEN_NO_SYN,                                                       \
	  "segment without SYN or ACK: ignored (RFC 9293 §3.10.7.2)",          \
	  "TCP_FLAGS", "RFC 9293 §3.10.7.2; Linux tcp_rcv_state_process")      \
	X(SYN_NO_COOKIES,                                                      \
	  "SYN dropped: more handshakes pending than the backlog and "         \
	  "tcp_syncookies 0",                                                  \
	  "", "Linux tcp_conn_request (inet_csk_reqsk_queue_is_full)")         \
	X(SYN_ACCEPT_QUEUE_FULL,                                               \
	  "SYN dropped: accept queue full, nothing sent", "",                  \
	  "Linux tcp_conn_request (sk_acceptq_is_full)")                       \
	X(SYN_COOKIE,                                                          \
	  "SYN queue full: answered with a SYN cookie, no state kept", "",     \
	  "Linux tcp_conn_request, cookie_v4_init_sequence")                   \
	X(COOKIE_ACK_QUEUE_FULL, "SYN-cookie ACK dropped: accept queue full",  \
	  "", "Linux cookie_v4_check, tcp_get_cookie_sock")                    \
	X(FINAL_ACK_OVERFLOW,                                                  \
	  "final ACK dropped: accept queue full (tcp_abort_on_overflow 0)",    \
	  "", "Linux tcp_check_req (listen_overflow)")                         \
	X(SYNSENT_RST_NO_ACK,                                                  \
	  "RST without ACK in SYN_SENT: ignored (RFC 9293 §3.10.7.3)",         \
	  "TCP_RESET",                                                         \
	  "RFC 9293 §3.10.7.3; Linux tcp_rcv_synsent_state_process")           \
	X(TIME_WAIT_RST_RFC1337,                                               \
	  "RST in TIME_WAIT ignored (tcp_rfc1337 1, RFC 1337)", "",            \
	  "RFC 1337; Linux tcp_timewait_state_process")                        \
	X(RST_OUT_OF_WINDOW,                                                   \
	  "RST outside the window: ignored (RFC 5961 §3.2)",                   \
	  "TCP_INVALID_SEQUENCE",                                              \
	  "RFC 5961 §3.2; Linux tcp_validate_incoming")                        \
	X(RST_NOT_AT_RCV_NXT, "RST in the window but not at RCV.NXT",          \
	  "TCP_RESET", "RFC 5961 §3.2; Linux tcp_validate_incoming")           \
	X(SYN_OUT_OF_WINDOW, "SYN outside the window", "TCP_INVALID_SEQUENCE", \
	  "RFC 5961 §4.2; Linux tcp_validate_incoming")                        \
	X(SYN_SYNCHRONIZED, "SYN on a synchronized connection",                \
	  "TCP_INVALID_SYN", "RFC 5961 §4.2; Linux tcp_validate_incoming")     \
	X(ACK_UNSENT_DATA, "ACK of unsent data", "TCP_ACK_UNSENT_DATA",        \
	  "RFC 9293 §3.10.7.4; Linux tcp_ack, tcp_rcv_state_process")          \
	X(ACK_TOO_OLD, "ACK too old (RFC 5961 §5.2)", "TCP_TOO_OLD_ACK",       \
	  "RFC 5961 §5.2; Linux tcp_ack")                                      \
	X(PAWS, "timestamp older than TS.Recent (PAWS)", "TCP_RFC7323_PAWS",   \
	  "RFC 7323 §5.3; Linux tcp_validate_incoming")                        \
	X(PAWS_ACK, "old ACK: timestamp older than TS.Recent (PAWS)",          \
	  "TCP_RFC7323_PAWS_ACK",                                              \
	  "RFC 7323 §5.3; Linux tcp_disordered_ack_check")                     \
	X(OUT_OF_WINDOW, "segment outside the receive window",                 \
	  "TCP_INVALID_SEQUENCE", "RFC 9293 §3.10.7.4; Linux tcp_sequence")    \
	X(END_OUT_OF_WINDOW,                                                   \
	  "segment ending beyond the window while data waits to be read",      \
	  "TCP_INVALID_END_SEQUENCE", "Linux tcp_sequence")                    \
	X(DUPLICATE_DATA, "duplicate data: nothing new, ACK at once",          \
	  "TCP_OLD_DATA", "RFC 9293 §3.10.7.4; Linux tcp_data_queue")          \
	X(OUT_OF_ORDER, "out-of-order data queued, duplicate ACK", "",         \
	  "RFC 9293 §3.10.7.4, RFC 5681 §4.2; Linux tcp_data_queue_ofo")       \
	X(ZERO_WINDOW, "data into a zero window: dropped, ACK at once",        \
	  "TCP_ZEROWINDOW", "Linux tcp_data_queue")                            \
	X(NO_SOCKET_RST,                                                       \
	  "RST for no connection: ignored, an RST is never answered "          \
	  "(RFC 9293 §3.10.7.1)",                                              \
	  "NO_SOCKET", "RFC 9293 §3.10.7.1; Linux tcp_v4_rcv")

/* What a stack answered to a dropped segment. X(NAME, words) */
#define TCPSIM_DROP_ANSWERS(X)                                                 \
	X(NONE, "")                                                            \
	X(NOTHING, ": dropped")                                                \
	X(CHALLENGE_ACK, ": challenge ACK (RFC 5961)")                         \
	X(CHALLENGE_ACK_RATE_LIMITED,                                          \
	  ": challenge ACK suppressed by the socket's rate limit "             \
	  "(tcp_invalid_ratelimit)")                                           \
	X(CHALLENGE_ACK_BUDGET,                                                \
	  ": challenge ACK suppressed by the host's budget "                   \
	  "(tcp_challenge_ack_limit)")                                         \
	X(DUP_ACK, ": dropped, duplicate ACK sent (RFC 9293 §3.10.7.4)")       \
	X(DUP_ACK_RATE_LIMITED, ": dropped, ACK suppressed by the rate limit")

/* What changed a socket's state. X(NAME, words before, what follows them,
 * words after): the report writes "before" + the segment number ("#7",
 * SEG), the listening socket (LISTENER), or nothing (NONE) + "after".
 * OBSERVED is tcpsim --kernel's: a change seen on a real kernel, which
 * does not say what caused it (doc/kernel.md). */
#define TCPSIM_STATE_CAUSES(X)                                                 \
	X(LISTEN, "listen()", NONE, "")                                        \
	X(CONNECT, "connect()", NONE, "")                                      \
	X(CLOSE, "close()", NONE, "")                                          \
	X(CLOSE_UNREAD, "close() with unread data", NONE, "")                  \
	X(CLOSE_LINGER_ZERO, "close() with SO_LINGER {1, 0}", NONE, "")        \
	X(PROCESS_EXIT, "process exit", NONE, "")                              \
	X(SHUTDOWN_WR, "shutdown(SHUT_WR)", NONE, "")                          \
	X(SHUTDOWN_SYN_SENT, "shutdown() in SYN_SENT", NONE, "")               \
	X(LISTENER_CLOSED, "listener closed", NONE, "")                        \
	X(TIME_WAIT_RECYCLED, "TIME_WAIT recycled by a new connect()", NONE,   \
	  "")                                                                  \
	X(TIME_WAIT_REUSED, "TIME_WAIT reused by connect() (tcp_tw_reuse)",    \
	  NONE, "")                                                            \
	X(SYN_TO_LISTENER, "SYN received by listening socket ", LISTENER, "")  \
	X(SYN_RECEIVED_SIMULTANEOUS, "SYN ", SEG,                              \
	  " received: simultaneous open")                                      \
	X(SYN_ACK_RECEIVED, "SYN-ACK ", SEG, " received")                      \
	X(COOKIE_ACK, "valid SYN cookie in ACK ", SEG, "")                     \
	X(HANDSHAKE_ACK, "ACK ", SEG, " completes the handshake")              \
	X(ACK_OF_SYN, "ACK ", SEG, " of our SYN")                              \
	X(ACK_OF_FIN, "ACK ", SEG, " of our FIN")                              \
	X(FIN_RECEIVED, "FIN ", SEG, " received")                              \
	X(RST_RECEIVED, "RST ", SEG, " received")                              \
	X(RST_REFUSED, "RST ", SEG, ": connection refused")                    \
	X(RST_AT_RCV_NXT_1, "RST ", SEG, " at RCV.NXT-1")                      \
	X(RST_TO_REQUEST, "RST ", SEG, "")                                     \
	X(SYN_TO_REQUEST, "SYN ", SEG, " in window")                           \
	X(RST_IN_TIME_WAIT, "RST ", SEG, " in TIME_WAIT (tcp_rfc1337 0)")      \
	X(SYN_REUSES_TIME_WAIT, "new SYN ", SEG, " reuses the connection")     \
	X(RST_IN_FIN_WAIT_2, "RST ", SEG, " in orphaned FIN_WAIT_2")           \
	X(SEGMENT_AFTER_CLOSE, "segment ", SEG,                                \
	  " after the application closed")                                     \
	X(DATA_AFTER_CLOSE, "data ", SEG, " after the application closed")     \
	X(ACCEPT_QUEUE_OVERFLOW, "accept queue overflow", NONE, "")            \
	X(SYN_ACK_RETRIES, "SYN-ACK retries exhausted", NONE, "")              \
	X(RETRANSMISSIONS_TIMED_OUT, "retransmissions timed out", NONE, "")    \
	X(KEEPALIVE_TIMED_OUT, "keepalive timed out", NONE, "")                \
	X(ZERO_WINDOW_TIMED_OUT, "zero-window probes timed out", NONE, "")     \
	X(TIME_WAIT_EXPIRED, "TIME_WAIT timer expired", NONE, "")              \
	X(FIN_WAIT_2_EXPIRED, "FIN_WAIT_2 timer expired", NONE, "")            \
	X(DISCONNECT, "connect(AF_UNSPEC)", NONE, "")                          \
	X(OBSERVED, "seen on the kernel", NONE, "")

/* The timers of a socket. X(NAME, words) */
#define TCPSIM_TIMERS(X)                                                       \
	X(RETRANSMISSION, "retransmission")                                    \
	X(CLOSE, "TIME_WAIT or FIN_WAIT_2")                                    \
	X(KEEPALIVE, "keepalive")                                              \
	X(ZERO_WINDOW_PROBE, "zero-window probe")                              \
	X(DELAYED_ACK, "delayed ACK")

/* What a timer did when it fired. X(NAME, timer, rule) */
#define TCPSIM_TIMER_EVENTS(X)                                                 \
	X(LOSS_PROBE, RETRANSMISSION,                                          \
	  "RFC 8985 §7.3; Linux tcp_send_loss_probe")                          \
	X(SYN_ACK_GIVE_UP, RETRANSMISSION, "Linux reqsk_timer_handler")        \
	X(SYN_ACK_AGAIN, RETRANSMISSION, "Linux reqsk_timer_handler")          \
	X(USER_TIMEOUT, RETRANSMISSION,                                        \
	  "RFC 5482; Linux tcp_write_timeout, tcp_write_err")                  \
	X(RETRIES_USED_UP, RETRANSMISSION,                                     \
	  "RFC 9293 §3.10.8; Linux tcp_write_timeout, tcp_write_err")          \
	X(RETRANSMIT, RETRANSMISSION,                                          \
	  "RFC 6298 §5; Linux tcp_retransmit_timer")                           \
	X(TIME_WAIT_OVER, CLOSE, "RFC 9293 §3.10.8; Linux tcp_time_wait")      \
	X(FIN_WAIT_2_OVER, CLOSE, "Linux tcp_fin_time, tcp_keepalive_timer")   \
	X(KEEPALIVE_GIVE_UP, KEEPALIVE, "Linux tcp_keepalive_timer")           \
	X(KEEPALIVE_PROBE, KEEPALIVE,                                          \
	  "RFC 1122 §4.2.3.6; Linux tcp_keepalive_timer")                      \
	X(ZERO_WINDOW_GIVE_UP, ZERO_WINDOW_PROBE, "Linux tcp_probe_timer")     \
	X(ZERO_WINDOW_PROBE, ZERO_WINDOW_PROBE,                                \
	  "RFC 9293 §3.8.6.1; Linux tcp_probe_timer")                          \
	X(DELAYED_ACK, DELAYED_ACK,                                            \
	  "RFC 1122 §4.2.3.2; Linux tcp_delack_timer_handler")                 \
	X(WINDOW_PROBE, ZERO_WINDOW_PROBE,                                     \
	  "RFC 9293 §3.8.6.2.1; Linux tcp_write_wakeup")

typedef enum tcpsim_rst_reason {
#define TCPSIM_X_(n, w, l, r) TCPSIM_RST_##n,
	TCPSIM_RST_REASONS(TCPSIM_X_)
#undef TCPSIM_X_
} tcpsim_rst_reason;
#define TCPSIM_X_(n, w, l, r) +1
enum { TCPSIM_NRST = 0 TCPSIM_RST_REASONS(TCPSIM_X_) };
#undef TCPSIM_X_

typedef enum tcpsim_drop_reason {
#define TCPSIM_X_(n, w, l, r) TCPSIM_DROP_##n,
	TCPSIM_DROP_REASONS(TCPSIM_X_)
#undef TCPSIM_X_
} tcpsim_drop_reason;
#define TCPSIM_X_(n, w, l, r) +1
enum { TCPSIM_NDROP = 0 TCPSIM_DROP_REASONS(TCPSIM_X_) };
#undef TCPSIM_X_

typedef enum tcpsim_drop_answer {
#define TCPSIM_X_(n, w) TCPSIM_ANSWER_##n,
	TCPSIM_DROP_ANSWERS(TCPSIM_X_)
#undef TCPSIM_X_
} tcpsim_drop_answer;
#define TCPSIM_X_(n, w) +1
enum { TCPSIM_NANSWER = 0 TCPSIM_DROP_ANSWERS(TCPSIM_X_) };
#undef TCPSIM_X_

typedef enum tcpsim_state_cause {
#define TCPSIM_X_(n, b, a, e) TCPSIM_BY_##n,
	TCPSIM_STATE_CAUSES(TCPSIM_X_)
#undef TCPSIM_X_
} tcpsim_state_cause;
#define TCPSIM_X_(n, b, a, e) +1
enum { TCPSIM_NBY = 0 TCPSIM_STATE_CAUSES(TCPSIM_X_) };
#undef TCPSIM_X_

typedef enum tcpsim_timer {
#define TCPSIM_X_(n, w) TCPSIM_TIMER_##n,
	TCPSIM_TIMERS(TCPSIM_X_)
#undef TCPSIM_X_
} tcpsim_timer;
#define TCPSIM_X_(n, w) +1
enum { TCPSIM_NTIMERS = 0 TCPSIM_TIMERS(TCPSIM_X_) };
#undef TCPSIM_X_

typedef enum tcpsim_timer_event {
#define TCPSIM_X_(n, t, r) TCPSIM_T_##n,
	TCPSIM_TIMER_EVENTS(TCPSIM_X_)
#undef TCPSIM_X_
} tcpsim_timer_event;
#define TCPSIM_X_(n, t, r) +1
enum { TCPSIM_NT = 0 TCPSIM_TIMER_EVENTS(TCPSIM_X_) };
#undef TCPSIM_X_

/* A connection's sequence variables (RFC 9293 §3.3.1) and its running
 * timers at one instant, as SEND and RECV events carry them. */
typedef struct tcpsim_seqvars {
	int valid; /* 0: no connection (a listener's or no socket's reply) */
	tcpsim_state state;
	uint32_t snd_una, snd_nxt; /* send sequence space */
	uint32_t snd_wnd;          /* the peer's window, bytes */
	uint32_t rcv_nxt;          /* receive sequence space */
	uint32_t rcv_wnd;          /* the window last advertised, bytes */
	uint32_t snd_cwnd;         /* congestion window, segments */
	/* each timer's deadline (virtual time), -1 when it is not running */
	int64_t timer_us[TCPSIM_NTIMERS];
} tcpsim_seqvars;

/* ---- Events ---- */

/* What an event is; the report's EVENT column names it. */
typedef enum tcpsim_event_kind {
	TCPSIM_EV_CALL,   /* a call that returned at once ("call") */
	TCPSIM_EV_BLOCK,  /* a call that must wait ("call ... blocks") */
	TCPSIM_EV_RETURN, /* a blocked call returning */
	TCPSIM_EV_STATE,  /* a socket's state change */
	TCPSIM_EV_SEND,   /* a segment leaving a host's stack */
	TCPSIM_EV_INJECT, /* a forged segment (net: inject) */
	TCPSIM_EV_REPLAY, /* an old segment again (net: replay) */
	TCPSIM_EV_RECV,   /* a segment arriving */
	TCPSIM_EV_LOST,   /* a segment arriving at a host that is down */
	TCPSIM_EV_RESET,  /* who sends an RST, why, and the rule */
	TCPSIM_EV_DROP,   /* a segment ignored or answered only with ACK */
	TCPSIM_EV_TIMER,  /* a timer firing */
	TCPSIM_EV_REXMIT, /* a fast retransmit */
	TCPSIM_EV_SIGNAL, /* SIGPIPE */
	TCPSIM_EV_PROC,   /* the process killed, or a call never returning */
	TCPSIM_EV_HOST,   /* a host crashing or rebooting */
	TCPSIM_EV_SKIP,   /* a line that could not run */
	TCPSIM_EV_EXPECT, /* an expect line checked */
	TCPSIM_EV_FAIL,   /* a failed expectation or line */
	TCPSIM_EV_END,    /* the run ends early (only keepalive left) */
	TCPSIM_EV_WHY,    /* --why: the causes of a failed call or an RST */
	TCPSIM_EV_FINAL, /* after the run: a socket's or a host's final state */
	TCPSIM_EV_DONE   /* after the run: the expectations counted */
} tcpsim_event_kind;
#define TCPSIM_NEV (TCPSIM_EV_DONE + 1)

/* A bit per kind, for tcpsim_options.event_mask. */
#define TCPSIM_EV_BIT(kind) (1u << (kind))

/* A socket, as an event names it. The report calls it by its variable,
 * or by its ports when no variable names it ("[80<client:40000]"),
 * "[sock ID]" before it has a peer, and "port N" (id 0) for an RST that
 * no socket sends. */
typedef struct tcpsim_sock {
	uint32_t id;     /* the host's socket number, from 1; 0: none */
	const char *var; /* the variable naming it, NULL when none */
	uint32_t laddr, raddr;
	uint16_t lport, rport;
	const char *peer; /* the host whose address is raddr, NULL */
} tcpsim_sock;

/* What made something happen, as --why tells it. */
typedef enum tcpsim_cause_kind {
	TCPSIM_CAUSE_NONE,    /* the start of the run */
	TCPSIM_CAUSE_LINE,    /* a trace line ran */
	TCPSIM_CAUSE_SEGMENT, /* a segment arrived */
	TCPSIM_CAUSE_TIMER,   /* a timer fired */
	TCPSIM_CAUSE_FORGED   /* a trace line forged a segment (net: inject) */
} tcpsim_cause_kind;

typedef struct tcpsim_cause {
	tcpsim_cause_kind kind;
	uint32_t value;     /* LINE, FORGED: the line; SEGMENT: its number */
	tcpsim_timer timer; /* TIMER */
	int flags;          /* SEGMENT: its flags, -1 when not known */
	const char *text;   /* LINE, FORGED, in WHY events: the line without
			     * its time; NULL elsewhere */
} tcpsim_cause;

/* One link of a --why chain: a segment, and who sent it why. */
typedef struct tcpsim_why_link {
	uint32_t segno;
	int flags;        /* TCPSIM_SYN ... */
	const char *from; /* the host that sent it, NULL when not known */
	int rst;          /* a tcpsim_rst_reason, -1 when not an RST */
} tcpsim_why_link;

#define TCPSIM_WHY_MAX 4 /* links a chain shows */

/* Where a failed call's errno came from (--why). */
typedef enum tcpsim_why_source {
	TCPSIM_WHY_RST,           /* not a call: the chain behind an RST */
	TCPSIM_WHY_PENDING_ERROR, /* a pending error, set by CAUSE in STATE */
	TCPSIM_WHY_CLOSED, /* the connection closed from STATE by CAUSE */
	TCPSIM_WHY_STATE,  /* the socket's state (and its shut side) */
	TCPSIM_WHY_NO_SOCKET
} tcpsim_why_source;

/* Why a line could not run, or a call never returned. */
typedef enum tcpsim_stop {
	TCPSIM_STOP_HOST_DOWN,          /* "host is down" */
	TCPSIM_STOP_PROCESS_TERMINATED, /* "process terminated" */
	TCPSIM_STOP_KILLED,             /* "killed" */
	TCPSIM_STOP_SIGPIPE,            /* "terminated by SIGPIPE" */
	TCPSIM_STOP_HOST_CRASHED,       /* "host crashed" */
	TCPSIM_STOP_END_OF_RUN /* "still blocked at the end of the run" */
} tcpsim_stop;

/* The reasons of the kinds that have several. */
typedef enum tcpsim_signal_reason {
	TCPSIM_SIGPIPE_IGNORED,
	TCPSIM_SIGPIPE_TERMINATES
} tcpsim_signal_reason;
typedef enum tcpsim_proc_reason {
	TCPSIM_PROC_KILLED,        /* kill: SIGKILL */
	TCPSIM_PROC_NEVER_RETURNS, /* its blocked call (stop: why) */
	TCPSIM_PROC_STILL_BLOCKED  /* at the end of the run */
} tcpsim_proc_reason;
typedef enum tcpsim_host_reason {
	TCPSIM_HOST_CRASHES,
	TCPSIM_HOST_REBOOTS
} tcpsim_host_reason;
typedef enum tcpsim_skip_reason {
	TCPSIM_SKIP_KILL,   /* kill with no process */
	TCPSIM_SKIP_CALL,   /* the call's host is down or process gone */
	TCPSIM_SKIP_UNBOUND /* its socket variable is not bound */
} tcpsim_skip_reason;
typedef enum tcpsim_expect_op {
	TCPSIM_EXPECT_WIRE,      /* expect [no] A>B KIND */
	TCPSIM_EXPECT_STATE,     /* expect HOST VAR state STATE */
	TCPSIM_EXPECT_TERMINATED /* expect HOST terminated */
} tcpsim_expect_op;
typedef enum tcpsim_fail_reason {
	TCPSIM_FAIL_RESULT,       /* a call's result is not the one written */
	TCPSIM_FAIL_EXPECT,       /* an expect line did not hold */
	TCPSIM_FAIL_NO_RETURN,    /* a call never returned (stop: why) */
	TCPSIM_FAIL_NOT_RUN,      /* a line waited for its blocked process */
	TCPSIM_FAIL_SKIPPED,      /* a call could not run (stop: why) */
	TCPSIM_FAIL_UNBOUND,      /* its socket variable names no socket */
	TCPSIM_FAIL_KILL_NOTHING, /* kill with no process */
	TCPSIM_FAIL_CRASH_DOWN,   /* crash of a host that is down */
	TCPSIM_FAIL_REBOOT_UP     /* reboot of a host that is up */
} tcpsim_fail_reason;
typedef enum tcpsim_final_reason {
	TCPSIM_FINAL_PROCESS_TERMINATED, /* the host's process */
	TCPSIM_FINAL_HOST_DOWN,
	TCPSIM_FINAL_SOCKET,  /* a socket: sock, state, orphan */
	TCPSIM_FINAL_CLOSED,  /* a variable whose connection is gone */
	TCPSIM_FINAL_UNLISTED /* out of memory: unnamed sockets not listed */
} tcpsim_final_reason;

/* Segment kinds of "expect A>B KIND" and net: rules. */
typedef enum tcpsim_seg_kind {
	TCPSIM_SEG_ANY,
	TCPSIM_SEG_SYN,
	TCPSIM_SEG_FIN,
	TCPSIM_SEG_RST,
	TCPSIM_SEG_ACK, /* no payload and none of SYN, FIN, RST */
	TCPSIM_SEG_DATA /* payload */
} tcpsim_seg_kind;

/* An expect line checked. */
/* The fields an `expect A>B KIND ...` line names (TCPSIM_MATCH_* bits in
 * MASK) and the values they must have, in SEG; a field not named matches
 * any value. */
enum {
	TCPSIM_MATCH_SEQ = 1 << 0,
	TCPSIM_MATCH_ACK = 1 << 1,
	TCPSIM_MATCH_WIN = 1 << 2, /* the header's field, as sent */
	TCPSIM_MATCH_LEN = 1 << 3,
	TCPSIM_MATCH_MSS = 1 << 4,
	TCPSIM_MATCH_WSCALE = 1 << 5,
	TCPSIM_MATCH_SACK_OK = 1 << 6,
	TCPSIM_MATCH_TS = 1 << 7,    /* the timestamps option is there */
	TCPSIM_MATCH_TSVAL = 1 << 8, /* ... with this TSval */
	TCPSIM_MATCH_TSECR = 1 << 9, /* ... and this TSecr */
	TCPSIM_MATCH_SACK = 1 << 10  /* these SACK blocks, in this order */
};
typedef struct tcpsim_seg_match {
	uint32_t mask;
	tcpsim_segment seg;
} tcpsim_seg_match;

/* Whether segment S has the fields M names (1) or not (0). */
int tcpsim_seg_matches(const tcpsim_seg_match *m, const tcpsim_segment *s);

typedef struct tcpsim_expect_result {
	tcpsim_expect_op op;
	int ok;
	/* WIRE */
	int negate;
	const char *from, *to;
	tcpsim_seg_kind seg_kind;
	uint64_t count; /* segments of that kind (with MATCH's fields) sent
			 * in the span */
	tcpsim_seg_match match; /* the fields named; mask 0: none */
	/* with fields named and none matching: the last segment of the kind
	 * sent in the span, for the message (HAVE_NEAREST 0: none) */
	int have_nearest;
	tcpsim_segment nearest;
	/* STATE, TERMINATED */
	const char *host, *var;
	tcpsim_state want, got;
	int host_up; /* TERMINATED: the host is up */
	/* A failed expectation written without a time, checked while a call
	 * of an earlier line was still blocked: that call and its host
	 * (BLOCKED_CALL NULL: none was), and that call's line. */
	const tcpsim_call *blocked_call;
	int blocked_line;
	const char *blocked_host;
} tcpsim_expect_result;

/* A call's result. */
typedef struct tcpsim_call_result {
	const tcpsim_call *call; /* the line */
	int64_t value;           /* the return value, -1 on failure */
	int err;                 /* Linux's errno value, 0 on success */
	const char *errno_name;  /* "EPIPE", NULL on success */
	int sigpipe;             /* the call raised SIGPIPE */
	int has_addr;            /* getpeername, getsockname: addr:port */
	uint32_t addr;
	uint16_t port;
	int64_t began_us; /* when it began (RETURN: it blocked) */
} tcpsim_call_result;

/* One event of a run. KIND says which member of the union applies; the
 * strings point into the simulation and live during the callback only. */
typedef struct tcpsim_event {
	tcpsim_event_kind kind;
	int64_t time_us;       /* virtual time */
	int host;              /* where it happened; -1: the network, a line */
	const char *host_name; /* its name, NULL for -1 */
	int line;              /* the trace line (calls, expect, FAIL), 0 */
	union {
		/* CALL, BLOCK (no result yet), RETURN */
		tcpsim_call_result call;
		/* STATE */
		struct {
			tcpsim_sock sock;
			tcpsim_state old_state, new_state;
			tcpsim_state_cause cause;
			uint32_t segno;       /* the segment of the cause, 0 */
			tcpsim_sock listener; /* SYN_TO_LISTENER */
		} state;
		/* SEND, INJECT, REPLAY, RECV, LOST */
		struct {
			uint32_t segno;
			int from, to; /* host indices */
			const char *from_name, *to_name;
			/* the endpoints' hosts by address, NULL when none */
			const char *src_name, *dst_name;
			tcpsim_segment seg;
			/* SEND, INJECT: what the network did, and the net:
			 * line of the rule that did it */
			int dropped; /* 1 by a rule, 2 by random loss */
			int drop_line;
			int duplicated; /* sent twice; RECV: the second copy */
			int dup_line;
			int64_t delay_us; /* extra delay */
			int delay_line;
			/* RECV: a net: replay copy arriving */
			int replayed;
			/* REPLAY: the number copied */
			uint32_t replay_of;
			/* SEND: what made its host send it, and an RST's
			 * reason (-1) */
			tcpsim_cause cause;
			int rst;
			/* SEND: the sending connection just after it sent;
			 * RECV: the receiving one as the segment arrives
			 * (before it is processed) */
			tcpsim_seqvars vars;
		} seg;
		/* RESET */
		struct {
			tcpsim_sock sock; /* id 0: no socket, lport the port */
			tcpsim_rst_reason reason;
			/* the flags of the segment it answers; -1 for an
			 * RST that answers none (an abort) */
			int trigger;
		} reset;
		/* DROP */
		struct {
			tcpsim_sock sock; /* id 0: no socket, lport the port */
			tcpsim_drop_reason reason;
			tcpsim_drop_answer answer;
			uint32_t segno; /* the segment */
			int pending;    /* SYN_*: handshakes pending */
			int queued;     /* SYN_*: in the accept queue */
			int backlog;    /* SYN_*: the listener's backlog */
			int syncookies; /* SYN_COOKIE: the knob */
		} drop;
		/* TIMER */
		struct {
			tcpsim_sock sock;
			tcpsim_timer_event what;
			uint32_t count;   /* retries, probes so far */
			int64_t limit;    /* the knob's value, ms or s */
			const char *knob; /* RETRIES_USED_UP: its name */
			int64_t rto_us;   /* RETRANSMIT: the RTO that ran out */
			int64_t next_us;  /* the next timeout, or ATO */
		} timer;
		/* REXMIT */
		struct {
			tcpsim_sock sock;
		} rexmit;
		/* SIGNAL */
		tcpsim_signal_reason signal;
		/* PROC */
		struct {
			tcpsim_proc_reason reason;
			const tcpsim_call
			    *call;        /* NEVER_RETURNS, STILL_BLOCKED */
			tcpsim_stop stop; /* NEVER_RETURNS */
		} proc;
		/* HOST */
		tcpsim_host_reason host;
		/* SKIP */
		struct {
			tcpsim_skip_reason reason;
			const tcpsim_call *call; /* CALL, UNBOUND */
			tcpsim_stop stop;        /* CALL */
		} skip;
		/* EXPECT */
		tcpsim_expect_result expect;
		/* FAIL */
		struct {
			tcpsim_fail_reason reason;
			const char *file; /* the trace's name */
			/* RESULT: the call and what it returned; NO_RETURN,
			 * SKIPPED, UNBOUND: the call */
			tcpsim_call_result call;
			tcpsim_stop stop;            /* NO_RETURN, SKIPPED */
			tcpsim_expect_result expect; /* EXPECT */
			const char *host;            /* CRASH_DOWN, REBOOT_UP */
		} fail;
		/* WHY */
		struct {
			tcpsim_why_source source;
			/* a call's failure: the call and its errno */
			const tcpsim_call *call;
			const char *errno_name;
			/* PENDING_ERROR, CLOSED: what set it or closed it */
			tcpsim_cause cause;
			tcpsim_state state;
			int send_shut; /* STATE: the sending side is shut */
			/* the segments behind it, the newest first, and what
			 * made the last one's host send it */
			int nlinks;
			tcpsim_why_link link[TCPSIM_WHY_MAX];
			tcpsim_cause origin;
		} why;
		/* FINAL */
		struct {
			tcpsim_final_reason reason;
			tcpsim_sock sock;   /* SOCKET; CLOSED: var only */
			tcpsim_state state; /* SOCKET */
			int orphan;         /* closed by the application */
		} final;
		/* DONE */
		struct {
			int checked, failed;
		} done;
	} u;
} tcpsim_event;

/* Receives every event of a run, in order. */
typedef void (*tcpsim_event_fn)(void *ctx, const tcpsim_event *ev);

typedef struct tcpsim_options {
	uint64_t seed;         /* 0: the default, documented ISN series */
	int64_t max_time_us;   /* virtual-time limit of a run */
	uint64_t max_events;   /* event limit of a run */
	tcpsim_write_fn write; /* NULL: the report is discarded */
	void *write_ctx;
	tcpsim_event_fn event; /* NULL: no events */
	void *event_ctx;
	/* The kinds EVENT receives: TCPSIM_EV_BIT(kind) | ...; 0: all. The
	 * model builds no event that nobody takes. */
	uint32_t event_mask;
	int check; /* 1: check TCP invariants and byte integrity
		    * after every event; a violation stops the
		    * run with TCPSIM_ERROR */
	int why;   /* 1: a "why" event after each failed call
		    * and each RST, with its causal chain */
	int color; /* 1: the report in ANSI colours, failures and
		    * errnos red */
} tcpsim_options;

/* The library's version, "MAJOR.MINOR.PATCH". */
const char *tcpsim_version(void);

/* Defaults: seed 0, a 10^7 s virtual-time limit, 10^8 events, no output. */
void tcpsim_options_init(tcpsim_options *opts);

/* Parse trace TEXT (LEN bytes; FILENAME names it in messages) into a
 * simulation ready to run. NULL with *ERR filled on a bad trace. OPTS may
 * be NULL for the defaults. */
tcpsim_sim *tcpsim_load(const char *filename, const char *text, size_t len,
			const tcpsim_options *opts, tcpsim_error *err);

/* Run to the end: TCPSIM_OK, TCPSIM_FAILED, or TCPSIM_ERROR with *ERR
 * filled (a limit was exceeded, or a line could not be carried out). */
int tcpsim_run(tcpsim_sim *sim, tcpsim_error *err);

/* After a run: how many expectations and lines failed. */
int tcpsim_failures(const tcpsim_sim *sim);

/* The hosts of a simulation, in the order the trace declares them. */
int tcpsim_host_count(const tcpsim_sim *sim);
const char *tcpsim_host_name(const tcpsim_sim *sim, int index);

/* After a run: how many expectations were checked. */
int tcpsim_checked(const tcpsim_sim *sim);

/* After a run: the state of the connection a host's variable names (as
 * "expect HOST VAR state" sees it); -1 for an unknown host or variable. */
int tcpsim_var_state(const tcpsim_sim *sim, const char *host, const char *var);

/* TCP_INFO as Linux's getsockopt(TCP_INFO) gives it: struct tcp_info's
 * names without "tcpi_", the fields the model keeps; times in
 * microseconds. */
#define TCPSIM_TCPI_OPT_TIMESTAMPS 1 /* TCPI_OPT_TIMESTAMPS */
#define TCPSIM_TCPI_OPT_SACK       2
#define TCPSIM_TCPI_OPT_WSCALE     4
#define TCPSIM_TCPI_OPT_SYN_DATA   32 /* the SYN carried data (Fast Open) */
typedef struct tcpsim_tcp_info {
	tcpsim_state state; /* the model's numbering, not Linux's TCP_* */
	tcpsim_ca_state ca_state;
	int retransmits; /* RTO expiries in a row */
	int probes;      /* zero-window or keepalive probes unanswered */
	int backoff;     /* the RTO's doublings */
	int options;     /* TCPSIM_TCPI_OPT_* */
	int snd_wscale, rcv_wscale;
	uint32_t rto_us, ato_us;
	uint32_t snd_mss, rcv_mss, advmss; /* bytes per segment */
	uint32_t unacked; /* segments sent and not yet acknowledged */
	uint32_t rtt_us, rttvar_us;
	uint32_t snd_ssthresh; /* segments; 2147483647 until the first loss */
	uint32_t snd_cwnd;     /* congestion window, segments */
	uint32_t rcv_ssthresh;
	uint32_t total_retrans;
	uint64_t bytes_acked, bytes_received;
} tcpsim_tcp_info;

/* At any time, also between the lines of tcpsim_do(): the TCP_INFO of the
 * connection a host's variable names. 0; 1 when the connection is gone
 * or in TIME_WAIT (then *INFO holds its state alone); -1 for an unknown
 * host or variable. */
int tcpsim_var_info(const tcpsim_sim *sim, const char *host, const char *var,
		    tcpsim_tcp_info *info);

/* "ESTABLISHED" and so on; NULL for a value out of range. */
const char *tcpsim_state_name(int state);

/* "Open", "Disorder", "CWR", "Recovery", "Loss" (Linux's words); NULL for a
 * value out of range. */
const char *tcpsim_ca_state_name(int ca_state);

void tcpsim_free(tcpsim_sim *sim);

/* ---- Rendering events ---- */

/* "call", "state", "send" ...: the report's EVENT column ("call" for
 * BLOCK too; "final" and "done" for the kinds after the run). */
const char *tcpsim_event_kind_name(int kind);

/* The report's DETAIL column for EV, in at most CAP bytes of BUF (always
 * terminated when CAP > 0). Returns the length of the whole text, as
 * snprintf() does. */
size_t tcpsim_event_text(const tcpsim_event *ev, char *buf, size_t cap);

/* The words and the rule of a reason: KIND is TCPSIM_EV_RESET (a
 * tcpsim_rst_reason), TCPSIM_EV_DROP (a tcpsim_drop_reason), TCPSIM_EV_STATE
 * (a tcpsim_state_cause: its words) or TCPSIM_EV_TIMER (a
 * tcpsim_timer_event: its name). NULL when out of range. */
const char *tcpsim_reason_text(int kind, int reason);
const char *tcpsim_reason_rule(int kind, int reason);
/* The Linux name of a reason: the sk_rst_reason of an RST ("NO_SOCKET"),
 * the skb_drop_reason of a drop ("TCP_OLD_SEQUENCE"); NULL where Linux
 * has none (a segment it keeps, another KIND) or out of range. */
const char *tcpsim_reason_linux(int kind, int reason);
/* The stable id of RST reason REASON (TCPSIM_RST_IDS): "no-listener" for
 * NO_SOCKET when TRIGGER_FLAGS, the flags of the segment the RST answers
 * (-1: not known), have SYN without ACK; NULL when out of range. */
const char *tcpsim_rst_id(int reason, int trigger_flags);
/* "CHALLENGE_ACK": the name of what a stack sent back for a dropped
 * segment (a tcpsim_drop_answer); NULL for none or out of range. */
const char *tcpsim_drop_answer_name(int answer);

/* EV as one line of JSON (no newline), schema in doc/json.md; SEQ is the
 * event's index in its run. The caller frees the string with free(); NULL
 * when out of memory. */
char *tcpsim_event_json(const tcpsim_event *ev, unsigned long long seq);

/* The segment of EV (SEND, INJECT, REPLAY, RECV, LOST) as an IPv4 packet
 * with a TCP header, options and checksums, its payload a pattern of the
 * sequence numbers. Writes at most CAP bytes to BUF; returns the packet's
 * length, or 0 when EV has no segment or CAP is too small. */
size_t tcpsim_event_packet(const tcpsim_event *ev, unsigned char *buf,
			   size_t cap);

/* ---- Building a simulation step by step ----
 *
 * tcpsim_new() makes an empty simulation; tcpsim_declare() adds what a
 * trace's declarations say ("host client 10.0.0.1", "link client server
 * delay 5ms", "set client tcp_retries2 3"); then tcpsim_do() runs one line
 * of the trace language at the current virtual time, without a time
 * prefix ("client: c = socket()", "client: write(c, 100) = 100",
 * "net: drop client>server 1 DATA", "server: crash", "expect client c
 * state ESTABLISHED"), and tcpsim_advance() lets virtual time pass. The
 * events come to opts->event, the report to opts->write. tcpsim_run()
 * ends it: what is still to happen happens, then the final state.
 *
 * A line costs the same however many came before it, and a simulation
 * keeps no line once it has run (with opts->why, it keeps them all: the
 * causes name them).
 */

/* The result of a call line. */
typedef struct tcpsim_result {
	int done;               /* 0: the call blocks (or waits behind a
				 * blocked one); it returns later */
	int line;               /* the line's number in the simulation */
	int64_t value;          /* the return value, -1 on failure */
	const char *errno_name; /* "EPIPE", NULL on success */
	int sigpipe;            /* the call raised SIGPIPE */
} tcpsim_result;

tcpsim_sim *tcpsim_new(const tcpsim_options *opts);
/* TCPSIM_OK, or TCPSIM_ERROR with *ERR (a bad declaration, or after the
 * first line). */
int tcpsim_declare(tcpsim_sim *sim, const char *decl, tcpsim_error *err);
/* Run LINE now. TCPSIM_OK; TCPSIM_FAILED when its expectation failed;
 * TCPSIM_ERROR with *ERR when it could not be run. *RES (may be NULL)
 * gets the result of a call line. */
int tcpsim_do(tcpsim_sim *sim, const char *line, tcpsim_result *res,
	      tcpsim_error *err);
/* Let US microseconds of virtual time pass: every event due before the
 * new time happens (one due at it comes after the lines run then, as in a
 * trace). */
int tcpsim_advance(tcpsim_sim *sim, int64_t us, tcpsim_error *err);
/* The current virtual time. */
int64_t tcpsim_now(const tcpsim_sim *sim);
/* The result of the call that returned last (a blocked one included);
 * -1 when none has. */
int tcpsim_last_result(const tcpsim_sim *sim, tcpsim_result *res);

/* Load and run in one call: the status of tcpsim_run, or TCPSIM_ERROR. */
int tcpsim_run_trace(const char *filename, const char *text, size_t len,
		     const tcpsim_options *opts, tcpsim_error *err);

#ifdef __cplusplus
}
#endif

#endif
