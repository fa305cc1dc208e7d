/**
 * @file sdpneg.c  SDP offer/answer for one dialog's audio and video
 *                 (RFC 3264)
 *
 * libre's SDP session does the syntax and the format matching. This module
 * decides what Chorus answers: the first offered codec we support (the
 * offerer's preference, RFC 3264 6.1), telephone-event if offered, the
 * offer's ptime, the video the room can forward (sdpvid.c), and every
 * other m-line declined with port 0 (RFC 3264 6).
 */
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "codec.h"
#include "rtpext.h"
#include "sdpneg.h"
#include "sdpvid.h"

struct sdpneg {
	struct sdp_session *sess;
	struct sdp_media *audio;
	struct sdp_media *video;  /* NULL: video is always declined      */
	struct sdpneg_vwant vw;   /* what the room forwards              */
	struct sdpsec *asec;      /* the audio line's SRTP               */
	struct sdpsec *vsec;      /* the video line's, with neg->video   */
	struct sdpsec_prm sec;    /* the dialog's policy                 */
	char fp[160];             /* our DTLS fingerprint, sec.fp         */
	const char *why;          /* why the last offer or answer failed */
	struct mbuf *good;      /* last offer we accepted, to fall back to */
};

static const char telev_name[] = "telephone-event";


static void destructor(void *arg)
{
	struct sdpneg *neg = arg;

	mem_deref(neg->asec);
	mem_deref(neg->vsec);
	mem_deref(neg->audio);
	mem_deref(neg->video);
	mem_deref(neg->sess);
	mem_deref(neg->good);
}


/**
 * Allocate the SDP state of one dialog
 *
 * @param negp      Set on success
 * @param laddr       Address we advertise in c= (RFC 4566 5.7)
 * @param rtp_port    Our audio RTP port; RTCP is the next port
 * @param video_port  Our video RTP port, 0 for none
 *
 * @return 0 or errno
 */
int sdpneg_alloc(struct sdpneg **negp, const struct sa *laddr,
		 uint16_t rtp_port, uint16_t video_port)
{
	struct sdpneg *neg;
	int err;

	if (!negp || !laddr)
		return EINVAL;

	neg = mem_zalloc(sizeof(*neg), destructor);
	if (!neg)
		return ENOMEM;

	neg->vw.any = true;
	neg->vw.h264_pm = -1;

	err = sdp_session_alloc(&neg->sess, laddr);
	if (err)
		goto out;

	err = sdp_media_add(&neg->audio, neg->sess, "audio", rtp_port,
			    "RTP/AVP");
	if (err)
		goto out;

	for (size_t i = 0; i < CODEC_COUNT; i++) {
		const struct codec *c = codec_get((enum codec_id)i);
		char pt[8];

		re_snprintf(pt, sizeof(pt), "%d", c->pt);
		/* libre hands 'data' to the matching remote format, even
		 * a static one offered without rtpmap (RFC 3551 6) */
		err = sdp_format_add(NULL, neg->audio, false, pt, c->name,
				     c->clock, c->ch, NULL, NULL, (void *)c,
				     false, "%s", c->fmtp ? c->fmtp : "");
		if (err)
			goto out;
	}

	/* RFC 4733 7.1.1: events 0-15 are the DTMF digits */
	err = sdp_format_add(NULL, neg->audio, false, "101", telev_name,
			     8000, 1, NULL, NULL, NULL, false, "0-15");
	if (err)
		goto out;

	err = sdp_media_set_lattr(neg->audio, true, "ptime", "%u",
				  PTIME_DEFAULT);
	if (err)
		goto out;

	err = sdpsec_alloc(&neg->asec, neg->audio, neg->sess);
	if (err)
		goto out;

	if (video_port)
		err = sdpneg_video_add(neg, video_port);

 out:
	if (err)
		mem_deref(neg);
	else
		*negp = neg;

	return err;
}


/**
 * Add our video m-line, once (a video leg is made only for a caller that
 * has video to negotiate). Before the first offer with an m=video line,
 * even one at port 0: libre matches later offers' lines to the session's
 * by position, and a line first seen without ours stays declined.
 *
 * @return 0 or errno
 */
