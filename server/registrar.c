/**
 * @file registrar.c  Address-of-record bindings in memory (RFC 3261 10.3)
 *
 * An AOR (struct aor, hashed by user) holds its bindings (struct binding)
 * in the order they were last written, least recent first. Expiry is
 * lazy: the AOR a call names is purged on every call, every AOR when the
 * total would pass max_bindings and when counting. AORs exist only while
 * they hold a binding, and bindings are never stored past max_bindings,
 * so memory stays bounded without a timer.
 *
 * A REGISTER is applied whole or not at all (RFC 3261 10.3 step 7): it
 * is checked, the new bindings are allocated, and only then is anything
 * stored, removed or replaced.
 */
#include <string.h>
#include <re.h>
#include "registrar.h"

enum {
	URI_MAX     = 512,    /* longest contact URI stored [bytes]       */
	CALLID_MAX  = 256,    /* longest Call-ID stored [bytes]           */
	USER_MAX    = 256,    /* longest AOR user part [bytes]            */
	EXPIRES_BAD = 3600,   /* a malformed expires (RFC 3261 20.10) [s] */
	BUCKETS_MAX = 1024,   /* AOR hash buckets, at most                */
};

struct registrar {
	struct registrar_prm prm;
	struct hash *aors;           /* struct aor, by user               */
	uint32_t n;                  /* bindings stored, in all           */
};

struct aor {
	struct le he;                /* in registrar.aors                 */
	char *user;
	struct list bindl;           /* struct binding, least recent first */
};

struct binding {
	struct le le;                /* in aor.bindl; linked: counted     */
	struct registrar *r;
	char *uri;                   /* as the client gave it, no <>      */
	struct uri puri;             /* uri, parsed (points into uri)     */
	char *callid;
	uint32_t cseq;
	uint64_t expires_at;         /* [ms], on the caller's now_ms clock */
};

/* One Contact of a REGISTER: what it asks for, checked before applying */
struct op {
	struct pl uri;               /* into the message                  */
	struct uri puri;
	uint32_t expires;            /* [s], cut to expires_max; 0: remove */
	struct binding *b;           /* the binding it updates, or NULL   */
	struct binding *nb;          /* allocated for it, not yet linked  */
};


static void binding_destructor(void *arg)
{
	struct binding *b = arg;

	if (b->le.list) {
		list_unlink(&b->le);
		b->r->n--;
	}

	mem_deref(b->uri);
	mem_deref(b->callid);
}


static void aor_destructor(void *arg)
{
	struct aor *a = arg;

	hash_unlink(&a->he);

	/* not list_flush(): a binding unlinks itself, and is uncounted */
	while (!list_isempty(&a->bindl))
		mem_deref(list_head(&a->bindl)->data);

	mem_deref(a->user);
}


static void destructor(void *arg)
{
	struct registrar *r = arg;

	hash_flush(r->aors);
	mem_deref(r->aors);
}


static bool pl_same(const struct pl *a, const struct pl *b, bool ci)
{
	if (a->l != b->l)
		return false;
	if (!a->l)
		return true;

	return ci ? !pl_casecmp(a, b) : !pl_cmp(a, b);
}


/* RFC 3261 19.1.4, simplified: component by component, the parameters
 * and headers as a whole */
static bool uri_same(const struct uri *a, const struct uri *b)
{
	return pl_same(&a->scheme, &b->scheme, true) &&
		pl_same(&a->user, &b->user, false) &&
		pl_same(&a->password, &b->password, false) &&
		pl_same(&a->host, &b->host, true) &&
		a->port == b->port &&
		pl_same(&a->params, &b->params, true) &&
		pl_same(&a->headers, &b->headers, false);
}


/* delta-seconds (RFC 3261 25.1); a value past 32 bits is taken as the
 * largest (RFC 3261 20.19 bounds it there) */
