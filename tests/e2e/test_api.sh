#!/bin/bash
# test_api: every route of the REST API and every error status, over real
# HTTP, with real SIP participants where a route acts on calls.
#  - /healthz, /readyz, /v1/openapi.yaml, /metrics (Prometheus text format,
#    the chorus_* series);
#  - rooms: POST 201 + Location, 409, GET one / the list with paging (limit,
#    cursor, next_cursor), PATCH (locked: a new caller gets 403, the one in
#    stays; unlocked: the caller joins), DELETE 204 (BYE to the callers);
#  - participants: GET list / one, PATCH (mute, deaf, gain), DELETE (kick,
#    BYE), dial-out POST 202 "ringing" -> "joined" with audio both ways,
#    dial-outs that fail (connection refused, callee rejects) disappear with
#    the reason in participant.left;
#  - errors: 400 with the right "field" (not an object, trailing garbage,
#    duplicate keys, unknown fields, wrong types, out-of-range values, bad
#    names, bad limit/cursor/room filter), 404, 405 with Allow, 409
#    room_full (dial-out), 413 (100 KiB body), 415 (text/plain,
#    none), 503 storage_error (data dir gone: persistent changes not made);
#    every error is {"error":{code,[field],message}} and leaves the state as
#    it was (whole state compared after each);
#  - malformed HTTP does not stop the server answering /healthz;
#  - bearer token (a second and third chorusd): 401 + WWW-Authenticate +
#    JSON error for a missing or wrong token on every route, 200 with it;
#    health routes open by default and closed with --api-public-health no;
#    no token and a non-loopback --http: exit 2 with one line.
#
#   alice  440 Hz  PCMU/8000/1   calls in
#   bob   1000 Hz  G722/16000/1  calls in (refused while the room is locked)
#   carol 1700 Hz  opus/48000/2  dialled out to, answers automatically
#   dave           PCMU/8000/1   dialled out to, rejects the call

. "$(dirname "$0")/lib.sh"
need_netns

ROOM=demo
URI=sip:$ROOM@127.0.0.1:$SIP_PORT
J=(-H 'Content-Type: application/json')
TOKEN='e2e-Token.with~all+chars/=0123'

# --- helpers ------------------------------------------------------------------

# ok STATUS METHOD PATH [CURL_ARGS...]: the request succeeds with STATUS
ok()
{
	local want=$1 method=$2 path=$3

	shift 3
	api_full "$method" "$HTTP_URL$path" "$@"
	[ "$HTTP_STATUS" = "$want" ] ||
		fail "$method $path: HTTP $HTTP_STATUS, want $want; body: $(head -c 300 "$T/http.body")"
}

# spawn_chorusd LABEL HTTP_PORT SIP_PORT RTP_RANGE [ARGS...]: another server
# (own ports, own data dir); waits until its HTTP port answers; sets SPAWN_PID
spawn_chorusd()
{
	local label=$1 hp=$2 sp=$3 rtp=$4 i code

	shift 4
	"$CHORUSD" --sip 127.0.0.1:$sp --rtp-ports "$rtp" --advertise 127.0.0.1 \
		--data-dir "$T/data-$label" "$@" \
		> "$T/chorusd-$label.log" 2>&1 &
	SPAWN_PID=$!
	track_pid $SPAWN_PID
	for ((i = 0; i < 100; i++)); do
		alive $SPAWN_PID ||
			fail "chorusd $label exited at start: $(tail -n 3 "$T/chorusd-$label.log")"
		code=$(curl -s -o /dev/null -m 1 -w '%{http_code}' \
			"http://127.0.0.1:$hp/v1/openapi.yaml" 2>/dev/null)
		[ "$code" != 000 ] && return 0
		sleep 0.1
	done
	fail "chorusd $label: HTTP port $hp not answering within 10 s"
}

# stop_spawned: SIGTERM the spawned server, want exit status 0
stop_spawned()
{
	local rc

	kill -TERM $SPAWN_PID
	wait_gone $SPAWN_PID 5 || fail "spawned chorusd still running after SIGTERM"
	wait $SPAWN_PID
	rc=$?
	[ $rc = 0 ] || fail "spawned chorusd exit status $rc after SIGTERM"
}

DEFERRED=

# --- start, health, spec --------------------------------------------------------
chorusd_start
sse_start "$T/events.txt"

ok 200 GET /healthz
[ "$(json 'd["status"]')" = ok ] || fail "/healthz: $(cat "$T/http.body")"
ok 200 GET /readyz
ok 200 GET /v1/openapi.yaml
head -n 1 "$T/http.body" | grep -q '^openapi:' ||
	fail "/v1/openapi.yaml does not start with openapi: $(head -c 100 "$T/http.body")"
case $(http_header Content-Type) in
*yaml*) ;;
*) fail "/v1/openapi.yaml Content-Type: $(http_header Content-Type)" ;;
esac
grep -q '/v1/rooms/{name}/participants/{id}:' "$T/http.body" ||
	fail "/v1/openapi.yaml lacks the participant route"

# --- create -----------------------------------------------------------------
ok 201 POST /v1/rooms "${J[@]}" --data-binary \
	'{"name":"demo","max_participants":50,"talkers_max":4}'
[ "$(http_header Location)" = /v1/rooms/demo ] ||
	fail "POST /v1/rooms: Location '$(http_header Location)', want /v1/rooms/demo"
[ "$(json '[d[k] for k in ("name", "max_participants", "talkers_max",
	"locked", "persistent", "sample_rate", "participant_count")]')" = \
	'["demo", 50, 4, false, false, 48000, 0]' ] ||
	fail "POST /v1/rooms: body $(cat "$T/http.body")"
