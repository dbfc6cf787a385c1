/* SPDX-License-Identifier: MIT */
/*
 * The hardware differential of the guest page-table walker (issue 4; see
 * docs/walker.md). Booted by umbra like a guest kernel, it runs seeded
 * combinations on the MMU it runs on: for each it builds the entries, sets
 * the control bits, makes the access at CPL 0 or 3, records the #PF (error
 * code, CR2) or the completed access, reads back every entry, and compares
 * with shadow/walker.c compiled into the same image and run on the same
 * tables beforehand. Bootargs: seed=N count=N first=N verbose=N print=N
 * access=N (only that ACC_* kind) la57=0|1 (only 4-level / 5-level).
 * Exit status: 0 when every combination agreed, 1 otherwise.
 */
#include "combo.h"

#include "../../shadow/walker.h"

void *memcpy(void *d, const void *s, size_t n);

#define DEFAULT_SEED  0x5eed0004ull
#define DEFAULT_COUNT 100000
#define PRINT_MAX     20 /* disagreements printed in full (print=N) */

#define CR0_WP   (1ull << 16)
#define CR4_PGE  (1ull << 7)
#define CR4_LA57 (1ull << 12)
#define CR4_SMEP (1ull << 20)
#define CR4_SMAP (1ull << 21)
#define CR4_PKE  (1ull << 22)
#define MSR_EFER 0xc0000080u
#define EFER_NXE (1ull << 11)
#define RFLAGS_AC (1ull << 18)
#define USER_BASE 0xffffff8000000000ull /* PML4 slot 511 */
#define IDMAP_SIZE (1ull << 30)

#define PAGE __attribute__((aligned(4096)))
static uint64_t pml5[512] PAGE, pml4[512] PAGE;
static uint64_t id_pdpt[512] PAGE, id_pd[512] PAGE;
static uint64_t u_pdpt[512] PAGE, u_pd[512] PAGE, u_pt[512] PAGE;
static uint64_t t_pml4[512] PAGE, t_pdpt[512] PAGE, t_pd[512] PAGE, t_pt[512] PAGE;
static uint8_t t_data[4096] PAGE;
static uint8_t acc_stack[4096] __attribute__((aligned(16)));

static struct cpu_features feat;
static uint64_t print_max = PRINT_MAX;

/*
 * The walker reads the live tables (VA == PA below 1 GiB) through an
 * overlay that takes its A/D write-backs, so a second walk (the write of an
 * implicit read+write) sees the first one's A bits, and the tables stay
 * untouched for the MMU.
 */
struct overlay {
	unsigned n;
	uint64_t gpa[8], val[8];
};

static int ovl_read(void *opaque, uint64_t gpa, uint64_t *val)
{
	const struct overlay *o = opaque;
	if (gpa >= IDMAP_SIZE || (gpa & 7))
		return -1;
	for (unsigned i = 0; i < o->n; i++) {
		if (o->gpa[i] == gpa) {
			*val = o->val[i];
			return 0;
		}
	}
	*val = *(volatile uint64_t *)gpa;
	return 0;
}

static int ovl_write(void *opaque, uint64_t gpa, uint64_t old, uint64_t new)
{
	struct overlay *o = opaque;
	uint64_t cur;
	if (ovl_read(o, gpa, &cur))
		return -1;
	if (cur != old)
		return 1;
	for (unsigned i = 0; i < o->n; i++) {
		if (o->gpa[i] == gpa) {
			o->val[i] = new;
			return 0;
		}
	}
	if (o->n == 8)
		return -1;
	o->gpa[o->n] = gpa;
	o->val[o->n++] = new;
	return 0;
}

