/**
 * @file schema.c  What a request body may contain: one table per resource
 *
 * Each writable field names its JSON type, its range (for strings, its
 * length) and whether it may be set on create, on update, or both. The
 * check refuses unknown fields, wrong types, values out of range and
 * read-only fields, and names the field. Duplicate keys and malformed
 * JSON are caught before (json.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <re.h>
#include "../server/codec.h"
#include "../server/room.h"
#include "api.h"

static const char *const video_codecs[] = {"auto", "vp8", "h264", "vp9",
					   NULL};
static const char *const video_modes[] = {"follow_talker", "pinned", "off",
					  NULL};
static const char *const mencs[] = {"optional", "required", "off", NULL};
static const char *const auths[] = {"none", "digest", NULL};

const struct field schema_room[] = {
	/* name               type       min  max             create update */
	{"name",              FT_STRING, 1, ROOM_NAME_MAX,    true, false, NULL},
	{"max_participants",  FT_INT,    1, 100000,           true, true, NULL},
	{"talkers_max",       FT_INT,    0, 256,              true, true, NULL},
	{"locked",            FT_BOOL,   0, 0,                true, true, NULL},
	{"persistent",        FT_BOOL,   0, 0,                true, true, NULL},
	{"sample_rate",       FT_INT,    ROOM_SRATE, ROOM_SRATE, true, false, NULL},
	{"video_codec",       FT_STRING, 1, 8,                true,  true,
	 video_codecs},
	{"video_mode",        FT_STRING, 1, 16,               true,  true,
	 video_modes},
	{"video_hold_ms",     FT_INT,    0, 60000,            true, true, NULL},
	{"media_encryption",  FT_STRING, 1, 8,                true, true, mencs},
	{"auth",              FT_STRING, 1, 6,                true, true, auths},
	{"pin",               FT_STRING, 0, ROOM_PIN_MAX,     true, true, NULL},
};
const size_t schema_room_count = ARRAY_SIZE(schema_room);

const struct field schema_part[] = {
	{"muted",             FT_BOOL,   0, 0,                false, true, NULL},
	{"deaf",              FT_BOOL,   0, 0,                false, true, NULL},
	{"gain_db",           FT_NUMBER, -60, 20,             false, true, NULL},
};
const size_t schema_part_count = ARRAY_SIZE(schema_part);

const struct field schema_dial[] = {
	{"uri",               FT_STRING, 5, 255,              true, false, NULL},
};
const size_t schema_dial_count = ARRAY_SIZE(schema_dial);

const struct field schema_vsource[] = {
	{"participant",       FT_INT,    1, 9007199254740991.0, true, false, NULL},
};
const size_t schema_vsource_count = ARRAY_SIZE(schema_vsource);


static const struct field *find(const struct field *tbl, size_t n,
				const char *name)
{
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(tbl[i].name, name))
			return &tbl[i];
	}

	return NULL;
}


static bool type_ok(const struct odict_entry *e, enum field_type t)
{
	switch (t) {
	case FT_STRING: return e->type == ODICT_STRING;
	case FT_INT:    return e->type == ODICT_INT;
	case FT_BOOL:   return e->type == ODICT_BOOL;
	case FT_NUMBER: return e->type == ODICT_INT ||
			       e->type == ODICT_DOUBLE;
	}

	return false;
}


static const char *type_name(enum field_type t)
{
	switch (t) {
	case FT_STRING: return "a string";
	case FT_INT:    return "an integer";
	case FT_BOOL:   return "true or false";
	default:        return "a number";
	}
}


static bool range_ok(const struct odict_entry *e, const struct field *f)
{
	double v;

	switch (f->type) {
	case FT_STRING: v = (double)strlen(e->u.str); break;
	case FT_INT:    v = (double)e->u.integer; break;
	case FT_NUMBER: v = e->type == ODICT_INT ? (double)e->u.integer :
			e->u.dbl; break;
	default:        return true;
	}

	return v >= f->min && v <= f->max;
}


static bool choice_ok(const struct odict_entry *e, const struct field *f)
{
	if (!f->choices)
		return true;

	for (size_t i = 0; f->choices[i]; i++) {
		if (!strcmp(e->u.str, f->choices[i]))
			return true;
	}

	return false;
}


/* "a", "b" or "c" */
static void choices_print(char *buf, size_t sz, const char *const *cv)
{
	size_t n = 0, len = 0;

	while (cv[n])
		n++;

	buf[0] = '\0';
	for (size_t i = 0; i < n && len < sz; i++) {
		int w = snprintf(buf + len, sz - len, "%s\"%s\"",
				 !i ? "" : i + 1 == n ? " or " : ", ", cv[i]);

		if (w < 0)
			break;
		len += (size_t)w;
	}
}


static int fail(struct field_err *fe, const char *field, const char *fmt,
		...)
{
	va_list ap;

	fe->field = field;
	va_start(ap, fmt);
	(void)vsnprintf(fe->message, sizeof(fe->message), fmt, ap);
	va_end(ap);

	return EINVAL;
}


/**
 * Check a decoded body against a field table
 *
 * @param od      Decoded object
 * @param tbl     Field table
 * @param n       Entries in tbl
 * @param update  true for PATCH, false for create
 * @param fe      On EINVAL: the field and what is wrong with it
 *
 * @return 0 or EINVAL
 */
int schema_check(const struct odict *od, const struct field *tbl,
		 size_t n, bool update, struct field_err *fe)
{
	for (struct le *le = od->lst.head; le; le = le->next) {
		const struct odict_entry *e = le->data;
		const struct field *f = find(tbl, n, e->key);

		if (!f)
			return fail(fe, e->key, "unknown field");

		if (!(update ? f->update : f->create))
			return fail(fe, e->key, "cannot be %s",
				    update ? "changed" : "set");

		if (!type_ok(e, f->type))
			return fail(fe, e->key, "must be %s",
				    type_name(f->type));

		if (!range_ok(e, f)) {
			if (f->type == FT_STRING)
				return fail(fe, e->key, "must be %.0f to %.0f "
					    "characters long", f->min, f->max);
			return fail(fe, e->key, "must be from %g to %g",
				    f->min, f->max);
		}

		if (!choice_ok(e, f)) {
			char cv[96];

			choices_print(cv, sizeof(cv), f->choices);
			return fail(fe, e->key, "must be %s", cv);
		}
	}

	return 0;
}


/**
 * Answer a json_body() error
 */
void api_body_error(struct api_req *req, int err, const char *field)
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

	case ERANGE:
		api_error(req, err, NULL, "a number is out of range");
		break;

	default:
		api_error(req, EBADMSG, NULL, "body must be one JSON object");
		break;
	}
}


/**
 * Decode a body and check it against a field table; on any error the
 * reply is sent here and NULL returned
 */
struct odict *api_body_fields(struct api_req *req, const struct field *t,
				 size_t n, bool update)
{
	struct field_err fe;
	struct odict *od = NULL;
	char field[64] = "";
	int err;

	err = json_body(&od, req->msg, field, sizeof(field));
	if (err) {
		api_body_error(req, err, field);
		return NULL;
	}

	if (schema_check(od, t, n, update, &fe)) {
		api_error(req, EINVAL, fe.field, "%s", fe.message);
		return mem_deref(od);
	}

	return od;
}
