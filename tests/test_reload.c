/**
 * @file test_reload.c  SIGHUP: what a configuration read again changes,
 *                      what a reload applies and what waits for a
 *                      restart; the users file read again, all or nothing
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#define USE_OPENSSL 1
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <re.h>
#include "server/cfg.h"
#include "server/digest.h"
#include "server/log.h"
#include "server/reload.h"
#include "server/sipauth.h"
#include "server/siptls.h"
#include "leak.h"

/* HA1s of "alice:chorus:secret" and friends are not checked here: any
 * 32 lower-case hex digits do */
#define HA1_A "0123456789abcdef0123456789abcdef"
#define HA1_B "fedcba9876543210fedcba9876543210"

static char conf_path[64];
static char users_path[64];


static int setup(void **state)
{
	int fd;

	(void)state;
	unsetenv("CHORUS_CONFIG");
	re_snprintf(conf_path, sizeof(conf_path), "/tmp/test_reload_c.XXXXXX");
	fd = mkstemp(conf_path);
	if (fd < 0)
		return -1;
	close(fd);
	re_snprintf(users_path, sizeof(users_path),
		    "/tmp/test_reload_u.XXXXXX");
	fd = mkstemp(users_path);
	if (fd < 0)
		return -1;
	close(fd);

	return 0;
}


static int teardown(void **state)
{
	(void)state;
	unlink(conf_path);
	unlink(users_path);
	return 0;
}


static void file_write(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(1, fputs(text, f) >= 0);
	fclose(f);
}


/* cfg_load() with --config conf_path and the extra flags */
static void load(struct config *cfg, const char *flag, const char *val)
{
	char *argv[] = {"chorusd", "--config", conf_path, (char *)flag,
			(char *)val, NULL};
	char err[256] = "";
	int argc = flag ? 5 : 3;

	assert_int_equal(CFG_OK, cfg_load(cfg, argc, argv, err, sizeof(err)));
}


/* The same configuration read twice: nothing to say, nothing to do */
static void test_nothing_changed(void **state)
{
	struct config a, b;
	struct reload_plan p;

	(void)state;
	file_write(conf_path, "log_level warn\n");
	load(&a, NULL, NULL);
	load(&b, NULL, NULL);

	reload_plan(&a, &b, &p);
	assert_string_equal("", p.live);
	assert_string_equal("", p.restart);
	assert_false(p.auth);
}


/* The live settings are described (a secret is not shown) and copied */
static void test_live(void **state)
{
	struct config cur, next;
	struct reload_plan p;

	(void)state;
	file_write(conf_path, "log_level info\n"
		   "api_token aaaaaaaaaaaaaaaaaaaa\n");
	load(&cur, NULL, NULL);

	file_write(conf_path, "log_level debug\n"
		   "api_token bbbbbbbbbbbbbbbbbbbb\n"
		   "auto_create yes\n"
		   "api_public_health no\n");
	load(&next, NULL, NULL);

	reload_plan(&cur, &next, &p);
	assert_string_equal("auto_create no -> yes, "
			    "log_level info -> debug, api_token changed, "
			    "api_public_health yes -> no", p.live);
	assert_null(strstr(p.live, "aaaa"));
	assert_null(strstr(p.live, "bbbb"));
	assert_string_equal("", p.restart);

	reload_apply(&cur, &next);
	assert_string_equal("bbbbbbbbbbbbbbbbbbbb", cur.api_token);
	assert_int_equal(LOG_DEBUG, cur.log_level);
	assert_true(cur.auto_create);
	assert_false(cur.api_public_health);

	/* applied: the next reload of the same file changes nothing */
	reload_plan(&cur, &next, &p);
	assert_string_equal("", p.live);

	/* a token taken away */
	file_write(conf_path, "log_level debug\n");
	load(&next, NULL, NULL);
	reload_plan(&cur, &next, &p);
	assert_string_equal("auto_create yes -> no, api_token changed, "
			    "api_public_health no -> yes", p.live);
	reload_apply(&cur, &next);
	assert_string_equal("", cur.api_token);
}


