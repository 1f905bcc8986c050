/*
 * pkt.h - packetdrill scripts: the parsed script (parse.c) and the runner
 * that plays it against the model (run.c).
 *
 * Pipeline: script text -> ts_pkt_parse() -> a list of timed events
 * (packets in and out, system calls, commands, code blocks) ->
 * ts_pkt_run(): the model is the stack under test, on host "local"; the
 * script is the remote peer, host "remote", a host without a stack
 * ("host ... nostack"), whose segments are injected ("net: inject") and
 * to which every segment the model sends is captured and compared with
 * the script's, field by field, as packetdrill compares a live packet.
 */
#ifndef TS_PKT_H
#define TS_PKT_H

#include <stddef.h>
#include <stdint.h>

#include "tcpsim.h"

/* The runner's verdicts, also the command's exit statuses: those of a
 * trace (TCPSIM_OK, TCPSIM_FAILED, TCPSIM_ERROR), and one more for a
 * script that uses what tcpsim cannot run. */
#define TS_PKT_UNSUPPORTED 3

/* When an event happens (packetdrill's event_time_t). */
typedef enum ts_pkt_when {
	TS_PKT_ABS,       /* N */
	TS_PKT_REL,       /* +N */
	TS_PKT_ANY,       /* * (outbound packets only) */
	TS_PKT_ABS_RANGE, /* A~B */
	TS_PKT_REL_RANGE  /* +A~+B */
} ts_pkt_when;

typedef enum ts_pkt_kind {
	TS_PKT_PACKET,        /* < or > */
	TS_PKT_CALL,          /* a system call */
	TS_PKT_COMMAND,       /* `shell command` with a time */
	TS_PKT_CODE,          /* %{ python }% */
	TS_PKT_UNSUPPORTED_EV /* a construct tcpsim cannot run (why) */
} ts_pkt_kind;

/* A TCP option as the script lists it, in order. */
typedef enum ts_pkt_optkind {
	TS_PKT_OPT_NOP,
	TS_PKT_OPT_EOL,
	TS_PKT_OPT_MSS,
	TS_PKT_OPT_SACKOK,
	TS_PKT_OPT_WSCALE,
	TS_PKT_OPT_TS,
	TS_PKT_OPT_SACK,
	TS_PKT_OPT_FO,   /* FO [cookie]: kind 34 (RFC 7413) */
	TS_PKT_OPT_FOEXP /* FOEXP [cookie]: kind 254, magic 0xF989 */
} ts_pkt_optkind;

#define TS_PKT_MAX_OPTS 16

typedef struct ts_pkt_opt {
	ts_pkt_optkind kind;
	uint32_t a, b; /* mss; wscale; TS val, ecr; FO: the cookie's bytes */
	int nsack;
	uint32_t sack[TCPSIM_MAX_SACK][2];
	uint8_t cookie[TCPSIM_FO_COOKIE_MAX]; /* FO, FOEXP */
} ts_pkt_opt;

typedef struct ts_pkt_packet {
	int inbound;   /* '<': the peer sends it; '>': the model must */
	uint8_t flags; /* TCPSIM_FIN ... TCPSIM_ACK */
	uint32_t seq, len;
	int has_ack; /* "ack N" given */
	uint32_t ack;
	int32_t win;  /* -1: not given (not checked) */
	int opts_any; /* <...>: options not checked */
	int nopts;
	ts_pkt_opt opts[TS_PKT_MAX_OPTS];
} ts_pkt_packet;

/* A system call's argument, as written. */
typedef enum ts_pkt_argkind {
	TS_PKT_ARG_ELLIPSIS, /* ... */
	TS_PKT_ARG_INT,      /* 1000, -1 */
	TS_PKT_ARG_NULL,     /* NULL */
	TS_PKT_ARG_NAMES,    /* SOCK_STREAM, O_RDWR|O_NONBLOCK */
	TS_PKT_ARG_LIST,     /* [1], [21000]: one integer */
	TS_PKT_ARG_OTHER     /* a struct, a string, ...: kept as text */
} ts_pkt_argkind;

#define TS_PKT_MAX_ARGS  8
#define TS_PKT_MAX_NAMES 4

typedef struct ts_pkt_arg {
	ts_pkt_argkind kind;
	int64_t value; /* INT, LIST */
	int nnames;    /* NAMES, joined by '|' */
	char names[TS_PKT_MAX_NAMES][32];
	int col; /* where it starts, for messages */
} ts_pkt_arg;

typedef struct ts_pkt_call {
	char name[32];
	int nargs;
	ts_pkt_arg args[TS_PKT_MAX_ARGS];
	int blocking;   /* written START...END */
	int64_t end_us; /* END, seconds as written, in microseconds */
	int64_t result; /* = N */
	char err[24];   /* errno name, "" when none */
	int err_col;
} ts_pkt_call;

