/* SPDX-License-Identifier: MIT */
/* Host memory, the primary MMU of guest frames (see host_mem.h). */
#include "host_mem.h"
#include "fault_inject.h"
#include "mmu_trace.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * A host PTE per gfn (as Linux's PTE of the memslot's host address):
 * present: machine address | HPTE_PRESENT [| HPTE_WRITE]; swapped: slot <<
 * 12 | HPTE_SWAP; absent: neither (HPTE_GONE: discarded). HPTE_YOUNG and HPTE_PIN survive every
 * state change of the frame.
 */
#define HPTE_PRESENT (1ull << 0)
#define HPTE_WRITE   (1ull << 1)
#define HPTE_SWAP    (1ull << 2)
#define HPTE_YOUNG   (1ull << 3) /* resolved since the clock last passed */
#define HPTE_PIN     (1ull << 4)
#define HPTE_GONE    (1ull << 5) /* absent: given back by the balloon (dumps) */
#define HPTE_KEEP    (HPTE_YOUNG | HPTE_PIN)
#define HPTE_ADDR    0x000ffffffffff000ull

/* Tries before a fault gives up to its caller (each retry means another
 * invalidation hit exactly this fault). */
#define FAULT_TRIES 8
/* Swap-file write errors after which one reclaim round gives up. */
#define RECLAIM_WRITE_ERRORS 8

static void hm_trace(const struct host_mem *hm, unsigned type, uint64_t a, uint64_t b)
{
	if (hm->trace)
		hm->trace(hm->trace_opaque, type, a, b);
}

static unsigned perms_of(uint64_t pte)
{
	return (pte & HPTE_WRITE) ? EPTE_RWX : (EPTE_R | EPTE_X);
}

/* The p2m as a subscriber: its entries are a cache of the present host
 * PTEs, dropped in invalidate_range_start and refilled by faults. */
static void p2m_sub_start(struct hm_notifier *n, const struct hm_range *r)
{
	struct p2m *p2m = n->opaque;
	for (uint64_t g = r->gfn; g < r->gfn + r->npages; g++) {
		uint64_t m;
		unsigned perms;
		if (p2m_lookup(p2m, g, &m, &perms))
			continue;
		if (r->event == HM_EV_PROTECTION)
			p2m_install(p2m, g, m, perms & ~EPTE_W);
		else
			p2m_remove(p2m, g);
	}
}

static void p2m_sub_change_pte(struct hm_notifier *n, uint64_t gfn, uint64_t maddr,
			       unsigned perms)
{
	struct p2m *p2m = n->opaque;
	uint64_t m;
	if (p2m_lookup(p2m, gfn, &m, NULL) == 0)
		p2m_install(p2m, gfn, maddr, perms);
}

static const struct hm_notifier_ops p2m_sub_ops = {
	.invalidate_range_start = p2m_sub_start,
	.change_pte = p2m_sub_change_pte,
};

int host_mem_init(struct host_mem *hm, struct p2m *p2m, int swap_fd)
{
	memset(hm, 0, sizeof(*hm));
	hm->p2m = p2m;
	hm->pool = p2m->pool;
	hm->nr_gfns = p2m->nr_gfns;
	hm->swap_fd = swap_fd;
	hm->pte = calloc(hm->nr_gfns, sizeof(*hm->pte));
	hm->share = calloc(hm->pool->nframes, sizeof(*hm->share));
	hm->move_locked = calloc(hm->nr_gfns / 64 + 1, sizeof(*hm->move_locked));
	if (!hm->pte || !hm->share || !hm->move_locked) {
		free(hm->pte);
		free(hm->share);
		free(hm->move_locked);
		return -ENOMEM;
	}
	hm->p2m_sub = (struct hm_notifier){.ops = &p2m_sub_ops, .opaque = p2m};
	host_mem_register(hm, &hm->p2m_sub);
	p2m->hm = hm;
	return 0;
}

