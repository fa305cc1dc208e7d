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
	uint16_t tls_port;          /* SIP over TLS on the SIP address's
				     * host, 0 = none                      */
	char tls_cert[CFG_PATH_MAX];     /* PEM: certificate chain [+ key] */
	char tls_key[CFG_PATH_MAX];      /* PEM: key, "" = in tls_cert     */
	uint32_t media_encryption;  /* room default, enum cfg_menc         */
	uint32_t auth;              /* room default, enum cfg_auth         */
	char users_file[CFG_PATH_MAX];   /* digest users, "" = none        */
	char realm[64];             /* digest realm (RFC 3261 22.1)        */
	uint32_t digest_algs;       /* 1 << enum digest_alg offered        */
	uint32_t resolver;          /* DNS for host names, enum cfg_resolver */
};

/* Whether SIP has a DNS resolver: libre 1.1.0's binds 0.0.0.0 and [::] */
enum cfg_resolver {
	RESOLVER_AUTO = 0,          /* when SIP listens on a wildcard      */
	RESOLVER_ON,
	RESOLVER_OFF,
};

/* Who may send media in the clear (RFC 3711, RFC 4568) */
enum cfg_menc {
	MENC_OPTIONAL = 0,          /* plain or SRTP, the caller chooses   */
	MENC_REQUIRED,              /* SRTP only; SDES keys over TLS only  */
	MENC_OFF,                   /* plain RTP only                      */
};

/* How callers are authenticated (RFC 3261 22) */
enum cfg_auth {
	AUTH_NONE = 0,
	AUTH_DIGEST,
};

const char *cfg_menc_name(enum cfg_menc m);
int  cfg_menc_parse(enum cfg_menc *m, const char *s);
const char *cfg_auth_name(enum cfg_auth a);
int  cfg_auth_parse(enum cfg_auth *a, const char *s);

enum cfg_result {
	CFG_OK = 0,
	CFG_HELP,      /* --help was given: usage printed, exit 0 */
	CFG_ERROR,     /* bad value: one line printed, exit 2     */
};

enum cfg_result cfg_load(struct config *cfg, int argc, char *const argv[],
			 char *err, size_t errsz);
void cfg_usage(FILE *f);

#endif
