/**
 * @file part_media.c  A participant's audio leg: RTP in, decode, RTP out
 *
 * RTP arrives on the participant's own port, goes into the jitter buffer
 * and is decoded one room tick at a time. Outgoing packets carry the
 * participant's own SSRC, a continuous sequence and timestamps in the
 * codec's RTP clock (RFC 3550 5.1). libre sends RTCP sender and receiver
 * reports (RFC 3550 6.4) once rtcp_start() has a peer.
 *
 * All of it runs on the room's media thread: the sockets and timers are
 * made and freed there (part_rtp_alloc, part_media_start, part_media_free
 * are called from the main thread and run there through worker_call).
 */
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>
#include <re.h>
#include "cfg.h"
#include "log.h"
#include "jb.h"
#include "rtpext.h"
#include "part.h"
#include "worker.h"

enum {
	OPUS_DTX_MAX = 2,   /* [bytes] an Opus packet this small is silence */
	LEVEL_QUIET = 50,   /* RFC 6464 level [-dBov] this low or lower is
			     * below the mixer's speech threshold        */
	EXT_ONE_BYTE = 0xbede,  /* RFC 8285 4.2 */
	PT_CN = 13,         /* comfort noise (RFC 3389 4) */
	FRAME_MAX = ROOM_SRATE * PTIME_MAX / 1000,   /* [samples] */
	VOICELESS_PROBE = 10, /* decode 1 in 10 voiceless Opus packets */
};


static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}


/*
 * When the packet just read reached the socket [us, monotonic]: the
 * kernel stamps it on arrival (SIOCGSTAMPNS, the last packet read). The
 * time we read it would add the media thread's own busy spells (a tick
 * of many rooms) to the measured network jitter, and the jitter buffers
 * would grow for a delay that is ours, and keep it.
 */
static uint64_t arrival_us(const struct part *p)
{
	struct timespec arr, real;
	uint64_t now = now_us();
	int64_t age;

	if (p->rtp_fd < 0 || ioctl(p->rtp_fd, SIOCGSTAMPNS, &arr))
		return now;

	clock_gettime(CLOCK_REALTIME, &real);
	age = (int64_t)(real.tv_sec - arr.tv_sec) * 1000000 +
		(real.tv_nsec - arr.tv_nsec) / 1000;

	/* a stamp from the future or older than a second is not one */
	return age >= 0 && age < 1000000 ? now - (uint64_t)age : now;
}


static void jb_put_hdr(struct part *p, const struct rtp_header *hdr,
		       const uint8_t *pl, size_t len)
{
	struct jb_pkt pkt = {hdr->ssrc, hdr->seq, hdr->ts, hdr->m, pl, len};
	int err = jb_put(p->jb, &pkt, arrival_us(p));

	if (err && err != EALREADY && err != ETIMEDOUT && err != EAGAIN)
		p->stats.pkts_bad++;
}


static bool pt_is_audio(const struct part *p, uint8_t pt)
{
	return p->media.codec && pt == p->media.pt;
}


static bool quiet_by_level(const struct part *p,
			   const struct rtp_header *hdr,
			   const struct mbuf *mb)
{
	size_t xlen = (size_t)hdr->x.len * 4;
	uint8_t level;
	bool voice;

	if (!p->media.level_id || !hdr->ext || hdr->x.type != EXT_ONE_BYTE ||
	    mb->pos < xlen)
		return false;

	if (rtpext_audio_level(mb->buf + mb->pos - xlen, xlen,
			       p->media.level_id, &voice, &level))
		return false;

	return level >= LEVEL_QUIET;
}


static void rtp_handler(const struct sa *src, const struct rtp_header *hdr,
			struct mbuf *mb, void *arg)
{
	struct part *p = arg;

	/* nothing is agreed yet (INVITE without SDP, dial-out ringing) */
	if (!p->media.codec)
		return;

