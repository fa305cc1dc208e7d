/**
 * @file cfg.c  Configuration: defaults < file < environment < flags
 *
 * One table names every setting once: its file key, its environment
 * variable (CHORUS_ + upper-case key), its flag (--key with '_' as '-'),
 * its parser and its help text. The result is a plain struct that the rest
 * of the server only reads.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "log.h"
#include "cfg.h"
#include "digest.h"

typedef int (cfg_parse_h)(struct config *cfg, const char *val);

struct cfg_opt {
	const char *key;    /* file key; flag is --key, env CHORUS_KEY */
	cfg_parse_h *parse;
	const char *arg;    /* argument name in --help                */
	const char *help;
};


static int parse_addr(struct sa *sa, const char *val)
{
	/* ADDR:PORT, [V6ADDR]:PORT; the port must be given */
	if (sa_decode(sa, val, strlen(val)))
		return EINVAL;

	return sa_port(sa) ? 0 : EINVAL;
}


static int parse_u32(uint32_t *v, const char *val, uint32_t min, uint32_t max)
{
	char *end;
	unsigned long n;

	if (!isdigit((unsigned char)val[0]))
		return EINVAL;

	errno = 0;
	n = strtoul(val, &end, 10);
	if (errno || *end || n < min || n > max)
		return EINVAL;

	*v = (uint32_t)n;
	return 0;
}


static int parse_bool(bool *v, const char *val)
{
	static const char *yes[] = {"yes", "true", "on", "1"};
	static const char *no[] = {"no", "false", "off", "0"};

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!str_casecmp(val, yes[i])) {
			*v = true;
			return 0;
		}
		if (!str_casecmp(val, no[i])) {
			*v = false;
			return 0;
		}
	}

	return EINVAL;
}


static int parse_path(char *dst, const char *val)
{
	if (!val[0] || strlen(val) >= CFG_PATH_MAX)
		return EINVAL;

	str_ncpy(dst, val, CFG_PATH_MAX);
	return 0;
}


static int opt_sip(struct config *cfg, const char *val)
{
	return parse_addr(&cfg->sip, val);
}


static int opt_http(struct config *cfg, const char *val)
{
	return parse_addr(&cfg->http, val);
}


/* "MIN-MAX", both within [lo_bound, hi_bound], MIN + gap <= MAX */
static int parse_range(uint32_t *min, uint32_t *max, const char *val,
		       uint32_t lo_bound, uint32_t hi_bound, uint32_t gap)
{
	char lo[8], hi[8];
	const char *dash = strchr(val, '-');

	if (!dash || dash == val || (size_t)(dash - val) >= sizeof(lo) ||
	    strlen(dash + 1) >= sizeof(hi))
		return EINVAL;

	str_ncpy(lo, val, (size_t)(dash - val) + 1);
	str_ncpy(hi, dash + 1, sizeof(hi));

	if (parse_u32(min, lo, lo_bound, hi_bound) ||
	    parse_u32(max, hi, lo_bound, hi_bound) || *max < *min + gap)
		return EINVAL;

	return 0;
}


static int opt_rtp_ports(struct config *cfg, const char *val)
{
	uint32_t min, max;

	/* RTP takes an even port and RTCP the next one (RFC 3550 11) */
	if (parse_range(&min, &max, val, 1024, 65535, 1))
		return EINVAL;

	cfg->rtp_min = (uint16_t)min;
	cfg->rtp_max = (uint16_t)max;
	return 0;
}


static int opt_config(struct config *cfg, const char *val)
{
	return parse_path(cfg->config_path, val);
}


static int opt_data_dir(struct config *cfg, const char *val)
{
	return parse_path(cfg->data_dir, val);
}


static int opt_advertise(struct config *cfg, const char *val)
{
	/* an address, no port: it goes into SDP c= and the Contact */
	if (sa_set_str(&cfg->advertise, val, 0) || sa_is_any(&cfg->advertise))
		return EINVAL;

	cfg->advertise_set = true;
	return 0;
}


static int opt_auto_create(struct config *cfg, const char *val)
{
	return parse_bool(&cfg->auto_create, val);
}


static int opt_rtp_timeout(struct config *cfg, const char *val)
{
	return parse_u32(&cfg->rtp_timeout, val, 0, 86400);
}


static int opt_max_participants(struct config *cfg, const char *val)
{
	return parse_u32(&cfg->max_participants, val, 1, 100000);
}


