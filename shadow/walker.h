/* SPDX-License-Identifier: MIT */
/*
 * Guest page-table walker: x86-64 4-level and 5-level paging with the full
 * permission semantics (the hosted counterpart of KVM's
 * arch/x86/kvm/mmu/paging_tmpl.h FNAME(walk_addr_generic) together with
 * permission_fault() and is_rsvd_bits_set()). Guest memory is reached only
 * through callbacks, so the walker runs on any table image, hostile ones
 * included. See docs/walker.md.
 */
#ifndef UMBRA_WALKER_H
#define UMBRA_WALKER_H

#include <stdbool.h>
#include <stdint.h>

#include "x86_pte.h"

/* The CPU state a walk depends on. Zero-initialised means: CR0.WP=0, no
 * SMEP/SMAP/PKE, 4-level, NXE=0, CPL 0, 1G pages supported. */
struct walk_ctx {
	uint64_t cr3;        /* table root; bits 51:12 used (PCID etc. ignored) */
	bool cr0_wp;
	bool cr4_smep;
	bool cr4_smap;
	bool cr4_pke;
	bool cr4_la57;       /* 5-level paging */
	bool efer_nxe;
	bool eflags_ac;
	bool no_gbpages;     /* CPUID lacks 1G pages: PDPTE.PS is reserved */
	uint32_t pkru;
	unsigned maxphyaddr; /* 0 means 52 */
	unsigned cpl;        /* 0..3; 3 is user mode */

	/* Where the walk starts; 0: at cr3, the top level. Else the guest
	 * table of that level which translates the address, and the rights
	 * (WALK_R_*) the levels above it grant: those entries are neither
	 * read nor marked accessed, as when the CPU starts from its
	 * paging-structure caches (SDM 4.10.3). */
	unsigned start_level;
	uint64_t start_table;
	unsigned start_rights;

	/* Reads the 8-byte entry at guest-physical gpa; non-zero when gpa is
	 * outside guest memory. */
	int (*read_pte)(void *opaque, uint64_t gpa, uint64_t *val);
	/* Writes back an entry whose A/D bits changed, like the CPU's locked
	 * update: returns 0 when done, 1 when the entry no longer equals old
	 * (another writer; the walk is restarted), <0 on error. May be NULL:
	 * then A/D are computed in the result but not stored. */
	int (*write_pte)(void *opaque, uint64_t gpa, uint64_t old, uint64_t new);
	void *opaque;
};

/* Access flags. */
#define WALK_WRITE    (1u << 0)
#define WALK_USER     (1u << 1) /* informational: user mode is cpl == 3 */
#define WALK_FETCH    (1u << 2)
#define WALK_IMPLICIT (1u << 3) /* implicit supervisor access (GDT, IDT, TSS,
				 * ...): supervisor-mode even at CPL 3 */

enum walk_status {
	WALK_OK = 0,
	WALK_PF,       /* page fault; error_code is the #PF error code */
	WALK_GP,       /* non-canonical address: #GP (or #SS), not a #PF */
	WALK_BAD_GPA,  /* an entry lies outside guest memory; bad_gpa says where */
	WALK_RETRY,    /* entries kept changing under the A/D write-back */
	WALK_INVALID,  /* meaningless request (write+fetch, cpl > 3) */
};

/* Effective rights of a translation (combined over all levels). */
#define WALK_R_W (1u << 0) /* writable: R/W=1 at every level */
#define WALK_R_U (1u << 1) /* user page: U/S=1 at every level */
#define WALK_R_X (1u << 2) /* executable: no NX at any level (or !NXE) */

#define WALK_MAX_LEVELS 5

struct walk_result {
	enum walk_status status;
	uint64_t gpa;        /* WALK_OK: the translated guest-physical address */
	uint64_t page_size;  /* WALK_OK: 4K, 2M or 1G */
	uint32_t error_code; /* WALK_PF: PFERR_* */
	unsigned rights;     /* WALK_OK (and protection faults): WALK_R_* */
	unsigned pkey;       /* leaf protection key (0 unless CR4.PKE) */
	unsigned level;      /* leaf level (1 = PTE .. 5 = PML5E); on WALK_PF the
			      * level whose entry faulted (for protection faults,
			      * the leaf) */
	uint64_t bad_gpa;    /* WALK_BAD_GPA: the entry address not readable */
	unsigned nlevels;    /* entries read, top (or start_level) first */
	uint64_t pte[WALK_MAX_LEVELS];     /* their values (A/D as written) */
	uint64_t pte_gpa[WALK_MAX_LEVELS]; /* their addresses */
};

/* Translates gva for an access (WALK_* flags). Never loops: the walk reads
 * at most one entry per level, so self-referencing tables end like any
 * other table. */
enum walk_status walk_guest(const struct walk_ctx *ctx, uint64_t gva,
			    unsigned access, struct walk_result *res);

/* The reserved-bit mask of an entry at level (1..5) for this context, with
 * ps the entry's PS bit (meaningful at levels 2 and 3). */
uint64_t walk_rsvd_mask(const struct walk_ctx *ctx, unsigned level, bool ps);

const char *walk_status_name(enum walk_status s);

#endif
