/**
 * @file digest.h  SIP digest authentication, server side (RFC 3261 22.4,
 *                 RFC 7616 and RFC 8760: SHA-256 and MD5)
 *
 * Pure: no SIP stack. The users file holds HA1 values, never passwords.
 * Nonces are made from a secret of this server and a time, so one made
 * elsewhere or long ago is refused; the nonce-count of each nonce in use
 * is remembered, so a replayed request is refused. Main thread only.
 */

#ifndef CHORUS_DIGEST_H
#define CHORUS_DIGEST_H

#include <re.h>

enum digest_alg {
	DIGEST_SHA256 = 0,           /* RFC 8760, offered first           */
	DIGEST_MD5,                  /* RFC 3261 22.4                     */
	DIGEST_ALG_COUNT
};

enum {
	DIGEST_HEX_SIZE = 65,        /* a SHA-256 in hex, and its NUL     */
};

struct digest_users;
struct digest;

/* Users file: one user per line, "user:realm:ha1-md5:ha1-sha256";
 * either HA1 may be empty; '#' starts a comment line */
int  digest_users_load(struct digest_users **up, const char *path);
const char *digest_users_ha1(const struct digest_users *u, const char *user,
			     const char *realm, enum digest_alg alg);
size_t digest_users_count(const struct digest_users *u);

/* What a new users file changes against the one in use */
struct digest_users_diff {
	size_t added;                /* user and realm pairs new          */
	size_t removed;              /* ... gone                          */
	size_t changed;              /* ... with another HA1              */
};

void digest_users_diff(const struct digest_users *old,
		       const struct digest_users *cur,
		       struct digest_users_diff *d);

/* A verifier for one realm */
struct digest_prm {
	const char *realm;
	uint32_t nonce_ttl_s;        /* a nonce is fresh this long [s]    */
	const uint8_t *secret;       /* NULL: a random one                */
	size_t secret_len;
	uint32_t nonces_max;         /* nonces in use remembered; 0: 4096 */
	uint32_t algs;               /* bit 1 << enum digest_alg for each
					algorithm offered and taken; 0: all */
};

enum digest_result {
	DIGEST_OK = 0,
	DIGEST_NONE,                 /* no credentials for our realm      */
	DIGEST_BAD,                  /* malformed, or other realm/alg     */
	DIGEST_UNKNOWN_USER,
	DIGEST_WRONG,                /* the response does not match       */
	DIGEST_STALE,                /* right password, nonce expired     */
	DIGEST_REPLAY,               /* nonce-count not new               */
};

int  digest_alloc(struct digest **dp, const struct digest_prm *prm);
int  digest_challenge(struct digest *d, struct mbuf *mb, bool proxy,
		      bool stale, uint64_t now_ms);
enum digest_result digest_verify(struct digest *d,
				 const struct digest_users *u,
				 const struct pl *hval, const char *method,
				 uint64_t now_ms, char *user, size_t usize);
const char *digest_result_str(enum digest_result r);
const char *digest_alg_name(enum digest_alg alg);
int  digest_ha1(char *hex, size_t size, enum digest_alg alg,
		const char *user, const char *realm, const char *password);

/* The request-digest of RFC 7616 3.4.1; qop NULL: RFC 2069's, without
 * nc and cnonce. Exposed for tests and clients. */
int  digest_response(char *hex, size_t size, enum digest_alg alg,
		     const char *ha1, const char *nonce, const char *nc,
		     const char *cnonce, const char *qop, const char *method,
		     const char *uri);

#endif
