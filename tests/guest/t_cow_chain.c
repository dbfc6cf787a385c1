/* SPDX-License-Identifier: MIT */
/*
 * Copy-on-write across three generations: a page shared by parent, child
 * and grandchild is copied for whoever writes it, the others keep theirs;
 * write-protection added after fork applies to one process only.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "suite.h"

struct report {
	int step;
	char grandchild_saw, child_saw_after, child_wrote_ro;
};

int main(void)
{
	char *page = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct report *r = shared_page();
	if (page == MAP_FAILED || !r)
		bail_out("setup failed");
	page[0] = 'P';
	page[PAGE] = 'w';

	plan(6);
	pid_t child = fork();
	if (child == 0) {
		pid_t grandchild = fork();
		if (grandchild == 0) {
			wait_for_word(&r->step, 1, 5000); /* the child has written */
			r->grandchild_saw = page[0];
			page[0] = 'G';
			r->step = 2;
			_exit(0);
		}
		page[0] = 'C';
		r->step = 1;
		wait_for_word(&r->step, 2, 5000);
		r->child_saw_after = page[0];
		wait_status(grandchild);
		/* The parent write-protects its copy; ours stays writable. */
		wait_for_word(&r->step, 3, 5000);
		r->child_wrote_ro = probe_access(page + PAGE, 1, NULL) == 0 ? 'y' : 'n';
		_exit(0);
	}
	wait_for_word(&r->step, 2, 5000);
	mprotect(page + PAGE, PAGE, PROT_READ);
	r->step = 3;
	is_long(wait_status(child), 0, "child and grandchild ran");
	is_long(r->grandchild_saw, 'P', "the grandchild saw the value from before the child's write");
	is_long(r->child_saw_after, 'C', "the child keeps its value after the grandchild's write");
	is_long(page[0], 'P', "the parent keeps the original");
	is_long(r->child_wrote_ro, 'y', "mprotect in the parent after fork leaves the child's copy writable");
	is_long(probe_access(page + PAGE, 1, NULL), SIGSEGV, "while the parent's copy is read-only");
	return done_testing();
}
