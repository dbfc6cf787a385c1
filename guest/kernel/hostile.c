// SPDX-License-Identifier: MIT
/*
 * hostile=CASE on the command line: the kernel turns on the VMM and makes
 * bogus hypercalls (tests/integration/hostile.sh, docs/reliability.md).
 * The VMM must refuse each with an error the guest sees, or stop the
 * guest with a message naming why; never crash, hang, or touch memory
 * outside the guest's.
 *
 * It is the kernel, not a user program, that does this: a hypercall is an
 * `out` to UMBRA_HC_PORT, which user mode cannot make (IOPL 0, no I/O
 * bitmap), and the handles a real attacker would abuse — asids, the batch
 * queue, page-table roots, CR3 — exist only in ring 0. A test program
 * would need a raw-hypercall system call added for it: a hole in the
 * guest kept only for tests. A compromised guest kernel is also the
 * threat the VMM defends against.
 *
 * Cases:
 *   calls      every refused call below, each printed as
 *              "hostile: NAME = RESULT"; then boot goes on and runs init
 *   panic-addr UMBRA_HC_PANIC with its message beyond guest RAM
 *   panic-len  UMBRA_HC_PANIC with a length of 2^40
 *   cr3        loads a CR3 that is not a page table (tdp: the kernel's
 *              text; shadow: the shadow of it): the CPU cannot deliver
 *              the next fault, a triple fault the VMM reports
 *   smp        every CPU at once (-c N) makes the refused calls that
 *              change nothing, SMP_ROUNDS times each; each result must be
 *              the one the boot CPU saw first ("hostile: smp ..."); then
 *              boot goes on and runs init
 *   user-gs    not a hypercall: an interrupt taken in kernel mode while
 *              the user's GS base is loaded, as a second delivery of an
 *              interrupt from user mode at the entry's first instruction
 *              looks (seen under nested SVM, entry_64.S); the entry must
 *              reach the per-CPU area and give the user's GS back
 *              ("hostile: user-gs = ok"); then boot goes on and runs init
 *   spin       never returns: the boot CPU spins with interrupts off in
 *              hostile_spin; the VMM must stay stoppable by a signal
 *              (a nested run then says where L1's CPUs were)
 *   sleep      never returns: the boot CPU waits in HLT with interrupts on
 *              and its timer disarmed, in hostile_sleep; the VMM must say
 *              that nothing but a device can wake it (vmm/vcpu_watch.c)
 *              and stay stoppable by a signal
 */
#include <umbra/hypercall.h>

#include "apic.h"
#include "bootinfo.h"
#include "hostile.h"
#include "hypercall.h"
#include "page.h"
#include "pgtable.h"
#include "percpu.h"
#include "pmm.h"
#include "printk.h"
#include "shadow_pv.h"
#include "smp.h"
#include "string.h"
#include "x86.h"

/* Far beyond any guest RAM umbra gives (and the 32-bit MMIO hole). */
#define BEYOND_RAM (1UL << 40)
#define MMIO_HOLE 0xfee00000UL

static bool is_shadow_call(unsigned long nr)
{
	return nr >= UMBRA_HC_SHADOW_FAULT && nr <= UMBRA_HC_SHADOW_PIN;
}

/* One call, printed. Under shadow paging the TLB rule still holds
 * (docs/hypercalls.md): a result with UMBRA_SHADOW_FLUSH, or an error,
 * means reload CR3. The flag is printed as part of the result only where
 * it is the point (it never is here: callers mask it). */
static long call(const char *name, unsigned long nr, unsigned long a0, unsigned long a1,
		 unsigned long a2, unsigned long a3, unsigned long a4)
{
	long r = hc_raw(nr, a0, a1, a2, a3, a4);
	if (shadow_paging && is_shadow_call(nr) &&
	    (r < 0 || ((unsigned long)r & UMBRA_SHADOW_FLUSH))) {
		native_write_cr3(read_cr3());
		if (r >= 0)
			r = (long)((unsigned long)r & ~UMBRA_SHADOW_FLUSH);
	}
	if (name)
		pr_info("hostile: %s = %ld", name, r);
	return r;
}

