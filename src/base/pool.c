/*
 * pool.c - see pool.h: growing a pool, and freeing it.
 */
#include "base/pool.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void ts_pool_init(ts_pool *p, size_t size, size_t link, unsigned per_chunk)
{
	memset(p, 0, sizeof *p);
	p->size = size;
	p->link = link;
	p->per_chunk = per_chunk;
}

int ts_pool_grow(ts_pool *p)
{
	/* Not zeroed here: each object is when first handed out, so the
	 * pages of a chunk are touched only as it fills. */
	if (p->size && p->per_chunk > SIZE_MAX / p->size)
		return -1;
	void *chunk = malloc(p->per_chunk * p->size);
	void **chunks =
	    realloc(p->chunks, (size_t)(p->nchunks + 1) * sizeof *chunks);
	if (chunks)
		p->chunks = chunks;
	if (!chunk || !chunks) {
		free(chunk);
		return -1;
	}
	p->chunks[p->nchunks++] = chunk;
	p->fresh = chunk; /* handed out first object first */
	p->nfresh = p->per_chunk;
	return 0;
}

void ts_pool_free(ts_pool *p)
{
	for (int i = 0; i < p->nchunks; i++)
		free(p->chunks[i]);
	free(p->chunks);
	p->chunks = NULL;
	p->nchunks = 0;
	p->free = NULL;
	p->fresh = NULL;
	p->nfresh = 0;
}
