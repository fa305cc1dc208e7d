/**
 * @file test_mixer_kern.c  Every SIMD level bit-exact with the scalar one
 *
 * For each level this CPU supports: each kernel over every length 0..1024
 * plus 960 and 1920, buffers misaligned against the vector width, inputs
 * heavy in INT16_MIN / INT16_MAX so that products, sums and outputs
 * saturate; then whole mixer ticks of 1..256 channels against a mixer on
 * the scalar level.
 */

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
#include "leak.h"


enum {
	LEN_MAX = 1920,
	PAD     = 32,          /* room for misalignment [elements] */
	ACC_LIM = INT32_MAX - (1 << 20),  /* acc +- gained stays in int32 */
};

static const struct mix_kern *kern;  /* level under test */

/* memcmp first: cmocka's byte-wise diff is slow, keep it for failures */
#define expect_same(a, b, n) do {			\
		if (memcmp((a), (b), (n)))			\
			assert_memory_equal((a), (b), (n));	\
	} while (0)

static const int32_t gainv[] = {
	0, 1, 2048, 4095, 4096, 4097, 12345, 32767, 32768, 40000, 65535,
};

struct bufs {
	int16_t x[LEN_MAX + PAD];
	int32_t acc_c[LEN_MAX + PAD];
	int32_t acc_k[LEN_MAX + PAD];
	int16_t y_c[LEN_MAX + PAD];
	int16_t y_k[LEN_MAX + PAD];
};

static struct bufs *bf;


static uint32_t rnd(void)
{
	static uint32_t s = 0x9e3779b9;

	/* xorshift32: reproducible, no libc state */
	s ^= s << 13;
	s ^= s >> 17;
	s ^= s << 5;

	return s;
}


/*
 * The reference every level is held to, the scalar one included: kern.h's
 * definitions written out in 64-bit arithmetic, independently of kern_c.c
 * (which the scalar level is, so comparing with it would test nothing).
 */
static int64_t ref_gained(int16_t x, int32_t g)
{
	int64_t p = (int64_t)x * g;

	/* an arithmetic shift right is a floor division */
	return p >= 0 ? p / 4096 : -((-p + 4095) / 4096);
}


static int16_t ref_sat16(int64_t v)
{
	return (int16_t)(v > INT16_MAX ? INT16_MAX :
			 v < INT16_MIN ? INT16_MIN : v);
}


static uint64_t ref_energy(const int16_t *x, size_t n)
{
	uint64_t e = 0;

	for (size_t i = 0; i < n; i++)
		e += (uint64_t)((int64_t)x[i] * x[i]);

	return e;
}


static void ref_acc(int32_t *acc, const int16_t *x, size_t n, int32_t g)
{
	for (size_t i = 0; i < n; i++)
		acc[i] = (int32_t)(acc[i] + ref_gained(x[i], g));
}


static void ref_out(int16_t *y, const int32_t *acc, size_t n)
{
	for (size_t i = 0; i < n; i++)
		y[i] = ref_sat16(acc[i]);
}


static void ref_out_minus(int16_t *y, const int32_t *acc, const int16_t *x,
			  size_t n, int32_t g)
{
	for (size_t i = 0; i < n; i++)
		y[i] = ref_sat16((int64_t)acc[i] - ref_gained(x[i], g));
}


/* a quarter INT16_MIN, a quarter INT16_MAX, the rest anything */
static void fill16(int16_t *x, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint32_t r = rnd();

		switch (r & 3) {
		case 0:  x[i] = INT16_MIN;   break;
		case 1:  x[i] = INT16_MAX;   break;
		default: x[i] = (int16_t)(r >> 16); break;
		}
	}
}


/* lim: the largest magnitude; INT32_MIN/MAX are drawn when lim allows */
static void fill32(int32_t *a, size_t n, int32_t lim)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint32_t r = rnd();

		switch (r & 7) {
		case 0:  a[i] = -lim;             break;
		case 1:  a[i] = lim;              break;
		case 2:  a[i] = (int32_t)(r >> 20) - 2048; break;
		default: a[i] = (int32_t)rnd() % lim; break;
		}
	}

	if (lim == INT32_MAX && n)
		a[0] = INT32_MIN;
}


/* the lengths under test: 0..1024, then 960 again and 1920 */
static size_t len_at(size_t i)
{
	return i <= 1024 ? i : i == 1025 ? 960 : LEN_MAX;
}


/* three misalignments per length, in elements: x, acc, y */
static void offs_at(size_t len, unsigned k, size_t *xo, size_t *ao,
		    size_t *yo)
{
	switch (k) {
	case 0:  *xo = 0;        *ao = 0;             *yo = 0;             break;
	case 1:  *xo = 1;        *ao = 3;             *yo = 7;             break;
	default: *xo = len % 16; *ao = (len / 16) % 8; *yo = (len / 3) % 16;
		 break;
	}
}


static int setup(void **state)
{
	bf = calloc(1, sizeof(*bf));

	return bf ? 0 : -1;
}


