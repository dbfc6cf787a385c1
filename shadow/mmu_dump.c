/* SPDX-License-Identifier: MIT */
/*
 * The dump model (mmu_dump.h, docs/dump-format.md). Tables are read as
 * Linux's ptdump reads them: every present entry from the root down, and
 * consecutive pages with the same page size, flags and state are printed
 * as one range. Addresses are hex strings (JSON numbers lose bits past
 * 2^53); the whole dump is one line, so a file of dumps is JSON lines.
 */
#include "mmu_dump.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mmu_internal.h"

#define DEFAULT_MAX_ENTRIES (16u << 20)
#define DEFAULT_MAX_RANGES 50000
#define MAX_WRONG 64

/* Flags of a range, printed as "rwxuadg" with '-' for a clear one. */
#define F_W (1u << 0)
#define F_X (1u << 1)
#define F_U (1u << 2)
#define F_A (1u << 3)
#define F_D (1u << 4)
#define F_G (1u << 5)

static const char *const state_names[] = {
	"mapped", "shadowed", "swapped", "shared", "cow", "pinned", "discarded",
};

void dump_state_string(unsigned state, char *buf, size_t len)
{
	size_t pos = 0;
	if (len)
		buf[0] = '\0';
	for (unsigned i = 0; i < sizeof(state_names) / sizeof(state_names[0]); i++) {
		if (!(state & (1u << i)))
			continue;
		int n = snprintf(buf + pos, pos < len ? len - pos : 0, "%s%s",
				 pos ? "," : "", state_names[i]);
		if (n < 0 || pos + (size_t)n >= len)
			return;
		pos += (size_t)n;
	}
}

static void flags_string(unsigned flags, char out[8])
{
	const char *letters = "rwxuadg";
	out[0] = 'r';
	for (unsigned i = 0; i < 6; i++)
		out[i + 1] = (flags & (1u << i)) ? letters[i + 1] : '-';
	out[7] = '\0';
}

static const char *size_name(unsigned level)
{
	switch (level) {
	case 1: return "4K";
	case 2: return "2M";
	case 3: return "1G";
	case 4: return "512G";
	default: return "256T";
	}
}

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			fprintf(f, "\\u%04x", *p); /* bytes as Latin-1: always valid UTF-8 */
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

/* --- coalesced range lists --- */

/* A range without an address: p2m runs that are swapped or discarded. */
#define NO_ADDR UINT64_MAX

struct range {
	uint64_t start, end, phys;
	unsigned level, flags, state;
	uint64_t pages, prefetched, used;
};

struct rlist {
	FILE *f;
	bool open, any;
	struct range cur;
	unsigned n, max;
	bool *truncated;
	const char *phys_name; /* "phys" or "machine" */
};

static void rlist_begin(struct rlist *l, FILE *f, const char *key, unsigned max,
			bool *truncated, const char *phys_name)
{
	memset(l, 0, sizeof(*l));
	l->f = f;
	l->max = max;
	l->truncated = truncated;
	l->phys_name = phys_name;
	fprintf(f, "\"%s\":[", key);
}

static void rlist_flush(struct rlist *l)
{
	if (!l->open)
		return;
	l->open = false;
	if (l->n >= l->max) {
		*l->truncated = true;
		return;
	}
	const struct range *r = &l->cur;
	char fl[8], st[96];
	flags_string(r->flags, fl);
	dump_state_string(r->state, st, sizeof(st));
	fprintf(l->f, "%s{\"start\":\"0x%llx\",\"end\":\"0x%llx\",\"size\":\"%s\","
		"\"flags\":\"%s\",\"state\":\"%s\",", l->any ? "," : "",
		(unsigned long long)r->start, (unsigned long long)r->end,
		size_name(r->level), fl, st);
	if (r->phys != NO_ADDR)
		fprintf(l->f, "\"%s\":\"0x%llx\",", l->phys_name, (unsigned long long)r->phys);
	fprintf(l->f, "\"pages\":%llu", (unsigned long long)r->pages);
	if (r->prefetched)
		fprintf(l->f, ",\"prefetched\":%llu,\"prefetch_used\":%llu",
			(unsigned long long)r->prefetched, (unsigned long long)r->used);
	fputc('}', l->f);
	l->any = true;
	l->n++;
}

