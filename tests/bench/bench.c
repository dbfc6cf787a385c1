// SPDX-License-Identifier: MIT
/*
 * umbra's guest microbenchmarks (docs/bench.md): memory-management
 * operations timed with rdtsc and, in the guest, counted in VM exits,
 * hypercalls and faults per operation. A static musl program; it runs
 * natively too (then without the VMM's counters).
 *
 * Usage: bench [-s SCALE] [NAME...]   (SCALE multiplies the sizes; 1 by
 * default, sized for a nested TCG run)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include <stdbool.h>

#define PAGE 4096UL
#define MIB (1024UL * 1024)

static unsigned long scale = 1;

static char *map_anon(size_t len)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		bench_die("mmap");
	/* 4K pages everywhere: a host with THP "always" would use 2M pages. */
	madvise(p, len, MADV_NOHUGEPAGE);
	return p;
}

static void touch(char *p, size_t len)
{
	for (size_t off = 0; off < len; off += PAGE)
		p[off] = 1;
}

/* First touch of each page of a fresh region, in address order. */
static void b_seq_fault(struct bench *b)
{
	size_t len = 4 * MIB * scale;
	bench_sample_lo(b);
	char *p = map_anon(len);
	bench_begin(b);
	touch(p, len);
	bench_end(b);
	bench_sample_hi(b, len);
	b->ops = len / PAGE;
	munmap(p, len);
}

/* The same pages in a random order (a fixed permutation). */
static void b_rand_fault(struct bench *b)
{
	size_t len = 4 * MIB * scale, n = len / PAGE;
	unsigned *order = malloc(n * sizeof(*order));
	if (!order)
		bench_die("malloc");
	for (size_t i = 0; i < n; i++)
		order[i] = (unsigned)i;
	uint64_t x = 88172645463325252ULL;
	for (size_t i = n - 1; i > 0; i--) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		size_t j = x % (i + 1);
		unsigned t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	bench_sample_lo(b);
	char *p = map_anon(len);
	bench_begin(b);
	for (size_t i = 0; i < n; i++)
		p[order[i] * PAGE] = 1;
	bench_end(b);
	bench_sample_hi(b, len);
	b->ops = n;
	munmap(p, len);
	free(order);
}

/* Read faults on a private mapping of a file already in the page cache. */
static void b_file_fault(struct bench *b)
{
	size_t len = 2 * MIB * scale;
	char path[] = "/tmp/umbra-bench-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		bench_die("mkstemp in /tmp");
	unlink(path);
	static char buf[65536];
	memset(buf, 7, sizeof(buf));
	for (size_t off = 0; off < len; off += sizeof(buf))
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			bench_die("write");
	for (int round = 0; round < 2; round++) {
		char *p = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
		if (p == MAP_FAILED)
			bench_die("mmap of a file");
		volatile char sum = 0;
		bench_begin(b);
		for (size_t off = 0; off < len; off += PAGE)
			sum += p[off];
		bench_end(b);
		(void)sum;
		munmap(p, len);
		b->ops += len / PAGE;
	}
	close(fd);
}

/* Writes to every page of a populated region shared copy-on-write with a
 * child after fork. */
static void b_cow_fault(struct bench *b)
{
	size_t len = 2 * MIB * scale;
	char *p = map_anon(len);
	touch(p, len);
	/* The child holds the pages, asleep (no task switches while the
	 * parent writes), until it is killed. */
	pid_t pid = fork();
	if (pid < 0)
		bench_die("fork");
	if (pid == 0) {
		for (;;)
			pause();
	}
	bench_begin(b);
	for (size_t off = 0; off < len; off += PAGE)
		p[off] = 2;
	bench_end(b);
	b->ops = len / PAGE;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	munmap(p, len);
}

