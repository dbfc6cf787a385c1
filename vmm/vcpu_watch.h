/* SPDX-License-Identifier: MIT */
/*
 * The idle watchdog's questions to the BSP. vm.c's wait_for_stop asks them
 * when the BSP made no exits for a period (with the in-kernel LAPIC a HLT
 * and the timer's interrupts never reach the VMM, so a guest waiting for
 * ever looks like one at work):
 *
 * - in the vCPU's own thread, after the watchdog's kick: did the guest halt
 *   for good (HLT with interrupts off, which nothing can end: the VM is
 *   stopped), or has it waited in HLT for VCPU_WAIT_REPORT_S past a TSC
 *   deadline whose interrupt never came (lost below the guest), or, in a
 *   VM of one vCPU booted by umbra, with no timer armed and no interrupt
 *   requested (only a device can wake it then, so a guest that expects a
 *   timer lost a wake-up)? Said once per wait.
 * - in the watchdog's thread: the vCPU's thread has not come back to
 *   answer the kick for VCPU_WAIT_REPORT_S; where it is (in KVM_RUN,
 *   handling an exit, writing a dump, at its pause point).
 *
 * Both name the guest kernel's function at RIP when the kernel is an ELF
 * with symbols (elf_syms.h).
 */
#ifndef UMBRA_VMM_VCPU_WATCH_H
#define UMBRA_VMM_VCPU_WATCH_H

#include "vcpu.h"

#define VCPU_WAIT_REPORT_S 10

/* In v's thread, between two KVM_RUNs. */
void vcpu_watch_halted(struct vcpu *v);
/* From the watchdog: v's thread has not answered for seconds. */
void vcpu_watch_unanswered(struct vcpu *v, unsigned seconds);

#endif
