// SPDX-License-Identifier: MIT
/* The only files so far: descriptors 0, 1 and 2 are the console. Output
 * goes to the serial port as written; there is no input yet. */
#include "console.h"
#include "errno.h"
#include "page.h"
#include "syscall.h"
#include "uaccess.h"

#define UIO_MAXIOV 1024
#define SSIZE_MAX 0x7fffffffffffffffUL

static bool is_console_fd(uint64_t fd)
{
	return fd <= 2;
}

/* Writes user bytes to the console; short when a page is inaccessible
 * (-EFAULT if nothing could be written), as Linux's write(2). */
static long console_write_user(uint64_t buf, uint64_t count)
{
	uint64_t done = 0;
	if (!access_ok(buf, count))
		return -EFAULT;
	while (done < count) {
		uint64_t addr = buf + done;
		const char *p = user_page_ptr(addr, 0);
		if (!p)
			return done ? (long)done : -EFAULT;
		uint64_t chunk = MIN(count - done, PAGE_SIZE - (addr & ~PAGE_MASK));
		console_write(p, chunk);
		done += chunk;
	}
	return done;
}

SYSCALL_DEFINE3(write, uint64_t, fd, uint64_t, buf, uint64_t, count)
{
	/* Descriptor 0 is the console's read side. */
	if (fd != 1 && fd != 2)
		return -EBADF;
	if (count > SSIZE_MAX)
		return -EINVAL;
	return console_write_user(buf, count);
}

struct iovec {
	uint64_t iov_base;
	uint64_t iov_len;
};

SYSCALL_DEFINE3(writev, uint64_t, fd, uint64_t, uiov, uint64_t, iovcnt)
{
	struct iovec iov[16];
	uint64_t total = 0;
	long written = 0;

	if (fd != 1 && fd != 2)
		return -EBADF;
	if (iovcnt > UIO_MAXIOV)
		return -EINVAL;
	/* Validate the whole vector first, as Linux does, then write. */
	for (uint64_t i = 0; i < iovcnt; i += 16) {
		uint64_t n = MIN(iovcnt - i, 16);
		if (copy_from_user(iov, uiov + i * sizeof(*iov), n * sizeof(*iov)))
			return -EFAULT;
		for (uint64_t j = 0; j < n; j++) {
			if (iov[j].iov_len > SSIZE_MAX - total)
				return -EINVAL;
			total += iov[j].iov_len;
		}
	}
	for (uint64_t i = 0; i < iovcnt; i += 16) {
		uint64_t n = MIN(iovcnt - i, 16);
		if (copy_from_user(iov, uiov + i * sizeof(*iov), n * sizeof(*iov)))
			return written ? written : -EFAULT;
		for (uint64_t j = 0; j < n; j++) {
			if (!iov[j].iov_len)
				continue;
			long r = console_write_user(iov[j].iov_base, iov[j].iov_len);
			if (r < 0)
				return written ? written : r;
			written += r;
			if ((uint64_t)r < iov[j].iov_len)
				return written;
		}
	}
	return written;
}

SYSCALL_DEFINE3(ioctl, uint64_t, fd, uint64_t, cmd, uint64_t, arg)
{
	(void)cmd;
	(void)arg;
	/* The console is a plain serial stream, not a terminal (yet): isatty()
	 * is false, so the C library fully buffers stdout, as with a pipe. */
	return is_console_fd(fd) ? -ENOTTY : -EBADF;
}
