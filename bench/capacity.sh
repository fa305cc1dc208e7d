#!/bin/bash
# capacity.sh: how many participants chorusd holds on one core.
#
# chorusd runs pinned to core 0, chorus-load on core 1. For each scenario
# N rises step by step; each step starts a fresh chorusd, joins N calls,
# waits, measures a window (chorusd CPU from /proc/PID/stat over the
# window only, RSS from /proc/PID/status, loss/late/jitter per participant
# from chorus-load), and stops at the first N where quality breaks: more
# than 1% of packets lost or late, or more than 0.1% of calls refused.
# Then the SIP join rate, the codec-bound limit of each scenario (libopus
# timed in the same run, chorusd's encodes and decodes counted in a small
# run of each) and a profile of chorusd at the breaking point.
#
# With --srtp SUITE every caller's audio is SRTP (SDES keys): the same
# scenarios, with the cost of protecting and unprotecting every packet;
# a step with any packet that failed to unprotect does not pass.
#
# Runs inside a private network namespace (unshare -n) when it can, so
# all traffic stays on a loopback nobody else uses. See README "Capacity".
set -u

usage() {
	cat <<EOF
usage: bench/capacity.sh [--quick] [--build DIR] [--silence frames|dtx|full]
                         [--complexity N] [--only 1room|50x10]
                         [--srtp SUITE] [--steps "N ..."]
                         [--no-profile] [--no-join] [--no-codec-calls]
                         [--quiet-wait S] [--no-rt]
  --quick       fewer steps, shorter windows (about 3 minutes)
  --silence     what silent Opus participants send (chorus-load --help)
  --complexity  chorusd's --opus-complexity, 0-10 (5, its default)
  --only        run one scenario (and no join-rate test)
  --srtp        every caller on SRTP with this suite (chorus-load --help),
                none (the default) for plain RTP
  --steps       the N to try, rising, instead of the scenario's own
                (no bisection after them)
  --no-codec-calls  do not count chorusd's encodes and decodes (perf);
                the codec-bound limits then assume the design model
  --quiet-wait  wait at most S seconds in all for an idle machine before
                the steps (180; 30 with --quick)
  --no-rt       run chorusd and chorus-load as ordinary tasks, not
                SCHED_FIFO (numbers then depend on other work running)
EOF
}

QUICK=0
BUILD=build
SILENCE=frames
COMPLEXITY=5
ONLY=""
SRTP=none
STEPS=""
CODEC_CALLS=1
QUIET_WAIT=""
PROFILE=1
JOIN=1
RT=1
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) QUICK=1 ;;
	--build) BUILD="$2"; shift ;;
	--silence) SILENCE="$2"; shift ;;
	--complexity) COMPLEXITY="$2"; shift ;;
	--only) ONLY="$2"; JOIN=0; shift ;;
	--srtp) SRTP="$2"; shift ;;
	--steps) STEPS="$2"; shift ;;
	--no-codec-calls) CODEC_CALLS=0 ;;
	--quiet-wait) QUIET_WAIT="$2"; shift ;;
	--no-profile) PROFILE=0 ;;
	--no-join) JOIN=0 ;;
	--no-rt) RT=0 ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
	shift
done

