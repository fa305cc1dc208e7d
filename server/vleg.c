/**
 * @file vleg.c  A participant's video stream: RTP in to the room's
 *               forwarder, its one forwarded stream out, RTCP feedback
 *
 * Nothing is decoded. A packet in goes to the sink (the room's
 * forwarder) with its payload in place; a packet out is the same
 * datagram with a new 12-byte header written in front of the payload:
 * this leg's SSRC, the peer's payload type, the sequence number and
 * timestamp the forwarder gives (RFC 3550 5.1). Header extensions and
 * CSRCs are not passed on: none are negotiated for video.
 *
 * Keyframe requests go out as the peer negotiated them: PLI (RFC 4585
 * 6.3.1), else FIR (RFC 5104 4.3.1); a peer with neither gets a SIP INFO
 * (RFC 5168), which the participant sends. Feedback goes in a compound
 * packet after an empty receiver report (RFC 3550 6.1).
 *
 * Runs on the media thread except where a comment says main thread.
 */
#include <pthread.h>
#include <string.h>
#include <re.h>
#include "leg.h"
#include "log.h"
#include "vleg.h"
#include "worker.h"

enum {
	RTCP_PT_RR = 201,
	RTCP_PT_RTPFB = 205,
	RTCP_PT_PSFB = 206,
	RTCP_PT_FIR2032 = 192,
	RTCP_PT_NACK2032 = 193,
	PSFB_PLI = 1,
	PSFB_FIR = 4,
	RTPFB_NACK = 1,
	LIVE_MS = 1000,              /* no video this long: not sending   */
};

struct vleg {
	/* the media thread's, after vleg_alloc() */
	struct sa bind;
	uint16_t port_min, port_max;
	uint64_t owner;               /* participant id                   */
	struct worker *wk;
	struct rtp_sock *rtp;
	struct tls *dtls;             /* DTLS-SRTP context, not owned     */
	struct legsec *sec;           /* SRTP, NULL: plain RTP            */
	uint16_t port;                /* local RTP port, set at alloc     */
	uint32_t ssrc;                /* what we send, one for all sources */
	struct sdpneg_video media;    /* current negotiation              */
	bool latched;                 /* RTP peer taken from the source   */
	uint32_t rx_ssrc;             /* the peer's video SSRC            */
	uint64_t last_rx;             /* last RTP in [monotonic ms]       */
	uint8_t fir_seq;              /* RFC 5104 4.3.1.1 command number  */
	vleg_rtp_h *rh;               /* the sink                         */
	vleg_fb_h *fh;
	void *arg;
	struct vleg_stats st;

	/* what the main thread reads */
	pthread_mutex_t snap_lock;
	struct vleg_stats snap;
};


static void rtp_handler(const struct sa *src, const struct rtp_header *hdr,
			struct mbuf *mb, void *arg)
{
	struct vleg *vl = arg;
	struct vleg_pkt pkt;

	if (!vl->media.on || !vl->media.recv || hdr->pt != vl->media.pt) {
		vl->st.pkts_bad++;
		return;
	}

	/* nobody else may send video into the room through this port */
	if (!vl->latched) {
		vl->media.raddr = *src;
		vl->latched = true;
	}
	else if (!sa_cmp(src, &vl->media.raddr, SA_ALL)) {
		vl->st.pkts_bad++;
		return;
	}

	vl->rx_ssrc = hdr->ssrc;
	vl->last_rx = tmr_jiffies();
	vl->st.pkts_in++;
	vl->st.bytes_in += mbuf_get_left(mb);

	if (!vl->rh || mb->pos < RTP_HEADER_SIZE)
		return;

	pkt.ssrc = hdr->ssrc;
	pkt.seq = hdr->seq;
	pkt.ts = hdr->ts;
	pkt.marker = hdr->m;
	pkt.pl = mbuf_buf(mb);
	pkt.len = mbuf_get_left(mb);
	pkt.mb = mb;

	vl->rh(vl, &pkt, vl->arg);
}


static void feedback(struct vleg *vl, enum vleg_fb fb, uint16_t pid,
		     uint16_t blp)
{
	if (fb == VLEG_FB_KEY)
		vl->st.fb_in++;
	else
		vl->st.nacks_in++;

	if (vl->fh)
		vl->fh(vl, fb, pid, blp, vl->arg);
}


