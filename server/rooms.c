/**
 * @file rooms.c  Room manager: name -> room, create, delete, list
 *
 * Runs on the main thread. Room names are 1-64 of A-Za-z0-9._- so that a
 * name is also a valid SIP user part and URL path segment as it is.
 */
#include <string.h>
#include <time.h>
#include <re.h>
#include "../mixer/mixer.h"
#include "codec.h"
#include "cfg.h"
#include "log.h"
#include "sdpneg.h"
#include "room.h"
#include "part.h"

struct rooms {
	struct list roomsl;        /* struct room, owned; in creation order */
	const struct config *cfg;
	uint64_t next_part_id;
};


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
	prm->max_participants = mgr->cfg->max_participants;
	prm->talkers_max = mgr->cfg->talkers_max;
}


static void room_destructor(void *arg)
{
	struct room *room = arg;

	list_unlink(&room->le);
	list_flush(&room->grps);
	mixer_free(room->mix);
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
	log_info("room %s created (max %u participants, %u talkers)",
		 room->name, room->prm.max_participants,
		 room->prm.talkers_max);

	if (roomp)
		*roomp = room;

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

	if (!room)
		return ENOENT;

	log_info("room %s deleted (%u participants)", room->name,
		 room_part_count(room));
	room_close(room, "room deleted");

	return 0;
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


struct part *rooms_find_part(const struct rooms *mgr, uint64_t id)
{
	for (struct le *le = mgr->roomsl.head; le; le = le->next) {
		struct room *room = le->data;

		for (struct le *pe = room->parts.head; pe; pe = pe->next) {
			struct part *p = pe->data;

			if (p->id == id)
				return p;
		}
	}

	return NULL;
}


uint64_t rooms_next_part_id(struct rooms *mgr)
{
	return mgr->next_part_id++;
}


const struct config *rooms_config(const struct rooms *mgr)
{
	return mgr->cfg;
}
