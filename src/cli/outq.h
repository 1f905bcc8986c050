/*
 * outq.h - standard output written by a thread of its own while the run
 * goes on: the report and JSON lines are handed over in blocks, and the
 * kernel's copy of each into the file or pipe overlaps the formatting of
 * the next. The bytes and their order are those of a plain write; a run
 * whose output fits in one block starts no thread.
 */
#ifndef TS_OUTQ_H
#define TS_OUTQ_H

#include <stddef.h>

#define TS_OUTQ_BLOCK (256u << 10)

typedef struct ts_outq ts_outq;

/* A queue writing to FD; NULL when memory runs out. */
ts_outq *ts_outq_new(int fd);
/* Append LEN bytes. */
void ts_outq_put(ts_outq *q, const char *data, size_t len);
/* The block being filled, for writing into in place: its start and the
 * room left (at least MIN bytes: a fuller block is handed over first). */
char *ts_outq_room(ts_outq *q, size_t min, size_t *room);
/* LEN bytes were written at the start ts_outq_room() gave. */
void ts_outq_commit(ts_outq *q, size_t len);
/* Everything appended is written when it returns: 0, or the errno of
 * the first write that failed (what follows one is dropped). */
int ts_outq_sync(ts_outq *q);
/* Sync, stop the thread and free. */
int ts_outq_free(ts_outq *q);

#endif
