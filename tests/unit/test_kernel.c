/*
 * test_kernel.c - the parts of the kernel runner that need no kernel run
 * (doc/kernel.md): packets built and read back with their options and
 * checksums, the kernel's numbers mapped to the model's (initial
 * sequence numbers, a derived ISN, ephemeral ports, timestamps), and the
 * comparison of two event streams. The runs themselves are tested by
 * tests/run-kernel.sh and make check-kernel, as root.
 */
#define _GNU_SOURCE
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/kdiff.h"
#include "kernel/krun.h"

static uint16_t sum16(const unsigned char *p, size_t n, uint32_t sum)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

START_TEST(packet_round_trip)
{
	tcpsim_segment s, back;
	memset(&s, 0, sizeof s);
	s.saddr = 0x0a000001;
	s.daddr = 0x0a000002;
	s.sport = 40000;
	s.dport = 80;
	s.seq = 0xfffffff0u;
	s.ack = 12345;
	s.flags = TCPSIM_SYN | TCPSIM_ACK;
	s.win = 65160;
	s.mss = 1460;
	s.sack_ok = 1;
	s.ts = 1;
	s.tsval = 2000010;
	s.tsecr = 1000000;
	s.wscale_ok = 1;
	s.wscale = 10;
	s.len = 7;
	unsigned char buf[256];
	size_t n = kr_build(&s, buf, sizeof buf);
	ck_assert_uint_gt(n, 40);
	/* the IP header's checksum, and the TCP checksum over the pseudo
	 * header, both sum to 0xffff */
	ck_assert_uint_eq(sum16(buf, 20, 0), 0xffff);
	uint32_t ph = (uint32_t)sum16(buf + 12, 8, 0) + 6 + (uint32_t)(n - 20);
	ck_assert_uint_eq(sum16(buf + 20, n - 20, ph), 0xffff);
	ck_assert_int_eq(kr_parse(buf, n, &back), 0);
	ck_assert_uint_eq(back.seq, s.seq);
	ck_assert_uint_eq(back.ack, s.ack);
	ck_assert_uint_eq(back.flags, s.flags);
	ck_assert_uint_eq(back.win, s.win);
	ck_assert_uint_eq(back.mss, 1460);
	ck_assert_uint_eq(back.sack_ok, 1);
	ck_assert_uint_eq(back.ts, 1);
	ck_assert_uint_eq(back.tsval, 2000010);
	ck_assert_uint_eq(back.tsecr, 1000000);
	ck_assert_uint_eq(back.wscale_ok, 1);
	ck_assert_uint_eq(back.wscale, 10);
	ck_assert_uint_eq(back.len, 7);
	/* SACK blocks and the Fast Open option (experimental kind) */
	memset(&s, 0, sizeof s);
	s.saddr = 1;
	s.daddr = 2;
	s.flags = TCPSIM_ACK;
	s.nsack = 2;
	s.sack[0][0] = 100;
	s.sack[0][1] = 200;
	s.sack[1][0] = 300;
	s.sack[1][1] = 400;
	n = kr_build(&s, buf, sizeof buf);
	ck_assert_int_eq(kr_parse(buf, n, &back), 0);
	ck_assert_uint_eq(back.nsack, 2);
	ck_assert_uint_eq(back.sack[1][0], 300);
	ck_assert_uint_eq(back.sack[1][1], 400);
	memset(&s, 0, sizeof s);
	s.flags = TCPSIM_SYN;
	s.fo = TCPSIM_FO_EXP;
	s.fo_len = 8;
	memcpy(s.fo_cookie, "\x30\x21\xb9\xd8\x89\x01\x7e\xeb", 8);
	n = kr_build(&s, buf, sizeof buf);
	ck_assert_int_eq(kr_parse(buf, n, &back), 0);
	ck_assert_uint_eq(back.fo, TCPSIM_FO_EXP);
	ck_assert_uint_eq(back.fo_len, 8);
	ck_assert_mem_eq(back.fo_cookie, s.fo_cookie, 8);
	/* not IPv4 TCP: refused */
	buf[9] = 17;
	ck_assert_int_eq(kr_parse(buf, n, &back), -1);
	ck_assert_int_eq(kr_parse(buf, 10, &back), -1);
}
END_TEST

static const char trace_text[] = "host client 10.0.0.1\n"
				 "host server 10.0.0.2\n"
				 "0 server: s = socket()\n"
				 "+0 server: bind(s, 80) = 0\n";

static tcpsim_segment seg(uint32_t sa, uint16_t sp, uint32_t da, uint16_t dp,
			  uint8_t flags, uint32_t seq, uint32_t ack)
{
	tcpsim_segment s;
	memset(&s, 0, sizeof s);
	s.saddr = sa;
	s.sport = sp;
	s.daddr = da;
	s.dport = dp;
	s.flags = flags;
	s.seq = seq;
	s.ack = ack;
	return s;
}

