/**
 * @file room_routes.c  /v1/rooms and /v1/rooms/{name}/participants
 */
#include <string.h>
#include <re.h>
#include "../mixer/mixer.h"
#include "../server/codec.h"
#include "../server/cfg.h"
#include "../server/log.h"
#include "../server/sdpneg.h"
#include "../server/room.h"
#include "../server/part.h"
#include "api.h"

/* A writable room field: name, JSON type, range */
struct field {
	const char *name;
	enum odict_type type;
	int64_t min;
	int64_t max;
};

static const struct field room_fields[] = {
	{"name",             ODICT_STRING, 1, ROOM_NAME_MAX},
	{"max_participants", ODICT_INT,    1, 100000},
	{"talkers_max",      ODICT_INT,    0, 256},
};


static int room_json(struct re_printf *pf, const struct room *room)
{
	return re_hprintf(pf, "{\"name\":\"%s\",\"max_participants\":%u,"
			  "\"talkers_max\":%u,\"sample_rate\":%u,"
			  "\"participant_count\":%u,\"created_at\":\"%H\","
			  "\"stats\":{\"encodes_per_tick\":%u,"
			  "\"talkers\":%u}}",
			  room->name, room->prm.max_participants,
			  room->prm.talkers_max, ROOM_SRATE,
			  room_part_count(room), json_time, &room->created_at,
			  room->encodes_tick, room->talkers_tick);
}


static int part_json(struct re_printf *pf, const struct part *p)
{
	const char *codec = p->media.codec ? p->media.codec->name : "";
	const char *state = p->state == PART_JOINED ? "joined" : "joining";

	return re_hprintf(pf, "{\"id\":%llu,\"uri\":\"%H\","
			  "\"display_name\":\"%H\",\"codec\":\"%s\","
			  "\"state\":\"%s\",\"joined_at\":\"%H\","
			  "\"remote_address\":\"%J\",\"ptime\":%u,"
			  "\"packets_in\":%llu,\"packets_out\":%llu}",
			  (unsigned long long)p->id, json_str, p->uri,
			  json_str, p->display_name, codec, state, json_time,
			  &p->joined_at, &p->media.raddr, p->media.ptime,
			  (unsigned long long)p->stats.pkts_in,
			  (unsigned long long)p->stats.pkts_out);
}


static const struct field *field_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(room_fields); i++) {
		if (!strcmp(room_fields[i].name, name))
			return &room_fields[i];
	}

	return NULL;
}


/* Check every key against the field table: known, right type, in range */
static bool fields_valid(struct api_req *req, const struct odict *od)
{
	for (struct le *le = od->lst.head; le; le = le->next) {
		const struct odict_entry *e = le->data;
		const struct field *f = field_find(e->key);

		if (!f) {
			api_error(req, EINVAL, e->key, "unknown field");
			return false;
		}

		if (e->type != f->type) {
			api_error(req, EINVAL, e->key, "must be a%s",
				  f->type == ODICT_INT ? "n integer" :
				  " string");
			return false;
		}

		if (f->type == ODICT_INT &&
		    (e->u.integer < f->min || e->u.integer > f->max)) {
			api_error(req, EINVAL, e->key,
				  "must be from %lld to %lld",
				  (long long)f->min, (long long)f->max);
			return false;
		}
	}

	return true;
}


static void body_error(struct api_req *req, int err, const char *field)
{
	switch (err) {

	case ENOTSUP:
		api_error(req, err, NULL, "Content-Type must be "
			  "application/json");
		break;

	case EFBIG:
		api_error(req, err, NULL, "body larger than %u bytes",
			  API_BODY_MAX);
		break;

	case EINVAL:
		api_error(req, err, field, "field given twice");
		break;

	default:
		api_error(req, EBADMSG, NULL, "body must be one JSON object");
		break;
	}
}


void api_rooms_post(struct api_req *req)
{
	struct room_prm prm;
	struct odict *od = NULL;
	const struct odict_entry *e;
	struct room *room;
	char field[64] = "";
	int err;

	err = json_body(&od, req->msg, field, sizeof(field));
	if (err) {
		body_error(req, err, field);
		return;
	}

	if (!fields_valid(req, od))
		goto out;

	e = odict_lookup(od, "name");
	if (!e) {
		api_error(req, EINVAL, "name", "required");
		goto out;
	}

	if (!rooms_name_valid(e->u.str)) {
		api_error(req, EINVAL, "name", "must be 1-%u characters of "
			  "A-Z a-z 0-9 . _ -", ROOM_NAME_MAX);
		goto out;
	}

	rooms_default_prm(req->rooms, &prm);
	if ((e = odict_lookup(od, "max_participants")))
		prm.max_participants = (uint32_t)e->u.integer;
	if ((e = odict_lookup(od, "talkers_max")))
		prm.talkers_max = (uint32_t)e->u.integer;

	err = rooms_create(req->rooms, odict_string(od, "name"), &prm, &room);
	if (err) {
		api_error(req, err, "name", err == EEXIST ?
			  "room exists" : "cannot create room: %m", err);
		goto out;
	}

	{
		char loc[128];

		re_snprintf(loc, sizeof(loc), "Location: /v1/rooms/%s\r\n",
			    room->name);
		req->hdrs = loc;
		api_reply(req, 201, "%H", room_json, room);
		req->hdrs = NULL;
	}

 out:
	mem_deref(od);
}


static int rooms_array(struct re_printf *pf, const struct list *lst)
{
	int err = 0;

	for (struct le *le = list_head(lst); le && !err; le = le->next)
		err = re_hprintf(pf, "%s%H", le == list_head(lst) ? "" : ",",
				 room_json, le->data);

	return err;
}


void api_rooms_list(struct api_req *req)
{
	api_reply(req, 200, "{\"rooms\":[%H]}", rooms_array,
		  rooms_list(req->rooms));
}


static struct room *room_or_404(struct api_req *req)
{
	struct room *room = rooms_find(req->rooms, req->params[0]);

	if (!room)
		api_error(req, ENOENT, NULL, "no room named '%s'",
			  req->params[0]);

	return room;
}


void api_room_get(struct api_req *req)
{
	struct room *room = room_or_404(req);

	if (room)
		api_reply(req, 200, "%H", room_json, room);
}


void api_room_delete(struct api_req *req)
{
	if (!room_or_404(req))
		return;

	(void)rooms_delete(req->rooms, req->params[0]);
	api_reply_empty(req, 204);
}


static int parts_array(struct re_printf *pf, const struct list *lst)
{
	int err = 0;

	for (struct le *le = list_head(lst); le && !err; le = le->next)
		err = re_hprintf(pf, "%s%H", le == list_head(lst) ? "" : ",",
				 part_json, le->data);

	return err;
}


void api_parts_list(struct api_req *req)
{
	struct room *room = room_or_404(req);

	if (room)
		api_reply(req, 200, "{\"participants\":[%H]}", parts_array,
			  &room->parts);
}


void api_healthz(struct api_req *req)
{
	api_reply(req, 200, "{\"status\":\"ok\",\"rooms\":%u,"
		  "\"participants\":%u}", list_count(rooms_list(req->rooms)),
		  rooms_part_count(req->rooms));
}
