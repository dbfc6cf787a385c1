// SPDX-License-Identifier: MIT
/*
 * Shadow paging, the guest's part (docs/hypercalls.md "Shadow paging").
 * The VMM's shadow tables are a secondary MMU of each mm: an mm gets an
 * address space (asid) at its first CR3 load, its notifier chain turns
 * every invalidate_range_end into one invalidate hypercall, and its
 * release into AS_RELEASE. The #PF handler asks the VMM first and handles
 * the fault itself only when the VMM reflects it.
 *
 * The #PF path must never fault on itself: the kernel image (code, data,
 * bss: IDT, GDT, TSS, the per-CPU area, the boot and double-fault stacks,
 * and this file's state) is pinned; the VMM keeps the stack below the RSP
 * of every hypercall shadowed.
 */
#include <umbra/boot.h>
#include <umbra/hypercall.h>

#include "bootinfo.h"
#include "mm.h"
#include "page.h"
#include "printk.h"
#include "shadow_pv.h"
#include "string.h"
#include "x86.h"

bool shadow_paging;

/* Address spaces by guest page-table root. The array lives in the
 * pinned image, so the fault path can read it without faulting. */
#define MAX_SPACES 1024
struct shadow_space {
	struct mmu_notifier mn;
	struct mm_struct *mm; /* NULL: the kernel's own tables */
	uint64_t pgd;         /* 0: free slot */
	uint32_t asid;        /* 0: none created yet */
};
static struct shadow_space spaces[MAX_SPACES];
static uint64_t cur_pgd;
static uint32_t cur_asid;

static long shadow_hc(unsigned long nr, unsigned long a0, unsigned long a1,
		      unsigned long a2, unsigned long a3)
{
	register unsigned long r10 __asm__("r10") = a2;
	register unsigned long r8 __asm__("r8") = a3;
	long ret;
	__asm__ volatile("outl %%eax, %%dx"
			 : "=a"(ret)
			 : "a"(nr), "d"(UMBRA_HC_PORT), "D"(a0), "S"(a1), "r"(r10), "r"(r8)
			 : "memory");
	return ret;
}

/* The TLB flush a zap in the VMM needs (shadow entries are never global). */
static void flush_tlb_local(void)
{
	native_write_cr3(read_cr3());
}

static struct shadow_space *space_of(uint64_t pgd)
{
	for (unsigned i = 0; i < MAX_SPACES; i++)
		if (spaces[i].pgd == pgd)
			return &spaces[i];
	return NULL;
}

static struct shadow_space *space_new(uint64_t pgd, struct mm_struct *mm)
{
	struct shadow_space *s = space_of(0);
	if (!s)
		panic("shadow paging: more than %d address spaces", MAX_SPACES);
	s->pgd = pgd;
	s->mm = mm;
	s->asid = 0;
	return s;
}

void shadow_write_cr3(uint64_t pgd)
{
	if (pgd == cur_pgd) {
		flush_tlb_local();
		return;
	}
	struct shadow_space *s = space_of(pgd);
	if (!s)
		s = space_new(pgd, NULL);
	if (!s->asid) {
		long asid = shadow_hc(UMBRA_HC_SHADOW_AS_CREATE, pgd, 0, 0, 0);
		if (asid <= 0)
			panic("shadow paging: AS_CREATE %#lx: %ld", pgd, asid);
		s->asid = (uint32_t)asid;
	}
	long cr3 = shadow_hc(UMBRA_HC_SHADOW_AS_ACTIVATE, s->asid, 0, 0, 0);
	if (cr3 < 0)
		panic("shadow paging: AS_ACTIVATE %#x: %ld", s->asid, cr3);
	cur_pgd = pgd;
	cur_asid = s->asid;
	native_write_cr3((uint64_t)cr3);
}