void host_mem_destroy(struct host_mem *hm)
{
	if (!hm->pte)
		return;
	for (struct hm_notifier *n = hm->notifiers; n; n = n->next) {
		hm->stats.ev_release++;
		if (n->ops->release)
			n->ops->release(n);
	}
	if (hm->p2m->hm == hm)
		hm->p2m->hm = NULL;
	free(hm->pte);
	free(hm->share);
	free(hm->move_locked);
	free(hm->free_slots);
	memset(hm, 0, sizeof(*hm));
	hm->swap_fd = -1;
}

void host_mem_register(struct host_mem *hm, struct hm_notifier *n)
{
	/* Appended: the p2m (registered first) hears of a change first. */
	struct hm_notifier **pp = &hm->notifiers;
	while (*pp)
		pp = &(*pp)->next;
	n->next = NULL;
	*pp = n;
}

void host_mem_unregister(struct host_mem *hm, struct hm_notifier *n)
{
	for (struct hm_notifier **pp = &hm->notifiers; *pp; pp = &(*pp)->next)
		if (*pp == n) {
			*pp = n->next;
			return;
		}
}

/* --- the notifier chain --- */

static void invalidate_start(struct host_mem *hm, const struct hm_range *r)
{
	if (hm->invalidate_in_progress++ == 0) {
		hm->inv_start = r->gfn;
		hm->inv_end = r->gfn + r->npages;
	} else {
		if (r->gfn < hm->inv_start)
			hm->inv_start = r->gfn;
		if (r->gfn + r->npages > hm->inv_end)
			hm->inv_end = r->gfn + r->npages;
	}
	hm->stats.ev_start[r->event]++;
	for (struct hm_notifier *n = hm->notifiers; n; n = n->next)
		if (n->ops->invalidate_range_start)
			n->ops->invalidate_range_start(n, r);
}

static void invalidate_end(struct host_mem *hm, const struct hm_range *r)
{
	/* As KVM: the sequence moves before the count drops, so a fault
	 * that sampled it during the invalidation can never install. The
	 * subscribers' end runs after, free to fault (pinned refills). */
	hm->invalidate_seq++;
	hm->invalidate_in_progress--;
	hm->stats.ev_end++;
	for (struct hm_notifier *n = hm->notifiers; n; n = n->next)
		if (n->ops->invalidate_range_end)
			n->ops->invalidate_range_end(n, r);
}

static void change_pte(struct host_mem *hm, uint64_t gfn, uint64_t maddr, unsigned perms)
{
	hm->invalidate_seq++;
	hm->stats.ev_change_pte++;
	for (struct hm_notifier *n = hm->notifiers; n; n = n->next)
		if (n->ops->change_pte)
			n->ops->change_pte(n, gfn, maddr, perms);
}

static bool clear_young(struct host_mem *hm, uint64_t gfn)
{
	bool young = false;
	hm->stats.ev_clear_young++;
	for (struct hm_notifier *n = hm->notifiers; n; n = n->next)
		if (n->ops->clear_young)
			young |= n->ops->clear_young(n, gfn, 1);
	return young;
}

/* --- frames and swap slots --- */

static int64_t frame_index(const struct host_mem *hm, uint64_t maddr)
{
	return frame_pool_index(hm->pool, maddr);
}

static int alloc_frame(struct host_mem *hm, uint64_t *maddr)
{
	int r = frame_pool_alloc(hm->pool, maddr);
	if (r)
		return r;
	hm->share[frame_index(hm, *maddr)] = 1;
	if (++hm->resident > hm->stats.resident_max)
		hm->stats.resident_max = hm->resident;
	return 0;
}

/* One gfn stops using maddr; the frame goes back to the pool (and its
 * memory to the host) with its last user. */
static void put_frame(struct host_mem *hm, uint64_t maddr)
{
	uint32_t *sh = &hm->share[frame_index(hm, maddr)];
	if (*sh > 1) {
		(*sh)--;
		return;
	}
	*sh = 0;
	frame_pool_free(hm->pool, maddr);
	hm->resident--;
	hm->stats.host_released++;
	if (hm->release_host)
		hm->release_host(hm->release_opaque, frame_pool_ptr(hm->pool, maddr),
				 FRAME_SIZE);
}

