// SPDX-License-Identifier: MIT
/* Inodes: allocation, reference counting, timestamps. */
#include "internal.h"
#include "mm_types.h"
#include "sched.h"
#include "slab.h"

uint64_t nr_inodes;
static uint64_t last_ino = 1;

/* Until kernel/ has a wall clock, timestamps count from boot. */
__attribute__((weak)) uint64_t ktime_get_real_ns(void)
{
	return 0;
}

int64_t current_time_ns(void)
{
	return (int64_t)ktime_get_real_ns();
}

void inode_touch_mtime(struct inode *inode)
{
	inode->i_mtime_ns = inode->i_ctime_ns = current_time_ns();
}

struct inode *new_inode(uint32_t mode, uint32_t dev)
{
	struct inode *inode = kzalloc(sizeof(*inode));
	if (!inode)
		return NULL;
	inode->i_ino = ++last_ino;
	inode->i_mode = mode;
	inode->i_nlink = 1;
	inode->i_dev = dev;
	inode->i_count = 1;
	inode->i_atime_ns = inode->i_mtime_ns = inode->i_ctime_ns = current_time_ns();
	inode->i_data.host = inode;
	INIT_LIST_HEAD(&inode->i_data.i_mmap);
	nr_inodes++;
	return inode;
}

/* The last reference frees the inode with its pages (a RAM file's data
 * lives as long as something can reach it: a name, an open file, or a
 * mapping's file). */
void iput(struct inode *inode)
{
	if (!inode)
		return;
	BUG_ON(inode->i_count <= 0);
	if (--inode->i_count)
		return;
	truncate_inode_pages(&inode->i_data, 0);
	kfree(inode->i_private);
	kfree(inode);
	nr_inodes--;
}