bool shadow_first_chance(struct pt_regs *regs)
{
	uint64_t addr = read_cr2();
	unsigned long flags = (regs->rflags & (1UL << 18)) ? UMBRA_SHADOW_FAULT_AC : 0;
	long r = shadow_hc(UMBRA_HC_SHADOW_FAULT, addr, regs->error_code & 0xffff,
			   cur_asid, flags);
	if (r == UMBRA_SHADOW_HANDLED) {
		flush_tlb_local();
		return true;
	}
	flush_tlb_local();
	if (r > 0 && (r & 0xff) == UMBRA_SHADOW_REFLECT)
		regs->error_code = ((unsigned long)r >> UMBRA_SHADOW_RESULT_EC_SHIFT) & 0xffff;
	return false;
}

void shadow_touch_stack(uint64_t rsp)
{
	/* The switch frame at rsp, and room below it for a fault's frame
	 * and the handler's calls. */
	(void)*(volatile uint64_t *)rsp;
	(void)*(volatile uint64_t *)(rsp - 8);
	(void)*(volatile uint64_t *)(rsp - 1024);
}

static void shadow_invalidate_range_end(struct mmu_notifier *mn, struct mm_struct *mm,
					uint64_t start, uint64_t end)
{
	struct shadow_space *s = container_of(mn, struct shadow_space, mn);
	(void)mm;
	if (!s->asid)
		return; /* never loaded: nothing shadowed */
	long r = shadow_hc(UMBRA_HC_SHADOW_INVALIDATE, s->asid, start, end,
			   UMBRA_SHADOW_EV_UNMAP);
	if (r < 0)
		panic("shadow paging: INVALIDATE %#x [%#lx, %#lx): %ld", s->asid, start, end, r);
	flush_tlb_local();
}

static void shadow_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct shadow_space *s = container_of(mn, struct shadow_space, mn);
	(void)mm;
	if (s->asid) {
		long r = shadow_hc(UMBRA_HC_SHADOW_AS_RELEASE, s->asid, 0, 0, 0);
		if (r < 0)
			panic("shadow paging: AS_RELEASE %#x: %ld", s->asid, r);
		flush_tlb_local();
	}
	/* A released asid is never named again; the root may be reused by
	 * a new mm, which gets a new address space. cur_pgd stays until the
	 * next switch (the kernel half still runs on it). */
	if (cur_pgd == s->pgd)
		cur_pgd = ~0UL; /* the next write_cr3 of any root activates */
	s->pgd = 0;
	s->asid = 0;
	s->mm = NULL;
}

static const struct mmu_notifier_ops shadow_mn_ops = {
	.invalidate_range_end = shadow_invalidate_range_end,
	.release = shadow_release,
};

void shadow_mm_init(struct mm_struct *mm)
{
	if (!shadow_paging)
		return;
	struct shadow_space *s = space_of(mm->pgd);
	if (s && s->asid) /* a root reused before its old space was released */
		panic("shadow paging: root %#lx already has an address space", mm->pgd);
	if (!s)
		s = space_new(mm->pgd, mm);
	s->mm = mm;
	s->mn.ops = &shadow_mn_ops;
	mmu_notifier_register(&s->mn, mm);
}

void shadow_pv_init(void)
{
	if (strcmp(boot_info.paging_mode, "shadow") != 0)
		return;
	uint64_t start = (uint64_t)_text & ~(PAGE_SIZE - 1);
	uint64_t end = ((uint64_t)_end + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	long r = shadow_hc(UMBRA_HC_SHADOW_PIN, start, end, 0, 0);
	if (r < 0)
		panic("shadow paging: cannot pin the kernel image [%#lx, %#lx): %ld",
		      start, end, r);
	shadow_paging = true;
	/* The VMM started us in an address space of its own making; from
	 * here every space is one the guest created. */
	cur_pgd = ~0UL;
	write_cr3(UMBRA_BOOT_PGTABLE);
	pr_info("shadow paging: kernel image pinned (%lu pages), asid %#x",
		(end - start) / PAGE_SIZE, cur_asid);
}
