/**
 * @file store.c  Persistent rooms: saved atomically, restored at start-up
 *
 * The state file DIR/rooms.json is replaced, never edited: the new content
 * goes to a temporary file that is fsync'ed and renamed over the old one,
 * and the directory is fsync'ed, so after a crash at any moment the file
 * holds either the old or the new state, whole (rename(2) is atomic).
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <re.h>
#include "codec.h"
#include "log.h"
#include "rooms.h"
#include "store.h"

enum {
	STORE_MAX = 4 * 1024 * 1024,   /* largest state file we read */
	STORE_VERSION = 1,
};

static const char store_name[] = "rooms.json";


static int rooms_json(struct re_printf *pf, const struct rooms *mgr)
{
	const struct list *lst = rooms_list(mgr);
	bool first = true;
	int err;

	err = re_hprintf(pf, "{\"version\":%d,\"rooms\":[", STORE_VERSION);

	for (struct le *le = list_head(lst); le && !err; le = le->next) {
		const struct room *r = le->data;
		const struct room_prm *prm = room_prm(r);

		if (!prm->persistent)
			continue;

		err = re_hprintf(pf, "%s\n{\"name\":\"%s\","
				 "\"max_participants\":%u,"
				 "\"talkers_max\":%u,\"locked\":%s,"
				 "\"video_codec\":\"%s\",\"video_mode\":\"%s\","
				 "\"video_hold_ms\":%u,"
				 "\"media_encryption\":\"%s\",\"auth\":\"%s\","
				 "\"pin\":\"%s\","
				 "\"created_at\":%llu}",
				 first ? "" : ",", room_name(r),
				 prm->max_participants, prm->talkers_max,
				 prm->locked ? "true" : "false",
				 room_vcodec_name(prm->video_codec),
				 room_video_mode_name(prm->video_mode),
				 prm->video_hold_ms,
				 cfg_menc_name(prm->media_encryption),
				 cfg_auth_name(prm->auth), prm->pin,
				 (unsigned long long)room_created_at(r));
		first = false;
	}

	return err | re_hprintf(pf, "\n]}\n");
}


static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}

		p += w;
		n -= (size_t)w;
	}

	return 0;
}


static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	int err = 0;

	if (fd < 0)
		return errno;

	if (fsync(fd))
		err = errno;

	close(fd);
	return err;
}


/**
 * Write every persistent room to DIR/rooms.json, atomically
 *
 * @return 0, ENOMEM, or EIO when the file system refused (the cause is
 *         logged: to a client it is one storage error, whatever the
 *         call that failed); on error the previous file is intact
 */
int store_save(const struct rooms *mgr, const char *dir)
{
	char path[512], tmp[512];
	struct mbuf *mb;
	int fd = -1, err, fe;

	re_snprintf(path, sizeof(path), "%s/%s", dir, store_name);
	re_snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, store_name);

	mb = mbuf_alloc(1024);
	if (!mb)
		return ENOMEM;

	err = mbuf_printf(mb, "%H", rooms_json, mgr);
	if (err)
		goto out;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		err = errno;
		goto out;
	}

	err = write_all(fd, mb->buf, mb->end);
	if (!err && fsync(fd))
		err = errno;
	if (close(fd) && !err)
		err = errno;
	fd = -1;
	if (err)
		goto out;

	if (rename(tmp, path)) {
		err = errno;
		goto out;
	}

	/* the new state is in place; only its durability is in doubt */
	fe = fsync_dir(dir);
	if (fe)
		log_warn("cannot fsync %s: %m", dir, fe);

 out:
	if (err) {
		log_error("cannot save rooms to %s: %m", path, err);
		(void)unlink(tmp);
	}

	mem_deref(mb);
	return err && err != ENOMEM ? EIO : err;
}


static int room_restore(struct rooms *mgr, const struct odict *o)
{
	const struct odict_entry *e;
	struct room_prm prm;
	uint64_t created = 0, v;
	const char *name = odict_string(o, "name");
	const char *pin;

	rooms_default_prm(mgr, &prm);
	prm.persistent = true;

	if (odict_get_number(o, &v, "max_participants") && v >= 1 &&
	    v <= 100000)
		prm.max_participants = (uint32_t)v;
	if (odict_get_number(o, &v, "talkers_max") && v <= 256)
		prm.talkers_max = (uint32_t)v;
	(void)odict_get_boolean(o, &prm.locked, "locked");
	(void)odict_get_number(o, &created, "created_at");
	(void)room_vcodec_from_name(odict_string(o, "video_codec"),
				    &prm.video_codec);
	(void)room_video_mode_from_name(odict_string(o, "video_mode"),
					&prm.video_mode);
	if (odict_get_number(o, &v, "video_hold_ms") && v <= 60000)
		prm.video_hold_ms = (uint32_t)v;
	(void)cfg_menc_parse(&prm.media_encryption,
			     odict_string(o, "media_encryption"));
	(void)cfg_auth_parse(&prm.auth, odict_string(o, "auth"));
	pin = odict_string(o, "pin");
	if (pin && strlen(pin) <= ROOM_PIN_MAX &&
	    strspn(pin, "0123456789") == strlen(pin))
		str_ncpy(prm.pin, pin, sizeof(prm.pin));

	e = odict_lookup(o, "name");
	if (!e || e->type != ODICT_STRING)
		return EINVAL;

	return rooms_restore(mgr, name, &prm, created);
}


static int parse(struct rooms *mgr, const char *buf, size_t len,
		 const char *path)
{
	const struct odict_entry *arr;
	struct odict *od = NULL;
	unsigned n = 0;
	int err;

	err = json_decode_odict(&od, 32, buf, len, 8);
	if (err)
		return err;

	arr = odict_get_type(od, ODICT_ARRAY, "rooms");
	if (!arr) {
		err = EBADMSG;
		goto out;
	}

	for (struct le *le = arr->u.odict->lst.head; le; le = le->next) {
		const struct odict_entry *e = le->data;

		if (e->type != ODICT_OBJECT ||
		    room_restore(mgr, e->u.odict)) {
			log_warn("%s: skipping a bad room entry", path);
			continue;
		}
		n++;
	}

	log_info("restored %u persistent rooms from %s", n, path);

 out:
	mem_deref(od);
	return err;
}


/**
 * Restore the persistent rooms from DIR/rooms.json. A missing file is no
 * error; an unreadable one is set aside (renamed) and reported.
 *
 * @return 0 or errno
 */
int store_load(struct rooms *mgr, const char *dir)
{
	char path[512], aside[600];
	char *buf;
	ssize_t n;
	int fd, err;

	re_snprintf(path, sizeof(path), "%s/%s", dir, store_name);

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : errno;

	buf = mem_alloc(STORE_MAX, NULL);
	if (!buf) {
		close(fd);
		return ENOMEM;
	}

	n = read(fd, buf, STORE_MAX);
	err = n < 0 ? errno : 0;
	close(fd);
	if (err) {
		mem_deref(buf);
		return err;   /* unreadable: not "no rooms" */
	}

	err = n >= STORE_MAX ? EFBIG : parse(mgr, buf, (size_t)n, path);
	mem_deref(buf);
	if (err) {
		re_snprintf(aside, sizeof(aside), "%s.bad", path);
		log_error("cannot parse %s (%m): moved to %s", path, err,
			  aside);
		(void)rename(path, aside);
	}

	return 0;
}
