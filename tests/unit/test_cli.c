/* SPDX-License-Identifier: MIT */
/* `umbra run` command line: defaults, every option, sizes, errors. */
#include "test.h"

#include <stdlib.h>

#include <umbra/boot.h>

#include "cli.h"

#define ARGV(...) ((char *[]){"run", __VA_ARGS__, NULL})
#define ARGC(...) ((int)(sizeof((char *[]){"run", __VA_ARGS__}) / sizeof(char *)))
/* Parses `run ARGS...` into cfg; err holds the message. */
#define PARSE(cfg, err, ...) \
	cli_parse_run(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), (cfg), (err), sizeof(err))

TEST(cli_defaults)
{
	struct umbra_config cfg;
	char err[256] = "";
	CHECK_EQ(PARSE(&cfg, err, "kernel.elf"), CLI_OK);
	CHECK_STREQ(cfg.kernel, "kernel.elf");
	CHECK(cfg.initrd == NULL);
	CHECK_STREQ(cfg.params, "");
	CHECK_EQ(cfg.mem_bytes, 256ULL << 20);
	CHECK_EQ(cfg.cpus, 1);
	CHECK_EQ(cfg.paging, PAGING_TDP);
	CHECK(!cfg.debug_exits);
	CHECK(!cfg.no_nested);
}

TEST(cli_every_option_short)
{
	struct umbra_config cfg;
	char err[256] = "";
	CHECK_EQ(PARSE(&cfg, err, "-m", "1G", "-c", "4", "-i", "rd.cpio", "-p",
		       "init=/bin/hello -- 42", "k.elf"), CLI_OK);
	CHECK_STREQ(cfg.kernel, "k.elf");
	CHECK_STREQ(cfg.initrd, "rd.cpio");
	CHECK_STREQ(cfg.params, "init=/bin/hello -- 42");
	CHECK_EQ(cfg.mem_bytes, 1ULL << 30);
	CHECK_EQ(cfg.cpus, 4);
}

TEST(cli_every_option_long)
{
	struct umbra_config cfg;
	char err[256] = "";
	CHECK_EQ(PARSE(&cfg, err, "--mem", "512M", "--cpus=64", "--initrd=x.cpio",
		       "--params", "quiet", "--paging", "tdp", "--debug-exits",
		       "--no-nested", "k.elf"), CLI_OK);
	CHECK_EQ(cfg.mem_bytes, 512ULL << 20);
	CHECK_EQ(cfg.cpus, 64);
	CHECK_STREQ(cfg.initrd, "x.cpio");
	CHECK_STREQ(cfg.params, "quiet");
	CHECK_EQ(cfg.paging, PAGING_TDP);
	CHECK(cfg.debug_exits);
	CHECK(cfg.no_nested);
	/* shadow parses (run refuses it until it exists) */
	CHECK_EQ(PARSE(&cfg, err, "--paging=shadow", "k.elf"), CLI_OK);
	CHECK_EQ(cfg.paging, PAGING_SHADOW);
}

TEST(cli_glued_values_options_after_kernel_and_double_dash)
{
	struct umbra_config cfg;
	char err[256] = "";
	CHECK_EQ(PARSE(&cfg, err, "-m64M", "-c2", "k.elf", "-p", "-weird"), CLI_OK);
	CHECK_EQ(cfg.mem_bytes, 64ULL << 20);
	CHECK_EQ(cfg.cpus, 2);
	CHECK_STREQ(cfg.params, "-weird");
	CHECK_STREQ(cfg.kernel, "k.elf");
	CHECK_EQ(PARSE(&cfg, err, "--", "-kernel-with-dash"), CLI_OK);
	CHECK_STREQ(cfg.kernel, "-kernel-with-dash");
	/* the last -m wins, as usual */
	CHECK_EQ(PARSE(&cfg, err, "-m", "32M", "-m", "64", "k"), CLI_OK);
	CHECK_EQ(cfg.mem_bytes, 64ULL << 20);
}