static void *zpage(void)
{
	struct page *p = alloc_page(__GFP_ZERO);
	if (!p)
		panic("hostile: out of memory");
	return page_address(p);
}

/* A new top-level table sharing the kernel half with the kernel's. */
static uint64_t *kernel_half_copy(void)
{
	uint64_t *pgd = zpage();
	const uint64_t *k = __va(swapper_pg_dir);
	for (unsigned i = 256; i < 512; i++)
		pgd[i] = k[i];
	return pgd;
}

static void bad_numbers_and_args(void)
{
	uint64_t *page = zpage();
	phys_addr_t pa = virt_to_phys(page);
	call("unknown-nr", 4095, 0, 0, 0, 0, 0);
	call("unknown-nr-huge", ~0UL, 0, 0, 0, 0, 0);
	call("report-kind", UMBRA_HC_REPORT, 99, 1, 0, 0, 0);
	call("report-value", UMBRA_HC_REPORT, UMBRA_REPORT_BOOT_NS, 1UL << 63, 0, 0, 0);
	call("stats-index", UMBRA_HC_STATS, 1UL << 40, 0, 0, 0, 0);
	/* All counters at once: an array beyond RAM, in the MMIO hole,
	 * misaligned, across a page, too long; then a good one, whose page
	 * must hold the counters (the hypercall count is one at least). */
	call("stats-all-beyond-ram", UMBRA_HC_STATS_ALL, BEYOND_RAM, 8, 0, 0, 0);
	call("stats-all-mmio", UMBRA_HC_STATS_ALL, MMIO_HOLE, 8, 0, 0, 0);
	call("stats-all-misaligned", UMBRA_HC_STATS_ALL, pa + 4, 8, 0, 0, 0);
	call("stats-all-across-page", UMBRA_HC_STATS_ALL, pa + 4088, 2, 0, 0, 0);
	call("stats-all-count-huge", UMBRA_HC_STATS_ALL, pa, 1UL << 40, 0, 0, 0);
	if (call("stats-all", UMBRA_HC_STATS_ALL, pa, UMBRA_STAT_MAX, 0, 0, 0) == UMBRA_STAT_MAX)
		pr_info("hostile: stats-all-hypercalls-positive = %d",
			((int64_t *)page)[UMBRA_STAT_HYPERCALLS] > 0);
	/* The balloon: a bad op, an array beyond RAM, across a page, too
	 * long, naming a frame beyond RAM. */
	call("balloon-op", UMBRA_HC_BALLOON, 7, pa, 1, 0, 0);
	call("balloon-array-beyond-ram", UMBRA_HC_BALLOON, UMBRA_BALLOON_INFLATE, BEYOND_RAM, 1, 0, 0);
	call("balloon-array-across-page", UMBRA_HC_BALLOON, UMBRA_BALLOON_INFLATE, pa + 4088, 2, 0, 0);
	call("balloon-count-huge", UMBRA_HC_BALLOON, UMBRA_BALLOON_INFLATE, pa, 1UL << 40, 0, 0);
	page[0] = BEYOND_RAM >> 12;
	call("balloon-frame-beyond-ram", UMBRA_HC_BALLOON, UMBRA_BALLOON_INFLATE, pa, 1, 0, 0);
	/* Dumps: a misaligned root, a label too long or beyond RAM, unknown
	 * flags, roots beyond RAM and in the MMIO hole. */
	call("dump-root-misaligned", UMBRA_HC_DUMP, swapper_pg_dir + 8, 0, 0, 0, 0);
	call("dump-label-huge", UMBRA_HC_DUMP, 0, pa, 1UL << 40, 0, 0);
	call("dump-label-beyond-ram", UMBRA_HC_DUMP, 0, BEYOND_RAM, 8, 0, 0);
	call("dump-flags", UMBRA_HC_DUMP, 0, 0, 0, 0x80, 0);
	call("dump-root-beyond-ram", UMBRA_HC_DUMP, BEYOND_RAM, 0, 0, UMBRA_DUMP_USER_ONLY, 0);
	call("dump-root-mmio", UMBRA_HC_DUMP, MMIO_HOLE, 0, 0, UMBRA_DUMP_USER_ONLY, 0);
	/* A root that is no table: the kernel's text. */
	call("dump-root-text", UMBRA_HC_DUMP, virt_to_phys(_text), 0, 0, 0, 0);
	__free_pages_order(phys_to_page(pa), 0);
}

