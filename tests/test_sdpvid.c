/**
 * @file test_sdpvid.c  The video m-line: VP8, H.264 (packetization modes,
 * profile-level-id), VP9, the room's codec, RTCP feedback, direction,
 * video added and removed by re-INVITE, the dial-out offer
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
	char buf[4096];
};


static int setup(void **state)
{
	struct fixture *f = test_calloc(1, sizeof(*f));
	struct sa laddr;

	if (!f)
		return -1;

	sa_set_str(&laddr, "192.0.2.10", 0);
	if (sdpneg_alloc(&f->neg, &laddr, 20000, 30000))
		return -1;

	*state = f;
	return 0;
}


static int teardown(void **state)
{
	struct fixture *f = *state;

	mem_deref(f->answer);
	mem_deref(f->neg);
	test_free(f);

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

	if (!err) {
		assert_true(f->answer->end < sizeof(f->buf));
		memcpy(f->buf, f->answer->buf, f->answer->end);
		f->buf[f->answer->end] = '\0';
	}

	return err;
}


static void room(struct fixture *f, bool any, enum vcodec c, int pm)
{
	struct sdpneg_vwant w = {any, c, pm};

	sdpneg_set_video(f->neg, &w);
}

#define HDR "v=0\r\no=- 1 1 IN IP4 198.51.100.7\r\ns=-\r\n" \
	"c=IN IP4 198.51.100.7\r\nt=0 0\r\n"
#define AUDIO "m=audio 4000 RTP/AVP 0\r\n"
#define VP8 "m=video 4002 RTP/AVP 100\r\na=rtpmap:100 VP8/90000\r\n"


/* VP8 under the offerer's payload type, with the feedback it offered */
static void test_vp8(void **state)
{
	struct fixture *f = *state;
	const struct sdpneg_video *v = &f->res.video;

	assert_int_equal(0, answer(f, HDR AUDIO VP8
				   "a=rtcp-fb:* nack pli\r\n"));

	assert_true(v->on);
	assert_int_equal(VCODEC_VP8, v->codec);
	assert_int_equal(100, v->pt);
	assert_true(v->send && v->recv);
	assert_true(v->fb_pli);
	assert_false(v->fb_nack);
	assert_false(v->fb_fir);
	assert_int_equal(4002, sa_port(&v->raddr));
	assert_int_equal(4003, sa_port(&v->raddr_rtcp));
	assert_null(v->why);

	assert_non_null(strstr(f->buf, "m=video 30000 RTP/AVP 100\r\n"));
	assert_non_null(strstr(f->buf, "a=rtpmap:100 VP8/90000\r\n"));
	assert_non_null(strstr(f->buf, "a=rtcp-fb:* nack pli\r\n"));
	/* the answerer adds no feedback the offer lacked (RFC 4585 4.2) */
	assert_null(strstr(f->buf, "ccm fir"));
	assert_null(strstr(f->buf, "a=rtcp-fb:* nack\r\n"));
	assert_null(strstr(f->buf, "H264"));
	/* audio is as it was */
	assert_non_null(strstr(f->buf, "m=audio 20000 RTP/AVP 0\r\n"));
}


/* Feedback for one payload type only counts for that one */
static void test_feedback_kinds(void **state)
{
	struct fixture *f = *state;
	const struct sdpneg_video *v = &f->res.video;

	assert_int_equal(0, answer(f, HDR AUDIO
		"m=video 4002 RTP/AVPF 100 101\r\n"
		"a=rtpmap:100 VP8/90000\r\na=rtpmap:101 VP9/90000\r\n"
		"a=rtcp-fb:100 ccm fir\r\na=rtcp-fb:100 nack\r\n"
		"a=rtcp-fb:101 nack pli\r\n"));

	assert_int_equal(VCODEC_VP8, v->codec);
	assert_true(v->fb_fir);
	assert_true(v->fb_nack);
	assert_false(v->fb_pli);
	assert_non_null(strstr(f->buf, "m=video 30000 RTP/AVPF 100\r\n"));
	assert_non_null(strstr(f->buf, "a=rtcp-fb:* ccm fir\r\n"));
}


