/**
 * @file test_digest.c  Digest authentication: RFC 7616 and RFC 2617 known
 *                      answers, round trips, refusals, the users file and
 *                      scripts/chorus-user
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <re.h>
#include "server/digest.h"
#include "leak.h"

#define REALM "chorus"
#define PASS  "s3cret pass"

struct fix {
	char path[64];
	struct digest_users *users;
	struct digest *d;
};

/* RFC 7616 3.9.1 */
static const char rfc7616_nonce[] =
	"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
static const char rfc7616_cnonce[] =
	"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";


/* What a client computes: hex(H(printf(fmt, ...))), independent of the
 * code under test */
static void client_hash(char *hex, enum digest_alg alg, const char *fmt, ...)
{
	const EVP_MD *md = alg == DIGEST_SHA256 ? EVP_sha256() : EVP_md5();
	uint8_t buf[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	char in[4096];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(in, sizeof(in), fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < sizeof(in));

	assert_int_equal(1, EVP_Digest(in, (size_t)n, buf, &len, md, NULL));
	for (unsigned int i = 0; i < len; i++)
		sprintf(hex + 2 * i, "%02x", buf[i]);
}


struct cli {
	enum digest_alg alg;
	const char *user;
	const char *realm;
	const char *pass;
	const char *nonce;
	const char *uri;
	const char *method;
	bool qop;
	uint32_t nc;
	const char *cnonce;
};


/* An Authorization header value as a client makes it (RFC 7616 3.4) */
static void client_auth(char *hv, size_t size, const struct cli *c)
{
	char ha1[DIGEST_HEX_SIZE], ha2[DIGEST_HEX_SIZE];
	char resp[DIGEST_HEX_SIZE], nc[9];
	const char *cnonce = c->cnonce ? c->cnonce : "0a4f113b";
	int n;

	client_hash(ha1, c->alg, "%s:%s:%s", c->user, c->realm, c->pass);
	client_hash(ha2, c->alg, "%s:%s", c->method ? c->method : "REGISTER",
		    c->uri);
	snprintf(nc, sizeof(nc), "%08x", c->nc);

	if (c->qop) {
		client_hash(resp, c->alg, "%s:%s:%s:%s:auth:%s", ha1,
			    c->nonce, nc, cnonce, ha2);
		n = snprintf(hv, size, "Digest username=\"%s\", realm=\"%s\", "
			     "nonce=\"%s\", uri=\"%s\", response=\"%s\", "
			     "algorithm=%s, qop=auth, nc=%s, cnonce=\"%s\"",
			     c->user, c->realm, c->nonce, c->uri, resp,
			     c->alg == DIGEST_SHA256 ? "SHA-256" : "MD5", nc,
			     cnonce);
	}
	else {
		client_hash(resp, c->alg, "%s:%s:%s", ha1, c->nonce, ha2);
		n = snprintf(hv, size, "Digest username=\"%s\", realm=\"%s\", "
			     "nonce=\"%s\", uri=\"%s\", response=\"%s\"%s",
			     c->user, c->realm, c->nonce, c->uri, resp,
			     c->alg == DIGEST_SHA256 ?
			     ", algorithm=SHA-256" : "");
	}
	assert_true(n > 0 && (size_t)n < size);
}


/* The nonce of the challenge with that algorithm */
static void challenge_nonce(char *nonce, size_t size, const struct mbuf *mb,
			    enum digest_alg alg)
{
	char text[2048];
	char want[32];
	char *line, *save = NULL;

	assert_true(mb->end < sizeof(text));
	memcpy(text, mb->buf, mb->end);
	text[mb->end] = '\0';
	snprintf(want, sizeof(want), "algorithm=%s,",
		 alg == DIGEST_SHA256 ? "SHA-256" : "MD5");

	for (line = strtok_r(text, "\r\n", &save); line;
	     line = strtok_r(NULL, "\r\n", &save)) {
		char *p, *q;

		if (!strstr(line, want))
			continue;

		p = strstr(line, "nonce=\"");
		assert_non_null(p);
		p += 7;
		q = strchr(p, '"');
		assert_non_null(q);
		assert_true((size_t)(q - p) < size);
		memcpy(nonce, p, (size_t)(q - p));
		nonce[q - p] = '\0';
		return;
	}

	fail_msg("no %s challenge", want);
}


static enum digest_result verify(struct fix *f, const char *hv,
				 const char *method, uint64_t now,
				 char *user, size_t usize)
{
	struct pl pl;

	pl_set_str(&pl, hv);
	return digest_verify(f->d, f->users, &pl, method, now, user, usize);
}


static void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(strlen(text), fwrite(text, 1, strlen(text), fp));
	assert_int_equal(0, fclose(fp));
}


