#!/bin/bash
# test_resolver: the DNS resolver's sockets follow the SIP address.
#  1. chorusd on --sip 127.0.0.1:5060 --http 127.0.0.1:8080, with a call
#     dialled out to baresip bob (sip:bob@127.0.0.1:5072, auto answer) up:
#     every socket chorusd holds (ss -uatnp, UDP and TCP) is on 127.0.0.1
#     (no resolver on 0.0.0.0 or [::]); a dial-out to a host name is
#     refused at once, 400 on the uri field, saying why.
#  2. chorusd on --sip 0.0.0.0:5060, with a small DNS server on
#     127.0.0.1:53 (its own mount namespace gives it a resolv.conf saying
#     so): it holds the resolver's sockets on the wildcard, and a dial-out
#     to sip:bob@pbx.example.test:5072 is resolved (the server sees the
#     query) and bob answers. The same on 127.0.0.1 with --resolver on;
#     on 0.0.0.0 with --resolver off, no resolver socket, and a host name
#     is refused.

. "$(dirname "$0")/lib.sh"
need_netns

ROOM=demo
BOB=5072

# socks PID: "PROTO LOCAL_ADDRESS" of each socket the process holds
socks()
{
	ss -H -a -n -p -u -t 2>/dev/null | grep "pid=$1," |
		awk '{print $1, $5}'
}

# others PID: the sockets on anything but 127.0.0.1
others()
{
	socks "$1" | awk '{a = $2; sub(/:[0-9*]+$/, "", a)
		if (a != "127.0.0.1" && a != "[::ffff:127.0.0.1]") print}'
}

# dial URI: POST a dial-out; prints the status code, body in $T/http.body
dial()
{
	api POST "/v1/rooms/$ROOM/participants" "{\"uri\":\"$1\"}" > /dev/null
	echo "$HTTP_STATUS"
}

# wait_joined ID: the participant is "joined" within 10 s
wait_joined()
{
	local i

	for ((i = 0; i < 50; i++)); do
		api GET "/v1/rooms/$ROOM/participants/$1" > /dev/null
		[ "$HTTP_STATUS" = 200 ] && [ "$(json 'd["state"]')" = joined ] &&
			return 0
		sleep 0.2
	done
	fail "participant $1 not joined: $(cat "$T/http.body")"
}

make_tone "$T/t440.wav" 440 60
bs_setup bob $BOB 4442 10020 opus/48000/2 "$T/t440.wav" ';answermode=auto'
bs_start bob "" 60

# --- 1. bound to loopback: nothing anywhere else ----------------------------------
chorusd_start
room_create $ROOM
code=$(dial "sip:bob@127.0.0.1:$BOB")
[ "$code" = 202 ] || fail "dial-out to 127.0.0.1: $code $(cat "$T/http.body")"
wait_joined "$(json 'd["id"]')"
bs_wait_log bob 'Call established' 5 || fail "bob: no 'Call established'"
log "dial-out by address: bob joined"

socks "$CHORUSD_PID" > "$T/socks-lo.txt"
log "chorusd's sockets: $(tr '\n' ' ' < "$T/socks-lo.txt")"
[ "$(grep -c . "$T/socks-lo.txt")" -ge 5 ] ||
	fail "too few sockets seen (SIP udp+tcp, HTTP, RTP, RTCP): ss cannot see chorusd?"
bad=$(others "$CHORUSD_PID")
[ -z "$bad" ] || fail "SIP and HTTP on 127.0.0.1, yet chorusd holds: $(echo $bad)"
log "every socket on 127.0.0.1"

code=$(dial "sip:bob@pbx.example.test:$BOB")
[ "$code" = 400 ] ||
	fail "dial-out to a host name with no resolver: $code, want 400: $(cat "$T/http.body")"
why=$(error_check uri) || fail "dial-out to a host name: $why"
json 'd["error"]["message"]' | grep -q resolver ||
	fail "the 400 does not say why: $(cat "$T/http.body")"
log "dial-out to a host name: 400 $(json 'd["error"]["message"]')"
[ "$(participant_count $ROOM)" = 1 ] || fail "the refused dial-out is listed"
chorusd_stop 8
bs_wait_log bob 'session closed' 5 || fail "bob got no BYE"

