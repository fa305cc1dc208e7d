#!/bin/bash
# test_impair: one participant's RTP passes through an impairment relay
# (build/impair: 5% random loss, 30 ms jitter, 1% reordering); the other
# participant must hear its tone without a gap longer than 60 ms, and the
# loss chorusd reports for the impaired participant must be within 1
# percentage point of the loss the relay made.
#
#   amy  440 Hz  PCMU  tests/tools/rtp_caller.py, RTP via build/impair
#   bob 1000 Hz  PCMU  baresip, records what it hears
#
# The relay's own counts give the injected loss (dropped / in); chorusd's
# stats are read near the end of the call, once amy's stream has ended.
# tcpdump records amy's packets before and after the relay and chorusd's
# packets to bob, so that a gap can be placed: in amy's sending, in the
# arrivals at chorusd, in chorusd's output (decoded by RTP timestamp to
# out_bob.wav and measured the same way) or only in bob's recording.
# amy and the relay run with real-time priority (chrt) when allowed. Still,
# a round where amy sent a packet more than 40 ms late, or where the relay
# held one more than 40 ms beyond the jitter asked for (a stalled host, not
# the impairment asked for), does not count if its gap check fails, and is
# run again, at most 3 rounds in all.
#
# Environment: IMPAIR_SEED (default 1) seeds the relay's random losses,
# delays and reorderings; IMPAIR_LOSS, IMPAIR_JITTER, IMPAIR_REORDER
# (default 5, 30, 1) change the impairment; GAP_MAX_MS (default 60).

. "$(dirname "$0")/lib.sh"
need_netns

ROOM=demo
URI=sip:$ROOM@127.0.0.1:$SIP_PORT
IMPAIR=${IMPAIR:-$BUILD_DIR/impair}
CALLER=$ROOT/tests/tools/rtp_caller.py
SEED=${IMPAIR_SEED:-1}
LOSS=${IMPAIR_LOSS:-5}
JITTER=${IMPAIR_JITTER:-30}
REORDER=${IMPAIR_REORDER:-1}
GAP_MAX=${GAP_MAX_MS:-60}
STREAM_SECS=20       # amy's tone through the relay
RELAY_PORT=12100     # the relay's client side; amy sends here
AMY_SIP=5100
AMY_RTP=12000
BOB_RTP=10010        # bob's RTP ports: 10010-10019
LATE_MAX_MS=40       # amy's pace: a packet sent later than this voids a round
AMY_JSON='[p for p in d["participants"] if "amy@" in p["uri"]][0]'
T0=$T

[ -x "$IMPAIR" ] || fail "$IMPAIR not built (make tools)"

# the relay and amy keep their pace on a busy host: real-time priority
# (chorusd and bob run as they would anyway)
RT=
chrt -f 10 true 2>/dev/null && RT="chrt -f 10"
command -v tcpdump > /dev/null || skip "no tcpdump"

# w EXPR: a bit of arithmetic with decimals, for tonedet's -s and -d
w()
{
	python3 -c "print('%.2f' % max(0.0, $1))"
}

# gap_span FILE: "first_s last_s" of a tonedet -g output
gap_span()
{
	awk '$1 == "gap" {
		for (i = 1; i < NF; i++) {
			if ($i == "first_s") f = $(i + 1)
			if ($i == "last_s") l = $(i + 1)
		}
		print f, l }' "$1"
}

# steady_gap WAV NAME: longest 440 Hz gap [ms] of the steady part of WAV,
# 1 s after the tone starts to 1 s before it ends (-1: no tone)
steady_gap()
{
	local first last

	"$TONEDET" -g 440 "$1" > "$T/$2_all.txt" 2>&1 || { echo -1; return; }
	read -r first last <<< "$(gap_span "$T/$2_all.txt")"
	python3 -c "import sys; sys.exit(not ($last - $first > $STREAM_SECS - 3))" ||
		{ echo -1; return; }
	"$TONEDET" -g 440 -s "$(w "$first + 1")" -d "$(w "$last - $first - 2")" \
		"$1" > "$T/$2.txt" 2>&1 || { echo -1; return; }
	awk '$1 == "gap" {print $4}' "$T/$2.txt"
}

# pcap_report PCAP MEDIA_PORT: packets and longest pauses of each stream;
# writes chorusd's RTP to bob, laid out by timestamp, to out_bob.wav
pcap_report()
{
	ROOT=$ROOT python3 - "$1" "$RELAY_PORT" "$2" "$BOB_RTP" \
		"$T/out_bob.wav" <<'PY'
import os, sys, wave
sys.dont_write_bytecode = True
sys.path.insert(0, os.environ['ROOT'] + '/bench')
import latency as L
pcap, relay, mport, bob = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), \
	int(sys.argv[4])
