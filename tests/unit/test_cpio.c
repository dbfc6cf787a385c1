// SPDX-License-Identifier: MIT
/* The guest kernel's initramfs reader (guest/fs/cpio.c) on good archives and
 * hostile ones. Every archive is copied into a buffer of exactly its size so
 * that ASan catches any read past the end. */
#include <stdint.h>
#include <stdlib.h>

#include "../../guest/include/cpio.h"
#include "test.h"

struct archive {
	unsigned char buf[4096];
	size_t len;
};

static void put_entry(struct archive *a, const char *magic, const char *name,
		      uint32_t mode, const void *data, size_t size)
{
	size_t namesize = strlen(name) + 1;
	char hdr[128];
	snprintf(hdr, sizeof(hdr),
		 "%.6s%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		 magic, 1u, mode, 0u, 0u, 1u, 0u, (uint32_t)size, 0u, 0u, 0u, 0u,
		 (uint32_t)namesize, 0u);
	memcpy(a->buf + a->len, hdr, 110);
	a->len += 110;
	memcpy(a->buf + a->len, name, namesize);
	a->len += namesize;
	while (a->len % 4)
		a->buf[a->len++] = 0;
	memcpy(a->buf + a->len, data, size);
	a->len += size;
	while (a->len % 4)
		a->buf[a->len++] = 0;
}

static void add_file(struct archive *a, const char *name, const char *text)
{
	put_entry(a, "070701", name, 0100755, text, strlen(text));
}

static void add_trailer(struct archive *a)
{
	put_entry(a, "070701", "TRAILER!!!", 0, "", 0);
}

/* A typical archive, as tools/mkinitrd.sh makes it. */
static void make_good(struct archive *a)
{
	a->len = 0;
	put_entry(a, "070701", ".", 040755, "", 0);
	put_entry(a, "070701", "./bin", 040755, "", 0);
	add_file(a, "./bin/hello", "hello world");
	add_file(a, "./init", "#!init");
	add_file(a, "./empty", "");
	add_trailer(a);
	/* cpio pads to 512-byte blocks */
	while (a->len % 512)
		a->buf[a->len++] = 0;
}

/* cpio_find on an exact-size heap copy of the first len bytes. */
static int find_in(const struct archive *a, size_t len, const char *path,
		   struct cpio_entry *e, char *copy_out, size_t copy_max)
{
	unsigned char *copy = malloc(len ? len : 1);
	memcpy(copy, a->buf, len);
	int r = cpio_find(copy, len, path, e);
	if (r == CPIO_OK && copy_out) {
		size_t n = e->size < copy_max - 1 ? e->size : copy_max - 1;
		memcpy(copy_out, e->data, n);
		copy_out[n] = 0;
	}
	free(copy);
	return r;
}

TEST(cpio_finds_files_by_any_root_spelling)
{
	struct archive a;
	struct cpio_entry e;
	char text[64];
	make_good(&a);
	CHECK_EQ(find_in(&a, a.len, "/init", &e, text, sizeof(text)), CPIO_OK);
	CHECK_STREQ(text, "#!init");
	CHECK_EQ(e.mode, 0100755);
	CHECK_EQ(find_in(&a, a.len, "init", &e, text, sizeof(text)), CPIO_OK);
	CHECK_EQ(find_in(&a, a.len, "./bin/hello", &e, text, sizeof(text)), CPIO_OK);
	CHECK_STREQ(text, "hello world");
	CHECK_EQ(e.size, 11);
	CHECK_EQ(find_in(&a, a.len, "/bin/hello", &e, NULL, 0), CPIO_OK);
	CHECK_EQ(find_in(&a, a.len, "/empty", &e, NULL, 0), CPIO_OK);
	CHECK_EQ(e.size, 0);
	CHECK_EQ(find_in(&a, a.len, "/bin", &e, NULL, 0), CPIO_OK);
	CHECK_EQ(e.mode & CPIO_S_IFMT, 040000);
}