/* Addresses, ports, threads, TLS and room defaults are not touched: they
 * are named, once each, for a restart */
static void test_restart(void **state)
{
	struct config cur, next;
	struct reload_plan p;

	(void)state;
	file_write(conf_path, "sip 127.0.0.1:5060\nrtp_ports 10000-10999\n"
		   "jitter_ms 20-200\nmax_participants 10\n");
	load(&cur, NULL, NULL);
	sa_set_str(&cur.advertise, "192.0.2.1", 0);  /* as start-up picks */

	file_write(conf_path, "sip 127.0.0.2:5070\nrtp_ports 12000-12999\n"
		   "jitter_ms 40-300\nmax_participants 20\n"
		   "log_level error\n");
	load(&next, NULL, NULL);

	reload_plan(&cur, &next, &p);
	assert_string_equal("log_level info -> error", p.live);
	assert_string_equal("sip, rtp_ports, max_participants, jitter_ms",
			    p.restart);

	reload_apply(&cur, &next);
	assert_int_equal(5060, sa_port(&cur.sip));
	assert_int_equal(10000, cur.rtp_min);
	assert_int_equal(10999, cur.rtp_max);
	assert_int_equal(20, cur.jitter_min_ms);
	assert_int_equal(10, cur.max_participants);
	assert_int_equal(LOG_ERROR, cur.log_level);
	assert_false(sa_isset(&next.advertise, SA_ADDR));
	{
		struct sa want;

		sa_set_str(&want, "192.0.2.1", 0);
		assert_true(sa_cmp(&cur.advertise, &want, SA_ADDR));
	}

	/* an advertise address configured where there was none */
	load(&next, "--advertise", "192.0.2.7");
	reload_plan(&cur, &next, &p);
	assert_non_null(strstr(p.restart, "advertise"));

	/* the resolver's sockets are made with SIP's */
	load(&next, "--resolver", "off");
	assert_int_equal(RESOLVER_OFF, next.resolver);
	reload_plan(&cur, &next, &p);
	assert_non_null(strstr(p.restart, "resolver"));
	reload_apply(&cur, &next);
	assert_int_equal(RESOLVER_AUTO, cur.resolver);
}


/* The certificate is read again while TLS is served before and after;
 * TLS coming, going or moving is a restart */
static void test_tls_plan(void **state)
{
	struct config cur, next;
	struct reload_plan p;

	(void)state;
	file_write(conf_path, "");
	load(&cur, NULL, NULL);
	load(&next, "--tls-cert", "/etc/chorus/cert.pem");
	reload_plan(&cur, &next, &p);
	assert_false(p.tls);
	assert_string_equal("tls_cert", p.restart);
	reload_apply(&cur, &next);
	assert_string_equal("", cur.tls_cert);

	/* the same file (renewed in place): read again, nothing to say */
	load(&cur, "--tls-cert", "/etc/chorus/cert.pem");
	reload_plan(&cur, &next, &p);
	assert_true(p.tls);
	assert_string_equal("", p.live);
	assert_string_equal("", p.restart);

	/* another file */
	load(&next, "--tls-cert", "/etc/chorus/new.pem");
	reload_plan(&cur, &next, &p);
	assert_true(p.tls);
	assert_string_equal("tls_cert /etc/chorus/cert.pem -> "
			    "/etc/chorus/new.pem", p.live);
	reload_apply(&cur, &next);
	assert_string_equal("/etc/chorus/new.pem", cur.tls_cert);

	/* another port: the listener is made at start-up */
	file_write(conf_path, "tls_port 5071\n");
	load(&next, "--tls-cert", "/etc/chorus/new.pem");
	reload_plan(&cur, &next, &p);
	assert_false(p.tls);
	assert_string_equal("tls_port", p.restart);

	/* TLS off (port 0) at start-up: nothing to read */
	file_write(conf_path, "tls_port 0\n");
	load(&cur, "--tls-cert", "/etc/chorus/new.pem");
	load(&next, "--tls-cert", "/etc/chorus/new.pem");
	reload_plan(&cur, &next, &p);
	assert_false(p.tls);
}