static int users_file(char *path, size_t size, const char *text)
{
	int fd;

	snprintf(path, size, "/tmp/chorus-users-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return errno;
	close(fd);
	write_file(path, text);

	return 0;
}


/* users alice (both HA1s), bob (MD5 only), carol (SHA-256 only) */
static int setup(void **state)
{
	struct digest_prm prm = {.realm = REALM, .nonce_ttl_s = 60};
	char ha1[4][DIGEST_HEX_SIZE];
	char text[1024];
	struct fix *f;
	int err;

	f = calloc(1, sizeof(*f));
	if (!f)
		return -1;

	err  = digest_ha1(ha1[0], sizeof(ha1[0]), DIGEST_MD5, "alice", REALM,
			  PASS);
	err |= digest_ha1(ha1[1], sizeof(ha1[1]), DIGEST_SHA256, "alice",
			  REALM, PASS);
	err |= digest_ha1(ha1[2], sizeof(ha1[2]), DIGEST_MD5, "bob", REALM,
			  PASS);
	err |= digest_ha1(ha1[3], sizeof(ha1[3]), DIGEST_SHA256, "carol",
			  REALM, PASS);
	snprintf(text, sizeof(text),
		 "# test users\n"
		 "\n"
		 "alice:" REALM ":%s:%s\n"
		 "   # indented comment\n"
		 "bob:" REALM ":%s:\n"
		 "carol:" REALM "::%s\r\n"
		 "alice:elsewhere:%s:\n",
		 ha1[0], ha1[1], ha1[2], ha1[3], ha1[0]);

	err |= users_file(f->path, sizeof(f->path), text);
	err |= digest_users_load(&f->users, f->path);
	err |= digest_alloc(&f->d, &prm);
	if (err) {
		free(f);
		return -1;
	}

	*state = f;
	return 0;
}


static int teardown(void **state)
{
	struct fix *f = *state;

	unlink(f->path);
	mem_deref(f->d);
	mem_deref(f->users);
	free(f);

	return 0;
}


static void test_ha1_known(void **state)
{
	char hex[DIGEST_HEX_SIZE];

	/* RFC 2617 3.5 */
	assert_int_equal(0, digest_ha1(hex, sizeof(hex), DIGEST_MD5,
				       "Mufasa", "testrealm@host.com",
				       "Circle Of Life"));
	assert_string_equal("939e7578ed9e3c518a452acee763bce9", hex);

	/* RFC 7616 3.9.1's user */
	assert_int_equal(0, digest_ha1(hex, sizeof(hex), DIGEST_MD5,
				       "Mufasa", "http-auth@example.org",
				       "Circle of Life"));
	assert_string_equal("3d78807defe7de2157e2b0b6573a855f", hex);
	assert_int_equal(0, digest_ha1(hex, sizeof(hex), DIGEST_SHA256,
				       "Mufasa", "http-auth@example.org",
				       "Circle of Life"));
	assert_string_equal("7987c64c30e25f1b74be53f966b49b90"
			    "f2808aa92faf9a00262392d7b4794232", hex);

	assert_int_equal(EOVERFLOW, digest_ha1(hex, 64, DIGEST_SHA256,
					       "a", "b", "c"));
	assert_int_equal(EOVERFLOW, digest_ha1(hex, 32, DIGEST_MD5,
					       "a", "b", "c"));
	assert_int_equal(EINVAL, digest_ha1(hex, sizeof(hex),
					    DIGEST_ALG_COUNT, "a", "b", "c"));
	assert_int_equal(EINVAL, digest_ha1(hex, sizeof(hex), DIGEST_MD5,
					    NULL, "b", "c"));
}


static void test_response_known(void **state)
{
	char ha1[DIGEST_HEX_SIZE], resp[DIGEST_HEX_SIZE];

	/* RFC 7616 3.9.1, MD5 then SHA-256 */
	assert_int_equal(0, digest_ha1(ha1, sizeof(ha1), DIGEST_MD5, "Mufasa",
				       "http-auth@example.org",
				       "Circle of Life"));
	assert_int_equal(0, digest_response(resp, sizeof(resp), DIGEST_MD5,
					    ha1, rfc7616_nonce, "00000001",
					    rfc7616_cnonce, "auth", "GET",
					    "/dir/index.html"));
	assert_string_equal("8ca523f5e9506fed4657c9700eebdbec", resp);

	assert_int_equal(0, digest_ha1(ha1, sizeof(ha1), DIGEST_SHA256,
				       "Mufasa", "http-auth@example.org",
				       "Circle of Life"));
	assert_int_equal(0, digest_response(resp, sizeof(resp),
					    DIGEST_SHA256, ha1, rfc7616_nonce,
					    "00000001", rfc7616_cnonce, "auth",
					    "GET", "/dir/index.html"));
	assert_string_equal("753927fa0e85d155564e2e272a28d180"
			    "2ca10daf4496794697cf8db5856cb6c1", resp);

	/* RFC 2617 3.5 */
	assert_int_equal(0, digest_response(resp, sizeof(resp), DIGEST_MD5,
				"939e7578ed9e3c518a452acee763bce9",
				"dcd98b7102dd2f0e8b11d0f600bfb0c093",
				"00000001", "0a4f113b", "auth", "GET",
				"/dir/index.html"));
	assert_string_equal("6629fae49393a05397450978507c4ef1", resp);
}


/* RFC 7616 3.9.1's header, verbatim: the response verifies, the nonce is
 * not ours: stale (RFC 7616 3.3), never OK */
static void test_rfc7616_header(void **state)
{
	struct digest_prm prm = {.realm = "http-auth@example.org"};
	char ha1[2][DIGEST_HEX_SIZE], text[512], path[64], user[32];
	struct digest_users *users = NULL;
	struct digest *d = NULL;
	struct pl pl;
	static const char *hv[] = {
		"Digest username=\"Mufasa\",\r\n"
		"    realm=\"http-auth@example.org\",\r\n"
		"    uri=\"/dir/index.html\",\r\n"
		"    algorithm=MD5,\r\n"
		"    nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\","
		"\r\n"
		"    nc=00000001,\r\n"
		"    cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\","
		"\r\n"
		"    qop=auth,\r\n"
		"    response=\"8ca523f5e9506fed4657c9700eebdbec\",\r\n"
		"    opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"",

		"Digest username=\"Mufasa\",\r\n"
		"    realm=\"http-auth@example.org\",\r\n"
		"    uri=\"/dir/index.html\",\r\n"
		"    algorithm=SHA-256,\r\n"
		"    nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\","
		"\r\n"
		"    nc=00000001,\r\n"
		"    cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\","
		"\r\n"
		"    qop=auth,\r\n"
		"    response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794"
		"697cf8db5856cb6c1\",\r\n"
		"    opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"",
	};

	assert_int_equal(0, digest_ha1(ha1[0], sizeof(ha1[0]), DIGEST_MD5,
				       "Mufasa", prm.realm, "Circle of Life"));
	assert_int_equal(0, digest_ha1(ha1[1], sizeof(ha1[1]), DIGEST_SHA256,
				       "Mufasa", prm.realm, "Circle of Life"));
	snprintf(text, sizeof(text), "Mufasa:%s:%s:%s\n", prm.realm, ha1[0],
		 ha1[1]);
	assert_int_equal(0, users_file(path, sizeof(path), text));
	assert_int_equal(0, digest_users_load(&users, path));
	assert_int_equal(0, digest_alloc(&d, &prm));

	for (size_t i = 0; i < ARRAY_SIZE(hv); i++) {
		pl_set_str(&pl, hv[i]);
		assert_int_equal(DIGEST_STALE, digest_verify(d, users, &pl,
							     "GET", 1000, user,
							     sizeof(user)));
		/* a different method: the response no longer matches */
		assert_int_equal(DIGEST_WRONG, digest_verify(d, users, &pl,
							     "PUT", 1000, user,
							     sizeof(user)));
	}

	unlink(path);
	mem_deref(d);
	mem_deref(users);
}


static bool starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}


