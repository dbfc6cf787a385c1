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
#define AT_FDCWD (-100)

/* The page cache of one inode: its pages by index (fs/ keeps the index). */
struct address_space {
	struct inode *host;
	void *i_pages;           /* fs/ private */
	uint64_t nrpages;
	struct list_head i_mmap; /* VMAs mapping it (vm_area_struct.vm_shared), kept by mm/ */
};

struct inode {
	uint64_t i_ino;
	uint32_t i_mode;
	uint32_t i_nlink;
	uint64_t i_size;
	uint32_t i_dev;      /* of the file system, Linux's dev_t encoding */
	uint32_t i_rdev;     /* a device node's device */
	int i_count;
	int64_t i_mtime_ns, i_ctime_ns, i_atime_ns;
	const struct file_operations *i_fop;
	struct address_space i_data;
	void *i_private;     /* fs/ private: directory entries, device, ... */
};

struct file {
	int f_count;
	unsigned int f_flags;  /* O_* as opened */
	loff_t f_pos;
	struct inode *f_inode;
	const struct file_operations *f_op;
	struct address_space *f_mapping;
	char *f_path;          /* absolute path as opened (/proc/PID/maps) */
	void *private_data;
};

struct file_operations {
	/* ubuf is a user address; both return bytes or a negative errno. */
	long (*read)(struct file *f, uint64_t ubuf, size_t count, loff_t *pos);
	long (*write)(struct file *f, uint64_t ubuf, size_t count, loff_t *pos);
	loff_t (*llseek)(struct file *f, loff_t offset, int whence);
	/* Sets vma->vm_ops (and checks the file allows the mapping). */
	int (*mmap)(struct file *f, struct vm_area_struct *vma);
	int (*fsync)(struct file *f);
	long (*ioctl)(struct file *f, unsigned int cmd, uint64_t arg);
	void (*release)(struct inode *inode, struct file *f);
};

/* References to open files. */
static inline struct file *get_file(struct file *f)
{
	f->f_count++;
	return f;
}
void fput(struct file *f);

/* Opens a path for the kernel (exec): the file, or ERR_PTR(-errno). */
struct file *filp_open(const char *path, int flags, int mode);
/* Reads from a kernel buffer's view of a file: bytes or -errno. */
long kernel_read(struct file *f, void *buf, size_t count, loff_t *pos);

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
