/*
 * tcp_fastopen.c - TCP Fast Open (RFC 7413) as Linux 6.18 does it
 * (net/ipv4/tcp_fastopen.c): the cookies a server gives, the cache of
 * them a client keeps per destination, and what a listener decides for
 * a SYN. The SYN and SYN-ACK that carry the option are built in
 * tcp_out.c, the child made at SYN time in tcp_in.c, the calls in
 * src/sock.
 *
 * Nothing here is random: a cookie is SipHash-2-4 of the two addresses
 * under the host's tcp_fastopen_key knob, as Linux computes it, so the
 * cookie for a key set as Linux's is Linux's cookie, byte for byte.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "tcp/tcp.h"

/* ---- SipHash-2-4 (Aumasson and Bernstein), as Linux's siphash() ---- */

static uint64_t rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

#define SIPROUND                                                               \
	do {                                                                   \
		v0 += v1;                                                      \
		v1 = rotl(v1, 13);                                             \
		v1 ^= v0;                                                      \
		v0 = rotl(v0, 32);                                             \
		v2 += v3;                                                      \
		v3 = rotl(v3, 16);                                             \
		v3 ^= v2;                                                      \
		v0 += v3;                                                      \
		v3 = rotl(v3, 21);                                             \
		v3 ^= v0;                                                      \
		v2 += v1;                                                      \
		v1 = rotl(v1, 17);                                             \
		v1 ^= v2;                                                      \
		v2 = rotl(v2, 32);                                             \
	} while (0)

