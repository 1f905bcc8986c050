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
#include "tcpsim.h"

#define TS_NAME_MAX  32
#define TS_MAX_HOSTS 256 /* hosts a trace may declare */

/* Segment kinds of net: drop/dup/delay and expect A>B KIND (the public
 * TCPSIM_SEG_*: TCPSIM_SEG_ANY when no KIND is given). */
typedef tcpsim_seg_kind ts_seg_kind;
#define TS_NSEGKINDS 6

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

/* The calls (the public TCPSIM_CALL_*), and a call line as written
 * (tcpsim_call: see ts_calls[] for the arguments each one takes). */
typedef tcpsim_call_id ts_call_id;
typedef tcpsim_call ts_call;

/* send/recv flags, Linux values */
enum {
	TS_MSG_PEEK = 0x02, /* recv only */
	TS_MSG_DONTWAIT = 0x40,
	TS_MSG_NOSIGNAL = 0x4000,
	TS_MSG_FASTOPEN = 0x20000000 /* send, sendto: RFC 7413 */
};

/* shutdown how, Linux values */
enum { TS_SHUT_RD = 0, TS_SHUT_WR = 1, TS_SHUT_RDWR = 2 };

typedef enum ts_sockopt {
	TS_OPT_SO_LINGER,            /* a = onoff, b = seconds */
	TS_OPT_SO_KEEPALIVE,         /* a = 0|1 */
	TS_OPT_SO_REUSEADDR,         /* a = 0|1 */
	TS_OPT_TCP_KEEPIDLE,         /* a = seconds */
	TS_OPT_TCP_KEEPINTVL,        /* a = seconds */
	TS_OPT_TCP_KEEPCNT,          /* a = count */
	TS_OPT_TCP_USER_TIMEOUT,     /* a = ms */
	TS_OPT_SO_ERROR,             /* getsockopt only */
	TS_OPT_SO_SNDBUF,            /* a = bytes (Linux doubles it) */
	TS_OPT_SO_RCVBUF,            /* a = bytes (likewise) */
	TS_OPT_TCP_NODELAY,          /* a = 0|1 */
	TS_OPT_TCP_MAXSEG,           /* a = bytes */
	TS_OPT_TCP_FASTOPEN,         /* a = the queue of Fast Open children */
	TS_OPT_TCP_FASTOPEN_CONNECT, /* a = 0|1 */
	TS_OPT_TCP_SYNCNT            /* a = SYN retries */
} ts_sockopt;
#define TS_NSOCKOPTS 15

/* The values a socket option takes in setsockopt() (ts_sockopt order):
 * how many, their names in messages, their ranges. */
typedef struct ts_sockopt_values {
	int n;             /* 0: not settable (SO_ERROR) */
	const char *takes; /* "ONOFF and SECONDS", for the message */
	const char *name[2];
	int64_t min[2], max[2];
} ts_sockopt_values;
extern const ts_sockopt_values ts_sockopt_values_of[TS_NSOCKOPTS];

/* poll event bits, Linux values */
enum {
	TS_POLLIN = 0x001,
	TS_POLLOUT = 0x004,
	TS_POLLERR = 0x008,
	TS_POLLHUP = 0x010,
	TS_POLLRDHUP = 0x2000
};

typedef enum ts_net_op {
	TS_NET_DROP,   /* drop A>B [COUNT|all] [KIND] */
	TS_NET_DUP,    /* dup A>B [COUNT] [KIND] */
	TS_NET_DELAY,  /* delay A>B DUR [COUNT] [KIND] */
	TS_NET_REPLAY, /* replay N */
	TS_NET_INJECT, /* inject A>B FLAGS seq S ack K [len L] [win W] [opts] */
	TS_NET_HEAL    /* heal [A B] */
} ts_net_op;

