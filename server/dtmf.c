/**
 * @file dtmf.c  DTMF digits from RFC 4733 RTP events and SIP INFO
 *
 * Pure parsing: the participant decides what a digit does.
 */
#include <string.h>
#include <re.h>
#include "dtmf.h"


/**
 * The character for an RFC 4733 3.2 event code: 0-9 * # A-D
 *
 * @return the digit, or 0 for a code that is no DTMF digit
 */
char dtmf_digit(unsigned event)
{
	static const char map[] = "0123456789*#ABCD";

	return event < 16 ? map[event] : 0;
}


/**
 * Take one telephone-event packet (RFC 4733 2.3). An event is reported
 * once, on its first packet: every packet of one event carries the same
 * RTP timestamp (2.3.1), and the end packet is sent three times (2.5.1.4).
 *
 * @param rx     Receiver state of this stream
 * @param ts     The packet's RTP timestamp
 * @param pl     Payload
 * @param len    Payload length
 * @param digit  Set to the digit of a new event
 *
 * @return 0 for a new digit, EALREADY for a packet of a known event,
 *         EBADMSG for a malformed payload, ENOTSUP for a non-DTMF event
 */
int dtmf_rtp(struct dtmf_rx *rx, uint32_t ts, const uint8_t *pl,
	     size_t len, char *digit)
{
	char d;

	if (!pl || len < 4)
		return EBADMSG;

	if (rx->seen && rx->ts == ts)
		return EALREADY;

	d = dtmf_digit(pl[0]);
	if (!d)
		return ENOTSUP;

	rx->seen = true;
	rx->ts = ts;
	*digit = d;

	return 0;
}


/**
 * Take a SIP INFO body: application/dtmf-relay ("Signal=5") or
 * application/dtmf ("5"), the two forms phones send
 *
 * @return 0 and the digit, ENOTSUP for another content type, EBADMSG
 */
int dtmf_info(const struct pl *ctype_type, const struct pl *ctype_sub,
	      const uint8_t *body, size_t len, char *digit)
{
	struct pl sig;
	char c;

	if (pl_strcasecmp(ctype_type, "application"))
		return ENOTSUP;

	if (!pl_strcasecmp(ctype_sub, "dtmf-relay")) {
		if (re_regex((const char *)body, len, "Signal[ \t]*=[ \t]*[^ \t\r\n]+",
			     NULL, NULL, &sig) || sig.l != 1)
			return EBADMSG;
		c = sig.p[0];
	}
	else if (!pl_strcasecmp(ctype_sub, "dtmf")) {
		struct pl b = {(const char *)body, len};

		if (re_regex(b.p, b.l, "[^ \t\r\n]+", &sig) || sig.l > 2)
			return EBADMSG;
		/* a number 0-15 (event code) or the digit itself */
		if (sig.l == 2) {
			if (sig.p[0] < '0' || sig.p[0] > '9' ||
			    sig.p[1] < '0' || sig.p[1] > '9')
				return EBADMSG;
			c = dtmf_digit(pl_u32(&sig));
		}
		else if (sig.p[0] >= '0' && sig.p[0] <= '9') {
			c = dtmf_digit(pl_u32(&sig));
		}
		else {
			c = sig.p[0];
		}
	}
	else {
		return ENOTSUP;
	}

	if (c >= 'a' && c <= 'd')
		c = (char)(c - 'a' + 'A');

	if (!strchr("0123456789*#ABCD", c) || !c)
		return EBADMSG;

	*digit = c;
	return 0;
}
