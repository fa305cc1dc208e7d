/**
 * @file worker.c  Media worker threads
 *
 * Each worker runs its own libre loop (re_thread_init) with its own
 * clock and ticks the jobs attached to it (rooms; their legs' RTP sockets
 * and RTCP timers are in the same loop). Objects bound to a loop
 * (sockets, timers) are made and freed on the worker itself, and what a
 * job's tick reads is changed there too, through worker_call(): the
 * worker's data has one thread. A worker tells the main thread what
 * happened with plain-data news and never calls into it, so it never
 * waits for it.
 */
#define _GNU_SOURCE 1
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <re.h>
#include "codec.h"
#include "log.h"
#include "tick.h"
#include "worker.h"

enum {
	CATCH_UP_MAX = 3,     /* late ticks run again, at most */
	MSG_CALL = 1,
	MSG_STOP,
};

struct worker {
	struct workers *ws;
	uint32_t idx;
	pthread_t thread;
	bool running;
	struct mqueue *mq;            /* calls from the main thread      */
	struct tick *tick;
	struct list jobs;             /* worker thread only              */
	pthread_mutex_t st_lock;      /* st                              */
	struct worker_tick_stats st;
	uint32_t load;                /* main thread only                */
	bool ready;                   /* started (under ws->sync)        */
	bool dead;                    /* its loop ended (atomic)         */
	int err;                      /* start-up result                 */
};

const uint64_t worker_tick_le_ns[WORKER_TICK_BUCKETS] = {
	100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000,
	20000000, UINT64_MAX,
};

/* A call from the main thread, on its stack until done */
struct call {
	worker_fn *fn;
	void *arg;
	int err;
	bool done;
};

/* News on its way to the main thread */
struct wev {
	struct le le;
	size_t len;
	uint8_t data[WORKER_NEWS_MAX];
};

struct workers {
	struct worker *wv;
	uint32_t n;
	int maxfds;
	pthread_mutex_t sync;         /* start-up and call completion    */
	pthread_cond_t cond;
	pthread_mutex_t evlock;       /* evq                             */
	struct list evq;              /* struct wev                      */
	int efd;                      /* eventfd in the main loop        */
	worker_news_h *nh;
	void *arg;
};


static uint64_t clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}


/* Tick every job once, timing each into st */
static void run_jobs(struct worker *w, struct worker_tick_stats *st)
{
	for (struct le *le = w->jobs.head; le; le = le->next) {
		struct worker_job *job = le->data;
		uint64_t t0 = clock_ns(), ns;
		uint32_t work = 0;
		size_t b = 0;

		if (!job->tickh(job->arg, &work))
			continue;

		ns = clock_ns() - t0;
		__atomic_store_n(&job->last_ns, ns, __ATOMIC_RELAXED);
		while (b < WORKER_TICK_BUCKETS - 1 &&
		       ns > worker_tick_le_ns[b])
			b++;

		st->hist[b]++;
		st->ticks++;
		st->sum += (double)ns / 1e9;
		st->work += work;
	}
}


static void tick_handler(uint64_t missed, void *arg)
{
	struct worker *w = arg;
	uint64_t runs = 1 + (missed < CATCH_UP_MAX ? missed : CATCH_UP_MAX);
	uint64_t dropped = missed - (runs - 1);
	struct worker_tick_stats st;

	if (missed)
		log_debug("worker %u: tick %llu periods late", w->idx,
			  (unsigned long long)missed);

	memset(&st, 0, sizeof(st));

	/* periods missed while the loop was busy are run too (a few at
	 * most), so no stream loses a frame to a short stall; after a
	 * longer one the streams skip what was never run */
	if (dropped) {
		st.dropped = dropped;
		for (struct le *le = w->jobs.head; le; le = le->next) {
			struct worker_job *job = le->data;

			if (job->skiph)
				job->skiph(dropped, job->arg);
		}
	}

	while (runs--)
		run_jobs(w, &st);

	pthread_mutex_lock(&w->st_lock);
	w->st.ticks += st.ticks;
	w->st.sum += st.sum;
	w->st.work += st.work;
	w->st.dropped += st.dropped;
	for (size_t b = 0; b < WORKER_TICK_BUCKETS; b++)
		w->st.hist[b] += st.hist[b];
	pthread_mutex_unlock(&w->st_lock);
}


static void done(struct workers *ws, bool *flag)
{
	pthread_mutex_lock(&ws->sync);
	*flag = true;
	pthread_cond_broadcast(&ws->cond);
	pthread_mutex_unlock(&ws->sync);
}


