/**
 * @file msec.c  SRTP and SRTCP for one media stream over libsrtp2
 *
 * Two libsrtp2 sessions per context: one outbound (any SSRC we send,
 * the tx key) and one inbound (any SSRC the peer sends, the rx key),
 * RFC 3711 3.2.3 and libsrtp2's key sharing by wildcard SSRC. Replay
 * protection on with libsrtp2's default window (128, RFC 3711 3.3.2);
 * a repeated sequence number out is allowed (allow_repeat_tx): a video
 * packet resent on a NACK goes out again with its number, and the same
 * keystream over the same bytes reveals nothing new (RFC 3711 9.1).
 *
 * No allocation per packet: the send helper protects into a buffer of
 * the context's, made at alloc and grown only for a larger packet than
 * any before. libsrtp2 clones a stream for each new SSRC in, once, and
 * only after that SSRC's first packet authenticates.
 *
 * Thread: a context, its helpers and its sockets belong to one thread
 * (the media thread of the stream). msec_stats() may be called on any.
 */
#include <stdatomic.h>
#include <string.h>
#include <srtp2/srtp.h>
#include <re.h>
#include "msec.h"

enum {
	MSEC_SOCK_MAX = 2,          /* RTP and RTCP port (no rtcp-mux)    */
	SRTCP_INDEX_LEN = 4,        /* E flag + SRTCP index, RFC 3711 3.4 */
	TX_SIZE = 1500 + MSEC_OVERHEAD,
	RTP_HDR_MIN = 12,           /* RFC 3550 5.1 */
	RTCP_HDR_MIN = 8,           /* RFC 3550 6.4.1 */
};

/* One socket the context is attached to */
struct msec_sock {
	struct msec *ms;            /* the owner, not a reference         */
	struct udp_sock *us;        /* a reference: outlives the helper   */
	struct udp_helper *uh;
};

struct msec {
	enum msec_suite suite;
	srtp_t tx;                  /* outbound session (tx key)          */
	srtp_t rx;                  /* inbound session (rx key)           */
	size_t tag_rtp;             /* SRTP auth tag [B]                  */
	size_t tag_rtcp;            /* SRTCP auth tag [B]                 */
	struct mbuf *txmb;          /* what the send helper protects      */
	struct msec_sock sockv[MSEC_SOCK_MAX];
	size_t sockc;

	atomic_uint_fast64_t auth_fail;
	atomic_uint_fast64_t replay;
	atomic_uint_fast64_t plain_rtcp;
	atomic_uint_fast64_t protect_fail;
};

static const char *suite_names[MSEC_SUITE_COUNT] = {
	[MSEC_AEAD_AES_256_GCM]        = "AEAD_AES_256_GCM",
	[MSEC_AEAD_AES_128_GCM]        = "AEAD_AES_128_GCM",
	[MSEC_AES_CM_128_HMAC_SHA1_80] = "AES_CM_128_HMAC_SHA1_80",
	[MSEC_AES_CM_128_HMAC_SHA1_32] = "AES_CM_128_HMAC_SHA1_32",
};

static unsigned init_refs;      /* main thread only */


static void count(atomic_uint_fast64_t *c)
{
	atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}


static uint64_t load(const atomic_uint_fast64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}


/* Version 2 (RFC 3550 5.1): RTP or RTCP, not STUN, DTLS, ZRTP
 * (RFC 7983 7) */
static bool is_rtp_or_rtcp(const uint8_t *p, size_t len)
{
	return len >= 1 && (p[0] >> 6) == 2;
}


/* RTCP by its packet type, 192..223 with the marker bit's place taken
 * (RFC 5761 4); else RTP */
static bool is_rtcp(const uint8_t *p, size_t len)
{
	uint8_t pt;

	if (len < 2)
		return false;

	pt = p[1] & 0x7f;

	return pt >= 64 && pt <= 95;
}


/*
 * Plain RTCP, by its shape: the compound's headers, each with its length
 * in 32-bit words minus one (RFC 3550 6.4.1), add up to the datagram
 * exactly. SRTCP adds the E flag and index and a tag after the last
 * packet (RFC 3711 3.4): 14 bytes with HMAC-SHA1, so never a multiple of
 * four; 20 with GCM, which ciphertext makes look like headers only by
 * chance, and then only if it does not authenticate (see unprotect).
 */
static bool rtcp_is_plain(const uint8_t *p, size_t len)
{
	size_t off = 0;

	while (off + 4 <= len) {
		if ((p[off] >> 6) != 2)
			return false;

		off += ((size_t)(p[off + 2] << 8 | p[off + 3]) + 1) * 4;
	}

	return off == len;
}


