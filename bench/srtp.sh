#!/bin/bash
# srtp.sh: what SRTP costs chorusd, beside plain RTP, in one sitting.
#
# For each scenario of capacity.sh (1room: one room, 3 talkers; 50x10:
# rooms of 10, 2 talkers) and each protection (plain RTP, SDES-SRTP with
# AES_CM_128_HMAC_SHA1_80 and with AEAD_AES_128_GCM):
#
#  1. clean N: capacity.sh --only SCENARIO --srtp SUITE, its steps, the
#     largest N that passes (no loss or late packets above 1%, no call
#     refused, no packet that fails to unprotect);
#  2. at a common N, the smallest clean N of the three: runs of the three
#     protections in turn (plain, AES_CM, GCM, plain, ...), REPS each, as
#     bench/ab.sh runs two binaries: chorusd's CPU per run, the median
#     per protection, per participant, and its ratio to plain.
#
# Runs inside a private network namespace (unshare -n) when it can.
# See README "Capacity".
set -u

usage() {
	cat <<EOF
usage: bench/srtp.sh [--quick] [--build DIR] [--reps N] [--steps "N ..."]
                     [--only 1room|50x10] [--no-rt]
  --quick   a smoke test of a few minutes: N of 50 and 100, one run each
            at the common N (the numbers mean little)
  --build   where chorusd and chorus-load are (build)
  --reps    runs per protection at the common N (5; 1 with --quick)
  --steps   the N capacity.sh tries, rising (its own steps; 50 100 with
            --quick)
  --only    one scenario
  --no-rt   ordinary tasks, not SCHED_FIFO (capacity.sh --no-rt)
EOF
}

QUICK=0
BUILD=build
REPS=""
STEPS=""
ONLY=""
RT=1
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) QUICK=1 ;;
	--build) BUILD="$2"; shift ;;
	--reps) REPS="$2"; shift ;;
	--steps) STEPS="$2"; shift ;;
	--only) ONLY="$2"; shift ;;
	--no-rt) RT=0 ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
	shift
done
case "$ONLY" in ""|1room|50x10) ;; *) usage >&2; exit 2 ;; esac

HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=$(realpath "$BUILD")

if [ "${CHORUS_SRTP_NS:-0}" != 1 ] && [ "$(id -u)" = 0 ] &&
   unshare -n true 2>/dev/null; then
	exec unshare -n env CHORUS_SRTP_NS=1 "$0" --build "$BUILD" \
		$([ $QUICK = 1 ] && echo --quick) ${REPS:+--reps "$REPS"} \
		${STEPS:+--steps "$STEPS"} ${ONLY:+--only "$ONLY"} \
		$([ $RT = 0 ] && echo --no-rt)
fi
if [ "${CHORUS_SRTP_NS:-0}" = 1 ]; then
	ip link set lo up
else
	echo "srtp: no private network namespace (needs root):" \
	     "using the host's loopback" >&2
fi

for b in "$BUILD/chorusd" "$BUILD/chorus-load"; do
	[ -x "$b" ] || { echo "srtp: $b missing (make)" >&2; exit 1; }
done

if [ $QUICK = 1 ]; then
	REPS=${REPS:-1}
	STEPS=${STEPS:-50 100}
else
	REPS=${REPS:-5}
fi
SCENARIOS="1room 50x10"
[ -n "$ONLY" ] && SCENARIOS=$ONLY
PROTS="none AES_CM_128_HMAC_SHA1_80 AEAD_AES_128_GCM"
RATE=500 DUR=4 WARM=1

PRIO=""
[ $RT = 1 ] && chrt -f 1 true 2>/dev/null && PRIO="chrt -f 1"
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
WORK=$(mktemp -d /tmp/chorus-srtp.XXXXXX)
SRV=""
trap '[ -n "$SRV" ] && kill -KILL "$SRV" 2>/dev/null; rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

# one copy for the whole sitting: a rebuild does not change what is run
mkdir -p "$WORK/bin"
cp "$BUILD/chorusd" "$BUILD/chorus-load" "$WORK/bin/"

# key=value from a chorus-load or capacity.sh line
kv() {
	echo " $1" | grep -o " $2=[^ ]*" | head -1 | cut -d= -f2
}

name_of() { [ "$1" = none ] && echo plain || echo "$1"; }

echo "# srtp $(date -u +%Y-%m-%dT%H:%MZ)," \
     "chorusd $(git -C "$HERE/.." describe --always --dirty 2>/dev/null ||
	echo '?'), $(nproc) cores," \
     "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //');" \
     "reps=$REPS window=${DUR}s$([ $QUICK = 1 ] && echo ' quick')"

# --- 1. clean N per scenario and protection ------------------------------
for scen in $SCENARIOS; do
	for prot in $PROTS; do
		out="$WORK/cap.$scen.$prot"
		echo "# capacity.sh --only $scen --srtp $prot"
		CHORUS_CAP_NS=${CHORUS_SRTP_NS:-0} "$HERE/capacity.sh" \
			--build "$WORK/bin" --only "$scen" --srtp "$prot" \
			--no-profile --no-codec-calls \
			$([ $QUICK = 1 ] && echo --quiet-wait 5) \
			$([ $QUICK = 1 ] && echo --quick) \
			${STEPS:+--steps "$STEPS"} \
			$([ $RT = 0 ] && echo --no-rt) >"$out" 2>&1
		grep '^capacity scenario=' "$out" | while read -r l; do
			echo "  n=$(kv "$l" n) $(kv "$l" result)" \
			     "loss%=$(kv "$l" loss_pct)" \
			     "late%=$(kv "$l" late_pct)" \
			     "cpu%=$(kv "$l" srv_cpu_pct)" \
			     "srtp_unprotect_fail=$(kv "$l" srtp_unprotect_fail)"
		done
		grep '^# chorusd capacity' "$out" | sed 's/^#/ /'
		best=$(grep '^capacity scenario=' "$out" |
			awk '$5 == "result=ok" {
				sub("n=", "", $3); if ($3 + 0 > b) b = $3 + 0 }
				END {print b + 0}')
		echo "$scen $prot $best" >>"$WORK/clean"
	done
