/**
 * @file test_api.c  The API's tables: routes against the OpenAPI document,
 * field validation, strict JSON, errno to HTTP status
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include "api/api.h"
#include "leak.h"

extern const char api_openapi_yaml[];


/* "/v1/rooms/{name}" and "/v1/rooms/{}" both become "/v1/rooms/{}" */
static void normalize(char *dst, size_t sz, const char *src, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 3 < sz; i++) {
		if (src[i] == '{') {
			while (i < n && src[i] != '}')
				i++;
			dst[o++] = '{';
			dst[o++] = '}';
			continue;
		}
		dst[o++] = src[i];
	}
	dst[o] = '\0';
}


struct op {
	char method[8];
	char path[96];
};


/* The (method, path) pairs under "paths:" in the spec */
static size_t spec_ops(struct op *ops, size_t max)
{
	const char *p = strstr(api_openapi_yaml, "\npaths:\n");
	const char *end = strstr(api_openapi_yaml, "\ncomponents:\n");
	char path[96] = "";
	size_t n = 0;

	assert_non_null(p);
	assert_non_null(end);

	while (p && p < end) {
		const char *line = p + 1;
		const char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line) : strlen(line);

		if (!strncmp(line, "  /", 3) && line[len - 1] == ':') {
			normalize(path, sizeof(path), line + 2, len - 3);
		}
		else if (!strncmp(line, "    ", 4) && line[4] != ' ') {
			static const char *verbs[] = {"get", "post", "put",
						      "patch", "delete"};

			for (size_t i = 0; i < ARRAY_SIZE(verbs); i++) {
				size_t vl = strlen(verbs[i]);

				if (strncmp(line + 4, verbs[i], vl) ||
				    line[4 + vl] != ':')
					continue;

				assert_true(n < max);
				for (size_t k = 0; k <= vl; k++)
					ops[n].method[k] = (char)toupper(
						(unsigned char)verbs[i][k]);
				str_ncpy(ops[n].path, path,
					 sizeof(ops[n].path));
				n++;
			}
		}

		p = eol;
	}

	return n;
}


static void test_routes_match_spec(void **state)
{
	struct op ops[64];
	size_t n = spec_ops(ops, ARRAY_SIZE(ops));

	assert_int_equal(api_routes_count, n);

	/* every route is documented ... */
	for (size_t i = 0; i < api_routes_count; i++) {
		bool found = false;

		for (size_t k = 0; k < n && !found; k++)
			found = !strcmp(ops[k].method, api_routes[i].method) &&
				!strcmp(ops[k].path, api_routes[i].pattern);

		if (!found)
			fail_msg("route %s %s missing from openapi.yaml",
				 api_routes[i].method, api_routes[i].pattern);
	}

	/* ... and every documented operation is routed */
	for (size_t k = 0; k < n; k++) {
		bool found = false;

		for (size_t i = 0; i < api_routes_count && !found; i++)
			found = !strcmp(ops[k].method, api_routes[i].method) &&
				!strcmp(ops[k].path, api_routes[i].pattern);

		if (!found)
			fail_msg("spec has %s %s, which is not routed",
				 ops[k].method, ops[k].path);
	}
}


static void test_json_check(void **state)
{
	static const char *good[] = {
		"{}", " {\"a\":1} ", "{\"a\":[1,2.5,-3e2,true,false,null]}",
		"{\"s\":\"\\u00e9\\n\\\"\"}", "{\"u\":\"caf\xc3\xa9\"}",
		"{\"n\":{\"m\":{}}}", "{\"big\":123456789012345678}",
	};
	static const char *bad[] = {
		"", "5", "[]", "\"x\"", "null", "{", "{\"a\":1} x",
		"{\"a\":1}{}", "{\"a\" 1}", "{a:1}", "{\"a\":01}",
		"{\"a\":1.}", "{\"a\":.5}", "{\"a\":+1}", "{\"a\":tru}",
		"{\"a\":\"\\x\"}", "{\"a\":\"\x01\"}", "{\"a\":\"\xff\"}",
		"{\"a\":\"\xc0\xaf\"}", "{\"a\":1,}", "{,}",
		"{\"a\":[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]}",
	};
	static const char *range[] = {
		"{\"a\":1e400}", "{\"a\":-1e999}", "{\"a\":12345678901234567890}",
	};

	for (size_t i = 0; i < ARRAY_SIZE(good); i++)
		assert_int_equal(0, json_check(good[i], strlen(good[i]), true));

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		if (json_check(bad[i], strlen(bad[i]), true) != EBADMSG)
			fail_msg("accepted bad JSON: %s", bad[i]);
	}

	for (size_t i = 0; i < ARRAY_SIZE(range); i++)
		assert_int_equal(ERANGE,
				 json_check(range[i], strlen(range[i]), true));
}


