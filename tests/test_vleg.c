/**
 * @file test_vleg.c  Video legs with real RTP and RTCP on loopback: a
 *        packet in reaches the sink; out, it carries the receiver's SSRC,
 *        payload type and numbers and nothing of the source's header;
 *        keyframe requests and NACKs go out as negotiated; feedback in
 *        reaches the sink
 *
 * No media worker: the legs run on this thread.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include <re.h>
#include "server/leg.h"
#include "server/log.h"
#include "server/vleg.h"
#include "leak.h"
#include "udp.h"

enum {
	PT_SRC = 100,       /* what the source negotiated */
	PT_RCV = 97,        /* what the receiver negotiated */
	SSRC_SRC = 0x11223344,
	FB_MAX = 8,
};

/* A peer: its RTP and RTCP sockets */
struct peer {
	int rtp, rtcp;
	struct sa a_rtp, a_rtcp;
};

struct fixture {
	struct leg_prm prm;
	struct vleg *src, *rcv;      /* a source's leg, a receiver's    */
	struct peer ps, pr;          /* the caller behind each          */
	unsigned pkts;               /* packets the sink had            */
	struct vleg_pkt last;
	uint8_t last_pl[64];
	enum vleg_fb fb[FB_MAX];
	uint16_t fb_pid[FB_MAX], fb_blp[FB_MAX];
	size_t nfb;
	struct tmr tmr;
};


static int peer_open(struct peer *p)
{
	p->rtp = udp_loopback(&p->a_rtp);
	p->rtcp = udp_loopback(&p->a_rtcp);

	return p->rtp < 0 || p->rtcp < 0 ? -1 : 0;
}


/* the sink: forward to the receiver with numbers of our own */
static void rtp_h(struct vleg *vl, const struct vleg_pkt *pkt, void *arg)
{
	struct fixture *f = arg;

	(void)vl;
	f->pkts++;
	f->last = *pkt;
	memcpy(f->last_pl, pkt->pl, pkt->len < 64 ? pkt->len : 64);
	vleg_send(f->rcv, pkt, 5000, 777000);
}


static void fb_h(struct vleg *vl, enum vleg_fb fb, uint16_t pid,
		 uint16_t blp, void *arg)
{
	struct fixture *f = arg;

	(void)vl;
	if (f->nfb < FB_MAX) {
		f->fb[f->nfb] = fb;
		f->fb_pid[f->nfb] = pid;
		f->fb_blp[f->nfb] = blp;
		f->nfb++;
	}
}


static struct sdpneg_video media(const struct peer *p, uint8_t pt,
				 bool pli, bool fir)
{
	struct sdpneg_video v;

	memset(&v, 0, sizeof(v));
	v.on = true;
	v.codec = VCODEC_VP8;
	v.pt = pt;
	v.send = true;
	v.recv = true;
	v.fb_nack = true;
	v.fb_pli = pli;
	v.fb_fir = fir;
	v.raddr = p->a_rtp;
	v.raddr_rtcp = p->a_rtcp;

	return v;
}


static int setup(void **state)
{
	struct fixture *f = test_calloc(1, sizeof(*f));
	struct sdpneg_video v;

	if (!f)
		return -1;

	sa_set_str(&f->prm.bind, "127.0.0.1", 0);
	f->prm.port_min = 33000;
	f->prm.port_max = 33999;

	if (peer_open(&f->ps) || peer_open(&f->pr) ||
	    vleg_alloc(&f->src, NULL, &f->prm, 1) ||
	    vleg_alloc(&f->rcv, NULL, &f->prm, 2))
		return -1;

	v = media(&f->ps, PT_SRC, true, false);
	if (vleg_start(f->src, &v))
		return -1;
	v = media(&f->pr, PT_RCV, true, false);
	if (vleg_start(f->rcv, &v))
		return -1;

	vleg_sink(f->src, rtp_h, fb_h, f);
	vleg_sink(f->rcv, rtp_h, fb_h, f);
	tmr_init(&f->tmr);

	*state = f;
	return 0;
}


static int teardown(void **state)
{
	struct fixture *f = *state;

	tmr_cancel(&f->tmr);
	mem_deref(f->src);
	mem_deref(f->rcv);
	close(f->ps.rtp);
	close(f->ps.rtcp);
	close(f->pr.rtp);
	close(f->pr.rtcp);
	test_free(f);

	return 0;
}


static void stop_h(void *arg)
{
	(void)arg;
	re_cancel();
}


/* Let the legs' sockets be read for a while */
static void spin(struct fixture *f, uint32_t ms)
{
	tmr_start(&f->tmr, ms, stop_h, NULL);
	(void)re_main(NULL);
}


static void send_to(int fd, const struct vleg *vl, bool rtcp,
		    const uint8_t *buf, size_t len)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(vleg_port(vl) + (rtcp ? 1 : 0));
	assert_int_equal((ssize_t)len, sendto(fd, buf, len, 0,
					      (struct sockaddr *)&sin,
					      sizeof(sin)));
}


