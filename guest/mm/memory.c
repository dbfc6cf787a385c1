// SPDX-License-Identifier: MIT
/*
 * User page tables and the page-fault paths (Linux's mm/memory.c).
 *
 * Frames are reference counted (struct page): every PTE mapping a frame
 * holds one reference and one _mapcount; the page cache holds its own.
 * The shared zero page is never counted. A PTE "holds" a frame when its
 * frame bits are non-zero (frame 0 is never user memory); under PROT_NONE
 * the present bit is clear but the frame stays, so mprotect gives the
 * contents back.
 *
 * Writable private pages are writable in the PTE only while exclusively
 * owned: fork write-protects them and the first write copies (do_wp_page)
 * or reuses the frame when it is the last owner. Shared file pages are
 * mapped read-only until the first write (do_shared_fault/page_mkwrite:
 * dirty tracking).
 */
#include "errno.h"
#include "fs.h"
#include "internal.h"
#include "percpu.h"
#include "shadow_pv.h"
#include "slab.h"
#include "smp.h"
#include "string.h"
#include "x86.h"

#define USER_TABLE_FLAGS (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER)

uint64_t nr_anon_thp;
static struct page *zero_page;

struct mm_struct *mm_alloc(void)
{
	struct mm_struct *mm = kzalloc(sizeof(*mm));
	phys_addr_t pgd_pa = alloc_zeroed_page();
	if (!mm || !pgd_pa) {
		kfree(mm);
		if (pgd_pa)
			free_pages(pgd_pa, 1);
		return NULL;
	}
	mm->mm_users = 1;
	INIT_LIST_HEAD(&mm->notifiers);
	mm->pgd = pgd_pa;
	mm->pgtables_bytes = PAGE_SIZE;
	/* The kernel half is shared: its upper-level tables never change. */
	uint64_t *pgd = __va(pgd_pa), *kernel = __va(swapper_pg_dir);
	memcpy(pgd + PTRS_PER_TABLE / 2, kernel + PTRS_PER_TABLE / 2,
	       PTRS_PER_TABLE / 2 * sizeof(uint64_t));
	shadow_mm_init(mm); /* shadow paging: the VMM subscribes */
	return mm;
}

/* mm->cpu_mask says which CPUs' CR3 holds the mm, for TLB shootdowns
 * (smp.c): where a task using it runs, and idle CPUs that ran one last
 * (lazy). Atomic: a lazy CPU leaves the mm from its flush IPI, without the
 * lock. */
void switch_mm(struct mm_struct *mm)
{
	struct percpu *pc = this_cpu();
	unsigned long bit = 1UL << pc->cpu;
	if (pc->active_mm)
		__atomic_and_fetch(&pc->active_mm->cpu_mask, ~bit, __ATOMIC_RELAXED);
	pc->active_mm = mm;
	if (mm)
		__atomic_or_fetch(&mm->cpu_mask, bit, __ATOMIC_RELAXED);
	write_cr3(mm ? mm->pgd : swapper_pg_dir);
}

/* A dying mm must not stay loaded: its page-table pages are freed. */
void drop_active_mm(struct mm_struct *mm)
{
	if (this_cpu()->active_mm == mm)
		switch_mm(NULL);
	if (mm->cpu_mask)
		flush_tlb_others(mm->cpu_mask);
}

void flush_tlb_page(struct mm_struct *mm, uint64_t va)
{
	if (mm == this_cpu()->active_mm)
		invlpg(va);
	if (smp_active)
		flush_tlb_others(mm->cpu_mask);
}

/* After page-table pages changed shape or went away (the paging-structure
 * caches hold them): reload CR3 here, flush elsewhere. */
static void flush_tlb_mm(struct mm_struct *mm)
{
	if (mm == this_cpu()->active_mm)
		write_cr3(mm->pgd);
	if (smp_active)
		flush_tlb_others(mm->cpu_mask);
}

bool is_zero_page(const struct page *page)
{
	return page == zero_page;
}

static struct page *get_zero_page(void)
{
	if (!zero_page) {
		zero_page = alloc_page(__GFP_ZERO);
		if (zero_page)
			zero_page->flags |= PG_zero;
	}
	return zero_page;
}

static const unsigned int level_shift[] = {PGDIR_SHIFT, PUD_SHIFT, PMD_SHIFT};

/*
 * 2M anonymous pages (THP, "madvise" policy: VMAs with MADV_HUGEPAGE). A
 * huge PMD maps an order-9 block exclusively (mapcount 1) with the VMA's
 * full rights. Anything that works on single pages (fork, mprotect,
 * munmap, mremap, COW, madvise) first splits it into 512 PTEs, and the
 * block into 512 ordinary frames, so the rest of mm never sees one.
 *
 * The page table a split fills is reserved when the 2M page is mapped
 * (Linux's pgtable_trans_huge_deposit), so a split never needs memory and
 * cannot fail; it is counted in pgtables_bytes from then on. It is kept
 * in the block's first tail page, unused while the block is whole (and a
 * huge PMD never moves: mremap and fork split first).
 */