static int alloc_slot(struct host_mem *hm, uint64_t *slot)
{
	if (hm->nr_free_slots) {
		*slot = hm->free_slots[--hm->nr_free_slots];
		return 0;
	}
	if (hm->swap_slots >= UINT32_MAX)
		return -ENOSPC;
	*slot = hm->swap_slots++;
	return 0;
}

static void free_slot(struct host_mem *hm, uint64_t slot)
{
	/* At most one free entry per slot ever made: sized on demand. */
	uint32_t *s = realloc(hm->free_slots, (hm->nr_free_slots + 1) * sizeof(*s));
	if (!s)
		return; /* the slot leaks; the file just grows */
	hm->free_slots = s;
	s[hm->nr_free_slots++] = (uint32_t)slot;
}

/* A frame's bytes that cannot be read back are lost: the guest is stopped
 * (host_failure), never given other bytes; the frame stays swapped. */
static int swap_read(const struct host_mem *hm, uint64_t gfn, uint64_t slot,
		     uint64_t off, void *buf, size_t len)
{
	errno = EIO;
	ssize_t n = fault_inject_hit(FI_SWAP_READ)
			    ? -1 : pread(hm->swap_fd, buf, len, (off_t)(slot * FRAME_SIZE + off));
	if (n == (ssize_t)len)
		return 0;
	host_failure(FI_SWAP_READ, true, "swap file: cannot read back gfn 0x%llx (%s): "
		     "its data is lost; guest stopped", (unsigned long long)gfn,
		     n < 0 ? strerror(errno) : "short read");
	return -EIO;
}

/* --- faults --- */

static bool region_absent(const struct host_mem *hm, uint64_t first)
{
	for (uint64_t g = first; g < first + FRAMES_PER_2M; g++)
		if (hm->pte[g] & (HPTE_PRESENT | HPTE_SWAP))
			return false;
	return true;
}

/*
 * Resolves gfn's backing (Linux's fault on the host side): a present frame
 * as it is (a write makes it private and writable), an absent one a zeroed
 * frame (the whole 2M run on a first touch when the p2m wants runs and no
 * limit makes them costly), a swapped one read back. *first, *count: the
 * gfns resolved together.
 */
static int resolve(struct host_mem *hm, uint64_t gfn, bool write,
		   uint64_t *first, uint64_t *count, uint64_t *rpte)
{
	uint64_t pte = hm->pte[gfn], m;
	int r;
	*first = gfn;
	*count = 1;
	if (pte & HPTE_PRESENT) {
		m = pte & HPTE_ADDR;
		if (write && !(pte & HPTE_WRITE)) {
			if (hm->share[frame_index(hm, m)] > 1) {
				/* A write breaks the sharing: a private copy,
				 * announced with change_pte. */
				uint64_t new;
				if ((r = alloc_frame(hm, &new)))
					return r;
				memcpy(frame_pool_ptr(hm->pool, new),
				       frame_pool_ptr(hm->pool, m), FRAME_SIZE);
				put_frame(hm, m);
				hm->pte[gfn] = new | HPTE_PRESENT | HPTE_WRITE |
					       (pte & HPTE_KEEP);
				hm->stats.unshares++;
				hm_trace(hm, TRACE_UNSHARE, gfn, new);
				change_pte(hm, gfn, new, EPTE_RWX);
			} else {
				hm->pte[gfn] |= HPTE_WRITE;
			}
		}
		hm->pte[gfn] |= HPTE_YOUNG;
		*rpte = hm->pte[gfn];
		return 0;
	}
	uint64_t base = gfn & ~(FRAMES_PER_2M - 1);
	if (!(pte & HPTE_SWAP) && hm->p2m->large_first_touch && !hm->limit &&
	    base + FRAMES_PER_2M <= hm->nr_gfns && region_absent(hm, base) &&
	    frame_pool_alloc_2m(hm->pool, &m) == 0) {
		for (uint64_t i = 0; i < FRAMES_PER_2M; i++) {
			hm->share[frame_index(hm, m) + i] = 1;
			hm->pte[base + i] = (m + i * FRAME_SIZE) | HPTE_PRESENT |
					    HPTE_WRITE | HPTE_YOUNG |
					    (hm->pte[base + i] & HPTE_PIN);
		}
		hm->resident += FRAMES_PER_2M;
		if (hm->resident > hm->stats.resident_max)
			hm->stats.resident_max = hm->resident;
		hm->stats.zero_fills += FRAMES_PER_2M;
		*first = base;
		*count = FRAMES_PER_2M;
		*rpte = hm->pte[base];
		return 0;
	}
	if ((r = alloc_frame(hm, &m)))
		return r;
	if (pte & HPTE_SWAP) {
		uint64_t slot = (pte & HPTE_ADDR) >> 12;
		if (swap_read(hm, gfn, slot, 0, frame_pool_ptr(hm->pool, m), FRAME_SIZE)) {
			put_frame(hm, m);
			return -EIO;
		}
		free_slot(hm, slot);
		hm->stats.swap_ins++;
		hm_trace(hm, TRACE_SWAP_IN, gfn, slot);
	} else {
		hm->stats.zero_fills++;
	}
	hm->pte[gfn] = m | HPTE_PRESENT | HPTE_WRITE | HPTE_YOUNG | (pte & HPTE_PIN);
	*rpte = hm->pte[gfn];
	return 0;
}

