#!/bin/bash
# test_dtmf: digits reach the event stream whichever way a phone sends
# them: RFC 4733 from baresip (one digit per ctrl_tcp sndcode command) and
# from sipp's bundled capture, and SIP INFO from sipp. "*6" from baresip
# toggles its own mute (participant.updated, muted in the API).

. "$(dirname "$0")/lib.sh"
need_netns

ROOM=demo

chorusd_start
room_create $ROOM
sse_start "$T/events.txt" "room=$ROOM"

make_tone "$T/t440.wav" 440
bs_setup alice 5070 4440 10000 PCMU/8000/1 "$T/t440.wav"
bs_start alice sip:$ROOM@127.0.0.1:$SIP_PORT 40
wait_participants $ROOM 1 10
bs_wait_log alice 'Call established' 5 ||
	fail "alice: no 'Call established' in its log"
sleep 0.5

for d in 1 2 '*' 6; do
	bs_ctrl alice sndcode "$d" > /dev/null
	sleep 0.4
done

# sipp: digit 1 by RFC 4733 (capture), digit 5 by SIP INFO
SIPP_PORT=5090 run_sipp dtmf "$SIPP_SCEN/dtmf.xml" $ROOM -mp 6100 ||
	fail "sipp DTMF call failed: $(sipp_report dtmf)"

sleep 0.5
api GET /v1/rooms/$ROOM/participants > /dev/null
muted=$(json '[p["muted"] for p in d["participants"] if "alice" in p["uri"]][0]')
[ "$muted" = true ] || fail "alice not muted after *6 (muted=$muted)"

bs_stop alice
sleep 0.3

python3 - "$T/events.txt" <<'PY' || fail "event stream check failed"
import json, sys
events = []
for block in open(sys.argv[1]).read().split("\n\n"):
	data = [l[6:] for l in block.split("\n") if l.startswith("data: ")]
	if data:
		events.append(json.loads(data[0]))
def digits(uri_part):
	return "".join(e["digit"] for e in events
		       if e["type"] == "participant.dtmf"
		       and uri_part in e["participant"]["uri"])
alice, sipp = digits("alice"), digits("sipp")
print("alice digits:", alice, " sipp digits:", sipp)
ok = alice == "12*6" and sipp == "15"
muted = [e for e in events if e["type"] == "participant.updated"
	 and "alice" in e["participant"]["uri"]
	 and e["participant"]["muted"]]
print("alice muted events:", len(muted))
sys.exit(0 if ok and len(muted) == 1 else 1)
PY

chorusd_stop 5
log "PASS"