static int opt_talkers_max(struct config *cfg, const char *val)
{
	return parse_u32(&cfg->talkers_max, val, 0, 256);
}


static int opt_media_threads(struct config *cfg, const char *val)
{
	return parse_u32(&cfg->media_threads, val, 0, 256);
}


static int opt_opus_complexity(struct config *cfg, const char *val)
{
	return parse_u32(&cfg->opus_complexity, val, 0, 10);
}


static int opt_jitter_ms(struct config *cfg, const char *val)
{
	uint32_t min, max;

	if (parse_range(&min, &max, val, 0, 1000, 0) || max < 20)
		return EINVAL;

	cfg->jitter_min_ms = min;
	cfg->jitter_max_ms = max;
	return 0;
}


static int opt_log_level(struct config *cfg, const char *val)
{
	enum log_level level;

	if (log_level_parse(&level, val))
		return EINVAL;

	cfg->log_level = level;
	return 0;
}


static int opt_api_token(struct config *cfg, const char *val)
{
	size_t n = strlen(val);

	/* RFC 6750 2.1: b64token characters only */
	if (n < 16 || n >= sizeof(cfg->api_token) ||
	    strspn(val, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		   "0123456789-._~+/=") != n)
		return EINVAL;

	str_ncpy(cfg->api_token, val, sizeof(cfg->api_token));
	return 0;
}


static int opt_api_public_health(struct config *cfg, const char *val)
{
	return parse_bool(&cfg->api_public_health, val);
}


static const char *const menc_names[] = {"optional", "required", "off"};
static const char *const resolver_names[] = {"auto", "on", "off"};
static const char *const auth_names[] = {"none", "digest"};


static int name_find(uint32_t *v, const char *s, const char *const *names,
		     size_t n)
{
	for (size_t i = 0; s && i < n; i++) {
		if (!strcmp(s, names[i])) {
			*v = (uint32_t)i;
			return 0;
		}
	}

	return EINVAL;
}


/** The name of a media encryption policy, as the API and config say it */
const char *cfg_menc_name(enum cfg_menc m)
{
	return (size_t)m < ARRAY_SIZE(menc_names) ? menc_names[m] : "?";
}


/** Parse "optional", "required" or "off"; 0 or EINVAL */
int cfg_menc_parse(enum cfg_menc *m, const char *s)
{
	uint32_t v;
	int err = name_find(&v, s, menc_names, ARRAY_SIZE(menc_names));

	if (!err)
		*m = (enum cfg_menc)v;
	return err;
}


/** The name of an authentication policy */
const char *cfg_auth_name(enum cfg_auth a)
{
	return (size_t)a < ARRAY_SIZE(auth_names) ? auth_names[a] : "?";
}


/** Parse "none" or "digest"; 0 or EINVAL */
int cfg_auth_parse(enum cfg_auth *a, const char *s)
{
	uint32_t v;
	int err = name_find(&v, s, auth_names, ARRAY_SIZE(auth_names));

	if (!err)
		*a = (enum cfg_auth)v;
	return err;
}


static int opt_tls_port(struct config *cfg, const char *val)
{
	uint32_t v;

	if (parse_u32(&v, val, 0, 65535))
		return EINVAL;

	cfg->tls_port = (uint16_t)v;
	return 0;
}


static int opt_tls_cert(struct config *cfg, const char *val)
{
	return parse_path(cfg->tls_cert, val);
}


static int opt_tls_key(struct config *cfg, const char *val)
{
	return parse_path(cfg->tls_key, val);
}


static int opt_media_encryption(struct config *cfg, const char *val)
{
	return name_find(&cfg->media_encryption, val, menc_names,
			 ARRAY_SIZE(menc_names));
}


static int opt_auth(struct config *cfg, const char *val)
{
	return name_find(&cfg->auth, val, auth_names, ARRAY_SIZE(auth_names));
}


static int opt_resolver(struct config *cfg, const char *val)
{
	return name_find(&cfg->resolver, val, resolver_names,
			 ARRAY_SIZE(resolver_names));
}


static int opt_users_file(struct config *cfg, const char *val)
{
	return parse_path(cfg->users_file, val);
}


static int opt_realm(struct config *cfg, const char *val)
{
	size_t n = strlen(val);

	/* it is quoted in challenges: no quote, backslash or control */
	if (!n || n >= sizeof(cfg->realm))
		return EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (val[i] == '"' || val[i] == '\\' || val[i] < 0x20)
			return EINVAL;
	}

	str_ncpy(cfg->realm, val, sizeof(cfg->realm));
	return 0;
}


