/* SPDX-License-Identifier: MIT */
/*
 * Sanitizer defaults of build/umbra-asan, built in because a nested run's
 * copy in L1 does not see the caller's environment. A report ends the run
 * with status 99, which no test accepts. Leak checking is off: the unit
 * tests (ASan) check the hosted code for leaks, and here the VMM's exit
 * paths hand what is left to the kernel on purpose.
 */
const char *__asan_default_options(void);
const char *__ubsan_default_options(void);

const char *__asan_default_options(void)
{
	return "detect_leaks=0:exitcode=99";
}

const char *__ubsan_default_options(void)
{
	return "print_stacktrace=1:exitcode=99";
}
