/**
 * @file sdpsec.c  The security of one m-line: SRTP keyed by SDES (RFC 4568)
 *                 or DTLS (RFC 5763), and RTP/RTCP multiplexing (RFC 5761)
 *
 * libre matches the offer's transport protocol against the line's
 * alternatives and answers with the offered one; this module reads what
 * came with it (a=crypto, a=fingerprint, a=setup, a=rtcp-mux), applies
 * the room's media_encryption policy, and writes our side of the same.
 * Nothing here touches a socket: the legs take the result to msec.c and
 * mdtls.c.
 */
#include <string.h>
#include <re.h>
#include "sdes.h"
#include "sdpsec.h"

/* Exported by libre 1.1.0 but missing from its public header: makes one
 * of the line's alternative protocols the one we offer */
bool sdp_media_proto_cmp(struct sdp_media *m, const struct pl *proto,
			 bool update);

struct sdpsec {
	struct sdp_media *m;          /* not owned: the dialog's line     */
	struct sdp_session *sess;
	struct sdes_crypto tx;        /* our SDES key, while agreed       */
	bool have_tx;
	struct sdes_crypto rx_last;   /* the peer's key it was made for   */
	struct sdes_crypto offered[MSEC_SUITE_COUNT];  /* our offer's lines */
	size_t offeredc;
	enum sdpsec_keying agreed;    /* what the last negotiation took   */
	bool dtls_active;
	bool mux;                     /* RTCP multiplexing agreed         */
};

static const char proto_savp[]   = "RTP/SAVP";
static const char proto_dtls[]   = "UDP/TLS/RTP/SAVP";


/**
 * Take the security of one m-line in hand: every RTP profile it may be
 * offered in becomes an alternative (RFC 3711 12, RFC 4585, RFC 5124,
 * RFC 5764 8)
 *
 * @param sp    Set on success
 * @param m     The line (outlives the state)
 * @param sess  Its session (for session-level a=fingerprint)
 *
 * @return 0 or errno
 */
int sdpsec_alloc(struct sdpsec **sp, struct sdp_media *m,
		 struct sdp_session *sess)
{
	struct sdpsec *s;
	int err;

	if (!sp || !m || !sess)
		return EINVAL;

	s = mem_zalloc(sizeof(*s), NULL);
	if (!s)
		return ENOMEM;

	s->m = m;
	s->sess = sess;

	err = sdp_media_set_alt_protos(m, 6, "RTP/AVP", "RTP/AVPF",
				       "RTP/SAVP", "RTP/SAVPF",
				       "UDP/TLS/RTP/SAVP",
				       "UDP/TLS/RTP/SAVPF");
	if (err)
		mem_deref(s);
	else
		*sp = s;

	return err;
}


/** "none", "sdes" or "dtls", as the API shows them */
const char *sdpsec_keying_name(enum sdpsec_keying k)
{
	switch (k) {

	case SDPSEC_SDES: return "sdes";
	case SDPSEC_DTLS: return "dtls";
	default:          return "none";
	}
}


static bool proto_is(const char *proto, const char *prefix)
{
	return proto && !strncmp(proto, prefix, strlen(prefix));
}


static void lattrs_clear(struct sdp_media *m)
{
	sdp_media_del_lattr(m, "crypto");
	sdp_media_del_lattr(m, "fingerprint");
	sdp_media_del_lattr(m, "setup");
	sdp_media_del_lattr(m, "rtcp-mux");
}


static bool key_same(const struct sdes_crypto *a, const struct sdes_crypto *b)
{
	return a->suite == b->suite && a->key_len == b->key_len &&
		!memcmp(a->key, b->key, a->key_len);
}


/* Answer with one a=crypto line: the tag and suite of the first offered
 * line we support (RFC 4568 7.1.1), our own key */
static int answer_sdes(struct sdpsec *s, const struct sdpsec_prm *prm,
		       bool mandatory, struct sdpsec_result *res,
		       const char **why)
{
	struct sdes_crypto rc;
	char line[128];
	int err;

	if (prm->menc == MENC_OFF) {
		if (!mandatory)
			return 0;  /* best effort (RFC 4568 7.1.1): plain */
		*why = "media encryption is off in this room";
		return ENOTSUP;
	}

	/* RFC 4568 8.3: keys in the clear are no secret */
	if (prm->menc == MENC_REQUIRED && !prm->tls) {
		*why = "this room takes SDES keys over TLS only (RFC 4568"
			" 8.3): call sips: or use DTLS-SRTP";
		return ENOTSUP;
	}

	err = sdes_pick(s->m, SDES_ALL, &rc);
	if (err) {
		if (!mandatory && prm->menc == MENC_OPTIONAL)
			return 0;
		*why = err == ENOENT ? "SRTP offered without a=crypto" :
			"no a=crypto line with a supported suite and key";
		return ENOTSUP;
	}

	/* a new key of ours for every new key of the peer's: a context
	 * made again starts its index at 0, and the same key with the same
	 * SSRC would repeat its keystream (RFC 3711 9.1) */
	if (!s->have_tx || !key_same(&rc, &s->rx_last)) {
		err = sdes_keygen(&s->tx, rc.tag, rc.suite);
		if (err)
			return err;
		s->have_tx = true;
		s->rx_last = rc;
	}
	s->tx.tag = rc.tag;

	err = sdes_encode(line, sizeof(line), &s->tx);
	if (!err)
		err = sdp_media_set_lattr(s->m, true, "crypto", "%s", line);
	if (err)
		return err;

	res->keying = SDPSEC_SDES;
	res->suite = rc.suite;
	memcpy(res->tx_key, s->tx.key, s->tx.key_len);
	memcpy(res->rx_key, rc.key, rc.key_len);

	return 0;
}


