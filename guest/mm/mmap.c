// SPDX-License-Identifier: MIT
/*
 * VMAs and mmap (Linux's mm/mmap.c): the per-mm VMA tree, split and
 * merge, mmap/munmap/brk, fork's dup_mm and exit's exit_mmap.
 *
 * The tree is a treap keyed by vm_start (VMAs never overlap, so vm_end
 * orders them the same): vm_rb[0] and [1] are the children, vm_rb[2] a
 * random priority that keeps it balanced in expectation.
 */
#include "errno.h"
#include "fs.h"
#include "internal.h"
#include "percpu.h"
#include "printk.h"
#include "sched.h"
#include "slab.h"
#include "string.h"
#include "syscall.h"

void drop_active_mm(struct mm_struct *mm);

#define LEFT(v) ((struct vm_area_struct *)(v)->vm_rb[0])
#define RIGHT(v) ((struct vm_area_struct *)(v)->vm_rb[1])
#define PRIO(v) ((uint64_t)(v)->vm_rb[2])

static uint64_t treap_seed = 0x9e3779b97f4a7c15ULL;

static uint64_t next_prio(void)
{
	treap_seed ^= treap_seed << 13;
	treap_seed ^= treap_seed >> 7;
	treap_seed ^= treap_seed << 17;
	return treap_seed;
}

static void split_tree(struct vm_area_struct *t, uint64_t key, struct vm_area_struct **l,
		       struct vm_area_struct **r)
{
	if (!t) {
		*l = *r = NULL;
	} else if (t->vm_start < key) {
		struct vm_area_struct *rl;
		split_tree(RIGHT(t), key, &rl, r);
		t->vm_rb[1] = rl;
		*l = t;
	} else {
		struct vm_area_struct *lr;
		split_tree(LEFT(t), key, l, &lr);
		t->vm_rb[0] = lr;
		*r = t;
	}
}

static struct vm_area_struct *join_tree(struct vm_area_struct *a, struct vm_area_struct *b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	if (PRIO(a) > PRIO(b)) {
		a->vm_rb[1] = join_tree(RIGHT(a), b);
		return a;
	}
	b->vm_rb[0] = join_tree(a, LEFT(b));
	return b;
}

static struct vm_area_struct *tree_insert(struct vm_area_struct *t, struct vm_area_struct *v)
{
	if (!t)
		return v;
	if (PRIO(v) > PRIO(t)) {
		struct vm_area_struct *l, *r;
		split_tree(t, v->vm_start, &l, &r);
		v->vm_rb[0] = l;
		v->vm_rb[1] = r;
		return v;
	}
	if (v->vm_start < t->vm_start)
		t->vm_rb[0] = tree_insert(LEFT(t), v);
	else
		t->vm_rb[1] = tree_insert(RIGHT(t), v);
	return t;
}

static struct vm_area_struct *tree_erase(struct vm_area_struct *t, struct vm_area_struct *v)
{
	if (!t)
		return NULL;
	if (t == v)
		return join_tree(LEFT(t), RIGHT(t));
	if (v->vm_start < t->vm_start)
		t->vm_rb[0] = tree_erase(LEFT(t), v);
	else
		t->vm_rb[1] = tree_erase(RIGHT(t), v);
	return t;
}

struct vm_area_struct *find_vma(struct mm_struct *mm, uint64_t addr)
{
	struct vm_area_struct *t = mm->mm_rb, *best = NULL;
	while (t) {
		if (t->vm_end > addr) {
			best = t;
			t = LEFT(t);
		} else {
			t = RIGHT(t);
		}
	}
	return best;
}

struct vm_area_struct *vma_prev(struct mm_struct *mm, struct vm_area_struct *vma)
{
	uint64_t key = vma ? vma->vm_start : UINT64_MAX;
	struct vm_area_struct *t = mm->mm_rb, *best = NULL;
	while (t) {
		if (t->vm_start < key) {
			best = t;
			t = RIGHT(t);
		} else {
			t = LEFT(t);
		}
	}
	return best;
}

struct vm_area_struct *find_vma_intersection(struct mm_struct *mm, uint64_t start, uint64_t end)
{
	struct vm_area_struct *vma = find_vma(mm, start);
	return vma && vma->vm_start < end ? vma : NULL;
}

