/**
 * @file kern_sse2.c  SSE2 mixer kernels (x86-64 baseline), bit-exact with C
 *
 * SSE2 has no 32-bit multiply-low, so gained() is built from the low and
 * high halves of a 16x16 multiply (pmullw/pmulhw) interleaved to 32 bits.
 * Tails fall back to the scalar kernels in kern_c.c.
 */

#if defined(__x86_64__)

#include <emmintrin.h>
#include "mixer/kern.h"


/* 8 samples to two vectors of 4 int32 (sign extension) */
static inline void widen(__m128i x, __m128i *p0, __m128i *p1)
{
	*p0 = _mm_srai_epi32(_mm_unpacklo_epi16(x, x), 16);
	*p1 = _mm_srai_epi32(_mm_unpackhi_epi16(x, x), 16);
}


/*
 * gained() for 8 samples. pmulhw treats g as signed: for g >= 32768 it
 * multiplies by g - 65536, so the high half is x short; gm (all ones when
 * g >= 32768) adds it back. The product fits in int32 (see kern.h).
 */
static inline void gain8(__m128i x, __m128i g16, __m128i gm,
			 __m128i *p0, __m128i *p1)
{
	__m128i lo = _mm_mullo_epi16(x, g16);
	__m128i hi = _mm_mulhi_epi16(x, g16);

	hi = _mm_add_epi16(hi, _mm_and_si128(x, gm));

	*p0 = _mm_srai_epi32(_mm_unpacklo_epi16(lo, hi), MIX_GAIN_SHIFT);
	*p1 = _mm_srai_epi32(_mm_unpackhi_epi16(lo, hi), MIX_GAIN_SHIFT);
}


/* sum of the 64-bit lanes of s - h * 2^32 + h (see sse2_energy()) */
static inline uint64_t reduce(__m128i s, __m128i h)
{
	uint64_t v[2];

	s = _mm_add_epi64(_mm_sub_epi64(s, _mm_slli_epi64(h, 32)), h);
	_mm_storeu_si128((__m128i *)v, s);

	return v[0] + v[1];
}


/* Exact for any input, 8 samples at a time: n must be a multiple of 8 */
static uint64_t energy_wide(const int16_t *x, size_t n)
{
	__m128i s = _mm_setzero_si128(), h = _mm_setzero_si128();
	size_t i;

	for (i = 0; i < n; i += 8) {
		__m128i a = _mm_loadu_si128((const __m128i *)(x + i));

		a = _mm_madd_epi16(a, a);
		s = _mm_add_epi64(s, a);
		h = _mm_add_epi64(h, _mm_srli_epi64(a, 32));
	}

	return reduce(s, h);
}


/*
 * pmaddwd gives a^2 + b^2 <= 2^31 per 32-bit half (unsigned). Rather than
 * zero-extend both halves, add each 64-bit lane as (lo + hi * 2^32) into
 * s and hi alone into h: sum(lo) = s - h * 2^32 (mod 2^64, exact as it is
 * < 2^64) and the energy is sum(lo) + h.
 *
 * The fast loop first adds two pmaddwd vectors as 64-bit lanes: each half
 * then holds a sum of two values, exact unless both are 2^31, i.e. four
 * INT16_MIN. A set bit 31 in the first vector of a pair (o) flags that
 * case, and the frame is measured again with energy_wide(). Three
 * operations per vector instead of four.
 */