/* RFC 5763 5: the offerer says actpass, the answerer picks a role;
 * RFC 4145 4: no a=setup means active */
static int answer_dtls(struct sdpsec *s, const struct sdpsec_prm *prm,
		       struct sdpsec_result *res, const char **why)
{
	const char *fp, *setup;
	bool active;
	int err;

	if (prm->menc == MENC_OFF) {
		*why = "media encryption is off in this room";
		return ENOTSUP;
	}

	if (!prm->fp) {
		*why = "DTLS-SRTP is not available";
		return ENOTSUP;
	}

	fp = sdp_media_session_rattr(s->m, s->sess, "fingerprint");
	if (!fp || str_len(fp) >= sizeof(res->peer_fp)) {
		*why = "DTLS-SRTP offered without a=fingerprint (RFC 5763 5)";
		return ENOTSUP;
	}

	setup = sdp_media_session_rattr(s->m, s->sess, "setup");
	if (!setup || !str_casecmp(setup, "actpass") ||
	    !str_casecmp(setup, "active")) {
		active = false;
	}
	else if (!str_casecmp(setup, "passive")) {
		active = true;
	}
	else {
		*why = "a=setup is neither active, passive nor actpass";
		return ENOTSUP;
	}

	err = sdp_media_set_lattr(s->m, true, "fingerprint", "%s", prm->fp);
	err |= sdp_media_set_lattr(s->m, true, "setup", active ? "active" :
				   "passive");
	if (err)
		return err;

	res->keying = SDPSEC_DTLS;
	res->dtls_active = active;
	str_ncpy(res->peer_fp, fp, sizeof(res->peer_fp));

	return 0;
}


/**
 * After libre decoded an offer: what we answer on this line
 *
 * @param s     The line's state
 * @param prm   The dialog's policy
 * @param res   Filled with what is agreed
 * @param why   Set to a static reason on ENOTSUP (for a SIP Warning)
 *
 * @return 0, ENOTSUP if the offer is not acceptable, or errno
 */
int sdpsec_answer(struct sdpsec *s, const struct sdpsec_prm *prm,
		  struct sdpsec_result *res, const char **why)
{
	const char *proto;
	int err = 0;

	if (!s || !prm || !res || !why)
		return EINVAL;

	memset(res, 0, sizeof(*res));
	lattrs_clear(s->m);
	s->agreed = SDPSEC_NONE;

	/* a declined line (port 0, an unknown profile) agrees nothing */
	if (!sa_port(sdp_media_raddr(s->m)))
		return 0;

	proto = sdp_media_proto(s->m);

	/* RFC 5761 5.1.1: multiplexing offered is multiplexing answered */
	if (sdp_media_rattr(s->m, "rtcp-mux")) {
		err = sdp_media_set_lattr(s->m, true, "rtcp-mux", NULL);
		if (err)
			return err;
		res->mux = true;
	}

	if (proto_is(proto, proto_dtls))
		err = answer_dtls(s, prm, res, why);
	else if (proto_is(proto, proto_savp) ||
		 sdp_media_rattr(s->m, "crypto"))
		err = answer_sdes(s, prm, proto_is(proto, proto_savp), res,
				  why);
	else if (prm->menc == MENC_REQUIRED) {
		*why = "this room requires encrypted media (SRTP)";
		err = ENOTSUP;
	}

	if (err) {
		lattrs_clear(s->m);
		return err;
	}

	s->agreed = res->keying;
	s->dtls_active = res->dtls_active;
	s->mux = res->mux;
	if (res->keying != SDPSEC_SDES)
		s->have_tx = false;

	return 0;
}


static int proto_use(struct sdp_media *m, const char *proto)
{
	struct pl pl;

	pl_set_str(&pl, proto);
	return sdp_media_proto_cmp(m, &pl, true) ? 0 : ENOTSUP;
}


/* Every suite, GCM first, each under its own tag with a fresh key */
static int offer_sdes_all(struct sdpsec *s)
{
	char line[128];
	int err = 0;

	s->offeredc = 0;
	for (size_t i = 0; i < MSEC_SUITE_COUNT && !err; i++) {
		struct sdes_crypto *c = &s->offered[i];

		err = sdes_keygen(c, (uint32_t)i + 1, (enum msec_suite)i);
		if (!err)
			err = sdes_encode(line, sizeof(line), c);
		if (!err)
			err = sdp_media_set_lattr(s->m, false, "crypto", "%s",
						  line);
		if (!err)
			s->offeredc++;
	}

	return err;
}


