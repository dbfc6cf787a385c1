// SPDX-License-Identifier: MIT
/*
 * getdents64 (Linux's fs/readdir.c) and the reading of RAM directories
 * (fs/libfs.c's dcache_readdir): an open directory keeps a cursor in its
 * list of names, so names removed or added while it is read never make
 * it skip or repeat the others.
 */
#include "internal.h"
#include "slab.h"
#include "string.h"
#include "syscall.h"
#include "uaccess.h"

int dcache_dir_open(struct inode *inode, struct file *f)
{
	(void)inode;
	struct dentry *cursor = kzalloc(sizeof(*cursor));
	if (!cursor)
		return -ENOMEM;
	list_add(&cursor->d_child, &f->f_dentry->d_subdirs);
	f->private_data = cursor;
	return 0;
}

void dcache_dir_close(struct inode *inode, struct file *f)
{
	(void)inode;
	struct dentry *cursor = f->private_data;
	list_del(&cursor->d_child);
	kfree(cursor);
}

/* Puts the cursor after the n-th name (0: before all). */
static void move_cursor(struct dentry *dir, struct dentry *cursor, loff_t n)
{
	struct list_head *p = &dir->d_subdirs;
	list_del(&cursor->d_child);
	while (n > 0 && p->next != &dir->d_subdirs) {
		p = p->next;
		if (list_entry(p, struct dentry, d_child)->d_inode)
			n--;
	}
	__list_add(&cursor->d_child, p, p->next);
}

loff_t dcache_dir_lseek(struct file *f, loff_t offset, int whence)
{
	if (whence == 1)
		offset += f->f_pos;
	else if (whence != 0)
		return -EINVAL;
	if (offset < 0)
		return -EINVAL;
	if (offset != f->f_pos) {
		f->f_pos = offset;
		move_cursor(f->f_dentry, f->private_data, offset > 2 ? offset - 2 : 0);
	}
	return offset;
}

int dcache_readdir(struct file *f, struct dir_context *ctx)
{
	struct dentry *dir = f->f_dentry, *cursor = f->private_data;
	if (ctx->pos == 0) {
		if (!ctx->emit(ctx, ".", 1, dir->d_inode->i_ino, DT_DIR))
			return 0;
		ctx->pos = 1;
	}
	if (ctx->pos == 1) {
		if (!ctx->emit(ctx, "..", 2, dir->d_parent->d_inode->i_ino, DT_DIR))
			return 0;
		ctx->pos = 2;
	}
	for (struct list_head *p = cursor->d_child.next; p != &dir->d_subdirs; p = p->next) {
		struct dentry *d = list_entry(p, struct dentry, d_child);
		if (!d->d_inode)
			continue; /* another reader's cursor */
		if (!ctx->emit(ctx, d->d_name, strlen(d->d_name), d->d_inode->i_ino,
			       dt_type(d->d_inode->i_mode)))
			break;
		ctx->pos++;
		list_del(&cursor->d_child);
		__list_add(&cursor->d_child, &d->d_child, d->d_child.next);
		p = &cursor->d_child;
	}
	return 0;
}

struct getdents_callback64 {
	struct dir_context ctx;
	uint64_t current_dir; /* user address of the next record */
	size_t count;             /* bytes left */
	size_t used;
	int error;
};

struct linux_dirent64_head {
	uint64_t d_ino;
	int64_t d_off;
	uint16_t d_reclen;
	uint8_t d_type;
} __packed;

static bool filldir64(struct dir_context *ctx, const char *name, size_t len, uint64_t ino,
		      unsigned int type)
{
	struct getdents_callback64 *buf = container_of(ctx, struct getdents_callback64, ctx);
	size_t reclen = ALIGN_UP(sizeof(struct linux_dirent64_head) + len + 1, 8);
	if (reclen > buf->count) {
		if (!buf->used)
			buf->error = -EINVAL;
		return false;
	}
	char rec[sizeof(struct linux_dirent64_head) + NAME_MAX + 8] = {0};
	struct linux_dirent64_head h = {
		.d_ino = ino, .d_off = ctx->pos + 1, .d_reclen = reclen, .d_type = type};
	memcpy(rec, &h, sizeof(h));
	memcpy(rec + sizeof(h), name, len);
	if (copy_to_user(buf->current_dir, rec, reclen)) {
		buf->error = -EFAULT;
		return false;
	}
	buf->current_dir += reclen;
	buf->count -= reclen;
	buf->used += reclen;
	return true;
}

SYSCALL_DEFINE3(getdents64, unsigned int, fd, uint64_t, dirent, unsigned int, count)
{
	struct file *f = fcheck(fd);
	if (!f)
		return -EBADF;
	if (!access_ok(dirent, count))
		return -EFAULT;
	if (!f->f_op || !f->f_op->iterate)
		return -ENOTDIR;
	if (!f->f_inode->i_nlink && S_ISDIR(f->f_inode->i_mode))
		return -ENOENT;
	struct getdents_callback64 buf = {
		.ctx = {.emit = filldir64, .pos = f->f_pos}, .current_dir = dirent, .count = count};
	int err = f->f_op->iterate(f, &buf.ctx);
	f->f_pos = buf.ctx.pos;
	if (buf.used)
		return buf.used;
	return err ? err : buf.error;
}
