/* SPDX-License-Identifier: MIT */
/* mm/ private: the VMA store (interim: a sorted array, mm->mm_rb). */
#ifndef GUEST_MM_INTERNAL_H
#define GUEST_MM_INTERNAL_H

#include "mm.h"

#define MM_MAX_VMAS 160
#define mm_vmas(mm) ((struct vm_area_struct *)(mm)->mm_rb)

/* memory.c: page-table ranges */
void unmap_page_range(struct mm_struct *mm, uint64_t start, uint64_t end);
void change_protection(struct mm_struct *mm, uint64_t start, uint64_t end, unsigned long vm_flags);

#endif
