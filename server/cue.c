/**
 * @file cue.c  Tone cues for a caller who is not in the room yet: "enter
 *              the PIN", "wrong PIN" (pure)
 *
 * Tones, not speech: they need no files, no language, and a caller's
 * phone plays them as clearly as any prompt. Their frequencies are far
 * from the DTMF pairs (RFC 4733 does not see them) and from each other, so
 * a test can tell which one a caller hears.
 */
#include <math.h>
#include "cue.h"

struct seg {
	uint32_t hz;         /* 0: silence                                */
	uint32_t ms;
};

static const struct seg enter_pin[] = {
	{440, 250}, {0, 100}, {660, 250}, {0, 2400},
};

static const struct seg wrong_pin[] = {
	{330, 600}, {0, 400},
};

enum {
	AMPLITUDE = 8000,    /* about -12 dBFS                            */
};


/** Start a cue from its beginning */
void cue_start(struct cue *c, enum cue_kind kind)
{
	c->kind = kind;
	c->seg = 0;
	c->pos = 0;
	c->phase = 0.0;
}


static const struct seg *pattern(enum cue_kind k, size_t *n)
{
	if (k == CUE_WRONG_PIN) {
		*n = sizeof(wrong_pin) / sizeof(wrong_pin[0]);
		return wrong_pin;
	}

	*n = sizeof(enter_pin) / sizeof(enter_pin[0]);
	return enter_pin;
}


/**
 * The next n samples of the cue; "enter the PIN" repeats, "wrong PIN"
 * is followed by it
 *
 * @param c      Cue state
 * @param pcm    Filled with n samples
 * @param n      Samples
 * @param srate  Sample rate [Hz]
 */
void cue_fill(struct cue *c, int16_t *pcm, size_t n, uint32_t srate)
{
	for (size_t i = 0; i < n; i++) {
		size_t cnt;
		const struct seg *p = pattern(c->kind, &cnt);
		const struct seg *s = &p[c->seg];

		pcm[i] = s->hz ? (int16_t)(AMPLITUDE * sin(c->phase)) : 0;
		c->phase += 2.0 * M_PI * s->hz / srate;
		if (c->phase > 2.0 * M_PI)
			c->phase -= 2.0 * M_PI;

		if (++c->pos < (uint64_t)s->ms * srate / 1000)
			continue;

		c->pos = 0;
		c->phase = 0.0;
		if (++c->seg < cnt)
			continue;

		c->seg = 0;
		if (c->kind == CUE_WRONG_PIN)
			c->kind = CUE_ENTER_PIN;
	}
}
