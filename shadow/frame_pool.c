/* SPDX-License-Identifier: MIT */
/* The machine-frame pool (see frame_pool.h). */
#include "frame_pool.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static uint64_t gcd(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;
		a = b;
		b = t;
	}
	return a;
}

int frame_pool_init(struct frame_pool *fp, uint64_t base, uint64_t nframes,
		    void *mem)
{
	memset(fp, 0, sizeof(*fp));
	if (nframes == 0 || (base & (FRAME_SIZE - 1)))
		return -EINVAL;
	fp->used = calloc((nframes + 63) / 64, sizeof(uint64_t));
	if (!fp->used)
		return -ENOMEM;
	if (mem) {
		fp->mem = mem;
	} else {
		fp->mem = calloc(nframes, FRAME_SIZE);
		fp->own_mem = true;
		if (!fp->mem) {
			free(fp->used);
			return -ENOMEM;
		}
	}
	fp->base = base;
	fp->nframes = nframes;
	fp->nfree = nframes;
	/* A step near the golden ratio of the size, made coprime with it,
	 * visits every frame once in an order far from identity. */
	fp->stride = nframes * 618 / 1000 | 1;
	while (gcd(fp->stride, nframes) != 1)
		fp->stride++;
	return 0;
}

void frame_pool_destroy(struct frame_pool *fp)
{
	if (fp->own_mem)
		free(fp->mem);
	free(fp->used);
	memset(fp, 0, sizeof(*fp));
}

static bool test_used(const struct frame_pool *fp, uint64_t i)
{
	return (fp->used[i / 64] >> (i % 64)) & 1;
}

static void mark(struct frame_pool *fp, uint64_t i, bool used)
{
	if (used)
		fp->used[i / 64] |= 1ull << (i % 64);
	else
		fp->used[i / 64] &= ~(1ull << (i % 64));
}

static void take(struct frame_pool *fp, uint64_t i, uint64_t *maddr)
{
	mark(fp, i, true);
	fp->nfree--;
	memset(fp->mem + i * FRAME_SIZE, 0, FRAME_SIZE);
	*maddr = fp->base + i * FRAME_SIZE;
}

int frame_pool_alloc(struct frame_pool *fp, uint64_t *maddr)
{
	if (fp->nfree == 0)
		return -ENOMEM;
	while (fp->hot.len) {
		fp->hot.len--;
		uint64_t i = fp->hot.idx[--fp->hot.end % FRAME_POOL_HOT];
		if (!test_used(fp, i)) {
			take(fp, i, maddr);
			return 0;
		}
	}
	for (uint64_t n = 0; n < fp->nframes; n++) {
		uint64_t i = (fp->cursor++ * fp->stride) % fp->nframes;
		if (!test_used(fp, i)) {
			take(fp, i, maddr);
			return 0;
		}
	}
	return -ENOMEM;
}

int frame_pool_alloc_2m(struct frame_pool *fp, uint64_t *maddr)
{
	/* First 2M-aligned machine address at or above base. */
	uint64_t first = ((fp->base + (2ull << 20) - 1) & ~((2ull << 20) - 1));
	for (uint64_t i = (first - fp->base) / FRAME_SIZE;
	     i + FRAMES_PER_2M <= fp->nframes; i += FRAMES_PER_2M) {
		uint64_t j = 0;
		while (j < FRAMES_PER_2M && !test_used(fp, i + j))
			j++;
		if (j < FRAMES_PER_2M)
			continue;
		for (j = 0; j < FRAMES_PER_2M; j++)
			mark(fp, i + j, true);
		fp->nfree -= FRAMES_PER_2M;
		memset(fp->mem + i * FRAME_SIZE, 0, FRAMES_PER_2M * FRAME_SIZE);
		*maddr = fp->base + i * FRAME_SIZE;
		return 0;
	}
	return -ENOMEM;
}

static void list_push(struct frame_list *l, uint64_t i)
{
	l->idx[l->end++ % FRAME_POOL_HOT] = i;
	if (l->len < FRAME_POOL_HOT)
		l->len++;
}

void frame_pool_free(struct frame_pool *fp, uint64_t maddr)
{
	int64_t i = frame_pool_index(fp, maddr);
	if (i < 0 || !test_used(fp, (uint64_t)i))
		return;
	mark(fp, (uint64_t)i, false);
	fp->nfree++;
	list_push(&fp->cool, (uint64_t)i);
}

void frame_pool_warm(struct frame_pool *fp)
{
	/* Oldest first: the newest freed ends on top. */
	for (unsigned k = fp->cool.len; k > 0; k--)
		list_push(&fp->hot, fp->cool.idx[(fp->cool.end - k) % FRAME_POOL_HOT]);
	fp->cool.len = 0;
}

int frame_pool_reserve(struct frame_pool *fp, uint64_t maddr, uint64_t n)
{
	int64_t first = frame_pool_index(fp, maddr);
	if (first < 0 || (maddr & (FRAME_SIZE - 1)) || n > fp->nframes - (uint64_t)first)
		return -EINVAL;
	for (uint64_t i = (uint64_t)first; i < (uint64_t)first + n; i++)
		if (test_used(fp, i))
			return -EINVAL;
	for (uint64_t i = (uint64_t)first; i < (uint64_t)first + n; i++)
		mark(fp, i, true);
	fp->nfree -= n;
	return 0;
}

bool frame_pool_in_use(const struct frame_pool *fp, uint64_t maddr)
{
	int64_t i = frame_pool_index(fp, maddr);
	return i >= 0 && test_used(fp, (uint64_t)i);
}