ports = [relay, mport] + list(range(bob, bob + 10, 2))
st = L.rtp_streams(pcap, ports)
src, arr = st[relay], st[mport]
out = max((st[p] for p in ports[2:]), key=len)
if not src or not arr or not out:
	sys.exit('missing streams: sent %d arrived %d out %d' %
		 (len(src), len(arr), len(out)))
t0 = src[0][0]
def longest(pk):
	d, at = max((b[0] - a[0], a[0] - t0) for a, b in zip(pk, pk[1:]))
	return '%.0f ms at %.2f s' % (d * 1000, at)
print('packets: amy sent %d, chorusd got %d, chorusd sent bob %d' %
      (len(src), len(arr), len(out)))
print('longest pause (s from amy\'s first packet): amy sending %s; '
      'arriving at chorusd %s; chorusd to bob %s' %
      (longest(src), longest(arr), longest(out)))
tl = L.Timeline(out)
with wave.open(sys.argv[5], 'wb') as w:
	w.setnchannels(1)
	w.setsampwidth(2)
	w.setframerate(8000)
	w.writeframes(b''.join(int(v).to_bytes(2, 'little', signed=True)
			       for v in tl.sig))
print('out_bob.wav starts %.2f s after amy\'s first packet' %
      (tl.times[0] - t0))
sent = {}
for p in src:
	sent.setdefault(p[1], p[0])
d = [p[0] - sent[p[1]] for p in arr if p[1] in sent]
print('relay_max_ms %.1f (the longest a packet stayed in the relay)' %
      (max(d) * 1000 if d else -1))
PY
}

