/**
 * @file room_tick.c  A room's tick: pull, mix-minus, forward or encode
 *
 * Every 20 ms each member's next frame goes into the mixer. Talkers hear
 * the mix minus their own voice through their own encoder; everyone else
 * hears the shared mix, and listeners that share (codec, ptime) share one
 * encode of it: that is what keeps a room of many listeners cheap.
 *
 * Where what a member hears is one other member's voice alone (the other
 * of two talkers; the only talker, for a listener), the packet that voice
 * came in goes on as it came, with the listener's own SSRC, sequence and
 * timestamps: no encode, and no second generation of coding loss. The
 * legs keep the packets and send; which packet goes to whom is decided
 * here, and only here.
 *
 * Everything here runs on the room's media thread.
 */
#include <string.h>
#include <re.h>
#include "codec.h"
#include "leg.h"
#include "room_tick.h"

enum {
	GRP_PKTS = ROOM_TICK_MS / PTIME_MIN,  /* most packets per tick */
	CHANS_STACK = 512,                     /* members without a malloc */
};

struct rtick {
	struct list members;           /* struct rt_member, not owned   */
	struct mixer *mix;
	struct list grps;              /* shared encoders (struct encgrp)*/
	uint32_t opus_complexity;
	struct rtick_stats st;
	rtick_talk_h *th;
	void *arg;
};

/* One encode of the shared mix for listeners with the same codec/ptime */
struct encgrp {
	struct le le;
	const struct codec *codec;
	uint32_t ptime;                /* [ms] */
	struct aenc *enc;
	uint64_t tick;                 /* tick whose output pkts hold   */
	size_t npkts;
	struct {
		uint8_t buf[PKT_MAX];
		size_t len;
		uint32_t dur;          /* [RTP clock units] */
	} pkts[GRP_PKTS];
};


static void grp_destructor(void *arg)
{
	struct encgrp *g = arg;

	list_unlink(&g->le);
	mem_deref(g->enc);
}


static struct encgrp *grp_get(struct rtick *rt, const struct codec *c,
			      uint32_t ptime)
{
	struct encgrp *g;

	for (struct le *le = rt->grps.head; le; le = le->next) {
		g = le->data;
		if (g->codec == c && g->ptime == ptime)
			return g;
	}

	g = mem_zalloc(sizeof(*g), grp_destructor);
	if (!g)
		return NULL;

	if (aenc_alloc(&g->enc, c, ptime, rt->opus_complexity)) {
		mem_deref(g);
		return NULL;
	}

	g->codec = c;
	g->ptime = ptime;
	g->tick = UINT64_MAX;
	list_append(&rt->grps, &g->le, g);

	return g;
}


static void grp_pkt_h(const uint8_t *pl, size_t len, uint32_t dur, void *arg)
{
	struct encgrp *g = arg;

	if (g->npkts >= GRP_PKTS)
		return;

	memcpy(g->pkts[g->npkts].buf, pl, len);
	g->pkts[g->npkts].len = len;
	g->pkts[g->npkts].dur = dur;
	g->npkts++;
}


static void destructor(void *arg)
{
	struct rtick *rt = arg;

	list_clear(&rt->members);
	list_flush(&rt->grps);
	mixer_free(rt->mix);
}


/**
 * Make a room's tick
 *
 * @param rtp              Set on success
 * @param talkers_max      The mixer's K, 0 = all
 * @param opus_complexity  For the shared encoders
 * @param th               Told when a member's talking changes; may be
 *                         NULL
 * @param arg              Its argument
 *
 * @return 0 or errno
 */
int rtick_alloc(struct rtick **rtp, uint32_t talkers_max,
		uint32_t opus_complexity, rtick_talk_h *th, void *arg)
{
	struct mixer_prm mprm = {ROOM_FRAME, talkers_max};
	struct rtick *rt;
	int err;

	if (!rtp)
		return EINVAL;

	rt = mem_zalloc(sizeof(*rt), destructor);
	if (!rt)
		return ENOMEM;

	rt->opus_complexity = opus_complexity;
	rt->th = th;
	rt->arg = arg;

	err = mixer_alloc(&rt->mix, &mprm);
	if (err)
		mem_deref(rt);
	else
		*rtp = rt;

	return err;
}


/** Mix the member from the next tick on (media thread) */
void rtick_add(struct rtick *rt, struct rt_member *m)
{
	mixer_chan_init(&m->chan);
	m->talking = false;
	list_append(&rt->members, &m->le, m);
}


/** Stop mixing the member (media thread) */
void rtick_remove(struct rtick *rt, struct rt_member *m)
{
	(void)rt;
	list_unlink(&m->le);
}


void rtick_set_talkers_max(struct rtick *rt, uint32_t talkers_max)
{
	mixer_set_talkers_max(rt->mix, talkers_max);
}


void rtick_stats(const struct rtick *rt, struct rtick_stats *st)
{
	*st = rt->st;
}


