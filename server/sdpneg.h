/**
 * @file sdpneg.h  SDP offer/answer for one dialog's audio (RFC 3264)
 */

#ifndef CHORUS_SDPNEG_H
#define CHORUS_SDPNEG_H

#include <re.h>

struct sdpneg;

struct sdpneg_result {
	const struct codec *codec;  /* the codec both sides send         */
	uint8_t pt;                 /* its payload type                   */
	int telev_pt;               /* telephone-event PT, -1 if none     */
	uint32_t ptime;             /* packet time we send [ms]           */
	bool send;                  /* we may send audio to the peer      */
	bool recv;                  /* the peer sends audio to us         */
	struct sa raddr;            /* peer's RTP address                 */
	struct sa raddr_rtcp;       /* peer's RTCP address                */
	uint8_t level_id;           /* RFC 6464 extension id, 0 = none    */
};

int  sdpneg_alloc(struct sdpneg **negp, const struct sa *laddr,
		  uint16_t rtp_port);
int  sdpneg_answer(struct sdpneg *neg, struct mbuf *offer,
		   struct mbuf **answerp, struct sdpneg_result *res);
int  sdpneg_offer(struct sdpneg *neg, struct mbuf **offerp);
int  sdpneg_take_answer(struct sdpneg *neg, struct mbuf *answer,
			struct sdpneg_result *res);

#endif