struct vm_area_struct *vm_area_alloc(struct mm_struct *mm)
{
	struct vm_area_struct *vma = kzalloc(sizeof(*vma));
	if (!vma)
		return NULL;
	vma->vm_mm = mm;
	INIT_LIST_HEAD(&vma->vm_shared);
	return vma;
}

struct vm_area_struct *vm_area_dup(struct vm_area_struct *orig)
{
	struct vm_area_struct *vma = kmalloc(sizeof(*vma));
	if (!vma)
		return NULL;
	*vma = *orig;
	vma->vm_rb[0] = vma->vm_rb[1] = NULL;
	INIT_LIST_HEAD(&vma->vm_shared);
	if (vma->vm_file)
		get_file(vma->vm_file);
	if (vma->vm_ops && vma->vm_ops->open)
		vma->vm_ops->open(vma);
	return vma;
}

void vm_area_free(struct vm_area_struct *vma)
{
	if (vma->vm_ops && vma->vm_ops->close)
		vma->vm_ops->close(vma);
	if (vma->vm_file)
		fput(vma->vm_file);
	kfree(vma);
}

void vma_link(struct mm_struct *mm, struct vm_area_struct *vma)
{
	vma->vm_mm = mm;
	vma->vm_rb[0] = vma->vm_rb[1] = NULL;
	vma->vm_rb[2] = (void *)next_prio();
	mm->mm_rb = tree_insert(mm->mm_rb, vma);
	mm->map_count++;
	if (vma->vm_file && !vma_is_anonymous(vma) && vma->vm_file->f_mapping)
		list_add_tail(&vma->vm_shared, &vma->vm_file->f_mapping->i_mmap);
}

void vma_unlink(struct mm_struct *mm, struct vm_area_struct *vma)
{
	mm->mm_rb = tree_erase(mm->mm_rb, vma);
	mm->map_count--;
	if (!list_empty(&vma->vm_shared)) {
		list_del(&vma->vm_shared);
		INIT_LIST_HEAD(&vma->vm_shared);
	}
}

uint64_t vm_start_gap(const struct vm_area_struct *vma)
{
	uint64_t start = vma->vm_start;
	if (vma->vm_flags & VM_GROWSDOWN)
		start = start > STACK_GUARD_GAP ? start - STACK_GUARD_GAP : 0;
	return start;
}

/* --- accounting --- */

unsigned long calc_vm_prot_bits(unsigned long prot)
{
	return (prot & PROT_READ ? VM_READ : 0) | (prot & PROT_WRITE ? VM_WRITE : 0) |
	       (prot & PROT_EXEC ? VM_EXEC : 0);
}

bool may_expand_vm(struct mm_struct *mm, unsigned long vm_flags, uint64_t npages)
{
	(void)vm_flags;
	uint64_t lim = rlimit(RLIMIT_AS);
	if (lim == RLIM_INFINITY)
		return true;
	return mm->total_vm + npages <= lim >> PAGE_SHIFT;
}

void vm_stat_account(struct mm_struct *mm, unsigned long vm_flags, int64_t npages)
{
	mm->total_vm += npages;
	if (mm->total_vm > mm->hiwater_vm)
		mm->hiwater_vm = mm->total_vm;
	if ((vm_flags & (VM_EXEC | VM_WRITE)) == VM_EXEC)
		mm->exec_vm += npages;
	else if (vm_flags & VM_GROWSDOWN)
		mm->stack_vm += npages;
	else if ((vm_flags & (VM_WRITE | VM_SHARED)) == VM_WRITE)
		mm->data_vm += npages;
	if (vm_flags & VM_LOCKED)
		mm->locked_vm += npages;
}

/* --- split, merge, expand --- */

int split_vma(struct mm_struct *mm, struct vm_area_struct *vma, uint64_t addr)
{
	if (mm->map_count >= DEFAULT_MAX_MAP_COUNT)
		return -ENOMEM;
	struct vm_area_struct *new = vm_area_dup(vma);
	if (!new)
		return -ENOMEM;
	new->vm_start = addr;
	new->vm_pgoff += (addr - vma->vm_start) >> PAGE_SHIFT;
	vma->vm_end = addr;
	vma_link(mm, new);
	return 0;
}