if [ "${CHORUS_CAP_NS:-0}" != 1 ]; then
	if [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then
		exec unshare -n env CHORUS_CAP_NS=1 "$0" --build "$BUILD" \
			--silence "$SILENCE" $([ $RT = 0 ] && echo --no-rt) \
			--complexity "$COMPLEXITY" --srtp "$SRTP" \
			${STEPS:+--steps "$STEPS"} \
			${QUIET_WAIT:+--quiet-wait "$QUIET_WAIT"} \
			$([ $CODEC_CALLS = 0 ] && echo --no-codec-calls) \
			$([ -n "$ONLY" ] && echo --only "$ONLY") \
			$([ $QUICK = 1 ] && echo --quick) \
			$([ $PROFILE = 0 ] && echo --no-profile) \
			$([ $JOIN = 0 ] && echo --no-join)
	fi
	echo "capacity: no private network namespace (needs root):" \
	     "using the host's loopback" >&2
else
	ip link set lo up
fi

for b in "$BUILD/chorusd" "$BUILD/chorus-load"; do
	[ -x "$b" ] || { echo "capacity: $b missing (make)" >&2; exit 1; }
done
[ "$(nproc)" -ge 2 ] || { echo "capacity: needs 2 cores" >&2; exit 1; }

SIP_PORT=25060
HTTP_PORT=28080
RTP_PORTS=10000-30000
RATE=500                  # calls/s while joining
if [ $QUICK = 1 ]; then
	DUR=4; WARM=1
	STEPS_A="100 300 500 1000 2000"
	STEPS_B="100 300 500 700"
	JOIN_RATES="200 500 1000"
	REFINE=0
else
	DUR=10; WARM=2
	STEPS_A="100 200 400 700 1000 1500 2000 3000"
	STEPS_B="100 200 300 400 500 600 800"
	JOIN_RATES="200 400 700 1000 1500 2000"
	REFINE=2
fi
if [ -n "$STEPS" ]; then
	STEPS_A=$STEPS; STEPS_B=$STEPS; REFINE=0
fi

# SCHED_FIFO (lowest real-time priority): each gets its core whenever it
# wants it, whatever else the machine runs (nice values do not reach
# across autogroups); the kernel still leaves others 5% (sched_rt_runtime)
PRIO_CMD=""
if [ $RT = 1 ]; then
	if chrt -f 1 true 2>/dev/null; then
		PRIO_CMD="chrt -f 1"
	else
		echo "capacity: cannot use SCHED_FIFO; ordinary tasks" >&2
		RT=0
	fi
fi
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

WORK=$(mktemp -d /tmp/chorus-cap.XXXXXX)
SRV=""
PROBES=""
# [s] to wait, total
QUIET_LEFT=${QUIET_WAIT:-$([ $QUICK = 1 ] && echo 30 || echo 180)}

# copies: a rebuild during the run does not change what is measured
cp "$BUILD/chorusd" "$BUILD/chorus-load" "$WORK/"
SRVD="$WORK/chorusd"
LOAD="$WORK/chorus-load"

cleanup() {
	[ -n "$SRV" ] && kill -KILL "$SRV" 2>/dev/null
	for p in $PROBES; do perf probe -q -d "$p" 2>/dev/null; done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# key=value from a chorus-load line
kv() { sed -n "s/.*[ ]$2=\([^ ]*\).*/\1/p" <<<"$1"; }

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null; }

# Wait (within the QUIET_LEFT budget) until the machine is nearly idle:
# other work on either core skews the numbers. The wait% column shows
# what was left: the time chorusd was runnable but not running.
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
	taskset -c 0 $PRIO_CMD "$SRVD" --sip "127.0.0.1:$SIP_PORT" \
		--http "127.0.0.1:$HTTP_PORT" --rtp-ports "$RTP_PORTS" \
		--data-dir "$WORK/data" --auto-create yes --log-level warn \
		--max-participants 100000 --talkers-max 3 \
		--opus-complexity "$COMPLEXITY" \
		2>>"$WORK/chorusd.log" &
	SRV=$!
	for _ in $(seq 1 30); do
		curl -sf "http://127.0.0.1:$HTTP_PORT/healthz" >/dev/null \
			2>&1 && break
		sleep 0.1
	done
	RSS0=$(rss_kb "$SRV")
}

srv_stop() {
	kill -TERM "$SRV" 2>/dev/null
	for _ in $(seq 1 60); do
		kill -0 "$SRV" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$SRV" 2>/dev/null; then
		echo "capacity: chorusd $SRV still running 6 s after" \
		     "SIGTERM; killed" >&2
		kill -KILL "$SRV" 2>/dev/null
	fi
	wait "$SRV" 2>/dev/null
	SRV=""
}

