// SPDX-License-Identifier: MIT
/*
 * /dev/console: output goes to the serial port as written; there is no
 * input (reads give end of file). Not a terminal: TIOCGWINSZ and the other
 * ioctls fail with ENOTTY, so the C library buffers stdout fully, as with
 * a pipe. No seeking (ESPIPE).
 */
#include "console.h"
#include "internal.h"

static long console_read(struct file *f, struct iov_iter *to, loff_t *pos)
{
	(void)f;
	(void)to;
	(void)pos;
	return 0;
}

static long console_write_iter(struct file *f, struct iov_iter *from, loff_t *pos)
{
	(void)f;
	(void)pos;
	char buf[256];
	long done = 0;
	while (from->count) {
		size_t n = MIN(from->count, sizeof(buf));
		size_t c = copy_from_iter(buf, n, from);
		console_write(buf, c);
		done += c;
		if (c < n)
			return done ? done : -EFAULT;
	}
	return done;
}

static long console_ioctl(struct file *f, unsigned int cmd, uint64_t arg)
{
	(void)f;
	(void)cmd;
	(void)arg;
	return -ENOTTY;
}

const struct file_operations console_fops = {
	.read_iter = console_read,
	.write_iter = console_write_iter,
	.ioctl = console_ioctl,
};
