/**
 * @file rooms.c  Room manager: name -> room, create, delete, list
 *
 * Runs on the main thread. Room names are 1-64 of A-Za-z0-9._- so that a
 * name is also a valid SIP user part and URL path segment as it is. The
 * manager owns the rooms and alone ends them; it hears what happens in
 * them through the handler it gives each room, and passes it on.
 */
#include <string.h>
#include <re.h>
#include "cfg.h"
#include "log.h"
#include "part.h"
#include "rooms.h"
#include "worker.h"

/* A room as the manager holds it */
struct entry {
	struct le le;              /* in mgr->roomsl; data: the room     */
	struct room *room;         /* owned                              */
	bool auto_created;         /* made by an INVITE: goes when the
				    * last participant leaves            */
};

struct rooms {
	struct list roomsl;        /* struct entry; in creation order    */
	struct room_cfg rcfg;      /* what every room is made with       */
	uint32_t max_participants; /* defaults for new rooms             */
	uint32_t talkers_max;
	enum cfg_menc menc;           /* rooms' defaults                  */
	enum cfg_auth auth;
	bool has_users;               /* a users file is configured       */
	uint64_t next_part_id;
	rooms_event_h *evh;        /* event stream, or NULL              */
	rooms_change_h *chgh;      /* persistent rooms changed, or NULL  */
	void *arg;
	struct rooms_stats stats;
	struct workers *ws;        /* media threads, or NULL (no media)  */
};


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


static void event(const struct rooms *mgr, enum room_event ev,
		  const struct room *room, const struct part *part,
		  const char *reason)
{
	if (mgr->evh)
		mgr->evh(ev, room, part, reason, mgr->arg);
}


static struct entry *entry_le(struct le *le)
{
	return (struct entry *)(void *)le;   /* le is its first member */
}


