/**
 * @file test_registrar.c  The registrar: bindings added, refreshed,
 * removed and expired, and the answer to each REGISTER (RFC 3261 10.3)
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include "server/registrar.h"
#include "leak.h"

#define S 1000ULL   /* one second [ms] */

static const struct registrar_prm prm = {
	.expires_default = 600,
	.expires_min     = 60,
	.expires_max     = 3600,
	.max_bindings    = 6,
	.max_per_aor     = 3,
};

/* The answer to the last REGISTER: its headers */
static char hdrs[4096];


static int setup(void **state)
{
	struct registrar *r = NULL;
	int err = registrar_alloc(&r, &prm);

	*state = r;

	return err;
}


static int teardown(void **state)
{
	mem_deref(*state);

	return 0;
}


/* Decode a REGISTER from aor's phone with the given Call-ID, CSeq and
 * extra header lines (Contact, Expires), hand it to the registrar at
 * now; returns the status, the answer's headers in hdrs */
static uint16_t reg(struct registrar *r, const char *aor, uint64_t now,
		    const char *callid, uint32_t cseq, const char *extra)
{
	struct mbuf *mb = mbuf_alloc(1024), *out = mbuf_alloc(256);
	struct sip_msg *msg = NULL;
	uint16_t scode = 0;

	assert_int_equal(0, mbuf_printf(mb,
		"REGISTER sip:192.0.2.2 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK%u\r\n"
		"From: <sip:%s@192.0.2.2>;tag=1\r\n"
		"To: <sip:%s@192.0.2.2>\r\n"
		"Call-ID: %s\r\nCSeq: %u REGISTER\r\nMax-Forwards: 70\r\n"
		"%sContent-Length: 0\r\n\r\n",
		cseq, aor, aor, callid, cseq, extra));
	mb->pos = 0;
	assert_int_equal(0, sip_msg_decode(&msg, mb));

	assert_int_equal(0, registrar_register(r, msg, aor, now, out,
					       &scode));

	assert_true(out->end < sizeof(hdrs));
	memcpy(hdrs, out->buf, out->end);
	hdrs[out->end] = '\0';

	mem_deref(msg);
	mem_deref(mb);
	mem_deref(out);

	return scode;
}


/* A query: the current bindings, in hdrs */
static const char *query(struct registrar *r, const char *aor, uint64_t now)
{
	assert_int_equal(200, reg(r, aor, now, "q@192.0.2.1", 1, ""));

	return hdrs;
}


static void test_expires_sources(void **state)
{
	struct registrar *r = *state;

	/* the Contact's parameter first, over the header */
	assert_int_equal(200, reg(r, "alice", 0, "a@h", 1,
		"Contact: <sip:alice@192.0.2.1:5060>;expires=120\r\n"
		"Expires: 300\r\n"));
	assert_string_equal(hdrs,
		"Contact: <sip:alice@192.0.2.1:5060>;expires=120\r\n");

	assert_int_equal(200, reg(r, "bob", 0, "b@h", 1,
		"Contact: <sip:bob@192.0.2.3>\r\nExpires: 300\r\n"));
	assert_string_equal(hdrs,
		"Contact: <sip:bob@192.0.2.3>;expires=300\r\n");

	assert_int_equal(200, reg(r, "carol", 0, "c@h", 1,
		"Contact: sip:carol@192.0.2.4;expires=xyz\r\n"));
	assert_string_equal(hdrs,
		"Contact: <sip:carol@192.0.2.4>;expires=3600\r\n");

	assert_int_equal(200, reg(r, "dave", 0, "d@h", 1,
		"Contact: \"Dave, the\" "
		"<sip:dave@192.0.2.5;transport=tcp>\r\n"));
	assert_string_equal(hdrs,
		"Contact: <sip:dave@192.0.2.5;transport=tcp>;expires=600\r\n");

	assert_string_equal("sip:alice@192.0.2.1:5060",
			    registrar_lookup(r, "alice", 0));
	assert_int_equal(4, registrar_count(r, 0));

	/* the seconds left, rounded up */
	assert_string_equal(query(r, "alice", 30 * S + 500),
		"Contact: <sip:alice@192.0.2.1:5060>;expires=90\r\n");

	assert_non_null(registrar_lookup(r, "alice", 120 * S - 1));
	assert_null(registrar_lookup(r, "alice", 120 * S));
	assert_string_equal(query(r, "alice", 120 * S), "");
	assert_int_equal(3, registrar_count(r, 120 * S));
	assert_int_equal(2, registrar_count(r, 300 * S));
	assert_int_equal(1, registrar_count(r, 600 * S));
	assert_null(registrar_lookup(r, "dave", 600 * S));
	assert_int_equal(0, registrar_count(r, 3600 * S));
	assert_null(registrar_lookup(r, "nobody", 0));
}


