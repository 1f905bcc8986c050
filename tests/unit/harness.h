/*
 * harness.h - the unit-test harness shared by test_net and test_tcp.
 *
 * A test builds a simulation from a trace text (hosts, knobs and the
 * variables of each process come from the text), then drives it one step at
 * a time: a socket call (th_do), a crafted segment into a host (th_input), or
 * a move of the virtual clock (th_advance). Every segment a stack sends is
 * captured through the engine's tap, in order, with its time. With swallow
 * set, captured segments are taken off the network, so the test plays the
 * remote peer itself (smoltcp style); without it they travel between the
 * simulated hosts as in a real run.
 *
 * On top of that, chained fixtures put a connection into any state:
 *   listening() -> syn_received() -> established() -> fin_wait_1()
 *     -> fin_wait_2() -> time_wait(),  fin_wait_1() -> closing(),
 *   established() -> close_wait() -> last_ack(),
 *   syn_sent() -> established_active().
 * Each returns a th_conn: the harness, the socket under test and both
 * initial sequence numbers, so that segments are written relative to them
 * (IN(), OUT()) and compared whole (ck_send()).
 *
 * Fixture constants: host "a" 10.0.0.1 is the stack under test (its first
 * ISN is LOCAL_ISS), host "b" 10.0.0.2 the peer the test plays (REMOTE_ISS,
 * port REMOTE_PORT). Fixtures move the clock by FX_RTT between a segment
 * and its answer, so a connection they build has measured one RTT sample
 * of 20 ms: RTO = 20 ms + max(4 * 10 ms, 200 ms) = 220 ms.
 */
#ifndef TH_HARNESS_H
#define TH_HARNESS_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>

#include "base/sb.h"
#include "engine/engine.h"
#include "net/net.h"
#include "render/report.h"
#include "tcp/tcp.h"
#include "trace/trace.h"

/* ---- a whole run, its report as the library renders it ---- */

/* A simulation of TR (no limits) whose events go to the report renderer,
 * and the report to WRITE. */
ts_sim *th_sim_report(const ts_trace *tr, tcpsim_write_fn write, void *ctx);
/* The report's header, the run (its status), the report written out. */
int th_sim_run(ts_sim *sim);
void th_sim_free(ts_sim *sim);

/* ---- the harness ---- */

/* One segment a stack (or "net: inject") handed to the network. */
typedef struct th_cap {
	ts_seg seg;
	uint32_t num; /* its number in the report */
	int from, to; /* host indices */
	int injected;
	ts_time at; /* when it was sent */
} th_cap;

typedef struct th {
	char *base;       /* the trace text; call lines are parsed after it */
	int base_lines;   /* its number of lines */
	ts_trace *trace;  /* the parsed base text: the simulation's trace */
	ts_trace **extra; /* traces parsed by th_do(), kept while in use */
	int nextra, extracap;
	ts_sim *sim;
	th_cap *caps; /* every captured segment */
	int ncaps, capcap;
	int next;          /* first capture ck_send() has not taken yet */
	ts_report *report; /* the report renderer, a sink of the events */
	char *rep;         /* the report, as rendered so far */
	size_t replen, repcap;
	int echo; /* TH_VERBOSE set: the report also goes to stderr */
	struct th *next_live;
} th;

/* Build a simulation from TEXT. SWALLOW 1: captured segments are not
 * delivered (the test plays the peer); 0: they flow between the hosts.
 * The report is captured (th_report_has). */
th *th_new(const char *text, int swallow);
/* The socket a variable of HOST's process names, NULL if none. */
ts_sock *th_var_sock(const th *t, int host, const char *var);

/* Free one harness; th_teardown() frees every one still alive (a checked
 * fixture teardown, so that tests need not free). */
void th_free(th *t);
void th_teardown(void);

/* The result of a socket call. */
typedef struct th_res {
	int blocked; /* the call has not returned (yet) */
	int line;    /* its line, to find its result once it returns */
	int host;
	int64_t ret;
	ts_errno err;
	int sigpipe;
} th_res;

/* Run one timed line now, e.g. "a: write(x, 4000)" or "net: drop a>b 2".
 * The line is parsed after the base text (so it sees its hosts and
 * variables). A call line on a host whose process is blocked fails the
 * test: the process is single-threaded, as in a trace. */
