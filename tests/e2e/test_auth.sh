#!/bin/bash
# test_auth: digest authentication of callers (auth digest, a users file
# with alice/secret and bob/hunter2), with real clients and a small UAC.
#  1. With digest_algorithms MD5 (baresip 1.0's libre 1.1.0 gives up at a
#     SHA-256 challenge): baresip alice (right password) joins room demo
#     after a 401; sipp bob (-au bob -ap hunter2) joins too; the
#     participants list shows both; alice hears bob's 1000 Hz and not her
#     own 440 Hz. A wrong password (sipp, from 127.0.0.3) gets 401, then
#     403. The 401s offer MD5 alone.
#  2. chorusd again offering SHA-256 and MD5: an unknown
#     user gets 401 then 403, the same answer as a wrong password (no user
#     names to learn).
#  3. Replay (tests/tools/sip_digest.py from 127.0.0.4): an authenticated
#     call, then a new INVITE with the same nonce and nonce-count 1 -> 403,
#     with nonce-count 2 -> 200; the same with SHA-256.
#  4. Rate limit: six wrong passwords from 127.0.0.5 within seconds; then
#     that source gets 403 with no challenge even with the right password,
#     for INVITE and REGISTER, and chorusd logs that it blocked 127.0.0.5;
#     a caller from 127.0.0.6 is still let in.

. "$(dirname "$0")/lib.sh"
need_netns

ROOM=demo
URI=sip:$ROOM@127.0.0.1:$SIP_PORT
SIPP_MEDIA=6100
SIPP_PORT=5090
DIGEST=$ROOT/tests/tools/sip_digest.py

# uac SRC_IP ARGS...: the small UAC from SRC_IP; prints its status codes
uac()
{
	local src=$1

	shift
	timeout 20 python3 "$DIGEST" --bind "$src" --port $SIP_PORT "$@" \
		2>> "$T/uac.log"
}

# uac_expect WANT SRC_IP ARGS...: the codes must be WANT
uac_expect()
{
	local want=$1 got

	shift
	got=$(uac "$@")
	[ "$got" = "$want" ] || fail "sip_digest.py $*: got '$got', want '$want'"
	log "sip_digest.py $*: $got"
}

{
	printf 'secret\n' | "$ROOT/scripts/chorus-user" alice
	printf 'hunter2\n' | "$ROOT/scripts/chorus-user" bob
} > "$T/users" || fail "chorus-user failed"

chorusd_start "users_file $T/users
auth digest
digest_algorithms MD5"
room_create $ROOM
[ "$(json 'd["auth"]')" = digest ] ||
	fail "room does not take the server's auth digest: $(cat "$T/http.body")"

# --- 1. baresip and sipp, both authenticated ----------------------------------
# long enough for a slow machine: baresip hangs up at the end of the file
make_tone "$T/t440.wav" 440 60
bs_setup alice 5070 4440 10000 opus/48000/2 "$T/t440.wav" \
	";auth_user=alice;auth_pass=secret"
bs_start alice "$URI" 60
wait_participants $ROOM 1 10
bs_wait_log alice 'Call established' 5 ||
	fail "alice: no 'Call established' in her log"
log "alice (baresip) authenticated and joined"

mkdir -p "$T/sipp-bob"
sox -q -n -r 8000 -c 1 -e u-law -t raw "$T/sipp-bob/tone.ulaw" \
	synth 10 sine 1000 vol 0.25 || fail "sox: no u-law tone"
log "sipp bob joins with -au bob -ap hunter2"
run_sipp bob "$SIPP_SCEN/call_pcmu_auth.xml" $ROOM -mp $SIPP_MEDIA \
	-au bob -ap hunter2 &
SIPP_PID=$!
track_pid $SIPP_PID

wait_participants $ROOM 2 10
log "participants: $(head -c 800 "$T/http.body")"
uris=$(json '",".join(sorted(p["uri"].split("@")[0] for p in d["participants"]))')
[ "$uris" = "sip:alice,sip:sipp" ] ||
	fail "participants are '$uris', want sip:alice and sip:sipp"

wait "$SIPP_PID"
rc=$?
[ $rc = 0 ] || fail "sipp bob: exit status $rc: $(sipp_report bob)"
grep -q '^Authorization: Digest username="bob"' "$T"/sipp-bob/*_messages.log ||
	fail "sipp bob sent no Authorization"
log "sipp bob: 401, then 200 with credentials, RTP, BYE"
wait_participants $ROOM 1 10

bs_ctrl alice hangup > /dev/null
wait_participants $ROOM 0 10
bs_stop alice
check_heard alice 1000 440
[ "$HEARD_OK" = 1 ] || fail "alice should hear bob's 1000 Hz and not her 440 Hz"

log "sipp bob with a wrong password from 127.0.0.3, expect 401 then 403"
SIPP_PORT=5092 run_sipp badpass "$SIPP_SCEN/auth_403.xml" $ROOM \
	-i 127.0.0.3 -au bob -ap hunter3 ||
	fail "wrong password scenario failed: $(sipp_report badpass)"
grep -q 'from 127.0.0.3:.*authentication failed: wrong password' \
	"$T/chorusd.log" || fail "chorusd did not log the failure from 127.0.0.3"
if grep -q '^WWW-Authenticate:.*SHA-256' "$T"/sipp-*/*_messages.log; then
	fail "digest_algorithms MD5, yet a 401 offered SHA-256"
fi
chorusd_stop 5

# --- 2. SHA-256 and MD5; an unknown user ---------------------------------------
chorusd_start "users_file $T/users
auth digest
digest_algorithms SHA-256,MD5"
room_create $ROOM
uac_expect "401 403" 127.0.0.3 --user mallory --password secret call $ROOM
[ "$(participant_count $ROOM)" = 0 ] || fail "a refused caller is in the room"

# --- 3. replayed nonce-count ----------------------------------------------------
uac_expect "first:401,200,200 nc1:403 nc2:200,200" 127.0.0.4 \
	--user alice --password secret replay $ROOM
uac_expect "first:401,200,200 nc1:403 nc2:200,200" 127.0.0.4 \
	--user bob --password hunter2 --alg SHA-256 replay $ROOM
grep -q 'from 127.0.0.4:.*authentication failed: replay' "$T/chorusd.log" ||
	fail "chorusd did not log the replay"

# --- 4. failures from one source block it ---------------------------------------
for i in 1 2 3 4 5 6; do
	uac_expect "401 403" 127.0.0.5 --user alice --password "guess$i" \
		call $ROOM
done
uac_expect "403" 127.0.0.5 --user alice --password secret call $ROOM
uac_expect "403" 127.0.0.5 --user alice --password secret register alice
grep -q '127.0.0.5 blocked for 300 s after repeated failures' \
	"$T/chorusd.log" || fail "chorusd did not log the block of 127.0.0.5"
uac_expect "401 200 200" 127.0.0.6 --user alice --password secret call $ROOM

chorusd_alive || fail "chorusd died"
chorusd_stop 5
log "PASS"
