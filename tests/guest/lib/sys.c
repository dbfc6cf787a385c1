/* SPDX-License-Identifier: MIT */
/* Process, signal and file helpers of the guest test suite: see suite.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "suite.h"

int wait_status(pid_t pid)
{
	int status;
	for (;;) {
		pid_t got = wait4(pid, &status, 0, NULL);
		if (got == pid)
			return status;
		if (got < 0 && errno != EINTR)
			return -1;
	}
}

int run_in_child(int (*fn)(void *arg), void *arg)
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(fn(arg));
	return wait_status(pid);
}

const char *describe_status(int status)
{
	static char text[32];
	if (status == -1)
		snprintf(text, sizeof(text), "no status");
	else if (WIFEXITED(status))
		snprintf(text, sizeof(text), "exit %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(text, sizeof(text), "signal %d", WTERMSIG(status));
	else
		snprintf(text, sizeof(text), "status %#x", status);
	return text;
}

int is_root(void)
{
	return geteuid() == 0;
}

void sleep_ms(long ms)
{
	struct timespec left = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&left, &left) && errno == EINTR)
		;
}

int wait_for_word(volatile int *flag, int value, long timeout_ms)
{
	/* Polls with short sleeps: the guest has no futex waits. */
	for (long waited = 0; waited <= timeout_ms; waited++) {
		if (*flag == value)
			return 1;
		sleep_ms(1);
	}
	return *flag == value;
}

void *shared_page(void)
{
	void *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

unsigned long sys_brk(unsigned long addr)
{
	return (unsigned long)syscall(SYS_brk, addr);
}

void *brk_grow(size_t len)
{
	unsigned long old = sys_brk(0);
	return sys_brk(old + len) == old + len ? (void *)old : NULL;
}

/* State of call_catching: where the handler jumps back to, and what it saw. */
static sigjmp_buf fault_return;
static siginfo_t fault_info;

static void fault_handler(int sig, siginfo_t *info, void *context)
{
	(void)sig;
	(void)context;
	fault_info = *info;
	siglongjmp(fault_return, 1);
}

int call_catching(void (*fn)(void *arg), void *arg, siginfo_t *info)
{
	struct sigaction catch = {0}, old_segv, old_bus;
	volatile int sig = 0;

	catch.sa_sigaction = fault_handler;
	catch.sa_flags = SA_SIGINFO;
	sigemptyset(&catch.sa_mask);
	sigaction(SIGSEGV, &catch, &old_segv);
	sigaction(SIGBUS, &catch, &old_bus);
	memset(&fault_info, 0, sizeof(fault_info));
	/* savemask = 1: the jump also unblocks the signal the handler runs with. */
	if (sigsetjmp(fault_return, 1) == 0)
		fn(arg);
	else
		sig = fault_info.si_signo;
	sigaction(SIGSEGV, &old_segv, NULL);
	sigaction(SIGBUS, &old_bus, NULL);
	if (info)
		*info = fault_info;
	return sig;
}

static void read_byte(void *addr)
{
	(void)*(volatile char *)addr;
}

/* Writes back the byte read: a probe must not change the data it tests. */
static void write_byte(void *addr)
{
	volatile char *p = addr;
	*p = *p;
}

int probe_access(volatile void *addr, int write, siginfo_t *info)
{
	return call_catching(write ? write_byte : read_byte, (void *)addr, info);
}

void *unmapped_ptr(void)
{
	return (void *)16;
}

void *kernel_ptr(void)
{
	return (void *)0xffff888000001000UL;
}

void scratch_path(char *buf, size_t len, const char *dir, const char *name)
{
	snprintf(buf, len, "%s/umbra-%d-%s", dir, (int)getpid(), name);
}

int make_file(const char *path, size_t size, unsigned seed)
{
	unsigned char chunk[PAGE];
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	for (size_t done = 0; done < size;) {
		size_t n = size - done < sizeof(chunk) ? size - done : sizeof(chunk);
		for (size_t i = 0; i < n; i++)
			chunk[i] = (unsigned char)(seed + done + i);
		if (write(fd, chunk, n) != (ssize_t)n) {
			close(fd);
			return -1;
		}
		done += n;
	}
	return fd;
}

long read_text(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	size_t used = 0;
	if (fd < 0)
		return -1;
	/* /proc files come in pieces: read until EOF. */
	while (used + 1 < len) {
		ssize_t n = read(fd, buf + used, len - 1 - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		used += (size_t)n;
	}
	buf[used] = 0;
	close(fd);
	return (long)used;
}
