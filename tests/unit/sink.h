/*
 * sink.h - a tcpsim_write_fn that collects the report in memory, for the
 * tests of the public interface (test_api, test_cover).
 */
#ifndef TCPSIM_TESTS_SINK_H
#define TCPSIM_TESTS_SINK_H

#include <stddef.h>

struct buf {
	char *data; /* NUL-terminated; free() it */
	size_t len;
};

/* Appends DATA to the struct buf CTX. */
void sink(void *ctx, const char *data, size_t len);

#endif
