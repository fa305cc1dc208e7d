/**
 * @file codec_opus.c  Opus back end (libopus), mono at 48 kHz
 *
 * We send mono (RFC 7587 3.4 lets a receiver decode either); the decoder
 * downmixes a stereo stream to mono.
 */
#include <opus.h>
#include <re.h>
#include "codec.h"

enum {
	OPUS_BITRATE = 32000,   /* [bit/s] wideband speech, ample for a mix */
};

struct opus_st {
	OpusEncoder *enc;
	OpusDecoder *dec;
};


static void st_destructor(void *arg)
{
	struct opus_st *st = arg;

	if (st->enc)
		opus_encoder_destroy(st->enc);
	if (st->dec)
		opus_decoder_destroy(st->dec);
}


static int enc_alloc(void **stp, uint32_t frame, uint32_t complexity)
{
	struct opus_st *st;
	int oerr;

	st = mem_zalloc(sizeof(*st), st_destructor);
	if (!st)
		return ENOMEM;

	st->enc = opus_encoder_create(48000, 1, OPUS_APPLICATION_VOIP, &oerr);
	if (!st->enc) {
		mem_deref(st);
		return ENOMEM;
	}

	(void)opus_encoder_ctl(st->enc, OPUS_SET_BITRATE(OPUS_BITRATE));
	(void)opus_encoder_ctl(st->enc, OPUS_SET_COMPLEXITY(
				       complexity > 10 ? 10 : (int)complexity));

	*stp = st;
	return 0;
}


static int enc(void *arg, const int16_t *pcm, size_t n, uint8_t *out,
	       size_t *len)
{
	struct opus_st *st = arg;
	opus_int32 r;

	r = opus_encode(st->enc, pcm, (int)n, out, (opus_int32)*len);
	if (r < 0)
		return EINVAL;

	*len = (size_t)r;
	return 0;
}


static int dec_alloc(void **stp)
{
	struct opus_st *st;
	int oerr;

	st = mem_zalloc(sizeof(*st), st_destructor);
	if (!st)
		return ENOMEM;

	st->dec = opus_decoder_create(48000, 1, &oerr);
	if (!st->dec) {
		mem_deref(st);
		return ENOMEM;
	}

	*stp = st;
	return 0;
}


static int dec(void *arg, const uint8_t *pl, size_t len, int16_t *pcm,
	       size_t *n)
{
	struct opus_st *st = arg;
	int r;

	r = opus_decode(st->dec, pl, (opus_int32)len, pcm, (int)*n, 0);
	if (r < 0)
		return EBADMSG;

	*n = (size_t)r;
	return 0;
}


/* RFC 6716 4.4: packet loss concealment, or the lost frame rebuilt from
 * the next packet's in-band FEC (LBRR) when it has one */
static int conceal(void *arg, const uint8_t *fec, size_t fec_len,
		   int16_t *pcm, size_t n)
{
	struct opus_st *st = arg;
	int r;

	r = opus_decode(st->dec, fec, (opus_int32)fec_len, pcm, (int)n,
			fec ? 1 : 0);
	if (r < 0 && fec)
		r = opus_decode(st->dec, NULL, 0, pcm, (int)n, 0);

	return r < 0 ? EBADMSG : 0;
}


const struct codec_be codec_be_opus = {enc_alloc, enc, dec_alloc, dec,
				       conceal};


/**
 * Whether an Opus packet may carry voice, by the encoder's own voice
 * activity flags. In SILK-only and hybrid packets the first frame's LP
 * layer begins with one VAD flag per 20 ms SILK frame, each coded with
 * probability 1/2 (RFC 6716 4.2.3), so they are the top bits of the
 * frame's first byte. CELT-only and stereo packets, and packets whose
 * first frame does not start right after the TOC byte (codes 2 and 3,
 * RFC 6716 3.2), are taken as voice.
 *
 * @param pl   Opus packet
 * @param len  Length [bytes]
 *
 * @return false if the encoder flagged every SILK frame as inactive
 */
bool opus_pkt_voice(const uint8_t *pl, size_t len)
{
	static const uint8_t silk_frames[4] = {1, 1, 2, 3};  /* by size */
	uint8_t config, mask;

	if (!pl || len < 2)
		return true;

	config = pl[0] >> 3;
	if (config >= 16 || (pl[0] & 0x04) || (pl[0] & 0x03) > 1)
		return true;

	mask = (uint8_t)(0xff00 >> (config < 12 ? silk_frames[config & 3] :
				      1));
	return (pl[1] & mask) != 0;
}
