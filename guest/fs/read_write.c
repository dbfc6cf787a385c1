// SPDX-License-Identifier: MIT
/*
 * read, write and their relatives (Linux's fs/read_write.c). The checks
 * come in Linux's order (descriptor, open mode, pointer, position), and a
 * transfer that meets an inaccessible user page stops there: the bytes
 * done so far, or EFAULT when there were none.
 */
#include "internal.h"
#include "sched.h"
#include "slab.h"
#include "string.h"
#include "syscall.h"
#include "uaccess.h"

#define MAX_RW_COUNT (0x7fffffffUL & PAGE_MASK)
#define UIO_MAXIOV 1024
#define SEEK_MAX 4

size_t copy_to_user_partial(uint64_t dst, const void *src, size_t n)
{
	size_t done = 0;
	while (done < n) {
		char *p = user_page_ptr(dst + done, 1);
		if (!p)
			break;
		size_t chunk = MIN(n - done, PAGE_SIZE - ((dst + done) & ~PAGE_MASK));
		memcpy(p, (const char *)src + done, chunk);
		done += chunk;
	}
	return done;
}

size_t copy_from_user_partial(void *dst, uint64_t src, size_t n)
{
	size_t done = 0;
	while (done < n) {
		const char *p = user_page_ptr(src + done, 0);
		if (!p)
			break;
		size_t chunk = MIN(n - done, PAGE_SIZE - ((src + done) & ~PAGE_MASK));
		memcpy((char *)dst + done, p, chunk);
		done += chunk;
	}
	return done;
}

/* Moves to the next non-empty segment; false when none is left. */
static bool iter_advance_seg(struct iov_iter *i)
{
	while (i->count && i->iov_offset == i->iov->iov_len) {
		i->iov++;
		i->nr_segs--;
		i->iov_offset = 0;
	}
	return i->count;
}

size_t copy_to_iter(const void *src, size_t n, struct iov_iter *i)
{
	size_t done = 0;
	while (done < n && iter_advance_seg(i)) {
		size_t chunk = MIN(n - done, i->iov->iov_len - i->iov_offset);
		uint64_t addr = i->iov->iov_base + i->iov_offset;
		size_t c = chunk;
		if (i->kernel)
			memcpy((void *)addr, (const char *)src + done, chunk);
		else
			c = copy_to_user_partial(addr, (const char *)src + done, chunk);
		done += c;
		i->iov_offset += c;
		i->count -= c;
		if (c < chunk)
			break;
	}
	return done;
}

size_t copy_from_iter(void *dst, size_t n, struct iov_iter *i)
{
	size_t done = 0;
	while (done < n && iter_advance_seg(i)) {
		size_t chunk = MIN(n - done, i->iov->iov_len - i->iov_offset);
		uint64_t addr = i->iov->iov_base + i->iov_offset;
		size_t c = chunk;
		if (i->kernel)
			memcpy((char *)dst + done, (const void *)addr, chunk);
		else
			c = copy_from_user_partial((char *)dst + done, addr, chunk);
		done += c;
		i->iov_offset += c;
		i->count -= c;
		if (c < chunk)
			break;
	}
	return done;
}

static void iov_iter_init(struct iov_iter *i, bool kernel, const struct iovec *iov,
			  unsigned long nr_segs, size_t count)
{
	*i = (struct iov_iter){.kernel = kernel, .iov = iov, .nr_segs = nr_segs, .count = count};
}

long simple_read_from_buffer(struct iov_iter *to, loff_t *pos, const void *from, size_t available)
{
	if (*pos < 0)
		return -EINVAL;
	if ((uint64_t)*pos >= available || !to->count)
		return 0;
	size_t n = MIN(available - *pos, to->count);
	size_t c = copy_to_iter((const char *)from + *pos, n, to);
	*pos += c;
	return c ? (long)c : -EFAULT;
}

