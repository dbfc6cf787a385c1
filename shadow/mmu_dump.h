/* SPDX-License-Identifier: MIT */
/*
 * The dump model (docs/dump-format.md): the guest page tables, the shadow
 * tables and the p2m of a VM as coalesced ranges with flags, page sizes
 * and states (the way Linux's ptdump prints a table), the differences
 * between the guest translation and the shadow, reverse-map and memory
 * statistics, written as one line of JSON. Shadow mode dumps the MMU; tdp
 * mode (no shadow) the guest tables over guest RAM and the VMM's view of
 * that RAM. Hostile guest tables end like any other: every entry read
 * counts against a budget, past which the dump says "truncated".
 */
#ifndef UMBRA_SHADOW_MMU_DUMP_H
#define UMBRA_SHADOW_MMU_DUMP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "p2m.h"

struct shadow_mmu;

#define UMBRA_DUMP_VERSION 1

/* Page states (the "state" words of a range). */
#define DUMP_MAPPED   (1u << 0) /* the guest maps it */
#define DUMP_SHADOWED (1u << 1) /* a shadow entry maps it */
#define DUMP_SWAPPED  (1u << 2) /* guest: a non-present entry that is not zero;
                                   p2m: the frame is in the swap file */
#define DUMP_SHARED   (1u << 3) /* its frame is mapped at another user address */
#define DUMP_COW      (1u << 4) /* shared and read-only in a user mapping */
#define DUMP_PINNED   (1u << 5) /* in a pinned range (kept shadowed) */
#define DUMP_DISCARDED (1u << 6) /* p2m: given back by the balloon */

struct dump_request {
	const char *reason;   /* "exit", "hypercall", "signal", "control" */
	const char *label;    /* any bytes; escaped (NULL: none) */
	uint64_t seq;         /* number of this dump in its file */
	uint64_t guest_root;  /* only the address space of this guest root (0: all) */
	uint32_t asid;        /* shadow mode: only this asid (0: all) */
	bool user_only;       /* only the user half of each address space */
	uint64_t max_entries; /* table entries read at most (0: 16M) */
	unsigned max_ranges;  /* ranges per list at most (0: 50000) */
};

/* Shadow mode: every (or the chosen) address space of mmu. */
int shadow_dump(struct shadow_mmu *mmu, const struct dump_request *req, FILE *f);

/* Tdp mode: the guest tables below roots (the vCPUs' CR3s), over guest RAM. */
struct tdp_dump_ram {
	uint64_t gpa, size;
	uint64_t hva;          /* where the VMM maps it */
	uint64_t resident;     /* pages resident in host memory */
};
struct tdp_dump_src {
	bool la57, nxe;
	const struct tdp_dump_ram *ram;
	unsigned nram;
	const uint64_t *roots; /* guest-physical table roots, one per vCPU */
	const int *root_vcpu;  /* the vCPU of each root (-1: none) */
	unsigned nroots;
	/* When set, writes the trace ring as JSON (docs/trace.md). */
	void (*trace_json)(void *trace_opaque, FILE *f);
	void *trace_opaque;
	/* Reads the 8-byte guest-physical gpa; non-zero outside guest RAM. */
	int (*read64)(void *opaque, uint64_t gpa, uint64_t *val);
	void *opaque;
	/* When set (RAM backed on demand), each gfn's host state, and the
	 * p2m section lists present, swapped and discarded runs; otherwise
	 * one range per RAM region. */
	enum p2m_gfn_state (*gfn_state)(void *state_opaque, uint64_t gfn);
	void *state_opaque;
};
int tdp_dump(const struct tdp_dump_src *src, const struct dump_request *req, FILE *f);

/* The state words of a mask, comma-separated ("mapped,shadowed"). */
void dump_state_string(unsigned state, char *buf, size_t len);

#endif
