// SPDX-License-Identifier: MIT
/* The text buffers of /proc files (a small seq_file) and their file
 * operations: made at the first read, remade by a read at offset 0. */
#include <stdarg.h>

#include "internal.h"
#include "sched.h"
#include "slab.h"
#include "string.h"

#define SEQ_MAX_SIZE (1UL << 20)

void seq_printf(struct seq_file *m, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t room = m->size - m->count;
	int n = vsnprintf(m->buf + m->count, room, fmt, ap);
	va_end(ap);
	if ((size_t)n >= room) {
		m->overflow = true;
		m->count = m->size;
	} else {
		m->count += n;
	}
}

void seq_puts(struct seq_file *m, const char *s)
{
	seq_printf(m, "%s", s);
}

void seq_putc(struct seq_file *m, char c)
{
	if (m->count + 1 >= m->size) {
		m->overflow = true;
		m->count = m->size;
		return;
	}
	m->buf[m->count++] = c;
}

void seq_pad_to(struct seq_file *m, size_t line_start, size_t col)
{
	while (m->count - line_start < col && !m->overflow)
		seq_putc(m, ' ');
}

struct task_struct *proc_task(struct inode *inode)
{
	int pid = PROC_I(inode)->pid;
	return pid ? find_task_by_pid(pid) : NULL;
}

/* Runs the entry's show into f's buffer, growing it until it fits. */
static int proc_fill(struct file *f)
{
	struct seq_file *m = f->private_data;
	const struct proc_entry *pe = PROC_I(f->f_inode)->pe;
	struct task_struct *task = proc_task(f->f_inode);
	for (;;) {
		m->count = 0;
		m->overflow = false;
		/* A write-only entry (/proc/umbra/dump) reads as empty. */
		if (pe->show && (!PROC_I(f->f_inode)->pid || task))
			pe->show(m, task);
		if (!m->overflow)
			return 0;
		if (m->size * 2 > SEQ_MAX_SIZE)
			return -ENOMEM;
		char *bigger = kmalloc(m->size * 2);
		if (!bigger)
			return -ENOMEM;
		kfree(m->buf);
		m->buf = bigger;
		m->size *= 2;
	}
}

static int proc_reg_open(struct inode *inode, struct file *f)
{
	(void)inode;
	struct seq_file *m = kzalloc(sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->size = PAGE_SIZE;
	m->buf = kmalloc(m->size);
	if (!m->buf) {
		kfree(m);
		return -ENOMEM;
	}
	f->private_data = m;
	return 0;
}

static void proc_reg_release(struct inode *inode, struct file *f)
{
	(void)inode;
	struct seq_file *m = f->private_data;
	kfree(m->buf);
	kfree(m);
}

static long proc_reg_read(struct file *f, struct iov_iter *to, loff_t *pos)
{
	struct seq_file *m = f->private_data;
	/* As Linux's seq_file: the first read shows the file, and so does
	 * every read from its start (once per read, not also at open: a show
	 * may be costly, /proc/umbra/stats makes a hypercall). */
	if (*pos == 0 || !m->filled) {
		int err = proc_fill(f);
		if (err)
			return err;
		m->filled = true;
	}
	return simple_read_from_buffer(to, pos, m->buf, m->count);
}

static long proc_reg_write(struct file *f, struct iov_iter *from, loff_t *pos)
{
	(void)pos;
	const struct proc_entry *pe = PROC_I(f->f_inode)->pe;
	if (!pe->write)
		return -EIO;
	char buf[64];
	size_t n = MIN(from->count, sizeof(buf) - 1);
	size_t total = from->count;
	if (copy_from_iter(buf, n, from) < n)
		return -EFAULT;
	buf[n] = '\0';
	int err = pe->write(buf, n);
	return err ? err : (long)total;
}

/* seq_lseek: SEEK_SET and SEEK_CUR only. */
static loff_t proc_reg_llseek(struct file *f, loff_t offset, int whence)
{
	if (whence == 1)
		offset += f->f_pos;
	else if (whence != 0)
		return -EINVAL;
	if (offset < 0)
		return -EINVAL;
	return f->f_pos = offset;
}

/* Files outside /proc/PID: a write is EIO (or the sysctl's). */
const struct file_operations proc_reg_file_ops = {
	.open = proc_reg_open,
	.release = proc_reg_release,
	.read_iter = proc_reg_read,
	.write_iter = proc_reg_write,
	.llseek = proc_reg_llseek,
};

/* Files in /proc/PID: no write at all (EINVAL). */
const struct file_operations proc_pid_file_ops = {
	.open = proc_reg_open,
	.release = proc_reg_release,
	.read_iter = proc_reg_read,
	.llseek = proc_reg_llseek,
};
