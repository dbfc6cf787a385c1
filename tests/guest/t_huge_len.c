/* SPDX-License-Identifier: MIT */
/* Absurd lengths and counts: the errors Linux gives, or the short results. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "suite.h"

int main(void)
{
	const unsigned long huge = 1UL << 60;
	char path[128];
	/*
	 * Static, not on the stack: the stack may lie within 1 GiB of the top
	 * of user space, and then buffer + count fails access_ok (EFAULT).
	 */
	static char small[16];
	char *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	scratch_path(path, sizeof(path), "/tmp", "huge");
	int fd = make_file(path, 10, 0);
	int null = open("/dev/null", O_WRONLY);

	plan(12);
	is_errno(syscall(SYS_mmap, 0, huge, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), ENOMEM, "mmap of 2^60 bytes: ENOMEM");
	is_errno(syscall(SYS_munmap, p, huge), EINVAL, "munmap of 2^60 bytes: EINVAL");
	is_errno(syscall(SYS_mprotect, p, huge, PROT_READ), ENOMEM, "mprotect of 2^60 bytes: ENOMEM");
	is_errno(syscall(SYS_madvise, p, huge, MADV_WILLNEED), ENOMEM, "madvise of 2^60 bytes: ENOMEM");
	is_errno(syscall(SYS_mlock, p, huge), ENOMEM, "mlock of 2^60 bytes: ENOMEM");
	is_errno(syscall(SYS_msync, p, huge, MS_SYNC), ENOMEM, "msync of 2^60 bytes: ENOMEM");
	is_errno(syscall(SYS_munlock, p, huge), ENOMEM, "munlock of 2^60 bytes: ENOMEM");
	lseek(fd, 0, SEEK_SET);
	is_long(syscall(SYS_read, fd, small, 1UL << 30), 10, "read with a 1 GiB count of a 10-byte file returns 10");
	is_long(syscall(SYS_write, null, small, 1UL << 30), 1L << 30, "write of 1 GiB to /dev/null returns the count");
	struct iovec iov = {small, 1};
	is_errno(syscall(SYS_writev, null, &iov, 1025), EINVAL, "writev with 1025 iovecs (> UIO_MAXIOV): EINVAL");
	is_errno(syscall(SYS_getcwd, small, 1), ERANGE, "getcwd into a 1-byte buffer: ERANGE");
	is_errno(syscall(SYS_mincore, p, huge, small), ENOMEM, "mincore of 2^60 bytes: ENOMEM");
	close(fd);
	unlink(path);
	return done_testing();
}
