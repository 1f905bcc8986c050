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

/* Receives the report, in pieces of whole lines. */
typedef void (*tcpsim_write_fn)(void *ctx, const char *data, size_t len);

typedef struct tcpsim_options {
	uint64_t seed;         /* 0: the default, documented ISN series */
	int64_t max_time_us;   /* virtual-time limit of a run */
	uint64_t max_events;   /* event limit of a run */
	tcpsim_write_fn write; /* NULL: the report is discarded */
	void *write_ctx;
} tcpsim_options;

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

/* After a run: the state of the connection a host's variable names (as
 * "expect HOST VAR state" sees it); -1 for an unknown host or variable. */
int tcpsim_var_state(const tcpsim_sim *sim, const char *host, const char *var);

/* "ESTABLISHED" and so on; NULL for a value out of range. */
const char *tcpsim_state_name(int state);

void tcpsim_free(tcpsim_sim *sim);

/* Load and run in one call: the status of tcpsim_run, or TCPSIM_ERROR. */
int tcpsim_run_trace(const char *filename, const char *text, size_t len,
		     const tcpsim_options *opts, tcpsim_error *err);

#ifdef __cplusplus
}
#endif

#endif
