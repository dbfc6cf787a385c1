// SPDX-License-Identifier: MIT
/*
 * Clocks and sleeps: CLOCK_MONOTONIC/BOOTTIME count TSC time since the
 * kernel's entry; CLOCK_REALTIME adds the host's wall clock, read once at
 * boot from KVM's paravirtual clock (a fixed date when there is none).
 * nanosleep, clock_nanosleep, ITIMER_REAL and alarm; the timer interrupt
 * (sched.c) ends the sleeps and fires the timers.
 */
#include "apic.h"
#include "bootinfo.h"
#include "errno.h"
#include "page.h"
#include "printk.h"
#include "sched.h"
#include "string.h"
#include "syscall.h"
#include "uaccess.h"
#include "x86.h"

#define NSEC_PER_SEC 1000000000ULL
#define NSEC_PER_USEC 1000ULL

#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID 3
#define CLOCK_MONOTONIC_RAW 4
#define CLOCK_REALTIME_COARSE 5
#define CLOCK_MONOTONIC_COARSE 6
#define CLOCK_BOOTTIME 7
#define CLOCK_REALTIME_ALARM 8
#define CLOCK_BOOTTIME_ALARM 9
#define CLOCK_TAI 11
#define TIMER_ABSTIME 1
#define COARSE_RES_NS 4000000ULL

#define ITIMER_REAL 0
#define ITIMER_VIRTUAL 1
#define ITIMER_PROF 2

/* KVM's paravirtual clock (Documentation/virt/kvm/x86/msr.rst). */
#define KVM_CPUID_SIGNATURE 0x40000000
#define KVM_CPUID_FEATURES 0x40000001
#define KVM_FEATURE_CLOCKSOURCE2 (1U << 3)
#define MSR_KVM_WALL_CLOCK_NEW 0x4b564d00
#define MSR_KVM_SYSTEM_TIME_NEW 0x4b564d01

/* 2026-01-01 00:00:00 UTC: the wall clock when the host gives none. */
#define FALLBACK_EPOCH 1767225600ULL

struct pvclock_wall_clock {
	uint32_t version, sec, nsec;
} __packed;

struct pvclock_vcpu_time_info {
	uint32_t version, pad0;
	uint64_t tsc_timestamp, system_time;
	uint32_t tsc_to_system_mul;
	int8_t tsc_shift;
	uint8_t flags, pad[2];
} __packed;

struct timespec64 {
	int64_t tv_sec, tv_nsec;
};
struct timeval64 {
	int64_t tv_sec, tv_usec;
};
struct itimerval64 {
	struct timeval64 it_interval, it_value;
};

static uint64_t real_offset_ns; /* CLOCK_REALTIME - CLOCK_MONOTONIC */

static uint64_t cycles_to_ns(uint64_t cycles)
{
	uint64_t khz = boot_info.tsc_khz ? boot_info.tsc_khz : 1000000;
	return cycles / khz * 1000000 + cycles % khz * 1000000 / khz;
}

uint64_t ktime_get_ns(void)
{
	return cycles_to_ns(rdtsc() - boot_tsc);
}

uint64_t ktime_get_real_ns(void)
{
	return real_offset_ns + ktime_get_ns();
}

static uint64_t pvclock_scale(uint64_t delta, const struct pvclock_vcpu_time_info *t)
{
	if (t->tsc_shift < 0)
		delta >>= -t->tsc_shift;
	else
		delta <<= t->tsc_shift;
	return (uint64_t)(((unsigned __int128)delta * t->tsc_to_system_mul) >> 32);
}

static bool kvm_wall_clock(uint64_t *real_ns)
{
	static struct pvclock_wall_clock wc __aligned(16);
	static struct pvclock_vcpu_time_info ti __aligned(32);
	uint32_t a, b, c, d;
	char sig[13] = {0};

	cpuid(KVM_CPUID_SIGNATURE, 0, &a, &b, &c, &d);
	memcpy(sig, &b, 4);
	memcpy(sig + 4, &c, 4);
	memcpy(sig + 8, &d, 4);
	if (strcmp(sig, "KVMKVMKVM") || a < KVM_CPUID_FEATURES)
		return false;
	cpuid(KVM_CPUID_FEATURES, 0, &a, &b, &c, &d);
	if (!(a & KVM_FEATURE_CLOCKSOURCE2))
		return false;
	wrmsr(MSR_KVM_SYSTEM_TIME_NEW, __pa_symbol(&ti) | 1);
	wrmsr(MSR_KVM_WALL_CLOCK_NEW, __pa_symbol(&wc));
	uint64_t tsc = rdtsc();
	uint64_t kvm_ns = ti.system_time + pvclock_scale(tsc - ti.tsc_timestamp, &ti);
	wrmsr(MSR_KVM_SYSTEM_TIME_NEW, 0);
	if (!wc.sec)
		return false;
	*real_ns = wc.sec * NSEC_PER_SEC + wc.nsec + kvm_ns - cycles_to_ns(tsc - boot_tsc);
	return true;
}

