/* SPDX-License-Identifier: MIT */
/*
 * /proc files read in small pieces give the same text as one big read
 * (seq_file semantics), and lseek back to 0 starts over.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
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

int main(void)
{
	/* Touch the buffers first: smaps must not change between the reads. */
	memset(whole, 1, sizeof(whole));
	memset(pieces, 1, sizeof(pieces));
	read_text("/proc/self/smaps", whole, sizeof(whole));
	plan(8);
	check("/proc/self/maps", 7, NULL);
	check("/proc/self/smaps", 100, NULL);
	/* Context switch counts move whenever the process sleeps or is preempted. */
	check("/proc/self/status", 13, "voluntary_ctxt_switches");
	check("/proc/self/maps", 1, NULL);
	return done_testing();
}
