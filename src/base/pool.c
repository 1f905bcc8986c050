/*
 * pool.c - see pool.h. The free-list pointer is read and written with
 * memcpy: it lives inside objects of other types.
 */
#include "base/pool.h"

#include <stdlib.h>
#include <string.h>

void ts_pool_init(ts_pool *p, size_t size, size_t link, unsigned per_chunk)
{
	memset(p, 0, sizeof *p);
	p->size = size;
	p->link = link;
	p->per_chunk = per_chunk;
}

static void *next_of(const ts_pool *p, void *obj)
{
	void *next;
	memcpy(&next, (char *)obj + p->link, sizeof next);
	return next;
}

void ts_pool_put(ts_pool *p, void *obj)
{
	memcpy((char *)obj + p->link, &p->free, sizeof p->free);
	p->free = obj;
}

void *ts_pool_get(ts_pool *p)
{
	if (!p->free) {
		void *chunk = calloc(p->per_chunk, p->size);
		void **chunks = realloc(p->chunks, (size_t)(p->nchunks + 1) *
						       sizeof *chunks);
		if (chunks)
			p->chunks = chunks;
		if (!chunk || !chunks) {
			free(chunk);
			return NULL;
		}
		p->chunks[p->nchunks++] = chunk;
		/* The first object of the chunk is handed out first. */
		for (unsigned i = p->per_chunk; i-- > 0;)
			ts_pool_put(p, (char *)chunk + (size_t)i * p->size);
	}
	void *obj = p->free;
	p->free = next_of(p, obj);
	return obj;
}

void ts_pool_free(ts_pool *p)
{
	for (int i = 0; i < p->nchunks; i++)
		free(p->chunks[i]);
	free(p->chunks);
	p->chunks = NULL;
	p->nchunks = 0;
	p->free = NULL;
}
