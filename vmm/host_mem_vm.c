/* SPDX-License-Identifier: MIT */
/* Host memory in the VMM: balloon, reclaim, dedup, chaos (see host_mem_vm.h). */
#include "host_mem_vm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <umbra/hypercall.h>

#include "../shadow/fault_inject.h"
#include "../shadow/hc_shadow.h"
#include "../shadow/mmu.h"
#include "ksm.h"
#include "shadow_kick.h"

/* --dedup: every DEDUP_EVERY shadow hypercalls, DEDUP_SCAN frames are
 * hashed (a few ms under TCG, so a suite run pays a few seconds). */
#define DEDUP_EVERY 64
#define DEDUP_SCAN 256
/* How long a VMM thread waits for the vCPUs it kicked; past it, what it
 * unmapped stays where it is (never freed unflushed). */
#define REMOTE_WAIT_MS 10000
/* With several vCPUs: the victims a call's end unmaps, then swaps out
 * after the others flushed (after_call_others_running). */
#define AFTER_CALL_BATCH 64

int host_mem_vm_swap_file(void)
{
	const char *dir = getenv("TMPDIR");
	int fd = open(dir && *dir ? dir : "/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0)
		fd = memfd_create("umbra-swap", MFD_CLOEXEC);
	if (fd < 0)
		fprintf(stderr, "umbra: no swap file (%s): --mem-limit cannot reclaim\n",
			strerror(errno));
	return fd;
}

void host_mem_vm_release(void *opaque, void *hva, size_t len)
{
	(void)opaque;
	/* The frame is free in the pool either way (zeroed when handed out
	 * again); only the host keeps its memory a while longer. */
	if (fault_inject_hit(FI_MADVISE) ? (errno = EIO, true)
					  : madvise(hva, len, MADV_DONTNEED) != 0)
		host_failure(FI_MADVISE, false, "madvise(MADV_DONTNEED) of a free frame "
			     "failed (%s): the host keeps its memory", strerror(errno));
}

int host_mem_vm_init(struct host_mem_vm *h, const struct umbra_config *cfg,
		     struct host_mem *hm, const struct guest_mem *mem,
		     pthread_mutex_t *lock)
{
	memset(h, 0, sizeof(*h));
	h->cfg = cfg;
	h->hm = hm;
	h->mem = mem;
	h->lock = lock;
	h->rng = 0x2545f4914f6cdd1dull;
	atomic_init(&h->chaos_stop, false);
	atomic_init(&h->balloon_target, -1);
	if (!hm)
		uffd_mem_init(&h->uffd, mem);
	if (hm)
		hm->limit = cfg->mem_limit / FRAME_SIZE;
	return 0;
}

static uint64_t rnd(struct host_mem_vm *h)
{
	h->rng ^= h->rng << 13;
	h->rng ^= h->rng >> 7;
	h->rng ^= h->rng << 17;
	return h->rng;
}

static void *chaos_thread(void *arg);

int host_mem_vm_start(struct host_mem_vm *h)
{
	if (!h->hm) {
		/* A swap file even without a limit: the control socket's
		 * reclaim uses it (empty until then). */
		uint64_t limit = h->cfg->mem_limit / FRAME_SIZE;
		if (h->cfg->dedup) {
			char why[256];
			if (ksm_check(KSM_SYSFS, why, sizeof(why))) {
				fprintf(stderr, "umbra: --dedup in tdp mode merges through the host "
					"kernel's KSM, but %s (or use --paging shadow)\n", why);
				return UMBRA_EXIT_USAGE;
			}
			h->uffd.ksm_dir = KSM_SYSFS;
		}
		int fd = host_mem_vm_swap_file();
		if (uffd_mem_start(&h->uffd, fd >= 0 ? limit : 0, fd) &&
		    (limit || h->cfg->chaos_rate)) {
			fprintf(stderr, "umbra: %s in tdp mode needs userfaultfd "
				"(or --paging shadow)\n",
				limit ? "--mem-limit" : "--chaos-invalidate");
			return UMBRA_EXIT_USAGE;
		}
		if (h->cfg->chaos_rate && fd < 0)
			return UMBRA_EXIT_USAGE; /* said by host_mem_vm_swap_file */
		int e = h->cfg->dedup ? ksm_merge_guest(h->mem) : 0;
		if (e) {
			fprintf(stderr, "umbra: --dedup: madvise(MADV_MERGEABLE) on guest RAM: %s\n",
				strerror(-e));
			return UMBRA_EXIT_USAGE;
		}
	}
	if (!h->cfg->chaos_rate)
		return 0;
	int r = pthread_create(&h->chaos, NULL, chaos_thread, h);
	if (r) {
		fprintf(stderr, "umbra: --chaos-invalidate: cannot start its thread: %s\n",
			strerror(r));
		return UMBRA_EXIT_INTERNAL;
	}
	h->chaos_started = true;
	return 0;
}

void host_mem_vm_destroy(struct host_mem_vm *h)
{
	if (!h->hm)
		uffd_mem_destroy(&h->uffd);
}

void host_mem_vm_after_exit(struct host_mem_vm *h)
{
	if (h->hm || !h->uffd.limit || atomic_load(&h->uffd.resident) <= h->uffd.limit)
		return;
	/* This vCPU is between exits; the others are stopped first (one
	 * vCPU: no one to stop, and the chaos thread waits for this one to
	 * reach its pause point). */
	bool others = h->cfg->cpus > 1;
	if (others)
		vcpu_pause(&h->pause, true);
	uffd_mem_reclaim(&h->uffd);
	if (others)
		vcpu_continue(&h->pause);
}

void host_mem_vm_stop(struct host_mem_vm *h)
{
	if (!h->chaos_started)
		return;
	atomic_store(&h->chaos_stop, true);
	pthread_join(h->chaos, NULL);
	h->chaos_started = false;
}

/* --- zaps from VMM threads beside the running vCPUs --- */

/* Whether a VMM thread may take gfn's mappings away while vCPUs run
 * (shadow_gfn_remote_ok: a user page; for a move, none of its neighbours'
 * kernel mappings goes with it), and for a move that host memory lets it
 * go. Under the shadow lock, after shadow_drain_queue. */
static bool remote_ok_clear(struct host_mem_vm *h, uint64_t gfn)
{
	return shadow_gfn_remote_ok(h->mmu, gfn, false);
}

static bool remote_ok_move(void *opaque, uint64_t gfn)
{
	struct host_mem_vm *h = opaque;
	return !host_mem_pinned(h->hm, gfn) && !host_mem_shared(h->hm, gfn) &&
	       !host_mem_locked(h->hm, gfn) && shadow_gfn_remote_ok(h->mmu, gfn, true);
}

/* After zaps under the shadow lock: the vCPUs that may cache a zapped
 * entry (those running an address space it belonged to), but self (a vCPU
 * in its own call, whose result carries its flush; ~0u: none), are asked
 * to flush. Returns their mask; ticket gets what each must acknowledge. */
static uint64_t remote_flush_request(struct host_mem_vm *h, unsigned self, uint64_t *ticket)
{
	uint64_t mask = shadow_pending_flushes(h->mmu, self);
	/* Their kernel stacks first (docs/shadow.md, "SMP"); a refill may
	 * evict, so the mask is taken again. */
	if (mask) {
		shadow_refill_stacks(h->mmu, mask);
		mask = shadow_pending_flushes(h->mmu, self);
	}
	if (!mask || !h->kick)
		return 0;
	/* The request first (as vmm/hypercall.c). */
	mask = shadow_kick_request(h->kick, mask, ticket);
	shadow_raise_kick_flags(h->mmu, mask);
	return mask;
}

/* Kicks them and waits (without the shadow lock). 0 when every one has
 * flushed (or none had to), else -errno: then nothing the zaps unmapped
 * may be freed. */
static int remote_flush_wait(struct host_mem_vm *h, uint64_t mask, const uint64_t *ticket)
{
	if (!mask)
		return 0;
	return shadow_kick_wait(h->kick, mask, ticket, REMOTE_WAIT_MS);
}

/* Phase 2 of a remote swap-out or migration: only when no secondary
 * mapped gfn again since phase 1 unmapped it (its p2m entry is still
 * absent, so no shadow entry and, after the flush, no TLB entry reaches
 * the frame: its bytes are final). Under the shadow lock. */
static bool still_unmapped(struct host_mem_vm *h, uint64_t gfn)
{
	uint64_t m;
	unsigned perms;
	return host_mem_state(h->hm, gfn) == HM_PRESENT && !host_mem_pinned(h->hm, gfn) &&
	       !host_mem_shared(h->hm, gfn) && p2m_lookup(h->hm->p2m, gfn, &m, &perms) == -ENOENT;
}

/* A random gfn with a present backing that ok allows, or nr_gfns after a
 * few misses. */
static uint64_t pick_present(struct host_mem_vm *h, bool move)
{
	for (int i = 0; i < 32; i++) {
		uint64_t g = rnd(h) % h->hm->nr_gfns;
		if (host_mem_state(h->hm, g) != HM_PRESENT)
			continue;
		if (move ? remote_ok_move(h, g) : remote_ok_clear(h, g))
			return g;
		h->chaos_skipped++;
	}
	return h->hm->nr_gfns;
}

/*
 * One chaos operation, made by the chaos thread itself while the vCPUs
 * run: half drop the user-half shadow entries of a range of up to 64
 * frames (the guest faults them back), a quarter migrate a frame, a
 * quarter swap one out. A move first unmaps the frame everywhere
 * (HM_EV_CLEAR) under the shadow lock; then the vCPUs that may cache a
 * zapped entry are kicked and acknowledge; only then is a frame that was
 * not faulted back meanwhile copied and freed (Linux's try_to_unmap before
 * the copy: a write through a stale TLB entry after the copy would be
 * lost, a read of the freed frame would see another page). The gfn is
 * locked from the unmap to the copy (host_mem_trylock): the control
 * socket's reclaim, which moves frames the same way, then leaves it alone
 * instead of copying it while this flush is still in flight.
 */
static void chaos_op(struct host_mem_vm *h)
{
	uint64_t ticket[SHADOW_KICK_MAX_VCPUS], mask;
	pthread_mutex_lock(h->lock);
	/* The guest's pending unmaps first: a user leaf still in the shadow
	 * is then a page the guest still maps (shadow_gfn_remote_ok). */
	shadow_drain_queue(h->mmu);
	unsigned kind = (unsigned)(rnd(h) % 4);
	uint64_t g = pick_present(h, kind >= 2), n = 1;
	if (g >= h->hm->nr_gfns) {
		mask = remote_flush_request(h, ~0u, ticket);
		pthread_mutex_unlock(h->lock);
		remote_flush_wait(h, mask, ticket);
		return;
	}
	if (kind < 2) {
		uint64_t want = 1 + rnd(h) % 64;
		if (want > h->hm->nr_gfns - g)
			want = h->hm->nr_gfns - g;
		shadow_zap_gfn_user(h->mmu, g, want);
	} else {
		host_mem_trylock(h->hm, g); /* free: remote_ok_move */
		host_mem_invalidate(h->hm, g, n, HM_EV_CLEAR);
	}
	mask = remote_flush_request(h, ~0u, ticket);
	h->chaos_done++;
	pthread_mutex_unlock(h->lock);
	int r = remote_flush_wait(h, mask, ticket);
	if (kind < 2)
		return;
	pthread_mutex_lock(h->lock);
	if (r == 0 && !still_unmapped(h, g))
		h->chaos_raced++;
	else if (r == 0 && kind == 2)
		host_mem_migrate(h->hm, g);
	else if (r == 0)
		host_mem_swap_out(h->hm, g);
	/* After a failed wait too: the vCPUs that did not flush keep their
	 * flush flags, so the next mover of g waits for them again. */
	host_mem_unlock(h->hm, g);
	pthread_mutex_unlock(h->lock);
}

/* tdp mode: a random run of up to UFFD_INVALIDATE_MAX frames, from the
 * first present one at or after a random gfn, swapped out while every vCPU
 * is out of KVM_RUN; the guest's next touches fault the bytes back. */
static void chaos_op_tdp(struct host_mem_vm *h)
{
	uint64_t n = h->uffd.p2m.nr_gfns;
	uint64_t g = rnd(h) % n, want = 1 + rnd(h) % UFFD_INVALIDATE_MAX;
	vcpu_pause(&h->pause, false);
	uffd_mem_invalidate(&h->uffd, g, want);
	vcpu_continue(&h->pause);
	h->chaos_done++;
}

static void *chaos_thread(void *arg)
{
	struct host_mem_vm *h = arg;
	long ns = 1000000000L / (long)h->cfg->chaos_rate;
	struct timespec t = {ns / 1000000000L, ns % 1000000000L};
	while (!atomic_load(&h->chaos_stop)) {
		nanosleep(&t, NULL);
		if (atomic_load(&h->chaos_stop))
			break;
		if (h->hm)
			chaos_op(h);
		else
			chaos_op_tdp(h);
	}
	return NULL;
}

/* Phase 1 of a move beside running vCPUs: each gfn locked and unmapped
 * everywhere. The trylock fails only for a gfn the clock picked twice:
 * ours already. Under the shadow lock. */
static void lock_and_clear(struct host_mem_vm *h, const uint64_t *gfn, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		host_mem_trylock(h->hm, gfn[i]);
		host_mem_invalidate(h->hm, gfn[i], 1, HM_EV_CLEAR);
	}
}

