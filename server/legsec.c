/**
 * @file legsec.c  The protection of one media stream's sockets: SRTP with
 *                 SDES keys, or a DTLS-SRTP handshake that makes them
 *
 * Every packet of the stream passes msec.c's UDP helpers, RTCP included
 * (RFC 3711 3.4: SRTCP is mandatory). A renegotiation that keeps the
 * keys (SDES) or the peer's certificate and our role (DTLS) keeps the
 * contexts, and with them the replay windows and rollover counters.
 */
#include <stdatomic.h>
#include <string.h>
#include <re.h>
#include "legsec.h"
#include "log.h"
#include "mdtls.h"
#include "msec.h"

struct legsec {
	struct sdpsec_result cur;     /* what is in place                 */
	struct msec *ms;              /* SDES: one context, both sockets  */
	struct mdtls *d_rtp;          /* DTLS: one association per port   */
	struct mdtls *d_rtcp;         /* NULL with rtcp-mux              */
	uint64_t owner;
};


static void destructor(void *arg)
{
	struct legsec *ls = arg;

	mem_deref(ls->d_rtcp);
	mem_deref(ls->d_rtp);
	mem_deref(ls->ms);
}


static bool same(const struct sdpsec_result *a, const struct sdpsec_result *b)
{
	size_t n = msec_key_len(a->suite);

	if (a->keying != b->keying)
		return false;

	switch (a->keying) {

	case SDPSEC_SDES:
		return a->suite == b->suite &&
			!memcmp(a->tx_key, b->tx_key, n) &&
			!memcmp(a->rx_key, b->rx_key, n);

	case SDPSEC_DTLS:
		return a->dtls_active == b->dtls_active &&
			!str_casecmp(a->peer_fp, b->peer_fp);

	default:
		return true;
	}
}


static int sdes_start(struct legsec *ls, struct rtp_sock *rs)
{
	int err;

	err = msec_alloc(&ls->ms, ls->cur.suite, ls->cur.tx_key,
			 ls->cur.rx_key);
	if (!err)
		err = msec_attach(ls->ms, rtp_sock(rs));
	if (!err)
		err = msec_attach(ls->ms, rtcp_sock(rs));

	return err;
}


static void estab_handler(int err, enum msec_suite suite, void *arg)
{
	struct legsec *ls = arg;

	if (err)
		log_warn("participant %llu: DTLS-SRTP failed: %m",
			 (unsigned long long)ls->owner, err);
	else
		log_info("participant %llu: DTLS-SRTP up: %s",
			 (unsigned long long)ls->owner, msec_suite_name(suite));
}


/* RFC 5764 4.1.2: RTP and, without multiplexing, RTCP have each their
 * own handshake; the client starts both (RFC 5763 5) */
static int dtls_start(struct legsec *ls, struct rtp_sock *rs,
		      struct tls *dtls, const struct sa *raddr,
		      const struct sa *raddr_rtcp)
{
	const struct sdpsec_result *r = &ls->cur;
	int err;

	if (!dtls)
		return ENOTSUP;

	err = mdtls_alloc(&ls->d_rtp, dtls, rtp_sock(rs), r->dtls_active,
			  r->peer_fp, estab_handler, ls);
	if (!err && !r->mux)
		err = mdtls_alloc(&ls->d_rtcp, dtls, rtcp_sock(rs),
				  r->dtls_active, r->peer_fp, estab_handler,
				  ls);
	if (err || !r->dtls_active)
		return err;

	err = mdtls_connect(ls->d_rtp, raddr);
	if (!err && ls->d_rtcp)
		err = mdtls_connect(ls->d_rtcp, raddr_rtcp);

	return err;
}


/**
 * Put a negotiation's protection on a stream's sockets (media thread)
 *
 * @param lsp         The stream's protection; NULL before the first, set
 *                    to NULL for plain RTP
 * @param rs          Its RTP/RTCP sockets
 * @param r           What was agreed
 * @param dtls        Our DTLS context (NULL: none)
 * @param raddr       The peer's RTP address (DTLS client: where to connect)
 * @param raddr_rtcp  The peer's RTCP address
 * @param owner       Participant id, for the log
 *
 * @return 0 or errno; on error the stream is left without protection
 *         and sends nothing (the caller ends the call)
 */
int legsec_apply(struct legsec **lsp, struct rtp_sock *rs,
		 const struct sdpsec_result *r, struct tls *dtls,
		 const struct sa *raddr, const struct sa *raddr_rtcp,
		 uint64_t owner)
{
	struct legsec *ls;
	int err;

	if (!lsp || !rs || !r)
		return EINVAL;

	if (*lsp && same(&(*lsp)->cur, r))
		return 0;

	*lsp = mem_deref(*lsp);
	if (r->keying == SDPSEC_NONE)
		return 0;

	ls = mem_zalloc(sizeof(*ls), destructor);
	if (!ls)
		return ENOMEM;

	ls->cur = *r;
	ls->owner = owner;

	switch (r->keying) {

	case SDPSEC_SDES:
		err = sdes_start(ls, rs);
		break;

	case SDPSEC_DTLS:
		err = dtls_start(ls, rs, dtls, raddr, raddr_rtcp);
		break;

	default:
		err = ENOTSUP;
		break;
	}

	if (err) {
		log_warn("participant %llu: SRTP: %m",
			 (unsigned long long)owner, err);
		mem_deref(ls);
		return err;
	}

	*lsp = ls;
	return 0;
}


/** Whether the stream is protected */
bool legsec_on(const struct legsec *ls)
{
	return ls != NULL;
}


static void add(struct legsec_stats *st, const struct msec *m)
{
	struct msec_stats ms;

	if (!m)
		return;

	msec_stats(m, &ms);
	st->auth_fail += ms.auth_fail;
	st->replay += ms.replay;
	st->plain_rtcp += ms.plain_rtcp;
}


/** What the API shows; zeroes for plain RTP (media thread: the
 * contexts are its) */
void legsec_stats(const struct legsec *ls, struct legsec_stats *st)
{
	const struct msec *m;

	memset(st, 0, sizeof(*st));
	if (!ls)
		return;

	st->keying = ls->cur.keying;
	m = ls->ms ? ls->ms : mdtls_msec(ls->d_rtp);
	if (m) {
		st->up = true;
		st->suite = msec_suite(m);
	}

	add(st, ls->ms);
	add(st, mdtls_msec(ls->d_rtp));
	add(st, mdtls_msec(ls->d_rtcp));
}
