/* SPDX-License-Identifier: MIT */
/*
 * The guest page-table walker (see walker.h and docs/walker.md). The order
 * of the checks follows KVM's FNAME(walk_addr_generic): per level, first
 * not-present, then reserved bits (is_rsvd_bits_set), descending; at the
 * leaf the combined rights go through one permission check
 * (permission_fault) whose protection-key part is evaluated independently,
 * so PFERR_PK is reported even when the ordinary rights also fail.
 * A/D are written only for a walk that succeeds, top level first.
 */
#include "walker.h"

#include <string.h>

/* A walk restarted this many times because entries changed under the A/D
 * write-back gives up (WALK_RETRY) rather than spin against a guest that
 * keeps rewriting its tables. */
#define WALK_MAX_ATTEMPTS 8

static unsigned maxphy(const struct walk_ctx *ctx)
{
	/* 0 means "not configured": the architectural maximum. */
	if (ctx->maxphyaddr == 0 || ctx->maxphyaddr > 52)
		return 52;
	if (ctx->maxphyaddr < 13)
		return 13;
	return ctx->maxphyaddr;
}

/* Frame bits of an entry (or CR3): 12 .. MAXPHYADDR-1. */
static uint64_t addr_mask(const struct walk_ctx *ctx)
{
	return pte_bits(12, (int)maxphy(ctx) - 1);
}

uint64_t walk_rsvd_mask(const struct walk_ctx *ctx, unsigned level, bool ps)
{
	uint64_t r = pte_bits((int)maxphy(ctx), 51);

	/* Without EFER.NXE bit 63 is reserved in every entry (SDM §4.5). */
	if (!ctx->efer_nxe)
		r |= PTE_NX;
	switch (level) {
	case 5:
	case 4:
		/* PML5E/PML4E bit 7 must be 0: there are no 512G pages. */
		r |= PTE_PS;
		break;
	case 3:
		if (ps)
			r |= ctx->no_gbpages ? PTE_PS : PTE_LARGE_1G_RSVD;
		break;
	case 2:
		if (ps)
			r |= PTE_LARGE_2M_RSVD;
		break;
	default:
		/* A PTE's bit 7 is PAT, bit 8 G: nothing beyond the address. */
		break;
	}
	return r;
}

const char *walk_status_name(enum walk_status s)
{
	switch (s) {
	case WALK_OK: return "ok";
	case WALK_PF: return "#PF";
	case WALK_GP: return "#GP";
	case WALK_BAD_GPA: return "bad-gpa";
	case WALK_RETRY: return "retry";
	case WALK_INVALID: return "invalid";
	}
	return "?";
}

static bool canonical(uint64_t gva, unsigned va_bits)
{
	int sh = 64 - (int)va_bits;
	return (uint64_t)(((int64_t)(gva << sh)) >> sh) == gva;
}

/*
 * Ordinary (non-PK) rights check of a translation: true when the access is
 * refused. user is a user-mode access (CPL 3 and not implicit).
 */
static bool rights_fault(const struct walk_ctx *ctx, unsigned access,
			 bool user, bool rw, bool us, bool nx)
{
	bool write = access & WALK_WRITE;

	if (access & WALK_FETCH) {
		if (ctx->efer_nxe && nx)
			return true;
		/* User fetches need a user page; supervisor fetches from a
		 * user page are what SMEP forbids. */
		return user ? !us : (us && ctx->cr4_smep);
	}
	if (user)
		return !us || (write && !rw);
	/* Supervisor data access. SMAP forbids user pages unless the access
	 * is explicit with EFLAGS.AC=1 (explicit supervisor implies CPL<3
	 * here, since user == false). */
	if (us && ctx->cr4_smap &&
	    !(ctx->eflags_ac && !(access & WALK_IMPLICIT)))
		return true;
	/* CR0.WP=0 lets the supervisor write read-only pages. */
	return write && !rw && ctx->cr0_wp;
}

/* Protection keys: data accesses to user pages, user or supervisor. */
static bool pkey_fault(const struct walk_ctx *ctx, unsigned access, bool user,
		       bool us, unsigned pkey)
{
	if (!ctx->cr4_pke || !us || (access & WALK_FETCH))
		return false;
	bool ad = (ctx->pkru >> (2 * pkey)) & 1;
	bool wd = (ctx->pkru >> (2 * pkey + 1)) & 1;
	if (ad)
		return true;
	/* WD binds the supervisor only with CR0.WP=1, as R/W does. */
	return (access & WALK_WRITE) && wd && (user || ctx->cr0_wp);
}