done

# --- 2. CPU at a common N, the protections in turn ------------------------
: >"$WORK/runs"
# run SCENARIO N PROT -> "cpu_pct late_pct unprotect_fail" or nothing
run() {
	local scen=$1 n=$2 prot=$3 rooms=1 k=3 out
	if [ "$scen" = 50x10 ]; then rooms=$((n / 10)); k=2; fi
	[ "$rooms" -ge 1 ] || rooms=1
	rm -rf "$WORK/data"
	taskset -c 0 $PRIO "$WORK/bin/chorusd" --sip 127.0.0.1:25060 \
		--http 127.0.0.1:28080 --rtp-ports 10000-30000 \
		--data-dir "$WORK/data" --auto-create yes --log-level warn \
		--max-participants 100000 --talkers-max 3 2>/dev/null &
	SRV=$!
	for _ in $(seq 1 30); do
		curl -sf http://127.0.0.1:28080/healthz >/dev/null 2>&1 && break
		sleep 0.1
	done
	out=$(timeout $((n / RATE + DUR + WARM + 40)) taskset -c 1 $PRIO \
		"$WORK/bin/chorus-load" -s 127.0.0.1:25060 -n "$n" \
		-r "$rooms" -k "$k" -d $DUR -w $WARM -R $RATE -t 5 \
		--pid "$SRV" --silence frames --srtp "$prot" 2>/dev/null |
		grep '^summary')
	kill -TERM "$SRV"
	wait "$SRV" 2>/dev/null
	SRV=""
	[ -n "$out" ] || return
	echo "$(kv "$out" srv_cpu_pct) $(kv "$out" late_pct)" \
	     "$(kv "$out" srtp_unprotect_fail)"
}

echo
for scen in $SCENARIOS; do
	n=$(awk -v s="$scen" '$1 == s {
		if (!seen || $3 + 0 < m) m = $3 + 0; seen = 1 }
		END {print m + 0}' "$WORK/clean")
	if [ "$n" = 0 ]; then
		echo "# $scen: no N passed with every protection; no common N"
		continue
	fi
	echo "# $scen at N=$n, $REPS runs per protection, in turn"
	for i in $(seq 1 "$REPS"); do
		for prot in $PROTS; do
			r=$(run "$scen" "$n" "$prot")
			echo "run $scen $n $i $prot ${r:-none}" |
				tee -a "$WORK/runs"
		done
	done
done

# --- the table -------------------------------------------------------------
# table: the clean file ("SCENARIO PROT N") and the runs file ("run
# SCENARIO N REP PROT CPU LATE FAIL", "run ... none" when a run failed)
table() {
	awk -v order="$PROTS" '
	function med(str,   v, k, i, j, t) {
		k = split(str, v, " ")
		for (i = 1; i <= k; i++)
			for (j = i + 1; j <= k; j++)
				if (v[j] + 0 < v[i] + 0) {
					t = v[i]; v[i] = v[j]; v[j] = t
				}
		lo = v[1]; hi = v[k]
		if (k % 2)
			return v[(k + 1) / 2]
		return (v[k / 2] + v[k / 2 + 1]) / 2
	}
	FILENAME ~ /clean$/ {
		clean[$1 " " $2] = $3
		if (!($1 in seen)) { seen[$1] = 1; scen[++ns] = $1 }
		next
	}
	$1 == "run" && NF == 8 {
		key = $2 " " $5
		cpu[key] = cpu[key] " " $6
		fail[key] += $8
		at[$2] = $3
	}
	END {
		np = split(order, prot, " ")
		printf "%-8s %-24s %7s %8s %6s %9s %11s %6s %9s\n",
			"scenario", "protection", "clean_N", "common_N",
			"cpu%", "cpu%/part", "min-max", "ratio", "srtp_fail"
		for (i = 1; i <= ns; i++) {
			s = scen[i]
			base = (s " none") in cpu ? med(cpu[s " none"]) : 0
			for (j = 1; j <= np; j++) {
				key = s " " prot[j]
				name = prot[j] == "none" ? "plain" : prot[j]
				if (!(key in cpu)) {
					printf "%-8s %-24s %7d %8s\n", s, name,
						clean[key], "-"
					continue
				}
				m = med(cpu[key])
				r = base > 0 ? sprintf("%.3f", m / base) : "-"
				printf "%-8s %-24s %7d %8d %6.1f %9.4f " \
					"%5.1f-%-5.1f %6s %9d\n", s, name,
					clean[key], at[s], m, m / at[s], lo, hi,
					r, fail[key]
			}
		}
	}' "$1" "$2"
}

echo
table "$WORK/clean" "$WORK/runs"
echo "# cpu% = chorusd CPU in % of one core (median of the runs at" \
     "common_N); ratio = to plain at the same N"