# load N ROOMS TALKERS [extra chorus-load flags]: one measured step
load() {
	local n=$1 r=$2 k=$3
	shift 3
	timeout $((n / RATE + DUR + WARM + 40)) taskset -c 1 $PRIO_CMD \
		"$LOAD" -s "127.0.0.1:$SIP_PORT" -n "$n" -r "$r" -k "$k" \
		-d "$DUR" -w "$WARM" -R "$RATE" -t 5 --pid "$SRV" \
		--silence "$SILENCE" --srtp "$SRTP" "$@" \
		>"$WORK/load.out" 2>"$WORK/load.err"
}

echo "# chorusd capacity, $(date -u +%Y-%m-%dT%H:%MZ)," \
     "chorusd $(git -C "$(dirname "$0")/.." describe --always --dirty \
	2>/dev/null || echo '?'), $(uname -m)," \
     "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'),"\
     "$(nproc) cores; silence=$SILENCE opus_complexity=$COMPLEXITY" \
     "srtp=$SRTP" \
     "window=${DUR}s" \
     "sched=$([ $RT = 1 ] && echo fifo || echo other)"
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

# --- codec cost, on chorusd's core -----------------------------------
CC=$(taskset -c 0 $PRIO_CMD "$LOAD" --codec-cost --silence "$SILENCE" \
	--complexity "$COMPLEXITY")
echo "$CC"
ENC=$(kv "$CC" enc_us)
DSP=$(kv "$CC" dec_speech_us)
DSIL=$(kv "$CC" dec_sil_us)

# --- what chorusd decodes and encodes (uprobes on libopus) -------------
# Each scenario at a small size (1room: 50 callers, 3 talkers; 50x10: 10
# rooms of 10, 2 talkers): opus_encode/opus_decode calls over 3 s, per
# room per 20 ms tick. chorusd may forward a packet instead of encoding a
# mix and may leave silence undecoded, so these counts, not the design
# model, say what its codec work is. Without probes: the model's counts,
# (K+1) encodes and every packet sent decoded.
SIL_SENT=$(kv "$CC" sil_sent_share)
ENC_A=4; DEC_A=$(awk -v s="$SIL_SENT" 'BEGIN {print 3 + 47 * s}')
ENC_B=3; DEC_B=$(awk -v s="$SIL_SENT" 'BEGIN {print 2 + 8 * s}')
SRC_A="not counted: no perf probes on libopus; model counts assumed"
SRC_B=$SRC_A

# codec_calls NAME N ROOMS TALKERS -> ENC_R, DEC_R: calls per room per
# tick, empty if perf counted nothing
codec_calls() {
	local name=$1 n=$2 r=$3 k=$4 lp s
	srv_start
	DUR_SAVE=$DUR; DUR=6
	load "$n" "$r" "$k" &
	lp=$!
	sleep 3
	perf stat -x, -e "$(echo $PROBES | tr ' ' ,)" -p "$SRV" -- sleep 3 \
		2>"$WORK/probe.txt" >/dev/null
	wait $lp
	DUR=$DUR_SAVE
	srv_stop
	s=$(grep '^summary' "$WORK/load.out")
	[ "$(kv "$s" calls_ok)" = "$n" ] ||
		echo "capacity: codec_calls $name: not all $n calls up" >&2
	# 3 s of 50 ticks
	ENC_R=$(awk -F, -v r="$r" '/chorusbench_enc/ && $1 ~ /^[0-9]+$/ {
		printf "%.3f", $1 / 150 / r}' "$WORK/probe.txt")
	DEC_R=$(awk -F, -v r="$r" '/chorusbench_dec/ && $1 ~ /^[0-9]+$/ {
		printf "%.3f", $1 / 150 / r}' "$WORK/probe.txt")
	echo "codec_calls scenario=$name n=$n rooms=$r talkers=$k" \
	     "encodes_per_room_tick=${ENC_R:-?}" \
	     "decodes_per_room_tick=${DEC_R:-?}"
}