static void test_refresh(void **state)
{
	struct registrar *r = *state;
	static const char both_before[] =
		"Contact: <sip:alice@192.0.2.1>;expires=100\r\n"
		"Contact: <sip:alice@192.0.2.9>;expires=200\r\n";

	assert_int_equal(200, reg(r, "alice", 0, "one@h", 5,
		"Contact: <sip:alice@192.0.2.1>;expires=100\r\n"));
	assert_int_equal(200, reg(r, "alice", 0, "two@h", 1,
		"Contact: <sip:alice@192.0.2.9>;expires=200\r\n"));
	assert_string_equal(hdrs, both_before);
	assert_int_equal(2, registrar_count(r, 0));

	/* same Call-ID, a CSeq not higher: refused, nothing changes */
	assert_int_equal(500, reg(r, "alice", 0, "one@h", 5,
		"Contact: <sip:alice@192.0.2.1>;expires=900\r\n"));
	assert_string_equal(hdrs, "");
	assert_int_equal(500, reg(r, "alice", 0, "one@h", 4,
		"Contact: <sip:alice@192.0.2.1>;expires=0\r\n"));
	assert_string_equal(query(r, "alice", 0), both_before);

	/* and the whole request, a new contact beside it included */
	assert_int_equal(500, reg(r, "alice", 0, "one@h", 5,
		"Contact: <sip:alice@192.0.2.7>, <sip:alice@192.0.2.1>\r\n"));
	assert_string_equal(query(r, "alice", 0), both_before);
	assert_int_equal(2, registrar_count(r, 0));

	/* higher: updated, and now the most recent */
	assert_int_equal(200, reg(r, "alice", 10 * S, "one@h", 6,
		"Contact: <SIP:alice@192.0.2.1>;expires=900\r\n"));
	assert_string_equal(hdrs,
		"Contact: <sip:alice@192.0.2.9>;expires=190\r\n"
		"Contact: <SIP:alice@192.0.2.1>;expires=900\r\n");
	assert_int_equal(2, registrar_count(r, 10 * S));

	/* another Call-ID updates whatever its CSeq (a rebooted phone) */
	assert_int_equal(200, reg(r, "alice", 10 * S, "three@h", 1,
		"Contact: <sip:alice@192.0.2.9>;expires=60\r\n"));
	assert_string_equal(hdrs,
		"Contact: <SIP:alice@192.0.2.1>;expires=900\r\n"
		"Contact: <sip:alice@192.0.2.9>;expires=60\r\n");
}


