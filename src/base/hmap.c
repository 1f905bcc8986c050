/*
 * hmap.c - open-addressing hash map, see hmap.h.
 */
#include "base/hmap.h"

#include <stdlib.h>

static size_t hash(uint64_t k)
{
	/* splitmix64 finalizer: good spread for structured keys (ports, IPs).
	 */
	k ^= k >> 30;
	k *= 0xbf58476d1ce4e5b9ULL;
	k ^= k >> 27;
	k *= 0x94d049bb133111ebULL;
	k ^= k >> 31;
	return (size_t)k;
}

void ts_hmap_init(ts_hmap *m)
{
	m->slots = NULL;
	m->mask = 0;
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
	for (size_t i = hash(key) & m->mask;; i = (i + 1) & m->mask) {
		if (!m->slots[i].val)
			return NULL;
		if (m->slots[i].key == key)
			return m->slots[i].val;
	}
}

static int grow(ts_hmap *m)
{
	size_t ncap = m->slots ? (m->mask + 1) * 2 : 16;
	ts_hmap_slot *ns = calloc(ncap, sizeof *ns);
	if (!ns)
		return -1;
	for (size_t j = 0; m->slots && j <= m->mask; j++) {
		if (!m->slots[j].val)
			continue;
		size_t i = hash(m->slots[j].key) & (ncap - 1);
		while (ns[i].val)
			i = (i + 1) & (ncap - 1);
		ns[i] = m->slots[j];
	}
	free(m->slots);
	m->slots = ns;
	m->mask = ncap - 1;
	return 0;
}

int ts_hmap_put(ts_hmap *m, uint64_t key, void *val)
{
	if (!m->slots || (m->n + 1) * 2 > m->mask + 1)
		if (grow(m) < 0)
			return -1;
	size_t i = hash(key) & m->mask;
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
	size_t i = hash(key) & m->mask;
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
			size_t home = hash(m->slots[j].key) & m->mask;
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
