/**
 * @file test_sipd.c  The SIP front routes INVITEs to rooms, within their
 *                    limits, and answers what it refuses (fake
 *                    participants; a real SIP caller on loopback)
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <re.h>
#include "server/cfg.h"
#include "server/log.h"
#include "server/rooms.h"
#include "server/sipd.h"
#include "fake/fake.h"
#include "leak.h"
#include "wait.h"

enum {
	WAIT_MS = 3000,
};

struct fixture {
	struct config cfg;
	struct rooms *mgr;
	struct sipd *sipd;
	struct dnsc *dnsc;
	struct sip *sip;             /* the caller's stack */
	struct sipsess_sock *sock;
	struct sipsess *call;
	uint16_t scode;              /* the final response it got */
	const char *room;            /* for in_room()             */
};

static const char offer_text[] =
	"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
	"t=0 0\r\nm=audio 40000 RTP/AVP 0\r\n";


static void conn_h(const struct sip_msg *msg, void *arg)
{
	struct fixture *f = arg;

	(void)sip_treply(NULL, f->sip, msg, 486, "Busy Here");
}


static int setup(void **state)
{
	struct fixture *f = test_calloc(1, sizeof(*f));
	struct sa any;

	if (!f)
		return -1;

	sa_set_str(&f->cfg.sip, "127.0.0.1", 35000 + getpid() % 2000);
	sa_set_str(&f->cfg.advertise, "127.0.0.1", 0);
	f->cfg.max_participants = 10;
	f->cfg.talkers_max = 3;
	fake_part_fail = 0;

	sa_set_str(&any, "127.0.0.1", 0);
	if (rooms_alloc(&f->mgr, &f->cfg, NULL) ||
	    sipd_alloc(&f->sipd, &f->cfg, f->mgr) ||
	    dnsc_alloc(&f->dnsc, NULL, NULL, 0) ||
	    sip_alloc(&f->sip, f->dnsc, 32, 32, 32, "test", NULL, NULL) ||
	    sip_transp_add(f->sip, SIP_TRANSP_UDP, &any) ||
	    sipsess_listen(&f->sock, f->sip, 32, conn_h, f))
		return -1;

	*state = f;
	return 0;
}


static int teardown(void **state)
{
	struct fixture *f = *state;

	f->call = mem_deref(f->call);
	f->sock = mem_deref(f->sock);
	sip_close(f->sip, true);
	mem_deref(f->sip);
	mem_deref(f->dnsc);
	mem_deref(f->mgr);    /* hangs up the (fake) participants */
	mem_deref(f->sipd);
	assert_int_equal(0, fake_part_live);
	test_free(f);

	return 0;
}


/* Run the loop until cond holds, at most WAIT_MS */
static bool wait_for(struct fixture *f, wait_cond_h *cond)
{
	return wait_until(cond, f, WAIT_MS);
}


static int answer_h(const struct sip_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return 0;
}


static int offer_h(struct mbuf **descp, const struct sip_msg *msg,
		   void *arg)
{
	(void)descp;
	(void)msg;
	(void)arg;
	return 0;
}


static void estab_h(const struct sip_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
}


static void close_h(int err, const struct sip_msg *msg, void *arg)
{
	struct fixture *f = arg;

	f->scode = msg ? msg->scode : (err ? 1 : 0);
	f->call = mem_deref(f->call);
}


/* INVITE sip:USER@chorusd */
static void invite(struct fixture *f, const char *user)
{
	struct mbuf *offer = mbuf_alloc(256);
	char to[96];

	assert_non_null(offer);
	(void)mbuf_write_str(offer, offer_text);
	offer->pos = 0;

	f->call = mem_deref(f->call);
	f->scode = 0;
	re_snprintf(to, sizeof(to), "sip:%s@%J", user, &f->cfg.sip);
	assert_int_equal(0, sipsess_connect(&f->call, f->sock, to, "Alice",
					    "sip:alice@127.0.0.1", "alice",
					    NULL, 0, "application/sdp", offer,
					    NULL, NULL, false, offer_h,
					    answer_h, NULL, estab_h, NULL,
					    NULL, close_h, f, NULL));
	mem_deref(offer);
}


static bool answered(const void *arg)
{
	const struct fixture *f = arg;

	return f->scode != 0;
}


static bool in_room(const void *arg)
{
	const struct fixture *f = arg;
	const struct room *room = rooms_find(f->mgr, f->room);

	return room && room_part_count(room) > 0;
}


static uint16_t refusal(struct fixture *f, const char *user)
{
	invite(f, user);
	assert_true(wait_for(f, answered));
	return f->scode;
}


