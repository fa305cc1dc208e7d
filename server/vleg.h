/**
 * @file vleg.h  A participant's video stream: RTP/RTCP socket, the
 *               packets it sends and receives, keyframe requests
 *
 * Made and freed on the main thread (its socket lives on the media
 * thread, through worker_call), run on the media thread. The room's
 * video forwarder (room_video.c) plugs in as its sink there: it hears
 * every packet and every feedback message the peer sends, and sends the
 * peer its one forwarded stream. The main thread reads a statistics
 * snapshot the media thread publishes.
 */

#ifndef CHORUS_VLEG_H
#define CHORUS_VLEG_H

#include <re.h>
#include "legsec.h"
#include "sdpneg.h"

struct leg_prm;
struct vleg;
struct worker;

/* What the peer sent, as the sink sees it (media thread); valid for the
 * call only */
struct vleg_pkt {
	uint32_t ssrc;
	uint16_t seq;
	uint32_t ts;                 /* [90 kHz]                          */
	bool marker;                 /* last packet of a frame            */
	const uint8_t *pl;           /* payload                           */
	size_t len;                  /* [bytes]                           */
	struct mbuf *mb;             /* the datagram; its payload at pos,
				      * at least 12 bytes of headroom     */
};

/* Feedback from the peer, as a receiver */
enum vleg_fb {
	VLEG_FB_KEY = 0,             /* PLI, FIR, or a SIP INFO
				      * picture_fast_update              */
	VLEG_FB_NACK,                /* generic NACK (RFC 4585 6.2.1)     */
};

/* How a keyframe request went to the peer, as a source */
enum vleg_key {
	VLEG_KEY_PLI = 0,            /* RTCP PLI (RFC 4585 6.3.1)         */
	VLEG_KEY_FIR,                /* RTCP FIR (RFC 5104 4.3.1)         */
	VLEG_KEY_INFO,               /* neither negotiated: the caller
				      * must send a SIP INFO (RFC 5168)   */
	VLEG_KEY_NONE,               /* nothing to ask: it sends no video */
};

typedef void (vleg_rtp_h)(struct vleg *vl, const struct vleg_pkt *pkt,
			  void *arg);
typedef void (vleg_fb_h)(struct vleg *vl, enum vleg_fb fb, uint16_t pid,
			 uint16_t blp, void *arg);

/* Statistics, as published by the media thread */
struct vleg_stats {
	uint64_t pkts_in;            /* RTP packets received              */
	uint64_t bytes_in;           /* their payload [bytes]             */
	uint64_t pkts_out;           /* forwarded to the peer             */
	uint64_t bytes_out;          /* their payload [bytes]             */
	uint64_t pkts_dropped;       /* received, nobody watching         */
	uint64_t pkts_bad;           /* not RTP we agreed, or bled in     */
	uint64_t keys_asked;         /* keyframe requests sent to it      */
	uint64_t keys_in;            /* keyframe starts received          */
	uint64_t fb_in;              /* PLI/FIR/INFO from it as receiver  */
	uint64_t nacks_in;           /* NACK messages from it             */
	uint64_t watching;           /* the source it is sent, 0: none    */
	bool sending;                /* video came in the last second     */
	struct sa raddr;             /* where we send                     */
	struct legsec_stats srtp;    /* its protection                    */
};

/* main thread */
int  vleg_alloc(struct vleg **vlp, struct worker *wk,
		const struct leg_prm *prm, uint64_t owner);
uint16_t vleg_port(const struct vleg *vl);
int  vleg_start(struct vleg *vl, const struct sdpneg_video *v);
int  vleg_key_wanted(struct vleg *vl);
void vleg_stats(const struct vleg *vl, struct vleg_stats *st);

/* media thread */
void vleg_sink(struct vleg *vl, vleg_rtp_h *rh, vleg_fb_h *fh, void *arg);
const struct sdpneg_video *vleg_media(const struct vleg *vl);
bool vleg_sends(const struct vleg *vl);
bool vleg_live(const struct vleg *vl);
bool vleg_gets(const struct vleg *vl);
bool vleg_send(struct vleg *vl, const struct vleg_pkt *pkt, uint16_t seq,
	       uint32_t ts);
enum vleg_key vleg_ask_key(struct vleg *vl);
void vleg_nack(struct vleg *vl, uint32_t ssrc, uint16_t pid, uint16_t blp);
void vleg_count(struct vleg *vl, bool dropped, bool key);
void vleg_watching(struct vleg *vl, uint64_t src);
void vleg_publish(struct vleg *vl);

#endif