/* Tables that loop and point outside memory: entry 0 of the user half
 * points at the table itself, 1 beyond RAM, 2 at a page of all ones
 * (every reserved bit set), 3 into the MMIO hole. */
static uint64_t *hostile_tables(void)
{
	uint64_t *pgd = kernel_half_copy();
	uint64_t *ones = zpage();
	memset(ones, 0xff, PAGE_SIZE);
	uint64_t t = _PAGE_PRESENT | _PAGE_RW | _PAGE_USER;
	pgd[0] = virt_to_phys(pgd) | t;
	pgd[1] = BEYOND_RAM | t;
	pgd[2] = virt_to_phys(ones) | t;
	pgd[3] = MMIO_HOLE | t;
	return pgd;
}

static void shadow_address_spaces(void)
{
	uint32_t asid = shadow_pv_asid();
	call("as-create-beyond-ram", UMBRA_HC_SHADOW_AS_CREATE, BEYOND_RAM, 0, 0, 0, 0);
	call("as-create-misaligned", UMBRA_HC_SHADOW_AS_CREATE, swapper_pg_dir + 8, 0, 0, 0, 0);
	call("as-create-mmio", UMBRA_HC_SHADOW_AS_CREATE, MMIO_HOLE, 0, 0, 0, 0);
	call("as-activate-unknown", UMBRA_HC_SHADOW_AS_ACTIVATE, 0x7fff0001, 0, 0, 0, 0);
	call("as-activate-huge", UMBRA_HC_SHADOW_AS_ACTIVATE, 1UL << 40 | asid, 0, 0, 0, 0);
	/* The next generation of the running asid's slot: not created yet. */
	call("as-activate-stale", UMBRA_HC_SHADOW_AS_ACTIVATE, asid + (1u << 16), 0, 0, 0, 0);
	call("as-release-unknown", UMBRA_HC_SHADOW_AS_RELEASE, 0x7fff0001, 0, 0, 0, 0);
	call("invalidate-unknown-asid", UMBRA_HC_SHADOW_INVALIDATE, 0x7fff0001, 0, 0,
	     UMBRA_SHADOW_EV_UNMAP, 0);
	call("invalidate-event", UMBRA_HC_SHADOW_INVALIDATE, UMBRA_SHADOW_ASID_ALL, 0, 0, 99, 0);
	call("invalidate-inverted", UMBRA_HC_SHADOW_INVALIDATE, asid, 0x800000, 0x400000,
	     UMBRA_SHADOW_EV_UNMAP, 0);
	call("fault-wrong-asid", UMBRA_HC_SHADOW_FAULT, 0x400000, 4, 0x7fff0001, 0, 0);
	call("fault-ec-huge", UMBRA_HC_SHADOW_FAULT, 0x400000, 1UL << 20, asid, 0, 0);
	call("fault-write-fetch", UMBRA_HC_SHADOW_FAULT, 0x400000, 2 | 16, asid, 0, 0);
	call("fault-noncanonical", UMBRA_HC_SHADOW_FAULT, 0x0000800000000000UL, 4, asid, 0, 0);
	call("pin-huge", UMBRA_HC_SHADOW_PIN, 0, ~0UL, 0, 0, 0);
	call("pin-empty", UMBRA_HC_SHADOW_PIN, 0x5000, 0x5000, 0, 0, 0);
	call("pin-inverted", UMBRA_HC_SHADOW_PIN, 0x9000, 0x5000, 0, 0, 0);
	/* "CR3 values that are not tables": the text as a root. The VMM cannot
	 * tell; what it builds from it only ever maps guest frames. */
	call("as-create-text", UMBRA_HC_SHADOW_AS_CREATE, virt_to_phys(_text), 0, 0, 0, 0);
}

/* The batch queue: bad registrations, garbage operations, a head far
 * ahead of the tail; the kernel's own queue is registered again after. */