START_TEST(numbers_as_the_model_numbers_them)
{
	ts_error err;
	ts_trace *t =
	    ts_trace_parse("t.trace", trace_text, sizeof trace_text - 1, &err);
	ck_assert_ptr_nonnull(t);
	kr_run r;
	memset(&r, 0, sizeof r);
	r.t = t;
	r.h = calloc(2, sizeof *r.h);
	ck_assert_ptr_nonnull(r.h);
	const uint32_t c = 0x0a000001, sv = 0x0a000002;
	/* the client's SYN from a random port and ISN: its port becomes the
	 * model's first ephemeral port, its ISN the host's (index 0: 1000) */
	tcpsim_segment k = seg(c, 51234, sv, 80, TCPSIM_SYN, 777777, 0), m;
	k.ts = 1;
	k.tsval = 5000000;
	kr_map(&r, &k, &m, 1, 20000);
	ck_assert_uint_eq(m.sport, 40000);
	ck_assert_uint_eq(m.dport, 80); /* bound by a line: kept */
	ck_assert_uint_eq(m.seq, 1000);
	/* the timestamp clock: (index + 1) * 10^6 + milliseconds */
	ck_assert_uint_eq(m.tsval, 1000020);
	/* the server's SYN-ACK: its ISN the server's (2000), its ACK in the
	 * client's numbers */
	k = seg(sv, 80, c, 51234, TCPSIM_SYN | TCPSIM_ACK, 99, 777778);
	kr_map(&r, &k, &m, 1, 30000);
	ck_assert_uint_eq(m.seq, 2000);
	ck_assert_uint_eq(m.ack, 1001);
	ck_assert_uint_eq(m.dport, 40000);
	/* data later: relative to both */
	k = seg(c, 51234, sv, 80, TCPSIM_ACK, 777778 + 500, 100);
	kr_map(&r, &k, &m, 1, 40000);
	ck_assert_uint_eq(m.seq, 1501);
	ck_assert_uint_eq(m.ack, 2001);
	/* an RST without ACK keeps its ack field as sent */
	k = seg(sv, 80, c, 51234, TCPSIM_RST, 100, 0);
	kr_map(&r, &k, &m, 1, 50000);
	ck_assert_uint_eq(m.seq, 2001);
	ck_assert_uint_eq(m.ack, 0);
	/* a second connect() from another port whose ISN Linux derived from
	 * the first (snd_nxt + max_window + 2): the model's derivation */
	k = seg(c, 51236, sv, 80, TCPSIM_SYN, 777778 + 500 + 2, 0);
	kr_map(&r, &k, &m, 1, 60000);
	ck_assert_uint_eq(m.sport, 40001);
	ck_assert_uint_eq(m.seq, 1503); /* 1501 + 0 + 2 */
	/* a fresh random ISN: the host's next (64000 further) */
	k = seg(c, 51238, sv, 80, TCPSIM_SYN, 3000000000u, 0);
	kr_map(&r, &k, &m, 1, 70000);
	ck_assert_uint_eq(m.sport, 40002);
	ck_assert_uint_eq(m.seq, 65000);
	ck_assert_int_eq(kr_host_of(&r, sv), 1);
	ck_assert_int_eq(kr_host_of(&r, 0x0a000009), -1);
	r.t = t;
	kr_free(&r);
	ts_trace_free(t);
}
END_TEST

static tcpsim_event send_ev(int from, int to, const char *fn, const char *tn,
			    int64_t at, uint8_t flags, uint32_t seq,
			    uint16_t win)
{
	tcpsim_event e;
	memset(&e, 0, sizeof e);
	e.kind = TCPSIM_EV_SEND;
	e.time_us = at;
	e.u.seg.from = from;
	e.u.seg.to = to;
	e.u.seg.from_name = fn;
	e.u.seg.to_name = tn;
	e.u.seg.seg.flags = flags;
	e.u.seg.seg.seq = seq;
	e.u.seg.seg.win = win;
	return e;
}

START_TEST(differences_found)
{
	ts_error err;
	ts_trace *t =
	    ts_trace_parse("t.trace", trace_text, sizeof trace_text - 1, &err);
	ck_assert_ptr_nonnull(t);
	tcpsim_event me[3], ke[3];
	me[0] = send_ev(0, 1, "client", "server", 0, TCPSIM_SYN, 1000, 64240);
	me[1] = send_ev(0, 1, "client", "server", 20000, TCPSIM_ACK, 1001, 63);
	me[2] = send_ev(0, 1, "client", "server", 300000, TCPSIM_FIN, 1001, 63);
	/* the kernel: the same SYN 3 ms later (within the tolerance), the
	 * ACK with another window, no FIN, an RST of its own */
	ke[0] =
	    send_ev(0, 1, "client", "server", 3000, TCPSIM_SYN, 1000, 64240);
	ke[1] = send_ev(0, 1, "client", "server", 21000, TCPSIM_ACK, 1001, 70);
	ke[2] = send_ev(0, 1, "client", "server", 900000, TCPSIM_RST, 1001, 0);
	kd_events m = {me, 3, 3, 0, 0}, k = {ke, 3, 3, 0, 0};
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	ck_assert_ptr_nonnull(f);
	int nd = kd_compare(t, &m, &k, 50000, f);
	fclose(f);
	ck_assert_int_eq(nd, 3);
	ck_assert_ptr_nonnull(strstr(out, "fields differ (model/kernel): win "
					  "63/70"));
	ck_assert_ptr_nonnull(strstr(out, "FIN seq=1001 ack=0 len=0 (model "
					  "at 0.300000): sent by the model "
					  "only"));
	ck_assert_ptr_nonnull(strstr(out, "RST seq=1001 ack=0 len=0: sent by "
					  "the kernel only"));
	ck_assert_ptr_nonnull(strstr(out, "t.trace: 3 differences\n"));
	free(out);
	/* the same streams agree */
	f = open_memstream(&out, &len);
	ck_assert_int_eq(kd_compare(t, &m, &m, 50000, f), 0);
	fclose(f);
	ck_assert_ptr_nonnull(
	    strstr(out, "t.trace: the model and the kernel agree\n"));
	free(out);
	ts_trace_free(t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("kernel");
	TCase *tc = tcase_create("kernel");
	tcase_add_test(tc, packet_round_trip);
	tcase_add_test(tc, numbers_as_the_model_numbers_them);
	tcase_add_test(tc, differences_found);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf ? EXIT_FAILURE : EXIT_SUCCESS;
}
