/*
 * sock.h - the sockets layer: each socket call of the trace language, with
 * Linux's argument checks, blocking rules and errno results, on top of the
 * TCP endpoint (src/tcp). The engine calls ts_sock_call() for a call line,
 * and again each time a blocked call may be able to go on.
 */
#ifndef TS_SOCK_H
#define TS_SOCK_H

#include <stdint.h>

#include "engine/engine.h"

/* Run (or re-try) the call in CTX for host H's process; SK is the socket of
 * the fd argument (NULL for socket() and signal()). */
void ts_sock_call(ts_sim *sim, ts_host *h, ts_callctx *ctx, ts_sock *sk,
		  ts_result *r);
/* A close() still lingering when its process dies: the socket is orphaned
 * at once. */
void ts_sock_close_abandon(ts_sim *sim, ts_host *h, ts_callctx *ctx);
/* Process exit: every descriptor closed as close() would, no lingering;
 * CAUSE (the line that killed it, or the call that raised SIGPIPE) is
 * what the segments it sends are sent for. */
void ts_sock_exit(ts_sim *sim, ts_host *h, ts_cause cause);
/* What a poll() on SK reports (Linux tcp_poll). */
uint32_t ts_sock_poll_mask(const ts_sock *sk);
/* The state the application's socket is in: Linux hands a connection over
 * to a time-wait record, leaving the socket itself CLOSED. */
ts_tcp_state ts_sock_app_state(const ts_sock *sk);

#endif