static bool delta_decode(const struct pl *pl, uint32_t *v)
{
	uint64_t x = 0;

	if (!pl_isset(pl))
		return false;

	for (size_t i = 0; i < pl->l; i++) {
		if (pl->p[i] < '0' || pl->p[i] > '9')
			return false;
		if (x <= UINT32_MAX)
			x = x * 10 + (uint64_t)(pl->p[i] - '0');
	}

	*v = x > UINT32_MAX ? UINT32_MAX : (uint32_t)x;

	return true;
}


/* RFC 3261 10.2.1.1, 10.3 step 7: the Contact's expires parameter, else
 * the Expires header, else our default; malformed: 3600 (20.10) */
static uint32_t contact_expires(const struct registrar *r,
				const struct sip_msg *msg,
				const struct pl *params)
{
	struct pl val;
	uint32_t v;

	if (!msg_param_decode(params, "expires", &val))
		v = delta_decode(&val, &v) ? v : EXPIRES_BAD;
	else if (pl_isset(&msg->expires))
		v = delta_decode(&msg->expires, &v) ? v : EXPIRES_BAD;
	else
		v = r->prm.expires_default;

	return MIN(v, r->prm.expires_max);
}


static bool aor_cmp(struct le *le, void *arg)
{
	const struct aor *a = le->data;

	return !strcmp(a->user, arg);
}


static struct aor *aor_find(const struct registrar *r, const char *user)
{
	struct le *le = hash_lookup(r->aors, hash_joaat_str(user), aor_cmp,
				    (void *)user);

	return le ? le->data : NULL;
}


/* Drop the expired bindings of a; returns a, or NULL when that left it
 * empty and it is gone */
static struct aor *aor_purge(struct aor *a, uint64_t now_ms)
{
	struct le *le = list_head(&a->bindl);

	while (le) {
		struct binding *b = le->data;

		le = le->next;
		if (b->expires_at <= now_ms)
			mem_deref(b);
	}

	if (list_isempty(&a->bindl)) {
		mem_deref(a);
		return NULL;
	}

	return a;
}


static void sweep(struct registrar *r, uint64_t now_ms)
{
	for (uint32_t i = 0; i < hash_bsize(r->aors); i++) {
		struct le *le = list_head(hash_list(r->aors, i));

		while (le) {
			struct aor *a = le->data;

			le = le->next;
			aor_purge(a, now_ms);
		}
	}
}


static int binding_alloc(struct binding **bp, struct registrar *r,
			 const struct op *op, const struct sip_msg *msg,
			 uint64_t now_ms)
{
	struct binding *b;
	struct pl pl;
	int err;

	b = mem_zalloc(sizeof(*b), binding_destructor);
	if (!b)
		return ENOMEM;

	b->r = r;
	b->cseq = msg->cseq.num;
	b->expires_at = now_ms + (uint64_t)op->expires * 1000;

	err  = pl_strdup(&b->uri, &op->uri);
	err |= pl_strdup(&b->callid, &msg->callid);
	if (err)
		goto out;

	pl_set_str(&pl, b->uri);
	err = uri_decode(&b->puri, &pl);

 out:
	if (err)
		mem_deref(b);
	else
		*bp = b;

	return err;
}


static int aor_alloc(struct aor **ap, const char *user)
{
	struct aor *a;
	int err;

	a = mem_zalloc(sizeof(*a), aor_destructor);
	if (!a)
		return ENOMEM;

	err = str_dup(&a->user, user);
	if (err)
		mem_deref(a);
	else
		*ap = a;

	return err;
}


/* RFC 3261 10.3 step 8: every current binding, with its time left */
static int bindings_print(struct mbuf *hdrs, const struct aor *a,
			  uint64_t now_ms)
{
	struct le *le;
	int err = 0;

	LIST_FOREACH(a ? &a->bindl : NULL, le) {
		const struct binding *b = le->data;
		uint64_t left = (b->expires_at - now_ms + 999) / 1000;

		err |= mbuf_printf(hdrs, "Contact: <%s>;expires=%llu\r\n",
				   b->uri, (unsigned long long)left);
	}

	return err;
}