/* "SHA-256,MD5", "MD5", ...: the digest algorithms offered */
static int opt_digest_algorithms(struct config *cfg, const char *val)
{
	uint32_t algs = 0;
	struct pl rest, name;

	pl_set_str(&rest, val);
	while (rest.l) {
		const char *comma = pl_strchr(&rest, ',');
		bool found = false;

		name.p = rest.p;
		name.l = comma ? (size_t)(comma - rest.p) : rest.l;
		rest.p += name.l + (comma ? 1 : 0);
		rest.l -= name.l + (comma ? 1 : 0);
		if (comma && !rest.l)
			return EINVAL;   /* a trailing comma */

		for (int alg = 0; alg < DIGEST_ALG_COUNT; alg++) {
			if (!pl_strcasecmp(&name, digest_alg_name(alg))) {
				algs |= 1u << alg;
				found = true;
			}
		}
		if (!found)
			return EINVAL;
	}

	if (!algs)
		return EINVAL;

	cfg->digest_algs = algs;
	return 0;
}


static const struct cfg_opt opts[] = {
	{"sip", opt_sip, "ADDR:PORT",
	 "SIP listen address, UDP and TCP (0.0.0.0:5060)"},
	{"http", opt_http, "ADDR:PORT",
	 "HTTP API listen address (127.0.0.1:8080)"},
	{"rtp_ports", opt_rtp_ports, "MIN-MAX",
	 "UDP port range for RTP and RTCP (10000-20000)"},
	{"config", opt_config, "FILE",
	 "configuration file, 'key value' lines (none)"},
	{"data_dir", opt_data_dir, "DIR",
	 "directory for persistent state (./data)"},
	{"advertise", opt_advertise, "ADDR",
	 "address given to peers in SDP and Contact (the SIP address,"
	 " or the default route's)"},
	{"auto_create", opt_auto_create, "yes|no",
	 "an INVITE to an unknown room creates it (no)"},
	{"rtp_timeout", opt_rtp_timeout, "SECONDS",
	 "hang up a participant whose RTP stops this long, 0 = never (30)"},
	{"max_participants", opt_max_participants, "N",
	 "default participant limit of a room (100)"},
	{"talkers_max", opt_talkers_max, "N",
	 "default number of talkers mixed in a room, 0 = all (3)"},
	{"media_threads", opt_media_threads, "N",
	 "media worker threads, 0 = one per core chorusd may run on (0)"},
	{"opus_complexity", opt_opus_complexity, "0-10",
	 "Opus encoder complexity: CPU per encode against quality (5)"},
	{"jitter_ms", opt_jitter_ms, "MIN-MAX",
	 "jitter buffer delay range; the target follows measured jitter"
	 " (20-200)"},
	{"log_level", opt_log_level, "LEVEL",
	 "debug, info, warn or error (info)"},
	{"api_token", opt_api_token, "TOKEN",
	 "bearer token the API requires, 16-127 characters (none; then the"
	 " API binds to loopback only)"},
	{"api_public_health", opt_api_public_health, "yes|no",
	 "/healthz, /readyz and /metrics answer without the token (yes)"},
	{"tls_port", opt_tls_port, "PORT",
	 "SIP over TLS port on the SIP address, 0 = none; needs tls_cert"
	 " (5061)"},
	{"tls_cert", opt_tls_cert, "FILE",
	 "PEM file: the TLS certificate chain, and the key unless tls_key"
	 " is given (none: no TLS listener)"},
	{"tls_key", opt_tls_key, "FILE",
	 "PEM file with the TLS private key (in tls_cert)"},
	{"media_encryption", opt_media_encryption, "POLICY",
	 "rooms' default: optional (plain or SRTP), required (SRTP only,"
	 " SDES keys over TLS only) or off (optional)"},
	{"auth", opt_auth, "none|digest",
	 "rooms' default caller authentication; digest needs users_file"
	 " (none)"},
	{"users_file", opt_users_file, "FILE",
	 "digest users, 'user:realm:ha1-md5:ha1-sha256' lines; REGISTER"
	 " needs it too (none)"},
	{"realm", opt_realm, "REALM",
	 "digest authentication realm (chorus)"},
	{"digest_algorithms", opt_digest_algorithms, "LIST",
	 "digest algorithms offered, SHA-256 first: SHA-256,MD5 or one of"
	 " them (MD5: clients on libre 1.1.0, such as baresip 1.0, give up"
	 " at a SHA-256 challenge)"},
	{"resolver", opt_resolver, "auto|on|off",
	 "DNS for host names in dial-outs and peers' Contacts; its two UDP"
	 " sockets are on 0.0.0.0 and [::], so auto has it only when SIP"
	 " listens on a wildcard address (auto)"},
};


