/*
 * test_errno.c - the errno table: every socket call in every situation a
 * socket can be in, against what Linux 6.x returns.
 *
 * Pipeline: each row of the table below is one whole trace. The trace
 * starts with the prefix of its situation (a listener on server:80, the
 * socket under test "c" on the client, and the lines that put c into the
 * situation, ending with an "expect ... state" line), then holds the one call
 * of the row with its expected result written as the trace language writes
 * it. The text goes through the parser (ts_trace_parse) and the engine
 * (ts_sim_new, ts_sim_run); the row passes when the run reports no failed
 * expectation, the call returned, and SIGPIPE was raised exactly when the
 * row says "+SIGPIPE" (the trace language asserts only its presence). Then
 * the same trace with an expectation that no call here can meet must fail
 * on the call's line: every row is able to fail.
 *
 * Expected results come from the notes on Linux TCP teardown (which call
 * gets which errno, with the kernel function behind each) and from
 * observations recorded on a Linux 6.18 kernel (scenario ids sNNx, the ids
 * the traces under traces/ are named by); each group of rows names the
 * kernel function that decides them. A call that would block on Linux runs
 * on an O_NONBLOCK socket (row flag NB) or with MSG_DONTWAIT, so that every
 * row returns.
 *
 * Each situation is one TCase (named after it); its rows are a loop test.
 * The TCase "calls" holds what the table leaves out: setsockopt's ranges,
 * a read of 0 bytes, a 4-tuple or a listening port already taken, many
 * descriptors; whole traces run through the public interface (sink.h).
 */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "harness.h"
#include "sink.h"
#include "trace/trace.h"

/* ---- situations ---- */

typedef enum sit {
	SIT_CLOSED,         /* socket() only: never connected */
	SIT_BOUND,          /* bound to port 5000, nothing else */
	SIT_LISTEN,         /* bound to 5000 and listening */
	SIT_SYN_SENT,       /* non-blocking connect, every SYN dropped */
	SIT_ESTABLISHED,    /* connected to server:80 */
	SIT_CLOSE_WAIT,     /* the peer closed: its FIN arrived */
	SIT_FIN_WAIT_2,     /* own shutdown(SHUT_WR), FIN acknowledged */
	SIT_RST,            /* RST received in ESTABLISHED, error pending */
	SIT_RST_TAKEN,      /* the same after read() took the error */
	SIT_RST_CLOSE_WAIT, /* RST received in CLOSE_WAIT, error pending */
	SIT_TIMEOUT,        /* retransmissions gave up, ETIMEDOUT pending */
	SIT_TIMEOUT_TAKEN,  /* the same after read() took the error */
	SIT_TIME_WAIT,      /* socket CLOSE, its connection in TIME_WAIT */
	SIT_SHUT_RD,        /* ESTABLISHED after own shutdown(SHUT_RD) */
	SIT_CLOSED_FD       /* ESTABLISHED, then close(c): the fd is gone */
} sit;
#define NSIT 15

typedef struct situation {
	const char *name;  /* the TCase name */
	const char *knobs; /* "set" lines, or "" */
	const char *lines; /* timed lines after the common prefix */
	const char *at;    /* when the row's call runs (absolute) */
	const char *state; /* the state of c's connection then */
} situation;

/* A connection c -> server:80, accepted by the server as "a"; c is
 * ESTABLISHED at 20 ms (link delay 10 ms). */
#define CONNECTED                                                              \
	"0      client: connect(c, server:80) = 0\n"                           \
	"0      server: a = accept(s)\n"

static const situation sits[NSIT] = {
    [SIT_CLOSED] = {"closed", "", "", "0.1", "CLOSED"},
    [SIT_BOUND] = {"bound", "", "0      client: bind(c, 5000) = 0\n", "0.1",
		   "CLOSED"},
    [SIT_LISTEN] = {"listen", "",
		    "0      client: bind(c, 5000) = 0\n"
		    "0      client: listen(c, 8) = 0\n",
		    "0.1", "LISTEN"},
    [SIT_SYN_SENT] = {"syn_sent", "",
		      "0      net: drop client>server all SYN\n"
		      "0      client: fcntl(c, O_NONBLOCK) = 0\n"
		      "0      client: connect(c, server:80) = -1 EINPROGRESS\n",
		      "0.1", "SYN_SENT"},
    [SIT_ESTABLISHED] = {"established", "", CONNECTED, "0.1", "ESTABLISHED"},
    [SIT_CLOSE_WAIT] = {"close_wait", "",
			CONNECTED "0.1    server: close(a) = 0\n", "0.2",
			"CLOSE_WAIT"},
    [SIT_FIN_WAIT_2] = {"fin_wait_2", "",
			CONNECTED "0.1    client: shutdown(c, SHUT_WR) = 0\n",
			"0.2", "FIN_WAIT_2"},
    /* SO_LINGER {1, 0}: close() aborts with an RST (s04a). */
    [SIT_RST] = {"rst", "",
		 CONNECTED "0.1    server: setsockopt(a, SO_LINGER, 1, 0) = 0\n"
			   "0.1    server: close(a) = 0\n",
		 "0.2", "CLOSED"},
    [SIT_RST_TAKEN] = {"rst_taken", "",
		       CONNECTED
		       "0.1    server: setsockopt(a, SO_LINGER, 1, 0) = 0\n"
		       "0.1    server: close(a) = 0\n"
		       "0.2    client: read(c, 100) = -1 ECONNRESET\n",
		       "0.3", "CLOSED"},
    /* Writing to a peer that closed: its orphaned FIN_WAIT_2 answers the
     * data with an RST, which meets c in CLOSE_WAIT (s02a). */
    [SIT_RST_CLOSE_WAIT] = {"rst_close_wait", "",
			    CONNECTED "0.1    server: close(a) = 0\n"
				      "0.2    client: write(c, 100) = 100\n",
			    "0.3", "CLOSED"},
    /* tcp_retries2 3: a budget of 3 s of retransmissions, checked when
     * the timer fires (retransmits_timed_out; s06a): the connection gives
     * up at 3.62 s, long before the call at 20 s. */
    [SIT_TIMEOUT] = {"timeout", "set client tcp_retries2 3\n",
		     CONNECTED "0.1    net: drop client>server all\n"
			       "0.1    client: write(c, 100) = 100\n",
		     "20", "CLOSED"},
    [SIT_TIMEOUT_TAKEN] = {"timeout_taken", "set client tcp_retries2 3\n",
			   CONNECTED
			   "0.1    net: drop client>server all\n"
			   "0.1    client: write(c, 100) = 100\n"
			   "20     client: read(c, 100) = -1 ETIMEDOUT\n",
			   "20.1", "CLOSED"},
    /* Own FIN first, then the peer's: TIME_WAIT, and the socket itself is
     * CLOSE after the time-wait hand-off (s19c). */
    [SIT_TIME_WAIT] = {"time_wait", "",
		       CONNECTED "0.1    client: shutdown(c, SHUT_WR) = 0\n"
				 "0.2    server: close(a) = 0\n",
		       "0.3", "TIME_WAIT"},
    [SIT_SHUT_RD] = {"shut_rd", "",
		     CONNECTED "0.1    client: shutdown(c, SHUT_RD) = 0\n",
		     "0.2", "ESTABLISHED"},
    /* The variable keeps naming its connection (now an orphan in
     * FIN_WAIT_2), but its descriptor is closed. */
    [SIT_CLOSED_FD] = {"closed_fd", "",
		       CONNECTED "0.1    client: close(c) = 0\n", "0.2",
		       "FIN_WAIT_2"},
};

