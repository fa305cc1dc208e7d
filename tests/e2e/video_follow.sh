# shellcheck shell=bash
# video_follow.sh: three video callers follow the talker (sourced by
# test_video_vp8.sh and test_video_h264.sh with VCODEC set).
#
#   alice red    440 Hz     bob blue 1000 Hz     carol yellow 1700 Hz
#
# Everyone's tone is continuous, so who talks is set by muting: first
# alice alone, then bob alone. What each receiver saw is decided from the
# video it was sent (captured on lo, decoded by FFmpeg in vcap.py), never
# from chorusd's own statistics:
#   - while alice talks, bob and carol see red, alice does not see red;
#   - within the hold time (2 s) plus a keyframe after bob takes over,
#     alice and carol see blue and bob sees red (the previous talker);
#   - carol pinned over the API: the others see yellow, carol sees bob;
#     unpinned, bob (still talking) takes the floor back after the hold;
#   - every receiver's stream has one SSRC, no sequence gap or repeat,
#     increasing timestamps, and starts, and changes colour, on a
#     keyframe.
# An audio-only caller (dave, PCMU, no video modules) is in the room too:
# it hears the others, and when it is the only talker nobody's picture
# changes.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/video.sh"
need_netns

ROOM=vid
URI=sip:$ROOM@127.0.0.1:$SIP_PORT
CALL_SECS=60
HOLD_MS=2000

chorusd_start
api_expect 201 POST /v1/rooms "{\"name\":\"$ROOM\",\"video_codec\":\"$VCODEC\",\"video_hold_ms\":$HOLD_MS}"

bsv_setup alice 5070 4440 30000 red 440 "${BSV_CODECS:-}"
bsv_setup bob   5072 4442 30010 blue 1000 "${BSV_CODECS:-}"
bsv_setup carol 5074 4444 30020 yellow 1700 "${BSV_CODECS:-}"
make_tone "$T/t2000.wav" 2000 $CALL_SECS
bs_setup dave   5076 4446 30030 PCMU/8000/1 "$T/t2000.wav"

vcap_start "$T/video.pcap"
for p in alice bob carol dave; do
	bs_start $p "$URI" $CALL_SECS
	sleep 0.3
done
wait_participants $ROOM 4 10
for p in alice bob carol dave; do
	bs_wait_log $p 'Call established' 5 ||
		fail "$p: no 'Call established' in its log"
done

api_expect 200 GET /v1/rooms/$ROOM/participants
declare -A ID
for p in alice bob carol dave; do
	ID[$p]=$(json "[p['id'] for p in d['participants'] if '$p' in p['uri']][0]")
done
for p in alice bob carol; do
	[ "$(json "[p['video']['codec'] for p in d['participants'] if p['id'] == ${ID[$p]}][0]")" = "$VCODEC" ] ||
		fail "$p: video is not $VCODEC: $(head -c 1500 "$T/http.body")"
done
[ "$(json "[p['video'] for p in d['participants'] if p['id'] == ${ID[dave]}][0]")" = null ] ||
	fail "dave (audio only) has video: $(head -c 1500 "$T/http.body")"

mute() # NAME true|false
{
	api_expect 200 PATCH /v1/rooms/$ROOM/participants/${ID[$1]} \
		"{\"muted\":$2}"
}

now() { date +%s.%N; }
add() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a + b }'; }

# 0: everyone talks for a moment (dave is to hear each of the others)
sleep 2

# 1: alice talks
mute bob true; mute carol true; mute dave true
T_A=$(now)
log "alice talks"
sleep 6

# 2: only dave (audio only) talks: nobody's picture changes
mute alice true; mute dave false
T_D=$(now)
log "dave (audio only) talks"
sleep 4

# 3: bob talks
mute dave true; mute bob false
T_B=$(now)
log "bob talks"
sleep 7

# 4: carol pinned over the API while bob talks; then unpinned
T_P=$(now)
api_expect 200 PUT /v1/rooms/$ROOM/video_source "{\"participant\":${ID[carol]}}"
[ "$(json 'd["mode"]')" = pinned ] && [ "$(json 'd["participant"]')" = "${ID[carol]}" ] ||
	fail "PUT video_source: $(cat "$T/http.body")"
