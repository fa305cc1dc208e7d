#!/bin/bash
# test_reload: SIGHUP reloads the configuration while a call is up.
#  chorusd runs with a config file (api_token T1, log_level info, auth
#  digest, a users file with alice and bob); baresip alice is in room demo
#  for the whole test.
#  SIP over TLS serves certificate A (CN chorus-a) on port 5061.
#  1. SIGHUP after the file says api_token T2 and log_level debug, the
#     users file holds carol alone and certificate B (CN chorus-b) is in
#     the same files (a renewal): chorusd is alive and logs one line
#     naming what changed; a new TLS connection gets B; T1 gets 401 and
#     T2 200; carol (sip_digest.py)
#     is let in (401 200, BYE 200), bob is not (401 403); a malformed
#     request now leaves a debug line; alice's call is still up (the
#     same participant, her RTP still counted in /metrics).
#  2. Five SIGHUPs in a row: alive, at least one reload (those that come
#     together are one), "no setting changed", alice still in.
#  3. A broken users file (a malformed line) beside api_token T3: the
#     reload is refused as a whole with one error line: T2 still 200, T3
#     401, carol still let in.
#  4. A bad value in the config file (log_level loud): refused the same;
#     and a certificate file that holds no certificate: refused, B still
#     served.
#  5. Both mended: T3 is taken. alice's call was never dropped, and
#     SIGTERM still ends chorusd with 0 after a BYE to her.

. "$(dirname "$0")/lib.sh"
need_netns

ROOM=demo
URI=sip:$ROOM@127.0.0.1:$SIP_PORT
T1=tok1-aaaaaaaaaaaaaaaaaaaa
T2=tok2-bbbbbbbbbbbbbbbbbbbb
T3=tok3-cccccccccccccccccccc
CONF=$T/chorusd.conf
USERS=$T/users
TLS_PORT=5061

# tapi TOKEN METHOD PATH [BODY]: the API with a bearer token; prints the
# status code, the body goes to $T/http.body
tapi()
{
	local args=(-s -m 5 -X "$2" -o "$T/http.body" -w '%{http_code}'
		    -H "Authorization: Bearer $1")

	[ $# -ge 4 ] && args+=(-H 'Content-Type: application/json'
			       --data-binary "$4")
	curl "${args[@]}" "$HTTP_URL$3" 2>/dev/null || echo 000
}

# token_expect TOKEN WANT: GET /v1/rooms with TOKEN answers WANT
token_expect()
{
	local got

	got=$(tapi "$1" GET /v1/rooms)
	[ "$got" = "$2" ] || fail "token ${1%%-*}: GET /v1/rooms $got, want $2"
	log "token ${1%%-*}: $got"
}


# reloads: how many reload lines chorusd has logged
reloads()
{
	grep -ac ' reload: ' "$T/chorusd.log"
}

# hup N: SIGHUP, then wait (5 s at most) for the reload lines to reach N
hup()
{
	local i

	kill -HUP "$CHORUSD_PID" || fail "chorusd gone before SIGHUP"
	for ((i = 0; i < 50; i++)); do
		[ "$(reloads)" -ge "$1" ] && break
		sleep 0.1
	done
	alive "$CHORUSD_PID" || {
		wait "$CHORUSD_PID"
		fail "chorusd died of SIGHUP (exit status $?)"
	}
	[ "$(reloads)" -ge "$1" ] ||
		fail "no reload line after SIGHUP ($(reloads), want $1)"
}

# hup_refused N WHAT: SIGHUP with a bad WHAT in place; wait (5 s at most)
# for N more error lines, fail if chorusd died, and leave them in err.txt
hup_refused()
{
	local n i

	n=$(grep -ac ' error ' "$T/chorusd.log")
	kill -HUP "$CHORUSD_PID"
	for ((i = 0; i < 50; i++)); do
		[ "$(grep -ac ' error ' "$T/chorusd.log")" -ge $((n + $1)) ] && break
		sleep 0.1
	done
	alive "$CHORUSD_PID" || fail "chorusd died of $2"
	grep -a ' error ' "$T/chorusd.log" | tail -n "$1" > "$T/err.txt"
}

