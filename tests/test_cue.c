/**
 * @file test_cue.c  The tone cues: which tone sounds when (by Goertzel),
 * the silences between, the level, and filling in chunks
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "server/cue.h"
#include "leak.h"

enum {
	SRATE = 48000,               /* [Hz]                              */
	SECONDS = 7,
	TOTAL = SRATE * SECONDS,     /* [samples]                         */
	CHUNK = 960,                 /* 20 ms at 48 kHz [samples]         */
	PEAK = 8000,                 /* the cues' amplitude               */
};

static int16_t pcm[TOTAL];
static int16_t pcm2[TOTAL];


static size_t at(uint32_t ms)
{
	return (size_t)ms * SRATE / 1000;
}


/* The amplitude of the hz component of pcm[from_ms, to_ms): Goertzel's
 * |X(hz)| scaled so that a sine of amplitude A gives about A */
static double tone(const int16_t *x, uint32_t from_ms, uint32_t to_ms,
		   double hz)
{
	const size_t a = at(from_ms), n = at(to_ms) - a;
	const double w = 2.0 * M_PI * hz / SRATE;
	const double k = 2.0 * cos(w);
	double s1 = 0.0, s2 = 0.0, re, im;

	for (size_t i = 0; i < n; i++) {
		double s0 = x[a + i] + k * s1 - s2;

		s2 = s1;
		s1 = s0;
	}

	re = s1 - s2 * cos(w);
	im = s2 * sin(w);

	return 2.0 * sqrt(re * re + im * im) / (double)n;
}


/* Only hz sounds in [from_ms, to_ms): strong there, the other cue tones
 * and DTMF frequencies are not (what a rectangular window leaks from a
 * tone 37 Hz away over 250 ms is about 3.4 % of it) */
static void assert_tone(const int16_t *x, uint32_t from_ms, uint32_t to_ms,
			double hz)
{
	static const double others[] = {330, 440, 660, 697, 1209};

	assert_true(tone(x, from_ms, to_ms, hz) > 0.95 * PEAK);

	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		if (others[i] == hz)
			continue;
		assert_true(tone(x, from_ms, to_ms, others[i]) < 0.1 * PEAK);
	}
}


static void assert_silent(const int16_t *x, uint32_t from_ms,
			  uint32_t to_ms)
{
	for (size_t i = at(from_ms); i < at(to_ms); i++) {
		if (x[i])
			fail_msg("sample %zu (%.3f ms) is %d, not silence",
				 i, i * 1000.0 / SRATE, x[i]);
	}
}


static void fill(int16_t *x, enum cue_kind kind, size_t chunk)
{
	struct cue c;

	memset(&c, 0x5a, sizeof(c));
	cue_start(&c, kind);
	for (size_t i = 0; i < TOTAL; i += chunk)
		cue_fill(&c, x + i, i + chunk <= TOTAL ? chunk : TOTAL - i,
			 SRATE);
}


/* 440 Hz, 660 Hz, again every 3 s */
static void test_enter_pin(void **state)
{
	(void)state;

	fill(pcm, CUE_ENTER_PIN, TOTAL);

	assert_tone(pcm, 0, 250, 440);
	assert_silent(pcm, 250, 350);
	assert_tone(pcm, 350, 600, 660);
	assert_silent(pcm, 600, 3000);

	assert_tone(pcm, 3000, 3250, 440);
	assert_silent(pcm, 3250, 3350);
	assert_tone(pcm, 3350, 3600, 660);
	assert_silent(pcm, 3600, 6000);
	assert_tone(pcm, 6000, 6250, 440);

	/* the tones fill their segments: sound at both ends of each */
	assert_true(pcm[at(0) + 1] != 0 && pcm[at(250) - 2] != 0);
	assert_true(pcm[at(350) + 1] != 0 && pcm[at(600) - 2] != 0);
}


