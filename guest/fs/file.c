// SPDX-License-Identifier: MIT
/*
 * Descriptor tables (Linux's fs/file.c): per task, the open file of each
 * descriptor and its close-on-exec bit. A table grows on demand up to
 * NR_OPEN_MAX descriptors; the lowest free descriptor is always taken.
 */
#include "internal.h"
#include "sched.h"
#include "slab.h"
#include "string.h"
#include "syscall.h"

#define NR_OPEN_DEFAULT 64

static bool fd_is_cloexec(const struct files_struct *files, unsigned int fd)
{
	return files->close_on_exec[fd / 64] & (1ULL << (fd % 64));
}

static void set_cloexec(struct files_struct *files, unsigned int fd, bool on)
{
	if (on)
		files->close_on_exec[fd / 64] |= 1ULL << (fd % 64);
	else
		files->close_on_exec[fd / 64] &= ~(1ULL << (fd % 64));
}

static struct files_struct *alloc_files(unsigned int max_fds)
{
	struct files_struct *files = kzalloc(sizeof(*files));
	if (!files)
		return NULL;
	files->fd = kzalloc(max_fds * sizeof(struct file *));
	files->close_on_exec = kzalloc(max_fds / 8);
	if (!files->fd || !files->close_on_exec) {
		kfree(files->fd);
		kfree(files->close_on_exec);
		kfree(files);
		return NULL;
	}
	files->count = 1;
	files->max_fds = max_fds;
	return files;
}

/* Descriptors the current task may have: RLIMIT_NOFILE, at most NR_OPEN_MAX. */
static unsigned int nofile_limit(void)
{
	uint64_t lim = current ? task_rlimit(current, RLIMIT_NOFILE) : NR_OPEN_MAX;
	return lim < NR_OPEN_MAX ? (unsigned int)lim : NR_OPEN_MAX;
}

/* Makes room for descriptor fd: 0, -EMFILE or -ENOMEM. */
static int expand_files(struct files_struct *files, unsigned int fd)
{
	if (fd >= nofile_limit())
		return -EMFILE;
	if (fd < files->max_fds)
		return 0;
	unsigned int n = files->max_fds;
	while (n <= fd)
		n *= 2;
	struct file **nfd = kzalloc(n * sizeof(*nfd));
	uint64_t *ncloexec = kzalloc(n / 8);
	if (!nfd || !ncloexec) {
		kfree(nfd);
		kfree(ncloexec);
		return -ENOMEM;
	}
	memcpy(nfd, files->fd, files->max_fds * sizeof(*nfd));
	memcpy(ncloexec, files->close_on_exec, files->max_fds / 8);
	kfree(files->fd);
	kfree(files->close_on_exec);
	files->fd = nfd;
	files->close_on_exec = ncloexec;
	files->max_fds = n;
	return 0;
}

/* Reserves the lowest free descriptor >= start (the slot stays NULL until
 * fd_install, so nothing else must allocate in between). */
int get_unused_fd_flags(unsigned int flags, unsigned int start)
{
	struct files_struct *files = current->files;
	unsigned int fd = MAX(start, files->next_fd);
	while (fd < files->max_fds && files->fd[fd])
		fd++;
	int err = expand_files(files, fd);
	if (err)
		return err;
	if (start <= files->next_fd)
		files->next_fd = fd + 1;
	set_cloexec(files, fd, flags & O_CLOEXEC);
	return fd;
}

void fd_install(unsigned int fd, struct file *f)
{
	struct files_struct *files = current->files;
	BUG_ON(fd >= files->max_fds || files->fd[fd]);
	files->fd[fd] = f;
}

static void __put_unused_fd(struct files_struct *files, unsigned int fd)
{
	if (fd < files->next_fd)
		files->next_fd = fd;
}

void put_unused_fd(unsigned int fd)
{
	set_cloexec(current->files, fd, false);
	__put_unused_fd(current->files, fd);
}

struct file *fcheck(unsigned int fd)
{
	struct files_struct *files = current->files;
	return files && fd < files->max_fds ? files->fd[fd] : NULL;
}

struct file *fget(unsigned int fd)
{
	struct file *f = fcheck(fd);
	return f ? get_file(f) : NULL;
}

int close_fd(unsigned int fd)
{
	struct files_struct *files = current->files;
	struct file *f = fcheck(fd);
	if (!f)
		return -EBADF;
	files->fd[fd] = NULL;
	set_cloexec(files, fd, false);
	__put_unused_fd(files, fd);
	fput(f);
	return 0;
}

struct files_struct *dup_fd(struct files_struct *old)
{
	struct files_struct *files = alloc_files(old->max_fds);
	if (!files)
		return NULL;
	for (unsigned int fd = 0; fd < old->max_fds; fd++)
		if (old->fd[fd])
			files->fd[fd] = get_file(old->fd[fd]);
	memcpy(files->close_on_exec, old->close_on_exec, old->max_fds / 8);
	files->next_fd = old->next_fd;
	return files;
}

