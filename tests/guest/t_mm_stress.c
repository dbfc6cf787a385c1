/* SPDX-License-Identifier: MIT */
/*
 * Memory management on every CPU at once (docs/reliability.md, SMP stress):
 * one worker process per CPU of the affinity mask (at least 2, at most 4),
 * all running the same rounds on their own checksummed regions: first
 * touch, fork with copy-on-write writes on both sides while the child runs,
 * mprotect, MADV_DONTNEED, mremap that moves and grows, munmap; and each
 * writing its own slots of one MAP_SHARED region. A worker counts the pages
 * that do not hold what was last written there and reports the count in
 * its exit status. Natively every count is 0; in the guest the integration
 * tests run this with several vCPUs and with the host changing memory
 * underneath (tests/integration/smp.sh).
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "suite.h"

#define MAX_WORKERS 4
#define NPAGES 192        /* per worker and round: 768 KiB */
#define SLOT_PAGES 16     /* per worker in the shared region */
#define ROUNDS 6
#define WORDS (PAGE / 8)

static uint64_t word(uint64_t page, uint64_t w, uint64_t seed)
{
	uint64_t x = (seed << 40) ^ (page << 12) ^ w;
	x *= 0x9e3779b97f4a7c15ull;
	return x ^ (x >> 31);
}

static void fill(char *base, long first, long n, uint64_t seed)
{
	for (long i = first; i < first + n; i++) {
		uint64_t *p = (uint64_t *)(base + i * PAGE);
		for (uint64_t w = 0; w < WORDS; w++)
			p[w] = word((uint64_t)i, w, seed);
	}
}

/* Pages of [first, first + n) not holding their pattern (seed 0: zero). */
static long bad_pages(const char *base, long first, long n, uint64_t seed)
{
	long bad = 0;
	for (long i = first; i < first + n; i++) {
		const uint64_t *p = (const uint64_t *)(base + i * PAGE);
		for (uint64_t w = 0; w < WORDS; w++)
			if (p[w] != (seed ? word((uint64_t)i, w, seed) : 0)) {
				bad++;
				break;
			}
	}
	return bad;
}

static char *anon(long pages)
{
	char *p = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p != MAP_FAILED)
		madvise(p, pages * PAGE, MADV_NOHUGEPAGE);
	return p == MAP_FAILED ? NULL : p;
}

static char *shared;

/* One round's copy-on-write: the child checks the parent's pattern, then
 * rewrites the odd pages while the parent rewrites the even ones. */
static long cow_round(char *r, uint64_t seed)
{
	pid_t pid = fork();
	if (pid < 0)
		return NPAGES;
	if (pid == 0) {
		if (bad_pages(r, 0, NPAGES, seed))
			_exit(1);
		for (long i = 1; i < NPAGES; i += 2)
			fill(r, i, 1, seed + 1);
		for (long i = 0; i < NPAGES; i++)
			if (bad_pages(r, i, 1, i % 2 ? seed + 1 : seed))
				_exit(2);
		_exit(0);
	}
	for (long i = 0; i < NPAGES; i += 2)
		fill(r, i, 1, seed + 2);
	int st = wait_status(pid);
	long bad = st != 0;
	for (long i = 0; i < NPAGES; i++)
		bad += bad_pages(r, i, 1, i % 2 ? seed : seed + 2);
	return bad;
}

static long round_of(int id, int round)
{
	uint64_t seed = (uint64_t)(id + 1) * 1000 + (uint64_t)round * 10;
	long bad = 0;
	char *r = anon(NPAGES);
	if (!r)
		return NPAGES;
	fill(r, 0, NPAGES, seed);
	bad += bad_pages(r, 0, NPAGES, seed);
	bad += cow_round(r, seed);
	fill(r, 0, NPAGES, seed + 3);
	/* Read-only, then writable again. */
	if (mprotect(r, NPAGES * PAGE, PROT_READ))
		bad++;
	bad += bad_pages(r, 0, NPAGES, seed + 3);
	if (mprotect(r, NPAGES * PAGE, PROT_READ | PROT_WRITE))
		bad++;
	/* The first quarter dropped: zero; the rest kept. */
	if (madvise(r, NPAGES / 4 * PAGE, MADV_DONTNEED))
		bad++;
	bad += bad_pages(r, 0, NPAGES / 4, 0);
	bad += bad_pages(r, NPAGES / 4, NPAGES - NPAGES / 4, seed + 3);
	/* Moved and doubled: the old pages at the new place, zero after. */
	char *m = mremap(r, NPAGES * PAGE, 2 * NPAGES * PAGE, MREMAP_MAYMOVE);
	if (m == MAP_FAILED) {
		munmap(r, NPAGES * PAGE);
		return bad + NPAGES;
	}
	bad += bad_pages(m, NPAGES / 4, NPAGES - NPAGES / 4, seed + 3);
	bad += bad_pages(m, NPAGES, NPAGES, 0);
	fill(m, NPAGES, NPAGES, seed + 4);
	bad += bad_pages(m, NPAGES, NPAGES, seed + 4);
	munmap(m, 2 * NPAGES * PAGE);
	/* This worker's slot of the shared region. */
	char *slot = shared + (long)id * SLOT_PAGES * PAGE;
	fill(slot, 0, SLOT_PAGES, seed + 5);
	sched_yield();
	bad += bad_pages(slot, 0, SLOT_PAGES, seed + 5);
	return bad;
}

static int worker(int id)
{
	long bad = 0;
	for (int round = 0; round < ROUNDS; round++)
		bad += round_of(id, round);
	return bad > 100 ? 100 : (int)bad;
}

int main(void)
{
	plan(4);
	cpu_set_t set;
	int n = sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set) : 1;
	n = n < 2 ? 2 : n > MAX_WORKERS ? MAX_WORKERS : n;
	ok(n >= 2 && n <= MAX_WORKERS, "%d workers, one per CPU (at least 2)", n);
	shared = mmap(NULL, MAX_WORKERS * SLOT_PAGES * PAGE, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		bail_out("mmap of the shared region failed");
	pid_t pids[MAX_WORKERS];
	for (int i = 0; i < n; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			bail_out("fork of worker %d failed", i);
		if (pids[i] == 0)
			_exit(worker(i));
	}
	int exited = 0;
	long bad = 0;
	for (int i = 0; i < n; i++) {
		int st = wait_status(pids[i]);
		if (st >= 0 && WIFEXITED(st)) {
			exited++;
			bad += WEXITSTATUS(st);
		} else {
			diag("worker %d: %s", i, describe_status(st));
		}
	}
	is_long(exited, n, "every worker ran its %d rounds to the end", ROUNDS);
	is_long(bad, 0, "no worker found a page without what it last wrote there");
	long shared_bad = 0;
	for (int i = 0; i < n; i++)
		shared_bad += bad_pages(shared + (long)i * SLOT_PAGES * PAGE, 0, SLOT_PAGES,
					(uint64_t)(i + 1) * 1000 + (ROUNDS - 1) * 10 + 5);
	is_long(shared_bad, 0, "the shared region holds each worker's last slot pattern");
	return done_testing();
}
