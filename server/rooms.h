/**
 * @file rooms.h  The room manager: names, limits, lifecycle
 *
 * The manager owns the rooms and is the one place that ends them: on the
 * API's delete, at shutdown, and when an INVITE-made room is left empty.
 * Main thread.
 */

#ifndef CHORUS_ROOMS_H
#define CHORUS_ROOMS_H

#include <re.h>
#include "room.h"

struct config;
struct part;
struct rooms;
struct workers;

typedef void (rooms_event_h)(enum room_event ev, const struct room *room,
			     const struct part *part, const char *reason,
			     void *arg);
typedef int (rooms_change_h)(const struct rooms *mgr, void *arg);

/* Counters for /metrics (main thread) */
struct rooms_stats {
	uint64_t pkts_in_gone;               /* RTP in, departed callers  */
	uint64_t pkts_out_gone;              /* RTP out, departed callers */
	uint64_t lost_gone;                  /* lost, departed callers    */
	uint64_t srtp_fail_gone;             /* SRTP failing authentication
					      * or replayed, departed     */
	uint64_t joins;                      /* participants ever joined  */
	struct rvid_stats video_gone;        /* video, of ended rooms     */
};

int  rooms_alloc(struct rooms **mgrp, const struct config *cfg,
		 struct workers *ws);
int  rooms_create(struct rooms *mgr, const char *name,
		  const struct room_prm *prm, struct room **roomp);
int  rooms_create_auto(struct rooms *mgr, const char *name,
		       struct room **roomp);
int  rooms_update(struct rooms *mgr, struct room *room,
		  const struct room_prm *prm);
int  rooms_restore(struct rooms *mgr, const char *name,
		   const struct room_prm *prm, uint64_t created_at);
int  rooms_delete(struct rooms *mgr, const char *name);
bool rooms_end_if_idle(struct rooms *mgr, struct room *room);
void rooms_close_all(struct rooms *mgr);
int  rooms_accept(struct rooms *mgr, struct room *room,
		  struct sipsess_sock *sock, const struct sip_msg *msg,
		  const char *contact);
int  rooms_dial(struct rooms *mgr, struct room *room,
		struct sipsess_sock *sock, const char *uri,
		const char *contact, struct part **pp);
void rooms_news(struct rooms *mgr, const void *news, size_t len);
void rooms_set_handlers(struct rooms *mgr, rooms_event_h *evh,
			rooms_change_h *chgh, void *arg);

struct room *rooms_find(const struct rooms *mgr, const char *name);
const struct list *rooms_list(const struct rooms *mgr);
uint32_t rooms_part_count(const struct rooms *mgr);
const struct rooms_stats *rooms_stats(const struct rooms *mgr);
struct workers *rooms_workers(const struct rooms *mgr);
bool rooms_name_valid(const char *name);
bool rooms_has_users(const struct rooms *mgr);
void rooms_set_dtls(struct rooms *mgr, struct tls *dtls, const char *fp);
const char *rooms_dtls_fp(const struct rooms *mgr);
void rooms_default_prm(const struct rooms *mgr, struct room_prm *prm);

#endif
