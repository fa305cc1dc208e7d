/**
 * @file api.c  REST control API: HTTP server, route table, replies
 *
 * Routes are a table of {method, pattern, handler}; the dispatcher matches
 * the path segment by segment and answers 404 or 405 (with Allow) itself.
 * Errors are JSON: {"error":{"code":"...","message":"..."}}. Runs on the
 * main thread, beside SIP and the room manager.
 */
#include <stdarg.h>
#include <string.h>
#include <re.h>
#include "../server/cfg.h"
#include "../server/log.h"
#include "api.h"

enum {
	STATUS_MIN = 100,
	STATUS_MAX = 599,
};

struct api {
	struct http_sock *sock;
	struct rooms *rooms;
	struct sipd *sipd;
	struct events *events;
	const struct config *cfg;
	bool ready;                               /* for /readyz        */
	uint64_t requests[STATUS_MAX + 1];        /* answered, by status */
};

const struct api_route api_routes[] = {
	{"GET",    "/healthz",                       api_healthz,     true},
	{"GET",    "/readyz",                        api_readyz,      true},
	{"GET",    "/metrics",                       api_metrics,     true},
	{"GET",    "/v1/openapi.yaml",               api_openapi,     false},
	{"GET",    "/v1/events",                     api_events,      false},
	{"POST",   "/v1/rooms",                      api_rooms_post,  false},
	{"GET",    "/v1/rooms",                      api_rooms_list,  false},
	{"GET",    "/v1/rooms/{}",                   api_room_get,    false},
	{"PATCH",  "/v1/rooms/{}",                   api_room_patch,  false},
	{"DELETE", "/v1/rooms/{}",                   api_room_delete, false},
	{"GET",    "/v1/rooms/{}/participants",      api_parts_list,  false},
	{"POST",   "/v1/rooms/{}/participants",      api_parts_post,  false},
	{"GET",    "/v1/rooms/{}/participants/{}",   api_part_get,    false},
	{"PATCH",  "/v1/rooms/{}/participants/{}",   api_part_patch,  false},
	{"DELETE", "/v1/rooms/{}/participants/{}",   api_part_delete, false},
	{"GET",    "/v1/rooms/{}/video_source",      api_vsource_get, false},
	{"PUT",    "/v1/rooms/{}/video_source",      api_vsource_put, false},
	{"DELETE", "/v1/rooms/{}/video_source",      api_vsource_delete, false},
};

const size_t api_routes_count = ARRAY_SIZE(api_routes);

/* what an unknown path or method is checked against: a private route */
static const struct api_route any_route = {"", "", NULL, false};


/**
 * Map an errno to an HTTP status (the one place that does so)
 */
uint16_t api_status(int err, const char **code, const char **reason)
{
	static const struct {
		int err;
		uint16_t scode;
		const char *code;
		const char *reason;
	} map[] = {
		{0,          200, "ok",                 "OK"},
		{EINVAL,     400, "invalid_field",      "Bad Request"},
		{EPROTO,     400, "invalid_field",      "Bad Request"},
		{EPROTONOSUPPORT, 400, "invalid_field", "Bad Request"},
		{EAFNOSUPPORT, 400, "invalid_field",    "Bad Request"},
		{EBADMSG,    400, "invalid_json",       "Bad Request"},
		{ERANGE,     400, "invalid_json",       "Bad Request"},
		{EACCES,     401, "unauthorized",       "Unauthorized"},
		{ENOENT,     404, "not_found",          "Not Found"},
		{EPERM,      405, "method_not_allowed", "Method Not Allowed"},
		{EEXIST,     409, "conflict",           "Conflict"},
		{EFBIG,      413, "payload_too_large",  "Payload Too Large"},
		{ENOTSUP,    415, "unsupported_media_type",
		 "Unsupported Media Type"},
		{EBUSY,      409, "room_full",          "Conflict"},
		{EALREADY,   409, "conflict",           "Conflict"},
		{ENODATA,    409, "no_video",           "Conflict"},
		{ENOMEM,     503, "unavailable",        "Service Unavailable"},
		{EADDRINUSE, 503, "unavailable",        "Service Unavailable"},
		{EAGAIN,     503, "not_ready",          "Service Unavailable"},
		{EIO,        503, "storage_error",      "Service Unavailable"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(map); i++) {
		if (map[i].err == err) {
			*code = map[i].code;
			*reason = map[i].reason;
			return map[i].scode;
		}
	}

	*code = "internal";
	*reason = "Internal Server Error";
	return 500;
}


static const char *reason_of(uint16_t scode)
{
	switch (scode) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	default:  return "Error";
	}
}


static void count(struct api *api, uint16_t scode)
{
	if (api && scode >= STATUS_MIN && scode <= STATUS_MAX)
		api->requests[scode]++;
}


static void send_json(struct http_conn *conn, uint16_t scode,
		      const char *reason, const char *hdrs,
		      const struct mbuf *mb)
{
	(void)http_reply(conn, scode, reason,
			 "Content-Type: application/json\r\n"
			 "Content-Length: %zu\r\n"
			 "Cache-Control: no-store\r\n"
			 "%s"
			 "\r\n%b", mb->end, hdrs ? hdrs : "", mb->buf,
			 mb->end);
}