# alice_in: alice's call is still up, as she and chorusd see it
alice_in()
{
	local n

	grep -aq 'session closed\|terminated' "$T/alice.log" &&
		fail "alice's call ended: $(grep -a 'session closed\|terminated' "$T/alice.log")"
	n=$(tapi "$1" GET "/v1/rooms/$ROOM/participants")
	[ "$n" = 200 ] || fail "participants: $n"
	n=$(json 'len(d["participants"])')
	[ "$n" = 1 ] || fail "room $ROOM: $n participants, want alice alone"
	[ "$(json 'd["participants"][0]["id"]')" = "$ALICE_ID" ] ||
		fail "alice's participant changed: $(cat "$T/http.body")"
	# and her media still comes in (/metrics needs no token)
	n=$(curl -s -m 5 "$HTTP_URL/metrics" |
		awk '/^chorus_rtp_packets_received_total/ {print $2}')
	[ "${n:-0}" -gt "$ALICE_RX" ] ||
		fail "alice's RTP stopped: ${n:-none} packets received, $ALICE_RX before"
	log "alice still in (participant $ALICE_ID), RTP received $ALICE_RX -> $n"
	ALICE_RX=$n
}

# mkcert CN: a self-signed certificate in $T/cert.pem, its key in key.pem
mkcert()
{
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		-nodes -keyout "$T/key.new" -out "$T/cert.new" -days 30 \
		-subj "/CN=$1" > "$T/openssl.log" 2>&1 ||
		fail "openssl: $(cat "$T/openssl.log")"
	mv "$T/key.new" "$T/key.pem"
	mv "$T/cert.new" "$T/cert.pem"
}

# tls_cn_expect CN: a new TLS connection to chorusd gets that certificate
tls_cn_expect()
{
	local got

	got=$(timeout 5 openssl s_client -connect 127.0.0.1:$TLS_PORT \
		< /dev/null 2> /dev/null | openssl x509 -noout -subject \
		2> /dev/null)
	case $got in
	*"CN = $1"|*"CN=$1") log "TLS serves $1" ;;
	*) fail "TLS: certificate '$got', want CN $1" ;;
	esac
}

users()
{
	local u

	for u in "$@"; do
		printf '%s\n' "${u#*:}" | "$ROOT/scripts/chorus-user" "${u%%:*}"
	done
}

users alice:secret bob:hunter2 > "$USERS" || fail "chorus-user failed"
mkcert chorus-a

chorusd_start "api_token $T1
tls_port $TLS_PORT
tls_cert $T/cert.pem
tls_key $T/key.pem
log_level info
users_file $USERS
auth digest
digest_algorithms MD5"
[ "$(tapi $T1 POST /v1/rooms "{\"name\":\"$ROOM\"}")" = 201 ] ||
	fail "room not created: $(cat "$T/http.body")"

make_tone "$T/t440.wav" 440 90
bs_setup alice 5070 4440 10000 opus/48000/2 "$T/t440.wav" \
	";auth_user=alice;auth_pass=secret"
bs_start alice "$URI" 90
for ((i = 0; i < 50; i++)); do
	tapi $T1 GET "/v1/rooms/$ROOM/participants" > /dev/null
	[ "$(json 'len(d["participants"])' 2>/dev/null)" = 1 ] && break
	sleep 0.2
done
bs_wait_log alice 'Call established' 5 ||
	fail "alice: no 'Call established' in her log"
ALICE_ID=$(json 'd["participants"][0]["id"]')
ALICE_RX=0
log "alice (baresip) in the room as participant $ALICE_ID"

token_expect $T1 200
token_expect $T2 401
tls_cn_expect chorus-a
digest_expect "401 200 200" 127.0.0.2 --user bob --password hunter2 call $ROOM
digest_expect "401 403" 127.0.0.3 --user carol --password c4rol call $ROOM

# --- 1. token, log level and users changed ---------------------------------------
sed -i -e "s/^api_token .*/api_token $T2/" -e 's/^log_level .*/log_level debug/' \
	"$CONF"
users carol:c4rol > "$USERS"
mkcert chorus-b
hup 1
line=$(grep -a ' reload: ' "$T/chorusd.log" | tail -n 1)
log "chorusd: $line"
case $line in
*"log_level info -> debug, api_token changed; users 2 -> 1 (+1 -2 ~0); TLS certificate read again"*) ;;
*) fail "reload line does not say what changed: $line" ;;
esac
case $line in *"$T2"*|*"$T1"*) fail "the reload line shows a token" ;; esac

token_expect $T1 401
token_expect $T2 200
tls_cn_expect chorus-b
digest_expect "401 200 200" 127.0.0.4 --user carol --password c4rol call $ROOM
digest_expect "401 403" 127.0.0.5 --user bob --password hunter2 call $ROOM

