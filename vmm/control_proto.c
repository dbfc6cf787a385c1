/* SPDX-License-Identifier: MIT */
/* The control protocol (control_proto.h, docs/control.md). */
#include "control_proto.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <umbra/hypercall.h>

#include "json.h"

static const char *const commands[] = {
	"query-version", "query-commands", "query-stats", "dump", "trace-start",
	"trace-stop", "trace-read", "balloon", "reclaim",
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void json_str(FILE *f, const char *s, size_t len)
{
	fputc('"', f);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f); /* UTF-8 passes through: it came from a JSON string */
	}
	fputc('"', f);
}

void control_greeting(FILE *out)
{
	fprintf(out, "{\"umbra\":{\"version\":{\"major\":%d,\"minor\":%d},\"abi\":%d,"
		"\"commands\":[", CONTROL_VERSION_MAJOR, CONTROL_VERSION_MINOR, UMBRA_ABI_VERSION);
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(out, "%s\"%s\"", i ? "," : "", commands[i]);
	fprintf(out, "]}}\n");
}

/* The id member echoed back: a string or a whole number only. */
static void put_id(FILE *out, const struct json *id)
{
	if (!id)
		return;
	if (id->type == JSON_STRING) {
		fprintf(out, ",\"id\":");
		json_str(out, id->str, id->len);
	} else if (id->type == JSON_NUMBER && id->number >= -0x1p63 && id->number < 0x1p63 &&
		   id->number == (double)(int64_t)id->number) {
		/* (The range first: converting a double outside int64_t's
		 * range is undefined.) */
		fprintf(out, ",\"id\":%lld", (long long)id->number);
	}
}

static void error(FILE *out, const struct json *id, const char *cls, const char *desc)
{
	fprintf(out, "{\"error\":{\"class\":\"%s\",\"desc\":", cls);
	json_str(out, desc, strlen(desc));
	fputc('}', out);
	put_id(out, id);
	fprintf(out, "}\n");
}

void control_too_long(FILE *out)
{
	char desc[96];
	snprintf(desc, sizeof(desc), "request line longer than %d bytes (skipped)",
		 CONTROL_LINE_MAX);
	error(out, NULL, "ParseError", desc);
}

/* An integer argument: a number or a "0x..." string; *present tells
 * whether it was given. false when it is there but malformed. */
static bool arg_u64(const struct json *args, const char *key, uint64_t *v, bool *present)
{
	*present = json_get(args, key) != NULL;
	return !*present || json_get_u64(args, key, v);
}

static bool arg_bool(const struct json *args, const char *key, bool *v)
{
	const struct json *b = json_get(args, key);
	if (!b)
		return true;
	if (b->type != JSON_BOOL)
		return false;
	*v = b->boolean;
	return true;
}

/* Only the named arguments are allowed. */
static const char *unknown_arg(const struct json *args, const char *const *allowed)
{
	for (const struct json *c = args ? args->child : NULL; c; c = c->next) {
		bool ok = false;
		for (const char *const *a = allowed; *a; a++)
			ok |= strcmp(c->key, *a) == 0;
		if (!ok)
			return c->key;
	}
	return NULL;
}

/* Runs op's answer into a buffer, so a failure leaves no half answer. */
typedef int (*call_fn)(const struct control_ops *ops, const void *arg, FILE *out,
		       char *err, size_t errlen);

static void run(const struct control_ops *ops, const struct json *id, call_fn fn,
		bool supported, const void *arg, FILE *out)
{
	if (!supported) {
		error(out, id, "NotSupported", "not supported by this VM");
		return;
	}
	char *buf = NULL;
	size_t len = 0;
	char err[256] = "";
	FILE *m = open_memstream(&buf, &len);
	if (!m) {
		error(out, id, "Failed", "out of memory");
		return;
	}
	int r = fn(ops, arg, m, err, sizeof(err));
	fclose(m);
	if (r) {
		if (!err[0])
			snprintf(err, sizeof(err), "%s", strerror(-r));
		error(out, id, r == -ENOTSUP ? "NotSupported" : "Failed", err);
	} else {
		fprintf(out, "{\"return\":");
		fwrite(buf, 1, len, out);
		if (!len)
			fprintf(out, "{}");
		put_id(out, id);
		fprintf(out, "}\n");
	}
	free(buf);
}

