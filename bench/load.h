/**
 * @file load.h  chorus-load: shared types of the SIP/RTP load generator
 *
 * chorus_load.c  options, phases
 * load_report.c  per-participant lines, summary, /proc samples
 * load_audio.c   speech-like and silence frames, pre-encoded; codec timing
 * load_rtp.c     one UDP socket per participant, send clock, receive stats
 * load_sip.c     the calls: INVITE with an SDP offer, ACK, BYE
 * load_video.c   VP8 clip (IVF) packetized once (RFC 7741); video send
 *                and the checks of each forwarded stream
 * load_api.c     the forwarder's own counters: chorusd's HTTP API, or
 *                bench/udp_relay's control port
 *
 * load_srtp.c    --srtp: the offer's a=crypto, the answer's key, SRTP on
 *                every audio packet sent and received
 *
 * Include <re.h> first (struct tmr).
 */

#ifndef CHORUS_LOAD_H
#define CHORUS_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include "server/sdes.h"

enum {
	LOAD_PKT_MAX = 1500,       /* RTP payload, at most [bytes]       */
	LOAD_PTIME = 20,           /* packet time [ms]                    */
	LOAD_PPS = 1000 / LOAD_PTIME,  /* packets per second per stream  */
	LOAD_LATE_MS = 40,         /* late: this far behind best transit */
	LOAD_SLOTS = 10,           /* send phases per ptime (2 ms apart) */
};

/* Video (load_video.c) */
enum {
	LOAD_VPT = 96,             /* VP8 payload type offered            */
	LOAD_VCLOCK = 90000,       /* RTP clock [Hz]                       */
	LOAD_VPKT = 1200,          /* RTP payload, at most [bytes]         */
	LOAD_VDESC = 4,            /* VP8 payload descriptor (RFC 7741
				    * 4.2): X, I, 15-bit picture ID [bytes] */
};

enum load_codec {
	LOAD_OPUS = 0,
	LOAD_PCMU,
};

/* What a silent participant sends (Opus; PCMU always sends 0xff frames) */
enum load_silence {
	LOAD_SIL_FRAMES = 0,   /* DTX encoder output, every 20 ms: 1-byte
				* TOC-only frames and a 36-byte comfort
				* noise update every 400 ms            */
	LOAD_SIL_DTX,          /* the same with the 1-byte frames not sent
				* (what a DTX sender puts on the wire)  */
	LOAD_SIL_FULL,         /* encoder without DTX: ~35-byte frames    */
};

struct load_frame {
	uint16_t len;                 /* [bytes], 0 = not sent          */
	uint8_t buf[LOAD_PKT_MAX];
};

/* Pre-encoded media, looped by every sender */
struct load_audio {
	enum load_codec codec;
	enum load_silence silence;
	uint8_t pt;                   /* RTP payload type               */
	uint32_t clock;               /* RTP clock [Hz]                 */
	uint32_t ts_step;             /* per packet [RTP clock units]   */
	struct load_frame *speech;    /* talker frames                  */
	size_t nspeech;
	struct load_frame *sil;       /* silence frames                 */
	size_t nsil;
};

/* Codec cost at chorusd's settings, one core [us per 20 ms frame] */
struct load_codec_cost {
	double enc_us;                /* encode of a speech mix         */
	double dec_speech_us;         /* decode of a talker's packet    */
	double dec_sil_us;            /* decoding the silence we send,
				       * per 20 ms (unsent frames cost 0) */
	double sil_share;             /* silence frames actually sent   */
};

/* Receive statistics of one participant's returned stream */
struct load_rx {
	bool started;
	uint32_t ssrc;
	uint32_t clock;               /* RTP clock [Hz]                 */
	uint16_t max_seq;
	uint32_t cycles;              /* seq wraps << 16                */
	uint32_t base_seq;            /* first extended seq in window   */
	uint64_t received;            /* packets in the window          */
	uint32_t last_ts;
	int64_t ts_ext;               /* extended RTP timestamp         */
	int64_t last_transit;         /* [RTP clock units]              */
	bool have_transit;
	double jitter;                /* RFC 3550 A.8 [RTP clock units] */
	int32_t *transit;             /* per packet [us], vs. the first */
	size_t ntransit, cap;
	int64_t transit0;             /* first transit [us]             */
};

