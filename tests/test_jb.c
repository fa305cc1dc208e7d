/**
 * @file test_jb.c  Jitter buffer: order, loss, late, duplicates, wraps,
 * source changes, jumps, delay adaptation, statistics
 *
 * Each test builds a packet stream with arrival times, then runs it as
 * the server would: every 20 ms it puts what has arrived and takes what
 * is due, and models the caller's decoded-audio fifo so that a broken
 * timeline (audio piling up, or missing) shows.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include "server/jb.h"
#include "leak.h"

enum {
	NMAX = 8192,     /* packets and frames per run */
	TICK = 20000,    /* room tick [us]             */
	PHASE = 7000,    /* ticks run at k TICK + this */
};

struct arr {
	uint32_t ssrc;
	uint16_t seq;
	uint32_t ts;
	uint64_t at;     /* arrival [us] */
	size_t len;      /* 0: no audio  */
	uint32_t dur;    /* true duration [RTP units] */
};

struct run {
	struct jb *jb;
	uint32_t clock;
	struct arr av[NMAX];
	size_t an, ai;
	int errv[NMAX];            /* jb_put() result per arrival   */
	enum jb_res resv[NMAX];    /* what jb_get() gave, in order  */
	uint16_t seqv[NMAX];
	uint32_t durv[NMAX];
	bool nextv[NMAX];
	bool resyncv[NMAX];
	uint64_t whenv[NMAX];      /* tick it was given in [us]     */
	size_t n;
	int64_t fifo;              /* decoded, not yet played [us]  */
	int64_t fifo_max;
	unsigned underruns;        /* ticks short of audio, talking */
	unsigned underruns_pkt;    /* the same, at the last packet  */
	bool talking;
	bool no_played;            /* do not call jb_played()       */
};

static struct run *r;
static uint32_t rng = 1;


static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}


static int setup(void **state)
{
	struct jb_prm prm = {8000, 0, 0, 0, 0};

	r = calloc(1, sizeof(*r));
	assert_non_null(r);
	r->clock = prm.clock;
	assert_int_equal(0, jb_alloc(&r->jb, &prm));
	rng = 12345;

	return 0;
}


static int teardown(void **state)
{
	mem_deref(r->jb);
	free(r);

	return 0;
}


/* n packets of ptime ms from (seq, ts), sent every ptime from t0 */
static void gen(size_t n, uint32_t ssrc, uint16_t seq, uint32_t ts,
		uint32_t ptime, uint64_t t0)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct arr *a = &r->av[r->an++];

		a->ssrc = ssrc;
		a->seq = seq + i;
		a->ts = ts + i * ptime * (r->clock / 1000);
		a->at = t0 + i * ptime * 1000 + 1000;
		a->len = 40;
		a->dur = ptime * (r->clock / 1000);
	}
}


static void drop(size_t i)
{
	memmove(&r->av[i], &r->av[i + 1], (r->an - i - 1) * sizeof(r->av[0]));
	--r->an;
}


/* stable sort by arrival */
static void sort(void)
{
	size_t i, j;

	for (i = 1; i < r->an; i++) {
		struct arr a = r->av[i];

		for (j = i; j > 0 && r->av[j - 1].at > a.at; j--)
			r->av[j] = r->av[j - 1];
		r->av[j] = a;
	}
}


static void tick(uint64_t now)
{
	uint8_t pl[JB_PKT_MAX];
	struct jb_frame f;
	enum jb_res res;

	while (r->ai < r->an && r->av[r->ai].at <= now) {
		const struct arr *a = &r->av[r->ai];
		struct jb_pkt p = {a->ssrc, a->seq, a->ts, false, pl, a->len};

		/* the "decoder" reads the duration from the payload */
		pl[0] = a->seq & 0xff;
		memcpy(pl + 1, &a->dur, sizeof(a->dur));
		r->errv[r->ai++] = jb_put(r->jb, &p, a->at);
	}

	while ((res = jb_get(r->jb, now, &f)) != JB_WAIT) {
		assert_true(r->n < NMAX);
		if (res == JB_PACKET) {
			assert_non_null(f.pkt.pl);
			assert_int_equal(f.pkt.pl[0], f.pkt.seq & 0xff);
			memcpy(&f.dur, f.pkt.pl + 1, sizeof(f.dur));
			if (!r->no_played)
				jb_played(r->jb, f.dur);
			r->talking = true;
			r->underruns_pkt = r->underruns;
		}
		else {
			assert_null(f.pkt.pl);
		}
		r->resv[r->n] = res;
		r->seqv[r->n] = f.pkt.seq;
		r->durv[r->n] = f.dur;
		r->nextv[r->n] = f.next != NULL;
		r->resyncv[r->n] = f.resync;
		r->whenv[r->n] = now;
		++r->n;
		r->fifo += (int64_t)f.dur * 1000000 / r->clock;
	}

	if (r->fifo > r->fifo_max)
		r->fifo_max = r->fifo;
	r->fifo -= TICK;
	if (r->fifo < 0) {
		if (r->talking && r->fifo < -1000)
			++r->underruns;
		r->fifo = 0;
	}
}


