/**
 * @file load_video.c  chorus-load video: a VP8 clip packetized once
 *                     (RFC 7741) and looped by every caller; the checks
 *                     of each forwarded stream
 *
 * The clip is an IVF file that bench/video.sh encodes once with ffmpeg
 * (libvpx). At start-up each frame is cut into payloads of at most
 * LOAD_VPKT bytes, of nearly equal size, each behind a 4-byte payload
 * descriptor: X = 1, S = 1 on the frame's first packet, partition index 0,
 * I = 1 with a 15-bit picture ID (RFC 7741 4.2). The sender writes the
 * picture ID at send time, so it goes on across loops of the clip; the
 * marker bit ends a frame (RFC 7741 4.1). A frame's packets leave
 * together at the frame's time, as an encoder hands them out.
 *
 * A receiver checks what it is forwarded: one SSRC, sequence numbers
 * without gaps or repeats, picture IDs that go on by one per frame (a jump
 * is another source, or a whole frame lost), keyframe starts; and counts
 * the RTCP it is sent on port + 1 (PLI, FIR, NACK), which it never
 * answers.
 */
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <re.h>
#include "load.h"

enum {
	RTP_HDR = 12,                 /* RFC 3550 5.1 [bytes]            */
	IVF_HDR = 32,                 /* file header [bytes]             */
	IVF_FHDR = 12,                /* frame header: size, pts [bytes] */
	IVF_FRAME_MAX = 1 << 20,      /* a frame larger is not ours      */
	VDATA = LOAD_VPKT - LOAD_VDESC,   /* VP8 data per packet [bytes] */
	CATCH_UP_NS = 200000000,      /* behind this much: start afresh  */
};


static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		(uint32_t)p[3] << 24;
}


static int file_read(const char *path, uint8_t **bufp, size_t *lenp)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;
	int err = 0;

	if (!f)
		return errno;

	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < IVF_HDR ||
	    fseek(f, 0, SEEK_SET)) {
		err = EINVAL;
		goto out;
	}

	buf = mem_alloc((size_t)n, NULL);
	if (!buf) {
		err = ENOMEM;
		goto out;
	}

	if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
		err = EIO;
		goto out;
	}

	*bufp = buf;
	*lenp = (size_t)n;
	buf = NULL;

 out:
	mem_deref(buf);
	fclose(f);

	return err;
}


static size_t npkt_of(size_t len)
{
	return (len + VDATA - 1) / VDATA;
}


/* Walk the IVF frames: count (v->framev NULL) or fill */
static int ivf_walk(struct load_video *v, const uint8_t *b, size_t len)
{
	size_t pos = IVF_HDR, nf = 0, np = 0, off = 0;

	while (pos + IVF_FHDR <= len) {
		size_t fsz = le32(b + pos), k, chunk;
		const uint8_t *d = b + pos + IVF_FHDR;

		pos += IVF_FHDR;
		if (fsz > IVF_FRAME_MAX || pos + fsz > len)
			return EBADMSG;
		pos += fsz;
		if (!fsz)
			continue;

		k = npkt_of(fsz);
		chunk = (fsz + k - 1) / k;

		if (v->framev) {
			struct load_vframe *fr = &v->framev[nf];

			fr->pkt0 = (uint32_t)np;
			fr->npkt = (uint16_t)k;
			/* RFC 6386 9.1: bit 0 of the frame tag is 0 for a
			 * key frame */
			fr->key = !(d[0] & 0x01);
			v->nkeys += fr->key;

			for (size_t j = 0; j < k; j++) {
				struct load_vpkt *pk = &v->pktv[np + j];
				size_t at = j * chunk;
				size_t n = fsz - at < chunk ? fsz - at : chunk;
				uint8_t *o = v->buf + off;

				pk->off = (uint32_t)off;
				pk->len = (uint16_t)(LOAD_VDESC + n);
				pk->marker = j == k - 1;

				o[0] = 0x80 | (j ? 0x00 : 0x10);  /* X, S */
				o[1] = 0x80;                      /* I    */
				o[2] = 0x80;                      /* M    */
				o[3] = 0x00;
				memcpy(o + LOAD_VDESC, d + at, n);
				off += LOAD_VDESC + n;
			}
		}
		else {
			off += k * LOAD_VDESC + fsz;
		}

		nf++;
		np += k;
	}

	v->nframes = nf;
	v->npkts = np;
	v->buflen = off;

	return 0;
}


/**
 * Load a VP8 clip and packetize it
 *
 * @param v    Set on success; load_video_close() frees it
 * @param ivf  IVF file (fourcc VP80), starting with a keyframe
 * @param fps  Its frame rate [frames/s]: the send clock
 *
 * @return 0 or errno
 */
