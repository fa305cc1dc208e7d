/**
 * @file test_leg.c  An audio leg with real RTP on loopback: in, decoded
 *                   and kept for forwarding, out with its own numbers,
 *                   DTMF, the RTP timeout, the published statistics
 *
 * No media worker: the leg runs on this thread, and a 20 ms timer here
 * plays the room's tick.
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
#include "leak.h"
#include "udp.h"

enum {
	PT_PCMU = 0,
	PT_TELEV = 101,
	SAMPLES = 160,              /* PCMU, 20 ms */
	EVS_MAX = 8,
};

struct fixture {
	struct leg *leg;
	struct leg_prm prm;
	struct sdpneg_result res;
	int fd;                      /* the peer's socket             */
	struct sa peer;              /* its address                   */
	struct sa to;                /* the leg's                     */
	struct tmr tmr;
	uint16_t seq;
	uint32_t ts;
	unsigned send;               /* packets still to send         */
	unsigned ticks;              /* ticks still to run            */
	unsigned frames;             /* frames leg_pull gave          */
	unsigned passes;             /* ... that one packet made      */
	bool pass_ok;                /* each was the packet sent      */
	struct leg_event ev[EVS_MAX];
	size_t nev;
};


static void event_h(const struct leg_event *ev, void *arg)
{
	struct fixture *f = arg;

	if (f->nev < EVS_MAX)
		f->ev[f->nev++] = *ev;
}


static int setup(void **state)
{
	struct fixture *f = test_calloc(1, sizeof(*f));

	if (!f)
		return -1;

	sa_set_str(&f->prm.bind, "127.0.0.1", 0);
	f->prm.port_min = 32000;
	f->prm.port_max = 32999;
	f->prm.jitter_min_ms = 20;
	f->prm.jitter_max_ms = 200;
	f->prm.timeout_s = 1;
	f->prm.opus_complexity = 5;

	f->fd = udp_loopback(&f->peer);
	if (f->fd < 0 || leg_alloc(&f->leg, NULL, &f->prm, 5, event_h, f))
		return -1;

	f->res.codec = codec_get(CODEC_PCMU);
	f->res.pt = PT_PCMU;
	f->res.telev_pt = PT_TELEV;
	f->res.ptime = 20;
	f->res.send = true;
	f->res.recv = true;
	f->res.raddr = f->peer;
	f->res.raddr_rtcp = f->peer;
	sa_set_port(&f->res.raddr_rtcp, sa_port(&f->peer) + 1);
	sa_set_in(&f->to, INADDR_LOOPBACK, leg_port(f->leg));
	f->seq = 1000;
	f->ts = 50000;
	f->pass_ok = true;
	tmr_init(&f->tmr);

	*state = f;
	return 0;
}


static int teardown(void **state)
{
	struct fixture *f = *state;

	tmr_cancel(&f->tmr);
	mem_deref(f->leg);
	close(f->fd);
	test_free(f);

	return 0;
}


static void send_rtp(int fd, const struct sa *to, uint8_t pt, uint16_t seq,
		     uint32_t ts, const uint8_t *pl, size_t len)
{
	uint8_t pkt[512] = {0x80, pt, (uint8_t)(seq >> 8), (uint8_t)seq,
			    (uint8_t)(ts >> 24), (uint8_t)(ts >> 16),
			    (uint8_t)(ts >> 8), (uint8_t)ts,
			    0x12, 0x34, 0x56, 0x78};

	memcpy(pkt + 12, pl, len);
	assert_int_equal(12 + len, sendto(fd, pkt, 12 + len, 0, &to->u.sa,
					  to->len));
}


/* what the peer sends as audio: a loud square wave, mu-law */
static void audio(uint8_t pl[SAMPLES], uint16_t seq)
{
	for (size_t i = 0; i < SAMPLES; i++)
		pl[i] = i % 2 ? 0x80 : 0x00;
	pl[0] = (uint8_t)seq;   /* each packet its own */
}


