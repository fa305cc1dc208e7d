/**
 * @file vsel.c  Whose video a room shows
 *
 * Follow the talker, with two brakes so that a cough does not switch
 * everyone: a new talker takes the floor only after it has been the
 * loudest for settle_ms, and a source keeps the floor for hold_ms at
 * least. A talker who sends no video is passed over: the picture stays
 * on the last talker who has video. A pinned participant is shown
 * whoever talks, until unpinned or gone.
 */
#include <string.h>
#include <re.h>
#include "vsel.h"


void vsel_init(struct vsel *s, const struct vsel_prm *prm)
{
	memset(s, 0, sizeof(*s));
	s->prm = *prm;
}


static enum vsel_reason take(struct vsel *s, uint64_t id, uint64_t now_ms,
			     enum vsel_reason why)
{
	if (id == s->cur)
		return VSEL_NONE;

	s->prev = s->cur;
	s->cur = id;
	s->since_ms = now_ms;
	s->cand = 0;

	return why;
}


/**
 * The mixer's loudest talker of this tick
 *
 * @param s          Selection
 * @param talker     Its participant id, 0 for nobody talking
 * @param has_video  It sends video
 * @param now_ms     Now [ms, monotonic]
 *
 * @return VSEL_TALKER if it took the floor, else VSEL_NONE
 */
enum vsel_reason vsel_talker(struct vsel *s, uint64_t talker,
			     bool has_video, uint64_t now_ms)
{
	if (s->pinned || !talker || !has_video || talker == s->cur) {
		/* silence, or the floor's own voice, keeps the floor; a
		 * candidate must be the loudest without a break */
		if (talker != s->cand)
			s->cand = 0;
		return VSEL_NONE;
	}

	/* nobody shown yet: the first talker with video, at once */
	if (!s->cur)
		return take(s, talker, now_ms, VSEL_TALKER);

	if (talker != s->cand) {
		s->cand = talker;
		s->cand_ms = now_ms;
	}

	if (now_ms - s->cand_ms < s->prm.settle_ms ||
	    now_ms - s->since_ms < s->prm.hold_ms)
		return VSEL_NONE;

	return take(s, talker, now_ms, VSEL_TALKER);
}


/** Show id to everyone (it must send video), whoever talks */
enum vsel_reason vsel_pin(struct vsel *s, uint64_t id, uint64_t now_ms)
{
	s->pinned = id;
	return take(s, id, now_ms, VSEL_PINNED);
}


/** Follow the talker again; the pinned source keeps the floor until a
 * talker takes it */
void vsel_unpin(struct vsel *s)
{
	s->pinned = 0;
}


/**
 * A participant left, or stopped sending video
 *
 * @param s       Selection
 * @param id      Who
 * @param other   Another participant that sends video, 0 for none: the
 *                floor goes to it if neither the current source nor the
 *                previous one is left
 * @param now_ms  Now [ms, monotonic]
 *
 * @return VSEL_LEFT if the source shown changed
 */
enum vsel_reason vsel_gone(struct vsel *s, uint64_t id, uint64_t other,
			   uint64_t now_ms)
{
	uint64_t next;

	if (s->cand == id)
		s->cand = 0;
	if (s->pinned == id)
		s->pinned = 0;
	if (s->prev == id)
		s->prev = 0;

	if (s->cur != id || !id)
		return VSEL_NONE;

	if (other == id)
		other = 0;

	/* the one shown before comes back; it is shown the other */
	next = s->prev ? s->prev : other;
	s->cur = next;
	s->prev = other != next ? other : 0;
	s->since_ms = now_ms;
	s->cand = 0;

	return VSEL_LEFT;
}


/**
 * Nobody shown, or the one shown sees nobody: other (a participant that
 * sends video) fills the gap, so video shows before anyone talks
 *
 * @return true if the source shown changed
 */
bool vsel_fill(struct vsel *s, uint64_t other, uint64_t now_ms)
{
	if (!other || other == s->cur)
		return false;

	if (!s->cur) {
		take(s, other, now_ms, VSEL_TALKER);
		return true;
	}

	if (!s->prev)
		s->prev = other;

	return false;
}


/** The source a receiver should see, 0 for none */
uint64_t vsel_source_for(const struct vsel *s, uint64_t receiver)
{
	return receiver == s->cur ? s->prev : s->cur;
}
