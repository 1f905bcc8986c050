/*
 * trace.h - the parsed form of a trace file.
 *
 * Pipeline: trace text -> lexer/parser (this folder) -> ts_trace -> engine.
 * The parser resolves every name (hosts, variables, errnos, states) into
 * indices and enums, computes each timed line's absolute scheduled time, and
 * rejects anything the engine could not run, with FILE:LINE:COL and a message.
 * Nothing here runs the simulation.
 */
#ifndef TS_TRACE_H
#define TS_TRACE_H

#include <stddef.h>
#include <stdint.h>

#include "base/errno_tab.h"
#include "base/time.h"

#define TS_NAME_MAX  32
#define TS_MAX_HOSTS 256 /* hosts a trace may declare */

/* Segment kinds used by net: drop/dup/delay and expect A>B KIND. */
typedef enum ts_seg_kind {
	TS_SEGKIND_ANY, /* no KIND given */
	TS_SEGKIND_SYN,
	TS_SEGKIND_FIN,
	TS_SEGKIND_RST,
	TS_SEGKIND_ACK, /* no payload and none of SYN, FIN, RST */
	TS_SEGKIND_DATA /* payload */
} ts_seg_kind;

/* TCP flag bits, as on the wire. */
enum {
	TS_FIN = 0x01,
	TS_SYN = 0x02,
	TS_RST = 0x04,
	TS_PSH = 0x08,
	TS_ACK = 0x10
};

/* The eleven RFC 9293 states, named as the trace language names them. */
typedef enum ts_tcp_state {
	TS_CLOSED,
	TS_LISTEN,
	TS_SYN_SENT,
	TS_SYN_RECEIVED,
	TS_ESTABLISHED,
	TS_FIN_WAIT_1,
	TS_FIN_WAIT_2,
	TS_CLOSE_WAIT,
	TS_CLOSING,
	TS_LAST_ACK,
	TS_TIME_WAIT
} ts_tcp_state;
#define TS_TCP_NSTATES 11

typedef enum ts_call_id {
	TS_CALL_SOCKET,
	TS_CALL_BIND,    /* bind(fd, PORT)                  a = port */
	TS_CALL_LISTEN,  /* listen(fd, BACKLOG)             a = backlog */
	TS_CALL_CONNECT, /* connect(fd, HOST:PORT)          peer_host, a = port
			  */
	TS_CALL_ACCEPT,  /* accept(fd) */
	TS_CALL_WRITE,   /* write(fd, NBYTES)               a = nbytes */
	TS_CALL_SEND,    /* send(fd, NBYTES, FLAGS)         a = nbytes, flags */
	TS_CALL_READ,    /* read(fd, NBYTES)                a = nbytes */
	TS_CALL_RECV,    /* recv(fd, NBYTES, FLAGS)         a = nbytes, flags */
	TS_CALL_SHUTDOWN, /* shutdown(fd, HOW)               opt = TS_SHUT_* */
	TS_CALL_CLOSE,    /* close(fd) */
	TS_CALL_SETSOCKOPT,  /* setsockopt(fd, OPT, A[, B])     opt = TS_OPT_*,
				a, b */
	TS_CALL_GETSOCKOPT,  /* getsockopt(fd, SO_ERROR)        opt =
				TS_OPT_SO_ERROR */
	TS_CALL_FCNTL,       /* fcntl(fd, O_NONBLOCK) */
	TS_CALL_GETPEERNAME, /* getpeername(fd) */
	TS_CALL_GETSOCKNAME, /* getsockname(fd) */
	TS_CALL_POLL,  /* poll(fd, EVENTS, TIMEOUT_MS)    flags = events, a = ms
			*/
	TS_CALL_SIGNAL /* signal(SIGPIPE, SIG_IGN|SIG_DFL) a = 1 for SIG_IGN */
} ts_call_id;
#define TS_NCALLS 18

/* send/recv flags, Linux values */
enum {
	TS_MSG_PEEK = 0x02, /* recv only */
	TS_MSG_DONTWAIT = 0x40,
	TS_MSG_NOSIGNAL = 0x4000
};

/* shutdown how, Linux values */
enum { TS_SHUT_RD = 0, TS_SHUT_WR = 1, TS_SHUT_RDWR = 2 };