/* The room's tick: the peer sends a packet, the leg gives a frame */
static void tick_h(void *arg)
{
	struct fixture *f = arg;
	const uint8_t *pl;
	size_t len;

	if (f->send) {
		uint8_t au[SAMPLES];

		audio(au, f->seq);
		send_rtp(f->fd, &f->to, PT_PCMU, f->seq++, f->ts, au,
			 sizeof(au));
		f->ts += SAMPLES;
		f->send--;
	}

	if (leg_pull(f->leg, false))
		f->frames++;

	if (leg_pass(f->leg, &pl, &len)) {
		f->passes++;
		f->pass_ok &= len == SAMPLES && pl[1] == 0x80 &&
			pl[SAMPLES - 1] == 0x80;
	}

	if (--f->ticks)
		tmr_start(&f->tmr, 20, tick_h, f);
	else
		re_cancel();
}


static void run_ticks(struct fixture *f, unsigned ticks, unsigned send)
{
	f->ticks = ticks;
	f->send = send;
	tmr_start(&f->tmr, 20, tick_h, f);
	(void)re_main(NULL);
}


/* RTP in: decoded a frame a tick, each packet kept to be forwarded as it
 * came, counted; the peer's address taken from where it sends */
static void test_audio_in(void **state)
{
	struct fixture *f = *state;
	struct leg_stats st;

	sa_set_port(&f->res.raddr, 9);   /* the SDP said elsewhere */
	assert_int_equal(0, leg_start(f->leg, &f->res));
	leg_stats(f->leg, &st);
	assert_int_equal(9, sa_port(&st.raddr));

	run_ticks(f, 30, 25);

	assert_in_range(f->frames, 22, 27);
	assert_in_range(f->passes, 22, 27);
	assert_true(f->pass_ok);

	leg_publish(f->leg);
	leg_stats(f->leg, &st);
	assert_int_equal(25, st.pkts_in);
	assert_int_equal(25 * SAMPLES, st.bytes_in);
	assert_int_equal(0, st.lost);
	assert_int_equal(0, st.pkts_bad);
	assert_true(sa_cmp(&st.raddr, &f->peer, SA_ALL));   /* RFC 4961 */

	assert_ptr_equal(codec_get(CODEC_PCMU), leg_codec(f->leg));
	assert_int_equal(20, leg_ptime(f->leg));
	assert_true(leg_hears(f->leg));
}


/* Once latched, audio from anyone else is refused ("RTP bleed"); an
 * unknown payload type is counted as bad */
static void test_bleed_and_bad_pt(void **state)
{
	struct fixture *f = *state;
	struct leg_stats st;
	struct sa other;
	uint8_t au[SAMPLES];
	int fd2 = udp_loopback(&other);

	assert_true(fd2 >= 0);
	assert_int_equal(0, leg_start(f->leg, &f->res));
	run_ticks(f, 5, 5);

	audio(au, 1);
	send_rtp(fd2, &f->to, PT_PCMU, 1, 1, au, sizeof(au));
	send_rtp(f->fd, &f->to, 77, f->seq++, f->ts, au, sizeof(au));
	run_ticks(f, 3, 0);
	close(fd2);

	leg_publish(f->leg);
	leg_stats(f->leg, &st);
	assert_int_equal(5, st.pkts_in);
	assert_int_equal(2, st.pkts_bad);
}


/* RTP out: the leg's own SSRC, sequence and timestamps, M on the first */
static void test_send(void **state)
{
	struct fixture *f = *state;
	uint8_t buf[64];
	struct leg_stats st;
	uint16_t seq0;
	uint32_t ts0;

	assert_int_equal(0, leg_start(f->leg, &f->res));
	leg_send(f->leg, (const uint8_t *)"hello", 5, SAMPLES);
	leg_send(f->leg, (const uint8_t *)"again", 5, SAMPLES);

	assert_int_equal(17, recv(f->fd, buf, sizeof(buf), 0));
	assert_int_equal(0x80, buf[0]);
	assert_int_equal(0x80 | PT_PCMU, buf[1]);   /* marker */
	assert_memory_equal("hello", buf + 12, 5);
	seq0 = (uint16_t)(buf[2] << 8 | buf[3]);
	ts0 = (uint32_t)buf[4] << 24 | buf[5] << 16 | buf[6] << 8 | buf[7];

	assert_int_equal(17, recv(f->fd, buf, sizeof(buf), 0));
	assert_int_equal(PT_PCMU, buf[1]);
	assert_int_equal((uint16_t)(seq0 + 1), buf[2] << 8 | buf[3]);
	assert_int_equal(ts0 + SAMPLES, (uint32_t)buf[4] << 24 |
			 buf[5] << 16 | buf[6] << 8 | buf[7]);
	assert_memory_equal("again", buf + 12, 5);

	/* periods never mixed move the timestamp on (RFC 3550 5.1) */
	leg_skip(f->leg, 3);
	leg_send(f->leg, (const uint8_t *)"later", 5, SAMPLES);
	assert_int_equal(17, recv(f->fd, buf, sizeof(buf), 0));
	assert_int_equal(ts0 + 5 * SAMPLES, (uint32_t)buf[4] << 24 |
			 buf[5] << 16 | buf[6] << 8 | buf[7]);

	leg_publish(f->leg);
	leg_stats(f->leg, &st);
	assert_int_equal(3, st.pkts_out);
	assert_int_equal(15, st.bytes_out);
}


