/**
 * @file test_room_video.c  A room's video forwarder with fake video legs:
 *        who is sent whose packets, with which numbers, and which
 *        keyframe requests and NACKs reach which source
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include "server/leg.h"
#include "server/log.h"
#include "server/room_video.h"
#include "fake/fake.h"
#include "leak.h"

enum {
	N = 4,                 /* members A B C D (ids 1-4) */
	HOLD = 2000,
	SETTLE = 300,
	SSRC0 = 0x1000,        /* member i sends SSRC0 + i */
};

struct fixture {
	struct rvid *rv;
	struct rv_member m[N];
	struct vleg *vl[N];
	uint16_t seq[N];       /* next sequence number each source sends */
	uint32_t ts[N];
	uint64_t now;          /* [ms] */
	struct rvid_news last;
	unsigned sources;      /* RVID_SOURCE news */
	unsigned infos;        /* RVID_INFO news */
};


static void news_h(const struct rvid_news *n, void *arg)
{
	struct fixture *f = arg;

	if (n->type == RVID_SOURCE) {
		if (getenv("RVID_DEBUG"))
			printf("news source %llu reason %d\n",
			       (unsigned long long)n->id, n->reason);
		f->sources++;
		f->last = *n;
	}
	else {
		f->infos++;
	}
}


static int setup(void **state)
{
	struct vsel_prm vp = {HOLD, SETTLE};
	struct leg_prm prm = {0};
	struct fixture *f = test_calloc(1, sizeof(*f));

	if (!f || rvid_alloc(&f->rv, &vp, RVID_FOLLOW, news_h, f))
		return -1;

	f->now = 1000000;
	for (size_t i = 0; i < N; i++) {
		if (vleg_alloc(&f->vl[i], NULL, &prm, i + 1))
			return -1;
		fake_vleg_media(f->vl[i], true, i < 3, true, false);
		f->m[i].id = i + 1;
		f->m[i].vl = f->vl[i];
		f->seq[i] = (uint16_t)(65530 - i * 1000);  /* wraps soon */
		f->ts[i] = 4294967000u - (uint32_t)i * 90000;
	}

	*state = f;
	return 0;
}


static int teardown(void **state)
{
	struct fixture *f = *state;

	mem_deref(f->rv);
	for (size_t i = 0; i < N; i++)
		mem_deref(f->vl[i]);
	test_free(f);

	return 0;
}


static void add_all(struct fixture *f)
{
	for (size_t i = 0; i < N; i++)
		rvid_add(f->rv, &f->m[i]);
}


static void tick(struct fixture *f, uint64_t talker, uint64_t ms)
{
	f->now += ms;
	rvid_tick(f->rv, talker, f->now);
}


/* Source i (0-based) sends one packet of a new frame */
static void frame(struct fixture *f, size_t i, bool key)
{
	fake_vleg_packet(f->vl[i], SSRC0 + (uint32_t)i, f->seq[i]++,
			 f->ts[i], key, true);
	f->ts[i] += 6000;
}


static void clear(struct fixture *f)
{
	for (size_t i = 0; i < N; i++)
		fake_vleg_clear(f->vl[i]);
}


static const struct fake_vsent *sent(const struct fixture *f, size_t i)
{
	return fake_vleg_sent(f->vl[i]);
}


/* Every packet receiver i got came from source src, numbered on */
static void assert_run(const struct fixture *f, size_t i, size_t src,
		       unsigned n)
{
	const struct fake_vsent *s = sent(f, i);

	assert_int_equal(n, s->n);
	for (unsigned k = 0; k < n; k++) {
		assert_int_equal(SSRC0 + src, s->from_ssrc[k]);
		if (k)
			assert_int_equal((uint16_t)(s->seq[k - 1] + 1),
					 s->seq[k]);
	}
}


/* Before anyone talks, the first sender is shown, from its keyframe on;
 * a receiver is never sent a delta frame first */
