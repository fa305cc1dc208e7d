#!/bin/bash
# ab.sh: two chorusd binaries side by side at one load, interleaved.
#
# For each repetition, each binary in turn: a fresh chorusd pinned to core
# 0, chorus-load on core 1 (SCHED_FIFO both, as capacity.sh), N callers
# joined, a 1 s warm-up, a 4 s window. chorusd's CPU over the window (from
# /proc, as chorus-load measures it) and the share of late packets are
# printed per run, then the median, min and max per binary and the ratio
# of the medians. Interleaving puts both under the same drift of a shared
# machine; the spread says how much to trust the ratio.
#
# Runs inside a private network namespace (unshare -n) when it can.
set -u

usage() {
	cat <<EOF
usage: bench/ab.sh [--reps N] [--load PATH] SCENARIO N A_CHORUSD B_CHORUSD
  SCENARIO  1room (one room, 3 talkers) or 50x10 (rooms of 10, 2 talkers)
  N         callers
  --reps    repetitions per binary (7)
  --load    chorus-load (build/chorus-load)
EOF
}

REPS=7
LOAD=build/chorus-load
while [ $# -gt 0 ]; do
	case "$1" in
	--reps) REPS="$2"; shift 2 ;;
	--load) LOAD="$2"; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*) break ;;
	esac
done
[ $# = 4 ] || { usage >&2; exit 2; }
SCEN=$1 N=$2 A=$(realpath "$3") B=$(realpath "$4")
LOAD=$(realpath "$LOAD")

case "$SCEN" in
1room) ROOMS=1; TALKERS=3 ;;
50x10) ROOMS=$((N / 10)); TALKERS=2 ;;
*) usage >&2; exit 2 ;;
esac

if [ "${CHORUS_AB_NS:-0}" != 1 ] && [ "$(id -u)" = 0 ] &&
   unshare -n true 2>/dev/null; then
	exec unshare -n env CHORUS_AB_NS=1 "$0" --reps "$REPS" \
		--load "$LOAD" "$SCEN" "$N" "$A" "$B"
fi
[ "${CHORUS_AB_NS:-0}" = 1 ] && ip link set lo up

RATE=500 DUR=4 WARM=1
PRIO=""
chrt -f 1 true 2>/dev/null && PRIO="chrt -f 1"
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
WORK=$(mktemp -d /tmp/chorus-ab.XXXXXX)
SRV=""
trap '[ -n "$SRV" ] && kill -KILL "$SRV" 2>/dev/null; rm -rf "$WORK"' EXIT

run() {
	local bin=$1 out
	rm -rf "$WORK/data"
	taskset -c 0 $PRIO "$bin" --sip 127.0.0.1:25060 \
		--http 127.0.0.1:28080 --rtp-ports 10000-30000 \
		--data-dir "$WORK/data" --auto-create yes --log-level warn \
		--max-participants 100000 --talkers-max 3 2>/dev/null &
	SRV=$!
	for _ in $(seq 1 30); do
		curl -sf http://127.0.0.1:28080/healthz >/dev/null 2>&1 && break
		sleep 0.1
	done
	out=$(timeout $((N / RATE + DUR + WARM + 40)) taskset -c 1 $PRIO \
		"$LOAD" -s 127.0.0.1:25060 -n "$N" -r "$ROOMS" -k "$TALKERS" \
		-d $DUR -w $WARM -R $RATE -t 5 --pid "$SRV" \
		--silence frames 2>/dev/null | grep '^summary')
	kill -TERM "$SRV"
	wait "$SRV" 2>/dev/null
	SRV=""
	[ -n "$out" ] || return
	echo "$(kv "$out" srv_cpu_pct) $(kv "$out" late_pct)"
}

# key=value from a chorus-load summary line
kv() {
	echo " $1" | grep -o " $2=[^ ]*" | cut -d= -f2
}

echo "# ab $SCEN N=$N reps=$REPS $(date -u +%Y-%m-%dT%H:%MZ)," \
     "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
echo "# A $A"
echo "# B $B"
for i in $(seq 1 "$REPS"); do
	for w in A B; do
		bin=$A
		[ $w = B ] && bin=$B
		r=$(run "$bin")
		echo "run $i $w cpu_pct,late_pct ${r:-none}"
	done
done | tee "$WORK/runs"

awk '$1 == "run" && NF == 6 {
	cpu[$3] = cpu[$3] " " $5
	if (!($3 in late) || $6 + 0 > late[$3] + 0)
		late[$3] = $6
}
function med(s,   v, n, i, j, t) {
	n = split(s, v, " ")
	for (i = 1; i <= n; i++)
		for (j = i + 1; j <= n; j++)
			if (v[j] + 0 < v[i] + 0) { t = v[i]; v[i] = v[j]; v[j] = t }
	lo = v[1]; hi = v[n]
	return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}
END {
	for (w in cpu) {
		m[w] = med(cpu[w])
		printf "%s median cpu %.1f%% (min %.1f, max %.1f), late max %s%%\n",
		       w, m[w], lo, hi, late[w]
	}
	if (m["A"] > 0)
		printf "B/A median cpu ratio %.3f\n", m["B"] / m["A"]
}' "$WORK/runs"