static ssize_t recv_any(int fd, uint8_t *buf, size_t sz)
{
	return recv(fd, buf, sz, MSG_DONTWAIT);
}


static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		(uint32_t)p[2] << 8 | p[3];
}


/* An RTP packet with a CSRC and a header extension (RFC 3550 5.3.1) */
static size_t rtp_packet(uint8_t *b, uint8_t pt, uint16_t seq)
{
	static const uint8_t pl[] = {0x10, 0x00, 'h', 'e', 'l', 'l', 'o'};
	size_t n = 0;

	b[n++] = 0x80 | 0x10 | 0x01;            /* V=2, X, CC=1 */
	b[n++] = 0x80 | pt;                     /* M */
	b[n++] = (uint8_t)(seq >> 8);
	b[n++] = (uint8_t)seq;
	b[n++] = 0; b[n++] = 1; b[n++] = 0; b[n++] = 0;   /* ts 65536 */
	b[n++] = 0x11; b[n++] = 0x22; b[n++] = 0x33; b[n++] = 0x44;
	b[n++] = 0xaa; b[n++] = 0xbb; b[n++] = 0xcc; b[n++] = 0xdd;
	b[n++] = 0xbe; b[n++] = 0xde; b[n++] = 0; b[n++] = 1;
	b[n++] = 0x10; b[n++] = 0x55; b[n++] = 0; b[n++] = 0;
	memcpy(b + n, pl, sizeof(pl));

	return n + sizeof(pl);
}


/* Out: the receiver's header, the source's payload, nothing else */
static void test_forwarded_header(void **state)
{
	struct fixture *f = *state;
	uint8_t b[256];
	size_t n = rtp_packet(b, PT_SRC, 42);
	struct vleg_stats st;
	ssize_t got;

	send_to(f->ps.rtp, f->src, false, b, n);
	spin(f, 50);

	assert_int_equal(1, f->pkts);
	assert_int_equal(SSRC_SRC, f->last.ssrc);
	assert_int_equal(42, f->last.seq);
	assert_int_equal(65536, f->last.ts);
	assert_true(f->last.marker);
	assert_int_equal(7, f->last.len);
	assert_memory_equal("hello", f->last_pl + 2, 5);

	got = recv_any(f->pr.rtp, b, sizeof(b));
	assert_int_equal(12 + 7, got);
	assert_int_equal(0x80, b[0]);                 /* no X, no CSRC */
	assert_int_equal(0x80 | PT_RCV, b[1]);        /* M, its own PT */
	assert_int_equal(5000, b[2] << 8 | b[3]);
	assert_int_equal(777000, be32(b + 4));
	assert_int_not_equal(SSRC_SRC, be32(b + 8));
	assert_int_not_equal(0, be32(b + 8));
	assert_memory_equal("hello", b + 14, 5);

	vleg_publish(f->rcv);
	vleg_stats(f->rcv, &st);
	assert_int_equal(1, st.pkts_out);
	assert_int_equal(7, st.bytes_out);
	vleg_publish(f->src);
	vleg_stats(f->src, &st);
	assert_int_equal(1, st.pkts_in);
	assert_true(sa_cmp(&st.raddr, &f->ps.a_rtp, SA_ALL));
}


/* A payload type not agreed, and anyone but the latched peer, are
 * refused */
static void test_bad_pt_and_bleed(void **state)
{
	struct fixture *f = *state;
	uint8_t b[256];
	size_t n;
	struct vleg_stats st;

	n = rtp_packet(b, PT_SRC + 1, 1);
	send_to(f->ps.rtp, f->src, false, b, n);
	n = rtp_packet(b, PT_SRC, 2);
	send_to(f->ps.rtp, f->src, false, b, n);
	spin(f, 50);
	assert_int_equal(1, f->pkts);

	/* the other peer's socket, same payload type */
	n = rtp_packet(b, PT_SRC, 3);
	send_to(f->pr.rtp, f->src, false, b, n);
	spin(f, 50);
	assert_int_equal(1, f->pkts);

	vleg_publish(f->src);
	vleg_stats(f->src, &st);
	assert_int_equal(2, st.pkts_bad);
}


/* PLI if negotiated, else FIR (RFC 5104), else the caller's SIP INFO;
 * each after an empty receiver report (RFC 3550 6.1) */
