/**
 * @file siptls.c  The TLS context of the SIP over TLS listener
 *                 (RFC 3261 26.2.1, RFC 5630)
 *
 * libre loads a certificate and its key only from one file; an operator's
 * certificate chain and key are often two (a CA's fullchain.pem and
 * privkey.pem), so the files are loaded here into libre's OpenSSL context.
 * A reload (a renewed certificate, SIGHUP) swaps the chain and key of that
 * context in one step; connections already up keep the certificate they
 * were made with.
 */
#define USE_OPENSSL 1
#include <stdio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <re.h>
#include "siptls.h"


static void ssl_error(char *err, size_t errsz, const char *what,
		      const char *path)
{
	char buf[160];

	ERR_error_string_n(ERR_get_error(), buf, sizeof(buf));
	re_snprintf(err, errsz, "%s %s: %s", what, path, buf);
	ERR_clear_error();
}


/**
 * Make the TLS context SIP over TLS serves with
 *
 * @param tlsp   Set on success
 * @param cert   PEM file: the certificate chain, leaf first
 * @param key    PEM file with the private key, NULL or "" if in cert
 * @param err    Filled with one line that says what is wrong, on error
 *
 * @return 0, ENOENT for a file that cannot be read, EINVAL for a
 *         certificate or key that does not load or does not match
 */
int siptls_alloc(struct tls **tlsp, const char *cert, const char *key,
		 char *err, size_t errsz)
{
	struct tls *tls = NULL;
	SSL_CTX *ctx;
	int e;

	if (!tlsp || !cert || !cert[0])
		return EINVAL;

	if (!key || !key[0])
		key = cert;

	e = tls_alloc(&tls, TLS_METHOD_SSLV23, NULL, NULL);
	if (e) {
		re_snprintf(err, errsz, "TLS context: %m", e);
		return e;
	}

	ctx = tls_openssl_context(tls);
	if (!ctx) {
		e = ENOSYS;
		re_snprintf(err, errsz, "TLS context: no OpenSSL context");
		goto out;
	}

	/* RFC 5246 7.4.2: the sender's certificate first, then its CAs */
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		ssl_error(err, errsz, "TLS certificate", cert);
		e = EINVAL;
		goto out;
	}

	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		ssl_error(err, errsz, "TLS key", key);
		e = EINVAL;
		goto out;
	}

	if (SSL_CTX_check_private_key(ctx) != 1) {
		ssl_error(err, errsz, "TLS key does not match", cert);
		e = EINVAL;
		goto out;
	}

	/* clients of a conference bridge do not present certificates */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);

 out:
	if (e)
		mem_deref(tls);
	else
		*tlsp = tls;

	return e;
}


/* The PEM chain in path: the leaf, and its CAs in chain */
static int chain_read(X509 **leafp, STACK_OF(X509) **chainp,
		      const char *path, char *err, size_t errsz)
{
	STACK_OF(X509) *chain = NULL;
	X509 *leaf, *ca;
	FILE *f = fopen(path, "r");

	if (!f) {
		re_snprintf(err, errsz, "TLS certificate %s: %m", path, errno);
		return ENOENT;
	}

	leaf = PEM_read_X509(f, NULL, NULL, NULL);
	chain = sk_X509_new_null();
	while (leaf && chain && (ca = PEM_read_X509(f, NULL, NULL, NULL))) {
		if (!sk_X509_push(chain, ca)) {
			X509_free(ca);
			break;
		}
	}
	fclose(f);
	ERR_clear_error();   /* the end of the file */

	if (!leaf || !chain) {
		re_snprintf(err, errsz, "TLS certificate %s: no PEM "
			    "certificate", path);
		X509_free(leaf);
		sk_X509_pop_free(chain, X509_free);
		return EINVAL;
	}

	*leafp = leaf;
	*chainp = chain;
	return 0;
}


static EVP_PKEY *key_read(const char *path, char *err, size_t errsz)
{
	EVP_PKEY *pkey;
	FILE *f = fopen(path, "r");

	if (!f) {
		re_snprintf(err, errsz, "TLS key %s: %m", path, errno);
		return NULL;
	}

	pkey = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (!pkey)
		ssl_error(err, errsz, "TLS key", path);

	return pkey;
}


/**
 * Load the certificate chain and key again into a context siptls_alloc()
 * made (SIGHUP: a renewed certificate). Checked before anything changes:
 * on error the context serves what it served.
 *
 * @param tls    The context
 * @param cert   PEM file: the certificate chain, leaf first
 * @param key    PEM file with the private key, NULL or "" if in cert
 * @param check  Only check the files, change nothing
 * @param err    Filled with one line that says what is wrong, on error
 *
 * @return 0, ENOENT for a file that cannot be read, EINVAL for a
 *         certificate or key that does not load or does not match
 */
int siptls_reload(struct tls *tls, const char *cert, const char *key,
		  bool check, char *err, size_t errsz)
{
	STACK_OF(X509) *chain = NULL;
	X509 *leaf = NULL;
	EVP_PKEY *pkey = NULL;
	SSL_CTX *ctx;
	int e;

	if (!tls || !cert || !cert[0])
		return EINVAL;

	if (!key || !key[0])
		key = cert;

	ctx = tls_openssl_context(tls);
	if (!ctx) {
		re_snprintf(err, errsz, "TLS context: no OpenSSL context");
		return ENOSYS;
	}

	e = chain_read(&leaf, &chain, cert, err, errsz);
	if (e)
		return e;

	pkey = key_read(key, err, errsz);
	if (!pkey) {
		e = EINVAL;
		goto out;
	}

	if (X509_check_private_key(leaf, pkey) != 1) {
		ssl_error(err, errsz, "TLS key does not match", cert);
		e = EINVAL;
		goto out;
	}

	if (check)
		goto out;

	/* leaf, key and chain in one step (override: replace the old) */
	if (SSL_CTX_use_cert_and_key(ctx, leaf, pkey, chain, 1) != 1) {
		ssl_error(err, errsz, "TLS certificate", cert);
		e = EINVAL;
		goto out;
	}

 out:
	X509_free(leaf);
	EVP_PKEY_free(pkey);
	sk_X509_pop_free(chain, X509_free);

	return e;
}
