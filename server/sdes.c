/**
 * @file sdes.c  SDP Security Descriptions: the a=crypto attribute
 *               (RFC 4568), parsed, chosen and written
 *
 * The grammar (RFC 4568 9.1, 9.2):
 *
 *   tag 1*WSP crypto-suite 1*WSP key-params *(1*WSP session-param)
 *   key-params = key-param *(";" key-param)
 *   key-param  = "inline:" key-salt ["|" lifetime] ["|" mki]
 *
 * Chorus is strict about what it would have to act on and says so with
 * ENOTSUP: one master key, no MKI, no session parameter but the window
 * size hint. What is not well formed is EBADMSG. The answerer skips
 * either kind of line and looks at the next (RFC 4568 7.1.1).
 */
#include <string.h>
#include <re.h>
#include "sdes.h"


enum {
	TAG_MAX = 999999999,          /* 1*9DIGIT (RFC 4568 9.1)          */
	LIFETIME_LOG2_MAX = 48,       /* RFC 4568 6.2.1, RFC 7714 14.2    */
	WSH_MIN = 64,                 /* window size hint (RFC 4568 6.3)  */
	B64_MAX = 4 * ((MSEC_KEY_MAX + 2) / 3),  /* base64 of a key [B]   */
};

/* The names of the suites (RFC 4568 6.2, RFC 7714 14.2) */
static const char *const suite_names[MSEC_SUITE_COUNT] = {
	[MSEC_AEAD_AES_256_GCM]        = "AEAD_AES_256_GCM",
	[MSEC_AEAD_AES_128_GCM]        = "AEAD_AES_128_GCM",
	[MSEC_AES_CM_128_HMAC_SHA1_80] = "AES_CM_128_HMAC_SHA1_80",
	[MSEC_AES_CM_128_HMAC_SHA1_32] = "AES_CM_128_HMAC_SHA1_32",
};


static bool is_wsp(char ch)
{
	return ch == ' ' || ch == '\t';
}


/* The next run of non-WSP characters in *rest; false at the end */
static bool next_token(struct pl *rest, struct pl *tok)
{
	while (rest->l && is_wsp(*rest->p))
		pl_advance(rest, 1);

	if (!rest->l)
		return false;

	tok->p = rest->p;
	tok->l = 0;
	while (tok->l < rest->l && !is_wsp(tok->p[tok->l]))
		tok->l++;

	pl_advance(rest, tok->l);

	return true;
}


static bool all_digits(const struct pl *pl)
{
	if (!pl->l)
		return false;

	for (size_t i = 0; i < pl->l; i++) {
		if (pl->p[i] < '0' || pl->p[i] > '9')
			return false;
	}

	return true;
}


/* Split *pl at the first ch: *head before it, *pl after; false if none */
static bool split(struct pl *pl, char ch, struct pl *head)
{
	const char *p = pl_strchr(pl, ch);

	if (!p) {
		*head = *pl;
		pl->p += pl->l;
		pl->l = 0;
		return false;
	}

	head->p = pl->p;
	head->l = (size_t)(p - pl->p);
	pl_advance(pl, head->l + 1);

	return true;
}


/* tag = 1*9DIGIT, and 0 is not a tag Chorus takes or gives */
static int tag_decode(const struct pl *pl, uint32_t *tag)
{
	uint32_t v;

	if (pl->l > 9 || !all_digits(pl))
		return EBADMSG;

	v = pl_u32(pl);
	if (!v)
		return EBADMSG;

	*tag = v;
	return 0;
}


/* Suite names are ABNF strings, which are case-insensitive (RFC 4568
 * 9.2, RFC 5234 2.3) */
static int suite_decode(const struct pl *pl, enum msec_suite *s)
{
	for (size_t i = 0; i < MSEC_SUITE_COUNT; i++) {
		if (!pl_strcasecmp(pl, suite_names[i])) {
			*s = (enum msec_suite)i;
			return 0;
		}
	}

	return ENOTSUP;
}


/*
 * key-salt: base64 (RFC 4648 4, with padding) of exactly the suite's
 * master key and salt. libre's base64_decode takes any character and
 * any padding, so the key is encoded again and must come out the same:
 * that refuses stray characters, misplaced '=' and nonzero spare bits.
 */
static int key_decode(const struct pl *pl, size_t key_len, uint8_t *key)
{
	uint8_t buf[3 * (B64_MAX / 4)];
	char b64[B64_MAX];
	size_t n = sizeof(buf), m = sizeof(b64);
	int err;

	if (pl->l != 4 * ((key_len + 2) / 3))
		return EBADMSG;

	err = base64_decode(pl->p, pl->l, buf, &n);
	if (err || n != key_len) {
		err = EBADMSG;
		goto out;
	}

	err = base64_encode(buf, n, b64, &m);
	if (err || m != pl->l || memcmp(b64, pl->p, m)) {
		err = EBADMSG;
		goto out;
	}

	memcpy(key, buf, key_len);

 out:
	memset(buf, 0, sizeof(buf));
	return err;
}


