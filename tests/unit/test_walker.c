/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of shadow/walker.c on hand-built tables: each permission rule,
 * each reserved-bit case, A/D setting and hostile tables. The exhaustive
 * comparison with an independent model is tests/walker/.
 */
#include "test.h"

#include "../../shadow/walker.h"

/* A small guest-physical memory: 64 pages from GPA 0. */
#define MEM_PAGES 64
static uint64_t mem[MEM_PAGES * 512];
static int writes;     /* write-back calls seen */
static int fail_cas;   /* make this many write-backs report "changed" */

static int rd(void *opaque, uint64_t gpa, uint64_t *val)
{
	(void)opaque;
	if (gpa >= sizeof(mem) || (gpa & 7))
		return -1;
	*val = mem[gpa / 8];
	return 0;
}

static int wr(void *opaque, uint64_t gpa, uint64_t old, uint64_t new)
{
	(void)opaque;
	writes++;
	if (gpa >= sizeof(mem))
		return -1;
	if (fail_cas > 0) {
		fail_cas--;
		return 1;
	}
	if (mem[gpa / 8] != old)
		return 1;
	mem[gpa / 8] = new;
	return 0;
}

#define PG(n) ((uint64_t)(n) * 4096)
#define E(n, f) (PG(n) | (f))
#define URW (PTE_P | PTE_RW | PTE_US)

/* Sets entry idx of the table in page n. */
static void set(unsigned n, unsigned idx, uint64_t v)
{
	mem[n * 512 + idx] = v;
}

static struct walk_ctx ctx0(void)
{
	memset(mem, 0, sizeof(mem));
	writes = 0;
	fail_cas = 0;
	struct walk_ctx c = {0};
	c.cr3 = PG(1);
	c.efer_nxe = true;
	c.maxphyaddr = 40;
	c.read_pte = rd;
	c.write_pte = wr;
	return c;
}

#define VA 0x40603123ull /* PML4 0, PDPT 1, PD 3, PT 3, off 0x123 */

/* Tables: PML4 in page 1, PDPT 2, PD 3, PT 4; leaf frame 10. Flags given
 * per level, top first. */
static void map4k(uint64_t f4, uint64_t f3, uint64_t f2, uint64_t f1)
{
	set(1, 0, E(2, f4));
	set(2, 1, E(3, f3));
	set(3, 3, E(4, f2));
	set(4, 3, E(10, f1));
}

static uint32_t pf(struct walk_ctx *c, uint64_t va, unsigned acc)
{
	struct walk_result r;
	if (walk_guest(c, va, acc, &r) != WALK_PF)
		return 0xdead;
	return r.error_code;
}

static int ok(struct walk_ctx *c, uint64_t va, unsigned acc)
{
	struct walk_result r;
	return walk_guest(c, va, acc, &r) == WALK_OK;
}

TEST(walker_4k_translation_and_ad)
{
	struct walk_ctx c = ctx0();
	map4k(URW, URW, URW, URW);
	struct walk_result r;
	CHECK_EQ(walk_guest(&c, VA, 0, &r), WALK_OK);
	CHECK_EQ(r.gpa, PG(10) + 0x123);
	CHECK_EQ(r.page_size, 4096);
	CHECK_EQ(r.level, 1);
	CHECK_EQ(r.rights, WALK_R_W | WALK_R_U | WALK_R_X);
	/* A on every level, no D for a read. */
	CHECK(mem[1 * 512 + 0] & PTE_A);
	CHECK(mem[2 * 512 + 1] & PTE_A);
	CHECK(mem[3 * 512 + 3] & PTE_A);
	CHECK(mem[4 * 512 + 3] & PTE_A);
	CHECK(!(mem[4 * 512 + 3] & PTE_D));
	CHECK_EQ(writes, 4);
	/* A write sets D on the leaf only; A already set: one write-back. */
	writes = 0;
	CHECK_EQ(walk_guest(&c, VA, WALK_WRITE, &r), WALK_OK);
	CHECK(mem[4 * 512 + 3] & PTE_D);
	CHECK(!(mem[3 * 512 + 3] & PTE_D));
	CHECK_EQ(writes, 1);
	CHECK_EQ(r.pte[3], mem[4 * 512 + 3]);
}

