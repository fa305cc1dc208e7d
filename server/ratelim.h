/**
 * @file ratelim.h  Failures counted per source address; a source with too
 *                  many in a window is blocked for a while
 *
 * Pure and bounded: a fixed table, the oldest entry reused when full.
 * Main thread only.
 */

#ifndef CHORUS_RATELIM_H
#define CHORUS_RATELIM_H

#include <re.h>

struct ratelim;

struct ratelim_prm {
	uint32_t burst;              /* failures allowed in a window      */
	uint32_t window_ms;          /* the window [ms]                   */
	uint32_t block_ms;           /* then blocked this long [ms]       */
	uint32_t size;               /* sources remembered                */
};

int  ratelim_alloc(struct ratelim **rlp, const struct ratelim_prm *prm);
bool ratelim_blocked(struct ratelim *rl, const struct sa *src,
		     uint64_t now_ms);
bool ratelim_fail(struct ratelim *rl, const struct sa *src,
		  uint64_t now_ms);
void ratelim_ok(struct ratelim *rl, const struct sa *src);
uint64_t ratelim_blocks(const struct ratelim *rl);
uint32_t ratelim_count(const struct ratelim *rl);

#endif