static void test_challenge(void **state)
{
	struct fix *f = *state;
	struct mbuf *mb = mbuf_alloc(512);
	char text[1024], n1[128], n2[128];
	char *sha, *md5;

	assert_non_null(mb);
	assert_int_equal(0, digest_challenge(f->d, mb, false, false, 1000));
	assert_true(mb->end < sizeof(text));
	memcpy(text, mb->buf, mb->end);
	text[mb->end] = '\0';

	/* RFC 8760 2.4: SHA-256 first */
	sha = strstr(text, "algorithm=SHA-256");
	md5 = strstr(text, "algorithm=MD5");
	assert_non_null(sha);
	assert_non_null(md5);
	assert_true(sha < md5);
	assert_true(starts(text, "WWW-Authenticate: Digest realm=\"chorus\", "
			   "nonce=\""));
	assert_non_null(strstr(text, "qop=\"auth\"\r\n"));
	assert_null(strstr(text, "stale"));
	assert_null(strstr(text, "Proxy-"));

	mbuf_reset(mb);
	assert_int_equal(0, digest_challenge(f->d, mb, true, true, 1000));
	assert_true(mb->end < sizeof(text));
	memcpy(text, mb->buf, mb->end);
	text[mb->end] = '\0';
	assert_true(starts(text, "Proxy-Authenticate: Digest realm="));
	assert_non_null(strstr(text, "qop=\"auth\", stale=true\r\n"));

	/* two challenges at the same time: two nonces */
	challenge_nonce(n1, sizeof(n1), mb, DIGEST_MD5);
	mbuf_reset(mb);
	assert_int_equal(0, digest_challenge(f->d, mb, true, true, 1000));
	challenge_nonce(n2, sizeof(n2), mb, DIGEST_MD5);
	assert_string_not_equal(n1, n2);

	assert_int_equal(EINVAL, digest_challenge(f->d, NULL, 0, 0, 0));
	mem_deref(mb);
}


/* a verifier made for MD5 alone offers and takes MD5 alone (libre 1.1.0
 * clients give up at a challenge with another algorithm) */
static void test_algs(void **state)
{
	struct fix *f = *state;
	struct digest_prm prm = {.realm = REALM, .algs = 1u << DIGEST_MD5};
	struct mbuf *mb = mbuf_alloc(512);
	char text[1024], nonce[128], hv[1024];
	struct cli c = {
		.user = "alice", .realm = REALM, .pass = PASS,
		.nonce = nonce, .uri = "sip:x", .qop = true, .nc = 1,
	};

	assert_non_null(mb);
	mem_deref(f->d);
	f->d = NULL;
	assert_int_equal(0, digest_alloc(&f->d, &prm));

	assert_int_equal(0, digest_challenge(f->d, mb, false, false, 1000));
	assert_true(mb->end < sizeof(text));
	memcpy(text, mb->buf, mb->end);
	text[mb->end] = '\0';
	assert_null(strstr(text, "SHA-256"));
	assert_non_null(strstr(text, "algorithm=MD5"));
	assert_null(strstr(strstr(text, "WWW-Authenticate") + 1,
			   "WWW-Authenticate"));   /* one challenge */
	challenge_nonce(nonce, sizeof(nonce), mb, DIGEST_MD5);

	c.alg = DIGEST_SHA256;
	client_auth(hv, sizeof(hv), &c);
	assert_int_equal(DIGEST_BAD, verify(f, hv, "REGISTER", 2000, NULL, 0));
	c.alg = DIGEST_MD5;
	client_auth(hv, sizeof(hv), &c);
	assert_int_equal(DIGEST_OK, verify(f, hv, "REGISTER", 2000, NULL, 0));

	prm.algs = 1u << DIGEST_ALG_COUNT;
	assert_int_equal(EINVAL, digest_alloc(&f->d, &prm));
	mem_deref(mb);
}


/* challenge, then the client's answer: MD5 and SHA-256, with qop and
 * without */
static void test_round_trip(void **state)
{
	struct fix *f = *state;
	struct mbuf *mb = mbuf_alloc(512);
	char nonce[128], hv[1024], user[32];

	assert_non_null(mb);

	for (int alg = 0; alg < DIGEST_ALG_COUNT; alg++) {
		for (int qop = 0; qop < 2; qop++) {
			struct cli c = {
				.alg = alg, .user = "alice", .realm = REALM,
				.pass = PASS, .nonce = nonce,
				.uri = "sip:chorus.example.org", .qop = qop,
				.nc = 1,
			};

			mbuf_reset(mb);
			assert_int_equal(0, digest_challenge(f->d, mb, false,
							     false, 5000));
			challenge_nonce(nonce, sizeof(nonce), mb, alg);
			client_auth(hv, sizeof(hv), &c);

			memset(user, 0, sizeof(user));
			assert_int_equal(DIGEST_OK,
					 verify(f, hv, "REGISTER", 6000, user,
						sizeof(user)));
			assert_string_equal("alice", user);
		}
	}

	/* bob has only MD5, carol only SHA-256 */
	for (int alg = 0; alg < DIGEST_ALG_COUNT; alg++) {
		struct cli c = {
			.alg = alg, .realm = REALM, .pass = PASS,
			.nonce = nonce, .uri = "sip:x", .qop = true, .nc = 1,
		};

		mbuf_reset(mb);
		assert_int_equal(0, digest_challenge(f->d, mb, false, false,
						     5000));
		challenge_nonce(nonce, sizeof(nonce), mb, alg);

		c.user = "bob";
		client_auth(hv, sizeof(hv), &c);
		assert_int_equal(alg == DIGEST_MD5 ? DIGEST_OK :
				 DIGEST_UNKNOWN_USER,
				 verify(f, hv, "REGISTER", 5000, NULL, 0));
		c.user = "carol";
		client_auth(hv, sizeof(hv), &c);
		assert_int_equal(alg == DIGEST_SHA256 ? DIGEST_OK :
				 DIGEST_UNKNOWN_USER,
				 verify(f, hv, "REGISTER", 5000, NULL, 0));
	}

	mem_deref(mb);
}


