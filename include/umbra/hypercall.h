/* SPDX-License-Identifier: MIT */
/*
 * The hypercall ABI between the umbra VMM and its guest kernel.
 *
 * This header is shared by the VMM (hosted C) and the guest (freestanding C):
 * it holds only constants and fixed-layout structs. docs/hypercalls.md is the
 * prose version; keep the two in step.
 *
 * Transport: port I/O. The guest loads the hypercall number into RAX, up to
 * five arguments into RDI, RSI, R10, R8, R9 (the syscall order with R10 in
 * place of RDX, because DX carries the port), and executes
 *     outl %eax, %dx      with DX = UMBRA_HC_PORT
 * The VMM sees the I/O exit, reads the registers, performs the call and puts
 * the result in RAX before the guest resumes. Results are >= 0 on success or
 * a negated Linux errno value (UMBRA_E*) on failure, as in the Linux syscall
 * ABI. No other register is changed.
 */
#ifndef UMBRA_HYPERCALL_H
#define UMBRA_HYPERCALL_H

/* Version of this ABI; also published in the FDT hypervisor node. */
#define UMBRA_ABI_VERSION 1

/* The I/O port the guest writes to make a hypercall (32-bit out). */
#define UMBRA_HC_PORT 0x0500

/*
 * Hypercall numbers. Never renumber: append.
 */
/* Stop the VM; a0 = exit status (0..255). Does not return. */
#define UMBRA_HC_EXIT 1
/* The guest kernel failed; a0 = guest-physical address of a message,
 * a1 = its length in bytes (at most UMBRA_HC_PANIC_MAX). Does not return:
 * the VMM prints the message and stops the VM with UMBRA_EXIT_GUEST_FAULT. */
#define UMBRA_HC_PANIC 2
/* Report a guest-side measurement; a0 = UMBRA_REPORT_*, a1 = value.
 * Returns 0, or -UMBRA_EINVAL for an unknown kind. */
#define UMBRA_HC_REPORT 3

#define UMBRA_HC_PANIC_MAX 4096

/*
 * Shadow paging (--paging shadow; docs/hypercalls.md "Shadow paging").
 * In shadow mode the VMM's shadow tables (guest-virtual -> machine frame)
 * are a secondary MMU of the guest's mm. Address spaces are named by an
 * address-space id (asid) the VMM hands out. In tdp mode these calls
 * return -UMBRA_ENOSYS.
 */
/* First-chance page fault: a0 = faulting address (CR2), a1 = #PF error
 * code, a2 = asid of the address space the vCPU runs, a3 = UMBRA_SHADOW_FAULT_*
 * flags. Returns UMBRA_SHADOW_HANDLED (the shadow entry was filled: return
 * from the fault and retry the access) or UMBRA_SHADOW_REFLECT with, in
 * bits 47:32, the error code the guest's own walk gives (handle the fault in
 * the guest mm), or -UMBRA_EINVAL / -UMBRA_ENOMEM. */
#define UMBRA_HC_SHADOW_FAULT 4
/* Create an address space for the guest page-table root a0 (guest-physical,
 * page aligned). Returns the asid (> 0), -UMBRA_EINVAL, -UMBRA_ENOMEM. */
#define UMBRA_HC_SHADOW_AS_CREATE 5
/* Make asid a0 the vCPU's address space. Returns the CR3 value the guest
 * must load (it may change between calls: always load the returned one). */
#define UMBRA_HC_SHADOW_AS_ACTIVATE 6
/* The address space a0 is gone (mm released). Its shadow tables are freed
 * as soon as the vCPU has activated another one; the asid is never reused. */
#define UMBRA_HC_SHADOW_AS_RELEASE 7
/* Invalidate [a1, a2) of asid a0 (UMBRA_SHADOW_ASID_ALL: every address space,
 * for kernel mappings) after the guest removed or reduced translations there;
 * a3 = UMBRA_SHADOW_EV_*. One call per operation whatever its size. a2 = 0
 * means "to the top of the address space". Returns 0 or -UMBRA_EINVAL. */
