/* SPDX-License-Identifier: MIT */
/*
 * IPC_RMID: a removed segment lives until its last detach, including a
 * child's inherited attachment; then its id is invalid.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#include "suite.h"

int main(void)
{
	struct shmid_ds ds;
	volatile int *flag = shared_page();
	key_t key = 0x56000000 | (getpid() & 0xffffff);
	int id = shmget(key, PAGE, IPC_CREAT | IPC_EXCL | 0600);
	char *a = shmat(id, NULL, 0);
	if (id < 0 || a == (void *)-1 || !flag)
		bail_out("shmget/shmat failed");
	strcpy(a, "alive");

	plan(11);
	/* A child inherits the attachment and outlives the parent's detach. */
	pid_t child = fork();
	if (child == 0) {
		wait_for_word(flag, 1, 5000);
		_exit(strcmp(a, "alive") == 0 && strcpy(a + 100, "child wrote") ? 0 : 1);
	}
	shmctl(id, IPC_STAT, &ds);
	is_long(ds.shm_nattch, 2, "the child's inherited attachment counts (nattch 2)");
	is_long(shmctl(id, IPC_RMID, NULL), 0, "IPC_RMID while attached");
	is_long(a[0], 'a', "the memory is still there");
	ok(shmctl(id, IPC_STAT, &ds) == 0 && (ds.shm_perm.mode & SHM_DEST), "IPC_STAT still works, SHM_DEST set");
	is_errno(shmget(key, PAGE, 0600), ENOENT, "the key no longer finds it");
	int other = shmget(key, PAGE, IPC_CREAT | IPC_EXCL | 0600);
	ok(other >= 0 && other != id, "the key can be used for a new segment");
	shmctl(other, IPC_RMID, NULL);

	is_long(shmdt(a), 0, "the parent detaches");
	ok(shmctl(id, IPC_STAT, &ds) == 0 && ds.shm_nattch == 1, "the child's attachment keeps it alive");
	*flag = 1;
	int status = wait_status(child);
	is_long(status, 0, "the child still used it after the parent's detach");
	is_errno(shmctl(id, IPC_STAT, &ds), EINVAL, "after the last detach the id is gone: EINVAL");
	is_errno((long)shmat(id, NULL, 0), EINVAL, "shmat of it: EINVAL");
	return done_testing();
}
