/**
 * @file mixer.c  Mix-minus mixer: per-tick energy, talkers, shared mix
 *
 * One tick, O(N) in the number of channels:
 *
 *  1. energy of every channel with audio (vectorized), after gain;
 *  2. talker selection (talk.c);
 *  3. the gained talkers summed once into an int32 accumulator;
 *  4. the shared mix, sat16(acc), for every non-talker, and for each
 *     talker sat16(acc - own): saturated once, never a sum of N-1 others.
 *
 * Energy is the raw sum of squares scaled by gain^2 in Q24,
 * (e * g * g) >> 24 in 128 bits: the energy of the gained signal to
 * within rounding, for one multiply per frame instead of one per sample,
 * so the energy kernel only reads the input.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "mixer/mixer.h"
#include "mixer/kern.h"
#include "mixer/talk.h"


enum {
	FRAME_MAX = 32768,  /* longest frame [samples]: 680 ms at 48 kHz */
};

struct mixer {
	const struct mix_kern *kern;  /* SIMD level, fixed at alloc      */
	uint32_t frame_len;           /* samples per tick per channel    */
	size_t stride;                /* samples between talker buffers  */
	uint32_t talkers_max;         /* K, or MIXER_TALKERS_ALL         */
	uint64_t thresh;              /* speech threshold [energy/frame] */
	int32_t *acc;                 /* sum of the gained talkers       */
	int16_t *shared;              /* sat16(acc), silence if none     */
	int16_t *outv;                /* one buffer per talker           */
	size_t outc;                  /* talker buffers in outv          */
	struct talk talk;             /* selection scratch and result    */
};


static void *zalloc_aligned(size_t size)
{
	void *p;

	size = (size + MIX_ALIGN - 1) & ~(size_t)(MIX_ALIGN - 1);

	p = aligned_alloc(MIX_ALIGN, size);
	if (p)
		memset(p, 0, size);

	return p;
}


/**
 * Allocate a mixer for one room
 *
 * @param mixp  Pointer to allocated mixer, set only on success
 * @param prm   Frame length (1..32768) and talkers_max
 *
 * @return 0 if success, EINVAL or ENOMEM
 *
 * The SIMD level is the one active now (see cpu.c). Free with mixer_free().
 */
int mixer_alloc(struct mixer **mixp, const struct mixer_prm *prm)
{
	struct mixer *mix;
	int err = 0;

	if (!mixp || !prm || !prm->frame_len || prm->frame_len > FRAME_MAX)
		return EINVAL;

	mix = calloc(1, sizeof(*mix));
	if (!mix)
		return ENOMEM;

	mix->kern = mix_kern_active();
	mix->frame_len = prm->frame_len;
	mix->talkers_max = prm->talkers_max;
	mix->thresh = (uint64_t)prm->frame_len * TALK_MIN_MS;

	/* keep every talker buffer on a cache line boundary */
	mix->stride = (prm->frame_len + MIX_ALIGN / 2 - 1) &
		~(size_t)(MIX_ALIGN / 2 - 1);

	mix->acc = zalloc_aligned(mix->stride * sizeof(*mix->acc));
	mix->shared = zalloc_aligned(mix->stride * sizeof(*mix->shared));
	if (!mix->acc || !mix->shared) {
		err = ENOMEM;
		goto out;
	}

 out:
	if (err)
		mixer_free(mix);
	else
		*mixp = mix;

	return err;
}


/**
 * Free a mixer. The channels belong to the caller and are not touched.
 *
 * @param mix  Mixer, or NULL
 */
void mixer_free(struct mixer *mix)
{
	if (!mix)
		return;

	mix_talk_release(&mix->talk);
	free(mix->outv);
	free(mix->shared);
	free(mix->acc);
	free(mix);
}


/**
 * Change the number of talkers mixed, from the next tick on
 *
 * @param mix          Mixer
 * @param talkers_max  K, or MIXER_TALKERS_ALL. Lowering it drops the
 *                     weakest talkers at once, without hang.
 */
void mixer_set_talkers_max(struct mixer *mix, uint32_t talkers_max)
{
	if (!mix)
		return;

	mix->talkers_max = talkers_max;
}


/**
 * Reset a channel: no audio, unity gain, not muted, not deaf, no talker
 *
 * @param ch  Channel, owned by the caller
 */
void mixer_chan_init(struct mixer_chan *ch)
{
	if (!ch)
		return;

	memset(ch, 0, sizeof(*ch));
	ch->gain_q12 = MIXER_GAIN_UNITY;
}


/* gain_q12 clamped to the range the kernels are exact for */
static int32_t chan_gain(const struct mixer_chan *ch)
{
	if (ch->gain_q12 < 0)
		return 0;

	return ch->gain_q12 > MIX_GAIN_MAX ? MIX_GAIN_MAX : ch->gain_q12;
}


