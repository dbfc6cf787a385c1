/* SPDX-License-Identifier: MIT */
/*
 * The boot protocol between the umbra VMM and its guest kernel: the machine
 * state at kernel entry, the guest-physical layout, and the device-tree
 * names. docs/architecture.md ("Boot") is the prose version.
 *
 * Entry state (direct 64-bit boot, like Firecracker and Hyperlight):
 *  - long mode, CPL 0, CS = UMBRA_BOOT_CS (64-bit code), DS/ES/SS = UMBRA_BOOT_DS,
 *    TR = a 64-bit TSS in the boot area (VT-x needs a usable TR),
 *    interrupts disabled, CR0.PG|PE|WP|ET|NE, CR4.PAE, EFER.LME|LMA;
 *  - CR3 = the VMM's boot page tables, which map with 2 MiB pages
 *      VA == PA for all guest RAM (identity), and
 *      VA == UMBRA_KERNEL_VBASE + PA for PA in [0, UMBRA_KERNEL_MAP_SIZE);
 *  - RIP = the kernel ELF's e_entry, RDI = guest-physical address of the FDT,
 *    RSP = UMBRA_BOOT_STACK_TOP (a small stack in the boot area, usable until
 *    the kernel switches to its own).
 * Everything the VMM puts in guest memory outside the kernel image (boot
 * area, FDT, initrd) is listed in the FDT memory-reservation block.
 */
#ifndef UMBRA_BOOT_H
#define UMBRA_BOOT_H

/* Constants usable from assembly too (the guest's PVH entry). */
#ifdef __ASSEMBLER__
#define UMBRA_ULL(x) x
#else
#define UMBRA_ULL(x) x##ULL
#endif

/* Where the kernel image is mapped at entry (Linux's __START_KERNEL_map). */
#define UMBRA_KERNEL_VBASE UMBRA_ULL(0xffffffff80000000)
#define UMBRA_KERNEL_MAP_SIZE (UMBRA_ULL(1) << 30)
/* Where the guest kernel maps all of RAM for itself (Linux's PAGE_OFFSET). */
#define UMBRA_DIRECT_MAP_BASE UMBRA_ULL(0xffff888000000000)

/* Guest-physical boot area, owned by the VMM: GDT, boot page tables, stack. */
#define UMBRA_BOOT_AREA_START UMBRA_ULL(0x1000)
#define UMBRA_BOOT_GDT UMBRA_ULL(0x1000)
#define UMBRA_BOOT_STACK_TOP UMBRA_ULL(0x8000)
#define UMBRA_BOOT_PGTABLE UMBRA_ULL(0x10000) /* PML4, then PDPTs and PDs */
/* Left empty for the guest: where its real-mode start-up code for the other
 * CPUs goes (a STARTUP IPI's vector is the page number, so it must lie
 * below 1 MiB), with the page tables it uses on the way to long mode. */
#define UMBRA_AP_TRAMPOLINE UMBRA_ULL(0x8000)
#define UMBRA_AP_TRAMPOLINE_END UMBRA_ULL(0x10000)
#define UMBRA_BOOT_AREA_END UMBRA_ULL(0x100000)
/* Kernel PT_LOAD segments must have p_paddr >= this. */
#define UMBRA_KERNEL_MIN_PADDR UMBRA_ULL(0x100000)

/* Selectors in the VMM's boot GDT. */
#define UMBRA_BOOT_CS 0x08
#define UMBRA_BOOT_DS 0x10

/*
 * RAM layout: one range from 0 up to UMBRA_LOW_RAM_MAX; memory beyond that
 * continues at UMBRA_HIGH_RAM_START, leaving the 32-bit MMIO hole (LAPIC,
 * IOAPIC) free. The FDT /memory node lists the ranges.
 */
#define UMBRA_LOW_RAM_MAX UMBRA_ULL(0xC0000000)
#define UMBRA_HIGH_RAM_START UMBRA_ULL(0x100000000)

/* Device tree names. */
#define UMBRA_FDT_HYPERVISOR_NODE "/hypervisor"
#define UMBRA_FDT_HYPERVISOR_COMPAT "umbra,hypervisor"
/* Properties of /hypervisor:
 *   abi-version     u32   UMBRA_ABI_VERSION
 *   paging-mode     str   "tdp" or "shadow"
 *   hypercall-port  u32   UMBRA_HC_PORT
 *   tsc-khz         u32   guest TSC frequency in kHz
 * /chosen: bootargs (str), linux,initrd-start and linux,initrd-end (u64,
 * guest-physical, end exclusive), stdout-path = "/serial@3f8".
 * /serial@3f8: compatible "ns16550a", reg-io-port u32 0x3f8, clock-frequency.
 * /cpus/cpu@N: device_type "cpu", reg u32 = APIC ID (x2APIC ID; vCPU N has
 * ID N). vCPU 0 starts at the entry above; the others wait, as on a PC,
 * for INIT and STARTUP IPIs from its local APIC (docs/architecture.md). */
#define UMBRA_COM1_PORT 0x3f8

/* The longest guest command line (/chosen bootargs), in bytes including the
 * terminating NUL, as Linux's COMMAND_LINE_SIZE on x86. The VMM refuses a
 * longer -p/--params; the guest's buffer is exactly this size. */
#define UMBRA_CMDLINE_MAX 2048

#endif
