/*
 * krun.h - the state of one kernel run (run.c), and what the comparison
 * with the model (diff.c) reads of it.
 */
#ifndef TS_KRUN_H
#define TS_KRUN_H

#include "kernel/kernel.h"

#define KR_MAX_PORTS 64
#define KR_MAX_SOCKS 256
#define KR_MAX_REAP  64

/* An event observed, and its place among those of the same time. */
typedef struct kr_event {
	tcpsim_event ev;
	size_t order;
} kr_event;

/* A TCP connection seen on the wire: its two ends (the kernel's
 * addresses and ports), the kernel's initial sequence numbers and
 * timestamp offsets, and the model's. */
typedef struct kr_conn {
	uint32_t addr[2];
	uint16_t port[2];
	int host[2], gen[2];
	int have_isn[2], have_ts[2];
	uint32_t kisn[2], misn[2], tsoff[2];
	int prev, prev_side; /* the former connection of the same four
			      * numbers, -1; which of its ends is end 0 */
} kr_conn;

/* A socket of a host as sock_diag shows it (the kernel's ports). */
typedef struct kr_sock {
	uint32_t id; /* the host's socket number, from 1 */
	uint32_t laddr, raddr;
	uint16_t lport, rport;
	int state;    /* ts_tcp_state */
	uint64_t ino; /* 0 without a descriptor */
	int var;      /* the variable naming it, -1 */
	int seen;     /* in the last dump */
	int gone;     /* CLOSED and reported */
} kr_sock;

typedef struct kr_var {
	int bound;    /* a call bound it */
	int fd_open;  /* its descriptor is open */
	uint64_t ino; /* its socket's inode */
	int sock;     /* index in socks, -1 */
} kr_var;

typedef struct kr_host {
	kh_host k;
	int up;         /* not crashed */
	int alive;      /* its process runs */
	int terminated; /* its process was killed or died of SIGPIPE */
	int boot, nconn;
	int dirty; /* a packet or an answer came: read its states */
	int nports, nextport;
	uint16_t ports[KR_MAX_PORTS][2]; /* kernel port, model port */
	/* the call lines sent to its process and not answered, in order */
	int *out;
	int nout, capout;
	int blocked;     /* the first of them blocks */
	int64_t sent_at; /* when the first was sent */
	kr_var *vars;
	int nsocks;
	kr_sock socks[KR_MAX_SOCKS];
	uint32_t nextid;
} kr_host;

/* A packet on its way. */
typedef struct kr_pkt {
	int64_t due; /* CLOCK_MONOTONIC */
	int from, to;
	uint32_t num;
	int dup, replayed;
	tcpsim_segment seg; /* the model's numbers */
	size_t len;
	unsigned char *data;
} kr_pkt;

/* A segment a stack sent, for expect lines and replay. */
typedef struct kr_wire {
	int64_t at; /* relative */
	int from, to;
	uint32_t num;
	int forged;         /* injected or replayed: not a stack's */
	tcpsim_segment seg; /* the model's numbers */
	size_t len;
	unsigned char *data;
} kr_wire;

typedef struct kr_rule {
	ts_net_op op;
	int from, to, all;
	uint32_t left;
	ts_seg_kind kind;
	int64_t delay;
	int line;
} kr_rule;

typedef struct kr_run {
	const ts_trace *t;
	int64_t t0;  /* CLOCK_MONOTONIC at time 0 */
	int64_t end; /* relative: when the run ends */
	kr_host *h;
	kr_conn *conns;
	int nconns, cap_conns;
	kr_pkt *pkts;
	int npkts, cap_pkts;
	kr_wire *wire;
	size_t nwire, cap_wire;
	size_t span_base, span_mark;
	int64_t span_at;
	int span_started;
	kr_rule *rules;
	int nrules, cap_rules;
	uint32_t nextnum;
	kr_event *ev;
	size_t nev, cap_ev;
	int nchecked, nfailed;
	int oom;
	int error; /* a line could not be carried out: MSG */
	char msg[256];
	int errline;
	int64_t last_poll;
	pid_t reap[KR_MAX_REAP]; /* processes killed, to be reaped */
	int nreap;
	kh_host dead[KR_MAX_REAP]; /* crashed hosts' devices, to close */
	int ndead;
} kr_run;

int kr_parse(const unsigned char *p, size_t n, tcpsim_segment *s);
size_t kr_build(const tcpsim_segment *s, unsigned char *buf, size_t cap);
void kr_emit(kr_run *r, const tcpsim_event *ev);
void kr_map(kr_run *r, const tcpsim_segment *k, tcpsim_segment *m, int sent,
	    int64_t at);
uint16_t kr_port(kr_run *r, int h, uint16_t kport);
int kr_host_of(const kr_run *r, uint32_t addr);

/* Run trace T on the kernel into R (its events in R->ev, in time order);
 * MODEL_END: when the model's run of it ends (µs); WANT (NULL: none):
 * the state each variable ends in on the model (host by host, variable
 * by variable, -1 for any), which the run waits for a little past the
 * end. 0; -1 with R->msg when the run could not be carried out
 * (R->errline: the line, 0). */
int kr_run_trace(kr_run *r, const ts_trace *t, int64_t model_end,
		 const int *want);
void kr_free(kr_run *r);

/* Cleanup on every way out: the hosts of the run under way are killed
 * (their namespaces go with them) on SIGINT, SIGTERM, SIGHUP. */
void kr_install_signals(void);

#endif
