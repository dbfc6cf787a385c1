/* SPDX-License-Identifier: MIT */
/*
 * Exhaustive comparison of shadow/walker.c with the independent reference
 * model (ref_model.c) over the permission space of kvm-unit-tests'
 * x86/access.c, extended with SMAP/AC, implicit supervisor accesses, 2M and
 * 1G pages, protection keys, and U/S, R/W at every level. Every combination
 * runs through both; the result kind, translated address, page size, #PF
 * error code and the A/D write-backs must agree. Disagreements are printed
 * as the combination. A second part does the same for shadow/ept_walk.c
 * against ref_ept.c. Ends with "N passed, N failed" (both parts).
 *
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../shadow/ept_walk.h"
#include "../../shadow/walker.h"
#include "ref_ept.h"
#include "ref_model.h"

#define NTHREADS 2
#define MAX_REPORT 10
#define MAXPHY 36 /* as access.c: bit 36 is the lowest reserved address bit */

/* Table layout: PML5 in page 0 (5-level runs only), PML4 in page 1, PDPT 2,
 * PD 3, PT 4; the address uses index 0, 1, 2, 3, 4 at those levels so a
 * wrong index reads a zero entry. */
#define MEM_PAGES 5
#define GVA ((1ull << 39) | (2ull << 30) | (3ull << 21) | (4ull << 12) | 0x567)
#define PML4E_GPA (1 * 4096 + 1 * 8)
#define PDPTE_GPA (2 * 4096 + 2 * 8)
#define PDE_GPA   (3 * 4096 + 3 * 8)
#define PTE_GPA   (4 * 4096 + 4 * 8)
static const uint64_t entry_gpa[4] = {PML4E_GPA, PDPTE_GPA, PDE_GPA, PTE_GPA};

enum { SZ_4K, SZ_2M, SZ_1G };
static const char *size_name[] = {"4K", "2M", "1G"};

/* The entry roles along the path:
 *  upper: non-leaf above the "mid" entry: P=1, A=0; R/W and U/S vary;
 *  mid:   the non-leaf right above the leaf: P R/W U/S A NX and one
 *         reserved bit (bit MAXPHY) vary;
 *  leaf:  P R/W U/S A D NX vary, and a reserved bit: none, bit MAXPHY, or
 *         (large pages) the low frame bit 13 (2M) / 29 (1G).
 * 4K: PML4E, PDPTE upper; PDE mid; PTE leaf.       2+2+6+6 bits, 2 rsvd
 * 2M: PML4E upper; PDPTE mid; PDE leaf (PS).        2+6+6 bits, 3 rsvd
 * 1G: PML4E mid; PDPTE leaf (PS).                   6+6 bits, 3 rsvd
 * 1G under 5-level paging: the same, below a PML5E upper (2 bits).      */
#define N4K (1u << 16) * 2
#define N2M (1u << 14) * 3
#define N1G (1u << 12) * 3
#define N1G5 (4 * N1G)
#define NTABLES (N4K + N2M + N1G + N1G5)

/* PKU settings (CR4.PKE, leaf key, PKRU bits of key 1): keys ignored without
 * PKE; AD/WD of the leaf's key; a PKRU denying another key than the leaf's. */
static const struct { int pke, key; uint32_t key1; } pku_opts[] = {
	{0, 0, 0}, {0, 1, 3}, {1, 1, 0}, {1, 1, 1}, {1, 1, 2}, {1, 1, 3}, {1, 0, 3},
};
#define NPKU (int)(sizeof(pku_opts) / sizeof(pku_opts[0]))

/* SMAP settings: off, on with AC=0, on with AC=1. */
#define NSMAP 3
/* Accesses: CPL 0/3 x {read, write, fetch, implicit read, implicit write}. */
#define NACC 10

struct combo {
	int size;
	int la57;
	uint64_t e5;          /* PML5E (la57 only) */
	uint64_t e[4];        /* PML4E PDPTE PDE PTE (unused ones 0) */
	int wp, nxe, smep, smap, pku, acc;
};

static const struct { int cpl, write, fetch, implicit; } accs[NACC] = {
	{0, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}, {0, 1, 0, 1},
	{3, 0, 0, 0}, {3, 1, 0, 0}, {3, 0, 1, 0}, {3, 0, 0, 1}, {3, 1, 0, 1},
};