static int reserve(struct mixer *mix, size_t n)
{
	size_t k = mix->talkers_max ? mix->talkers_max : TALK_MAX;
	int16_t *outv;
	int err;

	err = mix_talk_reserve(&mix->talk, n);
	if (err)
		return err;

	k = k < TALK_MAX ? k : TALK_MAX;
	k = k < n ? k : n;
	if (k <= mix->outc)
		return 0;

	outv = zalloc_aligned(k * mix->stride * sizeof(*outv));
	if (!outv)
		return ENOMEM;

	free(mix->outv);
	mix->outv = outv;
	mix->outc = k;

	return 0;
}


/* Energy of every channel, after gain, the talker selection and the
 * listeners' output, in one walk over the channels */
static void measure(struct mixer *mix, struct mixer_chan *const *chv,
		    size_t n)
{
	const struct mix_kern *kern = mix->kern;
	size_t i;

	mix_talk_begin(&mix->talk, mix->thresh, mix->talkers_max);

	/* muted channels are measured too (a "you are muted" hint), but
	 * talk.c never selects them */
	for (i = 0; i < n; i++) {
		struct mixer_chan *ch = chv[i];
		unsigned __int128 e;
		uint64_t g;

		if (!ch)
			continue;

		if (!ch->pcm) {
			ch->energy = 0;
		}
		else if (ch->gain_q12 == MIXER_GAIN_UNITY) {
			ch->energy = kern->energy(ch->pcm, mix->frame_len);
		}
		else {
			e = kern->energy(ch->pcm, mix->frame_len);
			g = (uint64_t)chan_gain(ch);
			ch->energy = (uint64_t)((e * (g * g)) >>
						(2 * MIX_GAIN_SHIFT));
		}

		/* listeners' output, set here to walk the channels once;
		 * mix_talkers() gives the talkers their own */
		ch->out = ch->deaf ? NULL : mix->shared;

		mix_talk_add(&mix->talk, ch, i);
	}

	mix_talk_end(&mix->talk);
}


static void mix_talkers(struct mixer *mix)
{
	const struct mix_kern *kern = mix->kern;
	const size_t len = mix->frame_len;
	size_t i;

	memset(mix->acc, 0, len * sizeof(*mix->acc));

	for (i = 0; i < mix->talk.talkc; i++) {
		const struct mixer_chan *ch = mix->talk.talkv[i];

		if (ch->pcm)
			kern->acc(mix->acc, ch->pcm, len, chan_gain(ch));
	}

	/* acc is all zeros without talkers: the shared mix is silence */
	kern->out(mix->shared, mix->acc, len);

	for (i = 0; i < mix->talk.talkc; i++) {
		struct mixer_chan *ch = mix->talk.talkv[i];
		int16_t *y = mix->outv + i * mix->stride;

		ch->slot = (uint32_t)i;

		/* a deaf talker is heard but hears nothing: no buffer */
		if (ch->deaf)
			continue;

		/* a talker silent this tick hears everyone: the shared mix */
		if (!ch->pcm) {
			ch->out = mix->shared;
			continue;
		}

		kern->out_minus(y, mix->acc, ch->pcm, len, chan_gain(ch));
		ch->out = y;
	}
}


/**
 * Mix one tick
 *
 * @param mix  Mixer
 * @param chv  Channels, each at most once; NULL entries are skipped.
 *             pcm, when set, holds frame_len samples.
 * @param n    Number of channels
 *
 * @return 0 if success, EINVAL, or ENOMEM (then every out is NULL and
 *         the talker set is unchanged)
 *
 * Sets energy, talker and out of every channel. out is mixer_shared() for
 * listeners (the same pointer, to group them for one encode), a buffer of
 * its own for each talker, NULL for the deaf; valid until the next tick.
 */
int mixer_tick(struct mixer *mix, struct mixer_chan *const *chv, size_t n)
{
	size_t i;
	int err;

	if (!mix || (!chv && n))
		return EINVAL;

	err = reserve(mix, n);
	if (err) {
		for (i = 0; i < n; i++) {
			if (chv[i])
				chv[i]->out = NULL;
		}
		return err;
	}

	measure(mix, chv, n);
	mix_talkers(mix);

	return 0;
}


/**
 * Get the shared mix of the last tick (all talkers; silence if none)
 *
 * @param mix  Mixer
 *
 * @return frame_len samples, valid until the next tick; NULL if mix is NULL
 */
const int16_t *mixer_shared(const struct mixer *mix)
{
	return mix ? mix->shared : NULL;
}


/**
 * Get the number of talkers selected by the last tick
 *
 * @param mix  Mixer
 *
 * @return Talkers, each with its own mix-minus buffer unless deaf
 */
uint32_t mixer_talker_count(const struct mixer *mix)
{
	return mix ? (uint32_t)mix->talk.talkc : 0;
}