static void pgtable_trans_huge_deposit(struct page *head, phys_addr_t pt)
{
	head[1].index = pt;
}

static phys_addr_t pgtable_trans_huge_withdraw(struct page *head)
{
	phys_addr_t pt = head[1].index;
	head[1].index = 0;
	return pt;
}

static void split_huge_pmd(struct mm_struct *mm, uint64_t *pmd, uint64_t va)
{
	uint64_t start = ALIGN_DOWN(va, PMD_SIZE), entry = *pmd;
	uint64_t base = entry & PTE_PFN_MASK & ~(PMD_SIZE - 1);
	uint64_t flags = entry & ~PTE_PFN_MASK & ~(uint64_t)_PAGE_PSE;
	struct page *head = phys_to_page(base);
	phys_addr_t pt = pgtable_trans_huge_withdraw(head);
	uint64_t *ptes = __va(pt);
	for (unsigned int i = 0; i < PTRS_PER_TABLE; i++) {
		struct page *p = head + i;
		p->_refcount = 1;
		p->_mapcount = 1;
		p->order = 0;
		p->flags &= ~PG_head;
		ptes[i] = (base + ((uint64_t)i << PAGE_SHIFT)) | flags;
	}
	nr_anon_thp--;
	/* Same translations, another shape: secondary MMUs drop the 2M one. */
	struct mmu_notifier_range range;
	mmu_notifier_range_init(&range, MMU_NOTIFY_CLEAR, mm, start, start + PMD_SIZE);
	mmu_notifier_invalidate_range_start(&range);
	pte_clear_notify(mm, start, pmd, pt | USER_TABLE_FLAGS);
	flush_tlb_mm(mm);
	mmu_notifier_invalidate_range_end(&range);
	count_vm_event(mm, THP_SPLIT_PMD);
}

static bool vma_thp_eligible(struct vm_area_struct *vma, uint64_t addr)
{
	uint64_t start = ALIGN_DOWN(addr, PMD_SIZE);
	return vma_is_anonymous(vma) && !(vma->vm_flags & VM_SHARED) &&
	       (vma->vm_flags & (VM_HUGEPAGE | VM_NOHUGEPAGE | VM_WRITE)) == (VM_HUGEPAGE | VM_WRITE) &&
	       start >= vma->vm_start && start + PMD_SIZE <= vma->vm_end;
}

/* The table an upper-level entry points to; an empty entry gets a new
 * zeroed table when alloc, else NULL (also when out of memory). */
static uint64_t *table_below(struct mm_struct *mm, uint64_t *entry, bool alloc)
{
	if (!(*entry & _PAGE_PRESENT)) {
		if (!alloc)
			return NULL;
		phys_addr_t pa = alloc_zeroed_page();
		if (!pa)
			return NULL;
		mm->pgtables_bytes += PAGE_SIZE;
		*entry = pa | USER_TABLE_FLAGS;
	}
	return __va(*entry & PTE_PFN_MASK);
}

/* The PMD entry for va, creating upper tables when alloc; NULL if absent. */
static uint64_t *pmd_entry(struct mm_struct *mm, uint64_t va, bool alloc)
{
	uint64_t *table = __va(mm->pgd);
	for (unsigned int level = 0; level < 2; level++) {
		uint64_t *entry = &table[(va >> level_shift[level]) & 511];
		table = table_below(mm, entry, alloc);
		if (!table)
			return NULL;
	}
	return &table[pmd_index(va)];
}

/* A write fault in an empty, eligible 2M range: one huge page, with the
 * page table for its split reserved. Without either, false: the fault
 * maps 4K pages instead. */
static bool do_huge_pmd_anonymous_page(struct vm_area_struct *vma, uint64_t addr)
{
	struct mm_struct *mm = vma->vm_mm;
	uint64_t *pmd = pmd_entry(mm, addr, true);
	if (!pmd || *pmd)
		return false;
	phys_addr_t pt = alloc_zeroed_page();
	if (!pt)
		return false;
	struct page *page = alloc_pages_order(MAX_ORDER, __GFP_ZERO);
	if (!page) {
		free_pages(pt, 1);
		return false;
	}
	pgtable_trans_huge_deposit(page, pt);
	mm->pgtables_bytes += PAGE_SIZE;
	page->_mapcount = 1;
	nr_anon_thp++;
	mm->rss_stat[MM_ANONPAGES] += PTRS_PER_TABLE;
	*pmd = page_to_phys(page) | vm_get_page_prot(vma->vm_flags) | _PAGE_PSE | _PAGE_DIRTY;
	count_vm_event(mm, FAULT_HUGE);
	return true;
}

/* With alloc, a huge PMD on the way is split (the caller changes single
 * PTEs); without, the huge PMD entry itself is returned (lookups). */
static uint64_t *walk(struct mm_struct *mm, uint64_t va, bool alloc)
{
	uint64_t *table = __va(mm->pgd);
	for (unsigned int level = 0; level < 3; level++) {
		uint64_t *entry = &table[(va >> level_shift[level]) & 511];
		if ((*entry & (_PAGE_PRESENT | _PAGE_PSE)) == (_PAGE_PRESENT | _PAGE_PSE)) {
			if (!alloc)
				return entry;
			split_huge_pmd(mm, entry, va);
		}
		table = table_below(mm, entry, alloc);
		if (!table)
			return NULL;
	}
	return &table[pte_index(va)];
}

