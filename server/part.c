/**
 * @file part.c  A participant's SIP dialog: accept, re-INVITE, hang-up
 *
 * A participant lives from the 200 OK to its BYE. It holds the reference
 * that keeps itself alive ("the call"); part_hangup() drops it, whichever
 * side ends the call. Runs on the main thread. Its audio leg runs on the
 * media thread: the participant changes it only through leg calls, and
 * hears from it through news the main thread routes to part_news().
 */
#include <math.h>
#include <string.h>
#include <time.h>
#include <re.h>
#include "../mixer/mixer.h"
#include "dtmf.h"
#include "log.h"
#include "part.h"
#include "sdpneg.h"
#include "sipcheck.h"
#include "worker.h"

struct part {
	/* set when made, then constant: the media thread reads them too */
	uint64_t id;
	char room[ROOM_NAME_MAX + 1]; /* its room's name                 */
	struct worker *wk;

	/* main thread */
	part_event_h *eh;
	void *arg;
	enum part_state state;
	struct sipsess *sess;
	struct sdpneg *neg;
	struct leg *leg;              /* audio                            */
	struct vleg *vleg;            /* video, once there is any         */
	struct leg_prm legprm;        /* how its legs are made            */
	const struct sdpneg_vwant *vw; /* what the room forwards          */
	const enum cfg_menc *menc;    /* the room's policy                */
	const char *dtls_fp;
	bool tls;                     /* the dialog's signalling is TLS   */
	struct sdpneg_result media;   /* current negotiation              */
	uint64_t joined_at;           /* [unix ms]                        */
	bool dialout;                 /* we called them                   */
	bool muted;
	bool deaf;
	bool talking;                 /* as the media thread last said    */
	double gain_db;               /* input gain [dB]                  */
	char dtmf_prev;               /* last digit, for the menu         */
	char uri[256];                /* From URI                         */
	char display_name[128];       /* From display name                */
	char call_id[128];
	bool pin_wait;                /* the room waits for its PIN       */
	struct sa src;                /* its INVITE's source              */
};


static void destructor(void *arg)
{
	struct part *p = arg;

	mem_deref(p->sess);
	mem_deref(p->leg);
	mem_deref(p->vleg);
	mem_deref(p->neg);
}


static void emit(struct part *p, enum room_event ev, const char *reason)
{
	if (p->eh)
		p->eh(p, ev, reason, p->arg);
}


static uint64_t unix_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}


/**
 * Hang up and free a participant: sends a BYE unless the peer already
 * ended the dialog, leaves the room, drops the call's reference.
 *
 * @param p       Participant (may be freed on return)
 * @param reason  Why, for the log and the API
 */
void part_hangup(struct part *p, const char *reason)
{
	if (!p || p->state == PART_LEFT)
		return;

	log_info("participant %llu (%s) left room %s: %s",
		 (unsigned long long)p->id, p->uri, p->room, reason);

	/* the room takes us out of its tick, then the manager decides
	 * whether the room goes with us */
	p->state = PART_LEFT;
	emit(p, EV_PART_LEFT, reason);

	/* libre sends the BYE (RFC 3261 15.1.1) when the dialog is up and
	 * the peer has not ended it */
	p->sess = mem_deref(p->sess);
	mem_deref(p);
}


static const char *dir_name(bool send, bool recv)
{
	return send ? (recv ? "sendrecv" : "recvonly") :
		(recv ? "sendonly" : "inactive");
}


/* The video leg and our m=video, made the first time there is video to
 * negotiate: an audio-only caller costs no video ports */
static int video_ensure(struct part *p)
{
	int err;

	if (p->vleg)
		return 0;

	err = vleg_alloc(&p->vleg, p->wk, &p->legprm, p->id);
	if (!err)
		err = sdpneg_video_add(p->neg, vleg_port(p->vleg));
	if (err)
		p->vleg = mem_deref(p->vleg);

	return err;
}


/* Before we answer an offer, or make one: video if it has any, or (our
 * own offer) always. Without a video leg (no port left, say) the call
 * goes on with audio: its m=video is answered with port 0 */
static void video_for(struct part *p, const struct mbuf *offer)
{
	int err;

	struct sdpsec_prm sec = {*p->menc, p->tls, p->dtls_fp};

	sdpneg_set_video(p->neg, p->vw);
	sdpneg_set_sec(p->neg, &sec);

	if (offer && !sdpneg_has_video(offer))
		return;

	err = video_ensure(p);
	if (err)
		log_warn("participant %llu: no video leg, audio only: %m",
			 (unsigned long long)p->id, err);
}


