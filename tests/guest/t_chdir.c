/* SPDX-License-Identifier: MIT */
/* chdir/fchdir/getcwd and paths relative to the working directory. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "suite.h"

int main(void)
{
	char dir[128], cwd[PATH_MAX], file[160];
	struct stat st;
	scratch_path(dir, sizeof(dir), "/tmp", "chdir");
	mkdir(dir, 0700);

	plan(10);
	is_long(chdir(dir), 0, "chdir to a new directory");
	ok(getcwd(cwd, sizeof(cwd)) && !strcmp(cwd, dir), "getcwd returns it ('%s')", cwd);
	int fd = open("relative", O_RDWR | O_CREAT, 0600);
	ok(fd >= 0, "open a relative path creates the file there");
	close(fd);
	snprintf(file, sizeof(file), "%s/relative", dir);
	is_long(stat(file, &st), 0, "found by its absolute path");
	is_long(chdir(".."), 0, "chdir ..");
	ok(getcwd(cwd, sizeof(cwd)) && !strcmp(cwd, "/tmp"), "getcwd is /tmp");
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	is_long(fchdir(dfd), 0, "fchdir back");
	is_long(stat("relative", &st), 0, "the relative name resolves again");
	is_errno(chdir(file), ENOTDIR, "chdir to a file: ENOTDIR");
	is_errno(chdir("/tmp/umbra-no-such-dir"), ENOENT, "chdir to a missing directory: ENOENT");
	unlink(file);
	chdir("/");
	rmdir(dir);
	return done_testing();
}
