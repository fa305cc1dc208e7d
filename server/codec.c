/**
 * @file codec.c  Codec table; encoder and decoder framing and resampling
 *
 * The room mixes at 48 kHz. G.711 runs at 8 kHz and G.722 at 16 kHz, both
 * exact integer ratios of 48 kHz, so librem's FIR resampler converts them
 * with a fixed sample count per frame.
 */
#include <string.h>
#include <re.h>
#include <rem.h>
#include "codec.h"

/* RFC 7587 7: opus is always opus/48000/2 in SDP, whatever is sent.
 * RFC 3551 4.5.2: G.722 uses an RTP clock of 8000 though it samples at
 * 16 kHz. */
static const struct codec codecs[CODEC_COUNT] = {
	[CODEC_OPUS] = {CODEC_OPUS, "opus", 48000, 48000, 2, 111,
			"minptime=10;useinbandfec=1"},
	[CODEC_G722] = {CODEC_G722, "G722", 8000, 16000, 1, 9, NULL},
	[CODEC_PCMU] = {CODEC_PCMU, "PCMU", 8000, 8000, 1, 0, NULL},
	[CODEC_PCMA] = {CODEC_PCMA, "PCMA", 8000, 8000, 1, 8, NULL},
};

static const struct codec_be *backends[CODEC_COUNT] = {
	[CODEC_OPUS] = &codec_be_opus,
	[CODEC_G722] = &codec_be_g722,
	[CODEC_PCMU] = &codec_be_pcmu,
	[CODEC_PCMA] = &codec_be_pcma,
};

enum {
	FIFO_MAX = ROOM_SRATE * PTIME_MAX / 1000 * 2,  /* [samples] */
};

struct aenc {
	const struct codec *c;
	const struct codec_be *be;
	void *st;                 /* back-end state                    */
	struct auresamp rs;       /* room rate -> codec rate           */
	uint32_t ptime;           /* packet time [ms]                  */
	size_t frame;             /* samples per packet, codec rate    */
	size_t fill;              /* samples waiting in fifo           */
	int16_t fifo[FIFO_MAX];   /* codec-rate samples                */
	uint8_t pkt[PKT_MAX];
};

enum {
	FADE_FRAMES = 3,          /* concealment fades out over this  */
	LAST_MAX = ROOM_SRATE * 20 / 1000,   /* last 20 ms kept       */
};

struct adec {
	const struct codec *c;
	const struct codec_be *be;
	void *st;
	struct auresamp rs;       /* codec rate -> room rate           */
	int16_t buf[ROOM_SRATE * PTIME_MAX / 1000];
	int16_t last[LAST_MAX];   /* last decoded audio, room rate     */
	size_t lastn;             /* [samples]                         */
	uint32_t faded;           /* concealed frames since real audio */
};


const struct codec *codec_get(enum codec_id id)
{
	return (unsigned)id < CODEC_COUNT ? &codecs[id] : NULL;
}

static void aenc_destructor(void *arg)
{
	struct aenc *enc = arg;

	mem_deref(enc->st);
}


/**
 * Allocate an encoder for codec c at packet time ptime [ms]
 *
 * @param complexity  Opus encoder complexity, 0-10 (others ignore it)
 *
 * @return 0 or errno; *encp is set on success (caller owns the reference)
 */
int aenc_alloc(struct aenc **encp, const struct codec *c, uint32_t ptime,
	       uint32_t complexity)
{
	struct aenc *enc;
	int err;

	if (!encp || !c || ptime < PTIME_MIN || ptime > PTIME_MAX)
		return EINVAL;

	enc = mem_zalloc(sizeof(*enc), aenc_destructor);
	if (!enc)
		return ENOMEM;

	enc->c = c;
	enc->be = backends[c->id];
	enc->ptime = ptime;
	enc->frame = c->srate * ptime / 1000;

	auresamp_init(&enc->rs);
	if (c->srate != ROOM_SRATE) {
		err = auresamp_setup(&enc->rs, ROOM_SRATE, 1, c->srate, 1);
		if (err)
			goto out;
	}

	err = enc->be->enc_alloc(&enc->st, (uint32_t)enc->frame, complexity);

 out:
	if (err)
		mem_deref(enc);
	else
		*encp = enc;

	return err;
}


/**
 * Push n samples of room-rate audio; emit every whole packet through pkth
 *
 * @return 0, or the first encoder error (the packet is dropped)
 */
