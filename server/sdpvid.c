/**
 * @file sdpvid.c  The video m-line of a dialog: VP8 (RFC 7741), H.264
 *                 (RFC 6184) and VP9 (RFC 9628), with RTCP feedback
 *                 (RFC 4585, RFC 5104)
 *
 * Nothing is transcoded, so what a caller may send must be what every
 * other caller in the room can decode: the room names one codec (and for
 * H.264 one packetization mode) and a caller who cannot do it is answered
 * m=video 0. Within a codec, the offerer's first format wins (RFC 3264
 * 6.1), answered with the offerer's payload type, so each receiver keeps
 * its own payload numbers and the forwarder maps them.
 */
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "sdpneg.h"
#include "sdpvid.h"

enum {
	PT_VP8 = 96,           /* what we offer */
	PT_H264_PM1 = 97,
	PT_H264_PM0 = 98,
	PT_VP9 = 100,
	H264_LEVEL_MAX = 0x1f, /* level 3.1: 1280x720 at 30 fps */
	H264_PLID_DEFAULT = 0x42000a,   /* RFC 6184 8.1: baseline 1.0 */
};

static const char *const enc_name[VCODEC_COUNT] = {"VP8", "H264", "VP9"};


/* packetization-mode=N in an fmtp (RFC 6184 8.1: absent is 0) */
static int h264_pm(const char *fmtp)
{
	struct pl v;

	if (fmtp &&
	    !re_regex(fmtp, strlen(fmtp), "packetization-mode=[0-9]+", &v))
		return (int)pl_u32(&v);

	return 0;
}


/* profile-level-id=XXXXXX (RFC 6184 8.1), its default if absent; -1 if
 * it is malformed */
static long h264_plid(const char *fmtp)
{
	struct pl v;
	char hex[7];

	if (!fmtp || re_regex(fmtp, strlen(fmtp),
			      "profile-level-id=[0-9a-fA-F]+", &v))
		return H264_PLID_DEFAULT;

	if (v.l != 6)
		return -1;

	pl_strcpy(&v, hex, sizeof(hex));
	return strtol(hex, NULL, 16);
}


/*
 * Whether every receiver can decode what this profile allows a sender to
 * send: the Baseline and Constrained Baseline profiles (RFC 6184 8.1,
 * table 5: profile_idc 42, or 4D and 58 with constraint_set0), at any
 * level. Main and High allow tools a baseline decoder lacks.
 */
static bool h264_profile_ok(long plid)
{
	uint8_t idc = (uint8_t)(plid >> 16), iop = (uint8_t)(plid >> 8);

	if (plid < 0)
		return false;

	return idc == 0x42 || ((idc == 0x4d || idc == 0x58) && (iop & 0x80));
}


/* sdp_fmtp_cmp_h: one local H.264 format per packetization mode */
static bool h264_cmp(const char *lparams, const char *rparams, void *data)
{
	(void)data;

	return h264_pm(lparams) == h264_pm(rparams);
}


/**
 * Add the video m-line we offer and answer with
 *
 * @param mp    Set to it on success (owned by the session)
 * @param sess  The dialog's SDP session
 * @param port  Our video RTP port; RTCP is the next
 *
 * @return 0 or errno
 */
int sdpvid_add(struct sdp_media **mp, struct sdp_session *sess,
	       uint16_t port)
{
	struct sdp_media *m;
	int err;

	err = sdp_media_add(&m, sess, "video", port, "RTP/AVP");
	if (err)
		return err;

	/* RTP/AVPF offers carry the same media (RFC 4585 3.4) */
	err = sdp_media_set_alt_protos(m, 2, "RTP/AVP", "RTP/AVPF");
	err |= sdp_format_add(NULL, m, false, "96", "VP8", 90000, 1, NULL,
			      NULL, NULL, false, NULL);
	err |= sdp_format_add(NULL, m, false, "97", "H264", 90000, 1, NULL,
			      h264_cmp, NULL, false,
			      "packetization-mode=1;profile-level-id=42e01f");
	err |= sdp_format_add(NULL, m, false, "98", "H264", 90000, 1, NULL,
			      h264_cmp, NULL, false,
			      "packetization-mode=0;profile-level-id=42e01f");
	err |= sdp_format_add(NULL, m, false, "100", "VP9", 90000, 1, NULL,
			      NULL, NULL, false, NULL);
	err |= sdpvid_fb_set(m, true, true, true);
	if (err) {
		mem_deref(m);
		return err ? err : ENOMEM;
	}

	*mp = m;

	return 0;
}


