/* SPDX-License-Identifier: MIT */
/* getdents64: every entry once, with d_type; end of directory; errors. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "suite.h"

/* The kernel's record, as getdents64 writes it. */
struct dirent64_record {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

int main(void)
{
	char dir[128], path[200];
	static char buf[4096];
	scratch_path(dir, sizeof(dir), "/tmp", "dents");
	mkdir(dir, 0700);
	const char *files[] = {"alpha", "beta", "gamma"};
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		close(open(path, O_WRONLY | O_CREAT, 0600));
	}
	snprintf(path, sizeof(path), "%s/subdir", dir);
	mkdir(path, 0700);
	int fd = open(dir, O_RDONLY | O_DIRECTORY);

	plan(11);
	long n = syscall(SYS_getdents64, fd, buf, sizeof(buf));
	ok(n > 0, "getdents64 returns records (%ld bytes)", n);
	int seen = 0, dots = 0, types_ok = 1, inodes_ok = 1;
	for (long off = 0; off < n;) {
		struct dirent64_record *d = (void *)(buf + off);
		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			dots++, types_ok &= d->d_type == DT_DIR;
		else if (!strcmp(d->d_name, "subdir"))
			seen |= 8, types_ok &= d->d_type == DT_DIR;
		for (int i = 0; i < 3; i++)
			if (!strcmp(d->d_name, files[i]))
				seen |= 1 << i, types_ok &= d->d_type == DT_REG;
		inodes_ok &= d->d_ino != 0 && d->d_reclen % 8 == 0;
		off += d->d_reclen;
	}
	is_long(dots, 2, "'.' and '..' listed");
	is_hex(seen, 0xf, "the three files and the subdirectory listed");
	ok(types_ok, "d_type DT_REG for files, DT_DIR for directories");
	ok(inodes_ok, "non-zero inodes, 8-byte aligned record lengths");
	is_long(syscall(SYS_getdents64, fd, buf, sizeof(buf)), 0, "then 0 at the end");

	lseek(fd, 0, SEEK_SET);
	is_errno(syscall(SYS_getdents64, fd, buf, 8), EINVAL, "buffer too small for one record: EINVAL");
	is_errno(syscall(SYS_getdents64, fd, unmapped_ptr(), 4096), EFAULT, "unmapped buffer: EFAULT");
	snprintf(path, sizeof(path), "%s/alpha", dir);
	int file = open(path, O_RDONLY);
	is_errno(syscall(SYS_getdents64, file, buf, sizeof(buf)), ENOTDIR, "on a file: ENOTDIR");
	is_errno(syscall(SYS_getdents64, 777, buf, sizeof(buf)), EBADF, "bad fd: EBADF");
	close(file);
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/subdir", dir);
	rmdir(path);
	is_long(rmdir(dir), 0, "cleaned up");
	return done_testing();
}
