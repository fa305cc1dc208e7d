/**
 * @file test_mixer.c  Mixer behaviour: talkers, hysteresis, mix-minus
 *
 * The whole suite runs once per SIMD level this CPU supports (whole ticks
 * bit-exact with the scalar level are in test_mixer_kern.c).
 */

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "mixer/mixer.h"
#include "mixer/kern.h"
#include "mixer/talk.h"
#include "leak.h"


enum {
	FRAME = 960,   /* 20 ms at 48 kHz */
	NMAX  = 64,
	LOUD  = 3000,  /* about -21 dBFS */
	QUIET = 50,    /* about -56 dBFS, below the speech threshold */
};

struct room {
	struct mixer *mix;
	size_t n;
	struct mixer_chan chv[NMAX];
	struct mixer_chan *ptrv[NMAX];
	int16_t pcm[NMAX][FRAME];
};

static const struct mix_kern *level;  /* level under test */


static struct room *room_new(size_t n, uint32_t talkers_max)
{
	struct mixer_prm prm = {FRAME, talkers_max};
	struct room *r = calloc(1, sizeof(*r));
	size_t i;

	assert_non_null(r);
	assert_int_equal(mixer_alloc(&r->mix, &prm), 0);
	r->n = n;

	for (i = 0; i < n; i++) {
		mixer_chan_init(&r->chv[i]);
		r->chv[i].pcm = r->pcm[i];
		r->ptrv[i] = &r->chv[i];
	}

	return r;
}


static void room_free(struct room *r)
{
	mixer_free(r->mix);
	free(r);
}


/* +amp, -amp, ...: energy exactly FRAME * amp^2 at unity gain */
static void tone(struct room *r, size_t i, int amp)
{
	size_t k;

	for (k = 0; k < FRAME; k++)
		r->pcm[i][k] = (int16_t)(k & 1 ? -amp : amp);
}


/* noise in [-amp, amp], a different sequence per channel */
static void noise(struct room *r, size_t i, int amp)
{
	uint32_t s = 0x2545f491u * (uint32_t)(i + 1);
	size_t k;

	for (k = 0; k < FRAME; k++) {
		s = s * 1664525u + 1013904223u;
		r->pcm[i][k] = (int16_t)((int32_t)(s >> 8) % (amp + 1));
	}
}


static void tick(struct room *r)
{
	assert_int_equal(mixer_tick(r->mix, r->ptrv, r->n), 0);
}


/* sat16 of the sum of the talkers' pcm at unity gain, less one */
static void expect_mix(const struct room *r, const int16_t *out,
		       const struct mixer_chan *except)
{
	size_t i, k;

	assert_non_null(out);

	for (k = 0; k < FRAME; k++) {
		int32_t sum = 0;

		for (i = 0; i < r->n; i++) {
			const struct mixer_chan *ch = &r->chv[i];

			if (ch->talker && ch != except)
				sum += ch->pcm[k];
		}

		assert_int_equal(out[k], mix_sat16(sum));
	}
}


static void test_args(void **state)
{
	struct mixer_prm prm = {0, 3};
	struct mixer *mix = NULL;

	assert_int_equal(mixer_alloc(&mix, &prm), EINVAL);
	prm.frame_len = 32769;
	assert_int_equal(mixer_alloc(&mix, &prm), EINVAL);
	assert_int_equal(mixer_alloc(&mix, NULL), EINVAL);
	assert_int_equal(mixer_alloc(NULL, &prm), EINVAL);
	assert_null(mix);

	prm.frame_len = 7;
	assert_int_equal(mixer_alloc(&mix, &prm), 0);
	assert_int_equal(mixer_tick(mix, NULL, 0), 0);
	assert_int_equal(mixer_tick(mix, NULL, 1), EINVAL);
	assert_int_equal(mixer_tick(NULL, NULL, 0), EINVAL);
	assert_int_equal(mixer_talker_count(mix), 0);
	assert_non_null(mixer_shared(mix));
	mixer_free(mix);
	mixer_free(NULL);

	assert_null(mixer_shared(NULL));
	assert_string_equal(mixer_simd_name(), level->name);
}


static void test_pick(void **state)
{
	assert_ptr_equal(mix_kern_pick(NULL), mix_kern_level(0));
	assert_ptr_equal(mix_kern_pick(""), mix_kern_level(0));
	assert_ptr_equal(mix_kern_pick("bogus"), mix_kern_level(0));
	assert_ptr_equal(mix_kern_pick("c"), &mix_kern_c);
	assert_ptr_equal(mix_kern_pick(level->name), level);
	assert_int_equal(mix_kern_force("bogus"), ENOTSUP);
	assert_int_equal(mix_kern_force(NULL), EINVAL);
	assert_ptr_equal(mix_kern_active(), level);
}


