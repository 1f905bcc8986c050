/*
 * main.c - the tcpsim command: reads trace files, runs each through
 * libtcpsim, and writes what was asked: the text report (default), a
 * ladder diagram, JSON Lines, a pcap file, or, with --quiet, only the
 * failures. Errors go to standard error as FILE:LINE:COL: message.
 * "tcpsim test PATH..." runs traces as a test suite.
 * Exit status: 0 all held, 1 an expectation failed, 2 a trace could not be
 * run or a bad option, 3 a packetdrill script (FILE.pkt, src/pkt) uses
 * what tcpsim cannot run.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/sb.h"
#include "cli/diff.h"
#include "cli/gen.h"
#include "cli/html.h"
#include "cli/ladder.h"
#include "cli/outq.h"
#include "explain/explain.h"
#include "explore/explore.h"
#include "kernel/kernel.h"
#include "pkt/pkt.h"
#include "render/json.h"
#include "tcpsim.h"

#define MAX_TRACE_BYTES (256u << 20)

/* A pcap file: every segment sent (HOST NULL), or what a capture on one
 * host would show (--pcap-at HOST FILE). */
#define MAX_PCAP_AT 8
typedef struct pcap_out {
	const char *path;
	const char *host; /* NULL: the network's view */
	int idx;          /* HOST's index in the run */
	pcap_t *pcap;
	pcap_dumper_t *dumper;
} pcap_out;

typedef struct cli {
	tcpsim_options opts;
	int json;     /* JSON Lines on standard output */
	int quiet;    /* only failures and a summary */
	int ladder;   /* the ladder diagram instead of the report */
	int ascii;    /* ladder in plain ASCII */
	int width;    /* --width N; 0: the terminal's, else 80 */
	int svg_time; /* --svg-time: the SVG's rows spaced by time */
	int color;    /* ANSI colours */
	const char *pcap_path;
	pcap_out pcap_at[MAX_PCAP_AT];
	int npcap_at;
	const char *svg_path;
	const char *html_path;
	/* per run */
	unsigned long long nev;
	ts_outq *out; /* standard output, for the report and JSON lines */
	ts_json *json_names;
	pcap_t *pcap;
	pcap_dumper_t *dumper;
	ts_ladder *lad;
	ts_ladder *svg;
	int failed_io;
	/* packetdrill scripts: --packetdrill, and packetdrill's options */
	int packetdrill;
	ts_pkt_config pkt;
	int update; /* tcpsim test --update: rewrite the expected reports */
} cli;

static void usage(FILE *f)
{
	fputs(
	    "usage: tcpsim [OPTION]... FILE...\n"
	    "       tcpsim test [OPTION]... PATH...\n"
	    "       tcpsim gen --seed N\n"
	    "       tcpsim explain [--json] CAPTURE\n"
	    "       tcpsim pcap2trace [--conn N] [--segments] CAPTURE\n"
	    "       tcpsim explore TRACE [--depth K] ... (tcpsim explore "
	    "--help)\n"
	    "Run TCP traces in virtual time and report every segment, state\n"
	    "change, timer, RST and call result. FILE '-' is standard "
	    "input.\n"
	    "'tcpsim test' runs every trace under the PATHs as a test suite.\n"
	    "'tcpsim gen' writes a random trace (faults, data, close) for "
	    "seed N.\n"
	    "'tcpsim explain' says why each RST of a capture (pcap, pcapng) "
	    "was sent;\n"
	    "'tcpsim pcap2trace' writes a trace reproducing one of its "
	    "connections\n(doc/explain.md).\n"
	    "'tcpsim explore' runs a trace under every schedule of up to K "
	    "faults\nand reports the distinct outcomes.\n"
	    "\n"
	    "  --ladder          a ladder diagram instead of the report\n"
	    "  --ascii           the ladder in plain ASCII\n"
	    "  --width N         the ladder's width in columns (default: "
	    "COLUMNS,\n"
	    "                    else the terminal's, else 80)\n"
	    "  --svg FILE        the ladder diagram as an SVG file\n"
	    "  --html FILE       an interactive page of the run, one file: "
	    "step\n"
	    "                    through the events, click a segment or an "
	    "RST\n"
	    "  --svg-time        its rows spaced by time (long idle "
	    "stretches\n"
	    "                    drawn shorter), not one after another\n"
	    "  --pcap FILE       every segment as an IPv4 packet in a pcap "
	    "file\n"
	    "  --pcap-at HOST FILE  what a capture on HOST would show: each\n"
	    "                    segment when it leaves or arrives there\n"
	    "  --json            one JSON object per event (JSON Lines) "
	    "instead\n"
	    "                    of the report (doc/json.md)\n"
	    "  --why             after each failed call and each RST, the "
	    "chain of\n"
	    "                    causes behind it\n"
	    "  --check           check TCP invariants and byte integrity "
	    "after\n"
	    "                    every event (a violation is an error)\n"
	    "  --quiet           only failed expectations and a summary\n"
	    "  --color=WHEN      colour: auto (default), always, never\n"
	    "  --seed N          seed for the initial sequence numbers "
	    "(default 0)\n"
	    "  --max-time DUR    stop a run past this virtual time "
	    "(default 10000000s)\n"
	    "  --max-events N    stop a run after N events (default "
	    "100000000)\n"
	    "  --packetdrill     read each FILE as a packetdrill script (the\n"
	    "                    default for FILE.pkt); packetdrill's options\n"
	    "                    --tolerance_usecs=N, --tolerance_percent=P,\n"
	    "                    --tcp_ts_tick_usecs=N, --mss=N, "
	    "--local_ip=A,\n"
	    "                    --remote_ip=A, --bind_port=N, "
	    "--connect_port=N,\n"
	    "                    -D NAME=VALUE (--define: TFO_COOKIE=HEX)\n"
	    "                    apply to them (doc/packetdrill.md)\n"
	    "  --kernel          run each trace on this machine's kernel "
	    "instead\n"
	    "                    (root: doc/kernel.md); --diff: on both, and "
	    "where\n"
	    "                    they differ\n"
	    "  --update          (tcpsim test) write each report to NAME.out\n"
	    "                    beside NAME.trace, instead of comparing\n"
	    "  --help            show this help and exit\n"
	    "  --version         show the version and exit\n"
	    "\n"
	    "The calls a trace may make (doc/trace-format.md):\n",
	    f);
	/* From the library's call table, as the parser reads them. */
	int col = 0;
	for (int id = 0; tcpsim_call_usage(id); id++) {
		const char *u = tcpsim_call_usage(id);
		int n = (int)strlen(u);
		if (col && col + 2 + n > 72) {
			fputc('\n', f);
			col = 0;
		}
		col += fprintf(f, "  %s", u);
	}
	fputs("\n\n"
	      "Exit status: 0 every expectation held, 1 an expectation "
	      "failed,\n"
	      "2 a trace could not be run or an option was wrong,\n"
	      "3 a packetdrill script uses what tcpsim cannot run.\n",
	      f);
}

