/* SPDX-License-Identifier: MIT */
/* Direct 64-bit boot: the page tables (walked in the guest memory buffer as
 * the CPU would), the GDT, the entry registers, and where the initrd and
 * FDT go. */
#include "test.h"

#include <stdint.h>

#include <umbra/boot.h>

#include "boot.h"
#include "guest_mem.h"

#define GIB (1ULL << 30)
#define MIB (1ULL << 20)

static uint64_t read64(const struct guest_mem *gm, uint64_t pa)
{
	const uint64_t *p = guest_mem_hva(gm, pa, 8);
	return p ? *p : 0; /* a table outside RAM reads as "not present" */
}

/*
 * A 4-level walk from cr3, as the CPU does it: returns 0 and *pa, or -1 if
 * not present. Also checks every level is writable and supervisor-only.
 */
static int walk(const struct guest_mem *gm, uint64_t cr3, uint64_t va, uint64_t *pa,
		int *bad_bits)
{
	const uint64_t addr_mask = 0x000ffffffffff000ULL;
	uint64_t table = cr3 & addr_mask;
	for (int level = 4; level >= 1; level--) {
		unsigned int shift = 12 + 9 * (level - 1);
		uint64_t e = read64(gm, table + 8 * ((va >> shift) & 511));
		if (!(e & 1))
			return -1;
		if (!(e & 2) || (e & 4))
			*bad_bits = 1;
		if (level == 1 || (level <= 3 && (e & 0x80))) {
			uint64_t page_mask = (1ULL << shift) - 1;
			*pa = (e & addr_mask & ~page_mask) | (va & page_mask);
			return 0;
		}
		table = e & addr_mask;
	}
	return -1;
}

/* Maps gm and writes the boot tables; returns 0 on success. */
static int setup(struct guest_mem *gm, uint64_t mem)
{
	char err[256] = "";
	guest_mem_layout(gm, mem);
	if (guest_mem_map(gm) != 0)
		return -1;
	if (boot_write_tables(gm, err, sizeof(err)) != 0) {
		fprintf(stderr, "  boot_write_tables: %s\n", err);
		return -1;
	}
	return 0;
}

/* va must map to want_pa (or be unmapped if want_pa is -1), both in the
 * walked tables and in boot_translate(). */
#define EXPECT_MAP(gm, va, want_pa)                                            \
	do {                                                                   \
		uint64_t pa_ = 0, tpa_ = 0;                                    \
		int bad_ = 0;                                                  \
		int r_ = walk((gm), UMBRA_BOOT_PGTABLE, (va), &pa_, &bad_);    \
		int t_ = boot_translate((gm), (va), &tpa_);                    \
		if ((uint64_t)(want_pa) == UINT64_MAX) {                       \
			CHECK_EQ(r_, -1);                                      \
			CHECK_EQ(t_, -1);                                      \
		} else {                                                       \
			CHECK_EQ(r_, 0);                                       \
			CHECK_EQ(pa_, (want_pa));                              \
			CHECK_EQ(t_, 0);                                       \
			CHECK_EQ(tpa_, (want_pa));                             \
		}                                                              \
		CHECK_EQ(bad_, 0);                                             \
	} while (0)

#define UNMAPPED UINT64_MAX