static int teardown(void **state)
{
	free(bf);
	bf = NULL;

	return 0;
}


/*
 * Patterns for the energy kernels' fast path, which adds two pmaddwd
 * results per lane and falls back when a pair of INT16_MIN could make a
 * sum reach 2^32 (see x86/kern_avx2.c)
 */
static void fill_pattern(int16_t *x, size_t n, unsigned mode)
{
	size_t k;

	for (k = 0; k < n; k++) {
		switch (mode) {
		case 0:   /* the largest sums that never reach 2^32 */
			x[k] = k & 1 ? INT16_MIN : INT16_MAX;
			break;
		case 1:   /* INT16_MIN runs of a vector, either pair side */
			x[k] = (k / 8) % 3 ? INT16_MIN : (int16_t)rnd();
			break;
		default:  /* longer runs */
			x[k] = (k / 16) & 1 ? INT16_MIN : INT16_MAX;
			break;
		}
	}
}


static void test_energy(void **state)
{
	size_t i, xo, ao, yo;
	unsigned k;

	for (i = 0; i < 1027; i++) {
		size_t len = len_at(i);

		for (k = 0; k < 3; k++) {
			offs_at(len, k, &xo, &ao, &yo);
			fill16(bf->x, len + PAD);
			assert_true(kern->energy(bf->x + xo, len) ==
				    ref_energy(bf->x + xo, len));

			fill_pattern(bf->x, len + PAD, k);
			assert_true(kern->energy(bf->x + xo, len) ==
				    ref_energy(bf->x + xo, len));
			assert_true(kern->energy(bf->x + ao, len) ==
				    ref_energy(bf->x + ao, len));
		}

		/* the largest squares: pmaddwd lanes of exactly 2^31 */
		for (k = 0; k < LEN_MAX + PAD; k++)
			bf->x[k] = INT16_MIN;
		assert_true(kern->energy(bf->x + 1, len) ==
			    (uint64_t)len << 30);
	}
}


static void test_acc(void **state)
{
	const size_t sz = (LEN_MAX + PAD) * sizeof(int32_t);
	size_t i, g, xo, ao, yo;
	unsigned k;

	for (i = 0; i < 1027; i++) {
		size_t len = len_at(i);

		for (g = 0; g < sizeof(gainv) / sizeof(gainv[0]); g++)
		for (k = 0; k < 3; k++) {
			offs_at(len, k, &xo, &ao, &yo);
			fill16(bf->x, len + PAD);
			fill32(bf->acc_c, len + PAD, ACC_LIM);
			memcpy(bf->acc_k, bf->acc_c, sz);

			ref_acc(bf->acc_c + ao, bf->x + xo, len, gainv[g]);
			kern->acc(bf->acc_k + ao, bf->x + xo, len, gainv[g]);
			expect_same(bf->acc_c, bf->acc_k, sz);
		}
	}
}


static void test_out(void **state)
{
	const size_t sz = (LEN_MAX + PAD) * sizeof(int16_t);
	size_t i, xo, ao, yo;
	unsigned k;

	for (i = 0; i < 1027; i++) {
		size_t len = len_at(i);

		for (k = 0; k < 3; k++) {
			offs_at(len, k, &xo, &ao, &yo);
			fill32(bf->acc_c, len + PAD, INT32_MAX);
			fill16(bf->y_c, len + PAD);
			memcpy(bf->y_k, bf->y_c, sz);

			ref_out(bf->y_c + yo, bf->acc_c + ao, len);
			kern->out(bf->y_k + yo, bf->acc_c + ao, len);
			expect_same(bf->y_c, bf->y_k, sz);
		}
	}
}


static void test_out_minus(void **state)
{
	const size_t sz = (LEN_MAX + PAD) * sizeof(int16_t);
	size_t i, g, xo, ao, yo;
	unsigned k;

	for (i = 0; i < 1027; i++) {
		size_t len = len_at(i);

		for (g = 0; g < sizeof(gainv) / sizeof(gainv[0]); g++)
		for (k = 0; k < 3; k++) {
			int32_t *a;

			offs_at(len, k, &xo, &ao, &yo);
			a = bf->acc_c + ao;
			fill16(bf->x, len + PAD);
			fill32(bf->acc_c, len + PAD, ACC_LIM);
			fill16(bf->y_c, len + PAD);
			memcpy(bf->y_k, bf->y_c, sz);

			ref_out_minus(bf->y_c + yo, a, bf->x + xo, len,
					gainv[g]);
			kern->out_minus(bf->y_k + yo, a, bf->x + xo, len,
					gainv[g]);
			expect_same(bf->y_c, bf->y_k, sz);
		}
	}
}


/* One channel's inputs for a tick, drawn at random: silent, quiet, loud
 * or extreme audio, or none; any gain; sometimes muted or deaf. */
