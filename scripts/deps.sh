#!/bin/sh
# Install every Debian package needed to build, run and test Chorus.
# Idempotent; run as root on Debian 12. Needs nothing but apt and sh.
set -eu

BUILD_PKGS="make gcc libc6-dev pkg-config
	libre-dev librem-dev libsrtp2-dev libopus-dev
	libavcodec-dev libavformat-dev libswresample-dev libavutil-dev
	libcmocka-dev libssl-dev"
TEST_PKGS="baresip baresip-core baresip-ffmpeg ffmpeg sip-tester sox curl python3 iproute2
	util-linux tcpdump procps openssl sipvicious"

if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		exec sudo "$0" "$@"
	fi
	echo "deps.sh: run as root (apt-get needs it)" >&2
	exit 1
fi

missing=""
for p in $BUILD_PKGS $TEST_PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q "ok installed" || missing="$missing $p"
done

if [ -z "$missing" ]; then
	echo "deps.sh: all packages present"
	exit 0
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
echo "deps.sh: installed:$missing"