TEST(boot_pagetables_256m)
{
	struct guest_mem gm;
	CHECK_EQ(setup(&gm, 256 * MIB), 0);
	const uint64_t V = UMBRA_KERNEL_VBASE;
	EXPECT_MAP(&gm, 0, 0);
	EXPECT_MAP(&gm, 0x1234, 0x1234);
	EXPECT_MAP(&gm, 0x100000, 0x100000);
	EXPECT_MAP(&gm, 256 * MIB - 1, 256 * MIB - 1);
	EXPECT_MAP(&gm, 256 * MIB, UNMAPPED);
	EXPECT_MAP(&gm, GIB, UNMAPPED);
	EXPECT_MAP(&gm, 0xfee00000, UNMAPPED); /* the LAPIC: MMIO hole */
	EXPECT_MAP(&gm, V, 0);
	EXPECT_MAP(&gm, V + 0x100123, 0x100123);
	EXPECT_MAP(&gm, V + 256 * MIB - 1, 256 * MIB - 1);
	EXPECT_MAP(&gm, V + 256 * MIB, UNMAPPED);
	EXPECT_MAP(&gm, V - 1, UNMAPPED);
	EXPECT_MAP(&gm, UMBRA_DIRECT_MAP_BASE, UNMAPPED); /* the kernel's own job */
	/* Every 2 MiB page of RAM, at its first and last byte. */
	int all = 1;
	for (uint64_t pa = 0; pa < 256 * MIB; pa += BOOT_HUGE_PAGE) {
		uint64_t got = 0, got2 = 0;
		int bad = 0;
		all &= walk(&gm, UMBRA_BOOT_PGTABLE, pa, &got, &bad) == 0 && got == pa;
		all &= walk(&gm, UMBRA_BOOT_PGTABLE, V + pa + BOOT_HUGE_PAGE - 1, &got2, &bad) == 0 &&
		       got2 == pa + BOOT_HUGE_PAGE - 1 && !bad;
	}
	CHECK(all);
	guest_mem_unmap(&gm);
}

TEST(boot_pagetables_high_ram_and_hole)
{
	struct guest_mem gm;
	uint64_t mem = 5 * GIB; /* 3 GiB low, 2 GiB from 4 GiB */
	CHECK_EQ(setup(&gm, mem), 0);
	const uint64_t V = UMBRA_KERNEL_VBASE;
	EXPECT_MAP(&gm, UMBRA_LOW_RAM_MAX - 1, UMBRA_LOW_RAM_MAX - 1);
	EXPECT_MAP(&gm, UMBRA_LOW_RAM_MAX, UNMAPPED);
	EXPECT_MAP(&gm, 0xfec00000, UNMAPPED);
	EXPECT_MAP(&gm, UMBRA_HIGH_RAM_START - 1, UNMAPPED);
	EXPECT_MAP(&gm, UMBRA_HIGH_RAM_START, UMBRA_HIGH_RAM_START);
	EXPECT_MAP(&gm, UMBRA_HIGH_RAM_START + 2 * GIB - 1, UMBRA_HIGH_RAM_START + 2 * GIB - 1);
	EXPECT_MAP(&gm, UMBRA_HIGH_RAM_START + 2 * GIB, UNMAPPED);
	/* The kernel map covers the first GiB only. */
	EXPECT_MAP(&gm, V + GIB - 1, GIB - 1);
	EXPECT_MAP(&gm, V + GIB, UNMAPPED);
	guest_mem_unmap(&gm);
}

TEST(boot_pagetables_64g_fit_the_boot_area)
{
	struct guest_mem gm;
	uint64_t mem = 64 * GIB;
	CHECK_EQ(setup(&gm, mem), 0);
	uint64_t last = UMBRA_HIGH_RAM_START + mem - UMBRA_LOW_RAM_MAX - 1;
	EXPECT_MAP(&gm, last, last);
	EXPECT_MAP(&gm, last + 1, UNMAPPED);
	EXPECT_MAP(&gm, 40 * GIB + 12345, 40 * GIB + 12345);
	/* The tables stayed inside the boot area: the kernel's first byte was
	 * not written. */
	const uint8_t *k = guest_mem_hva(&gm, UMBRA_KERNEL_MIN_PADDR, 1);
	CHECK(k && *k == 0);
	guest_mem_unmap(&gm);
}

/* Fields of an 8-byte descriptor. */
struct desc {
	uint32_t base, limit;
	unsigned int type, s, dpl, p, l, db, g;
};

