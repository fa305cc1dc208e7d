/* impair: a UDP relay that damages one direction, for end-to-end tests.
 *
 * The client sends its RTP to the relay as if it were the server; the
 * relay forwards it to the server from its own socket, and forwards what
 * the server sends back to the client (learnt from its first packet).
 * Only client-to-server packets are damaged: lost, delayed with jitter,
 * reordered. Server-to-client packets, and RTCP, pass unchanged.
 *
 *   impair -l ADDR:PORT -f ADDR:PORT [-b ADDR:PORT] [--rtcp]
 *          [--loss PCT] [--jitter MS] [--dist uniform|normal]
 *          [--delay MS] [--reorder PCT] [--seed N] [--duration SEC]
 *
 *	-l	listen here for the client (and for the server's packets
 *		sent there before it learns the relay's address)
 *	-f	the server
 *	-b	the relay's server-side address (default: loopback, any
 *		port), of the same family as -f
 *	--rtcp	also relay the next ports up (RTCP, RFC 3550 11), unchanged
 *	--loss	drop this percentage of packets (0-100, fractions allowed)
 *	--jitter	extra delay per packet: uniform in [0, MS], or with
 *		--dist normal the absolute value of a normal draw with
 *		standard deviation MS/2; packets may overtake each other
 *	--delay	fixed extra delay [ms]
 *	--reorder	hold this percentage of packets back until the next
 *		one has gone (at most 200 ms)
 *	--seed	random seed (default 1: runs repeat)
 *	--duration	stop after SEC seconds (default 60, 0: on SIGTERM only)
 *
 * Addresses must be loopback (127.0.0.0/8 or [::1]). On exit (duration
 * over, SIGINT or SIGTERM) one line of counts goes to stdout:
 *
 *   c2s_in=N c2s_sent=N c2s_dropped=N c2s_reordered=N c2s_pending=N
 *   c2s_failed=N s2c_in=N s2c_sent=N rtcp_c2s=N rtcp_s2c=N
 *
 * c2s_dropped counts the losses made on purpose; c2s_reordered packets
 * sent after one that came in later; c2s_pending those still held when
 * the relay stopped; c2s_failed those lost to a full queue or a send
 * error. c2s_in = sent + dropped + pending + failed. Exit status: 0, or
 * 2 on usage or socket errors. Only libc is used.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum {
	PKT_MAX   = 2048,    /* largest datagram relayed [bytes]        */
	QUEUE_MAX = 1024,    /* packets held at most                    */
	HOLD_MAX_US = 200000,/* a reordered packet waits at most [us]   */
};

/* one relayed port pair: client side and server side sockets */
struct pair {
	int cli;                      /* bound to -l                */
	int srv;                      /* bound to -b                */
	struct sockaddr_storage fwd;  /* the server                 */
	struct sockaddr_storage peer; /* the client, once known     */
	socklen_t fwd_len, peer_len;
};

struct pkt {
	uint64_t due;        /* send time [us]; UINT64_MAX: held back */
	uint64_t held_at;    /* [us] */
	uint64_t idx;        /* arrival order */
	size_t len;
	uint8_t buf[PKT_MAX];
};

struct opts {
	double loss, reorder;        /* [%]  */
	double jitter, delay;        /* [ms] */
	bool normal;
	bool rtcp;
	uint64_t seed;
	double duration;             /* [s]  */
};

struct counts {
	uint64_t c2s_in, c2s_sent, c2s_dropped, c2s_reordered, c2s_failed;
	uint64_t s2c_in, s2c_sent, rtcp_c2s, rtcp_s2c;
};

static struct pkt queue[QUEUE_MAX];
static size_t nqueue;
static struct counts cnt;
static uint64_t rng_state;
static volatile sig_atomic_t stop;


static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}


static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}


/* splitmix64: uniform in [0, 1) */
static double rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;

	return (double)(z >> 11) / 9007199254740992.0;
}


/* standard normal, from twelve uniforms (no libm) */
static double rnd_normal(void)
{
	double s = 0;
	int i;

	for (i = 0; i < 12; i++)
		s += rnd();

	return s - 6.0;
}


static bool is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)ss;

		return (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
	}

	return ss->ss_family == AF_INET6 &&
		IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)
				       (const void *)ss)->sin6_addr);
}


