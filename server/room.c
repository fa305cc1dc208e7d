/**
 * @file room.c  A room: who is in it, and the tick that mixes them
 *
 * The list of participants is the main thread's; each participant's
 * place in the tick (room_tick.c) is the media thread's, added and
 * removed there through worker_call. The tick publishes its counters
 * after each run (room_stats), and tells the main thread of talkers as
 * news. A participant tells the room that it left through the handler the
 * room gave it; the room tells the manager the same way.
 */
#include <string.h>
#include <time.h>
#include <re.h>
#include "cue.h"
#include "log.h"
#include "part.h"
#include "room.h"
#include "room_tick.h"
#include "vleg.h"
#include "worker.h"

/* A participant in the room */
struct member {
	struct le le;                /* in room->parts; data: the part    */
	struct rt_member rt;         /* its place in the tick (media
				      * thread, while linked)            */
	struct rv_member rv;         /* its place in the video forwarder
				      * (media thread, while linked)     */
	struct room *room;
	struct part *p;
	bool ticked;                 /* rt is in the tick                 */

	/* a caller of a room with a PIN, until it is entered: in the list,
	 * out of the tick; it hears cues, the room hears nothing of it */
	bool lobby;
	struct le lobby_le;          /* in room->lobby (media thread)     */
	struct cue cue;              /* what it hears (media thread)      */
	char digits[ROOM_PIN_MAX + 1];  /* entered so far                 */
	uint8_t tries;               /* wrong PINs                        */
	struct tmr pin_tmr;          /* the time it has to enter it       */
};

enum {
	PIN_TRIES = 3,               /* wrong PINs, then BYE              */
	PIN_TIMEOUT_MS = 30000,      /* no PIN by then: BYE               */
	PIN_BYE_MS = 1000,           /* the last "wrong PIN" cue, then BYE */
};

struct room {
	char name[ROOM_NAME_MAX + 1];  /* constant: media thread reads it */
	struct room_prm prm;
	struct room_cfg cfg;
	uint64_t created_at;         /* [unix ms]                         */
	struct worker *wk;           /* its media thread, NULL: none      */
	struct worker_job job;
	struct rtick *rt;            /* the media thread's, once attached */
	struct rvid *rv;             /* the media thread's, once attached */
	struct sdpneg_vwant vw;      /* the video its callers may send    */
	uint64_t video_source;       /* as the media thread last said     */
	struct list parts;           /* struct member                     */
	struct list lobby;           /* members waiting for their PIN
				      * (media thread)                    */
	room_event_h *eh;
	void *arg;
	struct room_stats pub;       /* written by the media thread after
				      * each tick, field by field,
				      * atomically                        */
};


/* a counter for the main thread, written by the media thread only */
#define PUB(f, v) __atomic_store_n(&(f), (v), __ATOMIC_RELAXED)
#define GET(f)    __atomic_load_n(&(f), __ATOMIC_RELAXED)


static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}


static void video_publish(struct room *room)
{
	struct rvid_stats v;

	rvid_stats(room->rv, &v);
	PUB(room->pub.video.forwarded, v.forwarded);
	PUB(room->pub.video.dropped, v.dropped);
	PUB(room->pub.video.switches, v.switches);
	PUB(room->pub.video.key_waits, v.key_waits);
	PUB(room->pub.video.key_timeouts, v.key_timeouts);
	PUB(room->pub.video.source, v.source);
}


/* Callers waiting for their PIN hear the cue; what they send is read
 * (their DTMF, their RTP timeout) and mixed nowhere */
static bool lobby_tick(struct room *room)
{
	int16_t pcm[ROOM_FRAME];

	for (struct le *le = room->lobby.head; le; le = le->next) {
		struct member *m = le->data;

		(void)leg_pull(m->rt.leg, false);
		cue_fill(&m->cue, pcm, ROOM_FRAME, ROOM_SRATE);
		(void)leg_encode(m->rt.leg, pcm);
	}

	return room->lobby.head != NULL;
}


/* worker_tick_h: one tick, the video's floor, then the counters for the
 * main thread */
