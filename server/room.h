/**
 * @file room.h  A room: its participants, its tick, its media thread
 *
 * The manager (rooms.h) makes, owns and ends rooms. A room owns its
 * members' places in its tick and hears from its participants through
 * the handler it gives each; it tells the manager through the handler
 * given to it. Main thread, except where a comment says otherwise.
 */

#ifndef CHORUS_ROOM_H
#define CHORUS_ROOM_H

#include <re.h>
#include "cfg.h"
#include "leg.h"
#include "news.h"
#include "room_video.h"
#include "sdpneg.h"

struct part;
struct room;
struct worker;

enum {
	ROOM_VIDEO_AUTO = 0,         /* video_codec: the first caller's */
	ROOM_VIDEO_HOLD_MS = 2000,   /* a source keeps the floor [ms]   */
	ROOM_PIN_MAX = 16,           /* digits of a room PIN            */
	ROOM_VIDEO_SETTLE_MS = 300,  /* a talker is the loudest this
				      * long before it takes it [ms]    */
};

struct room_prm {
	uint32_t max_participants;
	uint32_t talkers_max;        /* 0 = all */
	bool locked;                 /* new callers get 403          */
	bool persistent;             /* survives a restart           */
	int video_codec;             /* ROOM_VIDEO_AUTO, or 1 + enum
				      * vcodec (room_vcodec_name)    */
	enum rvid_mode video_mode;
	uint32_t video_hold_ms;      /* [ms]                         */
	enum cfg_menc media_encryption;
	enum cfg_auth auth;
	char pin[ROOM_PIN_MAX + 1];  /* digits, "" = none            */
};

/* What every room is made with: copied */
struct room_cfg {
	struct leg_prm leg;          /* its participants' audio legs */
	struct sa advertise;         /* our address in SDP and From  */
	const char *dtls_fp;         /* our DTLS a=fingerprint, NULL:
				      * no DTLS-SRTP; outlives rooms */
};

/* A room's media counters, as its media thread last published them */
struct room_stats {
	uint64_t ticks;              /* ticks mixed                  */
	uint64_t tick_ns;            /* duration of the last [ns]    */
	uint32_t encodes;            /* encodes in the last tick     */
	uint32_t talkers;            /* talkers in the last tick     */
	uint32_t forwards;           /* packets forwarded, not encoded,
				      * in the last tick             */
	struct rvid_stats video;     /* the video forwarder's        */
};

/* What happened in a room (main thread): its participants' events;
 * EV_PART_LEFT once the participant is out of the room's list and tick.
 * The room may be ended from the handler: it must be the room's last
 * use of itself, and it is. */
typedef void (room_event_h)(struct room *room, enum room_event ev,
			    struct part *p, const char *reason, void *arg);

int  room_alloc(struct room **roomp, const char *name,
		const struct room_prm *prm, const struct room_cfg *cfg,
		struct worker *wk, room_event_h *eh, void *arg);
int  room_accept(struct room *room, uint64_t id,
		 struct sipsess_sock *sock, const struct sip_msg *msg,
		 const char *contact);
int  room_dial(struct room *room, uint64_t id, struct sipsess_sock *sock,
	       const char *uri, const char *contact, struct part **pp);
void room_close(struct room *room, const char *reason);
int  room_set_prm(struct room *room, const struct room_prm *prm);
void room_set_created_at(struct room *room, uint64_t unix_ms);
void room_news(struct room *room, const struct media_news *n);
int  room_video_pin(struct room *room, uint64_t id);
int  room_video_unpin(struct room *room);
uint64_t room_video_source(const struct room *room);
bool room_video_codec(const struct room *room, enum vcodec *c);
const char *room_video_mode_name(enum rvid_mode mode);
const char *room_vcodec_name(int video_codec);
int  room_vcodec_from_name(const char *name, int *video_codec);
int  room_video_mode_from_name(const char *name, enum rvid_mode *mode);

const char *room_name(const struct room *room);
const struct room_prm *room_prm(const struct room *room);
uint64_t room_created_at(const struct room *room);
const struct list *room_parts(const struct room *room);
struct part *room_part(const struct room *room, uint64_t id);
uint32_t room_part_count(const struct room *room);
bool room_full(const struct room *room);
void room_stats(const struct room *room, struct room_stats *st);

#endif