/* Check a body against a table; returns the field at fault or "" */
static const char *check(const char *json, const struct field *tbl,
			 size_t n, bool update)
{
	static char field[64];
	struct odict *od = NULL;
	struct field_err fe;

	assert_int_equal(0, json_decode_odict(&od, 8, json, strlen(json), 8));
	field[0] = '\0';
	if (schema_check(od, tbl, n, update, &fe)) {
		assert_true(strlen(fe.message) > 0);
		str_ncpy(field, fe.field, sizeof(field));
	}
	mem_deref(od);

	return field;
}


static void test_room_fields(void **state)
{
	static const struct {
		const char *json;
		bool update;
		const char *field;
	} cases[] = {
		{"{\"name\":\"demo\"}", false, ""},
		{"{\"name\":\"demo\",\"max_participants\":1,\"locked\":true,"
		 "\"persistent\":false,\"talkers_max\":0,"
		 "\"sample_rate\":48000}", false, ""},
		{"{\"name\":5}", false, "name"},
		{"{\"name\":\"\"}", false, "name"},
		{"{\"name\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		 "aaaaaaaaaaaaaa\"}", false, "name"},
		{"{\"max_participants\":0}", false, "max_participants"},
		{"{\"max_participants\":100001}", false, "max_participants"},
		{"{\"max_participants\":2.5}", false, "max_participants"},
		{"{\"max_participants\":\"7\"}", false, "max_participants"},
		{"{\"locked\":1}", false, "locked"},
		{"{\"talkers_max\":257}", false, "talkers_max"},
		{"{\"sample_rate\":16000}", false, "sample_rate"},
		{"{\"colour\":\"red\"}", false, "colour"},
		{"{\"locked\":false}", true, ""},
		{"{\"name\":\"x\"}", true, "name"},
		{"{\"sample_rate\":48000}", true, "sample_rate"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *f = check(cases[i].json, schema_room,
				      schema_room_count, cases[i].update);

		if (strcmp(f, cases[i].field))
			fail_msg("%s: got field '%s', want '%s'",
				 cases[i].json, f, cases[i].field);
	}
}


static void test_part_fields(void **state)
{
	assert_string_equal("", check("{\"muted\":true,\"deaf\":false,"
				      "\"gain_db\":-6.5}", schema_part,
				      schema_part_count, true));
	assert_string_equal("", check("{\"gain_db\":20}", schema_part,
				      schema_part_count, true));
	assert_string_equal("gain_db", check("{\"gain_db\":20.5}",
					     schema_part, schema_part_count,
					     true));
	assert_string_equal("gain_db", check("{\"gain_db\":-61}",
					     schema_part, schema_part_count,
					     true));
	assert_string_equal("muted", check("{\"muted\":\"yes\"}",
					   schema_part, schema_part_count,
					   true));
	assert_string_equal("id", check("{\"id\":3}", schema_part,
					schema_part_count, true));
	assert_string_equal("uri", check("{\"uri\":\"sip\"}", schema_dial,
					 schema_dial_count, false));
	assert_string_equal("", check("{\"uri\":\"sip:bob@192.0.2.1\"}",
				      schema_dial, schema_dial_count, false));
}


static void test_errno_to_status(void **state)
{
	static const struct {
		int err;
		uint16_t scode;
		const char *code;
	} map[] = {
		{0, 200, "ok"},
		{EINVAL, 400, "invalid_field"},
		{EPROTO, 400, "invalid_field"},
		{EPROTONOSUPPORT, 400, "invalid_field"},
		{EBADMSG, 400, "invalid_json"},
		{ERANGE, 400, "invalid_json"},
		{EACCES, 401, "unauthorized"},
		{ENOENT, 404, "not_found"},
		{EPERM, 405, "method_not_allowed"},
		{EEXIST, 409, "conflict"},
		{EBUSY, 409, "room_full"},
		{EFBIG, 413, "payload_too_large"},
		{ENOTSUP, 415, "unsupported_media_type"},
		{EAGAIN, 503, "not_ready"},
		{EIO, 503, "storage_error"},
		{ENOMEM, 503, "unavailable"},
		{EADDRINUSE, 503, "unavailable"},
		{EDOM, 500, "internal"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(map); i++) {
		const char *code, *reason;

		assert_int_equal(map[i].scode,
				 api_status(map[i].err, &code, &reason));
		assert_string_equal(map[i].code, code);
		assert_non_null(reason);
	}
}


static void test_json_str_escapes(void **state)
{
	char buf[128];

	re_snprintf(buf, sizeof(buf), "%H", json_str,
		    "a\"b\\c\n\x01 caf\xc3\xa9 \xff");
	assert_string_equal("a\\\"b\\\\c\\u000a\\u0001 caf\xc3\xa9 \\ufffd",
			    buf);
}


int main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		leak_test(test_routes_match_spec),
		leak_test(test_json_check),
		leak_test(test_room_fields),
		leak_test(test_part_fields),
		leak_test(test_errno_to_status),
		leak_test(test_json_str_escapes),
	};

	(void)argc;
	leak_init(argv);

	return cmocka_run_group_tests_name("api", tests, NULL, NULL);
}
