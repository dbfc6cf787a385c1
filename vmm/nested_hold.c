/* SPDX-License-Identifier: MIT */
/*
 * `umbra nested-hold-kvm`, run by the L1 VM's /init before it starts the
 * inner umbra (tools/mkl1base.sh): creates a KVM VM with an in-kernel
 * irqchip and one vCPU that never runs, and leaves a child process holding
 * them for the life of L1.
 *
 * Why: the first VM enables static keys in L1's kernel (the scheduler's
 * preempt_notifier_key; KVM's apic_sw_disabled with the first in-kernel
 * LAPIC) and the last one's end disables them. Each change patches code
 * that every CPU runs, the scheduler's included, with int3 (text_poke_bp).
 * In nested runs under QEMU's TCG, L1 was caught with both its CPUs
 * looping through that int3 in __schedule for good, right after umbra
 * started (docs/reliability.md). With a VM held from boot the inner
 * umbra's VM only moves the keys' counts between non-zero values: no
 * code is patched while it runs, and a hang in the patch at boot comes
 * before the start marker, where the nested runner boots L1 again.
 */
#include "nested.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <umbra/hypercall.h>

#include "kvm.h"

int nested_hold_kvm_main(void)
{
	const char *step = "open " KVM_DEVICE;
	int kvm = open(KVM_DEVICE, O_RDWR);
	int vm = -1;
	if (kvm >= 0) {
		step = "KVM_CREATE_VM";
		vm = ioctl(kvm, KVM_CREATE_VM, 0);
	}
	if (vm >= 0) {
		step = "KVM_CREATE_IRQCHIP";
		if (ioctl(vm, KVM_CREATE_IRQCHIP, 0) == 0) {
			step = "KVM_CREATE_VCPU";
			if (ioctl(vm, KVM_CREATE_VCPU, 0) >= 0)
				step = NULL;
		}
	}
	if (step) {
		fprintf(stderr, "umbra: nested-hold-kvm: %s: %s\n", step, strerror(errno));
		return UMBRA_EXIT_NO_KVM;
	}
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "umbra: nested-hold-kvm: fork: %s\n", strerror(errno));
		return UMBRA_EXIT_NO_KVM;
	}
	if (pid > 0)
		return 0;
	/* The holder keeps the VM's descriptors, not /init's serial ports or
	 * the pipe its caller reads to the end. */
	int null = open("/dev/null", O_RDWR);
	for (int fd = 0; fd < 3; fd++)
		if (null < 0 || dup2(null, fd) < 0)
			close(fd);
	setsid();
	/* Nor is it the one L1's OOM killer takes: its end would patch the
	 * kernel again, during a run. */
	int adj = open("/proc/self/oom_score_adj", O_WRONLY);
	if (adj >= 0) {
		ssize_t w = write(adj, "-1000", 5); /* at best */
		(void)w;
		close(adj);
	}
	for (;;)
		pause();
}