static void step(struct host_mem *hm, uint64_t gfn, enum hm_fault_step s)
{
	if (hm->step_hook)
		hm->step_hook(hm, gfn, s, hm->step_opaque);
}

static bool in_progress_covers(const struct host_mem *hm, uint64_t first, uint64_t count)
{
	return hm->invalidate_in_progress && first < hm->inv_end &&
	       hm->inv_start < first + count;
}

int host_mem_fault(struct host_mem *hm, uint64_t gfn, bool write, uint64_t *maddr)
{
	if (gfn >= hm->nr_gfns)
		return -EINVAL;
	for (unsigned tries = 0; tries < FAULT_TRIES; tries++) {
		uint64_t seq = hm->invalidate_seq, first, count, rpte;
		step(hm, gfn, HM_STEP_BEGIN);
		int r = resolve(hm, gfn, write, &first, &count, &rpte);
		if (r)
			return r;
		step(hm, gfn, HM_STEP_RESOLVED);
		/* What was resolved may be gone already: install only when
		 * no invalidation ran since the sample and none is running
		 * over these frames (KVM's mmu_invalidate_retry_gfn). */
		if (!hm->debug_skip_seq_check) {
			if (in_progress_covers(hm, first, count)) {
				hm->stats.retries++;
				return -EAGAIN;
			}
			if (seq != hm->invalidate_seq) {
				hm->stats.retries++;
				continue;
			}
		}
		/* What was resolved (a run: consecutive frames), as another
		 * thread's fault would have it in hand. */
		for (uint64_t g = first; g < first + count; g++)
			p2m_install(hm->p2m, g, (rpte & HPTE_ADDR) + (g - first) * FRAME_SIZE,
				    perms_of(rpte));
		hm->stats.faults++;
		*maddr = (rpte & HPTE_ADDR) + (gfn - first) * FRAME_SIZE;
		step(hm, gfn, HM_STEP_INSTALLED);
		return 0;
	}
	return -EAGAIN;
}

int host_mem_read(const struct host_mem *hm, uint64_t gpa, void *buf, size_t len)
{
	uint8_t *out = buf;
	while (len) {
		uint64_t gfn = gpa >> 12, off = gpa & 0xfff;
		size_t n = FRAME_SIZE - off < len ? FRAME_SIZE - off : len;
		if (gfn >= hm->nr_gfns)
			return -1;
		uint64_t pte = hm->pte[gfn];
		if (pte & HPTE_PRESENT)
			memcpy(out, frame_pool_ptr(hm->pool, (pte & HPTE_ADDR) + off), n);
		else if (pte & HPTE_SWAP) {
			if (swap_read(hm, gfn, (pte & HPTE_ADDR) >> 12, off, out, n))
				return -1;
		} else
			memset(out, 0, n);
		out += n;
		gpa += n;
		len -= n;
	}
	return 0;
}

