/**
 * @file room_video.c  A room's video forwarder
 *
 * Each receiver is sent one stream (vfwd.c): the source vsel.c picks for
 * it, which follows the audio's loudest talker. Packets are forwarded the
 * moment they arrive, on the room's media thread, never held for the
 * audio tick; a packet from a source nobody is shown (or waits for) is
 * counted and dropped before its payload is looked at.
 *
 * A receiver taken to a new source waits for that source's keyframe and
 * keeps the old one until then, so a keyframe is asked for at once, and
 * asked again while none comes (the first may be lost, or ignored). Every
 * request to a source, whoever it is for, goes through one rate limit.
 *
 * NACKs are translated, not answered from a history: a receiver's
 * sequence is the source's plus a constant offset since the last switch,
 * so the numbers map back, the source (which holds the packets) resends,
 * and the forwarder keeps no copy of anything.
 *
 * Everything here runs on the room's media thread.
 */
#include <string.h>
#include <time.h>
#include <re.h>
#include "room_video.h"
#include "vkey.h"
#include "vleg.h"

enum {
	VIDEO_CLOCK = 90000,     /* [Hz] RTP clock of every video codec   */
	KEY_GAP_MS = 300,        /* at most one request to a source per   */
	KEY_RETRY_MS = 400,      /* no keyframe this long: ask again      */
	PUBLISH_TICKS = 5,       /* statistics every 100 ms               */
};

struct rvid {
	struct list members;     /* struct rv_member, not owned           */
	struct vsel sel;
	enum rvid_mode mode;
	rvid_news_h *nh;
	void *arg;
	struct rvid_stats st;
	uint32_t ticks;
	uint64_t now_ms;         /* the last tick's time [ms, monotonic]  */
};


static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}


static void destructor(void *arg)
{
	struct rvid *rv = arg;

	list_clear(&rv->members);
}


/**
 * Make a room's video forwarder
 *
 * @param rvp   Set on success
 * @param prm   How the talker takes the floor
 * @param mode  Follow the talker, pinned or off
 * @param nh    Told of a new source and of SIP INFOs to send
 * @param arg   Its argument
 *
 * @return 0 or errno
 */
int rvid_alloc(struct rvid **rvp, const struct vsel_prm *prm,
	       enum rvid_mode mode, rvid_news_h *nh, void *arg)
{
	struct rvid *rv;

	if (!rvp || !prm)
		return EINVAL;

	rv = mem_zalloc(sizeof(*rv), destructor);
	if (!rv)
		return ENOMEM;

	vsel_init(&rv->sel, prm);
	rv->mode = mode;
	rv->nh = nh;
	rv->arg = arg;
	*rvp = rv;

	return 0;
}


static struct rv_member *find(const struct rvid *rv, uint64_t id)
{
	for (struct le *le = rv->members.head; id && le; le = le->next) {
		struct rv_member *m = le->data;

		if (m->id == id)
			return m;
	}

	return NULL;
}


/* A member that sends video, other than id; 0 for none */
static uint64_t other_sender(const struct rvid *rv, uint64_t id)
{
	for (struct le *le = rv->members.head; le; le = le->next) {
		const struct rv_member *m = le->data;

		if (m->sends && m->id != id)
			return m->id;
	}

	return 0;
}


static void news(struct rvid *rv, int type, uint64_t id,
		 enum vsel_reason reason)
{
	struct rvid_news n = {type, id, reason};

	if (rv->nh)
		rv->nh(&n, rv->arg);
}


static void source_news(struct rvid *rv, enum vsel_reason reason)
{
	uint64_t src = rv->mode == RVID_OFF ? 0 : rv->sel.cur;

	if (src == rv->st.source && reason != VSEL_PINNED)
		return;

	rv->st.source = src;
	news(rv, RVID_SOURCE, src, reason);
}


/* One keyframe request to src, within its rate limit (RFC 4585 3.4
 * leaves the pace to the application; a keyframe costs the source many
 * times a delta frame) */
static void ask_key(struct rvid *rv, struct rv_member *src, uint64_t now_ms)
{
	if (!src->sends)
		return;

	if (src->asked_ms && now_ms - src->asked_ms < KEY_GAP_MS)
		return;

	src->asked_ms = now_ms;
	if (vleg_ask_key(src->vl) == VLEG_KEY_INFO)
		news(rv, RVID_INFO, src->id, VSEL_NONE);
}


/* Who is shown or waited for by whom: a source nobody needs costs one
 * counter per packet */
static void count_watchers(struct rvid *rv)
{
	struct le *le;

	for (le = rv->members.head; le; le = le->next) {
		struct rv_member *s = le->data;

		s->watchers = 0;
	}

	for (le = rv->members.head; le; le = le->next) {
		const struct rv_member *r = le->data;
		struct rv_member *s;

		if (!r->out.want_set)
			continue;

		s = find(rv, r->out.want);
		if (s)
			s->watchers++;

		if (r->out.mapped && r->out.src != r->out.want &&
		    (s = find(rv, r->out.src)))
			s->watchers++;
	}
}


