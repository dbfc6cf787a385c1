/* SPDX-License-Identifier: MIT */
#include "initrd.h"

#include <string.h>

bool initrd_is_newc(const void *head, size_t len)
{
	return len >= INITRD_NEWC_MAGIC_LEN &&
	       memcmp(head, INITRD_NEWC_MAGIC, INITRD_NEWC_MAGIC_LEN) == 0;
}
