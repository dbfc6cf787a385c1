/* SPDX-License-Identifier: MIT */
/* Guest RAM ranges and guest-physical to host address translation. */
#include "guest_mem.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include <umbra/boot.h>

#include "../shadow/fault_inject.h"

void guest_mem_layout(struct guest_mem *gm, uint64_t bytes)
{
	memset(gm, 0, sizeof(*gm));
	gm->total = bytes;
	uint64_t low = bytes < UMBRA_LOW_RAM_MAX ? bytes : UMBRA_LOW_RAM_MAX;
	gm->ranges[gm->nranges++] = (struct guest_mem_range){0, low, NULL};
	if (bytes > low)
		gm->ranges[gm->nranges++] = (struct guest_mem_range){
			UMBRA_HIGH_RAM_START, bytes - low, NULL};
}

int guest_mem_map(struct guest_mem *gm)
{
	for (unsigned int i = 0; i < gm->nranges; i++) {
		/* NORESERVE: RAM is backed on first touch, so a large -m costs
		 * only what the guest uses. */
		void *p = fault_inject_hit(FI_MMAP)
				  ? (errno = ENOMEM, MAP_FAILED)
				  : mmap(NULL, gm->ranges[i].size, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (p == MAP_FAILED) {
			int err = errno;
			guest_mem_unmap(gm);
			return -err;
		}
		gm->ranges[i].hva = p;
	}
	return 0;
}

void guest_mem_unmap(struct guest_mem *gm)
{
	for (unsigned int i = 0; i < gm->nranges; i++) {
		if (gm->ranges[i].hva)
			munmap(gm->ranges[i].hva, gm->ranges[i].size);
		gm->ranges[i].hva = NULL;
	}
}

static const struct guest_mem_range *find(const struct guest_mem *gm,
					  uint64_t gpa, uint64_t len)
{
	for (unsigned int i = 0; i < gm->nranges; i++) {
		const struct guest_mem_range *r = &gm->ranges[i];
		/* Written so that no sum can wrap: gpa + len may overflow. */
		if (gpa >= r->gpa && gpa - r->gpa <= r->size &&
		    len <= r->size - (gpa - r->gpa))
			return r;
	}
	return NULL;
}

bool guest_mem_contains(const struct guest_mem *gm, uint64_t gpa, uint64_t len)
{
	return find(gm, gpa, len) != NULL;
}

void *guest_mem_hva(const struct guest_mem *gm, uint64_t gpa, uint64_t len)
{
	const struct guest_mem_range *r = find(gm, gpa, len);
	if (!r || !r->hva)
		return NULL;
	return r->hva + (gpa - r->gpa);
}

uint64_t guest_mem_low_size(const struct guest_mem *gm)
{
	return gm->ranges[0].size;
}
