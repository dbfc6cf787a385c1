/* SPDX-License-Identifier: MIT */
/*
 * `umbra run` options. Parsed by hand rather than with getopt_long: the
 * parser runs twice in a nested run (outside and inside L1) and in unit
 * tests, and getopt keeps global state and prints its own messages.
 */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <umbra/boot.h>

#include "../shadow/fault_inject.h"

unsigned int cli_shadow_poll_us(const struct umbra_config *cfg, unsigned int host_cpus)
{
	if (cfg->paging != PAGING_SHADOW)
		return 0;
	if (cfg->shadow_poll_given)
		return cfg->shadow_poll_us;
	return host_cpus > cfg->cpus ? CLI_SHADOW_POLL_DEFAULT_US : 0;
}

void cli_usage(FILE *f)
{
	fputs("usage: umbra run [options] KERNEL\n"
	      "Boot the guest kernel KERNEL (umbra's ELF, a Linux bzImage or a multiboot\n"
	      "image: by content)\n"
	      "in a KVM virtual machine.\n"
	      "Where this machine has no usable /dev/kvm (none, or no VMX/SVM under\n"
	      "it), the run is re-executed inside a QEMU (TCG) VM that offers KVM.\n"
	      "\n"
	      "  -m, --mem SIZE        guest RAM (default 256M; 16M..64G, in 2M steps;\n"
	      "                        suffix K, M, G or T; a plain number is MiB)\n"
	      "  -c, --cpus N          vCPUs, 1..64 (default 1)\n"
	      "  -k, --kernel FILE     the kernel (instead of the KERNEL argument): umbra's\n"
	      "                        ELF, a Linux bzImage or a multiboot image (by content;\n"
	      "                        docs/boot.md)\n"
	      "  -i, --initrd FILE     initramfs for the guest (newc cpio for umbra's kernel)\n"
	      "  -p, --params CMDLINE  guest kernel command line\n"
	      "      --bios FILE       start FILE (e.g. SeaBIOS) at the reset vector; it\n"
	      "                        boots KERNEL (a bzImage, a multiboot image or umbra's\n"
	      "                        kernel) through fw_cfg and QEMU's option ROMs\n"
	      "                        (docs/boot.md)\n"
	      "      --paging MODE     tdp (default; EPT/NPT) or shadow (the VMM's shadow\n"
	      "                        page tables; docs/shadow.md)\n"
	      "      --audit           shadow: audit the shadow tables after every hypercall\n"
	      "      --audit-interval N  shadow: audit after every Nth hypercall only\n"
	      "      --stats           print the shadow MMU's and host memory's counters at exit\n"
	      "      --prefetch N      shadow: neighbours filled per fault (default 16)\n"
	      "      --shadow-budget N shadow: shadow pages at most (default 2% of RAM)\n"
	      "      --shadow-poll US  shadow: a VMM thread answers page faults without\n"
	      "                        a VM exit, spinning on a host CPU; after US\n"
	      "                        microseconds without a fault, hypercall or I/O\n"
	      "                        exit (up to 16 x US when they keep coming just\n"
	      "                        after it) it looks every 20 us for 200 ms, then\n"
	      "                        sleeps; 0: no thread (default 1000 where umbra\n"
	      "                        may use more host CPUs than the guest has vCPUs,\n"
	      "                        else 0; docs/shadow.md)\n"
	      "      --dump-on-exit FILE  write a dump of the page tables to FILE at the\n"
	      "                        end (and on SIGUSR2 or the guest's request;\n"
	      "                        docs/dump-format.md; see tools/umbra-dump)\n"
	      "      --control PATH    JSON-lines control socket (docs/control.md)\n"
	      "      --trace N         record the last N MMU and host-memory events (in dumps)\n"
	      "      --mem-limit SIZE  host memory the guest holds at most (the rest is\n"
	      "                        swapped out; docs/host-memory.md)\n"
	      "      --dedup           merge identical guest frames (tdp: the host's KSM)\n"
	      "      --chaos-invalidate RATE  for tests: RATE random host-memory\n"
	      "                        invalidations, migrations, swap-outs per second\n"
	      "      --fault-inject SPEC  for tests only: make host operations fail,\n"
	      "                        SPEC = KIND[:N|:N+|%P],... (KIND: mmap, madvise,\n"
	      "                        uffd, sp-alloc, swap-write, swap-read; :N the Nth\n"
	      "                        call, :N+ from the Nth on, %P P percent of calls;\n"
	      "                        docs/reliability.md)\n"
	      "      --debug-exits     log every VM exit to stderr\n"
	      "      --no-nested       fail instead of running nested in QEMU\n"
	      "  -h, --help            this text\n"
	      "\n"
	      "The exit status is the guest's (UMBRA_HC_EXIT); 120..125 mean the VMM\n"
	      "failed, with a one-line reason on stderr.\n",
	      f);
}

