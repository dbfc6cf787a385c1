/* SPDX-License-Identifier: MIT */
/* tdp mode's host memory through userfaultfd (see uffd_mem.h). */
#include "uffd_mem.h"
#include "ksm.h"
#include "../shadow/fault_inject.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* How often the thread looks at its stop flag while idle, and again at a
 * fault whose UFFDIO_* said EAGAIN. */
#define POLL_MS 100
#define RETRY_MS 1
/* Faults retried this long are said to wait (report_stuck_faults). */
#define PENDING_REPORT_S 10
/* Frames reclaim picks under the lock before it drops them. */
#define RECLAIM_BATCH 256
/* A first touch maps the zero page over the run of never-backed frames
 * around it, up to this many (aligned): each uffd round trip costs a few
 * ms nested, and a zero page costs the host no memory until written. With
 * a limit the run is shorter, since every frame counts as resident. */
#define FILL_RUN 512
#define FILL_RUN_LIMITED 16
/* A swapped frame comes back with the other swapped frames of its aligned
 * run (readahead: a sequential reader faults once per run). */
#define SWAP_RUN 16
/* --dedup: how often the thread reads KSM's count of merged pages. */
#define KSM_SAMPLE_MS 100
/* The table's (empty) pool lies above any guest-physical address, so the
 * identity entries never name one of its frames. */
#define NO_POOL_BASE (1ull << 50)
/* Swap-file write errors after which one reclaim round gives up. */
#define RECLAIM_WRITE_ERRORS 8

/* --- guest RAM addresses --- */

static bool gfn_of(const struct uffd_mem *u, uint64_t hva, uint64_t *gfn)
{
	for (unsigned i = 0; i < u->mem->nranges; i++) {
		const struct guest_mem_range *r = &u->mem->ranges[i];
		uint64_t base = (uint64_t)(uintptr_t)r->hva;
		if (r->hva && hva >= base && hva - base < r->size) {
			*gfn = (r->gpa + (hva - base)) >> 12;
			return true;
		}
	}
	return false;
}

static uint8_t *hva_of(const struct uffd_mem *u, uint64_t gfn)
{
	return guest_mem_hva(u->mem, gfn << 12, FRAME_SIZE);
}

static uint64_t nr_gfns(const struct guest_mem *mem)
{
	uint64_t end = 0;
	for (unsigned i = 0; i < mem->nranges; i++)
		if (mem->ranges[i].gpa + mem->ranges[i].size > end)
			end = mem->ranges[i].gpa + mem->ranges[i].size;
	return end >> 12;
}

/* --- the state table (under u->lock) --- */

static void set_present(struct uffd_mem *u, uint64_t gfn)
{
	if (p2m_gfn_state(&u->p2m, gfn, NULL) == P2M_GFN_PRESENT)
		return;
	p2m_install(&u->p2m, gfn, gfn << 12, EPTE_RWX);
	uint64_t n = atomic_fetch_add(&u->resident, 1) + 1;
	if (n > u->stats.resident_max)
		u->stats.resident_max = n;
	u->young[gfn] = 1;
}

/* A present gfn loses its backing: announced on the chain (the table, its
 * subscriber, drops the entry), then marked with why. */
static void set_gone(struct uffd_mem *u, uint64_t gfn, enum hm_event ev,
		     enum p2m_gfn_state st, uint64_t slot)
{
	if (p2m_gfn_state(&u->p2m, gfn, NULL) == P2M_GFN_PRESENT) {
		host_mem_invalidate(&u->hm, gfn, 1, ev);
		atomic_fetch_sub(&u->resident, 1);
	}
	p2m_set_absent(&u->p2m, gfn, st, slot);
}

static int alloc_slot(struct uffd_mem *u, uint64_t *slot)
{
	if (u->nr_free_slots) {
		*slot = u->free_slots[--u->nr_free_slots];
		return 0;
	}
	if (u->swap_slots >= UINT32_MAX)
		return -ENOSPC;
	*slot = u->swap_slots++;
	return 0;
}

static void free_slot(struct uffd_mem *u, uint64_t slot)
{
	uint32_t *s = realloc(u->free_slots, (u->nr_free_slots + 1) * sizeof(*s));
	if (!s)
		return; /* the slot leaks; the file just grows */
	u->free_slots = s;
	s[u->nr_free_slots++] = (uint32_t)slot;
}

/* --- the thread --- */

static void wake(struct uffd_mem *u, uint64_t page)
{
	struct uffdio_range r = {page, FRAME_SIZE};
	ioctl(u->fd, UFFDIO_WAKE, &r);
}

static bool never_backed(const struct uffd_mem *u, uint64_t gfn)
{
	enum p2m_gfn_state st = p2m_gfn_state(&u->p2m, gfn, NULL);
	return (st == P2M_GFN_ABSENT || st == P2M_GFN_DISCARDED) && hva_of(u, gfn);
}