static void test_silent_room(void **state)
{
	struct room *r = room_new(16, 3);
	size_t i, k;

	for (i = 0; i < 16; i++) {
		if (i & 1)
			noise(r, i, QUIET);
	}

	tick(r);

	assert_int_equal(mixer_talker_count(r->mix), 0);
	for (k = 0; k < FRAME; k++)
		assert_int_equal(mixer_shared(r->mix)[k], 0);
	for (i = 0; i < 16; i++) {
		assert_false(r->chv[i].talker);
		assert_ptr_equal(r->chv[i].out, mixer_shared(r->mix));
	}

	room_free(r);
}


static void test_one_talker(void **state)
{
	struct room *r = room_new(21, 3);
	size_t i, k;

	noise(r, 0, LOUD);
	for (i = 1; i < 21; i++)
		noise(r, i, QUIET);

	tick(r);

	assert_int_equal(mixer_talker_count(r->mix), 1);
	assert_true(r->chv[0].talker);
	assert_ptr_not_equal(r->chv[0].out, mixer_shared(r->mix));
	for (k = 0; k < FRAME; k++)
		assert_int_equal(r->chv[0].out[k], 0);

	assert_memory_equal(mixer_shared(r->mix), r->pcm[0],
			    sizeof(r->pcm[0]));
	for (i = 1; i < 21; i++)
		assert_ptr_equal(r->chv[i].out, mixer_shared(r->mix));

	room_free(r);
}


static void test_mix_minus(void **state)
{
	struct room *r = room_new(8, 3);
	size_t i;

	for (i = 0; i < 3; i++)
		noise(r, i, LOUD + 1000 * (int)i);

	tick(r);

	assert_int_equal(mixer_talker_count(r->mix), 3);
	expect_mix(r, mixer_shared(r->mix), NULL);
	for (i = 0; i < 3; i++) {
		assert_true(r->chv[i].talker);
		expect_mix(r, r->chv[i].out, &r->chv[i]);
	}
	assert_ptr_not_equal(r->chv[0].out, r->chv[1].out);
	assert_ptr_not_equal(r->chv[1].out, r->chv[2].out);
	for (i = 3; i < 8; i++)
		assert_ptr_equal(r->chv[i].out, mixer_shared(r->mix));

	room_free(r);
}


/* saturate once, from the 32-bit sum: never sat(sat(a + b + c) - a) */
static void test_saturation(void **state)
{
	struct room *r = room_new(4, MIXER_TALKERS_ALL);
	size_t i, k;

	for (k = 0; k < FRAME; k++) {
		r->pcm[0][k] = INT16_MAX;
		r->pcm[1][k] = INT16_MAX;
		r->pcm[2][k] = INT16_MAX;
		r->pcm[3][k] = INT16_MIN;
	}

	tick(r);

	/* acc = 3 * 32767 - 32768 = 65533 */
	assert_int_equal(mixer_talker_count(r->mix), 4);
	for (k = 0; k < FRAME; k++) {
		assert_int_equal(mixer_shared(r->mix)[k], INT16_MAX);
		assert_int_equal(r->chv[0].out[k], 32766);
		assert_int_equal(r->chv[3].out[k], INT16_MAX);
	}
	for (i = 0; i < 4; i++)
		expect_mix(r, r->chv[i].out, &r->chv[i]);

	for (k = 0; k < FRAME; k++) {
		r->pcm[0][k] = INT16_MIN;
		r->pcm[1][k] = INT16_MIN;
	}
	r->chv[2].muted = true;
	tick(r);
	assert_int_equal(mixer_talker_count(r->mix), 3);
	for (k = 0; k < FRAME; k++) {
		assert_int_equal(mixer_shared(r->mix)[k], INT16_MIN);
		assert_int_equal(r->chv[0].out[k], INT16_MIN);
	}

	room_free(r);
}


static void test_muted(void **state)
{
	struct room *r = room_new(4, 3);

	noise(r, 0, LOUD);
	noise(r, 1, LOUD * 2);
	r->chv[1].muted = true;

	tick(r);

	assert_true(r->chv[0].talker);
	assert_false(r->chv[1].talker);
	assert_true(r->chv[1].energy > 0);
	assert_ptr_equal(r->chv[1].out, mixer_shared(r->mix));
	assert_memory_equal(mixer_shared(r->mix), r->pcm[0],
			    sizeof(r->pcm[0]));

	/* a muted talker leaves at once, without hang */
	r->chv[0].muted = true;
	tick(r);
	assert_false(r->chv[0].talker);
	assert_int_equal(mixer_talker_count(r->mix), 0);

	room_free(r);
}


