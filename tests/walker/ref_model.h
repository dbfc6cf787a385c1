/* SPDX-License-Identifier: MIT */
/*
 * An independent reference model of x86-64 linear-address translation,
 * written from the Intel SDM vol. 3 ch. 4 / AMD APM vol. 2 ch. 5 text for
 * checking shadow/walker.c. It shares no code or headers with shadow/: its
 * own types, its own bit numbers, its own structure (reserved bits decided
 * bit by bit, rights as per-mode permission sets).
 */
#ifndef REF_MODEL_H
#define REF_MODEL_H

#include <stdint.h>

struct ref_cpu {
	uint64_t cr3;
	int wp, smep, smap, pke, la57, nxe, ac;
	int gbpages;        /* CPUID.80000001H:EDX.Page1GB */
	uint32_t pkru;
	int maxphyaddr;
	int cpl;
};

struct ref_access {
	int write, fetch, implicit;
};

enum { REF_OK, REF_PF, REF_GP, REF_BAD };

struct ref_out {
	int kind;
	uint64_t pa;
	int size_shift;     /* 12, 21 or 30 */
	unsigned err;       /* #PF error code bits as in SDM §4.7 */
};

/* Memory accessors: load returns non-zero for an address outside memory. */
typedef int (*ref_load_fn)(void *m, uint64_t pa, uint64_t *v);
typedef void (*ref_store_fn)(void *m, uint64_t pa, uint64_t v);

void ref_translate(const struct ref_cpu *cpu, uint64_t la, struct ref_access acc,
		   ref_load_fn load, ref_store_fn store, void *m,
		   struct ref_out *out);

#endif
