// SPDX-License-Identifier: MIT
/*
 * System V shared memory (Linux's ipc/shm.c): a segment is a shmem file;
 * shmat maps it MAP_SHARED with vm_ops that count attachments (fork and
 * VMA splits copy them through ->open, unmapping drops them through
 * ->close). IPC_RMID hides the key and marks the segment SHM_DEST; it is
 * destroyed at its last detach. Permissions are Linux's ipcperms (owner,
 * group, others bits; root bypasses); IPC_SET, IPC_RMID and SHM_LOCK are
 * for the owner or creator.
 */
#include "errno.h"
#include "fs.h"
#include "../mm/internal.h"
#include "percpu.h"
#include "printk.h"
#include "sched.h"
#include "slab.h"
#include "string.h"
#include "syscall.h"
#include "uaccess.h"

#define IPC_PRIVATE 0
#define IPC_CREAT 01000
#define IPC_EXCL 02000
#define IPC_RMID 0
#define IPC_SET 1
#define IPC_STAT 2
#define IPC_INFO 3
#define IPC_64 0x0100
#define SHM_STAT 13
#define SHM_INFO 14
#define SHM_STAT_ANY 15
#define SHM_LOCK 11
#define SHM_UNLOCK 12
#define SHM_RDONLY 010000
#define SHM_RND 020000
#define SHM_REMAP 040000
#define SHM_EXEC 0100000
#define SHM_DEST 01000
#define SHM_LOCKED 02000
#define SHMLBA PAGE_SIZE
#define SHMMIN 1UL
#define SHMMAX (ULONG_MAX - (1UL << 24))
#define SHMMNI 4096
#define SEQ_MULTIPLIER 32768
#define ULONG_MAX (~0UL)

struct ipc64_perm {
	int32_t key;
	uint32_t uid, gid, cuid, cgid, mode;
	uint16_t seq, __pad2;
	uint64_t __unused1, __unused2;
};

struct shmid64_ds {
	struct ipc64_perm shm_perm;
	uint64_t shm_segsz;
	int64_t shm_atime, shm_dtime, shm_ctime;
	int32_t shm_cpid, shm_lpid;
	uint64_t shm_nattch;
	uint64_t __unused4, __unused5;
};

struct shmid_kernel {
	int id;          /* -1 once destroyed */
	int32_t key;     /* IPC_PRIVATE once removed */
	uint32_t mode;   /* permission bits | SHM_DEST */
	uint32_t uid, gid, cuid, cgid;
	uint64_t segsz;
	int64_t atime, dtime, ctime;
	int cpid, lpid;
	uint64_t nattch;
	uint32_t lock_uid; /* SHM_LOCKED: whose RLIMIT_MEMLOCK it is charged to */
	struct file *file;
};

static struct shmid_kernel *segments[SHMMNI];
static unsigned int shm_seq;

static int64_t now_sec(void)
{
	return (int64_t)(ktime_get_real_ns() / 1000000000ULL);
}

static struct shmid_kernel *shm_lookup(int id)
{
	if (id < 0)
		return NULL;
	unsigned int idx = id % SEQ_MULTIPLIER;
	if (idx >= SHMMNI || !segments[idx] || segments[idx]->id != id)
		return NULL;
	return segments[idx];
}

static uint64_t seg_pages(const struct shmid_kernel *shp)
{
	return PAGE_ALIGN(shp->segsz) >> PAGE_SHIFT;
}

/* Linux's in_group_p: the filesystem gid or a supplementary group. */
static bool in_group(uint32_t gid)
{
	if (current->fsgid == gid)
		return true;
	for (unsigned int i = 0; i < current->ngroups; i++)
		if (current->groups[i] == gid)
			return true;
	return false;
}

/* Linux's ipcperms: every rwx bit asked for in mode (any of the three
 * classes) must be granted by the class the caller falls in. */
static int ipcperms(const struct shmid_kernel *shp, unsigned int mode)
{
	unsigned int requested = (mode | mode >> 3 | mode >> 6) & 07;
	unsigned int granted = shp->mode;
	if (current->euid == shp->uid || current->euid == shp->cuid)
		granted >>= 6;
	else if (in_group(shp->cgid) || in_group(shp->gid))
		granted >>= 3;
	if ((requested & ~granted & 07) && !capable())
		return -EACCES;
	return 0;
}

