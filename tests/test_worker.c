/**
 * @file test_worker.c  Media worker threads: calls, events, locks, rooms
 */
#define _GNU_SOURCE 1
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include <re.h>
#include "mixer/mixer.h"
#include "server/codec.h"
#include "server/cfg.h"
#include "server/room.h"
#include "server/worker.h"

enum {
	MAXFDS = 1024,
	WAIT_MS = 2000,     /* longest wait for an event */
};

struct probe {
	pthread_t caller;         /* the thread that ran the call */
	struct worker *w;         /* post an event from there     */
	int ret;
};

struct seen {
	struct worker_event ev;
	unsigned n;
};


static int who(void *arg)
{
	struct probe *pr = arg;

	pr->caller = pthread_self();
	return pr->ret;
}


static int post(void *arg)
{
	struct probe *pr = arg;
	struct worker_event ev = {EV_PART_DTMF, "demo", 42, '7'};

	worker_post(pr->w, &ev);
	ev.part_id = 43;
	worker_post(pr->w, &ev);
	return 0;
}


static void ev_h(const struct worker_event *ev, void *arg)
{
	struct seen *s = arg;

	s->ev = *ev;
	if (++s->n == 2)
		re_cancel();
}


static void timeout_h(void *arg)
{
	(void)arg;
	re_cancel();
}


/* worker_call() runs the function on a worker thread, not here, and
 * returns what it returned; without a worker it runs here */
static void test_call(void **state)
{
	struct workers *ws = NULL;
	struct probe pr = {0};
	struct worker *w;

	(void)state;
	assert_int_equal(0, workers_alloc(&ws, 2, MAXFDS, NULL, NULL));
	assert_int_equal(2, workers_count(ws));

	w = workers_pick(ws);
	assert_non_null(w);

	pr.ret = 1234;
	assert_int_equal(1234, worker_call(w, who, &pr));
	assert_false(pthread_equal(pr.caller, pthread_self()));

	pr.ret = 5;
	assert_int_equal(5, worker_call(NULL, who, &pr));
	assert_true(pthread_equal(pr.caller, pthread_self()));

	mem_deref(ws);
}


/* What a worker posts reaches the main loop's handler, in order */
static void test_events(void **state)
{
	struct workers *ws = NULL;
	struct seen seen = {0};
	struct probe pr = {0};
	struct tmr tmr;

	(void)state;
	tmr_init(&tmr);
	assert_int_equal(0, workers_alloc(&ws, 1, MAXFDS, ev_h, &seen));

	pr.w = workers_pick(ws);
	assert_int_equal(0, worker_call(pr.w, post, &pr));

	tmr_start(&tmr, WAIT_MS, timeout_h, NULL);
	(void)re_main(NULL);
	tmr_cancel(&tmr);

	assert_int_equal(2, seen.n);
	assert_int_equal(EV_PART_DTMF, seen.ev.ev);
	assert_string_equal("demo", seen.ev.room);
	assert_int_equal(43, seen.ev.part_id);
	assert_int_equal('7', seen.ev.digit);

	mem_deref(ws);
}


/* 0 workers: one per core this process may run on */
static void test_default_count(void **state)
{
	struct workers *ws = NULL;
	cpu_set_t set;

	(void)state;
	assert_int_equal(0, sched_getaffinity(0, sizeof(set), &set));
	assert_int_equal(0, workers_alloc(&ws, 0, MAXFDS, NULL, NULL));
	assert_int_equal(CPU_COUNT(&set), workers_count(ws));
	mem_deref(ws);

	assert_int_equal(EINVAL, workers_alloc(&ws, 1, 0, NULL, NULL));
}


struct held {
	struct worker *w;
	bool ran;                 /* the call ran on the worker (atomic) */
};


static int mark(void *arg)
{
	struct held *h = arg;

	__atomic_store_n(&h->ran, true, __ATOMIC_SEQ_CST);
	return 0;
}


static void *call_thread(void *arg)
{
	struct held *h = arg;

	(void)worker_call(h->w, mark, h);
	return NULL;
}


static void wait_ms(long ms)
{
	struct timespec ts = {0, ms * 1000000L};

	nanosleep(&ts, NULL);
}


/* The lock nests, and holds the worker's loop off until its last
 * unlock: a call sent meanwhile runs only then */
static void lock_holds_off(struct worker *w)
{
	struct held h = {w, false};
	pthread_t th;

	worker_lock(w);
	worker_lock(w);
	assert_int_equal(0, pthread_create(&th, NULL, call_thread, &h));

	wait_ms(100);
	assert_false(__atomic_load_n(&h.ran, __ATOMIC_SEQ_CST));
	worker_unlock(w);
	wait_ms(100);
	/* still held once */
	assert_false(__atomic_load_n(&h.ran, __ATOMIC_SEQ_CST));
	worker_unlock(w);

	assert_int_equal(0, pthread_join(th, NULL));
	assert_true(h.ran);
}


/* New rooms go to the least loaded worker; the lock nests */
static void test_rooms_spread(void **state)
{
	struct config cfg;
	struct workers *ws = NULL;
	struct rooms *mgr = NULL;
	struct room *a = NULL, *b = NULL, *c = NULL;
	struct tick_stats st;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.max_participants = 10;
	cfg.talkers_max = 3;
	assert_int_equal(0, rooms_alloc(&mgr, &cfg));
	assert_int_equal(0, workers_alloc(&ws, 2, MAXFDS, NULL, NULL));
	rooms_set_workers(mgr, ws);

	assert_int_equal(0, rooms_create(mgr, "a", NULL, &a));
	assert_int_equal(0, rooms_create(mgr, "b", NULL, &b));
	assert_int_equal(0, rooms_create(mgr, "c", NULL, &c));
	assert_non_null(a->wk);
	assert_non_null(b->wk);
	assert_ptr_not_equal(a->wk, b->wk);
	assert_ptr_equal(a->wk, c->wk);

	lock_holds_off(a->wk);

	/* empty rooms are not mixed: no tick counted */
	workers_tick_stats(ws, &st);
	assert_int_equal(0, st.ticks);

	assert_int_equal(0, rooms_delete(mgr, "b"));
	mem_deref(mgr);
	mem_deref(ws);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_call),
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_default_count),
		cmocka_unit_test(test_rooms_spread),
	};
	int err;

	err = libre_init();
	if (err)
		return err;

	err = cmocka_run_group_tests(tests, NULL, NULL);
	libre_close();

	return err;
}
