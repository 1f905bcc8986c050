/*
 * fuzz_run.c - libFuzzer target: load and run a trace through the public
 * API (tcpsim_run_trace), with small limits so every input ends quickly:
 * at most an hour of virtual time and 200,000 events, no report.
 */
#include <stddef.h>
#include <stdint.h>

#include "tcpsim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tcpsim_options opts;
	tcpsim_error err;

	tcpsim_options_init(&opts);
	opts.max_time_us = INT64_C(3600) * 1000000; /* 3600 s */
	opts.max_events = 200000;
	opts.write = NULL; /* no report */
	opts.event = NULL;
	(void)tcpsim_run_trace("fuzz.trace", (const char *)data, size, &opts,
			       &err);
	return 0;
}