static bool tick_handler(void *arg, uint32_t *work)
{
	struct room *room = arg;
	struct rtick_stats st;
	bool waiting = lobby_tick(room);

	if (!rtick_run(room->rt))
		return waiting;

	rtick_stats(room->rt, &st);
	*work = st.encodes;

	rvid_tick(room->rv, st.loudest, now_ms());
	video_publish(room);

	__atomic_store_n(&room->pub.ticks, st.ticks, __ATOMIC_RELAXED);
	__atomic_store_n(&room->pub.encodes, st.encodes, __ATOMIC_RELAXED);
	__atomic_store_n(&room->pub.talkers, st.talkers, __ATOMIC_RELAXED);
	__atomic_store_n(&room->pub.forwards, st.forwards, __ATOMIC_RELAXED);

	return true;
}


static void skip_handler(uint64_t periods, void *arg)
{
	struct room *room = arg;

	rtick_skip(room->rt, periods);
}


/* rtick_talk_h (media thread): on to the main thread as news */
static void talk_handler(const struct rt_member *m, void *arg)
{
	const struct room *room = arg;
	struct media_news n;

	memset(&n, 0, sizeof(n));
	n.type = m->talking ? NEWS_TALKING : NEWS_SILENT;
	str_ncpy(n.room, room->name, sizeof(n.room));
	n.part_id = m->id;

	(void)worker_post(room->wk, &n, sizeof(n));
}


/* rvid_news_h (media thread): on to the main thread as news */
static void video_handler(const struct rvid_news *v, void *arg)
{
	const struct room *room = arg;
	struct media_news n;

	memset(&n, 0, sizeof(n));
	n.type = v->type == RVID_SOURCE ? NEWS_VIDEO_SOURCE : NEWS_VIDEO_INFO;
	str_ncpy(n.room, room->name, sizeof(n.room));
	n.part_id = v->id;
	n.reason = (int)v->reason;

	(void)worker_post(room->wk, &n, sizeof(n));
}


static void vsel_prm_of(const struct room_prm *prm, struct vsel_prm *vp)
{
	vp->hold_ms = prm->video_hold_ms;
	vp->settle_ms = ROOM_VIDEO_SETTLE_MS;
}


/* What a new negotiation may agree: the room's codec, or in an "auto"
 * room the one its video callers use, or (none yet) any */
static const struct sdpneg_video *video_in_use(const struct room *room)
{
	for (struct le *le = room->parts.head; le; le = le->next) {
		const struct sdpneg_video *v = part_video(le->data);

		if (v->on)
			return v;
	}

	return NULL;
}


static void vw_update(struct room *room)
{
	struct sdpneg_vwant *w = &room->vw;
	const struct sdpneg_video *v = video_in_use(room);

	w->h264_pm = -1;

	if (room->prm.video_codec != ROOM_VIDEO_AUTO) {
		w->any = false;
		w->codec = (enum vcodec)(room->prm.video_codec - 1);
	}
	else {
		w->any = !v;
		w->codec = v ? v->codec : VCODEC_VP8;
	}

	/* nothing is transcoded, not even the H.264 packetization */
	if (v && v->codec == w->codec && w->codec == VCODEC_H264)
		w->h264_pm = v->h264_pm;
}


static void destructor(void *arg)
{
	struct room *room = arg;
	struct le *le;

	/* the manager closes a room before it lets go of it; should anyone
	 * still be in, nobody above hears of it any more */
	room->eh = NULL;
	while ((le = room->parts.head))
		part_hangup(le->data, "room deleted");

	/* off its worker first: its tick no longer runs */
	worker_detach(room->wk, &room->job);
	if (room->wk)
		worker_load(room->wk, -1);
	mem_deref(room->rt);
	mem_deref(room->rv);
}


/**
 * Make a room and start its tick
 *
 * @param roomp  Set on success; the caller owns it, and room_close()s it
 *               before its last mem_deref()
 * @param name   Its name (the manager checks it), copied
 * @param prm    Its parameters
 * @param cfg    What all rooms share, copied
 * @param wk     The media thread it lives on (NULL: no media)
 * @param eh     Told what happens in it (main thread)
 * @param arg    Its argument
 *
 * @return 0 or errno
 */
