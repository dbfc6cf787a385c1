/* SPDX-License-Identifier: MIT */
/*
 * The file system's interface to the rest of the kernel: inodes with a page
 * cache, open files, descriptor tables. fs/ owns them (a RAM file system
 * holding the initrd, /tmp, /dev/shm, /dev, /proc); other subsystems use the
 * fields documented here and these functions. Names follow Linux.
 */
#ifndef GUEST_FS_H
#define GUEST_FS_H

#include <stddef.h>
#include <stdint.h>

#include "kernel.h"
#include "list.h"

struct page;
struct task_struct;
struct vm_area_struct;

typedef int64_t loff_t;

/* i_mode */
#define S_IFMT 0170000
#define S_IFDIR 0040000
#define S_IFCHR 0020000
#define S_IFREG 0100000
#define S_IFLNK 0120000
#define S_ISDIR(m) (((m) & S_IFMT) == S_IFDIR)
#define S_ISREG(m) (((m) & S_IFMT) == S_IFREG)
#define S_ISCHR(m) (((m) & S_IFMT) == S_IFCHR)
#define S_ISLNK(m) (((m) & S_IFMT) == S_IFLNK)
#define S_ISUID 04000
#define S_ISGID 02000
#define S_ISVTX 01000
#define S_IALLUGO 07777

/* open flags (Linux x86-64 values) */
#define O_ACCMODE 0003
#define O_RDONLY 00
#define O_WRONLY 01
#define O_RDWR 02
#define O_CREAT 0100
#define O_EXCL 0200
#define O_NOCTTY 0400
#define O_TRUNC 01000
#define O_APPEND 02000
#define O_NONBLOCK 04000
#define O_DIRECTORY 0200000
#define O_NOFOLLOW 0400000
#define O_CLOEXEC 02000000
#define O_LARGEFILE 0100000
#define O_NOATIME 01000000
#define O_PATH 010000000
#define AT_FDCWD (-100)
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_REMOVEDIR 0x200
#define AT_EACCESS 0x200
#define AT_SYMLINK_FOLLOW 0x400
#define AT_NO_AUTOMOUNT 0x800
#define AT_EMPTY_PATH 0x1000
#define AT_STATX_SYNC_TYPE 0x6000

#define PATH_MAX 4096
#define NAME_MAX 255
/* The descriptor limit (RLIMIT_NOFILE's value, soft and hard): open and
 * dup give EMFILE beyond it. */
#define NR_OPEN_MAX 1024

/* Device numbers, as Linux's new_encode_dev for small numbers. */
#define MKDEV(ma, mi) ((uint32_t)(((ma) << 8) | ((mi) & 0xff) | (((mi) & ~0xffu) << 12)))
#define MAJOR(d) (((d) >> 8) & 0xfff)
#define MINOR(d) (((d) & 0xff) | (((d) >> 12) & 0xfff00))

/* The page cache of one inode: its pages by index (fs/ keeps the index). */
struct address_space {
	struct inode *host;
	void *i_pages;           /* fs/ private: a radix tree of pages */
	unsigned int i_pages_height;
	uint64_t nrpages;
	struct list_head i_mmap; /* VMAs mapping it (vm_area_struct.vm_shared), kept by mm/ */
};

struct inode_operations;
struct dentry;

struct inode {
	uint64_t i_ino;
	uint32_t i_mode;
	uint32_t i_nlink;
	uint32_t i_uid, i_gid; /* owner: the creator's fsuid/fsgid */
	uint64_t i_size;
	uint32_t i_dev;      /* of the file system, Linux's dev_t encoding */
	uint32_t i_rdev;     /* a device node's device */
	int i_count;
	int64_t i_mtime_ns, i_ctime_ns, i_atime_ns;
	const struct file_operations *i_fop;
	const struct inode_operations *i_op;
	unsigned int i_flags; /* S_* below */
	struct address_space i_data;
	void *i_private;     /* fs/ private: directory entries, device, ... */
};

/* i_flags */
#define S_SHMEM 0x1    /* tmpfs, shmem, memfd: counted as Shmem */
#define S_PRIVATE 0x2  /* never in a directory (shmem_file_setup, memfd) */

/* A name in the tree (the RAM file systems are their dentries, as
 * Linux's ramfs). A reference to a dentry holds its inode and parent. */
struct dentry {
	int d_count;
	unsigned int d_flags;       /* DCACHE_* */
	char *d_name;
	struct dentry *d_parent;    /* itself for the root */
	struct inode *d_inode;
	struct list_head d_child;   /* in d_parent->d_subdirs */
	struct list_head d_subdirs; /* children (RAM directories) */
};
#define DCACHE_HASHED 0x1       /* linked in its parent (not unlinked) */
#define DCACHE_MOUNT 0x2        /* root of a file system (EBUSY for rmdir) */
#define DCACHE_DYNAMIC 0x4      /* made by a lookup (/proc), never linked */