static uint64_t sse2_energy(const int16_t *x, size_t n)
{
	__m128i s0 = _mm_setzero_si128(), h0 = _mm_setzero_si128();
	__m128i s1 = _mm_setzero_si128(), h1 = _mm_setzero_si128();
	__m128i o = _mm_setzero_si128();
	uint64_t e;
	size_t i = 0;

	for (; i + 32 <= n; i += 32) {
		const __m128i *p = (const __m128i *)(x + i);
		__m128i a = _mm_loadu_si128(p);
		__m128i b = _mm_loadu_si128(p + 1);
		__m128i c = _mm_loadu_si128(p + 2);
		__m128i d = _mm_loadu_si128(p + 3);

		a = _mm_madd_epi16(a, a);
		b = _mm_madd_epi16(b, b);
		c = _mm_madd_epi16(c, c);
		d = _mm_madd_epi16(d, d);
		o = _mm_or_si128(o, _mm_or_si128(a, c));
		a = _mm_add_epi64(a, b);
		c = _mm_add_epi64(c, d);
		s0 = _mm_add_epi64(s0, a);
		h0 = _mm_add_epi64(h0, _mm_srli_epi64(a, 32));
		s1 = _mm_add_epi64(s1, c);
		h1 = _mm_add_epi64(h1, _mm_srli_epi64(c, 32));
	}

	/* then one vector at a time, into the same sums */
	for (; i + 8 <= n; i += 8) {
		__m128i a = _mm_loadu_si128((const __m128i *)(x + i));

		a = _mm_madd_epi16(a, a);
		s0 = _mm_add_epi64(s0, a);
		h0 = _mm_add_epi64(h0, _mm_srli_epi64(a, 32));
	}

	if (_mm_movemask_ps(_mm_castsi128_ps(o)))
		e = energy_wide(x, i);
	else
		e = reduce(_mm_add_epi64(s0, s1), _mm_add_epi64(h0, h1));

	if (i < n)
		e += mix_c_energy(x + i, n - i);

	return e;
}


static void sse2_acc(int32_t *acc, const int16_t *x, size_t n, int32_t g)
{
	const __m128i g16 = _mm_set1_epi16((int16_t)(uint16_t)g);
	const __m128i gm  = _mm_set1_epi16(g >= 32768 ? -1 : 0);
	const int unity = g == 1 << MIX_GAIN_SHIFT;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		__m128i xv = _mm_loadu_si128((const __m128i *)(x + i));
		__m128i *a = (__m128i *)(acc + i);
		__m128i p0, p1;

		if (unity)
			widen(xv, &p0, &p1);
		else
			gain8(xv, g16, gm, &p0, &p1);

		_mm_storeu_si128(a, _mm_add_epi32(_mm_loadu_si128(a), p0));
		_mm_storeu_si128(a + 1,
				 _mm_add_epi32(_mm_loadu_si128(a + 1), p1));
	}

	mix_c_acc(acc + i, x + i, n - i, g);
}


static void sse2_out(int16_t *y, const int32_t *acc, size_t n)
{
	size_t i = 0;

	/* packssdw saturates to int16: exactly mix_sat16() */
	for (; i + 8 <= n; i += 8) {
		const __m128i *a = (const __m128i *)(acc + i);
		__m128i v = _mm_packs_epi32(_mm_loadu_si128(a),
					    _mm_loadu_si128(a + 1));

		_mm_storeu_si128((__m128i *)(y + i), v);
	}

	mix_c_out(y + i, acc + i, n - i);
}


static void sse2_out_minus(int16_t *y, const int32_t *acc, const int16_t *x,
			   size_t n, int32_t g)
{
	const __m128i g16 = _mm_set1_epi16((int16_t)(uint16_t)g);
	const __m128i gm  = _mm_set1_epi16(g >= 32768 ? -1 : 0);
	const int unity = g == 1 << MIX_GAIN_SHIFT;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		__m128i xv = _mm_loadu_si128((const __m128i *)(x + i));
		const __m128i *a = (const __m128i *)(acc + i);
		__m128i p0, p1;

		if (unity)
			widen(xv, &p0, &p1);
		else
			gain8(xv, g16, gm, &p0, &p1);

		p0 = _mm_sub_epi32(_mm_loadu_si128(a), p0);
		p1 = _mm_sub_epi32(_mm_loadu_si128(a + 1), p1);
		_mm_storeu_si128((__m128i *)(y + i), _mm_packs_epi32(p0, p1));
	}

	mix_c_out_minus(y + i, acc + i, x + i, n - i, g);
}


const struct mix_kern mix_kern_sse2 = {
	.name      = "sse2",
	.energy    = sse2_energy,
	.acc       = sse2_acc,
	.out       = sse2_out,
	.out_minus = sse2_out_minus,
};

#endif
