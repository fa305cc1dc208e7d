/**
 * @file digest.c  SIP digest authentication: challenges, nonces, verifying
 *
 * A nonce is hex(time) hex(salt) hex(HMAC-SHA256(secret, time salt)),
 * the MAC cut to 128 bits: it needs no state until a client uses it, and
 * one this server did not make does not verify. Once used, a nonce and its
 * last nonce-count are kept in a bounded table (RFC 7616 3.3: nc detects
 * replays). When the table is full the nonce used first is dropped, and
 * every nonce made no later than it is taken as stale from then on, so a
 * dropped nonce cannot be replayed.
 */
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <re.h>
#include "digest.h"

enum {
	SECRET_LEN   = 32,           /* random secret [bytes]             */
	MAC_LEN      = 16,           /* MAC kept in a nonce [bytes]       */
	NONCE_LEN    = 16 + 16 + 2 * MAC_LEN,  /* hex chars               */
	NONCES_MAX   = 4096,
	TTL_DEFAULT  = 300,          /* [s]                               */
	ALGS_ALL     = (1u << DIGEST_ALG_COUNT) - 1,
};

struct nonce_use {
	struct le he;                /* in digest.nonces                  */
	struct le le;                /* in digest.used, oldest first      */
	char nonce[NONCE_LEN + 1];
	uint64_t t;                  /* made at [ms]                      */
	uint32_t nc;                 /* last nonce-count accepted         */
};

struct digest {
	char *realm;
	uint64_t ttl_ms;             /* [ms]                              */
	struct hmac *hmac;           /* keyed with the secret             */
	struct hash *nonces;         /* struct nonce_use by nonce         */
	struct list used;            /* struct nonce_use, first used first */
	uint32_t nonces_max;
	uint32_t nonces_n;           /* in used                           */
	uint64_t horizon;            /* nonces made before: stale [ms]    */
	uint32_t algs;               /* bit 1 << alg: offered and taken   */
};

/* The credentials of one Authorization header (RFC 7616 3.4) */
struct creds {
	char username[256];
	char realm[256];
	char nonce[128];
	char uri[1024];
	char response[DIGEST_HEX_SIZE + 1];
	char algorithm[32];
	char cnonce[256];
	char qop[32];
	char nc[16];
	char userhash[16];
	uint32_t seen;               /* bit i: param i given              */
};

static const struct param {
	const char *name;
	size_t off;
	size_t size;
} params[] = {
#define P(f) {#f, offsetof(struct creds, f), sizeof(((struct creds *)0)->f)}
	P(username), P(realm), P(nonce), P(uri), P(response), P(algorithm),
	P(cnonce), P(qop), P(nc), P(userhash),
#undef P
};

static const char *alg_names[DIGEST_ALG_COUNT] = {"SHA-256", "MD5"};

/* stands for the HA1 of an unknown user, so that it costs the same */
static const char dummy_ha1[] =
	"0000000000000000000000000000000000000000000000000000000000000000";


static void destructor(void *arg)
{
	struct digest *d = arg;

	list_flush(&d->used);
	mem_deref(d->nonces);
	mem_deref(d->hmac);
	mem_deref(d->realm);
}


static void nonce_use_destructor(void *arg)
{
	struct nonce_use *nu = arg;

	hash_unlink(&nu->he);
	list_unlink(&nu->le);
}


static const EVP_MD *alg_md(enum digest_alg alg)
{
	switch (alg) {

	case DIGEST_SHA256: return EVP_sha256();
	case DIGEST_MD5:    return EVP_md5();
	default:            return NULL;
	}
}


static size_t alg_hexlen(enum digest_alg alg)
{
	return alg == DIGEST_SHA256 ? 64 : 32;
}


static void hex_encode(char *hex, const uint8_t *b, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		hex[2 * i]     = digits[b[i] >> 4];
		hex[2 * i + 1] = digits[b[i] & 0x0f];
	}
	hex[2 * n] = '\0';
}


/* lower-case hex only if lower */
static bool is_hex(const char *s, size_t len, bool lower)
{
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		      (!lower && c >= 'A' && c <= 'F')))
			return false;
	}

	return true;
}