static void rlist_add(struct rlist *l, uint64_t va, uint64_t size, uint64_t phys,
		      unsigned level, unsigned flags, unsigned state,
		      bool prefetched, bool used)
{
	struct range *c = &l->cur;
	if (!(l->open && c->end == va && c->level == level && c->flags == flags &&
	      c->state == state)) {
		rlist_flush(l);
		*c = (struct range){.start = va, .end = va, .phys = phys,
				    .level = level, .flags = flags, .state = state};
		l->open = true;
	}
	c->end = va + size;
	c->pages += size >> 12;
	c->prefetched += prefetched;
	c->used += prefetched && used;
}

static void rlist_end(struct rlist *l)
{
	rlist_flush(l);
	fputc(']', l->f);
}

/* --- the guest tables --- */

struct dump {
	FILE *f;
	const struct dump_request *req;
	unsigned levels;
	bool nxe;
	int (*read64)(void *opaque, uint64_t gpa, uint64_t *val);
	void *opaque;
	uint64_t nr_gfns;
	uint64_t budget;
	unsigned max_ranges;
	bool truncated;
	uint8_t *refs;            /* per gfn: user mappings seen (saturating) */
	bool count_pass;
	/* shadow mode */
	struct shadow_mmu *mmu;
	struct shadow_as *as;
	/* per address space */
	struct rlist *out;
	uint64_t guest_pages, guest_tables, shadowed, swapped, shared, bad_entries;
	uint64_t shadow_pages, shadow_leaves;
};

static uint64_t span_of(unsigned level)
{
	return 1ull << level_shift(level);
}

static bool take_budget(struct dump *d, uint64_t n)
{
	if (d->budget < n) {
		d->budget = 0;
		d->truncated = true;
		return false;
	}
	d->budget -= n;
	return true;
}

/* The present shadow leaf mapping va in d->as, or 0. */
static uint64_t shadow_lookup(const struct dump *d, uint64_t va)
{
	struct kvm_mmu_page *sp = d->as ? d->as->root : NULL;
	while (sp) {
		uint64_t e = sp->spt[spte_index(va, sp->role.level)];
		if (!is_shadow_present_pte(e))
			return 0;
		if (is_last_spte(e, sp->role.level))
			return e;
		sp = spte_to_child(d->mmu, e);
	}
	return 0;
}

static bool pinned(const struct dump *d, uint64_t va)
{
	if (!d->mmu)
		return false;
	for (unsigned i = 0; i < d->mmu->nr_pins; i++)
		if (d->mmu->pins[i].start <= va && va <= d->mmu->pins[i].last)
			return true;
	return false;
}

static void guest_leaf(struct dump *d, uint64_t va, unsigned level, uint64_t e,
		       unsigned acc)
{
	uint64_t size = span_of(level);
	uint64_t phys = e & PTE_ADDR_MASK_52 & ~(size - 1);
	bool user = acc & ACC_USER;
	if (!take_budget(d, size >> 12))
		return;
	if (d->count_pass) {
		if (user)
			for (uint64_t p = phys; p < phys + size; p += 4096) {
				uint64_t gfn = p >> 12;
				if (gfn < d->nr_gfns && d->refs[gfn] < 255)
					d->refs[gfn]++;
			}
		return;
	}
	unsigned flags = ((acc & ACC_WRITE) ? F_W : 0) | ((acc & ACC_EXEC) ? F_X : 0) |
			 (user ? F_U : 0) | ((e & PTE_A) ? F_A : 0) |
			 ((e & PTE_D) ? F_D : 0) | ((e & PTE_G) ? F_G : 0);
	d->guest_pages += size >> 12;
	for (uint64_t off = 0; off < size; off += 4096) {
		unsigned state = DUMP_MAPPED;
		uint64_t gfn = (phys + off) >> 12;
		if (d->as && shadow_lookup(d, va + off)) {
			state |= DUMP_SHADOWED;
			d->shadowed++;
		}
		if (user && gfn < d->nr_gfns && d->refs[gfn] > 1) {
			state |= DUMP_SHARED;
			d->shared++;
			if (!(acc & ACC_WRITE))
				state |= DUMP_COW;
		}
		if (pinned(d, va + off))
			state |= DUMP_PINNED;
		rlist_add(d->out, va + off, 4096, phys + off, level, flags, state,
			  false, false);
	}
}

