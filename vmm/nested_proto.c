/* SPDX-License-Identifier: MIT */
/* The pure parts of nested runs; see nested_proto.h. */
#include "nested_proto.h"

#include <stdio.h>
#include <string.h>

/* A size as the command line takes it, with the largest exact suffix. */
static void format_size(char *buf, size_t cap, uint64_t bytes)
{
	static const char suffixes[] = "TGMK";
	for (int i = 0; i < 4; i++) {
		unsigned int shift = 10u * (unsigned int)(4 - i);
		uint64_t unit = (uint64_t)1 << shift;
		if (bytes && bytes % unit == 0) {
			snprintf(buf, cap, "%llu%c",
				 (unsigned long long)(bytes >> shift), suffixes[i]);
			return;
		}
	}
	snprintf(buf, cap, "%llu", (unsigned long long)bytes);
}

static int put_arg(FILE *f, const char *arg)
{
	return fwrite(arg, 1, strlen(arg) + 1, f) == strlen(arg) + 1 ? 0 : -1;
}

int nested_write_argv(FILE *f, const struct umbra_config *cfg)
{
	char mem[32], cpus[16], prefetch[16], budget[16], interval[16], trace[16], limit[32], chaos[16],
	     poll[16];
	format_size(mem, sizeof(mem), cfg->mem_bytes);
	snprintf(cpus, sizeof(cpus), "%u", cfg->cpus);
	const char *args[48];
	int n = 0;
	args[n++] = "run";
	args[n++] = "-m";
	args[n++] = mem;
	args[n++] = "-c";
	args[n++] = cpus;
	if (cfg->params && cfg->params[0]) {
		args[n++] = "-p";
		args[n++] = cfg->params;
	}
	if (cfg->bios) {
		args[n++] = "--bios";
		args[n++] = NESTED_L1_BIOS;
	}
	if (cfg->initrd) {
		args[n++] = "-i";
		args[n++] = NESTED_L1_INITRD;
	}
	args[n++] = "--paging";
	args[n++] = cfg->paging == PAGING_SHADOW ? "shadow" : "tdp";
	if (cfg->debug_exits)
		args[n++] = "--debug-exits";
	if (cfg->audit)
		args[n++] = "--audit";
	if (cfg->audit_interval) {
		snprintf(interval, sizeof(interval), "%u", cfg->audit_interval);
		args[n++] = "--audit-interval";
		args[n++] = interval;
	}
	if (cfg->stats)
		args[n++] = "--stats";
	if (cfg->prefetch_given) {
		snprintf(prefetch, sizeof(prefetch), "%u", cfg->prefetch);
		args[n++] = "--prefetch";
		args[n++] = prefetch;
	}
	if (cfg->shadow_budget) {
		snprintf(budget, sizeof(budget), "%u", cfg->shadow_budget);
		args[n++] = "--shadow-budget";
		args[n++] = budget;
	}
	/* Given or not: the default is decided inside L1, by its CPUs. */
	if (cfg->shadow_poll_given) {
		snprintf(poll, sizeof(poll), "%u", cfg->shadow_poll_us);
		args[n++] = "--shadow-poll";
		args[n++] = poll;
	}
	/* The dump file and the control socket are QEMU's serial ports 2 and
	 * 3 on the host side (nested.c). */
	if (cfg->dump_path) {
		args[n++] = "--dump-on-exit";
		args[n++] = NESTED_L1_DUMP;
	}
	if (cfg->control_path) {
		args[n++] = "--control";
		args[n++] = NESTED_L1_CONTROL;
	}
	if (cfg->trace_events) {
		snprintf(trace, sizeof(trace), "%u", cfg->trace_events);
		args[n++] = "--trace";
		args[n++] = trace;
	}
	if (cfg->mem_limit) {
		format_size(limit, sizeof(limit), cfg->mem_limit);
		args[n++] = "--mem-limit";
		args[n++] = limit;
	}
	if (cfg->dedup)
		args[n++] = "--dedup";
	if (cfg->chaos_rate) {
		snprintf(chaos, sizeof(chaos), "%u", cfg->chaos_rate);
		args[n++] = "--chaos-invalidate";
		args[n++] = chaos;
	}
	if (cfg->fault_inject) {
		args[n++] = "--fault-inject";
		args[n++] = cfg->fault_inject;
	}
	args[n++] = "--no-nested";
	args[n++] = NESTED_L1_KERNEL;
	for (int i = 0; i < n; i++)
		if (put_arg(f, args[i]) != 0)
			return -1;
	return 0;
}

int nested_split_argv(char *buf, size_t len, char **vec, int max)
{
	if (len == 0 || buf[len - 1] != '\0')
		return -1;
	int n = 0;
	for (size_t i = 0; i < len; i += strlen(buf + i) + 1) {
		if (n == max)
			return -1;
		vec[n++] = buf + i;
	}
	return n;
}

int nested_write_env(FILE *f, const char *mark, const char *kvm_amd_params)
{
	fprintf(f, "UMBRA_MARK=%s\nKVM_AMD_PARAMS='", mark);
	/* Inside single quotes only ' itself needs care: end the quote, add an
	 * escaped one, reopen. */
	for (const char *p = kvm_amd_params ? kvm_amd_params : ""; *p; p++) {
		if (*p == '\'')
			fputs("'\\''", f);
		else
			fputc(*p, f);
	}
	fputs("'\n", f);
	return ferror(f) ? -1 : 0;
}

