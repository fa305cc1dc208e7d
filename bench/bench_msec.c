/**
 * @file bench_msec.c  Cost of protecting one 172-byte RTP packet (12 +
 *        160 bytes, G.711 at 20 ms) per suite: the median of 7 runs
 *
 *   make build/bench_msec && build/bench_msec [packets per run]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <re.h>
#include "server/msec.h"

enum { RUNS = 7, LEN = 172 };


static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);

	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}


static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}


/* ns per packet: copy in (as the send helper does), then protect */
static double run(enum msec_suite s, unsigned n)
{
	uint8_t key[MSEC_KEY_MAX], plain[LEN];
	struct msec *ms;
	struct mbuf *mb = mbuf_alloc(LEN + MSEC_OVERHEAD);
	uint64_t t0, t1;
	unsigned i;

	memset(key, 0x5a, sizeof(key));
	memset(plain, 0x33, sizeof(plain));
	plain[0] = 0x80;
	plain[1] = 0;
	if (!mb || msec_alloc(&ms, s, key, key))
		exit(1);

	t0 = now_ns();
	for (i = 0; i < n; i++) {
		plain[2] = (uint8_t)(i >> 8);
		plain[3] = (uint8_t)i;
		memcpy(mb->buf, plain, LEN);
		mb->pos = 0;
		mb->end = LEN;
		if (msec_protect(ms, mb))
			exit(1);
	}
	t1 = now_ns();

	mem_deref(ms);
	mem_deref(mb);

	return (double)(t1 - t0) / n;
}


int main(int argc, char *argv[])
{
	unsigned n = argc > 1 ? (unsigned)atoi(argv[1]) : 200000;
	unsigned s, r;

	if (libre_init() || msec_init())
		return 1;

	for (s = 0; s < MSEC_SUITE_COUNT; s++) {
		double v[RUNS];

		for (r = 0; r < RUNS; r++)
			v[r] = run((enum msec_suite)s, n);
		qsort(v, RUNS, sizeof(v[0]), cmp);
		printf("%-24s %7.1f ns/packet (min %.1f, max %.1f)\n",
		       msec_suite_name((enum msec_suite)s), v[RUNS / 2],
		       v[0], v[RUNS - 1]);
	}

	msec_close();
	libre_close();

	return 0;
}
