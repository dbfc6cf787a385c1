/* SPDX-License-Identifier: MIT */
/*
 * The guest microbenchmarks' harness (docs/bench.md): cycles (rdtsc) and,
 * in the guest, the VMM's counters (/proc/umbra/stats) and the guest's own
 * (/proc/vmstat pgfault, /proc/self/status VmPTE) around the measured
 * parts of a benchmark. Natively the VMM's counters are absent.
 */
#ifndef BENCH_HARNESS_H
#define BENCH_HARNESS_H

#include <stdbool.h>
#include <stdint.h>

/* A snapshot of every counter the harness reads. */
#define BENCH_MAX_COUNTERS 64
struct bench_counters {
	unsigned n;
	char names[BENCH_MAX_COUNTERS][32];
	int64_t values[BENCH_MAX_COUNTERS];
};

/* One benchmark's totals over its measured parts. */
struct bench {
	const char *name;
	uint64_t ops;        /* operations, for the per-op figures */
	uint64_t cycles;     /* measured cycles in all */
	uint64_t parts;      /* begin/end pairs */
	struct bench_counters delta; /* counters moved inside the parts */
	/* Gauges sampled by bench_sample (shadow pages, page tables). */
	struct bench_counters gauge_lo, gauge_hi;
	uint64_t mapped_bytes; /* what was mapped between lo and hi */
	bool sampled;
	/* private */
	struct bench_counters at_begin;
	uint64_t tsc_begin;
};

void bench_init(void);
void bench_start(struct bench *b, const char *name);
/* Brackets a measured part; counters and cycles outside are not counted. */
void bench_begin(struct bench *b);
void bench_end(struct bench *b);
/* Gauges (shadow_pages, VmPTE) before and after mapping bytes. */
void bench_sample_lo(struct bench *b);
void bench_sample_hi(struct bench *b, uint64_t mapped_bytes);
/* A counter's total over the measured parts so far (0 when absent). */
int64_t bench_delta(const struct bench *b, const char *name);
/* Prints the result line (docs/bench.md, "Guest microbenchmarks"). */
void bench_report(struct bench *b);

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) :: "memory");
	return (uint64_t)hi << 32 | lo;
}

/* Exits with a message on a failed call. */
void bench_die(const char *what);

#endif