/* A decimal number lo..hi and nothing else (no sign, no blanks). */
static bool parse_bounded(const char *s, unsigned long lo, unsigned long hi, unsigned int *out)
{
	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	char *end;
	unsigned long n = strtoul(s, &end, 10);
	if (errno || *end || n < lo || n > hi)
		return false;
	*out = (unsigned int)n;
	return true;
}

int cli_parse_size(const char *s, uint64_t *bytes)
{
	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	char *end;
	unsigned long long n = strtoull(s, &end, 10);
	if (errno)
		return -1;
	unsigned int shift;
	switch (*end) {
	case '\0': shift = 20; break;
	case 'k': case 'K': shift = 10; break;
	case 'm': case 'M': shift = 20; break;
	case 'g': case 'G': shift = 30; break;
	case 't': case 'T': shift = 40; break;
	default: return -1;
	}
	if (*end && end[1])
		return -1;
	if (n > (UINT64_MAX >> shift))
		return -1;
	*bytes = (uint64_t)n << shift;
	return 0;
}

static enum cli_result fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum cli_result fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return CLI_ERROR;
}

enum opt { OPT_MEM, OPT_CPUS, OPT_INITRD, OPT_PARAMS, OPT_PAGING,
	   OPT_DEBUG_EXITS, OPT_NO_NESTED, OPT_AUDIT, OPT_STATS, OPT_PREFETCH,
	   OPT_SHADOW_BUDGET, OPT_AUDIT_INTERVAL, OPT_DUMP, OPT_CONTROL, OPT_TRACE,
	   OPT_KERNEL, OPT_BIOS, OPT_MEM_LIMIT, OPT_DEDUP, OPT_CHAOS, OPT_FAULT_INJECT,
	   OPT_SHADOW_POLL, OPT_HELP };

static const struct option_def {
	char short_name; /* 0: long only */
	const char *long_name;
	bool has_arg;
	enum opt id;
} options[] = {
	{'m', "mem", true, OPT_MEM},
	{'c', "cpus", true, OPT_CPUS},
	{'i', "initrd", true, OPT_INITRD},
	{'k', "kernel", true, OPT_KERNEL},
	{0, "bios", true, OPT_BIOS},
	{'p', "params", true, OPT_PARAMS},
	{0, "paging", true, OPT_PAGING},
	{0, "debug-exits", false, OPT_DEBUG_EXITS},
	{0, "no-nested", false, OPT_NO_NESTED},
	{0, "audit", false, OPT_AUDIT},
	{0, "stats", false, OPT_STATS},
	{0, "audit-interval", true, OPT_AUDIT_INTERVAL},
	{0, "prefetch", true, OPT_PREFETCH},
	{0, "shadow-budget", true, OPT_SHADOW_BUDGET},
	{0, "shadow-poll", true, OPT_SHADOW_POLL},
	{0, "dump-on-exit", true, OPT_DUMP},
	{0, "control", true, OPT_CONTROL},
	{0, "trace", true, OPT_TRACE},
	{0, "mem-limit", true, OPT_MEM_LIMIT},
	{0, "dedup", false, OPT_DEDUP},
	{0, "chaos-invalidate", true, OPT_CHAOS},
	{0, "fault-inject", true, OPT_FAULT_INJECT},
	{'h', "help", false, OPT_HELP},
};
#define NOPTIONS (sizeof(options) / sizeof(options[0]))

/* The option named by arg ("-m", "-m256M", "--mem", "--mem=256M"); *inline_val
 * is set to the value glued to it, if any. */
