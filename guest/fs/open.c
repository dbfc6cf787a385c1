// SPDX-License-Identifier: MIT
/* Opening files and the calls on names and descriptors that go with it
 * (Linux's fs/open.c): open, openat, ftruncate, access, chdir, getcwd. */
#include "internal.h"
#include "sched.h"
#include "slab.h"
#include "string.h"
#include "syscall.h"
#include "uaccess.h"

struct file *dentry_open(struct dentry *d, int flags)
{
	struct inode *inode = d->d_inode;
	struct file *f = alloc_file(d, inode, flags, inode->i_fop);
	if (!f)
		return ERR_PTR(-ENOMEM);
	f->f_path = kmalloc(PATH_MAX);
	if (f->f_path && d_path(d, f->f_path, PATH_MAX)) {
		kfree(f->f_path);
		f->f_path = NULL;
	}
	if (f->f_op && f->f_op->open) {
		int err = f->f_op->open(inode, f);
		if (err) {
			f->f_op = NULL; /* no release for what did not open */
			fput(f);
			return ERR_PTR(err);
		}
	}
	return f;
}

struct file *filp_open(const char *path, int flags, int mode)
{
	/* exec's open, as Linux's open_exec: execute permission is exec's
	 * check, reading is not needed. */
	return do_filp_open(AT_FDCWD, path, flags | FMODE_EXEC, mode);
}

#define VALID_OPEN_FLAGS                                                                   \
	(O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | O_NONBLOCK | 010000 | \
	 020000 | 040000 | O_LARGEFILE | O_DIRECTORY | O_NOFOLLOW | O_NOATIME | O_CLOEXEC |  \
	 O_PATH)

static long do_sys_open(int dfd, uint64_t upath, int flags, int mode)
{
	char *path = getname(upath, false);
	if (IS_ERR(path))
		return PTR_ERR(path);
	/* Unknown flags are ignored, as Linux's open(2) does. */
	flags &= VALID_OPEN_FLAGS;
	int fd = get_unused_fd_flags(flags, 0);
	if (fd >= 0) {
		struct file *f = do_filp_open(dfd, path, flags | O_LARGEFILE, mode);
		if (IS_ERR(f)) {
			put_unused_fd(fd);
			fd = PTR_ERR(f);
		} else {
			fd_install(fd, f);
		}
	}
	kfree(path);
	return fd;
}

SYSCALL_DEFINE3(open, uint64_t, path, int, flags, int, mode)
{
	return do_sys_open(AT_FDCWD, path, flags, mode);
}

SYSCALL_DEFINE4(openat, int, dfd, uint64_t, path, int, flags, int, mode)
{
	return do_sys_open(dfd, path, flags, mode);
}

SYSCALL_DEFINE2(ftruncate, unsigned int, fd, int64_t, length)
{
	struct file *f = fcheck(fd);
	if (!f)
		return -EBADF;
	if (length < 0)
		return -EINVAL;
	if (S_ISDIR(f->f_inode->i_mode) || !file_writable(f))
		return -EINVAL;
	return vfs_truncate(f->f_inode, length);
}

SYSCALL_DEFINE2(creat, uint64_t, path, int, mode)
{
	return do_sys_open(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode);
}

SYSCALL_DEFINE2(truncate, uint64_t, upath, int64_t, length)
{
	if (length < 0)
		return -EINVAL;
	struct dentry *d;
	int err = user_path_at(AT_FDCWD, upath, LOOKUP_FOLLOW, &d);
	if (err)
		return err;
	err = vfs_truncate_path(d->d_inode, length);
	dput(d);
	return err;
}

/* Only the owner or root may; the set-group-ID bit goes unless the caller
 * is in the file's group (or root), as Linux's setattr does. */
static int chmod_common(struct inode *inode, int mode)
{
	if (!inode_owner_or_capable(inode))
		return -EPERM;
	if (!in_group_p(inode->i_gid) && current->fsuid != 0)
		mode &= ~S_ISGID;
	inode->i_mode = (inode->i_mode & S_IFMT) | (mode & S_IALLUGO);
	inode->i_ctime_ns = current_time_ns();
	return 0;
}

