/* SPDX-License-Identifier: MIT */
/*
 * fs/ private: the VFS's own types and the helpers its files share. The
 * rest of the kernel sees only include/fs.h.
 */
#ifndef GUEST_FS_INTERNAL_H
#define GUEST_FS_INTERNAL_H

#include "errno.h"
#include "fs.h"
#include "page.h"

struct kstat;

/* What a directory can do; a NULL operation is refused with Linux's error
 * for that call (EACCES for create, EPERM for mkdir and unlink, ...). */
struct inode_operations {
	/* Directories whose entries are made on demand (/proc): a new
	 * unhashed dentry with one reference, NULL if absent, or ERR_PTR. */
	struct dentry *(*lookup)(struct dentry *dir, const char *name);
	int (*create)(struct dentry *dir, const char *name, uint32_t mode, struct dentry **res);
	int (*mkdir)(struct dentry *dir, const char *name, uint32_t mode);
	int (*unlink)(struct dentry *dir, struct dentry *d);
	int (*rmdir)(struct dentry *dir, struct dentry *d);
	int (*rename)(struct dentry *old_dir, struct dentry *old, struct dentry *new_dir,
		      const char *new_name);
	/* A symlink's target into buf (not NUL-terminated): its length or
	 * -errno. */
	long (*get_link)(struct dentry *d, char *buf, size_t size);
	/* The size changes (truncate): 0 or -errno. */
	int (*setsize)(struct inode *inode, loff_t size);
};

/* getdents64: emit returns false once the caller's buffer is full. */
struct dir_context {
	bool (*emit)(struct dir_context *ctx, const char *name, size_t len, uint64_t ino,
		     unsigned int type);
	loff_t pos;
};
/* d_type values */
#define DT_UNKNOWN 0
#define DT_CHR 2
#define DT_DIR 4
#define DT_REG 8
#define DT_LNK 10
static inline unsigned int dt_type(uint32_t mode)
{
	return (mode >> 12) & 15;
}

/* Device numbers of the file systems (st_dev, the maps' dev column). */
#define DEV_SHMEM MKDEV(0, 1)   /* shmem_file_setup, memfd */
#define DEV_ROOTFS MKDEV(0, 2)  /* the initrd's ramfs */
#define DEV_DEVTMPFS MKDEV(0, 5)
#define DEV_TMP MKDEV(0, 29)
#define DEV_SHM MKDEV(0, 24)
#define DEV_PROC MKDEV(0, 22)

/* inode.c */
struct inode *new_inode(uint32_t mode, uint32_t dev);
static inline struct inode *ihold(struct inode *inode)
{
	inode->i_count++;
	return inode;
}
void iput(struct inode *inode);
int64_t current_time_ns(void);
void inode_touch_mtime(struct inode *inode);
extern uint64_t nr_inodes;

/* dcache.c */
struct dentry *d_alloc(struct dentry *parent, const char *name, size_t len);
static inline struct dentry *dget(struct dentry *d)
{
	d->d_count++;
	return d;
}
void dput(struct dentry *d);
/* Links d (with an inode) into its parent, which keeps a reference. */
void d_add(struct dentry *d, struct inode *inode);
/* Unlinks d from its parent, dropping the tree's reference. */
void d_delete(struct dentry *d);
/* The child called name of a RAM directory, with a reference, or NULL. */
struct dentry *d_lookup(struct dentry *dir, const char *name);
/* The absolute path of d into buf (NUL-terminated): 0, -ENAMETOOLONG, or
 * -ENOENT when d or a parent was unlinked. */
int d_path(struct dentry *d, char *buf, size_t size);
bool d_is_subdir(struct dentry *d, struct dentry *ancestor);
extern struct dentry *root_dentry;

/* filemap.c: the page cache and the generic file operations over it */
void truncate_inode_pages(struct address_space *mapping, loff_t start);
long filemap_read(struct file *f, struct iov_iter *to, loff_t *pos);
long generic_perform_write(struct file *f, struct iov_iter *from, loff_t *pos);
loff_t generic_file_llseek(struct file *f, loff_t offset, int whence);
int generic_file_mmap(struct file *f, struct vm_area_struct *vma);
int simple_setsize(struct inode *inode, loff_t size);
extern uint64_t nr_file_pages, nr_shmem_pages;
void page_cache_account(struct inode *inode, long pages);

/* file_table.c */
struct file *alloc_file(struct dentry *d, struct inode *inode, unsigned int flags,
			const struct file_operations *fop);
/* f_flags to what the file may do */
static inline bool file_readable(const struct file *f)
{
	return (f->f_flags & O_ACCMODE) == O_RDONLY || (f->f_flags & O_ACCMODE) == O_RDWR;
}
static inline bool file_writable(const struct file *f)
{
	return (f->f_flags & O_ACCMODE) == O_WRONLY || (f->f_flags & O_ACCMODE) == O_RDWR;
}

