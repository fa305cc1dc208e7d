/**
 * @file test_vfwd.c  A receiver's video stream across source switches:
 *                    one sequence, one timeline, switched at keyframes
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include "server/vfwd.h"
#include "leak.h"

enum {
	CLOCK = 90000,          /* video RTP clock [Hz] */
	FRAME_TS = 6000,        /* 15 frames/s */
	FRAME_US = 66667,
};

/* A sender: its own SSRC, sequence and timestamps */
struct sender {
	uint64_t id;
	uint32_t ssrc;
	uint16_t seq;
	uint32_t ts;
};


static struct vfwd_pkt next(struct sender *s, bool key)
{
	struct vfwd_pkt p = {s->id, s->ssrc, s->seq++, s->ts, key};

	s->ts += FRAME_TS;
	return p;
}


/* The first source is taken at its first keyframe, with the receiver's
 * own first numbers; then its packets go on with one offset */
static void test_first_source(void **state)
{
	struct sender a = {1, 0xaaaa, 100, 5000};
	struct vfwd_out o;
	struct vfwd_pkt in, out;

	(void)state;
	vfwd_init(&o, 40000, 777);
	in = next(&a, true);
	assert_int_equal(VFWD_OTHER, vfwd_packet(&o, &in, 0, CLOCK, &out));

	vfwd_follow(&o, 1);
	assert_true(vfwd_waiting(&o));
	in = next(&a, false);
	assert_int_equal(VFWD_WAIT, vfwd_packet(&o, &in, 0, CLOCK, &out));
	assert_int_equal(1, o.waited);

	in = next(&a, true);
	assert_int_equal(VFWD_SWITCH, vfwd_packet(&o, &in, 0, CLOCK, &out));
	assert_false(vfwd_waiting(&o));
	assert_int_equal(40000, out.seq);
	assert_int_equal(777, out.ts);
	assert_int_equal(0xaaaa, out.ssrc);   /* the caller puts its own */

	in = next(&a, false);
	assert_int_equal(VFWD_SEND, vfwd_packet(&o, &in, FRAME_US, CLOCK,
						 &out));
	assert_int_equal(40001, out.seq);
	assert_int_equal(777 + FRAME_TS, out.ts);
	assert_int_equal(1, o.switches);
}


/* A -> B: A goes on until B's keyframe; then B, numbers without a gap
 * or a repeat, the timestamp on by the time that passed */
static void test_switch_at_keyframe(void **state)
{
	struct sender a = {1, 0xa, 65530, 0xfffff000}, b = {2, 0xb, 9, 42};
	struct vfwd_out o;
	struct vfwd_pkt in, out, late_b;
	uint64_t now = 1000000;
	uint32_t last_ts;

	(void)state;
	vfwd_init(&o, 65534, 0xfffffff0);
	vfwd_follow(&o, 1);
	in = next(&a, true);
	assert_int_equal(VFWD_SWITCH, vfwd_packet(&o, &in, now, CLOCK, &out));

	vfwd_follow(&o, 2);
	late_b = next(&b, false);
	for (int i = 0; i < 5; i++) {
		now += FRAME_US;
		in = next(&a, false);
		assert_int_equal(VFWD_SEND, vfwd_packet(&o, &in, now, CLOCK,
							 &out));
		in = next(&b, false);
		assert_int_equal(VFWD_WAIT, vfwd_packet(&o, &in, now, CLOCK,
							 &out));
	}
	assert_true(vfwd_waiting(&o));
	last_ts = out.ts;

	/* 100 ms later B's keyframe: 9000 ticks of 90 kHz */
	now += 100000;
	in = next(&b, true);
	assert_int_equal(VFWD_SWITCH, vfwd_packet(&o, &in, now, CLOCK, &out));
	assert_int_equal((uint16_t)(65534 + 6), out.seq);   /* wrapped */
	assert_int_equal(last_ts + 9000, out.ts);

	/* A is no longer sent; B's packets from before its keyframe are
	 * too old */
	in = next(&a, false);
	assert_int_equal(VFWD_OTHER, vfwd_packet(&o, &in, now, CLOCK, &out));
	assert_int_equal(VFWD_OLD, vfwd_packet(&o, &late_b, now, CLOCK,
					       &out));

	in = next(&b, false);
	assert_int_equal(VFWD_SEND, vfwd_packet(&o, &in, now, CLOCK, &out));
	assert_int_equal((uint16_t)(65534 + 7), out.seq);
	assert_int_equal(2, o.switches);
}


/* Reordered packets of the current source keep their places; the next
 * switch goes on after the highest number sent */
