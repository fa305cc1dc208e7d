/**
 * @file load_audio.c  Pre-encoded talker and silence frames; codec timing
 *
 * Talkers send a speech-like signal: a voiced tone with twelve harmonics
 * whose pitch glides between about 70 and 190 Hz, 20% noise, and a 4 Hz
 * syllable envelope that never drops below 30% (so a talker stays above
 * chorusd's -50 dBFS speech threshold and keeps its place). Four seconds
 * are encoded once at start-up and looped; each talker starts at another
 * offset. Silent participants send what an encoder makes of digital
 * silence (see enum load_silence).
 *
 * Opus is encoded as chorusd encodes it (codec_opus.c): 48 kHz mono,
 * 20 ms, VOIP, 32 kbit/s, complexity 5.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <opus.h>
#include <re.h>
#include <rem.h>
#include "load.h"

enum {
	SRATE = 48000,             /* Opus input rate [Hz]              */
	FRAME48 = SRATE / 1000 * LOAD_PTIME,
	FRAME8 = 8000 / 1000 * LOAD_PTIME,
	SPEECH_FRAMES = 200,       /* 4 s looped                        */
	SIL_SKIP = 50,             /* encoder frames before DTX settles */
	SIL_FRAMES = 210,          /* 10 comfort-noise periods          */
	OPUS_BITRATE = 32000,      /* as chorusd [bit/s]                */
	OPUS_COMPLEXITY = 5,       /* of the frames we send             */
	OPUS_PT = 111,
	PCMU_PT = 0,
	COST_RUNS = 5,             /* timing runs, best taken           */
	COST_STATES = 16,          /* codec states used in turn, as a
				    * server with many rooms does        */
};


const char *load_silence_name(enum load_silence s)
{
	switch (s) {
	case LOAD_SIL_FRAMES: return "frames";
	case LOAD_SIL_DTX:    return "dtx";
	default:              return "full";
	}
}


/* n samples of voice v at srate, from sample 0 */
static void speech_gen(int16_t *pcm, size_t n, uint32_t srate, uint32_t v)
{
	uint32_t rnd = 0x9e3779b9u * (v + 1);
	double ph = 0.0;

	for (size_t i = 0; i < n; i++) {
		double t = (double)i / srate;
		double f0 = 130.0 + 15.0 * v +
			60.0 * sin(2 * M_PI * t / 1.7 + v);
		double env = 0.3 + 0.7 * (0.5 - 0.5 * cos(2 * M_PI * 4.0 * t));
		double s = 0.0, noise;

		ph += 2 * M_PI * f0 / srate;
		for (int h = 1; h <= 12 && h * f0 < 0.45 * srate; h++)
			s += sin(h * ph) / h;

		rnd = rnd * 1664525u + 1013904223u;
		noise = (double)(rnd >> 8) / (1u << 24) * 2.0 - 1.0;

		pcm[i] = (int16_t)(0.25 * 32767.0 * env *
				   (0.8 * s / 3.1 + 0.2 * noise));
	}
}


static OpusEncoder *enc_new(bool dtx, int complexity)
{
	OpusEncoder *enc;
	int oerr;

	enc = opus_encoder_create(SRATE, 1, OPUS_APPLICATION_VOIP, &oerr);
	if (!enc)
		return NULL;

	(void)opus_encoder_ctl(enc, OPUS_SET_BITRATE(OPUS_BITRATE));
	(void)opus_encoder_ctl(enc, OPUS_SET_COMPLEXITY(complexity));
	(void)opus_encoder_ctl(enc, OPUS_SET_DTX(dtx ? 1 : 0));

	return enc;
}


