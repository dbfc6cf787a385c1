/* SPDX-License-Identifier: MIT */
/*
 * SIGSEGV for accesses the mapping does not allow: si_code SEGV_ACCERR and
 * si_addr the faulting byte (write to read-only, any access to PROT_NONE,
 * execution from a no-exec page, writes to program text and to a read-only
 * file mapping).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "suite.h"

static void jump_to(void *arg)
{
	((void (*)(void))arg)();
}

/* Checks one access: SIGSEGV with SEGV_ACCERR at addr (3 checks). */
static void expect_accerr(void *addr, int write, const char *what)
{
	siginfo_t info;
	is_long(probe_access(addr, write, &info), SIGSEGV, "%s: SIGSEGV", what);
	is_long(info.si_code, SEGV_ACCERR, "%s: si_code SEGV_ACCERR", what);
	is_hex((uintptr_t)info.si_addr, (uintptr_t)addr, "%s: si_addr", what);
}

int main(void)
{
	char path[128];
	siginfo_t info;
	char *ro = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *none = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *data = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	scratch_path(path, sizeof(path), "/tmp", "accerr");
	int fd = make_file(path, PAGE, 1);
	close(fd);
	fd = open(path, O_RDONLY);
	char *file = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
	if (ro == MAP_FAILED || none == MAP_FAILED || data == MAP_FAILED || file == MAP_FAILED)
		bail_out("mmap failed");

	plan(18);
	is_long(probe_access(ro + 5, 0, NULL), 0, "read of a PROT_READ page works");
	expect_accerr(ro + 5, 1, "write to PROT_READ");
	expect_accerr(none + 77, 0, "read of PROT_NONE");
	expect_accerr(file + 1000, 1, "write to a read-only shared file mapping");
	expect_accerr((void *)(uintptr_t)main, 1, "write to program text");

	data[0] = (char)0xc3; /* ret */
	is_long(call_catching(jump_to, data, &info), SIGSEGV, "execute from a non-exec page: SIGSEGV");
	ok(info.si_code == SEGV_ACCERR && info.si_addr == data, "execute: ACCERR at the page");

	mprotect(data, PAGE, PROT_READ);
	is_long(probe_access(data + 9, 1, &info), SIGSEGV, "write after mprotect(PROT_READ): SIGSEGV");
	is_long(info.si_code, SEGV_ACCERR, "after mprotect: SEGV_ACCERR");
	mprotect(data, PAGE, PROT_READ | PROT_WRITE);
	is_long(probe_access(data + 9, 1, NULL), 0, "write works again after mprotect back");
	munmap(file, PAGE);
	close(fd);
	unlink(path);
	return done_testing();
}
