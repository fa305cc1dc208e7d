/**
 * @file leg.c  One audio stream: RTP in, jitter buffer, decode, RTP out
 *
 * RTP arrives on the leg's own port, goes into the jitter buffer and is
 * decoded one room tick at a time. Outgoing packets carry the leg's own
 * SSRC, a continuous sequence and timestamps in the codec's RTP clock
 * (RFC 3550 5.1). libre sends RTCP sender and receiver reports (RFC 3550
 * 6.4) once rtcp_start() has a peer.
 *
 * All of it runs on the media thread: the socket and timers are made and
 * freed there (leg_alloc, leg_start, leg_control and the destructor are
 * called on the main thread and run there through worker_call). The main
 * thread reads only the statistics snapshot, under its own short lock.
 */
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>
#include <re.h>
#include "../mixer/mixer.h"
#include "dtmf.h"
#include "jb.h"
#include "leg.h"
#include "log.h"
#include "rtpext.h"
#include "worker.h"

enum {
	OPUS_DTX_MAX = 2,   /* [bytes] an Opus packet this small is silence */
	LEVEL_QUIET = 50,   /* RFC 6464 level [-dBov] this low or lower is
			     * below the mixer's speech threshold        */
	EXT_ONE_BYTE = 0xbede,  /* RFC 8285 4.2 */
	PT_CN = 13,         /* comfort noise (RFC 3389 4) */
	FRAME_MAX = ROOM_SRATE * PTIME_MAX / 1000,   /* [samples] */
	VOICELESS_PROBE = 10, /* decode 1 in 10 voiceless Opus packets */
	PASS_MAX = 512,     /* [bytes] a 20 ms packet kept to forward */
	PASSQ = 4,          /* packets kept while their audio waits  */
	SNAP_PULLS = 5,     /* publish the statistics every 100 ms   */
};

struct leg {
	/* the media thread's, after leg_alloc() */
	struct leg_prm prm;
	uint64_t owner;               /* participant id, for the log      */
	leg_event_h *eh;
	void *arg;
	struct worker *wk;
	struct rtp_sock *rtp;
	struct legsec *sec;           /* SRTP, NULL: plain RTP            */
	int rtp_fd;                   /* its RTP socket (arrival stamps);
				       * -1: none                         */
	uint16_t port;                /* local RTP port, set at alloc     */
	struct sdpneg_result media;   /* current negotiation              */
	struct leg_ctl ctl;
	bool latched;                 /* RTP peer taken from the source   */
	bool rx_silent;               /* last frame in was silence: a gap
				       * after it is not concealed        */
	bool marker;                  /* set M on the next packet         */
	uint64_t timeout_told;        /* LEG_TIMEOUT last told [ms]; 0:
				       * media flows                      */
	uint8_t voiceless;            /* voiceless packets skipped in a row*/
	const uint8_t *pass;          /* this tick's packet (in passq), if
				       * it alone made the frame          */
	size_t pass_len;              /* [bytes] of pass, 0: none         */
	uint32_t passq_n;             /* packets in passq; 0, or every
				       * sample in fifo is theirs, one
				       * frame each                       */
	uint32_t passq_head;          /* oldest in passq                  */
	struct adec *dec;
	struct aenc *enc;             /* own encoder, used while talking  */
	struct jb *jb;                /* adaptive jitter buffer           */
	size_t fifo_fill;             /* [samples]                        */
	struct mbuf *txmb;            /* RTP send buffer with headroom    */
	uint32_t ts_out;              /* next RTP timestamp we send       */
	uint64_t last_rx;             /* last RTP/RTCP in [monotonic ms]  */
	struct leg_stats st;          /* counters                         */
	uint32_t rx_ssrc;             /* SSRC of the audio we receive     */
	struct dtmf_rx dtmf;          /* RFC 4733 receiver state          */
	uint32_t pulls;               /* since the last publish           */

	/* what the main thread reads */
	pthread_mutex_t snap_lock;
	struct leg_stats snap;