static void destructor(void *arg)
{
	struct msec *ms = arg;
	size_t i;

	for (i = 0; i < ms->sockc; i++) {
		mem_deref(ms->sockv[i].uh);
		mem_deref(ms->sockv[i].us);
	}

	if (ms->tx)
		srtp_dealloc(ms->tx);
	if (ms->rx)
		srtp_dealloc(ms->rx);

	mem_deref(ms->txmb);
}


/**
 * Initialise libsrtp2, once for the process; each call is matched by
 * msec_close(). Main thread, at start-up, before any msec_alloc().
 *
 * @return 0 if success, otherwise errorcode
 */
int msec_init(void)
{
	if (init_refs == 0 && srtp_init() != srtp_err_status_ok)
		return ENOSYS;

	init_refs++;

	return 0;
}


/**
 * Shut libsrtp2 down at the last call matching msec_init(). Main
 * thread, after the last context is freed.
 */
void msec_close(void)
{
	if (init_refs == 0)
		return;

	if (--init_refs == 0)
		(void)srtp_shutdown();
}


/**
 * The name of a suite in SDES (RFC 4568 6.2, RFC 7714 14.2)
 *
 * @param s  Suite
 *
 * @return The name, or "?" for no suite
 */
const char *msec_suite_name(enum msec_suite s)
{
	if ((unsigned)s >= MSEC_SUITE_COUNT)
		return "?";

	return suite_names[s];
}


/**
 * The suite of a name in an a=crypto line; the match is case-sensitive
 * (RFC 4568 9.2: the crypto-suite is a case-sensitive token)
 *
 * @param name  Name
 * @param s     Set to the suite if found
 *
 * @return true if it is one Chorus speaks
 */
bool msec_suite_from_name(const struct pl *name, enum msec_suite *s)
{
	unsigned i;

	if (!name || !s)
		return false;

	for (i = 0; i < MSEC_SUITE_COUNT; i++) {
		if (!pl_strcmp(name, suite_names[i])) {
			*s = (enum msec_suite)i;
			return true;
		}
	}

	return false;
}


/* RFC 4568 6.2.1, 6.2.2 (SRTCP keeps the 80-bit tag with the 32-bit
 * SRTP one: RFC 3711 5.2), RFC 7714 14.2 (16-byte tag) */
static int policy_set(srtp_policy_t *p, enum msec_suite s,
		      size_t *tag_rtp, size_t *tag_rtcp)
{
	switch (s) {

	case MSEC_AEAD_AES_256_GCM:
		srtp_crypto_policy_set_aes_gcm_256_16_auth(&p->rtp);
		srtp_crypto_policy_set_aes_gcm_256_16_auth(&p->rtcp);
		*tag_rtp = 16;
		*tag_rtcp = 16;
		break;

	case MSEC_AEAD_AES_128_GCM:
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtp);
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtcp);
		*tag_rtp = 16;
		*tag_rtcp = 16;
		break;

	case MSEC_AES_CM_128_HMAC_SHA1_80:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtcp);
		*tag_rtp = 10;
		*tag_rtcp = 10;
		break;

	case MSEC_AES_CM_128_HMAC_SHA1_32:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&p->rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtcp);
		*tag_rtp = 4;
		*tag_rtcp = 10;
		break;

	default:
		return EINVAL;
	}

	return 0;
}


static int session_create(srtp_t *sp, enum msec_suite s, srtp_ssrc_type_t t,
			  const uint8_t *key, size_t *tag_rtp,
			  size_t *tag_rtcp)
{
	uint8_t k[MSEC_KEY_MAX];
	srtp_policy_t p;
	srtp_err_status_t e;
	int err;

	memset(&p, 0, sizeof(p));
	err = policy_set(&p, s, tag_rtp, tag_rtcp);
	if (err)
		return err;

	/* libsrtp2 derives session keys from it and keeps no pointer */
	memcpy(k, key, msec_key_len(s));
	p.key = k;
	p.ssrc.type = t;
	p.window_size = 0;          /* libsrtp2's default, 128 */
	p.allow_repeat_tx = 1;
	p.next = NULL;

	e = srtp_create(sp, &p);
	explicit_bzero(k, sizeof(k));

	if (e == srtp_err_status_alloc_fail)
		return ENOMEM;

	return e == srtp_err_status_ok ? 0 : EINVAL;
}


/**
 * Make an SRTP context for one media stream
 *
 * @param msp     Set to the context on success
 * @param suite   Suite
 * @param tx_key  Our master key || master salt, msec_key_len(suite)
 *                bytes: what protects what we send
 * @param rx_key  The peer's: what it protects what it sends with
 *
 * The keys are copied (into libsrtp2's derived session keys). Call on
 * the thread that will use the context, after msec_init().
 *
 * @return 0 if success, otherwise errorcode
 */
