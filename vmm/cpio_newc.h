/* SPDX-License-Identifier: MIT */
/*
 * A writer of "newc" cpio archives (the format of Linux initramfs images:
 * 110-byte ASCII-hex headers, names and data padded to 4 bytes, ended by a
 * "TRAILER!!!" entry). Hosted C, no KVM: used to build the per-run part of
 * the L1 initramfs of nested runs (nested.c).
 */
#ifndef UMBRA_VMM_CPIO_NEWC_H
#define UMBRA_VMM_CPIO_NEWC_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CPIO_NEWC_HEADER_SIZE 110

struct cpio_newc {
	FILE *out;
	uint64_t offset;   /* bytes written since the archive began */
	uint32_t next_ino; /* inode numbers only need to differ per entry */
};

/*
 * Begins an archive on out. Padding is relative to where the archive begins,
 * so a caller appending to an initramfs must start at a 4-byte boundary.
 */
void cpio_newc_init(struct cpio_newc *c, FILE *out);

/*
 * Each adder writes one entry; name is the path inside the archive without a
 * leading '/' (e.g. "umbra/argv"), perm its permission bits (e.g. 0755).
 * Entries get uid/gid 0 and mtime 0, so archives are reproducible.
 * Return 0, or a negated errno value (-EFBIG for data of 4 GiB or more, the
 * limit of the format's 32-bit size field; -EIO for write errors; -errno of
 * open/read for add_file).
 */
int cpio_newc_add_dir(struct cpio_newc *c, const char *name, unsigned int perm);
int cpio_newc_add_buffer(struct cpio_newc *c, const char *name,
			 unsigned int perm, const void *data, size_t len);
/* Copies the regular file src_path in chunks, without reading it whole. */
int cpio_newc_add_file(struct cpio_newc *c, const char *name,
		       unsigned int perm, const char *src_path);

/* Writes the trailer entry (the archive is then complete, 4-byte padded). */
int cpio_newc_finish(struct cpio_newc *c);

#endif