/* "127.0.0.1:5000" or "[::1]:5000", plus a port offset; loopback only */
static int parse_addr(const char *str, int add, struct sockaddr_storage *ss,
		      socklen_t *len)
{
	char host[64];
	const char *colon = strrchr(str, ':');
	char *end;
	long port;
	size_t hl;

	if (!colon || colon == str)
		return EINVAL;

	hl = (size_t)(colon - str);
	if (str[0] == '[' && colon[-1] == ']') {
		++str;
		hl -= 2;
	}
	if (hl >= sizeof(host))
		return EINVAL;
	memcpy(host, str, hl);
	host[hl] = '\0';

	port = strtol(colon + 1, &end, 10);
	if (*end || port < 0 || port + add > 65535)
		return EINVAL;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)(void *)ss)->
		      sin_addr) == 1) {
		struct sockaddr_in *sin = (void *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)(port ? port + add : 0));
		*len = sizeof(*sin);
	}
	else if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)
					     (void *)ss)->sin6_addr) == 1) {
		struct sockaddr_in6 *sin6 = (void *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)(port ? port + add : 0));
		*len = sizeof(*sin6);
	}
	else {
		return EINVAL;
	}

	return is_loopback(ss) ? 0 : EPERM;
}


static int bound_socket(const struct sockaddr_storage *ss, socklen_t len)
{
	int fd = socket(ss->ss_family, SOCK_DGRAM, 0);

	if (fd < 0)
		return -1;
	if (bind(fd, (const struct sockaddr *)ss, len) < 0) {
		close(fd);
		return -1;
	}

	return fd;
}


static bool same_addr(const struct sockaddr_storage *a,
		      const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;

	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;

		return x->sin_port == y->sin_port &&
			x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	else {
		const struct sockaddr_in6 *x = (const void *)a;
		const struct sockaddr_in6 *y = (const void *)b;

		return x->sin6_port == y->sin6_port &&
			!memcmp(&x->sin6_addr, &y->sin6_addr,
				sizeof(x->sin6_addr));
	}
}


/* Bind a pair: client side at lstr, server side at bstr, to fstr; all
 * ports moved up by add (1 for RTCP) */
static int pair_open(struct pair *p, const char *lstr, const char *fstr,
		     const char *bstr, int add)
{
	struct sockaddr_storage ls, bs;
	socklen_t llen, blen;
	int err;

	memset(p, 0, sizeof(*p));
	err = parse_addr(lstr, add, &ls, &llen);
	err = err ? err : parse_addr(fstr, add, &p->fwd, &p->fwd_len);
	if (!bstr)
		bstr = p->fwd.ss_family == AF_INET6 ? "[::1]:0" : "127.0.0.1:0";
	err = err ? err : parse_addr(bstr, add, &bs, &blen);
	if (!err && bs.ss_family != p->fwd.ss_family)
		err = EINVAL;
	if (err == EPERM) {
		fprintf(stderr, "impair: refused: not a loopback address\n");
		return err;
	}
	if (err || !strcmp(strrchr(lstr, ':'), ":0") ||
	    !strcmp(strrchr(fstr, ':'), ":0")) {
		fprintf(stderr, "impair: addresses are ADDR:PORT, -b of the "
			"family of -f\n");
		return EINVAL;
	}

	p->cli = bound_socket(&ls, llen);
	p->srv = p->cli < 0 ? -1 : bound_socket(&bs, blen);
	if (p->srv < 0) {
		fprintf(stderr, "impair: bind %s / %s (+%d): %s\n", lstr,
			bstr, add, strerror(errno));
		return errno ? errno : EINVAL;
	}

	return 0;
}


/* A client-to-server RTP packet: drop it, or queue it with a delay */
static void c2s_in(const uint8_t *buf, size_t len, const struct opts *o,
		   uint64_t now)
{
	static uint64_t idx;
	struct pkt *q;
	double d;
	size_t i;

	++cnt.c2s_in;
	++idx;

	if (o->loss > 0 && rnd() * 100.0 < o->loss) {
		++cnt.c2s_dropped;
		return;
	}
	if (nqueue == QUEUE_MAX) {
		++cnt.c2s_failed;
		return;
	}

	d = o->delay;
	if (o->jitter > 0 && o->normal) {
		double z = rnd_normal();

		d += (z < 0 ? -z : z) * o->jitter / 2;
	}
	else if (o->jitter > 0) {
		d += rnd() * o->jitter;
	}

	q = &queue[nqueue++];
	q->due = now + (uint64_t)(d * 1000.0);
	q->idx = idx;
	q->len = len;
	memcpy(q->buf, buf, len);

	/* a packet held back goes right after this one */
	for (i = 0; i + 1 < nqueue; i++) {
		if (queue[i].due == UINT64_MAX)
			queue[i].due = q->due + 1;
	}

	if (o->reorder > 0 && rnd() * 100.0 < o->reorder) {
		q->due = UINT64_MAX;
		q->held_at = now;
	}
}


