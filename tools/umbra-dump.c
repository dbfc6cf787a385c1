/* SPDX-License-Identifier: MIT */
/*
 * umbra-dump: shows a page-table dump (docs/dump-format.md) from a dump file
 * (umbra run --dump-on-exit FILE) or from a running VM's control socket
 * (umbra run --control PATH), as text (like Linux's page-table dump), as
 * JSON, or as a self-contained SVG or HTML picture of each address space
 * coloured by state.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control_client.h"

static const char *prog = "umbra-dump";

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "%s: ", prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: umbra-dump [options] [FILE]\n"
		"Shows a page-table dump of umbra (docs/dump-format.md): the guest tables,\n"
		"the shadow tables and the p2m as ranges with flags and states.\n"
		"\n"
		"  FILE                a dump file (umbra run --dump-on-exit FILE)\n"
		"  -c, --control PATH  ask the running VM (umbra run --control PATH) for a dump\n"
		"  -n, --index N       the dump numbered N in the file (default: the last;\n"
		"                      negative counts from the end)\n"
		"  -l, --label TEXT    the last dump with this label\n"
		"      --list          list the dumps in the file\n"
		"  -a, --asid N        only this address space (asid, or its guest root 0x...)\n"
		"  -f, --format FMT    text (default), json, svg or html\n"
		"      --max-rows N    ranges drawn per address space in pictures (default 500)\n"
		"  -o, --output FILE   write there instead of stdout\n"
		"  -h, --help          this text\n");
}

/* --- input --- */