uint64_t *pte_offset(struct mm_struct *mm, uint64_t va)
{
	return walk(mm, va, false);
}

uint64_t *pte_alloc(struct mm_struct *mm, uint64_t va)
{
	return walk(mm, va, true);
}

uint64_t *lookup_pte(struct mm_struct *mm, uint64_t va)
{
	return walk(mm, va, false);
}

struct page *follow_page(struct mm_struct *mm, uint64_t va, uint64_t *pte_out)
{
	uint64_t *pte = walk(mm, va, false);
	if (!pte || !(*pte & PTE_PFN_MASK))
		return NULL;
	if (pte_out)
		*pte_out = *pte;
	if (*pte & _PAGE_PSE)
		return phys_to_page((*pte & PTE_PFN_MASK & ~(PMD_SIZE - 1)) + (va & (PMD_SIZE - 1) & PAGE_MASK));
	return phys_to_page(*pte & PTE_PFN_MASK);
}

static void __walk_page_range(struct mm_struct *mm, uint64_t start, uint64_t end,
			      void (*fn)(struct mm_struct *, uint64_t, uint64_t *, void *),
			      void (*huge_fn)(struct mm_struct *, uint64_t, uint64_t *, void *), void *arg)
{
	uint64_t va = start;
	while (va < end) {
		uint64_t *table = __va(mm->pgd);
		bool hole = false;
		for (unsigned int level = 0; level < 3 && !hole; level++) {
			uint64_t *slot = &table[(va >> level_shift[level]) & 511];
			if ((*slot & (_PAGE_PRESENT | _PAGE_PSE)) == (_PAGE_PRESENT | _PAGE_PSE)) {
				if (huge_fn) {
					huge_fn(mm, va, slot, arg);
					va = ALIGN_DOWN(va, PMD_SIZE) + PMD_SIZE;
					hole = true;
					continue;
				}
				split_huge_pmd(mm, slot, va);
			}
			uint64_t entry = *slot;
			if (!(entry & _PAGE_PRESENT)) {
				uint64_t size = 1UL << level_shift[level];
				uint64_t next = ALIGN_DOWN(va, size) + size;
				va = next > va ? next : end;
				hole = true;
			} else {
				table = __va(entry & PTE_PFN_MASK);
			}
		}
		if (hole)
			continue;
		uint64_t *pte = &table[pte_index(va)];
		if (*pte & PTE_PFN_MASK)
			fn(mm, va, pte, arg);
		va += PAGE_SIZE;
	}
}

void walk_page_range(struct mm_struct *mm, uint64_t start, uint64_t end,
		     void (*fn)(struct mm_struct *, uint64_t, uint64_t *, void *), void *arg)
{
	__walk_page_range(mm, start, end, fn, NULL, arg);
}

uint64_t vm_get_page_prot(unsigned long vm_flags)
{
	if (!(vm_flags & (VM_READ | VM_WRITE | VM_EXEC)))
		return 0;
	uint64_t pte = _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED;
	if (vm_flags & VM_WRITE)
		pte |= _PAGE_RW;
	if (!(vm_flags & VM_EXEC))
		pte |= _PAGE_NX & __supported_pte_mask;
	return pte;
}

static int mm_counter(const struct page *page)
{
	if (!page->mapping)
		return MM_ANONPAGES;
	return page->mapping->host && (page->mapping->host->i_flags & S_SHMEM) ? MM_SHMEMPAGES
									       : MM_FILEPAGES;
}

static void update_hiwater_rss(struct mm_struct *mm)
{
	uint64_t rss = mm->rss_stat[MM_FILEPAGES] + mm->rss_stat[MM_ANONPAGES] +
		       mm->rss_stat[MM_SHMEMPAGES];
	if (rss > mm->hiwater_rss)
		mm->hiwater_rss = rss;
}

void page_add_rmap(struct mm_struct *mm, struct page *page)
{
	if (is_zero_page(page))
		return;
	get_page(page);
	page->_mapcount++;
	mm->rss_stat[mm_counter(page)]++;
	update_hiwater_rss(mm);
}

void page_remove_rmap(struct mm_struct *mm, struct page *page, bool dirty)
{
	if (is_zero_page(page))
		return;
	if (dirty && page->mapping)
		page->flags |= PG_dirty;
	page->_mapcount--;
	mm->rss_stat[mm_counter(page)]--;
	put_page(page);
}

/* A new anonymous frame that the caller's reference now maps. */
static void page_add_new_anon_rmap(struct mm_struct *mm, struct page *page)
{
	page->_mapcount = 1;
	mm->rss_stat[MM_ANONPAGES]++;
	update_hiwater_rss(mm);
}

/* Whether a private page may be writable in the PTE: only an anonymous
 * frame with no other owner. */
