/* SPDX-License-Identifier: MIT */
/* Direct 64-bit boot: placement, boot GDT and page tables, entry registers. */
#include "boot.h"

#include <stdio.h>
#include <string.h>

#include <umbra/boot.h>

#define CR0_PE (1ULL << 0)
#define CR0_MP (1ULL << 1)
#define CR0_ET (1ULL << 4)
#define CR0_NE (1ULL << 5)
#define CR0_WP (1ULL << 16)
#define CR0_PG (1ULL << 31)
#define CR4_PAE (1ULL << 5)
#define EFER_LME (1ULL << 8)
#define EFER_LMA (1ULL << 10)

#define GIB (1ULL << 30)
#define MIB (1ULL << 20)

/* Boot page-table pages, from UMBRA_BOOT_PGTABLE on. */
#define PT_PML4 (UMBRA_BOOT_PGTABLE + 0 * BOOT_PAGE_SIZE)
#define PT_ID_PDPT (UMBRA_BOOT_PGTABLE + 1 * BOOT_PAGE_SIZE)
#define PT_K_PDPT (UMBRA_BOOT_PGTABLE + 2 * BOOT_PAGE_SIZE)
#define PT_K_PD (UMBRA_BOOT_PGTABLE + 3 * BOOT_PAGE_SIZE)
#define PT_ID_PD0 (UMBRA_BOOT_PGTABLE + 4 * BOOT_PAGE_SIZE) /* one per GiB */

static uint64_t align_down(uint64_t x, uint64_t a)
{
	return x & ~(a - 1);
}

int boot_plan(const struct guest_mem *gm, uint64_t initrd_size,
	      struct boot_layout *bl, char *err, size_t errlen)
{
	return boot_plan_below(gm, guest_mem_low_size(gm), initrd_size, bl, err, errlen);
}

int boot_plan_below(const struct guest_mem *gm, uint64_t low, uint64_t initrd_size,
		    struct boot_layout *bl, char *err, size_t errlen)
{
	/* Room for the initrd: low RAM minus the boot area, a minimal kernel
	 * slot of one page, and the FDT slot. */
	uint64_t floor = UMBRA_KERNEL_MIN_PADDR + BOOT_PAGE_SIZE + BOOT_FDT_MAX;
	uint64_t room = low > floor ? low - floor : 0;
	memset(bl, 0, sizeof(*bl));
	if (initrd_size > room) {
		snprintf(err, errlen,
			 "too large for guest RAM: %llu bytes, but at most %llu "
			 "fit in %llu MiB (raise -m/--mem)",
			 (unsigned long long)initrd_size, (unsigned long long)room,
			 (unsigned long long)(gm->total / MIB));
		return -1;
	}
	if (initrd_size) {
		bl->initrd_gpa = align_down(low - initrd_size, BOOT_PAGE_SIZE);
		bl->initrd_size = initrd_size;
		bl->fdt_gpa = bl->initrd_gpa - BOOT_FDT_MAX;
	} else {
		bl->fdt_gpa = low - BOOT_FDT_MAX;
	}
	bl->area_end = low;
	return 0;
}

unsigned int boot_reserved(const struct boot_layout *bl,
			   struct boot_region out[BOOT_RESERVED_MAX])
{
	unsigned int n = 0;
	out[n++] = (struct boot_region){UMBRA_BOOT_AREA_START,
					UMBRA_BOOT_AREA_END - UMBRA_BOOT_AREA_START};
	out[n++] = (struct boot_region){bl->fdt_gpa, BOOT_FDT_MAX};
	if (bl->initrd_size)
		out[n++] = (struct boot_region){bl->initrd_gpa, bl->initrd_size};
	return n;
}

/* RAM below UMBRA_KERNEL_MAP_SIZE is also mapped at UMBRA_KERNEL_VBASE. */
static uint64_t kernel_map_size(const struct guest_mem *gm)
{
	uint64_t low = guest_mem_low_size(gm);
	return low < UMBRA_KERNEL_MAP_SIZE ? low : UMBRA_KERNEL_MAP_SIZE;
}

int boot_translate(const struct guest_mem *gm, uint64_t va, uint64_t *pa)
{
	if (va >= UMBRA_KERNEL_VBASE && va - UMBRA_KERNEL_VBASE < kernel_map_size(gm)) {
		*pa = va - UMBRA_KERNEL_VBASE;
		return 0;
	}
	if (guest_mem_contains(gm, va, 1)) {
		*pa = va;
		return 0;
	}
	return -1;
}

static void put64(uint8_t *base, uint64_t off, uint64_t v)
{
	memcpy(base + off, &v, sizeof(v));
}

/* An 8-byte segment descriptor; flags holds the access byte in bits 0-7 and
 * the G/DB/L/AVL nibble in bits 12-15, as in the descriptor itself. */
static uint64_t gdt_entry(uint16_t flags, uint32_t base, uint32_t limit)
{
	return ((uint64_t)(base & 0xff000000u) << 32) |
	       ((uint64_t)(flags & 0xf0ffu) << 40) |
	       ((uint64_t)(limit & 0x000f0000u) << 32) |
	       ((uint64_t)(base & 0x00ffffffu) << 16) |
	       (uint64_t)(limit & 0x0000ffffu);
}

