/**
 * @file load_rtp.c  chorus-load media: one UDP socket per participant
 *
 * chorusd latches each participant on the source address of its RTP, so
 * every participant sends from its own local port. One absolute timerfd
 * runs LOAD_SLOTS phases per 20 ms; a participant sends in phase
 * idx % LOAD_SLOTS, so packets do not all leave in one burst.
 *
 * All sockets sit in one epoll set that is not in libre's loop: every
 * phase, after sending, polls it and drains each ready socket with
 * recvmmsg(). On loopback the sender pays for waking the receiver, so a
 * generator woken per packet would charge chorusd a cost that a receiver
 * on another host never does. Every packet carries the kernel's arrival
 * time (SO_TIMESTAMPNS), so reading it a phase later does not change the
 * measured transit.
 *
 * With a video clip, each participant has two more sockets, RTP on an
 * even port and RTCP on the next (RFC 3550 11), in the same epoll set;
 * its frames go out on the same clock, each at its own time
 * (load_video.c), and what comes back is checked there.
 *
 * With --srtp every audio packet is protected just before it is sent and
 * unprotected as it is read (load_srtp.c), also outside the window, so
 * that every failure is counted; the statistics see plain RTP.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <re.h>
#include "load.h"

enum {
	RTP_HDR = 12,                         /* RFC 3550 5.1 [bytes]  */
	EV_MAX = 256,                         /* epoll events per wait */
	RX_BATCH = 8,                         /* recvmmsg batch        */
	SLOT_NS = LOAD_PTIME * 1000000 / LOAD_SLOTS,
	TALK_SPREAD = 37,                     /* frame offset per talker */
	PORT_TRIES = 20000,
};

/* Which socket of a participant an epoll event is for */
enum sock_kind {
	SOCK_AUDIO = 0,
	SOCK_VIDEO,
	SOCK_VRTCP,
	SOCK_KINDS = 4,                       /* the low 2 bits of u64  */
};

struct load_rtp {
	struct load_part *partv;
	size_t n;
	const struct load_audio *audio;
	const struct load_video *video;      /* NULL: no video         */
	int ep;              /* epoll set of the RTP sockets            */
	int tfd;             /* send clock                              */
	uint64_t slot;       /* slots run                               */
	bool window;         /* receive statistics on                   */
	int64_t rt0, rt1;    /* window by kernel arrival time [us, UTC] */
	uint64_t errors;     /* failed sends                            */
	uint64_t vtx;        /* video packets sent in the window        */
	bool vhold;          /* video not started yet (--audio-first)   */
};


static void destructor(void *arg)
{
	struct load_rtp *rtp = arg;

	if (rtp->tfd >= 0) {
		fd_close(rtp->tfd);
		close(rtp->tfd);
	}
	if (rtp->ep >= 0)
		close(rtp->ep);
}


static void send_one(struct load_rtp *rtp, struct load_part *p)
{
	const struct load_audio *a = rtp->audio;
	const struct load_frame *f;
	uint8_t pkt[RTP_HDR + LOAD_PKT_MAX + MSEC_OVERHEAD];
	struct sockaddr_in sin;
	size_t len;

	if (p->talker)
		f = &a->speech[(p->frames + p->idx * TALK_SPREAD) %
			       a->nspeech];
	else
		f = &a->sil[(p->frames + p->idx) % a->nsil];

	if (f->len) {
		pkt[0] = 0x80;
		pkt[1] = (uint8_t)(a->pt | (p->frames ? 0 : 0x80));
		pkt[2] = (uint8_t)(p->seq >> 8);
		pkt[3] = (uint8_t)p->seq;
		pkt[4] = (uint8_t)(p->ts >> 24);
		pkt[5] = (uint8_t)(p->ts >> 16);
		pkt[6] = (uint8_t)(p->ts >> 8);
		pkt[7] = (uint8_t)p->ts;
		pkt[8] = (uint8_t)(p->ssrc >> 24);
		pkt[9] = (uint8_t)(p->ssrc >> 16);
		pkt[10] = (uint8_t)(p->ssrc >> 8);
		pkt[11] = (uint8_t)p->ssrc;
		memcpy(pkt + RTP_HDR, f->buf, f->len);
		len = RTP_HDR + f->len;

		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = p->raddr;
		sin.sin_port = htons(p->rport);

		/* a packet that cannot be protected is counted, not sent */
		if (p->ms && load_srtp_protect(p, pkt, &len, sizeof(pkt)))
			len = 0;

		if (len && sendto(p->fd, pkt, len, 0,
				  (struct sockaddr *)&sin, sizeof(sin)) < 0)
			rtp->errors++;
		p->seq++;
	}

	/* RFC 3550 5.1: the timestamp runs on through unsent frames */
	p->ts += a->ts_step;
	p->frames++;
}


