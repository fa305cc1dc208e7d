/**
 * @file leg.c  A fake leg: frames and packets the test sets, sends the
 *              test reads back
 */
#include <string.h>
#include <re.h>
#include "../../mixer/mixer.h"
#include "../../server/leg.h"
#include "../../server/part.h"
#include "fake.h"

struct leg {
	struct leg_prm prm;
	leg_event_h *eh;
	void *arg;
	const struct codec *codec;
	uint32_t ptime;
	struct leg_ctl ctl;
	bool hears;
	bool has_audio;
	int16_t frame[ROOM_FRAME];
	uint8_t pass[FAKE_PKT_MAX];
	size_t pass_len;
	struct fake_sent sent;
	struct leg_stats st;
	uint16_t port;
};


int leg_alloc(struct leg **legp, struct worker *wk,
	      const struct leg_prm *prm, uint64_t owner,
	      leg_event_h *eh, void *arg)
{
	static uint16_t port = 20000;
	struct leg *leg;

	(void)wk;
	(void)owner;
	if (!legp || !prm)
		return EINVAL;

	leg = mem_zalloc(sizeof(*leg), NULL);
	if (!leg)
		return ENOMEM;

	leg->prm = *prm;
	leg->eh = eh;
	leg->arg = arg;
	leg->ctl.gain_q12 = MIXER_GAIN_UNITY;
	leg->hears = true;
	leg->port = port += 2;
	*legp = leg;

	return 0;
}


uint16_t leg_port(const struct leg *leg)
{
	return leg->port;
}


int leg_start(struct leg *leg, const struct sdpneg_result *res)
{
	if (!leg || !res || !res->codec)
		return EINVAL;

	leg->codec = res->codec;
	leg->ptime = res->ptime;

	return 0;
}


int leg_control(struct leg *leg, const struct leg_ctl *ctl)
{
	leg->ctl = *ctl;
	return 0;
}


void leg_stats(const struct leg *leg, struct leg_stats *st)
{
	*st = leg->st;
}


const int16_t *leg_pull(struct leg *leg, bool talking)
{
	(void)talking;
	return leg->has_audio ? leg->frame : NULL;
}


bool leg_pass(const struct leg *leg, const uint8_t **pl, size_t *len)
{
	if (!leg->has_audio || !leg->pass_len)
		return false;

	*pl = leg->pass;
	*len = leg->pass_len;
	return true;
}


const struct leg_ctl *leg_ctl(const struct leg *leg)
{
	return &leg->ctl;
}


const struct codec *leg_codec(const struct leg *leg)
{
	return leg->codec;
}


uint32_t leg_ptime(const struct leg *leg)
{
	return leg->ptime;
}


bool leg_hears(const struct leg *leg)
{
	return leg->codec && leg->hears;
}


void leg_send(struct leg *leg, const uint8_t *pl, size_t len, uint32_t dur)
{
	size_t n = len < FAKE_PKT_MAX ? len : FAKE_PKT_MAX;

	leg->sent.pkts++;
	memcpy(leg->sent.last, pl, n);
	leg->sent.last_len = len;
	leg->sent.last_dur = dur;
}


int leg_encode(struct leg *leg, const int16_t *pcm)
{
	(void)pcm;
	leg->sent.encodes++;
	return 0;
}


void leg_skip(struct leg *leg, uint64_t periods)
{
	leg->sent.skipped += periods;
}


void leg_publish(struct leg *leg)
{
	(void)leg;
}


void fake_leg_media(struct leg *leg, const struct codec *c, uint32_t ptime)
{
	leg->codec = c;
	leg->ptime = ptime;
}


/* A steady frame of this amplitude (0: no audio), which came in as
 * packet (NULL: concealed, no packet to forward) */
void fake_leg_audio(struct leg *leg, int16_t amplitude, const char *packet)
{
	leg->has_audio = amplitude != 0;
	for (size_t i = 0; i < ROOM_FRAME; i++)
		leg->frame[i] = (int16_t)(i % 2 ? amplitude : -amplitude);

	leg->pass_len = packet ? strlen(packet) : 0;
	if (packet)
		memcpy(leg->pass, packet, leg->pass_len);
}


void fake_leg_hears(struct leg *leg, bool hears)
{
	leg->hears = hears;
}


const struct fake_sent *fake_leg_sent(const struct leg *leg)
{
	return &leg->sent;
}


void fake_leg_clear(struct leg *leg)
{
	memset(&leg->sent, 0, sizeof(leg->sent));
}


void fake_leg_stats(struct leg *leg, uint64_t pkts_in, uint64_t pkts_out,
		    uint64_t lost)
{
	leg->st.pkts_in = pkts_in;
	leg->st.pkts_out = pkts_out;
	leg->st.lost = lost;
}


void fake_leg_event(struct leg *leg, enum leg_event_type type, char digit)
{
	struct leg_event ev = {type, digit};

	if (leg->eh)
		leg->eh(&ev, leg->arg);
}
