/* SPDX-License-Identifier: MIT */
/* msync: MS_SYNC, MS_ASYNC, MS_INVALIDATE on shared file mappings; errors. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "suite.h"

int main(void)
{
	char path[128], buf[8];
	scratch_path(path, sizeof(path), "/tmp", "msync");
	int fd = make_file(path, 2 * PAGE, 0);
	char *map = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	char *anon = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED)
		bail_out("mmap failed");

	plan(12);
	memcpy(map + 10, "synced", 6);
	is_long(msync(map, 2 * PAGE, MS_SYNC), 0, "MS_SYNC");
	ok(pread(fd, buf, 6, 10) == 6 && !memcmp(buf, "synced", 6), "the file has the data");
	is_long(msync(map, PAGE, MS_ASYNC), 0, "MS_ASYNC");
	is_long(msync(map, PAGE, MS_INVALIDATE), 0, "MS_INVALIDATE");
	is_long(msync(map, PAGE, MS_SYNC | MS_INVALIDATE), 0, "MS_SYNC | MS_INVALIDATE");
	is_long(msync(anon, PAGE, MS_SYNC), 0, "msync of anonymous memory succeeds");
	is_long(msync(map, 0, MS_SYNC), 0, "length 0 succeeds");
	is_errno(msync(map + 1, PAGE, MS_SYNC), EINVAL, "misaligned address: EINVAL");
	is_errno(msync(map, PAGE, MS_SYNC | MS_ASYNC), EINVAL, "MS_SYNC | MS_ASYNC: EINVAL");
	is_errno(msync(map, PAGE, 0x100), EINVAL, "unknown flags: EINVAL");
	char *hole = mmap(NULL, 2 * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(hole, 2 * PAGE);
	is_errno(msync(hole, PAGE, MS_SYNC), ENOMEM, "unmapped range: ENOMEM");
	munmap(map + PAGE, PAGE);
	is_errno(msync(map, 2 * PAGE, MS_SYNC), ENOMEM, "a range with an unmapped part: ENOMEM");
	close(fd);
	unlink(path);
	return done_testing();
}
