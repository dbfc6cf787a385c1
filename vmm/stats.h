/* SPDX-License-Identifier: MIT */
/* Counters of a run (VM exits by reason, hypercalls, unhandled accesses),
 * updated by every vCPU thread, and the summary line printed at the end.
 * Hosted C: <linux/kvm.h> only for the exit-reason numbers. */
#ifndef UMBRA_VMM_STATS_H
#define UMBRA_VMM_STATS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Exit reasons are counted individually below this; above, as "other". */
#define STATS_EXIT_REASONS 64
/* Hypercalls are counted by number below this (UMBRA_STAT_HC_NUMBERS). */
#define STATS_HC_NUMBERS 32

struct stats {
	atomic_uint_fast64_t exits[STATS_EXIT_REASONS];
	atomic_uint_fast64_t exits_other;
	atomic_uint_fast64_t hypercalls;
	atomic_uint_fast64_t hypercalls_unknown;
	atomic_uint_fast64_t hypercalls_nr[STATS_HC_NUMBERS];
	atomic_uint_fast64_t pio_unhandled_reads;
	atomic_uint_fast64_t pio_unhandled_writes;
	atomic_uint_fast64_t mmio_reads;
	atomic_uint_fast64_t mmio_writes;
};

void stats_init(struct stats *s);

static inline void stats_inc(atomic_uint_fast64_t *c)
{
	atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

void stats_count_exit(struct stats *s, uint32_t reason);
/* One hypercall of number nr (by number below STATS_HC_NUMBERS). */
void stats_count_hypercall(struct stats *s, uint64_t nr);
/* All exits counted so far. */
uint64_t stats_total_exits(const struct stats *s);

/* "KVM_EXIT_IO" etc., or NULL for a number this build does not know. */
const char *kvm_exit_name(uint32_t reason);

/*
 * The end-of-run summary, without "umbra: " and newline:
 *   "guest exited with status S; N exits (io X, hlt Y, mmio Z[, name C...]),
 *    H hypercalls, U unhandled port reads, W unhandled port writes;
 *    guest boot T ms"
 * exited: the guest ended with UMBRA_HC_EXIT (else "guest stopped with
 * status S", after an error). boot_ns < 0: the guest did not report it.
 */
void stats_summary(const struct stats *s, bool exited, int status,
		   int64_t boot_ns, char *buf, size_t len);

#endif