int msec_alloc(struct msec **msp, enum msec_suite suite,
	       const uint8_t *tx_key, const uint8_t *rx_key)
{
	struct msec *ms;
	int err;

	if (!msp || !tx_key || !rx_key || (unsigned)suite >= MSEC_SUITE_COUNT)
		return EINVAL;

	ms = mem_zalloc(sizeof(*ms), destructor);
	if (!ms)
		return ENOMEM;

	ms->suite = suite;
	atomic_init(&ms->auth_fail, 0);
	atomic_init(&ms->replay, 0);
	atomic_init(&ms->plain_rtcp, 0);
	atomic_init(&ms->protect_fail, 0);

	err = session_create(&ms->tx, suite, ssrc_any_outbound, tx_key,
			     &ms->tag_rtp, &ms->tag_rtcp);
	if (err)
		goto out;

	err = session_create(&ms->rx, suite, ssrc_any_inbound, rx_key,
			     &ms->tag_rtp, &ms->tag_rtcp);
	if (err)
		goto out;

	ms->txmb = mbuf_alloc(TX_SIZE);
	if (!ms->txmb)
		err = ENOMEM;

 out:
	if (err)
		mem_deref(ms);
	else
		*msp = ms;

	return err;
}


/**
 * Protect one RTP or RTCP packet in place (RFC 3711 3.3, 3.4)
 *
 * @param ms  SRTP context
 * @param mb  The packet from mb->pos to mb->end; grown if the tag (and
 *            SRTCP index) do not fit, and on success mb->end moved past
 *            them
 *
 * RTCP is told from RTP by RFC 5761 4. Fails (counted in protect_fail)
 * for what is neither, for a short packet and for a sequence number
 * sent before.
 *
 * @return 0 if success, otherwise errorcode
 */
int msec_protect(struct msec *ms, struct mbuf *mb)
{
	srtp_err_status_t e;
	size_t len, need;
	bool rtcp;
	int n, err = 0;

	if (!ms || !mb)
		return EINVAL;

	len = mbuf_get_left(mb);
	if (!is_rtp_or_rtcp(mbuf_buf(mb), len) || len > 0xffff) {
		err = EBADMSG;
		goto out;
	}

	rtcp = is_rtcp(mbuf_buf(mb), len);
	need = mb->end + (rtcp ? SRTCP_INDEX_LEN + ms->tag_rtcp :
			  ms->tag_rtp);
	if (mb->size < need) {
		err = mbuf_resize(mb, need);
		if (err)
			goto out;
	}

	n = (int)len;
	if (rtcp)
		e = srtp_protect_rtcp(ms->tx, mbuf_buf(mb), &n);
	else
		e = srtp_protect(ms->tx, mbuf_buf(mb), &n);

	switch (e) {

	case srtp_err_status_ok:
		mb->end = mb->pos + (size_t)n;
		break;

	case srtp_err_status_replay_fail:
	case srtp_err_status_replay_old:
		err = EALREADY;
		break;

	case srtp_err_status_alloc_fail:
		err = ENOMEM;
		break;

	default:
		err = EBADMSG;
		break;
	}

 out:
	if (err)
		count(&ms->protect_fail);

	return err;
}


/**
 * Unprotect one SRTP or SRTCP packet in place (RFC 3711 3.3, 3.4)
 *
 * @param ms  SRTP context
 * @param mb  The packet from mb->pos to mb->end; on success mb->end is
 *            moved back over the tag (and SRTCP index)
 *
 * @return 0 if it authenticated; EALREADY for a replay or a packet
 *         older than the window (counted in replay); EPROTO for plain
 *         RTCP (counted in plain_rtcp); EAUTH for a failed tag, EBADMSG
 *         for what cannot be SRTP or SRTCP at all (too short, not
 *         version 2), both counted in auth_fail
 */
