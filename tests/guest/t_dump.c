/* SPDX-License-Identifier: MIT */
/*
 * A known layout, and the VMM's dump of it (docs/dump-format.md). In a
 * 16-page window of PROT_NONE guard pages: 4 written read-write pages, 2
 * read read-only pages, 2 read executable pages, and one page of a memfd
 * mapped twice (shared). The layout is checked against /proc/self/maps
 * (natively too), then a write to /proc/umbra/dump asks the VMM for a dump
 * of this process's tables; natively, or when the VMM writes no dumps,
 * that check is skipped. The layout is printed as "# dump-layout" lines,
 * which tests/integration/tools.sh compares with the dump's ranges.
 * "t_dump N" asks for N dumps, one after the other (tools.sh sends SIGUSR2
 * dump requests meanwhile: each dump must still be taken whole).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "suite.h"

#define WINDOW 16

struct piece {
	unsigned first, pages;
	int prot;
	const char *rights; /* the dump's "rwxu" */
	const char *state;  /* words the dump must show besides "mapped" */
};

static const struct piece layout[] = {
	{1, 4, PROT_READ | PROT_WRITE, "rw-u", ""},
	{6, 2, PROT_READ, "r--u", ""},
	{9, 2, PROT_READ | PROT_EXEC, "r-xu", ""},
	{12, 1, PROT_READ | PROT_WRITE, "rw-u", "shared"},
	{14, 1, PROT_READ | PROT_WRITE, "rw-u", "shared"},
};
#define NPIECES (sizeof(layout) / sizeof(layout[0]))

/* The perms of the /proc/self/maps line covering addr ("rw-p"), or "". */
static void maps_perms(unsigned long addr, char out[5])
{
	static char text[65536];
	out[0] = 0;
	int fd = open("/proc/self/maps", O_RDONLY);
	if (fd < 0)
		return;
	ssize_t n = 0, r;
	while (n < (ssize_t)sizeof(text) - 1 &&
	       (r = read(fd, text + n, sizeof(text) - 1 - (size_t)n)) > 0)
		n += r;
	close(fd);
	text[n > 0 ? n : 0] = 0;
	for (char *line = text; line && *line;) {
		unsigned long s, e;
		char perms[5];
		if (sscanf(line, "%lx-%lx %4s", &s, &e, perms) == 3 && s <= addr && addr < e) {
			memcpy(out, perms, 5);
			return;
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
}

int main(int argc, char **argv)
{
	long rounds = argc > 1 ? strtol(argv[1], NULL, 10) : 1;
	plan(2 * (int)NPIECES + 5);
	char *base = mmap(NULL, WINDOW * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		bail_out("mmap of the window: %s", strerror(errno));
	int mfd = memfd_create("t_dump", 0);
	if (mfd < 0 || ftruncate(mfd, PAGE) != 0)
		bail_out("memfd: %s", strerror(errno));
	for (unsigned i = 0; i < NPIECES; i++) {
		const struct piece *p = &layout[i];
		char *at = base + p->first * PAGE;
		void *m;
		if (*p->state)
			m = mmap(at, PAGE, p->prot, MAP_SHARED | MAP_FIXED, mfd, 0);
		else
			m = mmap(at, p->pages * PAGE, p->prot | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		ok(m == at, "piece %u mapped at its place", i);
		/* Present in the page tables: written (then protected) or read. */
		for (unsigned k = 0; k < p->pages; k++)
			at[k * PAGE] = (char)(i + 1);
		if (!*p->state)
			mprotect(at, p->pages * PAGE, p->prot);
	}
	/* Through the second mapping of the memfd page: the same bytes. */
	ok(base[14 * PAGE] == (char)5 && base[12 * PAGE] == (char)5,
	   "both memfd mappings show the last write");

	unsigned bad = 0;
	for (unsigned i = 0; i < NPIECES; i++) {
		const struct piece *p = &layout[i];
		char perms[5], want[5];
		snprintf(want, sizeof(want), "%c%c%c%c", 'r', (p->prot & PROT_WRITE) ? 'w' : '-',
			 (p->prot & PROT_EXEC) ? 'x' : '-', *p->state ? 's' : 'p');
		maps_perms((unsigned long)(base + p->first * PAGE), perms);
		is_str(perms, want, "piece %u is %s in /proc/self/maps", i, want);
	}
	for (unsigned g = 0; g < WINDOW; g++) {
		bool guard = true;
		for (unsigned i = 0; i < NPIECES; i++)
			if (g >= layout[i].first && g < layout[i].first + layout[i].pages)
				guard = false;
		char perms[5];
		maps_perms((unsigned long)(base + g * PAGE), perms);
		if (guard && strcmp(perms, "---p") != 0)
			bad++;
	}
	is_long(bad, 0, "the guard pages are PROT_NONE");

	diag("dump-layout base %#lx pages %u", (unsigned long)base, WINDOW);
	for (unsigned i = 0; i < NPIECES; i++)
		diag("dump-layout piece %#lx %#lx %s %s",
		     (unsigned long)(base + layout[i].first * PAGE),
		     (unsigned long)(base + (layout[i].first + layout[i].pages) * PAGE),
		     layout[i].rights, *layout[i].state ? layout[i].state : "-");

	int fd = open("/proc/umbra/dump", O_WRONLY);
	if (fd < 0) {
		ok(errno == ENOENT, "no /proc/umbra/dump: not under umbra");
		skip(1, "natively there is no VMM to dump the tables");
	} else {
		ok(1, "/proc/umbra/dump opens for writing");
		ssize_t w = 7;
		for (long i = 0; i < rounds && w == 7; i++)
			w = write(fd, "t_dump\n", 7);
		if (w < 0 && errno == ENOENT)
			skip(1, "the VMM writes no dumps (umbra run without --dump-on-exit)");
		else
			is_long(w, 7, "the VMM took the dump");
		close(fd);
	}
	/* Still mapped while the dump was made. */
	ok(base[PAGE] == 1, "the layout is intact after the dump");
	return done_testing();
}