/* A walk from a known table (start_level): only the entries from there
 * down are read and marked; the rights of the levels above are the ones
 * given, and combine with the leaf's as a full walk's do. */
TEST(walker_start_below_the_root)
{
	struct walk_ctx c = ctx0();
	map4k(URW, URW, URW, URW);
	/* The upper tables hold garbage: a walk from the PT never reads them. */
	set(1, 0, 0);
	c.start_level = 1;
	c.start_table = PG(4);
	c.start_rights = WALK_R_W | WALK_R_U | WALK_R_X;
	struct walk_result r;
	CHECK_EQ(walk_guest(&c, VA, WALK_WRITE, &r), WALK_OK);
	CHECK_EQ(r.gpa, PG(10) + 0x123);
	CHECK_EQ(r.nlevels, 1);
	CHECK_EQ(r.level, 1);
	CHECK_EQ(r.pte_gpa[0], PG(4) + 3 * 8);
	CHECK_EQ(writes, 1);
	CHECK((mem[4 * 512 + 3] & (PTE_A | PTE_D)) == (PTE_A | PTE_D));
	CHECK(!(mem[3 * 512 + 3] & PTE_A));
	/* Rights from above: no write, no user, no execute. */
	c.start_rights = WALK_R_U | WALK_R_X;
	c.cpl = 3;
	CHECK_EQ(pf(&c, VA, WALK_WRITE), PFERR_P | PFERR_W | PFERR_U);
	c.start_rights = WALK_R_W | WALK_R_X;
	CHECK_EQ(pf(&c, VA, 0), PFERR_P | PFERR_U);
	c.start_rights = WALK_R_W | WALK_R_U;
	CHECK_EQ(pf(&c, VA, WALK_FETCH), PFERR_P | PFERR_U | PFERR_ID);
	CHECK(ok(&c, VA, WALK_WRITE));
	CHECK_EQ(walk_guest(&c, VA, 0, &r), WALK_OK);
	CHECK_EQ(r.rights, WALK_R_W | WALK_R_U);
	/* From the PD: two entries. A level the paging mode lacks is refused. */
	c.start_level = 2;
	c.start_table = PG(3);
	CHECK_EQ(walk_guest(&c, VA, 0, &r), WALK_OK);
	CHECK_EQ(r.nlevels, 2);
	c.start_level = 5;
	CHECK_EQ(walk_guest(&c, VA, 0, &r), WALK_INVALID);
}

TEST(walker_large_pages)
{
	struct walk_ctx c = ctx0();
	/* 2M: PD entry with PS, frame 2M-aligned; PAT bit 12 not address. */
	set(1, 0, E(2, URW));
	set(2, 1, E(3, URW));
	set(3, 3, 0x200000ull * 5 | URW | PTE_PS | PTE_PAT_LARGE);
	struct walk_result r;
	CHECK_EQ(walk_guest(&c, VA, 0, &r), WALK_OK);
	CHECK_EQ(r.gpa, 0x200000ull * 5 + (VA & 0x1fffff));
	CHECK_EQ(r.page_size, 0x200000);
	CHECK_EQ(r.level, 2);
	/* 1G at PDPT[1]. */
	set(2, 1, 0x40000000ull * 3 | URW | PTE_PS);
	CHECK_EQ(walk_guest(&c, VA, 0, &r), WALK_OK);
	CHECK_EQ(r.gpa, 0x40000000ull * 3 + (VA & 0x3fffffff));
	CHECK_EQ(r.page_size, 0x40000000);
	CHECK_EQ(r.level, 3);
	/* Without 1G-page support PDPTE.PS is reserved. */
	c.no_gbpages = true;
	CHECK_EQ(pf(&c, VA, 0), PFERR_P | PFERR_RSVD);
}

