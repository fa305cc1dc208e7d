/**
 * @file test_part.c  A participant's lifecycle over a real SIP dialog
 *
 * Two libre SIP stacks on loopback in this process: a caller, and the
 * side that makes the participant (part_accept) as sipd does. Its leg is
 * real too, on this thread (no media worker).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include "server/log.h"
#include "server/part.h"
#include "leak.h"
#include "wait.h"

enum {
	EVS_MAX = 16,
	WAIT_MS = 3000,
};

struct side {
	struct sip *sip;
	struct sipsess_sock *sock;
	struct sa laddr;
};

struct fixture {
	struct dnsc *dnsc;
	struct side uas, uac;
	struct leg_prm legprm;
	struct sa adv;
	struct part *p;               /* until EV_PART_LEFT             */
	int accept_err;
	struct sipsess *call;         /* the caller's session           */
	bool call_up;                 /* the caller has the answer      */
	bool call_closed;             /* the caller's session ended     */
	uint16_t call_scode;          /* its final response, if refused */
	enum room_event ev[EVS_MAX];
	char reason[EVS_MAX][32];
	size_t nev;
};

static const char sdp_fmt[] =
	"v=0\r\n"
	"o=- 1 %u IN IP4 127.0.0.1\r\n"
	"s=-\r\n"
	"c=IN IP4 127.0.0.1\r\n"
	"t=0 0\r\n"
	"m=audio 40000 RTP/AVP %s\r\n"
	"%s"
	"a=%s\r\n";


static struct mbuf *sdp(unsigned version, const char *fmts,
			const char *rtpmap, const char *dir)
{
	struct mbuf *mb = mbuf_alloc(512);

	if (!mb)
		return NULL;

	(void)mbuf_printf(mb, sdp_fmt, version, fmts, rtpmap, dir);
	mb->pos = 0;

	return mb;
}


static void event_h(struct part *p, enum room_event ev,
			 const char *reason, void *arg)
{
	struct fixture *f = arg;

	assert_ptr_equal(f->p, p);
	if (f->nev < EVS_MAX) {
		f->ev[f->nev] = ev;
		str_ncpy(f->reason[f->nev], reason ? reason : "",
			 sizeof(f->reason[0]));
		f->nev++;
	}

	if (ev == EV_PART_LEFT)
		f->p = NULL;   /* freed on return */
}


static void uas_conn_h(const struct sip_msg *msg, void *arg)
{
	struct fixture *f = arg;
	static const enum cfg_menc menc = MENC_OPTIONAL;
	struct part_prm prm = {7, "r", NULL, &f->legprm, &f->adv, NULL,
			       &menc, NULL, event_h, f};
	char contact[64];

	re_snprintf(contact, sizeof(contact), "sip:r@%J", &f->uas.laddr);
	f->accept_err = part_accept(&f->p, &prm, f->uas.sock, msg, contact);
	if (f->accept_err)
		(void)sip_treply(NULL, f->uas.sip, msg, 488,
				 "Not Acceptable Here");
}


static int call_answer_h(const struct sip_msg *msg, void *arg)
{
	struct fixture *f = arg;

	(void)msg;
	f->call_up = true;
	return 0;
}


static int call_offer_h(struct mbuf **descp, const struct sip_msg *msg,
			void *arg)
{
	(void)descp;
	(void)msg;
	(void)arg;
	return 0;
}


static void call_estab_h(const struct sip_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
}


static void call_close_h(int err, const struct sip_msg *msg, void *arg)
{
	struct fixture *f = arg;

	(void)err;
	f->call_closed = true;
	f->call_scode = msg ? msg->scode : 0;
	f->call = mem_deref(f->call);
}


static int side_alloc(struct side *s, struct dnsc *dnsc,
		      sipsess_conn_h *connh, void *arg)
{
	struct sa any;
	int err;

	sa_set_str(&any, "127.0.0.1", 0);
	err = sip_alloc(&s->sip, dnsc, 32, 32, 32, "test", NULL, NULL);
	if (!err)
		err = sip_transp_add(s->sip, SIP_TRANSP_UDP, &any);
	if (!err)
		err = sip_transp_laddr(s->sip, &s->laddr, SIP_TRANSP_UDP,
				       &any);
	if (!err)
		err = sipsess_listen(&s->sock, s->sip, 32, connh, arg);

	return err;
}


