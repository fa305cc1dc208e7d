/**
 * @file test_msec.c  SRTP and SRTCP for each suite: round trips, tag
 *        lengths, replay, wrong keys, flipped bits, plain RTCP, suite
 *        names, and the UDP helpers on loopback sockets
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <cmocka.h>
#include <re.h>
#include "server/msec.h"
#include "leak.h"
#include "udp.h"

enum { PKT_MAX = 1600 };

/* Two ends with crossed keys: a's tx is b's rx and the other way */
struct pair {
	struct msec *a, *b;
};

static const enum msec_suite suites[] = {
	MSEC_AEAD_AES_256_GCM, MSEC_AEAD_AES_128_GCM,
	MSEC_AES_CM_128_HMAC_SHA1_80, MSEC_AES_CM_128_HMAC_SHA1_32,
};


static void key_fill(uint8_t *k, uint8_t seed)
{
	size_t i;

	for (i = 0; i < MSEC_KEY_MAX; i++)
		k[i] = (uint8_t)(seed + 7 * i);
}


static void pair_alloc(struct pair *p, enum msec_suite s)
{
	uint8_t k1[MSEC_KEY_MAX], k2[MSEC_KEY_MAX];

	key_fill(k1, 1);
	key_fill(k2, 100);
	assert_int_equal(0, msec_alloc(&p->a, s, k1, k2));
	assert_int_equal(0, msec_alloc(&p->b, s, k2, k1));
	assert_int_equal(s, msec_suite(p->a));
}


static void pair_free(struct pair *p)
{
	p->a = mem_deref(p->a);
	p->b = mem_deref(p->b);
}


static size_t tag_len(enum msec_suite s, bool rtcp)
{
	switch (s) {
	case MSEC_AES_CM_128_HMAC_SHA1_80: return rtcp ? 4 + 10 : 10;
	case MSEC_AES_CM_128_HMAC_SHA1_32: return rtcp ? 4 + 10 : 4;
	default:                           return rtcp ? 4 + 16 : 16;
	}
}


/* RTP, RFC 3550 5.1: PT 0, the payload counting up */
static struct mbuf *rtp_packet(uint16_t seq, size_t payload)
{
	struct mbuf *mb = mbuf_alloc(12 + payload);
	size_t i;

	assert_non_null(mb);
	assert_int_equal(0, mbuf_write_u8(mb, 0x80));
	assert_int_equal(0, mbuf_write_u8(mb, 0));
	assert_int_equal(0, mbuf_write_u16(mb, htons(seq)));
	assert_int_equal(0, mbuf_write_u32(mb, htonl(160u * seq)));
	assert_int_equal(0, mbuf_write_u32(mb, htonl(0x11223344)));
	for (i = 0; i < payload; i++)
		assert_int_equal(0, mbuf_write_u8(mb, (uint8_t)i));
	mb->pos = 0;

	return mb;
}


/* RTCP, RFC 3550 6.4.2: a receiver report with n report blocks */
static struct mbuf *rtcp_packet(unsigned n)
{
	struct mbuf *mb = mbuf_alloc(8 + 24 * n);
	unsigned i;

	assert_non_null(mb);
	assert_int_equal(0, mbuf_write_u8(mb, 0x80 | n));
	assert_int_equal(0, mbuf_write_u8(mb, 201));
	assert_int_equal(0, mbuf_write_u16(mb, htons(1 + 6 * n)));
	assert_int_equal(0, mbuf_write_u32(mb, htonl(0x11223344)));
	for (i = 0; i < 24 * n; i++)
		assert_int_equal(0, mbuf_write_u8(mb, (uint8_t)(i + 3)));
	mb->pos = 0;

	return mb;
}


/* RTCP APP "PING", 16 bytes, as baresip sends it plain at call start */
static struct mbuf *ping_packet(void)
{
	static const uint8_t ping[] = {
		0x80, 204, 0, 3, 0x11, 0x22, 0x33, 0x44,
		'P', 'I', 'N', 'G', 0, 0, 0, 0,
	};
	struct mbuf *mb = mbuf_alloc(sizeof(ping));

