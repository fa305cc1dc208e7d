#!/bin/bash
# test_persist: kill -9 chorusd at random moments during a burst of room
# creates, PATCHes of "persistent" and deletes; after each kill the state
# file must parse, and after a restart the rooms must be exactly what the
# answered requests promise:
#   - every persistent room whose create (or PATCH persistent:true) was
#     answered, and not deleted (answered 204) later, is there;
#   - no room whose delete was answered 204 is there;
#   - no non-persistent room is there (they never survive a restart);
#   - a room with a request in flight at the kill may be either way.
# The data dir is kept from round to round, so each burst starts from what
# the previous restart restored (and may delete those rooms too).

. "$(dirname "$0")/lib.sh"
need_netns

ROUNDS=${PERSIST_ROUNDS:-8}
DATA=$T/data
STATE=$DATA/rooms.json

rm -rf "$DATA"
chorusd_start

total_created=0
total_deleted=0
RANDOM=$$

for ((round = 1; round <= ROUNDS; round++)); do
	R=$T/round$round
	mkdir -p "$R"

	# what the server holds now (restored at the last start)
	python3 "$API_TOOL" names "$HTTP_URL" --limit 7 > "$R/initial.json" ||
		fail "round $round: cannot list the rooms"
	ninit=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["names"]))' "$R/initial.json")

	: > "$R/burst.log"
	python3 "$API_TOOL" burst 127.0.0.1 "$HTTP_PORT" --log "$R/burst.log" \
		--prefix "r$round" --seed "$round-$RANDOM" \
		--initial "$R/initial.json" --seconds 5 \
		> "$R/burst.out" 2>&1 &
	burst=$!
	track_pid $burst
	# kill after a random 50-500 ms of burst (counted from its first line)
	for ((i = 0; i < 50; i++)); do
		[ -s "$R/burst.log" ] && break
		sleep 0.02
	done
	ms=$(( 50 + RANDOM % 451 ))
	sleep "$(printf '0.%03d' "$ms")"
	chorusd_kill
	wait "$burst"
	sent=$(grep -c '"ev": "sent"' "$R/burst.log")
	done_n=$(grep -c '"ev": "done"' "$R/burst.log")
	log "round $round: $ninit rooms restored; kill -9 after ${ms} ms:" \
		"$done_n requests answered of $sent sent"

	# the state file parses, whatever the moment of the kill
	if [ -e "$STATE" ]; then
		python3 - "$STATE" <<'EOF' || fail "round $round: $STATE does not parse: $(head -c 400 "$STATE")"
import json, sys
with open(sys.argv[1], 'rb') as f:
	d = json.loads(f.read().decode('utf-8'))
assert isinstance(d, dict) and isinstance(d.get("rooms"), list), d
for r in d["rooms"]:
	assert isinstance(r, dict) and isinstance(r.get("name"), str), r
EOF
		cp "$STATE" "$R/rooms.json"
	elif [ "$round" -gt 1 ] || [ "$done_n" -gt 0 ]; then
		log "round $round: no $STATE (no persistent room saved yet?)"
	fi
	[ -e "$STATE.bad" ] && fail "round $round: chorusd set aside a bad state file"

	chorusd_start
	python3 "$API_TOOL" names "$HTTP_URL" --limit 3 > "$R/after.json" ||
		fail "round $round: cannot list the rooms after restart"
	if ! python3 "$API_TOOL" verify --initial "$R/initial.json" \
		--log "$R/burst.log" --after "$R/after.json" > "$R/verify.out"
	then
		cat "$R/verify.out"
		fail "round $round: the restored rooms break a promise (see above)"
	fi
	log "  $(head -n 1 "$R/verify.out")"
	# every room listed after the restart is persistent
	python3 - "$R/after.json" <<'EOF' || fail "round $round: a restored room is not persistent"
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if sorted(d["names"]) == sorted(d["persistent"]) else 1)
EOF
	total_created=$(( total_created + $(grep -c '"op": "create", "name": "[^"]*", "persistent": true, "status": 201' "$R/burst.log") ))
	total_deleted=$(( total_deleted + $(grep -c '"op": "delete", "name": "[^"]*", "persistent": null, "status": 204' "$R/burst.log") ))
done

log "over $ROUNDS rounds: $total_created persistent creates and" \
	"$total_deleted deletes answered before a kill"
[ "$total_created" -ge 10 ] ||
	fail "only $total_created persistent creates answered: the bursts did not run"
[ "$total_deleted" -ge 3 ] ||
	fail "only $total_deleted deletes answered: the bursts did not run"

chorusd_stop 5
log "PASS"