/* Between the phases: the vCPUs that may cache what phase 1 unmapped, but
 * self (~0u: none), flush, waited for with the shadow lock dropped (taken
 * again before it returns). True when every one did (or none had to). */
static bool flush_others(struct host_mem_vm *h, unsigned self)
{
	uint64_t ticket[SHADOW_KICK_MAX_VCPUS];
	uint64_t mask = remote_flush_request(h, self, ticket);
	pthread_mutex_unlock(h->lock);
	/* A vCPU's wait inside its own hypercall: the stats say so. */
	if (mask && self != ~0u)
		shadow_kick_count_wait(h->kick, self);
	bool flushed = remote_flush_wait(h, mask, ticket) == 0;
	pthread_mutex_lock(h->lock);
	return flushed;
}

/* Phase 2 of a swap-out: the gfns still unmapped go when every vCPU
 * flushed; all are unlocked (after a failed wait too: the vCPUs that did
 * not flush keep their flush flags, so the next mover waits for them
 * again). Returns how many went. Under the shadow lock. */
static uint64_t swap_out_unlock(struct host_mem_vm *h, const uint64_t *gfn, uint64_t n,
				bool flushed)
{
	uint64_t done = 0;
	for (uint64_t i = 0; i < n; i++) {
		if (flushed && still_unmapped(h, gfn[i]) && host_mem_swap_out(h->hm, gfn[i]) == 0)
			done++;
		host_mem_unlock(h->hm, gfn[i]);
	}
	return done;
}

