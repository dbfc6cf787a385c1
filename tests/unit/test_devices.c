/* SPDX-License-Identifier: MIT */
/* The VMM's hosted device side: port-I/O bus, 16550 UART, hypercall
 * dispatcher (with hostile arguments), exit statistics and summary line. */
#include "test.h"

#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>

#include <linux/kvm.h>

#include <umbra/hypercall.h>

#include "guest_mem.h"
#include "hypercall.h"
#include "ioport.h"
#include "serial.h"
#include "stats.h"

/* A device that records the last write and reads back port & 0xff. */
struct probe {
	uint16_t last_port;
	uint8_t last_val;
	int writes;
};

static void probe_io(void *dev, uint16_t port, uint8_t *data, bool is_write)
{
	struct probe *p = dev;
	if (is_write) {
		p->last_port = port;
		p->last_val = *data;
		p->writes++;
	} else {
		*data = (uint8_t)port;
	}
}

TEST(ioport_bus_dispatch_and_unhandled)
{
	struct stats st;
	struct ioport_bus bus;
	struct probe pr = {0, 0, 0};
	stats_init(&st);
	ioport_bus_init(&bus, &st);
	CHECK_EQ(ioport_register(&bus, 0x70, 2, probe_io, &pr), 0);
	CHECK_EQ(ioport_register(&bus, 0x71, 1, probe_io, &pr), -1);   /* overlap */
	CHECK_EQ(ioport_register(&bus, 0x6f, 2, probe_io, &pr), -1);   /* overlap */
	CHECK_EQ(ioport_register(&bus, 0x80, 0, probe_io, &pr), -1);   /* empty */
	CHECK_EQ(ioport_register(&bus, 0xffff, 2, probe_io, &pr), -1); /* wraps */
	CHECK_EQ(ioport_register(&bus, 0xffff, 1, probe_io, &pr), 0);

	uint8_t d[4] = {0x11, 0x22, 0x33, 0x44};
	CHECK(ioport_access(&bus, 0x70, d, 1, true));
	CHECK_EQ(pr.last_port, 0x70);
	CHECK_EQ(pr.last_val, 0x11);
	/* 16-bit write: two byte writes at consecutive ports. */
	CHECK(ioport_access(&bus, 0x70, d, 2, true));
	CHECK_EQ(pr.last_port, 0x71);
	CHECK_EQ(pr.last_val, 0x22);
	CHECK_EQ(pr.writes, 3);
	memset(d, 0, sizeof(d));
	CHECK(ioport_access(&bus, 0x70, d, 2, false));
	CHECK_EQ(d[0], 0x70);
	CHECK_EQ(d[1], 0x71);
	CHECK_EQ(atomic_load(&st.pio_unhandled_reads), 0);

	/* Unhandled: reads all-ones, counted once per access. */
	memset(d, 0, sizeof(d));
	CHECK(!ioport_access(&bus, 0x80, d, 4, false));
	CHECK_EQ(d[0] & d[1] & d[2] & d[3], 0xff);
	CHECK_EQ(atomic_load(&st.pio_unhandled_reads), 1);
	CHECK(!ioport_access(&bus, 0x80, d, 1, true));
	CHECK_EQ(atomic_load(&st.pio_unhandled_writes), 1);
	/* Half handled: 0x71 is the probe's, 0x72 is nobody's. */
	memset(d, 0, sizeof(d));
	CHECK(!ioport_access(&bus, 0x71, d, 2, false));
	CHECK_EQ(d[0], 0x71);
	CHECK_EQ(d[1], 0xff);
	/* A 32-bit read at the last port: bytes past 0xffff are unhandled. */
	memset(d, 0, sizeof(d));
	CHECK(!ioport_access(&bus, 0xffff, d, 4, false));
	CHECK_EQ(d[0], 0xff); /* the probe's port & 0xff */
	CHECK_EQ(d[1], 0xff);
	CHECK_EQ(atomic_load(&st.pio_unhandled_reads), 3);
}

static uint8_t uart_in(struct serial *s, unsigned int reg)
{
	uint8_t v = 0;
	serial_io(s, (uint16_t)(0x3f8 + reg), &v, false);
	return v;
}

