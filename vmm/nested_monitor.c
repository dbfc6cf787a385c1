/* SPDX-License-Identifier: MIT */
/* L1's CPUs through QEMU's monitor (see nested_monitor.h). */
#include "nested_monitor.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static const char *find(const char *p, const char *end, const char *s)
{
	size_t n = strlen(s);
	for (; p + n <= end; p++)
		if (!memcmp(p, s, n))
			return p;
	return NULL;
}

/* The number right after the first key (e.g. "RIP=") in [p, end), in
 * base; false if there is none. */
static bool field(const char *p, const char *end, const char *key, int base, uint64_t *v)
{
	const char *q = find(p, end, key);
	if (!q)
		return false;
	q += strlen(key);
	/* [q, end) has no NUL of its own. */
	char num[24];
	size_t n = (size_t)(end - q) < sizeof(num) - 1 ? (size_t)(end - q) : sizeof(num) - 1;
	memcpy(num, q, n);
	num[n] = '\0';
	if (!(base == 16 ? isxdigit((unsigned char)num[0]) : isdigit((unsigned char)num[0])))
		return false;
	*v = strtoull(num, NULL, base);
	return true;
}

int nested_monitor_parse(const char *text, size_t len, struct l1_cpu_state *cpus, int max)
{
	const char *end = text + len, *p = find(text, end, "CPU#");
	int n = 0;
	while (p && n < max) {
		const char *next = find(p + 4, end, "CPU#");
		const char *stop = next ? next : end;
		uint64_t cpu, rip, cpl = 0, hlt = 0;
		bool legacy = false;
		if (field(p, stop, "CPU#", 10, &cpu) &&
		    (field(p, stop, "RIP=", 16, &rip) ||
		     (legacy = field(p, stop, "EIP=", 16, &rip)))) {
			field(p, stop, "CPL=", 10, &cpl);
			field(p, stop, "HLT=", 10, &hlt);
			cpus[n++] = (struct l1_cpu_state){(unsigned)cpu, rip, (int)cpl, hlt != 0,
							   legacy};
		}
		p = next;
	}
	return n;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

#define IDLE_STEP_MS 10

struct waiter {
	double deadline;
	nested_monitor_idle_fn *idle;
	void *idle_arg;
};

/* Waits until fd is ready for events (true) or the deadline passes,
 * calling the idle function every step. */
static bool wait_ready(int fd, short events, const struct waiter *w)
{
	for (;;) {
		double left = w->deadline - now_ms();
		if (left <= 0)
			return false;
		struct pollfd pfd = {.fd = fd, .events = events};
		int r = poll(&pfd, 1, left < IDLE_STEP_MS ? (int)left + 1 : IDLE_STEP_MS);
		if (r > 0)
			return true;
		if (r < 0 && errno != EINTR)
			return false;
		if (w->idle)
			w->idle(w->idle_arg);
	}
}

/* Reads into buf (NUL-terminated) until it holds `want` after from, or
 * until the deadline; the length, or -1. */
static ssize_t read_until(int fd, char *buf, size_t cap, size_t have, size_t from,
			  const char *want, const struct waiter *w)
{
	while (have + 1 < cap) {
		buf[have] = '\0';
		if (find(buf + from, buf + have, want))
			return (ssize_t)have;
		if (!wait_ready(fd, POLLIN, w))
			return -1;
		ssize_t r = read(fd, buf + have, cap - 1 - have);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0)
			return -1;
		have += (size_t)r;
	}
	return -1;
}

#define PROMPT "(qemu) "