void time_init(void)
{
	if (!kvm_wall_clock(&real_offset_ns)) {
		pr_info("no paravirtual wall clock: CLOCK_REALTIME starts at a fixed date");
		real_offset_ns = FALLBACK_EPOCH * NSEC_PER_SEC;
	}
	apic_init(boot_info.tsc_khz);
}

static int put_timespec(uint64_t uaddr, uint64_t ns)
{
	struct timespec64 ts = {(int64_t)(ns / NSEC_PER_SEC), (int64_t)(ns % NSEC_PER_SEC)};
	return copy_to_user(uaddr, &ts, sizeof(ts));
}

/* A user timespec as ns; -EFAULT or -EINVAL (out of range). */
static int get_timespec(uint64_t uaddr, uint64_t *ns)
{
	struct timespec64 ts;
	if (copy_from_user(&ts, uaddr, sizeof(ts)))
		return -EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= (int64_t)NSEC_PER_SEC)
		return -EINVAL;
	/* Far deadlines saturate. */
	*ns = (uint64_t)ts.tv_sec > UINT64_MAX / NSEC_PER_SEC / 2 ? UINT64_MAX / 2
								: ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
	return 0;
}

static uint64_t process_cputime(void)
{
	struct task_struct *p = current;
	return p->utime_ns + p->stime_ns + (ktime_get_ns() - p->last_ran_ns);
}

/* The clock's time in ns, or -EINVAL. */
static int64_t clock_read(int64_t id)
{
	switch (id) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
	case CLOCK_REALTIME_ALARM:
	case CLOCK_TAI:
		return ktime_get_real_ns();
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
	case CLOCK_BOOTTIME_ALARM:
		return ktime_get_ns();
	case CLOCK_PROCESS_CPUTIME_ID:
	case CLOCK_THREAD_CPUTIME_ID:
		return process_cputime();
	}
	return -EINVAL;
}

SYSCALL_DEFINE2(clock_gettime, int64_t, which, uint64_t, tp)
{
	int64_t ns = clock_read(which);
	if (ns < 0)
		return ns;
	return put_timespec(tp, ns);
}

SYSCALL_DEFINE2(clock_getres, int64_t, which, uint64_t, tp)
{
	if (clock_read(which) < 0)
		return -EINVAL;
	bool coarse = which == CLOCK_REALTIME_COARSE || which == CLOCK_MONOTONIC_COARSE;
	return tp ? put_timespec(tp, coarse ? COARSE_RES_NS : 1) : 0;
}

SYSCALL_DEFINE2(gettimeofday, uint64_t, tv, uint64_t, tz)
{
	if (tv) {
		uint64_t ns = ktime_get_real_ns();
		struct timeval64 t = {(int64_t)(ns / NSEC_PER_SEC), (int64_t)(ns % NSEC_PER_SEC / 1000)};
		if (copy_to_user(tv, &t, sizeof(t)))
			return -EFAULT;
	}
	if (tz) {
		int zone[2] = {0, 0};
		if (copy_to_user(tz, zone, sizeof(zone)))
			return -EFAULT;
	}
	return 0;
}

SYSCALL_DEFINE1(time, uint64_t, tloc)
{
	int64_t t = ktime_get_real_ns() / NSEC_PER_SEC;
	if (tloc && copy_to_user(tloc, &t, sizeof(t)))
		return -EFAULT;
	return t;
}

static long nanosleep_restart(struct restart_block *rb);

/* Sleeps until the monotonic deadline. On a signal: the time left goes to
 * rem (if any); EINTR when a handler runs, else restart_syscall sleeps on
 * to the same deadline. An absolute sleep is simply restarted. */
static long do_nanosleep(uint64_t deadline, uint64_t rem, bool absolute)
{
	if (!schedule_hrtimeout(deadline))
		return 0;
	if (absolute)
		return -ERESTARTNOHAND;
	uint64_t now = ktime_get_ns();
	if (rem && put_timespec(rem, deadline > now ? deadline - now : 0))
		return -EFAULT;
	struct restart_block *rb = &current->restart_block;
	rb->fn = nanosleep_restart;
	rb->deadline_ns = deadline;
	rb->rmtp = rem;
	return -ERESTART_RESTARTBLOCK;
}

static long nanosleep_restart(struct restart_block *rb)
{
	return do_nanosleep(rb->deadline_ns, rb->rmtp, false);
}

