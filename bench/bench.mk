# bench/: chorus-load (SIP/RTP load generator) and the capacity benchmark.
# Included by the top-level Makefile after mixer/mixer.mk.

LOAD_SRCS := bench/chorus_load.c bench/load_audio.c bench/load_report.c \
	bench/load_rtp.c bench/load_sip.c bench/load_srtp.c \
	bench/load_video.c bench/load_api.c
# --srtp: the server's own SDES and SRTP modules
LOAD_OBJS := $(LOAD_SRCS:%.c=$(BUILD)/obj/%.o) \
	$(BUILD)/obj/server/msec.o $(BUILD)/obj/server/sdes.o

$(LOAD_OBJS): CFLAGS_X = $(RE_DEFS) $(PKG_CFLAGS)

$(BUILD)/chorus-load: $(LOAD_OBJS)
	$(CC) $(SAN) -o $@ $^ $(PKG_LIBS) -lm

chorus-load: $(BUILD)/chorus-load

# CAPACITY_ARGS=--quick for a short run
bench-capacity: $(BUILD)/chorusd $(BUILD)/chorus-load
	bench/capacity.sh --build $(BUILD) $(CAPACITY_ARGS)

# Two chorusd binaries side by side at one load, interleaved runs:
#   make bench-ab A=old/chorusd B=build/chorusd AB="1room 1000" [REPS=7]
bench-ab: $(BUILD)/chorus-load
	bench/ab.sh --reps $(or $(REPS),7) --load $(BUILD)/chorus-load \
		$(AB) $(A) $(B)

# The video forwarding floor: a plain UDP relay (bench/video.sh)
$(BUILD)/udp_relay: $(BUILD)/obj/bench/udp_relay.o
	@echo "  LD      $@"
	@$(CC) $(SAN) -o $@ $^

# Rooms of 10 and 50 video callers against the relay's floor (as root):
#   make bench-video [VIDEO_ARGS="--quick"]   (bench/video.sh --help)
bench-video: $(BUILD)/chorusd $(BUILD)/chorus-load $(BUILD)/udp_relay
	bench/video.sh --build $(BUILD) $(VIDEO_ARGS)

# Plain RTP beside SDES-SRTP (AES_CM_128_HMAC_SHA1_80, AEAD_AES_128_GCM),
# each scenario of bench-capacity (bench/srtp.sh --help):
#   make bench-srtp [SRTP_ARGS="--quick"]
bench-srtp: $(BUILD)/chorusd $(BUILD)/chorus-load
	bench/srtp.sh --build $(BUILD) $(SRTP_ARGS)

.PHONY: chorus-load bench-capacity bench-ab bench-video bench-srtp

# The cost of SRTP per packet (bench/bench_msec.c)
$(BUILD)/obj/bench/bench_msec.o: CFLAGS_X = $(RE_DEFS) $(PKG_CFLAGS)
$(BUILD)/bench_msec: $(BUILD)/obj/bench/bench_msec.o \
	$(BUILD)/obj/server/msec.o
	@echo "  LD      $@"
	@$(CC) $(SAN) -o $@ $^ $(PKG_LIBS)