static void rx_init(struct load_rx *rx, uint32_t ssrc, uint16_t seq,
		    uint32_t ts)
{
	rx->started = true;
	rx->ssrc = ssrc;
	rx->max_seq = seq;
	rx->cycles = 0;
	rx->base_seq = seq;
	rx->received = 0;
	rx->last_ts = ts;
	rx->ts_ext = 0;
	rx->have_transit = false;
	rx->jitter = 0.0;
	rx->ntransit = 0;
}


static void transit_push(struct load_rx *rx, int64_t transit_us)
{
	if (rx->ntransit == rx->cap) {
		size_t cap = rx->cap ? rx->cap * 2 : 1024;
		int32_t *v = rx->transit ?
			mem_realloc(rx->transit, cap * sizeof(*v)) :
			mem_alloc(cap * sizeof(*v), NULL);

		if (!v)
			return;
		rx->transit = v;
		rx->cap = cap;
	}

	if (!rx->ntransit)
		rx->transit0 = transit_us;

	rx->transit[rx->ntransit++] = (int32_t)(transit_us - rx->transit0);
}


/* One received RTP packet; arr_us is its kernel arrival time [us] */
static void rx_packet(struct load_rx *rx, const uint8_t *b, size_t len,
		      int64_t arr_us)
{
	uint16_t seq, udelta;
	uint32_t ts, ssrc;
	int64_t transit;

	if (len < RTP_HDR || (b[0] >> 6) != 2)
		return;

	seq = (uint16_t)(b[2] << 8 | b[3]);
	ts = (uint32_t)b[4] << 24 | (uint32_t)b[5] << 16 |
		(uint32_t)b[6] << 8 | b[7];
	ssrc = (uint32_t)b[8] << 24 | (uint32_t)b[9] << 16 |
		(uint32_t)b[10] << 8 | b[11];

	if (!rx->started || ssrc != rx->ssrc)
		rx_init(rx, ssrc, seq, ts);

	/* RFC 3550 A.1: extended highest sequence number */
	udelta = (uint16_t)(seq - rx->max_seq);
	if (udelta && udelta < 0x8000) {
		if (seq < rx->max_seq)
			rx->cycles += 1u << 16;
		rx->max_seq = seq;
	}
	rx->received++;

	rx->ts_ext += (int32_t)(ts - rx->last_ts);
	rx->last_ts = ts;

	/* RFC 3550 A.8: interarrival jitter in RTP clock units; whole
	 * seconds apart, so that the product stays within 64 bits */
	transit = arr_us / 1000000 * (int64_t)rx->clock +
		arr_us % 1000000 * (int64_t)rx->clock / 1000000 - rx->ts_ext;
	if (rx->have_transit) {
		int64_t d = transit - rx->last_transit;

		if (d < 0)
			d = -d;
		rx->jitter += ((double)d - rx->jitter) / 16.0;
	}
	rx->last_transit = transit;
	rx->have_transit = true;

	transit_push(rx, arr_us - rx->ts_ext * 1000000 / (int64_t)rx->clock);
}


/* The clock of SO_TIMESTAMPNS [us] */
static int64_t rt_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}


static int64_t cmsg_arrival(struct msghdr *mh)
{
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == SOL_SOCKET &&
		    c->cmsg_type == SO_TIMESTAMPNS) {
			struct timespec ts;

			memcpy(&ts, CMSG_DATA(c), sizeof(ts));
			return (int64_t)ts.tv_sec * 1000000 +
				ts.tv_nsec / 1000;
		}
	}

	return rt_now_us();
}


static void rx_one(struct load_rtp *rtp, struct load_part *p,
		   enum sock_kind kind, uint8_t *b, size_t len,
		   int64_t arr)
{
	bool in = rtp->window && arr >= rtp->rt0 && arr < rtp->rt1;

	switch (kind) {

	case SOCK_AUDIO:
		/* a packet that fails is counted (msec_stats), not seen */
		if (p->ms && load_srtp_unprotect(p, b, &len))
			break;
		if (in)
			rx_packet(&p->rx, b, len, arr);
		break;

	case SOCK_VIDEO:
		if (in)
			load_video_rx(&p->v.rx, b, len);
		break;

	default:
		load_video_rtcp(&p->v.rx, b, len, in);
		break;
	}
}