static void paging_init(void)
{
	const uint64_t tbl = PTE_P | PTE_RW;
	pml4[0] = (uint64_t)id_pdpt | tbl;
	id_pdpt[0] = (uint64_t)id_pd | tbl;
	for (uint64_t i = 0; i < 512; i++)
		id_pd[i] = (i << 21) | tbl | PTE_PS;
	/* The stubs' page(s), user-accessible at USER_BASE. */
	pml4[511] = (uint64_t)u_pdpt | tbl | PTE_US;
	u_pdpt[0] = (uint64_t)u_pd | tbl | PTE_US;
	u_pd[0] = (uint64_t)u_pt | tbl | PTE_US;
	uint64_t ut = (uint64_t)__user_text_start;
	for (uint64_t i = 0; ut + i * 4096 < (uint64_t)__user_text_end; i++)
		u_pt[i] = (ut + i * 4096) | PTE_P | PTE_US;
	/* For 5-level paging: the same address space under PML5 slots 0 and
	 * 511 (the user alias 0xffffff8000000000 is in PML5 slot 511). */
	pml5[0] = (uint64_t)pml4 | tbl;
	pml5[511] = (uint64_t)pml4 | tbl | PTE_US;
	write_cr3((uint64_t)pml4);
}

/* The live root: the PML4, or the PML5 once enter_la57() ran. */
static uint64_t root = 0;

static uint64_t user_va(const char *stub)
{
	return USER_BASE + (uint64_t)(stub - __user_text_start);
}

/* The address of entry i (0 = PML4E) of a combination. */
static uint64_t slot_gpa(const struct combo *c, unsigned i)
{
	static uint64_t *const tables[6] = {0, t_pt, t_pd, t_pdpt, t_pml4, pml5};
	unsigned level = c->levels - i;
	uint64_t *t = level == c->levels ? (uint64_t *)root : tables[level];
	return (uint64_t)&t[c->idx[i]];
}

/* The control bits, written only when they change (each write may exit to
 * the hypervisor). */
static struct {
	uint64_t cr0, cr4, efer;
	uint32_t pkru;
	bool pkru_known;
} cur;

static void set_state(const struct combo *c)
{
	uint64_t cr0 = c->wp ? cur.cr0 | CR0_WP : cur.cr0 & ~CR0_WP;
	uint64_t cr4 = cur.cr4 & ~(CR4_SMEP | CR4_SMAP | CR4_PKE | CR4_PGE);
	cr4 |= (c->smep ? CR4_SMEP : 0) | (c->smap ? CR4_SMAP : 0) |
	       (c->pke ? CR4_PKE : 0);
	uint64_t efer = c->nxe ? cur.efer | EFER_NXE : cur.efer & ~EFER_NXE;
	if (cr0 != cur.cr0)
		write_cr0(cur.cr0 = cr0);
	if (cr4 != cur.cr4) {
		write_cr4(cur.cr4 = cr4);
		cur.pkru_known = false;
	}
	if (efer != cur.efer)
		wrmsr(MSR_EFER, cur.efer = efer);
	if (c->pke && (!cur.pkru_known || cur.pkru != c->pkru)) {
		wrpkru(cur.pkru = c->pkru);
		cur.pkru_known = true;
	}
}

/* What the MMU did. */
struct hw_result {
	bool done;          /* the access completed ("int $0x80" reached) */
	uint64_t vector, error, rip, cr2;
	uint64_t ent[5];    /* entries read back, top level first */
};

static void run_hw(const struct combo *c, struct hw_result *h)
{
	static const char *const stubs[ACC_N] = {
		acc_read, acc_write, acc_fetch, acc_implicit, acc_implicit};
	const char *stub = stubs[c->access];
	uint64_t rflags = 0x2 | (c->ac ? RFLAGS_AC : 0);
	if (c->cpl == 3)
		run_access(user_va(stub), USER_CS, rflags,
			   USER_BASE + 0x1000, USER_DS, c->gva);
	else
		run_access((uint64_t)stub, KERNEL_CS, rflags,
			   (uint64_t)(acc_stack + sizeof(acc_stack)), KERNEL_DS, c->gva);
	h->vector = ev_vector;
	h->error = ev_error;
	h->rip = ev_rip;
	h->cr2 = ev_cr2;
	h->done = ev_vector == VEC_DONE;
}

/* What the walker says: the result of the (last) walk and every entry
 * after its A/D write-backs. */