/* H.264: the first mode offered, the offer's profile, our level if lower
 * (RFC 6184 8.2.2) */
static void test_h264_modes_and_level(void **state)
{
	struct fixture *f = *state;
	const struct sdpneg_video *v = &f->res.video;

	assert_int_equal(0, answer(f, HDR AUDIO
		"m=video 4002 RTP/AVP 109 108\r\n"
		"a=rtpmap:109 H264/90000\r\n"
		"a=fmtp:109 packetization-mode=1;profile-level-id=42e028\r\n"
		"a=rtpmap:108 H264/90000\r\n"
		"a=fmtp:108 packetization-mode=0;profile-level-id=42e028\r\n"
		"a=rtcp-fb:* nack pli\r\n"));

	assert_true(v->on);
	assert_int_equal(VCODEC_H264, v->codec);
	assert_int_equal(109, v->pt);
	assert_int_equal(1, v->h264_pm);
	assert_non_null(strstr(f->buf, "m=video 30000 RTP/AVP 109\r\n"));
	assert_non_null(strstr(f->buf, "a=fmtp:109 packetization-mode=1;"
			       "profile-level-id=42e01f\r\n"));

	/* mode 0 first, no profile-level-id (baseline 1.0 by default) */
	assert_int_equal(0, answer(f, HDR AUDIO
		"m=video 4002 RTP/AVP 98 97\r\n"
		"a=rtpmap:98 H264/90000\r\n"
		"a=rtpmap:97 H264/90000\r\n"
		"a=fmtp:97 packetization-mode=1\r\n"));
	assert_int_equal(98, v->pt);
	assert_int_equal(0, v->h264_pm);
	assert_non_null(strstr(f->buf, "profile-level-id=42000a"));
}


/* Main and High profiles allow what a baseline decoder cannot do */
static void test_h264_profile_refused(void **state)
{
	struct fixture *f = *state;
	const struct sdpneg_video *v = &f->res.video;

	assert_int_equal(0, answer(f, HDR AUDIO
		"m=video 4002 RTP/AVP 99\r\n"
		"a=rtpmap:99 H264/90000\r\n"
		"a=fmtp:99 packetization-mode=1;profile-level-id=640028\r\n"));

	assert_false(v->on);
	assert_string_equal("H.264 profile other than baseline", v->why);
	assert_non_null(strstr(f->buf, "m=video 0 "));
	assert_int_equal(CODEC_PCMU, f->res.codec->id);

	/* Main with constraint_set0 is constrained baseline (table 5) */
	assert_int_equal(0, answer(f, HDR AUDIO
		"m=video 4002 RTP/AVP 99\r\n"
		"a=rtpmap:99 H264/90000\r\n"
		"a=fmtp:99 packetization-mode=1;profile-level-id=4de01f\r\n"));
	assert_true(v->on);
}


/* The room's codec only; a caller without it is in with audio only */
static void test_room_codec(void **state)
{
	struct fixture *f = *state;
	const struct sdpneg_video *v = &f->res.video;

	room(f, false, VCODEC_H264, -1);
	assert_int_equal(0, answer(f, HDR AUDIO VP8));
	assert_false(v->on);
	assert_string_equal("not the room's video codec", v->why);
	assert_non_null(strstr(f->buf, "m=video 0 "));
	assert_null(strstr(f->buf, "VP8"));
	assert_non_null(f->res.codec);

	/* VP8 offered first, H.264 second: the room's is taken */
	assert_int_equal(0, answer(f, HDR AUDIO
		"m=video 4002 RTP/AVP 100 102\r\n"
		"a=rtpmap:100 VP8/90000\r\na=rtpmap:102 H264/90000\r\n"
		"a=fmtp:102 packetization-mode=1;profile-level-id=42e01f\r\n"));
	assert_true(v->on);
	assert_int_equal(VCODEC_H264, v->codec);
	assert_int_equal(102, v->pt);
	assert_null(strstr(f->buf, "VP8"));

	/* the room's H.264 is mode 0: a mode 1 only caller cannot send */
	room(f, false, VCODEC_H264, 0);
	assert_int_equal(0, answer(f, HDR AUDIO
		"m=video 4002 RTP/AVP 102\r\na=rtpmap:102 H264/90000\r\n"
		"a=fmtp:102 packetization-mode=1\r\n"));
	assert_false(v->on);
	assert_string_equal("not the room's H.264 packetization-mode",
			    v->why);
}