static void test_first_sender_from_keyframe(void **state)
{
	struct fixture *f = *state;

	add_all(f);
	tick(f, 0, 20);

	assert_int_equal(1, f->sources);
	assert_int_equal(1, f->last.id);

	/* B, C, D wait for A's keyframe: one request, not three */
	assert_int_equal(1, sent(f, 0)->keys_asked);
	/* A is shown B, the next sender */
	assert_int_equal(1, sent(f, 1)->keys_asked);

	frame(f, 0, false);
	frame(f, 0, false);
	for (size_t i = 1; i < N; i++)
		assert_int_equal(0, sent(f, i)->n);

	frame(f, 0, true);
	frame(f, 0, false);
	for (size_t i = 1; i < N; i++)
		assert_run(f, i, 0, 2);

	/* each receiver has its own numbering */
	assert_int_not_equal(sent(f, 1)->seq[0], sent(f, 2)->seq[0]);
}


/* B talks: after the hold and the settle time, everyone but B switches
 * to B at B's keyframe and keeps A until then; B sees A */
static void test_talker_switch(void **state)
{
	struct fixture *f = *state;
	const struct fake_vsent *c;
	uint16_t last_seq;
	uint32_t last_ts;

	add_all(f);
	tick(f, 0, 20);
	frame(f, 0, true);
	frame(f, 1, true);
	clear(f);

	/* within the hold: no switch */
	for (int k = 0; k < 50; k++)
		tick(f, 2, 20);
	assert_int_equal(1, f->sources);

	for (int k = 0; k < 60; k++)
		tick(f, 2, 20);
	assert_int_equal(2, f->sources);
	assert_int_equal(2, f->last.id);
	assert_int_equal(VSEL_TALKER, f->last.reason);
	assert_int_equal(1, sent(f, 1)->keys_asked);

	/* until B's keyframe, C still gets A; A, shown B already before
	 * anyone talked, goes on with B's deltas */
	frame(f, 0, false);
	frame(f, 1, false);
	assert_run(f, 2, 0, 1);
	assert_run(f, 0, 1, 1);

	c = sent(f, 2);
	last_seq = c->seq[0];
	last_ts = c->ts[0];

	frame(f, 1, true);
	frame(f, 1, false);
	frame(f, 0, false);          /* A's packets no longer reach C */

	assert_int_equal(3, c->n);
	assert_int_equal(SSRC0 + 1, c->from_ssrc[1]);
	assert_int_equal((uint16_t)(last_seq + 1), c->seq[1]);
	assert_true((int32_t)(c->ts[1] - last_ts) > 0);
	assert_int_equal((uint16_t)(last_seq + 2), c->seq[2]);

	/* A is shown B; B, the talker, sees A, the talker before */
	assert_run(f, 0, 1, 3);
	assert_run(f, 1, 0, 2);
}


/* A talker that sends no video takes nobody's picture */
static void test_audio_only_talker(void **state)
{
	struct fixture *f = *state;

	add_all(f);
	tick(f, 0, 20);
	for (int k = 0; k < 200; k++)
		tick(f, 4, 20);      /* D takes video, sends none */

	assert_int_equal(1, f->sources);
	assert_int_equal(1, f->last.id);
}


/* A source nobody is shown costs a counter: nothing is sent */
static void test_unwatched_dropped(void **state)
{
	struct fixture *f = *state;
	struct rvid_stats st;
	struct vleg_stats vs;

	add_all(f);
	tick(f, 0, 20);
	frame(f, 0, true);
	clear(f);

	/* C is nobody's source (A is shown, A sees B) */
	for (int k = 0; k < 10; k++)
		frame(f, 2, k == 0);

	for (size_t i = 0; i < N; i++)
		assert_int_equal(0, sent(f, i)->n);

	rvid_stats(f->rv, &st);
	assert_int_equal(10, st.dropped);
	vleg_stats(f->vl[2], &vs);
	assert_int_equal(10, vs.pkts_dropped);
	assert_int_equal(0, vs.keys_in);
}


/* No keyframe: asked again after 400 ms, never twice in 300 ms,
 * whoever asks */
