#!/bin/sh
# Build the Chorus image with docker or podman, whichever works here.
#
# usage: docker/image.sh            (run from anywhere)
#   IMAGE   tag to build (default chorus:latest)
#   ENGINE  docker or podman (default: docker if its engine answers, else
#           podman)
# When the Debian base images are neither present nor pullable (no image
# registry reachable), they are made locally with debootstrap (as root).
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
IMAGE=${IMAGE:-chorus:latest}

if [ -z "${ENGINE:-}" ]; then
	if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1
	then
		ENGINE=docker
	elif command -v podman >/dev/null 2>&1; then
		ENGINE=podman
	else
		echo "image: no docker engine and no podman; install one" \
			"(as root: tests/container/setup.sh installs podman)" >&2
		exit 1
	fi
fi

# base images: present, else pulled, else made with debootstrap
for base in debian:bookworm debian:bookworm-slim; do
	"$ENGINE" image inspect "$base" >/dev/null 2>&1 && continue
	echo "image: pulling $base"
	if timeout 300 "$ENGINE" pull "docker.io/library/$base"; then
		continue
	fi
	if [ "$(id -u)" -ne 0 ] || ! command -v debootstrap >/dev/null 2>&1
	then
		echo "image: cannot pull $base; as root with debootstrap" \
			"installed, docker/debian-base.sh makes it locally" >&2
		exit 1
	fi
	"$ROOT/docker/debian-base.sh" "$ENGINE"
	break
done

# podman: the docker format keeps HEALTHCHECK (OCI has no such field);
# host networking for the apt-get steps needs no network plugins
set -- build -f "$ROOT/docker/Dockerfile" -t "$IMAGE"
[ "$ENGINE" = podman ] && set -- "$@" --format docker --network host \
	--ignorefile "$ROOT/docker/Dockerfile.dockerignore"

echo "image: $ENGINE $* $ROOT"
"$ENGINE" "$@" "$ROOT"
"$ENGINE" image inspect --format '{{.Size}}' "$IMAGE" |
	awk -v i="$IMAGE" '{printf "image: %s built, %.1f MB\n", i, $1 / 1e6}'
