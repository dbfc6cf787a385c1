/* SPDX-License-Identifier: MIT */
/*
 * System calls given unmapped or kernel pointers answer EFAULT (and do not
 * crash the caller). Raw syscalls where libc would touch the memory itself.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "suite.h"

int main(void)
{
	void *bad = unmapped_ptr(), *kernel = kernel_ptr();
	int fd = open("/dev/zero", O_RDWR);
	char path[128];
	/* A real file: /dev/null would not read the buffer at all. */
	scratch_path(path, sizeof(path), "/tmp", "efault");
	int file = make_file(path, 0, 0);
	unlink(path);

	plan(20);
	is_errno(syscall(SYS_write, file, bad, 8), EFAULT, "write from an unmapped buffer");
	is_errno(syscall(SYS_write, file, kernel, 8), EFAULT, "write from a kernel address");
	is_errno(syscall(SYS_read, fd, bad, 8), EFAULT, "read into an unmapped buffer");
	is_errno(syscall(SYS_read, fd, kernel, 8), EFAULT, "read into a kernel address");
	is_errno(syscall(SYS_pread64, fd, bad, 8, 0), EFAULT, "pread64 into an unmapped buffer");
	is_errno(syscall(SYS_stat, bad, bad), EFAULT, "stat of an unmapped path");
	is_errno(syscall(SYS_stat, "/", kernel), EFAULT, "stat into a kernel address");
	is_errno(syscall(SYS_open, kernel, O_RDONLY), EFAULT, "open of a kernel-address path");
	is_errno(syscall(SYS_clock_gettime, CLOCK_REALTIME, bad), EFAULT, "clock_gettime to an unmapped timespec");
	is_errno(syscall(SYS_gettimeofday, kernel, NULL), EFAULT, "gettimeofday to a kernel address");
	is_errno(syscall(SYS_nanosleep, bad, NULL), EFAULT, "nanosleep of an unmapped timespec");
	is_errno(syscall(SYS_uname, kernel), EFAULT, "uname to a kernel address");
	is_errno(syscall(SYS_getrusage, RUSAGE_SELF, bad), EFAULT, "getrusage to an unmapped buffer");
	is_errno(syscall(SYS_rt_sigaction, SIGUSR1, kernel, NULL, 8), EFAULT, "rt_sigaction from a kernel address");
	is_errno(syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, bad, 8), EFAULT, "rt_sigprocmask old set to unmapped");
	is_errno(syscall(SYS_writev, file, bad, 1), EFAULT, "writev with an unmapped iovec array");
	struct iovec iov[2] = {{bad, 4}, {"ok", 2}};
	is_errno(syscall(SYS_writev, file, iov, 2), EFAULT, "writev whose first buffer is unmapped");
	is_errno(syscall(SYS_getcwd, bad, 256), EFAULT, "getcwd into an unmapped buffer");
	is_errno(syscall(SYS_time, bad), EFAULT, "time into an unmapped word");
	is_errno(syscall(SYS_setitimer, ITIMER_REAL, bad, NULL), EFAULT, "setitimer from an unmapped value");
	return done_testing();
}
