// SPDX-License-Identifier: MIT
/* newc cpio archive reader; see include/cpio.h. */
#include "../include/cpio.h"

#define CPIO_HEADER_SIZE 110
#define CPIO_FIELD_SIZE 8
/* Field indices after the 6-byte magic. */
#define F_MODE 1
#define F_FILESIZE 6
#define F_NAMESIZE 11

static const char trailer_name[] = "TRAILER!!!";

static size_t align4(size_t x)
{
	return (x + 3) & ~(size_t)3;
}

static int parse_hex8(const unsigned char *p, uint32_t *out)
{
	uint32_t v = 0;
	for (int i = 0; i < CPIO_FIELD_SIZE; i++) {
		unsigned char c = p[i];
		uint32_t d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		v = v << 4 | d;
	}
	*out = v;
	return 0;
}

static int bytes_equal(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return 0;
	return 1;
}

int cpio_next(const void *archive, size_t len, size_t *pos, struct cpio_entry *e)
{
	const unsigned char *base = archive;
	size_t off = *pos;

	if (off == len)
		return CPIO_ERR_NO_TRAILER;
	if (off > len || len - off < CPIO_HEADER_SIZE)
		return CPIO_ERR_TRUNCATED;
	const unsigned char *h = base + off;
	if (!bytes_equal((const char *)h, "07070", 5) || (h[5] != '1' && h[5] != '2'))
		return CPIO_ERR_MAGIC;

	uint32_t field[13];
	for (int i = 0; i < 13; i++)
		if (parse_hex8(h + 6 + i * CPIO_FIELD_SIZE, &field[i]))
			return CPIO_ERR_FORMAT;

	size_t namesize = field[F_NAMESIZE];
	size_t filesize = field[F_FILESIZE];
	size_t name_off = off + CPIO_HEADER_SIZE;
	if (namesize == 0)
		return CPIO_ERR_FORMAT;
	if (len - name_off < namesize)
		return CPIO_ERR_TRUNCATED;
	const char *name = (const char *)base + name_off;
	if (name[namesize - 1] != '\0')
		return CPIO_ERR_FORMAT;
	for (size_t i = 0; i + 1 < namesize; i++)
		if (name[i] == '\0')
			return CPIO_ERR_FORMAT;

	if (namesize == sizeof(trailer_name) && bytes_equal(name, trailer_name, namesize)) {
		/* Whatever follows the trailer (block padding) is not read. */
		*pos = len;
		return CPIO_END;
	}

	size_t data_off = align4(name_off + namesize);
	if (data_off > len || len - data_off < filesize)
		return CPIO_ERR_TRUNCATED;

	e->name = name;
	e->name_len = namesize - 1;
	e->data = base + data_off;
	e->size = filesize;
	e->mode = field[F_MODE];
	/* The padding after the last file may be missing; the next call then
	 * reports the archive as truncated. */
	*pos = align4(data_off + filesize);
	return CPIO_OK;
}

/* Skips the leading "/" and "./" components that name the archive root. */
static const char *strip_root(const char *s, size_t *n)
{
	for (;;) {
		if (*n >= 1 && s[0] == '/') {
			s++;
			(*n)--;
		} else if (*n >= 2 && s[0] == '.' && s[1] == '/') {
			s += 2;
			*n -= 2;
		} else {
			return s;
		}
	}
}

int cpio_find(const void *archive, size_t len, const char *path, struct cpio_entry *e)
{
	size_t path_len = 0;
	while (path[path_len])
		path_len++;
	path = strip_root(path, &path_len);

	size_t pos = 0;
	int found = 0;
	for (;;) {
		struct cpio_entry cur;
		int r = cpio_next(archive, len, &pos, &cur);
		if (r == CPIO_END)
			return found ? CPIO_OK : CPIO_ERR_NOT_FOUND;
		if (r != CPIO_OK)
			return r;
		size_t n = cur.name_len;
		const char *name = strip_root(cur.name, &n);
		if (n == path_len && bytes_equal(name, path, n)) {
			*e = cur;
			found = 1;
		}
	}
}

const char *cpio_strerror(int status)
{
	switch (status) {
	case CPIO_OK:
		return "ok";
	case CPIO_END:
		return "end of archive";
	case CPIO_ERR_TRUNCATED:
		return "archive truncated";
	case CPIO_ERR_MAGIC:
		return "not a newc cpio archive (bad magic)";
	case CPIO_ERR_FORMAT:
		return "malformed cpio header";
	case CPIO_ERR_NO_TRAILER:
		return "archive has no TRAILER!!! entry";
	case CPIO_ERR_NOT_FOUND:
		return "no such file";
	}
	return "unknown cpio error";
}