static void walk_table(struct dump *d, uint64_t table, unsigned level,
		       uint64_t base, unsigned acc)
{
	if (!d->count_pass)
		d->guest_tables++;
	for (unsigned i = 0; i < 512; i++) {
		bool top = level == d->levels;
		if (top && d->req->user_only && i >= 256)
			return;
		if (!take_budget(d, 1))
			return;
		uint64_t va = top ? root_entry_va(d->levels, i) : base + i * span_of(level);
		uint64_t e;
		if (d->read64(d->opaque, table + i * 8, &e)) {
			d->bad_entries++;
			return;
		}
		if (!(e & PTE_P)) {
			if (e && !d->count_pass) {
				d->swapped += span_of(level) >> 12;
				rlist_add(d->out, va, span_of(level), 0, level, 0,
					  DUMP_SWAPPED, false, false);
			}
			continue;
		}
		unsigned a = acc & guest_pte_access(e, d->nxe);
		if (level == 1 || ((level == 2 || level == 3) && (e & PTE_PS)))
			guest_leaf(d, va, level, e, a);
		else if (level > 3 && (e & PTE_PS))
			d->bad_entries++; /* reserved: the CPU would fault */
		else
			walk_table(d, e & PTE_ADDR_MASK_52, level - 1, va, a);
	}
}

/* --- the shadow tables --- */

static void walk_sp(struct dump *d, struct kvm_mmu_page *sp, uint64_t base,
		    struct rlist *out)
{
	unsigned level = sp->role.level;
	d->shadow_pages++;
	for (unsigned i = 0; i < 512; i++) {
		if (sp->root && d->req->user_only && i >= 256)
			return;
		uint64_t e = sp->spt[i];
		if (!is_shadow_present_pte(e))
			continue;
		if (!take_budget(d, 1))
			return;
		uint64_t va = sp->root ? root_entry_va(d->levels, i) : base + i * span_of(level);
		if (is_last_spte(e, level)) {
			uint64_t size = span_of(level);
			unsigned flags = ((e & PTE_RW) ? F_W : 0) | ((e & PTE_NX) ? 0 : F_X) |
					 ((e & PTE_US) ? F_U : 0) | ((e & PTE_A) ? F_A : 0) |
					 ((e & PTE_D) ? F_D : 0) | ((e & PTE_G) ? F_G : 0);
			unsigned state = DUMP_SHADOWED | (sp->pinned ? DUMP_PINNED : 0);
			d->shadow_leaves += size >> 12;
			rlist_add(out, va, size, spte_addr(e) & ~(size - 1), level, flags,
				  state, e & SPTE_PREFETCHED, e & PTE_A);
			continue;
		}
		struct kvm_mmu_page *child = spte_to_child(d->mmu, e);
		if (child)
			walk_sp(d, child, va, out);
	}
}

/* --- shadow-mode dump --- */

struct wrong {
	uint32_t asid;
	uint64_t gva, spte;
	unsigned level;
	const char *why;
};

struct wrong_list {
	struct wrong w[MAX_WRONG];
	unsigned n, total;
};

static void collect_wrong(void *opaque, uint32_t asid, uint64_t gva, unsigned level,
			  uint64_t spte, const char *why)
{
	struct wrong_list *l = opaque;
	if (l->n < MAX_WRONG)
		l->w[l->n++] = (struct wrong){asid, gva, spte, level, why};
	l->total++;
}

static int read_gpa(void *opaque, uint64_t gpa, uint64_t *val)
{
	return p2m_read64(opaque, gpa, val);
}

static bool selected(const struct dump_request *req, const struct shadow_as *as)
{
	return as->asid && (!req->asid || req->asid == as->asid) &&
	       (!req->guest_root || req->guest_root == as->guest_root);
}

static void header(FILE *f, const struct dump_request *req, const char *paging,
		   unsigned levels)
{
	fprintf(f, "{\"umbra_dump\":%d,\"seq\":%llu,\"reason\":", UMBRA_DUMP_VERSION,
		(unsigned long long)req->seq);
	json_string(f, req->reason ? req->reason : "unknown");
	fprintf(f, ",\"label\":");
	json_string(f, req->label ? req->label : "");
	fprintf(f, ",\"paging\":\"%s\",\"levels\":%u,\"user_only\":%s", paging, levels,
		req->user_only ? "true" : "false");
}