static bool can_merge(const struct vm_area_struct *a, const struct vm_area_struct *b)
{
	if (a->vm_end != b->vm_start || a->vm_flags != b->vm_flags || a->vm_file != b->vm_file ||
	    a->vm_ops != b->vm_ops || a->vm_private_data != b->vm_private_data)
		return false;
	if (a->vm_ops && a->vm_ops->close)
		return false;
	/* Anonymous memory too: its vm_pgoff is the address it was mapped at. */
	if (a->vm_pgoff + vma_pages(a) != b->vm_pgoff)
		return false;
	return true;
}

/* b is absorbed into a (a->vm_end == b->vm_start). */
static void merge_into(struct mm_struct *mm, struct vm_area_struct *a, struct vm_area_struct *b)
{
	vma_unlink(mm, b);
	a->vm_end = b->vm_end;
	vm_area_free(b);
}

struct vm_area_struct *vma_merge(struct mm_struct *mm, struct vm_area_struct *vma)
{
	struct vm_area_struct *next = vma_next(mm, vma);
	if (next && can_merge(vma, next))
		merge_into(mm, vma, next);
	struct vm_area_struct *prev = vma_prev(mm, vma);
	if (prev && can_merge(prev, vma)) {
		merge_into(mm, prev, vma);
		vma = prev;
	}
	return vma;
}

void vma_expand(struct mm_struct *mm, struct vm_area_struct *vma, uint64_t start, uint64_t end)
{
	(void)mm;
	/* Moving vm_start down keeps the tree order: the range below is free. */
	vma->vm_pgoff -= (vma->vm_start - start) >> PAGE_SHIFT;
	vma->vm_start = start;
	vma->vm_end = end;
}

struct vm_area_struct *vma_split_range(struct mm_struct *mm, uint64_t start, uint64_t end, int *err)
{
	*err = 0;
	struct vm_area_struct *vma = find_vma(mm, start);
	if (!vma || vma->vm_start >= end)
		return NULL;
	if (vma->vm_start < start) {
		*err = split_vma(mm, vma, start);
		if (*err)
			return NULL;
		vma = vma_next(mm, vma);
	}
	struct vm_area_struct *last = find_vma(mm, end - 1);
	if (last && last->vm_start < end && last->vm_end > end) {
		*err = split_vma(mm, last, end);
		if (*err)
			return NULL;
	}
	return vma;
}

struct vm_area_struct *vma_modify_flags(struct mm_struct *mm, struct vm_area_struct *vma,
					uint64_t start, uint64_t end, unsigned long newflags, int *err)
{
	*err = 0;
	if (newflags == vma->vm_flags)
		return vma;
	if (vma->vm_start < start) {
		*err = split_vma(mm, vma, start);
		if (*err)
			return vma;
		vma = vma_next(mm, vma);
	}
	if (vma->vm_end > end) {
		*err = split_vma(mm, vma, end);
		if (*err)
			return vma;
	}
	vm_stat_account(mm, vma->vm_flags, -(int64_t)vma_pages(vma));
	vma->vm_flags = newflags;
	vm_stat_account(mm, vma->vm_flags, vma_pages(vma));
	return vma;
}

/* --- munmap --- */

static void remove_vma_list(struct mm_struct *mm, struct vm_area_struct **list, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		vm_stat_account(mm, list[i]->vm_flags, -(int64_t)vma_pages(list[i]));
		vm_area_free(list[i]);
	}
}

int do_munmap(struct mm_struct *mm, uint64_t start, uint64_t len)
{
	if ((start & ~PAGE_MASK) || start > TASK_SIZE || len > TASK_SIZE - start)
		return -EINVAL;
	len = PAGE_ALIGN(len);
	if (!len)
		return -EINVAL;
	uint64_t end = start + len;
	struct vm_area_struct *vma = find_vma(mm, start);
	if (!vma || vma->vm_start >= end)
		return 0;
	/* A hole in the middle needs one more VMA. */
	if (vma->vm_start < start && vma->vm_end > end && mm->map_count >= DEFAULT_MAX_MAP_COUNT)
		return -ENOMEM;
	int err;
	vma = vma_split_range(mm, start, end, &err);
	if (err)
		return err;
	struct mmu_notifier_range range;
	mmu_notifier_range_init(&range, MMU_NOTIFY_UNMAP, mm, start, end);
	mmu_notifier_invalidate_range_start(&range);
	unsigned int n = 0, cap = 8;
	struct vm_area_struct **list = kmalloc(cap * sizeof(*list));
	while (vma && vma->vm_start < end) {
		struct vm_area_struct *next = vma_next(mm, vma);
		zap_page_range(vma, vma->vm_start, vma->vm_end);
		vma_unlink(mm, vma);
		if (list && n == cap) {
			struct vm_area_struct **bigger = kmalloc(2 * cap * sizeof(*list));
			if (bigger)
				memcpy(bigger, list, n * sizeof(*list));
			kfree(list);
			list = bigger;
			cap *= 2;
		}
		if (list) {
			list[n++] = vma;
		} else {
			vm_stat_account(mm, vma->vm_flags, -(int64_t)vma_pages(vma));
			vm_area_free(vma);
		}
		vma = next;
	}
	/* The secondary MMUs first, as Linux's unmap_region: one that reads
	 * the tables it already shadows (umbra's walks from a shadowed leaf
	 * table) must not reach a freed one. */
	mmu_notifier_invalidate_range_end(&range);
	free_pgtables(mm, start, end);
	if (list)
		remove_vma_list(mm, list, n);
	kfree(list);
	return 0;
}

