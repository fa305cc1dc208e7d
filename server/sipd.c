/**
 * @file sipd.c  The SIP front: transports, request screening, INVITE routing
 *
 * Chorus is a UAS (RFC 3261 8.2): every request is screened here before
 * libre's session layer sees it, so that malformed or unsupported requests
 * get the response the RFC names, and an INVITE reaches a room only when it
 * is one we can serve.
 */
#include <string.h>
#include <re.h>
#include "cfg.h"
#include "log.h"
#include "registrar.h"
#include "rooms.h"
#include "sdpneg.h"
#include "sipauth.h"
#include "sipcheck.h"
#include "sipd.h"
#include "siptls.h"

struct sipd {
	struct sip *sip;
	struct sipsess_sock *sock;
	struct sip_lsnr *lsnr;
	struct dnsc *dnsc;
	struct tls *tls;          /* NULL: no SIP over TLS               */
	struct sipauth *auth;
	struct registrar *reg;
	const char *dtls_fp;      /* our DTLS a=fingerprint, NULL: none  */
	const struct config *cfg;
	struct rooms *rooms;
	void (*doneh)(void *arg);
	void *done_arg;
};

static const char accept_hdr[] = "Accept: application/sdp\r\n";


/**
 * Map an errno from the room and participant layers to a SIP final
 * response (the one place that does so)
 */