static bool page_exclusive_anon(const struct page *page)
{
	return !is_zero_page(page) && !page->mapping && page_count(page) == 1;
}

/* The rights a populated PTE gets under vm_flags: write only where no
 * write fault needs to run first (COW, dirty tracking). */
static uint64_t pte_rights(uint64_t entry, unsigned long vm_flags)
{
	uint64_t prot = vm_get_page_prot(vm_flags);
	if (prot & _PAGE_RW) {
		struct page *page = phys_to_page(entry & PTE_PFN_MASK);
		bool ok = vm_flags & VM_SHARED ? (entry & _PAGE_DIRTY) && !is_zero_page(page)
					       : page_exclusive_anon(page);
		if (!ok)
			prot &= ~_PAGE_RW;
	}
	return prot;
}

/* --- faults --- */

/*
 * The contents of a new anonymous page: zeroes, or a copy of src. Written
 * before the page's PTE is set, as usual, unless contents_after_pte says
 * they may come after (fill_after_pte): then the fault posts the fill of
 * the VMM's shadow entry as soon as the PTE is set, and the VMM answers
 * on its own CPU while this one clears or copies.
 */
static void fill_new_page(struct page *page, const struct page *src)
{
	if (src)
		memcpy(page_address(page), page_address(src), PAGE_SIZE);
	else
		memset(page_address(page), 0, PAGE_SIZE);
}

static bool contents_after_pte(const struct vm_fault *vmf)
{
	/* A user fault: its trap path waits for the posted answer. */
	return (vmf->flags & FAULT_FLAG_USER) &&
	       shadow_prefill_early_ok(vmf->vma->vm_mm, vmf->address);
}

/*
 * The contents of n new pages once their PTEs are set (contents_after_pte).
 * Their first bytes and src's are touched first, so that a fault the clear
 * or copy would take on them (in shadow mode: a frame the VMM has not
 * backed, which an answer would decline, or one the direct map's shadow
 * lacks) comes before the post; then the fill of vmf->address is posted,
 * and the pages are cleared or copied while the VMM answers.
 */
static void fill_after_pte(struct vm_fault *vmf, struct page **pages, unsigned int n,
			   const struct page *src)
{
	for (unsigned int i = 0; i < n; i++)
		*(volatile char *)page_address(pages[i]) = 0;
	if (src)
		(void)*(const volatile char *)page_address(src);
	if (shadow_prefill_early(vmf->address))
		count_vm_event(vmf->vma->vm_mm, FAULT_PREFILL_EARLY);
	for (unsigned int i = 0; i < n; i++)
		fill_new_page(pages[i], src);
}

/*
 * Anonymous large folios (Linux's mTHP; boot parameter thp_anon=SIZE:always,
 * off by default as in Linux): a write fault in an empty, aligned block of
 * thp_anon_pages pages wholly inside the VMA maps the whole block, young
 * and dirty, in one fault. Here a "folio" is that many order-0 pages, each
 * counted and freed on its own. Under shadow paging the VMM's prefetch then
 * fills the block's other entries on its first fault (docs/bench.md).
 */
unsigned int thp_anon_pages = 1;

static bool do_anonymous_block(struct vm_fault *vmf, uint64_t *pte, uint64_t prot)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mm_struct *mm = vma->vm_mm;
	unsigned int n = thp_anon_pages;
	uint64_t span = (uint64_t)n * PAGE_SIZE;
	uint64_t start = ALIGN_DOWN(vmf->address, span);
	if (n <= 1 || (vma->vm_flags & VM_SHARED) || start < vma->vm_start ||
	    start + span > vma->vm_end)
		return false;
	/* span divides 2M: the block lies in pte's page table. */
	uint64_t *first = pte - ((vmf->address - start) >> PAGE_SHIFT);
	for (unsigned int i = 0; i < n; i++)
		if (first[i])
			return false;
	struct page *pages[THP_ANON_MAX_PAGES];
	bool after = contents_after_pte(vmf);
	for (unsigned int i = 0; i < n; i++) {
		pages[i] = alloc_page(after ? 0 : __GFP_ZERO);
		if (!pages[i]) {
			while (i--)
				put_page(pages[i]);
			return false; /* one page, as without the block */
		}
	}
	for (unsigned int i = 0; i < n; i++) {
		page_add_new_anon_rmap(mm, pages[i]);
		first[i] = page_to_phys(pages[i]) | prot | _PAGE_DIRTY | _PAGE_ACCESSED;
	}
	count_vm_event(mm, FAULT_ANON_NEW);
	if (after)
		fill_after_pte(vmf, pages, n, NULL);
	return true;
}

