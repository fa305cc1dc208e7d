#!/bin/bash
# test_srtp_gcm: SDES with AES-GCM (RFC 7714) against a real client, with
# chorusd as the offerer: chorusd dials out to a baresip that answers
# automatically with best-effort SRTP (mediaenc=srtp), another baresip
# dials in with RTP/SAVP.
#
#   callee  440 Hz  PCMU  dialled out to; mediaenc=srtp, answermode=auto
#   caller  700 Hz  PCMU  dials in; mediaenc=srtp-mand (AES_CM_128_HMAC_SHA1_80)
#
# chorusd's offer (in the callee's SIP trace) is m=audio RTP/AVP with a=crypto
# lines AEAD_AES_256_GCM (tag 1), AEAD_AES_128_GCM, AES_CM_128_HMAC_SHA1_80,
# AES_CM_128_HMAC_SHA1_32 in that order; baresip answers with the first,
# and the API shows the callee's SRTP as sdes, AEAD_AES_256_GCM, up, no
# authentication failures. The two hear each other and not themselves.

. "$(dirname "$0")/lib.sh"
need_netns

ROOM=gcm
TALK_SECS=5

chorusd_start
api_expect 201 POST /v1/rooms "{\"name\":\"$ROOM\",\"talkers_max\":0}"
[ "$(json 'd.get("media_encryption")')" = optional ] ||
	fail "room $ROOM: media_encryption $(json 'd.get("media_encryption")'), want optional"

# as long as a call may last (60 s): aufile hangs up at its end
make_tone "$T/t440.wav" 440 60
make_tone "$T/t700.wav" 700 60
bs_setup callee 5070 4440 10000 PCMU/8000/1 "$T/t440.wav" \
	";mediaenc=srtp;answermode=auto"
bs_setup caller 5080 4441 10010 PCMU/8000/1 "$T/t700.wav" ";mediaenc=srtp-mand"
for p in callee caller; do
	printf 'module\t\t\tsrtp.so\n' >> "$T/$p/config"
done
BS_ARGS[callee]=-s   # SIP trace in its log

bs_start callee "" 60
bs_wait_log callee 'baresip is ready' 10 || fail "callee: baresip not ready"

api_expect 202 POST /v1/rooms/$ROOM/participants \
	'{"uri":"sip:callee@127.0.0.1:5070"}'
CALLEE=$(json 'd["id"]')
log "dial-out to callee: id $CALLEE, $(json 'd["state"]')"
bs_start caller "sip:$ROOM@127.0.0.1:$SIP_PORT" 60
wait_participants $ROOM 2 10
for p in callee caller; do
	bs_wait_log $p 'Call established' 5 ||
		fail "$p: no 'Call established' in its log"
done

log "talking for $TALK_SECS s"
sleep $TALK_SECS

api_expect 200 GET /v1/rooms/$ROOM/participants
log "participants: $(json '"; ".join("%s %s %s packets_in %s" % (p["uri"],
	p["direction"], p["srtp"], p["stats"]["packets_in"])
	for p in d["participants"])')"
got=$(json '" ".join(sorted("%s:%s:%s/%s/%s/%s" % (p["uri"].split("@")[0][4:],
	p["direction"], p["srtp"]["keying"], p["srtp"]["suite"], p["srtp"]["up"],
	p["srtp"]["auth_failures"]) for p in d["participants"] if p["srtp"]))')
want="callee:outbound:sdes/AEAD_AES_256_GCM/True/0"
want="$want caller:inbound:sdes/AES_CM_128_HMAC_SHA1_80/True/0"
[ "$got" = "$want" ] || fail "srtp is '$got', want '$want'"
bad=$(json '[p["uri"] for p in d["participants"]
	if p["stats"]["packets_in"] < 100]')
[ "$bad" = "[]" ] || fail "participants with no media in: $bad"

for p in callee caller; do
	bs_ctrl $p hangup > /dev/null
done
wait_participants $ROOM 0 10
for p in callee caller; do
	bs_stop $p
done

check_heard callee 700 440
check_heard caller 440 700
[ "$HEARD_OK" = 1 ] || fail "a participant heard the wrong tones (see above)"

# trace_msg NAME START_REGEX: the first such message in NAME's SIP trace
trace_msg()
{
	awk -v re="$1" '$0 ~ re {p = 1} p && /^\033\[;m/ {exit} p' \
		"$T/callee.log" | tr -d '\r'
}
# audio_of FILE: its m=audio section
audio_of()
{
	awk '/^m=/ {p = /^m=audio /} p' "$1"
}
trace_msg '^INVITE sip:callee@' > "$T/offer.msg"
trace_msg '^SIP/2.0 200 ' > "$T/answer.msg"
audio_of "$T/offer.msg" > "$T/offer.sdp"
audio_of "$T/answer.msg" > "$T/answer.sdp"
suites=$(sed -n 's/^a=crypto:\([0-9]*\) \([A-Z0-9_]*\) .*/\1:\2/p' \
	"$T/offer.sdp" | tr '\n' ' ')
log "chorusd offered: $(grep '^m=audio' "$T/offer.sdp"); crypto $suites"
grep -q '^m=audio [0-9]* RTP/AVP ' "$T/offer.sdp" ||
	fail "chorusd's offer is not RTP/AVP: $(cat "$T/offer.sdp")"
case $suites in
"1:AEAD_AES_256_GCM "?*":AEAD_AES_128_GCM "?*":AES_CM_128_HMAC_SHA1_80 "?*":AES_CM_128_HMAC_SHA1_32 ") ;;
*) fail "chorusd offered the suites '$suites'" ;;
esac
ans=$(grep '^a=crypto:' "$T/answer.sdp" | cut -d' ' -f1-2 | tr '\n' ' ')
log "callee answered: $(grep '^m=audio' "$T/answer.sdp"); $ans"
[ "$ans" = "a=crypto:1 AEAD_AES_256_GCM " ] ||
	fail "callee answered with '$ans'"

chorusd_stop 5
log "PASS"