/* A negotiation takes effect: on the legs, and in what the API shows */
static int media_apply(struct part *p, const struct sdpneg_result *res)
{
	const struct sdpneg_video *v = &res->video;
	int err = leg_start(p->leg, res);

	if (!err && p->vleg)
		err = vleg_start(p->vleg, v);
	if (err)
		return err;

	if (v->on)
		log_info("participant %llu: video %s/%u %s%s%s%s",
			 (unsigned long long)p->id, vcodec_name(v->codec),
			 v->pt, dir_name(v->send, v->recv),
			 v->fb_nack ? " nack" : "", v->fb_pli ? " pli" : "",
			 v->fb_fir ? " fir" : "");
	else if (v->why)
		log_info("participant %llu: audio only: %s",
			 (unsigned long long)p->id, v->why);

	p->media = *res;

	return 0;
}


/* re-INVITE or UPDATE with or without an offer (RFC 3261 14.2) */
static int offer_handler(struct mbuf **descp, const struct sip_msg *msg,
			 void *arg)
{
	struct part *p = arg;
	struct sdpneg_result res;
	int err;

	video_for(p, mbuf_get_left(msg->mb) ? msg->mb : NULL);

	if (!mbuf_get_left(msg->mb))
		return sdpneg_offer(p->neg, descp);

	err = sdpneg_answer(p->neg, msg->mb, descp, &res);
	if (err) {
		log_warn("participant %llu: re-INVITE refused: %m",
			 (unsigned long long)p->id, err);
		return err;
	}

	log_info("participant %llu: re-INVITE: %s/%u ptime %u %s",
		 (unsigned long long)p->id, res.codec->name, res.pt,
		 res.ptime, res.send ? (res.recv ? "sendrecv" : "recvonly") :
		 (res.recv ? "held (sendonly)" : "held (inactive)"));

	err = media_apply(p, &res);
	if (!err)
		emit(p, EV_PART_UPDATED, NULL);

	return err;
}


/* The answer to our offer, in the ACK (RFC 3261 13.2.1) */
static int answer_handler(const struct sip_msg *msg, void *arg)
{
	struct part *p = arg;
	struct sdpneg_result res;
	int err;

	err = sdpneg_take_answer(p->neg, msg->mb, &res);
	if (err) {
		/* libre ends the session; close_handler hangs up */
		log_warn("participant %llu: unusable SDP answer: %m",
			 (unsigned long long)p->id, err);
		return err;
	}

	return media_apply(p, &res);
}


static void estab_handler(const struct sip_msg *msg, void *arg)
{
	struct part *p = arg;
	enum part_state was = p->state;

	if (was != PART_JOINING && was != PART_RINGING)
		return;

	p->state = PART_JOINED;

	if (was == PART_RINGING) {
		log_info("participant %llu (%s) answered: in room %s",
			 (unsigned long long)p->id, p->uri, p->room);
		emit(p, EV_PART_JOINED, NULL);
	}
}


static void close_handler(int err, const struct sip_msg *msg, void *arg)
{
	struct part *p = arg;
	char reason[64];

	/* libre reports the peer's BYE as ECONNRESET: a normal hang-up;
	 * a dial-out that fails ends with the callee's final response */
	if (err == ECONNRESET || (!err && (!msg || msg->scode < 300)))
		str_ncpy(reason, "hung up", sizeof(reason));
	else if (!err)
		re_snprintf(reason, sizeof(reason), "%u %r", msg->scode,
			    &msg->reason);
	else
		re_snprintf(reason, sizeof(reason), "%m", err);

	part_hangup(p, reason);
}


/**
 * A DTMF digit from the participant: an event for the API, and the in-call
 * menu: "*6" toggles the participant's own mute (as ConfBridge does).
 */
static void part_dtmf(struct part *p, char digit, const char *source)
{
	char d[2] = {digit, '\0'};

	log_info("participant %llu: DTMF %c (%s)", (unsigned long long)p->id,
		 digit, source);
	emit(p, EV_PART_DTMF, d);

	if (p->dtmf_prev == '*' && digit == '6') {
		struct part_ctl ctl = {!p->muted, -1, false, 0};

		log_info("participant %llu: *6: %s", (unsigned long long)p->id,
			 p->muted ? "unmuted" : "muted");
		(void)part_control(p, &ctl);
		digit = 0;   /* "*6*6" toggles twice, not "6*" */
	}

	p->dtmf_prev = digit;
}