static const char *RED = "\033[31m", *OFF = "\033[0m";

/* The text report, as the library writes it (in colour when asked). */
static void write_report(void *ctx, const char *data, size_t len)
{
	cli *c = ctx;
	ts_outq_put(c->out, data, len);
}

/* A JSON line is written in place into the output queue's block, which
 * keeps at least this much room for it (a longer one is copied). */
#define JSON_ROOM 65536

static void put_json(cli *c, const tcpsim_event *ev, unsigned long long seq)
{
	size_t room;
	char *p = ts_outq_room(c->out, JSON_ROOM, &room);
	ts_sb sb;
	ts_sb_init(&sb, p, room);
	ts_json_event(c->json_names, &sb, ev, seq);
	ts_sb_putc(&sb, '\n');
	if (sb.failed)
		c->failed_io = 1;
	if (sb.heap) {
		ts_outq_put(c->out, sb.buf, sb.len);
		ts_sb_free(&sb);
	} else {
		ts_outq_commit(c->out, sb.len);
	}
}

/* Standard output through stdio, after what the queue holds. */
static void sync_out(cli *c)
{
	if (c->out)
		ts_outq_sync(c->out);
}

/* EV's segment as a packet stamped with the virtual time. */
static void dump(pcap_dumper_t *d, const tcpsim_event *ev)
{
	static unsigned char pkt[70000];
	size_t n = tcpsim_event_packet(ev, pkt, sizeof pkt);
	if (n) {
		struct pcap_pkthdr h;
		memset(&h, 0, sizeof h);
		h.ts.tv_sec = (time_t)(ev->time_us / 1000000);
		h.ts.tv_usec = (suseconds_t)(ev->time_us % 1000000);
		h.caplen = h.len = (bpf_u_int32)n;
		pcap_dump((u_char *)d, &h, pkt);
	}
}

static void on_event(void *ctx, const tcpsim_event *ev)
{
	cli *c = ctx;
	unsigned long long seq = c->nev++;
	if (c->json)
		put_json(c, ev, seq);
	if (c->quiet && ev->kind == TCPSIM_EV_FAIL) {
		char b[1024];
		tcpsim_event_text(ev, b, sizeof b);
		sync_out(c);
		printf("%s%s%s\n", c->color ? RED : "", b, c->color ? OFF : "");
		fflush(stdout);
	}
	if (c->lad)
		ts_ladder_event(c->lad, ev);
	if (c->svg)
		ts_ladder_event(c->svg, ev);
	if (c->dumper &&
	    (ev->kind == TCPSIM_EV_SEND || ev->kind == TCPSIM_EV_INJECT ||
	     ev->kind == TCPSIM_EV_REPLAY))
		dump(c->dumper, ev);
	/* A capture on one host sees a segment when its stack sends it
	 * (lost later or not) and when it arrives there (a forged or
	 * replayed one included); a host that is down sees nothing (LOST). */
	for (int i = 0; i < c->npcap_at; i++) {
		const pcap_out *p = &c->pcap_at[i];
		if (p->dumper &&
		    ((ev->kind == TCPSIM_EV_SEND && ev->u.seg.from == p->idx) ||
		     (ev->kind == TCPSIM_EV_RECV && ev->u.seg.to == p->idx)))
			dump(p->dumper, ev);
	}
}

