/* SPDX-License-Identifier: MIT */
/* struct rusage as user space sees it (wait4 and getrusage fill it). */
#ifndef GUEST_RESOURCE_H
#define GUEST_RESOURCE_H

#include <stdint.h>

struct rusage_k {
	int64_t ru_utime[2], ru_stime[2];
	int64_t ru_maxrss, ru_ixrss, ru_idrss, ru_isrss, ru_minflt, ru_majflt, ru_nswap;
	int64_t ru_inblock, ru_oublock, ru_msgsnd, ru_msgrcv, ru_nsignals, ru_nvcsw, ru_nivcsw;
};

/* Nanoseconds as a struct timeval {seconds, microseconds}. */
static inline void ns_to_tv(uint64_t ns, int64_t tv[2])
{
	tv[0] = ns / 1000000000;
	tv[1] = ns % 1000000000 / 1000;
}

#endif
