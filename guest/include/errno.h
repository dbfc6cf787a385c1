/* SPDX-License-Identifier: MIT */
/* Linux errno values: syscalls return them negated. */
#ifndef GUEST_ERRNO_H
#define GUEST_ERRNO_H

#define EPERM 1
#define ENOENT 2
#define ESRCH 3
#define EINTR 4
#define EIO 5
#define E2BIG 7
#define ENOEXEC 8
#define EBADF 9
#define ENOMEM 12
#define EACCES 13
#define EFAULT 14
#define EEXIST 17
#define ENODEV 19
#define EINVAL 22
#define ENOTTY 25
#define ENOSYS 38

#endif