static struct entry *entry_of(const struct rooms *mgr,
			      const struct room *room)
{
	for (struct le *le = mgr->roomsl.head; le; le = le->next) {
		struct entry *e = entry_le(le);

		if (e->room == room)
			return e;
	}

	return NULL;
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


/**
 * Make the room manager
 *
 * @param mgrp  Set on success
 * @param cfg   Configuration (read here, not kept)
 * @param ws    Media threads for the rooms; NULL: rooms without media
 *
 * @return 0 or errno
 */
int rooms_alloc(struct rooms **mgrp, const struct config *cfg,
		struct workers *ws)
{
	struct leg_prm *lp;
	struct rooms *mgr;

	if (!mgrp || !cfg)
		return EINVAL;

	mgr = mem_zalloc(sizeof(*mgr), destructor);
	if (!mgr)
		return ENOMEM;

	lp = &mgr->rcfg.leg;
	lp->bind = cfg->sip;
	lp->port_min = cfg->rtp_min;
	lp->port_max = cfg->rtp_max;
	lp->jitter_min_ms = cfg->jitter_min_ms;
	lp->jitter_max_ms = cfg->jitter_max_ms;
	lp->timeout_s = cfg->rtp_timeout;
	lp->opus_complexity = cfg->opus_complexity;
	mgr->rcfg.advertise = cfg->advertise;
	mgr->max_participants = cfg->max_participants;
	mgr->talkers_max = cfg->talkers_max;
	mgr->menc = (enum cfg_menc)cfg->media_encryption;
	mgr->auth = (enum cfg_auth)cfg->auth;
	mgr->has_users = cfg->users_file[0] != '\0';
	mgr->next_part_id = 1;
	mgr->ws = ws;
	*mgrp = mgr;

	return 0;
}


/**
 * The DTLS-SRTP context and its a=fingerprint for the rooms made from now
 * on; both outlive the manager (main thread)
 */
void rooms_set_dtls(struct rooms *mgr, struct tls *dtls, const char *fp)
{
	if (!mgr)
		return;

	mgr->rcfg.leg.dtls = dtls;
	mgr->rcfg.dtls_fp = fp;
}


/** Our DTLS a=fingerprint, NULL: no DTLS-SRTP */
const char *rooms_dtls_fp(const struct rooms *mgr)
{
	return mgr ? mgr->rcfg.dtls_fp : NULL;
}


/** Whether callers can be authenticated: a users file is configured */
bool rooms_has_users(const struct rooms *mgr)
{
	return mgr && mgr->has_users;
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
	prm->max_participants = mgr->max_participants;
	prm->talkers_max = mgr->talkers_max;
	prm->video_codec = ROOM_VIDEO_AUTO;
	prm->video_mode = RVID_FOLLOW;
	prm->video_hold_ms = ROOM_VIDEO_HOLD_MS;
	prm->media_encryption = mgr->menc;
	prm->auth = mgr->auth;
}


/* room_event_h: what happens in a room, on to the event stream; the
 * manager counts joins and departures, and ends an INVITE-made room its
 * last participant left */
static void room_event_handler(struct room *room, enum room_event ev,
			       struct part *p, const char *reason,
			       void *arg)
{
	struct rooms *mgr = arg;

	if (ev == EV_PART_JOINED) {
		mgr->stats.joins++;
	}
	else if (ev == EV_PART_LEFT) {
		struct part_info info;

		part_info(p, &info);
		mgr->stats.pkts_in_gone += info.stats.pkts_in;
		mgr->stats.pkts_out_gone += info.stats.pkts_out;
		mgr->stats.lost_gone += info.stats.lost;
		mgr->stats.srtp_fail_gone += part_srtp_failures(&info);
	}

	event(mgr, ev, room, p, reason);

	if (ev == EV_PART_LEFT)
		(void)rooms_end_if_idle(mgr, room);
}


static int room_make(struct rooms *mgr, const char *name,
		     const struct room_prm *prm, struct room **roomp)
{
	struct room_prm dprm;
	struct entry *e;
	int err;

	if (!mgr || !rooms_name_valid(name))
		return EINVAL;

	if (rooms_find(mgr, name))
		return EEXIST;

	if (!prm) {
		rooms_default_prm(mgr, &dprm);
		prm = &dprm;
	}

	e = mem_zalloc(sizeof(*e), NULL);
	if (!e)
		return ENOMEM;

	err = room_alloc(&e->room, name, prm, &mgr->rcfg,
			 workers_pick(mgr->ws), room_event_handler, mgr);
	if (err) {
		mem_deref(e);
		return err;
	}

	list_append(&mgr->roomsl, &e->le, e->room);
	log_info("room %s created (max %u participants, %u talkers%s)",
		 name, prm->max_participants, prm->talkers_max,
		 prm->persistent ? ", persistent" : "");

	*roomp = e->room;

	return 0;
}


/* Hang up everyone in the room, then let go of it. Off the list first:
 * each departure asks rooms_end_if_idle(), which then finds no entry. */
static void entry_close(struct rooms *mgr, struct entry *e,
			const char *reason)
{
	struct rvid_stats *g = &mgr->stats.video_gone;
	struct room_stats st;

	list_unlink(&e->le);
	room_close(e->room, reason);

	/* /metrics counts what ended rooms forwarded too */
	room_stats(e->room, &st);
	g->forwarded += st.video.forwarded;
	g->dropped += st.video.dropped;
	g->switches += st.video.switches;
	g->key_waits += st.video.key_waits;
	g->key_timeouts += st.video.key_timeouts;

	mem_deref(e->room);
	mem_deref(e);
}


/**
 * Create a room
 *
 * @param mgr    Room manager
 * @param name   Room name (1-64 of A-Za-z0-9._-)
 * @param prm    Room parameters, NULL for the configured defaults
 * @param roomp  Optional; set to the room (owned by the manager)
 *
 * @return 0, EINVAL for a bad name or parameter, EEXIST if it exists, or
 *         the error of writing the persistent rooms (nothing was made)
 */
int rooms_create(struct rooms *mgr, const char *name,
		 const struct room_prm *prm, struct room **roomp)
{
	struct room *room;
	int err;

	err = room_make(mgr, name, prm, &room);
	if (err)
		return err;

	err = persist(mgr, room_prm(room)->persistent);
	if (err) {
		/* never acknowledged, never kept */
		entry_close(mgr, entry_of(mgr, room), "not stored");
		return err;
	}

	event(mgr, EV_ROOM_CREATED, room, NULL, NULL);

	if (roomp)
		*roomp = room;

	return 0;
}


/**
 * Create a room for an INVITE to an unknown name, with the defaults: it
 * ends when its last participant leaves (or none ever joins)
 */
int rooms_create_auto(struct rooms *mgr, const char *name,
		      struct room **roomp)
{
	struct room *room;
	int err;

	err = rooms_create(mgr, name, NULL, &room);
	if (err)
		return err;

	entry_of(mgr, room)->auto_created = true;
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
		room_set_created_at(room, created_at);

	return 0;
}


/**
 * Change a room's parameters; lowering max_participants keeps everyone
 * already in, locking keeps everyone in and refuses new callers.
 *
 * @return 0 or errno (nothing changed)
 */
int rooms_update(struct rooms *mgr, struct room *room,
		 const struct room_prm *prm)
{
	struct room_prm old = *room_prm(room);
	int err;

	err = room_set_prm(room, prm);
	if (err)
		return err;

	err = persist(mgr, old.persistent || prm->persistent);
	if (err) {
		(void)room_set_prm(room, &old);
		return err;
	}

	event(mgr, EV_ROOM_UPDATED, room, NULL, NULL);

	return 0;
}


struct room *rooms_find(const struct rooms *mgr, const char *name)
{
	if (!mgr || !name)
		return NULL;

	for (struct le *le = mgr->roomsl.head; le; le = le->next) {
		struct room *room = le->data;

		if (!strcmp(room_name(room), name))
			return room;
	}

	return NULL;
}


/**
 * Delete a room: every participant gets a BYE
 *
 * @return 0, ENOENT if there is no such room, or the error of writing
 *         the persistent rooms (the room stays)
 */
int rooms_delete(struct rooms *mgr, const char *name)
{
	struct room *room = rooms_find(mgr, name);
	struct entry *e;
	int err;

	if (!room)
		return ENOENT;

	/* off the list first, so the store is written without it */
	e = entry_of(mgr, room);
	list_unlink(&e->le);
	err = persist(mgr, room_prm(room)->persistent);
	if (err) {
		list_append(&mgr->roomsl, &e->le, room);
		return err;
	}

	log_info("room %s deleted (%u participants)", name,
		 room_part_count(room));

	/* everyone's participant.left first, then room.deleted */
	mem_ref(room);
	entry_close(mgr, e, "room deleted");
	event(mgr, EV_ROOM_DELETED, room, NULL, NULL);
	mem_deref(room);

	return 0;
}


/**
 * End a room an INVITE made once nobody is in it: the one place that
 * decides it (a caller's hang-up, an RTP timeout, a refused INVITE).
 *
 * @return true if the room was deleted
 */
bool rooms_end_if_idle(struct rooms *mgr, struct room *room)
{
	const struct entry *e = room ? entry_of(mgr, room) : NULL;

	if (!e || !e->auto_created || room_prm(room)->persistent ||
	    room_part_count(room))
		return false;

	return rooms_delete(mgr, room_name(room)) == 0;
}


/**
 * Accept an INVITE into a room, within its limits
 *
 * @return 0, EACCES (locked), EBUSY (full), or errno as room_accept()
 */
int rooms_accept(struct rooms *mgr, struct room *room,
		 struct sipsess_sock *sock, const struct sip_msg *msg,
		 const char *contact)
{
	if (!mgr || !room)
		return EINVAL;

	if (room_prm(room)->locked)
		return EACCES;

	if (room_full(room))
		return EBUSY;

	return room_accept(room, mgr->next_part_id++, sock, msg, contact);
}


/**
 * Call uri into a room (dial-out), within its limits
 *
 * @return 0, EBUSY (full), or errno as room_dial()
 */
int rooms_dial(struct rooms *mgr, struct room *room,
	       struct sipsess_sock *sock, const char *uri,
	       const char *contact, struct part **pp)
{
	if (!mgr || !room)
		return EINVAL;

	if (room_full(room))
		return EBUSY;

	return room_dial(room, mgr->next_part_id++, sock, uri, contact, pp);
}


/**
 * News from a media thread (worker_news_h's payload): to the room and
 * participant it names, if they are still there
 */
void rooms_news(struct rooms *mgr, const void *news, size_t len)
{
	struct media_news n;

	if (!mgr || !news || len != sizeof(n))
		return;

	memcpy(&n, news, sizeof(n));
	n.room[sizeof(n.room) - 1] = '\0';

	room_news(rooms_find(mgr, n.room), &n);
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
		entry_close(mgr, entry_le(le), "shutdown");
}


uint32_t rooms_part_count(const struct rooms *mgr)
{
	uint32_t n = 0;

	for (struct le *le = mgr->roomsl.head; le; le = le->next)
		n += room_part_count(le->data);

	return n;
}


const struct rooms_stats *rooms_stats(const struct rooms *mgr)
{
	return &mgr->stats;
}


struct workers *rooms_workers(const struct rooms *mgr)
{
	return mgr->ws;
}
