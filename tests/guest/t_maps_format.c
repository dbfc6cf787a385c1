/* SPDX-License-Identifier: MIT */
/*
 * /proc/self/maps in the exact Linux format, for mappings this program made:
 * start-end, perms, offset, device, inode and path ([heap], [stack], files),
 * with the path padded to column 73. Every line: sorted, disjoint, aligned.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "suite.h"

/* The line of the mapping at addr must be exactly what want formats to. */
static void expect_line(const void *addr, const struct vma *want, const char *what)
{
	char got[512], expected[512];
	maps_format(expected, sizeof(expected), want);
	if (!maps_line(addr, got, sizeof(got)))
		strcpy(got, "(not mapped)");
	if (!is_str(got, expected, "%s: exact maps line", what))
		diag("got  '%s'\n# want '%s'", got, expected);
}

int main(int argc, char **argv)
{
	char path[128];
	struct stat st;
	struct vma want, vma;
	static struct vma all[512];
	(void)argc;

	plan(13);
	/* Anonymous private memory. */
	char *anon = map_isolated(2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	want = (struct vma){(unsigned long)anon, (unsigned long)anon + 2 * PAGE, "rw-p", 0, 0, 0, 0, ""};
	expect_line(anon, &want, "anonymous rw-p");
	char *rx = map_isolated(PAGE, PROT_READ | PROT_EXEC, MAP_PRIVATE);
	want = (struct vma){(unsigned long)rx, (unsigned long)rx + PAGE, "r-xp", 0, 0, 0, 0, ""};
	expect_line(rx, &want, "anonymous r-xp");

	/* A file in /dev/shm (tmpfs: its st_dev is what maps shows), at an offset. */
	scratch_path(path, sizeof(path), "/dev/shm", "maps");
	int fd = make_file(path, 4 * PAGE, 0);
	fstat(fd, &st);
	char *file = mmap(NULL, 2 * PAGE, PROT_READ, MAP_PRIVATE, fd, 2 * PAGE);
	want = (struct vma){(unsigned long)file, (unsigned long)file + 2 * PAGE, "r--p", 2 * PAGE,
			    major(st.st_dev), minor(st.st_dev), st.st_ino, ""};
	strcpy(want.path, path);
	expect_line(file, &want, "private file mapping at offset 0x2000");
	char *shared = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, PAGE);
	want.start = (unsigned long)shared, want.end = want.start + PAGE, want.offset = PAGE;
	strcpy(want.perms, "rw-s");
	expect_line(shared, &want, "shared file mapping");

	/* The file in /tmp: same inode and path whatever the filesystem. */
	char tmp_path[128];
	scratch_path(tmp_path, sizeof(tmp_path), "/tmp", "maps");
	int tmp_fd = make_file(tmp_path, PAGE, 0);
	fstat(tmp_fd, &st);
	char *tmp_map = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, tmp_fd, 0);
	ok(maps_find(tmp_map, &vma) && vma.inode == st.st_ino && !strcmp(vma.path, tmp_path) &&
		   !strcmp(vma.perms, "r--s"),
	   "/tmp file mapping: r--s, its inode and path");

	/* Shared anonymous memory is a deleted /dev/zero file. */
	char *shanon = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ok(maps_find(shanon, &vma) && !strcmp(vma.perms, "rw-s") && !strcmp(vma.path, "/dev/zero (deleted)"),
	   "shared anonymous: rw-s '/dev/zero (deleted)' ('%s')", vma.path);

	/* The first growth of the break: [heap] is exactly that page. */
	char *heap = brk_grow(PAGE);
	heap[0] = 1;
	want = (struct vma){(unsigned long)heap, (unsigned long)heap + PAGE, "rw-p", 0, 0, 0, 0, "[heap]"};
	expect_line(heap, &want, "[heap] of one page at the initial break");
	/* [stack]: its bounds vary, every other field is fixed. */
	volatile int local = 0;
	struct vma stack = {0};
	maps_find((void *)&local, &stack);
	want = (struct vma){stack.start, stack.end, "rw-p", 0, 0, 0, 0, "[stack]"};
	expect_line((void *)&local, &want, "a local variable is in [stack]");

	/* Program text: r-xp, this executable's inode, an absolute path. */
	const char *base = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	stat(argv[0], &st);
	ok(maps_find((void *)(unsigned long)main, &vma) && !strcmp(vma.perms, "r-xp"), "main is in r-xp text");
	ok(vma.path[0] == '/' && !strcmp(strrchr(vma.path, '/') + 1, base) && vma.inode == st.st_ino,
	   "text is mapped from this program's file ('%s')", vma.path);

	/* Whole-file properties. */
	int n = maps_all(all, 512), sorted = 1, aligned = 1;
	for (int i = 0; i < n; i++) {
		aligned &= all[i].start % PAGE == 0 && all[i].end % PAGE == 0 && all[i].offset % PAGE == 0;
		sorted &= all[i].start < all[i].end && (i == 0 || all[i - 1].end <= all[i].start);
	}
	ok(n > 5, "maps has lines (%d)", n);
	ok(sorted, "lines sorted by address, disjoint");
	ok(aligned, "starts, ends and offsets page-aligned");
	unlink(path);
	unlink(tmp_path);
	return done_testing();
}