int64_t host_mem_vm_reclaim_remote(struct host_mem_vm *h, uint64_t pages, bool *flushed)
{
	*flushed = true;
	if (!h->hm || !h->mmu)
		return -ENOTSUP;
	if (h->hm->swap_fd < 0)
		return -ENOSPC;
	pthread_mutex_lock(h->lock);
	uint64_t max = pages && pages < h->hm->resident ? pages : h->hm->resident;
	uint64_t *victims = malloc((max ? max : 1) * sizeof(*victims));
	if (!victims) {
		pthread_mutex_unlock(h->lock);
		return -ENOMEM;
	}
	shadow_drain_queue(h->mmu);
	uint64_t n = host_mem_reclaim_pick(h->hm, victims, max, remote_ok_move, h);
	lock_and_clear(h, victims, n);
	*flushed = flush_others(h, ~0u);
	uint64_t done = swap_out_unlock(h, victims, n, *flushed);
	h->remote_reclaimed += done;
	pthread_mutex_unlock(h->lock);
	free(victims);
	return (int64_t)done;
}

static bool off_running_stacks(void *opaque, uint64_t gfn)
{
	const struct host_mem_vm *h = opaque;
	for (unsigned i = 0; i < h->nr_stack_regions; i++)
		if (h->stack_region[i] == gfn >> 9)
			return false;
	return true;
}