	/* once the peer's source is known, nobody else may inject audio
	 * into the room through this port ("RTP bleed") */
	if (p->latched && !sa_cmp(src, &p->media.raddr, SA_ALL)) {
		p->stats.pkts_bad++;
		return;
	}

	p->last_rx = tmr_jiffies();

	if (!pt_is_audio(p, hdr->pt)) {
		char digit;

		/* telephone-event and comfort noise never reach the mix, but
		 * their sequence numbers are no loss (RFC 4733 2.1) */
		if ((int)hdr->pt == p->media.telev_pt) {
			if (!dtmf_rtp(&p->dtmf, hdr->ts, mbuf_buf(mb),
				      mbuf_get_left(mb), &digit))
				room_post(p->room, p, EV_PART_DTMF, digit);
			jb_put_hdr(p, hdr, NULL, 0);
		}
		else if (hdr->pt == PT_CN) {
			jb_put_hdr(p, hdr, NULL, 0);
		}
		else {
			p->stats.pkts_bad++;
		}
		return;
	}

	p->stats.pkts_in++;
	p->stats.bytes_in += mbuf_get_left(mb);
	p->rx_ssrc = hdr->ssrc;

	/* symmetric RTP: answer where the packets come from, so a caller
	 * behind NAT hears us (RFC 4961) */
	if (!p->latched) {
		p->latched = true;
		if (!sa_cmp(src, &p->media.raddr, SA_ALL)) {
			log_info("participant %llu: RTP from %J, not %J: "
				 "sending there", (unsigned long long)p->id,
				 src, &p->media.raddr);
			p->media.raddr = *src;
		}
	}

	/* a packet the client itself calls quiet (RFC 6464) is not decoded:
	 * it keeps its place in the sequence but brings no audio */
	if (quiet_by_level(p, hdr, mb)) {
		p->stats.pkts_quiet++;
		jb_put_hdr(p, hdr, NULL, 0);
		return;
	}

	jb_put_hdr(p, hdr, mbuf_buf(mb), mbuf_get_left(mb));
}


static void rtcp_handler(const struct sa *src, struct rtcp_msg *msg,
			 void *arg)
{
	struct part *p = arg;

	/* RTCP keeps a call alive only from the peer's address */
	if (sa_cmp(src, &p->media.raddr, SA_ADDR))
		p->last_rx = tmr_jiffies();
}


struct rtp_alloc_args {
	struct part *p;
	const struct config *cfg;
};


static int rtp_alloc_w(void *arg)
{
	const struct rtp_alloc_args *a = arg;
	struct part *p = a->p;
	const struct config *cfg = a->cfg;
	struct jb_prm jprm = {0};
	struct sa bind;
	int err;

	/* listen where SIP listens; any address if SIP takes any */
	sa_cpy(&bind, &cfg->sip);
	sa_set_port(&bind, 0);

	err = rtp_listen(&p->rtp, IPPROTO_UDP, &bind, cfg->rtp_min,
			 cfg->rtp_max, true, rtp_handler, rtcp_handler, p);
	if (err)
		return err;

	/* the first SIOCGSTAMPNS turns arrival stamps on for the socket
	 * (it fails: nothing read yet). Not SO_TIMESTAMPNS: with it the
	 * stamp goes to recvmsg() control data only, and libre reads
	 * with recvfrom() */
	p->rtp_fd = udp_sock_fd(rtp_sock(p->rtp), sa_af(rtp_local(p->rtp)));
	if (p->rtp_fd >= 0) {
		struct timespec ts;

		(void)ioctl(p->rtp_fd, SIOCGSTAMPNS, &ts);
	}

	jprm.clock = 8000;   /* set to the codec's at negotiation */
	jprm.min_ms = cfg->jitter_min_ms;
	jprm.max_ms = cfg->jitter_max_ms;
	jprm.tick_ms = ROOM_TICK_MS;
	err = jb_alloc(&p->jb, &jprm);
	if (err)
		return err;

	p->txmb = mbuf_alloc(RTP_HEADER_SIZE + PKT_MAX);
	if (!p->txmb)
		return ENOMEM;

	p->ts_out = rand_u32();
	p->marker = true;
	p->last_rx = tmr_jiffies();

	return 0;
}


