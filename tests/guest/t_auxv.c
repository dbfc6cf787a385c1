/* SPDX-License-Identifier: MIT */
/*
 * The initial process state execve sets up: argc/argv/envp, the auxiliary
 * vector (AT_PAGESZ, AT_ENTRY, AT_PHDR, AT_RANDOM, AT_EXECFN, AT_UID...),
 * a 16-byte aligned stack.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <stdint.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "suite.h"

extern char **environ;
static char bss_block[64 << 10];
void _start(void);

int main(int argc, char **argv)
{
	struct vma vma;
	plan(15);
	ok(argc >= 1 && argv[argc] == NULL, "argv has argc entries and a NULL");
	ok(environ != NULL, "environ is set");
	is_long(getauxval(AT_PAGESZ), 4096, "AT_PAGESZ 4096");
	is_hex(getauxval(AT_ENTRY), (unsigned long)_start, "AT_ENTRY is _start");
	const Elf64_Phdr *phdr = (const void *)getauxval(AT_PHDR);
	ok(phdr && getauxval(AT_PHENT) == sizeof(Elf64_Phdr) && getauxval(AT_PHNUM) > 1,
	   "AT_PHDR, AT_PHENT 56, AT_PHNUM > 1");
	int has_load = 0;
	for (unsigned long i = 0; phdr && i < getauxval(AT_PHNUM); i++)
		has_load |= phdr[i].p_type == PT_LOAD;
	ok(has_load, "the program headers include PT_LOAD");
	const unsigned char *random = (const void *)getauxval(AT_RANDOM);
	ok(random && maps_find(random, &vma) && !strcmp(vma.path, "[stack]"), "AT_RANDOM points into [stack]");
	const char *execfn = (const char *)getauxval(AT_EXECFN);
	ok(execfn && !strcmp(execfn, argv[0]), "AT_EXECFN is the path given to execve ('%s')", execfn ? execfn : "");
	ok(getauxval(AT_UID) == getuid() && getauxval(AT_EUID) == geteuid() && getauxval(AT_GID) == getgid() &&
		   getauxval(AT_EGID) == getegid(),
	   "AT_UID, AT_EUID, AT_GID, AT_EGID");
	is_long(getauxval(AT_SECURE), 0, "AT_SECURE 0");
	ok(maps_find(argv[0], &vma) && !strcmp(vma.path, "[stack]"), "argv strings are on the stack");
	ok(maps_find(environ, &vma) && !strcmp(vma.path, "[stack]"), "so is envp");
	ok((uintptr_t)argv % 8 == 0 && (uintptr_t)environ == (uintptr_t)(argv + argc + 1),
	   "envp follows argv's NULL on the stack");
	ok(maps_find((void *)getauxval(AT_PHDR), &vma) && vma.path[0] == '/', "AT_PHDR is inside the mapped program file");
	ok(bss_block[0] == 0 && !memcmp(bss_block, bss_block + 1, sizeof(bss_block) - 1), "64 KiB of .bss is zero");
	return done_testing();
}
