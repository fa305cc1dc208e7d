/**
 * @file test_sdpsec.c  The security of an m-line: SDES (RFC 4568) and
 * DTLS-SRTP (RFC 5763) under each media_encryption policy, rtcp-mux
 * (RFC 5761), re-offers, the dial-out offer and its answer, screening,
 * and video keyed apart from audio
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include "server/sdes.h"
#include "server/sdpneg.h"
#include "server/sdpsec.h"
#include "leak.h"

struct fixture {
	struct sdpneg *neg;
	struct mbuf *answer;
	struct sdpneg_result res;
	char sdp[4096];              /* the offer or answer we send in   */
	char buf[4096];              /* what came out, NUL-terminated    */
};

#define HDR "v=0\r\no=- 1 1 IN IP4 198.51.100.7\r\ns=-\r\n" \
	"c=IN IP4 198.51.100.7\r\nt=0 0\r\n"

#define CM80 "AES_CM_128_HMAC_SHA1_80"
#define CM32 "AES_CM_128_HMAC_SHA1_32"
#define GCM128 "AEAD_AES_128_GCM"
#define GCM256 "AEAD_AES_256_GCM"

/* our certificate's, as mdtls_fingerprint() writes it */
static const char our_fp[] = "sha-256 "
	"00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
	"00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF";

#define PEER_FP "sha-256 " \
	"AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:" \
	"AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89"


static int setup_ports(void **state, uint16_t video_port)
{
	struct fixture *f = test_calloc(1, sizeof(*f));
	struct sa laddr;

	if (!f)
		return -1;

	sa_set_str(&laddr, "192.0.2.10", 0);
	if (sdpneg_alloc(&f->neg, &laddr, 20000, video_port)) {
		test_free(f);
		return -1;
	}

	*state = f;
	return 0;
}


static int setup(void **state)
{
	return setup_ports(state, 0);
}


static int setup_video(void **state)
{
	return setup_ports(state, 30000);
}


static int teardown(void **state)
{
	struct fixture *f = *state;

	mem_deref(f->answer);
	mem_deref(f->neg);
	test_free(f);

	return 0;
}


static void policy(struct fixture *f, enum cfg_menc menc, bool tls,
		   const char *fp)
{
	struct sdpsec_prm prm = {menc, tls, fp};

	sdpneg_set_sec(f->neg, &prm);
}


/* The base64 (RFC 4648 4) of len bytes seed, seed + 1, ... */
static const char *key_b64(char *out, size_t size, size_t len, uint8_t seed)
{
	uint8_t key[MSEC_KEY_MAX];
	size_t n = size - 1;

	assert_true(len <= sizeof(key));
	for (size_t i = 0; i < len; i++)
		key[i] = (uint8_t)(seed + i);

	assert_int_equal(0, base64_encode(key, len, out, &n));
	out[n] = '\0';

	return out;
}


static void key_bytes(uint8_t *key, size_t len, uint8_t seed)
{
	for (size_t i = 0; i < len; i++)
		key[i] = (uint8_t)(seed + i);
}


static struct mbuf *body(const char *sdp)
{
	struct mbuf *mb = mbuf_alloc(strlen(sdp) + 1);

	assert_non_null(mb);
	assert_int_equal(0, mbuf_write_str(mb, sdp));
	mb->pos = 0;

	return mb;
}


static void to_buf(struct fixture *f, const struct mbuf *mb)
{
	assert_non_null(mb);
	assert_true(mb->end < sizeof(f->buf));
	memcpy(f->buf, mb->buf, mb->end);
	f->buf[mb->end] = '\0';
}


/* Answer the offer sdp; the answer lands in f->buf */
static int answer(struct fixture *f, const char *sdp)
{
	struct mbuf *mb = body(sdp);
	int err;

	f->answer = mem_deref(f->answer);
	f->buf[0] = '\0';
	err = sdpneg_answer(f->neg, mb, &f->answer, &f->res);
	mem_deref(mb);

	if (!err)
		to_buf(f, f->answer);

	return err;
}


/* Make our offer; it lands in f->buf */
static int offer(struct fixture *f)
{
	struct mbuf *mb = NULL;
	int err;

	f->buf[0] = '\0';
	err = sdpneg_offer(f->neg, &mb);
	if (!err)
		to_buf(f, mb);
	mem_deref(mb);

	return err;
}


/* Take the answer sdp to our offer */
static int take(struct fixture *f, const char *sdp)
{
	struct mbuf *mb = body(sdp);
	int err;

	err = sdpneg_take_answer(f->neg, mb, &f->res);
	mem_deref(mb);

	return err;
}


static size_t count(const char *s, const char *what)
{
	size_t n = 0;

	for (const char *p = strstr(s, what); p; p = strstr(p + 1, what))
		n++;

	return n;
}


/* The value of the i-th (from 0) a=crypto line in s, decoded */
static void crypto_at(const char *s, size_t i, struct sdes_crypto *c)
{
	const char *p = strstr(s, "a=crypto:");
	char val[256];
	size_t n;

	while (p && i--)
		p = strstr(p + 1, "a=crypto:");

	assert_non_null(p);
	p += strlen("a=crypto:");
	n = strcspn(p, "\r\n");
	assert_true(n < sizeof(val));
	memcpy(val, p, n);
	val[n] = '\0';

	assert_int_equal(0, sdes_decode(c, val));
}


