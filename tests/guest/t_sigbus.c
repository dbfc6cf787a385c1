/* SPDX-License-Identifier: MIT */
/*
 * SIGBUS with BUS_ADRERR for pages of a file mapping wholly beyond the end
 * of the file; the partial last page reads zeros past EOF; ftruncate moves
 * the limit both ways.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "suite.h"

int main(void)
{
	char path[128];
	siginfo_t info;
	scratch_path(path, sizeof(path), "/tmp", "sigbus");
	/* 1.5 pages of file under a 4-page mapping. */
	int fd = make_file(path, PAGE + PAGE / 2, 0);
	char *shared = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	char *private = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	int memfd = memfd_create("sigbus", 0);
	ftruncate(memfd, PAGE);
	char *mem = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	if (fd < 0 || shared == MAP_FAILED || private == MAP_FAILED || mem == MAP_FAILED)
		bail_out("setup failed");

	plan(16);
	is_long(probe_access(shared + 10, 0, NULL), 0, "read inside the file works");
	is_long(shared[PAGE + 10], (char)(PAGE + 10), "it reads the file's bytes");
	is_long(probe_access(shared + 2 * PAGE - 1, 0, NULL), 0, "read past EOF in the last page works");
	is_long(shared[2 * PAGE - 1], 0, "and reads zero");

	is_long(probe_access(shared + 2 * PAGE + 8, 0, &info), SIGBUS, "read of a page beyond EOF: SIGBUS");
	is_long(info.si_code, BUS_ADRERR, "si_code BUS_ADRERR");
	is_hex((uintptr_t)info.si_addr, (uintptr_t)(shared + 2 * PAGE + 8), "si_addr is the faulting byte");
	is_long(probe_access(shared + 3 * PAGE, 1, &info), SIGBUS, "write beyond EOF: SIGBUS");
	ok(probe_access(private + 3 * PAGE, 0, &info) == SIGBUS && info.si_code == BUS_ADRERR,
	   "MAP_PRIVATE beyond EOF: SIGBUS, BUS_ADRERR");

	is_long(ftruncate(fd, 3 * PAGE), 0, "grow the file to 3 pages");
	ok(probe_access(shared + 2 * PAGE + 8, 0, NULL) == 0 && shared[2 * PAGE + 8] == 0,
	   "the page that faulted now reads zero");
	is_long(ftruncate(fd, 0), 0, "truncate the file to 0");
	is_long(probe_access(shared, 0, &info), SIGBUS, "even page 0 is now beyond EOF: SIGBUS");
	is_hex((uintptr_t)info.si_addr, (uintptr_t)shared, "si_addr page 0");

	is_long(probe_access(mem + 100, 1, NULL), 0, "memfd: inside its size works");
	ok(probe_access(mem + PAGE + 100, 1, &info) == SIGBUS && info.si_code == BUS_ADRERR,
	   "memfd: beyond its size SIGBUS, BUS_ADRERR");
	close(fd);
	unlink(path);
	return done_testing();
}
