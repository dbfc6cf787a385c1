/* SPDX-License-Identifier: MIT */
/*
 * SIGSEGV for addresses with no mapping: si_code SEGV_MAPERR and si_addr the
 * exact faulting byte, for reads, writes and instruction fetches; a
 * non-canonical address is a general protection fault instead (SI_KERNEL).
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>

#include "suite.h"

/* Jumps to arg, which is not code. */
static void jump_to(void *arg)
{
	((void (*)(void))arg)();
}

static void read_noncanonical(void *arg)
{
	(void)arg;
	(void)*(volatile char *)0x1234567812345678UL;
}

int main(void)
{
	siginfo_t info;
	/* An address that surely has no mapping: map a page, then unmap it. */
	char *hole = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (hole == MAP_FAILED || munmap(hole, PAGE))
		bail_out("cannot make a hole");

	plan(12);
	is_long(probe_access(hole + 123, 0, &info), SIGSEGV, "read of an unmapped page: SIGSEGV");
	is_long(info.si_code, SEGV_MAPERR, "read: si_code SEGV_MAPERR");
	is_hex((uintptr_t)info.si_addr, (uintptr_t)(hole + 123), "read: si_addr is the faulting byte");

	is_long(probe_access(hole + 4095, 1, &info), SIGSEGV, "write to an unmapped page: SIGSEGV");
	is_long(info.si_code, SEGV_MAPERR, "write: si_code SEGV_MAPERR");
	is_hex((uintptr_t)info.si_addr, (uintptr_t)(hole + 4095), "write: si_addr is the faulting byte");

	is_long(probe_access(unmapped_ptr(), 0, &info), SIGSEGV, "read near NULL: SIGSEGV");
	ok(info.si_code == SEGV_MAPERR && info.si_addr == unmapped_ptr(), "near NULL: MAPERR at the address");

	is_long(call_catching(jump_to, hole + 16, &info), SIGSEGV, "jump to an unmapped page: SIGSEGV");
	ok(info.si_code == SEGV_MAPERR && info.si_addr == hole + 16, "jump: MAPERR at the target");

	is_long(call_catching(read_noncanonical, NULL, &info), SIGSEGV, "non-canonical read: SIGSEGV");
	ok(info.si_code == SI_KERNEL && info.si_addr == NULL, "non-canonical: SI_KERNEL, si_addr 0 (code %d)",
	   info.si_code);
	return done_testing();
}
