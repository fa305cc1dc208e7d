/**
 * @file rtpext.h  RTP header extensions we read: RFC 6464 audio level
 */

#ifndef CHORUS_RTPEXT_H
#define CHORUS_RTPEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

extern const char rtpext_audio_level_uri[];

int rtpext_audio_level(const uint8_t *ext, size_t len, uint8_t id,
		       bool *voice, uint8_t *level);

#endif
