/* SPDX-License-Identifier: MIT */
/*
 * execve of static binaries: this program re-executes itself in a helper mode
 * (argv[1] == "helper") that checks what an exec must keep and what it must
 * reset, and reports through its exit status; and runs the suite's `hello`
 * program. Then execve's error returns.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "suite.h"

/* A mapping made before the exec, at a fixed address: gone after it. */
#define MARKER_ADDR ((void *)0x3f0000000000UL)

/* What the helper checks; a set bit in its exit status is a failed check. */
enum {
	BAD_ARGC = 1, BAD_ARGV = 2, BAD_ENV = 4, BAD_PID = 8,
	BAD_OLD_MAPPING = 16, BAD_MASK = 32, BAD_HANDLER = 64, BAD_IGNORED = 128,
};

static void on_usr1(int sig)
{
	(void)sig;
}

static int helper(int argc, char **argv)
{
	struct sigaction usr1, term;
	sigset_t mask;
	int bad = 0;
	if (argc != 4)
		return BAD_ARGC;
	if (strcmp(argv[3], "two words"))
		bad |= BAD_ARGV;
	if (!getenv("UMBRA_EXEC") || strcmp(getenv("UMBRA_EXEC"), "yes"))
		bad |= BAD_ENV;
	if (atol(argv[2]) != getpid())
		bad |= BAD_PID;
	if (maps_count(MARKER_ADDR, PAGE) != 0)
		bad |= BAD_OLD_MAPPING;
	sigprocmask(SIG_SETMASK, NULL, &mask);
	if (!sigismember(&mask, SIGUSR2))
		bad |= BAD_MASK;
	sigaction(SIGUSR1, NULL, &usr1);
	if (usr1.sa_handler != SIG_DFL)
		bad |= BAD_HANDLER;
	sigaction(SIGTERM, NULL, &term);
	if (term.sa_handler != SIG_IGN)
		bad |= BAD_IGNORED;
	return bad;
}

/* Runs in the child: sets up state, then becomes the helper. */
static int exec_helper(void *self)
{
	char pid[32];
	sigset_t block;
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	char *argv[] = {self, "helper", pid, "two words", NULL};
	char *envp[] = {"UMBRA_EXEC=yes", NULL};
	if (mmap(MARKER_ADDR, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
		 -1, 0) != MARKER_ADDR)
		return 200;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR2);
	sigprocmask(SIG_BLOCK, &block, NULL);
	signal(SIGUSR1, on_usr1);
	signal(SIGTERM, SIG_IGN);
	execve(self, argv, envp);
	return 201;
}

/* Runs `hello 5` next to this program, its output sent to /dev/null. */
static int exec_hello(void *self)
{
	char dir[4096], path[4200];
	snprintf(dir, sizeof(dir), "%s", (char *)self);
	snprintf(path, sizeof(path), "%s/hello", dirname(dir));
	char *argv[] = {path, "5", NULL};
	close(1);
	if (open("/dev/null", O_WRONLY) != 1)
		return 202;
	execve(path, argv, (char *[]){NULL});
	return 203;
}

int main(int argc, char **argv)
{
	char text[160], plain[128], noexec[128];
	char *empty_env[] = {NULL};
	if (argc > 1 && !strcmp(argv[1], "helper"))
		return helper(argc, argv);

	plan(18);
	int status = run_in_child(exec_helper, argv[0]);
	ok(WIFEXITED(status) && WEXITSTATUS(status) < 200, "execve of itself ran the helper (%s)",
	   describe_status(status));
	int bad = WIFEXITED(status) ? WEXITSTATUS(status) : 255;
	ok(!(bad & BAD_ARGC), "helper got argc 4");
	ok(!(bad & BAD_ARGV), "helper got argv intact (with a space inside an argument)");
	ok(!(bad & BAD_ENV), "helper got the new environment");
	ok(!(bad & BAD_PID), "pid unchanged across execve");
	ok(!(bad & BAD_OLD_MAPPING), "mappings of the old image are gone");
	ok(!(bad & BAD_MASK), "blocked signal mask kept across execve");
	ok(!(bad & BAD_HANDLER), "caught signal reset to SIG_DFL by execve");
	ok(!(bad & BAD_IGNORED), "ignored signal stays ignored across execve");

	status = run_in_child(exec_hello, argv[0]);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 5, "execve of hello 5: exit 5 (%s)",
	   describe_status(status));

	/* Error returns; a failed execve returns to the caller. */
	char *args[] = {"x", NULL};
	is_errno(execve("/nonexistent/prog", args, empty_env), ENOENT, "execve missing file: ENOENT");
	is_errno(execve("/tmp", args, empty_env), EACCES, "execve a directory: EACCES");
	scratch_path(plain, sizeof(plain), "/tmp", "plain");
	scratch_path(noexec, sizeof(noexec), "/tmp", "noexec");
	int fd = make_file(plain, 100, 0);
	close(fd);
	chmod(plain, 0644);
	is_errno(execve(plain, args, empty_env), EACCES, "execve a file without x bits: EACCES");
	fd = open(noexec, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	ok(fd >= 0 && write(fd, "garbage, not ELF\n", 17) == 17, "wrote a non-ELF executable");
	close(fd);
	is_errno(execve(noexec, args, empty_env), ENOEXEC, "execve non-ELF without #!: ENOEXEC");
	is_errno(execve(unmapped_ptr(), args, empty_env), EFAULT, "execve with a bad path pointer: EFAULT");
	snprintf(text, sizeof(text), "%s/sub", plain);
	is_errno(execve(text, args, empty_env), ENOTDIR, "execve with a file as a directory: ENOTDIR");
	is_errno(execve("", args, empty_env), ENOENT, "execve of an empty path: ENOENT");
	unlink(plain);
	unlink(noexec);
	return done_testing();
}
