/*
 * gen.c - "tcpsim gen --seed N": a random trace for property testing. A
 * client writes a few random-sized chunks to a server, and the server a few
 * back, across a link with random delay, through random faults in both
 * directions (drops, all of one kind until a heal, duplicates, delays that
 * reorder); the client half-closes, the server reads to the end and
 * closes, and the client reads to the end and closes. The same seed gives the
 * same trace (splitmix64, no other randomness). tests/run-random.sh checks,
 * over thousands of seeds, that every byte arrives once and in order or an
 * application sees an error, and that nothing hangs.
 *
 * Both ends use keepalive. Without it a run may rightly hang: a client in
 * FIN_WAIT_2 that still has its descriptor has no timer at all (Linux
 * tcp_fin_timeout applies to orphans only), so when every FIN of a
 * vanished server is lost its read() waits forever, as on Linux.
 */
#include "cli/gen.h"

#include <inttypes.h>
#include <stdint.h>

static uint64_t next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [lo, hi]. */
static unsigned pick(uint64_t *s, unsigned lo, unsigned hi)
{
	return lo + (unsigned)(next(s) % (uint64_t)(hi - lo + 1));
}

static const char *const kinds[] = {"", " DATA", " ACK", " SYN", " FIN"};

static void fault(FILE *f, uint64_t *s, const char *dir)
{
	const char *kind = kinds[pick(s, 0, 4)];
	switch (pick(s, 0, 4)) {
	case 0:
	case 1:
		fprintf(f, "+0     net: drop %s %u%s\n", dir, pick(s, 1, 4),
			kind);
		break;
	case 2:
		fprintf(f, "+0     net: dup %s %u%s\n", dir, pick(s, 1, 3),
			kind);
		break;
	case 3:
		fprintf(f, "+0     net: delay %s %ums %u%s\n", dir,
			pick(s, 1, 300), pick(s, 1, 3), kind);
		break;
	default:
		/* A cut of a few hundred ms, then heal (placed by caller). */
		fprintf(f, "+0     net: drop %s all%s\n", dir, kind);
		break;
	}
}

void ts_gen_trace(FILE *f, uint64_t seed)
{
	uint64_t s = seed;
	unsigned delay = pick(&s, 1, 50);
	unsigned nwrites = pick(&s, 1, 5);
	fprintf(f,
		"# Random trace, tcpsim gen --seed %" PRIu64
		": a client writes "
		"%u chunks\n"
		"# to a server through random faults; the server reads to the "
		"end.\n"
		"host client 10.0.0.1\n"
		"host server 10.0.0.2\n"
		"link client server delay %ums\n"
		"set client tcp_retries2 6\n"
		"set server tcp_retries2 6\n"
		"set client tcp_syn_retries 4\n"
		"set client tcp_fin_timeout 5\n"
		"set server tcp_fin_timeout 5\n"
		"set client tcp_keepalive_time 60\n"
		"set server tcp_keepalive_time 60\n"
		"set client tcp_keepalive_intvl 5\n"
		"set server tcp_keepalive_intvl 5\n"
		"set client tcp_keepalive_probes 3\n"
		"set server tcp_keepalive_probes 3\n"
		"\n"
		"0      server: s = socket()\n"
		"+0     server: setsockopt(s, SO_KEEPALIVE, 1) = 0\n"
		"+0     server: bind(s, 80) = 0\n"
		"+0     server: listen(s, 8) = 0\n"
		"+0     server: signal(SIGPIPE, SIG_IGN) = 0\n"
		"+0     client: signal(SIGPIPE, SIG_IGN) = 0\n"
		"+0     client: c = socket()\n"
		"+0     client: setsockopt(c, SO_KEEPALIVE, 1) = 0\n",
		seed, nwrites, delay);
	unsigned nfaults = pick(&s, 0, 6);
	unsigned nback = 0;
	for (unsigned i = 0; i < nfaults; i++)
		fault(f, &s,
		      pick(&s, 0, 1) ? "client>server" : "server>client");
	fprintf(f, "+0     client: connect(c, server:80)\n"
		   "+0     server: a = accept(s)\n");
	for (unsigned i = 0; i < nwrites; i++) {
		fprintf(f, "+%u.%03u  client: write(c, %u)\n", pick(&s, 0, 1),
			pick(&s, 0, 999), pick(&s, 1, 20000));
		/* The server answers now and then (at most 45000 bytes: the
		 * client reads only at the end). */
		if (nback < 3 && pick(&s, 0, 1) == 0) {
			fprintf(f, "+0     server: write(a, %u)\n",
				pick(&s, 1, 15000));
			nback++;
		}
		if (pick(&s, 0, 3) == 0)
			fault(f, &s,
			      pick(&s, 0, 1) ? "client>server"
					     : "server>client");
	}
	/* Every "drop ... all" ends: the path heals, mostly soon, sometimes
	 * after the senders may have given up. */
	if (pick(&s, 0, 3) == 0)
		fprintf(f, "+%u     net: heal\n", pick(&s, 5, 40));
	else
		fprintf(f, "+0.%03u  net: heal\n", pick(&s, 100, 900));
	fprintf(f, "+0     client: shutdown(c, SHUT_WR)\n");
	/* Enough reads for every byte: each returns at least one byte, 0
	 * at the end, or an error. */
	for (unsigned i = 0; i < 120; i++)
		fprintf(f, "+0     server: read(a, 100000)\n");
	fprintf(f, "+0     server: close(a)\n");
	for (unsigned i = 0; i < 60; i++)
		fprintf(f, "+0     client: read(c, 100000)\n");
	fprintf(f, "+0     client: close(c)\n");
}
