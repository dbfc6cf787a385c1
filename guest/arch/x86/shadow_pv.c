// SPDX-License-Identifier: MIT
/*
 * Shadow paging, the guest's part (docs/hypercalls.md "Shadow paging").
 * The VMM's shadow tables are a secondary MMU of each mm: an mm gets an
 * address space (asid) at its first CR3 load, its notifier chain turns
 * every invalidate_range_end into one operation with the event kind, and
 * its release into a RELEASE operation, both put in the batch queue (the
 * VMM applies the queue before any other shadow hypercall). The #PF
 * handler asks the VMM first and handles the fault itself only when the
 * VMM reflects it. The TLB is flushed when the VMM's result asks for it.
 *
 * When a queued operation must be applied (docs/hypercalls.md, "The queue
 * rule"): before the vCPU returns to user mode (exit_to_user_mode calls
 * shadow_exit_to_user, which syncs when the queue is not empty or this
 * CPU queued since its last shadow hypercall or switch) — only
 * user mode can reach a stale shadow entry of a user address, since the
 * kernel reaches user memory through its own tables and the direct map
 * (mm/uaccess.c), and the queue only carries user ranges. Everything else
 * (switching address spaces, faults, creating one) is a hypercall and
 * applies the queue first. So a frame or page table the operation freed
 * may be reused at once.
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
#include "pgtable.h"
#include "pmm.h"
#include "printk.h"
#include "percpu.h"
#include "sched.h"
#include "shadow_pv.h"
#include "smp.h"
#include "string.h"
#include "traps.h"
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
/* Per CPU: the table root its CR3 holds the shadow of, that address
 * space, and whether it is touching its stacks (touch_settled). The
 * rest is shared, and changed only under the big kernel lock. */
struct shadow_cpu {
	uint64_t pgd;
	uint32_t asid;
	struct shadow_space *space; /* of pgd, for the #PF path */
	bool touching;
	/* Visits to the VMM (hypercalls, host changes): any may have zapped
	 * or evicted (touch_settled). Volatile: the #PF path in the middle
	 * of a touch bumps it behind the compiler's back. */
	volatile unsigned long vmm_visits;
	/* UMBRA_HC_SHADOW_KICK_FLAG: the VMM stores 1 before it kicks this
	 * CPU, shadow_kick stores 0. */
	uint64_t kick_flag;
	/* This CPU queued operations since its last shadow hypercall or
	 * address-space switch: another CPU's hypercall may have applied
	 * them (shadow_exit_to_user). */
	bool queued;
	/* Its fault slot is registered (the VMM runs a poll thread), and a
	 * request is in it now (a fault taken meanwhile makes the call). */
	bool slot_on, slot_busy;
	unsigned int slot_skip; /* calls left that skip the slot (a timeout) */
	unsigned int slot_backoff; /* calls the next timeout skips: 0, 1, 2, 4 ... */
	/* The request in the slot (slot_begin): its seq, when it was posted,
	 * whether the thread was asleep then (give up at once), and what it
	 * asks, for the message when no answer comes. */
	unsigned int slot_seq, slot_op;
	uint64_t slot_start, slot_addr;
	bool slot_give_up;
	/* shadow_prefill_early posted a fill (shadow_prefill waits for its
	 * answer), or a kernel fault meanwhile already took that answer. */
	bool prefill_posted, prefill_answered;
	/* The posted fill streams (shadow_prefill_stream_begin): the VMM
	 * fills entries as this CPU writes them, until stream_end; and
	 * whether its answer was "handled". */
	bool stream_open, prefill_stream, prefill_handled;
	/* The last first-chance fault the slot answered "handled", and how
	 * many times in a row (SLOT_REPEAT_LIMIT); said once. */
	uint64_t slot_last_addr;
	unsigned long slot_last_ec;
	unsigned int slot_repeats;
	bool slot_repeat_said;
};
static struct shadow_cpu shadow_cpus[NR_CPUS];
/* The batch queue (UMBRA_HC_SHADOW_QUEUE), in the pinned image: one for
 * all CPUs, filled under the big kernel lock; any CPU's shadow hypercall
 * applies it. */
static struct umbra_shadow_ring ring __attribute__((aligned(PAGE_SIZE)));
/* The fault slots (UMBRA_HC_SHADOW_FAULT_SLOT), in the pinned image: the
 * #PF path posts a first-chance fault there and spins until the VMM's
 * poll thread answers, instead of a VM exit. */
