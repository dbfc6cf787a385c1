/* SPDX-License-Identifier: MIT */
/*
 * Exhaustive comparison of shadow/walker.c with the independent reference
 * model (ref_model.c) over the permission space of kvm-unit-tests'
 * x86/access.c, extended with SMAP/AC, implicit supervisor accesses, 2M and
 * 1G pages, protection keys, and U/S, R/W at every level. Every combination
 * runs through both; the result kind, translated address, page size, #PF
 * error code and the A/D write-backs must agree. Disagreements are printed
 * as the combination. Ends with "N passed, N failed".
 *
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../shadow/walker.h"
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
	       "(%u table configurations x %d CPU settings x %d accesses) in %.1f s\n",
	       passed + failed, NTABLES, 2 * 2 * 2 * NSMAP * NPKU, NACC, secs);
	printf("  agreed: %" PRIu64 " translated, %" PRIu64 " not-present, %" PRIu64
		       " reserved-bit, %" PRIu64 " protection, %" PRIu64
		       " protection-key faults; %" PRIu64 " A/D write-backs\n",
		       ok, np, rs, pr, pk, wr);
	printf("%" PRIu64 " passed, %" PRIu64 " failed\n", passed, failed);
	return failed ? 1 : 0;
}
