/*
 * fuzz_parse.c - libFuzzer target: the trace parser alone.
 *
 * The bytes are a trace file; ts_trace_parse() must either accept it or
 * fill in the error, never crash, hang or leak, whatever the input.
 */
#include <stddef.h>
#include <stdint.h>

#include "trace/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ts_error err;
	ts_trace *t =
	    ts_trace_parse("fuzz.trace", (const char *)data, size, &err);
	if (t)
		ts_trace_free(t);
	return 0;
}
