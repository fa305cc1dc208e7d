#!/bin/bash
# latency.sh: the latency chorusd adds to a talker's audio, at several
# amounts of network jitter.
#
# Usage: bench/latency.sh [JITTER_MS...]      (as root; default: 0 30)
# Environment:
#   BUILD        build dir (default build): chorusd and impair come from it
#   LAT_CALLS    talker calls per jitter value (default 8)
#   LAT_ONSETS   tone onsets per call (default 2)
#
# Each jitter value has its own network namespace (unshare -n, loopback
# only) and a fresh chorusd with room "demo" and two PCMU callers
# (tests/tools/rtp_caller.py):
#
#   listener  sends silence; chorusd sends it the mix, i.e. the talker
#   talker    LAT_CALLS calls one after the other, each with LAT_ONSETS
#             440 Hz bursts (1 s on, 1.013 s off: the onsets fall at
#             different places within a 20 ms packet), its RTP through
#             build/impair --jitter MS --seed N for call N (no loss,
#             no reordering)
#
# Each call starts at a new phase of chorusd's 20 ms room tick, so the
# calls sample how the tick's phase adds to the delay. tcpdump on lo
# captures each call: the talker's packets going into the relay, the same
# packets arriving at chorusd, and chorusd's packets to the listener.
# bench/latency.py finds every tone onset in the stream arriving at
# chorusd and in the stream leaving it (Goertzel, 10 ms windows, refined
# to the sample) and takes the difference of their capture times plus the
# onsets' offsets in their packets. Prints one line per onset, then a
# table per jitter value [ms]: median, p90 (nearest rank), min and max of
# all onsets; "quiet": the count, median and p90 of the onsets of calls
# in which the host kept its pace (no stall over 10 ms: the talker's or
# chorusd's packet spacing beyond 20 ms, or the relay holding a packet
# beyond the jitter asked for; a stall looks like network jitter to
# chorusd's jitter buffer, which may then raise its delay for a while);
# from_src: the median from the relay's input, the relay's delay included;
# stall: the longest host stall seen; j_api: the jitter_ms chorusd
# reported for the talker (median over the calls). The talker and the
# relay run with real-time priority (chrt -f 10) when allowed.
# Logs, pcaps and results.txt go to $BUILD/bench-latency/. Exit status 0,
# 1 if a run could not be measured, 2 on usage errors.