int load_video_init(struct load_video *v, const char *ivf, double fps)
{
	uint8_t *b = NULL;
	size_t len = 0;
	int err;

	memset(v, 0, sizeof(*v));
	if (fps < 1 || fps > 120)
		return EINVAL;

	err = file_read(ivf, &b, &len);
	if (err)
		return err;

	if (memcmp(b, "DKIF", 4) || memcmp(b + 8, "VP80", 4)) {
		err = EPROTO;
		goto out;
	}
	v->width = (uint16_t)(b[12] | b[13] << 8);
	v->height = (uint16_t)(b[14] | b[15] << 8);

	err = ivf_walk(v, b, len);
	if (err)
		goto out;
	if (!v->nframes) {
		err = ENODATA;
		goto out;
	}

	v->framev = mem_zalloc(v->nframes * sizeof(*v->framev), NULL);
	v->pktv = mem_zalloc(v->npkts * sizeof(*v->pktv), NULL);
	v->buf = mem_alloc(v->buflen, NULL);
	if (!v->framev || !v->pktv || !v->buf) {
		err = ENOMEM;
		goto out;
	}

	err = ivf_walk(v, b, len);
	if (!err && !v->framev[0].key)
		err = EPROTO;

	v->pt = LOAD_VPT;
	v->fps = fps;
	v->ts_step = (uint32_t)(LOAD_VCLOCK / fps + 0.5);
	v->frame_ns = (uint64_t)(1e9 / fps + 0.5);

 out:
	mem_deref(b);
	if (err)
		load_video_close(v);

	return err;
}


void load_video_close(struct load_video *v)
{
	v->framev = mem_deref(v->framev);
	v->pktv = mem_deref(v->pktv);
	v->buf = mem_deref(v->buf);
}


/**
 * Start a participant's video: random SSRC, sequence, timestamp and
 * picture ID (RFC 3550 5.1); the first frame is sent offset_ns from now,
 * from frame `first` of the clip on
 */
void load_video_start(struct load_vpart *vp, const struct load_video *v,
		      uint64_t now_ns, uint64_t offset_ns, uint32_t first)
{
	vp->ssrc = rand_u32();
	vp->seq = rand_u16();
	vp->ts = rand_u32();
	vp->pic = rand_u16() & 0x7fff;
	vp->pos = first % v->nframes;
	vp->next_ns = now_ns + offset_ns;
	vp->on = true;
}


static bool send_pkt(const struct load_vpart *vp, const struct load_video *v,
		     const struct load_vpkt *pk)
{
	uint8_t pkt[RTP_HDR + LOAD_VPKT];
	struct sockaddr_in sin;

	pkt[0] = 0x80;
	pkt[1] = (uint8_t)(v->pt | (pk->marker ? 0x80 : 0));
	pkt[2] = (uint8_t)(vp->seq >> 8);
	pkt[3] = (uint8_t)vp->seq;
	pkt[4] = (uint8_t)(vp->ts >> 24);
	pkt[5] = (uint8_t)(vp->ts >> 16);
	pkt[6] = (uint8_t)(vp->ts >> 8);
	pkt[7] = (uint8_t)vp->ts;
	pkt[8] = (uint8_t)(vp->ssrc >> 24);
	pkt[9] = (uint8_t)(vp->ssrc >> 16);
	pkt[10] = (uint8_t)(vp->ssrc >> 8);
	pkt[11] = (uint8_t)vp->ssrc;
	memcpy(pkt + RTP_HDR, v->buf + pk->off, pk->len);
	pkt[RTP_HDR + 2] = (uint8_t)(0x80 | vp->pic >> 8);
	pkt[RTP_HDR + 3] = (uint8_t)vp->pic;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = vp->raddr;
	sin.sin_port = htons(vp->rport);

	return sendto(vp->fd, pkt, RTP_HDR + pk->len, 0,
		      (struct sockaddr *)&sin, sizeof(sin)) >= 0;
}


/**
 * Send every frame that is due by now_ns (a late clock sends the missed
 * frames at once, as a late encoder would)
 *
 * @param errors  Failed sends are added to it
 *
 * @return packets sent
 */
uint32_t load_video_send(struct load_vpart *vp, const struct load_video *v,
			 uint64_t now_ns, uint64_t *errors)
{
	uint32_t sent = 0;

	if (!vp->on || !vp->rport)
		return 0;

	if (now_ns > vp->next_ns + CATCH_UP_NS)
		vp->next_ns = now_ns;

	while (now_ns >= vp->next_ns) {
		const struct load_vframe *fr = &v->framev[vp->pos];

		for (uint32_t i = 0; i < fr->npkt; i++) {
			if (send_pkt(vp, v, &v->pktv[fr->pkt0 + i]))
				sent++;
			else
				(*errors)++;
			vp->seq++;
		}

		vp->ts += v->ts_step;
		vp->pic = (vp->pic + 1) & 0x7fff;
		vp->pos = (vp->pos + 1) % v->nframes;
		vp->next_ns += v->frame_ns;
	}

	return sent;
}


