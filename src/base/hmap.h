/*
 * hmap.h - a hash map from 64-bit keys to pointers (open addressing, linear
 * probing, backward-shift deletion, at most half full so that probe runs
 * stay short). Used for connection lookup: O(1) per segment however many
 * connections a host holds.
 */
#ifndef TS_HMAP_H
#define TS_HMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct ts_hmap_slot {
	uint64_t key;
	void *val; /* NULL: empty slot */
} ts_hmap_slot;

typedef struct ts_hmap {
	ts_hmap_slot *slots;
	size_t mask;    /* capacity - 1; capacity is a power of two */
	unsigned shift; /* 64 - log2(capacity): a key's home is the top
			 * bits of its product with the golden ratio */
	size_t n;
} ts_hmap;

void ts_hmap_init(ts_hmap *m);
void ts_hmap_free(ts_hmap *m);
void *ts_hmap_get(const ts_hmap *m, uint64_t key);
/* Insert or replace; VAL must not be NULL. -1: no memory. */
int ts_hmap_put(ts_hmap *m, uint64_t key, void *val);
/* Remove KEY if present; returns its value or NULL. */
void *ts_hmap_del(ts_hmap *m, uint64_t key);

#endif