/* A UFFDIO_* ioctl, or its injected failure (EIO). */
static int uffd_ioctl(struct uffd_mem *u, unsigned long req, void *arg)
{
	if (fault_inject_hit(FI_UFFD)) {
		errno = EIO;
		return -1;
	}
	return ioctl(u->fd, req, arg);
}

/* A UFFDIO_* that failed for another reason than a changing backing: the
 * frame is left as it was and the access faults again. */
static void uffd_failed(const char *what, uint64_t gfn, int err)
{
	host_failure(FI_UFFD, false, "userfaultfd: %s of gfn 0x%llx failed (%s): "
		     "the fault is retried", what, (unsigned long long)gfn, strerror(err));
}

static int zeropage(struct uffd_mem *u, uint64_t start, uint64_t len, int64_t *done)
{
	struct uffdio_zeropage z = {.range = {start, len}, .mode = 0};
	int r = uffd_ioctl(u, UFFDIO_ZEROPAGE, &z) == 0 ? 0 : -errno;
	*done = r ? z.zeropage : (int64_t)len;
	return r;
}

/* The zero page over gfn and the never-backed frames next to it in its
 * aligned run, in one ioctl. The others are marked present here, gfn by
 * the caller. 0 or -errno (-EAGAIN: the backing is changing). */
static int zero_run(struct uffd_mem *u, uint64_t gfn, uint64_t page)
{
	uint64_t w = u->limit ? FILL_RUN_LIMITED : FILL_RUN;
	uint64_t base = gfn & ~(w - 1), first = gfn, end = gfn + 1;
	while (first > base && never_backed(u, first - 1) &&
	       hva_of(u, first - 1) + FRAME_SIZE == hva_of(u, first))
		first--;
	while (end < base + w && end < u->p2m.nr_gfns && never_backed(u, end) &&
	       hva_of(u, end - 1) + FRAME_SIZE == hva_of(u, end))
		end++;
	int64_t done;
	int r = zeropage(u, page - (gfn - first) * FRAME_SIZE, (end - first) * FRAME_SIZE, &done);
	/* Partly done (-EAGAIN with a count): a frame of the run was there
	 * after all. */
	uint64_t n = done > 0 ? (uint64_t)done / FRAME_SIZE : 0;
	for (uint64_t g = first; g < first + n; g++)
		if (g != gfn) {
			set_present(u, g);
			u->young[g] = 0; /* not touched: the first to go */
		}
	if (first + n > gfn)
		return 0;
	if (r == -EAGAIN && done == -EAGAIN)
		return r;
	if (end - first > 1) {
		r = zeropage(u, page, FRAME_SIZE, &done);
	}
	return r == -EEXIST ? 0 : r;
}

/* Reads gfn's bytes from its slot; false (errno set) when they cannot be. */
static bool swap_read(struct uffd_mem *u, uint64_t slot, uint8_t *buf)
{
	if (fault_inject_hit(FI_SWAP_READ)) {
		errno = EIO;
		return false;
	}
	ssize_t n = pread(u->swap_fd, buf, FRAME_SIZE, (off_t)(slot * FRAME_SIZE));
	if (n >= 0 && n != (ssize_t)FRAME_SIZE)
		errno = EIO;
	return n == (ssize_t)FRAME_SIZE;
}

/* Copies buf into gfn's page; false with errno (EEXIST: reclaim marked it
 * but has not dropped it yet; EAGAIN: the backing is changing). */
static bool copy_in(struct uffd_mem *u, uint64_t gfn, uint8_t *buf)
{
	struct uffdio_copy c = {.dst = (uint64_t)(uintptr_t)hva_of(u, gfn),
				.src = (uint64_t)(uintptr_t)buf, .len = FRAME_SIZE, .mode = 0};
	return uffd_ioctl(u, UFFDIO_COPY, &c) == 0;
}

static void swapped_in(struct uffd_mem *u, uint64_t gfn, uint64_t slot)
{
	free_slot(u, slot);
	u->stats.swap_ins++;
	mmu_trace_record(u->trace, TRACE_SWAP_IN, 0, gfn, slot, 0);
	set_present(u, gfn);
}

/* The other swapped frames of gfn's run. Not young: the first to go again
 * when unused. A frame whose copy fails stays swapped (EEXIST: reclaim
 * marked it but has not dropped it yet). */
