/* SPDX-License-Identifier: MIT */
/*
 * Sampling of combinations. Each bit is drawn with a probability chosen so
 * that all outcomes occur often: P is usually set, R/W and U/S mostly,
 * a reserved bit rarely, and ignored bits (9-11, 52-58, 62:59 in non-leaf
 * entries) at random, since the MMU must not look at them.
 */
#include "combo.h"

#include "../../shadow/x86_pte.h"

const char *const skip_names[SKIP_N] = {"CR4.SMEP", "CR4.SMAP", "CR4.PKE",
					"EFER.NXE", "CR4.LA57"};
const char *const level_names[6] = {"?", "PTE", "PDE", "PDPTE", "PML4E", "PML5E"};
const char *const size_names[3] = {"4K", "2M", "1G"};
const char *const access_names[ACC_N] = {"read", "write", "fetch",
	"implicit read", "implicit read+write"};

/* splitmix64: the state is advanced by a constant, so (seed, index)
 * alone determine a combination. */
struct rng {
	uint64_t s;
};

static uint64_t next(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* True with probability num/den. */
static bool chance(struct rng *r, unsigned num, unsigned den)
{
	return next(r) % den < num;
}

static unsigned below(struct rng *r, unsigned n)
{
	return (unsigned)(next(r) % n);
}

/* An entry at position i (0 = the top level, level `level`) of a chain of
 * n, leaf when i == n-1. */
static uint64_t make_entry(struct rng *r, unsigned i, unsigned n, unsigned level,
			   unsigned size, uint64_t frame, const struct cpu_features *f)
{
	bool leaf = i == n - 1;
	uint64_t e = frame;

	if (chance(r, 15, 16))
		e |= PTE_P;
	if (chance(r, 3, 4))
		e |= PTE_RW;
	if (chance(r, 3, 4))
		e |= PTE_US;
	if (chance(r, 1, 4))
		e |= PTE_PWT;
	if (chance(r, 1, 4))
		e |= PTE_PCD;
	if (chance(r, 1, 2))
		e |= PTE_A;
	if (chance(r, 1, 2))
		e |= PTE_D; /* ignored in a non-leaf entry */
	if (chance(r, 1, 4))
		e |= PTE_NX;
	if (chance(r, 1, 2))
		e |= (uint64_t)below(r, 8) << 9; /* ignored bits 11:9 */
	if (chance(r, 1, 4))
		e |= 1ull << (52 + below(r, 7)); /* ignored bits 58:52 */
	if (leaf) {
		if (size != SZ_4K)
			e |= PTE_PS;
		if (chance(r, 1, 2))
			e |= PTE_G;
		if (chance(r, 1, 4))
			e |= size == SZ_4K ? PTE_PAT_4K : PTE_PAT_LARGE;
		e |= (uint64_t)below(r, 16) << PTE_PKEY_SHIFT;
	} else if (chance(r, 1, 4)) {
		e |= (uint64_t)below(r, 16) << PTE_PKEY_SHIFT; /* ignored here */
	}

	/* A reserved bit, now and then. */
	if (chance(r, 1, 10)) {
		unsigned kind = below(r, 3);
		if (kind == 0 && f->maxphyaddr < 52)
			e |= 1ull << (f->maxphyaddr + below(r, 52 - f->maxphyaddr));
		else if (kind == 1 && level >= 4)
			e |= PTE_PS; /* no 512G (or 256T) pages */
		else if (kind == 1 && leaf && size == SZ_2M)
			e |= 1ull << (13 + below(r, 8));
		else if (kind == 1 && leaf && size == SZ_1G)
			e |= 1ull << (13 + below(r, 17));
		else if (f->maxphyaddr < 52)
			e |= 1ull << 51;
	}
	return e;
}

void combo_make(struct combo *c, uint64_t seed, uint64_t index,
		const struct combo_layout *lay, const struct cpu_features *f,
		int access, int la57, uint64_t skipped[SKIP_N])
{
	/* The paging depth comes from its own stream, so the 4-level
	 * combinations of a seed do not depend on it. */
	struct rng r5 = {seed ^ (index * 0x9e3779b97f4a7c15ull) ^ 0x1a57};
	bool five = la57 < 0 ? chance(&r5, 1, 4) : la57 > 0;
	if (five && !f->la57) {
		five = false;
		skipped[SKIP_LA57]++;
	}
	struct rng r = {seed ^ (index * 0xd1342543de82ef95ull)};
	next(&r);

	*c = (struct combo){.index = index};
	c->size = below(&r, 3);
	c->levels = five ? 5 : 4;
	c->nlevels = c->levels - c->size;
	c->cpl = chance(&r, 1, 2) ? 3 : 0;
	c->access = below(&r, ACC_N);
	if (access >= 0 && access < ACC_N)
		c->access = (unsigned)access;
	c->wp = chance(&r, 1, 2);
	c->nxe = chance(&r, 3, 4);
	c->smep = chance(&r, 1, 2);
	c->smap = chance(&r, 1, 2);
	c->ac = chance(&r, 1, 2);
	c->pke = chance(&r, 1, 2);
	/* Each PKRU bit set with probability 1/4. */
	c->pkru = (uint32_t)(next(&r) & next(&r));

	bool *feat[SKIP_N] = {&c->smep, &c->smap, &c->pke, &c->nxe};
	bool have[SKIP_N] = {f->smep, f->smap, f->pku, f->nx};
	for (unsigned k = 0; k < SKIP_N; k++) {
		if (*feat[k] && !have[k]) {
			*feat[k] = false;
			skipped[k]++;
		}
	}
	if (!c->pke)
		c->pkru = 0;

	/* Indices: top-level slots 1..255 (0 is the image's identity map, 511
	 * the user alias of the access stubs). */
	c->idx[0] = 1 + below(&r, 255);
	for (unsigned i = 1; i < c->levels; i++)
		c->idx[i] = below(&r, 512);
	/* The target: an even offset in the data page, so a fetch finds
	 * "int $0x80" there without crossing the page; 8-aligned for a
	 * segment descriptor. */
	uint64_t target = lay->data + 2 * below(&r, 2047);
	if (c->access >= ACC_IREAD)
		target &= ~7ull;
	uint64_t psize = 1ull << (12 + 9 * c->size);

	/* The table each non-leaf entry points to, by its level. */
	const uint64_t tables[6] = {0, 0, lay->pt, lay->pd, lay->pdpt, lay->pml4};
	c->gva = 0;
	for (unsigned i = 0; i < c->nlevels; i++) {
		unsigned level = c->levels - i;
		bool leaf = i == c->nlevels - 1;
		uint64_t frame = leaf ? target & ~(psize - 1) : tables[level];
		c->ent[i] = make_entry(&r, i, c->nlevels, level, c->size, frame, f);
		c->gva |= (uint64_t)c->idx[i] << (12 + 9 * (level - 1));
	}
	c->gva |= target & (psize - 1);
}

void entry_print(const char *name, uint64_t e)
{
	static const struct {
		uint64_t bit;
		const char *name;
	} bits[] = {
		{PTE_P, "P"}, {PTE_RW, "RW"}, {PTE_US, "US"}, {PTE_PWT, "PWT"},
		{PTE_PCD, "PCD"}, {PTE_A, "A"}, {PTE_D, "D"}, {PTE_PS, "PS/PAT"},
		{PTE_G, "G"}, {PTE_NX, "NX"},
	};
	con_printf("    %s 0x%016lx:", name, e);
	for (unsigned i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		if (e & bits[i].bit)
			con_printf(" %s", bits[i].name);
	con_printf(" key=%lu", (uint64_t)((e & PTE_PKEY_MASK) >> PTE_PKEY_SHIFT));
	if (e & 0x0e00)
		con_printf(" ign11:9=%lu", (e >> 9) & 7);
	if (e & pte_bits(52, 58))
		con_printf(" ign58:52=0x%lx", (e >> 52) & 0x7f);
	con_printf(" frame=0x%lx\n", (uint64_t)(e & PTE_ADDR_MASK_52));
}

void combo_print(const struct combo *c)
{
	con_printf("  combination %lu: %u-level paging, %s page, CPL%u %s of 0x%lx\n",
		   c->index, c->levels, size_names[c->size], c->cpl,
		   access_names[c->access], c->gva);
	con_printf("    CR0.WP=%u EFER.NXE=%u CR4.SMEP=%u CR4.SMAP=%u EFLAGS.AC=%u "
		   "CR4.PKE=%u PKRU=0x%08x\n", c->wp, c->nxe, c->smep, c->smap,
		   c->ac, c->pke, c->pkru);
	for (unsigned i = 0; i < c->nlevels; i++) {
		char name[16] = "PML4E[000]";
		const char *ln = level_names[c->levels - i];
		unsigned k = 0;
		for (; ln[k]; k++)
			name[k] = ln[k];
		name[k++] = '[';
		name[k++] = (char)('0' + c->idx[i] / 100);
		name[k++] = (char)('0' + c->idx[i] / 10 % 10);
		name[k++] = (char)('0' + c->idx[i] % 10);
		name[k++] = ']';
		name[k] = 0;
		entry_print(name, c->ent[i]);
	}
}
