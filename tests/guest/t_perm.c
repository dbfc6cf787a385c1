/* SPDX-License-Identifier: MIT */
/*
 * File permissions: the creator owns what it makes; open, truncate, access,
 * execve, chdir and the directory calls check the owner/group/other bits
 * (EACCES), chmod only for the owner (EPERM), /proc/sys writes by mode.
 * Root's override: reading and writing always pass, executing needs an x
 * bit. What needs two users (another's file, the sticky bit) is not tested.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "suite.h"

static int root;

/* Root passes, others get EACCES (or EPERM). */
static void denied(long ret, int err, const char *what)
{
	if (root)
		is_success(ret, "root: %s", what);
	else
		is_errno(ret, err, "%s: %s", what, err == EACCES ? "EACCES" : "EPERM");
	if (ret >= 0 && strncmp(what, "open", 4) == 0)
		close((int)ret);
}

static int try_chdir(void *arg)
{
	return chdir(arg) == 0 ? 0 : errno;
}

/* Child: a copy of this program, mode 0700, exec'd by its owner. */
static int exec_own_0700(void *arg)
{
	char *argv[] = {arg, "exit42", NULL}, *envp[] = {NULL};
	execve(arg, argv, envp);
	return errno == EACCES ? 13 : 1;
}

/* A 0700 copy of /proc/self/exe at path; 0 when made. */
static int copy_self(const char *path)
{
	static char buf[1 << 16];
	int in = open("/proc/self/exe", O_RDONLY), out = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0700);
	ssize_t n;
	if (in < 0 || out < 0)
		return -1;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			return -1;
	close(in);
	return close(out) || n < 0 ? -1 : 0;
}

