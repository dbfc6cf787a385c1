// SPDX-License-Identifier: MIT
/* /dev/null and /dev/zero (Linux's drivers/char/mem.c). */
#include "internal.h"
#include "mm.h"

static long read_null(struct file *f, struct iov_iter *to, loff_t *pos)
{
	(void)f;
	(void)to;
	(void)pos;
	return 0;
}

static long write_null(struct file *f, struct iov_iter *from, loff_t *pos)
{
	(void)f;
	(void)pos;
	size_t n = from->count;
	from->count = 0;
	return n;
}

/* Both stay at 0, as Linux's null_lseek. */
static loff_t null_lseek(struct file *f, loff_t offset, int whence)
{
	(void)offset;
	(void)whence;
	return f->f_pos = 0;
}

static const char zeroes[512];

static long read_zero(struct file *f, struct iov_iter *to, loff_t *pos)
{
	(void)f;
	(void)pos;
	long done = 0;
	while (to->count) {
		size_t n = MIN(to->count, sizeof(zeroes));
		size_t c = copy_to_iter(zeroes, n, to);
		done += c;
		if (c < n)
			return done ? done : -EFAULT;
	}
	return done;
}

/* Private: anonymous memory. Shared: a shmem file of the mapping's size,
 * as Linux's shmem_zero_setup ("/dev/zero (deleted)" in maps). */
static int mmap_zero(struct file *f, struct vm_area_struct *vma)
{
	(void)f;
	if (!(vma->vm_flags & VM_SHARED)) {
		vma->vm_ops = NULL;
		return 0;
	}
	struct file *shm = shmem_file_setup("/dev/zero (deleted)", vma->vm_end - vma->vm_start);
	if (!shm)
		return -ENOMEM;
	fput(vma->vm_file);
	vma->vm_file = shm;
	vma->vm_pgoff = 0;
	return shm->f_op->mmap(shm, vma);
}

const struct file_operations null_fops = {
	.read_iter = read_null,
	.write_iter = write_null,
	.llseek = null_lseek,
};

const struct file_operations zero_fops = {
	.read_iter = read_zero,
	.write_iter = write_null,
	.llseek = null_lseek,
	.mmap = mmap_zero,
};
