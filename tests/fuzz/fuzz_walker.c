/* SPDX-License-Identifier: MIT */
/*
 * The guest page-table walker (shadow/walker.c) and the EPT walker
 * (shadow/ept_walk.c) over hostile tables: the input is the CPU mode, the
 * address and the access, then the contents of a small guest memory the
 * tables live in (entries that loop, point outside memory, set reserved
 * bits). Each walk is compared with the independent reference model of
 * tests/walker/ (differential fuzzing): same outcome, same translation,
 * same error code, same A/D writes.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "../../shadow/ept_walk.h"
#include "../../shadow/walker.h"
#include "../walker/ref_ept.h"
#include "../walker/ref_model.h"
#include "fuzz_input.h"

/* 8 frames: enough for a 5-level path plus strays, small enough that the
 * fuzzer finds table addresses inside it. */
#define MEM_BYTES (8 * 4096)

struct mem {
	uint64_t w[MEM_BYTES / 8];
};

static int mem_load(void *m, uint64_t pa, uint64_t *v)
{
	struct mem *mem = m;
	if (pa >= MEM_BYTES || (pa & 7))
		return -1;
	*v = mem->w[pa / 8];
	return 0;
}

/* The CPU's locked update: only if the entry is still old. */
static int walker_write(void *m, uint64_t gpa, uint64_t old, uint64_t new)
{
	struct mem *mem = m;
	if (gpa >= MEM_BYTES || (gpa & 7))
		return -1;
	if (mem->w[gpa / 8] != old)
		return 1;
	mem->w[gpa / 8] = new;
	return 0;
}

/* The model stores whole entries computed from what it read; the CPU
 * sets A/D with a locked OR. They differ where one entry serves several
 * levels of a walk (a table that points at itself, as recursive mappings
 * do): a later store of the upper level's value would drop the D the leaf
 * set. So the model's stores are applied as the CPU does: only the A/D
 * bits it adds (ad_bits: guest or EPT positions). */
static uint64_t ad_bits;

static void ref_store(void *m, uint64_t pa, uint64_t v)
{
	struct mem *mem = m;
	if (pa < MEM_BYTES && !(pa & 7))
		mem->w[pa / 8] |= v & ad_bits;
}

static struct mem mem_walker, mem_ref;

/* Where the two memories differ, and the walk that led there. */
static void report_writes(const struct walk_result *r)
{
	for (unsigned i = 0; i < MEM_BYTES / 8; i++)
		if (mem_walker.w[i] != mem_ref.w[i])
			fprintf(stderr, "fuzz: at %#x walker wrote %#" PRIx64
				", model %#" PRIx64 "\n", i * 8, mem_walker.w[i],
				mem_ref.w[i]);
	for (unsigned i = 0; i < r->nlevels && i < WALK_MAX_LEVELS; i++)
		fprintf(stderr, "fuzz: level %u entry at %#" PRIx64 " = %#" PRIx64 "\n",
			i, r->pte_gpa[i], r->pte[i]);
}

static void fuzz_guest_walk(struct fuzz_in *in, uint8_t mode)
{
	struct walk_ctx ctx = {0};
	struct ref_cpu cpu = {0};
	ctx.cr0_wp = cpu.wp = mode & 1;
	ctx.cr4_smep = cpu.smep = (mode >> 1) & 1;
	ctx.cr4_smap = cpu.smap = (mode >> 2) & 1;
	ctx.cr4_pke = cpu.pke = (mode >> 3) & 1;
	ctx.cr4_la57 = cpu.la57 = (mode >> 4) & 1;
	ctx.efer_nxe = cpu.nxe = (mode >> 5) & 1;
	ctx.eflags_ac = cpu.ac = (mode >> 6) & 1;
	ctx.no_gbpages = (mode >> 7) & 1;
	cpu.gbpages = !ctx.no_gbpages;
	uint8_t acc = fin_u8(in);
	ctx.cpl = cpu.cpl = acc & 3;
	struct ref_access ra = {(acc >> 2) & 1, (acc >> 3) & 1, (acc >> 4) & 1};
	unsigned access = (ra.write ? WALK_WRITE : 0) | (ra.fetch ? WALK_FETCH : 0) |
			  (ra.implicit ? WALK_IMPLICIT : 0) |
			  (ctx.cpl == 3 ? WALK_USER : 0);
	/* 36..52 bits, as CPUs have. */
	ctx.maxphyaddr = cpu.maxphyaddr = 36 + fin_u8(in) % 17;
	ctx.pkru = cpu.pkru = fin_u32(in);
	ctx.cr3 = cpu.cr3 = fin_u64(in);
	uint64_t gva = fin_u64(in);

	ctx.read_pte = mem_load;
	ctx.write_pte = walker_write;
	ctx.opaque = &mem_walker;
	ad_bits = PTE_A | PTE_D;
	struct walk_result r;
	enum walk_status st = walk_guest(&ctx, gva, access, &r);
	struct ref_out o;
	ref_translate(&cpu, gva, ra, mem_load, ref_store, &mem_ref, &o);

	/* The reference has no notion of a meaningless request. */
	if (st == WALK_INVALID) {
		FUZZ_ASSERT((ra.write && ra.fetch) || ctx.cpl > 3, "WALK_INVALID for a valid access");
		return;
	}
	FUZZ_ASSERT(st != WALK_RETRY, "retry without a concurrent writer");
	static const int kind_of[] = {
		[WALK_OK] = REF_OK, [WALK_PF] = REF_PF, [WALK_GP] = REF_GP,
		[WALK_BAD_GPA] = REF_BAD,
	};
	FUZZ_ASSERT(kind_of[st] == o.kind, "walker %s, model kind %d",
		    walk_status_name(st), o.kind);
	FUZZ_ASSERT(r.nlevels <= WALK_MAX_LEVELS, "%u levels", r.nlevels);
	if (st == WALK_PF)
		FUZZ_ASSERT(r.error_code == o.err, "error code walker %#x model %#x",
			    r.error_code, o.err);
	if (st == WALK_OK)
		FUZZ_ASSERT(r.gpa == o.pa && r.page_size == 1ull << o.size_shift,
			    "walker %#" PRIx64 "/%#" PRIx64 " model %#" PRIx64 "/%d",
			    r.gpa, r.page_size, o.pa, o.size_shift);
	if (memcmp(&mem_walker, &mem_ref, sizeof(mem_ref)))
		report_writes(&r);
	FUZZ_ASSERT(!memcmp(&mem_walker, &mem_ref, sizeof(mem_ref)),
		    "the A/D bits written differ");
}

