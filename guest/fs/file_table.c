// SPDX-License-Identifier: MIT
/* Open files: allocation and the last fput. */
#include "internal.h"
#include "printk.h"
#include "slab.h"
#include "string.h"

struct file *alloc_file(struct dentry *d, struct inode *inode, unsigned int flags,
			const struct file_operations *fop)
{
	struct file *f = kzalloc(sizeof(*f));
	if (!f)
		return NULL;
	f->f_count = 1;
	f->f_flags = flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC);
	f->f_inode = ihold(inode);
	f->f_dentry = d ? dget(d) : NULL;
	f->f_op = fop;
	f->f_mapping = &inode->i_data;
	return f;
}

/* The last reference closes the file; an unlinked inode goes with it
 * when nothing else holds it (another open file or a mapping's file). */
void fput(struct file *f)
{
	if (!f)
		return;
	BUG_ON(f->f_count <= 0);
	if (--f->f_count)
		return;
	if (f->f_op && f->f_op->release)
		f->f_op->release(f->f_inode, f);
	dput(f->f_dentry);
	iput(f->f_inode);
	kfree(f->f_path);
	kfree(f);
}

void file_map_name(struct file *f, char *buf, size_t size)
{
	if (!size)
		return;
	if (!f->f_dentry) {
		snprintf(buf, size, "%s", f->f_path ? f->f_path : "");
		return;
	}
	int err = d_path(f->f_dentry, buf, size);
	if (err == -ENOENT) {
		/* Unlinked: the name it had, as Linux's d_path shows it. */
		snprintf(buf, size, "%s (deleted)", f->f_path ? f->f_path : f->f_dentry->d_name);
	} else if (err) {
		snprintf(buf, size, "%s", f->f_dentry->d_name);
	}
}
