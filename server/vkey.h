/**
 * @file vkey.h  Where a video stream may be switched to: keyframe starts
 *               in VP8, H.264 and VP9 RTP payloads
 *
 * Pure: no sockets, no state. A receiver switched to a new source must
 * get that source from the first packet of a keyframe on, or its
 * picture stays broken until the next one.
 */

#ifndef CHORUS_VKEY_H
#define CHORUS_VKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum vcodec {
	VCODEC_VP8 = 0,              /* RFC 7741 */
	VCODEC_H264,                 /* RFC 6184, packetization-mode 0/1 */
	VCODEC_VP9,                  /* RFC 9628 */
	VCODEC_COUNT
};

const char *vcodec_name(enum vcodec c);
int  vcodec_from_name(const char *name, enum vcodec *c);
bool vkey_start(enum vcodec c, const uint8_t *pl, size_t len);
bool vkey_vp8(const uint8_t *pl, size_t len);
bool vkey_h264(const uint8_t *pl, size_t len);
bool vkey_vp9(const uint8_t *pl, size_t len);

#endif
