/*
 * gen.h - random traces for property testing ("tcpsim gen --seed N").
 */
#ifndef TS_GEN_H
#define TS_GEN_H

#include <stdint.h>
#include <stdio.h>

void ts_gen_trace(FILE *f, uint64_t seed);

#endif
