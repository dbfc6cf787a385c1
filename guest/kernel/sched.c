// SPDX-License-Identifier: MIT
/*
 * The scheduler: one run queue, round robin with a 10 ms slice. The
 * kernel runs with interrupts off, so a task leaves the CPU only here:
 * when it sleeps (state set before calling schedule) or, on its way back to
 * user mode, when the timer said its slice is over. With nothing runnable
 * one CPU idles with `sti; hlt` on the stack of the task that slept; the
 * timer interrupt wakes sleepers and fires ITIMER_REAL.
 *
 * SMP (smp.h): every CPU takes tasks from the same run queue under the big
 * kernel lock. A CPU with nothing to run switches to its idle task, which
 * gives the lock back and waits in HLT (on the sleeper's stack it could be
 * woken and run elsewhere meanwhile); a wake-up sends an idle CPU a
 * reschedule IPI.
 *
 * The timer is one-shot (apic.c), per CPU, programmed for the nearest
 * deadline: a sleeper's, an itimer's, or the end of this CPU's slice when
 * others wait.
 */
#include "apic.h"
#include "errno.h"
#include "mm.h"
#include "pmm.h"
#include "printk.h"
#include "processor.h"
#include "sched.h"
#include "slab.h"
#include "smp.h"
#include "syscall.h"
#include "uaccess.h"

#define TIMESLICE_NS 10000000UL

static LIST_HEAD(runqueue);

int wake_up_process(struct task_struct *p)
{
	if (p->state != TASK_INTERRUPTIBLE && p->state != TASK_UNINTERRUPTIBLE &&
	    p->state != TASK_STOPPED)
		return 0;
	p->state = TASK_RUNNING;
	if (list_empty(&p->run_list))
		list_add_tail(&p->run_list, &runqueue);
	/* An idle CPU takes it; else the running task now has competition:
	 * its slice must end on time. */
	if (smp_active && smp_kick_idle_cpu())
		return 1;
	if (p != current) {
		if (ktime_get_ns() >= this_cpu()->slice_end)
			current->need_resched = true;
		else
			timer_reprogram();
	}
	return 1;
}

void timer_reprogram(void)
{
	uint64_t now = ktime_get_ns(), next = 0;
	struct task_struct *p;
#define CONSIDER(t) do { if ((t) && (!next || (t) < next)) next = (t); } while (0)
	for_each_process(p) {
		if (p->state == TASK_ZOMBIE || p->state == TASK_DEAD)
			continue;
		CONSIDER(p->it_real_expires);
		if (p->state == TASK_INTERRUPTIBLE)
			CONSIDER(p->sleep_until);
	}
	/* A slice already over needs no interrupt: the tick that saw it set
	 * need_resched, and the idle loop does not wait with work queued. */
	uint64_t slice_end = this_cpu()->slice_end;
	if (!list_empty(&runqueue) && slice_end > now)
		CONSIDER(slice_end);
#undef CONSIDER
	lapic_next_event(!next ? 0 : next > now ? next - now : 1);
}

/* Frees what a task that exited no longer needs once it is off the CPU:
 * its address space, kernel stack and FPU area (a reaped task entirely). */
static void release_exited(struct task_struct *p)
{
	if (p->exit_mm) {
		mmput(p->exit_mm);
		p->exit_mm = NULL;
	}
	if (p->kstack_top) {
		free_pages(__pa((void *)(p->kstack_top - KSTACK_PAGES * PAGE_SIZE)), KSTACK_PAGES);
		p->kstack_top = 0;
	}
	exit_thread(p);
	if (p->state == TASK_DEAD) {
		list_del(&p->tasks);
		kfree(p);
	}
}

static void finish_task_switch(struct task_struct *prev)
{
	if (prev->state == TASK_ZOMBIE || prev->state == TASK_DEAD)
		release_exited(prev);
}

/* A new task's first code (ret_from_fork), then back to user mode. */
void schedule_tail(struct task_struct *prev, struct pt_regs *regs);
void schedule_tail(struct task_struct *prev, struct pt_regs *regs)
{
	finish_task_switch(prev);
	exit_to_user_mode(regs);
}

/* One CPU: waits for an interrupt to make something runnable. */
static void idle(void)
{
	while (list_empty(&runqueue)) {
		timer_reprogram();
		__asm__ volatile("sti; hlt; cli" ::: "memory");
	}
}

/* SMP: a CPU's idle task, entered with the lock held. Holds it except in
 * HLT; an interrupt there takes it for its handler (do_trap). A wake-up IPI
 * that comes between giving the lock back and HLT is not lost: STI delays
 * it past the HLT. */
