/**
 * @file registrar.h  A minimal registrar: address-of-record bindings
 *                    (RFC 3261 10.3), in memory
 *
 * Pure: takes a decoded REGISTER (libre's struct sip_msg) and says what
 * to answer; the SIP front sends the answer. Expiry is lazy, on the
 * caller's clock (now_ms): no timer. Main thread only.
 */

#ifndef CHORUS_REGISTRAR_H
#define CHORUS_REGISTRAR_H

#include <re.h>

struct registrar;

struct registrar_prm {
	uint32_t expires_default;    /* no expires given [s]              */
	uint32_t expires_min;        /* shorter, not 0: 423 (RFC 3261
				      * 10.3 step 7) [s]; 0: none         */
	uint32_t expires_max;        /* longer is cut to this [s]         */
	uint32_t max_bindings;       /* in all; more: 503                 */
	uint32_t max_per_aor;        /* contacts per AOR; more: the least
				      * recently written are replaced     */
};

int  registrar_alloc(struct registrar **rp, const struct registrar_prm *p);
int  registrar_register(struct registrar *r, const struct sip_msg *msg,
			const char *aor_user, uint64_t now_ms,
			struct mbuf *hdrs, uint16_t *scode);
const char *registrar_lookup(struct registrar *r, const char *aor_user,
			     uint64_t now_ms);
size_t registrar_count(struct registrar *r, uint64_t now_ms);

#endif
