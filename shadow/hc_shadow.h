/* SPDX-License-Identifier: MIT */
/*
 * The shadow-mode hypercalls (UMBRA_HC_SHADOW_*, include/umbra/hypercall.h)
 * on top of the shadow MMU: argument checks, the batch queue drained
 * before every synchronous call, counters by kind, and the TLB-flush rule.
 * The VMM's dispatcher calls this; the unit tests call it directly.
 */
#ifndef UMBRA_HC_SHADOW_H
#define UMBRA_HC_SHADOW_H

#include <stdbool.h>
#include <stdint.h>

#include "mmu.h"

/* Whether nr is one of the shadow hypercalls. */
bool shadow_is_hypercall(uint64_t nr);

/* Performs shadow hypercall nr with arguments a[0..4]; returns the value
 * for RAX. *flush is set when the vCPU's TLB must be flushed before it
 * re-enters the guest (a present entry was zapped or downgraded). */
int64_t shadow_hypercall(struct shadow_mmu *mmu, uint64_t nr,
			 const uint64_t a[5], bool *flush);

#endif
