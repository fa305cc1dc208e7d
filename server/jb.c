/**
 * @file jb.c  Adaptive jitter buffer for one participant's incoming audio
 *
 * Timeline: a packet plays at due(ts), ref_us plus ts in microseconds, a
 * mapping that moves only on purpose. play_ts is where the next output
 * starts. jb_get() returns in order what is due: the packet at play_ts,
 * concealment for a missing sequence number or an overdue packet in a
 * talkspurt, or nothing for silence (no sequence number missing:
 * RFC 3551 4.1 silence suppression, Opus DTX).
 *
 * Delay: the target is three times the interarrival jitter (RFC 3550
 * A.8) plus a margin, within [min, max]. The mean slack (due time minus
 * arrival) follows it: it grows at once, in whole ticks of concealment,
 * when it falls below the target or two packets in a row come late; it
 * shrinks freely in silences, or by dropping about a tick's worth of
 * packets once it has been that far above the target for a while.
 *
 * Sources: a new SSRC (a re-INVITE, a transfer) restarts the timeline; a
 * sequence jump, or a timestamp far off the timeline, does once the next
 * packet confirms it (the probation of RFC 3550 A.1).
 */
#include <string.h>
#include <re.h>
#include "jb.h"

enum {
	MARGIN_US    = 5000,     /* added to 3 x jitter [us]             */
	HYST_US      = 5000,     /* least hysteresis [us]                */
	HOLD_US      = 500000,   /* above target this long: drop [us]    */
	EARLY_US     = 500000,   /* this far beyond max: a jump [us]     */
	SSRC_HOLD_US = 500000,   /* old SSRC ignored after a change [us] */
	CONCEAL_MS   = 200,      /* longest concealment in a row [ms]    */
	DUR_MAX_MS   = 120,      /* longest packet (RFC 6716 3.2.5) [ms] */
	SEQ_JUMP     = 1000,     /* larger sequence steps are a jump     */
	RECENT       = 64,       /* sequence numbers remembered          */
	AGAIN        = -1,       /* step(): look again                   */
};

enum seq_cls {
	SEQ_NEW = 0,   /* after the highest so far */
	SEQ_OLD,       /* before it, not seen yet  */
	SEQ_DUP,       /* seen already             */
	SEQ_JUMP_,     /* too far from it          */
};

struct slot {
	struct jb_pkt pkt;           /* pl points into buf */
	uint8_t buf[JB_PKT_MAX];
};

struct jb {
	/* the state every put and get reads comes first, together: with
	 * thousands of buffers, each is a cache miss away */
	struct jb_prm prm;
	uint32_t n, nfree;
	bool probing;
	bool probe_late;             /* it came after its due time        */
	uint64_t probe_us;           /* its arrival [us]                  */

	/* source (RFC 3550 A.1, A.3) */
	bool synced;                 /* a timeline is running             */
	bool seg;                    /* a source has been counted         */
	uint32_t ssrc, ssrc_old;
	uint64_t ssrc_us;            /* when the SSRC changed [us]        */
	uint16_t max_seq;            /* highest sequence number           */
	uint32_t max_ts;             /* its timestamp, if max_audio       */
	bool max_audio;
	int64_t cycles;              /* sequence wraps x 65536            */
	int64_t base;                /* lowest extended sequence number   */
	uint64_t seg_received;
	uint64_t recent;             /* bit i: max_seq - i received       */
	int64_t lost_prev;           /* lost from earlier sources         */

	/* timeline */
	bool started;                /* a packet has been returned        */
	bool fresh;                  /* flag the next frame as resync     */
	bool talking;                /* a gap now is loss, not silence    */
	bool played_ok;              /* jb_played() may move play_ts      */
	uint32_t play_ts;            /* next output starts here [RTP]     */
	uint32_t quiet_ts;           /* the silence started here [RTP]    */
	int64_t play_ext;            /* the same, unwrapped [RTP]         */
	uint16_t next_seq;           /* expected at play_ts               */
	uint32_t last_ts;            /* last packet returned [RTP]        */
	uint32_t dur_est;            /* packet duration [RTP]             */
	uint32_t conceal;            /* concealed since a packet [RTP]    */
	uint32_t stretch;            /* delay added, to conceal [RTP]     */
	int64_t ref_us;              /* due time of play_ext 0 [us]       */