static void as_summary(FILE *f, const struct dump *d)
{
	fprintf(f, ",\"summary\":{\"guest_pages\":%llu,\"guest_tables\":%llu,"
		"\"shadowed_pages\":%llu,\"not_shadowed_pages\":%llu,\"swapped_pages\":%llu,"
		"\"shared_pages\":%llu,\"bad_entries\":%llu,\"shadow_pages\":%llu,"
		"\"shadow_leaf_pages\":%llu}",
		(unsigned long long)d->guest_pages, (unsigned long long)d->guest_tables,
		(unsigned long long)d->shadowed,
		(unsigned long long)(d->guest_pages - d->shadowed),
		(unsigned long long)d->swapped, (unsigned long long)d->shared,
		(unsigned long long)d->bad_entries, (unsigned long long)d->shadow_pages,
		(unsigned long long)d->shadow_leaves);
}

static void reset_as_counters(struct dump *d)
{
	d->guest_pages = d->guest_tables = d->shadowed = d->swapped = 0;
	d->shared = d->bad_entries = d->shadow_pages = d->shadow_leaves = 0;
}

/* The dump state of a gfn the host does not back now (0: absent, not
 * listed). */
static unsigned host_gone_state(enum p2m_gfn_state st)
{
	return st == P2M_GFN_SWAPPED ? DUMP_SWAPPED : st == P2M_GFN_DISCARDED ? DUMP_DISCARDED : 0;
}

/* The same for shadow mode's p2m, whose host-memory layer (when there is
 * one) keeps the state. */
static unsigned p2m_gone_state(const struct p2m *p2m, uint64_t gfn)
{
	if (!p2m->hm)
		return host_gone_state(p2m_gfn_state(p2m, gfn, NULL));
	return host_mem_state(p2m->hm, gfn) == HM_SWAPPED ? DUMP_SWAPPED
	       : host_mem_discarded(p2m->hm, gfn)       ? DUMP_DISCARDED
							 : 0;
}

static void dump_p2m(FILE *f, struct dump *d, const struct p2m *p2m)
{
	struct rlist l;
	rlist_begin(&l, f, "p2m", d->max_ranges, &d->truncated, "machine");
	uint64_t runs = 0, prev_m = 0;
	for (uint64_t gfn = 0; gfn < p2m->nr_gfns; gfn++) {
		uint64_t m;
		unsigned perms;
		if (p2m_lookup(p2m, gfn, &m, &perms)) {
			/* Host state of a gfn without a frame: the swap file's
			 * or the balloon's (absent ones are not listed). */
			unsigned gone = p2m_gone_state(p2m, gfn);
			if (gone)
				rlist_add(&l, gfn << 12, 4096, NO_ADDR, 1, 0, gone, false, false);
			continue;
		}
		unsigned flags = ((perms & EPTE_W) ? F_W : 0) | ((perms & EPTE_X) ? F_X : 0);
		/* A read-only frame is shared by the host: written, it is copied. */
		unsigned state = DUMP_MAPPED | ((perms & EPTE_W) ? 0 : DUMP_COW);
		rlist_add(&l, gfn << 12, 4096, m, 1, flags, state, false, false);
		if (l.cur.pages == 1 || m != prev_m + 4096)
			runs++;
		prev_m = m;
	}
	rlist_end(&l);
	fprintf(f, ",\"p2m_machine_runs\":%llu", (unsigned long long)runs);
}

static void rmap_stats(FILE *f, const struct shadow_mmu *mmu)
{
	uint64_t heads = 0, heads_2m = 0, entries = 0, multi = 0, max = 0;
	for (uint64_t gfn = 0; gfn < mmu->p2m->nr_gfns; gfn++)
		for (unsigned level = 1; level <= 2; level++) {
			if (level == 2 && gfn % FRAMES_PER_2M)
				continue;
			unsigned n = rmap_entries(mmu, gfn, level);
			if (!n)
				continue;
			heads++;
			heads_2m += level == 2;
			entries += n;
			multi += n > 1;
			if (n > max)
				max = n;
		}
	fprintf(f, ",\"rmap\":{\"gfns\":%llu,\"gfns_2m\":%llu,\"entries\":%llu,"
		"\"gfns_mapped_more_than_once\":%llu,\"max_entries_per_gfn\":%llu}",
		(unsigned long long)heads, (unsigned long long)heads_2m,
		(unsigned long long)entries, (unsigned long long)multi,
		(unsigned long long)max);
}

