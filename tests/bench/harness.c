// SPDX-License-Identifier: MIT
/* The microbenchmarks' harness: see harness.h. */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* What reading the counters itself moves (the file read's hypercalls and
 * exits), measured at start and subtracted from every part. */
static struct bench_counters overhead;
static bool have_vmm;

void bench_die(const char *what)
{
	fprintf(stderr, "bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void put(struct bench_counters *c, const char *name, int64_t v)
{
	for (unsigned i = 0; i < c->n; i++)
		if (!strcmp(c->names[i], name)) {
			c->values[i] = v;
			return;
		}
	if (c->n == BENCH_MAX_COUNTERS)
		return;
	snprintf(c->names[c->n], sizeof(c->names[0]), "%s", name);
	c->values[c->n++] = v;
}

static int64_t get(const struct bench_counters *c, const char *name)
{
	for (unsigned i = 0; i < c->n; i++)
		if (!strcmp(c->names[i], name))
			return c->values[i];
	return 0;
}

/* The whole file into buf (a static buffer: no faults while reading). */
static char file_buf[16384];
static ssize_t read_file(const char *path)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n = 0, r;
	while (n < (ssize_t)sizeof(file_buf) - 1 &&
	       (r = read(fd, file_buf + n, sizeof(file_buf) - 1 - n)) > 0)
		n += r;
	close(fd);
	file_buf[n < 0 ? 0 : n] = '\0';
	return n;
}

/* "name value" lines (/proc/umbra/stats, /proc/vmstat); only the names
 * wanted, or all when want is NULL; prefix is added to each name. */
static void read_pairs(struct bench_counters *c, const char *path,
		       const char *const *want, const char *prefix)
{
	if (read_file(path) < 0)
		return;
	char *save = NULL;
	for (char *line = strtok_r(file_buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char name[32];
		long long v;
		if (sscanf(line, "%31s %lld", name, &v) != 2)
			continue;
		bool ok = !want;
		for (unsigned i = 0; want && want[i]; i++)
			ok |= !strcmp(want[i], name);
		if (ok) {
			char full[40];
			snprintf(full, sizeof(full), "%s%s", prefix, name);
			put(c, full, v);
		}
	}
}

/* This process's page-table pages (VmPTE: exact, where meminfo's
 * PageTables is a system-wide sum that Linux updates in batches). */
static void page_tables(struct bench_counters *c)
{
	if (read_file("/proc/self/status") < 0)
		return;
	const char *p = strstr(file_buf, "\nVmPTE:");
	long long kb;
	if (p && sscanf(p + 7, "%lld", &kb) == 1)
		put(c, "page_table_pages", kb / 4);
}

static void snapshot(struct bench_counters *c)
{
	static const char *const vmstat[] = {"pgfault", NULL};
	c->n = 0;
	read_pairs(c, "/proc/vmstat", vmstat, "");
	if (have_vmm)
		read_pairs(c, "/proc/umbra/stats", NULL, "");
}

static void sub(struct bench_counters *out, const struct bench_counters *a,
		const struct bench_counters *b)
{
	out->n = 0;
	for (unsigned i = 0; i < a->n; i++)
		put(out, a->names[i], a->values[i] - get(b, a->names[i]));
}

/* Snapshot pairs whose least cost is taken as a snapshot's. */
#define OVERHEAD_PAIRS 5

void bench_init(void)
{
	have_vmm = access("/proc/umbra/stats", R_OK) == 0;
	/* The cost of one snapshot, as seen by the next one: the least of a
	 * few pairs, per counter. The first pair also pays the first touches
	 * of what a read uses (nested: 3-6 KVM exits, against 1 after), and
	 * an interrupt's exit can fall into any pair; subtracted from every
	 * part, the first pair's cost alone made parts come out below zero
	 * (-1.75 KVM exits per op). */
	for (int i = 0; i < OVERHEAD_PAIRS; i++) {
		struct bench_counters a, b, d;
		snapshot(&a);
		snapshot(&b);
		sub(&d, &b, &a);
		for (unsigned j = 0; j < d.n; j++)
			if (i == 0 || d.values[j] < get(&overhead, d.names[j]))
				put(&overhead, d.names[j], d.values[j]);
	}
	/* pgfault: the reads fault nothing once warm. */
	put(&overhead, "pgfault", 0);
}

void bench_start(struct bench *b, const char *name)
{
	memset(b, 0, sizeof(*b));
	b->name = name;
}

void bench_begin(struct bench *b)
{
	snapshot(&b->at_begin);
	b->tsc_begin = rdtsc();
}

void bench_end(struct bench *b)
{
	uint64_t t = rdtsc();
	b->cycles += t - b->tsc_begin;
	struct bench_counters now, d;
	snapshot(&now);
	sub(&d, &now, &b->at_begin);
	for (unsigned i = 0; i < d.n; i++) {
		/* shadow_pages is a gauge, not a count */
		if (!strcmp(d.names[i], "shadow_pages"))
			continue;
		int64_t v = d.values[i] - get(&overhead, d.names[i]);
		put(&b->delta, d.names[i], get(&b->delta, d.names[i]) + v);
	}
	b->parts++;
}

void bench_sample_lo(struct bench *b)
{
	snapshot(&b->gauge_lo);
	page_tables(&b->gauge_lo);
}

void bench_sample_hi(struct bench *b, uint64_t mapped_bytes)
{
	snapshot(&b->gauge_hi);
	page_tables(&b->gauge_hi);
	b->mapped_bytes = mapped_bytes;
	b->sampled = true;
}

int64_t bench_delta(const struct bench *b, const char *name)
{
	return get(&b->delta, name);
}

void bench_report(struct bench *b)
{
	/* One line, "bench NAME key=value ...": counts are totals over the
	 * measured parts; tests/bench/run.py makes the per-op figures. */
	printf("bench %s ops=%llu cycles=%llu parts=%llu", b->name,
	       (unsigned long long)b->ops, (unsigned long long)b->cycles,
	       (unsigned long long)b->parts);
	for (unsigned i = 0; i < b->delta.n; i++)
		printf(" %s=%lld", b->delta.names[i], (long long)b->delta.values[i]);
	if (b->sampled) {
		printf(" mapped_bytes=%llu", (unsigned long long)b->mapped_bytes);
		printf(" pt_pages=%lld", (long long)(get(&b->gauge_hi, "page_table_pages") -
						     get(&b->gauge_lo, "page_table_pages")));
		/* Shadow pages made for the mapping: the count created, since
		 * the gauge (shadow_pages) also drops by pages of earlier work
		 * freed meanwhile (with the poll thread, seq_fault's gauge went
		 * down by 3 pages over 4 MiB for which 3 were created). */
		if (have_vmm)
			printf(" sp_pages=%lld",
			       (long long)(get(&b->gauge_hi, "shadow_pages_created") -
					   get(&b->gauge_lo, "shadow_pages_created")));
	}
	printf(" cycles_per_op=%.0f\n", b->ops ? (double)b->cycles / (double)b->ops : 0.0);
	fflush(stdout);
}