api_expect 409 PUT /v1/rooms/$ROOM/video_source "{\"participant\":${ID[dave]}}"
[ "$(json 'd["error"]["code"]')" = no_video ] || fail "pin dave: $(cat "$T/http.body")"
api_expect 404 PUT /v1/rooms/$ROOM/video_source '{"participant":999}'
log "carol pinned"
sleep 5
T_U=$(now)
api_expect 200 DELETE /v1/rooms/$ROOM/video_source
[ "$(json 'd["mode"]')" = follow_talker ] || fail "DELETE video_source: $(cat "$T/http.body")"
log "unpinned: bob talks"
sleep 6
T_END=$(now)

api_expect 200 GET /v1/rooms/$ROOM
log "room: $(head -c 800 "$T/http.body")"
api_expect 200 GET /v1/rooms/$ROOM/participants
for p in alice bob carol dave; do
	bs_stop $p
done
vcap_stop

check_heard dave "440 1000 1700" "2000"
check_heard carol "440 1000 2000" "1700"
[ "$HEARD_OK" = 1 ] || fail "wrong tones heard"

# view NAME: the vcap JSON of what NAME was sent
view()
{
	local port

	port=$(bsv_video_port "$T/video.pcap" "$1") ||
		fail "$1: no m=video port in the capture"
	vcolour_runs "$T/video.pcap" "$port" "$VCODEC" > "$T/$1.view.json"
	log "$1 (port $port): $(vcolour_summary "$T/video.pcap" "$port" "$VCODEC" | tr '\n' ' ' | head -c 1500)"
}

# saw NAME FROM TO COLOUR|!COLOUR: every frame NAME decoded in [FROM, TO]
# (epoch seconds) is COLOUR (or is not, with !), and there are some
saw()
{
	local r

	r=$(python3 - "$T/$1.view.json" "$2" "$3" "$4" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
a, b, want = float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
neg = want.startswith('!')
want = want.lstrip('!')
fr = [f for f in d['frame_list'] if a <= f['t_abs'] <= b and f['colour']]
bad = [f for f in fr if (f['colour'] == want) == neg]
if len(fr) < 5:
	print('only %d decoded frames' % len(fr))
elif bad:
	print('%d of %d frames are %s (first at %.2f s)' % (
		len(bad), len(fr), bad[0]['colour'], bad[0]['t_abs'] - a))
else:
	print('ok')
EOF
)
	[ "$r" = ok ] || fail "$1 between +$(add "$2" "-$T_A") and +$(add "$3" "-$T_A") s: want $4: $r"
	log "$1 saw $4 from +$(add "$2" "-$T_A") to +$(add "$3" "-$T_A") s"
}

for p in alice bob carol; do
	view $p
	problems=$(vjson "$T/$p.view.json" '"; ".join(d["problems"])')
	[ -z "$problems" ] || fail "$p's stream: $problems"
done

# the floor is alice's 2 s after she starts (hold, settle, a keyframe)
saw bob   "$(add "$T_A" 2.5)" "$T_D" red
saw carol "$(add "$T_A" 2.5)" "$T_D" red
saw alice "$(add "$T_A" 2.5)" "$T_D" '!red'

# dave talking changes nothing
saw bob   "$T_D" "$T_B" red
saw carol "$T_D" "$T_B" red

# bob takes the floor: within the hold plus a keyframe
SWITCH=$(add "$T_B" "$(awk -v h=$HOLD_MS 'BEGIN { print h / 1000 + 0.5 }')")
saw alice "$SWITCH" "$T_P" blue
saw carol "$SWITCH" "$T_P" blue
saw bob   "$SWITCH" "$T_P" red

# pinned: everyone else sees carol within a keyframe; carol sees bob,
# the source before her
saw alice "$(add "$T_P" 0.7)" "$T_U" yellow
saw bob   "$(add "$T_P" 0.7)" "$T_U" yellow
saw carol "$(add "$T_P" 0.7)" "$T_U" blue

# unpinned: bob, the talker, takes the floor back after the hold
SWITCH=$(add "$T_U" "$(awk -v h=$HOLD_MS 'BEGIN { print h / 1000 + 0.5 }')")
saw alice "$SWITCH" "$T_END" blue
saw carol "$SWITCH" "$T_END" blue

log "PASS"
