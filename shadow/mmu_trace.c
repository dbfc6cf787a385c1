/* SPDX-License-Identifier: MIT */
/* MMU event tracing (mmu_trace.h). */
#include "mmu_trace.h"

#include <errno.h>
#include <stdlib.h>

#include "mmu_internal.h"
#include "tsc_clock.h"

static const char *const names[TRACE_NR] = {
	[TRACE_FAULT] = "fault", [TRACE_FILL] = "fill", [TRACE_PREFETCH] = "prefetch",
	[TRACE_ZAP] = "zap", [TRACE_INVALIDATE_START] = "invalidate_start",
	[TRACE_INVALIDATE_END] = "invalidate_end", [TRACE_CHANGE_PTE] = "change_pte",
	[TRACE_EVICT] = "evict", [TRACE_SWAP_OUT] = "swap_out", [TRACE_SWAP_IN] = "swap_in",
	[TRACE_BALLOON_INFLATE] = "balloon_inflate",
	[TRACE_BALLOON_DEFLATE] = "balloon_deflate", [TRACE_MERGE] = "merge",
	[TRACE_UNSHARE] = "unshare", [TRACE_MIGRATE] = "migrate",
	[TRACE_UFFD_FAULT] = "uffd_fault", [TRACE_UFFD_REMOVE] = "uffd_remove",
	[TRACE_ROOT_SWITCH] = "root_switch", [TRACE_AS_RELEASE] = "as_release",
};

const char *shadow_trace_name(unsigned type)
{
	return type < TRACE_NR && names[type] ? names[type] : "unknown";
}

struct mmu_trace *mmu_trace_new(unsigned events, int *err)
{
	if (!events)
		events = TRACE_DEFAULT_EVENTS;
	if (events > TRACE_MAX_EVENTS) {
		*err = -EINVAL;
		return NULL;
	}
	struct mmu_trace *t = calloc(1, sizeof(*t));
	struct mmu_trace_rec *ring = calloc(events, sizeof(*ring));
	if (!t || !ring) {
		free(t);
		free(ring);
		*err = -ENOMEM;
		return NULL;
	}
	t->ring = ring;
	t->size = events;
	t->start_ns = tsc_clock_ns();
	return t;
}

void mmu_trace_free(struct mmu_trace *t)
{
	if (!t)
		return;
	free(t->ring);
	free(t);
}

int shadow_trace_start(struct shadow_mmu *mmu, unsigned events)
{
	int err = 0;
	struct mmu_trace *t = mmu_trace_new(events, &err);
	if (!t)
		return err;
	shadow_trace_stop(mmu);
	mmu->trace = t;
	return 0;
}

void shadow_trace_stop(struct shadow_mmu *mmu)
{
	mmu_trace_free(mmu->trace);
	mmu->trace = NULL;
}

void shadow_trace_set_vcpu(struct shadow_mmu *mmu, unsigned vcpu)
{
	if (mmu->trace)
		mmu->trace->vcpu = vcpu;
}

void mmu_trace_record(struct mmu_trace *t, unsigned type, uint32_t asid,
		      uint64_t a, uint64_t b, uint32_t arg)
{
	if (!t)
		return;
	struct mmu_trace_rec *r = &t->ring[t->head++ % t->size];
	*r = (struct mmu_trace_rec){
		.ns = tsc_clock_ns(), .type = (uint16_t)type, .vcpu = (uint16_t)t->vcpu,
		.asid = asid, .arg = arg, .a = a, .b = b,
	};
}

void shadow_trace_event(struct shadow_mmu *mmu, unsigned type, uint32_t asid,
			uint64_t a, uint64_t b, uint32_t arg)
{
	shadow_trace(mmu, type, asid, a, b, arg);
}

void shadow_trace_json(const struct shadow_mmu *mmu, FILE *f)
{
	mmu_trace_json(mmu->trace, f);
}

void mmu_trace_json(const struct mmu_trace *t, FILE *f)
{
	if (!t) {
		fprintf(f, "{\"enabled\":false,\"size\":0,\"recorded\":0,\"dropped\":0,\"events\":[]}");
		return;
	}
	uint64_t first = t->head > t->size ? t->head - t->size : 0;
	fprintf(f, "{\"enabled\":true,\"size\":%llu,\"recorded\":%llu,\"dropped\":%llu,\"events\":[",
		(unsigned long long)t->size, (unsigned long long)t->head,
		(unsigned long long)first);
	for (uint64_t i = first; i < t->head; i++) {
		const struct mmu_trace_rec *r = &t->ring[i % t->size];
		/* Times from the start of the trace, in ns: a JSON number keeps
		 * them exactly for 104 days. */
		fprintf(f, "%s{\"t\":%llu,\"type\":\"%s\",\"vcpu\":%u,\"asid\":%u,"
			"\"a\":\"0x%llx\",\"b\":\"0x%llx\",\"arg\":%u}", i == first ? "" : ",",
			(unsigned long long)(r->ns - t->start_ns), shadow_trace_name(r->type),
			r->vcpu, r->asid, (unsigned long long)r->a, (unsigned long long)r->b,
			r->arg);
	}
	fprintf(f, "]}");
}
