/*
 * names.c - the names of the trace language, each spelled once: states,
 * segment kinds, flags, socket options, the kernel knobs, and the table
 * of calls (their arguments, usage and result) that the parser, the
 * report, JSON and the help text all use.
 *
 * Pipeline: trace text -> parser -> ts_trace -> engine. The parser looks
 * names up here, and the renderers print them from here.
 */
#include "trace/trace.h"

#include <stdint.h>

#include "base/sb.h"

/*
 * Linux 6.x defaults and the ranges the sysctl handlers accept
 * (net/ipv4/sysctl_net_ipv4.c, Documentation/networking/ip-sysctl.rst).
 * Times are in the unit Linux uses for the sysctl: seconds, except
 * tcp_invalid_ratelimit (milliseconds).
 */
/* Linux builds reno in, and cubic is its default (CONFIG_DEFAULT_TCP_CONG);
 * the order is the values' (TS_CC_RENO, TS_CC_CUBIC). */
static const char *const cc_names[] = {"reno", "cubic", NULL};

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
    [TS_KNOB_IP_LOCAL_PORT_LOW] = {"ip_local_port_range", 40000, 1, 65535, 2},
    /* not settable by name: the second value of ip_local_port_range */
    [TS_KNOB_TCP_SYNCOOKIES] = {"tcp_syncookies", 1, 0, 2},
    [TS_KNOB_IP_LOCAL_PORT_HIGH] = {"ip_local_port_range.high", 60999, 1,
				    65535},
    /* 1: offered and answered, each connection's clock with its own
     * offset; 2: the same, without the offset (tcp_ts_off) */
    [TS_KNOB_TCP_TIMESTAMPS] = {"tcp_timestamps", 1, 0, 2},
    [TS_KNOB_TCP_WINDOW_SCALING] = {"tcp_window_scaling", 1, 0, 1},
    [TS_KNOB_TCP_SACK] = {"tcp_sack", 1, 0, 1},
    [TS_KNOB_TCP_DSACK] = {"tcp_dsack", 1, 0, 1},
    /* bytes: three values, MIN DEFAULT MAX; Linux 6.18's defaults in a
     * fresh network namespace */
    [TS_KNOB_TCP_RMEM_MIN] = {"tcp_rmem", 4096, 1, 2147483647, 3},
    [TS_KNOB_TCP_RMEM_DEF] = {"tcp_rmem.default", 131072, 1, 2147483647},
    [TS_KNOB_TCP_RMEM_MAX] = {"tcp_rmem.max", 33554432, 1, 2147483647},
    /* net.core.rmem_max: the most SO_RCVBUF may ask for */
    [TS_KNOB_RMEM_MAX] = {"rmem_max", 4194304, 1, 2147483647},
    /* net.core.wmem_max: the most SO_SNDBUF may ask for */
    [TS_KNOB_WMEM_MAX] = {"wmem_max", 4194304, 1, 2147483647},
    /* ticks a second: 250, Debian's CONFIG_HZ and the kernel the
     * observations were recorded on; 100, 300 and 1000 are the others */
    [TS_KNOB_HZ] = {"hz", 250, 100, 1000},
    /* 3 and 4 allow tail loss probes (Linux 6.18's default 3) */
    [TS_KNOB_TCP_EARLY_RETRANS] = {"tcp_early_retrans", 3, 0, 4},
    /* bytes: three values, MIN DEFAULT MAX, Linux 6.18's defaults: a
     * socket's send buffer is DEFAULT until the handshake grows it
     * (tcp_sndbuf_expand), at most MAX */
    [TS_KNOB_TCP_WMEM_MIN] = {"tcp_wmem", 4096, 1, 2147483647, 3},
    [TS_KNOB_TCP_WMEM_DEF] = {"tcp_wmem.default", 16384, 1, 2147483647},
    [TS_KNOB_TCP_WMEM_MAX] = {"tcp_wmem.max", 4194304, 1, 2147483647},
    /* the fewest segments a TSO burst is cut to (tcp_tso_autosize) */
    [TS_KNOB_TCP_MIN_TSO_SEGS] = {"tcp_min_tso_segs", 2, 1, 255},
    [TS_KNOB_TCP_CONGESTION_CONTROL] = {"tcp_congestion_control", 1, 0, 1, 1,
					cc_names},
    [TS_KNOB_TCP_SLOW_START_AFTER_IDLE] = {"tcp_slow_start_after_idle", 1, 0,
					   1},
    /* TS_TFO_* bits; 1: the client side only */
    [TS_KNOB_TCP_FASTOPEN] = {"tcp_fastopen", 1, 0, 2147483647},
    /* The key of server cookies: four 32-bit words, as Linux writes
     * them a1a1a1a1-b2b2b2b2-c3c3c3c3-d4d4d4d4 (here in decimal). Linux
     * draws a random one; tcpsim's default is all zero (doc/model.md). */
    [TS_KNOB_TCP_FASTOPEN_KEY] = {"tcp_fastopen_key", 0, 0, 4294967295, 4},
    [TS_KNOB_TCP_FASTOPEN_KEY1] = {"tcp_fastopen_key.1", 0, 0, 4294967295},
    [TS_KNOB_TCP_FASTOPEN_KEY2] = {"tcp_fastopen_key.2", 0, 0, 4294967295},
    [TS_KNOB_TCP_FASTOPEN_KEY3] = {"tcp_fastopen_key.3", 0, 0, 4294967295},
    /* seconds; 0 since Linux 5.14: no blackhole detection, which is all
     * the model has (another value is kept and changes nothing) */
    [TS_KNOB_TCP_FASTOPEN_BLACKHOLE_TIMEOUT_SEC] =
	{"tcp_fastopen_blackhole_timeout_sec", 0, 0, 2147483647},
};

