/**
 * @file msec.h  SRTP and SRTCP for one media stream (RFC 3711, RFC 7714),
 *               the one module that uses libsrtp2
 *
 * Nothing else in the server includes srtp2 headers. A context protects
 * what goes out and unprotects what comes in, in place, through UDP
 * helpers on the stream's sockets (libre's udp_register_helper), so the
 * RTP and RTCP code above it (libre's rtp_sock, the legs) sees plain
 * packets. Keys come from SDES (sdes.c) or DTLS-SRTP (mdtls.c).
 */

#ifndef CHORUS_MSEC_H
#define CHORUS_MSEC_H

#include <re.h>

/* The suites Chorus speaks, in the order it offers them */
enum msec_suite {
	MSEC_AEAD_AES_256_GCM = 0,    /* RFC 7714 */
	MSEC_AEAD_AES_128_GCM,        /* RFC 7714 */
	MSEC_AES_CM_128_HMAC_SHA1_80, /* RFC 4568 6.2.1, RFC 3711 */
	MSEC_AES_CM_128_HMAC_SHA1_32, /* RFC 4568 6.2.2 */
	MSEC_SUITE_COUNT
};

enum {
	MSEC_KEY_MAX = 46,            /* master key + salt, largest [B]   */
	MSEC_OVERHEAD = 148,          /* what protect may add (tag, SRTCP
				       * index) [B], libsrtp2's bound      */
	MSEC_LAYER = 20,              /* UDP helper layer (msec_attach)   */
};

/* Master key + salt length of a suite [bytes]: 44, 28, 30, 30 */
static inline size_t msec_key_len(enum msec_suite s)
{
	switch (s) {
	case MSEC_AEAD_AES_256_GCM:        return 32 + 12;
	case MSEC_AEAD_AES_128_GCM:        return 16 + 12;
	case MSEC_AES_CM_128_HMAC_SHA1_80: return 16 + 14;
	case MSEC_AES_CM_128_HMAC_SHA1_32: return 16 + 14;
	default:                           return 0;
	}
}

struct msec;

/* Counters, read on any thread (relaxed atomics) */
struct msec_stats {
	uint64_t auth_fail;     /* SRTP/SRTCP failing authentication      */
	uint64_t replay;        /* replayed or too old (RFC 3711 3.3.2)   */
	uint64_t plain_rtcp;    /* plain RTCP in (dropped silently)       */
	uint64_t protect_fail;  /* could not protect: not sent            */
};

int  msec_init(void);
void msec_close(void);
const char *msec_suite_name(enum msec_suite s);
bool msec_suite_from_name(const struct pl *name, enum msec_suite *s);
int  msec_alloc(struct msec **msp, enum msec_suite suite,
		const uint8_t *tx_key, const uint8_t *rx_key);
int  msec_attach(struct msec *ms, struct udp_sock *us);
int  msec_protect(struct msec *ms, struct mbuf *mb);
/* 0, EALREADY (replay), EPROTO (plain RTCP), EAUTH or EBADMSG */
int  msec_unprotect(struct msec *ms, struct mbuf *mb);
enum msec_suite msec_suite(const struct msec *ms);
void msec_stats(const struct msec *ms, struct msec_stats *st);

#endif
