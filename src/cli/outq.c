/*
 * outq.c - the output queue (outq.h): a ring of blocks, filled by the
 * run's thread, written in order by a writer thread.
 *
 * The producer fills block tail % NBLOCK; the writer writes blocks head
 * to tail - 1. Both indices move under the mutex, which also orders the
 * block's bytes before the writer reads them. The writer starts when the
 * first block is full; until then (and if it cannot start) blocks are
 * written by the caller.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/outq.h"

#define NBLOCK 4

struct ts_outq {
	int fd;
	int err; /* the first write's errno */
	char *blk[NBLOCK];
	size_t len[NBLOCK];
	size_t cur; /* bytes in block tail % NBLOCK */
	unsigned head, tail;
	int threaded, stop;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t filled, freed;
};

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void *writer(void *arg)
{
	ts_outq *q = arg;
	pthread_mutex_lock(&q->mu);
	for (;;) {
		while (q->head == q->tail && !q->stop)
			pthread_cond_wait(&q->filled, &q->mu);
		if (q->head == q->tail)
			break;
		unsigned b = q->head % NBLOCK;
		int failed = q->err;
		pthread_mutex_unlock(&q->mu);
		int e = failed ? 0 : write_all(q->fd, q->blk[b], q->len[b]);
		pthread_mutex_lock(&q->mu);
		if (e && !q->err)
			q->err = e;
		q->head++;
		pthread_cond_signal(&q->freed);
	}
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

ts_outq *ts_outq_new(int fd)
{
	ts_outq *q = calloc(1, sizeof *q);
	if (!q)
		return NULL;
	q->blk[0] = malloc(TS_OUTQ_BLOCK);
	if (!q->blk[0]) {
		free(q);
		return NULL;
	}
	q->fd = fd;
	return q;
}

/* The writer, with the blocks it needs; 0 when it cannot start. */
static int start(ts_outq *q)
{
	for (int i = 1; i < NBLOCK; i++)
		if (!q->blk[i] && !(q->blk[i] = malloc(TS_OUTQ_BLOCK)))
			return 0;
	if (pthread_mutex_init(&q->mu, NULL))
		return 0;
	if (pthread_cond_init(&q->filled, NULL)) {
		pthread_mutex_destroy(&q->mu);
		return 0;
	}
	if (pthread_cond_init(&q->freed, NULL)) {
		pthread_cond_destroy(&q->filled);
		pthread_mutex_destroy(&q->mu);
		return 0;
	}
	if (pthread_create(&q->thread, NULL, writer, q)) {
		pthread_cond_destroy(&q->freed);
		pthread_cond_destroy(&q->filled);
		pthread_mutex_destroy(&q->mu);
		return 0;
	}
	q->threaded = 1;
	return 1;
}

/* Hand the current block to the writer (or write it), and make the next
 * one current. */
static void hand_over(ts_outq *q)
{
	if (!q->cur)
		return;
	if (!q->threaded && !start(q)) {
		if (!q->err)
			q->err = write_all(q->fd, q->blk[0], q->cur);
		q->cur = 0;
		return;
	}
	pthread_mutex_lock(&q->mu);
	q->len[q->tail % NBLOCK] = q->cur;
	q->tail++;
	pthread_cond_signal(&q->filled);
	while (q->tail - q->head == NBLOCK)
		pthread_cond_wait(&q->freed, &q->mu);
	pthread_mutex_unlock(&q->mu);
	q->cur = 0;
}

static char *current(ts_outq *q)
{
	return q->blk[q->threaded ? q->tail % NBLOCK : 0];
}

void ts_outq_put(ts_outq *q, const char *data, size_t len)
{
	while (len) {
		size_t n = TS_OUTQ_BLOCK - q->cur;
		if (n > len)
			n = len;
		memcpy(current(q) + q->cur, data, n);
		q->cur += n;
		data += n;
		len -= n;
		if (q->cur == TS_OUTQ_BLOCK)
			hand_over(q);
	}
}

char *ts_outq_room(ts_outq *q, size_t min, size_t *room)
{
	if (TS_OUTQ_BLOCK - q->cur < min)
		hand_over(q);
	*room = TS_OUTQ_BLOCK - q->cur;
	return current(q) + q->cur;
}

void ts_outq_commit(ts_outq *q, size_t len)
{
	q->cur += len;
}

int ts_outq_sync(ts_outq *q)
{
	if (!q->threaded) {
		if (q->cur && !q->err)
			q->err = write_all(q->fd, q->blk[0], q->cur);
		q->cur = 0;
		return q->err;
	}
	hand_over(q);
	pthread_mutex_lock(&q->mu);
	while (q->head != q->tail)
		pthread_cond_wait(&q->freed, &q->mu);
	int e = q->err;
	pthread_mutex_unlock(&q->mu);
	return e;
}

int ts_outq_free(ts_outq *q)
{
	if (!q)
		return 0;
	int e = ts_outq_sync(q);
	if (q->threaded) {
		pthread_mutex_lock(&q->mu);
		q->stop = 1;
		pthread_cond_signal(&q->filled);
		pthread_mutex_unlock(&q->mu);
		pthread_join(q->thread, NULL);
		pthread_cond_destroy(&q->freed);
		pthread_cond_destroy(&q->filled);
		pthread_mutex_destroy(&q->mu);
	}
	for (int i = 0; i < NBLOCK; i++)
		free(q->blk[i]);
	free(q);
	return e;
}