SYSCALL_DEFINE2(munmap, uint64_t, addr, uint64_t, len)
{
	struct mm_struct *mm = current->mm;
	mmap_write_lock(mm);
	int ret = do_munmap(mm, addr, len);
	mmap_write_unlock(mm);
	return ret;
}

/* --- mmap --- */

/* Highest free range of len bytes below mmap_base (Linux's top-down
 * layout), then bottom-up; 0 when none. */
static uint64_t unmapped_area_topdown(struct mm_struct *mm, uint64_t len)
{
	uint64_t high = mm->mmap_base ? mm->mmap_base : TASK_SIZE;
	struct vm_area_struct *next = find_vma(mm, high);
	struct vm_area_struct *prev = next ? vma_prev(mm, next) : vma_prev(mm, NULL);
	for (;;) {
		uint64_t hi = next ? MIN(vm_start_gap(next), high) : high;
		uint64_t lo = MAX(prev ? prev->vm_end : 0, MMAP_MIN_ADDR);
		if (hi > lo && hi - lo >= len)
			return hi - len;
		if (!prev)
			break;
		next = prev;
		prev = vma_prev(mm, prev);
	}
	/* Bottom-up above mmap_base. */
	uint64_t lo = high;
	for (struct vm_area_struct *v = find_vma(mm, lo);; v = vma_next(mm, v)) {
		uint64_t hi = v ? vm_start_gap(v) : TASK_SIZE;
		if (hi > lo && hi - lo >= len)
			return lo;
		if (!v)
			return 0;
		lo = MAX(lo, v->vm_end);
	}
}

long get_unmapped_area(struct mm_struct *mm, uint64_t addr, uint64_t len,
			      unsigned long flags)
{
	if (len > TASK_SIZE - MMAP_MIN_ADDR)
		return -ENOMEM;
	if (flags & MAP_FIXED) {
		if (addr > TASK_SIZE - len)
			return -ENOMEM;
		if (addr & ~PAGE_MASK)
			return -EINVAL;
		return addr;
	}
	if (addr) {
		/* A hint is taken when that range is free (with the gaps). */
		addr = PAGE_ALIGN(addr);
		struct vm_area_struct *vma = find_vma(mm, addr);
		struct vm_area_struct *prev = vma ? vma_prev(mm, vma) : vma_prev(mm, NULL);
		if (addr <= TASK_SIZE - len && addr >= MMAP_MIN_ADDR &&
		    (!vma || addr + len <= vm_start_gap(vma)) && (!prev || addr >= prev->vm_end))
			return addr;
	}
	addr = unmapped_area_topdown(mm, len);
	return addr ? (long)addr : -ENOMEM;
}

int populate_vma_range(struct vm_area_struct *vma, uint64_t start, uint64_t end, bool write)
{
	unsigned int flags = FAULT_FLAG_REMOTE | (write ? FAULT_FLAG_WRITE : 0);
	for (uint64_t va = start; va < end; va += PAGE_SIZE) {
		uint64_t *pte = pte_offset(vma->vm_mm, va);
		if (pte && (*pte & _PAGE_PRESENT) && (!write || (*pte & _PAGE_RW)))
			continue;
		vm_fault_t ret = handle_mm_fault(vma, va, flags);
		if (ret & VM_FAULT_OOM)
			return -ENOMEM;
		if (ret & VM_FAULT_ERROR)
			return -EFAULT;
	}
	return 0;
}