typedef enum ts_sockopt {
	TS_OPT_SO_LINGER,        /* a = onoff, b = seconds */
	TS_OPT_SO_KEEPALIVE,     /* a = 0|1 */
	TS_OPT_SO_REUSEADDR,     /* a = 0|1 */
	TS_OPT_TCP_KEEPIDLE,     /* a = seconds */
	TS_OPT_TCP_KEEPINTVL,    /* a = seconds */
	TS_OPT_TCP_KEEPCNT,      /* a = count */
	TS_OPT_TCP_USER_TIMEOUT, /* a = ms */
	TS_OPT_SO_ERROR          /* getsockopt only */
} ts_sockopt;

/* poll event bits, Linux values */
enum {
	TS_POLLIN = 0x001,
	TS_POLLOUT = 0x004,
	TS_POLLERR = 0x008,
	TS_POLLHUP = 0x010,
	TS_POLLRDHUP = 0x2000
};

/* What a call line asserts about its result. */
typedef enum ts_expect_kind {
	TS_EXPECT_NONE,  /* nothing asserted (but see ts_call.bind_var) */
	TS_EXPECT_INT,   /* = N           (value) */
	TS_EXPECT_ERRNO, /* = -1 ENAME    (err) */
	TS_EXPECT_ADDR,  /* = A.B.C.D:P   (addr, port) */
	TS_EXPECT_POLL   /* = POLLIN|...  or = 0 (value = revents mask) */
} ts_expect_kind;

typedef struct ts_call {
	ts_call_id id;
	int bind_var; /* variable bound by "VAR =", -1 when none */
	int fd_var; /* variable of the fd argument, -1 for socket()/signal() */
	int peer_host; /* connect(): index of the target host */
	int64_t a, b;  /* integer arguments, see ts_call_id */
	int opt;       /* TS_SHUT_* or ts_sockopt */
	int flags;     /* TS_MSG_* for send/recv, TS_POLL* for poll */
	ts_expect_kind expect;
	int64_t value; /* TS_EXPECT_INT, TS_EXPECT_POLL */
	ts_errno err;  /* TS_EXPECT_ERRNO */
	uint32_t addr; /* TS_EXPECT_ADDR, host byte order */
	uint16_t port; /* TS_EXPECT_ADDR */
	int sigpipe;   /* "+SIGPIPE" was written */
} ts_call;

typedef enum ts_net_op {
	TS_NET_DROP,   /* drop A>B [COUNT|all] [KIND] */
	TS_NET_DUP,    /* dup A>B [COUNT] [KIND] */
	TS_NET_DELAY,  /* delay A>B DUR [COUNT] [KIND] */
	TS_NET_REPLAY, /* replay N */
	TS_NET_INJECT, /* inject A>B FLAGS seq S ack K [len L] [win W] */
	TS_NET_HEAL    /* heal [A B] */
} ts_net_op;

typedef struct ts_net {
	ts_net_op op;
	int from, to;   /* host indices; heal without hosts: -1, -1 */
	int all;        /* drop ... all */
	uint32_t count; /* default 1 */
	ts_seg_kind kind;
	ts_time delay;  /* TS_NET_DELAY */
	uint32_t segno; /* TS_NET_REPLAY */
	/* TS_NET_INJECT */
	int from_port, to_port; /* -1 when not given (the only connection) */
	uint8_t tcp_flags;
	uint32_t seq, ack;
	uint32_t len;
	uint32_t win; /* default 65535 (see doc) */
	int has_win;
} ts_net;

typedef enum ts_host_op {
	TS_HOST_KILL,
	TS_HOST_CRASH,
	TS_HOST_REBOOT
} ts_host_op;

typedef enum ts_expect_op {
	TS_EXP_WIRE,      /* expect [no] A>B KIND */
	TS_EXP_STATE,     /* expect HOST VAR state STATE */
	TS_EXP_TERMINATED /* expect HOST terminated */
} ts_expect_op;

typedef struct ts_expect {
	ts_expect_op op;
	int negate;       /* expect no ... */
	int from, to;     /* TS_EXP_WIRE */
	ts_seg_kind kind; /* TS_EXP_WIRE; never TS_SEGKIND_ANY */
	int host, var;    /* TS_EXP_STATE, TS_EXP_TERMINATED (host only) */
	ts_tcp_state state;
} ts_expect;

typedef enum ts_stmt_kind {
	TS_STMT_CALL,
	TS_STMT_HOST, /* kill, crash, reboot */
	TS_STMT_NET,
	TS_STMT_EXPECT
} ts_stmt_kind;