static void test_keyframe_requests(void **state)
{
	struct fixture *f = *state;
	struct sdpneg_video v;
	uint8_t b[256];
	size_t n = rtp_packet(b, PT_SRC, 9);
	ssize_t got;

	send_to(f->ps.rtp, f->src, false, b, n);   /* its SSRC is known */
	spin(f, 50);
	while (recv_any(f->ps.rtcp, b, sizeof(b)) > 0)
		;

	assert_int_equal(VLEG_KEY_PLI, vleg_ask_key(f->src));
	got = recv_any(f->ps.rtcp, b, sizeof(b));
	assert_int_equal(8 + 12, got);
	assert_int_equal(201, b[1]);                  /* RR */
	assert_int_equal(0x81, b[8]);                 /* FMT 1: PLI */
	assert_int_equal(206, b[9]);
	assert_int_equal(SSRC_SRC, be32(b + 16));

	v = media(&f->ps, PT_SRC, false, true);
	assert_int_equal(0, vleg_start(f->src, &v));
	assert_int_equal(VLEG_KEY_FIR, vleg_ask_key(f->src));
	assert_int_equal(VLEG_KEY_FIR, vleg_ask_key(f->src));
	got = recv_any(f->ps.rtcp, b, sizeof(b));
	assert_int_equal(8 + 20, got);
	assert_int_equal(0x84, b[8]);                 /* FMT 4: FIR */
	assert_int_equal(0, be32(b + 16));
	assert_int_equal(SSRC_SRC, be32(b + 20));
	got = recv_any(f->ps.rtcp, b, sizeof(b));
	assert_int_equal(8 + 20, got);
	assert_int_equal(1, b[24]);                   /* the next command */

	v = media(&f->ps, PT_SRC, false, false);
	assert_int_equal(0, vleg_start(f->src, &v));
	assert_int_equal(VLEG_KEY_INFO, vleg_ask_key(f->src));
	assert_true(recv_any(f->ps.rtcp, b, sizeof(b)) < 0);

	/* a caller that sends no video is not asked */
	v.recv = false;
	assert_int_equal(0, vleg_start(f->src, &v));
	assert_int_equal(VLEG_KEY_NONE, vleg_ask_key(f->src));
}


/* A NACK passed on names the source's SSRC and its numbers */
static void test_nack_out(void **state)
{
	struct fixture *f = *state;
	uint8_t b[256];
	ssize_t got;

	vleg_nack(f->src, SSRC_SRC, 4242, 0x0005);
	got = recv_any(f->ps.rtcp, b, sizeof(b));
	assert_int_equal(8 + 16, got);
	assert_int_equal(0x81, b[8]);                 /* FMT 1 */
	assert_int_equal(205, b[9]);                  /* RTPFB */
	assert_int_equal(SSRC_SRC, be32(b + 16));
	assert_int_equal(4242, b[20] << 8 | b[21]);
	assert_int_equal(5, b[22] << 8 | b[23]);
}


/* PLI, FIR and generic NACK from a receiver reach the sink */
static void test_feedback_in(void **state)
{
	struct fixture *f = *state;
	static const uint8_t pli[] = {
		0x80, 201, 0, 1, 0, 0, 0, 9,            /* RR */
		0x81, 206, 0, 2, 0, 0, 0, 9, 0, 0, 0, 1,
	};
	static const uint8_t fir[] = {
		0x80, 201, 0, 1, 0, 0, 0, 9,
		0x84, 206, 0, 4, 0, 0, 0, 9, 0, 0, 0, 0,
		0, 0, 0, 1, 7, 0, 0, 0,
	};
	static const uint8_t nack[] = {
		0x80, 201, 0, 1, 0, 0, 0, 9,
		0x81, 205, 0, 3, 0, 0, 0, 9, 0, 0, 0, 1,
		0x10, 0x00, 0x00, 0x03,
	};

	send_to(f->pr.rtcp, f->rcv, true, pli, sizeof(pli));
	spin(f, 30);
	send_to(f->pr.rtcp, f->rcv, true, nack, sizeof(nack));
	spin(f, 30);
	send_to(f->pr.rtcp, f->rcv, true, fir, sizeof(fir));
	spin(f, 30);

	assert_int_equal(3, f->nfb);
	assert_int_equal(VLEG_FB_KEY, f->fb[0]);
	assert_int_equal(VLEG_FB_NACK, f->fb[1]);
	assert_int_equal(0x1000, f->fb_pid[1]);
	assert_int_equal(3, f->fb_blp[1]);
	assert_int_equal(VLEG_FB_KEY, f->fb[2]);

	/* a SIP INFO picture_fast_update comes through the main thread */
	assert_int_equal(0, vleg_key_wanted(f->rcv));
	assert_int_equal(VLEG_FB_KEY, f->fb[f->nfb - 1]);
}


int main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		/* the first sockets leave one-time state behind (libre's,
		 * the C library's): a first run, unchecked */
		cmocka_unit_test_setup_teardown(test_forwarded_header, setup,
						teardown),
		leak_test_setup_teardown(test_forwarded_header, setup,
					 teardown),
		leak_test_setup_teardown(test_bad_pt_and_bleed, setup,
					 teardown),
		leak_test_setup_teardown(test_keyframe_requests, setup,
					 teardown),
		leak_test_setup_teardown(test_nack_out, setup, teardown),
		leak_test_setup_teardown(test_feedback_in, setup, teardown),
	};
	int err;

	(void)argc;
	leak_init(argv);
	log_set_level(LOG_ERROR);

	err = libre_init();
	if (err)
		return err;

	err = cmocka_run_group_tests_name("vleg", tests, NULL, NULL);
	libre_close();

	return err;
}
