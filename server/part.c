/**
 * @file part.c  A participant's SIP dialog: accept, re-INVITE, hang-up
 *
 * A participant lives from the 200 OK to its BYE. It holds the reference
 * that keeps itself alive ("the call"); part_hangup() drops it, whichever
 * side ends the call. Runs on the main thread; what the room's media
 * thread also uses (the room's list, controls, statistics, state) is
 * changed or read under room_lock().
 */
#include <math.h>
#include <string.h>
#include <time.h>
#include <re.h>
#include "cfg.h"
#include "log.h"
#include "part.h"
#include "sipcheck.h"
#include "sipd.h"


static void destructor(void *arg)
{
	struct part *p = arg;

	room_lock(p->room);
	list_unlink(&p->le);
	room_unlock(p->room);

	mem_deref(p->sess);
	part_media_free(p);
	mem_deref(p->neg);
	mem_deref(p->room);
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
	struct rooms_stats *st;

	if (!p || p->state == PART_LEFT)
		return;

	log_info("participant %llu (%s) left room %s: %s",
		 (unsigned long long)p->id, p->uri, p->room->name, reason);

	st = rooms_stats(p->room->mgr);
	room_lock(p->room);
	list_unlink(&p->le);
	st->pkts_in_gone += p->stats.pkts_in;
	st->pkts_out_gone += p->stats.pkts_out;
	st->lost_gone += part_lost(p);
	room_unlock(p->room);

	rooms_event(p->room->mgr, EV_PART_LEFT, p->room, p, reason);

	room_lock(p->room);
	p->state = PART_LEFT;
	room_unlock(p->room);

	/* the manager decides whether the room goes with us; our
	 * reference keeps the room's memory until we are freed */
	if (p->closeh)
		p->closeh(p->room, p->close_arg);

	/* libre sends the BYE (RFC 3261 15.1.1) when the dialog is up and
	 * the peer has not ended it */
	p->sess = mem_deref(p->sess);
	mem_deref(p);
}


/* re-INVITE or UPDATE with or without an offer (RFC 3261 14.2) */
static int offer_handler(struct mbuf **descp, const struct sip_msg *msg,
			 void *arg)
{
	struct part *p = arg;
	struct sdpneg_result res;
	int err;

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

	return part_media_start(p, &res);
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

	return part_media_start(p, &res);
}


