/*
 * text.c - the words of every event (text.h), and the public functions
 * that give them: tcpsim_event_text, tcpsim_event_kind_name,
 * tcpsim_reason_text/_rule, tcpsim_call_text/_usage. The reason tables
 * come from the X-macros of include/tcpsim.h, the names of the language
 * from src/trace/names.c: each word is written once.
 *
 * The report formats every line of a run here, so the frequent kinds
 * (calls, states, segments) are built with the string builder's appends,
 * integers only; the rare ones may use printf.
 */
#include "render/text.h"

#include <inttypes.h>

#include "trace/trace.h"

/* ---- the tables ---- */

static const struct {
	const char *words, *linux_name, *rule;
} rst_reasons[TCPSIM_NRST] = {
#define X(n, w, l, r) {w, l, r},
    TCPSIM_RST_REASONS(X)
#undef X
};

static const struct {
	const char *words, *linux_name, *rule;
} drop_reasons[TCPSIM_NDROP] = {
#define X(n, w, l, r) {w, l, r},
    TCPSIM_DROP_REASONS(X)
#undef X
};

static const char *const drop_answers[TCPSIM_NANSWER] = {
#define X(n, w) w,
    TCPSIM_DROP_ANSWERS(X)
#undef X
};

enum { ARG_NONE, ARG_SEG, ARG_LISTENER };
static const struct {
	const char *before;
	int arg;
	const char *after;
} state_causes[TCPSIM_NBY] = {
#define X(n, b, a, e) {b, ARG_##a, e},
    TCPSIM_STATE_CAUSES(X)
#undef X
};

static const char *const timer_names[TCPSIM_NTIMERS] = {
#define X(n, w) w,
    TCPSIM_TIMERS(X)
#undef X
};

static const struct {
	const char *name, *rule;
} timer_events[TCPSIM_NT] = {
#define X(n, t, r) {#n, r},
    TCPSIM_TIMER_EVENTS(X)
#undef X
};

static const char *const kind_names[TCPSIM_NEV] = {
    [TCPSIM_EV_CALL] = "call",     [TCPSIM_EV_BLOCK] = "call",
    [TCPSIM_EV_RETURN] = "return", [TCPSIM_EV_STATE] = "state",
    [TCPSIM_EV_SEND] = "send",     [TCPSIM_EV_INJECT] = "inject",
    [TCPSIM_EV_REPLAY] = "replay", [TCPSIM_EV_RECV] = "recv",
    [TCPSIM_EV_LOST] = "lost",     [TCPSIM_EV_RESET] = "reset",
    [TCPSIM_EV_DROP] = "drop",     [TCPSIM_EV_TIMER] = "timer",
    [TCPSIM_EV_REXMIT] = "rexmit", [TCPSIM_EV_SIGNAL] = "signal",
    [TCPSIM_EV_PROC] = "proc",     [TCPSIM_EV_HOST] = "host",
    [TCPSIM_EV_SKIP] = "skip",     [TCPSIM_EV_EXPECT] = "expect",
    [TCPSIM_EV_FAIL] = "FAIL",     [TCPSIM_EV_END] = "end",
    [TCPSIM_EV_WHY] = "why",       [TCPSIM_EV_FINAL] = "final",
    [TCPSIM_EV_DONE] = "done",
};

/* Why a line could not run, or a call never returned (tcpsim_stop). */
static const char *const stop_words[] = {
    [TCPSIM_STOP_HOST_DOWN] = "host is down",
    [TCPSIM_STOP_PROCESS_TERMINATED] = "process terminated",
    [TCPSIM_STOP_KILLED] = "killed",
    [TCPSIM_STOP_SIGPIPE] = "terminated by SIGPIPE",
    [TCPSIM_STOP_HOST_CRASHED] = "host crashed",
    [TCPSIM_STOP_END_OF_RUN] = "still blocked at the end of the run",
};

static const char *state_name(tcpsim_state s)
{
	const char *n = tcpsim_state_name((int)s);
	return n ? n : "?";
}

static const char *stop_word(tcpsim_stop s)
{
	return (unsigned)s < sizeof stop_words / sizeof stop_words[0]
		   ? stop_words[s]
		   : "?";
}

const char *ts_text_kind(tcpsim_event_kind kind)
{
	return (unsigned)kind < TCPSIM_NEV ? kind_names[kind] : "?";
}

const char *tcpsim_event_kind_name(int kind)
{
	return (unsigned)kind < TCPSIM_NEV ? kind_names[kind] : NULL;
}

const char *tcpsim_reason_text(int kind, int reason)
{
	switch (kind) {
	case TCPSIM_EV_RESET:
		return (unsigned)reason < TCPSIM_NRST
			   ? rst_reasons[reason].words
			   : NULL;
	case TCPSIM_EV_DROP:
		return (unsigned)reason < TCPSIM_NDROP
			   ? drop_reasons[reason].words
			   : NULL;
	case TCPSIM_EV_STATE:
		return (unsigned)reason < TCPSIM_NBY
			   ? state_causes[reason].before
			   : NULL;
	case TCPSIM_EV_TIMER:
		return (unsigned)reason < TCPSIM_NT ? timer_events[reason].name
						    : NULL;
	default:
		return NULL;
	}
}

const char *tcpsim_reason_rule(int kind, int reason)
{
	switch (kind) {
	case TCPSIM_EV_RESET:
		return (unsigned)reason < TCPSIM_NRST ? rst_reasons[reason].rule
						      : NULL;
	case TCPSIM_EV_DROP:
		return (unsigned)reason < TCPSIM_NDROP
			   ? drop_reasons[reason].rule
			   : NULL;
	case TCPSIM_EV_TIMER:
		return (unsigned)reason < TCPSIM_NT ? timer_events[reason].rule
						    : NULL;
	default:
		return NULL;
	}
}