	assert_non_null(mb);
	assert_int_equal(0, mbuf_write_mem(mb, ping, sizeof(ping)));
	mb->pos = 0;

	return mb;
}


static struct mbuf *copy(const struct mbuf *mb)
{
	struct mbuf *c = mbuf_alloc(mb->end + MSEC_OVERHEAD);

	assert_non_null(c);
	assert_int_equal(0, mbuf_write_mem(c, mb->buf + mb->pos,
					   mb->end - mb->pos));
	c->pos = 0;

	return c;
}


/* Protect a copy of plain, check its length and that it differs,
 * unprotect at the other end, check it is plain again */
static void round_trip(struct pair *p, enum msec_suite s,
		       const struct mbuf *plain, bool rtcp)
{
	struct mbuf *mb = copy(plain);
	size_t len = mbuf_get_left(plain), hdr = rtcp ? 8 : 12;

	assert_int_equal(0, msec_protect(p->a, mb));
	assert_int_equal(len + tag_len(s, rtcp), mbuf_get_left(mb));
	/* the header stays in clear, the rest does not (RFC 3711 3.1) */
	assert_memory_equal(plain->buf, mb->buf, hdr);
	if (len > hdr)
		assert_memory_not_equal(plain->buf + hdr, mb->buf + hdr,
					len - hdr);

	assert_int_equal(0, msec_unprotect(p->b, mb));
	assert_int_equal(len, mbuf_get_left(mb));
	assert_memory_equal(plain->buf, mb->buf, len);

	mem_deref(mb);
}


static void test_round_trip(void **state)
{
	static const size_t sizes[] = {1, 160, 1200};
	struct msec_stats st;
	size_t i, j;

	(void)state;

	for (i = 0; i < ARRAY_SIZE(suites); i++) {
		struct pair p;
		uint16_t seq = 1000;

		pair_alloc(&p, suites[i]);

		for (j = 0; j < ARRAY_SIZE(sizes); j++) {
			struct mbuf *mb = rtp_packet(seq++, sizes[j]);

			round_trip(&p, suites[i], mb, false);
			mem_deref(mb);
		}

		for (j = 0; j < 3; j++) {
			struct mbuf *mb = rtcp_packet((unsigned)j * 4);

			round_trip(&p, suites[i], mb, true);
			mem_deref(mb);
		}

		msec_stats(p.b, &st);
		assert_int_equal(0, st.auth_fail + st.replay + st.plain_rtcp);
		pair_free(&p);
	}
}


/* The same packet twice: the second is a replay (RFC 3711 3.3.2) */
static void test_replay(void **state)
{
	struct msec_stats st;
	size_t i;

	(void)state;

	for (i = 0; i < ARRAY_SIZE(suites); i++) {
		struct mbuf *plain[2] = {rtp_packet(7, 160), rtcp_packet(1)};
		struct pair p;
		int k;

		pair_alloc(&p, suites[i]);

		for (k = 0; k < 2; k++) {
			struct mbuf *mb = copy(plain[k]), *again;

			assert_int_equal(0, msec_protect(p.a, mb));
			again = copy(mb);
			assert_int_equal(0, msec_unprotect(p.b, mb));
			assert_int_equal(EALREADY,
					 msec_unprotect(p.b, again));
			mem_deref(mb);
			mem_deref(again);

			/* sending one RTP number twice is allowed (a resent
			 * packet), and the receiver still refuses it as a
			 * replay; the SRTCP index is the sender's count
			 * (RFC 3711 3.4) */
			mb = copy(plain[k]);
			assert_int_equal(0, msec_protect(p.a, mb));
			assert_int_equal(k ? 0 : EALREADY,
					 msec_unprotect(p.b, mb));
			mem_deref(mb);
			mem_deref(plain[k]);
		}

		msec_stats(p.b, &st);
		assert_int_equal(3, st.replay);
		assert_int_equal(0, st.auth_fail);
		msec_stats(p.a, &st);
		assert_int_equal(0, st.protect_fail);
		pair_free(&p);
	}
}


