/**
 * @file leak.h  A leak check around every unit test
 *
 * libre's mem_get_stat() needs a libre built with MEM_DEBUG, and
 * Debian's is not (it returns ENOSYS), so the check counts the heap
 * itself: the bytes in use before the test's setup and after its
 * teardown must be the same, or the teardown fails and cmocka reports
 * the test as failed. That covers every allocation, libre's, the
 * codecs' and ours. Under AddressSanitizer the sanitizer's own count is
 * used; without it, glibc's (mallinfo2), with its per-thread cache off
 * (a freed block held in that cache still counts as in use) and one
 * arena for all threads (a thread's first malloc would make an arena,
 * kept for good), which leak_init() sees to by starting the binary again
 * with the tunables set.
 *
 *   const struct CMUnitTest tests[] = {
 *           leak_test(test_a),
 *           leak_test_setup_teardown(test_b, setup, teardown),
 *   };
 *   leak_init(argv);
 */

#ifndef CHORUS_TEST_LEAK_H
#define CHORUS_TEST_LEAK_H

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
/* the sanitizer runtime's (sanitizer/allocator_interface.h, which gcc
 * does not install) */
size_t __sanitizer_get_current_allocated_bytes(void);
#endif

struct leak_wrap {
	CMFixtureFunction setup;
	CMFixtureFunction teardown;
	size_t mark;                 /* [bytes] in use before setup */
};

static struct leak_wrap *leak_cur;


static inline size_t leak_in_use(void)
{
#if defined(__SANITIZE_ADDRESS__)
	return __sanitizer_get_current_allocated_bytes();
#else
	return mallinfo2().uordblks;
#endif
}


static inline int leak_setup(void **state)
{
	struct leak_wrap *w = *state;

	leak_cur = w;
	*state = NULL;
	w->mark = leak_in_use();

	return w->setup ? w->setup(state) : 0;
}


static inline int leak_teardown(void **state)
{
	struct leak_wrap *w = leak_cur;
	size_t now;
	int err;

	err = w->teardown ? w->teardown(state) : 0;
	if (err)
		return err;

	now = leak_in_use();
	if (now != w->mark) {
		print_error("leak check: %zu bytes in use before the test, "
			    "%zu after\n", w->mark, now);
		return -1;
	}

	return 0;
}


#define leak_test_setup_teardown(f, su, td) \
	{#f, f, leak_setup, leak_teardown, &(struct leak_wrap){su, td, 0}}
#define leak_test(f) leak_test_setup_teardown(f, NULL, NULL)


/* Without ASan: run again with glibc's per-thread cache off, once */
static inline void leak_init(char *const argv[])
{
#if !defined(__SANITIZE_ADDRESS__)
	static const char tunable[] =
		"glibc.malloc.tcache_count=0:glibc.malloc.arena_max=1:"
		"glibc.pthread.stack_cache_size=0";
	const char *cur = getenv("GLIBC_TUNABLES");

	if (cur && strstr(cur, tunable))
		return;

	if (setenv("GLIBC_TUNABLES", tunable, 1) == 0)
		execv("/proc/self/exe", argv);

	fprintf(stderr, "leak check: cannot turn the malloc cache off\n");
	exit(1);
#else
	(void)argv;
#endif
}

#endif
