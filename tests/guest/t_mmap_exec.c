/* SPDX-License-Identifier: MIT */
/* Executable mappings: code written to anonymous memory, or mapped from a file, runs. */
#define _GNU_SOURCE
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "suite.h"

/* mov $42, %eax; ret */
static const unsigned char return_42[] = {0xb8, 42, 0, 0, 0, 0xc3};

static void call(void *code)
{
	((int (*)(void))code)();
}

int main(void)
{
	char path[128];
	char *anon = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memcpy(anon, return_42, sizeof(return_42));

	plan(7);
	is_long(call_catching(call, anon, NULL), SIGSEGV, "code in rw- memory does not run");
	is_long(mprotect(anon, PAGE, PROT_READ | PROT_EXEC), 0, "mprotect to r-x");
	is_long(((int (*)(void))anon)(), 42, "now it runs and returns 42");

	scratch_path(path, sizeof(path), "/tmp", "code");
	int fd = make_file(path, PAGE, 0);
	pwrite(fd, return_42, sizeof(return_42), 16);
	char *file = mmap(NULL, PAGE, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	ok(file != MAP_FAILED, "map the file r-x");
	is_long(((int (*)(void))(file + 16))(), 42, "code from the file runs");
	/* A private writable+executable copy: change the immediate, run again. */
	char *rwx = mmap(NULL, PAGE, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE, fd, 0);
	rwx[17] = 7;
	is_long(((int (*)(void))(rwx + 16))(), 7, "code patched in an rwx private mapping runs patched");
	is_long(((int (*)(void))(file + 16))(), 42, "the file (and its other mapping) is unchanged");
	close(fd);
	unlink(path);
	return done_testing();
}
