/**
 * @file video_routes.c  /v1/rooms/{name}/video_source: whom the room
 *                       shows, pinned or following the talker
 */
#include <re.h>
#include "../server/rooms.h"
#include "api.h"


static int vsource_json(struct re_printf *pf, const struct room *room)
{
	uint64_t src = room_video_source(room);
	int err;

	err = re_hprintf(pf, "{\"mode\":\"%s\",\"participant\":",
			 room_video_mode_name(room_prm(room)->video_mode));
	if (src)
		err |= re_hprintf(pf, "%llu}", (unsigned long long)src);
	else
		err |= re_hprintf(pf, "null}");

	return err;
}


void api_vsource_get(struct api_req *req)
{
	struct room *room = api_room_or_404(req);

	if (room)
		api_reply(req, 200, "%H", vsource_json, room);
}


/* The mode is the room's setting: a pin or unpin is kept like a PATCH */
static void vsource_done(struct api_req *req, struct room *room, int err)
{
	if (!err)
		err = rooms_update(req->rooms, room, room_prm(room));

	if (err)
		api_error(req, err, NULL, "cannot change the video source: %m",
			  err);
	else
		api_reply(req, 200, "%H", vsource_json, room);
}


/* {"participant": ID}: everyone sees ID, whoever talks */
void api_vsource_put(struct api_req *req)
{
	struct room *room = api_room_or_404(req);
	const struct odict_entry *e;
	struct odict *od;
	uint64_t id;
	int err;

	if (!room)
		return;

	od = api_body_fields(req, schema_vsource, schema_vsource_count,
			     false);
	if (!od)
		return;

	e = odict_lookup(od, "participant");
	if (!e) {
		api_error(req, EINVAL, "participant", "required");
		goto out;
	}

	id = (uint64_t)e->u.integer;
	err = room_video_pin(room, id);
	if (err == ENOENT)
		api_error(req, err, "participant", "no participant %llu in "
			  "room %s", (unsigned long long)id, room_name(room));
	else if (err == ENODATA)
		api_error(req, err, "participant", "participant %llu sends "
			  "no video", (unsigned long long)id);
	else
		vsource_done(req, room, err);

 out:
	mem_deref(od);
}


/* Back to following the talker */
void api_vsource_delete(struct api_req *req)
{
	struct room *room = api_room_or_404(req);

	if (room)
		vsource_done(req, room, room_video_unpin(room));
}