struct model {
	struct walk_result w;
	uint64_t ent[5];
	bool second;        /* the fault is the write of an implicit read+write */
};

static void run_model(const struct combo *c, bool smap, struct model *m)
{
	struct overlay o = {0};
	struct walk_ctx ctx = {
		.cr3 = root, .cr4_la57 = c->levels == 5,
		.cr0_wp = c->wp, .cr4_smep = c->smep,
		.cr4_smap = smap, .cr4_pke = c->pke, .efer_nxe = c->nxe,
		.eflags_ac = c->ac, .no_gbpages = !feat.gbpages,
		.pkru = c->pkru, .maxphyaddr = feat.maxphyaddr, .cpl = c->cpl,
		.read_pte = ovl_read, .write_pte = ovl_write, .opaque = &o,
	};
	static const unsigned acc[ACC_N] = {
		0, WALK_WRITE, WALK_FETCH, WALK_IMPLICIT, WALK_IMPLICIT};
	unsigned a = acc[c->access] | (c->cpl == 3 ? WALK_USER : 0);

	m->second = false;
	walk_guest(&ctx, c->gva, a, &m->w);
	if (c->access == ACC_IWRITE && m->w.status == WALK_OK) {
		m->second = true;
		walk_guest(&ctx, c->gva, a | WALK_WRITE, &m->w);
	}
	for (unsigned i = 0; i < c->nlevels; i++)
		ovl_read(&o, slot_gpa(c, i), &m->ent[i]);
}

/* Outcome classes, for the counts. */
enum { OUT_OK, OUT_NP, OUT_RSVD, OUT_PROT, OUT_PK, OUT_N };
static const char *const out_names[OUT_N] = {
	"translated", "not-present", "reserved-bit", "protection", "protection-key"};

static unsigned outcome(const struct walk_result *w)
{
	if (w->status == WALK_OK)
		return OUT_OK;
	if (!(w->error_code & PFERR_P))
		return OUT_NP;
	if (w->error_code & PFERR_RSVD)
		return OUT_RSVD;
	return (w->error_code & PFERR_PK) ? OUT_PK : OUT_PROT;
}


static void print_entries(const char *who, const uint64_t *e,
			  const struct combo *c)
{
	con_printf("    %s:", who);
	for (unsigned i = 0; i < c->nlevels; i++)
		con_printf(" %s=0x%lx", level_names[c->levels - i], e[i]);
	con_printf("\n");
}

/*
 * Known deviations of the MMU under test from the SDM, counted by name and
 * never silently: a combination whose only differences are these is
 * "agreed with a known deviation"; anything else fails. See docs/walker.md
 * ("Hardware differential") for the evidence.
 */
enum { DEV_RSVD_NO_P, DEV_1G_LEAF_A, DEV_IMPLICIT_AC, DEV_N };
static const char *const dev_names[DEV_N] = {
	/* SDM §4.7: RSVD "can be set only if bit 0 is also set". QEMU TCG's
	 * mmu_translate() reports reserved-bit faults with P=0. */
	"tcg-rsvd-without-P",
	/* The leaf of a faulting walk keeps A=0 (and does so for 4K and 2M
	 * leaves on TCG too); TCG sets A in a 1G PDPTE before checking its
	 * reserved bits 29:13 and the access rights. */
	"tcg-1G-leaf-A-on-fault",
	/* SDM §4.6.1: with CR4.SMAP=1, implicit supervisor-mode accesses to
	 * user pages are refused whatever EFLAGS.AC; TCG lets EFLAGS.AC=1 at
	 * CPL < 3 disable SMAP for them too (cpu_mmu_index_kernel()). The
	 * MMU must then equal the walker with SMAP off, exactly. */
	"tcg-implicit-access-honours-AC",
};

static struct {
	uint64_t run, agreed, disagreed;
	uint64_t out[OUT_N];
	uint64_t size[3], cpl[2], access[ACC_N], levels[2];
	uint64_t upper_a;  /* faulting walks where the MMU set A above the fault */
	uint64_t ad_writes;
	uint64_t skipped[SKIP_N];
	uint64_t deviating; /* agreed only up to known deviations */
	uint64_t dev[DEV_N];
} st;

