/* SPDX-License-Identifier: MIT */
/* UMBRA_HC_STATS and _STATS_ALL: the run's counters, one per call or all
 * at once, for benchmarks that count exits, hypercalls and shadow work per
 * operation (tests/bench). */
#include "hypercall.h"

#include <errno.h>
#include <linux/kvm.h>
#include <string.h>

#include "../shadow/mmu.h"
#include "kvm_stats.h"

_Static_assert(UMBRA_STAT_KVM_PF_TAKEN - UMBRA_STAT_KVM_EXITS == KVM_STAT_PF_TAKEN &&
	       UMBRA_STAT_KVM_PF_GUEST - UMBRA_STAT_KVM_EXITS == KVM_STAT_PF_GUEST,
	       "UMBRA_STAT_KVM_* follow enum kvm_vcpu_stat");

_Static_assert(STATS_HC_NUMBERS == UMBRA_STAT_HC_NUMBERS,
	       "hypercalls are counted by number as the ABI reads them");

static int64_t value(const atomic_uint_fast64_t *c)
{
	/* A counter never reaches 2^63; keep the result a success anyway. */
	return (int64_t)(atomic_load_explicit((atomic_uint_fast64_t *)c,
					      memory_order_relaxed) &
			 INT64_MAX);
}

/* One shadow counter out of a snapshot of them. */
static int64_t shadow_value(const struct shadow_stats *s, unsigned pages, uint64_t index)
{
	uint64_t v;
	switch (index) {
	case UMBRA_STAT_SHADOW_FAULTS_HANDLED: v = s->faults_handled; break;
	case UMBRA_STAT_SHADOW_FAULTS_REFLECTED: v = s->faults_reflected; break;
	case UMBRA_STAT_SHADOW_FILLS: v = s->fills; break;
	case UMBRA_STAT_SHADOW_FILLS_2M: v = s->fills_2m; break;
	case UMBRA_STAT_SHADOW_PREFETCHED: v = s->prefetched; break;
	case UMBRA_STAT_SHADOW_PREFETCH_USED: v = s->prefetch_used; break;
	case UMBRA_STAT_SHADOW_ZAPS: v = s->zaps; break;
	case UMBRA_STAT_SHADOW_WRPROTECTS: v = s->wrprotects; break;
	case UMBRA_STAT_SHADOW_PAGES: v = pages; break;
	case UMBRA_STAT_SHADOW_PAGES_CREATED: v = s->sp_created; break;
	case UMBRA_STAT_SHADOW_INVALIDATIONS: v = s->invalidations; break;
	case UMBRA_STAT_SHADOW_ROOT_SWITCHES: v = s->root_switches; break;
	case UMBRA_STAT_SHADOW_SLOT_FAULTS: v = s->slot_faults; break;
	default: return -UMBRA_EINVAL;
	}
	return (int64_t)(v & INT64_MAX);
}

static bool is_shadow_index(uint64_t index)
{
	return index >= UMBRA_STAT_SHADOW_FAULTS_HANDLED &&
	       index <= UMBRA_STAT_SHADOW_SLOT_FAULTS;
}

/* The shadow counters, read together under the lock. */
static void shadow_snapshot(struct hc_state *hc, struct shadow_stats *s, unsigned *pages)
{
	pthread_mutex_lock(&hc->shadow_lock);
	shadow_get_stats(hc->shadow, s);
	*pages = shadow_nr_pages(hc->shadow);
	pthread_mutex_unlock(&hc->shadow_lock);
}

/* Every counter but the shadow ones (those are is_shadow_index). */
static int64_t run_counter(struct hc_state *hc, unsigned int vcpu, uint64_t index)
{
	struct stats *st = hc->stats;
	switch (index) {
	case UMBRA_STAT_KVM_EXITS:
	case UMBRA_STAT_KVM_PF_TAKEN:
	case UMBRA_STAT_KVM_PF_GUEST: {
		int64_t v = hc->kvm_stat ? hc->kvm_stat(hc->kvm_stat_opaque, vcpu,
							(unsigned int)(index - UMBRA_STAT_KVM_EXITS))
					 : -1;
		return v < 0 ? -UMBRA_ENOENT : v;
	}
	case UMBRA_STAT_EXITS:
		return (int64_t)(stats_total_exits(st) & INT64_MAX);
	case UMBRA_STAT_EXITS_IO:
		return value(&st->exits[KVM_EXIT_IO]);
	case UMBRA_STAT_EXITS_HLT:
		return value(&st->exits[KVM_EXIT_HLT]);
	case UMBRA_STAT_EXITS_MMIO:
		return value(&st->exits[KVM_EXIT_MMIO]);
	case UMBRA_STAT_HYPERCALLS:
		return value(&st->hypercalls);
	case UMBRA_STAT_DEDUP_MERGES: {
		int64_t v = hc->dedup_merges ? hc->dedup_merges(hc->host_mem) : -1;
		return v < 0 ? -UMBRA_ENOENT : v;
	}
	}
	if (index >= UMBRA_STAT_HC_BASE &&
	    index < UMBRA_STAT_HC_BASE + UMBRA_STAT_HC_NUMBERS)
		return value(&st->hypercalls_nr[index - UMBRA_STAT_HC_BASE]);
	return -UMBRA_EINVAL;
}

/* Counter index, the shadow ones out of snapshot s (NULL: no shadow MMU
 * in this run, so they are absent). */
static int64_t counter(struct hc_state *hc, unsigned int vcpu, const struct shadow_stats *s,
		       unsigned pages, uint64_t index)
{
	if (!is_shadow_index(index))
		return run_counter(hc, vcpu, index);
	return s ? shadow_value(s, pages, index) : -UMBRA_ENOENT;
}

int64_t hc_stats_read(struct hc_state *hc, unsigned int vcpu, uint64_t index)
{
	struct shadow_stats s;
	unsigned pages = 0;
	/* The lock only for a shadow counter. */
	bool snap = hc->shadow && is_shadow_index(index);
	if (snap)
		shadow_snapshot(hc, &s, &pages);
	return counter(hc, vcpu, snap ? &s : NULL, pages, index);
}

int64_t hc_stats_read_all(struct hc_state *hc, unsigned int vcpu, uint64_t gpa,
			  uint64_t count)
{
	/* Guest RAM only (not the MMIO hole, which the p2m would back). */
	if (count > UMBRA_STAT_MAX || (gpa & 7) || (gpa & 0xfff) + count * 8 > 4096 ||
	    !guest_mem_contains(hc->mem, gpa, count * 8))
		return -UMBRA_EINVAL;
	if (!count)
		return 0;
	struct shadow_stats s;
	unsigned pages = 0;
	if (hc->shadow)
		shadow_snapshot(hc, &s, &pages);
	int64_t v[UMBRA_STAT_MAX];
	for (uint64_t i = 0; i < count; i++)
		v[i] = counter(hc, vcpu, hc->shadow ? &s : NULL, pages, i);
	size_t len = (size_t)count * 8;
	if (hc->shadow) {
		/* Guest-physical memory is behind the p2m. */
		pthread_mutex_lock(&hc->shadow_lock);
		int r = shadow_write_guest(hc->shadow, gpa, v, len);
		pthread_mutex_unlock(&hc->shadow_lock);
		if (r)
			return r == -EFAULT ? -UMBRA_EFAULT : -UMBRA_EINVAL;
	} else {
		void *dst = guest_mem_hva(hc->mem, gpa, len);
		if (!dst)
			return -UMBRA_EINVAL;
		memcpy(dst, v, len);
	}
	return (int64_t)count;
}
