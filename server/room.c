/**
 * @file room.c  A room's tick: pull, mix-minus, encode, send
 *
 * Every 20 ms each participant's next frame goes into the mixer. Talkers
 * hear the mix minus their own voice through their own encoder; everyone
 * else hears the shared mix, and listeners that share (codec, ptime) share
 * one encode of it: that is what keeps a room of many listeners cheap.
 *
 * Where what a participant hears is one other participant's voice alone
 * (the other of two talkers; the only talker, for a listener), the
 * packet that voice came in goes on as it came, with the listener's own
 * SSRC, sequence and timestamps: no encode, and no second generation of
 * coding loss.
 */
#include <string.h>
#include <time.h>
#include <re.h>
#include "cfg.h"
#include "log.h"
#include "part.h"
#include "worker.h"

enum {
	GRP_PKTS = ROOM_TICK_MS / PTIME_MIN,  /* most packets per tick */
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


static struct encgrp *grp_get(struct room *room, const struct codec *c,
			      uint32_t ptime)
{
	struct encgrp *g;

	for (struct le *le = room->grps.head; le; le = le->next) {
		g = le->data;
		if (g->codec == c && g->ptime == ptime)
			return g;
	}

	g = mem_zalloc(sizeof(*g), grp_destructor);
	if (!g)
		return NULL;

	if (aenc_alloc(&g->enc, c, ptime,
		       rooms_config(room->mgr)->opus_complexity)) {
		mem_deref(g);
		return NULL;
	}

	g->codec = c;
	g->ptime = ptime;
	g->tick = UINT64_MAX;
	list_append(&room->grps, &g->le, g);

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


static uint64_t clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}


static void part_pkt_h(const uint8_t *pl, size_t len, uint32_t dur, void *arg)
{
	part_send(arg, pl, len, dur);
}


/* A listener hears the shared mix through its group's single encode */
static void send_shared(struct room *room, struct part *p,
			const int16_t *mix)
{
	struct encgrp *g = grp_get(room, p->media.codec, p->media.ptime);

	if (!g)
		return;

	if (g->tick != room->ticks) {
		g->tick = room->ticks;
		g->npkts = 0;
		(void)aenc_push(g->enc, mix, ROOM_FRAME, grp_pkt_h, g);
		room->encodes_tick++;
	}

	for (size_t i = 0; i < g->npkts; i++)
		part_send(p, g->pkts[i].buf, g->pkts[i].len, g->pkts[i].dur);
}


/**
 * Tell the main thread (the event stream) what happened to a participant
 * on this room's media thread
 */
void room_post(const struct room *room, const struct part *p,
	       enum room_event ev, char digit)
{
	struct worker_event we = {ev, "", p->id, digit};

	str_ncpy(we.room, room->name, sizeof(we.room));
	if (room->wk)
		worker_post(room->wk, &we);
}


/* The talkers of this tick if there are at most two, else none */
static size_t talkers_few(const struct room *room, struct part *tv[2])
{
	size_t n = 0;

	if (room->talkers_tick > 2)
		return 0;

	for (struct le *le = room->parts.head; le && n < 2; le = le->next) {
		struct part *p = le->data;

		if (p->chan.talker)
			tv[n++] = p;
	}

	return n;
}


/* Whom p hears alone this tick, if that voice can be forwarded to p */
static struct part *forward_src(struct part *p, const int16_t *shared,
				struct part *const tv[2], size_t nt)
{
	struct part *src = NULL;

	if (p->chan.out == shared && nt == 1)
		src = tv[0];
	else if (p->chan.out != shared && nt == 2)
		src = tv[0] == p ? tv[1] : tv[0];

	return src && src != p && part_can_forward(src, p) ? src : NULL;
}


/**
 * Mix one tick of a room and send every participant its audio
 *
 * Runs on the thread that owns the room, every ROOM_TICK_MS.
 */
void room_tick(struct room *room)
{
	uint64_t t0 = clock_ns();
	struct mixer_chan *chv[512];
	struct mixer_chan **chans = chv;
	struct part *tv[2];
	const int16_t *shared;
	size_t nt;
	size_t n = 0, cnt = list_count(&room->parts);
	struct le *le;

	if (!cnt)
		return;

	if (cnt > ARRAY_SIZE(chv)) {
		chans = mem_alloc(cnt * sizeof(*chans), NULL);
		if (!chans)
			return;
	}

	for (le = room->parts.head; le; le = le->next) {
		struct part *p = le->data;

		p->chan.pcm = part_pull(p) ? p->frame : NULL;
		p->chan.muted = p->muted;
		p->chan.deaf = p->deaf || !part_hears(p);
		chans[n++] = &p->chan;
	}

	room->encodes_tick = 0;
	if (mixer_tick(room->mix, chans, n))
		goto out;

	shared = mixer_shared(room->mix);
	room->talkers_tick = mixer_talker_count(room->mix);
	room->forwards_tick = 0;
	nt = talkers_few(room, tv);

	for (le = room->parts.head; le; le = le->next) {
		struct part *p = le->data;
		struct part *src;

		if (p->chan.talker != p->talking) {
			p->talking = p->chan.talker;
			room_post(room, p, p->talking ? EV_PART_TALKING :
				  EV_PART_SILENT, 0);
		}

		if (!p->chan.out)
			continue;

		src = forward_src(p, shared, tv, nt);
		if (src) {
			part_send(p, src->pass, src->pass_len,
				  p->media.codec->clock / 1000 * ROOM_TICK_MS);
			room->forwards_tick++;
		}
		else if (p->chan.out == shared) {
			send_shared(room, p, shared);
		}
		else if (part_encoder(p)) {
			(void)aenc_push(p->enc, p->chan.out, ROOM_FRAME,
					part_pkt_h, p);
			room->encodes_tick++;
		}
	}

 out:
	room->ticks++;
	if (chans != chv)
		mem_deref(chans);
	room->tick_ns_last = clock_ns() - t0;
	worker_tick_observe(room->wk, room->tick_ns_last, room->encodes_tick);
}


/**
 * Skip periods that were never mixed: every stream we send jumps ahead
 * by as much, so that its timestamps keep to the sampling clock (RFC 3550
 * 5.1) and the receivers see a gap, not a delay that never goes away.
 */
void room_skip(struct room *room, uint64_t periods)
{
	for (struct le *le = room->parts.head; le; le = le->next) {
		struct part *p = le->data;

		if (p->media.codec)
			p->ts_out += (uint32_t)(periods * p->media.codec->clock
						/ 1000 * ROOM_TICK_MS);
	}
}


/* Main thread: the room's media thread ticks the participant from now */
void room_add_part(struct room *room, struct part *p)
{
	room_lock(room);
	list_append(&room->parts, &p->le, p);
	room_unlock(room);
}


/** The participant with this id, or NULL (main thread) */
struct part *room_part(const struct room *room, uint64_t id)
{
	for (struct le *le = room->parts.head; le; le = le->next) {
		struct part *p = le->data;

		if (p->id == id)
			return p;
	}

	return NULL;
}


bool room_full(const struct room *room)
{
	return room_part_count(room) >= room->prm.max_participants;
}


uint32_t room_part_count(const struct room *room)
{
	return list_count(&room->parts);
}


/**
 * Hold off the room's media thread, to read or change what its tick
 * uses (participant controls and statistics). Main thread; may nest.
 */
void room_lock(const struct room *room)
{
	worker_lock(room->wk);
}


void room_unlock(const struct room *room)
{
	worker_unlock(room->wk);
}