json 'd["created_at"]' | grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$' ||
	fail "created_at is not RFC 3339: $(cat "$T/http.body")"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d.pop("stats"); print(json.dumps(d, sort_keys=True))' \
	"$T/http.body" > "$T/created.json"
ok 200 GET /v1/rooms/demo
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d.pop("stats"); print(json.dumps(d, sort_keys=True))' \
	"$T/http.body" | cmp -s - "$T/created.json" ||
	fail "GET /v1/rooms/demo differs from the create answer: $(cat "$T/http.body")"

name64=$(printf 'N%.0s' $(seq 64))
ok 201 POST /v1/rooms "${J[@]}" --data-binary \
	"{\"name\":\"$name64\",\"max_participants\":100000,\"locked\":true,\"persistent\":true,\"talkers_max\":0,\"sample_rate\":48000}"
[ "$(json '[d[k] for k in ("max_participants", "talkers_max", "locked",
	"persistent")]')" = '[100000, 0, true, true]' ] ||
	fail "create with every field: $(cat "$T/http.body")"
[ "$(http_header Location)" = "/v1/rooms/$name64" ] ||
	fail "Location for a 64-character name: $(http_header Location)"
ok 201 POST /v1/rooms -H 'Content-Type: application/json; charset=utf-8' \
	--data-binary '{"name":"A-z_0.9","max_participants":1,"talkers_max":256}'
log "rooms created (201, Location)"

# --- participants: alice in, room locked, bob refused, unlocked, bob in -----
make_tone "$T/t440.wav" 440 90
make_tone "$T/t1000.wav" 1000 90
make_tone "$T/t1700.wav" 1700 90
bs_setup alice 5070 4440 10000 PCMU/8000/1  "$T/t440.wav"
bs_setup bob   5080 4441 10010 G722/16000/1 "$T/t1000.wav"
bs_setup carol 5090 4442 10020 opus/48000/2 "$T/t1700.wav" ';answermode=auto'
bs_setup dave  5094 4443 10030 PCMU/8000/1  "$T/t440.wav" ';answermode=manual'
bs_start alice "$URI" 90
bs_start bob "" 90
bs_start carol "" 90
bs_start dave "" 90
wait_participants $ROOM 1 10
bs_wait_log alice 'Call established' 5 || fail "alice: no 'Call established'"

ok 200 PATCH /v1/rooms/$ROOM "${J[@]}" --data-binary '{"locked":true}'
[ "$(json 'd["locked"]')" = true ] || fail "PATCH locked: $(cat "$T/http.body")"
ok 200 GET /v1/rooms/$ROOM
[ "$(json '[d["locked"], d["max_participants"], d["talkers_max"]]')" = \
	'[true, 50, 4]' ] || fail "after PATCH locked: $(cat "$T/http.body")"
log "room locked; bob calls"
bs_ctrl bob dial "$URI" > /dev/null
bs_wait_log bob 'session closed: 403' 10 ||
	fail "bob was not refused with 403: $(grep -a 'session closed\|established' "$T/bob.log")"
[ "$(participant_count $ROOM)" = 1 ] || fail "locked room: not only alice in it"
grep -aq 'session closed' "$T/alice.log" && fail "alice lost her call when the room was locked"
log "bob got 403, alice stays"
ok 200 PATCH /v1/rooms/$ROOM "${J[@]}" --data-binary '{"locked":false}'
[ "$(json 'd["locked"]')" = false ] || fail "PATCH unlock: $(cat "$T/http.body")"
bs_ctrl bob dial "$URI" > /dev/null
wait_participants $ROOM 2 10
bs_wait_log bob 'Call established' 5 || fail "bob: no 'Call established' after unlock"
log "unlocked: bob joined"

ok 200 GET /v1/rooms/$ROOM/participants
ALICE=$(json '[p["id"] for p in d["participants"] if "alice" in p["uri"]][0]')
BOB=$(json '[p["id"] for p in d["participants"] if "bob" in p["uri"]][0]')
ok 200 GET /v1/rooms/$ROOM/participants/$BOB
[ "$(json '[d[k] for k in ("id", "room", "state", "direction", "codec", "muted",
	"deaf", "gain_db")]')" = "[$BOB, \"demo\", \"joined\", \"inbound\", \"G722\", false, false, 0.0]" ] ||
	fail "GET participant bob: $(cat "$T/http.body")"
json '[d["stats"][k] for k in ("packets_in", "bytes_in", "packets_out",
	"bytes_out", "packets_lost", "loss_percent", "jitter_ms")]' > /dev/null ||
	fail "participant stats incomplete: $(cat "$T/http.body")"

# --- rejected requests: status, field, nothing changed ------------------------
# One python process sends them all (over HTTP, logged to http.log); after
# each it compares the whole state (rooms, participants) with the state
# before. A failed check is collected and reported at the end of the test, so
# that one wrong answer does not hide the checks after it.
log "rejected requests (each followed by a full state comparison):"
python3 - "$ROOT/tests/tools" "$HTTP_URL" "$T/http.log" "$ROOM" "$ALICE" \
	"$name64" <<'EOF' > "$T/reject.out" 2>&1
import sys
sys.path.insert(0, sys.argv[1])
from chorus_api import Api
base, logf, room, alice, name64 = sys.argv[2:7]
api = Api(base, logf)
api.rebase()
R = api.reject

# 409
R(409, "name", "POST", "/v1/rooms", '{"name":"%s"}' % room, code="conflict")
R(409, "name", "POST", "/v1/rooms", '{"name":"%s","persistent":true}' % room)

