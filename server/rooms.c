/**
 * @file rooms.c  Room manager: name -> room, create, delete, list
 *
 * Runs on the main thread. Room names are 1-64 of A-Za-z0-9._- so that a
 * name is also a valid SIP user part and URL path segment as it is.
 */
#include <string.h>
#include <time.h>
#include <re.h>
#include "cfg.h"
#include "log.h"
#include "part.h"
#include "worker.h"

struct rooms {
	struct list roomsl;        /* struct room, owned; in creation order */
	const struct config *cfg;
	uint64_t next_part_id;
	rooms_event_h *evh;        /* event stream, or NULL              */
	rooms_change_h *chgh;      /* persistent rooms changed, or NULL  */
	void *arg;
	struct rooms_stats stats;
	struct workers *ws;        /* media threads, or NULL (no media)  */
};

/* mixer tick duration histogram: 0.1 ms .. 20 ms (one whole tick) */
const double rooms_tick_buckets[TICK_BUCKETS] = {
	0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 1e300,
};

static const char *event_names[EV_COUNT] = {
	[EV_ROOM_CREATED] = "room.created",
	[EV_ROOM_UPDATED] = "room.updated",
	[EV_ROOM_DELETED] = "room.deleted",
	[EV_PART_JOINED]  = "participant.joined",
	[EV_PART_LEFT]    = "participant.left",
	[EV_PART_UPDATED] = "participant.updated",
	[EV_PART_TALKING] = "participant.talking",
	[EV_PART_SILENT]  = "participant.silent",
	[EV_PART_DTMF]    = "participant.dtmf",
};


const char *room_event_name(enum room_event ev)
{
	return (unsigned)ev < EV_COUNT ? event_names[ev] : "unknown";
}


/**
 * Set who hears about events and about changes to persistent rooms
 */
void rooms_set_handlers(struct rooms *mgr, rooms_event_h *evh,
			rooms_change_h *chgh, void *arg)
{
	mgr->evh = evh;
	mgr->chgh = chgh;
	mgr->arg = arg;
}


void rooms_event(const struct rooms *mgr, enum room_event ev,
		 const struct room *room, const struct part *part,
		 const char *reason)
{
	if (mgr && mgr->evh)
		mgr->evh(ev, room, part, reason, mgr->arg);
}


/* Write the persistent rooms out before a change is acknowledged */
static int persist(const struct rooms *mgr, bool needed)
{
	if (!needed || !mgr->chgh)
		return 0;

	return mgr->chgh(mgr, mgr->arg);
}


static void destructor(void *arg)
{
	struct rooms *mgr = arg;

	rooms_close_all(mgr);
}


int rooms_alloc(struct rooms **mgrp, const struct config *cfg)
{
	struct rooms *mgr;

	if (!mgrp || !cfg)
		return EINVAL;

	mgr = mem_zalloc(sizeof(*mgr), destructor);
	if (!mgr)
		return ENOMEM;

	mgr->cfg = cfg;
	mgr->next_part_id = 1;
	*mgrp = mgr;

	return 0;
}


bool rooms_name_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n < 1 || n > ROOM_NAME_MAX)
		return false;

	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return false;
	}

	return true;
}


void rooms_default_prm(const struct rooms *mgr, struct room_prm *prm)
{
	memset(prm, 0, sizeof(*prm));
	prm->max_participants = mgr->cfg->max_participants;
	prm->talkers_max = mgr->cfg->talkers_max;
}


static void room_destructor(void *arg)
{
	struct room *room = arg;

	/* off its worker first: its tick no longer runs */
	worker_detach(room->wk, room);
	list_unlink(&room->le);
	list_flush(&room->grps);
	mixer_free(room->mix);
}


