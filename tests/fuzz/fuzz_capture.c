/*
 * fuzz_capture.c - libFuzzer target: the bytes of a capture file through
 * tcpsim explain's reader (src/capture) and explainer (src/explain), with
 * the text and the JSON outputs written (to /dev/null) and every
 * connection checked against what explain.h promises: candidates ranked
 * from 1 with an id, evidence at frames the capture has, a side's states
 * in range. A broken promise aborts, which libFuzzer reports as a crash.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "capture/capture.h"
#include "explain/explain.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t frames; /* frames read so far in this input */

static void check(void *ctx, const ts_xp_conn *c)
{
	(void)ctx;
	if (c->nrst < 0 || c->nrst > TS_XP_MAXRST)
		abort();
	for (int i = 0; i < 2; i++)
		if ((unsigned)c->s[i].state > TS_XP_CLOSED)
			abort();
	for (int i = 0; i < c->nrst; i++) {
		const ts_xp_rst *r = &c->rst[i];
		if (r->ncand < 1 || r->ncand > TS_XP_MAXCAND)
			abort();
		if (r->frame < c->first_frame || r->frame > frames)
			abort();
		for (int j = 0; j < r->ncand; j++) {
			const ts_xp_cand *k = &r->cand[j];
			if (k->rank != j + 1 || !k->id || !k->how)
				abort();
			for (int e = 0; e < k->nev; e++)
				if (k->ev[e] == 0 || k->ev[e] > frames)
					abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	if (!null)
		null = fopen("/dev/null", "w");
	char err[512];
	for (int mode = 0; mode < 3; mode++) {
		ts_cap *cap = ts_cap_open_mem(data, size, err, sizeof err);
		if (!cap)
			return 0;
		ts_xp *x = mode == 0 ? ts_xp_new(NULL, 0, check, NULL)
				     : ts_xp_new(null, mode == 2, NULL, NULL);
		if (!x) {
			ts_cap_close(cap);
			return 0;
		}
		ts_cap_seg s;
		int r;
		frames = 0;
		while ((r = ts_cap_next(cap, &s, err, sizeof err)) == 1) {
			if (s.frame <= frames)
				abort(); /* frames count up */
			frames = s.frame;
			ts_xp_segment(x, &s);
		}
		frames = ts_cap_stats_of(cap)->frames;
		ts_xp_finish(x, ts_cap_stats_of(cap), r < 0 ? err : NULL);
		ts_xp_free(x);
		ts_cap_close(cap);
	}
	return 0;
}