# not exactly one JSON object
for body in ['5', '[]', '[{"name":"x1"}]', '"x1"', 'null', 'true', '',
             ' ', '{"name":"x1"} x', '{"name":"x1"}{}', '{"name":"x1"}]',
             '{"name":"x1",}', "{'name':'x1'}", '{"name":"x1"',
             '{name:"x1"}', '{"name":"x1" "locked":true}',
             '{"name":"x1","locked":tru}', '{"name":"x1","max_participants":01}',
             '{"name":"x1","max_participants":+1}',
             '{"name":"x\\q"}', '{"name":"x1\t"}', b'{"name":"x1\xff"}',
             b'{"name":"\xc3"}', '[' * 40 + ']' * 40]:
    R(400, None, "POST", "/v1/rooms", body, code="invalid_json")
for body in ['{"name":"x1","max_participants":1e400}',
             '{"name":"x1","max_participants":99999999999999999999}']:
    R(400, None, "POST", "/v1/rooms", body)

# duplicate keys, unknown and read-only fields, wrong types, ranges, names
cases = [
    ("name", '{"name":"x1","name":"x2"}'),
    ("persistent", '{"name":"x1","persistent":true,"persistent":false}'),
    ("foo", '{"name":"x1","foo":1}'),
    ("Name", '{"Name":"x1"}'),
    ("participants", '{"name":"x1","participants":[]}'),
    ("participant_count", '{"name":"x1","participant_count":0}'),
    ("created_at", '{"name":"x1","created_at":"2020-01-01T00:00:00Z"}'),
    ("stats", '{"name":"x1","stats":{}}'),
    ("name", '{}'),
    ("name", '{"max_participants":5}'),
    ("name", '{"name":5}'),
    ("name", '{"name":null}'),
    ("name", '{"name":["x1"]}'),
    ("name", '{"name":{"x":1}}'),
    ("max_participants", '{"name":"x1","max_participants":"5"}'),
    ("max_participants", '{"name":"x1","max_participants":5.5}'),
    ("max_participants", '{"name":"x1","max_participants":true}'),
    ("max_participants", '{"name":"x1","max_participants":null}'),
    ("locked", '{"name":"x1","locked":1}'),
    ("locked", '{"name":"x1","locked":"true"}'),
    ("persistent", '{"name":"x1","persistent":null}'),
    ("talkers_max", '{"name":"x1","talkers_max":"all"}'),
    ("max_participants", '{"name":"x1","max_participants":0}'),
    ("max_participants", '{"name":"x1","max_participants":100001}'),
    ("max_participants", '{"name":"x1","max_participants":-1}'),
    ("talkers_max", '{"name":"x1","talkers_max":257}'),
    ("talkers_max", '{"name":"x1","talkers_max":-1}'),
    ("sample_rate", '{"name":"x1","sample_rate":8000}'),
    ("sample_rate", '{"name":"x1","sample_rate":"48000"}'),
    ("name", '{"name":"%sx"}' % name64),
    ("name", '{"name":""}'),
]
# U+0000 would cut a C string short: refused as invalid JSON (no field)
for body in ['{"name":"x1","locked\\u0000":true}', '{"name":"a\\u0000b"}',
             '{"name":"\\u0000"}']:
    R(400, None, "POST", "/v1/rooms", body, code="invalid_json")
for bad in ['a b', 'a/b', 'a:b', 'a@b', 'a%20b', 'room?', 'a#b', 'a+b',
            'a*', '\\u00e9t\\u00e9', 'caf\\u00e9', '\\/x', 'tab\\there',
            ' x1', 'x1 ']:
    cases.append(("name", '{"name":"%s"}' % bad))
cases.append(("name", b'{"name":"\xc3\xa9t\xc3\xa9"}'))
for field, body in cases:
    R(400, field, "POST", "/v1/rooms", body)

# 413 for a body over 64 KiB, 415. (Past 512 KiB the HTTP layer closes the
# connection before the API sees the request; chorus_api.py's malformed
# set checks chorusd stays up through that.)
big = '{"name":"big","pad":"%s"}' % ("a" * 102400)
R(413, None, "POST", "/v1/rooms", big, code="payload_too_large")
for ct in ["text/plain", "application/x-www-form-urlencoded",
           "application/xml", "multipart/form-data; boundary=x",
           "application/jsonx", None]:
    R(415, None, "POST", "/v1/rooms", '{"name":"x1"}', ctype=ct,
      code="unsupported_media_type")

# PATCH /v1/rooms/ROOM
P = "/v1/rooms/" + room
for body in ['5', '[]', '{"locked":true} x', '', '{"locked":true']:
    R(400, None, "PATCH", P, body)
for field, body in [
        ("locked", '{"locked":true,"locked":false}'),
        ("bogus", '{"locked":true,"bogus":1}'),
        ("name", '{"name":"renamed"}'),
        ("sample_rate", '{"sample_rate":48000}'),
        ("created_at", '{"created_at":"2020-01-01T00:00:00Z"}'),
        ("max_participants", '{"max_participants":0}'),
        ("max_participants", '{"max_participants":100001}'),
        ("max_participants", '{"max_participants":"10"}'),
        ("locked", '{"locked":"yes"}'),
        ("locked", '{"locked":null}'),
        ("talkers_max", '{"talkers_max":257}'),
        # a valid field before the bad one is not applied either
        ("talkers_max", '{"locked":true,"talkers_max":-5}'),
        ("max_participants", '{"talkers_max":1,"max_participants":0}'),
        ("persistent", '{"locked":true,"persistent":1}')]:
    R(400, field, "PATCH", P, body)