static void side_free(struct side *s)
{
	s->sock = mem_deref(s->sock);
	if (s->sip)
		sip_close(s->sip, true);
	s->sip = mem_deref(s->sip);
}


static void no_call_h(const struct sip_msg *msg, void *arg)
{
	struct fixture *f = arg;

	(void)sip_treply(NULL, f->uac.sip, msg, 486, "Busy Here");
}


static int setup(void **state)
{
	struct fixture *f = test_calloc(1, sizeof(*f));

	if (!f || dnsc_alloc(&f->dnsc, NULL, NULL, 0) ||
	    side_alloc(&f->uas, f->dnsc, uas_conn_h, f) ||
	    side_alloc(&f->uac, f->dnsc, no_call_h, f))
		return -1;

	sa_set_str(&f->legprm.bind, "127.0.0.1", 0);
	f->legprm.port_min = 31000;
	f->legprm.port_max = 31999;
	f->legprm.jitter_min_ms = 20;
	f->legprm.jitter_max_ms = 200;
	f->legprm.opus_complexity = 5;
	sa_set_str(&f->adv, "127.0.0.1", 0);

	*state = f;
	return 0;
}


static int teardown(void **state)
{
	struct fixture *f = *state;

	part_hangup(f->p, "test over");
	f->call = mem_deref(f->call);
	side_free(&f->uac);
	side_free(&f->uas);
	mem_deref(f->dnsc);
	test_free(f);

	return 0;
}


/* Run the loop until cond holds, at most WAIT_MS */
static bool wait_for(struct fixture *f, wait_cond_h *cond)
{
	return wait_until(cond, f, WAIT_MS);
}


static bool joined(const void *arg)
{
	const struct fixture *f = arg;
	struct part_info pi;

	if (!f->p)
		return false;

	part_info(f->p, &pi);
	return f->call_up && pi.state == PART_JOINED;
}


static bool left(const void *arg)
{
	const struct fixture *f = arg;

	return f->nev && f->ev[f->nev - 1] == EV_PART_LEFT;
}


static bool call_closed(const void *arg)
{
	const struct fixture *f = arg;

	return f->call_closed;
}


static bool refused(const void *arg)
{
	const struct fixture *f = arg;

	return f->accept_err && f->call_closed;
}


static void call(struct fixture *f, const char *fmts, const char *rtpmap)
{
	struct mbuf *offer = sdp(1, fmts, rtpmap, "sendrecv");
	char to[64];

	re_snprintf(to, sizeof(to), "sip:r@%J", &f->uas.laddr);
	assert_int_equal(0, sipsess_connect(&f->call, f->uac.sock, to,
					    "Alice", "sip:alice@127.0.0.1",
					    "alice", NULL, 0,
					    "application/sdp", offer, NULL,
					    NULL, false, call_offer_h,
					    call_answer_h, NULL, call_estab_h,
					    NULL, NULL, call_close_h, f, NULL));
	mem_deref(offer);
}


static void join_pcmu(struct fixture *f)
{
	call(f, "0 101", "a=rtpmap:101 telephone-event/8000\r\n");
	assert_true(wait_for(f, joined));
	assert_int_equal(0, f->nev);   /* inbound: the room says joined */
}


static size_t count(const struct fixture *f, enum room_event ev)
{
	size_t n = 0;

	for (size_t i = 0; i < f->nev; i++)
		n += f->ev[i] == ev;

	return n;
}


/* INVITE, 200, ACK: joined, with what the caller offered; the caller's
 * BYE ends it, told once */
static void test_join_and_peer_hangup(void **state)
{
	struct fixture *f = *state;
	struct part_info pi;

	join_pcmu(f);
	part_info(f->p, &pi);
	assert_int_equal(7, pi.id);
	assert_int_equal(7, part_id(f->p));
	assert_string_equal("r", part_room(f->p));
	assert_non_null(part_leg(f->p));
	assert_string_equal("PCMU", pi.codec->name);
	assert_int_equal(20, pi.ptime);
	assert_string_equal("sip:alice@127.0.0.1", pi.uri);
	assert_string_equal("Alice", pi.display_name);
	assert_false(pi.dialout);
	assert_false(pi.held);
	assert_false(pi.muted);
	assert_string_equal("joined", part_state_name(pi.state));

	f->call = mem_deref(f->call);   /* BYE */
	assert_true(wait_for(f, left));
	assert_int_equal(1, count(f, EV_PART_LEFT));
	assert_string_equal("hung up", f->reason[f->nev - 1]);
	assert_null(f->p);
}


