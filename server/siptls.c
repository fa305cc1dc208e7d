/**
 * @file siptls.c  The TLS context of the SIP over TLS listener
 *                 (RFC 3261 26.2.1, RFC 5630)
 *
 * libre loads a certificate and its key only from one file; an operator's
 * certificate chain and key are often two (a CA's fullchain.pem and
 * privkey.pem), so the files are loaded here into libre's OpenSSL context.
 */
#define USE_OPENSSL 1
#include <openssl/err.h>
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
