/**
 * @file api.h  REST control API over HTTP
 */

#ifndef CHORUS_API_H
#define CHORUS_API_H

#include <re.h>

struct api;
struct config;
struct rooms;
struct room;
struct part;
struct sipd;

int  api_alloc(struct api **apip, const struct config *cfg,
	       struct rooms *rooms, struct sipd *sipd);
void api_set_ready(struct api *api, bool ready);
void api_event(struct api *api, int ev, const struct room *room,
	       const struct part *part, const char *reason);

/* --- shared by the route handlers (api/ only) --- */

enum {
	API_BODY_MAX = 64 * 1024,   /* [bytes] larger bodies: 413 */
	API_PARAMS = 2,             /* path parameters per route   */
};

struct api_req {
	struct http_conn *conn;
	const struct http_msg *msg;
	struct api *api;
	struct rooms *rooms;
	char params[API_PARAMS][128];  /* {} path segments, as sent  */
	const char *hdrs;              /* extra reply headers or NULL */
};

typedef void (api_h)(struct api_req *req);

struct api_route {
	const char *method;
	const char *pattern;   /* "/v1/rooms/{}": {} matches one segment */
	api_h *h;
	bool public_health;    /* open without a token if so configured */
};

extern const struct api_route api_routes[];
extern const size_t api_routes_count;

void api_reply(struct api_req *req, uint16_t scode, const char *fmt, ...);
void api_reply_empty(struct api_req *req, uint16_t scode);
void api_reply_raw(struct api_req *req, const char *ctype,
		   const char *body, size_t len);
void api_error(struct api_req *req, int err, const char *field,
	       const char *fmt, ...);
uint16_t api_status(int err, const char **code, const char **reason);
int  api_query(const struct api_req *req, const char *key, char *val,
	       size_t sz);
struct sipd *api_sipd(const struct api *api);
bool api_ready(const struct api *api);
int  api_metrics_requests(struct re_printf *pf, const struct api *api);

/* api/json.c: strict JSON at the edge */
int json_check(const char *p, size_t n, bool want_object);
int json_body(struct odict **odp, const struct http_msg *msg,
	      char *field, size_t fieldsz);
int json_time(struct re_printf *pf, const uint64_t *unix_ms);
int json_str(struct re_printf *pf, const char *s);

/* api/schema.c: field tables */
enum field_type {
	FT_STRING = 0,
	FT_INT,
	FT_BOOL,
	FT_NUMBER,
};

struct field {
	const char *name;
	enum field_type type;
	double min;            /* range, or length for strings */
	double max;
	bool create;           /* may be given on create */
	bool update;           /* may be given on update */
	const char *const *choices;  /* a string: one of these, NULL-ended;
				      * NULL: any */
};

struct field_err {
	const char *field;     /* offending field name (in the body) */
	char message[128];
};

int schema_check(const struct odict *od, const struct field *tbl,
		 size_t n, bool update, struct field_err *fe);
extern const struct field schema_room[];
extern const size_t schema_room_count;
extern const struct field schema_part[];
extern const size_t schema_part_count;
extern const struct field schema_dial[];
extern const size_t schema_dial_count;
extern const struct field schema_vsource[];
extern const size_t schema_vsource_count;
void api_body_error(struct api_req *req, int err, const char *field);
struct odict *api_body_fields(struct api_req *req, const struct field *t,
			      size_t n, bool update);

/* api/room_routes.c */
void api_rooms_post(struct api_req *req);
void api_rooms_list(struct api_req *req);
void api_room_get(struct api_req *req);
void api_room_patch(struct api_req *req);
void api_room_delete(struct api_req *req);
struct room *api_room_or_404(struct api_req *req);
int  room_json(struct re_printf *pf, const struct room *room);

/* api/video_routes.c */
void api_vsource_get(struct api_req *req);
void api_vsource_put(struct api_req *req);
void api_vsource_delete(struct api_req *req);

/* api/part_routes.c */
void api_parts_list(struct api_req *req);
void api_parts_post(struct api_req *req);
void api_part_get(struct api_req *req);
void api_part_patch(struct api_req *req);
void api_part_delete(struct api_req *req);

/* api/events.c */
struct events;
int  events_alloc(struct events **evsp);
int  events_get(struct api_req *req, struct events *evs);
void events_publish(struct events *evs, int ev, const struct room *room,
		    const struct part *part, const char *reason);
void api_events(struct api_req *req);

/* api/metrics.c */
void api_healthz(struct api_req *req);
void api_readyz(struct api_req *req);
void api_metrics(struct api_req *req);
void api_openapi(struct api_req *req);

#endif
