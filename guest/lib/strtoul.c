// SPDX-License-Identifier: MIT
/* strtoul with C semantics (libfdt uses it to parse unit addresses). */
#include <limits.h>
#include <stdlib.h>

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 36;
}

unsigned long strtoul(const char *s, char **end, int base)
{
	const char *p = s;
	int neg = 0;
	while (*p == ' ' || (*p >= '\t' && *p <= '\r'))
		p++;
	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	if ((base == 0 || base == 16) && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
	    digit_value(p[2]) < 16) {
		p += 2;
		base = 16;
	} else if (base == 0) {
		base = p[0] == '0' ? 8 : 10;
	}
	if (base < 2 || base > 36) {
		if (end)
			*end = (char *)s;
		return 0;
	}
	const char *digits = p;
	unsigned long v = 0;
	int overflow = 0;
	for (; digit_value(*p) < base; p++) {
		unsigned long d = digit_value(*p);
		if (v > (ULONG_MAX - d) / base)
			overflow = 1;
		v = v * base + d;
	}
	if (end)
		*end = (char *)(p == digits ? s : p);
	if (overflow)
		return ULONG_MAX;
	return neg ? -v : v;
}
