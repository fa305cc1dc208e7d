# Chorus: build, test and run.  See README.md.

CC       ?= cc
BUILD    ?= build
PKGS     := libre librem libsrtp2 opus libavcodec libswresample libavutil \
	libssl libcrypto
SAN      ?=

# libre's headers need these defines; its .pc file does not give them.
RE_DEFS  := -DHAVE_INTTYPES_H -DHAVE_STDBOOL_H -DHAVE_INET6 -DHAVE_UNISTD_H
WARN     := -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter
OPT      ?= -O2 -g
CFLAGS_B := -std=gnu11 $(OPT) $(WARN) $(SAN) -D_GNU_SOURCE -MMD -MP -I.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

all: $(BUILD)/chorusd tools

include mixer/mixer.mk
include bench/latency.mk
include bench/bench.mk
include docker/docker.mk

SERVER_SRCS := $(wildcard server/*.c) $(wildcard api/*.c)
SERVER_OBJS := $(SERVER_SRCS:%.c=$(BUILD)/obj/%.o)
LIB_OBJS    := $(filter-out $(BUILD)/obj/server/main.o,$(SERVER_OBJS))

$(BUILD)/obj/server/%.o $(BUILD)/obj/api/%.o: CFLAGS_X = $(RE_DEFS) $(PKG_CFLAGS)
$(BUILD)/obj/tests/%.o: CFLAGS_X = $(RE_DEFS) $(PKG_CFLAGS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS_B) $(CFLAGS_X) $(CFLAGS_ISA) -c $< -o $@

# the spec is linked into chorusd (api/openapi.c)
$(BUILD)/obj/api/openapi.o: api/openapi.yaml

$(BUILD)/chorusd: $(SERVER_OBJS) $(MIXER_OBJS)
	@echo "  LD      $@"
	@$(CC) $(SAN) -o $@ $^ $(PKG_LIBS) -lpthread -lm

# Test helpers used by the end-to-end tests.
TOOLS := $(BUILD)/tonedet $(BUILD)/impair
tools: $(TOOLS)
$(TOOLS): $(BUILD)/%: $(BUILD)/obj/tests/tools/%.o
	@echo "  LD      $@"
	@$(CC) $(SAN) -o $@ $^ -lm

# Unit tests: one cmocka binary per tests/test_<module>.c. The room, its
# tick and the manager are tested with fake participants and legs
# (tests/fake/) in place of the real ones, and only what they need.
FAKE_TESTS := tests/test_room.c tests/test_room_tick.c tests/test_rooms.c \
	tests/test_sipd.c tests/test_room_video.c
UNIT_SRCS := $(filter-out tests/test_mixer%.c $(FAKE_TESTS),\
	$(wildcard tests/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/%.c=$(BUILD)/%)
$(UNIT_BINS): $(BUILD)/%: $(BUILD)/obj/tests/%.o $(LIB_OBJS) $(MIXER_OBJS)
	@echo "  LD      $@"
	@$(CC) $(SAN) -o $@ $^ $(PKG_LIBS) -lcmocka -lpthread -lm

CODEC_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard server/codec*.c))
FAKE_OBJS  := $(BUILD)/obj/tests/fake/leg.o $(BUILD)/obj/tests/fake/part.o \
	$(BUILD)/obj/tests/fake/vleg.o
TICK_OBJS  := $(BUILD)/obj/server/room_tick.o $(CODEC_OBJS) \
	$(BUILD)/obj/server/log.o $(MIXER_OBJS)
VIDEO_OBJS := $(BUILD)/obj/server/room_video.o $(BUILD)/obj/server/vfwd.o \
	$(BUILD)/obj/server/vsel.o $(BUILD)/obj/server/vkey.o
ROOM_OBJS  := $(BUILD)/obj/server/room.o $(BUILD)/obj/server/worker.o \
	$(BUILD)/obj/server/cue.o \
	$(BUILD)/obj/server/tick.o $(TICK_OBJS) $(VIDEO_OBJS)
FAKE_BINS  := $(FAKE_TESTS:tests/%.c=$(BUILD)/%)
$(BUILD)/test_room_tick: $(TICK_OBJS)
$(BUILD)/test_room_video: $(VIDEO_OBJS) $(BUILD)/obj/server/log.o
$(BUILD)/test_room: $(ROOM_OBJS)
$(BUILD)/test_rooms: $(ROOM_OBJS) $(BUILD)/obj/server/rooms.o
SIPD_OBJS  := $(patsubst %,$(BUILD)/obj/server/%.o,sipd sipcheck registrar \
	sipauth digest digest_users ratelim siptls sdpneg sdpsec sdes sdpvid \
	rtpext)
$(BUILD)/test_sipd: $(ROOM_OBJS) $(BUILD)/obj/server/rooms.o $(SIPD_OBJS)
$(FAKE_BINS): $(BUILD)/%: $(BUILD)/obj/tests/%.o $(FAKE_OBJS)
	@echo "  LD      $@"
	@$(CC) $(SAN) -o $@ $(filter %.o,$^) $(PKG_LIBS) -lcmocka \
		-lpthread -lm

unit: $(UNIT_BINS) $(FAKE_BINS) $(MIXER_TEST_BINS)
	@set -e; for t in $^; do echo "== $$t"; ./$$t; done

e2e: all
	tests/e2e/run.sh

test: unit e2e

# Unit tests once more under AddressSanitizer and UBSan.
ASAN_MAKE = $(MAKE) BUILD=build-asan OPT="-O1 -g -fno-omit-frame-pointer" \
	SAN="-fsanitize=address,undefined -fno-sanitize-recover=all"
test-asan:
	$(ASAN_MAKE) unit

# The end-to-end tests against a chorusd built with ASan and UBSan: a
# sanitizer report ends chorusd with an error, which fails the test.
e2e-asan: tools
	$(ASAN_MAKE) build-asan/chorusd
	CHORUSD=$(CURDIR)/build-asan/chorusd tests/e2e/run.sh

# And against a chorusd built with ThreadSanitizer (media threads beside
# the main one): the first data race ends chorusd, which fails the test.
TSAN_MAKE = $(MAKE) BUILD=build-tsan OPT="-O1 -g" SAN="-fsanitize=thread"
e2e-tsan: tools
	$(TSAN_MAKE) build-tsan/chorusd
	CHORUSD=$(CURDIR)/build-tsan/chorusd \
		TSAN_OPTIONS="halt_on_error=1 abort_on_error=1" tests/e2e/run.sh

run: $(BUILD)/chorusd
	./$(BUILD)/chorusd

deps:
	./scripts/deps.sh

clean:
	rm -rf build build-asan build-tsan

.PHONY: all tools unit e2e e2e-asan e2e-tsan test test-asan run deps clean \
	bench

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
