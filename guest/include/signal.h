/* SPDX-License-Identifier: MIT */
/* Signal numbers, actions and siginfo in the Linux x86-64 ABI. */
#ifndef GUEST_SIGNAL_H
#define GUEST_SIGNAL_H

#include <stddef.h>
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
#define SIGUSR1 10
#define SIGSEGV 11
#define SIGUSR2 12
#define SIGPIPE 13
#define SIGALRM 14
#define SIGTERM 15
#define SIGSTKFLT 16
#define SIGCHLD 17
#define SIGCONT 18
#define SIGSTOP 19
#define SIGTSTP 20
#define SIGTTIN 21
#define SIGTTOU 22
#define SIGURG 23
#define SIGXCPU 24
#define SIGXFSZ 25
#define SIGVTALRM 26
#define SIGPROF 27
#define SIGWINCH 28
#define SIGIO 29
#define SIGPWR 30
#define SIGSYS 31
#define SIGRTMIN 32
#define _NSIG 64

#define SIG_BLOCK 0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2

#define SIG_DFL 0UL
#define SIG_IGN 1UL

/* sa_flags */
#define SA_NOCLDSTOP 0x00000001UL
#define SA_NOCLDWAIT 0x00000002UL
#define SA_SIGINFO 0x00000004UL
#define SA_RESTORER 0x04000000UL
#define SA_ONSTACK 0x08000000UL
#define SA_RESTART 0x10000000UL
#define SA_NODEFER 0x40000000UL
#define SA_RESETHAND 0x80000000UL

/* sigaltstack */
#define SS_ONSTACK 1
#define SS_DISABLE 2
#define SS_AUTODISARM (1U << 31)
#define MINSIGSTKSZ 2048

typedef uint64_t sigset_t;

static inline sigset_t sigmask(int sig)
{
	return 1UL << (sig - 1);
}

/* The kernel's struct sigaction (not libc's). */
struct k_sigaction {
	uint64_t handler;
	uint64_t flags;
	uint64_t restorer;
	sigset_t mask;
};

/* siginfo in Linux's 128-byte user layout, so it is copied out as is. */
struct kernel_siginfo {
	int si_signo, si_errno, si_code;
	int _pad0;
	union {
		struct {
			int pid;
			unsigned int uid;
			uint64_t value; /* sigqueue, timers */
		} kill;
		struct {
			int pid;
			unsigned int uid;
			int status;
			int _pad;
			int64_t utime, stime;
		} chld;
		struct {
			uint64_t addr;
		} fault;
		uint64_t _raw[14];
	} _sifields;
};
_Static_assert(sizeof(struct kernel_siginfo) == 128, "siginfo");
#define si_pid _sifields.kill.pid
#define si_uid _sifields.kill.uid
#define si_value _sifields.kill.value
#define si_status _sifields.chld.status
#define si_utime _sifields.chld.utime
#define si_stime _sifields.chld.stime
#define si_addr _sifields.fault.addr

/* si_code values */
#define SI_USER 0
#define SI_KERNEL 0x80
#define SI_QUEUE (-1)
#define SI_TIMER (-2)
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
#define CLD_EXITED 1
#define CLD_KILLED 2
#define CLD_DUMPED 3
#define CLD_TRAPPED 4
#define CLD_STOPPED 5
#define CLD_CONTINUED 6

const char *signal_name(int sig);

#endif
