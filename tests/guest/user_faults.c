/* SPDX-License-Identifier: MIT */
/*
 * One user-mode fault per run, chosen by argv[1]. Linux kills the program
 * with a signal (SIGSEGV, SIGILL, SIGFPE, SIGTRAP, ...); the guest kernel must
 * kill it with the same one, so the exit status (128 + signal) is the same
 * natively and under umbra.
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

static int recurse(int n)
{
	volatile char buf[4096];
	buf[0] = (char)n;
	return n ? recurse(n - 1) + buf[0] : 0;
}

static char *anon_page(int prot)
{
	return mmap(NULL, 4096, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	printf("fault: %s\n", mode);
	fflush(stdout);
	if (!strcmp(mode, "ud")) /* invalid opcode: SIGILL */
		__asm__ volatile("ud2");
	if (!strcmp(mode, "de")) { /* divide error: SIGFPE */
		volatile int zero = 0;
		printf("%d\n", 5 / zero);
	}
	if (!strcmp(mode, "int3")) /* breakpoint: SIGTRAP */
		__asm__ volatile("int3");
	if (!strcmp(mode, "hlt")) /* privileged instruction: SIGSEGV */
		__asm__ volatile("hlt");
	if (!strcmp(mode, "out")) /* port I/O without IOPL: SIGSEGV */
		__asm__ volatile("outb %%al, $0x80" ::"a"(0));
	if (!strcmp(mode, "kread")) /* the kernel's image */
		printf("%d\n", *(volatile int *)0xffffffff80200000UL);
	if (!strcmp(mode, "noncanon")) /* jump to a non-canonical address */
		((void (*)(void))0x1234567812345678UL)();
	if (!strcmp(mode, "nxexec")) { /* execute from a no-execute page */
		char *p = anon_page(PROT_READ | PROT_WRITE);
		p[0] = (char)0xc3;
		((void (*)(void))p)();
	}
	if (!strcmp(mode, "rotext")) /* write to program text */
		*(volatile char *)main = 0;
	if (!strcmp(mode, "protnone")) /* read a PROT_NONE page */
		printf("%d\n", *(volatile char *)anon_page(PROT_NONE));
	if (!strcmp(mode, "mprotro")) { /* write after mprotect(PROT_READ) */
		char *p = anon_page(PROT_READ | PROT_WRITE);
		p[0] = 1;
		mprotect(p, 4096, PROT_READ);
		printf("%d\n", p[0]);
		p[0] = 2;
	}
	if (!strcmp(mode, "stack")) /* overflow the stack */
		recurse(1 << 20);
	printf("still alive\n");
	return 0;
}