/* An RFC 4733 event is told once per event, not per packet */
static void test_dtmf(void **state)
{
	struct fixture *f = *state;
	const uint8_t ev5[4] = {5, 10, 0x00, 0xa0};
	const uint8_t ev5_end[4] = {5, 0x80 | 10, 0x01, 0x40};

	assert_int_equal(0, leg_start(f->leg, &f->res));
	send_rtp(f->fd, &f->to, PT_TELEV, 1, 8000, ev5, sizeof(ev5));
	send_rtp(f->fd, &f->to, PT_TELEV, 2, 8000, ev5_end, sizeof(ev5_end));
	send_rtp(f->fd, &f->to, PT_TELEV, 3, 9600, ev5, sizeof(ev5));
	run_ticks(f, 3, 0);

	assert_int_equal(2, f->nev);
	assert_int_equal(LEG_DTMF, f->ev[0].type);
	assert_int_equal('5', f->ev[0].digit);
}


/* No RTP or RTCP for the timeout: told, and told again a timeout later.
 * Not while the peer says it sends nothing (inactive, RFC 3264 8.4);
 * controls reach the tick */
static void test_timeout_and_hold(void **state)
{
	struct fixture *f = *state;
	struct leg_ctl ctl = {true, false, 2048};

	assert_int_equal(0, leg_start(f->leg, &f->res));
	run_ticks(f, 70, 0);
	assert_int_equal(1, f->nev);
	assert_int_equal(LEG_TIMEOUT, f->ev[0].type);

	/* told again a timeout later, should the news have been lost */
	run_ticks(f, 60, 0);
	assert_int_equal(2, f->nev);
	assert_int_equal(LEG_TIMEOUT, f->ev[1].type);

	f->nev = 0;
	f->res.recv = false;
	f->res.send = false;
	assert_int_equal(0, leg_start(f->leg, &f->res));
	run_ticks(f, 70, 0);
	assert_int_equal(0, f->nev);
	assert_false(leg_hears(f->leg));

	assert_int_equal(0, leg_control(f->leg, &ctl));
	assert_true(leg_ctl(f->leg)->muted);
	assert_int_equal(2048, leg_ctl(f->leg)->gain_q12);
	assert_int_equal(EINVAL, leg_control(f->leg, NULL));
	assert_int_equal(EINVAL, leg_start(f->leg, NULL));
}


int main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		/* the first sockets and codecs leave one-time state behind
		 * (libre's, the C library's): a first run, unchecked */
		cmocka_unit_test_setup_teardown(test_send, setup, teardown),
		leak_test_setup_teardown(test_audio_in, setup, teardown),
		leak_test_setup_teardown(test_bleed_and_bad_pt, setup,
					 teardown),
		leak_test_setup_teardown(test_send, setup, teardown),
		leak_test_setup_teardown(test_dtmf, setup, teardown),
		leak_test_setup_teardown(test_timeout_and_hold, setup,
					 teardown),
	};
	int err;

	(void)argc;
	leak_init(argv);
	log_set_level(LOG_ERROR);

	err = libre_init();
	if (err)
		return err;

	err = cmocka_run_group_tests_name("leg", tests, NULL, NULL);
	libre_close();

	return err;
}
