/**
 * @file api.h  REST control API over HTTP
 */

struct api;
struct config;
struct rooms;

int api_alloc(struct api **apip, const struct config *cfg,
	      struct rooms *rooms);

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
};

extern const struct api_route api_routes[];
extern const size_t api_routes_count;

void api_reply(struct api_req *req, uint16_t scode, const char *fmt, ...);
void api_reply_empty(struct api_req *req, uint16_t scode);
void api_error(struct api_req *req, int err, const char *field,
	       const char *fmt, ...);
uint16_t api_status(int err, const char **code, const char **reason);

/* api/json.c */
int json_body(struct odict **odp, const struct http_msg *msg,
	      char *field, size_t fieldsz);
int json_time(struct re_printf *pf, const uint64_t *unix_ms);
int json_str(struct re_printf *pf, const char *s);

/* api/room_routes.c */
void api_rooms_post(struct api_req *req);
void api_rooms_list(struct api_req *req);
void api_room_get(struct api_req *req);
void api_room_delete(struct api_req *req);
void api_parts_list(struct api_req *req);
void api_healthz(struct api_req *req);
