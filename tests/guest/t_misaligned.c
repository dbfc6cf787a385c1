/* SPDX-License-Identifier: MIT */
/*
 * Addresses that are not page-aligned: EINVAL from the calls that demand
 * alignment, rounding by the ones that do not (mlock, shmat with SHM_RND).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "suite.h"

int main(void)
{
	char *p = map_isolated(4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	char *odd = p + 123;
	unsigned char vec[4];
	if (!p)
		bail_out("mmap failed");

	plan(14);
	is_errno(syscall(SYS_munmap, odd, PAGE), EINVAL, "munmap: EINVAL");
	is_errno(syscall(SYS_mprotect, odd, PAGE, PROT_READ), EINVAL, "mprotect: EINVAL");
	is_errno(syscall(SYS_madvise, odd, PAGE, MADV_DONTNEED), EINVAL, "madvise: EINVAL");
	is_errno(syscall(SYS_msync, odd, PAGE, MS_SYNC), EINVAL, "msync: EINVAL");
	is_errno(syscall(SYS_mremap, odd, PAGE, 2 * PAGE, MREMAP_MAYMOVE, 0), EINVAL, "mremap: EINVAL");
	is_errno(syscall(SYS_mincore, odd, PAGE, vec), EINVAL, "mincore: EINVAL");
	is_errno(syscall(SYS_mmap, odd, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0), EINVAL,
		 "mmap MAP_FIXED: EINVAL");
	is_errno(syscall(SYS_mmap, odd, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0),
		 EINVAL, "mmap MAP_FIXED_NOREPLACE: EINVAL");
	is_long(syscall(SYS_mlock, odd, 10), 0, "mlock rounds to the page");
	is_long(syscall(SYS_munlock, odd, 10), 0, "munlock too");
	char *hinted = mmap(odd, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ok(hinted != MAP_FAILED && (unsigned long)hinted % PAGE == 0, "an unaligned hint still gives an aligned mapping");

	int id = shmget(IPC_PRIVATE, PAGE, IPC_CREAT | 0600);
	munmap(p + 2 * PAGE, PAGE);
	is_errno((long)shmat(id, p + 2 * PAGE + 5, 0), EINVAL, "shmat at an unaligned address: EINVAL");
	char *rounded = shmat(id, p + 2 * PAGE + 5, SHM_RND);
	is_hex((unsigned long)rounded, (unsigned long)(p + 2 * PAGE), "shmat with SHM_RND rounds down");
	ok(rounded != (void *)-1 && shmdt(rounded + 5) == -1 && errno == EINVAL, "shmdt of an unaligned address: EINVAL");
	shmdt(rounded);
	shmctl(id, IPC_RMID, NULL);
	return done_testing();
}
