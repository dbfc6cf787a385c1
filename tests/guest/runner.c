/* SPDX-License-Identifier: MIT */
/*
 * Runs the guest test suite: runner [-t SECONDS] [-u UID] [-r ROUNDS] [DIR]
 * (DIR defaults to /bin, where the guest initrd has the programs; -u runs the
 * suite in a child that drops root for that uid, also as gid: the suite as a
 * normal user; -r runs it ROUNDS times, 1..100, with a summary line each:
 * a longer workload, e.g. for a test that talks to the VM meanwhile).
 *
 * The suite programs are the executables in DIR named t_*; everything else
 * there (this runner, hello, segv, ...) is not part of it. Each runs in turn
 * (fork + execve) with its TAP going straight to our stdout: there are no
 * pipes in the guest, so the verdict comes from the wait status. A program
 * passes iff it exits 0; one still running after the time limit is killed.
 * Prints "PASS name" or "FAIL name (exit N | signal S | timeout)" per program
 * and a summary line with the programs and the checks they ran (each
 * program's TAP library appends its counts to the file SUITE_TALLY names);
 * exits 0 iff all passed.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <grp.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_PROGRAMS 512

extern char **environ;

static volatile pid_t running_child;
static volatile sig_atomic_t timed_out;

/* SIGALRM: the current test ran past its limit. */
static void on_timeout(int sig)
{
	(void)sig;
	timed_out = 1;
	if (running_child > 0)
		kill(running_child, SIGKILL);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The suite's programs in dir, sorted; returns how many, or -1. */
static int list_programs(const char *dir, char **names)
{
	DIR *d = opendir(dir);
	struct dirent *entry;
	int count = 0;
	if (!d)
		return -1;
	while ((entry = readdir(d)) && count < MAX_PROGRAMS) {
		char path[4096];
		struct stat st;
		if (strncmp(entry->d_name, "t_", 2))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, entry->d_name);
		if (stat(path, &st) || !S_ISREG(st.st_mode) || !(st.st_mode & S_IXUSR))
			continue;
		names[count++] = strdup(entry->d_name);
	}
	closedir(d);
	qsort(names, (size_t)count, sizeof(*names), by_name);
	return count;
}

/* Runs one program; returns 1 if it passed. */
static int run_program(const char *dir, const char *name, unsigned timeout)
{
	char path[4096];
	int status;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	printf("# %s\n", path);
	fflush(stdout);
	timed_out = 0;
	pid_t pid = fork();
	if (pid < 0) {
		printf("FAIL %s (fork: %s)\n", name, strerror(errno));
		return 0;
	}
	if (pid == 0) {
		char *argv[] = {path, NULL};
		execve(path, argv, environ);
		dprintf(2, "runner: execve %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	running_child = pid;
	alarm(timeout);
	while (wait4(pid, &status, 0, NULL) < 0)
		if (errno != EINTR) {
			printf("FAIL %s (wait4: %s)\n", name, strerror(errno));
			return 0;
		}
	alarm(0);
	running_child = 0;
	if (timed_out)
		printf("FAIL %s (timeout after %u s)\n", name, timeout);
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		printf("PASS %s\n", name);
	else if (WIFEXITED(status))
		printf("FAIL %s (exit %d)\n", name, WEXITSTATUS(status));
	else
		printf("FAIL %s (signal %d)\n", name, WTERMSIG(status));
	fflush(stdout);
	return !timed_out && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* -u: the suite runs in a child that becomes uid (and gid); this process
 * stays root and passes the child's status on. As /init in the guest that
 * keeps pid 1 root-owned, as on a Linux machine, where tests assume it
 * (kill(1, 0) from a normal user is EPERM). Returns 0 in the child. */
static int drop_root(uid_t uid)
{
	int status;
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "runner: fork: %s\n", strerror(errno));
		return 2;
	}
	if (pid > 0) {
		while (waitpid(pid, &status, 0) < 0)
			if (errno != EINTR)
				exit(2);
		exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	}
	if (setgroups(0, NULL) || setgid(uid) || setuid(uid)) {
		fprintf(stderr, "runner: cannot become uid %u: %s\n", (unsigned)uid, strerror(errno));
		return 2;
	}
	return 0;
}

/* A tally file for the programs' check counts, named in SUITE_TALLY. */
static int open_tally(char *path, size_t size)
{
	snprintf(path, size, "/tmp/suite-tally.XXXXXX");
	int fd = mkstemp(path);
	if (fd < 0 || setenv("SUITE_TALLY", path, 1)) {
		fprintf(stderr, "runner: cannot make a tally file in /tmp: %s\n", strerror(errno));
		return -1;
	}
	return fd;
}

/* Sums the "RUN FAILED" lines the programs appended. */
static void read_tally(int fd, long *checks, long *failed)
{
	FILE *f = fdopen(fd, "r");
	int run, bad;
	*checks = *failed = 0;
	if (!f)
		return;
	rewind(f);
	while (fscanf(f, "%d %d", &run, &bad) == 2) {
		*checks += run;
		*failed += bad;
	}
	fclose(f);
}

int main(int argc, char **argv)
{
	static char *names[MAX_PROGRAMS];
	char tally_path[64];
	long checks, checks_failed;
	const char *dir = "/bin";
	/* Only a hang detector: nested under TCG, with the ASan/UBSan VMM and a
	 * 32-page shadow budget on a loaded 2-core machine, t_fork_many has
	 * needed more than 60 s. The nested suite's own limit is 900 s. */
	unsigned timeout = 300;
	int opt, count, rounds = 1, failed_rounds = 0;
	struct sigaction alarm_action = {0};

	while ((opt = getopt(argc, argv, "t:u:r:")) != -1) {
		if (opt == 't') {
			timeout = (unsigned)atoi(optarg);
		} else if (opt == 'u') {
			if (drop_root((uid_t)atoi(optarg)))
				return 2;
		} else if (opt == 'r' && atoi(optarg) >= 1 && atoi(optarg) <= 100) {
			rounds = atoi(optarg);
		} else {
			fprintf(stderr, "usage: runner [-t SECONDS] [-u UID] [-r ROUNDS (1..100)] [DIR]\n");
			return 2;
		}
	}
	if (optind < argc)
		dir = argv[optind];

	alarm_action.sa_handler = on_timeout;
	sigaction(SIGALRM, &alarm_action, NULL);

	count = list_programs(dir, names);
	if (count <= 0) {
		printf("suite: no t_* programs in %s\n", dir);
		return 1;
	}
	for (int round = 0; round < rounds; round++) {
		int tally_fd = open_tally(tally_path, sizeof(tally_path));
		if (tally_fd < 0)
			return 2;
		int passed = 0;
		for (int i = 0; i < count; i++)
			passed += run_program(dir, names[i], timeout);
		read_tally(tally_fd, &checks, &checks_failed);
		unlink(tally_path);
		printf("suite: %d programs, %d passed, %d failed; %ld checks, %ld failed\n", count,
		       passed, count - passed, checks, checks_failed);
		failed_rounds += passed != count || checks_failed != 0;
	}
	return failed_rounds ? 1 : 0;
}
