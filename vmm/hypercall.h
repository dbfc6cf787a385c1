/* SPDX-License-Identifier: MIT */
/*
 * The hypercall dispatcher (include/umbra/hypercall.h, docs/hypercalls.md).
 * It decides, the vCPU loop acts: the dispatcher never stops the VM or
 * touches registers itself, so it is hosted C and unit-testable. Every
 * argument is guest-controlled and checked.
 */
#ifndef UMBRA_VMM_HYPERCALL_H
#define UMBRA_VMM_HYPERCALL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <umbra/hypercall.h>

#include "guest_mem.h"
#include "stats.h"

/* Unknown hypercall numbers are logged once each, the first this many. */
#define HC_UNKNOWN_TRACKED 32

struct shadow_mmu;
struct shadow_kick;

struct hc_state {
	const struct guest_mem *mem;
	struct stats *stats;
	/* Shadow paging: the MMU the shadow hypercalls go to (NULL in tdp
	 * mode: they are unknown numbers there), and the one lock around it
	 * (KVM's mmu_lock). */
	struct shadow_mmu *shadow;
	pthread_mutex_t shadow_lock;
	/* UMBRA_HC_DUMP (vm_dump.c); NULL: -UMBRA_ENOENT. */
	int64_t (*dump)(void *opaque, unsigned int vcpu, const uint64_t *args);
	void *dump_opaque;
	/* UMBRA_STAT_KVM_*: KVM's own counter `which` (enum kvm_vcpu_stat) of
	 * the calling vCPU, or < 0; NULL: none (unit tests). */
	int64_t (*kvm_stat)(void *opaque, unsigned int vcpu, unsigned int which);
	void *kvm_stat_opaque;
	/* Host memory (vmm/host_mem_vm.c), when set: UMBRA_HC_BALLOON, and
	 * the work done at the end of every shadow hypercall of vCPU
	 * `vcpu` under shadow_lock (reclaim, dedup), before the kernel
	 * stack is shadowed again. With several vCPUs it drops the lock
	 * while the others flush (vmm/host_mem_vm.c), as the call's own
	 * wait for its kicks does. */
	int64_t (*balloon)(void *opaque, const uint64_t *args);
	void (*after_shadow)(void *opaque, unsigned vcpu);
	/* And on the poll thread after it answered fault slots, under the
	 * shadow lock (--dedup's pace: host_mem_vm_after_answers). */
	void (*after_answers)(void *opaque, unsigned answered);
	/* UMBRA_STAT_DEDUP_MERGES, or < 0 without --dedup. */
	int64_t (*dedup_merges)(void *opaque);
	void *host_mem;
	/* Kicks (shadow_kick.h): UMBRA_HC_SHADOW_KICK_ACK, and the flush
	 * every shadow hypercall's result promises; NULL: none. */
	struct shadow_kick *kick;
	/* The fault-slot poll thread (shadow_poll.h; --shadow-poll): woken by
	 * every shadow hypercall, its doze ended by every hypercall; NULL:
	 * none, UMBRA_HC_SHADOW_FAULT_SLOT returns -UMBRA_ENOSYS. */
	struct shadow_poll *poll;
	/* UMBRA_HC_SMP_START_CPU (shadow mode, vmm/shadow_vm.c); NULL:
	 * -UMBRA_ENOSYS. */
	int64_t (*start_cpu)(void *opaque, unsigned int caller, const uint64_t *args);
	void *start_cpu_opaque;
	atomic_int_fast64_t boot_ns; /* UMBRA_REPORT_BOOT_NS; -1 until reported */
	pthread_mutex_t unknown_lock;
	unsigned int nunknown;
	uint64_t unknown[HC_UNKNOWN_TRACKED];
};

struct hc_call {
	uint64_t nr;      /* RAX */
	uint64_t args[5]; /* RDI, RSI, R10, R8, R9 */
};

enum hc_action {
	HC_RETURN, /* resume the guest with ret in RAX */
	HC_EXIT,   /* stop the VM; the run's status is status */
	HC_PANIC,  /* stop the VM with UMBRA_EXIT_GUEST_FAULT; print message */
};

struct hc_outcome {
	enum hc_action action;
	uint64_t ret;
	int status;
	/* An unknown number not seen before: the caller logs it. */
	bool log_unknown;
	/* A shadow hypercall zapped what this vCPU may have cached: flush its
	 * TLB before it re-enters the guest; kick_mask: other vCPUs to kick
	 * (an interrupt whose handler flushes). */
	bool flush_tlb;
	uint64_t kick_mask;
	/* HC_PANIC: the guest's message made printable (control characters
	 * become '?'), or "" with message_ok false if it was unreadable. */
	bool message_ok;
	char message[UMBRA_HC_PANIC_MAX + 1];
};

void hc_init(struct hc_state *hc, const struct guest_mem *mem, struct stats *stats);
void hc_destroy(struct hc_state *hc);

void hc_dispatch(struct hc_state *hc, const struct hc_call *call,
		 struct hc_outcome *out);
/* The same for vCPU number vcpu (hc_dispatch is vCPU 0); the shadow
 * hypercalls depend on which vCPU calls. */
void hc_dispatch_vcpu(struct hc_state *hc, unsigned int vcpu,
		      const struct hc_call *call, struct hc_outcome *out);

/* The same with the caller's RSP: in shadow mode the kernel stack just
 * below it is kept shadowed after the call (a #PF pushed onto a missing
 * stack is a double fault). */
void hc_dispatch_vcpu_rsp(struct hc_state *hc, unsigned int vcpu,
			  const struct hc_call *call, uint64_t rsp,
			  struct hc_outcome *out);

/* Routes the shadow hypercalls (UMBRA_HC_SHADOW_*) to mmu from now on. */
void hc_set_shadow(struct hc_state *hc, struct shadow_mmu *mmu);

/* UMBRA_HC_STATS from vcpu: counter index's value, or -UMBRA_ENOENT /
 * -UMBRA_EINVAL (vmm/hc_stats.c). */
int64_t hc_stats_read(struct hc_state *hc, unsigned int vcpu, uint64_t index);
/* UMBRA_HC_STATS_ALL: counters 0 .. count - 1 into the guest's array. */
int64_t hc_stats_read_all(struct hc_state *hc, unsigned int vcpu, uint64_t gpa,
			  uint64_t count);

/* The reported boot time in ns, or -1. */
int64_t hc_boot_ns(struct hc_state *hc);

#endif