TEST(walker_not_present_each_level)
{
	for (int l = 0; l < 4; l++) {
		struct walk_ctx c = ctx0();
		uint64_t f[4] = {URW, URW, URW, URW};
		f[l] &= ~PTE_P;
		map4k(f[0], f[1], f[2], f[3]);
		c.cpl = 3;
		struct walk_result r;
		CHECK_EQ(walk_guest(&c, VA, WALK_WRITE, &r), WALK_PF);
		CHECK_EQ(r.error_code, PFERR_W | PFERR_U);
		CHECK_EQ(r.level, 4 - l);
		CHECK_EQ(writes, 0); /* no A/D on a fault */
	}
}

TEST(walker_reserved_bits)
{
	struct walk_ctx c = ctx0();
	/* MAXPHYADDR=40: bit 40 reserved at every level, bit 39 not. */
	for (int l = 0; l < 4; l++) {
		uint64_t f[4] = {URW, URW, URW, URW};
		f[l] |= 1ull << 40;
		c = ctx0();
		map4k(f[0], f[1], f[2], f[3]);
		CHECK_EQ(pf(&c, VA, 0), PFERR_P | PFERR_RSVD);
		CHECK_EQ(writes, 0);
	}
	c = ctx0();
	map4k(URW, URW, URW, URW | (1ull << 39));
	CHECK(ok(&c, VA, 0));
	/* Bit 51 is reserved whatever MAXPHYADDR says below 52. */
	c = ctx0();
	map4k(URW, URW, URW, URW | (1ull << 51));
	CHECK_EQ(pf(&c, VA, WALK_WRITE), PFERR_P | PFERR_W | PFERR_RSVD);
	c.maxphyaddr = 52;
	CHECK_EQ(pf(&c, VA, WALK_WRITE), 0xdead); /* no fault: bit 51 is address */
	/* NX reserved without EFER.NXE, in leaf and non-leaf entries. */
	c = ctx0();
	c.efer_nxe = false;
	map4k(URW | PTE_NX, URW, URW, URW);
	CHECK_EQ(pf(&c, VA, 0), PFERR_P | PFERR_RSVD);
	/* Bits 62:52 are ignored (available), not reserved. */
	c = ctx0();
	map4k(URW | pte_bits(52, 62), URW, URW, URW | pte_bits(52, 58));
	CHECK(ok(&c, VA, 0));
	/* PS in a PML4E is reserved (no 512G pages), and in a PML5E. */
	c = ctx0();
	map4k(URW | PTE_PS, URW, URW, URW);
	CHECK_EQ(pf(&c, VA, 0), PFERR_P | PFERR_RSVD);
	/* 2M leaf: bits 20:13 reserved; 1G leaf: bits 29:13. */
	c = ctx0();
	set(1, 0, E(2, URW));
	set(2, 1, E(3, URW));
	set(3, 3, 0x200000ull | URW | PTE_PS | (1ull << 13));
	CHECK_EQ(pf(&c, VA, 0), PFERR_P | PFERR_RSVD);
	set(3, 3, 0x200000ull | URW | PTE_PS | (1ull << 20));
	CHECK_EQ(pf(&c, VA, 0), PFERR_P | PFERR_RSVD);
	set(3, 3, 0x200000ull | URW | PTE_PS | (1ull << 21));
	CHECK(ok(&c, VA, 0));
	set(2, 1, 0x40000000ull | URW | PTE_PS | (1ull << 29));
	CHECK_EQ(pf(&c, VA, 0), PFERR_P | PFERR_RSVD);
	set(2, 1, 0x40000000ull | URW | PTE_PS | (1ull << 12));
	CHECK(ok(&c, VA, 0));
	/* PAT (bit 7) and G in a 4K PTE are not reserved. */
	c = ctx0();
	map4k(URW, URW, URW, URW | PTE_PAT_4K | PTE_G);
	CHECK(ok(&c, VA, 0));
	/* A not-present entry higher up wins over reserved bits lower down;
	 * reserved bits win over the rights check. */
	c = ctx0();
	map4k(URW, URW, URW & ~PTE_P, URW | (1ull << 45));
	CHECK_EQ(pf(&c, VA, 0), 0);
	c = ctx0();
	c.cpl = 3;
	map4k(PTE_P, URW, URW, URW | (1ull << 45));
	CHECK_EQ(pf(&c, VA, 0), PFERR_P | PFERR_RSVD | PFERR_U);
	/* walk_rsvd_mask is what the walk applies. */
	c = ctx0();
	CHECK_EQ(walk_rsvd_mask(&c, 1, false), pte_bits(40, 51));
	CHECK_EQ(walk_rsvd_mask(&c, 4, false), pte_bits(40, 51) | PTE_PS);
}

