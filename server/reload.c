/**
 * @file reload.c  SIGHUP: what a new configuration changes, and which of
 *                 it applies without a restart
 *
 * A reload reads the configuration again (file, environment, flags, the
 * same way as at start-up) into a second struct config; this file
 * compares it with the running one, setting by setting. A setting that
 * only the main thread reads, when it acts (the API token at each
 * request, the log level, the users file at each challenge), is copied
 * into the running configuration; the users file and the TLS certificate
 * are read again (sipd_reload()). Anything that sockets, threads or rooms
 * were made from at start-up (addresses, ports, the RTP range, TLS on or
 * off, the media threads, room defaults) is reported and left as it runs
 * until a restart. No libre, no I/O: the caller logs and applies.
 */
#include <stddef.h>
#include <string.h>
#include <re.h>
#include "cfg.h"
#include "digest.h"
#include "log.h"
#include "reload.h"

enum kind {
	K_SA,          /* struct sa, address and port                   */
	K_ADDR,        /* struct sa, address only (advertise)           */
	K_U16,
	K_U32,
	K_BOOL,
	K_STR,
	K_SECRET,      /* a string never shown                          */
	K_LEVEL,       /* enum log_level                                */
	K_NAME,        /* enum cfg_menc or cfg_auth, shown as a number  */
	K_ALGS,        /* digest algorithm bits                         */
};

struct field {
	const char *key;    /* as in the config file                 */
	size_t off;
	size_t size;
	enum kind kind;
	bool live;          /* applied by a reload                   */
};

#define F(key, member, kind, live) \
	{key, offsetof(struct config, member), \
	 sizeof(((struct config *)0)->member), kind, live}

static const struct field fields[] = {
	F("sip",               sip,               K_SA,     false),
	F("http",              http,              K_SA,     false),
	F("rtp_ports",         rtp_min,           K_U16,    false),
	F("rtp_ports",         rtp_max,           K_U16,    false),
	F("data_dir",          data_dir,          K_STR,    false),
	F("advertise",         advertise,         K_ADDR,   false),
	F("auto_create",       auto_create,       K_BOOL,   true),
	F("rtp_timeout",       rtp_timeout,       K_U32,    false),
	F("max_participants",  max_participants,  K_U32,    false),
	F("talkers_max",       talkers_max,       K_U32,    false),
	F("media_threads",     media_threads,     K_U32,    false),
	F("opus_complexity",   opus_complexity,   K_U32,    false),
	F("log_level",         log_level,         K_LEVEL,  true),
	F("jitter_ms",         jitter_min_ms,     K_U32,    false),
	F("jitter_ms",         jitter_max_ms,     K_U32,    false),
	F("api_token",         api_token,         K_SECRET, true),
	F("api_public_health", api_public_health, K_BOOL,   true),
	F("tls_port",          tls_port,          K_U16,    false),
	/* live only while TLS is served: see tls_live() */
	F("tls_cert",          tls_cert,          K_STR,    true),
	F("tls_key",           tls_key,           K_STR,    true),
	F("media_encryption",  media_encryption,  K_NAME,   false),
	F("auth",              auth,              K_NAME,   false),
	/* live only from one file to another: see users_file_live() */
	F("users_file",        users_file,        K_STR,    true),
	F("realm",             realm,             K_STR,    true),
	F("digest_algorithms", digest_algs,       K_ALGS,   true),
	F("resolver",          resolver,          K_NAME,   false),
};


static const void *at(const struct config *cfg, const struct field *f)
{
	return (const char *)cfg + f->off;
}


static bool same(const struct field *f, const struct config *a,
		 const struct config *b)
{
	const void *x = at(a, f), *y = at(b, f);

	switch (f->kind) {

	case K_SA:
		return sa_cmp(x, y, SA_ALL);

	case K_ADDR:
		return sa_cmp(x, y, SA_ADDR);

	case K_STR:
	case K_SECRET:
		return !strcmp(x, y);

	case K_BOOL:
		return *(const bool *)x == *(const bool *)y;

	default:
		return !memcmp(x, y, f->size);
	}
}


static int print_algs(struct re_printf *pf, uint32_t algs)
{
	const char *sep = "";
	int err = 0;

	/* the strongest first, as digest_algorithms is written */
	for (int alg = 0; alg < DIGEST_ALG_COUNT; alg++) {
		if (!(algs & (1u << alg)))
			continue;
		err |= re_hprintf(pf, "%s%s", sep, digest_alg_name(alg));
		sep = ",";
	}

	return err;
}


