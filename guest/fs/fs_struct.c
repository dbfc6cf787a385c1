// SPDX-License-Identifier: MIT
/* Each task's root, working directory and umask (fork copies them). */
#include "internal.h"
#include "sched.h"
#include "slab.h"
#include "syscall.h"

struct fs_struct *fs_init_root(void)
{
	struct fs_struct *fs = kzalloc(sizeof(*fs));
	if (!fs)
		return NULL;
	fs->users = 1;
	fs->umask = 022;
	fs->root = dget(root_dentry);
	fs->pwd = dget(root_dentry);
	return fs;
}

struct fs_struct *copy_fs_struct(struct fs_struct *old)
{
	struct fs_struct *fs = kzalloc(sizeof(*fs));
	if (!fs)
		return NULL;
	fs->users = 1;
	fs->umask = old->umask;
	fs->root = dget(old->root);
	fs->pwd = dget(old->pwd);
	return fs;
}

void exit_fs(struct task_struct *tsk)
{
	struct fs_struct *fs = tsk->fs;
	if (!fs)
		return;
	tsk->fs = NULL;
	if (--fs->users)
		return;
	dput(fs->root);
	dput(fs->pwd);
	kfree(fs);
}

SYSCALL_DEFINE1(umask, int, mask)
{
	struct fs_struct *fs = current->fs;
	int old = fs->umask;
	fs->umask = mask & 0777;
	return old;
}
