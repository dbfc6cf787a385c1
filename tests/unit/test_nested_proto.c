/* SPDX-License-Identifier: MIT */
/* The pure parts of nested runs: argv file round trip, env quoting, L1
 * sizing, and the console parser with its markers. */
#include "test.h"

#include "nested_proto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Writes cfg's argv file into memory and splits it again. */
static int argv_round_trip(const struct umbra_config *cfg, char **buf,
			   char **vec, int max)
{
	size_t len;
	FILE *f = open_memstream(buf, &len);
	int err = nested_write_argv(f, cfg);
	fclose(f);
	return err ? -1 : nested_split_argv(*buf, len, vec, max);
}

TEST(nested_argv_full_config)
{
	struct umbra_config cfg = {
		.kernel = "/home/x/guest.elf", .initrd = "/home/x/initrd.cpio",
		.params = "init=/bin/hello -- 42", .mem_bytes = 256ull << 20,
		.cpus = 2, .paging = PAGING_SHADOW, .debug_exits = true,
	};
	char *buf, *vec[32];
	int n = argv_round_trip(&cfg, &buf, vec, 32);
	const char *want[] = {"run", "-m", "256M", "-c", "2", "-p",
			      "init=/bin/hello -- 42", "-i", "/umbra/initrd",
			      "--paging", "shadow", "--debug-exits",
			      "--no-nested", "/umbra/kernel"};
	CHECK_EQ(n, (int)(sizeof(want) / sizeof(want[0])));
	for (int i = 0; i < n && i < (int)(sizeof(want) / sizeof(want[0])); i++)
		CHECK_STREQ(vec[i], want[i]);
	free(buf);
}

/* --shadow-poll reaches L1 only when given, 0 included; not given, L1
 * decides the default by its own CPUs. */
/* Whether cfg's argv file has --shadow-poll, and its value in val. */
static bool argv_poll(const struct umbra_config *cfg, char *val, size_t len)
{
	char *buf, *vec[32];
	int n = argv_round_trip(cfg, &buf, vec, 32);
	bool found = false;
	for (int i = 0; i + 1 < n && !found; i++)
		if (!strcmp(vec[i], "--shadow-poll")) {
			snprintf(val, len, "%s", vec[i + 1]);
			found = true;
		}
	free(buf);
	return found;
}

TEST(nested_argv_shadow_poll_only_when_given)
{
	struct umbra_config cfg = {
		.kernel = "k", .params = "", .mem_bytes = 1ull << 30, .cpus = 1,
		.paging = PAGING_SHADOW,
	};
	char val[16] = "";
	CHECK(!argv_poll(&cfg, val, sizeof(val)));
	cfg.shadow_poll_given = true;
	CHECK(argv_poll(&cfg, val, sizeof(val)));
	CHECK_STREQ(val, "0");
	cfg.shadow_poll_us = 20000;
	CHECK(argv_poll(&cfg, val, sizeof(val)));
	CHECK_STREQ(val, "20000");
}

TEST(nested_argv_minimal_config_and_sizes)
{
	struct umbra_config cfg = {
		.kernel = "k", .params = "", .mem_bytes = 1ull << 30, .cpus = 1,
	};
	char *buf, *vec[32];
	int n = argv_round_trip(&cfg, &buf, vec, 32);
	CHECK_EQ(n, 9);
	if (n == 9) {
		CHECK_STREQ(vec[2], "1G");
		CHECK_STREQ(vec[6], "tdp");
		CHECK_STREQ(vec[7], "--no-nested");
		CHECK_STREQ(vec[8], "/umbra/kernel");
	}
	free(buf);
	cfg.mem_bytes = 1536ull << 20;
	argv_round_trip(&cfg, &buf, vec, 32);
	CHECK_STREQ(vec[2], "1536M");
	free(buf);
	cfg.mem_bytes = 4097;
	argv_round_trip(&cfg, &buf, vec, 32);
	CHECK_STREQ(vec[2], "4097");
	free(buf);
}

TEST(nested_split_argv_rejects_malformed)
{
	char *vec[2];
	char ok[] = "a\0b";
	CHECK_EQ(nested_split_argv(ok, sizeof(ok), vec, 2), 2);
	CHECK_STREQ(vec[1], "b");
	char three[] = "a\0b\0c";
	CHECK_EQ(nested_split_argv(three, sizeof(three), vec, 2), -1);
	char unterminated[] = "ab";
	CHECK_EQ(nested_split_argv(unterminated, 2, vec, 2), -1);
	CHECK_EQ(nested_split_argv(ok, 0, vec, 2), -1);
}

TEST(nested_env_quotes_params)
{
	char *buf;
	size_t len;
	FILE *f = open_memstream(&buf, &len);
	CHECK_EQ(nested_write_env(f, "00ff", "npt=0 x='y'"), 0);
	fclose(f);
	CHECK_STREQ(buf, "UMBRA_MARK=00ff\nKVM_AMD_PARAMS='npt=0 x='\\''y'\\'''\n");
	free(buf);
	f = open_memstream(&buf, &len);
	CHECK_EQ(nested_write_env(f, "00ff", NULL), 0);
	fclose(f);
	CHECK_STREQ(buf, "UMBRA_MARK=00ff\nKVM_AMD_PARAMS=''\n");
	free(buf);
}

TEST(nested_l1_sizing)
{
	CHECK_EQ(nested_l1_mem_mib(256ull << 20, 20ull << 20), 1024);
	CHECK_EQ(nested_l1_mem_mib(2ull << 30, 10ull << 20), 2048 + 512 + 20);
	CHECK_EQ(nested_l1_mem_mib((1ull << 30) + 1, 1), 1025 + 512 + 2);
	CHECK_EQ(nested_l1_cpus(1), 2);
	CHECK_EQ(nested_l1_cpus(4), 5);
}