/* IPC_SET, IPC_RMID, SHM_LOCK: the owner, the creator or root. */
static bool shm_owner(const struct shmid_kernel *shp)
{
	return current->euid == shp->uid || current->euid == shp->cuid || capable();
}

/* Pages of SHM_LOCKed segments charged to uid (Linux's per-user
 * UCOUNT_RLIMIT_MEMLOCK count). */
static uint64_t shm_locked_pages(uint32_t uid)
{
	uint64_t pages = 0;
	for (unsigned int i = 0; i < SHMMNI; i++)
		if (segments[i] && (segments[i]->mode & SHM_LOCKED) && segments[i]->lock_uid == uid)
			pages += seg_pages(segments[i]);
	return pages;
}

/* Linux's user_shm_lock: the user's locked segments stay within
 * RLIMIT_MEMLOCK unless root. */
static bool user_shm_lock(const struct shmid_kernel *shp)
{
	uint64_t limit = rlimit(RLIMIT_MEMLOCK);
	if (capable() || limit == RLIM_INFINITY)
		return true;
	return shm_locked_pages(current->uid) + seg_pages(shp) <= limit >> PAGE_SHIFT;
}

static void shm_destroy(struct shmid_kernel *shp)
{
	segments[shp->id % SEQ_MULTIPLIER] = NULL;
	fput(shp->file);
	kfree(shp);
}

static void shm_open(struct vm_area_struct *vma)
{
	struct shmid_kernel *shp = vma->vm_private_data;
	shp->nattch++;
	shp->atime = now_sec();
	shp->lpid = current->pid;
}

static void shm_close(struct vm_area_struct *vma)
{
	struct shmid_kernel *shp = vma->vm_private_data;
	shp->nattch--;
	shp->dtime = now_sec();
	shp->lpid = current ? current->pid : 0;
	if (!shp->nattch && (shp->mode & SHM_DEST))
		shm_destroy(shp);
}

/* The shmem file's own vm_ops (set by its ->mmap at the first attach):
 * faults go there. */
static const struct vm_operations_struct *shm_file_ops;

static vm_fault_t shm_fault(struct vm_fault *vmf)
{
	return shm_file_ops->fault(vmf);
}

static unsigned int shm_map_pages(struct vm_fault *vmf, uint64_t start, uint64_t end)
{
	return shm_file_ops->map_pages ? shm_file_ops->map_pages(vmf, start, end) : 0;
}

static vm_fault_t shm_page_mkwrite(struct vm_fault *vmf)
{
	return shm_file_ops->page_mkwrite ? shm_file_ops->page_mkwrite(vmf) : 0;
}

const struct vm_operations_struct shm_vm_ops = {
	.open = shm_open,
	.close = shm_close,
	.fault = shm_fault,
	.map_pages = shm_map_pages,
	.page_mkwrite = shm_page_mkwrite,
};

static int newseg(int32_t key, int shmflg, uint64_t size)
{
	if (size < SHMMIN || size > SHMMAX)
		return -EINVAL;
	unsigned int idx = 0;
	while (idx < SHMMNI && segments[idx])
		idx++;
	if (idx == SHMMNI)
		return -ENOSPC;
	struct shmid_kernel *shp = kzalloc(sizeof(*shp));
	if (!shp)
		return -ENOMEM;
	char name[32];
	snprintf(name, sizeof(name), "/SYSV%08x (deleted)", (unsigned int)key);
	shp->file = shmem_file_setup(name, size);
	if (!shp->file) {
		kfree(shp);
		return -ENOMEM;
	}
	shp->id = (int)(idx + SEQ_MULTIPLIER * (shm_seq++ % 1024));
	shp->key = key;
	shp->mode = shmflg & 0777;
	shp->uid = shp->cuid = current->euid;
	shp->gid = shp->cgid = current->egid;
	shp->segsz = size;
	shp->ctime = now_sec();
	shp->cpid = current->pid;
	segments[idx] = shp;
	return shp->id;
}

