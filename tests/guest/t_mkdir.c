/* SPDX-License-Identifier: MIT */
/* mkdir/rmdir: creation, mode, nesting, and the errors. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "suite.h"

int main(void)
{
	char dir[128], sub[200], file[200];
	struct stat st;
	scratch_path(dir, sizeof(dir), "/tmp", "mkdir");
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	snprintf(file, sizeof(file), "%s/file", dir);
	umask(022);

	plan(11);
	is_long(mkdir(dir, 0750), 0, "mkdir");
	ok(stat(dir, &st) == 0 && S_ISDIR(st.st_mode), "it is a directory");
	is_long(st.st_mode & 0777, 0750, "with mode 0750");
	is_long(st.st_nlink, 2, "a new directory has 2 links");
	is_errno(mkdir(dir, 0700), EEXIST, "mkdir again: EEXIST");
	is_long(mkdir(sub, 0700), 0, "mkdir inside it");
	close(open(file, O_WRONLY | O_CREAT, 0600));
	is_errno(rmdir(dir), ENOTEMPTY, "rmdir of a non-empty directory: ENOTEMPTY");
	is_errno(mkdir("/tmp/umbra-no-parent/x", 0700), ENOENT, "missing parent: ENOENT");
	is_errno(rmdir(file), ENOTDIR, "rmdir of a file: ENOTDIR");
	unlink(file);
	rmdir(sub);
	is_long(rmdir(dir), 0, "rmdir once empty");
	is_errno(stat(dir, &st), ENOENT, "gone");
	return done_testing();
}