static vm_fault_t do_anonymous_page(struct vm_fault *vmf, uint64_t *pte)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mm_struct *mm = vma->vm_mm;
	uint64_t prot = vm_get_page_prot(vma->vm_flags);

	if (!(vmf->flags & FAULT_FLAG_WRITE)) {
		struct page *zp = get_zero_page();
		if (!zp)
			return VM_FAULT_OOM;
		*pte = page_to_phys(zp) | (prot & ~_PAGE_RW);
		count_vm_event(mm, FAULT_ANON_ZERO);
		return 0;
	}
	if (do_anonymous_block(vmf, pte, prot))
		return 0;
	bool after = contents_after_pte(vmf);
	struct page *page = alloc_page(after ? 0 : __GFP_ZERO);
	if (!page)
		return VM_FAULT_OOM;
	page_add_new_anon_rmap(mm, page);
	*pte = page_to_phys(page) | prot | _PAGE_DIRTY;
	count_vm_event(mm, FAULT_ANON_NEW);
	if (after)
		fill_after_pte(vmf, &page, 1, NULL);
	return 0;
}

/* Maps a cached file page at vmf->address read-only (fault-around uses it
 * too). The PTE holds its own reference. */
int set_pte_range(struct vm_fault *vmf, struct page *page, uint64_t addr)
{
	struct vm_area_struct *vma = vmf->vma;
	uint64_t *pte = pte_alloc(vma->vm_mm, addr);
	if (!pte)
		return -ENOMEM;
	if (*pte & PTE_PFN_MASK)
		return -EEXIST;
	page_add_rmap(vma->vm_mm, page);
	*pte = page_to_phys(page) | (vm_get_page_prot(vma->vm_flags) & ~_PAGE_RW);
	return 0;
}

static void do_fault_around(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	uint64_t window = FAULT_AROUND_PAGES_NR * PAGE_SIZE;
	uint64_t start = MAX(ALIGN_DOWN(vmf->address, window), vma->vm_start);
	uint64_t end = MIN(ALIGN_DOWN(vmf->address, window) + window, vma->vm_end);
	uint64_t start_pgoff = vma->vm_pgoff + ((start - vma->vm_start) >> PAGE_SHIFT);
	uint64_t end_pgoff = start_pgoff + ((end - start) >> PAGE_SHIFT) - 1;
	unsigned int n = vma->vm_ops->map_pages(vmf, start_pgoff, end_pgoff);
	while (n--)
		count_vm_event(vma->vm_mm, FAULT_AROUND_PAGES);
}

static vm_fault_t do_read_fault(struct vm_fault *vmf, uint64_t *pte)
{
	struct vm_area_struct *vma = vmf->vma;
	count_vm_event(vma->vm_mm, FAULT_READ);
	if (vma->vm_ops->map_pages) {
		/* Shadow paging with the poll thread: the VMM fills the
		 * shadow entries while the PTEs are written, not after. */
		bool stream = (vmf->flags & FAULT_FLAG_USER) &&
			      shadow_prefill_stream_begin(vma->vm_mm, vmf->address,
							  vmf->flags & FAULT_FLAG_INSTRUCTION);
		do_fault_around(vmf);
		if (stream) {
			shadow_prefill_stream_end();
			count_vm_event(vma->vm_mm, FAULT_PREFILL_STREAM);
		}
		if (*pte & PTE_PFN_MASK)
			return 0;
	}
	vm_fault_t ret = vma->vm_ops->fault(vmf);
	if (ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE))
		return ret;
	if (!(*pte & PTE_PFN_MASK))
		set_pte_range(vmf, vmf->page, vmf->address);
	put_page(vmf->page);
	return 0;
}

static vm_fault_t do_cow_fault(struct vm_fault *vmf, uint64_t *pte)
{
	struct vm_area_struct *vma = vmf->vma;
	struct page *new = alloc_page(0);
	if (!new)
		return VM_FAULT_OOM;
	vm_fault_t ret = vma->vm_ops->fault(vmf);
	if (ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE)) {
		put_page(new);
		return ret;
	}
	memcpy(page_address(new), page_address(vmf->page), PAGE_SIZE);
	put_page(vmf->page);
	page_add_new_anon_rmap(vma->vm_mm, new);
	*pte = page_to_phys(new) | vm_get_page_prot(vma->vm_flags) | _PAGE_DIRTY;
	count_vm_event(vma->vm_mm, FAULT_COW);
	return 0;
}

static vm_fault_t do_shared_fault(struct vm_fault *vmf, uint64_t *pte)
{
	struct vm_area_struct *vma = vmf->vma;
	vm_fault_t ret = vma->vm_ops->fault(vmf);
	if (ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE))
		return ret;
	if (vma->vm_ops->page_mkwrite) {
		ret = vma->vm_ops->page_mkwrite(vmf);
		if (ret & VM_FAULT_ERROR) {
			put_page(vmf->page);
			return ret;
		}
	}
	vmf->page->flags |= PG_dirty;
	page_add_rmap(vma->vm_mm, vmf->page);
	*pte = page_to_phys(vmf->page) | vm_get_page_prot(vma->vm_flags) | _PAGE_DIRTY;
	put_page(vmf->page);
	count_vm_event(vma->vm_mm, FAULT_SHARED);
	return 0;
}

