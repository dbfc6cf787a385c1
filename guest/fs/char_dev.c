// SPDX-License-Identifier: MIT
/* Character devices by number (Linux's fs/char_dev.c): opening a device
 * node gives the file the driver's operations. */
#include "internal.h"

struct chrdev {
	uint32_t dev;
	const struct file_operations *fops;
};

static const struct chrdev chrdevs[] = {
	{MKDEV(1, 3), &null_fops},
	{MKDEV(1, 5), &zero_fops},
	{MKDEV(5, 1), &console_fops},
};

int chrdev_open(struct inode *inode, struct file *f)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(chrdevs); i++) {
		if (chrdevs[i].dev != inode->i_rdev)
			continue;
		f->f_op = chrdevs[i].fops;
		return f->f_op->open ? f->f_op->open(inode, f) : 0;
	}
	return -ENXIO;
}

const struct file_operations def_chr_fops = {
	.open = chrdev_open,
};