/**
 * Send a JSON reply; fmt is a libre format string for the body
 */
void api_reply(struct api_req *req, uint16_t scode, const char *fmt, ...)
{
	struct mbuf *mb = mbuf_alloc(1024);
	va_list ap;
	int err;

	if (!mb) {
		(void)http_ereply(req->conn, 503, "Service Unavailable");
		return;
	}

	va_start(ap, fmt);
	err = mbuf_vprintf(mb, fmt, ap);
	va_end(ap);

	if (err) {
		count(req->api, 500);
		(void)http_ereply(req->conn, 500, "Internal Server Error");
	}
	else {
		count(req->api, scode);
		send_json(req->conn, scode, reason_of(scode), req->hdrs, mb);
	}

	mem_deref(mb);
}


/**
 * Send a body that is not JSON (text for /metrics, YAML for the spec)
 */
void api_reply_raw(struct api_req *req, const char *ctype,
		   const char *body, size_t len)
{
	count(req->api, 200);
	(void)http_reply(req->conn, 200, "OK",
			 "Content-Type: %s\r\n"
			 "Content-Length: %zu\r\n"
			 "Cache-Control: no-store\r\n"
			 "\r\n%b", ctype, len, body, len);
}


void api_reply_empty(struct api_req *req, uint16_t scode)
{
	count(req->api, scode);
	(void)http_reply(req->conn, scode, reason_of(scode),
			 "%sContent-Length: 0\r\n\r\n",
			 req->hdrs ? req->hdrs : "");
}


static void error_send(struct api *api, struct http_conn *conn, int err,
		       const char *field, const char *hdrs, const char *msg)
{
	const char *code, *reason;
	uint16_t scode = api_status(err, &code, &reason);
	struct mbuf *mb = mbuf_alloc(256);

	if (!mb)
		return;

	count(api, scode);
	if (mbuf_printf(mb, "{\"error\":{\"code\":\"%s\"", code) ||
	    (field && mbuf_printf(mb, ",\"field\":\"%H\"", json_str, field)) ||
	    mbuf_printf(mb, ",\"message\":\"%H\"}}", json_str, msg))
		(void)http_ereply(conn, 500, "Internal Server Error");
	else
		send_json(conn, scode, reason, hdrs, mb);

	mem_deref(mb);
}


/**
 * Send a JSON error for err (mapped by api_status())
 *
 * @param req    Request
 * @param err    errno
 * @param field  Offending field, or NULL
 * @param fmt    Human-readable message (libre format)
 */
void api_error(struct api_req *req, int err, const char *field,
	       const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	(void)re_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	error_send(req->api, req->conn, err, field, req->hdrs, msg);
}


/* Match path against pattern; capture {} segments into params */
static bool path_match(const char *pattern, const struct pl *path,
		       struct api_req *req)
{
	struct pl p = *path;
	size_t np = 0;

	while (*pattern) {
		const char *pend;
		struct pl seg;
		size_t plen;

		if (*pattern != '/' || !p.l || *p.p != '/')
			return false;
		pattern++;
		pl_advance(&p, 1);

		pend = strchr(pattern, '/');
		plen = pend ? (size_t)(pend - pattern) : strlen(pattern);

		seg.p = p.p;
		seg.l = 0;
		while (seg.l < p.l && seg.p[seg.l] != '/')
			seg.l++;

		if (plen == 2 && !strncmp(pattern, "{}", 2)) {
			if (!seg.l || np >= API_PARAMS ||
			    seg.l >= sizeof(req->params[0]))
				return false;
			pl_strcpy(&seg, req->params[np++],
				  sizeof(req->params[0]));
		}
		else if (seg.l != plen || strncmp(seg.p, pattern, plen)) {
			return false;
		}

		pl_advance(&p, seg.l);
		pattern += plen;
	}

	/* one trailing slash is the same resource */
	return !p.l || (p.l == 1 && *p.p == '/');
}


/* Compare in time independent of where the strings differ */
static bool token_equal(const struct pl *got, const char *want)
{
	size_t n = strlen(want);
	uint8_t diff = got->l != n;

	for (size_t i = 0; i < n; i++)
		diff |= (uint8_t)(i < got->l ? got->p[i] : 0) ^ (uint8_t)want[i];

	return diff == 0;
}


/* RFC 6750 2.1: Authorization: Bearer TOKEN */
static bool authorized(const struct api_req *req,
		       const struct api_route *r)
{
	const struct config *cfg = req->api->cfg;
	const struct http_hdr *hdr;
	struct pl scheme, token;

	if (!cfg->api_token[0] || (r->public_health && cfg->api_public_health))
		return true;

	/* the whole value: scheme, one or more spaces, the token */
	hdr = http_msg_hdr(req->msg, HTTP_HDR_AUTHORIZATION);
	if (!hdr || re_regex(hdr->val.p, hdr->val.l, "[^ ]+[ ]+[^ ]+",
			     &scheme, NULL, &token) ||
	    token.p + token.l != hdr->val.p + hdr->val.l ||
	    pl_strcasecmp(&scheme, "Bearer"))
		return false;

	return token_equal(&token, cfg->api_token);
}