static struct umbra_shadow_fault_slot fault_slots[NR_CPUS]
	__attribute__((aligned(sizeof(struct umbra_shadow_fault_slot))));

static struct shadow_cpu *scpu(void)
{
	return &shadow_cpus[this_cpu()->cpu];
}

static long shadow_hc5(unsigned long nr, unsigned long a0, unsigned long a1,
		       unsigned long a2, unsigned long a3, unsigned long a4)
{
	register unsigned long r10 __asm__("r10") = a2;
	register unsigned long r8 __asm__("r8") = a3;
	register unsigned long r9 __asm__("r9") = a4;
	long ret;
	/* The poll thread may be waiting for a stream under the shadow
	 * lock the call needs. */
	shadow_prefill_stream_end();
	scpu()->vmm_visits++;
	__asm__ volatile("outl %%eax, %%dx"
			 : "=a"(ret)
			 : "a"(nr), "d"(UMBRA_HC_PORT), "D"(a0), "S"(a1), "r"(r10), "r"(r8),
			   "r"(r9)
			 : "memory");
	return ret;
}

static long shadow_hc(unsigned long nr, unsigned long a0, unsigned long a1,
		      unsigned long a2, unsigned long a3)
{
	return shadow_hc5(nr, a0, a1, a2, a3, 0);
}

/* The TLB flush a zap in the VMM needs (shadow entries are never global). */
static void flush_tlb_local(void)
{
	native_write_cr3(read_cr3());
}

/*
 * A kick (docs/hypercalls.md "15 SHADOW_KICK_ACK"): another VMM thread
 * zapped entries this CPU may cache and waits until it has flushed. The
 * sequence is read before the flush, so the acknowledgment never covers a
 * kick sent after it (that one is delivered again: the EOI came first).
 * Nothing here is global: the VMM keeps the sequence per vCPU, so every
 * CPU runs this on its own.
 */
void shadow_kick(void)
{
	/* Cleared first: a kick after the clear sets it again, one before
	 * is covered by the sequence read next. */
	__atomic_store_n(&scpu()->kick_flag, 0, __ATOMIC_RELAXED);
	long seq = shadow_hc(UMBRA_HC_SHADOW_KICK_ACK, 0, 0, 0, 0);
	flush_tlb_local();
	if (seq > 0)
		shadow_hc(UMBRA_HC_SHADOW_KICK_ACK, (unsigned long)seq, 0, 0, 0);
}

/* Passes before touch_settled gives up (each meets a fault at most per
 * page it touches). */
#define TOUCH_PASSES 64

/* Writes each page of the kernel stack below top, keeping its bytes
 * (interrupts are off in the kernel), so each is shadowed writable; 0: no
 * stack. */
static void touch_stack_pages(uint64_t top)
{
	if (!top)
		return;
	for (uint64_t a = top - KSTACK_PAGES * PAGE_SIZE; a < top; a += PAGE_SIZE) {
		volatile uint64_t *p = (volatile uint64_t *)a;
		*p = *p;
	}
}

/* The top of the kernel stack this code runs on, or 0 for a stack in the
 * image (boot, IST: pinned, always shadowed). A kernel stack is a buddy
 * block of KSTACK_PAGES in the direct map, so aligned to its size. */
static uint64_t own_stack_top(void)
{
	uint64_t rsp = (uint64_t)__builtin_frame_address(0);
	if (rsp < page_offset_base || rsp >= page_offset_base + (max_pfn << PAGE_SHIFT))
		return 0;
	return (rsp | (KSTACK_PAGES * PAGE_SIZE - 1)) + 1;
}

/*
 * Touches the stacks below top1 and top2 and the u64 at slot (each may be
 * 0/NULL) until one pass goes without a visit to the VMM: a fault on one
 * page makes a fill, which may evict the shadow page of one touched before
 * (a full budget, a failed allocation). Then all of them are shadowed at
 * once, and stay so until this CPU next visits the VMM.
 *
 * Why every page: host memory may have taken any of them (reclaim, a
 * migration, a 2M entry zapped for a neighbour), the kernel may run deeper
 * than it ever was before it next asks the VMM, and the CPU cannot push a
 * fault frame onto a missing page (a double fault).
 */
