/**
 * @file events.c  GET /v1/events: a Server-Sent Events stream
 *
 * Each subscriber is an HTTP connection left open after a 200 with
 * Content-Type text/event-stream (HTML Living Standard, "Server-sent
 * events"). Every event is written once per subscriber as
 * "id: N / event: TYPE / data: JSON"; ids increase monotonically. A comment
 * line every PING_MS keeps proxies from closing an idle stream and finds
 * subscribers that went away.
 */
#include <string.h>
#include <time.h>
#include <re.h>
#include "../server/part.h"
#include "../server/rooms.h"
#include "api.h"

enum {
	PING_MS = 15000,
};

struct events {
	struct list subs;       /* struct sub */
	uint64_t next_id;
	struct tmr tmr_ping;
};

struct sub {
	struct le le;
	struct http_conn *conn;             /* reference */
	char room[ROOM_NAME_MAX + 1];       /* filter, "" for all rooms */
};


static void sub_destructor(void *arg)
{
	struct sub *sub = arg;

	list_unlink(&sub->le);
	mem_deref(sub->conn);
}


/* false if the subscriber is gone (and is then freed) */
static bool sub_send(struct sub *sub, struct mbuf *mb)
{
	struct tcp_conn *tc = http_conn_tcp(sub->conn);

	mb->pos = 0;
	if (!tc || tcp_send(tc, mb)) {
		mem_deref(sub);
		return false;
	}

	return true;
}


static void ping_handler(void *arg)
{
	struct events *evs = arg;
	struct mbuf *mb = mbuf_alloc(16);
	struct le *le = evs->subs.head;

	if (mb && !mbuf_write_str(mb, ": ping\n\n")) {
		while (le) {
			struct sub *sub = le->data;

			le = le->next;
			(void)sub_send(sub, mb);
		}
	}

	mem_deref(mb);
	tmr_start(&evs->tmr_ping, PING_MS, ping_handler, evs);
}


static void destructor(void *arg)
{
	struct events *evs = arg;

	tmr_cancel(&evs->tmr_ping);
	list_flush(&evs->subs);
}


int events_alloc(struct events **evsp)
{
	struct events *evs = mem_zalloc(sizeof(*evs), destructor);

	if (!evs)
		return ENOMEM;

	evs->next_id = 1;
	tmr_start(&evs->tmr_ping, PING_MS, ping_handler, evs);
	*evsp = evs;

	return 0;
}


static int part_brief(struct re_printf *pf, const struct part *p)
{
	struct part_info pi;

	part_info(p, &pi);

	return re_hprintf(pf, ",\"participant\":{\"id\":%llu,\"uri\":\"%H\","
			  "\"display_name\":\"%H\",\"muted\":%s,\"deaf\":%s,"
			  "\"talking\":%s}",
			  (unsigned long long)pi.id, json_str, pi.uri,
			  json_str, pi.display_name,
			  pi.muted ? "true" : "false",
			  pi.deaf ? "true" : "false",
			  pi.talking ? "true" : "false");
}


/**
 * Send one event to every subscriber that wants its room
 *
 * @param evs     Event streams
 * @param ev      enum room_event
 * @param room    Room it happened in
 * @param part    Participant, or NULL for room events
 * @param reason  Why (participant.left), or NULL
 */
void events_publish(struct events *evs, int ev, const struct room *room,
		    const struct part *part, const char *reason)
{
	struct mbuf *mb;
	struct timespec ts;
	uint64_t now, id;
	struct le *le;
	int err;

	if (!evs)
		return;

	id = evs->next_id++;
	if (!evs->subs.head)
		return;

	clock_gettime(CLOCK_REALTIME, &ts);
	now = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;

	mb = mbuf_alloc(512);
	if (!mb)
		return;

	err = mbuf_printf(mb, "id: %llu\nevent: %s\ndata: {\"id\":%llu,"
			  "\"type\":\"%s\",\"time\":\"%H\",\"room\":\"%s\"",
			  (unsigned long long)id, room_event_name(ev),
			  (unsigned long long)id, room_event_name(ev),
			  json_time, &now, room_name(room));
	if (part)
		err |= mbuf_printf(mb, "%H", part_brief, part);
	if (reason)
		err |= mbuf_printf(mb, ",\"%s\":\"%H\"",
				   ev == EV_PART_DTMF ? "digit" : "reason",
				   json_str, reason);
	err |= mbuf_write_str(mb, "}\n\n");

	for (le = evs->subs.head; le && !err;) {
		struct sub *sub = le->data;

		le = le->next;
		if (!sub->room[0] || !strcmp(sub->room, room_name(room)))
			(void)sub_send(sub, mb);
	}

	mem_deref(mb);
}


/**
 * Start a stream on this request's connection; ?room=NAME filters
 *
 * @return 0 if the stream started, else errno (the error is answered)
 */
int events_get(struct api_req *req, struct events *evs)
{
	char room[ROOM_NAME_MAX + 1] = "";
	struct sub *sub;

	int qerr = api_query(req, "room", room, sizeof(room));

	if (qerr == E2BIG || (!qerr && !rooms_name_valid(room))) {
		api_error(req, EINVAL, "room", "not a room name");
		return EINVAL;
	}

	sub = mem_zalloc(sizeof(*sub), sub_destructor);
	if (!sub) {
		api_error(req, ENOMEM, NULL, "out of memory");
		return ENOMEM;
	}

	str_ncpy(sub->room, room, sizeof(sub->room));
	sub->conn = mem_ref(req->conn);

	/* no Content-Length: the body is the stream */
	if (http_reply(req->conn, 200, "OK",
		       "Content-Type: text/event-stream\r\n"
		       "Cache-Control: no-store\r\n"
		       "X-Accel-Buffering: no\r\n"
		       "\r\n"
		       ": chorus events%s%s\n\n",
		       room[0] ? " for room " : "", room)) {
		mem_deref(sub);
		return EPIPE;
	}

	list_append(&evs->subs, &sub->le, sub);
	return 0;
}