/**
 * Set the a=rtcp-fb lines we send (RFC 4585 4.2): in an answer, only what
 * the offer had (the answerer may drop, never add)
 */
int sdpvid_fb_set(struct sdp_media *m, bool nack, bool pli, bool fir)
{
	int err = 0;

	sdp_media_del_lattr(m, "rtcp-fb");

	if (nack)
		err |= sdp_media_set_lattr(m, false, "rtcp-fb", "* nack");
	if (pli)
		err |= sdp_media_set_lattr(m, false, "rtcp-fb", "* nack pli");
	if (fir)
		err |= sdp_media_set_lattr(m, false, "rtcp-fb", "* ccm fir");

	return err ? ENOMEM : 0;
}


static enum vcodec codec_of(const struct sdp_format *f)
{
	for (size_t i = 0; i < VCODEC_COUNT; i++) {
		if (!str_casecmp(f->name, enc_name[i]))
			return (enum vcodec)i;
	}

	return VCODEC_COUNT;
}


struct fb_scan {
	int pt;
	struct sdpneg_video *v;
};


/* a=rtcp-fb:PT|* TYPE [PARAM] (RFC 4585 4.2) */
static bool fb_h(const char *name, const char *value, void *arg)
{
	struct fb_scan *s = arg;
	struct pl pt, type, param;

	(void)name;

	if (re_regex(value, str_len(value), "[^ ]+ [^ ]+[ ]*[^]*", &pt,
		     &type, NULL, &param))
		return false;

	if (pl_strcmp(&pt, "*") && (int)pl_u32(&pt) != s->pt)
		return false;

	if (!pl_strcasecmp(&type, "nack")) {
		if (!param.l)
			s->v->fb_nack = true;
		else if (!pl_strcasecmp(&param, "pli"))
			s->v->fb_pli = true;
	}
	else if (!pl_strcasecmp(&type, "ccm") &&
		 !pl_strcasecmp(&param, "fir")) {
		s->v->fb_fir = true;
	}

	return false;
}


/* What the peer can do, and where, once a format is chosen */
static void fill(const struct sdp_media *m, const struct sdp_format *rf,
		 struct sdpneg_video *v)
{
	struct fb_scan s = {rf->pt, v};
	enum sdp_dir dir = sdp_media_dir(m);

	v->on = true;
	v->codec = codec_of(rf);
	v->pt = (uint8_t)rf->pt;
	v->h264_pm = v->codec == VCODEC_H264 ? (uint8_t)h264_pm(rf->params) :
		0;
	v->raddr = *sdp_media_raddr(m);
	sdp_media_raddr_rtcp(m, &v->raddr_rtcp);
	(void)sdp_media_rattr_apply(m, "rtcp-fb", fb_h, &s);

	v->send = (dir & SDP_SENDONLY) && !sa_is_any(&v->raddr);
	v->recv = (dir & SDP_RECVONLY) != 0;
}


/* Whether the room can forward what rf is; why not, if not */
static const char *refuse(const struct sdp_format *rf,
			  const struct sdpneg_vwant *w)
{
	enum vcodec c = codec_of(rf);

	if (c == VCODEC_COUNT)
		return "no video codec in common";

	if (c == VCODEC_H264 && !h264_profile_ok(h264_plid(rf->params)))
		return "H.264 profile other than baseline";

	if (w->any)
		return NULL;

	if (c != w->codec)
		return "not the room's video codec";

	if (c == VCODEC_H264 && w->h264_pm >= 0 &&
	    h264_pm(rf->params) != w->h264_pm)
		return "not the room's H.264 packetization-mode";

	return NULL;
}


/* The H.264 fmtp we answer: the offer's mode and profile, its level or
 * ours if lower (RFC 6184 8.2.2: the answer keeps the profile, and may
 * lower the level) */
static int h264_answer(struct sdp_format *lf, const struct sdp_format *rf)
{
	long plid = h264_plid(rf->params);
	unsigned level = (unsigned)plid & 0xff;

	if (level > H264_LEVEL_MAX)
		level = H264_LEVEL_MAX;

	return sdp_format_set_params(lf, "packetization-mode=%d;"
				     "profile-level-id=%06lx",
				     h264_pm(rf->params),
				     (plid & 0xffff00) | level);
}