/* Faults in what MAP_POPULATE/mlock want: writable private memory is
 * written (COW broken), the rest read; PROT_NONE is skipped. */
int mm_populate(struct mm_struct *mm, uint64_t start, uint64_t len)
{
	uint64_t end = start + len;
	for (struct vm_area_struct *vma = find_vma(mm, start); vma && vma->vm_start < end;
	     vma = vma_next(mm, vma)) {
		if (!(vma->vm_flags & (VM_READ | VM_WRITE | VM_EXEC)) || (vma->vm_flags & VM_LOCKONFAULT))
			continue;
		bool write = (vma->vm_flags & (VM_WRITE | VM_SHARED)) == VM_WRITE;
		int err = populate_vma_range(vma, MAX(start, vma->vm_start), MIN(end, vma->vm_end), write);
		if (err == -ENOMEM)
			return err;
	}
	return 0;
}

static long mmap_region(struct mm_struct *mm, struct file *file, uint64_t addr, uint64_t len,
			unsigned long vm_flags, uint64_t pgoff)
{
	uint64_t end = addr + len, npages = len >> PAGE_SHIFT;
	/* RLIMIT_AS counts what stays mapped: a MAP_FIXED overlap is replaced. */
	uint64_t overlap = 0;
	for (struct vm_area_struct *v = find_vma(mm, addr); v && v->vm_start < end; v = vma_next(mm, v))
		overlap += (MIN(end, v->vm_end) - MAX(addr, v->vm_start)) >> PAGE_SHIFT;
	if (!may_expand_vm(mm, vm_flags, npages - overlap))
		return -ENOMEM;
	if (overlap) {
		int err = do_munmap(mm, addr, len);
		if (err)
			return err;
	}
	if (mm->map_count >= DEFAULT_MAX_MAP_COUNT)
		return -ENOMEM;

	struct vm_area_struct *vma = vm_area_alloc(mm);
	if (!vma)
		return -ENOMEM;
	vma->vm_start = addr;
	vma->vm_end = end;
	vma->vm_flags = vm_flags;
	vma->vm_pgoff = pgoff;
	if (file) {
		vma->vm_file = get_file(file);
		int err = file->f_op->mmap(file, vma);
		if (err) {
			vm_area_free(vma);
			return err;
		}
	} else if (vm_flags & VM_SHARED) {
		/* Shared anonymous memory is a shmem file (Linux's shmem_zero_setup). */
		struct file *shm = shmem_file_setup("/dev/zero (deleted)", len);
		if (!shm) {
			vm_area_free(vma);
			return -ENOMEM;
		}
		vma->vm_file = shm;
		vma->vm_pgoff = 0;
		int err = shm->f_op->mmap(shm, vma);
		if (err) {
			vm_area_free(vma);
			return err;
		}
	}
	vma_link(mm, vma);
	vm_stat_account(mm, vma->vm_flags, npages);
	vma_merge(mm, vma);
	return addr;
}

#define LEGACY_MAP_MASK (MAP_SHARED | MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS | MAP_DENYWRITE | \
			 MAP_EXECUTABLE | MAP_UNINITIALIZED | MAP_GROWSDOWN | MAP_LOCKED |       \
			 MAP_NORESERVE | MAP_POPULATE | MAP_NONBLOCK | MAP_STACK | MAP_HUGETLB)
#define MAP_UNINITIALIZED 0x4000000

