/* SPDX-License-Identifier: MIT */
/* Linux x86-64 system call numbers the kernel implements. */
#ifndef GUEST_SYSCALL_H
#define GUEST_SYSCALL_H

#include <stdint.h>

#define __NR_write 1
#define __NR_mmap 9
#define __NR_mprotect 10
#define __NR_munmap 11
#define __NR_brk 12
#define __NR_rt_sigaction 13
#define __NR_rt_sigprocmask 14
#define __NR_ioctl 16
#define __NR_writev 20
#define __NR_getpid 39
#define __NR_exit 60
#define __NR_getppid 110
#define __NR_arch_prctl 158
#define __NR_gettid 186
#define __NR_set_tid_address 218
#define __NR_exit_group 231

struct pt_regs;
void do_syscall_64(struct pt_regs *regs);
/* arch/x86: the LSTAR target (syscall_64.S). */
void entry_SYSCALL_64(void);

/* fs/tty.c: file descriptors 0..2 are the console. */
long sys_write(uint64_t fd, uint64_t buf, uint64_t count);
long sys_writev(uint64_t fd, uint64_t iov, uint64_t iovcnt);
long sys_ioctl(uint64_t fd, uint64_t cmd, uint64_t arg);
/* arch/x86/process.c */
long sys_arch_prctl(uint64_t code, uint64_t addr);

#endif