	/* adaptation */
	bool have_prev;
	uint64_t prev_us;            /* previous arrival [us]             */
	uint32_t prev_ts;
	int64_t jit16;               /* 16 x jitter (RFC 3550 A.8) [us]   */
	int64_t slack;               /* mean due - arrival [us]           */
	int64_t target;              /* [us]                              */
	uint32_t late_run;           /* arrivals after due, in a row      */
	uint64_t above_us;           /* above target since [us], 0: not   */

	struct jb_stats st;

	uint16_t ordv[JB_PKTS_MAX];  /* buffered slots, in sequence order */
	uint16_t freev[JB_PKTS_MAX]; /* free slots, a stack               */
	struct slot probe;           /* on probation after a jump         */
	struct slot slotv[];         /* prm.max_pkts                      */
};


static inline bool ts_before(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}


static inline bool seq_before(uint16_t a, uint16_t b)
{
	return (int16_t)(a - b) < 0;
}


static inline int64_t us_of(const struct jb *jb, int64_t rtp)
{
	return rtp * 1000000 / jb->prm.clock;
}


static inline int64_t rtp_of(const struct jb *jb, int64_t us)
{
	return us * jb->prm.clock / 1000000;
}


static inline uint32_t rtp_ms(const struct jb *jb, uint32_t ms)
{
	return (uint32_t)((uint64_t)jb->prm.clock * ms / 1000);
}


static inline int64_t due(const struct jb *jb, uint32_t ts)
{
	return jb->ref_us + us_of(jb, jb->play_ext +
				  (int32_t)(ts - jb->play_ts));
}


static void set_play(struct jb *jb, uint32_t ts)
{
	jb->play_ext += (int32_t)(ts - jb->play_ts);
	jb->play_ts = ts;
}


/* The i-th buffered packet in sequence order, or NULL */
static struct jb_pkt *nth(struct jb *jb, uint32_t i)
{
	return i < jb->n ? &jb->slotv[jb->ordv[i]].pkt : NULL;
}


/* If b is the audio packet after a: a's duration [RTP], else 0 */
static uint32_t dur_to(const struct jb *jb, const struct jb_pkt *a,
		       const struct jb_pkt *b)
{
	int32_t d;

	if (!a || !b || !b->len || b->seq != (uint16_t)(a->seq + 1))
		return 0;

	d = b->ts - a->ts;
	return d > 0 && d <= (int32_t)rtp_ms(jb, DUR_MAX_MS) ? d : 0;
}


static void pop(struct jb *jb)
{
	jb->freev[jb->nfree++] = jb->ordv[0];
	--jb->n;
	memmove(jb->ordv, jb->ordv + 1, jb->n * sizeof(jb->ordv[0]));
}


static int store(struct jb *jb, const struct jb_pkt *p)
{
	struct slot *s;
	uint32_t i;

	if (jb->n == jb->prm.max_pkts) {
		++jb->st.overflow;
		if (seq_before(p->seq, nth(jb, 0)->seq))
			return ENOBUFS;
		pop(jb);
	}

	/* most packets come in order and go last */
	for (i = jb->n; i > 0 && seq_before(p->seq, nth(jb, i - 1)->seq); i--)
		;
	memmove(jb->ordv + i + 1, jb->ordv + i,
		(jb->n - i) * sizeof(jb->ordv[0]));
	jb->ordv[i] = jb->freev[--jb->nfree];
	++jb->n;

	s = &jb->slotv[jb->ordv[i]];
	s->pkt = *p;
	s->pkt.pl = p->len ? s->buf : NULL;
	if (p->len)
		memcpy(s->buf, p->pl, p->len);

	return 0;
}


