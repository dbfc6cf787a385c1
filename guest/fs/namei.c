// SPDX-License-Identifier: MIT
/*
 * Path names (Linux's fs/namei.c): the walk, open's last step, and the
 * calls that change the tree (mkdir, rmdir, unlink, rename). A symlink is
 * followed by splicing its target in front of the rest of the path, so the
 * walk is a loop (at most 40 links, then ELOOP, as Linux).
 */
#include "internal.h"
#include "sched.h"
#include "slab.h"
#include "string.h"
#include "syscall.h"
#include "uaccess.h"

#define MAXSYMLINKS 40

/* The task's root (the boot's own lookups run before init has one). */
static struct dentry *fs_root(void)
{
	return current && current->fs ? current->fs->root : root_dentry;
}

char *getname(uint64_t upath, bool empty_ok)
{
	char *name = kmalloc(PATH_MAX);
	if (!name)
		return ERR_PTR(-ENOMEM);
	size_t len = 0;
	while (len < PATH_MAX) {
		const char *p = user_page_ptr(upath + len, 0);
		if (!p || upath + len < upath) {
			kfree(name);
			return ERR_PTR(-EFAULT);
		}
		size_t chunk = MIN(PATH_MAX - len, PAGE_SIZE - ((upath + len) & ~PAGE_MASK));
		for (size_t i = 0; i < chunk; i++) {
			name[len] = p[i];
			if (!p[i]) {
				if (!len && !empty_ok) {
					kfree(name);
					return ERR_PTR(-ENOENT);
				}
				return name;
			}
			len++;
		}
	}
	kfree(name);
	return ERR_PTR(-ENAMETOOLONG);
}

int path_base(int dfd, const char *path, struct dentry **base)
{
	struct fs_struct *fs = current->fs;
	if (path[0] == '/') {
		*base = dget(fs->root);
		return 0;
	}
	if (dfd == AT_FDCWD) {
		*base = dget(fs->pwd);
		return 0;
	}
	struct file *f = fcheck(dfd);
	if (!f)
		return -EBADF;
	if (!f->f_dentry || (path[0] && !S_ISDIR(f->f_inode->i_mode)))
		return -ENOTDIR;
	*base = dget(f->f_dentry);
	return 0;
}

/* --- permissions ------------------------------------------------------ */

/* gid is the task's fsgid or one of its supplementary groups. */
static bool in_group(const struct task_struct *p, unsigned int fsgid, unsigned int gid)
{
	if (gid == fsgid)
		return true;
	for (unsigned int i = 0; i < p->ngroups; i++)
		if (p->groups[i] == gid)
			return true;
	return false;
}

/*
 * The mode bits for uid/gid: the owner's if uid owns the file, else the
 * group's if gid (or a supplementary group) is its group, else the
 * others'; no fall-through to a later class. With override (root's
 * CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH) reading and writing always
 * pass, executing needs some x bit unless it is a directory.
 */
static int check_permission(const struct inode *inode, int mask, unsigned int uid,
			    unsigned int gid, bool override)
{
	uint32_t mode = inode->i_mode, bits;
	mask &= MAY_READ | MAY_WRITE | MAY_EXEC;
	if (uid == inode->i_uid)
		bits = mode >> 6;
	else if (in_group(current, gid, inode->i_gid))
		bits = mode >> 3;
	else
		bits = mode;
	if ((mask & ~bits & 7) == 0)
		return 0;
	if (override && (!(mask & MAY_EXEC) || S_ISDIR(mode) || (mode & 0111)))
		return 0;
	return -EACCES;
}

/* Linux's fs capabilities follow the fsuid: setfsuid away from 0 drops
 * them, so root's override is fsuid 0. */
static bool fs_capable(void)
{
	return current->fsuid == 0;
}

int generic_permission(struct inode *inode, int mask)
{
	/* The boot's own lookups run with no task: the kernel may do anything. */
	if (!current)
		return 0;
	return check_permission(inode, mask, current->fsuid, current->fsgid, fs_capable());
}

int inode_permission(struct inode *inode, int mask)
{
	return generic_permission(inode, mask);
}

/* access(2): the same check with the real uid and gid (root's override
 * only when the real uid is 0); AT_EACCESS uses the effective ones. */
int access_permission(struct inode *inode, int mask, bool effective)
{
	if (effective)
		return inode_permission(inode, mask);
	return check_permission(inode, mask, current->uid, current->gid, current->uid == 0);
}

