/* SPDX-License-Identifier: MIT */
/*
 * A reader for newc ("070701") and crc ("070702") cpio archives, the format
 * of Linux initramfs images. Plain C with no kernel dependencies, so the
 * unit tests build it hosted (tests/unit/test_cpio.c). It trusts nothing in
 * the archive: every size is checked against the archive's length.
 */
#ifndef GUEST_CPIO_H
#define GUEST_CPIO_H

#include <stddef.h>
#include <stdint.h>

#define CPIO_S_IFMT 0170000
#define CPIO_S_IFREG 0100000

enum cpio_status {
	CPIO_OK = 0,
	CPIO_END = 1,               /* the TRAILER!!! entry was reached */
	CPIO_ERR_TRUNCATED = -1,    /* a header, name or file runs past the end */
	CPIO_ERR_MAGIC = -2,        /* not a newc header */
	CPIO_ERR_FORMAT = -3,       /* bad hex field or name */
	CPIO_ERR_NO_TRAILER = -4,   /* the archive ends without TRAILER!!! */
	CPIO_ERR_NOT_FOUND = -5,
};

struct cpio_entry {
	const char *name;        /* NUL-terminated, as stored (may start "./") */
	size_t name_len;
	const unsigned char *data;
	size_t size;
	uint32_t mode;
};

/* Reads the entry at *pos and advances *pos past it. */
int cpio_next(const void *archive, size_t len, size_t *pos, struct cpio_entry *e);
/* Finds path ("/init", "bin/x", "./bin/x" all name the same entry); a later
 * entry of the same name replaces an earlier one, as when Linux unpacks an
 * initramfs, so the whole archive is read and must be well-formed. */
int cpio_find(const void *archive, size_t len, const char *path, struct cpio_entry *e);
const char *cpio_strerror(int status);

#endif