static int64_t seg_lost(const struct jb *jb)
{
	int64_t expected = jb->cycles + jb->max_seq - jb->base + 1;

	return jb->seg ? expected - (int64_t)jb->seg_received : 0;
}


static void set_target(struct jb *jb)
{
	int64_t t = 3 * (jb->jit16 >> 4) + MARGIN_US;
	int64_t lo = (int64_t)jb->prm.min_ms * 1000;
	int64_t hi = (int64_t)jb->prm.max_ms * 1000;

	jb->target = t < lo ? lo : t > hi ? hi : t;
}


/* A new timeline, and A.3 source, from packet p arrived at now */
static void restart(struct jb *jb, const struct jb_pkt *p, uint64_t now)
{
	while (jb->n)
		pop(jb);

	jb->lost_prev += seg_lost(jb);
	jb->synced = jb->seg = true;
	jb->probing = false;
	jb->ssrc = p->ssrc;
	jb->max_seq = p->seq;
	jb->max_ts = p->ts;
	jb->max_audio = true;
	jb->cycles = 0;
	jb->base = p->seq;
	jb->seg_received = 1;
	jb->recent = 1;
	++jb->st.received;

	jb->started = jb->talking = jb->have_prev = false;
	jb->fresh = true;
	jb->play_ts = jb->last_ts = p->ts;
	jb->play_ext = 0;
	jb->next_seq = p->seq;
	jb->conceal = jb->stretch = jb->late_run = 0;
	jb->above_us = 0;
	set_target(jb);
	jb->ref_us = (int64_t)now + jb->target;
	jb->slack = jb->target;
}


static enum seq_cls seq_class(const struct jb *jb, uint16_t seq)
{
	uint16_t fwd = seq - jb->max_seq;
	uint16_t back = jb->max_seq - seq;

	if (fwd == 0)
		return SEQ_DUP;
	if (fwd <= SEQ_JUMP)
		return SEQ_NEW;
	if (back > SEQ_JUMP)
		return SEQ_JUMP_;
	if (back < RECENT && (jb->recent >> back) & 1)
		return SEQ_DUP;

	return SEQ_OLD;
}


/* Count a packet of the current source (RFC 3550 A.1, A.3) */
static void count(struct jb *jb, const struct jb_pkt *p, enum seq_cls cls)
{
	uint16_t fwd = p->seq - jb->max_seq;
	uint16_t back = jb->max_seq - p->seq;
	int32_t d = p->ts - jb->max_ts;

	++jb->st.received;
	++jb->seg_received;

	if (cls == SEQ_NEW) {
		if (p->seq < jb->max_seq)
			jb->cycles += 65536;
		jb->recent = fwd < RECENT ? jb->recent << fwd | 1 : 1;

		/* the packet duration, from consecutive timestamps */
		if (fwd == 1 && p->len && jb->max_audio && d > 0 &&
		    d <= (int32_t)rtp_ms(jb, DUR_MAX_MS))
			jb->dur_est = d;

		jb->max_seq = p->seq;
		jb->max_ts = p->ts;
		jb->max_audio = p->len > 0;
	}
	else if (cls == SEQ_OLD) {
		if (back < RECENT)
			jb->recent |= (uint64_t)1 << back;
		if (jb->cycles + jb->max_seq - back < jb->base)
			jb->base = jb->cycles + jb->max_seq - back;
	}
}


/* Hysteresis around the target [us]: the mean slack is as noisy as the
 * jitter */
static int64_t hyst(const struct jb *jb)
{
	return HYST_US > jb->jit16 >> 4 ? HYST_US : jb->jit16 >> 4;
}


/* Raise the delay; in a talkspurt by whole ticks, to be concealed */
static void grow(struct jb *jb, int64_t us)
{
	int64_t q = (int64_t)jb->prm.tick_ms * 1000;
	int64_t room = (int64_t)jb->prm.max_ms * 1000 - jb->slack;

	us = us < room ? us : room;
	if (us <= 0)
		return;

	if (jb->started && jb->talking) {
		us = us < q ? q : (us + q / 2) / q * q;
		jb->stretch += (uint32_t)rtp_of(jb, us);
	}
	jb->ref_us += us;
	jb->slack += us;
	jb->above_us = 0;
}