#define UMBRA_HC_SHADOW_INVALIDATE 8
/* Register the batch queue: a0 = guest-physical address of one page holding
 * a struct umbra_shadow_ring (0 unregisters). Returns 0 or -UMBRA_EINVAL. */
#define UMBRA_HC_SHADOW_QUEUE 9
/* Apply every queued operation now. Returns how many were applied. (Every
 * other shadow hypercall drains the queue first as well.) */
#define UMBRA_HC_SHADOW_SYNC 10
/* Keep [a0, a1) shadowed at all times in every address space: what the CPU
 * needs to deliver a page fault (IDT, GDT, TSS, the exception stacks, the
 * entry code and the #PF path up to the fault hypercall), which would
 * otherwise fault on itself. At most UMBRA_SHADOW_MAX_PINS ranges of
 * UMBRA_SHADOW_MAX_PIN_PAGES pages in all. Returns 0, -UMBRA_EINVAL or
 * -UMBRA_ENOMEM (the pinned paths do not fit the shadow budget). */
#define UMBRA_HC_SHADOW_PIN 11
#define UMBRA_SHADOW_MAX_PINS 16
#define UMBRA_SHADOW_MAX_PIN_PAGES 256

/*
 * Tools (issue 7; docs/dump-format.md). Ask the VMM to append a dump of the
 * page tables to its dump file: a0 = guest-physical address of the top
 * page table of the address space to dump (0: every address space),
 * a1 = guest-physical address of a label, a2 = its length (at most
 * UMBRA_DUMP_LABEL_MAX), a3 = UMBRA_DUMP_* flags. Returns the dump's number
 * in the file (>= 0), -UMBRA_ENOENT when the VMM writes no dumps (no
 * --dump-on-exit), -UMBRA_EINVAL, -UMBRA_EFAULT (label not in guest RAM, or
 * the dump could not be written), -UMBRA_ENOMEM. In both paging modes.
 */
#define UMBRA_HC_DUMP 13
#define UMBRA_DUMP_LABEL_MAX 64
#define UMBRA_DUMP_USER_ONLY (1u << 0) /* only the user half of the tables */

/* In the result (>= 0) of any shadow hypercall but AS_ACTIVATE: the VMM
 * zapped or downgraded an entry this vCPU may have cached, so the guest
 * must flush its TLB (reload CR3) before it relies on the change. A
 * negative result may also follow a zap (the queue is applied first):
 * flush then too. AS_ACTIVATE never sets it; loading its CR3 flushes. */
#define UMBRA_SHADOW_FLUSH (1ULL << 62)

/*
 * Kicks (docs/hypercalls.md "15 SHADOW_KICK_ACK"): after a zap made outside
 * the vCPU's own hypercall (another VMM thread: --chaos-invalidate, the
 * control socket's reclaim), the VMM injects interrupt
 * UMBRA_SHADOW_KICK_VECTOR into every vCPU that may cache the zapped
 * entries. The handler: s = KICK_ACK(0) (the vCPU's kick sequence now),
 * reload CR3, KICK_ACK(s) (every kick up to s is flushed). The VMM frees or
 * reuses nothing those entries mapped until then. KICK_ACK(seq) returns the
 * sequence (>= 0), or -UMBRA_EINVAL for a seq it never gave out.
 */
#define UMBRA_HC_SHADOW_KICK_ACK 15
#define UMBRA_SHADOW_KICK_VECTOR 0xf0

/*
 * SMP in shadow mode (issue 9; docs/hypercalls.md "25 SMP_START_CPU"). A
 * real-mode trampoline cannot run there (guest-physical memory exists only
 * behind the p2m), so the boot CPU starts another one by hypercall: vCPU
 * a0 (its index = APIC ID, not yet started) enters 64-bit mode at RIP a1
 * with RSP a2, with the caller's control registers, segments, GDT and IDT,
 * and CR3 = the shadow root of asid a3; the stack pages [a4, a2) (at most
 * 16) are shadowed first. Returns 0, -UMBRA_EINVAL (bad vCPU, already
 * started, bad asid or stack), -UMBRA_ENOSYS in tdp mode.
 */
