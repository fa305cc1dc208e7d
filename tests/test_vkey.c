/**
 * @file test_vkey.c  Keyframe starts in VP8, H.264 and VP9: on real
 *                    packets, and on the corners the RFCs allow
 *
 * tests/data/vkey/ holds RTP payloads that FFmpeg's encoders and RTP
 * muxers sent (tests/tools/vkey_capture.py), a keyframe every 10 frames;
 * which frames are keyframes comes from that schedule, not from a parser.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include "server/vkey.h"
#include "leak.h"

enum {
	LINE_MAX = 1024,
	KEYINT = 10,
	FRAMES = 40,
};

struct tally {
	unsigned packets;
	unsigned frames;
	unsigned key_starts;         /* first packets of keyframes found */
	unsigned extra;              /* later packets of a keyframe found */
};


static size_t unhex(const char *s, uint8_t *buf, size_t sz)
{
	size_t n = 0;
	unsigned v;

	while (n < sz && sscanf(s + 2 * n, "%2x", &v) == 1)
		buf[n++] = (uint8_t)v;

	return n;
}


/* Every packet of a capture through the detector: each keyframe's first
 * packet is a start, no packet of any other frame is */
static void run_capture(const char *path, enum vcodec c, struct tally *t)
{
	char line[LINE_MAX];
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	memset(t, 0, sizeof(*t));

	while (fgets(line, sizeof(line), f)) {
		unsigned frame, first, key, len;
		char hex[LINE_MAX];
		uint8_t pl[512];
		bool start;

		if (line[0] == '#')
			continue;

		assert_int_equal(5, sscanf(line, "%u %u %u %u %1023s", &frame,
					   &first, &key, &len, hex));
		assert_int_equal(len, unhex(hex, pl, sizeof(pl)));

		start = vkey_start(c, pl, len);
		t->packets++;
		t->frames += first;

		if (!key)
			assert_false(start);
		else if (first)
			assert_true(start);

		if (key && start)
			first ? t->key_starts++ : t->extra++;
	}

	fclose(f);
	assert_int_equal(FRAMES, t->frames);
	assert_int_equal(FRAMES / KEYINT, t->key_starts);
	assert_true(t->packets > t->frames);
}


static void test_vp8_capture(void **state)
{
	struct tally t;

	(void)state;
	run_capture("tests/data/vkey/vp8.txt", VCODEC_VP8, &t);

	/* only the first packet of a VP8 frame has S = 1 */
	assert_int_equal(0, t.extra);
}


static void test_h264_capture(void **state)
{
	struct tally t;

	(void)state;
	run_capture("tests/data/vkey/h264.txt", VCODEC_H264, &t);

	/* the parameter sets come first (a STAP-A), then the IDR slice's
	 * first fragment is one more start in the same frame */
	assert_true(t.extra >= t.key_starts);
}


static void test_vp9_capture(void **state)
{
	struct tally t;

	(void)state;
	run_capture("tests/data/vkey/vp9.txt", VCODEC_VP9, &t);
	assert_int_equal(0, t.extra);
}


/* VP8 descriptors (RFC 7741 4.2) with every optional field, and what is
 * not a key frame start */
static void test_vp8_corners(void **state)
{
	/* X S, then I L T K: 15-bit picture id, TL0PICIDX, TID/KEYIDX */
	static const uint8_t ext[] = {0x90, 0xf0, 0x80 | 0x12, 0x34, 0x07,
				      0x40, 0x00};
	static const uint8_t ext7[] = {0x90, 0x80, 0x12, 0x00};
	static const uint8_t delta[] = {0x10, 0x01};
	static const uint8_t not_start[] = {0x00, 0x00};
	static const uint8_t partition1[] = {0x11, 0x00};
	uint8_t cut[sizeof(ext)];

	(void)state;
	assert_true(vkey_vp8(ext, sizeof(ext)));
	assert_true(vkey_vp8(ext7, sizeof(ext7)));
	assert_false(vkey_vp8(delta, sizeof(delta)));
	assert_false(vkey_vp8(not_start, sizeof(not_start)));
	assert_false(vkey_vp8(partition1, sizeof(partition1)));

	/* cut anywhere before the payload header: no start */
	memcpy(cut, ext, sizeof(ext));
	for (size_t n = 0; n < 6; n++)
		assert_false(vkey_vp8(cut, n));
	assert_false(vkey_vp8(NULL, 4));
}


/* H.264 (RFC 6184): single NAL units, STAP-A, FU-A; mode 2's packets and
 * broken aggregates are no start */