/* Whether a receiver waits for src's keyframe */
static bool waited_for(const struct rvid *rv, uint64_t src)
{
	for (struct le *le = rv->members.head; le; le = le->next) {
		const struct rv_member *r = le->data;

		if (r->out.want_set && r->out.want == src &&
		    vfwd_waiting(&r->out))
			return true;
	}

	return false;
}


/* Point every receiver at the source the selection gives it */
static void apply(struct rvid *rv, uint64_t now_ms)
{
	for (struct le *le = rv->members.head; le; le = le->next) {
		struct rv_member *r = le->data;
		struct rv_member *s;
		uint64_t src = 0;

		if (r->gets && rv->mode != RVID_OFF)
			src = vsel_source_for(&rv->sel, r->id);

		s = find(rv, src);
		if (!s || !s->sends) {
			if (r->out.want_set)
				vfwd_stop(&r->out);
			vleg_watching(r->vl, 0);
			continue;
		}

		if (r->out.want_set && r->out.want == src)
			continue;

		vfwd_follow(&r->out, src);
		if (!vfwd_waiting(&r->out))
			continue;

		/* a new receiver, or a switch: from the next keyframe */
		rv->st.key_waits++;
		if (!s->wait_ms)
			s->wait_ms = now_ms;
		ask_key(rv, s, now_ms);
	}

	count_watchers(rv);
}


/* vleg_rtp_h: a packet from source s, to everyone shown s */
static void rtp_handler(struct vleg *vl, const struct vleg_pkt *pkt,
			void *arg)
{
	struct rv_member *s = arg;
	struct rvid *rv = s->rv;
	struct vfwd_pkt in, out;
	bool switched = false, wait = false;
	uint64_t now;

	if (!s->watchers) {
		vleg_count(vl, true, false);
		rv->st.dropped++;
		return;
	}

	in.src = s->id;
	in.ssrc = pkt->ssrc;
	in.seq = pkt->seq;
	in.ts = pkt->ts;
	in.key = vkey_start(vleg_media(vl)->codec, pkt->pl, pkt->len);
	vleg_count(vl, false, in.key);
	now = now_us();

	for (struct le *le = rv->members.head; le; le = le->next) {
		struct rv_member *r = le->data;
		enum vfwd_res res;

		/* its leg's negotiation, not the last poll's: a receiver that
		 * just stopped taking video uses up no sequence numbers */
		if (r == s || !r->out.want_set || !vleg_gets(r->vl))
			continue;

		res = vfwd_packet(&r->out, &in, now, VIDEO_CLOCK, &out);
		if (res == VFWD_WAIT)
			wait = true;
		if (res != VFWD_SEND && res != VFWD_SWITCH)
			continue;

		if (vleg_send(r->vl, pkt, out.seq, out.ts))
			rv->st.forwarded++;

		if (res == VFWD_SWITCH) {
			rv->st.switches++;
			vleg_watching(r->vl, s->id);
			switched = true;
		}
	}

	/* a receiver waits for this source's keyframe: also one whose
	 * source came back with a new SSRC, which no switch asked for */
	if (wait)
		ask_key(rv, s, rv->now_ms);

	if (!switched)
		return;

	count_watchers(rv);
	if (!waited_for(rv, s->id))
		s->wait_ms = 0;
}


/* vleg_fb_h: receiver r wants a keyframe, or lost packets */
static void fb_handler(struct vleg *vl, enum vleg_fb fb, uint16_t pid,
		       uint16_t blp, void *arg)
{
	struct rv_member *r = arg;
	struct rvid *rv = r->rv;
	struct rv_member *s;

	(void)vl;

	if (!r->out.want_set)
		return;

	s = find(rv, r->out.mapped ? r->out.src : r->out.want);
	if (!s)
		return;

	/* the tick's clock: one clock for every request's rate limit */
	if (fb == VLEG_FB_KEY)
		ask_key(rv, s, rv->now_ms);
	else if (r->out.mapped)
		vleg_nack(s->vl, r->out.ssrc, (uint16_t)(pid - r->out.seq_off),
			  blp);
}


/** Forward m's video from now on, and send it video (media thread) */
void rvid_add(struct rvid *rv, struct rv_member *m)
{
	m->rv = rv;
	vfwd_init(&m->out, (uint16_t)rand_u16(), rand_u32());
	m->sends = false;
	m->gets = false;
	m->watchers = 0;
	m->asked_ms = 0;
	m->wait_ms = 0;
	list_append(&rv->members, &m->le, m);
	vleg_sink(m->vl, rtp_handler, fb_handler, m);
}