static bool same_update(const struct binding *b, const struct sip_msg *msg)
{
	return !pl_strcmp(&msg->callid, b->callid) &&
		msg->cseq.num <= b->cseq;
}


/* Contact: * (RFC 3261 10.3 step 6): remove every binding of a, unless
 * one was written with this Call-ID and a CSeq not lower than this one
 * (then none is); returns the status */
static uint16_t remove_all(struct aor *a, const struct sip_msg *msg)
{
	struct le *le;

	LIST_FOREACH(a ? &a->bindl : NULL, le) {
		if (same_update(le->data, msg))
			return 500;
	}

	mem_deref(a);

	return 200;
}


/* Decoding the Contacts of a request into ops */
struct decode {
	const struct registrar *r;
	struct op *ops;
	size_t n;
	bool star;                   /* a "*" among them                  */
	bool short_exp;              /* an expires under expires_min      */
	uint16_t scode;              /* 400 when one is refused           */
};


static bool contact_h(const struct sip_hdr *hdr, const struct sip_msg *msg,
		      void *arg)
{
	struct decode *d = arg;
	struct sip_addr addr;
	struct op *op;

	if (!pl_strcmp(&hdr->val, "*")) {
		d->star = true;
		return false;
	}

	if (sip_addr_decode(&addr, &hdr->val) || addr.auri.l > URI_MAX ||
	    (pl_strcasecmp(&addr.uri.scheme, "sip") &&
	     pl_strcasecmp(&addr.uri.scheme, "sips")))
		goto bad;

	op = &d->ops[d->n];
	op->uri = addr.auri;
	op->puri = addr.uri;
	op->expires = contact_expires(d->r, msg, &addr.params);

	/* the same contact twice in one request */
	for (size_t i = 0; i < d->n; i++) {
		if (uri_same(&d->ops[i].puri, &op->puri))
			goto bad;
	}

	if (op->expires && op->expires < d->r->prm.expires_min)
		d->short_exp = true;

	++d->n;

	return false;

 bad:
	d->scode = 400;
	return true;
}


/* Decode the Contacts (libre splits a comma list into one header each,
 * in its hash, not in hdrl) into ops; returns 0 or the status refusing
 * them */
static uint16_t ops_decode(struct op *ops, size_t *np, bool *star,
			   const struct registrar *r,
			   const struct sip_msg *msg)
{
	struct decode d = {.r = r, .ops = ops};

	(void)sip_msg_hdr_apply(msg, true, SIP_HDR_CONTACT, contact_h, &d);

	*np = d.n;
	*star = d.star;

	return d.scode ? d.scode : d.short_exp ? 423 : 0;
}


/* RFC 3261 10.3 step 7: match the ops to the bindings of a; a binding
 * the same call wrote with a CSeq not lower fails the request */
static uint16_t ops_match(struct op *ops, size_t n, struct aor *a,
			  const struct sip_msg *msg)
{
	for (size_t i = 0; i < n; i++) {
		struct le *le;

		LIST_FOREACH(a ? &a->bindl : NULL, le) {
			struct binding *b = le->data;

			if (!uri_same(&b->puri, &ops[i].puri))
				continue;

			if (same_update(b, msg))
				return 500;

			ops[i].b = b;
			break;
		}
	}

	return 0;
}


/* Apply the checked ops; allocation first, so that ENOMEM changes
 * nothing. *ap is the AOR (NULL: none yet), and after: NULL if gone. */
