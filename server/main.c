/**
 * @file main.c  chorusd: start-up, the main loop, graceful shutdown
 *
 * The main thread runs libre's loop: SIP, the HTTP API and the room
 * manager. Media (RTP, the room ticks) runs on the worker threads
 * (worker.c). SIGTERM or SIGINT sends every participant a BYE, waits for
 * the BYE transactions (at most SHUTDOWN_WAIT_MS) and exits 0. SIGHUP
 * reads the configuration again and applies what can change while calls
 * are up (reload.c); calls, rooms and sockets stay as they are.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <re.h>
#include "../api/api.h"
#include "../mixer/mixer.h"
#include "cfg.h"
#include "log.h"
#include "mdtls.h"
#include "msec.h"
#include "part.h"
#include "reload.h"
#include "rooms.h"
#include "sipd.h"
#include "store.h"
#include "worker.h"

enum {
	FD_MAX = 65536,            /* descriptors we ask for (2/caller) */
	SHUTDOWN_WAIT_MS = 4000,   /* BYEs get this long to be answered */
	EXIT_USAGE = 2,
};

struct app {
	struct config cfg;
	struct rooms *rooms;
	struct sipd *sipd;
	struct api *api;
	struct workers *workers;
	struct tls *dtls;          /* DTLS-SRTP: outlives every leg     */
	char dtls_fp[MDTLS_FP_SIZE];
	int maxfds;                /* libre's descriptor table size    */
	struct tmr tmr_exit;
	bool stopping;
	int argc;                  /* read again on SIGHUP              */
	char **argv;
	int hup[2];                /* SIGHUP self-pipe: [0] read end    */
};

static struct app app = {.hup = {-1, -1}};


/* Each participant takes two descriptors (RTP, RTCP): raise the soft
 * limit to the hard one, and tell libre, which allows 1024 by default */
static int fd_limits(int *maxfds)
{
	struct rlimit rl;

	*maxfds = 1024;   /* libre's own default */
	if (getrlimit(RLIMIT_NOFILE, &rl))
		return errno;

	if (rl.rlim_cur < FD_MAX && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max < FD_MAX ? rl.rlim_max : FD_MAX;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}

	*maxfds = (int)(rl.rlim_cur < FD_MAX ? rl.rlim_cur : FD_MAX);
	return fd_setsize(*maxfds);
}


static void exit_now(void *arg)
{
	(void)arg;
	re_cancel();
}


static void sip_done(void *arg)
{
	log_info("all BYE transactions done");
	exit_now(arg);
}


static void signal_handler(int sig)
{
	if (app.stopping) {
		re_cancel();
		return;
	}

	app.stopping = true;
	log_info("signal %d: hanging up %u participants", sig,
		 rooms_part_count(app.rooms));

	/* the API stays up (not ready) so event streams see everyone go */
	api_set_ready(app.api, false);
	rooms_close_all(app.rooms);

	tmr_start(&app.tmr_exit, SHUTDOWN_WAIT_MS, exit_now, NULL);
	sipd_shutdown(app.sipd, sip_done, NULL);
}


/*
 * SIGHUP: read the configuration again, the way start-up did (file,
 * environment, flags). All or nothing: a setting that does not parse, or
 * a users file that cannot be read, keeps everything as it runs.
 */
static void reload(struct app *a)
{
	struct config next;
	struct reload_plan plan;
	char err_msg[256] = "", users[160] = "";
	enum log_level level;
	int err;

	if (a->stopping)
		return;

	if (cfg_load(&next, a->argc, a->argv, err_msg, sizeof(err_msg))
	    != CFG_OK) {
		log_error("reload: %s; the running configuration is kept",
			  err_msg);
		return;
	}

	reload_plan(&a->cfg, &next, &plan);

	err = sipd_reload(a->sipd, &next, plan.auth, plan.tls, users,
			  sizeof(users), err_msg, sizeof(err_msg));
	if (err) {
		log_error("reload: %s; the running configuration is kept",
			  err_msg);
		return;
	}

	reload_apply(&a->cfg, &next);
	log_set_level((enum log_level)a->cfg.log_level);

	/* one line, seen at any level */
	level = log_level_get() > LOG_INFO ? log_level_get() : LOG_INFO;
	log_msg(level, "reload: %s%s%s%s%s", plan.live[0] ? plan.live :
		"no setting changed", users[0] ? "; " : "", users,
		plan.restart[0] ? "; changed but kept until a restart: " : "",
		plan.restart);
}


/* async-signal-safe: one byte down the pipe, the loop does the rest */
static void hup_signal(int sig)
{
	int saved = errno;
	char c = (char)sig;

	if (write(app.hup[1], &c, 1) < 0) {
		/* full: a reload is pending anyway */
	}
	errno = saved;
}


static void hup_read(int flags, void *arg)
{
	char buf[64];
	(void)flags;

	/* several SIGHUPs before the loop came here: one reload */
	while (read(app.hup[0], buf, sizeof(buf)) > 0)
		;

	reload(arg);
}


/* Before anything else: a SIGHUP at any time is a reload, never the
 * default action (the end of the process) */
static int hup_init(void)
{
	struct sigaction sa;

	if (pipe2(app.hup, O_NONBLOCK | O_CLOEXEC))
		return errno;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = hup_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;

	return sigaction(SIGHUP, &sa, NULL) ? errno : 0;
}


