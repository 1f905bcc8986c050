/*
 * test_cli.c - the tcpsim command: its options and their errors, colours,
 * several traces in one run, "tcpsim test", standard input, and outputs it
 * cannot write. Each case runs the command built by "make check" ($TCPSIM)
 * in a temporary directory and compares its output and exit status; run
 * without $TCPSIM, the cases pass without checking anything.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sink.h"

/* The command under test: $TCPSIM, or NULL when it is not set. */
static const char *tcpsim_bin(void)
{
	const char *t = getenv("TCPSIM");
	return t && *t && access(t, X_OK) == 0 ? t : NULL;
}

static char tmpdir[64];

static void make_tmpdir(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/tcpsim-cli-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

/* Writes TEXT to tmpdir/NAME; returns the path in a static buffer. */
static const char *put_file(const char *name, const char *text)
{
	static char path[128];
	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
	return path;
}

/* Runs "$TCPSIM ARGS REDIR" in tmpdir; *OUT gets its standard output.
 * Returns the exit status. */
static int cli_redir(const char *args, const char *redir, struct buf *out)
{
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "cd '%s' && '%s' %s %s", tmpdir, tcpsim_bin(),
		 args, redir);
	FILE *p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	char chunk[4096];
	size_t n;
	*out = (struct buf){0};
	sink(out, "", 0);
	while ((n = fread(chunk, 1, sizeof chunk, p)) > 0)
		sink(out, chunk, n);
	int st = pclose(p);
	ck_assert(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static int cli(const char *args, struct buf *out)
{
	return cli_redir(args, "2>&1", out);
}

/* Standard output to /dev/full: *OUT gets standard error. */
static int cli_full(const char *args, struct buf *out)
{
	return cli_redir(args, "2>&1 >/dev/full", out);
}

static const char failing[] =
    BASE "+0.1   server: close(a) = 0\n"
	 "+0     client: signal(SIGPIPE, SIG_IGN) = 0\n"
	 "+0.1   client: write(c, 100) = 100\n"
	 "+0.1   client: write(c, 100) = -1 ECONNRESET\n";

START_TEST(cli_color_always)
{
	if (!tcpsim_bin())
		return; /* not under "make check" */
	make_tmpdir();
	put_file("f.trace", failing);
	struct buf b;
	ck_assert_int_eq(cli("--color=always f.trace", &b), 1);
	/* The FAIL line in red, and an errno and its message in red. */
	HAS(&b, "\033[31m   0.300000  -       FAIL    f.trace:10: expected "
		"write(c, 100) = -1 ECONNRESET, got -1 EPIPE (Broken pipe) "
		"+SIGPIPE\033[0m\n");
	HAS(&b, "write(c, 100) = -1 \033[31mEPIPE (Broken pipe)\033[0m "
		"+SIGPIPE\n");
	free(b.data);
	/* --quiet: the failures alone, in red, and a summary. */
	ck_assert_int_eq(cli("--quiet --colour=always f.trace", &b), 1);
	ck_assert_str_eq(b.data,
			 "\033[31mf.trace:10: expected write(c, 100) = -1 "
			 "ECONNRESET, got -1 EPIPE (Broken pipe) "
			 "+SIGPIPE\033[0m\n"
			 "f.trace: 10 expectations checked, 1 failed\n");
	free(b.data);
	/* tcpsim test: FAIL in red with its first failure. */
	ck_assert_int_eq(cli("test --color=always .", &b), 1);
	ck_assert_str_eq(b.data,
			 "\033[31mFAIL\033[0m  ./f.trace  ./f.trace:10: "
			 "expected write(c, 100) = -1 ECONNRESET, got "
			 "-1 EPIPE (Broken pipe) +SIGPIPE\n"
			 "0 passed, 1 failed\n");
	free(b.data);
	remove_tmpdir();
}
END_TEST

START_TEST(cli_several_traces)
{
	if (!tcpsim_bin())
		return;
	make_tmpdir();
	put_file("a.trace", "0 client: c = socket() = 3\n");
	put_file("b.trace", "0 client: c = socket() = 4\n");
	struct buf b;
	/* The reports one after the other, a blank line between; the status
	 * is the worst one. */
	ck_assert_int_eq(cli("a.trace b.trace", &b), 1);
	HAS(&b, "# 1 expectations checked, 0 failed\n\n# tcpsim ");
	HAS(&b, "b.trace:1: expected c = socket() = 4, got 3\n");
	free(b.data);
	/* --pcap, --pcap-at, --svg and --html take one trace. */
	ck_assert_int_eq(cli("--pcap x.pcap a.trace b.trace", &b), 2);
	ck_assert_str_eq(b.data, "tcpsim: --pcap, --pcap-at, --svg and --html "
				 "take one trace\n");
	free(b.data);
	/* The three outputs that take standard output exclude each other. */
	ck_assert_int_eq(cli("--json --quiet a.trace", &b), 2);
	ck_assert_str_eq(b.data, "tcpsim: --json, --ladder and --quiet each "
				 "take standard output; choose one\n");
	free(b.data);
	remove_tmpdir();
}
END_TEST

START_TEST(cli_bad_options)
{
	if (!tcpsim_bin())
		return;
	make_tmpdir();
	put_file("a.trace", "0 client: c = socket() = 3\n");
	struct buf b;
	ck_assert_int_eq(cli("--max-events 0 a.trace", &b), 2);
	ck_assert_str_eq(b.data, "tcpsim: --max-events: not a positive "
				 "number: '0'\n");
	free(b.data);
	ck_assert_int_eq(cli("--max-events 99999999999999999999 a.trace", &b),
			 2);
	free(b.data);
	ck_assert_int_eq(cli("--color=blue a.trace", &b), 2);
	ck_assert_str_eq(
	    b.data, "tcpsim: --color: auto, always or never, not 'blue'\n");
	free(b.data);
	ck_assert_int_eq(cli("--max-time 1500us a.trace", &b), 0);
	free(b.data);
	ck_assert_int_eq(cli("--max-time 12345678901234567890s a.trace", &b),
			 2);
	free(b.data);
	ck_assert_int_eq(cli("--max-time '' a.trace", &b), 2);
	free(b.data);
	/* --color=auto: never when standard output is not a terminal. */
	ck_assert_int_eq(cli("--color=auto a.trace", &b), 0);
	HASNT(&b, "\033[");
	free(b.data);
	remove_tmpdir();
}
END_TEST

/* --help lists every call, as the library's call table gives it. */
START_TEST(cli_help_lists_calls)
{
	if (!tcpsim_bin())
		return;
	make_tmpdir();
	struct buf b;
	ck_assert_int_eq(cli("--help", &b), 0);
	int n = 0;
	for (int id = 0; tcpsim_call_usage(id); id++, n++)
		ck_assert_msg(strstr(b.data, tcpsim_call_usage(id)),
			      "--help does not list %s", tcpsim_call_usage(id));
	ck_assert_int_eq(n, TCPSIM_NCALLS);
	free(b.data);
	remove_tmpdir();
}
END_TEST

START_TEST(cli_errors_and_files)
{
	if (!tcpsim_bin())
		return;
	make_tmpdir();
	/* An error found only when the run gets there: a replay of a
	 * segment not yet sent. */
	put_file("r.trace", "0 net: replay 9\n");
	struct buf b;
	ck_assert_int_eq(cli("r.trace", &b), 2);
	HAS(&b, "r.trace:1:1: segment #9 has not been sent yet\n"
		"    1 | 0 net: replay 9\n"
		"      | ^\n");
	free(b.data);
	ck_assert_int_eq(cli("test r.trace", &b), 2);
	HAS(&b, "ERROR r.trace  r.trace:1:1: segment #9 has not been sent "
		"yet\n");
	HAS(&b, "0 passed, 0 failed, 1 could not run\n");
	free(b.data);
	/* An error with no line: a file that does not exist. */
	ck_assert_int_eq(cli("test --color=always missing.trace", &b), 2);
	HAS(&b, "\033[31mERROR\033[0m missing.trace  missing.trace: cannot "
		"open: ");
	free(b.data);
	/* A large trace from standard input: read in several pieces. */
	char *big = malloc(200000);
	ck_assert_ptr_nonnull(big);
	size_t n = 0;
	for (int i = 0; n < 150000; i++)
		n += (size_t)snprintf(big + n, 200000 - n,
				      "# comment line %d, long enough to fill "
				      "the buffer quickly\n",
				      i);
	snprintf(big + n, 200000 - n, "0 client: c = socket() = 3\n");
	put_file("big.trace", big);
	free(big);
	ck_assert_int_eq(cli("--quiet - < big.trace", &b), 0);
	ck_assert_str_eq(b.data, "-: 1 expectations checked, 0 failed\n");
	free(b.data);
	/* tcpsim test walks directories, skipping files that are not
	 * traces; a path that is no directory is taken as a trace. */
	char cmd[512];
	snprintf(cmd, sizeof cmd,
		 "mkdir -p '%s/d/e' && cp '%s/big.trace' "
		 "'%s/d/e/' && touch '%s/d/notes.txt'",
		 tmpdir, tmpdir, tmpdir, tmpdir);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(cli("test d", &b), 0);
	ck_assert_str_eq(b.data, "PASS  d/e/big.trace\n1 passed, 0 failed\n");
	free(b.data);
	/* --svg into a directory that does not exist. */
	ck_assert_int_eq(cli("--svg nodir/x.svg big.trace", &b), 2);
	HAS(&b, "big.trace: cannot write nodir/x.svg\n");
	free(b.data);
	/* --pcap into a directory that does not exist. */
	ck_assert_int_eq(cli("--pcap nodir/x.pcap big.trace", &b), 2);
	HAS(&b, "big.trace: cannot write nodir/x.pcap: ");
	free(b.data);
	remove_tmpdir();
}
END_TEST

/* A trace of N short connections, as tcpsim-bench writes W1: its report
 * is about 4 KB a connection, its JSON three times that. */
static char *many_connections(int n)
{
	size_t cap = 400 + (size_t)n * 600;
	char *t = malloc(cap);
	ck_assert_ptr_nonnull(t);
	t[0] = '\0';
	addf(t, cap,
	     "host client 10.0.0.1\nhost server 10.0.0.2\n"
	     "link client server delay 1ms\n"
	     "0 server: l = socket()\n0 server: bind(l, 80) = 0\n"
	     "0 server: listen(l, 64) = 0\n");
	for (int i = 1; i <= n; i++)
		addf(t, cap,
		     "%d.%03d client: c = socket()\n"
		     "+0 client: connect(c, server:80) = 0\n"
		     "+0 client: write(c, 1000) = 1000\n"
		     "+0 client: close(c) = 0\n"
		     "+0 server: s = accept(l)\n"
		     "+0 server: read(s, 1000) = 1000\n"
		     "+0 server: read(s, 1000) = 0\n"
		     "+0 server: close(s) = 0\n",
		     i / 100, i % 100 * 10);
	return t;
}

START_TEST(cli_large_output)
{
	if (!tcpsim_bin())
		return;
	make_tmpdir();
	/* 600 connections: a report of several blocks of the output queue
	 * (src/cli/outq.c), more than its ring holds; the command writes the
	 * library's bytes, to a pipe and to a file. */
	char *text = many_connections(600);
	put_file("t.trace", text);
	struct buf lib = {0}, b;
	tcpsim_error e;
	ck_assert_int_eq(run(text, &lib, &e), 0);
	ck_assert_uint_gt(lib.len, 2u << 20);
	ck_assert_int_eq(cli("t.trace", &b), 0);
	ck_assert_uint_eq(b.len, lib.len);
	ck_assert(!memcmp(b.data, lib.data, lib.len));
	free(b.data);
	ck_assert_int_eq(cli("t.trace > out.txt", &b), 0);
	ck_assert_str_eq(b.data, "");
	free(b.data);
	char path[128];
	snprintf(path, sizeof path, "%s/out.txt", tmpdir);
	size_t n;
	char *f = read_file(path, &n);
	ck_assert_uint_eq(n, lib.len);
	ck_assert(!memcmp(f, lib.data, n));
	free(f);
	free(lib.data);
	/* JSON lines, written in place in the queue's blocks. */
	tcpsim_options o;
	tcpsim_options_init(&o);
	o.event_mask = (1u << TCPSIM_NEV) - 1;
	o.event = sink_json;
	struct json_lines jo = {{0}, 0};
	sink(&jo.b, "", 0);
	o.event_ctx = &jo;
	ck_assert_int_eq(
	    tcpsim_run_trace("t.trace", text, strlen(text), &o, &e), 0);
	struct buf js = jo.b;
	ck_assert_uint_gt(js.len, 6u << 20);
	ck_assert_int_eq(cli("--json t.trace > out.json", &b), 0);
	free(b.data);
	snprintf(path, sizeof path, "%s/out.json", tmpdir);
	f = read_file(path, &n);
	ck_assert_uint_eq(n, js.len);
	ck_assert(!memcmp(f, js.data, n));
	free(f);
	free(js.data);
	/* A write that fails is reported, with status 2. */
	ck_assert_int_eq(cli_full("t.trace", &b), 2);
	ck_assert_str_eq(b.data,
			 "tcpsim: standard output: No space left on device\n");
	free(b.data);
	ck_assert_int_eq(cli_full("--json t.trace", &b), 2);
	ck_assert_str_eq(b.data,
			 "tcpsim: standard output: No space left on device\n");
	free(b.data);
	/* through stdio, and a report written without the queue's thread */
	ck_assert_int_eq(cli_full("--quiet t.trace", &b), 2);
	ck_assert_str_eq(b.data,
			 "tcpsim: standard output: No space left on device\n");
	free(b.data);
	put_file("one.trace", "0 client: c = socket() = 3\n");
	ck_assert_int_eq(cli_full("one.trace", &b), 2);
	ck_assert_str_eq(b.data,
			 "tcpsim: standard output: No space left on device\n");
	free(b.data);
	free(text);
	remove_tmpdir();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("cli");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, cli_color_always);
	tcase_add_test(tc, cli_several_traces);
	tcase_add_test(tc, cli_bad_options);
	tcase_add_test(tc, cli_help_lists_calls);
	tcase_add_test(tc, cli_errors_and_files);
	tcase_add_test(tc, cli_large_output);
	suite_add_tcase(s, tc);

	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
