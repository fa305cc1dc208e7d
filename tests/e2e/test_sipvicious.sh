#!/bin/bash
# test_sipvicious: SIP scanners against chorusd with auth digest (users
# alice/secret, bob/hunter2; digest_algorithms MD5, which svcrack can
# compute: at a SHA-256 challenge it gives up).
#  1. svwar (extension scan, REGISTER and INVITE, numbers and names that
#     include the real users and room) learns nothing: every extension gets
#     the same 401, so it reports "found nothing".
#  2. svcrack -u alice with a small dictionary (without alice's password)
#     finds nothing.
#  3. svcrack -u alice -r 1-300: the source is blocked after its sixth
#     failure; from then on it gets 403 without any check, so at most six
#     passwords are ever checked; it finds nothing. chorusd logs the block,
#     stays up and quiet under the flood of 403s, refuses the blocked
#     source even with the right password, and still lets a caller with
#     the right password in from another address.
# sipvicious binds to every address whatever -b says, so its requests come
# from 127.0.0.1; the other callers use other addresses of 127/8.

. "$(dirname "$0")/lib.sh"
need_netns

ROOM=demo


# sv_nothing NAME: sipvicious output $T/NAME.out says it found nothing
sv_nothing()
{
	grep -q 'found nothing' "$T/$1.out" ||
		fail "$1 did not report 'found nothing': $(tail -n 5 "$T/$1.out")"
	if grep -qE 'The password for|^\| *[0-9a-z]+ *\| *(reqauth|noauth)' \
		"$T/$1.out"; then
		fail "$1 found something: $(grep -E 'password for|\|' "$T/$1.out")"
	fi
}

{
	printf 'secret\n' | "$ROOT/scripts/chorus-user" alice
	printf 'hunter2\n' | "$ROOT/scripts/chorus-user" bob
} > "$T/users" || fail "chorus-user failed"

chorusd_start "users_file $T/users
auth digest
digest_algorithms MD5"
room_create $ROOM

# --- 1. svwar -------------------------------------------------------------------
printf '%s\n' alice bob carol demo 100 1000 > "$T/names"
log "svwar: REGISTER 100-110, INVITE 100-110, REGISTER and INVITE by name"
timeout 60 svwar -e100-110 -b 127.0.0.1 -P 5200 127.0.0.1 \
	> "$T/svwar-reg.out" 2>&1
timeout 60 svwar -m INVITE -e100-110 -b 127.0.0.1 -P 5202 127.0.0.1 \
	> "$T/svwar-inv.out" 2>&1
timeout 60 svwar --force -d "$T/names" -b 127.0.0.1 -P 5204 127.0.0.1 \
	> "$T/svwar-names.out" 2>&1
timeout 60 svwar --force -m INVITE -d "$T/names" -b 127.0.0.1 -P 5206 \
	127.0.0.1 > "$T/svwar-names-inv.out" 2>&1
for s in svwar-reg svwar-inv svwar-names svwar-names-inv; do
	sv_nothing $s
done
grep -q 'authentication request for an unknown extension' \
	"$T/svwar-reg.out" ||
	fail "svwar: no sign that an unknown extension got the same 401"
log "svwar found nothing"
chorusd_alive || fail "chorusd died during svwar"

# --- 2. svcrack with a small dictionary -----------------------------------------
printf '%s\n' 123456 password alice letmein > "$T/dict"
if grep -qx secret "$T/dict"; then
	fail "the dictionary holds alice's password"
fi
log "svcrack -u alice -d dict (4 words)"
timeout -s INT 40 svcrack -u alice -d "$T/dict" -b 127.0.0.1 -P 5208 \
	127.0.0.1 > "$T/svcrack-dict.out" 2>&1
sv_nothing svcrack-dict
log "svcrack (dictionary) found nothing"

# --- 3. svcrack over a range, into the block --------------------------------------
log "svcrack -u alice -r 1-300, stopped after 10 s"
timeout -s INT -k 5 10 svcrack -u alice -r 1-300 -b 127.0.0.1 -P 5210 \
	127.0.0.1 > "$T/svcrack-range.out" 2>&1
if grep -q 'The password for' "$T/svcrack-range.out"; then
	fail "svcrack found a password: $(grep 'password for' "$T/svcrack-range.out")"
fi
grep -q '127.0.0.1 blocked for 300 s after repeated failures' "$T/chorusd.log" ||
	fail "chorusd did not block 127.0.0.1"
n=$(grep -c 'from 127.0.0.1:.*authentication failed' "$T/chorusd.log")
[ "$n" -le 6 ] || fail "$n passwords were checked for 127.0.0.1 (want <= 6)"
log "svcrack (range) found nothing; $n passwords checked in all, then blocked"
chorusd_alive || fail "chorusd died during svcrack"
lines=$(wc -l < "$T/chorusd.log")
[ "$lines" -lt 100 ] || fail "chorusd logged $lines lines (a line per 403?)"

digest_expect "403" 127.0.0.1 --user alice --password secret call $ROOM
digest_expect "401 200 200" 127.0.0.6 --user alice --password secret call $ROOM

chorusd_stop 5
log "PASS"