TEST(cpio_missing_file_is_not_found)
{
	struct archive a;
	struct cpio_entry e;
	make_good(&a);
	CHECK_EQ(find_in(&a, a.len, "/nonexistent", &e, NULL, 0), CPIO_ERR_NOT_FOUND);
	CHECK_EQ(find_in(&a, a.len, "/bin/hell", &e, NULL, 0), CPIO_ERR_NOT_FOUND);
	CHECK_EQ(find_in(&a, a.len, "/bin/hello/x", &e, NULL, 0), CPIO_ERR_NOT_FOUND);
	CHECK_EQ(find_in(&a, a.len, "TRAILER!!!", &e, NULL, 0), CPIO_ERR_NOT_FOUND);
}

TEST(cpio_iterates_entries_in_order)
{
	struct archive a;
	make_good(&a);
	const char *names[] = {".", "./bin", "./bin/hello", "./init", "./empty"};
	size_t pos = 0;
	struct cpio_entry e;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		CHECK_EQ(cpio_next(a.buf, a.len, &pos, &e), CPIO_OK);
		CHECK_STREQ(e.name, names[i]);
		CHECK_EQ(e.name_len, strlen(names[i]));
		CHECK_EQ(pos % 4, 0);
	}
	CHECK_EQ(cpio_next(a.buf, a.len, &pos, &e), CPIO_END);
	CHECK_EQ(pos, a.len);
}

TEST(cpio_later_duplicate_wins_and_crc_magic_is_accepted)
{
	struct archive a = {.len = 0};
	struct cpio_entry e;
	char text[64];
	add_file(&a, "init", "first");
	put_entry(&a, "070702", "init", 0100644, "second", 6);
	add_trailer(&a);
	CHECK_EQ(find_in(&a, a.len, "/init", &e, text, sizeof(text)), CPIO_OK);
	CHECK_STREQ(text, "second");
	CHECK_EQ(e.mode, 0100644);
}

TEST(cpio_every_truncation_is_an_error_never_an_overread)
{
	struct archive a;
	struct cpio_entry e;
	make_good(&a);
	/* The trailer ends at the last non-padding byte; any cut before its
	 * name is complete must fail, whatever the cut point. */
	size_t trailer_end = 0;
	for (size_t pos = 0;;) {
		int r = cpio_next(a.buf, a.len, &pos, &e);
		if (r == CPIO_END)
			break;
		trailer_end = pos + 110 + sizeof("TRAILER!!!");
	}
	for (size_t len = 0; len < trailer_end; len++) {
		int r = find_in(&a, len, "/nonexistent", &e, NULL, 0);
		if (r != CPIO_ERR_TRUNCATED && r != CPIO_ERR_NO_TRAILER) {
			fprintf(stderr, "  cut at %zu: %d\n", len, r);
			CHECK(0);
		}
	}
	CHECK_EQ(find_in(&a, trailer_end, "/nonexistent", &e, NULL, 0), CPIO_ERR_NOT_FOUND);
}

TEST(cpio_truncated_header)
{
	struct archive a;
	struct cpio_entry e;
	make_good(&a);
	CHECK_EQ(find_in(&a, 50, "/init", &e, NULL, 0), CPIO_ERR_TRUNCATED);
	CHECK_EQ(find_in(&a, 109, "/init", &e, NULL, 0), CPIO_ERR_TRUNCATED);
	CHECK_EQ(find_in(&a, 0, "/init", &e, NULL, 0), CPIO_ERR_NO_TRAILER);
}

TEST(cpio_bad_magic)
{
	struct archive a;
	struct cpio_entry e;
	make_good(&a);
	a.buf[5] = '7'; /* 070707 is the old portable ASCII format */
	CHECK_EQ(find_in(&a, a.len, "/init", &e, NULL, 0), CPIO_ERR_MAGIC);
	make_good(&a);
	memcpy(a.buf, "\x7f" "ELF", 4);
	CHECK_EQ(find_in(&a, a.len, "/init", &e, NULL, 0), CPIO_ERR_MAGIC);
	/* Bad magic in a later header, too. */
	make_good(&a);
	size_t pos = 0;
	cpio_next(a.buf, a.len, &pos, &e);
	a.buf[pos] = 'X';
	CHECK_EQ(find_in(&a, a.len, "/init", &e, NULL, 0), CPIO_ERR_MAGIC);
}

