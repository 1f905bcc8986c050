/*
 * portmap.h - how many sockets of a host are bound to each local port.
 * The 65,536 counters come in pages of 256, made when a port in them is
 * first bound: a lookup is two loads, and a host whose connections take
 * ephemeral ports one after another touches a page per 256 of them (a hash
 * map of the same ports touches its whole table, and the tables it grew
 * through).
 */
#ifndef TS_PORTMAP_H
#define TS_PORTMAP_H

#include <stdint.h>

#define TS_PORTMAP_PAGE 256

typedef struct ts_portmap {
	uint32_t *page[65536 / TS_PORTMAP_PAGE];
} ts_portmap;

/* The sockets bound to PORT. */
static inline uint32_t ts_portmap_get(const ts_portmap *m, uint16_t port)
{
	const uint32_t *pg = m->page[port / TS_PORTMAP_PAGE];
	return pg ? pg[port % TS_PORTMAP_PAGE] : 0;
}

/* One socket more bound to PORT; -1: no memory (nothing changed). */
int ts_portmap_take(ts_portmap *m, uint16_t port);
/* One socket fewer bound to PORT (a port with none keeps none). */
void ts_portmap_put(ts_portmap *m, uint16_t port);
/* Every page freed: no port is bound. */
void ts_portmap_free(ts_portmap *m);

#endif
