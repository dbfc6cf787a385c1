/* SPDX-License-Identifier: MIT */
/* read_full() (whole reads across short reads and end of file) and the
 * initrd format check. */
#include "test.h"

#include <errno.h>
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