static void shadow_queue(void)
{
	struct umbra_shadow_ring *r = zpage();
	r->size = UMBRA_SHADOW_RING_SIZE;
	phys_addr_t pa = virt_to_phys(r);
	call("queue-misaligned", UMBRA_HC_SHADOW_QUEUE, pa + 64, 0, 0, 0, 0);
	call("queue-beyond-ram", UMBRA_HC_SHADOW_QUEUE, BEYOND_RAM, 0, 0, 0, 0);
	call("queue-register", UMBRA_HC_SHADOW_QUEUE, pa, 0, 0, 0, 0);
	for (unsigned i = 0; i < 5; i++) {
		struct umbra_shadow_op *op = &r->ops[i];
		op->start = ~0UL - i;
		op->end = i;
		op->asid = i & 1 ? 0x7fff0001 : UMBRA_SHADOW_ASID_ALL;
		op->event = i & 1 ? UMBRA_SHADOW_EV_UNMAP : 1000 + i;
	}
	__atomic_store_n(&r->head, 5, __ATOMIC_RELEASE);
	call("queue-garbage-ops", UMBRA_HC_SHADOW_SYNC, 0, 0, 0, 0, 0);
	__atomic_store_n(&r->head, r->head + 100000, __ATOMIC_RELEASE);
	call("queue-overrun", UMBRA_HC_SHADOW_SYNC, 0, 0, 0, 0, 0);
	call("queue-after-overrun", UMBRA_HC_SHADOW_SYNC, 0, 0, 0, 0, 0);
	call("queue-restore", UMBRA_HC_SHADOW_QUEUE, shadow_pv_ring(), 0, 0, 0, 0);
	__free_pages_order(phys_to_page(pa), 0);
}

/* Floods: every address space zapped whole, over and over (the pinned
 * kernel is refilled each time), and user ranges of the running one. */
static void shadow_flood(void)
{
	uint32_t asid = shadow_pv_asid();
	unsigned long failed = 0;
	for (unsigned i = 0; i < 1000; i++)
		failed += call(NULL, UMBRA_HC_SHADOW_INVALIDATE, UMBRA_SHADOW_ASID_ALL, 0, 0,
			       UMBRA_SHADOW_EV_UNMAP, 0) != 0;
	for (unsigned i = 0; i < 5000; i++)
		failed += call(NULL, UMBRA_HC_SHADOW_INVALIDATE, asid, (uint64_t)i << 21,
			       ((uint64_t)i << 21) + (1UL << 40), 1 + i % 5, 0) != 0;
	pr_info("hostile: flood-invalidate-failed = %lu", failed);
}

/* Release of the active root: the kernel half must stay usable until the
 * next switch; then the space is gone. */
static void shadow_release_active(void)
{
	uint64_t *pgd = kernel_half_copy();
	write_cr3(virt_to_phys(pgd));
	uint32_t asid = shadow_pv_asid();
	call("release-active", UMBRA_HC_SHADOW_AS_RELEASE, asid, 0, 0, 0, 0);
	/* Kernel work on the released space: the direct map, a new page. */
	uint64_t *p = zpage();
	p[7] = 0x1234;
	pr_info("hostile: release-active-kernel-runs = %lu", p[7] == 0x1234 ? 1UL : 0UL);
	call("release-active-twice", UMBRA_HC_SHADOW_AS_RELEASE, asid, 0, 0, 0, 0);
	write_cr3(swapper_pg_dir);
	call("release-active-activate-after", UMBRA_HC_SHADOW_AS_ACTIVATE, asid, 0, 0, 0, 0);
	/* pgd stays allocated: the first-chance map in shadow_pv.c still
	 * names it. */
}

/* First-chance faults through the hostile tables, on an address space
 * that runs them (the kernel half is the kernel's, so the kernel runs). */
static void shadow_hostile_tables(void)
{
	uint64_t *pgd = hostile_tables();
	write_cr3(virt_to_phys(pgd));
	uint32_t asid = shadow_pv_asid();
	/* A user read (error code U) under each entry. */
	call("fault-table-loop", UMBRA_HC_SHADOW_FAULT, 0x1000, 4, asid, 0, 0);
	call("fault-table-beyond-ram", UMBRA_HC_SHADOW_FAULT, 1UL << 39, 4, asid, 0, 0);
	call("fault-table-all-ones", UMBRA_HC_SHADOW_FAULT, 2UL << 39, 4, asid, 0, 0);
	call("fault-table-mmio", UMBRA_HC_SHADOW_FAULT, 3UL << 39, 4, asid, 0, 0);
	call("dump-hostile-tables", UMBRA_HC_DUMP, virt_to_phys(pgd), 0, 0, UMBRA_DUMP_USER_ONLY, 0);
	write_cr3(swapper_pg_dir);
}