static int ops_apply(struct registrar *r, struct aor **ap, const char *user,
		     struct op *ops, size_t n, uint32_t evict,
		     const struct sip_msg *msg, uint64_t now_ms)
{
	struct aor *a = *ap, *na = NULL;
	int err = 0;

	for (size_t i = 0; i < n && !err; i++) {
		if (ops[i].expires)
			err = binding_alloc(&ops[i].nb, r, &ops[i], msg,
					    now_ms);
	}

	for (size_t i = 0; i < n && !err && !a && !na; i++) {
		if (ops[i].nb)
			err = aor_alloc(&na, user);
	}

	if (err)
		goto out;

	if (na) {
		hash_append(r->aors, hash_joaat_str(user), &na->he, na);
		a = na;
		na = NULL;
	}

	for (size_t i = 0; i < n; i++)
		ops[i].b = mem_deref(ops[i].b);

	while (evict--)
		mem_deref(list_head(&a->bindl)->data);

	for (size_t i = 0; i < n; i++) {
		if (!ops[i].nb)
			continue;

		list_append(&a->bindl, &ops[i].nb->le, ops[i].nb);
		ops[i].nb = NULL;
		r->n++;
	}

	if (a && list_isempty(&a->bindl))
		a = mem_deref(a);

	*ap = a;

 out:
	for (size_t i = 0; i < n; i++)
		ops[i].nb = mem_deref(ops[i].nb);
	mem_deref(na);

	return err;
}


/* Room for the ops: max_per_aor, the least recent bindings of a
 * replaced (*evictp of them), and max_bindings; returns 0 or 503 */
static uint16_t ops_fit(struct registrar *r, const struct op *ops, size_t n,
			const struct aor *a, uint64_t now_ms,
			uint32_t *evictp)
{
	uint32_t add = 0, touched = 0, kept, evict = 0;
	uint64_t total;

	for (size_t i = 0; i < n; i++) {
		add += ops[i].expires ? 1 : 0;
		touched += ops[i].b ? 1 : 0;
	}

	if (add > r->prm.max_per_aor)
		return 503;

	kept = (a ? list_count(&a->bindl) : 0) - touched;
	if (kept + add > r->prm.max_per_aor)
		evict = kept + add - r->prm.max_per_aor;

	total = (uint64_t)r->n - touched - evict + add;
	if (total > r->prm.max_bindings) {
		uint32_t before = r->n;

		/* a has no expired binding left: its own stay */
		sweep(r, now_ms);
		total -= before - r->n;
	}

	if (total > r->prm.max_bindings)
		return 503;

	*evictp = evict;

	return 0;
}


/* Decide on the request and apply it; *ap is the AOR, purged (NULL:
 * none), and after: NULL if gone. Returns 0 and sets *scp, or ENOMEM. */
static int update(struct registrar *r, struct aor **ap,
		  const struct sip_msg *msg, const char *user,
		  uint64_t now_ms, uint16_t *scp)
{
	uint32_t nhdr = sip_msg_hdr_count(msg, SIP_HDR_CONTACT);
	uint32_t evict = 0, exp;
	struct op *ops = NULL;
	bool star = false;
	size_t n = 0;
	uint16_t sc;
	int err = 0;

	if (!nhdr) {            /* a query */
		sc = 200;
		goto out;
	}

	if (!pl_isset(&msg->callid) || msg->callid.l > CALLID_MAX ||
	    strlen(user) > USER_MAX) {
		sc = 400;
		goto out;
	}

	ops = mem_zalloc(nhdr * sizeof(*ops), NULL);
	if (!ops)
		return ENOMEM;

	sc = ops_decode(ops, &n, &star, r, msg);

	/* RFC 3261 10.3 step 6: "*" alone, and with Expires: 0 */
	if (star) {
		bool zero = delta_decode(&msg->expires, &exp) && !exp;

		if (n || sc == 400 || !zero)
			sc = 400;
		else if ((sc = remove_all(*ap, msg)) == 200)
			*ap = NULL;
		goto out;
	}

	if (!sc)
		sc = ops_match(ops, n, *ap, msg);
	if (!sc)
		sc = ops_fit(r, ops, n, *ap, now_ms, &evict);
	if (!sc) {
		err = ops_apply(r, ap, user, ops, n, evict, msg, now_ms);
		sc = 200;
	}

 out:
	mem_deref(ops);
	if (!err)
		*scp = sc;

	return err;
}


/**
 * Make a registrar
 *
 * @param rp  Set to the new registrar, on success
 * @param p   Limits; needs expires_min <= expires_default <= expires_max,
 *            and max_bindings, max_per_aor and expires_max not 0
 *
 * @return 0, EINVAL or ENOMEM
 */
