/**
 * @file test_rooms.c  Room manager: names, create, find, delete, limits,
 *                     and the one place rooms end (fake participants)
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include "server/cfg.h"
#include "server/log.h"
#include "server/rooms.h"
#include "fake/fake.h"
#include "leak.h"

enum {
	EVS_MAX = 32,
};

struct fixture {
	struct config cfg;
	struct rooms *mgr;
	struct sip_msg msg;            /* an INVITE (the fake reads none) */
	enum room_event ev[EVS_MAX];
	char reason[EVS_MAX][32];
	uint64_t part_id[EVS_MAX];
	size_t nev;
};


static void event_h(enum room_event ev, const struct room *room,
		    const struct part *part, const char *reason, void *arg)
{
	struct fixture *f = arg;

	(void)room;
	if (f->nev >= EVS_MAX)
		return;

	f->ev[f->nev] = ev;
	f->part_id[f->nev] = part_id(part);
	str_ncpy(f->reason[f->nev], reason ? reason : "",
		 sizeof(f->reason[0]));
	f->nev++;
}


static int setup(void **state)
{
	struct fixture *f = test_calloc(1, sizeof(*f));

	if (!f)
		return -1;

	f->cfg.max_participants = 7;
	f->cfg.talkers_max = 3;
	if (rooms_alloc(&f->mgr, &f->cfg, NULL))
		return -1;

	rooms_set_handlers(f->mgr, event_h, NULL, f);
	fake_part_fail = 0;
	*state = f;

	return 0;
}


static int teardown(void **state)
{
	struct fixture *f = *state;

	mem_deref(f->mgr);
	assert_int_equal(0, fake_part_live);
	test_free(f);

	return 0;
}


static struct part *join(struct fixture *f, struct room *room)
{
	const struct list *parts = room_parts(room);

	assert_int_equal(0, rooms_accept(f->mgr, room, NULL, &f->msg, "c"));
	return list_tail(parts)->data;
}


static void test_names(void **state)
{
	char longest[ROOM_NAME_MAX + 1], too_long[ROOM_NAME_MAX + 2];

	(void)state;
	memset(longest, 'a', ROOM_NAME_MAX);
	longest[ROOM_NAME_MAX] = '\0';
	memset(too_long, 'b', ROOM_NAME_MAX + 1);
	too_long[ROOM_NAME_MAX + 1] = '\0';

	assert_true(rooms_name_valid("demo"));
	assert_true(rooms_name_valid("Team-7.standup_2"));
	assert_true(rooms_name_valid("1"));
	assert_true(rooms_name_valid(longest));

	assert_false(rooms_name_valid(NULL));
	assert_false(rooms_name_valid(""));
	assert_false(rooms_name_valid(too_long));
	assert_false(rooms_name_valid("a b"));
	assert_false(rooms_name_valid("a/b"));
	assert_false(rooms_name_valid("caf\xc3\xa9"));
	assert_false(rooms_name_valid("%41"));
	assert_false(rooms_name_valid("a@b"));
}


static void test_create_find_delete(void **state)
{
	struct fixture *f = *state;
	struct rooms *mgr = f->mgr;
	struct room *room = NULL;

	assert_null(rooms_find(mgr, "demo"));
	assert_int_equal(0, rooms_create(mgr, "demo", NULL, &room));
	assert_non_null(room);
	assert_string_equal("demo", room_name(room));
	assert_ptr_equal(room, rooms_find(mgr, "demo"));

	/* defaults come from the configuration */
	assert_int_equal(7, room_prm(room)->max_participants);
	assert_int_equal(3, room_prm(room)->talkers_max);
	assert_int_equal(0, room_part_count(room));
	assert_false(room_full(room));
	assert_true(room_created_at(room) > 0);

	/* names are case-sensitive, like SIP user parts (RFC 3261 19.1.4) */
	assert_null(rooms_find(mgr, "DEMO"));

	assert_int_equal(EEXIST, rooms_create(mgr, "demo", NULL, NULL));
	assert_int_equal(1, list_count(rooms_list(mgr)));

	assert_int_equal(0, rooms_delete(mgr, "demo"));
	assert_null(rooms_find(mgr, "demo"));
	assert_int_equal(ENOENT, rooms_delete(mgr, "demo"));
	assert_int_equal(0, list_count(rooms_list(mgr)));

	assert_int_equal(EV_ROOM_CREATED, f->ev[0]);
	assert_int_equal(EV_ROOM_DELETED, f->ev[1]);
	assert_int_equal(2, f->nev);
}


static void test_bad_name_changes_nothing(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(EINVAL, rooms_create(f->mgr, "no spaces", NULL,
					      NULL));
	assert_int_equal(EINVAL, rooms_create(f->mgr, "", NULL, NULL));
	assert_int_equal(0, list_count(rooms_list(f->mgr)));
	assert_int_equal(0, f->nev);
}


