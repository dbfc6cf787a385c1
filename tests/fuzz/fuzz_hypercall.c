/* SPDX-License-Identifier: MIT */
/*
 * The VMM's hypercall dispatcher (vmm/hypercall.c) and, behind it, the
 * shadow MMU's hypercalls (shadow/hc_shadow.c), driven by a hostile guest:
 * the input is a program of operations — hypercalls with arguments drawn
 * from interesting classes (tables, asids, addresses inside, across and
 * beyond guest RAM, misaligned, huge), writes of arbitrary values into
 * guest memory (page tables that loop, point outside memory, set reserved
 * bits; the batch queue's ring), accesses by a simulated vCPU through
 * the shadow tables, and requests posted in a registered fault slot with
 * the poll thread's answer (any field any value, as written by a guest
 * while the VMM thread reads it). The fake guest is tests/unit/shadow_sim.h, the one
 * the unit tests use.
 *
 * Checked after every operation: no sanitizer finding, every result a
 * value the ABI allows; at the end (and every 16 operations) every present
 * shadow leaf maps only guest frames of the p2m (never a shadow table or a
 * free frame: the guest cannot reach outside its memory), and the audit
 * and the reference audit agree.
 */
#include <stdio.h>

#include "hypercall.h"
#include "shadow_poll.h"
#include "../unit/shadow_sim.h"
#include "fuzz_input.h"

#define NR_GFNS 128     /* 512 KiB of guest memory; tables in the top quarter */
#define POOL_FRAMES 320 /* machine frames: guest frames and shadow pages */
#define MAX_OPS 96

struct fz {
	struct sim s;
	struct guest_mem gm; /* tdp mode: the dispatcher reads guest RAM here */
	struct stats st;
	struct hc_state hc;
	bool shadow;
	unsigned nr_vcpus;
	uint64_t roots[8];   /* guest table roots made so far */
	unsigned nr_roots;
	uint64_t asids[8];   /* asids handed out, and their roots */
	uint64_t asid_root[8];
	unsigned nr_asids;
	uint64_t ring_gpa;   /* the queue the guest registered, or 0 */
	/* A poll thread never started: UMBRA_HC_SHADOW_FAULT_SLOT registers,
	 * and do_slot answers as the thread would. */
	struct shadow_poll poll;
	uint64_t slot_gpa[2]; /* each vCPU's registered fault slot, or 0 */
};

static uint64_t pick(uint64_t *arr, unsigned n, uint8_t k)
{
	return n ? arr[k % n] : 0;
}

/* An argument from a class a hostile guest would try. */
static uint64_t arg(struct fz *f, struct fuzz_in *in)
{
	uint8_t c = fin_u8(in);
	uint64_t ram = (uint64_t)NR_GFNS << 12;
	switch (c % 16) {
	case 0: return 0;
	case 1: return fin_u8(in);
	case 2: return pick(f->roots, f->nr_roots, fin_u8(in));
	case 3: return pick(f->asids, f->nr_asids, fin_u8(in));
	case 4: return ((uint64_t)fin_u16(in) % NR_GFNS) << 12;  /* a frame */
	case 5: return fin_u32(in) % ram;                        /* any byte */
	case 6: return ram - fin_u16(in) % 64;                   /* the end */
	case 7: return ram + ((uint64_t)fin_u16(in) << 12);      /* beyond */
	case 8: return ~0ull - fin_u8(in);                       /* huge */
	case 9: return 0x400000 + ((uint64_t)fin_u16(in) << 12); /* user va */
	case 10: return 0xffffffff80000000ull + ((uint64_t)fin_u16(in) << 12);
	case 11: return UMBRA_SHADOW_ASID_ALL;
	case 12: return fin_u8(in) % 8;                          /* event, op */
	case 13: return 1ull << (fin_u8(in) % 64);
	case 14: return pick(f->asids, f->nr_asids, fin_u8(in)) ^ (1ull << 16);
	default: return fin_u64(in);
	}
}

static bool result_ok(int64_t r)
{
	if (r >= 0)
		return true;
	switch (-r) {
	case UMBRA_EPERM: case UMBRA_ENOENT: case UMBRA_ENOMEM: case UMBRA_EFAULT:
	case UMBRA_EBUSY: case UMBRA_EINVAL: case UMBRA_ENOSYS:
		return true;
	}
	return false;
}

