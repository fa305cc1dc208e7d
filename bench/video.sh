#!/bin/bash
# video.sh: what chorusd's video forwarding costs, against a plain UDP
# relay with the same fan-out measured in the same run (the floor).
#
# Rooms of video callers (1 room of 10, 5 rooms of 10, 1 room of 50 by
# default): every caller sends VP8 video (a clip encoded once with ffmpeg
# libvpx into build/bench-video/, packetized by chorus-load per RFC 7741
# and replayed) and Opus audio; one talker per room speaks, so the floor
# stays on it: N-1 receivers get the talker's video, the talker gets the
# next caller's. Each repetition runs, in turn (the order alternates):
#
#   av     chorusd with the audio and video callers: first a window with
#          the video held back (chorus-load --audio-first: chorusd's audio
#          cost, "audio" below), then the video starts, and after the
#          warm-up the window with both ("av")
#   relay  build/udp_relay with the same video streams (no SIP, no audio)
#
# Each run starts a fresh chorusd (or relay) pinned to core 0 and
# chorus-load on core 1, both SCHED_FIFO at the lowest priority (as
# capacity.sh), joins, waits, and measures a window: the forwarder's CPU
# (utime+stime from /proc/PID/stat, and the exact time on a CPU of all its
# threads from /proc/PID/task/*/schedstat), its own count of forwarded
# packets over the window (chorusd's room JSON, the relay's control port),
# what the generator's receivers got (packets, SSRCs, sequence gaps,
# picture ID jumps) and the generator's own CPU. The per-repetition ratio
# of chorusd's CPU per forwarded packet to the relay's, and their medians
# and spread, are the result.
#
# Runs inside a private network namespace (unshare -n) when it can, so
# nothing leaves loopback. See README "Video forwarding".
set -u

usage() {
	cat <<EOF
usage: bench/video.sh [--quick] [--build DIR] [--reps N] [--dur S]
                      [--warm S] [--scen "RxN ..."] [--fps F] [--kbps K]
                      [--size WxH] [--fb pli|fir|none] [--no-rt] [--out DIR]
  --quick   1x10 and 1x50, 3 repetitions, 4 s windows (about 3 minutes;
            the full run takes about 13)
  --reps    repetitions of each scenario (7)
  --dur     measurement windows [s] (8)
  --warm    wait after the last join [s] (3: the clip's keyframes are
            2 s apart, and a receiver is sent nothing before one)
  --scen    scenarios, R rooms of N: "1x10 5x10 1x50"
  --fps, --kbps, --size   the clip: 25 fps, 500 kbit/s, 640x360
  --fb      keyframe request the callers offer (pli)
  --no-rt   ordinary scheduling instead of SCHED_FIFO
  --out     where logs go (build/bench-video/run-DATE)
  --report DIR  only print the result of an earlier run's DIR/rows
EOF
}