R(413, None, "PATCH", P, big)
R(415, None, "PATCH", P, '{"locked":true}', ctype="text/plain")

# PATCH a participant
PP = "/v1/rooms/%s/participants/%s" % (room, alice)
for field, body in [
        ("gain_db", '{"gain_db":21}'), ("gain_db", '{"gain_db":20.01}'),
        ("gain_db", '{"gain_db":-61}'), ("gain_db", '{"gain_db":-60.5}'),
        ("gain_db", '{"gain_db":"3"}'), ("gain_db", '{"gain_db":null}'),
        ("muted", '{"muted":"true"}'), ("muted", '{"muted":1}'),
        ("deaf", '{"deaf":null}'), ("muted", '{"muted":true,"muted":false}'),
        ("id", '{"id":7}'), ("codec", '{"codec":"opus"}'),
        ("uri", '{"uri":"sip:x@127.0.0.1"}'), ("state", '{"state":"ringing"}'),
        ("talking", '{"talking":true}'),
        ("gain_db", '{"muted":true,"gain_db":99}')]:
    R(400, field, "PATCH", PP, body)
for body in ['5', '{"muted":true}]', '{"gain_db":1e999}', '{"gain_db":-}']:
    R(400, None, "PATCH", PP, body)
R(413, None, "PATCH", PP, big)
R(415, None, "PATCH", PP, '{"muted":true}', ctype="text/plain")

# dial-out bodies
D = "/v1/rooms/%s/participants" % room
for field, body in [
        ("uri", '{}'), ("uri", '{"uri":5}'), ("uri", '{"uri":null}'),
        ("uri", '{"uri":"sip:"}'), ("uri", '{"uri":"http://127.0.0.1/x"}'),
        ("uri", '{"uri":"tel:+15551234"}'),
        ("uri", '{"uri":"not a uri at all"}'),
        ("uri", '{"uri":"sip:%s@127.0.0.1"}' % ("b" * 260)),
        ("uri", '{"uri":"sip:a@127.0.0.1:5097","uri":"sip:b@127.0.0.1"}'),
        ("muted", '{"uri":"sip:a@127.0.0.1:5097","muted":true}')]:
    R(400, field, "POST", D, body)
R(400, None, "POST", D, '[]')
R(400, None, "POST", D,
  '{"uri":"sip:x@127.0.0.1:5097;transport=tcp\\u0000junk"}',
  code="invalid_json")
R(413, None, "POST", D, big)
R(415, None, "POST", D, '{"uri":"sip:a@127.0.0.1:5097"}', ctype="text/plain")

# 404
for method, path, body in [
        ("GET", "/v1/rooms/nosuch", None),
        ("PATCH", "/v1/rooms/nosuch", '{"locked":true}'),
        ("DELETE", "/v1/rooms/nosuch", None),
        ("GET", "/v1/rooms/nosuch/participants", None),
        ("POST", "/v1/rooms/nosuch/participants",
         '{"uri":"sip:carol@127.0.0.1:5090"}'),
        ("GET", "/v1/rooms/nosuch/participants/" + alice, None),
        ("PATCH", "/v1/rooms/nosuch/participants/" + alice, '{"muted":true}'),
        ("DELETE", "/v1/rooms/nosuch/participants/" + alice, None),
        ("GET", D + "/999999", None),
        ("PATCH", D + "/999999", '{"muted":true}'),
        ("DELETE", D + "/999999", None),
        ("GET", D + "/abc", None), ("GET", D + "/-1", None),
        ("GET", D + "/" + alice + "x", None),
        ("GET", D + "/18446744073709551617", None),
        ("GET", "/v1/rooms/%s/participants/%s/more" % (room, alice), None),
        ("GET", "/v1/rooms/%s/whatever" % room, None),
        ("GET", "/v1/nothing", None), ("GET", "/v1", None), ("GET", "/", None),
        ("GET", "/V1/ROOMS", None), ("GET", "/v2/rooms", None),
        ("GET", "/v1/rooms//participants", None),
        ("GET", "/v1/rooms/%s/" % ("x" * 300), None)]:
    R(404, None, method, path, body, code="not_found")

# 405 with Allow
for method, path, allow in [
        ("PUT", "/v1/rooms", ["GET", "POST"]),
        ("DELETE", "/v1/rooms", ["GET", "POST"]),
        ("PATCH", "/v1/rooms", ["GET", "POST"]),
        ("POST", "/v1/rooms/" + room, ["GET", "PATCH", "DELETE"]),
        ("PUT", "/v1/rooms/" + room, ["GET", "PATCH", "DELETE"]),
        ("DELETE", D, ["GET", "POST"]),
        ("PUT", D + "/" + alice, ["GET", "PATCH", "DELETE"]),
        ("POST", "/healthz", ["GET"]), ("DELETE", "/metrics", ["GET"]),
        ("PUT", "/readyz", ["GET"]), ("POST", "/v1/events", ["GET"]),
        ("DELETE", "/v1/openapi.yaml", ["GET"])]:
    R(405, None, method, path, '{"name":"x1"}' if method != "DELETE"
      else None, allow=allow, code="method_not_allowed")

# query arguments
for l in ["0", "1001", "abc", "-1", "", "1.5", "0x10", "99999999999", "5x"]:
    R(400, "limit", "GET", "/v1/rooms?limit=" + l)
for c in ["a%20b", "a/b", "%", "caf%C3%A9", "x" * 65]:
    R(400, "cursor", "GET", "/v1/rooms?cursor=" + c)