static void fresh_nonce(struct fix *f, char *nonce, size_t size,
			enum digest_alg alg, uint64_t now)
{
	struct mbuf *mb = mbuf_alloc(512);

	assert_non_null(mb);
	assert_int_equal(0, digest_challenge(f->d, mb, false, false, now));
	challenge_nonce(nonce, size, mb, alg);
	mem_deref(mb);
}


static void test_refused(void **state)
{
	struct fix *f = *state;
	char nonce[128], hv[1024], user[8] = "";
	struct cli c = {
		.alg = DIGEST_SHA256, .user = "alice", .realm = REALM,
		.pass = "wrong", .nonce = nonce, .uri = "sip:x", .qop = true,
		.nc = 1,
	};

	fresh_nonce(f, nonce, sizeof(nonce), DIGEST_SHA256, 0);

	client_auth(hv, sizeof(hv), &c);
	assert_int_equal(DIGEST_WRONG, verify(f, hv, "REGISTER", 0, user,
					      sizeof(user)));
	assert_string_equal("", user);

	c.pass = PASS;
	c.user = "mallory";
	client_auth(hv, sizeof(hv), &c);
	assert_int_equal(DIGEST_UNKNOWN_USER, verify(f, hv, "REGISTER", 0,
						     NULL, 0));

	/* alice's elsewhere has no SHA-256; and it is not our realm */
	c.user = "alice";
	c.realm = "elsewhere";
	client_auth(hv, sizeof(hv), &c);
	assert_int_equal(DIGEST_NONE, verify(f, hv, "REGISTER", 0, NULL, 0));

	/* case matters in a realm */
	c.realm = "Chorus";
	client_auth(hv, sizeof(hv), &c);
	assert_int_equal(DIGEST_NONE, verify(f, hv, "REGISTER", 0, NULL, 0));

	/* right, but the user name does not fit the buffer */
	c.realm = REALM;
	client_auth(hv, sizeof(hv), &c);
	assert_int_equal(DIGEST_BAD, verify(f, hv, "REGISTER", 0, user, 5));
	assert_int_equal(DIGEST_OK, verify(f, hv, "REGISTER", 0, user,
					   sizeof(user)));

	assert_int_equal(DIGEST_NONE, verify(f, "Basic YWxpY2U6cw==",
					     "REGISTER", 0, NULL, 0));
	assert_int_equal(DIGEST_NONE, verify(f, "", "REGISTER", 0, NULL, 0));
	assert_int_equal(DIGEST_NONE, digest_verify(f->d, f->users, NULL,
						    "REGISTER", 0, NULL, 0));
	assert_int_equal(DIGEST_BAD, verify(f, hv, "", 0, NULL, 0));
}


/* flip one hex digit of a nonce at i */
static void flip(char *s, size_t i)
{
	s[i] = s[i] == '0' ? '1' : '0';
}


static void test_forged_nonce(void **state)
{
	struct fix *f = *state;
	char nonce[128], orig[128], hv[1024];
	struct cli c = {
		.alg = DIGEST_MD5, .user = "alice", .realm = REALM,
		.pass = PASS, .nonce = nonce, .uri = "sip:x", .qop = true,
		.nc = 1,
	};
	size_t len;

	fresh_nonce(f, orig, sizeof(orig), DIGEST_MD5, 1000);
	len = strlen(orig);
	assert_true(len > 32);

	/* the MAC, the salt, the time altered; the client knows the
	 * password and answers for the altered nonce: not ours, so stale
	 * (RFC 7616 3.3), never OK */
	for (size_t i = 0; i < len; i += 7) {
		strcpy(nonce, orig);
		flip(nonce, i);
		client_auth(hv, sizeof(hv), &c);
		assert_int_equal(DIGEST_STALE, verify(f, hv, "REGISTER", 1000,
						      NULL, 0));
	}

	/* an altered nonce with the response for the real one: wrong */
	strcpy(nonce, orig);
	client_auth(hv, sizeof(hv), &c);
	*strstr(hv, orig + len - 4) ^= 1;
	assert_int_equal(DIGEST_WRONG, verify(f, hv, "REGISTER", 1000, NULL,
					      0));

	/* not even our format; in upper case */
	strcpy(nonce, "abcdef");
	client_auth(hv, sizeof(hv), &c);
	assert_int_equal(DIGEST_STALE, verify(f, hv, "REGISTER", 1000, NULL,
					      0));
	for (size_t i = 0; i < len; i++)
		nonce[i] = (char)toupper((unsigned char)orig[i]);
	nonce[len] = '\0';
	client_auth(hv, sizeof(hv), &c);
	assert_int_equal(DIGEST_STALE, verify(f, hv, "REGISTER", 1000, NULL,
					      0));

	/* the real one still works */
	strcpy(nonce, orig);
	client_auth(hv, sizeof(hv), &c);
	assert_int_equal(DIGEST_OK, verify(f, hv, "REGISTER", 1000, NULL, 0));

	/* a nonce of another server (another secret) */
	{
		struct digest_prm prm = {.realm = REALM,
					 .secret = (const uint8_t *)"k",
					 .secret_len = 1};
		struct digest *other = NULL;
		struct mbuf *mb = mbuf_alloc(512);

		assert_non_null(mb);
		assert_int_equal(0, digest_alloc(&other, &prm));
		assert_int_equal(0, digest_challenge(other, mb, false, false,
						     1000));
		challenge_nonce(nonce, sizeof(nonce), mb, DIGEST_MD5);
		client_auth(hv, sizeof(hv), &c);
		assert_int_equal(DIGEST_STALE, verify(f, hv, "REGISTER", 1000,
						      NULL, 0));
		mem_deref(other);
		mem_deref(mb);
	}
}


