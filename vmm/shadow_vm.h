/* SPDX-License-Identifier: MIT */
/*
 * Shadow paging in the VMM (--paging shadow, docs/shadow.md): the machine
 * frame pool as the VM's one KVM memory slot, guest-physical memory only
 * behind the p2m, the shadow MMU attached to the hypercall dispatcher, and
 * the boot address space the vCPU starts in.
 */
#ifndef UMBRA_VMM_SHADOW_VM_H
#define UMBRA_VMM_SHADOW_VM_H

#include <stdint.h>
#include <stdio.h>

#include "../shadow/frame_pool.h"
#include "../shadow/host_mem.h"
#include "../shadow/p2m.h"
#include "config.h"
#include "elf_load.h"
#include "guest_mem.h"
#include "shadow_kick.h"
#include "shadow_poll.h"
#include "stats.h"

struct shadow_mmu;
struct kvm;
struct hc_state;

struct shadow_vm {
	struct frame_pool pool;
	struct p2m p2m;
	struct host_mem hm; /* owns the backing of guest frames */
	int swap_fd;        /* -1: none */
	struct shadow_mmu *mmu;
	void *pool_mem;
	uint64_t pool_bytes;
	uint64_t boot_cr3; /* the boot address space's shadow root */
	/* Remote TLB flushes: UMBRA_SHADOW_KICK_VECTOR sent with
	 * KVM_SIGNAL_MSI (the in-kernel LAPIC), acknowledged by hypercall. */
	struct shadow_kick kick;
	bool kick_ready;
	/* --shadow-poll: the fault-slot poll thread (idle_us 0: none), and
	 * what decided it (for --stats). */
	struct shadow_poll poll;
	bool poll_given, poll_failed;
	unsigned int host_cpus, vcpus;
};

/* The pool (guest RAM plus the shadow budget plus slack), registered as
 * KVM memory slot 0 at machine address 0 (and slot 1 from 4 GiB: the 32-bit
 * MMIO hole's frames are reserved, never used), and the p2m and MMU over it.
 * Returns 0, or an UMBRA_EXIT_* status after one error line. */
int shadow_vm_init(struct shadow_vm *s, const struct umbra_config *cfg,
		   struct kvm *kvm, const struct guest_mem *mem);

/*
 * Copies what the VMM wrote into the staging RAM mem (kernel, initrd, boot
 * tables, FDT: every resident page) into guest-physical memory behind the
 * p2m, creates the boot address space for the boot tables, and fills the
 * shadow for the kernel image, the boot area and the FDT, so the kernel
 * runs until its #PF handler is ready. Returns 0 or an UMBRA_EXIT_* status.
 */
int shadow_vm_boot(struct shadow_vm *s, const struct guest_mem *mem,
		   const struct elf_image *kernel, uint64_t fdt_gpa, uint64_t fdt_len);

/* Kicks for nr_vcpus vCPUs (KVM_SIGNAL_MSI on kvm), ending their waits
 * when *stopping is set; wait_exits counted from st. */
void shadow_vm_kick_init(struct shadow_vm *s, struct kvm *kvm, unsigned nr_vcpus,
			 const atomic_bool *stopping, struct stats *st);

/* Appends the shadow counters to the run's summary line. */
void shadow_vm_summary(struct shadow_vm *s, const struct stats *st, char *line,
		       size_t len);
/* --stats: every counter, and exits per guest page fault. */
void shadow_vm_print_stats(struct shadow_vm *s, const struct stats *st, FILE *f);

/* UMBRA_HC_SMP_START_CPU from vCPU caller (hc_state's start_cpu; opaque
 * is the struct vm): activates the asid for the parked vCPU, shadows its
 * stack, and has it start in 64-bit mode with the caller's control and
 * segment registers on that root (docs/shadow.md, "SMP"). 0 or
 * -UMBRA_EINVAL. */
int64_t shadow_vm_start_cpu(void *opaque, unsigned int caller, const uint64_t *a);

void shadow_vm_destroy(struct shadow_vm *s);

/* Starts the fault-slot poll thread where cli_shadow_poll_us() has one
 * (--shadow-poll, or the default by the host's CPUs) and tells hc about it
 * (before the vCPUs run). 0, or UMBRA_EXIT_INTERNAL after one error line.
 * stop: ends it once the vCPUs have stopped. */
int shadow_vm_poll_start(struct shadow_vm *s, struct hc_state *hc,
			 const struct umbra_config *cfg);
void shadow_vm_poll_stop(struct shadow_vm *s, struct hc_state *hc);

#endif