/* ---- flags and words ---- */

const ts_name ts_tcp_flags[5] = {{TS_SYN, "SYN"},
				 {TS_FIN, "FIN"},
				 {TS_RST, "RST"},
				 {TS_PSH, "PSH"},
				 {TS_ACK, "ACK"}};

const ts_name ts_msg_flags[4] = {{TS_MSG_NOSIGNAL, "MSG_NOSIGNAL"},
				 {TS_MSG_DONTWAIT, "MSG_DONTWAIT"},
				 {TS_MSG_PEEK, "MSG_PEEK"},
				 {TS_MSG_FASTOPEN, "MSG_FASTOPEN"}};

const ts_name ts_poll_bits[5] = {{TS_POLLIN, "POLLIN"},
				 {TS_POLLOUT, "POLLOUT"},
				 {TS_POLLRDHUP, "POLLRDHUP"},
				 {TS_POLLERR, "POLLERR"},
				 {TS_POLLHUP, "POLLHUP"}};

/* Linux's values: SHUT_RD 0, SHUT_WR 1, SHUT_RDWR 2. */
const ts_name ts_shut_hows[3] = {{TS_SHUT_RD, "SHUT_RD"},
				 {TS_SHUT_WR, "SHUT_WR"},
				 {TS_SHUT_RDWR, "SHUT_RDWR"}};

/* 1 for SIG_IGN (ts_call.a). */
const ts_name ts_sig_handlers[2] = {{1, "SIG_IGN"}, {0, "SIG_DFL"}};

const ts_name ts_sockopt_names[TS_NSOCKOPTS] = {
    {TS_OPT_SO_LINGER, "SO_LINGER"},
    {TS_OPT_SO_KEEPALIVE, "SO_KEEPALIVE"},
    {TS_OPT_SO_REUSEADDR, "SO_REUSEADDR"},
    {TS_OPT_TCP_KEEPIDLE, "TCP_KEEPIDLE"},
    {TS_OPT_TCP_KEEPINTVL, "TCP_KEEPINTVL"},
    {TS_OPT_TCP_KEEPCNT, "TCP_KEEPCNT"},
    {TS_OPT_TCP_USER_TIMEOUT, "TCP_USER_TIMEOUT"},
    {TS_OPT_SO_ERROR, "SO_ERROR"},
    {TS_OPT_SO_SNDBUF, "SO_SNDBUF"},
    {TS_OPT_SO_RCVBUF, "SO_RCVBUF"},
    {TS_OPT_TCP_NODELAY, "TCP_NODELAY"},
    {TS_OPT_TCP_MAXSEG, "TCP_MAXSEG"},
    {TS_OPT_TCP_FASTOPEN, "TCP_FASTOPEN"},
    {TS_OPT_TCP_FASTOPEN_CONNECT, "TCP_FASTOPEN_CONNECT"},
    {TS_OPT_TCP_SYNCNT, "TCP_SYNCNT"}};

