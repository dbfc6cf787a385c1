/* SPDX-License-Identifier: MIT */
/*
 * Host memory in the VMM (docs/host-memory.md): the balloon hypercall in
 * both paging modes, and in shadow mode the swap file, --mem-limit reclaim,
 * --dedup and the test-only --chaos-invalidate thread over shadow/host_mem.c.
 */
#ifndef UMBRA_VMM_HOST_MEM_VM_H
#define UMBRA_VMM_HOST_MEM_VM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../shadow/host_mem.h"
#include "../shadow/mmu.h"
#include "config.h"
#include "guest_mem.h"
#include "shadow_kick.h"
#include "uffd_mem.h"
#include "vcpu_pause.h"

struct shadow_mmu;
struct shadow_kick;

struct host_mem_vm {
	const struct umbra_config *cfg;
	struct host_mem *hm;          /* shadow mode; NULL in tdp mode */
	const struct guest_mem *mem;  /* tdp mode: guest RAM */
	pthread_mutex_t *lock;        /* the shadow lock (shadow mode) */
	uint64_t calls;               /* shadow hypercalls and fault-slot answers */
	uint64_t dedup_calls;         /* calls at --dedup's last turn */
	uint64_t rng;
	/* Shadow mode, for changes made beside the running vCPUs (the chaos
	 * thread, the control socket's reclaim): the MMU, and the kicks that
	 * make the vCPUs flush (set by vm.c; NULL in tdp mode). */
	struct shadow_mmu *mmu;
	struct shadow_kick *kick;
	/* --chaos-invalidate: the thread makes its operations itself, under
	 * the shadow lock (see host_mem_vm.c). Counters under that lock. */
	pthread_t chaos;
	bool chaos_started;
	atomic_bool chaos_stop;
	uint64_t chaos_done, chaos_skipped, chaos_raced;
	uint64_t remote_reclaimed; /* frames swapped out by reclaim_remote */
	/* The 2M regions holding the kernel stacks the other vCPUs run on,
	 * which the host changes at the end of a shadow hypercall leave
	 * alone (under the shadow lock). */
	uint64_t stack_region[SHADOW_KICK_MAX_VCPUS * SHADOW_STACK_REGIONS_PER_VCPU];
	unsigned nr_stack_regions;
	/* The control socket's balloon target in pages, -1: none set. */
	atomic_int_fast64_t balloon_target;
	/* tdp mode: guest RAM through userfaultfd (uffd_mem.h). */
	struct uffd_mem uffd;
	/* tdp mode: every vCPU out of KVM_RUN while reclaim (with several
	 * vCPUs) or the chaos thread copies and drops frames. vm.c sets its
	 * kick; the vCPU threads park at its pause point. */
	struct vcpu_pause pause;
};

/* Returns 0, or an UMBRA_EXIT_* status after one error line. */
int host_mem_vm_init(struct host_mem_vm *h, const struct umbra_config *cfg,
		     struct host_mem *hm, const struct guest_mem *mem,
		     pthread_mutex_t *lock);
/* Starts the chaos thread, if asked for, and in tdp mode the demand
 * backing of guest RAM (boot image written). 0 or an UMBRA_EXIT_* status. */
int host_mem_vm_start(struct host_mem_vm *h);
void host_mem_vm_stop(struct host_mem_vm *h);
/* After the last access to guest RAM, before it is unmapped. */
void host_mem_vm_destroy(struct host_mem_vm *h);
/* tdp mode, on a vCPU thread after each exit: --mem-limit reclaim while
 * no vCPU runs the guest (the others paused first when there are several). */
void host_mem_vm_after_exit(struct host_mem_vm *h);

/* The hc_state hooks (vmm/hypercall.h). */
int64_t host_mem_vm_balloon(void *opaque, const uint64_t *args);
void host_mem_vm_after_shadow(void *opaque, unsigned vcpu);
/* The poll thread's, after it answered fault slots (under the shadow
 * lock): those count as calls for --dedup's pace; the turn they make due
 * is the next shadow hypercall's. */
void host_mem_vm_after_answers(void *opaque, unsigned answered);
int64_t host_mem_vm_dedup_merges(void *opaque);

/* The control socket's balloon: the size the guest's balloon should have
 * (it asks with UMBRA_BALLOON_TARGET once told by UMBRA_BALLOON_VECTOR). */
void host_mem_vm_set_balloon_target(struct host_mem_vm *h, uint64_t pages);

/* The control socket's reclaim, from its thread while the vCPUs run:
 * up to pages frames (0: all it can) chosen by the aging clock among
 * those no kernel-half shadow entry maps are unmapped, the vCPUs that may
 * cache them kicked, and those not faulted back meanwhile swapped out.
 * Returns the frames swapped out, -ENOTSUP in tdp mode, -ENOSPC without a
 * swap file, -ENOMEM; *flushed false when the vCPUs did not acknowledge
 * in time (then nothing was taken). */
int64_t host_mem_vm_reclaim_remote(struct host_mem_vm *h, uint64_t pages, bool *flushed);

/* The swap file for shadow mode: an unlinked temporary file, or -1 after
 * one message (then nothing is reclaimed). */
int host_mem_vm_swap_file(void);
/* host_mem's release_host: MADV_DONTNEED, the memory goes back to the host. */
void host_mem_vm_release(void *opaque, void *hva, size_t len);

/* Appends "; host memory: ..." to the summary line (when anything happened
 * or a host-memory option was given). */
void host_mem_vm_summary(struct host_mem_vm *h, char *line, size_t len);
/* --stats: every counter. */
void host_mem_vm_print_stats(struct host_mem_vm *h, FILE *f);

#endif