static void test_remove(void **state)
{
	struct registrar *r = *state;

	assert_int_equal(200, reg(r, "alice", 0, "a@h", 1,
		"Contact: <sip:alice@192.0.2.1>, <sip:alice@192.0.2.2>, "
		"<sip:alice@192.0.2.3>\r\n"));
	assert_int_equal(200, reg(r, "bob", 0, "b@h", 1,
		"Contact: <sip:bob@192.0.2.1>\r\n"));
	assert_int_equal(4, registrar_count(r, 0));

	/* expires=0: that contact only */
	assert_int_equal(200, reg(r, "alice", 0, "a@h", 2,
		"Contact: <sip:alice@192.0.2.2>;expires=0\r\n"));
	assert_string_equal(hdrs,
		"Contact: <sip:alice@192.0.2.1>;expires=600\r\n"
		"Contact: <sip:alice@192.0.2.3>;expires=600\r\n");

	/* removing one that is not there: nothing */
	assert_int_equal(200, reg(r, "alice", 0, "a@h", 3,
		"Contact: <sip:alice@192.0.2.8>\r\nExpires: 0\r\n"));
	assert_int_equal(3, registrar_count(r, 0));

	/* "*" needs Expires: 0 and nothing beside it (RFC 3261 10.3 6) */
	assert_int_equal(400, reg(r, "alice", 0, "a@h", 4,
		"Contact: *\r\nExpires: 60\r\n"));
	assert_int_equal(400, reg(r, "alice", 0, "a@h", 5, "Contact: *\r\n"));
	assert_int_equal(400, reg(r, "alice", 0, "a@h", 6,
		"Contact: *\r\nContact: <sip:alice@192.0.2.1>\r\n"
		"Expires: 0\r\n"));
	assert_int_equal(400, reg(r, "alice", 0, "a@h", 7,
		"Contact: <sip:alice@192.0.2.1>, *\r\nExpires: 0\r\n"));
	assert_string_equal(hdrs, "");
	assert_int_equal(3, registrar_count(r, 0));

	/* and obeys the CSeq rule too */
	assert_int_equal(500, reg(r, "alice", 0, "a@h", 1,
		"Contact: *\r\nExpires: 0\r\n"));
	assert_int_equal(3, registrar_count(r, 0));

	assert_int_equal(200, reg(r, "alice", 0, "other@h", 1,
		"Contact: *\r\nExpires: 0\r\n"));
	assert_string_equal(hdrs, "");
	assert_null(registrar_lookup(r, "alice", 0));
	assert_string_equal("sip:bob@192.0.2.1",
			    registrar_lookup(r, "bob", 0));
	assert_int_equal(1, registrar_count(r, 0));

	/* "*" for an AOR with no binding */
	assert_int_equal(200, reg(r, "carol", 0, "c@h", 1,
		"Contact: *\r\nExpires: 0\r\n"));
}


static void test_expires_limits(void **state)
{
	struct registrar *r = *state;

	/* RFC 3261 10.3 step 7: too short, 423 with Min-Expires */
	assert_int_equal(423, reg(r, "alice", 0, "a@h", 1,
		"Contact: <sip:alice@192.0.2.1>;expires=59\r\n"));
	assert_string_equal(hdrs, "Min-Expires: 60\r\n");
	assert_int_equal(423, reg(r, "alice", 0, "a@h", 2,
		"Contact: <sip:alice@192.0.2.1>\r\nExpires: 1\r\n"));
	assert_int_equal(0, registrar_count(r, 0));

	assert_int_equal(200, reg(r, "alice", 0, "a@h", 3,
		"Contact: <sip:alice@192.0.2.1>;expires=60\r\n"));
	assert_string_equal(hdrs,
		"Contact: <sip:alice@192.0.2.1>;expires=60\r\n");

	/* too long, cut; past 32 bits too */
	assert_int_equal(200, reg(r, "bob", 0, "b@h", 1,
		"Contact: <sip:bob@192.0.2.1>;expires=86400\r\n"));
	assert_string_equal(hdrs,
		"Contact: <sip:bob@192.0.2.1>;expires=3600\r\n");
	assert_int_equal(200, reg(r, "carol", 0, "c@h", 1,
		"Contact: <sip:carol@192.0.2.1>\r\n"
		"Expires: 99999999999999999999\r\n"));
	assert_string_equal(hdrs,
		"Contact: <sip:carol@192.0.2.1>;expires=3600\r\n");
}


static void test_query(void **state)
{
	struct registrar *r = *state;

	assert_string_equal(query(r, "alice", 0), "");

	assert_int_equal(200, reg(r, "alice", 0, "a@h", 1,
		"Contact: <sip:alice@192.0.2.1>;expires=100, "
		"<sips:alice@[2001:db8::1]:5061>;expires=200\r\n"));
	assert_string_equal(query(r, "alice", 50 * S),
		"Contact: <sip:alice@192.0.2.1>;expires=50\r\n"
		"Contact: <sips:alice@[2001:db8::1]:5061>;expires=150\r\n");
	assert_int_equal(2, registrar_count(r, 50 * S));
}