typedef struct ts_net {
	ts_net_op op;
	int from, to;   /* host indices; heal without hosts: -1, -1 */
	int all;        /* drop ... all */
	uint32_t count; /* default 1 */
	ts_seg_kind kind;
	ts_time delay;  /* TS_NET_DELAY */
	uint32_t segno; /* TS_NET_REPLAY; drop, dup, delay "seg N" (else 0) */
	/* TS_NET_INJECT */
	int from_port, to_port; /* -1 when not given (the only connection) */
	uint8_t tcp_flags;
	uint32_t seq, ack;
	uint32_t len;
	uint32_t win; /* default 65535 (see doc) */
	int has_win;
	/* Its options: mss, sackOK, wscale, ts, sack (0 when not given). */
	uint16_t mss;
	uint8_t sack_ok, wscale_ok, wscale, ts, nsack;
	uint32_t tsval, tsecr;
	uint32_t sack[TCPSIM_MAX_SACK][2];
	uint8_t fo, fo_len; /* Fast Open: 0, TCPSIM_FO or _FO_EXP */
	uint8_t fo_cookie[TCPSIM_FO_COOKIE_MAX];
} ts_net;

typedef enum ts_host_op {
	TS_HOST_KILL,
	TS_HOST_CRASH,
	TS_HOST_REBOOT
} ts_host_op;

typedef struct ts_expect {
	tcpsim_expect_op op;    /* TCPSIM_EXPECT_WIRE, _STATE, _TERMINATED */
	int negate;             /* expect no ... */
	int from, to;           /* WIRE */
	ts_seg_kind kind;       /* WIRE; never TCPSIM_SEG_ANY */
	tcpsim_seg_match match; /* WIRE: the fields named, if any */
	int host, var;          /* STATE, TERMINATED (host only) */
	ts_tcp_state state;
	int untimed; /* written without a time: checked at the line before's */
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
	/* The statement's source text without its time or comment
	 * ("client: close(c) = 0"), for --why; lines with the same text may
	 * share it. */
	const char *text;
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
	TS_KNOB_TCP_SYNCOOKIES,
	TS_KNOB_TCP_TIMESTAMPS,
	TS_KNOB_TCP_WINDOW_SCALING,
	TS_KNOB_TCP_SACK,
	TS_KNOB_TCP_DSACK,
	TS_KNOB_TCP_RMEM_MIN,           /* "set H tcp_rmem MIN DEFAULT MAX" */
	TS_KNOB_TCP_RMEM_DEF,           /* (set with the line above only) */
	TS_KNOB_TCP_RMEM_MAX,           /* (likewise) */
	TS_KNOB_RMEM_MAX,               /* net.core.rmem_max */
	TS_KNOB_TCP_CONGESTION_CONTROL, /* a name: index in .names */
	TS_KNOB_TCP_SLOW_START_AFTER_IDLE,
	TS_KNOB_WMEM_MAX,          /* net.core.wmem_max */
	TS_KNOB_TCP_FASTOPEN,      /* TS_TFO_* bits */
	TS_KNOB_TCP_FASTOPEN_KEY,  /* "set H tcp_fastopen_key K0 K1 K2 K3" */
	TS_KNOB_TCP_FASTOPEN_KEY1, /* (set with the line above only) */
	TS_KNOB_TCP_FASTOPEN_KEY2, /* (likewise) */
	TS_KNOB_TCP_FASTOPEN_KEY3, /* (likewise) */
	TS_KNOB_TCP_FASTOPEN_BLACKHOLE_TIMEOUT_SEC,
	TS_KNOB_HZ, /* the kernel's tick rate (CONFIG_HZ), not a sysctl */
	TS_KNOB_TCP_EARLY_RETRANS,
	TS_KNOB_TCP_WMEM_MIN, /* "set H tcp_wmem MIN DEFAULT MAX" */
	TS_KNOB_TCP_WMEM_DEF, /* (set with the line above only) */
	TS_KNOB_TCP_WMEM_MAX, /* (likewise) */
	TS_KNOB_TCP_MIN_TSO_SEGS
} ts_knob;
#define TS_NKNOBS 42

/* The values of tcp_congestion_control (names.c spells them). */
enum { TS_CC_RENO, TS_CC_CUBIC };