static void test_h264_corners(void **state)
{
	static const uint8_t idr[] = {0x65, 0x88};
	static const uint8_t sps[] = {0x67, 0x42};
	static const uint8_t pps[] = {0x68, 0xce};
	static const uint8_t slice[] = {0x41, 0x9a};
	static const uint8_t forbidden[] = {0xe5, 0x88};
	static const uint8_t fu_idr_start[] = {0x7c, 0x85, 0x00};
	static const uint8_t fu_idr_mid[] = {0x7c, 0x05, 0x00};
	static const uint8_t fu_slice_start[] = {0x5c, 0x81, 0x00};
	/* STAP-A: PPS (2 bytes), then an IDR (3 bytes) */
	static const uint8_t stap[] = {0x78, 0x00, 0x02, 0x68, 0xce,
				       0x00, 0x03, 0x65, 0x88, 0x80};
	static const uint8_t stap_pps[] = {0x78, 0x00, 0x02, 0x68, 0xce};
	static const uint8_t stap_long[] = {0x78, 0x00, 0x09, 0x65, 0x88};
	static const uint8_t stap_zero[] = {0x78, 0x00, 0x00, 0x65, 0x88};
	static const uint8_t stap_b[] = {0x79, 0x00, 0x00, 0x00, 0x02, 0x65,
					 0x88};
	static const uint8_t fu_b[] = {0x7d, 0x85, 0x00, 0x00};

	(void)state;
	assert_true(vkey_h264(idr, sizeof(idr)));
	assert_true(vkey_h264(sps, sizeof(sps)));
	assert_false(vkey_h264(pps, sizeof(pps)));
	assert_false(vkey_h264(slice, sizeof(slice)));
	assert_false(vkey_h264(forbidden, sizeof(forbidden)));
	assert_true(vkey_h264(fu_idr_start, sizeof(fu_idr_start)));
	assert_false(vkey_h264(fu_idr_mid, sizeof(fu_idr_mid)));
	assert_false(vkey_h264(fu_slice_start, sizeof(fu_slice_start)));
	assert_false(vkey_h264(fu_idr_start, 1));
	assert_true(vkey_h264(stap, sizeof(stap)));
	assert_false(vkey_h264(stap_pps, sizeof(stap_pps)));
	assert_false(vkey_h264(stap_long, sizeof(stap_long)));
	assert_false(vkey_h264(stap_zero, sizeof(stap_zero)));
	assert_false(vkey_h264(stap_b, sizeof(stap_b)));
	assert_false(vkey_h264(fu_b, sizeof(fu_b)));
	assert_false(vkey_h264(idr, 0));
}


/* VP9 (RFC 9628 4.2): B and not P, the base spatial layer, and a key
 * frame in the frame's own header (VP9 bitstream 6.2): 0x82 is one
 * (frame_marker 2, profile 0, shown), 0x86 is not */
static void test_vp9_corners(void **state)
{
	static const uint8_t key[] = {0x08, 0x82};
	static const uint8_t key_pid15[] = {0x88, 0x81, 0x02, 0x82};
	/* I, L (TID 0, SID 0), TL0PICIDX */
	static const uint8_t key_layers[] = {0xa8, 0x05, 0x00, 0x07, 0x82};
	static const uint8_t sid1[] = {0xa8, 0x05, 0x02, 0x07, 0x82};
	/* V: one spatial layer with its size */
	static const uint8_t key_ss[] = {0x0a, 0x10, 0x01, 0x40, 0x00, 0xf0,
					 0x82};
	static const uint8_t predicted[] = {0x48, 0x82};
	static const uint8_t not_begin[] = {0x04, 0x82};
	static const uint8_t inter_no_p[] = {0x0c, 0x86};   /* as FFmpeg */
	static const uint8_t shown_again[] = {0x08, 0x88};
	static const uint8_t profile3_key[] = {0x08, 0xb0};
	static const uint8_t profile3_inter[] = {0x08, 0xb2};
	static const uint8_t no_marker[] = {0x08, 0x02};

	(void)state;
	assert_true(vkey_vp9(key, sizeof(key)));
	assert_true(vkey_vp9(key_pid15, sizeof(key_pid15)));
	assert_true(vkey_vp9(key_layers, sizeof(key_layers)));
	assert_true(vkey_vp9(key_ss, sizeof(key_ss)));
	assert_true(vkey_vp9(profile3_key, sizeof(profile3_key)));
	assert_false(vkey_vp9(sid1, sizeof(sid1)));
	assert_false(vkey_vp9(predicted, sizeof(predicted)));
	assert_false(vkey_vp9(not_begin, sizeof(not_begin)));
	assert_false(vkey_vp9(inter_no_p, sizeof(inter_no_p)));
	assert_false(vkey_vp9(shown_again, sizeof(shown_again)));
	assert_false(vkey_vp9(profile3_inter, sizeof(profile3_inter)));
	assert_false(vkey_vp9(no_marker, sizeof(no_marker)));

	/* cut before the frame header: no start */
	for (size_t n = 0; n < sizeof(key_ss); n++)
		assert_false(vkey_vp9(key_ss, n));
	assert_false(vkey_vp9(key_pid15, 3));
	assert_false(vkey_vp9(key_layers, 4));
	assert_false(vkey_vp9(key, 1));

	assert_true(vkey_start(VCODEC_VP9, key, sizeof(key)));
	assert_true(vkey_start(VCODEC_VP8, (const uint8_t *)"\x10\x00", 2));
	assert_true(vkey_start(VCODEC_H264, (const uint8_t *)"\x65", 1));
	assert_false(vkey_start(VCODEC_COUNT, key, sizeof(key)));
}


int main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		leak_test(test_vp8_capture),
		leak_test(test_h264_capture),
		leak_test(test_vp9_capture),
		leak_test(test_vp8_corners),
		leak_test(test_h264_corners),
		leak_test(test_vp9_corners),
	};

	(void)argc;
	leak_init(argv);

	return cmocka_run_group_tests_name("vkey", tests, NULL, NULL);
}