void host_mem_pin(struct host_mem *hm, uint64_t gfn, uint64_t npages)
{
	for (uint64_t g = gfn; g < gfn + npages && g < hm->nr_gfns; g++)
		hm->pte[g] |= HPTE_PIN;
}

bool host_mem_pinned(const struct host_mem *hm, uint64_t gfn)
{
	return gfn < hm->nr_gfns && (hm->pte[gfn] & HPTE_PIN);
}

enum hm_state host_mem_state(const struct host_mem *hm, uint64_t gfn)
{
	if (gfn >= hm->nr_gfns)
		return HM_ABSENT;
	uint64_t pte = hm->pte[gfn];
	return (pte & HPTE_PRESENT) ? HM_PRESENT : (pte & HPTE_SWAP) ? HM_SWAPPED : HM_ABSENT;
}

bool host_mem_discarded(const struct host_mem *hm, uint64_t gfn)
{
	return gfn < hm->nr_gfns && (hm->pte[gfn] & HPTE_GONE);
}

bool host_mem_shared(const struct host_mem *hm, uint64_t gfn)
{
	return host_mem_state(hm, gfn) == HM_PRESENT &&
	       hm->share[frame_index(hm, hm->pte[gfn] & HPTE_ADDR)] > 1;
}

bool host_mem_locked(const struct host_mem *hm, uint64_t gfn)
{
	return gfn < hm->nr_gfns && (hm->move_locked[gfn / 64] & (1ull << (gfn % 64)));
}

bool host_mem_trylock(struct host_mem *hm, uint64_t gfn)
{
	if (gfn >= hm->nr_gfns || host_mem_locked(hm, gfn))
		return false;
	hm->move_locked[gfn / 64] |= 1ull << (gfn % 64);
	return true;
}

void host_mem_unlock(struct host_mem *hm, uint64_t gfn)
{
	if (gfn < hm->nr_gfns)
		hm->move_locked[gfn / 64] &= ~(1ull << (gfn % 64));
}

/* --- changes of a backing --- */

static bool frame_is_zero(const uint8_t *p)
{
	for (unsigned i = 0; i < FRAME_SIZE; i += 8)
		if (*(const uint64_t *)(p + i))
			return false;
	return true;
}

int host_mem_swap_out(struct host_mem *hm, uint64_t gfn)
{
	if (gfn >= hm->nr_gfns || !(hm->pte[gfn] & HPTE_PRESENT))
		return -ENOENT;
	uint64_t pte = hm->pte[gfn], m = pte & HPTE_ADDR;
	if (pte & HPTE_PIN)
		return -EPERM;
	if (hm->share[frame_index(hm, m)] > 1)
		return -EBUSY;
	if (hm->swap_fd < 0)
		return -ENOSPC;
	/* Linux's try_to_unmap announces MMU_NOTIFY_CLEAR; the bytes are
	 * read after the secondaries dropped their entries. */
	struct hm_range rg = {gfn, 1, HM_EV_CLEAR};
	invalidate_start(hm, &rg);
	const uint8_t *p = frame_pool_ptr(hm->pool, m);
	int r = 0;
	if (frame_is_zero(p)) {
		hm->pte[gfn] = pte & HPTE_KEEP & ~HPTE_YOUNG;
		hm->stats.swap_zero++;
		hm_trace(hm, TRACE_SWAP_OUT, gfn, ~0ull);
	} else {
		uint64_t slot;
		if ((r = alloc_slot(hm, &slot)) == 0 &&
		    (fault_inject_hit(FI_SWAP_WRITE) ? (errno = EIO, true)
		     : pwrite(hm->swap_fd, p, FRAME_SIZE, (off_t)(slot * FRAME_SIZE)) !=
				(ssize_t)FRAME_SIZE)) {
			/* The frame stays resident: its entries were dropped
			 * and come back on the next access. */
			host_failure(FI_SWAP_WRITE, false, "swap file: writing gfn 0x%llx "
				     "failed (%s): the frame stays resident",
				     (unsigned long long)gfn, strerror(errno));
			hm->stats.swap_write_errors++;
			free_slot(hm, slot);
			r = -EIO;
		}
		if (r == 0) {
			hm->pte[gfn] = slot << 12 | HPTE_SWAP | (pte & HPTE_PIN);
			hm->stats.swap_outs++;
			hm_trace(hm, TRACE_SWAP_OUT, gfn, slot);
		}
	}
	if (r == 0)
		put_frame(hm, m);
	invalidate_end(hm, &rg);
	return r;
}

