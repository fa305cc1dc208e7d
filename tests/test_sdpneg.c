/**
 * @file test_sdpneg.c  SDP offer/answer: codec choice, telephone-event,
 * declined m-lines, direction, ptime (RFC 3264)
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include "server/codec.h"
#include "server/sdpneg.h"
#include "leak.h"

struct fixture {
	struct sdpneg *neg;
	struct mbuf *answer;
	struct sdpneg_result res;
};


static int setup(void **state)
{
	static struct fixture f;
	struct sa laddr;

	memset(&f, 0, sizeof(f));
	sa_set_str(&laddr, "192.0.2.10", 0);
	assert_int_equal(0, sdpneg_alloc(&f.neg, &laddr, 20000, 0));
	*state = &f;

	return 0;
}


static int teardown(void **state)
{
	struct fixture *f = *state;

	/* leaks are caught by the ASan/LSan run of the suite */
	mem_deref(f->answer);
	mem_deref(f->neg);

	return 0;
}


static int answer(struct fixture *f, const char *sdp)
{
	struct mbuf *mb = mbuf_alloc(strlen(sdp));
	int err;

	assert_non_null(mb);
	mbuf_write_str(mb, sdp);
	mb->pos = 0;

	f->answer = mem_deref(f->answer);
	err = sdpneg_answer(f->neg, mb, &f->answer, &f->res);
	mem_deref(mb);

	return err;
}


/* the answer as a NUL-terminated string, for strstr() */
static const char *answer_str(struct fixture *f)
{
	static char buf[2048];

	assert_non_null(f->answer);
	assert_true(f->answer->end < sizeof(buf));
	memcpy(buf, f->answer->buf, f->answer->end);
	buf[f->answer->end] = '\0';

	return buf;
}

#define HDR "v=0\r\no=- 1 1 IN IP4 198.51.100.7\r\ns=-\r\n" \
	"c=IN IP4 198.51.100.7\r\nt=0 0\r\n"


static void test_opus_only(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(0, answer(f, HDR
		"m=audio 4000 RTP/AVP 96\r\n"
		"a=rtpmap:96 opus/48000/2\r\n"
		"a=fmtp:96 useinbandfec=1\r\n"));

	assert_int_equal(CODEC_OPUS, f->res.codec->id);
	assert_int_equal(96, f->res.pt);
	assert_int_equal(-1, f->res.telev_pt);
	assert_int_equal(20, f->res.ptime);
	assert_int_equal(4000, sa_port(&f->res.raddr));
	assert_true(f->res.send && f->res.recv);

	/* offerer's payload type, our address, only opus */
	assert_non_null(strstr(answer_str(f), "m=audio 20000 RTP/AVP 96\r\n"));
	assert_non_null(strstr(answer_str(f), "c=IN IP4 192.0.2.10\r\n"));
	assert_non_null(strstr(answer_str(f), "a=rtpmap:96 opus/48000/2"));
	assert_null(strstr(answer_str(f), "PCMU"));
}


static void test_pcmu_only(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(0, answer(f, HDR
		"m=audio 4000 RTP/AVP 0\r\n"
		"a=ptime:30\r\n"));

	assert_int_equal(CODEC_PCMU, f->res.codec->id);
	assert_int_equal(0, f->res.pt);
	assert_int_equal(30, f->res.ptime);
	assert_non_null(strstr(answer_str(f), "m=audio 20000 RTP/AVP 0\r\n"));
	assert_non_null(strstr(answer_str(f), "a=ptime:30\r\n"));
}


static void test_offer_order_wins(void **state)
{
	struct fixture *f = *state;

	/* RFC 3264 6.1: the offerer's order is its preference */
	assert_int_equal(0, answer(f, HDR
		"m=audio 4000 RTP/AVP 9 0 96\r\n"
		"a=rtpmap:9 G722/8000\r\n"
		"a=rtpmap:96 opus/48000/2\r\n"));

	assert_int_equal(CODEC_G722, f->res.codec->id);
	assert_int_equal(8000, f->res.codec->clock);
	assert_int_equal(16000, f->res.codec->srate);
	assert_non_null(strstr(answer_str(f), "m=audio 20000 RTP/AVP 9\r\n"));
}


static void test_no_common_codec(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(ENOTSUP, answer(f, HDR
		"m=audio 4000 RTP/AVP 3 97\r\n"
		"a=rtpmap:97 speex/8000\r\n"));
	assert_null(f->answer);
}