static void rtcp_handler(const struct sa *src, struct rtcp_msg *msg,
			 void *arg)
{
	struct vleg *vl = arg;

	(void)src;

	switch (msg->hdr.pt) {

	case RTCP_PT_PSFB:
		if (msg->hdr.count == PSFB_PLI || msg->hdr.count == PSFB_FIR)
			feedback(vl, VLEG_FB_KEY, 0, 0);
		break;

	case RTCP_PT_FIR2032:
		feedback(vl, VLEG_FB_KEY, 0, 0);
		break;

	case RTCP_PT_RTPFB:
		if (msg->hdr.count != RTPFB_NACK)
			break;
		for (uint32_t i = 0; i < msg->r.fb.n; i++)
			feedback(vl, VLEG_FB_NACK, msg->r.fb.fci.gnackv[i].pid,
				 msg->r.fb.fci.gnackv[i].blp);
		break;

	case RTCP_PT_NACK2032:
		feedback(vl, VLEG_FB_NACK, msg->r.nack.fsn, msg->r.nack.blp);
		break;

	default:
		break;
	}
}


static int free_w(void *arg)
{
	struct vleg *vl = arg;

	vl->sec = mem_deref(vl->sec);
	vl->rtp = mem_deref(vl->rtp);

	return 0;
}


static void destructor(void *arg)
{
	struct vleg *vl = arg;

	(void)worker_call(vl->wk, free_w, vl);
	pthread_mutex_destroy(&vl->snap_lock);
}


static int alloc_w(void *arg)
{
	struct vleg *vl = arg;
	int err;

	err = rtp_listen(&vl->rtp, IPPROTO_UDP, &vl->bind, vl->port_min,
			 vl->port_max, true, rtp_handler, rtcp_handler, vl);
	if (err)
		return err;

	vl->port = sa_port(rtp_local(vl->rtp));
	vl->ssrc = rtp_sess_ssrc(vl->rtp);

	return 0;
}


/**
 * Make a video leg: bind its RTP/RTCP ports, on the media thread
 *
 * @param vlp    Set on success; mem_deref() closes it (main thread)
 * @param wk     Media thread it runs on (NULL: this thread)
 * @param prm    The audio leg's parameters: address and port range
 * @param owner  Participant id
 *
 * @return 0 or errno (EADDRINUSE when the port range is exhausted)
 */
int vleg_alloc(struct vleg **vlp, struct worker *wk,
	       const struct leg_prm *prm, uint64_t owner)
{
	struct vleg *vl;
	int err;

	if (!vlp || !prm)
		return EINVAL;

	vl = mem_zalloc(sizeof(*vl), destructor);
	if (!vl)
		return ENOMEM;

	pthread_mutex_init(&vl->snap_lock, NULL);

	vl->bind = prm->bind;
	sa_set_port(&vl->bind, 0);
	vl->port_min = prm->port_min;
	vl->port_max = prm->port_max;
	vl->owner = owner;
	vl->wk = wk;
	vl->dtls = prm->dtls;

	err = worker_call(wk, alloc_w, vl);
	if (err)
		mem_deref(vl);
	else
		*vlp = vl;

	return err;
}


/** The local RTP port (main thread) */
uint16_t vleg_port(const struct vleg *vl)
{
	return vl ? vl->port : 0;
}


struct start_args {
	struct vleg *vl;
	const struct sdpneg_video *v;
};


