/**
 * @file vleg.c  A fake video leg: the test sets what was negotiated and
 *               feeds packets and feedback in; what the forwarder sent
 *               and asked is recorded for the test to read back
 */
#include <string.h>
#include <re.h>
#include "../../server/leg.h"
#include "../../server/vleg.h"
#include "fake.h"

struct vleg {
	uint64_t owner;
	struct sdpneg_video media;
	vleg_rtp_h *rh;
	vleg_fb_h *fh;
	void *arg;
	struct vleg_stats st;
	struct fake_vsent sent;
	uint16_t port;
	bool quiet;
};


int vleg_alloc(struct vleg **vlp, struct worker *wk,
	       const struct leg_prm *prm, uint64_t owner)
{
	static uint16_t port = 30000;
	struct vleg *vl;

	(void)wk;
	if (!vlp || !prm)
		return EINVAL;

	vl = mem_zalloc(sizeof(*vl), NULL);
	if (!vl)
		return ENOMEM;

	vl->owner = owner;
	vl->port = port += 2;
	*vlp = vl;

	return 0;
}


uint16_t vleg_port(const struct vleg *vl)
{
	return vl->port;
}


int vleg_start(struct vleg *vl, const struct sdpneg_video *v)
{
	vl->media = *v;
	return 0;
}


int vleg_key_wanted(struct vleg *vl)
{
	fake_vleg_feedback(vl, VLEG_FB_KEY, 0, 0);
	return 0;
}


void vleg_stats(const struct vleg *vl, struct vleg_stats *st)
{
	*st = vl->st;
}


void vleg_sink(struct vleg *vl, vleg_rtp_h *rh, vleg_fb_h *fh, void *arg)
{
	vl->rh = rh;
	vl->fh = fh;
	vl->arg = arg;
}


const struct sdpneg_video *vleg_media(const struct vleg *vl)
{
	return &vl->media;
}


bool vleg_sends(const struct vleg *vl)
{
	return vl->media.on && vl->media.recv;
}


bool vleg_live(const struct vleg *vl)
{
	return vleg_sends(vl) && !vl->quiet;
}


/* The peer agreed to send video, and sends none (or stops) */
void fake_vleg_quiet(struct vleg *vl, bool quiet)
{
	vl->quiet = quiet;
}


bool vleg_gets(const struct vleg *vl)
{
	return vl->media.on && vl->media.send;
}


bool vleg_send(struct vleg *vl, const struct vleg_pkt *pkt, uint16_t seq,
	       uint32_t ts)
{
	struct fake_vsent *s = &vl->sent;

	if (s->n < FAKE_VSENT_MAX) {
		s->seq[s->n] = seq;
		s->ts[s->n] = ts;
		s->from_seq[s->n] = pkt->seq;
		s->from_ssrc[s->n] = pkt->ssrc;
	}
	s->n++;
	vl->st.pkts_out++;

	return true;
}


enum vleg_key vleg_ask_key(struct vleg *vl)
{
	if (!vleg_sends(vl))
		return VLEG_KEY_NONE;

	vl->sent.keys_asked++;
	vl->st.keys_asked++;

	return vl->media.fb_pli ? VLEG_KEY_PLI : vl->media.fb_fir ?
		VLEG_KEY_FIR : VLEG_KEY_INFO;
}


void vleg_nack(struct vleg *vl, uint32_t ssrc, uint16_t pid, uint16_t blp)
{
	vl->sent.nacks++;
	vl->sent.nack_ssrc = ssrc;
	vl->sent.nack_pid = pid;
	vl->sent.nack_blp = blp;
}


void vleg_count(struct vleg *vl, bool dropped, bool key)
{
	if (dropped)
		vl->st.pkts_dropped++;
	if (key)
		vl->st.keys_in++;
}


void vleg_watching(struct vleg *vl, uint64_t src)
{
	vl->st.watching = src;
}


void vleg_publish(struct vleg *vl)
{
	vl->sent.publishes++;
}


/* test side */

void fake_vleg_media(struct vleg *vl, bool send, bool recv, bool pli,
		     bool fir)
{
	memset(&vl->media, 0, sizeof(vl->media));
	vl->media.on = send || recv;
	vl->media.codec = VCODEC_VP8;
	vl->media.pt = 96;
	vl->media.send = send;
	vl->media.recv = recv;
	vl->media.fb_pli = pli;
	vl->media.fb_fir = fir;
	vl->media.fb_nack = true;
}


/* A VP8 packet: the payload descriptor's S bit and partition 0, then a
 * payload header whose P bit (0: keyframe) is key's (RFC 7741 4.2, 4.3) */
void fake_vleg_packet(struct vleg *vl, uint32_t ssrc, uint16_t seq,
		      uint32_t ts, bool key, bool start)
{
	uint8_t buf[64];
	struct mbuf mb = {buf, sizeof(buf), 16, 16 + 4};
	struct vleg_pkt pkt;

	if (!vl->rh)
		return;

	memset(buf, 0, sizeof(buf));
	buf[16] = start ? 0x10 : 0x00;
	buf[17] = key ? 0x00 : 0x01;

	pkt.ssrc = ssrc;
	pkt.seq = seq;
	pkt.ts = ts;
	pkt.marker = true;
	pkt.pl = buf + 16;
	pkt.len = 4;
	pkt.mb = &mb;
	vl->st.pkts_in++;
	vl->rh(vl, &pkt, vl->arg);
}


void fake_vleg_feedback(struct vleg *vl, enum vleg_fb fb, uint16_t pid,
			uint16_t blp)
{
	vl->st.fb_in++;
	if (vl->fh)
		vl->fh(vl, fb, pid, blp, vl->arg);
}


const struct fake_vsent *fake_vleg_sent(const struct vleg *vl)
{
	return &vl->sent;
}


void fake_vleg_clear(struct vleg *vl)
{
	memset(&vl->sent, 0, sizeof(vl->sent));
}
