/*
 * portmap.c - bound-port counters, see portmap.h.
 */
#include "base/portmap.h"

#include <stdlib.h>

int ts_portmap_take(ts_portmap *m, uint16_t port)
{
	uint32_t **pg = &m->page[port / TS_PORTMAP_PAGE];
	if (!*pg) {
		*pg = calloc(TS_PORTMAP_PAGE, sizeof **pg);
		if (!*pg)
			return -1;
	}
	(*pg)[port % TS_PORTMAP_PAGE]++;
	return 0;
}

void ts_portmap_put(ts_portmap *m, uint16_t port)
{
	uint32_t *pg = m->page[port / TS_PORTMAP_PAGE];
	if (pg && pg[port % TS_PORTMAP_PAGE])
		pg[port % TS_PORTMAP_PAGE]--;
}

void ts_portmap_free(ts_portmap *m)
{
	for (unsigned i = 0; i < 65536 / TS_PORTMAP_PAGE; i++) {
		free(m->page[i]);
		m->page[i] = NULL;
	}
}