/* A dedup canon after the flush: unmapped as a candidate was, or shared
 * (every mapping of a shared frame is read-only: it cannot have changed). */
static bool canon_stable(struct host_mem_vm *h, uint64_t gfn)
{
	return host_mem_shared(h->hm, gfn) || still_unmapped(h, gfn);
}

/*
 * With several vCPUs, the end of a call's reclaim and dedup as the remote
 * movers make theirs (chaos_op): the other vCPUs run through this call and
 * may hold the frames in their TLBs, so a frame is copied, compared or
 * freed only once they flushed. The victims and both frames of each
 * candidate pair are locked and unmapped (HM_EV_CLEAR), the others kicked
 * and waited for without the shadow lock (this vCPU is in the call: its
 * result carries its own flush), then what is still unmapped is swapped
 * out or merged (host_mem_merge compares the bytes, now final). At most
 * AFTER_CALL_BATCH victims a call: the next calls go on while resident
 * stays over the limit. Called and returns with the shadow lock held.
 */
static void after_call_others_running(struct host_mem_vm *h, unsigned vcpu, bool dedup,
				      bool reclaim)
{
	struct host_mem *hm = h->hm;
	uint64_t victims[AFTER_CALL_BATCH], nv = 0, np = 0;
	struct host_mem_pair pairs[DEDUP_SCAN]; /* at most one per frame scanned */
	if (reclaim && hm->swap_fd >= 0) {
		uint64_t excess = hm->resident - hm->limit;
		nv = host_mem_reclaim_pick(hm, victims, excess < AFTER_CALL_BATCH ? excess
										   : AFTER_CALL_BATCH,
					   off_running_stacks, h);
		lock_and_clear(h, victims, nv);
	}
	if (dedup) {
		/* After the victims: a locked gfn is no candidate. */
		np = host_mem_dedup_pick(hm, DEDUP_SCAN, pairs, DEDUP_SCAN, off_running_stacks, h);
		for (uint64_t i = 0; i < np; i++) {
			lock_and_clear(h, &pairs[i].gfn, 1);
			/* False for a canon of an earlier pair: ours already. A
			 * shared canon stays mapped, read-only everywhere. */
			if (host_mem_trylock(hm, pairs[i].canon) &&
			    !host_mem_shared(hm, pairs[i].canon))
				host_mem_invalidate(hm, pairs[i].canon, 1, HM_EV_CLEAR);
		}
	}
	if (nv + np == 0)
		return;
	bool flushed = flush_others(h, vcpu);
	swap_out_unlock(h, victims, nv, flushed);
	for (uint64_t i = 0; i < np; i++) {
		bool ready = flushed && still_unmapped(h, pairs[i].gfn) &&
			     canon_stable(h, pairs[i].canon);
		/* Unlocked first: host_mem_merge refuses a locked gfn, and
		 * the shadow lock keeps every other mover out meanwhile (a
		 * canon of several pairs is shared after the first merge). */
		host_mem_unlock(hm, pairs[i].gfn);
		host_mem_unlock(hm, pairs[i].canon);
		if (ready)
			host_mem_merge(hm, pairs[i].gfn, pairs[i].canon);
	}
}

