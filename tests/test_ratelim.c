/**
 * @file test_ratelim.c  Failures per source address: bursts, blocks, the
 *                       sliding window, a bounded table
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <re.h>
#include "server/ratelim.h"
#include "leak.h"


static struct sa addr(const char *ip, uint16_t port)
{
	struct sa sa;

	assert_int_equal(0, sa_set_str(&sa, ip, port));
	return sa;
}


static struct ratelim *mk(uint32_t burst, uint32_t window, uint32_t block,
			  uint32_t size)
{
	struct ratelim_prm prm = {burst, window, block, size};
	struct ratelim *rl = NULL;

	assert_int_equal(0, ratelim_alloc(&rl, &prm));
	return rl;
}


static void test_burst_block(void **state)
{
	struct ratelim *rl = mk(3, 1000, 5000, 16);
	struct sa a = addr("192.0.2.1", 5060);

	/* 3 allowed, the 4th within the window blocks */
	for (int i = 0; i < 3; i++) {
		assert_false(ratelim_fail(rl, &a, 10 * (uint64_t)i));
		assert_false(ratelim_blocked(rl, &a, 10 * (uint64_t)i));
	}
	assert_true(ratelim_fail(rl, &a, 30));
	assert_true(ratelim_blocked(rl, &a, 30));
	assert_true(ratelim_blocked(rl, &a, 5029));
	assert_int_equal(1, ratelim_blocks(rl));

	/* more failures while blocked start no new block */
	for (int i = 0; i < 10; i++)
		assert_false(ratelim_fail(rl, &a, 100));
	assert_int_equal(1, ratelim_blocks(rl));

	/* the block ends; counting starts again from nothing */
	assert_false(ratelim_blocked(rl, &a, 5030));
	for (int i = 0; i < 3; i++)
		assert_false(ratelim_fail(rl, &a, 6000));
	assert_true(ratelim_fail(rl, &a, 6000));
	assert_int_equal(2, ratelim_blocks(rl));
	assert_true(ratelim_blocked(rl, &a, 10999));
	assert_false(ratelim_blocked(rl, &a, 11000));

	mem_deref(rl);
}


static void test_burst_zero(void **state)
{
	struct ratelim *rl = mk(0, 1000, 1000, 4);
	struct sa a = addr("192.0.2.1", 1);

	assert_true(ratelim_fail(rl, &a, 0));
	assert_true(ratelim_blocked(rl, &a, 999));
	assert_false(ratelim_blocked(rl, &a, 1000));

	mem_deref(rl);
}


/* the window slides: not reset at fixed times */
static void test_window_slides(void **state)
{
	struct ratelim *rl = mk(3, 1000, 5000, 16);
	struct sa a = addr("192.0.2.1", 5060);

	assert_false(ratelim_fail(rl, &a, 0));
	assert_false(ratelim_fail(rl, &a, 400));
	assert_false(ratelim_fail(rl, &a, 800));
	/* 4 in [0, 1100]: longer than the window apart */
	assert_false(ratelim_fail(rl, &a, 1100));
	/* 400, 800, 1100, 1200: 4 within 1000 ms (a fixed window from 0
	 * would have started again at 1000 with 2) */
	assert_true(ratelim_fail(rl, &a, 1200));
	mem_deref(rl);

	/* slow failures never block */
	rl = mk(3, 1000, 5000, 16);
	for (uint64_t t = 0; t < 100000; t += 400)
		assert_false(ratelim_fail(rl, &a, t));
	assert_int_equal(0, ratelim_blocks(rl));
	mem_deref(rl);
}


/* the address counts, not the port; other addresses are apart */
static void test_per_address(void **state)
{
	struct ratelim *rl = mk(3, 1000, 5000, 16);
	struct sa b = addr("192.0.2.2", 5060);

	for (uint16_t p = 1; p <= 3; p++) {
		struct sa a = addr("192.0.2.1", (uint16_t)(40000 + p));

		assert_false(ratelim_fail(rl, &a, p));
	}
	assert_false(ratelim_fail(rl, &b, 5));
	assert_false(ratelim_blocked(rl, &b, 5));

	{
		struct sa a = addr("192.0.2.1", 9);

		assert_true(ratelim_fail(rl, &a, 6));
	}
	{
		struct sa a = addr("192.0.2.1", 12345);

		assert_true(ratelim_blocked(rl, &a, 7));
	}
	assert_false(ratelim_blocked(rl, &b, 7));
	assert_int_equal(2, ratelim_count(rl));

	mem_deref(rl);
}


static void test_ok_resets(void **state)
{
	struct ratelim *rl = mk(3, 1000, 5000, 16);
	struct sa a = addr("192.0.2.1", 5060);
	struct sa a2 = addr("192.0.2.1", 5070);

	for (int i = 0; i < 3; i++)
		assert_false(ratelim_fail(rl, &a, 0));
	assert_int_equal(1, ratelim_count(rl));
	ratelim_ok(rl, &a2);                   /* another port: the same */
	assert_int_equal(0, ratelim_count(rl));
	for (int i = 0; i < 3; i++)
		assert_false(ratelim_fail(rl, &a, 1));
	assert_true(ratelim_fail(rl, &a, 2));

	/* a source never seen: nothing */
	a2 = addr("198.51.100.1", 1);
	ratelim_ok(rl, &a2);
	assert_int_equal(1, ratelim_count(rl));

	mem_deref(rl);
}


