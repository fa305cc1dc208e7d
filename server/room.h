/**
 * @file room.h  Rooms and the room manager
 *
 * The manager owns the rooms. A participant holds a reference to its room;
 * the room keeps a non-owning list of its participants, from which each
 * participant unlinks itself when it leaves.
 */

struct mixer;
struct part;

enum {
	ROOM_NAME_MAX = 64,                       /* [chars] */
	ROOM_FRAME = ROOM_SRATE / 1000 * 20,      /* samples per tick */
	ROOM_TICK_MS = 20,                        /* [ms] */
};

struct room_prm {
	uint32_t max_participants;
	uint32_t talkers_max;        /* 0 = all */
};

struct room {
	struct le le;                /* in the manager's list            */
	struct rooms *mgr;           /* owner (not a reference)          */
	char name[ROOM_NAME_MAX + 1];
	struct room_prm prm;
	uint64_t created_at;         /* [unix ms]                        */
	struct list parts;           /* struct part, not owned           */
	struct mixer *mix;
	struct list grps;            /* shared encoders (struct encgrp)  */
	uint64_t ticks;              /* ticks mixed                      */
	uint32_t encodes_tick;       /* encodes in the last tick         */
	uint32_t talkers_tick;       /* talkers in the last tick         */
	bool closing;                /* being deleted                    */
};

struct rooms;

int  rooms_alloc(struct rooms **mgrp, const struct config *cfg);
int  rooms_create(struct rooms *mgr, const char *name,
		  const struct room_prm *prm, struct room **roomp);
int  rooms_delete(struct rooms *mgr, const char *name);
struct room *rooms_find(const struct rooms *mgr, const char *name);
const struct list *rooms_list(const struct rooms *mgr);
void rooms_close_all(struct rooms *mgr);
uint32_t rooms_part_count(const struct rooms *mgr);
struct part *rooms_find_part(const struct rooms *mgr, uint64_t id);
uint64_t rooms_next_part_id(struct rooms *mgr);
const struct config *rooms_config(const struct rooms *mgr);
bool rooms_name_valid(const char *name);
void rooms_default_prm(const struct rooms *mgr, struct room_prm *prm);

void room_tick(struct room *room);
void room_add_part(struct room *room, struct part *p);
bool room_full(const struct room *room);
uint32_t room_part_count(const struct room *room);
