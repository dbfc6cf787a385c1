/* SPDX-License-Identifier: MIT */
/*
 * Descriptors across execve: kept open (with their offset) unless
 * O_CLOEXEC/FD_CLOEXEC; the re-executed helper (argv[1] == "helper")
 * reports through its exit status.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "suite.h"

enum { BAD_KEPT = 1, BAD_OFFSET = 2, BAD_CLOEXEC = 4, BAD_FCNTL_CLOEXEC = 8, BAD_FLAG = 16 };

/* argv: helper KEPT_FD CLOEXEC_FD FCNTL_FD */
static int helper(char **argv)
{
	int kept = atoi(argv[2]), cloexec = atoi(argv[3]), fcntl_cloexec = atoi(argv[4]), bad = 0;
	char byte;
	if (fcntl(kept, F_GETFD) < 0)
		return BAD_KEPT;
	if (read(kept, &byte, 1) != 1 || byte != 'c') /* the offset was 2 */
		bad |= BAD_OFFSET;
	if (fcntl(cloexec, F_GETFD) != -1 || errno != EBADF)
		bad |= BAD_CLOEXEC;
	if (fcntl(fcntl_cloexec, F_GETFD) != -1)
		bad |= BAD_FCNTL_CLOEXEC;
	if (fcntl(kept, F_GETFD) & FD_CLOEXEC)
		bad |= BAD_FLAG;
	return bad;
}

int main(int argc, char **argv)
{
	char path[128], a[16], b[16], c[16];
	if (argc == 5 && !strcmp(argv[1], "helper"))
		return helper(argv);

	scratch_path(path, sizeof(path), "/tmp", "execfds");
	close(make_file(path, 0, 0));
	int fd = open(path, O_RDWR);
	write(fd, "abcdef", 6);
	lseek(fd, 2, SEEK_SET);
	int cloexec = open(path, O_RDONLY | O_CLOEXEC);
	int later = open(path, O_RDONLY);

	plan(9);
	is_long(fcntl(cloexec, F_GETFD), FD_CLOEXEC, "O_CLOEXEC sets FD_CLOEXEC");
	is_long(fcntl(later, F_SETFD, FD_CLOEXEC), 0, "F_SETFD FD_CLOEXEC");
	is_long(fcntl(later, F_GETFD), FD_CLOEXEC, "and F_GETFD reads it back");
	snprintf(a, sizeof(a), "%d", fd);
	snprintf(b, sizeof(b), "%d", cloexec);
	snprintf(c, sizeof(c), "%d", later);
	pid_t pid = fork();
	if (pid == 0) {
		char *args[] = {argv[0], "helper", a, b, c, NULL};
		execve(argv[0], args, (char *[]){NULL});
		_exit(200);
	}
	int status = wait_status(pid);
	int bad = WIFEXITED(status) ? WEXITSTATUS(status) : 255;
	ok(WIFEXITED(status) && bad < 200, "the helper ran (%s)", describe_status(status));
	ok(!(bad & BAD_KEPT), "a plain descriptor stays open across execve");
	ok(!(bad & BAD_OFFSET), "with its file offset (shared with the parent)");
	ok(!(bad & BAD_CLOEXEC), "an O_CLOEXEC descriptor is closed");
	ok(!(bad & BAD_FCNTL_CLOEXEC), "an FD_CLOEXEC (fcntl) descriptor is closed");
	is_long(lseek(fd, 0, SEEK_CUR), 3, "the child's read moved the shared offset to 3");
	unlink(path);
	return done_testing();
}