static void assert_no_sec_lines(const char *s)
{
	assert_null(strstr(s, "a=crypto"));
	assert_null(strstr(s, "a=fingerprint"));
	assert_null(strstr(s, "a=setup"));
}


/*
 * media_encryption = optional
 */

static void test_opt_plain(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(0, answer(f, HDR "m=audio 4000 RTP/AVP 0\r\n"));
	assert_non_null(strstr(f->buf, "m=audio 20000 RTP/AVP 0\r\n"));
	assert_no_sec_lines(f->buf);
	assert_int_equal(SDPSEC_NONE, f->res.srtp.keying);
	assert_false(f->res.srtp.mux);
	assert_null(sdpneg_why(f->neg));
}


/* RFC 4568 7.1.1: the first line we support, its tag, our own key */
static void test_opt_savp_first_supported(void **state)
{
	struct fixture *f = *state;
	struct sdes_crypto c;
	char k1[64], k2[64];
	uint8_t key[30];

	re_snprintf(f->sdp, sizeof(f->sdp), HDR
		    "m=audio 4000 RTP/SAVP 0\r\n"
		    "a=crypto:1 F8_128_HMAC_SHA1_80 inline:%s\r\n"
		    "a=crypto:7 " CM80 " inline:%s\r\n",
		    key_b64(k1, sizeof(k1), 30, 100),
		    key_b64(k2, sizeof(k2), 30, 1));
	assert_int_equal(0, answer(f, f->sdp));

	assert_non_null(strstr(f->buf, "m=audio 20000 RTP/SAVP 0\r\n"));
	assert_int_equal(1, count(f->buf, "a=crypto:"));
	assert_non_null(strstr(f->buf, "a=crypto:7 " CM80 " inline:"));
	crypto_at(f->buf, 0, &c);
	assert_int_equal(7, c.tag);
	assert_int_equal(MSEC_AES_CM_128_HMAC_SHA1_80, c.suite);
	assert_int_equal(30, c.key_len);

	key_bytes(key, sizeof(key), 1);
	assert_memory_not_equal(key, c.key, 30);

	assert_int_equal(SDPSEC_SDES, f->res.srtp.keying);
	assert_int_equal(MSEC_AES_CM_128_HMAC_SHA1_80, f->res.srtp.suite);
	assert_memory_equal(key, f->res.srtp.rx_key, 30);
	assert_memory_equal(c.key, f->res.srtp.tx_key, 30);
}


/* RFC 4568 7.1.1: a=crypto in RTP/AVP, taken in RTP/AVP */
static void test_opt_best_effort(void **state)
{
	struct fixture *f = *state;
	struct sdes_crypto c;
	char k[64];
	uint8_t key[30];

	re_snprintf(f->sdp, sizeof(f->sdp), HDR
		    "m=audio 4000 RTP/AVP 0\r\n"
		    "a=crypto:3 " CM32 " inline:%s\r\n",
		    key_b64(k, sizeof(k), 30, 9));
	assert_int_equal(0, answer(f, f->sdp));

	assert_non_null(strstr(f->buf, "m=audio 20000 RTP/AVP 0\r\n"));
	assert_int_equal(1, count(f->buf, "a=crypto:"));
	crypto_at(f->buf, 0, &c);
	assert_int_equal(3, c.tag);
	assert_int_equal(MSEC_AES_CM_128_HMAC_SHA1_32, c.suite);

	key_bytes(key, sizeof(key), 9);
	assert_int_equal(SDPSEC_SDES, f->res.srtp.keying);
	assert_int_equal(MSEC_AES_CM_128_HMAC_SHA1_32, f->res.srtp.suite);
	assert_memory_equal(key, f->res.srtp.rx_key, 30);
	assert_memory_equal(c.key, f->res.srtp.tx_key, 30);
}


#define BAD_CRYPTO \
	"a=crypto:1 F8_128_HMAC_SHA1_80 inline:%s\r\n" \
	"a=crypto:2 " CM80 " inline:%s|2^20|1:4\r\n" \
	"a=crypto:3 " CM80 " inline:%s\r\n" \
	"a=crypto:4 " CM80 " inline:%s FEC_ORDER=FEC_SRTP\r\n"

static void bad_crypto_offer(struct fixture *f, const char *proto)
{
	char k30[64], k29[64];

	key_b64(k30, sizeof(k30), 30, 1);
	key_b64(k29, sizeof(k29), 29, 1);
	re_snprintf(f->sdp, sizeof(f->sdp), HDR "m=audio 4000 %s 0\r\n"
		    BAD_CRYPTO, proto, k30, k30, k29, k30);
}


/* Best effort with no line we can take: plain, no a=crypto */
static void test_opt_avp_bad_crypto(void **state)
{
	struct fixture *f = *state;

	bad_crypto_offer(f, "RTP/AVP");
	assert_int_equal(0, answer(f, f->sdp));
	assert_non_null(strstr(f->buf, "m=audio 20000 RTP/AVP 0\r\n"));
	assert_no_sec_lines(f->buf);
	assert_int_equal(SDPSEC_NONE, f->res.srtp.keying);
}