/* chmod and the like: the owner or root (CAP_FOWNER). */
bool inode_owner_or_capable(const struct inode *inode)
{
	return !current || current->fsuid == inode->i_uid || fs_capable();
}

bool in_group_p(unsigned int gid)
{
	return in_group(current, current->fsgid, gid);
}

/* A new name in dir (create, mkdir, symlink, rename's target). */
static int may_create(struct dentry *dir)
{
	return inode_permission(dir->d_inode, MAY_WRITE | MAY_EXEC);
}

/*
 * Removing victim's name from dir (unlink, rmdir, rename): write and
 * search on dir, and in a sticky directory (/tmp) only the file's owner,
 * the directory's owner or root may (EPERM). Then the types: is_dir says
 * whether the call removes a directory (ENOTDIR/EISDIR otherwise).
 */
static int may_delete(struct dentry *dir, struct dentry *victim, bool is_dir)
{
	int err = inode_permission(dir->d_inode, MAY_WRITE | MAY_EXEC);
	if (err)
		return err;
	struct inode *inode = victim->d_inode, *dinode = dir->d_inode;
	if ((dinode->i_mode & S_ISVTX) && current && current->fsuid != inode->i_uid &&
	    current->fsuid != dinode->i_uid && !fs_capable())
		return -EPERM;
	if (is_dir && !S_ISDIR(inode->i_mode))
		return -ENOTDIR;
	if (!is_dir && S_ISDIR(inode->i_mode))
		return -EISDIR;
	return 0;
}

/* One name in directory dir, with a reference: NULL when absent. */
static struct dentry *lookup_one(struct dentry *dir, const char *name)
{
	if (!S_ISDIR(dir->d_inode->i_mode))
		return ERR_PTR(-ENOTDIR);
	if (!strcmp(name, "."))
		return dget(dir);
	if (!strcmp(name, ".."))
		return dget(dir == fs_root() ? dir : dir->d_parent);
	struct dentry *d = d_lookup(dir, name);
	if (!d && dir->d_inode->i_op && dir->d_inode->i_op->lookup)
		d = dir->d_inode->i_op->lookup(dir, name);
	return d;
}

/* A symlink's target followed by rest, as the path to walk next (kfree
 * it), or ERR_PTR. */
static char *splice_link(struct dentry *link, const char *rest)
{
	const struct inode_operations *iop = link->d_inode->i_op;
	char *buf = kmalloc(PATH_MAX);
	if (!buf)
		return ERR_PTR(-ENOMEM);
	long n = iop && iop->get_link ? iop->get_link(link, buf, PATH_MAX) : -EINVAL;
	size_t rest_len = strlen(rest);
	if (n >= 0 && (size_t)n + rest_len + 1 > PATH_MAX)
		n = -ENAMETOOLONG;
	if (n == 0)
		n = -ENOENT;
	if (n < 0) {
		kfree(buf);
		return ERR_PTR(n);
	}
	memcpy(buf + n, rest, rest_len + 1);
	return buf;
}

/*
 * Walks path from start. Without last, the result is what the whole path
 * names (the final symlink followed with LOOKUP_FOLLOW). With last (at
 * least NAME_MAX + 1 bytes), the walk stops at the parent of the final
 * name, which is copied to last ("" when there is none, as for "/"), with
 * *trailing saying whether a slash followed it; a final symlink is not
 * followed.
 */
static int path_walk(struct dentry *start, const char *path, unsigned int flags,
		     struct dentry **res, char *last, bool *trailing)
{
	struct dentry *d = dget(start);
	char *buf = NULL, name[NAME_MAX + 1];
	const char *p = path;
	int nlinks = 0, err = 0;
	bool must_dir = flags & LOOKUP_DIRECTORY;