static void uart_out(struct serial *s, unsigned int reg, uint8_t v)
{
	serial_io(s, (uint16_t)(0x3f8 + reg), &v, true);
}

static size_t drain(int fd, char *buf, size_t cap)
{
	ssize_t n = read(fd, buf, cap - 1);
	buf[n > 0 ? n : 0] = '\0';
	return n > 0 ? (size_t)n : 0;
}

TEST(serial_transmit_per_line_and_registers)
{
	int p[2];
	CHECK_EQ(pipe2(p, O_NONBLOCK), 0);
	struct serial s;
	serial_init(&s, 0x3f8, p[1]);
	char buf[64];

	CHECK_EQ(uart_in(&s, 5), 0x60); /* LSR: THRE|TEMT, always ready */
	CHECK_EQ(uart_in(&s, 2), 0x01); /* IIR: no interrupt pending */
	const char *msg = "hi\nab";
	for (const char *c = msg; *c; c++)
		uart_out(&s, 0, (uint8_t)*c);
	CHECK_EQ(drain(p[0], buf, sizeof(buf)), 3);
	CHECK_STREQ(buf, "hi\n");
	CHECK_EQ(drain(p[0], buf, sizeof(buf)), 0); /* "ab" held until the line ends */
	serial_flush(&s);
	CHECK_EQ(drain(p[0], buf, sizeof(buf)), 2);
	CHECK_STREQ(buf, "ab");

	uart_out(&s, 1, 0xff);
	CHECK_EQ(uart_in(&s, 1), 0x0f); /* IER: 4 bits */
	uart_out(&s, 3, 0x83);          /* LCR: DLAB, 8N1 */
	CHECK_EQ(uart_in(&s, 3), 0x83);
	uart_out(&s, 0, 0x01);          /* DLL: not transmitted */
	uart_out(&s, 1, 0x02);          /* DLM */
	CHECK_EQ(uart_in(&s, 0), 0x01);
	CHECK_EQ(uart_in(&s, 1), 0x02);
	uart_out(&s, 3, 0x03);
	CHECK_EQ(uart_in(&s, 1), 0x0f); /* IER again, unchanged by DLM */
	CHECK_EQ(uart_in(&s, 0), 0x00); /* RBR: nothing received */
	uart_out(&s, 2, 0x07);          /* FCR: FIFO on, clear both */
	CHECK_EQ(uart_in(&s, 2), 0xc2); /* THR empty (IER set it); read clears */
	CHECK_EQ(uart_in(&s, 2), 0xc1);
	uart_out(&s, 4, 0xff);
	CHECK_EQ(uart_in(&s, 4), 0x1f);
	uart_out(&s, 7, 0x5a);
	CHECK_EQ(uart_in(&s, 7), 0x5a);
	CHECK_EQ(uart_in(&s, 6), 0xb0); /* MSR: DCD DSR CTS */
	serial_flush(&s);
	CHECK_EQ(drain(p[0], buf, sizeof(buf)), 0); /* divisor bytes never sent */

	/* A line longer than the buffer goes out in full-buffer pieces. */
	for (int i = 0; i < SERIAL_LINE_MAX; i++)
		uart_out(&s, 0, 'x');
	char big[SERIAL_LINE_MAX + 2];
	CHECK_EQ(drain(p[0], big, sizeof(big)), SERIAL_LINE_MAX);
	serial_destroy(&s);
	close(p[0]);
	close(p[1]);
}

struct hc_env {
	struct guest_mem gm;
	struct stats st;
	struct hc_state hc;
	struct hc_outcome out;
	uint8_t *ram;
};

static void hc_env_init(struct hc_env *e)
{
	guest_mem_layout(&e->gm, 16 << 20);
	guest_mem_map(&e->gm);
	e->ram = guest_mem_hva(&e->gm, 0, 16 << 20);
	stats_init(&e->st);
	hc_init(&e->hc, &e->gm, &e->st);
}

static void call(struct hc_env *e, uint64_t nr, uint64_t a0, uint64_t a1)
{
	struct hc_call c = {nr, {a0, a1, 0, 0, 0}};
	hc_dispatch(&e->hc, &c, &e->out);
}