/* ---- the table ---- */

enum {
	NB = 1,     /* fcntl(c, O_NONBLOCK) just before the call */
	PREBIND = 2 /* bind(c, 40000) before connect(): the port is locked */
};

typedef struct row {
	sit sit;
	int flags;
	const char *call;
	const char *expect;
} row;

#define READ     "read(c, 100)"
#define RECV     "recv(c, 100, 0)"
#define RECV_DW  "recv(c, 100, MSG_DONTWAIT)"
#define WRITE    "write(c, 100)"
#define SEND_NS  "send(c, 100, MSG_NOSIGNAL)"
#define CONNECT  "connect(c, server:80)"
#define ACCEPT   "accept(c)"
#define LISTEN   "listen(c, 8)"
#define BIND     "bind(c, 5001)"
#define SHUT_R   "shutdown(c, SHUT_RD)"
#define SHUT_W   "shutdown(c, SHUT_WR)"
#define SHUT_RW  "shutdown(c, SHUT_RDWR)"
#define PEERNAME "getpeername(c)"
#define SOCKNAME "getsockname(c)"
#define SO_ERR   "getsockopt(c, SO_ERROR)"
#define POLL     "poll(c, POLLIN|POLLOUT|POLLRDHUP, 0)"

static const row rows[] = {
    /*
     * Never connected (CLOSE). s11a; tcp_recvmsg_locked: CLOSE without FIN
     * -> ENOTCONN, before the non-blocking check (2.4 steps 7, 8);
     * tcp_sendmsg_locked -> sk_stream_wait_connect: neither connecting
     * nor connected -> EPIPE, and sk_stream_error raises SIGPIPE unless
     * MSG_NOSIGNAL (2.5); inet_shutdown: CLOSE -> ENOTCONN (2.6);
     * inet_getname: ENOTCONN for the peer, 0.0.0.0:0 unbound (2.9);
     * inet_csk_accept: EINVAL (2.3); SO_ERROR 0; tcp_poll: CLOSE ->
     * POLLHUP, room -> POLLOUT (2.8, s11a "fresh").
     */
    {SIT_CLOSED, 0, READ, "= -1 ENOTCONN"},
    {SIT_CLOSED, NB, READ, "= -1 ENOTCONN"},
    {SIT_CLOSED, 0, RECV, "= -1 ENOTCONN"},
    {SIT_CLOSED, 0, RECV_DW, "= -1 ENOTCONN"},
    {SIT_CLOSED, 0, WRITE, "= -1 EPIPE +SIGPIPE"},
    {SIT_CLOSED, NB, WRITE, "= -1 EPIPE +SIGPIPE"},
    {SIT_CLOSED, 0, SEND_NS, "= -1 EPIPE"},
    /* __inet_stream_connect: a blocking connect waits for the handshake;
     * a non-blocking one sends the SYN and returns EINPROGRESS (s12a). */
    {SIT_CLOSED, 0, CONNECT, "= 0"},
    {SIT_CLOSED, NB, CONNECT, "= -1 EINPROGRESS"},
    {SIT_CLOSED, 0, ACCEPT, "= -1 EINVAL"},
    /* inet_listen: SS_UNCONNECTED in CLOSE; inet_csk_listen_start picks a
     * port (autobind). __inet_bind: CLOSE and no port yet. */
    {SIT_CLOSED, 0, LISTEN, "= 0"},
    {SIT_CLOSED, 0, BIND, "= 0"},
    {SIT_CLOSED, 0, SHUT_R, "= -1 ENOTCONN"},
    {SIT_CLOSED, 0, SHUT_W, "= -1 ENOTCONN"},
    {SIT_CLOSED, 0, SHUT_RW, "= -1 ENOTCONN"},
    {SIT_CLOSED, 0, PEERNAME, "= -1 ENOTCONN"},
    {SIT_CLOSED, 0, SOCKNAME, "= 0.0.0.0:0"},
    {SIT_CLOSED, 0, SO_ERR, "= 0"},
    {SIT_CLOSED, 0, POLL, "= POLLOUT|POLLHUP"},

    /*
     * Bound only: still CLOSE, so the same as never connected, except
     * __inet_bind (a port already: EINVAL) and inet_getname (the bound
     * port, wildcard address).
     */
    {SIT_BOUND, 0, READ, "= -1 ENOTCONN"},
    {SIT_BOUND, 0, RECV, "= -1 ENOTCONN"},
    {SIT_BOUND, 0, RECV_DW, "= -1 ENOTCONN"},
    {SIT_BOUND, 0, WRITE, "= -1 EPIPE +SIGPIPE"},
    {SIT_BOUND, 0, SEND_NS, "= -1 EPIPE"},
    {SIT_BOUND, 0, CONNECT, "= 0"},
    {SIT_BOUND, 0, ACCEPT, "= -1 EINVAL"},
    {SIT_BOUND, 0, LISTEN, "= 0"},
    {SIT_BOUND, 0, BIND, "= -1 EINVAL"},
    {SIT_BOUND, 0, SHUT_R, "= -1 ENOTCONN"},
    {SIT_BOUND, 0, SHUT_W, "= -1 ENOTCONN"},
    {SIT_BOUND, 0, SHUT_RW, "= -1 ENOTCONN"},
    {SIT_BOUND, 0, PEERNAME, "= -1 ENOTCONN"},
    {SIT_BOUND, 0, SOCKNAME, "= 0.0.0.0:5000"},
    {SIT_BOUND, 0, SO_ERR, "= 0"},
    {SIT_BOUND, 0, POLL, "= POLLOUT|POLLHUP"},

    /*
     * LISTEN. tcp_recvmsg_locked: LISTEN -> ENOTCONN first (2.4 step 1);
     * writes EPIPE + SIGPIPE (2.5); __inet_stream_connect: SS_UNCONNECTED
     * but not CLOSE -> EISCONN (2.2); inet_csk_accept: empty queue,
     * non-blocking -> EAGAIN (2.3); inet_listen: only the backlog changes;
     * inet_shutdown: SHUT_RD/SHUT_RDWR stop listening, SHUT_WR is a
     * no-op, all return 0 (2.6); inet_getname: no peer port -> ENOTCONN;
     * tcp_poll -> inet_csk_listen_poll: empty queue -> 0 (2.8).
     */
    {SIT_LISTEN, 0, READ, "= -1 ENOTCONN"},
    {SIT_LISTEN, 0, RECV, "= -1 ENOTCONN"},
    {SIT_LISTEN, 0, RECV_DW, "= -1 ENOTCONN"},
    {SIT_LISTEN, 0, WRITE, "= -1 EPIPE +SIGPIPE"},
    {SIT_LISTEN, 0, SEND_NS, "= -1 EPIPE"},
    {SIT_LISTEN, 0, CONNECT, "= -1 EISCONN"},
    {SIT_LISTEN, NB, ACCEPT, "= -1 EAGAIN"},
    {SIT_LISTEN, 0, LISTEN, "= 0"},
    {SIT_LISTEN, 0, BIND, "= -1 EINVAL"},
    {SIT_LISTEN, 0, SHUT_R, "= 0"},
    {SIT_LISTEN, 0, SHUT_W, "= 0"},
    {SIT_LISTEN, 0, SHUT_RW, "= 0"},
    {SIT_LISTEN, 0, PEERNAME, "= -1 ENOTCONN"},
    {SIT_LISTEN, 0, SOCKNAME, "= 0.0.0.0:5000"},
    {SIT_LISTEN, 0, SO_ERR, "= 0"},
    {SIT_LISTEN, 0, POLL, "= 0"},

    /*
     * SYN_SENT, non-blocking (s12a). tcp_recvmsg_locked: nothing to read,
     * non-blocking -> EAGAIN; sk_stream_wait_connect: connecting,
     * non-blocking -> EAGAIN; __inet_stream_connect: SS_CONNECTING ->
     * EALREADY (2.2); inet_listen: SS_CONNECTING -> EINVAL; __inet_bind:
     * not CLOSE -> EINVAL; inet_shutdown: SYN_SENT -> tcp_disconnect,
     * returns 0 for any how (2.6); inet_getname: SYN_SENT -> ENOTCONN,
     * the local name is the one connect() chose (2.9); tcp_poll: only
     * POLLERR/POLLHUP can show in SYN_SENT -> 0 (2.8, s12a).
     */
    {SIT_SYN_SENT, 0, READ, "= -1 EAGAIN"},
    {SIT_SYN_SENT, 0, RECV, "= -1 EAGAIN"},
    {SIT_SYN_SENT, 0, RECV_DW, "= -1 EAGAIN"},
    {SIT_SYN_SENT, 0, WRITE, "= -1 EAGAIN"},
    {SIT_SYN_SENT, 0, SEND_NS, "= -1 EAGAIN"},
    {SIT_SYN_SENT, 0, CONNECT, "= -1 EALREADY"},
    {SIT_SYN_SENT, 0, ACCEPT, "= -1 EINVAL"},
    {SIT_SYN_SENT, 0, LISTEN, "= -1 EINVAL"},
    {SIT_SYN_SENT, 0, BIND, "= -1 EINVAL"},
    {SIT_SYN_SENT, 0, SHUT_R, "= 0"},
    {SIT_SYN_SENT, 0, SHUT_W, "= 0"},
    {SIT_SYN_SENT, 0, SHUT_RW, "= 0"},
    {SIT_SYN_SENT, 0, PEERNAME, "= -1 ENOTCONN"},
    {SIT_SYN_SENT, 0, SOCKNAME, "= 10.0.0.1:40000"},
    {SIT_SYN_SENT, 0, SO_ERR, "= 0"},
    {SIT_SYN_SENT, 0, POLL, "= 0"},

    /*
     * ESTABLISHED, nothing received. tcp_recvmsg_locked: no data,
     * non-blocking -> EAGAIN (2.4 step 8); tcp_sendmsg_locked: room ->
     * the byte count; __inet_bind: not CLOSE -> EINVAL; inet_shutdown:
     * 0 (2.6); inet_getname: both names; tcp_poll: room -> POLLOUT (s19a
     * "established").
     *
     * In this and every later situation the socket is, or was, connected:
     * __inet_stream_connect finds SS_CONNECTED, which nothing resets when
     * the connection ends -> EISCONN (2.2; s12a); inet_csk_accept: not
     * LISTEN -> EINVAL (2.3); inet_listen: not SS_UNCONNECTED -> EINVAL.
     */
    {SIT_ESTABLISHED, NB, READ, "= -1 EAGAIN"},
    {SIT_ESTABLISHED, NB, RECV, "= -1 EAGAIN"},
    {SIT_ESTABLISHED, 0, RECV_DW, "= -1 EAGAIN"},
    {SIT_ESTABLISHED, 0, WRITE, "= 100"},
    {SIT_ESTABLISHED, 0, SEND_NS, "= 100"},
    {SIT_ESTABLISHED, 0, CONNECT, "= -1 EISCONN"},
    {SIT_ESTABLISHED, 0, ACCEPT, "= -1 EINVAL"},
    {SIT_ESTABLISHED, 0, LISTEN, "= -1 EINVAL"},
    {SIT_ESTABLISHED, 0, BIND, "= -1 EINVAL"},
    {SIT_ESTABLISHED, 0, SHUT_R, "= 0"},
    {SIT_ESTABLISHED, 0, SHUT_W, "= 0"},
    {SIT_ESTABLISHED, 0, SHUT_RW, "= 0"},
    {SIT_ESTABLISHED, 0, PEERNAME, "= 10.0.0.2:80"},
    {SIT_ESTABLISHED, 0, SOCKNAME, "= 10.0.0.1:40000"},
    {SIT_ESTABLISHED, 0, SO_ERR, "= 0"},
    {SIT_ESTABLISHED, 0, POLL, "= POLLOUT"},

    /*
     * CLOSE_WAIT. tcp_recvmsg_locked: SOCK_DONE (in-sequence FIN) -> 0
     * (2.4 step 4; s02a); tcp_sendmsg_locked: CLOSE_WAIT may send, the
     * first write succeeds (2.5; s02a); inet_shutdown: 0, SHUT_WR sends
     * our FIN (2.6; s10a); tcp_poll: RCV_SHUTDOWN -> POLLIN|POLLRDHUP,
     * room -> POLLOUT (s19a, s19c).
     */
    {SIT_CLOSE_WAIT, 0, READ, "= 0"},
    {SIT_CLOSE_WAIT, 0, RECV, "= 0"},
    {SIT_CLOSE_WAIT, 0, RECV_DW, "= 0"},
    {SIT_CLOSE_WAIT, 0, WRITE, "= 100"},
    {SIT_CLOSE_WAIT, 0, SEND_NS, "= 100"},
    {SIT_CLOSE_WAIT, 0, CONNECT, "= -1 EISCONN"},
    {SIT_CLOSE_WAIT, 0, ACCEPT, "= -1 EINVAL"},
    {SIT_CLOSE_WAIT, 0, LISTEN, "= -1 EINVAL"},
    {SIT_CLOSE_WAIT, 0, BIND, "= -1 EINVAL"},
    {SIT_CLOSE_WAIT, 0, SHUT_R, "= 0"},
    {SIT_CLOSE_WAIT, 0, SHUT_W, "= 0"},
    {SIT_CLOSE_WAIT, 0, SHUT_RW, "= 0"},
    {SIT_CLOSE_WAIT, 0, PEERNAME, "= 10.0.0.2:80"},
    {SIT_CLOSE_WAIT, 0, SOCKNAME, "= 10.0.0.1:40000"},
    {SIT_CLOSE_WAIT, 0, SO_ERR, "= 0"},
    {SIT_CLOSE_WAIT, 0, POLL, "= POLLIN|POLLOUT|POLLRDHUP"},

    /*
     * FIN_WAIT_2 after own shutdown(SHUT_WR), socket kept (s10a, s17c,
     * s19c). tcp_recvmsg_locked: the receive side is open, nothing there
     * -> EAGAIN; tcp_sendmsg_locked -> sk_stream_wait_connect: not
     * ESTABLISHED/CLOSE_WAIT, not connecting -> EPIPE + SIGPIPE (2.5;
     * s10a); inet_shutdown: repeats return 0 (s10a); tcp_poll:
     * SEND_SHUTDOWN keeps POLLOUT (s19c).
     */
    {SIT_FIN_WAIT_2, NB, READ, "= -1 EAGAIN"},
    {SIT_FIN_WAIT_2, NB, RECV, "= -1 EAGAIN"},
    {SIT_FIN_WAIT_2, 0, RECV_DW, "= -1 EAGAIN"},
    {SIT_FIN_WAIT_2, 0, WRITE, "= -1 EPIPE +SIGPIPE"},
    {SIT_FIN_WAIT_2, 0, SEND_NS, "= -1 EPIPE"},
    {SIT_FIN_WAIT_2, 0, CONNECT, "= -1 EISCONN"},
    {SIT_FIN_WAIT_2, 0, ACCEPT, "= -1 EINVAL"},
    {SIT_FIN_WAIT_2, 0, LISTEN, "= -1 EINVAL"},
    {SIT_FIN_WAIT_2, 0, BIND, "= -1 EINVAL"},
    {SIT_FIN_WAIT_2, 0, SHUT_R, "= 0"},
    {SIT_FIN_WAIT_2, 0, SHUT_W, "= 0"},
    {SIT_FIN_WAIT_2, 0, SHUT_RW, "= 0"},
    {SIT_FIN_WAIT_2, 0, PEERNAME, "= 10.0.0.2:80"},
    {SIT_FIN_WAIT_2, 0, SOCKNAME, "= 10.0.0.1:40000"},
    {SIT_FIN_WAIT_2, 0, SO_ERR, "= 0"},
    {SIT_FIN_WAIT_2, 0, POLL, "= POLLOUT"},

    /*
     * RST received in ESTABLISHED: tcp_reset sets sk_err = ECONNRESET and
     * tcp_done leaves CLOSE with SHUTDOWN_MASK (2.1). The error goes,
     * once, to the first of tcp_recvmsg_locked (s04a), the send path
     * (sk_stream_wait_connect: the error itself, no SIGPIPE; s03b) or
     * SO_ERROR (sock_error). inet_shutdown: CLOSE -> ENOTCONN (2.6);
     * inet_getname: CLOSE -> ENOTCONN (2.9), the local name stays;
     * tcp_poll: sk_err -> POLLERR, SHUTDOWN_MASK -> POLLHUP, RCV_SHUTDOWN
     * -> POLLIN|POLLRDHUP (s04a). tcp_set_state(CLOSE) gives back a port
     * that connect() chose (inet_put_port clears inet_num), so
     * __inet_bind finds CLOSE and no port and binds again; a port bound
     * by the application (SOCK_BINDPORT_LOCK) stays, and bind is EINVAL.
     */
    {SIT_RST, 0, READ, "= -1 ECONNRESET"},
    {SIT_RST, 0, RECV, "= -1 ECONNRESET"},
    {SIT_RST, 0, RECV_DW, "= -1 ECONNRESET"},
    {SIT_RST, 0, WRITE, "= -1 ECONNRESET"},
    {SIT_RST, 0, SEND_NS, "= -1 ECONNRESET"},
    {SIT_RST, 0, CONNECT, "= -1 EISCONN"},
    {SIT_RST, 0, ACCEPT, "= -1 EINVAL"},
    {SIT_RST, 0, LISTEN, "= -1 EINVAL"},
    {SIT_RST, 0, BIND, "= 0"},
    {SIT_RST, PREBIND, BIND, "= -1 EINVAL"},
    {SIT_RST, 0, SHUT_R, "= -1 ENOTCONN"},
    {SIT_RST, 0, SHUT_W, "= -1 ENOTCONN"},
    {SIT_RST, 0, SHUT_RW, "= -1 ENOTCONN"},
    {SIT_RST, 0, PEERNAME, "= -1 ENOTCONN"},
    {SIT_RST, 0, SOCKNAME, "= 10.0.0.1:40000"},
    {SIT_RST, PREBIND, SOCKNAME, "= 10.0.0.1:40000"},
    {SIT_RST, 0, SO_ERR, "= 104"}, /* ECONNRESET */
    {SIT_RST, 0, POLL, "= POLLIN|POLLOUT|POLLRDHUP|POLLERR|POLLHUP"},

    /*
     * The same once read() took the error (s04a): tcp_recvmsg_locked
     * finds RCV_SHUTDOWN -> 0 (2.4 step 6); the send path finds CLOSE ->
     * EPIPE + SIGPIPE (2.5); SO_ERROR 0; tcp_poll drops POLLERR (s04a
     * final mask).
     */
    {SIT_RST_TAKEN, 0, READ, "= 0"},
    {SIT_RST_TAKEN, 0, RECV, "= 0"},
    {SIT_RST_TAKEN, 0, RECV_DW, "= 0"},
    {SIT_RST_TAKEN, 0, WRITE, "= -1 EPIPE +SIGPIPE"},
    {SIT_RST_TAKEN, 0, SEND_NS, "= -1 EPIPE"},
    {SIT_RST_TAKEN, 0, CONNECT, "= -1 EISCONN"},
    {SIT_RST_TAKEN, 0, ACCEPT, "= -1 EINVAL"},
    {SIT_RST_TAKEN, 0, LISTEN, "= -1 EINVAL"},
    {SIT_RST_TAKEN, 0, BIND, "= 0"},
    {SIT_RST_TAKEN, PREBIND, BIND, "= -1 EINVAL"},
    {SIT_RST_TAKEN, 0, SHUT_R, "= -1 ENOTCONN"},
    {SIT_RST_TAKEN, 0, SHUT_W, "= -1 ENOTCONN"},
    {SIT_RST_TAKEN, 0, SHUT_RW, "= -1 ENOTCONN"},
    {SIT_RST_TAKEN, 0, PEERNAME, "= -1 ENOTCONN"},
    {SIT_RST_TAKEN, 0, SOCKNAME, "= 10.0.0.1:40000"},
    {SIT_RST_TAKEN, 0, SO_ERR, "= 0"},
    {SIT_RST_TAKEN, 0, POLL, "= POLLIN|POLLOUT|POLLRDHUP|POLLHUP"},

    /*
     * RST received in CLOSE_WAIT: tcp_reset sets sk_err = EPIPE (2.1;
     * s02c). tcp_recvmsg_locked: SOCK_DONE comes before the error -> 0,
     * read never reports it (2.4; s02b, s19a); the send path: EPIPE +
     * SIGPIPE at once (2.5; s02b, s02c); SO_ERROR 32 (s02c); tcp_poll:
     * POLLERR|POLLHUP added (s19a).
     */
    {SIT_RST_CLOSE_WAIT, 0, READ, "= 0"},
    {SIT_RST_CLOSE_WAIT, 0, RECV, "= 0"},
    {SIT_RST_CLOSE_WAIT, 0, RECV_DW, "= 0"},
    {SIT_RST_CLOSE_WAIT, 0, WRITE, "= -1 EPIPE +SIGPIPE"},
    {SIT_RST_CLOSE_WAIT, 0, SEND_NS, "= -1 EPIPE"},
    {SIT_RST_CLOSE_WAIT, 0, CONNECT, "= -1 EISCONN"},
    {SIT_RST_CLOSE_WAIT, 0, ACCEPT, "= -1 EINVAL"},
    {SIT_RST_CLOSE_WAIT, 0, LISTEN, "= -1 EINVAL"},
    {SIT_RST_CLOSE_WAIT, 0, BIND, "= 0"},
    {SIT_RST_CLOSE_WAIT, PREBIND, BIND, "= -1 EINVAL"},
    {SIT_RST_CLOSE_WAIT, 0, SHUT_R, "= -1 ENOTCONN"},
    {SIT_RST_CLOSE_WAIT, 0, SHUT_W, "= -1 ENOTCONN"},
    {SIT_RST_CLOSE_WAIT, 0, SHUT_RW, "= -1 ENOTCONN"},
    {SIT_RST_CLOSE_WAIT, 0, PEERNAME, "= -1 ENOTCONN"},
    {SIT_RST_CLOSE_WAIT, 0, SOCKNAME, "= 10.0.0.1:40000"},
    {SIT_RST_CLOSE_WAIT, 0, SO_ERR, "= 32"}, /* EPIPE */
    {SIT_RST_CLOSE_WAIT, 0, POLL, "= POLLIN|POLLOUT|POLLRDHUP|POLLERR|POLLHUP"},

    /*
     * Retransmissions gave up: tcp_write_timeout -> tcp_write_err sets
     * sk_err = ETIMEDOUT and tcp_done (2.1, N1). Read gets it once, then
     * 0 (s06a); the send path gets it once, without SIGPIPE, then EPIPE
     * + SIGPIPE (2.5); SO_ERROR 110; tcp_poll as after an RST (s06a).
     */
    {SIT_TIMEOUT, 0, READ, "= -1 ETIMEDOUT"},
    {SIT_TIMEOUT, 0, RECV, "= -1 ETIMEDOUT"},
    {SIT_TIMEOUT, 0, RECV_DW, "= -1 ETIMEDOUT"},
    {SIT_TIMEOUT, 0, WRITE, "= -1 ETIMEDOUT"},
    {SIT_TIMEOUT, 0, SEND_NS, "= -1 ETIMEDOUT"},
    {SIT_TIMEOUT, 0, CONNECT, "= -1 EISCONN"},
    {SIT_TIMEOUT, 0, ACCEPT, "= -1 EINVAL"},
    {SIT_TIMEOUT, 0, LISTEN, "= -1 EINVAL"},
    {SIT_TIMEOUT, 0, BIND, "= 0"},
    {SIT_TIMEOUT, PREBIND, BIND, "= -1 EINVAL"},
    {SIT_TIMEOUT, 0, SHUT_R, "= -1 ENOTCONN"},
    {SIT_TIMEOUT, 0, SHUT_W, "= -1 ENOTCONN"},
    {SIT_TIMEOUT, 0, SHUT_RW, "= -1 ENOTCONN"},
    {SIT_TIMEOUT, 0, PEERNAME, "= -1 ENOTCONN"},
    {SIT_TIMEOUT, 0, SOCKNAME, "= 10.0.0.1:40000"},
    {SIT_TIMEOUT, 0, SO_ERR, "= 110"}, /* ETIMEDOUT */
    {SIT_TIMEOUT, 0, POLL, "= POLLIN|POLLOUT|POLLRDHUP|POLLERR|POLLHUP"},

    /* The same once read() took the error (s06a). */
    {SIT_TIMEOUT_TAKEN, 0, READ, "= 0"},
    {SIT_TIMEOUT_TAKEN, 0, RECV, "= 0"},
    {SIT_TIMEOUT_TAKEN, 0, RECV_DW, "= 0"},
    {SIT_TIMEOUT_TAKEN, 0, WRITE, "= -1 EPIPE +SIGPIPE"},
    {SIT_TIMEOUT_TAKEN, 0, SEND_NS, "= -1 EPIPE"},
    {SIT_TIMEOUT_TAKEN, 0, CONNECT, "= -1 EISCONN"},
    {SIT_TIMEOUT_TAKEN, 0, ACCEPT, "= -1 EINVAL"},
    {SIT_TIMEOUT_TAKEN, 0, LISTEN, "= -1 EINVAL"},
    {SIT_TIMEOUT_TAKEN, 0, BIND, "= 0"},
    {SIT_TIMEOUT_TAKEN, 0, SHUT_R, "= -1 ENOTCONN"},
    {SIT_TIMEOUT_TAKEN, 0, SHUT_W, "= -1 ENOTCONN"},
    {SIT_TIMEOUT_TAKEN, 0, SHUT_RW, "= -1 ENOTCONN"},
    {SIT_TIMEOUT_TAKEN, 0, PEERNAME, "= -1 ENOTCONN"},
    {SIT_TIMEOUT_TAKEN, 0, SOCKNAME, "= 10.0.0.1:40000"},
    {SIT_TIMEOUT_TAKEN, 0, SO_ERR, "= 0"},
    {SIT_TIMEOUT_TAKEN, 0, POLL, "= POLLIN|POLLOUT|POLLRDHUP|POLLHUP"},

    /*
     * The time-wait hand-off: tcp_time_wait moves the connection to a
     * timewait socket and tcp_done leaves the socket itself in CLOSE with
     * SHUTDOWN_MASK and SOCK_DONE, no error (s19c). Read -> 0 (s19c); the
     * send path: CLOSE -> EPIPE + SIGPIPE (2.5); inet_shutdown: CLOSE ->
     * ENOTCONN (2.6); inet_getname: ENOTCONN (s10a); tcp_poll:
     * POLLIN|POLLOUT|POLLRDHUP|POLLHUP (s19c). A port bound by the
     * application stays with the socket (tcp_set_state), bind -> EINVAL.
     * Not in the table: bind() after the hand-off of a port connect()
     * chose, where tcp_done -> tcp_set_state(CLOSE) -> inet_put_port
     * clears inet_num and Linux binds (0) as after an RST; tcpsim keeps
     * the port until TIME_WAIT ends and answers EINVAL.
     */
    {SIT_TIME_WAIT, 0, READ, "= 0"},
    {SIT_TIME_WAIT, 0, RECV, "= 0"},
    {SIT_TIME_WAIT, 0, RECV_DW, "= 0"},
    {SIT_TIME_WAIT, 0, WRITE, "= -1 EPIPE +SIGPIPE"},
    {SIT_TIME_WAIT, 0, SEND_NS, "= -1 EPIPE"},
    {SIT_TIME_WAIT, 0, CONNECT, "= -1 EISCONN"},
    {SIT_TIME_WAIT, 0, ACCEPT, "= -1 EINVAL"},
    {SIT_TIME_WAIT, 0, LISTEN, "= -1 EINVAL"},
    {SIT_TIME_WAIT, PREBIND, BIND, "= -1 EINVAL"},
    {SIT_TIME_WAIT, 0, SHUT_R, "= -1 ENOTCONN"},
    {SIT_TIME_WAIT, 0, SHUT_W, "= -1 ENOTCONN"},
    {SIT_TIME_WAIT, 0, SHUT_RW, "= -1 ENOTCONN"},
    {SIT_TIME_WAIT, 0, PEERNAME, "= -1 ENOTCONN"},
    {SIT_TIME_WAIT, 0, SOCKNAME, "= 10.0.0.1:40000"},
    {SIT_TIME_WAIT, 0, SO_ERR, "= 0"},
    {SIT_TIME_WAIT, 0, POLL, "= POLLIN|POLLOUT|POLLRDHUP|POLLHUP"},

    /*
     * ESTABLISHED after own shutdown(SHUT_RD): RCV_SHUTDOWN only.
     * tcp_recvmsg_locked: RCV_SHUTDOWN -> 0 (2.4 step 6); sending is
     * untouched; inet_shutdown: 0 (2.6); tcp_poll: RCV_SHUTDOWN ->
     * POLLIN|POLLRDHUP, room -> POLLOUT, no POLLHUP without SEND_SHUTDOWN
     * (2.8).
     */
    {SIT_SHUT_RD, 0, READ, "= 0"},
    {SIT_SHUT_RD, 0, RECV, "= 0"},
    {SIT_SHUT_RD, 0, RECV_DW, "= 0"},
    {SIT_SHUT_RD, 0, WRITE, "= 100"},
    {SIT_SHUT_RD, 0, SEND_NS, "= 100"},
    {SIT_SHUT_RD, 0, CONNECT, "= -1 EISCONN"},
    {SIT_SHUT_RD, 0, ACCEPT, "= -1 EINVAL"},
    {SIT_SHUT_RD, 0, LISTEN, "= -1 EINVAL"},
    {SIT_SHUT_RD, 0, BIND, "= -1 EINVAL"},
    {SIT_SHUT_RD, 0, SHUT_R, "= 0"},
    {SIT_SHUT_RD, 0, SHUT_W, "= 0"},
    {SIT_SHUT_RD, 0, SHUT_RW, "= 0"},
    {SIT_SHUT_RD, 0, PEERNAME, "= 10.0.0.2:80"},
    {SIT_SHUT_RD, 0, SOCKNAME, "= 10.0.0.1:40000"},
    {SIT_SHUT_RD, 0, SO_ERR, "= 0"},
    {SIT_SHUT_RD, 0, POLL, "= POLLIN|POLLOUT|POLLRDHUP"},

    /*
     * After close(c): the descriptor is gone; every call on it fails in
     * the file layer (fdget) with EBADF before any socket code runs, and
     * write() raises no SIGPIPE. Not in the table: poll(), which on Linux
     * does not fail but reports POLLNVAL for the fd (do_pollfd), a flag
     * the trace language cannot name; tcpsim answers -1 EBADF.
     */
    {SIT_CLOSED_FD, 0, READ, "= -1 EBADF"},
    {SIT_CLOSED_FD, 0, RECV, "= -1 EBADF"},
    {SIT_CLOSED_FD, 0, RECV_DW, "= -1 EBADF"},
    {SIT_CLOSED_FD, 0, WRITE, "= -1 EBADF"},
    {SIT_CLOSED_FD, 0, SEND_NS, "= -1 EBADF"},
    {SIT_CLOSED_FD, 0, CONNECT, "= -1 EBADF"},
    {SIT_CLOSED_FD, 0, ACCEPT, "= -1 EBADF"},
    {SIT_CLOSED_FD, 0, LISTEN, "= -1 EBADF"},
    {SIT_CLOSED_FD, 0, BIND, "= -1 EBADF"},
    {SIT_CLOSED_FD, 0, SHUT_R, "= -1 EBADF"},
    {SIT_CLOSED_FD, 0, SHUT_W, "= -1 EBADF"},
    {SIT_CLOSED_FD, 0, SHUT_RW, "= -1 EBADF"},
    {SIT_CLOSED_FD, 0, PEERNAME, "= -1 EBADF"},
    {SIT_CLOSED_FD, 0, SOCKNAME, "= -1 EBADF"},
    {SIT_CLOSED_FD, 0, SO_ERR, "= -1 EBADF"},
};
#define NROWS ((int)(sizeof rows / sizeof rows[0]))

