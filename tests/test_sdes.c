/**
 * @file test_sdes.c  The a=crypto attribute (RFC 4568): decoding, with
 * what Chorus refuses, encoding, key generation and the answerer's pick
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include "server/sdes.h"
#include "leak.h"

/* base64 of the bytes 0, 1, 2 ... n-1 */
#define K27 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBka"
#define K28 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGw=="
#define K29 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxw="
#define K30 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd"
#define K31 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg=="
#define K43 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKg=="
#define K44 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKis="
#define K45 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKiss"

#define CM80 "AES_CM_128_HMAC_SHA1_80"
#define CM32 "AES_CM_128_HMAC_SHA1_32"
#define GCM128 "AEAD_AES_128_GCM"
#define GCM256 "AEAD_AES_256_GCM"

/* RFC 4568 4 and 5.1: the offer's and the answer's keys */
#define RFC_KEY1 "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR"
#define RFC_KEY2 "d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj"
#define RFC_KEY3 "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz"


static int dec(const char *value)
{
	struct sdes_crypto c;

	return sdes_decode(&c, value);
}


static void assert_counting(const struct sdes_crypto *c, size_t len)
{
	assert_int_equal(len, c->key_len);
	for (size_t i = 0; i < len; i++)
		assert_int_equal(i, c->key[i]);
}


/* The RFC's lines carry MKIs, which Chorus does not do; without them
 * they decode to the key written there */
static void test_rfc_examples(void **state)
{
	struct sdes_crypto c;

	(void)state;

	assert_int_equal(ENOTSUP, dec("1 " CM80 " inline:" RFC_KEY1
				      "|2^20|1:32"));
	assert_int_equal(ENOTSUP, dec("1 " CM80 " inline:" RFC_KEY2
				      "|2^20|1:32"));
	assert_int_equal(ENOTSUP, dec("1 " CM80 " inline:" RFC_KEY3
				      "|2^20|1:4 FEC_ORDER=FEC_SRTP"));
	assert_int_equal(ENOTSUP, dec("2 F8_128_HMAC_SHA1_80 inline:"
		"MTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5QUJjZGVm|2^20|1:4;inline:"
		"QUJjZGVmMTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5|2^20|2:4 "
		"FEC_ORDER=FEC_SRTP"));

	assert_int_equal(0, sdes_decode(&c, "1 " CM80 " inline:" RFC_KEY1
					"|2^20"));
	assert_int_equal(1, c.tag);
	assert_int_equal(MSEC_AES_CM_128_HMAC_SHA1_80, c.suite);
	assert_int_equal(30, c.key_len);
	assert_memory_equal("=-n@%^x!Bjufr9)?,#5h\\`=&]{qiPQ", c.key, 30);

	assert_int_equal(0, sdes_decode(&c, "1 " CM32 " inline:" RFC_KEY2));
	assert_int_equal(MSEC_AES_CM_128_HMAC_SHA1_32, c.suite);
	assert_memory_equal("wDfvg&T+)xG7@fb5jU,RaA}\\|p0%*#", c.key, 30);
}


static void test_each_suite(void **state)
{
	struct sdes_crypto c;

	(void)state;

	assert_int_equal(0, sdes_decode(&c, "7 " GCM256 " inline:" K44));
	assert_int_equal(7, c.tag);
	assert_int_equal(MSEC_AEAD_AES_256_GCM, c.suite);
	assert_counting(&c, 44);

	assert_int_equal(0, sdes_decode(&c, "8 " GCM128 " inline:" K28));
	assert_int_equal(MSEC_AEAD_AES_128_GCM, c.suite);
	assert_counting(&c, 28);

	assert_int_equal(0, sdes_decode(&c, "9 " CM80 " inline:" K30));
	assert_int_equal(MSEC_AES_CM_128_HMAC_SHA1_80, c.suite);
	assert_counting(&c, 30);

	assert_int_equal(0, sdes_decode(&c, "10 " CM32 " inline:" K30));
	assert_int_equal(10, c.tag);
	assert_int_equal(MSEC_AES_CM_128_HMAC_SHA1_32, c.suite);
	assert_counting(&c, 30);
}


/* A key one byte short or long, even where its base64 has the right
 * length (29 and 28 bytes are 40 characters, as 30 are) */