TEST(hypercall_exit_report_unknown)
{
	struct hc_env e;
	hc_env_init(&e);
	call(&e, UMBRA_HC_EXIT, 42, 0);
	CHECK_EQ(e.out.action, HC_EXIT);
	CHECK_EQ(e.out.status, 42);
	call(&e, UMBRA_HC_EXIT, 0x1ff, 0);
	CHECK_EQ(e.out.status, 0xff);

	CHECK_EQ(hc_boot_ns(&e.hc), -1);
	call(&e, UMBRA_HC_REPORT, UMBRA_REPORT_BOOT_NS, 12345678);
	CHECK_EQ(e.out.action, HC_RETURN);
	CHECK_EQ(e.out.ret, 0);
	CHECK_EQ(hc_boot_ns(&e.hc), 12345678);
	call(&e, UMBRA_HC_REPORT, 999, 1);
	CHECK_EQ(e.out.action, HC_RETURN);
	CHECK_EQ((int64_t)e.out.ret, -UMBRA_EINVAL);
	call(&e, UMBRA_HC_REPORT, UMBRA_REPORT_BOOT_NS, UINT64_MAX);
	CHECK_EQ((int64_t)e.out.ret, -UMBRA_EINVAL);
	CHECK_EQ(hc_boot_ns(&e.hc), 12345678);

	call(&e, 0, 0, 0);
	CHECK_EQ(e.out.action, HC_RETURN);
	CHECK_EQ((int64_t)e.out.ret, -UMBRA_ENOSYS);
	CHECK(e.out.log_unknown);
	call(&e, 0, 0, 0);
	CHECK_EQ((int64_t)e.out.ret, -UMBRA_ENOSYS);
	CHECK(!e.out.log_unknown); /* logged once per number */
	call(&e, UINT64_MAX, 0, 0);
	CHECK(e.out.log_unknown);
	CHECK_EQ(atomic_load(&e.st.hypercalls), 8);
	CHECK_EQ(atomic_load(&e.st.hypercalls_unknown), 3);
	/* A guest trying every number is logged for the first few only. */
	int logged = 0;
	for (uint64_t nr = 1000; nr < 1100; nr++) {
		call(&e, nr, 0, 0);
		logged += e.out.log_unknown;
		CHECK_EQ((int64_t)e.out.ret, -UMBRA_ENOSYS);
	}
	CHECK_EQ(logged, HC_UNKNOWN_TRACKED - 2);
	hc_destroy(&e.hc);
	guest_mem_unmap(&e.gm);
}

static int64_t fake_kvm_stat(void *opaque, unsigned int vcpu, unsigned int which)
{
	(void)opaque;
	return vcpu < 4 ? (int64_t)(1000 + vcpu * 100 + which) : -1;
}

static int64_t fake_dedup_merges(void *opaque)
{
	return *(int64_t *)opaque;
}