SYSCALL_DEFINE2(nanosleep, uint64_t, rqtp, uint64_t, rmtp)
{
	uint64_t ns;
	int err = get_timespec(rqtp, &ns);
	if (err)
		return err;
	return do_nanosleep(ktime_get_ns() + ns, rmtp, false);
}

SYSCALL_DEFINE4(clock_nanosleep, int64_t, which, int, flags, uint64_t, rqtp, uint64_t, rmtp)
{
	uint64_t ns, now = ktime_get_ns();
	if (which == CLOCK_PROCESS_CPUTIME_ID || which == CLOCK_THREAD_CPUTIME_ID)
		return which == CLOCK_THREAD_CPUTIME_ID ? -EINVAL : -ENOTSUP;
	int64_t clock_now = clock_read(which);
	if (clock_now < 0 || which == CLOCK_MONOTONIC_RAW || which == CLOCK_REALTIME_COARSE ||
	    which == CLOCK_MONOTONIC_COARSE)
		return -EINVAL;
	int err = get_timespec(rqtp, &ns);
	if (err)
		return err;
	if (flags & TIMER_ABSTIME) {
		uint64_t left = ns > (uint64_t)clock_now ? ns - clock_now : 0;
		return do_nanosleep(now + left, 0, true);
	}
	return do_nanosleep(now + ns, rmtp, false);
}

/* --- interval timers ---------------------------------------------------- */

static void ns_to_timeval(uint64_t ns, struct timeval64 *tv)
{
	tv->tv_sec = ns / NSEC_PER_SEC;
	tv->tv_usec = ns % NSEC_PER_SEC / NSEC_PER_USEC;
}

static int timeval_to_ns(const struct timeval64 *tv, uint64_t *ns)
{
	if (tv->tv_sec < 0 || tv->tv_usec < 0 || tv->tv_usec >= 1000000)
		return -EINVAL;
	*ns = tv->tv_sec * NSEC_PER_SEC + tv->tv_usec * NSEC_PER_USEC;
	return 0;
}

static void get_itimer(int which, struct itimerval64 *v)
{
	struct task_struct *p = current;
	uint64_t value = 0, incr = 0, now = ktime_get_ns();
	if (which == ITIMER_REAL) {
		if (p->it_real_expires)
			value = p->it_real_expires > now ? p->it_real_expires - now : NSEC_PER_USEC;
		incr = p->it_real_incr;
	} else {
		const uint64_t *t = which == ITIMER_VIRTUAL ? p->it_virt : p->it_prof;
		value = t[0];
		incr = t[1];
	}
	ns_to_timeval(value, &v->it_value);
	ns_to_timeval(incr, &v->it_interval);
}

static void set_itimer_real(uint64_t value, uint64_t incr)
{
	struct task_struct *p = current;
	p->it_real_expires = value ? ktime_get_ns() + value : 0;
	p->it_real_incr = value ? incr : 0;
	timer_reprogram();
}

SYSCALL_DEFINE2(getitimer, int, which, uint64_t, value)
{
	struct itimerval64 v;
	if (which < ITIMER_REAL || which > ITIMER_PROF)
		return -EINVAL;
	get_itimer(which, &v);
	return copy_to_user(value, &v, sizeof(v));
}

SYSCALL_DEFINE3(setitimer, int, which, uint64_t, value, uint64_t, ovalue)
{
	struct itimerval64 v = {0}, old;
	uint64_t val, incr;
	if (value && copy_from_user(&v, value, sizeof(v)))
		return -EFAULT;
	if (which < ITIMER_REAL || which > ITIMER_PROF)
		return -EINVAL;
	if (timeval_to_ns(&v.it_value, &val) || timeval_to_ns(&v.it_interval, &incr))
		return -EINVAL;
	get_itimer(which, &old);
	if (ovalue && copy_to_user(ovalue, &old, sizeof(old)))
		return -EFAULT;
	if (which == ITIMER_REAL) {
		set_itimer_real(val, incr);
	} else {
		uint64_t *t = which == ITIMER_VIRTUAL ? current->it_virt : current->it_prof;
		t[0] = val;
		t[1] = val ? incr : 0;
	}
	return 0;
}

SYSCALL_DEFINE1(alarm, unsigned int, seconds)
{
	struct itimerval64 old;
	get_itimer(ITIMER_REAL, &old);
	set_itimer_real(seconds * NSEC_PER_SEC, 0);
	/* As Linux: rounded to the nearest second, and never 0 while armed. */
	long left = old.it_value.tv_sec + (old.it_value.tv_usec >= 500000);
	if (!left && (old.it_value.tv_sec || old.it_value.tv_usec))
		left = 1;
	return left;
}