/* The per-vCPU registrations (stack hint, kick flag) and starting a CPU:
 * each refused, and the CPU's own registrations left as they were. */
static void shadow_cpu_registrations(void)
{
	phys_addr_t pa = virt_to_phys(zpage());
	call("stack-hint-misaligned", UMBRA_HC_SHADOW_STACK_HINT, pa + 4, 16384, 0, 0, 0);
	call("stack-hint-beyond-ram", UMBRA_HC_SHADOW_STACK_HINT, BEYOND_RAM, 16384, 0, 0, 0);
	call("stack-hint-size-small", UMBRA_HC_SHADOW_STACK_HINT, pa, 8, 0, 0, 0);
	call("stack-hint-size-huge", UMBRA_HC_SHADOW_STACK_HINT, pa, 1UL << 40, 0, 0, 0);
	call("kick-flag-misaligned", UMBRA_HC_SHADOW_KICK_FLAG, pa + 4, 0, 0, 0, 0);
	call("kick-flag-beyond-ram", UMBRA_HC_SHADOW_KICK_FLAG, BEYOND_RAM, 0, 0, 0, 0);
	call("start-cpu-unknown", UMBRA_HC_SMP_START_CPU, 4095, 0, 0, 0, 0);
	call("start-cpu-self", UMBRA_HC_SMP_START_CPU, this_cpu()->apic_id, 0, 0, 0, 0);
}

static void run_calls(void)
{
	bad_numbers_and_args();
	/* tdp: the shadow numbers are unknown; one of each is enough. */
	if (!shadow_paging) {
		call("as-create-tdp", UMBRA_HC_SHADOW_AS_CREATE, swapper_pg_dir, 0, 0, 0, 0);
		call("pin-huge-tdp", UMBRA_HC_SHADOW_PIN, 0, ~0UL, 0, 0, 0);
		call("kick-flag-tdp", UMBRA_HC_SHADOW_KICK_FLAG, 0, 0, 0, 0, 0);
		call("start-cpu-tdp", UMBRA_HC_SMP_START_CPU, 1, 0, 0, 0, 0);
		/* The tdp dump walks the guest's tables: loops and all. */
		uint64_t *pgd = hostile_tables();
		call("dump-hostile-tables", UMBRA_HC_DUMP, virt_to_phys(pgd), 0, 0,
		     UMBRA_DUMP_USER_ONLY, 0);
		return;
	}
	shadow_address_spaces();
	shadow_cpu_registrations();
	shadow_queue();
	shadow_flood();
	shadow_release_active();
	shadow_hostile_tables();
}

/*
 * hostile=smp: calls the VMM refuses without changing anything, made by
 * every CPU at once: the dispatcher's checks, its counters and logs, and
 * (shadow paging) the shadow lock see them from several vCPU threads.
 */
