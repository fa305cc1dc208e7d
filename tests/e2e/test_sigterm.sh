#!/bin/bash
# test_sigterm: SIGTERM to chorusd while a call is up must send that caller
# a BYE and end chorusd with status 0 within 5 s.

. "$(dirname "$0")/lib.sh"
need_netns

ROOM=demo

chorusd_start
room_create $ROOM

make_tone "$T/t440.wav" 440
bs_setup alice 5070 4440 10000 PCMU/8000/1 "$T/t440.wav"
bs_start alice sip:$ROOM@127.0.0.1:$SIP_PORT 40

wait_participants $ROOM 1 10
bs_wait_log alice 'Call established' 5 ||
	fail "alice: no 'Call established' in its log"
sleep 1

chorusd_stop 5

# A BYE reaches baresip's session close handler as ECONNRESET, which it
# logs as "session closed: Connection reset by peer". Without a BYE the
# call would stay up here (baresip has no RTP timeout configured).
bs_wait_log alice 'session closed: Connection reset by peer' 5 ||
	fail "alice got no BYE: $(grep -E 'session closed|terminated' \
		"$T/alice.log" | tail -n 3)"
log "alice received the BYE"

bs_stop alice
log "PASS"