static void stats_json(FILE *f, struct shadow_mmu *mmu)
{
	struct shadow_stats s;
	shadow_get_stats(mmu, &s);
#define S(name) fprintf(f, "%s\"" #name "\":%llu", first ? "" : ",", \
			(unsigned long long)s.name), first = false
	bool first = true;
	fprintf(f, ",\"stats\":{");
	S(faults_handled); S(faults_reflected); S(faults_spurious); S(fills);
	S(fills_2m); S(prefetched); S(prefetch_used); S(zaps); S(wrprotects);
	S(sp_created); S(sp_evicted); S(sp_freed); S(roots_created);
	S(roots_evicted); S(root_switches); S(invalidations); S(ring_ops);
	S(tlb_flushes); S(p2m_zaps); S(hostile); S(audit_findings); S(pin_fills);
#undef S
	fprintf(f, "}");
}

int shadow_dump(struct shadow_mmu *mmu, const struct dump_request *req, FILE *f)
{
	struct dump d = {
		.f = f, .req = req, .levels = mmu->levels, .nxe = mmu->cfg.efer_nxe,
		.read64 = read_gpa, .opaque = mmu->p2m, .nr_gfns = mmu->p2m->nr_gfns,
		.budget = req->max_entries ? req->max_entries : DEFAULT_MAX_ENTRIES,
		.max_ranges = req->max_ranges ? req->max_ranges : DEFAULT_MAX_RANGES,
		.mmu = mmu,
	};
	d.refs = calloc(d.nr_gfns ? d.nr_gfns : 1, 1);
	struct wrong_list *wrong = calloc(1, sizeof(*wrong));
	if (!d.refs || !wrong) {
		free(d.refs);
		free(wrong);
		return -ENOMEM;
	}
	/* Pass 1: which frames more than one user mapping shares. */
	d.count_pass = true;
	for (unsigned i = 0; i < mmu->nr_as; i++)
		if (selected(req, mmu->as[i]))
			walk_table(&d, mmu->as[i]->guest_root, d.levels, 0, ACC_ALL);
	d.count_pass = false;
	shadow_audit(mmu, collect_wrong, wrong);

	header(f, req, "shadow", mmu->levels);
	fprintf(f, ",\"memory\":{\"guest_ram_bytes\":%llu,\"p2m_populated_pages\":%llu,"
		"\"p2m_table_pages\":%u,\"pool_frames\":%llu,\"pool_free_frames\":%llu,"
		"\"shadow_pages\":%u,\"shadow_budget\":%u,\"roots\":%u,\"max_roots\":%u}",
		(unsigned long long)(d.nr_gfns << 12),
		(unsigned long long)mmu->p2m->nr_populated, mmu->p2m->nr_nodes,
		(unsigned long long)mmu->pool->nframes, (unsigned long long)mmu->pool->nfree,
		mmu->nr_sps, mmu->budget, mmu->nr_roots, mmu->cfg.max_roots);
	stats_json(f, mmu);
	rmap_stats(f, mmu);
	fprintf(f, ",\"pins\":[");
	for (unsigned i = 0; i < mmu->nr_pins; i++)
		fprintf(f, "%s{\"start\":\"0x%llx\",\"end\":\"0x%llx\"}", i ? "," : "",
			(unsigned long long)mmu->pins[i].start,
			(unsigned long long)mmu->pins[i].last + 1);
	fprintf(f, "],\"vcpus\":[");
	for (unsigned v = 0; v < mmu->nr_vcpus; v++)
		fprintf(f, "%s{\"id\":%u,\"asid\":%u}", v ? "," : "", v,
			shadow_current_asid(mmu, v));
	fprintf(f, "],\"address_spaces\":[");
	bool first = true;
	for (unsigned i = 0; i < mmu->nr_as; i++) {
		struct shadow_as *as = mmu->as[i];
		if (!selected(req, as))
			continue;
		reset_as_counters(&d);
		d.as = as;
		fprintf(f, "%s{\"asid\":%u,\"guest_root\":\"0x%llx\",\"shadow_root\":",
			first ? "" : ",", as->asid, (unsigned long long)as->guest_root);
		first = false;
		if (as->root)
			fprintf(f, "\"0x%llx\"", (unsigned long long)as->root->maddr);
		else
			fprintf(f, "null");
		fprintf(f, ",\"dying\":%s,\"vcpus\":[", as->dying ? "true" : "false");
		bool fv = true;
		for (unsigned v = 0; v < mmu->nr_vcpus; v++)
			if (mmu->vcpu[v].current == as) {
				fprintf(f, "%s%u", fv ? "" : ",", v);
				fv = false;
			}
		fprintf(f, "],");
		struct rlist gl, sl;
		rlist_begin(&gl, f, "guest", d.max_ranges, &d.truncated, "phys");
		d.out = &gl;
		walk_table(&d, as->guest_root, d.levels, 0, ACC_ALL);
		rlist_end(&gl);
		fputc(',', f);
		rlist_begin(&sl, f, "shadow", d.max_ranges, &d.truncated, "machine");
		if (as->root)
			walk_sp(&d, as->root, 0, &sl);
		rlist_end(&sl);
		as_summary(f, &d);
		unsigned nw = 0;
		fprintf(f, ",\"diff\":[");
		for (unsigned k = 0; k < wrong->n; k++) {
			const struct wrong *w = &wrong->w[k];
			if (w->asid != as->asid)
				continue;
			fprintf(f, "%s{\"va\":\"0x%llx\",\"level\":%u,\"spte\":\"0x%llx\",\"why\":",
				nw++ ? "," : "", (unsigned long long)w->gva, w->level,
				(unsigned long long)w->spte);
			json_string(f, w->why);
			fputc('}', f);
		}
		fprintf(f, "]}");
	}
	fprintf(f, "],\"diff_total\":%u,", wrong->total);
	if (mmu->trace) {
		fprintf(f, "\"trace\":");
		shadow_trace_json(mmu, f);
		fputc(',', f);
	}
	d.as = NULL;
	dump_p2m(f, &d, mmu->p2m);
	fprintf(f, ",\"truncated\":%s}\n", d.truncated ? "true" : "false");
	free(d.refs);
	free(wrong);
	return ferror(f) ? -EIO : 0;
}