/* One timed line (expect lines without a time get the previous line's). */
typedef struct ts_stmt {
	ts_stmt_kind kind;
	ts_time at; /* absolute scheduled time */
	int line;   /* 1-based source line */
	int host;   /* TS_STMT_CALL, TS_STMT_HOST: host index; else -1 */
	union {
		ts_call call;
		ts_host_op host_op;
		ts_net net;
		ts_expect expect;
	} u;
	const char *
	    text; /* the statement's source text (no comment), for the report */
} ts_stmt;

/* Kernel knobs settable with "set HOST KNOB VALUE". */
typedef enum ts_knob {
	TS_KNOB_TCP_RETRIES2,
	TS_KNOB_TCP_SYN_RETRIES,
	TS_KNOB_TCP_SYNACK_RETRIES,
	TS_KNOB_TCP_FIN_TIMEOUT,
	TS_KNOB_TCP_ORPHAN_RETRIES,
	TS_KNOB_TCP_KEEPALIVE_TIME,
	TS_KNOB_TCP_KEEPALIVE_INTVL,
	TS_KNOB_TCP_KEEPALIVE_PROBES,
	TS_KNOB_TCP_ABORT_ON_OVERFLOW,
	TS_KNOB_TCP_RFC1337,
	TS_KNOB_TCP_TW_REUSE,
	TS_KNOB_TCP_SYN_LINEAR_TIMEOUTS,
	TS_KNOB_TCP_INVALID_RATELIMIT,
	TS_KNOB_TCP_CHALLENGE_ACK_LIMIT,
	TS_KNOB_ISN,
	TS_KNOB_TCP_TW_REUSE_DELAY, /* ms */
	TS_KNOB_IP_LOCAL_PORT_LOW,  /* "set H ip_local_port_range LOW HIGH" */
	TS_KNOB_IP_LOCAL_PORT_HIGH, /* (set with the line above only) */
	TS_KNOB_TCP_SYNCOOKIES
} ts_knob;
#define TS_NKNOBS 19

typedef struct ts_knob_info {
	const char *name;
	int64_t def;      /* Linux 6.x default */
	int64_t min, max; /* accepted range, inclusive */
} ts_knob_info;

/* Table indexed by ts_knob. */
extern const ts_knob_info ts_knobs[TS_NKNOBS];

typedef struct ts_host_decl {
	char name[TS_NAME_MAX];
	uint32_t addr;             /* host byte order */
	int64_t knobs[TS_NKNOBS];  /* defaults filled in, then "set" lines */
	int knob_set[TS_NKNOBS];   /* 1 where a "set" line gave it */
	int nvars;                 /* variables of this host's process */
	char (*vars)[TS_NAME_MAX]; /* their names, index = variable number */
} ts_host_decl;

typedef struct ts_link_decl {
	int a, b; /* host indices, a < b */
	ts_time delay;
} ts_link_decl;

typedef struct ts_trace {
	char *filename;
	char *profile; /* "linux" */
	int nhosts;
	ts_host_decl *hosts;
	int nlinks;
	ts_link_decl *links; /* only the pairs given by "link" lines */
	int nstmts;
	ts_stmt *stmts; /* timed lines, in file order, times non-decreasing */
	char *text;     /* owned copy of the source, for error lines */
	size_t textlen;
} ts_trace;

/* A parse or run error: FILE:LINE:COL: message, with the offending line. */
typedef struct ts_error {
	char file[256];
	int line, col; /* 0 when not tied to a place */
	char msg[256];
	char source[256]; /* the offending line, "" when none */
} ts_error;

/*
 * Parse TEXT (LEN bytes) read from FILENAME. Returns a trace, or NULL with
 * *ERR filled in. Never aborts on bad input: every error is reported.
 */
ts_trace *ts_trace_parse(const char *filename, const char *text, size_t len,
			 ts_error *err);
void ts_trace_free(ts_trace *t);

/* Names, for the report and for error messages. */
const char *ts_state_name(ts_tcp_state s);
const char *ts_call_name(ts_call_id c);
const char *ts_segkind_name(ts_seg_kind k);
const char *ts_sockopt_name(ts_sockopt o);
/* Index of the link delay between hosts a and b: the declared one, or 10ms. */
ts_time ts_trace_link_delay(const ts_trace *t, int a, int b);

#endif
