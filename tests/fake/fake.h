/**
 * @file fake.h  Fake legs and participants, for unit tests of the room,
 *               its tick and the manager without sockets or SIP
 *
 * tests/fake/leg.c implements server/leg.h and tests/fake/part.c
 * server/part.h; a test links them instead of the real ones and drives
 * them through the calls below.
 */

#ifndef CHORUS_TEST_FAKE_H
#define CHORUS_TEST_FAKE_H

#include "../../server/leg.h"
#include "../../server/part.h"
#include "../../server/vleg.h"

enum {
	FAKE_PKT_MAX = 64,
	FAKE_VSENT_MAX = 256,
};

/* What a fake video leg was sent and asked */
struct fake_vsent {
	unsigned n;                       /* vleg_send() calls          */
	uint16_t seq[FAKE_VSENT_MAX];     /* numbers it was sent with   */
	uint32_t ts[FAKE_VSENT_MAX];
	uint16_t from_seq[FAKE_VSENT_MAX]; /* the source packet's       */
	uint32_t from_ssrc[FAKE_VSENT_MAX];
	unsigned keys_asked;              /* vleg_ask_key() calls       */
	unsigned nacks;                   /* vleg_nack() calls          */
	uint32_t nack_ssrc;
	uint16_t nack_pid, nack_blp;
	unsigned publishes;
};

/* What a fake leg was sent */
struct fake_sent {
	unsigned pkts;               /* leg_send() calls          */
	unsigned encodes;            /* leg_encode() calls        */
	uint8_t last[FAKE_PKT_MAX];  /* the last payload sent     */
	size_t last_len;
	uint32_t last_dur;
	uint64_t skipped;            /* periods skipped           */
};

/* leg */
void fake_leg_media(struct leg *leg, const struct codec *c,
		    uint32_t ptime);
void fake_leg_audio(struct leg *leg, int16_t amplitude,
		    const char *packet);
void fake_leg_hears(struct leg *leg, bool hears);
const struct fake_sent *fake_leg_sent(const struct leg *leg);
void fake_leg_clear(struct leg *leg);
void fake_leg_stats(struct leg *leg, uint64_t pkts_in, uint64_t pkts_out,
		    uint64_t lost);
void fake_leg_event(struct leg *leg, enum leg_event_type type, char digit);

/* video leg */
void fake_vleg_media(struct vleg *vl, bool send, bool recv, bool pli,
		     bool fir);
void fake_vleg_packet(struct vleg *vl, uint32_t ssrc, uint16_t seq,
		      uint32_t ts, bool key, bool start);
void fake_vleg_feedback(struct vleg *vl, enum vleg_fb fb, uint16_t pid,
			uint16_t blp);
const struct fake_vsent *fake_vleg_sent(const struct vleg *vl);
void fake_vleg_clear(struct vleg *vl);
void fake_vleg_quiet(struct vleg *vl, bool quiet);

/* participant */
extern int fake_part_fail;           /* part_accept/connect fail so   */
extern unsigned fake_part_live;      /* participants not yet freed    */
extern const struct sdpneg_video *fake_part_video_next; /* the next
				      * participant made agreed this  */
void fake_part_answer(struct part *p);
void fake_part_video(struct part *p, const struct sdpneg_video *v);
const struct sdpneg_vwant *fake_part_vwant(const struct part *p);

#endif
