#!/bin/bash
# test_srtp_policy: a room's media_encryption decides who gets in.
#
# Room "req" (media_encryption required):
#   plain     no mediaenc, UDP           -> 488, Warning: this room requires
#                                           encrypted media (SRTP)
#   sdesudp   srtp-mand (SDES), UDP      -> 488, Warning: SDES keys over TLS
#                                           only (RFC 4568 8.3)
#   sdestls   srtp-mand (SDES), TLS      -> joins, 440 Hz
#   dtlsudp   dtls_srtp, UDP             -> joins, 700 Hz
# Room "noenc" (media_encryption off):
#   mandoff   srtp-mand, UDP             -> 488, Warning: media encryption is
#                                           off in this room
#   besteff   mediaenc=srtp (RTP/AVP with a=crypto), UDP
#                                        -> joins, answered plain: "srtp" null,
#                                           1000 Hz
#   plain     (the refused one above, dialing again) -> joins, 1300 Hz
#
# Each refusal is checked in the refused baresip's SIP trace (the 488 it
# received, with its Warning header) and in chorusd's log. In each room the
# two who got in hear each other and not themselves; the API shows their
# keying (sdes, dtls, none) and working SRTP where there is one.

. "$(dirname "$0")/lib.sh"
need_netns

REQ=req
OFF=noenc
TALK_SECS=5
CALL_SECS=90   # the longest a baresip runs (the first ones wait for the others)

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-keyout "$T/key.pem" -out "$T/cert.pem" -days 30 -subj /CN=chorus \
	> "$T/openssl.log" 2>&1 || fail "openssl: $(cat "$T/openssl.log")"
cat "$T/cert.pem" "$T/key.pem" > "$T/client.pem"

chorusd_start "tls_cert $T/cert.pem
tls_key $T/key.pem"
api_expect 201 POST /v1/rooms \
	"{\"name\":\"$REQ\",\"talkers_max\":0,\"media_encryption\":\"required\"}"
api_expect 201 POST /v1/rooms \
	"{\"name\":\"$OFF\",\"talkers_max\":0,\"media_encryption\":\"off\"}"
api_expect 200 GET /v1/rooms/$REQ
[ "$(json 'd["media_encryption"]')" = required ] ||
	fail "room $REQ: media_encryption $(json 'd.get("media_encryption")')"
api_expect 200 GET /v1/rooms/$OFF
[ "$(json 'd["media_encryption"]')" = off ] ||
	fail "room $OFF: media_encryption $(json 'd.get("media_encryption")')"

# as long as a baresip may run: aufile hangs up at its end
for f in 440 700 1000 1300; do
	make_tone "$T/t$f.wav" $f $CALL_SECS
done

bs_setup plain   5070 4440 10000 PCMU/8000/1 "$T/t1300.wav"
bs_setup sdesudp 5080 4441 10010 PCMU/8000/1 "$T/t440.wav"  ";mediaenc=srtp-mand"
bs_setup mandoff 5090 4442 10020 PCMU/8000/1 "$T/t440.wav"  ";mediaenc=srtp-mand"
bs_setup sdestls 5100 4443 10030 PCMU/8000/1 "$T/t440.wav"  ";mediaenc=srtp-mand"
bs_setup dtlsudp 5110 4444 10040 PCMA/8000/1 "$T/t700.wav"  ";mediaenc=dtls_srtp"
bs_setup besteff 5120 4445 10050 PCMU/8000/1 "$T/t1000.wav" ";mediaenc=srtp"
for p in plain sdesudp mandoff sdestls dtlsudp besteff; do
	printf 'module\t\t\tsrtp.so\nmodule\t\t\tdtls_srtp.so\n' >> "$T/$p/config"
	BS_ARGS[$p]=-s   # SIP trace in its log
done
printf 'sip_certificate\t\t%s\n' "$T/client.pem" >> "$T/sdestls/config"

# refused: NAME WARNING_TEXT ROOM: NAME got a 488 whose Warning (RFC 3261
# 20.43, code 399) holds the text, and chorusd logged the refusal
refused()
{
	local name=$1 text=$2 room=$3 w

	bs_wait_log "$name" '^SIP/2.0 488 ' 10 ||
		fail "$name: no 488 in its SIP trace"
	w=$(grep -a -A 15 '^SIP/2.0 488 ' "$T/$name.log" |
		grep -a -m1 -i '^Warning:' | tr -d '\r')
	log "$name: $(grep -a -m1 '^SIP/2.0 488 ' "$T/$name.log" | tr -d '\r'); $w"
	case $w in
	"Warning: 399 127.0.0.1 \"$text"*) ;;
	*) fail "$name: Warning '$w', want 399 with '$text'" ;;
	esac
	grep -F "INVITE sip:$name@127.0.0.1:" "$T/chorusd.log" |
		grep -qF "to room '$room': 488 Not Acceptable Here: $text" ||
		fail "chorusd did not log the 488 to $name"
	grep -aq 'Call with .* terminated\|call: .*488\|488 Not Acceptable' \
		"$T/$name.log" || fail "$name: its call did not end"
}