/* RFC 5168 5: a receiver asks for a keyframe */
static bool is_fast_update(const struct sip_msg *msg)
{
	struct pl body = {(const char *)mbuf_buf(msg->mb),
			  mbuf_get_left(msg->mb)};
	struct pl tag;

	if (pl_strcasecmp(&msg->ctyp.type, "application") ||
	    pl_strcasecmp(&msg->ctyp.subtype, "media_control+xml"))
		return false;

	return !re_regex(body.p, body.l, "<[ ]*picture_fast_update[^>]*>",
			 NULL, &tag);
}


/* SIP INFO: a DTMF body (application/dtmf-relay or application/dtmf), or
 * a keyframe request (application/media_control+xml, RFC 5168) */
static void info_handler(struct sip *sip, const struct sip_msg *msg,
			 void *arg)
{
	struct part *p = arg;
	char digit;
	int err;

	if (is_fast_update(msg)) {
		err = p->vleg ? vleg_key_wanted(p->vleg) : 0;
		(void)sip_reply(sip, msg, err ? 500 : 200,
				err ? "Server Internal Error" : "OK");
		return;
	}

	err = dtmf_info(&msg->ctyp.type, &msg->ctyp.subtype,
			mbuf_buf(msg->mb), mbuf_get_left(msg->mb), &digit);
	if (err == ENOTSUP) {
		(void)sip_replyf(sip, msg, 415, "Unsupported Media Type",
				 "Accept: application/dtmf-relay, "
				 "application/dtmf, "
				 "application/media_control+xml\r\n"
				 "Content-Length: 0\r\n\r\n");
		return;
	}

	(void)sip_reply(sip, msg, err ? 400 : 200, err ? "Bad Request" : "OK");
	if (!err)
		part_dtmf(p, digit, "SIP INFO");
}


static void identity_from(struct part *p, const struct sip_msg *msg)
{
	pl_strcpy(&msg->from.auri, p->uri, sizeof(p->uri));
	pl_strcpy(&msg->callid, p->call_id, sizeof(p->call_id));

	/* quoted display names keep their escapes off (RFC 3261 25.1) */
	if (pl_isset(&msg->from.dname))
		pl_strcpy(&msg->from.dname, p->display_name,
			  sizeof(p->display_name));
}


/* What the audio leg saw (media thread): on to the main thread, as plain
 * data addressed by room and id; part_news() takes it there */
static void leg_event_handler(const struct leg_event *ev, void *arg)
{
	const struct part *p = arg;
	struct media_news n;

	memset(&n, 0, sizeof(n));
	n.type = ev->type == LEG_DTMF ? NEWS_DTMF : NEWS_TIMEOUT;
	str_ncpy(n.room, p->room, sizeof(n.room));
	n.part_id = p->id;
	n.digit = ev->digit;

	(void)worker_post(p->wk, &n, sizeof(n));
}


/* What both directions share: id, room, RTP ports, SDP state */
static int part_new(struct part **pp, const struct part_prm *prm)
{
	struct part *p;
	int err;

	if (!pp || !prm || !prm->room || !prm->leg || !prm->advertise ||
	    !prm->menc)
		return EINVAL;

	p = mem_zalloc(sizeof(*p), destructor);
	if (!p)
		return ENOMEM;

	p->id = prm->id;
	str_ncpy(p->room, prm->room, sizeof(p->room));
	p->wk = prm->wk;
	p->vw = prm->video;
	p->menc = prm->menc;
	p->dtls_fp = prm->dtls_fp;
	p->legprm = *prm->leg;
	p->eh = prm->eh;
	p->arg = prm->arg;
	p->joined_at = unix_ms();
	p->media.telev_pt = -1;

	err = leg_alloc(&p->leg, prm->wk, prm->leg, p->id, leg_event_handler,
			p);
	if (err)
		goto out;

	err = sdpneg_alloc(&p->neg, prm->advertise, leg_port(p->leg), 0);

 out:
	if (err)
		mem_deref(p);
	else
		*pp = p;

	return err;
}


/**
 * Accept an INVITE: allocate RTP, answer (or offer), send 200
 *
 * @param pp       Set to the participant on success (the call owns it)
 * @param prm      Who it is, where it runs, whom it tells
 * @param sock     SIP session socket
 * @param msg      The INVITE
 * @param contact  Our Contact URI
 *
 * @return 0, ENOTSUP when there is no common codec (488), EBADMSG for an
 *         SDP we cannot parse (400), or another errno (500)
 */