/* A secret is never echoed in an error message */
static const char *shown(const struct cfg_opt *opt, const char *val)
{
	return opt->parse == opt_api_token ? "(hidden)" : val;
}


static const struct cfg_opt *opt_find_key(const char *key, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(opts); i++) {
		if (strlen(opts[i].key) == len && !strncmp(opts[i].key, key, len))
			return &opts[i];
	}

	return NULL;
}


/* "--rtp-ports" -> the option whose key is "rtp_ports" */
static const struct cfg_opt *opt_find_flag(const char *flag)
{
	char key[64];
	size_t n = strlen(flag);

	if (n >= sizeof(key))
		return NULL;

	for (size_t i = 0; i <= n; i++)
		key[i] = flag[i] == '-' ? '_' : flag[i];

	return opt_find_key(key, n);
}


static void env_name(char *buf, size_t sz, const char *key)
{
	size_t i = re_snprintf(buf, sz, "CHORUS_");

	for (; *key && i + 1 < sz; key++)
		buf[i++] = (char)toupper((unsigned char)*key);
	buf[i] = '\0';
}


static void defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	(void)sa_set_str(&cfg->sip, "0.0.0.0", 5060);
	(void)sa_set_str(&cfg->http, "127.0.0.1", 8080);
	cfg->rtp_min = 10000;
	cfg->rtp_max = 20000;
	str_ncpy(cfg->data_dir, "data", sizeof(cfg->data_dir));
	cfg->rtp_timeout = 30;
	cfg->max_participants = 100;
	cfg->talkers_max = 3;
	cfg->opus_complexity = 5;   /* half the CPU of 10, little loss */
	cfg->log_level = LOG_INFO;
	cfg->api_public_health = true;
	cfg->jitter_min_ms = 20;
	cfg->jitter_max_ms = 200;
	cfg->tls_port = 5061;
	str_ncpy(cfg->realm, "chorus", sizeof(cfg->realm));
	/* libre 1.1.0's client (baresip 1.0) gives up at any challenge
	 * that is not MD5, even beside an MD5 one: SHA-256 is asked for */
	cfg->digest_algs = 1u << DIGEST_MD5;
}


static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';

	return s;
}


/* Apply one "key value" line; blank lines and '#' comments are skipped */
static int file_line(struct config *cfg, char *line, unsigned lineno,
		     char *err, size_t errsz)
{
	const struct cfg_opt *opt;
	char *key = trim(line), *val;
	size_t klen;

	if (!*key || *key == '#')
		return 0;

	klen = strcspn(key, " \t");
	val = trim(key + klen);
	opt = opt_find_key(key, klen);

	if (!opt || opt->parse == opt_config) {
		re_snprintf(err, errsz, "%s:%u: unknown setting '%b'",
			    cfg->config_path, lineno, key, klen);
		return EINVAL;
	}

	if (opt->parse(cfg, val)) {
		re_snprintf(err, errsz, "%s:%u: invalid %s '%s' (expected %s)",
			    cfg->config_path, lineno, opt->key,
			    shown(opt, val), opt->arg);
		return EINVAL;
	}

	return 0;
}


static int load_file(struct config *cfg, char *err, size_t errsz)
{
	char line[512];
	unsigned lineno = 0;
	FILE *f;
	int e = 0;

	f = fopen(cfg->config_path, "r");
	if (!f) {
		re_snprintf(err, errsz, "cannot read config file %s: %m",
			    cfg->config_path, errno);
		return errno;
	}

	while (!e && fgets(line, sizeof(line), f))
		e = file_line(cfg, line, ++lineno, err, errsz);

	fclose(f);
	return e;
}


static int load_env(struct config *cfg, char *err, size_t errsz)
{
	char name[64];

	for (size_t i = 0; i < ARRAY_SIZE(opts); i++) {
		const char *val;

		if (opts[i].parse == opt_config)
			continue;

		env_name(name, sizeof(name), opts[i].key);
		val = getenv(name);
		if (!val)
			continue;

		if (opts[i].parse(cfg, val)) {
			re_snprintf(err, errsz, "invalid %s '%s' (expected %s)",
				    name, shown(&opts[i], val), opts[i].arg);
			return EINVAL;
		}
	}

	return 0;
}


