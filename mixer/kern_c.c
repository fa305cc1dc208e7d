/**
 * @file kern_c.c  Scalar mixer kernels: the specification of every level
 *
 * Built with auto-vectorization off (see mixer.mk) so that it is also an
 * honest scalar baseline for bench/bench_mixer.c. The SIMD levels call
 * these functions for their tails.
 */

#include "mixer/kern.h"


/**
 * Sum of squares of n samples, before gain
 *
 * @param x  Samples
 * @param n  Number of samples
 *
 * @return The exact sum (at most n * 2^30)
 */
uint64_t mix_c_energy(const int16_t *x, size_t n)
{
	uint64_t e = 0;
	size_t i;

	for (i = 0; i < n; i++)
		e += (uint64_t)((int32_t)x[i] * x[i]);

	return e;
}


/**
 * Add gained samples into a 32-bit accumulator
 *
 * @param acc  Accumulator, n values
 * @param x    Samples
 * @param n    Number of samples
 * @param g    Gain, Q12 in [0..65535]
 *
 * The caller guarantees that no acc[i] overflows.
 */
void mix_c_acc(int32_t *acc, const int16_t *x, size_t n, int32_t g)
{
	size_t i;

	/* unity gain: gained(x, 4096) == x exactly, skip the multiply */
	if (g == 1 << MIX_GAIN_SHIFT) {
		for (i = 0; i < n; i++)
			acc[i] += x[i];
		return;
	}

	for (i = 0; i < n; i++)
		acc[i] += mix_gained(x[i], g);
}


/**
 * Saturate the accumulator to 16-bit output samples
 *
 * @param y    Output, n samples
 * @param acc  Accumulator
 * @param n    Number of samples
 */
void mix_c_out(int16_t *y, const int32_t *acc, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		y[i] = mix_sat16(acc[i]);
}


/**
 * Mix-minus: the accumulator less one gained input, saturated once
 *
 * @param y    Output, n samples
 * @param acc  Accumulator (which contains gained(x, g))
 * @param x    The listener's own samples
 * @param n    Number of samples
 * @param g    The listener's gain, Q12 in [0..65535]
 */
void mix_c_out_minus(int16_t *y, const int32_t *acc, const int16_t *x,
		     size_t n, int32_t g)
{
	size_t i;

	if (g == 1 << MIX_GAIN_SHIFT) {
		for (i = 0; i < n; i++)
			y[i] = mix_sat16(acc[i] - x[i]);
		return;
	}

	for (i = 0; i < n; i++)
		y[i] = mix_sat16(acc[i] - mix_gained(x[i], g));
}


const struct mix_kern mix_kern_c = {
	.name      = "c",
	.energy    = mix_c_energy,
	.acc       = mix_c_acc,
	.out       = mix_c_out,
	.out_minus = mix_c_out_minus,
};
