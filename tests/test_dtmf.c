/**
 * @file test_dtmf.c  DTMF from RFC 4733 events and SIP INFO bodies
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include "server/dtmf.h"
#include "leak.h"


static void test_digits(void **state)
{
	assert_int_equal('0', dtmf_digit(0));
	assert_int_equal('9', dtmf_digit(9));
	assert_int_equal('*', dtmf_digit(10));
	assert_int_equal('#', dtmf_digit(11));
	assert_int_equal('D', dtmf_digit(15));
	assert_int_equal(0, dtmf_digit(16));     /* flash etc.: not DTMF */
}


static void test_rtp_event_once(void **state)
{
	struct dtmf_rx rx = {0, false};
	/* event 5, volume 10, durations growing, then end x3 (2.5.1.4) */
	uint8_t p1[4] = {5, 10, 0x00, 0xa0};
	uint8_t p2[4] = {5, 10, 0x01, 0x40};
	uint8_t end[4] = {5, 0x80 | 10, 0x03, 0x20};
	uint8_t star[4] = {10, 10, 0x00, 0xa0};
	char d = 0;

	assert_int_equal(0, dtmf_rtp(&rx, 1000, p1, 4, &d));
	assert_int_equal('5', d);
	assert_int_equal(EALREADY, dtmf_rtp(&rx, 1000, p2, 4, &d));
	for (int i = 0; i < 3; i++)
		assert_int_equal(EALREADY, dtmf_rtp(&rx, 1000, end, 4, &d));

	/* the same digit again is a new event: a new timestamp */
	d = 0;
	assert_int_equal(0, dtmf_rtp(&rx, 2600, p1, 4, &d));
	assert_int_equal('5', d);
	assert_int_equal(0, dtmf_rtp(&rx, 4200, star, 4, &d));
	assert_int_equal('*', d);
}


static void test_rtp_bad(void **state)
{
	struct dtmf_rx rx = {0, false};
	uint8_t flash[4] = {16, 10, 0, 0xa0};
	uint8_t shortp[3] = {1, 2, 3};
	char d = 0;

	assert_int_equal(EBADMSG, dtmf_rtp(&rx, 1, shortp, 3, &d));
	assert_int_equal(EBADMSG, dtmf_rtp(&rx, 1, NULL, 0, &d));
	assert_int_equal(ENOTSUP, dtmf_rtp(&rx, 1, flash, 4, &d));
	assert_int_equal(0, d);
}


static int info(const char *type, const char *sub, const char *body,
		char *d)
{
	struct pl t, s;

	pl_set_str(&t, type);
	pl_set_str(&s, sub);
	return dtmf_info(&t, &s, (const uint8_t *)body, strlen(body), d);
}


static void test_info(void **state)
{
	char d = 0;

	assert_int_equal(0, info("application", "dtmf-relay",
				 "Signal=5\r\nDuration=160\r\n", &d));
	assert_int_equal('5', d);
	assert_int_equal(0, info("application", "dtmf-relay",
				 "Signal= *\r\nDuration= 250\r\n", &d));
	assert_int_equal('*', d);
	assert_int_equal(0, info("Application", "DTMF-Relay",
				 "Signal=#\r\n", &d));
	assert_int_equal('#', d);
	assert_int_equal(0, info("application", "dtmf", "7", &d));
	assert_int_equal('7', d);
	assert_int_equal(0, info("application", "dtmf", "11\r\n", &d));
	assert_int_equal('#', d);
	assert_int_equal(0, info("application", "dtmf-relay", "Signal=b",
				 &d));
	assert_int_equal('B', d);

	assert_int_equal(ENOTSUP, info("text", "plain", "5", &d));
	assert_int_equal(ENOTSUP, info("application", "sdp", "v=0", &d));
	assert_int_equal(EBADMSG, info("application", "dtmf-relay",
				       "Duration=160", &d));
	assert_int_equal(EBADMSG, info("application", "dtmf-relay",
				       "Signal=55", &d));
	assert_int_equal(EBADMSG, info("application", "dtmf-relay",
				       "Signal=x", &d));
	assert_int_equal(EBADMSG, info("application", "dtmf", "", &d));
	assert_int_equal(EBADMSG, info("application", "dtmf", "99", &d));
	assert_int_equal(EBADMSG, info("application", "dtmf", "*6", &d));
	assert_int_equal(EBADMSG, info("application", "dtmf", "##", &d));
}


int main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		leak_test(test_digits),
		leak_test(test_rtp_event_once),
		leak_test(test_rtp_bad),
		leak_test(test_info),
	};

	(void)argc;
	leak_init(argv);

	return cmocka_run_group_tests_name("dtmf", tests, NULL, NULL);
}