/* RTP/SAVP with no line we can take: 488 with a reason */
static void test_opt_savp_bad_crypto(void **state)
{
	struct fixture *f = *state;

	bad_crypto_offer(f, "RTP/SAVP");
	assert_int_equal(ENOTSUP, answer(f, f->sdp));
	assert_null(f->answer);
	assert_non_null(sdpneg_why(f->neg));
	assert_non_null(strstr(sdpneg_why(f->neg), "a=crypto"));

	/* and none at all */
	assert_int_equal(ENOTSUP, answer(f, HDR "m=audio 4000 RTP/SAVP 0\r\n"));
	assert_non_null(sdpneg_why(f->neg));
	assert_non_null(strstr(sdpneg_why(f->neg), "a=crypto"));
}


static void test_opt_savpf(void **state)
{
	struct fixture *f = *state;
	char k[64];

	re_snprintf(f->sdp, sizeof(f->sdp), HDR
		    "m=audio 4000 RTP/SAVPF 0\r\n"
		    "a=crypto:1 " CM80 " inline:%s\r\n",
		    key_b64(k, sizeof(k), 30, 1));
	assert_int_equal(0, answer(f, f->sdp));

	assert_non_null(strstr(f->buf, "m=audio 20000 RTP/SAVPF 0\r\n"));
	assert_int_equal(1, count(f->buf, "a=crypto:1 " CM80 " inline:"));
	assert_int_equal(SDPSEC_SDES, f->res.srtp.keying);
}


/* RFC 7714 14.2: the AES-GCM suites and their key lengths */
static void test_opt_gcm(void **state)
{
	struct fixture *f = *state;
	struct sdes_crypto c;
	char k[80];
	uint8_t key[44];

	re_snprintf(f->sdp, sizeof(f->sdp), HDR
		    "m=audio 4000 RTP/SAVP 0\r\n"
		    "a=crypto:1 " GCM256 " inline:%s\r\n",
		    key_b64(k, sizeof(k), 44, 50));
	assert_int_equal(0, answer(f, f->sdp));
	crypto_at(f->buf, 0, &c);
	assert_int_equal(MSEC_AEAD_AES_256_GCM, c.suite);
	assert_int_equal(44, c.key_len);
	key_bytes(key, 44, 50);
	assert_int_equal(SDPSEC_SDES, f->res.srtp.keying);
	assert_int_equal(MSEC_AEAD_AES_256_GCM, f->res.srtp.suite);
	assert_memory_equal(key, f->res.srtp.rx_key, 44);
	assert_memory_equal(c.key, f->res.srtp.tx_key, 44);

	re_snprintf(f->sdp, sizeof(f->sdp), HDR
		    "m=audio 4000 RTP/SAVP 0\r\n"
		    "a=crypto:2 " GCM128 " inline:%s\r\n",
		    key_b64(k, sizeof(k), 28, 60));
	assert_int_equal(0, answer(f, f->sdp));
	assert_int_equal(1, count(f->buf, "a=crypto:"));
	crypto_at(f->buf, 0, &c);
	assert_int_equal(2, c.tag);
	assert_int_equal(MSEC_AEAD_AES_128_GCM, c.suite);
	assert_int_equal(28, c.key_len);
	key_bytes(key, 28, 60);
	assert_int_equal(MSEC_AEAD_AES_128_GCM, f->res.srtp.suite);
	assert_memory_equal(key, f->res.srtp.rx_key, 28);
	assert_memory_equal(c.key, f->res.srtp.tx_key, 28);

	/* a GCM-256 key cut to GCM-128's length is no GCM-256 key */
	re_snprintf(f->sdp, sizeof(f->sdp), HDR
		    "m=audio 4000 RTP/SAVP 0\r\n"
		    "a=crypto:1 " GCM256 " inline:%s\r\n",
		    key_b64(k, sizeof(k), 28, 60));
	assert_int_equal(ENOTSUP, answer(f, f->sdp));
}


/*
 * media_encryption = required
 */

static void test_req_plain(void **state)
{
	struct fixture *f = *state;

	policy(f, MENC_REQUIRED, true, our_fp);
	assert_int_equal(ENOTSUP, answer(f, HDR "m=audio 4000 RTP/AVP 0\r\n"));
	assert_null(f->answer);
	assert_non_null(sdpneg_why(f->neg));
	assert_non_null(strstr(sdpneg_why(f->neg), "SRTP"));
}


/* RFC 4568 8.3: keys in the clear are no secret */
static void test_req_sdes_needs_tls(void **state)
{
	struct fixture *f = *state;
	char k[64];

	re_snprintf(f->sdp, sizeof(f->sdp), HDR
		    "m=audio 4000 RTP/SAVP 0\r\n"
		    "a=crypto:1 " CM80 " inline:%s\r\n",
		    key_b64(k, sizeof(k), 30, 1));

	policy(f, MENC_REQUIRED, false, our_fp);
	assert_int_equal(ENOTSUP, answer(f, f->sdp));
	assert_non_null(sdpneg_why(f->neg));
	assert_non_null(strstr(sdpneg_why(f->neg), "TLS"));

	policy(f, MENC_REQUIRED, true, our_fp);
	assert_int_equal(0, answer(f, f->sdp));
	assert_non_null(strstr(f->buf, "m=audio 20000 RTP/SAVP 0\r\n"));
	assert_int_equal(1, count(f->buf, "a=crypto:1 " CM80 " inline:"));
	assert_int_equal(SDPSEC_SDES, f->res.srtp.keying);
	assert_null(sdpneg_why(f->neg));
}