/* UMBRA_HC_STATS reads the run's counters; shadow ones are absent in tdp. */
TEST(hypercall_stats)
{
	struct hc_env e;
	hc_env_init(&e);
	stats_count_exit(&e.st, KVM_EXIT_IO);
	stats_count_exit(&e.st, KVM_EXIT_IO);
	stats_count_exit(&e.st, KVM_EXIT_HLT);
	stats_count_exit(&e.st, 200);
	call(&e, UMBRA_HC_REPORT, UMBRA_REPORT_BOOT_NS, 1);
	call(&e, UMBRA_HC_STATS, UMBRA_STAT_EXITS, 0);
	CHECK_EQ(e.out.action, HC_RETURN);
	CHECK_EQ(e.out.ret, 4);
	call(&e, UMBRA_HC_STATS, UMBRA_STAT_EXITS_IO, 0);
	CHECK_EQ(e.out.ret, 2);
	call(&e, UMBRA_HC_STATS, UMBRA_STAT_EXITS_HLT, 0);
	CHECK_EQ(e.out.ret, 1);
	call(&e, UMBRA_HC_STATS, UMBRA_STAT_EXITS_MMIO, 0);
	CHECK_EQ(e.out.ret, 0);
	/* The call being made is counted before it reads. */
	call(&e, UMBRA_HC_STATS, UMBRA_STAT_HYPERCALLS, 0);
	CHECK_EQ(e.out.ret, 6);
	call(&e, UMBRA_HC_STATS, UMBRA_STAT_HC_BASE + UMBRA_HC_REPORT, 0);
	CHECK_EQ(e.out.ret, 1);
	call(&e, UMBRA_HC_STATS, UMBRA_STAT_HC_BASE + UMBRA_HC_STATS, 0);
	CHECK_EQ(e.out.ret, 7);
	call(&e, UMBRA_HC_STATS, UMBRA_STAT_HC_BASE + UMBRA_HC_EXIT, 0);
	CHECK_EQ(e.out.ret, 0);
	call(&e, UMBRA_HC_STATS, UMBRA_STAT_SHADOW_FILLS, 0);
	CHECK_EQ((int64_t)e.out.ret, -UMBRA_ENOENT);
	call(&e, UMBRA_HC_STATS, UMBRA_STAT_SHADOW_PAGES, 0);
	CHECK_EQ((int64_t)e.out.ret, -UMBRA_ENOENT);
	call(&e, UMBRA_HC_STATS, UMBRA_STAT_MAX, 0);
	CHECK_EQ((int64_t)e.out.ret, -UMBRA_EINVAL);
	call(&e, UMBRA_HC_STATS, 9, 0);
	CHECK_EQ((int64_t)e.out.ret, -UMBRA_EINVAL);
	/* Dedup merges: absent without --dedup (no hook, or it says so). */
	call(&e, UMBRA_HC_STATS, UMBRA_STAT_DEDUP_MERGES, 0);
	CHECK_EQ((int64_t)e.out.ret, -UMBRA_ENOENT);
	int64_t merges = -1;
	e.hc.dedup_merges = fake_dedup_merges;
	e.hc.host_mem = &merges;
	call(&e, UMBRA_HC_STATS, UMBRA_STAT_DEDUP_MERGES, 0);
	CHECK_EQ((int64_t)e.out.ret, -UMBRA_ENOENT);
	merges = 252;
	call(&e, UMBRA_HC_STATS, UMBRA_STAT_DEDUP_MERGES, 0);
	CHECK_EQ(e.out.ret, 252);
	e.hc.dedup_merges = NULL;
	e.hc.host_mem = NULL;
	/* KVM's own counters: absent without KVM, else the caller's. */
	call(&e, UMBRA_HC_STATS, UMBRA_STAT_KVM_EXITS, 0);
	CHECK_EQ((int64_t)e.out.ret, -UMBRA_ENOENT);
	e.hc.kvm_stat = fake_kvm_stat;
	call(&e, UMBRA_HC_STATS, UMBRA_STAT_KVM_EXITS, 0);
	CHECK_EQ(e.out.ret, 1000);
	call(&e, UMBRA_HC_STATS, UMBRA_STAT_KVM_PF_GUEST, 0);
	CHECK_EQ(e.out.ret, 1002);
	struct hc_call c = {UMBRA_HC_STATS, {UMBRA_STAT_KVM_PF_TAKEN, 0, 0, 0, 0}};
	hc_dispatch_vcpu(&e.hc, 3, &c, &e.out);
	CHECK_EQ(e.out.ret, 1301);
	c.args[0] = UMBRA_STAT_KVM_EXITS;
	hc_dispatch_vcpu(&e.hc, 9, &c, &e.out); /* the fake has no vCPU 9 */
	CHECK_EQ((int64_t)e.out.ret, -UMBRA_ENOENT);
	call(&e, UMBRA_HC_STATS, UINT64_MAX, 0);
	CHECK_EQ((int64_t)e.out.ret, -UMBRA_EINVAL);
	CHECK_EQ(atomic_load(&e.st.hypercalls_unknown), 0);
	hc_destroy(&e.hc);
	guest_mem_unmap(&e.gm);
}

/* UMBRA_HC_STATS_ALL writes what UMBRA_HC_STATS reads, all at once, and
 * writes nothing for a bad array. */
