/**
 * @file sipd.h  The SIP front: transports, request screening, INVITE routing
 */

#ifndef CHORUS_SIPD_H
#define CHORUS_SIPD_H

#include <re.h>

struct sipd;
struct config;
struct rooms;
struct room;
struct part;

int  sipd_alloc(struct sipd **sipdp, const struct config *cfg,
		struct rooms *rooms);
void sipd_shutdown(struct sipd *sipd, void (*doneh)(void *arg), void *arg);
int  sipd_dial(struct sipd *sipd, struct room *room, const char *uri,
	       struct part **pp);
uint16_t sipd_status(int err, const char **reason);
bool sipd_tls(const struct sipd *sipd);
void sipd_failed(struct sipd *sipd, const struct sa *src, const char *what);
const struct sipauth *sipd_auth(const struct sipd *sipd);
int  sipd_reload(struct sipd *sipd, const struct config *cfg, bool auth,
		 bool tls, char *what, size_t wsz, char *err, size_t esz);

#endif