# --- the result -------------------------------------------------------
# Per repetition: chorusd's CPU per forwarded packet (av, all of its CPU,
# audio mix included), the video part of it (av minus the audio-only
# window of the same chorusd),
# the relay's; ratios to the relay's. Then median (min-max) over the
# repetitions. CPU from schedstat (exact); us = microseconds of one core.
# report REPS ROWS: the table from the run rows (machine lines on stderr)
report() {
	awk -v reps="$1" '
function sort(a, n,   i, j, t) {
	for (i = 1; i <= n; i++)
		for (j = i + 1; j <= n; j++)
			if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
}
# "median (min-max)" of the values in string s
function mmm(s, fmt,   v, n, i, med) {
	n = split(s, v, " ")
	if (!n)
		return "-"
	for (i in v) v[i] += 0
	sort(v, n)
	med = n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
	return sprintf(fmt " (" fmt "-" fmt ")", med, v[1], v[n])
}
function add(k, x) { acc[k] = acc[k] " " x }
$1 == "run" {
	sc = $2; rp = $3; m = $4
	if (!(sc in seen)) { seen[sc] = 1; order[++ns] = sc }
	N[sc] = $5
	cpu[sc, rp, m] = $7; tick[sc, rp, m] = $6; gen[sc, rp, m] = $8
	if ($9 + 0 > loss[sc, m] + 0) loss[sc, m] = $9
	if ($10 + 0 > late[sc, m] + 0) late[sc, m] = $10
	if (m != "audio") {
		fwd[sc, rp, m] = $12; rx[sc, rp, m] = $13; usf[sc, rp, m] = $14
		ssrc[sc, m] += $15; gaps[sc, m] += $16; miss[sc, m] += $17
		pj[sc, m] += $18; deaf[sc, m] += $19; refd[sc, m] += $20
		sw[sc, m] += $21; kt[sc, m] += $22
		if (m == "av") {
			if ($23 == "-" || $23 == "") wunk[sc]++
			else wbad[sc] += $23
		}
	}
}
END {
	for (o = 1; o <= ns; o++) {
		sc = order[o]
		# a disturbed run: the generator, whose work per window is
		# fixed, took more than 1.5x its median CPU (the VM was slowed,
		# both cores at once, as other work on the host does)
		for (k = 1; k <= 3; k++) {
			m = k == 1 ? "av" : k == 2 ? "audio" : "relay"
			gs = ""
			for (rp = 1; rp <= reps; rp++)
				if ((sc, rp, m) in gen) gs = gs " " gen[sc, rp, m]
			gmed = med1(gs) + 0
			for (rp = 1; rp <= reps; rp++)
				if (((sc, rp, m) in gen) && gmed > 0 &&
				    gen[sc, rp, m] > 1.5 * gmed) {
					dist[sc, rp] = 1
					ndist[sc]++
				}
		}
		for (rp = 1; rp <= reps; rp++) {
			if ((sc, rp, "av") in cpu) {
				add(sc "cav", cpu[sc, rp, "av"])
				add(sc "tav", tick[sc, rp, "av"])
				add(sc "gav", gen[sc, rp, "av"])
				add(sc "fav", fwd[sc, rp, "av"])
				f = fwd[sc, rp, "av"]
				add(sc "rxs", f > 0 ? rx[sc, rp, "av"] / f : 0)
				add(sc "uav", usf[sc, rp, "av"])
				add(sc "ppart", cpu[sc, rp, "av"] / N[sc])
			}
			if ((sc, rp, "audio") in cpu) {
				add(sc "cau", cpu[sc, rp, "audio"])
				add(sc "gau", gen[sc, rp, "audio"])
			}
			if ((sc, rp, "relay") in cpu) {
				add(sc "cre", cpu[sc, rp, "relay"])
				add(sc "tre", tick[sc, rp, "relay"])
				add(sc "gre", gen[sc, rp, "relay"])
				add(sc "fre", fwd[sc, rp, "relay"])
				add(sc "ure", usf[sc, rp, "relay"])
			}
			if (((sc, rp, "av") in cpu) && ((sc, rp, "relay") in cpu) &&
			    usf[sc, rp, "relay"] > 0) {
				ur = usf[sc, rp, "relay"]
				add(sc "ratio", usf[sc, rp, "av"] / ur)
				if (((sc, rp, "audio") in cpu) &&
				    fwd[sc, rp, "av"] > 0) {
					d = cpu[sc, rp, "av"] - cpu[sc, rp, "audio"]
					inc = d / 100 * 1e6 / fwd[sc, rp, "av"]
					add(sc "uinc", inc)
					add(sc "rinc", inc / ur)
					add(sc "pvid", d / N[sc])
					if (!((sc, rp) in dist)) {
						nclean[sc]++
						add(sc "cratio", usf[sc, rp, "av"] / ur)
						add(sc "crinc", inc / ur)
						add(sc "cuav", usf[sc, rp, "av"])
						add(sc "cuinc", inc)
						add(sc "cure", ur)
					}
				}
			}
		}
		split(sc, rn, "x")
		printf "== %s: %d room(s) of %d video callers (N=%d), " \
			"median (min-max) of %d reps\n", sc, rn[1], rn[2],
			N[sc], reps
		printf "  forwarded video        %s pkt/s (chorusd counter);" \
			" receivers/counter %s\n", mmm(acc[sc "fav"], "%.0f"),
			mmm(acc[sc "rxs"], "%.4f")
		printf "  chorusd CPU, av        %s %% of a core " \
			"(utime+stime: %s)\n", mmm(acc[sc "cav"], "%.2f"),
			mmm(acc[sc "tav"], "%.1f")
		printf "  chorusd CPU, audio     %s %%\n",
			mmm(acc[sc "cau"], "%.2f")
		printf "  relay CPU              %s %% (utime+stime: %s), " \
			"%s pkt/s\n", mmm(acc[sc "cre"], "%.2f"),
			mmm(acc[sc "tre"], "%.1f"), mmm(acc[sc "fre"], "%.0f")
		printf "  per forwarded packet   chorusd %s us, video part " \
			"%s us, relay %s us\n", mmm(acc[sc "uav"], "%.2f"),
			mmm(acc[sc "uinc"], "%.2f"), mmm(acc[sc "ure"], "%.2f")
		printf "  ratio to the relay     all of chorusd %s, video " \
			"part %s  (target <= 1.5)\n",
			mmm(acc[sc "ratio"], "%.2f"), mmm(acc[sc "rinc"], "%.2f")
		printf "  disturbed runs         %d (generator CPU > 1.5x its " \
			"median); the %d reps without one:\n", ndist[sc],
			nclean[sc]
		printf "    per forwarded packet chorusd %s us, video part " \
			"%s us, relay %s us\n", mmm(acc[sc "cuav"], "%.2f"),
			mmm(acc[sc "cuinc"], "%.2f"),
			mmm(acc[sc "cure"], "%.2f")
		printf "    ratio to the relay   all of chorusd %s, video " \
			"part %s\n", mmm(acc[sc "cratio"], "%.2f"),
			mmm(acc[sc "crinc"], "%.2f")
		printf "  CPU per participant    %s %% (video part %s %%)\n",
			mmm(acc[sc "ppart"], "%.3f"),
			mmm(acc[sc "pvid"], "%.3f")
		printf "  generator CPU (core 1) av %s %%, audio %s %%, " \
			"relay %s %%\n", mmm(acc[sc "gav"], "%.1f"),
			mmm(acc[sc "gau"], "%.1f"), mmm(acc[sc "gre"], "%.1f")
		printf "  checks (all reps)      chorusd: ssrc_bad=%d gaps=%d " \
			"missing=%d pic_jumps=%d deaf=%d refused=%d " \
			"switches=%d key_timeouts=%d wrong_source=%d%s; " \
			"audio loss max %s%% late max %s%%; " \
			"relay: gaps=%d missing=%d deaf=%d\n",
			ssrc[sc, "av"], gaps[sc, "av"], miss[sc, "av"],
			pj[sc, "av"], deaf[sc, "av"], refd[sc, "av"],
			sw[sc, "av"], kt[sc, "av"], wbad[sc],
			wunk[sc] ? sprintf(" (%d runs unchecked)", wunk[sc]) : "",
			loss[sc, "av"] + 0,
			late[sc, "av"] + 0, gaps[sc, "relay"],
			miss[sc, "relay"], deaf[sc, "relay"]
		# one line for scripts
		printf "video_result scen=%s n=%d fwd_pps=%s cpu_av=%s " \
			"cpu_audio=%s cpu_relay=%s us_fwd=%s us_fwd_video=%s " \
			"us_fwd_relay=%s ratio=%s ratio_video=%s " \
			"undisturbed=%d ratio_u=%s ratio_video_u=%s\n", sc, N[sc],
			med1(acc[sc "fav"]), med1(acc[sc "cav"]),
			med1(acc[sc "cau"]), med1(acc[sc "cre"]),
			med1(acc[sc "uav"]), med1(acc[sc "uinc"]),
			med1(acc[sc "ure"]), med1(acc[sc "ratio"]),
			med1(acc[sc "rinc"]), nclean[sc], med1(acc[sc "cratio"]),
			med1(acc[sc "crinc"]) >"/dev/stderr"
	}
}
function med1(s,   v, n, i, md) {
	n = split(s, v, " ")
	if (!n)
		return "-"
	for (i in v) v[i] += 0
	sort(v, n)
	md = n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
	return sprintf("%.3f", md)
}' "$2"
}