/* resolver auto (the default), on or off; nothing else */
static void test_resolver_option(void **state)
{
	char *argv[] = {"chorusd", "--resolver", "sometimes", NULL};
	struct config cfg;
	char err[256] = "";

	(void)state;
	file_write(conf_path, "");
	load(&cfg, NULL, NULL);
	assert_int_equal(RESOLVER_AUTO, cfg.resolver);
	load(&cfg, "--resolver", "on");
	assert_int_equal(RESOLVER_ON, cfg.resolver);
	load(&cfg, "--resolver", "auto");
	assert_int_equal(RESOLVER_AUTO, cfg.resolver);

	assert_int_equal(CFG_ERROR, cfg_load(&cfg, 3, argv, err, sizeof(err)));
	assert_non_null(strstr(err, "--resolver"));
}


/* The users file is read again when there is one before and after; one
 * appearing or going is a restart (the rooms' defaults depend on it) */
static void test_users_file_plan(void **state)
{
	struct config cur, next;
	struct reload_plan p;

	(void)state;
	file_write(conf_path, "");
	load(&cur, NULL, NULL);
	load(&next, "--users-file", users_path);

	reload_plan(&cur, &next, &p);
	assert_false(p.auth);
	assert_string_equal("users_file", p.restart);
	reload_apply(&cur, &next);
	assert_string_equal("", cur.users_file);

	load(&cur, "--users-file", users_path);
	file_write(conf_path, "realm other\ndigest_algorithms SHA-256,MD5\n");
	load(&next, "--users-file", users_path);
	reload_plan(&cur, &next, &p);
	assert_true(p.auth);
	assert_string_equal("realm chorus -> other, digest_algorithms "
			    "MD5 -> SHA-256,MD5", p.live);
	assert_string_equal("", p.restart);

	load(&next, NULL, NULL);
	reload_plan(&cur, &next, &p);
	assert_false(p.auth);
	assert_string_equal("users_file", p.restart);
}


static void test_is_live(void **state)
{
	(void)state;
	assert_true(reload_is_live("api_token"));
	assert_true(reload_is_live("log_level"));
	assert_true(reload_is_live("users_file"));
	assert_false(reload_is_live("sip"));
	assert_true(reload_is_live("tls_cert"));
	assert_false(reload_is_live("tls_port"));
	assert_false(reload_is_live("nonsense"));
	assert_false(reload_is_live(NULL));
}


/* Who is new, who is gone, whose password changed */
static void test_users_diff(void **state)
{
	struct digest_users *a = NULL, *b = NULL;
	struct digest_users_diff d;

	(void)state;
	file_write(users_path, "alice:chorus:" HA1_A ":\n"
		   "bob:chorus:" HA1_A ":\n"
		   "bob:other:" HA1_A ":\n");
	assert_int_equal(0, digest_users_load(&a, users_path));
	file_write(users_path, "alice:chorus:" HA1_B ":\n"
		   "bob:other:" HA1_A ":\n"
		   "carol:chorus:" HA1_A ":\n"
		   "dave:chorus:" HA1_A ":\n");
	assert_int_equal(0, digest_users_load(&b, users_path));

	digest_users_diff(a, b, &d);
	assert_int_equal(2, d.added);     /* carol, dave          */
	assert_int_equal(1, d.removed);   /* bob in chorus        */
	assert_int_equal(1, d.changed);   /* alice's new password */

	digest_users_diff(b, b, &d);
	assert_int_equal(0, d.added + d.removed + d.changed);

	digest_users_diff(NULL, b, &d);
	assert_int_equal(4, d.added);
	digest_users_diff(a, NULL, &d);
	assert_int_equal(3, d.removed);

	mem_deref(a);
	mem_deref(b);
}