static uint64_t hex_u64(const char *s, size_t len)
{
	uint64_t v = 0;

	for (size_t i = 0; i < len; i++) {
		char c = s[i] | 0x20;

		v = v << 4 | (uint64_t)(c <= '9' ? c - '0' : c - 'a' + 10);
	}

	return v;
}


/* hex(H(parts[0] ":" parts[1] ":" ...)) (RFC 7616 3.4.1) */
static int hash_hex(char *hex, size_t size, enum digest_alg alg,
		    const char *const *parts, size_t n)
{
	const EVP_MD *md = alg_md(alg);
	uint8_t buf[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	EVP_MD_CTX *ctx;
	int err = 0;

	if (!hex || !md)
		return EINVAL;

	if (size < alg_hexlen(alg) + 1)
		return EOVERFLOW;

	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return ENOMEM;

	if (!EVP_DigestInit_ex(ctx, md, NULL)) {
		err = EPROTO;
		goto out;
	}

	for (size_t i = 0; i < n; i++) {
		if (!parts[i]) {
			err = EINVAL;
			goto out;
		}

		if ((i && !EVP_DigestUpdate(ctx, ":", 1)) ||
		    !EVP_DigestUpdate(ctx, parts[i], strlen(parts[i]))) {
			err = EPROTO;
			goto out;
		}
	}

	if (!EVP_DigestFinal_ex(ctx, buf, &len) ||
	    2 * (size_t)len != alg_hexlen(alg)) {
		err = EPROTO;
		goto out;
	}

	hex_encode(hex, buf, len);

 out:
	EVP_MD_CTX_free(ctx);
	return err;
}


/**
 * Compute an HA1: hex(H(user ":" realm ":" password)) (RFC 7616 3.4.2)
 *
 * @param hex       Set to the HA1 in lower-case hex
 * @param size      Size of hex: DIGEST_HEX_SIZE will do
 * @param alg       The hash
 * @param user      The user name
 * @param realm     The realm
 * @param password  The password
 *
 * @return 0, EINVAL, EOVERFLOW if hex is too small, ENOMEM
 */
int digest_ha1(char *hex, size_t size, enum digest_alg alg,
	       const char *user, const char *realm, const char *password)
{
	const char *parts[] = {user, realm, password};

	return hash_hex(hex, size, alg, parts, ARRAY_SIZE(parts));
}


/**
 * Compute a request-digest (RFC 7616 3.4.1, qop "auth" only):
 * H(HA1:nonce:nc:cnonce:qop:H(method:uri)), or without qop (RFC 2069, as
 * RFC 7616 3.4.1 keeps it for compatibility) H(HA1:nonce:H(method:uri))
 *
 * @param hex     Set to the response in lower-case hex
 * @param size    Size of hex: DIGEST_HEX_SIZE will do
 * @param alg     The hash
 * @param ha1     The HA1 in hex
 * @param nonce   The server's nonce
 * @param nc      The nonce-count, 8 hex digits (ignored without qop)
 * @param cnonce  The client's nonce (ignored without qop)
 * @param qop     "auth" or NULL
 * @param method  The request's method
 * @param uri     The digest-uri the client gave
 *
 * @return 0, EINVAL, EOVERFLOW if hex is too small, ENOMEM
 */
int digest_response(char *hex, size_t size, enum digest_alg alg,
		    const char *ha1, const char *nonce, const char *nc,
		    const char *cnonce, const char *qop, const char *method,
		    const char *uri)
{
	char ha2[DIGEST_HEX_SIZE];
	const char *a2[] = {method, uri};
	int err;

	err = hash_hex(ha2, sizeof(ha2), alg, a2, ARRAY_SIZE(a2));
	if (err)
		return err;

	if (qop) {
		const char *kd[] = {ha1, nonce, nc, cnonce, qop, ha2};

		return hash_hex(hex, size, alg, kd, ARRAY_SIZE(kd));
	}
	else {
		const char *kd[] = {ha1, nonce, ha2};

		return hash_hex(hex, size, alg, kd, ARRAY_SIZE(kd));
	}
}


/**
 * Make a verifier for one realm
 *
 * @param dp   Set to the verifier (a mem object)
 * @param prm  The realm (copied; no '"', '\' or control characters), the
 *             nonce lifetime (0: 300 s), the secret (copied; NULL: 32
 *             random bytes) and the nonces remembered (0: 4096)
 *
 * @return 0, EINVAL or ENOMEM
 */
int digest_alloc(struct digest **dp, const struct digest_prm *prm)
{
	uint8_t key[SECRET_LEN];
	const uint8_t *secret;
	size_t secret_len;
	struct digest *d;
	int err;

	if (!dp || !prm || !str_isset(prm->realm))
		return EINVAL;

	for (const char *s = prm->realm; *s; s++) {
		if (*s == '"' || *s == '\\' || (unsigned char)*s < 0x20 ||
		    *s == 0x7f)
			return EINVAL;
	}

	if (prm->secret && !prm->secret_len)
		return EINVAL;

	if (prm->algs & ~ALGS_ALL)
		return EINVAL;

	d = mem_zalloc(sizeof(*d), destructor);
	if (!d)
		return ENOMEM;

	d->ttl_ms = 1000ull * (prm->nonce_ttl_s ? prm->nonce_ttl_s :
			       TTL_DEFAULT);
	d->nonces_max = prm->nonces_max ? prm->nonces_max : NONCES_MAX;
	d->algs = prm->algs ? prm->algs : ALGS_ALL;

	if (prm->secret) {
		secret = prm->secret;
		secret_len = prm->secret_len;
	}
	else {
		rand_bytes(key, sizeof(key));
		secret = key;
		secret_len = sizeof(key);
	}

	err = str_dup(&d->realm, prm->realm);
	if (err)
		goto out;

	err = hmac_create(&d->hmac, HMAC_HASH_SHA256, secret, secret_len);
	if (err)
		goto out;

	err = hash_alloc(&d->nonces, hash_valid_size(d->nonces_max / 4 + 1));

 out:
	OPENSSL_cleanse(key, sizeof(key));

	if (err)
		mem_deref(d);
	else
		*dp = d;

	return err;
}


/* nonce = hex(t) hex(salt) hex(MAC(t salt)), NONCE_LEN chars */
static int nonce_make(const struct digest *d, char *nonce, uint64_t t,
		      uint64_t salt)
{
	uint8_t in[16], mac[32];
	uint64_t v[2] = {sys_htonll(t), sys_htonll(salt)};
	int err;

	memcpy(in, v, sizeof(in));

	err = hmac_digest(d->hmac, mac, sizeof(mac), in, sizeof(in));
	if (err)
		return err;

	if (re_snprintf(nonce, NONCE_LEN + 1, "%016llx%016llx%w",
			(unsigned long long)t, (unsigned long long)salt,
			mac, (size_t)MAC_LEN) != NONCE_LEN)
		return EPROTO;

	return 0;
}


/* Is it one of ours? Sets the time it was made [ms] */
static bool nonce_valid(const struct digest *d, const char *nonce,
			uint64_t *tp)
{
	char mine[NONCE_LEN + 1];
	uint64_t t, salt;

	/* the client returns it unchanged (RFC 7616 3.4) */
	if (strlen(nonce) != NONCE_LEN || !is_hex(nonce, NONCE_LEN, true))
		return false;

	t = hex_u64(nonce, 16);
	salt = hex_u64(nonce + 16, 16);

	if (nonce_make(d, mine, t, salt) ||
	    CRYPTO_memcmp(mine, nonce, NONCE_LEN))
		return false;

	*tp = t;
	return true;
}


/**
 * Write the challenges for a 401 (or a 407 if proxy): one with SHA-256,
 * then one with MD5, the preferred one first (RFC 8760 2.4), both with
 * the same fresh nonce and qop "auth" (RFC 7616 3.3); only those of the
 * algorithms the verifier was made with (digest_prm.algs)
 *
 * @param d       The verifier
 * @param mb      Header lines "WWW-Authenticate: ...\r\n" are appended
 * @param proxy   Proxy-Authenticate instead (RFC 3261 22.3)
 * @param stale   Add stale=true: the last request had the right password
 *                and an old nonce (RFC 7616 3.3)
 * @param now_ms  The time [ms], the same clock as digest_verify()'s
 *
 * @return 0, EINVAL or ENOMEM
 */
int digest_challenge(struct digest *d, struct mbuf *mb, bool proxy,
		     bool stale, uint64_t now_ms)
{
	char nonce[NONCE_LEN + 1];
	int err;

	if (!d || !mb)
		return EINVAL;

	err = nonce_make(d, nonce, now_ms, rand_u64());
	if (err)
		return err;

	for (int alg = 0; alg < DIGEST_ALG_COUNT; alg++) {
		if (!(d->algs & (1u << alg)))
			continue;
		err = mbuf_printf(mb, "%s: Digest realm=\"%s\", nonce=\"%s\""
				  ", algorithm=%s, qop=\"auth\"%s\r\n",
				  proxy ? "Proxy-Authenticate" :
				  "WWW-Authenticate", d->realm, nonce,
				  alg_names[alg], stale ? ", stale=true" : "");
		if (err)
			return err;
	}

	return 0;
}


static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}