/* The kinds of events the outputs chosen read (0: none). */
static uint32_t wanted(const cli *c)
{
	uint32_t all = (1u << TCPSIM_NEV) - 1, m = 0;
	if (c->json || c->ladder || c->svg_path)
		m = all;
	if (c->pcap_path)
		m |= TCPSIM_EV_BIT(TCPSIM_EV_SEND) |
		     TCPSIM_EV_BIT(TCPSIM_EV_INJECT) |
		     TCPSIM_EV_BIT(TCPSIM_EV_REPLAY);
	if (c->npcap_at)
		m |= TCPSIM_EV_BIT(TCPSIM_EV_SEND) |
		     TCPSIM_EV_BIT(TCPSIM_EV_RECV);
	if (c->quiet)
		m |= TCPSIM_EV_BIT(TCPSIM_EV_FAIL);
	return m;
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
	/* A regular file is read into a buffer of its size (and one byte
	 * more, to see the end): no copy while it grows. */
	struct stat st;
	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size > 0 && (uint64_t)st.st_size < MAX_TRACE_BYTES)
		cap = (size_t)st.st_size + 1;
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

/* The ladder's width when --width does not say: COLUMNS when the shell
 * exports it, else the terminal's (standard output's), else 80. */
static int terminal_width(void)
{
	const char *e = getenv("COLUMNS");
	uint64_t v;
	if (e && parse_u64(e, &v) == 0 && v >= 40 && v <= 1000)
		return (int)v;
	struct winsize ws;
	if (isatty(STDOUT_FILENO) &&
	    ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40 &&
	    ws.ws_col <= 1000)
		return ws.ws_col;
	return 80;
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

/* A trace's text: mapped from its file, or read into memory. */
typedef struct trace_text {
	char *data;
	size_t len;
	int mapped;
} trace_text;

/* PATH's text into *T ("-": standard input). A regular file is mapped,
 * its pages taken in one go from the page cache (MAP_POPULATE): no copy
 * and no fault per page, which a large trace would otherwise spend more
 * time on than on its parse. -1 with *ERR filled when it cannot be read. */
static int read_trace(const char *path, trace_text *t, tcpsim_error *err)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	memset(t, 0, sizeof *t);
	memset(err, 0, sizeof *err);
	snprintf(err->file, sizeof err->file, "%s", path);
	if (!f) {
		snprintf(err->message, sizeof err->message, "cannot open: %s",
			 strerror(errno));
		return -1;
	}
	struct stat st;
	if (f != stdin && fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size > 0 && (uint64_t)st.st_size < MAX_TRACE_BYTES) {
		int flags = MAP_PRIVATE;
#ifdef MAP_POPULATE
		flags |= MAP_POPULATE;
#endif
		void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, flags,
			       fileno(f), 0);
		if (m != MAP_FAILED) {
			fclose(f);
			t->data = m;
			t->len = (size_t)st.st_size;
			t->mapped = 1;
			return 0;
		}
	}
	const char *why = NULL;
	t->data = slurp(f, &t->len, &why);
	if (f != stdin)
		fclose(f);
	if (!t->data) {
		snprintf(err->message, sizeof err->message, "cannot read: %s",
			 why);
		return -1;
	}
	return 0;
}

static void release_trace(trace_text *t)
{
	if (t->mapped)
		munmap(t->data, t->len);
	else
		free(t->data);
	t->data = NULL;
}

static void close_pcaps(cli *c)
{
	if (c->dumper)
		pcap_dump_close(c->dumper);
	if (c->pcap)
		pcap_close(c->pcap);
	c->dumper = NULL;
	c->pcap = NULL;
	for (int i = 0; i < c->npcap_at; i++) {
		pcap_out *p = &c->pcap_at[i];
		if (p->dumper)
			pcap_dump_close(p->dumper);
		if (p->pcap)
			pcap_close(p->pcap);
		p->dumper = NULL;
		p->pcap = NULL;
	}
}

static void html_event(void *ctx, const tcpsim_event *ev)
{
	ts_html_event(ctx, ev);
}

/* --html: the page, from a second run of the trace with the causes of
 * --why on (the runs are the same: the first one's report and outputs
 * stay as asked). */
static int write_html(const cli *c, const char *path, tcpsim_error *err)
{
	trace_text text;
	if (read_trace(path, &text, err) < 0)
		return TCPSIM_ERROR;
	tcpsim_options o = c->opts;
	o.write = NULL;
	o.why = 1;
	o.color = 0;
	o.event_mask = (1u << TCPSIM_NEV) - 1;
	o.event = html_event;
	ts_html *h = ts_html_new(path);
	o.event_ctx = h;
	tcpsim_sim *sim =
	    h ? tcpsim_load(path, text.data, text.len, &o, err) : NULL;
	release_trace(&text);
	if (!sim) {
		ts_html_free(h);
		return TCPSIM_ERROR;
	}
	for (int i = 0; i < tcpsim_host_count(sim); i++)
		ts_html_host(h, tcpsim_host_name(sim, i));
	tcpsim_error e2;
	(void)tcpsim_run(sim, &e2);
	tcpsim_free(sim);
	FILE *f = fopen(c->html_path, "w");
	int rc = 0;
	if (!f || ts_html_write(h, f) < 0 || fclose(f) != 0) {
		snprintf(err->message, sizeof err->message, "cannot write %s",
			 c->html_path);
		err->line = 0;
		rc = TCPSIM_ERROR;
	}
	ts_html_free(h);
	return rc;
}

