# docker/: the container image and its end-to-end test. Included by the
# top-level Makefile. Neither target is part of `make test`: the first run
# makes the Debian base images and builds the image (a few minutes).

IMAGE ?= chorus:latest

# Build the image with docker, or podman where no docker engine runs.
image:
	IMAGE=$(IMAGE) docker/image.sh

# As root: install podman if needed, build the image, run it and check it
# from the host with real SIP callers (tests/container/README.md).
test-container: tools
	IMAGE=$(IMAGE) timeout -k 10 1800 tests/container/run.sh

# As root: the README's set-up commands in a fresh Debian container.
test-fresh-machine:
	timeout -k 10 3000 tests/container/fresh_machine.sh

.PHONY: image test-container test-fresh-machine