#define UMBRA_HC_SMP_START_CPU 25
/*
 * Where the calling vCPU keeps the top of the kernel stack it runs on: a0 =
 * guest-physical address of a u64 (in memory the guest never frees), a1 =
 * the stack's size in bytes (at most 64 KiB). When another vCPU's hypercall
 * zaps in the address space this vCPU runs, the VMM shadows that stack
 * again before the call returns, so an interrupt pushed onto it never
 * faults. a0 = 0 forgets it. Returns 0, -UMBRA_EINVAL, -UMBRA_ENOSYS in
 * tdp mode.
 */
#define UMBRA_HC_SHADOW_STACK_HINT 26
#define UMBRA_SHADOW_STACK_HINT_MAX (64u << 10)
/*
 * Where the calling vCPU's kick flag is: a0 = guest-physical address of a
 * u64 (8-aligned, in memory the guest never frees). Before each kick of
 * this vCPU the VMM stores 1 there, so a CPU spinning with interrupts off
 * sees the kick with a plain load; its handler stores 0 before KICK_ACK(0).
 * a0 = 0 forgets it. Returns 0, -UMBRA_EINVAL, -UMBRA_ENOSYS in tdp mode.
 */
#define UMBRA_HC_SHADOW_KICK_FLAG 27
/*
 * Exitless shadow calls (--shadow-poll; docs/hypercalls.md "28
 * SHADOW_FAULT_SLOT"). a0 = guest-physical address of the calling vCPU's
 * struct umbra_shadow_fault_slot (128-aligned, in memory the guest never
 * frees; 0 forgets it). A VMM thread polls the slots and answers a fault
 * or a sync posted there as UMBRA_HC_SHADOW_FAULT or _SYNC would, without
 * a VM exit, when it can: a fault only by adding entries, a sync only when
 * no other vCPU must flush, either only when the pins the queue made stale
 * could be refilled by adding entries. Otherwise it answers UMBRA_SHADOW_DECLINED and
 * the guest makes the hypercall. Returns 0, -UMBRA_EINVAL, -UMBRA_EFAULT
 * (the slot's frame not present and writable: touch it and try again),
 * -UMBRA_ENOSYS (tdp mode, or no poll thread: --shadow-poll 0, or no host
 * CPU for it).
 */
#define UMBRA_HC_SHADOW_FAULT_SLOT 28

/*
 * Read one of the VMM's run counters, for benchmarks (docs/hypercalls.md
 * "14 STATS"): a0 = UMBRA_STAT_*. Returns the counter (>= 0, counted since
 * the VM started), -UMBRA_ENOENT for one this run does not have (the
 * shadow counters in tdp mode), -UMBRA_EINVAL for an unknown index. The
 * call itself is a VM exit and a hypercall, counted before it is read.
 */
#define UMBRA_HC_STATS 14
#define UMBRA_STAT_EXITS          0  /* VM exits the VMM saw (KVM_RUN returns) */
#define UMBRA_STAT_EXITS_IO       1
#define UMBRA_STAT_EXITS_HLT      2
#define UMBRA_STAT_EXITS_MMIO     3
#define UMBRA_STAT_HYPERCALLS     4  /* all numbers */
/* KVM's own counters of the calling vCPU (its binary stats; -UMBRA_ENOENT
 * where the kernel has none): every exit, in-kernel ones included; page
 * faults KVM's MMU handled (nested-paging violations, or with KVM's own
 * shadow paging the guest's #PFs it intercepted); #PFs it injected. */