static void estab_handler(const struct sip_msg *msg, void *arg)
{
	struct part *p = arg;
	enum part_state was = p->state;

	if (was != PART_JOINING && was != PART_RINGING)
		return;

	room_lock(p->room);
	p->state = PART_JOINED;
	room_unlock(p->room);

	if (was == PART_RINGING) {
		log_info("participant %llu (%s) answered: in room %s",
			 (unsigned long long)p->id, p->uri, p->room->name);
		rooms_stats(p->room->mgr)->joins++;
		rooms_event(p->room->mgr, EV_PART_JOINED, p->room, p, NULL);
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
void part_dtmf(struct part *p, char digit, const char *source)
{
	char d[2] = {digit, '\0'};

	log_info("participant %llu: DTMF %c (%s)", (unsigned long long)p->id,
		 digit, source);
	rooms_event(p->room->mgr, EV_PART_DTMF, p->room, p, d);

	if (p->dtmf_prev == '*' && digit == '6') {
		struct part_ctl ctl = {!p->muted, -1, false, 0};

		log_info("participant %llu: *6: %s", (unsigned long long)p->id,
			 p->muted ? "unmuted" : "muted");
		part_control(p, &ctl);
		digit = 0;   /* "*6*6" toggles twice, not "6*" */
	}

	p->dtmf_prev = digit;
}


/* SIP INFO with a DTMF body (application/dtmf-relay or application/dtmf) */
static void info_handler(struct sip *sip, const struct sip_msg *msg,
			 void *arg)
{
	struct part *p = arg;
	char digit;
	int err;

	err = dtmf_info(&msg->ctyp.type, &msg->ctyp.subtype,
			mbuf_buf(msg->mb), mbuf_get_left(msg->mb), &digit);
	if (err == ENOTSUP) {
		(void)sip_replyf(sip, msg, 415, "Unsupported Media Type",
				 "Accept: application/dtmf-relay, "
				 "application/dtmf\r\nContent-Length: 0\r\n"
				 "\r\n");
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


/* What both directions share: id, room, RTP ports, SDP state */
static int part_new(struct part **pp, struct room *room,
		    const struct config *cfg, part_close_h *closeh,
		    void *arg)
{
	struct part *p;
	int err;

	p = mem_zalloc(sizeof(*p), destructor);
	if (!p)
		return ENOMEM;

	p->id = rooms_next_part_id(room->mgr);
	p->room = mem_ref(room);
	p->closeh = closeh;
	p->close_arg = arg;
	p->joined_at = unix_ms();
	p->rtp_fd = -1;
	p->media.telev_pt = -1;
	mixer_chan_init(&p->chan);

	err = part_rtp_alloc(p, cfg);
	if (err)
		goto out;

	err = sdpneg_alloc(&p->neg, &cfg->advertise,
			   sa_port(rtp_local(p->rtp)));

 out:
	if (err)
		mem_deref(p);
	else
		*pp = p;

	return err;
}


/**
 * Accept an INVITE into a room: allocate RTP, answer (or offer), send 200
 *
 * @param pp    Set to the participant on success (the call owns it)
 * @param room  Room to join (the participant takes a reference)
 * @param sock  SIP session socket
 * @param msg   The INVITE
 * @param cfg   Configuration
 * @param closeh  Told (main thread) when the participant has left, after
 *                it is out of the room's list; may be NULL
 * @param arg     Its argument
 *
 * @return 0, ENOTSUP when there is no common codec (488), EBADMSG for an
 *         SDP we cannot parse (400), or another errno (500)
 */
int part_accept(struct part **pp, struct room *room,
		struct sipsess_sock *sock, const struct sip_msg *msg,
		const struct config *cfg, part_close_h *closeh, void *arg)
{
	struct sdpneg_result res;
	struct mbuf *desc = NULL;
	char contact[160];
	bool has_offer = mbuf_get_left(msg->mb) > 0;
	struct part *p;
	int err;

	err = part_new(&p, room, cfg, closeh, arg);
	if (err)
		return err;

	p->state = PART_JOINING;
	identity_from(p, msg);

	if (has_offer) {
		err = sdpneg_answer(p->neg, msg->mb, &desc, &res);
		if (!err)
			err = part_media_start(p, &res);
	}
	else {
		err = sdpneg_offer(p->neg, &desc);
	}
	if (err)
		goto out;

	sipd_contact(contact, sizeof(contact), room->name, &msg->dst,
		     msg->tp, cfg);

	err = sipsess_accept(&p->sess, sock, msg, 200, "OK", contact,
			     "application/sdp", desc, NULL, NULL, false,
			     offer_handler, answer_handler, estab_handler,
			     info_handler, NULL, close_handler, p,
			     "Allow: %s\r\n", sipcheck_allow);
	if (err)
		goto out;

	room_add_part(room, p);
	rooms_stats(room->mgr)->joins++;
	log_info("participant %llu (%s \"%s\") joined room %s: %s/%u ptime %u",
		 (unsigned long long)p->id, p->uri, p->display_name,
		 room->name, has_offer ? res.codec->name : "(late offer)",
		 has_offer ? res.pt : 0, has_offer ? res.ptime : 0);
	rooms_event(room->mgr, EV_PART_JOINED, room, p, NULL);

 out:
	mem_deref(desc);
	if (err)
		mem_deref(p);  /* no session was made: the caller replies */
	else
		*pp = p;

	return err;
}


/* 18x: nothing to do; early media is not mixed */
static void progress_handler(const struct sip_msg *msg, void *arg)
{
	struct part *p = arg;

	log_debug("participant %llu: %u %r", (unsigned long long)p->id,
		  msg->scode, &msg->reason);
}


/**
 * Call out to uri and put the callee into the room when they answer
 *
 * @param pp    Set to the participant (state PART_RINGING) on success
 * @param room  Room the callee joins
 * @param sock  SIP session socket
 * @param uri   SIP URI to call
 * @param cfg   Configuration
 * @param closeh  As for part_accept()
 * @param arg     Its argument
 *
 * @return 0 (the INVITE is on its way) or errno; a call that fails later
 *         leaves with the callee's SIP status as its reason
 */
int part_connect(struct part **pp, struct room *room,
		 struct sipsess_sock *sock, const char *uri,
		 const struct config *cfg, part_close_h *closeh, void *arg)
{
	struct mbuf *offer = NULL;
	char from[160], contact[160];
	struct part *p;
	int err;

	err = part_new(&p, room, cfg, closeh, arg);
	if (err)
		return err;

	p->state = PART_RINGING;
	p->dialout = true;
	str_ncpy(p->uri, uri, sizeof(p->uri));

	err = sdpneg_offer(p->neg, &offer);
	if (err)
		goto out;

	re_snprintf(from, sizeof(from), "sip:%s@%j", room->name,
		    &cfg->advertise);
	sipd_contact(contact, sizeof(contact), room->name, &cfg->sip,
		     SIP_TRANSP_UDP, cfg);

	err = sipsess_connect(&p->sess, sock, uri, room->name, from, contact,
			      NULL, 0, "application/sdp", offer, NULL, NULL,
			      false, offer_handler, answer_handler,
			      progress_handler, estab_handler, info_handler,
			      NULL, close_handler, p, "Allow: %s\r\n",
			      sipcheck_allow);
	if (err)
		goto out;

	room_add_part(room, p);
	log_info("participant %llu: calling %s into room %s",
		 (unsigned long long)p->id, uri, room->name);

 out:
	mem_deref(offer);
	if (err)
		mem_deref(p);
	else
		*pp = p;

	return err;
}


/**
 * Apply API controls: mute, deafen, input gain. Emits participant.updated.
 */
void part_control(struct part *p, const struct part_ctl *ctl)
{
	room_lock(p->room);
	if (ctl->muted >= 0)
		p->muted = ctl->muted;
	if (ctl->deaf >= 0)
		p->deaf = ctl->deaf;
	if (ctl->set_gain) {
		p->gain_db = ctl->gain_db;
		p->chan.gain_q12 = (int32_t)(MIXER_GAIN_UNITY *
					     pow(10.0, ctl->gain_db / 20.0) +
					     0.5);
	}
	room_unlock(p->room);

	rooms_event(p->room->mgr, EV_PART_UPDATED, p->room, p, NULL);
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
