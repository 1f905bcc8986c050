/*
 * hmap.c - open-addressing hash map, see hmap.h.
 */
#include "base/hmap.h"

#include <stdlib.h>

/* A key's home slot, by Fibonacci hashing (Knuth, TAOCP vol. 3, 6.4):
 * the top log2(capacity) bits of the key times 2^64 / golden ratio. Every
 * bit of the key reaches the top bits, so keys that differ only in a
 * port (the high or the low 16 bits of a connection's key) spread; and
 * it is one multiply, which a lookup waits for before it loads a slot. */
static size_t home_of(uint64_t k, unsigned shift)
{
	return (size_t)((k * 0x9e3779b97f4a7c15ULL) >> shift);
}

void ts_hmap_init(ts_hmap *m)
{
	m->slots = NULL;
	m->mask = 0;
	m->shift = 0; /* set by the first grow() */
	m->n = 0;
}

void ts_hmap_free(ts_hmap *m)
{
	free(m->slots);
	ts_hmap_init(m);
}

void *ts_hmap_get(const ts_hmap *m, uint64_t key)
{
	if (!m->slots)
		return NULL;
	for (size_t i = home_of(key, m->shift);; i = (i + 1) & m->mask) {
		if (!m->slots[i].val)
			return NULL;
		if (m->slots[i].key == key)
			return m->slots[i].val;
	}
}

static int grow(ts_hmap *m)
{
	size_t ncap = m->slots ? (m->mask + 1) * 2 : 16;
	unsigned nshift = m->slots ? m->shift - 1 : 60;
	ts_hmap_slot *ns = calloc(ncap, sizeof *ns);
	if (!ns)
		return -1;
	for (size_t j = 0; m->slots && j <= m->mask; j++) {
		if (!m->slots[j].val)
			continue;
		size_t i = home_of(m->slots[j].key, nshift);
		while (ns[i].val)
			i = (i + 1) & (ncap - 1);
		ns[i] = m->slots[j];
	}
	free(m->slots);
	m->slots = ns;
	m->mask = ncap - 1;
	m->shift = nshift;
	return 0;
}

int ts_hmap_put(ts_hmap *m, uint64_t key, void *val)
{
	if (!m->slots || (m->n + 1) * 2 > m->mask + 1)
		if (grow(m) < 0)
			return -1;
	size_t i = home_of(key, m->shift);
	while (m->slots[i].val) {
		if (m->slots[i].key == key) {
			m->slots[i].val = val;
			return 0;
		}
		i = (i + 1) & m->mask;
	}
	m->slots[i].key = key;
	m->slots[i].val = val;
	m->n++;
	return 0;
}

void *ts_hmap_del(ts_hmap *m, uint64_t key)
{
	if (!m->slots)
		return NULL;
	size_t i = home_of(key, m->shift);
	while (m->slots[i].val && m->slots[i].key != key)
		i = (i + 1) & m->mask;
	if (!m->slots[i].val)
		return NULL;
	void *val = m->slots[i].val;
	/* Backward-shift deletion keeps every probe chain unbroken. */
	size_t j = i;
	for (;;) {
		m->slots[i].val = NULL;
		for (;;) {
			j = (j + 1) & m->mask;
			if (!m->slots[j].val)
				goto done;
			size_t home = home_of(m->slots[j].key, m->shift);
			/* Move j back to i unless its home lies in (i, j]. */
			if (i <= j ? (home <= i || home > j)
				   : (home <= i && home > j))
				break;
		}
		m->slots[i] = m->slots[j];
		i = j;
	}
done:
	m->n--;
	return val;
}