for r in ["a%20b", "x" * 65]:
    R(400, "room", "GET", "/v1/events?room=" + r, timeout=1)

print("%d rejected requests checked, %d failed checks"
      % (api.checked, len(api.failures)))
sys.exit(1 if api.failures else 0)
EOF
rc=$?
sed 's/^/    /' "$T/reject.out"
if [ $rc != 0 ]; then
	DEFERRED="$DEFERRED
  rejected requests: $(grep -c '^FAILED' "$T/reject.out") failed checks (see above)"
fi
chorusd_alive || fail "chorusd died during the rejections"

# --- participant PATCH that works ---------------------------------------------
P=/v1/rooms/$ROOM/participants/$ALICE
ok 200 PATCH $P "${J[@]}" --data-binary '{"gain_db":-6.5,"deaf":true}'
[ "$(json '[d["gain_db"], d["deaf"], d["muted"]]')" = '[-6.5, true, false]' ] ||
	fail "PATCH participant: $(cat "$T/http.body")"
ok 200 GET $P
[ "$(json '[d["gain_db"], d["deaf"], d["muted"]]')" = '[-6.5, true, false]' ] ||
	fail "GET after PATCH participant: $(cat "$T/http.body")"
ok 200 PATCH $P "${J[@]}" --data-binary '{"gain_db":20,"muted":true}'
ok 200 PATCH $P "${J[@]}" --data-binary '{"gain_db":-60}'
ok 200 PATCH $P "${J[@]}" --data-binary '{}'
[ "$(json '[d["gain_db"], d["deaf"], d["muted"]]')" = '[-60.0, true, true]' ] ||
	fail "PATCH {} changed something: $(cat "$T/http.body")"
ok 200 PATCH $P "${J[@]}" --data-binary '{"gain_db":0,"deaf":false,"muted":false}'
log "participant PATCH: gain_db, deaf, muted applied"

# --- paging -------------------------------------------------------------------
for i in $(seq -w 0 24); do
	ok 201 POST /v1/rooms "${J[@]}" --data-binary "{\"name\":\"pg-$i\"}"
done
python3 "$API_TOOL" names "$HTTP_URL" --limit 10 > "$T/pages10.json" ||
	fail "paging with limit 10 is broken"
python3 "$API_TOOL" names "$HTTP_URL" --limit 1 > "$T/pages1.json" ||
	fail "paging with limit 1 is broken"
python3 - "$T/pages10.json" "$T/pages1.json" "$name64" <<'EOF' ||
import json, sys
p10, p1 = (json.load(open(f)) for f in sys.argv[1:3])
want = sorted(["demo", "A-z_0.9", sys.argv[3]] + ["pg-%02d" % i for i in range(25)])
assert p10["names"] == want, (p10["names"], want)
assert p1["names"] == want, p1["names"]
assert p10["pages"] == 3 and p1["pages"] == 28, (p10["pages"], p1["pages"])
EOF
	fail "paging: $(cat "$T/pages10.json")"
ok 200 GET "/v1/rooms?limit=1"
[ "$(json '[[r["name"] for r in d["rooms"]], d["next_cursor"]]')" = '[["A-z_0.9"], "A-z_0.9"]' ] ||
	fail "limit=1: $(cat "$T/http.body")"
ok 200 GET "/v1/rooms?limit=5&cursor=pg-05x"
[ "$(json '[[r["name"] for r in d["rooms"]], d["next_cursor"]]')" = \
	'[["pg-06", "pg-07", "pg-08", "pg-09", "pg-10"], "pg-10"]' ] ||
	fail "cursor between names: $(cat "$T/http.body")"
ok 200 GET "/v1/rooms?limit=1000"
[ "$(json '[len(d["rooms"]), d["next_cursor"]]')" = '[28, null]' ] ||
	fail "limit=1000: $(head -c 300 "$T/http.body")"
ok 200 GET "/v1/rooms?cursor=pg-24"
[ "$(json '[d["rooms"], d["next_cursor"]]')" = '[[], null]' ] ||
	fail "cursor at the end: $(cat "$T/http.body")"
ok 200 GET /v1/rooms
[ "$(json '[len(d["rooms"]), d["next_cursor"]]')" = '[28, null]' ] ||
	fail "default page: $(head -c 300 "$T/http.body")"
for i in $(seq -w 0 24); do
	ok 204 DELETE "/v1/rooms/pg-$i"
	[ ! -s "$T/http.body" ] || fail "204 with a body: $(cat "$T/http.body")"
done
ok 404 GET /v1/rooms/pg-00
ok 404 DELETE /v1/rooms/pg-00
log "paging: 28 rooms in 3 pages of 10 and 28 of 1, in name order; cursor, next_cursor, limit 1000"

# --- dial-out -------------------------------------------------------------------
t0=$(date +%s%N)
ok 202 POST /v1/rooms/$ROOM/participants "${J[@]}" --data-binary '{"uri":"sip:carol@127.0.0.1:5090"}'
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$ms" -lt 1000 ] || fail "dial-out answered after $ms ms, want at once"
[ "$(json '[d["state"], d["direction"], d["uri"]]')" = \
	'["ringing", "outbound", "sip:carol@127.0.0.1:5090"]' ] ||
	fail "dial-out 202 body: $(cat "$T/http.body")"
CAROL=$(json 'd["id"]')
[ "$(http_header Location)" = "/v1/rooms/$ROOM/participants/$CAROL" ] ||
	fail "dial-out Location: '$(http_header Location)'"
