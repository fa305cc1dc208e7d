/**
 * @file rtpext.c  RTP header extensions we read: RFC 6464 audio level
 *
 * A client that negotiates the client-to-mixer audio level (RFC 6464)
 * tells, in every packet, how loud it is. A packet it marks as quiet need
 * not be decoded: it cannot make its sender a talker.
 */
#include <re.h>
#include "rtpext.h"

const char rtpext_audio_level_uri[] =
	"urn:ietf:params:rtp-hdrext:ssrc-audio-level";


/**
 * Find the audio level in a one-byte-header extension block (RFC 8285
 * 4.2: "defined by profile" 0xBEDE, the caller checks that)
 *
 * @param ext    The extension elements (after the 4-byte block header)
 * @param len    Their length [bytes]
 * @param id     The negotiated extension id (1-14)
 * @param voice  Set to the V bit (RFC 6464 3: voice activity)
 * @param level  Set to the level [-dBov], 0 loudest, 127 silence
 *
 * @return 0, ENOENT if the packet has no such element, EBADMSG
 */
int rtpext_audio_level(const uint8_t *ext, size_t len, uint8_t id,
		       bool *voice, uint8_t *level)
{
	size_t i = 0;

	if (!ext || id < 1 || id > 14)
		return EINVAL;

	while (i < len) {
		uint8_t eid = ext[i] >> 4;
		size_t elen = (size_t)(ext[i] & 0x0f) + 1;

		if (ext[i] == 0) {      /* padding (RFC 8285 4.2) */
			i++;
			continue;
		}

		if (eid == 15)          /* reserved: stop (RFC 8285 4.2) */
			break;

		if (i + 1 + elen > len)
			return EBADMSG;

		if (eid == id) {
			*voice = (ext[i + 1] & 0x80) != 0;
			*level = ext[i + 1] & 0x7f;
			return 0;
		}

		i += 1 + elen;
	}

	return ENOENT;
}
