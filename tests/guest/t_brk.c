/* SPDX-License-Identifier: MIT */
/* brk: growing and shrinking the heap, [heap] in maps, refused requests. */
#define _GNU_SOURCE
#include <signal.h>
#include <string.h>
#include <sys/mman.h>

#include "suite.h"

int main(void)
{
	struct vma vma;
	unsigned long start = sys_brk(0);

	plan(11);
	ok(start > 0 && start % PAGE == 0 && start == sys_brk(0), "brk(0): the current break, page-aligned, stable");
	unsigned long top = start + 3 * PAGE;
	is_hex(sys_brk(top), top, "grow by 3 pages");
	char *heap = (char *)start;
	ok(heap[0] == 0 && heap[3 * PAGE - 1] == 0, "new heap memory is zero");
	memset(heap, 'h', 3 * PAGE);
	is_long(heap[2 * PAGE], 'h', "and writable");
	ok(maps_find(heap, &vma) && !strcmp(vma.path, "[heap]") && vma.end >= top, "maps shows [heap] up to the break");
	is_hex(sys_brk(top - PAGE), top - PAGE, "shrink by a page");
	is_long(probe_access((char *)top - PAGE + 8, 0, NULL), SIGSEGV, "the released page faults");
	is_long(heap[PAGE], 'h', "the rest keeps its data");
	is_hex(sys_brk(1), top - PAGE, "a break below the heap start is refused (unchanged)");
	/* 2^57: beyond user space with 4- or 5-level paging, whatever the overcommit policy. */
	is_hex(sys_brk(top + (1UL << 57)), top - PAGE, "a break beyond the address space is refused (unchanged)");
	is_hex(sys_brk(top + 100), top + 100, "an unaligned break is returned as asked");
	return done_testing();
}