log "dial-out to carol: 202 in $ms ms, ringing, id $CAROL"
for ((i = 0; i < 50; i++)); do
	api GET /v1/rooms/$ROOM/participants/$CAROL > /dev/null
	[ "$HTTP_STATUS" = 200 ] && [ "$(json 'd["state"]')" = joined ] && break
	sleep 0.2
done
[ "$(json '[d["state"], d["codec"]]')" = '["joined", "opus"]' ] ||
	fail "carol did not join with opus: $(cat "$T/http.body")"
bs_wait_log carol 'Call established' 5 || fail "carol: no 'Call established'"
log "carol joined (opus)"
CAROL_JOINED=$(date +%s)

# a dial-out to a TCP port where nothing listens, and to dave, who rejects
ok 202 POST /v1/rooms/$ROOM/participants "${J[@]}" --data-binary \
	'{"uri":"sip:nobody@127.0.0.1:5097;transport=tcp"}'
NOBODY=$(json 'd["id"]')
ok 202 POST /v1/rooms/$ROOM/participants "${J[@]}" --data-binary '{"uri":"sip:dave@127.0.0.1:5094"}'
DAVE=$(json 'd["id"]')
bs_wait_log dave 'Incoming call' 10 || fail "dave: no incoming call"
bs_ctrl dave hangup > /dev/null
for id in $NOBODY $DAVE; do
	for ((i = 0; i < 50; i++)); do
		api GET /v1/rooms/$ROOM/participants/$id > /dev/null
		[ "$HTTP_STATUS" = 404 ] && break
		sleep 0.2
	done
	[ "$HTTP_STATUS" = 404 ] || fail "failed dial-out $id still there: $(cat "$T/http.body")"
done
wait_participants $ROOM 3 5
log "failed dial-outs (connection refused, rejected) are gone"

# --- 409 room_full (dial-out to a full room), 503 storage_error ---------------
ok 201 POST /v1/rooms "${J[@]}" --data-binary '{"name":"full1","max_participants":1}'
# nothing answers on this UDP port: the callee stays "ringing" for a while
ok 202 POST /v1/rooms/full1/participants "${J[@]}" --data-binary '{"uri":"sip:nobody@127.0.0.1:5099"}'
ok 409 POST /v1/rooms/full1/participants "${J[@]}" --data-binary '{"uri":"sip:other@127.0.0.1:5099"}'
why=$(error_check -) || fail "dial-out to a full room: $why"
[ "$(json 'd["error"]["code"]')" = room_full ] || fail "full room: $(cat "$T/http.body")"
[ "$(participant_count full1)" = 1 ] || fail "full room: the refused dial-out is listed"
ok 204 DELETE /v1/rooms/full1
log "dial-out to a full room: 409 room_full"

# the data dir goes away: changes to persistent rooms cannot be saved, are
# answered 503 and not made
ok 201 POST /v1/rooms "${J[@]}" --data-binary '{"name":"keep","persistent":true}'
mv "$T/data" "$T/data.away"
python3 - "$ROOT/tests/tools" "$HTTP_URL" "$T/http.log" <<'EOF' > "$T/storage.out" 2>&1
import sys
sys.path.insert(0, sys.argv[1])
from chorus_api import Api
api = Api(sys.argv[2], sys.argv[3])
api.rebase()
for method, path, body in [
        ("POST", "/v1/rooms", '{"name":"p2","persistent":true}'),
        ("PATCH", "/v1/rooms/keep", '{"locked":true}'),
        ("PATCH", "/v1/rooms/keep", '{"persistent":false}'),
        ("PATCH", "/v1/rooms/A-z_0.9", '{"persistent":true}'),
        ("DELETE", "/v1/rooms/keep", None)]:
    api.reject(503, None, method, path, body, code="storage_error")
print("%d requests checked, %d failed checks" % (api.checked,
      len(api.failures)))
sys.exit(1 if api.failures else 0)
EOF
rc=$?
mv "$T/data.away" "$T/data"
sed 's/^/    /' "$T/storage.out"
[ $rc = 0 ] || DEFERRED="$DEFERRED
  storage errors: $(grep -c '^FAILED' "$T/storage.out") failed checks (see above)"
ok 201 POST /v1/rooms "${J[@]}" --data-binary '{"name":"transient"}'
ok 204 DELETE /v1/rooms/transient
ok 204 DELETE /v1/rooms/keep
log "storage gone: persistent changes answered 503 and not made; others work"

# --- metrics --------------------------------------------------------------------
ok 200 GET /metrics
case $(http_header Content-Type) in
text/plain*version=0.0.4*) ;;
*) fail "/metrics Content-Type: $(http_header Content-Type)" ;;
esac
cp "$T/http.body" "$T/metrics.txt"
python3 "$API_TOOL" metrics "$T/metrics.txt" > "$T/metrics.names" 2> "$T/metrics.err" ||
	fail "/metrics is not in the Prometheus text format: $(head -n 5 "$T/metrics.err")"
for m in chorus_rooms chorus_participants chorus_mixer_encodes_per_tick \
	'chorus_mixer_tick_seconds_bucket{le="+Inf"}' \
	'chorus_api_requests_total{status="404"}' \
	'chorus_api_requests_total{status="400"}' \
	'chorus_api_requests_total{status="405"}'; do
	grep -qxF "$m" "$T/metrics.names" || fail "/metrics lacks $m"
done
grep -q '^chorus_mixer_tick_seconds_bucket{le="0.001"} ' "$T/metrics.txt" ||
	fail "/metrics: no tick histogram buckets"
grep -q '^# TYPE chorus_mixer_tick_seconds histogram$' "$T/metrics.txt" ||
	fail "/metrics: tick histogram not typed"