int sdpneg_video_add(struct sdpneg *neg, uint16_t video_port)
{
	int err;

	if (!neg || !video_port)
		return EINVAL;

	if (neg->video)
		return 0;

	err = sdpvid_add(&neg->video, neg->sess, video_port);
	if (!err)
		err = sdpsec_alloc(&neg->vsec, neg->video, neg->sess);
	if (err) {
		neg->vsec = mem_deref(neg->vsec);
		neg->video = mem_deref(neg->video);
	}

	return err;
}


/** Whether an offer has a video m-line, even one at port 0 (a line the
 * offerer may enable later keeps its place, RFC 3264 8) */
bool sdpneg_has_video(const struct mbuf *offer)
{
	static const char tag[] = "m=video ";
	const char *p = offer ? (const char *)mbuf_buf(offer) : NULL;
	size_t n = offer ? mbuf_get_left(offer) : 0;

	for (size_t i = 0; p && i + sizeof(tag) - 1 <= n; i++) {
		if ((i == 0 || p[i - 1] == '\n') &&
		    !memcmp(p + i, tag, sizeof(tag) - 1))
			return true;
	}

	return false;
}


/** The dialog's media security policy, for the offers and answers that
 * follow (copied; the fingerprint too) */
void sdpneg_set_sec(struct sdpneg *neg, const struct sdpsec_prm *prm)
{
	if (!neg || !prm)
		return;

	neg->sec = *prm;
	if (prm->fp) {
		str_ncpy(neg->fp, prm->fp, sizeof(neg->fp));
		neg->sec.fp = neg->fp;
	}
}


/** Why the last offer or answer failed, for a SIP Warning (static), or
 * NULL */
const char *sdpneg_why(const struct sdpneg *neg)
{
	return neg ? neg->why : NULL;
}


/** What the room forwards, for the offers and answers that follow */
void sdpneg_set_video(struct sdpneg *neg, const struct sdpneg_vwant *w)
{
	if (neg && w)
		neg->vw = *w;
}


static uint32_t ptime_pick(const struct sdp_media *m, const struct codec *c)
{
	const char *v = sdp_media_rattr(m, "ptime");
	uint32_t ptime = v ? (uint32_t)strtoul(v, NULL, 10) : PTIME_DEFAULT;

	/* a packet is a whole number of 10 ms room ticks' worth of audio */
	if (ptime < PTIME_MIN || ptime > PTIME_MAX || ptime % 10)
		ptime = PTIME_DEFAULT;

	/* Opus frames are 10, 20, 40 or 60 ms (RFC 6716 2.1.4) */
	if (c->id == CODEC_OPUS && (ptime == 30 || ptime > 60))
		ptime = PTIME_DEFAULT;

	return ptime;
}


/* a=extmap:ID[/direction] URI (RFC 8285 5) */
static bool extmap_h(const char *name, const char *value, void *arg)
{
	uint8_t *id = arg;
	struct pl pid, uri;
	uint32_t v;

	if (re_regex(value, str_len(value), "[0-9]+[^ ]* [^ ]+", &pid, NULL,
		     &uri) || pl_strcasecmp(&uri, rtpext_audio_level_uri))
		return false;

	/* one-byte header ids only (RFC 8285 4.2) */
	v = pl_u32(&pid);
	if (v < 1 || v > 14)
		return false;

	*id = (uint8_t)v;
	return true;
}


/* Keep only the chosen codec and telephone-event in what we answer */
static void prune_local(struct sdp_media *m, int keep_pt)
{
	const struct list *lst = sdp_media_format_lst(m, true);

	for (struct le *le = list_head(lst); le; le = le->next) {
		struct sdp_format *f = le->data;

		if (f->pt != keep_pt && str_casecmp(f->name, telev_name))
			f->sup = false;
	}
}