/* rw_verify_area: a position and count the file can take. */
static int rw_verify_area(loff_t pos, size_t count)
{
	if ((int64_t)count < 0 || pos < 0)
		return -EINVAL;
	loff_t end;
	if (__builtin_add_overflow(pos, (loff_t)count, &end))
		return -EINVAL;
	return 0;
}

static long vfs_read_iter(struct file *f, struct iov_iter *to, loff_t *pos)
{
	if (!file_readable(f))
		return -EBADF;
	if (!f->f_op || !f->f_op->read_iter)
		return -EINVAL;
	int err = rw_verify_area(*pos, to->count);
	if (err)
		return err;
	if (!to->count)
		return 0;
	return f->f_op->read_iter(f, to, pos);
}

static long vfs_write_iter(struct file *f, struct iov_iter *from, loff_t *pos)
{
	if (!file_writable(f))
		return -EBADF;
	if (!f->f_op || !f->f_op->write_iter)
		return -EINVAL;
	int err = rw_verify_area(*pos, from->count);
	if (err)
		return err;
	if (!from->count)
		return 0;
	return f->f_op->write_iter(f, from, pos);
}

static long do_read(struct file *f, uint64_t buf, size_t count, loff_t *pos)
{
	if (!file_readable(f))
		return -EBADF;
	if (!f->f_op || !f->f_op->read_iter)
		return -EINVAL;
	if (!access_ok(buf, count))
		return -EFAULT;
	struct iovec iov = {buf, MIN(count, MAX_RW_COUNT)};
	struct iov_iter to;
	iov_iter_init(&to, false, &iov, 1, iov.iov_len);
	return vfs_read_iter(f, &to, pos);
}

static long do_write(struct file *f, uint64_t buf, size_t count, loff_t *pos)
{
	if (!file_writable(f))
		return -EBADF;
	if (!f->f_op || !f->f_op->write_iter)
		return -EINVAL;
	if (!access_ok(buf, count))
		return -EFAULT;
	struct iovec iov = {buf, MIN(count, MAX_RW_COUNT)};
	struct iov_iter from;
	iov_iter_init(&from, false, &iov, 1, iov.iov_len);
	return vfs_write_iter(f, &from, pos);
}

long kernel_read(struct file *f, void *buf, size_t count, loff_t *pos)
{
	struct iovec iov = {(uint64_t)buf, MIN(count, MAX_RW_COUNT)};
	struct iov_iter to;
	iov_iter_init(&to, true, &iov, 1, iov.iov_len);
	return vfs_read_iter(f, &to, pos ? pos : &f->f_pos);
}

SYSCALL_DEFINE3(read, unsigned int, fd, uint64_t, buf, size_t, count)
{
	struct file *f = fcheck(fd);
	return f ? do_read(f, buf, count, &f->f_pos) : -EBADF;
}

SYSCALL_DEFINE3(write, unsigned int, fd, uint64_t, buf, size_t, count)
{
	struct file *f = fcheck(fd);
	return f ? do_write(f, buf, count, &f->f_pos) : -EBADF;
}

/* Files that have positions: pread/pwrite need one (not the console). */
static bool file_has_pos(struct file *f)
{
	return f->f_op && f->f_op->llseek;
}

SYSCALL_DEFINE4(pread64, unsigned int, fd, uint64_t, buf, size_t, count, loff_t, pos)
{
	if (pos < 0)
		return -EINVAL;
	struct file *f = fcheck(fd);
	if (!f)
		return -EBADF;
	if (!file_has_pos(f))
		return -ESPIPE;
	return do_read(f, buf, count, &pos);
}

SYSCALL_DEFINE4(pwrite64, unsigned int, fd, uint64_t, buf, size_t, count, loff_t, pos)
{
	if (pos < 0)
		return -EINVAL;
	struct file *f = fcheck(fd);
	if (!f)
		return -EBADF;
	if (!file_has_pos(f))
		return -ESPIPE;
	/* As Linux: pwrite on an O_APPEND file appends. */
	return do_write(f, buf, count, &pos);
}

