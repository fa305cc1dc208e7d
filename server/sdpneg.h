/**
 * @file sdpneg.h  SDP offer/answer for one dialog's audio and video
 *                 (RFC 3264)
 */

#ifndef CHORUS_SDPNEG_H
#define CHORUS_SDPNEG_H

#include <re.h>
#include "sdpsec.h"
#include "vkey.h"

struct sdpneg;

/* Which video the dialog's room can forward: nothing is transcoded, so a
 * room forwards one codec (and for H.264 one packetization mode) */
struct sdpneg_vwant {
	bool any;                   /* the offerer's first choice         */
	enum vcodec codec;          /* else this one                      */
	int h264_pm;                /* H.264 packetization-mode, -1 any   */
};

/* The video stream agreed, if any */
struct sdpneg_video {
	bool on;                    /* a video stream is agreed           */
	enum vcodec codec;
	uint8_t pt;                 /* its payload type, the peer's own   */
	uint8_t h264_pm;            /* H.264 packetization-mode (RFC 6184) */
	bool send;                  /* we may send video to the peer      */
	bool recv;                  /* the peer sends video to us         */
	bool fb_nack;               /* a=rtcp-fb nack (RFC 4585 4.2)      */
	bool fb_pli;                /* a=rtcp-fb nack pli                 */
	bool fb_fir;                /* a=rtcp-fb ccm fir (RFC 5104 7.1)   */
	struct sa raddr;            /* peer's video RTP address           */
	struct sa raddr_rtcp;       /* peer's video RTCP address          */
	struct sdpsec_result srtp;  /* its protection                     */
	const char *why;            /* why there is none, if the peer
				     * offered video; static             */
};

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
	struct sdpsec_result srtp;  /* the audio's protection             */
	struct sdpneg_video video;
};

int  sdpneg_alloc(struct sdpneg **negp, const struct sa *laddr,
		  uint16_t rtp_port, uint16_t video_port);
int  sdpneg_video_add(struct sdpneg *neg, uint16_t video_port);
bool sdpneg_has_video(const struct mbuf *offer);
void sdpneg_set_video(struct sdpneg *neg, const struct sdpneg_vwant *w);
void sdpneg_set_sec(struct sdpneg *neg, const struct sdpsec_prm *prm);
const char *sdpneg_why(const struct sdpneg *neg);
int  sdpneg_screen(struct mbuf *offer, const struct sdpsec_prm *prm,
		   const char **why);
int  sdpneg_answer(struct sdpneg *neg, struct mbuf *offer,
		   struct mbuf **answerp, struct sdpneg_result *res);
int  sdpneg_offer(struct sdpneg *neg, struct mbuf **offerp);
int  sdpneg_take_answer(struct sdpneg *neg, struct mbuf *answer,
			struct sdpneg_result *res);

#endif