void host_mem_vm_after_shadow(void *opaque, unsigned vcpu)
{
	struct host_mem_vm *h = opaque;
	struct host_mem *hm = h->hm;
	if (!hm)
		return;
	h->calls++;
	bool dedup = h->cfg->dedup && h->calls - h->dedup_calls >= DEDUP_EVERY;
	if (dedup)
		h->dedup_calls = h->calls;
	bool reclaim = hm->limit && hm->resident > hm->limit;
	if (!dedup && !reclaim)
		return;
	/* The other vCPUs run meanwhile: a change near the kernel stack one
	 * runs on would take its shadow until this call's kick refills it
	 * (docs/shadow.md, "SMP"), so those regions are left alone. */
	h->nr_stack_regions =
		h->mmu ? shadow_running_stack_regions(h->mmu, vcpu, h->stack_region,
						      sizeof(h->stack_region) /
							      sizeof(h->stack_region[0]))
		       : 0;
	if (h->mmu && h->kick && h->cfg->cpus > 1) {
		after_call_others_running(h, vcpu, dedup, reclaim);
		return;
	}
	/* One vCPU: it is in this call, so no TLB can use a frame before
	 * the call's result makes it flush. */
	if (dedup)
		host_mem_dedup_scan(hm, DEDUP_SCAN, off_running_stacks, h);
	if (reclaim)
		host_mem_reclaim(hm, off_running_stacks, h);
}

