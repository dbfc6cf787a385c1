/* SPDX-License-Identifier: MIT */
#include "file_io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

ssize_t read_full(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;
	size_t done = 0;
	while (done < len) {
		ssize_t n = read(fd, p + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

void *read_file(const char *path, uint64_t max, uint64_t *size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct stat st;
	uint8_t *buf = NULL;
	int err = 0;
	if (fstat(fd, &st) != 0) {
		err = errno;
	} else if (!S_ISREG(st.st_mode)) {
		err = EINVAL;
	} else if ((*size = (uint64_t)st.st_size) > max) {
		err = EFBIG;
	} else if (!(buf = malloc(*size ? *size : 1))) {
		err = ENOMEM;
	} else {
		ssize_t n = read_full(fd, buf, *size);
		if (n < 0 || (uint64_t)n != *size) {
			err = n < 0 ? errno : ENODATA;
			free(buf);
			buf = NULL;
		}
	}
	close(fd);
	errno = err;
	return buf;
}

const char *read_file_strerror(int err)
{
	return err == EINVAL ? "not a regular file"
	       : err == ENODATA ? "file shrank while reading"
	       : err == ENOMEM ? "out of memory" : strerror(err);
}