long do_mmap(struct mm_struct *mm, struct file *file, uint64_t addr, uint64_t len,
	     unsigned long prot, unsigned long flags, uint64_t pgoff)
{
	if (!len)
		return -EINVAL;
	if (!(flags & MAP_FIXED) && addr && addr < MMAP_MIN_ADDR)
		addr = PAGE_ALIGN(MMAP_MIN_ADDR);
	len = PAGE_ALIGN(len);
	if (!len)
		return -ENOMEM;
	if (pgoff + (len >> PAGE_SHIFT) < pgoff)
		return -EOVERFLOW;
	if (mm->map_count > DEFAULT_MAX_MAP_COUNT)
		return -ENOMEM;
	if (flags & MAP_FIXED_NOREPLACE)
		flags |= MAP_FIXED;
	long ret = get_unmapped_area(mm, addr, len, flags);
	if (ret < 0)
		return ret;
	addr = ret;
	if ((flags & MAP_FIXED) && addr < MMAP_MIN_ADDR)
		return -EPERM;
	if ((flags & MAP_FIXED_NOREPLACE) && find_vma_intersection(mm, addr, addr + len))
		return -EEXIST;
	if ((flags & MAP_LOCKED) && !can_do_mlock())
		return -EPERM;

	unsigned long vm_flags = calc_vm_prot_bits(prot) | (flags & MAP_GROWSDOWN ? VM_GROWSDOWN : 0) |
				 (flags & MAP_LOCKED ? VM_LOCKED : 0) | mm->def_flags | VM_MAYREAD |
				 VM_MAYWRITE | VM_MAYEXEC;
	if (!mlock_future_ok(mm, vm_flags, len))
		return -EAGAIN;
	if (file) {
		unsigned int acc = file->f_flags & O_ACCMODE;
		bool readable = acc == O_RDONLY || acc == O_RDWR, writable = acc == O_WRONLY || acc == O_RDWR;
		switch (flags & MAP_TYPE) {
		case MAP_SHARED:
			flags &= LEGACY_MAP_MASK;
			/* fallthrough */
		case MAP_SHARED_VALIDATE:
			if (flags & ~(LEGACY_MAP_MASK | MAP_FIXED_NOREPLACE | MAP_SHARED_VALIDATE))
				return -EOPNOTSUPP;
			if ((prot & PROT_WRITE) && !writable)
				return -EACCES;
			vm_flags |= VM_SHARED | VM_MAYSHARE;
			if (!writable)
				vm_flags &= ~(VM_MAYWRITE | VM_SHARED);
			/* fallthrough */
		case MAP_PRIVATE:
			if (!readable)
				return -EACCES;
			if (!file->f_op->mmap)
				return -ENODEV;
			if (vm_flags & VM_GROWSDOWN)
				return -EINVAL;
			break;
		default:
			return -EINVAL;
		}
	} else {
		switch (flags & MAP_TYPE) {
		case MAP_SHARED:
		case MAP_SHARED_VALIDATE:
			if (vm_flags & VM_GROWSDOWN)
				return -EINVAL;
			pgoff = 0;
			vm_flags |= VM_SHARED | VM_MAYSHARE;
			break;
		case MAP_PRIVATE:
			pgoff = addr >> PAGE_SHIFT;
			break;
		default:
			return -EINVAL;
		}
	}
	if (flags & MAP_NORESERVE)
		vm_flags |= VM_NORESERVE;
	ret = mmap_region(mm, file, addr, len, vm_flags, pgoff);
	if (ret >= 0 && ((vm_flags & VM_LOCKED) || (flags & (MAP_POPULATE | MAP_NONBLOCK)) == MAP_POPULATE))
		mm_populate(mm, addr, len);
	return ret;
}

SYSCALL_DEFINE6(mmap, uint64_t, addr, uint64_t, len, uint64_t, prot, uint64_t, flags,
		uint64_t, fd, uint64_t, off)
{
	if (off & ~PAGE_MASK)
		return -EINVAL;
	struct file *file = NULL;
	if (!(flags & MAP_ANONYMOUS)) {
		file = fget((unsigned int)fd);
		if (!file)
			return -EBADF;
	} else if (flags & MAP_HUGETLB) {
		/* No huge pages are reserved (nr_hugepages is 0). */
		return len ? -ENOMEM : -EINVAL;
	}
	mmap_write_lock(current->mm);
	long ret = do_mmap(current->mm, file, addr, len, prot, flags, off >> PAGE_SHIFT);
	mmap_write_unlock(current->mm);
	if (file)
		fput(file);
	return ret;
}

/* --- brk --- */

