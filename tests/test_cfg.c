/**
 * @file test_cfg.c  Configuration: defaults < file < environment < flags
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <re.h>
#include "server/cfg.h"
#include "server/digest.h"
#include "server/log.h"
#include "leak.h"

static char err[256];
static char path[64];


static void env_clear(void)
{
	static const char *vars[] = {
		"CHORUS_SIP", "CHORUS_HTTP", "CHORUS_RTP_PORTS",
		"CHORUS_CONFIG", "CHORUS_AUTO_CREATE", "CHORUS_RTP_TIMEOUT",
	};

	for (size_t i = 0; i < ARRAY_SIZE(vars); i++)
		unsetenv(vars[i]);

	/* setenv() sizes the environment array to the variables there are
	 * when it adds one: one more, then none, leaves it the same size
	 * after every test, for the leak check */
	setenv("CHORUS_TEST_PAD", "1", 1);
	unsetenv("CHORUS_TEST_PAD");
}


static int setup(void **state)
{
	env_clear();
	err[0] = '\0';
	return 0;
}


static int teardown(void **state)
{
	if (path[0])
		unlink(path);
	path[0] = '\0';
	env_clear();

	return 0;
}


static void write_file(const char *text)
{
	FILE *f;
	int fd;

	str_ncpy(path, "/tmp/chorus-cfg-XXXXXX", sizeof(path));
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}


static enum cfg_result load(struct config *cfg, int argc, char **argv)
{
	return cfg_load(cfg, argc, argv, err, sizeof(err));
}


static void test_defaults(void **state)
{
	struct config cfg;
	char *argv[] = {"chorusd"};

	assert_int_equal(CFG_OK, load(&cfg, 1, argv));
	assert_int_equal(5060, sa_port(&cfg.sip));
	assert_true(sa_is_any(&cfg.sip));
	assert_int_equal(8080, sa_port(&cfg.http));
	assert_true(sa_is_loopback(&cfg.http));
	assert_int_equal(30, cfg.rtp_timeout);
	assert_false(cfg.auto_create);
	assert_false(cfg.advertise_set);
	assert_true(cfg.rtp_min < cfg.rtp_max);
	assert_int_equal(0, cfg.media_threads);      /* one per core */
	assert_int_equal(5, cfg.opus_complexity);
}


static void test_precedence(void **state)
{
	struct config cfg;
	char *argv[] = {"chorusd", "--config", path, "--rtp-ports",
			"30000-30999"};

	write_file("# comment\n\nsip 127.0.0.1:5070\n"
		   "rtp_ports 40000-40999\nrtp_timeout 5\n"
		   "auto_create yes\n");
	setenv("CHORUS_SIP", "127.0.0.2:5080", 1);
	setenv("CHORUS_RTP_PORTS", "50000-50999", 1);

	assert_int_equal(CFG_OK, load(&cfg, ARRAY_SIZE(argv), argv));

	assert_int_equal(5080, sa_port(&cfg.sip));   /* env > file   */
	assert_int_equal(30000, cfg.rtp_min);        /* flag > env   */
	assert_int_equal(30999, cfg.rtp_max);
	assert_int_equal(5, cfg.rtp_timeout);        /* file > default */
	assert_true(cfg.auto_create);
}


static void test_media_options(void **state)
{
	struct config cfg;
	char *argv[] = {"chorusd", "--media-threads", "3",
			"--opus-complexity=0"};

	assert_int_equal(CFG_OK, load(&cfg, ARRAY_SIZE(argv), argv));
	assert_int_equal(3, cfg.media_threads);
	assert_int_equal(0, cfg.opus_complexity);
}


static void test_security_options(void **state)
{
	struct config cfg;
	char *argv[] = {"chorusd", "--tls-port", "5071", "--tls-cert",
			"/etc/c.pem", "--media-encryption", "required",
			"--auth", "digest", "--users-file", "/etc/users",
			"--realm", "conf.example.org"};
	char *nousers[] = {"chorusd", "--auth", "digest"};
	char *nocert[] = {"chorusd", "--tls-key", "/etc/k.pem"};

	assert_int_equal(CFG_OK, load(&cfg, 1, argv));
	assert_int_equal(5061, cfg.tls_port);
	assert_string_equal("", cfg.tls_cert);
	assert_int_equal(MENC_OPTIONAL, cfg.media_encryption);
	assert_int_equal(AUTH_NONE, cfg.auth);
	assert_string_equal("chorus", cfg.realm);

	assert_int_equal(CFG_OK, load(&cfg, ARRAY_SIZE(argv), argv));
	assert_int_equal(5071, cfg.tls_port);
	assert_string_equal("/etc/c.pem", cfg.tls_cert);
	assert_int_equal(MENC_REQUIRED, cfg.media_encryption);
	assert_int_equal(AUTH_DIGEST, cfg.auth);
	assert_string_equal("/etc/users", cfg.users_file);
	assert_string_equal("conf.example.org", cfg.realm);

	/* digest needs someone to check against; a key needs its cert */
	assert_int_equal(CFG_ERROR, load(&cfg, ARRAY_SIZE(nousers), nousers));
	assert_non_null(strstr(err, "users_file"));
	assert_int_equal(CFG_ERROR, load(&cfg, ARRAY_SIZE(nocert), nocert));
	assert_non_null(strstr(err, "tls_cert"));
}