/* Linux's values (SIGPIPE 13, O_NONBLOCK 04000). */
const ts_name ts_signals[1] = {{13, "SIGPIPE"}};
const ts_name ts_fcntl_cmds[1] = {{04000, "O_NONBLOCK"}};

/* Any int for the TCP_* options: Linux answers EINVAL outside its range,
 * and a trace may assert that. */
const ts_sockopt_values ts_sockopt_values_of[TS_NSOCKOPTS] = {
    [TS_OPT_SO_LINGER] =
	{2, "ONOFF and SECONDS", {"ONOFF", "SECONDS"}, {0, 0}, {1, INT32_MAX}},
    [TS_OPT_SO_KEEPALIVE] = {1, "one value, 0 or 1", {"VALUE"}, {0}, {1}},
    [TS_OPT_SO_REUSEADDR] = {1, "one value, 0 or 1", {"VALUE"}, {0}, {1}},
    [TS_OPT_TCP_KEEPIDLE] =
	{1, "one value, SECONDS", {"SECONDS"}, {INT32_MIN}, {INT32_MAX}},
    [TS_OPT_TCP_KEEPINTVL] =
	{1, "one value, SECONDS", {"SECONDS"}, {INT32_MIN}, {INT32_MAX}},
    [TS_OPT_TCP_KEEPCNT] =
	{1, "one value, COUNT", {"COUNT"}, {INT32_MIN}, {INT32_MAX}},
    [TS_OPT_TCP_USER_TIMEOUT] =
	{1, "one value, MS", {"MS"}, {INT32_MIN}, {INT32_MAX}},
    [TS_OPT_SO_ERROR] = {0, "", {""}, {0}, {0}},
    [TS_OPT_SO_SNDBUF] =
	{1, "one value, BYTES", {"BYTES"}, {INT32_MIN}, {INT32_MAX}},
    [TS_OPT_SO_RCVBUF] =
	{1, "one value, BYTES", {"BYTES"}, {INT32_MIN}, {INT32_MAX}},
    [TS_OPT_TCP_NODELAY] = {1, "one value, 0 or 1", {"VALUE"}, {0}, {1}},
    [TS_OPT_TCP_MAXSEG] =
	{1, "one value, BYTES", {"BYTES"}, {INT32_MIN}, {INT32_MAX}},
    [TS_OPT_TCP_FASTOPEN] =
	{1, "one value, QLEN", {"QLEN"}, {INT32_MIN}, {INT32_MAX}},
    [TS_OPT_TCP_FASTOPEN_CONNECT] =
	{1, "one value, 0 or 1", {"VALUE"}, {INT32_MIN}, {INT32_MAX}},
    [TS_OPT_TCP_SYNCNT] =
	{1, "one value, COUNT", {"COUNT"}, {INT32_MIN}, {INT32_MAX}},
};

void ts_names_bits(ts_sb *sb, uint32_t v, const ts_name *table, size_t n,
		   const char *none)
{
	int any = 0;
	for (size_t i = 0; i < n; i++)
		if (v & table[i].value) {
			if (any)
				ts_sb_putc(sb, '|');
			ts_sb_puts(sb, table[i].name);
			any = 1;
		}
	if (!any)
		ts_sb_puts(sb, none);
}

void ts_names_list(ts_sb *sb, const ts_name *table, size_t n, uint32_t mask,
		   const char *last)
{
	size_t total = 0, k = 0;
	for (size_t i = 0; i < n; i++)
		total += mask >> i & 1;
	for (size_t i = 0; i < n; i++) {
		if (!(mask >> i & 1))
			continue;
		if (k)
			ts_sb_puts(sb, k + 1 == total ? last : ", ");
		ts_sb_puts(sb, table[i].name);
		k++;
	}
}

uint32_t ts_names_of_bits(const ts_name *table, size_t n, uint32_t bits)
{
	uint32_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (table[i].value & bits)
			m |= 1u << i;
	return m;
}

/* ---- the calls ---- */

#define FD                                                                     \
	{                                                                      \
		TS_ARG_FD, "fd", NULL, 0, 0, NULL, 0, 0, 0                     \
	}