static struct desc decode(uint64_t e)
{
	struct desc d = {
		.base = (uint32_t)(((e >> 16) & 0xffffff) | ((e >> 56) << 24)),
		.limit = (uint32_t)((e & 0xffff) | (((e >> 48) & 0xf) << 16)),
		.type = (e >> 40) & 0xf, .s = (e >> 44) & 1, .dpl = (e >> 45) & 3,
		.p = (e >> 47) & 1, .l = (e >> 53) & 1, .db = (e >> 54) & 1,
		.g = (e >> 55) & 1,
	};
	return d;
}

TEST(boot_gdt_in_guest_memory)
{
	struct guest_mem gm;
	CHECK_EQ(setup(&gm, 64 * MIB), 0);
	CHECK_EQ(read64(&gm, UMBRA_BOOT_GDT), 0); /* null descriptor */
	struct desc cs = decode(read64(&gm, UMBRA_BOOT_GDT + UMBRA_BOOT_CS));
	CHECK_EQ(cs.p, 1);
	CHECK_EQ(cs.s, 1);
	CHECK_EQ(cs.dpl, 0);
	CHECK((cs.type & 0x8) != 0); /* code */
	CHECK_EQ(cs.l, 1);           /* 64-bit */
	CHECK_EQ(cs.db, 0);          /* must be 0 when L=1 */
	struct desc ds = decode(read64(&gm, UMBRA_BOOT_GDT + UMBRA_BOOT_DS));
	CHECK_EQ(ds.p, 1);
	CHECK_EQ(ds.s, 1);
	CHECK_EQ(ds.type & 0xa, 0x2); /* data, writable */
	CHECK_EQ(ds.base, 0);
	CHECK_EQ(ds.limit, 0xfffff);
	CHECK_EQ(ds.g, 1);
	struct desc tss = decode(read64(&gm, UMBRA_BOOT_GDT + BOOT_TSS_SEL));
	CHECK_EQ(tss.p, 1);
	CHECK_EQ(tss.s, 0);
	CHECK_EQ(tss.type, 0xb); /* busy 64-bit TSS */
	CHECK_EQ(tss.base, BOOT_TSS);
	CHECK_EQ(tss.limit, BOOT_TSS_SIZE - 1);
	CHECK_EQ(read64(&gm, UMBRA_BOOT_GDT + BOOT_TSS_SEL + 8), 0); /* base 63:32 */
	/* The TSS has no I/O bitmap and lies inside the boot area's GDT page. */
	const uint16_t *iomap = guest_mem_hva(&gm, BOOT_TSS + 102, 2);
	CHECK(iomap && *iomap == BOOT_TSS_SIZE);
	CHECK(BOOT_TSS >= UMBRA_BOOT_GDT + 8 * BOOT_GDT_ENTRIES);
	CHECK(BOOT_TSS + BOOT_TSS_SIZE <= UMBRA_BOOT_GDT + BOOT_PAGE_SIZE);
	guest_mem_unmap(&gm);
}