static int start_w(void *arg)
{
	const struct start_args *a = arg;
	struct vleg *vl = a->vl;
	bool same_peer = vl->media.on && a->v->on &&
		sa_cmp(&vl->media.raddr, &a->v->raddr, SA_ALL);

	/* a re-INVITE that keeps the peer keeps what was latched */
	if (!same_peer)
		vl->latched = false;
	if (same_peer && vl->latched) {
		struct sa latched = vl->media.raddr;

		vl->media = *a->v;
		vl->media.raddr = latched;
	}
	else {
		vl->media = *a->v;
	}

	if (vl->media.on) {
		int err = legsec_apply(&vl->sec, vl->rtp, &a->v->srtp,
				       vl->dtls, &a->v->raddr,
				       &a->v->raddr_rtcp, vl->owner);

		if (err) {
			vl->media.on = false;
			return err;
		}

		/* RFC 5761 5.1.3 */
		rtcp_enable_mux(vl->rtp, a->v->srtp.mux);
		log_debug("participant %llu: video RTP to %J, RTCP to %J",
			  (unsigned long long)vl->owner, &vl->media.raddr,
			  &vl->media.raddr_rtcp);
		rtcp_set_srate(vl->rtp, 90000, 90000);
		rtcp_start(vl->rtp, "chorus", &vl->media.raddr_rtcp);
	}

	vleg_publish(vl);

	return 0;
}


/**
 * Apply a negotiation: where to send, what the peer sends, which
 * feedback it takes (main thread)
 *
 * @return 0 or errno
 */
int vleg_start(struct vleg *vl, const struct sdpneg_video *v)
{
	struct start_args a = {vl, v};

	if (!vl || !v)
		return EINVAL;

	return worker_call(vl->wk, start_w, &a);
}


static int key_wanted_w(void *arg)
{
	struct vleg *vl = arg;

	feedback(vl, VLEG_FB_KEY, 0, 0);

	return 0;
}


/** The peer asked for a keyframe by SIP INFO (main thread) */
int vleg_key_wanted(struct vleg *vl)
{
	if (!vl)
		return EINVAL;

	return worker_call(vl->wk, key_wanted_w, vl);
}


/** A copy of the statistics as last published (main thread) */
void vleg_stats(const struct vleg *vl, struct vleg_stats *st)
{
	struct vleg *m = (struct vleg *)vl;

	pthread_mutex_lock(&m->snap_lock);
	*st = vl->snap;
	pthread_mutex_unlock(&m->snap_lock);
}


/** Publish the statistics for the main thread */
void vleg_publish(struct vleg *vl)
{
	pthread_mutex_lock(&vl->snap_lock);
	vl->snap = vl->st;
	vl->snap.raddr = vl->media.raddr;
	vl->snap.sending = vleg_live(vl);
	legsec_stats(vl->sec, &vl->snap.srtp);
	pthread_mutex_unlock(&vl->snap_lock);
}


/** Plug the room's forwarder in (handlers set) or out (NULL) */
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


/** Whether the peer sends us video (it can be a source) */
bool vleg_sends(const struct vleg *vl)
{
	return vl->media.on && vl->media.recv;
}


/** Whether the peer sends video now: agreed, and some came in the last
 * second (a phone may agree to send and send nothing, or stop) */
bool vleg_live(const struct vleg *vl)
{
	return vleg_sends(vl) && vl->last_rx &&
		tmr_jiffies() - vl->last_rx < LIVE_MS;
}


/** Whether the peer takes video from us (it can be a receiver) */
bool vleg_gets(const struct vleg *vl)
{
	return vl->media.on && vl->media.send;
}


/**
 * Send the peer one packet of its forwarded stream
 *
 * @param vl   Receiver
 * @param pkt  The packet as a source sent it; its datagram's headroom is
 *             written over and given back as it was
 * @param seq  Sequence number for this receiver
 * @param ts   Timestamp for this receiver
 *
 * @return true if it went out
 */
bool vleg_send(struct vleg *vl, const struct vleg_pkt *pkt, uint16_t seq,
	       uint32_t ts)
{
	bool sent = false;
	struct mbuf *mb = pkt->mb;
	size_t pos = mb->pos;
	struct rtp_header hdr;

	memset(&hdr, 0, sizeof(hdr));
	hdr.ver = RTP_VERSION;
	hdr.m = pkt->marker;
	hdr.pt = vl->media.pt;
	hdr.seq = seq;
	hdr.ts = ts;
	hdr.ssrc = vl->ssrc;

	/* with SRTP, msec.c protects a copy: the datagram is the others'
	 * too */
	mb->pos = pos - RTP_HEADER_SIZE;
	if (!rtp_hdr_encode(mb, &hdr)) {
		mb->pos = pos - RTP_HEADER_SIZE;
		sent = !udp_send(rtp_sock(vl->rtp), &vl->media.raddr, mb);
	}
	mb->pos = pos;

	if (sent) {
		vl->st.pkts_out++;
		vl->st.bytes_out += pkt->len;
	}

	return sent;
}