const char *tcpsim_reason_linux(int kind, int reason)
{
	const char *n = NULL;
	if (kind == TCPSIM_EV_RESET && (unsigned)reason < TCPSIM_NRST)
		n = rst_reasons[reason].linux_name;
	else if (kind == TCPSIM_EV_DROP && (unsigned)reason < TCPSIM_NDROP)
		n = drop_reasons[reason].linux_name;
	return n && *n ? n : NULL;
}

static const char *const rst_ids[TCPSIM_NRST] = {
#define X(n, id) [TCPSIM_RST_##n] = id,
    TCPSIM_RST_IDS(X)
#undef X
};

#define X(n, id) +1
_Static_assert(0 TCPSIM_RST_IDS(X) == TCPSIM_NRST,
	       "every RST reason has an id in TCPSIM_RST_IDS");
#undef X

const char *tcpsim_rst_id(int reason, int trigger_flags)
{
	if ((unsigned)reason >= TCPSIM_NRST)
		return NULL;
	/* RFC 9293 §3.10.7.1: a SYN for a port where nothing listens */
	if (reason == TCPSIM_RST_NO_SOCKET && trigger_flags >= 0 &&
	    (trigger_flags & (TCPSIM_SYN | TCPSIM_ACK)) == TCPSIM_SYN)
		return "no-listener";
	return rst_ids[reason];
}

static const char *const drop_answer_names[TCPSIM_NANSWER] = {
#define X(n, w) #n,
    TCPSIM_DROP_ANSWERS(X)
#undef X
};

const char *tcpsim_drop_answer_name(int answer)
{
	return answer > TCPSIM_ANSWER_NONE && answer < TCPSIM_NANSWER
		   ? drop_answer_names[answer]
		   : NULL;
}

/* ---- pieces ---- */

/* The flags joined by '|' ("SYN|ACK"), "none" without any: at most
 * FLAGS_MAX bytes. */
#define FLAGS_MAX 32
static char *put_flags(char *p, unsigned flags)
{
	char *start = p;
	for (size_t i = 0; i < sizeof ts_tcp_flags / sizeof ts_tcp_flags[0];
	     i++) {
		if (!(flags & ts_tcp_flags[i].value))
			continue;
		if (p != start)
			*p++ = '|';
		p = ts_put(p, ts_tcp_flags[i].name,
			   strlen(ts_tcp_flags[i].name));
	}
	return p != start ? p : TS_PUT_LIT(p, "none");
}

void ts_text_flags(ts_sb *sb, unsigned flags)
{
	char *p = ts_sb_at(sb, FLAGS_MAX);
	if (p)
		ts_sb_set_end(sb, put_flags(p, flags));
}

/* The options, as Linux lays them out (tcp_options_write) and tcpdump and
 * packetdrill write them: " <mss 1460,sackOK,TS val 5 ecr 0,nop,wscale 10>";
 * nothing when there are none. At most 24 + 8 + 30 + 12 + 6 + 4 * 22 bytes. */
static char *put_options(char *p, const tcpsim_segment *s)
{
	if (!s->mss && !s->sack_ok && !s->ts && !s->wscale_ok && !s->nsack &&
	    !s->fo)
		return p;
	char *start = p;
	p = TS_PUT_LIT(p, " <");
#define SEP() (p - start > 2 ? (*p++ = ',', p) : p)
	if (s->mss) {
		p = TS_PUT_LIT(p, "mss ");
		p = ts_put_u64(p, s->mss);
	}
	if (s->ts) {
		SEP();
		p = s->sack_ok ? TS_PUT_LIT(p, "sackOK,")
			       : TS_PUT_LIT(p, "nop,nop,");
		p = TS_PUT_LIT(p, "TS val ");
		p = ts_put_u64(p, s->tsval);
		p = TS_PUT_LIT(p, " ecr ");
		p = ts_put_u64(p, s->tsecr);
	} else if (s->sack_ok) {
		SEP();
		p = TS_PUT_LIT(p, "nop,nop,sackOK");
	}
	if (s->wscale_ok) {
		SEP();
		p = TS_PUT_LIT(p, "nop,wscale ");
		p = ts_put_u64(p, s->wscale);
	}
	if (s->fo) {
		/* as packetdrill writes it: "FO abcd1234", "FO" a request,
		 * "FOEXP" the experimental kind; NOPs as on the wire */
		static const char hex[] = "0123456789abcdef";
		SEP();
		p = s->fo == TCPSIM_FO_EXP ? TS_PUT_LIT(p, "FOEXP")
					   : TS_PUT_LIT(p, "FO");
		if (s->fo_len)
			*p++ = ' ';
		for (int i = 0; i < s->fo_len && i < TCPSIM_FO_COOKIE_MAX;
		     i++) {
			*p++ = hex[s->fo_cookie[i] >> 4];
			*p++ = hex[s->fo_cookie[i] & 15];
		}
		if (((s->fo == TCPSIM_FO_EXP ? 4 : 2) + s->fo_len) % 4 == 2)
			p = TS_PUT_LIT(p, ",nop,nop");
	}
	if (s->nsack) {
		SEP();
		p = TS_PUT_LIT(p, "nop,nop,sack");
		for (int i = 0; i < s->nsack && i < TCPSIM_MAX_SACK; i++) {
			*p++ = ' ';
			p = ts_put_u64(p, s->sack[i][0]);
			*p++ = ':';
			p = ts_put_u64(p, s->sack[i][1]);
		}
	}
#undef SEP
	*p++ = '>';
	return p;
}