TEST(walker_user_and_write_rules)
{
	struct walk_ctx c = ctx0();
	c.cpl = 3;
	/* U/S=0 at any level makes it a supervisor page. */
	for (int l = 0; l < 4; l++) {
		uint64_t f[4] = {URW, URW, URW, URW};
		f[l] &= ~PTE_US;
		c = ctx0();
		c.cpl = 3;
		map4k(f[0], f[1], f[2], f[3]);
		CHECK_EQ(pf(&c, VA, 0), PFERR_P | PFERR_U);
		c.cpl = 0;
		CHECK(ok(&c, VA, 0));
	}
	/* R/W=0 at any level: user writes fault, supervisor writes fault
	 * only with CR0.WP. */
	for (int l = 0; l < 4; l++) {
		uint64_t f[4] = {URW, URW, URW, URW};
		f[l] &= ~PTE_RW;
		c = ctx0();
		map4k(f[0], f[1], f[2], f[3]);
		c.cpl = 3;
		CHECK_EQ(pf(&c, VA, WALK_WRITE), PFERR_P | PFERR_W | PFERR_U);
		CHECK(ok(&c, VA, 0));
		c.cpl = 0;
		CHECK(ok(&c, VA, WALK_WRITE));
		CHECK(mem[4 * 512 + 3] & PTE_D); /* the write happened */
		c.cr0_wp = true;
		CHECK_EQ(pf(&c, VA, WALK_WRITE), PFERR_P | PFERR_W);
	}
}

TEST(walker_nx_smep_fetch)
{
	struct walk_ctx c = ctx0();
	map4k(URW, URW, URW | PTE_NX, URW);
	struct walk_result r;
	CHECK_EQ(walk_guest(&c, VA, WALK_FETCH, &r), WALK_PF);
	CHECK_EQ(r.error_code, PFERR_P | PFERR_ID);
	CHECK_EQ(r.rights, WALK_R_W | WALK_R_U);
	CHECK(ok(&c, VA, 0));
	/* Not present, fetch: I/D only with NXE or SMEP. */
	c = ctx0();
	map4k(URW, URW, URW, URW & ~PTE_P);
	CHECK_EQ(pf(&c, VA, WALK_FETCH), PFERR_ID);
	c.efer_nxe = false;
	CHECK_EQ(pf(&c, VA, WALK_FETCH), 0);
	c.cr4_smep = true;
	CHECK_EQ(pf(&c, VA, WALK_FETCH), PFERR_ID);
	/* SMEP: supervisor fetch from a user page; not from a supervisor
	 * page; user fetches unaffected. */
	c = ctx0();
	c.cr4_smep = true;
	map4k(URW, URW, URW, URW);
	CHECK_EQ(pf(&c, VA, WALK_FETCH), PFERR_P | PFERR_ID);
	c.cpl = 3;
	CHECK(ok(&c, VA, WALK_FETCH));
	c = ctx0();
	c.cr4_smep = true;
	map4k(URW, URW, URW, PTE_P);
	CHECK(ok(&c, VA, WALK_FETCH));
	c.cpl = 3;
	CHECK_EQ(pf(&c, VA, WALK_FETCH), PFERR_P | PFERR_U | PFERR_ID);
	/* Write+fetch is not an access. */
	CHECK_EQ(walk_guest(&c, VA, WALK_WRITE | WALK_FETCH, &r), WALK_INVALID);
}

