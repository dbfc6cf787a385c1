// SPDX-License-Identifier: MIT
/*
 * The kernel command line: "quiet", "init=PATH" (default /init),
 * "thp_anon=SIZEK:always" (anonymous large folios, mm/memory.c),
 * "balloon=PAGES" (frames given back to the host at boot), "hostile=CASE"
 * (bogus hypercalls for the VMM's tests, kernel/hostile.c), and "--"
 * after which every word is an argument for init. Other words are ignored.
 */
#include "bootinfo.h"
#include "mm.h"
#include "printk.h"
#include "stdlib.h"
#include "string.h"

struct boot_params boot_params = {.init_path = "/init"};
static char words[COMMAND_LINE_SIZE];

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/* "thp_anon=SIZEK:always" (Linux's syntax, one size): anonymous write
 * faults map SIZE-aligned blocks (mm/memory.c); "SIZEK:never" turns it off.
 * SIZE a power of two from 8K to 256K; anything else is refused. */
static void parse_thp_anon(const char *arg)
{
	char *end;
	unsigned long kb = strtoul(arg, &end, 10);
	unsigned long pages = kb / 4;
	bool always = !strcmp(end, "K:always") || !strcmp(end, "k:always");
	bool never = !strcmp(end, "K:never") || !strcmp(end, "k:never");
	if ((!always && !never) || kb % 4 || pages < 2 || pages > THP_ANON_MAX_PAGES ||
	    (pages & (pages - 1))) {
		pr_warn("thp_anon=%s: expected SIZEK:always or SIZEK:never, SIZE a power "
			"of two from 8 to %d (ignored)", arg, THP_ANON_MAX_PAGES * 4);
		return;
	}
	thp_anon_pages = always ? (unsigned int)pages : 1;
	pr_info("thp_anon: anonymous faults map %lu KiB blocks", always ? kb : 4);
}

void parse_cmdline(const char *cmdline)
{
	bool for_init = false;
	char *p = words;

	memcpy(words, cmdline, strnlen(cmdline, sizeof(words) - 1));
	while (*p) {
		while (is_space(*p))
			p++;
		if (!*p)
			break;
		char *word = p;
		while (*p && !is_space(*p))
			p++;
		if (*p)
			*p++ = '\0';

		if (for_init) {
			if (boot_params.init_argc == (int)ARRAY_SIZE(boot_params.init_argv))
				panic("more than %zu arguments for init on the command line",
				      ARRAY_SIZE(boot_params.init_argv));
			boot_params.init_argv[boot_params.init_argc++] = word;
		} else if (!strcmp(word, "--")) {
			for_init = true;
		} else if (!strcmp(word, "quiet")) {
			console_quiet = true;
		} else if (!strncmp(word, "init=", 5)) {
			boot_params.init_path = word + 5;
		} else if (!strncmp(word, "thp_anon=", 9)) {
			parse_thp_anon(word + 9);
		} else if (!strncmp(word, "balloon=", 8)) {
			boot_params.balloon = strtoul(word + 8, NULL, 10);
		} else if (!strncmp(word, "hostile=", 8)) {
			boot_params.hostile = word + 8;
		}
	}
}
