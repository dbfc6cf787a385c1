/* SPDX-License-Identifier: MIT */
/*
 * System V shared memory ownership and permissions: IPC_INFO and SHM_INFO
 * (sizes and usage), the creator's ids in IPC_STAT, EACCES from shmget,
 * shmat and IPC_STAT by the mode bits (owner, group, others; root passes),
 * IPC_SET, EPERM for a caller who is neither owner nor creator, SHM_LOCK
 * against RLIMIT_MEMLOCK.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "suite.h"

#define NOBODY 65534
#define SHMINFO_SIZE 72 /* struct shminfo64: 9 unsigned longs */
#define SHM_INFO_SIZE 48 /* struct shm_info: an int, padding, 5 unsigned longs */

struct shminfo64_raw {
	unsigned long shmmax, shmmin, shmmni, shmseg, shmall, unused[4];
};

static long sys_shmctl(int id, int cmd, void *buf)
{
	return syscall(SYS_shmctl, id, cmd, buf);
}

/* 0, or the errno of a failed call. */
static int err_of(long ret)
{
	return ret == -1 ? errno : 0;
}

static int seg_mode(int id)
{
	struct shmid_ds ds;
	return shmctl(id, IPC_STAT, &ds) ? -1 : (int)(ds.shm_perm.mode & 0777);
}

static int set_perm(int id, uid_t uid, gid_t gid, int mode)
{
	struct shmid_ds ds;
	/* IPC_SET reads only these (no IPC_STAT first: it may be denied) */
	memset(&ds, 0, sizeof(ds));
	ds.shm_perm.uid = uid;
	ds.shm_perm.gid = gid;
	ds.shm_perm.mode = mode;
	return shmctl(id, IPC_SET, &ds);
}

/* Root only: what nobody (uid and gid 65534, no other groups) gets from
 * the segment; the errnos go to res[]. */
struct as_nobody {
	int id;
	key_t key;
	volatile int *res;
};

static int nobody_tries(void *arg)
{
	struct as_nobody *a = arg;
	struct shmid_ds ds;
	if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
		return 1;
	a->res[0] = err_of(shmctl(a->id, IPC_STAT, &ds));
	void *p = shmat(a->id, NULL, 0);
	a->res[1] = err_of((long)p);
	if (p != (void *)-1)
		shmdt(p);
	p = shmat(a->id, NULL, SHM_RDONLY);
	a->res[2] = err_of((long)p);
	if (p != (void *)-1)
		shmdt(p);
	a->res[3] = err_of(shmget(a->key, PAGE, 0600));
	memset(&ds, 0, sizeof(ds));
	ds.shm_perm.uid = NOBODY;
	ds.shm_perm.gid = NOBODY;
	ds.shm_perm.mode = 0666;
	a->res[4] = err_of(shmctl(a->id, IPC_SET, &ds));
	a->res[5] = err_of(shmctl(a->id, SHM_LOCK, NULL));
	a->res[6] = err_of(shmctl(a->id, SHM_UNLOCK, NULL));
	a->res[7] = err_of(shmctl(a->id, IPC_RMID, NULL));
	return 0;
}