/* A write to a present, write-protected page the VMA lets be written. */
static vm_fault_t do_wp_page(struct vm_fault *vmf, uint64_t *pte)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mm_struct *mm = vma->vm_mm;
	uint64_t entry = *pte;
	struct page *old = phys_to_page(entry & PTE_PFN_MASK);

	if (vma->vm_flags & VM_SHARED) {
		if (is_zero_page(old))
			return VM_FAULT_SIGBUS;
		if (vma->vm_ops && vma->vm_ops->page_mkwrite) {
			vmf->page = old;
			vm_fault_t ret = vma->vm_ops->page_mkwrite(vmf);
			if (ret & VM_FAULT_ERROR)
				return ret;
		}
		old->flags |= PG_dirty;
		*pte = entry | _PAGE_RW | _PAGE_DIRTY | _PAGE_ACCESSED;
		flush_tlb_page(mm, vmf->address);
		count_vm_event(mm, FAULT_SHARED);
		return 0;
	}
	if (page_exclusive_anon(old)) {
		*pte = entry | _PAGE_RW | _PAGE_DIRTY | _PAGE_ACCESSED;
		flush_tlb_page(mm, vmf->address);
		count_vm_event(mm, FAULT_WP_REUSE);
		return 0;
	}
	struct page *new = alloc_page(0);
	if (!new)
		return VM_FAULT_OOM;
	struct page *src = is_zero_page(old) ? NULL : old;
	bool after = contents_after_pte(vmf);
	if (after && src)
		get_page(src); /* the copy comes after the PTE drops it */
	else if (!after)
		fill_new_page(new, src);
	/* The old translation goes away: secondary MMUs must drop it. */
	struct mmu_notifier_range range;
	mmu_notifier_range_init(&range, MMU_NOTIFY_CLEAR, mm, vmf->address,
				vmf->address + PAGE_SIZE);
	mmu_notifier_invalidate_range_start(&range);
	pte_clear_notify(mm, vmf->address, pte,
			 page_to_phys(new) | vm_get_page_prot(vma->vm_flags) | _PAGE_DIRTY);
	page_remove_rmap(mm, old, entry & _PAGE_DIRTY);
	page_add_new_anon_rmap(mm, new);
	mmu_notifier_invalidate_range_end(&range);
	count_vm_event(mm, FAULT_WP_COPY);
	if (after) {
		/* After the invalidation is queued: the answer applies it first. */
		fill_after_pte(vmf, &new, 1, src);
		if (src)
			put_page(src);
	}
	return 0;
}

vm_fault_t handle_mm_fault(struct vm_area_struct *vma, uint64_t addr, unsigned int flags)
{
	struct mm_struct *mm = vma->vm_mm;
	struct vm_fault vmf = {
		.vma = vma,
		.address = addr & PAGE_MASK,
		.pgoff = vma->vm_pgoff + (((addr & PAGE_MASK) - vma->vm_start) >> PAGE_SHIFT),
		.flags = flags,
	};
	uint64_t *pmd = pmd_entry(mm, vmf.address, false);
	if (pmd && (*pmd & _PAGE_PSE) && (*pmd & _PAGE_PRESENT)) {
		/* A huge page has the VMA's full rights: a stale TLB entry. */
		flush_tlb_page(mm, vmf.address);
		count_vm_event(mm, FAULT_SPURIOUS);
		return 0;
	}
	if ((flags & FAULT_FLAG_WRITE) && (!pmd || !*pmd) && vma_thp_eligible(vma, addr) &&
	    do_huge_pmd_anonymous_page(vma, addr))
		return 0;
	uint64_t *pte = pte_alloc(mm, vmf.address);
	if (!pte)
		return VM_FAULT_OOM;
	if (!(*pte & PTE_PFN_MASK)) {
		if (vma_is_anonymous(vma))
			return do_anonymous_page(&vmf, pte);
		if (!(flags & FAULT_FLAG_WRITE))
			return do_read_fault(&vmf, pte);
		if (!(vma->vm_flags & VM_SHARED))
			return do_cow_fault(&vmf, pte);
		return do_shared_fault(&vmf, pte);
	}
	if (!(*pte & _PAGE_PRESENT)) {
		/* A page kept under PROT_NONE whose VMA allows access again. */
		*pte = (*pte & (PTE_PFN_MASK | _PAGE_DIRTY)) | pte_rights(*pte, vma->vm_flags);
		if (!(*pte & _PAGE_PRESENT))
			return VM_FAULT_SIGSEGV;
	}
	if ((flags & FAULT_FLAG_WRITE) && !(*pte & _PAGE_RW))
		return do_wp_page(&vmf, pte);
	/* The PTE already allows this access: a stale TLB entry. */
	*pte |= _PAGE_ACCESSED | (flags & FAULT_FLAG_WRITE ? _PAGE_DIRTY : 0);
	flush_tlb_page(mm, vmf.address);
	count_vm_event(mm, FAULT_SPURIOUS);
	return 0;
}

/* --- ranges of PTEs --- */

static void zap_one(struct mm_struct *mm, uint64_t va, uint64_t *pte, void *arg)
{
	(void)arg;
	uint64_t entry = *pte;
	pte_clear_notify(mm, va, pte, 0);
	page_remove_rmap(mm, phys_to_page(entry & PTE_PFN_MASK), entry & _PAGE_DIRTY);
}