/* A listener hears the shared mix through its group's single encode */
static void send_shared(struct rtick *rt, struct rt_member *m,
			const int16_t *mix)
{
	struct encgrp *g = grp_get(rt, leg_codec(m->leg), leg_ptime(m->leg));

	if (!g)
		return;

	if (g->tick != rt->st.ticks) {
		g->tick = rt->st.ticks;
		g->npkts = 0;
		(void)aenc_push(g->enc, mix, ROOM_FRAME, grp_pkt_h, g);
		rt->st.encodes++;
	}

	for (size_t i = 0; i < g->npkts; i++)
		leg_send(m->leg, g->pkts[i].buf, g->pkts[i].len,
			 g->pkts[i].dur);
}


/* The talkers of this tick if there are at most two, else none */
static size_t talkers_few(const struct rtick *rt, struct rt_member *tv[2])
{
	size_t n = 0;

	if (rt->st.talkers > 2)
		return 0;

	for (struct le *le = rt->members.head; le && n < 2; le = le->next) {
		struct rt_member *m = le->data;

		if (m->chan.talker)
			tv[n++] = m;
	}

	return n;
}


/* Whether src's packet of this tick can reach dst as it came: the same
 * codec, 20 ms packets both ways (one packet made the frame), and src's
 * gain is 0 dB (the packet is what the mix would have encoded) */
static bool can_forward(const struct rt_member *src,
			const struct rt_member *dst)
{
	return leg_codec(src->leg) == leg_codec(dst->leg) &&
		leg_ptime(src->leg) == ROOM_TICK_MS &&
		leg_ptime(dst->leg) == ROOM_TICK_MS &&
		src->chan.gain_q12 == MIXER_GAIN_UNITY;
}


/* Whom m hears alone this tick, if that voice can be forwarded to m */
static struct rt_member *forward_src(const struct rt_member *m,
				     const int16_t *shared,
				     struct rt_member *const tv[2], size_t nt)
{
	struct rt_member *src = NULL;

	if (m->chan.out == shared && nt == 1)
		src = tv[0];
	else if (m->chan.out != shared && nt == 2)
		src = tv[0] == m ? tv[1] : tv[0];

	return src && src != m && can_forward(src, m) ? src : NULL;
}


/* Send m what it hears this tick: a forwarded packet, the shared encode
 * or its own */
static void send_member(struct rtick *rt, struct rt_member *m,
			const int16_t *shared, struct rt_member *const tv[2],
			size_t nt)
{
	struct rt_member *src = forward_src(m, shared, tv, nt);
	const uint8_t *pl;
	size_t len;

	if (src && leg_pass(src->leg, &pl, &len)) {
		leg_send(m->leg, pl, len,
			 leg_codec(m->leg)->clock / 1000 * ROOM_TICK_MS);
		rt->st.forwards++;
	}
	else if (m->chan.out == shared) {
		send_shared(rt, m, shared);
	}
	else if (!leg_encode(m->leg, m->chan.out)) {
		rt->st.encodes++;
	}
}


/* Fill the mixer's input from every member's leg */
static size_t pull_all(struct rtick *rt, struct mixer_chan **chans)
{
	size_t n = 0;

	for (struct le *le = rt->members.head; le; le = le->next) {
		struct rt_member *m = le->data;
		const struct leg_ctl *ctl = leg_ctl(m->leg);

		m->chan.pcm = leg_pull(m->leg, m->talking);
		m->chan.muted = ctl->muted;
		m->chan.deaf = ctl->deaf || !leg_hears(m->leg);
		m->chan.gain_q12 = ctl->gain_q12;
		chans[n++] = &m->chan;
	}

	return n;
}


/**
 * Mix one tick and send every member its audio (media thread, every
 * ROOM_TICK_MS)
 *
 * @return false if the room has nobody to mix
 */
bool rtick_run(struct rtick *rt)
{
	struct mixer_chan *chv[CHANS_STACK];
	struct mixer_chan **chans = chv;
	struct rt_member *tv[2];
	const int16_t *shared;
	uint64_t loudest = 0;
	size_t n, nt, cnt = list_count(&rt->members);

	if (!cnt)
		return false;

	if (cnt > ARRAY_SIZE(chv)) {
		chans = mem_alloc(cnt * sizeof(*chans), NULL);
		if (!chans)
			return true;
	}

	n = pull_all(rt, chans);

	rt->st.encodes = 0;
	rt->st.forwards = 0;
	rt->st.loudest = 0;
	if (mixer_tick(rt->mix, chans, n))
		goto out;

	shared = mixer_shared(rt->mix);
	rt->st.talkers = mixer_talker_count(rt->mix);
	nt = talkers_few(rt, tv);

	for (struct le *le = rt->members.head; le; le = le->next) {
		struct rt_member *m = le->data;

		if (m->chan.talker && m->chan.energy >= loudest) {
			loudest = m->chan.energy;
			rt->st.loudest = m->id;
		}

		if (m->chan.talker != m->talking) {
			m->talking = m->chan.talker;
			if (rt->th)
				rt->th(m, rt->arg);
		}

		if (m->chan.out)
			send_member(rt, m, shared, tv, nt);
	}

 out:
	rt->st.ticks++;
	if (chans != chv)
		mem_deref(chans);

	return true;
}


/** Periods never mixed: every stream we send skips them (media thread) */
void rtick_skip(struct rtick *rt, uint64_t periods)
{
	for (struct le *le = rt->members.head; le; le = le->next) {
		struct rt_member *m = le->data;

		leg_skip(m->leg, periods);
	}
}