#define INT(n, w, lo, hi)                                                      \
	{                                                                      \
		TS_ARG_INT, n, w, lo, hi, NULL, 0, 0, 0                        \
	}
#define NBYTES   INT("nbytes", "NBYTES", 0, INT32_MAX)
#define TABLE(t) t, sizeof t / sizeof t[0]

/* A flags argument takes the table's bits in MASK; a choice, the entries
 * whose bit (1 << index) is in MASK. */
const ts_call_info ts_calls[TCPSIM_NCALLS] = {
    [TCPSIM_CALL_SOCKET] = {"socket", "socket()", 0, {{0}}, TS_RESULT_INT, 1},
    [TCPSIM_CALL_BIND] = {"bind",
			  "bind(fd, PORT)",
			  2,
			  {FD, INT("port", "PORT", 0, 65535)},
			  TS_RESULT_INT,
			  0},
    [TCPSIM_CALL_LISTEN] = {"listen",
			    "listen(fd, BACKLOG)",
			    2,
			    {FD, INT("backlog", "BACKLOG", 0, INT32_MAX)},
			    TS_RESULT_INT,
			    0},
    [TCPSIM_CALL_CONNECT] = {"connect",
			     "connect(fd, HOST:PORT)",
			     2,
			     {FD,
			      {TS_ARG_HOSTPORT, "address", NULL, 1, 65535, NULL,
			       0, 0, 0}},
			     TS_RESULT_INT,
			     0},
    [TCPSIM_CALL_ACCEPT] = {"accept", "accept(fd)", 1, {FD}, TS_RESULT_INT, 1},
    [TCPSIM_CALL_WRITE] =
	{"write", "write(fd, NBYTES)", 2, {FD, NBYTES}, TS_RESULT_INT, 0},
    [TCPSIM_CALL_SEND] = {"send",
			  "send(fd, NBYTES, FLAGS)",
			  3,
			  {FD,
			   NBYTES,
			   {TS_ARG_FLAGS, "flags", NULL, 0, 0,
			    TABLE(ts_msg_flags),
			    TS_MSG_NOSIGNAL | TS_MSG_DONTWAIT | TS_MSG_FASTOPEN,
			    0}},
			  TS_RESULT_INT,
			  0},
    [TCPSIM_CALL_READ] =
	{"read", "read(fd, NBYTES)", 2, {FD, NBYTES}, TS_RESULT_INT, 0},
    [TCPSIM_CALL_RECV] = {"recv",
			  "recv(fd, NBYTES, FLAGS)",
			  3,
			  {FD,
			   NBYTES,
			   {TS_ARG_FLAGS, "flags", NULL, 0, 0,
			    TABLE(ts_msg_flags),
			    TS_MSG_NOSIGNAL | TS_MSG_DONTWAIT | TS_MSG_PEEK,
			    0}},
			  TS_RESULT_INT,
			  0},
    [TCPSIM_CALL_SHUTDOWN] = {"shutdown",
			      "shutdown(fd, HOW)",
			      2,
			      {FD,
			       {TS_ARG_CHOICE, "how", NULL, 0, 0,
				TABLE(ts_shut_hows), ~0u, 0}},
			      TS_RESULT_INT,
			      0},
    [TCPSIM_CALL_CLOSE] = {"close", "close(fd)", 1, {FD}, TS_RESULT_INT, 0},
    [TCPSIM_CALL_SETSOCKOPT] = {"setsockopt",
				"setsockopt(fd, OPTION, VALUE...)",
				2,
				{FD,
				 {TS_ARG_SOCKOPT, "option", NULL, 0, 0,
				  TABLE(ts_sockopt_names),
				  ~(1u << TS_OPT_SO_ERROR), 0}},
				TS_RESULT_INT,
				0},
    [TCPSIM_CALL_GETSOCKOPT] =
	{"getsockopt",
	 "getsockopt(fd, OPTION)",
	 2,
	 {FD,
	  {TS_ARG_CHOICE, "option", NULL, 0, 0, TABLE(ts_sockopt_names),
	   1u << TS_OPT_SO_ERROR | 1u << TS_OPT_SO_SNDBUF |
	       1u << TS_OPT_SO_RCVBUF | 1u << TS_OPT_TCP_NODELAY |
	       1u << TS_OPT_TCP_MAXSEG,
	   0}},
	 TS_RESULT_ERRNO,
	 0},
    [TCPSIM_CALL_FCNTL] = {"fcntl",
			   "fcntl(fd, O_NONBLOCK)",
			   2,
			   {FD,
			    {TS_ARG_CHOICE, "command", NULL, 0, 0,
			     TABLE(ts_fcntl_cmds), ~0u, 0}},
			   TS_RESULT_INT,
			   0},
    [TCPSIM_CALL_GETPEERNAME] =
	{"getpeername", "getpeername(fd)", 1, {FD}, TS_RESULT_ADDR, 0},
    [TCPSIM_CALL_GETSOCKNAME] =
	{"getsockname", "getsockname(fd)", 1, {FD}, TS_RESULT_ADDR, 0},
    [TCPSIM_CALL_POLL] = {"poll",
			  "poll(fd, EVENTS, TIMEOUT_MS)",
			  3,
			  {FD,
			   {TS_ARG_EVENTS, "events", NULL, 0, 0,
			    TABLE(ts_poll_bits),
			    TS_POLLIN | TS_POLLOUT | TS_POLLRDHUP, 0},
			   INT("timeout", "TIMEOUT_MS", -1, INT32_MAX)},
			  TS_RESULT_POLL,
			  0},
    [TCPSIM_CALL_SIGNAL] = {"signal",
			    "signal(SIGPIPE, SIG_IGN|SIG_DFL)",
			    2,
			    {{TS_ARG_CHOICE, "signal", NULL, 0, 0,
			      TABLE(ts_signals), ~0u, 0},
			     {TS_ARG_CHOICE, "handler", NULL, 0, 0,
			      TABLE(ts_sig_handlers), ~0u, 1}},
			    TS_RESULT_INT,
			    0},
    /* the port goes to b (a holds NBYTES) */
    [TCPSIM_CALL_SENDTO] =
	{"sendto",
	 "sendto(fd, NBYTES, FLAGS, HOST:PORT)",
	 4,
	 {FD,
	  NBYTES,
	  {TS_ARG_FLAGS, "flags", NULL, 0, 0, TABLE(ts_msg_flags),
	   TS_MSG_NOSIGNAL | TS_MSG_DONTWAIT | TS_MSG_FASTOPEN, 0},
	  {TS_ARG_HOSTPORT, "address", NULL, 1, 65535, NULL, 0, 0, 1}},
	 TS_RESULT_INT,
	 0},
};

