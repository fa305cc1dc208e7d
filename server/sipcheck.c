/**
 * @file sipcheck.c  Screening of incoming SIP requests (RFC 3261 8.2)
 *
 * libre's parser is liberal; a UAS should still refuse what is malformed
 * (RFC 4475 3.1.2) or what it does not support, with the response the RFC
 * names. Pure functions of a parsed message: no I/O here.
 */
#include <string.h>
#include <re.h>
#include "sipcheck.h"

const char sipcheck_allow[] = "INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, "
	"REGISTER";


static bool in_list(const struct pl *met, const char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!pl_strcmp(met, v[i]))
			return true;
	}

	return false;
}


static bool method_known(const struct pl *met)
{
	static const char *const known[] = {
		"INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "INFO",
		"REGISTER", "SUBSCRIBE", "NOTIFY", "MESSAGE", "REFER",
		"UPDATE", "PRACK", "PUBLISH",
	};

	return in_list(met, known, ARRAY_SIZE(known));
}


static bool method_allowed(const struct pl *met)
{
	static const char *const allowed[] = {
		"INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "INFO",
		"REGISTER",
	};

	return in_list(met, allowed, ARRAY_SIZE(allowed));
}


/**
 * Whether pl is a decimal number that fits 32 bits (RFC 3261 8.1.1.5:
 * CSeq "MUST be expressible as a 32-bit unsigned integer")
 */
