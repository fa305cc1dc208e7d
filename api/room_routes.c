/**
 * @file room_routes.c  /v1/rooms and /v1/rooms/{name}
 */
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "../server/part.h"
#include "../server/rooms.h"
#include "api.h"

enum {
	PAGE_DEFAULT = 100,
	PAGE_MAX = 1000,
};


/* "video": the room's settings, what it shows and forwards */
static int video_json(struct re_printf *pf, const struct room *room)
{
	const struct room_prm *prm = room_prm(room);
	uint64_t src = room_video_source(room);
	struct room_stats st;
	enum vcodec c;
	bool inuse = room_video_codec(room, &c);
	char num[24] = "null";

	room_stats(room, &st);
	if (src)
		re_snprintf(num, sizeof(num), "%llu", (unsigned long long)src);

	return re_hprintf(pf, "\"video_codec\":\"%s\",\"video_mode\":\"%s\","
			  "\"video_hold_ms\":%u,\"video\":{\"codec\":%s%s%s,"
			  "\"source\":%s,\"packets_forwarded\":%llu,"
			  "\"packets_dropped\":%llu,\"switches\":%llu,"
			  "\"keyframe_waits\":%llu,"
			  "\"keyframe_timeouts\":%llu},",
			  room_vcodec_name(prm->video_codec),
			  room_video_mode_name(prm->video_mode),
			  prm->video_hold_ms,
			  inuse ? "\"" : "", inuse ? vcodec_name(c) : "null",
			  inuse ? "\"" : "",
			  num,
			  (unsigned long long)st.video.forwarded,
			  (unsigned long long)st.video.dropped,
			  (unsigned long long)st.video.switches,
			  (unsigned long long)st.video.key_waits,
			  (unsigned long long)st.video.key_timeouts);
}


/* SRTP dropped in the room: its participants' */
static uint64_t srtp_failures(const struct room *room)
{
	uint64_t n = 0;

	for (struct le *le = list_head(room_parts(room)); le; le = le->next) {
		struct part_info pi;

		part_info(le->data, &pi);
		n += part_srtp_failures(&pi);
	}

	return n;
}


int room_json(struct re_printf *pf, const struct room *room)
{
	const struct room_prm *prm = room_prm(room);
	uint64_t created = room_created_at(room);
	struct room_stats st;

	room_stats(room, &st);

	return re_hprintf(pf, "{\"name\":\"%s\",\"max_participants\":%u,"
			  "\"locked\":%s,\"persistent\":%s,"
			  "\"media_encryption\":\"%s\",\"auth\":\"%s\","
			  "\"has_pin\":%s,"
			  "\"talkers_max\":%u,\"sample_rate\":%u,%H"
			  "\"created_at\":\"%H\",\"participant_count\":%u,"
			  "\"stats\":{\"encodes_per_tick\":%u,"
			  "\"forwards_per_tick\":%u,"
			  "\"talkers\":%u,\"tick_us\":%llu,"
			  "\"srtp_failures\":%llu}}",
			  room_name(room), prm->max_participants,
			  prm->locked ? "true" : "false",
			  prm->persistent ? "true" : "false",
			  cfg_menc_name(prm->media_encryption),
			  cfg_auth_name(prm->auth),
			  prm->pin[0] ? "true" : "false",
			  prm->talkers_max, ROOM_SRATE, video_json, room,
			  json_time, &created,
			  room_part_count(room), st.encodes, st.forwards,
			  st.talkers, (unsigned long long)(st.tick_ns / 1000),
			  (unsigned long long)srtp_failures(room));
}


static void prm_apply(struct room_prm *prm, const struct odict *od)
{
	const struct odict_entry *e;

	if ((e = odict_lookup(od, "max_participants")))
		prm->max_participants = (uint32_t)e->u.integer;
	if ((e = odict_lookup(od, "talkers_max")))
		prm->talkers_max = (uint32_t)e->u.integer;
	if ((e = odict_lookup(od, "locked")))
		prm->locked = e->u.boolean;
	if ((e = odict_lookup(od, "persistent")))
		prm->persistent = e->u.boolean;
	if ((e = odict_lookup(od, "video_codec")))
		(void)room_vcodec_from_name(e->u.str, &prm->video_codec);
	if ((e = odict_lookup(od, "video_mode")))
		(void)room_video_mode_from_name(e->u.str, &prm->video_mode);
	if ((e = odict_lookup(od, "video_hold_ms")))
		prm->video_hold_ms = (uint32_t)e->u.integer;
	if ((e = odict_lookup(od, "media_encryption")))
		(void)cfg_menc_parse(&prm->media_encryption, e->u.str);
	if ((e = odict_lookup(od, "auth")))
		(void)cfg_auth_parse(&prm->auth, e->u.str);
	if ((e = odict_lookup(od, "pin")))
		str_ncpy(prm->pin, e->u.str, sizeof(prm->pin));
}


/* A PIN is entered on a keypad: digits only; "" removes it */
static bool pin_valid(struct api_req *req, const struct odict *od)
{
	const char *pin = odict_string(od, "pin");

	if (pin && strspn(pin, "0123456789") != strlen(pin)) {
		api_error(req, EINVAL, "pin", "must be 0-%u digits ('' for"
			  " none)", ROOM_PIN_MAX);
		return false;
	}

	return true;
}


/* auth digest needs somebody to authenticate */
static bool auth_valid(struct api_req *req, const struct room_prm *prm)
{
	if (prm->auth == AUTH_DIGEST && !rooms_has_users(req->rooms)) {
		api_error(req, EINVAL, "auth", "digest needs a users_file"
			  " configured");
		return false;
	}

	return true;
}


