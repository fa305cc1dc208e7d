/**
 * @file part_routes.c  /v1/rooms/{name}/participants[/{id}]
 */
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "../server/part.h"
#include "../server/rooms.h"
#include "../server/sipd.h"
#include "../server/msec.h"
#include "api.h"


/* loss [%] of what the participant sent us: lost / (received + lost) */
static double loss_pct(const struct leg_stats *st)
{
	uint64_t expected = st->pkts_in + st->lost;

	return expected ? 100.0 * (double)st->lost / (double)expected : 0.0;
}


/* A participant and its statistics (as its media thread last published
 * them, at most 100 ms ago), as JSON */
static const char *vdir(const struct sdpneg_video *v)
{
	return v->send ? (v->recv ? "sendrecv" : "recvonly") :
		(v->recv ? "sendonly" : "inactive");
}


/* "srtp": a stream's protection, null for plain RTP */
static int srtp_json(struct re_printf *pf, const struct legsec_stats *s)
{
	if (s->keying == SDPSEC_NONE)
		return re_hprintf(pf, "\"srtp\":null");

	return re_hprintf(pf, "\"srtp\":{\"keying\":\"%s\",\"suite\":%s%s%s,"
			  "\"up\":%s,\"auth_failures\":%llu,"
			  "\"replays\":%llu}",
			  sdpsec_keying_name(s->keying),
			  s->up ? "\"" : "",
			  s->up ? msec_suite_name(s->suite) : "null",
			  s->up ? "\"" : "", s->up ? "true" : "false",
			  (unsigned long long)s->auth_fail,
			  (unsigned long long)s->replay);
}


/* "video": what was agreed and what the forwarder did; null with the
 * reason when the caller is in with audio only */
static int video_json(struct re_printf *pf, const struct part_info *pi)
{
	const struct sdpneg_video *v = &pi->video;
	const struct vleg_stats *st = &pi->vstats;

	if (!v->on)
		return re_hprintf(pf, "\"video\":null,\"video_refused\":%s%s%s",
				  v->why ? "\"" : "", v->why ? v->why : "null",
				  v->why ? "\"" : "");

	return re_hprintf(pf, "\"video\":{\"codec\":\"%s\","
			  "\"payload_type\":%u,\"direction\":\"%s\","
			  "\"sending\":%s,\"watching\":%llu,%H,"
			  "\"feedback\":{\"nack\":%s,\"pli\":%s,\"fir\":%s},"
			  "\"stats\":{\"packets_in\":%llu,\"bytes_in\":%llu,"
			  "\"packets_out\":%llu,\"bytes_out\":%llu,"
			  "\"packets_dropped\":%llu,\"packets_bad\":%llu,"
			  "\"keyframes_requested\":%llu,"
			  "\"keyframes_received\":%llu,"
			  "\"keyframe_requests_in\":%llu,"
			  "\"nacks_in\":%llu}},\"video_refused\":null",
			  vcodec_name(v->codec), v->pt, vdir(v),
			  st->sending ? "true" : "false",
			  (unsigned long long)st->watching, srtp_json, &st->srtp,
			  v->fb_nack ? "true" : "false",
			  v->fb_pli ? "true" : "false",
			  v->fb_fir ? "true" : "false",
			  (unsigned long long)st->pkts_in,
			  (unsigned long long)st->bytes_in,
			  (unsigned long long)st->pkts_out,
			  (unsigned long long)st->bytes_out,
			  (unsigned long long)st->pkts_dropped,
			  (unsigned long long)st->pkts_bad,
			  (unsigned long long)st->keys_asked,
			  (unsigned long long)st->keys_in,
			  (unsigned long long)st->fb_in,
			  (unsigned long long)st->nacks_in);
}


static int part_json(struct re_printf *pf, const struct part *p)
{
	struct part_info pi;
	const struct leg_stats *st = &pi.stats;
	const char *codec;
	char num[32];
	int err;

	part_info(p, &pi);
	codec = pi.codec ? pi.codec->name : NULL;

	err = re_hprintf(pf, "{\"id\":%llu,\"room\":\"%s\",\"uri\":\"%H\","
			 "\"display_name\":\"%H\",\"state\":\"%s\","
			 "\"pin_wait\":%s,"
			 "\"direction\":\"%s\",\"codec\":%s%s%s,"
			 "\"ptime\":%u,",
			 (unsigned long long)pi.id, part_room(p),
			 json_str, pi.uri, json_str, pi.display_name,
			 part_state_name(pi.state),
			 pi.pin_wait ? "true" : "false",
			 pi.dialout ? "outbound" : "inbound",
			 codec ? "\"" : "", codec ? codec : "null",
			 codec ? "\"" : "", pi.ptime);

	if (sa_isset(&st->raddr, SA_ALL))
		err |= re_hprintf(pf, "\"remote_address\":\"%J\",",
				  &st->raddr);
	else
		err |= re_hprintf(pf, "\"remote_address\":null,");

	/* gain with one decimal, whatever libre's %f does with precision */
	(void)snprintf(num, sizeof(num), "%.1f", pi.gain_db);

	err |= re_hprintf(pf, "\"joined_at\":\"%H\",\"muted\":%s,"
			  "\"deaf\":%s,\"gain_db\":%s,\"talking\":%s,"
			  "\"on_hold\":%s,",
			  json_time, &pi.joined_at,
			  pi.muted ? "true" : "false",
			  pi.deaf ? "true" : "false", num,
			  pi.talking ? "true" : "false",
			  pi.held ? "true" : "false");
	err |= re_hprintf(pf, "%H,%H,", video_json, &pi, srtp_json,
			  &st->srtp);

	(void)snprintf(num, sizeof(num), "%.2f", loss_pct(st));

	err |= re_hprintf(pf, "\"stats\":{\"packets_in\":%llu,"
			  "\"bytes_in\":%llu,\"packets_out\":%llu,"
			  "\"bytes_out\":%llu,\"packets_lost\":%llu,"
			  "\"packets_quiet\":%llu,\"packets_silent\":%llu,"
			  "\"loss_percent\":%s,\"jitter_ms\":%u,"
			  "\"rtt_ms\":%u}}",
			  (unsigned long long)st->pkts_in,
			  (unsigned long long)st->bytes_in,
			  (unsigned long long)st->pkts_out,
			  (unsigned long long)st->bytes_out,
			  (unsigned long long)st->lost,
			  (unsigned long long)st->pkts_quiet,
			  (unsigned long long)st->pkts_silent, num,
			  st->jitter_us / 1000, st->rtt_us / 1000);

	return err;
}