static void test_telephone_event(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(0, answer(f, HDR
		"m=audio 4000 RTP/AVP 8 101\r\n"
		"a=rtpmap:101 telephone-event/8000\r\n"
		"a=fmtp:101 0-16\r\n"));

	assert_int_equal(CODEC_PCMA, f->res.codec->id);
	assert_int_equal(101, f->res.telev_pt);
	assert_non_null(strstr(answer_str(f), "RTP/AVP 8 101\r\n"));
	assert_non_null(strstr(answer_str(f),
			       "a=rtpmap:101 telephone-event/8000"));
}


static void test_video_declined(void **state)
{
	struct fixture *f = *state;
	const char *a;

	assert_int_equal(0, answer(f, HDR
		"m=audio 4000 RTP/AVP 0\r\n"
		"m=video 4002 RTP/AVP 100\r\n"
		"a=rtpmap:100 VP8/90000\r\n"));

	a = answer_str(f);
	assert_int_equal(CODEC_PCMU, f->res.codec->id);
	/* RFC 3264 6: every offered m-line is answered, rejected ones with
	 * port 0, in the offer's order */
	assert_non_null(strstr(a, "m=video 0 RTP/AVP"));
	assert_true(strstr(a, "m=audio") < strstr(a, "m=video"));
}


static void test_several_mlines(void **state)
{
	struct fixture *f = *state;
	const char *a;

	assert_int_equal(0, answer(f, HDR
		"m=video 4002 RTP/AVP 100\r\n"
		"a=rtpmap:100 H264/90000\r\n"
		"m=audio 4000 RTP/AVP 96 0\r\n"
		"a=rtpmap:96 opus/48000/2\r\n"
		"m=audio 4004 RTP/AVP 0\r\n"
		"m=application 4006 UDP/BFCP *\r\n"));

	a = answer_str(f);
	assert_int_equal(CODEC_OPUS, f->res.codec->id);
	assert_int_equal(4000, sa_port(&f->res.raddr));
	/* four m-lines in, four out; only the first audio is taken */
	assert_non_null(strstr(a, "m=video 0 "));
	assert_non_null(strstr(a, "m=audio 20000 RTP/AVP 96\r\n"));
	assert_non_null(strstr(a, "m=audio 0 "));
	assert_non_null(strstr(a, "m=application 0 "));
	assert_true(strstr(a, "m=video") < strstr(a, "m=audio 20000"));
}


static void test_hold_and_unhold(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(0, answer(f, HDR
		"m=audio 4000 RTP/AVP 0\r\na=sendonly\r\n"));
	assert_false(f->res.send);
	assert_true(f->res.recv);
	assert_non_null(strstr(answer_str(f), "a=recvonly\r\n"));

	assert_int_equal(0, answer(f, HDR
		"m=audio 4000 RTP/AVP 0\r\na=inactive\r\n"));
	assert_false(f->res.send);
	assert_false(f->res.recv);
	assert_non_null(strstr(answer_str(f), "a=inactive\r\n"));

	assert_int_equal(0, answer(f, HDR "m=audio 4000 RTP/AVP 0\r\n"));
	assert_true(f->res.send && f->res.recv);
	assert_non_null(strstr(answer_str(f), "a=sendrecv\r\n"));
}


static void test_codec_change(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(0, answer(f, HDR "m=audio 4000 RTP/AVP 0\r\n"));
	assert_int_equal(CODEC_PCMU, f->res.codec->id);

	assert_int_equal(0, answer(f, HDR
		"m=audio 4010 RTP/AVP 9\r\n"));
	assert_int_equal(CODEC_G722, f->res.codec->id);
	assert_int_equal(4010, sa_port(&f->res.raddr));
}


static void test_bad_ptime_falls_back(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(0, answer(f, HDR
		"m=audio 4000 RTP/AVP 0\r\na=ptime:7\r\n"));
	assert_int_equal(20, f->res.ptime);

	/* 30 ms is no Opus frame size (RFC 6716 2.1.4) */
	assert_int_equal(0, answer(f, HDR
		"m=audio 4000 RTP/AVP 96\r\na=rtpmap:96 opus/48000/2\r\n"
		"a=ptime:30\r\n"));
	assert_int_equal(20, f->res.ptime);

	assert_int_equal(0, answer(f, HDR
		"m=audio 4000 RTP/AVP 96\r\na=rtpmap:96 opus/48000/2\r\n"
		"a=ptime:40\r\n"));
	assert_int_equal(40, f->res.ptime);
}


