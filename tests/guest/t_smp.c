/* SPDX-License-Identifier: MIT */
/*
 * CPUs: sched_getaffinity and getcpu as Linux answers them, and busy
 * children that together run on every CPU this process may use. Linux
 * guarantees only that each runs on a CPU of its affinity mask; umbra's
 * scheduler (one run queue, idle CPUs woken for new work) also puts them
 * on every CPU, which is checked in the guest only (skipped natively).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "suite.h"

#define MAX_CHILDREN 8
#define SPIN_MS 5000

struct shared {
	unsigned long seen[CPU_SETSIZE / (8 * sizeof(unsigned long))];
	int bad_cpu; /* a child ran on a CPU outside the mask */
};

static cpu_set_t allowed;
static struct shared *sh;

static long ms_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int covered(void)
{
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &allowed) &&
		    !(__atomic_load_n(&sh->seen[c / 64], __ATOMIC_RELAXED) & (1UL << (c % 64))))
			return 0;
	return 1;
}

/* Spins in user mode, noting its CPU, until every allowed CPU was seen by
 * some child or the time is up. */
static int spinner(void *arg)
{
	(void)arg;
	long end = ms_now() + SPIN_MS;
	while (!covered() && ms_now() < end) {
		unsigned int cpu;
		if (syscall(SYS_getcpu, &cpu, NULL, NULL))
			return 1;
		if (cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, &allowed))
			__atomic_store_n(&sh->bad_cpu, 1, __ATOMIC_RELAXED);
		else
			__atomic_or_fetch(&sh->seen[cpu / 64], 1UL << (cpu % 64), __ATOMIC_RELAXED);
		for (volatile int i = 0; i < 100000; i++)
			;
	}
	return 0;
}

int main(void)
{
	plan(12);
	is_long(sched_getaffinity(0, sizeof(allowed), &allowed), 0, "sched_getaffinity(0)");
	int ncpu = CPU_COUNT(&allowed);
	ok(ncpu >= 1, "at least one CPU allowed (%d)", ncpu);

	unsigned long raw[16];
	long n = syscall(SYS_sched_getaffinity, 0, sizeof(raw), raw);
	ok(n > 0 && n % (long)sizeof(long) == 0 && n <= (long)sizeof(raw),
	   "the raw call returns the mask's size in whole longs (%ld)", n);
	is_errno(syscall(SYS_sched_getaffinity, 0, 1, raw), EINVAL,
		 "a length that is not whole longs: EINVAL");
	is_errno(syscall(SYS_sched_getaffinity, 0, sizeof(raw), unmapped_ptr()), EFAULT,
		 "an unmapped mask: EFAULT");
	pid_t gone = fork();
	if (gone == 0)
		_exit(0);
	wait_status(gone);
	is_errno(syscall(SYS_sched_getaffinity, gone, sizeof(raw), raw), ESRCH,
		 "a reaped child's pid: ESRCH");

	unsigned int cpu = ~0u, node = ~0u;
	is_long(syscall(SYS_getcpu, &cpu, &node, NULL), 0, "getcpu");
	ok(cpu < CPU_SETSIZE && CPU_ISSET(cpu, &allowed), "getcpu's CPU (%u) is an allowed one",
	   cpu);
	is_long(syscall(SYS_getcpu, NULL, NULL, NULL), 0, "getcpu with no pointers");
	is_errno(syscall(SYS_getcpu, unmapped_ptr(), NULL, NULL), EFAULT,
		 "getcpu to an unmapped address: EFAULT");

	sh = shared_page();
	memset(sh, 0, sizeof(*sh));
	int nchild = ncpu < MAX_CHILDREN ? ncpu : MAX_CHILDREN, fails = 0;
	pid_t pids[MAX_CHILDREN];
	for (int i = 0; i < nchild; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			_exit(spinner(NULL));
	}
	for (int i = 0; i < nchild; i++)
		fails += pids[i] < 0 || wait_status(pids[i]) != 0;
	ok(!fails && !sh->bad_cpu, "%d busy children ran only on allowed CPUs", nchild);
	if (access("/proc/umbra", F_OK) == 0)
		ok(covered() || ncpu > MAX_CHILDREN, "together they ran on all %d CPUs", ncpu);
	else
		skip(1, "Linux need not spread them over every CPU (checked in the guest)");
	return done_testing();
}