static uint64_t do_brk(struct mm_struct *mm, uint64_t brk)
{
	uint64_t origbrk = mm->brk;
	if (brk < mm->start_brk || brk > TASK_SIZE)
		return origbrk;
	uint64_t newbrk = PAGE_ALIGN(brk), oldbrk = PAGE_ALIGN(mm->brk);
	if (brk <= mm->brk) {
		mm->brk = brk;
		if (newbrk < oldbrk && do_munmap(mm, newbrk, oldbrk - newbrk)) {
			mm->brk = origbrk;
			return origbrk;
		}
		return brk;
	}
	if (oldbrk == newbrk) {
		mm->brk = brk;
		return brk;
	}
	/* A page stays free between the heap and the next mapping. */
	struct vm_area_struct *next = find_vma(mm, oldbrk);
	if (next && newbrk + PAGE_SIZE > vm_start_gap(next))
		return origbrk;
	uint64_t npages = (newbrk - oldbrk) >> PAGE_SHIFT;
	unsigned long vm_flags = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC | mm->def_flags;
	/* Under mlockall(MCL_FUTURE) the new heap is locked: RLIMIT_MEMLOCK. */
	if (!mlock_future_ok(mm, mm->def_flags, newbrk - oldbrk))
		return origbrk;
	if (!may_expand_vm(mm, vm_flags, npages))
		return origbrk;
	struct vm_area_struct *prev = next ? vma_prev(mm, next) : vma_prev(mm, NULL);
	/* Only the heap grows: the data segment below start_brk stays apart. */
	if (prev && prev->vm_end == oldbrk && prev->vm_start >= mm->start_brk &&
	    prev->vm_flags == vm_flags && vma_is_anonymous(prev) && !prev->vm_file) {
		vma_expand(mm, prev, prev->vm_start, newbrk);
	} else {
		if (mm->map_count >= DEFAULT_MAX_MAP_COUNT)
			return origbrk;
		struct vm_area_struct *vma = vm_area_alloc(mm);
		if (!vma)
			return origbrk;
		vma->vm_start = oldbrk;
		vma->vm_end = newbrk;
		vma->vm_flags = vm_flags;
		vma->vm_pgoff = oldbrk >> PAGE_SHIFT;
		vma_link(mm, vma);
	}
	vm_stat_account(mm, vm_flags, npages);
	mm->brk = brk;
	if (mm->def_flags & VM_LOCKED)
		mm_populate(mm, oldbrk, newbrk - oldbrk);
	return brk;
}

SYSCALL_DEFINE1(brk, uint64_t, brk)
{
	struct mm_struct *mm = current->mm;
	mmap_write_lock(mm);
	uint64_t ret = do_brk(mm, brk);
	mmap_write_unlock(mm);
	return ret;
}

/* --- the stack --- */

/* Grows a VM_GROWSDOWN vma down to cover addr (Linux's expand_downwards):
 * the guard gap to the VMA below must stay free. */
int expand_downwards(struct vm_area_struct *vma, uint64_t addr)
{
	struct mm_struct *mm = vma->vm_mm;
	addr &= PAGE_MASK;
	if (addr < MMAP_MIN_ADDR)
		return -EPERM;
	struct vm_area_struct *prev = vma_prev(mm, vma);
	if (prev && !(prev->vm_flags & VM_GROWSDOWN) && (prev->vm_flags & (VM_READ | VM_WRITE | VM_EXEC))) {
		if (addr - prev->vm_end < STACK_GUARD_GAP || addr < prev->vm_end)
			return -ENOMEM;
	} else if (prev && addr < prev->vm_end) {
		return -ENOMEM;
	}
	uint64_t grow = (vma->vm_start - addr) >> PAGE_SHIFT;
	if (!grow)
		return 0;
	/* Linux's acct_stack_growth: the stack limit, the address-space
	 * limit, and the lock limit for a locked stack. */
	if (vma->vm_end - addr > rlimit(RLIMIT_STACK))
		return -ENOMEM;
	if (!may_expand_vm(mm, vma->vm_flags, grow))
		return -ENOMEM;
	if (!mlock_future_ok(mm, vma->vm_flags, grow << PAGE_SHIFT))
		return -ENOMEM;
	vma_expand(mm, vma, addr, vma->vm_end);
	vm_stat_account(mm, vma->vm_flags, grow);
	count_vm_event(mm, FAULT_STACK_EXPAND);
	return 0;
}

/* --- truncation --- */