int main(int argc, char **main_argv)
{
	char f[128], d[128], dx[160], dy[160], dz[160], dw[160];
	struct stat st;
	root = is_root();
	umask(022);
	scratch_path(f, sizeof(f), "/tmp", "perm");
	scratch_path(d, sizeof(d), "/tmp", "permdir");
	snprintf(dx, sizeof(dx), "%s/x", d);
	snprintf(dy, sizeof(dy), "%s/y", d);
	snprintf(dz, sizeof(dz), "%s/z", d);
	snprintf(dw, sizeof(dw), "%s/w", d);

	if (argc > 1 && !strcmp(main_argv[1], "exit42"))
		return 42;
	plan(34);

	/* The creator owns its files, directories and memfds. */
	int fd = make_file(f, 100, 3);
	close(fd);
	ok(stat(f, &st) == 0 && st.st_uid == geteuid() && st.st_gid == getegid(),
	   "a new file is owned by the creator's uid and gid");
	ok(mkdir(d, 0700) == 0 && stat(d, &st) == 0 && st.st_uid == geteuid(),
	   "a new directory is owned by the creator");
	int mfd = memfd_create("umbra-perm", 0);
	ok(mfd >= 0 && fstat(mfd, &st) == 0 && st.st_uid == geteuid() && st.st_gid == getegid(),
	   "a memfd is owned by the creator");
	is_long(fchmod(mfd, 0600), 0, "fchmod of one's own memfd");
	close(mfd);

	/* Mode 0: no rights, even for the owner; root reads and writes. */
	chmod(f, 0);
	denied(open(f, O_RDONLY), EACCES, "open O_RDONLY of a 0000 file");
	denied(open(f, O_WRONLY), EACCES, "open O_WRONLY of a 0000 file");
	denied(access(f, R_OK | W_OK), EACCES, "access R_OK|W_OK of a 0000 file");
	is_errno(access(f, X_OK), EACCES, "access X_OK without an x bit: EACCES (root too)");
	is_long(access(f, F_OK), 0, "access F_OK needs no permission");

	/* Read-only: no writing, no truncating. */
	chmod(f, 0444);
	fd = open(f, O_RDONLY);
	ok(fd >= 0, "open O_RDONLY of a 0444 file");
	close(fd);
	denied(open(f, O_WRONLY), EACCES, "open O_WRONLY of a 0444 file");
	denied(open(f, O_RDWR), EACCES, "open O_RDWR of a 0444 file");
	denied(open(f, O_RDONLY | O_TRUNC), EACCES, "open O_RDONLY|O_TRUNC of a 0444 file");
	denied(truncate(f, 10), EACCES, "truncate of a 0444 file");

	/* The owner's bits apply to the owner even when the group's allow more. */
	chmod(f, 0077);
	denied(open(f, O_RDONLY), EACCES, "open O_RDONLY of a 0077 file by its owner");

	/* execve needs an x bit and a regular file (root too). */
	chmod(f, 0644);
	char *argv[] = {f, NULL}, *envp[] = {NULL};
	is_errno(execve(f, argv, envp), EACCES, "execve of a 0644 file: EACCES");
	is_errno(execve("/tmp", argv, envp), EACCES, "execve of a directory: EACCES");
	char self[256];
	scratch_path(self, sizeof(self), "/tmp", "perm_self");
	int st_self = copy_self(self) ? -1 : run_in_child(exec_own_0700, self);
	ok(st_self >= 0 && WIFEXITED(st_self) && WEXITSTATUS(st_self) == 42,
	   "execve of its owner's 0700 file runs it (%s)", st_self < 0 ? "no copy" : describe_status(st_self));
	unlink(self);

	/* A directory without search permission: nothing below it is reached. */
	fd = open(dx, O_CREAT | O_WRONLY, 0644);
	ok(fd >= 0, "create a file in the directory");
	close(fd);
	chmod(d, 0600);
	denied(stat(dx, &st), EACCES, "stat through a directory without x");
	denied(open(dx, O_RDONLY), EACCES, "open through a directory without x");
	denied(open(dy, O_CREAT | O_WRONLY, 0644), EACCES, "create in a directory without x");
	unlink(dy);
	int st_chdir = run_in_child(try_chdir, d);
	if (root)
		is_long(st_chdir, 0, "root: chdir into a directory without x");
	else
		is_long(st_chdir, EACCES << 8, "chdir into a directory without x: EACCES");

	/* Without write permission: no new names, no removals, no renames;
	 * an existing name is still EEXIST. */
	chmod(d, 0500);
	denied(mkdir(dz, 0700), EACCES, "mkdir in a directory without w");
	rmdir(dz);
	denied(symlink("x", dw), EACCES, "symlink in a directory without w");
	unlink(dw);
	is_errno(mkdir(dx, 0700), EEXIST, "mkdir of an existing name there: EEXIST");
	denied(rename(dx, dy), EACCES, "rename in a directory without w");
	rename(dy, dx);
	denied(unlink(dx), EACCES, "unlink in a directory without w");

	/* Without read permission a directory cannot be listed. */
	chmod(d, 0300);
	denied(open(d, O_RDONLY | O_DIRECTORY), EACCES, "open of a directory without r");

	/* chmod: only the owner (or root). */
	struct stat tmp;
	stat("/tmp", &tmp);
	if (tmp.st_uid != geteuid())
		denied(chmod("/tmp", tmp.st_mode & 07777), EPERM, "chmod of a file one does not own");
	else
		skip(1, "/tmp is our own");

	/* /proc/sys files are root's 0644: only root may open them for writing
	 * (a container may have /proc/sys read-only: EROFS). */
	fd = open("/proc/sys/vm/overcommit_ratio", O_WRONLY);
	if (root)
		ok(fd >= 0 || errno == EROFS, "root: open /proc/sys/vm/overcommit_ratio O_WRONLY");
	else
		is_errno(fd, EACCES, "open /proc/sys/vm/overcommit_ratio O_WRONLY: EACCES");
	if (fd >= 0)
		close(fd);
	fd = open("/proc/sys/vm/overcommit_ratio", O_RDONLY);
	ok(fd >= 0, "anyone reads it");
	close(fd);

	chmod(d, 0700);
	unlink(dx);
	is_long(rmdir(d), 0, "cleanup: rmdir");
	is_long(unlink(f), 0, "cleanup: unlink");
	return done_testing();
}