static void do_hypercall(struct fz *f, struct fuzz_in *in)
{
	struct hc_call c;
	static struct hc_outcome out;
	/* Every number the ABI has (0-27) and a few beyond. Bytes below 240
	 * pick as they always did (% 24), so the corpus and the regression
	 * inputs keep their meaning; 240-255 pick 24-31. */
	uint8_t b = fin_u8(in);
	c.nr = b < 240 ? b % 24 : 24 + (b & 7);
	unsigned vcpu = fin_u8(in) % f->nr_vcpus;
	for (int i = 0; i < 5; i++)
		c.args[i] = arg(f, in);
	/* The caller's kernel stack, for the refill after the call. */
	uint64_t rsp = fin_u8(in) & 1 ? arg(f, in) : 0;
	hc_dispatch_vcpu_rsp(&f->hc, vcpu, &c, rsp, &out);
	int64_t r = (int64_t)out.ret;
	if (out.action != HC_RETURN) {
		FUZZ_ASSERT(c.nr == UMBRA_HC_EXIT || c.nr == UMBRA_HC_PANIC,
			    "hypercall %llu stops the VM", (unsigned long long)c.nr);
		if (out.action == HC_PANIC)
			FUZZ_ASSERT(strlen(out.message) <= UMBRA_HC_PANIC_MAX, "message");
		return;
	}
	/* The flag is not part of the value. */
	int64_t v = r >= 0 ? (int64_t)((uint64_t)r & ~UMBRA_SHADOW_FLUSH) : r;
	FUZZ_ASSERT(result_ok(v), "hypercall %llu returned %lld",
		    (unsigned long long)c.nr, (long long)r);
	if (!f->shadow)
		return;
	if (c.nr == UMBRA_HC_SHADOW_AS_CREATE && r > 0 && f->nr_asids < 8) {
		f->asid_root[f->nr_asids] = c.args[0];
		f->asids[f->nr_asids++] = (uint64_t)r;
	}
	if (c.nr == UMBRA_HC_SHADOW_QUEUE && r >= 0)
		f->ring_gpa = c.args[0];
	if (c.nr == UMBRA_HC_SHADOW_FAULT_SLOT && r == 0)
		f->slot_gpa[vcpu] = c.args[0];
	/* The simulated vCPU is vCPU 0: it loads what AS_ACTIVATE returned
	 * and flushes when told. */
	if (vcpu == 0 && c.nr == UMBRA_HC_SHADOW_AS_ACTIVATE && r >= 0) {
		f->s.cr3 = (uint64_t)r;
		f->s.asid = (uint32_t)c.args[0];
		for (unsigned i = 0; i < f->nr_asids; i++)
			if (f->asids[i] == c.args[0])
				f->s.guest_root = f->asid_root[i];
	}
	if (vcpu == 0 && (out.flush_tlb || r < 0 || c.nr == UMBRA_HC_SHADOW_AS_ACTIVATE))
		sim_tlb_flush(&f->s);
	if (vcpu != 0 && (out.kick_mask & 1))
		sim_take_kick(&f->s);
}

/* A guest write: any value anywhere in guest RAM (8-byte aligned). */
static void do_write(struct fz *f, struct fuzz_in *in)
{
	uint64_t gpa = (fin_u32(in) % ((uint64_t)NR_GFNS << 12)) & ~7ull;
	if (fin_u8(in) & 1) /* most often into a table */
		gpa = pick(f->roots, f->nr_roots, fin_u8(in)) + (fin_u16(in) % 512) * 8;
	uint64_t v = arg(f, in);
	if (f->shadow)
		FUZZ_ASSERT(!p2m_write64(&f->s.p2m, gpa, v),
			    "a guest frame cannot be had: %u shadow pages (budget %u), "
			    "%llu machine frames free", shadow_nr_pages(f->s.mmu),
			    shadow_budget(f->s.mmu), (unsigned long long)f->s.pool.nfree);
	else
		*(uint64_t *)guest_mem_hva(&f->gm, gpa, 8) = v;
}

/* Whether g_map can build va's path under root: the guest's own writes may
 * have left links to outside guest memory on it (the sim's builder trusts
 * its tables; the MMU must not, and is fed those through do_write). */
static bool path_in_ram(struct fz *f, uint64_t root, uint64_t va, unsigned level)
{
	uint64_t table = root;
	for (unsigned l = f->s.cfg.la57 ? 5 : 4; l > level; l--) {
		uint64_t e = g_read(&f->s, table + ((va >> (12 + 9 * (l - 1))) & 511) * 8);
		if (!(e & PTE_P) || (e & PTE_PS))
			return true; /* replaced by a new table */
		table = e & SIM_ADDR_MASK;
		if (table >= (uint64_t)NR_GFNS << 12)
			return false;
	}
	return true;
}

