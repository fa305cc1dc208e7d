/**
 * @file tick.h  A periodic clock on an absolute monotonic schedule
 */

#ifndef CHORUS_TICK_H
#define CHORUS_TICK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tick;

typedef void (tick_h)(uint64_t missed, void *arg);

int tick_alloc(struct tick **tkp, uint32_t period_ms, tick_h *h, void *arg);

#endif
