// SPDX-License-Identifier: MIT
/*
 * Unlinked RAM files (Linux's mm/shmem.c and mm/memfd.c): the memory
 * behind shared anonymous mappings, MAP_SHARED of /dev/zero, SysV shm,
 * and memfd_create. They have no name in the tree; the name they show in
 * /proc/PID/maps is given here.
 */
#include "../internal.h"
#include "printk.h"
#include "sched.h"
#include "slab.h"
#include "string.h"
#include "syscall.h"

static struct file *shmem_file(const char *name, uint64_t size, uint32_t mode)
{
	struct inode *inode = new_inode(S_IFREG | mode, DEV_SHMEM);
	if (!inode)
		return NULL;
	inode->i_nlink = 0;
	inode->i_flags |= S_SHMEM | S_PRIVATE;
	/* Owned by its creator (fstat, fchmod). */
	if (current) {
		inode->i_uid = current->fsuid;
		inode->i_gid = current->fsgid;
	}
	inode->i_size = size;
	inode->i_op = &ramfs_file_inode_operations;
	inode->i_fop = &ramfs_file_operations;
	struct file *f = alloc_file(NULL, inode, O_RDWR | O_LARGEFILE, inode->i_fop);
	iput(inode);
	if (!f)
		return NULL;
	size_t len = strlen(name) + 1;
	f->f_path = kmalloc(len);
	if (!f->f_path) {
		fput(f);
		return NULL;
	}
	memcpy(f->f_path, name, len);
	return f;
}

struct file *shmem_file_setup(const char *name, uint64_t size)
{
	return shmem_file(name, size, 0777);
}

#define MFD_CLOEXEC 0x0001U
#define MFD_ALLOW_SEALING 0x0002U
#define MFD_HUGETLB 0x0004U
#define MFD_NOEXEC_SEAL 0x0008U
#define MFD_EXEC 0x0010U
#define MFD_NAME_MAX_LEN (NAME_MAX - 6) /* "memfd:" */

SYSCALL_DEFINE2(memfd_create, uint64_t, uname, unsigned int, flags)
{
	if (flags & ~(MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB | MFD_NOEXEC_SEAL | MFD_EXEC))
		return -EINVAL;
	if ((flags & MFD_EXEC) && (flags & MFD_NOEXEC_SEAL))
		return -EINVAL;
	/* No huge pages behind files. */
	if (flags & MFD_HUGETLB)
		return -EINVAL;
	char *name = getname(uname, true);
	if (IS_ERR(name))
		return PTR_ERR(name);
	long ret = -EINVAL;
	if (strlen(name) > MFD_NAME_MAX_LEN)
		goto out;
	char *shown = kmalloc(strlen(name) + 32);
	ret = -ENOMEM;
	if (!shown)
		goto out;
	snprintf(shown, strlen(name) + 32, "/memfd:%s (deleted)", name);
	int fd = get_unused_fd_flags(flags & MFD_CLOEXEC ? O_CLOEXEC : 0, 0);
	if (fd < 0) {
		ret = fd;
	} else {
		struct file *f = shmem_file(shown, 0, flags & MFD_NOEXEC_SEAL ? 0666 : 0777);
		if (!f) {
			put_unused_fd(fd);
		} else {
			fd_install(fd, f);
			ret = fd;
		}
	}
	kfree(shown);
out:
	kfree(name);
	return ret;
}
