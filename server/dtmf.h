/**
 * @file dtmf.h  DTMF digits from RFC 4733 RTP events and SIP INFO
 */

#ifndef CHORUS_DTMF_H
#define CHORUS_DTMF_H

#include <re.h>

struct dtmf_rx {
	uint32_t ts;        /* RTP timestamp of the last event seen */
	bool seen;          /* ts is valid                          */
};

int  dtmf_rtp(struct dtmf_rx *rx, uint32_t ts, const uint8_t *pl,
	      size_t len, char *digit);
int  dtmf_info(const struct pl *ctype_type, const struct pl *ctype_sub,
	       const uint8_t *body, size_t len, char *digit);
char dtmf_digit(unsigned event);

#endif