static int result_fill(struct sdpneg *neg, struct sdpneg_result *res,
		       bool prune)
{
	const struct sdp_media *m = neg->audio;
	const struct sdp_format *rf = NULL, *tf;
	const struct codec *c = NULL;
	const struct list *lst = sdp_media_format_lst(m, false);
	enum sdp_dir dir;

	memset(res, 0, sizeof(*res));

	if (sdp_media_disabled(neg->audio) || !sdp_media_rport(m))
		return ENOTSUP;

	/* the remote list keeps the offerer's order */
	for (struct le *le = list_head(lst); le && !c; le = le->next) {
		rf = le->data;
		if (rf->sup)
			c = rf->data;
	}

	if (!c)
		return ENOTSUP;

	if (prune)
		prune_local(neg->audio, rf->pt);

	tf = sdp_media_rformat(m, telev_name);

	res->codec = c;
	res->pt = (uint8_t)rf->pt;
	res->telev_pt = tf ? tf->pt : -1;
	res->ptime = ptime_pick(m, c);
	res->raddr = *sdp_media_raddr(m);
	sdp_media_raddr_rtcp(m, &res->raddr_rtcp);

	/* RFC 6464: answered with the offerer's id (RFC 8285 6) */
	res->level_id = 0;
	(void)sdp_media_rattr_apply(m, "extmap", extmap_h, &res->level_id);

	/* libre stores the peer's direction from our side already */
	dir = sdp_media_dir(m);
	res->send = (dir & SDP_SENDONLY) && !sa_is_any(&res->raddr);
	res->recv = (dir & SDP_RECVONLY) != 0;

	return 0;
}


/* Video its security refused is declined, the call goes on with audio */
static void video_sec(struct sdpneg *neg, int err, struct sdpneg_video *v)
{
	if (!err)
		return;

	v->on = false;
	if (err != ENOTSUP)
		v->why = "no video: SRTP setup failed";
	sdp_media_set_disabled(neg->video, true);
}


/* RFC 5761 5.1.3: with multiplexing RTCP goes to the RTP port */
static void mux_apply(struct sdpneg_result *res)
{
	if (res->srtp.mux)
		res->raddr_rtcp = res->raddr;
	if (res->video.srtp.mux)
		res->video.raddr_rtcp = res->video.raddr;
}


/* Decode an offer, choose audio, then video */
static int decode_offer(struct sdpneg *neg, struct mbuf *offer,
			struct sdpneg_result *res)
{
	int err;

	/* a video line declined before may be taken now; libre matches
	 * formats only on enabled lines */
	if (neg->video)
		sdp_media_set_disabled(neg->video, false);

	err = sdp_decode(neg->sess, offer, true);
	if (!err)
		err = result_fill(neg, res, true);
	if (!err)
		err = sdpsec_answer(neg->asec, &neg->sec, &res->srtp,
				    &neg->why);
	if (!err && neg->video)
		err = sdpvid_answer(neg->video, &neg->vw, &res->video);
	if (!err && neg->video && res->video.on)
		video_sec(neg, sdpsec_answer(neg->vsec, &neg->sec,
					     &res->video.srtp, &res->video.why),
			  &res->video);
	if (!err)
		mux_apply(res);

	return err;
}


/**
 * Answer an offer (initial INVITE or re-INVITE)
 *
 * @param neg      SDP state of the dialog
 * @param offer    The offer's body
 * @param answerp  Set to the answer's body on success
 * @param res      Filled with the negotiated media on success
 *
 * @return 0, EBADMSG for an SDP we cannot parse, ENOTSUP when there is no
 *         common codec (SIP 488, RFC 3261 13.3.1.1)
 */
int sdpneg_answer(struct sdpneg *neg, struct mbuf *offer,
		  struct mbuf **answerp, struct sdpneg_result *res)
{
	size_t start;
	int err;

	if (!neg || !offer || !answerp || !res)
		return EINVAL;