/* a full table reuses the entry of the source seen least recently */
static void test_table_full(void **state)
{
	struct ratelim *rl = mk(3, 1000, 5000, 4);
	struct sa a = addr("10.0.0.1", 1);
	char ip[32];

	for (int i = 0; i < 3; i++)
		assert_false(ratelim_fail(rl, &a, 0));

	/* many others push 10.0.0.1 out */
	for (int i = 0; i < 100; i++) {
		struct sa o;

		re_snprintf(ip, sizeof(ip), "10.1.%d.%d", i / 200, i % 200);
		o = addr(ip, 1);
		assert_false(ratelim_fail(rl, &o, 1));
		assert_true(ratelim_count(rl) <= 4);
	}
	assert_int_equal(4, ratelim_count(rl));

	/* forgotten: its 4th failure counts as its 1st */
	assert_false(ratelim_fail(rl, &a, 2));
	mem_deref(rl);

	/* the least recently seen goes, not the first seen */
	rl = mk(3, 1000, 5000, 2);
	{
		struct sa b = addr("10.0.0.2", 1), c = addr("10.0.0.3", 1);

		for (int i = 0; i < 2; i++)
			assert_false(ratelim_fail(rl, &a, 0));
		assert_false(ratelim_fail(rl, &b, 0));
		assert_false(ratelim_fail(rl, &a, 0));  /* a: 3, recent */
		assert_false(ratelim_fail(rl, &c, 0));  /* b goes */
		assert_true(ratelim_fail(rl, &a, 0));   /* a: 4th */
		assert_int_equal(2, ratelim_count(rl));

		/* a blocked source that keeps trying stays */
		assert_false(ratelim_fail(rl, &b, 1));  /* c goes */
		assert_true(ratelim_blocked(rl, &a, 2));
		assert_false(ratelim_fail(rl, &c, 3));  /* b goes */
		assert_true(ratelim_blocked(rl, &a, 4));
	}
	mem_deref(rl);
}


static void test_ipv6(void **state)
{
	struct ratelim *rl = mk(2, 1000, 5000, 16);
	struct sa a1 = addr("2001:db8::1", 5060);
	struct sa a2 = addr("2001:db8::1", 5061);
	struct sa b = addr("2001:db8::2", 5060);
	struct sa m = addr("::ffff:192.0.2.7", 5060);
	struct sa v4 = addr("192.0.2.7", 5062);

	assert_false(ratelim_fail(rl, &a1, 0));
	assert_false(ratelim_fail(rl, &a2, 0));
	assert_false(ratelim_fail(rl, &b, 0));
	assert_true(ratelim_fail(rl, &a2, 0));
	assert_true(ratelim_blocked(rl, &a1, 1));
	assert_false(ratelim_blocked(rl, &b, 1));

	/* an IPv4-mapped IPv6 address is the IPv4 one */
	assert_false(ratelim_fail(rl, &m, 0));
	assert_false(ratelim_fail(rl, &v4, 0));
	assert_true(ratelim_fail(rl, &m, 0));
	assert_true(ratelim_blocked(rl, &v4, 1));
	assert_int_equal(2, ratelim_blocks(rl));

	mem_deref(rl);
}


static void test_params(void **state)
{
	struct ratelim_prm prm = {3, 1000, 5000, 16};
	struct ratelim *rl = NULL;
	struct sa none;

	assert_int_equal(EINVAL, ratelim_alloc(NULL, &prm));
	assert_int_equal(EINVAL, ratelim_alloc(&rl, NULL));
	prm.size = 0;
	assert_int_equal(EINVAL, ratelim_alloc(&rl, &prm));
	prm.size = 16;
	prm.window_ms = 0;
	assert_int_equal(EINVAL, ratelim_alloc(&rl, &prm));
	prm.window_ms = 1000;
	prm.block_ms = 0;
	assert_int_equal(EINVAL, ratelim_alloc(&rl, &prm));
	prm.block_ms = 1;
	prm.burst = 100000;
	assert_int_equal(EINVAL, ratelim_alloc(&rl, &prm));
	assert_null(rl);

	/* no address, no limiter: nothing counted, nothing blocked */
	prm.burst = 0;
	assert_int_equal(0, ratelim_alloc(&rl, &prm));
	sa_init(&none, AF_UNSPEC);
	assert_false(ratelim_fail(rl, &none, 0));
	assert_false(ratelim_fail(rl, NULL, 0));
	assert_false(ratelim_blocked(rl, NULL, 0));
	assert_false(ratelim_fail(NULL, &none, 0));
	assert_int_equal(0, ratelim_count(rl));
	assert_int_equal(0, ratelim_blocks(NULL));
	mem_deref(rl);
}


int main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		leak_test(test_burst_block),
		leak_test(test_burst_zero),
		leak_test(test_window_slides),
		leak_test(test_per_address),
		leak_test(test_ok_resets),
		leak_test(test_table_full),
		leak_test(test_ipv6),
		leak_test(test_params),
	};

	(void)argc;
	leak_init(argv);

	return cmocka_run_group_tests_name("ratelim", tests, NULL, NULL);
}
