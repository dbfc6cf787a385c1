/* SPDX-License-Identifier: MIT */
/* Runs every registered unit test (optionally only those whose name contains
 * argv[1]) and prints "N passed, N failed". Exit status 1 if any failed. */
#include "test.h"

static struct unit_test *tests;

void unit_test_register(struct unit_test *t)
{
	t->next = tests;
	tests = t;
}

int main(int argc, char **argv)
{
	/* Registration order is reversed by the list: restore file order. */
	struct unit_test *rev = NULL;
	while (tests) {
		struct unit_test *t = tests;
		tests = t->next;
		t->next = rev;
		rev = t;
	}
	int passed = 0, failed = 0;
	for (struct unit_test *t = rev; t; t = t->next) {
		if (argc > 1 && !strstr(t->name, argv[1]))
			continue;
		int f = 0;
		t->fn(&f);
		printf("%s %s\n", f ? "FAIL" : "ok  ", t->name);
		if (f)
			failed++;
		else
			passed++;
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