static void mq_handler(int id, void *data, void *arg)
{
	struct worker *w = arg;
	struct call *c = data;

	if (id == MSG_STOP) {
		re_cancel();
		return;
	}

	c->err = c->fn(c->arg);
	done(w->ws, &c->done);
}


static void *worker_main(void *arg)
{
	struct worker *w = arg;
	int err;

	err = re_thread_init();
	if (!err)
		err = fd_setsize(w->ws->maxfds);
	if (!err)
		err = mqueue_alloc(&w->mq, mq_handler, w);
	if (!err)
		err = tick_alloc(&w->tick, ROOM_TICK_MS, tick_handler, w);

	w->err = err;
	done(w->ws, &w->ready);

	if (!err)
		err = re_main(NULL);
	if (err)
		log_error("media worker %u: %m", w->idx, err);

	/* nobody takes calls from here on: worker_call() says so */
	__atomic_store_n(&w->dead, true, __ATOMIC_SEQ_CST);

	w->tick = mem_deref(w->tick);
	w->mq = mem_deref(w->mq);
	re_thread_close();

	return NULL;
}


static void ev_handler(int flags, void *arg)
{
	struct workers *ws = arg;
	struct list q;
	uint64_t cnt;
	struct le *le;

	(void)flags;
	if (read(ws->efd, &cnt, sizeof(cnt)) < 0 && errno != EAGAIN)
		return;

	pthread_mutex_lock(&ws->evlock);
	q = ws->evq;
	list_init(&ws->evq);
	pthread_mutex_unlock(&ws->evlock);

	/* the nodes are freed as they are handled, never unlinked */
	while ((le = q.head)) {
		struct wev *e = le->data;

		q.head = le->next;
		if (ws->nh)
			ws->nh(e->data, e->len, ws->arg);
		free(e);
	}
}


static void destructor(void *arg)
{
	struct workers *ws = arg;
	struct le *le;

	for (uint32_t i = 0; i < ws->n; i++) {
		struct worker *w = &ws->wv[i];

		if (!w->running)
			continue;
		if (w->mq)
			(void)mqueue_push(w->mq, MSG_STOP, NULL);
		pthread_join(w->thread, NULL);
		pthread_mutex_destroy(&w->st_lock);
	}

	while ((le = ws->evq.head)) {
		list_unlink(le);
		free(le->data);
	}

	if (ws->efd >= 0) {
		fd_close(ws->efd);
		close(ws->efd);
	}

	free(ws->wv);
	pthread_cond_destroy(&ws->cond);
	pthread_mutex_destroy(&ws->sync);
	pthread_mutex_destroy(&ws->evlock);
}


/* The cores this process may run on (taskset, cgroup cpusets) */
static uint32_t cores(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set))
		return 1;

	return CPU_COUNT(&set) > 0 ? (uint32_t)CPU_COUNT(&set) : 1;
}


static int start(struct workers *ws, struct worker *w)
{
	sigset_t all, old;
	int err;

	pthread_mutex_init(&w->st_lock, NULL);

	/* signals go to the main thread's loop, never to a worker */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&w->thread, NULL, worker_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		pthread_mutex_destroy(&w->st_lock);
		return err;
	}
	w->running = true;

	pthread_mutex_lock(&ws->sync);
	while (!w->ready)
		pthread_cond_wait(&ws->cond, &ws->sync);
	pthread_mutex_unlock(&ws->sync);

	return w->err;
}


/**
 * Start the media workers
 *
 * @param wsp     Set on success; mem_deref() stops and joins them
 * @param n       Workers, 0 = one per core this process may run on
 * @param maxfds  Descriptor table size of each worker's loop
 * @param nh      Called on the calling (main) thread with their news
 * @param arg     Handler argument
 *
 * @return 0 or errno
 */
int workers_alloc(struct workers **wsp, uint32_t n, int maxfds,
		  worker_news_h *nh, void *arg)
{
	struct workers *ws;
	int err;

	if (!wsp || maxfds <= 0)
		return EINVAL;

	ws = mem_zalloc(sizeof(*ws), destructor);
	if (!ws)
		return ENOMEM;

	ws->efd = -1;
	pthread_mutex_init(&ws->sync, NULL);
	pthread_cond_init(&ws->cond, NULL);
	pthread_mutex_init(&ws->evlock, NULL);
	ws->maxfds = maxfds;
	ws->nh = nh;
	ws->arg = arg;

	ws->n = n ? n : cores();
	ws->wv = calloc(ws->n, sizeof(*ws->wv));
	if (!ws->wv) {
		err = ENOMEM;
		goto out;
	}

	ws->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (ws->efd < 0) {
		err = errno;
		goto out;
	}

	err = fd_listen(ws->efd, FD_READ, ev_handler, ws);
	if (err)
		goto out;

	for (uint32_t i = 0; i < ws->n && !err; i++) {
		ws->wv[i].ws = ws;
		ws->wv[i].idx = i;
		err = start(ws, &ws->wv[i]);
	}

 out:
	if (err)
		mem_deref(ws);
	else
		*wsp = ws;

	return err;
}


