/**
 * @file cpu.c  SIMD level selection: CPU detection and CHORUS_SIMD override
 *
 * The level is chosen once, on first use (normally mixer_alloc() at
 * start-up), and each mixer keeps the level it was allocated with. The
 * library prints nothing in the normal case: the caller logs
 * mixer_simd_name(). An unusable CHORUS_SIMD value is a configuration error
 * the caller cannot see, so it is reported once on stderr.
 */

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mixer/mixer.h"
#include "mixer/kern.h"


#if defined(__x86_64__)
static bool has_avx2(void)
{
	__builtin_cpu_init();

	return __builtin_cpu_supports("avx2");
}
#endif


/* SSE2 is part of x86-64; Advanced SIMD is mandatory on ARMv8-A */
static bool always(void)
{
	return true;
}


/* Best first. The scalar level is last and always available. */
static const struct {
	const struct mix_kern *kern;
	bool (*probe)(void);
} levelv[] = {
#if defined(__x86_64__)
	{&mix_kern_avx2, has_avx2},
	{&mix_kern_sse2, always},
#endif
#if defined(__aarch64__)
	{&mix_kern_neon, always},
#endif
	{&mix_kern_c,    always},
};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static const struct mix_kern *active;


/**
 * Get the i-th SIMD level this CPU supports, best first
 *
 * @param i  Index, from 0
 *
 * @return The kernel table, or NULL past the last level ("c")
 */
const struct mix_kern *mix_kern_level(size_t i)
{
	size_t k;

	for (k = 0; k < sizeof(levelv) / sizeof(levelv[0]); k++) {

		if (!levelv[k].probe())
			continue;

		if (i-- == 0)
			return levelv[k].kern;
	}

	return NULL;
}


static const struct mix_kern *find(const char *name)
{
	const struct mix_kern *kern;
	size_t i;

	for (i = 0; (kern = mix_kern_level(i)); i++) {

		if (!strcmp(kern->name, name))
			return kern;
	}

	return NULL;
}


/**
 * Choose a level: the one named if this CPU supports it, else the best
 *
 * @param want  Level name ("c", "sse2", "avx2", "neon"), NULL or "" for
 *              the best one
 *
 * @return The kernel table, never NULL
 */
const struct mix_kern *mix_kern_pick(const char *want)
{
	const struct mix_kern *kern = NULL;

	if (want && *want)
		kern = find(want);

	return kern ? kern : mix_kern_level(0);
}


static void init(void)
{
	const char *want = getenv("CHORUS_SIMD");

	active = mix_kern_pick(want);

	if (want && *want && strcmp(want, active->name)) {
		fprintf(stderr, "mixer: CHORUS_SIMD=%s is not available on"
			" this CPU, using %s\n", want, active->name);
	}
}


/**
 * Get the kernel table new mixers use, choosing it on the first call
 *
 * @return The kernel table, never NULL. Thread-safe.
 */
const struct mix_kern *mix_kern_active(void)
{
	pthread_once(&once, init);

	return active;
}


/**
 * Force the level used by mixers allocated from now on (tests, bench)
 *
 * @param name  Level name
 *
 * @return 0 if success, ENOTSUP if this CPU or build lacks the level.
 *         Not thread-safe: call it while no mixer_alloc() can run.
 */
int mix_kern_force(const char *name)
{
	const struct mix_kern *kern;

	if (!name)
		return EINVAL;

	pthread_once(&once, init);

	kern = find(name);
	if (!kern)
		return ENOTSUP;

	active = kern;

	return 0;
}


/**
 * Get the name of the SIMD level new mixers use, for the start-up log
 *
 * @return "c", "sse2", "avx2" or "neon". Thread-safe.
 */
const char *mixer_simd_name(void)
{
	return mix_kern_active()->name;
}
