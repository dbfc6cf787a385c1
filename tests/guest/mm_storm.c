/* SPDX-License-Identifier: MIT */
/*
 * A storm of mm operations, to count what each costs in VM exits and
 * shadow hypercalls (docs/shadow.md, "Measured"): run it twice under
 * `umbra run --paging shadow --stats`, with N and with 0, and divide the
 * difference of the counters by N.
 *
 *   mm_storm fork N      N x (fork; the child exits; wait) with 8 touched
 *                        private VMAs in the parent, each written again
 *                        after the fork (copy-on-write)
 *   mm_storm munmap N    N x (mmap 64 KiB; touch it; munmap)
 *   mm_storm mprotect N  N x (mprotect 64 KiB read-only; read-write; write)
 *
 * Not a suite program (not t_*): it checks nothing but its own calls and
 * exits 0 when they all succeeded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define NVMAS 8
#define LEN (64 * 1024)

static void touch(char *p, size_t len, char v)
{
	for (size_t i = 0; i < len; i += 4096)
		p[i] = v;
}

static char *map(int prot)
{
	char *p = mmap(NULL, LEN, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	return p;
}

static int storm_fork(long n)
{
	char *v[NVMAS];
	/* Alternate rights so the VMAs do not merge. */
	for (int i = 0; i < NVMAS; i++) {
		v[i] = map(i & 1 ? PROT_READ | PROT_WRITE | PROT_EXEC : PROT_READ | PROT_WRITE);
		touch(v[i], LEN, 1);
	}
	for (long k = 0; k < n; k++) {
		pid_t pid = fork();
		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0)
			_exit(v[0][0] == 1 ? 0 : 1);
		int status;
		if (waitpid(pid, &status, 0) != pid || status != 0) {
			fprintf(stderr, "mm_storm: child failed\n");
			return 1;
		}
		for (int i = 0; i < NVMAS; i++)
			touch(v[i], LEN, 1);
	}
	return 0;
}

static int storm_munmap(long n)
{
	for (long k = 0; k < n; k++) {
		char *p = map(PROT_READ | PROT_WRITE);
		touch(p, LEN, 2);
		if (munmap(p, LEN)) {
			perror("munmap");
			return 1;
		}
	}
	return 0;
}

static int storm_mprotect(long n)
{
	char *p = map(PROT_READ | PROT_WRITE);
	touch(p, LEN, 3);
	for (long k = 0; k < n; k++) {
		if (mprotect(p, LEN, PROT_READ) || mprotect(p, LEN, PROT_READ | PROT_WRITE)) {
			perror("mprotect");
			return 1;
		}
		touch(p, LEN, 3);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: mm_storm fork|munmap|mprotect N\n");
		return 2;
	}
	long n = atol(argv[2]);
	int r;
	if (!strcmp(argv[1], "fork"))
		r = storm_fork(n);
	else if (!strcmp(argv[1], "munmap"))
		r = storm_munmap(n);
	else if (!strcmp(argv[1], "mprotect"))
		r = storm_mprotect(n);
	else
		r = 2;
	printf("mm_storm %s %ld: %s\n", argv[1], n, r ? "failed" : "done");
	return r;
}
