/* SPDX-License-Identifier: MIT */
/*
 * sigaltstack: a handler with SA_ONSTACK runs on the alternate stack (and
 * sees SS_ONSTACK), so even a stack overflow can be caught; errors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include "suite.h"

#define ALT_SIZE (64 * 1024)

static char *alt;
static volatile int on_alt, saw_onstack;
static sigjmp_buf out;

static void handler(int sig)
{
	volatile char here;
	stack_t now;
	on_alt = (char *)&here >= alt && (char *)&here < alt + ALT_SIZE;
	sigaltstack(NULL, &now);
	saw_onstack = !!(now.ss_flags & SS_ONSTACK);
	if (sig == SIGSEGV)
		siglongjmp(out, 1);
}

static int overflow(int depth)
{
	volatile char frame[4096];
	frame[0] = (char)depth;
	/* The bound only silences the compiler: the stack limit comes first. */
	return depth < (1 << 24) ? overflow(depth + 1) + frame[0] : 0;
}

/* In a child: overflow the stack; the handler on the alternate stack exits 0. */
static int catch_overflow(void *unused)
{
	/* A 256 KiB stack limit: the overflow comes quickly. */
	struct rlimit small = {256 << 10, 256 << 10};
	(void)unused;
	setrlimit(RLIMIT_STACK, &small);
	if (sigsetjmp(out, 1))
		return on_alt ? 0 : 2;
	overflow(0);
	return 1;
}

int main(void)
{
	stack_t ss = {0}, old;
	struct sigaction sa = {0};
	alt = mmap(NULL, ALT_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	plan(9);
	is_long(sigaltstack(NULL, &old), 0, "query the alternate stack");
	ok(old.ss_flags & SS_DISABLE, "none at start (SS_DISABLE)");
	ss.ss_sp = alt;
	ss.ss_size = ALT_SIZE;
	is_long(sigaltstack(&ss, NULL), 0, "install a 64 KiB alternate stack");
	sa.sa_handler = handler;
	sa.sa_flags = SA_ONSTACK;
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	ok(on_alt, "an SA_ONSTACK handler runs on it");
	ok(saw_onstack, "and sigaltstack reports SS_ONSTACK there");
	sa.sa_flags = 0;
	sigaction(SIGUSR2, &sa, NULL);
	raise(SIGUSR2);
	ok(!on_alt, "a handler without SA_ONSTACK runs on the normal stack");

	sa.sa_flags = SA_ONSTACK;
	sigaction(SIGSEGV, &sa, NULL);
	is_long(run_in_child(catch_overflow, NULL), 0, "a stack overflow is caught on the alternate stack");

	ss.ss_size = 1024;
	is_errno(sigaltstack(&ss, NULL), ENOMEM, "a stack below MINSIGSTKSZ: ENOMEM");
	ss.ss_size = ALT_SIZE;
	ss.ss_flags = 0x1234;
	is_errno(sigaltstack(&ss, NULL), EINVAL, "unknown flags: EINVAL");
	return done_testing();
}