static int opus_frames(struct load_audio *a)
{
	int16_t *pcm = NULL, zero[FRAME48];
	OpusEncoder *enc;
	bool dtx = a->silence != LOAD_SIL_FULL;
	int err = 0;

	pcm = mem_alloc(SPEECH_FRAMES * FRAME48 * sizeof(*pcm), NULL);
	if (!pcm)
		return ENOMEM;

	speech_gen(pcm, SPEECH_FRAMES * FRAME48, SRATE, 0);

	enc = enc_new(false, OPUS_COMPLEXITY);
	if (!enc) {
		err = ENOMEM;
		goto out;
	}

	for (size_t i = 0; i < SPEECH_FRAMES; i++) {
		struct load_frame *f = &a->speech[i];
		opus_int32 r;

		r = opus_encode(enc, pcm + i * FRAME48, FRAME48, f->buf,
				sizeof(f->buf));
		if (r < 0) {
			err = EINVAL;
			goto out;
		}
		f->len = (uint16_t)r;
	}
	a->nspeech = SPEECH_FRAMES;
	opus_encoder_destroy(enc);

	enc = enc_new(dtx, OPUS_COMPLEXITY);
	if (!enc) {
		err = ENOMEM;
		goto out;
	}

	memset(zero, 0, sizeof(zero));
	for (size_t i = 0; i < SIL_SKIP + SIL_FRAMES; i++) {
		struct load_frame *f = &a->sil[i < SIL_SKIP ? 0 : i - SIL_SKIP];
		opus_int32 r;

		r = opus_encode(enc, zero, FRAME48, f->buf, sizeof(f->buf));
		if (r < 0) {
			err = EINVAL;
			goto out;
		}

		/* RFC 7587 3.1.3: a DTX sender sends nothing for the
		 * frames the encoder reduced to a TOC byte or two */
		f->len = (a->silence == LOAD_SIL_DTX && r <= 2) ?
			0 : (uint16_t)r;
	}
	a->nsil = SIL_FRAMES;

 out:
	if (enc)
		opus_encoder_destroy(enc);
	mem_deref(pcm);
	return err;
}


static int pcmu_frames(struct load_audio *a)
{
	int16_t *pcm;

	pcm = mem_alloc(SPEECH_FRAMES * FRAME8 * sizeof(*pcm), NULL);
	if (!pcm)
		return ENOMEM;

	speech_gen(pcm, SPEECH_FRAMES * FRAME8, 8000, 0);

	for (size_t i = 0; i < SPEECH_FRAMES; i++) {
		struct load_frame *f = &a->speech[i];

		for (size_t j = 0; j < FRAME8; j++)
			f->buf[j] = g711_pcm2ulaw(pcm[i * FRAME8 + j]);
		f->len = FRAME8;
	}
	a->nspeech = SPEECH_FRAMES;

	/* mu-law digital silence (0xff = +0) */
	memset(a->sil[0].buf, 0xff, FRAME8);
	a->sil[0].len = FRAME8;
	a->nsil = 1;

	mem_deref(pcm);
	return 0;
}


/**
 * Encode the talker and silence loops
 *
 * @param a        Zeroed on entry; load_audio_close() frees it
 * @param codec    LOAD_OPUS or LOAD_PCMU
 * @param silence  What silent Opus participants send
 *
 * @return 0 or errno
 */
int load_audio_init(struct load_audio *a, enum load_codec codec,
		    enum load_silence silence)
{
	memset(a, 0, sizeof(*a));
	a->codec = codec;
	a->silence = silence;

	a->speech = mem_zalloc(SPEECH_FRAMES * sizeof(*a->speech), NULL);
	a->sil = mem_zalloc(SIL_FRAMES * sizeof(*a->sil), NULL);
	if (!a->speech || !a->sil)
		return ENOMEM;

	if (codec == LOAD_PCMU) {
		a->pt = PCMU_PT;
		a->clock = 8000;
		a->ts_step = FRAME8;
		return pcmu_frames(a);
	}

	a->pt = OPUS_PT;
	a->clock = SRATE;             /* RFC 7587 4.1 */
	a->ts_step = FRAME48;
	return opus_frames(a);
}


void load_audio_close(struct load_audio *a)
{
	a->speech = mem_deref(a->speech);
	a->sil = mem_deref(a->sil);
}


static uint64_t ns_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}


/* Best of COST_RUNS: mean time to decode one of the frames fv[0..n),
 * COST_STATES decoders in turn, each at its own place in the loop
 * (frames with len 0 are skipped) [us per packet] */