/* One RTP payload of the clip: descriptor (picture ID written at send
 * time) and VP8 data */
struct load_vpkt {
	uint32_t off;                 /* in load_video.buf              */
	uint16_t len;                 /* [bytes], descriptor included   */
	bool marker;                  /* last packet of its frame       */
};

struct load_vframe {
	uint32_t pkt0;                /* first packet                   */
	uint16_t npkt;
	bool key;
};

/* A pre-encoded VP8 clip, packetized once, looped by every sender */
struct load_video {
	uint8_t pt;
	double fps;                   /* [frames/s]                     */
	uint32_t ts_step;             /* per frame [90 kHz units]       */
	uint64_t frame_ns;            /* frame interval [ns]            */
	struct load_vframe *framev;
	size_t nframes;
	struct load_vpkt *pktv;
	size_t npkts;
	uint8_t *buf;                 /* every payload, back to back    */
	size_t buflen;
	uint32_t nkeys;               /* keyframes in the clip          */
	uint16_t width, height;       /* from the IVF header            */
};

/* Checks of one participant's forwarded video, over the window */
struct load_vrx {
	bool started;
	uint32_t ssrc;
	uint32_t ssrcs;               /* SSRCs seen: 1 expected         */
	uint16_t max_seq;
	uint64_t received;            /* RTP packets                    */
	uint64_t bytes;               /* RTP payload [bytes]            */
	uint64_t gaps;                /* sequence jumps forward         */
	uint64_t missing;             /* numbers the jumps skipped      */
	uint64_t reordered;           /* not after the highest: late or
				       * repeated                       */
	uint64_t bad;                 /* not RTP, or not our PT         */
	uint64_t keys;                /* keyframe starts                */
	uint64_t frames;              /* frame starts                   */
	bool have_pic;
	uint16_t pic;                 /* last VP8 picture ID            */
	uint64_t pic_jumps;           /* picture ID not the next: another
				       * source, or a frame lost        */
	uint64_t rtcp;                /* RTCP packets in                */
	uint64_t plis, firs, nacks;   /* feedback in (window)           */
	uint64_t plis_all;            /* PLIs and FIRs, whole call      */
};

/* One participant's video stream out, and what it is sent */
struct load_vpart {
	int fd;                       /* RTP socket                     */
	int cfd;                      /* RTCP socket (port + 1)         */
	uint16_t lport;
	uint32_t raddr;               /* where our video goes (net)     */
	uint16_t rport;               /* (host), 0: declined            */
	bool on;                      /* sending                        */
	uint32_t ssrc;
	uint16_t seq;
	uint32_t ts;
	uint16_t pic;                 /* next picture ID (15 bits)      */
	size_t pos;                   /* next frame of the clip         */
	uint64_t next_ns;             /* its send time [ns, monotonic]  */
	struct load_vrx rx;
};

/* The forwarder's own counters (chorusd's room JSON, or the relay's) */
struct load_fwd {
	bool ok;                      /* read                           */
	uint64_t forwarded;           /* video packets sent to receivers */
	uint64_t dropped;             /* from sources nobody is shown   */
	uint64_t switches;
	uint64_t key_waits;
	uint64_t key_timeouts;
	uint64_t t_us;                /* when read [us, monotonic]      */
};

enum load_call_state {
	CALL_IDLE = 0,
	CALL_INVITING,
	CALL_UP,
	CALL_FAILED,
	CALL_DROPPED,                 /* ended by the server            */
	CALL_DONE,
};

struct sipsess;
struct load_sip;

