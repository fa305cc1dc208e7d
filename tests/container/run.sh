#!/bin/bash
# Container end-to-end test: build the image, run it with host networking
# (all traffic stays on loopback), and check it from the host like a user:
# health, non-root, a room made through the API, two baresip callers (Opus
# and G.722) that each hear the other's tone and not their own, then a
# container stop that BYEs both callers and ends chorusd with status 0 in
# under 5 s, one-line levelled logs, and rooms kept in the data volume.
#
# usage (as root): tests/container/run.sh      (or: make test-container)
#   IMAGE   image tag (default chorus:latest)
#   ENGINE  docker or podman (default: docker if its engine answers, else
#           podman, installed and configured by setup.sh)
# Logs: build/container-logs/. Last line: "N passed, N failed".

# shellcheck disable=SC2015 # "cond && ok || bad": ok always returns 0

CT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
T=$(cd "$CT_DIR/../.." && pwd)/build/container-logs
rm -rf "$T"
mkdir -p "$T"
exec > >(tee "$T/output.log") 2>&1

# shellcheck source=../e2e/lib.sh
. "$CT_DIR/../e2e/lib.sh"

IMAGE=${IMAGE:-chorus:latest}
# Ports chosen away from the defaults and from the e2e tests
SIP_PORT=5260
HTTP_PORT=8280
HTTP_URL=http://127.0.0.1:$HTTP_PORT
RTP_PORTS=21000-21099
ROOM=demo
URI=sip:$ROOM@127.0.0.1:$SIP_PORT
TALK_SECS=6
NAME=chorus-ctest-$$
VOLUME=chorus-ctest-$$-data

PASSED=0
FAILED=0
CONTAINERS=

ok()
{
	log "ok: $*"
	PASSED=$((PASSED + 1))
}

# bad MSG: a failed check; the test goes on
bad()
{
	log "FAIL: $*"
	FAILED=$((FAILED + 1))
}

# fail MSG (replaces lib.sh's): a failed check the test cannot go past
fail()
{
	bad "$*"
	exit 1
}

# check NAME CMD...: run CMD, count it
check()
{
	local what=$1

	shift
	if "$@"; then ok "$what"; else bad "$what"; fi
}

finish()
{
	local c

	cleanup
	for c in $CONTAINERS; do
		"$ENGINE" logs "$c" > "$T/$c.log" 2>&1
		"$ENGINE" rm -f -v "$c" > /dev/null 2>&1
	done
	"$ENGINE" volume rm -f "$VOLUME" > /dev/null 2>&1
	echo "$PASSED passed, $FAILED failed"
	[ "$FAILED" = 0 ] && [ "$PASSED" -gt 0 ]
}
trap 'finish; exit $?' EXIT

# elapsed START: seconds since START (date +%s.%N), 2 decimals
elapsed()
{
	echo "$(date +%s.%N) $1" | awk '{printf "%.2f", $1 - $2}'
}

# ctr_start NAME [ENGINE RUN OPTIONS]: run the image detached with host
# networking, on the test ports, loopback only
ctr_start()
{
	local name=$1

	shift
	log "starting container $name"
	CONTAINERS="$CONTAINERS $name"
	"$ENGINE" run -d --name "$name" --network host \
		-e CHORUS_SIP=127.0.0.1:$SIP_PORT \
		-e CHORUS_HTTP=127.0.0.1:$HTTP_PORT \
		-e CHORUS_RTP_PORTS=$RTP_PORTS \
		-e CHORUS_ADVERTISE=127.0.0.1 \
		-v "$VOLUME:/var/lib/chorus" "$@" \
		"$IMAGE" > "$T/$name.run" 2>&1 ||
		fail "$ENGINE run: $(grep -v level= "$T/$name.run" | tail -n 3)"
}

# wait_health SECS: poll GET /healthz until 200
wait_health()
{
	local i code=

	for ((i = 0; i < $1 * 5; i++)); do
		code=$(curl -s -o /dev/null -m 1 -w '%{http_code}' \
			"$HTTP_URL/healthz" 2>/dev/null)
		[ "$code" = 200 ] && return 0
		sleep 0.2
	done
	log "healthz: last status $code"
	return 1
}

# ctr_stop NAME: stop (10 s grace, as a container stop gives), time it;
# sets STOP_SECS and STOP_RC
ctr_stop()
{
	local t0

	t0=$(date +%s.%N)
	timeout 30 "$ENGINE" stop -t 10 "$1" > /dev/null 2>&1
	STOP_SECS=$(elapsed "$t0")
	STOP_RC=$("$ENGINE" inspect -f '{{.State.ExitCode}}' "$1" 2>&1)
	log "$1 stopped in $STOP_SECS s, exit status $STOP_RC"
}