TEST(cli_help)
{
	struct umbra_config cfg;
	char err[256] = "";
	CHECK_EQ(PARSE(&cfg, err, "-h"), CLI_HELP);
	CHECK_EQ(PARSE(&cfg, err, "--help"), CLI_HELP);
	CHECK_EQ(PARSE(&cfg, err, "k.elf", "--help"), CLI_HELP);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	cli_usage(f);
	fclose(f);
	CHECK(strstr(buf, "usage: umbra run") != NULL);
	CHECK(strstr(buf, "--paging") != NULL);
	free(buf);
}

TEST(cli_size_suffixes)
{
	uint64_t b = 0;
	CHECK_EQ(cli_parse_size("256", &b), 0);
	CHECK_EQ(b, 256ULL << 20); /* plain number: MiB */
	CHECK_EQ(cli_parse_size("4096K", &b), 0);
	CHECK_EQ(b, 4ULL << 20);
	CHECK_EQ(cli_parse_size("4096k", &b), 0);
	CHECK_EQ(b, 4ULL << 20);
	CHECK_EQ(cli_parse_size("3m", &b), 0);
	CHECK_EQ(b, 3ULL << 20);
	CHECK_EQ(cli_parse_size("2G", &b), 0);
	CHECK_EQ(b, 2ULL << 30);
	CHECK_EQ(cli_parse_size("1t", &b), 0);
	CHECK_EQ(b, 1ULL << 40);
	CHECK_EQ(cli_parse_size("0", &b), 0);
	CHECK_EQ(b, 0);
	CHECK_EQ(cli_parse_size("", &b), -1);
	CHECK_EQ(cli_parse_size("M", &b), -1);
	CHECK_EQ(cli_parse_size("lots", &b), -1);
	CHECK_EQ(cli_parse_size("-1", &b), -1);
	CHECK_EQ(cli_parse_size("+1", &b), -1);
	CHECK_EQ(cli_parse_size(" 1", &b), -1);
	CHECK_EQ(cli_parse_size("1MB", &b), -1);
	CHECK_EQ(cli_parse_size("1X", &b), -1);
	CHECK_EQ(cli_parse_size("1.5G", &b), -1);
	CHECK_EQ(cli_parse_size("99999999999999999999", &b), -1);
	CHECK_EQ(cli_parse_size("17592186044416", &b), -1);     /* 2^44 MiB */
	CHECK_EQ(cli_parse_size("17592186044415", &b), 0);      /* 2^44 - 1 MiB fits */
	CHECK_EQ(cli_parse_size("16777216T", &b), -1);          /* 2^64 */
}

/* Each bad command line fails with a message containing want. */
static void expect_error(int *failed_, enum cli_result r, const char *err,
			 const char *want)
{
	CHECK_EQ(r, CLI_ERROR);
	if (!strstr(err, want)) {
		fprintf(stderr, "  error \"%s\" lacks \"%s\"\n", err, want);
		*failed_ = 1;
	}
	CHECK(strchr(err, '\n') == NULL);
}

TEST(cli_errors)
{
	struct umbra_config cfg;
	char err[256];
	expect_error(failed_, PARSE(&cfg, err, "-m", "0", "k"), err, "mem");
	expect_error(failed_, PARSE(&cfg, err, "-m", "15M", "k"), err, "between 16M and 64G");
	expect_error(failed_, PARSE(&cfg, err, "-m", "65G", "k"), err, "between 16M and 64G");
	expect_error(failed_, PARSE(&cfg, err, "-m", "1T", "k"), err, "-m/--mem");
	expect_error(failed_, PARSE(&cfg, err, "-m", "lots", "k"), err, "not a size");
	expect_error(failed_, PARSE(&cfg, err, "-m", "17M", "k"), err, "multiple of 2M");
	expect_error(failed_, PARSE(&cfg, err, "--mem=", "k"), err, "not a size");
	expect_error(failed_, PARSE(&cfg, err, "-c", "0", "k"), err, "cpus");
	expect_error(failed_, PARSE(&cfg, err, "-c", "65", "k"), err, "between 1 and 64");
	expect_error(failed_, PARSE(&cfg, err, "-c", "100000", "k"), err, "cpus");
	expect_error(failed_, PARSE(&cfg, err, "-c", "-1", "k"), err, "not a number");
	expect_error(failed_, PARSE(&cfg, err, "-c", "2x", "k"), err, "not a number");
	expect_error(failed_, PARSE(&cfg, err, "-c", "99999999999999999999999", "k"), err, "cpus");
	expect_error(failed_, PARSE(&cfg, err, "--bogus", "k"), err, "unknown option \"--bogus\"");
	expect_error(failed_, PARSE(&cfg, err, "-x", "k"), err, "unknown option");
	expect_error(failed_, PARSE(&cfg, err, "--me", "1G", "k"), err, "unknown option");
	expect_error(failed_, PARSE(&cfg, err, "--paging", "magic", "k"), err, "paging");
	expect_error(failed_, PARSE(&cfg, err, "--debug-exits=yes", "k"), err, "takes no value");
	expect_error(failed_, PARSE(&cfg, err, "k", "-m"), err, "needs a value");
	expect_error(failed_, PARSE(&cfg, err, "-i", "", "k"), err, "empty file name");
	expect_error(failed_, PARSE(&cfg, err, "k1", "k2"), err, "unexpected argument \"k2\"");
	expect_error(failed_, cli_parse_run(1, (char *[]){"run", NULL}, &cfg, err, sizeof(err)),
		     err, "no kernel");
	expect_error(failed_, PARSE(&cfg, err, "-m", "64M"), err, "kernel");

}