TEST(boot_sregs_match_gdt_and_entry_state)
{
	struct kvm_sregs s;
	memset(&s, 0x5a, sizeof(s));
	s.apic_base = 0xfee00900;
	boot_init_sregs(&s);
	CHECK_EQ(s.apic_base, 0xfee00900); /* KVM's value kept */
	CHECK_EQ(s.cs.selector, UMBRA_BOOT_CS);
	CHECK_EQ(s.cs.l, 1);
	CHECK_EQ(s.cs.db, 0);
	CHECK_EQ(s.cs.present, 1);
	CHECK_EQ(s.cs.dpl, 0);
	CHECK_EQ(s.cs.type, decode(boot_gdt_entry(UMBRA_BOOT_CS / 8)).type);
	struct kvm_segment *data[] = {&s.ds, &s.es, &s.fs, &s.gs, &s.ss};
	for (int i = 0; i < 5; i++) {
		CHECK_EQ(data[i]->selector, UMBRA_BOOT_DS);
		CHECK_EQ(data[i]->base, 0);
		CHECK_EQ(data[i]->limit, 0xffffffff); /* byte-granular in KVM */
		CHECK_EQ(data[i]->present, 1);
		CHECK_EQ(data[i]->type, decode(boot_gdt_entry(UMBRA_BOOT_DS / 8)).type);
	}
	CHECK_EQ(s.tr.selector, BOOT_TSS_SEL);
	CHECK_EQ(s.tr.type, 0xb);
	CHECK_EQ(s.tr.base, BOOT_TSS);
	CHECK_EQ(s.tr.limit, BOOT_TSS_SIZE - 1);
	CHECK_EQ(s.gdt.base, UMBRA_BOOT_GDT);
	CHECK_EQ(s.gdt.limit, 8 * BOOT_GDT_ENTRIES - 1);
	CHECK_EQ(s.idt.limit, 0);
	/* CR0: PE MP ET NE WP PG; CR4: PAE; EFER: LME LMA. */
	CHECK_EQ(s.cr0, 0x80010033ULL);
	CHECK_EQ(s.cr4, 0x20);
	CHECK_EQ(s.efer, 0x500);
	CHECK_EQ(s.cr3, UMBRA_BOOT_PGTABLE);

	struct kvm_regs r;
	memset(&r, 0x5a, sizeof(r));
	boot_init_regs(&r, 0xffffffff80100000ULL, 0x0fff0000);
	CHECK_EQ(r.rip, 0xffffffff80100000ULL);
	CHECK_EQ(r.rdi, 0x0fff0000);
	CHECK_EQ(r.rsp, UMBRA_BOOT_STACK_TOP);
	CHECK_EQ(r.rflags, 2); /* IF clear */
	CHECK_EQ(r.rax, 0);
	CHECK_EQ(r.rsi, 0);
}

TEST(boot_placement_of_initrd_and_fdt)
{
	struct guest_mem gm;
	struct boot_layout bl;
	char err[256] = "";
	guest_mem_layout(&gm, 256 * MIB);
	CHECK_EQ(boot_plan(&gm, 0, &bl, err, sizeof(err)), 0);
	CHECK_EQ(bl.initrd_size, 0);
	CHECK_EQ(bl.fdt_gpa, 256 * MIB - BOOT_FDT_MAX);
	CHECK_EQ(bl.area_end, 256 * MIB);
	struct boot_region r[BOOT_RESERVED_MAX];
	CHECK_EQ(boot_reserved(&bl, r), 2);
	CHECK_EQ(r[0].gpa, UMBRA_BOOT_AREA_START);
	CHECK_EQ(r[0].gpa + r[0].size, UMBRA_BOOT_AREA_END);
	CHECK_EQ(r[1].gpa, bl.fdt_gpa);

	/* An odd-sized initrd: page-aligned start, ends inside low RAM. */
	uint64_t size = 5 * MIB + 123;
	CHECK_EQ(boot_plan(&gm, size, &bl, err, sizeof(err)), 0);
	CHECK_EQ(bl.initrd_gpa % BOOT_PAGE_SIZE, 0);
	CHECK(bl.initrd_gpa + size <= 256 * MIB);
	CHECK(bl.initrd_gpa + size > 256 * MIB - BOOT_PAGE_SIZE); /* at the top */
	CHECK_EQ(bl.fdt_gpa, bl.initrd_gpa - BOOT_FDT_MAX);
	CHECK_EQ(boot_reserved(&bl, r), 3);
	CHECK_EQ(r[2].gpa, bl.initrd_gpa);
	CHECK_EQ(r[2].size, size);

	/* With high RAM, both stay in low RAM (below the MMIO hole). */
	guest_mem_layout(&gm, 8 * GIB);
	CHECK_EQ(boot_plan(&gm, 100 * MIB, &bl, err, sizeof(err)), 0);
	CHECK(bl.initrd_gpa + 100 * MIB <= UMBRA_LOW_RAM_MAX);
	CHECK_EQ(bl.area_end, UMBRA_LOW_RAM_MAX);

	/* Below a given top (firmware boot): everything under it. */
	guest_mem_layout(&gm, 256 * MIB);
	CHECK_EQ(boot_plan_below(&gm, 254 * MIB, size, &bl, err, sizeof(err)), 0);
	CHECK(bl.initrd_gpa + size <= 254 * MIB);
	CHECK(bl.initrd_gpa + size > 254 * MIB - BOOT_PAGE_SIZE);
	CHECK_EQ(bl.area_end, 254 * MIB);
	/* A top below the kernel's minimum room: nothing fits, no wrap. */
	CHECK_EQ(boot_plan_below(&gm, 1 * MIB, 1, &bl, err, sizeof(err)), -1);
}

