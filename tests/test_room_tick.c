/**
 * @file test_room_tick.c  A room's tick with fake legs: who is sent what
 *
 * Fake legs (tests/fake/leg.c) give each member a frame and the packet it
 * came in, and record what the tick sends them: a packet forwarded as it
 * came, the shared encode, or an encode of their own.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include "server/codec.h"
#include "server/leg.h"
#include "server/log.h"
#include "server/room_tick.h"
#include "fake/fake.h"
#include "leak.h"

enum {
	LOUD = 8000,       /* a talker's amplitude */
	MEMBERS = 4,
	TICKS = 5,         /* the talker set settles in the first */
};

struct fixture {
	struct rtick *rt;
	struct rt_member m[MEMBERS];
	struct leg *leg[MEMBERS];
	unsigned talk_changes;
};


static void talk_h(const struct rt_member *m, void *arg)
{
	struct fixture *f = arg;

	(void)m;
	f->talk_changes++;
}


static int setup(void **state)
{
	struct leg_prm prm = {0};
	struct fixture *f = test_calloc(1, sizeof(*f));

	if (!f || rtick_alloc(&f->rt, 3, 5, talk_h, f))
		return -1;

	for (size_t i = 0; i < MEMBERS; i++) {
		if (leg_alloc(&f->leg[i], NULL, &prm, i + 1, NULL, NULL))
			return -1;
		fake_leg_media(f->leg[i], codec_get(CODEC_PCMU), 20);
		f->m[i].id = i + 1;
		f->m[i].leg = f->leg[i];
		rtick_add(f->rt, &f->m[i]);
	}

	*state = f;
	return 0;
}


static int teardown(void **state)
{
	struct fixture *f = *state;

	mem_deref(f->rt);
	for (size_t i = 0; i < MEMBERS; i++)
		mem_deref(f->leg[i]);
	test_free(f);

	return 0;
}


/* Run TICKS ticks from clean send records; the counts are per tick */
static struct rtick_stats run(struct fixture *f)
{
	struct rtick_stats st;

	for (size_t i = 0; i < MEMBERS; i++)
		fake_leg_clear(f->leg[i]);

	for (size_t t = 0; t < TICKS; t++)
		assert_true(rtick_run(f->rt));

	rtick_stats(f->rt, &st);
	return st;
}


static const struct fake_sent *sent(struct fixture *f, size_t i)
{
	return fake_leg_sent(f->leg[i]);
}


static void assert_forwarded(struct fixture *f, size_t i, const char *pkt)
{
	const struct fake_sent *s = sent(f, i);

	assert_int_equal(TICKS, s->pkts);
	assert_int_equal(0, s->encodes);
	assert_int_equal(strlen(pkt), s->last_len);
	assert_memory_equal(pkt, s->last, s->last_len);
	assert_int_equal(8000 / 1000 * 20, s->last_dur);   /* PCMU, 20 ms */
}


/* the shared mix, G.711 at 20 ms: 160 bytes, one packet a tick */
static void assert_shared(struct fixture *f, size_t i)
{
	const struct fake_sent *s = sent(f, i);

	assert_int_equal(TICKS, s->pkts);
	assert_int_equal(0, s->encodes);
	assert_int_equal(160, s->last_len);
}


static void assert_own(struct fixture *f, size_t i)
{
	assert_int_equal(0, sent(f, i)->pkts);
	assert_int_equal(TICKS, sent(f, i)->encodes);
}


/* One talker: every listener gets the talker's packet as it came; the
 * talker hears the mix without itself, through its own encoder */
static void test_one_talker_forwarded(void **state)
{
	struct fixture *f = *state;
	struct rtick_stats st;

	fake_leg_audio(f->leg[0], LOUD, "A-packet");
	st = run(f);

	assert_int_equal(1, st.talkers);
	assert_int_equal(MEMBERS - 1, st.forwards);
	assert_int_equal(1, st.encodes);
	assert_own(f, 0);
	for (size_t i = 1; i < MEMBERS; i++)
		assert_forwarded(f, i, "A-packet");
	assert_int_equal(1, f->talk_changes);
}


/* Two talkers hear each other's packets; the listeners hear both, mixed:
 * one shared encode */
static void test_two_talkers_swap(void **state)
{
	struct fixture *f = *state;
	struct rtick_stats st;

	fake_leg_audio(f->leg[0], LOUD, "A");
	fake_leg_audio(f->leg[1], LOUD, "BB");
	st = run(f);

	assert_int_equal(2, st.talkers);
	assert_int_equal(2, st.forwards);
	assert_int_equal(1, st.encodes);
	assert_forwarded(f, 0, "BB");
	assert_forwarded(f, 1, "A");
	assert_shared(f, 2);
	assert_shared(f, 3);
}


/* Three talkers: nobody hears one voice alone, nothing is forwarded */
static void test_three_talkers_encode(void **state)
{
	struct fixture *f = *state;
	struct rtick_stats st;

	fake_leg_audio(f->leg[0], LOUD, "A");
	fake_leg_audio(f->leg[1], LOUD, "B");
	fake_leg_audio(f->leg[2], LOUD, "C");
	st = run(f);

	assert_int_equal(3, st.talkers);
	assert_int_equal(0, st.forwards);
	assert_int_equal(3 + 1, st.encodes);
	for (size_t i = 0; i < 3; i++)
		assert_own(f, i);
	assert_shared(f, 3);
}