/* Jitter (RFC 3550 A.8), mean slack and target after an arrival */
static void measure(struct jb *jb, const struct jb_pkt *p, uint64_t now)
{
	int64_t slack = due(jb, p->ts) - (int64_t)now;

	if (jb->have_prev) {
		int64_t d = (int64_t)(now - jb->prev_us) -
			us_of(jb, (int32_t)(p->ts - jb->prev_ts));

		jb->jit16 += (d < 0 ? -d : d) - ((jb->jit16 + 8) >> 4);
	}
	jb->have_prev = true;
	jb->prev_us = now;
	jb->prev_ts = p->ts;

	jb->slack += (slack - jb->slack) / 16;
	set_target(jb);

	/* late twice in a row: the path got slower, not one packet */
	jb->late_run = slack < 0 ? jb->late_run + 1 : 0;
	if (jb->late_run >= 2)
		grow(jb, -slack);
	else if (jb->slack < jb->target - hyst(jb))
		grow(jb, jb->target - jb->slack);
}


/* Whether p's place in the timeline has been played already */
static bool is_late(const struct jb *jb, const struct jb_pkt *p)
{
	if (!jb->started || !ts_before(p->ts, jb->play_ts))
		return false;

	/* the last packet was shorter than guessed: p is its successor */
	return !(p->seq == jb->next_seq && ts_before(jb->last_ts, p->ts));
}


static int admit(struct jb *jb, const struct jb_pkt *p, uint64_t now,
		 enum seq_cls cls)
{
	if (!p->len) {
		if (jb->started && seq_before(p->seq, jb->next_seq))
			return ETIMEDOUT;
		return store(jb, p);
	}

	measure(jb, p, now);

	/* before playout, or in a silence: start p later rather than not */
	if (!jb->started || (!jb->talking && !ts_before(p->ts, jb->quiet_ts))) {
		if (ts_before(p->ts, jb->play_ts)) {
			set_play(jb, p->ts);
			jb->next_seq = p->seq;
		}
		if (jb->started && due(jb, p->ts) < (int64_t)now)
			grow(jb, (int64_t)now - due(jb, p->ts));
	}
	else if (is_late(jb, p)) {
		++jb->st.late;
		return ETIMEDOUT;
	}

	if (cls == SEQ_OLD)
		++jb->st.reordered;

	return store(jb, p);
}


/* Not confirmed: the packet on probation was just a late one */
static void probe_release(struct jb *jb)
{
	enum seq_cls cls = seq_class(jb, jb->probe.pkt.seq);

	if (!jb->probing)
		return;
	jb->probing = false;

	if (cls == SEQ_JUMP_)
		return;  /* RFC 3550 A.1: a jump is not counted */

	count(jb, &jb->probe.pkt, cls);
	if (cls == SEQ_DUP)
		++jb->st.duplicates;
	else if (jb->probe_late)
		++jb->st.late;
}


/* p is far off the timeline: restart if the previous one was too */
static int probation(struct jb *jb, const struct jb_pkt *p, uint64_t now,
		     int64_t slack)
{
	const struct jb_pkt *q = &jb->probe.pkt;
	uint32_t d = jb->probing ? dur_to(jb, q, p) : 0;

	/* a new stream comes paced; packets held up in the network do not */
	if (d && q->len && now - jb->probe_us >= (uint64_t)us_of(jb, d) / 2) {
		/* as if q came one packet before p */
		uint64_t q_us = now - (uint64_t)us_of(jb, d);

		++jb->st.resyncs;
		restart(jb, q, q_us);
		(void)admit(jb, q, q_us, SEQ_NEW);
		count(jb, p, SEQ_NEW);

		return admit(jb, p, now, SEQ_NEW);
	}

	probe_release(jb);

	jb->probe.pkt = *p;
	jb->probe.pkt.pl = p->len ? jb->probe.buf : NULL;
	if (p->len)
		memcpy(jb->probe.buf, p->pl, p->len);
	jb->probing = true;
	jb->probe_us = now;
	jb->probe_late = slack < 0;

	return EAGAIN;
}