/**
 * Before we make an offer (dial-out, an INVITE without SDP, a re-INVITE):
 * the profile and attributes of this line. What is agreed is offered
 * again as it is (RFC 3264 8), RTCP multiplexing too (RFC 5761 5.1.1); a
 * first offer has every SDES suite, AES-GCM first, in RTP/SAVP when the
 * room requires SRTP and as a best-effort RTP/AVP offer otherwise.
 *
 * @return 0, ENOTSUP when the policy leaves nothing to offer (a room that
 *         requires SRTP, signalling that is not TLS), or errno
 */
int sdpsec_offer(struct sdpsec *s, const struct sdpsec_prm *prm)
{
	char line[128];
	int err;

	if (!s || !prm)
		return EINVAL;

	lattrs_clear(s->m);

	if (s->mux) {
		err = sdp_media_set_lattr(s->m, true, "rtcp-mux", NULL);
		if (err)
			return err;
	}

	switch (s->agreed) {

	case SDPSEC_DTLS:
		err = sdp_media_set_lattr(s->m, true, "fingerprint", "%s",
					  prm->fp ? prm->fp : "");
		err |= sdp_media_set_lattr(s->m, true, "setup",
					   s->dtls_active ? "active" :
					   "passive");
		return err;

	case SDPSEC_SDES:
		/* the same line with a new key of ours: whatever key the
		 * peer answers with, the context is made again, and a new
		 * key keeps its SRTCP index from repeating a keystream
		 * (RFC 3711 9.1, RFC 4568 7.1.4) */
		err = sdes_keygen(&s->tx, s->tx.tag, s->tx.suite);
		if (!err)
			err = sdes_encode(line, sizeof(line), &s->tx);
		if (!err)
			err = sdp_media_set_lattr(s->m, true, "crypto", "%s",
						  line);
		s->offered[0] = s->tx;
		s->offeredc = 1;
		return err;

	default:
		break;
	}

	s->offeredc = 0;

	if (prm->menc == MENC_OFF)
		return proto_use(s->m, "RTP/AVP");

	if (prm->menc == MENC_REQUIRED && !prm->tls)
		return ENOTSUP;

	err = proto_use(s->m, prm->menc == MENC_REQUIRED ? "RTP/SAVP" :
			"RTP/AVP");
	if (!err)
		err = offer_sdes_all(s);

	return err;
}


/**
 * After libre decoded the answer to our offer: what is agreed
 *
 * @return 0, ENOTSUP if the answer is not acceptable (why says why), or
 *         errno
 */
int sdpsec_take(struct sdpsec *s, const struct sdpsec_prm *prm,
		struct sdpsec_result *res, const char **why)
{
	const struct sdes_crypto *ours = NULL;
	struct sdes_crypto rc;
	const char *line;

	if (!s || !prm || !res || !why)
		return EINVAL;

	memset(res, 0, sizeof(*res));

	/* RFC 5761 5.1.1: only what we offered can be answered */
	res->mux = s->mux && sdp_media_rattr(s->m, "rtcp-mux");

	if (s->agreed == SDPSEC_DTLS) {
		/* our re-offer of a DTLS call: the handshake stands */
		const char *fp = sdp_media_session_rattr(s->m, s->sess,
							 "fingerprint");

		res->keying = SDPSEC_DTLS;
		res->dtls_active = s->dtls_active;
		str_ncpy(res->peer_fp, fp ? fp : "", sizeof(res->peer_fp));
		s->mux = res->mux;
		return 0;
	}

	line = sdp_media_rattr(s->m, "crypto");
	if (!line) {
		if (proto_is(sdp_media_proto(s->m), proto_savp) ||
		    prm->menc == MENC_REQUIRED) {
			*why = "the answer has no a=crypto";
			return ENOTSUP;
		}
		s->agreed = SDPSEC_NONE;
		s->mux = res->mux;
		return 0;
	}

	/* RFC 4568 7.1.2: the answer names one of our tags, same suite */
	if (!sdes_decode(&rc, line)) {
		for (size_t i = 0; i < s->offeredc && !ours; i++) {
			if (s->offered[i].tag == rc.tag &&
			    s->offered[i].suite == rc.suite)
				ours = &s->offered[i];
		}
	}

	if (!ours) {
		*why = "the answer's a=crypto matches no line we offered";
		return ENOTSUP;
	}

	s->tx = *ours;
	s->have_tx = true;
	s->rx_last = rc;
	s->agreed = SDPSEC_SDES;
	s->mux = res->mux;

	res->keying = SDPSEC_SDES;
	res->suite = rc.suite;
	memcpy(res->tx_key, ours->key, ours->key_len);
	memcpy(res->rx_key, rc.key, rc.key_len);

	return 0;
}