struct smp_call {
	const char *name;
	unsigned long nr, a0, a1, a2, a3;
	bool shadow_only;
};
static const struct smp_call smp_calls[] = {
	{"smp-unknown-nr", 4095, 0, 0, 0, 0, false},
	{"smp-unknown-nr-huge", ~0UL, 0, 0, 0, 0, false},
	{"smp-report-kind", UMBRA_HC_REPORT, 99, 1, 0, 0, false},
	{"smp-stats-index", UMBRA_HC_STATS, 1UL << 40, 0, 0, 0, false},
	{"smp-stats-all-beyond-ram", UMBRA_HC_STATS_ALL, BEYOND_RAM, 8, 0, 0, false},
	{"smp-balloon-op", UMBRA_HC_BALLOON, 7, 0, 1, 0, false},
	{"smp-balloon-array-beyond-ram", UMBRA_HC_BALLOON, UMBRA_BALLOON_INFLATE, BEYOND_RAM, 1, 0,
	 false},
	{"smp-dump-flags", UMBRA_HC_DUMP, 0, 0, 0, 0x80, false},
	{"smp-dump-label-beyond-ram", UMBRA_HC_DUMP, 0, BEYOND_RAM, 8, 0, false},
	{"smp-as-activate-unknown", UMBRA_HC_SHADOW_AS_ACTIVATE, 0x7fff0001, 0, 0, 0, true},
	{"smp-as-release-unknown", UMBRA_HC_SHADOW_AS_RELEASE, 0x7fff0001, 0, 0, 0, true},
	{"smp-invalidate-unknown-asid", UMBRA_HC_SHADOW_INVALIDATE, 0x7fff0001, 0, 0,
	 UMBRA_SHADOW_EV_UNMAP, true},
	{"smp-fault-wrong-asid", UMBRA_HC_SHADOW_FAULT, 0x400000, 4, 0x7fff0001, 0, true},
	{"smp-pin-huge", UMBRA_HC_SHADOW_PIN, 0, ~0UL, 0, 0, true},
};
#define SMP_CALLS (sizeof(smp_calls) / sizeof(smp_calls[0]))
#define SMP_ROUNDS 200
static long smp_want[SMP_CALLS];
static unsigned int smp_go, smp_done;
static unsigned long smp_made, smp_mismatches;

/* Whether this paging mode knows the call (the shadow ones are unknown
 * numbers in tdp mode, covered by "calls"). */
static bool smp_call_here(const struct smp_call *c)
{
	return !c->shadow_only || shadow_paging;
}

/* SMP_ROUNDS of every call this paging mode refuses. */
static void smp_rounds(void)
{
	unsigned long made = 0, bad = 0;
	for (unsigned int r = 0; r < SMP_ROUNDS; r++)
		for (unsigned int i = 0; i < SMP_CALLS; i++) {
			const struct smp_call *c = &smp_calls[i];
			if (!smp_call_here(c))
				continue;
			bad += call(NULL, c->nr, c->a0, c->a1, c->a2, c->a3, 0) != smp_want[i];
			made++;
		}
	__atomic_add_fetch(&smp_made, made, __ATOMIC_RELAXED);
	__atomic_add_fetch(&smp_mismatches, bad, __ATOMIC_RELAXED);
	__atomic_add_fetch(&smp_done, 1, __ATOMIC_RELEASE);
}

void hostile_secondary(void)
{
	if (!boot_params.hostile || strcmp(boot_params.hostile, "smp"))
		return;
	/* Interrupts are off: a kick the boot CPU's hypercalls send meanwhile
	 * is answered here, as in the kernel lock's spin. */
	for (unsigned int n = 0; !__atomic_load_n(&smp_go, __ATOMIC_ACQUIRE); n++)
		smp_spin_turn(n);
	smp_rounds();
}

static void run_smp(void)
{
	/* The answers, once, printed; then every CPU at once. */
	for (unsigned int i = 0; i < SMP_CALLS; i++) {
		const struct smp_call *c = &smp_calls[i];
		if (smp_call_here(c))
			smp_want[i] = call(c->name, c->nr, c->a0, c->a1, c->a2, c->a3, 0);
	}
	__atomic_store_n(&smp_go, 1, __ATOMIC_RELEASE);
	smp_rounds();
	for (unsigned int n = 0; __atomic_load_n(&smp_done, __ATOMIC_ACQUIRE) < nr_cpus_online; n++)
		smp_spin_turn(n);
	pr_info("hostile: smp cpus = %u, calls = %lu, mismatches = %lu", nr_cpus_online,
		__atomic_load_n(&smp_made, __ATOMIC_RELAXED),
		__atomic_load_n(&smp_mismatches, __ATOMIC_RELAXED));
}

