/* SPDX-License-Identifier: MIT */
/* Signal numbers (Linux x86-64) and the little signal state there is yet:
 * masks and actions are recorded for the C library, but no signal is
 * delivered; a fault kills the process. */
#ifndef GUEST_SIGNAL_H
#define GUEST_SIGNAL_H

#include <stdint.h>

#define SIGHUP 1
#define SIGINT 2
#define SIGQUIT 3
#define SIGILL 4
#define SIGTRAP 5
#define SIGABRT 6
#define SIGBUS 7
#define SIGFPE 8
#define SIGKILL 9
#define SIGSEGV 11
#define SIGUSR1 10
#define SIGUSR2 12
#define SIGPIPE 13
#define SIGALRM 14
#define SIGTERM 15
#define SIGCHLD 17
#define SIGCONT 18
#define SIGSTOP 19
#define _NSIG 64

#define SIG_BLOCK 0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2

typedef uint64_t sigset_t;

/* The kernel's struct sigaction (not libc's). */
struct k_sigaction {
	uint64_t handler;
	uint64_t flags;
	uint64_t restorer;
	sigset_t mask;
};

/* siginfo as the kernel keeps it; copied out in Linux's 128-byte layout. */
struct kernel_siginfo {
	int si_signo, si_errno, si_code;
	int si_pid, si_uid; /* kill */
	int si_status;      /* SIGCHLD */
	uint64_t si_addr;   /* faults */
};

/* si_code values */
#define SI_USER 0
#define SI_KERNEL 0x80
#define SI_TKILL (-6)
#define SEGV_MAPERR 1
#define SEGV_ACCERR 2
#define SEGV_PKUERR 4
#define BUS_ADRALN 1
#define BUS_ADRERR 2
#define BUS_OBJERR 3
#define ILL_ILLOPN 2
#define FPE_INTDIV 1
#define TRAP_BRKPT 1

const char *signal_name(int sig);

#endif