	/* audio buffers */
	struct {
		size_t len;
		uint8_t buf[PASS_MAX];
	} passq[PASSQ];               /* the packets fifo's frames came
				       * from, oldest first               */
	int16_t frame[ROOM_FRAME];    /* this tick's input                */
	int16_t fifo[ROOM_FRAME * 9]; /* decoded, not yet mixed: a 120 ms
				       * packet fits above a tick        */
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
static uint64_t arrival_us(const struct leg *leg)
{
	struct timespec arr, real;
	uint64_t now = now_us();
	int64_t age;

	if (leg->rtp_fd < 0 || ioctl(leg->rtp_fd, SIOCGSTAMPNS, &arr))
		return now;

	clock_gettime(CLOCK_REALTIME, &real);
	age = (int64_t)(real.tv_sec - arr.tv_sec) * 1000000 +
		(real.tv_nsec - arr.tv_nsec) / 1000;

	/* a stamp from the future or older than a second is not one */
	return age >= 0 && age < 1000000 ? now - (uint64_t)age : now;
}


static void jb_put_hdr(struct leg *leg, const struct rtp_header *hdr,
		       const uint8_t *pl, size_t len)
{
	struct jb_pkt pkt = {hdr->ssrc, hdr->seq, hdr->ts, hdr->m, pl, len};
	int err = jb_put(leg->jb, &pkt, arrival_us(leg));

	if (err && err != EALREADY && err != ETIMEDOUT && err != EAGAIN)
		leg->st.pkts_bad++;
}


static bool quiet_by_level(const struct leg *leg,
			   const struct rtp_header *hdr,
			   const struct mbuf *mb)
{
	size_t xlen = (size_t)hdr->x.len * 4;
	uint8_t level;
	bool voice;

	if (!leg->media.level_id || !hdr->ext ||
	    hdr->x.type != EXT_ONE_BYTE || mb->pos < xlen)
		return false;

	if (rtpext_audio_level(mb->buf + mb->pos - xlen, xlen,
			       leg->media.level_id, &voice, &level))
		return false;

	return level >= LEVEL_QUIET;
}


/* telephone-event and comfort noise never reach the mix, but their
 * sequence numbers are no loss (RFC 4733 2.1) */
static void rtp_other(struct leg *leg, const struct rtp_header *hdr,
		      struct mbuf *mb)
{
	struct leg_event ev = {LEG_DTMF, 0};

	if ((int)hdr->pt == leg->media.telev_pt) {
		if (!dtmf_rtp(&leg->dtmf, hdr->ts, mbuf_buf(mb),
			      mbuf_get_left(mb), &ev.digit) && leg->eh)
			leg->eh(&ev, leg->arg);
		jb_put_hdr(leg, hdr, NULL, 0);
	}
	else if (hdr->pt == PT_CN) {
		jb_put_hdr(leg, hdr, NULL, 0);
	}
	else {
		leg->st.pkts_bad++;
	}
}


static void rtp_handler(const struct sa *src, const struct rtp_header *hdr,
			struct mbuf *mb, void *arg)
{
	struct leg *leg = arg;

	/* nothing is agreed yet (INVITE without SDP, dial-out ringing) */
	if (!leg->media.codec)
		return;

	/* once the peer's source is known, nobody else may inject audio
	 * into the room through this port ("RTP bleed") */
	if (leg->latched && !sa_cmp(src, &leg->media.raddr, SA_ALL)) {
		leg->st.pkts_bad++;
		return;
	}

	leg->last_rx = tmr_jiffies();

	if (hdr->pt != leg->media.pt) {
		rtp_other(leg, hdr, mb);
		return;
	}

	leg->st.pkts_in++;
	leg->st.bytes_in += mbuf_get_left(mb);
	leg->rx_ssrc = hdr->ssrc;

	/* symmetric RTP: answer where the packets come from, so a caller
	 * behind NAT hears us (RFC 4961) */
	if (!leg->latched) {
		leg->latched = true;
		if (!sa_cmp(src, &leg->media.raddr, SA_ALL)) {
			log_info("participant %llu: RTP from %J, not %J: "
				 "sending there", (unsigned long long)leg->owner,
				 src, &leg->media.raddr);
			leg->media.raddr = *src;

			/* the API shows where we send at once */
			leg_publish(leg);
		}
	}

	/* a packet the client itself calls quiet (RFC 6464) is not decoded:
	 * it keeps its place in the sequence but brings no audio */
	if (quiet_by_level(leg, hdr, mb)) {
		leg->st.pkts_quiet++;
		jb_put_hdr(leg, hdr, NULL, 0);
		return;
	}

