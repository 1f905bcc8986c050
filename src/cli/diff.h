/*
 * diff.h - a unified diff of two texts, line by line, as "diff -u" writes
 * it, for 'tcpsim test' when a report differs from its expected one.
 */
#ifndef TS_DIFF_H
#define TS_DIFF_H

#include <stddef.h>
#include <stdio.h>

/* Write to F the unified diff from A (NA bytes, named NAME_A) to B.
 * Returns 0 when they are the same (nothing written), 1 when they
 * differ, -1 when memory ran out. */
int ts_diff(FILE *f, const char *name_a, const char *a, size_t na,
	    const char *name_b, const char *b, size_t nb);

#endif