int host_mem_discard(struct host_mem *hm, uint64_t gfn)
{
	if (gfn >= hm->nr_gfns)
		return -EINVAL;
	uint64_t pte = hm->pte[gfn];
	if (pte & HPTE_PIN)
		return -EPERM;
	if (pte & HPTE_SWAP) {
		free_slot(hm, (pte & HPTE_ADDR) >> 12);
		hm->pte[gfn] = HPTE_GONE;
		return 0;
	}
	if (!(pte & HPTE_PRESENT))
		return -ENOENT;
	struct hm_range rg = {gfn, 1, HM_EV_UNMAP};
	invalidate_start(hm, &rg);
	hm->pte[gfn] = HPTE_GONE;
	put_frame(hm, pte & HPTE_ADDR);
	invalidate_end(hm, &rg);
	return 0;
}

/*
 * Migration and dedup repoint a gfn with change_pte, outside any
 * invalidate bracket: the subscribers move their entries to the new frame
 * in place (read-only: a write faults and is given W again) rather than
 * dropping them. This is safe while no vCPU runs the guest, as with one
 * vCPU (its own hypercall). With several, the others run through these
 * changes: their movers unmap the gfn, wait for every TLB flush, and only
 * then migrate or merge what is still unmapped (vmm/host_mem_vm.c).
 */
int host_mem_migrate(struct host_mem *hm, uint64_t gfn)
{
	if (gfn >= hm->nr_gfns || !(hm->pte[gfn] & HPTE_PRESENT))
		return -ENOENT;
	uint64_t pte = hm->pte[gfn], old = pte & HPTE_ADDR, new;
	if (pte & HPTE_PIN)
		return -EPERM;
	if (hm->share[frame_index(hm, old)] > 1)
		return -EBUSY;
	if (frame_pool_alloc(hm->pool, &new))
		return -ENOMEM;
	memcpy(frame_pool_ptr(hm->pool, new), frame_pool_ptr(hm->pool, old), FRAME_SIZE);
	hm->share[frame_index(hm, new)] = 1;
	hm->share[frame_index(hm, old)] = 0;
	hm->pte[gfn] = new | (pte & ~HPTE_ADDR);
	change_pte(hm, gfn, new, perms_of(pte));
	frame_pool_free(hm->pool, old);
	hm->stats.host_released++;
	if (hm->release_host)
		hm->release_host(hm->release_opaque, frame_pool_ptr(hm->pool, old), FRAME_SIZE);
	hm->stats.migrations++;
	hm_trace(hm, TRACE_MIGRATE, gfn, new);
	return 0;
}

