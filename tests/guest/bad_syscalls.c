/* SPDX-License-Identifier: MIT */
/*
 * Bogus system-call arguments: kernel, unmapped and non-canonical pointers,
 * bad fds, bad mmap/munmap/mprotect/brk/arch_prctl/sigprocmask arguments,
 * unknown numbers. Prints each result (0 or a negated errno); the guest
 * kernel must give exactly what Linux gives, and must not fall over.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#define ARCH_SET_GS 0x1001
#define ARCH_GET_FS 0x1003

static long sc(long n, long a, long b, long c, long d, long e, long f)
{
	long r = syscall(n, a, b, c, d, e, f);
	return r == -1 ? -errno : r;
}

/* Print an expression and its value: the line is what is compared. */
#define R(expr) printf("%-60s = %ld\n", #expr, (long)(expr))

static char big_bss[3 << 20];

static int recurse(int n)
{
	volatile char buf[4096];
	buf[0] = (char)n;
	return n ? recurse(n - 1) + buf[0] : 0;
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	R(sc(SYS_write, 1, (long)0xffff888000000000UL, 10, 0, 0, 0));
	R(sc(SYS_write, 1, 0x1000, 10, 0, 0, 0));
	R(sc(SYS_write, 1, -1L, 10, 0, 0, 0));
	R(sc(SYS_write, 3, (long)"x", 1, 0, 0, 0));
	R(sc(SYS_write, 0, (long)"x", 1, 0, 0, 0) < 0);
	R(sc(SYS_write, 1, (long)"", 0, 0, 0, 0));
	R(sc(SYS_writev, 1, 0x1000, 2, 0, 0, 0));
	R(sc(SYS_writev, 1, 0, 0, 0, 0, 0));
	R(sc(SYS_writev, 1, 0, 100000, 0, 0, 0));
	struct iovec bad[2] = {{"ab", 2}, {(void *)0x1000, 5}};
	R(sc(SYS_writev, 1, (long)bad, 2, 0, 0, 0));
	R(sc(SYS_ioctl, 1, 0x5413, 0, 0, 0, 0));
	R(sc(SYS_ioctl, 7, 0x5413, 0, 0, 0, 0));
	R(sc(SYS_getpid, 0, 0, 0, 0, 0, 0) > 0);
	R(sc(SYS_arch_prctl, ARCH_GET_FS, 0x1000, 0, 0, 0, 0));
	R(sc(SYS_arch_prctl, ARCH_GET_FS, (long)0xffffffff80200000UL, 0, 0, 0, 0));
	R(sc(SYS_arch_prctl, 0x9999, 0, 0, 0, 0, 0));
	R(sc(SYS_arch_prctl, ARCH_SET_GS, (long)0xffffffff80200000UL, 0, 0, 0, 0));
	unsigned long fs = 0;
	R(sc(SYS_arch_prctl, ARCH_GET_FS, (long)&fs, 0, 0, 0, 0));
	R(fs != 0);
	R(sc(SYS_rt_sigprocmask, SIG_BLOCK, 0x1000, 0, 8, 0, 0));
	R(sc(SYS_rt_sigprocmask, 7, 0, 0, 8, 0, 0));
	R(sc(SYS_rt_sigprocmask, SIG_BLOCK, 0, 0, 4, 0, 0));
	R(sc(SYS_rt_sigaction, SIGKILL, (long)&fs, 0, 8, 0, 0));
	R(sc(SYS_rt_sigaction, 65, 0, 0, 8, 0, 0));
	R(sc(SYS_mmap, 0, 0, 3, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
	R(sc(SYS_mmap, 0, 4096, 3, MAP_PRIVATE, 5, 0));
	R(sc(SYS_mmap, 0, 4096, 3, MAP_PRIVATE | MAP_ANONYMOUS, -1, 1));
	R(sc(SYS_mmap, 0x1001, 4096, 3, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
	R(sc(SYS_mmap, 0, -4096L, 3, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
	R(sc(SYS_mmap, 0x800000000000L, 4096, 3, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
	R(sc(SYS_munmap, 0x1001, 4096, 0, 0, 0, 0));
	R(sc(SYS_munmap, 0x1000, 0, 0, 0, 0, 0));
	R(sc(SYS_munmap, 0x100000000L, 4096, 0, 0, 0, 0));
	R(sc(SYS_munmap, (long)0xffffffff80200000UL, 4096, 0, 0, 0, 0));
	/* A fixed mapping, split by munmap in the middle. */
	char *m = mmap((void *)0x200000000L, 5 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	R(m == (void *)0x200000000L);
	memset(m, 7, 5 * 4096);
	R(munmap(m + 4096 * 2, 4096));
	R(m[0] + m[4096 * 4]);
	R(mmap(m, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) == MAP_FAILED ? -errno : 0);
	R((long)mmap(m + 2 * 4096, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) - (long)m);
	R(m[2 * 4096]);
	char *h = mmap(m + 4096 * 100, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	R(h == m + 4096 * 100);
	R(munmap(m, 200 * 4096));
	/* brk */
	char *b0 = (char *)sc(SYS_brk, 0, 0, 0, 0, 0, 0);
	R(sc(SYS_brk, (long)b0 + 100000, 0, 0, 0, 0, 0) - (long)b0);
	memset(b0, 1, 100000);
	R(sc(SYS_brk, (long)b0 + 10, 0, 0, 0, 0, 0) - (long)b0);
	R(sc(SYS_brk, (long)b0 + 200000, 0, 0, 0, 0, 0) - (long)b0);
	R(b0[50000] + b0[5]);
	R(sc(SYS_brk, 8, 0, 0, 0, 0, 0) - (long)b0);
	R(sc(SYS_brk, (long)0xffffffff80200000UL, 0, 0, 0, 0, 0) - (long)b0);
	R(big_bss[1 << 20] + big_bss[(3 << 20) - 1]);
	/* A write-only mapping is readable on x86. */
	char *w = mmap(0, 4096, PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	R(w[5]);
	R(recurse(1000) >= 0);
	R(sc(999, 0, 0, 0, 0, 0, 0));
	R(sc(999, 0, 0, 0, 0, 0, 0));
	R(sc(-1, 0, 0, 0, 0, 0, 0));
	R(sc(SYS_gettid, 0, 0, 0, 0, 0, 0) > 0);
	char *q = mmap(0, 8 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(q, 9, 8 * 4096);
	R(mprotect(q + 4096, 2 * 4096, PROT_NONE));
	R(mprotect(q + 4096, 4096, PROT_READ));
	R(q[4096] + q[0]);
	R(mprotect(q + 2 * 4096, 4096, PROT_READ | PROT_WRITE));
	q[2 * 4096] = 3;
	R(q[2 * 4096]);
	R(sc(SYS_mprotect, (long)q + 1, 4096, PROT_READ, 0, 0, 0));
	R(sc(SYS_mprotect, (long)q, 4096, 0x100, 0, 0, 0));
	R(sc(SYS_mprotect, (long)q, 0, PROT_READ, 0, 0, 0));
	R(sc(SYS_mprotect, (long)q, 9 * 4096, PROT_READ, 0, 0, 0));
	R(sc(SYS_mprotect, 0x300000000L, 4096, PROT_READ, 0, 0, 0));
	R(sc(SYS_write, 1, (long)q + 4096 * 1, 1, 0, 0, 0));
	R(mprotect(q + 4096, 4096, PROT_NONE));
	R(sc(SYS_write, 1, (long)q + 4096 * 1, 1, 0, 0, 0));
	R(mprotect(q, 8 * 4096, PROT_READ | PROT_WRITE));
	R(q[4096] + q[2 * 4096] + q[7 * 4096]);
	R(munmap(q, 8 * 4096));
	return 0;
}
