/**
 * @file talk.c  Talker selection: top-K by energy, with hysteresis
 *
 * A channel is a candidate when it has audio, is not muted and its energy
 * (after gain) is above the speech threshold. The set holds at most K
 * talkers. Hysteresis, so that the set does not flap:
 *
 *  - a talker keeps its place for TALK_HANG ticks after it falls silent
 *    or while a candidate outscores it; speaking again unchallenged
 *    restores the full hang;
 *  - a candidate takes a free place at once, but outscores a talker only
 *    with more than TALK_MARGIN times its energy; the strongest
 *    candidates are paired with the weakest talkers;
 *  - a muted talker leaves at once; one without audio this tick is
 *    silent and keeps its place for the hang, like any silent talker.
 *
 * Ties are broken by position in the channel vector, so the result is
 * deterministic. Cost: O(N log K) per tick.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include "mixer/talk.h"


/* true if a ranks above b: more energy, or first in chv on a tie */
static inline bool better(const struct talk_ent *a, const struct talk_ent *b)
{
	if (a->e != b->e)
		return a->e > b->e;

	return a->idx < b->idx;
}


static int cmp_best_first(const void *a, const void *b)
{
	return better(a, b) ? -1 : better(b, a) ? 1 : 0;
}


static int cmp_worst_first(const void *a, const void *b)
{
	return -cmp_best_first(a, b);
}


static void swap(struct talk_ent *a, struct talk_ent *b)
{
	struct talk_ent t = *a;

	*a = *b;
	*b = t;
}


/* Keep the best m entries of a stream in a min-heap (worst at the root) */
static void heap_offer(struct talk_ent *hv, size_t *np, size_t m,
		       const struct talk_ent *e)
{
	size_t i, c, n = *np;

	if (n < m) {
		hv[n] = *e;
		for (i = n; i && better(&hv[(i - 1) / 2], &hv[i]);
		     i = (i - 1) / 2)
			swap(&hv[i], &hv[(i - 1) / 2]);
		*np = n + 1;
		return;
	}

	if (!m || !better(e, &hv[0]))
		return;

	hv[0] = *e;
	for (i = 0; (c = 2 * i + 1) < n; i = c) {

		if (c + 1 < n && better(&hv[c], &hv[c + 1]))
			++c;

		if (!better(&hv[i], &hv[c]))
			break;

		swap(&hv[i], &hv[c]);
	}
}


static void admit(struct talk_ent *e)
{
	e->admitted = true;
	e->ch->talker = true;
	e->ch->hang = TALK_HANG;
}


static void leave(struct mixer_chan *ch)
{
	ch->talker = false;
	ch->hang = 0;
}


/**
 * Start a tick's selection
 *
 * @param tk           Selection state, reserved for the channels
 * @param thresh       Speech threshold [energy per frame]
 * @param talkers_max  K, or MIXER_TALKERS_ALL
 */
void mix_talk_begin(struct talk *tk, uint64_t thresh,
		    uint32_t talkers_max)
{
	tk->k = talkers_max && talkers_max < TALK_MAX ? talkers_max
						      : TALK_MAX;
	tk->thresh = thresh;
	tk->ninc = 0;
	tk->nnew = 0;
	tk->talkc = 0;
}


/**
 * Offer a candidate: kept if among the best K seen so far this tick
 *
 * @param tk  Selection state
 * @param e   Candidate, not a talker of the last tick
 */
void mix_talk_offer(struct talk *tk, const struct talk_ent *e)
{
	heap_offer(tk->newv, &tk->nnew, tk->k, e);
}


/* Pair the strongest remaining candidates with the weakest talkers */
static void challenge(struct talk_ent *incv, size_t ninc,
		      const struct talk_ent *newv, size_t j, size_t nnew)
{
	size_t i;

	for (i = 0; i < ninc && j < nnew; i++, j++) {

		if (newv[j].e / TALK_MARGIN <= incv[i].e)
			break;

		incv[i].peer = (int32_t)j;
	}
}


/* Run the hang counters; a talker whose hang ran out leaves, and its
 * challenger, if any, takes its place. Returns the talkers kept. */