/* "SYN|ACK seq=1 ack=2 len=0 win=65535 <mss 1460,...>": the flags take at
 * least seven columns. A segment line is the report's most frequent: its
 * pieces go into room made once. */
static void seg_fields(ts_sb *sb, const tcpsim_segment *s)
{
	char *p = ts_sb_at(sb, FLAGS_MAX + 7 + 4 * 25 + 250);
	if (!p)
		return;
	char *f = p;
	p = put_flags(p, s->flags);
	while (p - f < 7)
		*p++ = ' ';
	p = TS_PUT_LIT(p, " seq=");
	p = ts_put_u64(p, s->seq);
	p = TS_PUT_LIT(p, " ack=");
	p = ts_put_u64(p, s->ack);
	p = TS_PUT_LIT(p, " len=");
	p = ts_put_u64(p, s->len);
	p = TS_PUT_LIT(p, " win=");
	p = ts_put_u64(p, s->win);
	p = put_options(p, s);
	ts_sb_set_end(sb, p);
}

/* "client:40000", or "10.0.0.9:40000" when no host has the address. */
static void endpoint(ts_sb *sb, const char *name, uint32_t addr, uint16_t port)
{
	if (name)
		ts_sb_puts(sb, name);
	else
		ts_sb_ipv4(sb, addr);
	ts_sb_putc(sb, ':');
	ts_sb_u64(sb, port);
}

/* "#7   ": a segment's number, in at least three columns, and a space. */
static void segno(ts_sb *sb, uint32_t n)
{
	ts_sb_putc(sb, '#');
	ts_sb_u64_left(sb, n, 3);
	ts_sb_putc(sb, ' ');
}

void ts_text_result(ts_sb *sb, const tcpsim_call_result *r)
{
	ts_result_fmt(sb, r->call, r->value, r->err, r->sigpipe, r->addr,
		      r->port);
}

static void cause_text(ts_sb *sb, const tcpsim_cause *c)
{
	switch (c->kind) {
	case TCPSIM_CAUSE_LINE:
	case TCPSIM_CAUSE_FORGED:
		ts_sb_putn(sb, "line ", 5);
		ts_sb_u64(sb, c->value);
		ts_sb_putn(sb, " (", 2);
		ts_sb_puts(sb, c->text ? c->text : "");
		ts_sb_puts(sb, c->kind == TCPSIM_CAUSE_LINE ? ") ran"
							    : ") forged it");
		return;
	case TCPSIM_CAUSE_TIMER:
		ts_sb_putn(sb, "the ", 4);
		ts_sb_puts(sb, (unsigned)c->timer < TCPSIM_NTIMERS
				   ? timer_names[c->timer]
				   : "");
		TS_SB_LIT(sb, " timer fired");
		return;
	case TCPSIM_CAUSE_SEGMENT:
		TS_SB_LIT(sb, "segment #");
		ts_sb_u64(sb, c->value);
		ts_sb_putn(sb, " (", 2);
		if (c->flags >= 0)
			ts_text_flags(sb, (unsigned)c->flags);
		else
			ts_sb_putc(sb, '?');
		TS_SB_LIT(sb, ") arrived");
		return;
	case TCPSIM_CAUSE_NONE:
		TS_SB_LIT(sb, "the run started");
		return;
	}
}

/* " (no-listener)": the stable id of an RST's rule (doc/rules.md) */
static void rst_id_text(ts_sb *sb, int reason, int trigger)
{
	const char *id = tcpsim_rst_id(reason, trigger);
	if (!id)
		return;
	ts_sb_putn(sb, " (", 2);
	ts_sb_puts(sb, id);
	ts_sb_putc(sb, ')');
}

/* "#7 (RST) sent by server (orphan-data): ... ← in reply to #6 (PSH|ACK) sent
 * by client when line 20 (...) ran" */
static void chain_text(ts_sb *sb, const tcpsim_event *ev)
{
	for (int i = 0; i < ev->u.why.nlinks && i < TCPSIM_WHY_MAX; i++) {
		const tcpsim_why_link *l = &ev->u.why.link[i];
		if (i)
			TS_SB_LIT(sb, " \u2190 in reply to ");
		ts_sb_putc(sb, '#');
		ts_sb_u64(sb, l->segno);
		ts_sb_putn(sb, " (", 2);
		ts_text_flags(sb, (unsigned)l->flags);
		TS_SB_LIT(sb, ") sent by ");
		ts_sb_puts(sb, l->from ? l->from : "?");
		if (l->rst >= 0 && l->rst < TCPSIM_NRST) {
			/* the segment it answers is the next link */
			rst_id_text(sb, l->rst,
				    i + 1 < ev->u.why.nlinks &&
					    i + 1 < TCPSIM_WHY_MAX
					? (int)ev->u.why.link[i + 1].flags
					: -1);
			ts_sb_putn(sb, ": ", 2);
			ts_sb_puts(sb, rst_reasons[l->rst].words);
			ts_sb_putn(sb, " [", 2);
			ts_sb_puts(sb, rst_reasons[l->rst].rule);
			ts_sb_putc(sb, ']');
		}
	}
	if (ev->u.why.nlinks && ev->u.why.origin.kind != TCPSIM_CAUSE_NONE) {
		TS_SB_LIT(sb, " when ");
		cause_text(sb, &ev->u.why.origin);
	}
}