/* What cannot go on as it came is encoded: another codec, another
 * ptime, a gain on the talker, a frame no single packet made */
static void test_forward_needs_same_stream(void **state)
{
	struct fixture *f = *state;
	struct leg_ctl ctl = {false, false, MIXER_GAIN_UNITY * 2};
	struct rtick_stats st;

	fake_leg_audio(f->leg[0], LOUD, "A");
	fake_leg_media(f->leg[1], codec_get(CODEC_PCMA), 20);
	fake_leg_media(f->leg[2], codec_get(CODEC_PCMU), 40);
	st = run(f);

	assert_int_equal(1, st.forwards);
	assert_forwarded(f, 3, "A");
	assert_shared(f, 1);
	assert_int_equal(0, sent(f, 2)->encodes);
	assert_true(sent(f, 2)->pkts > 0);   /* 40 ms: a packet per 2 ticks */
	assert_true(sent(f, 2)->pkts < TICKS);

	/* a gain on the talker: its packet is not what the mix holds */
	(void)leg_control(f->leg[0], &ctl);
	st = run(f);
	assert_int_equal(0, st.forwards);
	assert_shared(f, 3);

	/* concealed: no packet made the frame */
	ctl.gain_q12 = MIXER_GAIN_UNITY;
	(void)leg_control(f->leg[0], &ctl);
	fake_leg_audio(f->leg[0], LOUD, NULL);
	st = run(f);
	assert_int_equal(0, st.forwards);
	assert_shared(f, 3);
}


/* Listeners with the same codec and ptime share one encode */
static void test_listeners_share_encode(void **state)
{
	struct fixture *f = *state;
	struct leg_ctl gain = {false, false, MIXER_GAIN_UNITY / 2};
	struct rtick_stats st;

	fake_leg_audio(f->leg[0], LOUD, "A");
	(void)leg_control(f->leg[0], &gain);
	fake_leg_media(f->leg[1], codec_get(CODEC_PCMA), 20);
	st = run(f);

	/* the talker's own, one PCMA, one PCMU for two listeners */
	assert_int_equal(3, st.encodes);
	assert_shared(f, 1);
	assert_shared(f, 2);
	assert_shared(f, 3);
	assert_memory_equal(sent(f, 2)->last, sent(f, 3)->last, 64);
}


/* Deaf, or held, a member is sent nothing; muted, it is no talker */
static void test_deaf_held_muted(void **state)
{
	struct fixture *f = *state;
	struct leg_ctl deaf = {false, true, MIXER_GAIN_UNITY};
	struct leg_ctl muted = {true, false, MIXER_GAIN_UNITY};
	struct rtick_stats st;

	fake_leg_audio(f->leg[0], LOUD, "A");
	fake_leg_audio(f->leg[1], LOUD, "B");
	(void)leg_control(f->leg[1], &muted);
	(void)leg_control(f->leg[2], &deaf);
	fake_leg_hears(f->leg[3], false);
	st = run(f);

	assert_int_equal(1, st.talkers);
	assert_forwarded(f, 1, "A");
	assert_int_equal(0, sent(f, 2)->pkts + sent(f, 2)->encodes);
	assert_int_equal(0, sent(f, 3)->pkts + sent(f, 3)->encodes);
}


/* Talking news on each change only; a removed member is sent nothing;
 * skipped periods reach every leg; an empty room does not tick */
static void test_talk_remove_skip(void **state)
{
	struct fixture *f = *state;

	fake_leg_audio(f->leg[0], LOUD, "A");
	(void)run(f);
	assert_int_equal(1, f->talk_changes);
	(void)run(f);
	assert_int_equal(1, f->talk_changes);

	rtick_remove(f->rt, &f->m[3]);
	(void)run(f);
	assert_int_equal(0, sent(f, 3)->pkts);

	rtick_skip(f->rt, 7);
	assert_int_equal(7, sent(f, 0)->skipped);
	assert_int_equal(0, sent(f, 3)->skipped);

	for (size_t i = 0; i < 3; i++)
		rtick_remove(f->rt, &f->m[i]);
	assert_false(rtick_run(f->rt));
}


int main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		leak_test_setup_teardown(test_one_talker_forwarded, setup,
					 teardown),
		leak_test_setup_teardown(test_two_talkers_swap, setup,
					 teardown),
		leak_test_setup_teardown(test_three_talkers_encode, setup,
					 teardown),
		leak_test_setup_teardown(test_forward_needs_same_stream, setup,
					 teardown),
		leak_test_setup_teardown(test_listeners_share_encode, setup,
					 teardown),
		leak_test_setup_teardown(test_deaf_held_muted, setup,
					 teardown),
		leak_test_setup_teardown(test_talk_remove_skip, setup,
					 teardown),
	};

	(void)argc;
	leak_init(argv);
	log_set_level(LOG_WARN);

	return cmocka_run_group_tests_name("room_tick", tests, NULL, NULL);
}
