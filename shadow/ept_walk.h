/* SPDX-License-Identifier: MIT */
/*
 * EPT walker: translates a guest-physical address through an EPT-format
 * second-level table (Intel SDM vol. 3 §29.3, "The Extended Page Table
 * Mechanism"), with R/W/X, execute-only, memory type, A/D and the exact
 * outcome: translation, EPT violation (with the exit-qualification access
 * and permission bits) or EPT misconfiguration. The hosted counterpart of
 * KVM's paging_tmpl.h instantiated with PTTYPE_EPT. Memory is reached only
 * through callbacks, as in walker.h.
 */
#ifndef UMBRA_EPT_WALK_H
#define UMBRA_EPT_WALK_H

#include <stdbool.h>
#include <stdint.h>

/* EPT entry bits. */
#define EPTE_R        (1ull << 0)
#define EPTE_W        (1ull << 1)
#define EPTE_X        (1ull << 2)
#define EPTE_RWX      (EPTE_R | EPTE_W | EPTE_X)
#define EPTE_MT_SHIFT 3           /* leaf memory type, bits 5:3 */
#define EPTE_MT_MASK  (7ull << EPTE_MT_SHIFT)
#define EPTE_IPAT     (1ull << 6) /* leaf: ignore guest PAT */
#define EPTE_PS       (1ull << 7) /* large page in PDPTE/PDE */
#define EPTE_A        (1ull << 8)
#define EPTE_D        (1ull << 9) /* leaf only */

/* EPTP fields. */
#define EPTP_MT_MASK  7ull         /* paging-structure memory type: UC or WB */
#define EPTP_PWL_SHIFT 3           /* page-walk length - 1, bits 5:3 */
#define EPTP_AD       (1ull << 6)  /* EPT accessed/dirty flags enabled */

/* Memory types (SDM §11.3). */
#define EPT_MT_UC 0
#define EPT_MT_WC 1
#define EPT_MT_WT 4
#define EPT_MT_WP 5
#define EPT_MT_WB 6

struct ept_ctx {
	uint64_t eptp;
	unsigned maxphyaddr;   /* 0 means 52 */
	bool exec_only;        /* IA32_VMX_EPT_VPID_CAP bit 0: X-only allowed */
	bool no_gbpages;       /* 1G EPT pages not supported */
	int (*read_pte)(void *opaque, uint64_t hpa, uint64_t *val);
	/* As walker.h: 0 done, 1 changed under us (restart), <0 error. */
	int (*write_pte)(void *opaque, uint64_t hpa, uint64_t old, uint64_t new);
	void *opaque;
};

/* Accesses; the same bits as exit-qualification bits 2:0. */
#define EPT_ACC_READ  (1u << 0)
#define EPT_ACC_WRITE (1u << 1)
#define EPT_ACC_FETCH (1u << 2)

enum ept_status {
	EPT_OK = 0,
	EPT_VIOLATION,   /* exit_qual holds the access and permission bits */
	EPT_MISCONFIG,   /* an entry is malformed (reserved bits, W without R,
			  * X-only without support, reserved memory type) */
	EPT_BAD_ADDR,    /* an entry lies outside the table memory */
	EPT_RETRY,       /* entries kept changing under the A/D write-back */
	EPT_INVALID,     /* invalid EPTP or access, or gpa beyond the EPT's
			  * address width */
};

struct ept_result {
	enum ept_status status;
	uint64_t hpa;        /* EPT_OK */
	uint64_t page_size;  /* EPT_OK */
	unsigned perms;      /* EPTE_R|W|X combined (AND) over the entries read */
	unsigned memtype;    /* EPT_OK: leaf memory type */
	bool ipat;           /* EPT_OK: leaf ignore-PAT */
	unsigned level;      /* leaf level, or the level that stopped the walk */
	uint64_t exit_qual;  /* EPT_VIOLATION: bits 2:0 access, 5:3 perms */
	uint64_t bad_addr;   /* EPT_BAD_ADDR / EPT_MISCONFIG: entry address */
	unsigned nlevels;
	uint64_t pte[5];
	uint64_t pte_addr[5];
};

enum ept_status ept_walk(const struct ept_ctx *ctx, uint64_t gpa,
			 unsigned access, struct ept_result *res);

#endif
