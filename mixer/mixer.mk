# mixer/: pure C mix-minus library, its tests and its benchmark.
# Included by the top-level Makefile. Defines MIXER_OBJS, MIXER_TEST_BINS
# and the bench target.

MIXER_ARCH := $(shell $(CC) -dumpmachine 2>/dev/null)

MIXER_SRCS := mixer/mixer.c mixer/talk.c mixer/cpu.c mixer/kern_c.c
ifneq ($(filter x86_64%,$(MIXER_ARCH)),)
MIXER_SRCS += mixer/x86/kern_sse2.c mixer/x86/kern_avx2.c
endif
ifneq ($(filter aarch64%,$(MIXER_ARCH)),)
MIXER_SRCS += mixer/arm/kern_neon.c
endif
MIXER_OBJS := $(MIXER_SRCS:%.c=$(BUILD)/obj/%.o)

# Only the ISA files get ISA flags: the rest must run on any CPU of the
# architecture. The scalar kernels are the specification and the bench
# baseline, so the compiler must not vectorize them behind our back.
$(BUILD)/obj/mixer/x86/kern_sse2.o: CFLAGS_ISA = -msse2
$(BUILD)/obj/mixer/x86/kern_avx2.o: CFLAGS_ISA = -mavx2
$(BUILD)/obj/mixer/kern_c.o: CFLAGS_ISA = -fno-tree-vectorize \
	-fno-tree-slp-vectorize

MIXER_TEST_BINS := $(BUILD)/test-mixer $(BUILD)/test-mixer-kern

$(BUILD)/test-mixer: $(BUILD)/obj/tests/test_mixer.o $(MIXER_OBJS)
	$(CC) $(SAN) -o $@ $^ -lcmocka -lpthread

$(BUILD)/test-mixer-kern: $(BUILD)/obj/tests/test_mixer_kern.o $(MIXER_OBJS)
	$(CC) $(SAN) -o $@ $^ -lcmocka -lpthread

$(BUILD)/bench-mixer: $(BUILD)/obj/bench/bench_mixer.o $(MIXER_OBJS)
	$(CC) $(SAN) -o $@ $^ -lpthread

bench: $(BUILD)/bench-mixer
	./$(BUILD)/bench-mixer
