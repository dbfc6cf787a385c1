/* SPDX-License-Identifier: MIT */
/* read_full() (whole reads across short reads and end of file),
 * read_file() (a file whole, or why not) and the initrd format check. */
#include "test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file_io.h"
#include "initrd.h"

TEST(read_full_reads_everything_or_stops_at_eof)
{
	int fds[2];
	CHECK_EQ(pipe(fds), 0);
	/* Two writes: a pipe read returns at most what one write put there. */
	CHECK_EQ(write(fds[1], "hello ", 6), 6);
	CHECK_EQ(write(fds[1], "world", 5), 5);
	char buf[32] = "";
	CHECK_EQ(read_full(fds[0], buf, 11), 11);
	CHECK(memcmp(buf, "hello world", 11) == 0);
	CHECK_EQ(write(fds[1], "abc", 3), 3);
	close(fds[1]);
	CHECK_EQ(read_full(fds[0], buf, sizeof(buf)), 3); /* short: end of file */
	CHECK_EQ(read_full(fds[0], buf, sizeof(buf)), 0);
	close(fds[0]);
	errno = 0;
	CHECK_EQ(read_full(-1, buf, 1), -1);
	CHECK_EQ(errno, EBADF);
}

TEST(initrd_newc_magic)
{
	CHECK(initrd_is_newc("07070100000001", 14));
	CHECK(initrd_is_newc("070701", 6));
	CHECK(!initrd_is_newc("", 0));          /* empty */
	CHECK(!initrd_is_newc("07070", 5));     /* too short */
	CHECK(!initrd_is_newc("070707", 6));    /* odc (old ASCII) */
	CHECK(!initrd_is_newc("070702", 6));    /* newc with CRC: not read */
	CHECK(!initrd_is_newc("\x1f\x8b\x08\x00\x00\x00", 6)); /* gzip */
	CHECK(!initrd_is_newc("\0\0\0\0\0\0", 6));
}

TEST(read_file_whole_or_a_reason)
{
	char dir[] = "/tmp/umbra-read-file.XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	char path[64];
	snprintf(path, sizeof(path), "%s/f", dir);
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	fputs("twelve bytes", f);
	fclose(f);
	uint64_t size = 0;
	char *buf = read_file(path, 12, &size);
	CHECK(buf != NULL);
	CHECK_EQ(size, 12);
	CHECK(buf && memcmp(buf, "twelve bytes", 12) == 0);
	free(buf);
	/* One byte over the limit: refused, with the size said. */
	errno = 0;
	CHECK(read_file(path, 11, &size) == NULL);
	CHECK_EQ(errno, EFBIG);
	CHECK_EQ(size, 12);
	/* A directory is not a regular file; a missing file is open's error. */
	errno = 0;
	CHECK(read_file(dir, 1 << 20, &size) == NULL);
	CHECK_EQ(errno, EINVAL);
	CHECK(strcmp(read_file_strerror(errno), "not a regular file") == 0);
	snprintf(path, sizeof(path), "%s/missing", dir);
	errno = 0;
	CHECK(read_file(path, 1 << 20, &size) == NULL);
	CHECK_EQ(errno, ENOENT);
	CHECK(strcmp(read_file_strerror(errno), strerror(ENOENT)) == 0);
	CHECK(strcmp(read_file_strerror(ENODATA), "file shrank while reading") == 0);
	/* Empty: a buffer all the same, of length 0. */
	snprintf(path, sizeof(path), "%s/empty", dir);
	fclose(fopen(path, "w"));
	buf = read_file(path, 1 << 20, &size);
	CHECK(buf != NULL);
	CHECK_EQ(size, 0);
	free(buf);
	unlink(path);
	snprintf(path, sizeof(path), "%s/f", dir);
	unlink(path);
	rmdir(dir);
}