/* false (and 401 sent) if the request lacks a valid token */
static bool auth_check(struct api_req *req, const struct api_route *r)
{
	if (authorized(req, r))
		return true;

	/* RFC 6750 3 */
	req->hdrs = "WWW-Authenticate: Bearer realm=\"chorus\"\r\n";
	api_error(req, EACCES, NULL, "a valid bearer token is required");
	return false;
}


static void dispatch(struct api_req *req)
{
	char allow[64] = "";
	char hdrs[96];
	size_t n = 0;

	for (size_t i = 0; i < api_routes_count; i++) {
		const struct api_route *r = &api_routes[i];

		memset(req->params, 0, sizeof(req->params));
		if (!path_match(r->pattern, &req->msg->path, req))
			continue;

		if (!pl_strcmp(&req->msg->met, r->method)) {
			if (auth_check(req, r))
				r->h(req);
			return;
		}

		n += re_snprintf(allow + n, sizeof(allow) - n, "%s%s",
				 n ? ", " : "", r->method);
	}

	/* without a token, nothing tells which resources exist */
	if (!auth_check(req, &any_route))
		return;

	if (!n) {
		api_error(req, ENOENT, NULL, "no such resource: %r",
			  &req->msg->path);
		return;
	}

	/* RFC 9110 15.5.6: 405 carries Allow */
	re_snprintf(hdrs, sizeof(hdrs), "Allow: %s\r\n", allow);
	req->hdrs = hdrs;
	api_error(req, EPERM, NULL, "method %r not allowed here (allowed: %s)",
		  &req->msg->met, allow);
}


static void http_handler(struct http_conn *conn, const struct http_msg *msg,
			 void *arg)
{
	struct api *api = arg;
	struct api_req req;

	memset(&req, 0, sizeof(req));
	req.conn = conn;
	req.msg = msg;
	req.api = api;
	req.rooms = api->rooms;

	dispatch(&req);
}


static void destructor(void *arg)
{
	struct api *api = arg;

	mem_deref(api->sock);
	mem_deref(api->events);
}


/**
 * Look up a query parameter (?key=value&...); values are not decoded, as
 * every value we take is plain ASCII
 *
 * @return 0 (val set, possibly empty), ENOENT if absent, E2BIG if the
 *         value does not fit val (the caller refuses it)
 */
int api_query(const struct api_req *req, const char *key, char *val,
	      size_t sz)
{
	struct pl q = req->msg->prm, k, v;

	if (q.l && *q.p == '?')
		pl_advance(&q, 1);

	while (q.l) {
		struct pl item = q;
		const char *amp = pl_strchr(&q, '&');

		if (amp) {
			item.l = (size_t)(amp - q.p);
			pl_advance(&q, item.l + 1);
		}
		else {
			q.l = 0;
		}

		if (re_regex(item.p, item.l, "[^=]+=[^]*", &k, &v)) {
			k = item;
			v = pl_null;
		}

		if (!pl_strcmp(&k, key)) {
			if (v.l >= sz)
				return E2BIG;
			pl_strcpy(&v, val, sz);
			if (!v.l)
				val[0] = '\0';
			return 0;
		}
	}

	return ENOENT;
}


void api_events(struct api_req *req)
{
	if (!events_get(req, req->api->events))
		count(req->api, 200);
}


struct sipd *api_sipd(const struct api *api)
{
	return api->sipd;
}


bool api_ready(const struct api *api)
{
	return api->ready;
}


void api_set_ready(struct api *api, bool ready)
{
	if (api)
		api->ready = ready;
}


void api_event(struct api *api, int ev, const struct room *room,
	       const struct part *part, const char *reason)
{
	if (api)
		events_publish(api->events, ev, room, part, reason);
}


/* chorus_api_requests_total{status="..."} lines */
int api_metrics_requests(struct re_printf *pf, const struct api *api)
{
	int err = 0;

	for (unsigned s = STATUS_MIN; s <= STATUS_MAX && !err; s++) {
		if (api->requests[s])
			err = re_hprintf(pf, "chorus_api_requests_total"
					 "{status=\"%u\"} %llu\n", s,
					 (unsigned long long)api->requests[s]);
	}

	return err;
}


/**
 * Start the HTTP API on cfg->http
 *
 * @return 0 or errno (EADDRINUSE if the port is taken)
 */
int api_alloc(struct api **apip, const struct config *cfg,
	      struct rooms *rooms, struct sipd *sipd)
{
	struct api *api;
	int err;

	api = mem_zalloc(sizeof(*api), destructor);
	if (!api)
		return ENOMEM;

	api->cfg = cfg;
	api->rooms = rooms;
	api->sipd = sipd;

	err = events_alloc(&api->events);
	if (!err)
		err = http_listen(&api->sock, &cfg->http, http_handler, api);
	if (err)
		mem_deref(api);
	else
		*apip = api;

	return err;
}
