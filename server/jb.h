/**
 * @file jb.h  Adaptive jitter buffer for one participant's incoming audio
 *
 * Pure logic: no sockets, no threads, no clock of its own. The caller
 * passes the time with every call, so the buffer is deterministic.
 *
 * On each RTP packet of the stream, jb_put() it, audio or not (RFC 4733
 * events and RFC 3389 comfort noise with len 0, so that their sequence
 * numbers do not count as lost). Once per room tick (tick_ms of wall
 * time), take all that is due and render it in order:
 *
 *   while ((r = jb_get(jb, now_us, &f)) != JB_WAIT) {
 *       if (r == JB_PACKET) {
 *           decode f.pkt;
 *           jb_played(jb, decoded duration in RTP units);
 *       }
 *       else {
 *           conceal f.dur RTP units (JB_LOST with f.next set:
 *           Opus FEC from f.next);
 *       }
 *   }
 *   then play the next tick of decoded audio; silence if short.
 *
 * The buffer keeps the playout timeline: what it returns, rendered in
 * order, is continuous. JB_LOST stands for each missing packet and for
 * an overdue one in a talkspurt (for 200 ms at most), JB_EXPAND for a
 * longer playout delay; JB_WAIT with no audio left means silence.
 */

#ifndef CHORUS_JB_H
#define CHORUS_JB_H

#include <re.h>

enum {
	JB_PKT_MAX = 1500,   /* largest payload copied [bytes] */
	JB_MIN_MS  = 20,     /* default smallest target delay [ms] */
	JB_MAX_MS  = 200,    /* default largest target delay [ms] */
	JB_PKTS    = 64,     /* default packets held at most */
	JB_PKTS_MAX = 256,   /* largest max_pkts */
};

/** One RTP packet, as put and as returned */
struct jb_pkt {
	uint32_t ssrc;        /* synchronisation source (RFC 3550 5.1)  */
	uint16_t seq;         /* sequence number                         */
	uint32_t ts;          /* RTP timestamp [RTP clock units]         */
	bool marker;          /* M bit (RFC 3551 4.1), passed through    */
	const uint8_t *pl;    /* payload                                 */
	size_t len;           /* [bytes]; 0: a sequence number that
			       * carries no audio (RFC 4733 event,
			       * RFC 3389 comfort noise)                 */
};

struct jb_prm {
	uint32_t clock;       /* RTP clock rate [Hz], required           */
	uint32_t min_ms;      /* smallest target delay [ms], 0: 20       */
	uint32_t max_ms;      /* largest target delay [ms], 0: 200       */
	uint32_t max_pkts;    /* packets held at most (<= 256), 0: 64    */
	uint32_t tick_ms;     /* jb_get() period [ms], 0: 20; the delay
			       * grows by multiples of it                */
};

enum jb_res {
	JB_WAIT = 0,          /* nothing due now                         */
	JB_PACKET,            /* f->pkt is due: decode it                */
	JB_LOST,              /* a packet is missing: conceal f->dur
			       * RTP units, from f->next if set          */
	JB_EXPAND,            /* the delay grows: conceal f->dur         */
};

struct jb_frame {
	struct jb_pkt pkt;          /* JB_PACKET: the packet. JB_LOST:
				     * ssrc, seq and ts of the gap,
				     * pl NULL                          */
	uint32_t dur;               /* expected duration [RTP units]    */
	bool resync;                /* first frame of a new stream: the
				     * decoder may be reset             */
	const struct jb_pkt *next;  /* the packet with the following
				     * sequence number if buffered
				     * (Opus in-band FEC, RFC 6716
				     * 2.1.7), else NULL                */
};

struct jb_stats {
	uint64_t received;      /* packets (RFC 3550 A.3: with late and
				 * duplicate ones)                     */
	int64_t  lost;          /* expected - received (RFC 3550 A.3),
				 * summed over sources; < 0 with
				 * duplicates (RFC 3550 6.4.1)         */
	uint64_t late;          /* arrived after their playout time,
				 * dropped                             */
	uint64_t duplicates;
	uint64_t reordered;     /* arrived after a later one, in time */
	uint64_t overflow;      /* dropped: buffer full               */
	uint64_t dropped;       /* dropped to shorten the delay       */
	uint64_t concealed;     /* JB_LOST and JB_EXPAND returned     */
	uint32_t ssrc_changes;
	uint32_t resyncs;       /* sequence or timestamp jumps        */
	uint32_t target_ms;     /* target playout delay [ms]          */
	uint32_t delay_ms;      /* mean time a packet waits here [ms] */
	double   jitter_ms;     /* interarrival jitter (RFC 3550 A.8)
				 * [ms]                               */
};

struct jb;

int  jb_alloc(struct jb **jbp, const struct jb_prm *prm);
int  jb_put(struct jb *jb, const struct jb_pkt *pkt, uint64_t now_us);
enum jb_res jb_get(struct jb *jb, uint64_t now_us, struct jb_frame *f);
void jb_played(struct jb *jb, uint32_t dur);
void jb_flush(struct jb *jb);
int  jb_set_clock(struct jb *jb, uint32_t clock);
void jb_stats(const struct jb *jb, struct jb_stats *st);

#endif
