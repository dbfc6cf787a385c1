/* SPDX-License-Identifier: MIT */
/*
 * tdp mode's host memory (docs/host-memory.md): guest RAM backed on demand
 * through userfaultfd. The host mappings of guest RAM are registered for
 * missing faults once the boot image is in them; a VMM thread serves each
 * first touch (the guest's, through KVM, or the VMM's own) with the zero
 * page (UFFDIO_ZEROPAGE: no copy) and each touch of a swapped-out frame
 * with its bytes from the swap file (UFFDIO_COPY). An EPT-format table
 * (shadow/p2m.h) records each gfn's state: absent, present, swapped,
 * discarded. The REMOVE (MADV_DONTNEED), UNMAP and REMAP events of the
 * backing are notifier sources: they are announced on shadow/host_mem.c's
 * chain, whose subscriber here is that table. --mem-limit reclaim and the
 * balloon change a frame's state (announced once, by them) and then drop
 * it with MADV_DONTNEED; their own REMOVE events find the frame no longer
 * present and are not announced again. Where userfaultfd is not permitted,
 * guest RAM is backed eagerly and the VMM says so once.
 */
#ifndef UMBRA_VMM_UFFD_MEM_H
#define UMBRA_VMM_UFFD_MEM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../shadow/host_mem.h"
#include "../shadow/mmu_trace.h"
#include "../shadow/tsc_clock.h"
#include "guest_mem.h"
#include "ksm.h"

struct uffd_stats {
	uint64_t missing;          /* missing faults served */
	uint64_t zeropages;        /* ... with the zero page */
	uint64_t swap_ins;         /* frames read back from the swap file */
	uint64_t readahead;        /* ... of them with another frame's fault */
	uint64_t retries;          /* UFFDIO_* answered EAGAIN (the backing was changing) */
	uint64_t swap_outs, swap_zero, reclaim_scans;
	uint64_t removes_own;      /* REMOVE events of the VMM's own drops */
	uint64_t removes_foreign;  /* REMOVE events of present frames: announced */
	uint64_t unmaps, remaps;
	uint64_t balloon_out, balloon_in;
	uint64_t resident_max;
	uint64_t invalidations;    /* uffd_mem_invalidate calls (--chaos-invalidate) */
	uint64_t invalidated;      /* ... frames they swapped out */
	/* --dedup (the host's KSM, vmm/ksm.h), sampled every KSM_SAMPLE_MS */
	int64_t ksm_merging;       /* guest pages mapped to KSM pages now; -1 unknown */
	uint64_t ksm_merging_max;
	uint64_t ksm_merged;       /* sum of the samples' increases */
	uint64_t ksm_unmerged;     /* ... and decreases (writes broke sharings, drops) */
	uint64_t ksm_dropped;      /* merged frames the VMM dropped (swap-out, balloon) */
};

struct uffd_mem {
	const struct guest_mem *mem;
	int fd;                    /* -1: not in use */
	bool started;
	bool eager;                /* userfaultfd refused: backed up front */
	pthread_t thread;
	atomic_bool stop;
	/* Everything below; never held while guest memory is touched or
	 * dropped (the thread serving those faults and events takes it). */
	pthread_mutex_t lock;
	bool have_table;
	struct frame_pool pool;    /* empty: the table maps gfns to themselves */
	struct p2m p2m;            /* each gfn's state */
	struct host_mem hm;        /* the notifier chain (the table subscribes) */
	atomic_uint_fast64_t resident;
	uint64_t limit;            /* frames; 0: none */
	uint64_t clock_hand;
	uint8_t *young;            /* per gfn: faulted in since the hand passed */
	int swap_fd;
	uint64_t swap_slots, nr_free_slots;
	uint32_t *free_slots;
	struct mmu_trace *trace;   /* NULL: not tracing */
	struct uffd_stats stats;
	/* Faults whose UFFDIO_* said EAGAIN, retried after the next events. */
	uint64_t *pending;
	unsigned nr_pending, cap_pending;
	struct held_since pending_wait; /* some have waited since */
	/* --dedup: KSM's counts are sampled by the thread (ksm_dir: KSM_SYSFS). */
	const char *ksm_dir;
	uint64_t ksm_last_ns;
	struct ksm_probe ksm;      /* which frames are merged (dump, drops) */
	/* Tests: act as if userfaultfd(2) failed with this errno. */
	int debug_fail_errno;
};

/* Before guest RAM is touched by anyone but the boot loader. */
void uffd_mem_init(struct uffd_mem *u, const struct guest_mem *mem);
/* Registers guest RAM (mapped, boot image written) and starts the thread.
 * limit: frames (0: none), with swap_fd (closed by uffd_mem_destroy).
 * 0, or -1 after one message (the VM then runs with RAM backed eagerly and
 * cannot reclaim). */
int uffd_mem_start(struct uffd_mem *u, uint64_t limit, int swap_fd);
/* Stops the thread and frees everything: before guest RAM is unmapped,
 * after the last access to it. */
void uffd_mem_destroy(struct uffd_mem *u);

/* Swaps out frames chosen by the aging clock until at most limit are
 * resident. Only while no vCPU runs the guest (a write between the copy and
 * the drop would be lost). Returns the frames swapped out. */
uint64_t uffd_mem_reclaim(struct uffd_mem *u);
/* The same for up to pages frames (0: every one it can), whatever the
 * limit: the control socket's reclaim, with the vCPUs paused (vm_pause). */
uint64_t uffd_mem_reclaim_pages(struct uffd_mem *u, uint64_t pages);
/* Whether frames can be swapped out: userfaultfd in use and a swap file. */
bool uffd_mem_can_reclaim(const struct uffd_mem *u);
/* --chaos-invalidate: the present frames among up to count (at most
 * UFFD_INVALIDATE_MAX) from the first present one at or after gfn are
 * swapped out as reclaim does, whatever their age; the guest's next touch
 * brings the bytes back. Only while no vCPU runs the guest. Returns the
 * frames swapped out. */
#define UFFD_INVALIDATE_MAX 64
uint64_t uffd_mem_invalidate(struct uffd_mem *u, uint64_t gfn, uint64_t count);
/* The balloon: the frames are dropped (inflate) or counted as taken back
 * (deflate). */
void uffd_mem_balloon(struct uffd_mem *u, bool inflate, const uint64_t *gfns,
		      uint64_t count);
/* tdp mode's trace ring of host-memory events (docs/trace.md): started
 * (or restarted, emptied) with events (0: the default; 0 or -errno),
 * stopped, read as JSON (mmu_trace_json's; opaque: u). */
int uffd_mem_trace_start(struct uffd_mem *u, unsigned events);
void uffd_mem_trace_stop(struct uffd_mem *u);
bool uffd_mem_tracing(struct uffd_mem *u);
void uffd_mem_trace_json(void *u, FILE *f);

/* --dedup: reads KSM's count of merged guest pages into the counters
 * (and a merge/unshare trace event for a change). The thread does every
 * KSM_SAMPLE_MS; the summary and the guest's dedup_merges counter once
 * more. Returns the merges counted so far (the sum of the increases). */
uint64_t uffd_mem_ksm_sample(struct uffd_mem *u);

/* A gfn's state; with --dedup, a present frame KSM merged is
 * P2M_GFN_SHARED. */
enum p2m_gfn_state uffd_mem_state(struct uffd_mem *u, uint64_t gfn);
/* A copy of the counters, and of the notifier chain's. */
void uffd_mem_stats(struct uffd_mem *u, struct uffd_stats *s, struct hm_stats *hs);

#endif