/* run the ticks until a second after the last arrival */
static void run(void)
{
	uint64_t now = PHASE;
	uint64_t end = (r->an ? r->av[r->an - 1].at : 0) + 1000000;
	size_t i;

	for (; now < end; now += TICK)
		tick(now);

	/* what comes after the last packet is the end of a talkspurt */
	for (i = r->n; i > 0 && r->resv[i - 1] != JB_PACKET; i--)
		;
	r->n = i;
	r->underruns = r->underruns_pkt;
}


static unsigned nres(enum jb_res res)
{
	unsigned k = 0;
	size_t i;

	for (i = 0; i < r->n; i++)
		k += r->resv[i] == res;

	return k;
}


/* from output frame 'from' on, npkt packets came out in sequence from
 * seq, each once; returns the frame after the last */
static size_t assert_seq_run(size_t from, uint16_t seq, size_t npkt)
{
	size_t i, k = 0;

	for (i = from; i < r->n && k < npkt; i++) {
		if (r->resv[i] != JB_PACKET)
			continue;
		assert_int_equal(r->seqv[i], (uint16_t)(seq + k));
		++k;
	}
	assert_int_equal(k, npkt);

	return i;
}


static void assert_in_order(uint16_t seq, size_t npkt)
{
	assert_seq_run(0, seq, npkt);
	assert_int_equal(npkt, nres(JB_PACKET));
}


/* index of the first frame for seq */
static size_t frame_of(uint16_t seq, enum jb_res res)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		if (r->seqv[i] == seq && r->resv[i] == res)
			return i;
	}
	fail_msg("seq %u not found", seq);

	return 0;
}


static uint64_t arrival_of(uint16_t seq)
{
	size_t i;

	for (i = 0; i < r->an; i++) {
		if (r->av[i].seq == seq)
			return r->av[i].at;
	}
	fail_msg("seq %u not sent", seq);

	return 0;
}


static void test_in_order(void **state)
{
	struct jb_stats st;
	size_t i;

	gen(500, 1, 100, 5000, 20, 0);
	run();

	assert_in_order(100, 500);
	assert_int_equal(0, nres(JB_LOST));
	assert_int_equal(0, r->underruns);
	assert_true(r->fifo_max <= 20000);

	/* each packet is out within target + one tick of arriving */
	for (i = 0; i < r->n; i++)
		assert_true(r->whenv[i] - r->av[i].at <= 20000 + TICK);

	jb_stats(r->jb, &st);
	assert_int_equal(500, st.received);
	assert_int_equal(0, st.lost);
	assert_int_equal(0, st.late);
	assert_int_equal(0, st.duplicates);
	assert_int_equal(0, st.reordered);
	assert_int_equal(20, st.target_ms);
	assert_int_equal(20, st.delay_ms);
	assert_true(st.jitter_ms < 0.1);
}


static void test_reorder(void **state)
{
	struct jb_stats st;
	size_t i;

	/* swap each pair: the second of a pair comes 1 ms before the first */
	gen(400, 1, 0, 0, 20, 0);
	for (i = 0; i + 1 < r->an; i += 2) {
		struct arr a = r->av[i];

		r->av[i] = r->av[i + 1];
		r->av[i].at = a.at;
		r->av[i + 1] = a;
		r->av[i + 1].at = a.at + 1000;
	}
	run();

	assert_in_order(0, 400);
	assert_int_equal(0, nres(JB_LOST));
	assert_int_equal(0, r->underruns);

	jb_stats(r->jb, &st);
	assert_int_equal(0, st.lost);
	assert_int_equal(0, st.late);
	assert_int_equal(200, st.reordered);
}


