/* SPDX-License-Identifier: MIT */
/*
 * getpid, getppid, gettid and friends; an orphan is re-parented when its
 * parent exits.
 */
#define _GNU_SOURCE
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "suite.h"

/* What a child and a grandchild report back. */
struct report {
	int child_pid, child_ppid, child_pgrp, child_sid, child_tid;
	int orphan_parent_before, orphan_parent_after, orphan_done;
};

int main(void)
{
	struct report *r = shared_page();
	pid_t me = getpid();
	if (!r)
		bail_out("no shared page");

	plan(11);
	ok(me > 0, "getpid() > 0");
	is_long(syscall(SYS_getpid), me, "raw getpid equals libc's");
	is_long(syscall(SYS_gettid), me, "gettid == getpid in a single-threaded process");
	ok(getppid() > 0 && getppid() != me, "getppid() is another process");

	pid_t child = fork();
	if (child == 0) {
		r->child_pid = getpid();
		r->child_ppid = getppid();
		r->child_pgrp = getpgrp();
		r->child_sid = getsid(0);
		r->child_tid = (int)syscall(SYS_gettid);
		/* A grandchild that outlives its parent. */
		if (fork() == 0) {
			r->orphan_parent_before = getppid();
			wait_for_word(&r->orphan_done, 1, 5000);
			r->orphan_parent_after = getppid();
			r->orphan_done = 2;
			_exit(0);
		}
		wait_for_word(&r->orphan_parent_before, r->child_pid, 5000);
		_exit(0);
	}
	int status = wait_status(child);
	is_long(status, 0, "child exits 0");
	is_long(r->child_pid, child, "child's getpid() is fork's return value");
	is_long(r->child_ppid, me, "child's getppid() is the parent");
	is_long(r->child_tid, child, "child's gettid() is its pid");
	ok(r->child_pgrp == getpgrp() && r->child_sid == getsid(0),
	   "child inherits the process group and session");
	/* The child has exited: its orphan gets a new parent (init or a subreaper). */
	r->orphan_done = 1;
	ok(wait_for_word(&r->orphan_done, 2, 5000), "orphan grandchild ran to the end");
	ok(r->orphan_parent_before == child && r->orphan_parent_after != child &&
		   r->orphan_parent_after > 0,
	   "orphan re-parented after its parent exited (%d then %d)", r->orphan_parent_before,
	   r->orphan_parent_after);
	return done_testing();
}