static size_t hold(struct talk_ent *incv, size_t ninc, struct talk_ent *newv)
{
	size_t i, cnt = 0;

	for (i = 0; i < ninc; i++) {
		struct talk_ent *e = &incv[i];

		if (e->active && e->peer < 0) {
			e->ch->hang = TALK_HANG;
		}
		else if (e->ch->hang) {
			--e->ch->hang;
		}
		else {
			leave(e->ch);
			if (e->peer >= 0)
				admit(&newv[e->peer]);
			continue;
		}

		++cnt;
	}

	return cnt;
}


static int cmp_idx(const void *a, const void *b)
{
	const struct mixer_chan *const *x = a, *const *y = b;

	return (*x)->slot < (*y)->slot ? -1 : (*x)->slot > (*y)->slot;
}


/* The talkers, in channel vector order (deterministic slots) */
static void result(struct talk *tk, const struct talk_ent *incv, size_t ninc)
{
	size_t i;

	for (i = 0; i < ninc; i++) {
		if (incv[i].ch->talker) {
			incv[i].ch->slot = incv[i].idx;
			tk->talkv[tk->talkc++] = incv[i].ch;
		}
	}

	for (i = 0; i < tk->nnew; i++) {
		if (tk->newv[i].admitted) {
			tk->newv[i].ch->slot = tk->newv[i].idx;
			tk->talkv[tk->talkc++] = tk->newv[i].ch;
		}
	}

	if (tk->talkc > 1)
		qsort(tk->talkv, tk->talkc, sizeof(*tk->talkv), cmp_idx);
}


/**
 * Select this tick's talkers, once every channel has been added
 *
 * @param tk  Selection state
 *
 * Updates talker and hang of the channels added and fills tk->talkv. The
 * slot of each talker holds its index in the channel vector.
 */
void mix_talk_end(struct talk *tk)
{
	struct talk_ent *incv = tk->incv, *newv = tk->newv;
	size_t j, ninc = tk->ninc, nnew = tk->nnew, k = tk->k, cnt;

	/* qsort() must not see the NULL arrays of an empty room */
	if (ninc > 1)
		qsort(incv, ninc, sizeof(*incv), cmp_worst_first);
	if (nnew > 1)
		qsort(newv, nnew, sizeof(*newv), cmp_best_first);

	/* K lowered since the last tick: the weakest leave at once */
	for (; ninc > k; ninc--)
		leave((incv++)->ch);

	/* free places first, without margin */
	for (j = 0; j < nnew && j < k - ninc; j++)
		admit(&newv[j]);

	challenge(incv, ninc, newv, j, nnew);
	cnt = hold(incv, ninc, newv);

	/* places freed by talkers whose hang ran out, best first */
	for (j = 0; j < nnew; j++)
		cnt += newv[j].admitted;

	for (j = 0; j < nnew && cnt < k; j++) {

		if (newv[j].admitted)
			continue;

		admit(&newv[j]);
		++cnt;
	}

	result(tk, incv, ninc);
}


/**
 * Make room for n channels
 *
 * @param tk  Selection state
 * @param n   Number of channels
 *
 * @return 0 if success, ENOMEM
 */
int mix_talk_reserve(struct talk *tk, size_t n)
{
	struct talk_ent *incv, *newv;
	struct mixer_chan **talkv;

	if (n <= tk->cap)
		return 0;

	incv  = realloc(tk->incv, n * sizeof(*incv));
	if (incv)
		tk->incv = incv;
	newv  = realloc(tk->newv, n * sizeof(*newv));
	if (newv)
		tk->newv = newv;
	talkv = realloc(tk->talkv, n * sizeof(*talkv));
	if (talkv)
		tk->talkv = talkv;

	if (!incv || !newv || !talkv)
		return ENOMEM;

	tk->cap = n;

	return 0;
}


/**
 * Free the selection state
 *
 * @param tk  Selection state
 */
void mix_talk_release(struct talk *tk)
{
	free(tk->incv);
	free(tk->newv);
	free(tk->talkv);
	tk->incv = NULL;
	tk->newv = NULL;
	tk->talkv = NULL;
	tk->cap = 0;
}
