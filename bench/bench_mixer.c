/**
 * @file bench_mixer.c  Mixer benchmark: every SIMD level against the roofline
 *
 * For N = 3, 10, 100 and 1000 participants at 48 kHz / 20 ms (960 samples)
 * it times whole mixer_tick() calls (energy, selection, sum, per-talker
 * outputs) on each level and prints the median time per participant-frame,
 * the speedup over the scalar level (built without auto-vectorization) and
 * the ratio to a memory roofline measured in the same run: the time a plain
 * vector loop takes just to read the same input bytes, in the same cache
 * state. Three participants speak; the others send quiet noise.
 *
 * Not a test: it prints numbers and checks nothing, so a loaded machine
 * cannot fail a build.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "mixer/mixer.h"
#include "mixer/kern.h"


enum {
	FRAME   = 960,    /* 20 ms at 48 kHz               */
	K       = 3,      /* talkers mixed                 */
	SPEAK   = 3,      /* participants speaking         */
	RUNS    = 201,    /* timed samples, median taken   */
	WARMUP  = 50,     /* ticks before timing           */
	SAMPLE_NS = 50000,  /* shortest timed sample [ns]  */
	TICK_NS = 20000000, /* one ptime [ns]              */
};

static const size_t nv[] = {3, 10, 100, 1000};
#define NV (sizeof(nv) / sizeof(nv[0]))

struct room {
	size_t n;
	int16_t **pcmv;
	struct mixer_chan *chv;
	struct mixer_chan **ptrv;
};

static volatile uint64_t sink;  /* keeps the roofline loop alive */


static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);

	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}


static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}


/* noise in [-amp, amp]: speech about -21 dBFS, the rest about -56 dBFS */
static void noise(int16_t *x, size_t n, int amp, uint32_t seed)
{
	size_t k;

	for (k = 0; k < n; k++) {
		seed = seed * 1664525u + 1013904223u;
		x[k] = (int16_t)((int32_t)(seed >> 8) % (amp + 1));
	}
}


static int room_init(struct room *r, size_t n)
{
	size_t i;

	memset(r, 0, sizeof(*r));
	r->n = n;
	r->pcmv = calloc(n, sizeof(*r->pcmv));
	r->chv = calloc(n, sizeof(*r->chv));
	r->ptrv = calloc(n, sizeof(*r->ptrv));
	if (!r->pcmv || !r->chv || !r->ptrv)
		return -1;

	/* one buffer per participant, as a decoder would leave them */
	for (i = 0; i < n; i++) {
		r->pcmv[i] = aligned_alloc(MIX_ALIGN, FRAME * sizeof(int16_t));
		if (!r->pcmv[i])
			return -1;

		noise(r->pcmv[i], FRAME, i < SPEAK ? 3000 : 50,
		      (uint32_t)i + 1);
		r->ptrv[i] = &r->chv[i];
	}

	return 0;
}


static void room_reset(struct room *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		mixer_chan_init(&r->chv[i]);
		r->chv[i].pcm = r->pcmv[i];
	}
}


static void room_close(struct room *r)
{
	size_t i;

	for (i = 0; r->pcmv && i < r->n; i++)
		free(r->pcmv[i]);
	free(r->pcmv);
	free(r->chv);
	free(r->ptrv);
}


#if defined(__x86_64__)
typedef long long v32 __attribute__((vector_size(32), aligned(32)));

__attribute__((target("avx2")))
static uint64_t read_avx2(const struct room *r)
{
	v32 a = {0}, b = {0};
	size_t i, k;

	for (i = 0; i < r->n; i++) {
		const v32 *p = (const v32 *)r->pcmv[i];

		for (k = 0; k < FRAME * sizeof(int16_t) / sizeof(v32); k += 2) {
			a |= p[k];
			b |= p[k + 1];
		}
	}

	a |= b;

	return (uint64_t)(a[0] | a[1] | a[2] | a[3]);
}
#endif


typedef long long v16 __attribute__((vector_size(16), aligned(16)));

static uint64_t read_v16(const struct room *r)
{
	v16 a = {0}, b = {0};
	size_t i, k;

	for (i = 0; i < r->n; i++) {
		const v16 *p = (const v16 *)r->pcmv[i];

		for (k = 0; k < FRAME * sizeof(int16_t) / sizeof(v16); k += 2) {
			a |= p[k];
			b |= p[k + 1];
		}
	}

	a |= b;

	return (uint64_t)(a[0] | a[1]);
}


/* the widest plain read loop this CPU runs */
static uint64_t read_all(const struct room *r)
{
#if defined(__x86_64__)
	if (__builtin_cpu_supports("avx2"))
		return read_avx2(r);
#endif
	return read_v16(r);
}


