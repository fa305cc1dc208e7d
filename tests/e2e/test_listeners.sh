#!/bin/bash
# test_listeners: one talker and 20 silent listeners share encodes.
#  1. A baresip talker (Opus, 440 Hz) joins room demo; the room stats show
#     1 talker.
#  2. 20 sipp listeners (20 processes, each its own SIP, media and control
#     port) join with PCMU/20 ms and send u-law silence (0xFF). With all 21
#     in, GET /v1/rooms/demo is sampled 10 times: every sample must show
#     participant_count 21 and encodes_per_tick <= 2, and at least 9 of the
#     10 must show exactly encodes_per_tick 2 and talkers 1 (the talker's
#     own encode plus one shared PCMU encode for the listeners, not 21).
#  3. Every listener's call ends with BYE -> 200 (sipp exit 0), and the RTP
#     chorusd sent to each listener's media port (captured with tcpdump) is
#     PCMU only, at least half the packets of the call, and carries the
#     talker's 440 Hz.
#  4. The talker hears neither its own tone nor anything else (mix-minus of
#     silent listeners).

. "$(dirname "$0")/lib.sh"
need_netns

ROOM=demo
NLISTEN=20
LISTEN_MS=15000       # each listener's call, from its ACK to its BYE
NSAMPLES=10
MP_BASE=6100          # listener i (1..N) uses media port MP_BASE + 10*i
SP_BASE=5100          # ... SIP port SP_BASE + i
CP_BASE=8900          # ... sipp control port CP_BASE + i

chorusd_start
room_create $ROOM

# room_stats: GET the room, print "count encodes talkers"
room_stats()
{
	api GET "/v1/rooms/$ROOM" > /dev/null
	[ "$HTTP_STATUS" = 200 ] || { echo "http$HTTP_STATUS - -"; return; }
	json '"%d %d %d" % (d["participant_count"],
		d["stats"]["encodes_per_tick"], d["stats"]["talkers"])' \
		2>/dev/null || echo "badjson - -"
}

# --- 1. the talker ------------------------------------------------------------
make_tone "$T/t440.wav" 440 40
bs_setup talker 5080 4440 10000 opus/48000/2 "$T/t440.wav"
bs_start talker sip:$ROOM@127.0.0.1:$SIP_PORT 60
wait_participants $ROOM 1 10
bs_wait_log talker 'Call established' 5 ||
	fail "talker: no 'Call established' in its log"

# the mixer must see it as a talker before the listeners come
for ((i = 0; i < 25; i++)); do
	read -r cnt enc tlk <<< "$(room_stats)"
	[ "$tlk" = 1 ] && break
	sleep 0.2
done
[ "$tlk" = 1 ] || fail "talker alone: stats talkers=$tlk, want 1 (count $cnt, encodes $enc)"
log "talker alone: participant_count $cnt encodes_per_tick $enc talkers $tlk"

# --- 2. the listeners -----------------------------------------------------------
capture_start "$T/rtp.pcap" \
	"udp and src portrange 20000-20999 and dst portrange $((MP_BASE + 10))-$((MP_BASE + 10 * NLISTEN))"

declare -A LPID
log "$NLISTEN sipp listeners join $ROOM (PCMU silence, ${LISTEN_MS} ms each)"
for ((i = 1; i <= NLISTEN; i++)); do
	mkdir -p "$T/sipp-l$i"
	head -c 8000 /dev/zero | tr '\0' '\377' > "$T/sipp-l$i/silence.ulaw"
	SIPP_PORT=$((SP_BASE + i)) run_sipp l$i "$SIPP_SCEN/listen_silence.xml" \
		$ROOM -mp $((MP_BASE + 10 * i)) -cp $((CP_BASE + i)) \
		-d $LISTEN_MS &
	LPID[$i]=$!
	track_pid "${LPID[$i]}"
done

wait_participants $ROOM $((NLISTEN + 1)) 10
log "all $((NLISTEN + 1)) participants in; sampling the room stats"
sleep 1

