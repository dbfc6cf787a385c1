/* SPDX-License-Identifier: MIT */
/*
 * The EPT walker (see ept_walk.h). Per level, as KVM's EPT instance of
 * FNAME(walk_addr_generic): an entry with R=W=X=0 is not present (EPT
 * violation, even if other bits are set); a present entry with a reserved
 * bit, a W-without-R or unsupported X-only combination, or a reserved leaf
 * memory type is an EPT misconfiguration; after the leaf the combined
 * permissions decide between the translation and a violation. A/D (when
 * the EPTP enables them) are written only for a walk that succeeds.
 */
#include "ept_walk.h"

#include <string.h>

#include "x86_pte.h" /* pte_bits() */

#define EPT_MAX_ATTEMPTS 8

static unsigned ept_maxphy(const struct ept_ctx *ctx)
{
	if (ctx->maxphyaddr == 0 || ctx->maxphyaddr > 52)
		return 52;
	if (ctx->maxphyaddr < 13)
		return 13;
	return ctx->maxphyaddr;
}

/* SDM §29.3.3.1: the conditions that make a present entry a
 * misconfiguration. */
static bool ept_misconfigured(const struct ept_ctx *ctx, unsigned level,
			      uint64_t e, bool *maps_page)
{
	unsigned xwr = e & EPTE_RWX;
	bool ps = e & EPTE_PS;

	/* Write permission without read permission is never valid;
	 * execute-only only where the CPU supports it. */
	if (xwr == EPTE_W || xwr == (EPTE_W | EPTE_X))
		return true;
	if (xwr == EPTE_X && !ctx->exec_only)
		return true;

	uint64_t rsvd = pte_bits((int)ept_maxphy(ctx), 51);
	*maps_page = level == 1 || (ps && (level == 2 ||
					   (level == 3 && !ctx->no_gbpages)));
	if (!*maps_page) {
		/* Non-leaf entries: bits 7:3 reserved (memory type and PS
		 * have no meaning there; PS in PML4E/PML5E or an unsupported
		 * 1G PDPTE lands here too). */
		rsvd |= pte_bits(3, 7);
	} else {
		if (level == 2)
			rsvd |= pte_bits(12, 20);
		if (level == 3)
			rsvd |= pte_bits(12, 29);
		unsigned mt = (e & EPTE_MT_MASK) >> EPTE_MT_SHIFT;
		if (mt == 2 || mt == 3 || mt == 7)
			return true;
	}
	return (e & rsvd) != 0;
}

enum ept_status ept_walk(const struct ept_ctx *ctx, uint64_t gpa,
			 unsigned access, struct ept_result *res)
{
	memset(res, 0, sizeof(*res));
	unsigned m = ept_maxphy(ctx);
	uint64_t amask = pte_bits(12, (int)m - 1);
	unsigned pwl = (unsigned)((ctx->eptp >> EPTP_PWL_SHIFT) & 7);
	unsigned eptp_mt = (unsigned)(ctx->eptp & EPTP_MT_MASK);

	/* A VM entry would refuse such an EPTP (SDM §26.2.1.1). */
	if ((eptp_mt != EPT_MT_UC && eptp_mt != EPT_MT_WB) ||
	    (pwl != 3 && pwl != 4) ||
	    (ctx->eptp & (pte_bits(7, 11) | pte_bits((int)m, 63))))
		return res->status = EPT_INVALID;
	/* Exactly one of read/write/fetch. */
	if (access != EPT_ACC_READ && access != EPT_ACC_WRITE &&
	    access != EPT_ACC_FETCH)
		return res->status = EPT_INVALID;
	unsigned levels = pwl + 1;
	if (gpa >> (12 + 9 * levels))
		return res->status = EPT_INVALID;

	for (int attempt = 0; attempt < EPT_MAX_ATTEMPTS; attempt++) {
		uint64_t table = ctx->eptp & amask;
		unsigned perms = EPTE_RWX;
		unsigned lvl;
		uint64_t e = 0;
		bool maps_page = false;

		res->nlevels = 0;
		for (lvl = levels; lvl >= 1; lvl--) {
			uint64_t addr = table +
				((gpa >> (12 + 9 * (lvl - 1))) & 511) * 8;
			if (ctx->read_pte(ctx->opaque, addr, &e)) {
				res->bad_addr = addr;
				res->level = lvl;
				return res->status = EPT_BAD_ADDR;
			}
			res->pte[res->nlevels] = e;
			res->pte_addr[res->nlevels] = addr;
			res->nlevels++;
			res->level = lvl;
			perms &= (unsigned)(e & EPTE_RWX);
			if (!(e & EPTE_RWX)) {
				res->perms = perms;
				res->exit_qual = access | (perms << 3);
				return res->status = EPT_VIOLATION;
			}
			if (ept_misconfigured(ctx, lvl, e, &maps_page)) {
				res->bad_addr = addr;
				return res->status = EPT_MISCONFIG;
			}
			if (maps_page)
				break;
			table = e & amask;
		}

		res->perms = perms;
		/* The access bits are the permission bits they need. */
		if (!(perms & access)) {
			res->exit_qual = access | (perms << 3);
			return res->status = EPT_VIOLATION;
		}

		if (ctx->eptp & EPTP_AD) {
			bool changed = false;
			for (unsigned i = 0; i < res->nlevels; i++) {
				uint64_t old = res->pte[i];
				uint64_t new = old | EPTE_A;
				if (i == res->nlevels - 1 &&
				    (access & EPT_ACC_WRITE))
					new |= EPTE_D;
				if (new == old)
					continue;
				if (ctx->write_pte) {
					int r = ctx->write_pte(ctx->opaque,
							       res->pte_addr[i],
							       old, new);
					if (r < 0) {
						res->bad_addr = res->pte_addr[i];
						return res->status = EPT_BAD_ADDR;
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
		}

		uint64_t psize = 1ull << (12 + 9 * (lvl - 1));
		res->page_size = psize;
		res->memtype = (unsigned)((e & EPTE_MT_MASK) >> EPTE_MT_SHIFT);
		res->ipat = e & EPTE_IPAT;
		res->hpa = (e & amask & ~(psize - 1)) | (gpa & (psize - 1));
		return res->status = EPT_OK;
	}
	return res->status = EPT_RETRY;
}
