/* SPDX-License-Identifier: MIT */
/*
 * Memory shared across fork: MAP_SHARED anonymous memory and a MAP_SHARED
 * file in /dev/shm are coherent both ways; MAP_PRIVATE memory is not shared.
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "suite.h"

struct box {
	int step, from_child, from_parent, child_saw;
};

/* The child writes, waits for the parent's write, reports what it saw. */
static int child_side(void *arg)
{
	struct box *box = arg;
	box->from_child = 1234;
	box->step = 1;
	if (!wait_for_word(&box->step, 2, 5000))
		return 2;
	box->child_saw = box->from_parent;
	return 0;
}

/* 3 checks for one kind of memory. */
static void check(struct box *box, const char *what)
{
	pid_t pid = fork();
	if (pid == 0)
		_exit(child_side(box));
	wait_for_word(&box->step, 1, 5000);
	is_long(box->from_child, 1234, "%s: the parent sees the child's write", what);
	box->from_parent = 5678;
	box->step = 2;
	is_long(wait_status(pid), 0, "%s: the child ran to the end", what);
	is_long(box->child_saw, 5678, "%s: the child saw the parent's write", what);
}

int main(void)
{
	char path[128];
	scratch_path(path, sizeof(path), "/dev/shm", "shared");
	int fd = make_file(path, PAGE, 0);
	struct box *file = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	struct box *anon = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct box *priv = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fd < 0 || file == MAP_FAILED || anon == MAP_FAILED || priv == MAP_FAILED)
		bail_out("setup failed");
	*file = (struct box){0};

	plan(8);
	check(anon, "MAP_SHARED anonymous");
	check(file, "MAP_SHARED /dev/shm file");
	pid_t pid = fork();
	if (pid == 0) {
		priv->from_child = 1;
		_exit(0);
	}
	is_long(wait_status(pid), 0, "a child writes MAP_PRIVATE memory");
	is_long(priv->from_child, 0, "the parent does not see it");
	close(fd);
	unlink(path);
	return done_testing();
}
