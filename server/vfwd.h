/**
 * @file vfwd.h  One receiver's forwarded video stream: one SSRC, one
 *               sequence, one timeline, whichever source feeds it
 *
 * Pure: no sockets, no clock of its own. The room says which source a
 * receiver should see (vfwd_follow); vfwd_packet() says for each packet
 * of any source whether it goes to that receiver, and with which
 * sequence number and timestamp. A new source is taken at its first
 * keyframe start, and the old one is forwarded until then, so that the
 * receiver's decoder never starts on a delta frame (RFC 3550 5.1: the
 * receiver sees one stream whose numbers go on).
 */

#ifndef CHORUS_VFWD_H
#define CHORUS_VFWD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A video RTP packet as the forwarder sees it */
struct vfwd_pkt {
	uint64_t src;                /* who sent it (participant id)      */
	uint32_t ssrc;
	uint16_t seq;
	uint32_t ts;                 /* [RTP clock units]                 */
	bool key;                    /* a keyframe starts here (vkey.h)   */
};

enum vfwd_res {
	VFWD_SEND = 0,               /* out holds its numbers             */
	VFWD_SWITCH,                 /* the same, and the stream switched
				      * to a new source with it          */
	VFWD_OTHER,                  /* not from the source followed      */
	VFWD_WAIT,                   /* from the new source, before its
				      * first keyframe                   */
	VFWD_OLD,                    /* older than what was forwarded     */
};

struct vfwd_out {
	/* the stream sent */
	bool started;                /* a packet went out                 */
	uint16_t seq_next;           /* the next sequence number          */
	uint32_t ts_last;            /* the newest timestamp sent         */
	uint64_t us_last;            /* when it was sent [us]             */

	/* the source it carries */
	bool mapped;
	uint64_t src;
	uint32_t ssrc;
	uint16_t seq_first;          /* its first packet forwarded        */
	uint16_t seq_off;            /* out = in + seq_off (mod 2^16)     */
	uint32_t ts_off;             /* out = in + ts_off (mod 2^32)      */

	/* the source asked for */
	bool want_set;
	uint64_t want;

	/* counters */
	uint64_t switches;           /* sources taken                     */
	uint64_t waited;             /* packets not sent: no keyframe yet */
};

void vfwd_init(struct vfwd_out *o, uint16_t seq0, uint32_t ts0);
void vfwd_follow(struct vfwd_out *o, uint64_t src);
void vfwd_stop(struct vfwd_out *o);
bool vfwd_waiting(const struct vfwd_out *o);
enum vfwd_res vfwd_packet(struct vfwd_out *o, const struct vfwd_pkt *in,
			  uint64_t now_us, uint32_t clock,
			  struct vfwd_pkt *out);

#endif