static const char *name_of(const ts_name *table, size_t n, uint32_t v)
{
	for (size_t i = 0; i < n; i++)
		if (table[i].value == v)
			return table[i].name;
	return "?";
}

void ts_call_fmt(ts_sb *sb, const ts_call *c)
{
	const ts_call_info *ci = &ts_calls[c->id];
	if (c->bind_var >= 0) {
		ts_sb_puts(sb, c->bind_name ? c->bind_name : "?");
		ts_sb_putn(sb, " = ", 3);
	}
	ts_sb_puts(sb, ci->name);
	ts_sb_putc(sb, '(');
	for (int i = 0; i < ci->nargs; i++) {
		const ts_arg *a = &ci->arg[i];
		if (i)
			ts_sb_putn(sb, ", ", 2);
		switch (a->kind) {
		case TS_ARG_FD:
			ts_sb_puts(sb, c->fd_name ? c->fd_name : "?");
			break;
		case TS_ARG_INT:
			ts_sb_i64(sb, c->a);
			break;
		case TS_ARG_HOSTPORT:
			if (c->peer_host < 0) {
				ts_sb_puts(sb, "AF_UNSPEC");
				break;
			}
			ts_sb_puts(sb, c->peer_name ? c->peer_name : "?");
			ts_sb_putc(sb, ':');
			ts_sb_i64(sb, a->into_a ? c->b : c->a);
			break;
		case TS_ARG_FLAGS:
		case TS_ARG_EVENTS:
			ts_names_bits(sb, (uint32_t)c->flags, a->table,
				      a->ntable, "0");
			break;
		case TS_ARG_CHOICE:
			ts_sb_puts(sb, name_of(a->table, a->ntable,
					       a->into_a ? (uint32_t)c->a
							 : (uint32_t)c->opt));
			break;
		case TS_ARG_SOCKOPT: {
			const ts_sockopt_values *v =
			    &ts_sockopt_values_of[c->opt];
			ts_sb_puts(
			    sb, name_of(a->table, a->ntable, (uint32_t)c->opt));
			ts_sb_putn(sb, ", ", 2);
			ts_sb_i64(sb, c->a);
			if (v->n > 1) {
				ts_sb_putn(sb, ", ", 2);
				ts_sb_i64(sb, c->b);
			}
			break;
		}
		}
	}
	ts_sb_putc(sb, ')');
}

