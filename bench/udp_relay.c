/**
 * @file udp_relay.c  The floor for video forwarding: a plain UDP relay
 *                    with chorusd's fan-out (bench/video.sh)
 *
 * One socket per participant, on 127.0.0.1:PORT + 2i for participant i,
 * as chorusd gives each caller a video port. Rooms are filled as
 * chorus-load fills them: participant i is in room i % R, at place i / R.
 * Each room shows its first participant (chorus-load's talker) to every
 * other, and its second to the talker: what chorusd does while one talker
 * holds the floor. A packet from the shown source goes out to the other
 * N-1 participants, one from the talker's view to the talker, and any
 * other is read and dropped. Each socket's peer is the source of the
 * first packet on it (latched, as chorusd does).
 *
 * Level-triggered epoll, recvfrom() until EAGAIN, one sendto() per
 * receiver from the receiver's own socket: the packet goes out as it
 * came, nothing parsed, rewritten or kept. So its cost per packet is the
 * least a forwarder with per-call ports can pay on this kernel.
 *
 * A datagram "stats" to the control port (127.0.0.1) is answered with
 * "forwarded=N dropped=N received=N". Stops on SIGINT or SIGTERM, or
 * after --duration seconds; sends nowhere but loopback.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>

enum {
	PKT_MAX = 2048,            /* datagram, at most [bytes]           */
	EV_MAX = 256,              /* epoll events per wait               */
	WAIT_MS = 100,             /* to check the time bound [ms]        */
	CTL_TAG = UINT32_MAX,      /* epoll data of the control socket    */
	CALLS_MAX = 10000,
};

struct member {
	int fd;
	bool latched;
	struct sockaddr_in peer;   /* latched source                      */
	uint32_t room;
	uint32_t place;            /* 0: shown, 1: shown to the talker    */
};

struct relay {
	struct member *mv;
	uint32_t n, rooms;
	int ep, ctl;
	uint64_t rx, fwd, drop, bad, errors;
};

static volatile sig_atomic_t stop;


static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}


static void usage(FILE *f)
{
	fprintf(f,
"usage: udp_relay -n CALLS -r ROOMS -p PORT [-c CTL_PORT] [-d SECONDS]\n"
"  -n, --calls N      participants, sockets on 127.0.0.1:PORT+2i\n"
"  -r, --rooms R      participant i is in room i %% R, place i / R\n"
"  -p, --port PORT    first port (even)\n"
"  -c, --ctl PORT     control port: \"stats\" answered with counters\n"
"  -d, --duration S   exit after S seconds (600)\n");
}


static int udp_bind(uint16_t port)
{
	struct sockaddr_in sin;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(port);

	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		close(fd);
		return -1;
	}

	return fd;
}


static int ep_add(int ep, int fd, uint32_t tag)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u32 = tag;

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}


static bool same_peer(const struct sockaddr_in *a,
		      const struct sockaddr_in *b)
{
	return a->sin_addr.s_addr == b->sin_addr.s_addr &&
		a->sin_port == b->sin_port;
}


static void send_to(struct relay *r, uint32_t j, const uint8_t *b,
		    size_t len)
{
	struct member *m = &r->mv[j];

	if (!m->latched)
		return;

	if (sendto(m->fd, b, len, 0, (struct sockaddr *)&m->peer,
		   sizeof(m->peer)) < 0)
		r->errors++;
	else
		r->fwd++;
}


/* A packet from member i: to whom its room shows it */
static void fan_out(struct relay *r, uint32_t i, const uint8_t *b,
		    size_t len)
{
	const struct member *s = &r->mv[i];

	if (s->place == 0) {
		/* the shown source: everyone else in its room */
		for (uint32_t j = s->room; j < r->n; j += r->rooms) {
			if (j != i)
				send_to(r, j, b, len);
		}
	}
	else if (s->place == 1) {
		/* the talker's view: to the talker (place 0) */
		send_to(r, s->room, b, len);
	}
	else {
		r->drop++;
	}
}


static void drain(struct relay *r, uint32_t i)
{
	static uint8_t buf[PKT_MAX];
	struct member *m = &r->mv[i];

	for (;;) {
		struct sockaddr_in src;
		socklen_t sl = sizeof(src);
		ssize_t n = recvfrom(m->fd, buf, sizeof(buf), 0,
				     (struct sockaddr *)&src, &sl);

		if (n < 0)
			return;

		r->rx++;
		if (!m->latched) {
			if ((ntohl(src.sin_addr.s_addr) >> 24) != 127) {
				r->bad++;
				continue;
			}
			m->peer = src;
			m->latched = true;
		}
		else if (!same_peer(&src, &m->peer)) {
			r->bad++;
			continue;
		}

		fan_out(r, i, buf, (size_t)n);
	}
}