static int parts_array(struct re_printf *pf, const struct list *lst)
{
	int err = 0;

	for (struct le *le = list_head(lst); le && !err; le = le->next)
		err = re_hprintf(pf, "%s%H", le == list_head(lst) ? "" : ",",
				 part_json, le->data);

	return err;
}


void api_parts_list(struct api_req *req)
{
	struct room *room = api_room_or_404(req);

	if (room)
		api_reply(req, 200, "{\"participants\":[%H]}", parts_array,
			  room_parts(room));
}


static struct part *part_or_404(struct api_req *req)
{
	struct room *room = api_room_or_404(req);
	const char *id = req->params[1];
	unsigned long long v;
	char *end;

	if (!room)
		return NULL;

	v = strtoull(id, &end, 10);
	if (id[0] >= '0' && id[0] <= '9' && !*end) {
		struct part *p = room_part(room, v);

		if (p)
			return p;
	}

	api_error(req, ENOENT, NULL, "no participant %s in room '%s'", id,
		  room_name(room));
	return NULL;
}


void api_part_get(struct api_req *req)
{
	struct part *p = part_or_404(req);

	if (p)
		api_reply(req, 200, "%H", part_json, p);
}


void api_part_patch(struct api_req *req)
{
	struct part *p = part_or_404(req);
	struct part_ctl ctl = {-1, -1, false, 0};
	const struct odict_entry *e;
	struct odict *od;
	int err;

	if (!p)
		return;

	od = api_body_fields(req, schema_part, schema_part_count, true);
	if (!od)
		return;

	if ((e = odict_lookup(od, "muted")))
		ctl.muted = e->u.boolean;
	if ((e = odict_lookup(od, "deaf")))
		ctl.deaf = e->u.boolean;
	if ((e = odict_lookup(od, "gain_db"))) {
		ctl.set_gain = true;
		ctl.gain_db = e->type == ODICT_INT ? (double)e->u.integer :
			e->u.dbl;
	}

	err = part_control(p, &ctl);
	if (err)
		api_error(req, err, NULL, "cannot change participant: %m", err);
	else
		api_reply(req, 200, "%H", part_json, p);
	mem_deref(od);
}


void api_part_delete(struct api_req *req)
{
	struct part *p = part_or_404(req);

	if (!p)
		return;

	part_hangup(p, "kicked");
	api_reply_empty(req, 204);
}


/* Dial-out: 202 at once; the participant rings, then joins or leaves */
void api_parts_post(struct api_req *req)
{
	struct room *room = api_room_or_404(req);
	struct part *p = NULL;
	struct odict *od;
	const char *uri;
	char loc[160];
	int err;

	if (!room)
		return;

	od = api_body_fields(req, schema_dial, schema_dial_count, false);
	if (!od)
		return;

	uri = odict_string(od, "uri");
	if (!uri) {
		api_error(req, EINVAL, "uri", "required");
		goto out;
	}

	err = sipd_dial(api_sipd(req->api), room, uri, &p);
	if (err == EPROTO) {
		api_error(req, err, "uri", "must be a sip: or sips: URI");
		goto out;
	}
	else if (err == EPROTONOSUPPORT) {
		api_error(req, err, "uri", "a sips: or transport=tls URI needs"
			  " SIP over TLS, and no tls_cert is configured");
		goto out;
	}
	else if (err == EDESTADDRREQ) {
		api_error(req, EINVAL, "uri", "a host name needs the DNS "
			  "resolver, which is off (SIP listens on one address,"
			  " or resolver off): give the peer's address, or set"
			  " resolver on");
		goto out;
	}
	else if (err == EBUSY) {
		api_error(req, err, NULL, "room '%s' is full", room_name(room));
		goto out;
	}
	else if (err) {
		api_error(req, err, NULL, "cannot call %s: %m", uri, err);
		goto out;
	}

	re_snprintf(loc, sizeof(loc), "Location: /v1/rooms/%s/participants/"
		    "%llu\r\n", room_name(room), (unsigned long long)part_id(p));
	req->hdrs = loc;
	api_reply(req, 202, "%H", part_json, p);

 out:
	mem_deref(od);
}