static void why_text(ts_sb *sb, const tcpsim_event *ev)
{
	if (ev->u.why.source == TCPSIM_WHY_RST) {
		chain_text(sb, ev);
		return;
	}
	ts_call_fmt(sb, ev->u.why.call);
	ts_sb_putn(sb, " = -1 ", 6);
	ts_sb_puts(sb, ev->u.why.errno_name ? ev->u.why.errno_name : "?");
	TS_SB_LIT(sb, " \u2190 ");
	switch (ev->u.why.source) {
	case TCPSIM_WHY_NO_SOCKET:
		TS_SB_LIT(sb, "no socket");
		return;
	case TCPSIM_WHY_PENDING_ERROR:
		TS_SB_LIT(sb, "pending error set when ");
		cause_text(sb, &ev->u.why.cause);
		TS_SB_LIT(sb, " in ");
		ts_sb_puts(sb, state_name(ev->u.why.state));
		break;
	case TCPSIM_WHY_CLOSED:
		TS_SB_LIT(sb, "the connection closed (from ");
		ts_sb_puts(sb, state_name(ev->u.why.state));
		TS_SB_LIT(sb, ") when ");
		cause_text(sb, &ev->u.why.cause);
		break;
	case TCPSIM_WHY_STATE:
		TS_SB_LIT(sb, "the socket is ");
		ts_sb_puts(sb, state_name(ev->u.why.state));
		if (ev->u.why.send_shut)
			TS_SB_LIT(sb, ", its sending side shut");
		return;
	case TCPSIM_WHY_RST:
		return;
	}
	if (ev->u.why.nlinks) {
		TS_SB_LIT(sb, " \u2190 ");
		chain_text(sb, ev);
	}
}

void ts_text_state_cause(ts_sb *sb, const tcpsim_event *ev)
{
	if ((unsigned)ev->u.state.cause >= TCPSIM_NBY)
		return;
	ts_sb_puts(sb, state_causes[ev->u.state.cause].before);
	switch (state_causes[ev->u.state.cause].arg) {
	case ARG_SEG:
		ts_sb_putc(sb, '#');
		ts_sb_u64(sb, ev->u.state.segno);
		break;
	case ARG_LISTENER:
		ts_sb_sock(sb, &ev->u.state.listener);
		break;
	default:
		break;
	}
	ts_sb_puts(sb, state_causes[ev->u.state.cause].after);
}

static void state_text(ts_sb *sb, const tcpsim_event *ev)
{
	ts_sb_sock(sb, &ev->u.state.sock);
	ts_sb_putc(sb, ' ');
	ts_sb_puts(sb, state_name(ev->u.state.old_state));
	ts_sb_putn(sb, " -> ", 4);
	ts_sb_puts(sb, state_name(ev->u.state.new_state));
	ts_sb_putn(sb, " (", 2);
	ts_text_state_cause(sb, ev);
	ts_sb_putc(sb, ')');
}

static void seg_text(ts_sb *sb, const tcpsim_event *ev)
{
	const tcpsim_segment *s = &ev->u.seg.seg;
	segno(sb, ev->u.seg.segno);
	switch (ev->kind) {
	case TCPSIM_EV_SEND:
	case TCPSIM_EV_INJECT:
		endpoint(sb, ev->u.seg.src_name, s->saddr, s->sport);
		ts_sb_putn(sb, " > ", 3);
		endpoint(sb, ev->u.seg.dst_name, s->daddr, s->dport);
		ts_sb_putn(sb, "  ", 2);
		seg_fields(sb, s);
		if (ev->u.seg.dropped == 2) {
			TS_SB_LIT(sb, "  DROPPED by random loss");
		} else if (ev->u.seg.dropped) {
			TS_SB_LIT(sb, "  DROPPED by the network (line ");
			ts_sb_u64(sb, (uint64_t)ev->u.seg.drop_line);
			ts_sb_putc(sb, ')');
		} else {
			if (ev->u.seg.duplicated) {
				TS_SB_LIT(sb, "  duplicated (line ");
				ts_sb_u64(sb, (uint64_t)ev->u.seg.dup_line);
				ts_sb_putc(sb, ')');
			}
			if (ev->u.seg.delay_us) {
				TS_SB_LIT(sb, "  delayed +");
				ts_sb_dur(sb, ev->u.seg.delay_us);
				TS_SB_LIT(sb, " (line ");
				ts_sb_u64(sb, (uint64_t)ev->u.seg.delay_line);
				ts_sb_putc(sb, ')');
			}
		}
		return;
	case TCPSIM_EV_RECV:
		seg_fields(sb, s);
		if (ev->u.seg.duplicated)
			TS_SB_LIT(sb, " (the duplicate)");
		else if (ev->u.seg.replayed)
			TS_SB_LIT(sb, " (replayed copy)");
		return;
	case TCPSIM_EV_LOST:
		ts_text_flags(sb, s->flags);
		ts_sb_putn(sb, ": ", 2);
		ts_sb_puts(sb, ev->u.seg.to_name ? ev->u.seg.to_name : "?");
		TS_SB_LIT(sb, " is down");
		return;
	case TCPSIM_EV_REPLAY:
		TS_SB_LIT(sb, "copy of #");
		ts_sb_u64(sb, ev->u.seg.replay_of);
		ts_sb_putc(sb, ' ');
		seg_fields(sb, s);
		return;
	case TCPSIM_EV_CALL:
	case TCPSIM_EV_BLOCK:
	case TCPSIM_EV_RETURN:
	case TCPSIM_EV_STATE:
	case TCPSIM_EV_RESET:
	case TCPSIM_EV_DROP:
	case TCPSIM_EV_TIMER:
	case TCPSIM_EV_REXMIT:
	case TCPSIM_EV_SIGNAL:
	case TCPSIM_EV_PROC:
	case TCPSIM_EV_HOST:
	case TCPSIM_EV_SKIP:
	case TCPSIM_EV_EXPECT:
	case TCPSIM_EV_FAIL:
	case TCPSIM_EV_END:
	case TCPSIM_EV_WHY:
	case TCPSIM_EV_FINAL:
	case TCPSIM_EV_DONE:
		return; /* no segment */
	}
}