/* A secret given: nonces survive the verifier (a restart) */
static void test_secret(void **state)
{
	struct fix *f = *state;
	static const uint8_t key[] = "0123456789abcdef0123456789abcdef";
	struct digest_prm prm = {.realm = REALM, .secret = key,
				 .secret_len = sizeof(key) - 1};
	char nonce[128], hv[1024];
	struct cli c = {
		.alg = DIGEST_SHA256, .user = "alice", .realm = REALM,
		.pass = PASS, .nonce = nonce, .uri = "sip:x", .qop = true,
		.nc = 1,
	};

	mem_deref(f->d);
	f->d = NULL;
	assert_int_equal(0, digest_alloc(&f->d, &prm));
	fresh_nonce(f, nonce, sizeof(nonce), DIGEST_SHA256, 100);
	mem_deref(f->d);
	f->d = NULL;
	assert_int_equal(0, digest_alloc(&f->d, &prm));

	client_auth(hv, sizeof(hv), &c);
	assert_int_equal(DIGEST_OK, verify(f, hv, "REGISTER", 200, NULL, 0));

	/* a nonce from the future (the clock went back) */
	assert_int_equal(DIGEST_STALE, verify(f, hv, "REGISTER", 99, NULL,
					      0));

	prm.secret_len = 0;
	assert_int_equal(EINVAL, digest_alloc(&f->d, &prm));
	prm.secret = NULL;
	prm.realm = "a\"b";
	assert_int_equal(EINVAL, digest_alloc(&f->d, &prm));
	prm.realm = "";
	assert_int_equal(EINVAL, digest_alloc(&f->d, &prm));
}


static void test_stale(void **state)
{
	struct fix *f = *state;
	char nonce[128], hv[1024];
	struct cli c = {
		.alg = DIGEST_SHA256, .user = "alice", .realm = REALM,
		.pass = PASS, .nonce = nonce, .uri = "sip:x", .qop = true,
		.nc = 1,
	};
	const uint64_t t0 = 1000000;

	fresh_nonce(f, nonce, sizeof(nonce), DIGEST_SHA256, t0);
	client_auth(hv, sizeof(hv), &c);

	/* ttl 60 s */
	assert_int_equal(DIGEST_STALE, verify(f, hv, "REGISTER",
					      t0 + 60001, NULL, 0));
	assert_int_equal(DIGEST_OK, verify(f, hv, "REGISTER", t0 + 60000,
					   NULL, 0));

	/* the password is checked first: a wrong one is wrong */
	c.pass = "nope";
	c.nc = 2;
	client_auth(hv, sizeof(hv), &c);
	assert_int_equal(DIGEST_WRONG, verify(f, hv, "REGISTER", t0 + 99999,
					      NULL, 0));
}


static void test_replay(void **state)
{
	struct fix *f = *state;
	char nonce[128], hv[1024];
	struct cli c = {
		.alg = DIGEST_MD5, .user = "alice", .realm = REALM,
		.pass = PASS, .nonce = nonce, .uri = "sip:x", .qop = true,
		.nc = 1,
	};

	fresh_nonce(f, nonce, sizeof(nonce), DIGEST_MD5, 0);

	client_auth(hv, sizeof(hv), &c);
	assert_int_equal(DIGEST_OK, verify(f, hv, "REGISTER", 10, NULL, 0));
	assert_int_equal(DIGEST_REPLAY, verify(f, hv, "REGISTER", 20, NULL,
					       0));

	c.nc = 2;
	client_auth(hv, sizeof(hv), &c);
	assert_int_equal(DIGEST_OK, verify(f, hv, "REGISTER", 30, NULL, 0));
	assert_int_equal(DIGEST_REPLAY, verify(f, hv, "REGISTER", 40, NULL,
					       0));

	c.nc = 7;                    /* a gap is fine (RFC 7616 3.3) */
	client_auth(hv, sizeof(hv), &c);
	assert_int_equal(DIGEST_OK, verify(f, hv, "REGISTER", 50, NULL, 0));

	c.nc = 3;
	client_auth(hv, sizeof(hv), &c);
	assert_int_equal(DIGEST_REPLAY, verify(f, hv, "REGISTER", 60, NULL,
					       0));

	/* the same nonce without qop now: refused */
	c.qop = false;
	client_auth(hv, sizeof(hv), &c);
	assert_int_equal(DIGEST_REPLAY, verify(f, hv, "REGISTER", 70, NULL,
					       0));

	/* a nonce without qop: once */
	fresh_nonce(f, nonce, sizeof(nonce), DIGEST_MD5, 100);
	client_auth(hv, sizeof(hv), &c);
	assert_int_equal(DIGEST_OK, verify(f, hv, "REGISTER", 110, NULL, 0));
	assert_int_equal(DIGEST_REPLAY, verify(f, hv, "REGISTER", 120, NULL,
					       0));
	c.qop = true;
	c.nc = 100;
	client_auth(hv, sizeof(hv), &c);
	assert_int_equal(DIGEST_REPLAY, verify(f, hv, "REGISTER", 130, NULL,
					       0));

	/* nc 0 is not a count */
	fresh_nonce(f, nonce, sizeof(nonce), DIGEST_MD5, 200);
	c.nc = 0;
	client_auth(hv, sizeof(hv), &c);
	assert_int_equal(DIGEST_BAD, verify(f, hv, "REGISTER", 210, NULL, 0));
}


