/*
 * cli.c - the commands "tcpsim explain" and "tcpsim pcap2trace": read a
 * capture (src/capture) and hand its segments to the explainer
 * (explain.c) or to the trace writer (pcap2trace.c).
 * Exit status: 0 read to the end; 2 a bad option, or a file that is no
 * capture or cannot be read to its end (what was read is still explained).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/capture.h"
#include "explain/explain.h"

static void usage(FILE *f)
{
	fputs("usage: tcpsim explain [--json] [--trace TRACE] FILE\n"
	      "Explain each TCP connection of a capture (pcap or pcapng) and\n"
	      "the rule behind every RST in it. FILE '-' is standard input.\n"
	      "\n"
	      "  --json         one JSON object per connection, per RST, and\n"
	      "                 a summary (doc/explain.md)\n"
	      "  --trace TRACE  the trace tcpsim pcap2trace made of FILE:\n"
	      "                 each frame of the evidence names its lines\n",
	      f);
}

/* --trace: the frames' lines of a trace pcap2trace made; -1 with a
 * message when it cannot be read. */
static int read_lines(const char *path, ts_xp_lines **v, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "%s: cannot open: %s\n", path, strerror(errno));
		return -1;
	}
	char *buf = NULL;
	size_t len = 0, cap = 0, got;
	char chunk[65536];
	while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
		/* a trace is at most 256 MiB (the command's limit) */
		if (len + got > (256u << 20)) {
			fprintf(stderr, "%s: too large for a trace\n", path);
			free(buf);
			fclose(f);
			return -1;
		}
		if (len + got > cap) {
			size_t nc = cap ? 2 * cap : 65536;
			while (nc < len + got)
				nc *= 2;
			char *nb = realloc(buf, nc);
			if (!nb) {
				fprintf(stderr, "tcpsim explain: out of "
						"memory\n");
				free(buf);
				fclose(f);
				return -1;
			}
			buf = nb;
			cap = nc;
		}
		memcpy(buf + len, chunk, got);
		len += got;
	}
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		fprintf(stderr, "%s: cannot read\n", path);
		free(buf);
		return -1;
	}
	*v = ts_xp_read_lines(buf ? buf : "", len, n);
	free(buf);
	return 0;
}

int ts_explain_main(int argc, char **argv)
{
	int json = 0;
	const char *path = NULL, *trace = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (!strcmp(argv[i], "--trace")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "tcpsim explain: --trace needs "
						"a file\n");
				return 2;
			}
			trace = argv[++i];
		} else if (!strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "tcpsim explain: unknown option %s\n",
				argv[i]);
			usage(stderr);
			return 2;
		} else if (path) {
			fprintf(stderr, "tcpsim explain: one capture at a "
					"time\n");
			return 2;
		} else
			path = argv[i];
	}
	if (!path) {
		usage(stderr);
		return 2;
	}
	char err[512];
	ts_cap *cap = ts_cap_open(path, err, sizeof err);
	if (!cap) {
		fprintf(stderr, "%s: %s\n", path, err);
		return 2;
	}
	ts_xp_lines *lines = NULL;
	size_t nlines = 0;
	if (trace && read_lines(trace, &lines, &nlines) < 0) {
		ts_cap_close(cap);
		return 2;
	}
	ts_xp *x = ts_xp_new(stdout, json, NULL, NULL);
	if (!x) {
		ts_cap_close(cap);
		free(lines);
		fprintf(stderr, "tcpsim explain: out of memory\n");
		return 2;
	}
	ts_xp_set_lines(x, lines, nlines);
	ts_cap_seg s;
	int r;
	while ((r = ts_cap_next(cap, &s, err, sizeof err)) == 1)
		ts_xp_segment(x, &s);
	const ts_cap_stats *st = ts_cap_stats_of(cap);
	ts_xp_finish(x, st, r < 0 ? err : NULL);
	int status = 0;
	if (r < 0) {
		fprintf(stderr,
			"%s: %s (the frames before it are explained above)\n",
			path, err);
		status = 2;
	} else if (st->frames && !st->kind[TS_CAP_TCP]) {
		fprintf(stderr,
			"%s: no IPv4 TCP segment in %llu frames (%llu IPv6, "
			"which tcpsim does not read)\n",
			path, (unsigned long long)st->frames,
			(unsigned long long)st->kind[TS_CAP_IPV6]);
		status = 2;
	}
	if (fflush(stdout) != 0)
		status = 2;
	ts_xp_free(x);
	free(lines);
	ts_cap_close(cap);
	return status;
}
