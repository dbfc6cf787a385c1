// SPDX-License-Identifier: MIT
/*
 * The kernel command line: "quiet", "init=PATH" (default /init), and "--"
 * after which every word is an argument for init. Other words are ignored.
 */
#include "bootinfo.h"
#include "printk.h"
#include "string.h"

struct boot_params boot_params = {.init_path = "/init"};
static char words[COMMAND_LINE_SIZE];

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
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
		}
	}
}