/* Known rooms take callers, unknown ones are 404 unless INVITEs make
 * rooms; a name that is no room name is 404 either way */
static void test_routing(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(404, refusal(f, "nowhere"));
	assert_null(rooms_find(f->mgr, "nowhere"));

	assert_int_equal(0, rooms_create(f->mgr, "demo", NULL, NULL));
	invite(f, "demo");
	f->room = "demo";
	assert_true(wait_for(f, in_room));

	f->cfg.auto_create = true;
	invite(f, "fresh");
	f->room = "fresh";
	assert_true(wait_for(f, in_room));

	assert_int_equal(404, refusal(f, "a%25b"));
	assert_int_equal(3 - 1, list_count(rooms_list(f->mgr)));
}


/* Locked: 403; full: 486; no codec in common: 488, and a room the INVITE
 * made for itself goes again */
static void test_refusals(void **state)
{
	struct fixture *f = *state;
	struct room_prm prm = {.max_participants = 1, .talkers_max = 3,
				 .locked = true};
	struct room *room = NULL;

	assert_int_equal(0, rooms_create(f->mgr, "locked", &prm, &room));
	assert_int_equal(403, refusal(f, "locked"));

	prm.locked = false;
	assert_int_equal(0, rooms_update(f->mgr, room, &prm));
	invite(f, "locked");
	f->room = "locked";
	assert_true(wait_for(f, in_room));

	/* (the fake never answers: the next INVITE cancels this one) */
	assert_int_equal(486, refusal(f, "locked"));

	f->cfg.auto_create = true;
	fake_part_fail = ENOTSUP;
	assert_int_equal(488, refusal(f, "made"));
	assert_null(rooms_find(f->mgr, "made"));
	fake_part_fail = EADDRINUSE;
	assert_int_equal(503, refusal(f, "made"));
	assert_null(rooms_find(f->mgr, "made"));
	fake_part_fail = 0;
}


/* Dial-out takes sip: and sips: URIs only, within the room's limit */
static void test_dial(void **state)
{
	struct fixture *f = *state;
	struct room_prm prm = {.max_participants = 1, .talkers_max = 3};
	struct room *room = NULL;
	struct part *p = NULL;

	assert_int_equal(0, rooms_create(f->mgr, "out", &prm, &room));
	assert_int_equal(EPROTO, sipd_dial(f->sipd, room, "http://x", &p));
	assert_int_equal(EPROTO, sipd_dial(f->sipd, room, "sip:", &p));
	assert_int_equal(0, sipd_dial(f->sipd, room, "sip:bob@127.0.0.1",
				      &p));
	assert_ptr_equal(p, room_part(room, part_id(p)));
	assert_int_equal(EBUSY, sipd_dial(f->sipd, room,
					  "sip:carol@127.0.0.1", &p));

	/* no certificate, no TLS: a sips: or transport=tls URI cannot be
	 * called, and says so */
	assert_int_equal(EPROTONOSUPPORT, sipd_dial(f->sipd, room,
						    "sips:carol@127.0.0.1",
						    &p));
	assert_int_equal(EPROTONOSUPPORT,
			 sipd_dial(f->sipd, room,
				   "sip:carol@127.0.0.1;transport=tls", &p));
}


/* The one errno -> SIP mapping */
static void test_status(void **state)
{
	const char *reason;

	(void)state;
	assert_int_equal(404, sipd_status(ENOENT, &reason));
	assert_string_equal("Not Found", reason);
	assert_int_equal(486, sipd_status(EBUSY, &reason));
	assert_int_equal(488, sipd_status(ENOTSUP, &reason));
	assert_int_equal(403, sipd_status(EACCES, &reason));
	assert_int_equal(503, sipd_status(EADDRINUSE, &reason));
	assert_int_equal(500, sipd_status(EDOM, &reason));
	assert_string_equal("Server Internal Error", reason);
}


int main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		/* the first SIP stacks leave one-time state behind (libre's,
		 * the C library's): a first run, unchecked */
		cmocka_unit_test_setup_teardown(test_routing, setup,
						teardown),
		leak_test_setup_teardown(test_routing, setup, teardown),
		leak_test_setup_teardown(test_refusals, setup, teardown),
		leak_test_setup_teardown(test_dial, setup, teardown),
		leak_test(test_status),
	};
	int err;

	(void)argc;
	leak_init(argv);
	log_set_level(LOG_ERROR + 1);

	err = libre_init();
	if (err)
		return err;

	err = cmocka_run_group_tests_name("sipd", tests, NULL, NULL);
	libre_close();

	return err;
}