/* Map 64 KiB, touch one page, unmap. */
static void b_mmap_munmap(struct bench *b)
{
	unsigned long n = 100 * scale;
	bench_begin(b);
	for (unsigned long i = 0; i < n; i++) {
		char *p = mmap(NULL, 64 * 1024, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			bench_die("mmap");
		p[0] = 1;
		munmap(p, 64 * 1024);
	}
	bench_end(b);
	b->ops = n;
}

/* Read-only / read-write toggles of a populated region of size len. */
static void mprotect_toggles(struct bench *b, size_t len)
{
	unsigned long n = 100 * scale;
	char *p = map_anon(len);
	touch(p, len);
	bench_begin(b);
	for (unsigned long i = 0; i < n; i++)
		if (mprotect(p, len, i & 1 ? PROT_READ | PROT_WRITE : PROT_READ))
			bench_die("mprotect");
	bench_end(b);
	b->ops = n;
	munmap(p, len);
}

static void b_mprotect_64k(struct bench *b)
{
	mprotect_toggles(b, 64 * 1024);
}

static void b_mprotect_8m(struct bench *b)
{
	mprotect_toggles(b, 8 * MIB);
}

/* Moving a populated region to a new address (mremap grow, may move). */
static void b_mremap(struct bench *b)
{
	size_t len = 8 * MIB * scale;
	unsigned long n = 4;
	for (unsigned long i = 0; i < n; i++) {
		char *p = map_anon(len);
		touch(p, len);
		/* A free destination twice the size, then reserved by mremap. */
		char *dst = mmap(NULL, 2 * len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (dst == MAP_FAILED)
			bench_die("mmap");
		bench_begin(b);
		char *q = mremap(p, len, 2 * len, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
		bench_end(b);
		if (q == MAP_FAILED)
			bench_die("mremap");
		munmap(q, 2 * len);
	}
	b->ops = n;
}

/* n munmaps of a populated region of size len (and of an empty one: the
 * zap work follows what is mapped, not the range's size). */
static void munmap_region(struct bench *b, size_t len, bool populate, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		char *p = map_anon(len);
		if (populate)
			touch(p, len);
		bench_begin(b);
		munmap(p, len);
		bench_end(b);
	}
	b->ops = n;
}

static void b_munmap_16m(struct bench *b)
{
	munmap_region(b, 16 * MIB * scale, true, 4);
}

/* 32 operations, cheap ones: with 4, one VM exit that is not the
 * operation's (a sync the poll thread took late, nested) came to 0.25
 * per op, over the regression check's margin (docs/bench.md). */
static void b_munmap_empty_1g(struct bench *b)
{
	munmap_region(b, 1024 * MIB, false, 32);
}

/* fork + exit + wait of a process with a large populated heap. */
static void b_fork_exit(struct bench *b)
{
	size_t len = 16 * MIB * scale;
	unsigned long n = 4;
	char *p = map_anon(len);
	touch(p, len);
	bench_begin(b);
	for (unsigned long i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid < 0)
			bench_die("fork");
		if (pid == 0)
			_exit(0);
		waitpid(pid, NULL, 0);
	}
	bench_end(b);
	b->ops = n;
	munmap(p, len);
}

/* The cost of one VM exit to the VMM: reads of /proc/umbra/stats from its
 * start, one hypercall each (guest only: natively there is no such file
 * and nothing is reported). */
static void b_hypercall(struct bench *b)
{
	static char buf[8192];
	int fd = open("/proc/umbra/stats", O_RDONLY);
	if (fd < 0)
		return;
	for (int i = 0; i < 10; i++) {
		bench_begin(b);
		for (int k = 0; k < 10; k++) {
			ssize_t n = pread(fd, buf, sizeof(buf), 0);
			if (n < 0)
				bench_die("pread of /proc/umbra/stats");
			if (n == 0) {
				fprintf(stderr, "bench: /proc/umbra/stats reads empty\n");
				exit(1);
			}
		}
		bench_end(b);
	}
	close(fd);
	b->ops = bench_delta(b, "hypercalls");
}

static const struct {
	const char *name;
	void (*fn)(struct bench *b);
} benches[] = {
	{"hypercall", b_hypercall},
	{"seq_fault", b_seq_fault},
	{"rand_fault", b_rand_fault},
	{"file_fault", b_file_fault},
	{"cow_fault", b_cow_fault},
	{"mmap_munmap", b_mmap_munmap},
	{"mprotect_64k", b_mprotect_64k},
	{"mprotect_8m", b_mprotect_8m},
	{"mremap_8m", b_mremap},
	{"munmap_16m", b_munmap_16m},
	{"munmap_empty_1g", b_munmap_empty_1g},
	{"fork_exit_16m", b_fork_exit},
};
#define NBENCH (sizeof(benches) / sizeof(benches[0]))

int main(int argc, char **argv)
{
	int i = 1;
	if (i + 1 < argc && !strcmp(argv[i], "-s")) {
		scale = strtoul(argv[i + 1], NULL, 0);
		if (!scale || scale > 64) {
			fprintf(stderr, "bench: -s SCALE: 1..64\n");
			return 2;
		}
		i += 2;
	}
	for (int j = i; j < argc; j++) {
		bool known = false;
		for (size_t k = 0; k < NBENCH; k++)
			known |= !strcmp(argv[j], benches[k].name);
		if (!known) {
			fprintf(stderr, "bench: unknown benchmark %s\n", argv[j]);
			return 2;
		}
	}
	bench_init();
	printf("bench-start scale=%lu\n", scale);
	/* Round 0 warms up (first use of guest memory by the host, code
	 * translation under TCG) and is not reported. */
	for (int round = 0; round < 2; round++)
	for (size_t k = 0; k < NBENCH; k++) {
		bool run = i == argc;
		for (int j = i; j < argc; j++)
			run |= !strcmp(argv[j], benches[k].name);
		if (!run)
			continue;
		struct bench b;
		bench_start(&b, benches[k].name);
		benches[k].fn(&b);
		if (round && b.ops)
			bench_report(&b);
	}
	printf("bench-end\n");
	return 0;
}