static void drop_text(ts_sb *sb, const tcpsim_event *ev)
{
	tcpsim_drop_reason r = ev->u.drop.reason;
	ts_sb_sock(sb, &ev->u.drop.sock);
	switch (r) {
	case TCPSIM_DROP_SYN_NO_COOKIES:
		ts_sb_printf(sb,
			     " SYN dropped: %d handshakes pending (backlog %d) "
			     "and tcp_syncookies 0",
			     ev->u.drop.pending, ev->u.drop.backlog);
		return;
	case TCPSIM_DROP_SYN_ACCEPT_QUEUE_FULL:
		ts_sb_printf(sb,
			     " SYN dropped: accept queue full (%d of backlog "
			     "%d + 1), nothing sent",
			     ev->u.drop.queued, ev->u.drop.backlog);
		return;
	case TCPSIM_DROP_SYN_COOKIE:
		ts_sb_printf(sb,
			     " SYN queue full (%d pending, backlog %d): "
			     "answered with a SYN cookie, no state kept "
			     "(tcp_syncookies %d)",
			     ev->u.drop.pending, ev->u.drop.backlog,
			     ev->u.drop.syncookies);
		return;
	case TCPSIM_DROP_COOKIE_ACK_QUEUE_FULL:
		ts_sb_printf(sb,
			     " SYN-cookie ACK #%" PRIu32
			     " dropped: accept queue full",
			     ev->u.drop.segno);
		return;
	case TCPSIM_DROP_NO_SOCKET_RST:
		ts_sb_putc(sb, ':');
		break;
	case TCPSIM_DROP_LISTEN_RST:
	case TCPSIM_DROP_LISTEN_NO_SYN:
	case TCPSIM_DROP_FINAL_ACK_OVERFLOW:
	case TCPSIM_DROP_SYNSENT_RST_NO_ACK:
	case TCPSIM_DROP_TIME_WAIT_RST_RFC1337:
	case TCPSIM_DROP_RST_OUT_OF_WINDOW:
	case TCPSIM_DROP_RST_NOT_AT_RCV_NXT:
	case TCPSIM_DROP_SYN_OUT_OF_WINDOW:
	case TCPSIM_DROP_SYN_SYNCHRONIZED:
	case TCPSIM_DROP_ACK_UNSENT_DATA:
	case TCPSIM_DROP_ACK_TOO_OLD:
	case TCPSIM_DROP_PAWS:
	case TCPSIM_DROP_PAWS_ACK:
	case TCPSIM_DROP_OUT_OF_WINDOW:
	case TCPSIM_DROP_END_OUT_OF_WINDOW:
	case TCPSIM_DROP_DUPLICATE_DATA:
	case TCPSIM_DROP_OUT_OF_ORDER:
	case TCPSIM_DROP_ZERO_WINDOW:
		break;
	}
	ts_sb_putc(sb, ' ');
	if ((unsigned)r < TCPSIM_NDROP)
		ts_sb_puts(sb, drop_reasons[r].words);
	if ((unsigned)ev->u.drop.answer < TCPSIM_NANSWER)
		ts_sb_puts(sb, drop_answers[ev->u.drop.answer]);
}

static void timer_text(ts_sb *sb, const tcpsim_event *ev)
{
	uint32_t n = ev->u.timer.count;
	long long limit = (long long)ev->u.timer.limit;
	ts_sb_sock(sb, &ev->u.timer.sock);
	switch (ev->u.timer.what) {
	case TCPSIM_T_LOSS_PROBE:
		ts_sb_puts(sb, " tail loss probe (RFC 8985 §7.3): the last "
			       "segment again");
		return;
	case TCPSIM_T_SYN_ACK_GIVE_UP:
		ts_sb_printf(sb,
			     " SYN-ACK retransmitted %" PRIu32
			     " times (tcp_synack_retries %lld): connection "
			     "request dropped, no RST",
			     n, limit);
		return;
	case TCPSIM_T_SYN_ACK_AGAIN:
		ts_sb_printf(sb,
			     " retransmission timeout: SYN-ACK again (retry "
			     "%" PRIu32 " of %lld, next in ",
			     n, limit);
		ts_sb_dur(sb, ev->u.timer.next_us);
		ts_sb_putc(sb, ')');
		return;
	case TCPSIM_T_USER_TIMEOUT:
		ts_sb_printf(sb,
			     " retransmission timeout: TCP_USER_TIMEOUT %lldms "
			     "passed, giving up (ETIMEDOUT, no RST)",
			     limit);
		return;
	case TCPSIM_T_RETRIES_USED_UP:
		ts_sb_printf(sb,
			     " retransmission timeout: %s %lld used up after "
			     "%" PRIu32
			     " retransmissions, giving up (ETIMEDOUT, no RST)",
			     ev->u.timer.knob ? ev->u.timer.knob : "?", limit,
			     n);
		return;
	case TCPSIM_T_RETRANSMIT:
		TS_SB_LIT(sb, " retransmission timeout after ");
		ts_sb_dur(sb, ev->u.timer.rto_us);
		TS_SB_LIT(sb, " (retransmission ");
		ts_sb_u64(sb, n);
		TS_SB_LIT(sb, "); next RTO ");
		ts_sb_dur(sb, ev->u.timer.next_us);
		return;
	case TCPSIM_T_TIME_WAIT_OVER:
		TS_SB_LIT(sb, " TIME_WAIT over (60s): connection closed");
		return;
	case TCPSIM_T_FIN_WAIT_2_OVER:
		ts_sb_printf(sb,
			     " orphaned FIN_WAIT_2 timed out (tcp_fin_timeout "
			     "%llds): connection dropped, no segment sent",
			     limit);
		return;
	case TCPSIM_T_KEEPALIVE_GIVE_UP:
		ts_sb_printf(sb,
			     " keepalive: %" PRIu32
			     " probes unanswered, giving up (RST, ETIMEDOUT)",
			     n);
		return;
	case TCPSIM_T_KEEPALIVE_PROBE:
		ts_sb_printf(sb, " keepalive probe %" PRIu32 " of %lld", n,
			     limit);
		return;
	case TCPSIM_T_ZERO_WINDOW_GIVE_UP:
		ts_sb_printf(sb,
			     " zero-window probes: %" PRIu32
			     " unanswered, giving up (ETIMEDOUT, no RST)",
			     n);
		return;
	case TCPSIM_T_ZERO_WINDOW_PROBE:
		ts_sb_printf(sb,
			     " zero-window probe %" PRIu32
			     " (peer window 0), next in ",
			     n);
		ts_sb_dur(sb, ev->u.timer.next_us);
		return;
	case TCPSIM_T_WINDOW_PROBE:
		ts_sb_printf(
		    sb,
		    " window probe: data into the peer's window of %" PRId64
		    " bytes, too small for a full segment (sender SWS "
		    "avoidance)",
		    ev->u.timer.limit);
		return;
	case TCPSIM_T_DELAYED_ACK:
		TS_SB_LIT(sb, " delayed ACK (next ATO ");
		ts_sb_dur(sb, ev->u.timer.next_us);
		ts_sb_putc(sb, ')');
		return;
	}
}