static void test_duplicate(void **state)
{
	struct jb_stats st;
	size_t i, n;

	gen(200, 1, 0, 0, 20, 0);
	n = r->an;
	for (i = 0; i < n; i += 10) {
		r->av[r->an] = r->av[i];
		r->av[r->an++].at += 5000;   /* while still buffered */
		r->av[r->an] = r->av[i];
		r->av[r->an++].at += 500000; /* long after playout   */
	}
	sort();
	run();

	assert_in_order(0, 200);
	assert_int_equal(0, nres(JB_LOST));

	for (i = 0, n = 0; i < r->an; i++)
		n += r->errv[i] == EALREADY;
	assert_int_equal(40, n);

	jb_stats(r->jb, &st);
	assert_int_equal(40, st.duplicates);
	assert_int_equal(240, st.received);
	assert_int_equal(-40, st.lost);  /* RFC 3550 6.4.1: may go below 0 */
	assert_int_equal(0, st.late);
}


static void test_late(void **state)
{
	struct jb_stats st;
	size_t i;

	/* packet 50 comes 100 ms late: concealed in its place, then late */
	gen(200, 1, 0, 0, 20, 0);
	r->av[50].at += 100000;
	sort();
	run();

	assert_int_equal(1, nres(JB_LOST));
	i = frame_of(50, JB_LOST);
	assert_int_equal(160, r->durv[i]);
	assert_true(r->nextv[i]);  /* 51 is there: Opus FEC */
	assert_int_equal(ETIMEDOUT, r->errv[54]);  /* sorted after 51-54 */
	assert_int_equal(50, r->av[54].seq);
	assert_int_equal(0, r->underruns);

	/* the jitter estimate jumps: the delay grows by whole ticks, and
	 * comes back by dropping as much once it has calmed down */
	jb_stats(r->jb, &st);
	assert_int_equal(1, nres(JB_EXPAND));
	i = frame_of(54, JB_EXPAND);
	assert_int_equal(st.dropped * 160, r->durv[i]);
	assert_int_equal(199, nres(JB_PACKET) + st.dropped);
	assert_int_equal(20, st.delay_ms);
	assert_int_equal(1, st.late);
	assert_int_equal(0, st.reordered);
	assert_int_equal(0, st.lost);  /* it did arrive */
	assert_int_equal(200, st.received);
}


static void test_wrap(void **state)
{
	struct jb_stats st;

	/* both the sequence number and the timestamp wrap */
	gen(300, 7, 65436, 0xffffffff - 160 * 150, 20, 0);
	run();

	assert_in_order(65436, 300);
	assert_int_equal(0, nres(JB_LOST));
	assert_int_equal(0, r->underruns);
	assert_true(r->fifo_max <= 20000);

	jb_stats(r->jb, &st);
	assert_int_equal(300, st.received);
	assert_int_equal(0, st.lost);
	assert_int_equal(0, st.resyncs);
	assert_int_equal(20, st.delay_ms);
}


static void test_ssrc_change(void **state)
{
	struct jb_stats st;
	size_t i;

	/* a re-INVITE: new SSRC, sequence and timestamp; a straggler of the
	 * old source comes after the new one started */
	gen(100, 1, 1000, 0, 20, 0);
	gen(100, 2, 40000, 123456789, 20, 2100000);
	r->av[r->an] = r->av[98];
	r->av[r->an++].at = 2130000;
	sort();
	run();

	i = assert_seq_run(0, 1000, 100);
	i = frame_of(40000, JB_PACKET);
	assert_true(r->resyncv[i]);
	assert_true(r->whenv[i] - arrival_of(40000) <= 20000 + TICK);
	assert_seq_run(i, 40000, 100);
	assert_int_equal(200, nres(JB_PACKET));
	assert_true(nres(JB_LOST) <= 5);  /* the 100 ms between the two */

	jb_stats(r->jb, &st);
	assert_int_equal(1, st.ssrc_changes);
	assert_int_equal(1, st.late);
	assert_int_equal(0, st.lost);
	assert_int_equal(200, st.received);
}