struct load_part {
	uint32_t idx;
	uint32_t room;
	bool talker;
	enum load_call_state state;
	uint16_t scode;               /* final response if failed       */
	struct load_sip *sip;         /* the SIP side that placed it    */
	struct sipsess *sess;
	int fd;                       /* RTP socket                     */
	uint16_t lport;
	uint32_t raddr;               /* chorusd's RTP address (net)    */
	uint16_t rport;               /* chorusd's RTP port (host)      */
	bool media;                   /* sending                        */
	uint32_t ssrc;
	uint16_t seq;
	uint32_t ts;                  /* next RTP timestamp             */
	uint64_t frames;              /* frames sent or skipped         */
	uint64_t t_invite;            /* [us]                           */
	uint64_t t_answer;            /* [us]                           */
	struct load_rx rx;
	struct load_vpart v;          /* video, with --video            */
	bool vquiet;                  /* offers video, sends none       */
	struct sdes_crypto crypto;    /* --srtp: our offered key, until
				       * the answer (then wiped)        */
	struct msec *ms;              /* SRTP of the audio, NULL: plain  */
};

struct load_opts {
	const char *server;       /* chorusd SIP address                  */
	const char *laddr;        /* our SIP address                      */
	const char *prefix;       /* room name prefix                     */
	const char *csv;          /* per-participant file, or NULL        */
	uint32_t calls;           /* N                                    */
	uint32_t rooms;           /* R                                    */
	uint32_t talkers;         /* K per room                           */
	double duration;          /* measurement window [s]               */
	double warmup;            /* after the last join [s]              */
	double rate;              /* call placement [calls/s]             */
	uint32_t max_pending;     /* INVITEs outstanding at most          */
	double join_timeout;      /* after the last INVITE [s]            */
	double hold;              /* join-only: BYE this long after the
				   * answer [s], 0 = at the end           */
	uint16_t rtp_base;        /* first local RTP port                 */
	int pid;                  /* chorusd to sample, 0 = none          */
	enum load_codec codec;
	enum load_silence silence;
	bool join_only;
	bool codec_cost;
	int complexity;           /* chorusd's Opus complexity, for it    */
	bool verbose;
	const char *video;        /* VP8 IVF clip: every caller sends it  */
	double fps;               /* the clip's frame rate [frames/s]     */
	const char *fb;           /* rtcp-fb offered: pli, fir or none    */
	const char *api;          /* chorusd HTTP API, for its counters   */
	const char *relay;        /* udp_relay ADDR:PORT: no SIP, no
				   * audio, video to PORT + 2 * idx       */
	uint16_t relay_ctl;       /* udp_relay control port               */
	uint32_t video_quiet;     /* the first Q callers of each room offer
				   * video and send none                  */
	double audio_first;       /* with --video: an audio-only window of
				   * this long first [s], then the video
				   * starts; 0 = video from the start     */
	bool srtp;                /* audio on SRTP (SDES), suite below    */
	enum msec_suite suite;
};

/* /proc sample of a process */
struct load_psample {
	uint64_t ticks;           /* utime + stime [clock ticks]          */
	uint64_t run_ns;          /* on a CPU, all threads (schedstat)    */
	uint64_t rss_kb;
	uint64_t wait_ns;         /* runnable, not running (schedstat)    */
	uint64_t steal;           /* all CPUs, /proc/stat [clock ticks]   */
	uint64_t t_us;
};

/* One run of chorus-load (chorus_load.c owns it) */
struct load_run {
	struct load_opts o;
	struct load_audio audio;
	struct load_part *partv;
	struct load_rtp *rtp;
	struct load_sip *sip;
	struct tmr tmr_place;
	struct tmr tmr_phase;
	struct tmr tmr_guard;
	uint32_t placed;
	uint64_t t0;              /* first INVITE [us]                    */
	uint64_t t_last_invite;
	uint64_t t_join_done;
	uint64_t t_hold_scan;     /* last hold check [us]                 */
	bool joined;              /* join phase over, reported            */
	struct load_video video;
	bool have_video;
	bool audio_phase;         /* in the --audio-first window          */
	struct load_psample srv0, srv1;
	struct load_fwd fwd0, fwd1;
	struct rusage ru0, ru1;
	uint64_t win0, win1;      /* window [us]                          */
	int status;
};


/* load_report.c */
int  load_psample_take(struct load_psample *s, int pid);
void load_report_join(struct load_run *r);
void load_report_media(struct load_run *r);
void load_report_video(struct load_run *r);