TEST(boot_initrd_too_large_rejected)
{
	struct guest_mem gm;
	struct boot_layout bl;
	char err[256] = "";
	guest_mem_layout(&gm, 32 * MIB);
	CHECK_EQ(boot_plan(&gm, 40 * MIB, &bl, err, sizeof(err)), -1);
	CHECK(strstr(err, "too large") != NULL);
	CHECK_EQ(boot_plan(&gm, UINT64_MAX, &bl, err, sizeof(err)), -1);
	/* The largest that fits leaves the boot area, a page and the FDT. */
	uint64_t room = 32 * MIB - UMBRA_KERNEL_MIN_PADDR - BOOT_PAGE_SIZE - BOOT_FDT_MAX;
	CHECK_EQ(boot_plan(&gm, room + 1, &bl, err, sizeof(err)), -1);
	CHECK_EQ(boot_plan(&gm, room, &bl, err, sizeof(err)), 0);
	CHECK(bl.fdt_gpa >= UMBRA_KERNEL_MIN_PADDR);
	/* High RAM does not help: the initrd must be in low RAM. */
	guest_mem_layout(&gm, 16 * GIB);
	CHECK_EQ(boot_plan(&gm, 4 * GIB, &bl, err, sizeof(err)), -1);
}

TEST(guest_mem_bounds)
{
	struct guest_mem gm;
	guest_mem_layout(&gm, 5 * GIB);
	CHECK_EQ(gm.nranges, 2);
	CHECK(guest_mem_contains(&gm, 0, UMBRA_LOW_RAM_MAX));
	CHECK(!guest_mem_contains(&gm, 0, UMBRA_LOW_RAM_MAX + 1));
	CHECK(!guest_mem_contains(&gm, UMBRA_LOW_RAM_MAX - 1, 2)); /* into the hole */
	CHECK(guest_mem_contains(&gm, UMBRA_HIGH_RAM_START, 2 * GIB));
	CHECK(!guest_mem_contains(&gm, UMBRA_HIGH_RAM_START, 2 * GIB + 1));
	CHECK(!guest_mem_contains(&gm, UINT64_MAX, 2));      /* wraps */
	CHECK(!guest_mem_contains(&gm, 0x1000, UINT64_MAX)); /* wraps */
	CHECK(guest_mem_hva(&gm, 0, 1) == NULL);              /* not mapped yet */
	guest_mem_layout(&gm, 16 * MIB);
	CHECK_EQ(gm.nranges, 1);
	CHECK_EQ(guest_mem_map(&gm), 0);
	uint8_t *base = guest_mem_hva(&gm, 0, 16 * MIB);
	CHECK(base != NULL);
	CHECK(guest_mem_hva(&gm, 16 * MIB - 4, 4) == base + 16 * MIB - 4);
	CHECK(guest_mem_hva(&gm, 16 * MIB - 4, 5) == NULL);
	CHECK(guest_mem_hva(&gm, 16 * MIB, 1) == NULL);
	guest_mem_unmap(&gm);
	CHECK(guest_mem_hva(&gm, 0, 1) == NULL);
}