/* Send the queued packets that are due, earliest first; returns the next
 * due time (UINT64_MAX: none) */
static uint64_t c2s_flush(const struct pair *p, uint64_t now)
{
	static uint64_t max_idx;
	uint64_t next = UINT64_MAX;

	for (;;) {
		size_t i, best = nqueue;

		for (i = 0; i < nqueue; i++) {
			struct pkt *q = &queue[i];

			if (q->due == UINT64_MAX &&
			    now - q->held_at >= HOLD_MAX_US)
				q->due = now;
			if (best == nqueue || q->due < queue[best].due ||
			    (q->due == queue[best].due &&
			     q->idx < queue[best].idx))
				best = i;
		}
		if (best == nqueue)
			break;
		if (queue[best].due > now) {
			next = queue[best].due;
			break;
		}

		if (queue[best].idx < max_idx)
			++cnt.c2s_reordered;
		else
			max_idx = queue[best].idx;

		if (sendto(p->srv, queue[best].buf, queue[best].len, 0,
			   (const struct sockaddr *)&p->fwd, p->fwd_len) >= 0)
			++cnt.c2s_sent;
		else
			++cnt.c2s_failed;

		queue[best] = queue[--nqueue];
	}

	/* a held packet is let go after HOLD_MAX_US at the latest */
	for (size_t i = 0; i < nqueue; i++) {
		if (queue[i].due == UINT64_MAX &&
		    queue[i].held_at + HOLD_MAX_US < next)
			next = queue[i].held_at + HOLD_MAX_US;
	}

	return next;
}


/* Read all that is waiting on one socket of a pair and pass it on */
static void pair_read(struct pair *p, bool srv_side, bool rtp,
		      const struct opts *o, uint64_t now)
{
	uint8_t buf[PKT_MAX];
	struct sockaddr_storage src;
	socklen_t slen = sizeof(src);
	ssize_t n;

	while ((n = recvfrom(srv_side ? p->srv : p->cli, buf, sizeof(buf),
			     MSG_DONTWAIT, (struct sockaddr *)&src,
			     &slen)) >= 0) {

		bool from_server = srv_side || same_addr(&src, &p->fwd);

		if (from_server) {
			/* to the client, from the address it sends to */
			if (rtp)
				++cnt.s2c_in;
			if (p->peer_len &&
			    sendto(p->cli, buf, (size_t)n, 0,
				   (struct sockaddr *)&p->peer,
				   p->peer_len) >= 0) {
				if (rtp)
					++cnt.s2c_sent;
				else
					++cnt.rtcp_s2c;
			}
		}
		else {
			if (!p->peer_len) {
				p->peer = src;
				p->peer_len = slen;
			}
			if (rtp)
				c2s_in(buf, (size_t)n, o, now);
			else if (sendto(p->srv, buf, (size_t)n, 0,
					(struct sockaddr *)&p->fwd,
					p->fwd_len) >= 0)
				++cnt.rtcp_c2s;
		}
		slen = sizeof(src);
	}
}


static void usage(void)
{
	fprintf(stderr,
		"usage: impair -l ADDR:PORT -f ADDR:PORT [-b ADDR:PORT] "
		"[--rtcp]\n"
		"              [--loss PCT] [--jitter MS] "
		"[--dist uniform|normal] [--delay MS]\n"
		"              [--reorder PCT] [--seed N] "
		"[--duration SEC]\n"
		"  addresses: loopback only\n");
}


static bool num(const char *s, double lo, double hi, double *v)
{
	char *end;

	*v = strtod(s, &end);
	return *s && !*end && *v >= lo && *v <= hi;
}


