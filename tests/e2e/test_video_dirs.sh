#!/bin/bash
# test_video_dirs: who may send and receive video, decided from captures.
#
# Room "h" forwards H.264: frank offers only VP8 and is in with audio only
# (m=video 0, the reason in his participant resource, no video RTP to
# his port); gina and hank (whole list) get H.264, gina under the payload
# type she negotiated and nothing else.
#
# Room "v" ("auto", so VP8, the callers' codec): alice (red) talks, bob (blue) is muted, so bob sees
# alice and alice sees bob. Then, by bob's own re-INVITEs:
#   /video_dir sendonly  bob is sent no video; alice still sees bob
#   /video_dir sendrecv  bob sees alice again, from a keyframe
#   /video_dir inactive  video removed (m=video 0): alice sees nothing
#   /video_dir sendrecv  video added back: alice sees bob again
# and every stream stays clean (one SSRC, no gap, keyframe starts).

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/video.sh"
need_netns

CALL_SECS=60
now() { date +%s.%N; }

chorusd_start
api_expect 201 POST /v1/rooms '{"name":"h","video_codec":"h264"}'
api_expect 201 POST /v1/rooms '{"name":"v"}'

bsv_setup frank 5080 4450 31000 red 440 vp8
bsv_setup gina  5082 4452 31010 blue 1000
bsv_setup hank  5084 4454 31020 yellow 1700
bsv_setup alice 5070 4440 30000 red 440 vp8
bsv_setup bob   5072 4442 30010 blue 1000 vp8

vcap_start "$T/video.pcap"
bs_start frank sip:h@127.0.0.1:$SIP_PORT $CALL_SECS
bs_start gina  sip:h@127.0.0.1:$SIP_PORT $CALL_SECS
bs_start hank  sip:h@127.0.0.1:$SIP_PORT $CALL_SECS
bs_start alice sip:v@127.0.0.1:$SIP_PORT $CALL_SECS
sleep 0.3
bs_start bob   sip:v@127.0.0.1:$SIP_PORT $CALL_SECS
wait_participants h 3 10
wait_participants v 2 10
for p in frank gina hank alice bob; do
	bs_wait_log $p 'Call established' 5 ||
		fail "$p: no 'Call established' in its log"
done

# who is who, and what each agreed
api_expect 200 GET /v1/rooms/h/participants
pid() { json "[p['id'] for p in d['participants'] if '$1' in p['uri']][0]"; }
pget() { json "[p for p in d['participants'] if '$1' in p['uri']][0]$2"; }
[ "$(pget frank "['video']")" = null ] ||
	fail "frank (VP8 only) has video in an H.264 room: $(cat "$T/http.body")"
[ "$(pget frank "['video_refused']")" = "not the room's video codec" ] ||
	fail "frank: video_refused: $(pget frank "['video_refused']")"
[ "$(pget gina "['video']['codec']")" = h264 ] || fail "gina: not H.264"
GINA_PT=$(pget gina "['video']['payload_type']")
# room v is "auto": it forwards its first video caller's codec
api_expect 200 GET /v1/rooms/v
[ "$(json 'd["video_codec"]')" = auto ] && [ "$(json 'd["video"]["codec"]')" = vp8 ] ||
	fail "auto room v: $(cat "$T/http.body")"
api_expect 200 GET /v1/rooms/v/participants
BOB=$(pid bob)
api_expect 200 PATCH /v1/rooms/v/participants/$BOB '{"muted":true}'

sleep 4
T1=$(now)
log "bob: sendonly"
bs_ctrl bob video_dir sendonly | tee -a "$T/ctrl.log" > /dev/null
sleep 4
api_expect 200 GET /v1/rooms/v/participants
[ "$(pget bob "['video']['direction']")" = sendonly ] ||
	fail "bob's video direction: $(pget bob "['video']")"
T2=$(now)
log "bob: sendrecv"
bs_ctrl bob video_dir sendrecv >> "$T/ctrl.log"
sleep 4
T3=$(now)
log "bob: inactive (video removed)"
bs_ctrl bob video_dir inactive >> "$T/ctrl.log"
sleep 4
api_expect 200 GET /v1/rooms/v/participants
[ "$(pget bob "['video']")" = null ] ||
	fail "bob's video after m=video 0: $(pget bob "['video']")"