static void test_limits(void **state)
{
	struct registrar *r = *state;

	/* per AOR: the least recently written binding replaced */
	assert_int_equal(200, reg(r, "alice", 0, "a@h", 1,
		"Contact: <sip:alice@192.0.2.1>, <sip:alice@192.0.2.2>, "
		"<sip:alice@192.0.2.3>\r\n"));
	assert_int_equal(200, reg(r, "alice", 0, "a@h", 2,
		"Contact: <sip:alice@192.0.2.1>;expires=120\r\n"));
	assert_int_equal(200, reg(r, "alice", 0, "b@h", 1,
		"Contact: <sip:alice@192.0.2.4>;expires=60\r\n"));
	assert_string_equal(hdrs,
		"Contact: <sip:alice@192.0.2.3>;expires=600\r\n"
		"Contact: <sip:alice@192.0.2.1>;expires=120\r\n"
		"Contact: <sip:alice@192.0.2.4>;expires=60\r\n");
	assert_int_equal(3, registrar_count(r, 0));

	/* more new contacts in one request than an AOR may hold */
	assert_int_equal(503, reg(r, "bob", 0, "b@h", 1,
		"Contact: <sip:bob@192.0.2.1>, <sip:bob@192.0.2.2>, "
		"<sip:bob@192.0.2.3>, <sip:bob@192.0.2.4>\r\n"));
	assert_string_equal(hdrs, "");

	/* in all: max_bindings (6) */
	assert_int_equal(200, reg(r, "bob", 0, "b@h", 2,
		"Contact: <sip:bob@192.0.2.1>, <sip:bob@192.0.2.2>\r\n"));
	assert_int_equal(200, reg(r, "carol", 0, "c@h", 1,
		"Contact: <sip:carol@192.0.2.1>;expires=60\r\n"));
	assert_int_equal(6, registrar_count(r, 0));
	assert_int_equal(503, reg(r, "dave", 0, "d@h", 1,
		"Contact: <sip:dave@192.0.2.1>\r\n"));
	assert_null(registrar_lookup(r, "dave", 0));

	/* a refresh, a removal and a replacement still work when full */
	assert_int_equal(200, reg(r, "carol", 0, "c@h", 2,
		"Contact: <sip:carol@192.0.2.1>;expires=60\r\n"));
	assert_int_equal(200, reg(r, "alice", 0, "b@h", 2,
		"Contact: <sip:alice@192.0.2.5>;expires=60\r\n"));
	assert_int_equal(6, registrar_count(r, 0));
	assert_int_equal(200, reg(r, "carol", 0, "c@h", 3,
		"Contact: <sip:carol@192.0.2.1>;expires=0\r\n"));
	assert_int_equal(200, reg(r, "dave", 0, "d@h", 2,
		"Contact: <sip:dave@192.0.2.1>\r\n"));
	assert_int_equal(503, reg(r, "erin", 0, "e@h", 1,
		"Contact: <sip:erin@192.0.2.1>\r\n"));

	/* the expired ones (of other AORs) make room */
	assert_int_equal(200, reg(r, "erin", 60 * S, "e@h", 2,
		"Contact: <sip:erin@192.0.2.1>\r\n"));
	assert_int_equal(5, registrar_count(r, 60 * S));
}


static void test_bad_contact(void **state)
{
	struct registrar *r = *state;
	char extra[1024], host[600];

	assert_int_equal(400, reg(r, "alice", 0, "a@h", 1,
		"Contact: <junk>\r\n"));
	assert_string_equal(hdrs, "");
	assert_int_equal(400, reg(r, "alice", 0, "a@h", 2,
		"Contact: <tel:+15551234>\r\n"));
	assert_int_equal(400, reg(r, "alice", 0, "a@h", 3,
		"Contact: <sip:>\r\n"));
	/* one bad, one good: neither */
	assert_int_equal(400, reg(r, "alice", 0, "a@h", 4,
		"Contact: <sip:alice@192.0.2.1>, <http://x>\r\n"));
	/* the same contact twice */
	assert_int_equal(400, reg(r, "alice", 0, "a@h", 5,
		"Contact: <sip:alice@192.0.2.1>, <sip:alice@192.0.2.1>\r\n"));
	assert_int_equal(0, registrar_count(r, 0));

	/* 512 bytes of URI: stored; 513: refused */
	memset(host, 'h', sizeof(host));
	host[512 - strlen("sip:a@")] = '\0';
	snprintf(extra, sizeof(extra), "Contact: <sip:a@%s>\r\n", host);
	assert_int_equal(200, reg(r, "alice", 0, "a@h", 6, extra));
	assert_int_equal(1, registrar_count(r, 0));

	host[512 - strlen("sip:a@")] = 'h';
	host[513 - strlen("sip:a@")] = '\0';
	snprintf(extra, sizeof(extra), "Contact: <sip:b@%s>\r\n", host);
	assert_int_equal(400, reg(r, "alice", 0, "a@h", 7, extra));
	assert_int_equal(1, registrar_count(r, 0));

	/* a Call-ID past 256 bytes is not stored either */
	host[256] = '\0';
	assert_int_equal(200, reg(r, "bob", 0, host, 1,
		"Contact: <sip:bob@192.0.2.1>\r\n"));
	host[256] = 'h';
	host[257] = '\0';
	assert_int_equal(400, reg(r, "carol", 0, host, 1,
		"Contact: <sip:carol@192.0.2.1>\r\n"));
	assert_int_equal(2, registrar_count(r, 0));
}


