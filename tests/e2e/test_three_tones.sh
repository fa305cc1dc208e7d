#!/bin/bash
# test_three_tones: three baresip callers with different codecs in one room;
# each must hear the other two tones and not its own (mix-minus).
#
#   alice  440 Hz  opus/48000/2
#   bob   1000 Hz  PCMU/8000/1
#   carol 1700 Hz  G722/16000/1

. "$(dirname "$0")/lib.sh"
need_netns

ROOM=demo
URI=sip:$ROOM@127.0.0.1:$SIP_PORT
TALK_SECS=7

chorusd_start
room_create $ROOM
[ "$(json 'd["participant_count"]')" = 0 ] ||
	fail "new room: participant_count is not 0: $(cat "$T/http.body")"

api_expect 200 GET /v1/rooms
[ "$(json '[r["name"] for r in d["rooms"]].count("demo")')" = 1 ] ||
	fail "GET /v1/rooms does not list demo once: $(cat "$T/http.body")"

make_tone "$T/t440.wav" 440
make_tone "$T/t1000.wav" 1000
make_tone "$T/t1700.wav" 1700

bs_setup alice 5070 4440 10000 opus/48000/2 "$T/t440.wav"
bs_setup bob   5080 4441 10010 PCMU/8000/1  "$T/t1000.wav"
bs_setup carol 5090 4442 10020 G722/16000/1 "$T/t1700.wav"

bs_join $ROOM "$URI" alice bob carol
log "all three in the room"

api_expect 200 GET /v1/rooms/$ROOM/participants
log "participants: $(head -c 800 "$T/http.body")"
codecs=$(json '",".join(sorted(p["codec"] for p in d["participants"]))')
[ "$codecs" = "G722,PCMU,opus" ] ||
	fail "participant codecs are '$codecs', want G722,PCMU,opus"
bad=$(json '[p for p in d["participants"]
	if not str(p.get("uri", "")).startswith("sip:")
	or not all(k in p for k in ("id", "display_name", "joined_at"))]')
[ "$bad" = "[]" ] || fail "participants with missing fields: $bad"

api_expect 200 GET /v1/rooms/$ROOM
[ "$(json 'd["participant_count"]')" = 3 ] ||
	fail "room participant_count is not 3: $(cat "$T/http.body")"

log "talking for $TALK_SECS s"
sleep $TALK_SECS

# packet counters, for the log
api GET /v1/rooms/$ROOM/participants > /dev/null
log "before hangup: $(json '"; ".join("%s %s in %s out %s" % (p.get("uri"),
	p.get("codec"), p.get("packets_in"), p.get("packets_out"))
	for p in d["participants"])' 2>&1)"

for p in alice bob carol; do
	bs_ctrl $p hangup > "$T/$p.hangup" ||
		log "$p: ctrl_tcp hangup failed: $(cat "$T/$p.hangup")"
done
wait_participants $ROOM 0 10
log "room empty"

for p in alice bob carol; do
	bs_stop $p
done

check_heard alice "1000 1700" 440
check_heard bob   "440 1700"  1000
check_heard carol "440 1000"  1700
[ "$HEARD_OK" = 1 ] ||
	fail "a participant heard the wrong tones (see above)"

chorusd_stop 5
log "PASS"