static void fuzz_ept_walk(struct fuzz_in *in, uint8_t mode)
{
	struct ept_ctx ctx = {0};
	struct ref_ept_cfg cfg = {0};
	cfg.exec_only_ok = ctx.exec_only = mode & 1;
	cfg.gb_pages = (mode >> 1) & 1;
	ctx.no_gbpages = !cfg.gb_pages;
	int kind = (mode >> 2) % 3;
	ctx.maxphyaddr = cfg.maxphyaddr = 36 + fin_u8(in) % 17;
	/* The EPTP as given: its memory type, walk length and A/D bits are
	 * part of what is checked. */
	ctx.eptp = cfg.eptp = fin_u64(in);
	uint64_t gpa = fin_u64(in);
	ctx.read_pte = mem_load;
	ctx.write_pte = walker_write;
	ctx.opaque = &mem_walker;
	ad_bits = EPTE_A | EPTE_D;
	struct ept_result r;
	struct ref_ept_out o;
	enum ept_status st = ept_walk(&ctx, gpa, 1u << kind, &r);
	ref_ept_translate(&cfg, gpa, kind, mem_load, ref_store, &mem_ref, &o);
	FUZZ_ASSERT(st != EPT_RETRY, "retry without a concurrent writer");
	static const int kind_of[] = {
		[EPT_OK] = REPT_OK, [EPT_VIOLATION] = REPT_VIOLATION,
		[EPT_MISCONFIG] = REPT_MISCONFIG, [EPT_BAD_ADDR] = REPT_BAD,
		[EPT_INVALID] = REPT_INVALID,
	};
	FUZZ_ASSERT(kind_of[st] == o.kind, "EPT walker %d, model kind %d", st, o.kind);
	if (st == EPT_VIOLATION)
		FUZZ_ASSERT(r.exit_qual == o.qual, "qualification walker %#" PRIx64
			    " model %#" PRIx64, r.exit_qual, o.qual);
	if (st == EPT_OK)
		FUZZ_ASSERT(r.hpa == o.hpa && r.page_size == 1ull << o.size_shift &&
			    (int)r.memtype == o.memtype && (int)r.ipat == o.ipat,
			    "EPT walker %#" PRIx64 "/%#" PRIx64 " model %#" PRIx64 "/%d",
			    r.hpa, r.page_size, o.hpa, o.size_shift);
	FUZZ_ASSERT(!memcmp(&mem_walker, &mem_ref, sizeof(mem_ref)),
		    "the EPT A/D bits written differ");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	uint8_t sel = fin_u8(&in);
	uint8_t mode = fin_u8(&in);
	/* The choices first, then memory: the header is fixed-size so the
	 * tables stay where they are when the fuzzer mutates a choice. */
	uint8_t head[32];
	memset(head, 0, sizeof(head));
	struct fuzz_in h = in;
	if (in.n > sizeof(head)) {
		in.p += sizeof(head);
		in.n -= sizeof(head);
	} else {
		in.n = 0;
	}
	memset(&mem_walker, 0, sizeof(mem_walker));
	memcpy(&mem_walker, in.p, in.n < MEM_BYTES ? in.n : MEM_BYTES);
	mem_ref = mem_walker;
	if (h.n > sizeof(head))
		h.n = sizeof(head);
	if (sel & 1)
		fuzz_ept_walk(&h, mode);
	else
		fuzz_guest_walk(&h, mode);
	return 0;
}
