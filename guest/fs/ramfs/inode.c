// SPDX-License-Identifier: MIT
/*
 * The RAM file systems (Linux's ramfs and tmpfs): rootfs with the initrd's
 * contents, /tmp, /dev/shm and /dev. Directories are their dentries, file
 * data is the page cache, a symlink's target is kept in i_private. tmpfs
 * files count as Shmem, rootfs files as Cached, as on Linux.
 */
#include "../internal.h"
#include "sched.h"
#include "slab.h"
#include "string.h"

static int noop_fsync(struct file *f)
{
	(void)f;
	return 0;
}

static long generic_read_dir(struct file *f, struct iov_iter *to, loff_t *pos)
{
	(void)f;
	(void)to;
	(void)pos;
	return -EISDIR;
}

const struct file_operations ramfs_file_operations = {
	.read_iter = filemap_read,
	.write_iter = generic_perform_write,
	.llseek = generic_file_llseek,
	.mmap = generic_file_mmap,
	.fsync = noop_fsync,
};

const struct file_operations ramfs_dir_operations = {
	.open = dcache_dir_open,
	.release = dcache_dir_close,
	.read_iter = generic_read_dir,
	.llseek = dcache_dir_lseek,
	.iterate = dcache_readdir,
	.fsync = noop_fsync,
};

const struct inode_operations ramfs_file_inode_operations = {
	.setsize = simple_setsize,
};

static long ramfs_get_link(struct dentry *d, char *buf, size_t size)
{
	struct inode *inode = d->d_inode;
	size_t n = MIN(inode->i_size, size);
	memcpy(buf, inode->i_private, n);
	return n;
}

const struct inode_operations ramfs_symlink_inode_operations = {
	.get_link = ramfs_get_link,
};

struct inode *ramfs_get_inode(struct dentry *dir, uint32_t mode, uint32_t dev)
{
	struct inode *inode = new_inode(mode, dev);
	if (!inode)
		return NULL;
	if (dev != DEV_ROOTFS)
		inode->i_flags |= S_SHMEM;
	/* The creator owns it; in a set-group-ID directory the group is the
	 * directory's, and a subdirectory inherits the bit (Linux's
	 * inode_init_owner). The boot's files belong to root. */
	if (current) {
		inode->i_uid = current->fsuid;
		inode->i_gid = current->fsgid;
	}
	if (dir && (dir->d_inode->i_mode & S_ISGID)) {
		inode->i_gid = dir->d_inode->i_gid;
		if (S_ISDIR(mode))
			inode->i_mode |= S_ISGID;
	}
	switch (mode & S_IFMT) {
	case S_IFREG:
		inode->i_op = &ramfs_file_inode_operations;
		inode->i_fop = &ramfs_file_operations;
		break;
	case S_IFDIR:
		inode->i_op = &ramfs_dir_inode_operations;
		inode->i_fop = &ramfs_dir_operations;
		inode->i_nlink = 2;
		/* A directory's size, as tmpfs reports it. */
		inode->i_size = 40;
		if (dir)
			dir->d_inode->i_nlink++;
		break;
	case S_IFLNK:
		inode->i_op = &ramfs_symlink_inode_operations;
		break;
	case S_IFCHR:
		inode->i_fop = &def_chr_fops;
		break;
	}
	return inode;
}

/* A new name in dir for a new inode; *res gets a reference if wanted. */
static int ramfs_new(struct dentry *dir, const char *name, uint32_t mode, struct inode **out,
		     struct dentry **res)
{
	struct dentry *d = d_alloc(dir, name, strlen(name));
	if (!d)
		return -ENOSPC;
	struct inode *inode = ramfs_get_inode(dir, mode, dir->d_inode->i_dev);
	if (!inode) {
		dput(d);
		return -ENOSPC;
	}
	d_add(d, inode);
	inode_touch_mtime(dir->d_inode);
	if (out)
		*out = inode;
	if (res)
		*res = d;
	else
		dput(d);
	return 0;
}