static void test_params_and_order(void **state)
{
	struct fixture *f = *state;
	struct rooms *mgr = f->mgr;
	struct room_prm prm = {.max_participants = 2, .talkers_max = 0};
	struct room *room = NULL;
	const char *names[] = {"b", "a", "c"};
	struct le *le;
	size_t i = 0;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		assert_int_equal(0, rooms_create(mgr, names[i], &prm, &room));

	assert_int_equal(2, room_prm(room)->max_participants);
	assert_int_equal(0, room_prm(room)->talkers_max);

	/* listed in creation order */
	i = 0;
	for (le = list_head(rooms_list(mgr)); le; le = le->next)
		assert_string_equal(names[i++], room_name(le->data));
	assert_int_equal(3, i);

	prm.locked = true;
	assert_int_equal(0, rooms_update(mgr, room, &prm));
	assert_true(room_prm(room)->locked);

	assert_int_equal(0, rooms_delete(mgr, "a"));
	assert_non_null(rooms_find(mgr, "b"));
	assert_non_null(rooms_find(mgr, "c"));
	assert_int_equal(0, rooms_part_count(mgr));

	rooms_close_all(mgr);
	assert_int_equal(0, list_count(rooms_list(mgr)));
}


/* A room an INVITE made ends when its last participant leaves, and only
 * then; departures are counted for /metrics */
static void test_auto_room_ends_with_last(void **state)
{
	struct fixture *f = *state;
	struct room *room = NULL;
	struct part *a, *b;

	assert_int_equal(0, rooms_create_auto(f->mgr, "inv", &room));
	a = join(f, room);
	b = join(f, room);
	assert_int_equal(2, rooms_part_count(f->mgr));
	fake_leg_stats(part_leg(a), 100, 90, 3);
	fake_leg_stats(part_leg(b), 10, 9, 1);

	part_hangup(a, "hung up");
	assert_ptr_equal(room, rooms_find(f->mgr, "inv"));
	part_hangup(b, "hung up");
	assert_null(rooms_find(f->mgr, "inv"));

	assert_int_equal(2, rooms_stats(f->mgr)->joins);
	assert_int_equal(110, rooms_stats(f->mgr)->pkts_in_gone);
	assert_int_equal(99, rooms_stats(f->mgr)->pkts_out_gone);
	assert_int_equal(4, rooms_stats(f->mgr)->lost_gone);

	/* created, joined x2, left x2, then deleted */
	assert_int_equal(6, f->nev);
	assert_int_equal(EV_PART_LEFT, f->ev[4]);
	assert_int_equal(EV_ROOM_DELETED, f->ev[5]);
}


/* Rooms the API made, and persistent ones, are left to whoever owns them;
 * so is a room being deleted (its participants leave one by one) */
static void test_end_if_idle(void **state)
{
	struct fixture *f = *state;
	struct room_prm prm;
	struct room *api = NULL, *keep = NULL, *inv = NULL;

	assert_int_equal(0, rooms_create(f->mgr, "api", NULL, &api));
	part_hangup(join(f, api), "hung up");
	assert_false(rooms_end_if_idle(f->mgr, api));
	assert_non_null(rooms_find(f->mgr, "api"));

	rooms_default_prm(f->mgr, &prm);
	prm.persistent = true;
	assert_int_equal(0, rooms_create_auto(f->mgr, "keep", &keep));
	assert_int_equal(0, rooms_update(f->mgr, keep, &prm));
	part_hangup(join(f, keep), "hung up");
	assert_non_null(rooms_find(f->mgr, "keep"));

	/* deleting an INVITE-made room with two in it deletes it once */
	assert_int_equal(0, rooms_create_auto(f->mgr, "inv", &inv));
	(void)join(f, inv);
	(void)join(f, inv);
	assert_int_equal(0, rooms_delete(f->mgr, "inv"));
	assert_null(rooms_find(f->mgr, "inv"));
	assert_int_equal(ENOENT, rooms_delete(f->mgr, "inv"));

	assert_false(rooms_end_if_idle(f->mgr, NULL));
	assert_int_equal(2, list_count(rooms_list(f->mgr)));
}


