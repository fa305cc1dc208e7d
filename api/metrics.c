/**
 * @file metrics.c  /healthz, /readyz, /metrics and the OpenAPI document
 *
 * /metrics is the Prometheus text exposition format, version 0.0.4.
 */
#include <string.h>
#include <re.h>
#include "../server/part.h"
#include "../server/rooms.h"
#include "../server/sipauth.h"
#include "../server/sipd.h"
#include "../server/worker.h"
#include "api.h"

/* api/openapi.yaml, linked in by openapi.c */
extern const char api_openapi_yaml[];


void api_healthz(struct api_req *req)
{
	api_reply(req, 200, "{\"status\":\"ok\",\"rooms\":%u,"
		  "\"participants\":%u}", list_count(rooms_list(req->rooms)),
		  rooms_part_count(req->rooms));
}


/* Ready once SIP and media listen, until shutdown begins */
void api_readyz(struct api_req *req)
{
	if (!api_ready(req->api)) {
		api_error(req, EAGAIN, NULL, "not ready");
		return;
	}

	api_reply(req, 200, "{\"status\":\"ready\"}");
}


struct live {
	uint64_t pkts_in;
	uint64_t pkts_out;
	uint64_t lost;
	uint64_t srtp_fail;   /* failing authentication or replayed */
	uint32_t encodes;     /* last tick, all rooms */
	uint32_t parts;
	struct rvid_stats video;
};


static void live_sum(const struct rooms *mgr, struct live *lv)
{
	memset(lv, 0, sizeof(*lv));

	for (struct le *le = list_head(rooms_list(mgr)); le; le = le->next) {
		const struct room *room = le->data;
		struct room_stats rs;

		room_stats(room, &rs);
		lv->encodes += rs.encodes;
		lv->video.forwarded += rs.video.forwarded;
		lv->video.dropped += rs.video.dropped;
		lv->video.switches += rs.video.switches;
		lv->video.key_waits += rs.video.key_waits;
		lv->video.key_timeouts += rs.video.key_timeouts;
		for (struct le *pe = list_head(room_parts(room)); pe;
		     pe = pe->next) {
			struct part_info pi;

			part_info(pe->data, &pi);
			lv->pkts_in += pi.stats.pkts_in;
			lv->pkts_out += pi.stats.pkts_out;
			lv->lost += pi.stats.lost;
			lv->srtp_fail += part_srtp_failures(&pi);
			lv->parts++;
		}
	}
}


static int metric(struct re_printf *pf, const char *name, const char *type,
		  const char *help, uint64_t v)
{
	return re_hprintf(pf, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n",
			  name, help, name, type, name,
			  (unsigned long long)v);
}


static int tick_histogram(struct re_printf *pf,
			  const struct worker_tick_stats *st)
{
	const char *name = "chorus_mixer_tick_seconds";
	uint64_t cum = 0;
	char sum[32];
	int err;

	err = re_hprintf(pf, "# HELP %s Time to mix and encode one room "
			 "tick.\n# TYPE %s histogram\n", name, name);

	for (size_t i = 0; i < WORKER_TICK_BUCKETS; i++) {
		uint64_t ns = worker_tick_le_ns[i];
		char le[32] = "+Inf";

		/* the bounds are the worker's, in ns: 100000 is "0.0001" */
		if (ns != UINT64_MAX)
			(void)snprintf(le, sizeof(le), "%g", (double)ns / 1e9);

		cum += st->hist[i];
		err |= re_hprintf(pf, "%s_bucket{le=\"%s\"} %llu\n", name,
				  le, (unsigned long long)cum);
	}

	(void)snprintf(sum, sizeof(sum), "%.6f", st->sum);
	err |= re_hprintf(pf, "%s_sum %s\n%s_count %llu\n", name, sum, name,
			  (unsigned long long)st->ticks);

	return err;
}


static int auth_metrics(struct re_printf *pf, const struct sipauth *a)
{
	struct sipauth_stats st;
	int err;

	sipauth_stats(a, &st);
	err  = metric(pf, "chorus_sip_auth_challenges_total", "counter",
		      "401 digest challenges sent.", st.challenges);
	err |= metric(pf, "chorus_sip_auth_ok_total", "counter",
		      "Requests authenticated.", st.ok);
	err |= metric(pf, "chorus_sip_auth_failures_total", "counter",
		      "Wrong passwords, unknown users, replays, wrong PINs.",
		      st.failures);
	err |= metric(pf, "chorus_sip_sources_blocked_total", "counter",
		      "Sources blocked after repeated failures.", st.blocks);
	err |= metric(pf, "chorus_sip_blocked_requests_total", "counter",
		      "Requests refused (403) from blocked sources.",
		      st.refused_blocked);

	return err;
}