int part_accept(struct part **pp, const struct part_prm *prm,
		struct sipsess_sock *sock, const struct sip_msg *msg,
		const char *contact)
{
	struct sdpneg_result res;
	struct mbuf *desc = NULL;
	bool has_offer = mbuf_get_left(msg->mb) > 0;
	struct part *p;
	int err;

	err = part_new(&p, prm);
	if (err)
		return err;

	p->state = PART_JOINING;
	p->tls = msg->tp == SIP_TRANSP_TLS;
	p->src = msg->src;
	identity_from(p, msg);
	video_for(p, has_offer ? msg->mb : NULL);

	if (has_offer) {
		err = sdpneg_answer(p->neg, msg->mb, &desc, &res);
		if (!err)
			err = media_apply(p, &res);
	}
	else {
		err = sdpneg_offer(p->neg, &desc);
	}
	if (err)
		goto out;

	err = sipsess_accept(&p->sess, sock, msg, 200, "OK", contact,
			     "application/sdp", desc, NULL, NULL, false,
			     offer_handler, answer_handler, estab_handler,
			     info_handler, NULL, close_handler, p,
			     "Allow: %s\r\n", sipcheck_allow);
	if (err)
		goto out;

	log_info("participant %llu (%s \"%s\") joined room %s over %s: "
		 "%s/%u ptime %u", (unsigned long long)p->id, p->uri,
		 p->display_name, p->room, sip_transp_name(msg->tp),
		 has_offer ? res.codec->name : "(late offer)",
		 has_offer ? res.pt : 0, has_offer ? res.ptime : 0);

 out:
	mem_deref(desc);
	if (err)
		mem_deref(p);  /* no session was made: the caller replies */
	else
		*pp = p;

	return err;
}


static bool uri_tls(const char *s)
{
	struct uri u;
	struct pl pl;

	pl_set_str(&pl, s);
	return !uri_decode(&u, &pl) && sipcheck_uri_tls(&u);
}


/* 18x: nothing to do; early media is not mixed */
static void progress_handler(const struct sip_msg *msg, void *arg)
{
	struct part *p = arg;

	log_debug("participant %llu: %u %r", (unsigned long long)p->id,
		  msg->scode, &msg->reason);
}


/**
 * Call out to uri; the callee is in once they answer (EV_PART_JOINED)
 *
 * @param pp       Set to the participant (state PART_RINGING) on success
 * @param prm      As for part_accept()
 * @param sock     SIP session socket
 * @param uri      SIP URI to call
 * @param contact  Our Contact URI
 *
 * @return 0 (the INVITE is on its way) or errno; a call that fails later
 *         leaves with the callee's SIP status as its reason
 */
int part_connect(struct part **pp, const struct part_prm *prm,
		 struct sipsess_sock *sock, const char *uri,
		 const char *contact)
{
	struct mbuf *offer = NULL;
	char from[160];
	struct part *p;
	int err;

	err = part_new(&p, prm);
	if (err)
		return err;

	p->state = PART_RINGING;
	p->dialout = true;
	str_ncpy(p->uri, uri, sizeof(p->uri));
	p->tls = uri_tls(uri);
	video_for(p, NULL);

	err = sdpneg_offer(p->neg, &offer);
	if (err)
		goto out;

	re_snprintf(from, sizeof(from), "sip:%s@%j", p->room, prm->advertise);

	err = sipsess_connect(&p->sess, sock, uri, p->room, from, contact,
			      NULL, 0, "application/sdp", offer, NULL, NULL,
			      false, offer_handler, answer_handler,
			      progress_handler, estab_handler, info_handler,
			      NULL, close_handler, p, "Allow: %s\r\n",
			      sipcheck_allow);
	if (err)
		goto out;

	log_info("participant %llu: calling %s into room %s",
		 (unsigned long long)p->id, uri, p->room);

 out:
	mem_deref(offer);
	if (err)
		mem_deref(p);
	else
		*pp = p;

	return err;
}


/**
 * Apply controls: mute, deafen, input gain; the media thread has them
 * from its next tick. Emits participant.updated.
 *
 * @return 0 or errno (nothing changed)
 */