static int rtcp_out(struct vleg *vl, struct mbuf *mb)
{
	mb->pos = 0;

	/* RFC 5761 4: with multiplexing, RTCP shares the RTP port */
	return udp_send(vl->media.srtp.mux ? rtp_sock(vl->rtp) :
			rtcp_sock(vl->rtp), &vl->media.raddr_rtcp, mb);
}


/* An empty receiver report first: a compound packet (RFC 3550 6.1) */
static int rtcp_begin(struct vleg *vl, struct mbuf *mb, uint8_t fmt,
		      uint8_t pt, uint16_t words)
{
	int err;

	err = mbuf_write_u8(mb, 0x80);
	err |= mbuf_write_u8(mb, RTCP_PT_RR);
	err |= mbuf_write_u16(mb, htons(1));
	err |= mbuf_write_u32(mb, htonl(vl->ssrc));

	err |= mbuf_write_u8(mb, 0x80 | fmt);
	err |= mbuf_write_u8(mb, pt);
	err |= mbuf_write_u16(mb, htons(words));
	err |= mbuf_write_u32(mb, htonl(vl->ssrc));

	return err;
}


/**
 * Ask the peer, as a source, for a keyframe in the way it negotiated
 *
 * @return how it was asked; VLEG_KEY_INFO: the caller must send a SIP
 *         INFO
 */
enum vleg_key vleg_ask_key(struct vleg *vl)
{
	uint8_t buf[40];
	struct mbuf mb = {buf, sizeof(buf), 0, 0};
	enum vleg_key how;
	int err;

	if (!vleg_sends(vl))
		return VLEG_KEY_NONE;

	vl->st.keys_asked++;

	if (vl->media.fb_pli) {
		err = rtcp_begin(vl, &mb, PSFB_PLI, RTCP_PT_PSFB, 2);
		err |= mbuf_write_u32(&mb, htonl(vl->rx_ssrc));
		how = VLEG_KEY_PLI;
	}
	else if (vl->media.fb_fir) {
		/* RFC 5104 4.3.1.2: the media SSRC is 0, the FCI names it */
		err = rtcp_begin(vl, &mb, PSFB_FIR, RTCP_PT_PSFB, 4);
		err |= mbuf_write_u32(&mb, 0);
		err |= mbuf_write_u32(&mb, htonl(vl->rx_ssrc));
		err |= mbuf_write_u8(&mb, vl->fir_seq++);
		err |= mbuf_fill(&mb, 0, 3);
		how = VLEG_KEY_FIR;
	}
	else {
		return VLEG_KEY_INFO;
	}

	if (!err)
		(void)rtcp_out(vl, &mb);

	return how;
}


/**
 * Pass a receiver's NACK on to the peer, as a source: the packets
 * numbered in the source's own sequence (RFC 4585 6.2.1)
 */
void vleg_nack(struct vleg *vl, uint32_t ssrc, uint16_t pid, uint16_t blp)
{
	uint8_t buf[32];
	struct mbuf mb = {buf, sizeof(buf), 0, 0};
	int err;

	if (!vleg_sends(vl) || !vl->media.fb_nack)
		return;

	err = rtcp_begin(vl, &mb, RTPFB_NACK, RTCP_PT_RTPFB, 3);
	err |= mbuf_write_u32(&mb, htonl(ssrc));
	err |= mbuf_write_u16(&mb, htons(pid));
	err |= mbuf_write_u16(&mb, htons(blp));

	if (!err)
		(void)rtcp_out(vl, &mb);
}


/** What the forwarder did with a packet from this source */
void vleg_count(struct vleg *vl, bool dropped, bool key)
{
	if (dropped)
		vl->st.pkts_dropped++;
	if (key)
		vl->st.keys_in++;
}


/** The source this receiver is sent now, for the statistics */
void vleg_watching(struct vleg *vl, uint64_t src)
{
	if (vl->st.watching != src) {
		vl->st.watching = src;
		vleg_publish(vl);
	}
}
