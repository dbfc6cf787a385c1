/* SPDX-License-Identifier: MIT */
/*
 * Process groups: setpgid/getpgid, kill of a whole group, and the errors.
 * Only children change groups, so the runner's own group is left alone.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "suite.h"

struct shared {
	int leader_ok, member_joined, in_new_session;
};

static void park(void)
{
	for (;;)
		pause();
}

int main(void)
{
	struct shared *s = shared_page();
	int status;
	if (!s)
		bail_out("no shared page");

	plan(13);
	/* A child that makes itself a group leader. */
	pid_t leader = fork();
	if (leader == 0) {
		s->leader_ok = setpgid(0, 0) == 0 && getpgrp() == getpid() && getpgid(0) == getpid();
		s->leader_ok += 1;
		park();
	}
	ok(wait_for_word(&s->leader_ok, 2, 5000), "child: setpgid(0, 0) made it the leader");
	is_long(getpgid(leader), leader, "parent sees getpgid(child) == child");
	ok(getpgid(0) != leader, "parent's own group unchanged");

	/* The parent moves a second child into the first one's group. */
	pid_t member = fork();
	if (member == 0) {
		wait_for_word(&s->member_joined, 1, 5000);
		park();
	}
	is_long(setpgid(member, leader), 0, "parent: setpgid(member, leader)");
	s->member_joined = 1;
	is_long(getpgid(member), leader, "member is in the leader's group");
	is_errno(setpgid(member, -1), EINVAL, "negative pgid: EINVAL");
	pid_t gone = fork();
	if (gone == 0)
		_exit(0);
	wait_status(gone);
	is_errno(setpgid(member, gone), EPERM, "a group that does not exist: EPERM");

	/* kill(-pgid) reaches every member. */
	is_long(kill(-leader, SIGTERM), 0, "kill(-pgid, SIGTERM)");
	int a = wait_status(leader), b = wait_status(member);
	ok(WIFSIGNALED(a) && WTERMSIG(a) == SIGTERM && WIFSIGNALED(b) && WTERMSIG(b) == SIGTERM,
	   "both members died of SIGTERM (%s and ...)", describe_status(a));

	is_errno(getpgid(leader), ESRCH, "getpgid of a reaped process: ESRCH");
	is_errno(setpgid(leader, 0), ESRCH, "setpgid of a reaped process: ESRCH");

	/* A child in a session of its own cannot be moved by its parent. */
	pid_t loner = fork();
	if (loner == 0) {
		s->in_new_session = setsid() == getpid() ? 1 : 2;
		park();
	}
	wait_for_word(&s->in_new_session, 1, 5000);
	is_long(s->in_new_session, 1, "child: setsid() made a new session");
	is_errno(setpgid(loner, loner), EPERM, "setpgid of a child in another session: EPERM");
	kill(loner, SIGKILL);
	status = wait_status(loner);
	(void)status;
	return done_testing();
}
