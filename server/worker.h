/**
 * @file worker.h  Media worker threads: one libre loop and clock each
 *
 * A worker ticks the jobs attached to it every ROOM_TICK_MS, runs calls
 * from the main thread on its own thread, and sends the main thread news
 * as plain data. It knows nothing of what it ticks.
 */

#ifndef CHORUS_WORKER_H
#define CHORUS_WORKER_H

#include <re.h>

struct worker;
struct workers;

enum {
	WORKER_TICK_BUCKETS = 9,
	WORKER_NEWS_MAX = 128,          /* [bytes] one piece of news     */
};

/* Upper bounds of the tick duration histogram [ns]: 0.1 ms .. 20 ms
 * (one whole period), then everything (+Inf) */
extern const uint64_t worker_tick_le_ns[WORKER_TICK_BUCKETS];

/* Tick counters of all jobs, for /metrics */
struct worker_tick_stats {
	uint64_t ticks;                      /* job ticks that did work    */
	uint64_t hist[WORKER_TICK_BUCKETS];  /* per bucket, not cumulative */
	double sum;                          /* [s]                        */
	uint64_t work;                       /* what the jobs counted
					      * (encodes)                  */
	uint64_t dropped;                    /* periods skipped, not run:
					      * the worker fell behind     */
};

/* A job's tick (worker thread): false if it had nothing to do; *work
 * counts what it did */
typedef bool (worker_tick_h)(void *arg, uint32_t *work);
/* Periods that were never run (worker thread) */
typedef void (worker_skip_h)(uint64_t periods, void *arg);

/* What a worker ticks: owned by whoever attaches it */
struct worker_job {
	struct le le;                        /* the worker's               */
	worker_tick_h *tickh;
	worker_skip_h *skiph;
	void *arg;
	uint64_t last_ns;                    /* its last tick's duration
					      * [ns], stored atomically    */
};

typedef int (worker_fn)(void *arg);
/* News from a worker, on the main thread: a copy of what was posted */
typedef void (worker_news_h)(const void *news, size_t len, void *arg);

int  workers_alloc(struct workers **wsp, uint32_t n, int maxfds,
		   worker_news_h *nh, void *arg);
uint32_t workers_count(const struct workers *ws);
struct worker *workers_pick(const struct workers *ws);
void workers_tick_stats(const struct workers *ws,
			struct worker_tick_stats *st);

int  worker_call(struct worker *w, worker_fn *fn, void *arg);
int  worker_attach(struct worker *w, struct worker_job *job);
void worker_detach(struct worker *w, struct worker_job *job);
void worker_load(struct worker *w, int delta);
int  worker_post(struct worker *w, const void *news, size_t len);

#endif