#define UMBRA_STAT_KVM_EXITS      5
#define UMBRA_STAT_KVM_PF_TAKEN   6
#define UMBRA_STAT_KVM_PF_GUEST   7
/* Guest frames --dedup merged so far (in tdp mode the sum of the host
 * KSM's increases, sampled at each read); -UMBRA_ENOENT without --dedup. */
#define UMBRA_STAT_DEDUP_MERGES   8
#define UMBRA_STAT_SHADOW_FAULTS_HANDLED   16
#define UMBRA_STAT_SHADOW_FAULTS_REFLECTED 17
#define UMBRA_STAT_SHADOW_FILLS            18 /* leaf entries filled by faults */
#define UMBRA_STAT_SHADOW_FILLS_2M         19
#define UMBRA_STAT_SHADOW_PREFETCHED       20
#define UMBRA_STAT_SHADOW_PREFETCH_USED    21
#define UMBRA_STAT_SHADOW_ZAPS             22
#define UMBRA_STAT_SHADOW_WRPROTECTS       23
#define UMBRA_STAT_SHADOW_PAGES            24 /* shadow pages in use now */
#define UMBRA_STAT_SHADOW_PAGES_CREATED    25
#define UMBRA_STAT_SHADOW_INVALIDATIONS    26
#define UMBRA_STAT_SHADOW_ROOT_SWITCHES    27
#define UMBRA_STAT_SHADOW_SLOT_FAULTS      28 /* faults answered from a fault slot */
/* + n: hypercalls of number n (n < UMBRA_STAT_HC_NUMBERS), in both modes. */
#define UMBRA_STAT_HC_BASE    64
#define UMBRA_STAT_HC_NUMBERS 32
#define UMBRA_STAT_MAX        (UMBRA_STAT_HC_BASE + UMBRA_STAT_HC_NUMBERS)

/*
 * Read counters 0 .. a1 - 1 at once (docs/hypercalls.md "29 STATS_ALL"):
 * a0 = guest-physical address of an array of a1 int64 (8-aligned, within
 * one page; a1 <= UMBRA_STAT_MAX). Entry i gets what UMBRA_HC_STATS(i)
 * would return (a counter, -UMBRA_ENOENT, or -UMBRA_EINVAL for an index
 * with no counter), all read after this call is counted. Returns a1, or
 * with nothing written -UMBRA_EINVAL (bad array) or -UMBRA_EFAULT (shadow
 * mode: the array's frame is not present and writable; write it first).
 * One VM exit for a snapshot, where UMBRA_HC_STATS takes one per counter.
 */
#define UMBRA_HC_STATS_ALL 29

/*
 * Balloon (docs/host-memory.md), both paging modes: a0 = UMBRA_BALLOON_*,
 * a1 = guest-physical address of an array of a2 guest frame numbers (u64,
 * at most UMBRA_BALLOON_MAX, all in one page). INFLATE: the guest no longer
 * uses these frames; the VMM returns their host memory, and a later touch
 * sees a zeroed frame. DEFLATE: the guest uses them again (nothing to do but
 * count: they are backed on touch). Returns the frames accepted, or
 * -UMBRA_EINVAL.
 */
#define UMBRA_HC_BALLOON 12
#define UMBRA_BALLOON_INFLATE 1
#define UMBRA_BALLOON_DEFLATE 2
/* TARGET: the size the host wants the balloon to have, in pages (>= 0), or
 * -UMBRA_ENOENT while it has set none (a1, a2 ignored). The host raises
 * interrupt UMBRA_BALLOON_VECTOR when it sets one (the control socket's
 * "balloon"); the guest asks then, and moves its balloon there. */
#define UMBRA_BALLOON_TARGET 3
#define UMBRA_BALLOON_VECTOR 0xf1
#define UMBRA_BALLOON_MAX 512