static void draw_chan(struct mixer_chan *ch, int16_t *pcm, size_t len)
{
	static const int32_t gv[] = {4096, 4096, 4096, 0, 2048, 65535, -1};
	uint32_t r = rnd();
	size_t k;

	ch->pcm = (r & 31) ? pcm : NULL;
	ch->muted = (r >> 5 & 15) == 0;
	ch->deaf = (r >> 9 & 15) == 0;
	ch->gain_q12 = gv[(r >> 13) % 7];
	if (ch->gain_q12 < 0)
		ch->gain_q12 = (int32_t)(rnd() & 0xffff);

	switch (r >> 16 & 3) {
	case 0:
		memset(pcm, 0, len * sizeof(*pcm));
		break;
	case 1:
	case 2:
		for (k = 0; k < len; k++)
			pcm[k] = (int16_t)((int32_t)rnd() % (r & 1 ? 60 : 6000));
		break;
	default:
		fill16(pcm, len);
		break;
	}
}


static void expect_same_chan(const struct mixer *m0,
			     const struct mixer_chan *c0,
			     const struct mixer *m1,
			     const struct mixer_chan *c1, size_t len)
{
	assert_true(c0->energy == c1->energy);
	assert_int_equal(c0->talker, c1->talker);
	assert_int_equal(c0->hang, c1->hang);
	assert_int_equal(c0->out == NULL, c1->out == NULL);
	assert_int_equal(c0->out == mixer_shared(m0),
			 c1->out == mixer_shared(m1));

	if (c0->out)
		expect_same(c0->out, c1->out, len * sizeof(*c0->out));
}


/* n channels through both levels for a few ticks: identical outputs */
static void exact_room(size_t n, uint32_t frame, uint32_t k)
{
	struct mixer_prm prm = {frame, k};
	struct mixer *m0, *m1;
	struct mixer_chan *c0 = calloc(n, sizeof(*c0));
	struct mixer_chan *c1 = calloc(n, sizeof(*c1));
	struct mixer_chan **p0 = calloc(n, sizeof(*p0));
	struct mixer_chan **p1 = calloc(n, sizeof(*p1));
	int16_t *pcm = calloc(n * (frame + 3) + 1, sizeof(*pcm));
	size_t i, t;

	assert_true(c0 && c1 && p0 && p1 && pcm);
	assert_int_equal(mix_kern_force("c"), 0);
	assert_int_equal(mixer_alloc(&m0, &prm), 0);
	assert_int_equal(mix_kern_force(kern->name), 0);
	assert_int_equal(mixer_alloc(&m1, &prm), 0);

	for (i = 0; i < n; i++) {
		mixer_chan_init(&c0[i]);
		mixer_chan_init(&c1[i]);
		p0[i] = &c0[i];
		p1[i] = &c1[i];
	}

	for (t = 0; t < 4; t++) {
		for (i = 0; i < n; i++) {
			/* odd offsets: misaligned against any vector */
			draw_chan(&c0[i], pcm + i * (frame + 3) + i % 3, frame);
			c1[i].pcm = c0[i].pcm;
			c1[i].muted = c0[i].muted;
			c1[i].deaf = c0[i].deaf;
			c1[i].gain_q12 = c0[i].gain_q12;
		}

		assert_int_equal(mixer_tick(m0, p0, n), 0);
		assert_int_equal(mixer_tick(m1, p1, n), 0);

		assert_int_equal(mixer_talker_count(m0),
				 mixer_talker_count(m1));
		expect_same(mixer_shared(m0), mixer_shared(m1),
			    frame * sizeof(int16_t));
		for (i = 0; i < n; i++)
			expect_same_chan(m0, &c0[i], m1, &c1[i], frame);
	}

	mixer_free(m0);
	mixer_free(m1);
	free(pcm);
	free(p1);
	free(p0);
	free(c1);
	free(c0);
}


static void test_exact(void **state)
{
	static const uint32_t kv[] = {MIXER_TALKERS_ALL, 1, 3, 5};
	size_t n;

	for (n = 1; n <= 256; n++) {
		uint32_t frame = n % 4 ? 17 + (uint32_t)(n * 29) % 190
				       : n % 8 ? 960 : 1920;

		exact_room(n, frame, kv[n % 4]);
	}
}


int main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		leak_test(test_energy),
		leak_test(test_acc),
		leak_test(test_out),
		leak_test(test_out_minus),
		leak_test(test_exact),   /* last: not run at level "c" */
	};
	char name[64];
	size_t i;
	int fails = 0;

	(void)argc;
	leak_init(argv);

	for (i = 0; (kern = mix_kern_level(i)); i++) {
		snprintf(name, sizeof(name), "mixer_kern_%s", kern->name);
		size_t n = sizeof(tests) / sizeof(tests[0]);

		/* the scalar level against itself in test_exact would prove
		 * nothing: its kernels are held to the reference above, and
		 * the mixer's own logic is tested in test_mixer.c */
		if (!strcmp(kern->name, "c"))
			n--;

		printf("== SIMD level %s\n", kern->name);
		fails += _cmocka_run_group_tests(name, tests, n, setup,
						 teardown);
	}

	return fails ? 1 : 0;
}