int room_alloc(struct room **roomp, const char *name,
	       const struct room_prm *prm, const struct room_cfg *cfg,
	       struct worker *wk, room_event_h *eh, void *arg)
{
	struct timespec ts;
	struct vsel_prm vp;
	struct room *room;
	int err;

	if (!roomp || !name || !prm || !cfg)
		return EINVAL;

	room = mem_zalloc(sizeof(*room), destructor);
	if (!room)
		return ENOMEM;

	str_ncpy(room->name, name, sizeof(room->name));
	room->prm = *prm;
	room->cfg = *cfg;
	room->eh = eh;
	room->arg = arg;

	clock_gettime(CLOCK_REALTIME, &ts);
	room->created_at = (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;

	err = rtick_alloc(&room->rt, prm->talkers_max,
			  cfg->leg.opus_complexity, talk_handler, room);
	if (err)
		goto out;

	vsel_prm_of(prm, &vp);
	err = rvid_alloc(&room->rv, &vp, prm->video_mode, video_handler,
			 room);
	if (err)
		goto out;

	vw_update(room);

	/* set before the worker can tick it: its handlers read it there */
	room->wk = wk;
	room->job.tickh = tick_handler;
	room->job.skiph = skip_handler;
	room->job.arg = room;
	err = worker_attach(wk, &room->job);
	if (err) {
		room->wk = NULL;
		goto out;
	}

	worker_load(wk, 1);

 out:
	if (err)
		mem_deref(room);
	else
		*roomp = room;

	return err;
}


static int tick_add_w(void *arg)
{
	struct member *m = arg;

	rtick_add(m->room->rt, &m->rt);
	if (m->rv.vl)
		rvid_add(m->room->rv, &m->rv);

	return 0;
}


static int tick_remove_w(void *arg)
{
	struct member *m = arg;

	rtick_remove(m->room->rt, &m->rt);
	if (m->rv.vl) {
		rvid_remove(m->room->rv, &m->rv, now_ms());
		vleg_publish(m->rv.vl);
	}

	/* the statistics as they are when it stops: the manager counts
	 * them for the departed */
	leg_publish(m->rt.leg);

	return 0;
}


static int video_add_w(void *arg)
{
	struct member *m = arg;

	rvid_add(m->room->rv, &m->rv);

	return 0;
}


static void member_destructor(void *arg)
{
	struct member *m = arg;

	tmr_cancel(&m->pin_tmr);
	list_unlink(&m->le);
}


static int lobby_add_w(void *arg)
{
	struct member *m = arg;

	cue_start(&m->cue, CUE_ENTER_PIN);
	list_append(&m->room->lobby, &m->lobby_le, m);

	return 0;
}


static int lobby_remove_w(void *arg)
{
	struct member *m = arg;

	list_unlink(&m->lobby_le);

	return 0;
}


static int lobby_wrong_w(void *arg)
{
	struct member *m = arg;

	cue_start(&m->cue, CUE_WRONG_PIN);

	return 0;
}


static int member_tick(struct room *room, struct member *m);


static void pin_error_bye(void *arg)
{
	struct member *m = arg;

	part_hangup(m->p, "server error");
}


/* Let a caller who entered the PIN in */
static void pin_admit(struct room *room, struct member *m)
{
	int err;

	tmr_cancel(&m->pin_tmr);
	(void)worker_call(room->wk, lobby_remove_w, m);
	m->lobby = false;
	part_set_pin_wait(m->p, false);
	log_info("room %s: participant %llu entered the PIN",
		 room->name, (unsigned long long)part_id(m->p));

	err = member_tick(room, m);
	if (err) {
		log_warn("room %s: participant %llu cannot be mixed: %m",
			 room->name, (unsigned long long)part_id(m->p), err);
		tmr_start(&m->pin_tmr, 0, pin_error_bye, m);
		return;
	}

	vw_update(room);
	if (room->eh)
		room->eh(room, EV_PART_JOINED, m->p, NULL, room->arg);
}


static void pin_timeout(void *arg)
{
	struct member *m = arg;

	part_hangup(m->p, "no PIN entered");
}


static void pin_wrong_bye(void *arg)
{
	struct member *m = arg;

	part_hangup(m->p, "wrong PIN");
}


/* One digit from a caller who has not entered the PIN: '*' starts over,
 * '#' ends an entry, and an entry as long as the PIN is complete */
static void pin_digit(struct room *room, struct member *m, char d)
{
	const char *pin = room->prm.pin;
	size_t n = strlen(m->digits);

	if (m->tries >= PIN_TRIES)
		return;   /* its BYE is on the way */

	if (d == '*') {
		m->digits[0] = '\0';
		return;
	}

	/* '#' ends an entry; with nothing entered it is no try */
	if (d == '#' && !n)
		return;

	if (d != '#') {
		if (n < ROOM_PIN_MAX) {
			m->digits[n++] = d;
			m->digits[n] = '\0';
		}
		if (n < strlen(pin))
			return;
	}

	/* the PIN removed meanwhile lets everyone in */
	if (!pin[0] || !strcmp(m->digits, pin)) {
		pin_admit(room, m);
		return;
	}

	m->digits[0] = '\0';
	++m->tries;
	log_info("room %s: participant %llu: wrong PIN (%u of %u)",
		 room->name, (unsigned long long)part_id(m->p), m->tries,
		 PIN_TRIES);
	if (room->eh)
		room->eh(room, EV_PART_PIN_FAILED, m->p, NULL, room->arg);

	/* the BYE after the "wrong PIN" cue is heard, and not from within
	 * the participant's own event: hanging up frees it */
	if (m->tries >= PIN_TRIES) {
		tmr_start(&m->pin_tmr, PIN_BYE_MS, pin_wrong_bye, m);
		(void)worker_call(room->wk, lobby_wrong_w, m);
		return;
	}

	/* each try has its own time */
	tmr_start(&m->pin_tmr, PIN_TIMEOUT_MS, pin_timeout, m);
	(void)worker_call(room->wk, lobby_wrong_w, m);
}


/* part_event_h: on to the manager. A participant that left is out of the
 * tick and the list first; the manager may end the room in its handler,
 * so that is the last thing done here. */
static void part_event_handler(struct part *p, enum room_event ev,
			       const char *reason, void *arg)
{
	struct member *m = arg;
	struct room *room = m->room;

	/* a PIN's digits go to the room, not to the event stream */
	if (ev == EV_PART_DTMF && m->lobby && reason) {
		pin_digit(room, m, reason[0]);
		return;
	}

	if (ev == EV_PART_LEFT) {
		if (m->lobby)
			(void)worker_call(room->wk, lobby_remove_w, m);
		if (m->ticked)
			(void)worker_call(room->wk, tick_remove_w, m);
		worker_load(room->wk, -1);
		mem_deref(m);
	}

	/* video added by a re-INVITE to a call that had none */
	if (ev == EV_PART_UPDATED && m->ticked && !m->rv.vl &&
	    part_vleg(p)) {
		m->rv.vl = part_vleg(p);
		if (worker_call(room->wk, video_add_w, m))
			m->rv.vl = NULL;
	}

	/* the codec of an "auto" room is its video callers' */
	if (ev == EV_PART_JOINED || ev == EV_PART_UPDATED ||
	    ev == EV_PART_LEFT)
		vw_update(room);

	if (room->eh)
		room->eh(room, ev, p, reason, room->arg);
}


/* A participant is in: in the list, then in the tick */
static int member_add(struct room *room, struct member *m)
{
	list_append(&room->parts, &m->le, m->p);
	worker_load(room->wk, 1);

	return member_tick(room, m);
}


/* In the list, and in the lobby until its PIN is entered */
static int member_wait_pin(struct room *room, struct member *m)
{
	list_append(&room->parts, &m->le, m->p);
	worker_load(room->wk, 1);

	m->lobby = true;
	m->rt.leg = part_leg(m->p);
	part_set_pin_wait(m->p, true);
	tmr_start(&m->pin_tmr, PIN_TIMEOUT_MS, pin_timeout, m);
	log_info("room %s: participant %llu: waiting for the PIN",
		 room->name, (unsigned long long)part_id(m->p));

	return worker_call(room->wk, lobby_add_w, m);
}


/* Its place in the tick (and the video forwarder) */
static int member_tick(struct room *room, struct member *m)
{
	int err;

	m->rt.id = part_id(m->p);
	m->rt.leg = part_leg(m->p);
	m->rv.id = part_id(m->p);
	m->rv.vl = part_vleg(m->p);
	err = worker_call(room->wk, tick_add_w, m);
	if (err)
		return err;

	m->ticked = true;

	return 0;
}


static struct member *member_new(struct room *room,
				 struct part_prm *prm, uint64_t id)
{
	struct member *m = mem_zalloc(sizeof(*m), member_destructor);

