/**
 * @file digest_users.c  The users file of digest authentication: HA1s
 *
 * One user a line, "user:realm:ha1-md5:ha1-sha256", lower-case hex, either
 * HA1 may be empty (RFC 7616 3.4.2: HA1 = H(user:realm:password)); blank
 * lines and lines starting with '#' are skipped. scripts/chorus-user
 * makes a line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "log.h"
#include "digest.h"

struct digest_users {
	struct hash *ht;             /* struct duser by user name         */
	struct list all;             /* struct duser                      */
};

struct duser {
	struct le he;
	struct le le;
	char *user;
	char *realm;
	char ha1[DIGEST_ALG_COUNT][DIGEST_HEX_SIZE];  /* "": none         */
};

struct duser_key {
	const char *user;
	const char *realm;
};


static void users_destructor(void *arg)
{
	struct digest_users *u = arg;

	list_flush(&u->all);
	mem_deref(u->ht);
}


static void duser_destructor(void *arg)
{
	struct duser *du = arg;

	hash_unlink(&du->he);
	list_unlink(&du->le);
	mem_deref(du->user);
	mem_deref(du->realm);
}


static bool duser_cmp(struct le *le, void *arg)
{
	const struct duser *du = le->data;
	const struct duser_key *k = arg;

	return !strcmp(du->user, k->user) && !strcmp(du->realm, k->realm);
}


static struct duser *duser_find(const struct digest_users *u,
				const char *user, const char *realm)
{
	struct duser_key k = {user, realm};

	return list_ledata(hash_lookup(u->ht, hash_joaat_str(user),
				       duser_cmp, &k));
}


/* A user name or realm: not empty, no control characters */
static bool name_ok(const char *s)
{
	if (!*s)
		return false;

	for (; *s; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	}

	return true;
}


/* Empty, or len lower-case hex digits */
static bool ha1_ok(const char *s, size_t len)
{
	size_t n = strlen(s);

	if (!n)
		return true;
	if (n != len)
		return false;

	for (size_t i = 0; i < n; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	}

	return true;
}


/* One line, its end of line cut; 0, ENOENT if nothing, EBADMSG */
static int line_parse(struct digest_users *u, char *line)
{
	char *f[4];
	struct duser *du;
	size_t n;
	int err;

	n = strlen(line);
	while (n && (line[n - 1] == ' ' || line[n - 1] == '\t' ||
		     line[n - 1] == '\r'))
		line[--n] = '\0';

	line += strspn(line, " \t");
	if (!*line || *line == '#')
		return ENOENT;

	f[0] = line;
	for (int i = 1; i < 4; i++) {
		char *c = strchr(f[i - 1], ':');

		if (!c)
			return EBADMSG;
		*c = '\0';
		f[i] = c + 1;
	}

	if (strchr(f[3], ':') || !name_ok(f[0]) || !name_ok(f[1]) ||
	    !ha1_ok(f[2], 32) || !ha1_ok(f[3], 64) || (!*f[2] && !*f[3]))
		return EBADMSG;

	if (duser_find(u, f[0], f[1]))
		return EBADMSG;              /* twice: which one? */

	du = mem_zalloc(sizeof(*du), duser_destructor);
	if (!du)
		return ENOMEM;

	err  = str_dup(&du->user, f[0]);
	err |= str_dup(&du->realm, f[1]);
	if (err) {
		mem_deref(du);
		return ENOMEM;
	}

	str_ncpy(du->ha1[DIGEST_MD5], f[2], DIGEST_HEX_SIZE);
	str_ncpy(du->ha1[DIGEST_SHA256], f[3], DIGEST_HEX_SIZE);

	list_append(&u->all, &du->le, du);
	hash_append(u->ht, hash_joaat_str(du->user), &du->he, du);

	return 0;
}


/**
 * Load a users file
 *
 * @param up    Set to the users (a mem object)
 * @param path  The file
 *
 * @return 0, EBADMSG for a malformed line (logged with its number), or
 *         the errno of opening or reading the file
 */
int digest_users_load(struct digest_users **up, const char *path)
{
	struct digest_users *u;
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	FILE *fp;
	int err;

	if (!up || !path)
		return EINVAL;

	u = mem_zalloc(sizeof(*u), users_destructor);
	if (!u)
		return ENOMEM;

	err = hash_alloc(&u->ht, 256);
	if (err)
		goto out;

	fp = fopen(path, "r");
	if (!fp) {
		err = errno;
		log_error("digest: users file %s: %m", path, err);
		goto out;
	}

	for (;;) {
		ssize_t n;

		errno = 0;
		n = getline(&line, &cap, fp);
		if (n < 0) {
			err = errno;
			break;
		}
		++lineno;

		if (n > 0 && line[n - 1] == '\n')
			line[n - 1] = '\0';

		err = line_parse(u, line);
		if (err == ENOENT) {
			err = 0;
			continue;
		}
		if (err) {
			if (err == EBADMSG)
				log_error("digest: users file %s line %u: "
					  "malformed or repeated user",
					  path, lineno);
			break;
		}
	}

	free(line);
	fclose(fp);

 out:
	if (err)
		mem_deref(u);
	else
		*up = u;

	return err;
}


/**
 * The HA1 of a user in a realm for a hash
 *
 * @return The HA1 in lower-case hex, or NULL if the user is not there or
 *         has none for that hash
 */
const char *digest_users_ha1(const struct digest_users *u, const char *user,
			     const char *realm, enum digest_alg alg)
{
	const struct duser *du;

	if (!u || !user || !realm || (unsigned)alg >= DIGEST_ALG_COUNT)
		return NULL;

	du = duser_find(u, user, realm);
	if (!du || !du->ha1[alg][0])
		return NULL;

	return du->ha1[alg];
}


/**
 * The number of users (user and realm pairs)
 */
size_t digest_users_count(const struct digest_users *u)
{
	return u ? list_count(&u->all) : 0;
}


/**
 * Compare two sets of users (a users file read again): who is new, who
 * is gone, whose HA1 changed (a new password). Either may be NULL (none).
 */
void digest_users_diff(const struct digest_users *old,
		       const struct digest_users *cur,
		       struct digest_users_diff *d)
{
	if (!d)
		return;

	memset(d, 0, sizeof(*d));

	for (struct le *le = cur ? cur->all.head : NULL; le; le = le->next) {
		const struct duser *du = le->data;
		const struct duser *o = old ? duser_find(old, du->user,
							 du->realm) : NULL;

		if (!o)
			++d->added;
		else if (memcmp(o->ha1, du->ha1, sizeof(du->ha1)))
			++d->changed;
	}

	for (struct le *le = old ? old->all.head : NULL; le; le = le->next) {
		const struct duser *du = le->data;

		if (!cur || !duser_find(cur, du->user, du->realm))
			++d->removed;
	}
}
