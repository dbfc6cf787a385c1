/* SPDX-License-Identifier: MIT */
/*
 * The hypercall ABI between the umbra VMM and its guest kernel.
 *
 * This header is shared by the VMM (hosted C) and the guest (freestanding C):
 * it holds only constants and fixed-layout structs. docs/hypercalls.md is the
 * prose version; keep the two in step.
 *
 * Transport: port I/O. The guest loads the hypercall number into RAX, up to
 * five arguments into RDI, RSI, R10, R8, R9 (the syscall order with R10 in
 * place of RDX, because DX carries the port), and executes
 *     outl %eax, %dx      with DX = UMBRA_HC_PORT
 * The VMM sees the I/O exit, reads the registers, performs the call and puts
 * the result in RAX before the guest resumes. Results are >= 0 on success or
 * a negated Linux errno value (UMBRA_E*) on failure, as in the Linux syscall
 * ABI. No other register is changed.
 */
#ifndef UMBRA_HYPERCALL_H
#define UMBRA_HYPERCALL_H

/* Version of this ABI; also published in the FDT hypervisor node. */
#define UMBRA_ABI_VERSION 1

/* The I/O port the guest writes to make a hypercall (32-bit out). */
#define UMBRA_HC_PORT 0x0500

/*
 * Hypercall numbers. Never renumber: append.
 */
/* Stop the VM; a0 = exit status (0..255). Does not return. */
#define UMBRA_HC_EXIT 1
/* The guest kernel failed; a0 = guest-physical address of a message,
 * a1 = its length in bytes (at most UMBRA_HC_PANIC_MAX). Does not return:
 * the VMM prints the message and stops the VM with UMBRA_EXIT_GUEST_FAULT. */
#define UMBRA_HC_PANIC 2
/* Report a guest-side measurement; a0 = UMBRA_REPORT_*, a1 = value.
 * Returns 0, or -UMBRA_EINVAL for an unknown kind. */
#define UMBRA_HC_REPORT 3

#define UMBRA_HC_PANIC_MAX 4096

/* Kinds for UMBRA_HC_REPORT. */
/* Nanoseconds from kernel entry to the first user instruction of init,
 * measured by the guest with its TSC. */
#define UMBRA_REPORT_BOOT_NS 1

/* Error values returned by hypercalls (negated), equal to Linux errno. */
#define UMBRA_EPERM 1
#define UMBRA_EFAULT 14
#define UMBRA_EINVAL 22
#define UMBRA_ENOSYS 38

/*
 * Exit statuses of the `umbra` command. 0..255 is normally the guest's own
 * exit status (UMBRA_HC_EXIT). When the VMM itself fails it prints a one-line
 * error on stderr and exits with one of these; a guest may of course exit
 * with the same numbers, so the stderr line is what tells them apart.
 */
#define UMBRA_EXIT_USAGE 120       /* bad command line */
#define UMBRA_EXIT_BAD_IMAGE 121   /* kernel/initrd missing or malformed */
#define UMBRA_EXIT_NO_KVM 122      /* KVM absent or lacking a capability */
#define UMBRA_EXIT_NESTED 123      /* nested (QEMU) setup or run failed */
#define UMBRA_EXIT_GUEST_FAULT 124 /* guest stopped: panic, triple fault, ... */
#define UMBRA_EXIT_INTERNAL 125    /* VMM internal or host error */

#endif