/**
 * Put a received packet; the payload is copied
 *
 * @param jb      Jitter buffer
 * @param pkt     Packet; len 0 for a sequence number without audio
 * @param now_us  Arrival time [us], monotonic
 *
 * @return 0 if buffered; else, each counted in the statistics: EALREADY
 *         duplicate, ETIMEDOUT late, EAGAIN held until the next packet
 *         confirms a jump, ENOBUFS older than a full buffer, ENOENT no
 *         audio yet; or EINVAL
 */
int jb_put(struct jb *jb, const struct jb_pkt *pkt, uint64_t now_us)
{
	int64_t slack, lim;
	enum seq_cls cls;

	if (!jb || !pkt || pkt->len > JB_PKT_MAX || (pkt->len && !pkt->pl))
		return EINVAL;

	if (!jb->synced || pkt->ssrc != jb->ssrc) {
		if (!pkt->len)
			return ENOENT;  /* a timeline starts from audio */

		if (jb->synced && pkt->ssrc == jb->ssrc_old &&
		    now_us - jb->ssrc_us < SSRC_HOLD_US) {
			++jb->st.late;  /* straggler of the previous source */
			return ETIMEDOUT;
		}
		if (jb->synced) {
			++jb->st.ssrc_changes;
			jb->ssrc_old = jb->ssrc;
			jb->ssrc_us = now_us;
		}
		restart(jb, pkt, now_us);
		return admit(jb, pkt, now_us, SEQ_NEW);
	}

	cls = seq_class(jb, pkt->seq);
	if (cls == SEQ_DUP) {
		count(jb, pkt, cls);
		++jb->st.duplicates;
		return EALREADY;
	}

	slack = pkt->len ? due(jb, pkt->ts) - (int64_t)now_us : 0;
	lim = (int64_t)jb->prm.max_ms * 1000;
	if (cls == SEQ_JUMP_ || slack > lim + EARLY_US || slack < -lim)
		return probation(jb, pkt, now_us, slack);

	probe_release(jb);
	count(jb, pkt, cls);

	return admit(jb, pkt, now_us, cls);
}


static int conceal(struct jb *jb, struct jb_frame *f, uint32_t dur,
		   enum jb_res res)
{
	f->pkt.ssrc = jb->ssrc;
	f->pkt.seq = jb->next_seq;
	f->pkt.ts = jb->play_ts;
	f->dur = dur;
	jb->conceal += dur;
	++jb->st.concealed;

	return res;
}


static int packet_out(struct jb *jb, struct jb_frame *f)
{
	const struct jb_pkt *h = nth(jb, 0);
	uint32_t dur = dur_to(jb, h, nth(jb, 1));

	f->pkt = *h;
	f->dur = dur ? dur : jb->dur_est;
	f->next = dur ? nth(jb, 1) : NULL;
	f->resync = jb->fresh;

	jb->fresh = false;
	jb->started = jb->talking = jb->played_ok = true;
	jb->conceal = 0;
	jb->last_ts = h->ts;
	jb->next_seq = h->seq + 1;
	set_play(jb, h->ts + f->dur);
	pop(jb);  /* the slot stays intact until the next put */

	return JB_PACKET;
}


/* Drop a tick's worth of due packets if the delay is that much too long */
static bool shrink(struct jb *jb, uint64_t now)
{
	int64_t drop = 0, tick = (int64_t)jb->prm.tick_ms * 1000;
	uint32_t k;

	for (k = 0; drop < tick; k++) {
		uint32_t d = dur_to(jb, nth(jb, k), nth(jb, k + 1));

		if (!d)
			return false;
		drop += us_of(jb, d);
	}

	if (jb->slack - jb->target < drop + hyst(jb) - HYST_US * 3 / 2) {
		jb->above_us = 0;
		return false;
	}
	if (!jb->above_us)
		jb->above_us = now;
	if (jb->slack <= (int64_t)jb->prm.max_ms * 1000 + tick &&
	    now - jb->above_us < HOLD_US)
		return false;

	jb->st.dropped += k;
	while (k--)
		pop(jb);
	jb->ref_us -= drop;
	jb->slack -= drop;
	jb->above_us = now;
	jb->next_seq = nth(jb, 0)->seq;
	set_play(jb, nth(jb, 0)->ts);

	return true;
}


