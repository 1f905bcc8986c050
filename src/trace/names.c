/*
 * names.c - the names of the trace language's enums, and the kernel knob
 * table.
 *
 * Pipeline: trace text -> parser -> ts_trace -> engine. The parser looks
 * names up here (so each name is spelt once), and the report prints them.
 */
#include "trace/trace.h"

#include <stdint.h>

/*
 * Linux 6.x defaults and the ranges the sysctl handlers accept
 * (net/ipv4/sysctl_net_ipv4.c, Documentation/networking/ip-sysctl.rst).
 * Times are in the unit Linux uses for the sysctl: seconds, except
 * tcp_invalid_ratelimit (milliseconds).
 */
const ts_knob_info ts_knobs[TS_NKNOBS] = {
    [TS_KNOB_TCP_RETRIES2] = {"tcp_retries2", 15, 0, 255},
    [TS_KNOB_TCP_SYN_RETRIES] = {"tcp_syn_retries", 6, 1, 127},
    [TS_KNOB_TCP_SYNACK_RETRIES] = {"tcp_synack_retries", 5, 0, 255},
    /* seconds; Linux caps it at INT_MAX / HZ */
    [TS_KNOB_TCP_FIN_TIMEOUT] = {"tcp_fin_timeout", 60, 0, 2147483},
    [TS_KNOB_TCP_ORPHAN_RETRIES] = {"tcp_orphan_retries", 0, 0, 255},
    [TS_KNOB_TCP_KEEPALIVE_TIME] = {"tcp_keepalive_time", 7200, 1, 32767},
    [TS_KNOB_TCP_KEEPALIVE_INTVL] = {"tcp_keepalive_intvl", 75, 1, 32767},
    [TS_KNOB_TCP_KEEPALIVE_PROBES] = {"tcp_keepalive_probes", 9, 1, 127},
    [TS_KNOB_TCP_ABORT_ON_OVERFLOW] = {"tcp_abort_on_overflow", 0, 0, 1},
    [TS_KNOB_TCP_RFC1337] = {"tcp_rfc1337", 0, 0, 1},
    [TS_KNOB_TCP_TW_REUSE] = {"tcp_tw_reuse", 2, 0, 2},
    [TS_KNOB_TCP_SYN_LINEAR_TIMEOUTS] = {"tcp_syn_linear_timeouts", 4, 0, 16},
    /* milliseconds */
    [TS_KNOB_TCP_INVALID_RATELIMIT] = {"tcp_invalid_ratelimit", 500, 0,
				       2147483647},
    [TS_KNOB_TCP_CHALLENGE_ACK_LIMIT] = {"tcp_challenge_ack_limit", 2147483647,
					 0, 2147483647},
    /* not a sysctl: -1 means "not set", the engine derives the ISN */
    [TS_KNOB_ISN] = {"isn", -1, 0, 4294967295},
    /* milliseconds */
    [TS_KNOB_TCP_TW_REUSE_DELAY] = {"tcp_tw_reuse_delay", 1000, 1, 2147483647},
    /* Two values, LOW HIGH. Default: tcpsim's deterministic stand-in for
     * Linux's 32768 60999 (doc/model.md). */
    [TS_KNOB_IP_LOCAL_PORT_LOW] = {"ip_local_port_range", 40000, 1, 65535},
    /* not settable by name: the second value of ip_local_port_range */
    [TS_KNOB_TCP_SYNCOOKIES] = {"tcp_syncookies", 1, 0, 2},
    [TS_KNOB_IP_LOCAL_PORT_HIGH] = {"ip_local_port_range.high", 60999, 1,
				    65535},
};

const char *ts_state_name(ts_tcp_state s)
{
	switch (s) {
	case TS_CLOSED:
		return "CLOSED";
	case TS_LISTEN:
		return "LISTEN";
	case TS_SYN_SENT:
		return "SYN_SENT";
	case TS_SYN_RECEIVED:
		return "SYN_RECEIVED";
	case TS_ESTABLISHED:
		return "ESTABLISHED";
	case TS_FIN_WAIT_1:
		return "FIN_WAIT_1";
	case TS_FIN_WAIT_2:
		return "FIN_WAIT_2";
	case TS_CLOSE_WAIT:
		return "CLOSE_WAIT";
	case TS_CLOSING:
		return "CLOSING";
	case TS_LAST_ACK:
		return "LAST_ACK";
	case TS_TIME_WAIT:
		return "TIME_WAIT";
	}
	return "?";
}

const char *ts_call_name(ts_call_id c)
{
	switch (c) {
	case TS_CALL_SOCKET:
		return "socket";
	case TS_CALL_BIND:
		return "bind";
	case TS_CALL_LISTEN:
		return "listen";
	case TS_CALL_CONNECT:
		return "connect";
	case TS_CALL_ACCEPT:
		return "accept";
	case TS_CALL_WRITE:
		return "write";
	case TS_CALL_SEND:
		return "send";
	case TS_CALL_READ:
		return "read";
	case TS_CALL_RECV:
		return "recv";
	case TS_CALL_SHUTDOWN:
		return "shutdown";
	case TS_CALL_CLOSE:
		return "close";
	case TS_CALL_SETSOCKOPT:
		return "setsockopt";
	case TS_CALL_GETSOCKOPT:
		return "getsockopt";
	case TS_CALL_FCNTL:
		return "fcntl";
	case TS_CALL_GETPEERNAME:
		return "getpeername";
	case TS_CALL_GETSOCKNAME:
		return "getsockname";
	case TS_CALL_POLL:
		return "poll";
	case TS_CALL_SIGNAL:
		return "signal";
	}
	return "?";
}

const char *ts_segkind_name(ts_seg_kind k)
{
	switch (k) {
	case TS_SEGKIND_ANY:
		return "ANY";
	case TS_SEGKIND_SYN:
		return "SYN";
	case TS_SEGKIND_FIN:
		return "FIN";
	case TS_SEGKIND_RST:
		return "RST";
	case TS_SEGKIND_ACK:
		return "ACK";
	case TS_SEGKIND_DATA:
		return "DATA";
	}
	return "?";
}

const char *ts_sockopt_name(ts_sockopt o)
{
	switch (o) {
	case TS_OPT_SO_LINGER:
		return "SO_LINGER";
	case TS_OPT_SO_KEEPALIVE:
		return "SO_KEEPALIVE";
	case TS_OPT_SO_REUSEADDR:
		return "SO_REUSEADDR";
	case TS_OPT_TCP_KEEPIDLE:
		return "TCP_KEEPIDLE";
	case TS_OPT_TCP_KEEPINTVL:
		return "TCP_KEEPINTVL";
	case TS_OPT_TCP_KEEPCNT:
		return "TCP_KEEPCNT";
	case TS_OPT_TCP_USER_TIMEOUT:
		return "TCP_USER_TIMEOUT";
	case TS_OPT_SO_ERROR:
		return "SO_ERROR";
	}
	return "?";
}

ts_time ts_trace_link_delay(const ts_trace *t, int a, int b)
{
	if (a > b) {
		int x = a;
		a = b;
		b = x;
	}
	for (int i = 0; t && i < t->nlinks; i++)
		if (t->links[i].a == a && t->links[i].b == b)
			return t->links[i].delay;
	return TS_MS(10);
}
