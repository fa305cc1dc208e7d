/**
 * @file test_mdtls.c  DTLS-SRTP on loopback: the handshake, the suite
 *        both ends agree, media protected one way and open the other;
 *        a fingerprint that is not the peer's ends it; no media before
 *
 * No media worker: the sockets run on this thread.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <ctype.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <cmocka.h>
#include <re.h>
#include "server/log.h"
#include "server/mdtls.h"
#include "server/msec.h"
#include "leak.h"
#include "udp.h"

enum { PKT_MAX = 1600, WAIT_MS = 3000 };

/* Two contexts, as two servers; made once (RSA keys take a while) */
static struct tls *tls_a, *tls_b;
static char fp_a[MDTLS_FP_SIZE], fp_b[MDTLS_FP_SIZE];

struct side {
	struct udp_sock *us;
	struct sa addr;
	struct mdtls *d;
	bool called;
	int err;
	enum msec_suite suite;
	unsigned nrecv;
	uint8_t last[PKT_MAX];
	size_t last_len;
	struct fixture *f;
};

struct fixture {
	struct side a, b;      /* a the DTLS client, b the server */
	int tap;               /* a plain socket, a peer with no keys */
	struct sa atap;
	struct tmr tmr;
};


static void recv_h(const struct sa *src, struct mbuf *mb, void *arg)
{
	struct side *s = arg;
	size_t len = mbuf_get_left(mb);

	(void)src;
	s->nrecv++;
	s->last_len = len < PKT_MAX ? len : PKT_MAX;
	memcpy(s->last, mbuf_buf(mb), s->last_len);
}


static void estab_h(int err, enum msec_suite suite, void *arg)
{
	struct side *s = arg;

	assert_false(s->called);
	s->called = true;
	s->err = err;
	s->suite = suite;

	if (s->f->a.called && s->f->b.called)
		re_cancel();
}


static void stop_h(void *arg)
{
	(void)arg;
	re_cancel();
}


static void spin(struct fixture *f, uint32_t ms)
{
	tmr_start(&f->tmr, ms, stop_h, NULL);
	(void)re_main(NULL);
	tmr_cancel(&f->tmr);
}


static int side_open(struct side *s, struct fixture *f)
{
	struct sa any;

	s->f = f;
	sa_set_str(&any, "127.0.0.1", 0);

	if (udp_listen(&s->us, &any, recv_h, s) ||
	    udp_local_get(s->us, &s->addr))
		return -1;

	return 0;
}


static int setup(void **state)
{
	struct fixture *f = test_calloc(1, sizeof(*f));

	if (!f)
		return -1;

	tmr_init(&f->tmr);
	f->tap = udp_loopback(&f->atap);
	if (f->tap < 0 || side_open(&f->a, f) || side_open(&f->b, f))
		return -1;

	*state = f;
	return 0;
}


static int teardown(void **state)
{
	struct fixture *f = *state;

	tmr_cancel(&f->tmr);
	mem_deref(f->a.d);
	mem_deref(f->b.d);
	mem_deref(f->a.us);
	mem_deref(f->b.us);
	close(f->tap);
	test_free(f);

	return 0;
}


/* a the client with peer fingerprint fa, b the server with fb */
static void handshake(struct fixture *f, struct tls *ta, const char *fa,
		      const char *fb)
{
	assert_int_equal(0, mdtls_alloc(&f->a.d, ta, f->a.us, true, fa,
					estab_h, &f->a));
	assert_int_equal(0, mdtls_alloc(&f->b.d, tls_b, f->b.us, false, fb,
					estab_h, &f->b));
	assert_int_equal(0, mdtls_connect(f->a.d, &f->b.addr));
	spin(f, WAIT_MS);
	assert_true(f->a.called);
	assert_true(f->b.called);
}


static struct mbuf *rtp_packet(uint16_t seq, size_t payload)
{
	struct mbuf *mb = mbuf_alloc(12 + payload);
	size_t i;

	assert_non_null(mb);
	assert_int_equal(0, mbuf_write_u8(mb, 0x80));
	assert_int_equal(0, mbuf_write_u8(mb, 8));
	assert_int_equal(0, mbuf_write_u16(mb, htons(seq)));
	assert_int_equal(0, mbuf_write_u32(mb, htonl(160u * seq)));
	assert_int_equal(0, mbuf_write_u32(mb, htonl(0xcafe0001)));
	for (i = 0; i < payload; i++)
		assert_int_equal(0, mbuf_write_u8(mb, (uint8_t)(i * 3)));
	mb->pos = 0;

	return mb;
}


/* Lower case, hash name in capitals: still the same fingerprint */
static void fp_recase(char *dst, const char *src, size_t size)
{
	size_t i;

	str_ncpy(dst, src, size);
	for (i = 0; dst[i]; i++)
		dst[i] = (char)tolower((unsigned char)dst[i]);
	memcpy(dst, "SHA-256", 7);
}


