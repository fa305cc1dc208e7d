/**
 * @file chorus_load.c  chorus-load: SIP conference load generator
 *
 * Places N calls into R rooms of a chorusd (INVITE with SDP, ACK), streams
 * pre-encoded RTP at 50 packets/s from every participant (K talkers per
 * room send speech-like audio, the others silence), receives every
 * participant's returned stream and reports per participant and in sum:
 * packets/s, loss, jitter and late packets, over a measurement window
 * that starts once every call is up and a warm-up has passed. Then BYE
 * and exit. Bounded in time by its flags; stops by itself.
 *
 * Join-rate mode (--join-only) places the calls at --rate calls/s without
 * media and reports the share answered 200 and the rate achieved.
 *
 * With --video CLIP.ivf every caller also offers and sends VP8 video (a
 * pre-encoded clip, replayed) and checks the one stream it is forwarded;
 * --api reads chorusd's own video counters over the window. --relay sends
 * the same video, and no SIP or audio, to bench/udp_relay instead: the
 * floor that chorusd's forwarding is compared with (bench/video.sh).
 * Video, API and relay addresses must be on loopback.
 *
 * With --srtp SUITE every call offers RTP/SAVP with an a=crypto line of
 * that suite (SDES, RFC 4568) and its audio goes both ways as SRTP
 * (RFC 3711, RFC 7714); what fails to unprotect is counted.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <re.h>
#include "load.h"

enum {
	PLACE_MS = 1,             /* call pacing timer [ms]               */
	BYE_WAIT_MS = 5000,       /* BYE transactions get this long [ms]  */
	FD_SPARE = 256,           /* fds besides the RTP sockets          */
	FD_PER_CALL_VIDEO = 3,    /* audio RTP, video RTP and RTCP        */
	EXIT_USAGE = 2,
};

static struct load_run run;


static void usage(FILE *f)
{
	fprintf(f,
"usage: chorus-load [options]\n"
"  -s, --server ADDR:PORT   chorusd SIP (127.0.0.1:5060)\n"
"  -l, --local ADDR:PORT    our SIP address (127.0.0.1:5080)\n"
"  -n, --calls N            participants (10)\n"
"  -r, --rooms R            rooms, filled round robin (1)\n"
"  -k, --talkers K          talkers per room, the first K in (3)\n"
"  -d, --duration S         measurement window [s] (10)\n"
"  -w, --warmup S           wait after the last join [s] (2)\n"
"  -R, --rate CPS           calls placed per second (200)\n"
"  -P, --max-pending N      INVITEs outstanding at most (500)\n"
"  -t, --join-timeout S     wait for answers after the last INVITE (10)\n"
"      --hold S             join-only: hang up S after the answer (0: at\n"
"                           the end)\n"
"      --prefix NAME        room names are NAME0, NAME1, ... (load)\n"
"      --rtp-base PORT      first local RTP port (40000)\n"
"  -c, --codec opus|pcmu    (opus)\n"
"      --silence frames|dtx|full\n"
"                           what silent Opus participants send (frames)\n"
"      --pid PID            sample chorusd CPU and RSS over the window\n"
"      --csv FILE           one line per participant\n"
"  -j, --join-only          join-rate test: calls without media\n"
"      --codec-cost         time Opus at chorusd's settings and exit\n"
"      --complexity N       chorusd's Opus complexity, for --codec-cost (5)\n"
"      --video CLIP.ivf     every caller sends this VP8 clip too, looped,\n"
"                           and checks the video it is forwarded\n"
"      --fps F              the clip's frame rate (25)\n"
"      --fb pli|fir|none    keyframe request offered in a=rtcp-fb (pli)\n"
"      --api ADDR:PORT      chorusd's HTTP API: its video counters over\n"
"                           the window\n"
"      --relay ADDR:PORT    no SIP, no audio: video to udp_relay, caller i\n"
"                           to PORT + 2i (needs --video)\n"
"      --relay-ctl PORT     udp_relay's control port: its counters\n"
"      --video-quiet Q      with --video: the first Q callers of each room\n"
"                           offer video but send none (camera off)\n"
"      --audio-first S      with --video: first a window of S seconds with\n"
"                           the video held back (its cost is the audio's),\n"
"                           then video, the warm-up again, the window\n"
"      --srtp SUITE         audio on SRTP, keys by SDES: none (the default),\n"
"                           AES_CM_128_HMAC_SHA1_80, AES_CM_128_HMAC_SHA1_32,\n"
"                           AEAD_AES_128_GCM or AEAD_AES_256_GCM; not with\n"
"                           --video or --relay\n"
"  -v, --verbose            print every participant\n");
}


