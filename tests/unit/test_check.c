/*
 * test_check.c - the checking mode catches what it is meant to: each test
 * breaks one invariant of a sound connection by hand and expects the run
 * to stop with a message naming it.
 */
#include <check.h>
#include <string.h>

#include "harness.h"

static void ck_violation(th_conn *c, const char *what)
{
	ck_assert_int_eq(c->t->sim->run.aborted, 0);
	ts_check(c->t->sim);
	ck_assert_msg(c->t->sim->run.aborted, "no violation found: %s", what);
	ck_assert_msg(strstr(c->t->sim->run.err.msg, what) != NULL,
		      "expected '%s' in '%s'", what, c->t->sim->run.err.msg);
}

/* The connection's socket, which these tests break on purpose. */
static ts_sock *sk_of(const th_conn *c)
{
	ts_sock *sk = th_sk(c);
	ck_assert_ptr_nonnull(sk);
	return sk;
}

START_TEST(check_sound_connection_passes)
{
	th_conn c = established();
	ck_assert_int_eq(ts_check(c.t->sim), 0);
	ck_assert_int_eq(c.t->sim->run.aborted, 0);
}
END_TEST

START_TEST(check_snd_una_beyond_snd_nxt)
{
	th_conn c = established();
	sk_of(&c)->snd_una = sk_of(&c)->snd_nxt + 10;
	ck_violation(&c, "SND.UNA");
}
END_TEST

START_TEST(check_rcv_nxt_moves_back)
{
	th_conn c = established();
	ts_check(c.t->sim);
	sk_of(&c)->rcv_nxt -= 5;
	ck_violation(&c, "RCV.NXT moved back");
}
END_TEST

START_TEST(check_byte_delivered_twice)
{
	th_conn c = established();
	sk_of(&c)->rcvq += 10; /* ten bytes that never arrived */
	ck_violation(&c, "bytes received");
}
END_TEST

START_TEST(check_more_bytes_than_written)
{
	/* Two real hosts: the receiver may never hold more than the
	 * writer's application wrote. */
	th *t = th_new("host a 10.0.0.1\n"
		       "host b 10.0.0.2\n"
		       "0 b: s = socket()\n"
		       "+0 b: bind(s, 80) = 0\n"
		       "+0 b: listen(s, 8) = 0\n"
		       "+0 a: x = socket()\n"
		       "+0 a: connect(x, b:80) = 0\n"
		       "+0 b: y = accept(s)\n",
		       0);
	for (int line = 3; line <= 8; line++)
		th_line(t, line);
	th_advance(t, TS_MS(100));
	th_do(t, "a: write(x, 100)");
	th_advance(t, TS_MS(100));
	ck_assert_int_eq(ts_check(t->sim), 0);
	ts_sock *w = th_var_sock(t, 0, "x");
	ck_assert_ptr_nonnull(w);
	w->app_written = 10; /* as if only ten bytes had been written */
	ts_check_written(t->sim, w);
	ts_check(t->sim);
	ck_assert(t->sim->run.aborted);
	ck_assert_ptr_nonnull(strstr(
	    t->sim->run.err.msg, "100 bytes received, but the peer wrote 10"));
}
END_TEST

START_TEST(check_timer_in_the_past)
{
	th_conn c = established();
	sk_of(&c)->tdl[TS_TIMER_KEEPALIVE] = c.t->sim->now - 1;
	sk_of(&c)->keepalive = 1;
	ck_violation(&c, "in the past");
}
END_TEST

START_TEST(check_retransmission_timer_with_nothing_outstanding)
{
	th_conn c = established();
	sk_of(&c)->tdl[TS_TIMER_RTX] = c.t->sim->now + TS_SEC(1);
	ck_violation(&c, "nothing to retransmit");
}
END_TEST

START_TEST(check_time_wait_without_timer)
{
	th_conn c = established();
	sk_of(&c)->state = TS_TIME_WAIT;
	ck_violation(&c, "TIME_WAIT without its timer");
}
END_TEST

START_TEST(check_keepalive_timer_without_option)
{
	th_conn c = established();
	sk_of(&c)->tdl[TS_TIMER_KEEPALIVE] = c.t->sim->now + TS_SEC(5);
	ck_violation(&c, "keepalive timer without SO_KEEPALIVE");
}
END_TEST

START_TEST(check_leaked_socket)
{
	th_conn c = established();
	ts_sock *sk = ts_tcp_alloc(c.t->sim, &c.t->sim->hosts[0]);
	ck_assert_ptr_nonnull(sk);
	ts_check_end(c.t->sim);
	ck_assert(c.t->sim->run.aborted);
	ck_assert_ptr_nonnull(strstr(c.t->sim->run.err.msg, "leaked"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("check");
	TCase *tc = tcase_create("invariants");
	tcase_add_checked_fixture(tc, NULL, th_teardown);
	tcase_add_test(tc, check_sound_connection_passes);
	tcase_add_test(tc, check_snd_una_beyond_snd_nxt);
	tcase_add_test(tc, check_rcv_nxt_moves_back);
	tcase_add_test(tc, check_byte_delivered_twice);
	tcase_add_test(tc, check_more_bytes_than_written);
	tcase_add_test(tc, check_timer_in_the_past);
	tcase_add_test(tc, check_retransmission_timer_with_nothing_outstanding);
	tcase_add_test(tc, check_time_wait_without_timer);
	tcase_add_test(tc, check_keepalive_timer_without_option);
	tcase_add_test(tc, check_leaked_socket);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
