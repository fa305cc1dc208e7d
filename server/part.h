/**
 * @file part.h  A participant: one SIP dialog, its audio leg and its
 *               video leg
 *
 * A participant knows its room only by name. It reports to whoever made
 * it (the room) through the handler in its parameters, on the main
 * thread.
 */

#ifndef CHORUS_PART_H
#define CHORUS_PART_H

#include <re.h>
#include "leg.h"
#include "news.h"
#include "sdpneg.h"
#include "vleg.h"

struct part;
struct worker;

enum part_state {
	PART_RINGING = 0,   /* dial-out: INVITE sent         */
	PART_JOINING,       /* 200 OK sent, waiting for ACK */
	PART_JOINED,        /* in the call                  */
	PART_LEFT,          /* hung up, being freed         */
};

/* What happened to a participant (main thread): EV_PART_JOINED when a
 * dial-out is answered, EV_PART_UPDATED, EV_PART_TALKING, EV_PART_SILENT,
 * EV_PART_DTMF (reason: the digit), and EV_PART_LEFT (reason: why) once,
 * last, while the participant is still valid */
typedef void (part_event_h)(struct part *p, enum room_event ev,
			    const char *reason, void *arg);

/* How a participant is made */
struct part_prm {
	uint64_t id;
	const char *room;             /* its room's name, copied          */
	struct worker *wk;            /* its legs' media thread           */
	const struct leg_prm *leg;    /* copied by the leg                */
	const struct sa *advertise;   /* our address in SDP and From      */
	const struct sdpneg_vwant *video; /* the video its room forwards,
				       * read at each negotiation; the
				       * room's, outlives the participant */
	const enum cfg_menc *menc;    /* its room's media_encryption, the
				       * same way                         */
	const char *dtls_fp;          /* our DTLS a=fingerprint, NULL: none;
				       * outlives the participant         */
	part_event_h *eh;
	void *arg;
};

/* A participant as the API shows it: a copy */
struct part_info {
	uint64_t id;
	enum part_state state;
	bool dialout;                 /* we called them                   */
	bool muted;
	bool deaf;
	bool talking;                 /* in the mixer's talker set        */
	bool held;                    /* the peer holds the call          */
	double gain_db;               /* input gain [dB]                  */
	uint64_t joined_at;           /* [unix ms]                        */
	const struct codec *codec;    /* NULL before a negotiation        */
	uint32_t ptime;               /* [ms]                             */
	char uri[256];                /* From URI, or the one we called   */
	char display_name[128];       /* From display name                */
	struct leg_stats stats;       /* as the media thread published it */
	struct sdpneg_video video;    /* the video agreed; video.why says
				       * why there is none              */
	struct vleg_stats vstats;     /* as the media thread published it */
	bool pin_wait;                /* in, not admitted: no PIN yet     */
	struct sa src;                /* where its INVITE came from       */
};

struct part_ctl {
	int muted;                    /* -1 = leave as is, else 0/1       */
	int deaf;                     /* -1 = leave as is, else 0/1       */
	bool set_gain;
	double gain_db;               /* [dB], -60..+20                   */
};

int  part_accept(struct part **pp, const struct part_prm *prm,
		 struct sipsess_sock *sock, const struct sip_msg *msg,
		 const char *contact);
int  part_connect(struct part **pp, const struct part_prm *prm,
		  struct sipsess_sock *sock, const char *uri,
		  const char *contact);
void part_hangup(struct part *p, const char *reason);
void part_set_pin_wait(struct part *p, bool wait);
uint64_t part_srtp_failures(const struct part_info *pi);
int  part_control(struct part *p, const struct part_ctl *ctl);
void part_news(struct part *p, const struct media_news *n);
void part_info(const struct part *p, struct part_info *info);
uint64_t part_id(const struct part *p);
const char *part_room(const struct part *p);
struct leg *part_leg(const struct part *p);
struct vleg *part_vleg(const struct part *p);
const struct sdpneg_video *part_video(const struct part *p);
const char *part_state_name(enum part_state st);

#endif
