/*
 * tcpsim.h - the public interface of libtcpsim, a deterministic simulator
 * of TCP endpoints and the sockets layer.
 *
 * A simulation is built from a trace (see doc/trace-format.md), run to its
 * end in virtual time, and then queried. The library never prints, never
 * exits the process and never reads a clock: the report goes to the write
 * function given in the options, and errors come back in a tcpsim_error.
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

/* Receives the report in order, in pieces: a line may come in several
 * (the header does), and a finished report ends with a line end. */
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

typedef struct tcpsim_sim tcpsim_sim;

/* TCP flag bits of tcpsim_segment.flags, as on the wire. */
#define TCPSIM_FIN 0x01
#define TCPSIM_SYN 0x02
#define TCPSIM_RST 0x04
#define TCPSIM_PSH 0x08
#define TCPSIM_ACK 0x10

/* A TCP segment's header as tcpsim models it (addresses in host order). */
typedef struct tcpsim_segment {
	uint32_t saddr, daddr;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint32_t len; /* payload bytes */
	uint16_t win;
	uint16_t mss;    /* MSS option (SYN segments), 0 when absent */
	uint8_t flags;   /* TCPSIM_SYN ... */
	uint8_t sack_ok; /* SYN: SACK-permitted option */
	uint8_t ts;      /* SYN: timestamps option */
} tcpsim_segment;

/* What an event is; the report's EVENT column names it (kind_name). */
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
	TCPSIM_EV_WHY     /* --why: the causes of a failed call or an RST */
} tcpsim_event_kind;

/* One event of a run. Fields that do not apply to KIND are 0 or NULL. The
 * strings live only during the callback. */
typedef struct tcpsim_event {
	tcpsim_event_kind kind;
	const char *kind_name; /* "call", "state", "send" ... */
	int64_t time_us;       /* virtual time */
	const char *host;      /* where it happened; NULL for the network */
	const char *detail;    /* the report's DETAIL column */
	int line;              /* the trace line (calls, expect, FAIL) */
	const char *socket;    /* the socket's label (variable name) */
	/* TCPSIM_EV_STATE */
	int old_state, new_state; /* tcpsim_state values */
	const char *cause;
	/* segments: SEND, INJECT, REPLAY, RECV, LOST */
	uint32_t segno; /* its number in the report */
	const tcpsim_segment *segment;
	const char *from_host, *to_host;
	int dropped, duplicated; /* SEND/INJECT: what the network did */
	int64_t delay_us;        /* SEND/INJECT: extra delay */
	uint32_t replay_of;      /* REPLAY: the number copied */
	/* CALL, BLOCK, RETURN */
	const char *call;       /* "write(c, 100)" */
	int64_t result;         /* the return value (-1 on failure) */
	const char *errno_name; /* "EPIPE", NULL on success */
	int sigpipe;            /* the call raised SIGPIPE */
	int64_t began_us;       /* RETURN: when the call began */
	/* TCPSIM_EV_RESET */
	const char *reason, *rule;
	/* TCPSIM_EV_EXPECT */
	int ok;
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
	int check; /* 1: check TCP invariants and byte integrity
		    * after every event; a violation stops the
		    * run with TCPSIM_ERROR */
	int why;   /* 1: a "why" event after each failed call
		    * and each RST, with its causal chain */
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

/* "ESTABLISHED" and so on; NULL for a value out of range. */
const char *tcpsim_state_name(int state);

void tcpsim_free(tcpsim_sim *sim);

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
 */

/* The result of a call line. */
typedef struct tcpsim_result {
	int done;               /* 0: the call blocks; it returns later */
	int line;               /* the line's number in the simulation's text */
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
/* Let US microseconds of virtual time pass. */
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
