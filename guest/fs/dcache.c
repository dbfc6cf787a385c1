// SPDX-License-Identifier: MIT
/*
 * The tree of names. The RAM file systems keep their directories here (as
 * Linux's ramfs lives in the dcache): a linked dentry holds one reference
 * from its parent's list; /proc's dentries are made per lookup, unlinked,
 * and go with their last reference.
 */
#include "internal.h"
#include "slab.h"
#include "string.h"

struct dentry *root_dentry;

struct dentry *d_alloc(struct dentry *parent, const char *name, size_t len)
{
	struct dentry *d = kzalloc(sizeof(*d));
	char *n = kmalloc(len + 1);
	if (!d || !n) {
		kfree(d);
		kfree(n);
		return NULL;
	}
	memcpy(n, name, len);
	n[len] = '\0';
	d->d_name = n;
	d->d_count = 1;
	d->d_parent = parent ? dget(parent) : d;
	INIT_LIST_HEAD(&d->d_child);
	INIT_LIST_HEAD(&d->d_subdirs);
	return d;
}

void dput(struct dentry *d)
{
	while (d) {
		BUG_ON(d->d_count <= 0);
		if (--d->d_count)
			return;
		struct dentry *parent = d->d_parent == d ? NULL : d->d_parent;
		iput(d->d_inode);
		kfree(d->d_name);
		kfree(d);
		d = parent;
	}
}

void d_add(struct dentry *d, struct inode *inode)
{
	d->d_inode = inode;
	d->d_flags |= DCACHE_HASHED;
	list_add_tail(&d->d_child, &d->d_parent->d_subdirs);
	dget(d);
}

void d_delete(struct dentry *d)
{
	if (!(d->d_flags & DCACHE_HASHED))
		return;
	d->d_flags &= ~DCACHE_HASHED;
	list_del(&d->d_child);
	dput(d);
}

struct dentry *d_lookup(struct dentry *dir, const char *name)
{
	struct dentry *d;
	list_for_each_entry(d, &dir->d_subdirs, d_child)
		if (d->d_inode && !strcmp(d->d_name, name))
			return dget(d);
	return NULL;
}

int d_path(struct dentry *d, char *buf, size_t size)
{
	size_t pos = size;
	if (!size)
		return -ENAMETOOLONG;
	buf[--pos] = '\0';
	if (d->d_parent == d) {
		if (pos < 1)
			return -ENAMETOOLONG;
		buf[--pos] = '/';
	}
	for (; d->d_parent != d; d = d->d_parent) {
		if (!(d->d_flags & (DCACHE_HASHED | DCACHE_DYNAMIC)))
			return -ENOENT;
		size_t len = strlen(d->d_name);
		if (pos < len + 1)
			return -ENAMETOOLONG;
		pos -= len;
		memcpy(buf + pos, d->d_name, len);
		buf[--pos] = '/';
	}
	memmove(buf, buf + pos, size - pos);
	return 0;
}

bool d_is_subdir(struct dentry *d, struct dentry *ancestor)
{
	for (;;) {
		if (d == ancestor)
			return true;
		if (d->d_parent == d)
			return false;
		d = d->d_parent;
	}
}