static void test_lookup_recent(void **state)
{
	struct registrar *r = *state;

	assert_int_equal(200, reg(r, "alice", 0, "desk@h", 1,
		"Contact: <sip:alice@192.0.2.1>\r\n"));
	assert_int_equal(200, reg(r, "alice", 1 * S, "mobile@h", 1,
		"Contact: <sip:alice@192.0.2.2>;expires=60\r\n"));
	assert_string_equal("sip:alice@192.0.2.2",
			    registrar_lookup(r, "alice", 1 * S));

	/* a refresh makes it the most recent */
	assert_int_equal(200, reg(r, "alice", 2 * S, "desk@h", 2,
		"Contact: <sip:alice@192.0.2.1>\r\n"));
	assert_string_equal("sip:alice@192.0.2.1",
			    registrar_lookup(r, "alice", 2 * S));

	/* in one request, the last contact */
	assert_int_equal(200, reg(r, "bob", 0, "b@h", 1,
		"Contact: <sip:bob@192.0.2.1>, <sip:bob@192.0.2.2>\r\n"));
	assert_string_equal("sip:bob@192.0.2.2",
			    registrar_lookup(r, "bob", 0));

	/* the most recent gone: the one before */
	assert_int_equal(200, reg(r, "alice", 3 * S, "desk@h", 3,
		"Contact: <sip:alice@192.0.2.1>;expires=0\r\n"));
	assert_string_equal("sip:alice@192.0.2.2",
			    registrar_lookup(r, "alice", 3 * S));
	assert_null(registrar_lookup(r, "alice", 61 * S));
}


static void test_alloc(void **state)
{
	struct registrar_prm p = prm;
	struct registrar *r = NULL;

	assert_int_equal(0, registrar_alloc(&r, &p));
	mem_deref(r);

	p.expires_min = p.expires_default + 1;
	assert_int_equal(EINVAL, registrar_alloc(&r, &p));
	p = prm;
	p.expires_default = p.expires_max + 1;
	assert_int_equal(EINVAL, registrar_alloc(&r, &p));
	p = prm;
	p.max_bindings = 0;
	assert_int_equal(EINVAL, registrar_alloc(&r, &p));
	p = prm;
	p.max_per_aor = 0;
	assert_int_equal(EINVAL, registrar_alloc(&r, &p));
	assert_int_equal(EINVAL, registrar_alloc(&r, NULL));

	assert_null(registrar_lookup(NULL, "alice", 0));
	assert_int_equal(0, registrar_count(NULL, 0));
}


int main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		/* the first use of libre's SIP decoder leaves one-time
		 * state behind: a first run, unchecked */
		cmocka_unit_test_setup_teardown(test_query, setup, teardown),
		leak_test_setup_teardown(test_expires_sources, setup,
					 teardown),
		leak_test_setup_teardown(test_refresh, setup, teardown),
		leak_test_setup_teardown(test_remove, setup, teardown),
		leak_test_setup_teardown(test_expires_limits, setup,
					 teardown),
		leak_test_setup_teardown(test_query, setup, teardown),
		leak_test_setup_teardown(test_limits, setup, teardown),
		leak_test_setup_teardown(test_bad_contact, setup, teardown),
		leak_test_setup_teardown(test_lookup_recent, setup,
					 teardown),
		leak_test(test_alloc),
	};

	(void)argc;
	leak_init(argv);

	return cmocka_run_group_tests_name("registrar", tests, NULL, NULL);
}