/* Entry flags from a packed field: bit0 P, 1 RW, 2 US, 3 A, 4 NX. */
static uint64_t mid_entry(unsigned f, uint64_t next)
{
	return next | ((f & 1) ? PTE_P : 0) | ((f & 2) ? PTE_RW : 0) |
	       ((f & 4) ? PTE_US : 0) | ((f & 8) ? PTE_A : 0) |
	       ((f & 16) ? PTE_NX : 0) | ((f & 32) ? 1ull << MAXPHY : 0);
}

/* Leaf: bit0 P, 1 RW, 2 US, 3 A, 4 D, 5 NX; rsvd 0 none, 1 MAXPHY, 2 low. */
static uint64_t leaf_entry(unsigned f, unsigned rsvd, int size, uint64_t frame)
{
	uint64_t v = frame | ((f & 1) ? PTE_P : 0) | ((f & 2) ? PTE_RW : 0) |
		     ((f & 4) ? PTE_US : 0) | ((f & 8) ? PTE_A : 0) |
		     ((f & 16) ? PTE_D : 0) | ((f & 32) ? PTE_NX : 0);
	if (size != SZ_4K)
		v |= PTE_PS;
	if (rsvd == 1)
		v |= 1ull << MAXPHY;
	if (rsvd == 2)
		v |= size == SZ_2M ? 1ull << 13 : 1ull << 29;
	return v;
}

static uint64_t upper_entry(unsigned f, uint64_t next)
{
	return next | PTE_P | ((f & 1) ? PTE_RW : 0) | ((f & 2) ? PTE_US : 0);
}

/* Table configuration t -> entries. */
static void decode_table(unsigned t, struct combo *c)
{
	memset(c->e, 0, sizeof(c->e));
	c->la57 = 0;
	c->e5 = 0;
	if (t < N4K) {
		c->size = SZ_4K;
		c->e[0] = upper_entry(t & 3, 2 * 4096);
		c->e[1] = upper_entry((t >> 2) & 3, 3 * 4096);
		c->e[2] = mid_entry((t >> 4) & 63, 4 * 4096);
		c->e[3] = leaf_entry((t >> 10) & 63, (t >> 16) & 1, SZ_4K,
				     0x1234ull << 12);
		return;
	}
	t -= N4K;
	if (t < N2M) {
		c->size = SZ_2M;
		c->e[0] = upper_entry(t & 3, 2 * 4096);
		c->e[1] = mid_entry((t >> 2) & 63, 3 * 4096);
		c->e[2] = leaf_entry((t >> 8) & 63, t >> 14, SZ_2M, 7ull << 21);
		return;
	}
	t -= N2M;
	if (t >= N1G) {
		t -= N1G;
		c->la57 = 1;
		c->e5 = upper_entry(t & 3, 1 * 4096);
		t >>= 2;
	}
	c->size = SZ_1G;
	c->e[0] = mid_entry(t & 63, 2 * 4096);
	c->e[1] = leaf_entry((t >> 6) & 63, t >> 12, SZ_1G, 5ull << 30);
}

static int leaf_index(int size)
{
	return size == SZ_4K ? 3 : size == SZ_2M ? 2 : 1;
}

/* Per-thread memory image and write-back logs. Memory never changes: both
 * sides log their A/D write-backs, and the logs are compared. */
struct wlog {
	int n;
	uint64_t gpa[5], val[5];
};

struct worker {
	int id;
	uint64_t mem[MEM_PAGES * 512];
	struct wlog wlog, rlog;
	uint64_t passed, failed;
	uint64_t n_ok, n_notpresent, n_rsvd, n_prot, n_pk, n_writes;
	uint64_t e_passed, e_failed, e_ok, e_viol, e_misc;
	char ept_bad[MAX_REPORT][300];
	int nept_bad;
	struct combo bad[MAX_REPORT];
	char bad_why[MAX_REPORT][200];
	int nbad;
};

static int mem_read(void *opaque, uint64_t gpa, uint64_t *val)
{
	struct worker *w = opaque;
	if (gpa >= sizeof(w->mem) || (gpa & 7))
		return -1;
	*val = w->mem[gpa / 8];
	return 0;
}

static int walker_write(void *opaque, uint64_t gpa, uint64_t old, uint64_t new)
{
	struct worker *w = opaque;
	(void)old;
	if (w->wlog.n < 5) {
		w->wlog.gpa[w->wlog.n] = gpa;
		w->wlog.val[w->wlog.n] = new;
	}
	w->wlog.n++;
	return 0;
}

