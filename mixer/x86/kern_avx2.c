/**
 * @file kern_avx2.c  AVX2 mixer kernels (x86-64), bit-exact with C
 *
 * The only file built with -mavx2 (see mixer.mk); used only when the CPU
 * reports AVX2 (cpu.c). Tails fall back to the scalar kernels.
 */

#if defined(__x86_64__)

#include <immintrin.h>
#include "mixer/kern.h"


/* 8 samples from memory to 8 x int32, gained (vpmovsxwd + vpmulld) */
static inline __m256i gain8(const int16_t *x, __m256i g32, int unity)
{
	__m256i p = _mm256_cvtepi16_epi32(
		_mm_loadu_si128((const __m128i *)x));

	if (unity)
		return p;

	/* |x * g| < 2^31: vpmulld's low 32 bits are the whole product */
	return _mm256_srai_epi32(_mm256_mullo_epi32(p, g32), MIX_GAIN_SHIFT);
}


/* sum of the 64-bit lanes of s - h * 2^32 + h (see avx2_energy()) */
static inline uint64_t reduce(__m256i s, __m256i h)
{
	__m128i r;

	s = _mm256_add_epi64(_mm256_sub_epi64(s, _mm256_slli_epi64(h, 32)), h);
	r = _mm_add_epi64(_mm256_castsi256_si128(s),
			  _mm256_extracti128_si256(s, 1));

	return (uint64_t)_mm_cvtsi128_si64(r) +
		(uint64_t)_mm_extract_epi64(r, 1);
}


/* Exact for any input, 16 samples at a time: n must be a multiple of 16 */
static uint64_t energy_wide(const int16_t *x, size_t n)
{
	__m256i s = _mm256_setzero_si256(), h = _mm256_setzero_si256();
	size_t i;

	for (i = 0; i < n; i += 16) {
		__m256i a = _mm256_loadu_si256((const __m256i *)(x + i));

		a = _mm256_madd_epi16(a, a);
		s = _mm256_add_epi64(s, a);
		h = _mm256_add_epi64(h, _mm256_srli_epi64(a, 32));
	}

	return reduce(s, h);
}


/*
 * pmaddwd gives a^2 + b^2 <= 2^31 per 32-bit half (unsigned). Adding a
 * vector of them into 64-bit lanes as (lo + hi * 2^32) in s, and hi alone
 * in h, gives sum(lo) = s - h * 2^32 and the energy sum(lo) + h.
 *
 * The fast loop first adds two pmaddwd vectors as 64-bit lanes: each half
 * then holds a sum of two values, exact unless both are 2^31, i.e. four
 * INT16_MIN in a row. A set bit 31 in the first vector of a pair (o) flags
 * that case, and the frame is measured again with energy_wide(). Three
 * operations per 16 samples instead of four: the energy loop is the one
 * that reads every participant, so it sets the mixer's speed.
 */
