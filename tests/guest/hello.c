/* SPDX-License-Identifier: MIT */
/*
 * The first guest test: proves a static musl program runs in user mode and
 * that its exit status reaches whoever started it.
 *
 * Prints its privilege level (read from CS), exercises the C library's
 * start-up paths (TLS via arch_prctl, stdio via writev, malloc via brk and
 * mmap), and exits with argv[1] (default 0). Runs the same natively on Linux,
 * which is the oracle for its output.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static unsigned int current_cpl(void)
{
	uint16_t cs;
	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	return cs & 3;
}

/* Touch every page of a buffer and check what was written reads back. */
static int check_pattern(unsigned char *buf, size_t len, unsigned char seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (unsigned char)(seed + i * 7);
	for (size_t i = 0; i < len; i++)
		if (buf[i] != (unsigned char)(seed + i * 7))
			return 0;
	return 1;
}

int main(int argc, char **argv)
{
	int status = argc > 1 ? atoi(argv[1]) : 0;

	printf("hello from user mode: cpl=%u argc=%d\n", current_cpl(), argc);

	/* Small allocations come from brk, large ones from mmap in musl. */
	size_t small = 1000, large = 1 << 20;
	unsigned char *a = malloc(small), *b = malloc(large);
	if (!a || !b) {
		printf("malloc failed\n");
		return 1;
	}
	printf("malloc small: %s\n", check_pattern(a, small, 1) ? "ok" : "BAD");
	printf("malloc large: %s\n", check_pattern(b, large, 2) ? "ok" : "BAD");
	free(b);
	free(a);

	/* Anonymous memory must come zero-filled. */
	size_t len = 64 * 4096;
	unsigned char *m = mmap(NULL, len, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED) {
		printf("mmap failed\n");
		return 1;
	}
	int zero = 1;
	for (size_t i = 0; i < len; i++)
		zero &= m[i] == 0;
	printf("mmap anonymous zeroed: %s\n", zero ? "ok" : "BAD");
	printf("mmap pattern: %s\n", check_pattern(m, len, 3) ? "ok" : "BAD");
	printf("munmap: %s\n", munmap(m, len) == 0 ? "ok" : "BAD");

	printf("exiting with status %d\n", status);
	return status;
}
