/* SPDX-License-Identifier: MIT */
/*
 * The direct 64-bit boot of include/umbra/boot.h, as data: where the initrd
 * and the FDT go, the boot GDT and page tables written into guest memory,
 * and the initial register values. Hosted C (KVM's structs are only used as
 * plain data), so the unit tests can check all of it without KVM.
 */
#ifndef UMBRA_VMM_BOOT_H
#define UMBRA_VMM_BOOT_H

#include <stddef.h>
#include <stdint.h>

#include <linux/kvm.h>

#include "guest_mem.h"

/* The FDT's slot in guest memory; the FDT itself is smaller. */
#define BOOT_FDT_MAX (64ULL << 10)
/* The boot GDT: null, UMBRA_BOOT_CS, UMBRA_BOOT_DS, then a 16-byte 64-bit
 * TSS descriptor (VT-x refuses to enter long mode without a usable TR). */
#define BOOT_TSS_SEL 0x18
#define BOOT_GDT_ENTRIES 5
#define BOOT_TSS 0x1080ULL /* after the GDT, in its page */
#define BOOT_TSS_SIZE 104

#define BOOT_PAGE_SIZE 4096ULL
#define BOOT_HUGE_PAGE (2ULL << 20)

/* Page-table entry bits used by the boot tables. */
#define BOOT_PTE_P 0x1ULL
#define BOOT_PTE_RW 0x2ULL
#define BOOT_PTE_PS 0x80ULL

/* Where everything the VMM places around the kernel goes. */
struct boot_layout {
	uint64_t fdt_gpa;     /* slot [fdt_gpa, fdt_gpa + BOOT_FDT_MAX) */
	uint64_t initrd_gpa;  /* page-aligned; 0 if no initrd */
	uint64_t initrd_size; /* 0 if no initrd */
	/* [fdt_gpa, area_end): FDT and initrd; kernel segments stay out. */
	uint64_t area_end;
};

/* A region the guest must not reuse (the FDT memory-reservation block). */
struct boot_region {
	uint64_t gpa, size;
};
#define BOOT_RESERVED_MAX 3

/*
 * Places the initrd (initrd_size bytes, 0 for none) at the top of low RAM,
 * page-aligned, and the FDT slot just below it. Returns 0, or -1 with why
 * the initrd does not fit in err.
 */
int boot_plan(const struct guest_mem *gm, uint64_t initrd_size,
	      struct boot_layout *bl, char *err, size_t errlen);

/* The same, with the top of RAM for them at low instead (firmware boot keeps
 * the firmware's own area at the top of RAM clear; docs/boot.md). */
int boot_plan_below(const struct guest_mem *gm, uint64_t low, uint64_t initrd_size,
		    struct boot_layout *bl, char *err, size_t errlen);

/* The reserved regions (boot area, FDT slot, initrd); returns how many. */
unsigned int boot_reserved(const struct boot_layout *bl,
			   struct boot_region out[BOOT_RESERVED_MAX]);

/*
 * Where the boot page tables map virtual address va: *pa for a VA they
 * map (identity for RAM; UMBRA_KERNEL_VBASE + pa for RAM below
 * UMBRA_KERNEL_MAP_SIZE). Returns 0, or -1 if va is not mapped. What the
 * tables written by boot_write_tables() implement, stated directly.
 */
int boot_translate(const struct guest_mem *gm, uint64_t va, uint64_t *pa);

/*
 * Writes the boot GDT, TSS and page tables into the boot area of mapped
 * guest memory (which must be zero there). Returns 0, or -1 with why in err.
 */
int boot_write_tables(const struct guest_mem *gm, char *err, size_t errlen);

/* The 8-byte GDT descriptor of index i (< 4) of the boot GDT (index 3 is the
 * low half of the TSS descriptor). */
uint64_t boot_gdt_entry(unsigned int i);

/* Sets the segments, control registers and descriptor tables of the entry
 * state; the rest of s (APIC base, interrupt bitmap) keeps KVM's values. */
void boot_init_sregs(struct kvm_sregs *s);

/* The entry registers: RIP = entry, RDI = fdt_gpa, the boot stack, RFLAGS
 * with only the reserved bit 1 (interrupts off). */
void boot_init_regs(struct kvm_regs *r, uint64_t entry, uint64_t fdt_gpa);

#endif
