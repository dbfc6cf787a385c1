// SPDX-License-Identifier: MIT
/*
 * The page cache (as Linux's mm/filemap.c): each inode's pages in a radix
 * tree of 64-slot nodes indexed by page offset, which grows in height as
 * the file does. The RAM file systems keep their data nowhere else, so a
 * page in the cache is the file's data, shared with every MAP_SHARED
 * mapping of it. Also the generic read, write, seek and mmap over it.
 */
#include "internal.h"
#include "mm.h"
#include "pmm.h"
#include "slab.h"
#include "string.h"

#define PC_SHIFT 6
#define PC_SLOTS (1u << PC_SHIFT)
#define PC_MASK (PC_SLOTS - 1)
#define MAX_LFS_FILESIZE INT64_MAX

struct pc_node {
	void *slots[PC_SLOTS]; /* child nodes, or pages at the lowest level */
	unsigned int count;    /* slots in use */
};

uint64_t nr_file_pages, nr_shmem_pages;

/* mm/ installs a cached page for fault-around; absent until it does. */
#pragma weak set_pte_range
int set_pte_range(struct vm_fault *vmf, struct page *page, uint64_t addr);
#pragma weak unmap_mapping_range

static const char zero_buf[PAGE_SIZE] __aligned(PAGE_SIZE);

static uint64_t pc_max_index(unsigned int height)
{
	return height * PC_SHIFT >= 64 ? UINT64_MAX : (1ULL << (height * PC_SHIFT)) - 1;
}

static struct page *pc_lookup(const struct address_space *m, uint64_t index)
{
	unsigned int h = m->i_pages_height;
	if (!h || index > pc_max_index(h))
		return NULL;
	struct pc_node *n = m->i_pages;
	for (unsigned int level = h - 1; level > 0; level--) {
		n = n->slots[(index >> (level * PC_SHIFT)) & PC_MASK];
		if (!n)
			return NULL;
	}
	return n->slots[index & PC_MASK];
}

static int pc_insert(struct address_space *m, uint64_t index, struct page *page)
{
	if (!m->i_pages_height) {
		m->i_pages = kzalloc(sizeof(struct pc_node));
		if (!m->i_pages)
			return -ENOMEM;
		m->i_pages_height = 1;
	}
	while (index > pc_max_index(m->i_pages_height)) {
		struct pc_node *top = kzalloc(sizeof(*top));
		if (!top)
			return -ENOMEM;
		top->slots[0] = m->i_pages;
		top->count = 1;
		m->i_pages = top;
		m->i_pages_height++;
	}
	struct pc_node *n = m->i_pages;
	for (unsigned int level = m->i_pages_height - 1; level > 0; level--) {
		void **slot = &n->slots[(index >> (level * PC_SHIFT)) & PC_MASK];
		if (!*slot) {
			*slot = kzalloc(sizeof(struct pc_node));
			if (!*slot)
				return -ENOMEM;
			n->count++;
		}
		n = *slot;
	}
	n->slots[index & PC_MASK] = page;
	n->count++;
	return 0;
}

void page_cache_account(struct inode *inode, long pages)
{
	nr_file_pages += pages;
	if (inode->i_flags & S_SHMEM)
		nr_shmem_pages += pages;
}

static void page_cache_delete(struct address_space *m, struct page *page)
{
	page->mapping = NULL;
	m->nrpages--;
	page_cache_account(m->host, -1);
	put_page(page);
}

/* Drops the pages at index >= start below n (at level, its first index
 * base); true when n is left empty. */
static bool pc_truncate(struct address_space *m, struct pc_node *n, unsigned int level,
			uint64_t base, uint64_t start)
{
	uint64_t span = 1ULL << (level * PC_SHIFT);
	for (unsigned int i = 0; i < PC_SLOTS; i++) {
		if (!n->slots[i] || base + (i + 1) * span - 1 < start)
			continue;
		if (level == 0) {
			page_cache_delete(m, n->slots[i]);
		} else {
			if (!pc_truncate(m, n->slots[i], level - 1, base + i * span, start))
				continue;
			kfree(n->slots[i]);
		}
		n->slots[i] = NULL;
		n->count--;
	}
	return n->count == 0;
}