/* A full table drops the nonce used first; it cannot come back */
static void test_nonce_table(void **state)
{
	struct fix *f = *state;
	struct digest_prm prm = {.realm = REALM, .nonce_ttl_s = 60,
				 .nonces_max = 2};
	char nonce[3][128], hv[1024];
	struct cli c = {
		.alg = DIGEST_MD5, .user = "alice", .realm = REALM,
		.pass = PASS, .uri = "sip:x", .qop = true, .nc = 1,
	};

	mem_deref(f->d);
	f->d = NULL;
	assert_int_equal(0, digest_alloc(&f->d, &prm));

	for (int i = 0; i < 3; i++)
		fresh_nonce(f, nonce[i], sizeof(nonce[i]), DIGEST_MD5,
			    1000 + (uint64_t)i);

	for (int i = 0; i < 3; i++) {
		c.nonce = nonce[i];
		client_auth(hv, sizeof(hv), &c);
		assert_int_equal(DIGEST_OK, verify(f, hv, "REGISTER", 2000,
						   NULL, 0));
	}

	/* nonce 0 was dropped: stale, whatever its nc, so no replay */
	c.nonce = nonce[0];
	client_auth(hv, sizeof(hv), &c);
	assert_int_equal(DIGEST_STALE, verify(f, hv, "REGISTER", 2000, NULL,
					      0));
	c.nc = 2;
	client_auth(hv, sizeof(hv), &c);
	assert_int_equal(DIGEST_STALE, verify(f, hv, "REGISTER", 2000, NULL,
					      0));

	/* the others are remembered */
	c.nonce = nonce[2];
	c.nc = 1;
	client_auth(hv, sizeof(hv), &c);
	assert_int_equal(DIGEST_REPLAY, verify(f, hv, "REGISTER", 2000, NULL,
					       0));

	/* expired ones make room: after the ttl, new nonces fit again */
	for (int i = 0; i < 3; i++) {
		fresh_nonce(f, nonce[0], sizeof(nonce[0]), DIGEST_MD5,
			    100000 + (uint64_t)i);
		c.nonce = nonce[0];
		client_auth(hv, sizeof(hv), &c);
		assert_int_equal(DIGEST_OK, verify(f, hv, "REGISTER",
						   100000 + (uint64_t)i,
						   NULL, 0));
	}
}


/* sipp's uri is "sip:HOST:PORT", not the Request-URI: it is the one the
 * response covers */
static void test_sipp_uri(void **state)
{
	struct fix *f = *state;
	char nonce[128], hv[1024], user[32];
	struct cli c = {
		.alg = DIGEST_MD5, .user = "alice", .realm = REALM,
		.pass = PASS, .nonce = nonce, .uri = "sip:127.0.0.1:5060",
		.method = "INVITE", .qop = true, .nc = 1,
		.cnonce = "6b8b4567",
	};

	fresh_nonce(f, nonce, sizeof(nonce), DIGEST_MD5, 0);
	client_auth(hv, sizeof(hv), &c);
	assert_int_equal(DIGEST_OK, verify(f, hv, "INVITE", 0, user,
					   sizeof(user)));
	assert_string_equal("alice", user);

	/* sipp's own layout: no spaces, algorithm before qop, and the
	 * SIP method must match the one the client hashed */
	c.nc = 2;
	client_auth(hv, sizeof(hv), &c);
	assert_int_equal(DIGEST_WRONG, verify(f, hv, "REGISTER", 0, NULL, 0));
}


/* Quoted strings with escapes, token values, odd spacing, case */
static void test_syntax(void **state)
{
	struct fix *f = *state;
	char nonce[128], hv[2048], ha1[DIGEST_HEX_SIZE];
	char resp[DIGEST_HEX_SIZE], user[32];

	fresh_nonce(f, nonce, sizeof(nonce), DIGEST_MD5, 0);
	assert_int_equal(0, digest_ha1(ha1, sizeof(ha1), DIGEST_MD5, "alice",
				       REALM, PASS));
	assert_int_equal(0, digest_response(resp, sizeof(resp), DIGEST_MD5,
					    ha1, nonce, "0000000a", "c\"n",
					    "auth", "MESSAGE",
					    "sip:a@b;x=\"y\""));

	/* upper-case names, a quoted qop and algorithm, escapes, an empty
	 * list element, an unknown parameter, an upper-case response */
	for (size_t i = 0; i < 32; i++)
		resp[i] = (char)toupper((unsigned char)resp[i]);
	snprintf(hv, sizeof(hv),
		 "  digest USERNAME=\"al\\ice\" ,, Realm=chorus,"
		 "nonce=\"%s\",uri=\"sip:a@b;x=\\\"y\\\"\",\tqop=\"auth\","
		 "nc=0000000a,cnonce=\"c\\\"n\",foo=bar,ALGORITHM=\"md5\","
		 "response=\"%s\" ,", nonce, resp);
	assert_int_equal(DIGEST_OK, verify(f, hv, "MESSAGE", 0, user,
					   sizeof(user)));
	assert_string_equal("alice", user);
}


static void check_never_ok(struct fix *f, const char *hv)
{
	enum digest_result r = verify(f, hv, "REGISTER", 0, NULL, 0);

	if (r == DIGEST_OK)
		fail_msg("OK for <%s>", hv);
}


