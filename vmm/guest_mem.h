/* SPDX-License-Identifier: MIT */
/*
 * Guest RAM: the guest-physical ranges of include/umbra/boot.h (low RAM from
 * 0 up to UMBRA_LOW_RAM_MAX, the rest from UMBRA_HIGH_RAM_START), each
 * backed by one anonymous host mapping. Hosted C, no KVM: the layout alone
 * (without mapping) is what bad-input checks run against before any VM
 * exists.
 */
#ifndef UMBRA_VMM_GUEST_MEM_H
#define UMBRA_VMM_GUEST_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GUEST_MEM_MAX_RANGES 2

struct guest_mem_range {
	uint64_t gpa;
	uint64_t size;
	uint8_t *hva; /* NULL until guest_mem_map() */
};

struct guest_mem {
	uint64_t total;
	unsigned int nranges;
	struct guest_mem_range ranges[GUEST_MEM_MAX_RANGES];
};

/* Lays out bytes of RAM (> 0, a multiple of 4 KiB) without mapping it. */
void guest_mem_layout(struct guest_mem *gm, uint64_t bytes);

/* Maps host memory for every range (zero-filled, lazily backed). Returns 0,
 * or -errno with nothing left mapped. */
int guest_mem_map(struct guest_mem *gm);

void guest_mem_unmap(struct guest_mem *gm);

/* Whether [gpa, gpa + len) lies wholly inside one RAM range (len may be 0:
 * then gpa itself must be inside, or at the end of, a range). */
bool guest_mem_contains(const struct guest_mem *gm, uint64_t gpa, uint64_t len);

/* The host address of [gpa, gpa + len), or NULL if that is not wholly inside
 * one mapped range. The only way VMM code turns a guest address into a
 * pointer, so a guest-supplied address can never reach outside guest RAM. */
void *guest_mem_hva(const struct guest_mem *gm, uint64_t gpa, uint64_t len);

/* Low RAM size (the part below UMBRA_LOW_RAM_MAX). */
uint64_t guest_mem_low_size(const struct guest_mem *gm);

#endif