/* Compares; returns true when the MMU and the walker agree, up to the known
 * deviations in *devs (DEV_* bits). *upper_a is set when the MMU set A in
 * entries above the faulting one, which the SDM allows (§4.8). */
static bool compare(const struct combo *c, const struct model *m,
		    const struct hw_result *h, const char **why, bool *upper_a,
		    unsigned *devs)
{
	const struct walk_result *w = &m->w;
	*upper_a = false;
	*devs = 0;
	if (w->status == WALK_OK) {
		if (!h->done) {
			*why = "the walker translates, the MMU faulted";
			return false;
		}
		/* The "int $0x80" that ends the access: after the stub's access
		 * or, for a fetch, in the target itself. */
		static const char *const ends[ACC_N] = {
			acc_read_end, acc_write_end, NULL, acc_implicit_end,
			acc_implicit_end};
		uint64_t expect_rip = c->gva + 2;
		if (c->access != ACC_FETCH)
			expect_rip = c->cpl == 3 ? user_va(ends[c->access]) :
						   (uint64_t)ends[c->access];
		if (h->rip != expect_rip) {
			*why = "the access ended somewhere unexpected";
			return false;
		}
		for (unsigned i = 0; i < c->nlevels; i++) {
			if (h->ent[i] != m->ent[i]) {
				*why = "A/D bits differ";
				return false;
			}
		}
		return true;
	}
	if (w->status != WALK_PF) {
		*why = "the walker did not give a translation or a #PF";
		return false;
	}
	if (h->done || h->vector != 14) {
		*why = h->done ? "the walker faults, the MMU translated" :
				 "the MMU raised another exception";
		return false;
	}
	if (h->error != w->error_code) {
		if ((w->error_code & PFERR_RSVD) &&
		    h->error == (w->error_code & ~PFERR_P)) {
			*devs |= 1u << DEV_RSVD_NO_P;
		} else {
			*why = "error codes differ";
			return false;
		}
	}
	/* The write that sets a descriptor's accessed bit may report any
	 * address in the descriptor (TCG writes its upper half). */
	if (m->second ? h->cr2 - c->gva > 7 : h->cr2 != c->gva) {
		*why = "CR2 is not the address";
		return false;
	}
	/* The walker writes no A/D for a faulting walk. The CPU sets A in the
	 * entries it used above the faulting one (SDM §4.8); nothing else may
	 * change. */
	unsigned fault_i = c->levels - w->level; /* the top level is index 0 */
	for (unsigned i = 0; i < c->nlevels; i++) {
		uint64_t before = m->ent[i], after = h->ent[i];
		if (after == before)
			continue;
		if (i < fault_i && after == (before | PTE_A)) {
			*upper_a = true;
			continue;
		}
		if (i == fault_i && c->size == SZ_1G && i == c->nlevels - 1 &&
		    feat.gbpages && after == (before | PTE_A)) {
			*devs |= 1u << DEV_1G_LEAF_A;
			continue;
		}
		*why = "A/D bits changed by a faulting access";
		return false;
	}
	return true;
}