/* ---- running a row ---- */

static void text_printf(struct buf *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void text_printf(struct buf *t, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	ck_assert_msg(n >= 0 && (size_t)n < sizeof buf, "line too long");
	sink(t, buf, (size_t)n);
}

/* The most of a report a failure message shows. */
#define REPORT_MAX 24000

/* What one run of a row's trace gave. */
typedef struct outcome {
	struct buf trace;  /* the trace text */
	struct buf report; /* the whole report */
	int line;          /* the line of the row's call */
	int status;        /* ts_sim_run: 0, 1 or 2 */
	int nfailed;       /* failed expectations and lines */
	int ran;           /* the row's call returned */
	int sigpipe;       /* it raised SIGPIPE */
} outcome;

/* The row's trace, with EXPECT as its call's expectation. */
static void build(const row *r, const char *expect, outcome *o)
{
	const situation *s = &sits[r->sit];
	struct buf *t = &o->trace;
	text_printf(t, "# errno table: %s, %s%s%s\n", s->name, r->call,
		    r->flags & NB ? " (O_NONBLOCK)" : "",
		    r->flags & PREBIND ? " (bound first)" : "");
	text_printf(t,
		    "host client 10.0.0.1\n"
		    "host server 10.0.0.2\n"
		    "link client server delay 10ms\n"
		    "%s",
		    s->knobs);
	text_printf(t, "0      client: signal(SIGPIPE, SIG_IGN) = 0\n"
		       "0      server: s = socket()\n"
		       "0      server: bind(s, 80) = 0\n"
		       "0      server: listen(s, 8) = 0\n"
		       "0      client: c = socket()\n");
	if (r->flags & PREBIND)
		text_printf(t, "0      client: bind(c, 40000) = 0\n");
	text_printf(t, "%s", s->lines);
	text_printf(t, "%-6s expect client c state %s\n", s->at, s->state);
	if (r->flags & NB)
		text_printf(t, "%-6s client: fcntl(c, O_NONBLOCK) = 0\n",
			    s->at);
	o->line = 1;
	for (size_t i = 0; i < t->len; i++)
		if (t->data[i] == '\n')
			o->line++;
	text_printf(t, "%-6s client: %s %s\n", s->at, r->call, expect);
}

static void run_row(const row *r, const char *expect, outcome *o)
{
	memset(o, 0, sizeof *o);
	build(r, expect, o);
	ts_error err;
	ts_trace *tr =
	    ts_trace_parse("row.trace", o->trace.data, o->trace.len, &err);
	ck_assert_msg(tr != NULL,
		      "row.trace:%d:%d: %s\n  %s\n--- trace ---\n%s", err.line,
		      err.col, err.msg, err.source, o->trace.data);
	ts_sim *sim = th_sim_report(tr, sink, &o->report);
	sim->chk.on = 1; /* invariants after every event */
	o->status = th_sim_run(sim);
	o->nfailed = sim->exp.nfailed;
	o->ran = sim->exp.last_line == o->line;
	o->sigpipe = o->ran && sim->exp.last.sigpipe;
	th_sim_free(sim);
	ts_trace_free(tr);
	if (!o->report.data)
		sink(&o->report, "", 0);
	if (o->report.len > REPORT_MAX) {
		/* A failure message shows the report: keep it bounded. */
		static const char cut[] = "... (report cut)\n";
		memcpy(o->report.data + REPORT_MAX - sizeof cut, cut,
		       sizeof cut);
		o->report.len = REPORT_MAX - 1;
	}
}

static void outcome_free(outcome *o)
{
	free(o->trace.data);
	free(o->report.data);
}

/* An expectation no call of the table can meet. */
#define IMPOSSIBLE "= -1 ENOBUFS"

static void check_row(int i)
{
	const row *r = &rows[i];
	const char *name = sits[r->sit].name;
	int want_sig = strstr(r->expect, "+SIGPIPE") != NULL;
	outcome o;
	run_row(r, r->expect, &o);
	ck_assert_msg(
	    o.status == 0 && o.nfailed == 0 && o.ran && o.sigpipe == want_sig,
	    "row %d (%s): %s %s%s: status %d, %d failed, call %s, "
	    "SIGPIPE %s\n--- trace ---\n%s--- report ---\n%s",
	    i, name, r->call, r->expect, r->flags & NB ? " (O_NONBLOCK)" : "",
	    o.status, o.nfailed, o.ran ? "returned" : "did not return",
	    o.sigpipe ? "raised" : "not raised", o.trace.data, o.report.data);
	outcome_free(&o);

	/* The row can fail: the same call, expected to fail as it cannot,
	 * is reported as a failed expectation on its own line. */
	outcome bad;
	run_row(r, IMPOSSIBLE, &bad);
	char needle[64];
	snprintf(needle, sizeof needle, "row.trace:%d: expected ", bad.line);
	ck_assert_msg(bad.status == 1 && bad.nfailed == 1 &&
			  strstr(bad.report.data, needle) != NULL,
		      "row %d (%s): %s %s did not fail: status %d, %d "
		      "failed\n--- trace ---\n%s--- report ---\n%s",
		      i, name, r->call, IMPOSSIBLE, bad.status, bad.nfailed,
		      bad.trace.data, bad.report.data);
	outcome_free(&bad);
}

START_TEST(errno_row)
{
	check_row(_i);
}
END_TEST

/* The table is grouped by situation, in the order of the enum, and large
 * enough to be the errno table of every call in every situation. */
START_TEST(errno_table_shape)
{
	ck_assert_int_ge(NROWS, 120);
	for (int i = 1; i < NROWS; i++)
		ck_assert_msg(rows[i - 1].sit <= rows[i].sit,
			      "row %d: situations out of order", i);
	for (int s = 0; s < NSIT; s++) {
		int n = 0;
		for (int i = 0; i < NROWS; i++)
			n += rows[i].sit == (sit)s;
		ck_assert_msg(n >= 15, "situation %s has %d rows", sits[s].name,
			      n);
	}
}
END_TEST

/* ---- calls the table leaves out ---- */

/* Errnos and corner cases of single calls that neither the table nor the
 * traces reach: whole traces through the public interface (run() and the
 * report sink, sink.h), checked by their own expectations and the report. */

START_TEST(call_setsockopt_ranges)
{
	/* Linux do_tcp_setsockopt: TCP_KEEPIDLE and TCP_KEEPINTVL 1..32767,
	 * TCP_KEEPCNT 1..127, TCP_USER_TIMEOUT >= 0; SO_ERROR is read-only
	 * (sk_setsockopt: ENOPROTOOPT). */
	static const char text[] =
	    BASE "+0.1   client: setsockopt(c, TCP_KEEPIDLE, 32767) = 0\n"
		 "+0     client: setsockopt(c, TCP_KEEPIDLE, 32768) = -1 "
		 "EINVAL\n"
		 "+0     client: setsockopt(c, TCP_KEEPINTVL, 0) = -1 EINVAL\n"
		 "+0     client: setsockopt(c, TCP_KEEPINTVL, 1) = 0\n"
		 "+0     client: setsockopt(c, TCP_KEEPCNT, 127) = 0\n"
		 "+0     client: setsockopt(c, TCP_KEEPCNT, 128) = -1 EINVAL\n"
		 "+0     client: setsockopt(c, TCP_USER_TIMEOUT, 0) = 0\n"
		 "+0     client: setsockopt(c, TCP_USER_TIMEOUT, -1) = -1 "
		 "EINVAL\n";
	struct buf b = {0};
	tcpsim_error e;
	ck_assert_int_eq(run(text, &b, &e), TCPSIM_OK);
	HAS(&b, "# 14 expectations checked, 0 failed\n");
	free(b.data);
}
END_TEST

START_TEST(call_read_zero_bytes_and_large_backlog)
{
	/* Linux sock_read_iter: a read of 0 bytes returns 0 at once, data or
	 * not (recv() of 0 bytes goes on to tcp_recvmsg: the trace
	 * errno/zero-length-calls). listen() caps the backlog at somaxconn
	 * (4096) silently, and a second listen() only changes it. */
	static const char text[] = BASE "+0.1   client: read(c, 0) = 0\n"
					"+0     server: listen(s, 100000) = 0\n"
					"+0     server: listen(s, 0) = 0\n"
					"expect server s state LISTEN\n";
	struct buf b = {0};
	tcpsim_error e;
	ck_assert_int_eq(run(text, &b, &e), TCPSIM_OK);
	free(b.data);
}
END_TEST

START_TEST(call_connect_four_tuple_taken)
{
	/* Two sockets share port 5000 with SO_REUSEADDR; the second
	 * connect() to the same server port finds the 4-tuple in use:
	 * EADDRNOTAVAIL (Linux __inet_hash_connect -> __inet_check_
	 * established). */
	static const char text[] =
	    "0      server: s = socket()\n"
	    "+0     server: bind(s, 80) = 0\n"
	    "+0     server: listen(s, 8) = 0\n"
	    "+0     client: c = socket()\n"
	    "+0     client: setsockopt(c, SO_REUSEADDR, 1) = 0\n"
	    "+0     client: bind(c, 5000) = 0\n"
	    "+0     client: d = socket()\n"
	    "+0     client: setsockopt(d, SO_REUSEADDR, 1) = 0\n"
	    "+0     client: bind(d, 5000) = 0\n"
	    "+0     client: connect(c, server:80) = 0\n"
	    "+0     client: connect(d, server:80) = -1 EADDRNOTAVAIL\n"
	    "expect client d state CLOSED\n";
	struct buf b = {0};
	tcpsim_error e;
	ck_assert_int_eq(run(text, &b, &e), TCPSIM_OK);
	HAS(&b, "connect(d, server:80) = -1 EADDRNOTAVAIL (Cannot assign "
		"requested address)\n");
	free(b.data);
}
END_TEST

START_TEST(call_listen_port_already_listening)
{
	/* SO_REUSEADDR lets both bind port 80, but only one may listen
	 * (Linux inet_csk_get_port at listen: EADDRINUSE). */
	static const char text[] =
	    "0      server: s = socket()\n"
	    "+0     server: setsockopt(s, SO_REUSEADDR, 1) = 0\n"
	    "+0     server: bind(s, 80) = 0\n"
	    "+0     server: t = socket()\n"
	    "+0     server: setsockopt(t, SO_REUSEADDR, 1) = 0\n"
	    "+0     server: bind(t, 80) = 0\n"
	    "+0     server: listen(s, 8) = 0\n"
	    "+0     server: listen(t, 8) = -1 EADDRINUSE\n"
	    "expect server t state CLOSED\n";
	struct buf b = {0};
	tcpsim_error e;
	ck_assert_int_eq(run(text, &b, &e), TCPSIM_OK);
	free(b.data);
}
END_TEST

START_TEST(call_many_descriptors)
{
	/* Descriptors are the lowest free ones from 3, as on Linux, past the
	 * first table of 16, 32 and 64. */
	char text[8192] = "";
	for (int i = 0; i < 70; i++)
		addf(text, sizeof text, "0 client: s%d = socket() = %d\n", i,
		     i + 3);
	addf(text, sizeof text,
	     "0 client: close(s10) = 0\n"
	     "0 client: x = socket() = 13\n");
	struct buf b = {0};
	tcpsim_error e;
	ck_assert_int_eq(run(text, &b, &e), TCPSIM_OK);
	HAS(&b, "# 72 expectations checked, 0 failed\n");
	free(b.data);
}
END_TEST

int main(void)
{
	Suite *su = suite_create("errno");
	TCase *tc = tcase_create("table");
	tcase_add_test(tc, errno_table_shape);
	suite_add_tcase(su, tc);
	for (int s = 0, i = 0; s < NSIT; s++) {
		int first = i;
		while (i < NROWS && rows[i].sit == (sit)s)
			i++;
		tc = tcase_create(sits[s].name);
		tcase_add_loop_test(tc, errno_row, first, i);
		suite_add_tcase(su, tc);
	}

	tc = tcase_create("calls");
	tcase_add_test(tc, call_setsockopt_ranges);
	tcase_add_test(tc, call_read_zero_bytes_and_large_backlog);
	tcase_add_test(tc, call_connect_four_tuple_taken);
	tcase_add_test(tc, call_listen_port_already_listening);
	tcase_add_test(tc, call_many_descriptors);
	suite_add_tcase(su, tc);

#if CHECK_MAJOR_VERSION > 0 || CHECK_MINOR_VERSION >= 12
	/* Room for a failing row's trace and report (REPORT_MAX). */
	check_set_max_msg_size(2 * REPORT_MAX);
#endif
	SRunner *sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