/*
 * The poll thread's answers count as calls too: with it most faults and
 * syncs never reach a hypercall, and dedup would wait for the few that do
 * (a two-vCPU run of t_mempattern merged nothing). The turn they make due
 * is the next shadow hypercall's (host_mem_vm_after_shadow), not this
 * thread's: beside running vCPUs a merge could take the 2M region of a
 * kernel stack the hint does not name yet (a task switch sets the next
 * task's before it leaves the previous one's stack), while in a call the
 * caller's own stack is shadowed again before it returns. Under the
 * shadow lock.
 */
void host_mem_vm_after_answers(void *opaque, unsigned answered)
{
	struct host_mem_vm *h = opaque;
	h->calls += answered;
}

int64_t host_mem_vm_dedup_merges(void *opaque)
{
	struct host_mem_vm *h = opaque;
	if (!h->cfg->dedup)
		return -1;
	if (h->hm) {
		pthread_mutex_lock(h->lock);
		uint64_t n = h->hm->stats.merges;
		pthread_mutex_unlock(h->lock);
		return (int64_t)(n & INT64_MAX);
	}
	if (!h->uffd.ksm_dir)
		return -1;
	/* Sampled now: a guest waiting for merges sees them at once. */
	return (int64_t)(uffd_mem_ksm_sample(&h->uffd) & INT64_MAX);
}

void host_mem_vm_set_balloon_target(struct host_mem_vm *h, uint64_t pages)
{
	atomic_store(&h->balloon_target, (int_fast64_t)(pages > INT64_MAX ? INT64_MAX : pages));
}

int64_t host_mem_vm_balloon(void *opaque, const uint64_t *a)
{
	struct host_mem_vm *h = opaque;
	uint64_t op = a[0], gpa = a[1], count = a[2];
	if (op == UMBRA_BALLOON_TARGET) {
		int64_t t = atomic_load(&h->balloon_target);
		return t < 0 ? -UMBRA_ENOENT : t;
	}
	if ((op != UMBRA_BALLOON_INFLATE && op != UMBRA_BALLOON_DEFLATE) ||
	    count > UMBRA_BALLOON_MAX || (gpa & 7) || (gpa & 0xfff) + count * 8 > 4096)
		return -UMBRA_EINVAL;
	uint64_t pfns[UMBRA_BALLOON_MAX];
	if (h->hm) {
		if (host_mem_read(h->hm, gpa, pfns, count * 8))
			return -UMBRA_EINVAL;
	} else {
		const void *src = guest_mem_hva(h->mem, gpa, count * 8);
		if (!src)
			return -UMBRA_EINVAL;
		memcpy(pfns, src, count * 8);
	}
	/* All or nothing: every frame must be guest RAM. */
	for (uint64_t i = 0; i < count; i++)
		if (h->hm ? pfns[i] >= h->hm->nr_gfns || host_mem_pinned(h->hm, pfns[i])
			  : pfns[i] >= (1ull << 40) ||
			    !guest_mem_hva(h->mem, pfns[i] << 12, FRAME_SIZE))
			return -UMBRA_EINVAL;
	if (!h->hm) {
		uffd_mem_balloon(&h->uffd, op == UMBRA_BALLOON_INFLATE, pfns, count);
		return (int64_t)count;
	}
	if (count && h->hm->trace)
		h->hm->trace(h->hm->trace_opaque,
			     op == UMBRA_BALLOON_DEFLATE ? TRACE_BALLOON_DEFLATE : TRACE_BALLOON_INFLATE,
			     pfns[0], count);
	if (op == UMBRA_BALLOON_DEFLATE) {
		h->hm->stats.balloon_in += count;
		return (int64_t)count;
	}
	for (uint64_t i = 0; i < count; i++)
		host_mem_discard(h->hm, pfns[i]);
	h->hm->stats.balloon_out += count;
	return (int64_t)count;
}

