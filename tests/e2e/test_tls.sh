#!/bin/bash
# test_tls: SIP over TLS (RFC 3261 26.2.1) with SDES-SRTP, and no TLS
# listener without a certificate.
#
#   alice  440 Hz  PCMU  TLS to 127.0.0.1:5061, mediaenc=srtp-mand (SDES)
#   bob    700 Hz  PCMU  plain UDP to 5060, plain RTP
#
# Both hear each other and not themselves. That alice's signalling went
# over TLS: during the call, baresip alice owns an established TCP
# connection to 5061; the capture of tcp port 5061 is TLS records only
# (content type 0x16 handshake / 0x17 application data) and holds no
# plaintext "INVITE sip:"; baresip's SIP trace (-s) shows the INVITE it
# sent with "Via: SIP/2.0/TLS"; chorusd logs that alice joined over TLS
# (bob over UDP) and shows alice's SRTP as sdes/up.
# Then chorusd again without tls_cert: "SIP over TLS: off" is logged
# once and nothing listens on 5061.

. "$(dirname "$0")/lib.sh"
need_netns

ROOM=sec
TLS_PORT=5061
TALK_SECS=5

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-keyout "$T/key.pem" -out "$T/cert.pem" -days 30 -subj /CN=chorus \
	> "$T/openssl.log" 2>&1 || fail "openssl: $(cat "$T/openssl.log")"
cat "$T/cert.pem" "$T/key.pem" > "$T/client.pem"

chorusd_start "tls_cert $T/cert.pem
tls_key $T/key.pem"
grep -q "SIP over TLS: port $TLS_PORT" "$T/chorusd.log" ||
	fail "chorusd does not say it serves TLS on $TLS_PORT"
ss -ltn "sport = :$TLS_PORT" | grep -q LISTEN ||
	fail "nothing listens on tcp $TLS_PORT"

api_expect 201 POST /v1/rooms "{\"name\":\"$ROOM\",\"talkers_max\":0}"

# as long as a call may last (60 s): aufile hangs up at its end
make_tone "$T/t440.wav" 440 60
make_tone "$T/t700.wav" 700 60

bs_setup alice 5070 4440 10000 PCMU/8000/1 "$T/t440.wav" ";mediaenc=srtp-mand"
bs_setup bob   5080 4441 10010 PCMU/8000/1 "$T/t700.wav"
printf 'module\t\t\tsrtp.so\nsip_certificate\t\t%s\n' "$T/client.pem" \
	>> "$T/alice/config"
BS_ARGS[alice]=-s   # SIP trace in its log

capture_start "$T/sip-tls.pcap" "tcp port $TLS_PORT"
bs_start alice "sip:$ROOM@127.0.0.1:$TLS_PORT;transport=tls" 60
sleep 0.3
bs_start bob "sip:$ROOM@127.0.0.1:$SIP_PORT" 60
wait_participants $ROOM 2 10
for p in alice bob; do
	bs_wait_log $p 'Call established' 5 ||
		fail "$p: no 'Call established' in its log"
done

# the TCP connection to 5061 is alice's baresip
conns=$(ss -tnp state established "dport = :$TLS_PORT")
log "connections to $TLS_PORT: $(printf '%s' "$conns" | tail -n +2 | tr -s ' ')"
printf '%s\n' "$conns" | grep -q "pid=${BS_PID[alice]}," ||
	printf '%s\n' "$conns" | grep -q '"baresip"' ||
	fail "no established TCP connection from baresip alice to $TLS_PORT"

api_expect 200 GET /v1/rooms/$ROOM/participants
log "participants: $(json '"; ".join("%s %s" % (p["uri"], p.get("srtp"))
	for p in d["participants"])')"
log "talking for $TALK_SECS s"
sleep $TALK_SECS

api_expect 200 GET /v1/rooms/$ROOM/participants
got=$(json '" ".join(sorted("%s:%s" % (p["uri"].split("@")[0][4:],
	"-" if not p["srtp"] else "%s/%s/%s" % (p["srtp"]["keying"],
	p["srtp"]["up"], p["srtp"]["auth_failures"]))
	for p in d["participants"]))')
log "srtp: $got"
[ "$got" = "alice:sdes/True/0 bob:-" ] || fail "participant srtp is '$got'"

for p in alice bob; do
	bs_ctrl $p hangup > /dev/null
done
wait_participants $ROOM 0 10
capture_stop
for p in alice bob; do
	bs_stop $p
done

check_heard alice 700 440
check_heard bob   440 700
[ "$HEARD_OK" = 1 ] || fail "a participant heard the wrong tones (see above)"

# alice's INVITE as baresip sent it: over TLS
grep -q '^INVITE sip:' "$T/alice.log" ||
	fail "no INVITE in alice's SIP trace"
grep -aiq '^Via: SIP/2.0/TLS ' "$T/alice.log" ||
	fail "alice's SIP trace has no 'Via: SIP/2.0/TLS'"
log "alice's Via: $(grep -aim1 '^Via: ' "$T/alice.log" | tr -d '\r')"

# chorusd took alice's INVITE on TLS, bob's on UDP
grep -q "(sip:alice@127.0.0.1:5070 .*) joined room $ROOM over TLS:" \
	"$T/chorusd.log" || fail "chorusd does not say alice joined over TLS"
grep -q "(sip:bob@127.0.0.1:5080 .*) joined room $ROOM over UDP:" \
	"$T/chorusd.log" || fail "chorusd does not say bob joined over UDP"
log "chorusd: $(grep -o 'joined room .* over [A-Z]*' "$T/chorusd.log" | tr '\n' ';')"

# the TCP stream on 5061: TLS records, no SIP in the clear
out=$(python3 "$E2E_DIR/../tools/tls_records.py" "$T/sip-tls.pcap" $TLS_PORT) ||
	fail "capture on $TLS_PORT: $out"
log "capture on $TLS_PORT: $out"

chorusd_stop 5

# --- without a certificate: no TLS listener -------------------------------
log "chorusd without tls_cert"
mv "$T/chorusd.log" "$T/chorusd-tls.log"
chorusd_start
n=$(grep -c 'SIP over TLS: off (no tls_cert configured)' "$T/chorusd.log")
[ "$n" = 1 ] || fail "'SIP over TLS: off' logged $n times, want 1"
if ss -ltn "sport = :$TLS_PORT" | grep -q LISTEN; then
	fail "something listens on tcp $TLS_PORT without tls_cert"
fi
chorusd_stop 5
log "PASS"
