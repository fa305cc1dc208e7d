/**
 * @file json.c  JSON in and out at the API edge
 *
 * libre's decoder is lenient (a bare 5 decodes to an empty object,
 * duplicate keys are kept), so a body is checked here before any handler
 * sees it.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <re.h>
#include "api.h"

enum {
	JSON_DEPTH_MAX = 16,
};

/* A cursor over the text being checked */
struct jscan {
	const char *p;
	const char *end;
	int depth;
};

static int scan_value(struct jscan *js);


static void skip_ws(struct jscan *js)
{
	while (js->p < js->end && (*js->p == ' ' || *js->p == '\t' ||
				   *js->p == '\n' || *js->p == '\r'))
		js->p++;
}


static bool lit(struct jscan *js, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(js->end - js->p) < n || memcmp(js->p, word, n))
		return false;

	js->p += n;
	return true;
}


static bool hex4(const char *p)
{
	for (int i = 0; i < 4; i++) {
		char c = p[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		      (c >= 'A' && c <= 'F')))
			return false;
	}

	return true;
}


/* Length of the UTF-8 sequence at p (RFC 3629 4), 0 if invalid */
static size_t utf8_len(const uint8_t *p, const uint8_t *end)
{
	size_t n;
	uint32_t min, cp;

	if (*p < 0x80)
		return 1;
	else if ((*p & 0xe0) == 0xc0)
		n = 2, min = 0x80, cp = *p & 0x1f;
	else if ((*p & 0xf0) == 0xe0)
		n = 3, min = 0x800, cp = *p & 0x0f;
	else if ((*p & 0xf8) == 0xf0)
		n = 4, min = 0x10000, cp = *p & 0x07;
	else
		return 0;

	if ((size_t)(end - p) < n)
		return 0;

	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}

	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;

	return n;
}


/* RFC 8259 7 */
static int scan_string(struct jscan *js)
{
	js->p++;   /* opening quote */

	while (js->p < js->end) {
		uint8_t c = (uint8_t)*js->p;
		size_t n;

		if (c == '"') {
			js->p++;
			return 0;
		}

		if (c < 0x20)
			return EBADMSG;

		if (c == '\\') {
			if (js->end - js->p < 2)
				return EBADMSG;
			c = (uint8_t)js->p[1];
			if (c == 'u') {
				/* U+0000 would cut the string short in C */
				if (js->end - js->p < 6 || !hex4(js->p + 2) ||
				    !memcmp(js->p + 2, "0000", 4))
					return EBADMSG;
				js->p += 6;
			}
			else if (strchr("\"\\/bfnrt", c) && c) {
				js->p += 2;
			}
			else {
				return EBADMSG;
			}
			continue;
		}

		n = utf8_len((const uint8_t *)js->p, (const uint8_t *)js->end);
		if (!n)
			return EBADMSG;
		js->p += n;
	}

	return EBADMSG;
}


/* RFC 8259 6; also refuses what a double or int64 cannot hold */
static int scan_number(struct jscan *js)
{
	const char *start = js->p;
	bool integer = true;
	char buf[64];
	size_t digits = 0;

	if (js->p < js->end && *js->p == '-')
		js->p++;

	if (js->p < js->end && *js->p == '0') {
		js->p++;
		digits = 1;
	}
	else {
		while (js->p < js->end && *js->p >= '0' && *js->p <= '9')
			js->p++, digits++;
	}

	if (!digits)
		return EBADMSG;

	if (js->p < js->end && *js->p == '.') {
		integer = false;
		js->p++;
		if (js->p >= js->end || *js->p < '0' || *js->p > '9')
			return EBADMSG;
		while (js->p < js->end && *js->p >= '0' && *js->p <= '9')
			js->p++;
	}

	if (js->p < js->end && (*js->p == 'e' || *js->p == 'E')) {
		integer = false;
		js->p++;
		if (js->p < js->end && (*js->p == '+' || *js->p == '-'))
			js->p++;
		if (js->p >= js->end || *js->p < '0' || *js->p > '9')
			return EBADMSG;
		while (js->p < js->end && *js->p >= '0' && *js->p <= '9')
			js->p++;
	}

	if (integer)
		return digits > 18 ? ERANGE : 0;

	if ((size_t)(js->p - start) >= sizeof(buf))
		return ERANGE;

	memcpy(buf, start, (size_t)(js->p - start));
	buf[js->p - start] = '\0';

	return isfinite(strtod(buf, NULL)) ? 0 : ERANGE;
}


static int scan_container(struct jscan *js, char close, bool object)
{
	int err;

	if (++js->depth > JSON_DEPTH_MAX)
		return EBADMSG;

	js->p++;
	skip_ws(js);

	if (js->p < js->end && *js->p == close) {
		js->p++;
		js->depth--;
		return 0;
	}

	for (;;) {
		if (object) {
			if (js->p >= js->end || *js->p != '"')
				return EBADMSG;
			err = scan_string(js);
			if (err)
				return err;
			skip_ws(js);
			if (js->p >= js->end || *js->p != ':')
				return EBADMSG;
			js->p++;
		}

		err = scan_value(js);
		if (err)
			return err;

		skip_ws(js);
		if (js->p >= js->end)
			return EBADMSG;

		if (*js->p == close) {
			js->p++;
			js->depth--;
			return 0;
		}

		if (*js->p != ',')
			return EBADMSG;

		js->p++;
		skip_ws(js);
	}
}