/**
 * Bind the participant's RTP/RTCP ports in the configured range, on the
 * room's media thread
 *
 * @return 0 or errno (EADDRINUSE when the range is exhausted)
 */
int part_rtp_alloc(struct part *p, const struct config *cfg)
{
	struct rtp_alloc_args a = {p, cfg};

	return worker_call(p->room->wk, rtp_alloc_w, &a);
}


static int media_free_w(void *arg)
{
	struct part *p = arg;

	p->rtp = mem_deref(p->rtp);
	p->dec = mem_deref(p->dec);
	p->enc = mem_deref(p->enc);
	p->jb = mem_deref(p->jb);
	p->txmb = mem_deref(p->txmb);

	return 0;
}


/** Close the participant's sockets and free its codecs, on the media
 * thread; the participant must be out of the room's list already */
void part_media_free(struct part *p)
{
	(void)worker_call(p->room->wk, media_free_w, p);
}


struct media_start_args {
	struct part *p;
	const struct sdpneg_result *res;
};


static int media_start_w(void *arg)
{
	const struct media_start_args *a = arg;
	struct part *p = a->p;
	const struct sdpneg_result *res = a->res;
	const struct codec *c = res->codec;
	bool new_codec = p->media.codec != c || !p->dec;
	int err = 0;

	if (new_codec) {
		p->dec = mem_deref(p->dec);
		err = adec_alloc(&p->dec, c);
		if (err)
			return err;

		jb_flush(p->jb);
		err = jb_set_clock(p->jb, c->clock);
		if (err)
			return err;
		p->fifo_fill = 0;
		p->passq_n = 0;
	}

	/* the participant's own encoder is made when it first talks:
	 * most never do, in a large room */
	if (new_codec || p->media.ptime != res->ptime) {
		p->enc = mem_deref(p->enc);
		p->marker = true;
	}

	p->media = *res;
	p->latched = false;
	p->last_rx = tmr_jiffies();

	rtcp_set_srate(p->rtp, c->clock, c->clock);
	rtcp_start(p->rtp, "chorus", &p->media.raddr_rtcp);

	return 0;
}


/**
 * Apply a negotiation: (re)make the codec state if the codec or ptime
 * changed, point RTP and RTCP at the peer. Runs on the media thread.
 *
 * @return 0 or errno
 */
int part_media_start(struct part *p, const struct sdpneg_result *res)
{
	struct media_start_args a = {p, res};

	return worker_call(p->room->wk, media_start_w, &a);
}


/* Opus silence that need not be decoded: decoding costs as much as
 * speech, and the mix takes nothing from it. DTX (RFC 7587 3.1.3), and,
 * from a participant outside the talker set, a packet whose encoder
 * found no voice in it. The encoder's VAD takes a steady sound (a tone,
 * a hum) for background noise after a while, so one such packet in
 * VOICELESS_PROBE (200 ms) is still decoded: a loud one can still win a
 * place. */
static bool opus_skip(struct part *p, const struct jb_pkt *pkt)
{
	if (p->media.codec->id != CODEC_OPUS)
		return false;

	if (pkt->len <= OPUS_DTX_MAX)
		return true;

	if (p->talking || opus_pkt_voice(pkt->pl, pkt->len) ||
	    ++p->voiceless >= VOICELESS_PROBE) {
		p->voiceless = 0;
		return false;
	}

	return true;
}


/* Keep a decoded packet that made exactly one frame while its audio is
 * in the fifo: when that frame is mixed, the packet may go on as it came
 * (room.c, forwarding). Audio no kept packet stands for ends the queue. */
