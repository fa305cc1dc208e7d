#!/bin/bash
# test_sipp: scripted SIP with sipp.
#  1. INVITE to an unknown room gets 404 (then ACK), over UDP and TCP.
#  2. sipp joins room demo with PCMU next to a baresip caller (G.722,
#     1000 Hz), streams a 440 Hz tone, and hangs up with BYE -> 200.
#     The RTP chorusd sends to sipp's media port is captured with tcpdump:
#     it must be PCMU carrying baresip's 1000 Hz and not sipp's own 440 Hz;
#     baresip must hear sipp's 440 Hz.

. "$(dirname "$0")/lib.sh"
need_netns

ROOM=demo
SIPP_MEDIA=6100

chorusd_start
room_create $ROOM

# --- 1. unknown room -> 404 ---------------------------------------------------
for tr in u1 t1; do
	log "INVITE nosuchroom over $tr, expect 404"
	run_sipp 404-$tr "$SIPP_SCEN/invite_404.xml" nosuchroom -t $tr ||
		fail "404 scenario over $tr failed: $(sipp_report 404-$tr)"
done
chorusd_alive || fail "chorusd died"

# --- 2. a real call with RTP both ways ----------------------------------------
make_tone "$T/t1000.wav" 1000
bs_setup bob 5080 4441 10010 G722/16000/1 "$T/t1000.wav"
bs_start bob sip:$ROOM@127.0.0.1:$SIP_PORT 60
wait_participants $ROOM 1 10

mkdir -p "$T/sipp-call"
sox -q -n -r 8000 -c 1 -e u-law -t raw "$T/sipp-call/tone.ulaw" \
	synth 10 sine 440 vol 0.25 || fail "sox: no u-law tone"

capture_start "$T/rtp.pcap" "udp and dst port $SIPP_MEDIA"

log "sipp joins $ROOM with PCMU"
run_sipp call "$SIPP_SCEN/call_pcmu.xml" $ROOM -mp $SIPP_MEDIA &
SIPP_PID=$!
track_pid $SIPP_PID

# while sipp talks (5 s), the room lists both callers
wait_participants $ROOM 2 5
codecs=$(json '",".join(sorted(p["codec"] for p in d["participants"]))')
[ "$codecs" = "G722,PCMU" ] ||
	fail "participant codecs are '$codecs', want G722,PCMU"

wait "$SIPP_PID"
rc=$?
[ $rc = 0 ] || fail "sipp call exit status $rc: $(sipp_report call)"
log "sipp: 200 to INVITE, RTP sent, 200 to BYE"
wait_participants $ROOM 1 5

capture_stop

# RTP from chorusd's media ports to sipp's media port
summary=$(python3 "$ROOT/tests/tools/rtp_pcap.py" "$T/rtp.pcap" \
	$SIPP_MEDIA --src-range 20000-20999 --pt 0 --out "$T/back.ul")
log "RTP chorusd -> sipp: $summary"
npkt=$(printf '%s\n' "$summary" | awk '{print $2}')
# the call lasts 5 s: 250 packets at 20 ms; allow for start-up and ptime
[ "${npkt:-0}" -ge 100 ] ||
	fail "only ${npkt:-0} RTP packets came back to sipp (want >= 100)"
case $summary in
*" pt 0 "*) ;;
*) fail "RTP to sipp is not (only) PCMU/PT 0: $summary" ;;
esac

sox -q -t ul -r 8000 -c 1 "$T/back.ul" -e signed -b 16 "$T/back.wav" ||
	fail "sox could not decode the returned u-law"
tones_check "$T/back.wav" 1 1000 440 ||
	fail "audio chorusd sent to sipp: want bob's 1000 Hz, not sipp's 440 Hz"

bs_ctrl bob hangup > /dev/null
wait_participants $ROOM 0 10
bs_stop bob
rec=$(bs_recording bob)
[ -n "$rec" ] || fail "bob: no recording"
tones_check "$rec" 1 440 1000 ||
	fail "bob should hear sipp's 440 Hz and not his own 1000 Hz"

chorusd_stop 5
log "PASS"
