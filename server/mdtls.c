/**
 * @file mdtls.c  DTLS-SRTP for one media component (RFC 5763, RFC 5764)
 *
 * libre's DTLS runs the handshake on the component's own socket (its
 * UDP helper takes the datagrams whose first byte is 20..63, RFC 7983
 * 7). When it is up, the peer's certificate is checked against the
 * a=fingerprint of its SDP (RFC 5763 5), the SRTP keys are exported
 * (RFC 5764 4.2) and an msec is attached to the socket. Before that, a
 * gate on the socket drops RTP and RTCP both ways, so nothing goes out
 * or comes in clear.
 *
 * Thread: an association, its helpers and its socket belong to one
 * thread; the handshake's timers and the handler run on it.
 */
#include <stdatomic.h>
#include <string.h>
#include <re.h>
#include "log.h"
#include "mdtls.h"
#include "msec.h"

/* use_srtp profiles (RFC 5764 4.1.2, RFC 7714 14.2), ours first */
static const char profiles[] =
	"SRTP_AEAD_AES_256_GCM:SRTP_AEAD_AES_128_GCM:"
	"SRTP_AES128_CM_SHA1_80:SRTP_AES128_CM_SHA1_32";

enum { FP_MAX = 32 };           /* SHA-256 [B] */

struct mdtls {
	struct tls *tls;            /* not a reference: see mdtls_alloc()  */
	struct udp_sock *us;        /* a reference                         */
	struct udp_helper *gate;    /* no media until the keys exist       */
	struct dtls_sock *sock;
	struct tls_conn *tc;
	struct msec *ms;            /* once established                    */
	bool active;                /* DTLS client (a=setup:active)        */
	bool done;                  /* the handler was called              */
	enum tls_fingerprint fp_type;
	uint8_t fp[FP_MAX];         /* the peer's, from its SDP            */
	size_t fp_len;              /* [B]                                 */
	mdtls_estab_h *eh;
	void *arg;
	atomic_uint_fast64_t held;  /* RTP/RTCP dropped before the keys    */
};


static void destructor(void *arg)
{
	struct mdtls *d = arg;

	mem_deref(d->tc);           /* its close_notify goes by the sock */
	mem_deref(d->sock);
	mem_deref(d->ms);
	mem_deref(d->gate);
	mem_deref(d->us);
}


static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;

	return -1;
}


/* "sha-256 AB:CD:..." (RFC 8122 5: hash name case-insensitive, hex
 * upper case but read either way); sha-1 for older peers */
static int fp_parse(struct mdtls *d, const char *s)
{
	struct pl alg, hex;
	const char *sp;
	size_t i;

	sp = strchr(s, ' ');
	if (!sp)
		return EINVAL;

	alg.p = s;
	alg.l = (size_t)(sp - s);
	pl_set_str(&hex, sp + 1);
	while (hex.l && (hex.p[hex.l - 1] == ' ' ||
			 hex.p[hex.l - 1] == '\r' ||
			 hex.p[hex.l - 1] == '\n'))
		hex.l--;

	if (!pl_strcasecmp(&alg, "sha-256")) {
		d->fp_type = TLS_FINGERPRINT_SHA256;
		d->fp_len = 32;
	}
	else if (!pl_strcasecmp(&alg, "sha-1")) {
		d->fp_type = TLS_FINGERPRINT_SHA1;
		d->fp_len = 20;
	}
	else {
		return ENOTSUP;
	}

	if (hex.l != 3 * d->fp_len - 1)
		return EINVAL;

	for (i = 0; i < d->fp_len; i++) {
		int hi = hexval(hex.p[3 * i]), lo = hexval(hex.p[3 * i + 1]);

		if (hi < 0 || lo < 0)
			return EINVAL;
		if (i + 1 < d->fp_len && hex.p[3 * i + 2] != ':')
			return EINVAL;

		d->fp[i] = (uint8_t)(hi << 4 | lo);
	}

	return 0;
}


/* RFC 5763 5: the certificate must be the one the SDP named */
static int fp_verify(const struct mdtls *d)
{
	uint8_t md[FP_MAX];
	int err;

	err = tls_peer_fingerprint(d->tc, d->fp_type, md, sizeof(md));
	if (err)
		return err;

	return memcmp(md, d->fp, d->fp_len) ? EAUTH : 0;
}


