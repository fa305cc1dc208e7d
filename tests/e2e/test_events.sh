#!/bin/bash
# test_events: the event stream (GET /v1/events, Server-Sent Events) seen
# while two baresip participants join room demo, talk, are muted, kicked,
# and hang up. Three streams are captured with curl -N:
#   all    every room
#   demo   ?room=demo: exactly the demo events of "all", same ids
#   other  ?room=other: only events of room other, nothing of demo
# Checked: every event is well formed (id/event/data lines, data is JSON
# with the same id and type, RFC 3339 time), ids strictly increase, and the
# story is told in order: room.created, participant.joined (alice, bob),
# participant.talking for each, participant.updated muted:true then
# muted:false for alice, participant.left reason "kicked" for bob (whose
# baresip gets a BYE), participant.left for alice when she hangs up,
# room.deleted. The mute must be heard: alice's 440 Hz tone is in bob's
# recording before the mute and after the unmute, and absent while muted
# (the mute and unmute times come from the events' own timestamps).
#
#   alice  440 Hz  opus/48000/2
#   bob   1000 Hz  PCMU/8000/1

. "$(dirname "$0")/lib.sh"
need_netns

ROOM=demo
URI=sip:$ROOM@127.0.0.1:$SIP_PORT
MUTE_SECS=4

chorusd_start

sse_start "$T/ev_all.txt"
sse_start "$T/ev_demo.txt" room=$ROOM
sse_start "$T/ev_other.txt" room=other
log "three event streams open"

room_create $ROOM
room_create other
api_expect 200 PATCH /v1/rooms/other '{"talkers_max":2}'

make_tone "$T/t440.wav" 440 60
make_tone "$T/t1000.wav" 1000 60
bs_setup alice 5070 4440 10000 opus/48000/2 "$T/t440.wav"
bs_setup bob   5080 4441 10010 PCMU/8000/1  "$T/t1000.wav"

bs_start alice "$URI" 60
sleep 0.3
bs_start bob "$URI" 60
wait_participants $ROOM 2 10
for p in alice bob; do
	bs_wait_log $p 'Call established' 5 ||
		fail "$p: no 'Call established' in its log"
done

api_expect 200 GET /v1/rooms/$ROOM/participants
ALICE=$(json '[p["id"] for p in d["participants"] if "alice" in p["uri"]][0]')
BOB=$(json '[p["id"] for p in d["participants"] if "bob" in p["uri"]][0]')
log "both in the room: alice id $ALICE, bob id $BOB; talking 4 s"
sleep 4

log "mute alice for $MUTE_SECS s"
api_expect 200 PATCH /v1/rooms/$ROOM/participants/$ALICE '{"muted":true}'
[ "$(json 'd["muted"]')" = true ] || fail "PATCH muted: $(cat "$T/http.body")"
sleep $MUTE_SECS
api_expect 200 PATCH /v1/rooms/$ROOM/participants/$ALICE '{"muted":false}'
[ "$(json 'd["muted"]')" = false ] || fail "PATCH unmute: $(cat "$T/http.body")"
log "alice unmuted; talking 3 s"
sleep 3

log "kick bob"
api_expect 204 DELETE /v1/rooms/$ROOM/participants/$BOB
bs_wait_log bob 'session closed: Connection reset by peer' 5 ||
	fail "bob got no BYE after the kick: $(grep -a 'session closed\|terminated' "$T/bob.log")"
api_expect 404 GET /v1/rooms/$ROOM/participants/$BOB
wait_participants $ROOM 1 5

log "alice hangs up"
bs_ctrl alice hangup > "$T/alice.hangup"
wait_participants $ROOM 0 10
api_expect 204 DELETE /v1/rooms/$ROOM
api_expect 204 DELETE /v1/rooms/other
sleep 0.5
bs_stop alice
bs_stop bob

# --- the streams ------------------------------------------------------------
for s in all demo other; do
	python3 "$API_TOOL" sse "$T/ev_$s.txt" > "$T/ev_$s.json" 2> "$T/ev_$s.err" ||
		fail "stream $s is malformed: $(head -n 5 "$T/ev_$s.err")"
	log "stream $s: $(wc -l < "$T/ev_$s.json") events"
done
log "events (all rooms):"
python3 -c '
import json, sys
for line in open(sys.argv[1]):
	e = json.loads(line); d = e["data"]; p = d.get("participant") or {}
	print("    %3d %-20s %-6s %s %s %s" % (e["id"], e["event"], d["room"],
		p.get("id", ""), "muted" if p.get("muted") else "",
		d.get("reason", "")))' "$T/ev_all.json"

