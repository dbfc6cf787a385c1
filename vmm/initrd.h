/* SPDX-License-Identifier: MIT */
/* Checks on the initrd file before it is loaded. Hosted C. */
#ifndef UMBRA_VMM_INITRD_H
#define UMBRA_VMM_INITRD_H

#include <stdbool.h>
#include <stddef.h>

/* The magic of a newc ("new ASCII") cpio header, the only format the
 * guest's initramfs reader accepts. */
#define INITRD_NEWC_MAGIC "070701"
#define INITRD_NEWC_MAGIC_LEN 6

/* Whether the first len bytes of a file, head, start a newc cpio archive;
 * false for an empty or shorter file. */
bool initrd_is_newc(const void *head, size_t len);

#endif
