/* SPDX-License-Identifier: MIT */
/*
 * The guest kernel's initramfs reader (guest/fs/cpio.c, hosted here as in
 * the unit tests) over any archive: every entry it returns lies inside the
 * archive, names are NUL-terminated where it says, and a walk ends.
 */
#include <stdio.h>

#include "../../guest/include/cpio.h"
#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	size_t len;
	uint8_t *a = fin_rest_copy(&in, &len);
	const uint8_t *end = a + len;
	struct cpio_entry e;
	size_t pos = 0, last = 0;
	int st, n = 0;
	while ((st = cpio_next(a, len, &pos, &e)) == CPIO_OK) {
		/* The padding after the last file may be missing (cpio.c): the
		 * position may pass the end by up to 3; the next call says
		 * truncated. */
		FUZZ_ASSERT(pos > last && pos <= len + 3, "position %zu after %zu", pos, last);
		last = pos;
		const uint8_t *name = (const uint8_t *)e.name;
		FUZZ_ASSERT(name >= a && name + e.name_len < end && !name[e.name_len],
			    "name outside the archive or not terminated");
		FUZZ_ASSERT(e.data >= a && e.data <= end && e.size <= (size_t)(end - e.data),
			    "data outside the archive");
		n++;
	}
	FUZZ_ASSERT(st < 0 || st == CPIO_END, "status %d", st);
	FUZZ_ASSERT(pos <= len || st == CPIO_ERR_TRUNCATED, "past the end: %d", st);
	FUZZ_ASSERT(cpio_strerror(st) != NULL, "no message for %d", st);
	/* What the kernel looks up at boot. */
	static const char *paths[] = {"init", "/init", "bin/t_mmap", "./a", "", "/"};
	for (unsigned i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		st = cpio_find(a, len, paths[i], &e);
		if (st == CPIO_OK)
			FUZZ_ASSERT(e.data >= a && e.data <= end &&
				    e.size <= (size_t)(end - e.data), "found data outside");
	}
	free(a);
	return 0;
}
