/**
 * @file talk.h  Talker selection with hysteresis (private to mixer/)
 */

#ifndef CHORUS_MIXER_TALK_H
#define CHORUS_MIXER_TALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "mixer/mixer.h"

enum {
	/* A talker keeps its place this many ticks after falling silent or
	 * while outscored: 400 ms at 20 ms ptime, longer than the pauses
	 * between words, so the talker set does not flap. */
	TALK_HANG = 20,

	/* Hard limit on the talker set, also for MIXER_TALKERS_ALL: every
	 * gained sample is within +-524280 (kern.h) and 4096 * 524280 <
	 * 2^31, so the 32-bit sum never overflows. */
	TALK_MAX = 4096,

	/* Speech threshold: mean square per sample, after gain. 10737 is
	 * an RMS of 103.6, i.e. -50 dBFS: above comfort noise and a quiet
	 * room, well below soft speech (about -35 dBFS). */
	TALK_MIN_MS = 10737,

	/* A newcomer must have more than TALK_MARGIN times the energy of
	 * the weakest talker to threaten it: 2 = +3 dB. */
	TALK_MARGIN = 2,
};

struct talk_ent {
	uint64_t e;                 /* energy this tick                   */
	struct mixer_chan *ch;
	uint32_t idx;               /* position in chv, breaks ties       */
	int32_t peer;               /* incumbent: index of the newcomer
				     * outscoring it, or -1               */
	bool active;                /* above the threshold this tick      */
	bool admitted;              /* newcomer: got a place this tick    */
};

struct talk {
	struct talk_ent *incv;      /* talkers of the last tick           */
	struct talk_ent *newv;      /* candidates (a heap, then sorted)   */
	struct mixer_chan **talkv;  /* result, in chv order               */
	size_t cap;                 /* entries in each array              */
	size_t k;                   /* places this tick                   */
	size_t ninc;                /* entries used in incv               */
	size_t nnew;                /* entries used in newv               */
	size_t talkc;               /* entries used in talkv              */
	uint64_t thresh;            /* speech threshold [energy/frame]    */
};

int  mix_talk_reserve(struct talk *tk, size_t n);
void mix_talk_release(struct talk *tk);
void mix_talk_begin(struct talk *tk, uint64_t thresh,
		    uint32_t talkers_max);
void mix_talk_offer(struct talk *tk, const struct talk_ent *e);
void mix_talk_end(struct talk *tk);


/**
 * Add one channel to this tick's selection, its energy measured
 *
 * @param tk   Selection state, between mix_talk_begin() and _end()
 * @param ch   Channel
 * @param idx  Position in the channel vector (breaks ties)
 *
 * Inline: the mixer calls it for every channel in its measuring pass, so
 * that the channels are walked once, not once per step.
 */
static inline void mix_talk_add(struct talk *tk, struct mixer_chan *ch,
				size_t idx)
{
	bool live = ch->pcm && !ch->muted;
	struct talk_ent e;

	if (!ch->talker && (!live || ch->energy < tk->thresh))
		return;

	if (ch->talker && ch->muted) {
		/* muted: leaves at once, without hang. A talker whose audio
		 * is missing for a tick (late packet, DTX) stays through the
		 * hang, silent, so the set does not flap */
		ch->talker = false;
		ch->hang = 0;
		return;
	}

	e.e = ch->energy;
	e.ch = ch;
	e.idx = (uint32_t)idx;
	e.peer = -1;
	e.active = ch->energy >= tk->thresh;
	e.admitted = false;

	if (ch->talker)
		tk->incv[tk->ninc++] = e;
	else
		mix_talk_offer(tk, &e);
}

#endif