static int ref_load(void *m, uint64_t pa, uint64_t *v)
{
	return mem_read(m, pa, v);
}

static void ref_store(void *m, uint64_t pa, uint64_t v)
{
	struct worker *w = m;
	if (w->rlog.n < 5) {
		w->rlog.gpa[w->rlog.n] = pa;
		w->rlog.val[w->rlog.n] = v;
	}
	w->rlog.n++;
}

/* Same set of (gpa, value) writes, whatever the order. */
static int logs_equal(const struct wlog *a, const struct wlog *b)
{
	if (a->n != b->n || a->n > 5)
		return 0;
	for (int i = 0; i < a->n; i++) {
		int found = 0;
		for (int j = 0; j < b->n; j++)
			found |= a->gpa[i] == b->gpa[j] && a->val[i] == b->val[j];
		if (!found)
			return 0;
	}
	return 1;
}

static void run_one(struct worker *w, struct combo *c)
{
	const int acc_i = c->acc;
	struct walk_ctx ctx = {0};
	ctx.cr3 = c->la57 ? 0 : 1 * 4096;
	ctx.cr4_la57 = c->la57;
	ctx.cr0_wp = c->wp;
	ctx.efer_nxe = c->nxe;
	ctx.cr4_smep = c->smep;
	ctx.cr4_smap = c->smap != 0;
	ctx.eflags_ac = c->smap == 2;
	ctx.cr4_pke = pku_opts[c->pku].pke;
	ctx.pkru = pku_opts[c->pku].key1 << 2;
	ctx.maxphyaddr = MAXPHY;
	ctx.cpl = accs[acc_i].cpl;
	ctx.read_pte = mem_read;
	ctx.write_pte = walker_write;
	ctx.opaque = w;
	unsigned access = (accs[acc_i].write ? WALK_WRITE : 0) |
			  (accs[acc_i].fetch ? WALK_FETCH : 0) |
			  (accs[acc_i].implicit ? WALK_IMPLICIT : 0) |
			  (accs[acc_i].cpl == 3 ? WALK_USER : 0);

	struct ref_cpu cpu = {0};
	cpu.cr3 = c->la57 ? 0 : 1 * 4096;
	cpu.la57 = c->la57;
	cpu.wp = c->wp;
	cpu.nxe = c->nxe;
	cpu.smep = c->smep;
	cpu.smap = c->smap != 0;
	cpu.ac = c->smap == 2;
	cpu.pke = pku_opts[c->pku].pke;
	cpu.pkru = pku_opts[c->pku].key1 << 2;
	cpu.gbpages = 1;
	cpu.maxphyaddr = MAXPHY;
	cpu.cpl = accs[acc_i].cpl;
	struct ref_access ra = {accs[acc_i].write, accs[acc_i].fetch,
				accs[acc_i].implicit};

	struct walk_result r;
	struct ref_out o;
	w->wlog.n = 0;
	w->rlog.n = 0;
	walk_guest(&ctx, GVA, access, &r);
	ref_translate(&cpu, GVA, ra, ref_load, ref_store, w, &o);

	static const int kind_of[] = {
		[WALK_OK] = REF_OK, [WALK_PF] = REF_PF, [WALK_GP] = REF_GP,
		[WALK_BAD_GPA] = REF_BAD, [WALK_RETRY] = -1, [WALK_INVALID] = -1,
	};
	char why[200] = "";
	if (kind_of[r.status] != o.kind)
		snprintf(why, sizeof(why), "walker %s, model kind %d",
			 walk_status_name(r.status), o.kind);
	else if (o.kind == REF_PF && r.error_code != o.err)
		snprintf(why, sizeof(why), "error code walker %#x model %#x",
			 r.error_code, o.err);
	else if (o.kind == REF_OK &&
		 (r.gpa != o.pa || r.page_size != 1ull << o.size_shift))
		snprintf(why, sizeof(why),
			 "translation walker %#" PRIx64 "/%#" PRIx64
			 " model %#" PRIx64 "/%#llx",
			 r.gpa, r.page_size, o.pa, 1ull << o.size_shift);
	else if (!logs_equal(&w->wlog, &w->rlog))
		snprintf(why, sizeof(why), "A/D writes walker %d model %d",
			 w->wlog.n, w->rlog.n);

	if (why[0]) {
		if (w->nbad < MAX_REPORT) {
			w->bad[w->nbad] = *c;
			strcpy(w->bad_why[w->nbad], why);
			w->nbad++;
		}
		w->failed++;
		return;
	}
	w->passed++;
	w->n_writes += w->wlog.n;
	if (r.status == WALK_OK)
		w->n_ok++;
	else if (!(r.error_code & PFERR_P))
		w->n_notpresent++;
	else if (r.error_code & PFERR_RSVD)
		w->n_rsvd++;
	else if (r.error_code & PFERR_PK)
		w->n_pk++;
	else
		w->n_prot++;
}

