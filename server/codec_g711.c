/**
 * @file codec_g711.c  G.711 mu-law and A-law back ends (librem tables)
 */
#include <re.h>
#include <rem.h>
#include "codec.h"


/* G.711 is stateless: a non-NULL token stands for the state */
static int st_alloc(void **stp)
{
	*stp = mem_zalloc(1, NULL);
	return *stp ? 0 : ENOMEM;
}


static int enc_alloc(void **stp, uint32_t frame, uint32_t complexity)
{
	return st_alloc(stp);
}


static int enc_u(void *st, const int16_t *pcm, size_t n, uint8_t *out,
		 size_t *len)
{
	if (n > *len)
		return ENOMEM;

	for (size_t i = 0; i < n; i++)
		out[i] = g711_pcm2ulaw(pcm[i]);

	*len = n;
	return 0;
}


static int enc_a(void *st, const int16_t *pcm, size_t n, uint8_t *out,
		 size_t *len)
{
	if (n > *len)
		return ENOMEM;

	for (size_t i = 0; i < n; i++)
		out[i] = g711_pcm2alaw(pcm[i]);

	*len = n;
	return 0;
}


static int dec_u(void *st, const uint8_t *pl, size_t len, int16_t *pcm,
		 size_t *n)
{
	if (len > *n)
		len = *n;

	for (size_t i = 0; i < len; i++)
		pcm[i] = g711_ulaw2pcm(pl[i]);

	*n = len;
	return 0;
}


static int dec_a(void *st, const uint8_t *pl, size_t len, int16_t *pcm,
		 size_t *n)
{
	if (len > *n)
		len = *n;

	for (size_t i = 0; i < len; i++)
		pcm[i] = g711_alaw2pcm(pl[i]);

	*n = len;
	return 0;
}


const struct codec_be codec_be_pcmu = {enc_alloc, enc_u, st_alloc, dec_u,
				       NULL};
const struct codec_be codec_be_pcma = {enc_alloc, enc_a, st_alloc, dec_a,
				       NULL};