struct zap_range {
	uint64_t start, end;
};

/* A huge page wholly inside the range goes at once (no split, no
 * allocation: exit needs none); one partly inside is split first. */
static void zap_huge(struct mm_struct *mm, uint64_t va, uint64_t *pmd, void *arg)
{
	struct zap_range *r = arg;
	uint64_t lo = ALIGN_DOWN(va, PMD_SIZE), hi = lo + PMD_SIZE;
	if (lo >= r->start && hi <= r->end) {
		struct page *head = phys_to_page(*pmd & PTE_PFN_MASK & ~(PMD_SIZE - 1));
		pte_clear_notify(mm, lo, pmd, 0);
		/* The page table reserved for a split goes with the page. */
		free_pages(pgtable_trans_huge_withdraw(head), 1);
		mm->pgtables_bytes -= PAGE_SIZE;
		mm->rss_stat[MM_ANONPAGES] -= PTRS_PER_TABLE;
		nr_anon_thp--;
		head->_mapcount = 0;
		put_page(head);
		return;
	}
	split_huge_pmd(mm, pmd, va);
	walk_page_range(mm, MAX(lo, r->start), MIN(hi, r->end), zap_one, NULL);
}

void zap_page_range(struct vm_area_struct *vma, uint64_t start, uint64_t end)
{
	struct zap_range r = {start, end};
	__walk_page_range(vma->vm_mm, start, end, zap_one, zap_huge, &r);
}

static bool table_empty(const uint64_t *table)
{
	for (unsigned int i = 0; i < PTRS_PER_TABLE; i++)
		if (table[i])
			return false;
	return true;
}

/* Frees the empty tables below *entry (a table at level, 0 = PML4 entry's
 * PDPT) that overlap [start, end); true when the table itself is empty. */
static bool free_level(struct mm_struct *mm, uint64_t *table, unsigned int level, uint64_t base,
		       uint64_t start, uint64_t end)
{
	if (level < 3) {
		uint64_t size = 1UL << level_shift[level];
		for (unsigned int i = 0; i < PTRS_PER_TABLE; i++) {
			uint64_t lo = base + i * size, hi = lo + size;
			if (hi <= start || lo >= end || !(table[i] & _PAGE_PRESENT) || (table[i] & _PAGE_PSE))
				continue;
			uint64_t *below = __va(table[i] & PTE_PFN_MASK);
			if (free_level(mm, below, level + 1, lo, start, end)) {
				table[i] = 0;
				free_pages(virt_to_phys(below), 1);
				mm->pgtables_bytes -= PAGE_SIZE;
			}
		}
	}
	return table_empty(table);
}

void free_pgtables(struct mm_struct *mm, uint64_t start, uint64_t end)
{
	uint64_t *pgd = __va(mm->pgd);
	for (unsigned int i = 0; i < PTRS_PER_TABLE / 2; i++) {
		uint64_t lo = (uint64_t)i << PGDIR_SHIFT, hi = lo + PGDIR_SIZE;
		if (hi <= start || lo >= end || !(pgd[i] & _PAGE_PRESENT))
			continue;
		uint64_t *pud = __va(pgd[i] & PTE_PFN_MASK);
		if (free_level(mm, pud, 1, lo, start, end)) {
			pgd[i] = 0;
			free_pages(virt_to_phys(pud), 1);
			mm->pgtables_bytes -= PAGE_SIZE;
		}
	}
	/* Freed tables may be cached in the paging-structure caches. */
	flush_tlb_mm(mm);
}

struct copy_ctx {
	struct mm_struct *dst;
	struct vm_area_struct *src_vma;
	int err;
};

static void copy_one(struct mm_struct *src, uint64_t va, uint64_t *pte, void *arg)
{
	struct copy_ctx *c = arg;
	if (c->err)
		return;
	uint64_t *dpte = pte_alloc(c->dst, va);
	if (!dpte) {
		c->err = -ENOMEM;
		return;
	}
	uint64_t entry = *pte;
	struct page *page = phys_to_page(entry & PTE_PFN_MASK);
	if (!(c->src_vma->vm_flags & VM_SHARED) && (entry & _PAGE_RW)) {
		/* Private writable: both copies fault on the next write. */
		entry &= ~_PAGE_RW;
		pte_clear_notify(src, va, pte, entry);
	}
	page_add_rmap(c->dst, page);
	*dpte = entry;
}

int copy_page_range(struct mm_struct *dst, struct vm_area_struct *dst_vma,
		    struct vm_area_struct *src_vma)
{
	(void)dst_vma;
	struct mm_struct *src = src_vma->vm_mm;
	struct copy_ctx c = {.dst = dst, .src_vma = src_vma};
	bool cow = !(src_vma->vm_flags & VM_SHARED) && (src_vma->vm_flags & VM_MAYWRITE);
	/* The parent's private writable entries lose W, nothing else:
	 * secondary MMUs keep them read-only. */
	struct mmu_notifier_range range;
	mmu_notifier_range_init(&range, MMU_NOTIFY_WRPROTECT, src, src_vma->vm_start,
				src_vma->vm_end);
	if (cow)
		mmu_notifier_invalidate_range_start(&range);
	walk_page_range(src, src_vma->vm_start, src_vma->vm_end, copy_one, &c);
	if (cow)
		mmu_notifier_invalidate_range_end(&range);
	return c.err;
}