static int sock_of(const struct load_part *p, enum sock_kind kind)
{
	return kind == SOCK_AUDIO ? p->fd :
		kind == SOCK_VIDEO ? p->v.fd : p->v.cfd;
}


/* Read packets outside the window too: video RTCP (keyframe requests
 * count over the whole call) and SRTP audio (every failure counts) */
static bool rx_wanted(const struct load_rtp *rtp, const struct load_part *p,
		      enum sock_kind kind)
{
	return rtp->window || kind == SOCK_VRTCP ||
		(kind == SOCK_AUDIO && p->ms);
}


static void drain(struct load_rtp *rtp, struct load_part *p,
		  enum sock_kind kind)
{
	static uint8_t bufv[RX_BATCH][LOAD_PKT_MAX + RTP_HDR];
	static uint8_t ctlv[RX_BATCH][CMSG_SPACE(sizeof(struct timespec))];
	struct mmsghdr mv[RX_BATCH];
	struct iovec iov[RX_BATCH];
	int r;

	do {
		memset(mv, 0, sizeof(mv));
		for (int i = 0; i < RX_BATCH; i++) {
			iov[i].iov_base = bufv[i];
			iov[i].iov_len = sizeof(bufv[i]);
			mv[i].msg_hdr.msg_iov = &iov[i];
			mv[i].msg_hdr.msg_iovlen = 1;
			mv[i].msg_hdr.msg_control = ctlv[i];
			mv[i].msg_hdr.msg_controllen = sizeof(ctlv[i]);
		}

		r = recvmmsg(sock_of(p, kind), mv, RX_BATCH, MSG_DONTWAIT,
			     NULL);
		if (r <= 0 || !rx_wanted(rtp, p, kind))
			continue;

		for (int i = 0; i < r; i++)
			rx_one(rtp, p, kind, bufv[i], mv[i].msg_len,
			       cmsg_arrival(&mv[i].msg_hdr));
	} while (r == RX_BATCH);
}


/* Drain every socket with packets waiting; a full batch of events may
 * leave more ready sockets behind */
static void rx_poll(struct load_rtp *rtp)
{
	struct epoll_event evv[EV_MAX];
	int n;

	do {
		n = epoll_wait(rtp->ep, evv, EV_MAX, 0);
		for (int i = 0; i < n; i++) {
			uint64_t u = evv[i].data.u64;

			drain(rtp, &rtp->partv[u / SOCK_KINDS],
			      (enum sock_kind)(u % SOCK_KINDS));
		}
	} while (n == EV_MAX);
}


static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}


/* Every video frame that is due */
static void video_send(struct load_rtp *rtp)
{
	uint64_t now = mono_ns();

	for (size_t i = 0; i < rtp->n; i++) {
		struct load_part *p = &rtp->partv[i];
		uint32_t sent;

		if (!p->v.on)
			continue;

		sent = load_video_send(&p->v, rtp->video, now, &rtp->errors);
		if (rtp->window)
			rtp->vtx += sent;
	}
}


static void tick_handler(int flags, void *arg)
{
	struct load_rtp *rtp = arg;
	uint64_t exp = 0;

	if (read(rtp->tfd, &exp, sizeof(exp)) != sizeof(exp))
		return;

	/* a late clock sends every missed phase now, as a late sender
	 * would */
	while (exp--) {
		size_t slot = rtp->slot++ % LOAD_SLOTS;

		for (size_t i = slot; i < rtp->n; i += LOAD_SLOTS) {
			struct load_part *p = &rtp->partv[i];

			if (p->media)
				send_one(rtp, p);
		}
	}

	if (rtp->video)
		video_send(rtp);

	/* on our own clock, not per packet (see the top of the file) */
	rx_poll(rtp);
}


static int sock_open(struct load_part *p, uint16_t *port)
{
	struct sockaddr_in sin;
	int one = 1;

	p->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->fd < 0)
		return errno;

	(void)setsockopt(p->fd, SOL_SOCKET, SO_TIMESTAMPNS, &one,
			 sizeof(one));

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

	/* an even port, as RTP wants (RFC 3550 11); skip ports in use */
	for (int i = 0; i < PORT_TRIES && *port < 65534; i++) {
		sin.sin_port = htons(*port);
		*port += 2;
		if (!bind(p->fd, (struct sockaddr *)&sin, sizeof(sin))) {
			p->lport = ntohs(sin.sin_port);
			return 0;
		}
	}

	return EADDRINUSE;
}


