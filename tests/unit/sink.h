/*
 * sink.h - the report collected in memory, and what the tests that run
 * traces through <tcpsim.h> share: a run of a trace text into it, checks on
 * it, and a trace text built piece by piece.
 */
#ifndef TCPSIM_TESTS_SINK_H
#define TCPSIM_TESTS_SINK_H

#include <check.h>
#include <stddef.h>
#include <string.h>

#include "tcpsim.h"

struct buf {
	char *data; /* NUL-terminated; free() it */
	size_t len;
	size_t cap; /* room at data (it grows by doubling) */
};

/* Appends DATA to the struct buf CTX. */
void sink(void *ctx, const char *data, size_t len);

/* Events as JSON lines, tcpsim_event_json() of each. */
struct json_lines {
	struct buf b;
	unsigned long long seq; /* the next event's index in its run */
};
/* An event callback appending EV to the struct json_lines CTX. */
void sink_json(void *ctx, const tcpsim_event *ev);

/* Runs TEXT as the trace "t.trace" (with --why when WHY); *OUT gets the
 * report. Returns the status. */
int run_why(const char *text, struct buf *out, tcpsim_error *e, int why);
int run(const char *text, struct buf *out, tcpsim_error *e);

/* The file at PATH, whole and NUL-terminated (free() it); *LEN (may be
 * NULL) its length. */
char *read_file(const char *path, size_t *len);

/* The catalogue: every *.trace under $TOP_SRCDIR/traces (. without it),
 * sorted, as full paths; *N of them. free_catalogue() frees them. */
char **catalogue(int *n);
void free_catalogue(char **v, int n);

/* Appends to a trace text being built in BUF (CAP bytes). */
void addf(char *buf, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The report in the struct buf B has (has not) the text S. */
#define HAS(b, s)                                                              \
	ck_assert_msg(strstr((b)->data, (s)) != NULL,                          \
		      "report lacks \"%s\":\n%s", (s), (b)->data)
#define HASNT(b, s)                                                            \
	ck_assert_msg(strstr((b)->data, (s)) == NULL,                          \
		      "report has \"%s\":\n%s", (s), (b)->data)

/* A listener s and an accepted a on the server, a connected c on the
 * client (port 40000), all done at 0.03 s; the next line is line 7. */
#define BASE                                                                   \
	"0      server: s = socket()\n"                                        \
	"+0     server: bind(s, 80) = 0\n"                                     \
	"+0     server: listen(s, 8) = 0\n"                                    \
	"+0     client: c = socket()\n"                                        \
	"+0     client: connect(c, server:80) = 0\n"                           \
	"+0     server: a = accept(s)\n"

#endif
