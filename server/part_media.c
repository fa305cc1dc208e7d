/**
 * @file part_media.c  A participant's audio leg: RTP in, decode, RTP out
 *
 * RTP arrives on the participant's own port, goes into libre's reordering
 * jitter buffer and is decoded one room tick at a time. Outgoing packets
 * carry the participant's own SSRC, a continuous sequence and timestamps
 * in the codec's RTP clock (RFC 3550 5.1). libre sends RTCP sender and
 * receiver reports (RFC 3550 6.4) once rtcp_start() has a peer.
 */
#include <string.h>
#include <re.h>
#include "../mixer/mixer.h"
#include "codec.h"
#include "cfg.h"
#include "log.h"
#include "sdpneg.h"
#include "dtmf.h"
#include "room.h"
#include "part.h"

enum {
	OPUS_DTX_MAX = 2,   /* [bytes] an Opus packet this small is silence */
	JBUF_MIN = 0,     /* jbuf only reorders; priming is ours */
	JBUF_MAX = 16,    /* packets held at most                */
	PRIME = 2 * ROOM_FRAME,  /* audio held before (re)starting
				  * playout: one tick of cushion
				  * against arrival jitter [samples] */
};


static bool pt_is_audio(const struct part *p, uint8_t pt)
{
	return p->media.codec && pt == p->media.pt;
}


static void rtp_handler(const struct sa *src, const struct rtp_header *hdr,
			struct mbuf *mb, void *arg)
{
	struct part *p = arg;

	p->last_rx = tmr_jiffies();

	if (!pt_is_audio(p, hdr->pt)) {
		char digit;

		/* telephone-event and comfort noise never reach the mix */
		if ((int)hdr->pt != p->media.telev_pt)
			p->stats.pkts_bad++;
		else if (!dtmf_rtp(&p->dtmf, hdr->ts, mbuf_buf(mb),
				   mbuf_get_left(mb), &digit))
			part_dtmf(p, digit, "RFC 4733");
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

	if (!mbuf_get_left(mb))
		return;

	(void)jbuf_put(p->jb, hdr, mb);
}


static void rtcp_handler(const struct sa *src, struct rtcp_msg *msg,
			 void *arg)
{
	struct part *p = arg;

	p->last_rx = tmr_jiffies();
}


/**
 * Bind the participant's RTP/RTCP ports in the configured range
 *
 * @return 0 or errno (EADDRINUSE when the range is exhausted)
 */
int part_rtp_alloc(struct part *p, const struct config *cfg)
{
	struct sa bind;
	int err;

	/* listen where SIP listens; any address if SIP takes any */
	sa_cpy(&bind, &cfg->sip);
	sa_set_port(&bind, 0);

	err = rtp_listen(&p->rtp, IPPROTO_UDP, &bind, cfg->rtp_min,
			 cfg->rtp_max, true, rtp_handler, rtcp_handler, p);
	if (err)
		return err;

	err = jbuf_alloc(&p->jb, JBUF_MIN, JBUF_MAX);
	if (err)
		return err;

	p->txmb = mbuf_alloc(RTP_HEADER_SIZE + PKT_MAX);
	if (!p->txmb)
		return ENOMEM;

	p->ts_out = rand_u32();
	p->marker = true;
	p->priming = true;
	p->last_rx = tmr_jiffies();

	return 0;
}


/**
 * Apply a negotiation: (re)make the codec state if the codec or ptime
 * changed, point RTP and RTCP at the peer.
 *
 * @return 0 or errno
 */
int part_media_start(struct part *p, const struct sdpneg_result *res)
{
	const struct codec *c = res->codec;
	bool new_codec = p->media.codec != c || !p->dec;
	int err = 0;

	if (new_codec) {
		p->dec = mem_deref(p->dec);
		err = adec_alloc(&p->dec, c);
		if (err)
			return err;

		jbuf_flush(p->jb);
		p->fifo_fill = 0;
		p->priming = true;
	}

	if (new_codec || p->media.ptime != res->ptime) {
		p->enc = mem_deref(p->enc);
		err = aenc_alloc(&p->enc, c, res->ptime);
		if (err)
			return err;

		p->marker = true;
	}

	p->media = *res;
	p->latched = false;
	p->last_rx = tmr_jiffies();

	rtcp_set_srate(p->rtp, c->clock, c->clock);
	rtcp_start(p->rtp, "chorus", &p->media.raddr_rtcp);

	return 0;
}


/* Decode queued packets until the fifo holds 'want' samples */
static void fill_fifo(struct part *p, size_t want)
{
	while (p->fifo_fill < want) {
		struct rtp_header hdr;
		void *mem;
		struct mbuf *mb;
		size_t n = ARRAY_SIZE(p->fifo) - p->fifo_fill;
		int err;

		if (jbuf_get(p->jb, &hdr, &mem))
			break;

		mb = mem;

		/* Opus DTX (RFC 7587 3.1.3): a frame of one or two bytes is
		 * silence; it costs nothing to skip, where decoding it costs
		 * as much as speech */
		if (p->media.codec->id == CODEC_OPUS &&
		    mbuf_get_left(mb) <= OPUS_DTX_MAX) {
			mem_deref(mem);
			continue;
		}

		err = adec_decode(p->dec, mbuf_buf(mb), mbuf_get_left(mb),
				  p->fifo + p->fifo_fill, &n);
		mem_deref(mem);

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
		jbuf_flush(p->jb);
		p->fifo_fill = 0;
		p->priming = true;
		return false;
	}

	/* after an underrun, wait until a cushion has built up again */
	if (p->priming) {
		fill_fifo(p, PRIME);
		if (p->fifo_fill < PRIME)
			return false;
		p->priming = false;
	}

	fill_fifo(p, ROOM_FRAME);

	if (!p->fifo_fill) {
		p->priming = true;
		return false;
	}

	/* an underrun plays what there is, then silence */
	n = p->fifo_fill < ROOM_FRAME ? p->fifo_fill : ROOM_FRAME;
	if (n < ROOM_FRAME)
		p->priming = true;
	memcpy(p->frame, p->fifo, n * sizeof(int16_t));
	memset(p->frame + n, 0, (ROOM_FRAME - n) * sizeof(int16_t));

	p->fifo_fill -= n;
	memmove(p->fifo, p->fifo + n, p->fifo_fill * sizeof(int16_t));

	return true;
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
	return p->state != PART_LEFT && p->enc && !part_held(p);
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
 */
void part_check_timeout(struct part *p, uint64_t now, uint32_t timeout_s)
{
	if (!timeout_s || !p->media.recv)
		return;

	if (now - p->last_rx > (uint64_t)timeout_s * 1000)
		part_hangup(p, "rtp timeout");
}


/* Packets lost on the way to us (RFC 3550 A.3), as libre counts them */
uint64_t part_lost(const struct part *p)
{
	struct rtcp_stats st;

	if (!p->rx_ssrc || rtcp_stats(p->rtp, p->rx_ssrc, &st) ||
	    st.rx.lost < 0)
		return 0;

	return (uint64_t)st.rx.lost;
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
	struct rtcp_stats st;

	if (!p->rx_ssrc || rtcp_stats(p->rtp, p->rx_ssrc, &st))
		return 0;

	return st.rx.jit;
}