/* Locked rooms refuse callers, full ones too; nothing is left behind */
static void test_limits(void **state)
{
	struct fixture *f = *state;
	struct room_prm prm = {.max_participants = 1};
	struct room *room = NULL;
	struct part *p = NULL;

	assert_int_equal(0, rooms_create(f->mgr, "small", &prm, &room));
	(void)join(f, room);
	assert_true(room_full(room));
	assert_int_equal(EBUSY, rooms_accept(f->mgr, room, NULL, &f->msg,
					     "c"));
	assert_int_equal(EBUSY, rooms_dial(f->mgr, room, NULL, "sip:x@y",
					   "c", &p));

	prm.max_participants = 5;
	prm.locked = true;
	assert_int_equal(0, rooms_update(f->mgr, room, &prm));
	assert_int_equal(EACCES, rooms_accept(f->mgr, room, NULL, &f->msg,
					      "c"));

	/* a participant that cannot be made leaves no trace */
	prm.locked = false;
	assert_int_equal(0, rooms_update(f->mgr, room, &prm));
	fake_part_fail = ENOTSUP;
	assert_int_equal(ENOTSUP, rooms_accept(f->mgr, room, NULL, &f->msg,
					       "c"));
	assert_int_equal(1, room_part_count(room));
	fake_part_fail = 0;

	/* a dial-out joins when answered */
	assert_int_equal(0, rooms_dial(f->mgr, room, NULL, "sip:x@y", "c",
				       &p));
	assert_int_equal(1, rooms_stats(f->mgr)->joins);
	fake_part_answer(p);
	assert_int_equal(2, rooms_stats(f->mgr)->joins);
	assert_int_equal(EV_PART_JOINED, f->ev[f->nev - 1]);
	assert_int_equal(part_id(p), f->part_id[f->nev - 1]);
}


static void news(struct fixture *f, const char *room, uint64_t id,
		 enum media_news_type type)
{
	struct media_news n;

	memset(&n, 0, sizeof(n));
	n.type = type;
	str_ncpy(n.room, room, sizeof(n.room));
	n.part_id = id;
	n.digit = '5';
	rooms_news(f->mgr, &n, sizeof(n));
}


/* The last callers of two INVITE-made rooms time out one after the
 * other: both rooms end, nothing freed is touched (the sweep that walked
 * the rooms while it ended them once did) */
static void test_timeouts_end_rooms(void **state)
{
	struct fixture *f = *state;
	struct room *r1 = NULL, *r2 = NULL, *r3 = NULL;
	uint64_t id1, id2, id3;

	assert_int_equal(0, rooms_create_auto(f->mgr, "t1", &r1));
	assert_int_equal(0, rooms_create_auto(f->mgr, "t2", &r2));
	assert_int_equal(0, rooms_create_auto(f->mgr, "t3", &r3));
	id1 = part_id(join(f, r1));
	id2 = part_id(join(f, r2));
	id3 = part_id(join(f, r3));
	assert_true(id1 < id2 && id2 < id3);

	news(f, "t1", id1, NEWS_TIMEOUT);
	news(f, "t2", id2, NEWS_TIMEOUT);
	news(f, "t2", id2, NEWS_TIMEOUT);   /* it is gone: nothing */
	assert_null(rooms_find(f->mgr, "t1"));
	assert_null(rooms_find(f->mgr, "t2"));
	assert_ptr_equal(r3, rooms_find(f->mgr, "t3"));
	assert_string_equal("rtp timeout", f->reason[f->nev - 2]);

	/* news for the living reaches them; bad news is dropped */
	f->nev = 0;
	news(f, "t3", id3, NEWS_TALKING);
	news(f, "t3", id3, NEWS_DTMF);
	news(f, "t3", id3 + 100, NEWS_TALKING);
	news(f, "nope", id3, NEWS_TALKING);
	rooms_news(f->mgr, "short", 5);
	assert_int_equal(2, f->nev);
	assert_int_equal(EV_PART_TALKING, f->ev[0]);
	assert_int_equal(EV_PART_DTMF, f->ev[1]);
	assert_string_equal("5", f->reason[1]);
}


int main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		/* the first random numbers (a participant's video stream
		 * numbers) leave libre's OpenSSL state behind: a first run,
		 * unchecked */
		cmocka_unit_test_setup_teardown(test_auto_room_ends_with_last,
						setup, teardown),
		leak_test(test_names),
		leak_test_setup_teardown(test_create_find_delete, setup,
					 teardown),
		leak_test_setup_teardown(test_bad_name_changes_nothing, setup,
					 teardown),
		leak_test_setup_teardown(test_params_and_order, setup,
					 teardown),
		leak_test_setup_teardown(test_auto_room_ends_with_last, setup,
					 teardown),
		leak_test_setup_teardown(test_end_if_idle, setup, teardown),
		leak_test_setup_teardown(test_limits, setup, teardown),
		leak_test_setup_teardown(test_timeouts_end_rooms, setup,
					 teardown),
	};

	(void)argc;
	leak_init(argv);
	log_set_level(LOG_WARN);

	return cmocka_run_group_tests_name("rooms", tests, NULL, NULL);
}
