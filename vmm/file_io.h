/* SPDX-License-Identifier: MIT */
/* Reading input files whole. Hosted C. */
#ifndef UMBRA_VMM_FILE_IO_H
#define UMBRA_VMM_FILE_IO_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Reads len bytes from fd into buf, retrying short reads and EINTR.
 * Returns the number of bytes read, which is below len only at end of
 * file, or -1 with errno set.
 */
ssize_t read_full(int fd, void *buf, size_t len);

#endif