/* A users file read again: all or nothing */
static void test_sipauth_reload(void **state)
{
	struct sipauth *a = NULL;
	struct config cfg;
	char what[96];

	(void)state;
	file_write(conf_path, "");
	file_write(users_path, "alice:chorus:" HA1_A ":\n");
	load(&cfg, "--users-file", users_path);
	log_set_level(LOG_ERROR);   /* the bad line is logged: quietly */

	assert_int_equal(0, sipauth_alloc(&a, &cfg, NULL, NULL));
	assert_true(sipauth_enabled(a));

	file_write(users_path, "alice:chorus:" HA1_A ":\n"
		   "bob:chorus:" HA1_B ":\n");
	assert_int_equal(0, sipauth_reload(a, &cfg, what, sizeof(what)));
	assert_string_equal("users 1 -> 2 (+1 -0 ~0)", what);

	/* a malformed line: refused, the two users stay */
	file_write(users_path, "alice:chorus:" HA1_A ":\n"
		   "carol:chorus:" HA1_A ":\nthis is not a user\n");
	what[0] = '\0';
	assert_int_equal(EBADMSG, sipauth_reload(a, &cfg, what,
						 sizeof(what)));
	assert_string_equal("", what);
	assert_true(sipauth_enabled(a));

	/* gone: the same */
	unlink(users_path);
	assert_int_equal(ENOENT, sipauth_reload(a, &cfg, what, sizeof(what)));

	/* good again: compared with the two still in use */
	file_write(users_path, "carol:chorus:" HA1_A ":\n");
	assert_int_equal(0, sipauth_reload(a, &cfg, what, sizeof(what)));
	assert_string_equal("users 2 -> 1 (+1 -2 ~0)", what);

	/* a new realm */
	str_ncpy(cfg.realm, "other", sizeof(cfg.realm));
	assert_int_equal(0, sipauth_reload(a, &cfg, what, sizeof(what)));
	assert_true(sipauth_enabled(a));

	assert_int_equal(EINVAL, sipauth_reload(NULL, &cfg, what,
						sizeof(what)));
	cfg.users_file[0] = '\0';
	assert_int_equal(EINVAL, sipauth_reload(a, &cfg, what, sizeof(what)));

	log_set_level(LOG_INFO);
	mem_deref(a);
}


/* A self-signed P-256 certificate for CN cn: cert and key PEM files */
static void cert_make(const char *cn, const char *cert, const char *key)
{
	EVP_PKEY *pkey = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *name;
	FILE *f;

	assert_non_null(pkey);
	assert_non_null(x);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, pkey);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
				   (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, name);
	assert_true(X509_sign(x, pkey, EVP_sha256()) > 0);

	f = fopen(cert, "w");
	assert_non_null(f);
	assert_int_equal(1, PEM_write_X509(f, x));
	fclose(f);
	f = fopen(key, "w");
	assert_non_null(f);
	assert_int_equal(1, PEM_write_PrivateKey(f, pkey, NULL, NULL, 0,
						 NULL, NULL));
	fclose(f);

	X509_free(x);
	EVP_PKEY_free(pkey);
}


/* The CN of the certificate the context serves */
static void served_cn(struct tls *tls, char *cn, size_t sz)
{
	X509 *x = SSL_CTX_get0_certificate(tls_openssl_context(tls));

	cn[0] = '\0';
	assert_non_null(x);
	X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName,
				  cn, (int)sz);
}


/* A certificate read again: swapped when good, checked first, the old one
 * kept when the new one does not load or does not match its key */
