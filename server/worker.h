/**
 * @file worker.h  Media worker threads: one libre loop and room clock each
 */

#ifndef CHORUS_WORKER_H
#define CHORUS_WORKER_H

#include "room.h"

struct room;
struct worker;
struct workers;

/* Tick counters of the rooms on one worker, for /metrics */
struct tick_stats {
	uint64_t ticks;                      /* room ticks run             */
	uint64_t hist[TICK_BUCKETS];         /* per bucket, not cumulative */
	double sum;                          /* [s]                        */
	uint64_t encodes;                    /* encodes, all rooms         */
	uint64_t dropped;                    /* periods skipped, not mixed:
					      * the worker fell behind     */
};

/* What a worker tells the main thread: plain data, no references */
struct worker_event {
	enum room_event ev;                  /* EV_PART_TALKING/SILENT/DTMF */
	char room[ROOM_NAME_MAX + 1];
	uint64_t part_id;
	char digit;                          /* EV_PART_DTMF               */
};

typedef int (worker_fn)(void *arg);
typedef void (worker_event_h)(const struct worker_event *ev, void *arg);

int  workers_alloc(struct workers **wsp, uint32_t n, int maxfds,
		   worker_event_h *evh, void *arg);
uint32_t workers_count(const struct workers *ws);
struct worker *workers_pick(const struct workers *ws);
void workers_tick_stats(const struct workers *ws, struct tick_stats *st);

int  worker_call(struct worker *w, worker_fn *fn, void *arg);
void worker_lock(struct worker *w);
void worker_unlock(struct worker *w);
void worker_attach(struct worker *w, struct room *room);
void worker_detach(struct worker *w, struct room *room);
void worker_post(struct worker *w, const struct worker_event *ev);
void worker_tick_observe(struct worker *w, uint64_t ns, uint32_t encodes);

#endif
