/* SPDX-License-Identifier: MIT */
/*
 * One combination of the hardware differential: the paging-structure
 * entries of a 4K, 2M or 1G translation, the control bits, the privilege
 * level and the access. Generated from (seed, index) alone, so any
 * combination can be re-run by itself (first=INDEX count=1); access >= 0
 * forces the access kind (ACC_*) and leaves the rest as it was.
 */
#ifndef HWMMU_COMBO_H
#define HWMMU_COMBO_H

#include "hwmmu.h"

/* ACC_IREAD / ACC_IWRITE: an implicit supervisor-mode access, the load of
 * a segment descriptor with its accessed bit set (read only) or clear
 * (read, then a write that sets it). */
enum { ACC_READ, ACC_WRITE, ACC_FETCH, ACC_IREAD, ACC_IWRITE, ACC_N };
enum { SZ_4K, SZ_2M, SZ_1G };

struct combo {
	uint64_t index;
	unsigned size;     /* SZ_* */
	unsigned nlevels;  /* entries used: 4 (4K), 3 (2M), 2 (1G) */
	unsigned idx[4];   /* table index of each entry, PML4E first */
	uint64_t ent[4];   /* the entries as written, PML4E first */
	uint64_t gva;
	bool wp, nxe, smep, smap, ac, pke;
	uint32_t pkru;
	unsigned cpl;      /* 0 or 3 */
	unsigned access;   /* ACC_* */
};

/* Where the combination's tables and target live (physical == virtual). */
struct combo_layout {
	uint64_t pdpt, pd, pt; /* the test chain's table pages */
	uint64_t data;         /* the 4K page every translation reaches */
};

/* Features the CPU lacks are forced off; skipped[] counts, per feature
 * (SKIP_*), the combinations that would have turned it on. */
enum { SKIP_SMEP, SKIP_SMAP, SKIP_PKE, SKIP_NXE, SKIP_N };
extern const char *const skip_names[SKIP_N];

void combo_make(struct combo *c, uint64_t seed, uint64_t index,
		const struct combo_layout *lay, const struct cpu_features *f,
		int access, uint64_t skipped[SKIP_N]);
void combo_print(const struct combo *c);
void entry_print(const char *name, uint64_t e);

extern const char *const level_names[4];
extern const char *const size_names[3];
extern const char *const access_names[ACC_N];

#endif