int registrar_alloc(struct registrar **rp, const struct registrar_prm *p)
{
	struct registrar *r;
	int err;

	if (!rp || !p || !p->max_bindings || !p->max_per_aor ||
	    !p->expires_max || p->expires_min > p->expires_default ||
	    p->expires_default > p->expires_max)
		return EINVAL;

	r = mem_zalloc(sizeof(*r), destructor);
	if (!r)
		return ENOMEM;

	r->prm = *p;

	err = hash_alloc(&r->aors,
			 hash_valid_size(MIN(p->max_bindings, BUCKETS_MAX)));
	if (err)
		mem_deref(r);
	else
		*rp = r;

	return err;
}


/**
 * Process a REGISTER for one AOR (RFC 3261 10.3 steps 6 to 8)
 *
 * The caller has authenticated the request and chosen aor_user (the To
 * URI's user part). The request is applied whole or not at all. With no
 * Contact it is a query. Each Contact's expires is its own parameter,
 * else the Expires header, else expires_default, cut to expires_max.
 * When a contact would pass max_per_aor, the AOR's least recently
 * written bindings are replaced (a phone that restarts with a new
 * contact is not locked out until its old binding expires); passing
 * max_bindings, or more new contacts in one request than max_per_aor,
 * is refused.
 *
 * @param r         Registrar
 * @param msg       A decoded REGISTER
 * @param aor_user  The AOR's user part
 * @param now_ms    The time now [ms], on any monotonic clock, the same
 *                  for every call
 * @param hdrs      Headers for the answer are appended here: on 200 a
 *                  "Contact: <uri>;expires=N" per current binding (N the
 *                  seconds left), on 423 "Min-Expires: N"
 * @param scode     Set to the status to answer: 200; 400 (a malformed,
 *                  not sip:/sips: or over-long contact URI or Call-ID, a
 *                  contact twice, or "*" with other contacts or with an
 *                  expiration other than 0); 423 (an expires under
 *                  expires_min); 500 (a contact's binding was written
 *                  with this Call-ID and a CSeq not lower than this one:
 *                  "the update MUST be aborted and the request fails",
 *                  10.3 step 7); 503 (no room)
 *
 * @return 0 when the answer is decided, whatever the status; EINVAL;
 *         ENOMEM, and then nothing changed, unless it was hdrs that
 *         could not grow
 */
int registrar_register(struct registrar *r, const struct sip_msg *msg,
		       const char *aor_user, uint64_t now_ms,
		       struct mbuf *hdrs, uint16_t *scode)
{
	struct aor *a;
	uint16_t sc;
	int err;

	if (!r || !msg || !aor_user || !hdrs || !scode)
		return EINVAL;

	a = aor_find(r, aor_user);
	if (a)
		a = aor_purge(a, now_ms);

	err = update(r, &a, msg, aor_user, now_ms, &sc);
	if (err)
		return err;

	if (sc == 200)
		err = bindings_print(hdrs, a, now_ms);
	else if (sc == 423)     /* RFC 3261 10.3 step 7, 20.23 */
		err = mbuf_printf(hdrs, "Min-Expires: %u\r\n",
				  r->prm.expires_min);

	if (!err)
		*scode = sc;

	return err;
}


/**
 * The contact of the AOR's most recently written live binding
 *
 * @return The contact URI, or NULL when none; valid until the next call
 *         on r
 */
const char *registrar_lookup(struct registrar *r, const char *aor_user,
			     uint64_t now_ms)
{
	struct aor *a;
	struct le *le;

	if (!r || !aor_user)
		return NULL;

	a = aor_find(r, aor_user);
	if (a)
		a = aor_purge(a, now_ms);

	le = a ? list_tail(&a->bindl) : NULL;

	return le ? ((struct binding *)le->data)->uri : NULL;
}


/**
 * The number of live bindings, in all AORs
 */
size_t registrar_count(struct registrar *r, uint64_t now_ms)
{
	if (!r)
		return 0;

	sweep(r, now_ms);

	return r->n;
}