/* RFC 7230 3.2.6 tchar */
static bool is_tchar(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		(c >= 'A' && c <= 'Z') || (c && strchr("!#$%&'*+-.^_`|~", c));
}


static void skip_ws(const char **pp, const char *end)
{
	while (*pp < end && is_ws(**pp))
		++*pp;
}


static struct pl token(const char **pp, const char *end)
{
	struct pl t = {*pp, 0};

	while (*pp < end && is_tchar(**pp))
		++*pp;

	t.l = (size_t)(*pp - t.p);
	return t;
}


/* A token or a quoted-string (RFC 7230 3.2.6), unescaped into dst */
static int value(const char **pp, const char *end, char *dst, size_t size)
{
	const char *p = *pp;
	size_t n = 0;

	if (p < end && *p == '"') {
		for (++p;; ++p) {
			unsigned char c;

			if (p >= end)
				return EBADMSG;       /* unterminated */

			if (*p == '"')
				break;

			if (*p == '\\' && ++p >= end)
				return EBADMSG;

			c = (unsigned char)*p;
			if ((c < 0x20 && c != '\t') || c == 0x7f)
				return EBADMSG;

			if (n + 1 >= size)
				return EOVERFLOW;
			dst[n++] = (char)c;
		}
		++p;
	}
	else {
		struct pl t = token(&p, end);

		if (!t.l)
			return EBADMSG;
		if (t.l >= size)
			return EOVERFLOW;
		memcpy(dst, t.p, t.l);
		n = t.l;
	}

	dst[n] = '\0';
	*pp = p;
	return 0;
}