/* Pass over argv: find --config (first pass) or apply all flags */
static enum cfg_result load_flags(struct config *cfg, int argc,
				  char *const argv[], bool only_config,
				  char *err, size_t errsz)
{
	for (int i = 1; i < argc; i++) {
		const struct cfg_opt *opt;
		const char *a = argv[i], *val;
		char flag[64];
		const char *eq;

		if (!strcmp(a, "--help") || !strcmp(a, "-h"))
			return CFG_HELP;

		if (strncmp(a, "--", 2)) {
			re_snprintf(err, errsz, "unexpected argument '%s'", a);
			return CFG_ERROR;
		}

		/* --key VALUE or --key=VALUE */
		eq = strchr(a + 2, '=');
		str_ncpy(flag, a + 2, eq ? (size_t)(eq - a - 2) + 1 :
			 sizeof(flag));
		opt = opt_find_flag(flag);
		if (!opt) {
			re_snprintf(err, errsz, "unknown option '%s'", a);
			return CFG_ERROR;
		}

		if (eq) {
			val = eq + 1;
		}
		else if (i + 1 < argc) {
			val = argv[++i];
		}
		else {
			re_snprintf(err, errsz, "option '%s' needs %s", a,
				    opt->arg);
			return CFG_ERROR;
		}

		if (only_config != (opt->parse == opt_config))
			continue;

		if (opt->parse(cfg, val)) {
			re_snprintf(err, errsz, "invalid --%s '%s' (expected %s)",
				    flag, shown(opt, val), opt->arg);
			return CFG_ERROR;
		}
	}

	return CFG_OK;
}


/**
 * Load the configuration: defaults, then the config file (--config or
 * CHORUS_CONFIG), then CHORUS_* variables, then flags.
 *
 * @param cfg    Configuration to fill
 * @param argc   Argument count
 * @param argv   Arguments
 * @param err    Buffer for a one-line error message
 * @param errsz  Size of err
 *
 * @return CFG_OK, CFG_HELP or CFG_ERROR (err says why)
 */
enum cfg_result cfg_load(struct config *cfg, int argc, char *const argv[],
			 char *err, size_t errsz)
{
	enum cfg_result r;
	const char *path;

	defaults(cfg);

	path = getenv("CHORUS_CONFIG");
	if (path && parse_path(cfg->config_path, path)) {
		re_snprintf(err, errsz, "invalid CHORUS_CONFIG '%s'", path);
		return CFG_ERROR;
	}

	r = load_flags(cfg, argc, argv, true, err, errsz);
	if (r != CFG_OK)
		return r;

	if (cfg->config_path[0] && load_file(cfg, err, errsz))
		return CFG_ERROR;

	if (load_env(cfg, err, errsz))
		return CFG_ERROR;

	r = load_flags(cfg, argc, argv, false, err, errsz);
	if (r != CFG_OK)
		return r;

	/* an open API on a network address would let anyone run rooms */
	if (!cfg->api_token[0] && !sa_is_loopback(&cfg->http)) {
		re_snprintf(err, errsz, "refusing to serve the API on %J "
			    "without a token: set api_token (CHORUS_API_TOKEN)"
			    " or bind it to loopback", &cfg->http);
		return CFG_ERROR;
	}

	if (cfg->auth == AUTH_DIGEST && !cfg->users_file[0]) {
		re_snprintf(err, errsz, "auth digest needs a users_file");
		return CFG_ERROR;
	}

	if (cfg->tls_key[0] && !cfg->tls_cert[0]) {
		re_snprintf(err, errsz, "tls_key needs tls_cert");
		return CFG_ERROR;
	}

	return CFG_OK;
}


void cfg_usage(FILE *f)
{
	char env[64];

	fprintf(f, "usage: chorusd [options]\n\n"
		"Each option can also be set in the config file as 'key value'"
		"\nor in the environment; flags override the environment, which"
		"\noverrides the file.\n\n");

	for (size_t i = 0; i < ARRAY_SIZE(opts); i++) {
		char flag[64];

		str_ncpy(flag, opts[i].key, sizeof(flag));
		for (char *p = flag; *p; p++)
			if (*p == '_')
				*p = '-';

		env_name(env, sizeof(env), opts[i].key);
		fprintf(f, "  --%s %s\n      %s\n      env %s\n", flag,
			opts[i].arg, opts[i].help, env);
	}

	fprintf(f, "  --help\n      show this help\n");
}