static void test_reorder_then_switch(void **state)
{
	struct sender a = {1, 0xa, 500, 0}, b = {2, 0xb, 0, 0};
	struct vfwd_pkt p0, p1, p2, in, out;
	struct vfwd_out o;

	(void)state;
	vfwd_init(&o, 10, 0);
	vfwd_follow(&o, 1);
	p0 = next(&a, true);
	p1 = next(&a, false);
	p2 = next(&a, false);
	assert_int_equal(VFWD_SWITCH, vfwd_packet(&o, &p0, 0, CLOCK, &out));
	assert_int_equal(VFWD_SEND, vfwd_packet(&o, &p2, 0, CLOCK, &out));
	assert_int_equal(12, out.seq);
	assert_int_equal(VFWD_SEND, vfwd_packet(&o, &p1, 0, CLOCK, &out));
	assert_int_equal(11, out.seq);

	/* no time passed at all: the timestamp still moves on */
	vfwd_follow(&o, 2);
	in = next(&b, true);
	assert_int_equal(VFWD_SWITCH, vfwd_packet(&o, &in, 0, CLOCK, &out));
	assert_int_equal(13, out.seq);
	assert_int_equal(2 * FRAME_TS + 1, out.ts);
}


/* The same participant with a new SSRC is a new stream: taken at its
 * keyframe. Stopped, nothing goes; followed again, the numbers go on. */
static void test_new_ssrc_and_stop(void **state)
{
	struct sender a = {1, 0xa, 0, 0};
	struct vfwd_out o;
	struct vfwd_pkt in, out;

	(void)state;
	vfwd_init(&o, 0, 0);
	vfwd_follow(&o, 1);
	in = next(&a, true);
	assert_int_equal(VFWD_SWITCH, vfwd_packet(&o, &in, 0, CLOCK, &out));

	a.ssrc = 0xa2;
	in = next(&a, false);
	assert_int_equal(VFWD_WAIT, vfwd_packet(&o, &in, 0, CLOCK, &out));
	in = next(&a, true);
	assert_int_equal(VFWD_SWITCH, vfwd_packet(&o, &in, 0, CLOCK, &out));
	assert_int_equal(1, out.seq);

	vfwd_stop(&o);
	assert_false(vfwd_waiting(&o));
	in = next(&a, true);
	assert_int_equal(VFWD_OTHER, vfwd_packet(&o, &in, 0, CLOCK, &out));

	vfwd_follow(&o, 1);
	in = next(&a, false);
	assert_int_equal(VFWD_WAIT, vfwd_packet(&o, &in, 0, CLOCK, &out));
	in = next(&a, true);
	assert_int_equal(VFWD_SWITCH, vfwd_packet(&o, &in, 0, CLOCK, &out));
	assert_int_equal(2, out.seq);
}


/* Many switches among three sources whose numbers start near their
 * wraps, 200 000 packets: what the receiver gets is one stream, every
 * sequence number once and in order, timestamps never going back */
static void test_many_switches_and_wraps(void **state)
{
	struct sender s[3] = {
		{1, 0x1, 0xfff0, 0xffffff00},
		{2, 0x2, 0x7ff0, 0x7fffff00},
		{3, 0x3, 0x0005, 0x00000005},
	};
	struct vfwd_out o;
	struct vfwd_pkt in, out;
	uint64_t now = 0, sent = 0, switches = 0;
	uint16_t expect = 0x1234;
	uint32_t ts_prev = 0;
	size_t cur = 0, want = 0;
	uint32_t rnd = 12345;

	(void)state;
	vfwd_init(&o, expect, 0xfffff000);
	vfwd_follow(&o, 1);

	for (uint32_t i = 0; i < 200000; i++) {
		enum vfwd_res r;

		rnd = rnd * 1103515245 + 12345;
		now += FRAME_US / 3;

		/* every ~1000 packets the talker changes */
		if ((rnd >> 16) % 1000 == 0) {
			want = (want + 1 + (rnd >> 8) % 2) % 3;
			vfwd_follow(&o, s[want].id);
		}

		/* every source sends; a keyframe one frame in 30 */
		for (size_t k = 0; k < 3; k++) {
			bool key = ((rnd >> (k * 5)) & 31) == 0;

			in = next(&s[k], key);
			r = vfwd_packet(&o, &in, now, CLOCK, &out);
			if (r != VFWD_SEND && r != VFWD_SWITCH)
				continue;

			assert_int_equal(expect, out.seq);
			expect++;
			if (sent)
				assert_true((int32_t)(out.ts - ts_prev) > 0);
			ts_prev = out.ts;
			sent++;
			if (r == VFWD_SWITCH) {
				cur = k;
				switches++;
			}
			assert_int_equal(s[cur].id, in.src);
		}
	}

	assert_true(sent > 150000);
	assert_true(switches > 100);
	assert_int_equal(switches, o.switches);
}


int main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		leak_test(test_first_source),
		leak_test(test_switch_at_keyframe),
		leak_test(test_reorder_then_switch),
		leak_test(test_new_ssrc_and_stop),
		leak_test(test_many_switches_and_wraps),
	};

	(void)argc;
	leak_init(argv);

	return cmocka_run_group_tests_name("vfwd", tests, NULL, NULL);
}