static int opt_enum(const char *v, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(v, names[i]))
			return (int)i;
	}

	return -1;
}


static int parse_opts(struct load_opts *o, int argc, char *argv[])
{
	static const char *const codecs[] = {"opus", "pcmu"};
	static const char *const sils[] = {"frames", "dtx", "full"};
	static const struct option lopts[] = {
		{"server", 1, 0, 's'}, {"local", 1, 0, 'l'},
		{"calls", 1, 0, 'n'}, {"rooms", 1, 0, 'r'},
		{"talkers", 1, 0, 'k'}, {"duration", 1, 0, 'd'},
		{"warmup", 1, 0, 'w'}, {"rate", 1, 0, 'R'},
		{"max-pending", 1, 0, 'P'}, {"join-timeout", 1, 0, 't'},
		{"prefix", 1, 0, 1}, {"rtp-base", 1, 0, 2},
		{"codec", 1, 0, 'c'}, {"silence", 1, 0, 3},
		{"pid", 1, 0, 4}, {"csv", 1, 0, 5},
		{"join-only", 0, 0, 'j'}, {"codec-cost", 0, 0, 6},
		{"verbose", 0, 0, 'v'}, {"help", 0, 0, 'h'},
		{"hold", 1, 0, 7}, {"complexity", 1, 0, 8},
		{"video", 1, 0, 9}, {"fps", 1, 0, 10}, {"fb", 1, 0, 11},
		{"api", 1, 0, 12}, {"relay", 1, 0, 13},
		{"relay-ctl", 1, 0, 14}, {"audio-first", 1, 0, 15},
		{"video-quiet", 1, 0, 16}, {"srtp", 1, 0, 17},
		{0, 0, 0, 0},
	};
	struct pl pl;
	int c, v;

	*o = (struct load_opts){
		.server = "127.0.0.1:5060", .laddr = "127.0.0.1:5080",
		.prefix = "load", .calls = 10, .rooms = 1, .talkers = 3,
		.duration = 10.0, .warmup = 2.0, .rate = 200.0,
		.max_pending = 500, .join_timeout = 10.0, .rtp_base = 40000,
		.codec = LOAD_OPUS, .silence = LOAD_SIL_FRAMES, .complexity = 5,
		.fps = 25.0, .fb = "pli",
	};

	while ((c = getopt_long(argc, argv, "s:l:n:r:k:d:w:R:P:t:c:jvh",
				lopts, NULL)) != -1) {
		switch (c) {
		case 's': o->server = optarg; break;
		case 'l': o->laddr = optarg; break;
		case 'n': o->calls = (uint32_t)atol(optarg); break;
		case 'r': o->rooms = (uint32_t)atol(optarg); break;
		case 'k': o->talkers = (uint32_t)atol(optarg); break;
		case 'd': o->duration = atof(optarg); break;
		case 'w': o->warmup = atof(optarg); break;
		case 'R': o->rate = atof(optarg); break;
		case 'P': o->max_pending = (uint32_t)atol(optarg); break;
		case 't': o->join_timeout = atof(optarg); break;
		case 1:   o->prefix = optarg; break;
		case 2:   o->rtp_base = (uint16_t)atol(optarg); break;
		case 4:   o->pid = atoi(optarg); break;
		case 5:   o->csv = optarg; break;
		case 'j': o->join_only = true; break;
		case 6:   o->codec_cost = true; break;
		case 7:   o->hold = atof(optarg); break;
		case 9:   o->video = optarg; break;
		case 10:  o->fps = atof(optarg); break;
		case 11:  o->fb = optarg; break;
		case 12:  o->api = optarg; break;
		case 13:  o->relay = optarg; break;
		case 14:  o->relay_ctl = (uint16_t)atol(optarg); break;
		case 15:  o->audio_first = atof(optarg); break;
		case 16:  o->video_quiet = (uint32_t)atol(optarg); break;
		case 17:
			if (!strcmp(optarg, "none")) {
				o->srtp = false;
				break;
			}
			pl_set_str(&pl, optarg);
			if (!msec_suite_from_name(&pl, &o->suite))
				return EINVAL;
			o->srtp = true;
			break;
		case 8:
			v = atoi(optarg);
			if (v < 0 || v > 10) {
				fprintf(stderr, "chorus-load: --complexity "
					"0-10\n");
				exit(2);
			}
			o->complexity = v;
			break;
		case 'v': o->verbose = true; break;
		case 'h': usage(stdout); exit(0);

		case 'c':
			v = opt_enum(optarg, codecs, ARRAY_SIZE(codecs));
			if (v < 0)
				return EINVAL;
			o->codec = (enum load_codec)v;
			break;

		case 3:
			v = opt_enum(optarg, sils, ARRAY_SIZE(sils));
			if (v < 0)
				return EINVAL;
			o->silence = (enum load_silence)v;
			break;

		default:
			return EINVAL;
		}
	}

	if (optind < argc || !o->calls || !o->rooms || o->rooms > o->calls ||
	    o->duration <= 0 || o->duration > 3600 || o->warmup < 0 ||
	    o->rate <= 0 || !o->max_pending || o->join_timeout <= 0 ||
	    o->hold < 0 ||
	    o->calls > 60000)
		return EINVAL;

	if ((o->relay && !o->video) || (o->video && o->join_only) ||
	    o->audio_first < 0 || o->audio_first > 3600 ||
	    (o->audio_first > 0 && (!o->video || o->relay)) ||
	    (strcmp(o->fb, "pli") && strcmp(o->fb, "fir") &&
	     strcmp(o->fb, "none")))
		return EINVAL;

	/* SRTP is on the audio only: the video sockets stay plain */
	if (o->srtp && o->video)
		return EINVAL;

	return 0;
}


