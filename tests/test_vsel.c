/**
 * @file test_vsel.c  Whose video a room shows: the talker, with a hold
 *                    and a settle time, or a pinned participant
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include "server/vsel.h"
#include "leak.h"

enum {
	A = 1, B = 2, C = 3, AUDIO_ONLY = 9,
	TICK = 20,               /* [ms] the mixer's */
};

static const struct vsel_prm prm = {2000, 400};


/* talker talks for ms from *now, one call per tick; how often the floor
 * changed */
static unsigned talk(struct vsel *s, uint64_t talker, bool video,
		     uint64_t *now, uint64_t ms)
{
	unsigned changes = 0;

	for (uint64_t t = 0; t < ms; t += TICK, *now += TICK)
		changes += vsel_talker(s, talker, video, *now) != VSEL_NONE;

	return changes;
}


/* The first talker with video is shown at once; the talker sees the one
 * before it */
static void test_first_and_previous(void **state)
{
	struct vsel s;
	uint64_t now = 1000;

	(void)state;
	vsel_init(&s, &prm);
	assert_int_equal(0, vsel_source_for(&s, B));
	assert_int_equal(VSEL_TALKER, vsel_talker(&s, A, true, now));
	assert_int_equal(A, vsel_source_for(&s, B));
	assert_int_equal(0, vsel_source_for(&s, A));

	now += 3000;
	assert_int_equal(1, talk(&s, B, true, &now, 1000));
	assert_int_equal(B, vsel_source_for(&s, A));
	assert_int_equal(B, vsel_source_for(&s, C));
	assert_int_equal(A, vsel_source_for(&s, B));
}


/* A cough does not switch; a source keeps the floor for the hold time;
 * a talker must be the loudest without a break for the settle time */
static void test_hold_and_settle(void **state)
{
	struct vsel s;
	uint64_t now = 0;

	(void)state;
	vsel_init(&s, &prm);
	assert_int_equal(1, talk(&s, A, true, &now, 100));

	/* within A's hold, B talks 1.5 s: not yet */
	assert_int_equal(0, talk(&s, B, true, &now, 1500));
	assert_int_equal(A, s.cur);

	/* ... and is taken once the hold is over */
	assert_int_equal(1, talk(&s, B, true, &now, 600));
	assert_int_equal(B, s.cur);

	/* well after the hold: a 300 ms cough from C changes nothing */
	now += 5000;
	assert_int_equal(0, talk(&s, C, true, &now, 300));
	assert_int_equal(0, talk(&s, 0, false, &now, 100));
	assert_int_equal(0, talk(&s, C, true, &now, 300));
	assert_int_equal(B, s.cur);

	/* 400 ms without a break does */
	assert_int_equal(1, talk(&s, C, true, &now, 420));
	assert_int_equal(C, s.cur);
	assert_int_equal(B, s.prev);
}


/* A talker without video is passed over: the picture stays */
static void test_audio_only_talker(void **state)
{
	struct vsel s;
	uint64_t now = 0;

	(void)state;
	vsel_init(&s, &prm);
	assert_int_equal(0, talk(&s, AUDIO_ONLY, false, &now, 5000));
	assert_int_equal(0, s.cur);
	assert_int_equal(1, talk(&s, A, true, &now, 100));
	now += 5000;
	assert_int_equal(0, talk(&s, AUDIO_ONLY, false, &now, 5000));
	assert_int_equal(A, s.cur);
}


/* Pinned: shown whoever talks; unpinned, the talker takes the floor
 * again; a pinned participant who leaves is unpinned */
static void test_pinned(void **state)
{
	struct vsel s;
	uint64_t now = 0;

	(void)state;
	vsel_init(&s, &prm);
	assert_int_equal(1, talk(&s, A, true, &now, 100));
	assert_int_equal(VSEL_PINNED, vsel_pin(&s, C, now));
	assert_int_equal(VSEL_NONE, vsel_pin(&s, C, now));
	now += 5000;
	assert_int_equal(0, talk(&s, B, true, &now, 5000));
	assert_int_equal(C, vsel_source_for(&s, B));
	assert_int_equal(A, vsel_source_for(&s, C));

	vsel_unpin(&s);
	assert_int_equal(C, s.cur);
	assert_int_equal(1, talk(&s, B, true, &now, 500));
	assert_int_equal(B, s.cur);

	assert_int_equal(VSEL_PINNED, vsel_pin(&s, A, now));
	assert_int_equal(VSEL_LEFT, vsel_gone(&s, A, 0, now));
	assert_int_equal(0, s.pinned);
	assert_int_equal(B, s.cur);
	now += 3000;
	assert_int_equal(1, talk(&s, C, true, &now, 500));
}


/* The source leaves: the one shown before comes back, or another sender;
 * the previous one leaving changes nobody's picture but the source's */
static void test_gone(void **state)
{
	struct vsel s;
	uint64_t now = 0;

	(void)state;
	vsel_init(&s, &prm);
	(void)talk(&s, A, true, &now, 100);
	now += 3000;
	(void)talk(&s, B, true, &now, 500);
	assert_int_equal(B, s.cur);

	assert_int_equal(VSEL_NONE, vsel_gone(&s, A, C, now));
	assert_int_equal(B, s.cur);
	assert_int_equal(0, vsel_source_for(&s, B));

	assert_int_equal(VSEL_LEFT, vsel_gone(&s, B, C, now));
	assert_int_equal(C, s.cur);
	assert_int_equal(0, s.prev);

	now += 3000;
	(void)talk(&s, A, true, &now, 500);
	assert_int_equal(VSEL_LEFT, vsel_gone(&s, A, A, now));
	assert_int_equal(C, s.cur);
	assert_int_equal(VSEL_LEFT, vsel_gone(&s, C, 0, now));
	assert_int_equal(0, s.cur);
	assert_int_equal(VSEL_NONE, vsel_gone(&s, 0, 0, now));
	assert_int_equal(0, vsel_source_for(&s, B));
}


int main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		leak_test(test_first_and_previous),
		leak_test(test_hold_and_settle),
		leak_test(test_audio_only_talker),
		leak_test(test_pinned),
		leak_test(test_gone),
	};

	(void)argc;
	leak_init(argv);

	return cmocka_run_group_tests_name("vsel", tests, NULL, NULL);
}