SYSCALL_DEFINE3(shmget, int32_t, key, uint64_t, size, int, shmflg)
{
	if (key != IPC_PRIVATE) {
		for (unsigned int i = 0; i < SHMMNI; i++) {
			struct shmid_kernel *shp = segments[i];
			if (!shp || shp->key != key)
				continue;
			if ((shmflg & IPC_CREAT) && (shmflg & IPC_EXCL))
				return -EEXIST;
			if (shp->segsz < size)
				return -EINVAL;
			/* the mode asked for must be granted */
			if (ipcperms(shp, shmflg & 0777))
				return -EACCES;
			return shp->id;
		}
		if (!(shmflg & IPC_CREAT))
			return -ENOENT;
	}
	return newseg(key, shmflg, size);
}

SYSCALL_DEFINE3(shmat, int, shmid, uint64_t, shmaddr, int, shmflg)
{
	struct mm_struct *mm = current->mm;
	struct shmid_kernel *shp = shm_lookup(shmid);
	unsigned long flags = MAP_SHARED;
	uint64_t addr = shmaddr;
	if (addr) {
		if (addr & (SHMLBA - 1)) {
			if (!(shmflg & SHM_RND))
				return -EINVAL;
			addr &= ~(SHMLBA - 1);
			if (!addr)
				return -EINVAL;
		}
		flags |= MAP_FIXED;
	} else if (shmflg & SHM_REMAP) {
		return -EINVAL;
	}
	if (!shp)
		return -EINVAL;
	if (ipcperms(shp, (shmflg & SHM_RDONLY ? 0444 : 0666) | (shmflg & SHM_EXEC ? 0111 : 0)))
		return -EACCES;
	unsigned long prot = PROT_READ | (shmflg & SHM_RDONLY ? 0 : PROT_WRITE) |
			     (shmflg & SHM_EXEC ? PROT_EXEC : 0);
	uint64_t size = PAGE_ALIGN(shp->segsz);
	if (addr && !(shmflg & SHM_REMAP) && find_vma_intersection(mm, addr, addr + size))
		return -EINVAL;
	/* The file is opened read-write: a read-only attach may not gain write. */
	struct file *file = shp->file;
	unsigned int saved = file->f_flags;
	if (shmflg & SHM_RDONLY)
		file->f_flags = (file->f_flags & ~O_ACCMODE) | O_RDONLY;
	shp->nattch++; /* kept alive across the mapping */
	mmap_write_lock(mm);
	long ret = do_mmap(mm, file, addr, size, prot, flags, 0);
	file->f_flags = saved;
	shp->nattch--;
	if (ret >= 0) {
		struct vm_area_struct *vma = find_vma(mm, ret);
		if (vma->vm_ops != &shm_vm_ops)
			shm_file_ops = vma->vm_ops;
		vma->vm_ops = &shm_vm_ops;
		vma->vm_private_data = shp;
		shm_open(vma);
	}
	mmap_write_unlock(mm);
	return ret;
}

SYSCALL_DEFINE1(shmdt, uint64_t, shmaddr)
{
	struct mm_struct *mm = current->mm;
	if (shmaddr & ~PAGE_MASK)
		return -EINVAL;
	/* Every piece of the attachment starting at shmaddr goes. */
	mmap_write_lock(mm);
	struct vm_area_struct *vma = find_vma(mm, shmaddr);
	struct shmid_kernel *shp = NULL;
	int found = 0;
	while (vma) {
		struct vm_area_struct *next = vma_next(mm, vma);
		if (vma->vm_ops == &shm_vm_ops && vma->vm_start - (vma->vm_pgoff << PAGE_SHIFT) == shmaddr &&
		    (!shp || vma->vm_private_data == shp)) {
			shp = vma->vm_private_data;
			uint64_t end = shmaddr + PAGE_ALIGN(shp->segsz);
			if (vma->vm_start >= end)
				break;
			do_munmap(mm, vma->vm_start, vma->vm_end - vma->vm_start);
			found++;
		} else if (shp) {
			break;
		}
		vma = next;
	}
	mmap_write_unlock(mm);
	return found ? 0 : -EINVAL;
}

static void fill_ds(const struct shmid_kernel *shp, struct shmid64_ds *ds)
{
	*ds = (struct shmid64_ds){
		.shm_perm = {.key = shp->key, .uid = shp->uid, .gid = shp->gid, .cuid = shp->cuid,
			     .cgid = shp->cgid, .mode = shp->mode, .seq = (uint16_t)(shp->id / SEQ_MULTIPLIER)},
		.shm_segsz = shp->segsz,
		.shm_atime = shp->atime,
		.shm_dtime = shp->dtime,
		.shm_ctime = shp->ctime,
		.shm_cpid = shp->cpid,
		.shm_lpid = shp->lpid,
		.shm_nattch = shp->nattch,
	};
}