QUICK=0
BUILD=build
REPS=""
DUR=""
WARM=3
SCEN=""
FPS=25
KBPS=500
SIZE=640x360
FB=pli
RT=1
OUT=""
REPORT=""
ARGS=("$@")
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) QUICK=1 ;;
	--build) BUILD="$2"; shift ;;
	--reps) REPS="$2"; shift ;;
	--dur) DUR="$2"; shift ;;
	--warm) WARM="$2"; shift ;;
	--scen) SCEN="$2"; shift ;;
	--fps) FPS="$2"; shift ;;
	--kbps) KBPS="$2"; shift ;;
	--size) SIZE="$2"; shift ;;
	--fb) FB="$2"; shift ;;
	--no-rt) RT=0 ;;
	--out) OUT="$2"; shift ;;
	--report) REPORT="$2"; shift ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
	shift
done
if [ $QUICK = 1 ]; then
	REPS=${REPS:-3}; DUR=${DUR:-4}; SCEN=${SCEN:-"1x10 1x50"}
else
	REPS=${REPS:-7}; DUR=${DUR:-8}; SCEN=${SCEN:-"1x10 5x10 1x50"}
fi

if [ -n "$REPORT" ]; then
	report "$(awk '$1 == "run" {print $3}' "$REPORT/rows" | sort -n |
		tail -1)" "$REPORT/rows" 2>"$REPORT/result"
	cat "$REPORT/result"
	exit