/* The fields an expect line names, as it names them: " seq 2002 ack 0". */
static void match_text(ts_sb *sb, const tcpsim_seg_match *m)
{
	const tcpsim_segment *s = &m->seg;
	uint32_t k = m->mask;
	if (k & TCPSIM_MATCH_SEQ)
		ts_sb_printf(sb, " seq %u", s->seq);
	if (k & TCPSIM_MATCH_ACK)
		ts_sb_printf(sb, " ack %u", s->ack);
	if (k & TCPSIM_MATCH_WIN)
		ts_sb_printf(sb, " win %u", (unsigned)s->win);
	if (k & TCPSIM_MATCH_LEN)
		ts_sb_printf(sb, " len %u", s->len);
	if (k & TCPSIM_MATCH_MSS)
		ts_sb_printf(sb, " mss %u", (unsigned)s->mss);
	if (k & TCPSIM_MATCH_WSCALE)
		ts_sb_printf(sb, " wscale %u", (unsigned)s->wscale);
	if (k & TCPSIM_MATCH_SACK_OK)
		TS_SB_LIT(sb, " sackOK");
	if (k & TCPSIM_MATCH_TS) {
		TS_SB_LIT(sb, " ts");
		if (k & TCPSIM_MATCH_TSVAL)
			ts_sb_printf(sb, " val %u", s->tsval);
		if (k & TCPSIM_MATCH_TSECR)
			ts_sb_printf(sb, " ecr %u", s->tsecr);
	}
	if (k & TCPSIM_MATCH_SACK) {
		TS_SB_LIT(sb, " sack");
		for (int i = 0; i < s->nsack && i < TCPSIM_MAX_SACK; i++)
			ts_sb_printf(sb, " %u:%u", s->sack[i][0],
				     s->sack[i][1]);
	}
}

static void expect_text(ts_sb *sb, const tcpsim_expect_result *x)
{
	const char *verdict = x->ok ? "ok" : "FAILED";
	switch (x->op) {
	case TCPSIM_EXPECT_WIRE:
		ts_sb_printf(sb, "%s%s>%s %s", x->negate ? "no " : "", x->from,
			     x->to, ts_segkind_name(x->seg_kind));
		match_text(sb, &x->match);
		ts_sb_printf(sb, ": %s (%llu sent)", verdict,
			     (unsigned long long)x->count);
		return;
	case TCPSIM_EXPECT_STATE:
		ts_sb_printf(sb, "%s %s state %s: %s", x->host, x->var,
			     state_name(x->want), verdict);
		return;
	case TCPSIM_EXPECT_TERMINATED:
		ts_sb_printf(sb, "%s terminated: %s", x->host, verdict);
		return;
	}
}

static void fail_expect_text(ts_sb *sb, const tcpsim_expect_result *x)
{
	switch (x->op) {
	case TCPSIM_EXPECT_WIRE:
		ts_sb_printf(sb, "expected %s%s>%s %s", x->negate ? "no " : "",
			     x->from, x->to, ts_segkind_name(x->seg_kind));
		match_text(sb, &x->match);
		if (x->negate)
			ts_sb_printf(sb, ", got %llu",
				     (unsigned long long)x->count);
		else if (x->have_nearest) {
			/* what was sent instead, for the fields to compare */
			TS_SB_LIT(sb, ", got none; the last one sent: ");
			seg_fields(sb, &x->nearest);
		} else
			TS_SB_LIT(sb, ", got none");
		return;
	case TCPSIM_EXPECT_STATE:
		ts_sb_printf(sb, "expected %s %s state %s, got %s", x->host,
			     x->var, state_name(x->want), state_name(x->got));
		return;
	case TCPSIM_EXPECT_TERMINATED:
		ts_sb_printf(sb, "expected %s terminated, got %s", x->host,
			     x->host_up ? "a running process"
					: "a crashed host");
		return;
	}
}

