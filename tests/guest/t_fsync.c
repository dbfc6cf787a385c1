/* SPDX-License-Identifier: MIT */
/* fsync/fdatasync/sync/syncfs: success on files and directories; errors. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "suite.h"

int main(void)
{
	char path[128];
	scratch_path(path, sizeof(path), "/tmp", "fsync");
	int fd = make_file(path, 3 * PAGE, 0);
	int dir = open("/tmp", O_RDONLY | O_DIRECTORY);

	plan(7);
	is_long(fsync(fd), 0, "fsync of a written file");
	is_long(fdatasync(fd), 0, "fdatasync");
	is_long(fsync(dir), 0, "fsync of a directory");
	sync(); /* returns nothing; must come back */
	is_long(syncfs(fd), 0, "syncfs of the file's filesystem");
	is_errno(fsync(9876), EBADF, "fsync of a bad fd: EBADF");
	is_errno(fsync(open("/dev/null", O_WRONLY)), EINVAL, "fsync of /dev/null (no fsync): EINVAL");
	close(fd);
	is_errno(fdatasync(fd), EBADF, "fdatasync of a closed fd: EBADF");
	unlink(path);
	return done_testing();
}
