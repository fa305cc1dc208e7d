# shellcheck shell=bash
# video.sh: helpers for end-to-end video tests (source it after lib.sh).
#
# A video participant is a baresip (set up by lib.sh's bs_setup, then its
# config rewritten) that sends a solid colour (lavfi color source through the
# avformat module) with a small moving grey square, and an Opus sine from the
# ausine module. What a receiver saw is decided from a tcpdump capture on lo
# by tests/tools/vcap.py: it depacketizes the receiver's video RTP, decodes
# it with ffmpeg and reports the colour of every frame, runs of colours over
# time, the stream checks (SSRCs, sequence gaps, timestamp order, keyframes
# at the start and at each change) and, when the senders' own RTP is in the
# capture too (their streams to chorusd), which sender's frame each received
# frame is (source_runs; see vcap.py).
#
#   bsv_setup a 5070 4440 30000 red 440               # offers VP8, VP9, H264
#   bsv_setup b 5072 4442 30010 blue 1000 vp8 ";answermode=auto"
#   vcap_start "$T/video.pcap"
#   bs_start b; bs_start a sip:b@127.0.0.1:5072 30
#   ...; vcap_stop
#   port=$(bsv_video_port "$T/video.pcap" b)     # the m=video port b offered
#   vcolour_runs "$T/video.pcap" "$port" > "$T/b.json"   # codec from the SDP
#   vcolours "$T/b.json"                              # -> red
#   vassert "$T/b.json" 'd["ok"]'                     # else fail with problems
#   vassert "$T/b.json" 'd["changes"][0]["first_is_key"]'
#
# Finding a receiver's video port: baresip takes its RTP ports at random from
# its rtp_ports range, so it is read from the capture instead: the SDP that
# the receiver's baresip sent (an INVITE or a 200 OK from its SIP port; the
# capture must hold the SIP on UDP, which the default "udp" filter does). The
# last non-zero m=video port in such an SDP is the one (a re-INVITE that
# moves it wins). vcap.py --sip-port PORT --print-port does that (or
# --sip-user NAME: From of its requests, To of its responses, or its Contact
# user NAME-0x...). While the call is up, bsv_video_port_ctrl asks baresip.
#
# What baresip 1.0.0 does (seen here): VP8 and VP9 send a keyframe at the
# start, on request, and every 128 frames (8.5 s at 15 fps); H.264 every 150
# frames (10 s). Its VP9 descriptor never sets P (every frame looks like a
# keyframe by the descriptor: only the VP9 header tells). Its VP8 deltas have
# N (non-reference) set. Removing video (/video_dir inactive: a re-INVITE
# with m=video 0) and adding it again (/video_dir sendrecv) restarts its RTP
# timestamps with the same SSRC and continuous sequence numbers, and it may
# send no video again until /vidsrc sets a source.
#
# Settings (environment, before bsv_setup): BSV_SIZE (320x240), BSV_FPS (15),
# BSV_BITRATE (300000), BSV_AUPLAY (aubridge,nil; "alsa,null" as lib.sh),
# BSV_VMODULES ("vp8.so vp9.so avcodec.so": the codec modules, in the
# order baresip offers them; put avcodec.so first to offer H264 first),
# BSV_MARK (1: a small grey square moves over the colour, so that no two
# frames are alike; 0: the bare colour), BSV_SOURCE (a whole lavfi graph
# instead, e.g. "testsrc=size=320x240:rate=15,format=yuv420p"; then pass
# --agree 0 to vcap.py).

VCAP=${VCAP:-$ROOT/tests/tools/vcap.py}
VCAP_PID=
declare -A BSV_SIP

