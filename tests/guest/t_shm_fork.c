/* SPDX-License-Identifier: MIT */
/* SysV shared memory between parent and child: coherent in both directions. */
#define _GNU_SOURCE
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#include "suite.h"

struct box {
	int parent_word, child_word, step;
};

int main(void)
{
	struct shmid_ds ds;
	int id = shmget(IPC_PRIVATE, PAGE, IPC_CREAT | 0600);
	struct box *box = shmat(id, NULL, 0);
	if (id < 0 || box == (void *)-1)
		bail_out("shmget/shmat failed");
	shmctl(id, IPC_RMID, NULL); /* gone once both have detached */

	plan(6);
	pid_t child = fork();
	if (child == 0) {
		box->child_word = 42;
		box->step = 1;
		if (!wait_for_word(&box->step, 2, 5000))
			_exit(2);
		/* Its own, second attachment sees the same memory. */
		struct box *again = shmat(id, NULL, 0);
		int ok_again = again != (void *)-1 && again->parent_word == 99;
		_exit(box->parent_word == 99 && ok_again ? 0 : 1);
	}
	ok(wait_for_word(&box->step, 1, 5000), "the child signalled through the segment");
	is_long(box->child_word, 42, "the parent sees the child's write");
	shmctl(id, IPC_STAT, &ds);
	is_long(ds.shm_nattch, 2, "nattch 2 with the child attached");
	box->parent_word = 99;
	box->step = 2;
	int status = wait_status(child);
	is_long(status, 0, "the child saw the parent's write, also through a new shmat");
	shmctl(id, IPC_STAT, &ds);
	is_long(ds.shm_nattch, 1, "the child's exit detached it (nattch 1)");
	is_long(shmdt(box), 0, "the last detach");
	return done_testing();
}
