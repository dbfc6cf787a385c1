/* SPDX-License-Identifier: MIT */
/*
 * The machine-frame pool of shadow mode: the memory that backs guest-physical
 * frames (through the p2m) and holds the shadow page tables the CPU walks.
 * Frames are handed out in a scattered order, so a guest-physical frame and
 * its machine frame are never trivially equal (shadow paging must really
 * translate), and 2M-aligned runs are available for large pages. A frame
 * freed recently is handed out again first (the last FRAME_POOL_HOT of
 * them, newest first, as Linux's per-CPU page lists): its memory is most
 * likely still resident on the host and mapped by KVM's NPT/EPT, where a
 * frame the scattered order reaches for the first time costs a host page
 * fault and a KVM page fault at its first use. A freed frame "cools"
 * until its owner calls frame_pool_warm: a shadow table freed while a vCPU
 * may still hold it in its TLB or paging-structure caches must not come
 * back, rewritten, before that vCPU flushed (the MMU warms the pool when
 * no vCPU owes a flush).
 */
#ifndef UMBRA_FRAME_POOL_H
#define UMBRA_FRAME_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FRAME_SIZE 4096ull
#define FRAMES_PER_2M 512ull
#define FRAME_POOL_HOT 256u

/* Frame indices, a ring: idx[(end - 1) % FRAME_POOL_HOT] is the newest; a
 * full ring drops its oldest (that frame stays free, for the scattered
 * order). end wraps at 2^32, a multiple of the size. */
struct frame_list {
	uint64_t idx[FRAME_POOL_HOT];
	unsigned end, len;
};
_Static_assert((FRAME_POOL_HOT & (FRAME_POOL_HOT - 1)) == 0,
	       "FRAME_POOL_HOT divides 2^32");

struct frame_pool {
	uint8_t *mem;       /* nframes * 4K bytes: the frames' contents */
	bool own_mem;       /* mem was allocated here */
	uint64_t base;      /* machine address of frame 0 (4K aligned) */
	uint64_t nframes;
	uint64_t nfree;
	uint64_t *used;     /* bitmap, one bit per frame */
	uint64_t cursor;    /* position in the scattered order */
	uint64_t stride;    /* coprime with nframes: a permutation step */
	/* Recently freed frames: cooling ones, and warm ones the allocator
	 * takes first. An entry may have been taken since (the scattered
	 * order, alloc_2m, reserve), which the allocator checks. */
	struct frame_list cool, hot;
};

/* mem: the frames' storage (nframes * 4K bytes), or NULL to allocate it.
 * Returns 0 or -ENOMEM / -EINVAL. */
int frame_pool_init(struct frame_pool *fp, uint64_t base, uint64_t nframes,
		    void *mem);
void frame_pool_destroy(struct frame_pool *fp);

/* One zeroed frame; 0 or -ENOMEM. */
int frame_pool_alloc(struct frame_pool *fp, uint64_t *maddr);
/* 512 zeroed frames at a 2M-aligned machine address; 0 or -ENOMEM. */
int frame_pool_alloc_2m(struct frame_pool *fp, uint64_t *maddr);
void frame_pool_free(struct frame_pool *fp, uint64_t maddr);
/* The frames freed so far may be handed out first (no CPU can still reach
 * them through a stale translation). */
void frame_pool_warm(struct frame_pool *fp);
/* Takes [maddr, maddr + n frames) out of the pool for good (a hole in the
 * machine address space, e.g. the 32-bit MMIO hole): never handed out.
 * 0, or -EINVAL when the range is not inside the pool or a frame is in
 * use. */
int frame_pool_reserve(struct frame_pool *fp, uint64_t maddr, uint64_t n);

/* Frame index of maddr, or -1 when it is not a pool address. Inline, as
 * frame_pool_ptr: every fill and guest-table read goes through them. */
static inline int64_t frame_pool_index(const struct frame_pool *fp, uint64_t maddr)
{
	if (maddr < fp->base)
		return -1;
	uint64_t i = (maddr - fp->base) / FRAME_SIZE;
	return i < fp->nframes ? (int64_t)i : -1;
}

/* Host pointer to the byte at maddr, or NULL outside the pool. */
static inline void *frame_pool_ptr(const struct frame_pool *fp, uint64_t maddr)
{
	if (frame_pool_index(fp, maddr) < 0)
		return NULL;
	return fp->mem + (maddr - fp->base);
}
bool frame_pool_in_use(const struct frame_pool *fp, uint64_t maddr);

#endif
