/*
 * fuzz_report.c - libFuzzer target: load and run a trace as the tcpsim
 * command does, with every output on: the report goes to a write function,
 * every event to an observer that renders it as JSON (tcpsim_event_json)
 * and as a packet (tcpsim_event_packet), and "why" events are on. Same
 * limits as fuzz_run (3600 s of virtual time, 200,000 events).
 *
 * It also checks what include/tcpsim.h promises: a finished report ends
 * with a whole line, every event has a kind name and words, every event
 * of a segment makes a packet and no other event does, and the queries
 * after a run answer for every host. A broken promise aborts, which libFuzzer
 * reports as a crash.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tcpsim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct ctx {
	unsigned long long seq; /* events so far */
	size_t bytes;           /* report bytes so far */
	char last;              /* the last byte of the report so far */
};

static void on_write(void *vctx, const char *data, size_t len)
{
	struct ctx *c = vctx;
	/* The header comes in pieces that are not whole lines (see
	 * README.md), so only the end of the report is checked. */
	if (len) {
		c->last = data[len - 1];
		c->bytes += len;
	}
}

static int has_segment(tcpsim_event_kind k)
{
	return k == TCPSIM_EV_SEND || k == TCPSIM_EV_INJECT ||
	       k == TCPSIM_EV_REPLAY || k == TCPSIM_EV_RECV ||
	       k == TCPSIM_EV_LOST;
}

static void on_event(void *vctx, const tcpsim_event *ev)
{
	struct ctx *c = vctx;
	static unsigned char pkt[65536 + 120];
	char text[64];

	if ((unsigned)ev->kind >= TCPSIM_NEV ||
	    !tcpsim_event_kind_name(ev->kind))
		abort();
	/* Every event has words, and their length is told whole. */
	size_t tn = tcpsim_event_text(ev, text, sizeof text);
	if (strlen(text) != (tn < sizeof text ? tn : sizeof text - 1))
		abort();
	char *json = tcpsim_event_json(ev, c->seq++);
	if (!json)
		abort();
	free(json);
	size_t n = tcpsim_event_packet(ev, pkt, sizeof pkt);
	if (has_segment(ev->kind)) {
		const tcpsim_segment *s = &ev->u.seg.seg;
		/* an IPv4 packet holds at most 65535 bytes: a forged segment
		 * (inject len up to 1 MiB) may have no packet */
		if (n == 0 && s->len <= 65535 - 80)
			abort();
		if (n != 0 && n < 40 + (size_t)s->len)
			abort();
		/* too small a buffer: 0, and nothing written past it */
		if (tcpsim_event_packet(ev, pkt, 20) != 0)
			abort();
	} else if (n != 0) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tcpsim_options opts;
	tcpsim_error err;
	struct ctx c = {0, 0, 0};

	tcpsim_options_init(&opts);
	opts.max_time_us = INT64_C(3600) * 1000000; /* 3600 s */
	opts.max_events = 200000;
	opts.write = on_write;
	opts.write_ctx = &c;
	opts.event = on_event;
	opts.event_ctx = &c;
	opts.why = 1;
	tcpsim_sim *sim =
	    tcpsim_load("fuzz.trace", (const char *)data, size, &opts, &err);
	if (!sim)
		return 0;
	int rc = tcpsim_run(sim, &err);
	if (rc != TCPSIM_ERROR && c.bytes && c.last != '\n')
		abort(); /* a report ends with a whole line */
	(void)tcpsim_failures(sim);
	(void)tcpsim_checked(sim);
	int nhosts = tcpsim_host_count(sim);
	for (int i = 0; i < nhosts; i++) {
		const char *host = tcpsim_host_name(sim, i);
		if (!host)
			abort();
		int st = tcpsim_var_state(sim, host, "c");
		if (st >= 0 && !tcpsim_state_name(st))
			abort();
		(void)tcpsim_var_state(sim, host, "s");
		(void)tcpsim_var_state(sim, host, "a");
	}
	if (tcpsim_host_name(sim, nhosts) || tcpsim_host_name(sim, -1))
		abort();
	tcpsim_free(sim);
	return 0;
}
