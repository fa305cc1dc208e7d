/**
 * @file kern_neon.c  NEON mixer kernels (aarch64), bit-exact with C
 *
 * Advanced SIMD is mandatory on ARMv8-A, so no detection is needed and no
 * extra flags. Compiled to nothing on other architectures. Tails fall back
 * to the scalar kernels.
 */

#if defined(__aarch64__)

#include <arm_neon.h>
#include "mixer/kern.h"


/* gained() for 4 samples already widened to int32: |x * g| < 2^31 */
static inline int32x4_t gain4(int32x4_t x, int32_t g, int unity)
{
	if (unity)
		return x;

	return vshrq_n_s32(vmulq_n_s32(x, g), MIX_GAIN_SHIFT);
}


static uint64_t neon_energy(const int16_t *x, size_t n)
{
	uint64x2_t s0 = vdupq_n_u64(0), s1 = vdupq_n_u64(0);
	size_t i = 0;

	/* each square <= 2^30, so the sum of two fits in uint32; uadalp
	 * then widens pairs into the 64-bit accumulators */
	for (; i + 16 <= n; i += 16) {
		int16x8_t a = vld1q_s16(x + i);
		int16x8_t b = vld1q_s16(x + i + 8);
		uint32x4_t qa, qb;

		qa = vaddq_u32(
			vreinterpretq_u32_s32(vmull_s16(vget_low_s16(a),
							vget_low_s16(a))),
			vreinterpretq_u32_s32(vmull_high_s16(a, a)));
		qb = vaddq_u32(
			vreinterpretq_u32_s32(vmull_s16(vget_low_s16(b),
							vget_low_s16(b))),
			vreinterpretq_u32_s32(vmull_high_s16(b, b)));
		s0 = vpadalq_u32(s0, qa);
		s1 = vpadalq_u32(s1, qb);
	}

	s0 = vaddq_u64(s0, s1);

	return vgetq_lane_u64(s0, 0) + vgetq_lane_u64(s0, 1) +
		mix_c_energy(x + i, n - i);
}


static void neon_acc(int32_t *acc, const int16_t *x, size_t n, int32_t g)
{
	const int unity = g == 1 << MIX_GAIN_SHIFT;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		int16x8_t xv = vld1q_s16(x + i);
		int32x4_t p0 = gain4(vmovl_s16(vget_low_s16(xv)), g, unity);
		int32x4_t p1 = gain4(vmovl_high_s16(xv), g, unity);

		vst1q_s32(acc + i, vaddq_s32(vld1q_s32(acc + i), p0));
		vst1q_s32(acc + i + 4, vaddq_s32(vld1q_s32(acc + i + 4), p1));
	}

	mix_c_acc(acc + i, x + i, n - i, g);
}


static void neon_out(int16_t *y, const int32_t *acc, size_t n)
{
	size_t i = 0;

	/* sqxtn saturates to int16: exactly mix_sat16() */
	for (; i + 8 <= n; i += 8) {
		int16x8_t v = vcombine_s16(vqmovn_s32(vld1q_s32(acc + i)),
					   vqmovn_s32(vld1q_s32(acc + i + 4)));

		vst1q_s16(y + i, v);
	}

	mix_c_out(y + i, acc + i, n - i);
}


static void neon_out_minus(int16_t *y, const int32_t *acc, const int16_t *x,
			   size_t n, int32_t g)
{
	const int unity = g == 1 << MIX_GAIN_SHIFT;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		int16x8_t xv = vld1q_s16(x + i);
		int32x4_t p0 = gain4(vmovl_s16(vget_low_s16(xv)), g, unity);
		int32x4_t p1 = gain4(vmovl_high_s16(xv), g, unity);

		p0 = vsubq_s32(vld1q_s32(acc + i), p0);
		p1 = vsubq_s32(vld1q_s32(acc + i + 4), p1);
		vst1q_s16(y + i, vcombine_s16(vqmovn_s32(p0), vqmovn_s32(p1)));
	}

	mix_c_out_minus(y + i, acc + i, x + i, n - i, g);
}


const struct mix_kern mix_kern_neon = {
	.name      = "neon",
	.energy    = neon_energy,
	.acc       = neon_acc,
	.out       = neon_out,
	.out_minus = neon_out_minus,
};

#endif
