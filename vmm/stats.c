/* SPDX-License-Identifier: MIT */
/* Run counters and the summary line. */
#include "stats.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <linux/kvm.h>

void stats_init(struct stats *s)
{
	for (int i = 0; i < STATS_EXIT_REASONS; i++)
		atomic_init(&s->exits[i], 0);
	atomic_init(&s->exits_other, 0);
	atomic_init(&s->hypercalls, 0);
	atomic_init(&s->hypercalls_unknown, 0);
	for (int i = 0; i < STATS_HC_NUMBERS; i++)
		atomic_init(&s->hypercalls_nr[i], 0);
	atomic_init(&s->pio_unhandled_reads, 0);
	atomic_init(&s->pio_unhandled_writes, 0);
	atomic_init(&s->mmio_reads, 0);
	atomic_init(&s->mmio_writes, 0);
}

void stats_count_exit(struct stats *s, uint32_t reason)
{
	stats_inc(reason < STATS_EXIT_REASONS ? &s->exits[reason] : &s->exits_other);
}

void stats_count_hypercall(struct stats *s, uint64_t nr)
{
	stats_inc(&s->hypercalls);
	if (nr < STATS_HC_NUMBERS)
		stats_inc(&s->hypercalls_nr[nr]);
}

#define NAME(x) [x] = #x
static const char *const exit_names[] = {
	NAME(KVM_EXIT_UNKNOWN), NAME(KVM_EXIT_EXCEPTION), NAME(KVM_EXIT_IO),
	NAME(KVM_EXIT_HYPERCALL), NAME(KVM_EXIT_DEBUG), NAME(KVM_EXIT_HLT),
	NAME(KVM_EXIT_MMIO), NAME(KVM_EXIT_IRQ_WINDOW_OPEN),
	NAME(KVM_EXIT_SHUTDOWN), NAME(KVM_EXIT_FAIL_ENTRY), NAME(KVM_EXIT_INTR),
	NAME(KVM_EXIT_SET_TPR), NAME(KVM_EXIT_TPR_ACCESS),
	NAME(KVM_EXIT_S390_SIEIC), NAME(KVM_EXIT_S390_RESET), NAME(KVM_EXIT_DCR),
	NAME(KVM_EXIT_NMI), NAME(KVM_EXIT_INTERNAL_ERROR), NAME(KVM_EXIT_OSI),
	NAME(KVM_EXIT_PAPR_HCALL), NAME(KVM_EXIT_S390_UCONTROL),
	NAME(KVM_EXIT_WATCHDOG), NAME(KVM_EXIT_S390_TSCH), NAME(KVM_EXIT_EPR),
	NAME(KVM_EXIT_SYSTEM_EVENT), NAME(KVM_EXIT_S390_STSI),
	NAME(KVM_EXIT_IOAPIC_EOI), NAME(KVM_EXIT_HYPERV), NAME(KVM_EXIT_ARM_NISV),
	NAME(KVM_EXIT_X86_RDMSR), NAME(KVM_EXIT_X86_WRMSR),
	NAME(KVM_EXIT_DIRTY_RING_FULL), NAME(KVM_EXIT_AP_RESET_HOLD),
	NAME(KVM_EXIT_X86_BUS_LOCK), NAME(KVM_EXIT_XEN), NAME(KVM_EXIT_RISCV_SBI),
	NAME(KVM_EXIT_RISCV_CSR), NAME(KVM_EXIT_NOTIFY),
};
#undef NAME

const char *kvm_exit_name(uint32_t reason)
{
	if (reason < sizeof(exit_names) / sizeof(exit_names[0]))
		return exit_names[reason];
	return NULL;
}

static uint64_t load(const atomic_uint_fast64_t *c)
{
	return atomic_load_explicit((atomic_uint_fast64_t *)c, memory_order_relaxed);
}

uint64_t stats_total_exits(const struct stats *s)
{
	uint64_t total = load(&s->exits_other);
	for (int i = 0; i < STATS_EXIT_REASONS; i++)
		total += load(&s->exits[i]);
	return total;
}

/* Appends to buf at *pos, never past len; *pos may end beyond len. */
static void put(char *buf, size_t len, size_t *pos, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void put(char *buf, size_t len, size_t *pos, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(*pos < len ? buf + *pos : NULL, *pos < len ? len - *pos : 0,
			  fmt, ap);
	va_end(ap);
	if (n > 0)
		*pos += (size_t)n;
}

void stats_summary(const struct stats *s, bool exited, int status,
		   int64_t boot_ns, char *buf, size_t len)
{
	size_t pos = 0;
	if (len)
		buf[0] = '\0';
	uint64_t total = stats_total_exits(s);
	put(buf, len, &pos, "guest %s with status %d; %llu exits (io %llu, hlt %llu, mmio %llu",
	    exited ? "exited" : "stopped", status, (unsigned long long)total,
	    (unsigned long long)load(&s->exits[KVM_EXIT_IO]),
	    (unsigned long long)load(&s->exits[KVM_EXIT_HLT]),
	    (unsigned long long)load(&s->exits[KVM_EXIT_MMIO]));
	for (uint32_t i = 0; i < STATS_EXIT_REASONS; i++) {
		uint64_t n = load(&s->exits[i]);
		if (!n || i == KVM_EXIT_IO || i == KVM_EXIT_HLT || i == KVM_EXIT_MMIO)
			continue;
		/* "KVM_EXIT_SHUTDOWN" -> "shutdown" */
		char name[32];
		const char *full = kvm_exit_name(i);
		if (full)
			snprintf(name, sizeof(name), "%s", full + strlen("KVM_EXIT_"));
		else
			snprintf(name, sizeof(name), "reason-%u", i);
		for (char *p = name; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		put(buf, len, &pos, ", %s %llu", name, (unsigned long long)n);
	}
	if (load(&s->exits_other))
		put(buf, len, &pos, ", other %llu", (unsigned long long)load(&s->exits_other));
	put(buf, len, &pos, "), %llu hypercalls, %llu unhandled port reads, "
	    "%llu unhandled port writes; ",
	    (unsigned long long)load(&s->hypercalls),
	    (unsigned long long)load(&s->pio_unhandled_reads),
	    (unsigned long long)load(&s->pio_unhandled_writes));
	if (boot_ns >= 0)
		put(buf, len, &pos, "guest boot %.1f ms", (double)boot_ns / 1e6);
	else
		put(buf, len, &pos, "guest boot not reported");
}