static void test_key_retry_and_rate_limit(void **state)
{
	struct fixture *f = *state;
	struct rvid_stats st;

	add_all(f);
	tick(f, 0, 20);
	assert_int_equal(1, sent(f, 0)->keys_asked);

	/* receivers' own PLIs within the limit are not passed on */
	fake_vleg_feedback(f->vl[2], VLEG_FB_KEY, 0, 0);
	fake_vleg_feedback(f->vl[3], VLEG_FB_KEY, 0, 0);
	for (int k = 0; k < 10; k++)
		tick(f, 0, 20);
	assert_int_equal(1, sent(f, 0)->keys_asked);

	for (int k = 0; k < 10; k++)
		tick(f, 0, 20);      /* 420 ms */
	assert_int_equal(2, sent(f, 0)->keys_asked);
	rvid_stats(f->rv, &st);
	assert_true(st.key_timeouts >= 1);

	/* the keyframe comes: no more asking */
	frame(f, 0, true);
	for (int k = 0; k < 50; k++)
		tick(f, 0, 20);
	assert_int_equal(2, sent(f, 0)->keys_asked);

	/* a receiver's PLI after the limit goes to its source */
	tick(f, 0, 1000);
	fake_vleg_feedback(f->vl[2], VLEG_FB_KEY, 0, 0);
	assert_int_equal(3, sent(f, 0)->keys_asked);
}


/* A receiver's NACK goes to its source in the source's numbers */
static void test_nack_translated(void **state)
{
	struct fixture *f = *state;
	const struct fake_vsent *c, *a;

	add_all(f);
	tick(f, 0, 20);
	frame(f, 0, true);
	frame(f, 0, false);
	frame(f, 0, false);

	c = sent(f, 2);
	a = sent(f, 0);
	fake_vleg_feedback(f->vl[2], VLEG_FB_NACK, c->seq[1], 0x0001);

	assert_int_equal(1, a->nacks);
	assert_int_equal(SSRC0, a->nack_ssrc);
	assert_int_equal(c->from_seq[1], a->nack_pid);
	assert_int_equal(0x0001, a->nack_blp);
}


/* Pinned: everyone sees C whoever talks; gone, the floor passes on */
static void test_pin_and_leave(void **state)
{
	struct fixture *f = *state;

	add_all(f);
	tick(f, 0, 20);

	assert_int_equal(ENOENT, rvid_pin(f->rv, 9, f->now));
	assert_int_equal(ENODATA, rvid_pin(f->rv, 4, f->now));
	assert_int_equal(0, rvid_pin(f->rv, 3, f->now));
	assert_int_equal(3, f->last.id);
	assert_int_equal(VSEL_PINNED, f->last.reason);

	for (int k = 0; k < 200; k++)
		tick(f, 2, 20);
	assert_int_equal(3, f->last.id);

	frame(f, 2, true);
	assert_run(f, 0, 2, 1);
	assert_run(f, 1, 2, 1);
	assert_run(f, 3, 2, 1);

	rvid_remove(f->rv, &f->m[2], f->now);
	assert_int_equal(VSEL_LEFT, f->last.reason);
	assert_int_not_equal(3, f->last.id);
	assert_int_not_equal(0, f->last.id);
}


/* A receiver on hold (it takes no video) is sent nothing; back, it
 * starts again at a keyframe */
static void test_receiver_hold(void **state)
{
	struct fixture *f = *state;

	uint16_t last;

	add_all(f);
	tick(f, 0, 20);
	frame(f, 0, true);
	last = sent(f, 3)->seq[0];
	clear(f);

	/* before the next tick sees it: no packet, and no number used */
	(void)vleg_start(f->vl[3], &(struct sdpneg_video){.on = true,
			 .codec = VCODEC_VP8, .pt = 96, .recv = false,
			 .send = false});
	frame(f, 0, false);
	tick(f, 0, 20);
	frame(f, 0, false);
	assert_int_equal(0, sent(f, 3)->n);
	assert_int_equal(2, sent(f, 2)->n);

	fake_vleg_media(f->vl[3], true, false, true, false);
	tick(f, 0, 20);
	frame(f, 0, false);
	assert_int_equal(0, sent(f, 3)->n);
	frame(f, 0, true);
	assert_int_equal(1, sent(f, 3)->n);
	assert_int_equal((uint16_t)(last + 1), sent(f, 3)->seq[0]);
}