static char *read_all(FILE *f, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	if (!buf)
		die("out of memory");
	size_t r;
	while ((r = fread(buf + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap) {
			cap *= 2;
			if (!(buf = realloc(buf, cap)))
				die("out of memory");
		}
	}
	*len = n;
	return buf;
}

/* A dump from the control socket: {"execute":"dump"} -> {"return": DUMP}. */
static struct json *dump_from_control(const char *path, const char *asid)
{
	char req[256], err[256];
	if (asid)
		snprintf(req, sizeof(req), "{\"execute\":\"dump\",\"arguments\":{\"asid\":\"%s\"},"
			 "\"id\":1}\n", asid);
	else
		snprintf(req, sizeof(req), "{\"execute\":\"dump\",\"id\":1}\n");
	struct json *j = control_call(path, req, err, sizeof(err));
	if (!j)
		die("%s", err);
	const struct json *ret = json_get(j, "return");
	if (!ret || ret->type != JSON_OBJECT)
		die("%s: an answer without a dump", path);
	/* Detach the dump from the answer. */
	struct json *d = malloc(sizeof(*d));
	if (!d)
		die("out of memory");
	*d = *ret;
	for (struct json **pp = &j->child; *pp; pp = &(*pp)->next)
		if (*pp == ret) {
			*pp = ret->next;
			free((void *)ret);
			break;
		}
	d->next = NULL;
	free(d->key);
	d->key = NULL;
	json_free(j);
	return d;
}

/* --- helpers --- */

static uint64_t hex(const struct json *o, const char *key)
{
	uint64_t v = 0;
	json_get_u64(o, key, &v);
	return v;
}

static uint64_t num(const struct json *o, const char *key)
{
	return hex(o, key);
}

static const char *str(const struct json *o, const char *key)
{
	const char *s = json_get_str(o, key);
	return s ? s : "";
}

static bool has_state(const struct json *r, const char *word)
{
	const char *s = str(r, "state");
	size_t n = strlen(word);
	for (const char *p = s; (p = strstr(p, word)); p += n)
		if ((p == s || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
			return true;
	return false;
}

static bool as_selected(const struct json *as, const char *want)
{
	if (!want)
		return true;
	uint64_t v = strtoull(want, NULL, 0);
	return hex(as, "asid") == v || hex(as, "guest_root") == v;
}

/* --- text --- */

static void text_ranges(FILE *o, const struct json *list, const char *addr_key)
{
	for (const struct json *r = list ? list->child : NULL; r; r = r->next) {
		fprintf(o, "    0x%016llx-0x%016llx %5s %8llu pages  %s  %-28s",
			(unsigned long long)hex(r, "start"), (unsigned long long)hex(r, "end"),
			str(r, "size"), (unsigned long long)num(r, "pages"), str(r, "flags"),
			str(r, "state"));
		/* Swapped and discarded p2m runs have no frame. */
		if (json_get(r, addr_key))
			fprintf(o, " %s 0x%llx", addr_key, (unsigned long long)hex(r, addr_key));
		if (json_get(r, "prefetched"))
			fprintf(o, "  prefetched %llu (used %llu)",
				(unsigned long long)num(r, "prefetched"),
				(unsigned long long)num(r, "prefetch_used"));
		if (json_get(r, "resident"))
			fprintf(o, "  resident %llu", (unsigned long long)num(r, "resident"));
		fputc('\n', o);
	}
	if (!list || !list->count)
		fprintf(o, "    (none)\n");
}

static void text_object(FILE *o, const char *title, const struct json *obj)
{
	if (!obj || obj->type != JSON_OBJECT)
		return;
	fprintf(o, "%s:", title);
	int col = (int)strlen(title) + 1;
	for (const struct json *c = obj->child; c; c = c->next) {
		char item[96];
		int n = snprintf(item, sizeof(item), " %s %.0f", c->key, c->number);
		if (col + n > 100) {
			fprintf(o, "\n   ");
			col = 3;
		}
		fputs(item, o);
		col += n;
	}
	fputc('\n', o);
}

static void show_text(FILE *o, const struct json *d, const char *asid)
{
	fprintf(o, "umbra dump %llu: %s", (unsigned long long)num(d, "seq"), str(d, "reason"));
	if (*str(d, "label"))
		fprintf(o, " \"%s\"", str(d, "label"));
	fprintf(o, "; %s paging, %llu levels%s%s\n", str(d, "paging"),
		(unsigned long long)num(d, "levels"),
		json_get(d, "user_only") && json_get(d, "user_only")->boolean ? ", user half only" : "",
		json_get(d, "truncated") && json_get(d, "truncated")->boolean ? ", TRUNCATED" : "");
	text_object(o, "memory", json_get(d, "memory"));
	text_object(o, "rmap", json_get(d, "rmap"));
	text_object(o, "stats", json_get(d, "stats"));
	const struct json *pins = json_get(d, "pins");
	for (const struct json *p = pins ? pins->child : NULL; p; p = p->next)
		fprintf(o, "pinned: 0x%llx-0x%llx\n", (unsigned long long)hex(p, "start"),
			(unsigned long long)hex(p, "end"));
	const struct json *spaces = json_get(d, "address_spaces");
	for (const struct json *as = spaces ? spaces->child : NULL; as; as = as->next) {
		if (!as_selected(as, asid))
			continue;
		fprintf(o, "\naddress space asid 0x%llx, guest root 0x%llx", (unsigned long long)num(as, "asid"),
			(unsigned long long)hex(as, "guest_root"));
		if (json_get_str(as, "shadow_root"))
			fprintf(o, ", shadow root 0x%llx", (unsigned long long)hex(as, "shadow_root"));
		const struct json *v = json_get(as, "vcpus");
		if (v && v->count) {
			fprintf(o, ", run by vCPU");
			for (const struct json *c = v->child; c; c = c->next)
				fprintf(o, " %.0f", c->number);
		}
		if (json_get(as, "dying") && json_get(as, "dying")->boolean)
			fprintf(o, ", released");
		fprintf(o, "\n  guest translation:\n");
		text_ranges(o, json_get(as, "guest"), "phys");
		const struct json *sh = json_get(as, "shadow");
		if (sh && sh->type == JSON_ARRAY) {
			fprintf(o, "  shadow tables:\n");
			text_ranges(o, sh, "machine");
		}
		text_object(o, "  summary", json_get(as, "summary"));
		const struct json *diff = json_get(as, "diff");
		if (diff && diff->type == JSON_ARRAY) {
			if (!diff->count)
				fprintf(o, "  diff: the shadow is the composition of guest tables and p2m\n");
			for (const struct json *w = diff->child; w; w = w->next)
				fprintf(o, "  DIFF 0x%llx level %llu spte 0x%llx: %s\n",
					(unsigned long long)hex(w, "va"), (unsigned long long)num(w, "level"),
					(unsigned long long)hex(w, "spte"), str(w, "why"));
		}
	}
	fprintf(o, "\n%s:\n", !strcmp(str(d, "paging"), "shadow") ? "p2m (guest-physical -> machine)"
								  : "guest RAM (guest-physical -> VMM)");
	text_ranges(o, json_get(d, "p2m"), !strcmp(str(d, "paging"), "shadow") ? "machine" : "host");
}

/* --- pictures --- */

struct color {
	const char *state, *fill, *meaning;
};
/* The first state a range has, in this order, gives its colour. */
static const struct color colors[] = {
	{"pinned", "#7b3294", "pinned: always shadowed (fault delivery)"},
	{"cow", "#d7191c", "copy-on-write: shared and read-only"},
	{"shared", "#fdae61", "shared: the frame is mapped elsewhere too"},
	{"swapped", "#878787", "swapped: guest swap entry, or in the host's swap file"},
	{"discarded", "#c2a5cf", "discarded: given back by the balloon"},
	{"shadowed", "#1a9641", "shadowed: guest mapping with a shadow entry"},
	{"mapped", "#74add1", "mapped: guest mapping (no shadow entry)"},
};
#define NCOLORS (sizeof(colors) / sizeof(colors[0]))

static const struct color *color_of(const struct json *r)
{
	for (size_t i = 0; i < NCOLORS; i++)
		if (has_state(r, colors[i].state))
			return &colors[i];
	return &colors[NCOLORS - 1];
}

static void xml_text(FILE *o, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", o); break;
		case '>': fputs("&gt;", o); break;
		case '&': fputs("&amp;", o); break;
		case '"': fputs("&quot;", o); break;
		default:
			if (((unsigned char)*s >= 0x20 && (unsigned char)*s < 0x7f) || *s == '\n')
				fputc(*s, o);
			else
				fputc('?', o);
		}
	}
}

#define SVG_W 1100
#define ROW_H 16
#define BAR_X 20
#define BAR_W 300

/* Bar length of a range: log scale, so 1 page and 1 GiB both show. */
static double bar_len(uint64_t pages)
{
	return 14.0 + (BAR_W - 14.0) * log2((double)pages + 1) / 28.0;
}

struct section {
	const char *title;
	const struct json *ranges;
	const char *addr_key;
};

/* The picture: per section, an overview strip (ranges in address order,
 * widths on a log scale, unmapped gaps as thin marks) and one labelled
 * row per range. */
static void show_svg(FILE *o, const struct json *d, const char *asid, unsigned max_rows)
{
	struct section secs[256];
	char titles[256][160];
	unsigned ns = 0;
	const struct json *spaces = json_get(d, "address_spaces");
	for (const struct json *as = spaces ? spaces->child : NULL; as && ns < 255; as = as->next) {
		if (!as_selected(as, asid))
			continue;
		snprintf(titles[ns], sizeof(titles[ns]), "address space asid 0x%llx, guest root 0x%llx: guest translation (%llu pages)",
			 (unsigned long long)num(as, "asid"), (unsigned long long)hex(as, "guest_root"),
			 (unsigned long long)num(json_get(as, "summary"), "guest_pages"));
		secs[ns] = (struct section){titles[ns], json_get(as, "guest"), "phys"};
		ns++;
	}
	snprintf(titles[ns], sizeof(titles[ns]), "%s",
		 !strcmp(str(d, "paging"), "shadow") ? "p2m: guest-physical to machine" : "guest RAM");
	secs[ns] = (struct section){titles[ns], json_get(d, "p2m"),
				    !strcmp(str(d, "paging"), "shadow") ? "machine" : "host"};
	ns++;

	unsigned height = 90 + 22 * (unsigned)((NCOLORS + 2) / 3);
	for (unsigned s = 0; s < ns; s++) {
		size_t n = secs[s].ranges ? secs[s].ranges->count : 0;
		height += 70 + ROW_H * (unsigned)(n < max_rows ? n : max_rows + 1);
	}
	fprintf(o, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%u\" "
		"viewBox=\"0 0 %d %u\" font-family=\"DejaVu Sans Mono, monospace\" font-size=\"12\">\n",
		SVG_W, height, SVG_W, height);
	fprintf(o, "<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n");
	fprintf(o, "<text x=\"%d\" y=\"24\" font-size=\"16\" font-weight=\"bold\">umbra dump %llu: ",
		BAR_X, (unsigned long long)num(d, "seq"));
	xml_text(o, str(d, "reason"));
	if (*str(d, "label")) {
		fputs(" \"", o);
		xml_text(o, str(d, "label"));
		fputc('"', o);
	}
	fprintf(o, ", %s paging</text>\n", !strcmp(str(d, "paging"), "shadow") ? "shadow" : "tdp");
	/* Legend. */
	unsigned y = 44;
	for (size_t i = 0; i < NCOLORS; i++) {
		unsigned x = BAR_X + (unsigned)(i % 3) * 360;
		if (i && i % 3 == 0)
			y += 22;
		fprintf(o, "<rect x=\"%u\" y=\"%u\" width=\"14\" height=\"14\" fill=\"%s\"/>"
			"<text x=\"%u\" y=\"%u\">%s</text>\n", x, y, colors[i].fill, x + 20, y + 12,
			colors[i].meaning);
	}
	y += 40;
	for (unsigned s = 0; s < ns; s++) {
		const struct json *list = secs[s].ranges;
		fprintf(o, "<text x=\"%d\" y=\"%u\" font-size=\"14\" font-weight=\"bold\">", BAR_X, y);
		xml_text(o, secs[s].title);
		fprintf(o, "</text>\n");
		y += 10;
		/* Overview strip. */
		double total = 0;
		for (const struct json *r = list ? list->child : NULL; r; r = r->next)
			total += bar_len(num(r, "pages")) + 3;
		double scale = total > SVG_W - 2 * BAR_X ? (SVG_W - 2 * BAR_X) / total : 1.0;
		double x = BAR_X;
		uint64_t prev_end = 0;
		for (const struct json *r = list ? list->child : NULL; r; r = r->next) {
			if (prev_end && hex(r, "start") != prev_end)
				fprintf(o, "<rect x=\"%.1f\" y=\"%u\" width=\"1\" height=\"24\" fill=\"#000\"/>\n",
					x - 2, y);
			double w = bar_len(num(r, "pages")) * scale;
			fprintf(o, "<rect x=\"%.1f\" y=\"%u\" width=\"%.1f\" height=\"20\" fill=\"%s\">"
				"<title>0x%llx-0x%llx %s</title></rect>\n", x, y + 2, w, color_of(r)->fill,
				(unsigned long long)hex(r, "start"), (unsigned long long)hex(r, "end"),
				str(r, "state"));
			x += w + 3 * scale;
			prev_end = hex(r, "end");
		}
		y += 36;
		/* One row per range. */
		unsigned row = 0;
		for (const struct json *r = list ? list->child : NULL; r; r = r->next, row++) {
			if (row == max_rows) {
				fprintf(o, "<text x=\"%d\" y=\"%u\">... %zu more ranges (--max-rows)</text>\n",
					BAR_X, y + 12, list->count - row);
				y += ROW_H;
				break;
			}
			fprintf(o, "<g><rect x=\"%d\" y=\"%u\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>",
				BAR_X, y, bar_len(num(r, "pages")), ROW_H - 3, color_of(r)->fill);
			fprintf(o, "<text x=\"%d\" y=\"%u\">0x%012llx-0x%012llx %3s %7llu p %s %s</text></g>\n",
				BAR_X + BAR_W + 10, y + 11, (unsigned long long)hex(r, "start"),
				(unsigned long long)hex(r, "end"), str(r, "size"),
				(unsigned long long)num(r, "pages"), str(r, "flags"), str(r, "state"));
			y += ROW_H;
		}
		if (!list || !list->count) {
			fprintf(o, "<text x=\"%d\" y=\"%u\">(no ranges)</text>\n", BAR_X, y + 12);
			y += ROW_H;
		}
		y += 24;
	}
	fprintf(o, "</svg>\n");
}

static void show_html(FILE *o, const struct json *d, const char *asid, unsigned max_rows)
{
	fprintf(o, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>umbra dump %llu</title>\n"
		"<style>body{font-family:sans-serif;margin:16px;background:#fff}"
		"pre{font-size:12px;background:#f4f4f4;padding:8px;overflow:auto}</style></head>\n<body>\n",
		(unsigned long long)num(d, "seq"));
	show_svg(o, d, asid, max_rows);
	fprintf(o, "<h2>As text</h2>\n<pre>");
	char *text = NULL;
	size_t len = 0;
	FILE *t = open_memstream(&text, &len);
	show_text(t, d, asid);
	fclose(t);
	xml_text(o, text);
	free(text);
	fprintf(o, "</pre>\n</body></html>\n");
}

/* A compact JSON re-serialisation of the chosen dump. */
static void show_json(FILE *o, const struct json *j)
{
	switch (j->type) {
	case JSON_NULL: fputs("null", o); break;
	case JSON_BOOL: fputs(j->boolean ? "true" : "false", o); break;
	case JSON_NUMBER: fprintf(o, "%.17g", j->number); break;
	case JSON_STRING:
		fputc('"', o);
		for (size_t i = 0; i < j->len; i++) {
			unsigned char c = (unsigned char)j->str[i];
			if (c == '"' || c == '\\')
				fprintf(o, "\\%c", c);
			else if (c < 0x20)
				fprintf(o, "\\u%04x", c);
			else
				fputc(c, o);
		}
		fputc('"', o);
		break;
	case JSON_ARRAY:
	case JSON_OBJECT:
		fputc(j->type == JSON_ARRAY ? '[' : '{', o);
		for (const struct json *c = j->child; c; c = c->next) {
			if (c != j->child)
				fputc(',', o);
			if (j->type == JSON_OBJECT) {
				struct json k = {.type = JSON_STRING, .str = c->key, .len = strlen(c->key)};
				show_json(o, &k);
				fputc(':', o);
			}
			show_json(o, c);
		}
		fputc(j->type == JSON_ARRAY ? ']' : '}', o);
		break;
	}
}

int main(int argc, char **argv)
{
	const char *file = NULL, *control = NULL, *label = NULL, *asid = NULL;
	const char *format = "text", *output = NULL;
	long index = -1;
	bool list = false;
	unsigned max_rows = 500;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define OPT(s, l) (!strcmp(a, s) || !strcmp(a, l))
#define NEED() do { if (!v) die("%s needs a value", a); i++; } while (0)
		if (OPT("-h", "--help")) {
			usage(stdout);
			return 0;
		} else if (OPT("-c", "--control")) {
			NEED();
			control = v;
		} else if (OPT("-n", "--index")) {
			NEED();
			char *end;
			index = strtol(v, &end, 10);
			if (*end || !*v)
				die("--index %s: not a number", v);
		} else if (OPT("-l", "--label")) {
			NEED();
			label = v;
		} else if (!strcmp(a, "--list")) {
			list = true;
		} else if (OPT("-a", "--asid")) {
			NEED();
			asid = v;
		} else if (OPT("-f", "--format")) {
			NEED();
			format = v;
		} else if (!strcmp(a, "--max-rows")) {
			NEED();
			max_rows = (unsigned)strtoul(v, NULL, 10);
		} else if (OPT("-o", "--output")) {
			NEED();
			output = v;
		} else if (a[0] == '-' && a[1]) {
			die("unknown option %s (see --help)", a);
		} else if (!file) {
			file = a;
		} else {
			die("more than one file");
		}
	}
	if (strcmp(format, "text") && strcmp(format, "json") && strcmp(format, "svg") &&
	    strcmp(format, "html"))
		die("--format %s: text, json, svg or html", format);
	if (!file == !control)
		die("give a dump FILE or --control PATH (see --help)");

	struct json *dump = NULL;
	char *text = NULL;
	if (control) {
		dump = dump_from_control(control, asid);
	} else {
		FILE *f = strcmp(file, "-") ? fopen(file, "rb") : stdin;
		if (!f)
			die("%s: %s", file, strerror(errno));
		size_t len;
		text = read_all(f, &len);
		if (f != stdin)
			fclose(f);
		/* Lines: the dumps, in order. */
		size_t nlines = 0;
		char **lines = NULL;
		size_t *lens = NULL;
		for (size_t p = 0; p < len;) {
			char *nl = memchr(text + p, '\n', len - p);
			size_t e = nl ? (size_t)(nl - text) : len;
			if (e > p) {
				lines = realloc(lines, (nlines + 1) * sizeof(*lines));
				lens = realloc(lens, (nlines + 1) * sizeof(*lens));
				if (!lines || !lens)
					die("out of memory");
				lines[nlines] = text + p;
				lens[nlines++] = e - p;
			}
			p = e + 1;
		}
		if (!nlines)
			die("%s: no dump in the file", file);
		char err[160];
		long chosen = -1;
		for (size_t i = 0; i < nlines; i++) {
			bool want = list || label ||
				    (index >= 0 ? (long)i == index : (long)i == (long)nlines + index);
			if (!want)
				continue;
			struct json *j = json_parse(lines[i], lens[i], err, sizeof(err));
			if (!j)
				die("%s: dump %zu is not JSON: %s", file, i, err);
			if (list) {
				printf("%llu %s \"%s\" %s, %zu address spaces%s\n",
				       (unsigned long long)num(j, "seq"), str(j, "reason"), str(j, "label"),
				       str(j, "paging"), json_get(j, "address_spaces") ?
				       json_get(j, "address_spaces")->count : 0,
				       json_get(j, "truncated") && json_get(j, "truncated")->boolean ?
				       ", truncated" : "");
				json_free(j);
				continue;
			}
			if (label && strcmp(str(j, "label"), label)) {
				json_free(j);
				continue;
			}
			json_free(dump);
			dump = j;
			chosen = (long)i;
		}
		free(lines);
		free(lens);
		if (list) {
			free(text);
			return 0;
		}
		if (chosen < 0)
			die(label ? "%s: no dump labelled \"%s\"" : "%s: no dump number %s", file,
			    label ? label : (index >= 0 ? "given" : "given"));
	}
	if (!json_get(dump, "umbra_dump") || num(dump, "umbra_dump") != 1)
		die("not an umbra dump of version 1 (docs/dump-format.md)");
	FILE *o = output ? fopen(output, "w") : stdout;
	if (!o)
		die("%s: %s", output, strerror(errno));
	if (!strcmp(format, "text"))
		show_text(o, dump, asid);
	else if (!strcmp(format, "json")) {
		show_json(o, dump);
		fputc('\n', o);
	} else if (!strcmp(format, "svg")) {
		fprintf(o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
		show_svg(o, dump, asid, max_rows);
	} else
		show_html(o, dump, asid, max_rows);
	if (fclose(o) != 0)
		die("%s: %s", output ? output : "stdout", strerror(errno));
	json_free(dump);
	free(text);
	return 0;
}