static void run_one(const struct combo *c, uint64_t verbose)
{
	uint64_t *slot[5];
	for (unsigned i = 0; i < c->nlevels; i++) {
		slot[i] = (uint64_t *)slot_gpa(c, i);
		*slot[i] = c->ent[i];
	}
	/* The target: "int $0x80" (cd 80) for a fetch, restored after
	 * writes; for an implicit access a DPL 3 data-segment descriptor,
	 * accessed or not, in LDT slot 0. */
	uint64_t off = c->gva & 0xfff;
	if (c->access >= ACC_IREAD) {
		uint64_t desc = c->access == ACC_IREAD ? 0x00cff3000000ffffull :
							 0x00cff2000000ffffull;
		memcpy(&t_data[off], &desc, 8);
		cpu_set_ldt(c->gva);
	} else {
		t_data[off] = 0xcd;
		t_data[off + 1] = 0x80;
	}

	struct model m;
	run_model(c, c->smap, &m);

	set_state(c);
	/* Drop every cached translation of the previous combination. */
	write_cr3(root);
	invlpg(c->gva);

	struct hw_result h;
	run_hw(c, &h);
	for (unsigned i = 0; i < c->nlevels; i++) {
		h.ent[i] = *slot[i];
		*slot[i] = 0;
	}

	const char *why = "";
	bool upper_a;
	unsigned devs;
	bool ok = compare(c, &m, &h, &why, &upper_a, &devs);
	if (!ok && c->access >= ACC_IREAD && c->cpl < 3 && c->smap && c->ac) {
		/* Does the MMU equal the walker with SMAP off? */
		struct model m2;
		const char *why2;
		for (unsigned i = 0; i < c->nlevels; i++)
			*slot[i] = c->ent[i];
		run_model(c, false, &m2);
		for (unsigned i = 0; i < c->nlevels; i++)
			*slot[i] = 0;
		if (compare(c, &m2, &h, &why2, &upper_a, &devs)) {
			ok = true;
			devs |= 1u << DEV_IMPLICIT_AC;
		}
	}
	st.run++;
	st.out[outcome(&m.w)]++;
	st.size[c->size]++;
	st.levels[c->levels == 5]++;
	st.cpl[c->cpl == 3]++;
	st.access[c->access]++;
	if (m.w.status == WALK_OK)
		for (unsigned i = 0; i < c->nlevels; i++)
			st.ad_writes += m.ent[i] != c->ent[i];
	if (ok) {
		st.agreed++;
		st.upper_a += upper_a;
		if (devs)
			st.deviating++;
		for (unsigned k = 0; k < DEV_N; k++)
			st.dev[k] += (devs >> k) & 1;
	} else {
		st.disagreed++;
	}
	/* The first example of each known deviation is shown as evidence. */
	bool first_dev = false;
	for (unsigned k = 0; k < DEV_N; k++)
		if (ok && ((devs >> k) & 1) && st.dev[k] == 1)
			first_dev = true;
	if (ok && !verbose && !first_dev)
		return;
	if (!ok && st.disagreed > print_max)
		return;
	if (!ok) {
		con_printf("DISAGREE: %s\n", why);
	} else if (devs) {
		con_printf("agree up to known deviation(s):");
		for (unsigned k = 0; k < DEV_N; k++)
			if ((devs >> k) & 1)
				con_printf(" %s", dev_names[k]);
		con_printf("\n");
	} else {
		con_printf("agree\n");
	}
	combo_print(c);
	if (h.done)
		con_printf("    MMU: access completed\n");
	else
		con_printf("    MMU: vector %lu error code 0x%lx cr2 0x%lx rip 0x%lx\n",
			   h.vector, h.error, h.cr2, h.rip);
	con_printf("    walker: %s%s error code 0x%x level %u\n",
		   walk_status_name(m.w.status), m.second ? " (in the write)" : "",
		   m.w.error_code, m.w.level);
	print_entries("entries after (MMU)", h.ent, c);
	print_entries("entries after (walker)", m.ent, c);
}