void api_rooms_post(struct api_req *req)
{
	struct room_prm prm;
	struct odict *od;
	struct room *room;
	const char *name;
	char loc[128];
	int err;

	od = api_body_fields(req, schema_room, schema_room_count, false);
	if (!od)
		return;

	name = odict_string(od, "name");
	if (!name) {
		api_error(req, EINVAL, "name", "required");
		goto out;
	}

	if (!rooms_name_valid(name)) {
		api_error(req, EINVAL, "name", "must be 1-%u characters of "
			  "A-Z a-z 0-9 . _ -", ROOM_NAME_MAX);
		goto out;
	}

	rooms_default_prm(req->rooms, &prm);
	prm_apply(&prm, od);
	if (!pin_valid(req, od) || !auth_valid(req, &prm))
		goto out;

	err = rooms_create(req->rooms, name, &prm, &room);
	if (err == EEXIST) {
		api_error(req, err, "name", "a room named '%s' exists", name);
		goto out;
	}
	else if (err) {
		api_error(req, err, NULL, "cannot create room: %m", err);
		goto out;
	}

	re_snprintf(loc, sizeof(loc), "Location: /v1/rooms/%s\r\n", name);
	req->hdrs = loc;
	api_reply(req, 201, "%H", room_json, room);

 out:
	mem_deref(od);
}


static int name_cmp(const void *a, const void *b)
{
	const struct room *const *ra = a, *const *rb = b;

	return strcmp(room_name(*ra), room_name(*rb));
}


struct page {
	struct room **v;
	size_t n;
};


static int page_json(struct re_printf *pf, const struct page *pg)
{
	int err = 0;

	for (size_t i = 0; i < pg->n && !err; i++)
		err = re_hprintf(pf, "%s%H", i ? "," : "", room_json,
				 pg->v[i]);

	return err;
}


/* ?limit=N (1-1000) and ?cursor=NAME: the page after NAME, by name */
static bool page_args(struct api_req *req, size_t *limit, char *cursor,
		      size_t sz)
{
	char buf[16];
	int err;

	*limit = PAGE_DEFAULT;
	cursor[0] = '\0';

	err = api_query(req, "limit", buf, sizeof(buf));
	if (err != ENOENT) {
		char *end;
		unsigned long v = err ? 0 : strtoul(buf, &end, 10);

		if (err || !buf[0] || *end || v < 1 || v > PAGE_MAX) {
			api_error(req, EINVAL, "limit", "must be 1 to %u",
				  PAGE_MAX);
			return false;
		}
		*limit = v;
	}

	err = api_query(req, "cursor", cursor, sz);
	if (err == E2BIG || (!err && !rooms_name_valid(cursor))) {
		api_error(req, EINVAL, "cursor", "not a cursor from this API");
		return false;
	}

	return true;
}


void api_rooms_list(struct api_req *req)
{
	const struct list *lst = rooms_list(req->rooms);
	char cursor[ROOM_NAME_MAX + 1];
	struct page pg = {NULL, 0};
	size_t limit, n = list_count(lst), first = 0;
	struct le *le;

	if (!page_args(req, &limit, cursor, sizeof(cursor)))
		return;

	pg.v = mem_zalloc((n ? n : 1) * sizeof(*pg.v), NULL);
	if (!pg.v) {
		api_error(req, ENOMEM, NULL, "out of memory");
		return;
	}

	for (le = list_head(lst); le; le = le->next)
		pg.v[pg.n++] = le->data;

	qsort(pg.v, pg.n, sizeof(*pg.v), name_cmp);

	while (cursor[0] && first < pg.n &&
	       strcmp(room_name(pg.v[first]), cursor) <= 0)
		first++;

	n = pg.n - first < limit ? pg.n - first : limit;
	{
		struct page out = {pg.v + first, n};
		bool more = first + n < pg.n;

		api_reply(req, 200, "{\"rooms\":[%H],\"next_cursor\":%s%s%s}",
			  page_json, &out, more ? "\"" : "",
			  more ? room_name(out.v[n - 1]) : "null",
			  more ? "\"" : "");
	}

	mem_deref(pg.v);
}


struct room *api_room_or_404(struct api_req *req)
{
	struct room *room = rooms_find(req->rooms, req->params[0]);

	if (!room)
		api_error(req, ENOENT, NULL, "no room named '%s'",
			  req->params[0]);

	return room;
}


void api_room_get(struct api_req *req)
{
	struct room *room = api_room_or_404(req);

	if (room)
		api_reply(req, 200, "%H", room_json, room);
}


void api_room_patch(struct api_req *req)
{
	struct room *room = api_room_or_404(req);
	struct room_prm prm;
	struct odict *od;
	int err;

	if (!room)
		return;

	od = api_body_fields(req, schema_room, schema_room_count, true);
	if (!od)
		return;

	prm = *room_prm(room);
	prm_apply(&prm, od);
	if (!pin_valid(req, od) || !auth_valid(req, &prm))
		goto out;

	err = rooms_update(req->rooms, room, &prm);
	if (err == EALREADY)
		api_error(req, err, "video_codec", "the room's video callers "
			  "use another codec");
	else if (err)
		api_error(req, err, NULL, "cannot change the room: %m", err);
	else
		api_reply(req, 200, "%H", room_json, room);

 out:
	mem_deref(od);
}


void api_room_delete(struct api_req *req)
{
	int err;

	if (!api_room_or_404(req))
		return;

	err = rooms_delete(req->rooms, req->params[0]);
	if (err)
		api_error(req, err, NULL, "cannot delete the room: %m", err);
	else
		api_reply_empty(req, 204);
}
