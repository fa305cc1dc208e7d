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

enum {
	FAKE_PKT_MAX = 64,
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

/* participant */
extern int fake_part_fail;           /* part_accept/connect fail so   */
extern unsigned fake_part_live;      /* participants not yet freed    */
void fake_part_answer(struct part *p);

#endif