/* Forget what was received before the window; the call's PLI count
 * stays */
void load_video_window(struct load_vpart *vp)
{
	uint64_t plis_all = vp->rx.plis_all;

	memset(&vp->rx, 0, sizeof(vp->rx));
	vp->rx.plis_all = plis_all;
}


/* The VP8 payload descriptor (RFC 7741 4.2) at a frame start: picture
 * ID and keyframe bit */
static void vp8_check(struct load_vrx *rx, const uint8_t *pl, size_t n)
{
	size_t i = 1;
	bool have_pic = false;
	uint16_t pic = 0;

	if (n < 1 || !(pl[0] & 0x10) || (pl[0] & 0x07))
		return;

	if (pl[0] & 0x80) {
		uint8_t x;

		if (n < 2)
			return;
		x = pl[1];
		i = 2;
		if (x & 0x80) {
			if (n <= i)
				return;
			if (pl[i] & 0x80) {
				if (n <= i + 1)
					return;
				pic = (uint16_t)((pl[i] & 0x7f) << 8 |
						 pl[i + 1]);
				i += 2;
			}
			else {
				pic = pl[i] & 0x7f;
				i++;
			}
			have_pic = true;
		}
		if (x & 0x40)
			i++;
		if (x & 0x30)
			i++;
	}

	rx->frames++;
	if (n > i && !(pl[i] & 0x01))
		rx->keys++;

	if (!have_pic)
		return;

	if (rx->have_pic && pic != ((rx->pic + 1) & 0x7fff) && pic != rx->pic)
		rx->pic_jumps++;
	rx->pic = pic;
	rx->have_pic = true;
}


/* One RTP packet of a participant's forwarded video (in the window) */
void load_video_rx(struct load_vrx *rx, const uint8_t *b, size_t len)
{
	size_t hl;
	uint16_t seq, d;
	uint32_t ssrc;

	if (len < RTP_HDR || (b[0] >> 6) != 2 ||
	    (b[1] & 0x7f) != LOAD_VPT) {
		rx->bad++;
		return;
	}

	/* RFC 3550 5.1, 5.3.1: CSRCs, header extension, padding */
	hl = RTP_HDR + 4 * (size_t)(b[0] & 0x0f);
	if ((b[0] & 0x10) && len >= hl + 4)
		hl += 4 + 4 * (size_t)(b[hl + 2] << 8 | b[hl + 3]);
	if ((b[0] & 0x20) && len > hl)
		len -= b[len - 1];
	if (len < hl) {
		rx->bad++;
		return;
	}

	seq = (uint16_t)(b[2] << 8 | b[3]);
	ssrc = (uint32_t)b[8] << 24 | (uint32_t)b[9] << 16 |
		(uint32_t)b[10] << 8 | b[11];

	if (!rx->started || ssrc != rx->ssrc) {
		rx->started = true;
		rx->ssrc = ssrc;
		rx->ssrcs++;
		rx->max_seq = seq;
		rx->have_pic = false;
	}
	else {
		d = (uint16_t)(seq - rx->max_seq);
		if (!d || d >= 0x8000) {
			rx->reordered++;
		}
		else {
			if (d > 1) {
				rx->gaps++;
				rx->missing += d - 1u;
			}
			rx->max_seq = seq;
		}
	}

	rx->received++;
	rx->bytes += len - hl;
	vp8_check(rx, b + hl, len - hl);
}


/* One RTCP packet chorusd sent to a participant's video RTCP port: the
 * feedback in it (RFC 4585 6.1; RFC 2032 FIR) is counted, not answered */
void load_video_rtcp(struct load_vrx *rx, const uint8_t *b, size_t len,
		     bool window)
{
	if (window)
		rx->rtcp++;

	while (len >= 4 && (b[0] >> 6) == 2) {
		uint8_t fmt = b[0] & 0x1f, pt = b[1];
		size_t l = ((size_t)(b[2] << 8 | b[3]) + 1) * 4;
		bool key = (pt == RTCP_PSFB && (fmt == 1 || fmt == 4)) ||
			pt == RTCP_FIR;   /* RFC 2032 */

		if (l > len)
			break;

		if (key)
			rx->plis_all++;
		if (window && pt == RTCP_PSFB && fmt == 1)
			rx->plis++;
		else if (window && key)
			rx->firs++;
		else if (window && pt == RTCP_RTPFB && fmt == 1)
			rx->nacks++;

		b += l;
		len -= l;
	}
}
