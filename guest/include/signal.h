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

const char *signal_name(int sig);


#endif
