/**
 * @file worker.c  Media worker threads
 *
 * Each worker runs its own libre loop (re_thread_init) with its own room
 * clock and ticks the rooms given to it: a room lives on one worker, and
 * its participants' RTP sockets and RTCP timers are in that worker's
 * loop. The loop holds the worker's lock while it runs handlers and
 * releases it only while it waits in epoll (re_set_mutex), so the main
 * thread takes the lock to read or change a room's plain data (controls,
 * statistics) between two handlers. Objects bound to a loop (sockets,
 * timers) are made and freed on the worker itself, through worker_call().
 * A worker tells the main thread what happened (talking, DTMF) with
 * plain-data events and never calls into it, so it never waits for it.
 *
 * The main thread never calls worker_call() while it holds a worker lock.
 */
#define _GNU_SOURCE 1
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <re.h>
#include "codec.h"
#include "log.h"
#include "room.h"
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
	pthread_mutex_t lock;         /* held by the loop while it works */
	struct mqueue *mq;            /* calls from the main thread      */
	struct tick *tick;
	struct list rooms;            /* ticked here; changed under lock */
	struct tick_stats st;         /* under lock                      */
	bool ready;                   /* started (under ws->sync)        */
	int err;                      /* start-up result                 */
};

/* A call from the main thread, on its stack until done */
struct call {
	worker_fn *fn;
	void *arg;
	int err;
	bool done;
};

/* An event on its way to the main thread */
struct wev {
	struct le le;
	struct worker_event ev;
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
	worker_event_h *evh;
	void *arg;
};


static void tick_handler(uint64_t missed, void *arg)
{
	struct worker *w = arg;
	uint64_t runs = 1 + (missed < CATCH_UP_MAX ? missed : CATCH_UP_MAX);
	uint64_t dropped = missed - (runs - 1);

	if (missed)
		log_debug("worker %u: tick %llu periods late", w->idx,
			  (unsigned long long)missed);

	/* periods missed while the loop was busy are run too (a few at
	 * most), so no stream loses a frame to a short stall; after a
	 * longer one the streams skip what was never mixed */
	if (dropped) {
		w->st.dropped += dropped;
		for (struct le *le = w->rooms.head; le; le = le->next)
			room_skip(le->data, dropped);
	}

	while (runs--) {
		for (struct le *le = w->rooms.head; le; le = le->next)
			room_tick(le->data);
	}
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

	/* from here the loop holds w->lock whenever it is not waiting */
	re_set_mutex(&w->lock);

	w->err = err;
	done(w->ws, &w->ready);

	if (!err)
		err = re_main(NULL);
	if (err)
		log_error("media worker %u: %m", w->idx, err);

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
		if (ws->evh)
			ws->evh(&e->ev, ws->arg);
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
		pthread_mutex_destroy(&w->lock);
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
	pthread_mutexattr_t attr;
	sigset_t all, old;
	int err;

	/* recursive: the main thread may lock a room it has locked, when
	 * an event it emits under the lock prints the participant */
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&w->lock, &attr);
	pthread_mutexattr_destroy(&attr);

	/* signals go to the main thread's loop, never to a worker */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&w->thread, NULL, worker_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		pthread_mutex_destroy(&w->lock);
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
 * @param evh     Called on the calling (main) thread with their events
 * @param arg     Handler argument
 *
 * @return 0 or errno
 */
int workers_alloc(struct workers **wsp, uint32_t n, int maxfds,
		  worker_event_h *evh, void *arg)
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
	ws->evh = evh;
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


/* Rooms and participants on a worker; read on the main thread, which is
 * the only one that changes either list */
static uint32_t load(const struct worker *w)
{
	uint32_t l = 0;

	for (const struct le *le = w->rooms.head; le; le = le->next)
		l += 1 + room_part_count(le->data);

	return l;
}


/**
 * The worker a new room goes to: the least loaded one
 *
 * @return worker, or NULL with no workers (media-less unit tests)
 */
struct worker *workers_pick(const struct workers *ws)
{
	struct worker *best = NULL;
	uint32_t bl = UINT32_MAX;

	for (uint32_t i = 0; ws && i < ws->n; i++) {
		uint32_t l = load(&ws->wv[i]);

		if (l < bl) {
			bl = l;
			best = &ws->wv[i];
		}
	}

	return best;
}


/** Sum the tick counters of all workers */
void workers_tick_stats(const struct workers *ws, struct tick_stats *st)
{
	memset(st, 0, sizeof(*st));

	for (uint32_t i = 0; ws && i < ws->n; i++) {
		struct worker *w = &ws->wv[i];

		worker_lock(w);
		st->ticks += w->st.ticks;
		st->sum += w->st.sum;
		st->encodes += w->st.encodes;
		st->dropped += w->st.dropped;
		for (size_t b = 0; b < TICK_BUCKETS; b++)
			st->hist[b] += w->st.hist[b];
		worker_unlock(w);
	}
}


/**
 * Run fn(arg) on the worker's thread and wait for it (main thread only,
 * never with a worker lock held). Without a worker, fn runs here.
 *
 * @return what fn returned, or errno if it could not be sent
 */
int worker_call(struct worker *w, worker_fn *fn, void *arg)
{
	struct call c = {fn, arg, 0, false};
	int err;

	if (!w)
		return fn(arg);

	err = mqueue_push(w->mq, MSG_CALL, &c);
	if (err)
		return err;

	pthread_mutex_lock(&w->ws->sync);
	while (!c.done)
		pthread_cond_wait(&w->ws->cond, &w->ws->sync);
	pthread_mutex_unlock(&w->ws->sync);

	return c.err;
}


void worker_lock(struct worker *w)
{
	if (w)
		pthread_mutex_lock(&w->lock);
}


void worker_unlock(struct worker *w)
{
	if (w)
		pthread_mutex_unlock(&w->lock);
}


/** Tick the room on this worker from now on (main thread) */
void worker_attach(struct worker *w, struct room *room)
{
	if (!w)
		return;

	worker_lock(w);
	list_append(&w->rooms, &room->wle, room);
	worker_unlock(w);
}


/** Stop ticking the room (main thread); it may be freed on return */
void worker_detach(struct worker *w, struct room *room)
{
	if (!w)
		return;

	worker_lock(w);
	list_unlink(&room->wle);
	worker_unlock(w);
}


/**
 * Send the main thread an event (worker thread); it never blocks. An
 * event that cannot be allocated is dropped.
 */
void worker_post(struct worker *w, const struct worker_event *ev)
{
	struct workers *ws = w->ws;
	const uint64_t one = 1;
	struct wev *e = malloc(sizeof(*e));

	if (!e)
		return;

	e->ev = *ev;
	memset(&e->le, 0, sizeof(e->le));

	pthread_mutex_lock(&ws->evlock);
	list_append(&ws->evq, &e->le, e);
	pthread_mutex_unlock(&ws->evlock);

	(void)write(ws->efd, &one, sizeof(one));
}


/** Count one room tick (worker thread, lock held by the loop) */
void worker_tick_observe(struct worker *w, uint64_t ns, uint32_t encodes)
{
	const double s = (double)ns / 1e9;
	size_t i = 0;

	if (!w)
		return;

	while (i < TICK_BUCKETS - 1 && s > rooms_tick_buckets[i])
		i++;

	w->st.hist[i]++;
	w->st.ticks++;
	w->st.sum += s;
	w->st.encodes += encodes;
}
