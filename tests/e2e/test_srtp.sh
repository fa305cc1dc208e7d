#!/bin/bash
# test_srtp: baresip callers on every kind of SRTP baresip has, in one room:
# each hears the other four tones and not its own, and what chorusd sends
# is not plaintext (the capture decoded as PCMU holds no tone, its bytes
# look random).
#
#   alice  440 Hz  PCMU  mediaenc=srtp-mand  (RTP/SAVP, SDES, AES_CM_80)
#   bob    700 Hz  opus  mediaenc=srtp       (best effort: RTP/AVP+crypto)
#   carol 1000 Hz  G722  mediaenc=srtp-mandf (RTP/SAVPF)
#   dave  1300 Hz  PCMA  mediaenc=dtls_srtp  (DTLS-SRTP, RTCP on its own port)
#   erin  1700 Hz  opus  mediaenc=dtls_srtp  with rtcp-mux (RFC 5761)

. "$(dirname "$0")/lib.sh"
need_netns

ROOM=sec
URI=sip:$ROOM@127.0.0.1:$SIP_PORT
TALK_SECS=6

chorusd_start
# five talkers, all mixed
api_expect 201 POST /v1/rooms "{\"name\":\"$ROOM\",\"talkers_max\":0}"

for f in 440 700 1000 1300 1700; do
	make_tone "$T/t$f.wav" $f
done

bs_setup alice 5070 4440 10000 PCMU/8000/1  "$T/t440.wav"  ";mediaenc=srtp-mand"
bs_setup bob   5080 4441 10010 opus/48000/2 "$T/t700.wav"  ";mediaenc=srtp"
bs_setup carol 5090 4442 10020 G722/16000/1 "$T/t1000.wav" ";mediaenc=srtp-mandf"
bs_setup dave  5100 4443 10030 PCMA/8000/1  "$T/t1300.wav" ";mediaenc=dtls_srtp"
bs_setup erin  5110 4444 10040 opus/48000/2 "$T/t1700.wav" ";mediaenc=dtls_srtp"
for p in alice bob carol dave erin; do
	printf 'module\t\t\tsrtp.so\nmodule\t\t\tdtls_srtp.so\n' >> "$T/$p/config"
done
sed -i 's/^rtcp_mux.*/rtcp_mux\t\tyes/' "$T/erin/config"

capture_start "$T/srtp.pcap" "udp and dst portrange 10000-10009"
bs_join $ROOM "$URI" alice bob carol dave erin

api_expect 200 GET /v1/rooms/$ROOM/participants
log "participants: $(json '"; ".join("%s %s %s" % (p["uri"], p["codec"],
	p.get("srtp")) for p in d["participants"])')"
got=$(json '" ".join(sorted("%s:%s" % (p["uri"].split("@")[0][4:],
	(p["srtp"] or {}).get("keying")) for p in d["participants"]))')
[ "$got" = "alice:sdes bob:sdes carol:sdes dave:dtls erin:dtls" ] ||
	fail "participant srtp keying is '$got'"
ALICE_PORT=$(json '[p["remote_address"] for p in d["participants"]
	if "alice" in p["uri"]][0].rsplit(":", 1)[1]')

log "talking for $TALK_SECS s"
sleep $TALK_SECS

api_expect 200 GET /v1/rooms/$ROOM/participants
log "srtp: $(json '"; ".join("%s %s" % (p["uri"], p["srtp"])
	for p in d["participants"])')"
bad=$(json '[p["uri"] for p in d["participants"] if not p["srtp"]["up"]
	or p["srtp"]["suite"] not in ("AES_CM_128_HMAC_SHA1_80",
	"AEAD_AES_256_GCM", "AEAD_AES_128_GCM", "AES_CM_128_HMAC_SHA1_32")
	or p["srtp"]["auth_failures"] != 0 or p["stats"]["packets_in"] < 100]')
[ "$bad" = "[]" ] || fail "participants without working SRTP: $bad"

for p in alice bob carol dave erin; do
	bs_ctrl $p hangup > /dev/null
done
wait_participants $ROOM 0 10
capture_stop
for p in alice bob carol dave erin; do
	bs_stop $p
done

check_heard alice "700 1000 1300 1700" 440
check_heard bob   "440 1000 1300 1700" 700
check_heard carol "440 700 1300 1700"  1000
check_heard dave  "440 700 1000 1700"  1300
check_heard erin  "440 700 1000 1300"  1700
[ "$HEARD_OK" = 1 ] || fail "a participant heard the wrong tones (see above)"

# what chorusd sent alice: SRTP, so its payload is no u-law of any tone
python3 "$E2E_DIR/../tools/rtp_pcap.py" "$T/srtp.pcap" "$ALICE_PORT" \
	--out "$T/alice.raw" > "$T/alice.pcap.txt" ||
	fail "no RTP to alice in the capture"
log "capture to alice: $(cat "$T/alice.pcap.txt")"
sox -q -t ul -r 8000 -c 1 "$T/alice.raw" -b 16 -e signed-integer "$T/alice-raw.wav" ||
	fail "sox could not read the captured payload"
# noise: every band as weak as the others, none stands out ("present")
out=$("$TONEDET" -s 1 "$T/alice-raw.wav" 440 700 1000 1300 1700) ||
	fail "tonedet could not read the captured payload"
log "captured payload as PCMU: $(printf '%s' "$out" | tr '\n' ';')"
printf '%s\n' "$out" | grep -q ' present ' &&
	fail "the captured payload decodes to a tone: not encrypted"
ent=$(python3 -c '
import math, sys
b = open(sys.argv[1], "rb").read()
n = [0] * 256
for x in b:
	n[x] += 1
print("%.2f" % -sum(c / len(b) * math.log2(c / len(b)) for c in n if c))
' "$T/alice.raw")
log "captured payload: $(stat -c %s "$T/alice.raw") bytes, entropy $ent bits/byte"
python3 -c "import sys; sys.exit(0 if float('$ent') > 7.8 else 1)" ||
	fail "payload entropy $ent bits/byte: not encrypted"

chorusd_stop 5
log "PASS"
