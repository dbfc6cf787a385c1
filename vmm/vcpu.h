/* SPDX-License-Identifier: MIT */
/*
 * vCPUs: each runs KVM_RUN in its own thread and handles the exits. vCPU 0
 * (the BSP) starts at the kernel entry; the others are created parked in
 * KVM_MP_STATE_UNINITIALIZED, waiting in KVM_RUN for an INIT/SIPI from the
 * guest (tdp mode), or in shadow mode for UMBRA_HC_SMP_START_CPU, which
 * makes their own thread load a 64-bit entry state (vcpu_request_start).
 */
#ifndef UMBRA_VMM_VCPU_H
#define UMBRA_VMM_VCPU_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <linux/kvm.h>

#include "../shadow/tsc_clock.h"
#include "kvm_stats.h"

struct vm;

#define RFLAGS_IF (1ULL << 9)

/* Where a vCPU's thread is (the idle watchdog's report, vcpu_watch.h). */
enum vcpu_place { VCPU_BETWEEN_EXITS, VCPU_IN_KVM_RUN, VCPU_IN_EXIT, VCPU_IN_DUMP };

struct vcpu {
	struct vm *vm;
	unsigned int id; /* also its APIC ID */
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool started;
	atomic_uint_fast64_t progress; /* exits so far: the idle watchdog's view */
	atomic_bool check_halt;        /* the watchdog asks: halted for good? */
	atomic_int place;              /* enum vcpu_place */
	/* A wait in HLT with nothing armed to end it (vcpu_watch.c; the
	 * vCPU's thread only), and the exit count it began at. */
	struct held_since wait;
	uint64_t wait_progress;
	struct kvm_vcpu_stats kstats;  /* KVM's own counters (UMBRA_HC_STATS) */
	/* Shadow mode: UMBRA_HC_SMP_START_CPU asked this parked vCPU to start
	 * in 64-bit mode with these registers; its own thread loads them
	 * (vcpu_request_start). */
	atomic_bool start_pending;
	bool start_asked;
	struct kvm_sregs start_sregs;
	uint64_t start_rip, start_rsp;
};

/* Creates vCPU id of vm with its CPUID. Returns 0, or -1 after printing
 * one error line. */
int vcpu_create(struct vm *vm, struct vcpu *v, unsigned int id);

/* Shadow mode: the boot CR3 is the VMM's shadow root. 0 or -1. */
int vcpu_set_cr3(struct vcpu *v, uint64_t cr3);

/* Sets the boot entry state on the BSP. Returns 0, or -1 after an error line. */
int vcpu_set_boot_state(struct vcpu *v, uint64_t entry, uint64_t fdt_gpa);

/* The guest TSC rate of v in kHz (KVM_GET_TSC_KHZ, else the host's). */
uint32_t vcpu_tsc_khz(struct vcpu *v);

int vcpu_start(struct vcpu *v);

/* Makes v leave KVM_RUN soon (or not enter it). Any thread. */
void vcpu_kick(struct vcpu *v);

/* Shadow mode's start of a parked vCPU (UMBRA_HC_SMP_START_CPU): its
 * thread leaves KVM_RUN, loads sregs (all but its APIC base) and RIP/RSP,
 * and runs. Called from another vCPU's thread, once per vCPU. */
void vcpu_request_start(struct vcpu *v, const struct kvm_sregs *sregs, uint64_t rip,
			uint64_t rsp);

/* The calling vCPU's own special registers (its thread only). 0 or -1. */
int vcpu_get_sregs(struct vcpu *v, struct kvm_sregs *sregs);

void vcpu_destroy(struct vcpu *v);

#endif