# bsv_setup NAME SIP_PORT CTRL_PORT RTP_BASE COLOUR TONE_HZ [VIDEO_CODECS [EXTRA_ACCT]]
# Config dir for a video participant: Opus audio (ausine at TONE_HZ, 48 kHz
# stereo), video from lavfi color=c=COLOUR, display fakevideo, RTCP on its own
# port (rtcp_mux no). VIDEO_CODECS (e.g. vp8, h264, vp9, or "vp8,vp9") goes
# into the account as video_codecs=...; without it baresip offers and accepts
# its whole list (H264 packetization-mode 0 and 1, VP8, VP9). The same
# RTP_BASE..RTP_BASE+9 range as bs_setup: audio and video take 2 ports each.
# EXTRA_ACCT is appended to the account line as it is, e.g. ";answermode=auto"
# for a baresip that is called directly (chorusd is not in the path).
bsv_setup()
{
	local name=$1 sip=$2 ctrl=$3 rtp=$4 colour=$5 hz=$6 vc=${7:-} extra=${8:-}
	local dir=$T/$1 size=${BSV_SIZE:-320x240} fps=${BSV_FPS:-15} src

	bs_setup "$name" "$sip" "$ctrl" "$rtp" opus/48000/2 /dev/null \
		"${vc:+;video_codecs=$vc}$extra"
	local w=${size%x*} h=${size#*x}
	if [ "${BSV_MARK:-1}" = 1 ]; then
		# a 16x16 grey square moving 4 px right and 1 px down a frame
		# (it comes back after lcm((W-16)/4, H-16) frames, 284 s at
		# 320x240@15; mod's comma escaped for lavfi), each participant's
		# 16 px lower than that of the one 2 SIP ports below (13
		# places): every frame differs, and differs from the other
		# participants' frames (vcap.py matches forwarded frames to
		# their sender by their bytes; the deltas of still pictures, or
		# of two alike squares on any colour, are the same bytes), at
		# no cost
		local yo=$(( sip / 2 % 13 * 16 ))
		src="color=$colour:$size:${fps}[a];color=gray:16x16:${fps}[b];[a][b]overlay=mod(4*n\\,$((w - 16))):mod(n+$yo\\,$((h - 16))),format=yuv420p"
	else
		src="color=c=$colour:size=$size:rate=$fps"
	fi
	src=${BSV_SOURCE:-$src}
	# baresip cuts a device name at 121 characters
	[ ${#src} -le 120 ] || fail "bsv_setup $name: lavfi graph over 120 characters: $src"
	# ausine only runs at 48 kHz, 2 channels. The player: lib.sh's
	# "alsa,null" spins one thread at 100% of a core for the whole call
	# (the null PCM never blocks); aubridge with no matching source never
	# starts its thread, and sndfile still dumps what was decoded.
	sed -i -e "s|^audio_source\t.*|audio_source\t\tausine,$hz|" \
		-e "s|^ausrc_channels\t.*|ausrc_channels\t\t2|" \
		-e "s|^audio_player\t.*|audio_player\t\t${BSV_AUPLAY:-aubridge,nil}|" \
		-e "s|^audio_alert\t.*|audio_alert\t\t${BSV_AUPLAY:-aubridge,nil}|" \
		"$dir/config"
	cat >> "$dir/config" <<EOF
video_source		avformat,lavfi,$src
video_display		fakevideo,nil
video_size		$size
video_fps		$fps
video_bitrate		${BSV_BITRATE:-300000}
module			ausine.so
module			aubridge.so
EOF
	# the order of the codec modules is the order of baresip's offer
	for m in ${BSV_VMODULES:-vp8.so vp9.so avcodec.so}; do
		printf 'module\t\t\t%s\n' "$m" >> "$dir/config"
	done
	printf 'module\t\t\t%s\n' avformat.so fakevideo.so >> "$dir/config"
	BSV_SIP[$name]=$sip
}

# vcap_start FILE [FILTER]: tcpdump on lo (all UDP unless FILTER) into FILE;
# waits until tcpdump listens; sets VCAP_PID. --immediate-mode: without it
# libpcap hands packets over a ring block at a time (up to a second late),
# and whatever is still in the ring at SIGINT is lost (13 of 20 packets sent
# 0.5 s before SIGINT were written here); -U writes each packet at once.
vcap_start()
{
	local i

	: > "$T/vcap-tcpdump.log"
	tcpdump -i lo --immediate-mode -n -U -B 8192 -s 0 -w "$1" "${2:-udp}" \
		> "$T/vcap-tcpdump.log" 2>&1 < /dev/null &
	VCAP_PID=$!
	track_pid "$VCAP_PID"
	for ((i = 0; i < 50; i++)); do
		grep -q 'listening on' "$T/vcap-tcpdump.log" && return 0
		alive "$VCAP_PID" || break
		sleep 0.1
	done
	fail "tcpdump did not start: $(cat "$T/vcap-tcpdump.log")"
}

# vcap_stop: SIGINT tcpdump (it flushes and closes the file), wait at most
# 5 s, then SIGKILL; logs tcpdump's packet counts
vcap_stop()
{
	[ -n "$VCAP_PID" ] || return 0
	sleep 0.3
	kill -INT "$VCAP_PID" 2>/dev/null
	wait_gone "$VCAP_PID" 5 || kill -KILL "$VCAP_PID" 2>/dev/null
	wait "$VCAP_PID" 2>/dev/null
	VCAP_PID=
	log "tcpdump: $(grep -E 'captured|dropped by kernel' "$T/vcap-tcpdump.log" |
		tr '\n' ' ')"
}

# bsv_video_port PCAP NAME: the video RTP port participant NAME (set up by
# bsv_setup) offered or answered in its last SDP with video in the capture;
# empty output and status 1 if there is none
bsv_video_port()
{
	timeout 60 python3 "$VCAP" "$1" --sip-port "${BSV_SIP[$2]}" --print-port
}

# bsv_video_port_ctrl NAME: the local video RTP port of NAME's current call,
# asked over ctrl_tcp (/video_debug prints "local: 0.0.0.0:PORT"); only
# while the call is up, unlike bsv_video_port
bsv_video_port_ctrl()
{
	bs_ctrl "$1" video_debug | grep -o 'local: [0-9.]*:[0-9]*' |
		head -n 1 | sed 's/.*://'
}

# vcolour_runs PCAP PORT [CODEC [ARGS...]]: vcap.py --json --frames for the
# video RTP to PORT (CODEC vp8, h264, vp9 or auto: from the capture's SDP
# for PORT, else vp8; default auto); prints the JSON (with "frame_list":
# per frame t, t_abs, ts, ssrc, seq, key, complete, colour, rgb, source,
# reason); the status is vcap.py's (0: frames decoded, 1: none, 2: error).
# ARGS go to vcap.py (--agree 0, --palette ..., --no-sources)
vcolour_runs()
{
	local pcap=$1 port=$2 codec=${3:-auto}

	shift 2
	[ $# -gt 0 ] && shift
	timeout 120 python3 "$VCAP" "$pcap" --dst-port "$port" \
		--codec "$codec" --json --frames "$@"
}

# vcolour_summary PCAP PORT [CODEC [ARGS...]]: the human summary of the same
vcolour_summary()
{
	local pcap=$1 port=$2 codec=${3:-auto}

	shift 2
	[ $# -gt 0 ] && shift
	timeout 120 python3 "$VCAP" "$pcap" --dst-port "$port" \
		--codec "$codec" "$@"
}

# vjson FILE EXPR: a python expression over the JSON in FILE, bound to 'd'
# (lib.sh's json reads the last HTTP body instead)
vjson()
{
	python3 - "$1" "$2" <<'EOF'
import json, sys
with open(sys.argv[1], 'rb') as f:
	d = json.loads(f.read().decode('utf-8'))
r = eval(sys.argv[2], {'d': d})
print(r if isinstance(r, str) else json.dumps(r))
EOF
}

# vcolours FILE: the colour runs in a vcap JSON as one line,
# "red blue red" (the colour of each run, in order)
vcolours()
{
	vjson "$1" '" ".join(r["colour"] for r in d["runs"])'
}

# vassert FILE EXPR [MSG]: fail (lib.sh) unless the python expression over
# the vcap JSON in FILE ('d') is true; the failure shows the problems list
vassert()
{
	local v

	v=$(vjson "$1" "bool($2)" 2>&1)
	[ "$v" = true ] && return 0
	fail "${3:-$2}: got $v; vcap problems: $(vjson "$1" '"; ".join(d["problems"])' 2>&1)"
}

# vsources FILE: the source runs in a vcap JSON as one line, "a b" (the
# sender of each run: the SIP user whose SDP offered the stream's source
# port, else "port N"); empty when no sender's stream was in the capture
vsources()
{
	vjson "$1" '" ".join(r["source"] for r in d["source_runs"])'
}