/* SipHash-2-4 of one 8-byte little-endian word M under key (K0, K1). */
static uint64_t siphash_8(uint64_t k0, uint64_t k1, uint64_t m)
{
	uint64_t v0 = k0 ^ 0x736f6d6570736575ULL;
	uint64_t v1 = k1 ^ 0x646f72616e646f6dULL;
	uint64_t v2 = k0 ^ 0x6c7967656e657261ULL;
	uint64_t v3 = k1 ^ 0x7465646279746573ULL;
	uint64_t b = (uint64_t)8 << 56; /* the length, no tail bytes */
	v3 ^= m;
	SIPROUND;
	SIPROUND;
	v0 ^= m;
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

void ts_tfo_cookie_gen(const ts_host *h, uint32_t saddr, uint32_t daddr,
		       ts_tfo_cookie *out)
{
	/* Linux proc_tcp_fastopen_key stores each word little-endian and
	 * tcp_fastopen_reset_cipher reads the 16 bytes as two 64-bit
	 * little-endian keys. */
	const int64_t *k = &h->knob[TS_KNOB_TCP_FASTOPEN_KEY];
	uint64_t k0 = (uint64_t)(uint32_t)k[0] | (uint64_t)(uint32_t)k[1] << 32;
	uint64_t k1 = (uint64_t)(uint32_t)k[2] | (uint64_t)(uint32_t)k[3] << 32;
	/* The data: the IPv4 header's saddr then daddr, in network order,
	 * read as one little-endian word: each address byte-swapped. */
	uint64_t m = (uint64_t)__builtin_bswap32(saddr) |
		     (uint64_t)__builtin_bswap32(daddr) << 32;
	uint64_t v = siphash_8(k0, k1, m);
	memset(out, 0, sizeof *out);
	out->len = 8; /* TCP_FASTOPEN_COOKIE_SIZE; stored cpu_to_le64 */
	for (int i = 0; i < 8; i++)
		out->val[i] = (uint8_t)(v >> (8 * i));
}

/* ---- the client's cache (Linux tcp_metrics' tcpm_fastopen) ---- */

typedef struct tfo_cached {
	uint16_t mss;
	uint8_t try_exp;
	ts_tfo_cookie cookie;
} tfo_cached;

void ts_tfo_cache_get(const ts_host *h, uint32_t daddr, uint16_t *mss,
		      ts_tfo_cookie *c)
{
	const tfo_cached *e = ts_hmap_get(&h->tfo_cache, daddr);
	memset(c, 0, sizeof *c);
	if (!e)
		return;
	if (e->mss)
		*mss = e->mss;
	*c = e->cookie;
	/* no cookie, and the last request went unanswered: try kind 254 */
	if (c->len <= 0 && e->try_exp == 1)
		c->exp = 1;
}

void ts_tfo_cache_set(ts_sim *sim, ts_host *h, uint32_t daddr, uint16_t mss,
		      const ts_tfo_cookie *c, int try_exp)
{
	tfo_cached *e = ts_hmap_get(&h->tfo_cache, daddr);
	if (!e) {
		e = calloc(1, sizeof *e);
		if (!e || ts_hmap_put(&h->tfo_cache, daddr, e) < 0) {
			free(e);
			ts_sim_abort(sim, 0, "out of memory");
			return;
		}
	}
	if (mss)
		e->mss = mss;
	if (c && c->len > 0)
		e->cookie = *c;
	else if (try_exp > e->try_exp && e->cookie.len <= 0 && !e->cookie.exp)
		e->try_exp = (uint8_t)try_exp;
}

void ts_tfo_cache_free(ts_host *h)
{
	for (size_t i = 0; h->tfo_cache.slots && i <= h->tfo_cache.mask; i++)
		free(h->tfo_cache.slots[i].val);
	ts_hmap_free(&h->tfo_cache);
}

void ts_tfo_from_seg(const ts_seg *seg, ts_tfo_cookie *c)
{
	memset(c, 0, sizeof *c);
	c->len = -1;
	/* Linux tcp_parse_fastopen_option: an option of odd length is
	 * ignored; a cookie shorter than TCP_FASTOPEN_COOKIE_MIN (4 bytes)
	 * counts as none (-1), an empty one is a request (0). */
	if (!seg->fo || (seg->fo_len & 1))
		return;
	c->exp = seg->fo == TCPSIM_FO_EXP;
	if (seg->fo_len == 0 || seg->fo_len >= 4) {
		c->len = (int8_t)seg->fo_len;
		memcpy(c->val, seg->fo_cookie, seg->fo_len);
	}
}

/* ---- the server ---- */

void ts_tfo_queue_tune(ts_sim *sim, ts_sock *l, int64_t qlen)
{
	if (qlen > 4096) /* net.core.somaxconn */
		qlen = 4096;
	ts_tcp_ext(sim, l)->fo_max_qlen = (int32_t)qlen;
}

int ts_tfo_try(const ts_sock *l, const ts_seg *syn, ts_tfo_cookie *answer)
{
	int64_t knob = l->host->knob[TS_KNOB_TCP_FASTOPEN];
	const ts_sock_ext *x = ts_tcp_ext_ro(l);
	ts_tfo_cookie foc;
	int syn_data = syn->len > 0;
	ts_tfo_from_seg(syn, &foc);
	answer->len = -1;
	answer->exp = foc.exp;
	/* Linux tcp_try_fastopen(): server side on, data or the option, and
	 * room in the queue (tcp_fastopen_queue_check; the requests Linux
	 * keeps a while after an RST, rskq_rst_head, are not modelled). */
	if (!(knob & TS_TFO_SERVER_ENABLE) || !(syn_data || foc.len >= 0) ||
	    !x->fo_max_qlen || x->fo_qlen >= x->fo_max_qlen)
		return 0;
	/* tcp_fastopen_no_cookie(): the data is taken without a cookie */
	if (knob & TS_TFO_SERVER_COOKIE_NOT_REQD)
		return 1;
	ts_tfo_cookie valid;
	ts_tfo_cookie_gen(l->host, syn->saddr, syn->daddr, &valid);
	valid.exp = foc.exp;
	if (foc.len == 0) {
		*answer = valid; /* a request: the cookie in the SYN-ACK */
		return 0;
	}
	if (foc.len > 0) {
		/* tcp_fastopen_cookie_gen_check(): the cookie is valid, the
		 * child is made and the SYN-ACK carries no cookie; else the
		 * SYN-ACK gives the valid one. */
		if (foc.len == valid.len && !memcmp(foc.val, valid.val, 8))
			return 1;
		*answer = valid;
	}
	return 0;
}

void ts_tfo_child_done(ts_sock *sk)
{
	sk->tfo &= (uint8_t)~TS_TFO_F_CHILD;
	/* The child's listener: its parent until accept(), then the
	 * listener of its port, if it still is (Linux keeps a reference,
	 * req->rsk_listener). */
	ts_sock *l = sk->parent ? sk->parent
				: ts_tcp_lookup_listener(sk->host, sk->lport);
	if (l && l->x && l->x->fo_qlen > 0)
		l->x->fo_qlen--;
}
