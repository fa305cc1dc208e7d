/**
 * @file news.h  What goes up: events for the API, news from media threads
 */

#ifndef CHORUS_NEWS_H
#define CHORUS_NEWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	ROOM_NAME_MAX = 64,          /* [chars] */
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
	EV_PART_PIN_FAILED,          /* a wrong room PIN was entered   */
	EV_ROOM_VIDEO_SOURCE,        /* the room shows another source:
				      * the participant (or none) and
				      * the reason                   */
	EV_COUNT
};

enum media_news_type {
	NEWS_TALKING = 0,            /* joined the talker set         */
	NEWS_SILENT,                 /* left it                       */
	NEWS_DTMF,                   /* an RFC 4733 digit             */
	NEWS_TIMEOUT,                /* its RTP and RTCP stopped      */
	NEWS_VIDEO_SOURCE,           /* the room shows part_id (0: no
				      * one), for a reason           */
	NEWS_VIDEO_INFO,             /* ask part_id for a keyframe by
				      * SIP INFO                     */
};

/* What a media thread tells the main thread about a participant: plain
 * data, addressed by name and id (the participant may be gone) */
struct media_news {
	enum media_news_type type;
	char room[ROOM_NAME_MAX + 1];
	uint64_t part_id;
	char digit;                  /* NEWS_DTMF                     */
	int reason;                  /* NEWS_VIDEO_SOURCE: enum
				      * vsel_reason                  */
};

const char *room_event_name(enum room_event ev);

#endif
