/*
 * sink.c - the report collected in memory (sink.h).
 */
#include "sink.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

void sink(void *ctx, const char *data, size_t len)
{
	struct buf *b = ctx;
	b->data = realloc(b->data, b->len + len + 1);
	ck_assert_ptr_nonnull(b->data);
	memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = 0;
}
