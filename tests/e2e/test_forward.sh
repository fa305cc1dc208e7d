#!/bin/bash
# test_forward: a voice heard alone is forwarded, not encoded again.
# alice (440 Hz) and bob (1000 Hz) talk, carol listens (silence); all
# three use Opus. Each talker hears the other alone, so chorusd forwards
# the other's packets (forwards_per_tick 2), and the one encode left is
# carol's shared mix (encodes_per_tick 1). Checked in the room stats
# while they talk, and in the recordings: alice hears 1000 Hz and not
# 440, bob 440 and not 1000, carol both. When bob has hung up, carol
# hears alice alone: her packets are alice's, forwarded (1 per tick).

. "$(dirname "$0")/lib.sh"
need_netns

ROOM=demo
URI=sip:$ROOM@127.0.0.1:$SIP_PORT

chorusd_start
room_create $ROOM

make_tone "$T/t440.wav" 440 60
make_tone "$T/t1000.wav" 1000 60
sox -q -n -r 48000 -c 1 -b 16 "$T/silence.wav" trim 0 60 ||
	fail "sox could not make silence.wav"
bs_setup alice 5070 4440 10000 opus/48000/2 "$T/t440.wav"
bs_setup bob   5080 4441 10010 opus/48000/2 "$T/t1000.wav"
bs_setup carol 5090 4442 10020 opus/48000/2 "$T/silence.wav"

bs_join $ROOM "$URI" alice bob carol
log "all three in the room; talking"
sleep 2

# stats STEP: one "talkers forwards encodes" line per sample
stats()
{
	local i

	for i in 1 2 3 4 5; do
		api_expect 200 GET /v1/rooms/$ROOM
		json '"%d %d %d" % (d["stats"]["talkers"],
			d["stats"]["forwards_per_tick"],
			d["stats"]["encodes_per_tick"])'
		sleep 0.5
	done
}

s=$(stats)
log "talkers forwards encodes, 5 samples: $(echo $s | tr '\n' ' ')"
n=$(grep -c '^2 2 1$' <<<"$s")
[ "$n" -ge 4 ] ||
	fail "two talkers: 'talkers forwards encodes' = '2 2 1' in $n of 5 samples"

log "bob hangs up"
bs_ctrl bob hangup > "$T/bob.hangup"
wait_participants $ROOM 2 10
sleep 1
s=$(stats)
log "talkers forwards encodes, 5 samples: $(echo $s | tr '\n' ' ')"
n=$(grep -c '^1 1 ' <<<"$s")
[ "$n" -ge 4 ] ||
	fail "one talker: 'talkers forwards' = '1 1' in $n of 5 samples"
sleep 1

for p in alice carol; do
	bs_ctrl $p hangup > "$T/$p.hangup"
done
wait_participants $ROOM 0 10
for p in alice bob carol; do
	bs_stop $p
done

check_heard alice "1000" 440
check_heard bob   "440"  1000
check_heard carol "440 1000" ""
[ "$HEARD_OK" = 1 ] ||
	fail "a participant heard the wrong tones (see above)"

chorusd_stop 5
log "PASS"