/* --- tdp-mode dump --- */

/* Guest RAM by host state (RAM backed on demand): present runs with the
 * VMM's address (merged ones copy-on-write), swapped and discarded runs;
 * never-backed gfns are left out, as the shadow p2m leaves them. */
static void tdp_dump_p2m(FILE *f, struct dump *d, const struct tdp_dump_src *src)
{
	struct rlist l;
	rlist_begin(&l, f, "p2m", d->max_ranges, &d->truncated, "host");
	for (unsigned i = 0; i < src->nram; i++) {
		const struct tdp_dump_ram *r = &src->ram[i];
		for (uint64_t off = 0; off < r->size; off += 4096) {
			uint64_t gpa = r->gpa + off;
			enum p2m_gfn_state st = src->gfn_state(src->state_opaque, gpa >> 12);
			if (st == P2M_GFN_PRESENT)
				rlist_add(&l, gpa, 4096, r->hva + off, 1, F_W | F_X, DUMP_MAPPED,
					  false, false);
			else if (st == P2M_GFN_SHARED)
				/* Merged by the host (KSM): read-only, a write
				 * copies it, as shadow mode's shared frames. */
				rlist_add(&l, gpa, 4096, r->hva + off, 1, F_X,
					  DUMP_MAPPED | DUMP_COW, false, false);
			else if (host_gone_state(st))
				rlist_add(&l, gpa, 4096, NO_ADDR, 1, 0, host_gone_state(st),
					  false, false);
		}
	}
	rlist_end(&l);
}