static void touch_settled(uint64_t top1, uint64_t top2, uint64_t *slot)
{
	/* A touch that faults makes a hypercall, which touches its own stack
	 * again: not from in here (with a tiny shadow budget each fill may
	 * evict the page touched before, and the recursion would overflow
	 * the stack). */
	struct shadow_cpu *c = scpu();
	if (c->touching)
		return;
	c->touching = true;
	for (unsigned pass = 0;; pass++) {
		unsigned long visits = c->vmm_visits;
		touch_stack_pages(top1);
		touch_stack_pages(top2);
		if (slot)
			*(volatile uint64_t *)slot = *(volatile uint64_t *)slot;
		/* The touches' faults happen here, as far as the compiler
		 * knows: without this it read the count once (one pass). */
		__asm__ volatile("" ::: "memory");
		if (c->vmm_visits == visits)
			break;
		if (pass == TOUCH_PASSES)
			panic("shadow paging: kernel stacks below %#llx and %#llx lost a page "
			      "in each of %u passes: the shadow budget cannot hold them",
			      (unsigned long long)top1, (unsigned long long)top2, TOUCH_PASSES);
	}
	c->touching = false;
}

/*
 * Before __switch_to_asm: what it touches until it runs on next's stack
 * is shadowed at once — the stack it runs on (its pushes), prev's saved
 * RSP slot, and next's whole stack (its pops). A fault on any of them in
 * between could evict the shadow page of next's stack: the pops then
 * fault, and the fault frame cannot be pushed (a double fault).
 */
void shadow_prepare_switch(uint64_t *prev_rsp, uint64_t next_top)
{
	touch_settled(own_stack_top(), next_top, prev_rsp);
}

/* After the VMM ran: it may have taken pages of this stack besides the two
 * it shadows again under rsp (docs/host-memory.md). Only once the TLB
 * holds nothing stale, and in the address space the CPU runs. */
static void touch_own_stack(void)
{
	uint64_t top = own_stack_top();
	if (!top)
		return;
	/* A fault the touch takes must not change the CR2 the #PF handler
	 * that made the hypercall reads next. */
	uint64_t cr2 = read_cr2();
	touch_settled(top, 0, NULL);
	write_cr2(cr2);
}

/* A shadow hypercall: flushes the TLB when the VMM asks
 * (UMBRA_SHADOW_FLUSH), or on an error (the call may have applied queued
 * zaps first), then touches the kernel stack; returns the result without
 * the flag. */
static long shadow_call(unsigned long nr, unsigned long a0, unsigned long a1,
			unsigned long a2, unsigned long a3)
{
	long r = shadow_hc(nr, a0, a1, a2, a3);
	if (r < 0 || (r & UMBRA_SHADOW_FLUSH))
		flush_tlb_local();
	/* The call applied the whole queue first, and its result carried
	 * the flush that needed (shadow_exit_to_user). */
	scpu()->queued = false;
	touch_own_stack();
	return r < 0 ? r : (long)((unsigned long)r & ~UMBRA_SHADOW_FLUSH);
}

void shadow_after_host_change(void)
{
	scpu()->vmm_visits++;
	flush_tlb_local();
	touch_own_stack();
}

static bool slot_call(unsigned int op, uint64_t addr, unsigned long ec, unsigned long flags,
		      long *result);

/* Applies the queue now (UMBRA_HC_SHADOW_SYNC), through the slot when the
 * poll thread can. */
static void shadow_sync(void)
{
	long r;
	if (slot_call(UMBRA_SHADOW_SLOT_SYNC, 0, 0, 0, &r))
		return;
	r = shadow_call(UMBRA_HC_SHADOW_SYNC, 0, 0, 0, 0);
	if (r < 0)
		panic("shadow paging: SYNC: %ld", r);
}

static bool queue_empty(void)
{
	return ring.head == __atomic_load_n(&ring.tail, __ATOMIC_ACQUIRE);
}

/* Queues one operation (UMBRA_HC_SHADOW_INVALIDATE's arguments); a full
 * ring is applied first. */
static void shadow_queue(uint32_t asid, uint64_t start, uint64_t end, uint32_t event)
{
	scpu()->slot_repeats = 0; /* the guest changed a mapping: progress */
	if (ring.head - __atomic_load_n(&ring.tail, __ATOMIC_ACQUIRE) >= UMBRA_SHADOW_RING_SIZE)
		shadow_sync();
	struct umbra_shadow_op *op = &ring.ops[ring.head % UMBRA_SHADOW_RING_SIZE];
	op->start = start;
	op->end = end;
	op->asid = asid;
	op->event = event;
	/* The VMM reads the op only once it sees the new head. */
	__atomic_store_n(&ring.head, ring.head + 1, __ATOMIC_RELEASE);
	scpu()->queued = true;
}