static void test_burst_loss(void **state)
{
	struct jb_stats st;
	size_t i, k;

	gen(200, 1, 0, 0, 20, 0);
	for (k = 0; k < 5; k++)
		drop(50);
	run();

	/* five losses in a row in the place of 50-54, then on */
	i = frame_of(49, JB_PACKET);
	for (k = 0; k < 5; k++) {
		assert_int_equal(JB_LOST, r->resv[i + 1 + k]);
		assert_int_equal(50 + k, r->seqv[i + 1 + k]);
		assert_int_equal(160, r->durv[i + 1 + k]);
	}
	assert_true(r->nextv[i + 5]);  /* 55 came in time for FEC */
	assert_int_equal(JB_PACKET, r->resv[i + 6]);
	assert_int_equal(55, r->seqv[i + 6]);
	assert_int_equal(5, nres(JB_LOST));
	assert_int_equal(0, nres(JB_EXPAND));
	assert_int_equal(195, nres(JB_PACKET));
	assert_int_equal(0, r->underruns);
	assert_true(r->fifo_max <= 20000);

	jb_stats(r->jb, &st);
	assert_int_equal(5, st.lost);
	assert_int_equal(195, st.received);
}


/* a jump at packet 100 of 200: timestamps by dts, sequence by dseq */
static void jump(int64_t dts, int dseq)
{
	struct jb_stats st;
	size_t i;

	gen(200, 1, 0, 0, 20, 0);
	for (i = 100; i < 200; i++) {
		r->av[i].ts += (uint32_t)dts;
		r->av[i].seq += dseq;
	}
	run();

	assert_int_equal(200, nres(JB_PACKET));
	assert_seq_run(0, 0, 100);
	i = frame_of(100 + dseq, JB_PACKET);
	assert_true(r->resyncv[i]);
	assert_seq_run(i, 100 + dseq, 100);

	/* no stall: on within a tick of the confirming packet */
	assert_true(r->whenv[i] <= arrival_of(101 + dseq) + TICK);
	assert_true(nres(JB_LOST) <= 1);
	assert_true(r->fifo_max <= 40000);

	jb_stats(r->jb, &st);
	assert_int_equal(1, st.resyncs);
	assert_int_equal(200, st.received);
	assert_int_equal(0, st.lost);
	assert_int_equal(0, st.late);
}


static void test_ts_jump_forward(void **state)
{
	jump(10 * 8000, 0);
}


static void test_ts_jump_back(void **state)
{
	jump(-10 * 8000, 0);
}


static void test_seq_jump(void **state)
{
	jump(0, 5000);
}


static void test_jitter_adapts(void **state)
{
	struct jb_stats st;
	size_t i;
	uint64_t late0, lost0;

	/* 30 s with 0-30 ms uniform jitter, 10 s clean, 1 s silence, 2 s */
	gen(1500, 1, 0, 0, 20, 0);
	for (i = 0; i < 1500; i++)
		r->av[i].at += rnd() % 30000;
	gen(500, 1, 1500, 1500 * 160, 20, 30000000);
	gen(100, 1, 2000, 2050 * 160, 20, 41000000);
	sort();

	/* the first 10 s: the target follows the jitter */
	for (i = 0; i < 500; i++)
		tick(PHASE + i * TICK);
	jb_stats(r->jb, &st);
	assert_true(st.jitter_ms > 7.0 && st.jitter_ms < 13.0);
	assert_true(st.target_ms > 20 && st.target_ms <= 200);
	assert_true(st.delay_ms >= st.target_ms - 5);
	late0 = st.late;
	lost0 = nres(JB_LOST);

	/* settled: hardly any late packet or concealment from here */
	for (; i < 1500; i++)
		tick(PHASE + i * TICK);
	jb_stats(r->jb, &st);
	assert_true(st.late - late0 <= 10);
	assert_true(nres(JB_LOST) - lost0 <= 20);
	assert_true(st.target_ms > 20 && st.target_ms <= 200);

	/* clean: the target is back to the minimum, the delay within a
	 * packet of it */
	for (; i < 2050; i++)
		tick(PHASE + i * TICK);
	jb_stats(r->jb, &st);
	assert_int_equal(20, st.target_ms);
	assert_true(st.jitter_ms < 1.0);
	assert_true(st.delay_ms <= 20 + 20 + 5);

	/* a silence lets it reach the target exactly */
	for (; i < 2200; i++)
		tick(PHASE + i * TICK);
	jb_stats(r->jb, &st);
	assert_int_equal(20, st.delay_ms);
	assert_int_equal(2100, nres(JB_PACKET) + st.late + st.dropped);
	assert_int_equal(0, st.lost);
	assert_true(r->fifo_max <= 60000);
}