set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in
/*) BUILD_DIR=$BUILD ;;
*) BUILD_DIR=$ROOT/$BUILD ;;
esac
OUT=$BUILD_DIR/bench-latency
CALLS=${LAT_CALLS:-8}
ONSETS=${LAT_ONSETS:-2}
TARGET_MS=50          # at most this much added on a clean network

# --- outer: one namespace per jitter value, then the table ---------------

if [ -z "${LAT_INNER:-}" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "latency.sh: needs root (unshare -n)" >&2
		exit 2
	fi
	for x in "$BUILD_DIR/chorusd" "$BUILD_DIR/impair"; do
		[ -x "$x" ] || { echo "latency.sh: $x not built" \
			"(make $BUILD/chorusd tools)" >&2; exit 2; }
	done
	for c in tcpdump python3; do
		command -v $c > /dev/null ||
			{ echo "latency.sh: $c not found" >&2; exit 2; }
	done
	jitters=("$@")
	[ ${#jitters[@]} -gt 0 ] || jitters=(0 30)
	for j in "${jitters[@]}"; do
		case $j in
		'' | *[!0-9]*) echo "latency.sh: bad jitter '$j'" >&2
			exit 2 ;;
		esac
	done
	for v in "$CALLS" "$ONSETS"; do
		case $v in
		'' | *[!0-9]* | 0) echo "latency.sh: bad LAT_CALLS or" \
			"LAT_ONSETS" >&2; exit 2 ;;
		esac
	done
	run_timeout=$((CALLS * (ONSETS * 2 + 10) + 60))

	rm -rf "$OUT"
	mkdir -p "$OUT"
	rc=0
	for j in "${jitters[@]}"; do
		echo "== jitter $j ms ($CALLS calls of $ONSETS onsets)"
		# timeout's process group holds the run and all it starts;
		# the run stops its own processes, the group is swept after
		timeout -k 10 "$run_timeout" unshare -n \
			env LAT_INNER=1 T="$OUT/j$j" E2E_NETNS=1 BUILD="$BUILD" \
			bash -c 'ip link set lo up && exec bash "$0" "$1"' \
			"$0" "$j" > "$OUT/j$j.log" 2>&1 < /dev/null &
		group=$!
		wait $group
		st=$?
		kill -KILL -- "-$group" 2>/dev/null
		grep -E '^onset ' "$OUT/j$j.log" | sed 's/^/  /'
		if [ $st != 0 ] || [ ! -s "$OUT/j$j/result.json" ]; then
			echo "  run failed (status $st), see $OUT/j$j.log:"
			tail -n 15 "$OUT/j$j.log" | sed 's/^/  | /'
			rc=1
		fi
	done

	python3 - "$OUT" "$TARGET_MS" "${jitters[@]}" > "$OUT/results.txt" <<'PY'
import json, os, sys
out, target, js = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
print('tone onset: arrival at chorusd -> sent to the listener [ms]')
print('%-7s %6s %7s %7s %7s %7s | %5s %7s %7s | %8s %6s %6s' % (
      'jitter', 'onsets', 'median', 'p90', 'min', 'max', 'quiet',
      'median', 'p90', 'from_src', 'stall', 'j_api'))
for j in js:
	p = os.path.join(out, 'j%s' % j, 'result.json')
	try:
		with open(p) as f:
			r = json.load(f)
	except (OSError, ValueError):
		print('%-7s %6s' % (j + ' ms', 'failed'))
		continue
	s = r['summary']
	q = s.get('quiet_onsets', 0)
	print('%-7s %6d %7.1f %7.1f %7.1f %7.1f | %5d %7s %7s | %8s %6s %6s' % (
		j + ' ms', s['onsets'], s['median_ms'], s['p90_ms'],
		s['min_ms'], s['max_ms'], q,
		'%.1f' % s['quiet_median_ms'] if q else '-',
		'%.1f' % s['quiet_p90_ms'] if q else '-',
		s.get('src_median_ms', '-'), s.get('stall_max_ms', '-'),
		r.get('api_jitter_ms', '-')))
	if j == '0':
		ok = s['median_ms'] <= target and s['p90_ms'] <= target
		print('# clean network: median %.1f, p90 %.1f ms (all onsets): '
		      'target <= %.0f ms %s' % (s['median_ms'], s['p90_ms'],
					      target, 'met' if ok else 'MISSED'))
PY
	echo
	cat "$OUT/results.txt"
	exit $rc
fi

# --- inner: one jitter value ($1), inside its own namespace --------------

# shellcheck source=../tests/e2e/lib.sh
. "$ROOT/tests/e2e/lib.sh"
need_netns

JITTER=$1
CALLER=$ROOT/tests/tools/rtp_caller.py
URI=sip:demo@127.0.0.1:$SIP_PORT
TALK_SIP=5100
TALK_RTP=12000
RELAY_PORT=12100
LIST_SIP=5102
LIST_RTP=12002
LEAD=1.5
ON=1
OFF=1.013
# the relay and the talker keep their pace on a busy host: real-time
# priority (chorusd runs as it would anyway)
RT=
chrt -f 10 true 2>/dev/null && RT="chrt -f 10"
log "relay and talker priority: ${RT:-normal (chrt refused)}"
SECS=$(python3 -c "print('%.2f' % ($LEAD + $ONSETS * ($ON + $OFF) - $OFF / 2))")

chorusd_start
room_create demo

# the listener stays for all the talker's calls; SIGTERM ends its call
log "listener: silence"
python3 "$CALLER" "$URI" --name listener --sip-port $LIST_SIP \
	--rtp-port $LIST_RTP --tone 0 --secs 600 \
	--media-file "$T/listener.media" > "$T/listener.log" 2>&1 &
LIST_PID=$!
track_pid $LIST_PID
wait_participants demo 1 10

# talker_call N: one call of the talker, captured to callN.pcap and
# measured into callN.json
talker_call()
{
	local n=$1 i m_addr m_port

	rm -f "$T/talker.media" "$T/relay.up" "$T/talker.done"
	log "call $n: talker, 440 Hz, $ONSETS bursts, RTP via the relay"
	python3 "$CALLER" "$URI" --name talker --sip-port $TALK_SIP \
		--rtp-port $TALK_RTP --send-to 127.0.0.1:$RELAY_PORT \
		--media-file "$T/talker.media" --wait-file "$T/relay.up" \
		--done-file "$T/talker.done" --tone 440 --lead $LEAD --on $ON \
		--off $OFF --secs "$SECS" --linger 0.5 --rt \
		> "$T/talker$n.log" 2>&1 &
	TALK_PID=$!
	track_pid $TALK_PID
	for ((i = 0; i < 100; i++)); do
		[ -s "$T/talker.media" ] && break
		alive $TALK_PID || break
		sleep 0.1
	done
	[ -s "$T/talker.media" ] ||
		fail "talker: no 200 OK: $(cat "$T/talker$n.log")"
	read -r m_addr m_port < "$T/talker.media"

	tcpdump -i lo -n -s 300 -U -B 4096 -w "$T/call$n.pcap" \
		"udp and (dst port $m_port or dst port $RELAY_PORT or
		 dst port $LIST_RTP)" > "$T/tcpdump$n.log" 2>&1 &
	TCPDUMP_PID=$!
	track_pid $TCPDUMP_PID
	for ((i = 0; i < 50; i++)); do
		grep -q 'listening on' "$T/tcpdump$n.log" && break
		sleep 0.1
	done
	grep -q 'listening on' "$T/tcpdump$n.log" ||
		fail "tcpdump did not start: $(cat "$T/tcpdump$n.log")"

	$RT "$BUILD_DIR/impair" -l 127.0.0.1:$RELAY_PORT -f "$m_addr:$m_port" \
		--jitter "$JITTER" --seed "$n" --duration $((${SECS%.*} + 20)) \
		> "$T/impair$n.out" 2> "$T/impair$n.log" < /dev/null &
	IMPAIR_PID=$!
	track_pid $IMPAIR_PID
	for ((i = 0; i < 50; i++)); do
		ss -Hlun "sport = :$RELAY_PORT" 2>/dev/null | grep -q . &&
			break
		sleep 0.05
	done
	alive $IMPAIR_PID || fail "impair exited: $(cat "$T/impair$n.log")"
	: > "$T/relay.up"

	for ((i = 0; i < ${SECS%.*} + 15; i++)); do
		[ -e "$T/talker.done" ] && break
		sleep 1
	done
	[ -e "$T/talker.done" ] || fail "the talker did not finish"
	api_expect 200 GET /v1/rooms/demo/participants
	json '[p for p in d["participants"]
		if "talker@" in p["uri"]][0]["stats"]["jitter_ms"]' \
		>> "$T/api_jitter.txt"

	wait_gone $TALK_PID 10 || fail "the talker did not hang up"
	kill -INT $TCPDUMP_PID
	wait_gone $TCPDUMP_PID 5 || kill -KILL $TCPDUMP_PID
	kill -TERM $IMPAIR_PID
	wait_gone $IMPAIR_PID 3
	log "call $n: talker $(grep -h '^sent' "$T/talker$n.log");" \
		"relay $(cat "$T/impair$n.out")"
	wait_participants demo 1 10

	python3 "$ROOT/bench/latency.py" "$T/call$n.pcap" \
		--in-port "$m_port" --out-port $LIST_RTP \
		--src-port $RELAY_PORT --jitter "$JITTER" \
		--json "$T/call$n.json" ||
		log "call $n: no latency measured"
}

for ((c = 1; c <= CALLS; c++)); do
	talker_call $c
done

kill -TERM $LIST_PID
wait_gone $LIST_PID 10 || log "the listener did not end its call"
chorusd_stop 5

ls "$T"/call*.json > /dev/null 2>&1 || fail "no latency measured"
python3 "$ROOT/bench/latency.py" --merge "$T/all.json" "$T"/call*.json ||
	fail "no latency measured"
python3 - "$T/all.json" "$T/api_jitter.txt" "$T/result.json" <<'PY'
import json, statistics, sys
with open(sys.argv[1]) as f:
	r = json.load(f)
with open(sys.argv[2]) as f:
	j = [int(x) for x in f.read().split()]
r['api_jitter_ms'] = round(statistics.median(j)) if j else None
with open(sys.argv[3], 'w') as f:
	json.dump(r, f, indent=1)
PY
log "done"
