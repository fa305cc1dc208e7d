/**
 * @file part.c  A fake participant: no SIP; joins at once, reports as the
 *               real one does
 */
#include <string.h>
#include <re.h>
#include "../../server/leg.h"
#include "../../server/part.h"
#include "fake.h"

int fake_part_fail;
unsigned fake_part_live;

struct part {
	struct part_prm prm;
	char room[ROOM_NAME_MAX + 1];
	enum part_state state;
	struct leg *leg;
	struct vleg *vleg;
	struct sdpneg_video video;
	bool muted, deaf, talking;
	double gain_db;
};


static void destructor(void *arg)
{
	struct part *p = arg;

	mem_deref(p->leg);
	mem_deref(p->vleg);
	fake_part_live--;
}


static void emit(struct part *p, enum room_event ev, const char *reason)
{
	if (p->prm.eh)
		p->prm.eh(p, ev, reason, p->prm.arg);
}


const struct sdpneg_video *fake_part_video_next;


static int part_new(struct part **pp, const struct part_prm *prm,
		    enum part_state state)
{
	struct part *p;
	int err;

	if (fake_part_fail)
		return fake_part_fail;

	p = mem_zalloc(sizeof(*p), destructor);
	if (!p)
		return ENOMEM;

	fake_part_live++;
	p->prm = *prm;
	str_ncpy(p->room, prm->room, sizeof(p->room));
	p->prm.room = p->room;
	p->state = state;

	if (fake_part_video_next) {
		p->video = *fake_part_video_next;
		fake_part_video_next = NULL;
	}

	err = leg_alloc(&p->leg, prm->wk, prm->leg, prm->id, NULL, NULL);
	if (!err)
		err = vleg_alloc(&p->vleg, prm->wk, prm->leg, prm->id);
	if (err)
		mem_deref(p);
	else
		*pp = p;

	return err;
}


int part_accept(struct part **pp, const struct part_prm *prm,
		struct sipsess_sock *sock, const struct sip_msg *msg,
		const char *contact)
{
	(void)sock;
	(void)msg;
	(void)contact;
	return part_new(pp, prm, PART_JOINED);
}


int part_connect(struct part **pp, const struct part_prm *prm,
		 struct sipsess_sock *sock, const char *uri,
		 const char *contact)
{
	(void)sock;
	(void)uri;
	(void)contact;
	return part_new(pp, prm, PART_RINGING);
}


/* A dial-out is answered */
void fake_part_answer(struct part *p)
{
	p->state = PART_JOINED;
	emit(p, EV_PART_JOINED, NULL);
}


void part_hangup(struct part *p, const char *reason)
{
	if (!p || p->state == PART_LEFT)
		return;

	p->state = PART_LEFT;
	emit(p, EV_PART_LEFT, reason);
	mem_deref(p);
}


int part_control(struct part *p, const struct part_ctl *ctl)
{
	if (ctl->muted >= 0)
		p->muted = ctl->muted;
	if (ctl->deaf >= 0)
		p->deaf = ctl->deaf;
	if (ctl->set_gain)
		p->gain_db = ctl->gain_db;
	emit(p, EV_PART_UPDATED, NULL);
	return 0;
}


void part_news(struct part *p, const struct media_news *n)
{
	char d[2] = {0, 0};

	if (!p || p->state == PART_LEFT)
		return;

	switch (n->type) {

	case NEWS_TALKING:
	case NEWS_SILENT:
		p->talking = n->type == NEWS_TALKING;
		emit(p, p->talking ? EV_PART_TALKING : EV_PART_SILENT, NULL);
		break;

	case NEWS_DTMF:
		d[0] = n->digit;
		emit(p, EV_PART_DTMF, d);
		break;

	case NEWS_TIMEOUT:
		part_hangup(p, "rtp timeout");
		break;

	default:
		break;
	}
}


void part_info(const struct part *p, struct part_info *info)
{
	memset(info, 0, sizeof(*info));
	info->id = p->prm.id;
	info->state = p->state;
	info->muted = p->muted;
	info->deaf = p->deaf;
	info->talking = p->talking;
	info->gain_db = p->gain_db;
	leg_stats(p->leg, &info->stats);
}


uint64_t part_srtp_failures(const struct part_info *pi)
{
	(void)pi;
	return 0;
}


void part_set_pin_wait(struct part *p, bool wait)
{
	(void)p;
	(void)wait;
}


uint64_t part_id(const struct part *p)
{
	return p ? p->prm.id : 0;
}


const char *part_room(const struct part *p)
{
	return p ? p->room : NULL;
}


struct leg *part_leg(const struct part *p)
{
	return p ? p->leg : NULL;
}


struct vleg *part_vleg(const struct part *p)
{
	return p ? p->vleg : NULL;
}


const struct sdpneg_video *part_video(const struct part *p)
{
	return &p->video;
}


/* The participant agreed video v (its room hears of it as an update) */
void fake_part_video(struct part *p, const struct sdpneg_video *v)
{
	p->video = *v;
	(void)vleg_start(p->vleg, v);
	emit(p, EV_PART_UPDATED, NULL);
}


const struct sdpneg_vwant *fake_part_vwant(const struct part *p)
{
	return p->prm.video;
}


const char *part_state_name(enum part_state st)
{
	return st == PART_LEFT ? "left" : "in";
}
