/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of shadow/ept_walk.c: translation at each page size, R/W/X
 * and execute-only, violations with their exit-qualification bits, each
 * misconfiguration, memory type, EPT A/D, hostile tables.
 */
#include "test.h"

#include "../../shadow/ept_walk.h"

#define MEM_PAGES 16
static uint64_t mem[MEM_PAGES * 512];
static int writes;

static int rd(void *opaque, uint64_t a, uint64_t *v)
{
	(void)opaque;
	if (a >= sizeof(mem) || (a & 7))
		return -1;
	*v = mem[a / 8];
	return 0;
}

static int wr(void *opaque, uint64_t a, uint64_t old, uint64_t new)
{
	(void)opaque;
	writes++;
	if (mem[a / 8] != old)
		return 1;
	mem[a / 8] = new;
	return 0;
}

#define PG(n) ((uint64_t)(n) * 4096)
#define RWX EPTE_RWX
#define WB ((uint64_t)EPT_MT_WB << EPTE_MT_SHIFT)
/* gpa: PML4 0, PDPT 1, PD 3, PT 3, offset 0x123 (as test_walker.c). */
#define GPA 0x40603123ull

static struct ept_ctx ectx(void)
{
	memset(mem, 0, sizeof(mem));
	writes = 0;
	struct ept_ctx c = {0};
	c.eptp = PG(1) | EPT_MT_WB | (3ull << EPTP_PWL_SHIFT) | EPTP_AD;
	c.maxphyaddr = 40;
	c.read_pte = rd;
	c.write_pte = wr;
	return c;
}

static void map4k(uint64_t f4, uint64_t f3, uint64_t f2, uint64_t f1)
{
	mem[1 * 512 + 0] = PG(2) | f4;
	mem[2 * 512 + 1] = PG(3) | f3;
	mem[3 * 512 + 3] = PG(4) | f2;
	mem[4 * 512 + 3] = PG(10) | f1;
}

static enum ept_status walk(struct ept_ctx *c, unsigned acc, struct ept_result *r)
{
	return ept_walk(c, GPA, acc, r);
}

TEST(ept_walk_translation_memtype_ad)
{
	struct ept_ctx c = ectx();
	struct ept_result r;
	map4k(RWX, RWX, RWX, RWX | WB | EPTE_IPAT);
	CHECK_EQ(walk(&c, EPT_ACC_READ, &r), EPT_OK);
	CHECK_EQ(r.hpa, PG(10) + 0x123);
	CHECK_EQ(r.page_size, 4096);
	CHECK_EQ(r.memtype, EPT_MT_WB);
	CHECK(r.ipat);
	CHECK_EQ(r.perms, RWX);
	CHECK_EQ(writes, 4);
	CHECK(mem[4 * 512 + 3] & EPTE_A);
	CHECK(!(mem[4 * 512 + 3] & EPTE_D));
	CHECK_EQ(walk(&c, EPT_ACC_WRITE, &r), EPT_OK);
	CHECK(mem[4 * 512 + 3] & EPTE_D);
	/* Without EPTP A/D nothing is written. */
	c = ectx();
	c.eptp &= ~EPTP_AD;
	map4k(RWX, RWX, RWX, RWX);
	CHECK_EQ(walk(&c, EPT_ACC_WRITE, &r), EPT_OK);
	CHECK_EQ(writes, 0);
	/* 2M and 1G leaves. */
	c = ectx();
	mem[1 * 512] = PG(2) | RWX;
	mem[2 * 512 + 1] = PG(3) | RWX;
	mem[3 * 512 + 3] = (5ull << 21) | RWX | EPTE_PS | WB;
	CHECK_EQ(walk(&c, EPT_ACC_FETCH, &r), EPT_OK);
	CHECK_EQ(r.hpa, (5ull << 21) + (GPA & 0x1fffff));
	CHECK_EQ(r.page_size, 1 << 21);
	mem[2 * 512 + 1] = (3ull << 30) | RWX | EPTE_PS;
	CHECK_EQ(walk(&c, EPT_ACC_READ, &r), EPT_OK);
	CHECK_EQ(r.hpa, (3ull << 30) + (GPA & 0x3fffffff));
	CHECK_EQ(r.memtype, EPT_MT_UC);
	c.no_gbpages = true;
	CHECK_EQ(walk(&c, EPT_ACC_READ, &r), EPT_MISCONFIG);
	/* 5-level EPT. */
	c = ectx();
	c.eptp = PG(5) | EPT_MT_WB | (4ull << EPTP_PWL_SHIFT);
	mem[5 * 512] = PG(1) | RWX;
	map4k(RWX, RWX, RWX, RWX);
	CHECK_EQ(walk(&c, EPT_ACC_READ, &r), EPT_OK);
	CHECK_EQ(r.nlevels, 5);
}