static void pass_keep(struct part *p, const struct jb_pkt *pkt, size_t n)
{
	uint32_t i;

	if (n != ROOM_FRAME || pkt->len > PART_PASS_MAX ||
	    p->passq_n >= PART_PASSQ ||
	    p->passq_n * ROOM_FRAME != p->fifo_fill) {
		p->passq_n = 0;
		return;
	}

	i = (p->passq_head + p->passq_n++) % PART_PASSQ;
	memcpy(p->passq[i].buf, pkt->pl, pkt->len);
	p->passq[i].len = pkt->len;
}


/* Decode (or conceal) what the jitter buffer has due, in playout order */
static void fill_fifo(struct part *p)
{
	const uint64_t now = now_us();
	struct jb_frame f;
	enum jb_res r;

	/* stop while the fifo could not take the longest packet (120 ms);
	 * what is due stays in the buffer for the next tick */
	while (ARRAY_SIZE(p->fifo) - p->fifo_fill >= FRAME_MAX &&
	       (r = jb_get(p->jb, now, &f)) != JB_WAIT) {
		size_t n = ARRAY_SIZE(p->fifo) - p->fifo_fill;
		int err;

		if (f.resync)
			adec_reset(p->dec);

		if (r != JB_PACKET) {
			/* concealed audio came from no packet */
			p->passq_n = 0;

			/* a gap in silence is more silence, and the mix
			 * takes nothing from a participant outside the
			 * talker set: concealing would cost a decode for
			 * every silent participant, after each comfort-noise
			 * frame, and for all of them at once when a late
			 * tick makes them all "lost" */
			if (p->rx_silent || !p->talking)
				continue;

			/* Opus FEC from the next packet, PLC, or a fade */
			err = adec_conceal(p->dec, f.next ? f.next->pl : NULL,
					   f.next ? f.next->len : 0, f.dur,
					   p->fifo + p->fifo_fill, &n);
		}
		else if (opus_skip(p, &f.pkt)) {
			/* the mix takes no frame from us */
			p->rx_silent = true;
			p->stats.pkts_silent++;
			jb_played(p->jb, f.dur);
			continue;
		}
		else {
			p->rx_silent = false;
			err = adec_decode(p->dec, f.pkt.pl, f.pkt.len,
					  p->fifo + p->fifo_fill, &n);
			if (!err) {
				jb_played(p->jb, (uint32_t)((uint64_t)n *
					  p->media.codec->clock /
					  ROOM_SRATE));
				pass_keep(p, &f.pkt, n);
			}
		}

		if (err) {
			p->stats.pkts_bad++;
			continue;
		}

		p->fifo_fill += n;
	}
}


/**
 * Take this tick's input frame into p->frame
 *
 * @return true if the participant sent audio for this tick
 */
bool part_pull(struct part *p)
{
	size_t n;

	if (p->state == PART_LEFT || !p->dec || !p->media.recv)
		return false;

	/* a held participant leaves the mix (its music on hold too) */
	if (part_held(p)) {
		jb_flush(p->jb);
		p->fifo_fill = 0;
		p->passq_n = 0;
		return false;
	}

	p->pass_len = 0;
	fill_fifo(p);

	if (!p->fifo_fill)
		return false;

	/* forwardable if the oldest kept packet made exactly this frame */
	if (p->passq_n && p->passq_n * ROOM_FRAME == p->fifo_fill) {
		uint32_t i = p->passq_head;

		/* it stays in passq until the next tick's fill */
		p->pass = p->passq[i].buf;
		p->pass_len = p->passq[i].len;
		p->passq_head = (i + 1) % PART_PASSQ;
		p->passq_n--;
	}

	/* the buffer keeps the timeline; a short tick is padded */
	n = p->fifo_fill < ROOM_FRAME ? p->fifo_fill : ROOM_FRAME;
	memcpy(p->frame, p->fifo, n * sizeof(int16_t));
	memset(p->frame + n, 0, (ROOM_FRAME - n) * sizeof(int16_t));

	p->fifo_fill -= n;
	memmove(p->fifo, p->fifo + n, p->fifo_fill * sizeof(int16_t));

	return true;
}


