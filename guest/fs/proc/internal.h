/* SPDX-License-Identifier: MIT */
/* procfs private: its entries and the text buffer files are made in. */
#ifndef GUEST_PROC_INTERNAL_H
#define GUEST_PROC_INTERNAL_H

#include "../internal.h"
#include "printk.h"

struct task_struct;

/* The text of a /proc file, remade when read from offset 0 (seq_file's
 * behaviour); a show function that runs out of room is run again with a
 * larger buffer. */
struct seq_file {
	char *buf;
	size_t size, count;
	bool overflow;
	bool filled; /* shown at least once since open */
};
void seq_printf(struct seq_file *m, const char *fmt, ...) __printf(2, 3);
void seq_puts(struct seq_file *m, const char *s);
void seq_putc(struct seq_file *m, char c);
/* Spaces up to column col of the current line. */
void seq_pad_to(struct seq_file *m, size_t line_start, size_t col);

struct proc_entry {
	const char *name;
	uint32_t mode;
	/* regular files: the text (task is NULL outside /proc/PID) */
	void (*show)(struct seq_file *m, struct task_struct *task);
	/* writable files (sysctl): 0 or -errno */
	int (*write)(const char *buf, size_t len);
	/* symlinks: the target's length or -errno */
	long (*readlink)(struct task_struct *task, char *buf, size_t size);
	/* directories */
	const struct proc_entry *children;
	unsigned int nr_children;
};

/* inode->i_private of a /proc inode */
struct proc_inode {
	const struct proc_entry *pe;
	int pid; /* of /proc/PID and below, else 0 */
};

static inline struct proc_inode *PROC_I(struct inode *inode)
{
	return inode->i_private;
}

/* The task of a /proc/PID inode, or NULL once it is gone. */
struct task_struct *proc_task(struct inode *inode);

extern const struct proc_entry proc_pid_entry;
extern const struct proc_entry proc_root_entries[];
extern const unsigned int proc_root_nr_entries;
/* /proc/umbra/stats (umbra.c) */
void proc_umbra_stats(struct seq_file *m, struct task_struct *task);

void proc_pid_status(struct seq_file *m, struct task_struct *task);
void proc_pid_stat(struct seq_file *m, struct task_struct *task);
void proc_pid_statm(struct seq_file *m, struct task_struct *task);
void proc_pid_maps(struct seq_file *m, struct task_struct *task);
void proc_pid_smaps(struct seq_file *m, struct task_struct *task);
void proc_meminfo_show(struct seq_file *m, struct task_struct *task);
void proc_vmstat_show(struct seq_file *m, struct task_struct *task);
/* umbra's own: the task's mm's fault-path counters, as /proc/vmstat names them. */
void proc_pid_vmstat(struct seq_file *m, struct task_struct *task);

/* /proc/PID/maps's line prefix and name, shared with smaps */
void show_map_vma(struct seq_file *m, struct vm_area_struct *vma);

#endif