/* Controls and the DTMF menu: each change is told; "*6" toggles mute.
 * News from the media thread reaches the participant; a timeout hangs
 * it up, and the caller gets a BYE */
static void test_controls_and_news(void **state)
{
	struct fixture *f = *state;
	struct part_ctl ctl = {1, -1, true, -6.0};
	struct media_news n = {NEWS_DTMF, "r", 7, '*', 0};
	struct part_info pi;

	join_pcmu(f);

	assert_int_equal(0, part_control(f->p, &ctl));
	part_info(f->p, &pi);
	assert_true(pi.muted);
	assert_false(pi.deaf);
	assert_true(pi.gain_db < -5.9 && pi.gain_db > -6.1);
	assert_int_equal(EV_PART_UPDATED, f->ev[0]);
	assert_int_equal(EINVAL, part_control(f->p, NULL));

	part_news(f->p, &n);
	n.digit = '6';
	part_news(f->p, &n);
	part_info(f->p, &pi);
	assert_false(pi.muted);
	assert_int_equal(2, count(f, EV_PART_DTMF));
	assert_string_equal("*", f->reason[1]);
	assert_int_equal(2, count(f, EV_PART_UPDATED));

	n.type = NEWS_TALKING;
	part_news(f->p, &n);
	part_info(f->p, &pi);
	assert_true(pi.talking);
	assert_int_equal(EV_PART_TALKING, f->ev[f->nev - 1]);

	n.type = NEWS_TIMEOUT;
	part_news(f->p, &n);
	assert_null(f->p);
	assert_string_equal("rtp timeout", f->reason[f->nev - 1]);
	assert_true(wait_for(f, call_closed));
	assert_int_equal(1, count(f, EV_PART_LEFT));
}


static bool held(const void *arg)
{
	const struct fixture *f = arg;
	struct part_info pi;

	part_info(f->p, &pi);
	return pi.held;
}


static bool not_held(const void *arg)
{
	return !held(arg);
}


/* A re-INVITE that holds the call (RFC 3264 8.4), one that resumes it;
 * hung up from our side, the caller gets the BYE */
static void test_hold_and_kick(void **state)
{
	struct fixture *f = *state;
	struct mbuf *desc;

	join_pcmu(f);

	desc = sdp(2, "0", "", "sendonly");
	assert_int_equal(0, sipsess_modify(f->call, desc));
	mem_deref(desc);
	assert_true(wait_for(f, held));

	desc = sdp(3, "0", "", "sendrecv");
	assert_int_equal(0, sipsess_modify(f->call, desc));
	mem_deref(desc);
	assert_true(wait_for(f, not_held));

	part_hangup(f->p, "kicked");
	assert_null(f->p);
	assert_string_equal("kicked", f->reason[f->nev - 1]);
	assert_true(wait_for(f, call_closed));
	part_hangup(NULL, "nothing");
	assert_int_equal(1, count(f, EV_PART_LEFT));
}


/* No codec in common: part_accept refuses, nothing is made */
static void test_no_common_codec(void **state)
{
	struct fixture *f = *state;

	call(f, "99", "a=rtpmap:99 AMR/8000\r\n");
	assert_true(wait_for(f, refused));
	assert_int_equal(ENOTSUP, f->accept_err);
	assert_int_equal(488, f->call_scode);
	assert_null(f->p);
	assert_int_equal(0, f->nev);
}


int main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		/* the first SIP stack and sockets leave one-time state
		 * behind (libre's, the C library's): a first run,
		 * unchecked */
		cmocka_unit_test_setup_teardown(test_join_and_peer_hangup,
						setup, teardown),
		leak_test_setup_teardown(test_join_and_peer_hangup, setup,
					 teardown),
		leak_test_setup_teardown(test_controls_and_news, setup,
					 teardown),
		leak_test_setup_teardown(test_hold_and_kick, setup, teardown),
		leak_test_setup_teardown(test_no_common_codec, setup,
					 teardown),
	};
	int err;

	(void)argc;
	leak_init(argv);
	log_set_level(LOG_ERROR);

	err = libre_init();
	if (err)
		return err;

	err = cmocka_run_group_tests_name("part", tests, NULL, NULL);
	libre_close();

	return err;
}