	if (!m)
		return NULL;

	m->room = room;

	prm->id = id;
	prm->room = room->name;
	prm->wk = room->wk;
	prm->leg = &room->cfg.leg;
	prm->advertise = &room->cfg.advertise;
	prm->video = &room->vw;
	prm->menc = &room->prm.media_encryption;
	prm->dtls_fp = room->cfg.dtls_fp;
	prm->eh = part_event_handler;
	prm->arg = m;

	return m;
}


/* After a participant's dialog is up: into the room, or hung up */
static int member_join(struct room *room, struct member *m, bool inbound)
{
	int err = member_add(room, m);

	/* an inbound caller has its 200 OK: it joined, whatever follows;
	 * its video may be what an "auto" room forwards from now on */
	if (inbound) {
		vw_update(room);
		if (room->eh)
			room->eh(room, EV_PART_JOINED, m->p, NULL, room->arg);
	}

	if (err) {
		log_warn("room %s: participant %llu cannot be mixed: %m",
			 room->name, (unsigned long long)part_id(m->p), err);
		part_hangup(m->p, "server error");
	}

	return err;
}


/* A room with a PIN, and a caller who did not dial ROOM*PIN (the SIP
 * front refuses a wrong one) */
static bool pin_needed(const struct room *room, const struct sip_msg *msg)
{
	const char *star = pl_strchr(&msg->uri.user, '*');
	struct pl given;

	if (!room->prm.pin[0])
		return false;
	if (!star)
		return true;

	given.p = star + 1;
	given.l = msg->uri.user.l - (size_t)(given.p - msg->uri.user.p);

	return pl_strcmp(&given, room->prm.pin) != 0;
}


/**
 * Accept an INVITE into the room (the manager checks its limits)
 *
 * @param room     Room
 * @param id       The participant's id
 * @param sock     SIP session socket
 * @param msg      The INVITE
 * @param contact  Our Contact URI
 *
 * @return 0 (the INVITE is answered; the call owns the participant) or
 *         errno, as part_accept(), and no session was made. A
 *         participant the tick cannot take is hung up at once: 0, and
 *         the room may be gone on return.
 */
int room_accept(struct room *room, uint64_t id, struct sipsess_sock *sock,
		const struct sip_msg *msg, const char *contact)
{
	struct part_prm prm;
	struct member *m;
	int err;

	if (!room || !msg)
		return EINVAL;

	m = member_new(room, &prm, id);
	if (!m)
		return ENOMEM;

	err = part_accept(&m->p, &prm, sock, msg, contact);
	if (err) {
		mem_deref(m);
		return err;
	}

	/* the 200 OK went out: if it fails, a BYE follows */
	if (pin_needed(room, msg)) {
		if (member_wait_pin(room, m))
			part_hangup(m->p, "server error");
	}
	else {
		(void)member_join(room, m, true);
	}

	return 0;
}


/**
 * Call uri into the room (dial-out); it rings until the callee answers
 *
 * @return 0 and *pp set (the call owns it), or errno as part_connect()
 */
int room_dial(struct room *room, uint64_t id, struct sipsess_sock *sock,
	      const char *uri, const char *contact, struct part **pp)
{
	struct part_prm prm;
	struct member *m;
	int err;

	if (!room || !uri || !pp)
		return EINVAL;

	m = member_new(room, &prm, id);
	if (!m)
		return ENOMEM;

	err = part_connect(&m->p, &prm, sock, uri, contact);
	if (err) {
		mem_deref(m);
		return err;
	}

	err = member_join(room, m, false);
	if (!err)
		*pp = m->p;

	return err;
}


/** Hang up everyone in the room (each one's EV_PART_LEFT goes out) */
void room_close(struct room *room, const char *reason)
{
	struct le *le;

	if (!room)
		return;

	le = room->parts.head;
	while (le) {
		struct part *p = le->data;

		le = le->next;
		part_hangup(p, reason);
	}
}


static int talkers_w(void *arg)
{
	struct room *room = arg;
	struct vsel_prm vp;

	rtick_set_talkers_max(room->rt, room->prm.talkers_max);

	vsel_prm_of(&room->prm, &vp);
	rvid_set_mode(room->rv, room->prm.video_mode, &vp, now_ms());

	return 0;
}


/**
 * Change the room's parameters: a lower max_participants keeps everyone
 * already in, the talker limit and the video mode apply from the next
 * tick
 *
 * @return 0 or errno (nothing changed): EALREADY for a video codec other
 *         than the one the room's video callers use
 */
int room_set_prm(struct room *room, const struct room_prm *prm)
{
	const struct sdpneg_video *inuse;
	struct room_prm old;
	int err;

	if (!room || !prm)
		return EINVAL;

	inuse = video_in_use(room);
	if (prm->video_codec != ROOM_VIDEO_AUTO && inuse &&
	    (int)inuse->codec + 1 != prm->video_codec)
		return EALREADY;

	old = room->prm;
	room->prm = *prm;
	vw_update(room);
	if (old.talkers_max == prm->talkers_max &&
	    old.video_mode == prm->video_mode &&
	    old.video_hold_ms == prm->video_hold_ms)
		return 0;

	err = worker_call(room->wk, talkers_w, room);
	if (err) {
		room->prm = old;
		vw_update(room);
	}

	return err;
}


void room_set_created_at(struct room *room, uint64_t unix_ms)
{
	room->created_at = unix_ms;
}


static const char *source_reason(enum vsel_reason r)
{
	switch (r) {
	case VSEL_TALKER: return "talker";
	case VSEL_PINNED: return "pinned";
	case VSEL_LEFT:   return "left";
	default:          return "off";
	}
}


/** News from the media thread for the room or one of its participants */
void room_news(struct room *room, const struct media_news *n)
{
	if (!room || !n)
		return;

	if (n->type != NEWS_VIDEO_SOURCE) {
		part_news(room_part(room, n->part_id), n);
		return;
	}

	room->video_source = n->part_id;
	log_info("room %s: video source %llu (%s)", room->name,
		 (unsigned long long)n->part_id,
		 source_reason((enum vsel_reason)n->reason));
	if (room->eh)
		room->eh(room, EV_ROOM_VIDEO_SOURCE,
			 room_part(room, n->part_id),
			 source_reason((enum vsel_reason)n->reason), room->arg);
}


struct pin_args {
	struct room *room;
	uint64_t id;
};


static int pin_w(void *arg)
{
	const struct pin_args *a = arg;

	return rvid_pin(a->room->rv, a->id, now_ms());
}


/**
 * Show one participant to everyone (video_mode becomes pinned)
 *
 * @return 0, ENOENT (no such participant), ENODATA (it sends no video)
 */
int room_video_pin(struct room *room, uint64_t id)
{
	struct pin_args a = {room, id};
	struct part *p;
	int err;

	if (!room)
		return EINVAL;

	p = room_part(room, id);
	if (!p)
		return ENOENT;

	/* a caller that never had video is not in the forwarder */
	if (!part_vleg(p))
		return ENODATA;

	err = worker_call(room->wk, pin_w, &a);
	if (!err) {
		/* shown from now on: the news that says so comes after */
		room->prm.video_mode = RVID_PINNED;
		room->video_source = id;
	}

	return err;
}


/** Follow the talker again */
int room_video_unpin(struct room *room)
{
	struct room_prm prm;

	if (!room)
		return EINVAL;

	prm = room->prm;
	prm.video_mode = RVID_FOLLOW;

	return room_set_prm(room, &prm);
}


/** The participant the room shows, 0 for none (main thread) */
uint64_t room_video_source(const struct room *room)
{
	return room->video_source;
}


/** The codec its video callers use, false if none (main thread) */
bool room_video_codec(const struct room *room, enum vcodec *c)
{
	if (room->vw.any)
		return false;

	*c = room->vw.codec;
	return true;
}


static const char *const mode_names[RVID_MODE_COUNT] = {
	"follow_talker", "pinned", "off"
};


const char *room_video_mode_name(enum rvid_mode mode)
{
	return (unsigned)mode < RVID_MODE_COUNT ? mode_names[mode] : "?";
}


/** "auto", or the codec's name */
const char *room_vcodec_name(int video_codec)
{
	return video_codec == ROOM_VIDEO_AUTO ? "auto" :
		vcodec_name((enum vcodec)(video_codec - 1));
}


/** The video_codec named so ("auto", "vp8", "h264", "vp9"); 0 or EINVAL */
int room_vcodec_from_name(const char *name, int *video_codec)
{
	enum vcodec c;

	if (name && !strcmp(name, "auto")) {
		*video_codec = ROOM_VIDEO_AUTO;
		return 0;
	}

	if (vcodec_from_name(name, &c))
		return EINVAL;

	*video_codec = (int)c + 1;
	return 0;
}


/** The mode named so; 0 or EINVAL */
int room_video_mode_from_name(const char *name, enum rvid_mode *mode)
{
	for (size_t i = 0; name && i < RVID_MODE_COUNT; i++) {
		if (!strcmp(name, mode_names[i])) {
			*mode = (enum rvid_mode)i;
			return 0;
		}
	}

	return EINVAL;
}


const char *room_name(const struct room *room)
{
	return room ? room->name : NULL;
}


const struct room_prm *room_prm(const struct room *room)
{
	return &room->prm;
}


uint64_t room_created_at(const struct room *room)
{
	return room->created_at;
}


/** The participants, in joining order; le->data is a struct part */
const struct list *room_parts(const struct room *room)
{
	return &room->parts;
}


/** The participant with this id, or NULL */
struct part *room_part(const struct room *room, uint64_t id)
{
	for (struct le *le = room ? room->parts.head : NULL; le;
	     le = le->next) {
		if (part_id(le->data) == id)
			return le->data;
	}

