/* SPDX-License-Identifier: MIT */
/*
 * Memory keeps what was written, whatever the host does underneath
 * (docs/host-memory.md: reclaim to swap under --mem-limit, dedup merges and
 * their breaking writes, migration, chaos invalidations, the balloon): a
 * 12 MiB checksummed pattern, written once and read back in two orders,
 * pages with equal contents (what dedup merges) partly rewritten, a forked
 * child that checks and changes its copy, and, in the guest as root, the
 * balloon deflated and the memory it gave back used (skipped natively).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <unistd.h>

#include "suite.h"

#define NPAGES 3072 /* 12 MiB: more than the integration runs' --mem-limit */
#define WORDS (PAGE / 8)
#define DUPS 256
#define MERGE_WAIT_MS 30000

static uint64_t word(uint64_t page, uint64_t w, uint64_t seed)
{
	uint64_t x = (page << 20 | w) ^ seed;
	x *= 0x9e3779b97f4a7c15ull;
	return x ^ (x >> 29);
}

static void fill(uint64_t *p, uint64_t page, uint64_t seed)
{
	for (uint64_t w = 0; w < WORDS; w++)
		p[w] = word(page, w, seed);
}

static int check(const uint64_t *p, uint64_t page, uint64_t seed)
{
	for (uint64_t w = 0; w < WORDS; w++)
		if (p[w] != word(page, w, seed))
			return 0;
	return 1;
}

/* Pages of [first, first + n) that do not hold their pattern. */
static long bad_pages(char *base, long first, long n, uint64_t seed)
{
	long bad = 0;
	for (long i = first; i < first + n; i++)
		bad += !check((uint64_t *)(base + i * PAGE), (uint64_t)i, seed);
	return bad;
}

static long elapsed_ms(const struct timespec *since)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - since->tv_sec) * 1000 + (now.tv_nsec - since->tv_nsec) / 1000000;
}

/*
 * In the guest with --dedup: lets the host merge the equal pages before
 * some are rewritten (the integration runs want merges, and merged frames
 * the VMM then drops, in their traces), until the run's merge count grew
 * by half their number (it counts every merge: a heuristic) or
 * MERGE_WAIT_MS passed. Meanwhile it faults and unmaps a page over and
 * over: shadow mode's dedup scans run at the end of shadow hypercalls.
 * Natively, or without --dedup, only a yield.
 */
static void wait_for_merges(long before)
{
	if (before < 0) {
		sched_yield();
		return;
	}
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	long merged = 0;
	for (unsigned i = 1;; i++) {
		char *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p != MAP_FAILED) {
			*(volatile char *)p = 1;
			munmap(p, PAGE);
		}
		if (i % 64)
			continue;
		merged = umbra_stat("dedup_merges") - before;
		if (merged >= DUPS / 2 || elapsed_ms(&t0) >= MERGE_WAIT_MS)
			break;
		sleep_ms(10);
	}
	diag("dedup: %ld frames merged in %ld ms%s", merged, elapsed_ms(&t0),
	     merged >= DUPS / 2 ? "" : " (fewer than half the equal pages)");
}

static char *mem;

/* The child checks its copy, rewrites the even pages, checks again. */
static int child(void *arg)
{
	(void)arg;
	if (bad_pages(mem, 0, NPAGES, 1))
		return 1;
	for (long i = 0; i < NPAGES; i += 2)
		fill((uint64_t *)(mem + i * PAGE), (uint64_t)i, 2);
	for (long i = 0; i < NPAGES; i++)
		if (!check((uint64_t *)(mem + i * PAGE), (uint64_t)i, i % 2 ? 1 : 2))
			return 2;
	return 0;
}

static long read_balloon(void)
{
	char buf[32];
	long n = read_text("/proc/umbra/balloon", buf, sizeof(buf));
	return n > 0 ? strtol(buf, NULL, 10) : -1;
}