/* Collects what the console parser passes to stdout. */
struct sink {
	char buf[4096];
	size_t len;
};

static void sink_out(void *ctx, const char *data, size_t len)
{
	struct sink *s = ctx;
	if (s->len + len < sizeof(s->buf)) {
		memcpy(s->buf + s->len, data, len);
		s->len += len;
		s->buf[s->len] = '\0';
	}
}

/* Feeds text to a fresh parser in pieces of chunk bytes (0: all at once). */
static void feed(struct nested_console *c, struct sink *s, const char *text,
		 size_t chunk)
{
	nested_console_init(c, "c0ffee");
	memset(s, 0, sizeof(*s));
	size_t len = strlen(text);
	for (size_t i = 0; i < len;) {
		size_t n = chunk && len - i > chunk ? chunk : len - i;
		nested_console_feed(c, text + i, n, sink_out, s);
		i += n;
	}
	nested_console_end(c, sink_out, s);
}

static const size_t chunks[] = {0, 1, 2, 3, 7, 64};
#define NCHUNKS (sizeof(chunks) / sizeof(chunks[0]))

TEST(nested_console_forwards_between_markers)
{
	const char *text =
		"[    1.0] boot noise\r\n"
		"umbra-l1-start c0ffee\n"
		"hello\n"
		"umbra-l1-exit deadbeef 3\n" /* a forgery: wrong nonce */
		"umbra-l1-exit c0ff\n"       /* looks like a marker's start */
		"no newline"
		"umbra-l1-exit c0ffee 42\n"
		"[    2.0] reboot: Power down\r\n";
	for (size_t i = 0; i < NCHUNKS; i++) {
		struct nested_console c;
		struct sink s;
		feed(&c, &s, text, chunks[i]);
		CHECK_EQ(c.state, NESTED_EXIT);
		CHECK_EQ(c.status, 42);
		CHECK_STREQ(s.buf, "hello\numbra-l1-exit deadbeef 3\n"
				   "umbra-l1-exit c0ff\nno newline");
		CHECK_STREQ(c.last_line, "no newline");
	}
}

TEST(nested_console_error_marker)
{
	for (size_t i = 0; i < NCHUNKS; i++) {
		struct nested_console c;
		struct sink s;
		feed(&c, &s, "insmod: can't insert\r\numbra-l1-error c0ffee no /dev/kvm\n",
		     chunks[i]);
		CHECK_EQ(c.state, NESTED_ERROR);
		CHECK_STREQ(c.message, "no /dev/kvm");
		CHECK_EQ(s.len, 0);
		CHECK_STREQ(c.last_line, "insmod: can't insert");
	}
}

TEST(nested_console_stream_cut_short)
{
	for (size_t i = 0; i < NCHUNKS; i++) {
		struct nested_console c;
		struct sink s;
		/* L1 dies mid-run: what was held back is still passed on. */
		feed(&c, &s, "umbra-l1-start c0ffee\nout\nKernel panic\numbra-l1-ex",
		     chunks[i]);
		CHECK_EQ(c.state, NESTED_RUN);
		CHECK_STREQ(s.buf, "out\nKernel panic\numbra-l1-ex");
		feed(&c, &s, "[ 1.0] early panic\r\n", chunks[i]);
		CHECK_EQ(c.state, NESTED_BOOT);
		CHECK_EQ(s.len, 0);
		CHECK_STREQ(c.last_line, "[ 1.0] early panic");
	}
}

TEST(nested_console_malformed_exit_status)
{
	struct nested_console c;
	struct sink s;
	feed(&c, &s, "umbra-l1-start c0ffee\numbra-l1-exit c0ffee 300\n", 0);
	CHECK_EQ(c.state, NESTED_ERROR);
	feed(&c, &s, "umbra-l1-start c0ffee\numbra-l1-exit c0ffee 0\n", 0);
	CHECK_EQ(c.state, NESTED_EXIT);
	CHECK_EQ(c.status, 0);
}

TEST(nested_console_long_output_streams)
{
	/* More than the hold buffer, in one piece: all passed through. */
	static char text[3 * NESTED_CONSOLE_HOLD + 64];
	strcpy(text, "umbra-l1-start c0ffee\n");
	size_t n = strlen(text);
	for (size_t i = 0; i < 3 * NESTED_CONSOLE_HOLD; i++)
		text[n + i] = (i % 61 == 60) ? '\n' : 'x';
	strcpy(text + n + 3 * NESTED_CONSOLE_HOLD, "umbra-l1-exit c0ffee 7\n");
	for (size_t i = 0; i < NCHUNKS; i++) {
		struct nested_console c;
		struct sink s;
		feed(&c, &s, text, chunks[i]);
		CHECK_EQ(c.status, 7);
		CHECK_EQ(s.len, 3 * NESTED_CONSOLE_HOLD);
	}
}

TEST(nested_argv_carries_bios)
{
	struct umbra_config cfg = {
		.kernel = "bzImage", .bios = "/usr/share/seabios/bios-microvm.bin",
		.params = "", .mem_bytes = 256ull << 20, .cpus = 1,
	};
	char *buf, *vec[32];
	int n = argv_round_trip(&cfg, &buf, vec, 32);
	int found = 0;
	for (int i = 0; i + 1 < n; i++)
		if (strcmp(vec[i], "--bios") == 0 && strcmp(vec[i + 1], "/umbra/bios") == 0)
			found = 1;
	CHECK(found);
	free(buf);
}