static int suite_map(enum srtp_suite rs, enum msec_suite *s)
{
	switch (rs) {

	case SRTP_AES_256_GCM:
		*s = MSEC_AEAD_AES_256_GCM;
		return 0;

	case SRTP_AES_128_GCM:
		*s = MSEC_AEAD_AES_128_GCM;
		return 0;

	case SRTP_AES_CM_128_HMAC_SHA1_80:
		*s = MSEC_AES_CM_128_HMAC_SHA1_80;
		return 0;

	case SRTP_AES_CM_128_HMAC_SHA1_32:
		*s = MSEC_AES_CM_128_HMAC_SHA1_32;
		return 0;

	default:
		return ENOTSUP;
	}
}


/* Once; the handler may free d, so nothing after it */
static void report(struct mdtls *d, int err, enum msec_suite s)
{
	if (d->done)
		return;

	d->done = true;
	if (d->eh)
		d->eh(err, s, d->arg);
}


static void estab_handler(void *arg)
{
	struct mdtls *d = arg;
	uint8_t cli[MSEC_KEY_MAX], srv[MSEC_KEY_MAX];
	enum msec_suite s = MSEC_SUITE_COUNT;
	struct msec *ms = NULL;
	enum srtp_suite rs;
	int err;

	err = fp_verify(d);
	if (err) {
		log_warn("DTLS: the peer's certificate is not the one in "
			 "its SDP: %m", err);
		goto out;
	}

	err = tls_srtp_keyinfo(d->tc, &rs, cli, sizeof(cli), srv,
			       sizeof(srv));
	if (err)
		goto out;

	err = suite_map(rs, &s);
	if (err)
		goto out;

	/* RFC 5764 4.2: the client writes with the client key */
	err = msec_alloc(&ms, s, d->active ? cli : srv,
			 d->active ? srv : cli);
	if (err)
		goto out;

	err = msec_attach(ms, d->us);

 out:
	explicit_bzero(cli, sizeof(cli));
	explicit_bzero(srv, sizeof(srv));

	if (err) {
		mem_deref(ms);
		/* libre allows it here; the peer gets a close_notify */
		d->tc = mem_deref(d->tc);
	}
	else {
		d->ms = ms;
	}

	report(d, err, s);
}


/* Before it is up: the handshake failed or timed out. After: the keys
 * stay, the peer's media keeps coming under them */
static void close_handler(int err, void *arg)
{
	struct mdtls *d = arg;

	d->tc = mem_deref(d->tc);

	if (d->done) {
		log_debug("DTLS: closed after the handshake: %m", err);
		return;
	}

	report(d, err ? err : ECONNRESET, MSEC_SUITE_COUNT);
}


/* Passive: the first ClientHello makes the association; others from
 * elsewhere are ignored (one per component) */
static void conn_handler(const struct sa *peer, void *arg)
{
	struct mdtls *d = arg;
	int err;

	if (d->tc || d->done)
		return;

	err = dtls_accept(&d->tc, d->tls, d->sock, estab_handler, NULL,
			  close_handler, d);
	if (err)
		log_debug("DTLS: no handshake with %J: %m", peer, err);
}


/* RTP and RTCP (version 2, RFC 7983 7) */
static bool is_media(const struct mbuf *mb)
{
	return mbuf_get_left(mb) >= 1 && (mbuf_buf(mb)[0] >> 6) == 2;
}


static bool gate_send(int *err, struct sa *dst, struct mbuf *mb, void *arg)
{
	struct mdtls *d = arg;

	(void)dst;

	if (d->ms || !is_media(mb))
		return false;

	atomic_fetch_add_explicit(&d->held, 1, memory_order_relaxed);
	*err = ENOTCONN;

	return true;
}


static bool gate_recv(struct sa *src, struct mbuf *mb, void *arg)
{
	struct mdtls *d = arg;

	(void)src;

	if (d->ms || !is_media(mb))
		return false;

	atomic_fetch_add_explicit(&d->held, 1, memory_order_relaxed);

	return true;
}


/**
 * Make the server's DTLS context: a self-signed certificate, the peer's
 * certificate asked for (RFC 5763 5), the SRTP profiles Chorus speaks
 *
 * @param tlsp    Set to the context on success
 * @param fp      Set to its a=fingerprint value, "sha-256 AB:CD:..."
 * @param fpsize  Size of fp, at least MDTLS_FP_SIZE
 *
 * Main thread, at start-up; the context may then be used by
 * associations on any thread (OpenSSL's SSL_CTX may, once set up), and
 * is freed after the last of them.
 *
 * @return 0 if success, otherwise errorcode
 */
