/**
 * @file json.c  JSON in and out at the API edge
 *
 * libre's decoder is lenient (a bare 5 decodes to an empty object,
 * duplicate keys are kept), so a body is checked here before any handler
 * sees it.
 */
#include <string.h>
#include <time.h>
#include <re.h>
#include "api.h"


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
 *         (not a JSON object), EINVAL (duplicate key, named in field)
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
	while (body.l && strchr(" \t\r\n", body.p[0]))
		pl_advance(&body, 1);
	while (body.l && strchr(" \t\r\n", body.p[body.l - 1]))
		body.l--;

	if (body.l < 2 || body.p[0] != '{' || body.p[body.l - 1] != '}')
		return EBADMSG;

	err = json_decode_odict(&od, 16, body.p, body.l, 8);
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
