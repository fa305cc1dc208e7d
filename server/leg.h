/**
 * @file leg.h  One media stream of a participant: RTP socket, jitter
 *              buffer, codec, statistics
 *
 * A leg is made and freed on the main thread (its socket is made and
 * closed on its media thread through worker_call) and runs on that media
 * thread: the room's tick pulls its frames and sends through it. The
 * statistics snapshot and the RTP timeout are taken in leg_pull(): a leg
 * nobody pulls publishes nothing and never times out. It
 * reports what it sees through the handler given at allocation, on the
 * media thread, as plain data. The main thread reads its statistics as a
 * snapshot the media thread publishes.
 */

#ifndef CHORUS_LEG_H
#define CHORUS_LEG_H

#include <re.h>
#include "codec.h"
#include "legsec.h"
#include "sdpneg.h"

struct leg;
struct worker;

/* How a leg is made: copied into the leg, never read back */
struct leg_prm {
	struct sa bind;              /* local address; its port is ignored */
	uint16_t port_min;           /* RTP port range                     */
	uint16_t port_max;
	uint32_t jitter_min_ms;      /* jitter buffer target range [ms]    */
	uint32_t jitter_max_ms;
	uint32_t timeout_s;          /* no RTP or RTCP for this long:
				      * LEG_TIMEOUT [s], 0 = never         */
	uint32_t opus_complexity;    /* its own encoder's, 0-10            */
	struct tls *dtls;            /* DTLS-SRTP context, NULL: none; not
				      * owned, outlives every leg          */
};

/* What the room's tick applies to the leg's audio */
struct leg_ctl {
	bool muted;                  /* the mix takes nothing from it      */
	bool deaf;                   /* it is sent nothing                 */
	int32_t gain_q12;            /* input gain, MIXER_GAIN_UNITY = 0 dB */
};

enum leg_event_type {
	LEG_DTMF = 0,                /* an RFC 4733 digit                  */
	LEG_TIMEOUT,                 /* RTP and RTCP stopped               */
};

struct leg_event {
	enum leg_event_type type;
	char digit;                  /* LEG_DTMF                           */
};

/* Called on the media thread; plain data only */
typedef void (leg_event_h)(const struct leg_event *ev, void *arg);

/* Statistics, as published by the media thread */
struct leg_stats {
	uint64_t pkts_in;            /* RTP packets received               */
	uint64_t bytes_in;           /* RTP payload bytes received         */
	uint64_t pkts_out;           /* RTP packets sent                   */
	uint64_t bytes_out;          /* RTP payload bytes sent             */
	uint64_t pkts_bad;           /* undecodable or unexpected PT       */
	uint64_t pkts_quiet;         /* not decoded: RFC 6464 says quiet   */
	uint64_t pkts_silent;        /* not decoded: Opus DTX or no voice  */
	uint64_t lost;               /* lost on the way in (RFC 3550 A.3)  */
	uint32_t jitter_us;          /* interarrival jitter (RFC 3550 A.8) */
	uint32_t rtt_us;             /* from receiver reports (6.4.1)      */
	struct sa raddr;             /* where we send (latched source)     */
	struct legsec_stats srtp;    /* its protection                     */
};

/* main thread */
int  leg_alloc(struct leg **legp, struct worker *wk,
	       const struct leg_prm *prm, uint64_t owner,
	       leg_event_h *eh, void *arg);
uint16_t leg_port(const struct leg *leg);
int  leg_start(struct leg *leg, const struct sdpneg_result *res);
int  leg_control(struct leg *leg, const struct leg_ctl *ctl);
void leg_stats(const struct leg *leg, struct leg_stats *st);

/* media thread */
const int16_t *leg_pull(struct leg *leg, bool talking);
bool leg_pass(const struct leg *leg, const uint8_t **pl, size_t *len);
const struct leg_ctl *leg_ctl(const struct leg *leg);
const struct codec *leg_codec(const struct leg *leg);
uint32_t leg_ptime(const struct leg *leg);
bool leg_hears(const struct leg *leg);
void leg_send(struct leg *leg, const uint8_t *pl, size_t len, uint32_t dur);
int  leg_encode(struct leg *leg, const int16_t *pcm);
void leg_skip(struct leg *leg, uint64_t periods);
void leg_publish(struct leg *leg);

#endif