# a request that requires an extension we lack gets 420 and a debug line
before=$(grep -ac ' debug ' "$T/chorusd.log")
python3 - $SIP_PORT <<'EOF2'
import socket, sys
m = ('OPTIONS sip:demo@127.0.0.1 SIP/2.0\r\n'
     'Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bKrl1\r\n'
     'From: <sip:x@127.0.0.1>;tag=1\r\nTo: <sip:demo@127.0.0.1>\r\n'
     'Call-ID: rl1@127.0.0.1\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n'
     'Require: no-such-extension\r\nContent-Length: 0\r\n\r\n')
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('127.0.0.1', 5999))
s.sendto(m.encode(), ('127.0.0.1', int(sys.argv[1])))
EOF2
for ((i = 0; i < 20; i++)); do
	[ "$(grep -ac ' debug ' "$T/chorusd.log")" -gt "$before" ] && break
	sleep 0.1
done
[ "$(grep -ac ' debug ' "$T/chorusd.log")" -gt "$before" ] ||
	fail "log_level debug not applied: no debug line after the reload"
log "log level debug applied: $(grep -a ' debug ' "$T/chorusd.log" | tail -n 1)"
alice_in $T2

# --- 2. several SIGHUPs in a row ---------------------------------------------------
n=$(reloads)
for ((i = 0; i < 5; i++)); do
	kill -HUP "$CHORUSD_PID" || fail "chorusd gone at SIGHUP $i of 5"
done
# signals that come before the loop has read the first are one reload
hup $((n + 1))
sleep 0.5
alive "$CHORUSD_PID" || fail "chorusd died of five SIGHUPs"
grep -a ' reload: ' "$T/chorusd.log" | tail -n 1 | grep -q 'no setting changed' ||
	fail "an unchanged reload says: $(grep -a ' reload: ' "$T/chorusd.log" | tail -n 1)"
log "five SIGHUPs: $(( $(reloads) - n )) reloads, alive"
alice_in $T2

# --- 3. a broken users file: nothing changes ------------------------------------------
sed -i "s/^api_token .*/api_token $T3/" "$CONF"
{ users carol:c4rol bob:hunter2; echo 'dave has no colons'; } > "$USERS"
hup_refused 2 "a broken users file"
grep -q "users file $USERS line 3" "$T/err.txt" &&
	grep -q 'running configuration is kept' "$T/err.txt" ||
	fail "no clear error for the broken users file: $(cat "$T/err.txt")"
log "broken users file: $(tail -n 1 "$T/err.txt")"
token_expect $T2 200
token_expect $T3 401
digest_expect "401 200 200" 127.0.0.6 --user carol --password c4rol call $ROOM
digest_expect "401 403" 127.0.0.7 --user bob --password hunter2 call $ROOM

# --- 4. a bad value in the config file: nothing changes ----------------------------------
users carol:c4rol bob:hunter2 > "$USERS"
sed -i 's/^log_level .*/log_level loud/' "$CONF"
hup_refused 1 "a bad config file"
line=$(cat "$T/err.txt")
case $line in
*"invalid log_level 'loud'"*"running configuration is kept"*) ;;
*) fail "no clear error for the bad config: $line" ;;
esac
log "bad config: $line"
token_expect $T2 200
token_expect $T3 401
digest_expect "401 403" 127.0.0.8 --user bob --password hunter2 call $ROOM

sed -i 's/^log_level .*/log_level info/' "$CONF"
cp "$T/cert.pem" "$T/cert.good"
echo 'not a certificate' > "$T/cert.pem"
hup_refused 1 "a bad certificate file"
line=$(cat "$T/err.txt")
case $line in
*"TLS certificate $T/cert.pem: no PEM certificate"*"running configuration is kept"*) ;;
*) fail "no clear error for the bad certificate: $line" ;;
esac
log "bad certificate: $line"
tls_cn_expect chorus-b
token_expect $T3 401
digest_expect "401 403" 127.0.0.10 --user bob --password hunter2 call $ROOM
mv "$T/cert.good" "$T/cert.pem"

# --- 5. mended: taken ----------------------------------------------------------------------
n=$(reloads)
hup $((n + 1))
line=$(grep -a ' reload: ' "$T/chorusd.log" | tail -n 1)
log "chorusd: $line"
case $line in
*"log_level debug -> info, api_token changed; users 1 -> 2 (+1 -0 ~0); TLS certificate read again"*) ;;
*) fail "the mended reload says: $line" ;;
esac
token_expect $T2 401
token_expect $T3 200
digest_expect "401 200 200" 127.0.0.9 --user bob --password hunter2 call $ROOM
tls_cn_expect chorus-b
alice_in $T3

chorusd_stop 8
bs_wait_log alice 'session closed' 5 ||
	fail "alice got no BYE at SIGTERM"
bs_stop alice
log "PASS"