/* Results of UMBRA_HC_SHADOW_FAULT (bits 7:0; bits 47:32 = error code). */
#define UMBRA_SHADOW_HANDLED 0
#define UMBRA_SHADOW_REFLECT 1
#define UMBRA_SHADOW_RESULT_EC_SHIFT 32
/* Only in a fault slot's result: the poll thread did not handle it (it
 * would have had to evict, change the p2m, replace an entry, or kick
 * another vCPU): make the hypercall. */
#define UMBRA_SHADOW_DECLINED 2
/* Only in a fault slot's result, instead of UMBRA_SHADOW_FLUSH: what the
 * guest may cache stale is only in the slot's flush ranges (the queue's
 * operations this answer applied): INVLPG those pages instead of a whole
 * flush. At most UMBRA_SHADOW_SLOT_FLUSH_PAGES pages in all. */
#define UMBRA_SHADOW_FLUSH_RANGES (1ULL << 61)
#define UMBRA_SHADOW_SLOT_FLUSH_RANGES 4
#define UMBRA_SHADOW_SLOT_FLUSH_PAGES 64

/*
 * One vCPU's slot (UMBRA_HC_SHADOW_FAULT_SLOT). Posting, like a seqlock
 * writer: the guest makes seq odd, writes op and its arguments, then makes
 * seq even again (seq + 2: a new request; done is seq - 2 then). The VMM's
 * poll thread reads a request only between two equal even values of seq,
 * claims it by moving done from seq - 2 to seq - 1 (compare-and-exchange),
 * writes result, then done = seq. A guest that gives up waiting moves done
 * from seq - 2 to seq itself: if that fails the answer is being made, and
 * it waits for done = seq. So a request is answered at most once, and
 * never after the guest moved on (an answer may carry
 * UMBRA_SHADOW_FLUSH). While the thread sleeps (nothing posted for a
 * while) the VMM sets idle: the guest then makes the hypercall instead,
 * which wakes it. Any shadow hypercall of the vCPU also ends a request not
 * claimed yet.
 */
struct umbra_shadow_fault_slot {
	unsigned int seq;         /* written by the guest */
	unsigned int done;        /* written by the VMM */
	unsigned int op;          /* UMBRA_SHADOW_SLOT_* */
	unsigned int error_code;  /* FAULT: as UMBRA_HC_SHADOW_FAULT a0..a3 */
	unsigned long long addr;
	unsigned int asid;
	unsigned int flags;       /* UMBRA_SHADOW_FAULT_* */
	long long result;         /* as the hypercall's, or _DECLINED */
	unsigned int idle;        /* written by the VMM */
	/* With UMBRA_SHADOW_FAULT_STREAM: the guest stores the request's seq
	 * here once it has written the entries (written by the guest). */
	unsigned int stream_end;
	/* With UMBRA_SHADOW_FLUSH_RANGES in result: the pages to INVLPG
	 * (ranges with pages == 0 are unused). */
	struct {
		unsigned long long start;
		unsigned long long pages;
	} flush[UMBRA_SHADOW_SLOT_FLUSH_RANGES];
	unsigned long long pad[2];
};
_Static_assert(sizeof(struct umbra_shadow_fault_slot) == 128,
	       "a fault slot is 128 bytes, its alignment");
#define UMBRA_SHADOW_SLOT_FAULT 0 /* UMBRA_HC_SHADOW_FAULT */
#define UMBRA_SHADOW_SLOT_SYNC  1 /* UMBRA_HC_SHADOW_SYNC */

/* UMBRA_HC_SHADOW_FAULT flags: the faulting context's EFLAGS.AC (SMAP), and
 * an implicit supervisor access (GDT/IDT/TSS read by the CPU). */
#define UMBRA_SHADOW_FAULT_AC       (1u << 0)
#define UMBRA_SHADOW_FAULT_IMPLICIT (1u << 1)
/* Only in a fault slot, for a user read: posted before the guest writes
 * the entry of addr and its neighbours (a file fault's fault-around). The
 * VMM fills each of the aligned window's entries as it appears, until the
 * guest stores the request's seq in stream_end (or a short time passes);
 * an entry it did not see is left to its own fault. */