	jb_put_hdr(leg, hdr, mbuf_buf(mb), mbuf_get_left(mb));
}


static void rtcp_handler(const struct sa *src, struct rtcp_msg *msg,
			 void *arg)
{
	struct leg *leg = arg;

	/* RTCP keeps a call alive only from the peer's address */
	if (sa_cmp(src, &leg->media.raddr, SA_ADDR))
		leg->last_rx = tmr_jiffies();
}


static int free_w(void *arg)
{
	struct leg *leg = arg;

	leg->sec = mem_deref(leg->sec);   /* its helpers are on the sockets */
	leg->rtp = mem_deref(leg->rtp);
	leg->dec = mem_deref(leg->dec);
	leg->enc = mem_deref(leg->enc);
	leg->jb = mem_deref(leg->jb);
	leg->txmb = mem_deref(leg->txmb);

	return 0;
}


/* the socket and timers are the media thread's: closed there; nothing
 * may tick the leg any more */
static void destructor(void *arg)
{
	struct leg *leg = arg;

	(void)worker_call(leg->wk, free_w, leg);
	pthread_mutex_destroy(&leg->snap_lock);
}


static int alloc_w(void *arg)
{
	struct leg *leg = arg;
	const struct leg_prm *prm = &leg->prm;
	struct jb_prm jprm = {0};
	struct sa bind;
	int err;

	bind = prm->bind;
	sa_set_port(&bind, 0);

	err = rtp_listen(&leg->rtp, IPPROTO_UDP, &bind, prm->port_min,
			 prm->port_max, true, rtp_handler, rtcp_handler, leg);
	if (err)
		return err;

	leg->port = sa_port(rtp_local(leg->rtp));

	/* the first SIOCGSTAMPNS turns arrival stamps on for the socket
	 * (it fails: nothing read yet). Not SO_TIMESTAMPNS: with it the
	 * stamp goes to recvmsg() control data only, and libre reads
	 * with recvfrom() */
	leg->rtp_fd = udp_sock_fd(rtp_sock(leg->rtp),
				  sa_af(rtp_local(leg->rtp)));
	if (leg->rtp_fd >= 0) {
		struct timespec ts;

		(void)ioctl(leg->rtp_fd, SIOCGSTAMPNS, &ts);
	}

	jprm.clock = 8000;   /* set to the codec's at negotiation */
	jprm.min_ms = prm->jitter_min_ms;
	jprm.max_ms = prm->jitter_max_ms;
	jprm.tick_ms = ROOM_TICK_MS;
	err = jb_alloc(&leg->jb, &jprm);
	if (err)
		return err;

	/* room for the SRTP trailer: protected in place, no copy */
	leg->txmb = mbuf_alloc(RTP_HEADER_SIZE + PKT_MAX + MSEC_OVERHEAD);
	if (!leg->txmb)
		return ENOMEM;

	leg->ts_out = rand_u32();
	leg->marker = true;
	leg->last_rx = tmr_jiffies();

	return 0;
}


/**
 * Make a leg: bind its RTP/RTCP ports in the range, on the media thread
 *
 * @param legp   Set on success; mem_deref() closes it (main thread)
 * @param wk     Media thread it runs on (NULL: this thread)
 * @param prm    Parameters, copied
 * @param owner  Participant id, for the log
 * @param eh     Told what the leg sees, on the media thread; may be NULL
 * @param arg    Its argument
 *
 * @return 0 or errno (EADDRINUSE when the port range is exhausted)
 */
int leg_alloc(struct leg **legp, struct worker *wk,
	      const struct leg_prm *prm, uint64_t owner,
	      leg_event_h *eh, void *arg)
{
	struct leg *leg;
	int err;

	if (!legp || !prm)
		return EINVAL;

	/* nothing fails between the two: the destructor finds the lock */
	leg = mem_zalloc(sizeof(*leg), destructor);
	if (!leg)
		return ENOMEM;

	pthread_mutex_init(&leg->snap_lock, NULL);

	leg->prm = *prm;
	leg->owner = owner;
	leg->eh = eh;
	leg->arg = arg;
	leg->wk = wk;
	leg->rtp_fd = -1;
	leg->media.telev_pt = -1;
	leg->ctl.gain_q12 = MIXER_GAIN_UNITY;

	err = worker_call(wk, alloc_w, leg);
	if (err)
		mem_deref(leg);
	else
		*legp = leg;

	return err;
}


/** The local RTP port (main thread) */
uint16_t leg_port(const struct leg *leg)
{
	return leg ? leg->port : 0;
}


struct start_args {
	struct leg *leg;
	const struct sdpneg_result *res;
};


static int start_w(void *arg)
{
	const struct start_args *a = arg;
	struct leg *leg = a->leg;
	const struct sdpneg_result *res = a->res;
	const struct codec *c = res->codec;
	bool new_codec = leg->media.codec != c || !leg->dec;
	int err = 0;

	if (new_codec) {
		leg->dec = mem_deref(leg->dec);
		err = adec_alloc(&leg->dec, c);
		if (err)
			return err;

		jb_flush(leg->jb);
		err = jb_set_clock(leg->jb, c->clock);
		if (err)
			return err;
		leg->fifo_fill = 0;
		leg->passq_n = 0;
	}

	/* the leg's own encoder is made when it first talks: most never
	 * do, in a large room */
	if (new_codec || leg->media.ptime != res->ptime) {
		leg->enc = mem_deref(leg->enc);
		leg->marker = true;
	}

	leg->media = *res;
	leg->latched = false;
	leg->last_rx = tmr_jiffies();
	leg->timeout_told = 0;

	err = legsec_apply(&leg->sec, leg->rtp, &res->srtp, leg->prm.dtls,
			   &res->raddr, &res->raddr_rtcp, leg->owner);
	if (err)
		return err;

	/* RFC 5761 5.1.3 */
	rtcp_enable_mux(leg->rtp, res->srtp.mux);
	rtcp_set_srate(leg->rtp, c->clock, c->clock);
	rtcp_start(leg->rtp, "chorus", &leg->media.raddr_rtcp);

	/* the API shows the new peer at once */
	leg_publish(leg);

	return 0;
}


/**
 * Apply a negotiation: (re)make the codec state if the codec or ptime
 * changed, point RTP and RTCP at the peer (main thread)
 *
 * @return 0 or errno
 */
int leg_start(struct leg *leg, const struct sdpneg_result *res)
{
	struct start_args a = {leg, res};

	if (!leg || !res || !res->codec)
		return EINVAL;

	return worker_call(leg->wk, start_w, &a);
}


struct ctl_args {
	struct leg *leg;
	const struct leg_ctl *ctl;
};


static int ctl_w(void *arg)
{
	const struct ctl_args *a = arg;

	a->leg->ctl = *a->ctl;

	return 0;
}


/** Set mute, deafen and gain; the next tick applies them (main thread) */
int leg_control(struct leg *leg, const struct leg_ctl *ctl)
{
	struct ctl_args a = {leg, ctl};

	if (!leg || !ctl)
		return EINVAL;

	return worker_call(leg->wk, ctl_w, &a);
}


/**
 * Publish the statistics for the main thread (media thread): the room's
 * tick does it every SNAP_PULLS ticks, and once more when the leg leaves
 * the room
 */
void leg_publish(struct leg *leg)
{
	struct leg_stats st = leg->st;
	struct rtcp_stats rs;
	struct jb_stats js;

	jb_stats(leg->jb, &js);
	st.lost = js.lost > 0 ? (uint64_t)js.lost : 0;
	st.jitter_us = (uint32_t)(js.jitter_ms * 1000.0);
	st.rtt_us = leg->rx_ssrc && !rtcp_stats(leg->rtp, leg->rx_ssrc, &rs) ?
		rs.rtt : 0;
	st.raddr = leg->media.raddr;
	legsec_stats(leg->sec, &st.srtp);
	leg->pulls = 0;

	pthread_mutex_lock(&leg->snap_lock);
	leg->snap = st;
	pthread_mutex_unlock(&leg->snap_lock);
}


/** The last published statistics (any thread) */
void leg_stats(const struct leg *leg, struct leg_stats *st)
{
	struct leg *l = (struct leg *)leg;   /* the lock, not the data */

	pthread_mutex_lock(&l->snap_lock);
	*st = leg->snap;
	pthread_mutex_unlock(&l->snap_lock);
}


/* Opus silence that need not be decoded: decoding costs as much as
 * speech, and the mix takes nothing from it. DTX (RFC 7587 3.1.3), and,
 * outside the talker set, a packet whose encoder found no voice in it.
 * The encoder's VAD takes a steady sound (a tone, a hum) for background
 * noise after a while, so one such packet in VOICELESS_PROBE (200 ms) is
 * still decoded: a loud one can still win a place. */
static bool opus_skip(struct leg *leg, const struct jb_pkt *pkt,
		      bool talking)
{
	if (leg->media.codec->id != CODEC_OPUS)
		return false;

	if (pkt->len <= OPUS_DTX_MAX)
		return true;

	if (talking || opus_pkt_voice(pkt->pl, pkt->len) ||
	    ++leg->voiceless >= VOICELESS_PROBE) {
		leg->voiceless = 0;
		return false;
	}

	return true;
}


/* Keep a decoded packet that made exactly one frame while its audio is
 * in the fifo: when that frame is mixed, the packet may go on as it came
 * (leg_pass). Audio no kept packet stands for ends the queue. */
static void pass_keep(struct leg *leg, const struct jb_pkt *pkt, size_t n)
{
	uint32_t i;

	if (n != ROOM_FRAME || pkt->len > PASS_MAX ||
	    leg->passq_n >= PASSQ ||
	    leg->passq_n * ROOM_FRAME != leg->fifo_fill) {
		leg->passq_n = 0;
		return;
	}

	i = (leg->passq_head + leg->passq_n++) % PASSQ;
	memcpy(leg->passq[i].buf, pkt->pl, pkt->len);
	leg->passq[i].len = pkt->len;
}


/* Decode (or conceal) what the jitter buffer has due, in playout order */
static void fill_fifo(struct leg *leg, bool talking)
{
	const uint64_t now = now_us();
	struct jb_frame f;
	enum jb_res r;

	/* stop while the fifo could not take the longest packet (120 ms);
	 * what is due stays in the buffer for the next tick */
	while (ARRAY_SIZE(leg->fifo) - leg->fifo_fill >= FRAME_MAX &&
	       (r = jb_get(leg->jb, now, &f)) != JB_WAIT) {
		size_t n = ARRAY_SIZE(leg->fifo) - leg->fifo_fill;
		int16_t *pcm = leg->fifo + leg->fifo_fill;
		int err;

		if (f.resync)
			adec_reset(leg->dec);

		if (r != JB_PACKET) {
			/* concealed audio came from no packet */
			leg->passq_n = 0;

			/* a gap in silence is more silence, and the mix
			 * takes nothing from a leg outside the talker set:
			 * concealing would cost a decode for every silent
			 * leg, after each comfort-noise frame, and for all
			 * of them at once when a late tick makes them all
			 * "lost" */
			if (leg->rx_silent || !talking)
				continue;

			/* Opus FEC from the next packet, PLC, or a fade */
			err = adec_conceal(leg->dec, f.next ? f.next->pl : NULL,
					   f.next ? f.next->len : 0, f.dur,
					   pcm, &n);
		}
		else if (opus_skip(leg, &f.pkt, talking)) {
			/* the mix takes no frame from us */
			leg->rx_silent = true;
			leg->st.pkts_silent++;
			jb_played(leg->jb, f.dur);
			continue;
		}
		else {
			leg->rx_silent = false;
			err = adec_decode(leg->dec, f.pkt.pl, f.pkt.len, pcm,
					  &n);
			if (!err) {
				jb_played(leg->jb, (uint32_t)((uint64_t)n *
					  leg->media.codec->clock /
					  ROOM_SRATE));
				pass_keep(leg, &f.pkt, n);
			}
		}

		if (err) {
			leg->st.pkts_bad++;
			continue;
		}

		leg->fifo_fill += n;
	}
}


/* RTP and RTCP stopped: told within 100 ms, and again each timeout
 * period while it lasts (news that did not get through is sent again).
 * A leg that said it sends nothing (on hold, RFC 3264 8.4) is exempt. */
static void check_timeout(struct leg *leg)
{
	struct leg_event ev = {LEG_TIMEOUT, 0};
	uint64_t limit = (uint64_t)leg->prm.timeout_s * 1000;
	uint64_t now = tmr_jiffies();

	if (!limit || !leg->media.recv || now <= leg->last_rx + limit) {
		leg->timeout_told = 0;
		return;
	}

	if (leg->timeout_told && now < leg->timeout_told + limit)
		return;

	leg->timeout_told = now;
	if (leg->eh)
		leg->eh(&ev, leg->arg);
}


/**
 * This tick's input frame (media thread, once per tick)
 *
 * @param leg      Leg
 * @param talking  It was in the talker set last tick (what it sends is
 *                 then decoded and concealed in full)
 *
 * @return ROOM_FRAME samples, or NULL if it sent no audio for this tick
 */
const int16_t *leg_pull(struct leg *leg, bool talking)
{
	size_t n;

	/* every 100 ms: the statistics for the main thread, and the RTP
	 * timeout (seconds; no need to read the clock on every tick) */
	if (++leg->pulls >= SNAP_PULLS) {
		leg_publish(leg);
		check_timeout(leg);
	}

	leg->pass_len = 0;

	if (!leg->dec || !leg->media.recv)
		return NULL;

	/* a held leg leaves the mix (its music on hold too) */
	if (!leg->media.send) {
		jb_flush(leg->jb);
		leg->fifo_fill = 0;
		leg->passq_n = 0;
		return NULL;
	}

	fill_fifo(leg, talking);

	if (!leg->fifo_fill)
		return NULL;

	/* forwardable if the oldest kept packet made exactly this frame */
	if (leg->passq_n && leg->passq_n * ROOM_FRAME == leg->fifo_fill) {
		uint32_t i = leg->passq_head;

		/* it stays in passq until the next tick's fill */
		leg->pass = leg->passq[i].buf;
		leg->pass_len = leg->passq[i].len;
		leg->passq_head = (i + 1) % PASSQ;
		leg->passq_n--;
	}

	/* the buffer keeps the timeline; a short tick is padded */
	n = leg->fifo_fill < ROOM_FRAME ? leg->fifo_fill : ROOM_FRAME;
	memcpy(leg->frame, leg->fifo, n * sizeof(int16_t));
	memset(leg->frame + n, 0, (ROOM_FRAME - n) * sizeof(int16_t));

	leg->fifo_fill -= n;
	memmove(leg->fifo, leg->fifo + n, leg->fifo_fill * sizeof(int16_t));

	return leg->frame;
}


/**
 * The packet this tick's frame came in, if one packet made exactly that
 * frame (media thread, after leg_pull)
 */
bool leg_pass(const struct leg *leg, const uint8_t **pl, size_t *len)
{
	if (!leg->pass_len)
		return false;

	*pl = leg->pass;
	*len = leg->pass_len;

	return true;
}


const struct leg_ctl *leg_ctl(const struct leg *leg)
{
	return &leg->ctl;
}


/** The codec both sides send, NULL before the first negotiation */
const struct codec *leg_codec(const struct leg *leg)
{
	return leg->media.codec;
}


/** The packet time we send [ms] */
uint32_t leg_ptime(const struct leg *leg)
{
	return leg->media.ptime;
}


/* Whether we send audio at all: not before a codec is agreed, not while
 * the peer holds the call (RFC 3264 8.4, or c=0.0.0.0 as in RFC 2543) */
bool leg_hears(const struct leg *leg)
{
	return leg->dec && leg->media.send;
}


/**
 * Send one encoded packet with this leg's SSRC, seq and ts (media thread)
 *
 * @param leg  Leg
 * @param pl   Payload
 * @param len  Payload length [bytes]
 * @param dur  Duration [RTP clock units]
 */
void leg_send(struct leg *leg, const uint8_t *pl, size_t len, uint32_t dur)
{
	struct mbuf *mb = leg->txmb;
	int err;

	mb->pos = RTP_HEADER_SIZE;
	mb->end = RTP_HEADER_SIZE;
	(void)mbuf_write_mem(mb, pl, len);
	mb->pos = RTP_HEADER_SIZE;

	err = rtp_send(leg->rtp, &leg->media.raddr, false, leg->marker,
		       leg->media.pt, leg->ts_out, mb);
	leg->ts_out += dur;
	leg->marker = false;

	if (err) {
		leg->st.pkts_bad++;
		return;
	}

	leg->st.pkts_out++;
	leg->st.bytes_out += len;
}


static void own_pkt_h(const uint8_t *pl, size_t len, uint32_t dur,
		      void *arg)
{
	leg_send(arg, pl, len, dur);
}


/**
 * Encode a frame with the leg's own encoder (made on first use: a talker
 * hears the mix minus its own voice) and send what it yields
 *
 * @return 0 or errno
 */
int leg_encode(struct leg *leg, const int16_t *pcm)
{
	int err;

	if (!leg->enc) {
		err = aenc_alloc(&leg->enc, leg->media.codec,
				 leg->media.ptime, leg->prm.opus_complexity);
		if (err)
			return err;
	}

	return aenc_push(leg->enc, pcm, ROOM_FRAME, own_pkt_h, leg);
}


/**
 * Skip periods that were never mixed: the stream we send jumps ahead by
 * as much, so that its timestamps keep to the sampling clock (RFC 3550
 * 5.1) and the receiver sees a gap, not a delay that never goes away.
 */
void leg_skip(struct leg *leg, uint64_t periods)
{
	if (leg->media.codec)
		leg->ts_out += (uint32_t)(periods * leg->media.codec->clock
					  / 1000 * ROOM_TICK_MS);
}