static void test_malformed(void **state)
{
	struct fix *f = *state;
	char nonce[128], hv[1024], buf[1024], big[2100];
	struct cli c = {
		.alg = DIGEST_SHA256, .user = "alice", .realm = REALM,
		.pass = PASS, .nonce = nonce, .uri = "sip:x", .qop = true,
		.nc = 1,
	};
	static const char *bad[] = {
		"Digest",
		"Digest ",
		"Digest,",
		"Digest realm",
		"Digest realm=",
		"Digest realm=\"chorus",
		"Digest realm=\"chorus\\",
		"Digest realm=\"chorus\" username",
		"Digest realm=\"chorus\" username=\"a\"",
		"Digest realm=chorus, realm=chorus",
		"Digest realm=\"chorus\", username=\"alice\"",
		"Digest realm=\"chorus\", username=\"alice\", nonce=\"x\", "
		"uri=\"sip:x\"",
		"Digest realm=\"chorus\", username=\"alice\", nonce=\"x\", "
		"uri=\"sip:x\", response=\"zz\"",
		"Digest=realm",
		"Digestrealm=\"chorus\"",
		"Digest \"chorus\"",
		"Digest realm=\"cho\nrus\"",
		"Digest realm=\"cho\x01rus\"",
		"Digest =\"x\"",
		"Digest realm=\"chorus\",=",
		"\"\"\"\"\\\\\\,,,===",
		"Digest \xff\xfe=\x80",
	};
	uint32_t seed = 12345;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		check_never_ok(f, bad[i]);

	fresh_nonce(f, nonce, sizeof(nonce), DIGEST_SHA256, 0);
	client_auth(hv, sizeof(hv), &c);

	/* every prefix of a good header (the response last) */
	{
		char *r = strstr(hv, ", response=");
		char tail[128];
		size_t n;

		assert_non_null(r);
		n = strcspn(r + 2, ",");
		assert_true(n < sizeof(tail));
		memcpy(tail, r + 2, n);
		tail[n] = '\0';
		memmove(r, r + 2 + n, strlen(r + 2 + n) + 1);
		assert_true(strlen(hv) + n + 2 < sizeof(hv));
		strcat(hv, ", ");
		strcat(hv, tail);
	}
	for (size_t n = 0; n < strlen(hv); n++) {
		memcpy(buf, hv, n);
		buf[n] = '\0';
		check_never_ok(f, buf);
	}

	/* one field changed at a time */
	{
		static const struct {
			const char *from, *to;
		} subst[] = {
			{"algorithm=SHA-256", "algorithm=SHA-256-sess"},
			{"algorithm=SHA-256", "algorithm=SHA-512-256"},
			{"algorithm=SHA-256", "algorithm=MD5"},
			{"qop=auth", "qop=auth-int"},
			{"nc=00000001", "nc=1"},
			{"nc=00000001", "nc=0000000g"},
			{"nc=00000001", "nc=000000001"},
			{"username=\"alice\"", "username=\"\""},
			{"username=\"alice\"", "username*=UTF-8''alice"},
			{"cnonce=\"0a4f113b\"", "cnonce=\"\""},
			{"uri=\"sip:x\"", "uri=\"\""},
			{"realm=\"chorus\"", "realm=\"chorus\", realm=\"x\""},
			{"response=\"", "userhash=true, response=\""},
			{"response=\"", "response=\"0"},
		};

		for (size_t i = 0; i < ARRAY_SIZE(subst); i++) {
			const char *p = strstr(hv, subst[i].from);

			assert_non_null(p);
			snprintf(buf, sizeof(buf), "%.*s%s%s",
				 (int)(p - hv), hv, subst[i].to,
				 p + strlen(subst[i].from));
			check_never_ok(f, buf);
		}
	}

	/* too long to hold */
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	snprintf(buf, sizeof(buf), "Digest username=\"%.300s\", realm=chorus",
		 big);
	check_never_ok(f, buf);

	/* garbage */
	for (int i = 0; i < 2000; i++) {
		size_t n;

		seed = seed * 1103515245 + 12345;
		n = (seed >> 16) % 200;
		for (size_t k = 0; k < n; k++) {
			seed = seed * 1103515245 + 12345;
			buf[k] = (char)(seed >> 16);
		}
		buf[n] = '\0';
		if (i & 1 && n > 7)
			memcpy(buf, "Digest ", 7);
		check_never_ok(f, buf);
	}

	/* the good one is still good (nothing above used its nc) */
	assert_int_equal(DIGEST_OK, verify(f, hv, "REGISTER", 0, NULL, 0));

	/* single bytes changed: must not crash (some may still verify,
	 * such as a space for a tab) */
	for (size_t i = 0; i < strlen(hv); i++) {
		static const char repl[] = "\"\\,= \t\r\nx\x7f";

		for (size_t j = 0; j < sizeof(repl); j++) {
			strcpy(buf, hv);
			buf[i] = repl[j];
			(void)verify(f, buf, "REGISTER", 0, NULL, 0);
		}
	}
}


static void test_users_file(void **state)
{
	struct fix *f = *state;
	struct digest_users *u = NULL;
	const char *ha1;
	char path[64];
	static const char *bad[] = {
		"alice\n",
		"alice:chorus\n",
		"alice:chorus:\n",
		"alice:chorus::\n",                         /* no HA1 */
		":chorus:939e7578ed9e3c518a452acee763bce9:\n",
		"alice::939e7578ed9e3c518a452acee763bce9:\n",
		"alice:chorus:939e7578ed9e3c518a452acee763bce:\n",
		"alice:chorus:939E7578ED9E3C518A452ACEE763BCE9:\n",
		"alice:chorus:939e7578ed9e3c518a452acee763bce9:abc\n",
		"alice:chorus:939e7578ed9e3c518a452acee763bce9::\n",
		"alice:chorus:939e7578ed9e3c518a452acee763bcg9:\n",
		"# ok\nalice:chorus:939e7578ed9e3c518a452acee763bce9:\n"
		"alice:chorus:939e7578ed9e3c518a452acee763bce9:\n",
	};

	assert_int_equal(4, digest_users_count(f->users));

	ha1 = digest_users_ha1(f->users, "alice", REALM, DIGEST_SHA256);
	assert_non_null(ha1);
	assert_int_equal(64, strlen(ha1));
	ha1 = digest_users_ha1(f->users, "alice", REALM, DIGEST_MD5);
	assert_non_null(ha1);
	assert_int_equal(32, strlen(ha1));
	assert_non_null(digest_users_ha1(f->users, "bob", REALM, DIGEST_MD5));
	assert_null(digest_users_ha1(f->users, "bob", REALM, DIGEST_SHA256));
	assert_null(digest_users_ha1(f->users, "carol", REALM, DIGEST_MD5));
	assert_non_null(digest_users_ha1(f->users, "carol", REALM,
					 DIGEST_SHA256));
	assert_non_null(digest_users_ha1(f->users, "alice", "elsewhere",
					 DIGEST_MD5));
	assert_null(digest_users_ha1(f->users, "alice", "elsewhere",
				     DIGEST_SHA256));
	assert_null(digest_users_ha1(f->users, "Alice", REALM, DIGEST_MD5));
	assert_null(digest_users_ha1(f->users, "dave", REALM, DIGEST_MD5));
	assert_null(digest_users_ha1(f->users, "alice", REALM,
				     DIGEST_ALG_COUNT));
	assert_null(digest_users_ha1(NULL, "alice", REALM, DIGEST_MD5));

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(0, users_file(path, sizeof(path), bad[i]));
		assert_int_equal(EBADMSG, digest_users_load(&u, path));
		assert_null(u);
		unlink(path);
	}

	/* empty: no users, fine */
	assert_int_equal(0, users_file(path, sizeof(path), "# none\n\n"));
	assert_int_equal(0, digest_users_load(&u, path));
	assert_int_equal(0, digest_users_count(u));
	u = mem_deref(u);
	unlink(path);

	assert_int_equal(ENOENT, digest_users_load(&u, "/nonexistent/u"));
}


