/* SPDX-License-Identifier: MIT */
/*
 * EPT reference model (see ref_ept.h), from the SDM text:
 *  §29.3.2: an entry is "present" if any of bits 2:0 is set; the walk uses
 *   bits 47:39 (PML4), 38:30, 29:21, 20:12 (and 56:48 with a 5-level walk);
 *   bit 7 of a PDPTE/PDE says whether it maps a page;
 *  §29.3.3.1: misconfiguration conditions, stated as a list of checks on a
 *   present entry;
 *  §29.3.3.2: violations, with the exit qualification of §28.3.3.2;
 *  §29.3.5: accessed and dirty flags.
 * Structure differs from the walker: each entry is first classified
 * (absent / bad / table / page), the permission set is collected as a list
 * and folded at the end.
 */
#include "ref_ept.h"

enum cls { ABSENT, BAD, TABLE, PAGE };

static int bits_set(uint64_t v, int lo, int hi)
{
	for (int b = lo; b <= hi; b++)
		if ((v >> b) & 1)
			return 1;
	return 0;
}

static enum cls classify(const struct ref_ept_cfg *cfg, int level, uint64_t v)
{
	int r = v & 1, w = (v >> 1) & 1, x = (v >> 2) & 1;
	if (!r && !w && !x)
		return ABSENT;
	/* "Bit 0 of the entry is clear (the entry is not readable) and bit 1
	 * is set (the entry is writable)." */
	if (!r && w)
		return BAD;
	/* Execute-only without the capability. */
	if (!r && !w && x && !cfg->exec_only_ok)
		return BAD;
	/* Reserved: bits 51:M everywhere. */
	if (bits_set(v, cfg->maxphyaddr, 51))
		return BAD;
	int big = (v >> 7) & 1;
	int page = level == 1 || (level == 2 && big) ||
		   (level == 3 && big && cfg->gb_pages);
	if (!page) {
		/* Entries that reference a table: bits 7:3 reserved. */
		if (bits_set(v, 3, 7))
			return BAD;
		return TABLE;
	}
	/* Memory type 2, 3 or 7 is reserved. */
	int mt = (int)((v >> 3) & 7);
	if (mt == 2 || mt == 3 || mt == 7)
		return BAD;
	if (level == 2 && bits_set(v, 12, 20))
		return BAD;
	if (level == 3 && bits_set(v, 12, 29))
		return BAD;
	return PAGE;
}

void ref_ept_translate(const struct ref_ept_cfg *cfg, uint64_t gpa, int kind,
		       ref_load_fn load, ref_store_fn store, void *m,
		       struct ref_ept_out *out)
{
	out->kind = REPT_OK;
	out->hpa = 0;
	out->size_shift = 0;
	out->memtype = out->ipat = 0;
	out->qual = 0;

	int eptp_mt = (int)(cfg->eptp & 7);
	int walk_len = (int)((cfg->eptp >> 3) & 7) + 1;
	if (!(eptp_mt == 0 || eptp_mt == 6) || !(walk_len == 4 || walk_len == 5) ||
	    bits_set(cfg->eptp, 7, 11) || bits_set(cfg->eptp, cfg->maxphyaddr, 63) ||
	    kind < 0 || kind > 2) {
		out->kind = REPT_INVALID;
		return;
	}
	if (bits_set(gpa, 12 + 9 * walk_len, 63)) {
		out->kind = REPT_INVALID;
		return;
	}

	uint64_t addr_bits = 0;
	for (int b = 12; b < cfg->maxphyaddr; b++)
		addr_bits |= 1ull << b;

	uint64_t used_pa[5], used_v[5];
	int n = 0, level = walk_len;
	uint64_t base = cfg->eptp & addr_bits;
	enum cls c;
	for (;;) {
		int shift = 12 + 9 * (level - 1);
		uint64_t pa = base | (((gpa >> shift) & 0x1ff) << 3);
		uint64_t v;
		if (load(m, pa, &v)) {
			out->kind = REPT_BAD;
			return;
		}
		used_pa[n] = pa;
		used_v[n] = v;
		n++;
		c = classify(cfg, level, v);
		if (c != TABLE)
			break;
		base = v & addr_bits;
		level--;
	}

	/* Logical AND of bits 2:0 over the entries used. */
	uint64_t perm = 7;
	for (int i = 0; i < n; i++)
		perm &= used_v[i];
	uint64_t access_bit = 1ull << kind;

	if (c == BAD) {
		out->kind = REPT_MISCONFIG;
		return;
	}
	if (c == ABSENT || !(perm & access_bit)) {
		out->kind = REPT_VIOLATION;
		out->qual = access_bit | (perm << 3);
		return;
	}

	/* §29.3.5: with EPTP[6], accessed in each entry used, dirty in the
	 * page entry for a write. Stored leaf first (order is not compared). */
	if ((cfg->eptp >> 6) & 1) {
		for (int i = n - 1; i >= 0; i--) {
			uint64_t nv = used_v[i] | (1ull << 8);
			if (i == n - 1 && kind == 1)
				nv |= 1ull << 9;
			if (nv != used_v[i])
				store(m, used_pa[i], nv);
		}
	}
	uint64_t leaf = used_v[n - 1];
	int shift = 12 + 9 * (level - 1);
	uint64_t low = (1ull << shift) - 1;
	out->hpa = (leaf & addr_bits & ~low) | (gpa & low);
	out->size_shift = shift;
	out->memtype = (int)((leaf >> 3) & 7);
	out->ipat = (int)((leaf >> 6) & 1);
}