void ts_sigpipe_fmt(ts_sb *sb, int sigpipe)
{
	if (sigpipe) {
		ts_sb_putn(sb, " +", 2);
		ts_sb_puts(sb, ts_signals[0].name);
	}
}

void ts_result_fmt(ts_sb *sb, const ts_call *c, int64_t value, int err,
		   int sigpipe, uint32_t addr, uint16_t port)
{
	if (value < 0) {
		const char *name = ts_errno_name((ts_errno)err);
		const char *msg = ts_errno_msg((ts_errno)err);
		ts_sb_putn(sb, "-1 ", 3);
		ts_sb_puts(sb, name ? name : "?");
		ts_sb_putn(sb, " (", 2);
		ts_sb_puts(sb, msg ? msg : "?");
		ts_sb_putc(sb, ')');
		ts_sigpipe_fmt(sb, sigpipe);
		return;
	}
	switch (ts_calls[c->id].result) {
	case TS_RESULT_POLL:
		ts_names_bits(sb, (uint32_t)value, TABLE(ts_poll_bits), "0");
		return;
	case TS_RESULT_ADDR:
		ts_sb_ipv4_port(sb, addr, port);
		return;
	case TS_RESULT_ERRNO:
		/* getsockopt: SO_ERROR's value is an errno, the others' a
		 * number */
		if (value && c->opt == TS_OPT_SO_ERROR) {
			const char *name = ts_errno_name((ts_errno)value);
			ts_sb_i64(sb, value);
			ts_sb_putn(sb, " (", 2);
			ts_sb_puts(sb, name ? name : "?");
			ts_sb_putc(sb, ')');
		} else {
			ts_sb_i64(sb, value);
		}
		return;
	case TS_RESULT_INT:
		break;
	}
	ts_sb_i64(sb, value);
	ts_sigpipe_fmt(sb, sigpipe);
}

void ts_expected_fmt(ts_sb *sb, const ts_call *c)
{
	switch (c->expect) {
	case TCPSIM_EXPECT_NONE:
		TS_SB_LIT(sb, "success");
		return;
	case TCPSIM_EXPECT_INT:
		ts_sb_i64(sb, c->value);
		ts_sigpipe_fmt(sb, c->sigpipe);
		return;
	case TCPSIM_EXPECT_ERRNO: {
		const char *name = ts_errno_name((ts_errno)c->err);
		ts_sb_putn(sb, "-1 ", 3);
		ts_sb_puts(sb, name ? name : "?");
		ts_sigpipe_fmt(sb, c->sigpipe);
		return;
	}
	case TCPSIM_EXPECT_ADDR:
		ts_sb_ipv4_port(sb, c->addr, c->port);
		return;
	case TCPSIM_EXPECT_POLL:
		ts_names_bits(sb, (uint32_t)c->value, TABLE(ts_poll_bits), "0");
		return;
	}
}

/* ---- names of enums ---- */

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
	return (unsigned)c < TCPSIM_NCALLS ? ts_calls[c].name : "?";
}

const char *ts_segkind_name(ts_seg_kind k)
{
	switch (k) {
	case TCPSIM_SEG_ANY:
		return "ANY";
	case TCPSIM_SEG_SYN:
		return "SYN";
	case TCPSIM_SEG_FIN:
		return "FIN";
	case TCPSIM_SEG_RST:
		return "RST";
	case TCPSIM_SEG_ACK:
		return "ACK";
	case TCPSIM_SEG_DATA:
		return "DATA";
	}
	return "?";
}

const char *ts_sockopt_name(ts_sockopt o)
{
	return (unsigned)o < TS_NSOCKOPTS ? ts_sockopt_names[o].name : "?";
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
