/**
 * @file kern.h  Mixer kernel table: one entry per SIMD level (private)
 *
 * The scalar kernels in kern_c.c are the specification; every other level
 * must give bit-identical results for every input that meets the stated
 * preconditions. Integer maths only: int16 in, int32 accumulate, saturate
 * once at the output.
 *
 * Gain arithmetic (Q12, 4096 = 0 dB, g in [0..65535]):
 *
 *     gained(x, g) = ((int32_t)x * g) >> 12      (arithmetic shift)
 *
 * |x * g| < 2^31, so the product never overflows; |gained| <= 524280.
 */

#ifndef CHORUS_MIXER_KERN_H
#define CHORUS_MIXER_KERN_H

#include <stddef.h>
#include <stdint.h>

enum {
	MIX_GAIN_SHIFT = 12,       /* Q12 gain                           */
	MIX_GAIN_MAX   = 65535,    /* largest gain_q12 (+24 dB)          */
	MIX_ALIGN      = 64,       /* buffer alignment [bytes]           */
};

struct mix_kern {
	const char *name;          /* "c", "sse2", "avx2", "neon"        */

	/* Sum of x[i]^2 over n samples (raw, before gain). Exact. */
	uint64_t (*energy)(const int16_t *x, size_t n);

	/* acc[i] += gained(x[i], g). Precondition: no int32 overflow. */
	void (*acc)(int32_t *acc, const int16_t *x, size_t n, int32_t g);

	/* y[i] = sat16(acc[i]) */
	void (*out)(int16_t *y, const int32_t *acc, size_t n);

	/* y[i] = sat16(acc[i] - gained(x[i], g)).
	 * Precondition: the difference fits in int32. */
	void (*out_minus)(int16_t *y, const int32_t *acc, const int16_t *x,
			  size_t n, int32_t g);
};

extern const struct mix_kern mix_kern_c;
uint64_t mix_c_energy(const int16_t *x, size_t n);
void mix_c_acc(int32_t *acc, const int16_t *x, size_t n, int32_t g);
void mix_c_out(int16_t *y, const int32_t *acc, size_t n);
void mix_c_out_minus(int16_t *y, const int32_t *acc, const int16_t *x,
		     size_t n, int32_t g);

#if defined(__x86_64__)
extern const struct mix_kern mix_kern_sse2;
extern const struct mix_kern mix_kern_avx2;
#endif
#if defined(__aarch64__)
extern const struct mix_kern mix_kern_neon;
#endif


/* cpu.c: level selection. Chosen once, on first use, thread-safe. */
const struct mix_kern *mix_kern_active(void);
const struct mix_kern *mix_kern_pick(const char *want);
const struct mix_kern *mix_kern_level(size_t i);
int mix_kern_force(const char *name);


/* Scalar helpers shared by the kernels for their tails. */
static inline int16_t mix_sat16(int32_t v)
{
	if (v > INT16_MAX)
		return INT16_MAX;
	if (v < INT16_MIN)
		return INT16_MIN;

	return (int16_t)v;
}


static inline int32_t mix_gained(int16_t x, int32_t g)
{
	/* GCC defines >> on negative values as an arithmetic shift */
	return ((int32_t)x * g) >> MIX_GAIN_SHIFT;
}

#endif