/* --- EPT ------------------------------------------------------------------
 * Tables at the same addresses. Varied: R/W/X (8) of every entry; in the
 * non-leaf above the leaf one of {none, bit 7, bit 36} (bit 7 turns a PDE
 * or PDPTE into a page, and is reserved in a PML4E); in the leaf memory
 * type (8), ignore-PAT, preset A/D (4) and a reserved bit: none / 36 (and
 * for 2M/1G the low frame bits 12 and 20/29). 4K: 8*8*8*3 x leaf;
 * 2M: 8*8*3 x leaf; 1G: 8*3 x leaf. x execute-only support x EPT A/D
 * enable x 1G support x {read, write, fetch}. */
#define EPT_LEAF (8 * 8 * 2 * 4)
#define EN4K (8 * 8 * 8 * 3 * EPT_LEAF * 2)
#define EN2M (8 * 8 * 3 * EPT_LEAF * 4)
#define EN1G (8 * 3 * EPT_LEAF * 4)
#define ENTABLES (EN4K + EN2M + EN1G)
#define ENCFG (2 * 2 * 2 * 3)

static unsigned take(unsigned *t, unsigned n)
{
	unsigned v = *t % n;
	*t /= n;
	return v;
}

static void decode_ept(unsigned t, int *size, uint64_t e[4])
{
	static const uint64_t mid_rsvd[3] = {0, 1ull << 7, 1ull << MAXPHY};
	memset(e, 0, 4 * sizeof(e[0]));
	int sz = t < EN4K ? SZ_4K : t < EN4K + EN2M ? SZ_2M : SZ_1G;
	if (sz == SZ_2M)
		t -= EN4K;
	if (sz == SZ_1G)
		t -= EN4K + EN2M;
	int li = leaf_index(sz);
	uint64_t leaf = take(&t, 8);
	leaf |= (uint64_t)take(&t, 8) << EPTE_MT_SHIFT;
	leaf |= take(&t, 2) ? EPTE_IPAT : 0;
	leaf |= (uint64_t)take(&t, 4) << 8; /* A, D */
	unsigned r = take(&t, sz == SZ_4K ? 2 : 4);
	static const uint64_t low[3] = {0, 1ull << 20, 1ull << 29};
	leaf |= r == 1 ? 1ull << MAXPHY : r == 2 ? 1ull << 12 : r == 3 ? low[sz] : 0;
	if (sz != SZ_4K)
		leaf |= EPTE_PS;
	leaf |= sz == SZ_4K ? 0x1234ull << 12 : sz == SZ_2M ? 7ull << 21 : 5ull << 30;
	e[li] = leaf;
	for (int i = li - 1; i >= 0; i--) {
		e[i] = take(&t, 8) | (uint64_t)(i + 2) * 4096;
		if (i == li - 1)
			e[i] |= mid_rsvd[take(&t, 3)];
	}
	*size = sz;
}

