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

struct adec {
	const struct codec *c;
	const struct codec_be *be;
	void *st;
	struct auresamp rs;       /* codec rate -> room rate           */
	int16_t buf[ROOM_SRATE * PTIME_MAX / 1000];
};


const struct codec *codec_get(enum codec_id id)
{
	return (unsigned)id < CODEC_COUNT ? &codecs[id] : NULL;
}


/**
 * Find a codec by its SDP rtpmap (RFC 4566 6: encoding names are
 * case-insensitive)
 *
 * @return the codec, or NULL if we do not support it
 */
const struct codec *codec_find(const char *name, uint32_t clock, uint8_t ch)
{
	for (size_t i = 0; i < CODEC_COUNT; i++) {
		const struct codec *c = &codecs[i];

		if (!str_casecmp(c->name, name) && c->clock == clock &&
		    (c->ch == ch || (ch == 0 && c->ch == 1)))
			return c;
	}

	return NULL;
}


static void aenc_destructor(void *arg)
{
	struct aenc *enc = arg;

	mem_deref(enc->st);
}


/**
 * Allocate an encoder for codec c at packet time ptime [ms]
 *
 * @return 0 or errno; *encp is set on success (caller owns the reference)
 */
int aenc_alloc(struct aenc **encp, const struct codec *c, uint32_t ptime)
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

	err = enc->be->enc_alloc(&enc->st, (uint32_t)enc->frame);

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


const struct codec *aenc_codec(const struct aenc *enc)
{
	return enc ? enc->c : NULL;
}


uint32_t aenc_ptime(const struct aenc *enc)
{
	return enc ? enc->ptime : 0;
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

	if (dec->c->srate == ROOM_SRATE)
		return dec->be->dec(dec->st, pl, len, pcm, n);

	/* never decode more than the output can hold after resampling */
	if (dn > *n * dec->c->srate / ROOM_SRATE)
		dn = *n * dec->c->srate / ROOM_SRATE;

	err = dec->be->dec(dec->st, pl, len, dec->buf, &dn);
	if (err)
		return err;

	return auresamp(&dec->rs, pcm, n, dec->buf, dn);
}