/* A key that is not the sender's, a flipped bit: authentication fails,
 * and the good packet still passes after (no replay state was kept) */
static void test_auth_fail(void **state)
{
	uint8_t k1[MSEC_KEY_MAX], k3[MSEC_KEY_MAX];
	struct msec_stats st;
	size_t i;

	(void)state;
	key_fill(k1, 1);
	key_fill(k3, 200);

	for (i = 0; i < ARRAY_SIZE(suites); i++) {
		struct mbuf *plain[2] = {rtp_packet(9, 160), rtcp_packet(1)};
		struct msec *wrong;
		struct pair p;
		int k;

		pair_alloc(&p, suites[i]);
		assert_int_equal(0, msec_alloc(&wrong, suites[i], k3, k3));

		for (k = 0; k < 2; k++) {
			struct mbuf *mb = copy(plain[k]), *c;

			assert_int_equal(0, msec_protect(p.a, mb));

			c = copy(mb);
			assert_int_equal(EAUTH, msec_unprotect(wrong, c));
			mem_deref(c);

			c = copy(mb);
			c->buf[c->end - 20] ^= 0x04;
			assert_int_equal(EAUTH, msec_unprotect(p.b, c));
			mem_deref(c);

			assert_int_equal(0, msec_unprotect(p.b, mb));
			assert_memory_equal(plain[k]->buf, mb->buf,
					    plain[k]->end);
			mem_deref(mb);
			mem_deref(plain[k]);
		}

		msec_stats(wrong, &st);
		assert_int_equal(2, st.auth_fail);
		msec_stats(p.b, &st);
		assert_int_equal(2, st.auth_fail);
		assert_int_equal(0, st.replay + st.plain_rtcp);
		mem_deref(wrong);
		pair_free(&p);
	}
}


/* Plain RTCP is told apart from SRTCP that fails (EPROTO, plain_rtcp),
 * and so is a plain compound; a short SRTP packet is no SRTP */
static void test_plain_rtcp(void **state)
{
	struct msec_stats st;
	size_t i;

	(void)state;

	for (i = 0; i < ARRAY_SIZE(suites); i++) {
		struct mbuf *mb;
		struct pair p;

		pair_alloc(&p, suites[i]);

		mb = ping_packet();
		assert_int_equal(EPROTO, msec_unprotect(p.b, mb));
		mem_deref(mb);

		mb = rtcp_packet(3);
		assert_int_equal(EPROTO, msec_unprotect(p.b, mb));
		mem_deref(mb);

		mb = rtp_packet(1, 0);
		mb->end = 8;
		assert_int_equal(EBADMSG, msec_unprotect(p.b, mb));
		mem_deref(mb);

		msec_stats(p.b, &st);
		assert_int_equal(2, st.plain_rtcp);
		assert_int_equal(1, st.auth_fail);
		assert_int_equal(0, st.replay);
		pair_free(&p);
	}
}