static void ctl_answer(struct relay *r)
{
	char buf[64], out[160];
	struct sockaddr_in src;
	socklen_t sl = sizeof(src);
	ssize_t n;
	int len;

	while ((n = recvfrom(r->ctl, buf, sizeof(buf) - 1, 0,
			     (struct sockaddr *)&src, &sl)) >= 0) {
		buf[n] = '\0';
		if (strncmp(buf, "stats", 5) ||
		    (ntohl(src.sin_addr.s_addr) >> 24) != 127)
			continue;

		len = snprintf(out, sizeof(out), "forwarded=%llu dropped=%llu "
			       "received=%llu bad=%llu errors=%llu",
			       (unsigned long long)r->fwd,
			       (unsigned long long)r->drop,
			       (unsigned long long)r->rx,
			       (unsigned long long)r->bad,
			       (unsigned long long)r->errors);
		(void)sendto(r->ctl, out, (size_t)len, 0,
			     (struct sockaddr *)&src, sl);
		sl = sizeof(src);
	}
}


static int setup(struct relay *r, uint32_t n, uint32_t rooms, uint16_t port,
		 uint16_t ctl)
{
	struct rlimit rl;

	r->n = n;
	r->rooms = rooms;
	r->ctl = -1;
	r->mv = calloc(n, sizeof(*r->mv));
	r->ep = epoll_create1(EPOLL_CLOEXEC);
	if (!r->mv || r->ep < 0)
		return errno ? errno : ENOMEM;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < n + 64u) {
		rl.rlim_cur = n + 64u <= rl.rlim_max ? n + 64u : rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}

	for (uint32_t i = 0; i < n; i++) {
		struct member *m = &r->mv[i];

		m->room = i % rooms;
		m->place = i / rooms;
		m->fd = udp_bind((uint16_t)(port + 2 * i));
		if (m->fd < 0 || ep_add(r->ep, m->fd, i)) {
			fprintf(stderr, "udp_relay: port %u: %s\n",
				port + 2 * i, strerror(errno));
			return errno;
		}
	}

	if (ctl) {
		r->ctl = udp_bind(ctl);
		if (r->ctl < 0 || ep_add(r->ep, r->ctl, CTL_TAG)) {
			fprintf(stderr, "udp_relay: control port %u: %s\n",
				ctl, strerror(errno));
			return errno;
		}
	}

	return 0;
}


static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}


int main(int argc, char *argv[])
{
	static const struct option lopts[] = {
		{"calls", 1, 0, 'n'}, {"rooms", 1, 0, 'r'},
		{"port", 1, 0, 'p'}, {"ctl", 1, 0, 'c'},
		{"duration", 1, 0, 'd'}, {"help", 0, 0, 'h'},
		{0, 0, 0, 0},
	};
	struct epoll_event evv[EV_MAX];
	struct relay r;
	long n = 0, rooms = 1, port = 0, ctl = 0;
	double dur = 600, end;
	int c;

	while ((c = getopt_long(argc, argv, "n:r:p:c:d:h", lopts,
				NULL)) != -1) {
		switch (c) {
		case 'n': n = atol(optarg); break;
		case 'r': rooms = atol(optarg); break;
		case 'p': port = atol(optarg); break;
		case 'c': ctl = atol(optarg); break;
		case 'd': dur = atof(optarg); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}

	if (optind < argc || n < 1 || n > CALLS_MAX || rooms < 1 ||
	    rooms > n || port < 1024 || port + 2 * n > 65535 || ctl < 0 ||
	    ctl > 65535 || dur <= 0 || dur > 3600) {
		usage(stderr);
		return 2;
	}

	memset(&r, 0, sizeof(r));
	if (setup(&r, (uint32_t)n, (uint32_t)rooms, (uint16_t)port,
		  (uint16_t)ctl))
		return 1;

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	end = mono_s() + dur;

	while (!stop && mono_s() < end) {
		int k = epoll_wait(r.ep, evv, EV_MAX, WAIT_MS);

		for (int i = 0; i < k; i++) {
			if (evv[i].data.u32 == CTL_TAG)
				ctl_answer(&r);
			else
				drain(&r, evv[i].data.u32);
		}
	}

	fprintf(stderr, "udp_relay: received=%llu forwarded=%llu "
		"dropped=%llu bad=%llu errors=%llu\n",
		(unsigned long long)r.rx, (unsigned long long)r.fwd,
		(unsigned long long)r.drop, (unsigned long long)r.bad,
		(unsigned long long)r.errors);

	return 0;
}