static int run_trace(cli *c, const char *path, tcpsim_error *err,
		     tcpsim_sim **keep)
{
	trace_text text;
	if (read_trace(path, &text, err) < 0)
		return TCPSIM_ERROR;
	tcpsim_options o = c->opts;
	int report = !c->json && !c->quiet && !c->ladder;
	o.write = report ? write_report : NULL;
	o.write_ctx = c;
	o.color = report && c->color;
	o.event_mask = wanted(c);
	o.event = o.event_mask ? on_event : NULL;
	o.event_ctx = c;
	c->nev = 0;
	tcpsim_sim *sim = tcpsim_load(path, text.data, text.len, &o, err);
	release_trace(&text);
	if (!sim)
		return TCPSIM_ERROR;
	if (c->pcap_path) {
		c->pcap = pcap_open_dead(DLT_RAW, 65535);
		c->dumper =
		    c->pcap ? pcap_dump_open(c->pcap, c->pcap_path) : NULL;
		if (!c->dumper) {
			snprintf(err->message, sizeof err->message,
				 "cannot write %s: %s", c->pcap_path,
				 c->pcap ? pcap_geterr(c->pcap) : "pcap");
			err->line = 0;
			if (c->pcap)
				pcap_close(c->pcap);
			c->pcap = NULL;
			tcpsim_free(sim);
			return TCPSIM_ERROR;
		}
	}
	for (int i = 0; i < c->npcap_at; i++) {
		pcap_out *p = &c->pcap_at[i];
		p->idx = -1;
		for (int h = 0; h < tcpsim_host_count(sim); h++)
			if (!strcmp(tcpsim_host_name(sim, h), p->host))
				p->idx = h;
		if (p->idx < 0) {
			snprintf(err->message, sizeof err->message,
				 "--pcap-at: no host '%s' in this trace",
				 p->host);
			err->line = 0;
			close_pcaps(c);
			tcpsim_free(sim);
			return TCPSIM_ERROR;
		}
		p->pcap = pcap_open_dead(DLT_RAW, 65535);
		p->dumper = p->pcap ? pcap_dump_open(p->pcap, p->path) : NULL;
		if (!p->dumper) {
			snprintf(err->message, sizeof err->message,
				 "cannot write %s: %s", p->path,
				 p->pcap ? pcap_geterr(p->pcap) : "pcap");
			err->line = 0;
			close_pcaps(c);
			tcpsim_free(sim);
			return TCPSIM_ERROR;
		}
	}
	if (c->ladder && (c->lad = ts_ladder_new(path, c->ascii, c->color)))
		ts_ladder_width(c->lad, c->width);
	if (c->svg_path)
		c->svg = ts_ladder_new(path, 0, 0);
	for (int h = 0; h < tcpsim_host_count(sim); h++) {
		if (c->lad)
			ts_ladder_host(c->lad, tcpsim_host_name(sim, h));
		if (c->svg)
			ts_ladder_host(c->svg, tcpsim_host_name(sim, h));
	}
	int rc = tcpsim_run(sim, err);
	sync_out(c);
	close_pcaps(c);
	if (c->lad) {
		ts_ladder_print(c->lad, stdout);
		ts_ladder_free(c->lad);
		c->lad = NULL;
	}
	if (c->svg) {
		FILE *f = fopen(c->svg_path, "w");
		if (!f || ts_ladder_svg(c->svg, f, c->svg_time) < 0 ||
		    fclose(f) != 0) {
			snprintf(err->message, sizeof err->message,
				 "cannot write %s", c->svg_path);
			err->line = 0;
			rc = TCPSIM_ERROR;
		}
		ts_ladder_free(c->svg);
		c->svg = NULL;
	}
	if (c->html_path && rc != TCPSIM_ERROR) {
		tcpsim_error herr = *err;
		if (write_html(c, path, &herr) == TCPSIM_ERROR) {
			*err = herr;
			rc = TCPSIM_ERROR;
		}
	}
	if (c->quiet && rc != TCPSIM_ERROR)
		printf("%s: %d expectations checked, %d failed\n", path,
		       tcpsim_checked(sim), tcpsim_failures(sim));
	if (keep)
		*keep = sim;
	else
		tcpsim_free(sim);
	return rc;
}

static int run_script(cli *c, const char *path, tcpsim_error *err)
{
	trace_text text;
	if (read_trace(path, &text, err) < 0)
		return TCPSIM_ERROR;
	ts_pkt_script *s =
	    ts_pkt_parse(path, text.data, text.len, &c->pkt, err);
	release_trace(&text);
	if (!s)
		return TCPSIM_ERROR;
	tcpsim_options o = c->opts;
	int report = !c->json && !c->quiet;
	o.write = report ? write_report : NULL;
	o.write_ctx = c;
	o.color = report && c->color;
	o.event_mask = c->json ? 0 : TCPSIM_EV_BIT(TCPSIM_EV_DONE);
	o.event = c->json ? on_event : NULL;
	o.event_ctx = c;
	c->nev = 0;
	char msg[2048];
	int rc = ts_pkt_run(s, &o, msg, sizeof msg, err);
	ts_pkt_script_free(s);
	sync_out(c);
	if (msg[0])
		fprintf(stderr, "%s\n", msg);
	if (c->quiet && rc != TCPSIM_ERROR)
		printf("%s: %s\n", path,
		       rc == TCPSIM_OK       ? "pass"
		       : rc == TCPSIM_FAILED ? "fail"
					     : "unsupported");
	return rc;
}