struct tick_arg {
	struct mixer *mix;
	struct room *r;
};


static void run_tick(void *arg)
{
	struct tick_arg *ta = arg;

	(void)mixer_tick(ta->mix, ta->r->ptrv, ta->r->n);
}


static void run_read(void *arg)
{
	sink ^= read_all(arg);
}


/* Median and 90th percentile of one call [ns], over RUNS samples of
 * enough calls each to last SAMPLE_NS, after WARMUP calls */
static void measure(void (*fn)(void *), void *arg, double *med, double *p90)
{
	static double v[RUNS];
	uint64_t t0, dt, best = UINT64_MAX;
	size_t i, k, reps;

	for (i = 0; i < WARMUP; i++)
		fn(arg);

	for (i = 0; i < 5; i++) {
		t0 = now_ns();
		fn(arg);
		dt = now_ns() - t0;
		best = dt < best ? dt : best;
	}
	reps = best >= SAMPLE_NS ? 1 : SAMPLE_NS / (best + 1) + 1;

	for (i = 0; i < RUNS; i++) {
		t0 = now_ns();
		for (k = 0; k < reps; k++)
			fn(arg);
		v[i] = (double)(now_ns() - t0) / (double)reps;
	}

	qsort(v, RUNS, sizeof(v[0]), cmp_double);
	*med = v[RUNS / 2];
	*p90 = v[RUNS * 9 / 10];
}


/* One N: the roofline, then every level, scalar first. Returns the best
 * level's median tick [ns] and its roofline ratio. */
static int bench_n(size_t n, double *best_ns, double *best_roof,
		   const char **best_name)
{
	const struct mix_kern *levelv[8];
	struct mixer_prm prm = {FRAME, K};
	double roof, roof90, c_ns = 0;
	struct tick_arg ta;
	struct room r;
	size_t i, nlev;
	int err = -1;

	if (room_init(&r, n))
		goto out;

	measure(run_read, &r, &roof, &roof90);
	printf("%5zu  %-6s %9.2f %9.2f %9.2f %8s %9.2f\n", n, "roof",
	       roof / 1000, roof90 / 1000, roof / (double)n, "-", 1.0);

	for (nlev = 0; nlev < 8 && (levelv[nlev] = mix_kern_level(nlev));)
		++nlev;

	*best_ns = 0;
	for (i = nlev; i-- > 0;) {
		double med, p90;

		if (mix_kern_force(levelv[i]->name))
			goto out;

		ta.r = &r;
		room_reset(&r);
		if (mixer_alloc(&ta.mix, &prm))
			goto out;

		if (mixer_tick(ta.mix, r.ptrv, n)) {
			mixer_free(ta.mix);
			goto out;
		}

		measure(run_tick, &ta, &med, &p90);
		mixer_free(ta.mix);

		if (!strcmp(levelv[i]->name, "c"))
			c_ns = med;

		printf("%5zu  %-6s %9.2f %9.2f %9.2f %7.2fx %9.2f\n", n,
		       levelv[i]->name, med / 1000, p90 / 1000,
		       med / (double)n, c_ns / med, med / roof);

		if (!*best_ns || med < *best_ns) {
			*best_ns = med;
			*best_roof = med / roof;
			*best_name = levelv[i]->name;
		}
	}

	err = 0;

 out:
	room_close(&r);

	return err;
}


int main(int argc, char **argv)
{
	const char *detected = mixer_simd_name();
	const char *best_name = "";
	double best_ns = 0, best_roof = 0;
	size_t i, n = 0;

	printf("mixer bench: frame %d (48 kHz, 20 ms), K=%d, %d speaking,"
	       " median of %d samples\n", FRAME, K, SPEAK, RUNS);
	printf("start-up level (CPU detection or CHORUS_SIMD): %s\n\n",
	       detected);
	printf("%5s  %-6s %9s %9s %9s %8s %9s\n", "N", "level", "tick[us]",
	       "p90[us]", "ns/part", "vs c", "x roof");

	/* participant counts on the command line replace the default set */
	for (i = 0; i < (argc > 1 ? (size_t)argc - 1 : NV); i++) {
		n = argc > 1 ? strtoul(argv[i + 1], NULL, 10) : nv[i];
		if (!n || bench_n(n, &best_ns, &best_roof, &best_name)) {
			fprintf(stderr, "bench: cannot run N=%zu\n", n);
			return 1;
		}
		printf("\n");
	}

	printf("N=%zu, best level %s: %.1f us per %d ms tick (%.2f%% of"
	       " the tick; target < 250 us), %.2fx the read roofline"
	       " (target <= 1.5x)\n", n, best_name, best_ns / 1000,
	       TICK_NS / 1000000, 100.0 * best_ns / TICK_NS, best_roof);

	return 0;
}