static const struct option_def *lookup(const char *arg, const char **inline_val)
{
	*inline_val = NULL;
	if (arg[1] == '-') {
		const char *name = arg + 2, *eq = strchr(name, '=');
		size_t len = eq ? (size_t)(eq - name) : strlen(name);
		for (size_t i = 0; i < NOPTIONS; i++) {
			if (strlen(options[i].long_name) == len &&
			    strncmp(options[i].long_name, name, len) == 0) {
				*inline_val = eq ? eq + 1 : NULL;
				return &options[i];
			}
		}
		return NULL;
	}
	for (size_t i = 0; i < NOPTIONS; i++) {
		if (options[i].short_name && options[i].short_name == arg[1]) {
			*inline_val = arg[2] ? arg + 2 : NULL;
			return &options[i];
		}
	}
	return NULL;
}

/* "-m/--mem" for messages. */
static const char *opt_label(const struct option_def *o, char *buf, size_t len)
{
	if (o->short_name)
		snprintf(buf, len, "-%c/--%s", o->short_name, o->long_name);
	else
		snprintf(buf, len, "--%s", o->long_name);
	return buf;
}

static enum cli_result apply(const struct option_def *o, const char *val,
			     struct umbra_config *cfg, char *err, size_t errlen)
{
	char label[32];
	opt_label(o, label, sizeof(label));
	switch (o->id) {
	case OPT_MEM: {
		uint64_t bytes;
		if (cli_parse_size(val, &bytes) != 0)
			return fail(err, errlen, "%s \"%s\": not a size (e.g. 512M, 2G)",
				    label, val);
		if (bytes < CLI_MEM_MIN || bytes > CLI_MEM_MAX)
			return fail(err, errlen, "%s %s: guest RAM must be between 16M and 64G",
				    label, val);
		if (bytes % CLI_MEM_ALIGN)
			return fail(err, errlen, "%s %s: guest RAM must be a multiple of 2M",
				    label, val);
		cfg->mem_bytes = bytes;
		return CLI_OK;
	}
	case OPT_CPUS: {
		char *end;
		errno = 0;
		unsigned long n = strtoul(val, &end, 10);
		if (*val < '0' || *val > '9' || *end || errno)
			return fail(err, errlen, "%s \"%s\": not a number of vCPUs",
				    label, val);
		if (n < 1 || n > CLI_CPUS_MAX)
			return fail(err, errlen, "%s %s: the number of vCPUs must be between 1 and %d",
				    label, val, CLI_CPUS_MAX);
		cfg->cpus = (unsigned int)n;
		return CLI_OK;
	}
	case OPT_INITRD:
		if (!*val)
			return fail(err, errlen, "%s: empty file name", label);
		cfg->initrd = val;
		return CLI_OK;
	case OPT_KERNEL:
		if (!*val)
			return fail(err, errlen, "%s: empty file name", label);
		if (cfg->kernel)
			return fail(err, errlen, "%s %s: the kernel is already %s", label,
				    val, cfg->kernel);
		cfg->kernel = val;
		return CLI_OK;
	case OPT_BIOS:
		if (!*val)
			return fail(err, errlen, "%s: empty file name", label);
		cfg->bios = val;
		return CLI_OK;
	case OPT_PARAMS:
		if (strlen(val) >= UMBRA_CMDLINE_MAX)
			return fail(err, errlen, "%s: command line too long (%zu bytes; the "
				    "guest takes at most %d)", label, strlen(val),
				    UMBRA_CMDLINE_MAX - 1);
		cfg->params = val;
		return CLI_OK;
	case OPT_PAGING:
		if (strcmp(val, "tdp") == 0)
			cfg->paging = PAGING_TDP;
		else if (strcmp(val, "shadow") == 0)
			cfg->paging = PAGING_SHADOW;
		else
			return fail(err, errlen, "%s \"%s\": unknown paging mode (tdp or shadow)",
				    label, val);
		return CLI_OK;
	case OPT_DEBUG_EXITS:
		cfg->debug_exits = true;
		return CLI_OK;
	case OPT_NO_NESTED:
		cfg->no_nested = true;
		return CLI_OK;
	case OPT_AUDIT:
		cfg->audit = true;
		return CLI_OK;
	case OPT_STATS:
		cfg->stats = true;
		return CLI_OK;
	case OPT_DUMP:
	case OPT_CONTROL:
		if (!*val)
			return fail(err, errlen, "%s: empty file name", label);
		if (strlen(val) >= 100)
			return fail(err, errlen, "%s: path longer than 99 bytes", label);
		*(o->id == OPT_DUMP ? &cfg->dump_path : &cfg->control_path) = val;
		return CLI_OK;
	case OPT_TRACE:
	case OPT_PREFETCH:
	case OPT_AUDIT_INTERVAL:
	case OPT_SHADOW_BUDGET: {
		unsigned int n;
		if (!parse_bounded(val, 0, 1000000, &n))
			return fail(err, errlen, "%s %s: not a number (0..1000000)", label, val);
		if (o->id == OPT_AUDIT_INTERVAL) {
			cfg->audit = true;
			cfg->audit_interval = n;
		} else if (o->id == OPT_TRACE) {
			cfg->trace_events = n;
		} else if (o->id == OPT_PREFETCH) {
			cfg->prefetch = n;
			cfg->prefetch_given = true;
		} else {
			cfg->shadow_budget = n;
		}
		return CLI_OK;
	}
	case OPT_MEM_LIMIT: {
		uint64_t bytes;
		if (cli_parse_size(val, &bytes) != 0 || bytes < 4096 || bytes % 4096)
			return fail(err, errlen, "%s \"%s\": not a size of whole 4K pages (e.g. 64M)",
				    label, val);
		cfg->mem_limit = bytes;
		return CLI_OK;
	}
	case OPT_DEDUP:
		cfg->dedup = true;
		return CLI_OK;
	case OPT_CHAOS:
		if (!parse_bounded(val, 1, 100000, &cfg->chaos_rate))
			return fail(err, errlen, "%s %s: not a rate (1..100000 per second)",
				    label, val);
		return CLI_OK;
	case OPT_SHADOW_POLL:
		if (!parse_bounded(val, 0, 1000000, &cfg->shadow_poll_us))
			return fail(err, errlen, "%s %s: not a time in microseconds "
				    "(0..1000000; 0: no poll thread)", label, val);
		cfg->shadow_poll_given = true;
		return CLI_OK;
	case OPT_FAULT_INJECT:
		if (fault_inject_check(val, err, errlen))
			return CLI_ERROR;
		cfg->fault_inject = val;
		return CLI_OK;
	case OPT_HELP:
		return CLI_HELP;
	}
	return fail(err, errlen, "internal error: option %d", (int)o->id);
}