int mdtls_cert_alloc(struct tls **tlsp, char *fp, size_t fpsize)
{
	struct tls *tls = NULL;
	uint8_t md[32];
	size_t i, n = 0;
	int err;

	if (!tlsp || !fp || fpsize < MDTLS_FP_SIZE)
		return EINVAL;

	err = tls_alloc(&tls, TLS_METHOD_DTLS, NULL, NULL);
	if (err)
		goto out;

	/* 2048 bits: OpenSSL 3's default security level refuses less */
	err = tls_set_selfsigned_rsa(tls, "chorus", 2048);
	if (err)
		goto out;

	tls_set_verify_client(tls);

	err = tls_set_srtp(tls, profiles);
	if (err)
		goto out;

	err = tls_fingerprint(tls, TLS_FINGERPRINT_SHA256, md, sizeof(md));
	if (err)
		goto out;

	n = (size_t)re_snprintf(fp, fpsize, "sha-256 ");
	for (i = 0; i < sizeof(md); i++)
		n += (size_t)re_snprintf(fp + n, fpsize - n, "%s%02X",
					 i ? ":" : "", md[i]);

 out:
	if (err)
		mem_deref(tls);
	else
		*tlsp = tls;

	return err;
}


/**
 * Make one DTLS-SRTP association on a media component's socket
 *
 * @param dp       Set to the association on success
 * @param tls      The server's DTLS context (mdtls_cert_alloc())
 * @param us       The component's socket; RTP and RTCP on it are held
 *                 back from now until the keys exist
 * @param active   true to be the DTLS client (a=setup:active, RFC 5763
 *                 5: start with mdtls_connect()); false to wait for the
 *                 peer's ClientHello (a=setup:passive)
 * @param peer_fp  The peer's a=fingerprint value ("sha-256 AB:...")
 * @param eh       Called once, when up or failed
 * @param arg      Handler argument
 *
 * Holds a reference to us, not to tls: the context is shared by every
 * media thread and libre's reference counts are not atomic, so it must
 * outlive all associations (the server frees it after the media threads
 * stop). Call on the socket's thread.
 *
 * @return 0 if success, otherwise errorcode
 */
int mdtls_alloc(struct mdtls **dp, struct tls *tls, struct udp_sock *us,
		bool active, const char *peer_fp, mdtls_estab_h *eh,
		void *arg)
{
	struct mdtls *d;
	int err;

	if (!dp || !tls || !us || !peer_fp)
		return EINVAL;

	d = mem_zalloc(sizeof(*d), destructor);
	if (!d)
		return ENOMEM;

	d->tls = tls;
	d->us = mem_ref(us);
	d->active = active;
	d->eh = eh;
	d->arg = arg;
	atomic_init(&d->held, 0);

	err = fp_parse(d, peer_fp);
	if (err)
		goto out;

	err = udp_register_helper(&d->gate, us, MDTLS_LAYER, gate_send,
				  gate_recv, d);
	if (err)
		goto out;

	err = dtls_listen(&d->sock, NULL, us, 2, MDTLS_LAYER,
			  active ? NULL : conn_handler, d);

 out:
	if (err)
		mem_deref(d);
	else
		*dp = d;

	return err;
}


/**
 * Start the handshake as the DTLS client
 *
 * @param d     Association, made active
 * @param peer  The peer's address for this component
 *
 * @return 0 if success, otherwise errorcode
 */
int mdtls_connect(struct mdtls *d, const struct sa *peer)
{
	if (!d || !peer)
		return EINVAL;

	if (!d->active)
		return EPROTO;

	if (d->tc || d->done)
		return EALREADY;

	return dtls_connect(&d->tc, d->tls, d->sock, peer, estab_handler,
			    NULL, close_handler, d);
}


/**
 * Whether the keys exist and media flows (protected)
 *
 * @param d  Association
 *
 * @return true if established
 */
bool mdtls_estab(const struct mdtls *d)
{
	return d && d->ms;
}


/**
 * The SRTP context made at establishment, for its suite and counters
 *
 * @param d  Association
 *
 * @return The context (owned by d), or NULL before
 */
struct msec *mdtls_msec(const struct mdtls *d)
{
	return d ? d->ms : NULL;
}


/**
 * RTP and RTCP dropped before the keys existed (any thread)
 *
 * @param d  Association
 *
 * @return Count of packets, in and out
 */
uint64_t mdtls_held(const struct mdtls *d)
{
	return d ? atomic_load_explicit(&d->held, memory_order_relaxed) : 0;
}
