/* SPDX-License-Identifier: MIT */
/*
 * umbra-trace: shows the MMU events umbra recorded (docs/trace.md) — from a
 * dump file (the trace a dump carries, umbra run --trace N) or from a
 * running VM's control socket — as text or as Chrome trace-event JSON
 * (opens in Perfetto or chrome://tracing).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control_client.h"

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "umbra-trace: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: umbra-trace [options] [FILE]\n"
		"Shows umbra's MMU events: from the last dump in FILE that carries a trace\n"
		"(umbra run --trace N --dump-on-exit FILE; host-memory events only in tdp\n"
		"mode), or from a running VM (umbra run --control PATH).\n"
		"\n"
		"  -c, --control PATH  read the VM's trace (command trace-read)\n"
		"      --start [N]     with --control: start tracing (ring of N events)\n"
		"      --stop          with --control: stop tracing\n"
		"      --chrome        Chrome trace-event JSON (Perfetto) instead of text\n"
		"  -o, --output FILE   write there instead of stdout\n"
		"  -h, --help          this text\n");
}

/* One request over the control socket; returns the whole answer. */
static struct json *request(const char *path, const char *req)
{
	char err[256];
	struct json *j = control_call(path, req, err, sizeof(err));
	if (!j)
		die("%s", err);
	return j;
}

static const char *s(const struct json *o, const char *k)
{
	const char *v = json_get_str(o, k);
	return v ? v : "";
}

static double n(const struct json *o, const char *k)
{
	const struct json *v = json_get(o, k);
	return v && v->type == JSON_NUMBER ? v->number : 0;
}

static void text(FILE *o, const struct json *trace)
{
	const struct json *ev = json_get(trace, "events");
	fprintf(o, "# %s, ring of %.0f events, %.0f recorded, %.0f dropped\n",
		json_get(trace, "enabled") && json_get(trace, "enabled")->boolean ? "tracing"
										   : "not tracing",
		n(trace, "size"), n(trace, "recorded"), n(trace, "dropped"));
	fprintf(o, "#   time (us)  vcpu  asid        event              a                  b\n");
	for (const struct json *e = ev ? ev->child : NULL; e; e = e->next) {
		fprintf(o, "%14.3f  %4.0f  0x%-8x  %-17s  %-18s %-18s", n(e, "t") / 1000.0, n(e, "vcpu"),
			(unsigned)n(e, "asid"), s(e, "type"), s(e, "a"), s(e, "b"));
		if (!strncmp(s(e, "type"), "invalidate", 10))
			fprintf(o, " event %.0f", n(e, "arg"));
		else if (!strcmp(s(e, "type"), "fill") || !strcmp(s(e, "type"), "prefetch"))
			fprintf(o, " level %.0f", n(e, "arg"));
		fputc('\n', o);
	}
}

static void chrome(FILE *o, const struct json *trace)
{
	const struct json *ev = json_get(trace, "events");
	fprintf(o, "{\"displayTimeUnit\":\"ns\",\"otherData\":{\"source\":\"umbra\","
		"\"dropped\":%.0f},\"traceEvents\":[", n(trace, "dropped"));
	bool first = true;
	bool seen[256] = {false};
	for (const struct json *e = ev ? ev->child : NULL; e; e = e->next) {
		unsigned v = (unsigned)n(e, "vcpu") & 255;
		if (!seen[v]) {
			seen[v] = true;
			fprintf(o, "%s{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":1,\"tid\":%u,"
				"\"args\":{\"name\":\"vCPU %u\"}}", first ? "" : ",", v, v);
			first = false;
		}
		const char *type = s(e, "type");
		const char *ph = "i", *name = type;
		if (!strcmp(type, "invalidate_start")) {
			ph = "B";
			name = "invalidate";
		} else if (!strcmp(type, "invalidate_end")) {
			ph = "E";
			name = "invalidate";
		}
		/* type, a and b are our own hex strings and names: no escaping. */
		fprintf(o, ",{\"ph\":\"%s\",\"name\":\"%s\",\"cat\":\"mmu\",\"pid\":1,\"tid\":%u,"
			"\"ts\":%.3f%s,\"args\":{\"asid\":%.0f,\"a\":\"%s\",\"b\":\"%s\",\"event\":%.0f}}",
			ph, name, v, n(e, "t") / 1000.0, *ph == 'i' ? ",\"s\":\"t\"" : "",
			n(e, "asid"), s(e, "a"), s(e, "b"), n(e, "arg"));
	}
	fprintf(o, "]}\n");
}

int main(int argc, char **argv)
{
	const char *file = NULL, *control = NULL, *output = NULL;
	bool want_chrome = false, start = false, stop = false;
	unsigned long events = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "-c") || !strcmp(a, "--control")) {
			if (++i >= argc)
				die("%s needs a value", a);
			control = argv[i];
		} else if (!strcmp(a, "--start")) {
			start = true;
			if (i + 1 < argc && argv[i + 1][0] >= '0' && argv[i + 1][0] <= '9')
				events = strtoul(argv[++i], NULL, 10);
		} else if (!strcmp(a, "--stop")) {
			stop = true;
		} else if (!strcmp(a, "--chrome")) {
			want_chrome = true;
		} else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
			if (++i >= argc)
				die("%s needs a value", a);
			output = argv[i];
		} else if (a[0] == '-' && a[1]) {
			die("unknown option %s (see --help)", a);
		} else if (!file) {
			file = a;
		} else {
			die("more than one file");
		}
	}
	if (!file == !control)
		die("give a dump FILE or --control PATH (see --help)");
	if ((start || stop) && !control)
		die("--start and --stop need --control");
	struct json *root = NULL;
	const struct json *trace = NULL;
	if (control) {
		char req[160];
		if (start) {
			snprintf(req, sizeof(req), "{\"execute\":\"trace-start\",\"arguments\":"
				 "{\"events\":%lu},\"id\":1}\n", events);
			json_free(request(control, req));
			fprintf(stderr, "umbra-trace: tracing started\n");
			return 0;
		}
		if (stop) {
			json_free(request(control, "{\"execute\":\"trace-stop\",\"id\":1}\n"));
			fprintf(stderr, "umbra-trace: tracing stopped\n");
			return 0;
		}
		root = request(control, "{\"execute\":\"trace-read\",\"id\":1}\n");
		trace = json_get(root, "return");
	} else {
		FILE *f = fopen(file, "rb");
		if (!f)
			die("%s: %s", file, strerror(errno));
		char *line = NULL;
		size_t cap = 0;
		ssize_t len;
		char err[160];
		/* The last dump with a trace. */
		while ((len = getline(&line, &cap, f)) > 0) {
			if (!strstr(line, "\"trace\":{"))
				continue;
			struct json *j = json_parse(line, (size_t)len, err, sizeof(err));
			if (!j)
				die("%s: a dump is not JSON: %s", file, err);
			json_free(root);
			root = j;
			trace = json_get(j, "trace");
		}
		free(line);
		fclose(f);
		if (!trace)
			die("%s: no dump with a trace (umbra run --paging shadow --trace N)", file);
	}
	FILE *o = output ? fopen(output, "w") : stdout;
	if (!o)
		die("%s: %s", output, strerror(errno));
	if (want_chrome)
		chrome(o, trace);
	else
		text(o, trace);
	if (fclose(o))
		die("write error");
	json_free(root);
	return 0;
}