python3 - "$T" "$ALICE" "$BOB" <<'EOF' > "$T/ev_check.out" 2>&1 ||
import json, sys
T, alice, bob = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
load = lambda s: [json.loads(l) for l in open("%s/ev_%s.json" % (T, s))]
ev_all, ev_demo, ev_other = load("all"), load("demo"), load("other")
bad = []
TYPES = {"room.created", "room.updated", "room.deleted", "participant.joined",
	"participant.left", "participant.updated", "participant.talking",
	"participant.silent", "participant.dtmf"}
for e in ev_all:
	d = e["data"]
	if e["event"] not in TYPES:
		bad.append("unknown event type %s" % e["event"])
	if e["event"].startswith("participant."):
		p = d.get("participant")
		if not isinstance(p, dict) or not isinstance(p.get("id"), int) \
		   or not str(p.get("uri", "")).startswith("sip:"):
			bad.append("participant event without participant: %r" % d)
	elif "participant" in d:
		bad.append("room event with a participant: %r" % d)
	if e["event"] == "participant.left" and not d.get("reason"):
		bad.append("participant.left without reason: %r" % d)

demo_all = [e for e in ev_all if e["data"]["room"] == "demo"]
if [e["id"] for e in demo_all] != [e["id"] for e in ev_demo]:
	bad.append("?room=demo stream ids %r differ from the demo events of "
		   "the full stream %r" % ([e["id"] for e in ev_demo],
		   [e["id"] for e in demo_all]))
if [e["data"] for e in demo_all] != [e["data"] for e in ev_demo]:
	bad.append("?room=demo stream data differ from the full stream")
if any(e["data"]["room"] != "other" for e in ev_other):
	bad.append("?room=other stream has events of other rooms: %r"
		   % [e for e in ev_other if e["data"]["room"] != "other"])
other_types = [e["event"] for e in ev_other]
if other_types != ["room.created", "room.updated", "room.deleted"]:
	bad.append("room other: events %r, want created, updated, deleted"
		   % other_types)

def of(pid, typ=None):
	return [e for e in ev_demo
		if (e["data"].get("participant") or {}).get("id") == pid
		and (typ is None or e["event"] == typ)]

types = [e["event"] for e in ev_demo]
if not types or types[0] != "room.created" or types[-1] != "room.deleted":
	bad.append("demo: first/last events %r, want room.created ... "
		   "room.deleted" % (types[:1] + types[-1:]))
for name, pid in (("alice", alice), ("bob", bob)):
	evs = of(pid)
	t = [e["event"] for e in evs]
	if not t or t[0] != "participant.joined":
		bad.append("%s: first event %r, want participant.joined" % (name, t[:1]))
	if t.count("participant.joined") != 1 or t.count("participant.left") != 1:
		bad.append("%s: joined %d times, left %d times" % (name,
			   t.count("participant.joined"), t.count("participant.left")))
	if not t or t[-1] != "participant.left":
		bad.append("%s: last event %r, want participant.left" % (name, t[-1:]))
	if "participant.talking" not in t:
		bad.append("%s: no participant.talking event" % name)
	flaps = t.count("participant.silent")
	print("%s: %s" % (name, " ".join(x.split(".")[1] for x in t)))
	if flaps:
		print("%s: %d participant.silent events" % (name, flaps))
upd = of(alice, "participant.updated")
if [e["data"]["participant"]["muted"] for e in upd] != [True, False]:
	bad.append("alice: participant.updated muted %r, want [True, False]"
		   % [e["data"]["participant"]["muted"] for e in upd])
if of(bob, "participant.updated"):
	bad.append("bob: participant.updated without a PATCH")
left_b = of(bob, "participant.left")
if left_b and left_b[0]["data"].get("reason") != "kicked":
	bad.append("bob: left with reason %r, want kicked"
		   % left_b[0]["data"].get("reason"))
left_a = of(alice, "participant.left")
if left_a and left_a[0]["data"].get("reason") in (None, "", "kicked"):
	bad.append("alice: left with reason %r" % left_a[0]["data"].get("reason"))
if left_a and left_b and left_b[0]["id"] > left_a[0]["id"]:
	bad.append("bob left after alice")
if upd and left_b and upd[-1]["id"] > left_b[0]["id"]:
	bad.append("alice unmuted after bob's kick?")
# while muted, alice is not a talker
if len(upd) == 2:
	during = [e for e in of(alice, "participant.talking")
		  if upd[0]["id"] < e["id"] < upd[1]["id"]]
	if during:
		bad.append("alice: participant.talking while muted: %r" % during)
