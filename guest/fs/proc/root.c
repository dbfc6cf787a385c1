// SPDX-License-Identifier: MIT
/*
 * /proc's directories (Linux's fs/proc/root.c, base.c): a fixed tree of
 * entries plus one directory per process. Their dentries and inodes are
 * made by each lookup and go with the last reference; a process's entries
 * follow it by pid, so a file of a process that has gone reads empty.
 */
#include "internal.h"
#include "sched.h"
#include "slab.h"
#include "string.h"

extern const struct file_operations proc_reg_file_ops, proc_pid_file_ops;
static const struct inode_operations proc_dir_inode_operations, proc_link_inode_operations;
static const struct file_operations proc_dir_operations;

static struct proc_entry proc_root_entry;

static uint64_t proc_ino(const struct proc_entry *pe, int pid, unsigned int idx)
{
	if (pid)
		return ((uint64_t)pid << 8) + idx + 0x10000;
	return 1 + (((uint64_t)(uintptr_t)pe >> 3) & 0xffff);
}

static struct dentry *proc_new_dentry(struct dentry *parent, const char *name,
				      const struct proc_entry *pe, int pid, uint64_t ino)
{
	struct dentry *d = d_alloc(parent, name, strlen(name));
	struct proc_inode *pi = kzalloc(sizeof(*pi));
	struct inode *inode = d && pi ? new_inode(pe->mode, DEV_PROC) : NULL;
	if (!inode) {
		kfree(pi);
		dput(d);
		return ERR_PTR(-ENOMEM);
	}
	pi->pe = pe;
	pi->pid = pid;
	/* A process's files are its effective ids' (Linux's task_dump_owner,
	 * for a dumpable task); the rest are root's. */
	struct task_struct *task = pid ? find_task_by_pid(pid) : NULL;
	if (task) {
		inode->i_uid = task->euid;
		inode->i_gid = task->egid;
	}
	inode->i_private = pi;
	inode->i_ino = ino;
	if (S_ISDIR(pe->mode)) {
		inode->i_op = &proc_dir_inode_operations;
		inode->i_fop = &proc_dir_operations;
		inode->i_nlink = 2;
	} else if (S_ISLNK(pe->mode)) {
		inode->i_op = &proc_link_inode_operations;
	} else {
		inode->i_fop = pid ? &proc_pid_file_ops : &proc_reg_file_ops;
	}
	d->d_inode = inode;
	d->d_flags |= DCACHE_DYNAMIC;
	return d;
}

static bool parse_pid(const char *name, int *pid)
{
	long v = 0;
	if (!*name || *name == '0')
		return false;
	for (const char *p = name; *p; p++) {
		if (*p < '0' || *p > '9' || v > 0x3fffffff)
			return false;
		v = v * 10 + (*p - '0');
	}
	*pid = v;
	return true;
}

static struct dentry *proc_lookup(struct dentry *dir, const char *name)
{
	struct proc_inode *pi = PROC_I(dir->d_inode);
	const struct proc_entry *pe = pi->pe;
	if (pi->pid && !find_task_by_pid(pi->pid))
		return ERR_PTR(-ENOENT);
	for (unsigned int i = 0; i < pe->nr_children; i++)
		if (!strcmp(pe->children[i].name, name))
			return proc_new_dentry(dir, name, &pe->children[i], pi->pid,
					       proc_ino(&pe->children[i], pi->pid, i + 1));
	int pid;
	if (pe == &proc_root_entry && parse_pid(name, &pid) && find_task_by_pid(pid))
		return proc_new_dentry(dir, name, &proc_pid_entry, pid, proc_ino(NULL, pid, 0));
	/* As Linux's proc_lookup_de: no negative entries (so creating a
	 * name in /proc is ENOENT). */
	return ERR_PTR(-ENOENT);
}

static int proc_readdir(struct file *f, struct dir_context *ctx)
{
	struct dentry *dir = f->f_dentry;
	struct proc_inode *pi = PROC_I(f->f_inode);
	const struct proc_entry *pe = pi->pe;
	if (ctx->pos == 0) {
		if (!ctx->emit(ctx, ".", 1, f->f_inode->i_ino, DT_DIR))
			return 0;
		ctx->pos = 1;
	}
	if (ctx->pos == 1) {
		if (!ctx->emit(ctx, "..", 2, dir->d_parent->d_inode->i_ino, DT_DIR))
			return 0;
		ctx->pos = 2;
	}
	if (pi->pid && !find_task_by_pid(pi->pid))
		return 0;
	while (ctx->pos - 2 < pe->nr_children) {
		const struct proc_entry *c = &pe->children[ctx->pos - 2];
		if (!ctx->emit(ctx, c->name, strlen(c->name),
			       proc_ino(c, pi->pid, ctx->pos - 1), dt_type(c->mode)))
			return 0;
		ctx->pos++;
	}
	if (pe != &proc_root_entry)
		return 0;
	/* then one directory per process, in the order of the task list */
	loff_t n = pe->nr_children + 2;
	struct task_struct *p;
	for_each_process(p) {
		if (p->state == TASK_DEAD)
			continue;
		if (n++ < ctx->pos)
			continue;
		char name[16];
		int len = snprintf(name, sizeof(name), "%d", p->pid);
		if (!ctx->emit(ctx, name, len, proc_ino(NULL, p->pid, 0), DT_DIR))
			return 0;
		ctx->pos++;
	}
	return 0;
}

static loff_t proc_dir_llseek(struct file *f, loff_t offset, int whence)
{
	if (whence == 1)
		offset += f->f_pos;
	else if (whence != 0)
		return -EINVAL;
	if (offset < 0)
		return -EINVAL;
	return f->f_pos = offset;
}

static long proc_dir_read(struct file *f, struct iov_iter *to, loff_t *pos)
{
	(void)f;
	(void)to;
	(void)pos;
	return -EISDIR;
}

static const struct file_operations proc_dir_operations = {
	.read_iter = proc_dir_read,
	.iterate = proc_readdir,
	.llseek = proc_dir_llseek,
};

static const struct inode_operations proc_dir_inode_operations = {
	.lookup = proc_lookup,
};

static long proc_get_link(struct dentry *d, char *buf, size_t size)
{
	struct proc_inode *pi = PROC_I(d->d_inode);
	struct task_struct *task = pi->pid ? find_task_by_pid(pi->pid) : current;
	if (!task)
		return -ENOENT;
	return pi->pe->readlink(task, buf, size);
}

static const struct inode_operations proc_link_inode_operations = {
	.get_link = proc_get_link,
};

static struct proc_entry proc_root_entry = {
	.name = "proc",
	.mode = S_IFDIR | 0555,
	.children = proc_root_entries,
};

struct dentry *proc_mount(struct dentry *parent)
{
	proc_root_entry.nr_children = proc_root_nr_entries;
	struct dentry *old = d_lookup(parent, "proc");
	if (old) {
		d_delete(old);
		dput(old);
	}
	struct dentry *d = proc_new_dentry(parent, "proc", &proc_root_entry, 0, 1);
	if (IS_ERR(d))
		return NULL;
	d->d_flags = DCACHE_MOUNT;
	d->d_inode->i_ino = 1;
	d_add(d, d->d_inode);
	dput(d);
	return d;
}
