/**
 * @file test_rtpext.c  RFC 6464 audio level in RFC 8285 one-byte headers
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <re.h>
#include "server/rtpext.h"
#include "leak.h"


static void test_found(void **state)
{
	/* id 2 (1 byte: 0x20), then id 1 (1 byte: 0x10), V=1 level 42,
	 * then padding */
	const uint8_t ext[] = {0x20, 0x55, 0x10, 0x80 | 42, 0x00, 0x00};
	bool voice = false;
	uint8_t level = 0;

	assert_int_equal(0, rtpext_audio_level(ext, sizeof(ext), 1, &voice,
					       &level));
	assert_true(voice);
	assert_int_equal(42, level);

	assert_int_equal(0, rtpext_audio_level(ext, sizeof(ext), 2, &voice,
					       &level));
	assert_false(voice);
	assert_int_equal(0x55, level);
}


static void test_absent_and_bad(void **state)
{
	const uint8_t two[] = {0x31, 0x01, 0x02, 0x00};   /* id 3, 2 bytes */
	const uint8_t cut[] = {0x13};                     /* no data */
	const uint8_t stop[] = {0xf0, 0x10, 0x7f};        /* id 15: stop */
	bool voice;
	uint8_t level;

	assert_int_equal(ENOENT, rtpext_audio_level(two, sizeof(two), 1,
						    &voice, &level));
	assert_int_equal(EBADMSG, rtpext_audio_level(cut, sizeof(cut), 1,
						     &voice, &level));
	assert_int_equal(ENOENT, rtpext_audio_level(stop, sizeof(stop), 1,
						    &voice, &level));
	assert_int_equal(EINVAL, rtpext_audio_level(two, sizeof(two), 0,
						    &voice, &level));
	assert_int_equal(EINVAL, rtpext_audio_level(two, sizeof(two), 15,
						    &voice, &level));
	assert_int_equal(ENOENT, rtpext_audio_level(two, 0, 3, &voice,
						    &level));
}


int main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		leak_test(test_found),
		leak_test(test_absent_and_bad),
	};

	(void)argc;
	leak_init(argv);

	return cmocka_run_group_tests_name("rtpext", tests, NULL, NULL);
}