#define U(x) ((unsigned long long)(x))

void host_mem_vm_summary(struct host_mem_vm *h, char *line, size_t len)
{
	size_t pos = strlen(line);
	if (pos >= len)
		return;
	if (!h->hm) {
		struct uffd_stats u;
		struct hm_stats hs;
		uffd_mem_ksm_sample(&h->uffd);
		uffd_mem_stats(&h->uffd, &u, &hs);
		uint64_t starts = 0;
		for (int i = 0; i < HM_EV_KINDS; i++)
			starts += hs.ev_start[i];
		if (h->uffd.started) {
			snprintf(line + pos, len - pos,
				 "; host memory: %llu frames resident (peak %llu%s), %llu swap-outs, "
				 "%llu swap-ins, balloon %llu returned %llu taken back, "
				 "%llu uffd faults (%llu zero pages), notifier %llu invalidations",
				 U(atomic_load(&h->uffd.resident)), U(u.resident_max),
				 h->uffd.limit ? ", limited" : "", U(u.swap_outs), U(u.swap_ins),
				 U(u.balloon_out), U(u.balloon_in), U(u.missing), U(u.zeropages),
				 U(starts));
			pos = strlen(line);
			if (h->cfg->chaos_rate && pos < len)
				snprintf(line + pos, len - pos, ", %llu chaos invalidations",
					 U(u.invalidations));
		}
		pos = strlen(line);
		if (h->uffd.ksm_dir && pos < len)
			snprintf(line + pos, len - pos,
				 "%s%llu dedup merges (KSM: %llu guest pages merged at the peak)",
				 h->uffd.started ? ", " : "; host memory: ", U(u.ksm_merged),
				 U(u.ksm_merging_max));
		else if (u.balloon_out || u.balloon_in)
			snprintf(line + pos, len - pos,
				 "; host memory: balloon %llu returned %llu taken back",
				 U(u.balloon_out), U(u.balloon_in));
		return;
	}
	const struct hm_stats *s = &h->hm->stats;
	uint64_t starts = 0;
	for (int i = 0; i < HM_EV_KINDS; i++)
		starts += s->ev_start[i];
	snprintf(line + pos, len - pos,
		 "; host memory: %llu frames resident (peak %llu%s), %llu swap-outs, "
		 "%llu swap-ins, balloon %llu returned %llu taken back, %llu dedup merges, "
		 "%llu migrations, notifier %llu invalidations %llu change_pte "
		 "%llu clear_young, %llu fault retries",
		 U(h->hm->resident), U(s->resident_max),
		 h->hm->limit ? ", limited" : "", U(s->swap_outs), U(s->swap_ins),
		 U(s->balloon_out), U(s->balloon_in), U(s->merges), U(s->migrations),
		 U(starts), U(s->ev_change_pte), U(s->ev_clear_young), U(s->retries));
}

