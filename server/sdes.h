/**
 * @file sdes.h  SDP Security Descriptions: the a=crypto attribute
 *               (RFC 4568), parsed, chosen and written
 *
 * Pure: no sockets, no libsrtp2. The keys it yields go to msec.c.
 */

#ifndef CHORUS_SDES_H
#define CHORUS_SDES_H

#include <re.h>
#include "msec.h"

/* One a=crypto line (RFC 4568 9.1), of the kind Chorus accepts: one
 * inline master key, no MKI, no session parameters */
struct sdes_crypto {
	uint32_t tag;                 /* 1-999999999 (RFC 4568 9.1)       */
	enum msec_suite suite;
	uint8_t key[MSEC_KEY_MAX];    /* master key || master salt        */
	size_t key_len;               /* msec_key_len(suite)              */
};

/* Suites allowed, as a bit mask of 1u << enum msec_suite */
#define SDES_ALL ((1u << MSEC_SUITE_COUNT) - 1)

int  sdes_decode(struct sdes_crypto *c, const char *value);
int  sdes_encode(char *buf, size_t size, const struct sdes_crypto *c);
int  sdes_keygen(struct sdes_crypto *c, uint32_t tag, enum msec_suite s);
int  sdes_pick(const struct sdp_media *m, unsigned allowed,
	       struct sdes_crypto *c);

#endif