th_res th_do(th *t, const char *line);
/* Run the statement of the base text on source line LINE (for lines the
 * simulation must know from the start, such as "net: replay N"). */
th_res th_line(th *t, int line);
/* The result of call R once it has returned; blocked = 1 while it waits. */
th_res th_result(th *t, th_res r);

/* Process every event up to NOW + DT. */
void th_advance(th *t, ts_time dt);
/* Process every event up to absolute time AT. */
void th_advance_to(th *t, ts_time at);
/* Run the whole base trace (ts_sim_run): its status, 0, 1 or 2. */
int th_run(th *t);

/* A segment arrives at host HOST now, straight into its TCP (not through
 * the network: it is neither numbered by the link nor captured). Blocked
 * calls of the host are re-tried afterwards, as after any event. */
void th_input_host(th *t, int host, const ts_seg *seg);
/* A segment handed to the network by host FROM, as its stack would. */
uint32_t th_net_send(th *t, int from, int to, const ts_seg *seg);

/* Captured segments not yet taken by ck_send() / th_take(). */
int th_pending(const th *t);
/* Take the next captured segment, NULL when there is none. */
const th_cap *th_take(th *t);
/* Forget every capture so far. */
void th_drop_captures(th *t);

/* Discard the report from now on (sink NULL): for long runs that do not
 * look at it. */
void th_quiet(th *t);
/* The report text so far (NUL-terminated) and searches in it. */
const char *th_report(const th *t);
int th_report_has(const th *t, const char *needle);
int th_report_count(const th *t, const char *needle);
/* The time of the first report line containing NEEDLE, -1 if none. */
ts_time th_report_time(const th *t, const char *needle);
/* The first report line containing NEEDLE, copied into BUF ("" if none). */
const char *th_report_line(const th *t, const char *needle, char *buf,
			   size_t n);

/* Segments of number NUM waiting in the event queue for delivery, with
 * their arrival times (up to MAX); returns how many there are. */
int th_queued(const th *t, uint32_t num, const ts_pkt **out, int max);

/* ---- segments ---- */

/* A segment in readable form: "SYN|ACK 10.0.0.1:80>10.0.0.2:50000 seq=1000
 * ack=5001 len=0 win=64240 mss=1460". */
char *th_seg_str(const ts_seg *s, char *buf, size_t n);
/* Compare two segments field by field (flags, addresses, ports, seq, ack,
 * len, win, and the options: mss, ts). 1 when equal; else 0 with "expected X,
 * got Y" in MSG. */
int th_seg_eq(const ts_seg *got, const ts_seg *want, char *msg, size_t n);
/* The same, except the window (see ck_send_nowin). */
int th_seg_eq_nowin(const ts_seg *got, const ts_seg *want, char *msg, size_t n);
/* An absolute segment. */
ts_seg th_seg(uint32_t saddr, uint16_t sport, uint32_t daddr, uint16_t dport,
	      uint8_t flags, uint32_t seq, uint32_t ack, uint32_t len,
	      uint16_t win);

#define TH_ADDR(a, b, c, d)                                                    \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 |      \
	 (uint32_t)(d))

/* ---- connections and fixtures ---- */

#define LOCAL_ADDR  TH_ADDR(10, 0, 0, 1)
#define REMOTE_ADDR TH_ADDR(10, 0, 0, 2)
#define LOCAL_PORT  80
#define REMOTE_PORT 50000
#define LOCAL_ISS   1000u
#define REMOTE_ISS  5000u
#define FX_RTT      TS_MS(20)
/* One timer tick (HZ = 250): a delayed ACK with no ATO yet waits this. */
#define FX_DELACK_TICK TS_MS(4)
/* The window the stack announces with an empty receive queue: the 65535
 * byte buffer rounded down to whole 1460-byte segments. */
#define WIN_OUT 64240
/* The window the test's peer announces by default. */
#define WIN_IN 65535
/* th_rel.win for a zero window (0 means "the default": WIN_IN for a
 * segment in; for one out, WIN_OUT on a SYN, else not checked). */