#define UMBRA_SHADOW_FAULT_STREAM   (1u << 2)

/* asid meaning "every address space" (kernel mappings are shared). */
#define UMBRA_SHADOW_ASID_ALL 0xffffffffu

/* Event kinds of an invalidation (after Linux's enum mmu_notifier_event):
 * what the guest did to its entries in the range. */
#define UMBRA_SHADOW_EV_UNMAP       1 /* entries cleared; page tables may be freed */
#define UMBRA_SHADOW_EV_CLEAR       2 /* entries repointed (migration, remap) */
#define UMBRA_SHADOW_EV_PROTECTION  3 /* rights reduced (mprotect: W, U or X) */
#define UMBRA_SHADOW_EV_WRPROTECT   4 /* only write access removed, or D
				       * cleared (fork COW, mkclean) */
#define UMBRA_SHADOW_EV_CLEAR_YOUNG 5 /* A cleared (page aging) */
#define UMBRA_SHADOW_EV_RELEASE     6 /* queued form of AS_RELEASE (range ignored) */
#define UMBRA_SHADOW_EV_MAX         6

/*
 * The batch queue: one guest page, the guest produces and the VMM consumes
 * (lguest's async hypercall ring). Indices run freely (mod 2^32); entry i
 * is ops[i % UMBRA_SHADOW_RING_SIZE]. The guest fills ops[head], then
 * increments head; the VMM applies ops[tail..head) and sets tail = head,
 * before it handles any synchronous shadow hypercall. A full ring
 * (head - tail == size) means: make UMBRA_HC_SHADOW_SYNC, then queue.
 * Queued operations take effect only then: the guest must sync before it
 * reuses a frame or page table whose translation it queued for removal
 * (where Linux flushes the TLB: tlb_finish_mmu()).
 */
#define UMBRA_SHADOW_RING_SIZE 128

struct umbra_shadow_op {
	unsigned long long start; /* as UMBRA_HC_SHADOW_INVALIDATE a1, a2 */
	unsigned long long end;
	unsigned int asid;
	unsigned int event;       /* UMBRA_SHADOW_EV_* */
};

struct umbra_shadow_ring {
	unsigned int head;        /* written by the guest */
	unsigned int tail;        /* written by the VMM */
	unsigned int size;        /* UMBRA_SHADOW_RING_SIZE, set by the guest */
	unsigned int pad;
	struct umbra_shadow_op ops[UMBRA_SHADOW_RING_SIZE];
};

/* Kinds for UMBRA_HC_REPORT. */
/* Nanoseconds from kernel entry to the first user instruction of init,
 * measured by the guest with its TSC. */
#define UMBRA_REPORT_BOOT_NS 1

/* Error values returned by hypercalls (negated), equal to Linux errno. */
#define UMBRA_EPERM 1
#define UMBRA_ENOENT 2
#define UMBRA_ENOMEM 12
#define UMBRA_EFAULT 14
#define UMBRA_EBUSY 16
#define UMBRA_EINVAL 22
#define UMBRA_ENOSYS 38

/*
 * Exit statuses of the `umbra` command. 0..255 is normally the guest's own
 * exit status (UMBRA_HC_EXIT). When the VMM itself fails it prints a one-line
 * error on stderr and exits with one of these; a guest may of course exit
 * with the same numbers, so the stderr line is what tells them apart.
 */
#define UMBRA_EXIT_USAGE 120       /* bad command line */
#define UMBRA_EXIT_BAD_IMAGE 121   /* kernel/initrd missing or malformed */
#define UMBRA_EXIT_NO_KVM 122      /* KVM absent or lacking a capability */
#define UMBRA_EXIT_NESTED 123      /* nested (QEMU) setup or run failed */
#define UMBRA_EXIT_GUEST_FAULT 124 /* guest stopped: panic, triple fault, ... */
#define UMBRA_EXIT_INTERNAL 125    /* VMM internal or host error */

#endif