static void test_deaf(void **state)
{
	struct room *r = room_new(4, 3);

	noise(r, 0, LOUD);
	noise(r, 1, LOUD);
	r->chv[0].deaf = true;
	r->chv[3].deaf = true;

	tick(r);

	assert_int_equal(mixer_talker_count(r->mix), 2);
	assert_true(r->chv[0].talker);
	assert_null(r->chv[0].out);
	assert_null(r->chv[3].out);
	expect_mix(r, mixer_shared(r->mix), NULL);
	assert_memory_equal(r->chv[1].out, r->pcm[0], sizeof(r->pcm[0]));
	assert_ptr_equal(r->chv[2].out, mixer_shared(r->mix));

	room_free(r);
}


static void test_no_pcm(void **state)
{
	struct room *r = room_new(3, 3);

	noise(r, 0, LOUD);
	noise(r, 1, LOUD);
	r->chv[1].pcm = NULL;

	tick(r);
	assert_int_equal(r->chv[1].energy, 0);
	assert_false(r->chv[1].talker);
	assert_ptr_equal(r->chv[1].out, mixer_shared(r->mix));

	/* a talker without audio for a tick stays (hang), contributes
	 * nothing and hears the shared mix */
	r->chv[0].pcm = NULL;
	tick(r);
	assert_true(r->chv[0].talker);
	assert_ptr_equal(r->chv[0].out, mixer_shared(r->mix));
	for (size_t k = 0; k < FRAME; k++)
		assert_int_equal(mixer_shared(r->mix)[k], 0);

	/* ... and leaves once the hang runs out */
	for (int t = 0; t < 40 && r->chv[0].talker; t++)
		tick(r);
	assert_false(r->chv[0].talker);

	room_free(r);
}


static void test_null_entries(void **state)
{
	struct room *r = room_new(3, 3);

	noise(r, 2, LOUD);
	r->ptrv[0] = NULL;

	tick(r);
	assert_int_equal(mixer_talker_count(r->mix), 1);
	assert_true(r->chv[2].talker);

	room_free(r);
}


static void test_energy_gain(void **state)
{
	struct room *r = room_new(4, MIXER_TALKERS_ALL);
	size_t k;

	tone(r, 0, 1000);
	tone(r, 1, 1001);
	tone(r, 2, LOUD);
	tone(r, 3, LOUD);
	r->chv[1].gain_q12 = 2048;
	r->chv[2].gain_q12 = 0;
	r->chv[3].gain_q12 = -5;

	tick(r);

	assert_int_equal(r->chv[0].energy, (uint64_t)FRAME * 1000 * 1000);
	assert_int_equal(r->chv[1].energy, (uint64_t)FRAME / 4 * 1002001);
	assert_int_equal(r->chv[2].energy, 0);
	assert_int_equal(r->chv[3].energy, 0);
	assert_false(r->chv[2].talker);
	assert_false(r->chv[3].talker);

	/* gained(x) = (x * g) >> 12, rounding towards minus infinity */
	for (k = 0; k < FRAME; k++) {
		int expect = k & 1 ? -1000 - 501 : 1000 + 500;

		assert_int_equal(mixer_shared(r->mix)[k], expect);
	}

	r->chv[0].gain_q12 = 8192;
	r->chv[1].gain_q12 = 100000;  /* clamped to 65535 */
	tick(r);
	assert_int_equal(r->chv[0].energy, (uint64_t)FRAME * 2000 * 2000);
	assert_int_equal(mixer_shared(r->mix)[0], 2000 + 16015);
	assert_int_equal(mixer_shared(r->mix)[1], -2000 - 16016);
	assert_int_equal(r->chv[1].out[0], 2000);
	assert_int_equal(r->chv[0].out[0], (1001 * 65535) >> 12);

	room_free(r);
}