TEST(hypercall_stats_all)
{
	struct hc_env e;
	hc_env_init(&e);
	stats_count_exit(&e.st, KVM_EXIT_IO);
	stats_count_exit(&e.st, KVM_EXIT_IO);
	stats_count_exit(&e.st, KVM_EXIT_HLT);
	e.hc.kvm_stat = fake_kvm_stat;
	int64_t *v = (int64_t *)(e.ram + 0x3000);
	for (unsigned i = 0; i < 512; i++)
		v[i] = 0x5a5a;
	call(&e, UMBRA_HC_STATS_ALL, 0x3000, UMBRA_STAT_MAX);
	CHECK_EQ(e.out.action, HC_RETURN);
	CHECK_EQ(e.out.ret, UMBRA_STAT_MAX);
	CHECK_EQ(v[UMBRA_STAT_EXITS], 3);
	CHECK_EQ(v[UMBRA_STAT_EXITS_IO], 2);
	CHECK_EQ(v[UMBRA_STAT_EXITS_HLT], 1);
	CHECK_EQ(v[UMBRA_STAT_HYPERCALLS], 1); /* this call, counted first */
	CHECK_EQ(v[UMBRA_STAT_HC_BASE + UMBRA_HC_STATS_ALL], 1);
	CHECK_EQ(v[UMBRA_STAT_KVM_EXITS], 1000);
	CHECK_EQ(v[UMBRA_STAT_SHADOW_FILLS], -UMBRA_ENOENT);
	CHECK_EQ(v[UMBRA_STAT_DEDUP_MERGES], -UMBRA_ENOENT);
	CHECK_EQ(v[9], -UMBRA_EINVAL);
	CHECK_EQ(v[UMBRA_STAT_MAX], 0x5a5a); /* nothing past the array */
	/* Each entry is what the one-counter call gives (but for the
	 * counts of calls, which that call moves). */
	for (unsigned i = 0; i < UMBRA_STAT_MAX; i++) {
		if (i == UMBRA_STAT_HYPERCALLS || i == UMBRA_STAT_HC_BASE + UMBRA_HC_STATS)
			continue;
		call(&e, UMBRA_HC_STATS, i, 0);
		CHECK_EQ((int64_t)e.out.ret, v[i]);
	}
	/* A shorter array; an empty one. */
	for (unsigned i = 0; i < UMBRA_STAT_MAX; i++)
		v[i] = 0x5a5a;
	call(&e, UMBRA_HC_STATS_ALL, 0x3000, 3);
	CHECK_EQ(e.out.ret, 3);
	CHECK_EQ(v[UMBRA_STAT_EXITS_HLT], 1);
	CHECK_EQ(v[3], 0x5a5a);
	call(&e, UMBRA_HC_STATS_ALL, 0x3000, 0);
	CHECK_EQ(e.out.ret, 0);
	/* Bad arrays: too long, misaligned, across a page, beyond RAM. */
	v[0] = 0x5a5a;
	call(&e, UMBRA_HC_STATS_ALL, 0x3000, UMBRA_STAT_MAX + 1);
	CHECK_EQ((int64_t)e.out.ret, -UMBRA_EINVAL);
	call(&e, UMBRA_HC_STATS_ALL, 0x3000, UINT64_MAX);
	CHECK_EQ((int64_t)e.out.ret, -UMBRA_EINVAL);
	call(&e, UMBRA_HC_STATS_ALL, 0x3004, 1);
	CHECK_EQ((int64_t)e.out.ret, -UMBRA_EINVAL);
	call(&e, UMBRA_HC_STATS_ALL, 0x2ff8, 2);
	CHECK_EQ((int64_t)e.out.ret, -UMBRA_EINVAL);
	call(&e, UMBRA_HC_STATS_ALL, 16 << 20, 1);
	CHECK_EQ((int64_t)e.out.ret, -UMBRA_EINVAL);
	call(&e, UMBRA_HC_STATS_ALL, UINT64_MAX & ~7ull, 1);
	CHECK_EQ((int64_t)e.out.ret, -UMBRA_EINVAL);
	CHECK_EQ(v[0], 0x5a5a);
	CHECK_EQ(*(int64_t *)(e.ram + 0x2ff8), 0);
	hc_destroy(&e.hc);
	guest_mem_unmap(&e.gm);
}