static void test_refused_reoffer_keeps_session(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(0, answer(f, HDR "m=audio 4000 RTP/AVP 0\r\n"));

	/* RFC 3261 14.2: a refused re-INVITE leaves the session as it was */
	assert_int_equal(ENOTSUP, answer(f, HDR
		"m=audio 4000 RTP/AVP 18\r\na=rtpmap:18 G729/8000\r\n"));

	/* a re-INVITE without SDP then gets an offer with audio on */
	{
		struct mbuf *offer = NULL;
		char buf[2048];

		assert_int_equal(0, sdpneg_offer(f->neg, &offer));
		assert_true(offer->end < sizeof(buf));
		memcpy(buf, offer->buf, offer->end);
		buf[offer->end] = '\0';
		assert_non_null(strstr(buf, "m=audio 20000 "));
		mem_deref(offer);
	}
}


static void test_audio_level_extension(void **state)
{
	struct fixture *f = *state;

	/* RFC 6464 offered with id 3: answered with the same id */
	assert_int_equal(0, answer(f, HDR
		"m=audio 4000 RTP/AVP 0\r\n"
		"a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
		"a=extmap:3/sendonly urn:ietf:params:rtp-hdrext:ssrc-audio-level"
		" vad=on\r\n"));
	assert_int_equal(3, f->res.level_id);
	assert_non_null(strstr(answer_str(f), "a=extmap:3 "
		"urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"));
	assert_null(strstr(answer_str(f), "sdes:mid"));

	/* not offered again: not answered, not used */
	assert_int_equal(0, answer(f, HDR "m=audio 4000 RTP/AVP 0\r\n"));
	assert_int_equal(0, f->res.level_id);
	assert_null(strstr(answer_str(f), "extmap"));

	/* a two-byte-header id (> 14) is not one we read */
	assert_int_equal(0, answer(f, HDR "m=audio 4000 RTP/AVP 0\r\n"
		"a=extmap:15 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"));
	assert_int_equal(0, f->res.level_id);
}


static void test_srtp_profile_refused(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(ENOTSUP, answer(f, HDR
		"m=audio 4000 RTP/SAVP 0\r\n"));
}


static void test_garbage(void **state)
{
	struct fixture *f = *state;

	assert_int_not_equal(0, answer(f, "hello world\r\n"));
	assert_int_not_equal(0, answer(f, HDR "m=audio\r\n"));
}


static void test_offer_without_sdp(void **state)
{
	struct fixture *f = *state;
	struct mbuf *offer = NULL, *ans;
	char buf[2048];

	/* INVITE without SDP: we offer, the ACK answers */
	assert_int_equal(0, sdpneg_offer(f->neg, &offer));
	assert_true(offer->end < sizeof(buf));
	memcpy(buf, offer->buf, offer->end);
	buf[offer->end] = '\0';
	assert_non_null(strstr(buf, "opus/48000/2"));
	assert_non_null(strstr(buf, "PCMU/8000"));
	assert_non_null(strstr(buf, "G722/8000"));
	assert_non_null(strstr(buf, "telephone-event/8000"));
	mem_deref(offer);

	ans = mbuf_alloc(256);
	mbuf_write_str(ans, HDR "m=audio 4000 RTP/AVP 8\r\n");
	ans->pos = 0;
	assert_int_equal(0, sdpneg_take_answer(f->neg, ans, &f->res));
	assert_int_equal(CODEC_PCMA, f->res.codec->id);
	mem_deref(ans);
}


int main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		/* the first use of libre's SDP and address code leaves
		 * one-time state behind: a first run, unchecked */
		cmocka_unit_test_setup_teardown(test_opus_only, setup,
						teardown),
		leak_test_setup_teardown(test_opus_only, setup,
						teardown),
		leak_test_setup_teardown(test_pcmu_only, setup,
						teardown),
		leak_test_setup_teardown(test_offer_order_wins, setup,
						teardown),
		leak_test_setup_teardown(test_no_common_codec, setup,
						teardown),
		leak_test_setup_teardown(test_telephone_event, setup,
						teardown),
		leak_test_setup_teardown(test_video_declined, setup,
						teardown),
		leak_test_setup_teardown(test_several_mlines, setup,
						teardown),
		leak_test_setup_teardown(test_hold_and_unhold, setup,
						teardown),
		leak_test_setup_teardown(test_codec_change, setup,
						teardown),
		leak_test_setup_teardown(test_bad_ptime_falls_back,
						setup, teardown),
		leak_test_setup_teardown(test_audio_level_extension,
						setup, teardown),
		leak_test_setup_teardown(
			test_refused_reoffer_keeps_session, setup, teardown),
		leak_test_setup_teardown(test_srtp_profile_refused,
						setup, teardown),
		leak_test_setup_teardown(test_garbage, setup,
						teardown),
		leak_test_setup_teardown(test_offer_without_sdp, setup,
						teardown),
	};

	(void)argc;
	leak_init(argv);

	return cmocka_run_group_tests_name("sdpneg", tests, NULL, NULL);
}