static __noreturn void run_cr3(void)
{
	phys_addr_t text = virt_to_phys(_text);
	pr_info("hostile: loading a CR3 that is not a page table");
	if (shadow_paging) {
		long asid = call("as-create-text", UMBRA_HC_SHADOW_AS_CREATE, text, 0, 0, 0, 0);
		long cr3 = call("as-activate-text", UMBRA_HC_SHADOW_AS_ACTIVATE, asid, 0, 0, 0, 0);
		if (cr3 > 0)
			native_write_cr3((unsigned long)cr3);
	} else {
		native_write_cr3(text);
	}
	/* Only reached if the CPU somehow still runs: a fault to report. */
	panic("hostile: still running on a CR3 that is no table");
}

/* hostile=spin: not inlined, so a stopped run can name where it spun.
 * No PAUSE in the loop: KVM's pause-loop exiting would keep the CPU in
 * L1 much of the time. */
static __attribute__((noinline)) __noreturn void hostile_spin(void)
{
	pr_info("hostile: spinning with interrupts off");
	__asm__ volatile("cli");
	for (;;)
		__asm__ volatile("" ::: "memory");
}

/* hostile=sleep: what a lost wake-up leaves, on purpose. The timer is
 * disarmed again before each HLT, in case an interrupt's handler armed it. */
static __attribute__((noinline)) __noreturn void hostile_sleep(void)
{
	pr_info("hostile: waiting in HLT with no timer armed");
	for (;;) {
		lapic_next_event(0);
		__asm__ volatile("sti; hlt; cli" ::: "memory");
	}
}

/* hostile=user-gs: the spurious vector, whose handler does nothing, from
 * kernel mode on a user GS base. With several CPUs its handler reads the
 * per-CPU area (the kernel lock's owner); before the entry decided by the
 * GS base itself, that read went to the user's GS and faulted again and
 * again (a triple fault in tdp mode). */
static void run_user_gs(void)
{
	uint64_t kernel_gs = rdmsr(MSR_GS_BASE);
	uint64_t saved_user_gs = rdmsr(MSR_KERNEL_GS_BASE);
	/* A user GS base no entry could make up (not 0): a user address. */
	uint64_t user_gs = 0x7f0000001000UL;
	wrmsr(MSR_KERNEL_GS_BASE, user_gs);
	/* Interrupts are off and nothing here reads the per-CPU area, so the
	 * kernel runs on the user's GS only for these lines. */
	__asm__ volatile("swapgs\n\tint %0" ::"i"(SPURIOUS_APIC_VECTOR) : "memory");
	uint64_t seen = rdmsr(MSR_GS_BASE);
	__asm__ volatile("swapgs" ::: "memory");
	bool ok = seen == user_gs && rdmsr(MSR_GS_BASE) == kernel_gs &&
		  rdmsr(MSR_KERNEL_GS_BASE) == user_gs && this_cpu() == (struct percpu *)kernel_gs;
	wrmsr(MSR_KERNEL_GS_BASE, saved_user_gs);
	pr_info("hostile: user-gs = %s", ok ? "ok" : "wrong GS after the interrupt");
}

void hostile_run(const char *which)
{
	if (!which)
		return;
	pr_info("hostile: case %s (%s paging)", which, shadow_paging ? "shadow" : "tdp");
	if (!strcmp(which, "calls")) {
		run_calls();
		pr_info("hostile: done");
	} else if (!strcmp(which, "panic-addr")) {
		hc_raw(UMBRA_HC_PANIC, BEYOND_RAM, 16, 0, 0, 0);
		panic("hostile: the VMM returned from a panic beyond RAM");
	} else if (!strcmp(which, "panic-len")) {
		static const char msg[] = "hostile panic with a length of 2^40";
		hc_raw(UMBRA_HC_PANIC, virt_to_phys(msg), 1UL << 40, 0, 0, 0);
		panic("hostile: the VMM returned from a panic of length 2^40");
	} else if (!strcmp(which, "cr3")) {
		run_cr3();
	} else if (!strcmp(which, "smp")) {
		run_smp();
		pr_info("hostile: done");
	} else if (!strcmp(which, "user-gs")) {
		run_user_gs();
		pr_info("hostile: done");
	} else if (!strcmp(which, "spin")) {
		hostile_spin();
	} else if (!strcmp(which, "sleep")) {
		hostile_sleep();
	} else {
		pr_warn("hostile=%s: unknown case (calls, panic-addr, panic-len, cr3, smp, "
			"user-gs, spin, sleep)", which);
	}
}