uint16_t sipd_status(int err, const char **reason)
{
	static const struct {
		int err;
		uint16_t scode;
		const char *reason;
	} map[] = {
		{ENOENT,     404, "Not Found"},
		{EBUSY,      486, "Busy Here"},
		{ENOTSUP,    488, "Not Acceptable Here"},
		{EBADMSG,    400, "Bad Request"},
		{EPROTO,     400, "Bad Request"},
		{EACCES,     403, "Forbidden"},
		{EADDRINUSE, 503, "Service Unavailable"},
		{ENOMEM,     503, "Service Unavailable"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(map); i++) {
		if (map[i].err == err) {
			*reason = map[i].reason;
			return map[i].scode;
		}
	}

	*reason = "Server Internal Error";
	return 500;
}


/**
 * Our Contact URI: the advertised address (not the socket's, which may be
 * 0.0.0.0 or a container's), the local port and the transport
 */
static void contact_uri(char *buf, size_t sz, const char *user,
			uint16_t port, enum sip_transp tp, bool sips,
			const struct config *cfg)
{
	struct sa sa = cfg->advertise;

	/* RFC 3261 12.1.1: a sips Request-URI wants a sips Contact, which
	 * means TLS without saying so (RFC 5630 4.1) */
	sa_set_port(&sa, port);
	re_snprintf(buf, sz, "%s:%s@%J%s", sips ? "sips" : "sip", user, &sa,
		    sips ? "" : sip_transp_param(tp));
}





/* sip:USER@HOST where HOST is us (our realm, our address) and USER has
 * registered: the contact it registered */
static const char *aor_contact(struct sipd *sipd, const struct uri *u)
{
	const struct config *cfg = sipd->cfg;
	char user[64], host[64];
	struct sa sa;
	bool ours;

	if (!pl_isset(&u->user) || u->user.l >= sizeof(user) ||
	    u->host.l >= sizeof(host))
		return NULL;

	pl_strcpy(&u->user, user, sizeof(user));
	pl_strcpy(&u->host, host, sizeof(host));

	ours = !str_casecmp(host, cfg->realm) ||
		(!sa_set_str(&sa, host, 0) &&
		 (sa_cmp(&sa, &cfg->advertise, SA_ADDR) ||
		  sa_cmp(&sa, &cfg->sip, SA_ADDR)));

	return ours ? registrar_lookup(sipd->reg, user, tmr_jiffies()) : NULL;
}


/* The next hop is an address: the host, or an maddr (RFC 3261 19.1.1) */
static bool uri_host_numeric(const struct uri *u)
{
	struct pl maddr;
	struct sa sa;

	if (!msg_param_decode(&u->params, "maddr", &maddr))
		return !sa_set(&sa, &maddr, 0);

	return !sa_set(&sa, &u->host, 0);
}


/**
 * Call uri into room (dial-out)
 *
 * @return 0 or errno (EPROTO for a URI that is not sip: or sips:, EBUSY
 *         for a full room, EDESTADDRREQ for a host name with no resolver)
 */
int sipd_dial(struct sipd *sipd, struct room *room, const char *uri,
	      struct part **pp)
{
	const struct config *cfg = sipd->cfg;
	const char *aor;
	char contact[160];
	struct pl pl;
	struct uri u;
	bool tls;

	pl_set_str(&pl, uri);
	if (uri_decode(&u, &pl) || (pl_strcasecmp(&u.scheme, "sip") &&
				    pl_strcasecmp(&u.scheme, "sips")) ||
	    !pl_isset(&u.host))
		return EPROTO;

	/* an address-of-record registered here: its contact */
	aor = aor_contact(sipd, &u);
	if (aor) {
		log_info("dial %s: registered at %s", uri, aor);
		uri = aor;
		pl_set_str(&pl, uri);
		if (uri_decode(&u, &pl))
			return EPROTO;
	}

	/* no resolver (SIP bound to one address or resolver off, see
	 * dns_alloc()) */
	if (!sipd->dnsc && !uri_host_numeric(&u))
		return EDESTADDRREQ;

	tls = sipcheck_uri_tls(&u);
	if (tls && !sipd->tls)
		return EPROTONOSUPPORT;

	if (tls)
		contact_uri(contact, sizeof(contact), room_name(room),
			    cfg->tls_port, SIP_TRANSP_TLS,
			    !pl_strcasecmp(&u.scheme, "sips"), cfg);
	else
		contact_uri(contact, sizeof(contact), room_name(room),
			    sa_port(&cfg->sip), SIP_TRANSP_UDP, false, cfg);

	return rooms_dial(sipd->rooms, room, sipd->sock, uri, contact, pp);
}


static void reply(struct sipd *sipd, const struct sip_msg *msg,
		  uint16_t scode, const char *reason, const char *hdrs)
{
	if (!pl_strcmp(&msg->met, "ACK"))
		return;  /* RFC 3261 17.2.1: never answer an ACK */

	if (hdrs)
		(void)sip_replyf(sipd->sip, msg, scode, reason,
				 "%sContent-Length: 0\r\n\r\n", hdrs);
	else
		(void)sip_reply(sipd->sip, msg, scode, reason);
}


/* Refuse a request the screening rejected, with the headers the
 * response code calls for */
static void refuse(struct sipd *sipd, const struct sip_msg *msg,
		   const struct sipcheck *chk)
{
	char hdrs[512] = "";

	switch (chk->scode) {

	case 405:
	case 501:
		/* RFC 3261 21.4.6, 21.5.2 */
		re_snprintf(hdrs, sizeof(hdrs), "Allow: %s\r\n",
			    sipcheck_allow);
		break;

	case 415:
		re_snprintf(hdrs, sizeof(hdrs), "%s", accept_hdr);
		break;

	case 420:
		/* RFC 3261 8.2.2.3 */
		re_snprintf(hdrs, sizeof(hdrs), "Unsupported: %r\r\n",
			    &chk->unsupported);
		break;

	default:
		break;
	}

	reply(sipd, msg, chk->scode, chk->reason, hdrs[0] ? hdrs : NULL);
}


/* RFC 3261 10.3: with a users file, a user registers only itself */
static void register_handle(struct sipd *sipd, const struct sip_msg *msg)
{
	char aor[64] = "", user[64] = "";
	struct mbuf *hdrs;
	uint16_t scode = 500;

	if (!pl_isset(&msg->to.uri.user) || msg->to.uri.user.l >= sizeof(aor)) {
		(void)sip_reply(sipd->sip, msg, 404, "Not Found");
		return;
	}
	pl_strcpy(&msg->to.uri.user, aor, sizeof(aor));

	if (sipauth_enabled(sipd->auth)) {
		if (!sipauth_check(sipd->auth, sipd->sip, msg, user,
				   sizeof(user)))
			return;
		if (strcmp(user, aor)) {
			log_info("REGISTER %s from %J as user %s: 403", aor,
				 &msg->src, user);
			(void)sip_reply(sipd->sip, msg, 403, "Forbidden");
			return;
		}
	}
	else if (sipauth_blocked(sipd->auth, sipd->sip, msg)) {
		return;
	}

	hdrs = mbuf_alloc(512);
	if (!hdrs || registrar_register(sipd->reg, msg, aor, tmr_jiffies(),
					hdrs, &scode)) {
		(void)sip_reply(sipd->sip, msg, 500, "Server Internal Error");
		mem_deref(hdrs);
		return;
	}

	log_info("REGISTER %s from %J: %u", aor, &msg->src, scode);
	(void)sip_replyf(sipd->sip, msg, scode, scode == 200 ? "OK" :
			 scode == 423 ? "Interval Too Brief" :
			 scode == 400 ? "Bad Request" :
			 scode == 503 ? "Service Unavailable" :
			 "Server Internal Error",
			 "%bContent-Length: 0\r\n\r\n", hdrs->buf, hdrs->end);
	mem_deref(hdrs);
}


static bool request_handler(const struct sip_msg *msg, void *arg)
{
	struct sipd *sipd = arg;
	struct sipcheck chk;
	char hdrs[256];

	if (!sipcheck_request(msg, &chk)) {
		log_debug("%r from %J refused: %u %s", &msg->met, &msg->src,
			  chk.scode, chk.reason);
		refuse(sipd, msg, &chk);
		return true;
	}

	if (!pl_strcmp(&msg->met, "REGISTER")) {
		register_handle(sipd, msg);
		return true;
	}

	if (!pl_strcmp(&msg->met, "OPTIONS")) {
		/* RFC 3261 11.2 */
		re_snprintf(hdrs, sizeof(hdrs), "Allow: %s\r\n%s"
			    "Accept-Encoding: identity\r\n"
			    "Accept-Language: en\r\n", sipcheck_allow,
			    accept_hdr);
		reply(sipd, msg, 200, "OK", hdrs);
		return true;
	}

	return false;  /* on to libre's session layer */
}


/* sip:ROOM@host or sip:ROOM*PIN@host: the room's name and the PIN */
static void uri_room(const struct pl *user, char *name, size_t nsz,
		     char *pin, size_t psz)
{
	struct pl r = *user, p = PL_INIT;
	const char *star = pl_strchr(user, '*');

	if (star) {
		r.l = (size_t)(star - user->p);
		p.p = star + 1;
		p.l = user->l - r.l - 1;
	}

	name[0] = pin[0] = '\0';
	if (r.l < nsz)
		pl_strcpy(&r, name, nsz);
	if (p.l < psz)
		pl_strcpy(&p, pin, psz);
}


/* Whether the room lets this caller in, before a call is made for it:
 * who it is, the PIN in its URI, the protection of its media */
static int admit(struct sipd *sipd, const struct room *room,
		 const struct sip_msg *msg, const char *pin, bool authed,
		 const char **why)
{
	const struct room_prm *prm = room_prm(room);
	struct sdpsec_prm sp = {prm->media_encryption,
				msg->tp == SIP_TRANSP_TLS, sipd->dtls_fp};
	char user[64];

	/* a room kept from a run that had a users file, in one that has
	 * none: nobody can be let in */
	if (prm->auth == AUTH_DIGEST && !authed &&
	    !sipauth_enabled(sipd->auth)) {
		*why = "this room authenticates callers and no users_file is"
			" configured";
		return EACCES;
	}

	if (prm->auth == AUTH_DIGEST && !authed &&
	    !sipauth_check(sipd->auth, sipd->sip, msg, user, sizeof(user)))
		return EINTR;   /* answered */

	if (pin[0] && prm->pin[0] && strcmp(pin, prm->pin)) {
		sipauth_failed(sipd->auth, &msg->src, "PIN");
		*why = "wrong PIN";
		return EACCES;
	}

	if (!mbuf_get_left(msg->mb))
		return 0;

	return sdpneg_screen(msg->mb, &sp, why);
}


static void refuse_invite(struct sipd *sipd, const struct sip_msg *msg,
			  const char *name, int err, const char *why)
{
	const char *reason;
	uint16_t scode = sipd_status(err, &reason);

	log_info("INVITE %r from %J to room '%s': %u %s%s%s", &msg->from.auri,
		 &msg->src, name, scode, reason, why ? ": " : "",
		 why ? why : "");

	/* RFC 3261 20.43: 399, what a person can read */
	if (why)
		(void)sip_treplyf(NULL, NULL, sipd->sip, msg, false, scode,
				  reason, "Warning: 399 %j \"%s\"\r\n"
				  "Content-Length: 0\r\n\r\n",
				  &sipd->cfg->advertise, why);
	else
		(void)sip_treply(NULL, sipd->sip, msg, scode, reason);
}


/* A new INVITE (no To tag): find the room and join it. With the server's
 * default auth digest, a caller is authenticated before a room is looked
 * up: without credentials, nobody learns which rooms exist. */
static void conn_handler(const struct sip_msg *msg, void *arg)
{
	struct sipd *sipd = arg;
	const struct config *cfg = sipd->cfg;
	struct room *room;
	char name[ROOM_NAME_MAX + 1], pin[ROOM_PIN_MAX + 1];
	char contact[160], user[64];
	const char *why = NULL;
	bool authed = false;
	int err = 0;

	if (sipauth_blocked(sipd->auth, sipd->sip, msg))
		return;

	if (cfg->auth == AUTH_DIGEST) {
		if (!sipauth_check(sipd->auth, sipd->sip, msg, user,
				   sizeof(user)))
			return;
		authed = true;
	}

	uri_room(&msg->uri.user, name, sizeof(name), pin, sizeof(pin));

	room = rooms_name_valid(name) ? rooms_find(sipd->rooms, name) : NULL;
	if (!room && cfg->auto_create && rooms_name_valid(name))
		err = rooms_create_auto(sipd->rooms, name, &room);
	else if (!room)
		err = ENOENT;

	if (!err)
		err = admit(sipd, room, msg, pin, authed, &why);

	contact_uri(contact, sizeof(contact), name, sa_port(&msg->dst),
		    msg->tp, !pl_strcasecmp(&msg->uri.scheme, "sips"), cfg);

	if (!err)
		err = rooms_accept(sipd->rooms, room, sipd->sock, msg, contact);

	if (!err)
		return;

	/* a refused call leaves no room behind */
	(void)rooms_end_if_idle(sipd->rooms, room);

	if (err != EINTR)
		refuse_invite(sipd, msg, name, err, why);
}


static void exit_handler(void *arg)
{
	struct sipd *sipd = arg;

	if (sipd->doneh)
		sipd->doneh(sipd->done_arg);
}


static void destructor(void *arg)
{
	struct sipd *sipd = arg;

	mem_deref(sipd->lsnr);
	mem_deref(sipd->sock);
	sip_close(sipd->sip, true);
	mem_deref(sipd->sip);
	mem_deref(sipd->dnsc);
	mem_deref(sipd->tls);
	mem_deref(sipd->auth);
	mem_deref(sipd->reg);
}


/*
 * The resolver follows the SIP address. libre 1.1.0's DNS client binds
 * its two UDP sockets to 0.0.0.0 and [::] (dnsc_alloc() takes no local
 * address), so by default (resolver auto) it is made only when SIP
 * listens on a wildcard address too. Bound to one address, SIP then has
 * no resolver and no socket anywhere else: peers are reached by the
 * address in their Via and Contact, and a dial-out takes an address
 * (sipd_dial() refuses a host name). resolver on makes it anyway. No
 * nameserver configured is not an error either.
 */
static int dns_alloc(struct dnsc **dnscp, const struct config *cfg)
{
	struct sa nsv[4];
	uint32_t nsn = ARRAY_SIZE(nsv);
	char domain[64];

	*dnscp = NULL;
	if (cfg->resolver == RESOLVER_OFF ||
	    (cfg->resolver == RESOLVER_AUTO && !sa_is_any(&cfg->sip))) {
		log_info("DNS resolver: off (%s: peers and dial-outs by "
			 "address)", cfg->resolver == RESOLVER_OFF ?
			 "resolver off" : "SIP on one address");
		return 0;
	}

	if (dns_srv_get(domain, sizeof(domain), nsv, &nsn))
		nsn = 0;

	log_info("DNS resolver: on, %u nameservers (its sockets on 0.0.0.0 "
		 "and [::])", nsn);

	return dnsc_alloc(dnscp, NULL, nsv, nsn);
}


struct laddr_ctx {
	struct sip *sip;
	struct tls *tls;        /* NULL: no TLS                             */
	uint16_t tls_port;
	const struct sa *any;   /* the wildcard address and port asked for */
	unsigned n;             /* transports added                         */
	int err;
};


/* UDP and TCP on one address, and TLS on its TLS port */
static int transp_add(const struct laddr_ctx *ctx, const struct sa *laddr)
{
	struct sa tladdr = *laddr;
	int err;

	err = sip_transp_add(ctx->sip, SIP_TRANSP_UDP, laddr);
	if (!err)
		err = sip_transp_add(ctx->sip, SIP_TRANSP_TCP, laddr);
	if (!err && ctx->tls) {
		sa_set_port(&tladdr, ctx->tls_port);
		err = sip_transp_add(ctx->sip, SIP_TRANSP_TLS, &tladdr,
				     ctx->tls);
	}

	return err;
}


static bool laddr_handler(const char *ifname, const struct sa *sa, void *arg)
{
	struct laddr_ctx *ctx = arg;
	struct sa laddr = *sa;
	(void)ifname;

	if (sa_af(sa) != sa_af(ctx->any) || sa_is_linklocal(sa))
		return false;

	sa_set_port(&laddr, sa_port(ctx->any));
	ctx->err = transp_add(ctx, &laddr);
	if (!ctx->err)
		++ctx->n;

	return ctx->err != 0;
}


/*
 * libre's sip_transp_add() wants a concrete address (EINVAL for 0.0.0.0
 * or ::), so a wildcard becomes one transport per interface address of
 * that family, loopback included.
 */
static int transp_add_any(struct sipd *sipd, const struct sa *any)
{
	struct laddr_ctx ctx = {sipd->sip, sipd->tls, sipd->cfg->tls_port,
				any, 0, 0};

	if (!sa_is_any(any))
		return transp_add(&ctx, any);

	(void)net_if_apply(laddr_handler, &ctx);
	if (ctx.err)
		return ctx.err;

	return ctx.n ? 0 : EADDRNOTAVAIL;
}


/** A caller failed a check made after its call was set up (a room PIN):
 * it counts towards its source's block */
void sipd_failed(struct sipd *sipd, const struct sa *src, const char *what)
{
	if (sipd)
		sipauth_failed(sipd->auth, src, what);
}


/** The authenticator, for /metrics */
const struct sipauth *sipd_auth(const struct sipd *sipd)
{
	return sipd ? sipd->auth : NULL;
}


/** Whether SIP over TLS is served */
bool sipd_tls(const struct sipd *sipd)
{
	return sipd && sipd->tls;
}


/* SIP over TLS when a certificate is configured; said once either way */
static int tls_setup(struct sipd *sipd)
{
	const struct config *cfg = sipd->cfg;
	char err[256] = "";
	int e;

	if (!cfg->tls_cert[0] || !cfg->tls_port) {
		log_info("SIP over TLS: off (%s)", cfg->tls_port ?
			 "no tls_cert configured" : "tls_port 0");
		return 0;
	}

	e = siptls_alloc(&sipd->tls, cfg->tls_cert, cfg->tls_key, err,
			 sizeof(err));
	if (e) {
		log_error("SIP over TLS: %s", err);
		return e;
	}

	log_info("SIP over TLS: port %u, certificate %s", cfg->tls_port,
		 cfg->tls_cert);
	return 0;
}


/**
 * Start SIP on UDP and TCP at cfg->sip, and TLS on its tls_port
 *
 * @return 0 or errno (EADDRINUSE if the port is taken)
 */
int sipd_alloc(struct sipd **sipdp, const struct config *cfg,
	       struct rooms *rooms)
{
	/* RFC 3261 10.2.1.1: an hour by default */
	static const struct registrar_prm reg_prm = {3600, 60, 86400, 10000,
						     10};
	struct sipd *sipd;
	int err;

	sipd = mem_zalloc(sizeof(*sipd), destructor);
	if (!sipd)
		return ENOMEM;

	sipd->cfg = cfg;
	sipd->rooms = rooms;
	sipd->dtls_fp = rooms_dtls_fp(rooms);

	err = dns_alloc(&sipd->dnsc, cfg);
	if (err)
		goto out;

	err = sip_alloc(&sipd->sip, sipd->dnsc, 32, 32, 32, "Chorus",
			exit_handler, sipd);
	if (err)
		goto out;

	err = tls_setup(sipd);
	if (err)
		goto out;

	err = sipauth_alloc(&sipd->auth, cfg, NULL, NULL);
	if (err)
		goto out;

	err = registrar_alloc(&sipd->reg, &reg_prm);
	if (err)
		goto out;

	err = transp_add_any(sipd, &cfg->sip);
	if (err)
		goto out;

	/* screen before the session layer sees anything */
	err = sip_listen(&sipd->lsnr, sipd->sip, true, request_handler, sipd);
	if (err)
		goto out;

	err = sipsess_listen(&sipd->sock, sipd->sip, 32, conn_handler, sipd);

 out:
	if (err)
		mem_deref(sipd);
	else
		*sipdp = sipd;

	return err;
}


/**
 * Stop taking calls and wait for the pending transactions (the BYEs) to
 * finish; doneh is called then.
 */
void sipd_shutdown(struct sipd *sipd, void (*doneh)(void *arg), void *arg)
{
	sipd->doneh = doneh;
	sipd->done_arg = arg;
	sip_close(sipd->sip, false);
}


/**
 * SIGHUP: read the users file again (and take a new realm or digest
 * algorithms), and the TLS certificate and key. All or nothing: the
 * certificate is checked first, then the users file is read and taken,
 * then the certificate is. Calls and TLS connections already up are not
 * touched.
 *
 * @param sipd  SIP front
 * @param cfg   The configuration read again
 * @param auth  Read the users file
 * @param tls   Read the certificate and key (if SIP over TLS is served)
 * @param what  Set to what changed for the log line ("users 2 -> 3 ...")
 * @param wsz   Its size
 * @param err   Set to a one-line reason on error
 * @param esz   Its size
 *
 * @return 0 or errno
 */
int sipd_reload(struct sipd *sipd, const struct config *cfg, bool auth,
		bool tls, char *what, size_t wsz, char *err, size_t esz)
{
	char users[96] = "";
	int e;

	if (!sipd || !cfg || !what || !err)
		return EINVAL;

	what[0] = '\0';
	tls = tls && sipd->tls;
	if (tls) {
		e = siptls_reload(sipd->tls, cfg->tls_cert, cfg->tls_key, true,
				  err, esz);
		if (e)
			return e;
	}

	if (auth) {
		e = sipauth_reload(sipd->auth, cfg, users, sizeof(users));
		if (e) {
			re_snprintf(err, esz, "users file %s: %m",
				    cfg->users_file, e);
			return e;
		}
	}

	if (tls) {
		e = siptls_reload(sipd->tls, cfg->tls_cert, cfg->tls_key,
				  false, err, esz);
		if (e)
			return e;
	}

	re_snprintf(what, wsz, "%s%s%s", users, users[0] && tls ? "; " : "",
		    tls ? "TLS certificate read again" : "");
	return 0;
}