SYSCALL_DEFINE2(fchmod, unsigned int, fd, int, mode)
{
	struct file *f = fcheck(fd);
	return f ? chmod_common(f->f_inode, mode) : -EBADF;
}

static long do_fchmodat(int dfd, uint64_t upath, int mode)
{
	struct dentry *d;
	int err = user_path_at(dfd, upath, LOOKUP_FOLLOW, &d);
	if (err)
		return err;
	err = chmod_common(d->d_inode, mode);
	dput(d);
	return err;
}

SYSCALL_DEFINE3(fchmodat, int, dfd, uint64_t, path, int, mode)
{
	return do_fchmodat(dfd, path, mode);
}

SYSCALL_DEFINE2(chmod, uint64_t, path, int, mode)
{
	return do_fchmodat(AT_FDCWD, path, mode);
}

SYSCALL_DEFINE1(fchdir, unsigned int, fd)
{
	struct file *f = fcheck(fd);
	if (!f)
		return -EBADF;
	if (!f->f_dentry || !S_ISDIR(f->f_inode->i_mode))
		return -ENOTDIR;
	int err = inode_permission(f->f_inode, MAY_EXEC);
	if (err)
		return err;
	struct fs_struct *fs = current->fs;
	dput(fs->pwd);
	fs->pwd = dget(f->f_dentry);
	return 0;
}

#define F_OK 0
#define X_OK 1
#define W_OK 2
#define R_OK 4

/* The mode bits for the real uid and gid (AT_EACCESS: the effective
 * ones); root reads and writes anything, executes what has an x bit. */
static long do_faccessat(int dfd, uint64_t upath, int mode, int flags)
{
	if (mode & ~(R_OK | W_OK | X_OK))
		return -EINVAL;
	if (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	struct dentry *d;
	int err = user_path_at(dfd, upath,
			       (flags & AT_SYMLINK_NOFOLLOW ? 0 : LOOKUP_FOLLOW) |
				       (flags & AT_EMPTY_PATH ? LOOKUP_EMPTY : 0),
			       &d);
	if (err)
		return err;
	/* X_OK, W_OK, R_OK are MAY_EXEC, MAY_WRITE, MAY_READ. */
	if (mode)
		err = access_permission(d->d_inode, mode, flags & AT_EACCESS);
	dput(d);
	return err;
}

SYSCALL_DEFINE2(access, uint64_t, path, int, mode)
{
	return do_faccessat(AT_FDCWD, path, mode, 0);
}

SYSCALL_DEFINE3(faccessat, int, dfd, uint64_t, path, int, mode)
{
	return do_faccessat(dfd, path, mode, 0);
}

SYSCALL_DEFINE4(faccessat2, int, dfd, uint64_t, path, int, mode, int, flags)
{
	return do_faccessat(dfd, path, mode, flags);
}

SYSCALL_DEFINE1(chdir, uint64_t, path)
{
	struct dentry *d;
	int err = user_path_at(AT_FDCWD, path, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &d);
	if (err)
		return err;
	if (!S_ISDIR(d->d_inode->i_mode))
		err = -ENOTDIR;
	else
		err = inode_permission(d->d_inode, MAY_EXEC);
	if (err) {
		dput(d);
		return err;
	}
	struct fs_struct *fs = current->fs;
	dput(fs->pwd);
	fs->pwd = d;
	return 0;
}

SYSCALL_DEFINE2(getcwd, uint64_t, buf, uint64_t, size)
{
	char *path = kmalloc(PATH_MAX);
	if (!path)
		return -ENOMEM;
	int err = d_path(current->fs->pwd, path, PATH_MAX);
	if (!err) {
		size_t len = strlen(path) + 1;
		if (len > size)
			err = -ERANGE;
		else if (copy_to_user(buf, path, len))
			err = -EFAULT;
		else
			err = len;
	}
	kfree(path);
	return err;
}
