#!/bin/bash
# test_timeout_last: the last caller of an auto-created room times out.
#  With auto_create yes and rtp_timeout 2, a caller that sends no RTP into
#  an unknown room gets a BYE after the timeout; the room goes with it,
#  and chorusd lives on (a once-a-second sweep over all rooms used to free
#  the room while it still walked it: a use-after-free that ASan aborted
#  on). Two such rooms time out within a few ms of each other, and a third
#  room with a caller that sends RTP is left alone.

. "$(dirname "$0")/lib.sh"
need_netns

chorusd_start "auto_create yes
rtp_timeout 2"

make_tone "$T/t440.wav" 440
bs_setup alice 5080 4440 10000 PCMU/8000/1 "$T/t440.wav"
bs_start alice sip:keep@127.0.0.1:$SIP_PORT 60
wait_participants keep 1 10

log "two silent callers into two new rooms, at the same time"
SIPP_PORT=5070 run_sipp mute1 "$SIPP_SCEN/call_no_rtp.xml" lonely1 \
	-mp 6200 &
p1=$!
SIPP_PORT=5072 run_sipp mute2 "$SIPP_SCEN/call_no_rtp.xml" lonely2 \
	-mp 6300 &
p2=$!
wait "$p1" || fail "no BYE for the caller of lonely1: $(sipp_report mute1)"
wait "$p2" || fail "no BYE for the caller of lonely2: $(sipp_report mute2)"

chorusd_alive || fail "chorusd died when the last callers timed out"
api_expect 200 GET /healthz
for r in lonely1 lonely2; do
	for ((i = 0; i < 30; i++)); do
		[ "$(curl -s -o /dev/null -w '%{http_code}' \
			"$HTTP_URL/v1/rooms/$r")" = 404 ] && break
		sleep 0.1
	done
	api_expect 404 GET /v1/rooms/$r
done
log "both rooms went with their timed-out callers"

[ "$(participant_count keep)" = 1 ] ||
	fail "room keep lost alice: $(head -c 600 "$T/http.body")"
grep -q 'session closed' "$T/alice.log" &&
	fail "alice (sending RTP) was hung up"

bs_stop alice
chorusd_stop 5
log "PASS"
