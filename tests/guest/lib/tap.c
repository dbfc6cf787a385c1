/* SPDX-License-Identifier: MIT */
/* TAP output of the guest test suite: see suite.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "suite.h"

static int planned = -1, run, failed;

/* Writes the whole string to fd 1, unbuffered (see suite.h). */
static void put(const char *s)
{
	size_t len = strlen(s);
	while (len) {
		ssize_t n = write(1, s, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		s += n;
		len -= (size_t)n;
	}
}

PRINTF_LIKE(1, 2) static void putf(const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	put(line);
}

/* The result line; detail (may be "") goes after " # " on failure. */
static int report(int cond, const char *detail, const char *fmt, va_list ap)
{
	char name[512];
	vsnprintf(name, sizeof(name), fmt, ap);
	run++;
	if (!cond)
		failed++;
	if (cond || !*detail)
		putf("%sok %d - %s\n", cond ? "" : "not ", run, name);
	else
		putf("not ok %d - %s # %s\n", run, name, detail);
	return cond;
}

void plan(int count)
{
	planned = count;
	putf("1..%d\n", count);
}

int ok(int cond, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	report(cond, "", fmt, ap);
	va_end(ap);
	return cond;
}

int is_long(long got, long want, const char *fmt, ...)
{
	char detail[128];
	va_list ap;
	snprintf(detail, sizeof(detail), "got %ld want %ld", got, want);
	va_start(ap, fmt);
	report(got == want, detail, fmt, ap);
	va_end(ap);
	return got == want;
}

int is_hex(unsigned long got, unsigned long want, const char *fmt, ...)
{
	char detail[128];
	va_list ap;
	snprintf(detail, sizeof(detail), "got %#lx want %#lx", got, want);
	va_start(ap, fmt);
	report(got == want, detail, fmt, ap);
	va_end(ap);
	return got == want;
}

int is_str(const char *got, const char *want, const char *fmt, ...)
{
	char detail[600];
	int same = got && !strcmp(got, want);
	va_list ap;
	snprintf(detail, sizeof(detail), "got '%s' want '%s'", got ? got : "(null)", want);
	va_start(ap, fmt);
	report(same, detail, fmt, ap);
	va_end(ap);
	return same;
}

int is_errno(long ret, int want_errno, const char *fmt, ...)
{
	int err = errno;
	char detail[128];
	int pass = ret == -1 && err == want_errno;
	va_list ap;
	if (ret == -1)
		snprintf(detail, sizeof(detail), "got errno %s want %s", errno_name(err),
			 errno_name(want_errno));
	else
		snprintf(detail, sizeof(detail), "got success (%ld) want errno %s", ret,
			 errno_name(want_errno));
	va_start(ap, fmt);
	report(pass, detail, fmt, ap);
	va_end(ap);
	return pass;
}

int is_success(long ret, const char *fmt, ...)
{
	int err = errno;
	char detail[128];
	va_list ap;
	snprintf(detail, sizeof(detail), "failed with errno %s", errno_name(err));
	va_start(ap, fmt);
	report(ret != -1, detail, fmt, ap);
	va_end(ap);
	return ret != -1;
}

void skip(int count, const char *fmt, ...)
{
	char reason[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	while (count-- > 0)
		putf("ok %d - # SKIP %s\n", ++run, reason);
}

void diag(const char *fmt, ...)
{
	char text[900];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	putf("# %s\n", text);
}

/* The runner counts checks across programs: with SUITE_TALLY naming a
 * file, each program appends "RUN FAILED" to it (there are no pipes in the
 * guest to read the TAP back through). */
static void tally(void)
{
	const char *path = getenv("SUITE_TALLY");
	char line[64];
	if (!path)
		return;
	int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return;
	snprintf(line, sizeof(line), "%d %d\n", run, failed);
	if (write(fd, line, strlen(line)) < 0)
		diag("SUITE_TALLY %s: %s", path, strerror(errno));
	close(fd);
}

int done_testing(void)
{
	if (planned < 0)
		plan(run); /* TAP allows the plan at the end. */
	tally();
	if (run != planned) {
		diag("planned %d checks, ran %d", planned, run);
		return 1;
	}
	if (failed) {
		diag("failed %d of %d checks", failed, run);
		return 1;
	}
	return 0;
}

void bail_out(const char *fmt, ...)
{
	char text[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	putf("Bail out! %s\n", text);
	exit(255);
}

const char *errno_name(int err)
{
#define E(name) { name, #name }
	static const struct { int err; const char *name; } names[] = {
		E(EPERM), E(ENOENT), E(ESRCH), E(EINTR), E(EIO), E(ENXIO), E(E2BIG),
		E(ENOEXEC), E(EBADF), E(ECHILD), E(EAGAIN), E(ENOMEM), E(EACCES),
		E(EFAULT), E(EBUSY), E(EEXIST), E(EXDEV), E(ENODEV), E(ENOTDIR),
		E(EISDIR), E(EINVAL), E(ENFILE), E(EMFILE), E(ENOTTY), E(EFBIG),
		E(ENOSPC), E(ESPIPE), E(EROFS), E(ERANGE), E(ENAMETOOLONG), E(ENOSYS),
		E(ENOTEMPTY), E(ELOOP), E(EIDRM), E(EOVERFLOW), E(ETXTBSY), E(EOPNOTSUPP),
	};
#undef E
	static char number[16];
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].err == err)
			return names[i].name;
	snprintf(number, sizeof(number), "errno %d", err);
	return number;
}
