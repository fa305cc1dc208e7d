/**
 * @file test_sipcheck.c  Request screening: the response each malformed or
 * unsupported request gets (RFC 3261 8.2, RFC 4475)
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include "server/sipcheck.h"
#include "leak.h"

#define VIA "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1\r\n"
#define DLG "From: <sip:a@192.0.2.1>;tag=1\r\nTo: <sip:demo@192.0.2.2>\r\n" \
	"Call-ID: c1@192.0.2.1\r\nMax-Forwards: 70\r\n"


/* Decode text as a request and screen it; returns the status, 0 = pass */
static uint16_t screen(const char *text)
{
	struct mbuf *mb = mbuf_alloc(strlen(text));
	struct sip_msg *msg = NULL;
	struct sipcheck chk;
	uint16_t scode;

	mbuf_write_str(mb, text);
	mb->pos = 0;
	assert_int_equal(0, sip_msg_decode(&msg, mb));

	scode = sipcheck_request(msg, &chk) ? 0 : chk.scode;
	if (scode)
		assert_non_null(chk.reason);

	mem_deref(msg);
	mem_deref(mb);

	return scode;
}


static void test_valid_requests_pass(void **state)
{
	assert_int_equal(0, screen("OPTIONS sip:demo@192.0.2.2 SIP/2.0\r\n"
		VIA DLG "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"));

	assert_int_equal(0, screen("INVITE sip:demo@192.0.2.2 SIP/2.0\r\n"
		VIA DLG "CSeq: 4294967295 INVITE\r\n"
		"Content-Type: application/sdp\r\nContent-Length: 4\r\n\r\n"
		"v=0\n"));

	/* a Require on an ACK is never refused (RFC 3261 8.2.2.3) */
	assert_int_equal(0, screen("ACK sip:demo@192.0.2.2 SIP/2.0\r\n"
		VIA DLG "CSeq: 1 ACK\r\nRequire: foo\r\n"
		"Content-Length: 0\r\n\r\n"));
}


static void test_methods(void **state)
{
	/* a minimal registrar answers it */
	assert_int_equal(0, screen("REGISTER sip:192.0.2.2 SIP/2.0\r\n"
		VIA DLG "CSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n"));

	assert_int_equal(405, screen("SUBSCRIBE sip:demo@192.0.2.2 SIP/2.0\r\n"
		VIA DLG "CSeq: 1 SUBSCRIBE\r\nContent-Length: 0\r\n\r\n"));

	assert_int_equal(501, screen("NEWMETHOD sip:demo@192.0.2.2 SIP/2.0\r\n"
		VIA DLG "CSeq: 1 NEWMETHOD\r\nContent-Length: 0\r\n\r\n"));

	/* RFC 4475 3.1.2.18: unknown method with a CSeq mismatch: 501 */
	assert_int_equal(501, screen("NEWMETHOD sip:demo@192.0.2.2 SIP/2.0\r\n"
		VIA DLG "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"));

	/* RFC 4475 3.1.2.17 */
	assert_int_equal(400, screen("OPTIONS sip:demo@192.0.2.2 SIP/2.0\r\n"
		VIA DLG "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"));
}


static void test_scalars(void **state)
{
	/* RFC 4475 3.1.2.4: CSeq beyond 32 bits */
	assert_int_equal(400, screen("OPTIONS sip:demo@192.0.2.2 SIP/2.0\r\n"
		VIA DLG "CSeq: 36893488147419103232 OPTIONS\r\n"
		"Content-Length: 0\r\n\r\n"));

	/* RFC 4475 3.1.2.2: Content-Length beyond the datagram */
	assert_int_equal(400, screen("OPTIONS sip:demo@192.0.2.2 SIP/2.0\r\n"
		VIA DLG "CSeq: 1 OPTIONS\r\nContent-Length: 9999\r\n\r\n"
		"v=0\r\n"));

	/* RFC 4475 3.3.8: two Call-IDs */
	assert_int_equal(400, screen("OPTIONS sip:demo@192.0.2.2 SIP/2.0\r\n"
		VIA DLG "Call-ID: other@192.0.2.1\r\nCSeq: 1 OPTIONS\r\n"
		"Content-Length: 0\r\n\r\n"));
}


static void test_uri_version_require_body(void **state)
{
	assert_int_equal(416, screen("OPTIONS tel:+15551234 SIP/2.0\r\n"
		VIA DLG "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"));

	assert_int_equal(420, screen("OPTIONS sip:demo@192.0.2.2 SIP/2.0\r\n"
		VIA DLG "CSeq: 1 OPTIONS\r\nRequire: nothing-known\r\n"
		"Content-Length: 0\r\n\r\n"));

	assert_int_equal(415, screen("INVITE sip:demo@192.0.2.2 SIP/2.0\r\n"
		VIA DLG "CSeq: 1 INVITE\r\nContent-Type: text/plain\r\n"
		"Content-Length: 2\r\n\r\nhi"));
}


static void test_header_syntax(void **state)
{
	static const char *good[] = {
		"<sip:a@b>;tag=1",
		"\"J Rosenberg \\\\\\\"\" <sip:j@example.com> ; tag = 9",
		"\"a;;b,,c\" <sip:a@b>",
		"SIP/2.0/UDP 192.0.2.2;branch=z9hG4bK1, SIP/2.0/TCP h;x",
		"<sip:a@b;lr;;odd>",   /* inside <> is the URI's business */
		"sip:a@b",
	};
	static const char *bad[] = {
		"SIP/2.0/UDP h;;branch=z9hG4bK1",        /* RFC 4475 3.1.2.1 */
		"SIP/2.0/UDP h;branch=1;,;,,",
		"<sip:a@b>;;;;",
		"\"unterminated <sip:a@b>",              /* RFC 4475 3.1.2.6 */
		"<sip:a@b",
		"sip:a@b>",
		"<sip:a@b>;",
		"<sip:a@b>,,<sip:c@d>",
	};
	struct pl pl;

	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		pl_set_str(&pl, good[i]);
		assert_true(sipcheck_hdr_syntax(&pl));
	}

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		pl_set_str(&pl, bad[i]);
		assert_false(sipcheck_hdr_syntax(&pl));
	}
}


static void test_uint32(void **state)
{
	struct pl pl;

	pl_set_str(&pl, "4294967295");
	assert_true(sipcheck_uint32(&pl));
	pl_set_str(&pl, "0009");
	assert_true(sipcheck_uint32(&pl));
	pl_set_str(&pl, "4294967296");
	assert_false(sipcheck_uint32(&pl));
	pl_set_str(&pl, "-999");
	assert_false(sipcheck_uint32(&pl));
	pl_set_str(&pl, "five");
	assert_false(sipcheck_uint32(&pl));
	pl_set_str(&pl, "");
	assert_false(sipcheck_uint32(&pl));
}


int main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		/* the first use of libre's SIP decoder leaves one-time
		 * state behind: a first run, unchecked */
		cmocka_unit_test(test_valid_requests_pass),
		leak_test(test_valid_requests_pass),
		leak_test(test_methods),
		leak_test(test_scalars),
		leak_test(test_uri_version_require_body),
		leak_test(test_header_syntax),
		leak_test(test_uint32),
	};


	(void)argc;
	leak_init(argv);

	return cmocka_run_group_tests_name("sipcheck", tests, NULL, NULL);
}