	start = offer->pos;
	neg->why = NULL;
	err = decode_offer(neg, offer, res);
	if (err) {
		/* a refused re-INVITE changes nothing (RFC 3261 14.2): go
		 * back to the session as it was */
		if (neg->good) {
			struct sdpneg_result old;

			neg->good->pos = 0;
			(void)decode_offer(neg, neg->good, &old);
		}
		return err == ENOTSUP ? ENOTSUP : err == EBADMSG ||
			err == EINVAL || err == EPROTO ? EBADMSG : err;
	}

	mem_deref(neg->good);
	neg->good = mbuf_alloc(offer->end - start + 1);
	if (neg->good)
		(void)mbuf_write_mem(neg->good, offer->buf + start,
				     offer->end - start);

	/* RFC 4566 6: the ptime we will send */
	err = sdp_media_set_lattr(neg->audio, true, "ptime", "%u", res->ptime);
	if (err)
		return err;

	sdp_media_del_lattr(neg->audio, "extmap");
	if (res->level_id) {
		err = sdp_media_set_lattr(neg->audio, false, "extmap",
					  "%u %s", res->level_id,
					  rtpext_audio_level_uri);
		if (err)
			return err;
	}

	return sdp_encode(answerp, neg->sess, false);
}


/**
 * Make an offer, for an INVITE that came without one (RFC 3261 13.2.1)
 */
int sdpneg_offer(struct sdpneg *neg, struct mbuf **offerp)
{
	int err;

	if (!neg || !offerp)
		return EINVAL;

	neg->why = NULL;
	err = sdpsec_offer(neg->asec, &neg->sec);
	if (err) {
		neg->why = "this room requires SRTP, and SDES keys need TLS:"
			" call a sips: URI";
		return err;
	}

	if (neg->video) {
		err = sdpvid_offer(neg->video, &neg->vw);
		if (!err)
			err = sdpsec_offer(neg->vsec, &neg->sec);
		if (err)
			return err;
	}

	return sdp_encode(offerp, neg->sess, true);
}


/**
 * Take the answer to our offer (from the ACK)
 *
 * @return 0, EBADMSG or ENOTSUP as for sdpneg_answer()
 */
int sdpneg_take_answer(struct sdpneg *neg, struct mbuf *answer,
		       struct sdpneg_result *res)
{
	int err;

	if (!neg || !answer || !res)
		return EINVAL;

	err = sdp_decode(neg->sess, answer, false);
	if (err)
		return EBADMSG;

	neg->why = NULL;
	err = result_fill(neg, res, false);
	if (!err)
		err = sdpsec_take(neg->asec, &neg->sec, &res->srtp, &neg->why);
	if (!err && neg->video)
		sdpvid_take(neg->video, &res->video);
	if (!err && neg->video && res->video.on)
		video_sec(neg, sdpsec_take(neg->vsec, &neg->sec,
					   &res->video.srtp, &res->video.why),
			  &res->video);
	if (!err)
		mux_apply(res);

	return err;
}


/**
 * Whether an offer is acceptable under a policy, before a call is set up
 * for it: so that a refusal can say why (a SIP Warning, RFC 3261 20.43)
 *
 * @param offer  An INVITE's body; its position is kept
 * @param prm    The room's policy and the dialog's transport
 * @param why    Set to a static reason when it is not
 *
 * @return 0, ENOTSUP (488), EBADMSG (400) or errno
 */
int sdpneg_screen(struct mbuf *offer, const struct sdpsec_prm *prm,
		  const char **why)
{
	struct sdpneg *neg = NULL;
	struct mbuf *ans = NULL;
	struct sdpneg_result res;
	struct sa laddr;
	size_t pos;
	int err;

	if (!offer || !prm || !why)
		return EINVAL;

	*why = NULL;
	pos = offer->pos;
	sa_set_str(&laddr, "127.0.0.1", 0);

	err = sdpneg_alloc(&neg, &laddr, 9, 0);
	if (err)
		return err;

	sdpneg_set_sec(neg, prm);
	err = sdpneg_answer(neg, offer, &ans, &res);
	*why = neg->why;
	offer->pos = pos;

	mem_deref(ans);
	mem_deref(neg);

	return err;
}
