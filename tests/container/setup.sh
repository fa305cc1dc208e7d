#!/bin/sh
# Install the container tools the container tests need (podman, runc,
# debootstrap, uidmap, slirp4netns; python3-yaml for compose_check.py) and
# give podman the two settings it needs as root on these machines: the
# runc runtime and explicit ulimits. Idempotent.
# An existing /etc/containers/containers.conf is left alone; if it lacks
# the settings, this says so.
set -eu

PKGS="podman runc conmon debootstrap uidmap catatonit fuse-overlayfs
	slirp4netns python3-yaml"
CONF=/etc/containers/containers.conf

if [ "$(id -u)" -ne 0 ]; then
	echo "setup: run as root (apt-get, podman as root)" >&2
	exit 1
fi

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing
	echo "setup: installed:$missing"
fi

if [ ! -s "$CONF" ]; then
	mkdir -p "$(dirname "$CONF")"
	cat > "$CONF" <<'CFG'
# podman as root: runc (crun refuses a hybrid cgroup v1/v2 set-up) and
# explicit ulimits (the defaults cannot be raised inside some sandboxes)
[containers]
default_ulimits = ["nofile=1024:20000", "nproc=1024:1024"]
[engine]
runtime = "runc"
CFG
	echo "setup: wrote $CONF"
else
	grep -Eq '^[[:space:]]*runtime[[:space:]]*=[[:space:]]*"runc"' "$CONF" ||
		echo "setup: note: $CONF exists and does not set" \
			'runtime = "runc"; left as it is' >&2
	grep -q 'default_ulimits' "$CONF" ||
		echo "setup: note: $CONF exists and sets no default_ulimits;" \
			"left as it is" >&2
fi
echo "setup: $(podman --version)"
