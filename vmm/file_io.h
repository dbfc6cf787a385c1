/* SPDX-License-Identifier: MIT */
/* Reading input files whole. Hosted C. */
#ifndef UMBRA_VMM_FILE_IO_H
#define UMBRA_VMM_FILE_IO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Reads len bytes from fd into buf, retrying short reads and EINTR.
 * Returns the number of bytes read, which is below len only at end of
 * file, or -1 with errno set.
 */
ssize_t read_full(int fd, void *buf, size_t len);

/*
 * Reads the regular file at path whole, if it has at most max bytes, into
 * a buffer the caller frees (an empty file gives a 1-byte one). Returns it
 * with *size its length, or NULL with errno set: open's, fstat's or read's,
 * EINVAL (not a regular file), EFBIG (more than max bytes; *size says how
 * many), ENOMEM, or ENODATA (the file shrank while it was read).
 */
void *read_file(const char *path, uint64_t max, uint64_t *size);
/* What a failed read_file's errno means, for an error line: "not a
 * regular file", "file shrank while reading", "out of memory", or the
 * system's text. */
const char *read_file_strerror(int err);

#endif