static int parse_opts(int argc, char **argv, struct opts *o,
		      const char **l, const char **f, const char **b)
{
	double seed = 1;
	int i;

	memset(o, 0, sizeof(*o));
	o->duration = 60;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		bool ok = v != NULL;

		if (!strcmp(a, "--rtcp")) {
			o->rtcp = true;
			continue;
		}
		if (!strcmp(a, "-l"))
			*l = v;
		else if (!strcmp(a, "-f"))
			*f = v;
		else if (!strcmp(a, "-b"))
			*b = v;
		else if (!strcmp(a, "--loss"))
			ok = ok && num(v, 0, 100, &o->loss);
		else if (!strcmp(a, "--reorder"))
			ok = ok && num(v, 0, 100, &o->reorder);
		else if (!strcmp(a, "--jitter"))
			ok = ok && num(v, 0, 10000, &o->jitter);
		else if (!strcmp(a, "--delay"))
			ok = ok && num(v, 0, 10000, &o->delay);
		else if (!strcmp(a, "--seed"))
			ok = ok && num(v, 0, 1e15, &seed);
		else if (!strcmp(a, "--duration"))
			ok = ok && num(v, 0, 86400, &o->duration);
		else if (!strcmp(a, "--dist") && ok &&
			 (!strcmp(v, "uniform") || !strcmp(v, "normal")))
			o->normal = !strcmp(v, "normal");
		else
			ok = false;

		if (!ok) {
			fprintf(stderr, "impair: bad option %s\n", a);
			return EINVAL;
		}
		++i;
	}

	o->seed = (uint64_t)seed;

	return *l && *f ? 0 : EINVAL;
}


int main(int argc, char **argv)
{
	const char *l = NULL, *f = NULL, *b = NULL;
	struct pair pv[2];
	struct pollfd fds[4];
	struct sigaction sa;
	struct opts o;
	uint64_t end = 0;
	size_t np, i;

	if (parse_opts(argc, argv, &o, &l, &f, &b)) {
		usage();
		return 2;
	}
	rng_state = o.seed;

	np = o.rtcp ? 2 : 1;
	for (i = 0; i < np; i++) {
		if (pair_open(&pv[i], l, f, b, (int)i))
			return 2;
		fds[2 * i].fd = pv[i].cli;
		fds[2 * i + 1].fd = pv[i].srv;
		fds[2 * i].events = fds[2 * i + 1].events = POLLIN;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	fprintf(stderr, "impair: %s -> %s, loss %g%% jitter %g ms (%s) "
		"delay %g ms reorder %g%% seed %llu\n", l, f, o.loss, o.jitter,
		o.normal ? "normal" : "uniform", o.delay, o.reorder,
		(unsigned long long)o.seed);

	if (o.duration > 0)
		end = now_us() + (uint64_t)(o.duration * 1e6);

	while (!stop) {
		uint64_t now = now_us(), next;
		struct timespec ts;

		if (end && now >= end)
			break;

		next = c2s_flush(&pv[0], now);
		if (end && end < next)
			next = end;
		if (next == UINT64_MAX || next - now > 1000000)
			next = now + 1000000;

		ts.tv_sec = (time_t)((next - now) / 1000000);
		ts.tv_nsec = (long)((next - now) % 1000000) * 1000;
		if (ppoll(fds, 2 * np, &ts, NULL) <= 0)
			continue;

		now = now_us();
		for (i = 0; i < 2 * np; i++) {
			if (fds[i].revents & POLLIN)
				pair_read(&pv[i / 2], i % 2, i < 2, &o, now);
		}
	}

	printf("c2s_in=%llu c2s_sent=%llu c2s_dropped=%llu "
	       "c2s_reordered=%llu c2s_pending=%zu c2s_failed=%llu "
	       "s2c_in=%llu s2c_sent=%llu rtcp_c2s=%llu rtcp_s2c=%llu\n",
	       (unsigned long long)cnt.c2s_in,
	       (unsigned long long)cnt.c2s_sent,
	       (unsigned long long)cnt.c2s_dropped,
	       (unsigned long long)cnt.c2s_reordered, nqueue,
	       (unsigned long long)cnt.c2s_failed,
	       (unsigned long long)cnt.s2c_in,
	       (unsigned long long)cnt.s2c_sent,
	       (unsigned long long)cnt.rtcp_c2s,
	       (unsigned long long)cnt.rtcp_s2c);

	for (i = 0; i < np; i++) {
		close(pv[i].cli);
		close(pv[i].srv);
	}

	return 0;
}
