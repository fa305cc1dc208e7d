#!/bin/bash
# test_torture: every RFC 4475 torture message over UDP (requests also over
# TCP); after each one chorusd must still answer OPTIONS with 200 on UDP and
# TCP, and it must still run at the end (then exit 0 on SIGTERM).
#
# The messages live in shared/sip-torture beside the repo checkout; the test
# is skipped when that directory is absent.

. "$(dirname "$0")/lib.sh"
need_netns

TOP=$(git -C "$ROOT" rev-parse --show-toplevel 2>/dev/null || echo "$ROOT")
TORTURE=${SIP_TORTURE_DIR:-$TOP/../shared/sip-torture}/rfc4475
[ -d "$TORTURE" ] || skip "no torture messages at $TORTURE"

chorusd_start

python3 "$ROOT/tests/tools/sip_torture.py" "$TORTURE" \
	--port $SIP_PORT --pid "$CHORUSD_PID"
rc=$?

chorusd_alive || fail "chorusd died during the torture run"
[ $rc = 0 ] || fail "some torture cases broke liveness (see above)"

chorusd_stop 5
log "PASS"