static void run_ept(struct worker *w, unsigned t, int size, const uint64_t e[4],
		    int cfg)
{
	int xonly = cfg & 1, ad = (cfg >> 1) & 1, gb = (cfg >> 2) & 1;
	int kind = cfg >> 3;
	struct ept_ctx ctx = {0};
	ctx.eptp = 1 * 4096 | EPT_MT_WB | (3ull << EPTP_PWL_SHIFT) |
		   (ad ? EPTP_AD : 0);
	ctx.maxphyaddr = MAXPHY;
	ctx.exec_only = xonly;
	ctx.no_gbpages = !gb;
	ctx.read_pte = mem_read;
	ctx.write_pte = walker_write;
	ctx.opaque = w;
	struct ref_ept_cfg rc = {ctx.eptp, MAXPHY, xonly, gb};
	struct ept_result r;
	struct ref_ept_out o;
	uint64_t gpa = GVA & ((1ull << 48) - 1);

	w->wlog.n = 0;
	w->rlog.n = 0;
	ept_walk(&ctx, gpa, 1u << kind, &r);
	ref_ept_translate(&rc, gpa, kind, ref_load, ref_store, w, &o);

	static const int kind_of[] = {
		[EPT_OK] = REPT_OK, [EPT_VIOLATION] = REPT_VIOLATION,
		[EPT_MISCONFIG] = REPT_MISCONFIG, [EPT_BAD_ADDR] = REPT_BAD,
		[EPT_RETRY] = -1, [EPT_INVALID] = REPT_INVALID,
	};
	int bad = kind_of[r.status] != o.kind ||
		  (o.kind == REPT_VIOLATION && r.exit_qual != o.qual) ||
		  (o.kind == REPT_OK &&
		   (r.hpa != o.hpa || r.page_size != 1ull << o.size_shift ||
		    (int)r.memtype != o.memtype || (int)r.ipat != o.ipat)) ||
		  !logs_equal(&w->wlog, &w->rlog);
	if (bad) {
		if (w->nept_bad < MAX_REPORT) {
			static const char *names[] = {"PML4E", "PDPTE", "PDE", "PTE"};
			char *b = w->ept_bad[w->nept_bad++];
			int n = snprintf(b, 300, "  DISAGREE EPT %s page (t=%u):",
					 size_name[size], t);
			for (int i = 0; i <= leaf_index(size); i++)
				n += snprintf(b + n, 300 - n, " %s=%#" PRIx64,
					      names[i], e[i]);
			snprintf(b + n, 300 - n,
				 " X-only=%d A/D=%d 1G=%d %s -> walker %d/%#" PRIx64
				 " model %d/%#" PRIx64,
				 xonly, ad, gb, kind == 0 ? "read" : kind == 1 ? "write" : "fetch",
				 r.status, r.exit_qual, o.kind, o.qual);
		}
		w->e_failed++;
		return;
	}
	w->e_passed++;
	if (r.status == EPT_OK)
		w->e_ok++;
	else if (r.status == EPT_VIOLATION)
		w->e_viol++;
	else
		w->e_misc++;
}