# times for the audio check: bob's join, mute, unmute (server clock)
import datetime
ts = lambda e: datetime.datetime.strptime(e["data"]["time"],
	"%Y-%m-%dT%H:%M:%S.%fZ").timestamp()
j = of(bob, "participant.joined")
if j and len(upd) == 2 and left_b:
	print("TIMES %.3f %.3f %.3f" % (ts(upd[0]) - ts(j[0]),
	      ts(upd[1]) - ts(j[0]), ts(left_b[0]) - ts(j[0])))
for b in bad:
	print("BAD " + b)
sys.exit(1 if bad else 0)
EOF
	{ cat "$T/ev_check.out"; fail "event stream checks (see above)"; }
sed 's/^/    /' "$T/ev_check.out"
log "event streams as expected"

# --- the mute, heard by bob ---------------------------------------------------
# The event times are the server's; bob's recording starts with the first
# audio he decodes, a little after his join. It runs until the kick, so the
# recording's end is the kick: rec_time = server_time - (kick - rec_len).
read -r _ mute_at unmute_at kick_at < <(grep '^TIMES' "$T/ev_check.out")
[ -n "${kick_at:-}" ] || fail "no mute/kick times from the events"
rec=$(bs_recording bob)
[ -n "$rec" ] || fail "bob: no recording in $T/bob/rec"
rec_len=$("$TONEDET" "$rec" 440 | awk '$1 == "#" {for (i = 1; i < NF; i++) if ($i == "analysed") print $(i + 1)}')
[ -n "$rec_len" ] || fail "bob: cannot read the length of $rec"
read -r m u < <(awk -v m="$mute_at" -v u="$unmute_at" -v k="$kick_at" \
	-v l="$rec_len" 'BEGIN { o = k - l; printf "%.2f %.2f\n", m - o, u - o }')
log "bob's recording ($rec_len s): mute at ${m}s, unmute at ${u}s" \
	"(server: ${mute_at}s, ${unmute_at}s, kick ${kick_at}s after his join)"
ok=1
# windows: before the mute, while muted, after the unmute (0.75 s margins,
# 1 s for the muted one: silence in the others does not hide a tone)
w() { awk "BEGIN { printf \"%.2f\", $1 }"; }
"$TONEDET" -s 0.5 -d "$(w "$m - 1.25")" "$rec" 440 1000 > "$T/tone_before.txt" 2>&1
"$TONEDET" -s "$(w "$m + 1")" -d "$(w "$u - $m - 2")" "$rec" 440 1000 \
	> "$T/tone_muted.txt" 2>&1
"$TONEDET" -s "$(w "$u + 0.75")" -d "$(w "$rec_len - $u - 1")" "$rec" 440 1000 \
	> "$T/tone_after.txt" 2>&1
"$TONEDET" -g 440 "$rec" > "$T/tone_gap.txt" 2>&1
for f in before muted after gap; do
	log "tonedet ($f):"
	sed 's/^/    /' "$T/tone_$f.txt"
done
v() { awk -v f="$2" '$1 == f {print $2}' "$T/tone_$1.txt"; }
[ "$(v before 440)" = present ] || { log "440 Hz not heard before the mute"; ok=0; }
[ "$(v muted 440)" = absent ] || { log "440 Hz still heard while muted"; ok=0; }
[ "$(v after 440)" = present ] || { log "440 Hz not heard after the unmute"; ok=0; }
for f in before muted after; do
	[ "$(v $f 1000)" = present ] &&
		{ log "bob hears his own 1000 Hz ($f)"; ok=0; }
done
# the longest 440 Hz gap is the mute: as long, and where it was (+-1 s)
read -r gap_ms gap_at < <(awk '$1 == "gap" {print $4, $6}' "$T/tone_gap.txt")
awk -v g="${gap_ms:-0}" -v at="${gap_at:-0}" -v m="$m" -v u="$u" \
	'BEGIN { exit !(g >= (u - m - 1) * 1000 && g <= (u - m + 1) * 1000 &&
		at >= m - 1 && at <= m + 1) }' ||
	{ log "longest 440 Hz gap ${gap_ms:-?} ms at ${gap_at:-?} s: not the mute"; ok=0; }
[ $ok = 1 ] || fail "bob's recording does not show the mute (see above)"
# alice, muted or not, heard bob all along
tones_check "$(bs_recording alice)" 1 1000 440 || fail "alice: wrong tones"

chorusd_stop 5
log "PASS"