static void test_k_limit(void **state)
{
	struct room *r = room_new(6, 3);
	size_t i;

	for (i = 0; i < 6; i++)
		tone(r, i, 1000 * (int)(i + 1));

	tick(r);
	assert_int_equal(mixer_talker_count(r->mix), 3);
	for (i = 0; i < 6; i++)
		assert_int_equal(r->chv[i].talker, i >= 3);

	mixer_set_talkers_max(r->mix, MIXER_TALKERS_ALL);
	tick(r);
	assert_int_equal(mixer_talker_count(r->mix), 6);

	/* lowered: the weakest leave at once */
	mixer_set_talkers_max(r->mix, 2);
	tick(r);
	assert_int_equal(mixer_talker_count(r->mix), 2);
	assert_true(r->chv[4].talker && r->chv[5].talker);

	/* raised: free places are taken at once, best first */
	mixer_set_talkers_max(r->mix, 4);
	tick(r);
	assert_int_equal(mixer_talker_count(r->mix), 4);
	assert_true(r->chv[2].talker && r->chv[3].talker);
	assert_false(r->chv[1].talker);

	room_free(r);
}


static void test_tie(void **state)
{
	struct room *r = room_new(4, 2);
	size_t i;

	for (i = 0; i < 4; i++)
		tone(r, i, 2000);

	tick(r);
	assert_true(r->chv[0].talker && r->chv[1].talker);
	assert_false(r->chv[2].talker || r->chv[3].talker);

	room_free(r);
}


static void test_hang_silence(void **state)
{
	struct room *r = room_new(3, 3);
	size_t t, k;

	tone(r, 0, LOUD);
	tick(r);
	assert_true(r->chv[0].talker);

	/* a short pause resets nothing but the counter it started */
	tone(r, 0, 0);
	for (t = 0; t < TALK_HANG / 2; t++) {
		tick(r);
		assert_true(r->chv[0].talker);
	}
	tone(r, 0, LOUD);
	tick(r);

	tone(r, 0, 0);
	for (t = 0; t < TALK_HANG; t++) {
		tick(r);
		assert_true(r->chv[0].talker);
		assert_ptr_not_equal(r->chv[0].out, mixer_shared(r->mix));
	}
	tick(r);
	assert_false(r->chv[0].talker);
	assert_int_equal(mixer_talker_count(r->mix), 0);
	for (k = 0; k < FRAME; k++)
		assert_int_equal(mixer_shared(r->mix)[k], 0);

	room_free(r);
}


static void test_margin(void **state)
{
	struct room *r = room_new(3, 1);
	size_t t;

	tone(r, 0, 1000);
	tick(r);
	assert_true(r->chv[0].talker);

	/* 1.96x the energy, or turns at being louder: no change */
	tone(r, 1, 1400);
	for (t = 0; t < 3 * TALK_HANG; t++) {
		tone(r, 0, t & 1 ? 1000 : 1350);
		tone(r, 1, t & 1 ? 1350 : 1000);
		tick(r);
		assert_true(r->chv[0].talker);
		assert_false(r->chv[1].talker);
	}

	/* 2.25x: displaces the talker once its hang has run out */
	tone(r, 0, 1000);
	tone(r, 1, 0);
	tone(r, 2, 1500);
	for (t = 0; t < TALK_HANG; t++) {
		tick(r);
		assert_true(r->chv[0].talker);
		assert_false(r->chv[2].talker);
	}
	tick(r);
	assert_false(r->chv[0].talker);
	assert_true(r->chv[2].talker);
	assert_int_equal(mixer_talker_count(r->mix), 1);

	room_free(r);
}


static void test_free_place(void **state)
{
	struct room *r = room_new(3, 2);

	tone(r, 0, 5000);
	tick(r);

	/* much quieter, but a place is free: no margin, no wait */
	tone(r, 1, 200);
	tick(r);
	assert_true(r->chv[0].talker && r->chv[1].talker);

	room_free(r);
}


static int group_setup(void **state)
{
	return mix_kern_force(level->name) ? -1 : 0;
}


int main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		leak_test(test_args),
		leak_test(test_pick),
		leak_test(test_silent_room),
		leak_test(test_one_talker),
		leak_test(test_mix_minus),
		leak_test(test_saturation),
		leak_test(test_muted),
		leak_test(test_deaf),
		leak_test(test_no_pcm),
		leak_test(test_null_entries),
		leak_test(test_energy_gain),
		leak_test(test_k_limit),
		leak_test(test_tie),
		leak_test(test_hang_silence),
		leak_test(test_margin),
		leak_test(test_free_place),
	};
	char name[64];
	size_t i;
	int fails = 0;

	(void)argc;
	leak_init(argv);

	for (i = 0; (level = mix_kern_level(i)); i++) {
		snprintf(name, sizeof(name), "mixer_%s", level->name);
		printf("== SIMD level %s\n", level->name);
		fails += _cmocka_run_group_tests(name, tests,
						 sizeof(tests) /
						 sizeof(tests[0]),
						 group_setup, NULL);
	}

	return fails ? 1 : 0;
}