static void test_handshake(void **state)
{
	struct fixture *f = *state;
	char fb_mixed[MDTLS_FP_SIZE];
	struct mbuf *mb, *plain;
	struct msec_stats st;
	uint8_t wire[PKT_MAX];
	ssize_t got;

	fp_recase(fb_mixed, fp_b, sizeof(fb_mixed));
	handshake(f, tls_a, fb_mixed, fp_a);

	assert_int_equal(0, f->a.err);
	assert_int_equal(0, f->b.err);
	assert_int_equal(f->a.suite, f->b.suite);
	assert_int_equal(MSEC_AEAD_AES_256_GCM, f->a.suite);   /* ours 1st */
	assert_true(mdtls_estab(f->a.d));
	assert_true(mdtls_estab(f->b.d));
	assert_int_equal(f->a.suite, msec_suite(mdtls_msec(f->b.d)));

	/* a's msec protects, b's opens */
	plain = rtp_packet(1, 160);
	mb = mbuf_alloc(512);
	assert_int_equal(0, mbuf_write_mem(mb, plain->buf, plain->end));
	mb->pos = 0;
	assert_int_equal(0, msec_protect(mdtls_msec(f->a.d), mb));
	assert_int_equal(plain->end + 16, mb->end);
	assert_int_equal(0, msec_unprotect(mdtls_msec(f->b.d), mb));
	assert_int_equal(plain->end, mb->end);
	assert_memory_equal(plain->buf, mb->buf, plain->end);
	mem_deref(mb);
	mem_deref(plain);

	/* over the sockets, both ways */
	plain = rtp_packet(2, 160);
	assert_int_equal(0, udp_send(f->a.us, &f->b.addr, plain));
	assert_int_equal(0, udp_send(f->b.us, &f->a.addr, plain));
	spin(f, 30);
	assert_int_equal(1, f->b.nrecv);
	assert_int_equal(1, f->a.nrecv);
	assert_int_equal(plain->end, f->b.last_len);
	assert_memory_equal(plain->buf, f->b.last, plain->end);
	assert_memory_equal(plain->buf, f->a.last, plain->end);

	/* on the wire it is SRTP */
	mem_deref(plain);
	plain = rtp_packet(3, 160);
	assert_int_equal(0, udp_send(f->a.us, &f->atap, plain));
	got = recv(f->tap, wire, sizeof(wire), 0);
	assert_int_equal(plain->end + 16, got);
	assert_memory_not_equal(plain->buf + 12, wire + 12, 160);

	msec_stats(mdtls_msec(f->b.d), &st);
	assert_int_equal(0, st.auth_fail + st.replay + st.plain_rtcp);
	assert_int_equal(0, mdtls_held(f->a.d));
	mem_deref(plain);
}


/* The profile the client offers is the one both use (RFC 5764 4.1.2) */
static void test_suites(void **state)
{
	static const struct {
		const char *profile;
		enum msec_suite suite;
	} v[] = {
		{"SRTP_AEAD_AES_128_GCM",  MSEC_AEAD_AES_128_GCM},
		{"SRTP_AES128_CM_SHA1_80", MSEC_AES_CM_128_HMAC_SHA1_80},
		{"SRTP_AES128_CM_SHA1_32", MSEC_AES_CM_128_HMAC_SHA1_32},
	};
	struct fixture *f = *state;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		struct mbuf *mb = rtp_packet((uint16_t)(10 + i), 160);

		assert_int_equal(0, tls_set_srtp(tls_a, v[i].profile));
		handshake(f, tls_a, fp_b, fp_a);
		assert_int_equal(0, f->a.err);
		assert_int_equal(0, f->b.err);
		assert_int_equal(v[i].suite, f->a.suite);
		assert_int_equal(v[i].suite, f->b.suite);

		assert_int_equal(0, udp_send(f->b.us, &f->a.addr, mb));
		spin(f, 30);
		assert_int_equal(1, f->a.nrecv);
		assert_memory_equal(mb->buf, f->a.last, mb->end);

		mem_deref(mb);
		f->a.d = mem_deref(f->a.d);
		f->b.d = mem_deref(f->b.d);
		f->a.called = f->b.called = false;
		f->a.nrecv = 0;
	}

	assert_int_equal(0, tls_set_srtp(tls_a, "SRTP_AEAD_AES_256_GCM:"
					 "SRTP_AEAD_AES_128_GCM:"
					 "SRTP_AES128_CM_SHA1_80:"
					 "SRTP_AES128_CM_SHA1_32"));
}


static void fp_spoil(char *dst, const char *src, size_t size)
{
	size_t n;

	str_ncpy(dst, src, size);
	n = strlen(dst);
	dst[n - 1] = dst[n - 1] == '0' ? '1' : '0';
}


/* RFC 5763 5: not the certificate in the SDP, no keys; the client's */
static void test_wrong_fp_client(void **state)
{
	struct fixture *f = *state;
	char bad[MDTLS_FP_SIZE];

	fp_spoil(bad, fp_b, sizeof(bad));
	handshake(f, tls_a, bad, fp_a);

	assert_int_equal(EAUTH, f->a.err);
	assert_false(mdtls_estab(f->a.d));
	assert_null(mdtls_msec(f->a.d));
}


