/**
 * @file reload.h  SIGHUP: what a new configuration changes, and which of
 *                 it applies without a restart
 */

#ifndef CHORUS_RELOAD_H
#define CHORUS_RELOAD_H

#include <stdbool.h>

struct config;

enum {
	RELOAD_TEXT = 512,
};

/* What a reload would do */
struct reload_plan {
	char live[RELOAD_TEXT];     /* applied now: "log_level info -> debug,
				     * api_token changed", "" = none      */
	char restart[RELOAD_TEXT];  /* changed, kept until a restart:
				     * "sip, rtp_ports", "" = none        */
	bool auth;                  /* read the users file again          */
	bool tls;                   /* read the TLS certificate again     */
};

void reload_plan(const struct config *cur, const struct config *next,
		 struct reload_plan *plan);
void reload_apply(struct config *cur, const struct config *next);
bool reload_is_live(const char *key);

#endif