static double dec_cost(const struct load_frame *fv, size_t n)
{
	OpusDecoder *decv[COST_STATES];
	int16_t pcm[FRAME48 * 6];
	double best = 1e30;
	int oerr;

	for (int run = 0; run < COST_RUNS; run++) {
		uint64_t t0, cnt = 0;
		double us;
		int nd;

		for (nd = 0; nd < COST_STATES; nd++) {
			decv[nd] = opus_decoder_create(SRATE, 1, &oerr);
			if (!decv[nd])
				break;
		}

		t0 = ns_now();
		for (size_t i = 0; i < n; i++) {
			for (int d = 0; d < nd; d++) {
				const struct load_frame *f =
					&fv[(i + (size_t)d * 13) % n];

				if (f->len && opus_decode(decv[d], f->buf,
							  f->len, pcm,
							  FRAME48 * 6, 0) > 0)
					cnt++;
			}
		}
		us = cnt ? (double)(ns_now() - t0) / 1000.0 / cnt : 0.0;

		while (nd--)
			opus_decoder_destroy(decv[nd]);

		if (cnt && us < best)
			best = us;
	}

	return best < 1e30 ? best : 0.0;
}


/* Best of COST_RUNS: mean time to encode one frame of pcm (nfr frames),
 * COST_STATES encoders in turn [us] */
static double enc_cost(const int16_t *pcm, size_t nfr, int complexity,
		       int *err)
{
	OpusEncoder *encv[COST_STATES];
	uint8_t pkt[LOAD_PKT_MAX];
	double best = 1e30;

	for (int run = 0; run < COST_RUNS; run++) {
		uint64_t t0, cnt = 0;
		int ne;

		for (ne = 0; ne < COST_STATES; ne++) {
			encv[ne] = enc_new(false, complexity);
			if (!encv[ne])
				break;
		}

		t0 = ns_now();
		for (size_t i = 0; i < nfr; i++) {
			for (int e = 0; e < ne; e++) {
				size_t fi = (i + (size_t)e * 13) % nfr;

				if (opus_encode(encv[e], pcm + fi * FRAME48,
						FRAME48, pkt, sizeof(pkt)) < 0)
					*err = EINVAL;
				cnt++;
			}
		}

		if (cnt) {
			double us = (double)(ns_now() - t0) / 1000.0 / cnt;

			if (us < best)
				best = us;
		}

		while (ne--)
			opus_encoder_destroy(encv[ne]);
	}

	return best < 1e30 ? best : 0.0;
}


/**
 * Time libopus at chorusd's settings on the calling thread's core
 *
 * @param cc  Result
 * @param a           Opus frames as this run sends them (talkers and
 *                    silence)
 * @param complexity  chorusd's Opus encoder complexity
 *
 * @return 0 or errno
 */
int load_codec_cost(struct load_codec_cost *cc, const struct load_audio *a,
		    int complexity)
{
	const size_t nfr = SPEECH_FRAMES;
	int16_t *mix, *v;
	size_t sent = 0;
	int err = 0;

	if (a->codec != LOAD_OPUS)
		return EINVAL;

	mix = mem_zalloc(nfr * FRAME48 * sizeof(*mix), NULL);
	v = mem_alloc(nfr * FRAME48 * sizeof(*v), NULL);
	if (!mix || !v) {
		err = ENOMEM;
		goto out;
	}

	/* what chorusd encodes: a mix of two voices */
	for (uint32_t k = 0; k < 2; k++) {
		speech_gen(v, nfr * FRAME48, SRATE, k + 1);
		for (size_t i = 0; i < nfr * FRAME48; i++)
			mix[i] = (int16_t)(mix[i] + v[i] / 2);
	}

	cc->enc_us = enc_cost(mix, nfr, complexity, &err);
	cc->dec_speech_us = dec_cost(a->speech, a->nspeech);
	cc->dec_sil_us = dec_cost(a->sil, a->nsil);

	for (size_t i = 0; i < a->nsil; i++)
		sent += a->sil[i].len ? 1 : 0;
	cc->sil_share = a->nsil ? (double)sent / a->nsil : 0.0;
	cc->dec_sil_us *= cc->sil_share;

 out:
	mem_deref(mix);
	mem_deref(v);
	return err;
}