/* Video, the API and the relay: loopback only */
static int addr_check(const char *what, const char *addr)
{
	struct sa sa;

	if (!addr)
		return 0;

	if (sa_decode(&sa, addr, str_len(addr)) || sa_af(&sa) != AF_INET ||
	    !load_is_loopback(sa.u.in.sin_addr.s_addr)) {
		fprintf(stderr, "chorus-load: %s %s: an IPv4 loopback "
			"ADDR:PORT is needed with --video\n", what, addr);
		return EINVAL;
	}

	return 0;
}


static void stop_now(void *arg)
{
	(void)arg;
	re_cancel();
}


static void bound_reached(void *arg)
{
	struct load_run *r = arg;

	fprintf(stderr, "chorus-load: time bound reached, stopping\n");
	if (!r->joined)
		load_report_join(r);
	r->status = ETIMEDOUT;
	re_cancel();
}


static void bye_all(struct load_run *r)
{
	for (uint32_t i = 0; i < r->o.calls; i++)
		load_sip_hangup(&r->partv[i]);

	if (!r->sip) {
		tmr_start(&r->tmr_guard, 1, stop_now, NULL);
		return;
	}

	tmr_start(&r->tmr_guard, BYE_WAIT_MS, stop_now, NULL);
	load_sip_shutdown(r->sip, stop_now, NULL);
}


/* The forwarder's counters: chorusd's API or the relay's control port */
static void fwd_take(struct load_run *r, struct load_fwd *f)
{
	int err = 0;

	if (r->o.relay && r->o.relay_ctl)
		err = load_relay_fwd(f, r->o.relay_ctl);
	else if (!r->o.relay && r->o.api && r->have_video)
		err = load_api_fwd(f, r->o.api, r->o.prefix, r->o.rooms);

	if (err)
		fprintf(stderr, "chorus-load: forwarder counters: %s\n",
			strerror(err));
}


static void window_start(void *arg);


static void window_end(void *arg)
{
	struct load_run *r = arg;

	r->win1 = load_now_us();
	load_rtp_window(r->rtp, false);
	getrusage(RUSAGE_SELF, &r->ru1);
	if (r->o.pid && load_psample_take(&r->srv1, r->o.pid))
		fprintf(stderr, "chorus-load: cannot read /proc/%d\n",
			r->o.pid);
	fwd_take(r, &r->fwd1);

	if (r->audio_phase || r->o.audio_first <= 0)
		load_report_join(r);
	load_report_media(r);

	/* the audio-only window is over: the video starts, and after
	 * the warm-up (its keyframes) the window is measured again */
	if (r->audio_phase) {
		r->audio_phase = false;
		load_rtp_video_hold(r->rtp, false);
		tmr_start(&r->tmr_phase, (uint64_t)(r->o.warmup * 1000),
			  window_start, r);
		return;
	}

	if (r->have_video)
		load_report_video(r);
	bye_all(r);
}


static void window_start(void *arg)
{
	struct load_run *r = arg;

	fwd_take(r, &r->fwd0);
	if (r->o.pid && load_psample_take(&r->srv0, r->o.pid))
		fprintf(stderr, "chorus-load: cannot read /proc/%d\n",
			r->o.pid);
	getrusage(RUSAGE_SELF, &r->ru0);
	r->win0 = load_now_us();
	load_rtp_window(r->rtp, true);

	tmr_start(&r->tmr_phase, (uint64_t)((r->audio_phase ?
					     r->o.audio_first :
					     r->o.duration) * 1000),
		  window_end, r);
}