void unmap_mapping_range(struct address_space *mapping, uint64_t start, uint64_t len,
			 bool even_cows)
{
	uint64_t first = start >> PAGE_SHIFT;
	uint64_t last = len ? ((start + len - 1) >> PAGE_SHIFT) : UINT64_MAX;
	struct vm_area_struct *vma;
	list_for_each_entry(vma, &mapping->i_mmap, vm_shared) {
		uint64_t vfirst = vma->vm_pgoff, vlast = vma->vm_pgoff + vma_pages(vma) - 1;
		if (vlast < first || vfirst > last)
			continue;
		uint64_t lo = vma->vm_start + ((MAX(first, vfirst) - vfirst) << PAGE_SHIFT);
		uint64_t hi = vma->vm_start + ((MIN(last, vlast) - vfirst + 1) << PAGE_SHIFT);
		struct mm_struct *mm = vma->vm_mm;
		/* Entries cleared, tables kept (Linux: MMU_NOTIFY_CLEAR). */
		struct mmu_notifier_range range;
		mmu_notifier_range_init(&range, MMU_NOTIFY_CLEAR, mm, lo, hi);
		mmu_notifier_invalidate_range_start(&range);
		for (uint64_t va = lo; va < hi; va += PAGE_SIZE) {
			uint64_t *pte = pte_offset(mm, va);
			if (!pte || !(*pte & PTE_PFN_MASK))
				continue;
			uint64_t entry = *pte;
			struct page *page = phys_to_page(entry & PTE_PFN_MASK);
			/* Private copies stay unless even_cows. */
			if (!even_cows && page->mapping != mapping)
				continue;
			pte_clear_notify(mm, va, pte, 0);
			page_remove_rmap(mm, page, entry & _PAGE_DIRTY);
		}
		mmu_notifier_invalidate_range_end(&range);
	}
}

/* --- fork and exit --- */

struct mm_struct *dup_mm(struct mm_struct *oldmm)
{
	struct mm_struct *mm = mm_alloc();
	if (!mm)
		return NULL;
	mm->mmap_base = oldmm->mmap_base;
	mm->start_code = oldmm->start_code;
	mm->end_code = oldmm->end_code;
	mm->start_data = oldmm->start_data;
	mm->end_data = oldmm->end_data;
	mm->start_brk = oldmm->start_brk;
	mm->brk = oldmm->brk;
	mm->start_stack = oldmm->start_stack;
	mm->arg_start = oldmm->arg_start;
	mm->arg_end = oldmm->arg_end;
	mm->env_start = oldmm->env_start;
	mm->env_end = oldmm->env_end;
	/* mlockall(MCL_FUTURE) is not inherited, nor are locks (Linux). */
	mm->def_flags = oldmm->def_flags & ~VM_LOCKED_MASK;

	struct vm_area_struct *vma;
	for_each_vma(oldmm, vma) {
		if (vma->vm_flags & VM_DONTCOPY)
			continue;
		struct vm_area_struct *new = vm_area_dup(vma);
		if (!new)
			goto fail;
		new->vm_flags &= ~VM_LOCKED_MASK;
		vma_link(mm, new);
		vm_stat_account(mm, new->vm_flags, vma_pages(new));
		/* VM_WIPEONFORK: the child starts with fresh zero memory. */
		if (!(vma->vm_flags & VM_WIPEONFORK) && copy_page_range(mm, new, vma))
			goto fail;
	}
	mm->hiwater_rss = 0;
	return mm;
fail:
	mmput(mm);
	return NULL;
}

void exit_mmap(struct mm_struct *mm)
{
	struct mmu_notifier_range range;
	mmu_notifier_release(mm);
	mmu_notifier_range_init(&range, MMU_NOTIFY_UNMAP, mm, 0, TASK_SIZE);
	mmu_notifier_invalidate_range_start(&range);
	while (mm->mm_rb) {
		struct vm_area_struct *vma = mm->mm_rb;
		zap_page_range(vma, vma->vm_start, vma->vm_end);
		vma_unlink(mm, vma);
		vm_stat_account(mm, vma->vm_flags, -(int64_t)vma_pages(vma));
		vm_area_free(vma);
	}
	drop_active_mm(mm);
	mmu_notifier_invalidate_range_end(&range);
	free_pgtables(mm, 0, TASK_SIZE);
}

void mmput(struct mm_struct *mm)
{
	BUG_ON(mm->mm_users <= 0);
	if (--mm->mm_users)
		return;
	exit_mmap(mm);
	free_pages(mm->pgd, 1);
	kfree(mm);
}

const char *vma_special_name(struct vm_area_struct *vma)
{
	struct mm_struct *mm = vma->vm_mm;
	if (vma->vm_ops && vma->vm_ops->name)
		return vma->vm_ops->name(vma);
	if (vma->vm_file)
		return NULL;
	if (vma->vm_start < mm->brk && vma->vm_end > mm->start_brk)
		return "[heap]";
	if (vma->vm_start <= mm->start_stack && vma->vm_end >= mm->start_stack)
		return "[stack]";
	return NULL;
}