/* Standard output goes through an output queue (outq.h) while a trace or
 * script runs; what stdio holds is written first. A failed write is
 * reported, as "tcpsim: standard output: ..." and status 2. */
static int open_out(cli *c, tcpsim_error *err)
{
	fflush(stdout);
	c->out = ts_outq_new(STDOUT_FILENO);
	if (c->out)
		return 0;
	snprintf(err->message, sizeof err->message, "out of memory");
	err->line = 0;
	return -1;
}

static int close_out(cli *c, int rc, tcpsim_error *err)
{
	int e = ts_outq_free(c->out);
	c->out = NULL;
	if (!e)
		return rc;
	if (rc == TCPSIM_ERROR && err->file[0])
		print_error(err);
	err->file[0] = '\0';
	fprintf(stderr, "tcpsim: standard output: %s\n", strerror(e));
	return TCPSIM_ERROR;
}

/* Run one trace with the outputs C asks for. *SIM receives the finished
 * simulation when SIM is not NULL (the caller frees it). */
static int run_one(cli *c, const char *path, tcpsim_error *err,
		   tcpsim_sim **keep)
{
	if (open_out(c, err) < 0)
		return TCPSIM_ERROR;
	return close_out(c, run_trace(c, path, err, keep), err);
}

/* A packetdrill script (doc/packetdrill.md): the model's report as for a
 * trace, the verdict on standard error as packetdrill words it. */
static int run_pkt(cli *c, const char *path, tcpsim_error *err)
{
	if (open_out(c, err) < 0)
		return TCPSIM_ERROR;
	return close_out(c, run_script(c, path, err), err);
}

static int is_pkt(const cli *c, const char *path)
{
	size_t n = strlen(path);
	return c->packetdrill || (n > 4 && !strcmp(path + n - 4, ".pkt"));
}

/* ---- tcpsim test ---- */

typedef struct pathlist {
	char **v;
	size_t n, cap;
} pathlist;

static int add_path(pathlist *l, const char *p)
{
	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 64;
		char **v = realloc(l->v, nc * sizeof *v);
		if (!v)
			return -1;
		l->v = v;
		l->cap = nc;
	}
	l->v[l->n] = strdup(p);
	return l->v[l->n] ? (int)++l->n : -1;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every *.trace under DIR (depth-limited), or DIR itself if a file. */
static int collect(pathlist *l, const char *path, int depth)
{
	struct stat st;
	if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
		return add_path(l, path) < 0 ? -1 : 0;
	if (depth > 32)
		return 0;
	DIR *d = opendir(path);
	if (!d)
		return add_path(l, path) < 0 ? -1 : 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char sub[4096];
		size_t pl = strlen(path);
		snprintf(sub, sizeof sub, "%s%s%s", path,
			 pl && path[pl - 1] == '/' ? "" : "/", e->d_name);
		struct stat s2;
		if (stat(sub, &s2) < 0)
			continue;
		size_t n = strlen(e->d_name);
		if (S_ISDIR(s2.st_mode)) {
			if (collect(l, sub, depth + 1) < 0) {
				closedir(d);
				return -1;
			}
		} else if (n > 6 && !strcmp(e->d_name + n - 6, ".trace")) {
			if (add_path(l, sub) < 0) {
				closedir(d);
				return -1;
			}
		}
	}
	closedir(d);
	return 0;
}

static void first_fail(void *ctx, const tcpsim_event *ev)
{
	char *first = ctx;
	if (ev->kind == TCPSIM_EV_FAIL && !first[0])
		tcpsim_event_text(ev, first, 512);
}

static void write_sb(void *ctx, const char *data, size_t len)
{
	ts_sb_putn(ctx, data, len);
}

/* The length of the report's first line with the trace's path left out:
 * "# tcpsim VERSION: PATH (profile P)" names the file as it was given
 * ("traces/a.trace", "./traces/a.trace"), which is no part of what an
 * expected report checks. *CUT and *CUTLEN: the path's place. */
static void header_path(const char *s, size_t n, size_t *at, size_t *len)
{
	const char *nl = memchr(s, '\n', n);
	size_t l = nl ? (size_t)(nl - s) : n;
	*at = *len = 0;
	if (l < 9 || memcmp(s, "# tcpsim ", 9))
		return;
	const char *c = memchr(s, ':', l), *p = NULL;
	for (const char *x = s; x + 1 < s + l; x++)
		if (x[0] == ' ' && x[1] == '(')
			p = x;
	if (c && p && p > c + 1) {
		*at = (size_t)(c - s) + 2;
		*len = (size_t)(p - s) - *at;
	}
}

/* A and B are the same report, but for the path in their first lines. */
static int same_report(const char *a, size_t na, const char *b, size_t nb)
{
	size_t aa, al, ba, bl;
	header_path(a, na, &aa, &al);
	header_path(b, nb, &ba, &bl);
	if (!al || !bl)
		return na == nb && !memcmp(a, b, na);
	return aa == ba && !memcmp(a, b, aa) && na - al == nb - bl &&
	       !memcmp(a + aa + al, b + ba + bl, na - aa - al);
}