/* import_iovec: the user's vector in a kernel copy (kfree it), its total
 * clamped to MAX_RW_COUNT, every segment checked with access_ok. */
static long import_iovec(uint64_t uvec, unsigned long nr_segs, struct iovec **out, size_t *total)
{
	if (nr_segs > UIO_MAXIOV)
		return -EINVAL;
	struct iovec *iov = kmalloc(MAX(nr_segs, 1) * sizeof(*iov));
	if (!iov)
		return -ENOMEM;
	if (copy_from_user(iov, uvec, nr_segs * sizeof(*iov))) {
		kfree(iov);
		return -EFAULT;
	}
	size_t sum = 0;
	for (unsigned long s = 0; s < nr_segs; s++) {
		if ((int64_t)iov[s].iov_len < 0) {
			kfree(iov);
			return -EINVAL;
		}
		if (!access_ok(iov[s].iov_base, iov[s].iov_len)) {
			kfree(iov);
			return -EFAULT;
		}
		if (iov[s].iov_len > MAX_RW_COUNT - sum)
			iov[s].iov_len = MAX_RW_COUNT - sum;
		sum += iov[s].iov_len;
	}
	*out = iov;
	*total = sum;
	return 0;
}

static long do_readv_writev(bool write, unsigned int fd, uint64_t uvec, unsigned long vlen,
			    loff_t *ppos)
{
	struct file *f = fcheck(fd);
	if (!f)
		return -EBADF;
	if (ppos) {
		if (*ppos < 0)
			return -EINVAL;
		if (!file_has_pos(f))
			return -ESPIPE;
	}
	if (write ? !file_writable(f) : !file_readable(f))
		return -EBADF;
	if (!f->f_op || !(write ? f->f_op->write_iter : f->f_op->read_iter))
		return -EINVAL;
	struct iovec *iov;
	size_t total;
	long ret = import_iovec(uvec, vlen, &iov, &total);
	if (ret)
		return ret;
	struct iov_iter it;
	iov_iter_init(&it, false, iov, vlen, total);
	loff_t *pos = ppos ? ppos : &f->f_pos;
	ret = write ? vfs_write_iter(f, &it, pos) : vfs_read_iter(f, &it, pos);
	kfree(iov);
	return ret;
}

SYSCALL_DEFINE3(readv, unsigned int, fd, uint64_t, vec, unsigned long, vlen)
{
	return do_readv_writev(false, fd, vec, vlen, NULL);
}

SYSCALL_DEFINE3(writev, unsigned int, fd, uint64_t, vec, unsigned long, vlen)
{
	return do_readv_writev(true, fd, vec, vlen, NULL);
}

SYSCALL_DEFINE3(lseek, unsigned int, fd, int64_t, offset, unsigned int, whence)
{
	struct file *f = fcheck(fd);
	if (!f)
		return -EBADF;
	if (whence > SEEK_MAX)
		return -EINVAL;
	if (!f->f_op || !f->f_op->llseek)
		return -ESPIPE;
	return f->f_op->llseek(f, offset, whence);
}

static long do_fsync(unsigned int fd)
{
	struct file *f = fcheck(fd);
	if (!f)
		return -EBADF;
	if (!f->f_op || !f->f_op->fsync)
		return -EINVAL;
	return f->f_op->fsync(f);
}

SYSCALL_DEFINE1(fsync, unsigned int, fd)
{
	return do_fsync(fd);
}

SYSCALL_DEFINE1(fdatasync, unsigned int, fd)
{
	return do_fsync(fd);
}

/* RAM file systems have nothing to write back. */
SYSCALL_DEFINE0(sync)
{
	return 0;
}

SYSCALL_DEFINE1(syncfs, unsigned int, fd)
{
	return fcheck(fd) ? 0 : -EBADF;
}