/* Direction from our side: a sendonly caller sends and gets nothing */
static void test_direction(void **state)
{
	struct fixture *f = *state;
	const struct sdpneg_video *v = &f->res.video;

	assert_int_equal(0, answer(f, HDR AUDIO VP8 "a=sendonly\r\n"));
	assert_true(v->on);
	assert_true(v->recv);
	assert_false(v->send);
	assert_non_null(strstr(f->buf, "a=recvonly"));

	assert_int_equal(0, answer(f, HDR AUDIO VP8 "a=recvonly\r\n"));
	assert_true(v->send);
	assert_false(v->recv);

	assert_int_equal(0, answer(f, HDR AUDIO VP8 "a=inactive\r\n"));
	assert_false(v->send);
	assert_false(v->recv);
}


/* Video added by a re-INVITE, then removed (port 0), then back */
static void test_added_and_removed(void **state)
{
	struct fixture *f = *state;
	const struct sdpneg_video *v = &f->res.video;

	assert_int_equal(0, answer(f, HDR AUDIO));
	assert_false(v->on);
	assert_null(v->why);
	assert_null(strstr(f->buf, "m=video"));

	assert_int_equal(0, answer(f, HDR AUDIO VP8));
	assert_true(v->on);
	assert_non_null(strstr(f->buf, "m=video 30000 "));

	assert_int_equal(0, answer(f, HDR AUDIO
				   "m=video 0 RTP/AVP 100\r\n"));
	assert_false(v->on);
	assert_non_null(strstr(f->buf, "m=video 0 "));

	assert_int_equal(0, answer(f, HDR AUDIO VP8));
	assert_true(v->on);

	/* declined by the room, then taken when the room allows it */
	room(f, false, VCODEC_VP9, -1);
	assert_int_equal(0, answer(f, HDR AUDIO VP8));
	assert_false(v->on);
	room(f, true, VCODEC_VP8, -1);
	assert_int_equal(0, answer(f, HDR AUDIO VP8));
	assert_true(v->on);
}


/* Video first, then audio: both, in the offer's order (RFC 3264 6) */
static void test_video_first(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(0, answer(f, HDR VP8 AUDIO));
	assert_true(f->res.video.on);
	assert_non_null(f->res.codec);
	assert_true(strstr(f->buf, "m=video") < strstr(f->buf, "m=audio"));
}


/* Dial-out: the room's codec only, all the feedback we take; the answer
 * says what the callee sends */