enum walk_status walk_guest(const struct walk_ctx *ctx, uint64_t gva,
			    unsigned access, struct walk_result *res)
{
	memset(res, 0, sizeof(*res));
	if (((access & WALK_WRITE) && (access & WALK_FETCH)) || ctx->cpl > 3)
		return res->status = WALK_INVALID;

	unsigned levels = ctx->cr4_la57 ? 5 : 4;
	if (ctx->start_level > levels)
		return res->status = WALK_INVALID;
	if (!canonical(gva, ctx->cr4_la57 ? 57 : 48))
		return res->status = WALK_GP;
	unsigned top = ctx->start_level ? ctx->start_level : levels;

	bool user = ctx->cpl == 3 && !(access & WALK_IMPLICIT);
	bool fetch = access & WALK_FETCH;
	uint32_t ec = ((access & WALK_WRITE) ? PFERR_W : 0) |
		      (user ? PFERR_U : 0) |
		      /* I/D is reported only where fetches can fault on
		       * their own: with NXE or SMEP (SDM §4.7). */
		      ((fetch && (ctx->efer_nxe || ctx->cr4_smep)) ? PFERR_ID : 0);
	uint64_t amask = addr_mask(ctx);
	/* The first table, and the rights granted above it (all, from CR3). */
	uint64_t first = (ctx->start_level ? ctx->start_table : ctx->cr3) & amask;
	unsigned above = ctx->start_level ? ctx->start_rights : WALK_R_W | WALK_R_U | WALK_R_X;

	for (int attempt = 0; attempt < WALK_MAX_ATTEMPTS; attempt++) {
		uint64_t table = first;
		bool rw = above & WALK_R_W, us = above & WALK_R_U, nx = !(above & WALK_R_X);
		unsigned lvl;
		uint64_t e = 0;

		res->nlevels = 0;
		/* One entry per level: the depth bound that makes loops and
		 * self-references terminate. */
		for (lvl = top; lvl >= 1; lvl--) {
			unsigned idx = (gva >> (12 + 9 * (lvl - 1))) & 511;
			uint64_t egpa = table + idx * 8ull;

			if (ctx->read_pte(ctx->opaque, egpa, &e)) {
				res->bad_gpa = egpa;
				res->level = lvl;
				return res->status = WALK_BAD_GPA;
			}
			res->pte[res->nlevels] = e;
			res->pte_gpa[res->nlevels] = egpa;
			res->nlevels++;
			res->level = lvl;
			if (!(e & PTE_P)) {
				res->error_code = ec;
				return res->status = WALK_PF;
			}
			bool ps = e & PTE_PS;
			if (e & walk_rsvd_mask(ctx, lvl, ps)) {
				res->error_code = ec | PFERR_P | PFERR_RSVD;
				return res->status = WALK_PF;
			}
			rw = rw && (e & PTE_RW);
			us = us && (e & PTE_US);
			nx = nx || (e & PTE_NX);
			/* PS at levels 4/5 was refused as reserved above. */
			if (lvl == 1 || ps)
				break;
			table = e & amask;
		}

		uint64_t psize = 1ull << (12 + 9 * (lvl - 1));
		unsigned pkey = ctx->cr4_pke ?
			(unsigned)((e & PTE_PKEY_MASK) >> PTE_PKEY_SHIFT) : 0;
		res->page_size = psize;
		res->pkey = pkey;
		res->rights = (rw ? WALK_R_W : 0) | (us ? WALK_R_U : 0) |
			      ((ctx->efer_nxe && nx) ? 0 : WALK_R_X);

		bool f = rights_fault(ctx, access, user, rw, us, nx);
		bool pk = pkey_fault(ctx, access, user, us, pkey);
		if (f || pk) {
			res->error_code = ec | PFERR_P | (pk ? PFERR_PK : 0);
			return res->status = WALK_PF;
		}

		/* A on every entry used; D on the leaf of a write. */
		bool changed = false;
		for (unsigned i = 0; i < res->nlevels; i++) {
			uint64_t old = res->pte[i];
			uint64_t new = old | PTE_A;
			if (i == res->nlevels - 1 && (access & WALK_WRITE))
				new |= PTE_D;
			if (new == old)
				continue;
			if (ctx->write_pte) {
				int r = ctx->write_pte(ctx->opaque,
						       res->pte_gpa[i], old, new);
				if (r < 0) {
					res->bad_gpa = res->pte_gpa[i];
					return res->status = WALK_BAD_GPA;
				}
				if (r > 0) {
					changed = true;
					break;
				}
			}
			res->pte[i] = new;
		}
		if (changed)
			continue;
		uint64_t frame = e & amask & ~(psize - 1);
		res->gpa = frame | (gva & (psize - 1));
		return res->status = WALK_OK;
	}
	return res->status = WALK_RETRY;
}