static int metrics_text(struct re_printf *pf, struct api_req *req)
{
	const struct rooms_stats *st = rooms_stats(req->rooms);
	struct worker_tick_stats ts;
	struct live lv;
	int err;

	live_sum(req->rooms, &lv);
	workers_tick_stats(rooms_workers(req->rooms), &ts);

	err  = metric(pf, "chorus_rooms", "gauge", "Rooms that exist.",
		      list_count(rooms_list(req->rooms)));
	err |= metric(pf, "chorus_participants", "gauge",
		      "Participants in all rooms.", lv.parts);
	err |= metric(pf, "chorus_participants_joined_total", "counter",
		      "Participants that ever joined.", st->joins);
	err |= metric(pf, "chorus_rtp_packets_received_total", "counter",
		      "RTP audio packets received.",
		      st->pkts_in_gone + lv.pkts_in);
	err |= metric(pf, "chorus_rtp_packets_sent_total", "counter",
		      "RTP audio packets sent.",
		      st->pkts_out_gone + lv.pkts_out);
	err |= metric(pf, "chorus_rtp_packets_lost_total", "counter",
		      "RTP packets lost on the way in (RFC 3550 A.3).",
		      st->lost_gone + lv.lost);
	err |= metric(pf, "chorus_srtp_failures_total", "counter",
		      "SRTP/SRTCP packets dropped: failing authentication or "
		      "replayed (RFC 3711 3.3).",
		      st->srtp_fail_gone + lv.srtp_fail);
	err |= auth_metrics(pf, sipd_auth(api_sipd(req->api)));
	err |= metric(pf, "chorus_mixer_encodes_per_tick", "gauge",
		      "Encodes in the last tick, all rooms.", lv.encodes);
	err |= metric(pf, "chorus_mixer_encodes_total", "counter",
		      "Encodes since start.", ts.work);
	err |= tick_histogram(pf, &ts);
	err |= metric(pf, "chorus_mixer_ticks_dropped_total", "counter",
		      "Room clock periods skipped, not mixed: a media thread "
		      "fell behind.", ts.dropped);
	err |= metric(pf, "chorus_video_packets_forwarded_total", "counter",
		      "Video packets sent to receivers.",
		      st->video_gone.forwarded + lv.video.forwarded);
	err |= metric(pf, "chorus_video_packets_dropped_total", "counter",
		      "Video packets from sources nobody was shown.",
		      st->video_gone.dropped + lv.video.dropped);
	err |= metric(pf, "chorus_video_switches_total", "counter",
		      "Receivers switched to a new video source.",
		      st->video_gone.switches + lv.video.switches);
	err |= metric(pf, "chorus_video_keyframe_waits_total", "counter",
		      "Switches that waited for a keyframe.",
		      st->video_gone.key_waits + lv.video.key_waits);
	err |= metric(pf, "chorus_video_keyframe_timeouts_total", "counter",
		      "Keyframes asked for again: none came in time.",
		      st->video_gone.key_timeouts + lv.video.key_timeouts);
	err |= re_hprintf(pf, "# HELP chorus_api_requests_total API requests"
			  " answered, by status.\n"
			  "# TYPE chorus_api_requests_total counter\n");
	err |= api_metrics_requests(pf, req->api);

	return err;
}


void api_metrics(struct api_req *req)
{
	struct mbuf *mb = mbuf_alloc(4096);

	if (!mb || mbuf_printf(mb, "%H", metrics_text, req)) {
		api_error(req, ENOMEM, NULL, "out of memory");
	}
	else {
		api_reply_raw(req, "text/plain; version=0.0.4; "
			      "charset=utf-8", (const char *)mb->buf,
			      mb->end);
	}

	mem_deref(mb);
}


void api_openapi(struct api_req *req)
{
	api_reply_raw(req, "application/yaml", api_openapi_yaml,
		      strlen(api_openapi_yaml));
}
