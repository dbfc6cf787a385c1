/* SPDX-License-Identifier: MIT */
/* Just what libfdt_env.h expects from <stdlib.h>. */
#ifndef GUEST_STDLIB_H
#define GUEST_STDLIB_H

unsigned long strtoul(const char *s, char **end, int base);

#endif
