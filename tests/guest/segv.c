/* SPDX-License-Identifier: MIT */
/*
 * Dies of SIGSEGV by writing to an unmapped address. Natively the shell sees
 * status 139 (128 + SIGSEGV); under umbra the guest kernel must kill it the
 * same way and the VMM must exit with the same status.
 */
#include <stdint.h>
#include <stdio.h>

int main(void)
{
	printf("about to fault\n");
	fflush(stdout);
	/* Through a volatile integer so the compiler cannot see the address. */
	volatile uintptr_t addr = 16;
	*(volatile int *)addr = 1;
	printf("still alive: BAD\n");
	return 0;
}
