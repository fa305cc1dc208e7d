/**
 * @file test_room.c  A room: its members, their events, its tick on a
 *                    media thread (fake participants and legs)
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include "server/codec.h"
#include "server/log.h"
#include "server/room.h"
#include "server/worker.h"
#include "fake/fake.h"
#include "leak.h"

enum {
	EVS_MAX = 16,
	MAXFDS = 1024,
	LOUD = 8000,
};

struct fixture {
	struct room *room;
	struct room_cfg cfg;
	struct sip_msg msg;
	enum room_event ev[EVS_MAX];
	uint32_t count_at[EVS_MAX];   /* members when the event came  */
	bool found_at[EVS_MAX];       /* room_part() found its part    */
	size_t nev;
};


static void event_h(struct room *room, enum room_event ev, struct part *p,
		    const char *reason, void *arg)
{
	struct fixture *f = arg;

	(void)reason;
	if (f->nev >= EVS_MAX)
		return;

	f->ev[f->nev] = ev;
	f->count_at[f->nev] = room_part_count(room);
	f->found_at[f->nev] = room_part(room, part_id(p)) == p;
	f->nev++;

	if (ev == EV_PART_TALKING)
		re_cancel();
}


static int make(struct fixture *f, struct worker *wk)
{
	struct room_prm prm = {.max_participants = 10, .talkers_max = 3,
				 .video_hold_ms = ROOM_VIDEO_HOLD_MS};

	return room_alloc(&f->room, "r", &prm, &f->cfg, wk, event_h, f);
}


static int setup(void **state)
{
	struct fixture *f = test_calloc(1, sizeof(*f));

	if (!f || make(f, NULL))
		return -1;

	*state = f;
	return 0;
}


static int teardown(void **state)
{
	struct fixture *f = *state;

	room_close(f->room, "test over");
	mem_deref(f->room);
	assert_int_equal(0, fake_part_live);
	test_free(f);

	return 0;
}


static struct part *join(struct fixture *f, uint64_t id)
{
	assert_int_equal(0, room_accept(f->room, id, NULL, &f->msg, "c"));
	return room_part(f->room, id);
}


/* Joined: in the list when the room says so. Left: out of it when the
 * room says so. Closed: everyone left. */
static void test_members_and_events(void **state)
{
	struct fixture *f = *state;
	struct part *a, *b;

	a = join(f, 11);
	b = join(f, 12);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(2, room_part_count(f->room));
	assert_string_equal("r", part_room(a));
	assert_null(room_part(f->room, 13));

	assert_int_equal(EV_PART_JOINED, f->ev[0]);
	assert_int_equal(1, f->count_at[0]);
	assert_true(f->found_at[0]);

	part_hangup(a, "hung up");
	assert_int_equal(EV_PART_LEFT, f->ev[2]);
	assert_int_equal(1, f->count_at[2]);
	assert_false(f->found_at[2]);
	assert_null(room_part(f->room, 11));

	(void)join(f, 13);
	room_close(f->room, "closing");
	assert_int_equal(0, room_part_count(f->room));
	assert_int_equal(6, f->nev);
	assert_int_equal(EV_PART_LEFT, f->ev[4]);
	assert_int_equal(EV_PART_LEFT, f->ev[5]);
	assert_int_equal(0, f->count_at[5]);
}


/* An "auto" room forwards its first video caller's codec, and any again
 * once the last video caller left */
static void test_auto_video_codec(void **state)
{
	struct fixture *f = *state;
	struct sdpneg_video h264 = {.on = true, .codec = VCODEC_H264,
				    .h264_pm = 1, .send = true, .recv = true};
	struct part *a, *b;
	enum vcodec c;

	a = join(f, 31);
	assert_false(room_video_codec(f->room, &c));
	assert_true(fake_part_vwant(a)->any);

	fake_part_video_next = &h264;
	b = join(f, 32);
	assert_true(room_video_codec(f->room, &c));
	assert_int_equal(VCODEC_H264, c);
	assert_false(fake_part_vwant(a)->any);
	assert_int_equal(VCODEC_H264, fake_part_vwant(a)->codec);
	assert_int_equal(1, fake_part_vwant(a)->h264_pm);

	/* another codec cannot be set while it is in use */
	{
		struct room_prm prm = *room_prm(f->room);

		prm.video_codec = 1 + VCODEC_VP8;
		assert_int_equal(EALREADY, room_set_prm(f->room, &prm));
		prm.video_codec = 1 + VCODEC_H264;
		assert_int_equal(0, room_set_prm(f->room, &prm));
		prm.video_codec = ROOM_VIDEO_AUTO;
		assert_int_equal(0, room_set_prm(f->room, &prm));
	}

	part_hangup(b, "hung up");
	assert_false(room_video_codec(f->room, &c));
	assert_true(fake_part_vwant(a)->any);
	room_close(f->room, "done");
}