/**
 * The participant's own encoder (for the mix minus its voice), made on
 * first use
 *
 * @return encoder, or NULL if it cannot be made
 */
struct aenc *part_encoder(struct part *p)
{
	if (!p->enc &&
	    aenc_alloc(&p->enc, p->media.codec, p->media.ptime,
		       rooms_config(p->room->mgr)->opus_complexity))
		return NULL;

	return p->enc;
}


/**
 * Whether this tick's frame of src can reach dst as the packet it came
 * in: dst hears src alone, both use the same codec and ptime, src's gain
 * is 0 dB, and one packet of src's made exactly the frame.
 */
bool part_can_forward(const struct part *src, const struct part *dst)
{
	return src->pass_len && src->media.codec == dst->media.codec &&
		src->media.ptime == ROOM_TICK_MS &&
		dst->media.ptime == ROOM_TICK_MS &&
		src->chan.gain_q12 == MIXER_GAIN_UNITY;
}


/* On hold: the peer's last offer was sendonly or inactive (RFC 3264 8.4)
 * or put 0.0.0.0 in c= (RFC 2543 style) */
bool part_held(const struct part *p)
{
	return p->media.codec && !p->media.send;
}


/* Whether we send audio to this participant at all (not while held) */
bool part_hears(const struct part *p)
{
	return p->state != PART_LEFT && p->dec && !part_held(p);
}


/**
 * Send one encoded packet with this participant's SSRC, seq and ts
 *
 * @param p    Participant
 * @param pl   Payload
 * @param len  Payload length [bytes]
 * @param dur  Duration [RTP clock units]
 */
void part_send(struct part *p, const uint8_t *pl, size_t len, uint32_t dur)
{
	struct mbuf *mb = p->txmb;
	int err;

	mb->pos = RTP_HEADER_SIZE;
	mb->end = RTP_HEADER_SIZE;
	(void)mbuf_write_mem(mb, pl, len);
	mb->pos = RTP_HEADER_SIZE;

	err = rtp_send(p->rtp, &p->media.raddr, false, p->marker,
		       p->media.pt, p->ts_out, mb);
	p->ts_out += dur;
	p->marker = false;

	if (err) {
		p->stats.pkts_bad++;
		return;
	}

	p->stats.pkts_out++;
	p->stats.bytes_out += len;
}


/**
 * Hang up a participant whose RTP and RTCP stopped for timeout_s seconds.
 * A participant that told us it sends nothing (on hold) is exempt.
 * Main thread.
 */
void part_check_timeout(struct part *p, uint64_t now, uint32_t timeout_s)
{
	bool dead;

	if (!timeout_s)
		return;

	room_lock(p->room);
	/* last_rx may be newer than now: the media thread runs on */
	dead = p->media.recv &&
		now > p->last_rx + (uint64_t)timeout_s * 1000;
	room_unlock(p->room);

	if (dead)
		part_hangup(p, "rtp timeout");
}


/* Packets lost on the way to us (RFC 3550 A.3) */
uint64_t part_lost(const struct part *p)
{
	struct jb_stats st;

	jb_stats(p->jb, &st);
	return st.lost > 0 ? (uint64_t)st.lost : 0;
}


/* Round-trip time from the peer's receiver reports (RFC 3550 6.4.1) [us] */
uint32_t part_rtt_us(const struct part *p)
{
	struct rtcp_stats st;

	if (!p->rx_ssrc || rtcp_stats(p->rtp, p->rx_ssrc, &st))
		return 0;

	return st.rtt;
}


/* Interarrival jitter of the audio we receive (RFC 3550 A.8) [us] */
uint32_t part_jitter_us(const struct part *p)
{
	struct jb_stats st;

	jb_stats(p->jb, &st);
	return (uint32_t)(st.jitter_ms * 1000.0);
}