/* The bits of tcp_fastopen (Linux include/net/tcp.h TFO_*). */
enum {
	TS_TFO_CLIENT_ENABLE = 0x1,
	TS_TFO_SERVER_ENABLE = 0x2,
	TS_TFO_CLIENT_NO_COOKIE = 0x4, /* data in SYN without a cookie */
	/* accept data in a SYN without a cookie */
	TS_TFO_SERVER_COOKIE_NOT_REQD = 0x200,
	/* every listener takes Fast Open (backlog as its queue), without
	 * the TCP_FASTOPEN option */
	TS_TFO_SERVER_WO_SOCKOPT1 = 0x400
};

typedef struct ts_knob_info {
	const char *name;
	int64_t def;      /* Linux 6.x default */
	int64_t min, max; /* accepted range, inclusive */
	int nvals; /* values a "set" line gives: the knob and the nvals - 1
		    * knobs after it, which have no name of their own */
	/* A knob set by name: its values' names, NULL-terminated, the value
	 * being the index (min 0, max the last); NULL for a number. */
	const char *const *names;
} ts_knob_info;

/* Table indexed by ts_knob. */
extern const ts_knob_info ts_knobs[TS_NKNOBS];

typedef struct ts_host_decl {
	char name[TS_NAME_MAX];
	uint32_t addr; /* host byte order */
	int nostack;   /* "host NAME ADDR nostack": no TCP, no process; what
			* reaches it is reported and goes no further */
	int64_t knobs[TS_NKNOBS]; /* defaults filled in, then "set" lines */
	int knob_set[TS_NKNOBS];  /* 1 where a "set" line gave it */
	int nvars;                /* variables of this host's process */
	char **vars; /* their names, index = variable number; a name never
		      * moves once made (events point to it) */
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
	int nreplay;        /* statements that are net: replay lines */
	int nfield_expects; /* wire expect lines that name segment fields */
	ts_stmt *stmts; /* timed lines, in file order, times non-decreasing */
	char *text;     /* owned copy of the source, for error lines */
	size_t textlen;
	/* What parsing one more line needs (ts_trace_parse_line): the name
	 * table and where names are kept. */
	struct ts_syms *syms;
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

/*
 * Parse LINE (LEN bytes, no line end), one timed line without its time
 * ("client: write(c, 100) = 100", "net: drop a>b", "expect ..."), as if
 * it came at time AT on line number LINENO after what T holds: it sees
 * T's hosts and variables, and may bind a new variable. Returns the
 * statement, its text with it, in one block the caller frees; NULL with
 * *ERR filled in. The cost does not depend on the lines before.
 */
ts_stmt *ts_trace_parse_line(ts_trace *t, const char *line, size_t len,
			     ts_time at, int lineno, ts_error *err);

/* Give host HOST a variable NAME (or find it): its number, or -1 with
 * ERR->msg filled (ERR may be NULL). For drivers that make lines
 * themselves (the benchmark). */
int ts_trace_add_var(ts_trace *t, int host, const char *name, ts_error *err);

/* Names, for the report and for error messages. */
const char *ts_state_name(ts_tcp_state s);
const char *ts_call_name(ts_call_id c);
const char *ts_segkind_name(ts_seg_kind k);
const char *ts_sockopt_name(ts_sockopt o);
/* Index of the link delay between hosts a and b: the declared one, or 10ms. */
ts_time ts_trace_link_delay(const ts_trace *t, int a, int b);

/* ---- Names of the language, each spelled here once (names.c) ---- */

/* A flag or a value and its name. */
typedef struct ts_name {
	uint32_t value;
	const char *name;
} ts_name;

/* TCP flags in the order the report writes them (SYN|FIN|RST|PSH|ACK),
 * the send/recv flags, poll's events, shutdown's how, SIGPIPE's handlers,
 * socket options (value: ts_sockopt), the signal, fcntl's command. */
extern const ts_name ts_tcp_flags[5];
extern const ts_name ts_msg_flags[4];
extern const ts_name ts_poll_bits[5];
extern const ts_name ts_shut_hows[3];
extern const ts_name ts_sig_handlers[2];
extern const ts_name ts_sockopt_names[TS_NSOCKOPTS];
extern const ts_name ts_signals[1];
extern const ts_name ts_fcntl_cmds[1];

/* The bits of V named from TABLE, joined by '|' in the table's order,
 * into SB; NONE when there is none. */
struct ts_sb;
void ts_names_bits(struct ts_sb *sb, uint32_t v, const ts_name *table, size_t n,
		   const char *none);
/* The names of TABLE's entries in MASK (bit i for entry i), joined by
 * ", ", the last two by LAST (" or "): "A, B or C". */
void ts_names_list(struct ts_sb *sb, const ts_name *table, size_t n,
		   uint32_t mask, const char *last);
/* " +SIGPIPE" after a result that raised it, when SIGPIPE. */
void ts_sigpipe_fmt(struct ts_sb *sb, int sigpipe);
/* The entries of TABLE (bit i for entry i) whose value has a bit of BITS. */
uint32_t ts_names_of_bits(const ts_name *table, size_t n, uint32_t bits);

/* ---- The calls: one table for the parser, the report, JSON, help ---- */

/* What an argument is. */
typedef enum ts_arg_kind {
	TS_ARG_FD,       /* a variable naming a socket: fd_var */
	TS_ARG_INT,      /* an integer in [min, max]: a */
	TS_ARG_HOSTPORT, /* HOST:PORT: peer_host, a */
	TS_ARG_FLAGS,    /* a '|' list of names (or 0) of TABLE: flags */
	TS_ARG_EVENTS,   /* poll's events, or 0 alone: flags */
	TS_ARG_CHOICE,   /* one name of TABLE: its value in opt, or in a
			  * when INTO_A */
	TS_ARG_SOCKOPT   /* an option and its values: opt, a, b */
} ts_arg_kind;

typedef struct ts_arg {
	ts_arg_kind kind;
	const char *name; /* in messages: "the fd argument", "after the port" */
	const char *what; /* TS_ARG_INT: its name, "PORT" */
	int64_t min, max; /* TS_ARG_INT */
	const ts_name *table; /* TS_ARG_FLAGS, _EVENTS, _CHOICE, _SOCKOPT */
	size_t ntable;
	uint32_t mask; /* FLAGS, EVENTS: the bits it takes; CHOICE, SOCKOPT:
			* the entries (bit i for entry i) */
	int into_a;    /* TS_ARG_CHOICE: the value goes to a, not opt;
			* TS_ARG_HOSTPORT: the port goes to b, not a */
} ts_arg;

/* How a call's result reads. */
typedef enum ts_result_kind {
	TS_RESULT_INT,  /* a count, 0, an fd */
	TS_RESULT_POLL, /* revents: POLLIN|POLLOUT, or 0 */
	TS_RESULT_ADDR, /* getpeername/getsockname: A.B.C.D:PORT */
	TS_RESULT_ERRNO /* getsockopt(SO_ERROR): 0, or "104 (ECONNRESET)" */
} ts_result_kind;

typedef struct ts_call_info {
	const char *name;  /* "bind" */
	const char *usage; /* "bind(fd, PORT)" */
	int nargs;
	ts_arg arg[4];
	ts_result_kind result;
	int binds; /* "VAR = call()" binds a variable (socket, accept) */
} ts_call_info;

extern const ts_call_info ts_calls[TCPSIM_NCALLS];

/* The call as the report writes it, "c = accept(s)", into SB. */
void ts_call_fmt(struct ts_sb *sb, const ts_call *c);
/* A result as the report writes it: "-1 EPIPE (Broken pipe) +SIGPIPE",
 * "POLLIN|POLLOUT", "10.0.0.2:80", "100". */
void ts_result_fmt(struct ts_sb *sb, const ts_call *c, int64_t value, int err,
		   int sigpipe, uint32_t addr, uint16_t port);
/* What the line expects, as the report writes it: "success", "100",
 * "-1 EPIPE +SIGPIPE". */
void ts_expected_fmt(struct ts_sb *sb, const ts_call *c);

#endif