static int scan_value(struct jscan *js)
{
	skip_ws(js);

	if (js->p >= js->end)
		return EBADMSG;

	switch (*js->p) {

	case '{': return scan_container(js, '}', true);
	case '[': return scan_container(js, ']', false);
	case '"': return scan_string(js);
	case 't': return lit(js, "true") ? 0 : EBADMSG;
	case 'f': return lit(js, "false") ? 0 : EBADMSG;
	case 'n': return lit(js, "null") ? 0 : EBADMSG;
	default:  return scan_number(js);
	}
}


/**
 * Check that p..p+n is exactly one JSON text (RFC 8259 2), nothing after
 *
 * @param p            Text
 * @param n            Length [bytes]
 * @param want_object  Require the value to be an object
 *
 * @return 0, EBADMSG (not JSON, or not an object), ERANGE (a number no
 *         double or int64 holds)
 */
int json_check(const char *p, size_t n, bool want_object)
{
	struct jscan js = {p, p + n, 0};
	int err;

	skip_ws(&js);
	if (want_object && (js.p >= js.end || *js.p != '{'))
		return EBADMSG;

	err = scan_value(&js);
	if (err)
		return err;

	skip_ws(&js);
	return js.p == js.end ? 0 : EBADMSG;
}


static bool has_duplicate_keys(const struct odict *od, char *field,
			       size_t fieldsz)
{
	for (struct le *a = od->lst.head; a; a = a->next) {
		const struct odict_entry *ea = a->data;

		for (struct le *b = a->next; b; b = b->next) {
			const struct odict_entry *eb = b->data;

			if (!strcmp(ea->key, eb->key)) {
				str_ncpy(field, ea->key, fieldsz);
				return true;
			}
		}
	}

	return false;
}


/**
 * Decode a request body that must be one JSON object
 *
 * @param odp      Set to the object on success
 * @param msg      HTTP request
 * @param field    Set to the offending key on EINVAL
 * @param fieldsz  Size of field
 *
 * @return 0, ENOTSUP (not application/json), EFBIG (too large), EBADMSG
 *         (not a JSON object), ERANGE (a number out of range), EINVAL
 *         (duplicate key, named in field)
 */
int json_body(struct odict **odp, const struct http_msg *msg,
	      char *field, size_t fieldsz)
{
	struct odict *od = NULL;
	struct pl body;
	int err;

	if (msg->clen > API_BODY_MAX || mbuf_get_left(msg->mb) > API_BODY_MAX)
		return EFBIG;

	if (!msg_ctype_cmp(&msg->ctyp, "application", "json"))
		return ENOTSUP;

	body.p = (const char *)mbuf_buf(msg->mb);
	body.l = mbuf_get_left(msg->mb);

	err = json_check(body.p, body.l, true);
	if (err)
		return err == ERANGE ? ERANGE : EBADMSG;

	err = json_decode_odict(&od, 16, body.p, body.l, JSON_DEPTH_MAX);
	if (err)
		return EBADMSG;

	if (has_duplicate_keys(od, field, fieldsz)) {
		mem_deref(od);
		return EINVAL;
	}

	*odp = od;
	return 0;
}


/* RFC 3339 UTC time with milliseconds */
int json_time(struct re_printf *pf, const uint64_t *unix_ms)
{
	time_t t = (time_t)(*unix_ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);

	return re_hprintf(pf, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ",
			  tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			  tm.tm_hour, tm.tm_min, tm.tm_sec,
			  (unsigned)(*unix_ms % 1000));
}


/* The inside of a JSON string (RFC 8259 7); bytes that are not UTF-8
 * become U+FFFD so the output is always valid JSON */
int json_str(struct re_printf *pf, const char *s)
{
	int err = 0;

	for (const uint8_t *p = (const uint8_t *)s; p && *p && !err; p++) {
		size_t n = 0;

		if (*p < 0x80) {
			if (*p == '"' || *p == '\\')
				err = re_hprintf(pf, "\\%c", *p);
			else if (*p < 0x20)
				err = re_hprintf(pf, "\\u%04x", *p);
			else
				err = re_hprintf(pf, "%c", *p);
			continue;
		}

		if ((*p & 0xe0) == 0xc0 && *p >= 0xc2)
			n = 1;
		else if ((*p & 0xf0) == 0xe0)
			n = 2;
		else if ((*p & 0xf8) == 0xf0 && *p <= 0xf4)
			n = 3;

		for (size_t i = 1; n && i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				n = 0;
		}

		if (!n) {
			err = re_hprintf(pf, "\\ufffd");
			continue;
		}

		err = re_hprintf(pf, "%b", p, n + 1);
		p += n;
	}

	return err;
}
