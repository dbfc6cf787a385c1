// SPDX-License-Identifier: MIT
/*
 * The file systems at boot (Linux's init/initramfs.c and the first
 * mounts): rootfs filled from the initrd's newc archive, then /dev (null,
 * zero, console), /dev/shm and /tmp (tmpfs), /proc.
 */
#include "cpio.h"
#include "internal.h"
#include "pmm.h"
#include "printk.h"
#include "string.h"

/* The parent of path in the tree and its last name (in last). */
static struct dentry *initrd_parent(const char *path, size_t len, char *last)
{
	size_t slash = len;
	while (slash > 0 && path[slash - 1] != '/')
		slash--;
	if (len - slash > NAME_MAX)
		return NULL;
	memcpy(last, path + slash, len - slash);
	last[len - slash] = '\0';
	char dir[PATH_MAX];
	if (slash >= sizeof(dir))
		return NULL;
	memcpy(dir, path, slash);
	dir[slash] = '\0';
	struct dentry *d;
	if (kern_path_at(root_dentry, dir, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &d))
		return NULL;
	return d;
}

static int write_initrd_file(struct inode *inode, const unsigned char *data, size_t size)
{
	for (size_t off = 0; off < size; off += PAGE_SIZE) {
		struct page *page = filemap_get_page(&inode->i_data, off >> PAGE_SHIFT, true);
		if (!page)
			return -ENOMEM;
		memcpy(page_address(page), data + off, MIN(PAGE_SIZE, size - off));
		put_page(page);
	}
	inode->i_size = size;
	return 0;
}

/* One archive member; a later member of the same name replaces it. */
static int unpack_entry(const struct cpio_entry *e)
{
	const char *name = e->name;
	size_t len = e->name_len;
	while (len && (name[0] == '/' || (name[0] == '.' && (len == 1 || name[1] == '/')))) {
		name++;
		len--;
	}
	while (len && name[len - 1] == '/')
		len--;
	if (!len)
		return 0; /* the root itself */
	char last[NAME_MAX + 1];
	struct dentry *dir = initrd_parent(name, len, last);
	if (!dir)
		return -ENOENT;
	uint32_t type = e->mode & S_IFMT, perm = e->mode & 07777;
	struct dentry *old = d_lookup(dir, last);
	int err = 0;
	if (old && type == S_IFDIR && S_ISDIR(old->d_inode->i_mode)) {
		old->d_inode->i_mode = S_IFDIR | perm;
		dput(old);
		dput(dir);
		return 0;
	}
	if (old) {
		if (S_ISDIR(old->d_inode->i_mode))
			dir->d_inode->i_op->rmdir(dir, old);
		else
			dir->d_inode->i_op->unlink(dir, old);
		dput(old);
	}
	struct dentry *d;
	switch (type) {
	case S_IFREG:
		err = dir->d_inode->i_op->create(dir, last, S_IFREG | perm, &d);
		if (!err) {
			err = write_initrd_file(d->d_inode, e->data, e->size);
			dput(d);
		}
		break;
	case S_IFDIR:
		err = dir->d_inode->i_op->mkdir(dir, last, S_IFDIR | perm);
		break;
	case S_IFLNK:
		err = ramfs_symlink(dir, last, (const char *)e->data, e->size);
		break;
	default:
		/* Device nodes, fifos, sockets: /dev is made here instead. */
		break;
	}
	dput(dir);
	return err;
}

static int unpack_to_rootfs(const void *archive, size_t size)
{
	size_t pos = 0;
	unsigned int files = 0;
	for (;;) {
		struct cpio_entry e;
		int r = cpio_next(archive, size, &pos, &e);
		if (r == CPIO_END)
			break;
		if (r != CPIO_OK) {
			pr_err("initrd: %s; unpacked what came before", cpio_strerror(r));
			return -EINVAL;
		}
		int err = unpack_entry(&e);
		if (err == -ENOMEM)
			return err;
		if (err)
			pr_warn("initrd: %.*s: cannot unpack it (error %d)", (int)e.name_len, e.name, -err);
		else
			files++;
	}
	pr_info("initrd: %u entries unpacked, %lu KiB in the page cache", files,
		nr_file_pages << (PAGE_SHIFT - 10));
	return 0;
}

static int init_dev(void)
{
	struct dentry *dev = ramfs_mount_at(root_dentry, "dev", 0755, DEV_DEVTMPFS);
	if (!dev)
		return -ENOMEM;
	int err = ramfs_mknod(dev, "null", S_IFCHR | 0666, MKDEV(1, 3));
	if (!err)
		err = ramfs_mknod(dev, "zero", S_IFCHR | 0666, MKDEV(1, 5));
	if (!err)
		err = ramfs_mknod(dev, "console", S_IFCHR | 0600, MKDEV(5, 1));
	if (!err)
		err = ramfs_mount_at(dev, "shm", S_ISVTX | 0777, DEV_SHM) ? 0 : -ENOMEM;
	return err;
}

int vfs_init(const void *initrd, size_t size)
{
	struct inode *inode = ramfs_get_inode(NULL, S_IFDIR | 0755, DEV_ROOTFS);
	root_dentry = inode ? d_alloc(NULL, "/", 1) : NULL;
	if (!root_dentry)
		return -ENOMEM;
	root_dentry->d_inode = inode;
	root_dentry->d_flags = DCACHE_MOUNT;
	inode->i_ino = 1;

	int err = 0;
	if (initrd && size)
		err = unpack_to_rootfs(initrd, size);
	if (err == -ENOMEM)
		return err;
	err = init_dev();
	if (!err && !ramfs_mount_at(root_dentry, "tmp", S_ISVTX | 0777, DEV_TMP))
		err = -ENOMEM;
	if (!err && !proc_mount(root_dentry))
		err = -ENOMEM;
	return err;
}