int msec_unprotect(struct msec *ms, struct mbuf *mb)
{
	srtp_err_status_t e;
	bool rtcp, plain = false;
	size_t len;
	int n, err = 0;

	if (!ms || !mb)
		return EINVAL;

	len = mbuf_get_left(mb);
	if (!is_rtp_or_rtcp(mbuf_buf(mb), len) || len > 0xffff) {
		err = EBADMSG;
		count(&ms->auth_fail);
		goto out;
	}

	rtcp = is_rtcp(mbuf_buf(mb), len);
	n = (int)len;
	if (rtcp) {
		/* judged before: a failed GCM open may leave the bytes
		 * changed */
		plain = rtcp_is_plain(mbuf_buf(mb), len);
		e = srtp_unprotect_rtcp(ms->rx, mbuf_buf(mb), &n);
	}
	else {
		e = srtp_unprotect(ms->rx, mbuf_buf(mb), &n);
	}

	if (e == srtp_err_status_ok) {
		mb->end = mb->pos + (size_t)n;
	}
	else if (plain) {
		err = EPROTO;
		count(&ms->plain_rtcp);
	}
	else if (e == srtp_err_status_replay_fail ||
		 e == srtp_err_status_replay_old) {
		err = EALREADY;
		count(&ms->replay);
	}
	else {
		err = e == srtp_err_status_auth_fail ? EAUTH : EBADMSG;
		count(&ms->auth_fail);
	}

 out:
	return err;
}


/* Out: a copy protected, so the caller's datagram stays as it was (the
 * video forwarder sends one to many receivers), sent on by the helpers
 * below this one */
static bool send_handler(int *err, struct sa *dst, struct mbuf *mb,
			 void *arg)
{
	struct msec_sock *s = arg;
	struct msec *ms = s->ms;
	struct mbuf *tx = ms->txmb;
	size_t len = mbuf_get_left(mb);

	if (!is_rtp_or_rtcp(mbuf_buf(mb), len))
		return false;

	if (tx->size < len + MSEC_OVERHEAD &&
	    mbuf_resize(tx, len + MSEC_OVERHEAD)) {
		count(&ms->protect_fail);
		*err = ENOMEM;
		return true;
	}

	memcpy(tx->buf, mbuf_buf(mb), len);
	tx->pos = 0;
	tx->end = len;

	*err = msec_protect(ms, tx);
	if (!*err)
		*err = udp_send_helper(s->us, dst, tx, s->uh);

	return true;
}


/* In: unprotected in place; what fails is dropped here */
static bool recv_handler(struct sa *src, struct mbuf *mb, void *arg)
{
	struct msec_sock *s = arg;

	(void)src;

	if (!is_rtp_or_rtcp(mbuf_buf(mb), mbuf_get_left(mb)))
		return false;

	return msec_unprotect(s->ms, mb) != 0;
}


/**
 * Protect all RTP and RTCP sent on a socket and unprotect all received
 *
 * @param ms  SRTP context
 * @param us  The stream's RTP socket, or its RTCP socket (call twice
 *            without rtcp-mux)
 *
 * A UDP helper at layer MSEC_LAYER. libre keeps a socket's helpers in
 * ascending layer order and calls them from the lowest up for a packet
 * in, from the highest down for a packet out: a lower layer is nearer
 * the wire. Under it may sit ICE or TURN (negative layers, as baresip
 * has them); datagrams that are not version 2 (STUN, DTLS, RFC 7983)
 * pass by untouched, so DTLS on the same socket sees its own. A packet
 * in that fails to unprotect is dropped and counted (msec_stats()).
 *
 * The helper goes when ms is freed; ms holds a reference to us until
 * then. Call on the socket's thread; the helpers run on it.
 *
 * @return 0 if success, otherwise errorcode
 */
int msec_attach(struct msec *ms, struct udp_sock *us)
{
	struct msec_sock *s;
	size_t i;
	int err;

	if (!ms || !us)
		return EINVAL;

	for (i = 0; i < ms->sockc; i++) {
		if (ms->sockv[i].us == us)
			return EALREADY;
	}

	if (ms->sockc >= MSEC_SOCK_MAX)
		return EOVERFLOW;

	s = &ms->sockv[ms->sockc];
	s->ms = ms;

	err = udp_register_helper(&s->uh, us, MSEC_LAYER, send_handler,
				  recv_handler, s);
	if (err)
		return err;

	s->us = mem_ref(us);
	ms->sockc++;

	return 0;
}


/**
 * The suite of a context
 *
 * @param ms  SRTP context
 *
 * @return Suite, MSEC_SUITE_COUNT for none
 */
enum msec_suite msec_suite(const struct msec *ms)
{
	return ms ? ms->suite : MSEC_SUITE_COUNT;
}


/**
 * Read a context's counters (any thread)
 *
 * @param ms  SRTP context
 * @param st  Set to the counters
 */
void msec_stats(const struct msec *ms, struct msec_stats *st)
{
	if (!st)
		return;

	memset(st, 0, sizeof(*st));
	if (!ms)
		return;

	st->auth_fail = load(&ms->auth_fail);
	st->replay = load(&ms->replay);
	st->plain_rtcp = load(&ms->plain_rtcp);
	st->protect_fail = load(&ms->protect_fail);
}
