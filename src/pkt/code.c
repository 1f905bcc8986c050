/*
 * code.c - the %{ }% blocks of packetdrill scripts, in their common form:
 * Python assert statements over the fields of TCP_INFO,
 *
 *   %{ assert tcpi_snd_cwnd == 10, tcpi_snd_cwnd }%
 *   %{ assert (tcpi_options & TCPI_OPT_SYN_DATA) == 0, tcpi_options }%
 *   %{ assert tcpi_probes == 0, tcpi_probes; \
 *      assert tcpi_backoff == 0, tcpi_backoff }%
 *
 * evaluated against the model's TCP_INFO (tcpsim_var_tcp_info). Each
 * statement is "assert EXPR[, EXPR]", statements apart by newlines or ';'
 * (a '\' joins lines); EXPR is Python's: or, and, not, comparisons (which
 * chain), |, &, +, -, *, //, %, unary -, parentheses, integers, the
 * tcpi_* fields, and the constants TCPI_OPT_*, TCP_<state> and
 * TCP_CA_<state>. Anything else (another statement, a name the model does
 * not keep) is "unsupported", named.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "pkt/pkt.h"

typedef struct ev {
	const char *s, *end;
	const tcpsim_tcp_info *ti; /* NULL: check the names only */
	char *msg;
	size_t msglen;
	int bad; /* 0, TS_PKT_CODE_FAILED or TS_PKT_CODE_UNSUPPORTED */
} ev;

/* A field of TCP_INFO the model keeps: its name and where it is. */
#define FIELD(name, member)                                                    \
	{                                                                      \
		"tcpi_" name, offsetof(tcpsim_tcp_info, member),               \
		    sizeof(((tcpsim_tcp_info *)0)->member)                     \
	}
static const struct field {
	const char *name;
	size_t off, size;
} fields[] = {
    FIELD("state", state),
    FIELD("ca_state", ca_state),
    FIELD("retransmits", retransmits),
    FIELD("probes", probes),
    FIELD("backoff", backoff),
    FIELD("options", options),
    FIELD("snd_wscale", snd_wscale),
    FIELD("rcv_wscale", rcv_wscale),
    FIELD("rto", rto_us),
    FIELD("ato", ato_us),
    FIELD("snd_mss", snd_mss),
    FIELD("rcv_mss", rcv_mss),
    FIELD("advmss", advmss),
    FIELD("unacked", unacked),
    FIELD("rtt", rtt_us),
    FIELD("rttvar", rttvar_us),
    FIELD("snd_ssthresh", snd_ssthresh),
    FIELD("snd_cwnd", snd_cwnd),
    FIELD("rcv_ssthresh", rcv_ssthresh),
    FIELD("total_retrans", total_retrans),
    FIELD("bytes_acked", bytes_acked),
    FIELD("bytes_received", bytes_received),
};

/* The constants a block may name (Linux's values, the states as the
 * model numbers them: tcpi_state is compared in that numbering). */
static const struct constant {
	const char *name;
	int64_t value;
} constants[] = {
    {"TCPI_OPT_TIMESTAMPS", TCPSIM_TCPI_OPT_TIMESTAMPS},
    {"TCPI_OPT_SACK", TCPSIM_TCPI_OPT_SACK},
    {"TCPI_OPT_WSCALE", TCPSIM_TCPI_OPT_WSCALE},
    {"TCPI_OPT_SYN_DATA", TCPSIM_TCPI_OPT_SYN_DATA},
    {"TCP_ESTABLISHED", TCPSIM_ESTABLISHED},
    {"TCP_SYN_SENT", TCPSIM_SYN_SENT},
    {"TCP_SYN_RECV", TCPSIM_SYN_RECEIVED},
    {"TCP_FIN_WAIT1", TCPSIM_FIN_WAIT_1},
    {"TCP_FIN_WAIT2", TCPSIM_FIN_WAIT_2},
    {"TCP_TIME_WAIT", TCPSIM_TIME_WAIT},
    {"TCP_CLOSE", TCPSIM_CLOSED},
    {"TCP_CLOSE_WAIT", TCPSIM_CLOSE_WAIT},
    {"TCP_LAST_ACK", TCPSIM_LAST_ACK},
    {"TCP_LISTEN", TCPSIM_LISTEN},
    {"TCP_CLOSING", TCPSIM_CLOSING},
    {"TCP_CA_Open", 0},
    {"TCP_CA_Disorder", 1},
    {"TCP_CA_CWR", 2},
    {"TCP_CA_Recovery", 3},
    {"TCP_CA_Loss", 4},
};

__attribute__((format(printf, 3, 4))) static void set_bad(ev *e, int why,
							  const char *fmt, ...)
{
	if (e->bad)
		return;
	e->bad = why;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, e->msglen, fmt, ap);
	va_end(ap);
}

