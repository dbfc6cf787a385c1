// SPDX-License-Identifier: MIT
/* System call dispatch through the table built from syscall_list.h. */
#include "errno.h"
#include "printk.h"
#include "sched.h"
#include "smp.h"
#include "syscall.h"

/* The entry of every listed call that no subsystem defines. */
long sys_ni_syscall(struct pt_regs *regs);
long sys_ni_syscall(struct pt_regs *regs)
{
	(void)regs;
	return -ENOSYS;
}

#define SYSCALL(nr, name)                               \
	long __x64_sys_##name(struct pt_regs *regs)     \
		__attribute__((weak, alias("sys_ni_syscall")));
#include "syscall_list.h"
#undef SYSCALL

#define SYSCALL(nr, name) [nr] = __x64_sys_##name,
static const syscall_fn_t sys_call_table[] = {
#include "syscall_list.h"
};
#undef SYSCALL

#define SYSCALL(nr, name) [nr] = #name,
static const char *const sys_call_names[] = {
#include "syscall_list.h"
};
#undef SYSCALL

/* Each missing number is reported once. Numbers past the bitmap are
 * remembered in a short list; once it is full they are no longer reported. */
#define UNKNOWN_BITMAP_BITS 512
#define UNKNOWN_LARGE_MAX 16

static bool already_reported(uint64_t nr)
{
	static uint64_t bitmap[UNKNOWN_BITMAP_BITS / 64];
	static uint64_t large[UNKNOWN_LARGE_MAX];
	static unsigned int nr_large;

	if (nr < UNKNOWN_BITMAP_BITS) {
		bool seen = bitmap[nr / 64] & (1UL << (nr % 64));
		bitmap[nr / 64] |= 1UL << (nr % 64);
		return seen;
	}
	for (unsigned int i = 0; i < nr_large; i++)
		if (large[i] == nr)
			return true;
	if (nr_large == UNKNOWN_LARGE_MAX)
		return true;
	large[nr_large++] = nr;
	return false;
}

static void report_missing(uint64_t nr)
{
	if (already_reported(nr))
		return;
	if (nr < ARRAY_SIZE(sys_call_names) && sys_call_names[nr])
		pr_warn("syscall %lu (%s) is not implemented", nr, sys_call_names[nr]);
	else
		pr_warn("unknown syscall %lu", nr);
}

void do_syscall_64(struct pt_regs *regs)
{
	uint64_t nr = regs->rax;
	lock_kernel(); /* given back at the end of exit_to_user_mode */
	syscall_fn_t fn = nr < ARRAY_SIZE(sys_call_table) ? sys_call_table[nr] : NULL;

	if (!fn || fn == sys_ni_syscall) {
		report_missing(nr);
		regs->rax = -ENOSYS;
	} else {
		regs->rax = fn(regs);
	}
	exit_to_user_mode(regs);
}
