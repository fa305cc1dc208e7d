/**
 * @file vfwd.c  One receiver's forwarded video stream across source
 *               switches (RFC 3550 5.1, 8.2)
 *
 * The receiver sees one SSRC (the caller's, for this receiver) whatever
 * the source: a baresip receiver given a new SSRC flushes its jitter
 * buffer and asks for no keyframe, and one switched onto a delta frame
 * stays broken until the next keyframe, which may never come. So at a
 * switch the sequence goes on with no gap and no repeat, the timestamp
 * goes on by the time that really passed, and the switch happens at the
 * new source's first keyframe start; until then the old source goes on.
 */
#include <string.h>
#include <re.h>
#include "vfwd.h"

enum {
	SEQ_TRAIL = 0x4000,   /* packets this late are dropped as old */
};


/* a after b, in 16-bit serial number arithmetic (RFC 1982) */
static bool seq_after(uint16_t a, uint16_t b)
{
	return (int16_t)(a - b) > 0;
}


static bool ts_after(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}


/**
 * Start a receiver's stream
 *
 * @param o     Stream
 * @param seq0  Its first sequence number (random, RFC 3550 5.1)
 * @param ts0   Its first timestamp (random)
 */
void vfwd_init(struct vfwd_out *o, uint16_t seq0, uint32_t ts0)
{
	memset(o, 0, sizeof(*o));
	o->seq_next = seq0;
	o->ts_last = ts0;
}


/** Show src to this receiver from src's next keyframe on */
void vfwd_follow(struct vfwd_out *o, uint64_t src)
{
	o->want = src;
	o->want_set = true;
}


/** Show nothing (the receiver holds, or the room's video is off); the
 * numbers go on when a source is followed again */
void vfwd_stop(struct vfwd_out *o)
{
	o->want_set = false;
	o->mapped = false;
}


/** Whether a switch waits for the new source's keyframe */
bool vfwd_waiting(const struct vfwd_out *o)
{
	return o->want_set && (!o->mapped || o->src != o->want);
}


/* Take in's source from this packet on: the sequence goes on from the
 * last one sent, the timestamp by the time that passed (at least one
 * unit, so it always grows) */
static void map(struct vfwd_out *o, const struct vfwd_pkt *in,
		uint64_t now_us, uint32_t clock)
{
	uint32_t ts = o->ts_last;

	if (o->started) {
		uint64_t dt = now_us > o->us_last ? now_us - o->us_last : 0;
		uint64_t adv = dt * clock / 1000000;

		ts += (uint32_t)(adv ? adv : 1);
	}

	o->mapped = true;
	o->src = in->src;
	o->ssrc = in->ssrc;
	o->seq_first = in->seq;
	o->seq_off = (uint16_t)(o->seq_next - in->seq);
	o->ts_off = ts - in->ts;
	o->switches++;
}


static void emit(struct vfwd_out *o, const struct vfwd_pkt *in,
		 uint64_t now_us, struct vfwd_pkt *out)
{
	*out = *in;
	out->seq = (uint16_t)(in->seq + o->seq_off);
	out->ts = in->ts + o->ts_off;

	if (!o->started || !seq_after(o->seq_next, out->seq))
		o->seq_next = (uint16_t)(out->seq + 1);
	if (!o->started || ts_after(out->ts, o->ts_last))
		o->ts_last = out->ts;
	o->us_last = now_us;
	o->started = true;
}


/**
 * What becomes of one video packet for this receiver
 *
 * @param o       The receiver's stream
 * @param in      The packet, from any source
 * @param now_us  Arrival [us, monotonic]
 * @param clock   RTP clock rate of the codec [Hz]
 * @param out     Set for VFWD_SEND and VFWD_SWITCH: in, with the
 *                receiver's sequence number and timestamp
 *
 * @return what to do with it
 */
enum vfwd_res vfwd_packet(struct vfwd_out *o, const struct vfwd_pkt *in,
			  uint64_t now_us, uint32_t clock,
			  struct vfwd_pkt *out)
{
	bool current = o->mapped && in->src == o->src &&
		in->ssrc == o->ssrc;

	if (!o->want_set)
		return VFWD_OTHER;

	/* the source wanted, not yet taken (or with a new SSRC): from its
	 * first keyframe start on */
	if (in->src == o->want && !current) {
		if (!in->key) {
			o->waited++;
			return VFWD_WAIT;
		}

		map(o, in, now_us, clock);
		emit(o, in, now_us, out);
		return VFWD_SWITCH;
	}

	if (!current)
		return VFWD_OTHER;

	/* late packets from before the switch would repeat numbers the
	 * receiver had from the source before */
	if (seq_after(o->seq_first, in->seq))
		return VFWD_OLD;

	emit(o, in, now_us, out);

	/* what is "before the switch" trails the newest packet: serial
	 * arithmetic only compares within half the sequence space */
	if ((uint16_t)(in->seq - o->seq_first) > SEQ_TRAIL)
		o->seq_first = (uint16_t)(in->seq - SEQ_TRAIL);

	return VFWD_SEND;
}
