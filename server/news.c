/**
 * @file news.c  Event names, as the event stream and the log show them
 */
#include <re.h>
#include "news.h"

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
	[EV_PART_PIN_FAILED] = "participant.pin_failed",
	[EV_ROOM_VIDEO_SOURCE] = "room.video_source",
};


const char *room_event_name(enum room_event ev)
{
	return (unsigned)ev < EV_COUNT ? event_names[ev] : "unknown";
}