static void test_suite_names(void **state)
{
	static const char *bad[] = {
		"aes_cm_128_hmac_sha1_80", "AES_CM_128_HMAC_SHA1_8",
		"AES_CM_128_HMAC_SHA1_800", "AES_256_CM_HMAC_SHA1_80",
		"F8_128_HMAC_SHA1_80", "",
	};
	enum msec_suite s;
	struct pl pl;
	unsigned i;

	(void)state;

	for (i = 0; i < MSEC_SUITE_COUNT; i++) {
		pl_set_str(&pl, msec_suite_name((enum msec_suite)i));
		assert_true(msec_suite_from_name(&pl, &s));
		assert_int_equal(i, s);
	}
	assert_string_equal("AES_CM_128_HMAC_SHA1_32",
			    msec_suite_name(MSEC_AES_CM_128_HMAC_SHA1_32));
	assert_string_equal("?", msec_suite_name(MSEC_SUITE_COUNT));

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		pl_set_str(&pl, bad[i]);
		assert_false(msec_suite_from_name(&pl, &s));
	}

	/* a name in the middle of a line, as an a=crypto parser has it */
	pl_set_str(&pl, "AEAD_AES_128_GCM inline:");
	pl.l = 16;
	assert_true(msec_suite_from_name(&pl, &s));
	assert_int_equal(MSEC_AEAD_AES_128_GCM, s);

	assert_int_equal(44, msec_key_len(MSEC_AEAD_AES_256_GCM));
	assert_int_equal(28, msec_key_len(MSEC_AEAD_AES_128_GCM));
	assert_int_equal(30, msec_key_len(MSEC_AES_CM_128_HMAC_SHA1_80));
	assert_int_equal(30, msec_key_len(MSEC_AES_CM_128_HMAC_SHA1_32));
}


/* Over loopback: two libre sockets with an msec each (keys crossed) and
 * a plain socket as a wire tap */
struct net {
	struct pair p;
	struct udp_sock *ua, *ub;
	struct sa aa, ab, atap;
	int tap;
	unsigned nrecv;
	uint8_t last[PKT_MAX];
	size_t last_len;
	struct tmr tmr;
};


static void recv_h(const struct sa *src, struct mbuf *mb, void *arg)
{
	struct net *n = arg;
	size_t len = mbuf_get_left(mb);

	(void)src;
	n->nrecv++;
	n->last_len = len < PKT_MAX ? len : PKT_MAX;
	memcpy(n->last, mbuf_buf(mb), n->last_len);
}


static void stop_h(void *arg)
{
	(void)arg;
	re_cancel();
}


static void spin(struct net *n, uint32_t ms)
{
	tmr_start(&n->tmr, ms, stop_h, NULL);
	(void)re_main(NULL);
}


static int net_setup(void **state)
{
	struct net *n = test_calloc(1, sizeof(*n));
	struct sa any;

	if (!n)
		return -1;

	tmr_init(&n->tmr);
	n->tap = udp_loopback(&n->atap);
	sa_set_str(&any, "127.0.0.1", 0);
	if (n->tap < 0 ||
	    udp_listen(&n->ua, &any, recv_h, n) ||
	    udp_listen(&n->ub, &any, recv_h, n) ||
	    udp_local_get(n->ua, &n->aa) || udp_local_get(n->ub, &n->ab))
		return -1;

	pair_alloc(&n->p, MSEC_AES_CM_128_HMAC_SHA1_80);
	if (msec_attach(n->p.a, n->ua) || msec_attach(n->p.b, n->ub))
		return -1;

	*state = n;
	return 0;
}


static int net_teardown(void **state)
{
	struct net *n = *state;

	tmr_cancel(&n->tmr);
	pair_free(&n->p);
	mem_deref(n->ua);
	mem_deref(n->ub);
	close(n->tap);
	test_free(n);

	return 0;
}


static bool contains(const uint8_t *hay, size_t n, const uint8_t *needle,
		     size_t m)
{
	size_t i;

	for (i = 0; i + m <= n; i++) {
		if (!memcmp(hay + i, needle, m))
			return true;
	}

	return false;
}


