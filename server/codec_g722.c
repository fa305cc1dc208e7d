/**
 * @file codec_g722.c  G.722 back end (FFmpeg adpcm_g722), 16 kHz mono
 */
#include <string.h>
#include <libavcodec/avcodec.h>
#include <libavutil/channel_layout.h>
#include <re.h>
#include "codec.h"

struct g722_st {
	AVCodecContext *ctx;
	AVFrame *frame;
	AVPacket *pkt;
};


static void st_destructor(void *arg)
{
	struct g722_st *st = arg;

	avcodec_free_context(&st->ctx);
	av_frame_free(&st->frame);
	av_packet_free(&st->pkt);
}


static int st_alloc(struct g722_st **stp, bool encoder, uint32_t frame)
{
	const AVCodec *codec;
	struct g722_st *st;
	int err = 0;

	codec = encoder ? avcodec_find_encoder(AV_CODEC_ID_ADPCM_G722) :
		avcodec_find_decoder(AV_CODEC_ID_ADPCM_G722);
	if (!codec)
		return ENOSYS;

	st = mem_zalloc(sizeof(*st), st_destructor);
	if (!st)
		return ENOMEM;

	st->ctx = avcodec_alloc_context3(codec);
	st->frame = av_frame_alloc();
	st->pkt = av_packet_alloc();
	if (!st->ctx || !st->frame || !st->pkt) {
		err = ENOMEM;
		goto out;
	}

	st->ctx->sample_rate = 16000;
	st->ctx->sample_fmt = AV_SAMPLE_FMT_S16;
	st->ctx->frame_size = (int)frame;   /* G.722 takes even counts */
	av_channel_layout_default(&st->ctx->ch_layout, 1);

	if (avcodec_open2(st->ctx, codec, NULL) < 0) {
		err = EINVAL;
		goto out;
	}

 out:
	if (err)
		mem_deref(st);
	else
		*stp = st;

	return err;
}


static int enc_alloc(void **stp, uint32_t frame, uint32_t complexity)
{
	return st_alloc((struct g722_st **)stp, true, frame);
}


static int enc(void *arg, const int16_t *pcm, size_t n, uint8_t *out,
	       size_t *len)
{
	struct g722_st *st = arg;
	int err = 0;

	st->frame->nb_samples = (int)n;
	st->frame->format = AV_SAMPLE_FMT_S16;
	if (av_channel_layout_copy(&st->frame->ch_layout, &st->ctx->ch_layout))
		return ENOMEM;
	if (av_frame_get_buffer(st->frame, 0) < 0)
		return ENOMEM;

	memcpy(st->frame->data[0], pcm, n * sizeof(int16_t));

	if (avcodec_send_frame(st->ctx, st->frame) < 0 ||
	    avcodec_receive_packet(st->ctx, st->pkt) < 0) {
		err = EINVAL;
		goto out;
	}

	if ((size_t)st->pkt->size > *len) {
		err = ENOMEM;
	}
	else {
		memcpy(out, st->pkt->data, (size_t)st->pkt->size);
		*len = (size_t)st->pkt->size;
	}

	av_packet_unref(st->pkt);
 out:
	av_frame_unref(st->frame);
	return err;
}


static int dec_alloc(void **stp)
{
	return st_alloc((struct g722_st **)stp, false, 0);
}


static int dec(void *arg, const uint8_t *pl, size_t len, int16_t *pcm,
	       size_t *n)
{
	struct g722_st *st = arg;
	size_t got = 0;
	int r;

	st->pkt->data = (uint8_t *)pl;
	st->pkt->size = (int)len;

	r = avcodec_send_packet(st->ctx, st->pkt);
	st->pkt->data = NULL;
	st->pkt->size = 0;
	if (r < 0)
		return EBADMSG;

	while (avcodec_receive_frame(st->ctx, st->frame) >= 0) {
		size_t c = (size_t)st->frame->nb_samples;

		if (c > *n - got)
			c = *n - got;

		memcpy(pcm + got, st->frame->data[0], c * sizeof(int16_t));
		got += c;
		av_frame_unref(st->frame);
	}

	*n = got;
	return 0;
}


const struct codec_be codec_be_g722 = {enc_alloc, enc, dec_alloc, dec,
				       NULL};
