/**
 * @file test_codec.c  Codec helpers: the Opus voice activity flags
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <re.h>
#include "server/codec.h"
#include "leak.h"

enum {
	FRAME = 960,      /* 20 ms at 48 kHz */
	FRAMES = 30,      /* 0.6 s: SILK's VAD takes a steady tone for
			   * background noise after about 0.7 s */
	WARMUP = 3,       /* frames the encoder's VAD needs to settle */
};

struct count {
	unsigned voice;
	unsigned total;
};


static void pkt_h(const uint8_t *pl, size_t len, uint32_t dur, void *arg)
{
	struct count *c = arg;

	(void)dur;
	if (c->total++ < WARMUP)
		return;
	if (opus_pkt_voice(pl, len))
		c->voice++;
}


/* Encode FRAMES with chorusd's own Opus encoder; count packets flagged
 * voice after the warm-up */
static struct count encode(double amp, double hz)
{
	struct aenc *enc = NULL;
	struct count c = {0, 0};
	int16_t pcm[FRAME];

	assert_int_equal(0, aenc_alloc(&enc, codec_get(CODEC_OPUS), 20, 5));

	for (unsigned f = 0; f < FRAMES; f++) {
		for (unsigned i = 0; i < FRAME; i++) {
			double t = (double)(f * FRAME + i) / 48000.0;

			pcm[i] = (int16_t)(amp * sin(2 * M_PI * hz * t));
		}
		assert_int_equal(0, aenc_push(enc, pcm, FRAME, pkt_h, &c));
	}

	mem_deref(enc);
	assert_int_equal(FRAMES, c.total);
	return c;
}


static void test_tone_is_voice(void **state)
{
	(void)state;
	assert_int_equal(FRAMES - WARMUP, encode(8000, 440).voice);
	assert_int_equal(FRAMES - WARMUP, encode(3000, 1700).voice);
}


static void test_silence_is_not_voice(void **state)
{
	struct count c = encode(0, 440);

	(void)state;
	assert_int_equal(0, c.voice);
}


/* Hand-made TOC bytes (RFC 6716 3.1): config << 3 | stereo << 2 | code */
static void test_toc_cases(void **state)
{
	const uint8_t silk20_on[] = {1 << 3, 0x80, 0x00};
	const uint8_t silk20_off[] = {1 << 3, 0x7f, 0xff};
	const uint8_t silk40_2nd[] = {2 << 3, 0x40, 0x00};   /* 2 flags */
	const uint8_t silk40_off[] = {2 << 3, 0x3f, 0x00};
	const uint8_t silk60_3rd[] = {3 << 3, 0x20, 0x00};   /* 3 flags */
	const uint8_t silk60_off[] = {3 << 3, 0x1f, 0x00};
	const uint8_t hybrid_off[] = {13 << 3, 0x7f, 0x00};
	const uint8_t code1_off[] = {1 << 3 | 1, 0x00, 0x00};
	const uint8_t celt[] = {31 << 3, 0x00, 0x00};
	const uint8_t stereo[] = {1 << 3 | 4, 0x00, 0x00};
	const uint8_t code2[] = {1 << 3 | 2, 0x01, 0x00};
	const uint8_t code3[] = {1 << 3 | 3, 0x01, 0x00};
	const uint8_t toc_only[] = {1 << 3};

	(void)state;
	assert_true(opus_pkt_voice(silk20_on, sizeof(silk20_on)));
	assert_false(opus_pkt_voice(silk20_off, sizeof(silk20_off)));
	assert_true(opus_pkt_voice(silk40_2nd, sizeof(silk40_2nd)));
	assert_false(opus_pkt_voice(silk40_off, sizeof(silk40_off)));
	assert_true(opus_pkt_voice(silk60_3rd, sizeof(silk60_3rd)));
	assert_false(opus_pkt_voice(silk60_off, sizeof(silk60_off)));
	assert_false(opus_pkt_voice(hybrid_off, sizeof(hybrid_off)));
	assert_false(opus_pkt_voice(code1_off, sizeof(code1_off)));

	/* no flags to read: decode to be safe */
	assert_true(opus_pkt_voice(celt, sizeof(celt)));
	assert_true(opus_pkt_voice(stereo, sizeof(stereo)));
	assert_true(opus_pkt_voice(code2, sizeof(code2)));
	assert_true(opus_pkt_voice(code3, sizeof(code3)));
	assert_true(opus_pkt_voice(toc_only, sizeof(toc_only)));
	assert_true(opus_pkt_voice(NULL, 0));
}


int main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		leak_test(test_tone_is_voice),
		leak_test(test_silence_is_not_voice),
		leak_test(test_toc_cases),
	};

	(void)argc;
	leak_init(argv);

	return cmocka_run_group_tests(tests, NULL, NULL);
}