	return NULL;
}


uint32_t room_part_count(const struct room *room)
{
	return room ? list_count(&room->parts) : 0;
}


bool room_full(const struct room *room)
{
	return room_part_count(room) >= room->prm.max_participants;
}


/** What the media thread last published (any thread) */
void room_stats(const struct room *room, struct room_stats *st)
{
	st->ticks = __atomic_load_n(&room->pub.ticks, __ATOMIC_RELAXED);
	st->encodes = __atomic_load_n(&room->pub.encodes, __ATOMIC_RELAXED);
	st->talkers = __atomic_load_n(&room->pub.talkers, __ATOMIC_RELAXED);
	st->forwards = __atomic_load_n(&room->pub.forwards,
				       __ATOMIC_RELAXED);
	st->video.forwarded = GET(room->pub.video.forwarded);
	st->video.dropped = GET(room->pub.video.dropped);
	st->video.switches = GET(room->pub.video.switches);
	st->video.key_waits = GET(room->pub.video.key_waits);
	st->video.key_timeouts = GET(room->pub.video.key_timeouts);
	st->video.source = GET(room->pub.video.source);
	/* the worker times the tick, for its histogram too */
	st->tick_ns = __atomic_load_n(&room->job.last_ns, __ATOMIC_RELAXED);
}