/* An untimed expectation checked while an earlier call was blocked. */
static void blocked_text(ts_sb *sb, const tcpsim_expect_result *x)
{
	if (!x->blocked_call)
		return;
	ts_sb_printf(sb, " (checked while line %d, %s: ", x->blocked_line,
		     x->blocked_host ? x->blocked_host : "?");
	ts_call_fmt(sb, x->blocked_call);
	TS_SB_LIT(sb, ", was still blocked: a line without a time is checked "
		      "at the time of the line before and waits for no call; "
		      "give it a time to check it later)");
}

static void fail_text(ts_sb *sb, const tcpsim_event *ev)
{
	const tcpsim_call_result *cr = &ev->u.fail.call;
	ts_sb_puts(sb, ev->u.fail.file ? ev->u.fail.file : "");
	ts_sb_putc(sb, ':');
	ts_sb_i64(sb, ev->line);
	ts_sb_putn(sb, ": ", 2);
	switch (ev->u.fail.reason) {
	case TCPSIM_FAIL_RESULT:
		TS_SB_LIT(sb, "expected ");
		ts_call_fmt(sb, cr->call);
		ts_sb_putn(sb, " = ", 3);
		ts_expected_fmt(sb, cr->call);
		TS_SB_LIT(sb, ", got ");
		ts_text_result(sb, cr);
		return;
	case TCPSIM_FAIL_EXPECT:
		fail_expect_text(sb, &ev->u.fail.expect);
		blocked_text(sb, &ev->u.fail.expect);
		return;
	case TCPSIM_FAIL_NO_RETURN:
		TS_SB_LIT(sb, "expected the call to return, got: ");
		ts_sb_puts(sb, stop_word(ev->u.fail.stop));
		return;
	case TCPSIM_FAIL_NOT_RUN:
		ts_sb_puts(sb, "expected the line to run, got: its process "
			       "stayed blocked");
		return;
	case TCPSIM_FAIL_SKIPPED:
		TS_SB_LIT(sb, "expected ");
		ts_call_fmt(sb, cr->call);
		TS_SB_LIT(sb, " to run, got: ");
		ts_sb_puts(sb, stop_word(ev->u.fail.stop));
		return;
	case TCPSIM_FAIL_UNBOUND:
		ts_sb_printf(sb,
			     "expected variable %s to name a socket, got none "
			     "(its binding call failed, or its process was "
			     "restarted)",
			     cr->call && cr->call->fd_name ? cr->call->fd_name
							   : "?");
		return;
	case TCPSIM_FAIL_KILL_NOTHING:
		TS_SB_LIT(sb, "expected a process to kill, got none");
		return;
	case TCPSIM_FAIL_CRASH_DOWN:
		ts_sb_printf(sb, "expected %s to be up, got down",
			     ev->u.fail.host ? ev->u.fail.host : "?");
		return;
	case TCPSIM_FAIL_REBOOT_UP:
		ts_sb_printf(sb, "expected %s to be down for reboot, got up",
			     ev->u.fail.host ? ev->u.fail.host : "?");
		return;
	}
}

/* Spaces from AT up to WIDTH columns, and at least one (COLUMNS), or
 * one space. */
static void gap(ts_sb *sb, size_t at, size_t width, int columns)
{
	size_t n = sb->len - at;
	ts_sb_pad(sb, columns && n < width ? width - n : columns ? 0 : 1);
}

void ts_text_final(ts_sb *sb, const tcpsim_event *ev, int columns)
{
	switch (ev->u.final.reason) {
	case TCPSIM_FINAL_PROCESS_TERMINATED:
		TS_SB_LIT(sb, "process terminated");
		return;
	case TCPSIM_FINAL_HOST_DOWN:
		TS_SB_LIT(sb, "host down");
		return;
	case TCPSIM_FINAL_UNLISTED:
		ts_sb_puts(sb, "unnamed connections not listed (out of "
			       "memory)");
		return;
	case TCPSIM_FINAL_CLOSED: {
		size_t at = sb->len;
		ts_sb_sock(sb, &ev->u.final.sock);
		gap(sb, at, 10, columns);
		ts_sb_puts(sb, columns ? "  CLOSED" : "CLOSED");
		return;
	}
	case TCPSIM_FINAL_SOCKET: {
		const tcpsim_sock *s = &ev->u.final.sock;
		size_t at = sb->len;
		ts_sb_sock(sb, s);
		gap(sb, at, 10, columns);
		if (columns)
			ts_sb_putn(sb, "  ", 2);
		at = sb->len;
		ts_sb_puts(sb, state_name(ev->u.final.state));
		gap(sb, at, 12, columns);
		ts_sb_putc(sb, ' ');
		if (!columns)
			sb->len--; /* one space is enough */
		ts_sb_ipv4_port(sb, s->laddr, s->lport);
		if (s->raddr) {
			ts_sb_putn(sb, " > ", 3);
			ts_sb_ipv4_port(sb, s->raddr, s->rport);
		}
		if (ev->u.final.orphan)
			ts_sb_puts(sb, columns
					   ? "  (closed by the application)"
					   : " (closed by the application)");
		return;
	}
	}
}

/* ---- the DETAIL column ---- */

