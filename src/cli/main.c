/*
 * main.c - the tcpsim command: reads trace files, runs each through
 * libtcpsim, writes the report to standard output and errors to standard
 * error as FILE:LINE:COL: message. Exit status: 0 all held, 1 an
 * expectation failed, 2 a trace could not be run or a bad option.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcpsim.h"

#define MAX_TRACE_BYTES (256u << 20)

static void usage(FILE *f)
{
	fputs("usage: tcpsim [OPTION]... FILE...\n"
	      "Run TCP traces in virtual time and report every segment, state\n"
	      "change, timer, RST and call result. FILE '-' is standard "
	      "input.\n"
	      "\n"
	      "  --seed N          seed for the initial sequence numbers "
	      "(default 0)\n"
	      "  --max-time DUR    stop a run past this virtual time "
	      "(default 10000000s)\n"
	      "  --max-events N    stop a run after N events (default "
	      "100000000)\n"
	      "  --help            show this help and exit\n"
	      "  --version         show the version and exit\n"
	      "\n"
	      "Exit status: 0 every expectation held, 1 an expectation "
	      "failed,\n"
	      "2 a trace could not be run or an option was wrong.\n",
	      f);
}

static void write_out(void *ctx, const char *data, size_t len)
{
	fwrite(data, 1, len, (FILE *)ctx);
}

static void print_error(const tcpsim_error *e)
{
	fflush(stdout);
	if (e->line > 0 && e->col > 0)
		fprintf(stderr, "%s:%d:%d: %s\n", e->file, e->line, e->col,
			e->message);
	else if (e->line > 0)
		fprintf(stderr, "%s:%d: %s\n", e->file, e->line, e->message);
	else
		fprintf(stderr, "%s: %s\n", e->file, e->message);
	if (e->line > 0 && e->source[0]) {
		fprintf(stderr, "%5d | %s\n", e->line, e->source);
		if (e->col > 0)
			fprintf(stderr, "      | %*s^\n", e->col - 1, "");
	}
}

/* Reads all of F; NULL with a message when it cannot. */
static char *slurp(FILE *f, size_t *len, const char **why)
{
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap);
	if (!buf) {
		*why = "out of memory";
		return NULL;
	}
	for (;;) {
		if (n == cap) {
			if (cap >= MAX_TRACE_BYTES) {
				free(buf);
				*why = "file larger than 256 MiB";
				return NULL;
			}
			cap *= 2;
			char *nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				*why = "out of memory";
				return NULL;
			}
			buf = nb;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0) {
			if (ferror(f)) {
				free(buf);
				*why = strerror(errno);
				return NULL;
			}
			break;
		}
	}
	*len = n;
	return buf;
}

static int parse_u64(const char *s, uint64_t *out)
{
	if (!*s)
		return -1;
	uint64_t v = 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

/* "90", "90s", "1500ms", "250us": microseconds. */
static int parse_dur(const char *s, int64_t *out)
{
	char num[32];
	size_t n = strspn(s, "0123456789");
	if (!n || n >= sizeof num)
		return -1;
	memcpy(num, s, n);
	num[n] = 0;
	uint64_t v;
	if (parse_u64(num, &v) < 0)
		return -1;
	const char *u = s + n;
	uint64_t mul = 1000000;
	if (!strcmp(u, "ms"))
		mul = 1000;
	else if (!strcmp(u, "us"))
		mul = 1;
	else if (*u && strcmp(u, "s"))
		return -1;
	if (v > (uint64_t)INT64_MAX / mul)
		return -1;
	*out = (int64_t)(v * mul);
	return 0;
}

static int run_file(const char *path, const tcpsim_options *opts)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	tcpsim_error err;
	memset(&err, 0, sizeof err);
	if (!f) {
		snprintf(err.file, sizeof err.file, "%s", path);
		snprintf(err.message, sizeof err.message, "cannot open: %s",
			 strerror(errno));
		print_error(&err);
		return TCPSIM_ERROR;
	}
	size_t len = 0;
	const char *why = NULL;
	char *text = slurp(f, &len, &why);
	if (f != stdin)
		fclose(f);
	if (!text) {
		snprintf(err.file, sizeof err.file, "%s", path);
		snprintf(err.message, sizeof err.message, "cannot read: %s",
			 why);
		print_error(&err);
		return TCPSIM_ERROR;
	}
	int rc = tcpsim_run_trace(path, text, len, opts, &err);
	free(text);
	fflush(stdout);
	if (rc == TCPSIM_ERROR)
		print_error(&err);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {"seed", required_argument, NULL, 's'},
	    {"max-time", required_argument, NULL, 't'},
	    {"max-events", required_argument, NULL, 'e'},
	    {NULL, 0, NULL, 0}};
	tcpsim_options opts;
	tcpsim_options_init(&opts);
	opts.write = write_out;
	opts.write_ctx = stdout;
	int c;
	while ((c = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("tcpsim %s\n", tcpsim_version());
			return 0;
		case 's':
			if (parse_u64(optarg, &opts.seed) < 0) {
				fprintf(stderr,
					"tcpsim: --seed: not a number: "
					"'%s'\n",
					optarg);
				return 2;
			}
			break;
		case 't':
			if (parse_dur(optarg, &opts.max_time_us) < 0 ||
			    opts.max_time_us <= 0) {
				fprintf(stderr,
					"tcpsim: --max-time: not a duration: "
					"'%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'e':
			if (parse_u64(optarg, &opts.max_events) < 0 ||
			    !opts.max_events) {
				fprintf(stderr,
					"tcpsim: --max-events: not a "
					"positive number: '%s'\n",
					optarg);
				return 2;
			}
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "tcpsim: no trace file given\n");
		usage(stderr);
		return 2;
	}
	int status = 0;
	for (int i = optind; i < argc; i++) {
		if (i > optind)
			fputc('\n', stdout);
		int rc = run_file(argv[i], &opts);
		if (rc > status)
			status = rc;
	}
	return status;
}