static void test_delay_step(void **state)
{
	struct jb_stats st;
	size_t i, k;

	/* the path gets 80 ms slower at packet 100, faster again at 600 */
	gen(1000, 1, 0, 0, 20, 0);
	for (i = 100; i < 600; i++)
		r->av[i].at += 80000;
	sort();
	run();

	/* the packets that come before the change is seen are lost, the
	 * rest play */
	assert_true(nres(JB_LOST) <= 4);
	assert_int_equal(0, r->underruns);
	jb_stats(r->jb, &st);
	assert_int_equal(nres(JB_LOST), st.late);
	assert_int_equal(1000, nres(JB_PACKET) + st.late + st.dropped);
	assert_int_equal(0, st.lost);

	/* each tick the delay grew by is dropped again later */
	for (i = 0, k = 0; i < r->n; i++)
		k += r->resv[i] == JB_EXPAND ? r->durv[i] / 160 : 0;
	assert_int_equal(k, st.dropped);
	assert_true(k >= 3);
	assert_int_equal(20, st.delay_ms);
}


static void test_stall(void **state)
{
	struct jb_stats st;
	size_t i;

	/* the network holds packets 100-124 for up to 500 ms, then lets
	 * them all through at once: not a new stream */
	gen(400, 1, 0, 0, 20, 0);
	for (i = 100; i < 125; i++)
		r->av[i].at = 2501000 + i;
	run();

	jb_stats(r->jb, &st);
	assert_int_equal(0, st.resyncs);
	assert_int_equal(0, st.lost);
	assert_int_equal(400, nres(JB_PACKET) + st.late + st.dropped);
	assert_true(st.late >= 10);

	/* after it, playout goes on and the delay comes back */
	i = frame_of(130, JB_PACKET);
	assert_true(r->whenv[i] - arrival_of(130) <= 200000 + TICK);
	assert_true(st.delay_ms <= 20 + 5);
	assert_true(r->fifo_max <= 200000 + TICK);
}


static void test_jitter_max(void **state)
{
	struct jb_stats st;
	size_t i;

	/* 0-400 ms of jitter: the target stops at the maximum, and the
	 * stream goes on */
	gen(1500, 1, 0, 0, 20, 0);
	for (i = 0; i < 1500; i++)
		r->av[i].at += rnd() % 400000;
	sort();
	run();

	jb_stats(r->jb, &st);
	assert_int_equal(200, st.target_ms);
	assert_true(st.jitter_ms > 80.0);
	assert_true(nres(JB_PACKET) > 1000);
	assert_true(r->fifo_max <= 200000 + 2 * TICK);
}


static void test_stats(void **state)
{
	static const size_t lostv[] = {10, 11, 300, 301, 302, 555, 800};
	static const size_t latev[] = {100, 400, 700};
	static const size_t dupv[] = {150, 151, 600};
	struct jb_stats st;
	size_t i, j;

	gen(1000, 9, 20000, 777, 20, 0);
	for (i = 0; i < ARRAY_SIZE(latev); i++)
		r->av[latev[i]].at += 150000;
	for (i = 0; i < ARRAY_SIZE(dupv); i++) {
		r->av[r->an] = r->av[dupv[i]];
		r->av[r->an++].at += 3000;
	}
	for (i = ARRAY_SIZE(lostv); i > 0; i--)
		drop(lostv[i - 1]);
	sort();
	run();

	jb_stats(r->jb, &st);
	assert_int_equal(1000 - 7 + 3, st.received);
	assert_int_equal(7 - 3, st.lost);
	assert_int_equal(3, st.late);
	assert_int_equal(3, st.duplicates);
	assert_int_equal(0, st.reordered);
	assert_int_equal(0, st.ssrc_changes);
	assert_int_equal(0, st.resyncs);
	assert_int_equal(0, st.overflow);
	assert_int_equal(10, nres(JB_LOST));
	assert_int_equal(990, nres(JB_PACKET) + st.dropped);
	assert_true(nres(JB_EXPAND) <= 3 && st.dropped <= 6);
	assert_int_equal(0, r->underruns);

	/* each packet lost or late is concealed in its own place */
	for (i = 0; i < ARRAY_SIZE(lostv); i++) {
		j = frame_of(20000 + lostv[i], JB_LOST);
		assert_int_equal(160, r->durv[j]);
	}
	for (i = 0; i < ARRAY_SIZE(latev); i++)
		(void)frame_of(20000 + latev[i], JB_LOST);

	/* the jitter the late ones caused has faded */
	assert_true(st.jitter_ms < 0.1);
	assert_int_equal(20, st.delay_ms);
}


