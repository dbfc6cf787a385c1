/* SPDX-License-Identifier: MIT */
/*
 * One combination of the hardware differential: the paging-structure
 * entries of a 4K, 2M or 1G translation under 4- or 5-level paging, the
 * control bits, the privilege level and the access. Generated from (seed, index) alone, so any
 * combination can be re-run by itself (first=INDEX count=1); access >= 0
 * forces the access kind (ACC_*) and leaves the rest as it was; la57 is
 * -1 (5-level for a quarter of the combinations), 0 (never) or 1 (always).
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
	unsigned levels;   /* paging levels: 4, or 5 (CR4.LA57) */
	unsigned nlevels;  /* entries used: levels - size */
	unsigned idx[5];   /* table index of each entry, top level first */
	uint64_t ent[5];   /* the entries as written, top level first */
	uint64_t gva;
	bool wp, nxe, smep, smap, ac, pke;
	uint32_t pkru;
	unsigned cpl;      /* 0 or 3 */
	unsigned access;   /* ACC_* */
};

/* Where the combination's tables and target live (physical == virtual). */
struct combo_layout {
	uint64_t pml4, pdpt, pd, pt; /* the test chain's table pages (pml4:
				      * under a PML5E, 5-level only) */
	uint64_t data;         /* the 4K page every translation reaches */
};

/* Features the CPU lacks are forced off; skipped[] counts, per feature
 * (SKIP_*), the combinations that would have turned it on. */
enum { SKIP_SMEP, SKIP_SMAP, SKIP_PKE, SKIP_NXE, SKIP_LA57, SKIP_N };
extern const char *const skip_names[SKIP_N];

void combo_make(struct combo *c, uint64_t seed, uint64_t index,
		const struct combo_layout *lay, const struct cpu_features *f,
		int access, int la57, uint64_t skipped[SKIP_N]);
void combo_print(const struct combo *c);
void entry_print(const char *name, uint64_t e);

/* By level: 1 = PTE .. 5 = PML5E. */
extern const char *const level_names[6];
extern const char *const size_names[3];
extern const char *const access_names[ACC_N];

#endif