TEST(ept_walk_violations)
{
	struct ept_ctx c = ectx();
	struct ept_result r;
	/* Permissions are the AND over the levels. */
	map4k(EPTE_R | EPTE_X, RWX, RWX, RWX);
	CHECK_EQ(walk(&c, EPT_ACC_WRITE, &r), EPT_VIOLATION);
	CHECK_EQ(r.exit_qual, EPT_ACC_WRITE | ((EPTE_R | EPTE_X) << 3));
	CHECK_EQ(writes, 0);
	CHECK_EQ(walk(&c, EPT_ACC_READ, &r), EPT_OK);
	map4k(RWX, RWX, EPTE_R | EPTE_W, RWX);
	CHECK_EQ(walk(&c, EPT_ACC_FETCH, &r), EPT_VIOLATION);
	CHECK_EQ(r.exit_qual, EPT_ACC_FETCH | ((EPTE_R | EPTE_W) << 3));
	/* Not present at a level: permission bits all 0, level reported;
	 * reserved bits in a not-present entry do not matter. */
	map4k(RWX, RWX, 1ull << 45, RWX);
	CHECK_EQ(walk(&c, EPT_ACC_READ, &r), EPT_VIOLATION);
	CHECK_EQ(r.exit_qual, EPT_ACC_READ);
	CHECK_EQ(r.level, 2);
	/* Execute-only, where supported: fetch yes, read no. */
	c = ectx();
	c.exec_only = true;
	map4k(RWX, RWX, RWX, EPTE_X);
	CHECK_EQ(walk(&c, EPT_ACC_FETCH, &r), EPT_OK);
	CHECK_EQ(walk(&c, EPT_ACC_READ, &r), EPT_VIOLATION);
	CHECK_EQ(r.exit_qual, EPT_ACC_READ | (EPTE_X << 3));
}

TEST(ept_walk_misconfigurations)
{
	struct ept_ctx c = ectx();
	struct ept_result r;
	/* W without R, W+X without R, X-only unsupported. */
	map4k(RWX, RWX, RWX, EPTE_W);
	CHECK_EQ(walk(&c, EPT_ACC_READ, &r), EPT_MISCONFIG);
	CHECK_EQ(r.bad_addr, PG(4) + 3 * 8);
	map4k(RWX, EPTE_W | EPTE_X, RWX, RWX);
	CHECK_EQ(walk(&c, EPT_ACC_READ, &r), EPT_MISCONFIG);
	map4k(RWX, RWX, RWX, EPTE_X);
	CHECK_EQ(walk(&c, EPT_ACC_FETCH, &r), EPT_MISCONFIG);
	/* Reserved memory types 2, 3, 7 in a leaf; bits 7:3 in non-leaf. */
	for (uint64_t mt = 0; mt < 8; mt++) {
		map4k(RWX, RWX, RWX, RWX | (mt << EPTE_MT_SHIFT));
		bool bad = mt == 2 || mt == 3 || mt == 7;
		CHECK_EQ(walk(&c, EPT_ACC_READ, &r), bad ? EPT_MISCONFIG : EPT_OK);
	}
	for (int b = 3; b <= 7; b++) {
		map4k(RWX | (1ull << b), RWX, RWX, RWX);
		CHECK_EQ(walk(&c, EPT_ACC_READ, &r), EPT_MISCONFIG);
	}
	/* Address bits at and above MAXPHYADDR; large-page low bits. */
	map4k(RWX, RWX, RWX, RWX | (1ull << 40));
	CHECK_EQ(walk(&c, EPT_ACC_READ, &r), EPT_MISCONFIG);
	map4k(RWX, RWX, RWX, RWX | (1ull << 39) | (1ull << 63) | 0xf00ull);
	CHECK_EQ(walk(&c, EPT_ACC_READ, &r), EPT_OK);
	mem[3 * 512 + 3] = (1ull << 21) | (1ull << 12) | RWX | EPTE_PS;
	CHECK_EQ(walk(&c, EPT_ACC_READ, &r), EPT_MISCONFIG);
	/* A misconfiguration higher up wins over a missing permission. */
	map4k(EPTE_R, RWX, RWX, EPTE_W);
	CHECK_EQ(walk(&c, EPT_ACC_WRITE, &r), EPT_MISCONFIG);
}

TEST(ept_walk_invalid_and_hostile)
{
	struct ept_ctx c = ectx();
	struct ept_result r;
	map4k(RWX, RWX, RWX, RWX);
	/* EPTP: memory type 1, walk length 2, reserved bit 7. */
	c.eptp = PG(1) | EPT_MT_WC | (3ull << EPTP_PWL_SHIFT);
	CHECK_EQ(walk(&c, EPT_ACC_READ, &r), EPT_INVALID);
	c.eptp = PG(1) | EPT_MT_WB | (1ull << EPTP_PWL_SHIFT);
	CHECK_EQ(walk(&c, EPT_ACC_READ, &r), EPT_INVALID);
	c.eptp = PG(1) | EPT_MT_WB | (3ull << EPTP_PWL_SHIFT) | (1ull << 7);
	CHECK_EQ(walk(&c, EPT_ACC_READ, &r), EPT_INVALID);
	c = ectx();
	map4k(RWX, RWX, RWX, RWX);
	CHECK_EQ(walk(&c, EPT_ACC_READ | EPT_ACC_WRITE, &r), EPT_INVALID);
	CHECK_EQ(ept_walk(&c, 1ull << 48, EPT_ACC_READ, &r), EPT_INVALID);
	/* Table outside memory; self-referencing tables. */
	mem[2 * 512 + 1] = (1ull << 38) | RWX;
	CHECK_EQ(walk(&c, EPT_ACC_READ, &r), EPT_BAD_ADDR);
	CHECK_EQ(r.bad_addr, (1ull << 38) + 3 * 8);
	c = ectx();
	for (int i = 0; i < 512; i++)
		mem[1 * 512 + i] = PG(1) | RWX;
	CHECK_EQ(ept_walk(&c, (1ull << 48) - 1, EPT_ACC_WRITE, &r), EPT_OK);
	CHECK_EQ(r.nlevels, 4);
	CHECK_EQ(r.hpa, PG(1) + 0xfff);
}
