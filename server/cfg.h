/**
 * @file cfg.h  Configuration: defaults < file < environment < flags
 */

#ifndef CHORUS_CFG_H
#define CHORUS_CFG_H

#include <re.h>

enum {
	CFG_PATH_MAX = 256,
};

struct config {
	struct sa sip;              /* SIP listen address (UDP and TCP)    */
	struct sa http;             /* HTTP API listen address             */
	uint16_t rtp_min;           /* RTP port range, first port          */
	uint16_t rtp_max;           /* RTP port range, last port           */
	char config_path[CFG_PATH_MAX];  /* config file, "" for none       */
	char data_dir[CFG_PATH_MAX];     /* persistent state directory     */
	struct sa advertise;        /* address put in SDP and Contact      */
	bool advertise_set;         /* advertise given explicitly          */
	bool auto_create;           /* INVITE to an unknown room makes it  */
	uint32_t rtp_timeout;       /* no RTP for this long: BYE [s], 0=off */
	uint32_t max_participants;  /* default room limit                  */
	uint32_t talkers_max;       /* default mixer K, 0 = all            */
	uint32_t media_threads;     /* media workers, 0 = one per core     */
	uint32_t opus_complexity;   /* Opus encoder complexity, 0-10       */
	uint32_t log_level;         /* enum log_level                      */
	uint32_t jitter_min_ms;     /* jitter buffer target range [ms]     */
	uint32_t jitter_max_ms;
	char api_token[128];        /* bearer token for the API, "" = none */
	bool api_public_health;     /* /healthz /readyz /metrics need none */
};

enum cfg_result {
	CFG_OK = 0,
	CFG_HELP,      /* --help was given: usage printed, exit 0 */
	CFG_ERROR,     /* bad value: one line printed, exit 2     */
};

enum cfg_result cfg_load(struct config *cfg, int argc, char *const argv[],
			 char *err, size_t errsz);
void cfg_usage(FILE *f);

#endif