void do_close_on_exec(struct files_struct *files)
{
	for (unsigned int fd = 0; fd < files->max_fds; fd++) {
		if (!fd_is_cloexec(files, fd))
			continue;
		set_cloexec(files, fd, false);
		struct file *f = files->fd[fd];
		files->fd[fd] = NULL;
		__put_unused_fd(files, fd);
		fput(f);
	}
}

static void put_files_struct(struct files_struct *files)
{
	if (--files->count)
		return;
	for (unsigned int fd = 0; fd < files->max_fds; fd++)
		fput(files->fd[fd]);
	kfree(files->fd);
	kfree(files->close_on_exec);
	kfree(files);
}

void exit_files(struct task_struct *tsk)
{
	struct files_struct *files = tsk->files;
	if (!files)
		return;
	tsk->files = NULL;
	put_files_struct(files);
}

struct files_struct *files_init_console(void)
{
	struct files_struct *files = alloc_files(NR_OPEN_DEFAULT);
	if (!files)
		return NULL;
	/* Descriptor 0 reads, 1 and 2 write: the harness that runs the same
	 * programs natively gives them a read-only stdin. */
	static const int modes[3] = {O_RDONLY, O_WRONLY, O_WRONLY};
	struct dentry *console;
	if (kern_path_at(root_dentry, "/dev/console", LOOKUP_FOLLOW, &console)) {
		put_files_struct(files);
		return NULL;
	}
	for (int fd = 0; fd < 3; fd++) {
		struct file *f = dentry_open(console, modes[fd] | O_LARGEFILE);
		if (IS_ERR(f)) {
			dput(console);
			put_files_struct(files);
			return NULL;
		}
		files->fd[fd] = f;
	}
	dput(console);
	files->next_fd = 3;
	return files;
}

SYSCALL_DEFINE1(close, unsigned int, fd)
{
	return close_fd(fd);
}

static int do_dup(struct file *f, unsigned int start, unsigned int flags)
{
	int fd = get_unused_fd_flags(flags, start);
	if (fd < 0)
		return fd;
	fd_install(fd, get_file(f));
	return fd;
}

SYSCALL_DEFINE1(dup, unsigned int, oldfd)
{
	struct file *f = fcheck(oldfd);
	return f ? do_dup(f, 0, 0) : -EBADF;
}

/* dup2/dup3: newfd becomes a copy of oldfd, closing what it held. */
static long do_dup2(unsigned int oldfd, unsigned int newfd, unsigned int flags)
{
	struct files_struct *files = current->files;
	struct file *f = fcheck(oldfd);
	if (!f)
		return -EBADF;
	if (newfd >= nofile_limit())
		return -EBADF;
	int err = expand_files(files, newfd);
	if (err)
		return err == -EMFILE ? -EBADF : err;
	struct file *old = files->fd[newfd];
	files->fd[newfd] = get_file(f);
	set_cloexec(files, newfd, flags & O_CLOEXEC);
	fput(old);
	return newfd;
}

SYSCALL_DEFINE2(dup2, unsigned int, oldfd, unsigned int, newfd)
{
	if (oldfd == newfd)
		return fcheck(oldfd) ? (long)newfd : -EBADF;
	return do_dup2(oldfd, newfd, 0);
}

SYSCALL_DEFINE3(dup3, unsigned int, oldfd, unsigned int, newfd, int, flags)
{
	if (flags & ~O_CLOEXEC)
		return -EINVAL;
	if (oldfd == newfd)
		return -EINVAL;
	return do_dup2(oldfd, newfd, flags);
}

#define F_DUPFD 0
#define F_GETFD 1
#define F_SETFD 2
#define F_GETFL 3
#define F_SETFL 4
#define F_DUPFD_CLOEXEC 1030
#define FD_CLOEXEC 1
/* What F_SETFL may change (Linux's SETFL_MASK, less O_DIRECT/O_NOATIME). */
#define SETFL_MASK (O_APPEND | O_NONBLOCK | 020000 /* O_ASYNC */)

SYSCALL_DEFINE3(fcntl, unsigned int, fd, unsigned int, cmd, uint64_t, arg)
{
	struct files_struct *files = current->files;
	struct file *f = fcheck(fd);
	if (!f)
		return -EBADF;
	switch (cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		if (arg >= nofile_limit())
			return -EINVAL;
		return do_dup(f, arg, cmd == F_DUPFD_CLOEXEC ? O_CLOEXEC : 0);
	case F_GETFD:
		return fd_is_cloexec(files, fd) ? FD_CLOEXEC : 0;
	case F_SETFD:
		set_cloexec(files, fd, arg & FD_CLOEXEC);
		return 0;
	case F_GETFL:
		/* Linux reports O_LARGEFILE on 64-bit opens. */
		return f->f_flags | O_LARGEFILE;
	case F_SETFL:
		f->f_flags = (f->f_flags & ~SETFL_MASK) | (arg & SETFL_MASK);
		return 0;
	}
	return -EINVAL;
}