static void test_overflow(void **state)
{
	struct jb_frame f;
	struct jb_stats st;
	uint8_t pl[4] = {0};
	size_t i;

	/* nobody takes: at most 64 held, the oldest go */
	for (i = 0; i < 100; i++) {
		struct jb_pkt p = {1, (uint16_t)i, (uint32_t)i * 160, false,
				   pl, sizeof(pl)};

		assert_int_equal(0, jb_put(r->jb, &p, i * 20000));
	}
	jb_stats(r->jb, &st);
	assert_int_equal(36, st.overflow);

	for (i = 0; i < 64; i++) {
		assert_int_equal(JB_PACKET, jb_get(r->jb, 2010000, &f));
		assert_int_equal(36 + i, f.pkt.seq);
	}
	assert_int_equal(JB_WAIT, jb_get(r->jb, 2010000, &f));
}


static void test_silence(void **state)
{
	struct jb_stats st;
	size_t i;

	/* a talkspurt, 2 s without packets (RFC 3551 4.1 silence, Opus DTX:
	 * no sequence number missing), another talkspurt */
	gen(50, 1, 0, 0, 20, 0);
	gen(50, 1, 50, 150 * 160, 20, 3000000);
	run();

	assert_in_order(0, 100);
	i = frame_of(50, JB_PACKET);
	assert_true(r->whenv[i] - arrival_of(50) <= 20000 + TICK);

	/* concealment after the end of the first one is bounded */
	assert_true(nres(JB_LOST) <= 10);

	jb_stats(r->jb, &st);
	assert_int_equal(0, st.lost);
	assert_int_equal(0, st.resyncs);
	assert_int_equal(0, st.late);
}


static void test_events(void **state)
{
	struct jb_stats st;
	size_t i;

	/* RFC 4733 events take sequence numbers 50-59 in place of audio */
	gen(100, 1, 0, 0, 20, 0);
	for (i = 50; i < 60; i++) {
		r->av[i].len = 0;
		r->av[i].ts = 50 * 160;
	}
	run();

	assert_int_equal(90, nres(JB_PACKET));
	assert_seq_run(0, 0, 50);
	assert_seq_run(frame_of(60, JB_PACKET), 60, 40);
	assert_int_equal(0, nres(JB_LOST));

	jb_stats(r->jb, &st);
	assert_int_equal(0, st.lost);
	assert_int_equal(100, st.received);
}


static void ptime_change(bool played)
{
	size_t i;

	/* Opus: 48 kHz clock, 60 ms, then 20 ms, then 60 ms packets */
	assert_int_equal(0, jb_set_clock(r->jb, 48000));
	r->clock = 48000;
	r->no_played = !played;
	gen(50, 1, 0, 0, 60, 0);
	gen(150, 1, 50, 50 * 2880, 20, 3000000);
	gen(50, 1, 200, 50 * 2880 + 150 * 960, 60, 6000000);
	run();

	assert_in_order(0, 250);
	for (i = 0; i < r->n; i++)
		assert_true(r->durv[i] == 960 || r->durv[i] == 2880);
	assert_true(r->fifo_max <= 60000 + TICK * (played ? 1 : 2));
}


static void test_ptime_change(void **state)
{
	ptime_change(true);
	assert_int_equal(0, nres(JB_LOST));
	assert_int_equal(0, r->underruns);
}


static void test_ptime_change_unplayed(void **state)
{
	/* without jb_played() the first packet after a longer one is taken
	 * for as long as the one before: once concealed for nothing */
	ptime_change(false);
	assert_true(nres(JB_LOST) <= 2);
}