static int print_value(struct re_printf *pf, const struct field *f,
		       const struct config *cfg)
{
	const void *v = at(cfg, f);

	switch (f->kind) {

	case K_SA:    return re_hprintf(pf, "%J", v);
	case K_ADDR:  return re_hprintf(pf, "%j", v);
	case K_U16:   return re_hprintf(pf, "%u", *(const uint16_t *)v);
	case K_U32:   return re_hprintf(pf, "%u", *(const uint32_t *)v);
	case K_NAME:  return re_hprintf(pf, "%u", *(const uint32_t *)v);
	case K_BOOL:  return re_hprintf(pf, "%s",
					*(const bool *)v ? "yes" : "no");
	case K_STR:   return re_hprintf(pf, "%s",
					*(const char *)v ? (const char *)v
					: "(none)");
	case K_LEVEL: return re_hprintf(pf, "%s", log_level_name(
					*(const uint32_t *)v));
	case K_ALGS:  return print_algs(pf, *(const uint32_t *)v);
	default:      return 0;
	}
}


struct change {
	const struct field *f;
	const struct config *cur;
	const struct config *next;
};


static int print_change(struct re_printf *pf, void *arg)
{
	const struct change *c = arg;
	int err;

	if (c->f->kind == K_SECRET)
		return re_hprintf(pf, "%s changed", c->f->key);

	err  = re_hprintf(pf, "%s ", c->f->key);
	err |= print_value(pf, c->f, c->cur);
	err |= re_hprintf(pf, " -> ");
	err |= print_value(pf, c->f, c->next);

	return err;
}


/* Append ", item" (or "item" to an empty text), cut to its size */
static void text_add(char *text, const char *item)
{
	size_t n = strlen(text), m = strlen(item);

	/* one key, two fields (rtp_ports): said once */
	if (n >= m && !strcmp(text + n - m, item) &&
	    (n == m || text[n - m - 1] == ' '))
		return;

	re_snprintf(text + n, RELOAD_TEXT - n, "%s%s", n ? ", " : "", item);
}


/* The users file is read again when there is one before and after; one
 * appearing or going changes how rooms authenticate: a restart */
static bool users_file_live(const struct config *cur,
			    const struct config *next)
{
	return cur->users_file[0] && next->users_file[0];
}


/* The certificate is read again while SIP over TLS is served before
 * and after; the listener itself comes and goes with a restart */
static bool tls_live(const struct config *cur, const struct config *next)
{
	return cur->tls_cert[0] && next->tls_cert[0] && cur->tls_port &&
		cur->tls_port == next->tls_port;
}


static bool field_live(const struct field *f, const struct config *cur,
		       const struct config *next)
{
	if (!strcmp(f->key, "users_file"))
		return users_file_live(cur, next);

	if (!strcmp(f->key, "tls_cert") || !strcmp(f->key, "tls_key"))
		return tls_live(cur, next);

	return f->live;
}


/**
 * Compare the running configuration with one just read
 *
 * @param cur   The running configuration
 * @param next  The one read again (its advertise address as cfg_load()
 *              leaves it: unset unless configured)
 * @param plan  Set to what changes now, what waits for a restart, and
 *              whether the users file is to be read again
 */
void reload_plan(const struct config *cur, const struct config *next,
		 struct reload_plan *plan)
{
	if (!cur || !next || !plan)
		return;

	memset(plan, 0, sizeof(*plan));
	plan->auth = users_file_live(cur, next);
	plan->tls = tls_live(cur, next);

	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		const struct field *f = &fields[i];
		struct change c = {f, cur, next};
		char item[160];

		/* start-up picks an advertise address when none is set */
		if (f->kind == K_ADDR && !cur->advertise_set &&
		    !next->advertise_set)
			continue;

		if (same(f, cur, next) &&
		    !(f->kind == K_ADDR &&
		      cur->advertise_set != next->advertise_set))
			continue;

		if (field_live(f, cur, next)) {
			re_snprintf(item, sizeof(item), "%H", print_change,
				    &c);
			text_add(plan->live, item);
		}
		else {
			text_add(plan->restart, f->key);
		}
	}
}


/**
 * Copy the settings a reload applies from next into cur, field by field
 * (the others, read by the media threads too, are not written at all)
 */
void reload_apply(struct config *cur, const struct config *next)
{
	if (!cur || !next)
		return;

	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		const struct field *f = &fields[i];

		if (!field_live(f, cur, next) || same(f, cur, next))
			continue;

		memcpy((char *)cur + f->off, at(next, f), f->size);
	}
}


/** Whether a setting (a config file key) is applied by a reload */
bool reload_is_live(const char *key)
{
	for (size_t i = 0; key && i < ARRAY_SIZE(fields); i++) {
		if (!strcmp(fields[i].key, key))
			return fields[i].live;
	}

	return false;
}