/*
 * "Digest" then auth-params (RFC 7616 3.4, RFC 7235 2.1: each at most
 * once; empty list elements allowed, RFC 7230 7).
 * Returns 0, ENOENT for another scheme or none, EBADMSG
 */
static int creds_decode(struct creds *c, const struct pl *hval)
{
	const char *p, *end;
	char scratch[1024];
	struct pl scheme;

	memset(c, 0, sizeof(*c));

	if (!pl_isset(hval))
		return ENOENT;

	p = hval->p;
	end = hval->p + hval->l;

	skip_ws(&p, end);
	scheme = token(&p, end);
	if (pl_strcasecmp(&scheme, "Digest"))
		return scheme.l ? ENOENT : EBADMSG;

	if (p < end && !is_ws(*p))
		return EBADMSG;

	for (;;) {
		const struct param *prm = NULL;
		struct pl name;
		char *dst;
		size_t size;
		int err;

		while (p < end && (is_ws(*p) || *p == ','))
			++p;
		if (p >= end)
			break;

		name = token(&p, end);
		if (!name.l)
			return EBADMSG;

		skip_ws(&p, end);
		if (p >= end || *p != '=')
			return EBADMSG;
		++p;
		skip_ws(&p, end);

		for (size_t i = 0; i < ARRAY_SIZE(params); i++) {
			if (!pl_strcasecmp(&name, params[i].name)) {
				if (c->seen & (1u << i))
					return EBADMSG;
				c->seen |= 1u << i;
				prm = &params[i];
				break;
			}
		}

		dst = prm ? (char *)c + prm->off : scratch;
		size = prm ? prm->size : sizeof(scratch);

		err = value(&p, end, dst, size);
		if (err)
			return EBADMSG;

		skip_ws(&p, end);
		if (p < end && *p != ',')
			return EBADMSG;
	}

	return 0;
}


static void nonce_drop(struct digest *d, struct nonce_use *nu)
{
	mem_deref(nu);
	--d->nonces_n;
}