static void test_sockets(void **state)
{
	struct net *n = *state;
	struct mbuf *mb = rtp_packet(1, 160), *orig = copy(mb);
	uint8_t wire[PKT_MAX];
	static const uint8_t dtls[] = {22, 0xfe, 0xfd, 0, 1, 2, 3};
	struct msec_stats st;
	struct mbuf *d;
	ssize_t got;

	/* to the tap: protected bytes, the sender's datagram untouched */
	assert_int_equal(0, udp_send(n->ua, &n->atap, mb));
	assert_int_equal(0, mb->pos);
	assert_int_equal(orig->end, mb->end);
	assert_memory_equal(orig->buf, mb->buf, orig->end);
	got = recv(n->tap, wire, sizeof(wire), 0);
	assert_int_equal(12 + 160 + 10, got);
	assert_false(contains(wire + 12, (size_t)got - 12, orig->buf + 12 + 4,
			      16));

	/* through the wire, b gets it plain */
	assert_int_equal(0, sendto(n->tap, wire, (size_t)got, 0,
				   &n->ab.u.sa, n->ab.len) != got);
	spin(n, 30);
	assert_int_equal(1, n->nrecv);
	assert_int_equal(12 + 160, n->last_len);
	assert_memory_equal(orig->buf, n->last, n->last_len);

	/* a to b directly, RTCP too; and back */
	mem_deref(mb);
	mb = rtp_packet(2, 1200);
	assert_int_equal(0, udp_send(n->ua, &n->ab, mb));
	mem_deref(mb);
	mb = rtcp_packet(2);
	assert_int_equal(0, udp_send(n->ub, &n->aa, mb));
	spin(n, 30);
	assert_int_equal(3, n->nrecv);
	assert_int_equal(mb->end, n->last_len);
	assert_memory_equal(mb->buf, n->last, n->last_len);

	/* plain RTP in is dropped, plain RTCP too, quietly */
	mem_deref(mb);
	mb = rtp_packet(50, 160);
	assert_int_equal(0, sendto(n->tap, mb->buf, mb->end, 0,
				   &n->ab.u.sa, n->ab.len) < 0);
	mem_deref(mb);
	mb = ping_packet();
	assert_int_equal(0, sendto(n->tap, mb->buf, mb->end, 0,
				   &n->ab.u.sa, n->ab.len) < 0);
	spin(n, 30);
	assert_int_equal(3, n->nrecv);
	msec_stats(n->p.b, &st);
	assert_int_equal(1, st.auth_fail);
	assert_int_equal(1, st.plain_rtcp);

	/* not RTP (DTLS, RFC 7983): by untouched, both ways */
	d = mbuf_alloc(sizeof(dtls));
	assert_int_equal(0, mbuf_write_mem(d, dtls, sizeof(dtls)));
	d->pos = 0;
	assert_int_equal(0, udp_send(n->ua, &n->atap, d));
	got = recv(n->tap, wire, sizeof(wire), 0);
	assert_int_equal(sizeof(dtls), got);
	assert_memory_equal(dtls, wire, sizeof(dtls));
	assert_int_equal(0, udp_send(n->ua, &n->ab, d));
	spin(n, 30);
	assert_int_equal(4, n->nrecv);
	assert_int_equal(sizeof(dtls), n->last_len);
	assert_memory_equal(dtls, n->last, sizeof(dtls));

	mem_deref(d);
	mem_deref(mb);
	mem_deref(orig);
}


/* The socket may go first: the context keeps it until it is freed */
static void test_socket_freed_first(void **state)
{
	struct net *n = *state;

	n->ua = mem_deref(n->ua);
	n->p.a = mem_deref(n->p.a);
}


int main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		leak_test(test_round_trip),
		leak_test(test_replay),
		leak_test(test_auth_fail),
		leak_test(test_plain_rtcp),
		leak_test(test_suite_names),
		/* the first sockets leave one-time state behind (libre's,
		 * the C library's): a first run, unchecked */
		cmocka_unit_test_setup_teardown(test_sockets, net_setup,
						net_teardown),
		leak_test_setup_teardown(test_sockets, net_setup,
					 net_teardown),
		leak_test_setup_teardown(test_socket_freed_first, net_setup,
					 net_teardown),
	};
	int err;

	(void)argc;
	leak_init(argv);

	err = libre_init();
	if (err)
		return err;

	err = msec_init();
	if (err)
		return err;

	err = cmocka_run_group_tests_name("msec", tests, NULL, NULL);
	msec_close();
	libre_close();

	return err;
}