static void skip_space(ev *e)
{
	while (e->s < e->end && (*e->s == ' ' || *e->s == '\t'))
		e->s++;
}

/* The next word (a name) without taking it: its length, 0 when none. */
static int word_len(const ev *e)
{
	const char *p = e->s;
	if (p >= e->end || !(isalpha((unsigned char)*p) || *p == '_'))
		return 0;
	while (p < e->end && (isalnum((unsigned char)*p) || *p == '_'))
		p++;
	return (int)(p - e->s);
}

static int take_word(ev *e, const char *w)
{
	skip_space(e);
	int n = word_len(e);
	if (n != (int)strlen(w) || memcmp(e->s, w, (size_t)n) != 0)
		return 0;
	e->s += n;
	return 1;
}

static int take(ev *e, const char *op)
{
	skip_space(e);
	size_t n = strlen(op);
	if ((size_t)(e->end - e->s) < n || memcmp(e->s, op, n) != 0)
		return 0;
	/* "<" is not "<=", "=" is not "==", "/" is not "//" */
	if (n == 1 && e->s + 1 < e->end &&
	    ((strchr("<>!=", *op) && e->s[1] == '=') ||
	     (*op == '/' && e->s[1] == '/') || (*op == '*' && e->s[1] == '*')))
		return 0;
	e->s += n;
	return 1;
}

static int64_t or_expr(ev *e);

static int64_t primary(ev *e)
{
	skip_space(e);
	if (take(e, "(")) {
		int64_t v = or_expr(e);
		if (!take(e, ")"))
			set_bad(e, TS_PKT_CODE_UNSUPPORTED,
				"a Python expression tcpsim cannot read (%.*s)",
				(int)(e->end - e->s > 30 ? 30 : e->end - e->s),
				e->s);
		return v;
	}
	if (e->s < e->end && isdigit((unsigned char)*e->s)) {
		int64_t v = 0;
		int base = 10;
		if (e->end - e->s > 2 && e->s[0] == '0' &&
		    (e->s[1] == 'x' || e->s[1] == 'X')) {
			base = 16;
			e->s += 2;
		}
		while (e->s < e->end && isxdigit((unsigned char)*e->s) &&
		       (base == 16 || isdigit((unsigned char)*e->s))) {
			int d =
			    isdigit((unsigned char)*e->s)
				? *e->s - '0'
				: (tolower((unsigned char)*e->s) - 'a' + 10);
			v = v * base + d;
			e->s++;
		}
		return v;
	}
	int n = word_len(e);
	if (n) {
		const char *w = e->s;
		e->s += n;
		for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
			if ((int)strlen(fields[i].name) == n &&
			    !memcmp(fields[i].name, w, (size_t)n)) {
				if (!e->ti)
					return 0;
				const char *p =
				    (const char *)e->ti + fields[i].off;
				if (fields[i].size == 8) {
					uint64_t u;
					memcpy(&u, p, 8);
					return (int64_t)u;
				}
				uint32_t u;
				memcpy(&u, p, 4);
				/* the int fields are small and never negative
				 */
				return (int64_t)u;
			}
		for (size_t i = 0; i < sizeof constants / sizeof constants[0];
		     i++)
			if ((int)strlen(constants[i].name) == n &&
			    !memcmp(constants[i].name, w, (size_t)n))
				return constants[i].value;
		set_bad(e, TS_PKT_CODE_UNSUPPORTED,
			"a Python %%{ }%% block naming %.*s (unknown to "
			"tcpsim)",
			n, w);
		return 0;
	}
	set_bad(e, TS_PKT_CODE_UNSUPPORTED,
		"a Python expression tcpsim cannot read (%.*s)",
		(int)(e->end - e->s > 30 ? 30 : e->end - e->s), e->s);
	e->s = e->end;
	return 0;
}

static int64_t unary(ev *e)
{
	if (take(e, "-"))
		return -unary(e);
	if (take(e, "+"))
		return unary(e);
	if (take(e, "~"))
		return ~unary(e);
	return primary(e);
}

static int64_t mul(ev *e)
{
	int64_t v = unary(e);
	for (;;) {
		if (take(e, "*")) {
			v *= unary(e);
		} else if (take(e, "//") || take(e, "%")) {
			int div = e->s[-1] == '/';
			int64_t d = unary(e);
			if (!d) {
				set_bad(e, TS_PKT_CODE_UNSUPPORTED,
					"a Python expression dividing by "
					"zero");
				return 0;
			}
			/* Python floors */
			int64_t q = v / d, m = v % d;
			if (m && ((m < 0) != (d < 0))) {
				q--;
				m += d;
			}
			v = div ? q : m;
		} else {
			return v;
		}
	}
}

static int64_t add(ev *e)
{
	int64_t v = mul(e);
	for (;;) {
		if (take(e, "+"))
			v += mul(e);
		else if (take(e, "-"))
			v -= mul(e);
		else
			return v;
	}
}