# Take the samples with curl alone (cheap even on a loaded machine), then
# judge them all at once
for ((s = 0; s < NSAMPLES; s++)); do
	curl -s -m 2 -o "$T/stats-$s.json" "$HTTP_URL/v1/rooms/$ROOM" ||
		: > "$T/stats-$s.json"
	date +%T.%3N > "$T/stats-$s.time"
	sleep 0.3
done
verdict=$(python3 - "$T" $NSAMPLES $((NLISTEN + 1)) <<'EOF2'
import json, sys
t, n, want_count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
out, good, bad = [], 0, []
for s in range(n):
	at = open('%s/stats-%d.time' % (t, s)).read().strip()
	try:
		d = json.load(open('%s/stats-%d.json' % (t, s)))
		c = d['participant_count']
		e = d['stats']['encodes_per_tick']
		k = d['stats']['talkers']
	except (ValueError, KeyError, TypeError):
		c = e = k = None
	out.append('%s@%s' % ('%s/%s/%s' % (c, e, k), at))
	if c != want_count:
		bad.append('sample %d: participant_count %s' % (s, c))
	elif e is None or e > 2:
		bad.append('sample %d: encodes_per_tick %s' % (s, e))
	elif e == 2 and k == 1:
		good += 1
print('count/encodes/talkers: ' + ' '.join(out))
if bad:
	print('FAIL ' + '; '.join(bad))
elif good < n - 1:
	print('FAIL only %d of %d samples had encodes_per_tick 2 and talkers 1' % (good, n))
else:
	print('OK %d of %d samples had encodes_per_tick 2 and talkers 1' % (good, n))
EOF2
)
log "stats samples: $(printf '%s\n' "$verdict" | head -n 1)"
case $(printf '%s\n' "$verdict" | tail -n 1) in
OK*) log "$(printf '%s\n' "$verdict" | tail -n 1)" ;;
*) fail "$(printf '%s\n' "$verdict" | tail -n 1)" ;;
esac

# --- 3. every listener hung up cleanly and heard the talker ---------------------
for ((i = 1; i <= NLISTEN; i++)); do
	wait "${LPID[$i]}"
	rc=$?
	[ $rc = 0 ] || fail "listener $i: sipp exit status $rc: $(sipp_report l$i)"
done
log "all listeners: 200 to INVITE, RTP sent, 200 to BYE"
wait_participants $ROOM 1 10

capture_stop

for ((i = 1; i <= NLISTEN; i++)); do
	mp=$((MP_BASE + 10 * i))
	summary=$(python3 "$ROOT/tests/tools/rtp_pcap.py" "$T/rtp.pcap" \
		$mp --src-range 20000-20999 --pt 0 --out "$T/l$i.ul")
	log "listener $i: RTP chorusd -> :$mp: $summary"
	npkt=$(printf '%s\n' "$summary" | awk '{print $2}')
	# a 15 s call at 20 ms is 750 packets; allow for set-up and load
	[ "${npkt:-0}" -ge 375 ] ||
		fail "listener $i: only ${npkt:-0} RTP packets (want >= 375)"
	case $summary in
	*" pt 0 "*) ;;
	*) fail "listener $i: RTP is not (only) PCMU/PT 0: $summary" ;;
	esac
	sox -q -t ul -r 8000 -c 1 "$T/l$i.ul" -e signed -b 16 "$T/l$i.wav" ||
		fail "listener $i: sox could not decode the u-law"
	tones_check "$T/l$i.wav" 1 440 "" ||
		fail "listener $i does not hear the talker's 440 Hz"
done

# --- 4. the talker does not hear itself --------------------------------------------
bs_ctrl talker hangup > /dev/null
wait_participants $ROOM 0 10
bs_stop talker
rec=$(bs_recording talker)
[ -n "$rec" ] || fail "talker: no recording"
tones_check "$rec" 1 "" 440 ||
	fail "the talker hears its own 440 Hz"

chorusd_stop 5
log "PASS"