TEST(hypercall_panic_message_checked)
{
	struct hc_env e;
	hc_env_init(&e);
	CHECK(e.ram != NULL);
	if (!e.ram)
		return;
	memcpy(e.ram + 0x200000, "kernel BUG\tat x\n", 16);
	call(&e, UMBRA_HC_PANIC, 0x200000, 16);
	CHECK_EQ(e.out.action, HC_PANIC);
	CHECK(e.out.message_ok);
	CHECK_STREQ(e.out.message, "kernel BUG?at x");
	/* Stops at a NUL within the length. */
	call(&e, UMBRA_HC_PANIC, 0x200000, 4096);
	CHECK(e.out.message_ok);
	CHECK_STREQ(e.out.message, "kernel BUG?at x");
	/* Empty message: readable, empty. */
	call(&e, UMBRA_HC_PANIC, 0x200000, 0);
	CHECK(e.out.message_ok);
	CHECK_STREQ(e.out.message, "");
	/* Unreadable: outside RAM, across its end, too long, wrapping. */
	const uint64_t bad[][2] = {
		{16 << 20, 1}, {(16 << 20) - 2, 4}, {0x200000, UMBRA_HC_PANIC_MAX + 1},
		{UINT64_MAX, 2}, {0xfee00000, 8}, {0x10, UINT64_MAX},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		call(&e, UMBRA_HC_PANIC, bad[i][0], bad[i][1]);
		CHECK_EQ(e.out.action, HC_PANIC);
		CHECK(!e.out.message_ok);
		CHECK_STREQ(e.out.message, "");
	}
	/* The longest message, without a NUL, at the very end of RAM. */
	memset(e.ram + (16 << 20) - UMBRA_HC_PANIC_MAX, 'z', UMBRA_HC_PANIC_MAX);
	call(&e, UMBRA_HC_PANIC, (16 << 20) - UMBRA_HC_PANIC_MAX, UMBRA_HC_PANIC_MAX);
	CHECK(e.out.message_ok);
	CHECK_EQ(strlen(e.out.message), UMBRA_HC_PANIC_MAX);
	hc_destroy(&e.hc);
	guest_mem_unmap(&e.gm);
}

TEST(stats_summary_line)
{
	struct stats st;
	char line[512];
	stats_init(&st);
	for (int i = 0; i < 5; i++)
		stats_count_exit(&st, KVM_EXIT_IO);
	stats_count_exit(&st, KVM_EXIT_MMIO);
	stats_count_exit(&st, KVM_EXIT_SHUTDOWN);
	stats_count_exit(&st, 200); /* unknown to this build */
	stats_inc(&st.hypercalls);
	stats_inc(&st.hypercalls);
	stats_inc(&st.pio_unhandled_reads);
	stats_summary(&st, true, 42, 1500000, line, sizeof(line));
	CHECK_STREQ(line, "guest exited with status 42; 8 exits (io 5, hlt 0, mmio 1, "
		    "shutdown 1, other 1), 2 hypercalls, 1 unhandled port reads, "
		    "0 unhandled port writes; guest boot 1.5 ms");
	stats_summary(&st, false, 124, -1, line, sizeof(line));
	CHECK(strncmp(line, "guest stopped with status 124; ", 31) == 0);
	CHECK(strstr(line, "; guest boot not reported") != NULL);
	/* Cut short, still a NUL-terminated string. */
	stats_summary(&st, true, 0, -1, line, 20);
	CHECK_EQ(strlen(line), 19);

	CHECK_STREQ(kvm_exit_name(KVM_EXIT_IO), "KVM_EXIT_IO");
	CHECK_STREQ(kvm_exit_name(KVM_EXIT_INTERNAL_ERROR), "KVM_EXIT_INTERNAL_ERROR");
	CHECK_STREQ(kvm_exit_name(KVM_EXIT_NOTIFY), "KVM_EXIT_NOTIFY");
	CHECK(kvm_exit_name(1000) == NULL);
}
