/**
 * @file sipauth.c  Who may call and register: digest authentication of
 *                  SIP requests (RFC 3261 22, RFC 8760), and failures
 *                  limited per source
 *
 * A wrong password and an unknown user get the same answer (403), so a
 * scanner learns no user names; a source with a burst of failures gets
 * 403 without any check for a while (toll-fraud tools try thousands).
 */
#include <string.h>
#include <re.h>
#include "cfg.h"
#include "digest.h"
#include "log.h"
#include "ratelim.h"
#include "sipauth.h"

enum {
	NONCE_TTL_S = 300,           /* a nonce is fresh this long        */
	FAIL_BURST = 5,              /* failures allowed in a window      */
	FAIL_WINDOW_MS = 60000,
	BLOCK_MS = 300000,           /* then 403 for five minutes         */
	SOURCES = 4096,              /* sources remembered                */
};

struct sipauth {
	struct digest *dg;           /* NULL: no users file               */
	struct digest_users *users;
	struct ratelim *rl;
	char realm[64];              /* the verifier's realm and ...      */
	uint32_t algs;               /* ... algorithms, for a reload      */
	struct sipauth_stats st;
	sipauth_block_h *bh;
	void *arg;
};


static void destructor(void *arg)
{
	struct sipauth *a = arg;

	mem_deref(a->dg);
	mem_deref(a->users);
	mem_deref(a->rl);
}


/**
 * Make the authenticator: the users file is read now
 *
 * @return 0, or errno (the file cannot be read or has a bad line)
 */
int sipauth_alloc(struct sipauth **ap, const struct config *cfg,
		  sipauth_block_h *bh, void *arg)
{
	const struct ratelim_prm rp = {FAIL_BURST, FAIL_WINDOW_MS, BLOCK_MS,
				       SOURCES};
	struct digest_prm dp = {0};
	struct sipauth *a;
	int err;

	if (!ap || !cfg)
		return EINVAL;

	a = mem_zalloc(sizeof(*a), destructor);
	if (!a)
		return ENOMEM;

	a->bh = bh;
	a->arg = arg;

	err = ratelim_alloc(&a->rl, &rp);
	if (err)
		goto out;

	if (!cfg->users_file[0])
		goto out;

	err = digest_users_load(&a->users, cfg->users_file);
	if (err) {
		log_error("users file %s: %m", cfg->users_file, err);
		goto out;
	}

	dp.realm = cfg->realm;
	dp.nonce_ttl_s = NONCE_TTL_S;
	dp.algs = cfg->digest_algs;
	err = digest_alloc(&a->dg, &dp);
	str_ncpy(a->realm, cfg->realm, sizeof(a->realm));
	a->algs = cfg->digest_algs;
	if (!err)
		log_info("digest authentication: %zu users, realm \"%s\"",
			 digest_users_count(a->users), cfg->realm);

 out:
	if (err)
		mem_deref(a);
	else
		*ap = a;

	return err;
}


/**
 * Read the users file again (SIGHUP), and take a new realm or set of
 * algorithms. All or nothing: on any error the users, realm and nonces
 * in use stay as they were. Nonces already given out stay valid unless
 * the realm or the algorithms changed (then the next request of a caller
 * is challenged again). Calls already up are not touched.
 *
 * @param a     Authenticator made with a users file
 * @param cfg   The new configuration (users_file must be set)
 * @param what  Set to what changed, e.g. "users 3 -> 3 (+1 -1 ~0)"
 * @param wsz   Its size
 *
 * @return 0, or errno (EBADMSG: a malformed line, logged with its number;
 *         or the file cannot be read)
 */
int sipauth_reload(struct sipauth *a, const struct config *cfg,
		   char *what, size_t wsz)
{
	struct digest_users *users = NULL;
	struct digest *dg = NULL;
	struct digest_users_diff d;
	bool new_dg;
	int err;

	if (!a || !cfg || !cfg->users_file[0] || !what)
		return EINVAL;

	err = digest_users_load(&users, cfg->users_file);
	if (err)
		return err;

	new_dg = !a->dg || strcmp(a->realm, cfg->realm) ||
		a->algs != cfg->digest_algs;
	if (new_dg) {
		struct digest_prm dp = {0};

		dp.realm = cfg->realm;
		dp.nonce_ttl_s = NONCE_TTL_S;
		dp.algs = cfg->digest_algs;
		err = digest_alloc(&dg, &dp);
		if (err) {
			mem_deref(users);
			return err;
		}
	}

	digest_users_diff(a->users, users, &d);
	re_snprintf(what, wsz, "users %zu -> %zu (+%zu -%zu ~%zu)",
		    digest_users_count(a->users), digest_users_count(users),
		    d.added, d.removed, d.changed);

	mem_deref(a->users);
	a->users = users;
	if (new_dg) {
		mem_deref(a->dg);
		a->dg = dg;
		str_ncpy(a->realm, cfg->realm, sizeof(a->realm));
		a->algs = cfg->digest_algs;
	}

	return 0;
}