/* Run scripts/chorus-user; its output in out, its exit status back */
static int run_script(char *out, size_t size, const char *pass,
		      const char *args)
{
	char cmd[512];
	FILE *fp;
	size_t n;
	int st;

	snprintf(cmd, sizeof(cmd), "printf '%%s\\n' '%s' | "
		 "sh scripts/chorus-user %s 2>/dev/null", pass, args);
	fp = popen(cmd, "r");
	assert_non_null(fp);
	n = fread(out, 1, size - 1, fp);
	out[n] = '\0';
	st = pclose(fp);

	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}


static void test_chorus_user(void **state)
{
	char out[512], line[512], md5[DIGEST_HEX_SIZE], sha[DIGEST_HEX_SIZE];

	if (access("scripts/chorus-user", R_OK) || system("true")) {
		skip();
		return;
	}

	assert_int_equal(0, digest_ha1(md5, sizeof(md5), DIGEST_MD5,
				       "Mufasa", "http-auth@example.org",
				       "Circle of Life"));
	assert_int_equal(0, digest_ha1(sha, sizeof(sha), DIGEST_SHA256,
				       "Mufasa", "http-auth@example.org",
				       "Circle of Life"));
	snprintf(line, sizeof(line), "Mufasa:http-auth@example.org:%s:%s\n",
		 md5, sha);
	assert_int_equal(0, run_script(out, sizeof(out), "Circle of Life",
				       "Mufasa http-auth@example.org"));
	assert_string_equal(line, out);

	/* the default realm; a password with spaces, a backslash, '%' */
	assert_int_equal(0, digest_ha1(md5, sizeof(md5), DIGEST_MD5, "bob",
				       "chorus", " a\\b %s "));
	assert_int_equal(0, digest_ha1(sha, sizeof(sha), DIGEST_SHA256,
				       "bob", "chorus", " a\\b %s "));
	snprintf(line, sizeof(line), "bob:chorus:%s:%s\n", md5, sha);
	assert_int_equal(0, run_script(out, sizeof(out), " a\\b %s ", "bob"));
	assert_string_equal(line, out);

	assert_int_not_equal(0, run_script(out, sizeof(out), "x", "a:b"));
	assert_string_equal("", out);
	assert_int_not_equal(0, run_script(out, sizeof(out), "x",
					   "a 'r:x'"));
	assert_int_not_equal(0, run_script(out, sizeof(out), "", "a"));
	assert_int_not_equal(0, run_script(out, sizeof(out), "x", ""));
}


static void test_result_str(void **state)
{
	assert_string_equal("ok", digest_result_str(DIGEST_OK));
	assert_string_equal("replay", digest_result_str(DIGEST_REPLAY));
	assert_string_equal("?", digest_result_str((enum digest_result)99));
	assert_string_equal("SHA-256", digest_alg_name(DIGEST_SHA256));
	assert_string_equal("MD5", digest_alg_name(DIGEST_MD5));
}


/* OpenSSL allocates its tables on first use, for good, and so does glibc
 * its time zone (log.c's gmtime_r): before the leak checks start */
static void warm_up(void)
{
	time_t t0 = 0;
	struct tm tm;

	struct digest_prm prm = {.realm = REALM};
	struct digest *d = NULL;
	struct mbuf *mb = mbuf_alloc(512);
	char hex[DIGEST_HEX_SIZE];
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int len;

	(void)gmtime_r(&t0, &tm);
	(void)digest_ha1(hex, sizeof(hex), DIGEST_SHA256, "a", "b", "c");
	(void)digest_ha1(hex, sizeof(hex), DIGEST_MD5, "a", "b", "c");
	(void)EVP_Digest("a", 1, md, &len, EVP_sha256(), NULL);
	(void)EVP_Digest("a", 1, md, &len, EVP_md5(), NULL);
	if (!digest_alloc(&d, &prm) && mb)
		(void)digest_challenge(d, mb, false, false, 0);
	mem_deref(d);
	mem_deref(mb);
}


int main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		leak_test(test_ha1_known),
		leak_test(test_response_known),
		leak_test(test_rfc7616_header),
		leak_test_setup_teardown(test_challenge, setup, teardown),
		leak_test_setup_teardown(test_algs, setup, teardown),
		leak_test_setup_teardown(test_round_trip, setup, teardown),
		leak_test_setup_teardown(test_refused, setup, teardown),
		leak_test_setup_teardown(test_forged_nonce, setup, teardown),
		leak_test_setup_teardown(test_secret, setup, teardown),
		leak_test_setup_teardown(test_stale, setup, teardown),
		leak_test_setup_teardown(test_replay, setup, teardown),
		leak_test_setup_teardown(test_nonce_table, setup, teardown),
		leak_test_setup_teardown(test_sipp_uri, setup, teardown),
		leak_test_setup_teardown(test_syntax, setup, teardown),
		leak_test_setup_teardown(test_malformed, setup, teardown),
		leak_test_setup_teardown(test_users_file, setup, teardown),
		leak_test(test_chorus_user),
		leak_test(test_result_str),
	};

	(void)argc;
	leak_init(argv);
	warm_up();

	return cmocka_run_group_tests_name("digest", tests, NULL, NULL);
}