static void hup_close(void)
{
	(void)signal(SIGHUP, SIG_IGN);
	if (app.hup[0] >= 0) {
		fd_close(app.hup[0]);
		close(app.hup[0]);
		close(app.hup[1]);
	}
	app.hup[0] = app.hup[1] = -1;
}


/* With no --advertise: the SIP address if it is one, else the address
 * the default route leaves from, else loopback */
static void advertise_pick(struct config *cfg)
{
	if (cfg->advertise_set)
		return;

	if (!sa_is_any(&cfg->sip)) {
		sa_cpy(&cfg->advertise, &cfg->sip);
		sa_set_port(&cfg->advertise, 0);
		return;
	}

	if (net_default_source_addr_get(sa_af(&cfg->sip), &cfg->advertise))
		sa_set_str(&cfg->advertise, "127.0.0.1", 0);
}


static void event_handler(enum room_event ev, const struct room *room,
			  const struct part *part, const char *reason,
			  void *arg)
{
	struct app *a = arg;

	if (ev == EV_PART_PIN_FAILED && part) {
		struct part_info pi;

		part_info(part, &pi);
		sipd_failed(a->sipd, &pi.src, "PIN");
	}

	api_event(a->api, ev, room, part, reason);
}


/* What a media thread saw (talking, silent, a DTMF digit in RTP, an RTP
 * timeout): the manager takes it to the participant, if still there */
static void media_news(const void *news, size_t len, void *arg)
{
	struct app *a = arg;

	rooms_news(a->rooms, news, len);
}


static int change_handler(const struct rooms *mgr, void *arg)
{
	struct app *a = arg;

	return store_save(mgr, a->cfg.data_dir);
}


static int start(struct app *a)
{
	struct config *cfg = &a->cfg;
	int err;

	if (mkdir(cfg->data_dir, 0750) && errno != EEXIST) {
		log_error("cannot create data directory %s: %m",
			  cfg->data_dir, errno);
		return errno;
	}

	err = workers_alloc(&a->workers, cfg->media_threads, a->maxfds,
			    media_news, a);
	if (err) {
		log_error("cannot start the media threads: %m", err);
		return err;
	}

	/* one certificate for every DTLS-SRTP call (RFC 5763 5) */
	err = mdtls_cert_alloc(&a->dtls, a->dtls_fp, sizeof(a->dtls_fp));
	if (err)
		log_warn("DTLS-SRTP off: no certificate: %m", err);

	err = rooms_alloc(&a->rooms, cfg, a->workers);
	if (err)
		return err;

	if (a->dtls)
		rooms_set_dtls(a->rooms, a->dtls, a->dtls_fp);

	err = store_load(a->rooms, cfg->data_dir);
	if (err) {
		log_error("cannot read persistent rooms in %s: %m",
			  cfg->data_dir, err);
		return err;
	}

	rooms_set_handlers(a->rooms, event_handler, change_handler, a);

	err = sipd_alloc(&a->sipd, cfg, a->rooms);
	if (err) {
		log_error("cannot start SIP on %J: %m", &cfg->sip, err);
		return err;
	}

	err = api_alloc(&a->api, cfg, a->rooms, a->sipd);
	if (err) {
		log_error("cannot listen for HTTP on %J: %m", &cfg->http, err);
		return err;
	}

	api_set_ready(a->api, true);

	log_info("chorusd listening: SIP %J (udp, tcp%s), HTTP %J, RTP %u-%u, "
		 "advertising %j, mixer %s, %u media threads", &cfg->sip,
		 sipd_tls(a->sipd) ? ", tls" : "", &cfg->http, cfg->rtp_min, cfg->rtp_max, &cfg->advertise,
		 mixer_simd_name(), workers_count(a->workers));

	return 0;
}


static void stop(struct app *a)
{
	tmr_cancel(&a->tmr_exit);
	a->api = mem_deref(a->api);
	a->rooms = mem_deref(a->rooms);
	a->sipd = mem_deref(a->sipd);

	/* last: a participant's sockets are closed on its media thread */
	a->workers = mem_deref(a->workers);
	a->dtls = mem_deref(a->dtls);
}


int main(int argc, char *argv[])
{
	char err_msg[256] = "";
	int err;

	switch (cfg_load(&app.cfg, argc, argv, err_msg, sizeof(err_msg))) {

	case CFG_HELP:
		cfg_usage(stdout);
		return 0;

	case CFG_ERROR:
		fprintf(stderr, "chorusd: %s (see --help)\n", err_msg);
		return EXIT_USAGE;

	default:
		break;
	}

	log_set_level((enum log_level)app.cfg.log_level);
	app.argc = argc;
	app.argv = argv;

	err = hup_init();
	if (err) {
		fprintf(stderr, "chorusd: SIGHUP: %s\n", strerror(err));
		return 1;
	}

	err = libre_init();
	if (err) {
		fprintf(stderr, "chorusd: libre_init: %s\n", strerror(err));
		return 1;
	}

	err = msec_init();
	if (err) {
		fprintf(stderr, "chorusd: SRTP: %s\n", strerror(err));
		libre_close();
		return 1;
	}

	advertise_pick(&app.cfg);

	err = fd_limits(&app.maxfds);
	if (err)
		log_warn("cannot raise the descriptor limit: %m", err);

	err = start(&app);
	if (!err)
		err = fd_listen(app.hup[0], FD_READ, hup_read, &app);
	if (!err)
		err = re_main(signal_handler);

	hup_close();
	stop(&app);
	msec_close();
	libre_close();

	if (!err)
		log_info("chorusd stopped");

	return err ? 1 : 0;
}
