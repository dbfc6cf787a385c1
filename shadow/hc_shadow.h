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

/* Performs shadow hypercall nr for vCPU vcpu with arguments a[0..4];
 * returns the value for RAX. *flush is set when that vCPU's TLB must be
 * flushed before it re-enters the guest (a present entry it may have
 * cached was zapped or downgraded), and the result then carries
 * UMBRA_SHADOW_FLUSH (shadow_result_flush); other vCPUs to kick are in
 * shadow_pending_flushes(). With cfg.audit, every present shadow entry is
 * audited after the call; findings are printed on stderr and counted in
 * the stats (audit_findings). */
int64_t shadow_hypercall(struct shadow_mmu *mmu, unsigned vcpu, uint64_t nr,
			 const uint64_t a[5], bool *flush);
/* Applies the guest's queued operations now, outside any hypercall (a VMM
 * thread about to zap while the vCPUs run). Returns how many, or
 * -UMBRA_EINVAL / -UMBRA_EFAULT for a broken ring. */
int64_t shadow_drain_queue(struct shadow_mmu *mmu);
/* The same, calling applied after each operation it applies. */
typedef void (*shadow_op_applied_fn)(void *opaque, uint32_t asid, uint64_t start,
				     uint64_t end, unsigned event);
int64_t shadow_drain_queue_each(struct shadow_mmu *mmu, shadow_op_applied_fn applied,
				void *opaque);
/* --audit: the audit after a call of number nr with arguments a, at the
 * points where the guest's tables agree with what it announced. */
void shadow_audit_after(struct shadow_mmu *mmu, uint64_t nr, const uint64_t a[5]);
/* ret as the guest must see it when its TLB must be flushed: with
 * UMBRA_SHADOW_FLUSH (include/umbra/hypercall.h) where the ABI has room
 * for it. shadow_hypercall applies it itself; a caller that zaps more
 * after the call (the VMM's stack refill) applies it again. */
int64_t shadow_result_flush(uint64_t nr, int64_t ret);

#endif
