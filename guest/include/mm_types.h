/* SPDX-License-Identifier: MIT */
/*
 * The mm's data structures, shared with the rest of the kernel (procfs
 * reads them, the file system implements vm_operations): struct page, the
 * VMA, the address space. Names and flag values follow Linux's
 * <linux/mm_types.h> and <linux/mm.h>. mm/ owns them: other subsystems read
 * the fields documented here and call the functions of mm.h, nothing else.
 */
#ifndef GUEST_MM_TYPES_H
#define GUEST_MM_TYPES_H

#include <stdint.h>

#include "kernel.h"
#include "list.h"

struct file;
struct address_space;
struct vm_area_struct;

/* One per frame of RAM (mem_map, indexed by pfn). */
struct page {
	uint32_t flags;                /* PG_* */
	int32_t _refcount;             /* references: mappings, page cache, kernel */
	int32_t _mapcount;             /* user PTEs mapping it */
	uint32_t order;                /* of a compound (2M) head page, else 0 */
	struct address_space *mapping; /* file or shmem page: its cache; NULL for anon */
	uint64_t index;                /* offset in mapping, in pages */
	struct list_head lru;          /* free list, or the owner's list */
};

/* page->flags */
#define PG_reserved 0x1   /* not allocator memory (kernel image, tables, holes) */
#define PG_dirty 0x2      /* file page newer than the file (shared writes) */
#define PG_uptodate 0x4
#define PG_locked_vm 0x8  /* mapped by a VM_LOCKED VMA */
#define PG_zero 0x10      /* the shared zero page */
#define PG_head 0x20      /* first page of a compound (huge) page */
#define PG_slab 0x40      /* kmalloc memory */

/* vm_flags (Linux values) */
#define VM_NONE 0x00000000UL
#define VM_READ 0x00000001UL
#define VM_WRITE 0x00000002UL
#define VM_EXEC 0x00000004UL
#define VM_SHARED 0x00000008UL
#define VM_MAYREAD 0x00000010UL
#define VM_MAYWRITE 0x00000020UL
#define VM_MAYEXEC 0x00000040UL
#define VM_MAYSHARE 0x00000080UL
#define VM_GROWSDOWN 0x00000100UL
#define VM_LOCKED 0x00002000UL
#define VM_IO 0x00004000UL
#define VM_SEQ_READ 0x00008000UL
#define VM_RAND_READ 0x00010000UL
#define VM_DONTCOPY 0x00020000UL
#define VM_DONTEXPAND 0x00040000UL
#define VM_LOCKONFAULT 0x00080000UL
#define VM_ACCOUNT 0x00100000UL
#define VM_NORESERVE 0x00200000UL
#define VM_WIPEONFORK 0x02000000UL
#define VM_DONTDUMP 0x04000000UL
#define VM_HUGEPAGE 0x20000000UL
#define VM_NOHUGEPAGE 0x40000000UL

#define VM_LOCKED_MASK (VM_LOCKED | VM_LOCKONFAULT)

/* What a fault handler (vm_operations_struct.fault) is given and returns. */
struct vm_fault {
	struct vm_area_struct *vma;
	uint64_t address;      /* faulting address, page aligned */
	uint64_t pgoff;        /* page offset of address in the VMA's file */
	unsigned int flags;    /* FAULT_FLAG_* */
	struct page *page;     /* out: the page (one reference for the caller) */
};

/* vm_fault_t bits */
#define VM_FAULT_OOM 0x0001
#define VM_FAULT_SIGBUS 0x0002
#define VM_FAULT_SIGSEGV 0x0040
#define VM_FAULT_NOPAGE 0x0100 /* handler installed the PTE itself */
#define VM_FAULT_RETRY 0x0400
#define VM_FAULT_ERROR (VM_FAULT_OOM | VM_FAULT_SIGBUS | VM_FAULT_SIGSEGV)
typedef unsigned int vm_fault_t;

/* fault flags (handle_mm_fault) */
#define FAULT_FLAG_WRITE 0x01
#define FAULT_FLAG_INSTRUCTION 0x02
#define FAULT_FLAG_USER 0x04
#define FAULT_FLAG_REMOTE 0x08 /* for the kernel on a user's behalf (uaccess, mlock) */