/* A well-formed mapping, so the fuzzer reaches deep walks quickly. */
static void do_map(struct fz *f, struct fuzz_in *in)
{
	uint8_t k = fin_u8(in);
	uint64_t va = arg(f, in) & ~0xfffull;
	uint64_t gpa = ((uint64_t)fin_u16(in) % NR_GFNS) << 12;
	uint8_t fl = fin_u8(in);
	unsigned level = (fl & 0x80) ? 2 : 1;
	uint64_t flags = (fl & 1 ? PTE_RW : 0) | (fl & 2 ? PTE_US : 0) |
			 (fl & 4 ? PTE_A : 0) | (fl & 8 ? PTE_D : 0) |
			 (fl & 16 ? PTE_NX : 0) | (fl & 32 ? PTE_G : 0);
	if (level == 2)
		gpa &= ~0x1fffffull;
	/* g_entry allocates up to 4 tables; stop before the area is full. */
	if (!f->shadow || !f->nr_roots || f->s.table_end - f->s.table_next < 6)
		return;
	uint64_t root = pick(f->roots, f->nr_roots, k);
	if (path_in_ram(f, root, va, level))
		g_map(&f->s, root, va, gpa, flags, level);
}

static void do_new_root(struct fz *f)
{
	if (!f->shadow || f->nr_roots == 8 || f->s.table_end - f->s.table_next < 6)
		return;
	f->roots[f->nr_roots++] = g_alloc_table(&f->s);
}

/* An operation into the registered queue (the guest side of the ring). */
static void do_queue(struct fz *f, struct fuzz_in *in)
{
	if (!f->shadow || !f->ring_gpa || f->ring_gpa + 4096 > ((uint64_t)NR_GFNS << 12))
		return;
	uint32_t head = (uint32_t)g_read(&f->s, f->ring_gpa);
	uint64_t op = f->ring_gpa + 16 + (head % UMBRA_SHADOW_RING_SIZE) * 24;
	g_write(&f->s, op, arg(f, in));
	g_write(&f->s, op + 8, arg(f, in));
	g_write(&f->s, op + 16, (arg(f, in) & 0xffffffff) | (uint64_t)(fin_u8(in) % 8) << 32);
	uint64_t w = g_read(&f->s, f->ring_gpa);
	uint32_t step = fin_u8(in) & 0x80 ? fin_u32(in) : 1;
	g_write(&f->s, f->ring_gpa, (w & ~0xffffffffull) | (uint32_t)(head + step));
}

/* The simulated vCPU touches an address through the shadow tables (and
 * the fault hypercall when they miss). */
static void do_access(struct fz *f, struct fuzz_in *in)
{
	if (!f->shadow || !f->s.cr3)
		return;
	uint64_t va = arg(f, in);
	uint8_t a = fin_u8(in);
	static const unsigned acc[] = {0, WALK_WRITE, WALK_FETCH};
	uint32_t ec;
	f->s.ac = a & 0x10;
	sim_access(&f->s, va, acc[a % 3], a & 8 ? 3 : 0, &ec);
}

/* A request in a vCPU's registered slot: posted as the guest does (seq
 * odd while written), or any field written with any value; then the poll
 * thread's scan answers it (here on this thread, which holds no other
 * lock: nothing runs beside it). Without a slot: an access. */
static void do_slot(struct fz *f, struct fuzz_in *in)
{
	unsigned vcpu = fin_u8(in) % f->nr_vcpus;
	struct umbra_shadow_fault_slot *sl =
		f->shadow && f->slot_gpa[vcpu] ? p2m_writable_ptr(&f->s.p2m, f->slot_gpa[vcpu])
					       : NULL;
	if (!sl) {
		do_access(f, in);
		return;
	}
	uint8_t how = fin_u8(in);
	uint32_t seq = 0;
	if (how & 1) {
		uint32_t flags = (uint32_t)arg(f, in);
		seq = sim_slot_post_flags(sl, fin_u8(in) % 3, arg(f, in), (uint32_t)arg(f, in),
					  (uint32_t)arg(f, in), flags);
	} else {
		uint64_t *w = (uint64_t *)sl + fin_u8(in) % 16;
		*w = arg(f, in);
	}
	if (how & 2) /* a stream's end, or a wrong one */
		sl->stream_end = how & 4 ? seq : (uint32_t)arg(f, in);
	shadow_answer_fault_slots(f->s.mmu);
	if (!seq || __atomic_load_n(&sl->done, __ATOMIC_ACQUIRE) != seq)
		return;
	int64_t r = sl->result;
	uint64_t low = (uint64_t)r & 0xff;
	FUZZ_ASSERT(r < 0 ? result_ok(r) : low <= UMBRA_SHADOW_DECLINED,
		    "slot answer %#llx", (unsigned long long)r);
	/* The flush it asks for is the guest's to make: vCPU 0 is the sim. */
	if (vcpu == 0 && r >= 0 && ((uint64_t)r & (UMBRA_SHADOW_FLUSH | UMBRA_SHADOW_FLUSH_RANGES)))
		sim_tlb_flush(&f->s);
}