fi

BUILD=$(realpath "$BUILD")
if [ "${CHORUS_VID_NS:-0}" != 1 ]; then
	if [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then
		exec unshare -n env CHORUS_VID_NS=1 "$0" "${ARGS[@]}"
	fi
	echo "video: no private network namespace (needs root):" \
	     "using the host's loopback" >&2
else
	ip link set lo up
fi

for b in chorusd chorus-load udp_relay; do
	[ -x "$BUILD/$b" ] || { echo "video: $BUILD/$b missing (make)" >&2
				 exit 1; }
done
command -v ffmpeg >/dev/null || { echo "video: ffmpeg needed" >&2; exit 1; }
[ "$(nproc)" -ge 2 ] || { echo "video: needs 2 cores" >&2; exit 1; }

SIP_PORT=25060
HTTP_PORT=28080
RELAY_PORT=20000
RELAY_CTL=19999
RATE=200

PRIO_CMD=""
if [ $RT = 1 ]; then
	if chrt -f 1 true 2>/dev/null; then
		PRIO_CMD="chrt -f 1"
	else
		echo "video: cannot use SCHED_FIFO; ordinary tasks" >&2
		RT=0
	fi
fi
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

VDIR="$BUILD/bench-video"
OUT=${OUT:-$VDIR/run-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
WORK=$(mktemp -d /tmp/chorus-vid.XXXXXX)
SRV=""
QUIET_LEFT=$([ $QUICK = 1 ] && echo 20 || echo 90)   # [s] to wait, total

# copies: a rebuild during the run does not change what is measured
cp "$BUILD/chorusd" "$BUILD/chorus-load" "$BUILD/udp_relay" "$WORK/"

cleanup() {
	[ -n "$SRV" ] && kill -KILL "$SRV" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# key=value from a chorus-load line
kv() { sed -n "s/.*[ ]$2=\([^ ]*\).*/\1/p" <<<"$1"; }

# --- the clip: encoded once, kept under build/ --------------------------
CLIP="$VDIR/clip-${SIZE}-${FPS}fps-${KBPS}k.ivf"
if [ ! -s "$CLIP" ]; then
	mkdir -p "$VDIR"
	echo "# encoding $CLIP (10 s of testsrc2, VP8, keyframe every 2 s)"
	timeout 120 ffmpeg -hide_banner -loglevel error -y -f lavfi \
		-i "testsrc2=size=$SIZE:rate=$FPS" -t 10 -c:v libvpx \
		-b:v "${KBPS}k" -minrate "${KBPS}k" -maxrate "${KBPS}k" \
		-bufsize "${KBPS}k" -g $((2 * FPS)) -keyint_min $((2 * FPS)) \
		-auto-alt-ref 0 -lag-in-frames 0 -deadline realtime \
		-cpu-used 8 -pix_fmt yuv420p -f ivf "$CLIP.tmp" &&
		mv "$CLIP.tmp" "$CLIP" ||
		{ echo "video: ffmpeg failed" >&2; exit 1; }
fi

# Wait (within the QUIET_LEFT budget) until the machine is nearly idle
quiet() {
	local a b
	while [ "$QUIET_LEFT" -gt 0 ]; do
		a=$(head -1 /proc/stat)
		sleep 1
		b=$(head -1 /proc/stat)
		QUIET_LEFT=$((QUIET_LEFT - 1))
		awk -v a="$a" -v b="$b" 'BEGIN {
			split(a, x); split(b, y); t = 0
			for (i = 2; i <= 9; i++) t += y[i] - x[i]
			idle = (y[5] - x[5]) + (y[6] - x[6])
			exit (t > 0 && (t - idle) / t < 0.15) ? 0 : 1
		}' && return
	done
}

srv_start() {
	quiet
	rm -rf "$WORK/data"
	taskset -c 0 $PRIO_CMD "$WORK/chorusd" --sip "127.0.0.1:$SIP_PORT" \
		--http "127.0.0.1:$HTTP_PORT" --rtp-ports 10000-30000 \
		--data-dir "$WORK/data" --auto-create yes --log-level warn \
		--max-participants 1000 --talkers-max 3 \
		2>>"$OUT/chorusd.log" &
	SRV=$!
	for _ in $(seq 1 30); do
		curl -sf "http://127.0.0.1:$HTTP_PORT/healthz" >/dev/null \
			2>&1 && break
		sleep 0.1
	done
}

relay_start() {
	local n=$1 r=$2
	quiet
	taskset -c 0 $PRIO_CMD "$WORK/udp_relay" -n "$n" -r "$r" \
		-p $RELAY_PORT -c $RELAY_CTL -d $((DUR + WARM + 60)) \
		2>>"$OUT/relay.log" &
	SRV=$!
	sleep 0.2
}

# stop the forwarder this script started (by its PID)
fwd_stop() {
	kill -TERM "$SRV" 2>/dev/null
	for _ in $(seq 1 60); do
		kill -0 "$SRV" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$SRV" 2>/dev/null; then
		echo "video: $SRV still running 6 s after SIGTERM; killed" >&2
		kill -KILL "$SRV" 2>/dev/null
	fi
	wait "$SRV" 2>/dev/null
	SRV=""
}

# watch_snap FILE ROOMS DELAY: mid-window, whom each participant is
# shown (GET /v1/rooms/vidR/participants, "video":{"watching"}); one
# "watch" line per room into FILE.watch. Caller i (From loadI) is in room
# i % R at place i / R; the talker is place 0 and should be watched by the
# N-1 others, and itself watch place 1.
watch_snap() {
	local f=$1 rooms=$2 delay=$3 r
	sleep "$delay"
	for r in $(seq 0 $((rooms - 1))); do
		curl -sf --max-time 2 \
			"http://127.0.0.1:$HTTP_PORT/v1/rooms/vid$r/participants"
		echo
	done >"$f.parts.json" 2>/dev/null
	command -v python3 >/dev/null || return 0
	python3 - "$f.parts.json" "$rooms" >"$f.watch" 2>&1 <<'PY'
import json, re, sys
rooms = int(sys.argv[2])
for r, line in enumerate(open(sys.argv[1]).read().split("\n")[:rooms]):
    try:
        ps = json.loads(line)["participants"]
    except Exception as e:
        print("watch room=vid%d error=%s" % (r, type(e).__name__))
        continue
    idx = {}
    for p in ps:
        m = re.match(r"sip:load(\d+)@", p.get("uri", ""))
        if m:
            idx[int(m.group(1))] = p
    talker, second = idx.get(r), idx.get(r + rooms)
    tid = talker["id"] if talker else -1
    sid = second["id"] if second else -1
    others = [p for i, p in idx.items() if i != r]
    ok_others = sum(1 for p in others
                    if (p.get("video") or {}).get("watching") == tid)
    t_ok = int(bool(talker) and
               (talker.get("video") or {}).get("watching") == sid)
    print("watch room=vid%d n=%d watching_talker=%d of=%d "
          "talker_watches_second=%d" % (r, len(ps), ok_others,
                                        len(others), t_ok))
PY
}

# run SCEN REP MODE: one measured run, its output in $OUT/SCEN-REP-MODE.out
run() {
	local scen=$1 rep=$2 mode=$3 r=${1%x*} size=${1#*x} n f
	n=$((r * size))
	f="$OUT/$scen-$rep-$mode"
	local common=(-n "$n" -r "$r" -k 1 -d "$DUR" -w "$WARM" -R "$RATE"
		      -t 5 --fps "$FPS" --prefix vid)
	case $mode in
	av)
		srv_start
		watch_snap "$f" "$r" "$(awk -v n="$n" -v r=$RATE -v w="$WARM" \
			-v d="$DUR" 'BEGIN {print n / r + 2 * w + 1.5 * d}')" &
		local snap=$!
		timeout $((n / RATE + 2 * DUR + 2 * WARM + 40)) taskset -c 1 \
			$PRIO_CMD "$WORK/chorus-load" "${common[@]}" \
			-s "127.0.0.1:$SIP_PORT" --pid "$SRV" \
			--video "$CLIP" --fb "$FB" --audio-first "$DUR" \
			--api "127.0.0.1:$HTTP_PORT" -v >"$f.out" 2>"$f.err"
		wait "$snap"
		;;
	relay)
		relay_start "$n" "$r"
		timeout $((DUR + WARM + 40)) taskset -c 1 $PRIO_CMD \
			"$WORK/chorus-load" "${common[@]}" --pid "$SRV" \
			--video "$CLIP" --relay "127.0.0.1:$RELAY_PORT" \
			--relay-ctl $RELAY_CTL -v >"$f.out" 2>"$f.err"
		;;
	esac
	fwd_stop

	# receivers not shown what they should be, mid-window (-: not known)
	local wbad=-
	if [ -s "$f.watch" ] && ! grep -q error= "$f.watch"; then
		wbad=$(awk '{ for (i = 2; i <= NF; i++) {
				split($i, kv, "="); v[kv[1]] = kv[2] }
			bad += v["of"] - v["watching_talker"]
			bad += 1 - v["talker_watches_second"] }
			END { print bad + 0 }' "$f.watch")
	fi

	local s v a
	s=$(grep '^summary' "$f.out" | grep -v mode=audio_first)
	a=$(grep '^summary.* mode=audio_first' "$f.out")
	v=$(grep '^video' "$f.out")
	if [ -z "$s" ] || [ -z "$v" ] || { [ $mode = av ] && [ -z "$a" ]; }
	then
		echo "video: $scen rep $rep $mode: no result:" >&2
		tail -3 "$f.err" "$f.out" >&2
		return
	fi
	# the audio-only window of the same chorusd
	[ -n "$a" ] && printf 'run %s %s audio %s %s %s %s %s %s %s -\n' \
		"$scen" "$rep" "$n" "$(kv "$a" srv_cpu_pct)" \
		"$(kv "$a" srv_run_pct)" "$(kv "$a" gen_cpu_pct)" \
		"$(kv "$a" loss_pct)" "$(kv "$a" late_pct)" \
		"$(kv "$a" calls_ok)"
	# one row: scen rep mode n cpu%(ticks) cpu%(schedstat) gen% loss%
	#          late% calls_ok fwd_pps(counter) rx_pps us/fwd(schedstat)
	#          ssrc_bad gaps missing pic_jumps deaf refused switches
	#          key_timeouts watch_bad
	printf 'run %s %s %s %s %s %s %s %s %s %s %s %s %s %s %s %s %s %s %s %s %s %s\n' \
		"$scen" "$rep" "$mode" "$n" \
		"$(kv "$s" srv_cpu_pct)" "$(kv "$s" srv_run_pct)" \
		"$(kv "$s" gen_cpu_pct)" "$(kv "$s" loss_pct)" \
		"$(kv "$s" late_pct)" "$(kv "$s" calls_ok)" \
		"$(kv "$v" srv_fwd_pps)" "$(kv "$v" rx_pps)" \
		"$(kv "$v" us_per_fwd_run)" "$(kv "$v" ssrc_bad)" \
		"$(kv "$v" gaps)" "$(kv "$v" missing)" \
		"$(kv "$v" pic_jumps)" "$(kv "$v" deaf)" \
		"$(kv "$v" refused)" "$(kv "$v" srv_switches)" \
		"$(kv "$v" srv_key_timeouts)" "$wbad" | sed 's/  */ /g'
}

