/* SPDX-License-Identifier: MIT */
/* System V shared memory: shmget, shmat, shmdt, shmctl(IPC_STAT) and the errors. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <unistd.h>

#include "suite.h"

int main(void)
{
	struct shmid_ds ds;
	struct vma vma;
	char want_path[64];
	/* A key of our own, so parallel runs do not collide. */
	key_t key = 0x55000000 | (getpid() & 0xffffff);

	plan(18);
	int id = shmget(key, 2 * PAGE, IPC_CREAT | IPC_EXCL | 0600);
	ok(id >= 0, "shmget creates a 2-page segment");
	char *a = shmat(id, NULL, 0);
	ok(a != (void *)-1 && (unsigned long)a % PAGE == 0, "shmat attaches it, page-aligned");
	ok(a[0] == 0 && a[2 * PAGE - 1] == 0, "a new segment is zero");
	memcpy(a, "sysv", 4);
	is_long(shmctl(id, IPC_STAT, &ds), 0, "IPC_STAT");
	ok(ds.shm_segsz == 2 * PAGE && ds.shm_nattch == 1 && ds.shm_cpid == getpid(),
	   "shm_segsz 8192, shm_nattch 1, shm_cpid us");
	ok((ds.shm_perm.mode & 0777) == 0600 && ds.shm_perm.__key == key, "mode 0600 and our key");

	char *b = shmat(id, NULL, 0);
	ok(b != (void *)-1 && b != a && !memcmp(b, "sysv", 4), "a second attach aliases the first");
	shmctl(id, IPC_STAT, &ds);
	is_long(ds.shm_nattch, 2, "shm_nattch 2");
	snprintf(want_path, sizeof(want_path), "/SYSV%08x (deleted)", (unsigned)key);
	ok(maps_find(a, &vma) && !strcmp(vma.perms, "rw-s") && !strcmp(vma.path, want_path),
	   "maps: rw-s '%s' ('%s')", want_path, vma.path);
	char *ro = shmat(id, NULL, SHM_RDONLY);
	ok(ro != (void *)-1 && probe_access(ro, 1, NULL) == SIGSEGV && ro[0] == 's',
	   "SHM_RDONLY: readable, writes fault");

	is_long(shmdt(b), 0, "shmdt");
	is_errno(shmdt(b), EINVAL, "shmdt of an address not attached: EINVAL");
	is_long(shmget(key, 2 * PAGE, 0600), id, "shmget of the key finds the segment");
	is_errno(shmget(key, 2 * PAGE, IPC_CREAT | IPC_EXCL | 0600), EEXIST, "IPC_CREAT | IPC_EXCL again: EEXIST");
	is_errno(shmget(key, 4 * PAGE, 0600), EINVAL, "asking for more than its size: EINVAL");
	is_errno(shmget(key ^ 0x00800000, PAGE, 0600), ENOENT, "a key with no segment: ENOENT");
	is_errno((long)shmat(-1, NULL, 0), EINVAL, "shmat of id -1: EINVAL");
	is_errno(shmctl(id, 12345, &ds), EINVAL, "unknown shmctl command: EINVAL");
	shmdt(a);
	shmdt(ro);
	shmctl(id, IPC_RMID, NULL);
	return done_testing();
}