void hw_main(const void *fdt);
void hw_main(const void *fdt)
{
	uint64_t seed = DEFAULT_SEED, count = DEFAULT_COUNT, first = 0, verbose = 0;
	uint64_t access = ~0ull, la57 = ~0ull;
	bootarg_u64(fdt, "seed", &seed);
	bootarg_u64(fdt, "count", &count);
	bootarg_u64(fdt, "first", &first);
	bootarg_u64(fdt, "verbose", &verbose);
	bootarg_u64(fdt, "print", &print_max);
	bootarg_u64(fdt, "access", &access);
	bootarg_u64(fdt, "la57", &la57);
	int la57_mode = la57 > 1 ? -1 : (int)la57;

	cpu_tables_init();
	cpu_features_read(&feat);
	paging_init();
	root = (uint64_t)pml4;
	cur.cr0 = read_cr0();
	cur.cr4 = read_cr4();
	cur.efer = rdmsr(MSR_EFER);

	con_printf("hwmmu: seed=0x%lx first=%lu count=%lu\n", seed, first, count);
	con_printf("hwmmu: CPU: SMEP=%u SMAP=%u PKU=%u NX=%u 1G=%u LA57=%u "
		   "MAXPHYADDR=%u\n", feat.smep, feat.smap, feat.pku, feat.nx,
		   feat.gbpages, feat.la57, feat.maxphyaddr);

	struct combo_layout lay = {
		.pml4 = (uint64_t)t_pml4, .pdpt = (uint64_t)t_pdpt,
		.pd = (uint64_t)t_pd, .pt = (uint64_t)t_pt,
		.data = (uint64_t)t_data,
	};
	int acc = access < ACC_N ? (int)access : -1;
	/* The 4-level combinations first; then, since CR4.LA57 cannot change
	 * in long mode, one trip through 32-bit mode with paging off into
	 * 5-level paging (enter_la57 in head.S) for the others. */
	uint64_t n5 = 0;
	for (uint64_t i = first; i < first + count; i++) {
		struct combo c;
		combo_make(&c, seed, i, &lay, &feat, acc, la57_mode, st.skipped);
		if (c.levels == 4)
			run_one(&c, verbose);
		else
			n5++;
	}
	if (n5) {
		enter_la57((uint64_t)pml5);
		root = (uint64_t)pml5;
		if (!(read_cr4() & CR4_LA57)) {
			con_printf("hwmmu: CR4.LA57 did not stick\n");
			hw_exit(2);
		}
		cur.cr4 = read_cr4();
		cur.cr0 = read_cr0();
		cur.pkru_known = false;
		for (uint64_t i = first; i < first + count; i++) {
			struct combo c;
			uint64_t dummy[SKIP_N];
			combo_make(&c, seed, i, &lay, &feat, acc, la57_mode, dummy);
			if (c.levels == 5)
				run_one(&c, verbose);
		}
	}

	/* Back to a plain state before reporting. */
	struct combo plain = {.wp = true, .nxe = false};
	set_state(&plain);

	con_printf("hwmmu: %lu combinations: %lu agreed (%lu of them only up to "
		   "a known deviation), %lu disagreed\n", st.run, st.agreed,
		   st.deviating, st.disagreed);
	con_printf("hwmmu: known deviations of this MMU from the SDM:");
	for (unsigned k = 0; k < DEV_N; k++)
		con_printf(" %s %lu%s", dev_names[k], st.dev[k], k + 1 < DEV_N ? "," : "\n");
	con_printf("hwmmu: walker outcomes:");
	for (unsigned k = 0; k < OUT_N; k++)
		con_printf(" %s %lu%s", out_names[k], st.out[k], k + 1 < OUT_N ? "," : "\n");
	con_printf("hwmmu: paging 4-level %lu, 5-level %lu; pages 4K %lu, 2M %lu, "
		   "1G %lu; CPL0 %lu, CPL3 %lu; "
		   "read %lu, write %lu, fetch %lu, implicit read %lu, implicit "
		   "read+write %lu\n", st.levels[0], st.levels[1],
		   st.size[0], st.size[1], st.size[2],
		   st.cpl[0], st.cpl[1], st.access[0], st.access[1], st.access[2],
		   st.access[3], st.access[4]);
	con_printf("hwmmu: A/D: %lu entries updated by translated accesses; "
		   "%lu faulting walks with A set above the faulting entry (SDM 4.8)\n",
		   st.ad_writes, st.upper_a);
	con_printf("hwmmu: skipped (feature not in CPUID, forced off):");
	for (unsigned k = 0; k < SKIP_N; k++)
		con_printf(" %s %lu%s", skip_names[k], st.skipped[k], k + 1 < SKIP_N ? "," : "\n");
	hw_exit(st.disagreed ? 1 : 0);
}
