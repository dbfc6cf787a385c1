/* SPDX-License-Identifier: MIT */
/*
 * A small JSON parser (RFC 8259) for the control socket's requests and the
 * dump tools. Input is untrusted: every read is bounds-checked, nesting is
 * limited (JSON_MAX_DEPTH), and any error gives NULL with a message, never
 * a crash. The result is a tree of nodes owned by the caller (json_free).
 */
#ifndef UMBRA_VMM_JSON_H
#define UMBRA_VMM_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_DEPTH 64

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

struct json {
	enum json_type type;
	bool boolean;
	double number;
	char *str;          /* JSON_STRING: decoded, NUL-terminated (may hold NULs) */
	size_t len;         /* its length in bytes */
	char *key;          /* member of an object: its name (decoded) */
	struct json *child; /* JSON_ARRAY / JSON_OBJECT: first element */
	struct json *next;  /* the next element of the parent */
	size_t count;       /* JSON_ARRAY / JSON_OBJECT: number of elements */
};

/* Parses exactly one value in text[0, len) (whitespace around it allowed).
 * NULL on error, with a one-line reason in err. */
struct json *json_parse(const char *text, size_t len, char *err, size_t errlen);
void json_free(struct json *j);

/* The member key of an object (the last one if repeated), or NULL. */
const struct json *json_get(const struct json *obj, const char *key);
/* Element i of an array, or NULL. */
const struct json *json_at(const struct json *arr, size_t i);
/* The string of member key, or NULL when absent or not a string. */
const char *json_get_str(const struct json *obj, const char *key);
/* A number member as an integer, or a "0x..." / decimal string member;
 * false when absent or not one of those. */
bool json_get_u64(const struct json *obj, const char *key, uint64_t *out);

#endif
