/* SPDX-License-Identifier: MIT */
/*
 * A minimal unit-test harness. A test file defines tests with
 *     TEST(name) { ... CHECK(cond); CHECK_EQ(a, b); ... }
 * Tests register themselves at load time; tests/unit/main.c runs them all
 * and ends with the line "N passed, N failed".
 */
#ifndef UMBRA_TEST_H
#define UMBRA_TEST_H

#include <stdio.h>
#include <string.h>

struct unit_test {
	const char *name;
	const char *file;
	void (*fn)(int *failed);
	struct unit_test *next;
};

void unit_test_register(struct unit_test *t);

#define TEST(name)                                                            \
	static void test_##name(int *failed_);                                \
	static struct unit_test test_desc_##name = {#name, __FILE__,          \
						    test_##name, NULL};       \
	__attribute__((constructor)) static void test_reg_##name(void)        \
	{                                                                     \
		unit_test_register(&test_desc_##name);                        \
	}                                                                     \
	static void test_##name(int *failed_)

/* Record a failure with its location; the test goes on. */
#define CHECK(cond)                                                           \
	do {                                                                  \
		if (!(cond)) {                                                \
			fprintf(stderr, "  %s:%d: CHECK(%s) failed\n",        \
				__FILE__, __LINE__, #cond);                   \
			*failed_ = 1;                                         \
		}                                                             \
	} while (0)

#define CHECK_EQ(a, b)                                                        \
	do {                                                                  \
		long long a_ = (long long)(a), b_ = (long long)(b);           \
		if (a_ != b_) {                                               \
			fprintf(stderr, "  %s:%d: %s == %s failed: %lld != %lld\n", \
				__FILE__, __LINE__, #a, #b, a_, b_);          \
			*failed_ = 1;                                         \
		}                                                             \
	} while (0)

#define CHECK_STREQ(a, b)                                                     \
	do {                                                                  \
		const char *a_ = (a), *b_ = (b);                              \
		if (!a_ || !b_ || strcmp(a_, b_) != 0) {                      \
			fprintf(stderr, "  %s:%d: %s == %s failed: \"%s\" != \"%s\"\n", \
				__FILE__, __LINE__, #a, #b, a_ ? a_ : "(null)", \
				b_ ? b_ : "(null)");                          \
			*failed_ = 1;                                         \
		}                                                             \
	} while (0)

#endif
