/* SPDX-License-Identifier: MIT */
/*
 * SMP: starting the other CPUs (arch/x86/smpboot.c), the big kernel lock
 * and the IPIs between CPUs (kernel/smp.c). docs/architecture.md, "SMP".
 */
#ifndef GUEST_SMP_H
#define GUEST_SMP_H

/* The trampoline's physical page (UMBRA_AP_TRAMPOLINE; the assembly cannot
 * include umbra/boot.h's ULL constants), then its PML4, PDPT and PD. */
#define AP_TRAMPOLINE_PA 0x8000
#define AP_TRAMPOLINE_PML4 (AP_TRAMPOLINE_PA + 0x1000)
#define AP_TRAMPOLINE_PDPT (AP_TRAMPOLINE_PA + 0x2000)
#define AP_TRAMPOLINE_PD (AP_TRAMPOLINE_PA + 0x3000)

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stdint.h>

/* CPUs running the kernel; 1 until smp_init() started the others. */
extern unsigned int nr_cpus_online;

/* Starts the CPUs the FDT lists (at most NR_CPUS), one after another. */
void smp_init(void);

#endif
#endif