echo "# chorusd video forwarding vs a plain UDP relay," \
     "$(date -u +%Y-%m-%dT%H:%MZ), chorusd" \
     "$(git -C "$(dirname "$0")/.." describe --always --dirty \
	2>/dev/null || echo '?'), $(uname -m)," \
     "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')," \
     "$(nproc) cores"
echo "# scenarios '$SCEN' (rooms x callers), reps=$REPS window=${DUR}s" \
     "warmup=${WARM}s clip=$SIZE ${FPS}fps ${KBPS}kbit/s fb=$FB" \
     "sched=$([ $RT = 1 ] && echo fifo || echo other);" \
     "forwarder on core 0, chorus-load on core 1"
echo "# logs: $OUT"
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

MODES=(av relay)
ROWS="$OUT/rows"
: >"$ROWS"
for rep in $(seq 1 "$REPS"); do
	for scen in $SCEN; do
		for k in 0 1; do
			mode=${MODES[$(((rep + k - 1) % 2))]}
			# not in a pipe: SRV and the quiet budget stay ours
			run "$scen" "$rep" "$mode" >"$WORK/row"
			cat "$WORK/row"
			cat "$WORK/row" >>"$ROWS"
		done
	done
done

echo
report "$REPS" "$ROWS" 2>"$OUT/result" | tee "$OUT/summary"
cat "$OUT/result"
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# quiet-wait budget left: ${QUIET_LEFT}s"