/*
 * Not only when the queue holds something: another CPU's hypercall (a
 * kernel-mode fault, which takes no lock) or a VMM thread may have
 * applied this CPU's operations. Where this CPU's own invalidation
 * covered less than the shadow cached (one invlpg for a 2M guest page
 * shadowed with 4K entries), only the kick, which can arrive after this
 * CPU is back in user mode, would flush the rest; SYNC's result carries
 * that flush now.
 */
void shadow_exit_to_user(void)
{
	if (!queue_empty() || scpu()->queued)
		shadow_sync();
}

uint32_t shadow_pv_asid(void)
{
	return scpu()->asid;
}

uint64_t shadow_pv_ring(void)
{
	return virt_to_phys(&ring);
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
	struct shadow_cpu *c = scpu();
	if (pgd == c->pgd) {
		flush_tlb_local();
		return;
	}
	struct shadow_space *s = space_of(pgd);
	if (!s)
		s = space_new(pgd, NULL);
	if (!s->asid) {
		long asid = shadow_call(UMBRA_HC_SHADOW_AS_CREATE, pgd, 0, 0, 0);
		if (asid <= 0)
			panic("shadow paging: AS_CREATE %#lx: %ld", pgd, asid);
		s->asid = (uint32_t)asid;
	}
	long cr3 = shadow_hc(UMBRA_HC_SHADOW_AS_ACTIVATE, s->asid, 0, 0, 0);
	if (cr3 < 0)
		panic("shadow paging: AS_ACTIVATE %#x: %ld", s->asid, cr3);
	c->pgd = pgd;
	c->asid = s->asid;
	c->space = s;
	/* Loading CR3 is the flush any zap of this call needs; the call
	 * applied the whole queue first. */
	native_write_cr3((uint64_t)cr3 & ~UMBRA_SHADOW_FLUSH);
	c->queued = false;
	touch_own_stack();
}

/*
 * Whether the guest's own tables refuse the access to a user address of
 * the address space the vCPU runs: no present entry, or a write to a
 * read-only page (copy-on-write). Then the fault is certainly the
 * guest's: the VMM's walk would only reflect it, so the hypercall is
 * skipped and *ec becomes the error code that walk gives. Reading the
 * tables may fault on the direct map: that nested fault is a kernel
 * address, which goes to the VMM (and overwrites CR2: the caller puts it
 * back).
 */
static bool guest_refuses(uint64_t addr, unsigned long *ec)
{
	if (addr >= TASK_SIZE)
		return false;
	struct shadow_space *s = scpu()->space;
	if (!s || !s->mm)
		return false;
	uint64_t *pte = lookup_pte(s->mm, addr);
	if (!pte || !(*pte & _PAGE_PRESENT)) {
		*ec &= ~(unsigned long)X86_PF_PROT;
		return true;
	}
	/* Upper user levels are always writable: the leaf decides. */
	if ((*ec & X86_PF_WRITE) && !(*pte & _PAGE_RW)) {
		*ec |= X86_PF_PROT;
		return true;
	}
	return false;
}

/* How long a posted request waits for the poll thread to take it before
 * the guest ends it and makes the hypercall: about an exit's cost in the
 * nested setup, so a thread that lost its CPU costs at most twice. */
#define SLOT_WAIT_CYCLES 1000000
/* Calls that go straight to the VMM after a wait ran out: none after the
 * first timeout, 1 after the second without an answer between, then twice
 * as many after each further one, up to this. A fixed 64 made one rare
 * timeout cost 64 exits (about 15M cycles nested) where the thread was back
 * a call later. Most timeouts are one step of the thread's doze that ran
 * long (L1's timer, nested), which the hypercall ends: the next call finds
 * the thread spinning, and a skip there cost a second exit for nothing. */
#define SLOT_SKIP_MAX 64
/* A request the VMM took is answered within microseconds; one not
 * answered in about ten seconds will not be: stop with a message rather
 * than spin on. */
#define SLOT_CLAIMED_CYCLES (1ull << 35)
/* The same first-chance fault answered "handled" this many times in a row
 * made no progress: that fault goes to the hypercall (which may zap and
 * flush) instead, and the console says so once. */
#define SLOT_REPEAT_LIMIT 100000

/* Posts op in this CPU's slot as a seqlock writer (seq odd while the
 * fields change, so the poll thread never reads half a request); returns
 * the request's seq. */
