/* SPDX-License-Identifier: MIT */
/*
 * Reference model of 4-level/5-level paging (see ref_model.h). Written from
 * the manuals' wording rather than from shadow/walker.c:
 *  - SDM §4.5 tables 4-14..4-20: which bit of which entry is reserved is
 *    answered one bit at a time (bit_reserved);
 *  - SDM §4.6: the access rights of a translation are a set of permitted
 *    access kinds {read, write, fetch} computed for the mode (supervisor or
 *    user) from per-level predicates; the access is then looked up in it;
 *  - SDM §4.6.2: protection keys deny accesses in a separate step;
 *  - SDM §4.7: the error code;
 *  - SDM §4.8: A in every entry used, D in the entry that maps the page,
 *    only for a translation that completes (as KVM does; see
 *    docs/walker.md).
 */
#include "ref_model.h"

#define ERR_P    1u
#define ERR_W    2u
#define ERR_US   4u
#define ERR_RSVD 8u
#define ERR_ID   16u
#define ERR_PK   32u

/* Is bit b of an entry at level lvl reserved? maps_page says the entry maps
 * a page (PS=1 in a PDE or, with 1G support, a PDPTE). */
static int bit_reserved(const struct ref_cpu *cpu, int lvl, int maps_page, int b)
{
	if (b == 63)               /* XD: reserved unless IA32_EFER.NXE */
		return !cpu->nxe;
	if (b >= 52)               /* ignored (and protection key 62:59) */
		return 0;
	if (b >= cpu->maxphyaddr)  /* "M-51: reserved (must be 0)" */
		return 1;
	if (b == 7) {
		/* PML5E/PML4E: reserved. PDPTE: PS, or reserved without
		 * 1-GByte page support. PDE: PS. PTE: PAT. */
		if (lvl >= 4)
			return 1;
		if (lvl == 3)
			return !cpu->gbpages;
		return 0;
	}
	/* Bits 29:13 (1G) and 20:13 (2M) between PAT and the frame. */
	if (maps_page && lvl == 3 && b >= 13 && b <= 29)
		return 1;
	if (maps_page && lvl == 2 && b >= 13 && b <= 20)
		return 1;
	return 0;
}

static int entry_reserved(const struct ref_cpu *cpu, int lvl, int maps_page,
			  uint64_t v)
{
	for (uint64_t rest = v; rest; rest &= rest - 1)
		if (bit_reserved(cpu, lvl, maps_page, __builtin_ctzll(rest)))
			return 1;
	return 0;
}

/* Access-kind sets. */
#define CAN_READ  1
#define CAN_WRITE 2
#define CAN_FETCH 4

void ref_translate(const struct ref_cpu *cpu, uint64_t la, struct ref_access acc,
		   ref_load_fn load, ref_store_fn store, void *m,
		   struct ref_out *out)
{
	int nlev = cpu->la57 ? 5 : 4;
	int width = 12 + 9 * nlev;
	uint64_t frame = ((1ull << cpu->maxphyaddr) - 1) & ~0xfffull;

	out->kind = REF_OK;
	out->pa = 0;
	out->size_shift = 0;
	out->err = 0;

	/* Canonical: bits 63 .. width-1 all equal (else #GP, no walk). */
	uint64_t top = la >> (width - 1);
	if (top != 0 && top != (~0ull >> (width - 1))) {
		out->kind = REF_GP;
		return;
	}

	/* Supervisor-mode access: CPL < 3, or an implicit access to system
	 * structures at any CPL. */
	int user_mode = cpu->cpl == 3 && !acc.implicit;
	unsigned err = (acc.write ? ERR_W : 0) | (user_mode ? ERR_US : 0);
	if (acc.fetch && (cpu->nxe || cpu->smep))
		err |= ERR_ID;

	/* Per-level predicates of the entries used, top level first. */
	struct {
		uint64_t pa, v;
		int w, u, xd;
	} path[5];
	int depth = 0, lvl;
	uint64_t table = cpu->cr3 & frame;

	for (lvl = nlev;; lvl--) {
		uint64_t pa = table + ((la >> (9 * lvl)) & 0xff8);
		uint64_t v;
		if (load(m, pa, &v)) {
			out->kind = REF_BAD;
			out->pa = pa;
			return;
		}
		if (!(v & 1)) {
			out->kind = REF_PF;
			out->err = err;
			return;
		}
		int ps = (v >> 7) & 1;
		int maps_page = lvl == 1 || (ps && lvl == 2) ||
				(ps && lvl == 3 && cpu->gbpages);
		if (entry_reserved(cpu, lvl, maps_page, v)) {
			out->kind = REF_PF;
			out->err = err | ERR_P | ERR_RSVD;
			return;
		}
		path[depth].pa = pa;
		path[depth].v = v;
		path[depth].w = (v >> 1) & 1;
		path[depth].u = (v >> 2) & 1;
		path[depth].xd = cpu->nxe && (v >> 63);
		depth++;
		if (maps_page)
			break;
		table = v & frame;
	}

	/* A user-mode address has U/S=1 in every entry; a writable one R/W=1
	 * in every entry; an execute-disabled one XD=1 in some entry. */
	int all_u = 1, all_w = 1, some_xd = 0;
	for (int i = 0; i < depth; i++) {
		all_u &= path[i].u;
		all_w &= path[i].w;
		some_xd |= path[i].xd;
	}

	/* SDM §4.6.1: the permitted accesses for this mode. */
	int allowed = 0;
	if (user_mode) {
		if (all_u) {
			allowed |= CAN_READ;
			if (all_w)
				allowed |= CAN_WRITE;
			if (!some_xd)
				allowed |= CAN_FETCH;
		}
	} else {
		int data_ok = 1;
		if (all_u && cpu->smap)
			/* Only explicit accesses with EFLAGS.AC=1. */
			data_ok = cpu->ac && !acc.implicit;
		if (data_ok) {
			allowed |= CAN_READ;
			if (all_w || !cpu->wp)
				allowed |= CAN_WRITE;
		}
		if (!some_xd && !(all_u && cpu->smep))
			allowed |= CAN_FETCH;
	}
	int need = acc.fetch ? CAN_FETCH : acc.write ? CAN_WRITE : CAN_READ;
	uint64_t leaf = path[depth - 1].v;

	/* SDM §4.6.2: protection keys, user-mode addresses, data only. */
	int pk_denied = 0;
	if (cpu->pke && all_u && !acc.fetch) {
		int key = (int)((leaf >> 59) & 15);
		int ad = (cpu->pkru >> (2 * key)) & 1;
		int wd = (cpu->pkru >> (2 * key + 1)) & 1;
		if (ad)
			pk_denied = 1;
		else if (acc.write && wd && (user_mode || cpu->wp))
			pk_denied = 1;
	}

	if (!(allowed & need) || pk_denied) {
		out->kind = REF_PF;
		out->err = err | ERR_P | (pk_denied ? ERR_PK : 0);
		return;
	}

	/* SDM §4.8: dirty first, then accessed, from the leaf upward (the
	 * walker goes top down; the comparison does not depend on order). */
	for (int i = depth - 1; i >= 0; i--) {
		uint64_t v = path[i].v | 0x20;
		if (i == depth - 1 && acc.write)
			v |= 0x40;
		if (v != path[i].v)
			store(m, path[i].pa, v);
	}

	int shift = 12 + 9 * (lvl - 1);
	uint64_t off = (1ull << shift) - 1;
	out->pa = (leaf & frame & ~off) | (la & off);
	out->size_shift = shift;
}
