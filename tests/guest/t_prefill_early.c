/* SPDX-License-Identifier: MIT */
/*
 * New anonymous pages written by a vfork child, which shares its parent's
 * mm. Under shadow paging with the VMM's poll thread umbra's kernel sets a
 * new page's PTE before clearing or copying it, so that the VMM fills the
 * shadow entry meanwhile (docs/shadow.md "Exitless faults"), but only in
 * an mm no other task uses: here the child's new pages and zero-page
 * copies must be made the usual way (umbra's fault_prefill_early in
 * /proc/self/vmstat does not move, while fault_anon_new_page and
 * fault_wp_copy show that the child took those paths). Natively (no such
 * file) only the contents are checked: every page holds zeroes and the
 * child's one byte.
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "suite.h"

#define PAGES 16
#define MARK 8 /* the byte of each page the child writes */

static volatile char *region;

/* Every byte of every page is 0 but the child's MARK byte, which is
 * the page's number + 1. */
static int contents_right(void)
{
	for (int i = 0; i < PAGES; i++)
		for (unsigned long b = 0; b < PAGE; b++)
			if (region[i * PAGE + b] != (b == MARK ? i + 1 : 0))
				return 0;
	return 1;
}

int main(void)
{
	plan(4);
	region = map_isolated(PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	if (!region)
		bail_out("mmap failed");
	/* The upper half read first: the zero page where there is one, so
	 * that the child's write there is a copy. */
	for (int i = PAGES / 2; i < PAGES; i++)
		(void)region[i * PAGE];
	/* Once before the counts: its own buffers fault here, not between. */
	(void)self_vmstat_value("fault_prefill_early");
	long early = self_vmstat_value("fault_prefill_early");
	long fresh = self_vmstat_value("fault_anon_new_page");
	long copies = self_vmstat_value("fault_wp_copy");

	pid_t pid = vfork();
	if (pid == 0) {
		for (int i = 0; i < PAGES; i++)
			region[i * PAGE + MARK] = (char)(i + 1);
		_exit(0);
	}
	if (pid < 0)
		bail_out("vfork failed");
	int status = wait_status(pid);
	is_long(status, 0, "the vfork child wrote its pages and exited");

	if (early < 0) {
		skip(2, "no /proc/self/vmstat (umbra's own file; Linux has none)");
	} else {
		ok(self_vmstat_value("fault_anon_new_page") - fresh == PAGES / 2 &&
			   self_vmstat_value("fault_wp_copy") - copies == PAGES / 2,
		   "the child made %d new pages and %d copies of the zero page", PAGES / 2,
		   PAGES / 2);
		is_long(self_vmstat_value("fault_prefill_early") - early, 0,
			"none of them set the PTE before the contents (the mm has two tasks)");
	}
	ok(contents_right(), "each page holds zeroes and the child's byte");
	return done_testing();
}
