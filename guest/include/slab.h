/* SPDX-License-Identifier: MIT */
/* Kernel object memory: kmalloc/kfree (mm/slab.c). */
#ifndef GUEST_SLAB_H
#define GUEST_SLAB_H

#include <stddef.h>

/* NULL when out of memory. Objects up to 2 KiB come from power-of-two
 * caches; larger ones are whole pages. */
void *kmalloc(size_t size);
void *kzalloc(size_t size);
void kfree(const void *p);

#endif