/* 330 Hz for 0.6 s, silence, then "enter the PIN" from 1 s */
static void test_wrong_pin(void **state)
{
	(void)state;

	fill(pcm, CUE_WRONG_PIN, TOTAL);

	assert_tone(pcm, 0, 600, 330);
	assert_silent(pcm, 600, 1000);
	assert_tone(pcm, 1000, 1250, 440);
	assert_silent(pcm, 1250, 1350);
	assert_tone(pcm, 1350, 1600, 660);
	assert_silent(pcm, 1600, 4000);
	assert_tone(pcm, 4000, 4250, 440);

	/* and not "wrong PIN" again */
	assert_true(tone(pcm, 4000, 4600, 330) < 0.1 * PEAK);
}


/* About -12 dBFS, never more */
static void test_level(void **state)
{
	const enum cue_kind kinds[] = {CUE_ENTER_PIN, CUE_WRONG_PIN};

	(void)state;

	for (size_t k = 0; k < 2; k++) {
		int peak = 0;

		fill(pcm, kinds[k], TOTAL);
		for (size_t i = 0; i < TOTAL; i++) {
			int v = pcm[i] < 0 ? -pcm[i] : pcm[i];

			assert_true(v <= PEAK + 1);
			if (v > peak)
				peak = v;
		}
		assert_true(peak >= PEAK - 10);
	}
}


/* The state carries over between calls: 20 ms at a time, or any other
 * size, gives the same samples as all at once */
static void test_chunks(void **state)
{
	const enum cue_kind kinds[] = {CUE_ENTER_PIN, CUE_WRONG_PIN};
	const size_t chunks[] = {CHUNK, 1, 441};

	(void)state;

	for (size_t k = 0; k < 2; k++) {
		fill(pcm, kinds[k], TOTAL);

		for (size_t j = 0; j < 3; j++) {
			memset(pcm2, 0x55, sizeof(pcm2));
			fill(pcm2, kinds[k], chunks[j]);
			assert_memory_equal(pcm, pcm2, sizeof(pcm));
		}
	}
}


/* cue_start() starts over, whatever came before; n = 0 changes nothing */
static void test_restart(void **state)
{
	struct cue c;

	(void)state;

	fill(pcm, CUE_ENTER_PIN, TOTAL);

	cue_start(&c, CUE_WRONG_PIN);
	cue_fill(&c, pcm2, at(1500), SRATE);
	cue_fill(&c, pcm2, 0, SRATE);
	cue_start(&c, CUE_ENTER_PIN);
	cue_fill(&c, pcm2, at(700), SRATE);
	assert_memory_equal(pcm, pcm2, at(700) * sizeof(pcm[0]));
}


/* At 8 kHz (a G.711 leg) the pattern keeps its timing */
static void test_narrowband(void **state)
{
	enum { NB = 8000 };
	static int16_t nb[NB * 4];
	struct cue c;
	int e440 = 0, e660 = 0;

	(void)state;

	cue_start(&c, CUE_ENTER_PIN);
	cue_fill(&c, nb, sizeof(nb) / sizeof(nb[0]), NB);

	for (size_t i = 0; i < NB * 250 / 1000; i++)
		e440 |= nb[i];
	for (size_t i = NB * 250 / 1000; i < NB * 350 / 1000; i++)
		assert_int_equal(0, nb[i]);
	for (size_t i = NB * 350 / 1000; i < NB * 600 / 1000; i++)
		e660 |= nb[i];
	for (size_t i = NB * 600 / 1000; i < NB * 3; i++)
		assert_int_equal(0, nb[i]);
	assert_true(e440 && e660);
	assert_int_not_equal(0, nb[NB * 3 + 1]);
}


int main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		leak_test(test_enter_pin),
		leak_test(test_wrong_pin),
		leak_test(test_level),
		leak_test(test_chunks),
		leak_test(test_restart),
		leak_test(test_narrowband),
	};

	(void)argc;
	leak_init(argv);

	return cmocka_run_group_tests_name("cue", tests, NULL, NULL);
}