struct file {
	int f_count;
	unsigned int f_flags;  /* O_* as opened */
	loff_t f_pos;
	struct inode *f_inode;
	const struct file_operations *f_op;
	struct address_space *f_mapping;
	char *f_path;          /* absolute path as opened (exec's messages) */
	struct dentry *f_dentry; /* NULL for shmem_file_setup's files */
	void *private_data;
};

/* Where a read or write copies: user memory or a kernel buffer, one or
 * more segments (readv/writev). */
struct iovec {
	uint64_t iov_base;
	uint64_t iov_len;
};
struct iov_iter {
	bool kernel;             /* base addresses are kernel pointers */
	const struct iovec *iov; /* the current segment */
	unsigned long nr_segs;   /* segments left, the current one included */
	size_t iov_offset;       /* done in the current segment */
	size_t count;            /* bytes left in all */
};
/* Bytes copied; fewer than n when user memory is inaccessible. */
size_t copy_to_iter(const void *src, size_t n, struct iov_iter *i);
size_t copy_from_iter(void *dst, size_t n, struct iov_iter *i);

struct dir_context;

struct file_operations {
	int (*open)(struct inode *inode, struct file *f);
	/* Both return bytes or a negative errno (-EFAULT only when nothing
	 * was copied). */
	long (*read_iter)(struct file *f, struct iov_iter *to, loff_t *pos);
	long (*write_iter)(struct file *f, struct iov_iter *from, loff_t *pos);
	loff_t (*llseek)(struct file *f, loff_t offset, int whence);
	/* getdents64: calls emit for each entry from f_pos on. */
	int (*iterate)(struct file *f, struct dir_context *ctx);
	/* Sets vma->vm_ops (and checks the file allows the mapping). */
	int (*mmap)(struct file *f, struct vm_area_struct *vma);
	int (*fsync)(struct file *f);
	long (*ioctl)(struct file *f, unsigned int cmd, uint64_t arg);
	void (*release)(struct inode *inode, struct file *f);
};

/* Permission checks (fs/namei.c), Linux's MAY_* masks. */
#define MAY_EXEC 0x1
#define MAY_WRITE 0x2
#define MAY_READ 0x4
/* 0 or -EACCES: the mode bits for the current task's fsuid/fsgid, with
 * root's override (read/write always, exec with any x bit or a directory). */
int inode_permission(struct inode *inode, int mask);

/* References to open files. */
static inline struct file *get_file(struct file *f)
{
	f->f_count++;
	return f;
}
void fput(struct file *f);
/* The open file of descriptor fd of the current task with a reference
 * (fput it), or NULL (EBADF). mmap uses it. */
struct file *fget(unsigned int fd);
/* The name /proc/PID/maps shows for a mapped file: its path (" (deleted)"
 * appended once unlinked), or the name given to shmem_file_setup. */
void file_map_name(struct file *f, char *buf, size_t size);

/* Opens a path for the kernel (exec): the file, or ERR_PTR(-errno). */
struct file *filp_open(const char *path, int flags, int mode);
/* Reads from a file into a kernel buffer: bytes or -errno. */
long kernel_read(struct file *f, void *buf, size_t count, loff_t *pos);
/* Wall-clock time for timestamps: weak, kernel/ may give a real clock. */
uint64_t ktime_get_real_ns(void);

/* The page cache: the page at index of mapping with one reference for the
 * caller; with create, a zeroed page is added when absent (NULL only when
 * out of memory); without, NULL when absent. */
struct page *filemap_get_page(struct address_space *mapping, uint64_t index, bool create);

/* An unlinked RAM file of size bytes (shared anonymous memory, SysV shm):
 * the file, or NULL when out of memory. name is for /proc/PID/maps
 * ("/dev/zero (deleted)", "SYSV%08x (deleted)"). */
struct file *shmem_file_setup(const char *name, uint64_t size);

/* Descriptor tables and the cwd, per task. */
struct files_struct;
struct fs_struct;
/* init's: descriptors 0, 1, 2 open on the console. NULL when out of memory. */
struct files_struct *files_init_console(void);
/* fork: a copy sharing the open files. NULL when out of memory. */
struct files_struct *dup_fd(struct files_struct *old);
/* exec: closes the O_CLOEXEC descriptors. */
void do_close_on_exec(struct files_struct *files);
/* exit: drops the task's table (closing what it held last). */
void exit_files(struct task_struct *tsk);
struct fs_struct *fs_init_root(void);
struct fs_struct *copy_fs_struct(struct fs_struct *old);
void exit_fs(struct task_struct *tsk);

/* Boot: the root file system from the initrd (newc cpio), /tmp, /dev,
 * /dev/shm, /proc. Returns 0 or -errno. */
int vfs_init(const void *initrd, size_t size);

#endif