static int room_make(struct rooms *mgr, const char *name,
		     const struct room_prm *prm, struct room **roomp)
{
	struct mixer_prm mprm;
	struct room *room;
	struct timespec ts;
	int err;

	if (!mgr || !rooms_name_valid(name))
		return EINVAL;

	if (rooms_find(mgr, name))
		return EEXIST;

	room = mem_zalloc(sizeof(*room), room_destructor);
	if (!room)
		return ENOMEM;

	str_ncpy(room->name, name, sizeof(room->name));
	room->mgr = mgr;
	if (prm)
		room->prm = *prm;
	else
		rooms_default_prm(mgr, &room->prm);

	clock_gettime(CLOCK_REALTIME, &ts);
	room->created_at = (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;

	mprm.frame_len = ROOM_FRAME;
	mprm.talkers_max = room->prm.talkers_max;
	err = mixer_alloc(&room->mix, &mprm);
	if (err) {
		mem_deref(room);
		return err;
	}

	list_append(&mgr->roomsl, &room->le, room);
	room->wk = workers_pick(mgr->ws);
	worker_attach(room->wk, room);
	log_info("room %s created (max %u participants, %u talkers%s)",
		 room->name, room->prm.max_participants,
		 room->prm.talkers_max, room->prm.persistent ?
		 ", persistent" : "");

	if (roomp)
		*roomp = room;

	return 0;
}


/**
 * Create a room
 *
 * @param mgr    Room manager
 * @param name   Room name (1-64 of A-Za-z0-9._-)
 * @param prm    Room parameters, NULL for the configured defaults
 * @param roomp  Optional; set to the room (owned by the manager)
 *
 * @return 0, EINVAL for a bad name or parameter, EEXIST if it exists
 */
int rooms_create(struct rooms *mgr, const char *name,
		 const struct room_prm *prm, struct room **roomp)
{
	struct room *room;
	int err;

	err = room_make(mgr, name, prm, &room);
	if (err)
		return err;

	err = persist(mgr, room->prm.persistent);
	if (err) {
		mem_deref(room);   /* never acknowledged, never kept */
		return err;
	}

	rooms_event(mgr, EV_ROOM_CREATED, room, NULL, NULL);

	if (roomp)
		*roomp = room;

	return 0;
}


/**
 * Re-create a persistent room at start-up, with its original time
 */
int rooms_restore(struct rooms *mgr, const char *name,
		  const struct room_prm *prm, uint64_t created_at)
{
	struct room *room;
	int err;

	err = room_make(mgr, name, prm, &room);
	if (err)
		return err;

	if (created_at)
		room->created_at = created_at;

	return 0;
}


/**
 * Change a room's parameters; lowering max_participants keeps everyone
 * already in, locking keeps everyone in and refuses new callers.
 */
int rooms_update(struct rooms *mgr, struct room *room,
		 const struct room_prm *prm)
{
	struct room_prm old = room->prm;
	int err;

	room->prm = *prm;
	err = persist(mgr, old.persistent || prm->persistent);
	if (err) {
		room->prm = old;
		return err;
	}

	/* the mixer is the room's media thread's */
	room_lock(room);
	mixer_set_talkers_max(room->mix, prm->talkers_max);
	room_unlock(room);

	rooms_event(mgr, EV_ROOM_UPDATED, room, NULL, NULL);

	return 0;
}


struct room *rooms_find(const struct rooms *mgr, const char *name)
{
	if (!mgr || !name)
		return NULL;

	for (struct le *le = mgr->roomsl.head; le; le = le->next) {
		struct room *room = le->data;

		if (!strcmp(room->name, name))
			return room;
	}

	return NULL;
}


/* Hang up everyone in the room, then drop the manager's reference. The
 * room itself goes when its last participant has let go of it. */
static void room_close(struct room *room, const char *reason)
{
	struct le *le;

	room->closing = true;
	list_unlink(&room->le);

	le = room->parts.head;
	while (le) {
		struct part *p = le->data;

		le = le->next;
		part_hangup(p, reason);
	}

	mem_deref(room);
}


/**
 * Delete a room: every participant gets a BYE
 *
 * @return 0, or ENOENT if there is no such room
 */
int rooms_delete(struct rooms *mgr, const char *name)
{
	struct room *room = rooms_find(mgr, name);
	int err;

	if (!room)
		return ENOENT;

	/* off the list first, so the store is written without it */
	list_unlink(&room->le);
	err = persist(mgr, room->prm.persistent);
	if (err) {
		list_append(&mgr->roomsl, &room->le, room);
		return err;
	}

	log_info("room %s deleted (%u participants)", room->name,
		 room_part_count(room));

	/* everyone's participant.left first, then room.deleted */
	mem_ref(room);
	room_close(room, "room deleted");
	rooms_event(mgr, EV_ROOM_DELETED, room, NULL, NULL);
	mem_deref(room);

	return 0;
}


/**
 * End a room an INVITE made once nobody is in it: the one place that
 * decides it (a caller's hang-up, an RTP timeout, a refused INVITE).
 * Main thread; the caller keeps its own reference if it still needs the
 * room's memory.
 *
 * @return true if the room was deleted
 */
bool rooms_end_if_idle(struct rooms *mgr, struct room *room)
{
	if (!room || !room->auto_created || room->closing ||
	    room->prm.persistent || room_part_count(room))
		return false;

	return rooms_delete(mgr, room->name) == 0;
}


/** part_close_h: a participant left; arg is the manager */
void rooms_part_closed(struct room *room, void *arg)
{
	(void)rooms_end_if_idle(arg, room);
}


/**
 * Hang up every participant whose RTP and RTCP stopped for timeout_s
 * seconds (0: never). A hang-up may end its room: each room is held by
 * a reference while its participants are walked, and the next room is
 * taken before, so nothing freed is read.
 */
void rooms_sweep(struct rooms *mgr, uint64_t now, uint32_t timeout_s)
{
	struct le *le;

	if (!mgr || !timeout_s)
		return;

	le = mgr->roomsl.head;
	while (le) {
		struct room *room = mem_ref(le->data);
		struct le *pe = room->parts.head;

		le = le->next;
		while (pe) {
			struct part *p = pe->data;

			pe = pe->next;
			part_check_timeout(p, now, timeout_s);
		}

		mem_deref(room);
	}
}


const struct list *rooms_list(const struct rooms *mgr)
{
	return mgr ? &mgr->roomsl : NULL;
}


void rooms_close_all(struct rooms *mgr)
{
	struct le *le;

	if (!mgr)
		return;

	while ((le = mgr->roomsl.head))
		room_close(le->data, "shutdown");
}


uint32_t rooms_part_count(const struct rooms *mgr)
{
	uint32_t n = 0;

	for (struct le *le = mgr->roomsl.head; le; le = le->next)
		n += room_part_count(le->data);

	return n;
}


uint64_t rooms_next_part_id(struct rooms *mgr)
{
	return mgr->next_part_id++;
}


struct rooms_stats *rooms_stats(struct rooms *mgr)
{
	return &mgr->stats;
}


/** Give new rooms to these media workers (NULL: rooms without media) */
void rooms_set_workers(struct rooms *mgr, struct workers *ws)
{
	mgr->ws = ws;
}


struct workers *rooms_workers(const struct rooms *mgr)
{
	return mgr->ws;
}


const struct config *rooms_config(const struct rooms *mgr)
{
	return mgr->cfg;
}


