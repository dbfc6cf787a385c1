/* SPDX-License-Identifier: MIT */
/*
 * Running the VMM nested inside QEMU where this machine has no /dev/kvm
 * (../shared/NESTED.md, docs/architecture.md "Nested runs").
 */
#ifndef UMBRA_VMM_NESTED_H
#define UMBRA_VMM_NESTED_H

#include "config.h"

/*
 * Re-execute this `umbra run` inside a QEMU (TCG) VM whose Linux kernel
 * offers KVM: builds the per-run part of the L1 initramfs (this binary, the
 * guest kernel and initrd of cfg, the run's arguments), starts QEMU, passes
 * the guest's output through (stdout to stdout, the inner VMM's stderr to
 * stderr) and returns the inner `umbra run`'s exit status, or
 * UMBRA_EXIT_NESTED with a one-line message on stderr if the nested setup
 * fails. Says once on stderr that it runs nested.
 */
int nested_run(const struct umbra_config *cfg, const char *why);

/*
 * `umbra nested-child ARGV_FILE`: run inside the L1 VM by its /init. Reads
 * the NUL-separated arguments of the original `umbra run` (paths already
 * rewritten to the L1 copies) and runs them with umbra_run_main().
 */
int nested_child_main(int argc, char **argv);

/*
 * `umbra nested-hold-kvm`: run by the L1 VM's /init before the inner
 * umbra. Creates a KVM VM (irqchip, one vCPU) and leaves a child holding
 * it for the life of L1, so the inner VM patches no kernel code
 * (nested_hold.c). 0, or UMBRA_EXIT_NO_KVM after a message.
 */
int nested_hold_kvm_main(void);

/* `umbra run ARGS...` (argv[0] is "run"); defined in main.c. */
int umbra_run_main(int argc, char **argv);

#endif
