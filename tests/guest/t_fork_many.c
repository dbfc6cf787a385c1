/* SPDX-License-Identifier: MIT */
/*
 * Many processes: 16 children at once with distinct statuses, a chain of
 * nested forks, and fork of a process with dirty private memory.
 */
#define _GNU_SOURCE
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "suite.h"

#define CHILDREN 16

/* Each level forks the next and exits with its child's status + 1. */
static int chain(int depth)
{
	if (depth == 0)
		return 0;
	pid_t pid = fork();
	if (pid == 0)
		_exit(chain(depth - 1));
	int status = wait_status(pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) + 1 : 100;
}

int main(void)
{
	pid_t pids[CHILDREN];
	int seen[CHILDREN] = {0}, all_ok = 1;
	char *memory = mmap(NULL, 64 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(memory, 'm', 64 * PAGE);

	plan(6);
	for (int i = 0; i < CHILDREN; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			/* Each child dirties the memory its own way. */
			memset(memory, 'a' + i, 64 * PAGE);
			_exit(memory[63 * PAGE] == 'a' + i ? 10 + i : 1);
		}
		all_ok &= pids[i] > 0;
	}
	ok(all_ok, "16 forks succeed");
	int reaped = 0, statuses_ok = 1;
	for (int i = 0; i < CHILDREN; i++) {
		int status;
		pid_t pid = wait4(-1, &status, 0, NULL);
		for (int j = 0; j < CHILDREN; j++)
			if (pid == pids[j]) {
				reaped++;
				seen[j]++;
				statuses_ok &= WIFEXITED(status) && WEXITSTATUS(status) == 10 + j;
			}
	}
	is_long(reaped, CHILDREN, "wait4(-1) reaps all 16");
	ok(statuses_ok, "each with its own exit status (each saw its own memory)");
	int once = 1;
	for (int j = 0; j < CHILDREN; j++)
		once &= seen[j] == 1;
	ok(once, "every child reaped exactly once");
	ok(memory[0] == 'm' && memory[64 * PAGE - 1] == 'm', "the parent's memory untouched");
	is_long(chain(8), 8, "a chain of 8 nested forks passes statuses up");
	return done_testing();
}