TEST(walker_smap)
{
	struct walk_ctx c = ctx0();
	c.cr4_smap = true;
	map4k(URW, URW, URW, URW);
	CHECK_EQ(pf(&c, VA, 0), PFERR_P);
	CHECK_EQ(pf(&c, VA, WALK_WRITE), PFERR_P | PFERR_W);
	c.eflags_ac = true;
	CHECK(ok(&c, VA, 0));
	CHECK(ok(&c, VA, WALK_WRITE));
	/* Implicit supervisor accesses ignore AC, at CPL 0 and CPL 3; U=0. */
	CHECK_EQ(pf(&c, VA, WALK_IMPLICIT), PFERR_P);
	c.cpl = 3;
	CHECK_EQ(pf(&c, VA, WALK_IMPLICIT | WALK_WRITE), PFERR_P | PFERR_W);
	/* User accesses: SMAP does not apply. */
	CHECK(ok(&c, VA, 0));
	/* SMAP does not cover fetches (that is SMEP). */
	c.cpl = 0;
	c.eflags_ac = false;
	CHECK(ok(&c, VA, WALK_FETCH));
	/* Supervisor pages are unaffected. */
	c = ctx0();
	c.cr4_smap = true;
	map4k(URW, URW, PTE_P | PTE_RW, URW);
	CHECK(ok(&c, VA, WALK_WRITE));
	CHECK(ok(&c, VA, WALK_IMPLICIT));
}

TEST(walker_pku)
{
	struct walk_ctx c = ctx0();
	c.cr4_pke = true;
	uint64_t key5 = 5ull << PTE_PKEY_SHIFT;
	map4k(URW, URW, URW, URW | key5);
	c.cpl = 3;
	c.pkru = 1u << 10; /* AD for key 5 */
	struct walk_result r;
	CHECK_EQ(walk_guest(&c, VA, 0, &r), WALK_PF);
	CHECK_EQ(r.error_code, PFERR_P | PFERR_U | PFERR_PK);
	CHECK_EQ(r.pkey, 5);
	CHECK(ok(&c, VA, WALK_FETCH)); /* keys do not apply to fetches */
	c.pkru = 1u << 11; /* WD for key 5 */
	CHECK(ok(&c, VA, 0));
	CHECK_EQ(pf(&c, VA, WALK_WRITE), PFERR_P | PFERR_W | PFERR_U | PFERR_PK);
	/* Supervisor: AD applies; WD only with CR0.WP. */
	c.cpl = 0;
	CHECK(ok(&c, VA, WALK_WRITE));
	c.cr0_wp = true;
	CHECK_EQ(pf(&c, VA, WALK_WRITE), PFERR_P | PFERR_W | PFERR_PK);
	c.pkru = 1u << 10;
	CHECK_EQ(pf(&c, VA, 0), PFERR_P | PFERR_PK);
	/* Another key's bits do not matter; supervisor pages are exempt. */
	c.pkru = 3u << 0;
	CHECK(ok(&c, VA, WALK_WRITE));
	c.pkru = 3u << 10;
	map4k(URW, URW, URW, PTE_P | PTE_RW | key5);
	CHECK(ok(&c, VA, WALK_WRITE));
	/* Without CR4.PKE the key bits are ignored. */
	c.cr4_pke = false;
	map4k(URW, URW, URW, URW | key5);
	CHECK(ok(&c, VA, WALK_WRITE));
	/* PK is reported alongside an ordinary rights violation. */
	c.cr4_pke = true;
	c.cpl = 3;
	map4k(URW, URW, URW, PTE_P | PTE_US | key5);
	CHECK_EQ(pf(&c, VA, WALK_WRITE), PFERR_P | PFERR_W | PFERR_U | PFERR_PK);
}