/* NAME.out beside NAME.trace; 0 when PATH does not end in .trace. */
static int golden_path(const char *path, char *out, size_t cap)
{
	size_t n = strlen(path);
	if (n < 7 || strcmp(path + n - 6, ".trace") || n + 1 > cap)
		return 0;
	memcpy(out, path, n - 6);
	memcpy(out + n - 6, ".out", 5);
	return 1;
}

/* The expected report of PATH compared with REP: 0 the same, 1 they
 * differ (with DIFF, a unified diff written), -1 it cannot be read. */
static int check_golden(const char *path, const char *golden, const ts_sb *rep,
			int diff)
{
	trace_text want;
	tcpsim_error err;
	if (read_trace(golden, &want, &err) < 0) {
		if (diff)
			printf("%s: %s\n", golden, err.message);
		return -1;
	}
	int r = 0;
	if (!same_report(want.data, want.len, rep->buf, rep->len) && !diff) {
		r = 1;
	} else if (!same_report(want.data, want.len, rep->buf, rep->len)) {
		char name[4200];
		snprintf(name, sizeof name, "%s (report of %s)", golden, path);
		fflush(stdout);
		r = ts_diff(stdout, golden, want.data, want.len, name, rep->buf,
			    rep->len) < 0
			? -1
			: 1;
	}
	release_trace(&want);
	return r;
}

/* Write REP to GOLDEN; 1 when that changed it, 0 when it was already
 * so, -1 on an error. */
static int update_golden(const char *golden, const ts_sb *rep)
{
	trace_text old;
	tcpsim_error err;
	if (read_trace(golden, &old, &err) == 0) {
		int same = old.len == rep->len &&
			   !memcmp(old.data, rep->buf, rep->len);
		release_trace(&old);
		if (same)
			return 0;
	}
	FILE *f = fopen(golden, "wb");
	if (!f || fwrite(rep->buf, 1, rep->len, f) != rep->len ||
	    fclose(f) != 0) {
		printf("ERROR %s  cannot write %s: %s\n", golden, golden,
		       strerror(errno));
		return -1;
	}
	return 1;
}