#define TH_WIN_ZERO (-1)
/* How th_out marks a window not to check (no real segment's scale). */
#define TH_WIN_UNCHECKED 0xA5
/* th_rel.ts */
#define TH_TS_ON  1
#define TH_TS_OFF (-1)

/* One connection of host "a" as the test sees it. */
typedef struct th_conn {
	th *t;
	int host, peer; /* a = 0, b = 1 */
	ts_sockref ref; /* the socket under test */
	uint32_t id;    /* its id: the same connection once a time-wait
			 * record, or a socket again */
	uint32_t laddr, raddr;
	uint16_t lport, rport;
	uint32_t iss; /* the socket's initial sequence number */
	uint32_t irs; /* the peer's */
	th_res call;  /* the call the fixture left blocked, if any */
} th_conn;

/* A segment relative to a connection: only the interesting fields. */
typedef struct th_rel {
	uint8_t flags;
	uint32_t seq; /* IN: from IRS; OUT: from ISS (1 = after the SYN) */
	uint32_t ack; /* IN: from ISS; OUT: from IRS; 0 without ACK */
	uint32_t len;
	int32_t win;  /* 0: WIN_IN / WIN_OUT; TH_WIN_ZERO: 0 */
	uint16_t mss; /* 0: 1460 on a SYN, none otherwise */
	int8_t ts;    /* timestamps option on a SYN: 0 the default (OUT: on a
		       * SYN without ACK, Linux offers it; IN: off), or
		       * TH_TS_ON / TH_TS_OFF */
	uint8_t abs;  /* 1: seq and ack are absolute */
	uint32_t tsval, tsecr; /* IN, with TH_TS_ON: the option's values */
} th_rel;

/* A segment from the peer to the socket, and one from the socket to the
 * peer (what ck_send expects). */
ts_seg th_in(const th_conn *c, th_rel r);
ts_seg th_out(const th_conn *c, th_rel r);
#define IN(c, ...)  th_in(&(c), (th_rel){__VA_ARGS__})
#define OUT(c, ...) th_out(&(c), (th_rel){__VA_ARGS__})

/* The peer's segment arrives at the socket's host. */
void th_input(const th_conn *c, const ts_seg *seg);
#define INPUT(c, ...)                                                          \
	do {                                                                   \
		ts_seg in_ = IN(c, __VA_ARGS__);                               \
		th_input(&(c), &in_);                                          \
	} while (0)

/* The socket under test, NULL once it is gone. */
ts_sock *th_sk(const th_conn *c);
/* Its TCP state; CLOSED once it is gone. */
ts_tcp_state th_state(const th_conn *c);

th_conn listening(void);          /* a: s listens on port 80 */
th_conn syn_received(void);       /* + peer's SYN, our SYN-ACK */
th_conn established(void);        /* + peer's ACK; a: x = accept(s) */
th_conn fin_wait_1(void);         /* + a: close(x), our FIN */
th_conn fin_wait_1_shut(void);    /* + a: shutdown(x, SHUT_WR) instead */
th_conn fin_wait_2(void);         /* fin_wait_1 + peer ACKs our FIN */
th_conn fin_wait_2_shut(void);    /* fin_wait_1_shut + the ACK */
th_conn time_wait(void);          /* fin_wait_2 + peer's FIN, our ACK */
th_conn closing(void);            /* fin_wait_1 + peer's FIN, our ACK */
th_conn close_wait(void);         /* established + peer's FIN, our ACK */
th_conn last_ack(void);           /* close_wait + a: close(x), our FIN */
th_conn syn_sent(void);           /* a: c = socket(); connect(c, b:80) */
th_conn syn_sent_nonblock(void);  /* the same, after fcntl(c, O_NONBLOCK) */
th_conn established_active(void); /* + SYN-ACK, our ACK, connect = 0 */

/* ---- assertions (whole segments, whole results) ---- */

/* The next captured segment is WANT (and was sent at AT). */
#define ck_send(t, want)                                                       \
	do {                                                                   \
		char m_[600];                                                  \
		ts_seg w_ = (want);                                            \
		const th_cap *c_ = th_take(t);                                 \
		char ws_[200];                                                 \
		th_seg_str(&w_, ws_, sizeof ws_);                              \
		ck_assert_msg(c_ != NULL, "expected %s, got nothing sent",     \
			      ws_);                                            \
		ck_assert_msg(th_seg_eq(&c_->seg, &w_, m_, sizeof m_), "%s",   \
			      m_);                                             \
	} while (0)