healthy()
{
	local i st

	if [ "$ENGINE" = podman ]; then
		podman healthcheck run "$NAME" 2>/dev/null
		return
	fi
	for ((i = 0; i < 40; i++)); do
		st=$(docker inspect -f '{{.State.Health.Status}}' "$NAME")
		[ "$st" = healthy ] && return 0
		sleep 0.5
	done
	return 1
}

port_free()
{
	! ss -Hlntu "( sport = :$1 )" 2>/dev/null | grep -q .
}


# --- tools and image --------------------------------------------------------

[ "$(id -u)" = 0 ] || fail "run as root (podman as root, apt-get)"
for t in baresip sox curl python3 ss; do
	command -v $t > /dev/null || fail "$t missing: run sh scripts/deps.sh"
done
[ -x "$TONEDET" ] || fail "$TONEDET not built (make tools)"

if [ -z "${ENGINE:-}" ]; then
	if command -v docker > /dev/null && docker info > /dev/null 2>&1; then
		ENGINE=docker
	else
		ENGINE=podman
	fi
fi
export ENGINE IMAGE
if [ "$ENGINE" = podman ]; then
	"$CT_DIR/setup.sh" > "$T/setup.log" 2>&1 ||
		fail "setup.sh: $(tail -n 5 "$T/setup.log")"
	log "$(tail -n 1 "$T/setup.log")"
fi

t0=$(date +%s.%N)
log "building $IMAGE with $ENGINE (log: $T/build.log)"
if timeout 1500 "$ROOT/docker/image.sh" > "$T/build.log" 2>&1; then
	ok "image built in $(elapsed "$t0") s"
else
	fail "image build: $(tail -n 15 "$T/build.log")"
fi

size=$("$ENGINE" image inspect -f '{{.Size}}' "$IMAGE")
log "image size: $size bytes ($((size / 1000000)) MB)"
[ "$size" -lt 150000000 ] && ok "image under 150 MB" ||
	bad "image is $((size / 1000000)) MB, want under 150 MB"
user=$("$ENGINE" image inspect -f '{{.Config.User}}' "$IMAGE")
[ -n "$user" ] && [ "$user" != root ] && [ "$user" != 0 ] &&
	ok "image runs as user '$user'" || bad "image user is '$user'"
hc=$("$ENGINE" image inspect -f '{{json .Config.Healthcheck}}' "$IMAGE")
case $hc in
*chorus-healthcheck*) ok "image has a HEALTHCHECK" ;;
*) bad "image HEALTHCHECK: $hc" ;;
esac

# The image's defaults put the API on the container's network, so without
# a token chorusd must refuse to start (no network: nothing can leak).
"$ENGINE" run --rm --network none --no-healthcheck "$IMAGE" \
	> "$T/no-token.log" 2>&1
rc=$?
[ "$rc" = 2 ] && grep -q CHORUS_API_TOKEN "$T/no-token.log" &&
	ok "defaults without CHORUS_API_TOKEN: refused, exit 2" ||
	bad "defaults without a token: exit $rc, $(tail -n 2 "$T/no-token.log")"

# The defaults plus a token, still with no network: chorusd must come up
# on SIP 0.0.0.0:5060 and HTTP 0.0.0.0:8080 (the HEALTHCHECK says so) and
# stop with status 0.
defaults_up()
{
	local c=$NAME-defaults i

	CONTAINERS="$CONTAINERS $c"
	"$ENGINE" run -d --name "$c" --network none \
		-e CHORUS_API_TOKEN=ctest-token-0123456789abcdef \
		"$IMAGE" > "$T/$c.run" 2>&1 || return 1
	for ((i = 0; i < 50; i++)); do
		[ "$("$ENGINE" inspect -f '{{.State.Running}}' "$c")" = true ] ||
			break
		if "$ENGINE" exec "$c" chorus-healthcheck 2>/dev/null; then
			ctr_stop "$c"
			[ "$STOP_RC" = 0 ]
			return
		fi
		sleep 0.2
	done
	log "$c: $("$ENGINE" logs "$c" 2>&1 | tail -n 2)"
	return 1
}
check "image defaults + token (no network): up, healthy, exit 0" defaults_up

check "compose.yml: ports, variables and volume as documented" \
	python3 "$CT_DIR/compose_check.py" "$ROOT/docker/compose.yml"


# --- container up -----------------------------------------------------------

for p in $SIP_PORT $HTTP_PORT 5270 5274 4470 4474; do
	port_free "$p" || fail "port $p is in use on this machine"
done

ctr_start "$NAME"
t0=$(date +%s.%N)
wait_health 20 || fail "GET /healthz not 200 within 20 s: $("$ENGINE" \
	logs "$NAME" 2>&1 | tail -n 5)"
ok "container healthy over HTTP in $(elapsed "$t0") s"
check "image HEALTHCHECK reports healthy" healthy