static int run_tests(cli *c, int argc, char **argv)
{
	pathlist l = {0};
	for (int i = 0; i < argc; i++) {
		size_t before = l.n;
		if (collect(&l, argv[i], 0) < 0) {
			fprintf(stderr, "tcpsim: out of memory\n");
			return 2;
		}
		if (l.n > before)
			qsort(l.v + before, l.n - before, sizeof *l.v, cmp_str);
	}
	int passed = 0, failed = 0, errors = 0;
	for (size_t i = 0; i < l.n; i++) {
		tcpsim_error err;
		char first[512] = "", golden[4096];
		trace_text text;
		int rc = TCPSIM_ERROR;
		/* the expected report beside the trace, if any */
		struct stat gst;
		int has_golden = golden_path(l.v[i], golden, sizeof golden) &&
				 (c->update || (stat(golden, &gst) == 0 &&
						S_ISREG(gst.st_mode)));
		ts_sb rep;
		ts_sb_init(&rep, NULL, 0);
		if (read_trace(l.v[i], &text, &err) == 0) {
			tcpsim_options o = c->opts;
			o.write = has_golden ? write_sb : NULL;
			o.write_ctx = &rep;
			o.color = 0;
			o.event = first_fail;
			o.event_ctx = first;
			o.event_mask = TCPSIM_EV_BIT(TCPSIM_EV_FAIL);
			rc = tcpsim_run_trace(l.v[i], text.data, text.len, &o,
					      &err);
			release_trace(&text);
		}
		int differs = 0, updated = 0;
		if (rc != TCPSIM_ERROR && has_golden && rep.failed) {
			snprintf(err.message, sizeof err.message,
				 "out of memory for its report");
			err.line = 0;
			snprintf(err.file, sizeof err.file, "%s", l.v[i]);
			rc = TCPSIM_ERROR;
		} else if (rc != TCPSIM_ERROR && has_golden && c->update) {
			updated = update_golden(golden, &rep);
		}
		if (rc == TCPSIM_OK && has_golden && !c->update)
			differs = check_golden(l.v[i], golden, &rep, 0);
		if (updated > 0)
			printf("wrote %s\n", golden);
		if (rc == TCPSIM_OK && differs) {
			printf("%sFAIL%s  %s  the report differs from %s:\n",
			       c->color ? RED : "", c->color ? OFF : "", l.v[i],
			       golden);
			check_golden(l.v[i], golden, &rep, 1);
			failed++;
		} else if (rc == TCPSIM_OK && updated < 0) {
			errors++;
		} else if (rc == TCPSIM_OK) {
			printf("PASS  %s\n", l.v[i]);
			passed++;
		} else if (rc == TCPSIM_FAILED) {
			printf("%sFAIL%s  %s  %s\n", c->color ? RED : "",
			       c->color ? OFF : "", l.v[i], first);
			failed++;
		} else {
			char where[300];
			if (err.line > 0 && err.col > 0)
				snprintf(where, sizeof where,
					 "%s:%d:%d: ", err.file, err.line,
					 err.col);
			else if (err.line > 0)
				snprintf(where, sizeof where,
					 "%s:%d: ", err.file, err.line);
			else
				snprintf(where, sizeof where, "%s: ", err.file);
			printf("%sERROR%s %s  %s%s\n", c->color ? RED : "",
			       c->color ? OFF : "", l.v[i], where, err.message);
			errors++;
		}
		ts_sb_free(&rep);
		free(l.v[i]);
	}
	free(l.v);
	if (errors)
		printf("%d passed, %d failed, %d could not run\n", passed,
		       failed, errors);
	else
		printf("%d passed, %d failed\n", passed, failed);
	return errors ? 2 : failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {"seed", required_argument, NULL, 's'},
	    {"max-time", required_argument, NULL, 't'},
	    {"max-events", required_argument, NULL, 'e'},
	    {"json", no_argument, NULL, 'j'},
	    {"pcap", required_argument, NULL, 'p'},
	    {"pcap-at", required_argument, NULL, 'A'},
	    {"svg", required_argument, NULL, 'g'},
	    {"ladder", no_argument, NULL, 'l'},
	    {"ascii", no_argument, NULL, 'a'},
	    {"width", required_argument, NULL, 'W'},
	    {"svg-time", no_argument, NULL, 'T'},
	    {"html", required_argument, NULL, 'H'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"why", no_argument, NULL, 'w'},
	    {"check", no_argument, NULL, 'k'},
	    {"color", required_argument, NULL, 'c'},
	    {"colour", required_argument, NULL, 'c'},
	    {"packetdrill", no_argument, NULL, 'P'},
	    {"update", no_argument, NULL, 'u'},
	    /* packetdrill's own options, for scripts */
	    {"tolerance_usecs", required_argument, NULL, 1000},
	    {"tolerance_percent", required_argument, NULL, 1000},
	    {"tcp_ts_tick_usecs", required_argument, NULL, 1000},
	    {"mss", required_argument, NULL, 1000},
	    {"local_ip", required_argument, NULL, 1000},
	    {"remote_ip", required_argument, NULL, 1000},
	    {"gateway_ip", required_argument, NULL, 1000},
	    {"netmask_ip", required_argument, NULL, 1000},
	    {"bind_port", required_argument, NULL, 1000},
	    {"connect_port", required_argument, NULL, 1000},
	    {"ip_version", required_argument, NULL, 1000},
	    {"define", required_argument, NULL, 'D'},
	    {NULL, 0, NULL, 0}};
	cli c;
	memset(&c, 0, sizeof c);
	tcpsim_options_init(&c.opts);
	ts_pkt_config_init(&c.pkt);
	const char *color = "auto";
	if (argc > 1 && !strcmp(argv[1], "explain"))
		return ts_explain_main(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "pcap2trace"))
		return ts_pcap2trace_main(argc - 1, argv + 1);
	/* On the real kernel, and against it (src/kernel, doc/kernel.md). */
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--kernel") || !strcmp(argv[i], "--diff"))
			return ts_kernel_main(argc, argv);
	if (argc > 1 && !strcmp(argv[1], "gen")) {
		/* tcpsim gen --seed N: a random trace on standard output. */
		uint64_t seed = 0;
		if (argc == 4 && !strcmp(argv[2], "--seed") &&
		    parse_u64(argv[3], &seed) < 0) {
			fprintf(stderr,
				"tcpsim gen: --seed: not a number: '%s' (N is "
				"0 to 18446744073709551615)\n",
				argv[3]);
			return 2;
		}
		if (argc != 4 || strcmp(argv[2], "--seed")) {
			fprintf(stderr,
				"tcpsim gen: %s\n"
				"usage: tcpsim gen --seed N\n",
				argc < 3 ? "no seed given"
				: strcmp(argv[2], "--seed")
				    ? "the one option is --seed N"
				: argc == 3 ? "--seed: N missing"
					    : "one seed only");
			return 2;
		}
		ts_gen_trace(stdout, seed);
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "explore"))
		return ts_explore_main(argc - 1, argv + 1); /* doc/explore.md */
	int test = argc > 1 && !strcmp(argv[1], "test");
	if (test) {
		argv++;
		argc--;
	}
	int opt, idx = 0;
	/* getopt's own messages name argv[0], which is the path of libtool's
	 * wrapper in a build tree: the command's messages name "tcpsim". */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":hVqD:", longopts, &idx)) !=
	       -1) {
		switch (opt) {
		case 'P':
			c.packetdrill = 1;
			break;
		case 'u':
			if (!test) {
				fprintf(stderr, "tcpsim: --update is for "
						"'tcpsim test'\n");
				return 2;
			}
			c.update = 1;
			break;
		case 'D': {
			/* packetdrill's -D NAME=VALUE, for scripts */
			char m[160];
			if (ts_pkt_config_define(&c.pkt, optarg, m, sizeof m) <
			    0) {
				fprintf(stderr, "tcpsim: %s\n", m);
				return 2;
			}
			break;
		}
		case 1000: {
			char m[160];
			const char *name = longopts[idx].name;
			int r = ts_pkt_config_set(&c.pkt, name, optarg, m,
						  sizeof m);
			if (r != 0) {
				fprintf(stderr, "tcpsim: %s\n",
					r < 0 ? m : "--ip_version: ipv4 only");
				return 2;
			}
			break;
		}
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("tcpsim %s\n", tcpsim_version());
			return 0;
		case 's':
			if (parse_u64(optarg, &c.opts.seed) < 0) {
				fprintf(stderr,
					"tcpsim: --seed: not a number: "
					"'%s'\n",
					optarg);
				return 2;
			}
			break;
		case 't':
			if (parse_dur(optarg, &c.opts.max_time_us) < 0 ||
			    c.opts.max_time_us <= 0) {
				fprintf(stderr,
					"tcpsim: --max-time: not a duration: "
					"'%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'e':
			if (parse_u64(optarg, &c.opts.max_events) < 0 ||
			    !c.opts.max_events) {
				fprintf(stderr,
					"tcpsim: --max-events: not a "
					"positive number: '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'j':
			c.json = 1;
			break;
		case 'p':
			c.pcap_path = optarg;
			break;
		case 'A':
			/* --pcap-at HOST FILE: the file is the next word */
			if (optind >= argc) {
				fprintf(stderr, "tcpsim: --pcap-at HOST FILE: "
						"FILE missing\n");
				return 2;
			}
			if (c.npcap_at == MAX_PCAP_AT) {
				fprintf(stderr,
					"tcpsim: --pcap-at: at most %d\n",
					MAX_PCAP_AT);
				return 2;
			}
			c.pcap_at[c.npcap_at].host = optarg;
			c.pcap_at[c.npcap_at++].path = argv[optind++];
			break;
		case 'g':
			c.svg_path = optarg;
			break;
		case 'l':
			c.ladder = 1;
			break;
		case 'a':
			c.ascii = 1;
			break;
		case 'T':
			c.svg_time = 1;
			break;
		case 'H':
			c.html_path = optarg;
			break;
		case 'W': {
			uint64_t v;
			if (parse_u64(optarg, &v) < 0 || v < 40 || v > 1000) {
				fprintf(stderr,
					"tcpsim: --width: a number of columns "
					"from 40 to 1000, not '%s'\n",
					optarg);
				return 2;
			}
			c.width = (int)v;
			break;
		}
		case 'q':
			c.quiet = 1;
			break;
		case 'w':
			c.opts.why = 1;
			break;
		case 'k':
			c.opts.check = 1;
			break;
		case 'c':
			color = optarg;
			if (strcmp(color, "auto") && strcmp(color, "always") &&
			    strcmp(color, "never")) {
				fprintf(stderr,
					"tcpsim: --color: auto, always or "
					"never, not '%s'\n",
					optarg);
				return 2;
			}
			break;
		case ':':
			fprintf(stderr,
				"tcpsim: option '%s' needs an argument\n"
				"Try 'tcpsim --help'.\n",
				argv[optind - 1]);
			return 2;
		default:
			if (optopt)
				fprintf(stderr,
					"tcpsim: unknown option '-%c'\n"
					"Try 'tcpsim --help'.\n",
					optopt);
			else
				fprintf(stderr,
					"tcpsim: unknown option '%s'\n"
					"Try 'tcpsim --help'.\n",
					argv[optind - 1]);
			return 2;
		}
	}
	if (c.json + c.ladder + c.quiet > 1) {
		fprintf(stderr, "tcpsim: --json, --ladder and --quiet each "
				"take standard output; choose one\n");
		return 2;
	}
	if (!strcmp(color, "always"))
		c.color = 1;
	else if (!strcmp(color, "auto"))
		c.color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR") &&
			  (!getenv("TERM") || strcmp(getenv("TERM"), "dumb"));
	if (c.json)
		c.color = 0;
	if (!c.width)
		c.width = terminal_width();
	if (optind >= argc) {
		fprintf(stderr, "tcpsim: no trace file given\n");
		usage(stderr);
		return 2;
	}
	if (!test && (c.pcap_path || c.svg_path || c.npcap_at || c.html_path) &&
	    argc - optind > 1) {
		fprintf(stderr, "tcpsim: --pcap, --pcap-at, --svg and --html "
				"take one trace\n");
		return 2;
	}
	/* Every early return is above: from here on, what is made is
	 * freed at the end. */
	if (c.json && !(c.json_names = ts_json_new())) {
		fprintf(stderr, "tcpsim: out of memory\n");
		return 2;
	}
	int status = 0;
	if (test)
		status = run_tests(&c, argc - optind, argv + optind);
	for (int i = optind; !test && i < argc; i++) {
		if (i > optind && !c.json && !c.quiet)
			fputc('\n', stdout);
		tcpsim_error err;
		memset(&err, 0, sizeof err);
		int rc;
		if (is_pkt(&c, argv[i])) {
			if (c.ladder || c.svg_path || c.pcap_path ||
			    c.npcap_at || c.html_path) {
				fprintf(stderr,
					"tcpsim: %s: --ladder, --svg and "
					"--pcap are for traces\n",
					argv[i]);
				rc = TCPSIM_ERROR;
				err.file[0] = '\0';
			} else {
				rc = run_pkt(&c, argv[i], &err);
			}
		} else {
			rc = run_one(&c, argv[i], &err, NULL);
		}
		fflush(stdout);
		if (rc == TCPSIM_ERROR && err.file[0])
			print_error(&err);
		if (rc > status)
			status = rc;
	}
	ts_json_free(c.json_names);
	if (c.failed_io) {
		fprintf(stderr, "tcpsim: out of memory writing JSON\n");
		return 2;
	}
	/* what went through stdio (--quiet, --ladder): a failed write is
	 * reported as the output queue's are */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "tcpsim: standard output: %s\n",
			strerror(errno ? errno : EIO));
		return 2;
	}
	return status;
}
