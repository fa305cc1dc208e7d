/**
 * @file load_sip.c  chorus-load calls: INVITE with an SDP offer, ACK, BYE
 *
 * One libre SIP stack on one UDP socket places every call. Each INVITE
 * offers one codec on the participant's own RTP port (RFC 3264 5); the
 * 200 OK's answer gives chorusd's RTP address for that participant, libre
 * sends the ACK, and the call is up. Dropping the session sends the BYE.
 *
 * With video, the offer has an m=video line too: VP8 (RFC 7741 6.1) on
 * the participant's video port, RTCP on the next (no rtcp-mux), and the
 * keyframe request the benchmark chose (RFC 4585 4.2, RFC 5104 7.1). The
 * generator never answers one: its clip has keyframes of its own.
 *
 * With --srtp the audio is offered as RTP/SAVP with one a=crypto line
 * (load_srtp.c); the answer's key is read before the call is up.
 */
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <re.h>
#include "load.h"

enum {
	HASH_SIZE = 4096,     /* SIP transaction and dialog tables */
};

struct load_sip {
	struct dnsc *dnsc;
	struct sip *sip;
	struct sipsess_sock *sock;
	struct load_rtp *rtp;
	const struct load_audio *audio;
	bool media;
	bool video;
	bool srtp;
	enum msec_suite suite;
	char fb[8];
	char server[64];
	char prefix[64];
	struct sa laddr;
	void (*doneh)(void *arg);
	void *done_arg;
};


/* Monotonic clock [us] */
uint64_t load_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}


static void destructor(void *arg)
{
	struct load_sip *ls = arg;

	mem_deref(ls->sock);
	sip_close(ls->sip, true);
	mem_deref(ls->sip);
	mem_deref(ls->dnsc);
}


/* We only call out: an INVITE to us is declined */
static void conn_handler(const struct sip_msg *msg, void *arg)
{
	struct load_sip *ls = arg;

	(void)sip_treply(NULL, ls->sip, msg, 603, "Decline");
}


static void exit_handler(void *arg)
{
	struct load_sip *ls = arg;

	if (ls->doneh)
		ls->doneh(ls->done_arg);
}


/**
 * Start the SIP stack on prm->laddr (UDP)
 *
 * @param sipp  Set on success
 * @param prm   Server, local address, room prefix, media (copied)
 * @param rtp   Media side: a call that comes up starts sending there
 *
 * @return 0 or errno
 */
int load_sip_alloc(struct load_sip **sipp, const struct load_sip_prm *prm,
		   struct load_rtp *rtp)
{
	struct load_sip *ls;
	int err;

	ls = mem_zalloc(sizeof(*ls), destructor);
	if (!ls)
		return ENOMEM;

	ls->rtp = rtp;
	ls->audio = prm->audio;
	ls->media = prm->media;
	ls->video = prm->video;
	ls->srtp = prm->srtp;
	ls->suite = prm->suite;
	str_ncpy(ls->fb, prm->fb ? prm->fb : "pli", sizeof(ls->fb));
	str_ncpy(ls->server, prm->server, sizeof(ls->server));
	str_ncpy(ls->prefix, prm->room_prefix, sizeof(ls->prefix));

	err = sa_decode(&ls->laddr, prm->laddr, str_len(prm->laddr));
	if (err)
		goto out;

	/* every URI we use holds an IP address: no name server needed */
	err = dnsc_alloc(&ls->dnsc, NULL, NULL, 0);
	if (err)
		goto out;

	err = sip_alloc(&ls->sip, ls->dnsc, HASH_SIZE, HASH_SIZE, HASH_SIZE,
			"chorus-load", exit_handler, ls);
	if (err)
		goto out;

	err = sip_transp_add(ls->sip, SIP_TRANSP_UDP, &ls->laddr);
	if (err)
		goto out;

	err = sipsess_listen(&ls->sock, ls->sip, HASH_SIZE, conn_handler, ls);

 out:
	if (err)
		mem_deref(ls);
	else
		*sipp = ls;

	return err;
}


/* The SDP answer in the 200 OK: chorusd's RTP address (RFC 4566 5.7,
 * 5.14) and, with --srtp, its key. A declined stream (port 0) fails the
 * call, and so does an SRTP answer without our suite. */
static int answer_handler(const struct sip_msg *msg, void *arg)
{
	struct load_part *p = arg;
	struct pl addr, port;
	const char *b = (const char *)mbuf_buf(msg->mb);
	size_t len = mbuf_get_left(msg->mb);
	struct sa sa;

	if (re_regex(b, len, "c=IN IP4 [0-9.]+", &addr) ||
	    re_regex(b, len, "m=audio [0-9]+ ", &port))
		return EPROTO;

	if (sa_set(&sa, &addr, pl_u32(&port)) || !sa_port(&sa))
		return EPROTO;

	p->raddr = sa.u.in.sin_addr.s_addr;
	p->rport = sa_port(&sa);

	if (p->sip->srtp) {
		int err = load_srtp_answer(p, b, len);

		if (err)
			return err;
	}

	if (!p->sip->video)
		return 0;

	/* the benchmark sends nowhere but loopback */
	if (sa_af(&sa) != AF_INET || !load_is_loopback(p->raddr))
		return EPROTO;

	/* m=video 0, or none: declined (RFC 3264 6) */
	p->v.raddr = p->raddr;
	p->v.rport = re_regex(b, len, "m=video [0-9]+ ", &port) ? 0 :
		(uint16_t)pl_u32(&port);

	return 0;
}


