/* SPDX-License-Identifier: MIT */
/*
 * Independent reference model of EPT translation (Intel SDM vol. 3 §29.3)
 * for checking shadow/ept_walk.c. No code or headers shared with shadow/.
 */
#ifndef REF_EPT_H
#define REF_EPT_H

#include <stdint.h>

#include "ref_model.h" /* ref_load_fn, ref_store_fn */

struct ref_ept_cfg {
	uint64_t eptp;
	int maxphyaddr;
	int exec_only_ok;   /* execute-only translations supported */
	int gb_pages;       /* 1-GByte EPT pages supported */
};

enum { REPT_OK, REPT_VIOLATION, REPT_MISCONFIG, REPT_BAD, REPT_INVALID };

struct ref_ept_out {
	int kind;
	uint64_t hpa;
	int size_shift;
	int memtype, ipat;
	uint64_t qual;      /* violation: access bits 2:0, permissions 5:3 */
};

/* kind: 0 read, 1 write, 2 instruction fetch. */
void ref_ept_translate(const struct ref_ept_cfg *cfg, uint64_t gpa, int kind,
		       ref_load_fn load, ref_store_fn store, void *m,
		       struct ref_ept_out *out);

#endif