#define DTLS_OFFER(setup) HDR \
	"m=audio 4000 UDP/TLS/RTP/SAVPF 0\r\n" \
	"a=fingerprint:" PEER_FP "\r\n" \
	setup

/* RFC 5763 5: actpass offered, we are passive, with our fingerprint */
static void test_req_dtls_actpass(void **state)
{
	struct fixture *f = *state;

	policy(f, MENC_REQUIRED, false, our_fp);
	assert_int_equal(0, answer(f, DTLS_OFFER("a=setup:actpass\r\n")));

	assert_non_null(strstr(f->buf,
			       "m=audio 20000 UDP/TLS/RTP/SAVPF 0\r\n"));
	assert_non_null(strstr(f->buf, "a=setup:passive\r\n"));
	assert_int_equal(1, count(f->buf, "a=fingerprint:"));
	re_snprintf(f->sdp, sizeof(f->sdp), "a=fingerprint:%s\r\n", our_fp);
	assert_non_null(strstr(f->buf, f->sdp));
	assert_null(strstr(f->buf, "a=crypto"));

	assert_int_equal(SDPSEC_DTLS, f->res.srtp.keying);
	assert_false(f->res.srtp.dtls_active);
	assert_string_equal(PEER_FP, f->res.srtp.peer_fp);
}


static void test_req_dtls_passive_peer(void **state)
{
	struct fixture *f = *state;

	policy(f, MENC_REQUIRED, false, our_fp);
	assert_int_equal(0, answer(f, DTLS_OFFER("a=setup:passive\r\n")));
	assert_non_null(strstr(f->buf, "a=setup:active\r\n"));
	assert_int_equal(SDPSEC_DTLS, f->res.srtp.keying);
	assert_true(f->res.srtp.dtls_active);

	/* RFC 4145 4: no a=setup is active, so we are passive */
	assert_int_equal(0, answer(f, DTLS_OFFER("")));
	assert_non_null(strstr(f->buf, "a=setup:passive\r\n"));
	assert_false(f->res.srtp.dtls_active);

	assert_int_equal(ENOTSUP,
			 answer(f, DTLS_OFFER("a=setup:holdconn\r\n")));
	assert_non_null(sdpneg_why(f->neg));
}


/* A session-level a=fingerprint covers the line (RFC 8122 5) */
static void test_req_dtls_session_fp(void **state)
{
	struct fixture *f = *state;

	policy(f, MENC_REQUIRED, false, our_fp);
	assert_int_equal(0, answer(f, "v=0\r\no=- 1 1 IN IP4 198.51.100.7\r\n"
		"s=-\r\nc=IN IP4 198.51.100.7\r\nt=0 0\r\n"
		"a=fingerprint:" PEER_FP "\r\n"
		"m=audio 4000 UDP/TLS/RTP/SAVP 0\r\n"
		"a=setup:actpass\r\n"));
	assert_non_null(strstr(f->buf, "m=audio 20000 UDP/TLS/RTP/SAVP 0\r\n"));
	assert_int_equal(SDPSEC_DTLS, f->res.srtp.keying);
	assert_string_equal(PEER_FP, f->res.srtp.peer_fp);
}


static void test_req_dtls_refused(void **state)
{
	struct fixture *f = *state;

	/* RFC 5763 5: no fingerprint, nothing to check the peer by */
	policy(f, MENC_REQUIRED, false, our_fp);
	assert_int_equal(ENOTSUP, answer(f, HDR
		"m=audio 4000 UDP/TLS/RTP/SAVPF 0\r\n"
		"a=setup:actpass\r\n"));
	assert_null(f->answer);
	assert_non_null(sdpneg_why(f->neg));
	assert_non_null(strstr(sdpneg_why(f->neg), "fingerprint"));

	/* no certificate of ours: no DTLS-SRTP */
	policy(f, MENC_REQUIRED, false, NULL);
	assert_int_equal(ENOTSUP, answer(f, DTLS_OFFER("a=setup:actpass\r\n")));
	assert_non_null(sdpneg_why(f->neg));
	assert_non_null(strstr(sdpneg_why(f->neg), "DTLS"));
}


/*
 * media_encryption = off
 */

static void test_off(void **state)
{
	struct fixture *f = *state;
	char k[64];

	policy(f, MENC_OFF, true, our_fp);

	re_snprintf(f->sdp, sizeof(f->sdp), HDR
		    "m=audio 4000 RTP/SAVP 0\r\n"
		    "a=crypto:1 " CM80 " inline:%s\r\n",
		    key_b64(k, sizeof(k), 30, 1));
	assert_int_equal(ENOTSUP, answer(f, f->sdp));
	assert_non_null(sdpneg_why(f->neg));

	/* best effort: plain, and no a=crypto */
	re_snprintf(f->sdp, sizeof(f->sdp), HDR
		    "m=audio 4000 RTP/AVP 0\r\n"
		    "a=crypto:1 " CM80 " inline:%s\r\n",
		    key_b64(k, sizeof(k), 30, 1));
	assert_int_equal(0, answer(f, f->sdp));
	assert_non_null(strstr(f->buf, "m=audio 20000 RTP/AVP 0\r\n"));
	assert_no_sec_lines(f->buf);
	assert_int_equal(SDPSEC_NONE, f->res.srtp.keying);

	assert_int_equal(ENOTSUP, answer(f, DTLS_OFFER("a=setup:actpass\r\n")));
	assert_non_null(sdpneg_why(f->neg));
}


