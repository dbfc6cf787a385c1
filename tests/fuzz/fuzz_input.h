/* SPDX-License-Identifier: MIT */
/*
 * Reading a libFuzzer input as a stream of values (the idea of LLVM's
 * FuzzedDataProvider, in C): every target takes its choices from the
 * front of the input; an exhausted input reads as zeros, so every input is
 * a valid program of choices. Header-only, shared by tests/fuzz/fuzz_*.c.
 */
#ifndef UMBRA_FUZZ_INPUT_H
#define UMBRA_FUZZ_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fuzz_in {
	const uint8_t *p;
	size_t n;
};

static inline bool fin_empty(const struct fuzz_in *in)
{
	return in->n == 0;
}

/* The next k (<= 8) bytes, little-endian. */
static inline uint64_t fin_bytes(struct fuzz_in *in, unsigned k)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < k && in->n; i++, in->p++, in->n--)
		v |= (uint64_t)*in->p << (8 * i);
	return v;
}

static inline uint8_t fin_u8(struct fuzz_in *in)
{
	return (uint8_t)fin_bytes(in, 1);
}

static inline uint16_t fin_u16(struct fuzz_in *in)
{
	return (uint16_t)fin_bytes(in, 2);
}

static inline uint32_t fin_u32(struct fuzz_in *in)
{
	return (uint32_t)fin_bytes(in, 4);
}

static inline uint64_t fin_u64(struct fuzz_in *in)
{
	return fin_bytes(in, 8);
}

/* A copy of the rest of the input in a buffer of exactly its size (ASan
 * then catches a read past its end), or NULL when it is empty. */
static inline uint8_t *fin_rest_copy(struct fuzz_in *in, size_t *len)
{
	*len = in->n;
	uint8_t *b = malloc(in->n ? in->n : 1);
	if (!b)
		abort();
	memcpy(b, in->p, in->n);
	in->p += in->n;
	in->n = 0;
	return b;
}

/* A finding the sanitizers cannot see (a wrong result): print why and
 * abort, so libFuzzer saves the input as a crash. */
#define FUZZ_ASSERT(cond, ...)                                                \
	do {                                                                  \
		if (!(cond)) {                                                \
			fprintf(stderr, "fuzz: %s:%d: %s: ", __FILE__,        \
				__LINE__, #cond);                             \
			fprintf(stderr, __VA_ARGS__);                         \
			fputc('\n', stderr);                                  \
			abort();                                              \
		}                                                             \
	} while (0)

#endif