static void nonce_prune(struct digest *d, uint64_t now_ms)
{
	struct le *le;

	while ((le = list_head(&d->used))) {
		struct nonce_use *nu = le->data;

		if (nu->t + d->ttl_ms >= now_ms)
			break;
		nonce_drop(d, nu);
	}
}


static bool nonce_cmp(struct le *le, void *arg)
{
	const struct nonce_use *nu = le->data;

	return 0 == strcmp(nu->nonce, arg);
}


/*
 * Accept nonce-count nc for a fresh nonce made at t (RFC 7616 3.3), or
 * its only use without qop (nc 0). Returns DIGEST_OK, DIGEST_REPLAY,
 * DIGEST_STALE (it may have been dropped from the table), DIGEST_BAD
 */
static enum digest_result nonce_use(struct digest *d, const char *nonce,
				    uint64_t t, uint32_t nc, uint64_t now_ms)
{
	uint32_t key = hash_joaat_str(nonce);
	struct nonce_use *nu;
	struct le *le;

	le = hash_lookup(d->nonces, key, nonce_cmp, (void *)nonce);
	if (le) {
		nu = le->data;
		if (!nc || nc <= nu->nc)
			return DIGEST_REPLAY;
		nu->nc = nc;
		return DIGEST_OK;
	}

	if (t < d->horizon)
		return DIGEST_STALE;

	nonce_prune(d, now_ms);

	if (d->nonces_n >= d->nonces_max) {
		nu = list_ledata(list_head(&d->used));
		d->horizon = max(d->horizon, nu->t + 1);
		nonce_drop(d, nu);
		if (t < d->horizon)
			return DIGEST_STALE;
	}

	nu = mem_zalloc(sizeof(*nu), nonce_use_destructor);
	if (!nu)
		return DIGEST_BAD;

	str_ncpy(nu->nonce, nonce, sizeof(nu->nonce));
	nu->t = t;
	nu->nc = nc ? nc : UINT32_MAX;
	list_append(&d->used, &nu->le, nu);
	hash_append(d->nonces, key, &nu->he, nu);
	++d->nonces_n;

	return DIGEST_OK;
}


static bool creds_has(const struct creds *c, const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(params); i++) {
		if (!strcmp(params[i].name, name))
			return (c->seen & (1u << i)) != 0;
	}

	return false;
}


/* Checks of the fields alone; sets the algorithm and the nonce-count */
static enum digest_result creds_check(const struct digest *d,
				      struct creds *c, enum digest_alg *algp,
				      uint32_t *ncp)
{
	enum digest_alg alg;
	size_t n;

	if (!creds_has(c, "realm"))
		return DIGEST_BAD;

	if (strcmp(c->realm, d->realm))
		return DIGEST_NONE;

	if (!c->username[0] || !c->nonce[0] || !c->uri[0] ||
	    !c->response[0])
		return DIGEST_BAD;

	if (!c->algorithm[0] || !str_casecmp(c->algorithm, "MD5"))
		alg = DIGEST_MD5;
	else if (!str_casecmp(c->algorithm, "SHA-256"))
		alg = DIGEST_SHA256;
	else
		return DIGEST_BAD;   /* -sess, SHA-512-256 ... not offered */

	if (!(d->algs & (1u << alg)))
		return DIGEST_BAD;   /* not offered here */

	if (c->userhash[0] && str_casecmp(c->userhash, "false"))
		return DIGEST_BAD;   /* RFC 7616 3.4.4: not offered */

	n = strlen(c->response);
	if (n != alg_hexlen(alg) || !is_hex(c->response, n, false))
		return DIGEST_BAD;

	for (size_t i = 0; i < n; i++)
		c->response[i] |= 0x20;   /* lower case */

	*ncp = 0;
	if (c->qop[0]) {
		if (str_casecmp(c->qop, "auth"))
			return DIGEST_BAD;   /* auth-int: not offered */

		/* RFC 7616 3.4: nc is 8LHEX, cnonce given with qop */
		if (!c->cnonce[0] || strlen(c->nc) != 8 ||
		    !is_hex(c->nc, 8, false))
			return DIGEST_BAD;

		*ncp = (uint32_t)hex_u64(c->nc, 8);
		if (!*ncp)
			return DIGEST_BAD;
	}

	*algp = alg;
	return DIGEST_OK;
}