int host_mem_merge(struct host_mem *hm, uint64_t gfn, uint64_t canon)
{
	if (gfn >= hm->nr_gfns || canon >= hm->nr_gfns || gfn == canon)
		return -EINVAL;
	uint64_t pte = hm->pte[gfn], cpte = hm->pte[canon];
	if (!(pte & HPTE_PRESENT) || !(cpte & HPTE_PRESENT))
		return -ENOENT;
	if ((pte | cpte) & HPTE_PIN)
		return -EPERM;
	uint64_t m = pte & HPTE_ADDR, cm = cpte & HPTE_ADDR;
	/* A locked gfn is being moved: its mover frees or copies it. */
	if (m == cm || hm->share[frame_index(hm, m)] > 1 || host_mem_locked(hm, gfn) ||
	    host_mem_locked(hm, canon))
		return -EBUSY;
	if (memcmp(frame_pool_ptr(hm->pool, m), frame_pool_ptr(hm->pool, cm), FRAME_SIZE))
		return -ENOENT;
	if (cpte & HPTE_WRITE) {
		hm->pte[canon] &= ~HPTE_WRITE;
		change_pte(hm, canon, cm, EPTE_R | EPTE_X);
	}
	hm->pte[gfn] = cm | HPTE_PRESENT | (pte & HPTE_KEEP);
	hm->share[frame_index(hm, cm)]++;
	change_pte(hm, gfn, cm, EPTE_R | EPTE_X);
	put_frame(hm, m);
	hm->stats.merges++;
	hm_trace(hm, TRACE_MERGE, gfn, canon);
	return 0;
}

void host_mem_invalidate(struct host_mem *hm, uint64_t gfn, uint64_t npages,
			 enum hm_event event)
{
	if (gfn >= hm->nr_gfns || npages == 0)
		return;
	if (npages > hm->nr_gfns - gfn)
		npages = hm->nr_gfns - gfn;
	struct hm_range rg = {gfn, npages, event};
	invalidate_start(hm, &rg);
	invalidate_end(hm, &rg);
}

/*
 * Reclaim policy (docs/host-memory.md): a second-chance clock over the
 * gfns. A frame is young when it was resolved by a fault since the hand
 * last passed, or when a subscriber saw it accessed (clear_young: the A
 * bits of the shadow entries mapping it, which the CPU sets). Young frames
 * lose their youth and are passed over; the first old, unpinned, unshared
 * frame no mover holds locked is swapped out. Two sweeps at most, so the
 * loop always ends.
 * clock_next: the hand's next frame, and whether it is such a victim.
 */
static bool clock_next(struct host_mem *hm, uint64_t *victim)
{
	uint64_t gfn = hm->clock_hand;
	hm->clock_hand = (gfn + 1) % hm->nr_gfns;
	uint64_t pte = hm->pte[gfn];
	hm->stats.reclaim_scans++;
	if (!(pte & HPTE_PRESENT) || (pte & HPTE_PIN) || host_mem_locked(hm, gfn) ||
	    hm->share[frame_index(hm, pte & HPTE_ADDR)] > 1)
		return false;
	if (clear_young(hm, gfn) || (pte & HPTE_YOUNG)) {
		hm->pte[gfn] &= ~HPTE_YOUNG;
		return false;
	}
	*victim = gfn;
	return true;
}

uint64_t host_mem_reclaim(struct host_mem *hm, bool (*ok)(void *opaque, uint64_t gfn),
			  void *opaque)
{
	uint64_t n = 0, gfn, errors = 0;
	if (!hm->limit || hm->swap_fd < 0)
		return 0;
	/* A victim whose write fails stays; the clock moves on to another,
	 * but a file that keeps failing ends the round (the next one tries
	 * again). */
	for (uint64_t scans = 0; hm->resident > hm->limit && scans < 2 * hm->nr_gfns &&
				 errors < RECLAIM_WRITE_ERRORS; scans++) {
		if (!clock_next(hm, &gfn) || (ok && !ok(opaque, gfn)))
			continue;
		int r = host_mem_swap_out(hm, gfn);
		if (r == 0)
			n++;
		else if (r == -EIO)
			errors++;
	}
	return n;
}

uint64_t host_mem_reclaim_pick(struct host_mem *hm, uint64_t *out, uint64_t max,
			       bool (*ok)(void *opaque, uint64_t gfn), void *opaque)
{
	uint64_t n = 0, gfn;
	for (uint64_t scans = 0; n < max && scans < 2 * hm->nr_gfns; scans++)
		if (clock_next(hm, &gfn) && (!ok || ok(opaque, gfn)))
			out[n++] = gfn;
	return n;
}

/* --- dedup --- */