static void test_digest_algorithms(void **state)
{
	struct config cfg;
	char *def[] = {"chorusd"};
	char *md5[] = {"chorusd", "--digest-algorithms", "md5"};
	char *both[] = {"chorusd", "--digest-algorithms", "MD5,SHA-256"};
	char *bad[][3] = {
		{"chorusd", "--digest-algorithms", ""},
		{"chorusd", "--digest-algorithms", "SHA1"},
		{"chorusd", "--digest-algorithms", "MD5,"},
		{"chorusd", "--digest-algorithms", ",MD5"},
		{"chorusd", "--digest-algorithms", "MD5-sess"},
	};
	const uint32_t all = (1u << DIGEST_SHA256) | (1u << DIGEST_MD5);

	assert_int_equal(CFG_OK, load(&cfg, 1, def));
	assert_int_equal(1u << DIGEST_MD5, cfg.digest_algs);
	assert_int_equal(CFG_OK, load(&cfg, ARRAY_SIZE(md5), md5));
	assert_int_equal(1u << DIGEST_MD5, cfg.digest_algs);
	assert_int_equal(CFG_OK, load(&cfg, ARRAY_SIZE(both), both));
	assert_int_equal(all, cfg.digest_algs);

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(CFG_ERROR, load(&cfg, 3, bad[i]));
}


static void test_equals_form_and_advertise(void **state)
{
	struct config cfg;
	char *argv[] = {"chorusd", "--http=127.0.0.1:9000",
			"--advertise", "203.0.113.5", "--data-dir", "/tmp/x"};

	assert_int_equal(CFG_OK, load(&cfg, ARRAY_SIZE(argv), argv));
	assert_int_equal(9000, sa_port(&cfg.http));
	assert_true(cfg.advertise_set);
	assert_string_equal("/tmp/x", cfg.data_dir);
}


static void test_bad_values(void **state)
{
	struct config cfg;
	char *bad[][3] = {
		{"chorusd", "--sip", "nope"},
		{"chorusd", "--sip", "127.0.0.1"},          /* no port  */
		{"chorusd", "--rtp-ports", "9000"},
		{"chorusd", "--rtp-ports", "20000-10000"},
		{"chorusd", "--rtp-ports", "100-200"},      /* < 1024   */
		{"chorusd", "--rtp-timeout", "-1"},
		{"chorusd", "--rtp-timeout", "12abc"},
		{"chorusd", "--auto-create", "maybe"},
		{"chorusd", "--advertise", "0.0.0.0"},
		{"chorusd", "--opus-complexity", "11"},
		{"chorusd", "--media-threads", "257"},
		{"chorusd", "--no-such-flag", "1"},
		{"chorusd", "--media-encryption", "always"},
		{"chorusd", "--auth", "basic"},
		{"chorusd", "--tls-port", "70000"},
		{"chorusd", "--realm", "a\"b"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		err[0] = '\0';
		assert_int_equal(CFG_ERROR, load(&cfg, 3, bad[i]));
		assert_true(strlen(err) > 0);
		assert_null(strchr(err, '\n'));    /* one line */
	}
}


static void test_missing_value_and_help(void **state)
{
	struct config cfg;
	char *missing[] = {"chorusd", "--sip"};
	char *help[] = {"chorusd", "--help"};

	assert_int_equal(CFG_ERROR, load(&cfg, 2, missing));
	assert_int_equal(CFG_HELP, load(&cfg, 2, help));
}


static void test_bad_env_and_file(void **state)
{
	struct config cfg;
	char *argv[] = {"chorusd", "--config", path};
	char *plain[] = {"chorusd"};

	setenv("CHORUS_RTP_TIMEOUT", "soon", 1);
	assert_int_equal(CFG_ERROR, load(&cfg, 1, plain));
	assert_non_null(strstr(err, "CHORUS_RTP_TIMEOUT"));
	unsetenv("CHORUS_RTP_TIMEOUT");

	write_file("sip 127.0.0.1:5070\nbogus_key 1\n");
	assert_int_equal(CFG_ERROR, load(&cfg, 3, argv));
	assert_non_null(strstr(err, ":2:"));    /* names the line */

	argv[2] = "/nonexistent/chorus.conf";
	assert_int_equal(CFG_ERROR, load(&cfg, 3, argv));
}


int main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		/* setenv() keeps each string it is given, once: a first
		 * run of the tests that set variables, unchecked */
		cmocka_unit_test_setup_teardown(test_precedence, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_env_and_file, setup,
						teardown),
		leak_test_setup_teardown(test_defaults, setup,
						teardown),
		leak_test_setup_teardown(test_precedence, setup,
						teardown),
		leak_test_setup_teardown(test_equals_form_and_advertise,
						setup, teardown),
		leak_test_setup_teardown(test_security_options, setup,
					 teardown),
		leak_test_setup_teardown(test_media_options, setup,
						teardown),
		leak_test_setup_teardown(test_digest_algorithms, setup,
						teardown),
		leak_test_setup_teardown(test_bad_values, setup,
						teardown),
		leak_test_setup_teardown(test_missing_value_and_help,
						setup, teardown),
		leak_test_setup_teardown(test_bad_env_and_file, setup,
						teardown),
	};

	(void)argc;
	leak_init(argv);

	log_set_level(LOG_ERROR);
	return cmocka_run_group_tests_name("cfg", tests, NULL, NULL);
}