/**
 * Verify the credentials of a request (RFC 3261 22.4, RFC 7616 3.4)
 *
 * The digest-uri checked is the one in the header, not the Request-URI:
 * clients put different things there (sipp: "sip:HOST:PORT").
 *
 * @param d       The verifier
 * @param u       The users
 * @param hval    The value of an Authorization or Proxy-Authorization
 *                header, with its scheme: "Digest username=..." (libre's
 *                sip_hdr val)
 * @param method  The request's method
 * @param now_ms  The time [ms], the same clock as digest_challenge()'s
 * @param user    Set to the user name on DIGEST_OK (may be NULL)
 * @param usize   Size of user; a longer name is DIGEST_BAD
 *
 * @return DIGEST_OK; DIGEST_NONE if hval is not Digest or is for another
 *         realm; DIGEST_BAD; DIGEST_UNKNOWN_USER (also a user with no HA1
 *         for the algorithm chosen); DIGEST_WRONG; DIGEST_STALE if the
 *         response is right but the nonce is old or not ours (RFC 7616
 *         3.3: answer with stale=true); DIGEST_REPLAY if the nonce-count
 *         is not greater than the last one accepted with that nonce, or a
 *         nonce without qop is used twice
 */
enum digest_result digest_verify(struct digest *d,
				 const struct digest_users *u,
				 const struct pl *hval, const char *method,
				 uint64_t now_ms, char *user, size_t usize)
{
	char expect[DIGEST_HEX_SIZE];
	enum digest_alg alg = DIGEST_MD5;
	enum digest_result r;
	const char *ha1;
	struct creds c;
	uint32_t nc = 0;
	uint64_t t = 0;
	bool known, match;
	int err;

	if (!d || !u || !str_isset(method))
		return DIGEST_BAD;

	err = creds_decode(&c, hval);
	if (err == ENOENT)
		return DIGEST_NONE;
	if (err)
		return DIGEST_BAD;

	r = creds_check(d, &c, &alg, &nc);
	if (r != DIGEST_OK)
		return r;

	ha1 = digest_users_ha1(u, c.username, c.realm, alg);
	known = ha1 != NULL;
	if (!known)
		ha1 = dummy_ha1 + sizeof(dummy_ha1) - 1 - alg_hexlen(alg);

	err = digest_response(expect, sizeof(expect), alg, ha1, c.nonce,
			      c.nc, c.cnonce, c.qop[0] ? c.qop : NULL,
			      method, c.uri);
	if (err)
		return DIGEST_BAD;

	match = 0 == CRYPTO_memcmp(expect, c.response, alg_hexlen(alg));

	if (!known)
		return DIGEST_UNKNOWN_USER;
	if (!match)
		return DIGEST_WRONG;

	/* RFC 7616 3.3: stale if the nonce is invalid but the digest is
	 * valid for it; so a nonce of an earlier run of the server is */
	if (!nonce_valid(d, c.nonce, &t) || t > now_ms ||
	    now_ms - t > d->ttl_ms)
		return DIGEST_STALE;

	if (user && strlen(c.username) >= usize)
		return DIGEST_BAD;

	r = nonce_use(d, c.nonce, t, nc, now_ms);
	if (r != DIGEST_OK)
		return r;

	if (user)
		str_ncpy(user, c.username, usize);

	return DIGEST_OK;
}


/**
 * The name of a result, for logs
 */
const char *digest_result_str(enum digest_result r)
{
	switch (r) {

	case DIGEST_OK:           return "ok";
	case DIGEST_NONE:         return "no credentials";
	case DIGEST_BAD:          return "malformed";
	case DIGEST_UNKNOWN_USER: return "unknown user";
	case DIGEST_WRONG:        return "wrong password";
	case DIGEST_STALE:        return "stale nonce";
	case DIGEST_REPLAY:       return "replay";
	default:                  return "?";
	}
}


/**
 * The name of an algorithm as in the algorithm parameter (RFC 7616 3.3)
 */
const char *digest_alg_name(enum digest_alg alg)
{
	return (unsigned)alg < DIGEST_ALG_COUNT ? alg_names[alg] : "?";
}
