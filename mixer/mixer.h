/**
 * @file mixer.h  Mix-minus audio mixer: talker selection, shared mix, SIMD
 *
 * Pure C: no SIP, RTP, sockets or JSON. One mixer per room; the caller owns
 * one struct mixer_chan per participant and passes them in on every tick.
 * Not thread-safe: a mixer and its channels belong to one thread.
 */

#ifndef CHORUS_MIXER_H
#define CHORUS_MIXER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	MIXER_GAIN_UNITY = 4096,  /* gain_q12 for 0 dB */
	MIXER_TALKERS_ALL = 0,    /* talkers_max: no limit */
	MIXER_TALKERS_DEFAULT = 3, /* talkers_max for a new room */
};

struct mixer_prm {
	uint32_t frame_len;    /* samples per tick per channel (e.g. 960)  */
	uint32_t talkers_max;  /* K talkers mixed, MIXER_TALKERS_ALL = all */
};

/* Per-participant state. The caller zeroes it with mixer_chan_init() once,
 * sets the input fields before each tick and reads the output fields after.
 * The mixer keeps hysteresis state in the private fields. */
struct mixer_chan {
	/* input, set by the caller before each tick */
	const int16_t *pcm;   /* frame_len samples, or NULL (no audio)    */
	int32_t gain_q12;     /* input gain, Q12 [0..65535], 4096 = 0 dB  */
	bool muted;           /* contributes nothing                      */
	bool deaf;            /* receives nothing (out = NULL)            */

	/* output, valid until the next tick */
	uint64_t energy;      /* sum of squares of pcm (after gain)       */
	bool talker;          /* in the talker set this tick              */
	const int16_t *out;   /* frame_len samples to send this listener:
			       * the shared mix for non-talkers, the mix
			       * minus own voice for talkers, NULL if deaf */

	/* private to the mixer */
	uint32_t hang;        /* hysteresis counter [ticks]               */
	uint32_t slot;        /* talker output buffer index               */
};

struct mixer;

int  mixer_alloc(struct mixer **mixp, const struct mixer_prm *prm);
void mixer_free(struct mixer *mix);
void mixer_set_talkers_max(struct mixer *mix, uint32_t talkers_max);
void mixer_chan_init(struct mixer_chan *ch);
int  mixer_tick(struct mixer *mix, struct mixer_chan *const *chv, size_t n);
const int16_t *mixer_shared(const struct mixer *mix);
uint32_t mixer_talker_count(const struct mixer *mix);
const char *mixer_simd_name(void);

#endif
