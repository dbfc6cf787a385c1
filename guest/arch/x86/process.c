// SPDX-License-Identifier: MIT
/* arch_prctl: the user FS and GS bases (TLS). */
#include "errno.h"
#include "page.h"
#include "percpu.h"
#include "sched.h"
#include "syscall.h"
#include "uaccess.h"
#include "x86.h"

#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004

SYSCALL_DEFINE2(arch_prctl, uint64_t, code, uint64_t, addr)
{
	struct task_struct *p = current;

	switch (code) {
	case ARCH_SET_FS:
	case ARCH_SET_GS:
		/* A base in the kernel half would let user mode address it. */
		if (addr >= TASK_SIZE)
			return -EPERM;
		if (code == ARCH_SET_FS) {
			p->thread.fs_base = addr;
			wrmsr(MSR_FS_BASE, addr);
		} else {
			p->thread.gs_base = addr;
			/* In the kernel, the user GS base is the swapped-out one. */
			wrmsr(MSR_KERNEL_GS_BASE, addr);
		}
		return 0;
	case ARCH_GET_FS:
		return copy_to_user(addr, &p->thread.fs_base, sizeof(p->thread.fs_base));
	case ARCH_GET_GS:
		return copy_to_user(addr, &p->thread.gs_base, sizeof(p->thread.gs_base));
	}
	return -EINVAL;
}
