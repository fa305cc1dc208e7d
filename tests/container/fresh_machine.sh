#!/bin/bash
# Fresh-machine check: the README's set-up commands in a new minimal
# Debian 12 container (debootstrap minbase: no make, compiler, python3 or
# curl), as root, with the source tree copied in (no git there).
#
#   1. `sh scripts/deps.sh && make run`: chorusd answers GET /healthz
#      (asked from inside), then SIGTERM ends it with status 0
#   2. `make unit`
#   3. whether `unshare -n` works in a default container (the e2e tests
#      need it), then `make test` in a container with no network, given
#      CAP_SYS_ADMIN, CAP_NET_ADMIN and CAP_NET_RAW (as a root shell on a
#      real machine has them)
#
# usage (as root): tests/container/fresh_machine.sh   (make test-fresh-machine)
# The first container has its own network namespace behind slirp4netns
# (user-mode NAT: apt reaches the mirror; chorusd's default ports clash
# with nothing on the host). Logs: build/fresh-logs/. Takes ~5-15 min.

CT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$CT_DIR/../.." && pwd)
T=$ROOT/build/fresh-logs
rm -rf "$T"
mkdir -p "$T"
exec > >(tee "$T/output.log") 2>&1

NAME=chorus-fresh-$$
IMAGE2=localhost/chorus-fresh-$$
PASSED=0
FAILED=0

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*"; }
ok() { log "ok: $*"; PASSED=$((PASSED + 1)); }
bad() { log "FAIL: $*"; FAILED=$((FAILED + 1)); }

finish()
{
	podman rm -f -v "$NAME" "$NAME-caps" > /dev/null 2>&1
	podman rmi -f "$IMAGE2" > /dev/null 2>&1
	echo "$PASSED passed, $FAILED failed"
	[ "$FAILED" = 0 ] && [ "$PASSED" -gt 0 ]
}
trap 'finish; exit $?' EXIT
trap 'log "interrupted"; exit 1' INT TERM

# in CMD: run a bash command in the fresh container, from /root/chorus
in_ctr() { podman exec -i -w /root/chorus "$NAME" bash -c "$1"; }

[ "$(id -u)" = 0 ] || { bad "run as root"; exit 1; }
"$CT_DIR/setup.sh" > "$T/setup.log" 2>&1 ||
	{ bad "setup.sh: $(tail -n 3 "$T/setup.log")"; exit 1; }
"$ROOT/docker/debian-base.sh" podman > "$T/base.log" 2>&1 ||
	{ bad "debian-base.sh: $(tail -n 3 "$T/base.log")"; exit 1; }
podman run -d --name "$NAME" --network slirp4netns --no-healthcheck \
	debian:bookworm sleep 7200 > "$T/run.log" 2>&1 ||
	{ bad "podman run: $(tail -n 3 "$T/run.log")"; exit 1; }
tar -C "$ROOT" --exclude=./.git --exclude=./build --exclude=./build-asan \
	-c . | podman exec -i "$NAME" bash -c \
	'mkdir -p /root/chorus && tar -x -C /root/chorus'
log "source copied into $NAME; running: sh scripts/deps.sh && make run"

# 1. the README's first command, in the background; chorusd answers, then
# SIGTERM to it (the child of make) must end make run with status 0
# shellcheck disable=SC2016 # expanded in the container
in_ctr '
	(sh scripts/deps.sh && exec make run) > /root/first.log 2>&1 &
	pid=$!
	up=0
	for i in $(seq 1200); do
		kill -0 $pid 2>/dev/null || break
		if [ -x /usr/bin/curl ] && curl -sf -m 1 \
			http://127.0.0.1:8080/healthz > /root/healthz.json; then
			up=1
			break
		fi
		sleep 1
	done
	echo "healthz: up=$up after ${i}s: $(cat /root/healthz.json 2>/dev/null)"
	c=$(ps -o pid= --ppid $pid 2>/dev/null | head -n 1)
	[ -n "$c" ] && kill -TERM $c
	wait $pid
	rc=$?
	echo "make run exit status $rc"
	[ $up = 1 ] && [ $rc = 0 ]
' > "$T/first.out" 2>&1
rc=$?
podman exec "$NAME" cat /root/first.log > "$T/first.log" 2>&1
cat "$T/first.out"
if [ $rc = 0 ]; then
	ok "sh scripts/deps.sh && make run: /healthz 200, SIGTERM exit 0"
else
	bad "sh scripts/deps.sh && make run (tail of $T/first.log):"
	tail -n 25 "$T/first.log"
fi

# 2. make unit
if in_ctr 'make unit' > "$T/unit.log" 2>&1; then
	ok "make unit ($(grep -c '^\[  PASSED' "$T/unit.log") binaries passed)"
else
	bad "make unit: $(tail -n 15 "$T/unit.log")"
fi

# 3. unshare -n in a default container, then make test with the
# capabilities the e2e harness needs (netns, lo up, tcpdump)
if in_ctr 'unshare -n true' > "$T/unshare.log" 2>&1; then
	log "unshare -n works in a default container"
else
	log "unshare -n fails in a default container: $(cat "$T/unshare.log")"
fi
podman commit -q "$NAME" "$IMAGE2" > /dev/null 2>&1
podman run -d --name "$NAME-caps" --network none --no-healthcheck \
	--cap-add SYS_ADMIN,NET_ADMIN,NET_RAW "$IMAGE2" sleep 7200 \
	> /dev/null 2>&1
if podman exec -w /root/chorus "$NAME-caps" bash -c \
	'unshare -n sh -c "ip link set lo up" && make test' \
	> "$T/test.log" 2>&1; then
	ok "make test with CAP_SYS_ADMIN, NET_ADMIN, NET_RAW: $(grep -E \
		'passed, [0-9]+ failed' "$T/test.log" | tail -n 1)"
else
	bad "make test: $(grep -E 'passed, [0-9]+ failed|FAIL' "$T/test.log" |
		tail -n 8)"
fi
podman cp "$NAME-caps:/root/chorus/build/e2e-logs" "$T/e2e-logs" \
	> /dev/null 2>&1
