/* SPDX-License-Identifier: MIT */
/*
 * The control protocol (docs/control.md): one JSON request per line, one
 * JSON answer per line, as QEMU's QMP. This half is hosted and knows no
 * KVM: it parses a request, checks its arguments and calls the VM through
 * struct control_ops; control.c serves it on a socket. Requests are
 * untrusted: a bad one gets an error answer and changes nothing.
 */
#ifndef UMBRA_VMM_CONTROL_PROTO_H
#define UMBRA_VMM_CONTROL_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CONTROL_VERSION_MAJOR 1
#define CONTROL_VERSION_MINOR 0
/* A request line longer than this is refused (and skipped). */
#define CONTROL_LINE_MAX (64 * 1024)

struct control_dump_args {
	uint64_t asid, guest_root;
	bool user_only;
	bool to_file;        /* append to the dump file instead of answering it */
	const char *label;   /* at most 128 bytes */
};

/*
 * What the VM offers. Each writes the JSON value of a successful answer to
 * out and returns 0, or returns -errno with a message in err (-ENOTSUP:
 * "NotSupported"; anything else: "Failed"). A NULL operation is not
 * supported.
 */
struct control_ops {
	void *opaque;
	int (*query_stats)(void *opaque, FILE *out, char *err, size_t errlen);
	int (*dump)(void *opaque, const struct control_dump_args *a, FILE *out,
		    char *err, size_t errlen);
	int (*trace_start)(void *opaque, unsigned events, FILE *out, char *err, size_t errlen);
	int (*trace_stop)(void *opaque, FILE *out, char *err, size_t errlen);
	int (*trace_read)(void *opaque, FILE *out, char *err, size_t errlen);
	int (*balloon)(void *opaque, uint64_t bytes, FILE *out, char *err, size_t errlen);
	int (*reclaim)(void *opaque, uint64_t pages, FILE *out, char *err, size_t errlen);
};

/* The greeting line a new client gets (with its newline). */
void control_greeting(FILE *out);

/* Answers one request line (without its newline): writes exactly one
 * answer line to out; a blank line is ignored (no answer). */
void control_handle(const struct control_ops *ops, const char *line, size_t len,
		    FILE *out);

/* The answer to a line longer than CONTROL_LINE_MAX. */
void control_too_long(FILE *out);

#endif