bool sipcheck_uint32(const struct pl *pl)
{
	uint64_t v = 0;

	if (!pl || !pl->l || pl->l > 10)
		return false;

	for (size_t i = 0; i < pl->l; i++) {
		if (pl->p[i] < '0' || pl->p[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(pl->p[i] - '0');
	}

	return v <= UINT32_MAX;
}


/**
 * Structural check of a Via, From, To or Contact value: quotes and angle
 * brackets balance, and no parameter or list element is empty (";;",
 * ";,", ",,", a trailing ';'), which the grammar of RFC 3261 25.1 never
 * allows outside a quoted string (RFC 4475 3.1.2.1, 3.1.2.6).
 */
bool sipcheck_hdr_syntax(const struct pl *val)
{
	bool quoted = false;
	int angle = 0;
	char prev = ',';   /* a leading ';' or ',' is empty too */

	for (size_t i = 0; i < val->l; i++) {
		char c = val->p[i];

		if (quoted) {
			if (c == '\\')
				i++;
			else if (c == '"')
				quoted = false;
			continue;
		}

		switch (c) {

		case '"':
			quoted = true;
			break;

		case '<':
			angle++;
			break;

		case '>':
			if (--angle < 0)
				return false;
			break;

		case ';':
		case ',':
			if (!angle && (prev == ';' || prev == ','))
				return false;
			break;

		case ' ':
		case '\t':
		case '\r':
		case '\n':
			continue;   /* LWS does not separate anything */

		default:
			break;
		}

		prev = c;
	}

	return !quoted && !angle && prev != ';' && prev != ',';
}


static bool syntax_h(const struct sip_hdr *hdr, const struct sip_msg *msg,
		     void *arg)
{
	return !sipcheck_hdr_syntax(&hdr->val);
}


static bool headers_ok(const struct sip_msg *msg)
{
	static const enum sip_hdrid once[] = {
		SIP_HDR_CALL_ID, SIP_HDR_FROM, SIP_HDR_TO, SIP_HDR_CSEQ,
	};
	static const enum sip_hdrid addr[] = {
		SIP_HDR_VIA, SIP_HDR_FROM, SIP_HDR_TO, SIP_HDR_CONTACT,
	};
	const struct sip_hdr *cl;
	struct pl num;

	/* RFC 3261 8.1.1, 20: exactly one of each (RFC 4475 3.3.8) */
	for (size_t i = 0; i < ARRAY_SIZE(once); i++) {
		if (sip_msg_hdr_count(msg, once[i]) != 1)
			return false;
	}

	if (sip_msg_hdr_count(msg, SIP_HDR_MAX_FORWARDS) > 1 ||
	    sip_msg_hdr_count(msg, SIP_HDR_CONTENT_LENGTH) > 1)
		return false;

	for (size_t i = 0; i < ARRAY_SIZE(addr); i++) {
		if (sip_msg_hdr_apply(msg, true, addr[i], syntax_h, NULL))
			return false;
	}

	/* RFC 3261 8.1.1.7: the CSeq method is the request's */
	if (pl_cmp(&msg->met, &msg->cseq.met))
		return false;

	if (re_regex(sip_msg_hdr(msg, SIP_HDR_CSEQ)->val.p,
		     sip_msg_hdr(msg, SIP_HDR_CSEQ)->val.l, "[^ \t\r\n]+", &num) ||
	    !sipcheck_uint32(&num))
		return false;

	/* RFC 3261 18.3: a Content-Length larger than the datagram's body
	 * (RFC 4475 3.1.2.2), or not a number (3.1.2.3), is an error */
	cl = sip_msg_hdr(msg, SIP_HDR_CONTENT_LENGTH);
	if (cl) {
		struct pl v = cl->val;

		if (!sipcheck_uint32(&v) ||
		    pl_u32(&v) > mbuf_get_left(msg->mb))
			return false;
	}

	return true;
}


static bool require_h(const struct sip_hdr *hdr, const struct sip_msg *msg,
		      void *arg)
{
	return true;  /* we support no extension */
}


static bool refuse(struct sipcheck *res, uint16_t scode, const char *reason)
{
	res->scode = scode;
	res->reason = reason;
	return false;
}


/**
 * Screen a request before the session layer sees it
 *
 * @param msg  Request
 * @param res  On refusal: the response to send
 *
 * @return true if the request may proceed
 */
bool sipcheck_request(const struct sip_msg *msg, struct sipcheck *res)
{
	const struct sip_hdr *req;
	bool ack_or_cancel = !pl_strcmp(&msg->met, "ACK") ||
		!pl_strcmp(&msg->met, "CANCEL");

	memset(res, 0, sizeof(*res));

	if (pl_strcasecmp(&msg->ver, "SIP/2.0"))
		return refuse(res, 505, "Version Not Supported");

	/* RFC 4475 3.1.2.18: an unknown method is 501 before all else */
	if (!method_known(&msg->met))
		return refuse(res, 501, "Not Implemented");

	if (!headers_ok(msg))
		return refuse(res, 400, "Bad Request");

	/* RFC 3261 8.2.2.1 */
	if (pl_strcasecmp(&msg->uri.scheme, "sip") &&
	    pl_strcasecmp(&msg->uri.scheme, "sips"))
		return refuse(res, 416, "Unsupported URI Scheme");

	if (!method_allowed(&msg->met))
		return refuse(res, 405, "Method Not Allowed");

	/* RFC 3261 8.2.2.3: no ACK or CANCEL gets a 420 */
	req = ack_or_cancel ? NULL :
		sip_msg_hdr_apply(msg, true, SIP_HDR_REQUIRE, require_h, NULL);
	if (req) {
		res->unsupported = req->val;
		return refuse(res, 420, "Bad Extension");
	}

	/* RFC 3261 8.2.3: an INVITE body we do not understand */
	if (!pl_strcmp(&msg->met, "INVITE") && mbuf_get_left(msg->mb) &&
	    !msg_ctype_cmp(&msg->ctyp, "application", "sdp"))
		return refuse(res, 415, "Unsupported Media Type");

	return true;
}


/** Whether a URI asks for TLS: sips: (RFC 3261 19.1), or transport=tls */
bool sipcheck_uri_tls(const struct uri *u)
{
	struct pl tp;

	return u && (!pl_strcasecmp(&u->scheme, "sips") ||
		     (!msg_param_decode(&u->params, "transport", &tp) &&
		      !pl_strcasecmp(&tp, "tls")));
}