void ts_text_detail(ts_sb *sb, const tcpsim_event *ev)
{
	switch (ev->kind) {
	case TCPSIM_EV_CALL:
		ts_call_fmt(sb, ev->u.call.call);
		ts_sb_putn(sb, " = ", 3);
		ts_text_result(sb, &ev->u.call);
		return;
	case TCPSIM_EV_BLOCK:
		ts_call_fmt(sb, ev->u.call.call);
		TS_SB_LIT(sb, " ... blocks");
		return;
	case TCPSIM_EV_RETURN:
		ts_call_fmt(sb, ev->u.call.call);
		ts_sb_putn(sb, " = ", 3);
		ts_text_result(sb, &ev->u.call);
		TS_SB_LIT(sb, "  (blocked since ");
		ts_sb_time(sb, ev->u.call.began_us, 0);
		ts_sb_putc(sb, ')');
		return;
	case TCPSIM_EV_STATE:
		state_text(sb, ev);
		return;
	case TCPSIM_EV_SEND:
	case TCPSIM_EV_INJECT:
	case TCPSIM_EV_REPLAY:
	case TCPSIM_EV_RECV:
	case TCPSIM_EV_LOST:
		seg_text(sb, ev);
		return;
	case TCPSIM_EV_RESET: {
		tcpsim_rst_reason r = ev->u.reset.reason;
		ts_sb_sock(sb, &ev->u.reset.sock);
		TS_SB_LIT(sb, " sends RST");
		if ((unsigned)r < TCPSIM_NRST) {
			rst_id_text(sb, (int)r, ev->u.reset.trigger);
			ts_sb_putn(sb, ": ", 2);
			ts_sb_puts(sb, rst_reasons[r].words);
			ts_sb_putn(sb, " [", 2);
			ts_sb_puts(sb, rst_reasons[r].rule);
			ts_sb_putc(sb, ']');
		}
		return;
	}
	case TCPSIM_EV_DROP:
		drop_text(sb, ev);
		return;
	case TCPSIM_EV_TIMER:
		timer_text(sb, ev);
		return;
	case TCPSIM_EV_REXMIT:
		ts_sb_sock(sb, &ev->u.rexmit.sock);
		ts_sb_puts(sb, " fast retransmit: 3 duplicate ACKs (RFC 5681 "
			       "§3.2)");
		return;
	case TCPSIM_EV_SIGNAL:
		ts_sb_puts(sb, ev->u.signal == TCPSIM_SIGPIPE_IGNORED
				   ? "SIGPIPE ignored (SIG_IGN)"
				   : "SIGPIPE: default action terminates the "
				     "process; the kernel closes its sockets");
		return;
	case TCPSIM_EV_PROC:
		switch (ev->u.proc.reason) {
		case TCPSIM_PROC_KILLED:
			ts_sb_puts(sb,
				   "killed (SIGKILL): the kernel closes its "
				   "sockets as close() would");
			return;
		case TCPSIM_PROC_NEVER_RETURNS:
			ts_call_fmt(sb, ev->u.proc.call);
			TS_SB_LIT(sb, " never returns: ");
			ts_sb_puts(sb, stop_word(ev->u.proc.stop));
			return;
		case TCPSIM_PROC_STILL_BLOCKED:
			ts_call_fmt(sb, ev->u.proc.call);
			ts_sb_puts(sb,
				   " still blocked: nothing left to happen");
			return;
		}
		return;
	case TCPSIM_EV_HOST:
		ts_sb_puts(sb, ev->u.host == TCPSIM_HOST_CRASHES
				   ? "crashes: the process and every "
				     "connection vanish, nothing is sent"
				   : "reboots: empty stack, new ISN series, "
				     "new process");
		return;
	case TCPSIM_EV_SKIP:
		switch (ev->u.skip.reason) {
		case TCPSIM_SKIP_KILL:
			TS_SB_LIT(sb, "kill not run: no process");
			return;
		case TCPSIM_SKIP_CALL:
			ts_call_fmt(sb, ev->u.skip.call);
			TS_SB_LIT(sb, " not run: ");
			ts_sb_puts(sb, stop_word(ev->u.skip.stop));
			return;
		case TCPSIM_SKIP_UNBOUND:
			ts_call_fmt(sb, ev->u.skip.call);
			TS_SB_LIT(sb, " not run: variable ");
			ts_sb_puts(sb, ev->u.skip.call->fd_name
					   ? ev->u.skip.call->fd_name
					   : "?");
			TS_SB_LIT(sb, " is not bound");
			return;
		}
		return;
	case TCPSIM_EV_EXPECT:
		expect_text(sb, &ev->u.expect);
		return;
	case TCPSIM_EV_FAIL:
		fail_text(sb, ev);
		return;
	case TCPSIM_EV_END:
		TS_SB_LIT(sb, "only keepalive timers are left: the run ends");
		return;
	case TCPSIM_EV_WHY:
		why_text(sb, ev);
		return;
	case TCPSIM_EV_FINAL:
		ts_text_final(sb, ev, 0);
		return;
	case TCPSIM_EV_DONE:
		ts_sb_printf(sb, "%d expectations checked, %d failed",
			     ev->u.done.checked, ev->u.done.failed);
		return;
	}
}

size_t tcpsim_event_text(const tcpsim_event *ev, char *buf, size_t cap)
{
	char local[512];
	ts_sb sb;
	ts_sb_init(&sb, local, sizeof local);
	ts_text_detail(&sb, ev);
	size_t n = ts_sb_copy_out(&sb, buf, cap);
	ts_sb_free(&sb);
	return n;
}

size_t tcpsim_call_text(const tcpsim_call *call, char *buf, size_t cap)
{
	char local[256];
	ts_sb sb;
	ts_sb_init(&sb, local, sizeof local);
	ts_call_fmt(&sb, call);
	size_t n = ts_sb_copy_out(&sb, buf, cap);
	ts_sb_free(&sb);
	return n;
}

const char *tcpsim_call_usage(int id)
{
	return (unsigned)id < TCPSIM_NCALLS ? ts_calls[id].usage : NULL;
}