	if (last)
		last[0] = '\0';
restart:
	if (*p == '/') {
		dput(d);
		d = dget(fs_root());
	}
	for (;;) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		size_t len = 0;
		while (p[len] && p[len] != '/')
			len++;
		if (len > NAME_MAX) {
			err = -ENAMETOOLONG;
			goto out;
		}
		const char *next = p + len, *after = next;
		while (*after == '/')
			after++;
		bool is_last = !*after, slash = *next == '/';
		memcpy(name, p, len);
		name[len] = '\0';
		if (!S_ISDIR(d->d_inode->i_mode)) {
			err = -ENOTDIR;
			goto out;
		}
		/* Search permission on every directory passed through. */
		err = inode_permission(d->d_inode, MAY_EXEC);
		if (err)
			goto out;
		if (is_last && last) {
			memcpy(last, name, len + 1);
			*trailing = slash;
			break;
		}
		struct dentry *child = lookup_one(d, name);
		if (IS_ERR(child)) {
			err = PTR_ERR(child);
			goto out;
		}
		if (!child) {
			err = -ENOENT;
			goto out;
		}
		if (S_ISLNK(child->d_inode->i_mode) &&
		    (!is_last || slash || (flags & LOOKUP_FOLLOW))) {
			char *nbuf = ++nlinks > MAXSYMLINKS ? ERR_PTR(-ELOOP) : splice_link(child, next);
			dput(child);
			if (IS_ERR(nbuf)) {
				err = PTR_ERR(nbuf);
				goto out;
			}
			kfree(buf);
			p = buf = nbuf;
			goto restart;
		}
		if (is_last && slash)
			must_dir = true;
		dput(d);
		d = child;
		p = next;
	}
	if (!last && must_dir && !S_ISDIR(d->d_inode->i_mode))
		err = -ENOTDIR;
out:
	kfree(buf);
	if (err) {
		dput(d);
		return err;
	}
	*res = d;
	return 0;
}

int kern_path_at(struct dentry *base, const char *path, unsigned int flags, struct dentry **res)
{
	return path_walk(base, path, flags, res, NULL, NULL);
}

int user_path_at(int dfd, uint64_t upath, unsigned int flags, struct dentry **res)
{
	char *path = getname(upath, flags & LOOKUP_EMPTY);
	if (IS_ERR(path))
		return PTR_ERR(path);
	struct dentry *base;
	int err = path_base(dfd, path, &base);
	if (!err) {
		err = kern_path_at(base, path, flags, res);
		dput(base);
	}
	kfree(path);
	return err;
}

/* The parent directory of a user path and its last name. */
static int user_path_parent(int dfd, uint64_t upath, struct dentry **parent, char *last,
			    bool *trailing)
{
	char *path = getname(upath, false);
	if (IS_ERR(path))
		return PTR_ERR(path);
	struct dentry *base;
	int err = path_base(dfd, path, &base);
	if (!err) {
		err = path_walk(base, path, 0, parent, last, trailing);
		dput(base);
	}
	kfree(path);
	return err;
}

static bool is_dot_or_dotdot(const char *name)
{
	return !strcmp(name, ".") || !strcmp(name, "..");
}

int vfs_truncate(struct inode *inode, loff_t size)
{
	if (S_ISDIR(inode->i_mode))
		return -EISDIR;
	if (!S_ISREG(inode->i_mode))
		return -EINVAL;
	if (!inode->i_op || !inode->i_op->setsize)
		return -EINVAL;
	return inode->i_op->setsize(inode, size);
}

int vfs_truncate_path(struct inode *inode, loff_t size)
{
	if (S_ISDIR(inode->i_mode))
		return -EISDIR;
	if (!S_ISREG(inode->i_mode))
		return -EINVAL;
	int err = inode_permission(inode, MAY_WRITE);
	return err ? err : vfs_truncate(inode, size);
}

/* open's checks of the mode against the file's type. */
int may_open_dir(struct inode *inode, int flags)
{
	if (S_ISDIR(inode->i_mode) &&
	    ((flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC))))
		return -EISDIR;
	if ((flags & O_DIRECTORY) && !S_ISDIR(inode->i_mode))
		return -ENOTDIR;
	return 0;
}

/* open's permission check of an existing file: read and write by the
 * access mode (both for 3), O_TRUNC needs write; O_PATH needs none. The
 * kernel's own open for exec (FMODE_EXEC) checks nothing here: exec
 * checks execute permission itself, reading is not needed. */
static int may_open(struct inode *inode, int flags)
{
	if (flags & (O_PATH | FMODE_EXEC))
		return 0;
	int acc = flags & O_ACCMODE, mask = 0;
	if (acc != O_WRONLY)
		mask |= MAY_READ;
	if (acc != O_RDONLY || (flags & O_TRUNC))
		mask |= MAY_WRITE;
	return inode_permission(inode, mask);
}

/* The name last in dir for open: found (symlinks followed unless
 * O_NOFOLLOW) or created. */