static void protect_one(struct mm_struct *mm, uint64_t va, uint64_t *pte, void *arg)
{
	unsigned long newflags = *(unsigned long *)arg;
	uint64_t entry = *pte;
	uint64_t next = (entry & (PTE_PFN_MASK | _PAGE_DIRTY | _PAGE_ACCESSED)) |
			pte_rights(entry, newflags);
	if (next == entry)
		return;
	bool downgrade = ((entry & _PAGE_PRESENT) && !(next & _PAGE_PRESENT)) ||
			 ((entry & _PAGE_RW) && !(next & _PAGE_RW)) ||
			 (!(entry & _PAGE_NX) && (next & _PAGE_NX));
	if (downgrade)
		pte_clear_notify(mm, va, pte, next);
	else {
		*pte = next;
		flush_tlb_page(mm, va);
	}
}

void change_protection(struct vm_area_struct *vma, uint64_t start, uint64_t end,
		       unsigned long newflags)
{
	walk_page_range(vma->vm_mm, start, end, protect_one, &newflags);
}

struct move_ctx {
	struct mm_struct *mm;
	int64_t delta;
	int err;
};

static void move_one(struct mm_struct *mm, uint64_t va, uint64_t *pte, void *arg)
{
	struct move_ctx *c = arg;
	if (c->err)
		return;
	uint64_t *dst = pte_alloc(mm, va + c->delta);
	if (!dst) {
		c->err = -ENOMEM;
		return;
	}
	uint64_t entry = *pte;
	pte_clear_notify(mm, va, pte, 0);
	*dst = entry;
}

int move_page_tables(struct vm_area_struct *vma, uint64_t old_addr,
		     struct vm_area_struct *new_vma, uint64_t new_addr, uint64_t len)
{
	(void)new_vma;
	struct mm_struct *mm = vma->vm_mm;
	struct move_ctx c = {.mm = mm, .delta = (int64_t)(new_addr - old_addr)};
	/* The old range's entries move away (Linux: MMU_NOTIFY_UNMAP). */
	struct mmu_notifier_range range;
	mmu_notifier_range_init(&range, MMU_NOTIFY_UNMAP, mm, old_addr, old_addr + len);
	mmu_notifier_invalidate_range_start(&range);
	walk_page_range(mm, old_addr, old_addr + len, move_one, &c);
	mmu_notifier_invalidate_range_end(&range);
	return c.err;
}

/* Residency of one VMA for smaps. Pss divides each page among its
 * mappers (in 1/4096 page units, as Linux's PSS_SHIFT). */
struct stats_ctx {
	struct vm_area_struct *vma;
	struct vma_page_stats *st;
};

static void stat_one(struct mm_struct *mm, uint64_t va, uint64_t *pte, void *arg)
{
	(void)mm;
	(void)va;
	struct stats_ctx *c = arg;
	struct vma_page_stats *st = c->st;
	uint64_t entry = *pte;
	struct page *page = phys_to_page(entry & PTE_PFN_MASK);
	/* The zero page is not the process's memory (Linux's vm_normal_page). */
	if (is_zero_page(page))
		return;
	st->rss++;
	bool dirty = (entry & _PAGE_DIRTY) || (page->flags & PG_dirty);
	int mapcount = page_mapcount(page);
	if (!page->mapping)
		st->anon++;
	if (mapcount >= 2) {
		if (dirty)
			st->shared_dirty++;
		else
			st->shared_clean++;
	} else {
		if (dirty)
			st->private_dirty++;
		else
			st->private_clean++;
	}
	uint64_t share = mapcount > 0 ? 4096 / mapcount : 4096;
	st->pss_4k += share;
	if (dirty)
		st->pss_dirty_4k += share;
	if (entry & _PAGE_ACCESSED)
		st->referenced++;
	if (c->vma->vm_flags & VM_LOCKED)
		st->locked++;
}

static void stat_huge(struct mm_struct *mm, uint64_t va, uint64_t *pmd, void *arg)
{
	(void)mm;
	(void)va;
	struct stats_ctx *c = arg;
	struct vma_page_stats *st = c->st;
	uint64_t n = PTRS_PER_TABLE;
	st->rss += n;
	st->anon += n;
	st->anon_huge += n;
	st->private_dirty += n;
	st->pss_4k += n * 4096;
	st->pss_dirty_4k += n * 4096;
	if (*pmd & _PAGE_ACCESSED)
		st->referenced += n;
	if (c->vma->vm_flags & VM_LOCKED)
		st->locked += n;
}

void vma_page_stats(struct vm_area_struct *vma, struct vma_page_stats *st)
{
	*st = (struct vma_page_stats){0};
	struct stats_ctx c = {vma, st};
	__walk_page_range(vma->vm_mm, vma->vm_start, vma->vm_end, stat_one, stat_huge, &c);
}
