/**
 * @file test_worker.c  Media worker threads: calls, news, jobs, load
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
#include "server/worker.h"
#include "leak.h"

enum {
	MAXFDS = 1024,
	WAIT_MS = 2000,     /* longest wait for an event */
};

struct probe {
	pthread_t caller;         /* the thread that ran the call */
	struct worker *w;         /* post an event from there     */
	int ret;
};

/* what a test posts: any plain data */
struct news {
	char room[16];
	uint64_t id;
	char digit;
};

struct seen {
	struct news last;
	size_t len;
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
	struct news n = {"demo", 42, '7'};
	uint8_t big[WORKER_NEWS_MAX + 1] = {0};

	assert_int_equal(0, worker_post(pr->w, &n, sizeof(n)));
	n.id = 43;
	assert_int_equal(0, worker_post(pr->w, &n, sizeof(n)));

	/* too big is refused, not cut */
	assert_int_equal(EINVAL, worker_post(pr->w, big, sizeof(big)));
	assert_int_equal(EINVAL, worker_post(NULL, &n, sizeof(n)));
	return 0;
}


static void news_h(const void *news, size_t len, void *arg)
{
	struct seen *s = arg;

	s->len = len;
	if (len == sizeof(s->last))
		memcpy(&s->last, news, len);
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


/* What a worker posts reaches the main loop's handler, a copy, in order */
static void test_events(void **state)
{
	struct workers *ws = NULL;
	struct seen seen = {0};
	struct probe pr = {0};
	struct tmr tmr;

	(void)state;
	tmr_init(&tmr);
	assert_int_equal(0, workers_alloc(&ws, 1, MAXFDS, news_h, &seen));

	pr.w = workers_pick(ws);
	assert_int_equal(0, worker_call(pr.w, post, &pr));

	tmr_start(&tmr, WAIT_MS, timeout_h, NULL);
	(void)re_main(NULL);
	tmr_cancel(&tmr);

	assert_int_equal(2, seen.n);
	assert_int_equal(sizeof(struct news), seen.len);
	assert_string_equal("demo", seen.last.room);
	assert_int_equal(43, seen.last.id);
	assert_int_equal('7', seen.last.digit);

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


struct job_probe {
	struct worker_job job;
	uint32_t ticks;           /* atomic: run on the worker           */
	uint64_t skipped;         /* atomic                              */
	bool idle;                /* report nothing to do                */
};


static bool job_tick(void *arg, uint32_t *work)
{
	struct job_probe *jp = arg;

	__atomic_add_fetch(&jp->ticks, 1, __ATOMIC_SEQ_CST);
	if (jp->idle)
		return false;

	*work = 3;
	return true;
}


static void job_skip(uint64_t periods, void *arg)
{
	struct job_probe *jp = arg;

	__atomic_add_fetch(&jp->skipped, periods, __ATOMIC_SEQ_CST);
}


static void wait_ms(long ms)
{
	struct timespec ts = {0, ms * 1000000L};

	nanosleep(&ts, NULL);
}


static uint32_t ticks_of(struct job_probe *jp)
{
	return __atomic_load_n(&jp->ticks, __ATOMIC_SEQ_CST);
}


/* An attached job is ticked every period on its worker; what it did is
 * counted and timed there, what had nothing to do is not; a detached job
 * is ticked no more */
static void test_jobs(void **state)
{
	struct job_probe busy, idle;
	struct worker_tick_stats st;
	struct workers *ws = NULL;
	struct worker *w;
	uint64_t sum = 0;
	uint32_t n;

	(void)state;
	memset(&busy, 0, sizeof(busy));
	memset(&idle, 0, sizeof(idle));
	assert_int_equal(0, workers_alloc(&ws, 1, MAXFDS, NULL, NULL));
	w = workers_pick(ws);

	busy.job.tickh = idle.job.tickh = job_tick;
	busy.job.skiph = idle.job.skiph = job_skip;
	busy.job.arg = &busy;
	idle.job.arg = &idle;
	idle.idle = true;
	assert_int_equal(0, worker_attach(w, &busy.job));
	assert_int_equal(0, worker_attach(w, &idle.job));

	wait_ms(10 * 20);

	worker_detach(w, &busy.job);
	worker_detach(w, &idle.job);
	worker_detach(w, &idle.job);   /* twice: nothing happens */
	n = ticks_of(&busy);

	/* about 10 periods; a loaded machine may run late, not early */
	assert_in_range(n, 5, 14);
	assert_in_range(ticks_of(&idle), 5, 14);

	workers_tick_stats(ws, &st);
	assert_int_equal(n, st.ticks);
	assert_int_equal(3 * n, st.work);
	for (size_t b = 0; b < WORKER_TICK_BUCKETS; b++)
		sum += st.hist[b];
	assert_int_equal(n, sum);
	assert_true(st.sum >= 0.0);

	wait_ms(3 * 20);
	assert_int_equal(n, ticks_of(&busy));

	mem_deref(ws);
}


/* New jobs go to the least loaded worker */
static void test_pick(void **state)
{
	struct workers *ws = NULL;
	struct worker *a, *b;

	(void)state;
	assert_int_equal(0, workers_alloc(&ws, 2, MAXFDS, NULL, NULL));

	a = workers_pick(ws);
	worker_load(a, 1);
	b = workers_pick(ws);
	assert_ptr_not_equal(a, b);

	worker_load(b, 2);
	assert_ptr_equal(a, workers_pick(ws));

	worker_load(b, -2);
	worker_load(a, 1);
	assert_ptr_equal(b, workers_pick(ws));

	assert_null(workers_pick(NULL));
	worker_load(NULL, 1);
	assert_int_equal(0, worker_attach(NULL, NULL));

	mem_deref(ws);
}


int main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		/* the first threads leave one-time state behind (the C
		 * library's, libre's): a first run without the check */
		cmocka_unit_test(test_call),
		leak_test(test_call),
		leak_test(test_events),
		leak_test(test_default_count),
		leak_test(test_jobs),
		leak_test(test_pick),
	};
	int err;

	(void)argc;
	leak_init(argv);

	err = libre_init();
	if (err)
		return err;

	err = cmocka_run_group_tests(tests, NULL, NULL);
	libre_close();

	return err;
}
