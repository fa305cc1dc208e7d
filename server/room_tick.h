/**
 * @file room_tick.h  A room's audio tick: pull, mix-minus, forward or
 *                    encode, send (media thread)
 */

#ifndef CHORUS_ROOM_TICK_H
#define CHORUS_ROOM_TICK_H

#include <re.h>
#include "../mixer/mixer.h"

struct leg;
struct rtick;

/* One participant's audio as the tick sees it: owned by the caller,
 * linked in while it is mixed (media thread) */
struct rt_member {
	struct le le;                /* in the tick's list                */
	uint64_t id;                 /* participant id                    */
	struct leg *leg;             /* its audio leg                     */
	struct mixer_chan chan;
	bool talking;                /* in the talker set, last tick      */
};

/* What the last tick did */
struct rtick_stats {
	uint64_t ticks;              /* ticks mixed                       */
	uint32_t encodes;            /* encodes                           */
	uint32_t talkers;            /* talkers                           */
	uint32_t forwards;           /* packets forwarded, not encoded    */
	uint64_t loudest;            /* the loudest talker's id, 0: none  */
};

/* A member joined or left the talker set (media thread) */
typedef void (rtick_talk_h)(const struct rt_member *m, void *arg);

int  rtick_alloc(struct rtick **rtp, uint32_t talkers_max,
		 uint32_t opus_complexity, rtick_talk_h *th, void *arg);
void rtick_add(struct rtick *rt, struct rt_member *m);
void rtick_remove(struct rtick *rt, struct rt_member *m);
void rtick_set_talkers_max(struct rtick *rt, uint32_t talkers_max);
bool rtick_run(struct rtick *rt);
void rtick_skip(struct rtick *rt, uint64_t periods);
void rtick_stats(const struct rtick *rt, struct rtick_stats *st);

#endif
