/* SPDX-License-Identifier: MIT */
/*
 * umbra's per-process fault-path counters (/proc/self/vmstat, which Linux
 * does not have: natively every check is skipped). Each operation below
 * takes one path of handle_mm_fault exactly once, and only this process's
 * counters move (a child's faults are its own): the zero page on a read of
 * new anonymous memory, a new page on a write, the zero page replaced on a
 * later write, a COW copy in a forked child and reuse in the parent once
 * the child is gone, a read fault and a COW fault on a private file
 * mapping, a shared fault on a shared one, and SIGSEGV.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "suite.h"

enum { ZERO, NEW, WP_COPY, WP_REUSE, READ, COW, SHARED, SIGSEGV_, NR };
static const char *const names[NR] = {
	"fault_anon_zero_page", "fault_anon_new_page", "fault_wp_copy", "fault_wp_reuse",
	"fault_read",           "fault_cow",           "fault_shared",  "fault_sigsegv",
};

static char text[8192];

/* This process's counters, all read at once; 0 when the file is missing. */
static int snapshot(long *v)
{
	int fd = open("/proc/self/vmstat", O_RDONLY);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	text[n] = 0;
	for (int i = 0; i < NR; i++) {
		char *line = text;
		v[i] = -1;
		size_t len = strlen(names[i]);
		while (line && *line) {
			if (!strncmp(line, names[i], len) && line[len] == ' ') {
				v[i] = strtol(line + len + 1, NULL, 10);
				break;
			}
			line = strchr(line, '\n');
			line = line ? line + 1 : NULL;
		}
	}
	return 1;
}

static long before[NR], after[NR];

/* Both snapshot arrays and the text buffer written once, so that the
 * measurement itself takes no fault (after fork they are write-protected). */
static void begin(void)
{
	snapshot(after);
	snapshot(before);
}

/* After the operation: the counter `which` moved by exactly `want`, and
 * every other one of ours by 0 unless listed in `also` (a bit mask). */
static void expect(int which, long want, unsigned also, const char *what)
{
	snapshot(after);
	int others_still = 1;
	for (int i = 0; i < NR; i++)
		if (i != which && !(also & (1u << i)) && after[i] != before[i])
			others_still = 0;
	ok(after[which] - before[which] == want && others_still, "%s: %s +%ld%s", what, names[which],
	   after[which] - before[which], others_still ? "" : " (and other paths moved)");
}

/* The child's own COW copy: 0 if exactly one fault_wp_copy and nothing
 * else happened in it. */
static int child_writes(void *arg)
{
	volatile char *p = arg;
	begin();
	p[0] = 2;
	snapshot(after);
	for (int i = 0; i < NR; i++)
		if (after[i] - before[i] != (i == WP_COPY))
			return 1;
	return 0;
}

int main(void)
{
	long probe[NR];
	char path[256];
	siginfo_t info;

	plan(9);
	if (!snapshot(probe)) {
		skip(9, "no /proc/self/vmstat (umbra's own file; Linux has none)");
		return done_testing();
	}
	volatile char *a = map_isolated(4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	if (!a)
		bail_out("mmap failed");
	begin();
	(void)a[0];
	expect(ZERO, 1, 0, "read of new anonymous memory");
	begin();
	a[0] = 1;
	expect(WP_COPY, 1, 0, "write over the zero page");
	begin();
	a[PAGE] = 1;
	expect(NEW, 1, 0, "write to new anonymous memory");

	int status = run_in_child(child_writes, (void *)(a + PAGE));
	is_long(WEXITSTATUS(status), 0, "a forked child's write is one COW copy, counted in the child");
	begin();
	a[PAGE] = 3;
	expect(WP_REUSE, 1, 0, "the parent's write after the child is gone reuses its frame");

	scratch_path(path, sizeof(path), "/tmp", "fault_paths");
	int fd = make_file(path, 4 * PAGE, 7);
	volatile char *priv = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	volatile char *shared = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	/* A second private mapping, never read: fault-around on the first
	 * could have mapped the page read-only, making a write a wp fault. */
	volatile char *priv2 = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (fd < 0 || priv == MAP_FAILED || shared == MAP_FAILED || priv2 == MAP_FAILED)
		bail_out("cannot map %s", path);
	begin();
	(void)priv[0];
	expect(READ, 1, 0, "read of a private file mapping");
	begin();
	priv2[3 * PAGE] = 1;
	expect(COW, 1, 0, "first write to a private file page");
	begin();
	shared[2 * PAGE] = 1;
	expect(SHARED, 1, 0, "write to a shared file mapping");

	void *hole = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(hole, PAGE);
	begin();
	probe_access(hole, 0, &info);
	expect(SIGSEGV_, 1, 0, "a read of unmapped memory");

	close(fd);
	unlink(path);
	return done_testing();
}
