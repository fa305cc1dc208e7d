/**
 * @file ratelim.c  Failures counted per source address; too many in a
 *                  window block the source for a while
 *
 * The address alone is the key, not the port (a scanner such as
 * sipvicious sends from a new port now and then); an IPv4-mapped IPv6
 * address counts as the IPv4 one. Each source keeps the times of its last
 * burst + 1 failures, so the window slides: burst + 1 failures less than
 * window_ms apart start a block. The table is fixed at start: a new source
 * when it is full takes the entry of the source seen least recently.
 */
#include <string.h>
#include <re.h>
#include "ratelim.h"

enum {
	BURST_MAX = 1000,
	SIZE_MAX_ = 1u << 20,
};

struct rl_src {
	struct le he;                /* in ratelim.ht                     */
	struct le le;                /* in ratelim.lru or ratelim.spare   */
	struct sa addr;              /* port 0                            */
	uint64_t *times;             /* last failures, a ring [ms]        */
	uint32_t n;                  /* failures in times                 */
	uint32_t next;               /* where the next one goes           */
	uint64_t blocked_until;      /* [ms]                              */
};

struct ratelim {
	struct ratelim_prm prm;
	struct rl_src *srcs;         /* prm.size of them                  */
	uint64_t *times;             /* prm.size * (prm.burst + 1)        */
	struct hash *ht;             /* struct rl_src in use, by address  */
	struct list lru;             /* in use, least recently seen first */
	struct list spare;           /* not in use                        */
	uint64_t blocks;             /* blocks started                    */
};


static void destructor(void *arg)
{
	struct ratelim *rl = arg;

	/* the entries are one array, not mem objects: unlink only */
	hash_clear(rl->ht);
	list_clear(&rl->lru);
	list_clear(&rl->spare);
	mem_deref(rl->ht);
	mem_deref(rl->times);
	mem_deref(rl->srcs);
}


/**
 * Make a failure limiter
 *
 * @param rlp  Set to the limiter (a mem object)
 * @param prm  burst (at most 1000), window_ms, block_ms (not 0) and size
 *             (1 to 2^20 sources)
 *
 * @return 0, EINVAL or ENOMEM
 */
int ratelim_alloc(struct ratelim **rlp, const struct ratelim_prm *prm)
{
	struct ratelim *rl;
	uint32_t ring;
	int err;

	if (!rlp || !prm || !prm->size || prm->size > SIZE_MAX_ ||
	    prm->burst > BURST_MAX || !prm->window_ms || !prm->block_ms)
		return EINVAL;

	rl = mem_zalloc(sizeof(*rl), destructor);
	if (!rl)
		return ENOMEM;

	rl->prm = *prm;
	ring = prm->burst + 1;

	rl->srcs = mem_zalloc(prm->size * sizeof(*rl->srcs), NULL);
	rl->times = mem_zalloc((size_t)prm->size * ring * sizeof(*rl->times),
			       NULL);
	if (!rl->srcs || !rl->times) {
		err = ENOMEM;
		goto out;
	}

	err = hash_alloc(&rl->ht, hash_valid_size(prm->size));
	if (err)
		goto out;

	for (uint32_t i = 0; i < prm->size; i++) {
		struct rl_src *s = &rl->srcs[i];

		s->times = &rl->times[(size_t)i * ring];
		list_append(&rl->spare, &s->le, s);
	}

 out:
	if (err)
		mem_deref(rl);
	else
		*rlp = rl;

	return err;
}


/* The address without the port; false if not IPv4 or IPv6 */
static bool src_key(struct sa *key, const struct sa *src)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
					   0xff, 0xff};
	uint8_t a6[16];

	if (!src)
		return false;

	switch (sa_af(src)) {

	case AF_INET:
		sa_set_in(key, sa_in(src), 0);
		return true;

	case AF_INET6:
		sa_in6(src, a6);
		if (!memcmp(a6, mapped, sizeof(mapped))) {
			uint32_t a4;

			memcpy(&a4, a6 + 12, sizeof(a4));
			sa_set_in(key, ntohl(a4), 0);
		}
		else {
			sa_set_in6(key, a6, 0);
		}
		return true;

	default:
		return false;
	}
}