enum cli_result cli_parse_run(int argc, char **argv, struct umbra_config *cfg,
			      char *err, size_t errlen)
{
	*cfg = (struct umbra_config){
		.kernel = NULL, .initrd = NULL, .params = "",
		.mem_bytes = CLI_MEM_DEFAULT, .cpus = 1, .paging = PAGING_TDP,
		.debug_exits = false, .no_nested = false,
	};
	bool options_done = false;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (options_done || arg[0] != '-' || arg[1] == '\0') {
			if (cfg->kernel)
				return fail(err, errlen, "unexpected argument \"%s\" "
					    "(the kernel is %s; options go before it)",
					    arg, cfg->kernel);
			cfg->kernel = arg;
			continue;
		}
		if (strcmp(arg, "--") == 0) {
			options_done = true;
			continue;
		}
		const char *val;
		const struct option_def *o = lookup(arg, &val);
		if (!o)
			return fail(err, errlen, "unknown option \"%s\" (see umbra run --help)",
				    arg);
		char label[32];
		if (!o->has_arg && val)
			return fail(err, errlen, "%s takes no value",
				    opt_label(o, label, sizeof(label)));
		if (o->has_arg && !val) {
			if (i + 1 >= argc)
				return fail(err, errlen, "%s needs a value",
					    opt_label(o, label, sizeof(label)));
			val = argv[++i];
		}
		enum cli_result r = apply(o, val, cfg, err, errlen);
		if (r != CLI_OK)
			return r;
	}
	if (!cfg->kernel)
		return fail(err, errlen, "no kernel given (usage: umbra run [options] KERNEL)");
	return CLI_OK;
}
