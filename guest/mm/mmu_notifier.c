// SPDX-License-Identifier: MIT
/*
 * MMU notifiers (Linux's mm/mmu_notifier.c): secondary MMUs subscribe to
 * an mm and hear about every change that removes or downgrades one of its
 * translations, bracketed by invalidate_range_start/end with the kind of
 * change (struct mmu_notifier_range), and about the mm's end (release).
 * In tdp mode nothing subscribes; in shadow mode the VMM's shadow MMU does
 * (arch/x86/shadow_pv.c).
 *
 * The checker: mm->notifier_brackets counts the open brackets, and every
 * PTE downgrade goes through pte_clear_notify, which counts one outside a
 * bracket as mmu_notifier_unbracketed (/proc/vmstat; must stay 0).
 */
#include "internal.h"
#include "printk.h"

int mmu_notifier_register(struct mmu_notifier *mn, struct mm_struct *mm)
{
	list_add(&mn->list, &mm->notifiers);
	return 0;
}

void mmu_notifier_unregister(struct mmu_notifier *mn, struct mm_struct *mm)
{
	(void)mm;
	list_del(&mn->list);
}

void mmu_notifier_invalidate_range_start(const struct mmu_notifier_range *range)
{
	struct mm_struct *mm = range->mm;
	struct mmu_notifier *mn;
	mm->notifier_brackets++;
	count_vm_event(mm, MMU_NOTIFIER_INVALIDATE);
	list_for_each_entry(mn, &mm->notifiers, list)
		if (mn->ops->invalidate_range_start)
			mn->ops->invalidate_range_start(mn, range);
}

void mmu_notifier_invalidate_range_end(const struct mmu_notifier_range *range)
{
	struct mm_struct *mm = range->mm;
	struct mmu_notifier *mn;
	BUG_ON(mm->notifier_brackets <= 0);
	list_for_each_entry(mn, &mm->notifiers, list)
		if (mn->ops->invalidate_range_end)
			mn->ops->invalidate_range_end(mn, range);
	mm->notifier_brackets--;
}

void mmu_notifier_release(struct mm_struct *mm)
{
	while (!list_empty(&mm->notifiers)) {
		struct mmu_notifier *mn = list_first_entry(&mm->notifiers, struct mmu_notifier, list);
		list_del(&mn->list);
		if (mn->ops->release)
			mn->ops->release(mn, mm);
	}
}

static void mmap_lock_warn(const char *what)
{
	static bool warned;
	if (!warned) {
		warned = true;
		pr_warn("mm: mmap_lock: %s", what);
	}
}

void mmap_write_lock(struct mm_struct *mm)
{
	if (mm->mmap_lock)
		mmap_lock_warn("write lock taken while held");
	mm->mmap_lock = -1;
}

void mmap_write_unlock(struct mm_struct *mm)
{
	if (mm->mmap_lock != -1)
		mmap_lock_warn("write unlock without the write lock");
	mm->mmap_lock = 0;
}

void mmap_read_lock(struct mm_struct *mm)
{
	if (mm->mmap_lock < 0)
		mmap_lock_warn("read lock taken under the write lock");
	else
		mm->mmap_lock++;
}

void mmap_read_unlock(struct mm_struct *mm)
{
	if (mm->mmap_lock > 0)
		mm->mmap_lock--;
}

void pte_clear_notify(struct mm_struct *mm, uint64_t va, uint64_t *pte, uint64_t newval)
{
	static bool warned;
	if (mm->notifier_brackets <= 0) {
		count_vm_event(mm, MMU_NOTIFIER_UNBRACKETED);
		if (!warned) {
			warned = true;
			pr_warn("mm: PTE at %#lx downgraded outside an MMU-notifier bracket", va);
		}
	}
	*pte = newval;
	flush_tlb_page(mm, va);
}