mval() { awk -v m="$1" '$1 == m {print $2}' "$T/metrics.txt"; }
[ "$(mval chorus_rooms)" = 3 ] || fail "chorus_rooms $(mval chorus_rooms), want 3"
[ "$(mval chorus_participants)" = 3 ] ||
	fail "chorus_participants $(mval chorus_participants), want 3"
[ "$(mval chorus_mixer_tick_seconds_count)" -gt 0 ] ||
	fail "chorus_mixer_tick_seconds_count is 0 while calls run"
n404=$(mval 'chorus_api_requests_total{status="404"}')
[ "${n404:-0}" -ge 20 ] || fail "chorus_api_requests_total 404: $n404, want >= 20"
log "metrics: Prometheus text, chorus_* series present, rooms 3, participants 3"

# --- malformed HTTP ---------------------------------------------------------------
python3 "$API_TOOL" junk 127.0.0.1 $HTTP_PORT > "$T/junk.out" 2>&1 ||
	{ cat "$T/junk.out"; fail "chorusd stopped answering /healthz after malformed HTTP"; }
sed 's/^/    /' "$T/junk.out"
chorusd_alive || fail "chorusd died from malformed HTTP"
ok 200 GET /v1/rooms/$ROOM
log "malformed HTTP: /healthz answered 200 after each"

# --- kick, audio, room delete -------------------------------------------------
# let carol's call run at least 4 s
while [ $(( $(date +%s) - CAROL_JOINED )) -lt 4 ]; do sleep 0.5; done
ok 204 DELETE /v1/rooms/$ROOM/participants/$CAROL
bs_wait_log carol 'session closed: Connection reset by peer' 5 ||
	fail "carol got no BYE after the kick"
ok 404 GET /v1/rooms/$ROOM/participants/$CAROL
ok 404 DELETE /v1/rooms/$ROOM/participants/$CAROL
wait_participants $ROOM 2 5
log "carol kicked (204, BYE), then 404"

ok 204 DELETE /v1/rooms/$ROOM
for p in alice bob; do
	bs_wait_log $p 'session closed: Connection reset by peer' 5 ||
		fail "$p got no BYE when the room was deleted"
done
ok 404 GET /v1/rooms/$ROOM
ok 404 GET /v1/rooms/$ROOM/participants
ok 404 DELETE /v1/rooms/$ROOM
log "room deleted: BYE to alice and bob, then 404"
for p in alice bob carol dave; do
	bs_stop $p
done

tones_check "$(bs_recording carol)" 1 "440 1000" 1700 ||
	fail "carol (dialled out) did not hear alice and bob"
tones_check "$(bs_recording alice)" 1 "1000 1700" 440 ||
	fail "alice did not hear bob and carol"

# the reasons of the failed dial-outs and of the kick, from the event stream
sleep 0.3
python3 "$API_TOOL" sse "$T/events.txt" > "$T/events.json" 2> "$T/events.err" ||
	fail "event stream malformed: $(head -n 3 "$T/events.err")"
python3 - "$T/events.json" "$NOBODY" "$DAVE" "$CAROL" <<'EOF' > "$T/reasons.out" ||
import json, sys
left = {}
for line in open(sys.argv[1]):
	e = json.loads(line)
	if e["event"] == "participant.left":
		left[e["data"]["participant"]["id"]] = e["data"].get("reason", "")
nobody, dave, carol = (int(x) for x in sys.argv[2:5])
print("left: nobody %r, dave %r, carol %r" % (left.get(nobody),
      left.get(dave), left.get(carol)))
ok = bool(left.get(nobody)) and "486" in str(left.get(dave)) and \
	left.get(carol) == "kicked"
sys.exit(0 if ok else 1)
EOF
	fail "participant.left reasons: $(cat "$T/reasons.out")"
log "$(cat "$T/reasons.out")"
# (a cancelled dial-out to a silent peer may hold the SIP stack a while)
chorusd_stop 8

# --- bearer token ---------------------------------------------------------------
H2=http://127.0.0.1:8081
spawn_chorusd token 8081 5062 21000-21099 --http 127.0.0.1:8081 --api-token "$TOKEN"
AUTH=(-H "Authorization: Bearer $TOKEN")
api_full POST $H2/v1/rooms "${AUTH[@]}" "${J[@]}" --data-binary '{"name":"sec"}'
[ "$HTTP_STATUS" = 201 ] || fail "POST with the token: $HTTP_STATUS $(cat "$T/http.body")"
python3 - "$ROOT/tests/tools" "$H2" "$T/http.log" "$TOKEN" <<'EOF' > "$T/unauth.out" 2>&1
import sys
sys.path.insert(0, sys.argv[1])
from chorus_api import Api
base, logf, token = sys.argv[2:5]
api = Api(base, logf, token=token)
api.rebase()
def R(method, path, body=None, headers=None):
    api.reject(401, None, method, path, body, headers=headers,
               code="unauthorized", www_auth=True, timeout=2)
for h in [None, "Bearer wrong-token-0123456789", "Bearer " + token + "x",
          "Bearer " + token[:-1], "Basic " + token, token, "Bearer",
          "Bearer " + token.upper(), "Bearer\t" + token,
          "Token " + token, "Bearer " + token + ",Bearer " + token]:
    R("GET", "/v1/rooms", headers={"Authorization": h} if h else None)