# round N: one call of amy and bob through a fresh chorusd, logs in
# $T0/roundN; returns 0 pass, 1 fail, 3 void (amy could not keep her pace)
round()
{
	local n=$1 i m_addr m_port stats counts rc res injected reported lost \
		pin jit late held rec gap out_gap ok=1

	T=$T0/round$n
	mkdir -p "$T"
	log "--- round $n (seed $SEED), logs in $T"

	chorusd_start
	room_create $ROOM

	bs_setup bob 5080 4441 $BOB_RTP PCMU/8000/1 "$T0/t1000.wav"
	bs_start bob "$URI" 70
	wait_participants $ROOM 1 10
	bs_wait_log bob 'Call established' 5 ||
		fail "bob: no 'Call established'"

	# amy learns chorusd's RTP port from the 200 OK, writes it to
	# amy.media and waits for relay.up before she sends
	log "amy (rtp_caller) dials, RTP via the relay at 127.0.0.1:$RELAY_PORT"
	python3 "$CALLER" "$URI" --name amy --sip-port $AMY_SIP \
		--rtp-port $AMY_RTP --send-to 127.0.0.1:$RELAY_PORT \
		--media-file "$T/amy.media" --wait-file "$T/relay.up" \
		--done-file "$T/amy.done" --tone 440 --secs $STREAM_SECS \
		--linger 4 --rt > "$T/amy.log" 2>&1 < /dev/null &
	AMY_PID=$!
	track_pid $AMY_PID

	for ((i = 0; i < 100; i++)); do
		[ -s "$T/amy.media" ] && break
		alive $AMY_PID || break
		sleep 0.1
	done
	[ -s "$T/amy.media" ] || fail "amy got no 200 OK: $(cat "$T/amy.log")"
	read -r m_addr m_port < "$T/amy.media"
	log "chorusd's RTP port for amy: $m_addr:$m_port"

	capture_start "$T/impair.pcap" \
		"udp and (dst port $m_port or dst port $RELAY_PORT or
		 dst portrange $BOB_RTP-$((BOB_RTP + 9)))" 300

	log "relay: loss $LOSS% jitter $JITTER ms reorder $REORDER% seed $SEED"
	$RT "$IMPAIR" -l 127.0.0.1:$RELAY_PORT -f "$m_addr:$m_port" \
		--loss "$LOSS" --jitter "$JITTER" --reorder "$REORDER" \
		--seed "$SEED" --duration $((STREAM_SECS + 20)) \
		> "$T/impair.out" 2> "$T/impair.log" < /dev/null &
	IMPAIR_PID=$!
	track_pid $IMPAIR_PID
	for ((i = 0; i < 50; i++)); do
		ss -Hlun "sport = :$RELAY_PORT" 2>/dev/null | grep -q . && break
		sleep 0.05
	done
	alive $IMPAIR_PID || fail "impair exited: $(cat "$T/impair.log")"
	: > "$T/relay.up"

	wait_participants $ROOM 2 10
	log "streaming for $STREAM_SECS s"
	for ((i = 0; i < STREAM_SECS + 10; i++)); do
		[ -e "$T/amy.done" ] && break
		sleep 1
		if ((i % 4 == 3)); then
			api GET /v1/rooms/$ROOM/participants > /dev/null
			log "  amy stats: $(json "${AMY_JSON}[\"stats\"]" 2>&1)"
		fi
	done
	[ -e "$T/amy.done" ] || fail "amy did not finish streaming"

	# late packets come in within the relay's jitter; then read the
	# stats while amy is still in the call
	sleep 0.5
	api_expect 200 GET /v1/rooms/$ROOM/participants
	stats=$(json "${AMY_JSON}[\"stats\"]") || fail "no amy in the list"
	log "amy final stats: $stats"

	kill -TERM $IMPAIR_PID
	wait_gone $IMPAIR_PID 3 || fail "impair ignored SIGTERM"
	counts=$(cat "$T/impair.out")
	log "relay counts: $counts"

	wait_gone $AMY_PID 10 || fail "amy did not end her call"
	wait $AMY_PID
	rc=$?
	log "amy: $(tr '\n' ';' < "$T/amy.log")"
	[ $rc = 0 ] || fail "rtp_caller exit status $rc"

	bs_ctrl bob hangup > /dev/null
	wait_participants $ROOM 0 10
	bs_stop bob
	capture_stop
	chorusd_stop 5

	pcap_report "$T/impair.pcap" "$m_port" > "$T/pcap.txt" 2>&1 ||
		log "pcap analysis failed:"
	sed 's/^/    /' "$T/pcap.txt"

	# --- loss: reported vs injected ---------------------------------

	res=$(python3 - "$counts" "$stats" <<'PY'
import json, sys
c = dict(kv.split('=') for kv in sys.argv[1].split())
s = json.loads(sys.argv[2])
cin, drop = int(c['c2s_in']), int(c['c2s_dropped'])
inj = 100.0 * drop / cin if cin else 0.0
print('%.2f %.2f %s %s %s' % (inj, float(s['loss_percent']),
      s['packets_lost'], s['packets_in'], s['jitter_ms']))
PY
	) || fail "could not read the counts"
	read -r injected reported lost pin jit <<< "$res"
	log "loss: injected $injected% (relay), reported $reported%" \
		"(chorusd: $lost lost, $pin in), jitter_ms $jit"
	if ! python3 -c "import sys; sys.exit(abs($injected - $reported) > 1.0)"
	then
		log "reported loss $reported% is more than 1 point off $injected%"
		ok=0
	fi

	# --- gaps: bob's recording, and chorusd's RTP to bob ------------

	rec=$(bs_recording bob)
	[ -n "$rec" ] || fail "bob: no recording"
	gap=$(steady_gap "$rec" gap)
	log "tonedet -g 440, bob's recording: $(grep '^gap' "$T/gap.txt" 2>&1)"
	[ "$gap" -ge 0 ] 2>/dev/null ||
		fail "no steady 440 Hz tone in bob's recording: $(cat "$T/gap_all.txt")"
	out_gap=-
	if [ -s "$T/out_bob.wav" ]; then
		out_gap=$(steady_gap "$T/out_bob.wav" out_gap)
		log "tonedet -g 440, chorusd's RTP to bob:" \
			"$(grep '^gap' "$T/out_gap.txt" 2>&1)"
	fi

	late=$(sed -n 's/.*late_max_ms \([0-9.]*\).*/\1/p' "$T/amy.log")
	held=$(sed -n 's/^relay_max_ms \([0-9.-]*\).*/\1/p' "$T/pcap.txt")
	if [ "$gap" -gt "$GAP_MAX" ]; then
		log "longest gap $gap ms > $GAP_MAX ms (in chorusd's output:" \
			"$out_gap ms; amy's latest packet: ${late:-?} ms late;" \
			"the relay held one ${held:-?} ms)"
		if python3 -c "import sys; sys.exit(not (${late:-0} > $LATE_MAX_MS or
			${held:-0} > $JITTER + $LATE_MAX_MS))"
		then
			log "round $n void: amy or the relay stalled (host too" \
				"busy), not the impairment asked for"
			return 3
		fi
		ok=0
	fi
	[ $ok = 1 ] || return 1

	log "seed $SEED: gap $gap ms (chorusd's output $out_gap ms), loss" \
		"injected $injected% reported $reported%, jitter $jit ms;" \
		"amy at most $late ms late, relay held at most $held ms"
	return 0
}

make_tone "$T/t1000.wav" 1000 60

for n in 1 2 3; do
	round $n
	rc=$?
	T=$T0
	[ $rc = 3 ] && continue
	[ $rc = 0 ] || fail "impairment checks failed (seed $SEED, round $n)"
	log "PASS"
	exit 0
done
fail "3 rounds void: amy could not keep her pace on this host"