#define ck_send_at(t, at_, want)                                               \
	do {                                                                   \
		char m_[600];                                                  \
		ts_seg w_ = (want);                                            \
		const th_cap *c_ = th_take(t);                                 \
		char ws_[200];                                                 \
		th_seg_str(&w_, ws_, sizeof ws_);                              \
		ck_assert_msg(c_ != NULL,                                      \
			      "expected %s at %lldus, got nothing sent", ws_,  \
			      (long long)(at_));                               \
		ck_assert_msg(th_seg_eq(&c_->seg, &w_, m_, sizeof m_), "%s",   \
			      m_);                                             \
		ck_assert_msg(c_->at == (at_),                                 \
			      "expected %s at %lldus, sent at %lldus", ws_,    \
			      (long long)(at_), (long long)c_->at);            \
	} while (0)
/* Every field but the window: only for active RSTs. Linux fills their
 * window in like any segment's (__tcp_transmit_skb: tcp_select_window);
 * the engine sends 0 (reported to the lead, not asserted here). */
#define ck_send_nowin(t, want)                                                 \
	do {                                                                   \
		char m_[600];                                                  \
		ts_seg w_ = (want);                                            \
		const th_cap *c_ = th_take(t);                                 \
		char ws_[200];                                                 \
		th_seg_str(&w_, ws_, sizeof ws_);                              \
		ck_assert_msg(c_ != NULL, "expected %s, got nothing sent",     \
			      ws_);                                            \
		ck_assert_msg(th_seg_eq_nowin(&c_->seg, &w_, m_, sizeof m_),   \
			      "%s", m_);                                       \
	} while (0)
/* Nothing was sent that the test has not taken. */
#define ck_no_send(t)                                                          \
	do {                                                                   \
		const th_cap *c_ = th_take(t);                                 \
		char s_[200];                                                  \
		ck_assert_msg(c_ == NULL, "expected nothing sent, got %s",     \
			      c_ ? th_seg_str(&c_->seg, s_, sizeof s_) : "");  \
	} while (0)

/* A call returned RET (>= 0) with no error and no SIGPIPE. */
#define ck_ret(r, want)                                                        \
	do {                                                                   \
		th_res r_ = (r);                                               \
		char m_[160];                                                  \
		ck_assert_msg(!r_.blocked && r_.ret == (want) &&               \
				  r_.err == TS_OK && !r_.sigpipe,              \
			      "expected = %lld, got %s", (long long)(want),    \
			      th_res_str(&r_, m_, sizeof m_));                 \
	} while (0)
/* A call failed with ERR, raising SIGPIPE or not. */
#define ck_errno(r, want, sig)                                                 \
	do {                                                                   \
		th_res r_ = (r);                                               \
		char m_[160];                                                  \
		ck_assert_msg(!r_.blocked && r_.ret == -1 &&                   \
				  r_.err == (want) && !!r_.sigpipe == !!(sig), \
			      "expected = -1 %s%s, got %s",                    \
			      ts_errno_name(want), (sig) ? " +SIGPIPE" : "",   \
			      th_res_str(&r_, m_, sizeof m_));                 \
	} while (0)
#define ck_blocked(r)                                                          \
	do {                                                                   \
		th_res r_ = (r);                                               \
		char m_[160];                                                  \
		ck_assert_msg(r_.blocked,                                      \
			      "expected the call to block, got %s",            \
			      th_res_str(&r_, m_, sizeof m_));                 \
	} while (0)
#define ck_state(c, want)                                                      \
	do {                                                                   \
		ts_tcp_state s_ = th_state(&(c));                              \
		ck_assert_msg(s_ == (want), "expected state %s, got %s",       \
			      ts_state_name(want), ts_state_name(s_));         \
	} while (0)
#define ck_report(t, needle)                                                   \
	ck_assert_msg(th_report_has((t), (needle)),                            \
		      "expected the report to contain \"%s\"", (needle))

char *th_res_str(const th_res *r, char *buf, size_t n);

#endif