static void swap_readahead(struct uffd_mem *u, uint64_t gfn, uint8_t *buf)
{
	uint64_t base = gfn & ~(SWAP_RUN - 1), slot;
	for (uint64_t g = base; g < base + SWAP_RUN && g < u->p2m.nr_gfns; g++) {
		if (g == gfn || p2m_gfn_state(&u->p2m, g, &slot) != P2M_GFN_SWAPPED ||
		    !hva_of(u, g))
			continue;
		/* A frame that cannot be read now stays swapped: its own
		 * fault reads it again (and stops the guest if that fails). */
		if (!swap_read(u, slot, buf)) {
			host_failure(FI_SWAP_READ, false, "swap file: readahead of gfn "
				     "0x%llx failed (%s): it stays swapped",
				     (unsigned long long)g, strerror(errno));
			continue;
		}
		if (!copy_in(u, g, buf)) {
			if (errno == EAGAIN)
				return;
			if (errno != EEXIST)
				uffd_failed("UFFDIO_COPY (readahead)", g, errno);
			continue;
		}
		swapped_in(u, g, slot);
		u->young[g] = 0;
		u->stats.readahead++;
	}
}

/* Serves one missing fault; -EAGAIN when the backing is changing (a
 * REMOVE on its way to us): retried after the next events. */
static int serve_fault(struct uffd_mem *u, uint64_t addr)
{
	static _Thread_local uint8_t buf[FRAME_SIZE] __attribute__((aligned(4096)));
	uint64_t page = addr & ~(FRAME_SIZE - 1), gfn, slot = 0;
	if (!gfn_of(u, page, &gfn)) {
		wake(u, page);
		return 0;
	}
	pthread_mutex_lock(&u->lock);
	enum p2m_gfn_state st = p2m_gfn_state(&u->p2m, gfn, &slot);
	int how = 0, r = 0;
	if (st == P2M_GFN_PRESENT) {
		/* Served already (several threads faulted on it). */
		wake(u, page);
		how = 2;
	} else if (st == P2M_GFN_SWAPPED) {
		how = 1;
		if (!swap_read(u, slot, buf)) {
			/* Its bytes are lost: the guest is stopped, never given
			 * other bytes. The zero page then lets the faulting
			 * thread out of the kernel: a vCPU leaves KVM_RUN for
			 * the stop (its kick is pending) before it runs the
			 * guest again. */
			host_failure(FI_SWAP_READ, true, "swap file: cannot read back gfn "
				     "0x%llx (%s): its data is lost; guest stopped",
				     (unsigned long long)gfn, strerror(errno));
			int64_t done;
			zeropage(u, page, FRAME_SIZE, &done);
			wake(u, page);
			pthread_mutex_unlock(&u->lock);
			return 0;
		}
		r = copy_in(u, gfn, buf) ? 0 : -errno;
		if (r == -EEXIST) {
			/* A stale fault: the page is there, marked swapped by a
			 * reclaim that has not dropped it yet. Its bytes are in
			 * the slot; once dropped, the next touch reads them.
			 * (Marking it present here freed the slot, and the drop's
			 * REMOVE then made it absent: a zero page for it.) */
			wake(u, page);
			how = 2;
			r = 0;
		}
	} else {
		r = zero_run(u, gfn, page);
	}
	if (r == -EAGAIN) {
		u->stats.retries++;
	} else if (r) {
		/* The address space is going away (ESRCH) or worse: let the
		 * thread fault again rather than wait for ever. */
		if (r != -ESRCH)
			uffd_failed(how == 1 ? "UFFDIO_COPY" : "UFFDIO_ZEROPAGE", gfn, -r);
		wake(u, page);
	} else if (how != 2) {
		if (how == 1) {
			swapped_in(u, gfn, slot);
			swap_readahead(u, gfn, buf);
		} else {
			u->stats.zeropages++;
			set_present(u, gfn);
		}
		u->stats.missing++;
		mmu_trace_record(u->trace, TRACE_UFFD_FAULT, 0, gfn << 12, (uint64_t)how, 0);
	}
	pthread_mutex_unlock(&u->lock);
	return r == -EAGAIN ? -EAGAIN : 0;
}

/*
 * REMOVE (MADV_DONTNEED), UNMAP (munmap) and REMAP (mremap) of guest RAM.
 * A frame still present loses its backing behind the VMM's back: it is
 * announced on the chain and becomes absent. A frame the VMM dropped itself
 * (reclaim, balloon) was announced then and is no longer present here.
 */
static void backing_event(struct uffd_mem *u, uint64_t start, uint64_t end,
			  enum hm_event ev)
{
	pthread_mutex_lock(&u->lock);
	bool announced = false;
	for (uint64_t a = start & ~(FRAME_SIZE - 1); a < end; a += FRAME_SIZE) {
		uint64_t gfn;
		if (gfn_of(u, a, &gfn) &&
		    p2m_gfn_state(&u->p2m, gfn, NULL) == P2M_GFN_PRESENT) {
			set_gone(u, gfn, ev, P2M_GFN_ABSENT, 0);
			announced = true;
		}
	}
	uint64_t gfn = 0;
	gfn_of(u, start, &gfn);
	if (ev == HM_EV_UNMAP && announced)
		u->stats.removes_foreign++;
	else if (ev == HM_EV_UNMAP)
		u->stats.removes_own++;
	mmu_trace_record(u->trace, TRACE_UFFD_REMOVE, 0, gfn << 12, end - start, announced);
	pthread_mutex_unlock(&u->lock);
}