static int open_last(struct dentry **dirp, const char *last, bool trailing, int flags, int mode,
		     struct dentry **res, bool *created)
{
	struct dentry *dir = *dirp;
	char *buf = NULL;
	int nlinks = 0, err;

	for (;;) {
		struct dentry *d = lookup_one(dir, last);
		if (IS_ERR(d))
			return PTR_ERR(d);
		if (!d) {
			if (!(flags & O_CREAT))
				return -ENOENT;
			if (trailing)
				return -EISDIR;
			const struct inode_operations *iop = dir->d_inode->i_op;
			if (!iop || !iop->create)
				return -EACCES;
			if (!dir->d_inode->i_nlink)
				return -ENOENT;
			err = may_create(dir);
			if (err) {
				kfree(buf);
				return err;
			}
			err = iop->create(dir, last, S_IFREG | (mode & 07777 & ~current->fs->umask), res);
			*created = !err;
			kfree(buf);
			return err;
		}
		if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL)) {
			dput(d);
			kfree(buf);
			return -EEXIST;
		}
		if (!S_ISLNK(d->d_inode->i_mode)) {
			kfree(buf);
			if (trailing && !S_ISDIR(d->d_inode->i_mode)) {
				dput(d);
				return -ENOTDIR;
			}
			*res = d;
			return 0;
		}
		if ((flags & O_NOFOLLOW) && !trailing) {
			dput(d);
			kfree(buf);
			return -ELOOP;
		}
		/* Follow: the target's parent and last name become ours. */
		char *target = ++nlinks > MAXSYMLINKS ? ERR_PTR(-ELOOP) : splice_link(d, trailing ? "/" : "");
		dput(d);
		kfree(buf);
		if (IS_ERR(target))
			return PTR_ERR(target);
		buf = target;
		char name[NAME_MAX + 1];
		struct dentry *ndir;
		err = path_walk(dir, target, 0, &ndir, name, &trailing);
		if (err) {
			kfree(buf);
			return err;
		}
		dput(dir);
		*dirp = dir = ndir;
		if (!name[0] || is_dot_or_dotdot(name)) {
			err = kern_path_at(dir, target, LOOKUP_FOLLOW, res);
			kfree(buf);
			return err;
		}
		memcpy(buf, name, strlen(name) + 1);
		last = buf;
	}
}

struct file *do_filp_open(int dfd, const char *path, int flags, int mode)
{
	struct dentry *base, *dir = NULL, *d = NULL;
	char last[NAME_MAX + 1];
	bool trailing, created = false;

	if ((flags & O_CREAT) && (flags & O_DIRECTORY))
		return ERR_PTR(-EINVAL);
	int err = path_base(dfd, path, &base);
	if (err)
		return ERR_PTR(err);
	err = path_walk(base, path, 0, &dir, last, &trailing);
	if (!err && (!last[0] || is_dot_or_dotdot(last))) {
		/* "/", "dir/." and the like name a directory. */
		err = kern_path_at(base, path, LOOKUP_FOLLOW, &d);
		dput(dir);
		dir = NULL;
	} else if (!err) {
		err = open_last(&dir, last, trailing, flags, mode, &d, &created);
	}
	dput(base);
	dput(dir);
	if (err)
		return ERR_PTR(err);

	struct inode *inode = d->d_inode;
	err = may_open_dir(inode, flags);
	if (!err && !created)
		err = may_open(inode, flags);
	if (!err && (flags & O_TRUNC) && S_ISREG(inode->i_mode) && !created && inode->i_size)
		err = vfs_truncate(inode, 0);
	struct file *f = err ? ERR_PTR(err) : dentry_open(d, flags);
	dput(d);
	return f;
}

static long do_mkdirat(int dfd, uint64_t upath, int mode)
{
	struct dentry *dir;
	char last[NAME_MAX + 1];
	bool trailing;
	int err = user_path_parent(dfd, upath, &dir, last, &trailing);
	if (err)
		return err;
	struct dentry *d = last[0] ? lookup_one(dir, last) : dget(dir);
	if (IS_ERR(d)) {
		err = PTR_ERR(d);
	} else if (d) {
		err = -EEXIST;
		dput(d);
	} else if (!dir->d_inode->i_op || !dir->d_inode->i_op->mkdir) {
		err = -EPERM;
	} else if (!dir->d_inode->i_nlink) {
		err = -ENOENT;
	} else if (!(err = may_create(dir))) {
		err = dir->d_inode->i_op->mkdir(dir, last, S_IFDIR | (mode & 07777 & ~current->fs->umask));
	}
	dput(dir);
	return err;
}