/* Only lf in what we answer, under the offerer's payload type */
static int keep_only(struct sdp_media *m, struct sdp_format *lf,
		     const struct sdp_format *rf)
{
	const struct list *lst = sdp_media_format_lst(m, true);

	for (struct le *le = list_head(lst); le; le = le->next) {
		struct sdp_format *f = le->data;

		f->sup = f == lf;
	}

	if (lf->pt != rf->pt) {
		char *id;
		int err = str_dup(&id, rf->id);

		if (err)
			return err;
		mem_deref(lf->id);
		lf->id = id;
		lf->pt = rf->pt;
	}

	return codec_of(rf) == VCODEC_H264 ? h264_answer(lf, rf) : 0;
}


static struct sdp_format *local_match(const struct sdp_media *m,
				      const struct sdp_format *rf)
{
	const struct list *lst = sdp_media_format_lst(m, true);

	for (struct le *le = list_head(lst); le; le = le->next) {
		struct sdp_format *f = le->data;

		if (f->sup && codec_of(f) == codec_of(rf) &&
		    (!f->cmph || f->cmph(f->params, rf->params, NULL)))
			return f;
	}

	return NULL;
}


/**
 * Choose the video to answer an offer with, after it is decoded
 *
 * @param m  Our video m-line
 * @param w  What the room can forward
 * @param v  Set to what is agreed; v->why says why there is none when the
 *           peer offered video
 *
 * @return 0, or errno (the answer cannot be made)
 */
int sdpvid_answer(struct sdp_media *m, const struct sdpneg_vwant *w,
		  struct sdpneg_video *v)
{
	const struct list *lst = sdp_media_format_lst(m, false);
	const char *why = "no video codec in common";
	bool fb_nack, fb_pli, fb_fir;

	memset(v, 0, sizeof(*v));

	/* not offered, or declined by the offerer (port 0) */
	if (!sdp_media_rport(m))
		return 0;

	for (struct le *le = list_head(lst); le; le = le->next) {
		const struct sdp_format *rf = le->data;
		struct sdp_format *lf;
		const char *no;

		if (!rf->sup)
			continue;

		no = refuse(rf, w);
		if (no) {
			why = no;
			continue;
		}

		lf = local_match(m, rf);
		if (!lf)
			continue;

		fill(m, rf, v);
		fb_nack = v->fb_nack;
		fb_pli = v->fb_pli;
		fb_fir = v->fb_fir;

		if (keep_only(m, lf, rf) ||
		    sdpvid_fb_set(m, fb_nack, fb_pli, fb_fir))
			return ENOMEM;

		return 0;
	}

	v->why = why;

	/* RFC 3264 6: a stream we do not take is answered with port 0 */
	sdp_media_set_disabled(m, true);

	return 0;
}


/**
 * What the answer to our offer agreed
 *
 * @param m  Our video m-line, after the answer is decoded
 * @param v  Set to what is agreed
 */
void sdpvid_take(struct sdp_media *m, struct sdpneg_video *v)
{
	const struct list *lst = sdp_media_format_lst(m, false);

	memset(v, 0, sizeof(*v));

	if (sdp_media_disabled(m) || !sdp_media_rport(m))
		return;

	/* RFC 3264 6.1: the answerer's first format is what it sends */
	for (struct le *le = list_head(lst); le; le = le->next) {
		const struct sdp_format *rf = le->data;

		if (rf->sup && codec_of(rf) != VCODEC_COUNT) {
			fill(m, rf, v);
			return;
		}
	}

	v->why = "no video codec in common";
}


/**
 * Make the m-line what the room offers (dial-out, or a re-INVITE without
 * SDP): what the room forwards. libre
 * offers every local format, so the others are taken out for good: a
 * dialog keeps its room's codec.
 *
 * @return 0 or errno
 */
int sdpvid_offer(struct sdp_media *m, const struct sdpneg_vwant *w)
{
	const struct list *lst = sdp_media_format_lst(m, true);
	struct le *le = list_head(lst);

	sdp_media_set_disabled(m, false);

	while (le) {
		struct sdp_format *f = le->data;
		enum vcodec c = codec_of(f);

		le = le->next;
		if (!w->any && (c != w->codec ||
				(c == VCODEC_H264 && w->h264_pm >= 0 &&
				 h264_pm(f->params) != w->h264_pm)))
			mem_deref(f);
	}

	return sdpvid_fb_set(m, true, true, true);
}