/*
 * RFC 5761: RTP and RTCP on one port
 */

static void test_rtcp_mux(void **state)
{
	struct fixture *f = *state;
	char k[64];

	assert_int_equal(0, answer(f, HDR "m=audio 4000 RTP/AVP 0\r\n"
				   "a=rtcp-mux\r\n"));
	assert_non_null(strstr(f->buf, "a=rtcp-mux\r\n"));
	assert_true(f->res.srtp.mux);
	assert_true(sa_cmp(&f->res.raddr, &f->res.raddr_rtcp, SA_ALL));
	assert_int_equal(4000, sa_port(&f->res.raddr_rtcp));

	/* not offered again: not answered, RTCP on the next port */
	assert_int_equal(0, answer(f, HDR "m=audio 4000 RTP/AVP 0\r\n"));
	assert_null(strstr(f->buf, "a=rtcp-mux"));
	assert_false(f->res.srtp.mux);
	assert_int_equal(4001, sa_port(&f->res.raddr_rtcp));

	/* with SDES, the same */
	re_snprintf(f->sdp, sizeof(f->sdp), HDR
		    "m=audio 4000 RTP/SAVP 0\r\n"
		    "a=rtcp-mux\r\n"
		    "a=crypto:1 " CM80 " inline:%s\r\n",
		    key_b64(k, sizeof(k), 30, 1));
	assert_int_equal(0, answer(f, f->sdp));
	assert_int_equal(1, count(f->buf, "a=rtcp-mux\r\n"));
	assert_int_equal(SDPSEC_SDES, f->res.srtp.keying);
	assert_true(f->res.srtp.mux);
	assert_true(sa_cmp(&f->res.raddr, &f->res.raddr_rtcp, SA_ALL));
}


/* RFC 5761 5.1.1: a re-offer of ours keeps the multiplexing agreed, and
 * the answer's a=rtcp-mux is what says it goes on */
static void test_rtcp_mux_reoffer(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(0, answer(f, HDR "m=audio 4000 RTP/AVP 0\r\n"
				   "a=rtcp-mux\r\n"));
	assert_true(f->res.srtp.mux);

	assert_int_equal(0, offer(f));
	assert_int_equal(1, count(f->buf, "a=rtcp-mux\r\n"));

	assert_int_equal(0, take(f, HDR "m=audio 4000 RTP/AVP 0\r\n"
				 "a=rtcp-mux\r\n"));
	assert_true(f->res.srtp.mux);
	assert_true(sa_cmp(&f->res.raddr, &f->res.raddr_rtcp, SA_ALL));

	/* the peer stops: so do we, and we offer it no more */
	assert_int_equal(0, offer(f));
	assert_int_equal(0, take(f, HDR "m=audio 4000 RTP/AVP 0\r\n"));
	assert_false(f->res.srtp.mux);
	assert_int_equal(4001, sa_port(&f->res.raddr_rtcp));
	assert_int_equal(0, offer(f));
	assert_null(strstr(f->buf, "a=rtcp-mux"));

	/* a first offer has none, and an answer cannot add it */
	assert_int_equal(0, take(f, HDR "m=audio 4000 RTP/AVP 0\r\n"
				 "a=rtcp-mux\r\n"));
	assert_false(f->res.srtp.mux);
}


/*
 * Re-offers: our key stays while the peer's does (RFC 3711 9.1)
 */

static void test_reoffer_keys(void **state)
{
	struct fixture *f = *state;
	struct sdes_crypto c1, c2, c3;
	char k[64];

	re_snprintf(f->sdp, sizeof(f->sdp), HDR
		    "m=audio 4000 RTP/SAVP 0\r\n"
		    "a=crypto:1 " CM80 " inline:%s\r\n",
		    key_b64(k, sizeof(k), 30, 1));
	assert_int_equal(0, answer(f, f->sdp));
	crypto_at(f->buf, 0, &c1);

	/* the same offer again (a session refresh, hold) */
	assert_int_equal(0, answer(f, f->sdp));
	crypto_at(f->buf, 0, &c2);
	assert_memory_equal(c1.key, c2.key, 30);
	assert_memory_equal(c1.key, f->res.srtp.tx_key, 30);

	/* the peer keys again: so do we */
	re_snprintf(f->sdp, sizeof(f->sdp), HDR
		    "m=audio 4000 RTP/SAVP 0\r\n"
		    "a=crypto:1 " CM80 " inline:%s\r\n",
		    key_b64(k, sizeof(k), 30, 77));
	assert_int_equal(0, answer(f, f->sdp));
	crypto_at(f->buf, 0, &c3);
	assert_memory_not_equal(c1.key, c3.key, 30);
	assert_memory_equal(c3.key, f->res.srtp.tx_key, 30);

	/* and after a plain stretch, a new key too */
	assert_int_equal(0, answer(f, HDR "m=audio 4000 RTP/AVP 0\r\n"));
	assert_int_equal(SDPSEC_NONE, f->res.srtp.keying);
	assert_int_equal(0, answer(f, f->sdp));
	crypto_at(f->buf, 0, &c2);
	assert_memory_not_equal(c3.key, c2.key, 30);
}


/*
 * Dial-out: our offer, then the answer
 */