TEST(cli_limits_accepted)
{
	struct umbra_config cfg;
	char err[256] = "";
	CHECK_EQ(PARSE(&cfg, err, "-m", "16M", "-c", "1", "k"), CLI_OK);
	CHECK_EQ(cfg.mem_bytes, 16ULL << 20);
	CHECK_EQ(PARSE(&cfg, err, "-m", "64G", "-c", "64", "k"), CLI_OK);
	CHECK_EQ(cfg.mem_bytes, 64ULL << 30);
	CHECK_EQ(cfg.cpus, 64);
	CHECK_EQ(PARSE(&cfg, err, "-m", "16384K", "k"), CLI_OK);
	CHECK_EQ(cfg.mem_bytes, 16ULL << 20);
}

/* -p/--params is bounded by the guest's command-line buffer
 * (UMBRA_CMDLINE_MAX, NUL included): one byte more is a usage error that
 * names the limit, instead of a guest panic at boot. */
TEST(cli_params_limit_is_the_guests)
{
	struct umbra_config cfg;
	char err[256] = "";
	static char params[UMBRA_CMDLINE_MAX + 1];
	memset(params, 'x', UMBRA_CMDLINE_MAX - 1);
	CHECK_EQ(PARSE(&cfg, err, "-p", params, "k"), CLI_OK);
	CHECK_EQ(strlen(cfg.params), UMBRA_CMDLINE_MAX - 1);
	params[UMBRA_CMDLINE_MAX - 1] = 'x';
	CHECK_EQ(PARSE(&cfg, err, "-p", params, "k"), CLI_ERROR);
	CHECK(strstr(err, "too long") != NULL);
	CHECK(strstr(err, "at most 2047") != NULL);
	CHECK(strchr(err, '\n') == NULL);
	/* The size the review found panicking the guest. */
	static char p3000[3001];
	memset(p3000, 'y', 3000);
	CHECK_EQ(PARSE(&cfg, err, "--params", p3000, "k"), CLI_ERROR);
}