static bool src_cmp(struct le *le, void *arg)
{
	const struct rl_src *s = le->data;

	return sa_cmp(&s->addr, arg, SA_ADDR);
}


static struct rl_src *src_find(const struct ratelim *rl, const struct sa *key)
{
	return list_ledata(hash_lookup(rl->ht, sa_hash(key, SA_ADDR), src_cmp,
				       (void *)key));
}


static void src_release(struct ratelim *rl, struct rl_src *s)
{
	hash_unlink(&s->he);
	list_unlink(&s->le);
	list_append(&rl->spare, &s->le, s);
}


/* The entry of a source, a new one if need be; now the most recent */
static struct rl_src *src_get(struct ratelim *rl, const struct sa *key)
{
	struct rl_src *s = src_find(rl, key);

	if (!s) {
		struct le *le = list_head(&rl->spare);

		if (!le)
			le = list_head(&rl->lru);   /* full: the stalest */

		s = le->data;
		hash_unlink(&s->he);

		s->addr = *key;
		s->n = 0;
		s->next = 0;
		s->blocked_until = 0;
		hash_append(rl->ht, sa_hash(key, SA_ADDR), &s->he, s);
	}

	list_unlink(&s->le);
	list_append(&rl->lru, &s->le, s);

	return s;
}


/**
 * Is a source blocked now?
 *
 * @param rl      The limiter
 * @param src     The source (the port is ignored)
 * @param now_ms  The time [ms]
 *
 * @return true if blocked; a blocked source is then the most recent one
 */
bool ratelim_blocked(struct ratelim *rl, const struct sa *src,
		     uint64_t now_ms)
{
	struct rl_src *s;
	struct sa key;

	if (!rl || !src_key(&key, src))
		return false;

	s = src_find(rl, &key);
	if (!s || now_ms >= s->blocked_until)
		return false;

	/* one that keeps trying stays in the table */
	list_unlink(&s->le);
	list_append(&rl->lru, &s->le, s);

	return true;
}


/**
 * Count a failure of a source (a wrong password, an unknown user)
 *
 * @param rl      The limiter
 * @param src     The source (the port is ignored)
 * @param now_ms  The time [ms], never going back
 *
 * @return true if this failure starts a block: more than burst failures
 *         within window_ms. A failure while blocked counts for nothing.
 */
bool ratelim_fail(struct ratelim *rl, const struct sa *src, uint64_t now_ms)
{
	uint32_t ring;
	uint64_t oldest;
	struct rl_src *s;
	struct sa key;

	if (!rl || !src_key(&key, src))
		return false;

	s = src_get(rl, &key);
	if (now_ms < s->blocked_until)
		return false;

	ring = rl->prm.burst + 1;
	s->times[s->next] = now_ms;
	s->next = (s->next + 1) % ring;
	if (s->n < ring)
		++s->n;

	if (s->n < ring)
		return false;

	oldest = s->times[s->next];  /* the ring is full: next is oldest */
	if (now_ms >= oldest && now_ms - oldest >= rl->prm.window_ms)
		return false;

	s->blocked_until = now_ms + rl->prm.block_ms;
	s->n = 0;
	s->next = 0;
	++rl->blocks;

	return true;
}


/**
 * Forget a source's failures, and a block if it had one (a request of it
 * was authenticated)
 *
 * @param rl   The limiter
 * @param src  The source (the port is ignored)
 */
void ratelim_ok(struct ratelim *rl, const struct sa *src)
{
	struct rl_src *s;
	struct sa key;

	if (!rl || !src_key(&key, src))
		return;

	s = src_find(rl, &key);
	if (s)
		src_release(rl, s);
}


/**
 * The number of blocks started, for /metrics
 */
uint64_t ratelim_blocks(const struct ratelim *rl)
{
	return rl ? rl->blocks : 0;
}


/**
 * The number of sources remembered (at most prm.size)
 */
uint32_t ratelim_count(const struct ratelim *rl)
{
	return rl ? list_count(&rl->lru) : 0;
}
