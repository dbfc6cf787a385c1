// SPDX-License-Identifier: MIT
/* stat, fstat, lstat, newfstatat, statx, readlink (Linux's fs/stat.c). */
#include "internal.h"
#include "sched.h"
#include "slab.h"
#include "string.h"
#include "syscall.h"
#include "uaccess.h"

/* x86-64's struct stat */
struct stat {
	uint64_t st_dev;
	uint64_t st_ino;
	uint64_t st_nlink;
	uint32_t st_mode;
	uint32_t st_uid;
	uint32_t st_gid;
	uint32_t __pad0;
	uint64_t st_rdev;
	int64_t st_size;
	int64_t st_blksize;
	int64_t st_blocks;
	int64_t st_atime, st_atime_nsec;
	int64_t st_mtime, st_mtime_nsec;
	int64_t st_ctime, st_ctime_nsec;
	int64_t __unused[3];
};

struct statx_timestamp {
	int64_t tv_sec;
	uint32_t tv_nsec;
	int32_t __reserved;
};

struct statx {
	uint32_t stx_mask;
	uint32_t stx_blksize;
	uint64_t stx_attributes;
	uint32_t stx_nlink;
	uint32_t stx_uid;
	uint32_t stx_gid;
	uint16_t stx_mode;
	uint16_t __spare0;
	uint64_t stx_ino;
	uint64_t stx_size;
	uint64_t stx_blocks;
	uint64_t stx_attributes_mask;
	struct statx_timestamp stx_atime, stx_btime, stx_ctime, stx_mtime;
	uint32_t stx_rdev_major, stx_rdev_minor;
	uint32_t stx_dev_major, stx_dev_minor;
	uint64_t stx_mnt_id;
	uint32_t stx_dio_mem_align, stx_dio_offset_align;
	uint64_t __spare3[12];
};
_Static_assert(sizeof(struct stat) == 144, "struct stat");
_Static_assert(sizeof(struct statx) == 256, "struct statx");

#define STATX_BASIC_STATS 0x7ffU
#define STATX__RESERVED 0x80000000U
#define AT_STATX_FORCE_SYNC 0x2000
#define AT_STATX_DONT_SYNC 0x4000

static void generic_fillattr(struct inode *inode, struct kstat *st)
{
	st->ino = inode->i_ino;
	st->dev = inode->i_dev;
	st->rdev = inode->i_rdev;
	st->mode = inode->i_mode;
	st->uid = inode->i_uid;
	st->gid = inode->i_gid;
	st->nlink = inode->i_nlink;
	st->size = inode->i_size;
	/* 512-byte blocks of what is in memory */
	st->blocks = inode->i_data.nrpages * (PAGE_SIZE / 512);
	st->atime_ns = inode->i_atime_ns;
	st->mtime_ns = inode->i_mtime_ns;
	st->ctime_ns = inode->i_ctime_ns;
}

/* What a stat call names: dfd itself for "" with AT_EMPTY_PATH (any file,
 * memfds included), else the path. */
static int vfs_statx(int dfd, uint64_t upath, int flags, struct kstat *st)
{
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH | AT_STATX_SYNC_TYPE))
		return -EINVAL;
	char *path = getname(upath, flags & AT_EMPTY_PATH);
	if (IS_ERR(path))
		return PTR_ERR(path);
	int err;
	if (!path[0]) {
		struct file *f = dfd == AT_FDCWD ? NULL : fcheck(dfd);
		struct inode *inode = dfd == AT_FDCWD ? current->fs->pwd->d_inode : f ? f->f_inode : NULL;
		err = inode ? 0 : -EBADF;
		if (inode)
			generic_fillattr(inode, st);
	} else {
		struct dentry *base, *d;
		err = path_base(dfd, path, &base);
		if (!err) {
			err = kern_path_at(base, path, flags & AT_SYMLINK_NOFOLLOW ? 0 : LOOKUP_FOLLOW, &d);
			dput(base);
		}
		if (!err) {
			generic_fillattr(d->d_inode, st);
			dput(d);
		}
	}
	kfree(path);
	return err;
}

static int cp_new_stat(const struct kstat *st, uint64_t ubuf)
{
	struct stat tmp = {
		.st_dev = st->dev,
		.st_ino = st->ino,
		.st_nlink = st->nlink,
		.st_mode = st->mode,
		.st_uid = st->uid,
		.st_gid = st->gid,
		.st_rdev = st->rdev,
		.st_size = st->size,
		.st_blksize = PAGE_SIZE,
		.st_blocks = st->blocks,
		.st_atime = st->atime_ns / 1000000000,
		.st_atime_nsec = st->atime_ns % 1000000000,
		.st_mtime = st->mtime_ns / 1000000000,
		.st_mtime_nsec = st->mtime_ns % 1000000000,
		.st_ctime = st->ctime_ns / 1000000000,
		.st_ctime_nsec = st->ctime_ns % 1000000000,
	};
	return copy_to_user(ubuf, &tmp, sizeof(tmp)) ? -EFAULT : 0;
}