uint32_t workers_count(const struct workers *ws)
{
	return ws ? ws->n : 0;
}


/**
 * The worker a new job goes to: the least loaded one (main thread)
 *
 * @return worker, or NULL with no workers (media-less unit tests)
 */
struct worker *workers_pick(const struct workers *ws)
{
	struct worker *best = NULL;
	uint32_t bl = UINT32_MAX;

	for (uint32_t i = 0; ws && i < ws->n; i++) {
		uint32_t l = ws->wv[i].load;

		if (l < bl) {
			bl = l;
			best = &ws->wv[i];
		}
	}

	return best;
}


/** Sum the tick counters of all workers (any thread) */
void workers_tick_stats(const struct workers *ws,
			struct worker_tick_stats *st)
{
	memset(st, 0, sizeof(*st));

	for (uint32_t i = 0; ws && i < ws->n; i++) {
		struct worker *w = &ws->wv[i];

		pthread_mutex_lock(&w->st_lock);
		st->ticks += w->st.ticks;
		st->sum += w->st.sum;
		st->work += w->st.work;
		st->dropped += w->st.dropped;
		for (size_t b = 0; b < WORKER_TICK_BUCKETS; b++)
			st->hist[b] += w->st.hist[b];
		pthread_mutex_unlock(&w->st_lock);
	}
}


/**
 * Run fn(arg) on the worker's thread, between two of its handlers, and
 * wait for it (main thread only). Without a worker, fn runs here.
 *
 * @return what fn returned, or errno if it could not be sent (EPIPE:
 *         the worker's loop has ended)
 */
int worker_call(struct worker *w, worker_fn *fn, void *arg)
{
	struct call c = {fn, arg, 0, false};
	int err;

	if (!w)
		return fn(arg);

	if (__atomic_load_n(&w->dead, __ATOMIC_SEQ_CST))
		return EPIPE;

	err = mqueue_push(w->mq, MSG_CALL, &c);
	if (err)
		return err;

	pthread_mutex_lock(&w->ws->sync);
	while (!c.done)
		pthread_cond_wait(&w->ws->cond, &w->ws->sync);
	pthread_mutex_unlock(&w->ws->sync);

	return c.err;
}


struct attach_args {
	struct worker *w;
	struct worker_job *job;
};


static int attach_w(void *arg)
{
	const struct attach_args *a = arg;

	list_append(&a->w->jobs, &a->job->le, a->job);

	return 0;
}


/**
 * Tick the job on this worker from its next period (main thread)
 *
 * @return 0 or errno; without a worker the job is never ticked
 */
int worker_attach(struct worker *w, struct worker_job *job)
{
	struct attach_args a = {w, job};

	if (!w)
		return 0;

	return worker_call(w, attach_w, &a);
}


static int detach_w(void *arg)
{
	list_unlink(arg);

	return 0;
}


/** Stop ticking the job (main thread); it may be freed on return */
void worker_detach(struct worker *w, struct worker_job *job)
{
	/* le.list changes only in attach_w and detach_w, which the main
	 * thread waits for */
	if (!w || !job->le.list)
		return;

	(void)worker_call(w, detach_w, &job->le);
}


/** Count load on the worker up or down, for workers_pick() (main
 * thread): a room counts 1, and 1 for each participant in it */
void worker_load(struct worker *w, int delta)
{
	if (w)
		w->load += (uint32_t)delta;
}


/**
 * Send the main thread news: a copy of len bytes, handed to the news
 * handler there (worker thread); it never blocks
 *
 * @return 0, EINVAL for more than WORKER_NEWS_MAX bytes, ENOMEM (the
 *         news is dropped)
 */
int worker_post(struct worker *w, const void *news, size_t len)
{
	struct workers *ws;
	const uint64_t one = 1;
	struct wev *e;

	if (!w || !news || len > WORKER_NEWS_MAX)
		return EINVAL;

	ws = w->ws;
	e = malloc(sizeof(*e));
	if (!e)
		return ENOMEM;

	memcpy(e->data, news, len);
	e->len = len;
	memset(&e->le, 0, sizeof(e->le));

	pthread_mutex_lock(&ws->evlock);
	list_append(&ws->evq, &e->le, e);
	pthread_mutex_unlock(&ws->evlock);

	(void)write(ws->efd, &one, sizeof(one));

	return 0;
}
