/**
 * @file legsec.h  The protection of one media stream's sockets: SRTP with
 *                 SDES keys, or a DTLS-SRTP handshake that makes them
 *
 * Shared by the audio and the video leg. Made, changed and freed on the
 * stream's media thread; its statistics are read on any thread.
 */

#ifndef CHORUS_LEGSEC_H
#define CHORUS_LEGSEC_H

#include <re.h>
#include "sdpsec.h"

struct legsec;

/* What the API shows of a stream's protection */
struct legsec_stats {
	enum sdpsec_keying keying;   /* SDPSEC_NONE: plain RTP            */
	bool up;                     /* keys in place (DTLS: handshake done) */
	enum msec_suite suite;       /* with up                           */
	uint64_t auth_fail;          /* SRTP/SRTCP failing authentication */
	uint64_t replay;             /* replayed packets dropped          */
	uint64_t plain_rtcp;         /* plain RTCP dropped                */
};

int  legsec_apply(struct legsec **lsp, struct rtp_sock *rs,
		  const struct sdpsec_result *r, struct tls *dtls,
		  const struct sa *raddr, const struct sa *raddr_rtcp,
		  uint64_t owner);
void legsec_stats(const struct legsec *ls, struct legsec_stats *st);
bool legsec_on(const struct legsec *ls);

#endif