void host_mem_vm_print_stats(struct host_mem_vm *h, FILE *f)
{
	if (!h->hm) {
		struct uffd_stats u;
		struct hm_stats hs;
		uffd_mem_stats(&h->uffd, &u, &hs);
		fprintf(f, "host memory: userfaultfd %s; resident %llu frames, peak %llu, "
			"limit %llu\n",
			h->uffd.started ? "on" : h->uffd.eager ? "refused (backed eagerly)" : "off",
			U(atomic_load(&h->uffd.resident)), U(u.resident_max), U(h->uffd.limit));
		fprintf(f, "host memory: uffd missing faults %llu (zero pages %llu), swap-ins %llu "
			"(readahead %llu), EAGAIN retries %llu; REMOVE events %llu own %llu announced, "
			"UNMAP %llu, REMAP %llu\n",
			U(u.missing), U(u.zeropages), U(u.swap_ins), U(u.readahead), U(u.retries),
			U(u.removes_own),
			U(u.removes_foreign), U(u.unmaps), U(u.remaps));
		fprintf(f, "host memory: swap-outs %llu (all-zero dropped %llu), clock scans %llu; "
			"balloon returned %llu, taken back %llu\n",
			U(u.swap_outs), U(u.swap_zero), U(u.reclaim_scans), U(u.balloon_out),
			U(u.balloon_in));
		if (h->uffd.ksm_dir)
			fprintf(f, "host memory: KSM (--dedup): %lld guest pages merged now, %llu "
				"at the peak; sampled increases %llu, decreases %llu; merged "
				"frames dropped by the VMM %llu\n",
				(long long)u.ksm_merging, U(u.ksm_merging_max), U(u.ksm_merged),
				U(u.ksm_unmerged), U(u.ksm_dropped));
		fprintf(f, "host memory: chaos invalidations %llu (%llu frames swapped out); "
			"vCPU pauses %llu (%llu ms waiting for the vCPUs)\n",
			U(u.invalidations), U(u.invalidated), U(h->pause.pauses),
			U(h->pause.wait_ns / 1000000));
		fprintf(f, "host memory: notifier invalidate_range_start unmap %llu clear %llu "
			"migrate %llu release %llu, end %llu\n",
			U(hs.ev_start[HM_EV_UNMAP]), U(hs.ev_start[HM_EV_CLEAR]),
			U(hs.ev_start[HM_EV_MIGRATE]), U(hs.ev_start[HM_EV_RELEASE]), U(hs.ev_end));
		return;
	}
	const struct host_mem *hm = h->hm;
	const struct hm_stats *s = &hm->stats;
	fprintf(f, "host memory: resident %llu frames, peak %llu, limit %llu; faults %llu "
		"(zero fills %llu, retries %llu)\n",
		U(hm->resident), U(s->resident_max), U(hm->limit), U(s->faults),
		U(s->zero_fills), U(s->retries));
	fprintf(f, "host memory: swap-outs %llu (all-zero dropped %llu, kept after a write "
		"error %llu), swap-ins %llu, clock scans %llu, frames returned to the host %llu\n",
		U(s->swap_outs), U(s->swap_zero), U(s->swap_write_errors), U(s->swap_ins),
		U(s->reclaim_scans), U(s->host_released));
	fprintf(f, "host memory: balloon returned %llu, taken back %llu; dedup merges %llu, "
		"unshared by writes %llu; migrations %llu; chaos operations %llu (%llu picks "
		"skipped: not a user page, or not movable; %llu refaulted before the copy); "
		"reclaimed from the control socket %llu\n",
		U(s->balloon_out), U(s->balloon_in), U(s->merges), U(s->unshares),
		U(s->migrations), U(h->chaos_done), U(h->chaos_skipped), U(h->chaos_raced),
		U(h->remote_reclaimed));
	fprintf(f, "host memory: notifier invalidate_range_start unmap %llu clear %llu "
		"protection %llu migrate %llu release %llu, end %llu, change_pte %llu, "
		"clear_young %llu, test_young %llu\n",
		U(s->ev_start[HM_EV_UNMAP]), U(s->ev_start[HM_EV_CLEAR]),
		U(s->ev_start[HM_EV_PROTECTION]), U(s->ev_start[HM_EV_MIGRATE]),
		U(s->ev_start[HM_EV_RELEASE]), U(s->ev_end), U(s->ev_change_pte),
		U(s->ev_clear_young), U(s->ev_test_young));
}
