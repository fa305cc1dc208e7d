#!/bin/bash
# test_room_lifecycle: rooms made and ended from both sides.
#  1. With auto_create yes, an INVITE to an unknown room creates it; the
#     room goes with its last participant, and a refused INVITE leaves none.
#  2. With rtp_timeout 2, a caller that sends no RTP gets a BYE from the
#     server; a caller that does send RTP stays.
#  3. DELETE /v1/rooms/NAME answers 204, sends the caller in it a BYE, and
#     the room is gone (404).

. "$(dirname "$0")/lib.sh"
need_netns

chorusd_start "auto_create yes
rtp_timeout 2"

# --- 1. auto_create ---------------------------------------------------------
api_expect 404 GET /v1/rooms/auto1
make_tone "$T/t440.wav" 440
bs_setup alice 5080 4440 10000 PCMU/8000/1 "$T/t440.wav"
bs_start alice sip:auto1@127.0.0.1:$SIP_PORT 60
wait_participants auto1 1 10
bs_wait_log alice 'Call established' 5 ||
	fail "alice: no 'Call established' in its log"
api_expect 200 GET /v1/rooms/auto1
[ "$(json 'd["participant_count"]')" = 1 ] ||
	fail "auto-created room: participant_count not 1: $(cat "$T/http.body")"
log "INVITE created room auto1"

# --- 2. RTP timeout (alice, who sends RTP, stays in auto1 meanwhile) -------
log "sipp joins auto1 and sends no RTP, expect a BYE"
start=$(date +%s)
run_sipp mute "$SIPP_SCEN/call_no_rtp.xml" auto1 -mp 6200 ||
	fail "no BYE for the silent caller: $(sipp_report mute)"
secs=$(( $(date +%s) - start ))
log "silent caller got a BYE after about $secs s"
[ "$secs" -ge 2 ] || fail "BYE after $secs s, before rtp_timeout (2 s)"
[ "$(participant_count auto1)" = 1 ] ||
	fail "auto1 should still hold alice only: $(head -c 600 "$T/http.body")"
grep -q 'session closed' "$T/alice.log" &&
	fail "alice (sending RTP) was hung up: $(grep 'session closed' "$T/alice.log")"

# --- 3. DELETE ends the room and its calls ----------------------------------
api_expect 204 DELETE /v1/rooms/auto1
bs_wait_log alice 'session closed: Connection reset by peer' 5 ||
	fail "alice got no BYE after DELETE"
log "DELETE sent alice a BYE"
api_expect 404 GET /v1/rooms/auto1
api_expect 200 GET /v1/rooms
[ "$(json '[r["name"] for r in d["rooms"]].count("auto1")')" = 0 ] ||
	fail "GET /v1/rooms still lists auto1: $(cat "$T/http.body")"

bs_stop alice

# --- 4. an auto-created room goes with its last participant ---------------
bs_start alice sip:auto2@127.0.0.1:$SIP_PORT 60
wait_participants auto2 1 10
bs_stop alice
for ((i = 0; i < 50; i++)); do
	[ "$(curl -s -o /dev/null -w '%{http_code}' \
		"$HTTP_URL/v1/rooms/auto2")" = 404 ] && break
	sleep 0.1
done
api_expect 404 GET /v1/rooms/auto2
log "auto2 went away with its last participant"

# a refused INVITE (no common codec) leaves no room behind
run_sipp g729 "$SIPP_SCEN/call_g729.xml" auto3 -mp 6300 ||
	fail "no 488 for a G.729-only offer: $(sipp_report g729)"
api_expect 404 GET /v1/rooms/auto3
log "a refused INVITE left no room"

chorusd_stop 5
log "PASS"