static unsigned int slot_post(struct umbra_shadow_fault_slot *s, unsigned int op,
			      uint64_t addr, unsigned long ec, unsigned long flags,
			      uint32_t asid)
{
	unsigned int seq = s->seq;
	__atomic_store_n(&s->seq, seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	s->op = op;
	s->addr = addr;
	s->error_code = (unsigned int)ec;
	s->flags = (unsigned int)flags;
	s->asid = asid;
	/* The request, then idle (the poll thread: idle, then requests). */
	__atomic_store_n(&s->seq, seq + 2, __ATOMIC_SEQ_CST);
	return seq + 2;
}

/*
 * A shadow call through the slot, in two halves: slot_begin posts the
 * request (false when the caller must make the hypercall instead: the
 * slot is off, busy with another request, idle because the thread
 * sleeps, or skipped after a timeout), and slot_end waits for the answer.
 * Between the two the CPU may do other work (shadow_prefill_early); a
 * fault taken meanwhile finds the slot busy and makes the hypercall.
 */
static bool slot_begin(unsigned int op, uint64_t addr, unsigned long ec, unsigned long flags)
{
	struct shadow_cpu *c = scpu();
	struct umbra_shadow_fault_slot *s = &fault_slots[this_cpu()->cpu];
	if (!c->slot_on || c->slot_busy || __atomic_load_n(&s->idle, __ATOMIC_RELAXED))
		return false;
	if (c->slot_skip) {
		c->slot_skip--;
		return false;
	}
	c->slot_busy = true;
	c->slot_op = op;
	c->slot_addr = addr;
	c->slot_seq = slot_post(s, op, addr, ec, flags, c->asid);
	c->slot_give_up = __atomic_load_n(&s->idle, __ATOMIC_SEQ_CST);
	c->slot_start = rdtsc();
	return true;
}

/*
 * The answer to the request slot_begin posted: true with *result (without
 * UMBRA_SHADOW_FLUSH: the flush is done here) when the poll thread
 * answered; false when the caller must make the hypercall: the thread
 * declined or did not take the request in time. Giving up is a
 * compare-and-exchange on done; when it fails, the thread has claimed the
 * request and its answer comes. Interrupts are off: a kick is answered
 * from the loop, as in every loop that spins so.
 */
static bool slot_end(long *result)
{
	struct shadow_cpu *c = scpu();
	struct umbra_shadow_fault_slot *s = &fault_slots[this_cpu()->cpu];
	unsigned int seq = c->slot_seq;
	bool claimed = false;
	for (unsigned int n = 0; __atomic_load_n(&s->done, __ATOMIC_ACQUIRE) != seq; n++) {
		if (!claimed && (c->slot_give_up || rdtsc() - c->slot_start >= SLOT_WAIT_CYCLES)) {
			unsigned int expect = seq - 2;
			if (__atomic_compare_exchange_n(&s->done, &expect, seq, false,
							__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
				/* Not taken in time: the thread dozed, or lost
				 * its CPU; after a second timeout the next calls
				 * go straight to the VMM. */
				if (!c->slot_give_up) {
					c->slot_skip = c->slot_backoff;
					c->slot_backoff = c->slot_backoff ?
						MIN(2 * c->slot_backoff, SLOT_SKIP_MAX) : 1;
				}
				c->slot_busy = false;
				return false;
			}
			claimed = true;
		}
		if (claimed && rdtsc() - c->slot_start >= SLOT_CLAIMED_CYCLES &&
		    __atomic_load_n(&s->done, __ATOMIC_ACQUIRE) != seq)
			panic("shadow: the VMM took fault-slot request %u (op %u, %#llx) and "
			      "gave no answer in %llu cycles", seq, c->slot_op,
			      (unsigned long long)c->slot_addr, SLOT_CLAIMED_CYCLES);
		smp_spin_turn(n);
	}
	c->slot_backoff = 0; /* the thread answers again */
	long r = s->result;
	if (r < 0 || r == UMBRA_SHADOW_DECLINED) {
		c->slot_busy = false;
		return false;
	}
	if (r & UMBRA_SHADOW_FLUSH)
		flush_tlb_local();
	else if (r & UMBRA_SHADOW_FLUSH_RANGES)
		for (unsigned int i = 0; i < UMBRA_SHADOW_SLOT_FLUSH_RANGES; i++)
			for (uint64_t p = 0; p < s->flush[i].pages; p++)
				invlpg(s->flush[i].start + p * PAGE_SIZE);
	/* Only now: a fault in the loop must not post over flush[]. */
	c->slot_busy = false;
	/* Every answer applied the queue first. */
	c->queued = false;
	*result = (long)((unsigned long)r & ~(UMBRA_SHADOW_FLUSH | UMBRA_SHADOW_FLUSH_RANGES));
	return true;
}

static bool slot_call(unsigned int op, uint64_t addr, unsigned long ec, unsigned long flags,
		      long *result)
{
	return slot_begin(op, addr, ec, flags) && slot_end(result);
}

bool shadow_prefill_early_ok(struct mm_struct *mm, uint64_t addr)
{
	struct shadow_cpu *c = scpu();
	/* mm has no other task: that one is in this fault, and the big
	 * kernel lock keeps every other kernel path away from the page. A
	 * skip after a timeout is left to shadow_prefill to count. */
	return shadow_paging && c->slot_on && !c->slot_skip && !c->prefill_posted &&
	       c->space && c->space->mm == mm && addr < TASK_SIZE &&
	       __atomic_load_n(&mm->mm_users, __ATOMIC_RELAXED) == 1;
}

/* Posts the fill of addr that shadow_prefill waits for after the fault.
 * Not posted (the slot is busy or idle): shadow_prefill tries again. */
static bool prefill_post(uint64_t addr, unsigned long ec, unsigned long flags)
{
	struct shadow_cpu *c = scpu();
	c->slot_repeats = 0; /* the guest's mm handles a fault: progress */
	c->prefill_answered = false;
	c->prefill_posted = slot_begin(UMBRA_SHADOW_SLOT_FAULT, addr, ec, flags);
	return c->prefill_posted;
}

bool shadow_prefill_early(uint64_t addr)
{
	/* The user write that brings a new anonymous page. */
	return prefill_post(addr, X86_PF_WRITE | X86_PF_USER, 0);
}

bool shadow_prefill_stream_begin(struct mm_struct *mm, uint64_t addr, bool instr)
{
	struct shadow_cpu *c = scpu();
	if (!shadow_prefill_early_ok(mm, addr))
		return false;
	c->stream_open = c->prefill_stream =
		prefill_post(addr, X86_PF_USER | (instr ? X86_PF_INSTR : 0),
			     UMBRA_SHADOW_FAULT_STREAM);
	return c->prefill_posted;
}

void shadow_prefill_stream_end(void)
{
	struct shadow_cpu *c = scpu();
	if (!c->stream_open)
		return;
	c->stream_open = false;
	/* After the entries: the VMM reads them once more after it sees
	 * this. */
	__atomic_store_n(&fault_slots[this_cpu()->cpu].stream_end, c->slot_seq,
			 __ATOMIC_RELEASE);
}

/* A kernel fault while the early fill is posted (the clear or copy
 * touched a page the shadow lacks): that answer is taken first, with its
 * flush, so the fault can use the slot and no hypercall comes between an
 * answer and the flush it asks for. A stream ends first: the VMM may be
 * waiting for it. */
static void prefill_early_answer(void)
{
	struct shadow_cpu *c = scpu();
	long r;
	shadow_prefill_stream_end();
	if (!c->prefill_posted)
		return;
	c->prefill_posted = false;
	c->prefill_answered = true;
	c->prefill_handled = slot_end(&r) && r == UMBRA_SHADOW_HANDLED;
}

void shadow_prefill(uint64_t addr, unsigned long error_code)
{
	struct shadow_cpu *c = scpu();
	long r;
	if (c->prefill_posted || c->prefill_answered) {
		/* Posted by shadow_prefill_early: only the answer is left. */
		bool stream = c->prefill_stream;
		prefill_early_answer();
		c->prefill_answered = c->prefill_stream = false;
		/* A stream that filled nothing (fault-around did not map
		 * addr: its page came after, through ->fault; or the answer
		 * was declined) is followed by the usual fill. */
		if (!stream || c->prefill_handled)
			return;
	}
	c->slot_repeats = 0; /* the guest's mm handled a fault: progress */
	unsigned long ec = error_code & (X86_PF_WRITE | X86_PF_USER | X86_PF_INSTR);
	unsigned long refused = ec;
	/* A declined fill is left to the refault. */
	if (c->slot_on && !guest_refuses(addr, &refused))
		slot_call(UMBRA_SHADOW_SLOT_FAULT, addr, ec, 0, &r);
}

/* True when this first-chance fault is the one the slot answered
 * SLOT_REPEAT_LIMIT times in a row: make the hypercall this time. Counts
 * it otherwise (a fault at another address starts again). */
static bool slot_repeated(uint64_t addr, unsigned long ec)
{
	struct shadow_cpu *c = scpu();
	if (!c->slot_on)
		return false;
	if (addr != c->slot_last_addr || ec != c->slot_last_ec) {
		c->slot_last_addr = addr;
		c->slot_last_ec = ec;
		c->slot_repeats = 0;
		return false;
	}
	if (++c->slot_repeats < SLOT_REPEAT_LIMIT)
		return false;
	if (!c->slot_repeat_said)
		pr_warn("shadow: CPU %u: the fault at %#llx (error code %#lx) came back "
		       "%u times after the fault slot's answer; the hypercall takes it\n",
		       this_cpu()->cpu, (unsigned long long)addr, ec, SLOT_REPEAT_LIMIT);
	c->slot_repeat_said = true;
	c->slot_repeats = 0;
	return true;
}

bool shadow_first_chance(struct pt_regs *regs)
{
	uint64_t addr = read_cr2();
	prefill_early_answer();
	if (guest_refuses(addr, &regs->error_code)) {
		/* A fault taken while reading the tables changed CR2, which
		 * the guest's handler reads next. */
		write_cr2(addr);
		return false;
	}
	unsigned long flags = (regs->rflags & (1UL << 18)) ? UMBRA_SHADOW_FAULT_AC : 0;
	unsigned long ec = regs->error_code & 0xffff;
	long r;
	bool by_slot = !slot_repeated(addr, ec) &&
		       slot_call(UMBRA_SHADOW_SLOT_FAULT, addr, ec, flags, &r);
	if (!by_slot)
		r = shadow_call(UMBRA_HC_SHADOW_FAULT, addr, ec, scpu()->asid, flags);
	/* Only the slot answering "handled" again and again is no progress. */
	if (!by_slot || r != UMBRA_SHADOW_HANDLED)
		scpu()->slot_repeats = 0;
	if (r == UMBRA_SHADOW_HANDLED)
		return true;
	if (r > 0 && (r & 0xff) == UMBRA_SHADOW_REFLECT)
		regs->error_code = ((unsigned long)r >> UMBRA_SHADOW_RESULT_EC_SHIFT) & 0xffff;
	return false;
}

static const uint32_t shadow_event[] = {
	[MMU_NOTIFY_UNMAP] = UMBRA_SHADOW_EV_UNMAP,
	[MMU_NOTIFY_CLEAR] = UMBRA_SHADOW_EV_CLEAR,
	[MMU_NOTIFY_PROTECTION_VMA] = UMBRA_SHADOW_EV_PROTECTION,
	[MMU_NOTIFY_WRPROTECT] = UMBRA_SHADOW_EV_WRPROTECT,
	[MMU_NOTIFY_RELEASE] = UMBRA_SHADOW_EV_RELEASE,
};

static void shadow_invalidate_range_end(struct mmu_notifier *mn,
					const struct mmu_notifier_range *range)
{
	struct shadow_space *s = container_of(mn, struct shadow_space, mn);
	if (!s->asid)
		return; /* never loaded: nothing shadowed */
	BUG_ON((unsigned)range->event >= ARRAY_SIZE(shadow_event) || !shadow_event[range->event]);
	shadow_queue(s->asid, range->start, range->end, shadow_event[range->event]);
	/* The queue rule assumes no other CPU runs this mm in user mode
	 * until the queue is applied. Another CPU still in mm->cpu_mask
	 * after the shootdown (lazy ones left it) runs its task right now,
	 * e.g. a file of its mapping was truncated from here: apply now, and
	 * the VMM has that CPU flush before SYNC returns. */
	if (smp_active && (__atomic_load_n(&range->mm->cpu_mask, __ATOMIC_RELAXED) &
			   ~(1UL << this_cpu()->cpu)))
		shadow_sync();
}

static void shadow_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct shadow_space *s = container_of(mn, struct shadow_space, mn);
	(void)mm;
	/* Applied before the next hypercall: the switch away from this mm
	 * (drop_active_mm) or a new address space on its root. */
	if (s->asid)
		shadow_queue(s->asid, 0, 0, UMBRA_SHADOW_EV_RELEASE);
	/* A released asid is never named again; the root may be reused by
	 * a new mm, which gets a new address space. The CPU's root stays until the
	 * next switch (the kernel half still runs on it). */
	for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++) {
		struct shadow_cpu *c = &shadow_cpus[cpu];
		if (c->pgd == s->pgd) {
			c->pgd = ~0UL; /* the next write_cr3 of any root activates */
			c->space = NULL;
		}
	}
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

static void shadow_register_cpu(void);

void shadow_pv_init(void)
{
	if (strcmp(boot_info.paging_mode, "shadow") != 0)
		return;
	uint64_t start = (uint64_t)_text & ~(PAGE_SIZE - 1);
	uint64_t end = ((uint64_t)_end + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	long r = shadow_call(UMBRA_HC_SHADOW_PIN, start, end, 0, 0);
	if (r < 0)
		panic("shadow paging: cannot pin the kernel image [%#lx, %#lx): %ld",
		      start, end, r);
	ring.size = UMBRA_SHADOW_RING_SIZE;
	r = shadow_call(UMBRA_HC_SHADOW_QUEUE, virt_to_phys(&ring), 0, 0, 0);
	if (r < 0)
		panic("shadow paging: cannot register the queue: %ld", r);
	shadow_paging = true;
	/* The VMM started us in an address space of its own making; from
	 * here every space is one the guest created. */
	scpu()->pgd = ~0UL;
	write_cr3(UMBRA_BOOT_PGTABLE);
	shadow_register_cpu();
	pr_info("shadow paging: kernel image pinned (%lu pages), asid %#x%s",
		(end - start) / PAGE_SIZE, scpu()->asid,
		scpu()->slot_on ? ", faults through the fault slots" : "");
}

/* Tells the VMM where this CPU's kernel stack top is kept (TSS.RSP0's
 * copy in the per-CPU area, in the pinned image), so a zap by another
 * CPU's hypercall never leaves this CPU's stack unshadowed; and where its
 * kick flag is (pinned too), for the loops that spin with interrupts off. */
static void shadow_register_cpu(void)
{
	long r = shadow_hc(UMBRA_HC_SHADOW_STACK_HINT, virt_to_phys(&this_cpu()->kernel_rsp),
			   KSTACK_PAGES * PAGE_SIZE, 0, 0);
	if (r < 0)
		panic("shadow paging: STACK_HINT: %ld", r);
	r = shadow_hc(UMBRA_HC_SHADOW_KICK_FLAG, virt_to_phys(&scpu()->kick_flag), 0, 0, 0);
	if (r < 0)
		panic("shadow paging: KICK_FLAG: %ld", r);
	/* -ENOSYS: the VMM runs no poll thread (--shadow-poll 0, or no host CPU for it). */
	r = shadow_hc(UMBRA_HC_SHADOW_FAULT_SLOT,
		      virt_to_phys(&fault_slots[this_cpu()->cpu]), 0, 0, 0);
	if (r < 0 && r != -UMBRA_ENOSYS)
		panic("shadow paging: FAULT_SLOT: %ld", r);
	scpu()->slot_on = r == 0;
}

extern const char secondary_startup_shadow[];

bool shadow_start_cpu(uint32_t apic_id, uint64_t stack_top)
{
	struct shadow_space *k = space_of(swapper_pg_dir);
	if (!k || !k->asid)
		return false;
	long r = shadow_hc5(UMBRA_HC_SMP_START_CPU, apic_id,
			    (uint64_t)secondary_startup_shadow, stack_top, k->asid,
			    stack_top - KSTACK_PAGES * PAGE_SIZE);
	if (r < 0)
		pr_warn("smp: SMP_START_CPU %u: %ld", apic_id, r);
	return r == 0;
}

void shadow_secondary_init(void)
{
	struct shadow_cpu *c = scpu();
	struct shadow_space *k = space_of(swapper_pg_dir);
	c->pgd = swapper_pg_dir;
	c->space = k;
	c->asid = k ? k->asid : 0;
	shadow_register_cpu();
}

/* A plain load, no VM exit. Reading the x2APIC IRR here instead (an MSR
 * exit every 64 turns) ended, in the nested setup, in a triple fault of
 * the spinning vCPU in about 1 in 5 of the two-vCPU t_mm_stress runs
 * (docs/shadow.md, "SMP"). */
void shadow_kick_poll(void)
{
	if (shadow_paging && __atomic_load_n(&scpu()->kick_flag, __ATOMIC_ACQUIRE))
		shadow_kick();
}
