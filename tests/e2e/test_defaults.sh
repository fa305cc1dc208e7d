#!/bin/bash
# test_defaults: chorusd on its built-in defaults (SIP on 0.0.0.0:5060 UDP
# and TCP, API on 127.0.0.1:8080), as `make run` starts it: a call over
# UDP and one over TCP join a room and hear each other.

. "$(dirname "$0")/lib.sh"
need_netns
need_chorusd

ROOM=demo

log "starting chorusd with no address flags"
(cd "$T" && exec "$CHORUSD" --data-dir "$T/data") \
	>> "$T/chorusd.log" 2>&1 &
CHORUSD_PID=$!
track_pid "$CHORUSD_PID"
for ((i = 0; i < 100; i++)); do
	[ "$(curl -s -o /dev/null -m 1 -w '%{http_code}' \
		"$HTTP_URL/healthz")" = 200 ] && break
	alive "$CHORUSD_PID" || fail "chorusd exited during start-up: \
$(tail -n 3 "$T/chorusd.log")"
	sleep 0.1
done
grep -q 'SIP 0.0.0.0:5060 (udp, tcp)' "$T/chorusd.log" ||
	fail "not listening on the default SIP address"

room_create $ROOM

make_tone "$T/t440.wav" 440
make_tone "$T/t1000.wav" 1000
bs_setup alice 5070 4440 10000 PCMU/8000/1 "$T/t440.wav"
bs_setup bob 5080 4441 10010 opus/48000/2 "$T/t1000.wav"
bs_start alice "sip:$ROOM@127.0.0.1:5060" 40
bs_start bob "sip:$ROOM@127.0.0.1:5060;transport=tcp" 40
wait_participants $ROOM 2 10
sleep 5
bs_stop alice
bs_stop bob

tones_check "$(bs_recording alice)" 1 1000 440 ||
	fail "alice (UDP) did not hear bob only"
tones_check "$(bs_recording bob)" 1 440 1000 ||
	fail "bob (TCP) did not hear alice only"

chorusd_stop 5
log "PASS"