SYSCALL_DEFINE3(mkdirat, int, dfd, uint64_t, path, int, mode)
{
	return do_mkdirat(dfd, path, mode);
}

SYSCALL_DEFINE2(mkdir, uint64_t, path, int, mode)
{
	return do_mkdirat(AT_FDCWD, path, mode);
}

/* Empty but for readers' cursors. */
static bool dir_is_empty(struct dentry *dir)
{
	struct dentry *d;
	list_for_each_entry(d, &dir->d_subdirs, d_child)
		if (d->d_inode)
			return false;
	return true;
}

static long do_rmdir(int dfd, uint64_t upath)
{
	struct dentry *dir;
	char last[NAME_MAX + 1];
	bool trailing;
	int err = user_path_parent(dfd, upath, &dir, last, &trailing);
	if (err)
		return err;
	if (!last[0]) {
		err = -EBUSY;
	} else if (!strcmp(last, ".")) {
		err = -EINVAL;
	} else if (!strcmp(last, "..")) {
		err = -ENOTEMPTY;
	} else {
		struct dentry *d = lookup_one(dir, last);
		if (IS_ERR(d) || !d) {
			err = d ? PTR_ERR(d) : -ENOENT;
		} else {
			if ((err = may_delete(dir, d, true)))
				;
			else if ((d->d_flags & DCACHE_MOUNT) || d == current->fs->root)
				err = -EBUSY;
			else if (!dir->d_inode->i_op || !dir->d_inode->i_op->rmdir)
				err = -EPERM;
			else if (!dir_is_empty(d))
				err = -ENOTEMPTY;
			else
				err = dir->d_inode->i_op->rmdir(dir, d);
			dput(d);
		}
	}
	dput(dir);
	return err;
}

static long do_unlinkat(int dfd, uint64_t upath)
{
	struct dentry *dir;
	char last[NAME_MAX + 1];
	bool trailing;
	int err = user_path_parent(dfd, upath, &dir, last, &trailing);
	if (err)
		return err;
	if (!last[0] || is_dot_or_dotdot(last)) {
		err = -EISDIR;
	} else {
		struct dentry *d = lookup_one(dir, last);
		if (IS_ERR(d) || !d) {
			err = d ? PTR_ERR(d) : -ENOENT;
		} else {
			if (trailing)
				err = S_ISDIR(d->d_inode->i_mode) ? -EISDIR : -ENOTDIR;
			else if ((err = may_delete(dir, d, false)))
				;
			else if (!dir->d_inode->i_op || !dir->d_inode->i_op->unlink)
				err = -EPERM;
			else
				err = dir->d_inode->i_op->unlink(dir, d);
			dput(d);
		}
	}
	dput(dir);
	return err;
}

SYSCALL_DEFINE1(rmdir, uint64_t, path)
{
	return do_rmdir(AT_FDCWD, path);
}

SYSCALL_DEFINE1(unlink, uint64_t, path)
{
	return do_unlinkat(AT_FDCWD, path);
}

SYSCALL_DEFINE3(unlinkat, int, dfd, uint64_t, path, int, flag)
{
	if (flag & ~AT_REMOVEDIR)
		return -EINVAL;
	return flag & AT_REMOVEDIR ? do_rmdir(dfd, path) : do_unlinkat(dfd, path);
}

static long do_symlinkat(uint64_t utarget, int dfd, uint64_t upath)
{
	char *target = getname(utarget, false);
	if (IS_ERR(target))
		return PTR_ERR(target);
	struct dentry *dir;
	char last[NAME_MAX + 1];
	bool trailing;
	int err = user_path_parent(dfd, upath, &dir, last, &trailing);
	if (err) {
		kfree(target);
		return err;
	}
	struct dentry *d = last[0] ? lookup_one(dir, last) : dget(dir);
	if (IS_ERR(d)) {
		err = PTR_ERR(d);
	} else if (d) {
		err = -EEXIST;
		dput(d);
	} else if (trailing) {
		err = -ENOENT;
	} else if (!dir->d_inode->i_op || !dir->d_inode->i_op->create) {
		err = -EPERM;
	} else if (!dir->d_inode->i_nlink) {
		err = -ENOENT;
	} else if (!(err = may_create(dir))) {
		err = ramfs_symlink(dir, last, target, strlen(target));
	}
	dput(dir);
	kfree(target);
	return err;
}