# --- 2. on the wildcard: the resolver, and host names ------------------------------
cat > "$T/dns.py" <<'EOF'
# A DNS server for one name: pbx.example.test A 127.0.0.1; NXDOMAIN else
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('127.0.0.1', 53))
log = open(sys.argv[1], 'a', buffering=1)
while True:
	q, src = s.recvfrom(1500)
	i, labels = 12, []
	while i < len(q) and q[i]:
		labels.append(q[i + 1:i + 1 + q[i]].decode('ascii', 'replace'))
		i += 1 + q[i]
	qtype = struct.unpack('>H', q[i + 1:i + 3])[0]
	name = '.'.join(labels).lower()
	log.write('%s %d\n' % (name, qtype))
	ans, rcode = b'', 3
	if name == 'pbx.example.test':
		rcode = 0
		if qtype == 1:
			ans = b'\xc0\x0c' + struct.pack('>HHIH', 1, 1, 60, 4) + \
				socket.inet_aton('127.0.0.1')
	hdr = struct.pack('>HHHHHH', struct.unpack('>H', q[:2])[0],
			  0x8180 | rcode, 1, 1 if ans else 0, 0, 0)
	s.sendto(hdr + q[12:i + 5] + ans, src)
EOF
python3 "$T/dns.py" "$T/dns.log" 2>> "$T/dns.err" &
track_pid $!
echo 'nameserver 127.0.0.1' > "$T/resolv.conf"
: > "$T/dns.log"

# spawn SIP_ADDR ARGS...: chorusd in its own mount namespace, where
# /etc/resolv.conf names the DNS server above
spawn()
{
	local i

	log "starting chorusd on $1:$SIP_PORT ${*:2} (resolv.conf: 127.0.0.1)"
	unshare -m bash -c 'mount --bind "$0" /etc/resolv.conf && exec "$@"' \
		"$T/resolv.conf" "$CHORUSD" --sip "$1:$SIP_PORT" \
		--http 127.0.0.1:$HTTP_PORT --rtp-ports 20000-20999 \
		--advertise 127.0.0.1 --data-dir "$T/data2" "${@:2}" \
		>> "$T/chorusd.log" 2>&1 &
	CHORUSD_PID=$!
	track_pid $CHORUSD_PID
	for ((i = 0; i < 100; i++)); do
		alive $CHORUSD_PID || fail "chorusd on $1 exited at start-up"
		[ "$(curl -s -o /dev/null -m 1 -w '%{http_code}' \
			"$HTTP_URL/healthz")" = 200 ] && break
		sleep 0.1
	done
	log "chorusd up (pid $CHORUSD_PID)"
	room_create $ROOM
}

# dial_name: a dial-out to pbx.example.test is resolved and bob joins
dial_name()
{
	: > "$T/dns.log"
	code=$(dial "sip:bob@pbx.example.test:$BOB")
	[ "$code" = 202 ] ||
		fail "dial-out to pbx.example.test: $code $(cat "$T/http.body")"
	wait_joined "$(json 'd["id"]')"
	grep -q '^pbx.example.test 1$' "$T/dns.log" ||
		fail "the DNS server saw no A query for pbx.example.test: $(cat "$T/dns.log")"
	log "dial-out by host name: resolved ($(tr '\n' ' ' < "$T/dns.log")), bob joined"
}

# resolver auto, on the wildcard: it is there
spawn 0.0.0.0
bad=$(others $CHORUSD_PID)
log "chorusd on the wildcard holds, beside 127.0.0.1: $(echo $bad)"
echo "$bad" | grep -q '^udp 0\.0\.0\.0:' ||
	fail "no resolver socket on 0.0.0.0: the check above would see none either"
dial_name
chorusd_stop 8

# resolver on, SIP on loopback: the operator asked for it
spawn 127.0.0.1 --resolver on
echo "$(others $CHORUSD_PID)" | grep -q '^udp 0\.0\.0\.0:' ||
	fail "resolver on: no resolver socket"
dial_name
chorusd_stop 8

# resolver off, SIP on the wildcard: none, and a host name is refused
spawn 0.0.0.0 --resolver off
bad=$(others $CHORUSD_PID)
[ -z "$bad" ] || fail "resolver off, yet chorusd holds: $(echo $bad)"
code=$(dial "sip:bob@pbx.example.test:$BOB")
[ "$code" = 400 ] || fail "resolver off: a host name dial-out got $code"
log "resolver off: no socket beside 127.0.0.1, a host name refused"
chorusd_stop 8

bs_stop bob
log "PASS"