static const enum msec_suite offer_order[] = {
	MSEC_AEAD_AES_256_GCM, MSEC_AEAD_AES_128_GCM,
	MSEC_AES_CM_128_HMAC_SHA1_80, MSEC_AES_CM_128_HMAC_SHA1_32,
};


static void assert_full_offer(const char *s, struct sdes_crypto *lines)
{
	static const size_t lens[] = {44, 28, 30, 30};

	assert_int_equal(4, count(s, "a=crypto:"));
	for (size_t i = 0; i < 4; i++) {
		crypto_at(s, i, &lines[i]);
		assert_int_equal(i + 1, lines[i].tag);
		assert_int_equal(offer_order[i], lines[i].suite);
		assert_int_equal(lens[i], lines[i].key_len);
	}
	assert_non_null(strstr(s, "a=crypto:1 " GCM256 " inline:"));
	assert_non_null(strstr(s, "a=crypto:2 " GCM128 " inline:"));
	assert_non_null(strstr(s, "a=crypto:3 " CM80 " inline:"));
	assert_non_null(strstr(s, "a=crypto:4 " CM32 " inline:"));
}


static void test_offer_policies(void **state)
{
	struct fixture *f = *state;
	struct sdes_crypto lines[4];

	/* optional: best effort, RTP/AVP with every suite */
	assert_int_equal(0, offer(f));
	assert_non_null(strstr(f->buf, "m=audio 20000 RTP/AVP "));
	assert_full_offer(f->buf, lines);
	assert_null(strstr(f->buf, "a=fingerprint"));

	/* required over TLS: RTP/SAVP */
	policy(f, MENC_REQUIRED, true, our_fp);
	assert_int_equal(0, offer(f));
	assert_non_null(strstr(f->buf, "m=audio 20000 RTP/SAVP "));
	assert_full_offer(f->buf, lines);

	/* required without TLS: nothing to offer */
	policy(f, MENC_REQUIRED, false, our_fp);
	assert_int_equal(ENOTSUP, offer(f));
	assert_non_null(sdpneg_why(f->neg));
	assert_non_null(strstr(sdpneg_why(f->neg), "TLS"));

	policy(f, MENC_OFF, true, our_fp);
	assert_int_equal(0, offer(f));
	assert_non_null(strstr(f->buf, "m=audio 20000 RTP/AVP "));
	assert_no_sec_lines(f->buf);
}


/* RFC 4568 7.1.2: the answer picks one of our lines */
static void test_take_tag1(void **state)
{
	struct fixture *f = *state;
	struct sdes_crypto lines[4], c;
	char k[80];
	uint8_t key[44];

	assert_int_equal(0, offer(f));
	assert_full_offer(f->buf, lines);

	re_snprintf(f->sdp, sizeof(f->sdp), HDR
		    "m=audio 4000 RTP/AVP 0\r\n"
		    "a=crypto:1 " GCM256 " inline:%s\r\n",
		    key_b64(k, sizeof(k), 44, 200));
	assert_int_equal(0, take(f, f->sdp));

	key_bytes(key, sizeof(key), 200);
	assert_int_equal(SDPSEC_SDES, f->res.srtp.keying);
	assert_int_equal(MSEC_AEAD_AES_256_GCM, f->res.srtp.suite);
	assert_memory_equal(lines[0].key, f->res.srtp.tx_key, 44);
	assert_memory_equal(key, f->res.srtp.rx_key, 44);

	/* a re-offer of ours keeps what was agreed, one line, tag and
	 * suite, with a new key of ours (no keystream repeats when the
	 * context is made again) */
	assert_int_equal(0, offer(f));
	assert_int_equal(1, count(f->buf, "a=crypto:"));
	crypto_at(f->buf, 0, &c);
	assert_int_equal(1, c.tag);
	assert_int_equal(MSEC_AEAD_AES_256_GCM, c.suite);
	assert_memory_not_equal(lines[0].key, c.key, 44);
}


static void test_take_wrong_line(void **state)
{
	struct fixture *f = *state;
	char k[80];

	/* a tag we did not offer */
	assert_int_equal(0, offer(f));
	re_snprintf(f->sdp, sizeof(f->sdp), HDR
		    "m=audio 4000 RTP/AVP 0\r\n"
		    "a=crypto:5 " CM80 " inline:%s\r\n",
		    key_b64(k, sizeof(k), 30, 3));
	assert_int_equal(ENOTSUP, take(f, f->sdp));
	assert_non_null(sdpneg_why(f->neg));

	/* our tag 1, another suite than we offered under it */
	assert_int_equal(0, offer(f));
	re_snprintf(f->sdp, sizeof(f->sdp), HDR
		    "m=audio 4000 RTP/AVP 0\r\n"
		    "a=crypto:1 " CM80 " inline:%s\r\n",
		    key_b64(k, sizeof(k), 30, 3));
	assert_int_equal(ENOTSUP, take(f, f->sdp));
	assert_non_null(sdpneg_why(f->neg));
}