static void handle_msg(struct uffd_mem *u, const struct uffd_msg *m)
{
	switch (m->event) {
	case UFFD_EVENT_PAGEFAULT:
		if (serve_fault(u, m->arg.pagefault.address) == -EAGAIN) {
			if (u->nr_pending == u->cap_pending) {
				unsigned cap = u->cap_pending ? 2 * u->cap_pending : 16;
				uint64_t *p = realloc(u->pending, cap * sizeof(*p));
				if (!p) {
					/* Faults again, and comes back to us. */
					wake(u, m->arg.pagefault.address & ~(FRAME_SIZE - 1));
					return;
				}
				u->pending = p;
				u->cap_pending = cap;
			}
			u->pending[u->nr_pending++] = m->arg.pagefault.address;
		}
		break;
	case UFFD_EVENT_REMOVE:
		backing_event(u, m->arg.remove.start, m->arg.remove.end, HM_EV_UNMAP);
		break;
	case UFFD_EVENT_UNMAP:
		u->stats.unmaps++;
		backing_event(u, m->arg.remove.start, m->arg.remove.end, HM_EV_RELEASE);
		break;
	case UFFD_EVENT_REMAP:
		/* Guest RAM moved away from the memslot's address. */
		u->stats.remaps++;
		backing_event(u, m->arg.remap.from, m->arg.remap.from + m->arg.remap.len,
			      HM_EV_MIGRATE);
		break;
	}
}

/* A backing that never stops changing leaves its faulting threads (a
 * vCPU in KVM_RUN among them) asleep for good: said once per spell of
 * retries, after PENDING_REPORT_S, with the first address still waiting. */
static void report_stuck_faults(struct uffd_mem *u)
{
	if (!held_long(&u->pending_wait, u->nr_pending, PENDING_REPORT_S * 1000000000ull))
		return;
	uint64_t gfn = ~0ull;
	gfn_of(u, u->pending[0] & ~(FRAME_SIZE - 1), &gfn);
	fprintf(stderr, "umbra: userfaultfd: %u fault(s) retried for %u s, the backing "
		"still changing (UFFDIO_* says EAGAIN); the first at gfn 0x%llx\n",
		u->nr_pending, PENDING_REPORT_S, (unsigned long long)gfn);
}