struct page *filemap_get_page(struct address_space *mapping, uint64_t index, bool create)
{
	struct page *page = pc_lookup(mapping, index);
	if (!page && create) {
		page = alloc_page(__GFP_ZERO);
		if (!page)
			return NULL;
		if (pc_insert(mapping, index, page)) {
			put_page(page);
			return NULL;
		}
		page->mapping = mapping;
		page->index = index;
		page->flags |= PG_uptodate;
		mapping->nrpages++;
		page_cache_account(mapping->host, 1);
	}
	if (page)
		get_page(page);
	return page;
}

/* Zeroes [from, end of its page) in the cache, if that page exists. */
static void zero_page_tail(struct address_space *m, loff_t from)
{
	size_t off = from & ~PAGE_MASK;
	if (!off)
		return;
	struct page *page = pc_lookup(m, from >> PAGE_SHIFT);
	if (page)
		memset((char *)page_address(page) + off, 0, PAGE_SIZE - off);
}

void truncate_inode_pages(struct address_space *m, loff_t start)
{
	zero_page_tail(m, start);
	if (m->i_pages_height &&
	    pc_truncate(m, m->i_pages, m->i_pages_height - 1, 0, PAGE_ALIGN(start) >> PAGE_SHIFT)) {
		kfree(m->i_pages);
		m->i_pages = NULL;
		m->i_pages_height = 0;
	}
}

int simple_setsize(struct inode *inode, loff_t size)
{
	loff_t old = inode->i_size;
	if (size < old) {
		inode->i_size = size;
		/* As Linux's truncate_pagecache: no mapping may keep a page
		 * (or a private copy of one) beyond the new end. */
		if (unmap_mapping_range)
			unmap_mapping_range(&inode->i_data, PAGE_ALIGN(size), 0, true);
		truncate_inode_pages(&inode->i_data, size);
	} else if (size > old) {
		/* What a shared mapping wrote past the old end must read as 0. */
		zero_page_tail(&inode->i_data, old);
		inode->i_size = size;
	}
	inode_touch_mtime(inode);
	return 0;
}

long filemap_read(struct file *f, struct iov_iter *to, loff_t *pos)
{
	struct inode *inode = f->f_inode;
	long done = 0;
	bool fault = false;

	while (to->count && *pos < (loff_t)inode->i_size) {
		size_t off = *pos & ~PAGE_MASK;
		size_t n = MIN(PAGE_SIZE - off, inode->i_size - *pos);
		n = MIN(n, to->count);
		/* A hole reads as zeroes without being filled. */
		struct page *page = filemap_get_page(&inode->i_data, *pos >> PAGE_SHIFT, false);
		const char *src = page ? (const char *)page_address(page) + off : zero_buf;
		size_t c = copy_to_iter(src, n, to);
		if (page)
			put_page(page);
		done += c;
		*pos += c;
		if (c < n) {
			fault = true;
			break;
		}
	}
	return !done && fault ? -EFAULT : done;
}

long generic_perform_write(struct file *f, struct iov_iter *from, loff_t *pos)
{
	struct inode *inode = f->f_inode;
	long done = 0, err = 0;

	if (f->f_flags & O_APPEND)
		*pos = inode->i_size;
	if (*pos >= MAX_LFS_FILESIZE)
		return from->count ? -EFBIG : 0;
	if (from->count > (uint64_t)(MAX_LFS_FILESIZE - *pos))
		from->count = MAX_LFS_FILESIZE - *pos;
	if ((uint64_t)*pos > inode->i_size && from->count)
		zero_page_tail(&inode->i_data, inode->i_size);
	while (from->count) {
		size_t off = *pos & ~PAGE_MASK;
		size_t n = MIN(PAGE_SIZE - off, from->count);
		struct page *page = filemap_get_page(&inode->i_data, *pos >> PAGE_SHIFT, true);
		if (!page) {
			err = -ENOSPC;
			break;
		}
		size_t c = copy_from_iter((char *)page_address(page) + off, n, from);
		put_page(page);
		done += c;
		*pos += c;
		if ((uint64_t)*pos > inode->i_size)
			inode->i_size = *pos;
		if (c < n) {
			err = -EFAULT;
			break;
		}
	}
	if (done)
		inode_touch_mtime(inode);
	return done ? done : err;
}