/* A source that comes back with a new SSRC: its receivers wait for its
 * keyframe, which is asked for, and their numbers go on */
static void test_source_new_ssrc(void **state)
{
	struct fixture *f = *state;
	const struct fake_vsent *c = NULL;
	uint16_t last;

	add_all(f);
	tick(f, 0, 20);
	frame(f, 0, true);
	frame(f, 0, false);
	tick(f, 0, 1000);
	c = sent(f, 2);
	assert_int_equal(2, c->n);
	last = c->seq[1];
	assert_int_equal(1, sent(f, 0)->keys_asked);

	/* SSRC0 + 8: a delta frame first, not sent; a keyframe asked */
	fake_vleg_packet(f->vl[0], SSRC0 + 8, 100, 5000, false, true);
	assert_int_equal(2, c->n);
	assert_int_equal(2, sent(f, 0)->keys_asked);

	fake_vleg_packet(f->vl[0], SSRC0 + 8, 101, 8000, true, true);
	assert_int_equal(3, c->n);
	assert_int_equal(SSRC0 + 8, c->from_ssrc[2]);
	assert_int_equal((uint16_t)(last + 1), c->seq[2]);
}


/* A talker who agreed to send video and sends none is passed over; a
 * source that stops sending gives up the floor */
static void test_quiet_source(void **state)
{
	struct fixture *f = *state;

	fake_vleg_quiet(f->vl[1], true);
	add_all(f);
	tick(f, 0, 20);
	assert_int_equal(1, f->last.id);

	for (int k = 0; k < 200; k++)
		tick(f, 2, 20);
	assert_int_equal(1, f->sources);
	assert_int_equal(0, sent(f, 1)->keys_asked);

	/* alice goes quiet: the floor goes to carol, who sends */
	fake_vleg_quiet(f->vl[0], true);
	tick(f, 0, 20);
	assert_int_equal(VSEL_LEFT, f->last.reason);
	assert_int_equal(3, f->last.id);
}


/* A source that negotiated no PLI or FIR is asked by SIP INFO; off
 * shows nobody */
static void test_info_and_off(void **state)
{
	struct fixture *f = *state;
	struct vsel_prm vp = {HOLD, SETTLE};

	fake_vleg_media(f->vl[0], true, true, false, false);
	add_all(f);
	tick(f, 0, 20);
	assert_int_equal(1, f->infos);

	rvid_set_mode(f->rv, RVID_OFF, &vp, f->now);
	assert_int_equal(0, f->last.id);
	frame(f, 0, true);
	for (size_t i = 0; i < N; i++)
		assert_int_equal(0, sent(f, i)->n);
}


int main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		/* the first random numbers (each receiver's first sequence
		 * number and timestamp) leave libre's OpenSSL state behind:
		 * a first run, unchecked */
		cmocka_unit_test_setup_teardown(
			test_first_sender_from_keyframe, setup, teardown),
		leak_test_setup_teardown(test_first_sender_from_keyframe,
					 setup, teardown),
		leak_test_setup_teardown(test_talker_switch, setup, teardown),
		leak_test_setup_teardown(test_audio_only_talker, setup,
					 teardown),
		leak_test_setup_teardown(test_unwatched_dropped, setup,
					 teardown),
		leak_test_setup_teardown(test_key_retry_and_rate_limit, setup,
					 teardown),
		leak_test_setup_teardown(test_nack_translated, setup,
					 teardown),
		leak_test_setup_teardown(test_pin_and_leave, setup, teardown),
		leak_test_setup_teardown(test_receiver_hold, setup, teardown),
		leak_test_setup_teardown(test_info_and_off, setup, teardown),
		leak_test_setup_teardown(test_source_new_ssrc, setup,
					 teardown),
		leak_test_setup_teardown(test_quiet_source, setup, teardown),
	};

	(void)argc;
	leak_init(argv);
	log_set_level(LOG_WARN);

	return cmocka_run_group_tests_name("room_video", tests, NULL, NULL);
}
