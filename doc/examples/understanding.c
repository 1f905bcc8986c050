/*
 * understanding.c - testing one's understanding of TCP with libtcpsim and
 * check, through the installed interface only (<tcpsim.h>, -ltcpsim).
 *
 *   cc understanding.c $(pkg-config --cflags --libs tcpsim check) -o u
 *   ./u
 */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <tcpsim.h>

/* A client connected to a server whose process then closes its socket. */
static tcpsim_sim *closed_peer(void)
{
	tcpsim_error err;
	tcpsim_sim *s = tcpsim_new(NULL);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(tcpsim_declare(s, "host client 10.0.0.1", &err),
			 TCPSIM_OK);
	ck_assert_int_eq(tcpsim_declare(s, "host server 10.0.0.2", &err),
			 TCPSIM_OK);
	static const char *lines[] = {
	    "server: s = socket()",          "server: bind(s, 80) = 0",
	    "server: listen(s, 8) = 0",      "client: c = socket()",
	    "client: connect(c, server:80)", "server: a = accept(s)",
	};
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
		ck_assert_int_eq(tcpsim_do(s, lines[i], NULL, &err), TCPSIM_OK);
	ck_assert_int_eq(tcpsim_advance(s, 100000, &err), TCPSIM_OK);
	ck_assert_int_eq(tcpsim_do(s, "server: close(a) = 0", NULL, &err),
			 TCPSIM_OK);
	ck_assert_int_eq(tcpsim_advance(s, 100000, &err), TCPSIM_OK);
	return s;
}

/* My understanding: the first write to a peer that has closed is accepted
 * (we are only in CLOSE_WAIT); the peer answers with RST; the second write
 * fails with EPIPE and raises SIGPIPE. */
START_TEST(second_write_to_closed_peer_is_epipe)
{
	tcpsim_error err;
	tcpsim_result r;
	tcpsim_sim *s = closed_peer();
	ck_assert_str_eq(tcpsim_state_name(tcpsim_var_state(s, "client", "c")),
			 "CLOSE_WAIT");
	ck_assert_int_eq(
	    tcpsim_do(s, "client: signal(SIGPIPE, SIG_IGN)", &r, &err),
	    TCPSIM_OK);
	ck_assert_int_eq(tcpsim_do(s, "client: write(c, 100)", &r, &err),
			 TCPSIM_OK);
	ck_assert(r.done);
	ck_assert_int_eq(r.value, 100);
	ck_assert_int_eq(tcpsim_advance(s, 100000, &err), TCPSIM_OK);
	ck_assert_int_eq(tcpsim_do(s, "client: write(c, 100)", &r, &err),
			 TCPSIM_OK);
	ck_assert_int_eq(r.value, -1);
	ck_assert_str_eq(r.errno_name, "EPIPE");
	ck_assert(r.sigpipe);
	ck_assert_int_eq(tcpsim_run(s, &err), TCPSIM_OK);
	tcpsim_free(s);
}
END_TEST

/* The same, written as an expectation in the trace language: a wrong one
 * (ECONNRESET) is reported as a failure. */
START_TEST(wrong_expectation_fails)
{
	tcpsim_error err;
	tcpsim_sim *s = closed_peer();
	tcpsim_do(s, "client: signal(SIGPIPE, SIG_IGN)", NULL, &err);
	tcpsim_do(s, "client: write(c, 100) = 100", NULL, &err);
	tcpsim_advance(s, 100000, &err);
	ck_assert_int_eq(
	    tcpsim_do(s, "client: write(c, 100) = -1 ECONNRESET", NULL, &err),
	    TCPSIM_FAILED);
	ck_assert_int_eq(tcpsim_failures(s), 1);
	tcpsim_free(s);
}
END_TEST

/* Counting segments with the event callback: who sent the RST? */
struct rst_count {
	int from_server;
};

static void on_event(void *ctx, const tcpsim_event *ev)
{
	struct rst_count *c = ctx;
	if (ev->kind == TCPSIM_EV_SEND && (ev->u.seg.seg.flags & TCPSIM_RST) &&
	    !strcmp(ev->u.seg.from_name, "server"))
		c->from_server++;
}

START_TEST(the_server_sends_the_rst)
{
	static const char trace[] =
	    "0 server: s = socket()\n"
	    "+0 server: bind(s, 80) = 0\n"
	    "+0 server: listen(s, 8) = 0\n"
	    "+0 client: c = socket()\n"
	    "+0 client: connect(c, server:80) = 0\n"
	    "+0 server: a = accept(s)\n"
	    "+0 client: signal(SIGPIPE, SIG_IGN) = 0\n"
	    "+0.1 server: close(a) = 0\n"
	    "+0.1 client: write(c, 100) = 100\n"
	    "+0.1 client: write(c, 100) = -1 EPIPE +SIGPIPE\n";
	struct rst_count count = {0};
	tcpsim_options o;
	tcpsim_error err;
	tcpsim_options_init(&o);
	o.event = on_event;
	o.event_ctx = &count;
	ck_assert_int_eq(
	    tcpsim_run_trace("bp", trace, sizeof trace - 1, &o, &err),
	    TCPSIM_OK);
	ck_assert_int_eq(count.from_server, 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("my understanding of TCP");
	TCase *tc = tcase_create("teardown");
	tcase_add_test(tc, second_write_to_closed_peer_is_epipe);
	tcase_add_test(tc, wrong_expectation_fails);
	tcase_add_test(tc, the_server_sends_the_rst);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
