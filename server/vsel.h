/**
 * @file vsel.h  Whose video a room shows: follow the talker, or a pinned
 *               participant
 *
 * Pure: the room tells it who talks and who leaves, with the time; it
 * says which source each receiver should see. The current source shows
 * the one before it (a talker sees the previous talker, not itself).
 */

#ifndef CHORUS_VSEL_H
#define CHORUS_VSEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vsel_prm {
	uint32_t hold_ms;            /* a source keeps the floor this long
				      * at least                         */
	uint32_t settle_ms;          /* a new talker is the loudest this
				      * long before it takes the floor   */
};

enum vsel_reason {
	VSEL_NONE = 0,               /* nothing changed                   */
	VSEL_TALKER,                 /* the talker took the floor         */
	VSEL_PINNED,                 /* the API pinned a participant      */
	VSEL_LEFT,                   /* the source left, or stopped video */
};

struct vsel {
	struct vsel_prm prm;
	uint64_t cur;                /* the source shown, 0: none         */
	uint64_t prev;               /* what cur itself is shown          */
	uint64_t since_ms;           /* when cur took the floor           */
	uint64_t cand;               /* the talker waiting to take it     */
	uint64_t cand_ms;            /* since when it is the loudest      */
	uint64_t pinned;             /* 0: follow the talker              */
};

void vsel_init(struct vsel *s, const struct vsel_prm *prm);
enum vsel_reason vsel_talker(struct vsel *s, uint64_t talker,
			     bool has_video, uint64_t now_ms);
enum vsel_reason vsel_pin(struct vsel *s, uint64_t id, uint64_t now_ms);
void vsel_unpin(struct vsel *s);
enum vsel_reason vsel_gone(struct vsel *s, uint64_t id, uint64_t other,
			   uint64_t now_ms);
bool vsel_fill(struct vsel *s, uint64_t other, uint64_t now_ms);
uint64_t vsel_source_for(const struct vsel *s, uint64_t receiver);

#endif