int nested_monitor_sample(const char *path, struct l1_cpu_state *cpus, int max,
			  nested_monitor_idle_fn *idle, void *idle_arg)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa.sun_path))
		return -1;
	strcpy(sa.sun_path, path);
	/* Non-blocking: QEMU takes one client at a time, and a connect to a
	 * full queue would otherwise wait for good (EAGAIN: no answer). */
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	size_t cap = 256 * 1024;
	char *buf = malloc(cap);
	int n = -1;
	const struct waiter w = {now_ms() + 1000, idle, idle_arg};
	static const char cmd[] = "info registers -a\n";
	ssize_t banner;
	if (buf && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    (banner = read_until(fd, buf, cap, 0, 0, PROMPT, &w)) >= 0 &&
	    wait_ready(fd, POLLOUT, &w) &&
	    send(fd, cmd, sizeof(cmd) - 1, MSG_NOSIGNAL) == (ssize_t)sizeof(cmd) - 1) {
		/* The answer ends with the next prompt. */
		ssize_t got = read_until(fd, buf, cap, (size_t)banner, (size_t)banner,
					 PROMPT, &w);
		if (got >= 0)
			n = nested_monitor_parse(buf + banner, (size_t)got - (size_t)banner,
						 cpus, max);
	}
	free(buf);
	close(fd);
	return n;
}

void nested_monitor_describe(const struct l1_cpu_state *c, const struct elf_syms *syms,
			     char *buf, size_t len)
{
	const char *name;
	uint64_t off;
	if (c->halted)
		snprintf(buf, len, "halted");
	else if (c->legacy)
		snprintf(buf, len, "32-bit %#" PRIx64, c->rip);
	else if (elf_syms_find(syms, c->rip, &name, &off))
		snprintf(buf, len, "guest kernel %s+%#" PRIx64, name ? name : "(text)", off);
	else
		snprintf(buf, len, "%s mode %#" PRIx64, c->cpl == 3 ? "user" : "kernel", c->rip);
}

void nested_monitor_report(FILE *f, const char *path, const struct elf_syms *syms,
			   const char *why, int samples, int gap_ms,
			   nested_monitor_idle_fn *idle, void *idle_arg)
{
	enum { MAXS = 8, DESC = 96 };
	static char desc[NESTED_MONITOR_MAX_CPUS][MAXS][DESC];
	struct l1_cpu_state cpus[NESTED_MONITOR_MAX_CPUS];
	int ncpus = 0, taken = 0;
	if (samples > MAXS)
		samples = MAXS;
	for (int s = 0; s < samples; s++) {
		if (s) {
			/* The gap, still reading QEMU's output: a wait on no
			 * descriptor until its deadline. */
			const struct waiter gap = {now_ms() + gap_ms, idle, idle_arg};
			wait_ready(-1, 0, &gap);
		}
		int n = nested_monitor_sample(path, cpus, NESTED_MONITOR_MAX_CPUS, idle,
					      idle_arg);
		if (n < 0)
			break;
		for (int i = 0; i < NESTED_MONITOR_MAX_CPUS; i++)
			snprintf(desc[i][taken], DESC, "-");
		for (int i = 0; i < n; i++)
			if (cpus[i].cpu < NESTED_MONITOR_MAX_CPUS) {
				nested_monitor_describe(&cpus[i], syms, desc[cpus[i].cpu][taken],
							DESC);
				if ((int)cpus[i].cpu >= ncpus)
					ncpus = (int)cpus[i].cpu + 1;
			}
		taken++;
	}
	if (!taken || !ncpus) {
		fprintf(f, "umbra: nested run: %s; QEMU's monitor %s, so where L1's CPUs "
			"were is not known\n", why, taken ? "listed no CPU" : "gave no answer");
		return;
	}
	fprintf(f, "umbra: nested run: %s; L1's CPUs then (%d sample%s, %d ms apart):\n",
		why, taken, taken == 1 ? "" : "s", gap_ms);
	for (int i = 0; i < ncpus; i++) {
		fprintf(f, "umbra:   cpu%d:", i);
		for (int s = 0; s < taken; s++)
			fprintf(f, "%s %s", s ? " |" : "", desc[i][s]);
		fputc('\n', f);
	}
}