static int64_t bit_and(ev *e)
{
	int64_t v = add(e);
	while (take(e, "&"))
		v &= add(e);
	return v;
}

static int64_t bit_or(ev *e)
{
	int64_t v = bit_and(e);
	while (take(e, "|"))
		v |= bit_and(e);
	return v;
}

/* Python's comparisons chain: a < b < c is a < b and b < c. */
static int64_t compare(ev *e)
{
	int64_t left = bit_or(e), result = 1;
	int any = 0;
	for (;;) {
		int op;
		if (take(e, "=="))
			op = 0;
		else if (take(e, "!="))
			op = 1;
		else if (take(e, "<="))
			op = 2;
		else if (take(e, ">="))
			op = 3;
		else if (take(e, "<"))
			op = 4;
		else if (take(e, ">"))
			op = 5;
		else
			return any ? result : left;
		int64_t right = bit_or(e);
		int ok = op == 0   ? left == right
			 : op == 1 ? left != right
			 : op == 2 ? left <= right
			 : op == 3 ? left >= right
			 : op == 4 ? left < right
				   : left > right;
		result = result && ok;
		left = right;
		any = 1;
	}
}

static int64_t not_expr(ev *e)
{
	if (take_word(e, "not"))
		return !not_expr(e);
	return compare(e);
}

static int64_t and_expr(ev *e)
{
	int64_t v = not_expr(e);
	while (take_word(e, "and")) {
		int64_t w = not_expr(e);
		v = v ? w : v;
	}
	return v;
}

static int64_t or_expr(ev *e)
{
	int64_t v = and_expr(e);
	while (take_word(e, "or")) {
		int64_t w = and_expr(e);
		v = v ? v : w;
	}
	return v;
}

/* One statement, [S, END): "assert EXPR[, EXPR]". */
static void statement(ev *e, const char *s, const char *end)
{
	e->s = s;
	e->end = end;
	skip_space(e);
	if (e->s == e->end)
		return;
	if (!take_word(e, "assert")) {
		int n = word_len(e);
		set_bad(e, TS_PKT_CODE_UNSUPPORTED,
			"a Python %%{ }%% block with a statement other than "
			"assert (%.*s)",
			n ? n : 1, e->s);
		return;
	}
	const char *cond = e->s;
	int64_t v = or_expr(e);
	const char *cond_end = e->s;
	int64_t shown = 0;
	const char *what = NULL;
	int what_len = 0;
	if (take(e, ",")) {
		skip_space(e);
		what = e->s;
		shown = or_expr(e);
		what_len = (int)(e->s - what);
	}
	skip_space(e);
	if (e->s != e->end && !e->bad)
		set_bad(e, TS_PKT_CODE_UNSUPPORTED,
			"a Python expression tcpsim cannot read (%.*s)",
			(int)(e->end - e->s > 30 ? 30 : e->end - e->s), e->s);
	if (e->bad || !e->ti || v)
		return;
	while (cond_end > cond && cond_end[-1] == ' ')
		cond_end--;
	while (cond < cond_end && *cond == ' ')
		cond++;
	while (what_len > 0 && what[what_len - 1] == ' ')
		what_len--;
	e->bad = TS_PKT_CODE_FAILED;
	if (what)
		snprintf(e->msg, e->msglen,
			 "assertion failed: %.*s (%.*s is %lld)",
			 (int)(cond_end - cond), cond, what_len, what,
			 (long long)shown);
	else
		snprintf(e->msg, e->msglen, "assertion failed: %.*s",
			 (int)(cond_end - cond), cond);
}

int ts_pkt_code_eval(const char *text, size_t len, const tcpsim_tcp_info *ti,
		     char *msg, size_t msglen)
{
	ev e = {text, text + len, ti, msg, msglen, 0};
	const char *end = text + len;
	const char *p = text;
	/* the block's own markers, when given with it */
	if (end - p >= 2 && p[0] == '%' && p[1] == '{')
		p += 2;
	if (end - p >= 2 && end[-2] == '}' && end[-1] == '%')
		end -= 2;
	char buf[1024];
	while (p < end && !e.bad) {
		/* one statement: up to ';' or a line end not escaped by '\' */
		size_t n = 0;
		while (p < end && *p != ';' && *p != '\n') {
			if (*p == '\\' && p + 1 < end && p[1] == '\n') {
				p += 2;
				continue;
			}
			if (*p == '#') { /* a comment, to the line's end */
				while (p < end && *p != '\n')
					p++;
				break;
			}
			if (n + 1 < sizeof buf)
				buf[n++] = *p == '\t' || *p == '\r' ? ' ' : *p;
			p++;
		}
		if (p < end)
			p++;
		statement(&e, buf, buf + n);
	}
	return e.bad;
}