/* load_audio.c */
int  load_audio_init(struct load_audio *a, enum load_codec codec,
		     enum load_silence silence);
void load_audio_close(struct load_audio *a);
int  load_codec_cost(struct load_codec_cost *cc,
		     const struct load_audio *a, int complexity);
const char *load_silence_name(enum load_silence s);

/* load_video.c */
int  load_video_init(struct load_video *v, const char *ivf, double fps);
void load_video_close(struct load_video *v);
void load_video_start(struct load_vpart *vp, const struct load_video *v,
		      uint64_t now_ns, uint64_t offset_ns, uint32_t idx);
uint32_t load_video_send(struct load_vpart *vp, const struct load_video *v,
			 uint64_t now_ns, uint64_t *errors);
void load_video_window(struct load_vpart *vp);
void load_video_rx(struct load_vrx *rx, const uint8_t *b, size_t len);
void load_video_rtcp(struct load_vrx *rx, const uint8_t *b, size_t len,
		     bool window);

/* load_api.c */
int  load_api_fwd(struct load_fwd *f, const char *api, const char *prefix,
		  uint32_t rooms);
int  load_relay_fwd(struct load_fwd *f, uint16_t port);
bool load_is_loopback(uint32_t addr_net);

/* load_rtp.c */
struct load_rtp;
int  load_rtp_alloc(struct load_rtp **rtpp, struct load_part *partv,
		    size_t n, const struct load_audio *audio,
		    const struct load_video *video, uint16_t port_base);
int  load_rtp_start(struct load_rtp *rtp);
void load_rtp_media_on(struct load_rtp *rtp, struct load_part *p);
void load_rtp_video_on(struct load_rtp *rtp, struct load_part *p);
void load_rtp_video_hold(struct load_rtp *rtp, bool hold);
uint64_t load_rtp_vtx(const struct load_rtp *rtp);
void load_rtp_window(struct load_rtp *rtp, bool open);
void load_rtp_rx_result(const struct load_rx *rx, uint64_t *expected,
			uint64_t *lost, uint64_t *late, double *jitter_ms,
			double *spread_ms);
uint64_t load_rtp_errors(const struct load_rtp *rtp);
void load_rtp_close(struct load_part *partv, size_t n);

/* load_srtp.c */
struct load_srtp_stats {
	uint32_t parts;               /* participants on SRTP           */
	uint64_t unprotect_fail;      /* received, failed to unprotect:
				       * authentication, replay, not RTP */
	uint64_t protect_fail;        /* not sent: could not protect    */
};
int  load_srtp_offer(struct mbuf *mb, struct load_part *p,
		     enum msec_suite suite);
int  load_srtp_answer(struct load_part *p, const char *b, size_t len);
int  load_srtp_protect(struct load_part *p, uint8_t *pkt, size_t *len,
		       size_t size);
int  load_srtp_unprotect(struct load_part *p, uint8_t *pkt, size_t *len);
void load_srtp_stats(const struct load_part *partv, size_t n,
		     struct load_srtp_stats *st);

/* load_sip.c */
struct load_sip;
struct load_sip_prm {
	const char *server;           /* "127.0.0.1:5060"               */
	const char *laddr;            /* our SIP address "IP:PORT"      */
	const char *room_prefix;
	const struct load_audio *audio;
	bool media;                   /* send RTP once a call is up     */
	bool video;                   /* offer m=video (VP8) too        */
	const char *fb;               /* its rtcp-fb: pli, fir, none    */
	bool srtp;                    /* offer RTP/SAVP with a=crypto   */
	enum msec_suite suite;        /* of that line                   */
};
int  load_sip_alloc(struct load_sip **sipp, const struct load_sip_prm *prm,
		    struct load_rtp *rtp);
int  load_sip_call(struct load_sip *sip, struct load_part *p);
void load_sip_hangup(struct load_part *p);
void load_sip_shutdown(struct load_sip *sip, void (*doneh)(void *arg),
		       void *arg);
uint64_t load_now_us(void);

#endif