static long do_stat(int dfd, uint64_t path, uint64_t ubuf, int flags)
{
	struct kstat st;
	int err = vfs_statx(dfd, path, flags, &st);
	return err ? err : cp_new_stat(&st, ubuf);
}

SYSCALL_DEFINE2(stat, uint64_t, path, uint64_t, buf)
{
	return do_stat(AT_FDCWD, path, buf, 0);
}

SYSCALL_DEFINE2(lstat, uint64_t, path, uint64_t, buf)
{
	return do_stat(AT_FDCWD, path, buf, AT_SYMLINK_NOFOLLOW);
}

SYSCALL_DEFINE4(newfstatat, int, dfd, uint64_t, path, uint64_t, buf, int, flags)
{
	return do_stat(dfd, path, buf, flags);
}

SYSCALL_DEFINE2(fstat, unsigned int, fd, uint64_t, buf)
{
	struct file *f = fcheck(fd);
	if (!f)
		return -EBADF;
	struct kstat st;
	generic_fillattr(f->f_inode, &st);
	return cp_new_stat(&st, buf);
}

static struct statx_timestamp statx_ts(int64_t ns)
{
	return (struct statx_timestamp){.tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000};
}

SYSCALL_DEFINE5(statx, int, dfd, uint64_t, path, int, flags, unsigned int, mask, uint64_t, buf)
{
	if (mask & STATX__RESERVED)
		return -EINVAL;
	if ((flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE)
		return -EINVAL;
	struct kstat st;
	int err = vfs_statx(dfd, path, flags, &st);
	if (err)
		return err;
	struct statx tmp = {
		.stx_mask = STATX_BASIC_STATS,
		.stx_blksize = PAGE_SIZE,
		.stx_nlink = st.nlink,
		.stx_mode = st.mode,
		.stx_uid = st.uid,
		.stx_gid = st.gid,
		.stx_ino = st.ino,
		.stx_size = st.size,
		.stx_blocks = st.blocks,
		.stx_atime = statx_ts(st.atime_ns),
		.stx_ctime = statx_ts(st.ctime_ns),
		.stx_mtime = statx_ts(st.mtime_ns),
		.stx_rdev_major = MAJOR(st.rdev),
		.stx_rdev_minor = MINOR(st.rdev),
		.stx_dev_major = MAJOR(st.dev),
		.stx_dev_minor = MINOR(st.dev),
	};
	return copy_to_user(buf, &tmp, sizeof(tmp)) ? -EFAULT : 0;
}

static long do_readlinkat(int dfd, uint64_t upath, uint64_t buf, int bufsiz)
{
	if (bufsiz <= 0)
		return -EINVAL;
	char *path = getname(upath, true);
	if (IS_ERR(path))
		return PTR_ERR(path);
	bool empty = !path[0];
	struct dentry *base, *d = NULL;
	int err = path_base(dfd, path, &base);
	if (!err) {
		err = kern_path_at(base, path, 0, &d);
		dput(base);
	}
	kfree(path);
	if (err)
		return err;
	const struct inode_operations *iop = d->d_inode->i_op;
	/* "" names dfd itself: ENOENT unless it is a symlink. */
	long ret = empty ? -ENOENT : -EINVAL;
	if (S_ISLNK(d->d_inode->i_mode) && iop && iop->get_link) {
		char *target = kmalloc(PATH_MAX);
		ret = -ENOMEM;
		if (target) {
			ret = iop->get_link(d, target, PATH_MAX);
			if (ret > bufsiz)
				ret = bufsiz;
			if (ret > 0 && copy_to_user(buf, target, ret))
				ret = -EFAULT;
			kfree(target);
		}
	}
	dput(d);
	return ret;
}

SYSCALL_DEFINE3(readlink, uint64_t, path, uint64_t, buf, int, bufsiz)
{
	return do_readlinkat(AT_FDCWD, path, buf, bufsiz);
}

SYSCALL_DEFINE4(readlinkat, int, dfd, uint64_t, path, uint64_t, buf, int, bufsiz)
{
	return do_readlinkat(dfd, path, buf, bufsiz);
}