TEST(cli_shadow_options)
{
	struct umbra_config cfg;
	char err[256] = "";
	CHECK_EQ(PARSE(&cfg, err, "k.elf"), CLI_OK);
	CHECK(!cfg.audit && !cfg.stats && !cfg.prefetch_given && cfg.shadow_budget == 0);
	CHECK_EQ(PARSE(&cfg, err, "--paging", "shadow", "--audit", "--stats",
		       "--prefetch", "0", "--shadow-budget=8", "k.elf"), CLI_OK);
	CHECK(cfg.audit && cfg.stats && cfg.prefetch_given);
	CHECK_EQ(cfg.prefetch, 0);
	CHECK_EQ(cfg.shadow_budget, 8);
	CHECK_EQ(PARSE(&cfg, err, "--prefetch", "-1", "k.elf"), CLI_ERROR);
	CHECK_EQ(PARSE(&cfg, err, "--shadow-budget", "x", "k.elf"), CLI_ERROR);
	CHECK_EQ(PARSE(&cfg, err, "--audit=1", "k.elf"), CLI_ERROR);
	CHECK_EQ(PARSE(&cfg, err, "--shadow-budget", "1000001", "k.elf"), CLI_ERROR);
	CHECK_EQ(PARSE(&cfg, err, "--trace", "+5", "k.elf"), CLI_ERROR);
	CHECK_EQ(PARSE(&cfg, err, "--audit-interval", "20", "k.elf"), CLI_OK);
	CHECK(cfg.audit);
	CHECK_EQ(cfg.audit_interval, 20);
	/* Bounded numbers: in range, nothing around them. */
	CHECK_EQ(PARSE(&cfg, err, "--paging", "shadow", "--shadow-poll", "1000", "k.elf"), CLI_OK);
	CHECK_EQ(cfg.shadow_poll_us, 1000);
	CHECK(cfg.shadow_poll_given);
	CHECK_EQ(PARSE(&cfg, err, "--paging", "shadow", "--shadow-poll", "0", "k.elf"), CLI_OK);
	CHECK(cfg.shadow_poll_given);
	CHECK_EQ(cfg.shadow_poll_us, 0);
	CHECK_EQ(PARSE(&cfg, err, "--paging", "shadow", "--shadow-poll", "-1", "k.elf"), CLI_ERROR);
	CHECK(strstr(err, "0..1000000") != NULL);
	CHECK_EQ(PARSE(&cfg, err, "--paging", "shadow", "--shadow-poll", "1000001", "k.elf"),
		 CLI_ERROR);
	CHECK_EQ(PARSE(&cfg, err, "--paging", "shadow", "--shadow-poll", " 5", "k.elf"), CLI_ERROR);
	CHECK_EQ(PARSE(&cfg, err, "--chaos-invalidate", "100000", "k.elf"), CLI_OK);
	CHECK_EQ(cfg.chaos_rate, 100000);
	CHECK_EQ(PARSE(&cfg, err, "--chaos-invalidate", "0", "k.elf"), CLI_ERROR);
	CHECK_EQ(PARSE(&cfg, err, "--chaos-invalidate", "-3", "k.elf"), CLI_ERROR);
	CHECK_EQ(PARSE(&cfg, err, "--chaos-invalidate", "10x", "k.elf"), CLI_ERROR);
}

/* The poll thread's default: where the host has a CPU for it besides the
 * vCPUs' (docs/shadow.md, "Exitless faults"); --shadow-poll decides where
 * given, 0 included; never outside shadow mode. */
TEST(cli_shadow_poll_default_by_host_cpus)
{
	struct umbra_config cfg;
	char err[256] = "";
	CHECK_EQ(PARSE(&cfg, err, "--paging", "shadow", "k.elf"), CLI_OK);
	CHECK(!cfg.shadow_poll_given);
	CHECK_EQ(cli_shadow_poll_us(&cfg, 2), CLI_SHADOW_POLL_DEFAULT_US);
	CHECK_EQ(cli_shadow_poll_us(&cfg, 1), 0);
	CHECK_EQ(PARSE(&cfg, err, "--paging", "shadow", "-c", "2", "k.elf"), CLI_OK);
	CHECK_EQ(cli_shadow_poll_us(&cfg, 2), 0);
	CHECK_EQ(cli_shadow_poll_us(&cfg, 3), CLI_SHADOW_POLL_DEFAULT_US);
	CHECK_EQ(PARSE(&cfg, err, "--paging", "shadow", "--shadow-poll", "0", "k.elf"), CLI_OK);
	CHECK_EQ(cli_shadow_poll_us(&cfg, 64), 0);
	CHECK_EQ(PARSE(&cfg, err, "--paging", "shadow", "--shadow-poll", "20000", "k.elf"),
		 CLI_OK);
	CHECK_EQ(cli_shadow_poll_us(&cfg, 1), 20000);
	CHECK_EQ(PARSE(&cfg, err, "k.elf"), CLI_OK);
	CHECK_EQ(cli_shadow_poll_us(&cfg, 64), 0);
}
