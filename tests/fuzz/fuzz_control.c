/* SPDX-License-Identifier: MIT */
/*
 * The control-socket protocol (vmm/control_proto.c) and its JSON parser
 * (vmm/json.c) on any request line, with a fake VM behind it: every
 * request gets exactly one answer line, and that line is itself JSON (an
 * object with "return" or "error") — the server's writer and its parser
 * checked against each other. The input is also parsed as JSON directly.
 */
#include <stdio.h>

#include "control_proto.h"
#include "json.h"
#include "fuzz_input.h"

static int f_stats(void *o, FILE *out, char *e, size_t n)
{
	(void)o, (void)e, (void)n;
	fprintf(out, "{\"exits\":7}");
	return 0;
}

/* The label goes back into the answer as a JSON string, as the real dump
 * does, so escaping is checked by the round trip. */
static int f_dump(void *o, const struct control_dump_args *a, FILE *out, char *e, size_t n)
{
	(void)o;
	if (a->asid == 99) {
		snprintf(e, n, "no such address space \"%s\"", a->label ? a->label : "");
		return -1;
	}
	fprintf(out, "{\"umbra_dump\":1,\"asid\":%llu}", (unsigned long long)a->asid);
	return 0;
}

static int f_tstart(void *o, unsigned ev, FILE *out, char *e, size_t n)
{
	(void)o;
	if (ev == 7) {
		snprintf(e, n, "tracing failed\n\x01");
		return -1;
	}
	fprintf(out, "{\"events\":%u}", ev);
	return 0;
}

static int f_none(void *o, FILE *out, char *e, size_t n)
{
	(void)o, (void)out;
	snprintf(e, n, "not here");
	return -1;
}

static int f_u64(void *o, uint64_t v, FILE *out, char *e, size_t n)
{
	(void)o, (void)e, (void)n;
	fprintf(out, "{\"v\":%llu}", (unsigned long long)v);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	size_t len;
	char *line = (char *)fin_rest_copy(&in, &len);
	char err[128];
	json_free(json_parse(line, len, err, sizeof(err)));

	struct control_ops ops = {.query_stats = f_stats, .dump = f_dump,
				  .trace_start = f_tstart, .trace_stop = f_none,
				  .trace_read = f_none, .balloon = f_u64, .reclaim = f_u64};
	char *buf = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&buf, &n);
	if (!m)
		abort();
	control_handle(&ops, line, len, m);
	fclose(m);
	size_t lines = 0;
	for (size_t i = 0; i < n; i++)
		lines += buf[i] == '\n';
	/* A blank line gets no answer; anything else one line. */
	FUZZ_ASSERT(lines <= 1 && (lines == 1 || n == 0), "%zu answer lines", lines);
	if (n) {
		FUZZ_ASSERT(buf[n - 1] == '\n', "the answer does not end the line");
		struct json *j = json_parse(buf, n, err, sizeof(err));
		FUZZ_ASSERT(j, "the answer is not JSON (%s): %.*s", err, (int)n, buf);
		FUZZ_ASSERT(j->type == JSON_OBJECT &&
			    (json_get(j, "return") != NULL) != (json_get(j, "error") != NULL),
			    "not an answer: %.*s", (int)n, buf);
		json_free(j);
	}
	free(buf);
	free(line);
	return 0;
}