int tdp_dump(const struct tdp_dump_src *src, const struct dump_request *req, FILE *f)
{
	uint64_t top = 0, resident = 0, ram = 0;
	for (unsigned i = 0; i < src->nram; i++) {
		if (src->ram[i].gpa + src->ram[i].size > top)
			top = src->ram[i].gpa + src->ram[i].size;
		resident += src->ram[i].resident;
		ram += src->ram[i].size;
	}
	struct dump d = {
		.f = f, .req = req, .levels = src->la57 ? 5 : 4, .nxe = src->nxe,
		.read64 = src->read64, .opaque = src->opaque, .nr_gfns = top >> 12,
		.budget = req->max_entries ? req->max_entries : DEFAULT_MAX_ENTRIES,
		.max_ranges = req->max_ranges ? req->max_ranges : DEFAULT_MAX_RANGES,
	};
	d.refs = calloc(d.nr_gfns ? d.nr_gfns : 1, 1);
	if (!d.refs)
		return -ENOMEM;
	/* One address space per distinct root. */
	bool seen_before[64] = {false};
	unsigned n = src->nroots < 64 ? src->nroots : 64;
	for (unsigned i = 0; i < n; i++)
		for (unsigned j = 0; j < i; j++)
			if (src->roots[j] == src->roots[i])
				seen_before[i] = true;
	d.count_pass = true;
	for (unsigned i = 0; i < n; i++)
		if (!seen_before[i] && (!req->guest_root || req->guest_root == src->roots[i]))
			walk_table(&d, src->roots[i], d.levels, 0, ACC_ALL);
	d.count_pass = false;

	header(f, req, "tdp", d.levels);
	fprintf(f, ",\"memory\":{\"guest_ram_bytes\":%llu,\"resident_pages\":%llu}",
		(unsigned long long)ram, (unsigned long long)resident);
	fprintf(f, ",\"stats\":null,\"rmap\":null,\"pins\":[],\"vcpus\":[");
	for (unsigned i = 0; i < n; i++)
		if (src->root_vcpu[i] >= 0)
			fprintf(f, "%s{\"id\":%d,\"guest_root\":\"0x%llx\"}", i ? "," : "",
				src->root_vcpu[i], (unsigned long long)src->roots[i]);
	fprintf(f, "],\"address_spaces\":[");
	bool first = true;
	for (unsigned i = 0; i < n; i++) {
		if (seen_before[i] || (req->guest_root && req->guest_root != src->roots[i]))
			continue;
		reset_as_counters(&d);
		fprintf(f, "%s{\"asid\":0,\"guest_root\":\"0x%llx\",\"shadow_root\":null,"
			"\"dying\":false,\"vcpus\":[", first ? "" : ",",
			(unsigned long long)src->roots[i]);
		first = false;
		bool fv = true;
		for (unsigned j = 0; j < n; j++)
			if (src->roots[j] == src->roots[i] && src->root_vcpu[j] >= 0) {
				fprintf(f, "%s%d", fv ? "" : ",", src->root_vcpu[j]);
				fv = false;
			}
		fprintf(f, "],");
		struct rlist gl;
		rlist_begin(&gl, f, "guest", d.max_ranges, &d.truncated, "phys");
		d.out = &gl;
		walk_table(&d, src->roots[i], d.levels, 0, ACC_ALL);
		rlist_end(&gl);
		fprintf(f, ",\"shadow\":null");
		as_summary(f, &d);
		fprintf(f, ",\"diff\":null}");
	}
	/* The VMM's view of guest RAM: what an EPT built from its memory slots
	 * maps (all RWX), with how much of it the host has backed. */
	fprintf(f, "],\"diff_total\":0,");
	if (src->trace_json) {
		fprintf(f, "\"trace\":");
		src->trace_json(src->trace_opaque, f);
		fputc(',', f);
	}
	if (src->gfn_state) {
		tdp_dump_p2m(f, &d, src);
	} else {
		fprintf(f, "\"p2m\":[");
		for (unsigned i = 0; i < src->nram; i++) {
			const struct tdp_dump_ram *r = &src->ram[i];
			fprintf(f, "%s{\"start\":\"0x%llx\",\"end\":\"0x%llx\",\"size\":\"4K\","
				"\"flags\":\"rwx----\",\"state\":\"mapped\",\"host\":\"0x%llx\","
				"\"pages\":%llu,\"resident\":%llu}", i ? "," : "",
				(unsigned long long)r->gpa, (unsigned long long)(r->gpa + r->size),
				(unsigned long long)r->hva, (unsigned long long)(r->size >> 12),
				(unsigned long long)r->resident);
		}
		fputc(']', f);
	}
	fprintf(f, ",\"truncated\":%s}\n", d.truncated ? "true" : "false");
	free(d.refs);
	return ferror(f) ? -EIO : 0;
}