/* A dial-out is a member while it rings, and joins when answered; one
 * that cannot be made is not a member */
static void test_dial(void **state)
{
	struct fixture *f = *state;
	struct part *p = NULL;

	assert_int_equal(0, room_dial(f->room, 21, NULL, "sip:a@b", "c", &p));
	assert_ptr_equal(p, room_part(f->room, 21));
	assert_int_equal(0, f->nev);
	fake_part_answer(p);
	assert_int_equal(EV_PART_JOINED, f->ev[0]);

	fake_part_fail = EADDRINUSE;
	assert_int_equal(EADDRINUSE, room_dial(f->room, 22, NULL, "sip:a@b",
					       "c", &p));
	assert_int_equal(EADDRINUSE, room_accept(f->room, 23, NULL, &f->msg,
						 "c"));
	fake_part_fail = 0;
	assert_int_equal(1, room_part_count(f->room));
	assert_int_equal(EINVAL, room_accept(f->room, 24, NULL, NULL, "c"));
}


static int loud_w(void *arg)
{
	fake_leg_audio(arg, LOUD, "pkt");
	return 0;
}


static void news_h(const void *news, size_t len, void *arg)
{
	struct fixture *f = arg;
	struct media_news n;

	assert_int_equal(sizeof(n), len);
	memcpy(&n, news, sizeof(n));
	assert_string_equal("r", n.room);
	room_news(f->room, &n);
}


static void timeout_h(void *arg)
{
	(void)arg;
	re_cancel();
}


/* On a media thread the room ticks: the talker's packet is forwarded to
 * the other, the counters are published, the talker's news comes back
 * to the main thread as an event */
static void test_ticks_on_worker(void **state)
{
	struct fixture *f = *state;
	struct workers *ws = NULL;
	struct room_stats st;
	struct room_prm prm = {.max_participants = 10, .talkers_max = 1,
				 .video_hold_ms = ROOM_VIDEO_HOLD_MS};
	struct tmr tmr;
	struct part *a, *b;

	room_close(f->room, "again");
	f->room = mem_deref(f->room);
	assert_int_equal(0, workers_alloc(&ws, 1, MAXFDS, news_h, f));
	assert_int_equal(0, make(f, workers_pick(ws)));

	a = join(f, 31);
	b = join(f, 32);
	fake_leg_media(part_leg(a), codec_get(CODEC_PCMU), 20);
	fake_leg_media(part_leg(b), codec_get(CODEC_PCMU), 20);
	assert_int_equal(0, worker_call(workers_pick(ws), loud_w,
					part_leg(a)));

	tmr_init(&tmr);
	tmr_start(&tmr, 2000, timeout_h, NULL);
	(void)re_main(NULL);
	tmr_cancel(&tmr);

	assert_int_equal(EV_PART_TALKING, f->ev[f->nev - 1]);

	/* the news is sent from within a tick, its counters after it:
	 * a few ticks more */
	tmr_start(&tmr, 100, timeout_h, NULL);
	(void)re_main(NULL);
	tmr_cancel(&tmr);

	room_stats(f->room, &st);
	assert_true(st.ticks > 0);
	assert_int_equal(1, st.talkers);
	assert_int_equal(1, st.forwards);
	assert_int_equal(1, st.encodes);

	assert_int_equal(0, room_set_prm(f->room, &prm));
	assert_int_equal(1, room_prm(f->room)->talkers_max);

	room_close(f->room, "done");
	f->room = mem_deref(f->room);
	mem_deref(ws);
	assert_int_equal(0, make(f, NULL));
}


int main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		/* the first threads and the first random numbers leave
		 * one-time state behind (the C library's, libre's and its
		 * OpenSSL's): a first run without the check */
		cmocka_unit_test_setup_teardown(test_ticks_on_worker, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_members_and_events,
						setup, teardown),
		leak_test_setup_teardown(test_members_and_events, setup,
					 teardown),
		leak_test_setup_teardown(test_dial, setup, teardown),
		leak_test_setup_teardown(test_auto_video_codec, setup,
					 teardown),
		leak_test_setup_teardown(test_ticks_on_worker, setup,
					 teardown),
	};
	int err;

	(void)argc;
	leak_init(argv);
	log_set_level(LOG_ERROR);

	err = libre_init();
	if (err)
		return err;

	err = cmocka_run_group_tests_name("room", tests, NULL, NULL);
	libre_close();

	return err;
}