/*
 * lifetime = ["2^"] 1*DIGIT (RFC 4568 9.2), in packets, at most 2^48
 * for every suite we speak (RFC 4568 6.2.1, RFC 7714 14.2). It is only
 * checked, not kept: Chorus never rekeys when a lifetime runs out (a
 * peer that wants a new key sends a re-INVITE with one), and libsrtp2
 * stops a key at the suite's own limit.
 */
static int lifetime_decode(const struct pl *pl)
{
	struct pl num = *pl;
	bool pow = false;
	uint64_t v = 0;

	if (num.l >= 2 && num.p[0] == '2' && num.p[1] == '^') {
		pow = true;
		pl_advance(&num, 2);
	}

	if (!all_digits(&num))
		return EBADMSG;

	for (size_t i = 0; i < num.l; i++) {
		v = v * 10 + (uint64_t)(num.p[i] - '0');
		if (v > (1ull << LIFETIME_LOG2_MAX))
			return EBADMSG;
	}

	if (pow)
		return v <= LIFETIME_LOG2_MAX ? 0 : EBADMSG;

	return v ? 0 : EBADMSG;
}


/* mki = mki-value ":" mki-length, 1*DIGIT ":" 1*3DIGIT (RFC 4568 9.2),
 * length 1-128: Chorus does not do MKI, so well formed is ENOTSUP */
static int mki_decode(const struct pl *pl)
{
	struct pl rest = *pl, val;
	uint32_t len;

	if (!split(&rest, ':', &val) || !all_digits(&val) ||
	    rest.l > 3 || !all_digits(&rest))
		return EBADMSG;

	len = pl_u32(&rest);
	if (len < 1 || len > 128)
		return EBADMSG;

	return ENOTSUP;
}


/* key-params: one "inline:" key-salt ["|" lifetime] ["|" mki] */
static int key_params_decode(const struct pl *pl, struct sdes_crypto *c)
{
	struct pl rest = *pl, param, method, f[3];
	size_t nf = 0, i = 1;
	bool more;
	int err;

	/* RFC 4568 6.1: several keys, for a sender to switch between
	 * with MKIs; we take one */
	if (split(&rest, ';', &param))
		return rest.l ? ENOTSUP : EBADMSG;

	rest = param;
	if (!split(&rest, ':', &method) || !method.l)
		return EBADMSG;

	/* RFC 4568 6.1: "inline" is the only method defined for SRTP */
	if (pl_strcasecmp(&method, "inline"))
		return ENOTSUP;

	do {
		if (nf == ARRAY_SIZE(f))
			return EBADMSG;

		more = split(&rest, '|', &f[nf]);
		if (!f[nf++].l)
			return EBADMSG;
	} while (more);

	err = key_decode(&f[0], c->key_len, c->key);
	if (err)
		return err;

	/* the lifetime has no ':', the MKI has one */
	if (i < nf && !pl_strchr(&f[i], ':')) {
		err = lifetime_decode(&f[i++]);
		if (err)
			return err;
	}

	if (i == nf)
		return 0;

	if (i + 1 < nf)
		return EBADMSG;

	return mki_decode(&f[i]);
}


/*
 * Session parameters (RFC 4568 6.3). Unencrypted or unauthenticated
 * SRTP/SRTCP, KDR, FEC_ORDER and FEC_KEY each change how the media is
 * protected, and libsrtp2 as we drive it does none of them: a line that
 * asks for one is ENOTSUP, as is a parameter we do not know (RFC 4568
 * 6.3: one not understood makes the line unusable). WSH, the SRTP
 * window size hint, 2*DIGIT and at least 64 (RFC 4568 6.3), is only a
 * hint: libsrtp2's default replay window, 128 packets, meets the minimum;
 * with a larger hint, packets reordered further are dropped as too old,
 * as they would be without it. So it is checked and ignored.
 */
static int session_param_decode(const struct pl *pl)
{
	static const char wsh[] = "WSH=";
	struct pl name, num;
	uint64_t v = 0;

	if (pl->l < sizeof(wsh) - 1)
		return ENOTSUP;

	name.p = pl->p;
	name.l = sizeof(wsh) - 1;
	if (pl_strcasecmp(&name, wsh))
		return ENOTSUP;

	num.p = pl->p + name.l;
	num.l = pl->l - name.l;
	if (num.l < 2 || !all_digits(&num))
		return EBADMSG;

	/* digits only ever make the number larger: stop at the minimum */
	for (size_t j = 0; j < num.l && v < WSH_MIN; j++)
		v = v * 10 + (uint64_t)(num.p[j] - '0');

	return v >= WSH_MIN ? 0 : EBADMSG;
}