TEST(cpio_bad_hex_field)
{
	struct archive a;
	struct cpio_entry e;
	make_good(&a);
	a.buf[6 + 6 * 8 + 3] = 'g'; /* inside filesize */
	CHECK_EQ(find_in(&a, a.len, "/init", &e, NULL, 0), CPIO_ERR_FORMAT);
	make_good(&a);
	a.buf[6 + 11 * 8] = ' '; /* namesize with a space */
	CHECK_EQ(find_in(&a, a.len, "/init", &e, NULL, 0), CPIO_ERR_FORMAT);
}

/* Overwrites the 8-digit hex field idx of the first header. */
static void set_field(struct archive *a, size_t hdr, int idx, uint32_t v)
{
	char f[16];
	snprintf(f, sizeof(f), "%08X", v);
	memcpy(a->buf + hdr + 6 + idx * 8, f, 8);
}

TEST(cpio_sizes_past_the_end)
{
	struct archive a = {.len = 0};
	struct cpio_entry e;
	add_file(&a, "init", "data");
	add_trailer(&a);
	struct archive b = a;
	set_field(&b, 0, 11, 0x1000); /* namesize */
	CHECK_EQ(find_in(&b, b.len, "/init", &e, NULL, 0), CPIO_ERR_TRUNCATED);
	b = a;
	set_field(&b, 0, 11, 0xffffffff);
	CHECK_EQ(find_in(&b, b.len, "/init", &e, NULL, 0), CPIO_ERR_TRUNCATED);
	b = a;
	set_field(&b, 0, 6, 0x1000); /* filesize */
	CHECK_EQ(find_in(&b, b.len, "/init", &e, NULL, 0), CPIO_ERR_TRUNCATED);
	b = a;
	set_field(&b, 0, 6, 0xffffffff);
	CHECK_EQ(find_in(&b, b.len, "/init", &e, NULL, 0), CPIO_ERR_TRUNCATED);
	/* A file size that lands inside the trailer header misparses it. */
	b = a;
	set_field(&b, 0, 6, 20);
	CHECK(find_in(&b, b.len, "/init", &e, NULL, 0) < 0);
}

TEST(cpio_bad_names)
{
	struct archive a = {.len = 0};
	struct cpio_entry e;
	add_file(&a, "init", "data");
	add_trailer(&a);
	struct archive b = a;
	set_field(&b, 0, 11, 0); /* no name at all */
	CHECK_EQ(find_in(&b, b.len, "/init", &e, NULL, 0), CPIO_ERR_FORMAT);
	b = a;
	set_field(&b, 0, 11, 4); /* "init" without its NUL */
	CHECK_EQ(find_in(&b, b.len, "/init", &e, NULL, 0), CPIO_ERR_FORMAT);
	b = a;
	b.buf[110 + 1] = 0; /* NUL inside the name */
	CHECK_EQ(find_in(&b, b.len, "/init", &e, NULL, 0), CPIO_ERR_FORMAT);
}

TEST(cpio_missing_trailer)
{
	struct archive a = {.len = 0};
	struct cpio_entry e;
	add_file(&a, "init", "data");
	add_file(&a, "other", "x");
	CHECK_EQ(find_in(&a, a.len, "/nonexistent", &e, NULL, 0), CPIO_ERR_NO_TRAILER);
	/* Even a present file is refused: the archive is not well-formed. */
	CHECK_EQ(find_in(&a, a.len, "/init", &e, NULL, 0), CPIO_ERR_NO_TRAILER);
	/* Garbage where the trailer should be. */
	memset(a.buf + a.len, 0, 200);
	a.len += 200;
	CHECK_EQ(find_in(&a, a.len, "/init", &e, NULL, 0), CPIO_ERR_MAGIC);
}

TEST(cpio_strerror_names_every_status)
{
	for (int s = CPIO_ERR_NOT_FOUND; s <= CPIO_END; s++)
		CHECK(strcmp(cpio_strerror(s), "unknown cpio error") != 0);
}
