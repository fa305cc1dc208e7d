/**
 * @file codec.h  Audio codecs: table, encoders and decoders at the room rate
 *
 * Encoders take int16 mono audio at the room rate (48 kHz), resample to the
 * codec's rate and emit one packet per ptime. Decoders return audio at the
 * room rate. Both belong to the media thread that made them.
 */

#ifndef CHORUS_CODEC_H
#define CHORUS_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum codec_id {
	CODEC_OPUS = 0,
	CODEC_G722,
	CODEC_PCMU,
	CODEC_PCMA,
	CODEC_COUNT
};

enum {
	ROOM_SRATE   = 48000,  /* room mixing rate [Hz]          */
	PKT_MAX      = 1500,   /* largest payload we emit [bytes] */
	PTIME_MIN    = 10,     /* [ms] */
	PTIME_MAX    = 120,    /* [ms] */
	PTIME_DEFAULT = 20,    /* [ms] */
	ROOM_TICK_MS = 20,     /* the room clock's period [ms]  */
	ROOM_FRAME = ROOM_SRATE / 1000 * ROOM_TICK_MS,  /* samples per tick */
};

struct codec {
	enum codec_id id;
	const char *name;    /* SDP encoding name                       */
	uint32_t clock;      /* RTP clock rate [Hz] (RFC 3551 4.5.2)    */
	uint32_t srate;      /* audio sample rate [Hz]                  */
	uint8_t ch;          /* SDP channel count                       */
	int pt;              /* payload type we offer                   */
	const char *fmtp;    /* fmtp we offer, or NULL                  */
};

const struct codec *codec_get(enum codec_id id);

struct aenc;
struct adec;

/* one encoded packet: payload, and its duration in RTP clock units */
typedef void (aenc_pkt_h)(const uint8_t *pl, size_t len, uint32_t dur,
			  void *arg);

int  aenc_alloc(struct aenc **encp, const struct codec *c, uint32_t ptime,
		uint32_t complexity);
int  aenc_push(struct aenc *enc, const int16_t *pcm, size_t n,
	       aenc_pkt_h *pkth, void *arg);

int  adec_alloc(struct adec **decp, const struct codec *c);
int  adec_decode(struct adec *dec, const uint8_t *pl, size_t len,
		 int16_t *pcm, size_t *n);
int  adec_conceal(struct adec *dec, const uint8_t *next, size_t next_len,
		  uint32_t dur, int16_t *pcm, size_t *n);
void adec_reset(struct adec *dec);

bool opus_pkt_voice(const uint8_t *pl, size_t len);

/* per-codec back ends (codec_opus.c, codec_g711.c, codec_g722.c) */
struct codec_be {
	int  (*enc_alloc)(void **stp, uint32_t frame, uint32_t complexity);
	int  (*enc)(void *st, const int16_t *pcm, size_t n, uint8_t *out,
		    size_t *len);
	int  (*dec_alloc)(void **stp);
	int  (*dec)(void *st, const uint8_t *pl, size_t len, int16_t *pcm,
		    size_t *n);
	/* conceal n samples; fec: a later packet's in-band FEC, or NULL.
	 * NULL op: the generic fade-out of the last frame is used */
	int  (*conceal)(void *st, const uint8_t *fec, size_t fec_len,
			int16_t *pcm, size_t n);
};

extern const struct codec_be codec_be_opus;
extern const struct codec_be codec_be_pcmu;
extern const struct codec_be codec_be_pcma;
extern const struct codec_be codec_be_g722;

#endif