SYSCALL_DEFINE3(shmctl, int, shmid, int, cmd, uint64_t, buf)
{
	cmd &= ~IPC_64;
	struct shmid64_ds ds;
	if (cmd == IPC_INFO || cmd == SHM_INFO) {
		/* struct shminfo64 (shmmax, shmmin, shmmni, shmseg, shmall,
		 * 4 unused: 72 bytes) or struct shm_info (int used_ids, then
		 * shm_tot, shm_rss, shm_swp, swap_attempts, swap_successes in
		 * pages: 48 bytes). Returns the highest index in use. */
		uint64_t info[9] = {0};
		uint64_t used = 0, tot = 0, rss = 0;
		int max = 0;
		for (unsigned int i = 0; i < SHMMNI; i++) {
			if (!segments[i])
				continue;
			max = i;
			used++;
			tot += seg_pages(segments[i]);
			rss += segments[i]->file->f_mapping->nrpages;
		}
		size_t len;
		if (cmd == IPC_INFO) {
			info[0] = SHMMAX;
			info[1] = SHMMIN;
			info[2] = SHMMNI;
			info[3] = SHMMNI;
			info[4] = ULONG_MAX - (1UL << 24);
			len = 9 * sizeof(uint64_t);
		} else {
			info[0] = used; /* the int used_ids, little-endian, then padding */
			info[1] = tot;
			info[2] = rss;
			len = 6 * sizeof(uint64_t);
		}
		if (copy_to_user(buf, info, len))
			return -EFAULT;
		return max;
	}
	if (cmd == SHM_STAT || cmd == SHM_STAT_ANY) {
		if (shmid < 0 || shmid >= SHMMNI || !segments[shmid])
			return -EINVAL;
		if (cmd == SHM_STAT && ipcperms(segments[shmid], 0444))
			return -EACCES;
		fill_ds(segments[shmid], &ds);
		if (copy_to_user(buf, &ds, sizeof(ds)))
			return -EFAULT;
		return segments[shmid]->id;
	}
	if (cmd == IPC_SET && copy_from_user(&ds, buf, sizeof(ds)))
		return -EFAULT;
	struct shmid_kernel *shp = shm_lookup(shmid);
	switch (cmd) {
	case IPC_STAT:
		if (!shp)
			return -EINVAL;
		if (ipcperms(shp, 0444))
			return -EACCES;
		fill_ds(shp, &ds);
		return copy_to_user(buf, &ds, sizeof(ds)) ? -EFAULT : 0;
	case IPC_SET:
		if (!shp)
			return -EINVAL;
		if (!shm_owner(shp))
			return -EPERM;
		/* (uid_t)-1 is no user */
		if (ds.shm_perm.uid == (uint32_t)-1 || ds.shm_perm.gid == (uint32_t)-1)
			return -EINVAL;
		shp->uid = ds.shm_perm.uid;
		shp->gid = ds.shm_perm.gid;
		shp->mode = (shp->mode & ~0777u) | (ds.shm_perm.mode & 0777);
		shp->ctime = now_sec();
		return 0;
	case IPC_RMID:
		if (!shp)
			return -EINVAL;
		if (!shm_owner(shp))
			return -EPERM;
		shp->mode |= SHM_DEST;
		shp->key = IPC_PRIVATE;
		if (!shp->nattch)
			shm_destroy(shp);
		return 0;
	case SHM_LOCK:
	case SHM_UNLOCK:
		if (!shp)
			return -EINVAL;
		if (!capable()) {
			if (current->euid != shp->uid && current->euid != shp->cuid)
				return -EPERM;
			if (cmd == SHM_LOCK && !can_do_mlock())
				return -EPERM;
		}
		if (cmd == SHM_UNLOCK) {
			shp->mode &= ~SHM_LOCKED;
			return 0;
		}
		if (shp->mode & SHM_LOCKED)
			return 0;
		if (!user_shm_lock(shp))
			return -ENOMEM;
		shp->mode |= SHM_LOCKED;
		shp->lock_uid = current->uid;
		return 0;
	}
	return -EINVAL;
}
