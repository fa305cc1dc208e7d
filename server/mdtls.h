/**
 * @file mdtls.h  DTLS-SRTP for one media component (RFC 5763, RFC 5764):
 *                the handshake on the media socket, then an msec on it
 *
 * The server has one DTLS context, a self-signed certificate whose
 * fingerprint goes in every a=fingerprint (mdtls_cert_alloc). Each
 * component (RTP, and RTCP without rtcp-mux, RFC 5764 4.1.2) has one
 * association on its socket. Until the keys exist, no RTP or RTCP goes
 * through that socket either way; then the msec protects it.
 */

#ifndef CHORUS_MDTLS_H
#define CHORUS_MDTLS_H

#include <re.h>
#include "msec.h"

enum {
	MDTLS_FP_SIZE = 8 + 3 * 32,   /* "sha-256 " + "AB:" x 32 [B]      */
	MDTLS_LAYER = MSEC_LAYER,     /* UDP helper layer of DTLS and the
				       * gate that holds media back       */
};

struct mdtls;

/* The association is up (err 0, suite as negotiated) or failed (err:
 * EAUTH for a fingerprint that is not the one in the SDP, else what
 * the handshake said). Called once, on the socket's thread. */
typedef void (mdtls_estab_h)(int err, enum msec_suite suite, void *arg);

int  mdtls_cert_alloc(struct tls **tlsp, char *fp, size_t fpsize);
int  mdtls_alloc(struct mdtls **dp, struct tls *tls, struct udp_sock *us,
		 bool active, const char *peer_fp, mdtls_estab_h *eh,
		 void *arg);
int  mdtls_connect(struct mdtls *d, const struct sa *peer);
bool mdtls_estab(const struct mdtls *d);
struct msec *mdtls_msec(const struct mdtls *d);
uint64_t mdtls_held(const struct mdtls *d);

#endif
