/* SPDX-License-Identifier: MIT */
/* Linux errno values: syscalls return them negated. */
#ifndef GUEST_ERRNO_H
#define GUEST_ERRNO_H

#define EPERM 1
#define ENOENT 2
#define ESRCH 3
#define EINTR 4
#define EIO 5
#define ENXIO 6
#define E2BIG 7
#define ENOEXEC 8
#define EBADF 9
#define ECHILD 10
#define EAGAIN 11
#define ENOMEM 12
#define EACCES 13
#define EFAULT 14
#define EBUSY 16
#define EEXIST 17
#define EXDEV 18
#define ENODEV 19
#define ENOTDIR 20
#define EISDIR 21
#define EINVAL 22
#define ENFILE 23
#define EMFILE 24
#define ENOTTY 25
#define EFBIG 27
#define ENOSPC 28
#define ESPIPE 29
#define EROFS 30
#define ERANGE 34
#define ENAMETOOLONG 36
#define ENOSYS 38
#define ENOTEMPTY 39
#define ELOOP 40
#define EOVERFLOW 75
#define EOPNOTSUPP 95
#define ENOTSUP EOPNOTSUPP

/* Kernel-internal: a system call interrupted by a signal, restarted or
 * turned into EINTR on the way to user mode (never seen by programs). */
#define ERESTARTSYS 512      /* EINTR if a handler runs without SA_RESTART */
#define ERESTARTNOINTR 513   /* always restarted */
#define ERESTARTNOHAND 514   /* EINTR if a handler runs */
#define ERESTART_RESTARTBLOCK 516 /* EINTR, or restart_syscall (the time left) */

#endif