T4=$(now)
log "bob: video added again"
bs_ctrl bob video_dir sendrecv >> "$T/ctrl.log"
# baresip sends no video after inactive until its source is set again
bs_ctrl bob vidsrc "avformat,lavfi,color=c=blue:size=320x240:rate=15" >> "$T/ctrl.log"
sleep 5
T5=$(now)
api_expect 200 GET /v1/rooms/v/participants
log "participants: $(head -c 1500 "$T/http.body")"

for p in frank gina hank alice bob; do
	bs_stop $p
done
vcap_stop

port() { bsv_video_port "$T/video.pcap" "$1"; }

# frank: offered video, answered m=video 0, sent none
fport=$(port frank) || fail "frank offered no video port"
if vcolour_runs "$T/video.pcap" "$fport" vp8 > "$T/frank.json"; then
	fail "frank was sent video on port $fport: $(vjson "$T/frank.json" 'd["packets"]') packets"
fi
log "frank (port $fport): no video"

# gina: H.264, only her payload type
vcolour_runs "$T/video.pcap" "$(port gina)" h264 --pt "$GINA_PT" > "$T/gina.json" ||
	fail "gina decoded no video"
[ "$(vjson "$T/gina.json" 'd["other_pt_packets"]')" = 0 ] ||
	fail "gina got packets of a payload type she did not negotiate"
[ "$(vjson "$T/gina.json" 'd["packets"] > 0')" = true ] || fail "gina: no H.264"

# frames NAME decoded in [A, B]
frames_in() {
	vjson "$T/$1.json" "len([f for f in d['frame_list'] if $2 <= f['t_abs'] <= $3 and f['colour']])"
}
colours_in() {
	vjson "$T/$1.json" "sorted(set(f['colour'] for f in d['frame_list'] if $2 <= f['t_abs'] <= $3 and f['colour']))"
}
add() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a + b }'; }

for p in alice bob; do
	vcolour_runs "$T/video.pcap" "$(port $p)" vp8 > "$T/$p.json" ||
		fail "$p decoded no video"
	log "$p: $(vcolour_summary "$T/video.pcap" "$(port $p)" vp8 | tr '\n' ' ' | head -c 1200)"
	# while bob took no video, alice's frames were rightly not his
	problems=$(vjson "$T/$p.json" '"; ".join(x for x in d["problems"] if not x.endswith("source frames skipped"))')
	[ -z "$problems" ] || fail "$p's stream: $problems"
done

# before: bob sees alice, alice sees bob
[ "$(colours_in bob "$(add "$T1" -3)" "$T1")" = '["red"]' ] || fail "bob before: $(colours_in bob "$(add "$T1" -3)" "$T1")"
[ "$(colours_in alice "$(add "$T1" -3)" "$T1")" = '["blue"]' ] || fail "alice before"
# sendonly: bob is sent nothing; alice still sees bob
[ "$(frames_in bob "$(add "$T1" 0.5)" "$T2")" = 0 ] ||
	fail "bob was sent video while sendonly"
[ "$(colours_in alice "$(add "$T1" 0.5)" "$T2")" = '["blue"]' ] || fail "alice during bob's sendonly"
# sendrecv again: bob sees alice
[ "$(colours_in bob "$(add "$T2" 1)" "$T3")" = '["red"]' ] || fail "bob after sendrecv: $(colours_in bob "$(add "$T2" 1)" "$T3")"
# removed: alice sees nothing, bob is sent nothing
[ "$(frames_in alice "$(add "$T3" 0.5)" "$T4")" = 0 ] ||
	fail "alice was sent video while bob had none"
[ "$(frames_in bob "$(add "$T3" 0.5)" "$T4")" = 0 ] ||
	fail "bob was sent video with video removed"
# added again: alice sees bob, bob sees alice
[ "$(colours_in alice "$(add "$T4" 2)" "$T5")" = '["blue"]' ] || fail "alice after bob's video came back: $(colours_in alice "$(add "$T4" 2)" "$T5")"
[ "$(colours_in bob "$(add "$T4" 2)" "$T5")" = '["red"]' ] || fail "bob after his video came back: $(colours_in bob "$(add "$T4" 2)" "$T5")"

log "PASS"