static uint64_t frame_hash(const uint8_t *p)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (unsigned i = 0; i < FRAME_SIZE; i += 8)
		h = (h ^ *(const uint64_t *)(p + i)) * 0x100000001b3ull;
	return h;
}

#define DEDUP_BUCKETS 4096

/* The scan behind host_mem_dedup_scan and host_mem_dedup_pick: up to
 * budget present frames from the dedup hand on, each frame whose content
 * hash equals one seen before in the scan handed to pair(gfn, canon),
 * which returns whether canon stays the hash's candidate (else gfn is). */
static void dedup_scan_pairs(struct host_mem *hm, uint64_t budget,
			     bool (*ok)(void *opaque, uint64_t gfn), void *opaque,
			     bool (*pair)(void *ctx, uint64_t gfn, uint64_t canon), void *ctx)
{
	/* Candidates of this scan by content hash; a merge re-compares the
	 * bytes, so a collision costs a memcmp, never a wrong merge. */
	struct { uint64_t hash, gfn; bool used; } *seen = calloc(DEDUP_BUCKETS, sizeof(*seen));
	if (!seen)
		return;
	for (uint64_t i = 0; i < budget && i < hm->nr_gfns; i++) {
		uint64_t gfn = hm->dedup_hand;
		hm->dedup_hand = (gfn + 1) % hm->nr_gfns;
		uint64_t pte = hm->pte[gfn];
		if (!(pte & HPTE_PRESENT) || (pte & HPTE_PIN) || host_mem_locked(hm, gfn) ||
		    (ok && !ok(opaque, gfn)))
			continue;
		uint64_t h = frame_hash(frame_pool_ptr(hm->pool, pte & HPTE_ADDR));
		unsigned b = (unsigned)(h % DEDUP_BUCKETS);
		if (seen[b].used && seen[b].hash == h && pair(ctx, gfn, seen[b].gfn))
			continue;
		seen[b].used = true;
		seen[b].hash = h;
		seen[b].gfn = gfn;
	}
	free(seen);
}

struct dedup_merge_ctx {
	struct host_mem *hm;
	uint64_t merges;
};

static bool dedup_merge_pair(void *ctx, uint64_t gfn, uint64_t canon)
{
	struct dedup_merge_ctx *c = ctx;
	if (host_mem_merge(c->hm, gfn, canon))
		return false;
	c->merges++;
	return true;
}

uint64_t host_mem_dedup_scan(struct host_mem *hm, uint64_t budget,
			     bool (*ok)(void *opaque, uint64_t gfn), void *opaque)
{
	struct dedup_merge_ctx c = {hm, 0};
	dedup_scan_pairs(hm, budget, ok, opaque, dedup_merge_pair, &c);
	return c.merges;
}

struct dedup_pick_ctx {
	struct host_mem *hm;
	struct host_mem_pair *out;
	uint64_t n, max;
};

static bool dedup_pick_pair(void *ctx, uint64_t gfn, uint64_t canon)
{
	struct dedup_pick_ctx *c = ctx;
	uint64_t m = c->hm->pte[gfn] & HPTE_ADDR;
	/* Merged already (canon's frame), or shared (host_mem_merge refuses
	 * it): no pair. A shared frame becomes the candidate, so the frames
	 * equal to it join its group, as host_mem_dedup_scan's merges do. */
	if (m == (c->hm->pte[canon] & HPTE_ADDR))
		return true;
	if (c->hm->share[frame_index(c->hm, m)] > 1)
		return false;
	if (c->n == c->max)
		return true;
	c->out[c->n++] = (struct host_mem_pair){gfn, canon};
	/* canon stays the candidate: the next equal frame pairs with it too
	 * (as a merge makes it the shared frame of all of them). */
	return true;
}

uint64_t host_mem_dedup_pick(struct host_mem *hm, uint64_t budget, struct host_mem_pair *out,
			     uint64_t max, bool (*ok)(void *opaque, uint64_t gfn), void *opaque)
{
	struct dedup_pick_ctx c = {hm, out, 0, max};
	dedup_scan_pairs(hm, budget, ok, opaque, dedup_pick_pair, &c);
	return c.n;
}
