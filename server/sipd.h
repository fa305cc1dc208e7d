/**
 * @file sipd.h  The SIP front: transports, request screening, INVITE routing
 */

struct sipd;
struct config;
struct rooms;

int  sipd_alloc(struct sipd **sipdp, const struct config *cfg,
		struct rooms *rooms);
void sipd_shutdown(struct sipd *sipd, void (*doneh)(void *arg), void *arg);
void sipd_contact(char *buf, size_t sz, const char *user,
		  const struct sip_msg *msg, const struct config *cfg);
uint16_t sipd_status(int err, const char **reason);
