/* SPDX-License-Identifier: MIT */
/*
 * fork: the child gets a copy-on-write copy of every kind of private memory
 * (.data, .bss, stack, brk heap, anonymous mmap). Writes after the fork stay
 * in the process that made them, in both directions.
 */
#define _GNU_SOURCE
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "suite.h"

static int data_word = 1111;
static int bss_word;

/* Messages between the processes, in MAP_SHARED memory. */
struct mailbox {
	int parent_wrote;
	int child_saw;
};

int main(void)
{
	volatile int stack_word = 2222;
	char *heap = brk_grow(PAGE);
	char *anon = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct mailbox *box = shared_page();

	plan(12);
	if (!heap || anon == MAP_FAILED || !box)
		bail_out("setup failed");
	bss_word = 3333;
	memset(heap, 'h', PAGE);
	memset(anon, 'a', 4 * PAGE);

	/* Child writes everything; the parent must not see it. */
	pid_t pid = fork();
	if (pid == 0) {
		data_word = -1, bss_word = -1, stack_word = -1;
		heap[0] = 'X', anon[3 * PAGE] = 'X';
		_exit(data_word == -1 && heap[0] == 'X' ? 7 : 1);
	}
	ok(pid > 0, "fork returns the child's pid to the parent");
	int status = wait_status(pid);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 7, "child saw its own writes (%s)",
	   describe_status(status));
	is_long(data_word, 1111, "child's write to .data not seen by the parent");
	is_long(bss_word, 3333, "child's write to .bss not seen by the parent");
	is_long(stack_word, 2222, "child's write to the stack not seen by the parent");
	is_long(heap[0], 'h', "child's write to the brk heap not seen by the parent");
	is_long(anon[3 * PAGE], 'a', "child's write to anonymous memory not seen by the parent");

	/* Parent writes after the fork; the child must still see the old values. */
	pid = fork();
	if (pid == 0) {
		if (!wait_for_word(&box->parent_wrote, 1, 5000))
			_exit(2);
		box->child_saw = (data_word == 1111) | (bss_word == 3333) << 1 |
				 (stack_word == 2222) << 2 | (heap[1] == 'h') << 3 |
				 (anon[PAGE] == 'a') << 4;
		_exit(0);
	}
	data_word = 5, bss_word = 5, stack_word = 5, heap[1] = 'P', anon[PAGE] = 'P';
	box->parent_wrote = 1;
	status = wait_status(pid);
	is_long(status, 0, "second child exits 0 (%s)", describe_status(status));
	is_hex(box->child_saw & 3, 3, "parent's .data/.bss writes after fork not seen by the child");
	ok(box->child_saw & 4, "parent's stack write after fork not seen by the child");
	is_hex(box->child_saw & 0x18, 0x18, "parent's heap and mmap writes not seen by the child");
	is_long(anon[PAGE] + heap[1], 'P' + 'P', "parent keeps its own writes");
	return done_testing();
}