/* The talkspurt is over: from play_ts on, a gap is silence */
static void hush(struct jb *jb)
{
	if (jb->talking)
		jb->quiet_ts = jb->play_ts;
	jb->talking = false;
}


/* No concealment at play_ts: silence until h, or until now */
static int silence(struct jb *jb, const struct jb_pkt *h, uint64_t now)
{
	int64_t excess = jb->slack - jb->target;

	hush(jb);

	if (!h) {
		int64_t d = rtp_of(jb, (int64_t)now - due(jb, jb->play_ts));

		set_play(jb, jb->play_ts + (uint32_t)(d < INT32_MAX / 2 ? d :
						    INT32_MAX / 2));
		return JB_WAIT;
	}

	/* a shorter silence is a free way to a shorter delay */
	if (excess > 0) {
		int64_t gap = due(jb, h->ts) - due(jb, jb->play_ts);

		excess = excess < gap ? excess : gap;
		jb->ref_us -= excess;
		jb->slack -= excess;
	}
	set_play(jb, h->ts);
	jb->next_seq = h->seq;

	return AGAIN;
}


/* play_ts is due and no packet starts there */
static int gap_out(struct jb *jb, struct jb_frame *f, uint64_t now)
{
	const struct jb_pkt *h = nth(jb, 0);
	int missing = h ? (int16_t)(h->seq - jb->next_seq) : 1;
	uint32_t dur = jb->dur_est;
	int r;

	if (!jb->talking || missing <= 0 ||
	    jb->conceal >= rtp_ms(jb, CONCEAL_MS))
		return silence(jb, h, now);

	if (h) {
		uint32_t gap = h->ts - jb->play_ts;  /* > 0: see step() */
		uint32_t per = gap / (uint32_t)missing;

		if (per < dur)
			dur = per ? per : gap;
		if (missing == 1 && h->len)
			f->next = h;
	}

	r = conceal(jb, f, dur, JB_LOST);
	++jb->next_seq;
	set_play(jb, jb->play_ts + dur);

	return r;
}


static int step(struct jb *jb, struct jb_frame *f, uint64_t now)
{
	const struct jb_pkt *h = nth(jb, 0);

	if (h && !h->len) {
		/* an event or comfort noise: the talkspurt has ended */
		if (!seq_before(h->seq, jb->next_seq))
			jb->next_seq = h->seq + 1;
		hush(jb);
		pop(jb);
		return AGAIN;
	}

	if (h && ts_before(h->ts, jb->play_ts)) {
		if (is_late(jb, h)) {
			++jb->st.late;
			pop(jb);
			return AGAIN;
		}
		set_play(jb, h->ts);
	}

	if (due(jb, jb->play_ts) > (int64_t)now)
		return JB_WAIT;

	if (!h || h->ts != jb->play_ts)
		return gap_out(jb, f, now);

	return jb->started && shrink(jb, now) ? AGAIN : packet_out(jb, f);
}


/**
 * Take the next due piece of the playout timeline
 *
 * Call until JB_WAIT once per tick and render the results in order.
 * f->pkt.pl and f->next stay valid until the next jb_put() or jb_flush().
 *
 * @param jb      Jitter buffer
 * @param now_us  Current time [us], the clock of jb_put()
 * @param f       Filled in
 *
 * @return JB_PACKET, JB_LOST, JB_EXPAND or JB_WAIT
 */
enum jb_res jb_get(struct jb *jb, uint64_t now_us, struct jb_frame *f)
{
	uint32_t i;
	int r = AGAIN;

