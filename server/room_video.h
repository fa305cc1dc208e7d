/**
 * @file room_video.h  A room's video forwarder: who sees whom, packets
 *                     forwarded as they come, keyframes asked for
 *                     (media thread)
 */

#ifndef CHORUS_ROOM_VIDEO_H
#define CHORUS_ROOM_VIDEO_H

#include <re.h>
#include "vfwd.h"
#include "vsel.h"

struct rvid;
struct vleg;

enum rvid_mode {
	RVID_FOLLOW = 0,             /* the talker is shown (default)     */
	RVID_PINNED,                 /* one participant is shown          */
	RVID_OFF,                    /* nobody is shown                   */
	RVID_MODE_COUNT
};

/* One participant's video as the forwarder sees it: owned by the
 * caller, linked in while it is forwarded (media thread) */
struct rv_member {
	struct le le;
	struct rvid *rv;             /* set by rvid_add()                 */
	uint64_t id;                 /* participant id                    */
	struct vleg *vl;
	struct vfwd_out out;         /* the one stream it is sent         */
	bool sends;                  /* it sends video now (a source):
				      * agreed, and some came in the last
				      * second                            */
	bool gets;                   /* it takes video (a receiver)       */
	uint32_t watchers;           /* receivers shown it or waiting     */
	uint64_t asked_ms;           /* last keyframe request to it       */
	uint64_t wait_ms;            /* a receiver waits for its keyframe
				      * since, 0: none                    */
};

/* What the room's main thread must hear of */
struct rvid_news {
	enum {
		RVID_SOURCE = 0,     /* the room shows another source     */
		RVID_INFO,           /* send id a SIP INFO keyframe ask   */
	} type;
	uint64_t id;                 /* the source (0: none), or whom     */
	enum vsel_reason reason;     /* RVID_SOURCE                       */
};

typedef void (rvid_news_h)(const struct rvid_news *n, void *arg);

/* Counters since the forwarder was made */
struct rvid_stats {
	uint64_t forwarded;          /* packets sent to receivers         */
	uint64_t dropped;            /* packets from unwatched sources    */
	uint64_t switches;           /* a receiver taken to a new source  */
	uint64_t key_waits;          /* keyframes waited for at a switch  */
	uint64_t key_timeouts;       /* asked again: none came in time    */
	uint64_t source;             /* the source shown, 0: none         */
};

int  rvid_alloc(struct rvid **rvp, const struct vsel_prm *prm,
		enum rvid_mode mode, rvid_news_h *nh, void *arg);
void rvid_add(struct rvid *rv, struct rv_member *m);
void rvid_remove(struct rvid *rv, struct rv_member *m, uint64_t now_ms);
void rvid_tick(struct rvid *rv, uint64_t talker, uint64_t now_ms);
int  rvid_pin(struct rvid *rv, uint64_t id, uint64_t now_ms);
void rvid_set_mode(struct rvid *rv, enum rvid_mode mode,
		   const struct vsel_prm *prm, uint64_t now_ms);
void rvid_stats(const struct rvid *rv, struct rvid_stats *st);

#endif