static int bind_lo(int fd, uint16_t port)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(port);

	return bind(fd, (struct sockaddr *)&sin, sizeof(sin)) ? errno : 0;
}


static int udp_sock(void)
{
	int one = 1;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd >= 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one,
				 sizeof(one));

	return fd;
}


/* The video pair: RTP on an even port, RTCP on the next */
static int vsock_open(struct load_vpart *vp, uint16_t *port)
{
	vp->fd = udp_sock();
	vp->cfd = udp_sock();
	if (vp->fd < 0 || vp->cfd < 0)
		return errno;

	for (int i = 0; i < PORT_TRIES && *port < 65534; i++) {
		uint16_t p = *port;

		*port += 2;
		if (bind_lo(vp->fd, p))
			continue;
		if (!bind_lo(vp->cfd, (uint16_t)(p + 1))) {
			vp->lport = p;
			return 0;
		}

		/* a bound socket cannot be bound again: start over */
		close(vp->fd);
		vp->fd = udp_sock();
		if (vp->fd < 0)
			return errno;
	}

	return EADDRINUSE;
}


static int ep_add(int ep, int fd, size_t idx, enum sock_kind kind)
{
	struct epoll_event ev;

	ev.events = EPOLLIN;
	ev.data.u64 = (uint64_t)idx * SOCK_KINDS + kind;

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) ? errno : 0;
}


/**
 * Open one RTP socket per participant, from port_base up (even ports)
 *
 * @param rtpp       Set on success
 * @param partv      Participants (owned by the caller, outlive rtp)
 * @param n          Count
 * @param audio      Frames to send
 * @param video      Video clip (outlives rtp), or NULL for none
 * @param port_base  First local port tried
 *
 * @return 0 or errno
 */
int load_rtp_alloc(struct load_rtp **rtpp, struct load_part *partv,
		   size_t n, const struct load_audio *audio,
		   const struct load_video *video, uint16_t port_base)
{
	struct load_rtp *rtp;
	uint16_t port = port_base & ~1u;
	int err = 0;

	rtp = mem_zalloc(sizeof(*rtp), destructor);
	if (!rtp)
		return ENOMEM;

	rtp->partv = partv;
	rtp->n = n;
	rtp->audio = audio;
	rtp->video = video;
	rtp->tfd = -1;
	rtp->ep = epoll_create1(EPOLL_CLOEXEC);
	if (rtp->ep < 0) {
		err = errno;
		goto out;
	}

	for (size_t i = 0; i < n; i++) {
		struct load_part *p = &partv[i];

		err = sock_open(p, &port);
		if (err)
			goto out;

		p->rx.clock = audio->clock;
		err = ep_add(rtp->ep, p->fd, i, SOCK_AUDIO);
		if (err)
			goto out;
	}

	for (size_t i = 0; video && i < n; i++) {
		struct load_part *p = &partv[i];

		err = vsock_open(&p->v, &port);
		if (!err)
			err = ep_add(rtp->ep, p->v.fd, i, SOCK_VIDEO);
		if (!err)
			err = ep_add(rtp->ep, p->v.cfd, i, SOCK_VRTCP);
		if (err)
			goto out;
	}

 out:
	if (err)
		mem_deref(rtp);
	else
		*rtpp = rtp;

	return err;
}


/**
 * Start the send clock: LOAD_SLOTS phases per ptime, absolute schedule.
 * The sockets are read on this clock only; until it runs (and with
 * --join-only, never) whatever chorusd sends waits in them or is dropped.
 *
 * @return 0 or errno
 */
int load_rtp_start(struct load_rtp *rtp)
{
	struct itimerspec its;

	rtp->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (rtp->tfd < 0)
		return errno;

	clock_gettime(CLOCK_MONOTONIC, &its.it_value);
	its.it_value.tv_sec += 1;
	its.it_interval.tv_sec = 0;
	its.it_interval.tv_nsec = SLOT_NS;

	if (timerfd_settime(rtp->tfd, TFD_TIMER_ABSTIME, &its, NULL))
		return errno;

	return fd_listen(rtp->tfd, FD_READ, tick_handler, rtp);
}


/* The call is up: start sending to p->raddr:p->rport */
void load_rtp_media_on(struct load_rtp *rtp, struct load_part *p)
{
	(void)rtp;

	p->ssrc = rand_u32();
	p->seq = rand_u16();
	p->ts = rand_u32();
	p->frames = 0;
	p->media = true;
}


