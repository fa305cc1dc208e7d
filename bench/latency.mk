# bench/latency.sh: the latency chorusd adds to a talker's audio, at 0 and
# 30 ms of network jitter (as root; tcpdump and python3 needed).
# Included by the top-level Makefile after mixer/mixer.mk.
# LATENCY_ARGS: other jitter values [ms], e.g. LATENCY_ARGS="0 10 30 60"

bench-latency: $(BUILD)/chorusd $(BUILD)/impair
	BUILD=$(BUILD) bench/latency.sh $(LATENCY_ARGS)

.PHONY: bench-latency