static void test_take_plain(void **state)
{
	struct fixture *f = *state;

	/* best effort offered, plain answered: plain */
	assert_int_equal(0, offer(f));
	assert_int_equal(0, take(f, HDR "m=audio 4000 RTP/AVP 0\r\n"));
	assert_int_equal(SDPSEC_NONE, f->res.srtp.keying);
	assert_null(sdpneg_why(f->neg));

	/* required offered, an answer without keys: refused */
	policy(f, MENC_REQUIRED, true, our_fp);
	assert_int_equal(0, offer(f));
	assert_non_null(strstr(f->buf, "RTP/SAVP"));
	assert_int_equal(ENOTSUP, take(f, HDR "m=audio 4000 RTP/SAVP 0\r\n"));
	assert_non_null(sdpneg_why(f->neg));

	/* or in a profile we did not offer */
	assert_int_equal(0, offer(f));
	assert_int_equal(ENOTSUP, take(f, HDR "m=audio 4000 RTP/AVP 0\r\n"));
}


/* A DTLS call re-offered by us: our fingerprint and role again */
static void test_dtls_reoffer(void **state)
{
	struct fixture *f = *state;

	policy(f, MENC_REQUIRED, false, our_fp);
	assert_int_equal(0, answer(f, DTLS_OFFER("a=setup:actpass\r\n")));

	assert_int_equal(0, offer(f));
	assert_non_null(strstr(f->buf, "m=audio 20000 UDP/TLS/RTP/SAVPF "));
	assert_non_null(strstr(f->buf, "a=setup:passive\r\n"));
	re_snprintf(f->sdp, sizeof(f->sdp), "a=fingerprint:%s\r\n", our_fp);
	assert_non_null(strstr(f->buf, f->sdp));

	assert_int_equal(0, take(f, DTLS_OFFER("a=setup:active\r\n")));
	assert_int_equal(SDPSEC_DTLS, f->res.srtp.keying);
	assert_false(f->res.srtp.dtls_active);
	assert_string_equal(PEER_FP, f->res.srtp.peer_fp);
}


/*
 * Screening an INVITE's offer before the call is set up
 */

static void test_screen(void **state)
{
	static const char pre[] = "XXXX";
	struct sdpsec_prm req = {MENC_REQUIRED, true, our_fp};
	struct sdpsec_prm opt = {MENC_OPTIONAL, false, NULL};
	struct mbuf *mb = mbuf_alloc(512);
	const char *why = "unset";

	(void)state;

	/* the body starts after what the position skips */
	assert_non_null(mb);
	mbuf_write_str(mb, pre);
	mbuf_write_str(mb, HDR "m=audio 4000 RTP/AVP 0\r\n");
	mb->pos = sizeof(pre) - 1;

	assert_int_equal(ENOTSUP, sdpneg_screen(mb, &req, &why));
	assert_non_null(why);
	assert_non_null(strstr(why, "SRTP"));
	assert_int_equal(sizeof(pre) - 1, mb->pos);

	assert_int_equal(0, sdpneg_screen(mb, &opt, &why));
	assert_null(why);
	assert_int_equal(sizeof(pre) - 1, mb->pos);

	mem_deref(mb);
}


/*
 * Video: its own line, its own keys
 */

static void test_video_keys(void **state)
{
	struct fixture *f = *state;
	struct sdpneg_vwant w = {true, VCODEC_VP8, -1};
	struct sdes_crypto ca, cv;
	const char *vid;
	char ka[64], kv[64];
	uint8_t key[30];

	sdpneg_set_video(f->neg, &w);

	re_snprintf(f->sdp, sizeof(f->sdp), HDR
		    "m=audio 4000 RTP/SAVP 0\r\n"
		    "a=crypto:1 " CM80 " inline:%s\r\n"
		    "m=video 4002 RTP/SAVP 100\r\n"
		    "a=rtpmap:100 VP8/90000\r\n"
		    "a=crypto:1 " CM80 " inline:%s\r\n",
		    key_b64(ka, sizeof(ka), 30, 1),
		    key_b64(kv, sizeof(kv), 30, 101));
	assert_int_equal(0, answer(f, f->sdp));

	vid = strstr(f->buf, "m=video ");
	assert_non_null(vid);
	assert_non_null(strstr(f->buf, "m=audio 20000 RTP/SAVP 0\r\n"));
	assert_non_null(strstr(vid, "m=video 30000 RTP/SAVP 100\r\n"));
	assert_int_equal(2, count(f->buf, "a=crypto:"));
	assert_int_equal(1, count(vid, "a=crypto:"));
	crypto_at(f->buf, 0, &ca);
	crypto_at(vid, 0, &cv);
	assert_memory_not_equal(ca.key, cv.key, 30);

	assert_true(f->res.video.on);
	assert_int_equal(VCODEC_VP8, f->res.video.codec);
	assert_int_equal(SDPSEC_SDES, f->res.srtp.keying);
	assert_int_equal(SDPSEC_SDES, f->res.video.srtp.keying);

	key_bytes(key, sizeof(key), 1);
	assert_memory_equal(key, f->res.srtp.rx_key, 30);
	assert_memory_equal(ca.key, f->res.srtp.tx_key, 30);
	key_bytes(key, sizeof(key), 101);
	assert_memory_equal(key, f->res.video.srtp.rx_key, 30);
	assert_memory_equal(cv.key, f->res.video.srtp.tx_key, 30);
	assert_memory_not_equal(f->res.srtp.tx_key, f->res.video.srtp.tx_key,
				30);
}