int part_control(struct part *p, const struct part_ctl *ctl)
{
	struct leg_ctl lc;
	double gain_db;
	int err;

	if (!p || !ctl)
		return EINVAL;

	gain_db = ctl->set_gain ? ctl->gain_db : p->gain_db;
	lc.muted = ctl->muted >= 0 ? ctl->muted : p->muted;
	lc.deaf = ctl->deaf >= 0 ? ctl->deaf : p->deaf;
	lc.gain_q12 = (int32_t)(MIXER_GAIN_UNITY * pow(10.0, gain_db / 20.0) +
				0.5);

	err = leg_control(p->leg, &lc);
	if (err)
		return err;

	p->muted = lc.muted;
	p->deaf = lc.deaf;
	p->gain_db = gain_db;
	emit(p, EV_PART_UPDATED, NULL);

	return 0;
}


/* Ask the peer for a keyframe by SIP INFO (RFC 5168 5), for a peer that
 * negotiated no RTCP feedback to ask it with */
static void fast_update_send(struct part *p)
{
	static const char body[] =
		"<?xml version=\"1.0\" encoding=\"utf-8\" ?>\r\n"
		"<media_control><vc_primitive><to_encoder>"
		"<picture_fast_update/>"
		"</to_encoder></vc_primitive></media_control>\r\n";
	struct mbuf *mb;

	if (!p->sess || p->state != PART_JOINED)
		return;

	mb = mbuf_alloc(sizeof(body));
	if (!mb)
		return;

	(void)mbuf_write_str(mb, body);
	mb->pos = 0;
	/* no response handler: the answer may come after we are gone */
	(void)sipsess_info(p->sess, "application/media_control+xml", mb,
			   NULL, NULL);
	mem_deref(mb);
}


/**
 * What the media thread said about the participant, on the main thread
 * (routed here by the manager and the room)
 */
void part_news(struct part *p, const struct media_news *n)
{
	if (!p || !n || p->state == PART_LEFT)
		return;

	switch (n->type) {

	case NEWS_TALKING:
	case NEWS_SILENT:
		p->talking = n->type == NEWS_TALKING;
		emit(p, p->talking ? EV_PART_TALKING : EV_PART_SILENT, NULL);
		break;

	case NEWS_DTMF:
		part_dtmf(p, n->digit, "RFC 4733");
		break;

	case NEWS_TIMEOUT:
		part_hangup(p, "rtp timeout");
		break;

	case NEWS_VIDEO_INFO:
		fast_update_send(p);
		break;

	default:
		break;
	}
}


/** A copy of what the API shows of the participant (main thread) */
void part_info(const struct part *p, struct part_info *info)
{
	memset(info, 0, sizeof(*info));

	info->id = p->id;
	info->state = p->state;
	info->dialout = p->dialout;
	info->muted = p->muted;
	info->deaf = p->deaf;
	info->talking = p->talking;
	info->held = p->media.codec && !p->media.send;
	info->gain_db = p->gain_db;
	info->joined_at = p->joined_at;
	info->codec = p->media.codec;
	info->ptime = p->media.ptime;
	str_ncpy(info->uri, p->uri, sizeof(info->uri));
	str_ncpy(info->display_name, p->display_name,
		 sizeof(info->display_name));
	leg_stats(p->leg, &info->stats);
	info->video = p->media.video;
	info->pin_wait = p->pin_wait;
	info->src = p->src;
	if (p->vleg)
		vleg_stats(p->vleg, &info->vstats);
}


/** SRTP packets of its audio and video dropped: failing authentication
 * or replayed */
uint64_t part_srtp_failures(const struct part_info *pi)
{
	return pi->stats.srtp.auth_fail + pi->stats.srtp.replay +
		pi->vstats.srtp.auth_fail + pi->vstats.srtp.replay;
}


/** The room waits for this participant's PIN, or no longer (what the API
 * shows) */
void part_set_pin_wait(struct part *p, bool wait)
{
	if (p)
		p->pin_wait = wait;
}


uint64_t part_id(const struct part *p)
{
	return p ? p->id : 0;
}


/** Its room's name */
const char *part_room(const struct part *p)
{
	return p ? p->room : NULL;
}


/** Its audio leg, for the room's tick; valid until the participant is
 * freed */
struct leg *part_leg(const struct part *p)
{
	return p ? p->leg : NULL;
}


/** Its video leg, for the room's forwarder; valid until the participant
 * is freed */
struct vleg *part_vleg(const struct part *p)
{
	return p ? p->vleg : NULL;
}


/** The video it agreed, as the last negotiation said (main thread) */
const struct sdpneg_video *part_video(const struct part *p)
{
	return &p->media.video;
}


const char *part_state_name(enum part_state st)
{
	switch (st) {
	case PART_RINGING: return "ringing";
	case PART_JOINING: return "joining";
	case PART_JOINED:  return "joined";
	default:           return "left";
	}
}
