/**
 * @file test_store.c  Persistent rooms: saved whole, restored as they were
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <re.h>
#include "server/cfg.h"
#include "server/log.h"
#include "server/rooms.h"
#include "server/store.h"
#include "leak.h"

struct fixture {
	struct config cfg;
	char dir[64];
	char path[128];
};


static int setup(void **state)
{
	struct fixture *f = test_calloc(1, sizeof(*f));

	if (!f)
		return -1;

	f->cfg.max_participants = 9;
	f->cfg.talkers_max = 3;
	str_ncpy(f->dir, "/tmp/chorus-store-XXXXXX", sizeof(f->dir));
	if (!mkdtemp(f->dir))
		return -1;
	re_snprintf(f->path, sizeof(f->path), "%s/rooms.json", f->dir);

	*state = f;
	return 0;
}


static int teardown(void **state)
{
	struct fixture *f = *state;
	char bad[160];

	re_snprintf(bad, sizeof(bad), "%s.bad", f->path);
	(void)unlink(f->path);
	(void)unlink(bad);
	(void)chmod(f->dir, 0700);
	(void)rmdir(f->dir);
	test_free(f);

	return 0;
}


static struct rooms *manager(struct fixture *f)
{
	struct rooms *mgr = NULL;

	assert_int_equal(0, rooms_alloc(&mgr, &f->cfg, NULL));
	return mgr;
}


static void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(strlen(text), fwrite(text, 1, strlen(text), fp));
	assert_int_equal(0, fclose(fp));
}


/* Persistent rooms come back with their parameters and their time; the
 * others do not come back at all */
static void test_save_and_load(void **state)
{
	struct fixture *f = *state;
	struct room_prm a = {.max_participants = 4, .talkers_max = 2,
			     .locked = true, .persistent = true};
	struct room_prm b = {.max_participants = 50, .persistent = true};
	struct rooms *mgr = manager(f);
	struct room *ra = NULL, *rb = NULL, *r;
	uint64_t t_a;

	assert_int_equal(0, rooms_create(mgr, "alpha", &a, &ra));
	assert_int_equal(0, rooms_create(mgr, "beta", &b, &rb));
	assert_int_equal(0, rooms_create(mgr, "gone", NULL, NULL));
	t_a = room_created_at(ra);
	assert_int_equal(0, store_save(mgr, f->dir));
	mem_deref(mgr);

	mgr = manager(f);
	assert_int_equal(0, store_load(mgr, f->dir));
	assert_int_equal(2, list_count(rooms_list(mgr)));
	assert_null(rooms_find(mgr, "gone"));

	r = rooms_find(mgr, "alpha");
	assert_non_null(r);
	assert_int_equal(4, room_prm(r)->max_participants);
	assert_int_equal(2, room_prm(r)->talkers_max);
	assert_true(room_prm(r)->locked);
	assert_true(room_prm(r)->persistent);
	assert_int_equal(t_a, room_created_at(r));

	r = rooms_find(mgr, "beta");
	assert_non_null(r);
	assert_int_equal(50, room_prm(r)->max_participants);
	assert_int_equal(0, room_prm(r)->talkers_max);
	assert_false(room_prm(r)->locked);

	mem_deref(mgr);
}


/* No file: no rooms, no error. A file that is not ours is set aside,
 * whole, and start-up goes on with no rooms; bad entries are skipped */
static void test_missing_bad_and_partial(void **state)
{
	struct fixture *f = *state;
	struct rooms *mgr = manager(f);
	char bad[160];
	struct stat st;

	assert_int_equal(0, store_load(mgr, f->dir));
	assert_int_equal(0, list_count(rooms_list(mgr)));

	write_file(f->path, "{\"version\":1,\"rooms\":[");
	assert_int_equal(0, store_load(mgr, f->dir));
	assert_int_equal(0, list_count(rooms_list(mgr)));
	re_snprintf(bad, sizeof(bad), "%s.bad", f->path);
	assert_int_equal(0, stat(bad, &st));
	assert_int_equal(strlen("{\"version\":1,\"rooms\":["), st.st_size);
	assert_int_equal(-1, stat(f->path, &st));

	write_file(f->path, "{\"version\":1,\"rooms\":[{\"name\":\"ok\"},"
		   "{\"name\":\"not ok\"},{\"name\":7},[],"
		   "{\"name\":\"big\",\"max_participants\":0}]}");
	assert_int_equal(0, store_load(mgr, f->dir));
	assert_int_equal(2, list_count(rooms_list(mgr)));
	assert_non_null(rooms_find(mgr, "ok"));
	assert_int_equal(9, room_prm(rooms_find(mgr, "ok"))->max_participants);
	assert_true(room_prm(rooms_find(mgr, "ok"))->persistent);
	assert_int_equal(9, room_prm(rooms_find(mgr, "big"))
			 ->max_participants);

	mem_deref(mgr);
}


/* A directory we cannot write to: one storage error, the old file kept,
 * no temporary file left behind */
static void test_save_fails_whole(void **state)
{
	struct fixture *f = *state;
	struct room_prm p = {.max_participants = 4, .talkers_max = 2,
			     .persistent = true};
	struct rooms *mgr = manager(f);
	char tmp[160];
	struct stat st;

	write_file(f->path, "{\"version\":1,\"rooms\":[]}");
	assert_int_equal(0, rooms_create(mgr, "alpha", &p, NULL));

	/* root writes anywhere: a path that is not a directory instead */
	re_snprintf(tmp, sizeof(tmp), "%s/rooms.json", f->dir);
	assert_int_equal(EIO, store_save(mgr, tmp));
	assert_int_equal(0, stat(f->path, &st));
	assert_int_equal(strlen("{\"version\":1,\"rooms\":[]}"), st.st_size);

	re_snprintf(tmp, sizeof(tmp), "%s/.rooms.json.tmp", f->dir);
	assert_int_equal(-1, stat(tmp, &st));

	mem_deref(mgr);
}


/* A change the store refuses is not made: the manager asks first */
static int refuse_h(const struct rooms *mgr, void *arg)
{
	(void)mgr;
	(void)arg;
	return EIO;
}


static void test_refused_change_not_made(void **state)
{
	struct fixture *f = *state;
	struct room_prm p = {.max_participants = 4, .talkers_max = 2,
			     .persistent = true};
	struct rooms *mgr = manager(f);
	struct room *room = NULL;

	rooms_set_handlers(mgr, NULL, refuse_h, NULL);
	assert_int_equal(EIO, rooms_create(mgr, "alpha", &p, NULL));
	assert_null(rooms_find(mgr, "alpha"));

	/* not persistent: nothing to store, nothing refused */
	p.persistent = false;
	assert_int_equal(0, rooms_create(mgr, "beta", &p, &room));
	p.persistent = true;
	assert_int_equal(EIO, rooms_update(mgr, room, &p));
	assert_false(room_prm(room)->persistent);

	mem_deref(mgr);
}


int main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		leak_test_setup_teardown(test_save_and_load, setup, teardown),
		leak_test_setup_teardown(test_missing_bad_and_partial, setup,
					 teardown),
		leak_test_setup_teardown(test_save_fails_whole, setup,
					 teardown),
		leak_test_setup_teardown(test_refused_change_not_made, setup,
					 teardown),
	};

	(void)argc;
	leak_init(argv);
	log_set_level(LOG_ERROR + 1);

	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