static int call_stats(const struct control_ops *o, const void *a, FILE *f, char *e, size_t n)
{
	(void)a;
	return o->query_stats(o->opaque, f, e, n);
}
static int call_dump(const struct control_ops *o, const void *a, FILE *f, char *e, size_t n)
{
	return o->dump(o->opaque, a, f, e, n);
}
static int call_tstart(const struct control_ops *o, const void *a, FILE *f, char *e, size_t n)
{
	return o->trace_start(o->opaque, *(const unsigned *)a, f, e, n);
}
static int call_tstop(const struct control_ops *o, const void *a, FILE *f, char *e, size_t n)
{
	(void)a;
	return o->trace_stop(o->opaque, f, e, n);
}
static int call_tread(const struct control_ops *o, const void *a, FILE *f, char *e, size_t n)
{
	(void)a;
	return o->trace_read(o->opaque, f, e, n);
}
static int call_balloon(const struct control_ops *o, const void *a, FILE *f, char *e, size_t n)
{
	return o->balloon(o->opaque, *(const uint64_t *)a, f, e, n);
}
static int call_reclaim(const struct control_ops *o, const void *a, FILE *f, char *e, size_t n)
{
	return o->reclaim(o->opaque, *(const uint64_t *)a, f, e, n);
}

static void handle(const struct control_ops *ops, const struct json *req, FILE *out)
{
	const struct json *id = json_get(req, "id");
	const char *cmd = json_get_str(req, "execute");
	const struct json *args = json_get(req, "arguments");
	if (!cmd) {
		error(out, id, "InvalidRequest", "a request is {\"execute\": COMMAND, "
		      "\"arguments\": {...}, \"id\": ID}");
		return;
	}
	if (args && args->type != JSON_OBJECT) {
		error(out, id, "InvalidRequest", "\"arguments\" must be an object");
		return;
	}
	static const char *const none[] = {NULL};
	char desc[200];
	if (!strcmp(cmd, "query-version")) {
		fprintf(out, "{\"return\":{\"major\":%d,\"minor\":%d,\"abi\":%d}",
			CONTROL_VERSION_MAJOR, CONTROL_VERSION_MINOR, UMBRA_ABI_VERSION);
		put_id(out, id);
		fprintf(out, "}\n");
		return;
	}
	if (!strcmp(cmd, "query-commands")) {
		fprintf(out, "{\"return\":[");
		for (size_t i = 0; i < NCOMMANDS; i++)
			fprintf(out, "%s\"%s\"", i ? "," : "", commands[i]);
		fprintf(out, "]");
		put_id(out, id);
		fprintf(out, "}\n");
		return;
	}
	const char *bad;
	if (!strcmp(cmd, "query-stats") || !strcmp(cmd, "trace-stop") ||
	    !strcmp(cmd, "trace-read")) {
		if ((bad = unknown_arg(args, none))) {
			snprintf(desc, sizeof(desc), "%s takes no argument \"%.64s\"", cmd, bad);
			error(out, id, "InvalidParameter", desc);
		} else if (!strcmp(cmd, "query-stats")) {
			run(ops, id, call_stats, ops->query_stats, NULL, out);
		} else if (!strcmp(cmd, "trace-stop")) {
			run(ops, id, call_tstop, ops->trace_stop, NULL, out);
		} else {
			run(ops, id, call_tread, ops->trace_read, NULL, out);
		}
		return;
	}
	if (!strcmp(cmd, "dump")) {
		static const char *const allowed[] = {"asid", "guest_root", "user_only", "label",
						      "to_file", NULL};
		struct control_dump_args a = {.label = ""};
		bool p1, p2;
		const struct json *label = json_get(args, "label");
		if ((bad = unknown_arg(args, allowed))) {
			snprintf(desc, sizeof(desc), "dump has no argument \"%.64s\"", bad);
			error(out, id, "InvalidParameter", desc);
		} else if (!arg_u64(args, "asid", &a.asid, &p1) || a.asid > UINT32_MAX ||
			   !arg_u64(args, "guest_root", &a.guest_root, &p2) || (a.guest_root & 0xfff) ||
			   !arg_bool(args, "user_only", &a.user_only) ||
			   !arg_bool(args, "to_file", &a.to_file)) {
			error(out, id, "InvalidParameter", "dump: asid is a number below 2^32, "
			      "guest_root a page-aligned address (\"0x...\"), user_only and "
			      "to_file booleans");
		} else if (label && (label->type != JSON_STRING || label->len > 128 ||
				     strlen(label->str) != label->len)) {
			error(out, id, "InvalidParameter", "dump: label is a string of at most "
			      "128 bytes without NUL");
		} else {
			if (label)
				a.label = label->str;
			run(ops, id, call_dump, ops->dump, &a, out);
		}
		return;
	}
	if (!strcmp(cmd, "trace-start")) {
		static const char *const allowed[] = {"events", NULL};
		uint64_t n = 0;
		bool p;
		if ((bad = unknown_arg(args, allowed))) {
			snprintf(desc, sizeof(desc), "trace-start has no argument \"%.64s\"", bad);
			error(out, id, "InvalidParameter", desc);
		} else if (!arg_u64(args, "events", &n, &p) || n > (1u << 20)) {
			error(out, id, "InvalidParameter", "trace-start: events is a number "
			      "0..1048576 (0: the default, 4096)");
		} else {
			unsigned events = (unsigned)n;
			run(ops, id, call_tstart, ops->trace_start, &events, out);
		}
		return;
	}
	if (!strcmp(cmd, "balloon") || !strcmp(cmd, "reclaim")) {
		bool is_balloon = !strcmp(cmd, "balloon");
		static const char *const ab[] = {"bytes", NULL}, *const ar[] = {"pages", NULL};
		uint64_t n = 0;
		bool p;
		if ((bad = unknown_arg(args, is_balloon ? ab : ar))) {
			snprintf(desc, sizeof(desc), "%s has no argument \"%.64s\"", cmd, bad);
			error(out, id, "InvalidParameter", desc);
		} else if (!arg_u64(args, is_balloon ? "bytes" : "pages", &n, &p) ||
			   (is_balloon && !p)) {
			error(out, id, "InvalidParameter", is_balloon ?
			      "balloon: bytes (the balloon's target size) is a number" :
			      "reclaim: pages is a number (0: as much as possible)");
		} else if (is_balloon) {
			run(ops, id, call_balloon, ops->balloon, &n, out);
		} else {
			run(ops, id, call_reclaim, ops->reclaim, &n, out);
		}
		return;
	}
	snprintf(desc, sizeof(desc), "no command \"%.64s\" (query-commands lists them)", cmd);
	error(out, id, "CommandNotFound", desc);
}

void control_handle(const struct control_ops *ops, const char *line, size_t len, FILE *out)
{
	char err[160];
	/* An empty line (or one of blanks) is ignored, as by QMP. */
	size_t i = 0;
	while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
		i++;
	if (i == len)
		return;
	struct json *req = json_parse(line, len, err, sizeof(err));
	if (!req) {
		char desc[200];
		snprintf(desc, sizeof(desc), "not JSON: %s", err);
		error(out, NULL, "ParseError", desc);
		return;
	}
	if (req->type != JSON_OBJECT)
		error(out, NULL, "InvalidRequest", "a request is a JSON object");
	else
		handle(ops, req, out);
	json_free(req);
}