static void *uffd_thread(void *arg)
{
	struct uffd_mem *u = arg;
	while (!atomic_load(&u->stop)) {
		struct pollfd p = {.fd = u->fd, .events = POLLIN};
		int n = poll(&p, 1, u->nr_pending ? RETRY_MS : POLL_MS);
		if (n > 0) {
			struct uffd_msg msg[16];
			ssize_t got = read(u->fd, msg, sizeof(msg));
			for (ssize_t i = 0; got > 0 && i < got / (ssize_t)sizeof(msg[0]); i++)
				handle_msg(u, &msg[i]);
		}
		/* The events that made them fail have been read now. */
		unsigned np = u->nr_pending;
		u->nr_pending = 0;
		for (unsigned i = 0; i < np; i++)
			if (serve_fault(u, u->pending[i]) == -EAGAIN)
				u->pending[u->nr_pending++] = u->pending[i];
		report_stuck_faults(u);
		if (u->ksm_dir) {
			struct timespec t;
			clock_gettime(CLOCK_MONOTONIC, &t);
			uint64_t now = (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
			if (now - u->ksm_last_ns >= KSM_SAMPLE_MS * 1000000ull) {
				u->ksm_last_ns = now;
				uffd_mem_ksm_sample(u);
			}
		}
	}
	return NULL;
}

uint64_t uffd_mem_ksm_sample(struct uffd_mem *u)
{
	if (!u->ksm_dir)
		return 0;
	/* Read under the lock: the uffd thread and the vCPUs' counter reads
	 * both sample, and a reading older than the last one applied would
	 * count a false unshare and then a false merge. */
	pthread_mutex_lock(&u->lock);
	int64_t n = ksm_merging_pages(u->ksm_dir);
	/* -1 before the first sample: counted from 0 (no event of 0 pages). */
	int64_t was = u->stats.ksm_merging > 0 ? u->stats.ksm_merging : 0;
	if (n >= 0) {
		u->stats.ksm_merging = n;
		if ((uint64_t)n > u->stats.ksm_merging_max)
			u->stats.ksm_merging_max = (uint64_t)n;
		/* KSM says how many, not which: a = ~0 (no gfn), b = how many. */
		if (n > was) {
			u->stats.ksm_merged += (uint64_t)(n - was);
			mmu_trace_record(u->trace, TRACE_MERGE, 0, ~0ull, (uint64_t)(n - was), 0);
		} else if (n < was) {
			u->stats.ksm_unmerged += (uint64_t)(was - n);
			mmu_trace_record(u->trace, TRACE_UNSHARE, 0, ~0ull, (uint64_t)(was - n), 0);
		}
	}
	uint64_t merged = u->stats.ksm_merged;
	pthread_mutex_unlock(&u->lock);
	return merged;
}

/* --- start and stop --- */

void uffd_mem_init(struct uffd_mem *u, const struct guest_mem *mem)
{
	memset(u, 0, sizeof(*u));
	u->mem = mem;
	u->fd = -1;
	u->swap_fd = -1;
	atomic_init(&u->stop, false);
	atomic_init(&u->resident, 0);
	u->stats.ksm_merging = -1;
	u->ksm.pagemap_fd = u->ksm.kpageflags_fd = -1;
	pthread_mutex_init(&u->lock, NULL);
}

/* userfaultfd refused: every page backed now, so nothing is left to fault. */
static void back_eagerly(struct uffd_mem *u, const char *why)
{
	fprintf(stderr, "umbra: userfaultfd: %s: guest RAM is backed eagerly\n", why);
	u->eager = true;
	for (unsigned i = 0; i < u->mem->nranges; i++) {
		uint8_t *p = u->mem->ranges[i].hva;
		uint64_t size = u->mem->ranges[i].size;
#ifdef MADV_POPULATE_WRITE
		if (madvise(p, size, MADV_POPULATE_WRITE) == 0)
			continue;
#endif
		/* A write of what is there: the boot image stays as it is. */
		for (uint64_t off = 0; off < size; off += FRAME_SIZE) {
			volatile uint8_t *b = p + off;
			*b = *b;
		}
	}
}

/* The table starts as the host has it: present what the boot loader wrote. */
static int table_init(struct uffd_mem *u)
{
	uint64_t n = nr_gfns(u->mem);
	u->young = calloc(n, 1);
	if (!u->young || frame_pool_init(&u->pool, NO_POOL_BASE, 1, NULL))
		return -ENOMEM;
	if (p2m_init(&u->p2m, &u->pool, n) || host_mem_init(&u->hm, &u->p2m, -1)) {
		frame_pool_destroy(&u->pool);
		return -ENOMEM;
	}
	u->have_table = true;
	for (unsigned i = 0; i < u->mem->nranges; i++) {
		const struct guest_mem_range *r = &u->mem->ranges[i];
		uint64_t pages = r->size / FRAME_SIZE;
		unsigned char *vec = malloc(pages);
		if (!vec || mincore(r->hva, r->size, vec)) {
			free(vec);
			return -errno;
		}
		for (uint64_t p = 0; p < pages; p++)
			if (vec[p] & 1)
				set_present(u, (r->gpa >> 12) + p);
		free(vec);
	}
	return 0;
}

int uffd_mem_start(struct uffd_mem *u, uint64_t limit, int swap_fd)
{
	u->limit = limit;
	u->swap_fd = swap_fd;
	int e;
	if (u->ksm_dir && (e = ksm_probe_open(&u->ksm)))
		fprintf(stderr, "umbra: --dedup: cannot tell which frames KSM merged "
			"(/proc/self/pagemap, /proc/kpageflags: %s): counts only\n", strerror(-e));
	e = table_init(u);
	if (e) {
		back_eagerly(u, strerror(-e));
		return -1;
	}
	int fd = u->debug_fail_errno ? (errno = u->debug_fail_errno, -1)
				     : (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		char why[160];
		e = errno;
		/* Not root with vm.unprivileged_userfaultfd=0. (UFFD_USER_MODE_ONLY
		 * would be allowed, but KVM's own accesses are kernel-mode.) */
		snprintf(why, sizeof(why), "%s%s", strerror(e),
			 e == EPERM ? " (vm.unprivileged_userfaultfd is 0 and this is not root)"
				    : "");
		back_eagerly(u, why);
		return -1;
	}
	struct uffdio_api api = {
		.api = UFFD_API,
		.features = UFFD_FEATURE_EVENT_REMOVE | UFFD_FEATURE_EVENT_UNMAP |
			    UFFD_FEATURE_EVENT_REMAP,
	};
	if (ioctl(fd, UFFDIO_API, &api) < 0) {
		e = errno;
		close(fd);
		back_eagerly(u, strerror(e));
		return -1;
	}
	for (unsigned i = 0; i < u->mem->nranges; i++) {
		struct uffdio_register reg = {
			.range = {(uint64_t)(uintptr_t)u->mem->ranges[i].hva,
				  u->mem->ranges[i].size},
			.mode = UFFDIO_REGISTER_MODE_MISSING,
		};
		if ((fault_inject_hit(FI_UFFD) ? (errno = EIO, -1)
					       : ioctl(fd, UFFDIO_REGISTER, &reg)) < 0 ||
		    !(reg.ioctls & (1ull << _UFFDIO_ZEROPAGE))) {
			e = errno ? errno : ENOTSUP;
			close(fd); /* unregisters: nothing faults into it now */
			back_eagerly(u, strerror(e));
			return -1;
		}
	}
	u->fd = fd;
	int r = pthread_create(&u->thread, NULL, uffd_thread, u);
	if (r) {
		close(fd);
		u->fd = -1;
		back_eagerly(u, strerror(r));
		return -1;
	}
	u->started = true;
	return 0;
}

void uffd_mem_destroy(struct uffd_mem *u)
{
	if (u->started) {
		atomic_store(&u->stop, true);
		pthread_join(u->thread, NULL);
		u->started = false;
	}
	if (u->fd >= 0)
		close(u->fd);
	u->fd = -1;
	if (u->have_table) {
		host_mem_destroy(&u->hm);
		p2m_destroy(&u->p2m);
		frame_pool_destroy(&u->pool);
		u->have_table = false;
	}
	if (u->swap_fd >= 0)
		close(u->swap_fd);
	u->swap_fd = -1;
	ksm_probe_close(&u->ksm);
	mmu_trace_free(u->trace);
	u->trace = NULL;
	free(u->young);
	free(u->free_slots);
	free(u->pending);
	u->young = NULL;
	u->free_slots = NULL;
	u->pending = NULL;
}

/* --- reclaim and the balloon --- */

static bool frame_is_zero(const uint8_t *p)
{
	for (unsigned i = 0; i < FRAME_SIZE; i += 8)
		if (*(const uint64_t *)(p + i))
			return false;
	return true;
}

static int cmp_gfn(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* A run whose MADV_DONTNEED failed still holds its bytes: it is present
 * again (a swapped copy is forgotten, its slot freed), nothing lost. */
static void drop_failed(struct uffd_mem *u, const uint64_t *gfns, uint64_t n, int err)
{
	host_failure(FI_MADVISE, false, "madvise(MADV_DONTNEED) of gfn 0x%llx (%llu "
		     "frames) failed (%s): they stay resident", (unsigned long long)gfns[0],
		     (unsigned long long)n, strerror(err));
	pthread_mutex_lock(&u->lock);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t slot;
		enum p2m_gfn_state st = p2m_gfn_state(&u->p2m, gfns[i], &slot);
		/* As table_init: what the host still maps (a never-touched
		 * frame the balloon took has nothing to keep). */
		unsigned char vec = 0;
		uint8_t *p = hva_of(u, gfns[i]);
		if (st == P2M_GFN_PRESENT || !p || mincore(p, FRAME_SIZE, &vec) || !(vec & 1))
			continue;
		if (st == P2M_GFN_SWAPPED)
			free_slot(u, slot);
		set_present(u, gfns[i]);
	}
	pthread_mutex_unlock(&u->lock);
}

static int dontneed(uint8_t *p, uint64_t len)
{
	if (fault_inject_hit(FI_MADVISE)) {
		errno = EIO;
		return -1;
	}
	return madvise(p, len, MADV_DONTNEED);
}

/* --dedup: a frame KSM merged that the VMM drops (swap-out, balloon) ends
 * its sharing; the unshare event names the gfn (b = 0: no new frame),
 * unlike the sampled decreases. Under the lock, once the frame is marked
 * gone (a drop the host then refuses leaves it counted). */
static void merged_drop(struct uffd_mem *u, uint64_t gfn, uint64_t arg)
{
	u->stats.ksm_dropped++;
	mmu_trace_record(u->trace, TRACE_UNSHARE, 0, gfn, 0, arg);
}

/* MADV_DONTNEED of frames already announced and marked, without the lock:
 * one call (and one REMOVE event, a round trip to the thread) per run of
 * neighbours. Sorts gfns. False when a run could not be dropped. */
static bool drop(struct uffd_mem *u, uint64_t *gfns, uint64_t n)
{
	bool ok = true;
	qsort(gfns, n, sizeof(*gfns), cmp_gfn);
	for (uint64_t i = 0, j; i < n; i = j) {
		uint8_t *p = hva_of(u, gfns[i]);
		for (j = i + 1; j < n && gfns[j] <= gfns[j - 1] + 1 &&
				hva_of(u, gfns[j]) == p + (gfns[j] - gfns[i]) * FRAME_SIZE;
		     j++)
			;
		if (p && dontneed(p, (gfns[j - 1] - gfns[i] + 1) * FRAME_SIZE)) {
			drop_failed(u, gfns + i, j - i, errno);
			ok = false;
		}
	}
	return ok;
}

/* A present frame's bytes go to the swap file (an all-zero frame is just
 * dropped), and it is announced (HM_EV_CLEAR) and marked; the caller drops
 * it after, without the lock. Under the lock, with no vCPU running the
 * guest (a write between the copy and the drop would be lost). chaos: made
 * by --chaos-invalidate (the trace event's arg). 0, or -ENOSPC (no slot)
 * or -EIO (the write failed: reported, the frame stays resident), nothing
 * changed. */
static int evict(struct uffd_mem *u, uint64_t gfn, bool chaos)
{
	const uint8_t *p = hva_of(u, gfn);
	uint64_t slot = ~0ull;
	if (!p)
		return -ENOSPC;
	/* Asked while it is still mapped; said only once it goes. */
	bool merged = ksm_page_merged(&u->ksm, p) == 1;
	if (frame_is_zero(p)) {
		set_gone(u, gfn, HM_EV_CLEAR, P2M_GFN_ABSENT, 0);
		u->stats.swap_zero++;
	} else {
		if (alloc_slot(u, &slot))
			return -ENOSPC;
		if (fault_inject_hit(FI_SWAP_WRITE) ? (errno = EIO, true)
		    : pwrite(u->swap_fd, p, FRAME_SIZE, (off_t)(slot * FRAME_SIZE)) !=
				(ssize_t)FRAME_SIZE) {
			host_failure(FI_SWAP_WRITE, false, "swap file: writing gfn 0x%llx "
				     "failed (%s): the frame stays resident",
				     (unsigned long long)gfn, strerror(errno));
			free_slot(u, slot);
			return -EIO;
		}
		set_gone(u, gfn, HM_EV_CLEAR, P2M_GFN_SWAPPED, slot);
		u->stats.swap_outs++;
	}
	if (merged)
		merged_drop(u, gfn, chaos);
	mmu_trace_record(u->trace, TRACE_SWAP_OUT, 0, gfn, slot, chaos);
	return 0;
}

/*
 * The aging policy of shadow mode's host_mem_reclaim: a second-chance clock
 * over the gfns. Here a frame is young only when a missing fault brought it
 * in since the hand last passed (KVM's accessed bits are not the VMM's to
 * see), so a frame in constant use may be swapped out and fault straight
 * back: a cost, never a loss. The bytes are written and the frame announced
 * and marked swapped under the lock; it is dropped after (MADV_DONTNEED
 * waits for the thread to read its REMOVE event, and the thread takes the
 * lock).
 */
static uint64_t reclaim_down_to(struct uffd_mem *u, uint64_t target)
{
	uint64_t total = 0;
	if (!u->started || u->swap_fd < 0)
		return 0;
	uint64_t write_errors = 0;
	while (atomic_load(&u->resident) > target && write_errors < RECLAIM_WRITE_ERRORS) {
		uint64_t victims[RECLAIM_BATCH], nv = 0, n = u->p2m.nr_gfns;
		pthread_mutex_lock(&u->lock);
		for (uint64_t scans = 0; atomic_load(&u->resident) > target &&
					 nv < RECLAIM_BATCH && scans < 2 * n; scans++) {
			uint64_t gfn = u->clock_hand;
			u->clock_hand = (gfn + 1) % n;
			u->stats.reclaim_scans++;
			if (p2m_gfn_state(&u->p2m, gfn, NULL) != P2M_GFN_PRESENT)
				continue;
			if (u->young[gfn]) {
				u->young[gfn] = 0;
				continue;
			}
			if (!hva_of(u, gfn))
				continue;
			int e = evict(u, gfn, false);
			if (e == -EIO) {
				/* The frame stays resident; the clock takes
				 * another, unless the file keeps failing. */
				if (++write_errors == RECLAIM_WRITE_ERRORS)
					break;
				continue;
			}
			if (e)
				break;
			victims[nv++] = gfn;
		}
		pthread_mutex_unlock(&u->lock);
		/* Frames the host would not drop are resident again: this
		 * round ends rather than take them again. */
		bool dropped = drop(u, victims, nv);
		total += nv;
		if (!nv || !dropped)
			break;
	}
	return total;
}

uint64_t uffd_mem_reclaim(struct uffd_mem *u)
{
	/* Down to a little below the limit: fewer, larger rounds. */
	return u->limit ? reclaim_down_to(u, u->limit - u->limit / 16) : 0;
}

uint64_t uffd_mem_reclaim_pages(struct uffd_mem *u, uint64_t pages)
{
	uint64_t resident = atomic_load(&u->resident);
	return reclaim_down_to(u, pages && pages < resident ? resident - pages : 0);
}

bool uffd_mem_can_reclaim(const struct uffd_mem *u)
{
	return u->started && u->swap_fd >= 0;
}

uint64_t uffd_mem_invalidate(struct uffd_mem *u, uint64_t gfn, uint64_t count)
{
	uint64_t victims[UFFD_INVALIDATE_MAX], nv = 0, n = u->have_table ? u->p2m.nr_gfns : 0;
	if (!u->started || u->swap_fd < 0 || !n)
		return 0;
	if (count > UFFD_INVALIDATE_MAX)
		count = UFFD_INVALIDATE_MAX;
	pthread_mutex_lock(&u->lock);
	/* The first present frame at or after gfn (wrapping). */
	uint64_t g = gfn % n, seen = 0;
	while (seen < n && p2m_gfn_state(&u->p2m, g, NULL) != P2M_GFN_PRESENT) {
		g = (g + 1) % n;
		seen++;
	}
	for (uint64_t end = seen < n ? g + count : g; g < end && g < n; g++)
		if (p2m_gfn_state(&u->p2m, g, NULL) == P2M_GFN_PRESENT) {
			if (evict(u, g, true))
				break;
			victims[nv++] = g;
		}
	u->stats.invalidations++;
	u->stats.invalidated += nv;
	pthread_mutex_unlock(&u->lock);
	drop(u, victims, nv);
	return nv;
}

void uffd_mem_balloon(struct uffd_mem *u, bool inflate, const uint64_t *gfns,
		      uint64_t count)
{
	if (!count)
		return;
	pthread_mutex_lock(&u->lock);
	if (!inflate) {
		u->stats.balloon_in += count;
		mmu_trace_record(u->trace, TRACE_BALLOON_DEFLATE, 0, gfns[0], count, 0);
		pthread_mutex_unlock(&u->lock);
		return;
	}
	if (u->have_table)
		for (uint64_t i = 0; i < count; i++) {
			uint64_t slot;
			enum p2m_gfn_state st = p2m_gfn_state(&u->p2m, gfns[i], &slot);
			if (st == P2M_GFN_SWAPPED)
				free_slot(u, slot);
			bool merged = st == P2M_GFN_PRESENT &&
				      ksm_page_merged(&u->ksm, hva_of(u, gfns[i])) == 1;
			set_gone(u, gfns[i], HM_EV_UNMAP, P2M_GFN_DISCARDED, 0);
			if (merged)
				merged_drop(u, gfns[i], 0);
		}
	u->stats.balloon_out += count;
	mmu_trace_record(u->trace, TRACE_BALLOON_INFLATE, 0, gfns[0], count, 0);
	pthread_mutex_unlock(&u->lock);
	uint64_t *sorted = malloc(count * sizeof(*sorted));
	if (sorted) {
		memcpy(sorted, gfns, count * sizeof(*sorted));
		drop(u, sorted, count);
		free(sorted);
	} else {
		for (uint64_t i = 0; i < count; i++)
			if (dontneed(hva_of(u, gfns[i]), FRAME_SIZE))
				drop_failed(u, gfns + i, 1, errno);
	}
}

int uffd_mem_trace_start(struct uffd_mem *u, unsigned events)
{
	int err = 0;
	struct mmu_trace *t = mmu_trace_new(events, &err);
	if (!t)
		return err;
	pthread_mutex_lock(&u->lock);
	struct mmu_trace *old = u->trace;
	u->trace = t;
	pthread_mutex_unlock(&u->lock);
	mmu_trace_free(old);
	return 0;
}

void uffd_mem_trace_stop(struct uffd_mem *u)
{
	pthread_mutex_lock(&u->lock);
	struct mmu_trace *old = u->trace;
	u->trace = NULL;
	pthread_mutex_unlock(&u->lock);
	mmu_trace_free(old);
}

bool uffd_mem_tracing(struct uffd_mem *u)
{
	pthread_mutex_lock(&u->lock);
	bool on = u->trace != NULL;
	pthread_mutex_unlock(&u->lock);
	return on;
}

void uffd_mem_trace_json(void *opaque, FILE *f)
{
	struct uffd_mem *u = opaque;
	pthread_mutex_lock(&u->lock);
	mmu_trace_json(u->trace, f);
	pthread_mutex_unlock(&u->lock);
}

enum p2m_gfn_state uffd_mem_state(struct uffd_mem *u, uint64_t gfn)
{
	pthread_mutex_lock(&u->lock);
	enum p2m_gfn_state st = u->have_table && gfn < u->p2m.nr_gfns
					? p2m_gfn_state(&u->p2m, gfn, NULL)
					: P2M_GFN_ABSENT;
	if (st == P2M_GFN_PRESENT && ksm_page_merged(&u->ksm, hva_of(u, gfn)) == 1)
		st = P2M_GFN_SHARED;
	pthread_mutex_unlock(&u->lock);
	return st;
}

void uffd_mem_stats(struct uffd_mem *u, struct uffd_stats *s, struct hm_stats *hs)
{
	pthread_mutex_lock(&u->lock);
	*s = u->stats;
	if (hs)
		*hs = u->hm.stats;
	pthread_mutex_unlock(&u->lock);
}
