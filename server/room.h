/**
 * @file room.h  Rooms and the room manager
 *
 * The manager owns the rooms. A participant holds a reference to its room;
 * the room keeps a non-owning list of its participants, from which each
 * participant unlinks itself when it leaves.
 */

#ifndef CHORUS_ROOM_H
#define CHORUS_ROOM_H

#include "codec.h"

struct mixer;
struct part;
struct worker;
struct workers;
struct room;
struct rooms;
struct config;

enum {
	ROOM_NAME_MAX = 64,                       /* [chars] */
	ROOM_FRAME = ROOM_SRATE / 1000 * 20,      /* samples per tick */
	ROOM_TICK_MS = 20,                        /* [ms] */
};

struct room_prm {
	uint32_t max_participants;
	uint32_t talkers_max;        /* 0 = all */
	bool locked;                 /* new callers get 403          */
	bool persistent;             /* survives a restart           */
};

/* What happened, for the event stream (api/events.c) */
enum room_event {
	EV_ROOM_CREATED = 0,
	EV_ROOM_UPDATED,
	EV_ROOM_DELETED,
	EV_PART_JOINED,
	EV_PART_LEFT,
	EV_PART_UPDATED,
	EV_PART_TALKING,
	EV_PART_SILENT,
	EV_PART_DTMF,                /* reason carries the digit */
	EV_COUNT
};

typedef void (rooms_event_h)(enum room_event ev, const struct room *room,
			     const struct part *part, const char *reason,
			     void *arg);
typedef int (rooms_change_h)(const struct rooms *mgr, void *arg);

struct room {
	struct le le;                /* in the manager's list            */
	struct le wle;               /* in its worker's list             */
	struct rooms *mgr;           /* owner (not a reference)          */
	struct worker *wk;           /* the media thread it lives on; the
				      * fields below that its tick changes
				      * are read under room_lock()       */
	char name[ROOM_NAME_MAX + 1];
	struct room_prm prm;
	uint64_t created_at;         /* [unix ms]                        */
	uint64_t tick_ns_last;       /* duration of the last tick [ns]   */
	struct list parts;           /* struct part, not owned           */
	struct mixer *mix;
	struct list grps;            /* shared encoders (struct encgrp)  */
	uint64_t ticks;              /* ticks mixed                      */
	uint32_t encodes_tick;       /* encodes in the last tick         */
	uint32_t talkers_tick;       /* talkers in the last tick         */
	uint32_t forwards_tick;      /* packets forwarded, not encoded,
				      * in the last tick                 */
	bool closing;                /* being deleted                    */
	bool auto_created;           /* made by an INVITE: goes when the
				      * last participant leaves          */
};

enum {
	TICK_BUCKETS = 9,
};

/* Counters for /metrics; written on the main thread only (the tick
 * counters are the workers': workers_tick_stats()) */
struct rooms_stats {
	uint64_t pkts_in_gone;               /* RTP in, departed callers  */
	uint64_t pkts_out_gone;              /* RTP out, departed callers */
	uint64_t lost_gone;                  /* lost, departed callers    */
	uint64_t joins;                      /* participants ever joined  */
};

extern const double rooms_tick_buckets[TICK_BUCKETS];  /* upper [s] */

int  rooms_alloc(struct rooms **mgrp, const struct config *cfg);
int  rooms_create(struct rooms *mgr, const char *name,
		  const struct room_prm *prm, struct room **roomp);
int  rooms_update(struct rooms *mgr, struct room *room,
		  const struct room_prm *prm);
int  rooms_restore(struct rooms *mgr, const char *name,
		   const struct room_prm *prm, uint64_t created_at);
void rooms_set_handlers(struct rooms *mgr, rooms_event_h *evh,
			rooms_change_h *chgh, void *arg);
void rooms_event(const struct rooms *mgr, enum room_event ev,
		 const struct room *room, const struct part *part,
		 const char *reason);
const char *room_event_name(enum room_event ev);
struct rooms_stats *rooms_stats(struct rooms *mgr);
void rooms_set_workers(struct rooms *mgr, struct workers *ws);
struct workers *rooms_workers(const struct rooms *mgr);
const struct config *rooms_config(const struct rooms *mgr);
int  rooms_delete(struct rooms *mgr, const char *name);
bool rooms_end_if_idle(struct rooms *mgr, struct room *room);
void rooms_part_closed(struct room *room, void *arg);
void rooms_sweep(struct rooms *mgr, uint64_t now, uint32_t timeout_s);
struct room *rooms_find(const struct rooms *mgr, const char *name);
const struct list *rooms_list(const struct rooms *mgr);
void rooms_close_all(struct rooms *mgr);
uint32_t rooms_part_count(const struct rooms *mgr);
uint64_t rooms_next_part_id(struct rooms *mgr);
bool rooms_name_valid(const char *name);
void rooms_default_prm(const struct rooms *mgr, struct room_prm *prm);

void room_tick(struct room *room);
void room_skip(struct room *room, uint64_t periods);
void room_add_part(struct room *room, struct part *p);
struct part *room_part(const struct room *room, uint64_t id);
bool room_full(const struct room *room);
uint32_t room_part_count(const struct room *room);
void room_post(const struct room *room, const struct part *p,
	       enum room_event ev, char digit);
void room_lock(const struct room *room);
void room_unlock(const struct room *room);

#endif