SYSCALL_DEFINE2(symlink, uint64_t, target, uint64_t, path)
{
	return do_symlinkat(target, AT_FDCWD, path);
}

SYSCALL_DEFINE3(symlinkat, uint64_t, target, int, dfd, uint64_t, path)
{
	return do_symlinkat(target, dfd, path);
}

#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE 2
#define RENAME_WHITEOUT 4

static long do_renameat2(int olddfd, uint64_t oldpath, int newdfd, uint64_t newpath,
			 unsigned int flags)
{
	struct dentry *odir, *ndir = NULL, *old = NULL, *target = NULL;
	char oname[NAME_MAX + 1], nname[NAME_MAX + 1];
	bool otrail, ntrail;

	if (flags & ~RENAME_NOREPLACE)
		return -EINVAL;
	int err = user_path_parent(olddfd, oldpath, &odir, oname, &otrail);
	if (err)
		return err;
	err = user_path_parent(newdfd, newpath, &ndir, nname, &ntrail);
	if (err)
		goto out;
	if (!oname[0] || !nname[0] || is_dot_or_dotdot(oname) || is_dot_or_dotdot(nname)) {
		err = -EBUSY;
		goto out;
	}
	old = lookup_one(odir, oname);
	if (IS_ERR(old) || !old) {
		err = old ? PTR_ERR(old) : -ENOENT;
		old = NULL;
		goto out;
	}
	bool is_dir = S_ISDIR(old->d_inode->i_mode);
	if ((otrail || ntrail) && !is_dir) {
		err = -ENOTDIR;
		goto out;
	}
	if (odir->d_inode->i_dev != ndir->d_inode->i_dev) {
		err = -EXDEV;
		goto out;
	}
	if (old->d_flags & DCACHE_MOUNT) {
		err = -EBUSY;
		goto out;
	}
	target = lookup_one(ndir, nname);
	if (IS_ERR(target)) {
		err = PTR_ERR(target);
		target = NULL;
		goto out;
	}
	if (target && (flags & RENAME_NOREPLACE)) {
		err = -EEXIST;
		goto out;
	}
	if (target == old)
		goto out; /* the same file: nothing to do */
	/* A directory cannot move below itself. */
	if (is_dir && d_is_subdir(ndir, old)) {
		err = -EINVAL;
		goto out;
	}
	err = may_delete(odir, old, is_dir);
	if (!err)
		err = target ? may_delete(ndir, target, S_ISDIR(target->d_inode->i_mode))
			     : may_create(ndir);
	/* A directory moving to another parent rewrites its "..". */
	if (!err && is_dir && odir != ndir)
		err = inode_permission(old->d_inode, MAY_WRITE);
	if (err)
		goto out;
	if (target) {
		bool tdir = S_ISDIR(target->d_inode->i_mode);
		if (target->d_flags & DCACHE_MOUNT)
			err = -EBUSY;
		else if (is_dir && !tdir)
			err = -ENOTDIR;
		else if (!is_dir && tdir)
			err = -EISDIR;
		else if (tdir && !dir_is_empty(target))
			err = -ENOTEMPTY;
		if (err)
			goto out;
	}
	if (!odir->d_inode->i_op || !odir->d_inode->i_op->rename) {
		err = -EPERM;
		goto out;
	}
	if (!ndir->d_inode->i_nlink) {
		err = -ENOENT;
		goto out;
	}
	err = odir->d_inode->i_op->rename(odir, old, ndir, nname);
out:
	dput(target);
	dput(old);
	dput(ndir);
	dput(odir);
	return err;
}

SYSCALL_DEFINE2(rename, uint64_t, oldpath, uint64_t, newpath)
{
	return do_renameat2(AT_FDCWD, oldpath, AT_FDCWD, newpath, 0);
}

SYSCALL_DEFINE4(renameat, int, olddfd, uint64_t, oldpath, int, newdfd, uint64_t, newpath)
{
	return do_renameat2(olddfd, oldpath, newdfd, newpath, 0);
}

SYSCALL_DEFINE5(renameat2, int, olddfd, uint64_t, oldpath, int, newdfd, uint64_t, newpath,
		unsigned int, flags)
{
	return do_renameat2(olddfd, oldpath, newdfd, newpath, flags);
}
