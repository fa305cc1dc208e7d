# shellcheck shell=bash
# lib.sh: shared helpers for the end-to-end tests (sourced by test_*.sh).
#
# Every test runs inside its own network namespace (run.sh does that), so the
# fixed ports below never clash with anything else on the machine. All loops
# are bounded; every process a test starts is recorded by PID and stopped by
# PID at exit.
#
# Layout of a test's work dir ($T, also its log dir):
#   chorusd.log          server stderr
#   chorusd.conf         config file, when the test gives one
#   data/                server --data-dir
#   <name>/              baresip config dir of participant <name>
#   <name>/rec/          its recordings (dump-*-dec.wav = what it heard)
#   <name>.log           its stdout/stderr

set -u

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$E2E_DIR/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in
/*) BUILD_DIR=$BUILD ;;
*) BUILD_DIR=$ROOT/$BUILD ;;
esac
CHORUSD=${CHORUSD:-$BUILD_DIR/chorusd}
TONEDET=${TONEDET:-$BUILD_DIR/tonedet}

SIP_PORT=5060
HTTP_PORT=8080
HTTP_URL=http://127.0.0.1:$HTTP_PORT

# Work/log dir: run.sh passes one; a test run by hand gets a temp dir.
if [ -z "${T:-}" ]; then
	T=$(mktemp -d /tmp/chorus-e2e.XXXXXX)
fi
mkdir -p "$T"
export T

CHORUSD_PID=
STARTED_PIDS=
declare -A BS_PID BS_CTRL BS_ARGS


# --- logging and checks ---------------------------------------------------

log()
{
	printf '[%s] %s\n' "$(date +%H:%M:%S.%3N)" "$*"
}

# fail MSG: report a failed check and end the test (cleanup runs on EXIT)
fail()
{
	log "FAIL: $*"
	exit 1
}

# skip MSG: the test cannot run here; run.sh counts exit 77 as skipped
skip()
{
	log "SKIP: $*"
	exit 77
}

# need_netns: refuse to run outside a private network namespace, where the
# fixed ports could clash with real services
need_netns()
{
	if [ -z "${E2E_NETNS:-}" ]; then
		fail "run me through tests/e2e/run.sh (needs its own netns)"
	fi
}

need_chorusd()
{
	[ -x "$CHORUSD" ] || fail "$CHORUSD not built (make build/chorusd)"
	[ -x "$TONEDET" ] || fail "$TONEDET not built (make tools)"
}


# --- process bookkeeping ----------------------------------------------------

track_pid()
{
	STARTED_PIDS="$STARTED_PIDS $1"
}

# alive PID: true while the process runs (and is not a zombie)
alive()
{
	local st

	kill -0 "$1" 2>/dev/null || return 1
	st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
	[ "$st" != Z ]
}

# wait_gone PID SECS: wait (bounded, 0.1 s steps) until PID has exited
wait_gone()
{
	local pid=$1 i n=$(( $2 * 10 ))

	for ((i = 0; i < n; i++)); do
		alive "$pid" || return 0
		sleep 0.1
	done
	! alive "$pid"
}

# cleanup: stop whatever this test started and is still running, by PID
cleanup()
{
	local pid

	for pid in $STARTED_PIDS; do
		alive "$pid" || continue
		kill -INT "$pid" 2>/dev/null
	done
	for pid in $STARTED_PIDS; do
		wait_gone "$pid" 3 || kill -KILL "$pid" 2>/dev/null
	done
}
trap cleanup EXIT
trap 'log "interrupted"; exit 1' INT TERM


# --- chorusd ---------------------------------------------------------------

# chorusd_start [CONFIG_TEXT]: start the server with a fresh data dir and
# wait (at most 10 s) for GET /healthz to answer 200
chorusd_start()
{
	local conf_args=() i code

	need_chorusd
	mkdir -p "$T/data"
	if [ $# -gt 0 ]; then
		printf '%s\n' "$1" > "$T/chorusd.conf"
		conf_args=(--config "$T/chorusd.conf")
	fi

	log "starting chorusd"
	"$CHORUSD" --sip 127.0.0.1:$SIP_PORT --http 127.0.0.1:$HTTP_PORT \
		--rtp-ports 20000-20999 --advertise 127.0.0.1 \
		--data-dir "$T/data" "${conf_args[@]}" \
		2>>"$T/chorusd.log" >>"$T/chorusd.log" &
	CHORUSD_PID=$!
	track_pid "$CHORUSD_PID"

	for ((i = 0; i < 100; i++)); do
		if ! alive "$CHORUSD_PID"; then
			wait "$CHORUSD_PID"
			fail "chorusd exited (status $?) during start-up"
		fi
		code=$(curl -s -o /dev/null -m 1 -w '%{http_code}' \
			"$HTTP_URL/healthz" 2>/dev/null)
		if [ "$code" = 200 ]; then
			log "chorusd up (pid $CHORUSD_PID)"
			return 0
		fi
		sleep 0.1
	done
	fail "chorusd /healthz not 200 within 10 s (last: $code)"
}

# chorusd_stop [SECS]: SIGTERM the server, wait at most SECS (default 5) and
# require exit status 0
chorusd_stop()
{
	local secs=${1:-5} rc

	[ -n "$CHORUSD_PID" ] || fail "chorusd_stop: not started"
	alive "$CHORUSD_PID" || fail "chorusd died before SIGTERM"
	log "SIGTERM chorusd"
	kill -TERM "$CHORUSD_PID"
	if ! wait_gone "$CHORUSD_PID" "$secs"; then
		kill -KILL "$CHORUSD_PID" 2>/dev/null
		fail "chorusd still running ${secs} s after SIGTERM"
	fi
	wait "$CHORUSD_PID"
	rc=$?
	CHORUSD_PID=
	[ "$rc" = 0 ] || fail "chorusd exit status $rc after SIGTERM (want 0)"
	log "chorusd exited 0"
}

chorusd_alive()
{
	[ -n "$CHORUSD_PID" ] && alive "$CHORUSD_PID"
}


# --- HTTP API --------------------------------------------------------------

# api METHOD PATH [BODY]: request; body goes to $T/http.body, the status to
# $HTTP_STATUS; also prints the body
api()
{
	local args=(-s -m 5 -X "$1" -o "$T/http.body" -w '%{http_code}')

	if [ $# -ge 3 ]; then
		args+=(-H 'Content-Type: application/json' --data-binary "$3")
	fi
	HTTP_STATUS=$(curl "${args[@]}" "$HTTP_URL$2" 2>/dev/null) ||
		HTTP_STATUS=000
	printf '%s %s -> %s %s\n' "$1" "$2" "$HTTP_STATUS" \
		"$(head -c 600 "$T/http.body" 2>/dev/null)" >> "$T/http.log"
	cat "$T/http.body" 2>/dev/null
}

# api_expect STATUS METHOD PATH [BODY]: api, and fail on any other status
api_expect()
{
	local want=$1

	shift
	api "$@" > /dev/null
	[ "$HTTP_STATUS" = "$want" ] ||
		fail "$1 $2: HTTP $HTTP_STATUS, want $want; body: $(head -c 400 "$T/http.body")"
}

# json EXPR: evaluate a python expression over the last body, bound to 'd';
# prints the result (json-encoded unless it is a str). It reads the body
# file, not stdin: run it after api, never as `api ... | json` (json could
# read the body before curl has rewritten it)
json()
{
	python3 - "$T/http.body" "$1" <<'EOF'
import json, sys
with open(sys.argv[1], 'rb') as f:
	d = json.loads(f.read().decode('utf-8'))
r = eval(sys.argv[2], {'d': d})
print(r if isinstance(r, str) else json.dumps(r))
EOF
}

room_create()
{
	api_expect 201 POST /v1/rooms "{\"name\":\"$1\"}"
	[ "$(json 'd["name"]')" = "$1" ] ||
		fail "POST /v1/rooms: name not echoed: $(cat "$T/http.body")"
	log "room $1 created"
}

# participant_count ROOM: number of entries in the participants list
participant_count()
{
	api GET "/v1/rooms/$1/participants" > /dev/null
	[ "$HTTP_STATUS" = 200 ] || { echo "http$HTTP_STATUS"; return; }
	json 'len(d["participants"])' 2>/dev/null || echo "badjson"
}

# wait_participants ROOM N SECS: poll (0.2 s) until the list has N entries
wait_participants()
{
	local i n=$(( $3 * 5 )) c=

	for ((i = 0; i < n; i++)); do
		c=$(participant_count "$1")
		[ "$c" = "$2" ] && return 0
		sleep 0.2
	done
	fail "room $1: $c participants after $3 s, want $2; body: $(head -c 600 "$T/http.body")"
}


# --- audio -----------------------------------------------------------------

# make_tone FILE FREQ [SECS]: 48 kHz mono 16-bit sine at -12 dBFS (so that
# a mix of a few tones does not clip)
make_tone()
{
	sox -q -n -r 48000 -c 1 -b 16 "$1" synth "${3:-20}" sine "$2" vol 0.25 ||
		fail "sox could not make $1"
}

# tones_check FILE SKIP "PRESENT..." "ABSENT...": run tonedet on a recording
# and fail unless every PRESENT frequency is present and every ABSENT one
# is absent. The tonedet output goes to the log either way.
tones_check()
{
	local file=$1 skip=$2 want_on=$3 want_off=$4 out f v ok=1

	# shellcheck disable=SC2086 # lists of frequencies
	if ! out=$("$TONEDET" -s "$skip" "$file" $want_on $want_off 2>&1); then
		log "tonedet could not analyse $file ($(stat -c %s "$file") bytes): $out"
		return 1
	fi
	log "tonedet $(basename "$file"):"
	printf '%s\n' "$out" | sed 's/^/    /'
	for f in $want_on; do
		v=$(printf '%s\n' "$out" | awk -v f="$f" '$1 == f {print $2}')
		[ "$v" = present ] || { log "  $f Hz: $v, want present"; ok=0; }
	done
	for f in $want_off; do
		v=$(printf '%s\n' "$out" | awk -v f="$f" '$1 == f {print $2}')
		[ "$v" = absent ] || { log "  $f Hz: $v, want absent"; ok=0; }
	done
	[ $ok = 1 ]
}

# check_heard NAME "PRESENT..." "ABSENT...": NAME's baresip recording
# holds every PRESENT tone and no ABSENT one; if not, HEARD_OK becomes 0
# (check them all, then fail once, so the log shows every recording)
HEARD_OK=1
check_heard()
{
	local rec

	rec=$(bs_recording "$1")
	if [ -z "$rec" ]; then
		log "$1: no recording in $T/$1/rec"
		HEARD_OK=0
		return
	fi
	tones_check "$rec" 1 "$2" "$3" || { log "$1: wrong tones"; HEARD_OK=0; }
}


# --- baresip participants --------------------------------------------------

# bs_setup NAME SIP_PORT CTRL_PORT RTP_BASE CODEC TONE_WAV [EXTRA_ACCT]
# Make a config dir for one participant. baresip also binds SIP_PORT+1
# (TLS), so keep SIP ports of participants at least 2 apart. CODEC is baresip's full name:
# opus/48000/2, PCMU/8000/1, PCMA/8000/1, G722/16000/1. RTP ports
# RTP_BASE..RTP_BASE+9 are used.
bs_setup()
{
	local name=$1 dir=$T/$1

	mkdir -p "$dir/rec"
	cat > "$dir/config" <<EOF
poll_method		epoll
sip_listen		127.0.0.1:$2
net_interface		127.0.0.1
call_local_timeout	20
call_max_calls		4
audio_player		alsa,null
audio_alert		alsa,null
audio_source		aufile,$6
ausrc_srate		48000
ausrc_channels		1
audio_buffer		20-160
rtp_ports		$4-$(( $4 + 9 ))
rtcp_mux		no
jitter_buffer_delay	5-10
opus_bitrate		64000
module_path		/usr/lib/baresip/modules
module			g711.so
module			g722.so
module			opus.so
module			alsa.so
module			aufile.so
module			sndfile.so
module_tmp		account.so
module_app		menu.so
module_app		ctrl_tcp.so
snd_path		$dir/rec
ctrl_tcp_listen		127.0.0.1:$3
EOF
	printf '<sip:%s@127.0.0.1:%s>;regint=0;audio_codecs=%s%s\n' \
		"$name" "$2" "$5" "${7:-}" > "$dir/accounts"
	: > "$dir/contacts"
	BS_CTRL[$name]=$3
}

# bs_start NAME [URI] [MAX_SECS]: start baresip, dialing URI if given; it
# ends by itself (SIGINT) after MAX_SECS (default 60). ${BS_ARGS[NAME]}, if
# set, are more options for it (e.g. -s: SIP trace in its log)
bs_start()
{
	local name=$1 uri=${2:-} secs=${3:-60} args=()

	# shellcheck disable=SC2206 # a list of options
	[ -n "${BS_ARGS[$name]:-}" ] && args=(${BS_ARGS[$name]})
	[ -n "$uri" ] && args+=(-e "/dial $uri")
	log "baresip $name start${uri:+, dial $uri}"
	timeout -s INT -k 5 "$secs" baresip -f "$T/$name" "${args[@]}" \
		< /dev/null > "$T/$name.log" 2>&1 &
	BS_PID[$name]=$!
	track_pid "${BS_PID[$name]}"
}

# bs_ctrl NAME COMMAND [PARAMS]: send one ctrl_tcp command (JSON netstring)
# and print the response netstring's JSON
bs_ctrl()
{
	python3 - "${BS_CTRL[$1]}" "$2" "${3:-}" <<'EOF'
import json, socket, sys
port, cmd, params = int(sys.argv[1]), sys.argv[2], sys.argv[3]
msg = json.dumps({"command": cmd, "params": params, "token": "e2e"}).encode()
s = socket.create_connection(("127.0.0.1", port), timeout=3)
s.sendall(b"%d:%s," % (len(msg), msg))
buf = b""
try:
	while True:
		chunk = s.recv(4096)
		if not chunk:
			break
		buf += chunk
		# the reply is the netstring whose JSON has "response": true
		if b'"response"' in buf and buf.endswith(b","):
			break
except socket.timeout:
	pass
print(buf.decode("utf-8", "replace"))
EOF
}

# bs_stop NAME: SIGINT baresip (clean exit, recordings closed), bounded
bs_stop()
{
	local pid=${BS_PID[$1]}

	alive "$pid" || return 0
	kill -INT "$pid" 2>/dev/null
	if ! wait_gone "$pid" 5; then
		log "baresip $1 ignored SIGINT, killing"
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	return 0
}

# bs_wait_log NAME REGEX SECS: wait until the participant's log matches
bs_wait_log()
{
	local i n=$(( $3 * 10 ))

	for ((i = 0; i < n; i++)); do
		grep -qE "$2" "$T/$1.log" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# bs_join ROOM URI NAME...: start each participant (set up with bs_setup)
# calling URI for 60 s, 0.3 s apart; wait until ROOM has them all and
# each baresip has its call established
bs_join()
{
	local room=$1 uri=$2 p
	shift 2

	for p in "$@"; do
		bs_start "$p" "$uri" 60
		sleep 0.3
	done
	wait_participants "$room" $# 10
	for p in "$@"; do
		bs_wait_log "$p" 'Call established' 5 ||
			fail "$p: no 'Call established' in its log"
	done
}

# bs_recording NAME: path of what the participant heard (newest dec dump)
bs_recording()
{
	ls -t "$T/$1/rec"/dump-*-dec.wav 2>/dev/null | head -n 1
}


# --- sipp -------------------------------------------------------------------

# shellcheck disable=SC2034 # used by the tests
SIPP_SCEN=$E2E_DIR/sipp

# run_sipp LABEL SCENARIO SERVICE [EXTRA ARGS]: one sipp call to chorusd,
# bounded in time (40 s); exit status is sipp's (0: the call succeeded).
# Its output and traces stay in $T/sipp-LABEL/
run_sipp()
{
	local scen=$2 service=$3 dir=$T/sipp-$1

	shift 3
	mkdir -p "$dir"
	(cd "$dir" && exec timeout -s INT -k 5 40 sipp \
		127.0.0.1:$SIP_PORT -sf "$scen" -s "$service" \
		-i 127.0.0.1 -mi 127.0.0.1 -p "${SIPP_PORT:-5070}" -m 1 -l 1 \
		-nostdin -timeout 30 -timeout_error \
		-trace_err -trace_msg -trace_screen "$@") \
		> "$dir/sipp.out" 2>&1 < /dev/null
}

# sipp_report LABEL: what went wrong, from sipp's own logs
sipp_report()
{
	local dir=$T/sipp-$1

	tail -n 5 "$dir/sipp.out"
	cat "$dir"/*_errors.log 2>/dev/null | tail -n 10
	grep -E '^(SIP/2.0|[A-Z]+ sip:)' "$dir"/*_messages.log 2>/dev/null |
		tail -n 10
}


# --- more API helpers (headers, errors, other instances) ------------------

# shellcheck disable=SC2034 # used by the tests
API_TOOL=$ROOT/tests/tools/chorus_api.py

# api_full METHOD URL [CURL_ARGS...]: request to a full URL; body to
# $T/http.body, response headers to $T/http.hdrs, status to $HTTP_STATUS
# (000 if there was no answer)
api_full()
{
	local method=$1 url=$2

	shift 2
	HTTP_STATUS=$(curl -s -m 5 -X "$method" -D "$T/http.hdrs" \
		-o "$T/http.body" -w '%{http_code}' "$@" "$url" 2>/dev/null) ||
		HTTP_STATUS=000
	printf '%s %s -> %s %s\n' "$method" "$url" "$HTTP_STATUS" \
		"$(head -c 600 "$T/http.body" 2>/dev/null)" >> "$T/http.log"
}

# digest_expect WANT SRC_IP ARGS...: tests/tools/sip_digest.py ARGS, sent
# from SRC_IP to chorusd, prints the statuses WANT (e.g. "401 200")
digest_expect()
{
	local want=$1 src=$2 got

	shift 2
	got=$(timeout 20 python3 "$ROOT/tests/tools/sip_digest.py" \
		--bind "$src" --port "$SIP_PORT" "$@" 2>> "$T/uac.log")
	[ "$got" = "$want" ] || fail "sip_digest.py $*: got '$got', want '$want'"
	log "sip_digest.py $* from $src: $got"
}

# http_header NAME: value of a header of the last api_full answer
http_header()
{
	awk -v h="$1" 'BEGIN { h = tolower(h) }
		{ sub(/\r$/, "") }
		tolower(substr($0, 1, length(h) + 1)) == h ":" {
			v = substr($0, length(h) + 2); sub(/^[ \t]+/, "", v)
			print v; exit }' "$T/http.hdrs" 2>/dev/null
}

# error_check FIELD: the last body is {"error":{"code":..,"message":..}}
# with "field" equal to FIELD ("-": no field); prints what is wrong
error_check()
{
	python3 - "$T/http.body" "$1" <<'PY'
import json, sys
try:
	with open(sys.argv[1], 'rb') as f:
		d = json.loads(f.read().decode('utf-8'))
except Exception as e:
	print("body is not JSON: %s" % e); sys.exit(1)
e = d.get("error") if isinstance(d, dict) else None
want = sys.argv[2]
if not isinstance(e, dict) or set(d) != {"error"}:
	print("not an error object: %r" % d); sys.exit(1)
if not isinstance(e.get("code"), str) or not e["code"] or \
   not isinstance(e.get("message"), str) or not e["message"]:
	print("error without code or message: %r" % d); sys.exit(1)
if set(e) - {"code", "field", "message"}:
	print("unknown keys in error: %r" % d); sys.exit(1)
got = e.get("field", "-")
if got != want:
	print("field %r, want %r: %r" % (got, want, d)); sys.exit(1)
PY
}

# chorusd_kill: SIGKILL the server started by chorusd_start and reap it
chorusd_kill()
{
	[ -n "$CHORUSD_PID" ] || fail "chorusd_kill: not started"
	kill -KILL "$CHORUSD_PID" 2>/dev/null
	wait "$CHORUSD_PID" 2>/dev/null
	CHORUSD_PID=
}

# sse_start FILE [QUERY]: capture GET /v1/events[?QUERY] into FILE (for at
# most 120 s) and wait until the stream has begun; sets SSE_PID
sse_start()
{
	local i

	: > "$1"
	curl -sN -m 120 "$HTTP_URL/v1/events${2:+?$2}" > "$1" 2>/dev/null &
	SSE_PID=$!
	track_pid "$SSE_PID"
	for ((i = 0; i < 50; i++)); do
		grep -q '^: chorus events' "$1" && return 0
		sleep 0.1
	done
	fail "event stream ${2:-} did not start: $(head -c 300 "$1")"
}


# --- packet capture -----------------------------------------------------------

# capture_start PCAP FILTER [SNAPLEN]: tcpdump on lo into PCAP, waiting until
# it listens; sets TCPDUMP_PID
capture_start()
{
	local i

	tcpdump -i lo -n -U -B 4096 -s "${3:-0}" -w "$1" "$2" \
		> "$T/tcpdump.log" 2>&1 &
	TCPDUMP_PID=$!
	track_pid "$TCPDUMP_PID"
	for ((i = 0; i < 50; i++)); do
		grep -q 'listening on' "$T/tcpdump.log" && return 0
		sleep 0.1
	done
	fail "tcpdump did not start: $(cat "$T/tcpdump.log")"
}

# capture_stop: let tcpdump write out what it has and end it
capture_stop()
{
	sleep 0.5
	kill -INT "$TCPDUMP_PID" 2>/dev/null
	wait_gone "$TCPDUMP_PID" 5 || kill -KILL "$TCPDUMP_PID" 2>/dev/null
}