bs_start plain   "sip:$REQ@127.0.0.1:$SIP_PORT" $CALL_SECS
bs_start sdesudp "sip:$REQ@127.0.0.1:$SIP_PORT" $CALL_SECS
bs_start mandoff "sip:$OFF@127.0.0.1:$SIP_PORT" $CALL_SECS
sleep 0.3
bs_start sdestls "sip:$REQ@127.0.0.1:5061;transport=tls" $CALL_SECS
sleep 0.3
bs_start dtlsudp "sip:$REQ@127.0.0.1:$SIP_PORT" $CALL_SECS
sleep 0.3
bs_start besteff "sip:$OFF@127.0.0.1:$SIP_PORT" $CALL_SECS

refused plain   "this room requires encrypted media (SRTP)" $REQ
refused sdesudp "this room takes SDES keys over TLS only (RFC 4568 8.3)" $REQ
refused mandoff "media encryption is off in this room" $OFF
bs_stop sdesudp
bs_stop mandoff

# plain, refused by req, calls noenc
bs_ctrl plain dial "sip:$OFF@127.0.0.1:$SIP_PORT" > "$T/plain.ctrl"
wait_participants $REQ 2 10
wait_participants $OFF 2 10
for p in sdestls dtlsudp besteff plain; do
	bs_wait_log $p 'Call established' 5 ||
		fail "$p: no 'Call established' in its log"
done

log "talking for $TALK_SECS s"
sleep $TALK_SECS

# srtp_summary ROOM: logs the participants' SRTP and prints
# NAME:KEYING[/up/auth_failures] for each; fails if one gets no media
srtp_summary()
{
	api_expect 200 GET "/v1/rooms/$1/participants"
	log "room $1: $(json '"; ".join("%s %s packets_in %s" % (p["uri"],
		p["srtp"], p["stats"]["packets_in"])
		for p in d["participants"])')" >&2
	bad=$(json '[p["uri"] for p in d["participants"]
		if p["stats"]["packets_in"] < 100]')
	[ "$bad" = "[]" ] || fail "room $1: participants with no media in: $bad"
	json '" ".join(sorted("%s:%s" % (p["uri"].split("@")[0][4:],
		"none" if not p["srtp"] else "%s/%s/%s" % (p["srtp"]["keying"],
		p["srtp"]["up"], p["srtp"]["auth_failures"]))
		for p in d["participants"]))'
}
got=$(srtp_summary $REQ)
[ "$got" = "dtlsudp:dtls/True/0 sdestls:sdes/True/0" ] ||
	fail "room $REQ: srtp is '$got'"
got=$(srtp_summary $OFF)
[ "$got" = "besteff:none plain:none" ] || fail "room $OFF: srtp is '$got'"

# besteff offered RTP/AVP with a=crypto and got a plain answer
trace_msg()  # trace_msg NAME START_REGEX: the first such message in its trace
{
	awk -v re="$2" '$0 ~ re {p = 1} p && /^\033\[;m/ {exit} p' \
		"$T/$1.log" | tr -d '\r'
}
trace_msg besteff '^INVITE sip:' > "$T/besteff.offer"
trace_msg besteff '^SIP/2.0 200 OK' > "$T/besteff.answer"
if ! grep -q '^m=audio [0-9]* RTP/AVP ' "$T/besteff.offer" ||
	! grep -q '^a=crypto:' "$T/besteff.offer"; then
	fail "besteff did not offer RTP/AVP with a=crypto: $(cat "$T/besteff.offer")"
fi
log "besteff offered: $(grep -E '^(m=audio|a=crypto)' "$T/besteff.offer" |
	cut -c1-60 | tr '\n' ';')"
if ! grep -q '^m=audio [0-9]* RTP/AVP ' "$T/besteff.answer" ||
	grep -q '^a=crypto:' "$T/besteff.answer"; then
	fail "the answer to besteff is not plain RTP/AVP: $(cat "$T/besteff.answer")"
fi
log "besteff was answered: $(grep '^m=audio' "$T/besteff.answer")"

for p in plain sdestls dtlsudp besteff; do
	bs_ctrl $p hangup > /dev/null
done
wait_participants $REQ 0 10
wait_participants $OFF 0 10
for p in plain sdestls dtlsudp besteff; do
	bs_stop $p
done

check_heard sdestls 700 440
check_heard dtlsudp 440 700
check_heard besteff 1300 1000
check_heard plain   1000 1300
[ "$HEARD_OK" = 1 ] || fail "a participant heard the wrong tones (see above)"

chorusd_stop 5
log "PASS"
