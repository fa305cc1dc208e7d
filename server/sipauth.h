/**
 * @file sipauth.h  Who may call and register: digest authentication of
 *                  SIP requests, and failures limited per source
 */

#ifndef CHORUS_SIPAUTH_H
#define CHORUS_SIPAUTH_H

#include <re.h>

struct sipauth;
struct config;

/* A source was blocked after too many failures (main thread) */
typedef void (sipauth_block_h)(const struct sa *src, const char *what,
			       void *arg);

struct sipauth_stats {
	uint64_t challenges;         /* 401 sent                          */
	uint64_t ok;                 /* requests authenticated            */
	uint64_t failures;           /* wrong password, unknown user,
				      * replay, wrong PIN                 */
	uint64_t blocks;             /* sources blocked                   */
	uint64_t refused_blocked;    /* requests refused while blocked    */
};

int  sipauth_alloc(struct sipauth **ap, const struct config *cfg,
		   sipauth_block_h *bh, void *arg);
int  sipauth_reload(struct sipauth *a, const struct config *cfg,
		   char *what, size_t wsz);
bool sipauth_enabled(const struct sipauth *a);
bool sipauth_check(struct sipauth *a, struct sip *sip,
		   const struct sip_msg *msg, char *user, size_t usize);
bool sipauth_blocked(struct sipauth *a, struct sip *sip,
		     const struct sip_msg *msg);
void sipauth_failed(struct sipauth *a, const struct sa *src,
		    const char *what);
void sipauth_stats(const struct sipauth *a, struct sipauth_stats *st);

#endif