R("GET", "/v1/rooms", headers={"X-Authorization": "Bearer " + token})
R("GET", "/v1/rooms?access_token=" + token)
R("GET", "/v1/rooms/sec")
R("PATCH", "/v1/rooms/sec", '{"locked":true}')
R("DELETE", "/v1/rooms/sec")
R("POST", "/v1/rooms", '{"name":"sneaky"}')
R("GET", "/v1/rooms/sec/participants")
R("POST", "/v1/rooms/sec/participants", '{"uri":"sip:x@127.0.0.1:5097"}')
R("GET", "/v1/rooms/sec/participants/1")
R("PATCH", "/v1/rooms/sec/participants/1", '{"muted":true}')
R("DELETE", "/v1/rooms/sec/participants/1")
R("GET", "/v1/openapi.yaml")
R("GET", "/v1/events")
R("GET", "/v1/events?room=sec")
print("%d requests without a valid token checked, %d failed checks"
      % (api.checked, len(api.failures)))
sys.exit(1 if api.failures else 0)
EOF
rc=$?
sed 's/^/    /' "$T/unauth.out"
[ $rc = 0 ] || DEFERRED="$DEFERRED
  token: $(grep -c '^FAILED' "$T/unauth.out") failed checks (see above)"
for p in /healthz /readyz /metrics; do
	api_full GET $H2$p
	[ "$HTTP_STATUS" = 200 ] || fail "$p without a token: $HTTP_STATUS (public by default)"
done
for p in /v1/rooms /v1/rooms/sec /v1/rooms/sec/participants /v1/openapi.yaml; do
	api_full GET $H2$p "${AUTH[@]}"
	[ "$HTTP_STATUS" = 200 ] || fail "GET $p with the token: $HTTP_STATUS"
done
api_full GET $H2/v1/rooms -H "Authorization: bearer $TOKEN"
[ "$HTTP_STATUS" = 200 ] || fail "auth scheme is case-insensitive (RFC 7235): $HTTP_STATUS"
api_full DELETE $H2/v1/rooms/sec "${AUTH[@]}"
[ "$HTTP_STATUS" = 204 ] || fail "DELETE with the token: $HTTP_STATUS"
stop_spawned
log "token: 401 + WWW-Authenticate: Bearer + JSON error on every route without it; 200 with it; health open"

CHORUS_API_PUBLIC_HEALTH=yes spawn_chorusd closed 8082 5064 21100-21199 \
	--http 127.0.0.1:8082 --api-token "$TOKEN" --api-public-health no
for p in /healthz /readyz /metrics; do
	api_full GET http://127.0.0.1:8082$p
	[ "$HTTP_STATUS" = 401 ] ||
		fail "$p with --api-public-health no, no token: $HTTP_STATUS, want 401"
	[ "$(http_header WWW-Authenticate | cut -c1-6)" = Bearer ] ||
		fail "$p 401 without WWW-Authenticate: Bearer"
	api_full GET http://127.0.0.1:8082$p "${AUTH[@]}"
	[ "$HTTP_STATUS" = 200 ] || fail "$p with the token: $HTTP_STATUS"
done
stop_spawned
log "--api-public-health no: health routes need the token too"

# a token from the environment lets the API bind to all addresses
CHORUS_API_TOKEN=$TOKEN spawn_chorusd any 8083 5066 21200-21299 --http 0.0.0.0:8083
api_full GET http://127.0.0.1:8083/v1/rooms
[ "$HTTP_STATUS" = 401 ] || fail "0.0.0.0 with CHORUS_API_TOKEN, no token: $HTTP_STATUS"
api_full GET http://127.0.0.1:8083/v1/rooms "${AUTH[@]}"
[ "$HTTP_STATUS" = 200 ] || fail "0.0.0.0 with CHORUS_API_TOKEN, token: $HTTP_STATUS"
stop_spawned

# refusals at start-up: exit 2, one line on stderr, nothing served
refuse()
{
	local label=$1 rc lines

	shift
	timeout -k 2 5 "$CHORUSD" --sip 127.0.0.1:5068 --rtp-ports 21300-21399 \
		--data-dir "$T/data-refuse" "$@" > "$T/refuse.out" 2> "$T/refuse.err"
	rc=$?
	lines=$(wc -l < "$T/refuse.err")
	[ $rc = 2 ] && [ "$lines" = 1 ] && [ ! -s "$T/refuse.out" ] ||
		fail "$label: exit $rc, $lines lines on stderr, want exit 2 and one line: $(head -c 400 "$T/refuse.err")"
	log "$label: exit 2: $(cat "$T/refuse.err")"
}
refuse "--http 0.0.0.0 without a token" --http 0.0.0.0:8084
grep -qi token "$T/refuse.err" || fail "the refusal does not mention the token"
refuse "empty --api-token" --http 0.0.0.0:8084 --api-token ''
CHORUS_HTTP=0.0.0.0:8084 refuse "CHORUS_HTTP=0.0.0.0 without a token"
refuse "15-character token" --http 127.0.0.1:8084 --api-token 0123456789abcde
refuse "token with a space" --http 127.0.0.1:8084 --api-token '0123456789 abcdef'
refuse "token with a bad character" --http 127.0.0.1:8084 --api-token '0123456789abcdef!'
refuse "128-character token" --http 127.0.0.1:8084 \
	--api-token "$(head -c 128 /dev/zero | tr '\0' 'k')"
refuse "--api-public-health maybe" --http 127.0.0.1:8084 --api-public-health maybe
api_full GET http://127.0.0.1:8084/healthz
[ "$HTTP_STATUS" = 000 ] || fail "a refused chorusd answered on 8084"

[ -z "$DEFERRED" ] || fail "checks failed along the way:$DEFERRED"
log "PASS"