static void worker_ept(struct worker *w)
{
	int size;
	uint64_t e[4];
	for (unsigned t = (unsigned)w->id; t < ENTABLES; t += NTHREADS) {
		decode_ept(t, &size, e);
		for (int i = 0; i < 4; i++)
			w->mem[entry_gpa[i] / 8] = e[i];
		for (int cfg = 0; cfg < ENCFG; cfg++)
			run_ept(w, t, size, e, cfg);
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct combo c;
	memset(w->mem, 0, sizeof(w->mem));
	for (unsigned t = (unsigned)w->id; t < NTABLES; t += NTHREADS) {
		decode_table(t, &c);
		int li = leaf_index(c.size);
		uint64_t leaf = c.e[li];
		for (int i = 0; i < 4; i++)
			w->mem[entry_gpa[i] / 8] = c.e[i];
		w->mem[0] = c.e5;
		for (c.pku = 0; c.pku < NPKU; c.pku++) {
			/* The leaf's protection key lives in the table. */
			c.e[li] = leaf | ((uint64_t)pku_opts[c.pku].key << PTE_PKEY_SHIFT);
			w->mem[entry_gpa[li] / 8] = c.e[li];
			for (int cpu = 0; cpu < 2 * 2 * 2 * NSMAP; cpu++) {
				c.wp = cpu & 1;
				c.nxe = (cpu >> 1) & 1;
				c.smep = (cpu >> 2) & 1;
				c.smap = cpu >> 3;
				for (c.acc = 0; c.acc < NACC; c.acc++)
					run_one(w, &c);
			}
		}
	}
	w->mem[0] = 0;
	worker_ept(w);
	return NULL;
}

/* An entry as hex and flags: P W U A D S(PS) X(NX), R for the reserved
 * address bit MAXPHY, L for a reserved low frame bit of a large page. */
static void flags(char *buf, size_t n, uint64_t e)
{
	snprintf(buf, n, "%#" PRIx64 "[%s%s%s%s%s%s%s%s%s]", e,
		 (e & PTE_P) ? "P" : "-", (e & PTE_RW) ? "W" : "-",
		 (e & PTE_US) ? "U" : "-", (e & PTE_A) ? "A" : "-",
		 (e & PTE_D) ? "D" : "-", (e & PTE_PS) ? "S" : "-",
		 (e & PTE_NX) ? "X" : "-",
		 (e & (1ull << MAXPHY)) ? "R" : "",
		 ((e & PTE_PS) && (e & ((1ull << 13) | (1ull << 29)))) ? "L" : "");
}

static void print_combo(const struct combo *c, const char *why)
{
	static const char *names[] = {"PML4E", "PDPTE", "PDE", "PTE"};
	printf("  DISAGREE %s page%s:", size_name[c->size],
	       c->la57 ? " (5-level)" : "");
	if (c->la57) {
		char b[64];
		flags(b, sizeof(b), c->e5);
		printf(" PML5E=%s", b);
	}
	for (int i = 0; i <= leaf_index(c->size); i++) {
		char b[64];
		flags(b, sizeof(b), c->e[i]);
		printf(" %s=%s", names[i], b);
	}
	printf(" CR0.WP=%d EFER.NXE=%d SMEP=%d SMAP=%d AC=%d PKE=%d key=%d PKRU=%#x"
	       " CPL=%d %s%s\n    -> %s\n",
	       c->wp, c->nxe, c->smep, c->smap != 0, c->smap == 2,
	       pku_opts[c->pku].pke, pku_opts[c->pku].key,
	       pku_opts[c->pku].key1 << 2, accs[c->acc].cpl,
	       accs[c->acc].implicit ? "implicit " : "",
	       accs[c->acc].write ? "write" : accs[c->acc].fetch ? "fetch" : "read",
	       why);
}

int main(void)
{
	static struct worker ws[NTHREADS];
	pthread_t th[NTHREADS];
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < NTHREADS; i++) {
		ws[i].id = i;
		if (pthread_create(&th[i], NULL, worker_main, &ws[i])) {
			perror("pthread_create");
			return 2;
		}
	}
	uint64_t passed = 0, failed = 0, ok = 0, np = 0, rs = 0, pr = 0, pk = 0,
		 wr = 0;
	int shown = 0;
	for (int i = 0; i < NTHREADS; i++) {
		pthread_join(th[i], NULL);
		passed += ws[i].passed;
		failed += ws[i].failed;
		ok += ws[i].n_ok;
		np += ws[i].n_notpresent;
		rs += ws[i].n_rsvd;
		pr += ws[i].n_prot;
		pk += ws[i].n_pk;
		wr += ws[i].n_writes;
		for (int j = 0; j < ws[i].nbad && shown < MAX_REPORT; j++, shown++)
			print_combo(&ws[i].bad[j], ws[i].bad_why[j]);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) +
		      (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("walker vs reference model: %" PRIu64 " combinations "
	       "(%u table configurations x %d CPU settings x %d accesses)\n",
	       passed + failed, NTABLES, 2 * 2 * 2 * NSMAP * NPKU, NACC);
	printf("  agreed: %" PRIu64 " translated, %" PRIu64 " not-present, %" PRIu64
		       " reserved-bit, %" PRIu64 " protection, %" PRIu64
		       " protection-key faults; %" PRIu64 " A/D write-backs\n",
		       ok, np, rs, pr, pk, wr);
	uint64_t ep = 0, ef = 0, eok = 0, ev = 0, em = 0;
	shown = 0;
	for (int i = 0; i < NTHREADS; i++) {
		ep += ws[i].e_passed;
		ef += ws[i].e_failed;
		eok += ws[i].e_ok;
		ev += ws[i].e_viol;
		em += ws[i].e_misc;
		for (int j = 0; j < ws[i].nept_bad && shown < MAX_REPORT; j++, shown++)
			printf("%s\n", ws[i].ept_bad[j]);
	}
	printf("EPT walker vs reference model: %" PRIu64 " combinations "
	       "(%u table configurations x %d settings x 3 accesses)\n",
	       ep + ef, (unsigned)ENTABLES, ENCFG / 3);
	printf("  agreed: %" PRIu64 " translated, %" PRIu64 " violations, %" PRIu64
	       " misconfigurations\n", eok, ev, em);
	passed += ep;
	failed += ef;
	printf("both parts in %.1f s on %d threads\n", secs, NTHREADS);
	printf("%" PRIu64 " passed, %" PRIu64 " failed\n", passed, failed);
	return failed ? 1 : 0;
}
