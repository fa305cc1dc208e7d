/**
 * @file load.h  chorus-load: shared types of the SIP/RTP load generator
 *
 * chorus_load.c  options, phases
 * load_report.c  per-participant lines, summary, /proc samples
 * load_audio.c   speech-like and silence frames, pre-encoded; codec timing
 * load_rtp.c     one UDP socket per participant, send clock, receive stats
 * load_sip.c     the calls: INVITE with an SDP offer, ACK, BYE
 *
 * Include <re.h> first (struct tmr).
 */

#ifndef CHORUS_LOAD_H
#define CHORUS_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>

enum {
	LOAD_PKT_MAX = 1500,       /* RTP payload, at most [bytes]       */
	LOAD_PTIME = 20,           /* packet time [ms]                    */
	LOAD_PPS = 1000 / LOAD_PTIME,  /* packets per second per stream  */
	LOAD_LATE_MS = 40,         /* late: this far behind best transit */
	LOAD_SLOTS = 10,           /* send phases per ptime (2 ms apart) */
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
};

/* /proc sample of a process */
struct load_psample {
	uint64_t ticks;           /* utime + stime [clock ticks]          */
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
	struct load_psample srv0, srv1;
	struct rusage ru0, ru1;
	uint64_t win0, win1;      /* window [us]                          */
	int status;
};


/* load_report.c */
int  load_psample_take(struct load_psample *s, int pid);
void load_report_join(struct load_run *r);
void load_report_media(struct load_run *r);

/* load_audio.c */
int  load_audio_init(struct load_audio *a, enum load_codec codec,
		     enum load_silence silence);
void load_audio_close(struct load_audio *a);
int  load_codec_cost(struct load_codec_cost *cc,
		     const struct load_audio *a, int complexity);
const char *load_silence_name(enum load_silence s);

/* load_rtp.c */
struct load_rtp;
int  load_rtp_alloc(struct load_rtp **rtpp, struct load_part *partv,
		    size_t n, const struct load_audio *audio,
		    uint16_t port_base);
int  load_rtp_start(struct load_rtp *rtp);
void load_rtp_media_on(struct load_rtp *rtp, struct load_part *p);
void load_rtp_window(struct load_rtp *rtp, bool open);
void load_rtp_rx_result(const struct load_rx *rx, uint64_t *expected,
			uint64_t *lost, uint64_t *late, double *jitter_ms,
			double *spread_ms);
uint64_t load_rtp_errors(const struct load_rtp *rtp);
void load_rtp_close(struct load_part *partv, size_t n);

/* load_sip.c */
struct load_sip;
struct load_sip_prm {
	const char *server;           /* "127.0.0.1:5060"               */
	const char *laddr;            /* our SIP address "IP:PORT"      */
	const char *room_prefix;
	const struct load_audio *audio;
	bool media;                   /* send RTP once a call is up     */
};
int  load_sip_alloc(struct load_sip **sipp, const struct load_sip_prm *prm,
		    struct load_rtp *rtp);
int  load_sip_call(struct load_sip *sip, struct load_part *p);
void load_sip_hangup(struct load_part *p);
void load_sip_shutdown(struct load_sip *sip, void (*doneh)(void *arg),
		       void *arg);
uint64_t load_now_us(void);

#endif
