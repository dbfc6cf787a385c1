/* SPDX-License-Identifier: MIT */
/*
 * /proc files read in small pieces give the same text as one big read
 * (seq_file semantics), and lseek back to 0 starts over. /proc/self/cmdline
 * is the argument strings, NUL-separated (checked again with a long
 * argument in a re-executed child).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "suite.h"

static char whole[64 << 10], pieces[64 << 10];

/* Reads the file `chunk` bytes at a time; the total length. */
static long read_in_pieces(int fd, size_t chunk)
{
	long total = 0;
	ssize_t n;
	while (total + (long)chunk < (long)sizeof(pieces) && (n = read(fd, pieces + total, chunk)) > 0)
		total += n;
	pieces[total] = 0;
	return total;
}

/*
 * Length of the part of the text that cannot change between two reads: up
 * to `volatile_from` (a field that moves on its own), or all of it.
 */
static long stable_length(const char *text, long len, const char *volatile_from)
{
	const char *at = volatile_from ? strstr(text, volatile_from) : NULL;
	return at ? at - text : len;
}

/* 2 checks per file. */
static void check(const char *path, size_t chunk, const char *volatile_from)
{
	long len = read_text(path, whole, sizeof(whole));
	long stable = stable_length(whole, len, volatile_from);
	int fd = open(path, O_RDONLY);
	long got = read_in_pieces(fd, chunk);
	ok(len > 0 && stable_length(pieces, got, volatile_from) == stable && !memcmp(whole, pieces, (size_t)stable),
	   "%s read %zu bytes at a time equals one read (%ld bytes)", path, chunk, len);
	lseek(fd, 0, SEEK_SET);
	got = read_in_pieces(fd, 4096);
	ok(stable_length(pieces, got, volatile_from) == stable && !memcmp(whole, pieces, (size_t)stable),
	   "%s again after lseek 0", path);
	close(fd);
}

/* Whether /proc/self/cmdline is argv, each string with its NUL. */
static bool cmdline_is_argv(int argc, char **argv)
{
	static char want[8192];
	size_t len = 0;
	for (int i = 0; i < argc; i++) {
		size_t n = strlen(argv[i]) + 1;
		if (len + n > sizeof(want))
			return false;
		memcpy(want + len, argv[i], n);
		len += n;
	}
	long got = read_text("/proc/self/cmdline", whole, sizeof(whole));
	return got == (long)len && !memcmp(whole, want, len);
}

static int exec_with_long_arg(void *arg)
{
	char **argv = arg;
	static char long_arg[3000];
	memset(long_arg, 'x', sizeof(long_arg) - 1);
	char *args[] = {argv[0], "cmdline-child", long_arg, NULL};
	execv(argv[0], args);
	return 127;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "cmdline-child"))
		return cmdline_is_argv(argc, argv) ? 0 : 1;
	/* Touch the buffers first: smaps must not change between the reads. */
	memset(whole, 1, sizeof(whole));
	memset(pieces, 1, sizeof(pieces));
	read_text("/proc/self/smaps", whole, sizeof(whole));
	plan(10);
	check("/proc/self/maps", 7, NULL);
	check("/proc/self/smaps", 100, NULL);
	/* Context switch counts move whenever the process sleeps or is preempted. */
	check("/proc/self/status", 13, "voluntary_ctxt_switches");
	check("/proc/self/maps", 1, NULL);
	ok(cmdline_is_argv(argc, argv), "/proc/self/cmdline is argv");
	int status = run_in_child(exec_with_long_arg, argv);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "/proc/self/cmdline with a 3000-byte argument (%s)",
	   describe_status(status));
	return done_testing();
}