/* id no longer sends video, or left: the floor passes on */
static void gone(struct rvid *rv, uint64_t id, uint64_t now_ms)
{
	enum vsel_reason r = vsel_gone(&rv->sel, id, other_sender(rv, id),
				       now_ms);

	if (r != VSEL_NONE)
		source_news(rv, r);
}


/** Stop forwarding m's video (media thread) */
void rvid_remove(struct rvid *rv, struct rv_member *m, uint64_t now_ms)
{
	vleg_sink(m->vl, NULL, NULL, NULL);
	vleg_watching(m->vl, 0);
	list_unlink(&m->le);

	gone(rv, m->id, now_ms);
	apply(rv, now_ms);
}


/* What each member's last negotiation says; true if any changed */
static bool poll_members(struct rvid *rv, uint64_t now_ms)
{
	bool changed = false;

	for (struct le *le = rv->members.head; le; le = le->next) {
		struct rv_member *m = le->data;
		bool sends = vleg_live(m->vl), gets = vleg_gets(m->vl);

		if (sends != m->sends) {
			m->sends = sends;
			if (!sends)
				gone(rv, m->id, now_ms);
			changed = true;
		}

		if (gets != m->gets) {
			m->gets = gets;
			changed = true;
		}
	}

	return changed;
}


/* Sources waited for too long: ask again */
static void retry_keys(struct rvid *rv, uint64_t now_ms)
{
	for (struct le *le = rv->members.head; le; le = le->next) {
		struct rv_member *s = le->data;

		if (!s->wait_ms)
			continue;

		if (!waited_for(rv, s->id)) {
			s->wait_ms = 0;
			continue;
		}

		if (now_ms - s->asked_ms >= KEY_RETRY_MS) {
			rv->st.key_timeouts++;
			ask_key(rv, s, now_ms);
		}
	}
}


/**
 * After each audio tick (media thread)
 *
 * @param rv      Forwarder
 * @param talker  The loudest talker of the tick, 0 for nobody
 * @param now_ms  Now [ms, monotonic]
 */
void rvid_tick(struct rvid *rv, uint64_t talker, uint64_t now_ms)
{
	bool changed;
	enum vsel_reason r = VSEL_NONE;

	rv->now_ms = now_ms;
	changed = poll_members(rv, now_ms);

	if (rv->mode == RVID_FOLLOW && talker) {
		const struct rv_member *t = find(rv, talker);

		r = vsel_talker(&rv->sel, talker, t && t->sends, now_ms);
	}

	/* before anyone talks, the first to send video is shown, and it
	 * is shown the next */
	if (rv->mode != RVID_OFF) {
		uint64_t prev = rv->sel.prev;

		if (vsel_fill(&rv->sel, other_sender(rv, rv->sel.cur),
			      now_ms))
			r = VSEL_TALKER;
		(void)vsel_fill(&rv->sel, other_sender(rv, rv->sel.cur),
				now_ms);
		changed |= prev != rv->sel.prev;
	}

	if (r != VSEL_NONE) {
		source_news(rv, r);
		changed = true;
	}

	if (changed || !(rv->ticks % PUBLISH_TICKS))
		apply(rv, now_ms);

	retry_keys(rv, now_ms);

	if (!(rv->ticks++ % PUBLISH_TICKS)) {
		for (struct le *le = rv->members.head; le; le = le->next) {
			struct rv_member *m = le->data;

			vleg_publish(m->vl);
		}
	}
}


/**
 * Show id to everyone, whoever talks (media thread)
 *
 * @return 0, ENOENT if id is not in the room, ENODATA if it sends no
 *         video
 */
int rvid_pin(struct rvid *rv, uint64_t id, uint64_t now_ms)
{
	const struct rv_member *m = find(rv, id);

	if (!m)
		return ENOENT;
	if (!m->sends)
		return ENODATA;

	rv->mode = RVID_PINNED;
	(void)vsel_pin(&rv->sel, id, now_ms);
	source_news(rv, VSEL_PINNED);
	apply(rv, now_ms);

	return 0;
}


/**
 * Change the mode and the floor's brakes (media thread): pinned keeps
 * the source shown now; follow unpins
 */
void rvid_set_mode(struct rvid *rv, enum rvid_mode mode,
		   const struct vsel_prm *prm, uint64_t now_ms)
{
	rv->sel.prm = *prm;

	if (mode == rv->mode)
		return;

	rv->mode = mode;
	if (mode == RVID_PINNED && rv->sel.cur)
		(void)vsel_pin(&rv->sel, rv->sel.cur, now_ms);
	else
		vsel_unpin(&rv->sel);

	source_news(rv, mode == RVID_PINNED ? VSEL_PINNED : VSEL_NONE);
	apply(rv, now_ms);
}


void rvid_stats(const struct rvid *rv, struct rvid_stats *st)
{
	*st = rv->st;
}