static int write_balloon(long pages)
{
	char buf[32];
	int fd = open("/proc/umbra/balloon", O_WRONLY);
	if (fd < 0)
		return -1;
	int len = snprintf(buf, sizeof(buf), "%ld\n", pages);
	int r = write(fd, buf, (size_t)len) == len ? 0 : -1;
	close(fd);
	return r;
}

int main(void)
{
	plan(10);
	mem = mmap(NULL, NPAGES * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		bail_out("mmap of %lu bytes failed", NPAGES * PAGE);
	madvise(mem, NPAGES * PAGE, MADV_NOHUGEPAGE);

	for (long i = 0; i < NPAGES; i++)
		fill((uint64_t *)(mem + i * PAGE), (uint64_t)i, 1);
	is_long(bad_pages(mem, 0, NPAGES, 1), 0, "12 MiB pattern read back in order");
	long bad = 0;
	for (long k = 0; k < NPAGES; k++) {
		long i = (k * 1031) % NPAGES; /* 1031 is prime: every page once */
		bad += !check((uint64_t *)(mem + i * PAGE), (uint64_t)i, 1);
	}
	is_long(bad, 0, "and in a scattered order");
	uint64_t sum = 0, want = 0;
	for (long i = 0; i < NPAGES; i++)
		for (uint64_t w = 0; w < WORDS; w += 61) {
			sum += ((uint64_t *)(mem + i * PAGE))[w] * (uint64_t)(i + 1);
			want += word((uint64_t)i, w, 1) * (uint64_t)(i + 1);
		}
	is_hex(sum, want, "checksum over the whole region");

	/* Equal pages, four contents; then every third one rewritten. */
	char *dup = mmap(NULL, DUPS * PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (dup == MAP_FAILED)
		bail_out("mmap of the equal pages failed");
	long merges = umbra_stat("dedup_merges");
	for (long i = 0; i < DUPS; i++)
		fill((uint64_t *)(dup + i * PAGE), (uint64_t)(i % 4), 7);
	wait_for_merges(merges);
	for (long i = 0; i < DUPS; i += 3)
		fill((uint64_t *)(dup + i * PAGE), (uint64_t)i, 8);
	bad = 0;
	for (long i = 0; i < DUPS; i++)
		bad += !check((uint64_t *)(dup + i * PAGE), (uint64_t)(i % 3 ? i % 4 : i),
			      i % 3 ? 7 : 8);
	is_long(bad, 0, "equal pages partly rewritten: each holds its own bytes");

	int st = run_in_child(child, NULL);
	is_long(st, 0, "a forked child sees the pattern and changes its copy (%s)",
		describe_status(st));
	is_long(bad_pages(mem, 0, NPAGES, 1), 0, "the parent's pages are unchanged");
	munmap(dup, DUPS * PAGE);

	long pages = read_balloon();
	if (pages <= 0 || !is_root()) {
		skip(4, "no balloon to deflate (not in the guest, booted without "
		     "balloon=, or not root)");
		munmap(mem, NPAGES * PAGE);
		return done_testing();
	}
	is_success(write_balloon(0), "balloon deflated from %ld pages", pages);
	is_long(read_balloon(), 0, "it holds nothing");
	/* Frames the host took back are in the allocator again: use them. */
	munmap(mem, NPAGES * PAGE);
	long n = pages < NPAGES ? pages : NPAGES;
	char *again = mmap(NULL, (size_t)n * PAGE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (again == MAP_FAILED)
		bail_out("mmap after the deflate failed");
	for (long i = 0; i < n; i++)
		fill((uint64_t *)(again + i * PAGE), (uint64_t)i, 3);
	is_long(bad_pages(again, 0, n, 3), 0, "%ld pages written after the deflate read back", n);
	munmap(again, (size_t)n * PAGE);
	is_success(write_balloon(pages), "balloon inflated again to %ld pages", pages);
	return done_testing();
}
