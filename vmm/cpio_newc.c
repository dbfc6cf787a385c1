/* SPDX-License-Identifier: MIT */
/* A writer of newc cpio archives; see cpio_newc.h. */
#include "cpio_newc.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void cpio_newc_init(struct cpio_newc *c, FILE *out)
{
	c->out = out;
	c->offset = 0;
	c->next_ino = 1;
}

static int put(struct cpio_newc *c, const void *data, size_t len)
{
	if (len && fwrite(data, 1, len, c->out) != len)
		return -EIO;
	c->offset += len;
	return 0;
}

/* Zero bytes up to the next multiple of 4 from the archive's start. */
static int pad4(struct cpio_newc *c)
{
	static const char zeros[3];
	return put(c, zeros, (4 - (c->offset & 3)) & 3);
}

/* The header and the (padded) name of an entry; its data follows. */
static int put_header(struct cpio_newc *c, const char *name, uint32_t mode,
		      uint32_t nlink, uint64_t size)
{
	if (size > UINT32_MAX)
		return -EFBIG;
	size_t namesize = strlen(name) + 1;
	char hdr[CPIO_NEWC_HEADER_SIZE + 1];
	/* magic, ino, mode, uid, gid, nlink, mtime, filesize, devmajor,
	 * devminor, rdevmajor, rdevminor, namesize, check */
	snprintf(hdr, sizeof(hdr),
		 "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		 c->next_ino++, mode, 0u, 0u, nlink, 0u, (uint32_t)size, 0u,
		 0u, 0u, 0u, (uint32_t)namesize, 0u);
	int err = put(c, hdr, CPIO_NEWC_HEADER_SIZE);
	if (!err)
		err = put(c, name, namesize);
	if (!err)
		err = pad4(c);
	return err;
}

int cpio_newc_add_dir(struct cpio_newc *c, const char *name, unsigned int perm)
{
	return put_header(c, name, S_IFDIR | (perm & 07777), 2, 0);
}

int cpio_newc_add_buffer(struct cpio_newc *c, const char *name,
			 unsigned int perm, const void *data, size_t len)
{
	int err = put_header(c, name, S_IFREG | (perm & 07777), 1, len);
	if (!err)
		err = put(c, data, len);
	if (!err)
		err = pad4(c);
	return err;
}

int cpio_newc_add_file(struct cpio_newc *c, const char *name,
		       unsigned int perm, const char *src_path)
{
	int fd = open(src_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	int err = 0;
	if (fstat(fd, &st) != 0)
		err = -errno;
	else if (!S_ISREG(st.st_mode))
		err = -EINVAL;
	else
		err = put_header(c, name, S_IFREG | (perm & 07777), 1,
				 (uint64_t)st.st_size);
	/* Copy exactly the size announced in the header, even if the file
	 * changes meanwhile: a short file is an error, extra bytes are cut. */
	uint64_t left = (uint64_t)st.st_size;
	char buf[64 * 1024];
	while (!err && left) {
		size_t want = left < sizeof(buf) ? (size_t)left : sizeof(buf);
		ssize_t got = read(fd, buf, want);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			err = -errno;
		else if (got == 0)
			err = -EIO;
		else {
			err = put(c, buf, (size_t)got);
			left -= (uint64_t)got;
		}
	}
	close(fd);
	if (!err)
		err = pad4(c);
	return err;
}

int cpio_newc_finish(struct cpio_newc *c)
{
	return put_header(c, "TRAILER!!!", 0, 1, 0);
}
