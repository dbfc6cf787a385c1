/* SPDX-License-Identifier: MIT */
/*
 * Access to user memory. The kernel never dereferences a user pointer: each
 * page is looked up (and faulted in, with the VMA's permission checks) in
 * the current process's tables and reached through the direct map. A bad
 * pointer is an -EFAULT, never a kernel fault.
 */
#ifndef GUEST_UACCESS_H
#define GUEST_UACCESS_H

#include <stddef.h>
#include <stdint.h>

#include "page.h"

static inline int access_ok(uint64_t addr, uint64_t size)
{
	return size <= TASK_SIZE && addr <= TASK_SIZE - size;
}

/* Both return 0 or -EFAULT (nothing partial is reported). */
int copy_to_user(uint64_t dst, const void *src, size_t n);
int copy_from_user(void *dst, uint64_t src, size_t n);
/* Kernel pointer to user byte addr, valid up to the end of its page; NULL
 * when the address is not accessible (for writing if write is set). */
void *user_page_ptr(uint64_t addr, int write);

struct mm_struct;
/* Copies up to len bytes at addr in mm (any process's) into buf through
 * mm's own page tables, 4K and 2M entries alike, faulting nothing in: it
 * stops at the first page that is not present. Returns the bytes copied. */
size_t access_remote_vm(struct mm_struct *mm, uint64_t addr, void *buf, size_t len);

#endif