/* Every present shadow leaf maps guest frames of the p2m; every link a
 * shadow page. */
static void check_containment(struct fz *f)
{
	struct shadow_mmu *mmu = f->s.mmu;
	unsigned n = 0;
	for (struct kvm_mmu_page *sp = mmu->active.next; sp != &mmu->active; sp = sp->next) {
		n++;
		for (unsigned w = 0; w < 8; w++) {
			for (uint64_t bits = sp->present[w]; bits; bits &= bits - 1) {
				unsigned idx = w * 64 + (unsigned)__builtin_ctzll(bits);
				uint64_t spte = sp->spt[idx];
				FUZZ_ASSERT(is_shadow_present_pte(spte), "present bitmap");
				if (!is_last_spte(spte, sp->role.level)) {
					FUZZ_ASSERT(spte_to_child(mmu, spte), "a link to no shadow page");
					continue;
				}
				uint64_t frames = sp->role.level == 1 ? 1 : 512;
				for (uint64_t i = 0; i < frames; i++) {
					uint64_t gfn, ma = spte_addr(spte) + i * 4096;
					FUZZ_ASSERT(!p2m_m2p(&f->s.p2m, ma, &gfn) && gfn < NR_GFNS,
						    "a shadow leaf maps machine frame %#llx, not guest memory",
						    (unsigned long long)ma);
					FUZZ_ASSERT(!spte_to_child(mmu, ma), "a leaf maps a shadow table");
				}
			}
		}
	}
	FUZZ_ASSERT(n == shadow_nr_pages(mmu), "%u pages listed, %u counted", n,
		    shadow_nr_pages(mmu));
	FUZZ_ASSERT(shadow_nr_pages(mmu) <= shadow_budget(mmu) + SHADOW_MAX_VCPUS * 5,
		    "%u shadow pages over the budget %u", shadow_nr_pages(mmu), shadow_budget(mmu));
	unsigned a = shadow_audit(mmu, NULL, NULL);
	unsigned ref = shadow_audit_reference(mmu);
	FUZZ_ASSERT(a == ref, "audit %u, reference audit %u", a, ref);
	FUZZ_ASSERT(!shadow_present_bitmap_mismatches(mmu), "present bitmaps");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fz f;
	struct fuzz_in in = {data, size};
	uint8_t mode = fin_u8(&in);
	memset(&f, 0, sizeof(f));
	stats_init(&f.st);
	f.shadow = !(mode & 1);
	f.nr_vcpus = 1 + ((mode >> 1) & 1);
	if (f.shadow) {
		struct shadow_config cfg = {
			.la57 = mode & 4, .efer_nxe = !(mode & 8),
			.cr4_smep = mode & 16, .cr4_smap = mode & 32,
			.cr4_pke = mode & 64, .maxphyaddr = 36 + fin_u8(&in) % 17,
			.prefetch = fin_u8(&in) % 20, .max_roots = 1 + fin_u8(&in) % 4,
			.budget_pages = 8 + fin_u8(&in) % 64, .nr_vcpus = f.nr_vcpus,
		};
		if (sim_init(&f.s, NR_GFNS, POOL_FRAMES, &cfg))
			abort();
		f.s.quiet = true; /* hostile tables make the sim's checks moot */
		guest_mem_layout(&f.gm, (uint64_t)NR_GFNS << 12);
		hc_init(&f.hc, &f.gm, &f.st);
		hc_set_shadow(&f.hc, f.s.mmu);
		f.hc.poll = &f.poll;
	} else {
		static struct guest_mem gm;
		if (!gm.total) {
			guest_mem_layout(&gm, (uint64_t)NR_GFNS << 12);
			if (guest_mem_map(&gm))
				abort();
		}
		f.gm = gm;
		memset(gm.ranges[0].hva, 0, gm.ranges[0].size);
		hc_init(&f.hc, &f.gm, &f.st);
	}
	for (unsigned i = 0; i < MAX_OPS && !fin_empty(&in); i++) {
		switch (fin_u8(&in) % 8) {
		case 0: case 1: do_hypercall(&f, &in); break;
		case 2: do_write(&f, &in); break;
		case 3: do_map(&f, &in); break;
		case 4: do_new_root(&f); break;
		case 5: do_queue(&f, &in); break;
		case 6: do_access(&f, &in); break;
		default: do_slot(&f, &in); break;
		}
		if (f.shadow && i % 16 == 15)
			check_containment(&f);
	}
	if (f.shadow) {
		check_containment(&f);
		sim_destroy(&f.s);
	}
	hc_destroy(&f.hc);
	return 0;
}