int main(void)
{
	unsigned char buf[128];
	struct shmid_ds ds;
	int root = is_root();

	plan(40);

	/* IPC_INFO: 72 bytes, no more. */
	memset(buf, 0xa5, sizeof(buf));
	ok(sys_shmctl(0, IPC_INFO, buf) >= 0, "IPC_INFO");
	int intact = 1;
	for (size_t i = SHMINFO_SIZE; i < sizeof(buf); i++)
		intact &= buf[i] == 0xa5;
	ok(intact, "IPC_INFO writes only struct shminfo64 (bytes %d.. untouched)", SHMINFO_SIZE);
	struct shminfo64_raw si;
	memcpy(&si, buf, sizeof(si));
	ok(si.shmmin >= 1 && si.shmmax >= si.shmmin && si.shmmni > 0 && si.shmseg > 0 && si.shmall > 0,
	   "IPC_INFO limits are sane (shmmax %lu shmmin %lu shmmni %lu shmseg %lu shmall %lu)",
	   si.shmmax, si.shmmin, si.shmmni, si.shmseg, si.shmall);

	/* A segment of our own: SHM_INFO counts it, IPC_STAT shows us. */
	int id = shmget(IPC_PRIVATE, 2 * PAGE, IPC_CREAT | 0640);
	char *a = id >= 0 ? shmat(id, NULL, 0) : (void *)-1;
	if (id < 0 || a == (void *)-1)
		bail_out("shmget/shmat of a 0640 segment failed");
	a[0] = 1;
	memset(buf, 0xa5, sizeof(buf));
	long maxidx = sys_shmctl(0, SHM_INFO, buf);
	ok(maxidx >= (id & 0x7fff), "SHM_INFO returns the highest index in use (%ld, ours %d)", maxidx,
	   id & 0x7fff);
	struct shm_info sinfo;
	memcpy(&sinfo, buf, sizeof(sinfo));
	ok(sinfo.used_ids >= 1, "SHM_INFO used_ids counts our segment (%d)", sinfo.used_ids);
	ok(sinfo.shm_tot >= 2, "SHM_INFO shm_tot counts its 2 pages (%lu)", sinfo.shm_tot);
	ok(sinfo.shm_rss >= 1, "SHM_INFO shm_rss counts its touched page (%lu)", sinfo.shm_rss);
	intact = 1;
	for (size_t i = SHM_INFO_SIZE; i < sizeof(buf); i++)
		intact &= buf[i] == 0xa5;
	ok(intact, "SHM_INFO writes only struct shm_info (bytes %d.. untouched)", SHM_INFO_SIZE);
	shmdt(a);

	is_long(shmctl(id, IPC_STAT, &ds), 0, "IPC_STAT of our segment");
	ok(ds.shm_perm.uid == geteuid() && ds.shm_perm.cuid == geteuid(), "uid and cuid are our euid (%u %u, want %u)",
	   ds.shm_perm.uid, ds.shm_perm.cuid, geteuid());
	ok(ds.shm_perm.gid == getegid() && ds.shm_perm.cgid == getegid(), "gid and cgid are our egid (%u %u, want %u)",
	   ds.shm_perm.gid, ds.shm_perm.cgid, getegid());
	is_long(ds.shm_perm.mode & 0777, 0640, "mode is the 0640 we gave");

	/* IPC_SET: the low 9 mode bits, uid and gid; shm_ctime. */
	time_t ctime0 = ds.shm_ctime;
	is_long(set_perm(id, geteuid(), getegid(), 0600 | 07000), 0, "IPC_SET by the creator");
	shmctl(id, IPC_STAT, &ds);
	ok((ds.shm_perm.mode & 0777) == 0600 && !(ds.shm_perm.mode & SHM_LOCKED) && ds.shm_ctime >= ctime0,
	   "IPC_SET set the mode to 0600 (only the permission bits) and shm_ctime");
	is_errno(set_perm(id, (uid_t)-1, getegid(), 0600), EINVAL, "IPC_SET of uid -1: EINVAL");
	is_errno(set_perm(id, geteuid(), (gid_t)-1, 0600), EINVAL, "IPC_SET of gid -1: EINVAL");

	/* The creator keeps control after giving the segment away. */
	uid_t other = geteuid() == NOBODY ? NOBODY - 1 : NOBODY;
	is_long(set_perm(id, other, getegid(), 0600), 0, "IPC_SET: uid to %u", other);
	shmctl(id, IPC_STAT, &ds);
	ok(ds.shm_perm.uid == other && ds.shm_perm.cuid == geteuid(), "uid %u, cuid still ours", ds.shm_perm.uid);
	is_long(seg_mode(id), 0600, "the creator still passes owner permission checks (IPC_STAT)");
	is_long(shmctl(id, IPC_RMID, NULL), 0, "the creator may IPC_RMID a segment it gave away");

	/* A 0400 segment: read-only even for its owner, unless root. */
	key_t key = 0x57000000 | (getpid() & 0xffffff);
	int ro = shmget(key, PAGE, IPC_CREAT | IPC_EXCL | 0400);
	ok(ro >= 0, "shmget creates a 0400 segment");
	void *p = shmat(ro, NULL, 0);
	if (root)
		ok(p != (void *)-1, "root: shmat for writing of a 0400 segment succeeds");
	else
		is_errno((long)p, EACCES, "shmat for writing of a 0400 segment: EACCES");
	if (p != (void *)-1)
		shmdt(p);
	p = shmat(ro, NULL, SHM_RDONLY);
	ok(p != (void *)-1, "shmat(SHM_RDONLY) of a 0400 segment succeeds");
	if (p != (void *)-1)
		shmdt(p);
	if (root)
		is_long(shmget(key, PAGE, 0600), ro, "root: shmget of the 0400 key asking 0600 succeeds");
	else
		is_errno(shmget(key, PAGE, 0600), EACCES, "shmget of the 0400 key asking 0600: EACCES");
	ok(shmget(key, PAGE, 0400) == ro && shmget(key, PAGE, 0) == ro, "shmget asking 0400 or 0 finds it");
	is_long(set_perm(ro, geteuid(), getegid(), 0200), 0, "IPC_SET to 0200 (write only)");
	if (root)
		is_long(shmctl(ro, IPC_STAT, &ds), 0, "root: IPC_STAT of a 0200 segment succeeds");
	else
		is_errno(shmctl(ro, IPC_STAT, &ds), EACCES, "IPC_STAT without read permission: EACCES");
	is_long(set_perm(ro, geteuid(), getegid(), 0600), 0, "IPC_SET back to 0600");
	p = shmat(ro, NULL, 0);
	ok(p != (void *)-1, "after IPC_SET to 0600, shmat for writing succeeds");
	if (p != (void *)-1)
		shmdt(p);

	/* SHM_LOCK: needs a non-zero RLIMIT_MEMLOCK (root excepted) and stays within it. */
	struct rlimit old;
	getrlimit(RLIMIT_MEMLOCK, &old);
	struct rlimit lim = old;
	lim.rlim_cur = 0;
	setrlimit(RLIMIT_MEMLOCK, &lim);
	long r = shmctl(ro, SHM_LOCK, NULL);
	if (root)
		is_long(r, 0, "root: SHM_LOCK with RLIMIT_MEMLOCK 0 succeeds");
	else
		is_errno(r, EPERM, "SHM_LOCK with RLIMIT_MEMLOCK 0: EPERM");
	is_long(shmctl(ro, SHM_UNLOCK, NULL), 0, "SHM_UNLOCK needs no limit");
	int big = shmget(IPC_PRIVATE, 2 * PAGE, IPC_CREAT | 0600);
	lim.rlim_cur = PAGE;
	setrlimit(RLIMIT_MEMLOCK, &lim);
	r = shmctl(big, SHM_LOCK, NULL);
	if (root)
		is_long(r, 0, "root: SHM_LOCK of 2 pages over a 1-page RLIMIT_MEMLOCK succeeds");
	else
		is_errno(r, ENOMEM, "SHM_LOCK of 2 pages over a 1-page RLIMIT_MEMLOCK: ENOMEM");
	shmctl(big, SHM_UNLOCK, NULL);
	shmctl(big, IPC_RMID, NULL);
	setrlimit(RLIMIT_MEMLOCK, &old);
	if (old.rlim_cur >= PAGE) {
		is_long(shmctl(ro, SHM_LOCK, NULL), 0, "SHM_LOCK within RLIMIT_MEMLOCK");
		shmctl(ro, IPC_STAT, &ds);
		ok(ds.shm_perm.mode & SHM_LOCKED, "IPC_STAT shows SHM_LOCKED");
		shmctl(ro, SHM_UNLOCK, NULL);
		shmctl(ro, IPC_STAT, &ds);
		ok(!(ds.shm_perm.mode & SHM_LOCKED), "SHM_UNLOCK clears it");
	} else {
		skip(3, "RLIMIT_MEMLOCK is below a page");
	}

	/* Someone else: others' bits decide, and no control (root's child as nobody). */
	if (root) {
		volatile int *res = shared_page();
		set_perm(ro, 0, 0, 0604);
		struct as_nobody arg = {ro, key, res};
		int status = res ? run_in_child(nobody_tries, &arg) : -1;
		ok(status == 0 && res[0] == 0 && res[2] == 0,
		   "others' r bit (0604): nobody may IPC_STAT and shmat(SHM_RDONLY) (%s, %s, %s)",
		   describe_status(status), errno_name(res[0]), errno_name(res[2]));
		ok(status == 0 && res[1] == EACCES && res[3] == EACCES,
		   "but not shmat for writing or shmget asking 0600: EACCES (%s, %s)", errno_name(res[1]),
		   errno_name(res[3]));
		ok(status == 0 && res[4] == EPERM && res[5] == EPERM && res[6] == EPERM && res[7] == EPERM,
		   "nor IPC_SET, SHM_LOCK, SHM_UNLOCK, IPC_RMID: EPERM (%s %s %s %s)", errno_name(res[4]),
		   errno_name(res[5]), errno_name(res[6]), errno_name(res[7]));
		set_perm(ro, 0, NOBODY, 0640);
		memset((void *)res, 0xff, 8 * sizeof(int));
		status = run_in_child(nobody_tries, &arg);
		ok(status == 0 && res[0] == 0 && res[1] == EACCES && res[4] == EPERM,
		   "group bits (0640, gid nobody): IPC_STAT yes, write attach EACCES, IPC_SET EPERM (%s %s %s)",
		   errno_name(res[0]), errno_name(res[1]), errno_name(res[4]));
		ok(seg_mode(ro) == 0640, "the segment survived");
	} else {
		skip(5, "needs root to act as another user");
	}
	shmctl(ro, IPC_RMID, NULL);
	return done_testing();
}
