#!/bin/bash
# run.sh: run every tests/e2e/test_*.sh, each in its own network namespace.
#
# Usage: tests/e2e/run.sh [NAME_PATTERN...]
#   NAME_PATTERN selects tests by substring (e.g. "sipp" runs test_sipp.sh).
# Environment:
#   BUILD            build dir (default build); chorusd and tonedet come from it
#   E2E_TIMEOUT      seconds allowed per test (default 150)
#
# Each test gets `unshare -n` plus `ip link set lo up`, so all traffic stays on
# that namespace's loopback and the fixed ports never clash. Logs go to
# $BUILD/e2e-logs/<test>/ (test output in output.log). A test that exits 77
# is counted as skipped. Ends with "N passed, N failed[, N skipped]" and
# exits non-zero if any test failed.

set -u

E2E_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$E2E_DIR/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in
/*) BUILD_DIR=$BUILD ;;
*) BUILD_DIR=$ROOT/$BUILD ;;
esac
LOG_ROOT=$BUILD_DIR/e2e-logs
TEST_TIMEOUT=${E2E_TIMEOUT:-150}

if [ "$(id -u)" -ne 0 ]; then
	echo "run.sh: needs root (unshare -n for a private network namespace)" >&2
	exit 2
fi

tests=()
for t in "$E2E_DIR"/test_*.sh; do
	[ -e "$t" ] || continue
	name=$(basename "$t" .sh)
	if [ $# -gt 0 ]; then
		sel=0
		for pat in "$@"; do
			case $name in *"$pat"*) sel=1 ;; esac
		done
		[ $sel = 1 ] || continue
	fi
	tests+=("$t")
done

if [ ${#tests[@]} -eq 0 ]; then
	echo "run.sh: no tests selected"
	echo "0 passed, 1 failed"
	exit 1
fi

# Debian's python3 (scripts/deps.sh installs it) before any other on PATH:
# the tests call it for every JSON check, and a version manager's shim
# can take a second to start each time
[ -x /usr/bin/python3 ] && [ -z "${E2E_KEEP_PATH:-}" ] && export PATH=/usr/bin:$PATH

mkdir -p "$LOG_ROOT"
passed=0
failed=0
skipped=0
failed_names=()

for t in "${tests[@]}"; do
	name=$(basename "$t" .sh)
	dir=$LOG_ROOT/$name
	rm -rf "$dir"
	mkdir -p "$dir"
	start=$(date +%s)

	# timeout makes its own process group that holds the test and all it
	# starts: at the time limit it sends TERM to that group (the test's
	# trap stops what it started), KILL 10 s later. After the test, the
	# group is swept once more so a leftover can not outlive its test.
	timeout -k 10 "$TEST_TIMEOUT" \
		unshare -n env T="$dir" E2E_NETNS=1 BUILD="$BUILD" \
		bash -c 'ip link set lo up && exec bash "$0"' "$t" \
		> "$dir/output.log" 2>&1 < /dev/null &
	group=$!
	wait "$group"
	rc=$?
	kill -KILL -- "-$group" 2>/dev/null
	secs=$(( $(date +%s) - start ))

	if [ $rc = 0 ]; then
		printf 'PASS  %-24s (%ds)\n' "$name" "$secs"
		passed=$((passed + 1))
	elif [ $rc = 77 ]; then
		printf 'SKIP  %-24s (%ds) %s\n' "$name" "$secs" \
			"$(grep -m1 'SKIP:' "$dir/output.log" | sed 's/.*SKIP: //')"
		skipped=$((skipped + 1))
	else
		[ $rc = 124 ] && echo "timed out after ${TEST_TIMEOUT}s" \
			>> "$dir/output.log"
		printf 'FAIL  %-24s (%ds, exit %d)\n' "$name" "$secs" "$rc"
		failed=$((failed + 1))
		failed_names+=("$name")
		echo "---- tail of $dir/output.log"
		tail -n 40 "$dir/output.log" | sed 's/^/  | /'
		if [ -s "$dir/chorusd.log" ]; then
			echo "---- tail of $dir/chorusd.log"
			tail -n 20 "$dir/chorusd.log" | sed 's/^/  | /'
		fi
		echo "----"
	fi
done

[ $failed -gt 0 ] && echo "failed: ${failed_names[*]} (logs in $LOG_ROOT)"
if [ $skipped -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ $failed = 0 ]