/**
 * Decode one a=crypto attribute value (RFC 4568 9.1)
 *
 * @param c      Set to the line, on success only
 * @param value  The value: what follows "a=crypto:", NUL-terminated
 *
 * @return 0, EINVAL, EBADMSG if it is not well formed, ENOTSUP if it
 *         is but asks for what Chorus does not do (another suite, MKI,
 *         several keys, a session parameter but WSH)
 */
int sdes_decode(struct sdes_crypto *c, const char *value)
{
	struct sdes_crypto tmp;
	struct pl rest, tok;
	int err;

	if (!c || !value)
		return EINVAL;

	memset(&tmp, 0, sizeof(tmp));
	pl_set_str(&rest, value);

	if (!next_token(&rest, &tok)) {
		err = EBADMSG;
		goto out;
	}

	err = tag_decode(&tok, &tmp.tag);
	if (err)
		goto out;

	if (!next_token(&rest, &tok)) {
		err = EBADMSG;
		goto out;
	}

	/* crypto-suite = 1*(ALPHA / DIGIT / "_") (RFC 4568 9.1) */
	for (size_t i = 0; i < tok.l; i++) {
		char ch = tok.p[i];

		if (!(ch == '_' || (ch >= '0' && ch <= '9') ||
		      (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z'))) {
			err = EBADMSG;
			goto out;
		}
	}

	/* another suite's key-params may follow another grammar */
	err = suite_decode(&tok, &tmp.suite);
	if (err)
		goto out;

	tmp.key_len = msec_key_len(tmp.suite);

	if (!next_token(&rest, &tok)) {
		err = EBADMSG;
		goto out;
	}

	err = key_params_decode(&tok, &tmp);
	if (err)
		goto out;

	while (next_token(&rest, &tok)) {
		err = session_param_decode(&tok);
		if (err)
			goto out;
	}

	*c = tmp;

 out:
	memset(&tmp, 0, sizeof(tmp));
	return err;
}


/**
 * Write an a=crypto attribute value: "TAG SUITE inline:KEY", without a
 * lifetime or MKI (RFC 4568 9.1)
 *
 * @param buf   Written, NUL-terminated
 * @param size  Its size [bytes]
 * @param c     The line, as from sdes_keygen()
 *
 * @return 0, EINVAL, ENOMEM if it does not fit
 */
int sdes_encode(char *buf, size_t size, const struct sdes_crypto *c)
{
	char b64[B64_MAX];
	size_t n = sizeof(b64);
	int err;

	if (!buf || !c || c->tag < 1 || c->tag > TAG_MAX ||
	    (unsigned)c->suite >= MSEC_SUITE_COUNT ||
	    c->key_len != msec_key_len(c->suite))
		return EINVAL;

	err = base64_encode(c->key, c->key_len, b64, &n);
	if (err)
		return err;

	if (!size || re_snprintf(buf, size, "%u %s inline:%b", c->tag,
				 suite_names[c->suite], b64, n) < 0)
		return ENOMEM;

	return 0;
}


/**
 * Make a line with a fresh random master key and salt
 *
 * @param c    Set to the line
 * @param tag  Its tag, 1-999999999
 * @param s    Its suite
 *
 * @return 0, EINVAL
 */
int sdes_keygen(struct sdes_crypto *c, uint32_t tag, enum msec_suite s)
{
	if (!c || tag < 1 || tag > TAG_MAX ||
	    (unsigned)s >= MSEC_SUITE_COUNT)
		return EINVAL;

	memset(c, 0, sizeof(*c));
	c->tag = tag;
	c->suite = s;
	c->key_len = msec_key_len(s);
	rand_bytes(c->key, c->key_len);

	return 0;
}


struct pick {
	unsigned allowed;
	struct sdes_crypto *c;
	unsigned lines;
};


static bool pick_h(const char *name, const char *value, void *arg)
{
	struct pick *pk = arg;
	struct sdes_crypto tmp;
	bool found = false;

	(void)name;
	pk->lines++;

	if (!sdes_decode(&tmp, value) && (pk->allowed & (1u << tmp.suite))) {
		*pk->c = tmp;
		found = true;
	}

	memset(&tmp, 0, sizeof(tmp));
	return found;
}


/**
 * Choose the remote line to answer (RFC 4568 7.1.1): the first, in the
 * offerer's order, that decodes and has an allowed suite. The answer
 * carries its tag and suite with our own key (sdes_keygen()).
 *
 * @param m        The media, with the remote description decoded
 * @param allowed  Suites allowed, bits 1u << enum msec_suite (SDES_ALL)
 * @param c        Set to the chosen line, on success only
 *
 * @return 0, EINVAL, ENOENT if there is no a=crypto, ENOTSUP if none
 *         will do
 */
int sdes_pick(const struct sdp_media *m, unsigned allowed,
	      struct sdes_crypto *c)
{
	struct pick pk = {allowed, c, 0};

	if (!m || !c)
		return EINVAL;

	if (sdp_media_rattr_apply(m, "crypto", pick_h, &pk))
		return 0;

	return pk.lines ? ENOTSUP : ENOENT;
}