TEST(walker_la57_and_canonical)
{
	struct walk_ctx c = ctx0();
	map4k(URW, URW, URW, URW);
	struct walk_result r;
	/* 48-bit canonical: bit 47 must be copied up. */
	CHECK_EQ(walk_guest(&c, 0x0000800000000000ull, 0, &r), WALK_GP);
	CHECK_EQ(walk_guest(&c, 0xffff800000000000ull, 0, &r), WALK_PF);
	CHECK_EQ(walk_guest(&c, 0x8000000000000000ull, 0, &r), WALK_GP);
	/* 5-level: PML5 in page 5 pointing at the PML4. */
	c.cr4_la57 = true;
	c.cr3 = PG(5);
	set(5, 0, E(1, URW));
	CHECK_EQ(walk_guest(&c, VA, WALK_WRITE, &r), WALK_OK);
	CHECK_EQ(r.gpa, PG(10) + 0x123);
	CHECK_EQ(r.nlevels, 5);
	CHECK(mem[5 * 512] & PTE_A);
	/* 0x0000800000000000 is canonical with 57 bits: PML5 index 1. */
	CHECK_EQ(walk_guest(&c, 0x0000800000000000ull, 0, &r), WALK_PF);
	CHECK_EQ(walk_guest(&c, 0x0100000000000000ull, 0, &r), WALK_GP);
	/* PS in a PML5E is reserved. */
	set(5, 0, E(1, URW | PTE_PS));
	CHECK_EQ(pf(&c, VA, 0), PFERR_P | PFERR_RSVD);
}

TEST(walker_hostile_tables)
{
	struct walk_ctx c = ctx0();
	struct walk_result r;
	/* Root outside guest memory. */
	c.cr3 = PG(1000);
	CHECK_EQ(walk_guest(&c, VA, 0, &r), WALK_BAD_GPA);
	CHECK_EQ(r.bad_gpa, PG(1000));
	/* An entry pointing outside guest memory. */
	c = ctx0();
	set(1, 0, E(2, URW));
	set(2, 1, (1ull << 39) | URW);
	CHECK_EQ(walk_guest(&c, VA, 0, &r), WALK_BAD_GPA);
	CHECK_EQ(r.bad_gpa, (1ull << 39) + 3 * 8);
	CHECK_EQ(r.level, 2);
	CHECK_EQ(writes, 0);
	/* Self-reference: every PML4 entry points at the PML4 itself. The
	 * walk reads four entries and ends (the table used as PT maps the
	 * PML4 page). */
	c = ctx0();
	for (int i = 0; i < 512; i++)
		set(1, i, E(1, URW));
	CHECK_EQ(walk_guest(&c, VA, 0, &r), WALK_OK);
	CHECK_EQ(r.nlevels, 4);
	CHECK_EQ(r.gpa, PG(1) + 0x123);
	/* A two-table loop in 5-level mode. */
	c = ctx0();
	c.cr4_la57 = true;
	for (int i = 0; i < 512; i++) {
		set(1, i, E(2, URW));
		set(2, i, E(1, URW));
	}
	CHECK_EQ(walk_guest(&c, ~0ull, 0, &r), WALK_OK);
	CHECK_EQ(r.nlevels, 5);
	/* A leaf outside memory is the caller's business: the GPA is given. */
	c = ctx0();
	map4k(URW, URW, URW, URW);
	set(4, 3, (1ull << 39) | URW);
	CHECK_EQ(walk_guest(&c, VA, 0, &r), WALK_OK);
	CHECK_EQ(r.gpa, (1ull << 39) + 0x123);
	/* A guest that keeps changing entries under the A/D write-back:
	 * restarted a few times, then WALK_RETRY. */
	c = ctx0();
	map4k(URW, URW, URW, URW);
	fail_cas = 3;
	CHECK_EQ(walk_guest(&c, VA, 0, &r), WALK_OK);
	fail_cas = 1000;
	map4k(URW, URW, URW, URW);
	CHECK_EQ(walk_guest(&c, VA, 0, &r), WALK_RETRY);
	/* Nonsense requests. */
	c.cpl = 4;
	CHECK_EQ(walk_guest(&c, VA, 0, &r), WALK_INVALID);
	CHECK_STREQ(walk_status_name(WALK_BAD_GPA), "bad-gpa");
}