static void test_tls_reload(void **state)
{
	char a_crt[] = "/tmp/test_reload_ac.XXXXXX";
	char a_key[] = "/tmp/test_reload_ak.XXXXXX";
	char b_crt[] = "/tmp/test_reload_bc.XXXXXX";
	char b_key[] = "/tmp/test_reload_bk.XXXXXX";
	char *paths[] = {a_crt, a_key, b_crt, b_key};
	struct tls *tls = NULL;
	char err[256], cn[64];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
		int fd = mkstemp(paths[i]);

		assert_true(fd >= 0);
		close(fd);
	}
	cert_make("chorus-a", a_crt, a_key);
	cert_make("chorus-b", b_crt, b_key);

	assert_int_equal(0, siptls_alloc(&tls, a_crt, a_key, err,
					 sizeof(err)));
	served_cn(tls, cn, sizeof(cn));
	assert_string_equal("chorus-a", cn);

	/* checked only: nothing changes */
	assert_int_equal(0, siptls_reload(tls, b_crt, b_key, true, err,
					  sizeof(err)));
	served_cn(tls, cn, sizeof(cn));
	assert_string_equal("chorus-a", cn);

	assert_int_equal(0, siptls_reload(tls, b_crt, b_key, false, err,
					  sizeof(err)));
	served_cn(tls, cn, sizeof(cn));
	assert_string_equal("chorus-b", cn);

	/* a's certificate with b's key */
	err[0] = '\0';
	assert_int_equal(EINVAL, siptls_reload(tls, a_crt, b_key, false, err,
					       sizeof(err)));
	assert_non_null(strstr(err, "does not match"));
	served_cn(tls, cn, sizeof(cn));
	assert_string_equal("chorus-b", cn);

	/* no certificate in the file; no such file */
	file_write(a_crt, "not a certificate\n");
	assert_int_equal(EINVAL, siptls_reload(tls, a_crt, a_key, false, err,
					       sizeof(err)));
	assert_non_null(strstr(err, "no PEM certificate"));
	unlink(a_key);
	file_write(a_crt, "");
	unlink(a_crt);
	assert_int_equal(ENOENT, siptls_reload(tls, a_crt, a_key, false, err,
					       sizeof(err)));
	served_cn(tls, cn, sizeof(cn));
	assert_string_equal("chorus-b", cn);

	/* key and certificate in one file */
	{
		FILE *f = fopen(b_crt, "a"), *k = fopen(b_key, "r");
		char line[256];

		assert_non_null(f);
		assert_non_null(k);
		while (fgets(line, sizeof(line), k))
			fputs(line, f);
		fclose(k);
		fclose(f);
	}
	assert_int_equal(0, siptls_reload(tls, b_crt, NULL, false, err,
					  sizeof(err)));

	mem_deref(tls);
	for (size_t i = 0; i < ARRAY_SIZE(paths); i++)
		unlink(paths[i]);
}


/* OpenSSL sets itself up at its first HMAC and random bytes (and its
 * first key, certificate and TLS context), and glibc
 * at the first gmtime_r() (a log line), kept for good: once before the
 * leak checks */
static void warm_up(void)
{
	const struct digest_prm dp = {.realm = "chorus"};
	struct digest *d = NULL;
	time_t t0 = 0;
	struct tm tm;

	(void)gmtime_r(&t0, &tm);
	if (!digest_alloc(&d, &dp))
		mem_deref(d);

	/* and at its first key, certificate and TLS context */
	test_tls_reload(NULL);
}


int main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		leak_test_setup_teardown(test_nothing_changed, setup,
					 teardown),
		leak_test_setup_teardown(test_live, setup, teardown),
		leak_test_setup_teardown(test_restart, setup, teardown),
		leak_test_setup_teardown(test_users_file_plan, setup,
					 teardown),
		leak_test(test_is_live),
		leak_test_setup_teardown(test_tls_plan, setup, teardown),
		leak_test_setup_teardown(test_tls_reload, setup, teardown),
		leak_test_setup_teardown(test_resolver_option, setup,
					 teardown),
		leak_test_setup_teardown(test_users_diff, setup, teardown),
		leak_test_setup_teardown(test_sipauth_reload, setup,
					 teardown),
	};

	(void)argc;
	leak_init(argv);
	warm_up();

	return cmocka_run_group_tests_name("reload", tests, NULL, NULL);
}
