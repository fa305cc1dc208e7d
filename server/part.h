/**
 * @file part.h  A participant: one SIP dialog and its audio leg in a room
 */

#ifndef CHORUS_PART_H
#define CHORUS_PART_H

#include "../mixer/mixer.h"
#include "sdpneg.h"
#include "dtmf.h"
#include "room.h"

enum {
	PART_PASS_MAX = 512,   /* [bytes] a 20 ms packet kept to forward */
	PART_PASSQ = 4,        /* packets kept while their audio waits  */
};

enum part_state {
	PART_RINGING = 0,   /* dial-out: INVITE sent         */
	PART_JOINING,       /* 200 OK sent, waiting for ACK */
	PART_JOINED,        /* in the call                  */
	PART_LEFT,          /* hung up, being freed         */
};

struct part_stats {
	uint64_t pkts_in;      /* RTP packets received             */
	uint64_t bytes_in;     /* RTP payload bytes received       */
	uint64_t pkts_out;     /* RTP packets sent                 */
	uint64_t bytes_out;    /* RTP payload bytes sent           */
	uint64_t pkts_bad;     /* undecodable or unexpected PT     */
	uint64_t pkts_quiet;   /* not decoded: RFC 6464 says quiet */
	uint64_t pkts_silent;  /* not decoded: Opus DTX or no voice */
};

/* A participant has left its room (main thread); the room is still
 * valid while the handler runs */
typedef void (part_close_h)(struct room *room, void *arg);

struct part {
	/* what the media thread touches every tick and packet first: a
	 * room of thousands walks these, not the buffers below */
	struct le le;                 /* in room->parts                   */
	uint64_t id;
	struct room *room;            /* reference                        */
	enum part_state state;
	struct rtp_sock *rtp;
	int rtp_fd;                   /* its RTP socket (arrival stamps);
				       * -1: none                         */
	struct sdpneg_result media;   /* current negotiation              */
	bool latched;                 /* RTP peer taken from the source   */
	bool rx_silent;               /* last frame in was silence: a gap
				       * after it is not concealed        */
	uint8_t voiceless;            /* voiceless packets skipped in a row*/
	bool muted;
	bool deaf;
	bool talking;                 /* in the mixer's talker set        */
	bool marker;                  /* set M on the next packet         */
	const uint8_t *pass;          /* this tick's packet (in passq), if
				       * it alone made the frame          */
	size_t pass_len;              /* [bytes] of pass, 0: none         */
	uint32_t passq_n;             /* packets in passq; 0, or every
				       * sample in fifo is theirs, one
				       * frame each                       */
	uint32_t passq_head;          /* oldest in passq                  */
	struct adec *dec;
	struct aenc *enc;             /* own encoder, used while talking  */
	struct jb *jb;                /* adaptive jitter buffer           */
	struct mixer_chan chan;
	size_t fifo_fill;             /* [samples]                        */
	struct mbuf *txmb;            /* RTP send buffer with headroom    */
	uint32_t ts_out;              /* next RTP timestamp we send       */
	uint64_t last_rx;             /* last RTP/RTCP in [monotonic ms]  */
	struct part_stats stats;
	uint32_t rx_ssrc;             /* SSRC of the audio we receive     */
	struct dtmf_rx dtmf;          /* RFC 4733 receiver state          */

	/* the SIP side, and the rest */
	part_close_h *closeh;         /* told when it has left            */
	void *close_arg;
	struct sipsess *sess;
	struct sdpneg *neg;
	uint64_t joined_at;           /* [unix ms]                        */
	bool dialout;                 /* we called them                   */
	double gain_db;               /* input gain [dB]                  */
	char dtmf_prev;               /* last digit, for the menu         */
	char uri[256];                /* From URI                         */
	char display_name[128];       /* From display name                */
	char call_id[128];

	/* audio buffers */
	struct {
		size_t len;
		uint8_t buf[PART_PASS_MAX];
	} passq[PART_PASSQ];          /* the packets fifo's frames came
				       * from, oldest first               */
	int16_t frame[ROOM_FRAME];    /* this tick's input                */
	int16_t fifo[ROOM_FRAME * 9]; /* decoded, not yet mixed: a 120 ms
				       * packet fits above a tick        */
};

struct part_ctl {
	int muted;                    /* -1 = leave as is, else 0/1       */
	int deaf;                     /* -1 = leave as is, else 0/1       */
	bool set_gain;
	double gain_db;               /* [dB], -60..+20                   */
};

int  part_accept(struct part **pp, struct room *room,
		 struct sipsess_sock *sock, const struct sip_msg *msg,
		 const struct config *cfg, part_close_h *closeh, void *arg);
int  part_connect(struct part **pp, struct room *room,
		  struct sipsess_sock *sock, const char *uri,
		  const struct config *cfg, part_close_h *closeh, void *arg);
void part_hangup(struct part *p, const char *reason);
void part_control(struct part *p, const struct part_ctl *ctl);
const char *part_state_name(enum part_state st);
uint64_t part_lost(const struct part *p);
void part_dtmf(struct part *p, char digit, const char *source);
bool part_held(const struct part *p);
uint32_t part_jitter_us(const struct part *p);
uint32_t part_rtt_us(const struct part *p);
bool part_pull(struct part *p);
bool part_can_forward(const struct part *src, const struct part *dst);
struct aenc *part_encoder(struct part *p);
void part_send(struct part *p, const uint8_t *pl, size_t len, uint32_t dur);
bool part_hears(const struct part *p);
void part_check_timeout(struct part *p, uint64_t now, uint32_t timeout_s);
int  part_media_start(struct part *p, const struct sdpneg_result *res);
int  part_rtp_alloc(struct part *p, const struct config *cfg);
void part_media_free(struct part *p);

#endif
