/**
 * @file cue.h  Tone cues for a caller who is not in the room yet: "enter
 *              the PIN", "wrong PIN" (pure)
 */

#ifndef CHORUS_CUE_H
#define CHORUS_CUE_H

#include <stddef.h>
#include <stdint.h>

enum cue_kind {
	CUE_ENTER_PIN = 0,   /* 440 then 660 Hz, again every 3 s          */
	CUE_WRONG_PIN,       /* 330 Hz for 0.6 s, then CUE_ENTER_PIN      */
};

struct cue {
	enum cue_kind kind;
	uint32_t seg;        /* segment of the pattern                    */
	uint32_t pos;        /* samples into it                           */
	double phase;        /* [rad]                                     */
};

void cue_start(struct cue *c, enum cue_kind kind);
void cue_fill(struct cue *c, int16_t *pcm, size_t n, uint32_t srate);

#endif
