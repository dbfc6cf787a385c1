/* SPDX-License-Identifier: MIT */
/* The newc cpio writer: exact header bytes, padding, trailer; and GNU cpio
 * (a dependency of the build) lists and extracts what it writes. */
#include "test.h"

#include "cpio_newc.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* Field i (0 = ino ... 12 = check) of the header at p, parsed from hex. */
static uint32_t field(const char *p, int i)
{
	char hex[9];
	memcpy(hex, p + 6 + 8 * i, 8);
	hex[8] = 0;
	return (uint32_t)strtoul(hex, NULL, 16);
}

enum { F_INO, F_MODE, F_UID, F_GID, F_NLINK, F_MTIME, F_SIZE, F_NAMESIZE = 11 };

/* An archive in memory: open_memstream keeps buf/len current on fflush. */
struct mem_archive {
	char *buf;
	size_t len;
	FILE *f;
	struct cpio_newc c;
};

static void mem_open(struct mem_archive *m)
{
	m->f = open_memstream(&m->buf, &m->len);
	cpio_newc_init(&m->c, m->f);
}

static void mem_close(struct mem_archive *m)
{
	fclose(m->f);
	free(m->buf);
}

TEST(cpio_newc_buffer_entry_layout)
{
	struct mem_archive m;
	mem_open(&m);
	CHECK_EQ(cpio_newc_add_buffer(&m.c, "umbra/argv", 0644, "run\0x\0", 6), 0);
	fflush(m.f);
	/* header 110 + name "umbra/argv\0" 11 = 121 -> padded to 124;
	 * data 6 -> padded to 8. */
	CHECK_EQ(m.len, 132);
	CHECK_EQ(m.c.offset, 132);
	CHECK(memcmp(m.buf, "070701", 6) == 0);
	CHECK_EQ(field(m.buf, F_MODE), 0100644);
	CHECK_EQ(field(m.buf, F_UID), 0);
	CHECK_EQ(field(m.buf, F_GID), 0);
	CHECK_EQ(field(m.buf, F_NLINK), 1);
	CHECK_EQ(field(m.buf, F_MTIME), 0);
	CHECK_EQ(field(m.buf, F_SIZE), 6);
	CHECK_EQ(field(m.buf, F_NAMESIZE), 11);
	CHECK(memcmp(m.buf + 110, "umbra/argv\0\0\0\0", 14) == 0);
	CHECK(memcmp(m.buf + 124, "run\0x\0\0\0", 8) == 0);
	mem_close(&m);
}

TEST(cpio_newc_dir_and_trailer)
{
	struct mem_archive m;
	mem_open(&m);
	CHECK_EQ(cpio_newc_add_dir(&m.c, "umbra", 0755), 0);
	CHECK_EQ(cpio_newc_finish(&m.c), 0);
	fflush(m.f);
	/* dir: 110 + 6 = 116 (aligned), no data; trailer: 110 + 11 -> 124. */
	CHECK_EQ(m.len, 116 + 124);
	CHECK_EQ(field(m.buf, F_MODE), 040755);
	CHECK_EQ(field(m.buf, F_NLINK), 2);
	CHECK_EQ(field(m.buf, F_SIZE), 0);
	const char *t = m.buf + 116;
	CHECK(memcmp(t, "070701", 6) == 0);
	CHECK_EQ(field(t, F_MODE), 0);
	CHECK_EQ(field(t, F_NAMESIZE), 11);
	CHECK(memcmp(t + 110, "TRAILER!!!\0\0\0", 13) == 0);
	CHECK(field(m.buf, F_INO) != field(t, F_INO));
	mem_close(&m);
}

TEST(cpio_newc_every_entry_aligned)
{
	struct mem_archive m;
	mem_open(&m);
	/* Names and sizes of every residue mod 4. */
	const char *names[] = {"a", "bb", "ccc", "dddd"};
	for (size_t i = 0; i < 4; i++) {
		CHECK_EQ(cpio_newc_add_buffer(&m.c, names[i], 0600, "12345", i + 1), 0);
		CHECK_EQ(m.c.offset % 4, 0);
	}
	CHECK_EQ(cpio_newc_finish(&m.c), 0);
	CHECK_EQ(m.c.offset % 4, 0);
	fflush(m.f);
	CHECK_EQ(m.len, m.c.offset);
	mem_close(&m);
}

TEST(cpio_newc_missing_file_fails_without_writing)
{
	struct mem_archive m;
	mem_open(&m);
	CHECK_EQ(cpio_newc_add_file(&m.c, "x", 0644, "/nonexistent/umbra-test"), -ENOENT);
	CHECK_EQ(cpio_newc_add_file(&m.c, "x", 0644, "/"), -EINVAL);
	CHECK_EQ(m.c.offset, 0);
	mem_close(&m);
}

/* Writes a small tree with every adder, then lets GNU cpio list and
 * extract it and compares the extracted file with its source. */
TEST(cpio_newc_gnu_cpio_reads_it)
{
	char dir[] = "/tmp/umbra-cpio-test.XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	char src[256], arc[256], cmd[1024];
	snprintf(src, sizeof(src), "%s/src", dir);
	snprintf(arc, sizeof(arc), "%s/a.cpio", dir);
	FILE *s = fopen(src, "w");
	CHECK(s != NULL);
	for (int i = 0; i < 100000; i++)
		fputc('a' + i % 26, s); /* more than one copy chunk */
	fclose(s);

	FILE *f = fopen(arc, "w");
	CHECK(f != NULL);
	struct cpio_newc c;
	cpio_newc_init(&c, f);
	CHECK_EQ(cpio_newc_add_dir(&c, "umbra", 0755), 0);
	CHECK_EQ(cpio_newc_add_file(&c, "umbra/copy", 0755, src), 0);
	CHECK_EQ(cpio_newc_add_buffer(&c, "umbra/note", 0644, "hi\n", 3), 0);
	CHECK_EQ(cpio_newc_finish(&c), 0);
	CHECK_EQ(fclose(f), 0);

	snprintf(cmd, sizeof(cmd),
		 "cd %s && cpio -it --quiet <a.cpio >list && mkdir x && cd x &&"
		 " cpio -id --quiet <../a.cpio && cmp -s umbra/copy ../src &&"
		 " test -x umbra/copy && test \"$(cat umbra/note)\" = hi", dir);
	CHECK_EQ(system(cmd), 0);
	char list[256] = "";
	snprintf(cmd, sizeof(cmd), "%s/list", dir);
	FILE *l = fopen(cmd, "r");
	CHECK(l != NULL);
	if (l) {
		size_t n = fread(list, 1, sizeof(list) - 1, l);
		list[n] = 0;
		fclose(l);
	}
	CHECK_STREQ(list, "umbra\numbra/copy\numbra/note\n");
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK_EQ(system(cmd), 0);
}