#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2
#define SEEK_DATA 3
#define SEEK_HOLE 4

loff_t generic_file_llseek(struct file *f, loff_t offset, int whence)
{
	loff_t size = f->f_inode->i_size, pos;
	switch (whence) {
	case SEEK_SET:
		pos = offset;
		break;
	case SEEK_CUR:
		if (__builtin_add_overflow(f->f_pos, offset, &pos))
			return -EINVAL;
		break;
	case SEEK_END:
		if (__builtin_add_overflow(size, offset, &pos))
			return -EINVAL;
		break;
	case SEEK_DATA:
		/* Holes are not tracked: all of the file is data. */
		if (offset < 0 || offset >= size)
			return -ENXIO;
		pos = offset;
		break;
	case SEEK_HOLE:
		if (offset < 0 || offset >= size)
			return -ENXIO;
		pos = size;
		break;
	default:
		return -EINVAL;
	}
	if (pos < 0)
		return -EINVAL;
	f->f_pos = pos;
	return pos;
}

static uint64_t size_in_pages(const struct inode *inode)
{
	return PAGE_ALIGN(inode->i_size) >> PAGE_SHIFT;
}

/* A page of the file for a fault: the cached one, or a new zeroed one
 * (a hole); past the end of the file SIGBUS, as Linux. */
static vm_fault_t filemap_fault(struct vm_fault *vmf)
{
	struct inode *inode = vmf->vma->vm_file->f_inode;
	if (vmf->pgoff >= size_in_pages(inode))
		return VM_FAULT_SIGBUS;
	struct page *page = filemap_get_page(&inode->i_data, vmf->pgoff, true);
	if (!page)
		return VM_FAULT_OOM;
	vmf->page = page;
	return 0;
}

/* Fault-around: maps the pages already cached in the range (no new ones). */
static unsigned int filemap_map_pages(struct vm_fault *vmf, uint64_t start_pgoff,
				      uint64_t end_pgoff)
{
	struct vm_area_struct *vma = vmf->vma;
	struct inode *inode = vma->vm_file->f_inode;
	unsigned int mapped = 0;

	if (!set_pte_range)
		return 0;
	end_pgoff = MIN(end_pgoff, size_in_pages(inode) - 1);
	for (uint64_t pgoff = start_pgoff; pgoff <= end_pgoff && pgoff < size_in_pages(inode); pgoff++) {
		uint64_t addr = vma->vm_start + ((pgoff - vma->vm_pgoff) << PAGE_SHIFT);
		if (pgoff < vma->vm_pgoff || addr >= vma->vm_end)
			continue;
		struct page *page = filemap_get_page(&inode->i_data, pgoff, false);
		if (!page)
			continue;
		if (set_pte_range(vmf, page, addr) == 0)
			mapped++;
		put_page(page);
	}
	return mapped;
}

/* A shared page becomes writable: the file changes. */
static vm_fault_t filemap_page_mkwrite(struct vm_fault *vmf)
{
	struct inode *inode = vmf->vma->vm_file->f_inode;
	if (vmf->pgoff >= size_in_pages(inode))
		return VM_FAULT_SIGBUS;
	if (vmf->page)
		vmf->page->flags |= PG_dirty;
	inode_touch_mtime(inode);
	return 0;
}

static const struct vm_operations_struct generic_file_vm_ops = {
	.fault = filemap_fault,
	.map_pages = filemap_map_pages,
	.page_mkwrite = filemap_page_mkwrite,
};

/* As Linux's do_mmap checks against the file's open mode: a mapping
 * needs a readable file, a shared writable one a writable file; a shared
 * mapping of a read-only file may never become writable. */
int generic_file_mmap(struct file *f, struct vm_area_struct *vma)
{
	if (!file_readable(f))
		return -EACCES;
	if ((vma->vm_flags & VM_SHARED) && (vma->vm_flags & VM_WRITE) && !file_writable(f))
		return -EACCES;
	if ((vma->vm_flags & VM_MAYSHARE) && !file_writable(f))
		vma->vm_flags &= ~VM_MAYWRITE;
	vma->vm_ops = &generic_file_vm_ops;
	return 0;
}