pid=$("$ENGINE" inspect -f '{{.State.Pid}}' "$NAME")
huid=$(awk '/^Uid:/ {print $2}' "/proc/$pid/status" 2>/dev/null)
cuid=$("$ENGINE" exec "$NAME" id -u 2>/dev/null)
log "chorusd: host pid $pid uid $huid; uid in the container $cuid"
[ -n "$huid" ] && [ "$huid" != 0 ] && [ -n "$cuid" ] && [ "$cuid" != 0 ] &&
	ok "chorusd runs as a non-root user (uid $cuid)" ||
	bad "chorusd runs as uid '$huid' (host) / '$cuid' (container)"


# --- a call through the container ---------------------------------------------

api_expect 201 POST /v1/rooms "{\"name\":\"$ROOM\",\"persistent\":true}"
ok "room $ROOM (persistent) created through the API"

make_tone "$T/t440.wav" 440
make_tone "$T/t1000.wav" 1000
bs_setup alice 5270 4470 21200 opus/48000/2 "$T/t440.wav"
bs_setup bob   5274 4474 21210 G722/16000/1 "$T/t1000.wav"
bs_start alice "$URI" 60
sleep 0.3
bs_start bob "$URI" 60

wait_participants $ROOM 2 10
for p in alice bob; do
	bs_wait_log $p 'Call established' 5 ||
		fail "$p: no 'Call established' in its log"
done
ok "alice (Opus) and bob (G.722) in the room"
log "talking for $TALK_SECS s"
sleep $TALK_SECS
api GET /v1/rooms/$ROOM/participants > /dev/null
log "participants: $(json '"; ".join("%s %s packets in %s out %s" % (
	p.get("uri"), p.get("codec"), p.get("stats", {}).get("packets_in"),
	p.get("stats", {}).get("packets_out")) for p in d["participants"])' 2>&1)"


# --- container stop: BYE to both, exit 0, quickly ------------------------------

ctr_stop "$NAME"
[ "$STOP_RC" = 0 ] && ok "chorusd exit status 0 on container stop" ||
	bad "exit status '$STOP_RC' on container stop (137: killed)"
awk -v s="$STOP_SECS" 'BEGIN {exit !(s < 5)}' &&
	ok "container stopped in $STOP_SECS s (< 5 s)" ||
	bad "container stop took $STOP_SECS s (want < 5 s)"

for p in alice bob; do
	bs_wait_log $p 'session closed: Connection reset by peer' 5 &&
		ok "$p received the BYE" ||
		bad "$p got no BYE: $(grep -E 'session closed|terminated' \
			"$T/$p.log" | tail -n 2)"
	bs_stop $p
done

heard()
{
	local rec

	rec=$(bs_recording "$1")
	[ -n "$rec" ] || { log "$1: no recording in $T/$1/rec"; return 1; }
	tones_check "$rec" 1 "$2" "$3"
}
check "alice hears bob's 1000 Hz and not her 440 Hz" heard alice 1000 440
check "bob hears alice's 440 Hz and not his 1000 Hz" heard bob 440 1000

"$ENGINE" logs "$NAME" > "$T/chorusd.log" 2>&1
nl=$(grep -c . "$T/chorusd.log")
odd=$(grep -vEc '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z (debug|info|warn|error) +[^ ]' \
	"$T/chorusd.log")
[ "$nl" -gt 0 ] && [ "$odd" = 0 ] &&
	ok "logs: $nl lines, each 'time level message'" ||
	bad "logs: $odd of $nl lines are not 'time level message': $(grep -vE \
		'^[0-9]{4}-[0-9-]+T[0-9:.]+Z (debug|info|warn|error) ' \
		"$T/chorusd.log" | head -n 3)"
grep -q 'signal 15' "$T/chorusd.log" && ok "SIGTERM logged" ||
	bad "no 'signal 15' line in the logs"


# --- the data volume keeps the rooms; the token guards the API ---------------

NAME2=$NAME-2
TOKEN=ctest-token-0123456789abcdef
ctr_start "$NAME2" -e CHORUS_API_TOKEN=$TOKEN
wait_health 20 || fail "second container: /healthz not 200 within 20 s"
NAME=$NAME2 check "HEALTHCHECK healthy with a token set" healthy
code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$HTTP_URL/v1/rooms/$ROOM")
[ "$code" = 401 ] && ok "API without the token: 401" ||
	bad "API without the token: HTTP $code, want 401"
code=$(curl -s -o "$T/http.body" -m 5 -w '%{http_code}' \
	-H "Authorization: Bearer $TOKEN" "$HTTP_URL/v1/rooms/$ROOM")
[ "$code" = 200 ] && ok "room $ROOM restored from the data volume" ||
	bad "GET /v1/rooms/$ROOM after a restart: HTTP $code"
ctr_stop "$NAME2"
[ "$STOP_RC" = 0 ] && ok "second container: exit status 0" ||
	bad "second container: exit status '$STOP_RC'"