LIBOPUS=$(ldd "$SRVD" | awk '/libopus/ {print $3}')
perf probe -q -d 'probe_libopus:chorusbench_*' >/dev/null 2>&1
if [ $CODEC_CALLS = 1 ] && command -v perf >/dev/null &&
   [ -n "$LIBOPUS" ]; then
	perf probe -q -x "$LIBOPUS" 'chorusbench_dec=opus_decode' \
		2>/dev/null && PROBES="probe_libopus:chorusbench_dec"
	perf probe -q -x "$LIBOPUS" 'chorusbench_enc=opus_encode' \
		2>/dev/null && PROBES="$PROBES probe_libopus:chorusbench_enc"
fi
if [ "$(wc -w <<<"$PROBES")" = 2 ]; then
	SRC_A="not counted: perf stat failed; model counts assumed"
	SRC_B=$SRC_A
	codec_calls 1room 50 1 3
	if [ -n "$ENC_R" ] && [ -n "$DEC_R" ]; then
		ENC_A=$ENC_R; DEC_A=$DEC_R; SRC_A=measured
	fi
	codec_calls 50x10 100 10 2
	if [ -n "$ENC_R" ] && [ -n "$DEC_R" ]; then
		ENC_B=$ENC_R; DEC_B=$DEC_R; SRC_B=measured
	fi
else
	echo "codec_calls: not counted (no perf probes on libopus, or" \
	     "--no-codec-calls); the codec-bound limits as run assume the" \
	     "design model's counts"
fi
for p in $PROBES; do perf probe -q -d "$p" 2>/dev/null; done
PROBES=""

# --- the scenarios ---------------------------------------------------
ROWS="$WORK/rows"
: >"$ROWS"
printf '%-7s %5s %5s %5s %5s %9s %6s %7s %7s %6s %6s %6s %6s  %s\n' \
	scenario N rooms cpu% wait% us/part/t rss_MB kB/part pps_med \
	loss% late% jit_ms failed result >"$ROWS"

# step NAME N ROOMS TALKERS -> sets PASS (1/0); appends a row
step() {
	local name=$1 n=$2 r=$3 k=$4 s failed cpu res
	srv_start
	load "$n" "$r" "$k"
	s=$(grep '^summary' "$WORK/load.out")
	srv_stop
	if [ -z "$s" ]; then
		echo "capacity: $name N=$n: no summary from chorus-load:" >&2
		tail -3 "$WORK/load.err" "$WORK/load.out" >&2
		PASS=0
		printf '%-7s %5s %5s %s\n' "$name" "$n" "$r" \
			"(no result)" >>"$ROWS"
		return
	fi
	echo "$name $s"
	failed=$(kv "$s" calls_failed)
	cpu=$(kv "$s" srv_cpu_pct)
	PASS=$(awk -v l="$(kv "$s" loss_pct)" -v t="$(kv "$s" late_pct)" \
		-v f="$failed" -v n="$n" \
		'BEGIN {print (l <= 1 && t <= 1 && f <= n / 1000) ? 1 : 0}')
	res=ok
	[ "$PASS" = 1 ] || res=BREAK
	# SRTP: one packet that fails to unprotect is a broken run (both
	# fields are in every summary, 0 without --srtp)
	if [ "$(kv "$s" srtp_unprotect_fail)" != 0 ] ||
	   [ "$(kv "$s" srtp_protect_fail)" != 0 ]; then
		PASS=0; res=SRTP_FAIL
	fi
	awk -v name="$name" -v n="$n" -v r="$r" -v cpu="$cpu" \
		-v rss="$(kv "$s" srv_rss_kb)" -v rss0="${RSS0:-0}" \
		-v ok="$(kv "$s" calls_ok)" -v pps="$(kv "$s" pps_med)" \
		-v loss="$(kv "$s" loss_pct)" -v late="$(kv "$s" late_pct)" \
		-v jit="$(kv "$s" jitter_ms_med)" -v f="$failed" -v res="$res" \
		-v w="$(kv "$s" srv_runq_wait_pct)" \
		'BEGIN {
			m = ok > 0 ? ok : 1
			printf "%-7s %5d %5d %5.1f %5.1f %9.2f %6.1f %7.1f " \
				"%7.2f %6.2f %6.2f %6.2f %6d  %s\n",
				name, n, r, cpu, w, cpu / 100 * 20000 / m,
				rss / 1024, (rss - rss0) / m, pps, loss, late,
				jit, f, res
		}' >>"$ROWS"
	echo "capacity scenario=$name n=$n rooms=$r result=$res $s" \
		>>"$WORK/machine"
}