/* The call is up (or, with the relay, about to be): start its video,
 * first frames spread over one frame interval, each caller from another
 * point of the clip */
void load_rtp_video_on(struct load_rtp *rtp, struct load_part *p)
{
	const struct load_video *v = rtp->video;

	if (!v || !p->v.rport || rtp->vhold || p->vquiet)
		return;

	load_video_start(&p->v, v, mono_ns(),
			 v->frame_ns * (p->idx % rtp->n) / rtp->n,
			 p->idx * 17);
}


/* Hold every call's video back, or start it for every call that is up */
void load_rtp_video_hold(struct load_rtp *rtp, bool hold)
{
	rtp->vhold = hold;
	if (hold)
		return;

	for (size_t i = 0; i < rtp->n; i++) {
		struct load_part *p = &rtp->partv[i];

		if (p->state == CALL_UP && !p->v.on)
			load_rtp_video_on(rtp, p);
	}
}


uint64_t load_rtp_vtx(const struct load_rtp *rtp)
{
	return rtp ? rtp->vtx : 0;
}


/**
 * Open or close the measurement window. Packets count by their kernel
 * arrival time, not by when we read them: opening forgets everything
 * that arrived before; closing reads every socket dry first, so packets
 * that arrived inside the window but were not read yet still count.
 */
void load_rtp_window(struct load_rtp *rtp, bool open)
{
	if (open) {
		for (size_t i = 0; i < rtp->n; i++) {
			rtp->partv[i].rx.started = false;
			load_video_window(&rtp->partv[i].v);
		}
		rtp->vtx = 0;
		rtp->rt0 = rt_now_us();
		rtp->rt1 = INT64_MAX;
		rtp->window = true;
		return;
	}

	rtp->rt1 = rt_now_us();
	for (size_t i = 0; i < rtp->n; i++) {
		struct load_part *p = &rtp->partv[i];

		if (p->fd >= 0)
			drain(rtp, p, SOCK_AUDIO);
		if (p->v.fd >= 0)
			drain(rtp, p, SOCK_VIDEO);
		if (p->v.cfd >= 0)
			drain(rtp, p, SOCK_VRTCP);
	}
	rtp->window = false;
}


static int cmp_i32(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	return (x > y) - (x < y);
}


/**
 * One participant's window result
 *
 * @param rx         Receive state (its transit list is sorted in place)
 * @param expected   Packets the sequence numbers say were sent
 * @param lost       expected - received (RFC 3550 A.3), at least 0
 * @param late       Packets more than LOAD_LATE_MS behind the best transit
 * @param jitter_ms  RFC 3550 A.8 jitter at the end of the window [ms]
 * @param spread_ms  Worst transit minus best transit [ms]
 */
void load_rtp_rx_result(const struct load_rx *rx, uint64_t *expected,
			uint64_t *lost, uint64_t *late, double *jitter_ms,
			double *spread_ms)
{
	uint64_t exp;
	int32_t lim;

	*expected = *lost = *late = 0;
	*jitter_ms = *spread_ms = 0.0;
	if (!rx->started || !rx->received)
		return;

	exp = (uint64_t)rx->cycles + rx->max_seq - rx->base_seq + 1;
	*expected = exp;
	*lost = exp > rx->received ? exp - rx->received : 0;
	*jitter_ms = rx->jitter * 1000.0 / rx->clock;

	if (!rx->ntransit)
		return;

	qsort(rx->transit, rx->ntransit, sizeof(int32_t), cmp_i32);
	*spread_ms = (rx->transit[rx->ntransit - 1] - rx->transit[0]) / 1000.0;
	lim = rx->transit[0] + LOAD_LATE_MS * 1000;
	for (size_t i = rx->ntransit; i > 0 && rx->transit[i - 1] > lim; i--)
		(*late)++;
}


uint64_t load_rtp_errors(const struct load_rtp *rtp)
{
	return rtp ? rtp->errors : 0;
}


/* Close the sockets and free the receive state */
void load_rtp_close(struct load_part *partv, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (partv[i].fd > 0)
			close(partv[i].fd);
		if (partv[i].v.fd > 0)
			close(partv[i].v.fd);
		if (partv[i].v.cfd > 0)
			close(partv[i].v.cfd);
		partv[i].fd = partv[i].v.fd = partv[i].v.cfd = -1;
		partv[i].rx.transit = mem_deref(partv[i].rx.transit);
		partv[i].ms = mem_deref(partv[i].ms);
	}
}
