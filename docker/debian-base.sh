#!/bin/sh
# Make the Debian base images debian:bookworm and debian:bookworm-slim
# locally with debootstrap, for machines that reach the Debian archive but
# no image registry. Skips an image that already exists.
#
# usage: docker/debian-base.sh [ENGINE]    (ENGINE: podman or docker)
# Needs root and debootstrap. The mirror is the one apt uses here
# (/etc/apt/sources.list*), else deb.debian.org.
set -eu

ENGINE=${1:-podman}
SUITE=bookworm

exists()
{
	"$ENGINE" image inspect "$1" >/dev/null 2>&1
}

# mirror SUITE DEFAULT: first archive URI apt uses for SUITE, one-line or
# deb822 format
mirror()
{
	cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
	    /etc/apt/sources.list.d/*.sources 2>/dev/null | awk -v s="$1" '
		/^deb / { for (i = 2; i <= NF; i++) if ($i !~ /^\[/) break
			  if ($(i + 1) == s) { print $i; exit } }
		/^Types:/ { deb = ($0 ~ /[ \t]deb([ \t]|$)/); uris = "" }
		/^URIs:/ { uris = $2 }
		/^Suites:/ { if (deb && uris != "")
				for (i = 2; i <= NF; i++)
					if ($i == s) { print uris; exit } }' |
		grep -E '^https?://' || echo "$2"
}

if exists debian:$SUITE && exists debian:$SUITE-slim; then
	echo "debian-base: debian:$SUITE and debian:$SUITE-slim present"
	exit 0
fi

MIRROR=$(mirror $SUITE http://deb.debian.org/debian | head -n 1)
SECURITY=$(mirror $SUITE-security http://deb.debian.org/debian-security |
	head -n 1)
WORK=$(mktemp -d /var/tmp/chorus-debootstrap.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
ROOTFS=$WORK/rootfs

echo "debian-base: debootstrap $SUITE from $MIRROR (a few minutes)"
debootstrap --variant=minbase $SUITE "$ROOTFS" "$MIRROR" \
	> "$WORK/debootstrap.log" 2>&1 || {
	tail -n 20 "$WORK/debootstrap.log" >&2
	exit 1
}

# apt sources as in the official image: the suite, its updates, security
rm -f "$ROOTFS/etc/apt/sources.list"
cat > "$ROOTFS/etc/apt/sources.list.d/debian.sources" <<SRC
Types: deb
URIs: $MIRROR
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $SECURITY
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/archives/*.deb \
	"$ROOTFS"/var/log/*.log "$ROOTFS"/var/log/apt/*
: > "$ROOTFS/etc/hostname"
: > "$ROOTFS/etc/resolv.conf"

if ! exists debian:$SUITE; then
	tar -C "$ROOTFS" -c . | "$ENGINE" import \
		-c 'CMD ["/bin/bash"]' - debian:$SUITE
fi

# slim: what the official slim variant drops (docs, man pages, locales),
# and dpkg told to keep dropping them
cat > "$ROOTFS/etc/dpkg/dpkg.cfg.d/slim" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
CFG
cat > "$ROOTFS/etc/apt/apt.conf.d/slim" <<'CFG'
Acquire::Languages "none";
APT::Install-Recommends "false";
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/*.bin || true"; };
CFG
find "$ROOTFS/usr/share/doc" -mindepth 1 -not -name copyright \
	-not -type d -delete
find "$ROOTFS/usr/share/doc" -mindepth 1 -type d -empty -delete
rm -rf "$ROOTFS"/usr/share/man/* "$ROOTFS"/usr/share/groff/* \
	"$ROOTFS"/usr/share/info/* "$ROOTFS"/usr/share/lintian/* \
	"$ROOTFS"/var/cache/apt/*.bin
find "$ROOTFS/usr/share/locale" -mindepth 1 -maxdepth 1 \
	-not -name locale.alias -exec rm -rf {} +

if ! exists debian:$SUITE-slim; then
	tar -C "$ROOTFS" -c . | "$ENGINE" import \
		-c 'CMD ["/bin/bash"]' - debian:$SUITE-slim
fi
echo "debian-base: made debian:$SUITE and debian:$SUITE-slim"