static uint64_t avx2_energy(const int16_t *x, size_t n)
{
	__m256i s0 = _mm256_setzero_si256(), h0 = _mm256_setzero_si256();
	__m256i s1 = _mm256_setzero_si256(), h1 = _mm256_setzero_si256();
	__m256i o = _mm256_setzero_si256();
	uint64_t e;
	size_t i = 0;

	for (; i + 64 <= n; i += 64) {
		const __m256i *p = (const __m256i *)(x + i);
		__m256i a = _mm256_loadu_si256(p);
		__m256i b = _mm256_loadu_si256(p + 1);
		__m256i c = _mm256_loadu_si256(p + 2);
		__m256i d = _mm256_loadu_si256(p + 3);

		a = _mm256_madd_epi16(a, a);
		b = _mm256_madd_epi16(b, b);
		c = _mm256_madd_epi16(c, c);
		d = _mm256_madd_epi16(d, d);
		o = _mm256_or_si256(o, _mm256_or_si256(a, c));
		a = _mm256_add_epi64(a, b);
		c = _mm256_add_epi64(c, d);
		s0 = _mm256_add_epi64(s0, a);
		h0 = _mm256_add_epi64(h0, _mm256_srli_epi64(a, 32));
		s1 = _mm256_add_epi64(s1, c);
		h1 = _mm256_add_epi64(h1, _mm256_srli_epi64(c, 32));
	}

	/* then one vector at a time, into the same sums */
	for (; i + 16 <= n; i += 16) {
		__m256i a = _mm256_loadu_si256((const __m256i *)(x + i));

		a = _mm256_madd_epi16(a, a);
		s0 = _mm256_add_epi64(s0, a);
		h0 = _mm256_add_epi64(h0, _mm256_srli_epi64(a, 32));
	}

	if (_mm256_movemask_ps(_mm256_castsi256_ps(o)))
		e = energy_wide(x, i);
	else
		e = reduce(_mm256_add_epi64(s0, s1), _mm256_add_epi64(h0, h1));

	if (i < n)
		e += mix_c_energy(x + i, n - i);

	return e;
}


static void avx2_acc(int32_t *acc, const int16_t *x, size_t n, int32_t g)
{
	const __m256i g32 = _mm256_set1_epi32(g);
	const int unity = g == 1 << MIX_GAIN_SHIFT;
	size_t i = 0;

	for (; i + 16 <= n; i += 16) {
		__m256i *a = (__m256i *)(acc + i);
		__m256i p0 = gain8(x + i, g32, unity);
		__m256i p1 = gain8(x + i + 8, g32, unity);

		p0 = _mm256_add_epi32(_mm256_loadu_si256(a), p0);
		p1 = _mm256_add_epi32(_mm256_loadu_si256(a + 1), p1);
		_mm256_storeu_si256(a, p0);
		_mm256_storeu_si256(a + 1, p1);
	}

	mix_c_acc(acc + i, x + i, n - i, g);
}


/* vpackssdw works per 128-bit lane: samples come out as 0-3 8-11 4-7
 * 12-15; one cross-lane permute puts them back in order. */
static inline __m256i pack16(__m256i a0, __m256i a1)
{
	return _mm256_permute4x64_epi64(_mm256_packs_epi32(a0, a1), 0xd8);
}


static void avx2_out(int16_t *y, const int32_t *acc, size_t n)
{
	size_t i = 0;

	for (; i + 16 <= n; i += 16) {
		const __m256i *a = (const __m256i *)(acc + i);
		__m256i v = pack16(_mm256_loadu_si256(a),
				   _mm256_loadu_si256(a + 1));

		_mm256_storeu_si256((__m256i *)(y + i), v);
	}

	mix_c_out(y + i, acc + i, n - i);
}


static void avx2_out_minus(int16_t *y, const int32_t *acc, const int16_t *x,
			   size_t n, int32_t g)
{
	const __m256i g32 = _mm256_set1_epi32(g);
	const int unity = g == 1 << MIX_GAIN_SHIFT;
	size_t i = 0;

	for (; i + 16 <= n; i += 16) {
		const __m256i *a = (const __m256i *)(acc + i);
		__m256i p0 = gain8(x + i, g32, unity);
		__m256i p1 = gain8(x + i + 8, g32, unity);

		p0 = _mm256_sub_epi32(_mm256_loadu_si256(a), p0);
		p1 = _mm256_sub_epi32(_mm256_loadu_si256(a + 1), p1);
		_mm256_storeu_si256((__m256i *)(y + i), pack16(p0, p1));
	}

	mix_c_out_minus(y + i, acc + i, x + i, n - i, g);
}


const struct mix_kern mix_kern_avx2 = {
	.name      = "avx2",
	.energy    = avx2_energy,
	.acc       = avx2_acc,
	.out       = avx2_out,
	.out_minus = avx2_out_minus,
};

#endif
