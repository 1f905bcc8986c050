/*
 * pool.h - objects of one size, in chunks that never move, handed out from
 * a free list threaded through the objects put back, else in order from
 * the newest chunk (whose untouched objects cost no page until used).
 * Sockets, segments in flight and time-wait records live in pools: no
 * allocation per object, pointers that stay valid, and a pool can be
 * walked chunk by chunk, over the objects ts_pool_used() counts.
 */
#ifndef TS_POOL_H
#define TS_POOL_H

#include <stddef.h>
#include <string.h>

typedef struct ts_pool {
	size_t size;        /* one object */
	size_t link;        /* offset of its free-list pointer */
	unsigned per_chunk; /* objects per chunk */
	void *free;         /* the object put back last */
	char *fresh;        /* the newest chunk's first object never used */
	unsigned nfresh;    /* and how many follow it, itself included */
	void **chunks;
	int nchunks;
} ts_pool;

/* Objects of SIZE bytes whose pointer at offset LINK links the free list
 * (it may share its place with fields of objects in use). */
void ts_pool_init(ts_pool *p, size_t size, size_t link, unsigned per_chunk);
/* Add a chunk, when no object is free; -1 when memory runs out. */
int ts_pool_grow(ts_pool *p);
/* Every chunk freed. */
void ts_pool_free(ts_pool *p);

/* The free-list link lives inside objects of other types: read and
 * written with memcpy. */
static inline void ts_pool_put(ts_pool *p, void *obj)
{
	memcpy((char *)obj + p->link, &p->free, sizeof p->free);
	p->free = obj;
}

/* A free object: zeroed when new, else as ts_pool_put() left it (the
 * caller resets it); NULL when memory runs out. */
static inline void *ts_pool_get(ts_pool *p)
{
	void *obj = p->free;
	if (obj) {
		memcpy(&p->free, (char *)obj + p->link, sizeof p->free);
		return obj;
	}
	if (!p->nfresh && ts_pool_grow(p) < 0)
		return NULL;
	obj = p->fresh;
	p->fresh += p->size;
	p->nfresh--;
	memset(obj, 0, p->size);
	return obj;
}

/* How many objects of chunk C were ever handed out: all of them but in the
 * newest chunk, whose rest was never touched (not even zeroed). Walks
 * over a pool's objects stop there. */
static inline int ts_pool_used(const ts_pool *p, int c)
{
	return (int)(c == p->nchunks - 1 ? p->per_chunk - p->nfresh
					 : p->per_chunk);
}

/* Object I of chunk C. */
static inline void *ts_pool_at(const ts_pool *p, int c, unsigned i)
{
	return (char *)p->chunks[c] + (size_t)i * p->size;
}

#endif