void cpu_idle(void)
{
	for (;;) {
		if (!list_empty(&runqueue)) {
			schedule();
			continue;
		}
		/* The last task's tables stay loaded (lazy TLB): its mm's
		 * changes reach this CPU as TLB-flush IPIs (smp.c). */
		timer_reprogram();
		smp_enter_idle();
		unlock_kernel();
		__asm__ volatile("sti; hlt; cli" ::: "memory");
		lock_kernel();
		smp_leave_idle();
	}
}

/* An idle task's first run on the boot CPU (switch_to.S): the switch's
 * end, then the loop. */
void idle_task_start(struct task_struct *prev);
void idle_task_start(struct task_struct *prev)
{
	finish_task_switch(prev);
	cpu_idle();
}

void schedule(void)
{
	struct task_struct *prev = current, *next;
	uint64_t now = ktime_get_ns();

	prev->need_resched = false;
	prev->utime_ns += now - prev->last_ran_ns;
	if (prev->flags & PF_IDLE) {
		/* Never on the run queue. */
	} else if (prev->state == TASK_RUNNING) {
		prev->nivcsw++;
		if (list_empty(&prev->run_list))
			list_add_tail(&prev->run_list, &runqueue);
	} else {
		prev->nvcsw++;
	}
	if (!smp_active)
		idle();
	if (list_empty(&runqueue)) {
		next = this_cpu()->idle_task;
	} else {
		next = list_first_entry(&runqueue, struct task_struct, run_list);
		list_del(&next->run_list);
	}
	now = ktime_get_ns();
	next->last_ran_ns = now;
	this_cpu()->slice_end = now + TIMESLICE_NS;
	timer_reprogram();
	if (next == prev)
		return;
	prev = __switch_to(prev, next);
	finish_task_switch(prev);
}

int schedule_hrtimeout(uint64_t deadline_ns)
{
	struct task_struct *p = current;
	int ret = 0;
	p->sleep_until = deadline_ns;
	for (;;) {
		if (signal_pending(p)) {
			ret = -EINTR;
			break;
		}
		if (ktime_get_ns() >= deadline_ns)
			break;
		p->state = TASK_INTERRUPTIBLE;
		schedule();
	}
	p->state = TASK_RUNNING;
	p->sleep_until = 0;
	return ret;
}

void scheduler_tick(void)
{
	uint64_t now = ktime_get_ns();
	struct task_struct *p;
	bool woken = false;
	for_each_process(p) {
		if (p->state == TASK_ZOMBIE || p->state == TASK_DEAD)
			continue;
		if (p->it_real_expires && p->it_real_expires <= now) {
			if (p->it_real_incr) {
				p->it_real_expires += p->it_real_incr;
				if (p->it_real_expires <= now)
					p->it_real_expires = now + p->it_real_incr;
			} else {
				p->it_real_expires = 0;
			}
			send_sig(SIGALRM, p);
		}
		if (p->state == TASK_INTERRUPTIBLE && p->sleep_until && p->sleep_until <= now)
			woken |= wake_up_process(p);
	}
	/* A sleeper that woke runs soon: it has used little of its share. */
	if (!list_empty(&runqueue) && (woken || now >= this_cpu()->slice_end))
		current->need_resched = true;
	timer_reprogram();
}

SYSCALL_DEFINE0(sched_yield)
{
	current->need_resched = true;
	return 0;
}

/* Every task may run on every CPU that is up. */
SYSCALL_DEFINE3(sched_getaffinity, int, pid, unsigned int, len, uint64_t, user_mask)
{
	unsigned long mask = nr_cpus_online >= 64 ? ~0UL : (1UL << nr_cpus_online) - 1;
	/* Linux: the buffer must hold nr_cpu_ids bits, in whole longs. */
	if ((uint64_t)len * 8 < nr_cpus_online || len % sizeof(unsigned long))
		return -EINVAL;
	if (pid < 0 || (pid && !find_task_by_pid(pid)))
		return -ESRCH;
	if (copy_to_user(user_mask, &mask, sizeof(mask)))
		return -EFAULT;
	return sizeof(mask);
}

SYSCALL_DEFINE3(getcpu, uint64_t, user_cpu, uint64_t, user_node, uint64_t, unused)
{
	(void)unused;
	unsigned int cpu = this_cpu()->cpu, node = 0;
	if (user_cpu && copy_to_user(user_cpu, &cpu, sizeof(cpu)))
		return -EFAULT;
	if (user_node && copy_to_user(user_node, &node, sizeof(node)))
		return -EFAULT;
	return 0;
}