struct vm_operations_struct {
	void (*open)(struct vm_area_struct *vma);  /* a copy (fork, split) */
	void (*close)(struct vm_area_struct *vma);
	vm_fault_t (*fault)(struct vm_fault *vmf);
	/* Fault-around: map the cached pages of [start_pgoff, end_pgoff]
	 * without I/O; returns how many were mapped. */
	unsigned int (*map_pages)(struct vm_fault *vmf, uint64_t start_pgoff, uint64_t end_pgoff);
	/* A shared page becomes writable (dirty tracking). */
	vm_fault_t (*page_mkwrite)(struct vm_fault *vmf);
	const char *(*name)(struct vm_area_struct *vma);
};

struct mm_struct;

struct vm_area_struct {
	uint64_t vm_start, vm_end; /* [start, end), page aligned */
	unsigned long vm_flags;
	uint64_t vm_pgoff;         /* offset in vm_file, in pages */
	struct file *vm_file;      /* with a reference; NULL for private anon */
	const struct vm_operations_struct *vm_ops;
	void *vm_private_data;
	struct mm_struct *vm_mm;
	struct list_head vm_shared; /* in vm_file's mapping->i_mmap */
	/* mm/ private: the VMA tree's links. */
	void *vm_rb[3];
};

/* mm->rss_stat indices, as Linux */
enum { MM_FILEPAGES, MM_ANONPAGES, MM_SWAPENTS, MM_SHMEMPAGES, NR_MM_COUNTERS };

/* Fault paths counted per mm and globally (/proc/vmstat names). */
enum vm_event_item {
	PGFAULT,
	PGMAJFAULT,
	FAULT_ANON_ZERO,    /* do_anonymous_page, read: the zero page */
	FAULT_ANON_NEW,     /* do_anonymous_page, write: a new frame */
	FAULT_READ,         /* do_read_fault */
	FAULT_AROUND_PAGES, /* pages mapped by fault-around */
	FAULT_COW,          /* do_cow_fault */
	FAULT_SHARED,       /* do_shared_fault */
	FAULT_WP_REUSE,     /* do_wp_page: single owner, reused */
	FAULT_WP_COPY,      /* do_wp_page: copied */
	FAULT_STACK_EXPAND, /* expand_downwards */
	FAULT_SIGSEGV,      /* bad access: SIGSEGV */
	FAULT_SIGBUS,       /* SIGBUS (file page past EOF) */
	FAULT_SPURIOUS,     /* stale TLB: nothing to do */
	FAULT_HUGE,         /* a 2M page mapped */
	MMU_NOTIFIER_INVALIDATE, /* invalidate_range_start brackets */
	MMU_NOTIFIER_UNBRACKETED, /* PTE downgrades outside a bracket (must stay 0) */
	THP_SPLIT_PMD,      /* a 2M mapping split into 4K PTEs */
	FAULT_PREFILL_EARLY, /* shadow: the VMM's fill posted before a new page's clear or copy */
	FAULT_PREFILL_STREAM, /* shadow: the VMM's fills streamed while fault-around mapped */
	NR_VM_EVENT_ITEMS
};
extern const char *const vm_event_names[NR_VM_EVENT_ITEMS];
extern uint64_t vm_events[NR_VM_EVENT_ITEMS];

struct mmu_notifier;

struct mm_struct {
	phys_addr_t pgd;
	int mm_users;                 /* tasks using it */
	unsigned int map_count;       /* VMAs */
	void *mm_rb;                  /* mm/ private: the VMA tree */
	uint64_t mmap_base;           /* top-down search for mmap starts here */
	uint64_t start_code, end_code, start_data, end_data;
	uint64_t start_brk, brk, start_stack;
	uint64_t arg_start, arg_end, env_start, env_end;
	uint64_t total_vm;            /* pages mapped (VmSize) */
	uint64_t locked_vm;           /* pages in VM_LOCKED VMAs (VmLck) */
	uint64_t hiwater_vm, hiwater_rss;
	unsigned long def_flags;      /* VM_LOCKED|VM_LOCKONFAULT after mlockall(MCL_FUTURE) */
	int64_t rss_stat[NR_MM_COUNTERS];
	uint64_t events[NR_VM_EVENT_ITEMS]; /* this mm's fault-path counts */
	struct list_head notifiers;   /* struct mmu_notifier */
	int mmap_lock;                /* held by the task inside an mm operation */
	int notifier_brackets;        /* open invalidate_range_start brackets */
	uint64_t pgtables_bytes;      /* page-table pages (VmPTE) */
	uint64_t data_vm, exec_vm, stack_vm; /* pages (VmData, VmExe, VmStk) */
	unsigned long cpu_mask;       /* CPUs whose CR3 holds it (switch_mm) */
};

#endif
