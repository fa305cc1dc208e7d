#!/bin/bash
# test_pin: a room with a PIN. A caller who dials ROOM*PIN is in at once.
# One who dials ROOM hears the "enter the PIN" cue (440 and 660 Hz), is
# heard by nobody and hears nobody until it sends the PIN by RFC 4733, then
# is in the room like anyone. Three wrong PINs get a BYE, each one an event;
# a wrong PIN in the URI gets 403.
#
#   bob    1700 Hz  dials pinroom*4321
#   alice  1000 Hz  dials pinroom, then sends 4 3 2 1
#   carol   800 Hz  dials pinroom, then sends 111# three times

. "$(dirname "$0")/lib.sh"
need_netns

ROOM=pinroom
BASE=sip:$ROOM@127.0.0.1:$SIP_PORT

now() { date +%s.%N; }
# secs A B: B - A, for tonedet windows
secs() { python3 -c "print('%.2f' % (float('$2') - float('$1')))"; }

chorusd_start
api_expect 201 POST /v1/rooms \
	"{\"name\":\"$ROOM\",\"talkers_max\":0,\"pin\":\"4321\"}"
[ "$(json 'd["has_pin"]')" = true ] || fail "room does not show has_pin"
api_expect 400 POST /v1/rooms "{\"name\":\"bad\",\"pin\":\"12a4\"}"
sse_start "$T/events.txt" "room=$ROOM"

make_tone "$T/t1700.wav" 1700 90
make_tone "$T/t1000.wav" 1000 90
make_tone "$T/t800.wav" 800 90
bs_setup bob   5070 4440 10000 PCMU/8000/1 "$T/t1700.wav"
bs_setup alice 5080 4441 10010 PCMU/8000/1 "$T/t1000.wav"
bs_setup carol 5090 4442 10020 PCMU/8000/1 "$T/t800.wav"

# a wrong PIN in the URI: 403, and nobody joins
SIPP_PORT=5100 run_sipp wrongpin "$SIPP_SCEN/invite_403.xml" "$ROOM*1234" ||
	fail "a wrong PIN in the URI did not get 403: $(sipp_report wrongpin)"

t_bob=$(now)
bs_start bob "sip:$ROOM*4321@127.0.0.1:$SIP_PORT" 140
wait_participants $ROOM 1 10
bs_wait_log bob 'Call established' 5 || fail "bob: call not established"

t_alice=$(now)
bs_start alice "$BASE" 140
wait_participants $ROOM 2 10
bs_wait_log alice 'Call established' 5 || fail "alice: call not established"
api_expect 200 GET /v1/rooms/$ROOM/participants
waits=$(json '" ".join(sorted("%s:%s" % (p["uri"][4:9], p["pin_wait"])
	for p in d["participants"]))')
[ "$waits" = "alice:True bob@1:False" ] || fail "pin_wait is '$waits'"

# carol calls too, and waits for her PIN beside alice
bs_start carol "$BASE" 140
bs_wait_log carol 'Call established' 10 || fail "carol: call not established"
sleep 6
t_pin=$(now)
for d in 4 3 2 1; do
	bs_ctrl alice sndcode "$d" > /dev/null
	sleep 0.3
done
sleep 1
api_expect 200 GET /v1/rooms/$ROOM/participants
[ "$(json '[p["pin_wait"] for p in d["participants"]
	if "alice" in p["uri"]]')" = "[false]" ] ||
	fail "alice still waits after the PIN: $(cat "$T/http.body")"
t_in=$(now)

# while alice and bob talk: carol, three wrong PINs, then a BYE
for try in 1 2 3; do
	for d in 1 1 1 '#'; do
		bs_ctrl carol sndcode "$d" > /dev/null
		sleep 0.25
	done
	sleep 1
done
bs_wait_log carol 'terminated|closed' 10 ||
	fail "carol was not hung up after three wrong PINs"
sleep 2

for p in alice bob; do
	bs_ctrl $p hangup > /dev/null
done
wait_participants $ROOM 0 10
for p in alice bob carol; do
	bs_stop $p
done

# windows into each recording, from its call's start
a_wait_from=1; a_wait_len=$(secs "$t_alice" "$t_pin"); a_wait_len=${a_wait_len%.*}
a_in_from=$(secs "$t_alice" "$t_in")
b_wait_from=$(secs "$t_bob" "$t_alice"); b_wait_from=${b_wait_from%.*}
b_in_from=$(secs "$t_bob" "$t_in")
log "windows: alice waits 1+$((a_wait_len - 2)), in from $a_in_from;" \
	"bob: alice waits from $((b_wait_from + 2)), in from $b_in_from"

rec_a=$(bs_recording alice)
rec_b=$(bs_recording bob)
[ -n "$rec_a" ] && [ -n "$rec_b" ] || fail "no recordings"

"$TONEDET" -s 1 -d $((a_wait_len - 2)) "$rec_a" 440 660 1700 > "$T/a_wait.txt"
log "alice, waiting: $(tr '\n' ';' < "$T/a_wait.txt")"
grep -q '^440 present' "$T/a_wait.txt" && grep -q '^660 present' "$T/a_wait.txt" ||
	fail "alice did not hear the PIN cue while waiting"
grep -q '^1700 absent' "$T/a_wait.txt" ||
	fail "alice heard the room before entering the PIN"

"$TONEDET" -s $((b_wait_from + 2)) -d $((a_wait_len - 3)) "$rec_b" 1000 1700 \
	> "$T/b_wait.txt"
log "bob, alice waiting: $(tr '\n' ';' < "$T/b_wait.txt")"
grep -q '^1000 absent' "$T/b_wait.txt" ||
	fail "the room heard alice before she entered the PIN"

tones_check "$rec_a" "${a_in_from%.*}" 1700 "440 660 800" ||
	fail "alice, admitted, does not hear bob alone"
"$TONEDET" -s "${b_in_from%.*}" -d 3 "$rec_b" 1000 800 > "$T/b_in.txt"
grep -q '^1000 present' "$T/b_in.txt" ||
	fail "bob does not hear alice after her PIN: $(cat "$T/b_in.txt")"
grep -q '^800 absent' "$T/b_in.txt" ||
	fail "bob hears carol, who never entered the PIN: $(cat "$T/b_in.txt")"

python3 - "$T/events.txt" <<'PY' || fail "event stream check failed"
import json, sys
ev = []
for block in open(sys.argv[1]).read().split("\n\n"):
	data = [l[6:] for l in block.split("\n") if l.startswith("data: ")]
	if data:
		ev.append(json.loads(data[0]))
def of(t, who):
	return [e for e in ev if e["type"] == t and who in e["participant"]["uri"]]
fails = of("participant.pin_failed", "carol")
left = of("participant.left", "carol")
digits = [e for e in ev if e["type"] == "participant.dtmf"]
print("carol pin_failed:", len(fails), "left:", [e.get("reason") for e in left],
      "alice joined:", len(of("participant.joined", "alice")),
      "dtmf events:", len(digits))
ok = len(fails) == 3 and left and left[0].get("reason") == "wrong PIN" \
	and len(of("participant.joined", "alice")) == 1 and not digits
sys.exit(0 if ok else 1)
PY

chorusd_stop 5
log "PASS"