	if (!f)
		return JB_WAIT;
	memset(f, 0, sizeof(*f));
	if (!jb || !jb->synced)
		return JB_WAIT;

	jb->played_ok = false;

	if (jb->stretch) {
		uint32_t d = jb->stretch;

		jb->stretch = 0;
		if (jb->talking)
			return conceal(jb, f, d, JB_EXPAND);
	}

	/* each pass pops a packet or moves play_ts on to one */
	for (i = 0; r == AGAIN && i <= 2 * jb->prm.max_pkts + 2; i++)
		r = step(jb, f, now_us);

	return r == AGAIN ? JB_WAIT : (enum jb_res)r;
}


/**
 * Tell the duration decoded from the JB_PACKET just returned, so that the
 * next packet starts right after it. Optional: else the timestamp step
 * to the next packet, or the last one seen, is taken.
 *
 * @param jb   Jitter buffer
 * @param dur  Decoded duration [RTP clock units]
 */
void jb_played(struct jb *jb, uint32_t dur)
{
	if (!jb || !jb->played_ok || !dur || dur > rtp_ms(jb, DUR_MAX_MS))
		return;

	jb->played_ok = false;
	jb->dur_est = dur;
	set_play(jb, jb->last_ts + dur);
}


/** Drop all packets; the next one starts a new timeline. Keeps stats. */
void jb_flush(struct jb *jb)
{
	if (!jb)
		return;

	while (jb->n)
		pop(jb);
	jb->synced = jb->probing = jb->played_ok = false;
}


/**
 * Change the RTP clock rate (a new codec); flushes if it differs
 *
 * @return 0 or EINVAL
 */
int jb_set_clock(struct jb *jb, uint32_t clock)
{
	if (!jb || !clock)
		return EINVAL;

	if (clock != jb->prm.clock) {
		jb_flush(jb);
		jb->prm.clock = clock;
		jb->dur_est = rtp_ms(jb, 20);
	}

	return 0;
}


/** Read the statistics into st (zeros without jb) */
void jb_stats(const struct jb *jb, struct jb_stats *st)
{
	if (!st)
		return;
	memset(st, 0, sizeof(*st));
	if (!jb)
		return;

	*st = jb->st;
	st->lost = jb->lost_prev + seg_lost(jb);
	st->target_ms = (uint32_t)(jb->target / 1000);
	st->delay_ms = jb->slack > 0 ? (uint32_t)((jb->slack + 500) / 1000) :
		0;
	st->jitter_ms = (double)jb->jit16 / 16000.0;
}


/**
 * Make a jitter buffer. Not thread safe: one owner thread.
 *
 * @param jbp  Set on success; free with mem_deref()
 * @param prm  Parameters; fields left 0 take the defaults
 *
 * @return 0, EINVAL or ENOMEM
 */
int jb_alloc(struct jb **jbp, const struct jb_prm *prm)
{
	struct jb_prm p;
	struct jb *jb;
	uint32_t i, n;

	if (!jbp || !prm || !prm->clock)
		return EINVAL;

	p = *prm;
	p.min_ms = p.min_ms ? p.min_ms : JB_MIN_MS;
	p.max_ms = p.max_ms ? p.max_ms : JB_MAX_MS;
	p.max_pkts = n = p.max_pkts ? p.max_pkts : JB_PKTS;
	p.tick_ms = p.tick_ms ? p.tick_ms : 20;
	if (p.max_ms < p.min_ms || n < 2 || n > JB_PKTS_MAX)
		return EINVAL;

	jb = mem_zalloc(sizeof(*jb) + n * sizeof(jb->slotv[0]), NULL);
	if (!jb)
		return ENOMEM;

	jb->prm = p;
	for (i = 0; i < n; i++)
		jb->freev[jb->nfree++] = (uint16_t)(n - 1 - i);

	jb->dur_est = rtp_ms(jb, 20);
	set_target(jb);
	jb->slack = jb->target;
	*jbp = jb;

	return 0;
}
