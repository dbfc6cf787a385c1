/* SPDX-License-Identifier: MIT */
/*
 * exit and exit_group: the status reaches the parent truncated to 8 bits;
 * exit() runs atexit handlers, _exit() does not.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "suite.h"

static volatile int *handler_ran;

static void at_exit_handler(void)
{
	*handler_ran = 1;
}

static int raw_exit_group(void *code)
{
	syscall(SYS_exit_group, (long)(intptr_t)code);
	return 100;
}

/* SYS_exit ends only the calling thread; here that is the whole process. */
static int raw_exit(void *code)
{
	syscall(SYS_exit, (long)(intptr_t)code);
	return 100;
}

static int libc_exit(void *code)
{
	atexit(at_exit_handler);
	exit((int)(intptr_t)code);
}

static int libc_underscore_exit(void *code)
{
	atexit(at_exit_handler);
	_exit((int)(intptr_t)code);
}

static int exit_code(int status)
{
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int main(void)
{
	handler_ran = shared_page();
	if (!handler_ran)
		bail_out("no shared page");
	plan(8);
	is_long(exit_code(run_in_child(raw_exit_group, (void *)7)), 7, "exit_group(7): status 7");
	is_long(exit_code(run_in_child(raw_exit, (void *)9)), 9, "exit(9) of the only thread: status 9");
	is_long(exit_code(run_in_child(raw_exit_group, (void *)(256 + 3))), 3,
		"exit_group(259): status truncated to 3");
	is_long(exit_code(run_in_child(raw_exit_group, (void *)-1)), 255, "exit_group(-1): status 255");
	*handler_ran = 0;
	is_long(exit_code(run_in_child(libc_exit, (void *)4)), 4, "exit(4): status 4");
	is_long(*handler_ran, 1, "exit() ran the atexit handler");
	*handler_ran = 0;
	is_long(exit_code(run_in_child(libc_underscore_exit, (void *)6)), 6, "_exit(6): status 6");
	is_long(*handler_ran, 0, "_exit() skipped the atexit handler");
	return done_testing();
}
