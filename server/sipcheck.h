/**
 * @file sipcheck.h  Screening of incoming SIP requests (RFC 3261 8.2)
 */

#ifndef CHORUS_SIPCHECK_H
#define CHORUS_SIPCHECK_H

#include <re.h>

struct sipcheck {
	uint16_t scode;            /* final response to send            */
	const char *reason;        /* its reason phrase                 */
	struct pl unsupported;     /* for 420: the Require value        */
};

extern const char sipcheck_allow[];

bool sipcheck_request(const struct sip_msg *msg, struct sipcheck *res);
bool sipcheck_hdr_syntax(const struct pl *val);
bool sipcheck_uint32(const struct pl *pl);

bool sipcheck_uri_tls(const struct uri *u);

#endif