# scenario NAME TALKERS ROOMSIZE STEPS -> BEST (largest passing N), BREAK_N
scenario() {
	local name=$1 k=$2 size=$3 steps=$4 n r lo=0 hi=0 mid i
	BEST=0
	BREAK_N=0
	for n in $steps; do
		r=1
		[ "$size" -gt 0 ] && r=$((n / size))
		step "$name" "$n" "$r" "$k"
		if [ "$PASS" = 1 ]; then
			BEST=$n; lo=$n
		else
			hi=$n; break
		fi
	done
	for i in $(seq 1 $REFINE); do
		[ "$hi" -gt 0 ] || break
		mid=$(( (lo + hi) / 2 / 10 * 10 ))
		[ "$mid" -gt "$lo" ] && [ "$mid" -lt "$hi" ] || break
		r=1
		[ "$size" -gt 0 ] && r=$((mid / size))
		step "$name" "$mid" "$r" "$k"
		if [ "$PASS" = 1 ]; then
			BEST=$mid; lo=$mid
		else
			hi=$mid
		fi
	done
	BREAK_N=$hi
}

BEST_A=0; BREAK_A=0; BEST_B=0; BREAK_B=0
if [ "$ONLY" != 50x10 ]; then
	scenario 1room 3 0 "$STEPS_A"
	BEST_A=$BEST; BREAK_A=$BREAK_N
fi
if [ "$ONLY" != 1room ]; then
	scenario 50x10 2 10 "$STEPS_B"
	BEST_B=$BEST; BREAK_B=$BREAK_N
fi

echo
cat "$ROWS"

# --- codec-bound limits ------------------------------------------------
# One core has T = 20000 us per 20 ms tick; a room of S participants that
# costs c per tick allows S*T/c participants per core. Design model: each
# talker gets its own encode, all listeners share one, only talkers are
# decoded: c = (K+1)E + K*Dsp, which for one room does not grow with N
# (unbounded). As chorusd runs: the encodes and decodes counted above,
# each decode costed as a speech decode. In one room the decodes beyond
# K are silence, and they grow with N: q per silent participant per tick,
# c(N) = enc*E + K*Dsp + (N-K)*q*Dsp, so N = K + (T - enc*E - K*Dsp)/(q*Dsp).
echo
awk -v E="$ENC" -v Ds="$DSP" -v a="$BEST_A" -v b="$BEST_B" \
    -v encA="$ENC_A" -v decA="$DEC_A" -v srcA="$SRC_A" \
    -v encB="$ENC_B" -v decB="$DEC_B" -v srcB="$SRC_B" '
