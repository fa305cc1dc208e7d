#!/bin/bash
# test_register: chorusd as a registrar (RFC 3261 10.3) with digest auth,
# and dial-out to a registered address-of-record.
#  1. baresip alice (regint 60, right password, auto-answer) registers:
#     its log shows the 200, chorusd's log the binding.
#  2. REGISTER for alice with a wrong password -> 401, 403; bob with his
#     own password REGISTERing alice -> 401, 403; bob registering himself
#     -> 200 listing his binding, and Expires: 0 removes it.
#  3. POST /v1/rooms/demo/participants {"uri":"sip:alice@chorus"} (the
#     realm) calls alice at the contact she registered; she answers and is
#     in the room (joined, outbound); baresip bob calls in (authenticated);
#     alice hears bob's 1000 Hz, bob hears alice's 440 Hz, neither their own.

. "$(dirname "$0")/lib.sh"
need_netns

ROOM=demo
DIGEST=$ROOT/tests/tools/sip_digest.py
TALK_SECS=5

# uac_expect WANT SRC_IP ARGS...: tests/tools/sip_digest.py from SRC_IP
# must print WANT; its stderr (Contact lines of a 200) goes to $T/uac.err
uac_expect()
{
	local want=$1 src=$2 got

	shift 2
	got=$(timeout 20 python3 "$DIGEST" --bind "$src" --port $SIP_PORT \
		"$@" 2> "$T/uac.err")
	cat "$T/uac.err" >> "$T/uac.log"
	[ "$got" = "$want" ] || fail "sip_digest.py $*: got '$got', want '$want'"
	log "sip_digest.py $*: $got"
}

{
	printf 'secret\n' | "$ROOT/scripts/chorus-user" alice
	printf 'hunter2\n' | "$ROOT/scripts/chorus-user" bob
} > "$T/users" || fail "chorus-user failed"

# MD5 alone: baresip 1.0 (libre 1.1.0) gives up at a SHA-256 challenge
chorusd_start "users_file $T/users
auth digest
digest_algorithms MD5"
room_create $ROOM

make_tone "$T/t440.wav" 440 60
make_tone "$T/t1000.wav" 1000 60

# --- 1. alice registers -----------------------------------------------------------
bs_setup alice 5070 4440 10000 opus/48000/2 "$T/t440.wav"
# the account's host is the registrar: chorusd
printf '<sip:alice@127.0.0.1:%s>;regint=60;auth_user=alice;auth_pass=secret;answermode=auto;audio_codecs=opus/48000/2\n' \
	$SIP_PORT > "$T/alice/accounts"
bs_start alice "" 60
bs_wait_log alice '200 OK' 10 ||
	fail "alice did not register: $(tail -n 5 "$T/alice.log")"
grep -q 'REGISTER alice from 127.0.0.1:5070: 200' "$T/chorusd.log" ||
	fail "chorusd did not log alice's binding"
log "alice registered: $(grep -m1 '200 OK' "$T/alice.log")"

# --- 2. refused and accepted REGISTERs ---------------------------------------------
uac_expect "401 403" 127.0.0.3 --user alice --password wrong register alice
uac_expect "401 403" 127.0.0.3 --user bob --password hunter2 register alice
uac_expect "401 200" 127.0.0.3 --lport 5100 --user bob --password hunter2 \
	register bob
grep -q '^Contact: <sip:bob@127.0.0.3:5100>;expires=60' "$T/uac.err" ||
	fail "bob's 200 does not list his binding: $(cat "$T/uac.err")"
uac_expect "401 200" 127.0.0.3 --lport 5100 --user bob --password hunter2 \
	--expires 0 register bob
if grep -q '^Contact:' "$T/uac.err"; then
	fail "bob's binding is still listed after Expires: 0: $(cat "$T/uac.err")"
fi

# --- 3. dial-out by address-of-record ----------------------------------------------
api_expect 202 POST /v1/rooms/$ROOM/participants '{"uri":"sip:alice@chorus"}'
log "dial sip:alice@chorus: $(head -c 300 "$T/http.body")"
wait_participants $ROOM 1 10
bs_wait_log alice 'Call established' 10 ||
	fail "alice: no 'Call established' in her log"
grep -qE 'dial sip:alice@chorus: registered at sip:alice[^@]*@127.0.0.1:5070' \
	"$T/chorusd.log" || fail "chorusd did not dial alice's registered contact"
api_expect 200 GET /v1/rooms/$ROOM/participants
st=$(json '"%s %s %s" % (d["participants"][0]["state"],
	d["participants"][0]["direction"], d["participants"][0]["uri"])')
case $st in
"joined outbound sip:alice"*"@127.0.0.1:5070") ;;
*) fail "alice in the room: '$st', want joined outbound at her contact" ;;
esac
log "alice in the room: $st"

bs_setup bob 5080 4441 10010 PCMU/8000/1 "$T/t1000.wav" \
	";auth_user=bob;auth_pass=hunter2"
bs_start bob sip:$ROOM@127.0.0.1:$SIP_PORT 60
wait_participants $ROOM 2 10
bs_wait_log bob 'Call established' 5 ||
	fail "bob: no 'Call established' in his log"

log "talking for $TALK_SECS s"
sleep $TALK_SECS
for p in alice bob; do
	bs_ctrl $p hangup > /dev/null
done
wait_participants $ROOM 0 10
for p in alice bob; do
	bs_stop $p
done

check_heard alice 1000 440
check_heard bob 440 1000
[ "$HEARD_OK" = 1 ] || fail "a participant heard the wrong tones (see above)"

chorusd_stop 5
log "PASS"