/* file.c: descriptor tables */
struct files_struct {
	int count;
	unsigned int max_fds;       /* size of fd[] */
	unsigned int next_fd;       /* no free descriptor below it */
	struct file **fd;
	uint64_t *close_on_exec;    /* bitmap */
};
int get_unused_fd_flags(unsigned int flags, unsigned int start);
void fd_install(unsigned int fd, struct file *f);
/* Gives back a descriptor reserved by get_unused_fd_flags, unused. */
void put_unused_fd(unsigned int fd);
int close_fd(unsigned int fd);
/* The file of fd without a reference (the task keeps it): NULL if none. */
struct file *fcheck(unsigned int fd);

/* fs_struct.c */
struct fs_struct {
	int users;
	int umask;
	struct dentry *root, *pwd;
};

/* namei.c */
#define LOOKUP_FOLLOW 0x1     /* follow a final symlink */
#define LOOKUP_DIRECTORY 0x2  /* the final must be a directory */
#define LOOKUP_EMPTY 0x4      /* "" names dfd itself (AT_EMPTY_PATH) */
/* A kernel copy of a user path (kfree it), or ERR_PTR (EFAULT, ENOENT for
 * "" unless empty_ok, ENAMETOOLONG). */
char *getname(uint64_t upath, bool empty_ok);
/* The dentry a path names, relative to dfd (AT_FDCWD), with a reference. */
int user_path_at(int dfd, uint64_t upath, unsigned int flags, struct dentry **res);
int kern_path_at(struct dentry *base, const char *path, unsigned int flags, struct dentry **res);
/* The starting point of a path relative to dfd, with a reference. */
int path_base(int dfd, const char *path, struct dentry **base);
struct file *do_filp_open(int dfd, const char *path, int flags, int mode);
struct file *dentry_open(struct dentry *d, int flags);
int vfs_truncate(struct inode *inode, loff_t size);
/* truncate(2) by name: vfs_truncate after the write permission check. */
int vfs_truncate_path(struct inode *inode, loff_t size);
int may_open_dir(struct inode *inode, int flags);
/* The kernel's open for exec (Linux's __FMODE_EXEC): no read permission
 * needed. Not a flag open(2) passes through. */
#define FMODE_EXEC 040
/* Permissions (namei.c; inode_permission is in fs.h). */
int generic_permission(struct inode *inode, int mask);
/* access(2): with the real ids unless effective (AT_EACCESS). */
int access_permission(struct inode *inode, int mask, bool effective);
/* The current task owns inode or is root (chmod: EPERM otherwise). */
bool inode_owner_or_capable(const struct inode *inode);
/* gid is the current task's fsgid or a supplementary group. */
bool in_group_p(unsigned int gid);

/* read_write.c */
size_t copy_to_user_partial(uint64_t dst, const void *src, size_t n);
size_t copy_from_user_partial(void *dst, uint64_t src, size_t n);
/* Reads to/writes from a kernel buffer at *pos (proc, exec). */
long simple_read_from_buffer(struct iov_iter *to, loff_t *pos, const void *from, size_t available);

/* readdir.c */
int dcache_readdir(struct file *f, struct dir_context *ctx);
int dcache_dir_open(struct inode *inode, struct file *f);
void dcache_dir_close(struct inode *inode, struct file *f);
loff_t dcache_dir_lseek(struct file *f, loff_t offset, int whence);

/* ramfs/inode.c: the RAM file systems (rootfs, /tmp, /dev/shm, /dev) */
extern const struct inode_operations ramfs_dir_inode_operations;
extern const struct file_operations ramfs_dir_operations;
extern const struct file_operations ramfs_file_operations;
extern const struct inode_operations ramfs_file_inode_operations;
extern const struct inode_operations ramfs_symlink_inode_operations;
struct inode *ramfs_get_inode(struct dentry *dir, uint32_t mode, uint32_t dev);
/* A new name in a RAM directory: symlink (target) or device node. */
int ramfs_symlink(struct dentry *dir, const char *name, const char *target, size_t len);
int ramfs_mknod(struct dentry *dir, const char *name, uint32_t mode, uint32_t rdev);
/* A new directory that is the root of its own file system (mounts). */
struct dentry *ramfs_mount_at(struct dentry *dir, const char *name, uint32_t mode, uint32_t dev);

/* char_dev.c */
int chrdev_open(struct inode *inode, struct file *f);
extern const struct file_operations def_chr_fops;
extern const struct file_operations null_fops, zero_fops, console_fops;

/* proc/ */
struct dentry *proc_mount(struct dentry *parent);

/* statx's and stat's common source */
struct kstat {
	uint64_t ino, size, blocks;
	uint32_t dev, rdev, mode, nlink, uid, gid;
	int64_t atime_ns, mtime_ns, ctime_ns;
};

#endif