/* ... and the server's */
static void test_wrong_fp_server(void **state)
{
	struct fixture *f = *state;
	char bad[MDTLS_FP_SIZE];
	struct mbuf *mb = rtp_packet(1, 160);

	fp_spoil(bad, fp_a, sizeof(bad));
	handshake(f, tls_a, fp_b, bad);

	assert_int_equal(EAUTH, f->b.err);
	assert_null(mdtls_msec(f->b.d));

	/* what the client sends, under its keys, does not get through */
	(void)udp_send(f->a.us, &f->b.addr, mb);
	spin(f, 30);
	assert_int_equal(0, f->b.nrecv);
	assert_true(mdtls_held(f->b.d) >= 1);
	mem_deref(mb);
}


/* No media before the keys: not sent, not taken in */
static void test_held(void **state)
{
	struct fixture *f = *state;
	struct mbuf *mb = rtp_packet(1, 160);
	uint8_t wire[PKT_MAX];

	assert_int_equal(0, mdtls_alloc(&f->a.d, tls_a, f->a.us, true, fp_b,
					estab_h, &f->a));
	assert_int_equal(ENOTCONN, udp_send(f->a.us, &f->atap, mb));
	assert_true(recv(f->tap, wire, sizeof(wire), MSG_DONTWAIT) < 0);

	assert_int_equal(0, sendto(f->tap, mb->buf, mb->end, 0,
				   &f->a.addr.u.sa, f->a.addr.len) < 0);
	spin(f, 30);
	assert_int_equal(0, f->a.nrecv);
	assert_int_equal(2, mdtls_held(f->a.d));
	assert_false(f->a.called);

	/* the passive end takes no mdtls_connect() */
	assert_int_equal(0, mdtls_alloc(&f->b.d, tls_b, f->b.us, false, fp_a,
					estab_h, &f->b));
	assert_int_equal(EPROTO, mdtls_connect(f->b.d, &f->a.addr));
	mem_deref(mb);
}


static void test_bad_fp(void **state)
{
	static const char *bad[] = {
		"sha-256", "sha-256 ", "sha-256 AB:CD", "md5 AB:CD:EF",
		"sha-256 zz:CD:EF:AB:CD:EF:AB:CD:EF:AB:CD:EF:AB:CD:EF:AB:"
		"CD:EF:AB:CD:EF:AB:CD:EF:AB:CD:EF:AB:CD:EF:AB:CD",
		"sha-256 AB-CD:EF:AB:CD:EF:AB:CD:EF:AB:CD:EF:AB:CD:EF:AB:"
		"CD:EF:AB:CD:EF:AB:CD:EF:AB:CD:EF:AB:CD:EF:AB:CD",
	};
	struct fixture *f = *state;
	struct mdtls *d = NULL;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_not_equal(0, mdtls_alloc(&d, tls_a, f->a.us, true,
						    bad[i], estab_h, &f->a));
	assert_null(d);
	assert_int_equal(0, mdtls_alloc(&d, tls_a, f->a.us, true,
					"sha-1 00:01:02:03:04:05:06:07:08:09:"
					"0a:0b:0c:0d:0e:0f:10:11:12:13",
					estab_h, &f->a));
	mem_deref(d);
}


static int group_setup(void **state)
{
	(void)state;

	if (mdtls_cert_alloc(&tls_a, fp_a, sizeof(fp_a)) ||
	    mdtls_cert_alloc(&tls_b, fp_b, sizeof(fp_b)))
		return -1;

	return strcmp(fp_a, fp_b) && !strncmp(fp_a, "sha-256 ", 8) &&
		strlen(fp_a) == MDTLS_FP_SIZE - 1 ? 0 : -1;
}


static int group_teardown(void **state)
{
	(void)state;
	tls_a = mem_deref(tls_a);
	tls_b = mem_deref(tls_b);

	return 0;
}


int main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		/* the first handshake leaves one-time state behind
		 * (OpenSSL's, libre's): a first run, unchecked */
		cmocka_unit_test_setup_teardown(test_handshake, setup,
						teardown),
		leak_test_setup_teardown(test_handshake, setup, teardown),
		leak_test_setup_teardown(test_suites, setup, teardown),
		leak_test_setup_teardown(test_wrong_fp_client, setup,
					 teardown),
		leak_test_setup_teardown(test_wrong_fp_server, setup,
					 teardown),
		leak_test_setup_teardown(test_held, setup, teardown),
		leak_test_setup_teardown(test_bad_fp, setup, teardown),
	};
	int err;

	(void)argc;
	leak_init(argv);
	log_set_level(LOG_ERROR);

	err = libre_init();
	if (err)
		return err;

	err = msec_init();
	if (err)
		return err;

	err = cmocka_run_group_tests_name("mdtls", tests, group_setup,
					  group_teardown);
	msec_close();
	libre_close();

	return err;
}