int aenc_push(struct aenc *enc, const int16_t *pcm, size_t n,
	      aenc_pkt_h *pkth, void *arg)
{
	size_t outc = FIFO_MAX - enc->fill;
	uint32_t dur;
	int err;

	if (enc->c->srate == ROOM_SRATE) {
		outc = n < outc ? n : outc;
		memcpy(enc->fifo + enc->fill, pcm, outc * sizeof(int16_t));
	}
	else {
		err = auresamp(&enc->rs, enc->fifo + enc->fill, &outc, pcm,
			       n);
		if (err)
			return err;
	}

	enc->fill += outc;
	dur = (uint32_t)((uint64_t)enc->frame * enc->c->clock /
			 enc->c->srate);

	while (enc->fill >= enc->frame) {
		size_t len = sizeof(enc->pkt);

		err = enc->be->enc(enc->st, enc->fifo, enc->frame,
				   enc->pkt, &len);
		enc->fill -= enc->frame;
		memmove(enc->fifo, enc->fifo + enc->frame,
			enc->fill * sizeof(int16_t));
		if (err)
			return err;

		pkth(enc->pkt, len, dur, arg);
	}

	return 0;
}


static void adec_destructor(void *arg)
{
	struct adec *dec = arg;

	mem_deref(dec->st);
}


int adec_alloc(struct adec **decp, const struct codec *c)
{
	struct adec *dec;
	int err;

	if (!decp || !c)
		return EINVAL;

	dec = mem_zalloc(sizeof(*dec), adec_destructor);
	if (!dec)
		return ENOMEM;

	dec->c = c;
	dec->be = backends[c->id];

	auresamp_init(&dec->rs);
	if (c->srate != ROOM_SRATE) {
		err = auresamp_setup(&dec->rs, c->srate, 1, ROOM_SRATE, 1);
		if (err)
			goto out;
	}

	err = dec->be->dec_alloc(&dec->st);

 out:
	if (err)
		mem_deref(dec);
	else
		*decp = dec;

	return err;
}


static void keep_last(struct adec *dec, const int16_t *pcm, size_t n)
{
	size_t k = n < LAST_MAX ? n : LAST_MAX;

	memcpy(dec->last, pcm + n - k, k * sizeof(int16_t));
	dec->lastn = k;
	dec->faded = 0;
}


/**
 * Decode one payload to room-rate audio
 *
 * @param dec  Decoder
 * @param pl   Payload
 * @param len  Payload length [bytes]
 * @param pcm  Output buffer
 * @param n    In: capacity of pcm [samples]; out: samples written
 *
 * @return 0 or errno (EBADMSG for a payload the codec rejects)
 */
int adec_decode(struct adec *dec, const uint8_t *pl, size_t len,
		int16_t *pcm, size_t *n)
{
	size_t dn = ARRAY_SIZE(dec->buf);
	int err;

	if (dec->c->srate == ROOM_SRATE) {
		err = dec->be->dec(dec->st, pl, len, pcm, n);
	}
	else {
		/* never decode more than the output holds after resampling */
		if (dn > *n * dec->c->srate / ROOM_SRATE)
			dn = *n * dec->c->srate / ROOM_SRATE;

		err = dec->be->dec(dec->st, pl, len, dec->buf, &dn);
		if (!err)
			err = auresamp(&dec->rs, pcm, n, dec->buf, dn);
	}

	if (!err)
		keep_last(dec, pcm, *n);

	return err;
}


/* Generic concealment (G.711 Appendix I in spirit, much simpler): repeat
 * the last 20 ms, fading to silence over FADE_FRAMES repetitions */
static void fade_last(struct adec *dec, int16_t *pcm, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t k = dec->lastn ? i % dec->lastn : 0;
		int32_t g = (int32_t)(FADE_FRAMES - dec->faded);
		int32_t v = dec->lastn ? dec->last[k] : 0;

		if (k == 0 && i && dec->faded < FADE_FRAMES)
			dec->faded++;

		pcm[i] = g > 0 ? (int16_t)(v * g / (FADE_FRAMES + 1)) : 0;
	}

	if (dec->faded < FADE_FRAMES)
		dec->faded++;
}


/**
 * Conceal a lost packet of dur RTP units: Opus PLC, or Opus in-band FEC
 * from the next packet (RFC 6716 2.1.7); a fade of the last audio for
 * the other codecs
 *
 * @param dec       Decoder
 * @param next      The packet after the gap (Opus FEC), or NULL
 * @param next_len  Its length
 * @param dur       Duration to conceal [RTP clock units]
 * @param pcm       Output, room rate
 * @param n         In: capacity [samples]; out: samples written
 *
 * @return 0 or errno
 */
int adec_conceal(struct adec *dec, const uint8_t *next, size_t next_len,
		 uint32_t dur, int16_t *pcm, size_t *n)
{
	size_t want = (size_t)((uint64_t)dur * ROOM_SRATE / dec->c->clock);

	if (want > *n)
		want = *n;

	/* Opus conceals whole 2.5 ms steps (RFC 6716 2.1.4) */
	want -= want % (ROOM_SRATE / 400);

	*n = want;
	if (!want)
		return 0;

	if (dec->be->conceal)
		return dec->be->conceal(dec->st, next, next_len, pcm, want);

	fade_last(dec, pcm, want);
	return 0;
}


/* A new stream (SSRC change, resync): forget what was played */
void adec_reset(struct adec *dec)
{
	dec->lastn = 0;
	dec->faded = 0;
}