static void join_done(struct load_run *r)
{
	r->t_join_done = load_now_us();
	r->joined = true;
	tmr_cancel(&r->tmr_place);

	if (r->o.join_only) {
		load_report_join(r);
		bye_all(r);
		return;
	}

	tmr_start(&r->tmr_phase, (uint64_t)(r->o.warmup * 1000),
		  window_start, r);
}


/* Pace the INVITEs at o.rate; end the join phase when all are answered
 * or the last has waited o.join_timeout */
static void place_handler(void *arg)
{
	struct load_run *r = arg;
	uint64_t now = load_now_us();
	uint64_t due;
	uint32_t pending = 0;

	for (uint32_t i = 0; i < r->placed; i++)
		pending += r->partv[i].state == CALL_INVITING;

	if (!r->t0)
		r->t0 = now;

	if (r->o.hold > 0 && now - r->t_hold_scan > 10000) {
		uint64_t hold = (uint64_t)(r->o.hold * 1e6);

		r->t_hold_scan = now;
		for (uint32_t i = 0; i < r->placed; i++) {
			struct load_part *p = &r->partv[i];

			if (p->state == CALL_UP && now - p->t_answer > hold)
				load_sip_hangup(p);
		}
	}
	due = (uint64_t)((double)(now - r->t0) * r->o.rate / 1e6) + 1;

	while (r->placed < r->o.calls && r->placed < due &&
	       pending < r->o.max_pending) {
		struct load_part *p = &r->partv[r->placed++];

		if (!load_sip_call(r->sip, p))
			pending++;
		r->t_last_invite = load_now_us();
	}

	if (r->placed == r->o.calls &&
	    (!pending || now > r->t_last_invite +
	     (uint64_t)(r->o.join_timeout * 1e6))) {
		join_done(r);
		return;
	}

	tmr_start(&r->tmr_place, PLACE_MS, place_handler, r);
}


/* --relay: no calls; every participant is up at once and sends its
 * video to the relay, caller i to the relay's port + 2i */
static void relay_place(void *arg)
{
	struct load_run *r = arg;
	struct sa sa;
	uint64_t now = load_now_us();

	(void)sa_decode(&sa, r->o.relay, str_len(r->o.relay));
	r->t0 = now;
	for (uint32_t i = 0; i < r->o.calls; i++) {
		struct load_part *p = &r->partv[i];

		p->state = CALL_UP;
		p->t_invite = p->t_answer = now;
		p->v.raddr = sa.u.in.sin_addr.s_addr;
		p->v.rport = (uint16_t)(sa_port(&sa) + 2 * i);
		load_rtp_video_on(r->rtp, p);
	}
	r->placed = r->o.calls;

	join_done(r);
}


static void signal_handler(int sig)
{
	(void)sig;
	re_cancel();
}


static int codec_cost(const struct load_opts *o)
{
	struct load_audio a;
	struct load_codec_cost cc;
	int err;

	err = load_audio_init(&a, LOAD_OPUS, o->silence);
	if (!err)
		err = load_codec_cost(&cc, &a, o->complexity);
	load_audio_close(&a);
	if (err)
		return err;

	printf("codec opus_48k_mono_20ms_voip_32k_c%d enc_us=%.2f "
	       "dec_speech_us=%.2f dec_sil_us=%.2f sil_sent_share=%.3f "
	       "silence=%s\n", o->complexity, cc.enc_us, cc.dec_speech_us,
	       cc.dec_sil_us, cc.sil_share, load_silence_name(o->silence));

	return 0;
}


/* Enough descriptors for one RTP socket per participant; libre's poll
 * table is sized once, before its first fd_listen() */
static int fds_raise(uint32_t calls, bool video)
{
	struct rlimit rl;
	rlim_t need = (rlim_t)calls * (video ? FD_PER_CALL_VIDEO : 1) +
		FD_SPARE;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return errno;
	if (rl.rlim_cur < need) {
		rl.rlim_cur = need <= rl.rlim_max ? need : rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur < need)
		return EMFILE;

	return fd_setsize((int)need);
}


