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
#include "../mixer/mixer.h"
#include "codec.h"
#include "cfg.h"
#include "log.h"
#include "sdpneg.h"
#include "room.h"
#include "part.h"
#include "sipd.h"

struct sipd {
	struct sip *sip;
	struct sipsess_sock *sock;
	struct sip_lsnr *lsnr;
	struct dnsc *dnsc;
	const struct config *cfg;
	struct rooms *rooms;
	void (*doneh)(void *arg);
	void *done_arg;
};

const char sipd_allow[] = "INVITE, ACK, BYE, CANCEL, OPTIONS, INFO";

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


void sipd_contact(char *buf, size_t sz, const char *user,
		  const struct sip_msg *msg, const struct config *cfg)
{
	struct sa sa = cfg->advertise;

	sa_set_port(&sa, sa_port(&msg->dst));
	re_snprintf(buf, sz, "sip:%s@%J%s", user, &sa,
		    sip_transp_param(msg->tp));
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


static bool method_known(const struct pl *met)
{
	static const char *known[] = {
		"INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "INFO",
		"REGISTER", "SUBSCRIBE", "NOTIFY", "MESSAGE", "REFER",
		"UPDATE", "PRACK", "PUBLISH",
	};

	for (size_t i = 0; i < ARRAY_SIZE(known); i++) {
		if (!pl_strcmp(met, known[i]))
			return true;
	}

	return false;
}


static bool method_allowed(const struct pl *met)
{
	static const char *allowed[] = {
		"INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "INFO",
	};

	for (size_t i = 0; i < ARRAY_SIZE(allowed); i++) {
		if (!pl_strcmp(met, allowed[i]))
			return true;
	}

	return false;
}


/* Headers that must appear exactly once (RFC 3261 20, 8.2 / RFC 4475
 * 3.3.8) */
static bool single_headers_ok(const struct sip_msg *msg)
{
	static const enum sip_hdrid once[] = {
		SIP_HDR_CALL_ID, SIP_HDR_FROM, SIP_HDR_TO, SIP_HDR_CSEQ,
	};

	for (size_t i = 0; i < ARRAY_SIZE(once); i++) {
		if (sip_msg_hdr_count(msg, once[i]) != 1)
			return false;
	}

	return sip_msg_hdr_count(msg, SIP_HDR_MAX_FORWARDS) <= 1 &&
		sip_msg_hdr_count(msg, SIP_HDR_CONTENT_LENGTH) <= 1;
}


static bool require_h(const struct sip_hdr *hdr, const struct sip_msg *msg,
		      void *arg)
{
	return true;  /* we support no extension (RFC 3261 8.2.2.3) */
}


/* RFC 3261 8.2.2.3: a Require we do not support gets 420 + Unsupported */
static bool check_require(struct sipd *sipd, const struct sip_msg *msg)
{
	const struct sip_hdr *hdr;
	char hdrs[512];

	if (!pl_strcmp(&msg->met, "ACK") || !pl_strcmp(&msg->met, "CANCEL"))
		return true;

	hdr = sip_msg_hdr_apply(msg, true, SIP_HDR_REQUIRE, require_h, NULL);
	if (!hdr)
		return true;

	re_snprintf(hdrs, sizeof(hdrs), "Unsupported: %r\r\n", &hdr->val);
	reply(sipd, msg, 420, "Bad Extension", hdrs);
	return false;
}


/* RFC 3261 8.2.3: a body we do not understand gets 415 */
static bool check_content(struct sipd *sipd, const struct sip_msg *msg)
{
	if (!mbuf_get_left(msg->mb))
		return true;

	if (msg_ctype_cmp(&msg->ctyp, "application", "sdp"))
		return true;

	reply(sipd, msg, 415, "Unsupported Media Type", accept_hdr);
	return false;
}


/* RFC 3261 8.2.2.1 and 8.2.1: version, scheme, method, header sanity */
static bool screen(struct sipd *sipd, const struct sip_msg *msg)
{
	char hdrs[128];

	if (pl_strcasecmp(&msg->ver, "SIP/2.0")) {
		reply(sipd, msg, 505, "Version Not Supported", NULL);
		return false;
	}

	if (!method_known(&msg->met)) {
		re_snprintf(hdrs, sizeof(hdrs), "Allow: %s\r\n", sipd_allow);
		reply(sipd, msg, 501, "Not Implemented", hdrs);
		return false;
	}

	if (!single_headers_ok(msg) || pl_cmp(&msg->met, &msg->cseq.met)) {
		reply(sipd, msg, 400, "Bad Request", NULL);
		return false;
	}

	if (pl_strcasecmp(&msg->uri.scheme, "sip") &&
	    pl_strcasecmp(&msg->uri.scheme, "sips")) {
		reply(sipd, msg, 416, "Unsupported URI Scheme", NULL);
		return false;
	}

	if (!method_allowed(&msg->met)) {
		re_snprintf(hdrs, sizeof(hdrs), "Allow: %s\r\n", sipd_allow);
		reply(sipd, msg, 405, "Method Not Allowed", hdrs);
		return false;
	}

	return check_require(sipd, msg);
}


static bool request_handler(const struct sip_msg *msg, void *arg)
{
	struct sipd *sipd = arg;
	char hdrs[256];

	if (!screen(sipd, msg))
		return true;

	if (!pl_strcmp(&msg->met, "OPTIONS")) {
		/* RFC 3261 11.2 */
		re_snprintf(hdrs, sizeof(hdrs), "Allow: %s\r\n%s"
			    "Accept-Encoding: identity\r\n"
			    "Accept-Language: en\r\n", sipd_allow, accept_hdr);
		reply(sipd, msg, 200, "OK", hdrs);
		return true;
	}

	if (!pl_strcmp(&msg->met, "INVITE") && !check_content(sipd, msg))
		return true;

	return false;  /* on to libre's session layer */
}


/* A new INVITE (no To tag): find the room and join it */
static void conn_handler(const struct sip_msg *msg, void *arg)
{
	struct sipd *sipd = arg;
	const struct config *cfg = sipd->cfg;
	const char *reason;
	struct room *room;
	struct part *p;
	char name[ROOM_NAME_MAX + 1] = "";
	uint16_t scode;
	int err = 0;

	if (msg->uri.user.l <= ROOM_NAME_MAX)
		pl_strcpy(&msg->uri.user, name, sizeof(name));

	room = rooms_name_valid(name) ? rooms_find(sipd->rooms, name) : NULL;
	if (!room && cfg->auto_create && rooms_name_valid(name))
		err = rooms_create(sipd->rooms, name, NULL, &room);
	else if (!room)
		err = ENOENT;
	else if (room_full(room))
		err = EBUSY;

	if (!err)
		err = part_accept(&p, room, sipd->sock, msg, cfg);

	if (!err)
		return;

	scode = sipd_status(err, &reason);
	log_info("INVITE %r from %J to room '%s': %u %s", &msg->from.auri,
		 &msg->src, name, scode, reason);
	(void)sip_treply(NULL, sipd->sip, msg, scode, reason);
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
}


static int dns_alloc(struct dnsc **dnscp)
{
	struct sa nsv[4];
	uint32_t nsn = ARRAY_SIZE(nsv);
	char domain[64];

	/* Peers are reached by the address in their Contact; DNS is only
	 * needed for a host name there. No resolver is not an error. */
	if (dns_srv_get(domain, sizeof(domain), nsv, &nsn))
		nsn = 0;

	return dnsc_alloc(dnscp, NULL, nsv, nsn);
}


/**
 * Start SIP on UDP and TCP at cfg->sip
 *
 * @return 0 or errno (EADDRINUSE if the port is taken)
 */
int sipd_alloc(struct sipd **sipdp, const struct config *cfg,
	       struct rooms *rooms)
{
	struct sipd *sipd;
	int err;

	sipd = mem_zalloc(sizeof(*sipd), destructor);
	if (!sipd)
		return ENOMEM;

	sipd->cfg = cfg;
	sipd->rooms = rooms;

	err = dns_alloc(&sipd->dnsc);
	if (err)
		goto out;

	err = sip_alloc(&sipd->sip, sipd->dnsc, 32, 32, 32, "Chorus",
			exit_handler, sipd);
	if (err)
		goto out;

	err  = sip_transp_add(sipd->sip, SIP_TRANSP_UDP, &cfg->sip);
	err |= sip_transp_add(sipd->sip, SIP_TRANSP_TCP, &cfg->sip);
	if (err) {
		err = EADDRINUSE;
		goto out;
	}

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