uint64_t nested_l1_mem_mib(uint64_t guest_bytes, uint64_t files_bytes)
{
	const uint64_t mib = 1 << 20;
	uint64_t need = (guest_bytes + mib - 1) / mib + 512 +
			2 * ((files_bytes + mib - 1) / mib);
	return need < 1024 ? 1024 : need;
}

unsigned int nested_l1_cpus(unsigned int guest_cpus)
{
	return guest_cpus < 1 ? 2 : guest_cpus + 1;
}

void nested_console_init(struct nested_console *c, const char *mark)
{
	memset(c, 0, sizeof(*c));
	c->state = NESTED_BOOT;
	c->status = -1;
	snprintf(c->start_line, sizeof(c->start_line), "umbra-l1-start %s", mark);
	snprintf(c->exit_tag, sizeof(c->exit_tag), "umbra-l1-exit %s ", mark);
	snprintf(c->error_tag, sizeof(c->error_tag), "umbra-l1-error %s ", mark);
}

/* Remembers the last non-empty line of what L1 printed (markers aside). */
static void note(struct nested_console *c, const char *data, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (data[i] == '\n' || data[i] == '\r') {
			c->last_len = 0;
			continue;
		}
		if (c->last_len == 0)
			c->last_line[0] = '\0';
		if (c->last_len < sizeof(c->last_line) - 1) {
			c->last_line[c->last_len++] = data[i];
			c->last_line[c->last_len] = '\0';
		}
	}
}

static void forward(struct nested_console *c, const char *data, size_t len,
		    nested_out_fn *out, void *ctx)
{
	if (len) {
		note(c, data, len);
		out(ctx, data, len);
	}
}

static bool starts_with(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);
	return len >= n && memcmp(s, prefix, n) == 0;
}

/* One complete line L1 printed before the start marker. */
static void boot_line(struct nested_console *c, char *line, size_t len)
{
	if (len && line[len - 1] == '\r')
		len--; /* the kernel console writes \r\n */
	line[len] = '\0';
	if (strcmp(line, c->start_line) == 0) {
		c->state = NESTED_RUN;
	} else if (starts_with(line, len, c->error_tag)) {
		snprintf(c->message, sizeof(c->message), "%s",
			 line + strlen(c->error_tag));
		c->state = NESTED_ERROR;
	} else {
		note(c, line, len);
		note(c, "\n", 1);
	}
}

/* Length of the longest proper prefix of tag that ends buf. */
static size_t tag_prefix_at_end(const char *buf, size_t len, const char *tag)
{
	size_t tag_len = strlen(tag);
	size_t k = len < tag_len - 1 ? len : tag_len - 1;
	for (; k > 0; k--)
		if (memcmp(buf + len - k, tag, k) == 0)
			return k;
	return 0;
}

/* Parses "STATUS\n" after the exit tag; NESTED_ERROR if malformed. */
static void exit_marker(struct nested_console *c, const char *s, size_t len)
{
	int status = 0;
	bool ok = len > 0 && len <= 3;
	for (size_t i = 0; ok && i < len; i++) {
		ok = s[i] >= '0' && s[i] <= '9';
		status = status * 10 + (s[i] - '0');
	}
	if (ok && status <= 255) {
		c->status = status;
		c->state = NESTED_EXIT;
	} else {
		snprintf(c->message, sizeof(c->message),
			 "malformed exit marker from L1: \"%s%.*s\"", c->exit_tag,
			 (int)(len < 40 ? len : 40), s);
		c->state = NESTED_ERROR;
	}
}

/* Forwards what is held, except a possible (partial) exit marker. */
static void run_scan(struct nested_console *c, nested_out_fn *out, void *ctx)
{
	size_t tag_len = strlen(c->exit_tag);
	char *tag = memmem(c->held, c->held_len, c->exit_tag, tag_len);
	size_t keep;
	if (tag) {
		forward(c, c->held, (size_t)(tag - c->held), out, ctx);
		keep = c->held_len - (size_t)(tag - c->held);
		char *nl = memchr(tag + tag_len, '\n', keep - tag_len);
		if (nl) {
			exit_marker(c, tag + tag_len, (size_t)(nl - tag - tag_len));
			c->held_len = 0;
			return;
		}
		if (keep == sizeof(c->held)) {
			/* No newline in a whole buffer: not a line /init wrote. */
			exit_marker(c, tag + tag_len, keep - tag_len);
			c->held_len = 0;
			return;
		}
	} else {
		keep = tag_prefix_at_end(c->held, c->held_len, c->exit_tag);
		forward(c, c->held, c->held_len - keep, out, ctx);
	}
	memmove(c->held, c->held + c->held_len - keep, keep);
	c->held_len = keep;
}

void nested_console_feed(struct nested_console *c, const char *data,
			 size_t len, nested_out_fn *out, void *ctx)
{
	size_t i = 0;
	while (i < len && c->state == NESTED_BOOT) {
		char ch = data[i++];
		if (ch == '\n') {
			boot_line(c, c->held, c->held_len);
			c->held_len = 0;
		} else if (c->held_len < sizeof(c->held) - 1) {
			c->held[c->held_len++] = ch;
		} /* else: an overlong line, truncated; no marker is that long */
	}
	while (i < len && c->state == NESTED_RUN) {
		size_t room = sizeof(c->held) - c->held_len;
		size_t n = len - i < room ? len - i : room;
		memcpy(c->held + c->held_len, data + i, n);
		c->held_len += n;
		i += n;
		run_scan(c, out, ctx);
	}
}

void nested_console_end(struct nested_console *c, nested_out_fn *out,
			void *ctx)
{
	if (c->state == NESTED_RUN) {
		forward(c, c->held, c->held_len, out, ctx);
		c->held_len = 0;
	}
}