/* Video whose keys we cannot take is declined; audio goes on */
static void test_video_refused_alone(void **state)
{
	struct fixture *f = *state;
	struct sdpneg_vwant w = {true, VCODEC_VP8, -1};
	char ka[64];

	sdpneg_set_video(f->neg, &w);

	re_snprintf(f->sdp, sizeof(f->sdp), HDR
		    "m=audio 4000 RTP/SAVP 0\r\n"
		    "a=crypto:1 " CM80 " inline:%s\r\n"
		    "m=video 4002 RTP/SAVP 100\r\n"
		    "a=rtpmap:100 VP8/90000\r\n",
		    key_b64(ka, sizeof(ka), 30, 1));
	assert_int_equal(0, answer(f, f->sdp));

	assert_int_equal(SDPSEC_SDES, f->res.srtp.keying);
	assert_false(f->res.video.on);
	assert_non_null(f->res.video.why);
	assert_non_null(strstr(f->buf, "m=video 0 "));
	assert_int_equal(1, count(f->buf, "a=crypto:"));
}


/*
 * The module's own surface
 */

static void test_direct(void **state)
{
	struct sdp_session *sess = NULL;
	struct sdp_media *m = NULL;
	struct sdpsec *s = NULL;
	struct sdpsec_prm prm = {MENC_OPTIONAL, false, NULL};
	struct sdpsec_result res;
	const char *why = NULL;
	struct sa laddr;

	(void)state;

	assert_string_equal("none", sdpsec_keying_name(SDPSEC_NONE));
	assert_string_equal("sdes", sdpsec_keying_name(SDPSEC_SDES));
	assert_string_equal("dtls", sdpsec_keying_name(SDPSEC_DTLS));

	sa_set_str(&laddr, "192.0.2.10", 0);
	assert_int_equal(0, sdp_session_alloc(&sess, &laddr));
	assert_int_equal(0, sdp_media_add(&m, sess, "audio", 20000,
					  "RTP/AVP"));

	assert_int_equal(EINVAL, sdpsec_alloc(NULL, m, sess));
	assert_int_equal(EINVAL, sdpsec_alloc(&s, NULL, sess));
	assert_int_equal(EINVAL, sdpsec_alloc(&s, m, NULL));
	assert_null(s);
	assert_int_equal(0, sdpsec_alloc(&s, m, sess));

	assert_int_equal(EINVAL, sdpsec_answer(NULL, &prm, &res, &why));
	assert_int_equal(EINVAL, sdpsec_answer(s, NULL, &res, &why));
	assert_int_equal(EINVAL, sdpsec_answer(s, &prm, NULL, &why));
	assert_int_equal(EINVAL, sdpsec_answer(s, &prm, &res, NULL));
	assert_int_equal(EINVAL, sdpsec_offer(NULL, &prm));
	assert_int_equal(EINVAL, sdpsec_offer(s, NULL));
	assert_int_equal(EINVAL, sdpsec_take(s, &prm, &res, NULL));

	/* a line with no remote port (not offered yet) agrees nothing */
	assert_int_equal(0, sdpsec_answer(s, &prm, &res, &why));
	assert_int_equal(SDPSEC_NONE, res.keying);
	assert_false(res.mux);

	mem_deref(s);
	mem_deref(m);
	mem_deref(sess);
}


int main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		/* the first use of libre's SDP and address code leaves
		 * one-time state behind: a first run, unchecked */
		cmocka_unit_test_setup_teardown(test_opt_plain, setup,
						teardown),
		leak_test_setup_teardown(test_opt_plain, setup, teardown),
		leak_test_setup_teardown(test_opt_savp_first_supported,
					 setup, teardown),
		leak_test_setup_teardown(test_opt_best_effort, setup,
					 teardown),
		leak_test_setup_teardown(test_opt_avp_bad_crypto, setup,
					 teardown),
		leak_test_setup_teardown(test_opt_savp_bad_crypto, setup,
					 teardown),
		leak_test_setup_teardown(test_opt_savpf, setup, teardown),
		leak_test_setup_teardown(test_opt_gcm, setup, teardown),
		leak_test_setup_teardown(test_req_plain, setup, teardown),
		leak_test_setup_teardown(test_req_sdes_needs_tls, setup,
					 teardown),
		leak_test_setup_teardown(test_req_dtls_actpass, setup,
					 teardown),
		leak_test_setup_teardown(test_req_dtls_passive_peer, setup,
					 teardown),
		leak_test_setup_teardown(test_req_dtls_session_fp, setup,
					 teardown),
		leak_test_setup_teardown(test_req_dtls_refused, setup,
					 teardown),
		leak_test_setup_teardown(test_off, setup, teardown),
		leak_test_setup_teardown(test_rtcp_mux, setup, teardown),
		leak_test_setup_teardown(test_rtcp_mux_reoffer, setup,
					 teardown),
		leak_test_setup_teardown(test_reoffer_keys, setup, teardown),
		leak_test_setup_teardown(test_offer_policies, setup,
					 teardown),
		leak_test_setup_teardown(test_take_tag1, setup, teardown),
		leak_test_setup_teardown(test_take_wrong_line, setup,
					 teardown),
		leak_test_setup_teardown(test_take_plain, setup, teardown),
		leak_test_setup_teardown(test_dtls_reoffer, setup, teardown),
		leak_test(test_screen),
		leak_test_setup_teardown(test_video_keys, setup_video,
					 teardown),
		leak_test_setup_teardown(test_video_refused_alone,
					 setup_video, teardown),
		leak_test(test_direct),
	};

	(void)argc;
	leak_init(argv);

	return cmocka_run_group_tests_name("sdpsec", tests, NULL, NULL);
}
