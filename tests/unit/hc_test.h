/* SPDX-License-Identifier: MIT */
/* The hypercall dispatcher as the tests set it up: over a 16 MiB guest-memory
 * layout (not mapped) with its own counters, no MMU until a test adds one. */
#ifndef UMBRA_TESTS_HC_TEST_H
#define UMBRA_TESTS_HC_TEST_H

#include "guest_mem.h"
#include "hypercall.h"
#include "stats.h"

static inline void hc_test_init(struct hc_state *hc, struct guest_mem *gm, struct stats *st)
{
	guest_mem_layout(gm, 16 << 20);
	stats_init(st);
	hc_init(hc, gm, st);
}

#endif
