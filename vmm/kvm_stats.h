/* SPDX-License-Identifier: MIT */
/* A vCPU's counters kept by KVM itself (KVM_GET_STATS_FD: exits it handled
 * in the kernel too, its MMU's page faults), for UMBRA_HC_STATS. */
#ifndef UMBRA_VMM_KVM_STATS_H
#define UMBRA_VMM_KVM_STATS_H

#include <stdint.h>

enum kvm_vcpu_stat {
	KVM_STAT_EXITS,    /* "exits": every exit, in-kernel ones included */
	KVM_STAT_PF_TAKEN, /* "pf_taken": page faults KVM's MMU handled */
	KVM_STAT_PF_GUEST, /* "pf_guest": #PFs KVM injected into the guest */
	KVM_STAT_N,
};

struct kvm_vcpu_stats {
	int fd;                     /* -1: the kernel has no binary stats */
	int64_t offset[KVM_STAT_N]; /* of each value in fd; -1: absent */
};

/* Opens vcpu_fd's stats; without them, fd is -1 (no error: optional). */
void kvm_stats_open(struct kvm_vcpu_stats *ks, int vcpu_fd);
/* The value, or -1 when absent or unreadable. */
int64_t kvm_stats_get(const struct kvm_vcpu_stats *ks, enum kvm_vcpu_stat which);
void kvm_stats_close(struct kvm_vcpu_stats *ks);

#endif