static void test_flush_and_args(void **state)
{
	struct jb_prm prm = {0, 0, 0, 0, 0};
	struct jb_frame f;
	struct jb_stats st;
	struct jb *jb = NULL;
	uint8_t pl[2] = {0};
	struct jb_pkt p = {1, 10, 1600, false, pl, sizeof(pl)};
	struct jb_pkt ev = {1, 9, 1600, false, NULL, 0};

	assert_int_equal(EINVAL, jb_alloc(&jb, &prm));
	prm.clock = 8000;
	prm.min_ms = 300;
	assert_int_equal(EINVAL, jb_alloc(&jb, &prm));
	assert_null(jb);
	assert_int_equal(EINVAL, jb_set_clock(r->jb, 0));

	assert_int_equal(JB_WAIT, jb_get(r->jb, 0, &f));
	assert_int_equal(JB_WAIT, jb_get(NULL, 0, &f));
	assert_int_equal(ENOENT, jb_put(r->jb, &ev, 0));

	p.len = JB_PKT_MAX + 1;
	assert_int_equal(EINVAL, jb_put(r->jb, &p, 0));
	p.len = sizeof(pl);
	p.pl = NULL;
	assert_int_equal(EINVAL, jb_put(r->jb, &p, 0));
	p.pl = pl;

	assert_int_equal(0, jb_put(r->jb, &p, 0));
	assert_int_equal(JB_WAIT, jb_get(r->jb, 19999, &f));
	jb_flush(r->jb);
	assert_int_equal(JB_WAIT, jb_get(r->jb, 30000, &f));

	/* after a flush the next packet starts a new timeline */
	p.seq = 500;
	p.ts = 99999;
	assert_int_equal(0, jb_put(r->jb, &p, 40000));
	assert_int_equal(JB_WAIT, jb_get(r->jb, 59999, &f));
	assert_int_equal(JB_PACKET, jb_get(r->jb, 60000, &f));
	assert_int_equal(500, f.pkt.seq);
	assert_true(f.resync);

	jb_stats(r->jb, &st);
	assert_int_equal(2, st.received);
	assert_int_equal(0, st.lost);
	jb_stats(NULL, &st);
	assert_int_equal(0, st.received);
}


static void test_random_input(void **state)
{
	uint8_t pl[JB_PKT_MAX];
	struct jb_frame f;
	uint32_t ts = 0, ssrc = 1;
	uint64_t now = 0;
	uint16_t seq = 0;
	size_t i, k;

	/* anything in any order: no crash, no endless loop, sane frames */
	memset(pl, 0xa5, sizeof(pl));
	for (i = 0; i < 300000; i++) {
		uint32_t x = rnd();
		struct jb_pkt p = {ssrc, seq, ts, x & 1, pl, 0};
		enum jb_res res;

		now += rnd() % 30000;
		switch (x >> 28) {

		case 0:  p.seq += rnd() % 4000; break;
		case 1:  p.ts += rnd(); break;
		case 2:  p.ssrc = ssrc = rnd() % 3; break;
		case 3:  p.seq -= rnd() % 100; break;
		case 4:  if (x & 2) jb_flush(r->jb); break;
		case 5:  (void)jb_set_clock(r->jb, x & 2 ? 8000 : 48000); break;
		default: seq += 1; ts += 160 * (1 + rnd() % 6); break;
		}
		p.len = rnd() % 16 ? 1 + rnd() % JB_PKT_MAX : 0;
		(void)jb_put(r->jb, &p, now);

		for (k = 0; k < 1000; k++) {
			res = jb_get(r->jb, now, &f);
			if (res == JB_WAIT)
				break;
			if (res == JB_PACKET) {
				assert_true(f.pkt.len > 0);
				assert_true(f.pkt.len <= JB_PKT_MAX);
				assert_int_equal(0xa5, f.pkt.pl[0]);
				assert_int_equal(0xa5, f.pkt.pl[f.pkt.len - 1]);
				jb_played(r->jb, rnd() % 8000);
			}
			else {
				assert_null(f.pkt.pl);
			}
			if (f.next)
				assert_int_equal(0xa5, f.next->pl[0]);
		}
		assert_true(k < 1000);
	}
}


int main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
#define T(t) leak_test_setup_teardown(t, setup, teardown)
		T(test_in_order),
		T(test_reorder),
		T(test_duplicate),
		T(test_late),
		T(test_wrap),
		T(test_ssrc_change),
		T(test_burst_loss),
		T(test_ts_jump_forward),
		T(test_ts_jump_back),
		T(test_seq_jump),
		T(test_jitter_adapts),
		T(test_delay_step),
		T(test_stall),
		T(test_jitter_max),
		T(test_stats),
		T(test_overflow),
		T(test_silence),
		T(test_events),
		T(test_ptime_change),
		T(test_ptime_change_unplayed),
		T(test_flush_and_args),
		T(test_random_input),
#undef T
	};

	(void)argc;
	leak_init(argv);

	return cmocka_run_group_tests_name("jb", tests, NULL, NULL);
}
