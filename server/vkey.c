/**
 * @file vkey.c  Keyframe starts in VP8, H.264 and VP9 RTP payloads
 *
 * Each detector answers one question about one packet: does a frame that
 * decodes on its own begin here? A truncated or malformed payload is no
 * keyframe start: switching on it would be worse than waiting.
 */
#include <re.h>
#include "vkey.h"

enum {
	/* H.264 NAL unit types (RFC 6184 5.2, ITU-T H.264 table 7-1) */
	NAL_IDR = 5,
	NAL_SPS = 7,
	NAL_STAP_A = 24,
	NAL_FU_A = 28,
};


/*
 * VP8 (RFC 7741 4.2, 4.3): the payload descriptor, then, in the first
 * packet of a frame (S = 1, partition index 0), the VP8 payload header
 * whose P bit is 0 for a key frame (RFC 6386 9.1: "inverse key frame
 * flag").
 */
bool vkey_vp8(const uint8_t *pl, size_t len)
{
	size_t i = 1;

	if (!pl || len < 1)
		return false;

	/* S = 1, PID = 0 */
	if (!(pl[0] & 0x10) || (pl[0] & 0x07))
		return false;

	if (pl[0] & 0x80) {   /* X: extension byte I L T K */
		uint8_t x;

		if (len < 2)
			return false;
		x = pl[1];
		i = 2;

		if (x & 0x80) {   /* I: picture id, 7 or 15 bits (M) */
			if (len <= i)
				return false;
			i += pl[i] & 0x80 ? 2 : 1;
		}
		if (x & 0x40)     /* L: TL0PICIDX */
			i++;
		if (x & 0x30)     /* T or K: TID/Y/KEYIDX */
			i++;
	}

	return len > i && !(pl[i] & 0x01);
}


static bool nal_key(uint8_t type)
{
	return type == NAL_IDR || type == NAL_SPS;
}


/*
 * H.264 (RFC 6184 5.6-5.8): a single NAL unit, a STAP-A holding any, or
 * the first fragment (S bit) of an FU-A, whose NAL is an IDR slice or a
 * sequence parameter set (which an encoder sends before the IDR). The
 * interleaved packets of packetization-mode 2 are not ours.
 */
bool vkey_h264(const uint8_t *pl, size_t len)
{
	uint8_t type;

	if (!pl || len < 1 || (pl[0] & 0x80))   /* F: forbidden bit */
		return false;

	type = pl[0] & 0x1f;

	if (type >= 1 && type <= 23)
		return nal_key(type);

	if (type == NAL_FU_A)
		return len >= 2 && (pl[1] & 0x80) && nal_key(pl[1] & 0x1f);

	if (type == NAL_STAP_A) {
		size_t i = 1;

		/* 16-bit size, then the NAL unit (RFC 6184 5.7.1) */
		while (i + 2 < len) {
			size_t n = (size_t)pl[i] << 8 | pl[i + 1];

			if (!n || i + 2 + n > len)
				return false;
			if (nal_key(pl[i + 2] & 0x1f))
				return true;
			i += 2 + n;
		}
	}

	return false;
}


/* VP9 scalability structure (RFC 9628 4.2.1): its length, 0 if cut */
static size_t vp9_ss_len(const uint8_t *p, size_t len)
{
	size_t n, i = 1;

	if (len < 1)
		return 0;

	n = (p[0] >> 5) + 1;             /* N_S: spatial layers - 1 */
	if (p[0] & 0x10)                 /* Y: a width and height each */
		i += 4 * n;

	if (p[0] & 0x08) {               /* G: picture group description */
		size_t groups;

		if (len <= i)
			return 0;
		groups = p[i++];
		while (groups--) {
			if (len <= i)
				return 0;
			i += 1 + ((p[i] >> 2) & 0x03);   /* R references */
		}
	}

	return i <= len ? i : 0;
}


/* VP9 uncompressed header (VP9 bitstream spec 6.2): frame_marker,
 * profile, show_existing_frame, frame_type (0: KEY_FRAME) */
static bool vp9_frame_is_key(const uint8_t *p, size_t len)
{
	unsigned bit = 4;
	uint8_t b;

	if (len < 1 || (p[0] >> 6) != 2)
		return false;

	b = p[0];
	if (((b >> 5) & 1) && ((b >> 4) & 1))   /* profile 3: reserved bit */
		bit++;

	if ((b >> (7 - bit)) & 1)               /* show_existing_frame */
		return false;
	bit++;

	return !((b >> (7 - bit)) & 1);
}


/*
 * VP9 (RFC 9628 4.2): the payload descriptor's B bit starts a frame; P =
 * 1 says it is predicted from another picture; with layer indices (L),
 * only the base spatial layer (SID 0) starts one. Not every sender sets
 * P (FFmpeg's packetizer writes only B and E), so the frame's own
 * header decides: a key frame, not a frame shown again.
 */
bool vkey_vp9(const uint8_t *pl, size_t len)
{
	size_t i = 1;
	uint8_t d;

	if (!pl || len < 1)
		return false;

	d = pl[0];
	if (!(d & 0x08) || (d & 0x40))           /* B = 1, P = 0 */
		return false;

	if (d & 0x80) {                          /* I: 7 or 15-bit id */
		if (len <= i)
			return false;
		i += pl[i] & 0x80 ? 2 : 1;
	}

	if (d & 0x20) {                          /* L: TID U SID D */
		if (len <= i || ((pl[i] >> 1) & 0x07))
			return false;
		i += d & 0x10 ? 1 : 2;           /* TL0PICIDX unless F */
	}

	if (d & 0x02) {                          /* V: the SS */
		size_t n = len > i ? vp9_ss_len(pl + i, len - i) : 0;

		if (!n)
			return false;
		i += n;
	}

	return len > i && vp9_frame_is_key(pl + i, len - i);
}


static const char *const names[VCODEC_COUNT] = {"vp8", "h264", "vp9"};


/** The codec's name in the API and the log: "vp8", "h264", "vp9" */
const char *vcodec_name(enum vcodec c)
{
	return (unsigned)c < VCODEC_COUNT ? names[c] : "?";
}


/** The codec named so (any case); 0 or EINVAL */
int vcodec_from_name(const char *name, enum vcodec *c)
{
	for (size_t i = 0; name && i < VCODEC_COUNT; i++) {
		if (!str_casecmp(name, names[i])) {
			*c = (enum vcodec)i;
			return 0;
		}
	}

	return EINVAL;
}


/** Whether a keyframe starts in this RTP payload of codec c */
bool vkey_start(enum vcodec c, const uint8_t *pl, size_t len)
{
	switch (c) {

	case VCODEC_VP8:  return vkey_vp8(pl, len);
	case VCODEC_H264: return vkey_h264(pl, len);
	case VCODEC_VP9:  return vkey_vp9(pl, len);
	default:          return false;
	}
}