typedef struct ts_pkt_event {
	ts_pkt_kind kind;
	int line, col; /* where its time starts */
	ts_pkt_when when;
	int64_t t_us, t_end_us; /* as written (ranges: both ends) */
	union {
		ts_pkt_packet pkt;
		ts_pkt_call call;
	} u;
	/* COMMAND, CODE: the text; UNSUPPORTED: what is not supported */
	char *text;
} ts_pkt_event;

#define TS_PKT_MAX_DEFINES 16

/* Options packetdrill takes on its command line or in a script's option
 * lines, and the settings of a defaults.sh or a sysctl line. */
typedef struct ts_pkt_config {
	int64_t tolerance_us;      /* --tolerance_usecs, 4000 */
	int tolerance_percent_x10; /* --tolerance_percent, 12.5 -> 125 */
	int ts_tick_us; /* --tcp_ts_tick_usecs, 0: TS val unchecked */
	int mss;        /* --mss, 0: not given */
	uint32_t local_ip, remote_ip; /* --local_ip, --remote_ip */
	int bind_port, connect_port;  /* --bind_port, --connect_port: 8080 */
	/* -D NAME=VALUE (--define): symbols a script may name where a
	 * value goes (a Fast Open cookie: TFO_COOKIE) */
	int ndefines;
	char define_name[TS_PKT_MAX_DEFINES][32];
	char define_value[TS_PKT_MAX_DEFINES][64];
} ts_pkt_config;

/* A kernel setting: a knob of the model, or one the model has no use for
 * (noted), from defaults.sh or a sysctl line. */
typedef struct ts_pkt_sysctl {
	char name[48]; /* without net.ipv4. */
	char value[48];
	int line;
	int event; /* -1: the preamble's; else set when event EVENT runs */
} ts_pkt_sysctl;

typedef struct ts_pkt_script {
	char *filename;
	ts_pkt_config cfg;
	int nevents;
	ts_pkt_event *events;
	int nsysctls;
	ts_pkt_sysctl *sysctls;
	int defaults; /* a defaults.sh was named: 1 google's (common/), 2
		       * the kernel selftests' (./defaults.sh) */
	/* The first construct of the preamble tcpsim cannot run: its line,
	 * column and what it is (NULL: none). */
	char *unsupported;
	int unsup_line, unsup_col;
} ts_pkt_script;

void ts_pkt_config_init(ts_pkt_config *cfg);

/* A %{ }% block (code.c): TEXT, LEN bytes, with or without its markers,
 * evaluated against TI (NULL: its names and syntax checked only). 0 when
 * every assert holds; TS_PKT_CODE_FAILED (MSG: which assert, and the
 * value it shows) or TS_PKT_CODE_UNSUPPORTED (MSG: the construct). */
enum { TS_PKT_CODE_FAILED = 1, TS_PKT_CODE_UNSUPPORTED = 2 };
int ts_pkt_code_eval(const char *text, size_t len, const tcpsim_tcp_info *ti,
		     char *msg, size_t msglen);

/* Apply one packetdrill option, "--name=value" (or "--name value" split
 * by the caller as NAME and VALUE). 0; -1 with a message in MSG for a
 * bad value; 1 for an option tcpsim does not know (the caller decides:
 * the command rejects it, a script's option line is "unsupported"). */
int ts_pkt_config_set(ts_pkt_config *cfg, const char *name, const char *value,
		      char *msg, size_t msglen);
/* -D NAME=VALUE: 0, or -1 with a message in MSG. */
int ts_pkt_config_define(ts_pkt_config *cfg, const char *def, char *msg,
			 size_t msglen);

/* Parse TEXT (LEN bytes) read from FILENAME with the command line's
 * settings CFG. NULL with *ERR filled (FILE:LINE:COL: message). */
ts_pkt_script *ts_pkt_parse(const char *filename, const char *text, size_t len,
			    const ts_pkt_config *cfg, tcpsim_error *err);
void ts_pkt_script_free(ts_pkt_script *s);

/* Run SCRIPT against the model. OPTS: the report and events of the model
 * (write, event), as for a trace. Returns TCPSIM_OK, TCPSIM_FAILED (a
 * check failed: MSG says which, as packetdrill words it), TCPSIM_ERROR
 * (*ERR) or TS_PKT_UNSUPPORTED (MSG names the construct and its line). */
int ts_pkt_run(const ts_pkt_script *script, const tcpsim_options *opts,
	       char *msg, size_t msglen, tcpsim_error *err);

#endif