static void test_offer_and_answer(void **state)
{
	struct fixture *f = *state;
	struct mbuf *offer = NULL, *ans;
	struct sdpneg_result res;
	char buf[2048];

	room(f, false, VCODEC_VP9, -1);
	assert_int_equal(0, sdpneg_offer(f->neg, &offer));
	assert_true(offer->end < sizeof(buf));
	memcpy(buf, offer->buf, offer->end);
	buf[offer->end] = '\0';
	mem_deref(offer);

	assert_non_null(strstr(buf, "m=video 30000 RTP/AVP 100\r\n"));
	assert_non_null(strstr(buf, "a=rtpmap:100 VP9/90000"));
	assert_null(strstr(buf, "VP8"));
	assert_null(strstr(buf, "H264"));
	assert_non_null(strstr(buf, "a=rtcp-fb:* nack pli"));
	assert_non_null(strstr(buf, "a=rtcp-fb:* ccm fir"));

	ans = mbuf_alloc(512);
	assert_non_null(ans);
	mbuf_write_str(ans, HDR AUDIO
		       "m=video 4002 RTP/AVP 100\r\n"
		       "a=rtpmap:100 VP9/90000\r\na=rtcp-fb:* ccm fir\r\n"
		       "a=sendrecv\r\n");
	ans->pos = 0;
	assert_int_equal(0, sdpneg_take_answer(f->neg, ans, &res));
	mem_deref(ans);

	assert_true(res.video.on);
	assert_int_equal(VCODEC_VP9, res.video.codec);
	assert_int_equal(100, res.video.pt);
	assert_true(res.video.fb_fir);
	assert_false(res.video.fb_pli);
}


static bool has_video(const char *sdp)
{
	struct mbuf *mb = mbuf_alloc(strlen(sdp) + 1);
	bool v;

	assert_non_null(mb);
	mbuf_write_str(mb, sdp);
	mb->pos = 0;
	v = sdpneg_has_video(mb);
	mem_deref(mb);

	return v;
}


/* Whether a video leg is needed: any m=video line, even at port 0 */
static void test_has_video(void **state)
{
	(void)state;

	assert_true(has_video(HDR AUDIO VP8));
	assert_true(has_video(HDR AUDIO "m=video 0 RTP/AVP 96\r\n"));
	assert_true(has_video("m=video 4 RTP/AVP 96\r\n"));
	assert_false(has_video(HDR AUDIO));
	assert_false(has_video(HDR AUDIO "a=x:m=video 4\r\n"));
	assert_false(has_video(""));
	assert_false(sdpneg_has_video(NULL));
}


/* Our video m-line added after an audio-only offer: a re-INVITE that
 * adds video gets it */
static void test_video_added_later(void **state)
{
	struct fixture *f = test_calloc(1, sizeof(*f));
	struct sa laddr;

	(void)state;
	assert_non_null(f);
	sa_set_str(&laddr, "192.0.2.10", 0);
	assert_int_equal(0, sdpneg_alloc(&f->neg, &laddr, 20000, 0));

	assert_int_equal(0, answer(f, HDR AUDIO));
	assert_false(f->res.video.on);
	assert_null(strstr(f->buf, "m=video"));

	assert_int_equal(0, sdpneg_video_add(f->neg, 30000));
	assert_int_equal(0, sdpneg_video_add(f->neg, 30000));
	assert_int_equal(0, answer(f, HDR AUDIO VP8));
	assert_true(f->res.video.on);
	assert_non_null(strstr(f->buf, "m=video 30000 RTP/AVP 100\r\n"));

	teardown((void **)&f);
}


int main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		/* libre's and the C library's first SDP work leaves
		 * one-time state behind: a first run, unchecked */
		cmocka_unit_test_setup_teardown(test_vp8, setup, teardown),
		leak_test_setup_teardown(test_vp8, setup, teardown),
		leak_test_setup_teardown(test_feedback_kinds, setup, teardown),
		leak_test_setup_teardown(test_h264_modes_and_level, setup,
					 teardown),
		leak_test_setup_teardown(test_h264_profile_refused, setup,
					 teardown),
		leak_test_setup_teardown(test_room_codec, setup, teardown),
		leak_test_setup_teardown(test_direction, setup, teardown),
		leak_test_setup_teardown(test_added_and_removed, setup,
					 teardown),
		leak_test_setup_teardown(test_video_first, setup, teardown),
		leak_test_setup_teardown(test_offer_and_answer, setup,
					 teardown),
		leak_test(test_has_video),
		leak_test(test_video_added_later),
	};

	(void)argc;
	leak_init(argv);

	return cmocka_run_group_tests_name("sdpvid", tests, NULL, NULL);
}
