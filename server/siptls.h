/**
 * @file siptls.h  The TLS context of the SIP over TLS listener
 *                 (RFC 3261 26.2.1, RFC 5630)
 */

#ifndef CHORUS_SIPTLS_H
#define CHORUS_SIPTLS_H

#include <re.h>

int siptls_alloc(struct tls **tlsp, const char *cert, const char *key,
		 char *err, size_t errsz);
int siptls_reload(struct tls *tls, const char *cert, const char *key,
		  bool check, char *err, size_t errsz);

#endif
