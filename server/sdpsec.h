/**
 * @file sdpsec.h  The security of one m-line: SRTP keyed by SDES (RFC 4568)
 *                 or DTLS (RFC 5763), and RTP/RTCP multiplexing (RFC 5761)
 */

#ifndef CHORUS_SDPSEC_H
#define CHORUS_SDPSEC_H

#include <re.h>
#include "cfg.h"
#include "msec.h"

/* A dialog's policy, read at each negotiation */
struct sdpsec_prm {
	enum cfg_menc menc;          /* the room's media_encryption       */
	bool tls;                    /* the signalling is over TLS        */
	const char *fp;              /* our DTLS certificate's a=fingerprint,
				      * NULL: no DTLS-SRTP                */
};

enum sdpsec_keying {
	SDPSEC_NONE = 0,             /* plain RTP                         */
	SDPSEC_SDES,                 /* keys in the SDP (RFC 4568)        */
	SDPSEC_DTLS,                 /* keys from a DTLS handshake (5764) */
};

/* What was agreed for one stream */
struct sdpsec_result {
	enum sdpsec_keying keying;
	enum msec_suite suite;       /* SDES; DTLS learns it in the handshake */
	uint8_t tx_key[MSEC_KEY_MAX];  /* SDES: ours (master key || salt)  */
	uint8_t rx_key[MSEC_KEY_MAX];  /* SDES: the peer's                 */
	bool dtls_active;            /* DTLS: we are the client (a=setup)  */
	char peer_fp[160];           /* DTLS: the peer's a=fingerprint      */
	bool mux;                    /* RTCP on the RTP port (RFC 5761)    */
};

struct sdpsec;

int  sdpsec_alloc(struct sdpsec **sp, struct sdp_media *m,
		  struct sdp_session *sess);
int  sdpsec_answer(struct sdpsec *s, const struct sdpsec_prm *prm,
		   struct sdpsec_result *res, const char **why);
int  sdpsec_offer(struct sdpsec *s, const struct sdpsec_prm *prm);
int  sdpsec_take(struct sdpsec *s, const struct sdpsec_prm *prm,
		 struct sdpsec_result *res, const char **why);
const char *sdpsec_keying_name(enum sdpsec_keying k);

#endif
