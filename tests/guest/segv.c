/* SPDX-License-Identifier: MIT */
/*
 * Dies of SIGSEGV by writing to an unmapped address. Natively the shell sees
 * status 139 (128 + SIGSEGV); under umbra the guest kernel must kill it the
 * same way and the VMM must exit with the same status.
 */
#include <stdio.h>

int main(void)
{
	printf("about to fault\n");
	fflush(stdout);
	volatile int *p = (volatile int *)16;
	*p = 1;
	printf("still alive: BAD\n");
	return 0;
}
