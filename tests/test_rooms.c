/**
 * @file test_rooms.c  Room manager: names, create, find, delete, limits
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include "mixer/mixer.h"
#include "server/codec.h"
#include "server/cfg.h"
#include "server/log.h"
#include "server/room.h"

static struct config cfg;


static int setup(void **state)
{
	struct rooms *mgr = NULL;

	memset(&cfg, 0, sizeof(cfg));
	cfg.max_participants = 7;
	cfg.talkers_max = 3;
	assert_int_equal(0, rooms_alloc(&mgr, &cfg));
	*state = mgr;

	return 0;
}


static int teardown(void **state)
{
	mem_deref(*state);
	return 0;
}


static void test_names(void **state)
{
	char longest[ROOM_NAME_MAX + 1], too_long[ROOM_NAME_MAX + 2];

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
	struct rooms *mgr = *state;
	struct room *room = NULL;

	assert_null(rooms_find(mgr, "demo"));
	assert_int_equal(0, rooms_create(mgr, "demo", NULL, &room));
	assert_non_null(room);
	assert_string_equal("demo", room->name);
	assert_ptr_equal(room, rooms_find(mgr, "demo"));

	/* defaults come from the configuration */
	assert_int_equal(7, room->prm.max_participants);
	assert_int_equal(3, room->prm.talkers_max);
	assert_int_equal(0, room_part_count(room));
	assert_false(room_full(room));
	assert_true(room->created_at > 0);

	/* names are case-sensitive, like SIP user parts (RFC 3261 19.1.4) */
	assert_null(rooms_find(mgr, "DEMO"));

	assert_int_equal(EEXIST, rooms_create(mgr, "demo", NULL, NULL));
	assert_int_equal(1, list_count(rooms_list(mgr)));

	assert_int_equal(0, rooms_delete(mgr, "demo"));
	assert_null(rooms_find(mgr, "demo"));
	assert_int_equal(ENOENT, rooms_delete(mgr, "demo"));
	assert_int_equal(0, list_count(rooms_list(mgr)));
}


static void test_bad_name_changes_nothing(void **state)
{
	struct rooms *mgr = *state;

	assert_int_equal(EINVAL, rooms_create(mgr, "no spaces", NULL, NULL));
	assert_int_equal(EINVAL, rooms_create(mgr, "", NULL, NULL));
	assert_int_equal(0, list_count(rooms_list(mgr)));
}


static void test_params_and_order(void **state)
{
	struct rooms *mgr = *state;
	struct room_prm prm = {.max_participants = 2, .talkers_max = 0};
	struct room *room = NULL;
	const char *names[] = {"b", "a", "c"};
	struct le *le;
	size_t i = 0;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		assert_int_equal(0, rooms_create(mgr, names[i], &prm, &room));

	assert_int_equal(2, room->prm.max_participants);
	assert_int_equal(0, room->prm.talkers_max);

	/* listed in creation order */
	i = 0;
	for (le = list_head(rooms_list(mgr)); le; le = le->next) {
		const struct room *r = le->data;

		assert_string_equal(names[i++], r->name);
	}
	assert_int_equal(3, i);

	assert_int_equal(0, rooms_delete(mgr, "a"));
	assert_non_null(rooms_find(mgr, "b"));
	assert_non_null(rooms_find(mgr, "c"));
	assert_int_equal(0, rooms_part_count(mgr));

	rooms_close_all(mgr);
	assert_int_equal(0, list_count(rooms_list(mgr)));
}


/* Only an empty room an INVITE made goes by itself; a room the API made,
 * a persistent one, or one being closed is left to whoever owns it */
static void test_end_if_idle(void **state)
{
	struct rooms *mgr = *state;
	struct room_prm prm;
	struct room *api = NULL, *inv = NULL, *keep = NULL;

	assert_int_equal(0, rooms_create(mgr, "api", NULL, &api));
	assert_false(rooms_end_if_idle(mgr, api));
	assert_non_null(rooms_find(mgr, "api"));

	rooms_default_prm(mgr, &prm);
	prm.persistent = true;
	assert_int_equal(0, rooms_create(mgr, "keep", &prm, &keep));
	keep->auto_created = true;
	assert_false(rooms_end_if_idle(mgr, keep));
	assert_non_null(rooms_find(mgr, "keep"));

	assert_int_equal(0, rooms_create(mgr, "inv", NULL, &inv));
	inv->auto_created = true;
	inv->closing = true;
	assert_false(rooms_end_if_idle(mgr, inv));
	inv->closing = false;
	assert_true(rooms_end_if_idle(mgr, inv));
	assert_null(rooms_find(mgr, "inv"));

	assert_false(rooms_end_if_idle(mgr, NULL));
	assert_int_equal(2, list_count(rooms_list(mgr)));
}


/* A sweep with a timeout over rooms with nobody in them ends nothing */
static void test_sweep_empty(void **state)
{
	struct rooms *mgr = *state;
	struct room *inv = NULL;

	assert_int_equal(0, rooms_create(mgr, "a", NULL, NULL));
	assert_int_equal(0, rooms_create(mgr, "b", NULL, &inv));
	inv->auto_created = true;
	rooms_sweep(mgr, UINT64_MAX / 2, 2);
	rooms_sweep(NULL, 0, 2);
	assert_int_equal(2, list_count(rooms_list(mgr)));
}


static void test_ids_increase(void **state)
{
	struct rooms *mgr = *state;
	uint64_t a = rooms_next_part_id(mgr);
	uint64_t b = rooms_next_part_id(mgr);

	assert_true(a > 0);
	assert_true(b > a);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test_setup_teardown(test_create_find_delete,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_name_changes_nothing,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_params_and_order, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ids_increase, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_end_if_idle, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sweep_empty, setup,
						teardown),
	};

	log_set_level(LOG_WARN);

	return cmocka_run_group_tests_name("rooms", tests, NULL, NULL);
}