static void estab_handler(const struct sip_msg *msg, void *arg)
{
	struct load_part *p = arg;

	if (p->state != CALL_INVITING)
		return;

	p->state = CALL_UP;
	p->t_answer = load_now_us();

	if (p->sip->media && p->rport)
		load_rtp_media_on(p->sip->rtp, p);
	if (p->sip->media && p->sip->video)
		load_rtp_video_on(p->sip->rtp, p);
}


static void close_handler(int err, const struct sip_msg *msg, void *arg)
{
	struct load_part *p = arg;

	p->media = false;
	p->v.on = false;
	p->scode = msg ? msg->scode : 0;
	p->state = p->state == CALL_UP ? CALL_DROPPED : CALL_FAILED;
	p->sess = mem_deref(p->sess);
}


static int offer_encode(struct mbuf **mbp, const struct load_sip *ls,
			struct load_part *p)
{
	const char *rtpmap = ls->audio->codec == LOAD_OPUS ?
		"opus/48000/2" : "PCMU/8000";
	struct mbuf *mb = mbuf_alloc(512);
	int err;

	if (!mb)
		return ENOMEM;

	/* RFC 4566 5, RFC 3264 5; RFC 7587 7 for opus */
	err = mbuf_printf(mb,
			  "v=0\r\n"
			  "o=- %u 1 IN IP4 %j\r\n"
			  "s=chorus-load\r\n"
			  "c=IN IP4 %j\r\n"
			  "t=0 0\r\n"
			  "m=audio %u %s %u\r\n"
			  "a=rtpmap:%u %s\r\n"
			  "a=ptime:%u\r\n"
			  "a=sendrecv\r\n",
			  p->idx, &ls->laddr, &ls->laddr, p->lport,
			  ls->srtp ? "RTP/SAVP" : "RTP/AVP",
			  ls->audio->pt, ls->audio->pt, rtpmap, LOAD_PTIME);

	/* RFC 4568 9.1: one line, a fresh key per call */
	if (!err && ls->srtp)
		err = load_srtp_offer(mb, p, ls->suite);

	if (!err && ls->video) {
		const char *fb = !strcmp(ls->fb, "fir") ? "ccm fir" :
			!strcmp(ls->fb, "pli") ? "nack pli" : NULL;

		err = mbuf_printf(mb,
				  "m=video %u RTP/AVP %u\r\n"
				  "a=rtpmap:%u VP8/90000\r\n",
				  p->v.lport, LOAD_VPT, LOAD_VPT);
		if (!err && fb)
			err = mbuf_printf(mb, "a=rtcp-fb:* %s\r\n", fb);
		if (!err)
			err = mbuf_printf(mb, "a=sendrecv\r\n");
	}
	mb->pos = 0;

	if (err)
		mem_deref(mb);
	else
		*mbp = mb;

	return err;
}


/**
 * Place participant p's call to room prefix<p->room> on the server
 *
 * @return 0 (state CALL_INVITING) or errno (state CALL_FAILED)
 */
int load_sip_call(struct load_sip *ls, struct load_part *p)
{
	char to[128], from[96], cuser[32];
	struct mbuf *offer = NULL;
	int err;

	p->sip = ls;
	p->v.rport = 0;
	re_snprintf(to, sizeof(to), "sip:%s%u@%s", ls->prefix, p->room,
		    ls->server);
	re_snprintf(cuser, sizeof(cuser), "load%u", p->idx);
	re_snprintf(from, sizeof(from), "sip:%s@%j", cuser, &ls->laddr);

	err = offer_encode(&offer, ls, p);
	if (err)
		goto out;

	p->state = CALL_INVITING;
	p->t_invite = load_now_us();
	err = sipsess_connect(&p->sess, ls->sock, to, NULL, from, cuser,
			      NULL, 0, "application/sdp", offer, NULL, NULL,
			      false, NULL, answer_handler, NULL,
			      estab_handler, NULL, NULL, close_handler, p,
			      NULL);

 out:
	mem_deref(offer);
	if (err)
		p->state = CALL_FAILED;

	return err;
}


/* End p's call: BYE if it is up, CANCEL if it is still ringing */
void load_sip_hangup(struct load_part *p)
{
	p->media = false;
	p->v.on = false;
	if (p->state == CALL_UP || p->state == CALL_INVITING)
		p->state = CALL_DONE;
	p->sess = mem_deref(p->sess);
}


/**
 * Stop the stack once the pending transactions (the BYEs) are done;
 * doneh is called then.
 */
void load_sip_shutdown(struct load_sip *ls, void (*doneh)(void *arg),
		       void *arg)
{
	ls->doneh = doneh;
	ls->done_arg = arg;
	sip_close(ls->sip, false);
}
