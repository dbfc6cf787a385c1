/* SPDX-License-Identifier: MIT */
/*
 * The control protocol (vmm/control_proto.c) with a fake VM: answers, ids,
 * argument checks, unsupported operations, and garbage that must get one
 * well-formed error answer each and never reach the VM.
 */
#include <errno.h>
#include <stdlib.h>

#include "test.h"

#include "control_proto.h"
#include "json.h"

struct fake {
	int stats, dumps, traces;
	struct control_dump_args last;
	char label[200];
};

static int f_stats(void *o, FILE *out, char *e, size_t n)
{
	(void)e;
	(void)n;
	((struct fake *)o)->stats++;
	fprintf(out, "{\"exits\":7}");
	return 0;
}

static int f_dump(void *o, const struct control_dump_args *a, FILE *out, char *e, size_t n)
{
	struct fake *f = o;
	f->dumps++;
	f->last = *a;
	snprintf(f->label, sizeof(f->label), "%s", a->label);
	if (a->asid == 99) {
		snprintf(e, n, "no such address space");
		return -ENOENT;
	}
	fprintf(out, "{\"umbra_dump\":1}");
	return 0;
}

static int f_tstart(void *o, unsigned ev, FILE *out, char *e, size_t n)
{
	(void)e;
	(void)n;
	((struct fake *)o)->traces++;
	fprintf(out, "{\"events\":%u}", ev);
	return 0;
}

/* One request; the parsed answer (NULL if there was none) and its line count. */
static struct json *ask(const struct control_ops *ops, const char *req, size_t len, int *lines)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&buf, &n);
	control_handle(ops, req, len, m);
	fclose(m);
	*lines = 0;
	for (size_t i = 0; i < n; i++)
		*lines += buf[i] == '\n';
	char err[128];
	struct json *j = n ? json_parse(buf, n, err, sizeof(err)) : NULL;
	free(buf);
	return j;
}

static const char *err_class(const struct json *a)
{
	return json_get_str(json_get(a, "error"), "class");
}

TEST(control_commands_and_errors)
{
	struct fake f = {0};
	struct control_ops ops = {.opaque = &f, .query_stats = f_stats, .dump = f_dump,
				  .trace_start = f_tstart};
	int lines;
	struct json *a = ask(&ops, "{\"execute\":\"query-stats\",\"id\":5}", 32, &lines);
	uint64_t v;
	CHECK(a && lines == 1 && json_get_u64(json_get(a, "return"), "exits", &v) && v == 7);
	CHECK(json_get_u64(a, "id", &v) && v == 5);
	json_free(a);
	const char *req = "{\"execute\":\"dump\",\"arguments\":{\"asid\":\"0x10005\",\"user_only\":true,"
			  "\"label\":\"x\\ny\"},\"id\":\"abc\"}";
	a = ask(&ops, req, strlen(req), &lines);
	CHECK(a && json_get(a, "return") && !strcmp(json_get_str(a, "id"), "abc"));
	CHECK(f.last.asid == 0x10005 && f.last.user_only && !strcmp(f.label, "x\ny"));
	json_free(a);
	/* The operation's own failure. */
	req = "{\"execute\":\"dump\",\"arguments\":{\"asid\":99}}";
	a = ask(&ops, req, strlen(req), &lines);
	CHECK(a && !strcmp(err_class(a), "Failed"));
	CHECK(!strcmp(json_get_str(json_get(a, "error"), "desc"), "no such address space"));
	json_free(a);
	/* Not offered by this VM. */
	req = "{\"execute\":\"balloon\",\"arguments\":{\"bytes\":4096}}";
	a = ask(&ops, req, strlen(req), &lines);
	CHECK(a && !strcmp(err_class(a), "NotSupported"));
	json_free(a);
	struct {
		const char *req, *cls;
	} bad[] = {
		{"not json", "ParseError"},
		{"[1,2]", "InvalidRequest"},
		{"{\"id\":1}", "InvalidRequest"},
		{"{\"execute\":\"dump\",\"arguments\":[1]}", "InvalidRequest"},
		{"{\"execute\":\"reboot\"}", "CommandNotFound"},
		{"{\"execute\":\"dump\",\"arguments\":{\"asid\":-1}}", "InvalidParameter"},
		{"{\"execute\":\"dump\",\"arguments\":{\"asid\":4294967296}}", "InvalidParameter"},
		{"{\"execute\":\"dump\",\"arguments\":{\"guest_root\":\"0x1001\"}}", "InvalidParameter"},
		{"{\"execute\":\"dump\",\"arguments\":{\"user_only\":1}}", "InvalidParameter"},
		{"{\"execute\":\"dump\",\"arguments\":{\"colour\":1}}", "InvalidParameter"},
		{"{\"execute\":\"dump\",\"arguments\":{\"label\":\"a\\u0000b\"}}", "InvalidParameter"},
		{"{\"execute\":\"trace-start\",\"arguments\":{\"events\":99999999}}", "InvalidParameter"},
		{"{\"execute\":\"query-stats\",\"arguments\":{\"x\":1}}", "InvalidParameter"},
		{"{\"execute\":\"balloon\"}", "InvalidParameter"},
		{"{\"execute\":7}", "InvalidRequest"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		a = ask(&ops, bad[i].req, strlen(bad[i].req), &lines);
		bool good = a && lines == 1 && err_class(a) && !strcmp(err_class(a), bad[i].cls);
		if (!good)
			fprintf(stderr, "  request %zu: %s\n", i, a ? err_class(a) : "(no answer)");
		CHECK(good);
		json_free(a);
	}
	/* None of the bad ones reached the VM. */
	CHECK_EQ(f.dumps, 2);
	CHECK_EQ(f.traces, 0);
	CHECK_EQ(f.stats, 1);
	a = ask(&ops, "  ", 2, &lines);
	CHECK(!a && lines == 0);
}

TEST(control_garbage_gets_one_answer_each)
{
	struct fake f = {0};
	struct control_ops ops = {.opaque = &f, .query_stats = f_stats, .dump = f_dump,
				  .trace_start = f_tstart};
	const char *pieces[] = {"{", "}", "\"execute\"", ":", "\"dump\"", ",", "[", "]",
				"\"arguments\"", "{\"asid\":", "1", "\\", "\"", "null", "\x01",
				"\xff", "1e999", "\"id\""};
	unsigned seed = 1;
	for (int round = 0; round < 3000; round++) {
		char req[256];
		size_t len = 0;
		int n = (int)((seed = seed * 1103515245 + 12345) >> 16) % 12;
		for (int k = 0; k < n; k++) {
			const char *p = pieces[((seed = seed * 1103515245 + 12345) >> 16) %
					       (sizeof(pieces) / sizeof(pieces[0]))];
			size_t pl = strlen(p);
			if (len + pl >= sizeof(req))
				break;
			memcpy(req + len, p, pl);
			len += pl;
		}
		int lines;
		struct json *a = ask(&ops, req, len, &lines);
		/* An answer is one line of JSON with return or error. */
		if (lines)
			CHECK(a && lines == 1 && (json_get(a, "return") || json_get(a, "error")));
		json_free(a);
	}
	char *buf = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&buf, &n);
	control_too_long(m);
	control_greeting(m);
	fclose(m);
	CHECK(strstr(buf, "ParseError") && strstr(buf, "\"major\":1"));
	free(buf);
}