static int setup(struct load_run *r)
{
	const struct load_opts *o = &r->o;
	struct load_sip_prm sp;
	int err;

	err = load_audio_init(&r->audio, o->codec, o->silence);
	if (err) {
		fprintf(stderr, "chorus-load: encoding: %s\n", strerror(err));
		return err;
	}

	if (o->video) {
		err = addr_check("--server", o->relay ? NULL : o->server);
		err |= addr_check("--local", o->relay ? NULL : o->laddr);
		err |= addr_check("--api", o->api);
		err |= addr_check("--relay", o->relay);
		if (err)
			return EINVAL;

		if (o->relay) {
			struct sa sa;

			(void)sa_decode(&sa, o->relay, str_len(o->relay));
			if (sa_port(&sa) + 2ull * o->calls > 65535) {
				fprintf(stderr, "chorus-load: --relay: port "
					"+ 2 x calls above 65535\n");
				return EINVAL;
			}
		}

		err = load_video_init(&r->video, o->video, o->fps);
		if (err) {
			fprintf(stderr, "chorus-load: %s: %s\n", o->video,
				strerror(err));
			return err;
		}
		r->have_video = true;
		r->audio_phase = o->audio_first > 0;
	}

	r->partv = mem_zalloc(o->calls * sizeof(*r->partv), NULL);
	if (!r->partv)
		return ENOMEM;

	for (uint32_t i = 0; i < o->calls; i++) {
		struct load_part *p = &r->partv[i];

		p->idx = i;
		p->fd = -1;
		p->v.fd = p->v.cfd = -1;
		p->room = i % o->rooms;
		p->talker = i / o->rooms < o->talkers;
		p->vquiet = i / o->rooms < o->video_quiet;
	}

	err = load_rtp_alloc(&r->rtp, r->partv, o->calls, &r->audio,
			     r->have_video ? &r->video : NULL, o->rtp_base);
	if (!err && r->audio_phase)
		load_rtp_video_hold(r->rtp, true);
	if (err) {
		fprintf(stderr, "chorus-load: RTP sockets: %s\n",
			strerror(err));
		return err;
	}

	if (o->relay) {
		err = load_rtp_start(r->rtp);
		if (!err)
			tmr_start(&r->tmr_place, PLACE_MS, relay_place, r);
		return err;
	}

	sp = (struct load_sip_prm){o->server, o->laddr, o->prefix,
		&r->audio, !o->join_only, r->have_video, o->fb, o->srtp,
		o->suite};
	err = load_sip_alloc(&r->sip, &sp, r->rtp);
	if (err) {
		fprintf(stderr, "chorus-load: SIP on %s: %s\n", o->laddr,
			strerror(err));
		return err;
	}

	if (!o->join_only) {
		err = load_rtp_start(r->rtp);
		if (err)
			return err;
	}

	tmr_start(&r->tmr_place, PLACE_MS, place_handler, r);

	return 0;
}


int main(int argc, char *argv[])
{
	struct load_run *r = &run;
	uint64_t bound_ms;
	int err;

	if (parse_opts(&r->o, argc, argv)) {
		usage(stderr);
		return EXIT_USAGE;
	}

	if (r->o.codec_cost)
		return codec_cost(&r->o) ? 1 : 0;

	err = libre_init();
	if (err)
		return 1;

	if (r->o.srtp) {
		err = msec_init();
		if (err) {
			fprintf(stderr, "chorus-load: libsrtp2: %s\n",
				strerror(err));
			goto out;
		}
	}

	err = fds_raise(r->o.calls, r->o.video != NULL);
	if (err) {
		fprintf(stderr, "chorus-load: not enough descriptors for %u "
			"calls: %s\n", r->o.calls, strerror(err));
		goto out;
	}

	tmr_init(&r->tmr_place);
	tmr_init(&r->tmr_phase);
	tmr_init(&r->tmr_guard);

	err = setup(r);
	if (err)
		goto out;

	/* the hard bound: joining, waiting, measuring and the BYEs */
	bound_ms = (uint64_t)((r->o.calls / r->o.rate + r->o.join_timeout +
			       r->o.warmup + r->o.duration +
			       r->o.audio_first +
			       (r->o.audio_first > 0 ? r->o.warmup : 0)) *
			      1000) +
		2 * BYE_WAIT_MS;
	tmr_start(&r->tmr_guard, bound_ms, bound_reached, r);

	err = re_main(signal_handler);
	if (!err)
		err = r->status;

 out:
	tmr_cancel(&r->tmr_place);
	tmr_cancel(&r->tmr_phase);
	tmr_cancel(&r->tmr_guard);
	for (uint32_t i = 0; r->partv && i < r->o.calls; i++)
		load_sip_hangup(&r->partv[i]);
	r->sip = mem_deref(r->sip);
	r->rtp = mem_deref(r->rtp);
	if (r->partv)
		load_rtp_close(r->partv, r->o.calls);
	r->partv = mem_deref(r->partv);
	load_audio_close(&r->audio);
	load_video_close(&r->video);
	if (r->o.srtp)
		msec_close();
	libre_close();

	return err ? 1 : 0;
}