static int ramfs_create(struct dentry *dir, const char *name, uint32_t mode, struct dentry **res)
{
	return ramfs_new(dir, name, mode, NULL, res);
}

static int ramfs_mkdir(struct dentry *dir, const char *name, uint32_t mode)
{
	return ramfs_new(dir, name, mode, NULL, NULL);
}

int ramfs_mknod(struct dentry *dir, const char *name, uint32_t mode, uint32_t rdev)
{
	struct inode *inode;
	int err = ramfs_new(dir, name, mode, &inode, NULL);
	if (!err)
		inode->i_rdev = rdev;
	return err;
}

int ramfs_symlink(struct dentry *dir, const char *name, const char *target, size_t len)
{
	char *copy = kmalloc(len + 1);
	if (!copy)
		return -ENOSPC;
	memcpy(copy, target, len);
	copy[len] = '\0';
	struct inode *inode;
	int err = ramfs_new(dir, name, S_IFLNK | 0777, &inode, NULL);
	if (err) {
		kfree(copy);
		return err;
	}
	inode->i_private = copy;
	inode->i_size = len;
	return 0;
}

static int ramfs_unlink(struct dentry *dir, struct dentry *d)
{
	struct inode *inode = d->d_inode;
	inode->i_nlink--;
	inode->i_ctime_ns = current_time_ns();
	inode_touch_mtime(dir->d_inode);
	d_delete(d);
	return 0;
}

static int ramfs_rmdir(struct dentry *dir, struct dentry *d)
{
	d->d_inode->i_nlink = 0;
	dir->d_inode->i_nlink--;
	inode_touch_mtime(dir->d_inode);
	d_delete(d);
	return 0;
}

/* The VFS checked types and emptiness; a target of the new name goes. */
static int ramfs_rename(struct dentry *old_dir, struct dentry *old, struct dentry *new_dir,
			const char *new_name)
{
	char *name = kmalloc(strlen(new_name) + 1);
	if (!name)
		return -ENOMEM;
	memcpy(name, new_name, strlen(new_name) + 1);
	struct dentry *target = d_lookup(new_dir, new_name);
	if (target) {
		if (S_ISDIR(target->d_inode->i_mode))
			ramfs_rmdir(new_dir, target);
		else
			ramfs_unlink(new_dir, target);
		dput(target);
	}
	bool is_dir = S_ISDIR(old->d_inode->i_mode);
	list_del(&old->d_child);
	kfree(old->d_name);
	old->d_name = name;
	if (old_dir != new_dir) {
		old->d_parent = dget(new_dir);
		if (is_dir) {
			old_dir->d_inode->i_nlink--;
			new_dir->d_inode->i_nlink++;
		}
		dput(old_dir);
	}
	list_add_tail(&old->d_child, &new_dir->d_subdirs);
	old->d_inode->i_ctime_ns = current_time_ns();
	inode_touch_mtime(old_dir->d_inode);
	inode_touch_mtime(new_dir->d_inode);
	return 0;
}

const struct inode_operations ramfs_dir_inode_operations = {
	.create = ramfs_create,
	.mkdir = ramfs_mkdir,
	.unlink = ramfs_unlink,
	.rmdir = ramfs_rmdir,
	.rename = ramfs_rename,
};

struct dentry *ramfs_mount_at(struct dentry *dir, const char *name, uint32_t mode, uint32_t dev)
{
	/* Whatever the initrd had there is hidden, as under a Linux mount. */
	struct dentry *old = d_lookup(dir, name);
	if (old) {
		if (S_ISDIR(old->d_inode->i_mode))
			ramfs_rmdir(dir, old);
		else
			ramfs_unlink(dir, old);
		dput(old);
	}
	struct dentry *d = d_alloc(dir, name, strlen(name));
	struct inode *inode = d ? ramfs_get_inode(dir, S_IFDIR | mode, dev) : NULL;
	if (!inode) {
		dput(d);
		return NULL;
	}
	d->d_flags |= DCACHE_MOUNT;
	d_add(d, inode);
	dput(d);
	return d;
}
