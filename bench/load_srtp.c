/**
 * @file load_srtp.c  chorus-load --srtp: SDES keys and SRTP on the audio
 *
 * Each call offers RTP/SAVP with one a=crypto line of the chosen suite
 * and a fresh master key (RFC 4568 5.1.1); the answer's line, with the
 * same tag and suite, carries the key chorusd sends with (RFC 4568
 * 5.1.2, 6.1). One msec context per participant then protects every RTP
 * packet before it is sent and unprotects every one read, in place on
 * the packet buffer: load_rtp.c sends and receives on its own sockets,
 * not libre's, so msec_attach's UDP helpers do not apply. The audio has
 * no RTCP socket (load_rtp.c), so there is no SRTCP.
 *
 * Failures are counted by msec itself (msec_stats) and summed here.
 */
#include <string.h>
#include <re.h>
#include "load.h"

enum {
	TAG = 1,              /* the one line's tag (RFC 4568 9.1)   */
	CRYPTO_LEN = 160,     /* an a=crypto value, at most [bytes]  */
	WARN_MAX = 3,         /* answers refused, printed at most    */
};


static void refused(const struct load_part *p, const char *why)
{
	static unsigned n;

	if (n++ < WARN_MAX)
		re_fprintf(stderr, "chorus-load: call %u: SRTP answer "
			   "refused: %s\n", p->idx, why);
}


/**
 * Make participant p's key and write the offer's a=crypto line
 *
 * @param mb     The SDP offer, after its m=audio line
 * @param p      Participant; its key is kept in p->crypto until the
 *               answer
 * @param suite  The suite offered
 *
 * @return 0 or errno
 */
int load_srtp_offer(struct mbuf *mb, struct load_part *p,
		    enum msec_suite suite)
{
	char line[CRYPTO_LEN];
	int err;

	err = sdes_keygen(&p->crypto, TAG, suite);
	if (!err)
		err = sdes_encode(line, sizeof(line), &p->crypto);
	if (!err)
		err = mbuf_printf(mb, "a=crypto:%s\r\n", line);

	memset(line, 0, sizeof(line));

	return err;
}


/**
 * Read the answer's a=crypto line and make p's SRTP context: our
 * offered key to send, the answer's to receive. The offered key is
 * wiped either way.
 *
 * @param p    Participant, its offer made by load_srtp_offer()
 * @param b    The SDP answer (audio only)
 * @param len  Its length [bytes]
 *
 * @return 0, or EPROTO if the answer is not RTP/SAVP with our tag and
 *         suite, or errno
 */
int load_srtp_answer(struct load_part *p, const char *b, size_t len)
{
	struct sdes_crypto rc;
	char line[CRYPTO_LEN];
	struct pl port, val;
	int err = EPROTO;

	p->ms = mem_deref(p->ms);

	if (re_regex(b, len, "m=audio [0-9]+ RTP/SAVP ", &port)) {
		refused(p, "not RTP/SAVP");
		goto out;
	}
	if (re_regex(b, len, "a=crypto:[^\r\n]+", &val) ||
	    val.l >= sizeof(line)) {
		refused(p, "no a=crypto");
		goto out;
	}

	pl_strcpy(&val, line, sizeof(line));
	if (sdes_decode(&rc, line)) {
		refused(p, "a=crypto not understood");
		goto out;
	}
	if (rc.tag != p->crypto.tag || rc.suite != p->crypto.suite) {
		refused(p, "another tag or suite than offered");
		goto out;
	}

	err = msec_alloc(&p->ms, rc.suite, p->crypto.key, rc.key);
	if (err)
		refused(p, "libsrtp2 refused the keys");

 out:
	memset(&rc, 0, sizeof(rc));
	memset(p->crypto.key, 0, sizeof(p->crypto.key));

	return err;
}


/**
 * Protect one RTP packet in place (RFC 3711 3.3)
 *
 * @param p     Participant with an SRTP context
 * @param pkt   The packet; its buffer must have MSEC_OVERHEAD to spare
 * @param len   In: plain length; out: protected length [bytes]
 * @param size  The buffer's size [bytes]
 *
 * @return 0 or errno (counted in p's msec stats)
 */
int load_srtp_protect(struct load_part *p, uint8_t *pkt, size_t *len,
		      size_t size)
{
	struct mbuf mb = {pkt, size, 0, *len};
	int err;

	/* msec_protect would resize a buffer that is not libre's */
	if (size < *len + MSEC_OVERHEAD)
		return EINVAL;

	err = msec_protect(p->ms, &mb);
	if (!err)
		*len = mb.end;

	return err;
}


/**
 * Unprotect one received packet in place (RFC 3711 3.3)
 *
 * @param p    Participant with an SRTP context
 * @param pkt  The packet
 * @param len  In: received length; out: plain length [bytes]
 *
 * @return 0 or errno (counted in p's msec stats)
 */
int load_srtp_unprotect(struct load_part *p, uint8_t *pkt, size_t *len)
{
	struct mbuf mb = {pkt, *len, 0, *len};
	int err;

	err = msec_unprotect(p->ms, &mb);
	if (!err)
		*len = mb.end;

	return err;
}


/* Failures summed over every participant on SRTP, whole calls */
void load_srtp_stats(const struct load_part *partv, size_t n,
		     struct load_srtp_stats *st)
{
	memset(st, 0, sizeof(*st));

	for (size_t i = 0; i < n; i++) {
		struct msec_stats ms;

		if (!partv[i].ms)
			continue;

		msec_stats(partv[i].ms, &ms);
		st->parts++;
		st->unprotect_fail += ms.auth_fail + ms.replay +
			ms.plain_rtcp;
		st->protect_fail += ms.protect_fail;
	}
}