/** Whether callers can be authenticated (a users file is loaded) */
bool sipauth_enabled(const struct sipauth *a)
{
	return a && a->dg;
}


static uint64_t now_ms(void)
{
	return tmr_jiffies();
}


/**
 * Count a failure of a source: a wrong password, a wrong PIN
 */
void sipauth_failed(struct sipauth *a, const struct sa *src,
		    const char *what)
{
	if (!a || !src)
		return;

	a->st.failures++;
	if (!ratelim_fail(a->rl, src, now_ms()))
		return;

	a->st.blocks++;
	log_warn("%j blocked for %u s after repeated failures (%s)", src,
		 BLOCK_MS / 1000, what);
	if (a->bh)
		a->bh(src, what, a->arg);
}


/**
 * Refuse a request from a blocked source (403, no other check)
 *
 * @return true if it was refused
 */
bool sipauth_blocked(struct sipauth *a, struct sip *sip,
		     const struct sip_msg *msg)
{
	if (!a || !ratelim_blocked(a->rl, &msg->src, now_ms()))
		return false;

	a->st.refused_blocked++;
	if (pl_strcmp(&msg->met, "ACK"))
		(void)sip_treply(NULL, sip, msg, 403, "Forbidden");

	return true;
}


static void challenge(struct sipauth *a, struct sip *sip,
		      const struct sip_msg *msg, bool stale)
{
	struct mbuf *mb = mbuf_alloc(512);

	a->st.challenges++;
	if (!mb || digest_challenge(a->dg, mb, false, stale, now_ms())) {
		(void)sip_treply(NULL, sip, msg, 500, "Server Internal Error");
		mem_deref(mb);
		return;
	}

	/* RFC 3261 22.1: 401 with a WWW-Authenticate per algorithm */
	(void)sip_treplyf(NULL, NULL, sip, msg, false, 401, "Unauthorized",
			  "%bContent-Length: 0\r\n\r\n", mb->buf, mb->end);
	mem_deref(mb);
}


struct verify_ctx {
	struct sipauth *a;
	const struct sip_msg *msg;
	char method[16];
	char *user;
	size_t usize;
	enum digest_result r;
};


/* Each Authorization header until one is for our realm */
static bool hdr_handler(const struct sip_hdr *hdr, const struct sip_msg *msg,
			void *arg)
{
	struct verify_ctx *v = arg;
	(void)msg;

	v->r = digest_verify(v->a->dg, v->a->users, &hdr->val, v->method,
			     now_ms(), v->user, v->usize);

	return v->r != DIGEST_NONE;
}


/**
 * Authenticate a request (INVITE, REGISTER); answer it if it is not
 *
 * @param a      Authenticator with a users file
 * @param sip    SIP stack, to answer with
 * @param msg    The request
 * @param user   Set to the user name on success
 * @param usize  Its size
 *
 * @return true if authenticated; false if answered (401 or 403)
 */
bool sipauth_check(struct sipauth *a, struct sip *sip,
		   const struct sip_msg *msg, char *user, size_t usize)
{
	struct verify_ctx v = {a, msg, "", user, usize, DIGEST_NONE};

	if (!a || !a->dg || !msg)
		return false;

	if (sipauth_blocked(a, sip, msg))
		return false;

	pl_strcpy(&msg->met, v.method, sizeof(v.method));
	(void)sip_msg_hdr_apply(msg, true, SIP_HDR_AUTHORIZATION,
				hdr_handler, &v);

	switch (v.r) {

	case DIGEST_OK:
		a->st.ok++;
		ratelim_ok(a->rl, &msg->src);
		return true;

	case DIGEST_NONE:
		challenge(a, sip, msg, false);
		return false;

	case DIGEST_STALE:
		/* RFC 7616 3.3: the password was right, the nonce old */
		challenge(a, sip, msg, true);
		return false;

	default:
		log_info("%r from %J: authentication failed: %s", &msg->met,
			 &msg->src, digest_result_str(v.r));
		sipauth_failed(a, &msg->src, "authentication");
		(void)sip_treply(NULL, sip, msg, 403, "Forbidden");
		return false;
	}
}


/** Counters for /metrics */
void sipauth_stats(const struct sipauth *a, struct sipauth_stats *st)
{
	if (a)
		*st = a->st;
	else
		memset(st, 0, sizeof(*st));
}
