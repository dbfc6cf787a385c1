/* SPDX-License-Identifier: MIT */
/* The KVM system and VM file descriptors: API version and capability
 * checks, VM creation with the in-kernel irqchip, memslots, CPUID. */
#ifndef UMBRA_VMM_KVM_H
#define UMBRA_VMM_KVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/kvm.h>

#include "guest_mem.h"

#define KVM_DEVICE "/dev/kvm"
/* KVM's real-mode helpers, in the MMIO hole below 4 GiB, clear of the LAPIC
 * (0xfee00000) and IOAPIC (0xfec00000): the identity-map page, then the
 * three TSS pages. Only VT-x without unrestricted guest uses them. */
#define KVM_IDENTITY_MAP_ADDR 0xfffbc000ULL
#define KVM_TSS_ADDR 0xfffbd000ULL

struct kvm {
	int dev_fd;
	int vm_fd;
	size_t run_size;          /* of each vCPU's kvm_run mapping */
	unsigned int max_vcpus;
	bool has_tsc_khz;         /* KVM_CAP_GET_TSC_KHZ */
	struct kvm_cpuid2 *cpuid; /* KVM_GET_SUPPORTED_CPUID */
};

/*
 * Whether KVM on this machine can run an ordinary guest: /dev/kvm exists and
 * the CPU has VMX or SVM under it. A /dev/kvm without either is a
 * software-only KVM such as kvm_pvm, which runs only guests built for it.
 * NULL when it can; otherwise why not, for a message.
 */
const char *kvm_unusable_reason(void);

/*
 * Opens /dev/kvm, checks the API version and every capability umbra relies
 * on, creates the VM (identity map and TSS addresses, irqchip) and reads the
 * supported CPUID. Returns 0, or an UMBRA_EXIT_* status with one line
 * (without "umbra: ") in err; k is then closed.
 */
int kvm_init(struct kvm *k, char *err, size_t errlen);

/* Registers each RAM range of gm (mapped) as a memslot. Returns 0 or -errno. */
int kvm_set_memory(struct kvm *k, const struct guest_mem *gm);

void kvm_close(struct kvm *k);

/* Sends vector to the local APIC of apic_id as a fixed, edge-triggered MSI
 * (KVM_SIGNAL_MSI, the in-kernel irqchip). 0, -EAGAIN when the APIC
 * refused it (not enabled yet), or -errno. */
int kvm_signal_msi(struct kvm *k, unsigned apic_id, unsigned vector);

/* The host's TSC rate measured against CLOCK_MONOTONIC, in kHz; for when
 * KVM cannot say what it gives the guest. */
uint32_t host_tsc_khz(void);

#endif
