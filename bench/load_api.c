/**
 * @file load_api.c  chorus-load: the video forwarder's own counters
 *
 * chorusd's come from its HTTP API, GET /v1/rooms/NAME, "video":
 * {"packets_forwarded", ...}, summed over the rooms; bench/udp_relay's
 * from one datagram to its control port. Both are read at the edges of
 * the measurement window, with blocking calls bounded by a timeout (a
 * few milliseconds on loopback, outside the window's CPU samples).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <re.h>
#include "load.h"

enum {
	IO_TIMEOUT_MS = 1000,
	RESP_MAX = 64 * 1024,         /* one room's JSON, at most [bytes] */
};


/** Whether addr (network order) is on 127.0.0.0/8 */
bool load_is_loopback(uint32_t addr_net)
{
	return (ntohl(addr_net) >> 24) == 127;
}


static void timeouts_set(int fd)
{
	struct timeval tv = {IO_TIMEOUT_MS / 1000,
		(IO_TIMEOUT_MS % 1000) * 1000};

	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}


/* A loopback IPv4 address "IP:PORT" */
static int lo_addr(struct sockaddr_in *sin, const char *addr)
{
	struct sa sa;

	if (sa_decode(&sa, addr, str_len(addr)) || sa_af(&sa) != AF_INET ||
	    !load_is_loopback(sa.u.in.sin_addr.s_addr))
		return EINVAL;

	*sin = sa.u.in;

	return 0;
}


/* "key":N in a JSON text, after the "video" object starts */
static int json_u64(const char *js, const char *key, uint64_t *v)
{
	char pat[64];
	const char *p;

	re_snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(js, pat);
	if (!p)
		return ENOENT;

	*v += strtoull(p + strlen(pat), NULL, 10);

	return 0;
}


/* GET path over HTTP/1.0, the whole response into buf (NUL-ended) */
static int http_get(const struct sockaddr_in *sin, const char *path,
		    char *buf, size_t size)
{
	char req[256];
	size_t got = 0;
	ssize_t n;
	int fd, err = 0;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	timeouts_set(fd);

	if (connect(fd, (const struct sockaddr *)sin, sizeof(*sin))) {
		err = errno;
		goto out;
	}

	n = re_snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\n"
			"Host: 127.0.0.1\r\nConnection: close\r\n\r\n", path);
	if (n < 0 || send(fd, req, (size_t)n, MSG_NOSIGNAL) != n) {
		err = EIO;
		goto out;
	}

	/* until the body is in (Content-Length) or the server closes */
	while (got < size - 1 && (n = recv(fd, buf + got, size - 1 - got,
					   0)) > 0) {
		const char *eoh, *cl;

		got += (size_t)n;
		buf[got] = '\0';
		eoh = strstr(buf, "\r\n\r\n");
		cl = strcasestr(buf, "\r\nContent-Length:");
		if (eoh && cl && cl < eoh &&
		    got >= (size_t)(eoh + 4 - buf) + strtoul(cl + 17, NULL, 10))
			break;
	}
	buf[got] = '\0';

	if (strncmp(buf, "HTTP/1.", 7) || strncmp(buf + 8, " 200", 4))
		err = EPROTO;

 out:
	close(fd);

	return err;
}


/**
 * chorusd's video counters, summed over rooms prefix0 .. prefix(R-1)
 *
 * @param f       Set; f->ok false if any room could not be read
 * @param api     chorusd's HTTP API "127.0.0.1:PORT"
 * @param prefix  Room name prefix
 * @param rooms   R
 *
 * @return 0 or errno
 */
int load_api_fwd(struct load_fwd *f, const char *api, const char *prefix,
		 uint32_t rooms)
{
	struct sockaddr_in sin;
	char *buf, path[128];
	int err;

	memset(f, 0, sizeof(*f));

	err = lo_addr(&sin, api);
	if (err)
		return err;

	buf = mem_alloc(RESP_MAX, NULL);
	if (!buf)
		return ENOMEM;

	for (uint32_t r = 0; r < rooms && !err; r++) {
		const char *v;

		re_snprintf(path, sizeof(path), "/v1/rooms/%s%u", prefix, r);
		err = http_get(&sin, path, buf, RESP_MAX);
		if (err)
			break;

		v = strstr(buf, "\"video\":{");
		if (!v) {
			err = EPROTO;
			break;
		}

		err = json_u64(v, "packets_forwarded", &f->forwarded);
		err |= json_u64(v, "packets_dropped", &f->dropped);
		err |= json_u64(v, "switches", &f->switches);
		err |= json_u64(v, "keyframe_waits", &f->key_waits);
		err |= json_u64(v, "keyframe_timeouts", &f->key_timeouts);
		if (err)
			err = EPROTO;
	}

	f->t_us = load_now_us();
	f->ok = !err;
	mem_deref(buf);

	return err;
}


/**
 * bench/udp_relay's counters: "stats" to its control port, answered
 * "forwarded=N dropped=N received=N"
 *
 * @return 0 or errno
 */
int load_relay_fwd(struct load_fwd *f, uint16_t port)
{
	struct sockaddr_in sin;
	char buf[256];
	ssize_t n;
	int fd, err = 0;

	memset(f, 0, sizeof(*f));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(port);

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	timeouts_set(fd);

	if (sendto(fd, "stats", 5, 0, (struct sockaddr *)&sin,
		   sizeof(sin)) != 5) {
		err = errno;
		goto out;
	}

	n = recv(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0) {
		err = n < 0 ? errno : EPROTO;
		goto out;
	}
	buf[n] = '\0';

	if (sscanf(buf, "forwarded=%llu dropped=%llu",
		   (unsigned long long *)&f->forwarded,
		   (unsigned long long *)&f->dropped) != 2)
		err = EPROTO;

 out:
	close(fd);
	f->t_us = load_now_us();
	f->ok = !err;

	return err;
}