uint64_t boot_gdt_entry(unsigned int i)
{
	switch (i) {
	case UMBRA_BOOT_CS / 8: /* present, DPL 0, code exec/read accessed; G, L */
		return gdt_entry(0xa09b, 0, 0xfffff);
	case UMBRA_BOOT_DS / 8: /* present, DPL 0, data read/write accessed; G, DB */
		return gdt_entry(0xc093, 0, 0xfffff);
	case BOOT_TSS_SEL / 8: /* present, busy 64-bit TSS, byte granular */
		return gdt_entry(0x008b, (uint32_t)BOOT_TSS, BOOT_TSS_SIZE - 1);
	default: /* null descriptor; the TSS's high half (base bits 63:32 = 0) */
		return 0;
	}
}

static struct kvm_segment segment_of(unsigned int index)
{
	uint64_t e = boot_gdt_entry(index);
	struct kvm_segment s = {
		.base = ((e >> 16) & 0xffffff) | (((e >> 56) & 0xff) << 24),
		.limit = (uint32_t)((e & 0xffff) | (((e >> 48) & 0xf) << 16)),
		.selector = (uint16_t)(index * 8),
		.type = (e >> 40) & 0xf,
		.s = (e >> 44) & 1,
		.dpl = (e >> 45) & 3,
		.present = (e >> 47) & 1,
		.avl = (e >> 52) & 1,
		.l = (e >> 53) & 1,
		.db = (e >> 54) & 1,
		.g = (e >> 55) & 1,
	};
	if (s.g)
		s.limit = (s.limit << 12) | 0xfff;
	return s;
}

int boot_write_tables(const struct guest_mem *gm, char *err, size_t errlen)
{
	/* The highest GiB slot holding RAM decides how many identity PDs. */
	const struct guest_mem_range *last = &gm->ranges[gm->nranges - 1];
	uint64_t id_slots = (last->gpa + last->size + GIB - 1) / GIB;
	uint64_t tables_end = PT_ID_PD0 + id_slots * BOOT_PAGE_SIZE;
	uint8_t *area = guest_mem_hva(gm, 0, UMBRA_BOOT_AREA_END);
	if (!area || tables_end > UMBRA_BOOT_AREA_END) {
		snprintf(err, errlen, "boot page tables for %llu MiB do not fit "
			 "in the boot area", (unsigned long long)(gm->total / MIB));
		return -1;
	}

	for (unsigned int i = 0; i < BOOT_GDT_ENTRIES; i++)
		put64(area, UMBRA_BOOT_GDT + 8 * i, boot_gdt_entry(i));
	memset(area + BOOT_TSS, 0, BOOT_TSS_SIZE);
	/* I/O map base past the limit: no I/O permission bitmap. */
	uint16_t iomap = BOOT_TSS_SIZE;
	memcpy(area + BOOT_TSS + 102, &iomap, sizeof(iomap));

	const uint64_t table = BOOT_PTE_P | BOOT_PTE_RW;
	const uint64_t huge = BOOT_PTE_P | BOOT_PTE_RW | BOOT_PTE_PS;
	memset(area + UMBRA_BOOT_PGTABLE, 0, tables_end - UMBRA_BOOT_PGTABLE);

	/* Identity map of every RAM range; the MMIO hole stays unmapped. */
	put64(area, PT_PML4, PT_ID_PDPT | table);
	for (unsigned int r = 0; r < gm->nranges; r++) {
		const struct guest_mem_range *rg = &gm->ranges[r];
		for (uint64_t pa = rg->gpa; pa < rg->gpa + rg->size; pa += BOOT_HUGE_PAGE) {
			uint64_t slot = pa / GIB;
			uint64_t pd = PT_ID_PD0 + slot * BOOT_PAGE_SIZE;
			put64(area, PT_ID_PDPT + 8 * slot, pd | table);
			put64(area, pd + 8 * ((pa % GIB) / BOOT_HUGE_PAGE), pa | huge);
		}
	}

	/* UMBRA_KERNEL_VBASE + pa -> pa, for RAM below UMBRA_KERNEL_MAP_SIZE. */
	put64(area, PT_PML4 + 8 * ((UMBRA_KERNEL_VBASE >> 39) & 511), PT_K_PDPT | table);
	put64(area, PT_K_PDPT + 8 * ((UMBRA_KERNEL_VBASE >> 30) & 511), PT_K_PD | table);
	for (uint64_t pa = 0; pa < kernel_map_size(gm); pa += BOOT_HUGE_PAGE)
		put64(area, PT_K_PD + 8 * (pa / BOOT_HUGE_PAGE), pa | huge);
	return 0;
}

void boot_init_sregs(struct kvm_sregs *s)
{
	s->cs = segment_of(UMBRA_BOOT_CS / 8);
	s->ds = s->es = s->fs = s->gs = s->ss = segment_of(UMBRA_BOOT_DS / 8);
	s->tr = segment_of(BOOT_TSS_SEL / 8);
	s->ldt = (struct kvm_segment){.limit = 0xffff, .type = 2, .present = 1};
	s->gdt = (struct kvm_dtable){.base = UMBRA_BOOT_GDT,
				     .limit = BOOT_GDT_ENTRIES * 8 - 1};
	/* No IDT: an exception before the kernel loads its own is a triple
	 * fault, which the VMM reports with the registers. */
	s->idt = (struct kvm_dtable){.base = 0, .limit = 0};
	s->cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	s->cr2 = 0;
	s->cr3 = PT_PML4;
	s->cr4 = CR4_PAE;
	s->cr8 = 0;
	s->efer = EFER_LME | EFER_LMA;
}

void boot_init_regs(struct kvm_regs *r, uint64_t entry, uint64_t fdt_gpa)
{
	memset(r, 0, sizeof(*r));
	r->rip = entry;
	r->rdi = fdt_gpa;
	r->rsp = UMBRA_BOOT_STACK_TOP;
	r->rflags = 0x2;
}
