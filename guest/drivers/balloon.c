// SPDX-License-Identifier: MIT
/*
 * The balloon (as Linux's virtio_balloon, over UMBRA_HC_BALLOON;
 * docs/host-memory.md): frames taken from the page allocator and given back
 * to the host, which then holds no memory for them; deflating frees them to
 * the allocator again, and the host backs each on its next touch. The
 * target is set by "balloon=PAGES" on the command line, by writes to
 * /proc/umbra/balloon, and by the host (the control socket's "balloon":
 * interrupt UMBRA_BALLOON_VECTOR, then UMBRA_BALLOON_TARGET).
 */
#include <umbra/hypercall.h>

#include "balloon.h"
#include "errno.h"
#include "hypercall.h"
#include "pmm.h"
#include "printk.h"
#include "shadow_pv.h"
#include "x86.h"

/* Frames held, by pfn (an array of BALLOON_MAX_PAGES, allocated at the
 * first inflate), and the page the hypercall reads its batch from. */
#define BALLOON_ARRAY_PAGES (BALLOON_MAX_PAGES * sizeof(uint32_t) / PAGE_SIZE)
static uint32_t *held;
static unsigned long nr_held;
static uint64_t *batch;

static long hc_balloon(unsigned long op, phys_addr_t array, unsigned long count)
{
	register unsigned long r10 __asm__("r10") = count;
	long ret;
	__asm__ volatile("outl %%eax, %%dx"
			 : "=a"(ret)
			 : "a"((unsigned long)UMBRA_HC_BALLOON), "d"(UMBRA_HC_PORT), "D"(op),
			   "S"(array), "r"(r10)
			 : "memory");
	return ret;
}

/* Sends the pfns held[from, from + n) in batches of one page. */
static int tell_host(unsigned long op, unsigned long from, unsigned long n)
{
	while (n) {
		unsigned long k = n < UMBRA_BALLOON_MAX ? n : UMBRA_BALLOON_MAX;
		for (unsigned long i = 0; i < k; i++)
			batch[i] = held[from + i];
		long r = hc_balloon(op, __pa(batch), k);
		if (r != (long)k)
			return -EIO;
		from += k;
		n -= k;
	}
	/* Shadow mode: no TLB entry may outlive a frame the host took, and
	 * the stack's shadow may have gone with it. */
	if (shadow_paging && op == UMBRA_BALLOON_INFLATE)
		shadow_after_host_change();
	return 0;
}

/* True at boot: a target the host set before this CPU's APIC took
 * interrupts is fetched at the first return to user mode. */
static volatile bool host_changed = true;

void balloon_host_changed(void)
{
	host_changed = true;
}

void balloon_poll(void)
{
	if (!host_changed)
		return;
	host_changed = false;
	long t = hc_balloon(UMBRA_BALLOON_TARGET, 0, 0);
	if (t < 0)
		return;
	int r = balloon_set_target((unsigned long)t < BALLOON_MAX_PAGES ? (unsigned long)t
									 : BALLOON_MAX_PAGES);
	pr_info("balloon: host target %ld pages, %lu held%s", t, balloon_pages(),
		r ? " (as far as free memory goes)" : "");
}

unsigned long balloon_pages(void)
{
	return nr_held;
}

int balloon_set_target(unsigned long target)
{
	if (target > BALLOON_MAX_PAGES)
		return -EINVAL;
	if (!held) {
		phys_addr_t a = alloc_pages(BALLOON_ARRAY_PAGES);
		phys_addr_t b = alloc_zeroed_page();
		if (!a || !b) {
			if (a)
				free_pages(a, BALLOON_ARRAY_PAGES);
			if (b)
				free_pages(b, 1);
			return -ENOMEM;
		}
		held = __va(a);
		batch = __va(b);
	}
	if (target > nr_held) {
		unsigned long from = nr_held;
		while (nr_held < target) {
			struct page *p = alloc_page(0);
			if (!p)
				break; /* as far as free memory goes */
			held[nr_held++] = (uint32_t)page_to_pfn(p);
		}
		if (tell_host(UMBRA_BALLOON_INFLATE, from, nr_held - from))
			return -EIO;
		return nr_held == target ? 0 : -ENOMEM;
	}
	unsigned long n = nr_held - target;
	if (tell_host(UMBRA_BALLOON_DEFLATE, target, n))
		return -EIO;
	for (unsigned long i = target; i < nr_held; i++)
		__free_pages_order(pfn_to_page(held[i]), 0);
	nr_held = target;
	return 0;
}