static void test_key_length(void **state)
{
	(void)state;

	assert_int_equal(EBADMSG, dec("1 " GCM256 " inline:" K43));
	assert_int_equal(EBADMSG, dec("1 " GCM256 " inline:" K45));
	assert_int_equal(EBADMSG, dec("1 " GCM128 " inline:" K27));
	assert_int_equal(EBADMSG, dec("1 " GCM128 " inline:" K29));
	assert_int_equal(EBADMSG, dec("1 " CM80 " inline:" K29));
	assert_int_equal(EBADMSG, dec("1 " CM80 " inline:" K31));
	assert_int_equal(EBADMSG, dec("1 " CM32 " inline:" K28));
	assert_int_equal(EBADMSG, dec("1 " CM32 " inline:" K44));
	assert_int_equal(EBADMSG, dec("1 " CM80 " inline:"));
	assert_int_equal(EBADMSG, dec("1 " CM80 " inline:|2^20"));
}


static void test_bad_base64(void **state)
{
	(void)state;

	/* a stray character, where libre's decoder would take it as 'A' */
	assert_int_equal(EBADMSG, dec("1 " CM80 " inline:"
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGx!d"));
	assert_int_equal(EBADMSG, dec("1 " CM80 " inline:"
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGx-d"));
	/* '=' inside */
	assert_int_equal(EBADMSG, dec("1 " CM80 " inline:"
		"AAECAwQFBgcICQoLDA0ODxAREh=UFRYXGBkaGxwd"));
	/* padding missing, or too much */
	assert_int_equal(EBADMSG, dec("1 " GCM128 " inline:"
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGw"));
	assert_int_equal(EBADMSG, dec("1 " GCM128 " inline:"
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaG==="));
	assert_int_equal(EBADMSG, dec("1 " GCM256 " inline:"
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKis"));
	/* nonzero bits after the last byte: "Gx==" for "Gw==" */
	assert_int_equal(EBADMSG, dec("1 " GCM128 " inline:"
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGx=="));
}


static void test_tag(void **state)
{
	struct sdes_crypto c;

	(void)state;

	assert_int_equal(EBADMSG, dec("0 " CM80 " inline:" K30));
	assert_int_equal(EBADMSG, dec("000 " CM80 " inline:" K30));
	assert_int_equal(EBADMSG, dec("1234567890 " CM80 " inline:" K30));
	assert_int_equal(EBADMSG, dec(CM80 " inline:" K30));
	assert_int_equal(EBADMSG, dec(" " CM80 " inline:" K30));
	assert_int_equal(EBADMSG, dec("-1 " CM80 " inline:" K30));
	assert_int_equal(EBADMSG, dec("1a " CM80 " inline:" K30));
	assert_int_equal(EBADMSG, dec("1"));
	assert_int_equal(EBADMSG, dec("1 " CM80));
	assert_int_equal(EBADMSG, dec(""));

	assert_int_equal(0, sdes_decode(&c, "999999999 " CM80 " inline:"
					K30));
	assert_int_equal(999999999, c.tag);
	assert_int_equal(0, sdes_decode(&c, "000000042 " CM80 " inline:"
					K30));
	assert_int_equal(42, c.tag);
}


static void test_suite_name(void **state)
{
	struct sdes_crypto c;

	(void)state;

	assert_int_equal(ENOTSUP, dec("1 F8_128_HMAC_SHA1_80 inline:" K30));
	assert_int_equal(ENOTSUP, dec("1 NULL_HMAC_SHA1_80 inline:" K30));
	assert_int_equal(ENOTSUP, dec("1 AES_CM_128_HMAC_SHA1_8 inline:"
				      K30));
	assert_int_equal(ENOTSUP, dec("1 " CM80 "0 inline:" K30));
	assert_int_equal(ENOTSUP, dec("1 AES_192_CM_HMAC_SHA1_80 whatever"));
	assert_int_equal(EBADMSG, dec("1 AES-CM-128-HMAC-SHA1-80 inline:"
				      K30));

	/* ABNF strings are case-insensitive (RFC 5234 2.3) */
	assert_int_equal(0, sdes_decode(&c, "1 aes_cm_128_hmac_sha1_32 "
					"INLINE:" K30));
	assert_int_equal(MSEC_AES_CM_128_HMAC_SHA1_32, c.suite);
	assert_int_equal(0, sdes_decode(&c, "1 aead_AES_256_gcm inline:"
					K44));
	assert_int_equal(MSEC_AEAD_AES_256_GCM, c.suite);
}


static void test_lifetime(void **state)
{
	(void)state;

	assert_int_equal(0, dec("1 " CM80 " inline:" K30 "|2^20"));
	assert_int_equal(0, dec("1 " CM80 " inline:" K30 "|2^48"));
	assert_int_equal(0, dec("1 " CM80 " inline:" K30 "|2^0"));
	assert_int_equal(0, dec("1 " GCM256 " inline:" K44 "|2^31"));
	assert_int_equal(0, dec("1 " CM80 " inline:" K30 "|1048576"));
	assert_int_equal(0, dec("1 " CM80 " inline:" K30
				"|281474976710656"));
	assert_int_equal(0, dec("1 " CM80 " inline:" K30 "|1"));

	assert_int_equal(EBADMSG, dec("1 " CM80 " inline:" K30 "|2^49"));
	assert_int_equal(EBADMSG, dec("1 " GCM128 " inline:" K28 "|2^64"));
	assert_int_equal(EBADMSG, dec("1 " CM80 " inline:" K30
				      "|281474976710657"));
	assert_int_equal(EBADMSG, dec("1 " CM80 " inline:" K30
				      "|99999999999999999999999999999"));
	assert_int_equal(EBADMSG, dec("1 " CM80 " inline:" K30 "|2^"
				      "99999999999999999999999999999"));
	assert_int_equal(EBADMSG, dec("1 " CM80 " inline:" K30 "|0"));
	assert_int_equal(EBADMSG, dec("1 " CM80 " inline:" K30 "|2^"));
	assert_int_equal(EBADMSG, dec("1 " CM80 " inline:" K30 "|3^20"));
	assert_int_equal(EBADMSG, dec("1 " CM80 " inline:" K30 "|2^-1"));
	assert_int_equal(EBADMSG, dec("1 " CM80 " inline:" K30 "|x"));
	assert_int_equal(EBADMSG, dec("1 " CM80 " inline:" K30 "|"));
	assert_int_equal(EBADMSG, dec("1 " CM80 " inline:" K30 "||"));
	assert_int_equal(EBADMSG, dec("1 " CM80 " inline:" K30 "|2^20|"));
	assert_int_equal(EBADMSG, dec("1 " CM80 " inline:" K30
				      "|2^20|2^20"));
}


static void test_mki(void **state)
{
	(void)state;

	assert_int_equal(ENOTSUP, dec("1 " CM80 " inline:" K30 "|1:4"));
	assert_int_equal(ENOTSUP, dec("1 " CM80 " inline:" K30 "|2^20|1:4"));
	assert_int_equal(ENOTSUP, dec("1 " CM80 " inline:" K30 "|1:128"));
	assert_int_equal(ENOTSUP, dec("1 " GCM128 " inline:" K28
				      "|2^20|7:1"));

	assert_int_equal(EBADMSG, dec("1 " CM80 " inline:" K30 "|1:0"));
	assert_int_equal(EBADMSG, dec("1 " CM80 " inline:" K30 "|1:129"));
	assert_int_equal(EBADMSG, dec("1 " CM80 " inline:" K30 "|1:0004"));
	assert_int_equal(EBADMSG, dec("1 " CM80 " inline:" K30 "|:4"));
	assert_int_equal(EBADMSG, dec("1 " CM80 " inline:" K30 "|1:"));
	assert_int_equal(EBADMSG, dec("1 " CM80 " inline:" K30 "|1:4:4"));
	assert_int_equal(EBADMSG, dec("1 " CM80 " inline:" K30 "|1:4|2^20"));
	assert_int_equal(EBADMSG, dec("1 " CM80 " inline:" K30
				      "|2^20|1:4|1:4"));
	/* the key is checked first */
	assert_int_equal(EBADMSG, dec("1 " CM80 " inline:" K29 "|1:4"));
}


static void test_key_params(void **state)
{
	(void)state;

	/* two keys (RFC 4568 6.1) */
	assert_int_equal(ENOTSUP, dec("1 " CM80 " inline:" K30 "|2^20|1:4;"
				      "inline:" K30 "|2^20|2:4"));
	assert_int_equal(ENOTSUP, dec("1 " CM80 " inline:" K30 ";inline:"
				      K30));
	assert_int_equal(EBADMSG, dec("1 " CM80 " inline:" K30 ";"));

	/* another key method, none at all */
	assert_int_equal(ENOTSUP, dec("1 " CM80 " uri:" K30));
	assert_int_equal(EBADMSG, dec("1 " CM80 " " K30));
	assert_int_equal(EBADMSG, dec("1 " CM80 " :" K30));
}


static void test_session_params(void **state)
{
	static const char *const refused[] = {
		"UNENCRYPTED_SRTP", "UNENCRYPTED_SRTCP",
		"UNAUTHENTICATED_SRTP", "KDR=1", "KDR=24",
		"FEC_ORDER=FEC_SRTP", "FEC_ORDER=SRTP_FEC",
		"FEC_KEY=inline:" K30, "FOO", "-BAR", "WSH", "WSHX=64",
	};
	char line[256];

	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(refused); i++) {
		re_snprintf(line, sizeof(line), "1 " CM80 " inline:" K30
			    " %s", refused[i]);
		assert_int_equal(ENOTSUP, dec(line));
	}

	/* WSH: a hint, taken when at least 64 (RFC 4568 6.3) */
	assert_int_equal(0, dec("1 " CM80 " inline:" K30 " WSH=64"));
	assert_int_equal(0, dec("1 " CM80 " inline:" K30 " WSH=0064"));
	assert_int_equal(0, dec("1 " CM80 " inline:" K30 " WSH=128"));
	assert_int_equal(0, dec("1 " CM80 " inline:" K30
				" WSH=99999999999999999999999999"));
	assert_int_equal(EBADMSG, dec("1 " CM80 " inline:" K30 " WSH=63"));
	assert_int_equal(EBADMSG, dec("1 " CM80 " inline:" K30 " WSH=6"));
	assert_int_equal(EBADMSG, dec("1 " CM80 " inline:" K30 " WSH=0063"));
	assert_int_equal(EBADMSG, dec("1 " CM80 " inline:" K30 " WSH="));
	assert_int_equal(EBADMSG, dec("1 " CM80 " inline:" K30 " WSH=6x"));
	assert_int_equal(ENOTSUP, dec("1 " CM80 " inline:" K30
				      " WSH=64 UNENCRYPTED_SRTCP"));

	/* 1*WSP between the fields (RFC 4568 9.1); trailing WSP let by */
	assert_int_equal(0, dec("1\t " CM80 "  \tinline:" K30 "  WSH=64 "));
	assert_int_equal(0, dec("1 " CM80 " inline:" K30 "\t"));
}


static bool result_ok(int err, const struct sdes_crypto *c)
{
	if (err == 0)
		return c->key_len == msec_key_len(c->suite) &&
			c->tag >= 1 && c->tag <= 999999999;

	return err == EBADMSG || err == ENOTSUP;
}


/* Every prefix of good lines, every one-byte change to them, random
 * bytes: an answer, never a crash; a failed decode leaves c alone */
static void test_fuzz(void **state)
{
	static const char *const lines[] = {
		"1 " CM80 " inline:" K30 "|2^20 WSH=64",
		"123456789 " GCM256 " inline:" K44 "|2^48",
		"2 " GCM128 " inline:" K28 "|1048576",
		"3 " CM32 " inline:" K30 "|2^20|1:4;inline:" K30 "|2:4 KDR=1",
	};
	static const char bytes[] = " \t:;|^=+/0129AZaz_\x7f\x80\xff";
	struct sdes_crypto c, keep;
	char buf[256];
	uint32_t x = 2463534242u;   /* xorshift32, the same every run */
	int err;

	(void)state;

	memset(&keep, 0xa5, sizeof(keep));

	for (size_t i = 0; i < ARRAY_SIZE(lines); i++) {
		size_t len = strlen(lines[i]);

		assert_true(len < sizeof(buf));

		for (size_t n = 0; n <= len; n++) {
			memcpy(buf, lines[i], n);
			buf[n] = '\0';
			c = keep;
			err = sdes_decode(&c, buf);
			assert_true(result_ok(err, &c));
			if (err)
				assert_memory_equal(&keep, &c, sizeof(c));
		}

		for (size_t n = 0; n < len; n++) {
			for (size_t b = 0; b < sizeof(bytes) - 1; b++) {
				memcpy(buf, lines[i], len + 1);
				buf[n] = bytes[b];
				err = sdes_decode(&c, buf);
				assert_true(result_ok(err, &c));
			}
		}
	}

	for (int i = 0; i < 5000; i++) {
		size_t n;

		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		n = x % 80;
		for (size_t j = 0; j < n; j++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			/* mostly the characters the grammar uses */
			buf[j] = (x & 3) ? bytes[(x >> 8) %
						 (sizeof(bytes) - 1)] :
				(char)((x >> 16) | 1);
		}
		buf[n] = '\0';
		err = sdes_decode(&c, buf);
		assert_true(result_ok(err, &c));
	}

	assert_int_equal(EINVAL, sdes_decode(&c, NULL));
	assert_int_equal(EINVAL, sdes_decode(NULL, "1 " CM80 " inline:"
					     K30));
}


static void test_encode(void **state)
{
	static const char *const want[MSEC_SUITE_COUNT] = {
		"42 " GCM256 " inline:" K44,
		"42 " GCM128 " inline:" K28,
		"42 " CM80 " inline:" K30,
		"42 " CM32 " inline:" K30,
	};
	struct sdes_crypto c, d;
	char buf[128];

	(void)state;

	for (unsigned s = 0; s < MSEC_SUITE_COUNT; s++) {
		size_t len = strlen(want[s]);

		memset(&c, 0, sizeof(c));
		c.tag = 42;
		c.suite = (enum msec_suite)s;
		c.key_len = msec_key_len(c.suite);
		for (size_t i = 0; i < c.key_len; i++)
			c.key[i] = (uint8_t)i;

		assert_int_equal(0, sdes_encode(buf, sizeof(buf), &c));
		assert_string_equal(want[s], buf);

		assert_int_equal(0, sdes_decode(&d, buf));
		assert_int_equal(c.tag, d.tag);
		assert_int_equal(c.suite, d.suite);
		assert_int_equal(c.key_len, d.key_len);
		assert_memory_equal(c.key, d.key, c.key_len);

		/* the NUL must fit too */
		assert_int_equal(0, sdes_encode(buf, len + 1, &c));
		assert_string_equal(want[s], buf);
		assert_int_equal(ENOMEM, sdes_encode(buf, len, &c));
		assert_int_equal(ENOMEM, sdes_encode(buf, 1, &c));
		assert_int_equal(ENOMEM, sdes_encode(buf, 0, &c));
	}

	c.tag = 0;
	assert_int_equal(EINVAL, sdes_encode(buf, sizeof(buf), &c));
	c.tag = 1000000000;
	assert_int_equal(EINVAL, sdes_encode(buf, sizeof(buf), &c));
	c.tag = 1;
	c.key_len = 29;
	assert_int_equal(EINVAL, sdes_encode(buf, sizeof(buf), &c));
	c.suite = MSEC_SUITE_COUNT;
	assert_int_equal(EINVAL, sdes_encode(buf, sizeof(buf), &c));
	assert_int_equal(EINVAL, sdes_encode(NULL, sizeof(buf), &c));
	assert_int_equal(EINVAL, sdes_encode(buf, sizeof(buf), NULL));
}


static void test_keygen(void **state)
{
	struct sdes_crypto a, b, d;
	char buf[128];

	(void)state;

	for (unsigned s = 0; s < MSEC_SUITE_COUNT; s++) {
		size_t len = msec_key_len((enum msec_suite)s);

		assert_int_equal(0, sdes_keygen(&a, 5, (enum msec_suite)s));
		assert_int_equal(0, sdes_keygen(&b, 5, (enum msec_suite)s));
		assert_int_equal(5, a.tag);
		assert_int_equal(s, a.suite);
		assert_int_equal(len, a.key_len);
		assert_memory_not_equal(a.key, b.key, len);

		assert_int_equal(0, sdes_encode(buf, sizeof(buf), &a));
		assert_int_equal(0, sdes_decode(&d, buf));
		assert_memory_equal(a.key, d.key, len);
	}

	assert_int_equal(EINVAL, sdes_keygen(&a, 0,
					     MSEC_AES_CM_128_HMAC_SHA1_80));
	assert_int_equal(EINVAL, sdes_keygen(&a, 1000000000,
					     MSEC_AES_CM_128_HMAC_SHA1_80));
	assert_int_equal(EINVAL, sdes_keygen(&a, 1, MSEC_SUITE_COUNT));
	assert_int_equal(EINVAL, sdes_keygen(NULL, 1,
					     MSEC_AES_CM_128_HMAC_SHA1_80));
}


#define HDR "v=0\r\no=- 1 1 IN IP4 198.51.100.7\r\ns=-\r\n" \
	"c=IN IP4 198.51.100.7\r\nt=0 0\r\n" \
	"m=audio 4000 RTP/SAVP 0\r\n"

/* Decode an offer with these audio attributes and pick from it */
static int pick(const char *attrs, unsigned allowed, struct sdes_crypto *c)
{
	struct sdp_session *sess = NULL;
	struct sdp_media *m = NULL;
	struct mbuf *mb;
	struct sa laddr;
	int err;

	sa_set_str(&laddr, "192.0.2.10", 0);
	assert_int_equal(0, sdp_session_alloc(&sess, &laddr));
	assert_int_equal(0, sdp_media_add(&m, sess, "audio", 20000,
					  "RTP/SAVP"));
	assert_int_equal(0, sdp_format_add(NULL, m, false, "0", "PCMU",
					   8000, 1, NULL, NULL, NULL, false,
					   NULL));

	mb = mbuf_alloc(512);
	assert_non_null(mb);
	assert_int_equal(0, mbuf_printf(mb, "%s%s", HDR, attrs));
	mb->pos = 0;
	assert_int_equal(0, sdp_decode(sess, mb, true));
	mem_deref(mb);

	err = sdes_pick(m, allowed, c);

	mem_deref(sess);

	return err;
}


#define CRYPTO(tag, suite, key) "a=crypto:" tag " " suite " inline:" key \
	"\r\n"

static void test_pick(void **state)
{
	struct sdes_crypto c;

	(void)state;

	/* the first line, in the offerer's order */
	assert_int_equal(0, pick(CRYPTO("1", GCM256, K44)
				 CRYPTO("2", CM80, K30)
				 CRYPTO("3", CM32, K30), SDES_ALL, &c));
	assert_int_equal(1, c.tag);
	assert_int_equal(MSEC_AEAD_AES_256_GCM, c.suite);
	assert_counting(&c, 44);

	assert_int_equal(0, pick(CRYPTO("5", CM32, K30)
				 CRYPTO("1", CM80, K30), SDES_ALL, &c));
	assert_int_equal(5, c.tag);
	assert_int_equal(MSEC_AES_CM_128_HMAC_SHA1_32, c.suite);

	/* a suite not allowed is passed over */
	assert_int_equal(0, pick(CRYPTO("1", GCM256, K44)
				 CRYPTO("2", CM32, K30)
				 CRYPTO("3", CM80, K30),
				 1u << MSEC_AES_CM_128_HMAC_SHA1_80, &c));
	assert_int_equal(3, c.tag);
	assert_int_equal(MSEC_AES_CM_128_HMAC_SHA1_80, c.suite);

	/* and lines that are unsupported or broken */
	assert_int_equal(0, pick(CRYPTO("1", CM80, K30 "|2^20|1:4")
				 CRYPTO("2", "F8_128_HMAC_SHA1_80", K30)
				 CRYPTO("3", CM80, K29)
				 "a=crypto:4 " CM80 " inline:" K30
				 " UNENCRYPTED_SRTP\r\n"
				 "a=crypto:garbage\r\n"
				 CRYPTO("6", GCM128, K28), SDES_ALL, &c));
	assert_int_equal(6, c.tag);
	assert_int_equal(MSEC_AEAD_AES_128_GCM, c.suite);
	assert_counting(&c, 28);

	/* none at all, none usable */
	memset(&c, 0, sizeof(c));
	assert_int_equal(ENOENT, pick("a=sendrecv\r\n", SDES_ALL, &c));
	assert_int_equal(ENOTSUP, pick(CRYPTO("1", CM80, K30 "|1:4")
				       "a=crypto:2\r\n", SDES_ALL, &c));
	assert_int_equal(ENOTSUP, pick(CRYPTO("1", GCM256, K44)
				       CRYPTO("2", CM80, K30), 0, &c));
	assert_int_equal(0, c.tag);

	assert_int_equal(EINVAL, sdes_pick(NULL, SDES_ALL, &c));
}


int main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		leak_test(test_rfc_examples),
		leak_test(test_each_suite),
		leak_test(test_key_length),
		leak_test(test_bad_base64),
		leak_test(test_tag),
		leak_test(test_suite_name),
		leak_test(test_lifetime),
		leak_test(test_mki),
		leak_test(test_key_params),
		leak_test(test_session_params),
		leak_test(test_fuzz),
		leak_test(test_encode),
		leak_test(test_keygen),
		leak_test(test_pick),
	};

	uint8_t b;

	(void)argc;
	leak_init(argv);

	/* the random generator is allocated on first use, for good */
	rand_bytes(&b, sizeof(b));

	return cmocka_run_group_tests_name("sdes", tests, NULL, NULL);
}