function lim(x) { return x < 0 ? "inf" : sprintf("%.0f", x) }
function frac(n, x) {
	return x < 0 ? "0" : x > 0 ? sprintf("%.2f", n / x) : "inf"
}
# show WHAT LIMIT ACHIEVED COST: COST [us per tick] explains "unbounded"
function show(what, x, n, c) {
	if (x < 0)
		printf "    %s: unbounded (%.0f us per tick at any N)\n",
			what, c
	else
		printf "    %s: %.0f -> achieved %d = %s\n", what, x, n,
			frac(n, x)
}
BEGIN {
	T = 20000
	# 1room: counted at N = 50, K = 3; -1 = unbounded
	ka = 3; na = 50
	dt = decA < ka ? decA : ka
	q = (decA - dt) / (na - ka)
	cA = (ka + 1) * E + ka * Ds
	baseA = encA * E + dt * Ds
	limAm = cA < T ? -1 : 0
	if (baseA >= T)
		limA = 0
	else if (q > 0)
		limA = ka + (T - baseA) / (q * Ds)
	else
		limA = -1
	# 50x10: rooms of 10, K = 2
	kb = 2; sb = 10
	limBm = sb * T / ((kb + 1) * E + kb * Ds)
	cB = encB * E + decB * Ds
	limB = cB > 0 ? sb * T / cB : -1

	printf "codec-bound limit: E=%.1f us/encode, Dsp=%.1f us/decode, " \
		"T=%d us per tick\n", E, Ds, T
	printf "  1room K=3: %.2f encodes, %.2f decodes per tick at N=%d " \
		"(%.4f decodes per silent participant; %s)\n", encA, decA,
		na, q, srcA
	show("design model (K+1)E + K*Dsp", limAm, a, cA)
	show("as chorusd runs", limA, a, baseA)
	printf "  50x10 K=2: %.2f encodes, %.2f decodes per room per tick " \
		"(%s)\n", encB, decB, srcB
	show("design model (K+1)E + K*Dsp", limBm, b, 0)
	show("as chorusd runs", limB, b, 0)
	printf "codec_bound scenario=1room limit_model=%s limit_as_run=%s " \
		"achieved=%d fraction_model=%s fraction_as_run=%s\n",
		lim(limAm), lim(limA), a, frac(a, limAm), frac(a, limA)
	printf "codec_bound scenario=50x10 limit_model=%s limit_as_run=%s " \
		"achieved=%d fraction_model=%s fraction_as_run=%s\n",
		lim(limBm), lim(limB), b, frac(b, limBm), frac(b, limB)
}'
cat "$WORK/machine"

# --- SIP join rate -----------------------------------------------------
# Calls into one room at a fixed rate, each hung up 0.2 s after its 200
# OK (so a few hundred are up at once); passes with >= 99.9% answered and
# >= 95% of the rate reached.
if [ $JOIN = 1 ]; then
	echo
	JBEST=0
	for rate in $JOIN_RATES; do
		n=$((rate * 3))
		[ $n -lt 600 ] && n=600
		srv_start
		timeout $((n / rate + 30)) taskset -c 1 $PRIO_CMD "$LOAD" \
			-s "127.0.0.1:$SIP_PORT" -n "$n" -r 1 --join-only \
			-R "$rate" --hold 0.2 -t 5 --srtp "$SRTP" \
			>"$WORK/load.out" 2>"$WORK/load.err"
		srv_stop
		s=$(grep '^join' "$WORK/load.out")
		echo "$s"
		ok=$(awk -v p="$(kv "$s" success_pct)" \
			-v a="$(kv "$s" rate_achieved)" -v r="$rate" \
			'BEGIN {print (p >= 99.9 && a >= 0.95 * r) ? 1 : 0}')
		[ "$ok" = 1 ] || break
		JBEST=$rate
	done
	echo "join_rate calls_per_s=$JBEST (>= 99.9% answered)"
fi

# --- profile at the breaking point --------------------------------------
# profile NAME N ROOMS TALKERS: 4 s of perf samples of chorusd mid-window
profile() {
	local name=$1 n=$2 r=$3 k=$4 lp
	echo
	echo "# profile: chorusd, $name N=$n, 4 s, share of samples by" \
	     "object, then by symbol"
	srv_start
	DUR_SAVE=$DUR; DUR=8
	load "$n" "$r" "$k" &
	lp=$!
	sleep $((n / RATE + WARM + 2))
	perf record -q -F 999 -p "$SRV" -o "$WORK/perf.data" -- sleep 4 \
		>/dev/null 2>&1
	wait $lp
	DUR=$DUR_SAVE
	srv_stop
	perf report -q -i "$WORK/perf.data" --stdio --sort dso 2>/dev/null |
		awk 'NF {printf "  %s %s\n", $1, $2}' | head -6
	perf report -q -i "$WORK/perf.data" --stdio --sort sym 2>/dev/null |
		awk 'NF {$2 = ""; printf "  %s\n", $0}' | head -16
}

if [ $PROFILE = 1 ] && command -v perf >/dev/null; then
	[ "$BREAK_A" -gt 0 ] && profile 1room "$BREAK_A" 1 3
	[ "$BREAK_B" -gt 0 ] && profile 50x10 "$BREAK_B" $((BREAK_B / 10)) 2
fi
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# quiet-wait budget left: ${QUIET_LEFT}s"
