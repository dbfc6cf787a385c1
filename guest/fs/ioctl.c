// SPDX-License-Identifier: MIT
/* ioctl (Linux's fs/ioctl.c): only the drivers answer; files and
 * directories have none (ENOTTY). */
#include "internal.h"
#include "syscall.h"

SYSCALL_DEFINE3(ioctl, unsigned int, fd, unsigned int, cmd, uint64_t, arg)
{
	struct file *f = fcheck(fd);
	if (!f)
		return -EBADF;
	if (!f->f_op || !f->f_op->ioctl)
		return -ENOTTY;
	return f->f_op->ioctl(f, cmd, arg);
}
